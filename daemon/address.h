/* address: the domain operations on the state of the addresses mail goes
 * to: a message that came back to the bounce address taken in (from the
 * maildir the daemon watches or the control API, for `cronoctl bounce`),
 * the addresses that take no more mail or bounce listed for staff, and
 * one enabled again. Owns the bounce policy of the configuration ([mail]
 * bounce_address, [bounces]); the rules of reading and recording are
 * bounce_take.c's. */
#ifndef CRONOGRAMA_ADDRESS_H
#define CRONOGRAMA_ADDRESS_H

#include <stddef.h>

#include "bounce_take.h"
#include "office.h"
#include "store_bounce.h"

/*
 * Take the len bytes at msg (a whole message that came back to the
 * bounce address) from source ("maildir", "pipe") now, under the
 * configuration's policy, into *out (bounce_take.h). 0 (also for what is
 * not a bounce: out->b.kind BOUNCE_NONE and out->b.detail say why);
 * -EINVAL when msg is not a mail message; -EIO when the store failed
 * (nothing recorded: the caller may try again). why says it. The
 * scheduler asks the store whether an address is disabled as it sends,
 * so no one needs telling.
 */
int address_bounce_take(const struct office *of, const char *msg, size_t len,
                        const char *source, struct bounce_outcome *out,
                        char *why, size_t whylen);

/*
 * The disabled addresses and those bouncing now and then (transient
 * bounces counted in [bounces] transient_window), of organisation osc_id
 * (0: all), with the last bounce of each (store_bounce.h); free with
 * address_info_array_free. 0 or -EIO with why.
 */
int address_list(const struct office *of, long osc_id,
                 struct address_info **out, size_t *n, char *why,
                 size_t whylen);

/*
 * Mail goes again to address (when not NULL), or to every disabled
 * address of organisation osc_id; their bounce counts start afresh.
 * *enabled gets the addresses enabled (a new NULL-terminated array, free
 * each and it) and *n how many. -ENOENT with why when nothing was
 * disabled (or there is no such organisation). Audited "address.enable"
 * on "osc:ID" (or the address, if no organisation has it).
 */
int address_enable(const struct office *of, long actor, const char *address,
                   long osc_id, char ***enabled, size_t *n, char *why,
                   size_t whylen);

#endif
