/* public: the public site on TCP (behind nginx): each topic's calendar
 * feed, every organisation's private feed, the agenda page in Spanish and
 * the one-click unsubscribe links (RFC 8058). Nothing here knows of the
 * control API: the public handler answers only its own paths.
 *
 * Feeds and pages are rendered once per change and then served from
 * memory with a strong ETag (SHA-256 of the bytes), so a conditional
 * request costs a string compare. public_invalidate() drops that cache;
 * main.c calls it whenever sessions, topics, organisations or the test
 * clock change.
 */
#ifndef CRONOGRAMA_PUBLIC_H
#define CRONOGRAMA_PUBLIC_H

#include <stddef.h>

#include "config.h"
#include "http.h"
#include "store.h"

/* How long cancelled sessions stay in feeds after their last change, so
 * that subscribed calendars see the cancellation and drop them. */
#define PUBLIC_CANCELLED_KEEP (30 * 86400)
/* Largest request body (only POST /baja/ has one). */
#define PUBLIC_MAX_BODY (8 * 1024)

struct public_site;

struct change;
struct changes;

/*
 * A site over st and cfg (both must outlive it). changes (may be NULL)
 * are told when the site itself changes the store (an unsubscribe), so
 * that the scheduler hears of it. 0 and *out, or -ENOMEM.
 */
int public_site_new(struct public_site **out, struct store *st,
                    const struct config *cfg, const struct changes *changes);
void public_site_free(struct public_site *ps);

/* Forget every rendered feed and page: session uid changed (NULL for
 * "anything may have changed"). The next request renders again. */
void public_invalidate(struct public_site *ps, const char *uid);
/* A listener of the changes (change_listen, arg the site): any change
 * drops the rendered feeds and pages. */
void public_on_change(void *arg, const struct change *c);

/* The limits of the public server from [http]: connections, per IP, the
 * idle and request timeouts, trusted proxies (lim points into cfg, which
 * must outlive the server's start), and PUBLIC_MAX_BODY. */
void public_limits(const struct config *cfg, struct http_limits *lim);

/* The http_handler_fn for http_public_start; arg is the public_site. */
void public_handle(const struct http_request *req, struct http_response *res,
                   void *arg);

#endif
