/* token: the HMAC-SHA256 tokens of unsubscribe links and of an
 * organisation's own page, with a key made at first start in a 0600 file
 * under the state directory. Only token.c includes OpenSSL. An unsubscribe
 * token names an organisation and a topic, a page token an organisation; a
 * forged or altered one does not check.
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

/*
 * The token of an organisation's own page (/suscripcion/<token>):
 * "<osc_id>.<mac>", the MAC covering the id and secret, the organisation's
 * private feed token. Resetting that token (`cronoctl osc token --reset`)
 * therefore revokes the page's token too, and the secret never appears in
 * the page's URL. token_page_make writes it into out (TOKEN_MAX bytes);
 * -EINVAL without a secret.
 */
int token_page_make(long osc_id, const char *secret, char *out, size_t outlen);
/* The organisation a page token claims to be for, if it is well formed
 * (-EINVAL if not); token_page_check then proves it. */
int token_page_id(const char *token, long *osc_id);
/* 0 if token is genuine for organisation osc_id with its current secret,
 * else -EINVAL. Compared in constant time. */
int token_page_check(const char *token, long osc_id, const char *secret);

/* A random URL-safe token (private feed tokens): 22 characters. */
int token_random(char *out, size_t outlen);

/* SHA-256 of n bytes into out (for strong ETags and the page's CSP hash,
 * so that only this module includes OpenSSL). 0 or -EIO. */
int token_sha256(const void *data, size_t n, unsigned char out[32]);

#endif
