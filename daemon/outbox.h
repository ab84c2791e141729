/* outbox: the domain operations on the outbox that staff ask for (the
 * scheduler sends it; see schedule.h). Owns its rules and transaction
 * like session.h's, with the same errors; -EEXIST when the message is in
 * a state that cannot be sent again. */
#ifndef CRONOGRAMA_OUTBOX_H
#define CRONOGRAMA_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "office.h"
#include "store.h"

/*
 * Send message id again (0: every failed one): a failed or expired
 * message goes back to pending, due now, its tries kept. *n gets how
 * many. Audited "outbox.retry"; the changes hear CHANGE_OSC when any.
 */
int outbox_retry(const struct office *of, long actor, int64_t id, size_t *n,
                 char *why, size_t whylen);

/*
 * Staff's move (store.h's enum outbox_move: hold, release, drop) of
 * message id, or (id 0) of every message of session event (its id or
 * UID; a session deleted since is matched by the id given) that the move
 * applies to. *n gets how many. Errors: -ENOENT (no such message, or the
 * session has none to move), -EEXIST (the message is in a state the move
 * does not apply to: a sent one cannot be held), with why. Audited
 * "outbox.hold", "outbox.release" or "outbox.drop" on "outbox:ID" or
 * "outbox:event:UID"; the changes hear CHANGE_OSC (the scheduler
 * looks again at what is due).
 */
int outbox_move(const struct office *of, long actor, enum outbox_move move,
                int64_t id, const char *event, size_t *n, char *why,
                size_t whylen);

/* The UID of session id (its short id or UID) into uid; a session
 * deleted since keeps its messages, so then id as it was given. */
void outbox_session_uid(const struct office *of, const char *id, char *uid,
                        size_t len);

/* A reminder due soon, as staff preview it: its session (uid, title), its
 * version, offset and due time, the names of the organisations it will
 * go to (not those that paused their mail) and whether it is late (due
 * longer ago than the scheduler's grace). */
struct outbox_upcoming {
	char *uid, *title;
	int seq;
	int64_t offset_s, due;
	char **oscs;
	size_t noscs;
	int late;
};
void outbox_upcoming_array_free(struct outbox_upcoming *v, size_t n);

/*
 * The reminders due before until (at most max), sending nothing; a
 * session that cannot be read is left out. *out (free with
 * outbox_upcoming_array_free) and *n. 0, or an error with why.
 */
int outbox_upcoming(const struct office *of, int64_t now, int64_t until,
                    int max, struct outbox_upcoming **out, size_t *n, char *why,
                    size_t whylen);

#endif
