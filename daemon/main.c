/* cronogramad: arguments, config, signals, and wiring the modules together
 * in the order they start. Nothing here does the work itself. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "addr.h"
#include "address.h"
#include "api.h"
#include "check.h"
#include "clock.h"
#include "change.h"
#include "config.h"
#include "event.h"
#include "http.h"
#include "log.h"
#include "maildir.h"
#include "mailer.h"
#include "message.h"
#include "notify.h"
#include "public.h"
#include "schedule.h"
#include "secret.h"
#include "store.h"
#include "token.h"

/* On SIGTERM, messages in flight get this long to finish. */
#define MAIL_DRAIN_MS 5000
/* Under systemd, STATUS= is refreshed this often. */
#define NOTIFY_STATUS_MS 30000

struct daemon {
	uv_loop_t loop;
	struct config cfg;
	struct store *store;
	struct api_ctx api;
	struct changes changes; /* the public site's cache, the scheduler */
	struct http_server *control;
	struct public_site *public;
	struct http_server *public_srv;
	struct mailer *mailer; /* freed by schedule_stop */
	struct schedule *sched;
	struct maildir *bounces; /* [bounces] maildir, or NULL */
	uv_signal_t sig_term, sig_int, sig_hup;
	uv_timer_t status_timer;   /* STATUS= for systemd */
	uv_timer_t watchdog_timer; /* WATCHDOG=1 from the loop */
	int stopping;
	int pending_stops;
	char mail_desc[PATH_MAX + 16];
};

static void
usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: cronogramad [-c FILE] [-d] [-t] [--print-config]\n"
	    "\n"
	    "Holds an office's programme of sessions as iCalendar data,\n"
	    "reminds the organisations that follow each topic by email,\n"
	    "serves each topic as a calendar feed, and answers cronoctl(1)\n"
	    "on its control socket. It runs in the foreground (under\n"
	    "systemd, Type=notify) and logs to stderr.\n"
	    "\n"
	    "  -c, --config FILE   configuration file (default %s\n"
	    "                      if it exists, else built-in defaults)\n"
	    "  -d, --debug         log debug messages too\n"
	    "  -t, --test-config   check the configuration as a start would,\n"
	    "                      create nothing, and exit (0: valid)\n"
	    "      --print-config  print the effective configuration and "
	    "exit\n"
	    "  -f, --foreground    accepted for compatibility: the daemon "
	    "never forks\n"
	    "  -h, --help          this help\n"
	    "  -V, --version       the version\n"
	    "\n"
	    "Configuration keys (INI sections and keys):\n",
	    CONFIG_DEFAULT_PATH);
	config_keys_print(out);
	fprintf(out, "\nSignals: TERM or INT stop after closing every "
	             "connection; HUP re-reads the configuration file and "
	             "applies\n");
	config_reloadable_print(out);
	fprintf(out, "\n(other keys need a restart). See cronogramad(8).\n");
}

/* mkdir -p with mode for the directories created. */
static int
mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Read the configuration (the named file, which must exist, else the
 * default path if it exists, else the built-in defaults) into c and check
 * it as a start would. Nothing is created. 0 or -1 with err. */
static int
daemon_config_read(struct config *c, const char *path, char *err, size_t errlen)
{
	int rc;

	if (config_defaults(c, err, errlen) < 0)
		return -1;
	if (path) {
		if (config_load(c, path, err, errlen) < 0)
			return -1;
	} else {
		rc = config_load(c, CONFIG_DEFAULT_PATH, err, errlen);
		if (rc < 0 && rc != -ENOENT)
			return -1;
	}
	config_derive(c);
	return check_config(c, err, errlen) < 0 ? -1 : 0;
}

/* Tell systemd how things stand: the counts of status. */
static void
daemon_status_notify(struct daemon *d)
{
	struct store_counts n;

	if (!notify_enabled() || store_counts_get(d->store, &n) < 0)
		return;
	notify_send("STATUS=%ld sessions (%ld undecided), %ld organisations; "
	            "outbox: %ld pending, %ld sent, %ld failed",
	            n.events, n.tbd, n.oscs, n.outbox_pending, n.outbox_sent,
	            n.outbox_failed);
}

static void
on_status_timer(uv_timer_t *t)
{
	daemon_status_notify(t->data);
}

static void
on_watchdog_timer(uv_timer_t *t)
{
	(void)t;
	notify_send("WATCHDOG=1");
}

static void
on_closed_one(void *arg)
{
	struct daemon *d = arg;

	d->pending_stops--;
}

static void
daemon_stop(struct daemon *d, const char *why)
{
	if (d->stopping)
		return;
	d->stopping = 1;
	log_info("stopping (%s)", why);
	notify_send("STOPPING=1\nSTATUS=stopping (%s)", why);
	uv_timer_stop(&d->status_timer);
	uv_timer_stop(&d->watchdog_timer);
	if (d->control) {
		d->pending_stops++;
		http_server_stop(d->control, on_closed_one, d);
		d->control = NULL;
	}
	if (d->public_srv) {
		d->pending_stops++;
		http_server_stop(d->public_srv, on_closed_one, d);
		d->public_srv = NULL;
	}
	maildir_stop(d->bounces);
	d->bounces = NULL;
	if (d->sched) {
		change_unlisten(&d->changes, schedule_on_change, d->sched);
		d->api.schedule = NULL;
		/* Messages in flight get a few seconds to finish; the rest
		 * stay pending for the next start. */
		d->pending_stops++;
		schedule_stop(d->sched, MAIL_DRAIN_MS, on_closed_one, d);
		d->sched = NULL;
		d->mailer = NULL;
	}
	uv_signal_stop(&d->sig_term);
	uv_signal_stop(&d->sig_int);
	uv_signal_stop(&d->sig_hup);
}

/*
 * SIGHUP: read the file again and check it as a start would; apply the
 * keys that can change at run time. A file that fails the check changes
 * nothing.
 */
static void
daemon_reload(struct daemon *d)
{
	struct config fresh;
	char err[1024], applied[1024], ignored[1024];
	const char *path = d->cfg.path;

	if (!path) {
		log_info("SIGHUP: no configuration file to re-read");
		return;
	}
	notify_reloading();
	if (daemon_config_read(&fresh, path, err, sizeof(err)) < 0) {
		log_err("SIGHUP: %s; keeping the running configuration", err);
		config_fini(&fresh);
		notify_send("READY=1");
		return;
	}
	if (config_reload(&d->cfg, &fresh, applied, sizeof(applied), ignored,
	                  sizeof(ignored)) < 0) {
		log_err("SIGHUP: %s could not be applied", path);
		config_fini(&fresh);
		notify_send("READY=1");
		return;
	}
	config_fini(&fresh);
	/* The operator's templates are read again even when the directory
	 * did not change: editing them and sending SIGHUP is how they
	 * change. The check above read them already. */
	if (message_templates_load(d->cfg.template_dir, err, sizeof(err)) < 0)
		log_err("SIGHUP: [mail] template_dir: %s; keeping the "
		        "templates read before",
		        err);
	log_level_set(log_level_from_name(d->cfg.log_level));
	log_info("SIGHUP: re-read %s; changed: %s", path,
	         applied[0] ? applied : "nothing");
	if (ignored[0])
		log_warn("SIGHUP: these changes need a restart: %s", ignored);
	/* Offsets, quiet periods and staff may have changed. */
	if (applied[0])
		change_all(&d->changes);
	notify_send("READY=1");
	daemon_status_notify(d);
}

static void
on_signal(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;

	if (signum == SIGHUP) {
		daemon_reload(d);
		return;
	}
	daemon_stop(d, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void
on_walk_close(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h)) {
		log_warn("closing a handle left open (type %s)",
		         uv_handle_type_name(uv_handle_get_type(h)));
		uv_close(h, NULL);
	}
}

/* Create the mailer ([mail]; a maildir in the state directory without
 * smtp_url) and start the scheduler on it. Fatal on failure: start-up. */
static void
daemon_mail_start(struct daemon *d)
{
	struct mailer_config mc = {0};
	char err[1024], password[1024] = "", maildir[PATH_MAX],
	                from[ADDR_MAX + 1];

	snprintf(maildir, sizeof(maildir), "%s/maildir", d->cfg.state_dir);
	/* The envelope sender is the bare address of From: (checked). */
	if (addr_mailbox_parse(d->cfg.mail_from, from, sizeof(from), err,
	                       sizeof(err)) < 0)
		fatal("[mail] from: %s", err);
	if (d->cfg.password_file[0] &&
	    secret_file_read_line(d->cfg.password_file, password,
	                          sizeof(password), err, sizeof(err)) < 0)
		fatal("[mail] password_file: %s", err);
	mc.smtp_url = d->cfg.smtp_url;
	mc.maildir = maildir;
	mc.from = from;
	mc.username = d->cfg.smtp_username[0] ? d->cfg.smtp_username : NULL;
	mc.password = password[0] ? password : NULL;
	mc.ca_file = d->cfg.ca_file[0] ? d->cfg.ca_file : NULL;
	mc.starttls_required = strcmp(d->cfg.starttls, "required") == 0;
	mc.max_connections = (unsigned)d->cfg.mail_max_connections;
	mc.rate_per_minute = (unsigned)d->cfg.rate_per_minute;
	mc.timeout_s = (long)d->cfg.mail_timeout;
	if (mailer_new(&d->loop, &mc, &d->mailer, err, sizeof(err)) < 0)
		fatal("%s", err);
	explicit_bzero(password, sizeof(password));
	/* Read once here and on SIGHUP, never per message. */
	if (message_templates_load(d->cfg.template_dir, err, sizeof(err)) < 0)
		fatal("[mail] template_dir: %s", err);
	if (schedule_start(&d->loop, d->store, &d->cfg, d->mailer, &d->sched,
	                   err, sizeof(err)) < 0)
		fatal("%s", err);
	if (change_listen(&d->changes, schedule_on_change, d->sched) < 0)
		fatal("too many listeners of the changes");
	d->api.schedule = d->sched;
}

/* A message the MTA delivered to the bounce maildir: taken in; left in
 * new/ for the next scan when the store could not record it. */
static int
on_bounce_message(const char *msg, size_t len, const char *name, void *arg)
{
	struct daemon *d = arg;
	struct office of = {d->store, &d->cfg, &d->changes};
	struct bounce_outcome out;
	char why[512];
	int rc;

	rc = address_bounce_take(&of, msg, len, "maildir", &out, why,
	                         sizeof(why));
	if (rc == -EINVAL)
		log_warn("bounce maildir: %s is not a mail message: %s", name,
		         why);
	return rc == -EIO || rc == -ENOMEM ? -EAGAIN : 0;
}

/* [bounces] maildir: watched while the daemon runs (checked at start). */
static void
daemon_bounces_start(struct daemon *d)
{
	char err[1024];

	if (!d->cfg.bounce_maildir[0])
		return;
	if (maildir_start(&d->loop, d->cfg.bounce_maildir, on_bounce_message, d,
	                  &d->bounces, err, sizeof(err)) < 0)
		fatal("[bounces] maildir: %s", err);
	log_info("bounces: reading what arrives in %s/new",
	         d->cfg.bounce_maildir);
}

/*
 * The command line and the configuration: -1 to start the daemon with
 * d->cfg read and checked, else the exit status (help, version, -t,
 * --print-config, or a usage or configuration error).
 */
static int
daemon_options(struct daemon *d, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"foreground", no_argument, NULL, 'f'},
	    {"debug", no_argument, NULL, 'd'},
	    {"test-config", no_argument, NULL, 't'},
	    {"print-config", no_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const char *config_path = NULL;
	int debug = 0, test_only = 0, print = 0, c;
	char err[1024];

	while ((c = getopt_long(argc, argv, "c:fdthV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'f':
			/* The daemon never forks: nothing to do. */
			break;
		case 'd':
			debug = 1;
			break;
		case 't':
			test_only = 1;
			break;
		case 'P':
			print = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("cronogramad %s\n", VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cronogramad: unexpected argument '%s'\n",
		        argv[optind]);
		return 2;
	}
	if (daemon_config_read(&d->cfg, config_path, err, sizeof(err)) < 0) {
		fprintf(stderr, "cronogramad: %s\n", err);
		config_fini(&d->cfg);
		return 1;
	}
	if (print) {
		config_print(&d->cfg, stdout);
		config_fini(&d->cfg);
		return 0;
	}
	if (test_only) {
		printf("cronogramad: configuration %s is valid\n",
		       d->cfg.path ? d->cfg.path : "(built-in defaults)");
		config_fini(&d->cfg);
		return 0;
	}
	log_level_set(debug ? LOG_LEVEL_DEBUG
	                    : log_level_from_name(d->cfg.log_level));
	return -1;
}

/* The state directory, the store and the unsubscribe key. */
static void
daemon_state_open(struct daemon *d)
{
	char err[1024], path[PATH_MAX + 32];
	int rc = mkdir_p(d->cfg.state_dir, 0750);

	if (rc < 0)
		fatal("state directory %s: %s", d->cfg.state_dir,
		      strerror(-rc));
	snprintf(path, sizeof(path), "%s/cronograma.db", d->cfg.state_dir);
	if (store_open(&d->store, path, err, sizeof(err)) < 0)
		fatal("%s", err);
	if (token_key_load(d->cfg.state_dir, err, sizeof(err)) < 0)
		fatal("unsubscribe key: %s", err);
	if (d->cfg.test_clock)
		log_warn("test_clock is on: the control API may set the "
		         "clock (never in production)");
	if (d->cfg.smtp_url[0])
		snprintf(d->mail_desc, sizeof(d->mail_desc), "%s",
		         d->cfg.smtp_url);
	else
		snprintf(d->mail_desc, sizeof(d->mail_desc),
		         "maildir:%s/maildir", d->cfg.state_dir);
}

/* Signals first: a TERM that arrives once the control socket answers
 * must find its handler, not kill the daemon with the socket left
 * behind. */
static void
daemon_signals_start(struct daemon *d)
{
	uv_signal_init(&d->loop, &d->sig_term);
	uv_signal_init(&d->loop, &d->sig_int);
	uv_signal_init(&d->loop, &d->sig_hup);
	d->sig_term.data = d->sig_int.data = d->sig_hup.data = d;
	uv_signal_start(&d->sig_term, on_signal, SIGTERM);
	uv_signal_start(&d->sig_int, on_signal, SIGINT);
	uv_signal_start(&d->sig_hup, on_signal, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
}

/* The control socket, answered by the API. */
static void
daemon_control_start(struct daemon *d)
{
	static const struct http_limits control_limits = {
	    .max_body = 64u << 20,
	    .max_connections = 64,
	    .max_per_ip = 0,
	    .timeout_s = 60,
	};
	char err[1024];

	d->api.store = d->store;
	d->api.cfg = &d->cfg;
	d->api.started_at = clock_now();
	d->api.mail_desc = d->mail_desc;
	d->api.changes = &d->changes;
	if (http_control_start(&d->loop, d->cfg.socket,
	                       d->cfg.socket_group[0] ? d->cfg.socket_group
	                                              : NULL,
	                       0660, &control_limits, api_handle, &d->api,
	                       &d->control, err, sizeof(err)) < 0)
		fatal("%s", err);
}

/* The public site, when [http] listen is set; it hears every change. */
static void
daemon_public_start(struct daemon *d)
{
	struct http_limits lim;
	char err[1024];

	if (!d->cfg.http_listen[0])
		return;
	if (public_site_new(&d->public, d->store, &d->cfg, &d->changes) < 0 ||
	    change_listen(&d->changes, public_on_change, d->public) < 0)
		fatal("out of memory");
	public_limits(&d->cfg, &lim);
	if (http_public_start(&d->loop, d->cfg.http_listen, &lim, public_handle,
	                      d->public, &d->public_srv, err, sizeof(err)) < 0)
		fatal("[http] listen: %s", err);
	log_info("public site on %s (port %d), links under %s",
	         d->cfg.http_listen, http_server_port(d->public_srv),
	         d->cfg.public_url);
}

/* systemd's STATUS= refresh and watchdog, from the loop. */
static void
daemon_timers_start(struct daemon *d)
{
	uv_timer_init(&d->loop, &d->status_timer);
	uv_timer_init(&d->loop, &d->watchdog_timer);
	d->status_timer.data = d->watchdog_timer.data = d;
	if (notify_enabled())
		uv_timer_start(&d->status_timer, on_status_timer,
		               NOTIFY_STATUS_MS, NOTIFY_STATUS_MS);
	if (notify_watchdog_usec() > 0) {
		uint64_t ms = notify_watchdog_usec() / 2000;

		uv_timer_start(&d->watchdog_timer, on_watchdog_timer, 0,
		               ms > 0 ? ms : 1);
	}
}

/* Stopped: close whatever is left, let the close callbacks run, free
 * everything. The exit status. */
static int
daemon_close(struct daemon *d)
{
	int rc;

	uv_close((uv_handle_t *)&d->sig_term, NULL);
	uv_close((uv_handle_t *)&d->sig_int, NULL);
	uv_close((uv_handle_t *)&d->sig_hup, NULL);
	uv_close((uv_handle_t *)&d->status_timer, NULL);
	uv_close((uv_handle_t *)&d->watchdog_timer, NULL);
	uv_walk(&d->loop, on_walk_close, NULL);
	uv_run(&d->loop, UV_RUN_DEFAULT);
	rc = uv_loop_close(&d->loop);
	if (rc != 0)
		log_err("uv_loop_close: %s", uv_strerror(rc));
	public_site_free(d->public);
	token_key_forget();
	store_close(d->store);
	message_cleanup();
	event_cleanup();
	config_fini(&d->cfg);
	log_info("stopped");
	return rc == 0 ? 0 : 1;
}

/* Wiring, in start order. */
int
main(int argc, char **argv)
{
	static struct daemon d;
	int rc;

	log_init("cronogramad", LOG_LEVEL_INFO);
	if (notify_init() < 0)
		log_warn("NOTIFY_SOCKET is not a socket path; systemd will not "
		         "hear from the daemon");
	if ((rc = daemon_options(&d, argc, argv)) >= 0)
		return rc;
	daemon_state_open(&d);
	if (uv_loop_init(&d.loop) < 0)
		fatal("libuv loop could not be initialised");
	daemon_signals_start(&d);
	daemon_control_start(&d);
	daemon_public_start(&d);
	daemon_mail_start(&d);
	daemon_bounces_start(&d);
	log_info("cronogramad %s started: state %s, control socket %s, mail "
	         "%s",
	         VERSION, d.cfg.state_dir, d.cfg.socket, d.mail_desc);
	/* The control socket and the public site answer from here on. */
	notify_send("READY=1");
	daemon_status_notify(&d);
	daemon_timers_start(&d);
	uv_run(&d.loop, UV_RUN_DEFAULT);
	return daemon_close(&d);
}
