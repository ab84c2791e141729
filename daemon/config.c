/* config: see config.h. */
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

enum config_type {
	CONFIG_STRING,
	CONFIG_BOOL,
	CONFIG_INT,
	CONFIG_DURATION,
	CONFIG_DURATIONS,
	CONFIG_TIME,
	CONFIG_ENUM,
};

/* What a key is, beside its value. */
#define CONFIG_RELOAD  1 /* SIGHUP applies it; others need a restart */
#define CONFIG_DERIVED 2 /* its default follows from others (see below) */

struct config_key {
	const char *section;
	const char *name;
	enum config_type type;
	int flags;
	size_t offset;
	const char *def;     /* default as text; NULL: computed (see below) */
	long long min, max;  /* INT, DURATION bounds */
	const char *choices; /* ENUM: "a|b|c" */
	const char *help;
};

#define OFF(field) offsetof(struct config, field)

/* The one table of keys. Defaults are text, parsed like the file's values,
 * so the table is also what --help and the docs print. */
static const struct config_key config_keys[] = {
    {"daemon", "state_dir", CONFIG_STRING, CONFIG_DERIVED, OFF(state_dir), NULL,
     0, 0, NULL,
     "directory for the database, the unsubscribe key and the maildir "
     "(default: $STATE_DIRECTORY under systemd, else /var/lib/cronograma "
     "for root, else $XDG_STATE_HOME/cronograma)"},
    {"daemon", "socket", CONFIG_STRING, CONFIG_DERIVED, OFF(socket), NULL, 0, 0,
     NULL,
     "control socket (default: $RUNTIME_DIRECTORY/control.sock under "
     "systemd, else /run/cronograma/control.sock for root, else "
     "$XDG_RUNTIME_DIR/cronograma/control.sock)"},
    {"daemon", "socket_group", CONFIG_STRING, 0, OFF(socket_group), "", 0, 0,
     NULL,
     "group that owns the control socket (mode 0660): its members run "
     "cronoctl; empty: the daemon's group"},
    {"daemon", "domain", CONFIG_STRING, 0, OFF(domain), "cronograma.local", 0,
     0, NULL, "domain of session UIDs (2018-07@DOMAIN) and Message-IDs"},
    {"daemon", "timezone", CONFIG_STRING, 0, OFF(timezone),
     "America/Mexico_City", 0, 0, NULL,
     "the office's time zone (a tzdata name)"},
    {"daemon", "log_level", CONFIG_ENUM, CONFIG_RELOAD, OFF(log_level), "info",
     0, 0, "error|warning|info|debug", "most verbose level logged"},
    {"daemon", "test_clock", CONFIG_BOOL, 0, OFF(test_clock), "no", 0, 0, NULL,
     "tests only: let the control API set the daemon's clock"},
    {"http", "listen", CONFIG_STRING, 0, OFF(http_listen), "127.0.0.1:8080", 0,
     0, NULL, "public HTTP address (feeds, page, unsubscribe); empty: off"},
    {"http", "public_url", CONFIG_STRING, 0, OFF(public_url),
     "http://127.0.0.1:8080", 0, 0, NULL,
     "the public site's URL as organisations reach it, for links"},
    {"http", "max_connections", CONFIG_INT, 0, OFF(http_max_connections), "256",
     1, 100000, NULL, "public HTTP connections at once"},
    {"http", "max_per_ip", CONFIG_INT, 0, OFF(http_max_per_ip), "16", 0, 100000,
     NULL,
     "public HTTP connections from one address (0: no limit); trusted "
     "proxies have no limit"},
    {"http", "timeout", CONFIG_DURATION, 0, OFF(http_timeout), "30s", 1, 3600,
     NULL, "idle HTTP connections are closed after this"},
    {"http", "request_timeout", CONFIG_DURATION, 0, OFF(http_request_timeout),
     "5s", 1, 300, NULL,
     "a request's headers and body must all arrive within this of its "
     "first byte"},
    {"http", "trusted_proxies", CONFIG_STRING, 0, OFF(http_trusted_proxies),
     "127.0.0.1 ::1", 0, 0, NULL,
     "reverse proxies (addresses or networks, like 10.0.0.0/8): no "
     "per-address limit, X-Forwarded-For names the client"},
    {"public", "signup", CONFIG_ENUM, 0, OFF(public_signup), "off", 0, 0,
     "open|approval|off",
     "organisations subscribe themselves from the page (double opt-in "
     "by email): open, approval (staff approve each one: cronoctl osc "
     "pending) or off (no form)"},
    {"mail", "smtp_url", CONFIG_STRING, 0, OFF(smtp_url), "", 0, 0, NULL,
     "smtp://host:587 or smtps://host:465; empty: write messages to "
     "STATE_DIR/maildir"},
    {"mail", "from", CONFIG_STRING, CONFIG_DERIVED, OFF(mail_from), "", 0, 0,
     NULL, "From: of every message (empty: cronograma@DOMAIN)"},
    {"mail", "username", CONFIG_STRING, 0, OFF(smtp_username), "", 0, 0, NULL,
     "SMTP AUTH user (empty: no AUTH)"},
    {"mail", "password_file", CONFIG_STRING, CONFIG_DERIVED, OFF(password_file),
     "", 0, 0, NULL,
     "file (mode 0600) holding the SMTP password (empty: systemd's "
     "credential smtp-password, if passed)"},
    {"mail", "ca_file", CONFIG_STRING, 0, OFF(ca_file), "", 0, 0, NULL,
     "CA bundle for the SMTP server's certificate (empty: the system's)"},
    {"mail", "starttls", CONFIG_ENUM, 0, OFF(starttls), "required", 0, 0,
     "required|off", "smtp://: require STARTTLS, or send in clear"},
    {"mail", "max_connections", CONFIG_INT, 0, OFF(mail_max_connections), "4",
     1, 64, NULL, "SMTP connections at once"},
    {"mail", "rate_per_minute", CONFIG_INT, 0, OFF(rate_per_minute), "0", 0,
     1000000, NULL, "messages per minute at most (0: no limit)"},
    {"mail", "retry_for", CONFIG_DURATION, CONFIG_RELOAD, OFF(retry_for), "2d",
     60, 30 * 86400, NULL,
     "a message that keeps failing is given up after this"},
    {"mail", "timeout", CONFIG_DURATION, 0, OFF(mail_timeout), "60s", 1, 3600,
     NULL, "time allowed for one message"},
    {"mail", "template_dir", CONFIG_STRING, CONFIG_RELOAD, OFF(template_dir),
     SYSCONFDIR "/cronograma/templates", 0, 0, NULL,
     "operator's mail templates; a file here replaces the built-in one"},
    {"reminders", "default", CONFIG_DURATIONS, CONFIG_RELOAD,
     OFF(remind_default), "7d 1d 2h", 60, 366 * 86400, NULL,
     "reminder offsets before each session (units d h m s)"},
    {"reminders", "allday_time", CONFIG_TIME, CONFIG_RELOAD, OFF(allday_min),
     "09:00", 0, 0, NULL,
     "all-day sessions are reminded at this time (office zone)"},
    {"reminders", "max_late", CONFIG_DURATION, CONFIG_RELOAD, OFF(max_late), "",
     0, 366 * 86400, NULL,
     "after downtime a reminder late by more than this is skipped "
     "(empty: half its offset)"},
    {"notices", "quiet", CONFIG_DURATION, CONFIG_RELOAD, OFF(notices_quiet),
     "10m", 0, 86400, NULL,
     "a change is announced after this long without edits"},
    {"staff", "emails", CONFIG_STRING, CONFIG_RELOAD, OFF(staff_emails), "", 0,
     0, NULL,
     "staff addresses (comma separated) for nudges and the weekly digest"},
    {"staff", "tbd_nudge", CONFIG_DURATION, CONFIG_RELOAD, OFF(tbd_nudge),
     "30d", 0, 366 * 86400, NULL,
     "nudge staff this long before an undecided session's window opens"},
    {"import", "timeout", CONFIG_DURATION, 0, OFF(import_timeout), "30s", 1,
     3600, NULL, "an import still being read after this is refused"},
    {"import", "max_memory", CONFIG_INT, 0, OFF(import_max_memory), "256", 16,
     65536, NULL,
     "MB an import may take while it is read; a larger one is refused"},
    {"office", "name", CONFIG_STRING, 0, OFF(office_name), "", 0, 0, NULL,
     "the office's name, in the page's header and footer, the feeds' "
     "description and the emails' signature (empty: none)"},
    {"office", "signature", CONFIG_STRING, 0, OFF(office_signature), "", 0, 0,
     NULL,
     "the emails' signature, lines separated by '|' (empty: the office's "
     "name)"},
    {"office", "email", CONFIG_STRING, 0, OFF(office_email), "", 0, 0, NULL,
     "contact address organisations may write to (empty: none shown)"},
    {"office", "phone", CONFIG_STRING, 0, OFF(office_phone), "", 0, 0, NULL,
     "contact telephone, like +52 55 3686 5100 ext. 4021 (empty: none)"},
    {"office", "address", CONFIG_STRING, 0, OFF(office_address), "", 0, 0, NULL,
     "postal address, lines separated by '|' (empty: none)"},
    {"office", "privacy_url", CONFIG_STRING, 0, OFF(office_privacy_url), "", 0,
     0, NULL,
     "the privacy notice (aviso de privacidad), an http(s) URL linked from "
     "the page's footer (empty: no link)"},
    {"office", "privacy_version", CONFIG_STRING, 0, OFF(office_privacy_version),
     "", 0, 0, NULL,
     "the privacy notice's version (its date, say), recorded with each "
     "organisation's consent (empty: none recorded)"},
    {"office", "logo_url", CONFIG_STRING, 0, OFF(office_logo_url), "", 0, 0,
     NULL, "an https URL of the office's logo for the page (empty: none)"},
    {"mail", "bounce_address", CONFIG_STRING, 0, OFF(bounce_address), "", 0, 0,
     NULL,
     "envelope sender for what bounces: each message goes out from "
     "LOCAL+TOKEN@DOMAIN, TOKEN naming the message (empty: the From "
     "address)"},
    {"bounces", "maildir", CONFIG_STRING, 0, OFF(bounce_maildir), "", 0, 0,
     NULL,
     "maildir (new/, cur/) where the MTA delivers mail to bounce_address; "
     "the daemon reads each message and moves it to cur/ (empty: only "
     "cronoctl bounce)"},
    {"bounces", "transient_limit", CONFIG_INT, CONFIG_RELOAD,
     OFF(bounce_transient_limit), "3", 0, 1000, NULL,
     "temporary failures (4.x.x) within transient_window that stop mail to "
     "an address (0: never); a permanent one (5.x.x) stops it at once"},
    {"bounces", "transient_window", CONFIG_DURATION, CONFIG_RELOAD,
     OFF(bounce_transient_window), "7d", 3600, 366 * 86400, NULL,
     "the span in which transient_limit temporary failures are counted"},
};

#define NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))
_Static_assert(NKEYS <= CONFIG_KEYS_MAX, "raise CONFIG_KEYS_MAX");

static const char *
config_type_name(enum config_type t)
{
	switch (t) {
	case CONFIG_STRING:
		return "string";
	case CONFIG_BOOL:
		return "yes|no";
	case CONFIG_INT:
		return "integer";
	case CONFIG_DURATION:
		return "duration";
	case CONFIG_DURATIONS:
		return "durations";
	case CONFIG_TIME:
		return "HH:MM";
	case CONFIG_ENUM:
		return "choice";
	}
	return "?";
}

int
config_duration_parse(const char *s, int64_t *out)
{
	int64_t total = 0;
	int any = 0;

	while (*s == ' ')
		s++;
	if (*s == '\0')
		return -EINVAL;
	while (*s && *s != ' ' && *s != ',') {
		char *end;
		long long v;
		int64_t unit;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno || end == s)
			return -EINVAL;
		switch (*end) {
		case 'd':
			unit = 86400;
			break;
		case 'h':
			unit = 3600;
			break;
		case 'm':
			unit = 60;
			break;
		case 's':
			unit = 1;
			break;
		default:
			return -EINVAL;
		}
		if (v > INT64_MAX / unit / 2 || total > INT64_MAX / 2)
			return -EINVAL;
		total += v * unit;
		any = 1;
		s = end + 1;
	}
	while (*s == ' ')
		s++;
	if (!any || *s != '\0')
		return -EINVAL;
	*out = total;
	return 0;
}

static int
cmp_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

int
config_durations_parse(const char *s, int64_t *out, size_t max, size_t *n)
{
	char buf[512], *tok, *save = NULL;
	size_t k = 0, i, j;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	for (tok = strtok_r(buf, " ,\t", &save); tok;
	     tok = strtok_r(NULL, " ,\t", &save)) {
		int64_t v;

		if (k == max || config_duration_parse(tok, &v) < 0)
			return -EINVAL;
		out[k++] = v;
	}
	qsort(out, k, sizeof(out[0]), cmp_desc);
	for (i = 0, j = 0; i < k; i++)
		if (j == 0 || out[j - 1] != out[i])
			out[j++] = out[i];
	*n = j;
	return 0;
}

char *
config_duration_format(int64_t s, char *buf, size_t buflen)
{
	static const struct {
		int64_t secs;
		char unit;
	} units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
	size_t len = 0, i;

	buf[0] = '\0';
	if (s == 0) {
		snprintf(buf, buflen, "0s");
		return buf;
	}
	for (i = 0; i < 4 && len < buflen; i++) {
		if (s >= units[i].secs) {
			int w = snprintf(buf + len, buflen - len, "%lld%c",
			                 (long long)(s / units[i].secs),
			                 units[i].unit);
			if (w < 0)
				break;
			len += (size_t)w;
			s %= units[i].secs;
		}
	}
	return buf;
}

static int
config_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Store value into the key's field; messages do not name the key (the
 * caller adds file, line and key). */
static int
config_key_apply(struct config *c, const struct config_key *k,
                 const char *value, char *err, size_t errlen)
{
	char *field = (char *)c + k->offset;

	switch (k->type) {
	case CONFIG_STRING: {
		char *copy = strdup(value);

		if (!copy)
			return config_errf(err, errlen, "out of memory");
		if (strchr(value, '\n') || strchr(value, '\r')) {
			free(copy);
			return config_errf(err, errlen, "line break in value");
		}
		free(*(char **)field);
		*(char **)field = copy;
		return 0;
	}
	case CONFIG_ENUM: {
		const char *p = k->choices;
		size_t vl = strlen(value);

		while (p && *p) {
			const char *bar = strchr(p, '|');
			size_t len = bar ? (size_t)(bar - p) : strlen(p);

			if (len == vl && strncmp(p, value, len) == 0) {
				char *copy = strdup(value);

				if (!copy)
					return config_errf(err, errlen,
					                   "out of memory");
				free(*(char **)field);
				*(char **)field = copy;
				return 0;
			}
			p = bar ? bar + 1 : NULL;
		}
		return config_errf(err, errlen, "'%s' is not one of %s", value,
		                   k->choices);
	}
	case CONFIG_BOOL:
		if (!strcasecmp(value, "yes") || !strcasecmp(value, "true") ||
		    !strcmp(value, "1") || !strcasecmp(value, "on"))
			*(int *)field = 1;
		else if (!strcasecmp(value, "no") ||
		         !strcasecmp(value, "false") || !strcmp(value, "0") ||
		         !strcasecmp(value, "off"))
			*(int *)field = 0;
		else
			return config_errf(err, errlen, "'%s' is not yes or no",
			                   value);
		return 0;
	case CONFIG_INT: {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(value, &end, 10);
		if (errno || end == value || *end != '\0')
			return config_errf(err, errlen,
			                   "'%s' is not an integer", value);
		if (v < k->min || v > k->max)
			return config_errf(err, errlen,
			                   "%lld is out of range %lld..%lld", v,
			                   k->min, k->max);
		*(int *)field = (int)v;
		return 0;
	}
	case CONFIG_DURATION: {
		int64_t v;

		if (value[0] == '\0' && k->offset == OFF(max_late)) {
			*(int64_t *)field = -1;
			return 0;
		}
		if (config_duration_parse(value, &v) < 0)
			return config_errf(err, errlen,
			                   "'%s' is not a duration (like 7d, "
			                   "2h, 30m, 45s)",
			                   value);
		if (v < k->min || v > k->max)
			return config_errf(err, errlen,
			                   "'%s' is out of range %llds..%llds",
			                   value, k->min, k->max);
		*(int64_t *)field = v;
		return 0;
	}
	case CONFIG_DURATIONS: {
		int64_t v[16];
		size_t n, i;

		if (config_durations_parse(value, v, 16, &n) < 0 || n == 0)
			return config_errf(err, errlen,
			                   "'%s' is not a list of durations "
			                   "(like 7d 1d 2h)",
			                   value);
		for (i = 0; i < n; i++)
			if (v[i] < k->min || v[i] > k->max)
				return config_errf(err, errlen,
				                   "'%s': each offset must be "
				                   "%llds..%llds",
				                   value, k->min, k->max);
		memcpy(c->remind_default, v, n * sizeof(v[0]));
		c->nremind_default = n;
		return 0;
	}
	case CONFIG_TIME: {
		int h, m;
		char extra;

		if (sscanf(value, "%d:%d%c", &h, &m, &extra) != 2 || h < 0 ||
		    h > 23 || m < 0 || m > 59)
			return config_errf(err, errlen,
			                   "'%s' is not a time HH:MM", value);
		*(int *)field = h * 60 + m;
		return 0;
	}
	}
	return config_errf(err, errlen, "bad key type");
}

static const struct config_key *config_key_find(const char *section,
                                                const char *name);

int
config_key_fail(const struct config *c, const char *section, const char *key,
                char *err, size_t errlen, const char *fmt, ...)
{
	const struct config_key *k = config_key_find(section, key);
	char why[512];
	va_list ap;
	int line;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	line = k ? c->line[k - config_keys] : 0;
	if (line > 0 && c->path)
		snprintf(err, errlen, "%s:%d: [%s] %s: %s", c->path, line,
		         section, key, why);
	else
		snprintf(err, errlen, "[%s] %s: %s", section, key, why);
	return -EINVAL;
}

static const struct config_key *
config_key_find(const char *section, const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (!strcmp(config_keys[i].section, section) &&
		    !strcmp(config_keys[i].name, name))
			return &config_keys[i];
	return NULL;
}

int
config_set(struct config *c, const char *section, const char *key,
           const char *value, char *err, size_t errlen)
{
	const struct config_key *k = config_key_find(section, key);
	char why[256];

	if (!k)
		return config_errf(err, errlen, "[%s] %s: unknown key", section,
		                   key);
	if (config_key_apply(c, k, value, why, sizeof(why)) < 0)
		return config_errf(err, errlen, "[%s] %s: %s", section, key,
		                   why);
	return 0;
}

/*
 * out = the first directory of the colon-separated list in environment
 * variable var (systemd may pass several), if it is absolute. 1 if set.
 */
static int
config_env_dir(const char *var, char *out, size_t outlen)
{
	const char *v = getenv(var);

	if (!v || v[0] != '/')
		return 0;
	snprintf(out, outlen, "%.*s", (int)strcspn(v, ":"), v);
	return 1;
}

/* out = $xdg_var/cronograma, else HOME/fallback/cronograma (fallback
 * relative to the home directory). -ENOENT without a home. */
static int
config_xdg_dir(const char *xdg_var, const char *fallback, char *out,
               size_t outlen)
{
	const char *base = getenv(xdg_var), *home;

	if (base && base[0] == '/') {
		snprintf(out, outlen, "%s/cronograma", base);
		return 0;
	}
	home = getenv("HOME");
	if (!home || home[0] != '/') {
		struct passwd *pw = getpwuid(getuid());

		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || home[0] != '/')
		return -ENOENT;
	snprintf(out, outlen, "%s/%s/cronograma", home, fallback);
	return 0;
}

int
config_defaults(struct config *c, char *err, size_t errlen)
{
	char state[PATH_MAX], run[PATH_MAX], sock[PATH_MAX + 32];
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NKEYS; i++) {
		const struct config_key *k = &config_keys[i];

		if (!k->def)
			continue;
		if (config_key_apply(c, k, k->def, err, errlen) < 0)
			return -EINVAL;
	}
	if (config_env_dir("STATE_DIRECTORY", state, sizeof(state)))
		;
	else if (getuid() == 0)
		snprintf(state, sizeof(state), "/var/lib/cronograma");
	else if (config_xdg_dir("XDG_STATE_HOME", ".local/state", state,
	                        sizeof(state)) < 0)
		return config_errf(err, errlen,
		                   "[daemon] state_dir: no home directory to "
		                   "put it in; set it in the file");
	if (config_env_dir("RUNTIME_DIRECTORY", run, sizeof(run)))
		;
	else if (getuid() == 0)
		snprintf(run, sizeof(run), "/run/cronograma");
	else if (getenv("XDG_RUNTIME_DIR") &&
	         getenv("XDG_RUNTIME_DIR")[0] == '/')
		config_xdg_dir("XDG_RUNTIME_DIR", "", run, sizeof(run));
	else
		snprintf(run, sizeof(run), "/run/user/%u/cronograma",
		         (unsigned)getuid());
	snprintf(sock, sizeof(sock), "%s/control.sock", run);
	if (config_set(c, "daemon", "state_dir", state, err, errlen) < 0 ||
	    config_set(c, "daemon", "socket", sock, err, errlen) < 0)
		return -EINVAL;
	return 0;
}

void
config_derive(struct config *c)
{
	char buf[PATH_MAX + 64], err[256];
	const char *creds = getenv("CREDENTIALS_DIRECTORY");

	if (!c->mail_from[0]) {
		snprintf(buf, sizeof(buf), "cronograma@%s", c->domain);
		config_set(c, "mail", "from", buf, err, sizeof(err));
	}
	if (!c->password_file[0] && creds && creds[0] == '/') {
		snprintf(buf, sizeof(buf), "%s/%s", creds,
		         CONFIG_CREDENTIAL_PASSWORD);
		if (access(buf, F_OK) == 0)
			config_set(c, "mail", "password_file", buf, err,
			           sizeof(err));
	}
}

struct config_parse {
	struct config *c;
	const char *path;
	char *err;
	size_t errlen;
	int failed;
	FILE *f;
	int lineno;
};

/* inih reads one line per call: counting calls gives the line number its
 * handler is about (Debian's inih is built without INI_HANDLER_LINENO). */
static char *
config_ini_reader(char *str, int num, void *stream)
{
	struct config_parse *p = stream;
	char *line = fgets(str, num, p->f);

	if (line)
		p->lineno++;
	return line;
}

static int
config_ini_cb(void *user, const char *section, const char *name,
              const char *value)
{
	struct config_parse *p = user;
	int lineno = p->lineno;
	char why[300];

	if (p->failed)
		return 0;
	if (!name) /* a section header alone */
		return 1;
	if (config_set(p->c, section, name, value, why, sizeof(why)) < 0) {
		snprintf(p->err, p->errlen, "%s:%d: %s", p->path, lineno, why);
		p->failed = 1;
		return 0;
	}
	p->c->line[config_key_find(section, name) - config_keys] = lineno;
	return 1;
}

int
config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	struct config_parse p = {c, path, err, errlen, 0, NULL, 0};
	FILE *f = fopen(path, "r");
	struct stat st;
	int rc;

	if (!f) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return e == ENOENT ? -ENOENT : -EINVAL;
	}
	/* A directory opens and reads as an empty file: refuse it, or a
	 * SIGHUP would quietly apply the built-in defaults. */
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		fclose(f);
		return -EINVAL;
	}
	free(c->path);
	if ((c->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		fclose(f);
		return -EINVAL;
	}
	p.f = f;
	rc = ini_parse_stream(config_ini_reader, &p, config_ini_cb, &p);
	fclose(f);
	if (p.failed)
		return -EINVAL;
	if (rc > 0) {
		snprintf(err, errlen, "%s:%d: not an INI line", path, rc);
		return -EINVAL;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot be read", path);
		return -EINVAL;
	}
	return 0;
}

void
config_fini(struct config *c)
{
	size_t i;

	free(c->path);
	c->path = NULL;
	for (i = 0; i < NKEYS; i++) {
		const struct config_key *k = &config_keys[i];

		if (k->type == CONFIG_STRING || k->type == CONFIG_ENUM) {
			char **field = (char **)((char *)c + k->offset);

			free(*field);
			*field = NULL;
		}
	}
}

void
config_keys_print(FILE *out)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const struct config_key *k = &config_keys[i];

		fprintf(out, "  [%s] %s (%s, default %s%s%s): %s\n", k->section,
		        k->name,
		        k->type == CONFIG_ENUM ? k->choices
		                               : config_type_name(k->type),
		        k->def ? "\"" : "", k->def ? k->def : "see below",
		        k->def ? "\"" : "", k->help);
	}
}

/* The key's current value as text, as the file would say it. */
static void
config_key_format(const struct config *c, const struct config_key *k, char *buf,
                  size_t buflen)
{
	const char *field = (const char *)c + k->offset;
	size_t i, len = 0;

	buf[0] = '\0';
	switch (k->type) {
	case CONFIG_STRING:
	case CONFIG_ENUM:
		snprintf(buf, buflen, "%s",
		         *(char *const *)field ? *(char *const *)field : "");
		break;
	case CONFIG_BOOL:
		snprintf(buf, buflen, "%s", *(const int *)field ? "yes" : "no");
		break;
	case CONFIG_INT:
		snprintf(buf, buflen, "%d", *(const int *)field);
		break;
	case CONFIG_DURATION:
		if (*(const int64_t *)field < 0)
			buf[0] = '\0';
		else
			config_duration_format(*(const int64_t *)field, buf,
			                       buflen);
		break;
	case CONFIG_DURATIONS:
		for (i = 0; i < c->nremind_default && len + 1 < buflen; i++) {
			char one[32];

			config_duration_format(c->remind_default[i], one,
			                       sizeof(one));
			len += (size_t)snprintf(buf + len, buflen - len, "%s%s",
			                        i ? " " : "", one);
		}
		break;
	case CONFIG_TIME:
		snprintf(buf, buflen, "%02d:%02d", *(const int *)field / 60,
		         *(const int *)field % 60);
		break;
	}
}

void
config_reloadable_print(FILE *out)
{
	size_t i, n = 0;

	for (i = 0; i < NKEYS; i++)
		if (config_keys[i].flags & CONFIG_RELOAD)
			fprintf(out, "%s[%s] %s", n++ ? ", " : "",
			        config_keys[i].section, config_keys[i].name);
}

int
config_reload(struct config *running, const struct config *fresh, char *applied,
              size_t alen, char *ignored, size_t ilen)
{
	size_t i, al = 0, il = 0;

	applied[0] = ignored[0] = '\0';
	for (i = 0; i < NKEYS; i++) {
		const struct config_key *k = &config_keys[i];
		char now[1024], next[1024], err[256];

		config_key_format(running, k, now, sizeof(now));
		config_key_format(fresh, k, next, sizeof(next));
		if (!strcmp(now, next))
			continue;
		if (!(k->flags & CONFIG_RELOAD)) {
			il += (size_t)snprintf(
			    ignored + il, il < ilen ? ilen - il : 0,
			    "%s[%s] %s", il ? ", " : "", k->section, k->name);
			continue;
		}
		/* The fresh value parsed once already: it parses again. */
		if (config_key_apply(running, k, next, err, sizeof(err)) < 0)
			return -EINVAL;
		al += (size_t)snprintf(applied + al, al < alen ? alen - al : 0,
		                       "%s[%s] %s", al ? ", " : "", k->section,
		                       k->name);
	}
	return 0;
}

void
config_print(const struct config *c, FILE *out)
{
	const char *section = "";
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const struct config_key *k = &config_keys[i];
		char value[1024];

		if (strcmp(section, k->section)) {
			fprintf(out, "%s[%s]\n", i ? "\n" : "", k->section);
			section = k->section;
		}
		config_key_format(c, k, value, sizeof(value));
		fprintf(out, "%s = %s\n", k->name, value);
	}
}
