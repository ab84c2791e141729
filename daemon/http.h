/* http: libmicrohttpd inside the libuv loop. Only http.c includes
 * microhttpd.h.
 *
 * Two servers share this module: the control API on a Unix socket and the
 * public site on TCP. Each runs MHD without threads of its own
 * (MHD_USE_EPOLL): its epoll descriptor is watched by a uv_poll handle and
 * its timeout by a uv_timer, and MHD_run() is called from their callbacks,
 * so nothing blocks the loop. Handlers are called on the loop thread with
 * the whole request body, and fill a response before returning, or defer
 * it (http_response_defer) while work runs elsewhere.
 *
 * Slow clients cannot hold the public server: a request must arrive whole
 * (headers and body) within request_timeout_s of its first byte, each
 * address may hold max_per_ip connections, and only trusted proxies keep
 * connections alive between requests (everyone else gets
 * "Connection: close"). A trusted proxy has no per-address limit, and the
 * client address it names in X-Forwarded-For becomes the request's
 * peer_ip.
 */
#ifndef CRONOGRAMA_HTTP_H
#define CRONOGRAMA_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

struct http_request {
	const char *method; /* "GET", "POST", … */
	const char *path;   /* URL path, percent-decoded, without query */
	const char *body;   /* NUL-terminated, may be "" */
	size_t body_len;
	long peer_uid; /* SO_PEERCRED uid on the control socket; -1 on TCP */
	/* TCP peer address, or for a trusted proxy the client it names in
	 * X-Forwarded-For; NULL on the Unix socket. */
	const char *peer_ip;
	void *conn; /* opaque, for http_request_arg/header */
};

/* A query argument ("?topic=agenda-2030") or NULL. */
const char *http_request_arg(const struct http_request *req, const char *key);
/* A request header (case-insensitive name) or NULL. */
const char *http_request_header(const struct http_request *req,
                                const char *name);

struct http_response {
	int status;               /* 200 unless set */
	const char *content_type; /* static string; default application/json */
	char *body;               /* malloc'ed, owned by http after return */
	size_t body_len;
	/* Extra headers, "Name: value" each, static or owned by body's
	 * lifetime rules: http copies them before the handler returns. */
	const char *headers[8];
	char header_buf[8][256];
	int nheaders;
	int head_only;    /* set by http for HEAD: body is dropped */
	void *http_state; /* http's own, for http_response_defer */
	/* Instead of body: body_len bytes someone else owns (a cached feed,
	 * sent to many clients at once without a copy each). http calls
	 * body_release(body_release_arg) once it no longer needs them,
	 * sent or not. */
	const char *shared_body;
	void (*body_release)(void *arg);
	void *body_release_arg;
};

/* Add a header (copied). 0, or -ENOSPC past 8. */
int http_response_header(struct http_response *res, const char *name,
                         const char *value);
/* Set a JSON error body {"error": msg} with a status. */
void http_response_error(struct http_response *res, int status, const char *fmt,
                         ...) __attribute__((format(printf, 3, 4)));

typedef void (*http_handler_fn)(const struct http_request *req,
                                struct http_response *res, void *arg);

/*
 * Answer later. A handler whose work runs off the loop calls this instead
 * of filling res, and returns; the connection then waits (MHD suspends
 * it) until http_deferred_reply(). NULL when the request cannot wait (the
 * handler must answer at once then).
 */
struct http_deferred;
struct http_deferred *http_response_defer(struct http_response *res);

/*
 * Answer a deferred request, on the loop thread, exactly once: res is
 * sent as a handler's would be (its body is taken). d is freed. If the
 * server stopped meanwhile (the client was told 503), the answer is
 * dropped.
 */
void http_deferred_reply(struct http_deferred *d, struct http_response *res);

/* fn(arg) is called, on the loop, if the server stops before the reply:
 * the work may stop early. d stays valid until http_deferred_reply(). */
void http_deferred_on_gone(struct http_deferred *d, void (*fn)(void *),
                           void *arg);
/* The loop of d's server, for the work that answers it. */
uv_loop_t *http_deferred_loop(const struct http_deferred *d);

/* Longest list of trusted proxies kept. */
#define HTTP_PROXIES_MAX 32

struct http_limits {
	size_t max_body;          /* bytes; larger requests get 413 */
	unsigned max_connections; /* total */
	unsigned max_per_ip;      /* TCP only, connections per address; 0 = no
	                             limit; trusted proxies have none */
	unsigned timeout_s;       /* idle connection timeout */
	/* TCP only: a request's headers and body must all arrive within
	 * this many seconds of its first byte; 0 = no deadline. */
	unsigned request_timeout_s;
	/* Query arguments allowed; more get 414. 0 = HTTP_ARGS_MAX. */
	unsigned max_args;
	/* TCP only: addresses and networks ("127.0.0.1 ::1 10.0.0.0/8",
	 * spaces or commas between) of reverse proxies, or NULL. */
	const char *trusted_proxies;
};

#define HTTP_ARGS_MAX 64

/* 0 if list is a valid trusted_proxies value, else -EINVAL with a
 * message naming the bad entry. */
int http_proxies_check(const char *list, char *err, size_t errlen);

struct http_server;

/*
 * The control server on a Unix socket at path: probes the path first and
 * refuses (-EADDRINUSE, message naming the socket) if a daemon answers
 * there; replaces a stale socket file; binds under a umask, then chmods to
 * mode and chowns to group (NULL: leave the group). *out on success.
 */
int http_control_start(uv_loop_t *loop, const char *path, const char *group,
                       unsigned mode, const struct http_limits *lim,
                       http_handler_fn fn, void *arg, struct http_server **out,
                       char *err, size_t errlen);

/*
 * Parse a listen address: "host:port" (IPv4, or empty host for every
 * address), "[v6]:port". 0 and ss, *len; -EINVAL (bad form or port out of
 * 0..65535). Needs <sys/socket.h>.
 */
struct sockaddr_storage;
int http_listen_parse(const char *addr, struct sockaddr_storage *ss,
                      unsigned *len);

/* The public server on TCP, listen = "127.0.0.1:8080" or "[::1]:8080". */
int http_public_start(uv_loop_t *loop, const char *listen,
                      const struct http_limits *lim, http_handler_fn fn,
                      void *arg, struct http_server **out, char *err,
                      size_t errlen);

/*
 * Hand the server a connection accepted elsewhere (fd, from addr: for
 * tests and fuzzing, one end of a socketpair); the server owns and closes
 * fd, on failure too. 0, or -EIO. Its requests go through every limit, as
 * an accepted client's would.
 */
int http_server_connection_add(struct http_server *srv, int fd,
                               const struct sockaddr *addr, socklen_t len);

/* The TCP port the public server listens on (useful with port 0); 0 for
 * the control server. */
int http_server_port(const struct http_server *srv);

/* t (UTC seconds) as an IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"
 * (RFC 9110 5.6.7), into buf (30 bytes are enough). Returns buf. */
char *http_date_format(int64_t t, char *buf, size_t buflen);

/*
 * An HTTP date in any of the three forms a recipient must take (RFC 9110
 * 5.6.7, RFC 7231 7.1.1.1): IMF-fixdate, the obsolete RFC 850 form
 * ("Sunday, 06-Nov-94 08:49:37 GMT", its two-digit year read against now
 * as the RFC says) and asctime's ("Sun Nov  6 08:49:37 1994"). 0 and *out
 * (UTC seconds), or -EINVAL for anything else.
 */
int http_date_parse(const char *s, int64_t now, int64_t *out);

/* Stop accepting, close every connection and the uv handles; done(arg) is
 * called once the handles are closed (the server is freed then). For the
 * control server the socket file is removed. */
void http_server_stop(struct http_server *srv, void (*done)(void *), void *arg);

#endif
