/* commands: the sessions' side of cronoctl (status, topics, import,
 * events, show/add/edit/delete, export); commands_log.c has the audit
 * log, commands_tbd.c the dates.
 *
 * Each handler builds one request, sends it with client_call() and prints
 * either the answer's JSON (--json) or a table for people. */
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cronoctl.h"

#define PATH_LEN 2048

/* Route r of session id ("/v1/events/ID…"), ID percent-encoded. */
int
cmd_event_path(enum route r, const char *id, char *buf, size_t n)
{
	int rc = route_path(r, id, buf, n);

	if (rc == CLI_EUSAGE)
		cli_error(_("session id too long: %s"), id);
	return rc;
}

/* Append query arguments; only an absurdly long value can fail. */
int
cmd_query_add(char *path, size_t n, const char *key, const char *value)
{
	if (client_query_add(path, n, key, value) < 0) {
		cli_error(_("--%s: value too long"), key);
		return CLI_EUSAGE;
	}
	return CLI_OK;
}

/* status ---------------------------------------------------------------- */

static const char *
or_empty(const char *s)
{
	return s ? s : "";
}

/* Labels and values of a "label: value" list, printed aligned. */
struct fields {
	const char *label[24];
	char value[24][512];
	int n;
};

static char *
field_add(struct fields *f, const char *label)
{
	f->label[f->n] = label;
	f->value[f->n][0] = '\0';
	return f->value[f->n++];
}

static void
fields_print(const struct fields *f)
{
	int width = 0;

	for (int i = 0; i < f->n; i++) {
		int w = (int)table_utf8_width(f->label[i]) + 2;

		if (w > width)
			width = w;
	}
	for (int i = 0; i < f->n; i++)
		format_field_print(f->label[i], f->value[i], width);
}

static int
status_human(json_t *doc, const struct cli *cli, const struct cli_args *a)
{
	json_t *c = json_object_get(doc, "counts");
	const char *tz = cli_jstr(doc, "timezone");
	struct fields f = {0};
	char up[64], since[64];

	(void)a;
	if (tz)
		format_zone_set(tz);
	format_offset(cli_jint(doc, "uptime_s"), up, sizeof(up));
	format_instant(cli_jstr(doc, "started_at"), since, sizeof(since));
	snprintf(field_add(&f, _("version")), 512, "%s",
	         cli_jstr(doc, "version"));
	snprintf(field_add(&f, _("uptime")), 512, _("%s (since %s)"), up,
	         since);
	format_instant(cli_jstr(doc, "now"), field_add(&f, _("now")), 512);
	snprintf(field_add(&f, _("time zone")), 512, "%s",
	         tz ? tz : _("unknown (an older daemon)"));
	snprintf(field_add(&f, _("socket")), 512, "%s", cli->socket);
	snprintf(field_add(&f, _("state dir")), 512, "%s",
	         cli_jstr(doc, "state_dir"));
	snprintf(field_add(&f, _("mail")), 512, "%s", cli_jstr(doc, "mail"));
	snprintf(field_add(&f, _("sessions")), 512,
	         _("%lld (%lld dated, %lld undecided, %lld cancelled)"),
	         cli_jint(c, "events"), cli_jint(c, "dated"),
	         cli_jint(c, "tbd"), cli_jint(c, "cancelled"));
	snprintf(field_add(&f, _("topics")), 512, "%lld",
	         cli_jint(c, "topics"));
	snprintf(field_add(&f, _("organisations")), 512,
	         _("%lld (%lld subscriptions)"), cli_jint(c, "oscs"),
	         cli_jint(c, "subscriptions"));
	snprintf(field_add(&f, _("outbox")), 512,
	         _("%lld pending, %lld held, %lld failed, %lld sent, %lld "
	           "dropped"),
	         cli_jint(c, "outbox_pending"), cli_jint(c, "outbox_held"),
	         cli_jint(c, "outbox_failed"), cli_jint(c, "outbox_sent"),
	         cli_jint(c, "outbox_dropped"));
	fields_print(&f);
	return CLI_OK;
}

int
cmd_status(const struct cli *cli, const struct cli_args *a)
{
	json_t *doc;
	int rc;

	(void)a;
	rc = client_call(cli, ROUTE_STATUS, NULL, NULL, 0, &doc);
	if (rc)
		return rc;
	return cli_answer(cli, a, doc, status_human);
}

/* topics ---------------------------------------------------------------- */

static int
topics_human(json_t *doc, const struct cli *cli, const struct cli_args *a)
{
	static const char *const head[] = {N_("CODE"), N_("SLUG"), N_("NAME"),
	                                   N_("SESSIONS")};
	struct table *t = table_new(4, head);
	json_t *topics = json_object_get(doc, "topics"), *tp;
	size_t i;
	char n[32];

	(void)a;
	if (!t)
		return CLI_EAPI;
	json_array_foreach(topics, i, tp)
	{
		const char *row[4];

		snprintf(n, sizeof(n), "%lld", cli_jint(tp, "events"));
		row[0] = cli_jstr(tp, "code");
		row[1] = cli_jstr(tp, "slug");
		row[2] = cli_jstr(tp, "nombre");
		row[3] = n;
		table_add_row(t, row);
	}
	table_finish(t, 2, cli_width(cli),
	             _("no topics yet (cronoctl topics import TEMAS.tsv)"));
	return CLI_OK;
}

int
cmd_topics(const struct cli *cli, const struct cli_args *a)
{
	json_t *doc;
	int rc;

	(void)a;
	rc = client_call(cli, ROUTE_TOPICS, NULL, NULL, 0, &doc);
	if (rc)
		return rc;
	return cli_answer(cli, a, doc, topics_human);
}

/* Strip a UTF-8 byte order mark, which spreadsheets like to write. */
static const char *
bom_skip(const char *text, size_t *len)
{
	if (*len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		*len -= 3;
		return text + 3;
	}
	return text;
}

/* Print "line N: message" for each error of a report. */
static void
report_errors_print(json_t *report)
{
	json_t *errs = json_object_get(report, "errors"), *e;
	size_t i;

	json_array_foreach(errs, i, e)
	{
		/* The message is the daemon's, in English. */
		if (json_is_integer(json_object_get(e, "line")) &&
		    cli_jint(e, "line") > 0)
			printf(_("line %lld: error: %s\n"), cli_jint(e, "line"),
			       cli_jstr(e, "message"));
		else
			printf(_("error: %s\n"), cli_jstr(e, "message"));
	}
}

/* Send a file's text to a report route ({"text","dry_run"}) and return
 * the report; CLI_EAPI with *out set when the report has ok=false. */
static int
text_post(const struct cli *cli, enum route route, const char *file,
          int dry_run, json_t **out)
{
	char *text;
	size_t len;
	json_t *body, *s;
	int rc;

	*out = NULL;
	rc = cli_file_read(file, &text, &len);
	if (rc)
		return rc;
	s = cli_text_json(file, text, len);
	free(text);
	if (!s)
		return CLI_EUSAGE;
	body = json_pack("{s:o, s:b}", "text", s, "dry_run", dry_run);
	rc = client_call(cli, route, NULL, body, CLIENT_REPORT, out);
	json_decref(body);
	return rc;
}

/* The end of a report command: print the report and return the exit
 * status; note (or NULL) is said on stderr. */
static int
report_finish(const struct cli *cli, const struct cli_args *a, json_t *report,
              int rc, cli_human_fn human, const char *note)
{
	json_t *ok;
	size_t nerr;

	if (!report)
		return rc;
	ok = json_object_get(report, "ok");
	nerr = json_array_size(json_object_get(report, "errors"));
	if (cli->json)
		format_json_print(report);
	else
		human(report, cli, a);
	json_decref(report);
	if (rc == CLI_OK && json_is_false(ok))
		rc = CLI_EAPI;
	/* The note rides on the one error line when there is one. */
	if (rc && note)
		cli_error(ngettext("nothing imported: %zu error (%s)",
		                   "nothing imported: %zu errors (%s)", nerr),
		          nerr, note);
	else if (rc)
		cli_error(ngettext("nothing imported: %zu error",
		                   "nothing imported: %zu errors", nerr),
		          nerr);
	else if (note)
		cli_error("%s", note);
	return rc;
}

static int
topics_report_human(json_t *report, const struct cli *cli,
                    const struct cli_args *a)
{
	static const char *const head[] = {N_("CODE"), N_("SLUG"),
	                                   N_("ACTION")};
	struct table *t = table_new(3, head);
	json_t *rows = json_object_get(report, "topics"), *r;
	size_t i, created = 0, updated = 0, unchanged = 0;

	(void)cli;
	if (!t)
		return CLI_EAPI;
	json_array_foreach(rows, i, r)
	{
		const char *act = cli_jstr(r, "action");
		const char *row[3] = {cli_jstr(r, "code"), cli_jstr(r, "slug"),
		                      cli_word(WORD_ACTION_TOPIC, act)};

		table_add_row(t, row);
		if (act && strcmp(act, "create") == 0)
			created++;
		else if (act && strcmp(act, "update") == 0)
			updated++;
		else
			unchanged++;
	}
	table_finish(t, -1, 0, NULL);
	report_errors_print(report);
	printf(ngettext("%zu topic: %zu created, %zu updated, %zu unchanged",
	                "%zu topics: %zu created, %zu updated, %zu unchanged",
	                json_array_size(rows)),
	       json_array_size(rows), created, updated, unchanged);
	printf("%s\n", cli_opt_has(a, "dry-run")
	                   ? _(" (dry run: nothing changed)")
	                   : "");
	return CLI_OK;
}

int
cmd_topics_import(const struct cli *cli, const struct cli_args *a)
{
	json_t *report;
	int rc = text_post(cli, ROUTE_TOPICS_IMPORT, a->pos[0],
	                   cli_opt_has(a, "dry-run"), &report);

	return report_finish(cli, a, report, rc, topics_report_human, NULL);
}

int
cmd_topics_remind(const struct cli *cli, const struct cli_args *a)
{
	const char *offsets = a->pos[1];
	char path[PATH_LEN];
	json_t *body, *doc;
	int rc = route_path(ROUTE_TOPIC_EDIT, a->pos[0], path, sizeof(path));

	if (rc)
		return rc;
	/* "default" (or its translation) goes back to [reminders] default. */
	if (cli_word_parse(WORD_REMIND_DEFAULT, offsets))
		offsets = NULL;
	body = json_pack("{s:s?}", "remind", offsets);
	rc = client_call(cli, ROUTE_TOPIC_EDIT, path, body, 0, &doc);
	json_decref(body);
	if (rc)
		return rc;
	if (cli->json)
		format_json_print(doc);
	else if (json_is_string(json_object_get(doc, "remind")))
		printf(_("%s: reminders %s\n"), cli_jstr(doc, "slug"),
		       cli_jstr(doc, "remind"));
	else
		printf(_("%s: reminders as [reminders] default\n"),
		       cli_jstr(doc, "slug"));
	json_decref(doc);
	return CLI_OK;
}

/* import ---------------------------------------------------------------- */

static int
import_report_human(json_t *report, const struct cli *cli,
                    const struct cli_args *a)
{
	static const char *const head[] = {N_("N"), N_("ACTION"), N_("KIND"),
	                                   N_("WHEN"), N_("TITLE")};
	struct table *t = table_new(5, head);
	json_t *rows = json_object_get(report, "rows"), *r, *w;
	json_t *sum = json_object_get(report, "summary");
	size_t i, j, nrows = json_array_size(rows);
	char n[32], when[256];

	(void)a;
	if (!t)
		return CLI_EAPI;
	json_array_foreach(rows, i, r)
	{
		const char *row[5];

		snprintf(n, sizeof(n), "%lld", cli_jint(r, "n"));
		format_event_when(r, when, sizeof(when));
		row[0] = n;
		row[1] = cli_word(WORD_ACTION_SESSION, cli_jstr(r, "action"));
		row[2] = cli_word(WORD_EVENT_KIND, cli_jstr(r, "kind"));
		row[3] = when;
		row[4] = cli_jstr(r, "title");
		table_add_row(t, row);
	}
	table_finish(t, 4, cli_width(cli), NULL);
	json_array_foreach(rows, i, r)
	{
		json_array_foreach(json_object_get(r, "warnings"), j, w)
		{
			/* The warning is the daemon's, in English. */
			printf(_("line %lld: warning: %s\n"),
			       cli_jint(r, "line"), json_string_value(w));
		}
	}
	report_errors_print(report);
	if (json_is_false(json_object_get(report, "ok")))
		printf(ngettext("%zu session read, none imported\n",
		                "%zu sessions read, none imported\n", nrows),
		       nrows);
	else if (json_is_true(json_object_get(report, "dry_run")))
		printf(ngettext("%zu session: %lld to create, %lld to update, "
		                "%lld unchanged (dry run: nothing changed)\n",
		                "%zu sessions: %lld to create, %lld to update, "
		                "%lld unchanged (dry run: nothing changed)\n",
		                nrows),
		       nrows, cli_jint(sum, "create"), cli_jint(sum, "update"),
		       cli_jint(sum, "unchanged"));
	else
		printf(
		    ngettext("%zu session: %lld created, %lld updated, %lld "
		             "unchanged\n",
		             "%zu sessions: %lld created, %lld updated, %lld "
		             "unchanged\n",
		             nrows),
		    nrows, cli_jint(sum, "create"), cli_jint(sum, "update"),
		    cli_jint(sum, "unchanged"));
	return CLI_OK;
}

/* "ics" when the file is named *.ics or its text starts a VCALENDAR. */
static const char *
import_format(const char *path, const char *text, size_t len)
{
	size_t plen = strlen(path);
	const char *t = bom_skip(text, &len);

	if (plen > 4 && strcasecmp(path + plen - 4, ".ics") == 0)
		return "ics";
	while (len && (*t == ' ' || *t == '\r' || *t == '\n' || *t == '\t')) {
		t++;
		len--;
	}
	if (len >= 15 && strncasecmp(t, "BEGIN:VCALENDAR", 15) == 0)
		return "ics";
	return "tsv";
}

/*
 * The topics file next to FILE: temas-YEAR.tsv, else the only
 * temas-*.tsv, else temas.tsv. 1 and the path in buf when found, 2 when
 * there are several temas-*.tsv to choose from, 0 when none.
 */
static int
import_topics_find(const char *file, long year, char *buf, size_t n)
{
	char copy[PATH_MAX], pattern[PATH_MAX + 16];
	const char *dir;
	glob_t g;
	int found = 0;

	snprintf(copy, sizeof(copy), "%s", file);
	dir = dirname(copy);
	snprintf(buf, n, "%s/temas-%ld.tsv", dir, year);
	if (access(buf, R_OK) == 0)
		return 1;
	snprintf(pattern, sizeof(pattern), "%s/temas-*.tsv", dir);
	if (glob(pattern, 0, NULL, &g) == 0) {
		if (g.gl_pathc == 1) {
			snprintf(buf, n, "%s", g.gl_pathv[0]);
			found = 1;
		} else
			found = 2;
		globfree(&g);
		if (found)
			return found;
	}
	snprintf(buf, n, "%s/temas.tsv", dir);
	return access(buf, R_OK) == 0;
}

int
cmd_import(const struct cli *cli, const struct cli_args *a)
{
	const char *file = a->pos[0], *topics = cli_opt_get(a, "topics");
	char *text, *ttext = NULL, name_buf[PATH_MAX], found[PATH_MAX];
	char note[PATH_MAX + 128] = "";
	size_t len, tlen;
	json_t *body, *s, *report;
	time_t now = time(NULL);
	struct tm tm;
	long year;
	int rc;

	localtime_r(&now, &tm);
	year = tm.tm_year + 1900;
	rc = cli_opt_long(a, "year", 1900, 9999, &year);
	if (rc)
		return rc;
	if (!topics) {
		switch (import_topics_find(file, year, found, sizeof(found))) {
		case 1:
			topics = found;
			snprintf(note, sizeof(note),
			         _("topics sent from %s; --topics to choose "
			           "another"),
			         found);
			break;
		case 2:
			snprintf(note, sizeof(note),
			         _("several temas-*.tsv next to %s, none sent; "
			           "choose one with --topics"),
			         file);
			break;
		}
	}
	rc = cli_file_read(file, &text, &len);
	if (rc)
		return rc;
	s = cli_text_json(file, text, len);
	snprintf(name_buf, sizeof(name_buf), "%s", file);
	body = json_pack("{s:s, s:o*, s:I, s:b, s:s}", "format",
	                 import_format(file, text, len), "text", s, "year",
	                 (json_int_t)year, "dry_run", cli_opt_has(a, "dry-run"),
	                 "name", basename(name_buf));
	free(text);
	if (!s || !body) {
		json_decref(body);
		return CLI_EUSAGE;
	}
	if (topics) {
		rc = cli_file_read(topics, &ttext, &tlen);
		if (rc) {
			json_decref(body);
			return rc;
		}
		s = cli_text_json(topics, ttext, tlen);
		free(ttext);
		if (!s) {
			json_decref(body);
			return CLI_EUSAGE;
		}
		json_object_set_new(body, "topics_text", s);
	}
	rc = client_call(cli, ROUTE_IMPORT, NULL, body, CLIENT_REPORT, &report);
	json_decref(body);
	return report_finish(cli, a, report, rc, import_report_human,
	                     note[0] ? note : NULL);
}

/* events ---------------------------------------------------------------- */

/* The table of a list of sessions (events and tbd share it). */
static void
events_table_print(json_t *events, const struct cli *cli)
{
	static const char *const head[] = {N_("ID"), N_("WHEN"), N_("STATUS"),
	                                   N_("TOPICS"), N_("TITLE")};
	struct table *t = table_new(5, head);
	json_t *ev;
	size_t i;
	char when[256], topics[512];

	if (!t)
		return;
	json_array_foreach(events, i, ev)
	{
		const char *row[5];

		format_event_when(ev, when, sizeof(when));
		format_join(json_object_get(ev, "topics"), ",", topics,
		            sizeof(topics));
		row[0] = cli_jstr(ev, "id");
		row[1] = when;
		row[2] = cli_word(WORD_EVENT_STATUS, cli_jstr(ev, "status"));
		row[3] = topics;
		row[4] = cli_jstr(ev, "title");
		table_add_row(t, row);
	}
	table_finish(t, 4, cli_width(cli), _("no sessions"));
}

static int
events_human(json_t *doc, const struct cli *cli, const struct cli_args *a)
{
	(void)a;
	/* Sessions abroad name their zone when it is not the office's. */
	client_office_zone_load(cli);
	events_table_print(json_object_get(doc, "events"), cli);
	return CLI_OK;
}

int
cmd_events(const struct cli *cli, const struct cli_args *a)
{
	char path[PATH_LEN];
	json_t *doc;
	int rc = route_path(ROUTE_EVENTS, NULL, path, sizeof(path));

	if (rc ||
	    (rc = cmd_query_add(path, sizeof(path), "topic",
	                        cli_opt_get(a, "topic"))) ||
	    (rc = cmd_query_add(path, sizeof(path), "tbd",
	                        cli_opt_has(a, "tbd") ? "1" : NULL)) ||
	    (rc = cmd_query_add(path, sizeof(path), "from",
	                        cli_opt_get(a, "from"))) ||
	    (rc = cmd_query_add(path, sizeof(path), "to",
	                        cli_opt_get(a, "to"))) ||
	    (rc = cmd_query_add(path, sizeof(path), "cancelled",
	                        cli_opt_has(a, "cancelled") ? "1" : NULL)))
		return rc;
	rc = client_call(cli, ROUTE_EVENTS, path, NULL, 0, &doc);
	if (rc)
		return rc;
	return cli_answer(cli, a, doc, events_human);
}

/* show ------------------------------------------------------------------ */

/* The remind offsets as "7d, 1d" or "the defaults". */
void
cmd_remind_format(json_t *remind, char *buf, size_t n)
{
	size_t used = 0, i;
	json_t *v;
	char one[32];

	if (json_array_size(remind) == 0) {
		snprintf(buf, n, "%s", _("the defaults"));
		return;
	}
	buf[0] = '\0';
	json_array_foreach(remind, i, v)
	{
		format_offset(json_integer_value(v), one, sizeof(one));
		used += (size_t)snprintf(buf + used, used < n ? n - used : 0,
		                         "%s%s", i ? ", " : "", one);
	}
}

/* A session in the staff's words: what the programme says of it, not the
 * API's fields (--json has those). */
static void
event_fields_print(json_t *ev)
{
	struct fields f = {0};
	char topics[512];

	snprintf(field_add(&f, cli_word(WORD_FIELD, "id")), 512, "%s",
	         cli_jstr(ev, "id"));
	snprintf(field_add(&f, cli_word(WORD_FIELD, "title")), 512, "%s",
	         cli_jstr(ev, "title"));
	format_event_when(ev, field_add(&f, cli_word(WORD_FIELD, "when")), 512);
	if (cli_jstr(ev, "words"))
		snprintf(field_add(&f, cli_word(WORD_FIELD, "words")), 512,
		         "%s", cli_jstr(ev, "words"));
	snprintf(field_add(&f, cli_word(WORD_FIELD, "tz")), 512, "%s",
	         cli_jstr(ev, "tz"));
	snprintf(field_add(&f, cli_word(WORD_FIELD, "status")), 512, "%s",
	         cli_word(WORD_EVENT_STATUS, cli_jstr(ev, "status")));
	if (cli_jstr(ev, "reason"))
		snprintf(field_add(&f, cli_word(WORD_FIELD, "reason")), 512,
		         "%s", cli_jstr(ev, "reason"));
	snprintf(field_add(&f, cli_word(WORD_FIELD, "location")), 512, "%s",
	         or_empty(cli_jstr(ev, "location")));
	snprintf(field_add(&f, cli_word(WORD_FIELD, "description")), 512, "%s",
	         or_empty(cli_jstr(ev, "description")));
	format_join(json_object_get(ev, "topics"), ", ", topics,
	            sizeof(topics));
	snprintf(field_add(&f, cli_word(WORD_FIELD, "topics")), 512, "%s",
	         topics);
	cmd_remind_format(json_object_get(ev, "remind"),
	                  field_add(&f, cli_word(WORD_FIELD, "remind")), 512);
	snprintf(field_add(&f, cli_word(WORD_FIELD, "sequence")), 512, "%lld",
	         cli_jint(ev, "sequence"));
	format_instant(cli_jstr(ev, "updated_at"),
	               field_add(&f, cli_word(WORD_FIELD, "updated_at")), 512);
	snprintf(field_add(&f, cli_word(WORD_FIELD, "uid")), 512, "%s",
	         cli_jstr(ev, "uid"));
	fields_print(&f);
}

static int
show_human(json_t *ev, const struct cli *cli, const struct cli_args *a)
{
	const char *ical = cli_jstr(ev, "ical");

	client_office_zone_load(cli);
	event_fields_print(ev);
	if (cli_opt_has(a, "ical") && ical) {
		size_t len = strlen(ical);

		/* The VEVENT's CRLF line ends read as plain lines here;
		 * export keeps them byte for byte. */
		putchar('\n');
		for (const char *p = ical; *p; p++)
			if (*p != '\r')
				putchar(*p);
		if (len && ical[len - 1] != '\n')
			putchar('\n');
	}
	return CLI_OK;
}

int
cmd_show(const struct cli *cli, const struct cli_args *a)
{
	char path[PATH_LEN];
	json_t *doc;
	int rc = cmd_event_path(ROUTE_EVENT_GET, a->pos[0], path, sizeof(path));

	if (rc)
		return rc;
	rc = client_call(cli, ROUTE_EVENT_GET, path, NULL, 0, &doc);
	if (rc)
		return rc;
	return cli_answer(cli, a, doc, show_human);
}

/* add, edit, delete ------------------------------------------------------ */

/* The fields of a POST or PATCH body from the options given. */
static int
event_body_build(const struct cli_args *a, json_t **out)
{
	static const char *const plain[] = {"title",       "date",   "start",
	                                    "end",         "tz",     "location",
	                                    "description", "remind", NULL};
	json_t *body = json_object();
	const char *v;

	*out = NULL;
	if (!body) {
		cli_error(_("out of memory"));
		return CLI_EAPI;
	}
	if (cli_opt_has(a, "date") &&
	    (cli_opt_has(a, "start") || cli_opt_has(a, "end"))) {
		json_decref(body);
		return cli_usage_error(a, _("--date and --start/--end exclude "
		                            "each other"));
	}
	for (int i = 0; plain[i]; i++) {
		json_t *str;

		if (!(v = cli_opt_get(a, plain[i])))
			continue;
		/* json_string() refuses a text that is not UTF-8: say so,
		 * rather than send a body without it. */
		if (!(str = json_string(v))) {
			json_decref(body);
			return cli_usage_error(a,
			                       _("--%s is not valid UTF-8 "
			                         "(is the terminal's encoding "
			                         "UTF-8?)"),
			                       plain[i]);
		}
		json_object_set_new(body, plain[i], str);
	}
	if ((v = cli_opt_get(a, "topics")))
		json_object_set_new(body, "topics", cli_list_split(v));
	*out = body;
	return CLI_OK;
}

int
cmd_add(const struct cli *cli, const struct cli_args *a)
{
	json_t *body, *ev;
	int rc;

	if (!cli_opt_has(a, "title"))
		return cli_usage_error(a, _("--title is required"));
	if (!cli_opt_has(a, "date") && !cli_opt_has(a, "start"))
		return cli_usage_error(a, _("give --date EXPR or --start ISO"));
	if (cli_opt_has(a, "end") && !cli_opt_has(a, "start"))
		return cli_usage_error(a, _("--end needs --start"));
	rc = event_body_build(a, &body);
	if (rc)
		return rc;
	rc = client_call(cli, ROUTE_EVENT_ADD, NULL, body, 0, &ev);
	json_decref(body);
	if (rc)
		return rc;
	if (cli->json)
		format_json_print(ev);
	else
		printf("%s\n", cli_jstr(ev, "id"));
	json_decref(ev);
	return CLI_OK;
}

/* "2018-08 updated: jue 8 feb 2018 (version 1)" after a change; fmt
 * (translated) takes the id, the date and the version. */
void
cmd_event_line_print(json_t *ev, const char *fmt)
{
	char when[256];

	format_event_when(ev, when, sizeof(when));
	printf(fmt, cli_jstr(ev, "id"), when, cli_jint(ev, "sequence"));
}

int
cmd_edit(const struct cli *cli, const struct cli_args *a)
{
	char path[PATH_LEN];
	json_t *body, *ev;
	int rc;

	rc = event_body_build(a, &body);
	if (rc)
		return rc;
	if (json_object_size(body) == 0) {
		json_decref(body);
		return cli_usage_error(a, _("nothing to change"));
	}
	rc = cmd_event_path(ROUTE_EVENT_EDIT, a->pos[0], path, sizeof(path));
	if (!rc)
		rc = client_call(cli, ROUTE_EVENT_EDIT, path, body, 0, &ev);
	json_decref(body);
	if (rc)
		return rc;
	if (cli->json)
		format_json_print(ev);
	else
		cmd_event_line_print(ev, _("%s updated: %s (version %lld)\n"));
	json_decref(ev);
	return CLI_OK;
}

int
cmd_delete(const struct cli *cli, const struct cli_args *a)
{
	char path[PATH_LEN];
	json_t *doc;
	int rc =
	    cmd_event_path(ROUTE_EVENT_DELETE, a->pos[0], path, sizeof(path));

	if (rc)
		return rc;
	if (cli_opt_has(a, "force") &&
	    client_query_add(path, sizeof(path), "force", "1") < 0)
		return cli_usage_error(a, _("the session id is too long"));
	rc = client_call(cli, ROUTE_EVENT_DELETE, path, NULL, 0, &doc);
	if (rc)
		return rc;
	if (cli->json)
		format_json_print(doc);
	else
		printf(_("deleted %s\n"), cli_jstr(doc, "deleted"));
	json_decref(doc);
	return CLI_OK;
}

/* export ---------------------------------------------------------------- */

int
cmd_export(const struct cli *cli, const struct cli_args *a)
{
	char path[PATH_LEN], *body;
	size_t len;
	int rc = route_path(ROUTE_EXPORT, NULL, path, sizeof(path));

	if (rc || (rc = cmd_query_add(path, sizeof(path), "topic",
	                              cli_opt_get(a, "topic"))))
		return rc;
	rc = client_get_raw(cli, ROUTE_EXPORT, path, &body, &len);
	if (rc)
		return rc;
	/* Byte for byte: CRLF line ends and folding stay as served. */
	if (fwrite(body, 1, len, stdout) != len) {
		cli_error(_("cannot write the calendar: %s"), strerror(errno));
		rc = CLI_EAPI;
	}
	free(body);
	return rc;
}
