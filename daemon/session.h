/* session: the domain operations on one session: adding it, saving a
 * change to it (an edit, a reschedule, a cancellation) and deleting it;
 * and a topic's own reminder offsets, which its sessions follow.
 *
 * Each operation owns its rules and its transaction: the session (its
 * SEQUENCE raised when subscribers would see a difference), the notice to
 * its subscribers and the audit entry are written together, or nothing
 * is; then the changes (change.h) hear of it, handed the session as it is
 * now, and the scheduler plans its reminders from that. They take plain
 * values, not JSON: the control API parses a request into a session, and
 * any other front end can do the same.
 *
 * Errors: a negative code with why, one sentence naming what is wrong:
 * -ENOENT no such session, -EEXIST it conflicts with the session's state
 * (organisations heard of it), -EINVAL the store refused the session,
 * -EIO the store failed, -ENOMEM.
 */
#ifndef CRONOGRAMA_SESSION_H
#define CRONOGRAMA_SESSION_H

#include <stddef.h>

#include <stdint.h>

#include "office.h"

struct event;

/* What staff set on a session. NULL (or *_set 0) leaves a field as it
 * is; "" clears the location and the description. */
struct session_fields {
	const char *title;
	const char *date;  /* Spanish words: "8 de febrero de 2018, 10:00 h" */
	const char *start; /* "2018-02-08" or "2018-02-08T10:00" */
	const char *end;   /* the same form, with start (or a dated session) */
	const char *tz;    /* a tzdata name */
	const char *location;
	const char *description;
	int topics_set;            /* the topics become topics[0..ntopics) */
	const char *const *topics; /* slugs or codes */
	size_t ntopics;
	/* The reminder offsets: as words ("3d,1h"; "" for the defaults) or
	 * as seconds. */
	int remind_set;
	const char *remind_text;
	const int64_t *remind;
	size_t nremind;
};

/*
 * Apply f to ev: the date words are read in ev's year (else the office's
 * year now), a date makes a session confirmed and a window tentative
 * (unless cancelled); then ev is cleaned and validated. 0, -EINVAL with
 * why (one field's fault), -ENOMEM.
 */
int session_fields_apply(const struct office *of, struct event *ev,
                         const struct session_fields *f, char *why,
                         size_t whylen);

/*
 * Fix or move ev (a copy of old, as stored; name: the session as the
 * caller named it) to when: an ISO date ("2018-03-15"), date and time
 * ("2018-03-15T10:00"), or Spanish words read in the session's year; it
 * must give a date, not a window. A day without a time keeps the
 * session's hours. A cancelled session is refused (-EEXIST).
 */
int session_when_set(const struct office *of, const struct event *old,
                     struct event *ev, const char *name, const char *when,
                     char *why, size_t whylen);

/* Cancel ev (a copy of old), with reason (NULL or "": none) for its
 * subscribers. Already cancelled: -EEXIST. */
int session_cancel_set(const struct event *old, struct event *ev,
                       const char *name, const char *reason, char *why,
                       size_t whylen);

/*
 * Add session ev (valid, its UID provisional): it gets a new UID,
 * "YEAR-xHHHHHH@DOMAIN" with the year of its date or window, and its
 * stamps. Audited "event.add" for actor (a peer's uid; -1: unknown). 0.
 */
int session_add(const struct office *of, long actor, struct event *ev,
                char *why, size_t whylen);

/*
 * Store ev as the new state of old: nothing when subscribers would see no
 * difference (0); else SEQUENCE + 1 and a new LAST-MODIFIED, the notice
 * to subscribers noted (schedule_notice_note with notice_flags), audited
 * as action (the before and after), and 1.
 */
int session_save(const struct office *of, long actor, const struct event *old,
                 struct event *ev, const char *action, int notice_flags,
                 char *why, size_t whylen);

/*
 * Delete session ev (as stored). Organisations that heard of it would
 * keep it in their calendars: unless force, that is refused (-EEXIST:
 * cancel it instead; name is the session as the caller named it, for
 * why). Audited "event.delete".
 */
int session_delete(const struct office *of, long actor, const struct event *ev,
                   const char *name, int force, char *why, size_t whylen);

/*
 * A topic's own reminder offsets, used by its sessions that have none:
 * text like "3d 1h" (kept in that canonical form), or NULL or "" for
 * [reminders] default. -EINVAL when text is not offsets. Audited
 * "topic.remind"; every session's reminders are planned again.
 */
int session_topic_remind_set(const struct office *of, long actor,
                             const char *slug, const char *text, char *why,
                             size_t whylen);

#endif
