/* mailer: see mailer.h. This file is the loop's side: the queue, the rate
 * limit, the maildir and the done callbacks. mailer_smtp.c holds the SMTP
 * worker threads and everything that touches libcurl.
 *
 * Why threads. libcurl 7.88 reads the reply to the end of DATA blocking,
 * even through the multi interface (curl issue #8555, a known issue with
 * no fix planned), and relays that scan content take seconds to give it.
 * Driven from the loop, one slow relay froze the control socket and the
 * public site, and serialised every connection behind it. So no transfer
 * runs on the loop: the loop only queues messages and collects results.
 *
 * The shape (mailer_smtp.c):
 *
 *   loop ── submit ──▶ queued ──token──▶ ready FIFO ──▶ worker 1..N
 *     ▲                (loop only)       (mutex)          │ curl_multi_perform
 *     └── zero timer ◀── finished ◀── uv_async ◀── results FIFO (mutex)
 *
 * - Up to max_connections worker threads, started when mail first needs
 *   them. Each owns one curl easy handle with every option set once, on
 *   a multi handle of its own whose connection cache keeps that worker's
 *   SMTP connection open between messages, so consecutive messages on a
 *   worker reuse the connection. Per message only the recipients and the
 *   size are set; the transfer is driven with curl_multi_perform at once,
 *   waiting in curl_multi_poll only when libcurl waits for the server.
 * - One slow connection holds only its own worker and the one message it
 *   carries; the others keep taking messages from the shared FIFO.
 * - Few wake-ups. A worker that finishes a message posts the result and
 *   takes the next one in the same critical section, so under load
 *   workers never sleep and nobody signals them. Idle workers wait on
 *   their own condition variable in a LIFO stack: a trickle of mail wakes
 *   the most recently used worker (its connection is the warm one) and
 *   never more threads than messages. Results wake the loop through one
 *   uv_async_t, which libuv coalesces: many results, one wake-up. A
 *   worker that keeps sending fast (past its first 16 messages in a
 *   row) lets its results gather (1024 results or 160 ms, shared by the
 *   connections: 128 or 20 ms at 8; a slow transfer, a ready FIFO
 *   running low or an idle worker wakes the loop at once), so that the
 *   loop does not wake, log and sleep again for every message. A result waits
 * longer only while libcurl waits blocking for a slow reply to the end of DATA:
 * up to its once-a-second progress call (mailer_results_due).
 * - The workers run MAILER_NICE (10) nice levels below the loop
 *   (mailer_worker_nice): they wake for every reply of the relay, and at
 *   the loop's priority eight of them on two cores preempt the loop and a
 *   relay on the same machine, whose replies they all wait for.
 * - Not one thread with a multi handle for all connections: its blocking
 *   read would stall every connection again. Not a thread per message:
 *   that pays a connection and a handle per message.
 *
 * The rate limit is a token bucket on the loop: a message takes its token
 * when it is handed to the workers. Submits are handed over in batches
 * (of MAILER_HANDOVER, and what is left at the next turn of the loop:
 * queue_timer at 0 ms), so a burst from the scheduler costs a lock per
 * batch, not one per message; the first message of a burst, when nothing
 * else is under way, goes at once, so that its transfer overlaps the
 * rendering of the rest.
 *
 * Maildir: each message is written to tmp/, fsynced and renamed into new/
 * by a libuv work request, so the loop never waits on the disk.
 *
 * Every message is in exactly one place: the queued FIFO, the SMTP side
 * (ready, in a worker, or a result not yet collected), the list of maildir
 * writes, or the finished list whose done callbacks are still to run. Done
 * callbacks run only from a zero timer (mailer_done_timer_cb) or, at
 * shutdown, from the last close callback: never inside mailer_submit, and
 * the user may call mailer_submit or mailer_free from them.
 */
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
#include "mailer_internal.h"

#define MAILER_HANDOVER 16 /* queued messages handed over at once */

enum mailer_msg_state {
	MAILER_MSG_QUEUED,
	MAILER_MSG_ACTIVE, /* a maildir write, or with the SMTP side */
	MAILER_MSG_FINISHED,
};

struct mailer {
	uv_loop_t *loop;
	struct mailer_smtp *smtp; /* NULL in maildir mode */
	uv_timer_t queue_timer;   /* hand queued messages over; next token */
	uv_timer_t done_timer;

	char *maildir;
	unsigned max_active; /* maildir writes at once */
	unsigned rate_per_minute;

	struct mailer_list queued;
	struct mailer_list active; /* maildir writes in the thread pool */
	struct mailer_list finished;
	size_t pending; /* submitted and done not yet called */

	double tokens;
	uint64_t tokens_at; /* uv_now() of the last refill */

	unsigned long counter; /* maildir file names */

	int closing;
	unsigned open_parts; /* handles and the SMTP side not yet closed */
	unsigned works;      /* maildir writes in the thread pool */
	void (*free_done)(void *);
	void *free_arg;
};

static void mailer_queue_run(struct mailer *m);
static void mailer_finish_check(struct mailer *m);
static void mailer_done_timer_cb(uv_timer_t *t);

static void
mailer_msg_free(struct mailer_msg *mm)
{
	mailer_smtp_rcpts_free(mm->rcpts);
	free(mm->from);
	free(mm->data);
	free(mm->tmp_path);
	free(mm->new_path);
	free(mm);
}

/* Put mm, its result set, on the finished list, and arm the zero timer
 * that calls done callbacks (at shutdown the last close callback does). */
static void
mailer_finished_push(struct mailer *m, struct mailer_msg *mm)
{
	mm->state = MAILER_MSG_FINISHED;
	mailer_list_push(&m->finished, mm);
	if (!m->closing)
		uv_timer_start(&m->done_timer, mailer_done_timer_cb, 0, 0);
}

/*
 * Finish mm (queued, or an active maildir write) with its result. The
 * caller has already released whatever the message held in the thread
 * pool.
 */
static void
mailer_msg_finish(struct mailer_msg *mm, enum mailer_result result, int code,
                  const char *detail)
{
	struct mailer *m = mm->m;

	mailer_list_remove(
	    mm->state == MAILER_MSG_QUEUED ? &m->queued : &m->active, mm);
	mm->result = result;
	mm->code = code;
	mailer_text_oneline(mm->detail, sizeof(mm->detail), detail);
	mailer_finished_push(m, mm);
}

/* mailer_smtp_result_fn: the SMTP side is done with mm. */
static void
mailer_on_smtp_result(void *ctx, struct mailer_msg *mm)
{
	mailer_finished_push(ctx, mm);
}

/* Call the done callback of every finished message, oldest first. Stops if
 * a callback starts mailer_free: the rest are then reported by the last
 * close callback. */
static void
mailer_finished_report(struct mailer *m, int all)
{
	struct mailer_msg *mm;

	/* The batch's log lines (one per message) in one write. */
	log_hold();
	while ((all || !m->closing) && (mm = m->finished.head) != NULL) {
		mailer_list_remove(&m->finished, mm);
		m->pending--;
		mm->done(mm->arg, mm->result, mm->code, mm->detail);
		mailer_msg_free(mm);
	}
	log_release();
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
mailer_queue_timer_cb(uv_timer_t *t)
{
	mailer_queue_run(t->data);
}

/*
 * Take one token if the rate allows a message now. Otherwise arm the
 * queue timer for when the next token is due and return 0.
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
	if (!uv_is_active((uv_handle_t *)&m->queue_timer))
		uv_timer_start(&m->queue_timer, mailer_queue_timer_cb, wait_ms,
		               0);
	return 0;
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
		/* "maildir new/<name>": where staff find the message. */
		snprintf(detail, sizeof(detail), "maildir %s",
		         mm->new_path + strlen(m->maildir) + 1);
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

/*
 * Hand queued messages over, oldest first, while a token is free: all of
 * them at once to the SMTP workers (they limit the connections), or while
 * a slot is free to the maildir writes.
 */
static void
mailer_queue_run(struct mailer *m)
{
	struct mailer_list batch = {0};
	struct mailer_msg *mm;

	if (m->smtp) {
		while (!m->closing && m->queued.head && mailer_rate_take(m)) {
			mm = m->queued.head;
			mailer_list_remove(&m->queued, mm);
			mm->state = MAILER_MSG_ACTIVE;
			mailer_list_push(&batch, mm);
		}
		mailer_smtp_send(m->smtp, &batch);
		return;
	}
	while (!m->closing && m->queued.head && m->active.n < m->max_active &&
	       mailer_rate_take(m)) {
		mm = m->queued.head;
		mailer_list_remove(&m->queued, mm);
		mm->state = MAILER_MSG_ACTIVE;
		mailer_list_push(&m->active, mm);
		mailer_maildir_start(m, mm);
	}
}

/* ---- public ---- */

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
	if (smtp) {
		struct mailer_smtp_config sc = {
		    .url = cfg->smtp_url,
		    .from = cfg->from,
		    .username = cfg->username,
		    .password = cfg->password,
		    .ca_file = cfg->ca_file,
		    .use_tls = cfg->starttls_required ||
		               strncmp(cfg->smtp_url, "smtps://", 8) == 0,
		    .max_workers = m->max_active,
		    .timeout_s = cfg->timeout_s,
		};

		rc = mailer_smtp_new(loop, &sc, mailer_on_smtp_result, m,
		                     &m->smtp, err, errlen);
	} else {
		m->maildir = strdup(cfg->maildir);
		if (!m->maildir) {
			snprintf(err, errlen, "mailer: out of memory");
			rc = -ENOMEM;
		} else {
			rc = mailer_maildir_init(m->maildir, err, errlen);
		}
	}
	if (rc < 0) {
		free(m->maildir);
		free(m);
		return rc;
	}
	/* Nothing fails from here on: handles need no undoing. */
	uv_timer_init(loop, &m->queue_timer);
	uv_timer_init(loop, &m->done_timer);
	m->queue_timer.data = m;
	m->done_timer.data = m;
	m->open_parts = 2 + (m->smtp ? 1 : 0);
	m->tokens = mailer_rate_capacity(m);
	m->tokens_at = uv_now(loop);
	*out = m;
	return 0;
}

int
mailer_submit(struct mailer *m, const char *data, size_t len,
              const char *const *rcpts, mailer_done_fn done, void *arg)
{
	return mailer_submit_from(m, data, len, NULL, rcpts, done, arg);
}

/* Queue a message: data copied, or with take, *take is data, made the
 * mailer's once nothing can fail any more. */
static int
mailer_queue(struct mailer *m, const char *data, char **take, size_t len,
             const char *from, const char *const *rcpts, mailer_done_fn done,
             void *arg)
{
	struct mailer_msg *mm;
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
	if (!take) {
		mm->data = malloc(len ? len : 1);
		if (!mm->data)
			goto nomem;
		memcpy(mm->data, data, len);
	}
	if (m->smtp && from && (mm->from = strdup(from)) == NULL)
		goto nomem;
	for (i = 0; m->smtp && rcpts[i]; i++)
		if (mailer_smtp_rcpt_add(&mm->rcpts, rcpts[i]) < 0)
			goto nomem;
	if (take) {
		mm->data = *take;
		*take = NULL;
	}
	mm->state = MAILER_MSG_QUEUED;
	mailer_list_push(&m->queued, mm);
	m->pending++;
	/* The SMTP workers get the first message of a burst at once, and
	 * the rest by MAILER_HANDOVER: they send while the caller renders
	 * the next ones. */
	if (m->smtp && !m->rate_per_minute &&
	    (m->pending == 1 || m->queued.n >= MAILER_HANDOVER)) {
		mailer_queue_run(m);
		return 0;
	}
	/* Otherwise at the next turn of the loop, with the rest of the
	 * burst; a running timer means we wait for a token anyway. */
	if (!uv_is_active((uv_handle_t *)&m->queue_timer))
		uv_timer_start(&m->queue_timer, mailer_queue_timer_cb, 0, 0);
	return 0;
nomem:
	mailer_msg_free(mm);
	return -ENOMEM;
}

int
mailer_submit_from(struct mailer *m, const char *data, size_t len,
                   const char *from, const char *const *rcpts,
                   mailer_done_fn done, void *arg)
{
	return mailer_queue(m, data, NULL, len, from, rcpts, done, arg);
}

int
mailer_submit_take(struct mailer *m, char **data, size_t len, const char *from,
                   const char *const *rcpts, mailer_done_fn done, void *arg)
{
	return mailer_queue(m, *data, data, len, from, rcpts, done, arg);
}

size_t
mailer_pending(struct mailer *m)
{
	return m->pending;
}

/* The last step of mailer_free: once every handle and the SMTP side are
 * closed and no write is in the thread pool, report what is left, free m,
 * call free_done. */
static void
mailer_finish_check(struct mailer *m)
{
	void (*free_done)(void *);
	void *free_arg;

	if (!m->closing || m->open_parts > 0 || m->works > 0)
		return;
	mailer_finished_report(m, 1);
	free_done = m->free_done;
	free_arg = m->free_arg;
	free(m->maildir);
	free(m);
	if (free_done)
		free_done(free_arg);
}

static void
mailer_timer_close_cb(uv_handle_t *h)
{
	struct mailer *m = h->data;

	m->open_parts--;
	mailer_finish_check(m);
}

static void
mailer_on_smtp_freed(void *arg)
{
	struct mailer *m = arg;

	m->smtp = NULL;
	m->open_parts--;
	mailer_finish_check(m);
}

void
mailer_free(struct mailer *m, void (*done)(void *), void *arg)
{
	struct mailer_msg *mm;

	if (m->closing)
		return;
	m->closing = 1;
	m->free_done = done;
	m->free_arg = arg;
	uv_timer_stop(&m->done_timer);

	while ((mm = m->queued.head) != NULL)
		mailer_msg_finish(mm, MAILER_TEMPFAIL, 0, "shutting down");
	/* A maildir write already running in the pool finishes and reports
	 * its own result: the file is there or it is not. */
	for (mm = m->active.head; mm; mm = mm->next)
		uv_cancel((uv_req_t *)&mm->work);
	uv_close((uv_handle_t *)&m->queue_timer, mailer_timer_close_cb);
	uv_close((uv_handle_t *)&m->done_timer, mailer_timer_close_cb);
	if (m->smtp)
		mailer_smtp_free(m->smtp, mailer_on_smtp_freed, m);
}
