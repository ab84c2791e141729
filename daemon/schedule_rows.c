/* schedule_rows: the running scheduler's leaf: the session cache, what an
 * outbox row says (who, which kind, whether it is obsolete, which topic,
 * which addresses still hold), the log line of a message's outcome and
 * the latency figures. See schedule_internal.h; it calls nothing of
 * schedule.c. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "addr.h"
#include "bounce.h"
#include "clock.h"
#include "config.h"
#include "event.h"
#include "log.h"
#include "message.h"
#include "schedule.h"
#include "schedule_alarm.h"
#include "schedule_internal.h"
#include "schedule_notice.h"
#include "store.h"
#include "store_bounce.h"

static void
cache_entry_clear(struct session_cache *c)
{
	if (!c->used)
		return;
	event_fini(&c->ev);
	osc_array_free(c->oscs, c->noscs);
	memset(c, 0, sizeof(*c));
}

void
sched_cache_drop(struct schedule *s, const char *uid)
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
 * The session uid, from the cache or the store. NULL with *err (-ENOENT
 * when the session is gone).
 */
struct session_cache *
sched_cache_get(struct schedule *s, const char *uid, int *err)
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
	victim->used = 1;
	victim->last = ++s->cache_clock;
	return victim;
}

int
sched_row_is_session(const struct outbox_row *r)
{
	return strcmp(r->kind, "staff") != 0 && strcmp(r->kind, "signup") != 0;
}

/* Read into c those of its session's subscribers among ids (k of them),
 * as read for render chunk stamp. */
static void
cache_oscs_load(struct schedule *s, struct session_cache *c, const long *ids,
                size_t k, uint64_t stamp)
{
	osc_array_free(c->oscs, c->noscs);
	c->oscs = NULL;
	c->noscs = 0;
	c->oscs_err = store_osc_subscribers_among(s->st, c->ev.uid, ids, k,
	                                          &c->oscs, &c->noscs);
	c->oscs_why[0] = '\0';
	if (c->oscs_err < 0)
		snprintf(c->oscs_why, sizeof(c->oscs_why), "store: %s",
		         store_error(s->st));
	c->oscs_for = stamp;
}

void
sched_cache_rows(struct schedule *s, const struct outbox_row *rows, size_t n)
{
	const char *seen[RENDER_CHUNK];
	long ids[RENDER_CHUNK];
	size_t nseen = 0, i, j, k;
	struct session_cache *c;
	int err;

	s->render_stamp++;
	if (n > RENDER_CHUNK)
		n = RENDER_CHUNK;
	for (i = 0; i < n; i++) {
		if (!sched_row_is_session(&rows[i]))
			continue;
		for (j = 0; j < nseen; j++)
			if (strcmp(seen[j], rows[i].uid) == 0)
				break;
		if (j < nseen)
			continue;
		seen[nseen++] = rows[i].uid;
		for (k = 0, j = i; j < n; j++)
			if (sched_row_is_session(&rows[j]) &&
			    strcmp(rows[j].uid, rows[i].uid) == 0)
				ids[k++] = rows[j].osc_id;
		/* A session that cannot be read: row_send says why. */
		if ((c = sched_cache_get(s, rows[i].uid, &err)) != NULL)
			cache_oscs_load(s, c, ids, k, s->render_stamp);
	}
}

void
sched_cache_row(struct schedule *s, struct session_cache *c,
                const struct outbox_row *r)
{
	/* Stamp 0 is never a chunk's: the next row reads its own too. */
	cache_oscs_load(s, c, &r->osc_id, 1, 0);
}

const struct osc *
sched_cache_osc(const struct session_cache *c, long id)
{
	struct osc key = {.id = id};

	return bsearch(&key, c->oscs, c->noscs, sizeof(*c->oscs), osc_id_cmp);
}

static int
int64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

void
sched_latency_add(struct schedule *s, int64_t ms)
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
void
sched_latency_report(struct schedule *s)
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

/*
 * "to=<a@b.org>,<c@d.org> msgid=<…> event=2018-07 kind=reminder": who a
 * message of row r is for, as its log lines say it (malloc'ed, or NULL
 * when out of memory: the line then names the row only).
 */
char *
sched_row_who(const struct outbox_row *r, const char *const *to)
{
	char id[128], *out, *p;
	const char *mid = r->message_id ? r->message_id : "";
	size_t len, i;
	int n;

	/* Measured first, then written once: this runs for every message. */
	event_short_id(r->uid, id, sizeof(id));
	len = strlen("to= msgid=<> event= kind=") + strlen(mid) + strlen(id) +
	      strlen(r->kind) + 1;
	for (i = 0; to && to[i]; i++)
		len += strlen(to[i]) + 3; /* ",<" and ">" */
	if ((out = malloc(len)) == NULL)
		return NULL;
	p = out;
	memcpy(p, "to=", 3);
	p += 3;
	for (i = 0; to && to[i]; i++) {
		size_t l = strlen(to[i]);

		if (i)
			*p++ = ',';
		*p++ = '<';
		memcpy(p, to[i], l);
		p += l;
		*p++ = '>';
	}
	n = snprintf(p, len - (size_t)(p - out), " msgid=<%s> event=%s kind=%s",
	             mid, id, r->kind);
	if (n < 0 || (size_t)n >= len - (size_t)(p - out)) {
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
void
sched_outcome_log(int64_t id, const char *who, const char *status,
                  const char *detail, int64_t delay_ms, int tries, int64_t next)
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

/*
 * Whether row r may go out now: a reminder must be of the session's
 * current version, the session not started, and (first try) not too
 * late. NULL if it may, else why not.
 */
const char *
sched_row_obsolete(struct schedule *s, const struct outbox_row *r,
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

/*
 * Leave out of to (NULL-terminated, compacted in place) the addresses
 * the address grammar refuses (stored before it was this strict, or from
 * the configuration): a relay would fail them for good with a reason that
 * names something else. Each one left out is logged; 0 if any address is
 * left, else -EINVAL with why for the last one.
 */
int
sched_rcpts_keep_good(long long id, const char **to, char *why, size_t whylen)
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

static int
sched_off_cmp(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

void
sched_off_clear(struct schedule *s)
{
	size_t i;

	for (i = 0; i < s->noff; i++)
		free(s->off[i]);
	free(s->off);
	s->off = NULL;
	s->noff = 0;
	s->off_loaded = 0;
}

/* The cache of disabled addresses, read again if the store says they
 * may have changed. 0 or a store error. */
static int
sched_off_load(struct schedule *s)
{
	unsigned long gen = store_address_gen(s->st);
	int ret;

	if (s->off_loaded && s->off_gen == gen)
		return 0;
	sched_off_clear(s);
	if ((ret = store_address_disabled_all(s->st, &s->off, &s->noff)) < 0)
		return ret;
	if (s->noff > 1)
		qsort(s->off, s->noff, sizeof(*s->off), sched_off_cmp);
	s->off_gen = gen;
	s->off_loaded = 1;
	return 0;
}

/*
 * Leave out of to (NULL-terminated, compacted in place) the addresses
 * that take no more mail (bounces, store_bounce.h), logging each. 0 if
 * any address is left; -ENOENT with why if none is; another negative
 * code (a store error, with why) if the store could not tell.
 */
int
sched_rcpts_keep_enabled(struct schedule *s, long long id, const char **to,
                         char *why, size_t whylen)
{
	size_t i, k = 0, off = 0;
	int ret;

	if ((ret = sched_off_load(s)) < 0) {
		snprintf(why, whylen, "store: %s", store_error(s->st));
		return ret;
	}
	for (i = 0; to[i] != NULL; i++) {
		if (s->noff == 0 ||
		    bsearch(&to[i], s->off, s->noff, sizeof(*s->off),
		            sched_off_cmp) == NULL) {
			to[k++] = to[i];
			continue;
		}
		off++;
		log_info("outbox %lld: not sending to <%s>: the address is "
		         "disabled (bounces; cronoctl osc enable %s)",
		         id, to[i], to[i]);
	}
	to[k] = NULL;
	if (k > 0)
		return 0;
	snprintf(why, whylen,
	         "no address of the organisation takes mail: %zu disabled "
	         "after bounces (cronoctl osc list --rebotando)",
	         off);
	return -ENOENT;
}

/*
 * The envelope sender of row r into buf: with [mail] bounce_address
 * LOCAL@DOMAIN, LOCAL+TOKEN@DOMAIN, TOKEN naming the row and its
 * Message-ID (bounce_token_make); NULL without it (the configured
 * sender) or when the row's Message-ID has no such form.
 */
const char *
sched_envelope_from(const struct config *cfg, const struct outbox_row *r,
                    char *buf, size_t len)
{
	const char *at = strchr(cfg->bounce_address, '@');
	char token[BOUNCE_TOKEN_MAX + 1];
	int w;

	if (at == NULL || r->message_id == NULL ||
	    bounce_token_make(r->id, r->message_id, token, sizeof(token)) < 0)
		return NULL;
	w = snprintf(buf, len, "%.*s+%s%s", (int)(at - cfg->bounce_address),
	             cfg->bounce_address, token, at);
	return w > 0 && (size_t)w < len ? buf : NULL;
}
