/* schedule: the running scheduler: the timer, the outbox and the mailer.
 * The rules and the alarms are schedule_alarm.h's, notices and staff mail
 * schedule_notice.h's; only this runner holds the loop and the mailer,
 * and this header names them without including their headers.
 *
 * Time. One uv_timer is armed for the earliest pending alarm or retry and
 * re-armed after every change; a slow safety timer (a minute) catches
 * wall-clock jumps. "Now" is clock_now(): tests fix it and tell a
 * CHANGE_ALL, which processes whatever is then due.
 *
 * Changes. The scheduler listens to the changes (change.h): a change only
 * marks work (a session's alarms to plan again, from the session it is
 * handed; every session's after CHANGE_ALL; subscribers no longer
 * cached), and the work runs on the next turn of the loop.
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

struct change;
struct config;
struct mailer;
struct store;
struct uv_loop_s; /* libuv's uv_loop_t */

struct schedule;

/*
 * Start on loop: rows left "sending" go back to "pending", alarms are
 * computed for every session, and what is due is processed. The
 * scheduler sends through mailer and frees it in schedule_stop. cfg and
 * st must outlive it. 0 or negative with err.
 */
int schedule_start(struct uv_loop_s *loop, struct store *st,
                   const struct config *cfg, struct mailer *mailer,
                   struct schedule **out, char *err, size_t errlen);

/*
 * A listener of the changes (change_listen, arg the scheduler): mark what
 * c changed and process it, with whatever is due, on the next turn of
 * the loop, never inside the teller's request. A session's alarms and
 * staff nudges are planned from the session c hands over (read again
 * only when it hands none); CHANGE_ALL plans every session's again;
 * CHANGE_OSC only makes cached subscribers stale.
 */
void schedule_on_change(void *arg, const struct change *c);

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

/* Where the scheduler stands, for GET /v1/status. */
struct schedule_state {
	/* Nothing is due now or waiting to be processed, no message is in
	 * flight and no outcome waits to be written: until next, nothing
	 * will be sent unless something changes. */
	int idle;
	size_t in_flight;
	int64_t next; /* the earliest instant something falls due; 0: none */
};
/* 0, or negative when the store cannot say (the state is then not
 * idle). */
int schedule_state_get(struct schedule *s, struct schedule_state *out);

#endif
