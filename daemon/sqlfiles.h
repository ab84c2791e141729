/* The SQL of the .sql files in schemas/, embedded at build time
 * (contrib/embed-sql.sh). Migrations are the files named NNN-name.sql, applied
 * in order by PRAGMA user_version; other files hold named statements. */
#ifndef CRONOGRAMA_SQLFILES_H
#define CRONOGRAMA_SQLFILES_H

struct sql_file {
	const char *name; /* base name, e.g. "001-init.sql" */
	const char *text;
};

extern const struct sql_file sql_files[];
extern const unsigned sql_files_count;

#endif
