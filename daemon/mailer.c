/* mailer: see mailer.h.
 *
 * SMTP: one curl easy handle per message in one curl multi handle, driven
 * by the libuv loop through the multi socket interface. curl tells us which
 * sockets to watch (mailer_curl_socket_cb: one uv_poll_t per socket) and
 * when to call it back (mailer_curl_timer_cb: one uv_timer_t); the poll and
 * timer callbacks hand the events to curl_multi_socket_action() and then
 * collect finished transfers with curl_multi_info_read(). The multi keeps a
 * connection cache, so consecutive messages reuse a connection.
 *
 * A limit of libcurl 7.88 (curl issue #8555): after the message body it
 * reads the server's reply to the end of data blocking, inside
 * curl_multi_socket_action(). A relay answers that in milliseconds; a hung
 * one holds the loop for at most timeout_s (CURLOPT_TIMEOUT). The QUITs
 * sent to cached connections by curl_multi_cleanup() in mailer_free wait
 * the same way, at shutdown only.
 *
 * Maildir: each message is written to tmp/, fsynced and renamed into new/
 * by a libuv work request, so the loop never waits on the disk.
 *
 * Every message lives in exactly one list: the FIFO of queued messages, the
 * list of active ones (a transfer or a disk write), or the list of finished
 * ones whose done callbacks are still to run. Done callbacks run only from
 * a zero timer (mailer_done_timer_cb) or, at shutdown, from the last close
 * callback: never inside mailer_submit or inside a curl callback, and the
 * user may call mailer_submit or mailer_free from them.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mailer.h"

#define MAILER_DETAIL_MAX 256

enum mailer_msg_state {
	MAILER_MSG_QUEUED,
	MAILER_MSG_ACTIVE,
	MAILER_MSG_FINISHED,
};

struct mailer_list {
	struct mailer_msg *head;
	struct mailer_msg *tail;
	size_t n;
};

struct mailer_msg {
	struct mailer_msg *prev;
	struct mailer_msg *next;
	struct mailer *m;
	enum mailer_msg_state state;
	char *data;
	size_t len;
	size_t off; /* bytes already handed to curl */
	struct curl_slist *rcpts;
	CURL *easy;
	mailer_done_fn done;
	void *arg;
	enum mailer_result result;
	int code;
	char detail[MAILER_DETAIL_MAX];
	char errbuf[CURL_ERROR_SIZE];
	char last_reply[MAILER_DETAIL_MAX]; /* last 4xx/5xx line seen */
	/* Maildir mode. */
	uv_work_t work;
	char *tmp_path;
	char *new_path;
	int write_err; /* errno of the failed step, or 0 */
	const char *write_step;
};

/* One watched socket. Freed in its close callback. */
struct mailer_sock {
	uv_poll_t poll;
	curl_socket_t fd;
	struct mailer *m;
	struct mailer_sock *next;
	struct mailer_sock *prev;
	int closing;
};

struct mailer {
	uv_loop_t *loop;
	CURLM *multi; /* NULL in maildir mode */
	uv_timer_t curl_timer;
	uv_timer_t rate_timer;
	uv_timer_t done_timer;

	char *smtp_url;
	char *maildir;
	char *from;
	char *username;
	char *password;
	char *ca_file;
	int use_tls;
	unsigned max_active;
	unsigned rate_per_minute;
	long timeout_s;

	struct mailer_list queued;
	struct mailer_list active;
	struct mailer_list finished;
	size_t pending; /* submitted and done not yet called */

	CURL **pool; /* finished easy handles kept for reuse */
	size_t npool;

	struct mailer_sock *socks;

	double tokens;
	uint64_t tokens_at; /* uv_now() of the last refill */

	unsigned long counter; /* maildir file names */

	int closing;
	unsigned open_handles; /* uv handles not yet through their close cb */
	unsigned works;        /* maildir writes in the thread pool */
	void (*free_done)(void *);
	void *free_arg;
};

static void mailer_queue_run(struct mailer *m);
static void mailer_finish_check(struct mailer *m);
static void mailer_done_timer_cb(uv_timer_t *t);

/* ---- lists ---- */

static void
mailer_list_push(struct mailer_list *l, struct mailer_msg *mm)
{
	mm->next = NULL;
	mm->prev = l->tail;
	if (l->tail)
		l->tail->next = mm;
	else
		l->head = mm;
	l->tail = mm;
	l->n++;
}

static void
mailer_list_remove(struct mailer_list *l, struct mailer_msg *mm)
{
	if (mm->prev)
		mm->prev->next = mm->next;
	else
		l->head = mm->next;
	if (mm->next)
		mm->next->prev = mm->prev;
	else
		l->tail = mm->prev;
	mm->prev = mm->next = NULL;
	l->n--;
}

static struct mailer_list *
mailer_list_of(struct mailer *m, struct mailer_msg *mm)
{
	switch (mm->state) {
	case MAILER_MSG_QUEUED:
		return &m->queued;
	case MAILER_MSG_ACTIVE:
		return &m->active;
	case MAILER_MSG_FINISHED:
		break;
	}
	return &m->finished;
}

static void
mailer_msg_free(struct mailer_msg *mm)
{
	curl_slist_free_all(mm->rcpts);
	free(mm->data);
	free(mm->tmp_path);
	free(mm->new_path);
	free(mm);
}

/* Copy a line of text into dst, replacing control characters (CR, LF) by
 * spaces, so a detail stays one line. */
static void
mailer_text_oneline(char *dst, size_t dstlen, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < dstlen && src[i]; i++)
		dst[i] = (unsigned char)src[i] < 0x20 ? ' ' : src[i];
	dst[i] = '\0';
	while (i > 0 && dst[i - 1] == ' ')
		dst[--i] = '\0';
}

/*
 * Move mm (queued or active) to the finished list with its result, and arm
 * the zero timer that calls done callbacks. The caller has already released
 * whatever the message held in curl or the thread pool.
 */
static void
mailer_msg_finish(struct mailer_msg *mm, enum mailer_result result, int code,
                  const char *detail)
{
	struct mailer *m = mm->m;

	mailer_list_remove(mailer_list_of(m, mm), mm);
	mm->state = MAILER_MSG_FINISHED;
	mm->result = result;
	mm->code = code;
	mailer_text_oneline(mm->detail, sizeof(mm->detail), detail);
	mailer_list_push(&m->finished, mm);
	if (!m->closing)
		uv_timer_start(&m->done_timer, mailer_done_timer_cb, 0, 0);
}

/* Call the done callback of every finished message, oldest first. Stops if
 * a callback starts mailer_free: the rest are then reported by the last
 * close callback. */
static void
mailer_finished_report(struct mailer *m, int all)
{
	struct mailer_msg *mm;

	while ((all || !m->closing) && (mm = m->finished.head) != NULL) {
		mailer_list_remove(&m->finished, mm);
		m->pending--;
		mm->done(mm->arg, mm->result, mm->code, mm->detail);
		mailer_msg_free(mm);
	}
}

static void
mailer_done_timer_cb(uv_timer_t *t)
{
	mailer_finished_report(t->data, 0);
}

/* ---- token bucket (uv_now: monotonic, unaffected by the test clock) ---- */

static double
mailer_rate_capacity(const struct mailer *m)
{
	/* One second's worth of messages may go out at once. */
	double c = m->rate_per_minute / 60.0;

	return c < 1.0 ? 1.0 : c;
}

static void
mailer_rate_refill(struct mailer *m)
{
	uint64_t now = uv_now(m->loop);
	double cap = mailer_rate_capacity(m);

	m->tokens +=
	    (double)(now - m->tokens_at) * m->rate_per_minute / 60000.0;
	if (m->tokens > cap)
		m->tokens = cap;
	m->tokens_at = now;
}

static void
mailer_rate_timer_cb(uv_timer_t *t)
{
	mailer_queue_run(t->data);
}

/*
 * Take one token if the rate allows a message now. Otherwise arm the rate
 * timer for when the next token is due and return 0.
 */
static int
mailer_rate_take(struct mailer *m)
{
	double missing;
	uint64_t wait_ms;

	if (m->rate_per_minute == 0)
		return 1;
	mailer_rate_refill(m);
	if (m->tokens >= 1.0) {
		m->tokens -= 1.0;
		return 1;
	}
	missing = 1.0 - m->tokens;
	wait_ms = (uint64_t)(missing * 60000.0 / m->rate_per_minute) + 1;
	if (!uv_is_active((uv_handle_t *)&m->rate_timer))
		uv_timer_start(&m->rate_timer, mailer_rate_timer_cb, wait_ms,
		               0);
	return 0;
}

/* ---- curl: sockets and timer ---- */

static void
mailer_sock_close_cb(uv_handle_t *h)
{
	struct mailer_sock *sk = h->data;
	struct mailer *m = sk->m;

	if (sk->prev)
		sk->prev->next = sk->next;
	else
		m->socks = sk->next;
	if (sk->next)
		sk->next->prev = sk->prev;
	free(sk);
	m->open_handles--;
	mailer_finish_check(m);
}

static void
mailer_sock_close(struct mailer_sock *sk)
{
	if (sk->closing)
		return;
	sk->closing = 1;
	uv_close((uv_handle_t *)&sk->poll, mailer_sock_close_cb);
}

/* Collect finished transfers, then start queued messages in their place.
 * Called after each curl_multi_socket_action(), outside curl's callbacks. */
static void mailer_multi_check(struct mailer *m);

static void
mailer_poll_cb(uv_poll_t *h, int status, int events)
{
	struct mailer_sock *sk = h->data;
	struct mailer *m = sk->m;
	int flags = 0;
	int running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(m->multi, sk->fd, flags, &running);
	mailer_multi_check(m);
}

static void
mailer_curl_timeout_cb(uv_timer_t *t)
{
	struct mailer *m = t->data;
	int running;

	curl_multi_socket_action(m->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	mailer_multi_check(m);
}

/*
 * CURLMOPT_SOCKETFUNCTION: start, change or stop watching socket s. The
 * uv_poll_t is created on first use and attached to the socket with
 * curl_multi_assign(); CURL_POLL_REMOVE closes it.
 */
static int
mailer_curl_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp,
                      void *socketp)
{
	struct mailer *m = userp;
	struct mailer_sock *sk = socketp;
	int events = 0;
	int rc;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (sk) {
			curl_multi_assign(m->multi, s, NULL);
			mailer_sock_close(sk);
		}
		return 0;
	}
	if (!sk) {
		sk = calloc(1, sizeof(*sk));
		if (!sk)
			return -1;
		rc = uv_poll_init_socket(m->loop, &sk->poll, s);
		if (rc < 0) {
			log_err("mailer: watching socket %d: %s", (int)s,
			        uv_strerror(rc));
			free(sk);
			return -1;
		}
		sk->fd = s;
		sk->m = m;
		sk->poll.data = sk;
		sk->next = m->socks;
		if (m->socks)
			m->socks->prev = sk;
		m->socks = sk;
		m->open_handles++;
		curl_multi_assign(m->multi, s, sk);
	}
	if (what & CURL_POLL_IN)
		events |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		events |= UV_WRITABLE;
	rc = uv_poll_start(&sk->poll, events, mailer_poll_cb);
	return rc < 0 ? -1 : 0;
}

/* CURLMOPT_TIMERFUNCTION: curl wants to be called in timeout_ms (-1: never).
 * The call happens from the loop, never from here. */
static int
mailer_curl_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct mailer *m = userp;

	(void)multi;
	if (timeout_ms < 0)
		uv_timer_stop(&m->curl_timer);
	else
		uv_timer_start(&m->curl_timer, mailer_curl_timeout_cb,
		               (uint64_t)timeout_ms, 0);
	return 0;
}

/* ---- curl: one transfer ---- */

static size_t
mailer_curl_read_cb(char *buf, size_t size, size_t nitems, void *userp)
{
	struct mailer_msg *mm = userp;
	size_t n = size * nitems;

	if (n > mm->len - mm->off)
		n = mm->len - mm->off;
	memcpy(buf, mm->data + mm->off, n);
	mm->off += n;
	return n;
}

/* Server reply lines reach the header callback: keep the last failure line
 * for the detail. */
static size_t
mailer_curl_header_cb(char *buf, size_t size, size_t nitems, void *userp)
{
	struct mailer_msg *mm = userp;
	size_t n = size * nitems;
	char line[MAILER_DETAIL_MAX];

	if (n >= 3 && (buf[0] == '4' || buf[0] == '5')) {
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, buf, n);
		line[n] = '\0';
		mailer_text_oneline(mm->last_reply, sizeof(mm->last_reply),
		                    line);
	}
	return size * nitems;
}

static CURL *
mailer_easy_get(struct mailer *m)
{
	CURL *easy;

	if (m->npool > 0) {
		easy = m->pool[--m->npool];
		curl_easy_reset(easy);
		return easy;
	}
	return curl_easy_init();
}

static void
mailer_easy_put(struct mailer *m, CURL *easy)
{
	if (m->npool < m->max_active)
		m->pool[m->npool++] = easy;
	else
		curl_easy_cleanup(easy);
}

/* Set every option of mm's transfer. Returns a curl code. */
static CURLcode
mailer_easy_setup(struct mailer *m, struct mailer_msg *mm, CURL *e)
{
	CURLcode rc = CURLE_OK;

#define SET(opt, val)                                                          \
	do {                                                                   \
		if (rc == CURLE_OK)                                            \
			rc = curl_easy_setopt(e, opt, val);                    \
	} while (0)
	SET(CURLOPT_ERRORBUFFER, mm->errbuf);
	SET(CURLOPT_PRIVATE, mm);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_URL, m->smtp_url);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SET(CURLOPT_USE_SSL,
	    (long)(m->use_tls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
	if (m->from)
		SET(CURLOPT_MAIL_FROM, m->from);
	SET(CURLOPT_MAIL_RCPT, mm->rcpts);
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_READFUNCTION, mailer_curl_read_cb);
	SET(CURLOPT_READDATA, mm);
	SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)mm->len);
	SET(CURLOPT_HEADERFUNCTION, mailer_curl_header_cb);
	SET(CURLOPT_HEADERDATA, mm);
	if (m->username)
		SET(CURLOPT_USERNAME, m->username);
	if (m->password)
		SET(CURLOPT_PASSWORD, m->password);
	if (m->ca_file)
		SET(CURLOPT_CAINFO, m->ca_file);
	if (m->timeout_s > 0) {
		SET(CURLOPT_TIMEOUT, m->timeout_s);
		SET(CURLOPT_SERVER_RESPONSE_TIMEOUT, m->timeout_s);
	}
#undef SET
	return rc;
}

/* Start mm's transfer. On failure mm is finished with MAILER_TEMPFAIL. */
static void
mailer_smtp_start(struct mailer *m, struct mailer_msg *mm)
{
	char detail[MAILER_DETAIL_MAX];
	CURLcode rc;
	CURLMcode mrc;

	mm->easy = mailer_easy_get(m);
	if (!mm->easy) {
		mailer_msg_finish(mm, MAILER_TEMPFAIL, 0,
		                  "cannot create a curl handle");
		return;
	}
	mm->off = 0;
	mm->errbuf[0] = '\0';
	mm->last_reply[0] = '\0';
	rc = mailer_easy_setup(m, mm, mm->easy);
	if (rc != CURLE_OK) {
		snprintf(detail, sizeof(detail), "curl setup: %s (curl %d)",
		         curl_easy_strerror(rc), (int)rc);
		curl_easy_cleanup(mm->easy);
		mm->easy = NULL;
		mailer_msg_finish(mm, MAILER_TEMPFAIL, 0, detail);
		return;
	}
	mrc = curl_multi_add_handle(m->multi, mm->easy);
	if (mrc != CURLM_OK) {
		snprintf(detail, sizeof(detail), "curl multi: %s",
		         curl_multi_strerror(mrc));
		curl_easy_cleanup(mm->easy);
		mm->easy = NULL;
		mailer_msg_finish(mm, MAILER_TEMPFAIL, 0, detail);
	}
}

/*
 * Judge one finished transfer: CURLE_OK is sent; otherwise the last SMTP
 * reply decides (5xx permanent, 4xx temporary) and anything without one
 * (connection, timeout, TLS) is temporary with code 0. A refused login is
 * the operator's configuration, not the message's fault: temporary.
 */
static void
mailer_smtp_judge(struct mailer_msg *mm, CURLcode res)
{
	char detail[MAILER_DETAIL_MAX * 2 + 64];
	const char *why;
	long code = 0;
	enum mailer_result result;

	curl_easy_getinfo(mm->easy, CURLINFO_RESPONSE_CODE, &code);
	if (res == CURLE_OK) {
		snprintf(detail, sizeof(detail), "%ld accepted", code);
		mailer_msg_finish(mm, MAILER_SENT, (int)code, detail);
		return;
	}
	if (code < 400 || code > 599) {
		/* The reply may have been followed by another (QUIT). */
		if (mm->last_reply[0])
			code = strtol(mm->last_reply, NULL, 10);
		if (code < 400 || code > 599)
			code = 0;
	}
	if (code >= 500 && res != CURLE_LOGIN_DENIED)
		result = MAILER_PERMFAIL;
	else
		result = MAILER_TEMPFAIL;
	why = mm->errbuf[0] ? mm->errbuf : curl_easy_strerror(res);
	/* The relay's words first, as mail logs put them. */
	if (mm->last_reply[0])
		snprintf(detail, sizeof(detail), "%s (curl %d: %s)",
		         mm->last_reply, (int)res, why);
	else
		snprintf(detail, sizeof(detail), "%s (curl %d)", why, (int)res);
	mailer_msg_finish(mm, result, (int)code, detail);
}

static void
mailer_multi_check(struct mailer *m)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
		struct mailer_msg *mm = NULL;
		CURL *easy = msg->easy_handle;
		CURLcode res = msg->data.result;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&mm);
		mailer_smtp_judge(mm, res);
		/* msg is invalid from here on. */
		curl_multi_remove_handle(m->multi, easy);
		mm->easy = NULL;
		mailer_easy_put(m, easy);
	}
	mailer_queue_run(m);
}

/* ---- maildir ---- */

static int
mailer_mkdir(const char *path, char *err, size_t errlen)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	snprintf(err, errlen, "mailer: cannot create %s: %s", path,
	         strerror(errno));
	return -errno;
}

static int
mailer_maildir_init(const char *dir, char *err, size_t errlen)
{
	static const char *const subs[] = {"tmp", "new", "cur"};
	char path[4096];
	size_t i;
	int rc;

	rc = mailer_mkdir(dir, err, errlen);
	if (rc < 0)
		return rc;
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		                     subs[i]) >= sizeof(path)) {
			snprintf(err, errlen, "mailer: maildir path too long");
			return -ENAMETOOLONG;
		}
		rc = mailer_mkdir(path, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void
mailer_write_fail(struct mailer_msg *mm, const char *step)
{
	mm->write_err = errno;
	mm->write_step = step;
}

/* Thread pool: write tmp/<name>, fsync, rename to new/<name>, fsync new/.
 * Touches only mm's own fields. */
static void
mailer_maildir_work_cb(uv_work_t *w)
{
	struct mailer_msg *mm = w->data;
	size_t done = 0;
	ssize_t n;
	char *slash;
	int fd;

	fd = open(mm->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		mailer_write_fail(mm, "open");
		return;
	}
	while (done < mm->len) {
		n = write(fd, mm->data + done, mm->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			mailer_write_fail(mm, "write");
			goto fail;
		}
		done += (size_t)n;
	}
	if (fsync(fd) < 0) {
		mailer_write_fail(mm, "fsync");
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		mailer_write_fail(mm, "close");
		goto fail;
	}
	fd = -1;
	if (rename(mm->tmp_path, mm->new_path) < 0) {
		mailer_write_fail(mm, "rename");
		goto fail;
	}
	/* Make the rename itself durable. */
	slash = strrchr(mm->new_path, '/');
	*slash = '\0';
	fd = open(mm->new_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*slash = '/';
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return;
fail:
	if (fd >= 0)
		close(fd);
	unlink(mm->tmp_path);
}

static void
mailer_maildir_after_cb(uv_work_t *w, int status)
{
	struct mailer_msg *mm = w->data;
	struct mailer *m = mm->m;
	char detail[MAILER_DETAIL_MAX];

	m->works--;
	if (status == UV_ECANCELED) {
		mailer_msg_finish(mm, MAILER_TEMPFAIL, 0, "shutting down");
	} else if (mm->write_err) {
		snprintf(detail, sizeof(detail), "maildir %s %s: %s",
		         mm->write_step, mm->tmp_path, strerror(mm->write_err));
		mailer_msg_finish(mm, MAILER_TEMPFAIL, 0, detail);
	} else {
		snprintf(detail, sizeof(detail), "written to %s", mm->new_path);
		mailer_msg_finish(mm, MAILER_SENT, 0, detail);
	}
	if (m->closing)
		mailer_finish_check(m);
	else
		mailer_queue_run(m);
}

/* Name the files and hand the write to the thread pool. The unique name is
 * "<seconds>.M<microseconds>P<pid>Q<counter>.cronograma". */
static void
mailer_maildir_start(struct mailer *m, struct mailer_msg *mm)
{
	struct timespec ts;
	char name[128];
	int rc;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(name, sizeof(name), "%lld.M%06ldP%dQ%lu.cronograma",
	         (long long)ts.tv_sec, ts.tv_nsec / 1000, (int)getpid(),
	         ++m->counter);
	if (asprintf(&mm->tmp_path, "%s/tmp/%s", m->maildir, name) < 0) {
		mm->tmp_path = NULL;
		mailer_msg_finish(mm, MAILER_TEMPFAIL, 0, "out of memory");
		return;
	}
	if (asprintf(&mm->new_path, "%s/new/%s", m->maildir, name) < 0) {
		mm->new_path = NULL;
		mailer_msg_finish(mm, MAILER_TEMPFAIL, 0, "out of memory");
		return;
	}
	mm->work.data = mm;
	rc = uv_queue_work(m->loop, &mm->work, mailer_maildir_work_cb,
	                   mailer_maildir_after_cb);
	if (rc < 0) {
		mailer_msg_finish(mm, MAILER_TEMPFAIL, 0, uv_strerror(rc));
		return;
	}
	m->works++;
}

/* ---- queue ---- */

/* Start queued messages, oldest first, while a slot and a token are free. */
static void
mailer_queue_run(struct mailer *m)
{
	struct mailer_msg *mm;

	while (!m->closing && m->queued.head && m->active.n < m->max_active &&
	       mailer_rate_take(m)) {
		mm = m->queued.head;
		mailer_list_remove(&m->queued, mm);
		mm->state = MAILER_MSG_ACTIVE;
		mailer_list_push(&m->active, mm);
		if (m->multi)
			mailer_smtp_start(m, mm);
		else
			mailer_maildir_start(m, mm);
	}
}

/* ---- public ---- */

static int
mailer_strdup(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

static void
mailer_config_free(struct mailer *m)
{
	free(m->smtp_url);
	free(m->maildir);
	free(m->from);
	free(m->username);
	if (m->password) {
		explicit_bzero(m->password, strlen(m->password));
		free(m->password);
	}
	free(m->ca_file);
	free(m->pool);
}

static int
mailer_multi_init(struct mailer *m, char *err, size_t errlen)
{
	CURLMcode rc = CURLM_OK;

	m->multi = curl_multi_init();
	if (!m->multi) {
		snprintf(err, errlen, "mailer: cannot create a curl multi");
		return -ENOMEM;
	}
#define MSET(opt, val)                                                         \
	do {                                                                   \
		if (rc == CURLM_OK)                                            \
			rc = curl_multi_setopt(m->multi, opt, val);            \
	} while (0)
	MSET(CURLMOPT_SOCKETFUNCTION, mailer_curl_socket_cb);
	MSET(CURLMOPT_SOCKETDATA, m);
	MSET(CURLMOPT_TIMERFUNCTION, mailer_curl_timer_cb);
	MSET(CURLMOPT_TIMERDATA, m);
	MSET(CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)m->max_active);
	MSET(CURLMOPT_MAXCONNECTS, (long)m->max_active);
#undef MSET
	if (rc != CURLM_OK) {
		snprintf(err, errlen, "mailer: curl multi: %s",
		         curl_multi_strerror(rc));
		curl_multi_cleanup(m->multi);
		m->multi = NULL;
		return -EINVAL;
	}
	return 0;
}

int
mailer_new(uv_loop_t *loop, const struct mailer_config *cfg,
           struct mailer **out, char *err, size_t errlen)
{
	struct mailer *m;
	int smtp = cfg->smtp_url && cfg->smtp_url[0];
	int rc = 0;

	*out = NULL;
	if (smtp && strncmp(cfg->smtp_url, "smtp://", 7) != 0 &&
	    strncmp(cfg->smtp_url, "smtps://", 8) != 0) {
		snprintf(err, errlen,
		         "mailer: smtp_url must start with smtp:// or "
		         "smtps://");
		return -EINVAL;
	}
	if (!smtp && (!cfg->maildir || !cfg->maildir[0])) {
		snprintf(err, errlen, "mailer: neither smtp_url nor maildir");
		return -EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "mailer: out of memory");
		return -ENOMEM;
	}
	m->loop = loop;
	m->max_active = cfg->max_connections ? cfg->max_connections : 1;
	m->rate_per_minute = cfg->rate_per_minute;
	m->timeout_s = cfg->timeout_s;
	m->use_tls = smtp && (cfg->starttls_required ||
	                      strncmp(cfg->smtp_url, "smtps://", 8) == 0);
	if (smtp)
		rc = mailer_strdup(&m->smtp_url, cfg->smtp_url);
	if (rc == 0)
		rc = mailer_strdup(&m->maildir, cfg->maildir);
	if (rc == 0)
		rc = mailer_strdup(&m->from, cfg->from);
	if (rc == 0)
		rc = mailer_strdup(&m->username, cfg->username);
	if (rc == 0)
		rc = mailer_strdup(&m->password, cfg->password);
	if (rc == 0)
		rc = mailer_strdup(&m->ca_file, cfg->ca_file);
	if (rc == 0 && smtp) {
		m->pool = calloc(m->max_active, sizeof(*m->pool));
		if (!m->pool)
			rc = -ENOMEM;
	}
	if (rc < 0)
		snprintf(err, errlen, "mailer: out of memory");
	if (rc == 0 && smtp)
		rc = mailer_multi_init(m, err, errlen);
	if (rc == 0 && !smtp)
		rc = mailer_maildir_init(m->maildir, err, errlen);
	if (rc < 0) {
		mailer_config_free(m);
		free(m);
		return rc;
	}
	/* Nothing fails from here on: handles need no undoing. */
	uv_timer_init(loop, &m->curl_timer);
	uv_timer_init(loop, &m->rate_timer);
	uv_timer_init(loop, &m->done_timer);
	m->curl_timer.data = m;
	m->rate_timer.data = m;
	m->done_timer.data = m;
	m->open_handles = 3;
	m->tokens = mailer_rate_capacity(m);
	m->tokens_at = uv_now(loop);
	*out = m;
	return 0;
}

int
mailer_submit(struct mailer *m, const char *data, size_t len,
              const char *const *rcpts, mailer_done_fn done, void *arg)
{
	struct mailer_msg *mm;
	struct curl_slist *l;
	size_t i;

	if (m->closing)
		return -ESHUTDOWN;
	if (!done || !data || !rcpts || !rcpts[0])
		return -EINVAL;
	mm = calloc(1, sizeof(*mm));
	if (!mm)
		return -ENOMEM;
	mm->m = m;
	mm->done = done;
	mm->arg = arg;
	mm->len = len;
	mm->data = malloc(len ? len : 1);
	if (!mm->data)
		goto nomem;
	memcpy(mm->data, data, len);
	for (i = 0; rcpts[i]; i++) {
		l = curl_slist_append(mm->rcpts, rcpts[i]);
		if (!l)
			goto nomem;
		mm->rcpts = l;
	}
	mm->state = MAILER_MSG_QUEUED;
	mailer_list_push(&m->queued, mm);
	m->pending++;
	mailer_queue_run(m);
	return 0;
nomem:
	mailer_msg_free(mm);
	return -ENOMEM;
}

size_t
mailer_pending(struct mailer *m)
{
	return m->pending;
}

/* The last step of mailer_free: once every handle is closed and no write
 * is in the thread pool, report what is left, free m, call free_done. */
static void
mailer_finish_check(struct mailer *m)
{
	void (*free_done)(void *);
	void *free_arg;

	if (!m->closing || m->open_handles > 0 || m->works > 0)
		return;
	mailer_finished_report(m, 1);
	free_done = m->free_done;
	free_arg = m->free_arg;
	mailer_config_free(m);
	free(m);
	if (free_done)
		free_done(free_arg);
}

static void
mailer_timer_close_cb(uv_handle_t *h)
{
	struct mailer *m = h->data;

	m->open_handles--;
	mailer_finish_check(m);
}

void
mailer_free(struct mailer *m, void (*done)(void *), void *arg)
{
	struct mailer_msg *mm;
	struct mailer_sock *sk;

	if (m->closing)
		return;
	m->closing = 1;
	m->free_done = done;
	m->free_arg = arg;
	uv_timer_stop(&m->done_timer);

	while ((mm = m->queued.head) != NULL)
		mailer_msg_finish(mm, MAILER_TEMPFAIL, 0, "shutting down");
	if (!m->multi) {
		/* A write already running in the pool finishes and reports
		 * its own result: the file is there or it is not. */
		for (mm = m->active.head; mm; mm = mm->next)
			uv_cancel((uv_req_t *)&mm->work);
	}
	while (m->multi && (mm = m->active.head) != NULL) {
		/* libcurl 7.88 ends an SMTP upload removed midway as if it
		 * had finished: it sends the end of data and waits, blocking,
		 * for the reply. Without recipients it only closes the
		 * connection. */
		curl_easy_setopt(mm->easy, CURLOPT_MAIL_RCPT, NULL);
		curl_multi_remove_handle(m->multi, mm->easy);
		curl_easy_cleanup(mm->easy);
		mm->easy = NULL;
		mailer_msg_finish(mm, MAILER_TEMPFAIL, 0, "shutting down");
	}
	while (m->npool > 0)
		curl_easy_cleanup(m->pool[--m->npool]);
	if (m->multi) {
		/* May report sockets of cached connections as removed. */
		curl_multi_cleanup(m->multi);
		m->multi = NULL;
	}
	for (sk = m->socks; sk; sk = sk->next)
		mailer_sock_close(sk);
	uv_close((uv_handle_t *)&m->curl_timer, mailer_timer_close_cb);
	uv_close((uv_handle_t *)&m->rate_timer, mailer_timer_close_cb);
	uv_close((uv_handle_t *)&m->done_timer, mailer_timer_close_cb);
}
