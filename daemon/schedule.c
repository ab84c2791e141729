/* schedule: the running scheduler: the timer, expansion steps, sending
 * the outbox and stopping. See schedule.h; the rules and the alarms are
 * in schedule_alarm.c.
 *
 * Everything runs on the loop. One "pump" does the store work of a step in
 * one transaction: it writes the outcomes collected since the last pump,
 * expands due alarms and claims the rows it can send; then, outside the
 * transaction, it renders and submits the claimed rows and re-arms the
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

#include "addr.h"
#include "clock.h"
#include "config.h"
#include "event.h"
#include "log.h"
#include "mailer.h"
#include "message.h"
#include "schedule.h"
#include "store.h"
#include "token.h"

#define SAFETY_MS         60000 /* re-evaluate at least this often */
#define FLUSH_MS          20    /* outcomes wait at most this long */
#define IDLE_RETRY_MS     1000  /* something due but nothing could move */
#define EXPAND_ROWS       50000 /* a step of expansion also has a time budget */
#define INFLIGHT_PER_CONN 32
#define REPLAN_RETRY_MS   5000 /* a failed re-plan is tried again */
#define INFLIGHT_MIN      256
#define CACHE_SESSIONS    8
#define FIRST_CLAIM       32 /* rows claimed when nothing is in flight */

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

/* A session and its subscribers, kept while rows of it are sent. */
struct session_cache {
	struct event ev;
	struct osc *oscs; /* sorted by id */
	size_t noscs;
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
	unsigned open_handles;

	size_t in_flight, max_in_flight;
	struct outcome *outcomes;
	size_t noutcomes, capoutcomes;

	struct session_cache cache[CACHE_SESSIONS];
	uint64_t cache_clock;

	char from_addr[320];
	char public_url[1024];

	/* Latency from due to the SMTP server's 250, for the log. */
	int64_t *lat;
	size_t nlat, caplat;

	uint64_t rnd;
	/* A re-plan that failed (a full disk at SIGHUP, a clock jump): of
	 * every session (REPLAN_ALL) or of replan_uid, tried again at every
	 * pump until it works. */
	int replan;
	char *replan_uid;
	int64_t replan_logged;
	int in_pump, stopping, aborting, mailer_freed;
	void (*stop_done)(void *);
	void *stop_arg;
	struct schedule_stats stats;
};

enum { REPLAN_NONE, REPLAN_ONE, REPLAN_ALL };

static void schedule_pump(struct schedule *s);
static void schedule_finish_check(struct schedule *s);

/*
 * Plan the reminders of uid (NULL: every session) again, and any re-plan
 * that failed before; a failure is kept to be tried again (widened to
 * every session when two differ). 0, or negative (logged, at most once a
 * minute while it goes on failing).
 */
static int
schedule_replan(struct schedule *s, const char *uid, int retry)
{
	const char *target = uid;
	int64_t now = clock_now();

	if (s->replan == REPLAN_ALL ||
	    (s->replan == REPLAN_ONE &&
	     (uid == NULL || strcmp(uid, s->replan_uid) != 0)))
		target = NULL;
	else if (s->replan == REPLAN_ONE)
		target = s->replan_uid;
	if (retry && s->replan == REPLAN_NONE)
		return 0;
	if (alarms_refresh_tx(s->st, s->cfg, target) == 0) {
		if (s->replan != REPLAN_NONE)
			log_info("schedule: reminders planned again after the "
			         "earlier failure");
		s->replan = REPLAN_NONE;
		free(s->replan_uid);
		s->replan_uid = NULL;
		return 0;
	}
	if (s->replan == REPLAN_NONE || !retry ||
	    now - s->replan_logged >= 60) {
		log_err("schedule: reminders of %s: %s; trying again",
		        target ? target : "every session", store_error(s->st));
		s->replan_logged = now;
	}
	if (target == NULL) {
		s->replan = REPLAN_ALL;
		free(s->replan_uid);
		s->replan_uid = NULL;
	} else if (s->replan == REPLAN_NONE) {
		s->replan_uid = strdup(target);
		s->replan = s->replan_uid ? REPLAN_ONE : REPLAN_ALL;
	}
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

/* The address of "Name <addr>" or "addr". */
static void
addr_of(const char *from, char *buf, size_t buflen)
{
	const char *lt = strrchr(from, '<');
	size_t n;

	if (!lt) {
		snprintf(buf, buflen, "%s", from);
		return;
	}
	n = strcspn(lt + 1, ">");
	snprintf(buf, buflen, "%.*s", (int)n, lt + 1);
}

/* ---- the session cache ---- */

static void
cache_entry_clear(struct session_cache *c)
{
	if (!c->used)
		return;
	event_fini(&c->ev);
	osc_array_free(c->oscs, c->noscs);
	memset(c, 0, sizeof(*c));
}

static void
cache_drop(struct schedule *s, const char *uid)
{
	size_t i;

	for (i = 0; i < CACHE_SESSIONS; i++)
		if (s->cache[i].used &&
		    (!uid || strcmp(s->cache[i].ev.uid, uid) == 0))
			cache_entry_clear(&s->cache[i]);
}

static int
osc_id_cmp(const void *a, const void *b)
{
	const struct osc *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * The session uid with its subscribers, from the cache or the store.
 * NULL with *err (-ENOENT when the session is gone).
 */
static struct session_cache *
cache_get(struct schedule *s, const char *uid, int *err)
{
	struct session_cache *c, *victim = &s->cache[0];
	size_t i;
	int ret;

	for (i = 0; i < CACHE_SESSIONS; i++) {
		c = &s->cache[i];
		if (c->used && strcmp(c->ev.uid, uid) == 0) {
			c->last = ++s->cache_clock;
			return c;
		}
		if (!c->used || c->last < victim->last)
			victim = c;
		if (!c->used)
			break;
	}
	cache_entry_clear(victim);
	if ((ret = store_event_get(s->st, uid, &victim->ev)) < 0) {
		*err = ret;
		return NULL;
	}
	ret = store_osc_subscribers(s->st, victim->ev.uid, &victim->oscs,
	                            &victim->noscs);
	if (ret < 0) {
		event_fini(&victim->ev);
		*err = ret;
		return NULL;
	}
	if (victim->noscs > 1)
		qsort(victim->oscs, victim->noscs, sizeof(*victim->oscs),
		      osc_id_cmp);
	victim->used = 1;
	victim->last = ++s->cache_clock;
	return victim;
}

static const struct osc *
cache_osc(const struct session_cache *c, long id)
{
	struct osc key = {.id = id};

	return bsearch(&key, c->oscs, c->noscs, sizeof(*c->oscs), osc_id_cmp);
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

/* Write the outcomes (inside the pump's transaction). */
static int
outcomes_write(struct schedule *s)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < s->noutcomes && ret >= 0; i++) {
		struct outcome *o = &s->outcomes[i];

		ret = store_outbox_done(s->st, o->id, o->state, o->tries,
		                        o->next_try, o->error, o->sent_at);
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

/* ---- latency figures ---- */

static int
int64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void
latency_add(struct schedule *s, int64_t ms)
{
	if (s->nlat == s->caplat) {
		size_t cap = s->caplat ? s->caplat * 2 : 1024;
		int64_t *v = realloc(s->lat, cap * sizeof(*v));

		if (!v)
			return;
		s->lat = v;
		s->caplat = cap;
	}
	s->lat[s->nlat++] = ms;
}

/* When the outbox falls idle: one line on how the burst went. */
static void
latency_report(struct schedule *s)
{
	int64_t first;
	size_t p50, p99;

	if (s->nlat == 0)
		return;
	first = s->lat[0];
	qsort(s->lat, s->nlat, sizeof(*s->lat), int64_cmp);
	p50 = s->nlat / 2;
	p99 = (s->nlat * 99 + 99) / 100 - 1;
	log_info("outbox: %zu sent; due to SMTP 250 in ms: first %lld, "
	         "min %lld, p50 %lld, p99 %lld, max %lld",
	         s->nlat, (long long)first, (long long)s->lat[0],
	         (long long)s->lat[p50], (long long)s->lat[p99],
	         (long long)s->lat[s->nlat - 1]);
	s->nlat = 0;
}

/* ---- sending ---- */

/*
 * "to=<a@b.org>,<c@d.org> msgid=<…> event=2018-07 kind=reminder": who a
 * message of row r is for, as its log lines say it (malloc'ed, or NULL
 * when out of memory: the line then names the row only).
 */
static char *
row_who(const struct outbox_row *r, const char *const *to)
{
	char id[128], *out = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&out, &len);

	if (f == NULL)
		return NULL;
	fputs("to=", f);
	for (i = 0; to && to[i]; i++)
		fprintf(f, "%s<%s>", i ? "," : "", to[i]);
	fprintf(f, " msgid=<%s> event=%s kind=%s",
	        r->message_id ? r->message_id : "",
	        event_short_id(r->uid, id, sizeof(id)), r->kind);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/*
 * One line per outcome of every message, greppable the way Postfix logs
 * deliveries: "outbox 123: to=<…> msgid=<…> event=2018-07 kind=reminder
 * status=sent (250 2.0.0 Ok: queued as 4F2A) delay=0.08s tries=1", with
 * status deferred (and next=), failed, expired or requeued.
 */
static void
outcome_log(int64_t id, const char *who, const char *status, const char *detail,
            int64_t delay_ms, int tries, int64_t next)
{
	char when[32] = "";
	enum log_level level = LOG_LEVEL_INFO;

	if (next > 0) {
		struct tm tm;
		time_t t = (time_t)next;

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), " next=%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	if (strcmp(status, "failed") == 0)
		level = LOG_LEVEL_WARN;
	log_at(level,
	       "outbox %lld: %s%sstatus=%s (%s) delay=%lld.%02llds tries=%d%s",
	       (long long)id, who ? who : "", who ? " " : "", status,
	       detail && *detail ? detail : "-",
	       (long long)(delay_ms > 0 ? delay_ms / 1000 : 0),
	       (long long)(delay_ms > 0 ? delay_ms % 1000 / 10 : 0), tries,
	       when);
}

/* An outcome decided before the message reached the mailer, with its log
 * line (to: the recipients when known). */
static void
row_outcome(struct schedule *s, const struct outbox_row *r,
            const char *const *to, const char *state, int tries,
            int64_t next_try, const char *detail)
{
	char *who = row_who(r, to);
	int64_t delay_ms = clock_now_ms() - r->due * 1000;

	outcome_add(s, r->id, state, tries, next_try, 0, detail);
	outcome_log(r->id, who,
	            strcmp(state, "pending") == 0 ? "deferred" : state, detail,
	            delay_ms, tries,
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
		latency_add(s, lat);
		outcome_add(s, m->id, "sent", m->tries + 1, m->next_try, now,
		            NULL);
		outcome_log(m->id, m->who, "sent", detail, lat, m->tries + 1,
		            0);
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
			outcome_log(m->id, m->who, "requeued", detail, lat,
			            m->tries, 0);
			break;
		}
		s->stats.tempfail++;
		if (now - m->due >= s->cfg->retry_for) {
			snprintf(why, sizeof(why), "gave up after %d tries: %s",
			         m->tries + 1, detail);
			outcome_add(s, m->id, "failed", m->tries + 1, now, 0,
			            why);
			outcome_log(m->id, m->who, "failed", why, lat,
			            m->tries + 1, 0);
			break;
		}
		next = now + schedule_backoff(m->tries + 1, sched_random(s));
		if (next > m->due + s->cfg->retry_for)
			next = m->due + s->cfg->retry_for;
		outcome_add(s, m->id, "pending", m->tries + 1, next, 0, detail);
		outcome_log(m->id, m->who, "deferred", detail, lat,
		            m->tries + 1, next);
		break;
	case MAILER_PERMFAIL:
		s->stats.permfail++;
		outcome_add(s, m->id, "failed", m->tries + 1, now, 0, detail);
		outcome_log(m->id, m->who, "failed", detail, lat, m->tries + 1,
		            0);
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

static enum message_kind
message_kind_of(const char *kind)
{
	if (strcmp(kind, "cancel") == 0)
		return MESSAGE_CANCEL;
	if (strcmp(kind, "update") == 0)
		return MESSAGE_MOVED;
	return MESSAGE_REMINDER;
}

/*
 * Whether row r may go out now: a reminder must be of the session's
 * current version, the session not started, and (first try) not too
 * late. NULL if it may, else why not.
 */
static const char *
row_obsolete(struct schedule *s, const struct outbox_row *r,
             const struct event *ev, int64_t now)
{
	int64_t start;

	if (strcmp(r->kind, "reminder") != 0)
		return NULL;
	if (ev->sequence != r->seq)
		return "the session changed";
	if (ev->status == EVENT_CANCELLED || !schedule_event_dated(ev))
		return "the session is no longer dated";
	if (schedule_session_start(ev, s->cfg->timezone, &start) < 0 ||
	    now >= start)
		return "the session has started";
	if (r->tries == 0 && !schedule_late_ok(now, r->due, r->offset_s, start,
	                                       s->cfg->max_late))
		return "too late";
	return NULL;
}

/* The first of the session's topics that the organisation follows (the
 * session's first topic if none). NULL only for a session without
 * topics. */
static const struct event_topic *
row_topic(const struct event *ev, const struct osc *o)
{
	size_t i, j;

	for (i = 0; i < ev->ntopics; i++)
		for (j = 0; j < o->ntopics; j++)
			if (strcmp(ev->topics[i].slug, o->topics[j]) == 0)
				return &ev->topics[i];
	return ev->ntopics ? &ev->topics[0] : NULL;
}

/*
 * Leave out of to (NULL-terminated, compacted in place) the addresses
 * the address grammar refuses (stored before it was this strict, or from
 * the configuration): a relay would fail them for good with a reason that
 * names something else. Each one left out is logged; 0 if any address is
 * left, else -EINVAL with why for the last one.
 */
static int
rcpts_keep_good(long long id, const char **to, char *why, size_t whylen)
{
	size_t i, k = 0;

	for (i = 0; to[i] != NULL; i++) {
		if (addr_spec_check(to[i], why, whylen) == 0) {
			to[k++] = to[i];
			continue;
		}
		log_warn("outbox %lld: not sending to one address: %s", id,
		         why);
	}
	to[k] = NULL;
	return k > 0 ? 0 : -EINVAL;
}

/* Render row r and hand it to the mailer; any failure becomes an outcome
 * at once. */
static void
row_send(struct schedule *s, const struct outbox_row *r, int64_t now)
{
	const struct config *cfg = s->cfg;
	struct message_input in = {0};
	struct session_cache *c;
	const struct event_topic *topic;
	const struct osc *o;
	const char **to = NULL;
	struct sched_msg *m = NULL;
	char list_id[300], unsub[1400], mailto[400], cal[1400],
	    token[TOKEN_MAX];
	char err[512], *data = NULL;
	const char *why;
	struct event notice_ev, notice_old;
	int have_notice = 0;
	size_t len, i;
	int ret = 0;

	if (strcmp(r->kind, "staff") == 0) {
		/* Staff mail: its text is kept in the store. */
		ret = schedule_staff_render(s->st, cfg, r, &data, &len, &to,
		                            err, sizeof(err));
		if (ret == 0)
			goto submit;
		if (ret == -EIO || ret == -ENOMEM)
			goto tempfail;
		row_outcome(s, r, NULL, ret == -ENOENT ? "expired" : "failed",
		            r->tries + (ret != -ENOENT), r->next_try, err);
		return;
	}
	if ((c = cache_get(s, r->uid, &ret)) == NULL) {
		if (ret == -ENOENT) {
			row_outcome(s, r, NULL, "expired", r->tries,
			            r->next_try, "the session was deleted");
			return;
		}
		snprintf(err, sizeof(err), "store: %s", store_error(s->st));
		goto tempfail;
	}
	if ((why = row_obsolete(s, r, &c->ev, now)) != NULL) {
		row_outcome(s, r, NULL, "expired", r->tries, r->next_try, why);
		return;
	}
	if ((o = cache_osc(c, r->osc_id)) == NULL) {
		row_outcome(s, r, NULL, "expired", r->tries, r->next_try,
		            "the organisation no longer follows the "
		            "session's topics");
		return;
	}
	topic = row_topic(&c->ev, o);
	if ((to = calloc(o->nemails + 1, sizeof(*to))) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto tempfail;
	}
	for (i = 0; i < o->nemails; i++)
		to[i] = o->emails[i];
	if (rcpts_keep_good(r->id, to, err, sizeof(err)) < 0)
		goto refused;
	/* A retry renders the same bytes: the stamps come from the row. */
	c->ev.dtstamp = r->due;
	in.kind = message_kind_of(r->kind);
	in.ev = &c->ev;
	if (strcmp(r->kind, "reminder") != 0) {
		/* A notice renders the session as it was told, from the
		 * store (rows without one render the session as it is). */
		ret = schedule_notice_load(s->st, r->uid, r->seq, &in.kind,
		                           &notice_ev, &notice_old);
		if (ret < 0 && ret != -ENOENT) {
			snprintf(err, sizeof(err), "notice: %s",
			         store_error(s->st));
			goto tempfail;
		}
		if (ret == 0) {
			have_notice = 1;
			notice_ev.dtstamp = r->due;
			in.ev = &notice_ev;
			in.old = &notice_old;
		}
	}
	in.from = cfg->mail_from;
	in.to = to;
	in.osc_name = o->name;
	in.message_id = r->message_id;
	in.office_tzid = cfg->timezone;
	in.template_dir = cfg->template_dir;
	in.office_name = cfg->office_name;
	in.office_signature = cfg->office_signature;
	in.privacy_url = cfg->office_privacy_url;
	in.date = r->due;
	in.late = r->late;
	if (topic) {
		in.topic_slug = topic->slug;
		in.topic_name = topic->name;
		snprintf(list_id, sizeof(list_id), "%s.%s", topic->slug,
		         cfg->domain);
		in.list_id = list_id;
		snprintf(cal, sizeof(cal), "%s/calendarios/%s.ics",
		         s->public_url, topic->slug);
		in.calendar_url = cal;
		if (token_unsubscribe_make(o->id, topic->slug, token,
		                           sizeof(token)) == 0) {
			snprintf(unsub, sizeof(unsub), "%s/baja/%s",
			         s->public_url, token);
			in.unsubscribe_url = unsub;
		}
	}
	if (s->from_addr[0]) {
		snprintf(mailto, sizeof(mailto), "mailto:%s?subject=baja",
		         s->from_addr);
		in.unsubscribe_mailto = mailto;
	}
	ret = message_render(&in, &data, &len, err, sizeof(err));
	if (have_notice) {
		event_fini(&notice_ev);
		event_fini(&notice_old);
	}
	if (ret < 0) {
		/* The same row renders the same way next time: give up. */
		row_outcome(s, r, to, "failed", r->tries + 1, r->next_try, err);
		free(to);
		return;
	}
submit:
	if (rcpts_keep_good(r->id, to, err, sizeof(err)) < 0) {
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
	m->who = row_who(r, to);
	ret = mailer_submit(s->mailer, data, len, to, on_mailer_done, m);
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

/*
 * Arm the timer for the earliest pending alarm, retry, notice or staff
 * mail (schedule_notice_next). The outbox counts only while a slot is
 * free (otherwise outcomes pump). now is the pump's "now" and moved says
 * whether it did anything: if something was due then yet nothing moved,
 * wait IDLE_RETRY_MS rather than spin.
 */
static void
schedule_rearm(struct schedule *s, int64_t now, int more, int moved)
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
	if (store_schedule_next(s->st, &alarm_due, &outbox_next) < 0) {
		log_err("schedule: %s", store_error(s->st));
		uv_timer_start(&s->timer, on_pump_timer, IDLE_RETRY_MS, 0);
		return;
	}
	if (schedule_notice_next(s->st, s->cfg, now, &notice_due) < 0) {
		log_err("schedule: notices: %s", store_error(s->st));
		notice_due = now + IDLE_RETRY_MS / 1000;
	}
	if (s->in_flight >= s->max_in_flight)
		outbox_next = 0;
	if (alarm_due && (!outbox_next || alarm_due < outbox_next))
		next = alarm_due;
	else
		next = outbox_next;
	if (notice_due && (!next || notice_due < next))
		next = notice_due;
	if (!next && s->replan != REPLAN_NONE) {
		uv_timer_start(&s->timer, on_pump_timer, REPLAN_RETRY_MS, 0);
		return;
	}
	if (!next) {
		uv_timer_stop(&s->timer);
		if (s->in_flight == 0)
			latency_report(s);
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
	if (s->replan != REPLAN_NONE && delay > REPLAN_RETRY_MS)
		delay = REPLAN_RETRY_MS;
	uv_timer_start(&s->timer, on_pump_timer, (uint64_t)delay, 0);
}

/* One step: outcomes, expansion and claims in one transaction; then the
 * claimed rows go to the mailer. */
static void
schedule_pump(struct schedule *s)
{
	struct outbox_row *rows = NULL;
	size_t nrows = 0, expanded = 0, i, room;
	int64_t now = clock_now();
	int ret, more = 0;

	if (s->in_pump)
		return;
	schedule_replan(s, NULL, 1);
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
	 * has the machine to itself. */
	if (ret >= 0 && !s->stopping && room > 0 && !more)
		ret = store_outbox_claim(s->st, now, (int)room, s->cfg->domain,
		                         &rows, &nrows);
	if (ret < 0) {
		store_rollback(s->st);
		goto fail;
	}
	if ((ret = store_commit(s->st)) < 0) {
		outbox_row_array_free(rows, nrows);
		goto fail;
	}
	outcomes_clear(s);
	s->stats.claimed += nrows;
	for (i = 0; i < nrows; i++)
		row_send(s, &rows[i], now);
	outbox_row_array_free(rows, nrows);
	s->in_pump = 0;
	/* Rows that failed before the mailer wait for the next pump. */
	if (s->noutcomes > 0 && !uv_is_active((uv_handle_t *)&s->flush))
		uv_timer_start(&s->flush, on_pump_timer, FLUSH_MS, 0);
	schedule_rearm(s, now, more, nrows > 0 || expanded > 0);
	return;
fail:
	/* Nothing was written or claimed: the outcomes wait, try again. */
	log_err("schedule: %s", store_error(s->st));
	s->in_pump = 0;
	if (!s->stopping)
		uv_timer_start(&s->timer, on_pump_timer, IDLE_RETRY_MS, 0);
}

void
schedule_changed(struct schedule *s, const char *uid)
{
	if (!s || s->stopping)
		return;
	cache_drop(s, uid);
	schedule_replan(s, uid, 0);
	schedule_pump(s);
}

void
schedule_poke(struct schedule *s)
{
	if (!s || s->stopping)
		return;
	cache_drop(s, NULL);
	schedule_pump(s);
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
	addr_of(cfg->mail_from, s->from_addr, sizeof(s->from_addr));
	snprintf(s->public_url, sizeof(s->public_url), "%s", cfg->public_url);
	n = strlen(s->public_url);
	while (n > 0 && s->public_url[n - 1] == '/')
		s->public_url[--n] = '\0';

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
	s->timer.data = s->safety.data = s->flush.data = s->drain.data = s;
	s->open_handles = 4;
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

/* ---- stopping ---- */

static void
on_handle_closed(uv_handle_t *h)
{
	struct schedule *s = h->data;
	void (*done)(void *);
	void *arg;

	if (--s->open_handles > 0)
		return;
	latency_report(s);
	done = s->stop_done;
	arg = s->stop_arg;
	cache_drop(s, NULL);
	free(s->outcomes);
	free(s->lat);
	free(s->replan_uid);
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
	if (s->in_flight > 0) {
		log_info("outbox: waiting up to %ums for %zu messages in "
		         "flight",
		         drain_ms, s->in_flight);
		uv_timer_start(&s->drain, on_drain_over, drain_ms, 0);
	}
	schedule_finish_check(s);
}
