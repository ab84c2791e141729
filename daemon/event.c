/* event: see event.h.
 *
 * Rendering is done here, line by line, into one growing buffer: the
 * property order is fixed, TEXT values are escaped and every line is folded
 * at 75 octets on a UTF-8 character boundary. libical parses (it unfolds
 * and unescapes), knows the time zones (the system's tzdata under
 * /usr/share/zoneinfo) and builds the VTIMEZONE components. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libical/ical.h>

#include "clock.h"
#include "event.h"

#ifndef VERSION
#define VERSION "0.0.0"
#endif

#define EVENT_LINE_MAX 75
/* VTIMEZONEs start here: older history only makes feeds longer. */
#define EVENT_TZ_SINCE "19700101T000000Z"

static int event_err(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
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

static int
event_undecided(const struct event *ev)
{
	return ev->kind == FECHA_TBD || ev->kind == FECHA_APPROX;
}

static int
event_timed(const struct event *ev)
{
	return !event_undecided(ev) && ev->start_min >= 0;
}

/* The STATUS subscribers see: an undecided session is always tentative. */
static enum event_status
event_status_effective(const struct event *ev)
{
	if (ev->status == EVENT_CANCELLED)
		return EVENT_CANCELLED;
	if (event_undecided(ev))
		return EVENT_TENTATIVE;
	return ev->status;
}

static const char *
event_tzid(const struct event *ev)
{
	return ev->tzid ? ev->tzid : EVENT_DEFAULT_TZID;
}

/* ---- time zones ----
 *
 * libical keeps the zones it loaded from tzdata for the life of the
 * process; this cache adds our own lookups (so a zone missing from
 * zone.tab is not fetched again on every call) and each zone's rendered
 * VTIMEZONE. Entries are allocated one by one so pointers stay valid. */

struct tz_entry {
	char *tzid;
	icaltimezone *zone;
	char *vtimezone; /* rendered lazily */
	unsigned mark;   /* calendar render generation, to dedupe */
};

static struct tz_entry **tz_cache;
static size_t tz_ncache;
static unsigned tz_generation;

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
tz_find(const char *tzid)
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

void
event_cleanup(void)
{
	size_t i;

	for (i = 0; i < tz_ncache; i++) {
		free(tz_cache[i]->tzid);
		free(tz_cache[i]->vtimezone);
		free(tz_cache[i]);
	}
	free(tz_cache);
	tz_cache = NULL;
	tz_ncache = 0;
	icaltimezone_free_builtin_timezones();
	icalmemory_free_ring();
}

int
event_tzid_known(const char *tzid)
{
	return tzid && tz_find(tzid) != NULL;
}

static int
minutes_ok(int m)
{
	return m >= 0 && m < 24 * 60;
}

int
event_local_to_utc(const char *tzid, struct fecha_date d, int minutes,
                   int64_t *utc)
{
	struct icaltimetype t = icaltime_null_time();
	struct tz_entry *e;

	if (!tzid || !(e = tz_find(tzid)) || !fecha_date_valid(d) ||
	    !minutes_ok(minutes))
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

	if (!tzid || !(e = tz_find(tzid)))
		return -EINVAL;
	t = icaltime_from_timet_with_zone((time_t)utc, 0, e->zone);
	d->y = t.year;
	d->m = t.month;
	d->d = t.day;
	*minutes = t.hour * 60 + t.minute;
	return 0;
}

/* Wall-clock arithmetic: (d, min) plus delta minutes, normalised. */
static void
wall_add(struct fecha_date *d, int *min, long delta)
{
	long total = (long)*min + delta;
	long days = total >= 0 ? total / 1440 : -((-total + 1439) / 1440);

	*min = (int)(total - days * 1440);
	if (days)
		*d = fecha_date_add(*d, days);
}

/* Where a timed session's DTEND falls, in its own zone's wall time. */
static void
event_dtend_wall(const struct event *ev, struct fecha_date *d, int *min)
{
	*d = ev->kind == FECHA_RANGE ? ev->end : ev->start;
	if (ev->end_min >= 0) {
		*min = ev->end_min;
	} else {
		*min = ev->start_min;
		wall_add(d, min, 60);
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
		if (!minutes_ok(ev->start_min))
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

static int
utf8_valid(const char *s)
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
static int
has_ctl(const char *s, int tab_ok)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && !(tab_ok && *s == '\t')) ||
		    *s == 0x7F)
			return 1;
	return 0;
}

static int
slug_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_'))
			return 0;
	return 1;
}

int
event_validate(const struct event *ev, char *err, size_t errlen)
{
	const struct {
		const char *name, *value;
		int one_line;
	} texts[] = {
	    {"title", ev->title, 1},
	    {"location", ev->location, 1},
	    {"description", ev->description, 0},
	    {"words", ev->words, 0},
	    {"reason", ev->reason, 0},
	};
	const char *uid = ev->uid ? ev->uid : "";
	size_t i;

	if (!ev->uid || !*ev->uid)
		return event_err(err, errlen, -EINVAL, "event without a UID");
	if (has_ctl(ev->uid, 0) || !utf8_valid(ev->uid))
		return event_err(err, errlen, -EINVAL,
		                 "UID has control characters or bad UTF-8");
	if (!ev->title || !*ev->title)
		return event_err(err, errlen, -EINVAL, "%s: no title", uid);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (!texts[i].value)
			continue;
		if (!utf8_valid(texts[i].value))
			return event_err(err, errlen, -EINVAL,
			                 "%s: %s is not valid UTF-8", uid,
			                 texts[i].name);
		if (texts[i].one_line && has_ctl(texts[i].value, 1))
			return event_err(err, errlen, -EINVAL,
			                 "%s: %s has a line break or a "
			                 "control character",
			                 uid, texts[i].name);
	}
	if (ev->url && (has_ctl(ev->url, 0) || strchr(ev->url, ' ')))
		return event_err(err, errlen, -EINVAL,
		                 "%s: URL has spaces or control characters",
		                 uid);
	if (ev->tzid && !event_tzid_known(ev->tzid))
		return event_err(err, errlen, -EINVAL,
		                 "%s: unknown time zone '%s'", uid, ev->tzid);
	if ((unsigned)ev->status > EVENT_CANCELLED)
		return event_err(err, errlen, -EINVAL, "%s: bad status", uid);
	if (ev->sequence < 0)
		return event_err(err, errlen, -EINVAL, "%s: negative SEQUENCE",
		                 uid);
	for (i = 0; i < ev->ntopics; i++) {
		const struct event_topic *t = &ev->topics[i];
		if (!t->slug || !slug_ok(t->slug))
			return event_err(err, errlen, -EINVAL,
			                 "%s: bad topic slug '%s'", uid,
			                 t->slug ? t->slug : "");
		if (!t->name || !*t->name || has_ctl(t->name, 0) ||
		    !utf8_valid(t->name))
			return event_err(err, errlen, -EINVAL,
			                 "%s: bad name for topic '%s'", uid,
			                 t->slug);
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

/* ---- rendering ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static int
sbuf_reserve(struct sbuf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->oom)
		return -1;
	if (b->len + more + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

static void
sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	if (sbuf_reserve(b, n) < 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sbuf_adds(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

static void sbuf_addf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		sbuf_add(b, tmp,
		         (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Append TEXT value s escaped (RFC 5545 3.3.11). CRLF and a lone CR
 * become \n; other control characters but TAB are dropped. */
static void
sbuf_add_text(struct sbuf *b, const char *s)
{
	const char *run = s;

	for (;; s++) {
		unsigned char c = (unsigned char)*s;
		const char *esc;

		if (c >= 0x20 && c != '\\' && c != ';' && c != ',' && c != 0x7F)
			continue;
		if (c == '\t')
			continue;
		sbuf_add(b, run, (size_t)(s - run));
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
		sbuf_adds(b, esc);
	}
}

/* Append one content line (unfolded text line, no line end) to out,
 * folded at 75 octets without splitting a UTF-8 sequence, then CRLF. */
static void
ical_fold(struct sbuf *out, const char *s, size_t n)
{
	size_t room = EVENT_LINE_MAX;

	while (n > room) {
		size_t cut = room;
		while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;
		if (cut == 0) /* not UTF-8 at all: cut where we must */
			cut = room;
		sbuf_add(out, s, cut);
		sbuf_add(out, "\r\n ", 3);
		s += cut;
		n -= cut;
		room = EVENT_LINE_MAX - 1;
	}
	sbuf_add(out, s, n);
	sbuf_add(out, "\r\n", 2);
}

/* A property writer: name (with parameters) and value go into line, then
 * emit() folds it onto out. */
struct ical_writer {
	struct sbuf *out;
	struct sbuf line;
};

static void
w_begin(struct ical_writer *w, const char *name)
{
	w->line.len = 0;
	sbuf_adds(&w->line, name);
	sbuf_add(&w->line, ":", 1);
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
	sbuf_adds(&w->line, value);
	w_emit(w);
}

static void
w_text(struct ical_writer *w, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	w_begin(w, name);
	sbuf_add_text(&w->line, value);
	w_emit(w);
}

static void
w_date(struct ical_writer *w, const char *name, struct fecha_date d)
{
	w_begin(w, name);
	sbuf_addf(&w->line, "%04d%02d%02d", d.y, d.m, d.d);
	w_emit(w);
}

static void
w_utc(struct ical_writer *w, const char *name, int64_t t)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400;
	struct fecha_date d = fecha_date_from_days((long)days);

	w_begin(w, name);
	sbuf_addf(&w->line, "%04d%02d%02dT%02d%02d%02dZ", d.y, d.m, d.d,
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
	sbuf_adds(&w->line, name);
	if (!utc) {
		sbuf_adds(&w->line, ";TZID=");
		sbuf_adds(&w->line, tz);
	}
	sbuf_addf(&w->line, ":%04d%02d%02dT%02d%02d00%s", d.y, d.m, d.d,
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

/* The VEVENT of a valid event. now stands in for an unset DTSTAMP. */
static void
vevent_write(struct ical_writer *w, const struct event *ev,
             const char *organizer, int with_alarms, int64_t now)
{
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
	w_text(w, "SUMMARY", ev->title);
	w_text(w, "DESCRIPTION", ev->description);
	w_text(w, "LOCATION", ev->location);

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
				sbuf_add(&w->line, ",", 1);
			sbuf_add_text(&w->line, ev->topics[i].name);
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
				sbuf_add(&w->line, ",", 1);
			sbuf_adds(&w->line, ev->topics[i].slug);
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
	struct sbuf o = {0};
	struct ical_writer w = {.out = &o};
	int r;

	*out = NULL;
	if ((r = event_validate(ev, err, errlen)) < 0)
		return r;
	vevent_write(&w, ev, NULL, 1, clock_now());
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
		sbuf_adds(w->out, vtz);
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
	    (has_ctl(cal->organizer, 0) || strchr(cal->organizer, ' ')))
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
	e = tz_find(tzid);
	if (!e)
		return event_err(err, errlen, -EINVAL, "unknown time zone '%s'",
		                 tzid);
	if (e->mark != tz_generation) {
		e->mark = tz_generation;
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
	struct sbuf o = {0};
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
	tz_generation++;
	for (i = 0; i < n; i++) {
		if ((r = event_validate(&evs[i], err, errlen)) < 0)
			goto done;
		if (event_timed(&evs[i]) &&
		    (r = cal_zone_use(event_tzid(&evs[i]), used, &nused, err,
		                      errlen)) < 0)
			goto done;
	}

	sbuf_reserve(&o, 1024 + n * 900);
	if ((r = cal_head_write(&w, cal, used, nused, err, errlen)) < 0)
		goto done;
	for (i = 0; i < n; i++)
		vevent_write(&w, &evs[i], cal->organizer, cal->with_alarms,
		             now);
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
	struct sbuf o = {0};
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
	tz_generation++;
	for (i = 0; i < n; i++) {
		const char *line = vevents[i];

		total += strlen(vevents[i]);
		while (*line) {
			const char *eol = line + strcspn(line, "\n");

			if ((strncmp(line, "DTSTART;", 8) == 0 ||
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
	sbuf_reserve(&o, 4096 + total);
	if ((r = cal_head_write(&w, cal, used, nused, err, errlen)) < 0)
		goto done;
	for (i = 0; i < n; i++)
		sbuf_adds(&o, vevents[i]);
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
	for (s = tzid; s && !(e = tz_find(s));)
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
		if (loc && (e = tz_find(loc))) {
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
			wall_add(&ed, &emin, icaldurationtype_as_int(dur) / 60);
		} else {
			has_end = 0;
		}
		if (x[X_OPEN_END] && has_end) {
			wall_add(&ed, &emin, -60);
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
