/* schedule_notice: telling subscribers that a session got a date, moved,
 * changed place or was cancelled, and running staff mail (nudges about
 * undecided sessions, the weekly digest: schedule_staff.c). See
 * schedule.h, "notices and staff mail"; the running scheduler
 * (schedule.c) calls schedule_notice_run in each step and waits for
 * schedule_notice_next. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "event.h"
#include "fecha.h"
#include "log.h"
#include "message.h"
#include "schedule_alarm.h"
#include "schedule_notice.h"
#include "schedule_staff.h"
#include "store_self.h"
#include "store.h"
#include "store_bounce.h"

#define NOTICES_PER_STEP 64 /* notices or nudges read per step */

/* ---- the decision ---- */

static const char *
tz_of(const struct event *ev)
{
	return ev->tzid ? ev->tzid : EVENT_DEFAULT_TZID;
}

static int
str_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* 1 if two dated sessions take place at the same dates and times. */
static int
when_same(const struct event *a, const struct event *b)
{
	if (a->kind != b->kind || fecha_date_cmp(a->start, b->start) != 0 ||
	    a->start_min != b->start_min || strcmp(tz_of(a), tz_of(b)) != 0)
		return 0;
	if (a->kind == FECHA_RANGE && fecha_date_cmp(a->end, b->end) != 0)
		return 0;
	return a->start_min < 0 || a->end_min == b->end_min;
}

enum notice_kind
schedule_notice_decide(const struct event *told, const struct event *now)
{
	int was_cancelled = told->status == EVENT_CANCELLED;

	if (now->status == EVENT_CANCELLED)
		return was_cancelled ? NOTICE_NONE : NOTICE_CANCEL;
	if (!schedule_event_dated(now))
		return !was_cancelled && schedule_event_dated(told)
		           ? NOTICE_MOVED
		           : NOTICE_NONE;
	if (was_cancelled || !schedule_event_dated(told))
		return NOTICE_DATED;
	if (!when_same(told, now))
		return NOTICE_MOVED;
	if (!str_same(told->location, now->location))
		return NOTICE_PLACE;
	return NOTICE_NONE;
}

static const char *const kind_names[] = {
    [NOTICE_NONE] = NULL,       [NOTICE_DATED] = "dated",
    [NOTICE_MOVED] = "moved",   [NOTICE_PLACE] = "place",
    [NOTICE_CANCEL] = "cancel",
};

const char *
schedule_notice_kind_name(enum notice_kind k)
{
	if ((size_t)k >= sizeof(kind_names) / sizeof(kind_names[0]))
		return NULL;
	return kind_names[k];
}

int
schedule_notice_kind_parse(const char *name)
{
	size_t i;

	for (i = 1; name && i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(kind_names[i], name) == 0)
			return (int)i;
	return -1;
}

/* ---- noting edits ---- */

int
schedule_notice_note(struct store *st, const struct config *cfg,
                     const struct event *old, const struct event *ev, int flags,
                     int64_t now)
{
	char *baseline = NULL, err[256];
	int64_t due;
	int ret, waiting;

	if (flags & SCHEDULE_NOTICE_SILENT)
		return store_notice_clear(st, ev->uid);
	ret = store_notice_get(st, ev->uid, &baseline, &due);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	waiting = ret == 0;
	free(baseline);
	baseline = NULL;
	if (!waiting && schedule_notice_decide(old, ev) == NOTICE_NONE)
		return 0;
	due = flags & SCHEDULE_NOTICE_NOW ? now : now + cfg->notices_quiet;
	/* A waiting notice keeps its baseline: the text is only used for
	 * the first edit. */
	if (event_to_ical(old, &baseline, err, sizeof(err)) < 0) {
		log_err("notice of %s: %s", ev->uid, err);
		return -EINVAL;
	}
	ret = store_notice_touch(st, ev->uid, baseline, due, now);
	free(baseline);
	return ret;
}

/* ---- who is told ---- */

static int
long_cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

/*
 * The organisations a notice of kind about session uid goes to: its
 * subscribers; for a cancellation only those of them told of it before.
 * Free with osc_array_free.
 */
static int
notice_recipients(struct store *st, const char *uid, enum notice_kind kind,
                  struct osc **out, size_t *n)
{
	struct osc *oscs = NULL;
	long *told = NULL;
	size_t k = 0, ntold = 0, i, active;
	int ret;

	*out = NULL;
	*n = 0;
	if ((ret = store_osc_subscribers(st, uid, &oscs, &k)) < 0)
		return ret;
	if (kind == NOTICE_CANCEL) {
		size_t keep = 0;

		if ((ret = store_notice_told(st, uid, &told, &ntold)) < 0) {
			osc_array_free(oscs, k);
			return ret;
		}
		for (i = 0; i < k; i++) {
			if (ntold > 0 && bsearch(&oscs[i].id, told, ntold,
			                         sizeof(*told), long_cmp)) {
				if (keep != i)
					oscs[keep] = oscs[i];
				keep++;
			} else {
				osc_fini(&oscs[i]);
			}
		}
		free(told);
		k = keep;
	}
	/* An organisation that paused its mail (008-self-service) is told
	 * nothing until it resumes. */
	for (i = 0, active = 0; i < k; i++) {
		if (oscs[i].paused_at == 0) {
			if (active != i)
				oscs[active] = oscs[i];
			active++;
		} else {
			osc_fini(&oscs[i]);
		}
	}
	k = active;
	if (k == 0) {
		free(oscs);
		oscs = NULL;
	}
	*out = oscs;
	*n = k;
	return 0;
}

void
notice_plan_array_free(struct notice_plan *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i].osc);
	free(v);
}

int
schedule_notice_plan(struct store *st, const struct config *cfg,
                     const struct event *old, const struct event *ev, int flags,
                     int64_t now, struct notice_plan **out, size_t *n)
{
	struct event told;
	struct osc *oscs = NULL;
	enum notice_kind kind;
	char *baseline = NULL, err[256];
	int64_t due;
	size_t k = 0, i;
	int ret;

	*out = NULL;
	*n = 0;
	if (flags & SCHEDULE_NOTICE_SILENT)
		return 0;
	ret = store_notice_get(st, ev->uid, &baseline, &due);
	if (ret == 0 &&
	    event_from_ical(baseline, &told, err, sizeof(err)) == 0) {
		kind = schedule_notice_decide(&told, ev);
		event_fini(&told);
	} else if (ret == 0 || ret == -ENOENT) {
		kind = schedule_notice_decide(old, ev);
	} else {
		return ret;
	}
	free(baseline);
	if (kind == NOTICE_NONE)
		return 0;
	due = flags & SCHEDULE_NOTICE_NOW ? now : now + cfg->notices_quiet;
	if ((ret = notice_recipients(st, ev->uid, kind, &oscs, &k)) < 0)
		return ret;
	if (k > 0 && (*out = calloc(k, sizeof(**out))) == NULL) {
		osc_array_free(oscs, k);
		return -ENOMEM;
	}
	for (i = 0; i < k; i++) {
		(*out)[i].osc_id = oscs[i].id;
		(*out)[i].osc = oscs[i].name;
		oscs[i].name = NULL;
		(*out)[i].what = kind;
		(*out)[i].due = due;
	}
	*n = k;
	osc_array_free(oscs, k);
	return 0;
}

int
schedule_reminders_plan(struct store *st, const struct config *cfg,
                        const struct event *ev, int64_t now,
                        struct alarm_due *out, size_t *n)
{
	int64_t offsets[SCHEDULE_OFFSETS_MAX], start;
	struct alarm_due due[SCHEDULE_OFFSETS_MAX];
	size_t noff = 0, ndue = 0, i;
	int ret;

	*n = 0;
	if (!schedule_event_dated(ev) || ev->status == EVENT_CANCELLED)
		return 0;
	if ((ret = schedule_offsets(st, cfg, ev, offsets, SCHEDULE_OFFSETS_MAX,
	                            &noff)) < 0)
		return ret;
	if ((ret = schedule_due_compute(ev, offsets, noff, cfg->timezone,
	                                cfg->allday_min, due, &ndue)) < 0 ||
	    (ret = schedule_session_start(ev, cfg->timezone, &start)) < 0)
		return ret;
	for (i = 0; i < ndue; i++)
		if (due[i].due > now ||
		    schedule_late_ok(now, due[i].due, due[i].offset_s, start,
		                     cfg->max_late))
			out[(*n)++] = due[i];
	return 0;
}

/* ---- sending notices ---- */

/* One waiting notice, due: decide, add its rows, forget it. */
static int
notice_emit(struct store *st, const struct config *cfg,
            const struct notice_pending *p, int64_t now, size_t *rows)
{
	struct event ev, told;
	struct osc *oscs = NULL;
	enum notice_kind kind;
	char err[256], *after = NULL;
	size_t n = 0, i;
	int ret, added;

	ret = store_event_get(st, p->uid, &ev);
	if (ret == -ENOENT)
		return store_notice_clear(st, p->uid);
	if (ret < 0)
		return ret;
	if (event_from_ical(p->baseline, &told, err, sizeof(err)) < 0) {
		log_err("notice of %s: its baseline does not parse: %s", p->uid,
		        err);
		event_fini(&ev);
		return store_notice_clear(st, p->uid);
	}
	kind = schedule_notice_decide(&told, &ev);
	event_fini(&told);
	if (kind != NOTICE_NONE)
		ret = notice_recipients(st, ev.uid, kind, &oscs, &n);
	if (ret >= 0 && n > 0 &&
	    event_to_ical(&ev, &after, err, sizeof(err)) < 0) {
		log_err("notice of %s: %s", p->uid, err);
		n = 0;
	}
	if (ret >= 0 && n > 0)
		ret = store_notice_sent_add(st, ev.uid, ev.sequence,
		                            schedule_notice_kind_name(kind),
		                            p->baseline, after, now);
	if (ret >= 0 && n > 0)
		ret = store_notice_supersede(st, ev.uid, ev.sequence,
		                             "superseded by a later notice");
	for (i = 0; ret >= 0 && i < n; i++) {
		ret = store_outbox_add(
		    st, ev.uid, ev.sequence,
		    kind == NOTICE_CANCEL ? "cancel" : "update", 0, oscs[i].id,
		    now, now, cfg->domain, &added);
		*rows += (size_t)added;
	}
	if (ret >= 0 && kind != NOTICE_NONE)
		log_info("session %s version %d: %s notice to %zu "
		         "organisations",
		         ev.uid, ev.sequence, schedule_notice_kind_name(kind),
		         n);
	if (ret >= 0)
		ret = store_notice_clear(st, p->uid);
	free(after);
	osc_array_free(oscs, n);
	event_fini(&ev);
	return ret;
}

int
schedule_notice_load(struct store *st, const char *uid, int seq,
                     enum message_kind *kind, struct event *ev,
                     struct event *old)
{
	char *k = NULL, *before = NULL, *after = NULL, err[256];
	int ret;

	if ((ret = store_notice_sent_get(st, uid, seq, &k, &before, &after)) <
	    0)
		return ret;
	switch (schedule_notice_kind_parse(k)) {
	case NOTICE_DATED:
		*kind = MESSAGE_DATED;
		break;
	case NOTICE_PLACE:
		*kind = MESSAGE_PLACE;
		break;
	case NOTICE_CANCEL:
		*kind = MESSAGE_CANCEL;
		break;
	default:
		*kind = MESSAGE_MOVED;
		break;
	}
	ret = event_from_ical(after, ev, err, sizeof(err));
	if (ret == 0 &&
	    (ret = event_from_ical(before, old, err, sizeof(err))) < 0)
		event_fini(ev);
	if (ret < 0) {
		log_err("notice of %s version %d: %s", uid, seq, err);
		ret = -EINVAL;
	}
	free(k);
	free(before);
	free(after);
	return ret;
}

/* ---- the scheduler's side ---- */

int
schedule_notice_run(struct store *st, const struct config *cfg, int64_t now,
                    size_t *rows, int *more)
{
	struct notice_pending *p = NULL;
	struct staff_nudge *z = NULL;
	size_t n = 0, i;
	int ret;

	*rows = 0;
	*more = 0;
	ret = store_notice_due_list(st, now, NOTICES_PER_STEP, &p, &n);
	for (i = 0; ret >= 0 && i < n; i++)
		ret = notice_emit(st, cfg, &p[i], now, rows);
	if (n == NOTICES_PER_STEP)
		*more = 1;
	notice_pending_array_free(p, n);
	if (ret < 0)
		return ret;
	n = 0;
	ret = store_staff_nudge_due_list(st, now, NOTICES_PER_STEP, &z, &n);
	for (i = 0; ret >= 0 && i < n; i++)
		ret = schedule_staff_nudge_emit(st, cfg, &z[i], now, rows);
	if (n == NOTICES_PER_STEP)
		*more = 1;
	staff_nudge_array_free(z, n);
	if (ret < 0)
		return ret;
	return schedule_staff_digest_run(st, cfg, now, rows);
}

static void
earliest(int64_t *next, int64_t t)
{
	if (t && (!*next || t < *next))
		*next = t;
}

int
schedule_notice_next(struct store *st, const struct config *cfg, int64_t now,
                     int64_t *next)
{
	struct fecha_date monday;
	int64_t notice_due, nudge_due, at;
	int ret;

	*next = 0;
	if ((ret = store_notice_next(st, &notice_due, &nudge_due)) < 0)
		return ret;
	earliest(next, notice_due);
	earliest(next, nudge_due);
	if (!schedule_staff_configured(cfg) ||
	    schedule_staff_digest_week(cfg, now, &monday, &at) < 0)
		return 0;
	if ((ret = schedule_staff_digest_made(st, monday)) < 0)
		return ret;
	if (ret == 1 || now - at > DIGEST_LATE_S) {
		monday = fecha_date_add(monday, 7);
		if (event_local_to_utc(schedule_staff_tz(cfg), monday,
		                       SCHEDULE_STAFF_MIN, &at) < 0)
			return 0;
	}
	earliest(next, at);
	return 0;
}

int
schedule_staff_render(struct store *st, const struct config *cfg,
                      const struct outbox_row *r, char **data, size_t *len,
                      const char ***to, char *err, size_t errlen)
{
	struct message_input in = {0};
	char *subject = NULL, *body = NULL;
	size_t n = 0;
	int ret;

	*data = NULL;
	*len = 0;
	*to = NULL;
	if ((ret = store_staff_mail_get(st, r->uid, &subject, &body)) < 0) {
		snprintf(err, errlen, "%s", store_error(st));
		return ret;
	}
	if ((ret = schedule_staff_addresses(cfg, to, &n)) < 0 || n == 0) {
		snprintf(err, errlen, "no [staff] emails to send to");
		ret = ret < 0 ? ret : -ENOENT;
		goto out;
	}
	in.kind = MESSAGE_STAFF;
	in.from = cfg->mail_from;
	in.to = *to;
	in.message_id = r->message_id;
	in.office_tzid = cfg->timezone;
	in.template_dir = cfg->template_dir;
	in.office_name = cfg->office_name;
	in.office_signature = cfg->office_signature;
	in.privacy_url = cfg->office_privacy_url;
	in.subject = subject;
	in.body_text = body;
	in.date = r->due;
	ret = message_render(&in, data, len, err, errlen);
out:
	if (ret < 0) {
		free(*to);
		*to = NULL;
	}
	free(subject);
	free(body);
	return ret;
}
