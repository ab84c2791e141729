/* schedule_internal: what the running scheduler's files share:
 * schedule.c (the pump, sending, outcomes, the timer, re-planning,
 * stopping) and schedule_rows.c (the session cache, what a row says and
 * the log line of its outcome, the latency figures), which calls nothing
 * of schedule.c. Not a promise to any other module. */
#ifndef CRONOGRAMA_SCHEDULE_INTERNAL_H
#define CRONOGRAMA_SCHEDULE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "event.h"
#include "message.h"
#include "schedule.h"
#include "store.h"

#define SAFETY_MS         60000 /* re-evaluate at least this often */
#define FLUSH_MS          20    /* outcomes wait at most this long */
#define IDLE_RETRY_MS     1000  /* something due but nothing could move */
#define EXPAND_ROWS       50000 /* a step of expansion also has a time budget */
#define INFLIGHT_PER_CONN 32
#define REPLAN_RETRY_MS   5000 /* a failed re-plan is tried again */
#define REPLAN_QUEUE_MAX  64   /* sessions queued; more: plan them all */
#define INFLIGHT_MIN      256
#define CACHE_SESSIONS    8
#define FIRST_CLAIM       32 /* rows claimed when nothing is in flight */
#define RENDER_CHUNK      32 /* claimed rows rendered per turn of the loop */

/* One message handed to the mailer. */
struct sched_msg {
	struct schedule *s;
	int64_t id;
	int tries;
	int64_t due, next_try;
	int64_t due_ms;    /* for the latency figures */
	int64_t submit_ms; /* when it went to the mailer */
	char *who;         /* "to=<a> msgid=<m> event=E kind=K", for the log */
};

/* One outcome waiting for the next pump to be written. */
struct outcome {
	int64_t id;
	const char *state; /* static strings */
	int tries;
	int64_t next_try, sent_at;
	char *error;
};

/* A session, kept while rows of it are sent, and those of its
 * subscribers that the rows being rendered name. */
struct session_cache {
	struct event ev;
	struct osc *oscs; /* sorted by id */
	size_t noscs;
	uint64_t oscs_for; /* the render chunk oscs were read for */
	int oscs_err;      /* the store's error reading them, or 0 */
	char oscs_why[256];
	int used;
	uint64_t last; /* for eviction */
};

struct schedule {
	uv_loop_t *loop;
	struct store *st;
	const struct config *cfg;
	struct mailer *mailer;

	uv_timer_t timer;  /* the earliest due alarm or retry */
	uv_timer_t safety; /* every SAFETY_MS */
	uv_timer_t flush;  /* outcomes waiting */
	uv_timer_t drain;  /* the end of the drain */
	uv_idle_t render;  /* claimed rows wait to be rendered */
	unsigned open_handles;

	/* Rows the last pump claimed, rendered and handed to the mailer
	 * RENDER_CHUNK at a time, one chunk per turn of the loop, so that
	 * results and requests are served between chunks of a burst. */
	struct outbox_row *rows;
	size_t nrows, next_row;
	int64_t rows_now; /* the pump's "now" */

	size_t in_flight, max_in_flight;
	struct outcome *outcomes;
	size_t noutcomes, capoutcomes;

	struct session_cache cache[CACHE_SESSIONS];
	uint64_t cache_clock;
	uint64_t render_stamp; /* counts render chunks (sched_cache_rows) */

	/* Latency from due to the SMTP server's 250, for the log. */
	int64_t *lat;
	size_t nlat, caplat;

	uint64_t rnd;
	/* Reminders to plan again at the next pump: of every session
	 * (replan_all), else of the sessions queued, each as it was handed
	 * over (or gone). A re-plan that fails (a full disk at SIGHUP, a
	 * clock jump) stays, and is tried again at every pump until it
	 * works. */
	int replan_all;
	struct replan_item *queue;
	size_t nqueue;
	int64_t replan_logged;
	int replan_failed;
	/* A change marked work: a pump is due on the next turn. */
	int kicked;
	int in_pump, stopping, aborting, mailer_freed;
	/* The disabled addresses (sorted, any case), read again when
	 * store_address_gen moves: a lookup per recipient outside a
	 * transaction would cost more than rendering the message. */
	char **off;
	size_t noff;
	unsigned long off_gen;
	int off_loaded;
	void (*stop_done)(void *);
	void *stop_arg;
	struct schedule_stats stats;
};

/* ---- schedule_rows.c ---- */

/* The session cache: session uid, read once while rows of it are sent
 * (NULL and *err on failure); dropped when it changes (uid NULL: every
 * one). */
struct session_cache *sched_cache_get(struct schedule *s, const char *uid,
                                      int *err);
void sched_cache_drop(struct schedule *s, const char *uid);
/* Whether row r is about a session (a reminder or a notice), not staff or
 * signup mail. */
int sched_row_is_session(const struct outbox_row *r);
/*
 * Start a new render chunk of rows[0 .. n-1] (n <= RENDER_CHUNK): for each
 * session they name, read those of its subscribers that they name into
 * its cache entry (oscs, oscs_for; a failure in oscs_err and oscs_why),
 * in one query per session. A session's entry
 * evicted by another before a row of it is sent has oscs_for behind.
 */
void sched_cache_rows(struct schedule *s, const struct outbox_row *rows,
                      size_t n);
/* Read row r's organisation alone into c (r's session's entry), for a row
 * whose entry is behind the chunk; the next row of it reads its own. */
void sched_cache_row(struct schedule *s, struct session_cache *c,
                     const struct outbox_row *r);
/* Organisation id among c's subscribers read for this chunk, or NULL. */
const struct osc *sched_cache_osc(const struct session_cache *c, long id);

/* The latency of a message from due to the server's 250; the figures
 * gathered so far logged and forgotten. */
void sched_latency_add(struct schedule *s, int64_t ms);
void sched_latency_report(struct schedule *s);

/* "to=<a> msgid=<m> event=E kind=K" of row r, for the log (malloc'ed). */
char *sched_row_who(const struct outbox_row *r, const char *const *to);
/* The one log line of a message's outcome. */
void sched_outcome_log(int64_t id, const char *who, const char *status,
                       const char *detail, int64_t delay_ms, int tries,
                       int64_t next);
/* Why row r may not go out now (a reminder of an older version, of a
 * session started, or too late), or NULL if it may. */
const char *sched_row_obsolete(struct schedule *s, const struct outbox_row *r,
                               const struct event *ev, int64_t now);
/* Drop the addresses of to that the grammar refuses now, logging each;
 * 0, or -EINVAL with why when none is left. */
int sched_rcpts_keep_good(long long id, const char **to, char *why,
                          size_t whylen);
/* Drop the addresses of to that bounces disabled, logging each; 0, or
 * -ENOENT with why when none is left, or a store error with why. */
int sched_rcpts_keep_enabled(struct schedule *s, long long id, const char **to,
                             char *why, size_t whylen);
/* Forget the cache of disabled addresses. */
void sched_off_clear(struct schedule *s);
/* Row r's envelope sender with [mail] bounce_address (VERP,
 * LOCAL+TOKEN@DOMAIN) in buf, or NULL for the configured one. */
const char *sched_envelope_from(const struct config *cfg,
                                const struct outbox_row *r, char *buf,
                                size_t len);

#endif
