/* outbox: the domain operations on the outbox that staff ask for (the
 * scheduler sends it; see schedule.h). Owns its rules and transaction
 * like session.h's, with the same errors; -EEXIST when the message is in
 * a state that cannot be sent again. */
#ifndef CRONOGRAMA_OUTBOX_H
#define CRONOGRAMA_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "office.h"

/*
 * Send message id again (0: every failed one): a failed or expired
 * message goes back to pending, due now, its tries kept. *n gets how
 * many. Audited "outbox.retry"; the changes hear CHANGE_OSC when any.
 */
int outbox_retry(const struct office *of, long actor, int64_t id, size_t *n,
                 char *why, size_t whylen);

#endif
