/* schedule_alarm: the rules of when reminders go out (offsets, due
 * instants, the late rule, the backoff), computing the alarms of sessions
 * and expanding due alarms into the outbox. See schedule.h; the running
 * scheduler (timer, sending, stopping) is schedule.c. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "event.h"
#include "log.h"
#include "schedule_alarm.h"
#include "store.h"

#define ALARMS_PER_STEP 256 /* alarms read per expansion step */
/* And the time a step may take at most. Each step ends in a commit that
 * syncs the WAL: at 3 ms a million reminders took 2.8-4.8 s, most of it
 * waiting for the disk, at 6 ms 2.2-2.6 s, the control API's slowest
 * answers during it going from ~15 to ~25 ms (tests/bench/mail-notes.md). */
#define EXPAND_BUDGET_MS 6

/* ---- the rules ---- */

static int
cmp_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Sort v descending and drop duplicates and negative offsets. */
static size_t
offsets_normalise(int64_t *v, size_t n)
{
	size_t i, k = 0;

	qsort(v, n, sizeof(*v), cmp_desc);
	for (i = 0; i < n; i++) {
		if (v[i] < 0 || (k > 0 && v[k - 1] == v[i]))
			continue;
		v[k++] = v[i];
	}
	return k;
}

/*
 * A topic's offsets as text: durations ("3d 1h", "3d,1h") or plain
 * seconds ("604800,86400"), mixed or not. -EINVAL if a word is neither.
 */
static int
offsets_parse(const char *text, int64_t *out, size_t max, size_t *n)
{
	char buf[512], *tok, *save = NULL;

	*n = 0;
	if (snprintf(buf, sizeof(buf), "%s", text) >= (int)sizeof(buf))
		return -EINVAL;
	for (tok = strtok_r(buf, ", \t", &save); tok;
	     tok = strtok_r(NULL, ", \t", &save)) {
		int64_t v;

		if (*n == max)
			return -EINVAL;
		if (strspn(tok, "0123456789") == strlen(tok))
			v = strtoll(tok, NULL, 10);
		else if (config_duration_parse(tok, &v) < 0)
			return -EINVAL;
		out[(*n)++] = v;
	}
	*n = offsets_normalise(out, *n);
	return 0;
}

int
schedule_offsets(struct store *st, const struct config *cfg,
                 const struct event *ev, int64_t *out, size_t max, size_t *n)
{
	size_t i, k;
	int ret;

	*n = 0;
	if (ev->nremind > 0) {
		k = ev->nremind < max ? ev->nremind : max;
		memcpy(out, ev->remind, k * sizeof(*out));
		*n = offsets_normalise(out, k);
		return 0;
	}
	for (i = 0; st && i < ev->ntopics; i++) {
		char *text = NULL;

		ret = store_topic_remind_get(st, ev->topics[i].slug, &text);
		if (ret == -ENOENT)
			continue;
		if (ret < 0)
			return ret;
		if (text && *text) {
			ret = offsets_parse(text, out, max, n);
			if (ret < 0)
				log_warn("topic %s: reminders '%s' do not "
				         "read as offsets; using the defaults",
				         ev->topics[i].slug, text);
			free(text);
			if (ret == 0 && *n > 0)
				return 0;
			continue;
		}
		free(text);
	}
	k = cfg->nremind_default < max ? cfg->nremind_default : max;
	memcpy(out, cfg->remind_default, k * sizeof(*out));
	*n = offsets_normalise(out, k);
	return 0;
}

int
schedule_event_dated(const struct event *ev)
{
	return ev->kind == FECHA_DATE || ev->kind == FECHA_RANGE;
}

int
schedule_session_start(const struct event *ev, const char *office_tzid,
                       int64_t *start)
{
	int64_t end;

	if (ev->start_min >= 0)
		return event_span_utc(ev, start, &end);
	return event_local_to_utc(office_tzid, ev->start, 0, start);
}

int
schedule_due_compute(const struct event *ev, const int64_t *offsets, size_t n,
                     const char *office_tzid, int allday_min,
                     struct alarm_due *out, size_t *nout)
{
	int64_t start, due;
	size_t i, j, k = 0;

	*nout = 0;
	if (!schedule_event_dated(ev) || ev->status == EVENT_CANCELLED)
		return 0;
	if (!office_tzid)
		office_tzid = EVENT_DEFAULT_TZID;
	if (schedule_session_start(ev, office_tzid, &start) < 0)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		due = start - offsets[i];
		if (ev->start_min < 0) {
			struct fecha_date d;
			int min;

			if (event_utc_to_local(office_tzid, due, &d, &min) <
			        0 ||
			    event_local_to_utc(office_tzid, d, allday_min,
			                       &due) < 0)
				return -EINVAL;
		}
		for (j = 0; j < k && out[j].due != due; j++)
			;
		if (j < k) {
			/* Same instant: one email, for the larger offset. */
			if (offsets[i] > out[j].offset_s)
				out[j].offset_s = offsets[i];
			continue;
		}
		out[k].offset_s = offsets[i];
		out[k].due = due;
		out[k].expired = 0;
		k++;
	}
	*nout = k;
	return 0;
}

int
schedule_late_ok(int64_t now, int64_t due, int64_t offset_s, int64_t start,
                 int64_t max_late)
{
	int64_t late = now - due;

	if (now >= start)
		return 0;
	if (late <= SCHEDULE_GRACE_S)
		return 1;
	if (max_late < 0)
		max_late = offset_s / 2;
	return late < max_late;
}

int64_t
schedule_backoff(int tries, double rnd)
{
	int64_t base = SCHEDULE_BACKOFF_MIN_S;
	int i;

	for (i = 1; i < tries && base < SCHEDULE_BACKOFF_MAX_S; i++)
		base *= 2;
	if (rnd < 0 || rnd >= 1)
		rnd = 0;
	base += (int64_t)((double)base * rnd / 4);
	return base < SCHEDULE_BACKOFF_MAX_S ? base : SCHEDULE_BACKOFF_MAX_S;
}

int
schedule_alarms_plan(struct store *st, const struct config *cfg,
                     const struct event *ev, int64_t now)
{
	int64_t offsets[SCHEDULE_OFFSETS_MAX], start;
	struct alarm_due due[SCHEDULE_OFFSETS_MAX];
	char why[96];
	size_t n = 0, ndue = 0, i;
	int ret;

	if (ev->status == EVENT_CANCELLED)
		return store_alarms_set(st, ev->uid, INT_MAX, NULL, 0,
		                        "the session was cancelled");
	snprintf(why, sizeof(why), "superseded by version %d of the session",
	         ev->sequence);
	if (!schedule_event_dated(ev))
		return store_alarms_set(st, ev->uid, ev->sequence, NULL, 0,
		                        why);
	if ((ret = schedule_offsets(st, cfg, ev, offsets, SCHEDULE_OFFSETS_MAX,
	                            &n)) < 0)
		return ret;
	if (schedule_due_compute(ev, offsets, n, cfg->timezone, cfg->allday_min,
	                         due, &ndue) < 0 ||
	    schedule_session_start(ev, cfg->timezone, &start) < 0) {
		log_warn("session %s: cannot compute its reminders", ev->uid);
		ndue = 0;
	}
	for (i = 0; i < ndue; i++)
		due[i].expired =
		    due[i].due <= now &&
		    !schedule_late_ok(now, due[i].due, due[i].offset_s, start,
		                      cfg->max_late);
	return store_alarms_set(st, ev->uid, ev->sequence, due, ndue, why);
}

int
schedule_alarms_refresh(struct store *st, const struct config *cfg,
                        const char *uid, int64_t now)
{
	struct store_event_filter all = {.with_cancelled = 1};
	struct event *evs = NULL, ev;
	size_t n = 0, i;
	int ret;

	if (uid) {
		ret = store_event_get(st, uid, &ev);
		if (ret == -ENOENT)
			return store_alarms_set(st, uid, INT_MAX, NULL, 0,
			                        "the session was deleted");
		if (ret < 0)
			return ret;
		ret = schedule_alarms_plan(st, cfg, &ev, now);
		event_fini(&ev);
		return ret;
	}
	if ((ret = store_event_list(st, &all, &evs, &n)) < 0)
		return ret;
	for (i = 0, ret = 0; i < n && ret >= 0; i++)
		ret = schedule_alarms_plan(st, cfg, &evs[i], now);
	event_array_free(evs, n);
	return ret;
}

/* Expand one due alarm: its rows (one per subscribed organisation, in
 * one statement), then its new state. *rows gets the rows added. */
static int
alarm_expand(struct store *st, const struct config *cfg, const struct alarm *a,
             int64_t now, size_t *rows)
{
	struct event ev;
	const char *state = "expanded";
	char off[32], late[32];
	int64_t start = 0;
	int ret, expire = 0;

	*rows = 0;
	ret = store_event_get(st, a->uid, &ev);
	if (ret == -ENOENT)
		return store_alarm_state_set(st, a->uid, a->seq, a->offset_s,
		                             "expired");
	if (ret < 0)
		return ret;
	if (ev.sequence != a->seq || ev.status == EVENT_CANCELLED ||
	    !schedule_event_dated(&ev) ||
	    schedule_session_start(&ev, cfg->timezone, &start) < 0)
		expire = 1;
	else if (!schedule_late_ok(now, a->due, a->offset_s, start,
	                           cfg->max_late)) {
		log_warn(
		    "reminder %s before session %s expired: due %s ago%s",
		    config_duration_format(a->offset_s, off, sizeof(off)),
		    a->uid,
		    config_duration_format(now - a->due, late, sizeof(late)),
		    now >= start ? ", the session has started" : "");
		expire = 1;
	}
	event_fini(&ev);
	if (expire)
		return store_alarm_state_set(st, a->uid, a->seq, a->offset_s,
		                             "expired");
	ret = store_outbox_expand(st, a->uid, a->seq, "reminder", a->offset_s,
	                          a->due, a->due, rows);
	if (ret >= 0 && now - a->due > SCHEDULE_GRACE_S) {
		state = "late";
		log_info("reminder of session %s expanded %llds late", a->uid,
		         (long long)(now - a->due));
	}
	if (ret >= 0)
		ret = store_alarm_state_set(st, a->uid, a->seq, a->offset_s,
		                            state);
	return ret;
}

/* Monotonic milliseconds, for the step's budget. */
static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
schedule_expand(struct store *st, const struct config *cfg, int64_t now,
                size_t max_rows, size_t *rows, int *more)
{
	struct alarm *a = NULL;
	size_t n = 0, i, total = 0, k;
	int64_t until = mono_ms() + EXPAND_BUDGET_MS;
	int ret;

	*more = 0;
	if (rows)
		*rows = 0;
	ret = store_alarm_due_list(st, now, ALARMS_PER_STEP, &a, &n);
	for (i = 0; ret >= 0 && i < n; i++) {
		/* A step ends after max_rows rows or EXPAND_BUDGET_MS,
		 * whichever comes first, so that the loop answers in
		 * between; the rest waits for the next step. */
		if (i > 0 && (total >= max_rows || mono_ms() >= until)) {
			*more = 1;
			break;
		}
		ret = alarm_expand(st, cfg, &a[i], now, &k);
		total += k;
	}
	if (ret >= 0 && n == ALARMS_PER_STEP)
		*more = 1;
	alarm_array_free(a, n);
	if (rows)
		*rows = total;
	return ret;
}
