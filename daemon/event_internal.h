/* Shared by event.c, event_render.c and event_parse.c; not a promise to
 * any other module. */
#ifndef CRONOGRAMA_EVENT_INTERNAL_H
#define CRONOGRAMA_EVENT_INTERNAL_H

#include <libical/ical.h>

#include "event.h"

#ifndef VERSION
#define VERSION "0.0.0"
#endif

#define EVENT_LINE_MAX 75
/* VTIMEZONEs start here: older history only makes feeds longer. */
#define EVENT_TZ_SINCE "19700101T000000Z"

/* A zone loaded from tzdata, with its rendered VTIMEZONE (see event.c). */
struct tz_entry {
	char *tzid;
	icaltimezone *zone;
	char *vtimezone; /* rendered lazily */
	unsigned mark;   /* calendar render generation, to dedupe */
};

/* Bumped once per calendar render, to list each zone once. */
extern unsigned event_tz_generation;

/* Write a message into err (if any) and return code. */
int event_err(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The cached zone tzid, loading it on first use; NULL if unknown. Any
 * thread. */
struct tz_entry *event_tz_find(const char *tzid);
/* The tzdata zone a TZID names as other programs write it: a tzdata name,
 * one behind a prefix ("/freeassociation.sourceforge.net/America/Lima"),
 * or a Windows zone name (event_tzmap.c); NULL if none. Any thread. */
struct tz_entry *event_tz_resolve(const char *tzid);
/* The session's zone (its TZID or EVENT_DEFAULT_TZID). */
const char *event_tzid(const struct event *ev);
/* 1 for TBD/APPROX sessions. */
int event_undecided(const struct event *ev);
/* 1 for a dated session with a start time. */
int event_timed(const struct event *ev);
/* The status subscribers see (undecided: TENTATIVE; cancelled wins). */
enum event_status event_status_effective(const struct event *ev);
/* 1 if s has control characters (tab allowed when tab_ok). */
int event_has_ctl(const char *s, int tab_ok);
/* 1 if s is a topic slug: a-z, 0-9 and inner hyphens. */
int event_slug_ok(const char *s);
/* 1 if s is valid UTF-8. */
int event_utf8_valid(const char *s);
/* The wall-clock end of a timed session (its end, or start + 1 h). */
void event_dtend_wall(const struct event *ev, struct fecha_date *d, int *min);
/* Move a wall-clock date and time by delta minutes. */
void event_wall_add(struct fecha_date *d, int *min, long delta);
/* 1 if m is a time of day in minutes (0..1439). */
int event_minutes_ok(int m);

#endif
