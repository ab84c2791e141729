/* import: the programme TSV, topic TSV and .ics imports, all or nothing,
 * each with a report (the control API renders it as JSON: see view.h and
 * schemas/control-api.yaml, ImportReport).
 *
 * Every row is read and checked first; only when no row has an error is
 * anything written, in one transaction with its audit entry. A dry run
 * reads and checks the same way and writes nothing.
 *
 * An import is a job in three steps: import_job_new (on the loop thread:
 * it reads the store's topics), import_job_read (any thread, within a
 * budget: the text is read and checked, the store is not touched),
 * import_job_apply (on the loop thread: compared with the store, and all
 * written, or none). import_run does the three in a row.
 */
#ifndef CRONOGRAMA_IMPORT_H
#define CRONOGRAMA_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "store.h"

/* Longest line accepted; a longer one is an error naming its line. */
#define IMPORT_MAX_LINE 65536
/* Most errors a report keeps. */
#define IMPORT_ERRORS_MAX 200

struct budget;

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

/* An error of a report: its line and the row's n when known (0
 * otherwise), and the message. */
struct import_msg {
	int line, n;
	char *text;
};

/* One session of the file, as read, then as compared with the store. */
struct import_session {
	int n, line;        /* the TSV row's n and line; 0 for .ics */
	struct event ev;    /* as it is (or would be) stored */
	const char *action; /* "create", "update", "unchanged" */
	char **warnings;
	size_t nwarnings;
	/* The import's own: an update's session as it was, and for .ics
	 * the file's SEQUENCE and stamps, kept for a new session. */
	struct event old;
	int has_old, from_file, file_seq;
	int64_t file_created, file_modified;
};

/* One topic of a topics file. */
struct import_topic {
	char *code, *slug;
	const char *action; /* "create", "update", "unchanged" */
};

/* What an import did, or would do, or why it was refused. */
struct import_report {
	int ok, dry_run;
	int with_sessions; /* a programme or .ics: sessions rows */
	int with_topics;   /* a topics file came: topics rows */
	const struct import_session *sessions;
	size_t nsessions; /* those compared with the store */
	const struct import_topic *topics;
	size_t ntopics;
	const struct import_msg *errors;
	size_t nerrors;
	int with_summary; /* the sessions' actions counted */
	long created, updated, unchanged;
};

enum import_kind {
	IMPORT_PROGRAMME_TSV, /* text, and topics_text if not NULL */
	IMPORT_ICS,           /* sessions from an iCalendar file */
	IMPORT_TOPICS_TSV,    /* topics: code, slug, nombre (objetivo, title) */
};

struct import_job;

/*
 * A job for text (and topics_text), which must stay valid until
 * import_job_free(); o is copied. The programme: a TSV with a header
 * naming at least the columns n, title, fecha_posible and temas (month,
 * observaciones, lugar, hora and zona are optional), and topics_text, if
 * not NULL, a topics TSV imported in the same transaction. 0 and *out, or
 * -ENOMEM. Loop thread.
 */
int import_job_new(struct store *st, enum import_kind kind, const char *text,
                   const char *topics_text, const struct import_opts *o,
                   struct import_job **out);
/* Read and check the text within budget b (NULL: none). 0, or -ENOMEM,
 * or the budget's reason (-ETIMEDOUT, -E2BIG, -ECANCELED); errors in the
 * file are kept for the report. Any thread, once. */
int import_job_read(struct import_job *job, struct budget *b);
/*
 * After import_job_read: compare with the store and write what was read
 * (unless a dry run or the file has errors), with its audit entry
 * ("import" or "topics.import"). 0 when the import was applied (or would
 * be, for a dry run); -EINVAL when it was refused for the file (errors in
 * it, or its budget: the report says why); -EIO when the store failed
 * (nothing written). Loop thread, once.
 */
int import_job_apply(struct import_job *job, struct store *st);
/* The job's report, valid until import_job_free. */
const struct import_report *import_job_report(const struct import_job *job);
/* 1 when the applied job changed sessions or topics in the store. */
int import_job_changed(const struct import_job *job);
void import_job_free(struct import_job *job);

/* The three steps at once, on the caller's thread, without a budget (for
 * tests and tools): import_job_apply's return. *out gets the job, to read
 * its report and free; NULL (and -ENOMEM) when it could not be made. */
int import_run(struct store *st, enum import_kind kind, const char *text,
               const char *topics_text, const struct import_opts *o,
               struct import_job **out);

/* ---- organisations (import_osc.c) ----
 *
 * A CSV with the header name,email,contact,state,topics or, as staff
 * write it, nombre,correo,contacto,estado,temas (RFC 4180 quoting), all
 * or nothing with line-numbered errors; a known address updates its
 * organisation, which keeps its addresses and gains the row's, and is
 * subscribed to the row's topics. The file comes as a spreadsheet saved
 * it: UTF-8 with or without a BOM, or Windows-1252, its columns separated
 * by commas or semicolons (the report says which). The same three steps
 * as a programme's.
 */

struct office;

/* One organisation of the file, once written (or planned: dry run). */
struct import_osc_row {
	int line;
	long id; /* 0: a new one of a dry run */
	const char *name;
	const char *action; /* "create", "update", "unchanged" */
};

struct import_osc_report {
	int ok, dry_run;
	const struct import_osc_row *rows;
	size_t nrows;
	const struct import_msg *errors;
	size_t nerrors;
	const char *encoding; /* "UTF-8", "Windows-1252" */
	char separator;       /* ',' or ';'; 0 when never read */
};

struct import_osc_job;

/* A job: 0 and *out, or -ENOMEM. */
int import_osc_job_new(int dry_run, long peer_uid, struct import_osc_job **out);
/* Read and check the CSV's text (UTF-8; it must stay valid until the job
 * is freed), or its bytes as a spreadsheet saved them (decoded here),
 * within budget b (NULL: none), without the store. 0, -ENOMEM or the
 * budget's reason; errors in the file go to the report. Any thread. */
int import_osc_job_read_text(struct import_osc_job *job, const char *text,
                             struct budget *b);
int import_osc_job_read_bytes(struct import_osc_job *job, const char *data,
                              size_t len, struct budget *b);
/* On the loop, after reading (read_rc its return): the store's checks
 * (whose addresses, which topics), then every organisation written with
 * the audit entry ("osc.import") in one transaction (rolled back for a
 * dry run), or none; the changes hear CHANGE_OSC. 0, -EINVAL (refused:
 * the report says why), -EIO or -ENOMEM. */
int import_osc_job_apply(struct import_osc_job *job, const struct office *of,
                         int read_rc);
const struct import_osc_report *
import_osc_job_report(const struct import_osc_job *job);
void import_osc_job_free(struct import_osc_job *job);

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
