/* event: see event.h. The struct, names, time zones, spans, validation
 * and comparison; event_render.c writes iCalendar, event_parse.c reads it.
 * libical knows the time zones (the system's tzdata under
 * /usr/share/zoneinfo) and builds the VTIMEZONE components. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libical/ical.h>

#include "clock.h"
#include "event.h"
#include "event_internal.h"
#include "text.h"

int
event_err(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* ---- the struct ---- */

void
event_init(struct event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->start_min = -1;
	ev->end_min = -1;
}

void
event_fini(struct event *ev)
{
	size_t i;

	if (!ev)
		return;
	free(ev->uid);
	free(ev->title);
	free(ev->description);
	free(ev->location);
	free(ev->words);
	free(ev->tzid);
	free(ev->reason);
	free(ev->url);
	for (i = 0; i < ev->ntopics; i++) {
		free(ev->topics[i].slug);
		free(ev->topics[i].name);
	}
	free(ev->topics);
	free(ev->remind);
	event_init(ev);
}

int
event_str_set(char **field, const char *value)
{
	char *copy = NULL;

	if (value && !(copy = strdup(value)))
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

int
event_topic_add(struct event *ev, const char *slug, const char *name)
{
	struct event_topic *t;
	char *s, *n;

	if (!slug)
		return -EINVAL;
	t = realloc(ev->topics, (ev->ntopics + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	ev->topics = t;
	s = strdup(slug);
	n = strdup(name ? name : slug);
	if (!s || !n) {
		free(s);
		free(n);
		return -ENOMEM;
	}
	t[ev->ntopics].slug = s;
	t[ev->ntopics].name = n;
	ev->ntopics++;
	return 0;
}

int
event_copy(struct event *dst, const struct event *src)
{
	char **fields[] = {&dst->uid,      &dst->title, &dst->description,
	                   &dst->location, &dst->words, &dst->tzid,
	                   &dst->reason,   &dst->url};
	const char *values[] = {src->uid,      src->title, src->description,
	                        src->location, src->words, src->tzid,
	                        src->reason,   src->url};
	size_t i;

	*dst = *src;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		*fields[i] = NULL;
	dst->topics = NULL;
	dst->ntopics = 0;
	dst->remind = NULL;
	dst->nremind = 0;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (event_str_set(fields[i], values[i]) < 0)
			goto fail;
	for (i = 0; i < src->ntopics; i++)
		if (event_topic_add(dst, src->topics[i].slug,
		                    src->topics[i].name) < 0)
			goto fail;
	if (src->remind) {
		dst->remind = malloc((src->nremind ? src->nremind : 1) *
		                     sizeof(*dst->remind));
		if (!dst->remind)
			goto fail;
		if (src->nremind)
			memcpy(dst->remind, src->remind,
			       src->nremind * sizeof(*dst->remind));
		dst->nremind = src->nremind;
	}
	return 0;
fail:
	event_fini(dst);
	return -ENOMEM;
}

int
event_has_topic(const struct event *ev, const char *slug)
{
	size_t i;

	for (i = 0; i < ev->ntopics; i++)
		if (strcmp(ev->topics[i].slug, slug) == 0)
			return 1;
	return 0;
}

void
event_fecha_set(struct event *ev, const struct fecha *f)
{
	ev->kind = f->kind;
	ev->start = f->start;
	ev->end = f->end;
	ev->start_min = f->start_min;
	ev->end_min = f->end_min;
	ev->win_start = f->win_start;
	ev->win_end = f->win_end;
	ev->duration_days = f->duration_days;
}

/* ---- names ---- */

static const char *const kind_names[] = {"date", "range", "tbd", "approx"};
static const char *const status_names[] = {"CONFIRMED", "TENTATIVE",
                                           "CANCELLED"};

const char *
event_kind_name(enum fecha_kind kind)
{
	if ((unsigned)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "unknown";
	return kind_names[kind];
}

int
event_kind_parse(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcasecmp(name, kind_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
event_status_name(enum event_status st)
{
	if ((unsigned)st >= sizeof(status_names) / sizeof(status_names[0]))
		return "unknown";
	return status_names[st];
}

int
event_status_parse(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(status_names) / sizeof(status_names[0]);
	     i++)
		if (strcasecmp(name, status_names[i]) == 0)
			return (int)i;
	return -1;
}

int
event_undecided(const struct event *ev)
{
	return ev->kind == FECHA_TBD || ev->kind == FECHA_APPROX;
}

int
event_timed(const struct event *ev)
{
	return !event_undecided(ev) && ev->start_min >= 0;
}

/* The STATUS subscribers see: an undecided session is always tentative. */
enum event_status
event_status_effective(const struct event *ev)
{
	if (ev->status == EVENT_CANCELLED)
		return EVENT_CANCELLED;
	if (event_undecided(ev))
		return EVENT_TENTATIVE;
	return ev->status;
}

const char *
event_tzid(const struct event *ev)
{
	return ev->tzid ? ev->tzid : EVENT_DEFAULT_TZID;
}

/* ---- time zones ----
 *
 * libical keeps the zones it loaded from tzdata for the life of the
 * process; this cache adds our own lookups (so a zone missing from
 * zone.tab is not fetched again on every call) and each zone's rendered
 * VTIMEZONE. Entries are allocated one by one so pointers stay valid.
 * Imports read on a thread of their own look zones up too, so the list is
 * behind a mutex (libical guards its own zones). */

static struct tz_entry **tz_cache;
static size_t tz_ncache;
static pthread_mutex_t tz_mutex = PTHREAD_MUTEX_INITIALIZER;
unsigned event_tz_generation;

/* Plain Olson names only: no path tricks reach the zoneinfo directory. */
static int
tz_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '/' || s[n - 1] == '/' ||
	    strstr(s, "//") || strstr(s, ".."))
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '/' || c == '_' ||
		      c == '-' || c == '+'))
			return 0;
	}
	return 1;
}

static struct tz_entry *
tz_find_locked(const char *tzid)
{
	struct tz_entry *e, **grown;
	icaltimezone *zone;
	size_t i;

	for (i = 0; i < tz_ncache; i++)
		if (strcmp(tz_cache[i]->tzid, tzid) == 0)
			return tz_cache[i];
	if (!tz_name_ok(tzid))
		return NULL;
	if (strcmp(tzid, "UTC") == 0)
		zone = icaltimezone_get_utc_timezone();
	else
		zone = icaltimezone_get_builtin_timezone(tzid);
	if (!zone)
		return NULL;
	grown = realloc(tz_cache, (tz_ncache + 1) * sizeof(*tz_cache));
	if (!grown)
		return NULL;
	tz_cache = grown;
	e = calloc(1, sizeof(*e));
	if (!e || !(e->tzid = strdup(tzid))) {
		free(e);
		return NULL;
	}
	e->zone = zone;
	tz_cache[tz_ncache++] = e;
	return e;
}

struct tz_entry *
event_tz_find(const char *tzid)
{
	struct tz_entry *e;

	pthread_mutex_lock(&tz_mutex);
	e = tz_find_locked(tzid);
	pthread_mutex_unlock(&tz_mutex);
	return e;
}

void
event_cleanup(void)
{
	size_t i;

	pthread_mutex_lock(&tz_mutex);
	for (i = 0; i < tz_ncache; i++) {
		free(tz_cache[i]->tzid);
		free(tz_cache[i]->vtimezone);
		free(tz_cache[i]);
	}
	free(tz_cache);
	tz_cache = NULL;
	tz_ncache = 0;
	pthread_mutex_unlock(&tz_mutex);
	icaltimezone_free_builtin_timezones();
	icalmemory_free_ring();
}

int
event_tzid_known(const char *tzid)
{
	return tzid && event_tz_find(tzid) != NULL;
}

int
event_tz_abbrev(const char *tzid, int64_t utc, char *buf, size_t buflen,
                int *offset_s)
{
	struct icaltimetype t;
	struct tz_entry *e;
	const char *names, *slash;
	int daylight = 0, off;
	size_t n;

	buf[0] = '\0';
	if (!tzid || !(e = event_tz_find(tzid)) || buflen == 0)
		return -EINVAL;
	t = icaltime_from_timet_with_zone((time_t)utc, 0,
	                                  icaltimezone_get_utc_timezone());
	off = icaltimezone_get_utc_offset_of_utc_time(e->zone, &t, &daylight);
	if (offset_s)
		*offset_s = off;
	/* "CST/CDT": standard, then daylight; "CET" alone when both agree. */
	names = icaltimezone_get_tznames(e->zone);
	if (!names)
		return 0;
	slash = strchr(names, '/');
	if (daylight && slash)
		names = slash + 1;
	n = daylight || !slash ? strcspn(names, "/") : (size_t)(slash - names);
	/* tzdata writes "+01" where a zone has no letters: say nothing. */
	if (n == 0 || n >= buflen || names[0] == '+' || names[0] == '-' ||
	    (names[0] >= '0' && names[0] <= '9'))
		return 0;
	memcpy(buf, names, n);
	buf[n] = '\0';
	return 0;
}

int
event_minutes_ok(int m)
{
	return m >= 0 && m < 24 * 60;
}

int
event_local_to_utc(const char *tzid, struct fecha_date d, int minutes,
                   int64_t *utc)
{
	struct icaltimetype t = icaltime_null_time();
	struct tz_entry *e;

	if (!tzid || !(e = event_tz_find(tzid)) || !fecha_date_valid(d) ||
	    !event_minutes_ok(minutes))
		return -EINVAL;
	t.year = d.y;
	t.month = d.m;
	t.day = d.d;
	t.hour = minutes / 60;
	t.minute = minutes % 60;
	*utc = (int64_t)icaltime_as_timet_with_zone(t, e->zone);
	return 0;
}

int
event_utc_to_local(const char *tzid, int64_t utc, struct fecha_date *d,
                   int *minutes)
{
	struct icaltimetype t;
	struct tz_entry *e;

	if (!tzid || !(e = event_tz_find(tzid)))
		return -EINVAL;
	t = icaltime_from_timet_with_zone((time_t)utc, 0, e->zone);
	d->y = t.year;
	d->m = t.month;
	d->d = t.day;
	*minutes = t.hour * 60 + t.minute;
	return 0;
}

/* Wall-clock arithmetic: (d, min) plus delta minutes, normalised. */
void
event_wall_add(struct fecha_date *d, int *min, long delta)
{
	long total = (long)*min + delta;
	long days = total >= 0 ? total / 1440 : -((-total + 1439) / 1440);

	*min = (int)(total - days * 1440);
	if (days)
		*d = fecha_date_add(*d, days);
}

/* Where a timed session's DTEND falls, in its own zone's wall time. */
void
event_dtend_wall(const struct event *ev, struct fecha_date *d, int *min)
{
	*d = ev->kind == FECHA_RANGE ? ev->end : ev->start;
	if (ev->end_min >= 0) {
		*min = ev->end_min;
	} else {
		*min = ev->start_min;
		event_wall_add(d, min, 60);
	}
}

int
event_span_utc(const struct event *ev, int64_t *start, int64_t *end)
{
	const char *tz = event_tzid(ev);
	struct fecha_date a, b;
	int amin = 0, bmin = 0;

	if (event_undecided(ev)) {
		a = ev->win_start;
		b = ev->win_end;
	} else {
		a = ev->start;
		b = ev->kind == FECHA_RANGE ? ev->end : ev->start;
	}
	if (!fecha_date_valid(a) || !fecha_date_valid(b))
		return -EINVAL;
	if (event_timed(ev)) {
		if (!event_minutes_ok(ev->start_min))
			return -EINVAL;
		amin = ev->start_min;
		event_dtend_wall(ev, &b, &bmin);
	} else {
		b = fecha_date_add(b, 1);
	}
	if (event_local_to_utc(tz, a, amin, start) < 0 ||
	    event_local_to_utc(tz, b, bmin, end) < 0)
		return -EINVAL;
	return 0;
}

/* ---- validation and comparison ---- */

int
event_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n;
		unsigned cp;
		if (*p < 0x80) {
			p++;
			continue;
		} else if ((*p & 0xE0) == 0xC0) {
			n = 1;
			cp = *p & 0x1F;
		} else if ((*p & 0xF0) == 0xE0) {
			n = 2;
			cp = *p & 0x0F;
		} else if ((*p & 0xF8) == 0xF0) {
			n = 3;
			cp = *p & 0x07;
		} else {
			return 0;
		}
		p++;
		for (int i = 0; i < n; i++, p++) {
			if ((*p & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (*p & 0x3F);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
	}
	return 1;
}

/* 1 if s has a control character (CR and LF included); TAB allowed if
 * tab_ok. */
int
event_has_ctl(const char *s, int tab_ok)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && !(tab_ok && *s == '\t')) ||
		    *s == 0x7F)
			return 1;
	return 0;
}

/* Slugs the public site's routes take for themselves: /calendarios/
 * todos.ics is every topic's feed, /calendarios/osc/ the private ones. */
static const char *const slug_reserved[] = {"todos", "osc"};

int
event_slug_check(const char *s, char *err, size_t errlen)
{
	size_t n = s ? strlen(s) : 0, i;

	if (n == 0)
		return event_err(err, errlen, -EINVAL, "a topic slug is empty");
	if (n > EVENT_SLUG_MAX)
		return event_err(err, errlen, -EINVAL,
		                 "topic slug '%.40s…' is %zu characters long, "
		                 "more than %d",
		                 s, n, EVENT_SLUG_MAX);
	if (strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != n ||
	    s[0] == '-' || s[n - 1] == '-')
		return event_err(err, errlen, -EINVAL,
		                 "'%s' is not a topic slug (a-z, 0-9 and inner "
		                 "hyphens)",
		                 s);
	for (i = 0; i < sizeof(slug_reserved) / sizeof(slug_reserved[0]); i++)
		if (strcmp(s, slug_reserved[i]) == 0)
			return event_err(err, errlen, -EINVAL,
			                 "topic slug '%s' is reserved: the "
			                 "public site's addresses use it",
			                 s);
	return 0;
}

int
event_slug_ok(const char *s)
{
	return event_slug_check(s, NULL, 0) == 0;
}

void
event_clean(struct event *ev)
{
	size_t i;

	text_strip_invisible(ev->title);
	text_strip_invisible(ev->location);
	for (i = 0; i < ev->ntopics; i++)
		text_strip_invisible(ev->topics[i].name);
}

int
event_validate(const struct event *ev, char *err, size_t errlen)
{
	const struct {
		const char *name, *value;
		size_t max;
		int one_line;
	} texts[] = {
	    {"the title", ev->title, EVENT_TITLE_MAX, 1},
	    {"the location", ev->location, EVENT_LOCATION_MAX, 1},
	    {"the description", ev->description, EVENT_DESCRIPTION_MAX, 0},
	    {"the date words", ev->words, EVENT_WORDS_MAX, 0},
	    {"the reason", ev->reason, EVENT_REASON_MAX, 0},
	};
	const char *uid = ev->uid ? ev->uid : "";
	char why[200];
	size_t i;

	if (!ev->uid || !*ev->uid)
		return event_err(err, errlen, -EINVAL, "event without a UID");
	/* Any UID RFC 5545 allows (its TEXT may hold tabs) but line
	 * breaks and other controls, which no calendar writes. */
	if (text_check("its UID", ev->uid, EVENT_UID_MAX, 1, why, sizeof(why)) <
	    0)
		return event_err(
		    err, errlen, -EINVAL, "%.60s: %s",
		    text_utf8_valid(uid, strlen(uid)) ? uid : "event", why);
	if (!ev->title || !*ev->title)
		return event_err(err, errlen, -EINVAL, "%s: no title", uid);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (text_check(texts[i].name, texts[i].value, texts[i].max,
		               texts[i].one_line, why, sizeof(why)) < 0)
			return event_err(err, errlen, -EINVAL, "%s: %s", uid,
			                 why);
	if (ev->url && (event_has_ctl(ev->url, 0) || strchr(ev->url, ' ') ||
	                strlen(ev->url) > EVENT_URL_MAX))
		return event_err(err, errlen, -EINVAL,
		                 "%s: URL has spaces or control characters, or "
		                 "is longer than %d bytes",
		                 uid, EVENT_URL_MAX);
	if (ev->tzid && !event_tzid_known(ev->tzid))
		return event_err(err, errlen, -EINVAL,
		                 "%s: unknown time zone '%s'", uid, ev->tzid);
	if ((unsigned)ev->status > EVENT_CANCELLED)
		return event_err(err, errlen, -EINVAL, "%s: bad status", uid);
	if (ev->sequence < 0)
		return event_err(err, errlen, -EINVAL, "%s: negative SEQUENCE",
		                 uid);
	if (ev->ntopics > EVENT_TOPICS_MAX)
		return event_err(err, errlen, -EINVAL,
		                 "%s: %zu topics, more than %d", uid,
		                 ev->ntopics, EVENT_TOPICS_MAX);
	for (i = 0; i < ev->ntopics; i++) {
		const struct event_topic *t = &ev->topics[i];
		if (!t->slug || event_slug_check(t->slug, why, sizeof(why)) < 0)
			return event_err(err, errlen, -EINVAL, "%s: %s", uid,
			                 t->slug ? why : "a topic has no slug");
		if (!t->name || !*t->name ||
		    text_check("its name", t->name, EVENT_TOPIC_NAME_MAX, 1,
		               why, sizeof(why)) < 0)
			return event_err(err, errlen, -EINVAL,
			                 "%s: topic '%s': %s", uid, t->slug,
			                 t->name && *t->name ? why : "no name");
	}
	for (i = 0; i < ev->nremind; i++)
		if (ev->remind[i] > 400 * 86400LL ||
		    ev->remind[i] < -400 * 86400LL)
			return event_err(err, errlen, -EINVAL,
			                 "%s: reminder offset %lld s out of "
			                 "range",
			                 uid, (long long)ev->remind[i]);

	switch (ev->kind) {
	case FECHA_DATE:
	case FECHA_RANGE:
		if (!fecha_date_valid(ev->start))
			return event_err(err, errlen, -EINVAL,
			                 "%s: no valid start date", uid);
		if (ev->kind == FECHA_RANGE &&
		    (!fecha_date_valid(ev->end) ||
		     fecha_date_cmp(ev->start, ev->end) > 0))
			return event_err(err, errlen, -EINVAL,
			                 "%s: the range ends before it starts "
			                 "or has no valid end date",
			                 uid);
		if (ev->start_min < -1 || ev->start_min >= 1440 ||
		    ev->end_min < -1 || ev->end_min >= 1440)
			return event_err(err, errlen, -EINVAL,
			                 "%s: time of day out of range", uid);
		if (ev->end_min >= 0 && ev->start_min < 0)
			return event_err(err, errlen, -EINVAL,
			                 "%s: an end time without a start time",
			                 uid);
		if (ev->end_min >= 0 && ev->end_min <= ev->start_min &&
		    (ev->kind == FECHA_DATE ||
		     fecha_date_cmp(ev->start, ev->end) == 0))
			return event_err(err, errlen, -EINVAL,
			                 "%s: ends before it starts", uid);
		break;
	case FECHA_TBD:
	case FECHA_APPROX:
		if (!fecha_date_valid(ev->win_start) ||
		    !fecha_date_valid(ev->win_end) ||
		    fecha_date_cmp(ev->win_start, ev->win_end) > 0)
			return event_err(err, errlen, -EINVAL,
			                 "%s: an undecided session needs a "
			                 "valid window",
			                 uid);
		if (ev->kind == FECHA_APPROX &&
		    (ev->duration_days < 1 ||
		     ev->duration_days > fecha_date_to_days(ev->win_end) -
		                             fecha_date_to_days(ev->win_start) +
		                             1))
			return event_err(err, errlen, -EINVAL,
			                 "%s: duration of %d days does not fit "
			                 "the window",
			                 uid, ev->duration_days);
		break;
	default:
		return event_err(err, errlen, -EINVAL, "%s: bad kind", uid);
	}
	return 0;
}

/* Next character of a text as iCalendar keeps it: CRLF and CR are LF. */
static char
text_next(const char **s)
{
	char c = **s;

	if (c)
		(*s)++;
	if (c == '\r') {
		if (**s == '\n')
			(*s)++;
		c = '\n';
	}
	return c;
}

/* NULL and "" are the same to a reader, and so are line ends. */
static int
str_same(const char *a, const char *b)
{
	char ca, cb;

	a = a ? a : "";
	b = b ? b : "";
	do {
		ca = text_next(&a);
		cb = text_next(&b);
	} while (ca && ca == cb);
	return ca == cb;
}

int
event_same(const struct event *a, const struct event *b)
{
	size_t i;

	if (!str_same(a->uid, b->uid) || !str_same(a->title, b->title) ||
	    !str_same(a->description, b->description) ||
	    !str_same(a->location, b->location) ||
	    !str_same(a->words, b->words) || !str_same(a->reason, b->reason) ||
	    !str_same(a->url, b->url) ||
	    strcmp(event_tzid(a), event_tzid(b)) != 0 || a->kind != b->kind ||
	    event_status_effective(a) != event_status_effective(b))
		return 0;
	if (event_undecided(a)) {
		if (fecha_date_cmp(a->win_start, b->win_start) ||
		    fecha_date_cmp(a->win_end, b->win_end) ||
		    (a->kind == FECHA_APPROX &&
		     a->duration_days != b->duration_days))
			return 0;
	} else {
		if (fecha_date_cmp(a->start, b->start) ||
		    (a->kind == FECHA_RANGE &&
		     fecha_date_cmp(a->end, b->end)) ||
		    a->start_min != b->start_min ||
		    (a->start_min >= 0 && a->end_min != b->end_min))
			return 0;
	}
	if (a->ntopics != b->ntopics || a->nremind != b->nremind)
		return 0;
	for (i = 0; i < a->ntopics; i++)
		if (strcmp(a->topics[i].slug, b->topics[i].slug) ||
		    !str_same(a->topics[i].name, b->topics[i].name))
			return 0;
	for (i = 0; i < a->nremind; i++)
		if (a->remind[i] != b->remind[i])
			return 0;
	return 1;
}

const char *
event_short_id(const char *uid, char *buf, size_t buflen)
{
	size_t len = strcspn(uid, "@");

	if (len >= buflen)
		len = buflen - 1;
	memcpy(buf, uid, len);
	buf[len] = '\0';
	return buf;
}
