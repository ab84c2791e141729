/* harness: the daemon's two HTTP servers, for libFuzzer targets that send
 * them requests. Both run as cronogramad runs them (http.c on a libuv
 * loop, the public site and the control API over a real store); each
 * request goes through a socketpair handed to the server, and the loop
 * runs until the server closes its end. */
#ifndef CRONOGRAMA_FUZZ_HARNESS_H
#define CRONOGRAMA_FUZZ_HARNESS_H

#include <stddef.h>

struct http_server;

enum harness_server { HARNESS_PUBLIC, HARNESS_CONTROL };

/* Start once (a temporary state directory, the unsubscribe key, both
 * servers); aborts on failure. */
void harness_init(void);

/* A fresh in-memory store seeded with topics, four sessions (dated,
 * timed abroad, undecided, cancelled) and one organisation; the servers
 * use it from now on. */
void harness_store_fresh(void);

/*
 * Send req (len bytes) to server and read its answer into out (cap
 * bytes, NUL-terminated). Returns the HTTP status of the answer, 0 when
 * the server closed without one. Aborts if the server does not close the
 * connection within a few seconds.
 */
int harness_exchange(enum harness_server server, const void *req, size_t len,
                     char *out, size_t cap);

/* The store the servers use now. */
struct store;
struct store *harness_store(void);

/* A valid unsubscribe token of the seeded organisation, and its private
 * feed token. */
const char *harness_baja_token(void);
const char *harness_feed_token(void);
/* A valid token of that organisation's own page (/suscripcion/). */
const char *harness_page_token(void);

#endif
