/* http_run: one server's MHD daemon driven by the loop (MHD_run after
 * every event of its epoll descriptor, the timer re-armed from
 * MHD_get_timeout), and its end (MHD stopped, the handles closed, the
 * server freed in the last close callback). See http.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>
#include <uv.h>

#include "http.h"
#include "http_internal.h"
#include "log.h"

static void
http_timer_cb(uv_timer_t *t)
{
	http_run(t->data);
}

void
http_run(struct http_server *srv)
{
	srv->in_run = 1;
	MHD_run(srv->mhd);
	srv->in_run = 0;
	if (srv->stopping) {
		http_server_finish_stop(srv);
		return;
	}
	http_timer_rearm(srv);
}

void
http_timer_rearm(struct http_server *srv)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(srv->mhd, &ms) == MHD_YES)
		uv_timer_start(&srv->timer, http_timer_cb, (uint64_t)ms, 0);
	else
		uv_timer_stop(&srv->timer);
}

void
http_poll_cb(uv_poll_t *p, int status, int events)
{
	struct http_server *srv = p->data;

	(void)events;
	if (status < 0)
		log_warn("http: poll: %s", uv_strerror(status));
	http_run(srv);
}

static void
http_close_cb(uv_handle_t *h)
{
	struct http_server *srv = h->data;
	void (*done)(void *);
	void *arg;

	if (--srv->open_handles > 0)
		return;
	done = srv->done;
	arg = srv->done_arg;
	free(srv->path);
	free(srv);
	if (done != NULL)
		done(arg);
}

/* Tear MHD down (closing its sockets) and close the uv handles; the
 * server is freed in the last close callback. */
void
http_server_finish_stop(struct http_server *srv)
{
	struct http_conn *hc;

	uv_poll_stop(&srv->poll);
	uv_timer_stop(&srv->timer);
	uv_timer_stop(&srv->watch);
	MHD_stop_daemon(srv->mhd);
	srv->mhd = NULL;
	/* MHD told us of every close; anything left is only ours. */
	while ((hc = srv->conns) != NULL) {
		srv->conns = hc->next;
		free(hc);
	}
	srv->nconns = 0;
	if (srv->path != NULL && unlink(srv->path) < 0 && errno != ENOENT)
		log_warn("http: cannot remove %s: %s", srv->path,
		         strerror(errno));
	uv_close((uv_handle_t *)&srv->poll, http_close_cb);
	uv_close((uv_handle_t *)&srv->timer, http_close_cb);
	uv_close((uv_handle_t *)&srv->watch, http_close_cb);
}
