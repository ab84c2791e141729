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

#endif
