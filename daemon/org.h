/* org: the domain operations on organisations: adding and removing one,
 * its subscriptions, its private feed's token; the rules an
 * organisation's fields follow, for the organisations import too.
 *
 * Each operation owns its rules and its transaction: the change and its
 * audit entry (the before and after as the control API shows an
 * organisation; never the token) are written together, or nothing is;
 * then the changes (change.h) hear CHANGE_OSC. Errors as session.h's:
 * -EINVAL refused (why says what), -ENOENT, -EEXIST, -EIO, -ENOMEM.
 */
#ifndef CRONOGRAMA_ORG_H
#define CRONOGRAMA_ORG_H

#include <stddef.h>

#include "office.h"

struct osc;
struct store;

/* The longest texts of an organisation, in bytes, and most addresses. */
#define OSC_NAME_MAX    300
#define OSC_CONTACT_MAX 300
#define OSC_STATE_MAX   100
#define OSC_EMAILS_MAX  20

/* Make o's texts fit to keep: invisible characters (bidi controls,
 * zero-width ones) removed from its name, contact and state, then each
 * checked (UTF-8, one line, length) and the addresses counted. 0, or
 * -EINVAL with why. */
int org_fields_check(struct osc *o, char *why, size_t whylen);

/*
 * Topic names (slugs or codes) to slugs, each once, into *slugs. 0, or
 * -EINVAL with why naming every unknown one, or -ENOMEM.
 */
int org_topics_resolve(struct store *st, char *const *names, size_t n,
                       char ***slugs, size_t *nslugs, char *why, size_t whylen);

/* The privacy notice's version in force ([office] privacy_version), or
 * NULL when none is set. */
const char *org_privacy_version(const struct office *of);

/*
 * Add organisation o: a name and at least one address are required, its
 * fields must fit (org_fields_check) and its topics (names: slugs or
 * codes) must be known. Audited "osc.add" for actor. Its consent is
 * o->consent, or when NULL "staff" by actor under the privacy notice in
 * force. *out gets it as stored (the caller osc_fini()s it).
 */
int org_add(const struct office *of, long actor, struct osc *o,
            char *const *topics, size_t ntopics, struct osc *out, char *why,
            size_t whylen);

/* Remove organisation o (as stored). Audited "osc.remove". */
int org_remove(const struct office *of, long actor, const struct osc *o,
               char *why, size_t whylen);

/*
 * Subscribe (how 1) or unsubscribe (how -1) organisation before (as
 * stored) to topics (names). *after gets it as it is now (the caller
 * osc_fini()s it). Asking for what is already so changes nothing and is
 * not audited; otherwise audited "osc.subscribe" or "osc.unsubscribe".
 */
int org_subscription(const struct office *of, long actor,
                     const struct osc *before, char *const *topics,
                     size_t ntopics, int how, struct osc *after, char *why,
                     size_t whylen);

/* A new private feed token for organisation o: the old one stops
 * working. *token the new one (the caller frees it). Audited
 * "osc.token.reset", without the token. */
int org_token_reset(const struct office *of, long actor, const struct osc *o,
                    char **token, char *why, size_t whylen);

#endif
