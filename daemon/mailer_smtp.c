/* mailer_smtp: SMTP transfers on mailer worker threads. The shape, and
 * why, is in mailer.c's header comment; this file holds the threads and
 * everything that touches libcurl (mailer_internal.h is the boundary).
 *
 * Who touches what:
 *   - the loop thread: the workers array, inflight, the handles, and
 *     everything under mx when it holds it;
 *   - each worker thread: its own easy handle and scratch fields, and
 *     everything under mx when it holds it;
 *   - under mx: the ready and results FIFOs, the idle stack, stop,
 *     nexited, and each worker's idle, exited, cur and socks;
 *   - atomics: each worker's abort flag (set by the loop, read by curl's
 *     progress callback on the worker without the lock) and its eod flag
 *     (set by the read callback on the worker, reset under mx when the
 *     worker takes a message, read by the loop under mx);
 *   - the configuration strings are written before the first thread
 *     starts and only read afterwards.
 *
 * Stopping without waiting on a relay (mailer_smtp_free). A worker may be
 * inside curl_easy_perform, even blocked reading the reply to the end of
 * DATA. The loop sets the worker's abort flag, which curl's progress
 * callback returns (curl calls it at least once a second, also from that
 * blocking wait), and shuts the worker's sockets down with shutdown(2),
 * which wakes a blocked poll at once: the transfer fails, and curl never
 * sends the end of data of an aborted upload. The sockets are known from
 * CURLOPT_OPENSOCKETFUNCTION and CURLOPT_CLOSESOCKETFUNCTION, which record
 * and close them under mx, so the loop can never shut down a descriptor
 * number that was closed and reused meanwhile. Idle workers close their
 * connection politely (QUIT); after MAILER_STOP_GRACE_MS every worker
 * still running is aborted the same way.
 *
 * Except one: a transfer whose whole message has gone to curl (the end of
 * data follows at once) is not aborted at the start but left the grace
 * for the relay's reply. Aborted then, it would come back as a failure
 * although the relay may have taken the message (a relay queues it before
 * it answers), and it would go again after the restart: a duplicate. Cut
 * before the end of data, a message is only ever discarded by the relay.
 */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "mailer_internal.h"

#define MAILER_WORKER_SOCKS  4    /* connection sockets open at once */
#define MAILER_STOP_GRACE_MS 2000 /* for QUITs at shutdown */
/* Results busy workers let gather before they wake the loop, and for how
 * long at most (mailer_results_due), shared by the connections
 * (mailer_smtp_new): 128 or 20 ms at 8, 1024 or 160 ms at 1. */
#define MAILER_HOLD_MAX  1024
#define MAILER_HOLD_NS   (160 * 1000 * 1000ULL)
#define MAILER_READY_LOW 32
#define MAILER_HOLD_FROM 16 /* messages in a row before a worker holds */
#define MAILER_NICE      10 /* the workers' nice levels below the loop */

struct mailer_worker {
	struct mailer_smtp *s;
	uv_thread_t tid;
	uv_cond_t wake;
	atomic_int abort;
	atomic_int eod; /* the message's last byte went to curl */

	/* Under s->mx. */
	int idle;               /* on s->idle, waiting for wake */
	int exited;             /* past its last use of s->async */
	struct mailer_msg *cur; /* the message in flight */
	curl_socket_t socks[MAILER_WORKER_SOCKS]; /* CURL_SOCKET_BAD: free */

	/* The worker thread's own. */
	CURLM *multi; /* holds easy while it sends, and the connection */
	CURL *easy;
	struct mailer_msg *mm;
	size_t off;      /* bytes of mm already handed to curl */
	unsigned streak; /* messages sent since it last had nothing to do */
	char errbuf[CURL_ERROR_SIZE];
	char reply[MAILER_DETAIL_MAX]; /* the last final reply line */
	char fail[MAILER_DETAIL_MAX];  /* the last 4xx or 5xx one */
};

struct mailer_smtp {
	uv_loop_t *loop;
	uv_async_t async; /* results are waiting, or a worker exited */
	uv_timer_t grace; /* the end of the QUITs at shutdown */
	uv_mutex_t mx;

	/* Under mx. */
	struct mailer_list ready;
	struct mailer_list results;
	struct mailer_worker **idle; /* a stack: the last idle on top */
	unsigned nidle;
	unsigned nexited;
	int stop;
	/* uv_hrtime() when the oldest result the loop was not woken for
	 * went on results; 0 when there is none. Written under mx, read
	 * without it by workers inside a transfer. */
	_Atomic uint64_t held_since;
	/* The worker whose result started the hold: the one that bounds its
	 * waits by it (mailer_results_check). */
	_Atomic(struct mailer_worker *) holder;
	/* The errno of the first worker that could not lower its priority
	 * (mailer_worker_nice), 0 if none; -1 once the loop logged it. */
	atomic_int nice_err;

	/* The loop's. */
	struct mailer_worker *workers; /* max_workers; the first nworkers run */
	unsigned nworkers;
	size_t inflight; /* handed to the workers, not yet back */
	mailer_smtp_result_fn on_result;
	void *ctx;
	int closing;
	int joined;
	unsigned open_handles;
	void (*free_done)(void *);
	void *free_arg;

	/* Written before the first thread starts, then read-only. */
	char *url;
	char *from;
	char *username;
	char *password;
	char *ca_file;
	int use_tls;
	unsigned max_workers;
	long timeout_s;
	uint64_t hold_ns; /* MAILER_HOLD_NS / max_workers */
	size_t hold_max;  /* MAILER_HOLD_MAX / max_workers, at least 16 */
};

static void mailer_smtp_discard(struct mailer_smtp *s);

/* ---- recipients ---- */

int
mailer_smtp_rcpt_add(struct curl_slist **l, const char *rcpt)
{
	struct curl_slist *n = curl_slist_append(*l, rcpt);

	if (!n)
		return -ENOMEM;
	*l = n;
	return 0;
}

void
mailer_smtp_rcpts_free(struct curl_slist *l)
{
	curl_slist_free_all(l);
}

/* ---- results held for the loop (worker threads) ---- */

/*
 * Under s->mx, just after a worker put a result on s->results: whether to
 * wake the loop now. A worker that keeps sending fast lets results gather
 * and wakes the loop once for many of them (at 1 connection the loop
 * would otherwise wake, write its log line and sleep again for every
 * message). It wakes it at once when the transfer was slow (the next one
 * may be too), when hold_max results wait, when the oldest has waited
 * hold_ns, and when fewer than MAILER_READY_LOW messages are ready, so
 * that the loop refills the FIFO before the workers run dry. The limits
 * are shared by the connections: at 8 connections a turn of the loop
 * every 20 ms kept the workers fed best (12.5 ms and 100 ms were both
 * slower); at one, the ready FIFO running low ends the hold first (every
 * ~50 ms). Fewer, larger turns of the loop disturb the workers less
 * than many small ones: a 15 % CPU load in 1 ms slices cost libcurl
 * alone 15 to 25 % of its rate at one connection, the same load in 5 ms
 * slices 6 to 9 % (tests/bench/mail-notes.md). The first MAILER_HOLD_FROM
 * results after a worker had nothing to do go at once, so that the start
 * of a burst is heard without delay. A worker with nothing ready wakes it
 * before it sleeps (mailer_worker_main), and one inside a
 * transfer when the oldest result's time is up (mailer_results_check).
 */
static int
mailer_results_due(struct mailer_worker *w, uint64_t now, uint64_t took_ns)
{
	struct mailer_smtp *s = w->s;
	uint64_t since = atomic_load(&s->held_since);

	/* The first results of a burst go at once: the loop hears of the
	 * first 250 without waiting for the hold. */
	if (++w->streak <= MAILER_HOLD_FROM)
		return 1;
	if (since == 0) {
		atomic_store(&s->held_since, since = now);
		atomic_store(&s->holder, w);
	}
	return took_ns >= s->hold_ns || now - since >= s->hold_ns ||
	       s->results.n >= s->hold_max || s->ready.n < MAILER_READY_LOW;
}

/* On worker w inside a transfer: if w started the hold, wake the loop
 * once the oldest held result has waited its time. Returns the
 * milliseconds left until then (for w's poll), or -1 when w holds
 * nothing. */
static long
mailer_results_check(struct mailer_worker *w)
{
	struct mailer_smtp *s = w->s;
	uint64_t since, now;
	int wake = 0;

	if (atomic_load_explicit(&s->holder, memory_order_relaxed) != w)
		return -1;
	since = atomic_load_explicit(&s->held_since, memory_order_relaxed);
	if (since == 0)
		return -1;
	now = uv_hrtime();
	if (now - since < s->hold_ns)
		return (long)((s->hold_ns - (now - since)) / 1000000) + 1;
	uv_mutex_lock(&s->mx);
	if (atomic_load(&s->held_since) != 0) {
		atomic_store(&s->held_since, 0);
		wake = 1;
	}
	uv_mutex_unlock(&s->mx);
	if (wake)
		uv_async_send(&s->async);
	return -1;
}

/* ---- curl callbacks (worker threads) ---- */

static size_t
mailer_curl_read_cb(char *buf, size_t size, size_t nitems, void *userp)
{
	struct mailer_worker *w = userp;
	struct mailer_msg *mm = w->mm;
	size_t n = size * nitems;

	if (n > mm->len - w->off)
		n = mm->len - w->off;
	memcpy(buf, mm->data + w->off, n);
	w->off += n;
	/* With the size known, curl may not ask again for the end. */
	if (w->off == mm->len)
		atomic_store(&w->eod, 1);
	return n;
}

/*
 * libcurl hands every SMTP reply line to the header callback. Keep the
 * last final line of a reply ("250 2.0.0 Ok", not "250-PIPELINING"): after
 * a message is accepted that is the reply to the end of DATA. Keep the
 * last 4xx or 5xx one too, for the failure's detail (curl may have sent
 * QUIT or RSET after it).
 */
static size_t
mailer_curl_header_cb(char *buf, size_t size, size_t nitems, void *userp)
{
	struct mailer_worker *w = userp;
	size_t n = size * nitems;
	size_t len = n;
	char line[MAILER_DETAIL_MAX];

	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len < 3 || buf[0] < '1' || buf[0] > '5' || buf[1] < '0' ||
	    buf[1] > '9' || buf[2] < '0' || buf[2] > '9' ||
	    (len > 3 && buf[3] != ' '))
		return n;
	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	memcpy(line, buf, len);
	line[len] = '\0';
	mailer_text_oneline(w->reply, sizeof(w->reply), line);
	if (buf[0] == '4' || buf[0] == '5')
		memcpy(w->fail, w->reply, sizeof(w->fail));
	return n;
}

/* CURLOPT_XFERINFOFUNCTION: non-zero aborts the transfer. */
static int
mailer_curl_progress_cb(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
                        curl_off_t ultotal, curl_off_t ulnow)
{
	struct mailer_worker *w = clientp;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	/* Also from curl's blocking wait for the reply to the end of DATA
	 * (once a second): results held past their time go to the loop. */
	mailer_results_check(w);
	return atomic_load_explicit(&w->abort, memory_order_relaxed) ? 1 : 0;
}

/* CURLOPT_OPENSOCKETFUNCTION: open the connection's socket and record it,
 * so that the loop can shut it down; none once the worker is aborted. */
static curl_socket_t
mailer_curl_opensocket_cb(void *clientp, curlsocktype purpose,
                          struct curl_sockaddr *a)
{
	struct mailer_worker *w = clientp;
	curl_socket_t fd;
	int i;

	(void)purpose;
	fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	if (fd < 0)
		return CURL_SOCKET_BAD;
	uv_mutex_lock(&w->s->mx);
	if (atomic_load(&w->abort)) {
		close(fd);
		fd = CURL_SOCKET_BAD;
	}
	for (i = 0; fd != CURL_SOCKET_BAD && i < MAILER_WORKER_SOCKS; i++) {
		if (w->socks[i] == CURL_SOCKET_BAD) {
			w->socks[i] = fd;
			break;
		}
	}
	uv_mutex_unlock(&w->s->mx);
	return fd;
}

/* CURLOPT_CLOSESOCKETFUNCTION: forget and close under the lock, so the
 * loop's shutdown(2) never reaches a reused descriptor number. */
static int
mailer_curl_closesocket_cb(void *clientp, curl_socket_t fd)
{
	struct mailer_worker *w = clientp;
	int i, rc;

	uv_mutex_lock(&w->s->mx);
	for (i = 0; i < MAILER_WORKER_SOCKS; i++)
		if (w->socks[i] == fd)
			w->socks[i] = CURL_SOCKET_BAD;
	rc = close(fd);
	uv_mutex_unlock(&w->s->mx);
	return rc < 0 ? 1 : 0;
}

/* ---- one easy handle per worker ---- */

/* Every option that stays the same from message to message. w is NULL
 * when mailer_smtp_new only checks that libcurl takes them. */
static CURLcode
mailer_easy_setup(struct mailer_smtp *s, struct mailer_worker *w, CURL *e)
{
	CURLcode rc = CURLE_OK;

#define SET(opt, val)                                                          \
	do {                                                                   \
		if (rc == CURLE_OK)                                            \
			rc = curl_easy_setopt(e, opt, val);                    \
	} while (0)
	if (w)
		SET(CURLOPT_ERRORBUFFER, w->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_URL, s->url);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SET(CURLOPT_USE_SSL,
	    (long)(s->use_tls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
	if (s->from)
		SET(CURLOPT_MAIL_FROM, s->from);
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_READFUNCTION, mailer_curl_read_cb);
	SET(CURLOPT_READDATA, w);
	SET(CURLOPT_HEADERFUNCTION, mailer_curl_header_cb);
	SET(CURLOPT_HEADERDATA, w);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_XFERINFOFUNCTION, mailer_curl_progress_cb);
	SET(CURLOPT_XFERINFODATA, w);
	SET(CURLOPT_OPENSOCKETFUNCTION, mailer_curl_opensocket_cb);
	SET(CURLOPT_OPENSOCKETDATA, w);
	SET(CURLOPT_CLOSESOCKETFUNCTION, mailer_curl_closesocket_cb);
	SET(CURLOPT_CLOSESOCKETDATA, w);
	/* One connection per worker, kept between messages. */
	SET(CURLOPT_MAXCONNECTS, 1L);
	if (s->username)
		SET(CURLOPT_USERNAME, s->username);
	if (s->password)
		SET(CURLOPT_PASSWORD, s->password);
	if (s->ca_file)
		SET(CURLOPT_CAINFO, s->ca_file);
	if (s->timeout_s > 0) {
		SET(CURLOPT_TIMEOUT, s->timeout_s);
		SET(CURLOPT_SERVER_RESPONSE_TIMEOUT, s->timeout_s);
	}
#undef SET
	return rc;
}

/*
 * Judge one finished transfer into mm: CURLE_OK is sent, with the reply to
 * the end of DATA as the detail; otherwise the last SMTP failure reply
 * decides (5xx permanent, 4xx temporary) and anything without one
 * (connection, timeout, TLS, an abort at shutdown) is temporary with code
 * 0. A refused login is the operator's configuration, not the message's
 * fault: temporary.
 */
static void
mailer_worker_judge(struct mailer_worker *w, struct mailer_msg *mm,
                    CURLcode res)
{
	char detail[MAILER_DETAIL_MAX * 2 + 64];
	const char *why;
	long code = 0;

	curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &code);
	if (res == CURLE_OK) {
		if (w->reply[0])
			snprintf(detail, sizeof(detail), "%s", w->reply);
		else
			snprintf(detail, sizeof(detail), "%ld accepted", code);
		mm->result = MAILER_SENT;
		mm->code = (int)code;
		mailer_text_oneline(mm->detail, sizeof(mm->detail), detail);
		return;
	}
	if (code < 400 || code > 599) {
		if (w->fail[0])
			code = strtol(w->fail, NULL, 10);
		if (code < 400 || code > 599)
			code = 0;
	}
	mm->result = code >= 500 && res != CURLE_LOGIN_DENIED ? MAILER_PERMFAIL
	                                                      : MAILER_TEMPFAIL;
	mm->code = (int)code;
	why = w->errbuf[0] ? w->errbuf : curl_easy_strerror(res);
	if (code == 0 && atomic_load(&w->abort))
		snprintf(
		    detail, sizeof(detail),
		    "shutting down: the transfer was aborted (%s; curl %d)",
		    why, (int)res);
	else if (w->fail[0])
		/* The relay's words first, as mail logs put them. */
		snprintf(detail, sizeof(detail), "%s (curl %d: %s)", w->fail,
		         (int)res, why);
	else
		snprintf(detail, sizeof(detail), "%s (curl %d)", why, (int)res);
	mailer_text_oneline(mm->detail, sizeof(mm->detail), detail);
}

/*
 * Run the transfer of w->easy to its end on w's own multi handle, as
 * curl_easy_perform would, but driving it at once and waiting only when
 * libcurl waits: curl_easy_perform polls before it starts every
 * transfer, a poll per message for nothing.
 */
static CURLcode
mailer_worker_perform(struct mailer_worker *w)
{
	CURLcode rc = CURLE_OK;
	CURLMcode mc;
	CURLMsg *msg;
	int running = 1, left;

	if ((mc = curl_multi_add_handle(w->multi, w->easy)) != CURLM_OK)
		return CURLE_OUT_OF_MEMORY;
	for (;;) {
		long hold;

		if ((mc = curl_multi_perform(w->multi, &running)) != CURLM_OK ||
		    running == 0)
			break;
		/* The timeout only bounds the wait: curl's own timers and
		 * the abort (progress callback) are checked by perform, and
		 * held results (mailer_results_check) here. */
		hold = mailer_results_check(w);
		if ((mc = curl_multi_poll(
		         w->multi, NULL, 0,
		         hold >= 0 && hold < 1000 ? (int)hold : 1000, NULL)) !=
		    CURLM_OK)
			break;
	}
	if (mc != CURLM_OK)
		rc = mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY
		                               : CURLE_SEND_ERROR;
	while ((msg = curl_multi_info_read(w->multi, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == w->easy)
			rc = msg->data.result;
	/* The connection stays in the multi handle's cache for the next
	 * message. */
	curl_multi_remove_handle(w->multi, w->easy);
	return rc;
}

/* Send mm on w's connection (opened or reused by curl) and judge it. */
static void
mailer_worker_send(struct mailer_worker *w, struct mailer_msg *mm)
{
	struct mailer_smtp *s = w->s;
	CURLcode rc = CURLE_OK;

	if (!w->easy) {
		w->multi = curl_multi_init();
		w->easy = curl_easy_init();
		if (!w->easy || !w->multi) {
			if (w->easy)
				curl_easy_cleanup(w->easy);
			if (w->multi)
				curl_multi_cleanup(w->multi);
			w->easy = NULL;
			w->multi = NULL;
			mm->result = MAILER_TEMPFAIL;
			mm->code = 0;
			snprintf(mm->detail, sizeof(mm->detail),
			         "cannot create a curl handle");
			return;
		}
		/* One connection per worker, kept between messages. */
		curl_multi_setopt(w->multi, CURLMOPT_MAXCONNECTS, 1L);
		rc = mailer_easy_setup(s, w, w->easy);
	}
	w->mm = mm;
	w->off = 0;
	w->errbuf[0] = w->reply[0] = w->fail[0] = '\0';
	/* Each message may have its own envelope sender (VERP). */
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(w->easy, CURLOPT_MAIL_FROM,
		                      mm->from ? mm->from : s->from);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(w->easy, CURLOPT_MAIL_RCPT, mm->rcpts);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(w->easy, CURLOPT_INFILESIZE_LARGE,
		                      (curl_off_t)mm->len);
	if (rc == CURLE_OK)
		rc = mailer_worker_perform(w);
	mailer_worker_judge(w, mm, rc);
	/* The list goes back to the loop with mm, which frees it. */
	curl_easy_setopt(w->easy, CURLOPT_MAIL_RCPT, NULL);
	w->mm = NULL;
}

/* ---- worker threads ---- */

static void
mailer_idle_remove(struct mailer_smtp *s, struct mailer_worker *w)
{
	unsigned i;

	for (i = 0; i < s->nidle; i++) {
		if (s->idle[i] == w) {
			memmove(&s->idle[i], &s->idle[i + 1],
			        (s->nidle - i - 1) * sizeof(s->idle[0]));
			s->nidle--;
			break;
		}
	}
	w->idle = 0;
}

/*
 * Lower the calling worker thread's priority MAILER_NICE levels below the
 * loop's (Linux: a thread is a task of its own for setpriority). Sending
 * is mostly waiting for the relay; its threads wake for every reply. At
 * the loop's priority, eight of them on two cores preempt what should
 * come first: the loop (the control socket, the site, the scheduler) and,
 * where the relay runs on the same machine, the relay itself, whose reply
 * they are all waiting for. At 8 connections into smtp-sink that cost
 * 10-15 % of the rate (tests/bench/mail-notes.md). A failure (a seccomp
 * filter without setpriority) leaves the priority as it was, and the loop
 * says so once.
 */
static void
mailer_worker_nice(struct mailer_smtp *s)
{
	id_t self = (id_t)gettid();
	int now, want, expected = 0;

	errno = 0;
	now = getpriority(PRIO_PROCESS, self);
	if (now == -1 && errno != 0)
		now = 0;
	want = now + MAILER_NICE > 19 ? 19 : now + MAILER_NICE;
	if (want != now && setpriority(PRIO_PROCESS, self, want) < 0)
		atomic_compare_exchange_strong(&s->nice_err, &expected,
		                               errno ? errno : EPERM);
}

/*
 * A worker: take the oldest ready message, send it, post the result and
 * take the next one in the same critical section; sleep on w->wake only
 * when nothing is ready, after waking the loop for any result it holds.
 * At stop, close the connection (QUIT) and say so.
 */
static void
mailer_worker_main(void *arg)
{
	struct mailer_worker *w = arg;
	struct mailer_smtp *s = w->s;
	struct mailer_msg *mm = NULL;
	uint64_t started = 0, now;
	sigset_t all;
	int notify = 0;

	/* Signals are the loop's business (uv_signal_t). */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	mailer_worker_nice(s);

	uv_mutex_lock(&s->mx);
	for (;;) {
		if (mm) {
			w->cur = NULL;
			mailer_list_push(&s->results, mm);
			mm = NULL;
			now = uv_hrtime();
			notify = mailer_results_due(w, now, now - started);
		}
		if (s->stop)
			break;
		if (!s->ready.head) {
			/* Idle before the loop sees the result, so that the
			 * next message finds this worker (and its warm
			 * connection) rather than starting another. */
			if (!w->idle) {
				s->idle[s->nidle++] = w;
				w->idle = 1;
			}
			w->streak = 0;
			if (notify || atomic_load(&s->held_since) != 0) {
				atomic_store(&s->held_since, 0);
				uv_mutex_unlock(&s->mx);
				uv_async_send(&s->async);
				notify = 0;
				uv_mutex_lock(&s->mx);
				continue;
			}
			uv_cond_wait(&w->wake, &s->mx);
			continue;
		}
		if (w->idle)
			mailer_idle_remove(s, w);
		mm = s->ready.head;
		mailer_list_remove(&s->ready, mm);
		w->cur = mm;
		atomic_store(&w->eod, 0);
		if (notify)
			atomic_store(&s->held_since, 0);
		uv_mutex_unlock(&s->mx);
		if (notify) {
			uv_async_send(&s->async);
			notify = 0;
		}
		started = uv_hrtime();
		mailer_worker_send(w, mm);
		uv_mutex_lock(&s->mx);
	}
	uv_mutex_unlock(&s->mx);
	if (w->easy) {
		/* QUIT on the kept connection (the multi handle's cache),
		 * bounded by the abort. */
		curl_multi_cleanup(w->multi);
		curl_easy_cleanup(w->easy);
		w->multi = NULL;
		w->easy = NULL;
	}
	uv_mutex_lock(&s->mx);
	w->exited = 1;
	s->nexited++;
	uv_mutex_unlock(&s->mx);
	/* The loop joins this thread before it closes the async handle. */
	uv_async_send(&s->async);
}

static int
mailer_worker_start(struct mailer_smtp *s)
{
	struct mailer_worker *w = &s->workers[s->nworkers];
	int i, rc;

	w->s = s;
	atomic_init(&w->abort, 0);
	atomic_init(&w->eod, 0);
	for (i = 0; i < MAILER_WORKER_SOCKS; i++)
		w->socks[i] = CURL_SOCKET_BAD;
	rc = uv_cond_init(&w->wake);
	if (rc < 0)
		return rc;
	rc = uv_thread_create(&w->tid, mailer_worker_main, w);
	if (rc < 0) {
		uv_cond_destroy(&w->wake);
		return rc;
	}
	s->nworkers++;
	return 0;
}

/* Under s->mx: abort w's transfer, and wake any poll on its sockets. */
static void
mailer_worker_abort(struct mailer_worker *w)
{
	int i;

	atomic_store(&w->abort, 1);
	for (i = 0; i < MAILER_WORKER_SOCKS; i++)
		if (w->socks[i] != CURL_SOCKET_BAD)
			shutdown(w->socks[i], SHUT_RDWR);
}

/* ---- the loop's side ---- */

/* Finish every message of l with a temporary failure, on the loop. */
static void
mailer_smtp_fail_all(struct mailer_smtp *s, struct mailer_list *l,
                     const char *detail)
{
	struct mailer_msg *mm;

	while ((mm = l->head) != NULL) {
		mailer_list_remove(l, mm);
		mm->result = MAILER_TEMPFAIL;
		mm->code = 0;
		mailer_text_oneline(mm->detail, sizeof(mm->detail), detail);
		s->inflight--;
		s->on_result(s->ctx, mm);
	}
}

void
mailer_smtp_send(struct mailer_smtp *s, struct mailer_list *batch)
{
	struct mailer_list lost = {0};
	struct mailer_msg *mm;
	size_t n = batch->n, woken = 0;
	char why[256];
	int rc = 0;

	if (n == 0)
		return;
	s->inflight += n;
	uv_ref((uv_handle_t *)&s->async);
	uv_mutex_lock(&s->mx);
	while ((mm = batch->head) != NULL) {
		mailer_list_remove(batch, mm);
		mailer_list_push(&s->ready, mm);
	}
	while (woken < n && s->nidle > 0) {
		struct mailer_worker *w = s->idle[--s->nidle];

		w->idle = 0;
		uv_cond_signal(&w->wake);
		woken++;
	}
	uv_mutex_unlock(&s->mx);
	while (woken < n && s->nworkers < s->max_workers) {
		if ((rc = mailer_worker_start(s)) < 0)
			break;
		woken++;
	}
	if (rc < 0 && s->nworkers == 0) {
		/* Nobody to send them: fail them now, retried later. */
		snprintf(why, sizeof(why), "cannot start a mailer thread: %s",
		         uv_strerror(rc));
		log_err("mailer: %s", why);
		uv_mutex_lock(&s->mx);
		lost = s->ready;
		s->ready = (struct mailer_list){0};
		uv_mutex_unlock(&s->mx);
		mailer_smtp_fail_all(s, &lost, why);
		if (s->inflight == 0)
			uv_unref((uv_handle_t *)&s->async);
	} else if (rc < 0) {
		log_warn("mailer: cannot start another mailer thread (%u "
		         "run): %s",
		         s->nworkers, uv_strerror(rc));
	}
}

static void
mailer_smtp_handle_close_cb(uv_handle_t *h)
{
	struct mailer_smtp *s = h->data;
	void (*done)(void *);
	void *arg;

	if (--s->open_handles > 0)
		return;
	done = s->free_done;
	arg = s->free_arg;
	uv_mutex_destroy(&s->mx);
	mailer_smtp_discard(s);
	curl_global_cleanup();
	if (done)
		done(arg);
}

/* Every worker has exited: join them (they are past their last use of
 * the async handle) and close the handles. */
static void
mailer_smtp_close(struct mailer_smtp *s)
{
	unsigned i;

	if (s->joined)
		return;
	s->joined = 1;
	for (i = 0; i < s->nworkers; i++) {
		uv_thread_join(&s->workers[i].tid);
		uv_cond_destroy(&s->workers[i].wake);
	}
	uv_timer_stop(&s->grace);
	uv_close((uv_handle_t *)&s->async, mailer_smtp_handle_close_cb);
	uv_close((uv_handle_t *)&s->grace, mailer_smtp_handle_close_cb);
}

/* Results are waiting, or a worker exited: hand the results over, in the
 * order the workers finished them. */
static void
mailer_smtp_async_cb(uv_async_t *a)
{
	struct mailer_smtp *s = a->data;
	struct mailer_list got;
	struct mailer_msg *mm;
	int all_exited, err;

	uv_mutex_lock(&s->mx);
	got = s->results;
	s->results = (struct mailer_list){0};
	atomic_store(&s->held_since, 0);
	all_exited = s->nexited == s->nworkers;
	uv_mutex_unlock(&s->mx);
	if ((err = atomic_load(&s->nice_err)) > 0) {
		atomic_store(&s->nice_err, -1);
		log_info("mailer: the mailer threads keep the daemon's "
		         "priority: setpriority: %s",
		         strerror(err));
	}
	while ((mm = got.head) != NULL) {
		mailer_list_remove(&got, mm);
		s->inflight--;
		s->on_result(s->ctx, mm);
	}
	if (s->closing) {
		if (all_exited)
			mailer_smtp_close(s);
	} else if (s->inflight == 0) {
		/* Idle workers do not keep the loop alive. */
		uv_unref((uv_handle_t *)&s->async);
	}
}

static void
mailer_smtp_grace_cb(uv_timer_t *t)
{
	struct mailer_smtp *s = t->data;
	unsigned i;

	uv_mutex_lock(&s->mx);
	for (i = 0; i < s->nworkers; i++)
		if (!s->workers[i].exited)
			mailer_worker_abort(&s->workers[i]);
	uv_mutex_unlock(&s->mx);
}

void
mailer_smtp_free(struct mailer_smtp *s, void (*done)(void *), void *arg)
{
	struct mailer_list gone;
	unsigned i;

	if (s->closing)
		return;
	s->closing = 1;
	s->free_done = done;
	s->free_arg = arg;
	uv_ref((uv_handle_t *)&s->async);
	uv_mutex_lock(&s->mx);
	s->stop = 1;
	gone = s->ready;
	s->ready = (struct mailer_list){0};
	for (i = 0; i < s->nworkers; i++) {
		struct mailer_worker *w = &s->workers[i];

		/* Past its end of data, the transfer waits for the
		 * relay's reply until the grace is over. */
		if (w->cur && !atomic_load(&w->eod))
			mailer_worker_abort(w);
		w->idle = 0;
		uv_cond_signal(&w->wake);
	}
	s->nidle = 0;
	uv_mutex_unlock(&s->mx);
	mailer_smtp_fail_all(s, &gone, "shutting down");
	uv_timer_start(&s->grace, mailer_smtp_grace_cb, MAILER_STOP_GRACE_MS,
	               0);
	/* Collect what the workers post and close once they are all out
	 * (at once if none ever started). */
	uv_async_send(&s->async);
}

static int
mailer_smtp_strdup(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

/* Free what mailer_smtp_new made before its handles exist. */
static void
mailer_smtp_discard(struct mailer_smtp *s)
{
	free(s->workers);
	free(s->idle);
	free(s->url);
	free(s->from);
	free(s->username);
	if (s->password) {
		explicit_bzero(s->password, strlen(s->password));
		free(s->password);
	}
	free(s->ca_file);
	free(s);
}

int
mailer_smtp_new(uv_loop_t *loop, const struct mailer_smtp_config *cfg,
                mailer_smtp_result_fn on_result, void *ctx,
                struct mailer_smtp **out, char *err, size_t errlen)
{
	struct mailer_smtp *s;
	CURLcode crc;
	CURL *probe;
	int rc = 0;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "mailer: out of memory");
		return -ENOMEM;
	}
	s->loop = loop;
	atomic_init(&s->held_since, 0);
	atomic_init(&s->holder, NULL);
	atomic_init(&s->nice_err, 0);
	s->on_result = on_result;
	s->ctx = ctx;
	s->use_tls = cfg->use_tls;
	s->max_workers = cfg->max_workers ? cfg->max_workers : 1;
	s->hold_ns = MAILER_HOLD_NS / s->max_workers;
	s->hold_max = MAILER_HOLD_MAX / s->max_workers;
	if (s->hold_max < 16)
		s->hold_max = 16;
	s->timeout_s = cfg->timeout_s;
	if (rc == 0)
		rc = mailer_smtp_strdup(&s->url, cfg->url);
	if (rc == 0)
		rc = mailer_smtp_strdup(&s->from, cfg->from);
	if (rc == 0)
		rc = mailer_smtp_strdup(&s->username, cfg->username);
	if (rc == 0)
		rc = mailer_smtp_strdup(&s->password, cfg->password);
	if (rc == 0)
		rc = mailer_smtp_strdup(&s->ca_file, cfg->ca_file);
	if (rc == 0) {
		s->workers = calloc(s->max_workers, sizeof(*s->workers));
		s->idle = calloc(s->max_workers, sizeof(*s->idle));
		if (!s->workers || !s->idle)
			rc = -ENOMEM;
	}
	if (rc < 0) {
		snprintf(err, errlen, "mailer: out of memory");
		mailer_smtp_discard(s);
		return rc;
	}
	/* Before any thread: curl_global_init is not for threads to race. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "mailer: cannot initialise libcurl");
		mailer_smtp_discard(s);
		return -ENOMEM;
	}
	/* Refuse at start-up options this libcurl does not take. */
	probe = curl_easy_init();
	crc = probe ? mailer_easy_setup(s, NULL, probe) : CURLE_OUT_OF_MEMORY;
	if (probe)
		curl_easy_cleanup(probe);
	if (crc != CURLE_OK) {
		snprintf(err, errlen, "mailer: libcurl: %s",
		         curl_easy_strerror(crc));
		curl_global_cleanup();
		mailer_smtp_discard(s);
		return -EINVAL;
	}
	if ((rc = uv_mutex_init(&s->mx)) < 0) {
		snprintf(err, errlen, "mailer: %s", uv_strerror(rc));
		curl_global_cleanup();
		mailer_smtp_discard(s);
		return rc;
	}
	if ((rc = uv_async_init(loop, &s->async, mailer_smtp_async_cb)) < 0) {
		snprintf(err, errlen, "mailer: %s", uv_strerror(rc));
		uv_mutex_destroy(&s->mx);
		curl_global_cleanup();
		mailer_smtp_discard(s);
		return rc;
	}
	uv_timer_init(loop, &s->grace);
	s->async.data = s;
	s->grace.data = s;
	s->open_handles = 2;
	uv_unref((uv_handle_t *)&s->async);
	*out = s;
	return 0;
}
