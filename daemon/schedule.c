/* schedule: the running scheduler: the timer, expansion steps, sending
 * the outbox and stopping. See schedule.h; the rules and the alarms are
 * in schedule_alarm.c, notices and staff mail in schedule_notice.c.
 *
 * Everything runs on the loop. One "pump" does the store work of a step in
 * one transaction: it writes the outcomes collected since the last pump,
 * expands due alarms and claims the rows it can send; then, outside the
 * transaction, it renders and submits the claimed rows, RENDER_CHUNK of
 * them at each turn of the loop (so that results, the control API and the
 * public site are served between the chunks of a burst), and re-arms the
 * timer. Outcomes reach us from the mailer one by one and wait in a list
 * until the next pump (at most FLUSH_MS later, or at once when many have
 * gathered), so a busy outbox pays one fsync per batch, not per message.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "addr.h"
#include "clock.h"
#include "config.h"
#include "event.h"
#include "log.h"
#include "mailer.h"
#include "message.h"
#include "change.h"
#include "schedule.h"
#include "schedule_internal.h"
#include "schedule_alarm.h"
#include "schedule_input.h"
#include "schedule_notice.h"
#include "signup_mail.h"
#include "store.h"
#include "token.h"

/* schedule_alarms_refresh and the staff nudges (schedule_staff_plan) in
 * one transaction (one fsync for them all), or in the caller's if one is
 * open (store_begin refuses to nest). */
static int
alarms_refresh_tx(struct store *st, const struct config *cfg, const char *uid)
{
	int ret;

	if ((ret = store_begin(st)) == -EINVAL) {
		if ((ret = schedule_alarms_refresh(st, cfg, uid, clock_now())) <
		    0)
			return ret;
		return schedule_staff_plan(st, cfg, uid);
	}
	if (ret < 0)
		return ret;
	if ((ret = schedule_alarms_refresh(st, cfg, uid, clock_now())) < 0 ||
	    (ret = schedule_staff_plan(st, cfg, uid)) < 0) {
		store_rollback(st);
		return ret;
	}
	return store_commit(st);
}

/* ---- the running scheduler ---- */

static void schedule_pump(struct schedule *s);
static void on_render_idle(uv_idle_t *h);
static void schedule_finish_check(struct schedule *s);

/* A session whose reminders are to be planned again: ev as it was handed
 * over, or none when it was deleted. */
struct replan_item {
	char *uid;
	struct event ev;
	int has_ev;
};

static void
replan_queue_clear(struct schedule *s)
{
	size_t i;

	for (i = 0; i < s->nqueue; i++) {
		free(s->queue[i].uid);
		if (s->queue[i].has_ev)
			event_fini(&s->queue[i].ev);
	}
	free(s->queue);
	s->queue = NULL;
	s->nqueue = 0;
}

static int
replan_pending(const struct schedule *s)
{
	return s->replan_all || s->nqueue > 0;
}

/* Queue session uid (ev: as it is now; NULL: deleted), replacing what
 * was queued for it. Past REPLAN_QUEUE_MAX, or without memory, every
 * session is planned again instead. */
static void
replan_add(struct schedule *s, const char *uid, const struct event *ev)
{
	struct replan_item *it = NULL, *grown;
	size_t i;

	if (s->replan_all)
		return;
	for (i = 0; i < s->nqueue && it == NULL; i++)
		if (strcmp(s->queue[i].uid, uid) == 0)
			it = &s->queue[i];
	if (it == NULL) {
		if (s->nqueue == REPLAN_QUEUE_MAX ||
		    (grown = realloc(s->queue,
		                     (s->nqueue + 1) * sizeof(*grown))) == NULL)
			goto all;
		s->queue = grown;
		it = &s->queue[s->nqueue];
		memset(it, 0, sizeof(*it));
		if ((it->uid = strdup(uid)) == NULL)
			goto all;
		s->nqueue++;
	} else if (it->has_ev) {
		event_fini(&it->ev);
		it->has_ev = 0;
	}
	if (ev != NULL) {
		if (event_copy(&it->ev, ev) < 0)
			goto all;
		it->has_ev = 1;
	}
	return;
all:
	replan_queue_clear(s);
	s->replan_all = 1;
}

/* The alarms and staff nudges of what is queued (of every session with
 * replan_all), in one transaction. */
static int
replan_tx(struct schedule *s)
{
	int64_t now = clock_now();
	size_t i;
	int ret;

	if ((ret = store_begin(s->st)) < 0)
		return ret;
	if (s->replan_all) {
		if ((ret = schedule_alarms_refresh(s->st, s->cfg, NULL, now)) >=
		    0)
			ret = schedule_staff_plan(s->st, s->cfg, NULL);
	}
	for (i = 0; !s->replan_all && ret >= 0 && i < s->nqueue; i++) {
		struct replan_item *it = &s->queue[i];

		if (it->has_ev) {
			ret = schedule_alarms_plan(s->st, s->cfg, &it->ev, now);
			if (ret >= 0)
				ret = schedule_staff_plan_event(s->st, s->cfg,
				                                &it->ev);
		} else {
			/* Gone: its alarms and nudges go. */
			ret = schedule_alarms_refresh(s->st, s->cfg, it->uid,
			                              now);
			if (ret >= 0)
				ret =
				    schedule_staff_plan(s->st, s->cfg, it->uid);
		}
	}
	if (ret < 0) {
		store_rollback(s->st);
		return ret;
	}
	return store_commit(s->st);
}

/*
 * Plan again what is queued. A failure keeps it for the next pump
 * (logged, at most once a minute while it goes on failing). 0 or -EIO.
 */
static int
schedule_replan(struct schedule *s)
{
	int64_t now = clock_now();

	if (!replan_pending(s))
		return 0;
	if (replan_tx(s) == 0) {
		if (s->replan_failed)
			log_info("schedule: reminders planned again after the "
			         "earlier failure");
		s->replan_failed = 0;
		s->replan_all = 0;
		replan_queue_clear(s);
		return 0;
	}
	if (!s->replan_failed || now - s->replan_logged >= 60) {
		log_err("schedule: reminders of %s: %s; trying again",
		        s->replan_all    ? "every session"
		        : s->nqueue == 1 ? s->queue[0].uid
		                         : "several sessions",
		        store_error(s->st));
		s->replan_logged = now;
	}
	s->replan_failed = 1;
	return -EIO;
}

static void
on_pump_timer(uv_timer_t *t)
{
	schedule_pump(t->data);
}

/* xorshift64*: jitter needs no quality, only spread. */
static double
sched_random(struct schedule *s)
{
	s->rnd ^= s->rnd >> 12;
	s->rnd ^= s->rnd << 25;
	s->rnd ^= s->rnd >> 27;
	return (double)((s->rnd * 2685821657736338717ULL) >> 11) /
	       (double)(1ULL << 53);
}

/* ---- outcomes ---- */

static void
outcome_add(struct schedule *s, int64_t id, const char *state, int tries,
            int64_t next_try, int64_t sent_at, const char *error)
{
	struct outcome *o;

	if (s->noutcomes == s->capoutcomes) {
		size_t cap = s->capoutcomes ? s->capoutcomes * 2 : 64;

		o = realloc(s->outcomes, cap * sizeof(*o));
		if (!o) {
			/* The row stays "sending": sent again after a
			 * restart, with the same Message-ID. */
			log_err("outbox %lld: out of memory recording its "
			        "outcome",
			        (long long)id);
			return;
		}
		s->outcomes = o;
		s->capoutcomes = cap;
	}
	o = &s->outcomes[s->noutcomes++];
	o->id = id;
	o->state = state;
	o->tries = tries;
	o->next_try = next_try;
	o->sent_at = sent_at;
	o->error = error ? strdup(error) : NULL;
	if (strcmp(state, "expired") == 0)
		s->stats.expired++;
}

/* Whether a and b record the same outcome but for the id. */
static int
outcome_same(const struct outcome *a, const struct outcome *b)
{
	return a->tries == b->tries && a->next_try == b->next_try &&
	       a->sent_at == b->sent_at && strcmp(a->state, b->state) == 0 &&
	       (a->error == b->error ||
	        (a->error && b->error && strcmp(a->error, b->error) == 0));
}

/* Write the outcomes (inside the pump's transaction). A run of outcomes
 * that differ only in the id (a burst's "sent": same tries, next try and
 * second) is written by one statement per STORE_OUTBOX_DONE_MANY rows. */
static int
outcomes_write(struct schedule *s)
{
	int64_t ids[STORE_OUTBOX_DONE_MANY];
	size_t i = 0, n;
	int ret = 0;

	while (i < s->noutcomes && ret >= 0) {
		struct outcome *o = &s->outcomes[i];

		for (n = 0;
		     n < STORE_OUTBOX_DONE_MANY && i + n < s->noutcomes &&
		     outcome_same(o, &s->outcomes[i + n]);
		     n++)
			ids[n] = s->outcomes[i + n].id;
		if (n == 1)
			ret = store_outbox_done(s->st, o->id, o->state,
			                        o->tries, o->next_try, o->error,
			                        o->sent_at);
		else
			ret = store_outbox_done_many(s->st, ids, n, o->state,
			                             o->tries, o->next_try,
			                             o->error, o->sent_at);
		i += n;
	}
	return ret;
}

static void
outcomes_clear(struct schedule *s)
{
	size_t i;

	for (i = 0; i < s->noutcomes; i++)
		free(s->outcomes[i].error);
	s->noutcomes = 0;
}

/* Write the outcomes alone, in their own transaction (at the end). */
static void
outcomes_flush(struct schedule *s)
{
	int ret;

	if (s->noutcomes == 0)
		return;
	if ((ret = store_begin(s->st)) == 0) {
		if ((ret = outcomes_write(s)) < 0)
			store_rollback(s->st);
		else
			ret = store_commit(s->st);
	}
	if (ret < 0)
		log_err("outbox: writing %zu outcomes: %s", s->noutcomes,
		        store_error(s->st));
	outcomes_clear(s);
}

/* ---- sending ---- */

/* An outcome decided before the message reached the mailer, with its log
 * line (to: the recipients when known). */
static void
row_outcome(struct schedule *s, const struct outbox_row *r,
            const char *const *to, const char *state, int tries,
            int64_t next_try, const char *detail)
{
	char *who = sched_row_who(r, to);
	int64_t delay_ms = clock_now_ms() - r->due * 1000;

	outcome_add(s, r->id, state, tries, next_try, 0, detail);
	sched_outcome_log(r->id, who,
	                  strcmp(state, "pending") == 0 ? "deferred" : state,
	                  detail, delay_ms, tries,
	                  strcmp(state, "pending") == 0 ? next_try : 0);
	free(who);
}

static void
on_mailer_done(void *arg, enum mailer_result result, int code,
               const char *detail)
{
	struct sched_msg *m = arg;
	struct schedule *s = m->s;
	int64_t now = clock_now(), next, lat = clock_now_ms() - m->due_ms;
	char why[512];

	(void)code;
	s->in_flight--;
	switch (result) {
	case MAILER_SENT:
		s->stats.sent++;
		sched_latency_add(s, lat);
		outcome_add(s, m->id, "sent", m->tries + 1, m->next_try, now,
		            NULL);
		sched_outcome_log(m->id, m->who, "sent", detail, lat,
		                  m->tries + 1, 0);
		/* For tests/bench/mail.py: where the time went. */
		log_debug("outbox %lld: sent %lld ms after due, handed over "
		          "%lld ms after due",
		          (long long)m->id, (long long)lat,
		          (long long)(m->submit_ms - m->due_ms));
		break;
	case MAILER_TEMPFAIL:
		if (s->aborting) {
			/* Stopped midway: not a failure of the message. */
			outcome_add(s, m->id, "pending", m->tries, m->next_try,
			            0, detail);
			sched_outcome_log(m->id, m->who, "requeued", detail,
			                  lat, m->tries, 0);
			break;
		}
		s->stats.tempfail++;
		if (now - m->due >= s->cfg->retry_for) {
			snprintf(why, sizeof(why), "gave up after %d tries: %s",
			         m->tries + 1, detail);
			outcome_add(s, m->id, "failed", m->tries + 1, now, 0,
			            why);
			sched_outcome_log(m->id, m->who, "failed", why, lat,
			                  m->tries + 1, 0);
			break;
		}
		next = now + schedule_backoff(m->tries + 1, sched_random(s));
		if (next > m->due + s->cfg->retry_for)
			next = m->due + s->cfg->retry_for;
		outcome_add(s, m->id, "pending", m->tries + 1, next, 0, detail);
		sched_outcome_log(m->id, m->who, "deferred", detail, lat,
		                  m->tries + 1, next);
		break;
	case MAILER_PERMFAIL:
		s->stats.permfail++;
		outcome_add(s, m->id, "failed", m->tries + 1, now, 0, detail);
		sched_outcome_log(m->id, m->who, "failed", detail, lat,
		                  m->tries + 1, 0);
		break;
	}
	free(m->who);
	free(m);
	if (s->stopping) {
		schedule_finish_check(s);
		return;
	}
	/* Write soon; at once when many wait or nothing else is moving. */
	if (s->noutcomes >= s->max_in_flight / 2 || s->in_flight == 0)
		uv_timer_start(&s->flush, on_pump_timer, 0, 0);
	else if (!uv_is_active((uv_handle_t *)&s->flush))
		uv_timer_start(&s->flush, on_pump_timer, FLUSH_MS, 0);
}

/* Render row r and hand it to the mailer; any failure becomes an outcome
 * at once. */
static void
row_send(struct schedule *s, const struct outbox_row *r, int64_t now)
{
	const struct config *cfg = s->cfg;
	struct row_input ri;
	struct session_cache *c;
	const struct osc *o;
	const char **to = NULL;
	struct sched_msg *m = NULL;
	char err[512], from[ADDR_MAX + 1], *data = NULL;
	const char *why;
	size_t len;
	int ret = 0;

	if (!sched_row_is_session(r)) {
		/* Staff mail: its text is kept in the store; signup mail:
		 * its request is (signup.c). */
		if (strcmp(r->kind, "staff") == 0)
			ret = schedule_staff_render(s->st, cfg, r, &data, &len,
			                            &to, err, sizeof(err));
		else
			ret = signup_mail_render(s->st, cfg, r, &data, &len,
			                         &to, err, sizeof(err));
		if (ret == 0)
			goto submit;
		if (ret == -EIO || ret == -ENOMEM)
			goto tempfail;
		row_outcome(s, r, NULL, ret == -ENOENT ? "expired" : "failed",
		            r->tries + (ret != -ENOENT), r->next_try, err);
		return;
	}
	if ((c = sched_cache_get(s, r->uid, &ret)) == NULL) {
		if (ret == -ENOENT) {
			row_outcome(s, r, NULL, "expired", r->tries,
			            r->next_try, "the session was deleted");
			return;
		}
		snprintf(err, sizeof(err), "store: %s", store_error(s->st));
		goto tempfail;
	}
	if ((why = sched_row_obsolete(s, r, &c->ev, now)) != NULL) {
		row_outcome(s, r, NULL, "expired", r->tries, r->next_try, why);
		return;
	}
	if (c->oscs_for != s->render_stamp)
		/* Evicted by another session of the chunk and read again:
		 * this row's organisation alone. */
		sched_cache_row(s, c, r);
	if (c->oscs_err < 0) {
		snprintf(err, sizeof(err), "%s", c->oscs_why);
		goto tempfail;
	}
	if ((o = sched_cache_osc(c, r->osc_id)) == NULL) {
		row_outcome(s, r, NULL, "expired", r->tries, r->next_try,
		            "the organisation no longer follows the "
		            "session's topics");
		return;
	}
	/* Paused from its own page (or it asked for erasure) after the
	 * row was queued: nothing goes to it until it resumes. */
	if (o->paused_at != 0) {
		row_outcome(s, r, NULL, "expired", r->tries, r->next_try,
		            "the organisation paused its mail");
		return;
	}
	ret = row_input_fill(s->st, cfg, r, &c->ev, o, &ri, err, sizeof(err));
	to = ri.to;
	ri.to = NULL; /* to outlives ri: row_send frees it */
	if (ret < 0) {
		row_input_fini(&ri);
		goto tempfail;
	}
	if (sched_rcpts_keep_good(r->id, to, err, sizeof(err)) < 0) {
		row_input_fini(&ri);
		goto refused;
	}
	/* Before rendering: To: names only the addresses mailed. */
	ret = sched_rcpts_keep_enabled(s, r->id, to, err, sizeof(err));
	if (ret < 0) {
		row_input_fini(&ri);
		if (ret != -ENOENT)
			goto tempfail;
		/* Nobody to send to, for good: not a failure to retry. */
		row_outcome(s, r, NULL, "skipped", r->tries, r->next_try, err);
		free(to);
		return;
	}
	ret = message_render(&ri.in, &data, &len, err, sizeof(err));
	row_input_fini(&ri);
	if (ret < 0) {
		/* The same row renders the same way next time: give up. */
		row_outcome(s, r, to, "failed", r->tries + 1, r->next_try, err);
		free(to);
		return;
	}
submit:
	if (sched_rcpts_keep_good(r->id, to, err, sizeof(err)) < 0) {
	refused:
		/* No address mail can go to: refused here, for good, with
		 * the address's own reason, not a relay's. */
		log_err("outbox %lld: not sent: %s", (long long)r->id, err);
		outcome_add(s, r->id, "failed", r->tries + 1, r->next_try, 0,
		            err);
		free(data);
		free(to);
		return;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto tempfail;
	}
	m->s = s;
	m->id = r->id;
	m->tries = r->tries;
	m->due = r->due;
	m->next_try = r->next_try;
	m->due_ms = r->due * 1000;
	m->submit_ms = clock_now_ms();
	m->who = sched_row_who(r, to);
	ret =
	    mailer_submit_take(s->mailer, &data, len,
	                       sched_envelope_from(cfg, r, from, sizeof(from)),
	                       to, on_mailer_done, m);
	if (ret < 0) {
		snprintf(err, sizeof(err), "mailer: %s", strerror(-ret));
		goto tempfail;
	}
	s->in_flight++;
	if (s->in_flight > s->stats.max_in_flight)
		s->stats.max_in_flight = s->in_flight;
	free(data);
	free(to);
	return;
tempfail:
	/* Not the message's fault: try again a little later. */
	row_outcome(s, r, to, "pending", r->tries, now + SCHEDULE_BACKOFF_MIN_S,
	            err);
	if (m)
		free(m->who);
	free(m);
	free(data);
	free(to);
}

/* ---- the timer ---- */

/* When the next alarm, retry, notice or staff mail is due, as the store
 * says; read inside the pump's transaction (the same view as after its
 * commit, without reading locks of their own). */
struct sched_next {
	int ok;
	int64_t alarm_due, outbox_next, notice_due;
};

static void
schedule_next_read(struct schedule *s, int64_t now, struct sched_next *n)
{
	*n = (struct sched_next){0};
	if (store_schedule_next(s->st, &n->alarm_due, &n->outbox_next) < 0) {
		log_err("schedule: %s", store_error(s->st));
		return;
	}
	if (schedule_notice_next(s->st, s->cfg, now, &n->notice_due) < 0) {
		log_err("schedule: notices: %s", store_error(s->st));
		n->notice_due = now + IDLE_RETRY_MS / 1000;
	}
	n->ok = 1;
}

/*
 * Arm the timer for the earliest pending alarm, retry, notice or staff
 * mail (nx, from schedule_next_read). The outbox counts only while a slot
 * is free (otherwise outcomes pump). now is the pump's "now" and moved
 * says whether it did anything: if something was due then yet nothing
 * moved, wait IDLE_RETRY_MS rather than spin.
 */
static void
schedule_rearm(struct schedule *s, int64_t now, int more, int moved,
               const struct sched_next *nx)
{
	int64_t alarm_due, outbox_next, notice_due, next = 0, delay;

	if (s->stopping)
		return;
	/* More to do at once: 1 ms, not 0, so that the loop polls for I/O
	 * between steps (libuv runs a timer re-armed with 0 from a timer
	 * callback again before polling) and the control API answers. */
	if (more) {
		uv_timer_start(&s->timer, on_pump_timer, 1, 0);
		return;
	}
	if (!nx->ok) {
		uv_timer_start(&s->timer, on_pump_timer, IDLE_RETRY_MS, 0);
		return;
	}
	alarm_due = nx->alarm_due;
	outbox_next = nx->outbox_next;
	notice_due = nx->notice_due;
	if (s->in_flight >= s->max_in_flight)
		outbox_next = 0;
	if (alarm_due && (!outbox_next || alarm_due < outbox_next))
		next = alarm_due;
	else
		next = outbox_next;
	if (notice_due && (!next || notice_due < next))
		next = notice_due;
	if (!next && replan_pending(s)) {
		uv_timer_start(&s->timer, on_pump_timer, REPLAN_RETRY_MS, 0);
		return;
	}
	if (!next) {
		uv_timer_stop(&s->timer);
		if (s->in_flight == 0)
			sched_latency_report(s);
		return;
	}
	/* Timers count from the loop's cached time: bring it up to date so
	 * that the timer does not fire early by the time this step took. */
	uv_update_time(s->loop);
	if (next > now) {
		/* Not due when the step looked: due in delay (at least 1 ms
		 * later, so the second has turned when the timer fires). */
		delay = next * 1000 - clock_now_ms();
		if (delay < 1)
			delay = 1;
	} else {
		delay = moved ? 1 : IDLE_RETRY_MS;
	}
	if (replan_pending(s) && delay > REPLAN_RETRY_MS)
		delay = REPLAN_RETRY_MS;
	uv_timer_start(&s->timer, on_pump_timer, (uint64_t)delay, 0);
}

/* Render and hand over the next RENDER_CHUNK claimed rows; once none is
 * left, free them and stop the idle handle, else keep it running so the
 * loop polls (results, requests) before the next chunk. */
static void
rows_render(struct schedule *s)
{
	size_t end = s->next_row + RENDER_CHUNK;

	if (end > s->nrows)
		end = s->nrows;
	if (s->next_row < end)
		sched_cache_rows(s, &s->rows[s->next_row], end - s->next_row);
	for (; s->next_row < end; s->next_row++)
		row_send(s, &s->rows[s->next_row], s->rows_now);
	if (s->next_row < s->nrows) {
		if (!uv_is_active((uv_handle_t *)&s->render))
			uv_idle_start(&s->render, on_render_idle);
		return;
	}
	outbox_row_array_free(s->rows, s->nrows);
	s->rows = NULL;
	s->nrows = s->next_row = 0;
	uv_idle_stop(&s->render);
	/* Claim what is due next, after the loop has polled. */
	if (!s->stopping && !s->in_pump)
		uv_timer_start(&s->timer, on_pump_timer, 0, 0);
}

static void
on_render_idle(uv_idle_t *h)
{
	rows_render(h->data);
}

/* Claimed rows not rendered yet go back to the outbox as they were (at a
 * stop): the next start sends them, with their Message-IDs. */
static void
rows_give_back(struct schedule *s)
{
	static const char why[] = "shutting down before it was sent";

	for (; s->next_row < s->nrows; s->next_row++) {
		const struct outbox_row *r = &s->rows[s->next_row];
		char *who = sched_row_who(r, NULL);

		outcome_add(s, r->id, "pending", r->tries, r->next_try, 0, why);
		sched_outcome_log(r->id, who, "requeued", why,
		                  clock_now_ms() - r->due * 1000, r->tries, 0);
		free(who);
	}
	outbox_row_array_free(s->rows, s->nrows);
	s->rows = NULL;
	s->nrows = s->next_row = 0;
	uv_idle_stop(&s->render);
}

/* One step: outcomes, expansion and claims in one transaction; then the
 * claimed rows go to the mailer, a chunk at once and the rest at the
 * next turns of the loop (rows_render). */
static void
schedule_pump(struct schedule *s)
{
	struct outbox_row *rows = NULL;
	struct sched_next nx = {0};
	size_t nrows = 0, expanded = 0, room;
	int64_t now = clock_now();
	int ret, more = 0;

	if (s->in_pump)
		return;
	s->kicked = 0;
	schedule_replan(s);
	s->in_pump = 1;
	uv_timer_stop(&s->flush);
	if ((ret = store_begin(s->st)) < 0)
		goto fail;
	ret = outcomes_write(s);
	if (ret >= 0 && !s->stopping)
		ret = schedule_expand(s->st, s->cfg, now, EXPAND_ROWS,
		                      &expanded, &more);
	if (ret >= 0 && !s->stopping) {
		size_t notices = 0;
		int more_notices = 0;

		ret = schedule_notice_run(s->st, s->cfg, now, &notices,
		                          &more_notices);
		expanded += notices;
		more |= more_notices;
	}
	room = s->max_in_flight > s->in_flight ? s->max_in_flight - s->in_flight
	                                       : 0;
	/* The start of a burst: a few rows, rendered and on their way
	 * before the next step claims the rest. */
	if (s->in_flight == 0 && room > FIRST_CLAIM)
		room = FIRST_CLAIM;
	/* While due alarms are left to expand, the steps only expand: the
	 * messages wait the few seconds a large expansion takes, which then
	 * has the machine to itself. While rows of the last claim are still
	 * to render, the next claim waits for them (rows_render pumps once
	 * they are all handed over). */
	if (ret >= 0 && !s->stopping && room > 0 && !more && !s->rows)
		ret = store_outbox_claim(s->st, now, (int)room, s->cfg->domain,
		                         &rows, &nrows);
	if (ret < 0) {
		store_rollback(s->st);
		goto fail;
	}
	if (!more && !s->stopping)
		schedule_next_read(s, now, &nx);
	if ((ret = store_commit(s->st)) < 0) {
		outbox_row_array_free(rows, nrows);
		goto fail;
	}
	outcomes_clear(s);
	s->stats.claimed += nrows;
	s->in_pump = 0;
	if (nrows > 0) {
		s->rows = rows;
		s->nrows = nrows;
		s->next_row = 0;
		s->rows_now = now;
		rows_render(s);
	}
	/* Rows that failed before the mailer wait for the next pump. */
	if (s->noutcomes > 0 && !uv_is_active((uv_handle_t *)&s->flush))
		uv_timer_start(&s->flush, on_pump_timer, FLUSH_MS, 0);
	schedule_rearm(s, now, more, nrows > 0 || expanded > 0, &nx);
	return;
fail:
	/* Nothing was written or claimed: the outcomes wait, try again. */
	log_err("schedule: %s", store_error(s->st));
	s->in_pump = 0;
	if (!s->stopping)
		uv_timer_start(&s->timer, on_pump_timer, IDLE_RETRY_MS, 0);
}

/* Pump on the next turn of the loop (the timer fires before anything
 * else is polled). */
static void
schedule_kick(struct schedule *s)
{
	s->kicked = 1;
	uv_timer_start(&s->timer, on_pump_timer, 0, 0);
}

void
schedule_on_change(void *arg, const struct change *c)
{
	struct schedule *s = arg;

	if (!s || s->stopping)
		return;
	switch (c->what) {
	case CHANGE_SESSION:
		sched_cache_drop(s, c->uid);
		replan_add(s, c->uid, c->ev);
		break;
	case CHANGE_ALL:
		sched_cache_drop(s, NULL);
		replan_queue_clear(s);
		s->replan_all = 1;
		break;
	case CHANGE_OSC:
		/* Subscribers (and their addresses) may have changed. */
		sched_cache_drop(s, NULL);
		break;
	}
	schedule_kick(s);
}

int
schedule_start(uv_loop_t *loop, struct store *st, const struct config *cfg,
               struct mailer *mailer, struct schedule **out, char *err,
               size_t errlen)
{
	struct schedule *s;
	size_t n = 0;
	int ret;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "schedule: out of memory");
		return -ENOMEM;
	}
	s->loop = loop;
	s->st = st;
	s->cfg = cfg;
	s->mailer = mailer;
	s->max_in_flight =
	    (size_t)cfg->mail_max_connections * INFLIGHT_PER_CONN;
	if (s->max_in_flight < INFLIGHT_MIN)
		s->max_in_flight = INFLIGHT_MIN;
	s->rnd = (uint64_t)clock_now_ms() ^ ((uint64_t)getpid() << 32) ^
	         0x9e3779b97f4a7c15ULL;
	if ((ret = store_outbox_recover(st, &n)) < 0) {
		snprintf(err, errlen, "schedule: %s", store_error(st));
		free(s);
		return ret;
	}
	if (n > 0)
		log_warn("outbox: %zu messages were being sent when the daemon "
		         "stopped; sending them again",
		         n);
	if ((ret = alarms_refresh_tx(st, cfg, NULL)) < 0) {
		snprintf(err, errlen, "schedule: reminders: %s",
		         store_error(st));
		free(s);
		return ret;
	}
	uv_timer_init(loop, &s->timer);
	uv_timer_init(loop, &s->safety);
	uv_timer_init(loop, &s->flush);
	uv_timer_init(loop, &s->drain);
	uv_idle_init(loop, &s->render);
	s->timer.data = s->safety.data = s->flush.data = s->drain.data = s;
	s->render.data = s;
	s->open_handles = 5;
	uv_timer_start(&s->safety, on_pump_timer, SAFETY_MS, SAFETY_MS);
	*out = s;
	schedule_pump(s);
	return 0;
}

void
schedule_stats_get(const struct schedule *s, struct schedule_stats *out)
{
	*out = s->stats;
	out->in_flight = s->in_flight;
}

static void
earliest(int64_t *next, int64_t t)
{
	if (t != 0 && (*next == 0 || t < *next))
		*next = t;
}

int
schedule_state_get(struct schedule *s, struct schedule_state *out)
{
	int64_t now = clock_now(), alarm_due, outbox_next, notice_due;
	int ret;

	memset(out, 0, sizeof(*out));
	out->in_flight = s->in_flight;
	if ((ret = store_schedule_next(s->st, &alarm_due, &outbox_next)) < 0 ||
	    (ret = schedule_notice_next(s->st, s->cfg, now, &notice_due)) < 0)
		return ret;
	earliest(&out->next, alarm_due);
	earliest(&out->next, outbox_next);
	earliest(&out->next, notice_due);
	out->idle = !s->kicked && !s->in_pump && !s->stopping && !s->rows &&
	            !replan_pending(s) && s->in_flight == 0 &&
	            s->noutcomes == 0 && (out->next == 0 || out->next > now);
	return 0;
}

/* ---- stopping ---- */

static void
on_handle_closed(uv_handle_t *h)
{
	struct schedule *s = h->data;
	void (*done)(void *);
	void *arg;

	if (--s->open_handles > 0)
		return;
	sched_latency_report(s);
	done = s->stop_done;
	arg = s->stop_arg;
	sched_cache_drop(s, NULL);
	free(s->outcomes);
	free(s->lat);
	sched_off_clear(s);
	replan_queue_clear(s);
	free(s);
	if (done)
		done(arg);
}

static void
on_mailer_freed(void *arg)
{
	struct schedule *s = arg;

	s->mailer_freed = 1;
	s->mailer = NULL;
	outcomes_flush(s);
	uv_close((uv_handle_t *)&s->timer, on_handle_closed);
	uv_close((uv_handle_t *)&s->safety, on_handle_closed);
	uv_close((uv_handle_t *)&s->flush, on_handle_closed);
	uv_close((uv_handle_t *)&s->drain, on_handle_closed);
	uv_close((uv_handle_t *)&s->render, on_handle_closed);
}

/* Once nothing is in flight (or the drain is over), free the mailer; its
 * aborted messages come back as outcomes before on_mailer_freed. */
static void
schedule_finish_check(struct schedule *s)
{
	if (!s->stopping || s->aborting ||
	    (s->in_flight > 0 && uv_is_active((uv_handle_t *)&s->drain)))
		return;
	s->aborting = 1;
	uv_timer_stop(&s->drain);
	if (s->in_flight > 0)
		log_warn("outbox: %zu messages still in flight are left for "
		         "the next start",
		         s->in_flight);
	mailer_free(s->mailer, on_mailer_freed, s);
}

static void
on_drain_over(uv_timer_t *t)
{
	struct schedule *s = t->data;

	schedule_finish_check(s);
}

void
schedule_stop(struct schedule *s, unsigned drain_ms, void (*done)(void *),
              void *arg)
{
	if (s->stopping)
		return;
	s->stopping = 1;
	s->stop_done = done;
	s->stop_arg = arg;
	uv_timer_stop(&s->timer);
	uv_timer_stop(&s->safety);
	uv_timer_stop(&s->flush);
	rows_give_back(s);
	if (s->in_flight > 0) {
		log_info("outbox: waiting up to %ums for %zu messages in "
		         "flight",
		         drain_ms, s->in_flight);
		uv_timer_start(&s->drain, on_drain_over, drain_ms, 0);
	}
	schedule_finish_check(s);
}
