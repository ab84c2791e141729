/* schedule_alarm: the rules of when reminders go out, and the alarms
 * they make (schedule_alarm.c). Pure, or reading and writing the store
 * only: no loop, no mailer (those are the runner's, schedule.h).
 *
 * Alarms. Each dated session that is not cancelled gets one alarm per
 * reminder offset: its own (VALARMs, ev->remind), else those of the first
 * of its topics that has some (topic.remind), else [reminders] default. A
 * timed session is reminded at start - offset; an all-day one at
 * [reminders] allday_time (office zone) on the day that (local midnight of
 * its first day) - offset falls on, and offsets landing on the same
 * instant give one alarm. Undecided sessions get none. After every change
 * a session's alarms are computed again (schedule_on_change): pending
 * alarms of older versions (SEQUENCE) are dropped, and so are reminders
 * of older versions still waiting in the outbox.
 *
 * Expansion. A due alarm becomes one outbox row per organisation
 * subscribed to one of the session's topics, in one transaction; the
 * outbox's UNIQUE key makes a second expansion a no-op. An alarm late by
 * more than [reminders] max_late (default half its offset), or whose
 * session has started, is marked expired and logged: never sent late.
 */
#ifndef CRONOGRAMA_SCHEDULE_ALARM_H
#define CRONOGRAMA_SCHEDULE_ALARM_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "event.h"
#include "store.h"

/* Most reminder offsets a session can have. */
#define SCHEDULE_OFFSETS_MAX 16
/* A reminder at most this late (seconds) is on time: not "late". */
#define SCHEDULE_GRACE_S 60
/* Retries: the first after 30 s, doubling, at most an hour apart. */
#define SCHEDULE_BACKOFF_MIN_S 30
#define SCHEDULE_BACKOFF_MAX_S 3600

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
/* The same for session ev as the caller holds it (nothing read back). */
int schedule_alarms_plan(struct store *st, const struct config *cfg,
                         const struct event *ev, int64_t now);

/*
 * Expand the alarms due at now into outbox rows, alarm by alarm (each in
 * one statement), until about max_rows rows were added or a step's time
 * budget (a few milliseconds) is spent; *more is set when due alarms are
 * left. Runs in the caller's transaction if one is open. *rows (may be
 * NULL) gets the number of rows added.
 */
int schedule_expand(struct store *st, const struct config *cfg, int64_t now,
                    size_t max_rows, size_t *rows, int *more);

#endif
