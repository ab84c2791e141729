/* event: one session of the programme as an iCalendar VEVENT (libical).
 *
 * struct event is the C view of a session; the VEVENT text it renders to
 * is what the store keeps as the truth. Every other module reads and
 * writes sessions through this interface; only event.c includes libical.
 *
 * Rendering (see event_to_ical):
 *   UID, DTSTAMP, CREATED, LAST-MODIFIED, SEQUENCE, STATUS, SUMMARY,
 *   DESCRIPTION, LOCATION, CATEGORIES (topic names), URL (if set),
 *   X-CRONOGRAMA-TOPICS (topic slugs, comma separated),
 *   X-CRONOGRAMA-KIND (date|range|tbd|approx),
 *   X-CRONOGRAMA-WORDS (the original Spanish date expression),
 *   X-CRONOGRAMA-REASON (why it was cancelled), and a VALARM per reminder
 *   offset when the session overrides the defaults.
 *   - all-day DATE/RANGE: DTSTART;VALUE=DATE and an exclusive DTEND;VALUE=DATE
 *   - timed: DTSTART;TZID=…, DTEND;TZID=… (end time, or start + 1 h)
 *   - TBD/APPROX: STATUS:TENTATIVE, DTSTART/DTEND;VALUE=DATE spanning the
 *     window, plus X-CRONOGRAMA-WINDOW-START / -END (VALUE=DATE, inclusive)
 *     and, for APPROX, X-CRONOGRAMA-DURATION (e.g. P21D).
 *   - X-CRONOGRAMA-TZID: the session's zone when DTSTART cannot carry it
 *     (all-day and undecided sessions with ev->tzid set).
 *   - X-CRONOGRAMA-OPEN-END:TRUE: a timed session with no end time (its
 *     DTEND is then start + 1 h), so that parsing gives end_min = -1 back.
 * Lines are folded at 75 octets, never inside a UTF-8 character.
 */
#ifndef CRONOGRAMA_EVENT_H
#define CRONOGRAMA_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "fecha.h"

#define EVENT_DEFAULT_TZID "America/Mexico_City"

/* The longest texts of a session, in bytes: more is refused with a
 * message (a 60 MB description would make every feed 60 MB). */
#define EVENT_UID_MAX         1000
#define EVENT_TITLE_MAX       500
#define EVENT_LOCATION_MAX    500
#define EVENT_DESCRIPTION_MAX 20000
#define EVENT_WORDS_MAX       300
#define EVENT_REASON_MAX      2000
#define EVENT_URL_MAX         2000
#define EVENT_TOPIC_NAME_MAX  300
#define EVENT_TOPICS_MAX      64
/* A topic slug: 1 to EVENT_SLUG_MAX of a-z, 0-9 and inner hyphens, and
 * not a word the public site's routes use (see event_slug_check). */
#define EVENT_SLUG_MAX 64

enum event_status {
	EVENT_CONFIRMED,
	EVENT_TENTATIVE,
	EVENT_CANCELLED,
};

struct event_topic {
	char *slug; /* "cambio-climatico" */
	char *name; /* "Cambio climático" (rendered as CATEGORIES) */
};

struct event {
	char *uid;         /* "2018-07@example.org" */
	char *title;       /* SUMMARY */
	char *description; /* may be NULL */
	char *location;    /* may be NULL */
	char *words;       /* original Spanish date words, may be NULL */
	char *tzid;        /* NULL means EVENT_DEFAULT_TZID */
	char *reason;      /* cancellation reason, may be NULL */
	char *url;         /* may be NULL */
	enum fecha_kind kind;
	enum event_status status;
	int sequence;
	struct fecha_date start, end; /* DATE/RANGE, inclusive, local dates */
	int start_min, end_min;       /* -1 = all day / no end time */
	struct fecha_date win_start, win_end; /* TBD/APPROX, inclusive */
	int duration_days;                    /* APPROX */
	struct event_topic *topics;
	size_t ntopics;
	int64_t *remind; /* per-session reminder offsets in seconds, or NULL */
	size_t nremind;
	int64_t dtstamp, created, last_modified; /* UTC seconds, 0 = unset */
};

/* A zeroed event with start_min = end_min = -1. */
void event_init(struct event *ev);
/* Free every field; the struct itself is the caller's. */
void event_fini(struct event *ev);
/* Deep copy into an uninitialised dst. 0 or -ENOMEM. */
int event_copy(struct event *dst, const struct event *src);
/* Replace a string field with a copy of value (NULL clears). 0 or -ENOMEM. */
int event_str_set(char **field, const char *value);
/* Append a topic (copies both strings). 0 or -ENOMEM. */
int event_topic_add(struct event *ev, const char *slug, const char *name);
/* 1 if the event has the topic slug. */
int event_has_topic(const struct event *ev, const char *slug);
/* Fill kind/start/end/times/window/duration from a parsed expression. */
void event_fecha_set(struct event *ev, const struct fecha *f);

/* 0 if the event can be stored, else -EINVAL with a message: no uid, no
 * title, a title or place with CR/LF, a text not UTF-8 or too long (the
 * EVENT_*_MAX above), an unknown TZID, end before start… */
int event_validate(const struct event *ev, char *err, size_t errlen);

/* What every session is made to before it is checked and kept: the
 * invisible characters that reorder or hide text (bidi controls,
 * zero-width ones; text.h) removed from its title, place and topic
 * names. */
void event_clean(struct event *ev);

/* 0 if s can be a topic's slug (in feed and page URLs): 1 to
 * EVENT_SLUG_MAX of a-z, 0-9 and inner hyphens, and not a word the public
 * routes take ("todos", "osc"). Else -EINVAL with the reason. */
int event_slug_check(const char *s, char *err, size_t errlen);

/*
 * 1 if a and b describe the same session for subscribers: everything but
 * sequence, dtstamp, created and last_modified.
 */
int event_same(const struct event *a, const struct event *b);

/* The VEVENT text (BEGIN:VEVENT … END:VEVENT, CRLF, folded). *out is
 * malloc'ed, the caller frees it. 0 or -EINVAL with a message. */
int event_to_ical(const struct event *ev, char **out, char *err, size_t errlen);
/* Parse one VEVENT (or a VCALENDAR holding exactly one). ev must be
 * uninitialised; on success the caller owns it (event_fini). */
int event_from_ical(const char *text, struct event *ev, char *err,
                    size_t errlen);

/*
 * The session's span as UTC instants [start, end): a timed session from
 * its start to its end (or start + 1 h) in its TZID; an all-day one from
 * the local midnight starting its first day to the one after its last;
 * an undecided one likewise over its window. 0 or -EINVAL.
 */
int event_span_utc(const struct event *ev, int64_t *start, int64_t *end);

/* Local wall time in a zone to UTC and back. 0 or -EINVAL (unknown zone). */
int event_local_to_utc(const char *tzid, struct fecha_date d, int minutes,
                       int64_t *utc);
int event_utc_to_local(const char *tzid, int64_t utc, struct fecha_date *d,
                       int *minutes);
/*
 * The zone's abbreviation at instant utc as tzdata has it ("CST", "EST",
 * "CEST") into buf, or "" where tzdata has none but digits ("+01"); and,
 * if offset_s is not NULL, its offset from UTC then, in seconds. 0 or
 * -EINVAL (unknown zone).
 */
int event_tz_abbrev(const char *tzid, int64_t utc, char *buf, size_t buflen,
                    int *offset_s);
/* 1 if the system's tzdata knows the zone. */
int event_tzid_known(const char *tzid);
/* The tzdata name of a TZID as other programs write it (a tzdata name, a
 * prefixed one, or a Windows zone name such as "Central Standard Time
 * (Mexico)"), or NULL. The string lives as long as the module's cache. */
const char *event_tzid_normalise(const char *tzid);
/* The Windows zone names known (for tests): count, and the i-th. */
size_t event_tz_windows_count(void);
const char *event_tz_windows_name(size_t i);

/* The short id staff use for session uid: the part before '@'
 * ("2018-07" of "2018-07@sre.example.gob.mx"), cut to buflen - 1. Returns
 * buf. */
const char *event_short_id(const char *uid, char *buf, size_t buflen);

/* Free libical's zones and this module's caches (call once at exit; any
 * later call loads them again). */
void event_cleanup(void);

/* "date", "range", "tbd", "approx"; and back (-1 if unknown). */
const char *event_kind_name(enum fecha_kind kind);
int event_kind_parse(const char *name);
/* "CONFIRMED", "TENTATIVE", "CANCELLED"; and back (-1 if unknown). */
const char *event_status_name(enum event_status st);
int event_status_parse(const char *name);

/* What a whole calendar carries besides its events. Any field may be NULL. */
struct event_calendar {
	const char *method;      /* "PUBLISH", "CANCEL" or NULL (no METHOD) */
	const char *name;        /* NAME and X-WR-CALNAME */
	const char *description; /* DESCRIPTION and X-WR-CALDESC */
	const char *refresh;     /* "PT6H": REFRESH-INTERVAL, X-PUBLISHED-TTL */
	const char *organizer;   /* "mailto:…": ORGANIZER on each VEVENT */
	int with_alarms;         /* keep VALARMs (0 for public feeds) */
	const char *timezone;    /* X-WR-TIMEZONE: the office's zone */
	/* For calendars people subscribe to (feeds): a cancelled session's
	 * SUMMARY starts with "CANCELADA: " and its DESCRIPTION opens with
	 * the cancellation and its reason, since some programs show a
	 * STATUS:CANCELLED event as if it were still on. */
	int cancel_marked;
};

/*
 * A VCALENDAR (PRODID, VERSION:2.0, the calendar's own properties, one
 * VTIMEZONE per TZID used, built from the system's tzdata, then the
 * events) in *out (malloc'ed, *outlen bytes, NUL-terminated). 0 or
 * negative with a message.
 */
int event_calendar_render(const struct event *evs, size_t n,
                          const struct event_calendar *cal, char **out,
                          size_t *outlen, char *err, size_t errlen);

/*
 * The same VCALENDAR from VEVENT texts that event_to_ical rendered (as the
 * store keeps them), without parsing them again: the fast path for
 * exports. cal->organizer must be NULL; alarms are kept as stored.
 */
int event_calendar_render_text(const char *const *vevents, size_t n,
                               const struct event_calendar *cal, char **out,
                               size_t *outlen, char *err, size_t errlen);

/* Every VEVENT of a VCALENDAR text into *evs (malloc'ed array of *n
 * events; free with event_array_free). 0 or -EINVAL with a message. */
int event_calendar_parse(const char *text, struct event **evs, size_t *n,
                         char *err, size_t errlen);

/*
 * The same for an untrusted file, within budget (may be NULL; libical's
 * tree is counted against it line by line): returns as above, or the
 * budget's reason (-ETIMEDOUT, -E2BIG, -ECANCELED). A TZID that names a
 * tzdata zone (a tzdata name, prefixed or not, or a Windows name) is
 * read in tzdata's zone; any other needs the file's VTIMEZONE, whose
 * rules must be yearly and few (else -EINVAL naming the line). *line, if
 * not NULL, gets the line an error names, or 0. Any thread.
 */
struct budget;
int event_calendar_read(const char *text, struct budget *budget,
                        struct event **evs, size_t *n, int *line, char *err,
                        size_t errlen);
void event_array_free(struct event *evs, size_t n);

#endif
