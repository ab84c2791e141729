/* schedule_notice: notices to subscribers and mail to staff
 * (schedule_notice.c). Reading and writing the store only: no loop, no
 * mailer (those are the runner's, schedule.h).
 *
 * Notices. Every edit of a session notes it (schedule_notice_note): the
 * first edit not yet announced keeps what subscribers last heard of (the
 * baseline), and each edit pushes the notice [notices] quiet later. When
 * it is due the scheduler compares the session with the baseline
 * (schedule_notice_decide) and, if there is something to say, adds one
 * outbox row per organisation: 'update' (dated, moved, place) to every
 * subscriber, 'cancel' only to those told of the session before. The
 * rows render from the notice kept in the store (schedule_notice_load).
 *
 * Staff ([staff] emails). A nudge when an undecided session's window
 * opens within [staff] tbd_nudge and another when it opens (08:00 office
 * time), once each per session; a weekly digest on Monday at 08:00. Both
 * are outbox rows of kind 'staff', osc_id 0, their text kept in the store.
 */
#ifndef CRONOGRAMA_SCHEDULE_NOTICE_H
#define CRONOGRAMA_SCHEDULE_NOTICE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "event.h"
#include "message.h"
#include "schedule_alarm.h"
#include "store.h"

/* What a notice says, from what subscribers heard to what is now. */
enum notice_kind {
	NOTICE_NONE,
	NOTICE_DATED,  /* an undecided session got a date */
	NOTICE_MOVED,  /* a dated session moved (or lost its date) */
	NOTICE_PLACE,  /* same date, another place */
	NOTICE_CANCEL, /* cancelled */
};

/* schedule_notice_note flags. */
#define SCHEDULE_NOTICE_NOW    1 /* no quiet period */
#define SCHEDULE_NOTICE_SILENT 2 /* tell nobody: the baseline becomes ev */

/* Staff mail goes out at this time of day (minutes, office zone). */
#define SCHEDULE_STAFF_MIN (8 * 60)

/*
 * What subscribers who heard of told must be told now that the session
 * is now: CANCEL once cancelled; DATED from undecided to dated; MOVED when
 * a dated session's date, times or zone changed (or it became undecided
 * again); PLACE when only the place changed; NONE otherwise (a session
 * moved back where it was has nothing to say).
 */
enum notice_kind schedule_notice_decide(const struct event *told,
                                        const struct event *now);
/* "dated", "moved", "place", "cancel" (NULL for NONE); and back (-1). */
const char *schedule_notice_kind_name(enum notice_kind k);
int schedule_notice_kind_parse(const char *name);

/*
 * Note that session old became ev at now (ev->uid; run it in the same
 * transaction as the write). flags: SCHEDULE_NOTICE_NOW makes the notice
 * due at now; SCHEDULE_NOTICE_SILENT drops any waiting notice, so that
 * ev is what subscribers are taken to know. An edit with nothing to say
 * and no notice waiting adds none. 0 or negative with store_error().
 */
int schedule_notice_note(struct store *st, const struct config *cfg,
                         const struct event *old, const struct event *ev,
                         int flags, int64_t now);

/* One organisation a notice would go to. */
struct notice_plan {
	long osc_id;
	char *osc; /* its name */
	enum notice_kind what;
	int64_t due;
};
void notice_plan_array_free(struct notice_plan *v, size_t n);

/*
 * Who would be told, and when, if session old became ev at now with
 * flags (nothing is written): the waiting notice's baseline (else old)
 * against ev. *out malloc'ed (free with notice_plan_array_free), ordered
 * by name; none when silent or nothing is to be said.
 */
int schedule_notice_plan(struct store *st, const struct config *cfg,
                         const struct event *old, const struct event *ev,
                         int flags, int64_t now, struct notice_plan **out,
                         size_t *n);

/* The reminders ev would get at now: the due instants still to come (or
 * late but allowed), at most SCHEDULE_OFFSETS_MAX into out. */
int schedule_reminders_plan(struct store *st, const struct config *cfg,
                            const struct event *ev, int64_t now,
                            struct alarm_due *out, size_t *n);

/*
 * Turn what is due at now into outbox rows, in the caller's transaction:
 * waiting notices, staff nudges and the weekly digest. *rows gets the
 * rows added; *more is set when due notices or nudges are left.
 */
int schedule_notice_run(struct store *st, const struct config *cfg, int64_t now,
                        size_t *rows, int *more);
/* The earliest instant schedule_notice_run has something to do after
 * now (waiting notice, pending nudge, next digest); 0 if never. */
int schedule_notice_next(struct store *st, const struct config *cfg,
                         int64_t now, int64_t *next);

/*
 * The notice of version seq of uid as its messages render it: the
 * message kind, the session as told (ev) and as it was (old). ev and old
 * must be uninitialised; the caller event_fini()s both on success.
 * -ENOENT if there is no such notice.
 */
int schedule_notice_load(struct store *st, const char *uid, int seq,
                         enum message_kind *kind, struct event *ev,
                         struct event *old);

/* Plan the staff nudges of session uid (NULL: every session); without
 * staff addresses, drop them all. */
int schedule_staff_plan(struct store *st, const struct config *cfg,
                        const char *uid);
/* The same for session ev as the caller holds it (nothing read back). */
int schedule_staff_plan_event(struct store *st, const struct config *cfg,
                              const struct event *ev);

/*
 * Render staff outbox row r (kind 'staff') into *data (*len bytes) for
 * the [staff] addresses, *to (NULL-terminated, one malloc'ed block: free
 * it alone). -ENOENT when its text is gone or no staff address is left;
 * else 0 or negative with err.
 */
int schedule_staff_render(struct store *st, const struct config *cfg,
                          const struct outbox_row *r, char **data, size_t *len,
                          const char ***to, char *err, size_t errlen);

#endif
