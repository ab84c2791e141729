/* office: what every domain operation (session.c, org.c) works on: the
 * store, the configuration, and the changes to tell once it has
 * committed. Plain values, built by the front end (the control API's
 * api_office) for the call. */
#ifndef CRONOGRAMA_OFFICE_H
#define CRONOGRAMA_OFFICE_H

#include <stddef.h>

struct changes;
struct config;
struct store;

struct office {
	struct store *st;
	const struct config *cfg;
	const struct changes *changes; /* may be NULL: nobody listens */
};

/*
 * A failed store call rc as a domain operation returns it: -ENOENT,
 * -EINVAL and -EEXIST stay (the thing is missing, refused, conflicts)
 * with why the store's message; -ENOMEM with "out of memory"; anything
 * else is -EIO with why "store: " and the message. Returns the code.
 */
int office_store_error(const struct office *of, int rc, char *why,
                       size_t whylen);

/* An audit entry's target for organisation id: "osc:ID". */
void office_osc_target(long id, char *buf, size_t buflen);

#endif
