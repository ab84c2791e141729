#!/bin/sh
# Turn contrib/templates/*.txt and *.html into C: one entry per file, named
# by its base name, for message.c to find when the operator has no
# template of that name.
set -eu
echo '/* Generated from contrib/templates/ by contrib/embed-templates.sh. Do not edit. */'
echo '#include "templates.h"'
echo 'const struct message_template message_templates[] = {'
for f in "$@"; do
	printf '\t{"%s",\n' "$(basename "$f")"
	# '?' is escaped so that no "??x" in a text reads as a trigraph.
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' \
		-e 's/^/\t "/' -e 's/$/\\n"/' "$f"
	printf '\t},\n'
done
echo '};'
echo "const unsigned message_templates_count = $#;"
