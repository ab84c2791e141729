/* http_reply: requests' arguments and headers, responses (their headers,
 * JSON errors, handing them to MHD) and the bookkeeping every part of the
 * HTTP server shares. See http.h and http_internal.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <microhttpd.h>
#include <uv.h>

#include "http.h"
#include "http_internal.h"
#include "log.h"

const char *
http_request_arg(const struct http_request *req, const char *key)
{
	if (req == NULL || req->conn == NULL || key == NULL)
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
	                                   key);
}

const char *
http_request_header(const struct http_request *req, const char *name)
{
	if (req == NULL || req->conn == NULL || name == NULL)
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

int
http_response_header(struct http_response *res, const char *name,
                     const char *value)
{
	char *slot;
	int n;

	if (res->nheaders < 0 || res->nheaders >= 8)
		return -ENOSPC;
	if (strpbrk(name, ":\r\n") != NULL || strpbrk(value, "\r\n") != NULL)
		return -EINVAL;
	slot = res->header_buf[res->nheaders];
	n = snprintf(slot, sizeof(res->header_buf[0]), "%s: %s", name, value);
	if (n < 0 || (size_t)n >= sizeof(res->header_buf[0]))
		return -E2BIG;
	res->headers[res->nheaders++] = slot;
	return 0;
}

/* msg as a JSON string; bytes that are not UTF-8 become '?' so a message
 * quoting client input still yields a valid body. */
static json_t *
http_json_message(const char *msg)
{
	json_t *s;
	char *copy;
	size_t i;

	s = json_string(msg);
	if (s != NULL)
		return s;
	copy = strdup(msg);
	if (copy == NULL)
		return NULL;
	for (i = 0; copy[i] != '\0'; i++)
		if ((unsigned char)copy[i] >= 0x80)
			copy[i] = '?';
	s = json_string(copy);
	free(copy);
	return s;
}

/* Let go of res's body, its own or a shared one. */
void
http_response_drop(struct http_response *res)
{
	free(res->body);
	res->body = NULL;
	if (res->shared_body != NULL && res->body_release != NULL)
		res->body_release(res->body_release_arg);
	res->shared_body = NULL;
}

void
http_response_error(struct http_response *res, int status, const char *fmt, ...)
{
	char msg[1024];
	json_t *obj;
	char *text;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	http_response_drop(res);
	res->body_len = 0;
	res->status = status;
	res->content_type = "application/json";

	obj = json_object();
	if (obj != NULL)
		json_object_set_new(obj, "error", http_json_message(msg));
	text = obj != NULL ? json_dumps(obj, 0) : NULL;
	json_decref(obj);
	if (text == NULL) {
		/* Out of memory: the status alone still says what happened. */
		return;
	}
	/* json_dumps uses jansson's allocator, which is malloc unless
	 * someone replaced it; copy so free() is always right. */
	res->body = strdup(text);
	res->body_len = res->body != NULL ? strlen(res->body) : 0;
	free(text);
}

/* Add "Name: value" to r. 0, or -EINVAL when MHD refuses it. */
static int
http_header_add(struct MHD_Response *r, const char *line)
{
	char name[256];
	const char *colon, *value;
	size_t n;

	colon = strchr(line, ':');
	if (colon == NULL || colon == line)
		return -EINVAL;
	n = (size_t)(colon - line);
	if (n >= sizeof(name))
		return -EINVAL;
	memcpy(name, line, n);
	name[n] = '\0';
	value = colon + 1;
	while (*value == ' ' || *value == '\t')
		value++;
	if (MHD_add_response_header(r, name, value) != MHD_YES)
		return -EINVAL;
	return 0;
}

static int
http_response_has_header(const struct http_response *res, const char *name)
{
	size_t n = strlen(name);
	int i;

	for (i = 0; i < res->nheaders; i++)
		if (res->headers[i] != NULL &&
		    strncasecmp(res->headers[i], name, n) == 0 &&
		    res->headers[i][n] == ':')
			return 1;
	return 0;
}

/* The connection's struct http_conn (public server), or NULL. */
struct http_conn *
http_conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info != NULL ? info->socket_context : NULL;
}

/* Hand res to MHD, which then owns the body. */
enum MHD_Result
http_response_queue(struct http_server *srv, struct MHD_Connection *c,
                    struct http_response *res)
{
	struct http_conn *hc = srv->is_control ? NULL : http_conn_of(c);
	struct MHD_Response *r;
	enum MHD_Result ret;
	int i;

	if (res->shared_body != NULL) {
		free(res->body);
		r = MHD_create_response_from_buffer_with_free_callback_cls(
		    res->body_len, (void *)res->shared_body, res->body_release,
		    res->body_release_arg);
		if (r == NULL && res->body_release != NULL)
			res->body_release(res->body_release_arg);
		res->shared_body = NULL;
	} else if (res->body != NULL) {
		r = MHD_create_response_from_buffer(res->body_len, res->body,
		                                    MHD_RESPMEM_MUST_FREE);
		if (r == NULL)
			free(res->body);
	} else {
		r = MHD_create_response_from_buffer(0, (void *)"",
		                                    MHD_RESPMEM_PERSISTENT);
	}
	res->body = NULL;
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        res->content_type != NULL ? res->content_type
	                                                  : "application/json");
	for (i = 0; i < res->nheaders && i < 8; i++) {
		if (res->headers[i] == NULL)
			continue;
		if (http_header_add(r, res->headers[i]) < 0)
			log_warn("http: dropped a malformed response header");
	}
	if (srv->is_control && !http_response_has_header(res, "Cache-Control"))
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
		                        "no-store");
	/* Only a trusted proxy keeps its connection for another request:
	 * each request of anyone else then begins with its connection, and
	 * its deadline counts from there. */
	if (hc != NULL && !hc->trusted)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(
	    c, (unsigned)(res->status > 0 ? res->status : 200), r);
	MHD_destroy_response(r);
	return ret;
}

struct http_upload *
http_upload_new(struct http_server *srv, struct MHD_Connection *c)
{
	struct http_upload *up = calloc(1, sizeof(*up));

	if (up != NULL) {
		up->srv = srv;
		up->conn = c;
	}
	return up;
}

unsigned
http_max_args(const struct http_server *srv)
{
	return srv->lim.max_args > 0 ? srv->lim.max_args : HTTP_ARGS_MAX;
}

/* A monotonic clock in milliseconds, for request deadlines. */
uint64_t
http_now_ms(void)
{
	return uv_hrtime() / 1000000u;
}
