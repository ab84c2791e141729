/* cronoctl: the staff's command-line client of cronogramad's control API.
 *
 * One file per concern:
 *   cronoctl.c       arguments, --help, main()
 *   command_table.c  the command table: names, usage, options, handlers
 *   complete.c       shell completion from the command table
 *   i18n.c           the locale, the message catalogue, the API's words
 *   client.c         HTTP/JSON over the daemon's Unix socket (libcurl)
 *   table.c          aligned tables with UTF-8 aware widths
 *   format.c         dates, instants (in the office's zone) and durations
 *   commands.c       sessions: status, topics, import, events, rescheduling
 *   commands_tbd.c   undecided sessions, reschedule, cancel, the clock
 *   commands_osc.c   organisations, subscriptions, the outbox, reminders
 *   commands_signup.c signup requests from the page waiting for staff
 *   commands_preview.c  a message before it is sent (preview), and after
 *                    (outbox show)
 *   commands_data.c  an organisation's data: export, forget
 *   commands_bounce.c  bounces: cronoctl bounce, osc list --rebotando,
 *                    osc enable, the state of an organisation's addresses
 *
 * Handlers return an exit status (enum cli_exit) and, when it is not 0,
 * have already printed exactly one "cronoctl: message" line on stderr.
 *
 * Every text people read is English in the source, marked with _() (or
 * N_() in tables, P_() with a context, ngettext() for plurals) and
 * translated through the "cronoctl" gettext domain (po/es.po). The
 * API's own words (states, kinds, actions) are turned into people's words
 * by cli_word(). --json output is never translated. */
#ifndef CRONOCTL_H
#define CRONOCTL_H

#include <stddef.h>
#include <stdio.h>
#include <libintl.h>
#include <jansson.h>

/* gettext: _() translates now, N_() only marks a literal for xgettext
 * (translated where it is printed), P_() and NP_() add a context for words
 * that English spells alike and Spanish does not. */
#define _(s)        gettext(s)
#define N_(s)       (s)
#define P_(ctx, s)  cli_pgettext(ctx "\004" s)
#define NP_(ctx, s) ctx "\004" s

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

/* One option of a command: "--name ARG" (arg != NULL) or a flag. arg and
 * help are N_() marked and translated when printed. */
struct cli_opt {
	const char *name;
	const char *arg;
	const char *help;
	const char *complete; /* its values for the shell: CPL() below */
};

struct cli_args;

/* route.c: the control API's routes, as daemon/routes.def defines them.
 * A call to a route that is not there does not compile. */
enum route {
#define ROUTE(name, method, pattern, handler, summary) ROUTE_##name,
#include "routes.def"
#undef ROUTE
	ROUTE__N
};
struct route_info {
	const char *method;  /* "GET", "POST", … */
	const char *pattern; /* "/v1/events/{id}" */
};
extern const struct route_info cli_routes[ROUTE__N];
/* Route r's path into buf, its "{id}" replaced by id percent-encoded (id
 * NULL: the route has none). CLI_OK; CLI_EUSAGE (printed) when it does
 * not fit; CLI_EAPI (printed) without memory. */
int route_path(enum route r, const char *id, char *buf, size_t n);

/* A command of the table in command_table.c; name may be two words
 * ("osc add"). usage and summary are N_() marked. */
struct cli_command {
	const char *name;
	const char *usage; /* arguments after the name */
	const char *summary;
	const struct cli_opt *opts; /* terminated by a NULL name */
	int min_pos, max_pos;       /* positional arguments; -1 = any */
	int (*run)(const struct cli *cli, const struct cli_args *args);
	/* The API routes it calls (daemon/routes.def), ROUTE__N after the
	 * last: ROUTES() below. */
	int routes[2];
	const char *complete; /* its positional arguments: CPL() below */
};

/*
 * What the shell completes (complete.c), as CPL("...") in the table:
 *   event           a session id, asked of the daemon
 *   topic           a topic slug, asked of the daemon ("topic," a list)
 *   file:EXT|EXT    a file name with one of these extensions
 *   word:KIND       one of the API's words of a kind (cli_word_kind_find)
 * For positional arguments, one item per argument separated by spaces,
 * "-" for nothing, the last one ending in "*" when it repeats.
 */
#define CPL(spec) spec
/* The API routes of a command in the table: one or two route names. */
#define ROUTES_PICK(_1, _2, name, ...) name
#define ROUTES(...)                    ROUTES_PICK(__VA_ARGS__, ROUTES_2, ROUTES_1, -)(__VA_ARGS__)
#define ROUTES_1(a)                                                            \
	{                                                                      \
		ROUTE_##a, ROUTE__N                                            \
	}
#define ROUTES_2(a, b)                                                         \
	{                                                                      \
		ROUTE_##a, ROUTE_##b                                           \
	}

/* The table (command_table.c). */
extern const struct cli_command cli_commands[];
extern const int cli_ncommands;
extern const struct cli_opt cli_global_opts[];

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
/* The default control socket: $CRONOGRAMA_SOCKET, the system daemon's
 * for root, else the user's daemon under $XDG_RUNTIME_DIR. */
const char *cli_socket_default(void);
/* The command named name ("osc add"), or NULL. */
const struct cli_command *cli_command_find(const char *name);
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

/* libcurl's global state, once per run: 0, or -1 when it cannot start. */
int client_init(void);
void client_fini(void);

/* client_call flags */
#define CLIENT_REPORT 1 /* a 4xx JSON body without "error" is a report */
#define CLIENT_QUIET  2 /* print nothing on failure */

/*
 * Send route r (its method) to path (e.g. "/v1/events?topic=x", made with
 * route_path; NULL: the route's own path) with an optional JSON body
 * (borrowed) and decode the JSON answer into *out (the caller frees it
 * with json_decref).
 *
 * Returns CLI_OK on a 2xx answer. On an error answer prints its "error"
 * text and returns CLI_EAPI with *out NULL, except with CLIENT_REPORT
 * when the body is a JSON object without "error": then *out is set and
 * CLI_EAPI is returned with nothing printed. CLI_ECONN (printed) when the
 * daemon cannot be reached.
 */
int client_call(const struct cli *cli, enum route r, const char *path,
                json_t *body, int flags, json_t **out);
/* GET path and return the raw body (malloc'ed, *len bytes, NUL-terminated)
 * for non-JSON answers such as text/calendar. Same errors as client_call. */
int client_get_raw(const struct cli *cli, enum route r, const char *path,
                   char **body, size_t *len);
/* POST len bytes of body (not JSON: of Content-Type ctype) to route r's
 * own path and decode the JSON answer into *out; *status is the HTTP
 * status (0 if none came). Same errors as client_call. */
int client_post_raw(const struct cli *cli, enum route r, const char *body,
                    size_t len, const char *ctype, long *status, json_t **out);
/*
 * Make the office's time zone ([daemon] timezone, from GET /v1/status)
 * the one format_instant() uses, asking the daemon once per run. When the
 * daemon cannot tell, instants stay in cronoctl's own TZ, and still name
 * their zone.
 */
void client_office_zone_load(const struct cli *cli);
/* Percent-encode s for a URL path segment or query value; malloc'ed. */
char *client_escape(const char *s);
/* Append "?key=value" or "&key=value" (value escaped) to path, a buffer of
 * size n. value NULL appends nothing. -ENAMETOOLONG when it does not fit. */
int client_query_add(char *path, size_t n, const char *key, const char *value);

/* table.c ------------------------------------------------------------- */

struct table;

/* A table with ncols columns titled headers (N_() or NP_() marked:
 * translated and copied). NULL on ENOMEM. */
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
 * EVENT object: the date(s) or, when undecided, its window words. Times
 * of a session abroad name its zone ("10:00 America/New_York"). */
void format_event_when(json_t *ev, char *buf, size_t n);
/* "jue 8 feb 2018" for "2018-02-08"; the input when unreadable. */
void format_date(const char *iso, char *buf, size_t n);
/* The office's time zone, once known (format_zone_set), else NULL. */
const char *format_zone(void);
/* Make tzid (an IANA name) the zone of format_instant(). -1 when this
 * machine's tzdata does not know it (the zone is then left alone). */
int format_zone_set(const char *tzid);
/* "2018-02-08 10:00 CST" in the office's zone for "2018-02-08T16:00:00Z";
 * the input when unreadable. */
void format_instant(const char *iso, char *buf, size_t n);
/* "7d", "2h", "1d 2h", "30min" for a number of seconds. */
void format_offset(long long s, char *buf, size_t n);
/* Join a JSON array of strings with sep; "" when not an array. */
void format_join(json_t *arr, const char *sep, char *buf, size_t n);
/* A JSON value as a short string: strings bare, null as "", numbers. */
void format_scalar(json_t *v, char *buf, size_t n);
/* Print v pretty on stdout (one document, a final newline). */
void format_json_print(json_t *v);
/* One "label: value" line, the value's continuation lines under its
 * first; labels padded to width code points; "—" for an empty value. */
void format_field_print(const char *label, const char *value, int width);

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

/* i18n.c -------------------------------------------------------------- */

/* Set the locale from the environment and open the catalogue. */
void cli_i18n_init(void);
/* The translation of key, a context and a message id joined by "\004"
 * (NP_()); the message id when there is none. */
const char *cli_pgettext(const char *key);

/* The kinds of the API's words cli_word() knows. */
enum cli_word_kind {
	WORD_EVENT_STATUS,   /* CONFIRMED, TENTATIVE, CANCELLED */
	WORD_EVENT_KIND,     /* date, range, tbd, approx */
	WORD_ACTION_SESSION, /* an import report's create, update, unchanged */
	WORD_ACTION_TOPIC,
	WORD_ACTION_OSC,
	WORD_OUTBOX_STATE, /* pending, sending, sent, failed, expired, held,
	                      dropped, skipped */
	WORD_OUTBOX_KIND,  /* reminder, update, cancel, staff */
	WORD_OUTBOX_TO,    /* "staff" in place of an organisation */
	WORD_REMIND_DEFAULT, /* "default": a topic's reminders as configured */
	WORD_AUDIT,          /* the audit log's actions */
	WORD_FIELD,        /* the JSON fields of a session or organisation */
	WORD_PREVIEW_KIND, /* recordatorio, fecha, cambio, cancelacion */
	WORD_ADDRESS_STATE, /* disabled, bouncing */
};

/* The staff's word for the API's value (translated); value itself when
 * unknown, "" for NULL. */
const char *cli_word(enum cli_word_kind kind, const char *value);
/* The API's value that input names, as the API says it or translated
 * (any case); NULL when none. */
const char *cli_word_parse(enum cli_word_kind kind, const char *input);
/* The API's values of a kind, in order, into out (up to max); returns how
 * many there are. */
size_t cli_word_values(enum cli_word_kind kind, const char **out, size_t max);
/* The kind a completion spec names ("outbox-state"); -1 when none. */
int cli_word_kind_find(const char *name);

/* complete.c ---------------------------------------------------------- */

/* cronoctl --complete [--] WORD…: print what the shell may offer for the
 * last WORD after the others, one per line; returns an exit status. */
int cli_complete(const struct cli *cli, int argc, char **argv);

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
int cmd_event_path(enum route r, const char *id, char *buf, size_t n);
/* "2018-08 updated: jue 8 feb 2018 (version 1)" after a change: fmt, a
 * translated printf format, takes the id, the date and the version. */
void cmd_event_line_print(json_t *ev, const char *fmt);
/* Append "key=value" (value percent-encoded; nothing when value is NULL)
 * to path, a buffer of n bytes; CLI_EUSAGE (printed) when it does not
 * fit. */
int cmd_query_add(char *path, size_t n, const char *key, const char *value);
/* A session's reminder offsets (a JSON array of seconds) as "7d, 1d", or
 * "the defaults" when empty, into buf. */
void cmd_remind_format(json_t *remind, char *buf, size_t n);

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
int cmd_osc_pending(const struct cli *cli, const struct cli_args *a);
int cmd_osc_approve(const struct cli *cli, const struct cli_args *a);
int cmd_osc_reject(const struct cli *cli, const struct cli_args *a);
int cmd_subscribe(const struct cli *cli, const struct cli_args *a);
int cmd_unsubscribe(const struct cli *cli, const struct cli_args *a);
int cmd_outbox(const struct cli *cli, const struct cli_args *a);
int cmd_outbox_retry(const struct cli *cli, const struct cli_args *a);
int cmd_outbox_show(const struct cli *cli, const struct cli_args *a);
int cmd_preview(const struct cli *cli, const struct cli_args *a);
int cmd_outbox_hold(const struct cli *cli, const struct cli_args *a);
int cmd_outbox_release(const struct cli *cli, const struct cli_args *a);
int cmd_outbox_drop(const struct cli *cli, const struct cli_args *a);
int cmd_upcoming(const struct cli *cli, const struct cli_args *a);
/* commands_bounce.c: bounces and the state of addresses. */
int cmd_bounce(const struct cli *cli, const struct cli_args *a);
int cmd_osc_enable(const struct cli *cli, const struct cli_args *a);
int cmd_osc_list_bouncing(const struct cli *cli, const struct cli_args *a);
/* Add to organisation doc (GET /v1/oscs/{id}) "address_state": each of
 * its addresses with its state. CLI_OK or an exit status (printed). */
int cmd_osc_address_state(const struct cli *cli, json_t *doc);
/* Print the "address_state" cmd_osc_address_state added, as a field. */
void cmd_osc_address_state_print(json_t *osc, int width);
/* commands_osc.c: the number of the organisation s names (its number,
 * exact name or one of its addresses); CLI_EAPI (printed) if none. */
int cmd_osc_id(const struct cli *cli, const char *s, long long *id);

/* commands_data.c: an organisation's data. */
int cmd_osc_export(const struct cli *cli, const struct cli_args *a);
int cmd_osc_forget(const struct cli *cli, const struct cli_args *a);

/* Read a whole file into a NUL-terminated malloc'ed buffer. 0, or
 * CLI_EUSAGE after printing why it could not be read. */
int cli_file_read(const char *path, char **text, size_t *len);

/* A JSON array of the comma-separated items of s, spaces trimmed and
 * empty items dropped. NULL on ENOMEM. */
json_t *cli_list_split(const char *s);
/* A JSON string of a file's text without a UTF-8 byte order mark, or NULL
 * after printing that path is not UTF-8 text. */
json_t *cli_text_json(const char *path, const char *text, size_t len);
/* data as base64 (RFC 4648), NUL-terminated and malloc'ed; NULL on ENOMEM. */
char *cli_base64(const char *data, size_t len);

#endif
