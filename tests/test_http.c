/* Tests for http.c: real MHD servers on a real uv loop in the main thread,
 * real clients (libcurl and raw sockets) in a second thread. The client
 * thread only records what it saw; the main thread asserts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <grp.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include "http.h"
#include "log.h"

#define MAX_BODY 64

struct fx {
	uv_loop_t loop;
	uv_async_t wake;
	char dir[32];
	char sock[128];
	struct http_server *ctl;
	struct http_server *pub;
	int stopped;
	/* What the handler saw last. */
	char method[16];
	size_t body_len;
	int head_only;
	int calls;
	/* Deferred answers: the request waiting, a timer that answers it. */
	struct http_deferred *later;
	uv_timer_t later_timer;
	int later_gone;
	/* Shared bodies handed out and released. */
	int shared_out, shared_released;
};

static const struct http_limits test_limits = {
    .max_body = MAX_BODY,
    .max_connections = 32,
    .max_per_ip = 0,
    .timeout_s = 30,
};

/* /later: answer after a while, from a timer, as work done off the loop
 * would. */
static void
later_fire(uv_timer_t *t)
{
	struct fx *fx = t->data;
	struct http_response res = {.status = 201};

	res.body = strdup("{\"later\":true}");
	res.body_len = strlen(res.body);
	http_response_header(&res, "X-Later", "yes");
	http_deferred_reply(fx->later, &res);
	fx->later = NULL;
}

static void
later_gone(void *arg)
{
	struct fx *fx = arg;

	fx->later_gone++;
}

static void
later_start(struct fx *fx, struct http_response *res)
{
	fx->later = http_response_defer(res);
	if (fx->later == NULL) {
		http_response_error(res, 500, "cannot defer");
		return;
	}
	http_deferred_on_gone(fx->later, later_gone, fx);
	fx->later_timer.data = fx;
	uv_timer_start(&fx->later_timer, later_fire, 200, 0);
}

static void
shared_release(void *arg)
{
	struct fx *fx = arg;

	fx->shared_released++;
}

/* The handler: /error answers with http_response_error, /later answers
 * later, /shared with bytes it does not give away, everything else echoes
 * the request as JSON. */
static void
echo_cb(const struct http_request *req, struct http_response *res, void *arg)
{
	struct fx *fx = arg;
	json_t *o;

	fx->calls++;
	snprintf(fx->method, sizeof(fx->method), "%s", req->method);
	fx->head_only = res->head_only;
	if (strncmp(req->path, "/later", 6) == 0) {
		later_start(fx, res);
		return;
	}
	if (strncmp(req->path, "/shared", 7) == 0) {
		static const char bytes[] = "bytes shared by many answers";

		fx->shared_out++;
		res->shared_body = bytes;
		res->body_len = sizeof(bytes) - 1;
		res->body_release = shared_release;
		res->body_release_arg = fx;
		res->content_type = "text/plain";
		return;
	}
	if (strncmp(req->path, "/error", 6) == 0) {
		http_response_error(res, 404, "no route %s", req->path);
		fx->body_len = res->body_len;
		return;
	}
	o = json_pack("{s:s, s:s, s:s?, s:s?, s:s%, s:I, s:s?}", "method",
	              req->method, "path", req->path, "arg",
	              http_request_arg(req, "topic"), "header",
	              http_request_header(req, "x-test"), "body", req->body,
	              req->body_len, "peer_uid", (json_int_t)req->peer_uid,
	              "peer_ip", req->peer_ip);
	res->body = json_dumps(o, JSON_COMPACT);
	res->body_len = strlen(res->body);
	json_decref(o);
	http_response_header(res, "X-Echo", "yes");
	fx->body_len = res->body_len;
}

static void
wake_cb(uv_async_t *a)
{
	(void)a;
}

static void
stopped_cb(void *arg)
{
	int *n = arg;

	(*n)++;
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char err[256];

	if (fx == NULL || uv_loop_init(&fx->loop) != 0)
		return -1;
	uv_async_init(&fx->loop, &fx->wake, wake_cb);
	uv_timer_init(&fx->loop, &fx->later_timer);
	strcpy(fx->dir, "/tmp/test-http-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->sock, sizeof(fx->sock), "%s/ctl.sock", fx->dir);
	if (http_control_start(&fx->loop, fx->sock, NULL, 0660, &test_limits,
	                       echo_cb, fx, &fx->ctl, err, sizeof(err)) != 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	*state = fx;
	return 0;
}

/* Stop what is still running, wait for the done callbacks, and require
 * the loop to close cleanly. */
static void
fx_stop_all(struct fx *fx)
{
	int want = 0;

	if (fx->ctl != NULL) {
		http_server_stop(fx->ctl, stopped_cb, &fx->stopped);
		fx->ctl = NULL;
		want++;
	}
	if (fx->pub != NULL) {
		http_server_stop(fx->pub, stopped_cb, &fx->stopped);
		fx->pub = NULL;
		want++;
	}
	while (fx->stopped < want)
		uv_run(&fx->loop, UV_RUN_ONCE);
	fx->stopped = 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[128];
	int r;

	fx_stop_all(fx);
	uv_close((uv_handle_t *)&fx->wake, NULL);
	uv_close((uv_handle_t *)&fx->later_timer, NULL);
	uv_run(&fx->loop, UV_RUN_DEFAULT);
	r = uv_loop_close(&fx->loop);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		r = -1;
	free(fx);
	return r == 0 ? 0 : -1;
}

/* ---- the client thread ---- */

struct job {
	struct fx *fx;
	void (*fn)(struct job *);
	void *arg;
	atomic_int done;
};

static void *
job_main(void *p)
{
	struct job *job = p;

	job->fn(job);
	atomic_store(&job->done, 1);
	uv_async_send(&job->fx->wake);
	return NULL;
}

/* Run fn(job) in a thread while the loop runs here. */
static void
job_run(struct fx *fx, void (*fn)(struct job *), void *arg)
{
	struct job job = {.fx = fx, .fn = fn, .arg = arg};
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, job_main, &job), 0);
	while (!atomic_load(&job.done))
		uv_run(&fx->loop, UV_RUN_ONCE);
	pthread_join(t, NULL);
}

struct req {
	const char *unix_path; /* or port */
	int port;
	const char *method;
	const char *path;
	const char *header; /* one extra request header, or NULL */
	const char *body;
	size_t body_len;
	int chunked;
	/* results */
	CURLcode rc;
	long status;
	char resp[4096];
	size_t resp_len;
	char hdrs[4096];
	size_t hdrs_len;
	size_t sent;
};

static size_t
req_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct req *r = arg;
	size_t len = size * n;
	size_t room = sizeof(r->resp) - 1 - r->resp_len;
	size_t k = len < room ? len : room;

	memcpy(r->resp + r->resp_len, p, k);
	r->resp_len += k;
	r->resp[r->resp_len] = '\0';
	return len;
}

static size_t
req_header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct req *r = arg;
	size_t len = size * n;
	size_t room = sizeof(r->hdrs) - 1 - r->hdrs_len;
	size_t k = len < room ? len : room;

	memcpy(r->hdrs + r->hdrs_len, p, k);
	r->hdrs_len += k;
	r->hdrs[r->hdrs_len] = '\0';
	return len;
}

static size_t
req_read_cb(char *p, size_t size, size_t n, void *arg)
{
	struct req *r = arg;
	size_t k = r->body_len - r->sent;

	if (k > size * n)
		k = size * n;
	memcpy(p, r->body + r->sent, k);
	r->sent += k;
	return k;
}

static void
req_do(struct req *r)
{
	struct curl_slist *hl = NULL;
	char url[20000];
	CURL *c = curl_easy_init();

	if (r->unix_path != NULL) {
		snprintf(url, sizeof(url), "http://localhost%s", r->path);
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, r->unix_path);
	} else {
		snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", r->port,
		         r->path);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, req_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, req_header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	if (r->header != NULL)
		hl = curl_slist_append(hl, r->header);
	if (r->body != NULL && r->chunked) {
		/* No size: libcurl sends the body chunked. No "Expect", so
		 * the server meets the body without having answered. */
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, req_read_cb);
		curl_easy_setopt(c, CURLOPT_READDATA, r);
		hl = curl_slist_append(hl, "Expect:");
	} else if (r->body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)r->body_len);
	}
	if (r->method != NULL)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	r->rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
}

/* job->arg: a NULL-path-terminated array of requests, done in order. */
static void
job_requests(struct job *job)
{
	struct req *r;

	for (r = job->arg; r->path != NULL; r++)
		req_do(r);
}

static json_t *
resp_json(const struct req *r)
{
	json_error_t e;
	json_t *o = json_loadb(r->resp, r->resp_len, 0, &e);

	if (o == NULL)
		fail_msg("not JSON (%s): %s", e.text, r->resp);
	return o;
}

static const char *
jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* ---- raw sockets ---- */

static int
raw_unix(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A TCP connection to 127.0.0.1:port from the loopback address src
 * ("127.0.0.2"; NULL: the kernel's choice). */
static int
raw_tcp_from(int port, const char *src)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (src != NULL) {
		struct sockaddr_in me = {.sin_family = AF_INET};

		inet_pton(AF_INET, src, &me.sin_addr);
		if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
			close(fd);
			return -1;
		}
	}
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
raw_tcp(int port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send data (if any) and read until the peer closes. 0 on EOF or reset,
 * -ETIMEDOUT if it stayed open for wait_ms. */
static int
raw_exchange(int fd, const void *data, size_t len, char *out, size_t cap,
             size_t *outlen, int wait_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	size_t got = 0;
	ssize_t n;

	if (len > 0 && send(fd, data, len, MSG_NOSIGNAL) < 0 &&
	    errno != EPIPE && errno != ECONNRESET)
		return -errno;
	for (;;) {
		char sink[4096];

		if (poll(&p, 1, wait_ms) <= 0)
			return -ETIMEDOUT;
		if (out != NULL && got < cap - 1)
			n = recv(fd, out + got, cap - 1 - got, 0);
		else
			n = recv(fd, sink, sizeof(sink), 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			break;
		if (n < 0)
			return -errno;
		if (out != NULL && got < cap - 1)
			got += (size_t)n;
	}
	if (out != NULL) {
		out[got] = '\0';
		*outlen = got;
	}
	return 0;
}

/* ---- control server ---- */

static void
test_http_control_get_query(void **state)
{
	struct fx *fx = *state;
	struct req reqs[2] = {{.unix_path = fx->sock,
	                       .path = "/a%20b/%C3%B1?topic=agenda%202030",
	                       .header = "X-Test: hola"}};
	json_t *o;

	job_run(fx, job_requests, reqs);
	assert_int_equal(reqs[0].rc, CURLE_OK);
	assert_int_equal(reqs[0].status, 200);
	o = resp_json(&reqs[0]);
	assert_string_equal(jstr(o, "method"), "GET");
	assert_string_equal(jstr(o, "path"), "/a b/\xc3\xb1");
	assert_string_equal(jstr(o, "arg"), "agenda 2030");
	assert_string_equal(jstr(o, "header"), "hola");
	assert_string_equal(jstr(o, "body"), "");
	assert_int_equal(json_integer_value(json_object_get(o, "peer_uid")),
	                 getuid());
	assert_true(json_is_null(json_object_get(o, "peer_ip")));
	json_decref(o);
	assert_non_null(strcasestr(reqs[0].hdrs, "Cache-Control: no-store"));
	assert_non_null(strcasestr(reqs[0].hdrs, "X-Echo: yes"));
	assert_non_null(
	    strcasestr(reqs[0].hdrs, "Content-Type: application/json"));
}

static void
test_http_control_post_body(void **state)
{
	struct fx *fx = *state;
	char full[MAX_BODY + 1];
	struct req reqs[4] = {
	    {.unix_path = fx->sock,
	     .path = "/eventos",
	     .body = "{\"x\": 1}",
	     .body_len = 8},
	    {.unix_path = fx->sock,
	     .path = "/exact",
	     .body = full,
	     .body_len = MAX_BODY},
	    {.unix_path = fx->sock,
	     .path = "/chunked",
	     .body = "troceado",
	     .body_len = 8,
	     .chunked = 1},
	};
	json_t *o;

	memset(full, 'a', MAX_BODY);
	full[MAX_BODY] = '\0';
	job_run(fx, job_requests, reqs);
	assert_int_equal(reqs[0].status, 200);
	o = resp_json(&reqs[0]);
	assert_string_equal(jstr(o, "method"), "POST");
	assert_string_equal(jstr(o, "body"), "{\"x\": 1}");
	json_decref(o);

	assert_int_equal(reqs[1].status, 200);
	o = resp_json(&reqs[1]);
	assert_string_equal(jstr(o, "body"), full);
	json_decref(o);

	assert_int_equal(reqs[2].status, 200);
	o = resp_json(&reqs[2]);
	assert_string_equal(jstr(o, "body"), "troceado");
	json_decref(o);
}

static void
test_http_control_too_large(void **state)
{
	struct fx *fx = *state;
	static char big[3 * 1024 * 1024];
	struct req reqs[6] = {
	    {.unix_path = fx->sock,
	     .path = "/one-over",
	     .body = big,
	     .body_len = MAX_BODY + 1},
	    {.unix_path = fx->sock,
	     .path = "/big",
	     .body = big,
	     .body_len = 100000},
	    {.unix_path = fx->sock,
	     .path = "/chunked",
	     .body = big,
	     .body_len = 1000,
	     .chunked = 1},
	    /* A chunked body that never seems to end is cut off. */
	    {.unix_path = fx->sock,
	     .path = "/endless",
	     .body = big,
	     .body_len = sizeof(big),
	     .chunked = 1},
	    {.unix_path = fx->sock, .path = "/after"},
	};
	json_t *o;
	int i;

	memset(big, 'z', sizeof(big));
	job_run(fx, job_requests, reqs);
	for (i = 0; i < 3; i++) {
		assert_int_equal(reqs[i].rc, CURLE_OK);
		assert_int_equal(reqs[i].status, 413);
		o = resp_json(&reqs[i]);
		assert_non_null(strstr(jstr(o, "error"), "64 bytes"));
		json_decref(o);
	}
	assert_true(reqs[3].rc != CURLE_OK || reqs[3].status == 413);
	/* The handler never saw the oversized requests. */
	assert_int_equal(fx->calls, 1);
	assert_int_equal(reqs[4].rc, CURLE_OK);
	assert_int_equal(reqs[4].status, 200);
}

struct raw {
	const char *path;
	int port;
	const char *data;
	size_t len;
	char out[8192];
	size_t outlen;
	int rc;
};

static void
job_raw(struct job *job)
{
	struct raw *r = job->arg;
	int fd = r->path != NULL ? raw_unix(r->path) : raw_tcp(r->port);

	if (fd < 0) {
		r->rc = -errno;
		return;
	}
	r->rc = raw_exchange(fd, r->data, r->len, r->out, sizeof(r->out),
	                     &r->outlen, 5000);
	close(fd);
}

/* A client that sends a too large body in pieces without waiting for an
 * answer: headers first, then, a moment later, the body. */
struct piecewise {
	const char *path;
	int send_failed;
	char out[4096];
	size_t outlen;
	int rc;
};

static void
job_piecewise(struct job *job)
{
	struct piecewise *p = job->arg;
	static char chunk[16 * 1024];
	char head[256];
	int fd = raw_unix(p->path), i, n;

	if (fd < 0) {
		p->rc = -errno;
		return;
	}
	n = snprintf(head, sizeof(head),
	             "POST /pieces HTTP/1.1\r\nHost: x\r\nConnection: "
	             "close\r\nContent-Length: %zu\r\n\r\n",
	             6 * sizeof(chunk));
	memset(chunk, 'z', sizeof(chunk));
	if (send(fd, head, (size_t)n, MSG_NOSIGNAL) < 0)
		p->send_failed = 1;
	/* Time for a server that answers at the headers to close. */
	usleep(100 * 1000);
	for (i = 0; i < 6 && !p->send_failed; i++)
		if (send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL) < 0)
			p->send_failed = 1;
	p->rc =
	    raw_exchange(fd, NULL, 0, p->out, sizeof(p->out), &p->outlen, 5000);
	close(fd);
}

/* The server drops a too large body before it answers 413, instead of
 * closing under a client still sending it (whose next send then fails,
 * losing the answer: curl's CURLE_SEND_ERROR). */
static void
test_http_control_too_large_sent_whole(void **state)
{
	struct fx *fx = *state;
	struct piecewise p = {.path = fx->sock};

	job_run(fx, job_piecewise, &p);
	assert_int_equal(p.send_failed, 0);
	assert_int_equal(p.rc, 0);
	assert_non_null(strstr(p.out, " 413 "));
	assert_non_null(strstr(p.out, "64 bytes"));
	assert_int_equal(fx->calls, 0);
}

static void
test_http_control_head(void **state)
{
	struct fx *fx = *state;
	static const char head[] =
	    "HEAD /cabeza HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	struct raw r = {.path = fx->sock, .data = head, .len = strlen(head)};
	char want[64];
	char *end;

	job_run(fx, job_raw, &r);
	assert_int_equal(r.rc, 0);
	assert_string_equal(fx->method, "HEAD");
	assert_true(fx->head_only);
	assert_true(fx->body_len > 0);
	assert_memory_equal(r.out, "HTTP/1.1 200", 12);
	snprintf(want, sizeof(want), "Content-Length: %zu\r\n", fx->body_len);
	assert_non_null(strcasestr(r.out, want));
	end = strstr(r.out, "\r\n\r\n");
	assert_non_null(end);
	assert_int_equal((size_t)(end + 4 - r.out), r.outlen);
}

static void
test_http_control_error_json(void **state)
{
	struct fx *fx = *state;
	struct req reqs[2] = {{.unix_path = fx->sock, .path = "/error%22%5Cx"}};
	json_t *o;

	job_run(fx, job_requests, reqs);
	assert_int_equal(reqs[0].status, 404);
	o = resp_json(&reqs[0]);
	assert_string_equal(jstr(o, "error"), "no route /error\"\\x");
	json_decref(o);
	assert_memory_equal(reqs[0].resp, "{\"error\": ", 10);
}

static void
test_http_control_socket_mode(void **state)
{
	struct fx *fx = *state;
	struct stat st;

	assert_int_equal(stat(fx->sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
}

static void
test_http_control_group(void **state)
{
	struct fx *fx = *state;
	struct group *gr = getgrgid(getgid());
	struct http_server *srv = NULL;
	char path[108], err[256];
	struct stat st;
	int r;

	assert_non_null(gr);
	snprintf(path, sizeof(path), "%s/grp.sock", fx->dir);
	r = http_control_start(&fx->loop, path, gr->gr_name, 0600, &test_limits,
	                       echo_cb, fx, &srv, err, sizeof(err));
	assert_int_equal(r, 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_gid, getgid());
	assert_int_equal(st.st_mode & 07777, 0600);
	http_server_stop(srv, stopped_cb, &fx->stopped);
	while (fx->stopped < 1)
		uv_run(&fx->loop, UV_RUN_ONCE);
	fx->stopped = 0;
	assert_int_equal(access(path, F_OK), -1);

	srv = NULL;
	r = http_control_start(&fx->loop, path, "no-such-group-cronograma",
	                       0660, &test_limits, echo_cb, fx, &srv, err,
	                       sizeof(err));
	assert_int_equal(r, -EINVAL);
	assert_null(srv);
	assert_non_null(strstr(err, "no-such-group-cronograma"));
	assert_int_equal(access(path, F_OK), -1);
}

static void
test_http_control_in_use(void **state)
{
	struct fx *fx = *state;
	struct http_server *srv = NULL;
	struct req reqs[2] = {{.unix_path = fx->sock, .path = "/still"}};
	char err[256], want[256];

	assert_int_equal(http_control_start(&fx->loop, fx->sock, NULL, 0660,
	                                    &test_limits, echo_cb, fx, &srv,
	                                    err, sizeof(err)),
	                 -EADDRINUSE);
	assert_null(srv);
	snprintf(want, sizeof(want), "another daemon is listening on %s",
	         fx->sock);
	assert_string_equal(err, want);
	/* The first server kept its socket. */
	job_run(fx, job_requests, reqs);
	assert_int_equal(reqs[0].status, 200);
}

static void
test_http_control_stale_socket(void **state)
{
	struct fx *fx = *state;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct http_server *srv = NULL;
	struct req reqs[2] = {{.path = "/fresh"}};
	char path[108], err[256];
	int fd;

	snprintf(path, sizeof(path), "%s/stale.sock", fx->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(access(path, F_OK), 0);

	assert_int_equal(http_control_start(&fx->loop, path, NULL, 0660,
	                                    &test_limits, echo_cb, fx, &srv,
	                                    err, sizeof(err)),
	                 0);
	reqs[0].unix_path = path;
	job_run(fx, job_requests, reqs);
	assert_int_equal(reqs[0].status, 200);
	http_server_stop(srv, stopped_cb, &fx->stopped);
	while (fx->stopped < 1)
		uv_run(&fx->loop, UV_RUN_ONCE);
	fx->stopped = 0;
}

static void
test_http_control_not_a_socket(void **state)
{
	struct fx *fx = *state;
	struct http_server *srv = NULL;
	char path[108], err[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/plain-file", fx->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(http_control_start(&fx->loop, path, NULL, 0660,
	                                    &test_limits, echo_cb, fx, &srv,
	                                    err, sizeof(err)),
	                 -EEXIST);
	assert_null(srv);
	/* A file that is not ours is never removed. */
	assert_int_equal(access(path, F_OK), 0);
}

static void
test_http_control_parent_dir(void **state)
{
	struct fx *fx = *state;
	struct http_server *srv = NULL;
	char path[108], dir[64], err[256];
	struct stat st;
	mode_t mask = umask(0);

	umask(mask);
	snprintf(dir, sizeof(dir), "%s/run/cronograma", fx->dir);
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	assert_int_equal(http_control_start(&fx->loop, path, NULL, 0660,
	                                    &test_limits, echo_cb, fx, &srv,
	                                    err, sizeof(err)),
	                 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0755 & ~mask);
	assert_int_equal(stat(path, &st), 0);
	http_server_stop(srv, stopped_cb, &fx->stopped);
	while (fx->stopped < 1)
		uv_run(&fx->loop, UV_RUN_ONCE);
	fx->stopped = 0;
	assert_int_equal(access(path, F_OK), -1);
}

/* Garbage that parses as a (bad) request line, then garbage with no line
 * end at all, bigger than a connection's memory: both connections are
 * closed, and the next client is served. */
static void
job_garbage(struct job *job)
{
	struct raw *r = job->arg;
	static char junk[200000];
	size_t i;
	int fd;

	srand(42);
	for (i = 0; i < sizeof(junk); i++) {
		junk[i] = (char)(rand() & 0xff);
		if (junk[i] == '\n' || junk[i] == '\r')
			junk[i] = 'x';
	}
	fd = raw_unix(r->path);
	memcpy(junk + 300, "\r\n\r\n", 4);
	r[0].rc = raw_exchange(fd, junk, 304, NULL, 0, NULL, 5000);
	close(fd);
	memcpy(junk + 300, "xxxx", 4);
	fd = raw_unix(r->path);
	r[1].rc = raw_exchange(fd, junk, sizeof(junk), NULL, 0, NULL, 5000);
	close(fd);
}

static void
test_http_control_garbage(void **state)
{
	struct fx *fx = *state;
	struct raw r[2] = {{.path = fx->sock}, {.path = fx->sock}};
	struct req reqs[2] = {{.unix_path = fx->sock, .path = "/ok"}};

	job_run(fx, job_garbage, r);
	assert_int_equal(r[0].rc, 0);
	assert_int_equal(r[1].rc, 0);
	assert_int_equal(fx->calls, 0);
	job_run(fx, job_requests, reqs);
	assert_int_equal(reqs[0].status, 200);
}

/* A handler may stop its own server: the response still goes out first
 * or the connection closes, and the done callback runs. */
static void
stop_cb(const struct http_request *req, struct http_response *res, void *arg)
{
	struct fx *fx = arg;

	(void)req;
	http_server_stop(fx->ctl, stopped_cb, &fx->stopped);
	fx->ctl = NULL;
	res->status = 204;
}

static void
test_http_control_stop_from_handler(void **state)
{
	struct fx *fx = *state;
	struct http_server *srv = NULL;
	struct req reqs[2] = {{.path = "/stop"}};
	char path[108], err[256];

	fx_stop_all(fx);
	snprintf(path, sizeof(path), "%s/stop.sock", fx->dir);
	assert_int_equal(http_control_start(&fx->loop, path, NULL, 0660,
	                                    &test_limits, stop_cb, fx, &srv,
	                                    err, sizeof(err)),
	                 0);
	fx->ctl = srv;
	reqs[0].unix_path = path;
	job_run(fx, job_requests, reqs);
	while (fx->stopped < 1)
		uv_run(&fx->loop, UV_RUN_ONCE);
	fx->stopped = 0;
	assert_null(fx->ctl);
	assert_int_equal(access(path, F_OK), -1);
}

/* ---- public server ---- */

static void
pub_start(struct fx *fx, const struct http_limits *lim)
{
	char err[256];
	int r = http_public_start(&fx->loop, "127.0.0.1:0", lim, echo_cb, fx,
	                          &fx->pub, err, sizeof(err));

	if (r != 0)
		fail_msg("public start: %s", err);
	assert_true(http_server_port(fx->pub) > 0);
}

static void
test_http_public_serves(void **state)
{
	struct fx *fx = *state;
	struct req reqs[2] = {{.path = "/calendarios/agenda.ics?topic=x"}};
	json_t *o;

	pub_start(fx, &test_limits);
	reqs[0].port = http_server_port(fx->pub);
	job_run(fx, job_requests, reqs);
	assert_int_equal(reqs[0].rc, CURLE_OK);
	assert_int_equal(reqs[0].status, 200);
	o = resp_json(&reqs[0]);
	assert_string_equal(jstr(o, "path"), "/calendarios/agenda.ics");
	assert_string_equal(jstr(o, "arg"), "x");
	assert_string_equal(jstr(o, "peer_ip"), "127.0.0.1");
	assert_int_equal(json_integer_value(json_object_get(o, "peer_uid")),
	                 -1);
	json_decref(o);
	assert_null(strcasestr(reqs[0].hdrs, "Cache-Control"));
}

static void
test_http_public_listen_parse(void **state)
{
	struct fx *fx = *state;
	static const char *bad[] = {
	    "nonsense",   "127.0.0.1:99999", "[::1]8080",
	    "127.0.0.1:", "1.2.3:80",        "127.0.0.1:-1"};
	struct http_server *srv = NULL;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(http_public_start(&fx->loop, bad[i],
		                                   &test_limits, echo_cb, fx,
		                                   &srv, err, sizeof(err)),
		                 -EINVAL);
		assert_null(srv);
		assert_non_null(strstr(err, bad[i]));
	}
	assert_int_equal(http_public_start(&fx->loop, ":0", &test_limits,
	                                   echo_cb, fx, &fx->pub, err,
	                                   sizeof(err)),
	                 0);
	assert_true(http_server_port(fx->pub) > 0);
	/* Only where the machine has IPv6 loopback. */
	if (http_public_start(&fx->loop, "[::1]:0", &test_limits, echo_cb, fx,
	                      &srv, err, sizeof(err)) == 0) {
		assert_true(http_server_port(srv) > 0);
		http_server_stop(srv, stopped_cb, &fx->stopped);
		while (fx->stopped < 1)
			uv_run(&fx->loop, UV_RUN_ONCE);
		fx->stopped = 0;
	}
}

struct idle {
	int port;
	int nidle;
	struct req req;
	int closed[16]; /* per idle connection: 0 still open, 1 closed */
	int wait_ms;
};

/* Hold nidle connections that never finish their request, make one real
 * request meanwhile, then see which idle ones the server closed. */
static void
job_idle(struct job *job)
{
	struct idle *s = job->arg;
	int fds[16];
	int i;

	for (i = 0; i < s->nidle; i++) {
		fds[i] = raw_tcp(s->port);
		if (fds[i] >= 0)
			send(fds[i], "GET / HTTP/1.1\r\n", 16, MSG_NOSIGNAL);
	}
	if (s->req.path != NULL)
		req_do(&s->req);
	for (i = 0; i < s->nidle; i++) {
		s->closed[i] =
		    fds[i] < 0 || raw_exchange(fds[i], NULL, 0, NULL, 0, NULL,
		                               s->wait_ms) == 0;
		if (fds[i] >= 0)
			close(fds[i]);
	}
}

static void
test_http_public_idle_connections(void **state)
{
	struct fx *fx = *state;
	struct idle s = {.nidle = 10, .req = {.path = "/"}, .wait_ms = 200};
	int i;

	pub_start(fx, &test_limits);
	s.port = s.req.port = http_server_port(fx->pub);
	job_run(fx, job_idle, &s);
	assert_int_equal(s.req.rc, CURLE_OK);
	assert_int_equal(s.req.status, 200);
	for (i = 0; i < s.nidle; i++)
		assert_int_equal(s.closed[i], 0);
}

static void
test_http_public_timeout(void **state)
{
	struct fx *fx = *state;
	struct http_limits lim = test_limits;
	struct idle s = {.nidle = 1, .wait_ms = 5000};
	int64_t t0;

	lim.timeout_s = 1;
	pub_start(fx, &lim);
	s.port = http_server_port(fx->pub);
	t0 = (int64_t)uv_hrtime();
	job_run(fx, job_idle, &s);
	/* Closed by the server's timer, well before the 5 s wait. */
	assert_int_equal(s.closed[0], 1);
	assert_true((int64_t)uv_hrtime() - t0 < 4000000000LL);
}

static void
test_http_public_per_ip_limit(void **state)
{
	struct fx *fx = *state;
	struct http_limits lim = test_limits;
	struct idle s = {.nidle = 3, .wait_ms = 500};

	lim.max_per_ip = 2;
	pub_start(fx, &lim);
	s.port = http_server_port(fx->pub);
	job_run(fx, job_idle, &s);
	assert_int_equal(s.closed[0], 0);
	assert_int_equal(s.closed[1], 0);
	assert_int_equal(s.closed[2], 1);
}

/* ---- deferred answers ---- */

/* A deferred request is answered when the reply comes, with its status,
 * body and headers; the server answers others meanwhile. */
struct pair {
	struct req later;
	struct req now;
};

static void *
later_thread(void *arg)
{
	req_do(arg);
	return NULL;
}

static void
job_later_and_now(struct job *job)
{
	struct pair *p = job->arg;
	pthread_t t;

	pthread_create(&t, NULL, later_thread, &p->later);
	/* Give /later time to reach the server first. */
	usleep(50 * 1000);
	req_do(&p->now);
	pthread_join(t, NULL);
}

static void
test_http_control_deferred(void **state)
{
	struct fx *fx = *state;
	struct pair p = {
	    .later = {.unix_path = fx->sock, .path = "/later"},
	    .now = {.unix_path = fx->sock, .path = "/now"},
	};

	job_run(fx, job_later_and_now, &p);
	assert_int_equal(p.later.rc, CURLE_OK);
	assert_int_equal(p.later.status, 201);
	assert_string_equal(p.later.resp, "{\"later\":true}");
	assert_non_null(strcasestr(p.later.hdrs, "X-Later: yes"));
	assert_non_null(strcasestr(p.later.hdrs, "Cache-Control: no-store"));
	assert_int_equal(p.now.rc, CURLE_OK);
	assert_int_equal(p.now.status, 200);
	assert_null(fx->later);
	assert_int_equal(fx->later_gone, 0);
}

/* The server stops while a request waits: the client gets 503, the
 * owner hears of it, and its reply afterwards is dropped. */
static void
job_later_then_stop(struct job *job)
{
	req_do(job->arg);
}

static void
stop_soon(uv_timer_t *t)
{
	struct fx *fx = t->data;

	http_server_stop(fx->ctl, stopped_cb, &fx->stopped);
	fx->ctl = NULL;
}

static void
test_http_control_deferred_stop(void **state)
{
	struct fx *fx = *state;
	struct req r = {.unix_path = fx->sock, .path = "/later"};
	uv_timer_t stop;

	/* Stop before the answer's timer fires. */
	uv_timer_init(&fx->loop, &stop);
	stop.data = fx;
	uv_timer_start(&stop, stop_soon, 100, 0);
	job_run(fx, job_later_then_stop, &r);
	assert_true(r.rc != CURLE_OK || r.status == 503);
	assert_int_equal(fx->later_gone, 1);
	/* The late reply is dropped without a fault. */
	while (fx->later != NULL)
		uv_run(&fx->loop, UV_RUN_ONCE);
	while (fx->stopped < 1)
		uv_run(&fx->loop, UV_RUN_ONCE);
	fx->stopped = 0;
	uv_close((uv_handle_t *)&stop, NULL);
}

/* ---- slow clients ---- */

/* A client that sends its request one header line every 100 ms, for up
 * to 5 s or until the server closes: *closed_ms is how long it lasted. */
struct trickle {
	int port;
	const char *src;
	int closed;
	int64_t lasted_ms;
};

static void
job_trickle(struct job *job)
{
	struct trickle *t = job->arg;
	int64_t t0 = (int64_t)(uv_hrtime() / 1000000);
	int fd = raw_tcp_from(t->port, t->src), i;

	if (fd < 0)
		return;
	send(fd, "GET / HTTP/1.1\r\n", 16, MSG_NOSIGNAL);
	for (i = 0; i < 50; i++) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		char c;

		if (poll(&pf, 1, 100) > 0 &&
		    recv(fd, &c, 1, MSG_DONTWAIT) <= 0) {
			t->closed = 1;
			break;
		}
		if (send(fd, "X-Slow: y\r\n", 11, MSG_NOSIGNAL) < 0) {
			t->closed = 1;
			break;
		}
	}
	t->lasted_ms = (int64_t)(uv_hrtime() / 1000000) - t0;
	close(fd);
}

/* An idle timeout never closes a client that keeps sending; the request
 * deadline does, counted from the request's first byte. */
static void
test_http_public_request_deadline(void **state)
{
	struct fx *fx = *state;
	struct http_limits lim = test_limits;
	struct trickle t = {0};

	lim.timeout_s = 30;
	lim.request_timeout_s = 1;
	pub_start(fx, &lim);
	t.port = http_server_port(fx->pub);
	job_run(fx, job_trickle, &t);
	assert_int_equal(t.closed, 1);
	assert_true(t.lasted_ms >= 900);
	assert_true(t.lasted_ms < 4500);
	assert_int_equal(fx->calls, 0);
}

/* Trusted proxies have no per-address limit and keep their connections
 * alive; the client they name in X-Forwarded-For is the peer. Anyone
 * else is limited, gets "Connection: close", and cannot choose its
 * address with that header. */
static void
job_proxies(struct job *job)
{
	struct idle *s = job->arg;
	int fds[6], i;

	/* Three from the trusted 127.0.0.1, three from 127.0.0.2. */
	for (i = 0; i < 6; i++) {
		fds[i] =
		    raw_tcp_from(s->port, i < 3 ? "127.0.0.1" : "127.0.0.2");
		if (fds[i] >= 0)
			send(fds[i], "GET / HTTP/1.1\r\n", 16, MSG_NOSIGNAL);
	}
	for (i = 0; i < 6; i++) {
		s->closed[i] =
		    fds[i] < 0 || raw_exchange(fds[i], NULL, 0, NULL, 0, NULL,
		                               s->wait_ms) == 0;
		if (fds[i] >= 0)
			close(fds[i]);
	}
}

struct xff {
	int port;
	const char *src;
	char out[8192];
	size_t outlen;
	int rc;
};

static void
job_xff(struct job *job)
{
	struct xff *x = job->arg;
	static const char req[] = "GET /who HTTP/1.1\r\nHost: x\r\n"
	                          "X-Forwarded-For: 198.51.100.9, "
	                          "203.0.113.7, 127.0.0.1\r\n\r\n";
	int fd = raw_tcp_from(x->port, x->src);

	if (fd < 0) {
		x->rc = -errno;
		return;
	}
	/* Read until the answer's body ends (it is JSON on one line). */
	send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL);
	x->rc = 0;
	x->outlen = 0;
	for (;;) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&pf, 1, 2000) <= 0)
			break;
		n = recv(fd, x->out + x->outlen, sizeof(x->out) - 1 - x->outlen,
		         0);
		if (n <= 0)
			break;
		x->outlen += (size_t)n;
		x->out[x->outlen] = '\0';
		if (strchr(x->out, '}') != NULL)
			break;
	}
	close(fd);
}

static void
test_http_public_trusted_proxies(void **state)
{
	struct fx *fx = *state;
	struct http_limits lim = test_limits;
	struct idle s = {.wait_ms = 500};
	struct xff viaproxy = {.src = "127.0.0.1"},
	           direct = {.src = "127.0.0.2"};

	lim.max_per_ip = 2;
	lim.trusted_proxies = "127.0.0.1, ::1";
	pub_start(fx, &lim);
	s.port = viaproxy.port = direct.port = http_server_port(fx->pub);
	job_run(fx, job_proxies, &s);
	assert_int_equal(s.closed[0], 0);
	assert_int_equal(s.closed[1], 0);
	assert_int_equal(s.closed[2], 0);
	assert_int_equal(s.closed[3], 0);
	assert_int_equal(s.closed[4], 0);
	assert_int_equal(s.closed[5], 1);

	job_run(fx, job_xff, &viaproxy);
	assert_non_null(strstr(viaproxy.out, "\"peer_ip\":\"203.0.113.7\""));
	assert_null(strcasestr(viaproxy.out, "Connection: close"));
	job_run(fx, job_xff, &direct);
	assert_non_null(strstr(direct.out, "\"peer_ip\":\"127.0.0.2\""));
	assert_non_null(strcasestr(direct.out, "Connection: close"));
}

static void
test_http_proxies_check(void **state)
{
	static const char *good[] = {NULL, "", "127.0.0.1", "::1, 10.0.0.0/8",
	                             "192.168.0.0/16 fd00::/8"};
	static const char *bad[] = {"localhost", "10.0.0.0/33", "::1/129",
	                            "1.2.3",     "10.0.0.0/",   "10.0.0.0/x"};
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(http_proxies_check(good[i], err, sizeof(err)),
		                 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(http_proxies_check(bad[i], err, sizeof(err)),
		                 -EINVAL);
		assert_non_null(strstr(err, bad[i]));
	}
}

/* Absurd queries get an answer at once: 414 past the argument limit. */
static void
test_http_public_too_many_args(void **state)
{
	struct fx *fx = *state;
	static char path[16384];
	struct req reqs[3] = {{.path = path}, {.path = "/?topic=ok&b=2"}};
	size_t o = 0;
	int i;

	o += (size_t)snprintf(path, sizeof(path), "/calendarios/x.ics?");
	for (i = 0; i < 1000; i++)
		o += (size_t)snprintf(path + o, sizeof(path) - o, "a%d=1&", i);
	pub_start(fx, &test_limits);
	reqs[0].port = reqs[1].port = http_server_port(fx->pub);
	job_run(fx, job_requests, reqs);
	assert_int_equal(reqs[0].rc, CURLE_OK);
	assert_int_equal(reqs[0].status, 414);
	assert_non_null(strstr(reqs[0].resp, "1000 parameters, more than 64"));
	assert_int_equal(reqs[1].status, 200);
	assert_int_equal(fx->calls, 1);
}

/* A shared body is sent as it is and released once, for GET and HEAD. */
static void
test_http_public_shared_body(void **state)
{
	struct fx *fx = *state;
	struct req reqs[3] = {{.path = "/shared"},
	                      {.path = "/shared", .method = "HEAD"}};

	pub_start(fx, &test_limits);
	reqs[0].port = reqs[1].port = http_server_port(fx->pub);
	job_run(fx, job_requests, reqs);
	assert_int_equal(reqs[0].status, 200);
	assert_string_equal(reqs[0].resp, "bytes shared by many answers");
	assert_int_equal(reqs[1].status, 200);
	fx_stop_all(fx);
	assert_int_equal(fx->shared_out, 2);
	assert_int_equal(fx->shared_released, 2);
}

static void
test_http_stop_closes_everything(void **state)
{
	struct fx *fx = *state;
	struct stat st;

	pub_start(fx, &test_limits);
	assert_int_equal(stat(fx->sock, &st), 0);
	fx_stop_all(fx);
	assert_int_equal(access(fx->sock, F_OK), -1);
	assert_null(fx->ctl);
	/* teardown requires uv_loop_close() == 0 */
}

/* RFC 9110 5.6.7: all three forms of one instant read the same, as
 * libcurl's own reader has them; anything else is refused. */
static void
test_http_date_three_forms(void **state)
{
	static const char *const same[] = {
	    "Sun, 06 Nov 1994 08:49:37 GMT",
	    "Sunday, 06-Nov-94 08:49:37 GMT",
	    "Sun Nov  6 08:49:37 1994",
	    "Sun Nov 06 08:49:37 1994",
	};
	static const char *const bad[] = {
	    "",
	    "yesterday",
	    "Sun, 06 Nov 1994 08:49:37 PST",
	    "Sun, 31 Feb 1994 08:49:37 GMT",
	    "Sun, 06 Nov 1994 24:00:00 GMT",
	    "Sun, 06 Nov 1994 08:49:37 GMT; length=12",
	    "Sun, 6 Nov 1994 08:49:37 GMT",
	    "sun, 06 nov 1994 08:49:37 gmt",
	    "Sunday, 06-Nov-1994 08:49:37 GMT",
	    "Sun Nov  6 08:49:37 94",
	    "Sun Nov  6 08:49:37",
	    "Sun 06 Nov 1994 08:49:37 GMT",
	};
	int64_t now = 1796529600; /* 2026-12-06 04:00 UTC */
	int64_t t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		t = -1;
		assert_int_equal(http_date_parse(same[i], now, &t), 0);
		assert_int_equal(t, 784111777);
		assert_int_equal(t, (int64_t)curl_getdate(same[i], NULL));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(http_date_parse(bad[i], now, &t), -EINVAL);
	assert_int_equal(http_date_parse(NULL, now, &t), -EINVAL);
	/* A leap day, and a leap second read as the second before it. */
	assert_int_equal(
	    http_date_parse("Thu, 29 Feb 2024 12:00:00 GMT", now, &t), 0);
	assert_int_equal(t, 1709208000);
	assert_int_equal(
	    http_date_parse("Sat, 31 Dec 2016 23:59:60 GMT", now, &t), 0);
	assert_int_equal(t, 1483228799);
	assert_int_equal(
	    http_date_parse("Thu, 29 Feb 2023 12:00:00 GMT", now, &t), -EINVAL);
}

/* A two-digit year more than 50 years ahead of now is in the past. */
static void
test_http_date_rfc850_century(void **state)
{
	int64_t now = 1796529600; /* 2026-12-06 04:00 UTC */
	int64_t t;
	char buf[40];

	(void)state;
	assert_int_equal(
	    http_date_parse("Friday, 01-Jan-76 00:00:00 GMT", now, &t), 0);
	assert_string_equal(http_date_format(t, buf, sizeof(buf)),
	                    "Wed, 01 Jan 2076 00:00:00 GMT");
	assert_int_equal(
	    http_date_parse("Saturday, 01-Jan-77 00:00:00 GMT", now, &t), 0);
	assert_string_equal(http_date_format(t, buf, sizeof(buf)),
	                    "Sat, 01 Jan 1977 00:00:00 GMT");
	assert_int_equal(
	    http_date_parse("Sunday, 06-Dec-26 10:00:00 GMT", now, &t), 0);
	assert_string_equal(http_date_format(t, buf, sizeof(buf)),
	                    "Sun, 06 Dec 2026 10:00:00 GMT");
}

/* What the daemon writes it reads back, day after day. */
static void
test_http_date_format_round_trip(void **state)
{
	char buf[40];
	int64_t t, back;

	(void)state;
	assert_string_equal(http_date_format(784111777, buf, sizeof(buf)),
	                    "Sun, 06 Nov 1994 08:49:37 GMT");
	assert_string_equal(http_date_format(0, buf, sizeof(buf)),
	                    "Thu, 01 Jan 1970 00:00:00 GMT");
	for (t = 0; t < 4102444800; t += 86399 * 7 + 3601) {
		http_date_format(t, buf, sizeof(buf));
		assert_int_equal(http_date_parse(buf, t, &back), 0);
		assert_int_equal(back, t);
		assert_int_equal((int64_t)curl_getdate(buf, NULL), t);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_http_control_get_query, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_http_control_post_body, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_http_control_too_large, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(
	        test_http_control_too_large_sent_whole, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_http_control_head, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_http_control_error_json, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_http_control_socket_mode,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_http_control_group, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_http_control_in_use, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_http_control_stale_socket,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_http_control_not_a_socket,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_http_control_parent_dir, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_http_control_garbage, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_http_control_stop_from_handler,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_http_public_serves, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_http_public_listen_parse,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_http_public_idle_connections,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_http_public_timeout, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_http_public_per_ip_limit,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_http_control_deferred, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_http_control_deferred_stop,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_http_public_request_deadline,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_http_public_trusted_proxies,
	                                    setup, teardown),
	    cmocka_unit_test(test_http_proxies_check),
	    cmocka_unit_test(test_http_date_three_forms),
	    cmocka_unit_test(test_http_date_rfc850_century),
	    cmocka_unit_test(test_http_date_format_round_trip),
	    cmocka_unit_test_setup_teardown(test_http_public_too_many_args,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_http_public_shared_body, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_http_stop_closes_everything,
	                                    setup, teardown),
	};
	int r;

	log_init("test_http",
	         getenv("TEST_HTTP_DEBUG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return r;
}
