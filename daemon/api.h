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

struct changes;
struct schedule;

struct api_ctx {
	struct store *store;
	const struct config *cfg;
	int64_t started_at;
	const char *mail_desc; /* "maildir:/path" or the SMTP URL */
	/* Told after every change the API commits (sessions, topics,
	 * organisations, the outbox, an import, the clock): the scheduler
	 * and the public site listen. NULL: nobody. */
	const struct changes *changes;
	/* The running scheduler, for its state in GET /v1/status; NULL
	 * when there is none. */
	struct schedule *schedule;
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
