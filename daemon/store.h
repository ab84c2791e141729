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

/*
 * Apply one migration (the SQL text of file name) in a transaction of its
 * own that also sets PRAGMA user_version to version: 0, or negative with
 * store_error() naming the file, the line of the failing statement and
 * SQLite's reason ("migration 004-x.sql, line 12: no such table: y"),
 * and nothing changed. store_open() applies schemas/ this way.
 */
int store_migration_apply(struct store *st, const char *name, const char *sql,
                          int version);
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
 * start for undecided ones), then uid. Free with event_array_free. A
 * stored session that no longer parses is left out, with a log line. */
int store_event_list(struct store *st, const struct store_event_filter *f,
                     struct event **out, size_t *n);
/* The same sessions as stored VEVENT texts, without parsing them (for
 * exports): *out is a malloc'ed array of *n malloc'ed strings; free with
 * store_text_array_free. */
int store_event_list_text(struct store *st, const struct store_event_filter *f,
                          char ***out, size_t *n);
void store_text_array_free(char **v, size_t n);
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
	char *client;  /* the public site's client (an organisation's page),
	                  NULL for staff */
};

int store_audit_add(struct store *st, long peer_uid, const char *action,
                    const char *target, const char *before, const char *after);
/* Newest first; target NULL for all; limit <= 0 for no limit. */
int store_audit_list(struct store *st, const char *target, int limit,
                     struct audit_row **out, size_t *n);
void audit_array_free(struct audit_row *rows, size_t n);

/* ---- organisations (store_osc.c) ---- */

/* An organisation of civil society (OSC). */
/* How an organisation came to be subscribed (schemas/006-consent.sql):
 * at (set by the store when it records one), how ("staff", "import",
 * "self" or "before"), by_uid the staff member's uid (staff, import; -1
 * none), client the client's address (self), notice the privacy notice's
 * version in force, detail what else tells how (an import: the file's
 * line). Texts may be NULL. */
struct consent {
	int64_t at;
	char *how;
	long by_uid;
	char *client;
	char *notice;
	char *detail;
};
void consent_array_free(struct consent *c, size_t n);

struct osc {
	long id;
	char *name;
	char **emails; /* one or more addresses, in the order given */
	size_t nemails;
	char *contact; /* the person's name, may be NULL */
	char *state;   /* the Mexican state (estado), may be NULL */
	char **topics; /* slugs of its active subscriptions, by slug */
	size_t ntopics;
	char *token; /* private feed token; never logged */
	int64_t created_at;
	int64_t paused_at;  /* its mail paused from its page; 0: not */
	int64_t erasure_at; /* it asked for its data to be erased; 0: not */
	/* Only read by store_osc_add: recorded as how it was subscribed when
	 * not NULL. Never freed by osc_fini. */
	const struct consent *consent;
};

void osc_fini(struct osc *o);
void osc_array_free(struct osc *o, size_t n);

/*
 * Add o (o->id, o->token and o->created_at are ignored): its addresses
 * (checked as addr_spec_check does, none given twice, none already
 * another organisation's: -EEXIST naming it), its topics as active
 * subscriptions (unknown slug: -EINVAL naming it) and a new feed token.
 * *id gets the new organisation's number.
 */
int store_osc_add(struct store *st, const struct osc *o, long *id);
/* Record how organisation id was subscribed (c->at is ignored: now). */
int store_consent_add(struct store *st, long id, const struct consent *c);
/* How organisation id was subscribed, oldest first (none: *n = 0). Free
 * with consent_array_free. */
int store_consent_list(struct store *st, long id, struct consent **out,
                       size_t *n);
/* Set o->id's name, contact and state, and replace its addresses by
 * o->emails (same checks as store_osc_add). Topics and token are left as
 * they are. -ENOENT if there is no such organisation. */
int store_osc_update(struct store *st, const struct osc *o);
/* One organisation by number; *out must be uninitialised, caller
 * osc_fini()s it. -ENOENT if none. */
int store_osc_get(struct store *st, long id, struct osc *out);
/* By one of its addresses (any case) or its exact name. -ENOENT if none,
 * -EEXIST when several organisations have that name. */
int store_osc_find(struct store *st, const char *name_or_email,
                   struct osc *out);
/* The number of the organisation address belongs to (any case) into *id,
 * 0 if none. */
int store_osc_email_owner(struct store *st, const char *address, long *id);
/* All organisations, or those with an active subscription to topic (a
 * slug; NULL for all), ordered by name then number. Free with
 * osc_array_free. */
int store_osc_list(struct store *st, const char *topic, struct osc **out,
                   size_t *n);
/* Remove an organisation with its addresses and subscriptions. -ENOENT if
 * none. */
int store_osc_remove(struct store *st, long id);
/* Start (or start again) id's subscriptions to slugs; already active ones
 * stay as they are. Unknown slug: -EINVAL naming it, nothing changed. */
int store_osc_subscribe(struct store *st, long id, const char *const *slugs,
                        size_t n);
/* Like store_osc_subscribe, but a subscription the organisation ended
 * stays ended (imports use this: they never undo an unsubscribe). */
int store_osc_subscribe_new(struct store *st, long id, const char *const *slugs,
                            size_t n);
/* End id's subscriptions to slugs (active = 0, the row kept); a topic it
 * does not follow is no error. Unknown slug: -EINVAL naming it. */
int store_osc_unsubscribe(struct store *st, long id, const char *const *slugs,
                          size_t n);
/* id's private feed token into *out (caller frees), made first if it has
 * none. */
int store_osc_token_get(struct store *st, long id, char **out);
/* A new random token for id (the old one stops working) into *out (caller
 * frees). */
int store_osc_token_reset(struct store *st, long id, char **out);
/* The organisation whose feed token is token. -ENOENT if none. */
int store_osc_by_token(struct store *st, const char *token, struct osc *out);
/*
 * The organisations with an active subscription to at least one topic of
 * session uid (its full UID), each once, ordered by name: all their
 * addresses, and in topics only the session's topics they follow. Free
 * with osc_array_free. None is no error (*n = 0).
 */
int store_osc_subscribers(struct store *st, const char *uid, struct osc **out,
                          size_t *n);
/*
 * The same for the organisations numbered ids (nids of them, in any order,
 * repeats allowed) only: those among them that follow session uid, as
 * store_osc_subscribers gives them, but ordered by id. What the sender
 * reads for the rows it is about to render, instead of every subscriber
 * of the session.
 */
int store_osc_subscribers_among(struct store *st, const char *uid,
                                const long *ids, size_t nids, struct osc **out,
                                size_t *n);

/* ---- alarms and outbox (store_outbox.c) ---- */

/* One reminder of one version (seq) of a session. state: "pending" (to
 * expand at due), "expanded" (its messages exist), "late" (expanded after
 * downtime), "expired" (never sent). */
struct alarm {
	char *uid;
	int seq;
	int64_t offset_s; /* seconds before the session */
	int64_t due;      /* UTC */
	char *state;
};
void alarm_array_free(struct alarm *a, size_t n);

/* A computed alarm for store_alarms_set: expired ones are kept as such
 * (too late already when computed), never sent. */
struct alarm_due {
	int64_t offset_s, due;
	int expired;
};

/*
 * The alarms of version seq of session uid become v: alarms of uid that
 * produced no message yet (pending or expired, of any version) are
 * dropped, v is added (an alarm of this version already expanded stays
 * as it is) and reminders of older versions still waiting in the outbox
 * are expired with last_error why. n = 0 with seq INT_MAX clears a
 * session that is cancelled, undecided or gone. One savepoint.
 */
int store_alarms_set(struct store *st, const char *uid, int seq,
                     const struct alarm_due *v, size_t n, const char *why);
/* Pending alarms due at or before until, earliest first, at most limit
 * (<= 0: all). Free with alarm_array_free. */
int store_alarm_due_list(struct store *st, int64_t until, int limit,
                         struct alarm **out, size_t *n);
/* Every alarm of session uid (full UID), by version then due. */
int store_alarm_list(struct store *st, const char *uid, struct alarm **out,
                     size_t *n);
int store_alarm_state_set(struct store *st, const char *uid, int seq,
                          int64_t offset_s, const char *state);
/* The earliest pending alarm's due and the earliest pending message's
 * next try (UTC; 0 when there is none). */
int store_schedule_next(struct store *st, int64_t *alarm_due,
                        int64_t *outbox_next);

/* One message to one organisation (a row of the outbox). */
struct outbox_row {
	int64_t id;
	char *uid;
	int seq;
	char *kind; /* "reminder", "update", "cancel" */
	int64_t offset_s;
	long osc_id;
	char *message_id; /* without <>: "r.<128 random bits hex>@domain" */
	int64_t due, next_try;
	int tries;
	char *state; /* "pending", "sending", "sent", "failed", "expired" */
	char *last_error;
	int64_t sent_at; /* 0 = not sent */
	char *osc_name;  /* store_outbox_list only; NULL if the OSC is gone */
	char *emails;    /* store_outbox_list only: comma separated */
	int late;        /* store_outbox_claim only: expanded after downtime */
};
void outbox_row_array_free(struct outbox_row *r, size_t n);

/* Add the message (uid, seq, kind, offset_s, osc_id) unless it exists
 * (the UNIQUE key): *added says whether a row was added. Its Message-ID
 * is chosen now, "<kind's first letter>.<128 random bits>@domain", and
 * every try sends it. */
int store_outbox_add(struct store *st, const char *uid, int seq,
                     const char *kind, int64_t offset_s, long osc_id,
                     int64_t due, int64_t next_try, const char *domain,
                     int *added);
/*
 * Add a row (uid, seq, kind, offset_s, osc) for every organisation with
 * an active subscription to one of session uid's topics (those
 * store_osc_subscribers gives, in its order), unless it exists: *added
 * says how many were added. One statement for them all. Their
 * Message-IDs are chosen when they are first claimed
 * (store_outbox_claim), and kept for every try.
 */
int store_outbox_expand(struct store *st, const char *uid, int seq,
                        const char *kind, int64_t offset_s, int64_t due,
                        int64_t next_try, size_t *added);
/*
 * Take at most limit pending messages whose next try is at or before now
 * and mark them "sending"; a row without a Message-ID yet (expanded, or
 * queued by an older version) gets one as store_outbox_add makes them. Ordered
 * by next try, then id. Free with outbox_row_array_free.
 */
int store_outbox_claim(struct store *st, int64_t now, int limit,
                       const char *domain, struct outbox_row **out, size_t *n);
/* Record message id's outcome (last_error may be NULL; sent_at 0 for
 * NULL). */
int store_outbox_done(struct store *st, int64_t id, const char *state,
                      int tries, int64_t next_try, const char *last_error,
                      int64_t sent_at);
/* Record one outcome for the n messages ids (as store_outbox_done does
 * for each), in statements of STORE_OUTBOX_DONE_MANY ids. */
#define STORE_OUTBOX_DONE_MANY 32
int store_outbox_done_many(struct store *st, const int64_t *ids, size_t n,
                           const char *state, int tries, int64_t next_try,
                           const char *last_error, int64_t sent_at);
/* Messages left "sending" (by a crash) become "pending": *n of them. */
int store_outbox_recover(struct store *st, size_t *n);

struct store_outbox_filter {
	const char *state; /* NULL for all */
	const char *uid;   /* UID or short id, NULL for all */
	int limit;         /* <= 0: no limit */
};
/* Messages, newest first, with the organisation's name and addresses. */
int store_outbox_list(struct store *st, const struct store_outbox_filter *f,
                      struct outbox_row **out, size_t *n);
/*
 * Send message id again from now (tries go on counting): only a failed or
 * expired one (-EINVAL otherwise, -ENOENT if none). id 0: every failed
 * message. *n says how many.
 */
int store_outbox_retry(struct store *st, int64_t id, int64_t now, size_t *n);
/* Message id as store_outbox_list gives it, with late (an array of one:
 * free with outbox_row_array_free(*out, 1)); -ENOENT if none. */
int store_outbox_get(struct store *st, int64_t id, struct outbox_row **out);

/* What staff do to messages before they go (store_outbox_move). */
enum outbox_move {
	OUTBOX_HOLD,    /* pending -> held: not sent until released */
	OUTBOX_RELEASE, /* held -> pending, due from now */
	OUTBOX_DROP,    /* pending, held, failed, expired -> dropped */
};
/*
 * Apply move to message id, or (id 0) to the messages of session uid
 * (a UID or short id). *n says how many moved. A message id in a state
 * the move does not apply to: -EINVAL saying its state; no message id:
 * -ENOENT; a session with no message to move: -ENOENT.
 */
int store_outbox_move(struct store *st, enum outbox_move move, int64_t id,
                      const char *uid, int64_t now, size_t *n);
/* A topic's own reminder offsets as text ("3d 1h"), or NULL in *out
 * (caller frees). -ENOENT if the topic does not exist. */
int store_topic_remind_get(struct store *st, const char *slug, char **out);
/* Set them (text as config_durations_parse reads it, checked by the
 * caller; NULL: the defaults). -ENOENT if the topic does not exist. */
int store_topic_remind_set(struct store *st, const char *slug,
                           const char *text);

/* ---- notices and staff mail (store_notice.c) ---- */

/* A session edited since its subscribers were last told about it. */
struct notice_pending {
	char *uid;
	char *baseline; /* the VEVENT text they last heard of */
	int64_t due;    /* when the notice goes out (UTC) */
};
void notice_pending_array_free(struct notice_pending *v, size_t n);

/* The waiting notice of session uid: its baseline (caller frees) and due
 * time. -ENOENT if none waits. */
int store_notice_get(struct store *st, const char *uid, char **baseline,
                     int64_t *due);
/* An edit of session uid at now: a waiting notice keeps its baseline and
 * is now due at due; else one is added with baseline (the session as it
 * was before this edit). */
int store_notice_touch(struct store *st, const char *uid, const char *baseline,
                       int64_t due, int64_t now);
/* Forget the waiting notice of uid (sent, or nothing to say). */
int store_notice_clear(struct store *st, const char *uid);
/* Waiting notices due at or before until, earliest first, at most limit
 * (<= 0: all). Free with notice_pending_array_free. */
int store_notice_due_list(struct store *st, int64_t until, int limit,
                          struct notice_pending **out, size_t *n);
/* The earliest waiting notice and the earliest pending staff nudge (UTC;
 * 0 when there is none). */
int store_notice_next(struct store *st, int64_t *notice_due,
                      int64_t *nudge_due);
/* Record the notice of version seq of uid: kind ("dated", "moved",
 * "place", "cancel"), the session before and after (VEVENT texts). A
 * second one for the same version is a no-op. */
int store_notice_sent_add(struct store *st, const char *uid, int seq,
                          const char *kind, const char *before,
                          const char *after, int64_t at);
/* The notice of version seq of uid (each out-parameter malloc'ed, caller
 * frees). -ENOENT if none. */
int store_notice_sent_get(struct store *st, const char *uid, int seq,
                          char **kind, char **before, char **after);
/* Notices (update, cancel) of uid still waiting in the outbox for a
 * version older than seq are expired with last_error why. */
int store_notice_supersede(struct store *st, const char *uid, int seq,
                           const char *why);
/* The organisations that were told of session uid (a reminder or a
 * notice sent or being sent): *ids malloc'ed, ascending, caller frees. */
int store_notice_told(struct store *st, const char *uid, long **ids, size_t *n);

/* A nudge to staff about an undecided session: phase "soon" or "open". */
struct staff_nudge {
	char *uid;
	char *phase;
	int64_t due;
};
void staff_nudge_array_free(struct staff_nudge *v, size_t n);
/* Plan nudge phase of session uid at due; one sent or skipped stays. */
int store_staff_nudge_plan(struct store *st, const char *uid, const char *phase,
                           int64_t due);
/* Drop the pending nudges of uid; NULL: of every session that is no
 * longer undecided (or is gone). */
int store_staff_nudge_drop(struct store *st, const char *uid);
/* Drop every pending nudge (no staff to nudge). */
int store_staff_nudge_drop_all(struct store *st);
/* Pending nudges due at or before until, earliest first, at most limit.
 * Free with staff_nudge_array_free. */
int store_staff_nudge_due_list(struct store *st, int64_t until, int limit,
                               struct staff_nudge **out, size_t *n);
/* state: "sent" or "skipped". */
int store_staff_nudge_state_set(struct store *st, const char *uid,
                                const char *phase, const char *state);
/* Keep the text of staff message key unless it exists: *added says. */
int store_staff_mail_add(struct store *st, const char *key, const char *subject,
                         const char *body, int64_t at, int *added);
/* The text of staff message key (malloc'ed, caller frees). -ENOENT if
 * none. */
int store_staff_mail_get(struct store *st, const char *key, char **subject,
                         char **body);

/* ---- counts for status ---- */

struct store_counts {
	long events, dated, tbd, cancelled, topics;
	long oscs, subscriptions, outbox_pending, outbox_failed, outbox_sent;
	long outbox_held, outbox_dropped;
};
int store_counts_get(struct store *st, struct store_counts *c);

#endif
