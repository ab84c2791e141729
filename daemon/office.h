/* office: what every domain operation (session.c, org.c, outbox.c, …)
 * works on: the store, the configuration, and the changes to tell once it
 * has committed. Plain values, built by the front end (the control API's
 * api_office) for the call. Also the few steps every operation takes the
 * same way: its transaction, its audit entry, its errors.
 *
 * An operation reads:
 *
 *	if ((rc = office_begin(of, &own)) < 0)
 *		return office_store_error(of, rc, why, whylen);
 *	rc = store_…(of->st, …);
 *	if (rc >= 0)
 *		rc = office_audit(of, actor, "thing.verb", target,
 *		                  before != NULL, view_…_text(before),
 *		                  after != NULL, view_…_text(after));
 *	if ((rc = office_finish(of, own, rc)) < 0)
 *		return office_store_error(of, rc, why, whylen);
 *	change_…(of->changes, …);   (only once committed)
 *
 * The office's own words ([office]: name, signature, …) are the
 * configuration's (config.h), not this module's. */
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

/* rc, with why the message fmt formats: a domain operation's refusal in
 * one line, "return office_fail(-EINVAL, why, whylen, ...)". */
int office_fail(int rc, char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * A failed store call rc as a domain operation returns it: -ENOENT,
 * -EINVAL and -EEXIST stay (the thing is missing, refused, conflicts)
 * with why the store's message; -ENOMEM with "out of memory"; anything
 * else is -EIO with why "store: " and the message. Returns the code.
 */
int office_store_error(const struct office *of, int rc, char *why,
                       size_t whylen);

/*
 * Open the operation's transaction, or join the one its caller has open
 * (an import saving many sessions at once): *own says whether this
 * operation opened it. 0, or the store's error (a negative code).
 */
int office_begin(const struct office *of, int *own);

/*
 * End what office_begin opened: commit when rc >= 0, else roll back.
 * Returns rc, or the commit's failure (rolled back then). With own 0 the
 * caller's transaction is left open and rc is returned as it is.
 */
int office_finish(const struct office *of, int own, int rc);

/*
 * Write the audit entry of a change, in the open transaction: actor (a
 * uid; -1 the public site), action ("event.save"), target (a session's
 * UID, "osc:ID", …), and the thing before and after as JSON text. has_*
 * says whether there is a before (not for a thing added) and an after
 * (not for one removed); the texts are malloc'ed by the caller (a
 * view_*_text call, NULL when it ran out of memory) and freed here
 * whatever happens. 0, -ENOMEM (a text is missing; nothing written) or
 * the store's error.
 */
int office_audit(const struct office *of, long actor, const char *action,
                 const char *target, int has_before, char *before,
                 int has_after, char *after);

/* An audit entry's target for organisation id: "osc:ID". */
void office_osc_target(long id, char *buf, size_t buflen);

#endif
