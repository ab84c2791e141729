/* session: see session.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "clock.h"
#include "config.h"
#include "event.h"
#include "fecha.h"
#include "schedule_alarm.h"
#include "schedule_notice.h"
#include "session.h"
#include "store.h"
#include "view.h"

/* The audit entry of a change to a session: before and after as the
 * control API shows a session (NULL: none). In the open transaction. */
static int
audit(const struct office *of, long actor, const char *action,
      const char *target, const struct event *before, const struct event *after)
{
	return office_audit(of, actor, action, target, before != NULL,
	                    before ? view_event_text(before) : NULL,
	                    after != NULL,
	                    after ? view_event_text(after) : NULL);
}

/* A new UID "YYYY-xHHHHHH@domain" for a session added by hand. */
static void
new_uid(const struct office *of, int year, char *buf, size_t buflen)
{
	unsigned char r[3];
	FILE *f = fopen("/dev/urandom", "r");

	if (!f || fread(r, 1, sizeof(r), f) != sizeof(r)) {
		int64_t t = clock_now_ms();

		r[0] = (unsigned char)t;
		r[1] = (unsigned char)(t >> 8);
		r[2] = (unsigned char)(t >> 16);
	}
	if (f)
		fclose(f);
	snprintf(buf, buflen, "%d-x%02x%02x%02x@%s", year, r[0], r[1], r[2],
	         of->cfg->domain);
}

int
session_add(const struct office *of, long actor, struct event *ev, char *why,
            size_t whylen)
{
	int year = ev->start.y ? ev->start.y : ev->win_start.y;
	char uid[256];
	int rc, own;

	for (;;) {
		struct event taken;

		new_uid(of, year, uid, sizeof(uid));
		if (store_event_get(of->st, uid, &taken) < 0)
			break;
		event_fini(&taken);
	}
	event_str_set(&ev->uid, uid);
	ev->created = ev->last_modified = ev->dtstamp = clock_now();
	if ((rc = office_begin(of, &own)) < 0)
		return office_store_error(of, rc, why, whylen);
	rc = store_event_put(of->st, ev);
	if (rc >= 0)
		rc = audit(of, actor, "event.add", ev->uid, NULL, ev);
	if ((rc = office_finish(of, own, rc)) < 0)
		return office_store_error(of, rc, why, whylen);
	change_session(of->changes, ev->uid, ev);
	return 0;
}

int
session_save(const struct office *of, long actor, const struct event *old,
             struct event *ev, const char *action, int notice_flags, char *why,
             size_t whylen)
{
	int rc, own;

	if (event_same(ev, old))
		return 0;
	ev->sequence = old->sequence + 1;
	ev->last_modified = ev->dtstamp = clock_now();
	/* The session, its notice to subscribers and the audit entry are
	 * written together. */
	if ((rc = office_begin(of, &own)) < 0)
		return office_store_error(of, rc, why, whylen);
	rc = store_event_put(of->st, ev);
	if (rc >= 0)
		rc = schedule_notice_note(of->st, of->cfg, old, ev,
		                          notice_flags, clock_now());
	if (rc >= 0)
		rc = audit(of, actor, action, ev->uid, old, ev);
	if ((rc = office_finish(of, own, rc)) < 0)
		return office_store_error(of, rc, why, whylen);
	change_session(of->changes, ev->uid, ev);
	return 1;
}

int
session_delete(const struct office *of, long actor, const struct event *ev,
               const char *name, int force, char *why, size_t whylen)
{
	int rc, own;

	/* Deleting a session organisations heard of would leave it in their
	 * calendars: they must be told it is cancelled. */
	if (!force) {
		long *told = NULL;
		size_t ntold = 0;

		rc = store_notice_told(of->st, ev->uid, &told, &ntold);
		free(told);
		if (rc < 0)
			return office_store_error(of, rc, why, whylen);
		if (ntold > 0)
			return office_fail(
			    -EEXIST, why, whylen,
			    "%zu organisation%s heard of %s: cancel it "
			    "(cronoctl cancel) so their calendars drop "
			    "it, or delete with force",
			    ntold, ntold == 1 ? "" : "s", name);
	}
	if ((rc = office_begin(of, &own)) < 0)
		return office_store_error(of, rc, why, whylen);
	rc = store_event_delete(of->st, ev->uid);
	if (rc >= 0)
		rc = audit(of, actor, "event.delete", ev->uid, ev, NULL);
	if ((rc = office_finish(of, own, rc)) < 0)
		return office_store_error(of, rc, why, whylen);
	change_session(of->changes, ev->uid, NULL);
	return 0;
}

int
session_topic_remind_set(const struct office *of, long actor, const char *slug,
                         const char *text, char *why, size_t whylen)
{
	char *before = NULL, after[512], target[300];
	int64_t offs[16];
	size_t n = 0, i, len = 0;
	int rc, own;

	after[0] = '\0';
	if (text && *text) {
		if (config_durations_parse(text, offs, 16, &n) < 0 || n == 0)
			return office_fail(
			    -EINVAL, why, whylen,
			    "'remind' must be offsets like 3d 1h, not "
			    "'%s'",
			    text);
		/* Stored in the canonical form: "3d 1h". */
		for (i = 0; i < n && len + 1 < sizeof(after); i++) {
			char one[32];

			config_duration_format(offs[i], one, sizeof(one));
			len +=
			    (size_t)snprintf(after + len, sizeof(after) - len,
			                     "%s%s", i ? " " : "", one);
		}
	}
	snprintf(target, sizeof(target), "topic:%s", slug);
	if ((rc = office_begin(of, &own)) < 0)
		return office_store_error(of, rc, why, whylen);
	store_topic_remind_get(of->st, slug, &before);
	rc = store_topic_remind_set(of->st, slug, after[0] ? after : NULL);
	if (rc >= 0)
		rc = store_audit_add(of->st, actor, "topic.remind", target,
		                     before, after[0] ? after : NULL);
	free(before);
	if ((rc = office_finish(of, own, rc)) < 0)
		return office_store_error(of, rc, why, whylen);
	change_all(of->changes);
	return 0;
}

/* ---- what staff set ---- */

/* "2018-02-08" or "2018-02-08T10:00" into a date and minutes (-1). */
static int
iso_local_parse(const char *s, struct fecha_date *d, int *min)
{
	char date[11];
	int h, m, n = 0;

	if (strlen(s) < 10)
		return -EINVAL;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (fecha_iso_parse(date, d) < 0)
		return -EINVAL;
	*min = -1;
	if (s[10] == '\0')
		return 0;
	if ((s[10] != 'T' && s[10] != ' ') ||
	    sscanf(s + 11, "%2d:%2d%n", &h, &m, &n) != 2 || h > 23 || m > 59)
		return -EINVAL;
	if (s[11 + n] == ':' && strlen(s + 11 + n) == 3)
		n += 3; /* seconds are accepted and dropped */
	if (s[11 + n] != '\0')
		return -EINVAL;
	*min = h * 60 + m;
	return 0;
}

/* The start and end of f (ISO) on ev. */
static int
span_apply(struct event *ev, const char *start, const char *end, char *why,
           size_t whylen)
{
	struct fecha_date sd, ed;
	int smin = -1, emin = -1;

	if (!start) {
		if (ev->kind != FECHA_DATE && ev->kind != FECHA_RANGE)
			return office_fail(
			    -EINVAL, why, whylen,
			    "'end' needs a 'start' for an undecided "
			    "session");
		sd = ev->start;
		smin = ev->start_min;
	} else if (iso_local_parse(start, &sd, &smin) < 0) {
		return office_fail(
		    -EINVAL, why, whylen,
		    "'start' must be YYYY-MM-DD or YYYY-MM-DDTHH:MM, "
		    "not '%s'",
		    start);
	}
	ed = sd;
	if (end && iso_local_parse(end, &ed, &emin) < 0)
		return office_fail(
		    -EINVAL, why, whylen,
		    "'end' must be YYYY-MM-DD or YYYY-MM-DDTHH:MM, not "
		    "'%s'",
		    end);
	if (fecha_date_cmp(ed, sd) < 0 ||
	    (fecha_date_cmp(ed, sd) == 0 && emin >= 0 && smin >= 0 &&
	     emin <= smin))
		return office_fail(-EINVAL, why, whylen,
		                   "the end is before the start");
	ev->kind = fecha_date_cmp(ed, sd) == 0 ? FECHA_DATE : FECHA_RANGE;
	ev->start = sd;
	ev->end = ed;
	ev->start_min = smin;
	ev->end_min = emin;
	memset(&ev->win_start, 0, sizeof(ev->win_start));
	memset(&ev->win_end, 0, sizeof(ev->win_end));
	ev->duration_days = 0;
	event_str_set(&ev->words, NULL);
	if (ev->status != EVENT_CANCELLED)
		ev->status = EVENT_CONFIRMED;
	return 0;
}

/* The office's year now (its zone's calendar), for date words that name
 * none. */
static int
office_year(const struct office *of)
{
	struct fecha_date d;
	int min;

	if (event_utc_to_local(of->cfg->timezone, clock_now(), &d, &min) < 0)
		return 1970 + (int)(clock_now() / 31556952);
	return d.y;
}

int
session_fields_apply(const struct office *of, struct event *ev,
                     const struct session_fields *f, char *why, size_t whylen)
{
	char err[300];
	size_t i, j;
	int rc;

	if (f->title) {
		if (!*f->title || strpbrk(f->title, "\r\n"))
			return office_fail(
			    -EINVAL, why, whylen,
			    "'title' must be one non-empty line");
		event_str_set(&ev->title, f->title);
	}
	if (f->tz) {
		if (!event_tzid_known(f->tz))
			return office_fail(-EINVAL, why, whylen,
			                   "unknown time zone '%s'", f->tz);
		event_str_set(&ev->tzid, f->tz);
	}
	if (f->location)
		event_str_set(&ev->location, *f->location ? f->location : NULL);
	if (f->description)
		event_str_set(&ev->description,
		              *f->description ? f->description : NULL);
	if (f->date && (f->start || f->end))
		return office_fail(-EINVAL, why, whylen,
		                   "give 'date' or 'start'/'end', not both");
	if (f->date) {
		struct fecha fe;
		int year = ev->start.y       ? ev->start.y
		           : ev->win_start.y ? ev->win_start.y
		                             : office_year(of);

		if (fecha_parse(f->date, year, 0, &fe, err, sizeof(err)) < 0)
			return office_fail(-EINVAL, why, whylen, "%s", err);
		event_fecha_set(ev, &fe);
		event_str_set(&ev->words, f->date);
		if (ev->status != EVENT_CANCELLED)
			ev->status =
			    fe.kind == FECHA_TBD || fe.kind == FECHA_APPROX
			        ? EVENT_TENTATIVE
			        : EVENT_CONFIRMED;
	} else if ((f->start || f->end) &&
	           (rc = span_apply(ev, f->start, f->end, why, whylen)) < 0) {
		return rc;
	}
	if (f->topics_set) {
		for (j = 0; j < ev->ntopics; j++) {
			free(ev->topics[j].slug);
			free(ev->topics[j].name);
		}
		free(ev->topics);
		ev->topics = NULL;
		ev->ntopics = 0;
		for (i = 0; i < f->ntopics; i++) {
			struct topic t;

			if (store_topic_get(of->st, f->topics[i], &t) < 0)
				return office_fail(-EINVAL, why, whylen,
				                   "unknown topic '%s'",
				                   f->topics[i]);
			if (!event_has_topic(ev, t.slug))
				event_topic_add(ev, t.slug, t.nombre);
			topic_fini(&t);
		}
	}
	if (f->remind_set) {
		int64_t v[16];
		size_t n = 0;

		if (f->remind_text) {
			if (*f->remind_text &&
			    config_durations_parse(f->remind_text, v, 16, &n) <
			        0)
				return office_fail(
				    -EINVAL, why, whylen,
				    "'remind' must be offsets like "
				    "3d,1h, not '%s'",
				    f->remind_text);
		} else {
			for (n = 0; n < f->nremind && n < 16; n++)
				v[n] = f->remind[n];
		}
		free(ev->remind);
		ev->remind = NULL;
		ev->nremind = 0;
		if (n) {
			if ((ev->remind = malloc(n * sizeof(*v))) == NULL)
				return office_fail(-ENOMEM, why, whylen,
				                   "out of memory");
			memcpy(ev->remind, v, n * sizeof(*v));
			ev->nremind = n;
		}
	}
	event_clean(ev);
	if (event_validate(ev, err, sizeof(err)) < 0)
		return office_fail(-EINVAL, why, whylen, "%s", err);
	return 0;
}

/* 1 if when starts as an ISO date ("2018-03-15", "2018-03-15T10:00"). */
static int
when_is_iso(const char *when)
{
	static const char form[] = "dddd-dd-dd";
	size_t i;

	for (i = 0; form[i]; i++)
		if (form[i] == 'd' ? !isdigit((unsigned char)when[i])
		                   : when[i] != form[i])
			return 0;
	return when[10] == '\0' || when[10] == 'T' || when[10] == ' ';
}

int
session_when_set(const struct office *of, const struct event *old,
                 struct event *ev, const char *name, const char *when,
                 char *why, size_t whylen)
{
	struct session_fields f = {0};
	struct fecha_date d;
	char date[11];
	int iso = when_is_iso(when), rc;

	if (old->status == EVENT_CANCELLED)
		return office_fail(
		    -EEXIST, why, whylen,
		    "session '%s' is cancelled: edit its date with "
		    "'cronoctl edit' if it takes place after all",
		    name);
	if (iso) {
		memcpy(date, when, 10);
		date[10] = '\0';
		if (fecha_iso_parse(date, &d) < 0)
			return office_fail(-EINVAL, why, whylen,
			                   "'%s' is not a valid date", when);
		f.start = when;
	} else {
		f.date = when;
	}
	if ((rc = session_fields_apply(of, ev, &f, why, whylen)) < 0)
		return rc;
	if (!schedule_event_dated(ev)) {
		char win[160];

		fecha_window_words(ev->win_start, ev->win_end, win,
		                   sizeof(win));
		return office_fail(
		    -EINVAL, why, whylen,
		    "'%s' is not a date: it reads as a window (%s)", when, win);
	}
	/* A day without a time keeps the session's hours. */
	if (!iso && ev->kind == FECHA_DATE && ev->start_min < 0 &&
	    schedule_event_dated(old) && old->start_min >= 0) {
		ev->start_min = old->start_min;
		ev->end_min = old->end_min;
	}
	event_str_set(&ev->words, when);
	if (ev->status != EVENT_CANCELLED)
		ev->status = EVENT_CONFIRMED;
	return 0;
}

int
session_cancel_set(const struct event *old, struct event *ev, const char *name,
                   const char *reason, char *why, size_t whylen)
{
	if (old->status == EVENT_CANCELLED)
		return office_fail(-EEXIST, why, whylen,
		                   "session '%s' is already cancelled", name);
	ev->status = EVENT_CANCELLED;
	if (reason && *reason)
		event_str_set(&ev->reason, reason);
	return 0;
}
