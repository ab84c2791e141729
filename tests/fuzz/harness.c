/* harness: see harness.h. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "api.h"
#include "change.h"
#include "clock.h"
#include "config.h"
#include "event.h"
#include "harness.h"
#include "http.h"
#include "import.h"
#include "log.h"
#include "public.h"
#include "store.h"
#include "token.h"
#include "view.h"

static const char topics_tsv[] =
    "code\tslug\tnombre\ttitle\n"
    "1.1\tagenda-2030\tAgenda 2030\tAgenda 2030 para el Desarrollo "
    "Sostenible.\n"
    "1.2\tcambio-climatico\tCambio climático\t\n"
    "1.3\tmigracion\tMigración internacional\t\n";

static const char programme_tsv[] =
    "n\tmonth\ttitle\tfecha_posible\tobservaciones\ttemas\tlugar\thora\tzona\n"
    "1\tMARZO\tReunión «informativa» & <b>\t12 de marzo\tNotas\t1.1\tSala "
    "1\t\t\n"
    "2\tABRIL\tCOP en Katowice\t3 de abril\t\t1.2;1.1\tKatowice\t10:00\t"
    "Europe/Warsaw\n"
    "3\tMAYO\tPor definir\tprimer semestre de 2018\t\t1.3\t\t\t\n"
    "4\tJUNIO\tCancelada\t5 de junio\t\t1.1\t\t\t\n";

static struct {
	int ready;
	uv_loop_t loop;
	struct config cfg;
	struct store *st;
	struct api_ctx api;
	struct changes changes;
	struct public_site *ps;
	struct http_server *ctl, *pub;
	char dir[64], sock[128];
	char baja[256], feed[128], page[256];
} h;

/* The changes' one listener: the site of the moment drops its cache
 * (as public_on_change would; the site is made again for each input). */
static void
harness_on_change(void *arg, const struct change *c)
{
	(void)arg;
	(void)c;
	public_invalidate(h.ps, NULL);
}

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "harness: %s: %s\n", what, why);
	abort();
}

/* A failed import's report, as the control API renders it. */
static const char *
report_text(struct import_job *job)
{
	char *s;

	if (job == NULL)
		return "out of memory";
	s = json_dumps(view_import_report(import_job_report(job)), 0);
	return s ? s : "out of memory";
}

void
harness_store_fresh(void)
{
	struct import_opts o = {
	    2018,   0,  "fuzz.example", "America/Mexico_City",
	    "fuzz", -1, NULL,           NULL};
	struct osc org = {0};
	char err[256], *emails[] = {"red@example.org"},
	               *topics[] = {"agenda-2030", "migracion"};
	struct import_opts to = {.peer_uid = -1};
	struct import_job *job;
	struct event ev;
	long id;

	if (h.ps != NULL)
		public_site_free(h.ps);
	if (h.st != NULL)
		store_close(h.st);
	if (store_open(&h.st, ":memory:", err, sizeof(err)) < 0)
		die("store", err);
	if (import_run(h.st, IMPORT_TOPICS_TSV, topics_tsv, NULL, &to, &job) <
	    0)
		die("topics", report_text(job));
	import_job_free(job);
	if (import_run(h.st, IMPORT_PROGRAMME_TSV, programme_tsv, NULL, &o,
	               &job) < 0)
		die("programme", report_text(job));
	import_job_free(job);
	if (store_event_get(h.st, "2018-04@fuzz.example", &ev) < 0)
		die("session 4", store_error(h.st));
	ev.status = EVENT_CANCELLED;
	event_str_set(&ev.reason, "Se pospone.");
	ev.sequence++;
	if (store_event_put(h.st, &ev) < 0)
		die("cancel", store_error(h.st));
	event_fini(&ev);
	org.name = "Red Ciudadana «Agua & Vida»";
	org.emails = emails;
	org.nemails = 1;
	org.topics = topics;
	org.ntopics = 2;
	if (store_osc_add(h.st, &org, &id) < 0)
		die("osc", store_error(h.st));
	if (store_osc_get(h.st, id, &org) < 0)
		die("osc get", store_error(h.st));
	snprintf(h.feed, sizeof(h.feed), "%s", org.token ? org.token : "x");
	osc_fini(&org);
	if (token_unsubscribe_make(id, "agenda-2030", h.baja, sizeof(h.baja)) <
	        0 ||
	    token_page_make(id, h.feed, h.page, sizeof(h.page)) < 0)
		die("token", "cannot make one");
	h.api.store = h.st;
	if (public_site_new(&h.ps, h.st, &h.cfg, &h.changes) < 0)
		die("public site", "out of memory");
}

/* At exit: the temporary state directory goes (its key and socket). */
static void
harness_cleanup(void)
{
	struct dirent *e;
	char path[192];
	DIR *d;

	if (h.dir[0] == '\0' || (d = opendir(h.dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", h.dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(h.dir);
}

/* The public site's handler, through whatever public_site is current. */
static void
harness_public_handle(const struct http_request *req, struct http_response *res,
                      void *arg)
{
	(void)arg;
	public_handle(req, res, h.ps);
}

void
harness_init(void)
{
	struct http_limits ctl_lim = {
	    .max_body = 1 << 20, .max_connections = 64, .timeout_s = 5};
	struct http_limits pub_lim;
	char err[512];

	if (h.ready)
		return;
	/* Quiet (level 0 keeps nothing): the fuzzer's inputs make every
	 * error the daemon can log. FUZZ_DEBUG=1 shows them. */
	log_init("fuzz",
	         getenv("FUZZ_DEBUG") ? LOG_LEVEL_DEBUG : (enum log_level)0);
	clock_set(1519905600); /* 2018-03-01 12:00 UTC */
	snprintf(h.dir, sizeof(h.dir), "/tmp/cronograma-fuzz-XXXXXX");
	if (mkdtemp(h.dir) == NULL)
		die("mkdtemp", strerror(errno));
	atexit(harness_cleanup);
	snprintf(h.sock, sizeof(h.sock), "%s/control.sock", h.dir);
	if (config_defaults(&h.cfg, err, sizeof(err)) < 0 ||
	    config_set(&h.cfg, "daemon", "state_dir", h.dir, err, sizeof(err)) <
	        0 ||
	    config_set(&h.cfg, "daemon", "domain", "fuzz.example", err,
	               sizeof(err)) < 0 ||
	    config_set(&h.cfg, "http", "public_url", "https://agenda.example",
	               err, sizeof(err)) < 0 ||
	    config_set(&h.cfg, "import", "timeout", "5s", err, sizeof(err)) <
	        0 ||
	    config_set(&h.cfg, "daemon", "test_clock", "yes", err,
	               sizeof(err)) < 0)
		die("config", err);
	if (token_key_load(h.dir, err, sizeof(err)) < 0)
		die("key", err);
	if (uv_loop_init(&h.loop) < 0)
		die("loop", "cannot start");
	h.api.cfg = &h.cfg;
	h.api.started_at = clock_now();
	h.api.mail_desc = "maildir:/nowhere";
	h.api.changes = &h.changes;
	if (change_listen(&h.changes, harness_on_change, NULL) < 0)
		die("changes", "no room for a listener");
	harness_store_fresh();
	if (http_control_start(&h.loop, h.sock, NULL, 0600, &ctl_lim,
	                       api_handle, &h.api, &h.ctl, err,
	                       sizeof(err)) < 0)
		die("control server", err);
	public_limits(&h.cfg, &pub_lim);
	pub_lim.request_timeout_s = 2;
	if (http_public_start(&h.loop, "127.0.0.1:0", &pub_lim,
	                      harness_public_handle, NULL, &h.pub, err,
	                      sizeof(err)) < 0)
		die("public server", err);
	h.ready = 1;
}

struct store *
harness_store(void)
{
	return h.st;
}

const char *
harness_baja_token(void)
{
	return h.baja;
}

const char *
harness_feed_token(void)
{
	return h.feed;
}

const char *
harness_page_token(void)
{
	return h.page;
}

int
harness_exchange(enum harness_server server, const void *req, size_t len,
                 char *out, size_t cap)
{
	struct sockaddr_in from = {.sin_family = AF_INET};
	size_t got = 0, sent = 0;
	uint64_t t0 = uv_hrtime(), sent_at = 0;
	/* A request that never ends (the fuzzer's are often cut short) is
	 * held by the server until its deadline: once all of it is sent
	 * and no answer has begun after this long, the client goes away.
	 * The control API may take longer (imports are read on a thread). */
	uint64_t patience = server == HARNESS_PUBLIC ? 100000000u : 3000000000u;
	int sv[2], status = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair", strerror(errno));
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	/* An address no proxy is trusted for, limited like any client. */
	from.sin_addr.s_addr = htonl(0x7f000063); /* 127.0.0.99 */
	if (http_server_connection_add(server == HARNESS_PUBLIC ? h.pub : h.ctl,
	                               sv[1], (struct sockaddr *)&from,
	                               sizeof(from)) < 0) {
		close(sv[0]);
		return 0;
	}
	for (;;) {
		struct pollfd p = {.fd = sv[0], .events = POLLIN};
		ssize_t n;

		if (sent < len) {
			n = send(sv[0], (const char *)req + sent, len - sent,
			         MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN)
				sent = len;
			/* All of it sent: the client will say no more. */
			if (sent == len) {
				shutdown(sv[0], SHUT_WR);
				sent_at = uv_hrtime();
			}
		}
		if (sent == len && got == 0 && uv_hrtime() - sent_at > patience)
			break;
		uv_run(&h.loop, UV_RUN_NOWAIT);
		if (poll(&p, 1, sent < len ? 0 : 1) > 0) {
			char sink[4096];

			n = got + 1 < cap
			        ? recv(sv[0], out + got, cap - 1 - got, 0)
			        : recv(sv[0], sink, sizeof(sink), 0);
			if (n == 0 || (n < 0 && errno != EAGAIN))
				break;
			if (n > 0 && got + 1 < cap)
				got += (size_t)n;
		}
		if (uv_hrtime() - t0 > 10000000000ull)
			die("exchange", "the server kept the connection 10 s");
	}
	close(sv[0]);
	out[got] = '\0';
	if (got >= 12 && strncmp(out, "HTTP/1.", 7) == 0)
		status = atoi(out + 9);
	return status;
}
