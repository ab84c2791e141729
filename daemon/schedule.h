/* schedule: when reminders go out, and the outbox that sends them.
 *
 * Alarms. Each dated session that is not cancelled gets one alarm per
 * reminder offset: its own (VALARMs, ev->remind), else those of the first
 * of its topics that has some (topic.remind), else [reminders] default. A
 * timed session is reminded at start - offset; an all-day one at
 * [reminders] allday_time (office zone) on the day that (local midnight of
 * its first day) - offset falls on, and offsets landing on the same
 * instant give one alarm. Undecided sessions get none. schedule_changed()
 * computes a session's alarms again after every change: pending alarms of
 * older versions (SEQUENCE) are dropped, and so are reminders of older
 * versions still waiting in the outbox.
 *
 * Time. One uv_timer is armed for the earliest pending alarm or retry and
 * re-armed after every change; a slow safety timer (a minute) catches
 * wall-clock jumps. "Now" is clock_now(): tests fix it and call
 * schedule_changed(NULL), which processes whatever is then due.
 *
 * Expansion. A due alarm becomes one outbox row per organisation
 * subscribed to one of the session's topics, in one transaction; the
 * outbox's UNIQUE key makes a second expansion a no-op. An alarm late by
 * more than [reminders] max_late (default half its offset), or whose
 * session has started, is marked expired and logged: never sent late.
 *
 * Sending. Pending rows whose next try is due are claimed ("sending") a
 * bounded number at a time, rendered (message_render) and handed to the
 * mailer. Outcomes are written in batches, one transaction each: sent;
 * 4xx or connection failures retry with exponential backoff and jitter
 * (30 s doubling up to 1 h) until [mail] retry_for after the due time;
 * 5xx fails the row for good, keeping the server's reply. Rows a crash
 * left "sending" are sent again at start, with the same Message-ID.
 */
#ifndef CRONOGRAMA_SCHEDULE_H
#define CRONOGRAMA_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "event.h"
#include "mailer.h"
#include "message.h"
#include "store.h"

/* Most reminder offsets a session can have. */
#define SCHEDULE_OFFSETS_MAX 16
/* A reminder at most this late (seconds) is on time: not "late". */
#define SCHEDULE_GRACE_S 60
/* Retries: the first after 30 s, doubling, at most an hour apart. */
#define SCHEDULE_BACKOFF_MIN_S 30
#define SCHEDULE_BACKOFF_MAX_S 3600

struct schedule;

/* ---- the rules (pure, or reading the store only) ---- */

/*
 * The offsets (seconds before the session, descending, no duplicates)
 * that apply to ev: its own, else those of its first topic that has
 * some, else cfg's default. At most max into out, the count in *n.
 * 0, or negative with store_error() for a store failure.
 */
int schedule_offsets(struct store *st, const struct config *cfg,
                     const struct event *ev, int64_t *out, size_t max,
                     size_t *n);

/* 1 if ev has a date (kind date or range): only those get reminders. */
int schedule_event_dated(const struct event *ev);
/* When ev starts for the reminder rules: a timed session at its start in
 * its zone; an all-day one at midnight of its first day in office_tzid.
 * 0 or -EINVAL. */
int schedule_session_start(const struct event *ev, const char *office_tzid,
                           int64_t *start);

/*
 * The due instants (UTC) of ev's reminders at offsets[0..n) into out (n
 * entries at least), their count in *nout; expired is left 0. A timed
 * session: start - offset. An all-day one: allday_min minutes after
 * midnight, in office_tzid, on the local day that (local midnight of its
 * first day, in office_tzid) - offset falls on; offsets giving the same
 * instant give one entry (the largest offset). Undecided and cancelled
 * sessions give none. 0 or -EINVAL (no start, unknown zone).
 */
int schedule_due_compute(const struct event *ev, const int64_t *offsets,
                         size_t n, const char *office_tzid, int allday_min,
                         struct alarm_due *out, size_t *nout);

/*
 * 1 if a reminder offset_s before a session starting at start, due at
 * due, may still go out at now: the session has not started and it is
 * late by at most SCHEDULE_GRACE_S or by less than max_late (-1: half
 * the offset). 0 if it must be expired.
 */
int schedule_late_ok(int64_t now, int64_t due, int64_t offset_s, int64_t start,
                     int64_t max_late);

/*
 * Seconds to wait after the tries-th failure (tries >= 1): 30 s doubling
 * with each failure, plus up to a quarter more as jitter (rnd in [0, 1)),
 * never over an hour.
 */
int64_t schedule_backoff(int tries, double rnd);

/*
 * Compute the alarms of session uid (a full UID) again, at now; NULL:
 * every session. A session that is gone, cancelled or undecided loses
 * its alarms. Alarms already due and too late are stored expired. 0 or
 * negative with store_error().
 */
int schedule_alarms_refresh(struct store *st, const struct config *cfg,
                            const char *uid, int64_t now);

/*
 * Expand the alarms due at now into outbox rows, alarm by alarm (each in
 * one statement), until about max_rows rows were added or a step's time
 * budget (a few milliseconds) is spent; *more is set when due alarms are
 * left. Runs in the caller's transaction if one is open. *rows (may be
 * NULL) gets the number of rows added.
 */
int schedule_expand(struct store *st, const struct config *cfg, int64_t now,
                    size_t max_rows, size_t *rows, int *more);

/* ---- notices and staff mail (schedule_notice.c) ----
 *
 * Notices. Every edit of a session notes it (schedule_notice_note): the
 * first edit not yet announced keeps what subscribers last heard of (the
 * baseline), and each edit pushes the notice [notices] quiet later. When
 * it is due the scheduler compares the session with the baseline
 * (schedule_notice_decide) and, if there is something to say, adds one
 * outbox row per organisation: 'update' (dated, moved, place) to every
 * subscriber, 'cancel' only to those told of the session before. The
 * rows render from the notice kept in the store (schedule_notice_load).
 *
 * Staff ([staff] emails). A nudge when an undecided session's window
 * opens within [staff] tbd_nudge and another when it opens (08:00 office
 * time), once each per session; a weekly digest on Monday at 08:00. Both
 * are outbox rows of kind 'staff', osc_id 0, their text kept in the store.
 */

/* What a notice says, from what subscribers heard to what is now. */
enum notice_kind {
	NOTICE_NONE,
	NOTICE_DATED,  /* an undecided session got a date */
	NOTICE_MOVED,  /* a dated session moved (or lost its date) */
	NOTICE_PLACE,  /* same date, another place */
	NOTICE_CANCEL, /* cancelled */
};

/* schedule_notice_note flags. */
#define SCHEDULE_NOTICE_NOW    1 /* no quiet period */
#define SCHEDULE_NOTICE_SILENT 2 /* tell nobody: the baseline becomes ev */

/* Staff mail goes out at this time of day (minutes, office zone). */
#define SCHEDULE_STAFF_MIN (8 * 60)

/*
 * What subscribers who heard of told must be told now that the session
 * is now: CANCEL once cancelled; DATED from undecided to dated; MOVED when
 * a dated session's date, times or zone changed (or it became undecided
 * again); PLACE when only the place changed; NONE otherwise (a session
 * moved back where it was has nothing to say).
 */
enum notice_kind schedule_notice_decide(const struct event *told,
                                        const struct event *now);
/* "dated", "moved", "place", "cancel" (NULL for NONE); and back (-1). */
const char *schedule_notice_kind_name(enum notice_kind k);
int schedule_notice_kind_parse(const char *name);

/*
 * Note that session old became ev at now (ev->uid; run it in the same
 * transaction as the write). flags: SCHEDULE_NOTICE_NOW makes the notice
 * due at now; SCHEDULE_NOTICE_SILENT drops any waiting notice, so that
 * ev is what subscribers are taken to know. An edit with nothing to say
 * and no notice waiting adds none. 0 or negative with store_error().
 */
int schedule_notice_note(struct store *st, const struct config *cfg,
                         const struct event *old, const struct event *ev,
                         int flags, int64_t now);

/* One organisation a notice would go to. */
struct notice_plan {
	long osc_id;
	char *osc; /* its name */
	enum notice_kind what;
	int64_t due;
};
void notice_plan_array_free(struct notice_plan *v, size_t n);

/*
 * Who would be told, and when, if session old became ev at now with
 * flags (nothing is written): the waiting notice's baseline (else old)
 * against ev. *out malloc'ed (free with notice_plan_array_free), ordered
 * by name; none when silent or nothing is to be said.
 */
int schedule_notice_plan(struct store *st, const struct config *cfg,
                         const struct event *old, const struct event *ev,
                         int flags, int64_t now, struct notice_plan **out,
                         size_t *n);

/* The reminders ev would get at now: the due instants still to come (or
 * late but allowed), at most SCHEDULE_OFFSETS_MAX into out. */
int schedule_reminders_plan(struct store *st, const struct config *cfg,
                            const struct event *ev, int64_t now,
                            struct alarm_due *out, size_t *n);

/*
 * Turn what is due at now into outbox rows, in the caller's transaction:
 * waiting notices, staff nudges and the weekly digest. *rows gets the
 * rows added; *more is set when due notices or nudges are left.
 */
int schedule_notice_run(struct store *st, const struct config *cfg, int64_t now,
                        size_t *rows, int *more);
/* The earliest instant schedule_notice_run has something to do after
 * now (waiting notice, pending nudge, next digest); 0 if never. */
int schedule_notice_next(struct store *st, const struct config *cfg,
                         int64_t now, int64_t *next);

/*
 * The notice of version seq of uid as its messages render it: the
 * message kind, the session as told (ev) and as it was (old). ev and old
 * must be uninitialised; the caller event_fini()s both on success.
 * -ENOENT if there is no such notice.
 */
int schedule_notice_load(struct store *st, const char *uid, int seq,
                         enum message_kind *kind, struct event *ev,
                         struct event *old);

/* Plan the staff nudges of session uid (NULL: every session); without
 * staff addresses, drop them all. */
int schedule_staff_plan(struct store *st, const struct config *cfg,
                        const char *uid);

/*
 * Render staff outbox row r (kind 'staff') into *data (*len bytes) for
 * the [staff] addresses, *to (NULL-terminated, one malloc'ed block: free
 * it alone). -ENOENT when its text is gone or no staff address is left;
 * else 0 or negative with err.
 */
int schedule_staff_render(struct store *st, const struct config *cfg,
                          const struct outbox_row *r, char **data, size_t *len,
                          const char ***to, char *err, size_t errlen);

/* ---- the running scheduler ---- */

/*
 * Start on loop: rows left "sending" go back to "pending", alarms are
 * computed for every session, and what is due is processed. The
 * scheduler sends through mailer and frees it in schedule_stop. cfg and
 * st must outlive it. 0 or negative with err.
 */
int schedule_start(uv_loop_t *loop, struct store *st, const struct config *cfg,
                   struct mailer *mailer, struct schedule **out, char *err,
                   size_t errlen);

/* Session uid changed (NULL: anything may have, the clock included):
 * compute its alarms again and process what is due. */
void schedule_changed(struct schedule *s, const char *uid);
/* Organisations, subscriptions or the outbox changed, no session did:
 * forget cached subscribers and process what is due, without planning
 * every session's alarms again. */
void schedule_poke(struct schedule *s);

/*
 * Drain and stop: take no new rows, let messages in flight finish for up
 * to drain_ms, then abort the rest (they stay pending, sent again at the
 * next start), write every outcome, free the mailer and the scheduler,
 * then call done(arg) from the loop.
 */
void schedule_stop(struct schedule *s, unsigned drain_ms, void (*done)(void *),
                   void *arg);

/* Counters since start, for logs, tests and benchmarks. */
struct schedule_stats {
	uint64_t sent, tempfail, permfail, expired, claimed;
	size_t in_flight, max_in_flight;
};
void schedule_stats_get(const struct schedule *s, struct schedule_stats *out);

#endif
