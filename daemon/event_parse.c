/* event_parse: iCalendar text to sessions (see event.h). libical parses
 * (it unfolds and unescapes); this file maps its components to struct
 * event, ours and other programs' alike. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libical/ical.h>

#include "clock.h"
#include "event.h"
#include "event_internal.h"

#ifndef VERSION
#define VERSION "0.0.0"
#endif

#define EVENT_LINE_MAX 75
/* VTIMEZONEs start here: older history only makes feeds longer. */
#define EVENT_TZ_SINCE "19700101T000000Z"

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

static int
dtval_read(icalproperty *p, struct icaltimetype t, icalcomponent *root,
           const char *what, struct dtval *v, char *err, size_t errlen)
{
	icalparameter *tp =
	    icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	const char *tzid = tp ? icalparameter_get_tzid(tp) : NULL;
	icaltimezone *foreign;
	struct tz_entry *e = NULL;
	const char *s;

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
	/* "America/New_York", or a prefixed one such as
	 * "/freeassociation.sourceforge.net/America/New_York". */
	for (s = tzid; s && !(e = event_tz_find(s));)
		if ((s = strchr(s, '/')))
			s++;
	if (e) {
		v->tzid = e->tzid;
		return 0;
	}
	foreign = root ? icalcomponent_get_timezone(root, tzid) : NULL;
	if (foreign) {
		const char *loc = icaltimezone_get_location(foreign);
		int64_t utc;
		if (loc && (e = event_tz_find(loc))) {
			v->tzid = e->tzid;
			return 0;
		}
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
vevent_read(icalcomponent *vev, icalcomponent *root, struct event *ev,
            char *err, size_t errlen)
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
			r = dtval_read(p, icalproperty_get_dtstart(p), root,
			               "DTSTART", &start, err, errlen);
			break;
		case ICAL_DTEND_PROPERTY:
			r = dtval_read(p, icalproperty_get_dtend(p), root,
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
	r = vevent_read(vev, root, ev, err, errlen);
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
	icalcomponent *comp, *cal, *vev;
	struct event *arr = NULL;
	size_t count = 0, done = 0;
	char msg[256];
	int r = 0;

	*evs = NULL;
	*n = 0;
	if (!looks_like_ical(text, "VCALENDAR"))
		return event_err(err, errlen, -EINVAL,
		                 "not iCalendar data (no BEGIN:VCALENDAR)");
	comp = icalparser_parse_string(text);
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
			r = vevent_read(vev, cal, &arr[done], msg, sizeof(msg));
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
	if (r < 0) {
		event_array_free(arr, done);
		return r;
	}
	*evs = arr;
	*n = done;
	return 0;
}
