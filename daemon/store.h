/* store: the sqlite database. Only store.c (and store_*.c) include sqlite3.h.
 *
 * Migrations are schemas/NNN-name.sql (embedded at build time, see
 * sqlfiles.h), applied in order by PRAGMA user_version; a database newer
 * than the code is refused. Named statements live in schemas/queries.sql
 * ("-- name: event_get" above each) and are prepared once.
 *
 * The database runs in WAL mode with synchronous=FULL, foreign keys on and
 * a busy timeout. Every function returns 0 or a negative errno-style code
 * (-ENOENT when a thing is not there, -EINVAL for bad input, -EIO for a
 * database failure, -EEXIST for a conflict); store_error() then says what
 * happened in one line.
 */
#ifndef CRONOGRAMA_STORE_H
#define CRONOGRAMA_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct store;

/* Open (creating if needed) and migrate the database at path (":memory:"
 * for tests). On failure *out is NULL and err says why. */
int store_open(struct store **out, const char *path, char *err, size_t errlen);
void store_close(struct store *st);
/* The last error, for the caller's message. Never NULL. */
const char *store_error(struct store *st);
/* The schema version the code knows (highest NNN) and the database's. */
int store_schema_version(void);
int store_db_version(struct store *st);

/* The connection's settings as sqlite reports them, for status and tests. */
struct store_pragmas {
	char journal_mode[16]; /* "wal" for a file, "memory" for ":memory:" */
	int synchronous;       /* 2 = FULL */
	int foreign_keys;      /* 1 = on */
	int busy_timeout;      /* milliseconds */
};
int store_pragmas_get(struct store *st, struct store_pragmas *p);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Nested begins are an error. A
 * failed commit rolls back: afterwards no transaction is open. */
int store_begin(struct store *st);
int store_commit(struct store *st);
int store_rollback(struct store *st);

/* ---- topics ---- */

struct topic {
	char *code;   /* "1.2" */
	char *slug;   /* "cambio-climatico" */
	char *nombre; /* "Cambio climático" */
	char *title;  /* the programme's long title, may be NULL */
	long events;  /* filled by store_topic_list: sessions of the topic */
};

void topic_fini(struct topic *t);
void topic_array_free(struct topic *t, size_t n);
/* Insert or update by code. */
int store_topic_put(struct store *st, const struct topic *t);
/* By code or slug; *out must be uninitialised, caller topic_fini()s it. */
int store_topic_get(struct store *st, const char *code_or_slug,
                    struct topic *out);
/* All topics ordered by code (1.2 before 1.10). */
int store_topic_list(struct store *st, struct topic **out, size_t *n);

/* ---- events ---- */

/*
 * Insert or replace the session ev->uid: renders the VEVENT (event_to_ical)
 * and derives the index columns (status, span in UTC, window, topics).
 * Topics must exist (by slug), else -EINVAL naming the slug.
 */
int store_event_put(struct store *st, const struct event *ev);
/*
 * One session by UID ("2018-07@example.org") or short id ("2018-07", the
 * UID's part before '@'). *out must be uninitialised; caller event_fini()s.
 * -ENOENT if none.
 */
int store_event_get(struct store *st, const char *id, struct event *out);

struct store_event_filter {
	const char *topic;  /* slug, or NULL for all */
	int tbd_only;       /* only TBD/APPROX sessions */
	int64_t from, to;   /* UTC; 0 = unbounded. Overlap with the span. */
	int with_cancelled; /* include CANCELLED sessions */
};

/* Sessions matching f (NULL = all but cancelled), ordered by start (window
 * start for undecided ones), then uid. Free with event_array_free. */
int store_event_list(struct store *st, const struct store_event_filter *f,
                     struct event **out, size_t *n);
/* Remove a session (by UID or short id) and its topics. -ENOENT if none. */
int store_event_delete(struct store *st, const char *uid);
/* Latest change to any session (MAX(updated_at)), for ETags; 0 if none. */
int store_event_changed_at(struct store *st, const char *topic, int64_t *at);

/* ---- audit ---- */

struct audit_row {
	int64_t id, at;
	long peer_uid; /* -1 if unknown */
	char *action;  /* "event.add", "import", … */
	char *target;  /* a UID, a file name, … */
	char *before;  /* JSON or text, may be NULL */
	char *after;   /* may be NULL */
};

int store_audit_add(struct store *st, long peer_uid, const char *action,
                    const char *target, const char *before, const char *after);
/* Newest first; target NULL for all; limit <= 0 for no limit. */
int store_audit_list(struct store *st, const char *target, int limit,
                     struct audit_row **out, size_t *n);
void audit_array_free(struct audit_row *rows, size_t n);

/* ---- counts for status ---- */

struct store_counts {
	long events, dated, tbd, cancelled, topics;
	long oscs, subscriptions, outbox_pending, outbox_failed, outbox_sent;
};
int store_counts_get(struct store *st, struct store_counts *c);

#endif
