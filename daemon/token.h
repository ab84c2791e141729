/* token: the HMAC-SHA256 tokens of unsubscribe links, with a key made at
 * first start in a 0600 file under the state directory. Only token.c
 * includes OpenSSL. A token names an organisation and a topic; a forged or
 * altered one does not check.
 */
#ifndef CRONOGRAMA_TOKEN_H
#define CRONOGRAMA_TOKEN_H

#include <stddef.h>

/* Longest token, NUL included. */
#define TOKEN_MAX 160

/* Load STATE_DIR/unsubscribe.key, creating it (32 random bytes, mode
 * 0600) if missing; a key file readable by others is refused. */
int token_key_load(const char *state_dir, char *err, size_t errlen);
/* Wipe the key from memory. */
void token_key_forget(void);

/* URL-safe token for (osc_id, topic slug) into out (TOKEN_MAX bytes). */
int token_unsubscribe_make(long osc_id, const char *topic, char *out,
                           size_t outlen);
/* 0 and the organisation and topic if the token is genuine, else
 * -EINVAL. */
int token_unsubscribe_check(const char *token, long *osc_id, char *topic,
                            size_t topiclen);

/* A random URL-safe token (private feed tokens): 22 characters. */
int token_random(char *out, size_t outlen);

/* SHA-256 of n bytes into out (for strong ETags and the page's CSP hash,
 * so that only this module includes OpenSSL). 0 or -EIO. */
int token_sha256(const void *data, size_t n, unsigned char out[32]);

#endif
