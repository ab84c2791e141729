/* import: the programme TSV, topic TSV and .ics imports, all or nothing,
 * each with a JSON report (see schemas/control-api.yaml, ImportReport).
 *
 * Every row is read and checked first; only when no row has an error is
 * anything written, in one transaction. A dry run reads and checks the same
 * way and writes nothing.
 */
#ifndef CRONOGRAMA_IMPORT_H
#define CRONOGRAMA_IMPORT_H

#include <jansson.h>
#include <stddef.h>

#include "store.h"

/* Longest line accepted; a longer one is an error naming its line. */
#define IMPORT_MAX_LINE 65536

struct import_opts {
	int year; /* the programme's year: UIDs and dates without one */
	int dry_run;
	const char *domain; /* UIDs: "2018-07@DOMAIN" */
	const char *tzid;   /* the office's zone, for rows without "zona" */
	const char *name;   /* file name, for the audit log */
	long peer_uid;      /* for the audit log */
	/* Called for each session the import changes (not for new ones),
	 * in the import's transaction, with the session as it was and as it
	 * is now: the caller plans the notice to subscribers. A negative
	 * return undoes the whole import. May be NULL. */
	int (*on_update)(void *arg, struct store *st, const struct event *old,
	                 const struct event *ev);
	void *on_update_arg;
};

/*
 * The programme: a TSV with a header naming at least the columns n,
 * title, fecha_posible and temas (month, observaciones, lugar, hora and
 * zona are optional). topics_tsv, if not NULL, is a topic TSV imported in
 * the same transaction (see import_topics_tsv).
 *
 * *report is a new JSON object the caller json_decref()s. Returns 0 when
 * the import was applied (or would be, for a dry run), -EINVAL when it was
 * refused for errors in the input (report "ok": false, "errors": [...]),
 * -EIO when the store failed (nothing written).
 */
int import_programme_tsv(struct store *st, const char *text,
                         const char *topics_tsv, const struct import_opts *o,
                         json_t **report);

/* Sessions from an iCalendar file (as `cronoctl export` writes it, or
 * another program's). Same report and returns. */
int import_ics(struct store *st, const char *text, const struct import_opts *o,
               json_t **report);

/* Topics: a TSV with header code, slug, nombre (objetivo and title
 * optional). Same all-or-nothing rules; report rows
 * {"code","slug","action"}. */
int import_topics_tsv(struct store *st, const char *text, int dry_run,
                      long peer_uid, json_t **report);

/* ---- the same imports as jobs, read off the event loop ----
 *
 * import_job_new (on the loop thread: it reads the store's topics),
 * import_job_read (any thread, within a budget: the text is read and
 * checked, the store is not touched), import_job_apply (on the loop
 * thread: each session is compared with the store, and all written, or
 * none). The functions above are these three in a row.
 */
enum import_kind {
	IMPORT_PROGRAMME_TSV, /* text, and topics_text if not NULL */
	IMPORT_ICS,
	IMPORT_TOPICS_TSV,
};

struct budget;
struct import_job;

/* A job for text (and topics_text), which must stay valid until
 * import_job_free(); o is copied. 0 and *out, or -ENOMEM. */
int import_job_new(struct store *st, enum import_kind kind, const char *text,
                   const char *topics_text, const struct import_opts *o,
                   struct import_job **out);
/* Read and check the text within budget b (NULL: none). 0, or -ENOMEM,
 * or the budget's reason (-ETIMEDOUT, -E2BIG, -ECANCELED); errors in the
 * file are kept for the report. Any thread, once. */
int import_job_read(struct import_job *job, struct budget *b);
/* After import_job_read: write what it planned (unless a dry run or the
 * file has errors). *report and returns as import_programme_tsv's; a job
 * refused by its budget is -EINVAL with a report saying why. Loop
 * thread, once. */
int import_job_apply(struct import_job *job, struct store *st, json_t **report);
void import_job_free(struct import_job *job);

/* ---- organisations (import_osc.c) ---- */

/*
 * An organisations file's bytes as UTF-8 text in *text (malloc'ed):
 * UTF-8 as it is (its BOM dropped), or else Windows-1252 converted;
 * *encoding says which ("UTF-8", "Windows-1252"). What is neither (a NUL
 * byte, a byte Windows-1252 leaves undefined, UTF-16, a workbook) gives
 * -EINVAL with why, one sentence, and *line, the line it is on (0: the
 * whole file); -ENOMEM.
 */
int import_osc_decode(const char *data, size_t len, char **text,
                      const char **encoding, int *line, char *why,
                      size_t whylen);

#endif
