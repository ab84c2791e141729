/* api: the control API's handlers (JSON with jansson), behind the control
 * socket. The routes are one table (api_routes); schemas/control-api.yaml
 * describes the same routes and a test checks that they agree.
 */
#ifndef CRONOGRAMA_API_H
#define CRONOGRAMA_API_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "http.h"
#include "store.h"

struct api_ctx {
	struct store *store;
	const struct config *cfg;
	int64_t started_at;
	const char *mail_desc; /* "maildir:/path" or the SMTP URL */
	/* Called after every change to sessions, organisations or the
	 * clock, so the scheduler re-arms and feeds re-render. uid is the
	 * session changed, or NULL for "anything may have changed". */
	void (*changed)(void *arg, const char *uid);
	/* Called instead after a change that touches no session
	 * (organisations, subscriptions, the outbox): nothing to plan again,
	 * but cached subscribers and private feeds are stale. Same arg. */
	void (*others_changed)(void *arg);
	void *changed_arg;
	/* Optional capabilities wired by main.c; NULL when absent. */
	void *schedule;
};

struct api_call;
typedef void (*api_handler_fn)(struct api_call *call);

struct api_route {
	const char *method;
	const char *pattern; /* "/v1/events/{id}" */
	api_handler_fn fn;
	const char *summary;
};

extern const struct api_route api_routes[];
extern const size_t api_routes_count;

/* The http_handler_fn for the control socket; arg is a struct api_ctx. */
void api_handle(const struct http_request *req, struct http_response *res,
                void *arg);

#endif
