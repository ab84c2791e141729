/* event_parse: iCalendar text to sessions (see event.h). libical parses
 * (it unfolds and unescapes); this file maps its components to struct
 * event, ours and other programs' alike.
 *
 * Foreign files are untrusted. libical is fed line by line, so that a
 * budget (time, memory) can stop it; and a time zone of the file's own
 * (a VTIMEZONE whose TZID names no tzdata zone) is only used when its
 * rules are ones libical expands in bounded time: a rule repeating every
 * second from 1601 would make it expand without end. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libical/ical.h>

#include "budget.h"
#include "clock.h"
#include "event.h"
#include "event_internal.h"

/* What libical's tree takes, roughly, per byte and per line of text it
 * parses, counted against an import's memory budget: a 20,000-session
 * file of 6.8 MB (160,000 lines) took the process's peak 60 MB higher. */
#define ICAL_MEM_PER_BYTE 4
#define ICAL_MEM_PER_LINE 224
/* A VTIMEZONE of the file's own: at most this many observances
 * (STANDARD, DAYLIGHT) and RDATEs. */
#define VTZ_OBSERVANCES_MAX 64
#define VTZ_RDATES_MAX      1000

/* One text being read: for libical's line generator, the budget, and the
 * line numbers of errors. */
struct ical_read {
	const char *text; /* the whole text, or NULL */
	size_t pos;
	struct budget *budget;
	int line; /* the line an error names, or 0 */
};

/* ---- parsing ---- */

/* Lower-case ASCII for Latin-1 letters U+00C0..U+00FF ("" separates). */
static const char *const latin1_fold[64] = {
    "a", "a", "a", "a", "a",  "a",  "ae", "c", "e", "e", "e",  "e", "i",
    "i", "i", "i", "d", "n",  "o",  "o",  "o", "o", "o", "",   "o", "u",
    "u", "u", "u", "y", "th", "ss", "a",  "a", "a", "a", "a",  "a", "ae",
    "c", "e", "e", "e", "e",  "i",  "i",  "i", "i", "d", "n",  "o", "o",
    "o", "o", "o", "",  "o",  "u",  "u",  "u", "u", "y", "th", "y",
};

/* "Cambio climático, agua" -> "cambio-climatico-agua". malloc'ed. */
static char *
slugify(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	char *s = malloc(strlen(name) * 2 + 1), *q = s;
	int dash = 0;

	if (!s)
		return NULL;
	while (*p) {
		const char *rep = NULL;
		char one[2] = {0};
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) {
			one[0] = (char)*p++;
			rep = one;
		} else if (*p >= 'A' && *p <= 'Z') {
			one[0] = (char)(*p++ - 'A' + 'a');
			rep = one;
		} else if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
			rep = latin1_fold[p[1] - 0x80];
			p += 2;
		} else {
			p++;
			while ((*p & 0xC0) == 0x80)
				p++;
		}
		if (!rep || !*rep) {
			dash = q != s;
			continue;
		}
		if (dash)
			*q++ = '-';
		dash = 0;
		while (*rep)
			*q++ = *rep++;
	}
	*q = '\0';
	return s;
}

static int
str_take(char **field, const char *value)
{
	return event_str_set(field, value && *value ? value : NULL);
}

/* The text of an X- property, unescaped; malloc'ed. */
static char *
xprop_text(icalproperty *p)
{
	const char *x = icalproperty_get_x(p);

	return x ? strdup(x) : icalproperty_get_value_as_string_r(p);
}

static int
date_from_text(const char *s, struct fecha_date *d)
{
	int i;

	for (i = 0; i < 8; i++)
		if (!s || s[i] < '0' || s[i] > '9')
			return -1;
	d->y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	       (s[3] - '0');
	d->m = (s[4] - '0') * 10 + (s[5] - '0');
	d->d = (s[6] - '0') * 10 + (s[7] - '0');
	return fecha_date_valid(*d) ? 0 : -1;
}

static int64_t
utc_seconds(struct icaltimetype t)
{
	if (icaltime_is_null_time(t))
		return 0;
	return (int64_t)icaltime_as_timet_with_zone(
	    t, t.zone ? t.zone : icaltimezone_get_utc_timezone());
}

/* A DTSTART or DTEND as we keep it: a date, or a wall time in tzid
 * (NULL = floating, read in the default zone). A time in a zone that
 * tzdata does not know is turned into UTC through the calendar's own
 * VTIMEZONE. */
struct dtval {
	int set, is_date;
	struct fecha_date d;
	int min;
	const char *tzid;
};

static int vtz_check(icalcomponent *vtz, struct ical_read *rd, const char *tzid,
                     char *err, size_t errlen);

static int
dtval_read(icalproperty *p, struct icaltimetype t, icalcomponent *root,
           struct ical_read *rd, const char *what, struct dtval *v, char *err,
           size_t errlen)
{
	icalparameter *tp =
	    icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	const char *tzid = tp ? icalparameter_get_tzid(tp) : NULL;
	icaltimezone *foreign;
	struct tz_entry *e = NULL;

	if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t))
		return event_err(err, errlen, -EINVAL, "bad %s", what);
	v->set = 1;
	v->is_date = t.is_date;
	v->d.y = t.year;
	v->d.m = t.month;
	v->d.d = t.day;
	v->min = t.is_date ? -1 : t.hour * 60 + t.minute;
	v->tzid = NULL;
	if (t.is_date)
		return 0;
	if (icaltime_is_utc(t)) {
		v->tzid = "UTC";
		return 0;
	}
	if (!tzid)
		return 0;
	/* A zone tzdata knows (its name, prefixed or not, or a Windows
	 * name) is taken from tzdata, whatever VTIMEZONE came with it. */
	if ((e = event_tz_resolve(tzid))) {
		v->tzid = e->tzid;
		return 0;
	}
	foreign = root ? icalcomponent_get_timezone(root, tzid) : NULL;
	if (foreign) {
		const char *loc = icaltimezone_get_location(foreign);
		int64_t utc;
		if (loc && (e = event_tz_resolve(loc))) {
			v->tzid = e->tzid;
			return 0;
		}
		if (vtz_check(icaltimezone_get_component(foreign), rd, tzid,
		              err, errlen) < 0)
			return -EINVAL;
		utc = (int64_t)icaltime_as_timet_with_zone(t, foreign);
		v->tzid = "UTC";
		return event_utc_to_local("UTC", utc, &v->d, &v->min);
	}
	return event_err(err, errlen, -EINVAL, "unknown time zone '%s'", tzid);
}

/* v's wall time as seen in zone tz. */
static int
dtval_in_zone(const struct dtval *v, const char *tz, struct fecha_date *d,
              int *min)
{
	const char *vtz = v->tzid ? v->tzid : EVENT_DEFAULT_TZID;
	int64_t utc;

	*d = v->d;
	*min = v->min;
	if (strcmp(vtz, tz) == 0)
		return 0;
	if (event_local_to_utc(vtz, v->d, v->min, &utc) < 0)
		return -EINVAL;
	return event_utc_to_local(tz, utc, d, min);
}

/* Split a comma separated list of slugs into the event's topics, pairing
 * them with the CATEGORIES names; foreign files get slugs from names. */
static int
topics_read(struct event *ev, const char *slugs, char **names, size_t nn)
{
	char *list = slugs ? strdup(slugs) : NULL, *tok, *save = NULL;
	char **sl = NULL;
	size_t ns = 0, i;
	int r = 0;

	if (slugs && !list)
		return -ENOMEM;
	if (list && !(sl = calloc(strlen(list) / 2 + 2, sizeof(*sl)))) {
		free(list);
		return -ENOMEM;
	}
	for (tok = list ? strtok_r(list, ",", &save) : NULL; tok;
	     tok = strtok_r(NULL, ",", &save))
		sl[ns++] = tok;
	if (ns == nn || nn == 0) {
		for (i = 0; i < ns && r == 0; i++)
			r = event_topic_add(ev, sl[i], nn ? names[i] : sl[i]);
	} else {
		for (i = 0; i < nn && r == 0; i++) {
			char *slug = slugify(names[i]);
			r = slug ? event_topic_add(ev, slug, names[i])
			         : -ENOMEM;
			free(slug);
		}
	}
	free(sl);
	free(list);
	return r;
}

/* Our X- properties, read by name. */
enum xprop {
	X_TOPICS,
	X_KIND,
	X_WORDS,
	X_REASON,
	X_WINDOW_START,
	X_WINDOW_END,
	X_DURATION,
	X_TZID,
	X_OPEN_END,
	X_COUNT
};

static const char *const xprop_names[X_COUNT] = {
    "X-CRONOGRAMA-TOPICS",       "X-CRONOGRAMA-KIND",
    "X-CRONOGRAMA-WORDS",        "X-CRONOGRAMA-REASON",
    "X-CRONOGRAMA-WINDOW-START", "X-CRONOGRAMA-WINDOW-END",
    "X-CRONOGRAMA-DURATION",     "X-CRONOGRAMA-TZID",
    "X-CRONOGRAMA-OPEN-END",
};

/* Read one VEVENT into ev (initialised). root is the VCALENDAR, for the
 * VTIMEZONEs of zones tzdata does not know, or NULL. */
static int
vevent_read(icalcomponent *vev, icalcomponent *root, struct ical_read *rd,
            struct event *ev, char *err, size_t errlen)
{
	char *x[X_COUNT] = {0}, **names = NULL;
	size_t nnames = 0, capnames = 0;
	struct dtval start = {0}, end = {0};
	struct icaldurationtype dur = icaldurationtype_null_duration();
	const char *lic_error = NULL;
	icalcomponent *alarm;
	icalproperty *p;
	int r = 0, xkind = -1, has_dur = 0;

	for (p = icalcomponent_get_first_property(vev, ICAL_ANY_PROPERTY);
	     p && r == 0;
	     p = icalcomponent_get_next_property(vev, ICAL_ANY_PROPERTY)) {
		switch (icalproperty_isa(p)) {
		case ICAL_UID_PROPERTY:
			r = str_take(&ev->uid, icalproperty_get_uid(p));
			break;
		case ICAL_SUMMARY_PROPERTY:
			r = str_take(&ev->title, icalproperty_get_summary(p));
			break;
		case ICAL_DESCRIPTION_PROPERTY:
			r = str_take(&ev->description,
			             icalproperty_get_description(p));
			break;
		case ICAL_LOCATION_PROPERTY:
			r = str_take(&ev->location,
			             icalproperty_get_location(p));
			break;
		case ICAL_URL_PROPERTY:
			r = str_take(&ev->url, icalproperty_get_url(p));
			break;
		case ICAL_SEQUENCE_PROPERTY:
			ev->sequence = icalproperty_get_sequence(p);
			break;
		case ICAL_STATUS_PROPERTY:
			switch (icalproperty_get_status(p)) {
			case ICAL_STATUS_CANCELLED:
				ev->status = EVENT_CANCELLED;
				break;
			case ICAL_STATUS_TENTATIVE:
				ev->status = EVENT_TENTATIVE;
				break;
			default:
				ev->status = EVENT_CONFIRMED;
				break;
			}
			break;
		case ICAL_DTSTAMP_PROPERTY:
			ev->dtstamp = utc_seconds(icalproperty_get_dtstamp(p));
			break;
		case ICAL_CREATED_PROPERTY:
			ev->created = utc_seconds(icalproperty_get_created(p));
			break;
		case ICAL_LASTMODIFIED_PROPERTY:
			ev->last_modified =
			    utc_seconds(icalproperty_get_lastmodified(p));
			break;
		case ICAL_DTSTART_PROPERTY:
			r = dtval_read(p, icalproperty_get_dtstart(p), root, rd,
			               "DTSTART", &start, err, errlen);
			break;
		case ICAL_DTEND_PROPERTY:
			r = dtval_read(p, icalproperty_get_dtend(p), root, rd,
			               "DTEND", &end, err, errlen);
			break;
		case ICAL_DURATION_PROPERTY:
			dur = icalproperty_get_duration(p);
			has_dur = !icaldurationtype_is_bad_duration(dur);
			break;
		case ICAL_RRULE_PROPERTY:
			r = event_err(err, errlen, -EINVAL,
			              "recurring events (RRULE) are not "
			              "supported");
			break;
		case ICAL_CATEGORIES_PROPERTY: {
			const char *c = icalproperty_get_categories(p);
			if (!c || !*c)
				break;
			if (nnames == capnames) {
				char **g;
				capnames = capnames ? capnames * 2 : 4;
				g = realloc(names, capnames * sizeof(*g));
				if (!g) {
					r = -ENOMEM;
					break;
				}
				names = g;
			}
			if (!(names[nnames] = strdup(c)))
				r = -ENOMEM;
			else
				nnames++;
			break;
		}
		case ICAL_XLICERROR_PROPERTY:
			if (!lic_error)
				lic_error = icalproperty_get_xlicerror(p);
			break;
		case ICAL_X_PROPERTY: {
			const char *name = icalproperty_get_x_name(p);
			int i;
			for (i = 0; name && i < X_COUNT; i++)
				if (strcasecmp(name, xprop_names[i]) == 0)
					break;
			if (name && i < X_COUNT && !x[i] &&
			    !(x[i] = xprop_text(p)))
				r = -ENOMEM;
			break;
		}
		default:
			break;
		}
	}
	if (r == -ENOMEM)
		event_err(err, errlen, r, "out of memory");
	if (r < 0)
		goto done;
	if (!start.set) {
		r = event_err(
		    err, errlen, -EINVAL, "VEVENT%s%s without DTSTART%s%s",
		    ev->uid ? " " : "", ev->uid ? ev->uid : "",
		    lic_error ? ": " : "", lic_error ? lic_error : "");
		goto done;
	}
	if ((r = str_take(&ev->words, x[X_WORDS])) < 0 ||
	    (r = str_take(&ev->reason, x[X_REASON])) < 0 ||
	    (r = topics_read(ev, x[X_TOPICS], names, nnames)) < 0)
		goto done;
	if (x[X_KIND])
		xkind = event_kind_parse(x[X_KIND]);

	if (xkind == FECHA_TBD || xkind == FECHA_APPROX) {
		ev->kind = (enum fecha_kind)xkind;
		if (date_from_text(x[X_WINDOW_START], &ev->win_start) < 0)
			ev->win_start = start.d;
		if (date_from_text(x[X_WINDOW_END], &ev->win_end) < 0)
			ev->win_end =
			    end.set ? fecha_date_add(end.d, -1) : start.d;
		if (xkind == FECHA_APPROX && x[X_DURATION]) {
			struct icaldurationtype d =
			    icaldurationtype_from_string(x[X_DURATION]);
			if (!icaldurationtype_is_bad_duration(d))
				ev->duration_days =
				    icaldurationtype_as_int(d) / 86400;
		}
		if (ev->status == EVENT_CONFIRMED)
			ev->status = EVENT_TENTATIVE;
		if (x[X_TZID] && (r = str_take(&ev->tzid, x[X_TZID])) < 0)
			goto done;
	} else if (start.is_date) {
		ev->start = start.d;
		ev->end = start.d;
		if (end.set)
			ev->end = fecha_date_add(end.d, end.is_date ? -1 : 0);
		else if (has_dur)
			ev->end = fecha_date_add(
			    start.d, icaldurationtype_as_int(dur) / 86400 - 1);
		if (fecha_date_cmp(ev->end, ev->start) < 0)
			ev->end = ev->start;
		if (x[X_TZID] && (r = str_take(&ev->tzid, x[X_TZID])) < 0)
			goto done;
	} else {
		const char *tz = start.tzid ? start.tzid : EVENT_DEFAULT_TZID;
		struct fecha_date ed = start.d;
		int emin = start.min, has_end = 1;

		if ((r = str_take(&ev->tzid, start.tzid)) < 0)
			goto done;
		ev->start = start.d;
		ev->start_min = start.min;
		if (end.set && !end.is_date) {
			if (dtval_in_zone(&end, tz, &ed, &emin) < 0) {
				r = event_err(err, errlen, -EINVAL,
				              "bad DTEND");
				goto done;
			}
		} else if (has_dur) {
			event_wall_add(&ed, &emin,
			               icaldurationtype_as_int(dur) / 60);
		} else {
			has_end = 0;
		}
		if (x[X_OPEN_END] && has_end) {
			event_wall_add(&ed, &emin, -60);
			has_end = 0;
		}
		ev->end = ed;
		ev->end_min = has_end ? emin : -1;
		/* An end not after the start is no end at all. */
		if (fecha_date_cmp(ed, start.d) < 0 ||
		    (fecha_date_cmp(ed, start.d) == 0 && emin <= start.min)) {
			ev->end = ev->start;
			ev->end_min = -1;
		}
	}
	if (!event_undecided(ev))
		ev->kind = (xkind == FECHA_RANGE ||
		            fecha_date_cmp(ev->start, ev->end) != 0)
		               ? FECHA_RANGE
		               : FECHA_DATE;

	/* Reminders: a TRIGGER before the start is a positive offset. */
	for (alarm =
	         icalcomponent_get_first_component(vev, ICAL_VALARM_COMPONENT);
	     alarm; alarm = icalcomponent_get_next_component(
	                vev, ICAL_VALARM_COMPONENT)) {
		icalproperty *tp = icalcomponent_get_first_property(
		    alarm, ICAL_TRIGGER_PROPERTY);
		struct icaltriggertype trig;
		int64_t off, s0 = 0, s1 = 0, *g;
		icalparameter *rel;

		if (!tp)
			continue;
		trig = icalproperty_get_trigger(tp);
		rel = icalproperty_get_first_parameter(tp,
		                                       ICAL_RELATED_PARAMETER);
		if (!icaltime_is_null_time(trig.time) ||
		    (rel &&
		     icalparameter_get_related(rel) == ICAL_RELATED_END)) {
			if (event_span_utc(ev, &s0, &s1) < 0)
				continue;
		}
		if (!icaltime_is_null_time(trig.time))
			off = s0 - utc_seconds(trig.time);
		else
			off = -(int64_t)icaldurationtype_as_int(trig.duration) -
			      (rel && icalparameter_get_related(rel) ==
			                   ICAL_RELATED_END
			           ? s1 - s0
			           : 0);
		g = realloc(ev->remind, (ev->nremind + 1) * sizeof(*g));
		if (!g) {
			r = event_err(err, errlen, -ENOMEM, "out of memory");
			goto done;
		}
		ev->remind = g;
		ev->remind[ev->nremind++] = off;
	}
done:
	for (int i = 0; i < X_COUNT; i++)
		free(x[i]);
	while (nnames)
		free(names[--nnames]);
	free(names);
	return r;
}

/* ---- time zones of the file's own ---- */

/* The next logical (unfolded) line of text from *p: its first physical
 * line's number goes to *lineno, its text (cut at len - 1) to buf.
 * Returns 0 at the end of text. */
static int
ical_logical_line(const char **p, int *physical, int *lineno, char *buf,
                  size_t len)
{
	const char *s = *p;
	size_t o = 0;

	if (*s == '\0')
		return 0;
	*lineno = ++*physical;
	for (;;) {
		size_t n = strcspn(s, "\r\n");

		if (o < len - 1) {
			size_t k = n < len - 1 - o ? n : len - 1 - o;

			memcpy(buf + o, s, k);
			o += k;
		}
		s += n;
		if (*s == '\r')
			s++;
		if (*s == '\n')
			s++;
		if (*s != ' ' && *s != '\t')
			break;
		/* A folded line goes on after the space. */
		++*physical;
		s++;
	}
	buf[o] = '\0';
	*p = s;
	return 1;
}

/* 1 if line is the property name (up to ';' or ':'), any case. */
static int
ical_line_is(const char *line, const char *name)
{
	size_t n = strcspn(line, ";:");

	return n == strlen(name) && strncasecmp(line, name, n) == 0;
}

/*
 * The line of text where the VTIMEZONE whose TZID is tzid has its nth
 * (from 0) property called prop: or that VTIMEZONE's BEGIN line when
 * there is no such property (or prop is NULL); 0 if text has no such
 * VTIMEZONE.
 */
static int
ical_vtz_line(const char *text, const char *tzid, const char *prop, int nth)
{
	char buf[512];
	const char *p = text;
	int physical = 0, line = 0, begin = 0, found = 0, count = 0, in = 0;
	int match = 0;

	if (text == NULL)
		return 0;
	while (ical_logical_line(&p, &physical, &line, buf, sizeof(buf))) {
		if (strcasecmp(buf, "BEGIN:VTIMEZONE") == 0) {
			in = 1;
			begin = line;
			found = match = count = 0;
		} else if (!in) {
			continue;
		} else if (strcasecmp(buf, "END:VTIMEZONE") == 0) {
			if (match)
				return found ? found : begin;
			in = 0;
		} else if (ical_line_is(buf, "TZID")) {
			const char *v = strchr(buf, ':');

			match = v != NULL && strcmp(v + 1, tzid) == 0;
		} else if (prop != NULL && ical_line_is(buf, prop)) {
			if (count++ == nth)
				found = line;
		}
	}
	return 0;
}

/* Values in a libical BY list (ended by ICAL_RECURRENCE_ARRAY_MAX). */
static int
rrule_count(const short *v, int size)
{
	int n = 0;

	while (n < size && v[n] != ICAL_RECURRENCE_ARRAY_MAX)
		n++;
	return n;
}

/* Why a time zone's RRULE would not expand in bounded time, or NULL. A
 * zone's rule changes its offset once a year: yearly, in one month, on
 * one weekday (or a week's days of the month). */
static const char *
rrule_why(const struct icalrecurrencetype *r, char *buf, size_t len)
{
	if (r->freq != ICAL_YEARLY_RECURRENCE) {
		snprintf(buf, len, "its rule repeats %s (RRULE FREQ=%s)",
		         r->freq == ICAL_SECONDLY_RECURRENCE   ? "every second"
		         : r->freq == ICAL_MINUTELY_RECURRENCE ? "every minute"
		         : r->freq == ICAL_HOURLY_RECURRENCE   ? "every hour"
		         : r->freq == ICAL_DAILY_RECURRENCE    ? "every day"
		         : r->freq == ICAL_WEEKLY_RECURRENCE   ? "every week"
		         : r->freq == ICAL_MONTHLY_RECURRENCE  ? "every month"
		                                               : "in no way",
		         r->freq == ICAL_NO_RECURRENCE
		             ? "?"
		             : icalrecur_freq_to_string(r->freq));
		return buf;
	}
	if (rrule_count(r->by_second, ICAL_BY_SECOND_SIZE) ||
	    rrule_count(r->by_minute, ICAL_BY_MINUTE_SIZE) ||
	    rrule_count(r->by_hour, ICAL_BY_HOUR_SIZE) ||
	    rrule_count(r->by_year_day, ICAL_BY_YEARDAY_SIZE) ||
	    rrule_count(r->by_week_no, ICAL_BY_WEEKNO_SIZE))
		return "its rule has BYSECOND, BYMINUTE, BYHOUR, BYYEARDAY or "
		       "BYWEEKNO";
	if (rrule_count(r->by_month, ICAL_BY_MONTH_SIZE) > 1 ||
	    rrule_count(r->by_day, ICAL_BY_DAY_SIZE) > 1 ||
	    rrule_count(r->by_month_day, ICAL_BY_MONTHDAY_SIZE) > 7 ||
	    rrule_count(r->by_set_pos, ICAL_BY_SETPOS_SIZE) > 1)
		return "its rule changes the offset more than once a year";
	if (r->interval < 1)
		return "its rule has a bad INTERVAL";
	return NULL;
}

/*
 * 0 if the VTIMEZONE vtz (TZID tzid), which names no tzdata zone, has
 * rules libical expands in bounded time and memory: at most
 * VTZ_OBSERVANCES_MAX observances, each with a DTSTART, yearly RRULEs
 * (rrule_why), VTZ_RDATES_MAX RDATEs in all. Else -EINVAL with a message
 * naming the line (also in rd->line).
 */
static int
vtz_check(icalcomponent *vtz, struct ical_read *rd, const char *tzid, char *err,
          size_t errlen)
{
	const char *text = rd != NULL ? rd->text : NULL;
	int nobs = 0, nrdates = 0, nrrules = 0, line;
	char why[160], at[32] = "";
	const char *bad = NULL;
	icalcomponent *obs;
	icalproperty *p;

	if (vtz == NULL)
		return event_err(err, errlen, -EINVAL,
		                 "time zone '%s' has no rules", tzid);
	for (obs = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
	     obs && !bad;
	     obs = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT)) {
		icalcomponent_kind k = icalcomponent_isa(obs);

		if (k != ICAL_XSTANDARD_COMPONENT &&
		    k != ICAL_XDAYLIGHT_COMPONENT)
			continue;
		if (++nobs > VTZ_OBSERVANCES_MAX) {
			snprintf(why, sizeof(why),
			         "it has more than %d STANDARD and DAYLIGHT "
			         "parts",
			         VTZ_OBSERVANCES_MAX);
			bad = why;
			line = ical_vtz_line(text, tzid, NULL, 0);
			break;
		}
		if (!icalcomponent_get_first_property(obs,
		                                      ICAL_DTSTART_PROPERTY)) {
			bad = "one of its parts has no DTSTART";
			line = ical_vtz_line(text, tzid, NULL, 0);
			break;
		}
		for (p = icalcomponent_get_first_property(obs,
		                                          ICAL_RRULE_PROPERTY);
		     p && !bad; p = icalcomponent_get_next_property(
		                    obs, ICAL_RRULE_PROPERTY)) {
			struct icalrecurrencetype r = icalproperty_get_rrule(p);

			bad = rrule_why(&r, why, sizeof(why));
			line = ical_vtz_line(text, tzid, "RRULE", nrrules++);
		}
		for (p = icalcomponent_get_first_property(obs,
		                                          ICAL_RDATE_PROPERTY);
		     p && !bad; p = icalcomponent_get_next_property(
		                    obs, ICAL_RDATE_PROPERTY))
			if (++nrdates > VTZ_RDATES_MAX) {
				snprintf(why, sizeof(why),
				         "it has more than %d RDATEs",
				         VTZ_RDATES_MAX);
				bad = why;
				line = ical_vtz_line(text, tzid, "RDATE",
				                     nrdates - 1);
			}
	}
	if (!bad)
		return 0;
	if (rd != NULL)
		rd->line = line;
	if (line > 0)
		snprintf(at, sizeof(at), "line %d: ", line);
	return event_err(err, errlen, -EINVAL,
	                 "%stime zone '%s' is not a tzdata zone and its "
	                 "VTIMEZONE cannot be used: %s (only yearly rules "
	                 "are accepted)",
	                 at, tzid, bad);
}

/* libical's line generator over rd->text, counting each line against
 * the budget; NULL (the end, for libical) once the budget is over. */
static char *
ical_line_gen(char *s, size_t size, void *d)
{
	struct ical_read *rd = d;
	const char *p = rd->text + rd->pos;
	size_t n;

	if (*p == '\0' || size < 2)
		return NULL;
	n = strcspn(p, "\n");
	if (p[n] == '\n')
		n++;
	if (n > size - 1)
		n = size - 1;
	if (budget_spend(rd->budget,
	                 n * ICAL_MEM_PER_BYTE + ICAL_MEM_PER_LINE) < 0)
		return NULL;
	memcpy(s, p, n);
	s[n] = '\0';
	rd->pos += n;
	return s;
}

/* Parse rd->text with libical, within rd->budget. */
static icalcomponent *
ical_parse(struct ical_read *rd)
{
	icalparser *parser = icalparser_new();
	icalcomponent *comp;

	if (parser == NULL)
		return NULL;
	icalparser_set_gen_data(parser, rd);
	comp = icalparser_parse(parser, ical_line_gen);
	icalparser_free(parser);
	return comp;
}

/* Text that could be iCalendar: optional BOM and blank space, then BEGIN. */
static int
looks_like_ical(const char *text, const char *what)
{
	if (!text)
		return 0;
	if (strncmp(text, "\xEF\xBB\xBF", 3) == 0)
		text += 3;
	text += strspn(text, " \t\r\n");
	return strncasecmp(text, "BEGIN:", 6) == 0 &&
	       strncasecmp(text + 6, what, strlen(what)) == 0;
}

/* Every VCALENDAR in comp: itself, or the children of an XROOT. */
static icalcomponent *
cal_next(icalcomponent *comp, icalcomponent *prev)
{
	if (icalcomponent_isa(comp) == ICAL_VCALENDAR_COMPONENT)
		return prev ? NULL : comp;
	if (icalcomponent_isa(comp) != ICAL_XROOT_COMPONENT)
		return NULL;
	return prev ? icalcomponent_get_next_component(comp,
	                                               ICAL_VCALENDAR_COMPONENT)
	            : icalcomponent_get_first_component(
	                  comp, ICAL_VCALENDAR_COMPONENT);
}

int
event_from_ical(const char *text, struct event *ev, char *err, size_t errlen)
{
	icalcomponent *comp, *vev = NULL, *root = NULL;
	int r;

	event_init(ev);
	if (!looks_like_ical(text, "VEVENT") &&
	    !looks_like_ical(text, "VCALENDAR"))
		return event_err(err, errlen, -EINVAL,
		                 "not iCalendar data (no BEGIN:VEVENT or "
		                 "BEGIN:VCALENDAR)");
	comp = icalparser_parse_string(text);
	if (!comp)
		return event_err(err, errlen, -EINVAL,
		                 "not iCalendar data (libical cannot parse "
		                 "it)");
	if (icalcomponent_isa(comp) == ICAL_VEVENT_COMPONENT) {
		vev = comp;
	} else if (icalcomponent_isa(comp) == ICAL_VCALENDAR_COMPONENT) {
		root = comp;
		if (icalcomponent_count_components(
		        comp, ICAL_VEVENT_COMPONENT) != 1) {
			icalcomponent_free(comp);
			return event_err(err, errlen, -EINVAL,
			                 "expected exactly one VEVENT");
		}
		vev = icalcomponent_get_first_component(comp,
		                                        ICAL_VEVENT_COMPONENT);
	} else {
		icalcomponent_free(comp);
		return event_err(err, errlen, -EINVAL,
		                 "expected one VEVENT or a VCALENDAR");
	}
	r = vevent_read(vev, root, NULL, ev, err, errlen);
	icalcomponent_free(comp);
	if (r < 0)
		event_fini(ev);
	return r;
}

void
event_array_free(struct event *evs, size_t n)
{
	size_t i;

	for (i = 0; evs && i < n; i++)
		event_fini(&evs[i]);
	free(evs);
}

int
event_calendar_parse(const char *text, struct event **evs, size_t *n, char *err,
                     size_t errlen)
{
	return event_calendar_read(text, NULL, evs, n, NULL, err, errlen);
}

int
event_calendar_read(const char *text, struct budget *budget, struct event **evs,
                    size_t *n, int *line, char *err, size_t errlen)
{
	struct ical_read rd = {.text = text, .budget = budget};
	icalcomponent *comp, *cal, *vev;
	struct event *arr = NULL;
	size_t count = 0, done = 0;
	char msg[400];
	int r = 0;

	*evs = NULL;
	*n = 0;
	if (line != NULL)
		*line = 0;
	if (!looks_like_ical(text, "VCALENDAR"))
		return event_err(err, errlen, -EINVAL,
		                 "not iCalendar data (no BEGIN:VCALENDAR)");
	comp = ical_parse(&rd);
	if (budget != NULL && budget->over < 0) {
		if (comp)
			icalcomponent_free(comp);
		return event_err(err, errlen, budget->over, "over budget");
	}
	if (!comp || !cal_next(comp, NULL)) {
		if (comp)
			icalcomponent_free(comp);
		return event_err(err, errlen, -EINVAL,
		                 "not iCalendar data (libical finds no "
		                 "VCALENDAR)");
	}
	for (cal = cal_next(comp, NULL); cal; cal = cal_next(comp, cal))
		count += (size_t)icalcomponent_count_components(
		    cal, ICAL_VEVENT_COMPONENT);
	if (count && !(arr = calloc(count, sizeof(*arr)))) {
		icalcomponent_free(comp);
		return event_err(err, errlen, -ENOMEM, "out of memory");
	}
	for (cal = cal_next(comp, NULL); cal && r == 0;
	     cal = cal_next(comp, cal))
		for (vev = icalcomponent_get_first_component(
		         cal, ICAL_VEVENT_COMPONENT);
		     vev && r == 0 && done < count;
		     vev = icalcomponent_get_next_component(
		         cal, ICAL_VEVENT_COMPONENT)) {
			event_init(&arr[done]);
			if ((r = budget_spend(budget, sizeof(*arr))) < 0) {
				event_err(err, errlen, r, "over budget");
				event_fini(&arr[done]);
				break;
			}
			r = vevent_read(vev, cal, &rd, &arr[done], msg,
			                sizeof(msg));
			if (r < 0) {
				event_err(err, errlen, r, "VEVENT %zu%s%s: %s",
				          done + 1, arr[done].uid ? " " : "",
				          arr[done].uid ? arr[done].uid : "",
				          msg);
				event_fini(&arr[done]);
			} else {
				done++;
			}
		}
	icalcomponent_free(comp);
	if (line != NULL)
		*line = rd.line;
	if (r < 0) {
		event_array_free(arr, done);
		return r;
	}
	*evs = arr;
	*n = done;
	return 0;
}
