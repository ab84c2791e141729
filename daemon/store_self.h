/* store_self: what an organisation changes from its own page
 * (schemas/008-self-service.sql): pausing its mail, asking for erasure,
 * correcting its contact, and audit entries that keep the client's
 * address. Part of the store (see store.h); the rules are org_self.c's. */
#ifndef CRONOGRAMA_STORE_SELF_H
#define CRONOGRAMA_STORE_SELF_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Pause organisation id's mail as of at (> 0), or resume it (at 0).
 * -ENOENT if there is no such organisation. */
int store_osc_pause_set(struct store *st, long id, int64_t at);
/* Record that organisation id asked at at for its data to be erased; its
 * mail pauses too (an earlier pause keeps its instant). -ENOENT if none. */
int store_osc_erasure_set(struct store *st, long id, int64_t at);
/* Set organisation id's contact (NULL: none). -ENOENT if none. */
int store_osc_contact_set(struct store *st, long id, const char *contact);

/* An audit entry made from the public site: no staff uid, the client's
 * address kept with it. */
int store_audit_add_client(struct store *st, const char *action,
                           const char *target, const char *before,
                           const char *after, const char *client);

/* An organisation waiting for staff to erase its data. */
struct osc_erasure {
	long id;
	char *name;
	int64_t at; /* when it asked */
};
/* Every such organisation, oldest request first (none: *n = 0). Free
 * with osc_erasure_array_free. */
int store_osc_erasure_list(struct store *st, struct osc_erasure **out,
                           size_t *n);
void osc_erasure_array_free(struct osc_erasure *v, size_t n);

#endif
