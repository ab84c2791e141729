/* http: libmicrohttpd driven by the libuv loop; see http.h.
 *
 * Each server is one MHD daemon in "external polling" epoll mode. MHD keeps
 * its sockets in an epoll set of its own; that set's descriptor is readable
 * whenever any of them has work, so one uv_poll handle on it is enough.
 * After every MHD_run() the uv_timer is re-armed from MHD_get_timeout(), so
 * idle connections time out and data MHD has read ahead is processed even
 * when no new event arrives.
 *
 * MHD's own timeout is an idle one: a client sending a byte now and then
 * keeps its connection. So the public server's connections are also
 * tracked (http_conn.c): when a request began and from which address, for
 * its deadline and the per-address limit. Deferred answers are in
 * http_defer.c, trusted proxies' addresses in http_addr.c, responses in
 * http_reply.c, MHD_run on the loop and the server's end in http_run.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http.h"
#include "http_internal.h"
#include "log.h"

/* Headers and MHD's bookkeeping for one connection live in this pool;
 * bodies are copied out of it as they arrive. */
#define HTTP_CONN_MEMORY (64 * 1024)
/* Clients waiting to be accepted: a burst of a thousand cronoctl calls
 * waits here rather than being refused. The kernel caps it at somaxconn. */
#define HTTP_LISTEN_BACKLOG 1024
/* A body over max_body is read and dropped before the 413 goes out, so
 * that closing the connection cannot reset it under a client still
 * sending (which would lose the answer); but no more than this. A larger
 * declared body is answered at once. */
#define HTTP_DISCARD_MAX (1024 * 1024)

static void http_err_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
http_err_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* MHD's messages. Those printed while a daemon starts explain why it
 * could not; once it runs they are about single clients (bad requests,
 * resets, timeouts) and only interesting when debugging. */
static void
http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http_server *srv = cls;
	char line[512];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (srv != NULL && srv->started)
		log_debug("http: %s", line);
	else
		log_warn("http: %s", line);
}

static enum MHD_Result
http_too_large(struct http_server *srv, struct MHD_Connection *c)
{
	struct http_response res = {.status = 413};

	http_response_error(&res, 413, "request body larger than %zu bytes",
	                    srv->lim.max_body);
	return http_response_queue(srv, c, &res);
}

static enum MHD_Result
http_too_many_args(struct http_server *srv, struct MHD_Connection *c,
                   unsigned n, unsigned max)
{
	struct http_response res = {.status = 414};

	http_response_error(
	    &res, 414, "the query has %u parameters, more than %u", n, max);
	return http_response_queue(srv, c, &res);
}

/* Fill the request's peer fields from the connection: for a trusted
 * proxy, the client its X-Forwarded-For names. */
static void
http_request_peer(struct http_server *srv, struct MHD_Connection *c,
                  struct http_request *req, char *ip, size_t iplen)
{
	const union MHD_ConnectionInfo *info;
	struct http_conn *hc;
	const char *xff;

	req->peer_uid = -1;
	req->peer_ip = NULL;
	if (srv->is_control) {
		struct ucred cred;
		socklen_t len = sizeof(cred);

		info = MHD_get_connection_info(
		    c, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (info != NULL && getsockopt(info->connect_fd, SOL_SOCKET,
		                               SO_PEERCRED, &cred, &len) == 0)
			req->peer_uid = (long)cred.uid;
		return;
	}
	hc = http_conn_of(c);
	xff = hc != NULL && hc->trusted
	          ? MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                        "X-Forwarded-For")
	          : NULL;
	if (xff != NULL &&
	    http_xff_client(xff, srv->proxies, srv->nproxies, ip, iplen) == 0) {
		req->peer_ip = ip;
		return;
	}
	info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (info == NULL || info->client_addr == NULL)
		return;
	if (info->client_addr->sa_family == AF_INET) {
		const struct sockaddr_in *sin =
		    (const struct sockaddr_in *)info->client_addr;
		if (inet_ntop(AF_INET, &sin->sin_addr, ip, (socklen_t)iplen))
			req->peer_ip = ip;
	} else if (info->client_addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)info->client_addr;
		if (inet_ntop(AF_INET6, &sin6->sin6_addr, ip, (socklen_t)iplen))
			req->peer_ip = ip;
	}
}

/* Append an upload chunk; past max_body the request is marked too large
 * and its body dropped. */
static void
http_upload_append(struct http_server *srv, struct http_upload *up,
                   const char *data, size_t n)
{
	size_t cap;
	char *p;

	if (up->too_large)
		return;
	if (n > srv->lim.max_body || up->len > srv->lim.max_body - n) {
		up->too_large = 1;
		free(up->body);
		up->body = NULL;
		up->len = up->cap = 0;
		return;
	}
	if (up->len + n + 1 > up->cap) {
		cap = up->cap ? up->cap : 1024;
		while (cap < up->len + n + 1)
			cap *= 2;
		p = realloc(up->body, cap);
		if (p == NULL) {
			up->too_large = 1;
			free(up->body);
			up->body = NULL;
			up->len = up->cap = 0;
			return;
		}
		up->body = p;
		up->cap = cap;
	}
	memcpy(up->body + up->len, data, n);
	up->len += n;
	up->body[up->len] = '\0';
}

/* 1 if the request says "Expect: 100-continue": its client waits for an
 * answer before it sends the body. */
static int
http_expects_continue(struct MHD_Connection *c)
{
	const char *e = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                            MHD_HTTP_HEADER_EXPECT);

	return e != NULL && strcasecmp(e, "100-continue") == 0;
}

/* The first call for a request: its headers are in. Refuse what is too
 * big at once where that loses nothing; else go on reading. */
static enum MHD_Result
http_request_begin(struct http_server *srv, struct MHD_Connection *c,
                   struct http_upload *up)
{
	const char *clen;

	if (up->nargs > 0) {
		up->answered = 1;
		return http_too_many_args(srv, c, up->nargs,
		                          http_max_args(srv));
	}
	/* A declared length over the limit is refused before the body is
	 * read (and before "100 Continue" is sent) when the client waits
	 * for that or the body is too big to read and drop; otherwise the
	 * body is read and dropped first, so that the 413 reaches a client
	 * that sends its body without waiting. */
	clen = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                   MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (clen != NULL) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(clen, &end, 10);
		if (errno != 0 || end == clen || v > srv->lim.max_body) {
			up->too_large = 1;
			if (errno != 0 || end == clen || v > HTTP_DISCARD_MAX ||
			    http_expects_continue(c)) {
				up->answered = 1;
				return http_too_large(srv, c);
			}
		}
	}
	return MHD_YES;
}

/* MHD's access handler: called once when the headers are in, then once per
 * body chunk, then once more with no data. The handler runs on that last
 * call, and answers then or defers its answer; a deferred request is
 * called once more when it is resumed with its answer. */
static enum MHD_Result
http_access_cb(void *cls, struct MHD_Connection *c, const char *url,
               const char *method, const char *version, const char *upload_data,
               size_t *upload_data_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct http_upload *up = *con_cls;
	struct http_response res = {.status = 200};
	struct http_request req = {0};
	char ip[INET6_ADDRSTRLEN];
	struct http_conn *hc;

	(void)version;
	if (up == NULL) {
		/* The URI logger could not allocate it. */
		if ((up = http_upload_new(srv, c)) == NULL)
			return MHD_NO;
		*con_cls = up;
	}
	if (!up->begun) {
		up->begun = 1;
		return http_request_begin(srv, c, up);
	}
	if (up->waiting)
		return http_deferred_send(srv, c, up);
	if (up->answered)
		return MHD_YES;
	if (*upload_data_size > 0) {
		if (up->too_large)
			up->discarded += *upload_data_size;
		http_upload_append(srv, up, upload_data, *upload_data_size);
		*upload_data_size = 0;
		if (up->discarded > HTTP_DISCARD_MAX) {
			log_debug("http: closing a connection whose body "
			          "does not end");
			return MHD_NO;
		}
		return MHD_YES;
	}
	/* The request is all in: its deadline no longer applies. */
	hc = srv->is_control ? NULL : http_conn_of(c);
	if (hc != NULL)
		hc->begun_ms = 0;
	up->answered = 1;
	if (up->too_large)
		return http_too_large(srv, c);

	req.method = method;
	req.path = url;
	req.body = up->body != NULL ? up->body : "";
	req.body_len = up->len;
	req.conn = c;
	http_request_peer(srv, c, &req, ip, sizeof(ip));
	res.head_only = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	res.http_state = up;
	srv->fn(&req, &res, srv->arg);
	if (up->deferred != NULL) {
		/* The answer comes later: MHD leaves the connection alone
		 * until http_deferred_reply() resumes it. */
		up->suspended = 1;
		MHD_suspend_connection(c);
		return MHD_YES;
	}
	if (up->waiting) {
		/* Deferred and answered before the handler returned. */
		http_response_drop(&res);
		return http_deferred_send(srv, c, up);
	}
	return http_response_queue(srv, c, &res);
}

static void
http_completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
                  enum MHD_RequestTerminationCode toe)
{
	struct http_upload *up = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (up == NULL)
		return;
	if (up->deferred != NULL)
		up->deferred->up = NULL;
	if (up->reply != NULL) {
		http_response_drop(up->reply);
		free(up->reply);
	}
	free(up->body);
	free(up);
	*con_cls = NULL;
}

/* Start MHD on the listening socket fd (which it then owns) and hook it to
 * the loop. On failure fd is closed. */
static int
http_server_run(struct http_server *srv, int fd, char *err, size_t errlen)
{
	const union MHD_DaemonInfo *info;
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	int r;

	/* The logger goes first so that MHD prints nothing of its own. The
	 * control server may defer answers (suspend and resume); the public
	 * one keeps its own per-address count, deadlines and proxies. */
	if (srv->is_control)
		srv->mhd = MHD_start_daemon(
		    flags | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL,
		    http_access_cb, srv, MHD_OPTION_EXTERNAL_LOGGER,
		    http_mhd_log, srv, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
		    MHD_OPTION_NOTIFY_COMPLETED, http_completed_cb, srv,
		    MHD_OPTION_URI_LOG_CALLBACK, http_uri_cb, srv,
		    MHD_OPTION_CONNECTION_LIMIT, srv->lim.max_connections,
		    MHD_OPTION_CONNECTION_TIMEOUT, srv->lim.timeout_s,
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		    (size_t)HTTP_CONN_MEMORY, MHD_OPTION_END);
	else
		srv->mhd = MHD_start_daemon(
		    flags, 0, http_accept_cb, srv, http_access_cb, srv,
		    MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, srv,
		    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
		    MHD_OPTION_NOTIFY_COMPLETED, http_completed_cb, srv,
		    MHD_OPTION_NOTIFY_CONNECTION, http_conn_cb, srv,
		    MHD_OPTION_URI_LOG_CALLBACK, http_uri_cb, srv,
		    MHD_OPTION_CONNECTION_LIMIT, srv->lim.max_connections,
		    MHD_OPTION_CONNECTION_TIMEOUT, srv->lim.timeout_s,
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		    (size_t)HTTP_CONN_MEMORY, MHD_OPTION_END);
	if (srv->mhd == NULL) {
		close(fd);
		http_err_set(err, errlen, "cannot start the HTTP server");
		return -EIO;
	}
	srv->started = 1;
	info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL) {
		MHD_stop_daemon(srv->mhd);
		http_err_set(err, errlen,
		             "HTTP server has no epoll descriptor");
		return -EIO;
	}
	r = uv_poll_init(srv->loop, &srv->poll, info->epoll_fd);
	if (r < 0) {
		MHD_stop_daemon(srv->mhd);
		http_err_set(err, errlen, "cannot watch the HTTP server: %s",
		             uv_strerror(r));
		return r;
	}
	srv->poll.data = srv;
	uv_timer_init(srv->loop, &srv->timer);
	srv->timer.data = srv;
	uv_timer_init(srv->loop, &srv->watch);
	srv->watch.data = srv;
	srv->open_handles = 3;
	uv_poll_start(&srv->poll, UV_READABLE, http_poll_cb);
	http_timer_rearm(srv);
	return 0;
}

/* Free a server whose handles were never opened. */
static void
http_server_free(struct http_server *srv)
{
	free(srv->path);
	free(srv);
}

static struct http_server *
http_server_new(uv_loop_t *loop, const struct http_limits *lim,
                http_handler_fn fn, void *arg)
{
	struct http_server *srv = calloc(1, sizeof(*srv));

	if (srv == NULL)
		return NULL;
	srv->loop = loop;
	srv->lim = *lim;
	srv->lim.trusted_proxies = NULL;
	if (srv->lim.max_connections == 0)
		srv->lim.max_connections = 64;
	srv->fn = fn;
	srv->arg = arg;
	return srv;
}

/* mkdir -p for the socket's directory; existing directories are fine. */
static int
http_dir_make(const char *path)
{
	char dir[PATH_MAX];
	char *p;
	size_t n;

	p = strrchr(path, '/');
	if (p == NULL || p == path)
		return 0;
	n = (size_t)(p - path);
	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, n);
	dir[n] = '\0';
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Is a daemon answering at path? 0 if the path is free (a stale socket
 * there has been removed), -EADDRINUSE if one answers, other negatives
 * when the path cannot be used. */
static int
http_control_probe(const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct stat st;
	int fd, r;

	if (lstat(sa->sun_path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		r = -errno;
		http_err_set(err, errlen, "%s: %s", sa->sun_path,
		             strerror(errno));
		return r;
	}
	if (!S_ISSOCK(st.st_mode)) {
		http_err_set(err, errlen, "%s exists and is not a socket",
		             sa->sun_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		http_err_set(err, errlen, "socket: %s", strerror(errno));
		return r;
	}
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0) {
		close(fd);
		http_err_set(err, errlen, "another daemon is listening on %s",
		             sa->sun_path);
		return -EADDRINUSE;
	}
	r = errno;
	close(fd);
	if (r != ECONNREFUSED) {
		http_err_set(err, errlen, "%s: %s", sa->sun_path, strerror(r));
		return -r;
	}
	/* Nobody listens: a socket left by a daemon that died. */
	if (unlink(sa->sun_path) < 0 && errno != ENOENT) {
		r = -errno;
		http_err_set(err, errlen, "cannot remove stale %s: %s",
		             sa->sun_path, strerror(errno));
		return r;
	}
	return 0;
}

int
http_control_start(uv_loop_t *loop, const char *path, const char *group,
                   unsigned mode, const struct http_limits *lim,
                   http_handler_fn fn, void *arg, struct http_server **out,
                   char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct http_server *srv;
	gid_t gid = (gid_t)-1;
	mode_t old;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		http_err_set(err, errlen, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	if (group != NULL && *group != '\0') {
		struct group *gr = getgrnam(group);

		if (gr == NULL) {
			http_err_set(err, errlen, "unknown group %s", group);
			return -EINVAL;
		}
		gid = gr->gr_gid;
	}
	r = http_dir_make(path);
	if (r < 0) {
		http_err_set(err, errlen,
		             "cannot create the directory of %s: %s", path,
		             strerror(-r));
		return r;
	}
	r = http_control_probe(&sa, err, errlen);
	if (r < 0)
		return r;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		r = -errno;
		http_err_set(err, errlen, "socket: %s", strerror(errno));
		return r;
	}
	/* The file is born without permissions for others, so there is no
	 * moment in which anybody may connect before chmod/chown. */
	old = umask(0117);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0) {
		r = -errno;
		http_err_set(err, errlen, "bind %s: %s", path, strerror(errno));
		close(fd);
		return r;
	}
	if (listen(fd, HTTP_LISTEN_BACKLOG) < 0 || chmod(path, mode) < 0 ||
	    (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0)) {
		r = -errno;
		http_err_set(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return r;
	}
	srv = http_server_new(loop, lim, fn, arg);
	if (srv == NULL || (srv->path = strdup(path)) == NULL) {
		free(srv);
		close(fd);
		unlink(path);
		http_err_set(err, errlen, "out of memory");
		return -ENOMEM;
	}
	srv->is_control = 1;
	r = http_server_run(srv, fd, err, errlen);
	if (r < 0) {
		unlink(path);
		http_server_free(srv);
		return r;
	}
	*out = srv;
	return 0;
}

int
http_listen_parse(const char *addr, struct sockaddr_storage *ss, unsigned *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *port;
	char *end;
	unsigned long p;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (addr[0] == '[') {
		const char *rb = strchr(addr, ']');

		if (rb == NULL || rb[1] != ':')
			return -EINVAL;
		n = (size_t)(rb - addr - 1);
		if (n >= sizeof(host))
			return -EINVAL;
		memcpy(host, addr + 1, n);
		host[n] = '\0';
		port = rb + 2;
	} else {
		colon = strrchr(addr, ':');
		if (colon == NULL)
			return -EINVAL;
		n = (size_t)(colon - addr);
		if (n >= sizeof(host))
			return -EINVAL;
		memcpy(host, addr, n);
		host[n] = '\0';
		port = colon + 1;
	}
	if (*port < '0' || *port > '9')
		return -EINVAL;
	errno = 0;
	p = strtoul(port, &end, 10);
	if (errno != 0 || *end != '\0' || p > 65535)
		return -EINVAL;

	if (addr[0] == '[') {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		*len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		if (host[0] == '\0')
			sin->sin_addr.s_addr = htonl(INADDR_ANY);
		else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -EINVAL;
		*len = sizeof(*sin);
	}
	return 0;
}

int
http_public_start(uv_loop_t *loop, const char *addr,
                  const struct http_limits *lim, http_handler_fn fn, void *arg,
                  struct http_server **out, char *err, size_t errlen)
{
	struct http_net proxies[HTTP_PROXIES_MAX];
	struct sockaddr_storage ss;
	struct http_server *srv;
	size_t nproxies;
	socklen_t len;
	int fd, r, one = 1;

	if (http_listen_parse(addr, &ss, &len) < 0) {
		http_err_set(err, errlen,
		             "bad listen address %s (want host:port)", addr);
		return -EINVAL;
	}
	if (http_nets_parse(lim->trusted_proxies, proxies, HTTP_PROXIES_MAX,
	                    &nproxies, err, errlen) < 0)
		return -EINVAL;
	fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		r = -errno;
		http_err_set(err, errlen, "socket: %s", strerror(errno));
		return r;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    listen(fd, HTTP_LISTEN_BACKLOG) < 0) {
		r = -errno;
		http_err_set(err, errlen, "listen on %s: %s", addr,
		             strerror(errno));
		close(fd);
		return r;
	}
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		r = -errno;
		http_err_set(err, errlen, "getsockname: %s", strerror(errno));
		close(fd);
		return r;
	}
	srv = http_server_new(loop, lim, fn, arg);
	if (srv == NULL) {
		close(fd);
		http_err_set(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memcpy(srv->proxies, proxies, nproxies * sizeof(proxies[0]));
	srv->nproxies = nproxies;
	srv->port = ntohs(ss.ss_family == AF_INET6
	                      ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                      : ((struct sockaddr_in *)&ss)->sin_port);
	r = http_server_run(srv, fd, err, errlen);
	if (r < 0) {
		http_server_free(srv);
		return r;
	}
	*out = srv;
	return 0;
}

int
http_server_connection_add(struct http_server *srv, int fd,
                           const struct sockaddr *addr, socklen_t len)
{
	enum MHD_Result r;

	if (srv->mhd == NULL) {
		close(fd);
		return -EIO;
	}
	/* MHD's accept policy is not asked for these: ask it here. */
	if (!srv->is_control && http_accept_cb(srv, addr, len) != MHD_YES) {
		close(fd);
		return -EIO;
	}
	r = MHD_add_connection(srv->mhd, (MHD_socket)fd, addr, len);
	if (!srv->in_run)
		http_run(srv);
	return r == MHD_YES ? 0 : -EIO;
}

int
http_server_port(const struct http_server *srv)
{
	return srv->port;
}

void
http_server_stop(struct http_server *srv, void (*done)(void *), void *arg)
{
	if (srv == NULL || srv->stopping)
		return;
	srv->stopping = 1;
	srv->done = done;
	srv->done_arg = arg;
	/* Called from a handler: MHD is on the stack, so finish once
	 * MHD_run() has returned. */
	/* Requests waiting for a deferred answer get theirs (503) now. */
	http_deferred_abandon(srv);
	if (srv->in_run)
		return;
	http_server_finish_stop(srv);
}
