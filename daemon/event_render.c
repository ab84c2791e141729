/* event_render: sessions to iCalendar text (see event.h). Rendering is
 * done here, line by line, into one growing buffer: the property order is
 * fixed, TEXT values are escaped and every line is folded at 75 octets on
 * a UTF-8 character boundary. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libical/ical.h>

#include "buf.h"
#include "clock.h"
#include "event.h"
#include "event_internal.h"

#ifndef VERSION
#define VERSION "0.0.0"
#endif

#define EVENT_LINE_MAX 75
/* VTIMEZONEs start here: older history only makes feeds longer. */
#define EVENT_TZ_SINCE "19700101T000000Z"

/* ---- rendering ---- */

/* Append TEXT value s escaped (RFC 5545 3.3.11). CRLF and a lone CR
 * become \n; other control characters but TAB are dropped. */
static void
ical_text_add(struct buf *b, const char *s)
{
	const char *run = s;

	for (;; s++) {
		unsigned char c = (unsigned char)*s;
		const char *esc;

		if (c >= 0x20 && c != '\\' && c != ';' && c != ',' && c != 0x7F)
			continue;
		if (c == '\t')
			continue;
		buf_add(b, run, (size_t)(s - run));
		run = s + 1;
		if (c == '\0')
			break;
		switch (c) {
		case '\\':
			esc = "\\\\";
			break;
		case ';':
			esc = "\\;";
			break;
		case ',':
			esc = "\\,";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = s[1] == '\n' ? "" : "\\n";
			break;
		default:
			esc = "";
			break;
		}
		buf_adds(b, esc);
	}
}

/* Append one content line (unfolded text line, no line end) to out,
 * folded at 75 octets without splitting a UTF-8 sequence, then CRLF. */
static void
ical_fold(struct buf *out, const char *s, size_t n)
{
	size_t room = EVENT_LINE_MAX;

	while (n > room) {
		size_t cut = room;
		while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;
		if (cut == 0) /* not UTF-8 at all: cut where we must */
			cut = room;
		buf_add(out, s, cut);
		buf_add(out, "\r\n ", 3);
		s += cut;
		n -= cut;
		room = EVENT_LINE_MAX - 1;
	}
	buf_add(out, s, n);
	buf_add(out, "\r\n", 2);
}

/* A property writer: name (with parameters) and value go into line, then
 * emit() folds it onto out. */
struct ical_writer {
	struct buf *out;
	struct buf line;
};

static void
w_begin(struct ical_writer *w, const char *name)
{
	w->line.len = 0;
	buf_adds(&w->line, name);
	buf_add(&w->line, ":", 1);
}

static void
w_emit(struct ical_writer *w)
{
	if (w->line.oom)
		w->out->oom = 1;
	else
		ical_fold(w->out, w->line.p, w->line.len);
}

static void
w_raw(struct ical_writer *w, const char *name, const char *value)
{
	w_begin(w, name);
	buf_adds(&w->line, value);
	w_emit(w);
}

static void
w_text(struct ical_writer *w, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	w_begin(w, name);
	ical_text_add(&w->line, value);
	w_emit(w);
}

static void
w_date(struct ical_writer *w, const char *name, struct fecha_date d)
{
	w_begin(w, name);
	buf_addf(&w->line, "%04d%02d%02d", d.y, d.m, d.d);
	w_emit(w);
}

static void
w_utc(struct ical_writer *w, const char *name, int64_t t)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400;
	struct fecha_date d = fecha_date_from_days((long)days);

	w_begin(w, name);
	buf_addf(&w->line, "%04d%02d%02dT%02d%02d%02dZ", d.y, d.m, d.d,
	         (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	w_emit(w);
}

/* DTSTART/DTEND of a timed session at wall time (d, min) in tz. */
static void
w_local(struct ical_writer *w, const char *name, const char *tz,
        struct fecha_date d, int min)
{
	int utc = strcmp(tz, "UTC") == 0;

	w->line.len = 0;
	buf_adds(&w->line, name);
	if (!utc) {
		buf_adds(&w->line, ";TZID=");
		buf_adds(&w->line, tz);
	}
	buf_addf(&w->line, ":%04d%02d%02dT%02d%02d00%s", d.y, d.m, d.d,
	         min / 60, min % 60, utc ? "Z" : "");
	w_emit(w);
}

/* An RFC 5545 duration of secs seconds: -P7D, -PT2H, P1DT30M, PT0S. */
static void
duration_format(int64_t secs, char *buf, size_t len)
{
	uint64_t a = secs < 0 ? (uint64_t)0 - (uint64_t)secs : (uint64_t)secs;
	uint64_t days = a / 86400, rest = a % 86400;
	size_t n;

	n = (size_t)snprintf(buf, len, "%sP", secs < 0 ? "-" : "");
	if (days)
		n += (size_t)snprintf(buf + n, len - n, "%lluD",
		                      (unsigned long long)days);
	if (rest || !days) {
		n += (size_t)snprintf(buf + n, len - n, "T");
		if (rest / 3600)
			n +=
			    (size_t)snprintf(buf + n, len - n, "%lluH",
			                     (unsigned long long)(rest / 3600));
		if (rest / 60 % 60)
			n += (size_t)snprintf(
			    buf + n, len - n, "%lluM",
			    (unsigned long long)(rest / 60 % 60));
		if (rest % 60 || !rest)
			snprintf(buf + n, len - n, "%lluS",
			         (unsigned long long)(rest % 60));
	}
}

#define EVENT_CANCELLED_PREFIX "CANCELADA: "

/* SUMMARY and DESCRIPTION of a cancelled session in a calendar for
 * people (event_calendar.cancel_marked): the title after "CANCELADA: ",
 * and the cancellation and its reason before the description. */
static void
vevent_write_cancelled(struct ical_writer *w, const struct event *ev)
{
	int reason = ev->reason && *ev->reason;

	w_begin(w, "SUMMARY");
	buf_adds(&w->line, EVENT_CANCELLED_PREFIX);
	ical_text_add(&w->line, ev->title);
	w_emit(w);
	w_begin(w, "DESCRIPTION");
	buf_adds(&w->line, "Sesión cancelada");
	if (reason) {
		buf_adds(&w->line, ". Motivo: ");
		ical_text_add(&w->line, ev->reason);
	} else {
		buf_adds(&w->line, ".");
	}
	if (ev->description && *ev->description) {
		buf_adds(&w->line, "\\n\\n");
		ical_text_add(&w->line, ev->description);
	}
	w_emit(w);
}

/* The VEVENT of a valid event. now stands in for an unset DTSTAMP;
 * marked: see event_calendar.cancel_marked. */
static void
vevent_write(struct ical_writer *w, const struct event *ev,
             const char *organizer, int with_alarms, int marked, int64_t now)
{
	int cancelled = ev->status == EVENT_CANCELLED;
	char buf[64];
	size_t i;

	w_raw(w, "BEGIN", "VEVENT");
	w_text(w, "UID", ev->uid);
	w_utc(w, "DTSTAMP", ev->dtstamp ? ev->dtstamp : now);
	if (ev->created)
		w_utc(w, "CREATED", ev->created);
	if (ev->last_modified)
		w_utc(w, "LAST-MODIFIED", ev->last_modified);
	snprintf(buf, sizeof(buf), "%d", ev->sequence);
	w_raw(w, "SEQUENCE", buf);
	w_raw(w, "STATUS", event_status_name(event_status_effective(ev)));
	if (cancelled && marked) {
		vevent_write_cancelled(w, ev);
	} else {
		w_text(w, "SUMMARY", ev->title);
		w_text(w, "DESCRIPTION", ev->description);
	}
	w_text(w, "LOCATION", ev->location);
	/* The reason in a standard property too (RFC 5545 3.8.1.4), for
	 * programs that show no X- property: in feeds, exports and the
	 * METHOD:CANCEL of emails alike. */
	if (cancelled && ev->reason && *ev->reason) {
		w_begin(w, "COMMENT");
		buf_adds(&w->line, "Motivo de la cancelación: ");
		ical_text_add(&w->line, ev->reason);
		w_emit(w);
	}

	if (event_undecided(ev)) {
		w_date(w, "DTSTART;VALUE=DATE", ev->win_start);
		w_date(w, "DTEND;VALUE=DATE", fecha_date_add(ev->win_end, 1));
	} else if (event_timed(ev)) {
		struct fecha_date d;
		int min;
		event_dtend_wall(ev, &d, &min);
		w_local(w, "DTSTART", event_tzid(ev), ev->start, ev->start_min);
		w_local(w, "DTEND", event_tzid(ev), d, min);
	} else {
		struct fecha_date last =
		    ev->kind == FECHA_RANGE ? ev->end : ev->start;
		w_date(w, "DTSTART;VALUE=DATE", ev->start);
		w_date(w, "DTEND;VALUE=DATE", fecha_date_add(last, 1));
	}

	if (ev->ntopics) {
		w_begin(w, "CATEGORIES");
		for (i = 0; i < ev->ntopics; i++) {
			if (i)
				buf_add(&w->line, ",", 1);
			ical_text_add(&w->line, ev->topics[i].name);
		}
		w_emit(w);
	}
	if (ev->url && *ev->url)
		w_raw(w, "URL", ev->url);
	if (organizer)
		w_raw(w, "ORGANIZER", organizer);
	if (ev->ntopics) {
		w_begin(w, "X-CRONOGRAMA-TOPICS");
		for (i = 0; i < ev->ntopics; i++) {
			if (i)
				buf_add(&w->line, ",", 1);
			buf_adds(&w->line, ev->topics[i].slug);
		}
		w_emit(w);
	}
	w_raw(w, "X-CRONOGRAMA-KIND", event_kind_name(ev->kind));
	w_text(w, "X-CRONOGRAMA-WORDS", ev->words);
	w_text(w, "X-CRONOGRAMA-REASON", ev->reason);
	if (event_undecided(ev)) {
		w_date(w, "X-CRONOGRAMA-WINDOW-START;VALUE=DATE",
		       ev->win_start);
		w_date(w, "X-CRONOGRAMA-WINDOW-END;VALUE=DATE", ev->win_end);
		if (ev->kind == FECHA_APPROX) {
			snprintf(buf, sizeof(buf), "P%dD", ev->duration_days);
			w_raw(w, "X-CRONOGRAMA-DURATION", buf);
		}
	}
	/* A zone is in DTSTART only for timed sessions; keep the others'. */
	if (!event_timed(ev) && ev->tzid)
		w_raw(w, "X-CRONOGRAMA-TZID", ev->tzid);
	if (event_timed(ev) && ev->end_min < 0)
		w_raw(w, "X-CRONOGRAMA-OPEN-END", "TRUE");

	for (i = 0; with_alarms && i < ev->nremind; i++) {
		duration_format(-ev->remind[i], buf, sizeof(buf));
		w_raw(w, "BEGIN", "VALARM");
		w_raw(w, "ACTION", "DISPLAY");
		w_raw(w, "TRIGGER", buf);
		w_text(w, "DESCRIPTION", ev->title);
		w_raw(w, "END", "VALARM");
	}
	w_raw(w, "END", "VEVENT");
}

int
event_to_ical(const struct event *ev, char **out, char *err, size_t errlen)
{
	struct buf o = {0};
	struct ical_writer w = {.out = &o};
	int r;

	*out = NULL;
	if ((r = event_validate(ev, err, errlen)) < 0)
		return r;
	vevent_write(&w, ev, NULL, 1, 0, clock_now());
	free(w.line.p);
	if (o.oom || !o.p) {
		free(o.p);
		return event_err(err, errlen, -ENOMEM, "out of memory");
	}
	*out = o.p;
	return 0;
}

/* The zone's VTIMEZONE from tzdata, since 1970, under its plain name
 * (libical names system zones "/freeassociation.sourceforge.net/…"). */
static const char *
tz_vtimezone(struct tz_entry *e)
{
	icalcomponent *vtz;
	icalproperty *p;

	if (e->vtimezone)
		return e->vtimezone;
	vtz = icaltimezone_get_component(e->zone);
	if (!vtz || !(vtz = icalcomponent_new_clone(vtz)))
		return NULL;
	icaltimezone_truncate_vtimezone(
	    vtz, icaltime_from_string(EVENT_TZ_SINCE), icaltime_null_time(), 0);
	p = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
	if (p)
		icalproperty_set_tzid(p, e->tzid);
	e->vtimezone = icalcomponent_as_ical_string_r(vtz);
	icalcomponent_free(vtz);
	return e->vtimezone;
}

static int
token_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || *s == '-'))
			return 0;
	return 1;
}

/* The calendar's own properties and the VTIMEZONEs of the zones used. */
static int
cal_head_write(struct ical_writer *w, const struct event_calendar *cal,
               struct tz_entry **used, size_t nused, char *err, size_t errlen)
{
	size_t i;

	w_raw(w, "BEGIN", "VCALENDAR");
	w_raw(w, "PRODID", "-//cronograma//cronograma " VERSION "//ES");
	w_raw(w, "VERSION", "2.0");
	w_raw(w, "CALSCALE", "GREGORIAN");
	if (cal->method)
		w_raw(w, "METHOD", cal->method);
	w_text(w, "NAME", cal->name);
	w_text(w, "X-WR-CALNAME", cal->name);
	w_text(w, "DESCRIPTION", cal->description);
	w_text(w, "X-WR-CALDESC", cal->description);
	w_text(w, "X-WR-TIMEZONE", cal->timezone);
	if (cal->refresh) {
		w_raw(w, "REFRESH-INTERVAL;VALUE=DURATION", cal->refresh);
		w_raw(w, "X-PUBLISHED-TTL", cal->refresh);
	}
	for (i = 0; i < nused; i++) {
		const char *vtz = tz_vtimezone(used[i]);

		if (!vtz)
			return event_err(err, errlen, -ENOMEM,
			                 "cannot build the VTIMEZONE of %s",
			                 used[i]->tzid);
		buf_adds(w->out, vtz);
	}
	return 0;
}

/* Check the calendar's own properties. */
static int
cal_check(const struct event_calendar *cal, char *err, size_t errlen)
{
	if (cal->method && !token_ok(cal->method))
		return event_err(err, errlen, -EINVAL, "bad METHOD '%s'",
		                 cal->method);
	if (cal->organizer &&
	    (event_has_ctl(cal->organizer, 0) || strchr(cal->organizer, ' ')))
		return event_err(err, errlen, -EINVAL, "bad ORGANIZER");
	if (cal->refresh && icaldurationtype_is_bad_duration(
	                        icaldurationtype_from_string(cal->refresh)))
		return event_err(err, errlen, -EINVAL,
		                 "bad refresh interval '%s'", cal->refresh);
	return 0;
}

/* Mark zone tzid used (once per calendar) in used[]. */
static int
cal_zone_use(const char *tzid, struct tz_entry **used, size_t *nused, char *err,
             size_t errlen)
{
	struct tz_entry *e;

	if (strcmp(tzid, "UTC") == 0)
		return 0;
	e = event_tz_find(tzid);
	if (!e)
		return event_err(err, errlen, -EINVAL, "unknown time zone '%s'",
		                 tzid);
	if (e->mark != event_tz_generation) {
		e->mark = event_tz_generation;
		used[(*nused)++] = e;
	}
	return 0;
}

int
event_calendar_render(const struct event *evs, size_t n,
                      const struct event_calendar *cal, char **out,
                      size_t *outlen, char *err, size_t errlen)
{
	static const struct event_calendar none = {0};
	struct buf o = {0};
	struct ical_writer w = {.out = &o};
	struct tz_entry **used = NULL;
	size_t nused = 0, i;
	int64_t now = clock_now();
	int r = 0;

	*out = NULL;
	*outlen = 0;
	if (!cal)
		cal = &none;
	if ((r = cal_check(cal, err, errlen)) < 0)
		return r;
	if (n && !(used = calloc(n, sizeof(*used))))
		return event_err(err, errlen, -ENOMEM, "out of memory");

	/* Validate everything and list the zones before writing a byte. */
	event_tz_generation++;
	for (i = 0; i < n; i++) {
		if ((r = event_validate(&evs[i], err, errlen)) < 0)
			goto done;
		if (event_timed(&evs[i]) &&
		    (r = cal_zone_use(event_tzid(&evs[i]), used, &nused, err,
		                      errlen)) < 0)
			goto done;
	}

	buf_reserve(&o, 1024 + n * 900);
	if ((r = cal_head_write(&w, cal, used, nused, err, errlen)) < 0)
		goto done;
	for (i = 0; i < n; i++)
		vevent_write(&w, &evs[i], cal->organizer, cal->with_alarms,
		             cal->cancel_marked, now);
	w_raw(&w, "END", "VCALENDAR");
	if (o.oom)
		r = event_err(err, errlen, -ENOMEM, "out of memory");
done:
	free(used);
	free(w.line.p);
	if (r < 0) {
		free(o.p);
		return r;
	}
	*out = o.p;
	*outlen = o.len;
	return 0;
}

/*
 * The zone named by a ";TZID=" parameter in line (up to ':' or ';') into
 * buf, or "" when the line has none.
 */
static void
line_tzid(const char *line, const char *eol, char *buf, size_t buflen)
{
	const char *p = line, *q;
	size_t len;

	buf[0] = '\0';
	while ((p = memchr(p, ';', (size_t)(eol - p))) != NULL) {
		p++;
		if ((size_t)(eol - p) > 5 && strncmp(p, "TZID=", 5) == 0) {
			p += 5;
			q = p + strcspn(p, ":;\r\n");
			len = (size_t)(q - p);
			if (len < buflen) {
				memcpy(buf, p, len);
				buf[len] = '\0';
			}
			return;
		}
	}
}

int
event_calendar_render_text(const char *const *vevents, size_t n,
                           const struct event_calendar *cal, char **out,
                           size_t *outlen, char *err, size_t errlen)
{
	static const struct event_calendar none = {0};
	struct buf o = {0};
	struct ical_writer w = {.out = &o};
	struct tz_entry *used[64];
	size_t nused = 0, i, total = 0;
	char tzid[128];
	int r = 0;

	*out = NULL;
	*outlen = 0;
	if (!cal)
		cal = &none;
	if ((r = cal_check(cal, err, errlen)) < 0)
		return r;
	if (cal->organizer)
		return event_err(
		    err, errlen, -EINVAL,
		    "stored sessions are rendered without ORGANIZER");
	/* Only DTSTART and DTEND lines carry a zone in stored sessions. */
	event_tz_generation++;
	for (i = 0; i < n; i++) {
		const char *line = vevents[i];

		total += strlen(vevents[i]);
		while (*line) {
			const char *eol = line + strcspn(line, "\n");

			/* The first letter first: most lines are not these. */
			if (line[0] == 'D' &&
			    (strncmp(line, "DTSTART;", 8) == 0 ||
			     strncmp(line, "DTEND;", 6) == 0)) {
				line_tzid(line, eol, tzid, sizeof(tzid));
				if (tzid[0] && nused < 64 &&
				    (r = cal_zone_use(tzid, used, &nused, err,
				                      errlen)) < 0)
					return r;
			}
			line = *eol ? eol + 1 : eol;
		}
	}
	buf_reserve(&o, 4096 + total);
	if ((r = cal_head_write(&w, cal, used, nused, err, errlen)) < 0)
		goto done;
	for (i = 0; i < n; i++)
		buf_adds(&o, vevents[i]);
	w_raw(&w, "END", "VCALENDAR");
	if (o.oom)
		r = event_err(err, errlen, -ENOMEM, "out of memory");
done:
	free(w.line.p);
	if (r < 0) {
		free(o.p);
		return r;
	}
	*out = o.p;
	*outlen = o.len;
	return 0;
}
