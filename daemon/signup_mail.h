/* signup_mail: the mail signup requests send (signup.h), rendered for the
 * scheduler from the request kept in the store. */
#ifndef CRONOGRAMA_SIGNUP_MAIL_H
#define CRONOGRAMA_SIGNUP_MAIL_H

#include <stddef.h>

struct config;
struct outbox_row;
struct store;

/*
 * Render outbox row r (kind 'signup') for its address into *data (*len
 * bytes) and *to (NULL-terminated, one malloc'ed block: free it alone).
 * -ENOENT when it must not go any more (the request is gone, or its link
 * expired before it could be sent: err says which); else 0 or negative
 * with err.
 */
int signup_mail_render(struct store *st, const struct config *cfg,
                       const struct outbox_row *r, char **data, size_t *len,
                       const char ***to, char *err, size_t errlen);

#endif
