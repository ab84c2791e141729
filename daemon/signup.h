/* signup: organisations that subscribe themselves from the public page,
 * with a double opt-in ([public] signup).
 *
 * A request from the form (signup_request) is checked, recorded and, in
 * the same transaction, gets an outbox row (kind 'signup') for its
 * confirmation mail, so that a crash loses neither; the mail holds a
 * link with a random token, valid SIGNUP_VALID_S. Confirming it
 * (signup_confirm, the link's POST) adds the organisation, or the topics
 * to the organisation that has the address already, through org.c, its
 * consent "self" from the client address under the privacy notice in
 * force when it asked; with [public] signup = approval it waits instead
 * until staff approve (signup_approve, which mails the organisation) or
 * reject it (signup_reject).
 *
 * No address is mailed more than once per SIGNUP_GAP_S, nor more than
 * SIGNUP_PER_DAY times a day, whoever asks: a request past that is kept
 * ('held', so the limit holds across restarts), logged, and mails
 * nothing. The answer the page gives never tells these cases apart.
 */
#ifndef CRONOGRAMA_SIGNUP_H
#define CRONOGRAMA_SIGNUP_H

#include <stddef.h>
#include <stdint.h>

#include "office.h"
#include "store_signup.h"

struct config;

#define SIGNUP_VALID_S (48 * 3600) /* the confirmation link */
#define SIGNUP_GAP_S   3600        /* one mail per address per hour */
#define SIGNUP_PER_DAY 3           /* mails per address per 24 hours */
/* A request never confirmed is forgotten this long after its link
 * expired (it holds a name and an address nobody confirmed). */
#define SIGNUP_KEEP_S (30 * 86400)
/* Outbox rows of kind 'signup' are of uid SIGNUP_UID_PREFIX + id: seq
 * SIGNUP_SEQ_CONFIRM the confirmation, SIGNUP_SEQ_WELCOME the approval. */
#define SIGNUP_UID_PREFIX  "signup:"
#define SIGNUP_SEQ_CONFIRM 0
#define SIGNUP_SEQ_WELCOME 1
/* The confirmation link's path, before the token. */
#define SIGNUP_CONFIRM_PATH "/suscribir/confirmar/"

enum signup_mode { SIGNUP_OFF, SIGNUP_OPEN, SIGNUP_APPROVAL };

/* [public] signup of cfg. */
enum signup_mode signup_mode(const struct config *cfg);

/* What the form gave (texts as typed; checked by signup_request). */
struct signup_form {
	const char *name;
	const char *email;
	char *const *topics; /* slugs */
	size_t ntopics;
	int accepted;       /* the privacy notice's box */
	const char *client; /* the client's address, or NULL */
};

/*
 * Record form as a request and queue its confirmation mail (or, for an
 * address mailed too recently, record it held and mail nothing: *held is
 * set then, and logged). 0 either way. -EINVAL with why in Spanish, for
 * the page, naming what to fix (the name, the address, no topic, the
 * notice not accepted); -EIO/-ENOMEM with why in English.
 */
int signup_request(const struct office *of, const struct signup_form *form,
                   long *id, int *held, char *why, size_t whylen);

/* What confirming a link did. */
enum signup_outcome {
	SIGNUP_DONE,    /* subscribed now */
	SIGNUP_WAITING, /* confirmed; staff will decide */
};

/*
 * The request of link token token as it is (GET: nothing changes). 0,
 * -ENOENT (no such token), -ETIMEDOUT (expired: waiting and too old),
 * -EALREADY (confirmed, decided or used already). *out is filled on 0
 * and on -EALREADY (the caller signup_req_fini()s it).
 */
int signup_lookup(const struct office *of, const char *token,
                  struct signup_req *out);

/*
 * Confirm link token (the POST) from client: errors as signup_lookup;
 * otherwise the organisation is subscribed (SIGNUP_DONE) or, with
 * signup = approval, the request waits for staff (SIGNUP_WAITING). Both
 * audited with the client's address. why in English on failure.
 */
int signup_confirm(const struct office *of, const char *token,
                   const char *client, enum signup_outcome *outcome, char *why,
                   size_t whylen);

/* The requests waiting for staff, oldest first. */
int signup_pending(const struct office *of, struct signup_req **out, size_t *n);

/*
 * Staff (actor) approve request id: the organisation is subscribed as a
 * confirmation would, and told by email. *osc_id the organisation.
 * -ENOENT (no such request), -EINVAL (not waiting: why says its state).
 */
int signup_approve(const struct office *of, long actor, long id, long *osc_id,
                   char *why, size_t whylen);
/* Staff reject request id, with reason (may be NULL). Nothing is sent.
 * Errors as signup_approve. */
int signup_reject(const struct office *of, long actor, long id,
                  const char *reason, char *why, size_t whylen);

#endif
