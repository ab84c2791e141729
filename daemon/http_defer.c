/* http_defer: answers that come later (http_response_defer), for work
 * done off the loop: the connection is suspended (MHD_suspend_connection)
 * until http_deferred_reply() resumes it with its answer. See http.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "http.h"
#include "http_internal.h"
#include "log.h"

/* Queue the answer a deferred request was given. */
enum MHD_Result
http_deferred_send(struct http_server *srv, struct MHD_Connection *c,
                   struct http_upload *up)
{
	struct http_response *res = up->reply;
	enum MHD_Result ret;

	up->reply = NULL;
	if (res == NULL) {
		struct http_response none = {.status = 503};

		return http_response_queue(srv, c, &none);
	}
	ret = http_response_queue(srv, c, res);
	free(res);
	return ret;
}

struct http_deferred *
http_response_defer(struct http_response *res)
{
	struct http_upload *up = res->http_state;
	struct http_server *srv;
	struct http_deferred *d;

	if (up == NULL || up->deferred != NULL || up->waiting)
		return NULL;
	srv = up->srv;
	if (!srv->is_control || srv->stopping)
		return NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->srv = srv;
	d->loop = srv->loop;
	d->conn = up->conn;
	d->up = up;
	d->next = srv->deferred;
	if (d->next != NULL)
		d->next->prev = d;
	srv->deferred = d;
	up->deferred = d;
	up->waiting = 1;
	return d;
}

void
http_deferred_on_gone(struct http_deferred *d, void (*fn)(void *), void *arg)
{
	d->on_gone = fn;
	d->on_gone_arg = arg;
}

uv_loop_t *
http_deferred_loop(const struct http_deferred *d)
{
	return d->loop;
}

static void
http_deferred_unlink(struct http_deferred *d)
{
	if (d->prev != NULL)
		d->prev->next = d->next;
	else if (d->srv != NULL)
		d->srv->deferred = d->next;
	if (d->next != NULL)
		d->next->prev = d->prev;
	d->prev = d->next = NULL;
}

/* A heap copy of res that owns its body, with its header pointers moved
 * to the copy's own buffers; NULL without memory (res->body is freed). */
static struct http_response *
http_response_copy(struct http_response *res)
{
	struct http_response *copy = malloc(sizeof(*copy));
	const char *lo = (const char *)res->header_buf;
	const char *hi = lo + sizeof(res->header_buf);
	int i;

	if (copy == NULL) {
		http_response_drop(res);
		return NULL;
	}
	*copy = *res;
	res->body = NULL;
	res->shared_body = NULL;
	for (i = 0; i < copy->nheaders && i < 8; i++)
		if (copy->headers[i] >= lo && copy->headers[i] < hi)
			copy->headers[i] = (const char *)copy->header_buf +
			                   (copy->headers[i] - lo);
	return copy;
}

void
http_deferred_reply(struct http_deferred *d, struct http_response *res)
{
	struct http_server *srv = d->srv;
	struct http_upload *up = d->up;
	int resume;

	if (srv == NULL || up == NULL) {
		/* The server stopped, or the connection went: drop it. */
		http_response_drop(res);
		if (srv != NULL)
			http_deferred_unlink(d);
		free(d);
		return;
	}
	http_deferred_unlink(d);
	free(d);
	up->deferred = NULL;
	up->reply = http_response_copy(res);
	resume = up->suspended;
	up->suspended = 0;
	if (!resume)
		return;
	MHD_resume_connection(up->conn);
	if (!srv->in_run)
		http_run(srv);
}

/* The server stops: every request still waiting is answered 503 and its
 * owner told (on_gone); their later replies are dropped. */
void
http_deferred_abandon(struct http_server *srv)
{
	struct http_deferred *d;

	while ((d = srv->deferred) != NULL) {
		struct http_upload *up = d->up;
		void (*fn)(void *) = d->on_gone;
		void *arg = d->on_gone_arg;

		http_deferred_unlink(d);
		d->srv = NULL;
		d->up = NULL;
		if (up != NULL) {
			struct http_response res = {.status = 503};

			up->deferred = NULL;
			http_response_error(&res, 503,
			                    "the daemon is stopping");
			up->reply = http_response_copy(&res);
			if (up->suspended) {
				up->suspended = 0;
				MHD_resume_connection(up->conn);
			}
		}
		if (fn != NULL)
			fn(arg);
	}
}
