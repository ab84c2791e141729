/* http_conn: the public server's connections, so that slow clients
 * cannot hold it (see http.h): each one is tracked from MHD's
 * notifications, with when its request began and from which address; the
 * accept policy refuses an address past max_per_ip (trusted proxies have
 * no limit), and a watch timer shuts down the socket of a request still
 * incomplete past its deadline, which makes MHD close it. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "http.h"
#include "http_internal.h"
#include "log.h"

/* MHD's accept policy: an address holding max_per_ip connections gets
 * no more, unless it is a trusted proxy. */
enum MHD_Result
http_accept_cb(void *cls, const struct sockaddr *addr, socklen_t len)
{
	struct http_server *srv = cls;
	struct http_conn *hc;
	unsigned n = 0;

	(void)len;
	if (srv->lim.max_per_ip == 0 ||
	    http_nets_match(srv->proxies, srv->nproxies, addr))
		return MHD_YES;
	for (hc = srv->conns; hc != NULL; hc = hc->next)
		if (!hc->shut &&
		    http_sockaddr_same((const struct sockaddr *)&hc->addr,
		                       addr) &&
		    ++n >= srv->lim.max_per_ip) {
			srv->refused++;
			return MHD_NO;
		}
	return MHD_YES;
}

/* MHD's connection notifications: track each connection from its
 * accept (its first request begins then) to its close. */
void
http_conn_cb(void *cls, struct MHD_Connection *c, void **socket_context,
             enum MHD_ConnectionNotificationCode code)
{
	struct http_server *srv = cls;
	const union MHD_ConnectionInfo *info;
	struct http_conn *hc;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		hc = *socket_context;
		if (hc == NULL)
			return;
		if (hc->prev != NULL)
			hc->prev->next = hc->next;
		else
			srv->conns = hc->next;
		if (hc->next != NULL)
			hc->next->prev = hc->prev;
		srv->nconns--;
		free(hc);
		*socket_context = NULL;
		return;
	}
	if ((hc = calloc(1, sizeof(*hc))) == NULL)
		return;
	hc->srv = srv;
	hc->fd = -1;
	info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (info != NULL)
		hc->fd = info->connect_fd;
	info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (info != NULL && info->client_addr != NULL) {
		size_t n = info->client_addr->sa_family == AF_INET6
		               ? sizeof(struct sockaddr_in6)
		               : sizeof(struct sockaddr_in);

		memcpy(&hc->addr, info->client_addr, n);
		hc->trusted = http_nets_match(srv->proxies, srv->nproxies,
		                              info->client_addr);
	}
	hc->begun_ms = http_now_ms();
	hc->next = srv->conns;
	if (hc->next != NULL)
		hc->next->prev = hc;
	srv->conns = hc;
	srv->nconns++;
	*socket_context = hc;
	if (srv->lim.request_timeout_s > 0 &&
	    !uv_is_active((uv_handle_t *)&srv->watch))
		uv_timer_start(&srv->watch, http_watch_cb, HTTP_WATCH_MS,
		               HTTP_WATCH_MS);
}

/*
 * MHD's URI logger, called when a request line is in, before MHD reads
 * its query: the request's state begins here (MHD hands it to the access
 * handler), and on a kept-alive connection so does the request's
 * deadline.
 *
 * MHD keeps each query argument in the connection's memory pool; a query
 * of a thousand arguments exhausts it, and MHD 0.9.75 then neither
 * answers nor closes until the idle timeout. So a query with more
 * arguments than allowed is cut off here, in MHD's own buffer (it parses
 * the arguments from there after this call), and answered 414.
 */
void *
http_uri_cb(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct http_server *srv = cls;
	struct http_conn *hc = srv->is_control ? NULL : http_conn_of(c);
	struct http_upload *up = http_upload_new(srv, c);
	const char *q = strchr(uri, '?'), *p;
	unsigned n = 0;

	if (hc != NULL && hc->begun_ms == 0)
		hc->begun_ms = http_now_ms();
	if (up == NULL || q == NULL)
		return up;
	/* Counted as MHD splits them: on '&', empty ones skipped. */
	for (p = q + 1; *p != '\0'; p += strcspn(p, "&"), p += *p != '\0')
		if (*p != '&')
			n++;
	if (n > http_max_args(srv)) {
		up->nargs = n;
		((char *)q)[1] = '\0';
	}
	return up;
}

/* Shut down the socket of every request past its deadline (MHD then
 * reads its end and closes it); log what was closed and refused, at most
 * once a minute. */
void
http_watch_cb(uv_timer_t *t)
{
	struct http_server *srv = t->data;
	uint64_t now = http_now_ms(),
	         limit = (uint64_t)srv->lim.request_timeout_s * 1000u;
	struct http_conn *hc;
	unsigned closed = 0;

	for (hc = srv->conns; hc != NULL; hc = hc->next) {
		if (hc->shut || hc->begun_ms == 0 || now - hc->begun_ms < limit)
			continue;
		if (hc->fd >= 0)
			shutdown(hc->fd, SHUT_RDWR);
		hc->shut = 1;
		closed++;
	}
	srv->watch_closed += closed;
	if ((srv->watch_closed > 0 || srv->refused > 0) &&
	    (srv->watch_logged_ms == 0 ||
	     now - srv->watch_logged_ms >= HTTP_WATCH_LOG_MS)) {
		log_warn("http: closed %u connections whose request did not "
		         "arrive within %us, refused %u over the %u per "
		         "address",
		         srv->watch_closed, srv->lim.request_timeout_s,
		         srv->refused, srv->lim.max_per_ip);
		srv->watch_closed = srv->refused = 0;
		srv->watch_logged_ms = now;
	}
	if (srv->nconns == 0)
		uv_timer_stop(t);
	if (closed > 0 && !srv->in_run)
		http_run(srv);
}
