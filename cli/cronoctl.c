/* cronoctl: arguments, the command table, --help and main().
 *
 * Every command is one row of commands[] below: its name, usage, summary,
 * options and handler. `cronoctl --help` and `cronoctl COMMAND --help` are
 * printed from that table; the man page (contrib/man/cronoctl.1) and the
 * bash completion (contrib/cronoctl.bash-completion) follow it by hand. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curl/curl.h>

#include "cronoctl.h"

#ifndef VERSION
#define VERSION "0.0.0"
#endif

static const struct cli_opt opts_none[] = {{NULL, NULL, NULL}};

static const struct cli_opt opts_delete[] = {
    {"force", NULL, "delete even if organisations heard of it"},
    {NULL, NULL, NULL},
};

static const struct cli_opt opts_dry_run[] = {
    {"dry-run", NULL, "check and report, change nothing"},
    {NULL, NULL, NULL},
};

static const struct cli_opt opts_import[] = {
    {"year", "Y", "the year of dates that name none (default: this year)"},
    {"dry-run", NULL, "check and report, change nothing"},
    {"topics", "TEMAS.tsv",
     "topics to import first (default: temas-*.tsv or temas.tsv next to "
     "FILE)"},
    {NULL, NULL, NULL},
};

static const struct cli_opt opts_events[] = {
    {"topic", "SLUG", "only sessions of this topic"},
    {"tbd", NULL, "only sessions whose date is still undecided"},
    {"from", "DATE", "only sessions on or after DATE (YYYY-MM-DD)"},
    {"to", "DATE", "only sessions on or before DATE (YYYY-MM-DD)"},
    {"cancelled", NULL, "include cancelled sessions"},
    {NULL, NULL, NULL},
};

static const struct cli_opt opts_show[] = {
    {"ical", NULL, "also print the session's VEVENT"},
    {NULL, NULL, NULL},
};

/* add and edit take the same fields. */
static const struct cli_opt opts_event_fields[] = {
    {"title", "T", "the session's title"},
    {"date", "EXPR", "a Spanish date expression (\"8 de febrero\")"},
    {"start", "ISO", "start date or date and time (2018-02-08T10:00)"},
    {"end", "ISO", "end date or date and time (with --start)"},
    {"tz", "TZID", "time zone (default America/Mexico_City)"},
    {"location", "L", "where it takes place"},
    {"description", "D", "a longer description"},
    {"topics", "SLUG,…", "the session's topics"},
    {"remind", "OFFSETS", "reminder offsets, e.g. 3d,1h (\"\" = defaults)"},
    {NULL, NULL, NULL},
};

static const struct cli_opt opts_export[] = {
    {"topic", "SLUG", "only sessions of this topic"},
    {NULL, NULL, NULL},
};

static const struct cli_opt opts_log[] = {
    {"event", "EVENT", "only entries about this session"},
    {"limit", "N", "at most N entries (newest first)"},
    {NULL, NULL, NULL},
};

static const struct cli_opt opts_osc_add[] = {
    {"name", "NAME", "the organisation's name"},
    {"email", "ADDR[,ADDR…]", "where its reminders go"},
    {"contact", "PERSON", "a contact person"},
    {"state", "ESTADO", "the Mexican state it is based in"},
    {"topics", "SLUG,…", "topics it follows"},
    {NULL, NULL, NULL},
};

static const struct cli_opt opts_osc_list[] = {
    {"topic", "SLUG", "only organisations that follow this topic"},
    {NULL, NULL, NULL},
};

static const struct cli_opt opts_osc_token[] = {
    {"reset", NULL, "issue a new token (the old feed URL stops working)"},
    {NULL, NULL, NULL},
};

static const struct cli_opt opts_outbox[] = {
    {"state", "S", "pending, sending, sent, failed or expired"},
    {"event", "EVENT", "only messages about this session"},
    {"limit", "N", "at most N messages"},
    {NULL, NULL, NULL},
};

static const struct cli_opt opts_outbox_retry[] = {
    {"failed", NULL, "retry every failed message"},
    {NULL, NULL, NULL},
};

static const struct cli_opt opts_upcoming[] = {
    {"days", "N", "look N days ahead (default 7)"},
    {NULL, NULL, NULL},
};

static const struct cli_opt opts_reschedule[] = {
    {"dry-run", NULL, "show what would change and who would be told"},
    {"now", NULL, "send the notices at once"},
    {"silent", NULL, "tell nobody (reminders still follow the new date)"},
    {NULL, NULL, NULL},
};

static const struct cli_opt opts_cancel[] = {
    {"reason", "TEXT", "why, told to the organisations"},
    {"now", NULL, "send the notices at once"},
    {"silent", NULL, "tell nobody"},
    {NULL, NULL, NULL},
};

static const struct cli_opt opts_clock[] = {
    {"set", "ISO", "set the daemon's clock (2018-02-01T00:00:00Z)"},
    {"advance", "SECONDS", "move the daemon's clock forward"},
    {NULL, NULL, NULL},
};

/* The commands, in the order --help lists them, each with the API routes
 * it uses (shown by COMMAND --help; schemas/control-api.yaml has them). */
static const struct cli_command commands[] = {
    {"status", "", "the daemon's version, uptime, socket, state and counts",
     opts_none, 0, 0, cmd_status, "GET /v1/status"},
    {"topics", "", "list the topics and how many sessions each has", opts_none,
     0, 0, cmd_topics, "GET /v1/topics"},
    {"topics import", "FILE.tsv [--dry-run]",
     "import topics (code, slug, nombre[, objetivo, title])", opts_dry_run, 1,
     1, cmd_topics_import, "POST /v1/topics/import"},
    {"topics remind", "SLUG OFFSETS|default",
     "set a topic's own reminder offsets (3d,1h), or back to the defaults",
     opts_none, 2, 2, cmd_topics_remind, "PATCH /v1/topics/{id}"},
    {"import", "FILE [--year Y] [--dry-run] [--topics TEMAS.tsv]",
     "import a programme (TSV or .ics), all or nothing", opts_import, 1, 1,
     cmd_import, "POST /v1/import"},
    {"events", "[--topic SLUG] [--tbd] [--from DATE] [--to DATE] [--cancelled]",
     "list sessions", opts_events, 0, 0, cmd_events, "GET /v1/events"},
    {"show", "EVENT [--ical]", "show every field of a session", opts_show, 1, 1,
     cmd_show, "GET /v1/events/{id}"},
    {"add",
     "--title T (--date EXPR | --start ISO [--end ISO]) [--tz TZID] "
     "[--location L] [--description D] [--topics SLUG,…] [--remind "
     "OFFSETS]",
     "add a session; prints its id", opts_event_fields, 0, 0, cmd_add,
     "POST /v1/events"},
    {"edit",
     "EVENT [--title T] [--date EXPR | --start ISO [--end ISO]] [--tz "
     "TZID] [--location L] [--description D] [--topics SLUG,…] [--remind "
     "OFFSETS]",
     "change fields of a session", opts_event_fields, 1, 1, cmd_edit,
     "PATCH /v1/events/{id}"},
    {"delete", "EVENT [--force]", "delete a session", opts_delete, 1, 1,
     cmd_delete, "DELETE /v1/events/{id}"},
    {"export", "[--topic SLUG]", "write the programme as iCalendar",
     opts_export, 0, 0, cmd_export, "GET /v1/export"},
    {"log", "[--event EVENT] [--limit N]", "show the audit log", opts_log, 0, 0,
     cmd_log, "GET /v1/log"},
    {"osc add",
     "--name NAME --email ADDR[,ADDR…] [--contact PERSON] [--state "
     "ESTADO] [--topics SLUG,…]",
     "register an organisation; prints its id", opts_osc_add, 0, 0, cmd_osc_add,
     "POST /v1/oscs"},
    {"osc import", "FILE.csv [--dry-run]",
     "import organisations (name,email,contact,state,topics)", opts_dry_run, 1,
     1, cmd_osc_import, "POST /v1/oscs/import"},
    {"osc list", "[--topic SLUG]", "list organisations", opts_osc_list, 0, 0,
     cmd_osc_list, "GET /v1/oscs"},
    {"osc show", "OSC", "show an organisation", opts_none, 1, 1, cmd_osc_show,
     "GET /v1/oscs/{id}"},
    {"osc remove", "OSC", "remove an organisation", opts_none, 1, 1,
     cmd_osc_remove, "DELETE /v1/oscs/{id}"},
    {"osc token", "OSC [--reset]",
     "show (or reset) an organisation's private feed", opts_osc_token, 1, 1,
     cmd_osc_token, "GET /v1/oscs/{id}/token, POST /v1/oscs/{id}/token"},
    {"subscribe", "OSC SLUG…", "subscribe an organisation to topics", opts_none,
     2, -1, cmd_subscribe, "POST /v1/oscs/{id}/subscribe"},
    {"unsubscribe", "OSC SLUG…", "unsubscribe an organisation from topics",
     opts_none, 2, -1, cmd_unsubscribe, "POST /v1/oscs/{id}/unsubscribe"},
    {"outbox", "[--state S] [--event EVENT] [--limit N]",
     "list messages to send, sent and failed", opts_outbox, 0, 0, cmd_outbox,
     "GET /v1/outbox"},
    {"outbox retry", "ID | --failed",
     "send a failed message again (or all of them)", opts_outbox_retry, 0, 1,
     cmd_outbox_retry, "POST /v1/outbox/retry"},
    {"upcoming", "[--days N]", "reminders due in the next days", opts_upcoming,
     0, 0, cmd_upcoming, "GET /v1/upcoming"},
    {"tbd", "", "undecided sessions, by window", opts_none, 0, 0, cmd_tbd,
     "GET /v1/tbd"},
    {"reschedule", "EVENT WHEN [--dry-run] [--now] [--silent]",
     "fix or move a session's date and tell its subscribers", opts_reschedule,
     2, -1, cmd_reschedule, "POST /v1/events/{id}/reschedule"},
    {"cancel", "EVENT [--reason TEXT] [--now] [--silent]",
     "cancel a session and tell its subscribers", opts_cancel, 1, 1, cmd_cancel,
     "POST /v1/events/{id}/cancel"},
    {"clock", "[--set ISO | --advance SECONDS]",
     "show or move the daemon's test clock", opts_clock, 0, 0, cmd_clock,
     "POST /v1/clock, GET /v1/status"},
};

#define NCOMMANDS (int)(sizeof(commands) / sizeof(commands[0]))

static const struct cli_opt global_opts[] = {
    {"socket", "PATH", "the control socket (default: see ENVIRONMENT)"},
    {"json", NULL, "print the API's JSON instead of tables"},
    {"wide", NULL, "do not cut long titles to fit 100 columns"},
    {"help", NULL, "this help, or a command's with COMMAND --help"},
    {"version", NULL, "print cronoctl's version"},
    {NULL, NULL, NULL},
};

void
cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("cronoctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cli_usage_error(const struct cli_args *a, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_error("%s: %s (see 'cronoctl %s --help')", a->cmd->name, msg,
	          a->cmd->name);
	return CLI_EUSAGE;
}

static int
opt_index(const struct cli_opt *opts, const char *name, size_t len)
{
	for (int i = 0; opts[i].name; i++)
		if (strlen(opts[i].name) == len &&
		    strncmp(opts[i].name, name, len) == 0)
			return i;
	return -1;
}

const char *
cli_opt_get(const struct cli_args *a, const char *name)
{
	int i = opt_index(a->cmd->opts, name, strlen(name));

	return i < 0 ? NULL : a->val[i];
}

int
cli_opt_has(const struct cli_args *a, const char *name)
{
	return cli_opt_get(a, name) != NULL;
}

int
cli_opt_long(const struct cli_args *a, const char *name, long min, long max,
             long *out)
{
	const char *v = cli_opt_get(a, name);
	char *end;
	long n;

	if (!v)
		return CLI_OK;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max)
		return cli_usage_error(a, "--%s wants a number from %ld to %ld",
		                       name, min, max);
	*out = n;
	return CLI_OK;
}

int
cli_file_read(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f) {
		cli_error("cannot read %s: %s", path, strerror(errno));
		return CLI_EUSAGE;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nbuf = realloc(buf, ncap);

			if (!nbuf) {
				free(buf);
				fclose(f);
				cli_error("cannot read %s: out of memory",
				          path);
				return CLI_EUSAGE;
			}
			buf = nbuf;
			cap = ncap;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		cli_error("cannot read %s: %s", path, strerror(errno));
		free(buf);
		fclose(f);
		return CLI_EUSAGE;
	}
	fclose(f);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return CLI_OK;
}

json_t *
cli_list_split(const char *s)
{
	json_t *arr = json_array();
	const char *p = s;

	while (arr && *p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *q = p;

		while (len && (*q == ' ' || *q == '\t')) {
			q++;
			len--;
		}
		while (len && (q[len - 1] == ' ' || q[len - 1] == '\t'))
			len--;
		if (len)
			json_array_append_new(arr, json_stringn(q, len));
		p = end ? end + 1 : p + strlen(p);
	}
	return arr;
}

json_t *
cli_text_json(const char *path, const char *text, size_t len)
{
	json_t *s;

	/* Spreadsheets like to start their exports with a BOM. */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	}
	s = json_stringn(text, len);
	if (!s)
		cli_error("%s is not UTF-8 text", path);
	return s;
}

int
cli_answer(const struct cli *cli, const struct cli_args *a, json_t *doc,
           cli_human_fn human)
{
	int rc = CLI_OK;

	if (cli->json)
		format_json_print(doc);
	else
		rc = human(doc, cli, a);
	json_decref(doc);
	return rc;
}

int
cli_width(const struct cli *cli)
{
	return cli->wide ? 0 : FORMAT_WIDTH;
}

const char *
cli_jstr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

long long
cli_jint(json_t *obj, const char *key)
{
	return (long long)json_integer_value(json_object_get(obj, key));
}

static void
opts_print(FILE *f, const struct cli_opt *opts)
{
	char left[64];

	for (int i = 0; opts[i].name; i++) {
		snprintf(left, sizeof(left), "--%s%s%s", opts[i].name,
		         opts[i].arg ? " " : "",
		         opts[i].arg ? opts[i].arg : "");
		/* Pad by code points: "SLUG,…" is wider in bytes. */
		fprintf(f, "  %s", left);
		for (size_t w = table_utf8_width(left); w < 24; w++)
			fputc(' ', f);
		fprintf(f, " %s\n", opts[i].help);
	}
}

static void
help_print(void)
{
	int width = 0;

	for (int i = 0; i < NCOMMANDS; i++) {
		int w = (int)strlen(commands[i].name);
		if (w > width)
			width = w;
	}
	printf("usage: cronoctl [--socket PATH] [--json] [--wide] COMMAND "
	       "[ARGS]\n\n"
	       "Manage cronogramad's programme of sessions, the organisations "
	       "that follow\nits topics, and the reminders sent to them.\n\n"
	       "Commands:\n");
	for (int i = 0; i < NCOMMANDS; i++)
		printf("  %-*s  %s\n", width, commands[i].name,
		       commands[i].summary);
	printf("\nGlobal options (before or after the command):\n");
	opts_print(stdout, global_opts);
	printf("\nEVENT is a session's id (2018-08) or UID; OSC is an "
	       "organisation's number,\nexact name or address. Run "
	       "'cronoctl COMMAND --help' for a command's options.\n");
}

static void
command_help_print(const struct cli_command *c)
{
	/* Summaries are written for the command list, in lower case. */
	printf("usage: cronoctl %s%s%s\n\n%c%s.\n", c->name,
	       c->usage[0] ? " " : "", c->usage,
	       c->summary[0] >= 'a' && c->summary[0] <= 'z'
	           ? c->summary[0] - 'a' + 'A'
	           : c->summary[0],
	       c->summary + 1);
	if (c->opts[0].name) {
		printf("\nOptions:\n");
		opts_print(stdout, c->opts);
	}
	printf("\nAPI: %s\n", c->route);
	printf("\nGlobal options: --socket PATH, --json, --wide, --help, "
	       "--version.\n");
}

/* The usage lines of a group's commands ("osc add", "osc list", …). */
static void
group_help_print(const char *word)
{
	size_t len = strlen(word);

	for (int i = 0; i < NCOMMANDS; i++) {
		const struct cli_command *c = &commands[i];

		if (strncmp(c->name, word, len) == 0 && c->name[len] == ' ')
			printf("usage: cronoctl %s%s%s\n", c->name,
			       c->usage[0] ? " " : "", c->usage);
	}
	printf("\nRun 'cronoctl %s SUBCOMMAND --help' for its options.\n",
	       word);
}

/* The system daemon's socket (the unit's RuntimeDirectory=). */
#define SOCKET_SYSTEM "/run/cronograma/control.sock"

/* The default socket: $CRONOGRAMA_SOCKET; else the system daemon's when it
 * exists (staff in the socket's group use it without options) or when
 * run as root; else the user's own daemon under $XDG_RUNTIME_DIR (or
 * /run/user/UID). */
static const char *
socket_default(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("CRONOGRAMA_SOCKET");
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (env && *env)
		return env;
	/* EACCES: it is there, in a directory we may not enter; connecting
	 * then says so. */
	if (geteuid() == 0 || access(SOCKET_SYSTEM, F_OK) == 0 ||
	    errno == EACCES)
		return SOCKET_SYSTEM;
	if (xdg && *xdg)
		snprintf(path, sizeof(path), "%s/cronograma/control.sock", xdg);
	else
		snprintf(path, sizeof(path),
		         "/run/user/%u/cronograma/control.sock",
		         (unsigned)geteuid());
	return path;
}

enum global_result { GLOBAL_NONE, GLOBAL_DONE, GLOBAL_ERROR };

/*
 * If argv[*i] is a global option, take it (and its value) into cli and
 * the help/version flags; GLOBAL_DONE then. GLOBAL_ERROR (printed) for
 * --socket without a value.
 */
static enum global_result
global_take(int argc, char **argv, int *i, struct cli *cli, int *help,
            int *version)
{
	const char *s = argv[*i];

	if (strcmp(s, "--json") == 0)
		cli->json = 1;
	else if (strcmp(s, "--wide") == 0)
		cli->wide = 1;
	else if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0)
		*help = 1;
	else if (strcmp(s, "--version") == 0)
		*version = 1;
	else if (strncmp(s, "--socket=", 9) == 0)
		cli->socket = s + 9;
	else if (strcmp(s, "--socket") == 0) {
		if (*i + 1 >= argc) {
			cli_error("--socket needs a PATH");
			return GLOBAL_ERROR;
		}
		cli->socket = argv[++*i];
	} else
		return GLOBAL_NONE;
	return GLOBAL_DONE;
}

static const struct cli_command *
command_find(const char *name)
{
	for (int i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* 1 when some command's name is "word …" (a group such as "osc"). */
static int
command_group(const char *word, char *subs, size_t n)
{
	size_t len = strlen(word), used = 0;
	int found = 0;

	subs[0] = '\0';
	for (int i = 0; i < NCOMMANDS; i++) {
		const char *c = commands[i].name;

		if (strncmp(c, word, len) == 0 && c[len] == ' ') {
			used += (size_t)snprintf(
			    subs + used, used < n ? n - used : 0, "%s%s",
			    found ? ", " : "", c + len + 1);
			found = 1;
		}
	}
	return found;
}

/*
 * Parse the command's own arguments, argv[first..], into a: options of
 * the command, global options anywhere, positionals in order ("--" ends
 * options). CLI_EUSAGE (printed) on an unknown option or a missing value.
 */
static int
args_parse(int argc, char **argv, int first, struct cli *cli,
           struct cli_args *a, int *help, int *version)
{
	int only_pos = 0;

	for (int i = first; i < argc; i++) {
		const char *s = argv[i];

		if (!only_pos && strcmp(s, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (only_pos || s[0] != '-' || strcmp(s, "-") == 0) {
			if (a->npos >= CLI_MAX_POS)
				return cli_usage_error(a, "too many arguments");
			a->pos[a->npos++] = s;
			continue;
		}
		if (strncmp(s, "--", 2) == 0) {
			const char *name = s + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			int k = opt_index(a->cmd->opts, name, len);

			if (k >= 0) {
				const struct cli_opt *o = &a->cmd->opts[k];

				if (!o->arg && eq)
					return cli_usage_error(
					    a, "--%s takes no value", o->name);
				if (!o->arg)
					a->val[k] = "";
				else if (eq)
					a->val[k] = eq + 1;
				else if (i + 1 < argc)
					a->val[k] = argv[++i];
				else
					return cli_usage_error(a,
					                       "--%s needs %s",
					                       o->name, o->arg);
				continue;
			}
		}
		switch (global_take(argc, argv, &i, cli, help, version)) {
		case GLOBAL_DONE:
			continue;
		case GLOBAL_ERROR:
			return CLI_EUSAGE;
		case GLOBAL_NONE:
			break;
		}
		return cli_usage_error(a, "unknown option '%s'", s);
	}
	return CLI_OK;
}

static int
run(int argc, char **argv)
{
	struct cli cli = {0};
	struct cli_args a;
	const struct cli_command *cmd = NULL;
	int help = 0, version = 0, i, rc;
	char name[128], subs[256];

	memset(&a, 0, sizeof(a));
	for (i = 1; i < argc; i++) {
		if (argv[i][0] != '-')
			break;
		switch (global_take(argc, argv, &i, &cli, &help, &version)) {
		case GLOBAL_DONE:
			continue;
		case GLOBAL_ERROR:
			return CLI_EUSAGE;
		case GLOBAL_NONE:
			break;
		}
		cli_error("unknown option '%s' (see cronoctl --help)", argv[i]);
		return CLI_EUSAGE;
	}
	if (i >= argc) {
		if (version) {
			printf("cronoctl %s\n", VERSION);
			return CLI_OK;
		}
		if (help) {
			help_print();
			return CLI_OK;
		}
		cli_error("missing command (see cronoctl --help)");
		return CLI_EUSAGE;
	}
	/* Two-word commands ("osc add") first. */
	if (i + 1 < argc) {
		snprintf(name, sizeof(name), "%s %s", argv[i], argv[i + 1]);
		cmd = command_find(name);
		if (cmd)
			i += 2;
	}
	if (!cmd) {
		cmd = command_find(argv[i]);
		if (!cmd && command_group(argv[i], subs, sizeof(subs))) {
			if (help || (i + 1 < argc &&
			             (strcmp(argv[i + 1], "--help") == 0))) {
				group_help_print(argv[i]);
				return CLI_OK;
			}
			cli_error("%s: missing or unknown subcommand (one of: "
			          "%s)",
			          argv[i], subs);
			return CLI_EUSAGE;
		}
		if (!cmd) {
			cli_error("unknown command '%s' (see cronoctl --help)",
			          argv[i]);
			return CLI_EUSAGE;
		}
		i++;
	}
	a.cmd = cmd;
	rc = args_parse(argc, argv, i, &cli, &a, &help, &version);
	if (rc)
		return rc;
	if (help) {
		command_help_print(cmd);
		return CLI_OK;
	}
	if (version) {
		printf("cronoctl %s\n", VERSION);
		return CLI_OK;
	}
	if (a.npos < cmd->min_pos)
		return cli_usage_error(&a, "missing arguments: %s", cmd->usage);
	if (cmd->max_pos >= 0 && a.npos > cmd->max_pos)
		return cli_usage_error(&a, "unexpected argument '%s'",
		                       a.pos[cmd->max_pos]);
	if (!cli.socket)
		cli.socket = socket_default();
	return cmd->run(&cli, &a);
}

int
main(int argc, char **argv)
{
	int rc;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		cli_error("cannot initialise libcurl");
		return CLI_ECONN;
	}
	rc = run(argc, argv);
	curl_global_cleanup();
	if (fflush(stdout) != 0 && rc == CLI_OK) {
		cli_error("cannot write the output: %s", strerror(errno));
		rc = CLI_EAPI;
	}
	return rc;
}
