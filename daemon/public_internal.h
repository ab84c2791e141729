/* public_internal: what the public site's files share: public.c
 * (routing, cache, feeds), public_baja.c (unsubscribe), public_reply.c
 * (the answers and error pages every route gives) and public_page.c (the
 * HTML, anchors). Calls flow one way: public -> public_baja ->
 * public_reply -> public_page. Not a contract for other modules. */
#ifndef CRONOGRAMA_PUBLIC_INTERNAL_H
#define CRONOGRAMA_PUBLIC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "event.h"
#include "public.h"
#include "store.h"

struct public_site {
	struct store *st;
	const struct config *cfg;
	char *base;                    /* public_url without a trailing '/' */
	char *webcal;                  /* base with the scheme webcal:// */
	char *csp;                     /* the pages' Content-Security-Policy */
	const struct changes *changes; /* told of an unsubscribe */
	struct public_entry *cache;
	size_t ncache;
	size_t cache_bytes; /* of the entries' answers */
};

#define PUBLIC_SLUG_MAX EVENT_SLUG_MAX

/* Longest anchor public_anchor() writes, with its NUL. */
#define PUBLIC_ANCHOR_MAX 104

/*
 * The anchor of a session on the pages (its id attribute) and in the
 * feeds' URLs (their fragment): its short id with every byte but A-Z a-z
 * 0-9 - . _ ~ percent-encoded, so that any UID (spaces, quotes, ';', ',',
 * non-ASCII) makes a valid URL; one whose short id is too long for that
 * is "uid-" and 32 hex digits of its UID's SHA-256. buf holds
 * PUBLIC_ANCHOR_MAX bytes.
 */
const char *public_anchor(const char *uid, char *buf); /* public_page.c */

/*
 * The pages, rendered into out. *expires gets the instant the page stops
 * being right even with no change (a shown session ends), or 0. 0, -ENOENT
 * for an unknown topic, or another negative code.
 */
int public_page_agenda(struct public_site *ps, struct buf *out,
                       int64_t *expires);
int public_page_topic(struct public_site *ps, const char *slug, struct buf *out,
                      int64_t *expires);
/* The unsubscribe confirmation (done = 0: the form; 1: done). following
 * says whether the organisation still follows the topic. */
void public_page_baja(struct public_site *ps, const struct osc *o,
                      const struct topic *t, const char *token, int following,
                      int done, struct buf *out);
/* The start of a page (head, the office's header, title as its h1, then
 * <main>) and its end (</main>, the office's footer), for pages made
 * elsewhere (public_self.c). */
void public_page_open(struct public_site *ps, struct buf *out,
                      const char *title);
void public_page_close(struct public_site *ps, struct buf *out);
/* The links to subscribe to the feed /calendarios/<file> (named name in
 * the calendar apps that ask) and its https address. */
void public_page_subscribe(struct public_site *ps, struct buf *out,
                           const char *file, const char *name);
/* A short page for an error status, with a message in Spanish. */
void public_page_error(struct public_site *ps, int status, const char *title,
                       const char *text, struct buf *out);

/* A URL-safe token (base64url and '.') of a sane length. */
int public_token_ok(const char *s, size_t n);

/* ---- public_reply.c ---- */

/* Answers shared by the routes. public_reply_html takes body;
 * public_common_headers are those of every answer. */
void public_common_headers(struct http_response *res);
void public_reply_html(struct public_site *ps, struct http_response *res,
                       int status, char *body, size_t len, const char *cache);
void public_error(struct public_site *ps, struct http_response *res, int status,
                  const char *title, const char *text);
void public_not_found(struct public_site *ps, struct http_response *res);
void public_server_error(struct public_site *ps, struct http_response *res,
                         const char *what);

/* GET, HEAD (post = 0) and POST (post = 1) /suscripcion/<tok>: the
 * organisation's own page (public_self.c). */
void public_self(struct public_site *ps, const struct http_request *req,
                 struct http_response *res, const char *tok, int post);

/* ---- the signup form (public_form.c, public_signup.c) ---- */

#define PUBLIC_SIGNUP_PATH  "/suscribir"
#define PUBLIC_PRIVACY_PATH "/aviso-de-privacidad"

/* What a posted form held, to show it again with error. */
struct public_form_values {
	const char *name, *email;
	char *const *topics;
	size_t ntopics;
	int accepted;
	const char *error; /* Spanish, or NULL */
};

/* A posted application/x-www-form-urlencoded body: names at the even
 * indexes of kv, each followed by its value, in the order posted. */
struct public_fields {
	char **kv;
	size_t n;
};
/* Read body (len bytes; trailing newlines ignored) into f. 0; -EINVAL for
 * a bad %-escape or a NUL byte, -ENOMEM; f is empty after a failure. */
int public_fields_parse(const char *body, size_t len, struct public_fields *f);
/* The first value posted for name, or NULL. */
const char *public_fields_get(const struct public_fields *f, const char *name);
void public_fields_fini(struct public_fields *f);

/* The privacy notice's URL the form links to. */
const char *public_form_privacy_url(const struct public_site *ps);
/* The signup form over topics: v as posted (NULL: empty, with topic
 * checked ticked, if not NULL). */
void public_form_signup(const struct public_site *ps, struct buf *b,
                        const struct topic *topics, size_t nt,
                        const char *checked,
                        const struct public_form_values *v);

/* POST /suscribir, GET and POST /suscribir/confirmar/<tok> (rest: what
 * follows /suscribir), GET /aviso-de-privacidad (public_signup.c). */
void public_signup(struct public_site *ps, const struct http_request *req,
                   struct http_response *res, const char *rest, int post);
void public_privacy(struct public_site *ps, struct http_response *res);

/* GET, HEAD (post = 0) and POST (post = 1) /baja/<tok>. */
void public_baja(struct public_site *ps, const struct http_request *req,
                 struct http_response *res, const char *tok, int post);

/* The page's style sheet (its SHA-256 goes into the CSP). */
extern const char public_page_css[];

#endif
