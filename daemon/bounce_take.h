/* bounce_take: one message that came back to the bounce address, taken
 * in: read (bounce.c), tied to the outbox message and the address it was
 * sent to, recorded and, when it says so, the address disabled
 * (store_bounce.c). The same operation serves the maildir the daemon
 * watches and `cronoctl bounce` (an MTA's pipe). */
#ifndef CRONOGRAMA_BOUNCE_TAKE_H
#define CRONOGRAMA_BOUNCE_TAKE_H

#include <stddef.h>
#include <stdint.h>

#include "bounce.h"
#include "store.h"

/* What [mail] bounce_address and [bounces] say. */
struct bounce_policy {
	const char *local;   /* "rebotes" of rebotes+TOKEN@DOMAIN */
	int transient_limit; /* 0: transient failures never disable */
	int64_t transient_window;
};

/* What became of one message. */
struct bounce_outcome {
	struct bounce b;     /* as read */
	char email[256];     /* the address it was tied to, or "" */
	long osc_id;         /* its organisation, or 0 */
	long long outbox_id; /* the message that bounced, or 0 */
	int recorded;        /* a failure was recorded */
	int disabled;        /* the address takes no more mail */
};

/*
 * Takes in the len bytes at msg from source ("maildir", "pipe") at time
 * now. A failure report is tied to an address by its VERP token (the
 * outbox message, then among its organisation's addresses the one the
 * report names, or the only one) or else by the failed recipient it
 * names, if that is one of ours; recorded (even when it cannot be tied to
 * an address) and acted on. Anything else is left alone. Every call logs
 * one line saying what it did. 0, -EINVAL if msg is not a mail message,
 * or a store error (nothing recorded; store_error says why).
 */
int bounce_take(struct store *st, const struct bounce_policy *p,
                const char *msg, size_t len, const char *source, int64_t now,
                struct bounce_outcome *out);

#endif
