/* import_internal: what the import's files share (import.c: reports,
 * the .ics, jobs; import_tsv.c: the programme and topics TSVs;
 * import_plan.c: errors, topics and planned sessions); not a promise to
 * any other module. */
#ifndef CRONOGRAMA_IMPORT_INTERNAL_H
#define CRONOGRAMA_IMPORT_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "import.h"
#include "store.h"

struct budget;

/* The topics an import knows: the store's, and the file's. */
struct topic_set {
	struct topic *v;
	size_t n;
};

/* One session of the file, as read, then as compared with the store. */
struct planned {
	struct event ev;
	const char *action; /* "create", "update", "unchanged" */
	struct event old;   /* "update": the session as it was */
	int has_old;
	int n, line;      /* the TSV row's n and line; 0 for .ics */
	json_t *warnings; /* the row's, until its report row is made */
	int from_file;    /* .ics: keep the file's stamps for a new one */
	int file_seq;
	int64_t file_created, file_modified;
};

/* Every session of the file. */
struct plan {
	struct planned *v;
	size_t n, cap;
	struct topic_set topics;
	const struct import_opts *o;
	json_t *report;
};

/* ---- import_plan.c ---- */

/* At most this many errors are kept in a report. */
#define IMPORT_ERRORS_MAX 200

/* Add a report error (line and n when > 0); at most
 * IMPORT_ERRORS_MAX are kept. */
void import_error_add(json_t *errors, int line, int n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The topic with that code or slug, or NULL. */
const struct topic *import_topic_find(const struct topic_set *s,
                                      const char *code_or_slug);
/* A new planned session at the end of p (event initialised), or NULL. */
struct planned *import_plan_add(struct plan *p);
/* Drop the last planned session (its row was refused). */
void import_plan_drop_last(struct plan *p);
/* What a planned session takes, roughly, for the budget. */
size_t import_planned_bytes(const struct planned *pl);
/* Free every planned session and the topics. */
void import_plan_free(struct plan *p);

/* import_tsv.c: a topics TSV into out (over the store's topics), report
 * rows into rows; a programme TSV into p. 0, -ENOMEM or the budget's
 * reason; errors in the file go to the report. */
int import_topics_read(const char *text, struct topic_set *out, json_t *rows,
                       json_t *errors, struct budget *b);
int import_programme_read(struct plan *p, const char *text, int *has_place,
                          struct budget *b);

#endif
