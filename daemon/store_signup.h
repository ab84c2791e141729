/* store_signup: the requests to subscribe from the public page
 * (schemas/010-signup.sql). Part of the store (see store.h): rows in,
 * rows out, no rules (those are signup.c's). */
#ifndef CRONOGRAMA_STORE_SIGNUP_H
#define CRONOGRAMA_STORE_SIGNUP_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* One request. Texts malloc'ed (signup_req_fini frees them); NULL where
 * the column is NULL. */
struct signup_req {
	long id;
	char *email, *name;
	char *topics; /* slugs, space separated */
	char *client, *notice;
	int64_t created_at, expires_at;
	char *token; /* NULL in lists, and when no mail was sent */
	char *state; /* sent, held, pending, done, rejected */
	int64_t confirmed_at, decided_at; /* 0: not yet */
	char *confirm_client, *reason;
	long osc_id; /* 0: none */
};

void signup_req_fini(struct signup_req *r);
void signup_req_array_free(struct signup_req *v, size_t n);

/* Add r (its id, confirmed_at, decided_at, reason, osc_id are ignored);
 * *id gets its number. */
int store_signup_add(struct store *st, const struct signup_req *r, long *id);
/* How many confirmation mails went to address email at or after since
 * (*n), and the newest one's instant (*last, 0 when none). */
int store_signup_mailed(struct store *st, const char *email, int64_t since,
                        size_t *n, int64_t *last);
/* Request id, or the one whose token is token; -ENOENT if none. */
int store_signup_get(struct store *st, long id, struct signup_req *out);
int store_signup_by_token(struct store *st, const char *token,
                          struct signup_req *out);
/* The requests in state, oldest first (tokens left out). */
int store_signup_list(struct store *st, const char *state,
                      struct signup_req **out, size_t *n);
/*
 * Move request id from state from to state to at `at`: client the
 * confirming client (or NULL), reason (or NULL), osc_id (0: unchanged).
 * -ESTALE if it was not in state from (nothing changed), -ENOENT never:
 * an unknown id is -ESTALE too.
 */
int store_signup_move(struct store *st, long id, const char *from,
                      const char *to, int64_t at, const char *client,
                      const char *reason, long osc_id);

/* The requests organisation id made or that name its addresses, oldest
 * first (tokens left out), for its export. */
int store_signup_of_osc(struct store *st, long id, struct signup_req **out,
                        size_t *n);
/* Forget the requests never confirmed whose link expired before
 * before. */
int store_signup_purge(struct store *st, int64_t before);

#endif
