/* org_self: what an organisation changes on itself from its own page
 * (/suscripcion/<token>, public_self.c): the topics it follows, pausing
 * and resuming all its mail, its contact's name, and asking for its data
 * to be erased.
 *
 * Each operation owns its rules and its transaction, as org.h's do: the
 * change and its audit entry are written together, or nothing is. The
 * actor is the page: the entry has no staff uid and keeps the client's
 * address (client, as the public site saw it). Its before and after are
 * the organisation as the control API shows it. Asking for what is
 * already so changes nothing and is not audited. Once something changed,
 * the changes (change.h) hear CHANGE_OSC, so the scheduler and the
 * private feed follow.
 *
 * Errors: -EINVAL refused (why says what, in English, for the log),
 * -EPERM the organisation asked for its data to be erased and can change
 * nothing more, -ENOENT, -EIO, -ENOMEM. *after gets the organisation as
 * it is now (the caller osc_fini()s it; zeroed on failure).
 */
#ifndef CRONOGRAMA_ORG_SELF_H
#define CRONOGRAMA_ORG_SELF_H

#include <stddef.h>

#include "office.h"

struct osc;

/* Follow exactly the topics slugs (n of them, maybe none): those not yet
 * followed start, the others followed end. An unknown slug: -EINVAL.
 * Audited "osc.self.topics". */
int org_self_topics(const struct office *of, const char *client,
                    const struct osc *before, char *const *slugs, size_t n,
                    struct osc *after, char *why, size_t whylen);

/* Pause (pause 1) or resume (0) all mail to the organisation: while
 * paused no reminder, update or cancellation goes to it. Resuming is
 * refused (-EPERM) once erasure was asked for. Audited "osc.self.pause"
 * or "osc.self.resume". */
int org_self_pause(const struct office *of, const char *client,
                   const struct osc *before, int pause, struct osc *after,
                   char *why, size_t whylen);

/* Set the contact's name (blank: none), one line of at most
 * OSC_CONTACT_MAX bytes of UTF-8, invisible characters removed. Audited
 * "osc.self.contact". */
int org_self_contact(const struct office *of, const char *client,
                     const struct osc *before, const char *contact,
                     struct osc *after, char *why, size_t whylen);

/* Record the organisation's request to erase its data and pause its mail
 * at once; staff erase it (`cronoctl osc forget`). Audited
 * "osc.self.erasure". */
int org_self_erasure(const struct office *of, const char *client,
                     const struct osc *before, struct osc *after, char *why,
                     size_t whylen);

#endif
