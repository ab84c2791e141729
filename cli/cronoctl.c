/* cronoctl: arguments, --help and main().
 *
 * Every command is one row of cli_commands[] (command_table.c): its name,
 * usage, summary, options and handler. `cronoctl --help` and `cronoctl
 * COMMAND --help` are printed from that table, translated. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cronoctl.h"

#ifndef VERSION
#define VERSION "0.0.0"
#endif

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
	cli_error(_("%s: %s (see 'cronoctl %s --help')"), a->cmd->name, msg,
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
		return cli_usage_error(a,
		                       _("--%s wants a number from %ld to %ld"),
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
		cli_error(_("cannot read %s: %s"), path, strerror(errno));
		return CLI_EUSAGE;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nbuf = realloc(buf, ncap);

			if (!nbuf) {
				free(buf);
				fclose(f);
				cli_error(_("cannot read %s: out of memory"),
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
		cli_error(_("cannot read %s: %s"), path, strerror(errno));
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
		cli_error(_("%s is not UTF-8 text"), path);
	return s;
}

char *
cli_base64(const char *data, size_t len)
{
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
	                             "opqrstuvwxyz0123456789+/";
	const unsigned char *u = (const unsigned char *)data;
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		unsigned long v = (unsigned long)u[i] << 16;

		if (i + 1 < len)
			v |= (unsigned long)u[i + 1] << 8;
		if (i + 2 < len)
			v |= u[i + 2];
		*o++ = digits[v >> 18 & 63];
		*o++ = digits[v >> 12 & 63];
		*o++ = i + 1 < len ? digits[v >> 6 & 63] : '=';
		*o++ = i + 2 < len ? digits[v & 63] : '=';
	}
	*o = '\0';
	return out;
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

/* Print s with its first letter in upper case ("añadir" as "Añadir"):
 * ASCII, and the two-byte Latin letters Spanish uses. */
static void
capital_print(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[0] >= 'a' && u[0] <= 'z')
		printf("%c%s", u[0] - 'a' + 'A', s + 1);
	else if (u[0] == 0xC3 && u[1] >= 0xA0 && u[1] <= 0xBE && u[1] != 0xB7)
		printf("%c%c%s", u[0], u[1] - 0x20, s + 2);
	else
		fputs(s, stdout);
}

static void
opts_print(FILE *f, const struct cli_opt *opts)
{
	char left[96];

	for (int i = 0; opts[i].name; i++) {
		const char *arg = opts[i].arg ? _(opts[i].arg) : NULL;

		snprintf(left, sizeof(left), "--%s%s%s", opts[i].name,
		         arg ? " " : "", arg ? arg : "");
		/* Pad by code points: "SLUG,…" is wider in bytes. */
		fprintf(f, "  %s", left);
		for (size_t w = table_utf8_width(left); w < 24; w++)
			fputc(' ', f);
		fprintf(f, " %s\n", _(opts[i].help));
	}
}

/* "cronoctl NAME USAGE", the usage translated. */
static void
usage_line_print(const struct cli_command *c)
{
	printf(_("usage: cronoctl %s%s%s\n"), c->name, c->usage[0] ? " " : "",
	       c->usage[0] ? _(c->usage) : "");
}

static void
help_print(void)
{
	int width = 0;

	for (int i = 0; i < cli_ncommands; i++) {
		int w = (int)strlen(cli_commands[i].name);
		if (w > width)
			width = w;
	}
	printf(_("usage: cronoctl [--socket PATH] [--json] [--wide] COMMAND "
	         "[ARGS]\n\n"
	         "Manage cronogramad's programme of sessions, the "
	         "organisations that follow\nits topics, and the reminders "
	         "sent to them.\n\n"
	         "Commands:\n"));
	for (int i = 0; i < cli_ncommands; i++)
		printf("  %-*s  %s\n", width, cli_commands[i].name,
		       _(cli_commands[i].summary));
	printf(_("\nGlobal options (before or after the command):\n"));
	opts_print(stdout, cli_global_opts);
	printf(_("\nEVENT is a session's id (2018-08) or UID; OSC is an "
	         "organisation's number,\nexact name or address. Times are "
	         "the office's (its time zone is\nin 'cronoctl status'). Run "
	         "'cronoctl COMMAND --help' for a command's options.\n"));
}

/* A command's routes as its help shows them: "GET /v1/events, GET
 * /v1/status". */
static const char *
routes_text(const struct cli_command *c, char *buf, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < 2 && c->routes[i] != ROUTE__N && used < n; i++)
		used += (size_t)snprintf(buf + used, n - used, "%s%s %s",
		                         i ? ", " : "",
		                         cli_routes[c->routes[i]].method,
		                         cli_routes[c->routes[i]].pattern);
	return buf;
}

static void
command_help_print(const struct cli_command *c)
{
	char routes[256];

	usage_line_print(c);
	/* Summaries are written for the command list, in lower case. */
	putchar('\n');
	capital_print(_(c->summary));
	printf(".\n");
	if (c->opts[0].name) {
		printf(_("\nOptions:\n"));
		opts_print(stdout, c->opts);
	}
	printf(_("\nAPI: %s\n"), routes_text(c, routes, sizeof(routes)));
	printf(_("\nGlobal options: --socket PATH, --json, --wide, --help, "
	         "--version.\n"));
}

/* The usage lines of a group's commands ("osc add", "osc list", …). */
static void
group_help_print(const char *word)
{
	size_t len = strlen(word);

	for (int i = 0; i < cli_ncommands; i++) {
		const struct cli_command *c = &cli_commands[i];

		if (strncmp(c->name, word, len) == 0 && c->name[len] == ' ')
			usage_line_print(c);
	}
	printf(_("\nRun 'cronoctl %s SUBCOMMAND --help' for its options.\n"),
	       word);
}

/* The system daemon's socket (the unit's RuntimeDirectory=). */
#define SOCKET_SYSTEM "/run/cronograma/control.sock"

/* The default socket: $CRONOGRAMA_SOCKET; else the system daemon's when it
 * exists (staff in the socket's group use it without options) or when
 * run as root; else the user's own daemon under $XDG_RUNTIME_DIR (or
 * /run/user/UID). */
const char *
cli_socket_default(void)
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
			cli_error(_("--socket needs a PATH"));
			return GLOBAL_ERROR;
		}
		cli->socket = argv[++*i];
	} else
		return GLOBAL_NONE;
	return GLOBAL_DONE;
}

const struct cli_command *
cli_command_find(const char *name)
{
	for (int i = 0; i < cli_ncommands; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

/* 1 when some command's name is "word …" (a group such as "osc"). */
static int
command_group(const char *word, char *subs, size_t n)
{
	size_t len = strlen(word), used = 0;
	int found = 0;

	subs[0] = '\0';
	for (int i = 0; i < cli_ncommands; i++) {
		const char *c = cli_commands[i].name;

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
 * An option whose values are API words (CPL("word:KIND")): *val, as the
 * API says it or translated, becomes the API's word. CLI_EUSAGE (printed,
 * naming the values) when it is none of them.
 */
static int
opt_word_check(const struct cli_args *a, const struct cli_opt *o,
               const char **val)
{
	const char *values[16], *found;
	char list[512];
	size_t n, used = 0;
	int kind;

	if (!o->complete || strncmp(o->complete, "word:", 5) != 0)
		return CLI_OK;
	kind = cli_word_kind_find(o->complete + 5);
	if (kind < 0)
		return CLI_OK;
	found = cli_word_parse((enum cli_word_kind)kind, *val);
	if (found) {
		*val = found;
		return CLI_OK;
	}
	n = cli_word_values((enum cli_word_kind)kind, values, 16);
	list[0] = '\0';
	for (size_t i = 0; i < n && i < 16; i++)
		used += (size_t)snprintf(
		    list + used, used < sizeof(list) ? sizeof(list) - used : 0,
		    "%s%s", i ? ", " : "",
		    cli_word((enum cli_word_kind)kind, values[i]));
	return cli_usage_error(a, _("--%s must be one of %s, not '%s'"),
	                       o->name, list, *val);
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
				return cli_usage_error(a,
				                       _("too many arguments"));
			a->pos[a->npos++] = s;
			continue;
		}
		/* -o is short for --output, where a command has it. */
		if (strcmp(s, "-o") == 0 &&
		    opt_index(a->cmd->opts, "output", 6) >= 0)
			s = "--output";
		if (strncmp(s, "--", 2) == 0) {
			const char *name = s + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			int k = opt_index(a->cmd->opts, name, len);

			if (k >= 0) {
				const struct cli_opt *o = &a->cmd->opts[k];

				if (!o->arg && eq)
					return cli_usage_error(
					    a, _("--%s takes no value"),
					    o->name);
				if (!o->arg)
					a->val[k] = "";
				else if (eq)
					a->val[k] = eq + 1;
				else if (i + 1 < argc)
					a->val[k] = argv[++i];
				else
					return cli_usage_error(
					    a, _("--%s needs %s"), o->name,
					    _(o->arg));
				if (opt_word_check(a, o, &a->val[k]))
					return CLI_EUSAGE;
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
		return cli_usage_error(a, _("unknown option '%s'"), s);
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
		/* The shell's completion (contrib/cronoctl.bash-completion). */
		if (strcmp(argv[i], "--complete") == 0)
			return cli_complete(&cli, argc - i - 1, argv + i + 1);
		switch (global_take(argc, argv, &i, &cli, &help, &version)) {
		case GLOBAL_DONE:
			continue;
		case GLOBAL_ERROR:
			return CLI_EUSAGE;
		case GLOBAL_NONE:
			break;
		}
		cli_error(_("unknown option '%s' (see cronoctl --help)"),
		          argv[i]);
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
		cli_error(_("missing command (see cronoctl --help)"));
		return CLI_EUSAGE;
	}
	/* Two-word commands ("osc add") first. */
	if (i + 1 < argc) {
		snprintf(name, sizeof(name), "%s %s", argv[i], argv[i + 1]);
		cmd = cli_command_find(name);
		if (cmd)
			i += 2;
	}
	if (!cmd) {
		cmd = cli_command_find(argv[i]);
		if (!cmd && command_group(argv[i], subs, sizeof(subs))) {
			if (help || (i + 1 < argc &&
			             (strcmp(argv[i + 1], "--help") == 0))) {
				group_help_print(argv[i]);
				return CLI_OK;
			}
			cli_error(_("%s: missing or unknown subcommand (one "
			            "of: %s)"),
			          argv[i], subs);
			return CLI_EUSAGE;
		}
		if (!cmd) {
			cli_error(_("unknown command '%s' (see cronoctl "
			            "--help)"),
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
		return cli_usage_error(&a, _("missing arguments: %s"),
		                       _(cmd->usage));
	if (cmd->max_pos >= 0 && a.npos > cmd->max_pos)
		return cli_usage_error(&a, _("unexpected argument '%s'"),
		                       a.pos[cmd->max_pos]);
	if (!cli.socket)
		cli.socket = cli_socket_default();
	return cmd->run(&cli, &a);
}

int
main(int argc, char **argv)
{
	int rc;

	cli_i18n_init();
	if (client_init() < 0) {
		cli_error(_("cannot initialise libcurl"));
		return CLI_ECONN;
	}
	rc = run(argc, argv);
	client_fini();
	if (fflush(stdout) != 0 && rc == CLI_OK) {
		cli_error(_("cannot write the output: %s"), strerror(errno));
		rc = CLI_EAPI;
	}
	return rc;
}
