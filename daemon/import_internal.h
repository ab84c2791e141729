/* import_internal: what the import's files share (import.c: jobs, the
 * .ics, comparing and writing; import_tsv.c: the programme and topics
 * TSVs; import_plan.c: their common pieces); not a promise to any other
 * module. */
#ifndef CRONOGRAMA_IMPORT_INTERNAL_H
#define CRONOGRAMA_IMPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "import.h"
#include "store.h"

struct budget;

/* A report's errors, at most IMPORT_ERRORS_MAX kept, each cut to
 * textmax bytes (0: 600). */
struct import_msgs {
	struct import_msg *v;
	size_t n, cap;
	size_t textmax;
};

/* The topics an import knows: the store's, and the file's. */
struct topic_set {
	struct topic *v;
	size_t n;
};

/* The topics rows of a topics file. */
struct import_topics {
	struct import_topic *v;
	size_t n, cap;
};

/* Every session of the file. */
struct plan {
	struct import_session *v;
	size_t n, cap;
	struct topic_set topics;
	const struct import_opts *o;
	struct import_msgs *errors;
};

/* ---- import_plan.c ---- */

/* Add an error (line and n when > 0); past IMPORT_ERRORS_MAX, nothing.
 * A message that cannot be kept for want of memory is dropped. */
void import_error_add(struct import_msgs *m, int line, int n, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));
/* Forget every error (a refusal says why alone). */
void import_msgs_clear(struct import_msgs *m);
void import_msgs_fini(struct import_msgs *m);

/* Append a warning to a planned session. 0 or -ENOMEM. */
int import_warning_add(struct import_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The topic with that code or slug, or NULL. */
const struct topic *import_topic_find(const struct topic_set *s,
                                      const char *code_or_slug);
/* Append a topics row (code and slug copied). 0 or -ENOMEM. */
int import_topics_add(struct import_topics *t, const char *code,
                      const char *slug, const char *action);
void import_topics_fini(struct import_topics *t);

/* A new planned session at the end of p (event initialised), or NULL. */
struct import_session *import_plan_add(struct plan *p);
/* Drop the last planned session (its row was refused). */
void import_plan_drop_last(struct plan *p);
/* What a planned session takes, roughly, for the budget. */
size_t import_planned_bytes(const struct import_session *s);
void import_plan_fini(struct plan *p);

/* ---- import_tsv.c ----
 *
 * A topics TSV into out (over the store's topics), its rows into rows; a
 * programme TSV into p. 0, -ENOMEM or the budget's reason; errors in the
 * file go to errors (p->errors). */
int import_topics_read(const char *text, struct topic_set *out,
                       struct import_topics *rows, struct import_msgs *errors,
                       struct budget *b);
int import_programme_read(struct plan *p, const char *text, int *has_place,
                          struct budget *b);

#endif
