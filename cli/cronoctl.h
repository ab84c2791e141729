/* cronoctl: the staff's command-line client of cronogramad's control API.
 *
 * One file per concern:
 *   cronoctl.c       arguments, the command table, --help, main()
 *   client.c         HTTP/JSON over the daemon's Unix socket (libcurl)
 *   table.c          aligned tables with UTF-8 aware widths
 *   format.c         dates, instants and durations as people read them
 *   commands.c       sessions: status, topics, import, events, rescheduling
 *   commands_tbd.c   undecided sessions, reschedule, cancel, the clock
 *   commands_osc.c   organisations, subscriptions, the outbox, reminders
 *
 * Handlers return an exit status (enum cli_exit) and, when it is not 0,
 * have already printed exactly one "cronoctl: message" line on stderr. */
#ifndef CRONOCTL_H
#define CRONOCTL_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

enum cli_exit {
	CLI_OK = 0,
	CLI_EAPI = 1,   /* the daemon answered with an error */
	CLI_EUSAGE = 2, /* bad arguments */
	CLI_ECONN = 3,  /* no daemon, or the connection broke */
};

/* Global options, shared by every command. */
struct cli {
	const char *socket; /* the control socket's path */
	int json;           /* --json: print the API's JSON */
	int wide;           /* --wide: never truncate columns */
};

#define CLI_MAX_OPTS 12
#define CLI_MAX_POS  64

/* One option of a command: "--name ARG" (arg != NULL) or a flag. */
struct cli_opt {
	const char *name;
	const char *arg;
	const char *help;
};

struct cli_args;

/* A command of the table in cronoctl.c; name may be two words
 * ("osc add"). */
struct cli_command {
	const char *name;
	const char *usage; /* arguments after the name */
	const char *summary;
	const struct cli_opt *opts; /* terminated by a NULL name */
	int min_pos, max_pos;       /* positional arguments; -1 = any */
	int (*run)(const struct cli *cli, const struct cli_args *args);
	const char *route; /* "GET /v1/events", as in control-api.yaml */
};

/* The parsed arguments of one command. */
struct cli_args {
	const struct cli_command *cmd;
	const char *val[CLI_MAX_OPTS]; /* per opts[i]: value, "" for a flag */
	const char *pos[CLI_MAX_POS];
	int npos;
};

/* The value of option name ("title"), or NULL when absent. */
const char *cli_opt_get(const struct cli_args *a, const char *name);
/* 1 when the flag or option name was given. */
int cli_opt_has(const struct cli_args *a, const char *name);
/* Print "cronoctl: message" on stderr (one line). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error of a command: prints "cronoctl: NAME: message (usage: …)"
 * and returns CLI_EUSAGE. */
int cli_usage_error(const struct cli_args *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Parse a non-negative integer option; CLI_EUSAGE (printed) when it is
 * not one. *out is left alone when the option is absent. */
int cli_opt_long(const struct cli_args *a, const char *name, long min, long max,
                 long *out);

/* client.c ------------------------------------------------------------ */

/* client_call flags */
#define CLIENT_REPORT 1 /* a 4xx JSON body without "error" is a report */

/*
 * Send method path (e.g. "/v1/events?topic=x") with an optional JSON body
 * (borrowed) and decode the JSON answer into *out (the caller frees it
 * with json_decref).
 *
 * Returns CLI_OK on a 2xx answer. On an error answer prints its "error"
 * text and returns CLI_EAPI with *out NULL, except with CLIENT_REPORT
 * when the body is a JSON object without "error": then *out is set and
 * CLI_EAPI is returned with nothing printed. CLI_ECONN (printed) when the
 * daemon cannot be reached.
 */
int client_call(const struct cli *cli, const char *method, const char *path,
                json_t *body, int flags, json_t **out);
/* GET path and return the raw body (malloc'ed, *len bytes, NUL-terminated)
 * for non-JSON answers such as text/calendar. Same errors as client_call. */
int client_get_raw(const struct cli *cli, const char *path, char **body,
                   size_t *len);
/* Percent-encode s for a URL path segment or query value; malloc'ed. */
char *client_escape(const char *s);
/* Append "?key=value" or "&key=value" (value escaped) to path, a buffer of
 * size n. value NULL appends nothing. -ENAMETOOLONG when it does not fit. */
int client_query_add(char *path, size_t n, const char *key, const char *value);

/* table.c ------------------------------------------------------------- */

struct table;

/* A table with ncols columns titled headers (copied). NULL on ENOMEM. */
struct table *table_new(int ncols, const char *const *headers);
void table_free(struct table *t);
/* Add a row of ncols strings (copied; NULL prints as empty). */
int table_add_row(struct table *t, const char *const *cells);
/* Rows added so far. */
int table_rows(const struct table *t);
/* Leave out column col when every cell in it is empty. */
void table_hide_empty(struct table *t, int col);
/*
 * Print the header and rows, columns two spaces apart, no trailing
 * spaces. When max_width > 0 and the table is wider, cells of column flex
 * are cut to fit and end with "…". Widths count code points.
 */
void table_print(const struct table *t, FILE *f, int flex, int max_width);
/* Print t on stdout (as table_print) when it has rows, else the line
 * empty (nothing when NULL); then free t. */
void table_finish(struct table *t, int flex, int max_width, const char *empty);
/* Code points in the UTF-8 string s. */
size_t table_utf8_width(const char *s);

/* format.c ------------------------------------------------------------ */

/* The columns an aligned line may use unless --wide. */
#define FORMAT_WIDTH 100

/* "jue 8 feb 2018", "8–13 ene 2018 10:00", "marzo de 2018" … for an
 * EVENT object: the date(s) or, when undecided, its window words. */
void format_event_when(json_t *ev, char *buf, size_t n);
/* "jue 8 feb 2018" for "2018-02-08"; the input when unreadable. */
void format_date(const char *iso, char *buf, size_t n);
/* "2018-02-08 10:00" in local time for "2018-02-08T16:00:00Z". */
void format_instant_local(const char *iso, char *buf, size_t n);
/* "7d", "2h", "1d 2h", "30min" for a number of seconds. */
void format_offset(long long s, char *buf, size_t n);
/* Join a JSON array of strings with sep; "" when not an array. */
void format_join(json_t *arr, const char *sep, char *buf, size_t n);
/* A JSON value as a short string: strings bare, null as "", numbers. */
void format_scalar(json_t *v, char *buf, size_t n);
/* Print v pretty on stdout (one document, a final newline). */
void format_json_print(json_t *v);
/* The "key: value" lines of an object, keys padded to width, skipping
 * the keys in skip (NULL-terminated, may be NULL). */
void format_fields_print(json_t *obj, const char *const *skip, int width);

/* Print a command's answer for people; returns an exit status. */
typedef int (*cli_human_fn)(json_t *doc, const struct cli *cli,
                            const struct cli_args *a);
/* Print doc as JSON with --json, else with human; frees doc. */
int cli_answer(const struct cli *cli, const struct cli_args *a, json_t *doc,
               cli_human_fn human);
/* The columns a table may use: FORMAT_WIDTH, or 0 (no limit) with --wide. */
int cli_width(const struct cli *cli);
/* obj[key] as a string (NULL when absent or not a string) or integer. */
const char *cli_jstr(json_t *obj, const char *key);
long long cli_jint(json_t *obj, const char *key);

/* commands*.c: the handlers of the command table. -------- */

int cmd_status(const struct cli *cli, const struct cli_args *a);
int cmd_topics(const struct cli *cli, const struct cli_args *a);
int cmd_topics_import(const struct cli *cli, const struct cli_args *a);
int cmd_topics_remind(const struct cli *cli, const struct cli_args *a);
int cmd_import(const struct cli *cli, const struct cli_args *a);
int cmd_events(const struct cli *cli, const struct cli_args *a);
int cmd_show(const struct cli *cli, const struct cli_args *a);
int cmd_add(const struct cli *cli, const struct cli_args *a);
int cmd_edit(const struct cli *cli, const struct cli_args *a);
int cmd_delete(const struct cli *cli, const struct cli_args *a);
int cmd_export(const struct cli *cli, const struct cli_args *a);
int cmd_log(const struct cli *cli, const struct cli_args *a);
/* "/v1/events/ID" + suffix with ID percent-encoded into buf; an exit
 * status (printed) when it does not fit. */
int cmd_event_path(const char *id, const char *suffix, char *buf, size_t n);
/* "2018-08 VERB: jue 8 feb 2018 (sequence 1)" after a change. */
void cmd_event_line_print(json_t *ev, const char *verb);

int cmd_tbd(const struct cli *cli, const struct cli_args *a);
int cmd_reschedule(const struct cli *cli, const struct cli_args *a);
int cmd_cancel(const struct cli *cli, const struct cli_args *a);
int cmd_clock(const struct cli *cli, const struct cli_args *a);

int cmd_osc_add(const struct cli *cli, const struct cli_args *a);
int cmd_osc_import(const struct cli *cli, const struct cli_args *a);
int cmd_osc_list(const struct cli *cli, const struct cli_args *a);
int cmd_osc_show(const struct cli *cli, const struct cli_args *a);
int cmd_osc_remove(const struct cli *cli, const struct cli_args *a);
int cmd_osc_token(const struct cli *cli, const struct cli_args *a);
int cmd_subscribe(const struct cli *cli, const struct cli_args *a);
int cmd_unsubscribe(const struct cli *cli, const struct cli_args *a);
int cmd_outbox(const struct cli *cli, const struct cli_args *a);
int cmd_outbox_retry(const struct cli *cli, const struct cli_args *a);
int cmd_upcoming(const struct cli *cli, const struct cli_args *a);

/* Read a whole file into a NUL-terminated malloc'ed buffer. 0, or
 * CLI_EUSAGE after printing why it could not be read. */
int cli_file_read(const char *path, char **text, size_t *len);

/* A JSON array of the comma-separated items of s, spaces trimmed and
 * empty items dropped. NULL on ENOMEM. */
json_t *cli_list_split(const char *s);
/* A JSON string of a file's text without a UTF-8 byte order mark, or NULL
 * after printing that path is not UTF-8 text. */
json_t *cli_text_json(const char *path, const char *text, size_t len);

#endif
