/* http_internal: what the files of the HTTP server (http*.c) share; not a
 * promise to any other module. */
#ifndef CRONOGRAMA_HTTP_INTERNAL_H
#define CRONOGRAMA_HTTP_INTERNAL_H

#include <stddef.h>
#include <sys/socket.h>

/* An address or a network: family AF_INET or AF_INET6, the address in
 * network order (4 or 16 bytes) and the prefix length. */
struct http_net {
	int family;
	unsigned char addr[16];
	unsigned bits;
};

/*
 * Parse a list of addresses and networks ("127.0.0.1 ::1 10.0.0.0/8",
 * spaces or commas between) into v (at most max). 0 and *n, or -EINVAL
 * with a message naming the bad entry. NULL or "" is the empty list.
 */
int http_nets_parse(const char *list, struct http_net *v, size_t max, size_t *n,
                    char *err, size_t errlen);

/* 1 if sa (AF_INET or AF_INET6) is in one of the n networks of v. */
int http_nets_match(const struct http_net *v, size_t n,
                    const struct sockaddr *sa);

/* The same for an address as text; 0 if it is not an address. */
int http_nets_match_text(const struct http_net *v, size_t n, const char *ip);

/*
 * The client an X-Forwarded-For value names, as a trusted proxy passed it
 * on: the rightmost address that is not itself a trusted proxy (v, n),
 * copied into buf. 0, or -1 when the header holds no address (then the
 * proxy's own address stands).
 */
int http_xff_client(const char *xff, const struct http_net *v, size_t n,
                    char *buf, size_t len);

/* 1 if a and b (AF_INET or AF_INET6) are the same address. */
int http_sockaddr_same(const struct sockaddr *a, const struct sockaddr *b);

/* ---- shared by http.c, http_conn.c, http_defer.c, http_reply.c and
 * http_run.c (MHD's side) ---- */
#ifdef MHD_VERSION

#include <stdint.h>
#include <uv.h>

#include "http.h"

/* How often request deadlines are checked. */
#define HTTP_WATCH_MS 250
/* Deadline closes are logged at most once per this many ms, counted. */
#define HTTP_WATCH_LOG_MS 60000

struct http_deferred;

/* One connection of the public server (MHD's socket context). */
struct http_conn {
	struct http_conn *prev, *next;
	struct http_server *srv;
	int fd;
	struct sockaddr_storage addr;
	uint64_t begun_ms; /* its request's first byte; 0 between requests */
	int trusted;       /* from a trusted proxy */
	int shut;          /* shut down past its deadline */
};

struct http_server {
	uv_loop_t *loop;
	struct MHD_Daemon *mhd;
	uv_poll_t poll;
	uv_timer_t timer;
	struct http_limits lim;
	http_handler_fn fn;
	void *arg;
	int is_control;
	char *path;  /* control socket to remove on stop */
	int port;    /* TCP port bound, 0 on the control socket */
	int started; /* MHD_start_daemon returned: client-caused messages */
	int in_run;  /* inside MHD_run(), so handlers may call stop */
	int stopping;
	int open_handles;
	void (*done)(void *);
	void *done_arg;
	/* Request deadlines and per-address limits (public server). */
	uv_timer_t watch;
	struct http_conn *conns;
	unsigned nconns;
	struct http_net proxies[HTTP_PROXIES_MAX];
	size_t nproxies;
	uint64_t watch_logged_ms;
	unsigned watch_closed, refused;
	/* Requests waiting for http_deferred_reply(). */
	struct http_deferred *deferred;
};

/* A request whose answer comes later (http_response_defer). */
struct http_deferred {
	struct http_deferred *prev, *next;
	struct http_server *srv; /* NULL once the server stopped */
	uv_loop_t *loop;
	struct MHD_Connection *conn;
	struct http_upload *up;
	void (*on_gone)(void *);
	void *on_gone_arg;
};

/* One request's state between the access handler's calls. */
struct http_upload {
	struct http_server *srv;
	struct MHD_Connection *conn;
	char *body;
	size_t len;
	size_t cap;
	size_t discarded;
	int too_large;
	int begun;      /* the headers are in (first access call made) */
	unsigned nargs; /* query arguments, when refused for their number */
	int answered;   /* a response is queued (or being made) */
	int waiting;    /* deferred: its answer comes through reply */
	int suspended;  /* MHD_suspend_connection() and not resumed yet */
	struct http_deferred *deferred; /* waiting for its answer */
	struct http_response *reply;    /* the deferred answer, once given */
};

/* http_run.c: MHD on the loop, and the server's end. */
/* One MHD_run(), then the timer re-armed (or the stop finished). */
void http_run(struct http_server *srv);
/* Arm the timer for MHD's next deadline, or stop it when there is none. */
void http_timer_rearm(struct http_server *srv);
void http_poll_cb(uv_poll_t *p, int status, int events);
/* Tear MHD down (closing its sockets) and close the uv handles; the
 * server is freed in the last close callback. */
void http_server_finish_stop(struct http_server *srv);

/* http_reply.c */
enum MHD_Result http_response_queue(struct http_server *srv,
                                    struct MHD_Connection *c,
                                    struct http_response *res);
void http_response_drop(struct http_response *res);
struct http_conn *http_conn_of(struct MHD_Connection *c);
struct http_upload *http_upload_new(struct http_server *srv,
                                    struct MHD_Connection *c);
unsigned http_max_args(const struct http_server *srv);
uint64_t http_now_ms(void);

/* http_defer.c */
enum MHD_Result http_deferred_send(struct http_server *srv,
                                   struct MHD_Connection *c,
                                   struct http_upload *up);
void http_deferred_abandon(struct http_server *srv);

/* http_conn.c: MHD's callbacks for the public server. */
enum MHD_Result http_accept_cb(void *cls, const struct sockaddr *addr,
                               socklen_t len);
void http_conn_cb(void *cls, struct MHD_Connection *c, void **socket_context,
                  enum MHD_ConnectionNotificationCode code);
void *http_uri_cb(void *cls, const char *uri, struct MHD_Connection *c);
void http_watch_cb(uv_timer_t *t);

#endif /* MHD_VERSION */

#endif
