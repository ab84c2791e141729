#!/bin/sh
# Turn schemas/*.sql into C: one entry per file, in the order given
# (the Makefile sorts them), for store.c to apply and prepare by name.
set -eu
echo '/* Generated from the .sql files in schemas/ by contrib/embed-sql.sh. Do not edit. */'
echo '#include "sqlfiles.h"'
echo 'const struct sql_file sql_files[] = {'
for f in "$@"; do
	printf '\t{"%s",\n' "$(basename "$f")"
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t "/' -e 's/$/\\n"/' "$f"
	printf '\t},\n'
done
echo '};'
echo "const unsigned sql_files_count = $#;"
