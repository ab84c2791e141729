/* Tests for mailer.c on a real libuv loop against a real SMTP server
 * (tests/smtpd.py, python3-aiosmtpd) started per test on a free port. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mailer.h"

#define FROM     "noreply@cronograma.test"
#define MAX_MSGS 64

/* ---- the SMTP server ---- */

struct smtpd {
	pid_t pid;
	int port;
	char spool[64];
};

/* The server of the running test, stopped by the next test or the group
 * teardown if a failed assertion skipped fx_free. */
static struct smtpd *smtpd_live;
static void smtpd_stop(struct smtpd *s);

/* Start tests/smtpd.py with extra arguments (NULL-terminated) and read its
 * "PORT n" line. */
static void
smtpd_start(struct smtpd *s, const char *const *extra)
{
	const char *argv[24] = {"/usr/bin/python3", "tests/smtpd.py", "--port",
	                        "0", "--spool"};
	int argc = 5;
	int fds[2];
	char buf[128];
	size_t got = 0;
	struct pollfd pfd;
	ssize_t n;

	strcpy(s->spool, "/tmp/test-mailer-spool-XXXXXX");
	assert_non_null(mkdtemp(s->spool));
	argv[argc++] = s->spool;
	while (extra && *extra)
		argv[argc++] = *extra++;
	argv[argc] = NULL;
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	smtpd_live = s;
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (got < sizeof(buf) - 1 && !memchr(buf, '\n', got)) {
		assert_int_equal(poll(&pfd, 1, 20000), 1);
		n = read(fds[0], buf + got, sizeof(buf) - 1 - got);
		assert_true(n > 0);
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fds[0]);
	assert_int_equal(sscanf(buf, "PORT %d", &s->port), 1);
	assert_true(s->port > 0);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
smtpd_stop(struct smtpd *s)
{
	int status;
	int i;

	if (smtpd_live == s)
		smtpd_live = NULL;
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		for (i = 0; i < 100; i++) {
			if (waitpid(s->pid, &status, WNOHANG) == s->pid)
				break;
			usleep(50000);
		}
		if (i == 100) {
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &status, 0);
		}
		s->pid = 0;
	}
	if (s->spool[0])
		rm_tree(s->spool);
	s->spool[0] = '\0';
}

/* Whole file into a malloc'd buffer; NULL when it cannot be read. */
static char *
file_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* Number of entries in dir whose name ends with suffix ("" for all). */
static int
dir_count(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t sl = strlen(suffix);
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		if (l >= sl && strcmp(e->d_name + l - sl, suffix) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* ---- messages and results ---- */

struct probe {
	int id;
	int calls;
	enum mailer_result result;
	int code;
	char detail[512];
	uint64_t at;
	struct tally *t;
};

struct tally {
	uv_loop_t *loop;
	int done;
	int order[MAX_MSGS];
	struct mailer *free_in_done; /* mailer_free from the first done */
	int freed;
	int done_at_free;
};

static char msgs[MAX_MSGS][1024];
static char rcpt_a[MAX_MSGS][64];
static char rcpt_b[MAX_MSGS][64];

/* A message with 8-bit text and lines that need dot-stuffing. */
static const char *
msg_make(int i)
{
	snprintf(msgs[i], sizeof(msgs[i]),
	         "From: Cronograma <" FROM ">\r\n"
	         "To: a%d@example.test\r\n"
	         "Subject: Recordatorio %d\r\n"
	         "Message-ID: <%d.msg@cronograma.test>\r\n"
	         "MIME-Version: 1.0\r\n"
	         "Content-Type: text/plain; charset=utf-8\r\n"
	         "Content-Transfer-Encoding: 8bit\r\n"
	         "\r\n"
	         "Sesión %d: planificación del año.\r\n"
	         ".línea que empieza con punto\r\n"
	         ".\r\n"
	         "..\r\n"
	         "fin\r\n",
	         i, i, i, i);
	snprintf(rcpt_a[i], sizeof(rcpt_a[i]), "a%d@example.test", i);
	snprintf(rcpt_b[i], sizeof(rcpt_b[i]), "b%d@example.test", i);
	return msgs[i];
}

static void
on_done(void *arg, enum mailer_result result, int code, const char *detail)
{
	struct probe *p = arg;
	struct tally *t = p->t;

	p->calls++;
	p->result = result;
	p->code = code;
	p->at = uv_now(t->loop);
	snprintf(p->detail, sizeof(p->detail), "%s", detail);
	assert_null(strchr(detail, '\n'));
	if (t->done < MAX_MSGS)
		t->order[t->done] = p->id;
	t->done++;
	if (t->free_in_done) {
		struct mailer *m = t->free_in_done;

		t->free_in_done = NULL;
		mailer_free(m, NULL, NULL);
	}
}

static void
on_freed(void *arg)
{
	struct tally *t = arg;

	t->freed++;
	t->done_at_free = t->done;
}

static int
submit(struct mailer *m, struct probe *p, struct tally *t, int i, int nrcpt)
{
	const char *rcpts[3] = {NULL, NULL, NULL};

	msg_make(i);
	rcpts[0] = rcpt_a[i];
	if (nrcpt > 1)
		rcpts[1] = rcpt_b[i];
	memset(p, 0, sizeof(*p));
	p->id = i;
	p->t = t;
	return mailer_submit(m, msgs[i], strlen(msgs[i]), rcpts, on_done, p);
}

/* ---- the loop ---- */

struct fx {
	uv_loop_t loop;
	uv_timer_t guard;
	int guard_fired;
	/* A 10 ms heartbeat: the longest gap between two beats is how long
	 * the loop was held at most. */
	uv_timer_t beat;
	uint64_t beat_last;
	uint64_t beat_max_gap_ms;
	struct smtpd srv;
	struct tally t;
	char url[64];
	char dir[64];
};

static void
on_beat(uv_timer_t *t)
{
	struct fx *f = t->data;
	uint64_t now = uv_hrtime();
	uint64_t gap = (now - f->beat_last) / 1000000;

	if (gap > f->beat_max_gap_ms)
		f->beat_max_gap_ms = gap;
	f->beat_last = now;
}

static void
fx_beat_start(struct fx *f)
{
	f->beat.data = f;
	f->beat_last = uv_hrtime();
	f->beat_max_gap_ms = 0;
	uv_timer_start(&f->beat, on_beat, 10, 10);
}

static void
on_guard(uv_timer_t *t)
{
	*(int *)t->data = 1;
}

/*
 * Run the loop until *counter reaches target or ms pass. The loop's
 * cached time is refreshed first: it dates from the loop's last turn,
 * which may be long ago (starting tests/smtpd.py on a loaded machine
 * takes seconds), and a guard measured from it would fire at the top of
 * the next uv_run, before the poll, which would then block with no timer
 * left until some I/O came (the flake of test_mailer_free_in_flight:
 * "500 ms" lasted until the relay's 10 s reply). The guard repeats, so
 * the poll never waits longer than ms even then.
 */
static int
run_until(struct fx *f, const int *counter, int target, uint64_t ms)
{
	f->guard_fired = 0;
	uv_update_time(&f->loop);
	uv_timer_start(&f->guard, on_guard, ms, ms);
	while (*counter < target && !f->guard_fired)
		uv_run(&f->loop, UV_RUN_ONCE);
	uv_timer_stop(&f->guard);
	return *counter >= target;
}

static void
run_for(struct fx *f, uint64_t ms)
{
	static const int never = 0;

	run_until(f, &never, 1, ms);
}

static struct fx *
fx_new(void)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (smtpd_live)
		smtpd_stop(smtpd_live);
	assert_non_null(f);
	assert_int_equal(uv_loop_init(&f->loop), 0);
	assert_int_equal(uv_timer_init(&f->loop, &f->guard), 0);
	assert_int_equal(uv_timer_init(&f->loop, &f->beat), 0);
	f->guard.data = &f->guard_fired;
	f->t.loop = &f->loop;
	return f;
}

static void
fx_serve(struct fx *f, const char *const *extra)
{
	smtpd_start(&f->srv, extra);
	snprintf(f->url, sizeof(f->url), "smtp://127.0.0.1:%d", f->srv.port);
}

static struct mailer_config
fx_config(struct fx *f, unsigned max_connections)
{
	struct mailer_config c = {
	    .smtp_url = f->url,
	    .from = FROM,
	    .starttls_required = 0,
	    .max_connections = max_connections,
	    .timeout_s = 20,
	};
	return c;
}

static struct mailer *
fx_mailer(struct fx *f, const struct mailer_config *c)
{
	struct mailer *m = NULL;
	char err[256] = "";

	assert_int_equal(mailer_new(&f->loop, c, &m, err, sizeof(err)), 0);
	assert_non_null(m);
	return m;
}

/* Free m, wait for its done callback, close the loop (must return 0). */
static void
fx_free(struct fx *f, struct mailer *m)
{
	if (m) {
		mailer_free(m, on_freed, &f->t);
		assert_true(run_until(f, &f->t.freed, 1, 20000));
		assert_int_equal(f->t.freed, 1);
	}
	uv_close((uv_handle_t *)&f->guard, NULL);
	uv_close((uv_handle_t *)&f->beat, NULL);
	uv_run(&f->loop, UV_RUN_NOWAIT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	smtpd_stop(&f->srv);
	if (f->dir[0])
		rm_tree(f->dir);
	free(f);
}

/* Load spool/<n>.json. */
static json_t *
spool_meta(struct fx *f, int n)
{
	char path[128];
	json_error_t e;
	json_t *j;

	snprintf(path, sizeof(path), "%s/%d.json", f->srv.spool, n);
	j = json_load_file(path, 0, &e);
	assert_non_null(j);
	return j;
}

/* Every accepted message is one of ours, byte for byte, with its envelope;
 * each arrives once. Returns the number of distinct client connections. */
static int
spool_check(struct fx *f, int count, int nrcpt)
{
	int seen[MAX_MSGS] = {0};
	char peers[MAX_MSGS][64];
	int npeers = 0;
	int n, i, k;

	assert_int_equal(dir_count(f->srv.spool, ".eml"), count);
	for (n = 1; n <= count; n++) {
		json_t *j = spool_meta(f, n);
		const char *mid =
		    json_string_value(json_object_get(j, "message_id"));
		const char *peer =
		    json_string_value(json_object_get(j, "peer"));
		json_t *rcpts = json_object_get(j, "rcpt_tos");
		char path[128];
		size_t len;
		char *body;

		assert_non_null(mid);
		assert_int_equal(sscanf(mid, "<%d.msg@", &i), 1);
		assert_true(i >= 0 && i < MAX_MSGS);
		seen[i]++;
		assert_string_equal(
		    json_string_value(json_object_get(j, "mail_from")), FROM);
		assert_int_equal(json_array_size(rcpts), (size_t)nrcpt);
		assert_string_equal(json_string_value(json_array_get(rcpts, 0)),
		                    rcpt_a[i]);
		if (nrcpt > 1)
			assert_string_equal(
			    json_string_value(json_array_get(rcpts, 1)),
			    rcpt_b[i]);
		snprintf(path, sizeof(path), "%s/%d.eml", f->srv.spool, n);
		body = file_read(path, &len);
		assert_non_null(body);
		assert_int_equal(len, strlen(msgs[i]));
		assert_memory_equal(body, msgs[i], len);
		free(body);
		for (k = 0; k < npeers; k++)
			if (strcmp(peers[k], peer) == 0)
				break;
		if (k == npeers)
			snprintf(peers[npeers++], sizeof(peers[0]), "%s", peer);
		json_decref(j);
	}
	for (i = 0; i < MAX_MSGS; i++)
		assert_true(seen[i] <= 1);
	return npeers;
}

/* Lines of the server's log.jsonl whose stage is stage. */
static int
spool_log_count(struct fx *f, const char *stage)
{
	char path[128], needle[64], line[4096];
	FILE *fp;
	int n = 0;

	snprintf(path, sizeof(path), "%s/log.jsonl", f->srv.spool);
	snprintf(needle, sizeof(needle), "\"stage\": \"%s\"", stage);
	fp = fopen(path, "r");
	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp))
		if (strstr(line, needle))
			n++;
	fclose(fp);
	return n;
}

/* Run the loop until the server holds n ends of DATA, or ms pass. */
static int
run_until_held(struct fx *f, int n, uint64_t ms)
{
	uint64_t waited;

	for (waited = 0; waited < ms; waited += 50) {
		if (spool_log_count(f, "data-held") >= n)
			return 1;
		run_for(f, 50);
	}
	return spool_log_count(f, "data-held") >= n;
}

/* ---- tests ---- */

static void
test_mailer_smtp_delivers_all(void **state)
{
	struct fx *f = fx_new();
	struct probe p[20];
	struct mailer_config c;
	struct mailer *m;
	int i;

	(void)state;
	fx_serve(f, NULL);
	c = fx_config(f, 4);
	m = fx_mailer(f, &c);
	for (i = 0; i < 20; i++)
		assert_int_equal(submit(m, &p[i], &f->t, i, 2), 0);
	/* Never from inside mailer_submit. */
	assert_int_equal(f->t.done, 0);
	assert_int_equal(mailer_pending(m), 20);
	assert_true(run_until(f, &f->t.done, 20, 30000));
	for (i = 0; i < 20; i++) {
		assert_int_equal(p[i].calls, 1);
		assert_int_equal(p[i].result, MAILER_SENT);
		assert_int_equal(p[i].code, 250);
	}
	assert_int_equal(mailer_pending(m), 0);
	/* At most max_connections connections were opened. */
	assert_true(spool_check(f, 20, 2) <= 4);
	fx_free(f, m);
}

static void
test_mailer_smtp_one_connection_reused(void **state)
{
	struct fx *f = fx_new();
	struct probe p[6];
	struct mailer_config c;
	struct mailer *m;
	int i;

	(void)state;
	fx_serve(f, NULL);
	c = fx_config(f, 1);
	m = fx_mailer(f, &c);
	for (i = 0; i < 6; i++)
		assert_int_equal(submit(m, &p[i], &f->t, i, 1), 0);
	assert_true(run_until(f, &f->t.done, 6, 30000));
	for (i = 0; i < 6; i++) {
		assert_int_equal(p[i].calls, 1);
		assert_int_equal(p[i].result, MAILER_SENT);
		/* One at a time, so in the order submitted. */
		assert_int_equal(f->t.order[i], i);
	}
	/* All six went over one connection, kept open between them. */
	assert_int_equal(spool_check(f, 6, 1), 1);
	fx_free(f, m);
}

/* The nice value of each thread of this process, from
 * /proc/self/task/TID/stat (the 19th field); returns how many were read. */
static int
thread_nices(int *nice, pid_t *tid, int max)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL && n < max) {
		char path[300], buf[1024], *p;
		FILE *fp;
		int field;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/stat",
		         e->d_name);
		if ((fp = fopen(path, "r")) == NULL)
			continue; /* a thread that just ended */
		p = fgets(buf, sizeof(buf), fp) ? strrchr(buf, ')') : NULL;
		fclose(fp);
		if (!p)
			continue;
		/* After the name: state is field 3; nice is field 19. */
		for (field = 2; field < 19 && p; field++)
			p = strchr(p + 1, ' ');
		if (!p)
			continue;
		tid[n] = (pid_t)atoi(e->d_name);
		nice[n++] = atoi(p + 1);
	}
	closedir(d);
	return n;
}

/* The workers run 10 nice levels below the thread that made the mailer
 * (the loop); the loop keeps its own. */
static void
test_mailer_smtp_workers_run_below_the_loop(void **state)
{
	struct fx *f = fx_new();
	struct probe p[8];
	struct mailer_config c;
	struct mailer *m;
	int nice[64], base, want, i, n, below = 0;
	pid_t tid[64];

	(void)state;
	errno = 0;
	base = getpriority(PRIO_PROCESS, 0);
	if (base == -1 && errno != 0)
		fail_msg("getpriority: %s", strerror(errno));
	if (base >= 19)
		skip(); /* nothing is lower than 19 */
	want = base + 10 > 19 ? 19 : base + 10;
	fx_serve(f, NULL);
	c = fx_config(f, 4);
	m = fx_mailer(f, &c);
	for (i = 0; i < 8; i++)
		assert_int_equal(submit(m, &p[i], &f->t, i, 1), 0);
	assert_true(run_until(f, &f->t.done, 8, 30000));
	/* The workers wait, idle, until mailer_free. */
	n = thread_nices(nice, tid, 64);
	for (i = 0; i < n; i++) {
		if (tid[i] == gettid())
			assert_int_equal(nice[i], base);
		else if (nice[i] == want)
			below++;
		else
			/* libuv's pool: the loop's priority */
			assert_int_equal(nice[i], base);
	}
	assert_true(below >= 1 && below <= 4);
	spool_check(f, 8, 1);
	fx_free(f, m);
}

/* [mail] starttls = required: a server that offers no STARTTLS gets
 * nothing, and the failure says so (a retry may find TLS back). */
static void
test_mailer_smtp_starttls_required_refuses_plain(void **state)
{
	struct fx *f = fx_new();
	struct probe p;
	struct mailer_config c;
	struct mailer *m;

	(void)state;
	fx_serve(f, NULL);
	c = fx_config(f, 1);
	c.starttls_required = 1;
	m = fx_mailer(f, &c);
	assert_int_equal(submit(m, &p, &f->t, 0, 1), 0);
	assert_true(run_until(f, &f->t.done, 1, 20000));
	assert_int_equal(p.calls, 1);
	assert_int_equal(p.result, MAILER_TEMPFAIL);
	assert_true(p.detail[0] != '\0');
	assert_int_equal(dir_count(f->srv.spool, ".eml"), 0);
	fx_free(f, m);
}

/* STARTTLS with the server's certificate checked against [mail] ca_file:
 * a self-signed certificate for 127.0.0.1 made by openssl for the test. */
static void
test_mailer_smtp_starttls_with_ca_file(void **state)
{
	char dir[] = "/tmp/test-mailer-tls-XXXXXX", cmd[1024], cert[128],
	     key[128];
	const char *args[5];
	struct fx *f = fx_new();
	struct probe p;
	struct mailer_config c;
	struct mailer *m;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(cmd, sizeof(cmd),
	         "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -keyout %s "
	         "-out %s -subj /CN=127.0.0.1 -addext "
	         "subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
	         key, cert);
	assert_int_equal(system(cmd), 0);
	args[0] = "--tls-cert";
	args[1] = cert;
	args[2] = "--tls-key";
	args[3] = key;
	args[4] = NULL;
	fx_serve(f, args);
	c = fx_config(f, 1);
	c.starttls_required = 1;
	c.ca_file = cert;
	m = fx_mailer(f, &c);
	assert_int_equal(submit(m, &p, &f->t, 0, 2), 0);
	assert_true(run_until(f, &f->t.done, 1, 20000));
	if (p.result != MAILER_SENT)
		fail_msg("STARTTLS delivery failed: %s", p.detail);
	spool_check(f, 1, 2);
	fx_free(f, m);
	rm_tree(dir);
}

/* AUTH with the configured user and password; a wrong password is not
 * the message's fault, so it is a temporary failure (retried once the
 * operator fixes password_file). */
static void
test_mailer_smtp_auth(void **state)
{
	static const char *const args[] = {"--auth", "agenda:s3creto", NULL};
	struct fx *f = fx_new();
	struct probe p[2];
	struct mailer_config c;
	struct mailer *good, *bad;

	(void)state;
	fx_serve(f, args);
	c = fx_config(f, 1);
	c.username = "agenda";
	c.password = "otra";
	bad = fx_mailer(f, &c);
	assert_int_equal(submit(bad, &p[0], &f->t, 0, 1), 0);
	assert_true(run_until(f, &f->t.done, 1, 20000));
	assert_int_equal(p[0].result, MAILER_TEMPFAIL);
	assert_int_equal(p[0].code, 535);
	mailer_free(bad, on_freed, &f->t);
	assert_true(run_until(f, &f->t.freed, 1, 20000));
	f->t.freed = 0;
	c.password = "s3creto";
	good = fx_mailer(f, &c);
	assert_int_equal(submit(good, &p[1], &f->t, 0, 2), 0);
	assert_true(run_until(f, &f->t.done, 2, 20000));
	if (p[1].result != MAILER_SENT)
		fail_msg("AUTH delivery failed: %s", p[1].detail);
	spool_check(f, 1, 2);
	fx_free(f, good);
}

static void
test_mailer_smtp_tempfail_then_sent(void **state)
{
	static const char *const args[] = {"--fail-first", "1", "--fail-code",
	                                   "451", NULL};
	struct fx *f = fx_new();
	struct probe p[2];
	struct mailer_config c;
	struct mailer *m;

	(void)state;
	fx_serve(f, args);
	c = fx_config(f, 2);
	m = fx_mailer(f, &c);
	assert_int_equal(submit(m, &p[0], &f->t, 0, 2), 0);
	assert_true(run_until(f, &f->t.done, 1, 20000));
	assert_int_equal(p[0].calls, 1);
	assert_int_equal(p[0].result, MAILER_TEMPFAIL);
	assert_int_equal(p[0].code, 451);
	assert_non_null(strstr(p[0].detail, "451"));
	assert_int_equal(dir_count(f->srv.spool, ".eml"), 0);

	assert_int_equal(submit(m, &p[1], &f->t, 0, 2), 0);
	assert_true(run_until(f, &f->t.done, 2, 20000));
	assert_int_equal(p[1].calls, 1);
	assert_int_equal(p[1].result, MAILER_SENT);
	assert_int_equal(p[1].code, 250);
	spool_check(f, 1, 2);
	fx_free(f, m);
}

static void
test_mailer_smtp_rcpt_tempfail(void **state)
{
	static const char *const args[] = {"--fail-first", "1", "--fail-at",
	                                   "rcpt", NULL};
	struct fx *f = fx_new();
	struct probe p[2];
	struct mailer_config c;
	struct mailer *m;

	(void)state;
	fx_serve(f, args);
	c = fx_config(f, 1);
	m = fx_mailer(f, &c);
	assert_int_equal(submit(m, &p[0], &f->t, 0, 2), 0);
	assert_int_equal(submit(m, &p[1], &f->t, 1, 2), 0);
	assert_true(run_until(f, &f->t.done, 2, 20000));
	assert_int_equal(p[0].result, MAILER_TEMPFAIL);
	assert_int_equal(p[0].code, 451);
	assert_int_equal(p[1].result, MAILER_SENT);
	assert_int_equal(dir_count(f->srv.spool, ".eml"), 1);
	fx_free(f, m);
}

static void
test_mailer_smtp_timeout_tempfail(void **state)
{
	static const char *const args[] = {"--delay-rcpt", "10", NULL};
	struct fx *f = fx_new();
	struct probe p[1];
	struct mailer_config c;
	struct mailer *m;

	(void)state;
	fx_serve(f, args);
	c = fx_config(f, 1);
	c.timeout_s = 1;
	m = fx_mailer(f, &c);
	assert_int_equal(submit(m, &p[0], &f->t, 0, 1), 0);
	assert_true(run_until(f, &f->t.done, 1, 8000));
	assert_int_equal(p[0].result, MAILER_TEMPFAIL);
	assert_int_equal(p[0].code, 0);
	assert_non_null(strstr(p[0].detail, "curl 28"));
	fx_free(f, m);
}

static void
test_mailer_smtp_reject_permfail(void **state)
{
	static const char *const args[] = {"--reject", "550", NULL};
	struct fx *f = fx_new();
	struct probe p[1];
	struct mailer_config c;
	struct mailer *m;

	(void)state;
	fx_serve(f, args);
	c = fx_config(f, 2);
	m = fx_mailer(f, &c);
	assert_int_equal(submit(m, &p[0], &f->t, 0, 2), 0);
	assert_true(run_until(f, &f->t.done, 1, 20000));
	assert_int_equal(p[0].result, MAILER_PERMFAIL);
	assert_int_equal(p[0].code, 550);
	assert_non_null(strstr(p[0].detail, "550"));
	assert_int_equal(dir_count(f->srv.spool, ".eml"), 0);
	fx_free(f, m);
}

static void
test_mailer_smtp_rcpt_reject_permfail(void **state)
{
	static const char *const args[] = {"--reject", "550", "--reject-at",
	                                   "rcpt", NULL};
	struct fx *f = fx_new();
	struct probe p[1];
	struct mailer_config c;
	struct mailer *m;

	(void)state;
	fx_serve(f, args);
	c = fx_config(f, 2);
	m = fx_mailer(f, &c);
	assert_int_equal(submit(m, &p[0], &f->t, 0, 1), 0);
	assert_true(run_until(f, &f->t.done, 1, 20000));
	assert_int_equal(p[0].result, MAILER_PERMFAIL);
	assert_int_equal(p[0].code, 550);
	assert_int_equal(dir_count(f->srv.spool, ".eml"), 0);
	fx_free(f, m);
}

static void
test_mailer_smtp_closed_port_tempfail(void **state)
{
	struct fx *f = fx_new();
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t salen = sizeof(sa);
	struct probe p[1];
	struct mailer_config c;
	struct mailer *m;
	int fd;

	(void)state;
	/* A bound port nobody listens on: connections are refused, and no
	 * other process can take it meanwhile. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &salen), 0);
	snprintf(f->url, sizeof(f->url), "smtp://127.0.0.1:%d",
	         ntohs(sa.sin_port));
	c = fx_config(f, 2);
	m = fx_mailer(f, &c);
	assert_int_equal(submit(m, &p[0], &f->t, 0, 1), 0);
	assert_true(run_until(f, &f->t.done, 1, 20000));
	assert_int_equal(p[0].calls, 1);
	assert_int_equal(p[0].result, MAILER_TEMPFAIL);
	assert_int_equal(p[0].code, 0);
	assert_true(p[0].detail[0] != '\0');
	close(fd);
	fx_free(f, m);
}

static void
maildir_setup(struct fx *f, char *md, size_t mdlen)
{
	strcpy(f->dir, "/tmp/test-mailer-md-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(md, mdlen, "%s/maildir", f->dir);
}

static void
test_mailer_maildir_writes_new(void **state)
{
	struct fx *f = fx_new();
	struct probe p[3];
	struct mailer_config c = {.max_connections = 2};
	struct mailer *m;
	char md[128], path[256];
	const char *sub[] = {"tmp", "new", "cur"};
	int found[3] = {0, 0, 0};
	struct dirent *e;
	struct stat st;
	DIR *d;
	int i;

	(void)state;
	maildir_setup(f, md, sizeof(md));
	c.maildir = md;
	c.smtp_url = "";
	m = fx_mailer(f, &c);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", md, sub[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		assert_int_equal(st.st_mode & 07777, 0700);
	}
	for (i = 0; i < 3; i++)
		assert_int_equal(submit(m, &p[i], &f->t, i, 2), 0);
	assert_int_equal(f->t.done, 0);
	assert_true(run_until(f, &f->t.done, 3, 20000));
	for (i = 0; i < 3; i++) {
		assert_int_equal(p[i].calls, 1);
		assert_int_equal(p[i].result, MAILER_SENT);
		/* "maildir new/<file name>", and that file holds it. */
		assert_int_equal(strncmp(p[i].detail, "maildir new/", 12), 0);
		assert_null(strchr(p[i].detail + 12, '/'));
		snprintf(path, sizeof(path), "%s/%s", md, p[i].detail + 8);
		assert_int_equal(stat(path, &st), 0);
	}
	snprintf(path, sizeof(path), "%s/tmp", md);
	assert_int_equal(dir_count(path, ""), 0);
	snprintf(path, sizeof(path), "%s/new", md);
	assert_int_equal(dir_count(path, ".cronograma"), 3);
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		char file[512];
		size_t len;
		char *body;
		int id;

		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		body = file_read(file, &len);
		assert_non_null(body);
		assert_non_null(strstr(body, "Message-ID: <"));
		assert_int_equal(sscanf(strstr(body, "Message-ID: <"),
		                        "Message-ID: <%d.", &id),
		                 1);
		assert_true(id >= 0 && id < 3);
		found[id]++;
		assert_int_equal(len, strlen(msgs[id]));
		assert_memory_equal(body, msgs[id], len);
		free(body);
	}
	closedir(d);
	for (i = 0; i < 3; i++)
		assert_int_equal(found[i], 1);
	fx_free(f, m);
}

static void
test_mailer_maildir_write_error_tempfail(void **state)
{
	struct fx *f = fx_new();
	struct probe p[1];
	struct mailer_config c = {.max_connections = 1};
	struct mailer *m;
	char md[128], path[256];

	(void)state;
	maildir_setup(f, md, sizeof(md));
	c.maildir = md;
	m = fx_mailer(f, &c);
	/* tmp/ gone: the write fails (even as root). */
	snprintf(path, sizeof(path), "%s/tmp", md);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(submit(m, &p[0], &f->t, 0, 1), 0);
	assert_true(run_until(f, &f->t.done, 1, 20000));
	assert_int_equal(p[0].result, MAILER_TEMPFAIL);
	assert_non_null(strstr(p[0].detail, strerror(ENOENT)));
	snprintf(path, sizeof(path), "%s/new", md);
	assert_int_equal(dir_count(path, ""), 0);
	fx_free(f, m);
}

static void
test_mailer_rate_holds_after_burst(void **state)
{
	struct fx *f = fx_new();
	struct probe p[3];
	struct mailer_config c;
	struct mailer *m;
	int i;

	(void)state;
	fx_serve(f, NULL);
	c = fx_config(f, 4);
	/* One message a minute: the first goes at once, the next one would
	 * wait a minute. */
	c.rate_per_minute = 1;
	m = fx_mailer(f, &c);
	for (i = 0; i < 3; i++)
		assert_int_equal(submit(m, &p[i], &f->t, i, 1), 0);
	assert_true(run_until(f, &f->t.done, 1, 20000));
	assert_int_equal(p[0].result, MAILER_SENT);
	run_for(f, 300);
	assert_int_equal(f->t.done, 1);
	assert_int_equal(mailer_pending(m), 2);
	assert_int_equal(dir_count(f->srv.spool, ".eml"), 1);
	/* Freeing reports the held ones, once each. */
	mailer_free(m, on_freed, &f->t);
	assert_true(run_until(f, &f->t.freed, 1, 20000));
	assert_int_equal(f->t.done_at_free, 3);
	for (i = 1; i < 3; i++) {
		assert_int_equal(p[i].calls, 1);
		assert_int_equal(p[i].result, MAILER_TEMPFAIL);
		assert_string_equal(p[i].detail, "shutting down");
	}
	fx_free(f, NULL);
}

static void
test_mailer_rate_paces_in_order(void **state)
{
	struct fx *f = fx_new();
	struct probe p[3];
	struct mailer_config c;
	struct mailer *m;
	uint64_t start;
	int i;

	(void)state;
	fx_serve(f, NULL);
	c = fx_config(f, 4);
	c.rate_per_minute = 60;
	uv_update_time(&f->loop);
	start = uv_now(&f->loop);
	m = fx_mailer(f, &c);
	for (i = 0; i < 3; i++)
		assert_int_equal(submit(m, &p[i], &f->t, i, 1), 0);
	assert_true(run_until(f, &f->t.done, 3, 30000));
	for (i = 0; i < 3; i++) {
		assert_int_equal(p[i].result, MAILER_SENT);
		assert_int_equal(f->t.order[i], i);
	}
	/* One token a second after the first: the third cannot have left
	 * before two seconds (a lower bound only, which cannot flake). */
	assert_true(p[2].at >= start + 1990);
	spool_check(f, 3, 1);
	fx_free(f, m);
}

/* A message sent reports the relay's own reply to the end of DATA (what
 * the log line shows staff), not a summary of ours. */
static void
test_mailer_smtp_sent_detail_is_data_reply(void **state)
{
	struct fx *f = fx_new();
	struct probe p[2];
	struct mailer_config c;
	struct mailer *m;

	(void)state;
	fx_serve(f, NULL);
	c = fx_config(f, 1);
	m = fx_mailer(f, &c);
	assert_int_equal(submit(m, &p[0], &f->t, 0, 1), 0);
	assert_int_equal(submit(m, &p[1], &f->t, 1, 2), 0);
	assert_true(run_until(f, &f->t.done, 2, 20000));
	assert_int_equal(p[0].result, MAILER_SENT);
	assert_int_equal(p[0].code, 250);
	assert_string_equal(p[0].detail, "250 2.0.0 OK queued as 1");
	assert_int_equal(p[1].result, MAILER_SENT);
	assert_string_equal(p[1].detail, "250 2.0.0 OK queued as 2");
	fx_free(f, m);
}

/* A relay that answers the end of DATA after 2 s: 16 messages over 8
 * connections go in parallel (about 4 s; one after the other would be
 * 32 s), and the loop is never held meanwhile (libcurl reads that reply
 * blocking, which used to freeze the loop for the 2 s of each message). */
static void
test_mailer_smtp_slow_relay_never_holds_the_loop(void **state)
{
	static const char *const args[] = {"--delay-data", "2", NULL};
	struct fx *f = fx_new();
	struct probe p[16];
	struct mailer_config c;
	struct mailer *m;
	uint64_t t0, took_ms;
	int i;

	(void)state;
	fx_serve(f, args);
	c = fx_config(f, 8);
	m = fx_mailer(f, &c);
	fx_beat_start(f);
	t0 = uv_hrtime();
	for (i = 0; i < 16; i++)
		assert_int_equal(submit(m, &p[i], &f->t, i, 1), 0);
	assert_true(run_until(f, &f->t.done, 16, 30000));
	took_ms = (uv_hrtime() - t0) / 1000000;
	uv_timer_stop(&f->beat);
	print_message("16 messages, relay 2 s at the end of DATA, 8 "
	              "connections: %llu ms; longest loop gap %llu ms\n",
	              (unsigned long long)took_ms,
	              (unsigned long long)f->beat_max_gap_ms);
	for (i = 0; i < 16; i++) {
		assert_int_equal(p[i].calls, 1);
		assert_int_equal(p[i].result, MAILER_SENT);
	}
	assert_true(took_ms < 10000);
	assert_true(f->beat_max_gap_ms < 1000);
	/* At most one connection per worker. */
	assert_true(spool_check(f, 16, 1) <= 8);
	fx_free(f, m);
}

/* A worker that keeps sending lets its results gather and wakes the loop
 * once for many, but never keeps them from the loop while it waits on the
 * relay. The first 16 results of a run go at once; here the 21st message's
 * end of DATA is answered after 3 s, and results 17 to 20, held, reach
 * the loop long before (within the hold, or curl's once-a-second call
 * from its blocking wait for that reply). Sixty messages, so that the
 * ready FIFO never runs low, which would wake the loop anyway. */
static void
test_mailer_smtp_results_not_held_by_a_slow_transfer(void **state)
{
	static const char *const args[] = {"--delay-data", "3",
	                                   "--delay-data-after", "20", NULL};
	struct fx *f = fx_new();
	struct probe p[60];
	struct mailer_config c;
	struct mailer *m;
	uint64_t t0;
	int i;

	(void)state;
	fx_serve(f, args);
	c = fx_config(f, 1);
	m = fx_mailer(f, &c);
	t0 = uv_hrtime();
	for (i = 0; i < 60; i++)
		assert_int_equal(submit(m, &p[i], &f->t, i, 1), 0);
	assert_true(run_until(f, &f->t.done, 20, 20000));
	print_message("the first twenty results after %llu ms, the 21st "
	              "message's reply 3 s away\n",
	              (unsigned long long)((uv_hrtime() - t0) / 1000000));
	for (i = 0; i < 20; i++)
		assert_int_equal(p[i].result, MAILER_SENT);
	/* Still with the relay: the twenty came without it. */
	assert_int_equal(p[20].calls, 0);
	fx_free(f, m);
}

/* Messages one at a time go to the worker that sent the last one, over
 * its open connection, even with more workers allowed. */
static void
test_mailer_smtp_trickle_reuses_one_connection(void **state)
{
	struct fx *f = fx_new();
	struct probe p[5];
	struct mailer_config c;
	struct mailer *m;
	int i;

	(void)state;
	fx_serve(f, NULL);
	c = fx_config(f, 4);
	m = fx_mailer(f, &c);
	for (i = 0; i < 5; i++) {
		assert_int_equal(submit(m, &p[i], &f->t, i, 1), 0);
		assert_true(run_until(f, &f->t.done, i + 1, 20000));
		assert_int_equal(p[i].result, MAILER_SENT);
	}
	assert_int_equal(spool_check(f, 5, 1), 1);
	fx_free(f, m);
}

/* A relay that never answers the end of DATA: the loop keeps turning,
 * and mailer_free ends after the 2 s it leaves a reply to an end of data
 * already sent, the messages back as temporary failures (the relay never
 * said 250), nothing waiting for [mail] timeout. */
static void
test_mailer_free_with_hung_relay(void **state)
{
	static const char *const args[] = {"--hang-data", NULL};
	struct fx *f = fx_new();
	struct probe p[3];
	struct mailer_config c;
	struct mailer *m;
	uint64_t t0, took_ms;
	int i;

	(void)state;
	fx_serve(f, args);
	c = fx_config(f, 2);
	c.timeout_s = 60;
	m = fx_mailer(f, &c);
	fx_beat_start(f);
	for (i = 0; i < 3; i++)
		assert_int_equal(submit(m, &p[i], &f->t, i, 1), 0);
	/* Both connections wait for the reply to their end of DATA. */
	assert_true(run_until_held(f, 2, 20000));
	run_for(f, 300);
	assert_int_equal(f->t.done, 0);
	assert_int_equal(mailer_pending(m), 3);
	t0 = uv_hrtime();
	mailer_free(m, on_freed, &f->t);
	assert_true(run_until(f, &f->t.freed, 1, 20000));
	took_ms = (uv_hrtime() - t0) / 1000000;
	uv_timer_stop(&f->beat);
	print_message("mailer_free with 2 transfers held by the relay: %llu "
	              "ms; longest loop gap %llu ms\n",
	              (unsigned long long)took_ms,
	              (unsigned long long)f->beat_max_gap_ms);
	assert_true(took_ms < 5000);
	assert_true(f->beat_max_gap_ms < 1000);
	assert_int_equal(f->t.done_at_free, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(p[i].calls, 1);
		assert_int_equal(p[i].result, MAILER_TEMPFAIL);
		assert_int_equal(p[i].code, 0);
		assert_non_null(strstr(p[i].detail, "shutting down"));
	}
	assert_int_equal(dir_count(f->srv.spool, ".eml"), 0);
	fx_free(f, NULL);
}

/* mailer_free while the relay holds the reply to two ends of DATA for
 * 0.3 s: those transfers are not cut (the relay may have taken the
 * messages already: cut, they would be sent again after a restart) but
 * get their 250, and are reported sent. */
static void
test_mailer_free_after_end_of_data_waits_for_reply(void **state)
{
	static const char *const args[] = {"--delay-data", "0.3", NULL};
	struct fx *f = fx_new();
	struct probe p[2];
	struct mailer_config c;
	struct mailer *m;
	int i;

	(void)state;
	fx_serve(f, args);
	c = fx_config(f, 2);
	m = fx_mailer(f, &c);
	for (i = 0; i < 2; i++)
		assert_int_equal(submit(m, &p[i], &f->t, i, 1), 0);
	/* The relay has both messages whole and has not answered yet. */
	assert_true(run_until_held(f, 2, 20000));
	assert_int_equal(f->t.done, 0);
	mailer_free(m, on_freed, &f->t);
	assert_true(run_until(f, &f->t.freed, 1, 20000));
	assert_int_equal(f->t.done_at_free, 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(p[i].calls, 1);
		assert_int_equal(p[i].result, MAILER_SENT);
		assert_int_equal(p[i].code, 250);
	}
	assert_int_equal(spool_check(f, 2, 1), 2);
	fx_free(f, NULL);
}

static void
test_mailer_free_in_flight(void **state)
{
	static const char *const args[] = {"--delay-rcpt", "10", NULL};
	struct fx *f = fx_new();
	struct probe p[3];
	struct mailer_config c;
	struct mailer *m;
	uint64_t t0;
	int i;

	(void)state;
	fx_serve(f, args);
	c = fx_config(f, 2);
	m = fx_mailer(f, &c);
	for (i = 0; i < 3; i++)
		assert_int_equal(submit(m, &p[i], &f->t, i, 1), 0);
	/* The server holds RCPT for 10 s: two in flight, one queued. */
	run_for(f, 500);
	assert_int_equal(f->t.done, 0);
	assert_int_equal(mailer_pending(m), 3);
	t0 = uv_hrtime();
	mailer_free(m, on_freed, &f->t);
	assert_int_equal(f->t.done, 0);
	assert_true(run_until(f, &f->t.freed, 1, 5000));
	/* Aborting never waited for the server (the loop was not blocked). */
	assert_true(uv_hrtime() - t0 < 5000000000ULL);
	assert_int_equal(f->t.done_at_free, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(p[i].calls, 1);
		assert_int_equal(p[i].result, MAILER_TEMPFAIL);
		assert_int_equal(p[i].code, 0);
	}
	fx_free(f, NULL);
}

/*
 * A relay that never completes the TCP connect: 127.0.0.1, a socket
 * listening with backlog 0 whose accept queue is filled first and never
 * accepted, so the kernel drops every further SYN and the client waits in
 * SYN_SENT (as a relay whose listen backlog is full, or a firewall that
 * drops, does). The kernel says when the queue is full (TCP_INFO on a
 * listening socket: tcpi_unacked is the queue, tcpi_sacked its bound).
 */
struct blackhole {
	int lfd;
	int fill[8]; /* the connections that fill the queue */
	int nfill;
	int port;
};

static int
blackhole_full(const struct blackhole *b)
{
	struct tcp_info ti;
	socklen_t tl = sizeof(ti);

	assert_int_equal(getsockopt(b->lfd, IPPROTO_TCP, TCP_INFO, &ti, &tl),
	                 0);
	return ti.tcpi_unacked > ti.tcpi_sacked;
}

static void
blackhole_open(struct blackhole *b)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t salen = sizeof(sa);
	struct pollfd pfd;
	int fd;

	memset(b, 0, sizeof(*b));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	b->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(b->lfd >= 0);
	assert_int_equal(bind(b->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(b->lfd, 0), 0);
	assert_int_equal(getsockname(b->lfd, (struct sockaddr *)&sa, &salen),
	                 0);
	b->port = ntohs(sa.sin_port);
	while (!blackhole_full(b) && b->nfill < 8) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		            0);
		assert_true(fd >= 0);
		b->fill[b->nfill++] = fd;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			assert_int_equal(errno, EINPROGRESS);
		/* Completes at once while the queue has room; one that does
		 * not is itself held in SYN_SENT, and the queue is full. */
		pfd.fd = fd;
		pfd.events = POLLOUT;
		poll(&pfd, 1, 2000);
	}
	assert_true(blackhole_full(b));
}

static void
blackhole_close(struct blackhole *b)
{
	int i;

	for (i = 0; i < b->nfill; i++)
		close(b->fill[i]);
	close(b->lfd);
}

/* Connections of this process to port still in SYN_SENT (/proc/net/tcp:
 * state 02, the remote port in hex). */
static int
syn_sent_count(int port)
{
	char line[512], rem[64];
	unsigned st;
	FILE *fp = fopen("/proc/net/tcp", "r");
	int n = 0;

	assert_non_null(fp);
	snprintf(rem, sizeof(rem), ":%04X ", port);
	while (fgets(line, sizeof(line), fp)) {
		char local[64], remote[64];

		if (sscanf(line, "%*d: %63s %63s %x", local, remote, &st) != 3)
			continue;
		strcat(remote, " ");
		if (st == 2 && strstr(remote, rem))
			n++;
	}
	fclose(fp);
	return n;
}

static int
run_until_syn_sent(struct fx *f, int port, int n, uint64_t ms)
{
	uint64_t waited;

	for (waited = 0; waited < ms; waited += 50) {
		if (syn_sent_count(port) >= n)
			return 1;
		run_for(f, 50);
	}
	return syn_sent_count(port) >= n;
}

/* A relay whose connect never completes ends as a temporary failure
 * after [mail] timeout, which bounds the connect too, while the loop
 * keeps turning. */
static void
test_mailer_smtp_connect_never_completes_times_out(void **state)
{
	struct fx *f = fx_new();
	struct blackhole b;
	struct probe p[1];
	struct mailer_config c;
	struct mailer *m;

	(void)state;
	blackhole_open(&b);
	snprintf(f->url, sizeof(f->url), "smtp://127.0.0.1:%d", b.port);
	c = fx_config(f, 1);
	c.timeout_s = 2;
	m = fx_mailer(f, &c);
	fx_beat_start(f);
	assert_int_equal(submit(m, &p[0], &f->t, 0, 1), 0);
	assert_true(run_until_syn_sent(f, b.port, 1, 20000));
	assert_true(run_until(f, &f->t.done, 1, 30000));
	uv_timer_stop(&f->beat);
	print_message("connect never completes, [mail] timeout 2 s: %s; "
	              "longest loop gap %llu ms\n",
	              p[0].detail, (unsigned long long)f->beat_max_gap_ms);
	assert_int_equal(p[0].result, MAILER_TEMPFAIL);
	assert_int_equal(p[0].code, 0);
	assert_non_null(strstr(p[0].detail, "curl 28"));
	assert_true(f->beat_max_gap_ms < 1000);
	fx_free(f, m);
	blackhole_close(&b);
}

/* mailer_free while every worker is stuck in a connect that never
 * completes: it ends without waiting for [mail] timeout (600 s here) or
 * curl's connect timeout, the loop never held meanwhile, and every
 * message comes back as a temporary failure. */
static void
test_mailer_free_during_connect(void **state)
{
	struct fx *f = fx_new();
	struct blackhole b;
	struct probe p[3];
	struct mailer_config c;
	struct mailer *m;
	uint64_t t0, took_ms;
	int i;

	(void)state;
	blackhole_open(&b);
	snprintf(f->url, sizeof(f->url), "smtp://127.0.0.1:%d", b.port);
	c = fx_config(f, 2);
	c.timeout_s = 600;
	m = fx_mailer(f, &c);
	fx_beat_start(f);
	for (i = 0; i < 3; i++)
		assert_int_equal(submit(m, &p[i], &f->t, i, 1), 0);
	/* Both workers wait in connect; the third message is queued. */
	assert_true(run_until_syn_sent(f, b.port, 2, 20000));
	assert_int_equal(f->t.done, 0);
	t0 = uv_hrtime();
	mailer_free(m, on_freed, &f->t);
	assert_true(run_until(f, &f->t.freed, 1, 60000));
	took_ms = (uv_hrtime() - t0) / 1000000;
	uv_timer_stop(&f->beat);
	print_message("mailer_free with 2 connects that never complete: %llu "
	              "ms; longest loop gap %llu ms; %s\n",
	              (unsigned long long)took_ms,
	              (unsigned long long)f->beat_max_gap_ms, p[0].detail);
	/* Far below the 600 s timeout: the abort, not a timeout, ended it. */
	assert_true(took_ms < 30000);
	assert_true(f->beat_max_gap_ms < 1000);
	assert_int_equal(f->t.done_at_free, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(p[i].calls, 1);
		assert_int_equal(p[i].result, MAILER_TEMPFAIL);
		assert_int_equal(p[i].code, 0);
		assert_non_null(strstr(p[i].detail, "shutting down"));
	}
	assert_int_equal(syn_sent_count(b.port), 0);
	fx_free(f, NULL);
	blackhole_close(&b);
}

static void
test_mailer_free_from_done(void **state)
{
	struct fx *f = fx_new();
	struct probe p[4];
	struct mailer_config c = {.max_connections = 1};
	struct mailer *m;
	char md[128];
	int i;

	(void)state;
	maildir_setup(f, md, sizeof(md));
	c.maildir = md;
	m = fx_mailer(f, &c);
	for (i = 0; i < 4; i++)
		assert_int_equal(submit(m, &p[i], &f->t, i, 1), 0);
	f->t.free_in_done = m;
	assert_true(run_until(f, &f->t.done, 4, 10000));
	run_for(f, 100);
	/* The first done freed the mailer; every message was still reported
	 * exactly once, and a submit from then on is refused. */
	assert_int_equal(f->t.done, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(p[i].calls, 1);
	assert_int_equal(p[0].result, MAILER_SENT);
	assert_int_equal(p[3].result, MAILER_TEMPFAIL);
	fx_free(f, NULL);
}

static void
test_mailer_submit_rejects_bad_input(void **state)
{
	struct fx *f = fx_new();
	struct mailer_config c = {.smtp_url = "http://127.0.0.1:1/",
	                          .max_connections = 1};
	struct mailer *m = NULL;
	const char *none[] = {NULL};
	char err[256] = "";
	struct probe p;

	(void)state;
	assert_int_equal(mailer_new(&f->loop, &c, &m, err, sizeof(err)),
	                 -EINVAL);
	assert_null(m);
	assert_non_null(strstr(err, "smtp://"));
	c.smtp_url = "smtp://127.0.0.1:1";
	m = fx_mailer(f, &c);
	memset(&p, 0, sizeof(p));
	p.t = &f->t;
	assert_int_equal(mailer_submit(m, "x\r\n", 3, none, on_done, &p),
	                 -EINVAL);
	assert_int_equal(mailer_pending(m), 0);
	fx_free(f, m);
	/* A failed submit never calls done. */
	assert_int_equal(p.calls, 0);
}

/* mailer_submit_take: on success the mailer owns the bytes (the pointer
 * comes back NULL, and ASan sees them freed once) and sends them as
 * they were; refused, they stay the caller's. */
static void
test_mailer_submit_take_owns_the_data(void **state)
{
	struct fx *f = fx_new();
	struct probe p[3];
	struct mailer_config c;
	struct mailer *m;
	const char *none[] = {NULL};
	int i;

	(void)state;
	fx_serve(f, NULL);
	c = fx_config(f, 1);
	m = fx_mailer(f, &c);
	for (i = 0; i < 3; i++) {
		const char *rcpts[] = {rcpt_a[i], NULL};
		char *data;

		msg_make(i);
		data = strdup(msgs[i]);
		assert_non_null(data);
		memset(&p[i], 0, sizeof(p[i]));
		p[i].id = i;
		p[i].t = &f->t;
		if (i == 2) {
			assert_int_equal(
			    mailer_submit_take(m, &data, strlen(msgs[i]), NULL,
			                       none, on_done, &p[i]),
			    -EINVAL);
			assert_string_equal(data, msgs[i]);
			free(data);
			continue;
		}
		assert_int_equal(mailer_submit_take(m, &data, strlen(msgs[i]),
		                                    NULL, rcpts, on_done,
		                                    &p[i]),
		                 0);
		assert_null(data);
	}
	assert_true(run_until(f, &f->t.done, 2, 20000));
	assert_int_equal(p[0].result, MAILER_SENT);
	assert_int_equal(p[1].result, MAILER_SENT);
	assert_int_equal(p[2].calls, 0);
	/* The bytes as they were made (spool_check compares each body). */
	assert_int_equal(spool_check(f, 2, 1), 1);
	fx_free(f, m);
}

static int
group_setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (smtpd_live)
		smtpd_stop(smtpd_live);
	curl_global_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mailer_smtp_delivers_all),
	    cmocka_unit_test(test_mailer_smtp_one_connection_reused),
	    cmocka_unit_test(test_mailer_smtp_workers_run_below_the_loop),
	    cmocka_unit_test(test_mailer_smtp_starttls_required_refuses_plain),
	    cmocka_unit_test(test_mailer_smtp_starttls_with_ca_file),
	    cmocka_unit_test(test_mailer_smtp_auth),
	    cmocka_unit_test(test_mailer_smtp_tempfail_then_sent),
	    cmocka_unit_test(test_mailer_smtp_rcpt_tempfail),
	    cmocka_unit_test(test_mailer_smtp_timeout_tempfail),
	    cmocka_unit_test(test_mailer_smtp_reject_permfail),
	    cmocka_unit_test(test_mailer_smtp_rcpt_reject_permfail),
	    cmocka_unit_test(test_mailer_smtp_closed_port_tempfail),
	    cmocka_unit_test(test_mailer_maildir_writes_new),
	    cmocka_unit_test(test_mailer_maildir_write_error_tempfail),
	    cmocka_unit_test(test_mailer_rate_holds_after_burst),
	    cmocka_unit_test(test_mailer_rate_paces_in_order),
	    cmocka_unit_test(test_mailer_smtp_sent_detail_is_data_reply),
	    cmocka_unit_test(test_mailer_smtp_slow_relay_never_holds_the_loop),
	    cmocka_unit_test(test_mailer_smtp_trickle_reuses_one_connection),
	    cmocka_unit_test(
	        test_mailer_smtp_results_not_held_by_a_slow_transfer),
	    cmocka_unit_test(test_mailer_free_in_flight),
	    cmocka_unit_test(
	        test_mailer_free_after_end_of_data_waits_for_reply),
	    cmocka_unit_test(test_mailer_free_with_hung_relay),
	    cmocka_unit_test(
	        test_mailer_smtp_connect_never_completes_times_out),
	    cmocka_unit_test(test_mailer_free_during_connect),
	    cmocka_unit_test(test_mailer_free_from_done),
	    cmocka_unit_test(test_mailer_submit_rejects_bad_input),
	    cmocka_unit_test(test_mailer_submit_take_owns_the_data),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
