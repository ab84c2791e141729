/* commands_osc: organisations (OSC), their subscriptions and private
 * feeds, the outbox and the reminders to come.
 *
 * An OSC on the command line is its number, or else its exact name or one
 * of its addresses, resolved here through GET /v1/oscs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cronoctl.h"

#define PATH_LEN 2048

/* 1 when osc's name is s or one of its addresses is s (any case). */
static int
osc_matches(json_t *osc, const char *s)
{
	const char *name = cli_jstr(osc, "name");
	json_t *e;
	size_t i;

	if (name && strcmp(name, s) == 0)
		return 1;
	json_array_foreach(json_object_get(osc, "emails"), i, e)
	{
		if (json_is_string(e) &&
		    strcasecmp(json_string_value(e), s) == 0)
			return 1;
	}
	return 0;
}

/*
 * The number of the organisation s names: s itself when it is a number,
 * else the one organisation whose exact name or address is s. CLI_EAPI
 * (printed) when none or several match.
 */
static int
osc_resolve(const struct cli *cli, const char *s, long long *id)
{
	json_t *doc, *osc, *match = NULL;
	char *end, ids[256] = "";
	size_t i, nmatch = 0, used = 0;
	long long n;
	int rc;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (*s && !*end && !errno && n > 0) {
		*id = n;
		return CLI_OK;
	}
	rc = client_call(cli, ROUTE_OSCS, NULL, NULL, 0, &doc);
	if (rc)
		return rc;
	json_array_foreach(json_object_get(doc, "oscs"), i, osc)
	{
		if (!osc_matches(osc, s))
			continue;
		match = osc;
		nmatch++;
		used += (size_t)snprintf(
		    ids + used, used < sizeof(ids) ? sizeof(ids) - used : 0,
		    "%s%lld", nmatch > 1 ? ", " : "", cli_jint(osc, "id"));
	}
	if (nmatch == 1)
		*id = cli_jint(match, "id");
	json_decref(doc);
	if (nmatch == 0) {
		cli_error(_("no organisation is named or addressed '%s'"), s);
		return CLI_EAPI;
	}
	if (nmatch > 1) {
		cli_error(_("'%s' is ambiguous: organisations %s"), s, ids);
		return CLI_EAPI;
	}
	return CLI_OK;
}

int
cmd_osc_id(const struct cli *cli, const char *s, long long *id)
{
	return osc_resolve(cli, s, id);
}

/* Route r ("/v1/oscs/ID…") of the organisation s names. */
static int
osc_path(const struct cli *cli, enum route r, const char *s, char *buf,
         size_t n)
{
	char num[32];
	long long id = 0;
	int rc = osc_resolve(cli, s, &id);

	if (rc)
		return rc;
	snprintf(num, sizeof(num), "%lld", id);
	return route_path(r, num, buf, n);
}

/* One consent entry in the staff's words: when, how, under which
 * privacy notice. */
static void
consent_words(json_t *c, char *buf, size_t n)
{
	const char *how = cli_jstr(c, "how"), *notice = cli_jstr(c, "notice");
	const char *client = cli_jstr(c, "client");
	const char *detail = cli_jstr(c, "detail");
	long long uid = cli_jint(c, "by_uid");
	char when[64], what[256];

	how = how ? how : "";
	notice = notice ? notice : "";
	client = client ? client : "";
	detail = detail ? detail : "";
	format_instant(cli_jstr(c, "at"), when, sizeof when);
	if (strcmp(how, "staff") == 0)
		snprintf(what, sizeof what, _("added by staff (uid %lld)"),
		         uid);
	else if (strcmp(how, "import") == 0)
		snprintf(what, sizeof what,
		         _("imported by staff (uid %lld), line %s of the file"),
		         uid, detail[0] ? detail : "?");
	else if (strcmp(how, "self") == 0)
		snprintf(what, sizeof what,
		         _("subscribed itself from the page (%s)"),
		         client[0] ? client : "?");
	else
		snprintf(what, sizeof what, "%s",
		         _("subscribed before consent was recorded"));
	if (notice[0])
		snprintf(buf, n, _("%s: %s, privacy notice %s"), when, what,
		         notice);
	else
		snprintf(buf, n, _("%s: %s, no privacy notice version"), when,
		         what);
}

/* An organisation in the staff's words, one field a line. */
static int
osc_human(json_t *osc, const struct cli *cli, const struct cli_args *a)
{
	static const char *const keys[] = {
	    "id",         "name",      "emails",
	    "contact",    "state",     "topics",
	    "created_at", "paused_at", "erasure_requested_at",
	    "consent"};
	const size_t nkeys = sizeof(keys) / sizeof(keys[0]);
	char val[1024];
	int width = 0;

	(void)a;
	client_office_zone_load(cli);
	for (size_t i = 0; i < nkeys; i++) {
		int w =
		    (int)table_utf8_width(cli_word(WORD_FIELD, keys[i])) + 2;

		if (w > width)
			width = w;
	}
	for (size_t i = 0; i < nkeys; i++) {
		json_t *v = json_object_get(osc, keys[i]);

		if (strcmp(keys[i], "created_at") == 0)
			format_instant(json_string_value(v), val, sizeof(val));
		else if (strcmp(keys[i], "paused_at") == 0 ||
		         strcmp(keys[i], "erasure_requested_at") == 0) {
			/* Only when the organisation did it, from its page. */
			if (!json_is_string(v))
				continue;
			format_instant(json_string_value(v), val, sizeof(val));
		} else if (strcmp(keys[i], "consent") == 0) {
			size_t j, used = 0;
			json_t *c;

			if (v == NULL)
				continue;
			val[0] = '\0';
			json_array_foreach(v, j, c)
			{
				char line[512];

				consent_words(c, line, sizeof line);
				used += (size_t)snprintf(
				    val + used,
				    used < sizeof val ? sizeof val - used : 0,
				    "%s%s", j ? "\n" : "", line);
			}
		} else if (json_is_array(v))
			format_join(v, ", ", val, sizeof(val));
		else
			format_scalar(v, val, sizeof(val));
		format_field_print(cli_word(WORD_FIELD, keys[i]), val, width);
	}
	cmd_osc_address_state_print(osc, width);
	return CLI_OK;
}

/* "Name (3): agenda-2030, migracion" after a change of topics. */
static int
osc_topics_human(json_t *osc, const struct cli *cli, const struct cli_args *a)
{
	char topics[1024];

	(void)a;
	(void)cli;
	format_join(json_object_get(osc, "topics"), ", ", topics,
	            sizeof(topics));
	if (topics[0])
		printf(_("%s (%lld) follows: %s\n"), cli_jstr(osc, "name"),
		       cli_jint(osc, "id"), topics);
	else
		printf(_("%s (%lld) follows: no topics\n"),
		       cli_jstr(osc, "name"), cli_jint(osc, "id"));
	return CLI_OK;
}

int
cmd_osc_add(const struct cli *cli, const struct cli_args *a)
{
	json_t *body, *osc;
	int rc;

	if (!cli_opt_has(a, "name") || !cli_opt_has(a, "email"))
		return cli_usage_error(a, _("--name and --email are required"));
	body = json_pack("{s:s, s:o}", "name", cli_opt_get(a, "name"), "emails",
	                 cli_list_split(cli_opt_get(a, "email")));
	if (!body) {
		cli_error(_("--name and --email must be UTF-8 text"));
		return CLI_EUSAGE;
	}
	if (cli_opt_has(a, "contact"))
		json_object_set_new(body, "contact",
		                    json_string(cli_opt_get(a, "contact")));
	if (cli_opt_has(a, "state"))
		json_object_set_new(body, "state",
		                    json_string(cli_opt_get(a, "state")));
	if (cli_opt_has(a, "topics"))
		json_object_set_new(body, "topics",
		                    cli_list_split(cli_opt_get(a, "topics")));
	rc = client_call(cli, ROUTE_OSC_ADD, NULL, body, 0, &osc);
	json_decref(body);
	if (rc)
		return rc;
	if (cli->json)
		format_json_print(osc);
	else
		printf("%lld\n", cli_jint(osc, "id"));
	json_decref(osc);
	return CLI_OK;
}

static void
osc_report_human(json_t *report, const struct cli *cli)
{
	static const char *const head[] = {N_("LINE"), N_("ID"), N_("NAME"),
	                                   N_("ACTION")};
	const char *enc = cli_jstr(report, "encoding");
	const char *sep = cli_jstr(report, "separator");
	struct table *t = table_new(4, head);
	json_t *rows = json_object_get(report, "rows"), *r, *e;
	size_t i, created = 0, updated = 0, other = 0;
	char line[32], id[32];

	if (!t)
		return;
	json_array_foreach(rows, i, r)
	{
		const char *act = cli_jstr(r, "action");
		const char *row[4];

		snprintf(line, sizeof(line), "%lld", cli_jint(r, "line"));
		format_scalar(json_object_get(r, "id"), id, sizeof(id));
		row[0] = line;
		row[1] = id;
		row[2] = cli_jstr(r, "name");
		row[3] = cli_word(WORD_ACTION_OSC, act);
		table_add_row(t, row);
		if (act && strcmp(act, "create") == 0)
			created++;
		else if (act && strcmp(act, "update") == 0)
			updated++;
		else
			other++;
	}
	table_finish(t, 2, cli_width(cli), NULL);
	/* The messages are the daemon's, in English. */
	json_array_foreach(json_object_get(report, "errors"), i, e)
	{
		if (json_is_integer(json_object_get(e, "line")) &&
		    cli_jint(e, "line") > 0)
			printf(_("line %lld: error: %s\n"), cli_jint(e, "line"),
			       cli_jstr(e, "message"));
		else
			printf(_("error: %s\n"), cli_jstr(e, "message"));
	}
	if (enc && strcmp(enc, "UTF-8") != 0)
		printf(_("read as %s text, converted to UTF-8\n"), enc);
	if (sep && strcmp(sep, ";") == 0)
		printf("%s\n", _("columns separated by semicolons (;)"));
	printf(ngettext("%zu organisation: %zu created, %zu updated, %zu "
	                "unchanged\n",
	                "%zu organisations: %zu created, %zu updated, %zu "
	                "unchanged\n",
	                json_array_size(rows)),
	       json_array_size(rows), created, updated, other);
}

int
cmd_osc_import(const struct cli *cli, const struct cli_args *a)
{
	char *text, *data;
	size_t len, nerr;
	json_t *body, *report;
	int rc = cli_file_read(a->pos[0], &text, &len);

	if (rc)
		return rc;
	/* The file's bytes as they are: the daemon finds out whether they
	 * are UTF-8 or Windows-1252 (a spreadsheet on a Spanish Windows) and
	 * says so in its report. */
	data = cli_base64(text, len);
	free(text);
	if (!data) {
		cli_error(_("out of memory"));
		return CLI_EAPI;
	}
	body = json_pack("{s:s, s:b}", "data", data, "dry_run",
	                 cli_opt_has(a, "dry-run"));
	free(data);
	rc = client_call(cli, ROUTE_OSC_IMPORT, NULL, body, CLIENT_REPORT,
	                 &report);
	json_decref(body);
	if (!report)
		return rc;
	nerr = json_array_size(json_object_get(report, "errors"));
	if (json_is_false(json_object_get(report, "ok")))
		rc = CLI_EAPI;
	if (cli->json)
		format_json_print(report);
	else {
		osc_report_human(report, cli);
		if (!rc && cli_opt_has(a, "dry-run"))
			printf("%s\n", _("dry run: nothing changed"));
	}
	json_decref(report);
	if (rc)
		cli_error(ngettext("nothing imported: %zu error",
		                   "nothing imported: %zu errors", nerr),
		          nerr);
	return rc;
}

static int
osc_list_human(json_t *doc, const struct cli *cli, const struct cli_args *a)
{
	static const char *const head[] = {
	    N_("ID"),     N_("NAME"),
	    N_("EMAILS"), NP_("Mexican state", "STATE"),
	    N_("TOPICS"), N_("MAIL")};
	struct table *t = table_new(6, head);
	json_t *osc;
	size_t i;
	char id[32], emails[512], topics[1024];

	(void)a;
	if (!t)
		return CLI_EAPI;
	table_hide_empty(t, 3);
	table_hide_empty(t, 5);
	json_array_foreach(json_object_get(doc, "oscs"), i, osc)
	{
		const char *row[6];

		snprintf(id, sizeof(id), "%lld", cli_jint(osc, "id"));
		format_join(json_object_get(osc, "emails"), ",", emails,
		            sizeof(emails));
		format_join(json_object_get(osc, "topics"), ",", topics,
		            sizeof(topics));
		row[0] = id;
		row[1] = cli_jstr(osc, "name");
		row[2] = emails;
		row[3] = cli_jstr(osc, "state");
		row[4] = topics;
		/* What the organisation asked for from its own page. */
		row[5] =
		    json_is_string(json_object_get(osc, "erasure_requested_at"))
		        ? _("erasure requested")
		    : json_is_string(json_object_get(osc, "paused_at"))
		        ? _("paused")
		        : "";
		table_add_row(t, row);
	}
	table_finish(t, 1, cli_width(cli), _("no organisations"));
	return CLI_OK;
}

int
cmd_osc_list(const struct cli *cli, const struct cli_args *a)
{
	char path[PATH_LEN];
	json_t *doc;
	int rc = route_path(ROUTE_OSCS, NULL, path, sizeof(path));

	if (rc)
		return rc;
	if (cli_opt_has(a, "rebotando"))
		return cmd_osc_list_bouncing(cli, a);
	if (client_query_add(path, sizeof(path), "topic",
	                     cli_opt_get(a, "topic")) < 0)
		return cli_usage_error(a, _("--topic is too long"));
	rc = client_call(cli, ROUTE_OSCS, path, NULL, 0, &doc);
	if (rc)
		return rc;
	return cli_answer(cli, a, doc, osc_list_human);
}

int
cmd_osc_show(const struct cli *cli, const struct cli_args *a)
{
	char path[PATH_LEN];
	json_t *doc;
	int rc = osc_path(cli, ROUTE_OSC_GET, a->pos[0], path, sizeof(path));

	if (rc)
		return rc;
	rc = client_call(cli, ROUTE_OSC_GET, path, NULL, 0, &doc);
	if (rc)
		return rc;
	/* --json prints the API's document as it is. */
	if (!cli->json && (rc = cmd_osc_address_state(cli, doc)) != CLI_OK) {
		json_decref(doc);
		return rc;
	}
	return cli_answer(cli, a, doc, osc_human);
}

int
cmd_osc_remove(const struct cli *cli, const struct cli_args *a)
{
	char path[PATH_LEN];
	json_t *doc;
	int rc = osc_path(cli, ROUTE_OSC_REMOVE, a->pos[0], path, sizeof(path));

	if (rc)
		return rc;
	rc = client_call(cli, ROUTE_OSC_REMOVE, path, NULL, 0, &doc);
	if (rc)
		return rc;
	if (cli->json)
		format_json_print(doc);
	else {
		char id[64];

		format_scalar(json_object_get(doc, "deleted"), id, sizeof(id));
		printf(_("removed organisation %s\n"), id);
	}
	json_decref(doc);
	return CLI_OK;
}

static int
token_human(json_t *doc, const struct cli *cli, const struct cli_args *a)
{
	const char *lt = _("token"), *lf = _("private feed");
	const char *lp = _("own page");
	int wt = (int)table_utf8_width(lt), wf = (int)table_utf8_width(lf);
	int wp = (int)table_utf8_width(lp);
	int width = (wt > wf ? wt : wf) + 2;

	if (wp + 2 > width)
		width = wp + 2;
	(void)a;
	(void)cli;
	format_field_print(lt, cli_jstr(doc, "token"), width);
	format_field_print(lf, cli_jstr(doc, "feed_url"), width);
	if (cli_jstr(doc, "page_url") != NULL)
		format_field_print(lp, cli_jstr(doc, "page_url"), width);
	return CLI_OK;
}

int
cmd_osc_token(const struct cli *cli, const struct cli_args *a)
{
	char path[PATH_LEN];
	json_t *doc;
	enum route r = cli_opt_has(a, "reset") ? ROUTE_OSC_TOKEN_RESET
	                                       : ROUTE_OSC_TOKEN_GET;
	int rc = osc_path(cli, r, a->pos[0], path, sizeof(path));

	if (rc)
		return rc;
	rc = client_call(cli, r, path, NULL, 0, &doc);
	if (rc)
		return rc;
	return cli_answer(cli, a, doc, token_human);
}

/* subscribe and unsubscribe: OSC SLUG… */
static int
topics_change(const struct cli *cli, const struct cli_args *a, enum route r)
{
	char path[PATH_LEN];
	json_t *body, *topics, *doc;
	int rc = osc_path(cli, r, a->pos[0], path, sizeof(path));

	if (rc)
		return rc;
	topics = json_array();
	for (int i = 1; i < a->npos; i++) {
		json_t *more = cli_list_split(a->pos[i]);

		json_array_extend(topics, more);
		json_decref(more);
	}
	body = json_pack("{s:o}", "topics", topics);
	rc = client_call(cli, r, path, body, 0, &doc);
	json_decref(body);
	if (rc)
		return rc;
	return cli_answer(cli, a, doc, osc_topics_human);
}

int
cmd_subscribe(const struct cli *cli, const struct cli_args *a)
{
	return topics_change(cli, a, ROUTE_OSC_SUBSCRIBE);
}

int
cmd_unsubscribe(const struct cli *cli, const struct cli_args *a)
{
	return topics_change(cli, a, ROUTE_OSC_UNSUBSCRIBE);
}

/* outbox ---------------------------------------------------------------- */

static int
outbox_human(json_t *doc, const struct cli *cli, const struct cli_args *a)
{
	static const char *const head[] = {
	    N_("ID"),    N_("DUE"), N_("STATE"), N_("KIND"),
	    N_("EVENT"), N_("OSC"), N_("TRIES"), N_("ERROR")};
	struct table *t = table_new(8, head);
	json_t *m;
	size_t i;
	char id[32], due[64], kind[64], off[32], tries[16];

	(void)a;
	if (!t)
		return CLI_EAPI;
	client_office_zone_load(cli);
	table_hide_empty(t, 7);
	json_array_foreach(json_object_get(doc, "messages"), i, m)
	{
		const char *k = cli_jstr(m, "kind"), *row[8];

		snprintf(id, sizeof(id), "%lld", cli_jint(m, "id"));
		format_instant(cli_jstr(m, "due"), due, sizeof(due));
		if (k && strcmp(k, "reminder") == 0) {
			format_offset(cli_jint(m, "offset_s"), off,
			              sizeof(off));
			snprintf(kind, sizeof(kind), _("reminder %s"), off);
		} else
			snprintf(kind, sizeof(kind), "%s",
			         cli_word(WORD_OUTBOX_KIND, k));
		snprintf(tries, sizeof(tries), "%lld", cli_jint(m, "tries"));
		row[0] = id;
		row[1] = due;
		row[2] = cli_word(WORD_OUTBOX_STATE, cli_jstr(m, "state"));
		row[3] = kind;
		row[4] = cli_jstr(m, "event");
		row[5] = k && strcmp(k, "staff") == 0
		             ? cli_word(WORD_OUTBOX_TO, cli_jstr(m, "osc"))
		             : cli_jstr(m, "osc");
		row[6] = tries;
		row[7] = cli_jstr(m, "last_error");
		table_add_row(t, row);
	}
	table_finish(t, 7, cli_width(cli), _("no messages"));
	return CLI_OK;
}

int
cmd_outbox(const struct cli *cli, const struct cli_args *a)
{
	char path[PATH_LEN];
	long limit = 0;
	json_t *doc;
	int rc = cli_opt_long(a, "limit", 1, 1000000, &limit);

	if (rc || (rc = route_path(ROUTE_OUTBOX, NULL, path, sizeof(path))))
		return rc;
	if (client_query_add(path, sizeof(path), "state",
	                     cli_opt_get(a, "state")) < 0 ||
	    client_query_add(path, sizeof(path), "event",
	                     cli_opt_get(a, "event")) < 0 ||
	    client_query_add(path, sizeof(path), "limit",
	                     cli_opt_get(a, "limit")) < 0)
		return cli_usage_error(a, _("an option's value is too long"));
	rc = client_call(cli, ROUTE_OUTBOX, path, NULL, 0, &doc);
	if (rc)
		return rc;
	return cli_answer(cli, a, doc, outbox_human);
}

int
cmd_outbox_retry(const struct cli *cli, const struct cli_args *a)
{
	json_t *body, *doc;
	char *end;
	long long id;
	int rc;

	if (cli_opt_has(a, "failed") == (a->npos == 1))
		return cli_usage_error(a, _("give a message ID or --failed"));
	if (a->npos == 1) {
		errno = 0;
		id = strtoll(a->pos[0], &end, 10);
		if (errno || end == a->pos[0] || *end || id <= 0)
			return cli_usage_error(a, _("'%s' is not a message ID"),
			                       a->pos[0]);
		body = json_pack("{s:I}", "id", (json_int_t)id);
	} else
		body = json_pack("{s:b}", "failed", 1);
	rc = client_call(cli, ROUTE_OUTBOX_RETRY, NULL, body, 0, &doc);
	json_decref(body);
	if (rc)
		return rc;
	if (cli->json)
		format_json_print(doc);
	else {
		long long n = cli_jint(doc, "retried");

		printf(ngettext("%lld message to retry\n",
		                "%lld messages to retry\n", (unsigned long)n),
		       n);
	}
	json_decref(doc);
	return CLI_OK;
}

/* An outbox move (hold, release, drop) of message ID (the one argument)
 * or of the messages of --event EVENT. CLI_OK with the API's answer in
 * *doc, NULL when it was printed as JSON. */
static int
outbox_move(const struct cli *cli, const struct cli_args *a, enum route r,
            json_t **doc)
{
	const char *event = cli_opt_get(a, "event");
	json_t *body;
	long long id;
	char *end;
	int rc;

	*doc = NULL;
	if ((event != NULL) == (a->npos == 1))
		return cli_usage_error(a,
		                       _("give a message ID or --event EVENT"));
	if (a->npos == 1) {
		errno = 0;
		id = strtoll(a->pos[0], &end, 10);
		if (errno || end == a->pos[0] || *end || id <= 0)
			return cli_usage_error(a, _("'%s' is not a message ID"),
			                       a->pos[0]);
		body = json_pack("{s:I}", "id", (json_int_t)id);
	} else
		body = json_pack("{s:s}", "event", event);
	rc = client_call(cli, r, NULL, body, 0, doc);
	json_decref(body);
	if (rc == 0 && cli->json) {
		format_json_print(*doc);
		json_decref(*doc);
		*doc = NULL;
	}
	return rc;
}

int
cmd_outbox_hold(const struct cli *cli, const struct cli_args *a)
{
	json_t *doc;
	long long n;
	int rc = outbox_move(cli, a, ROUTE_OUTBOX_HOLD, &doc);

	if (rc || !doc)
		return rc;
	n = cli_jint(doc, "held");
	printf(ngettext("%lld message held: not sent until released\n",
	                "%lld messages held: not sent until released\n",
	                (unsigned long)n),
	       n);
	json_decref(doc);
	return CLI_OK;
}

int
cmd_outbox_release(const struct cli *cli, const struct cli_args *a)
{
	json_t *doc;
	long long n;
	int rc = outbox_move(cli, a, ROUTE_OUTBOX_RELEASE, &doc);

	if (rc || !doc)
		return rc;
	n = cli_jint(doc, "released");
	printf(ngettext("%lld message released: it goes out now\n",
	                "%lld messages released: they go out now\n",
	                (unsigned long)n),
	       n);
	json_decref(doc);
	return CLI_OK;
}

int
cmd_outbox_drop(const struct cli *cli, const struct cli_args *a)
{
	json_t *doc;
	long long n;
	int rc = outbox_move(cli, a, ROUTE_OUTBOX_DROP, &doc);

	if (rc || !doc)
		return rc;
	n = cli_jint(doc, "dropped");
	printf(ngettext("%lld message dropped: it will never be sent\n",
	                "%lld messages dropped: they will never be sent\n",
	                (unsigned long)n),
	       n);
	json_decref(doc);
	return CLI_OK;
}

/* upcoming -------------------------------------------------------------- */

static int
upcoming_human(json_t *doc, const struct cli *cli, const struct cli_args *a)
{
	static const char *const head[] = {N_("DUE"), N_("EVENT"), N_("BEFORE"),
	                                   N_("OSCS"), N_("TITLE")};
	struct table *t = table_new(5, head);
	json_t *r;
	size_t i;
	char due[80], off[32], oscs[16];

	(void)a;
	if (!t)
		return CLI_EAPI;
	client_office_zone_load(cli);
	json_array_foreach(json_object_get(doc, "reminders"), i, r)
	{
		const char *row[5];
		size_t len;

		format_instant(cli_jstr(r, "due"), due, sizeof(due));
		len = strlen(due);
		if (json_is_true(json_object_get(r, "late")))
			snprintf(due + len, sizeof(due) - len, " %s",
			         _("(late)"));
		format_offset(cli_jint(r, "offset_s"), off, sizeof(off));
		snprintf(oscs, sizeof(oscs), "%zu",
		         json_array_size(json_object_get(r, "oscs")));
		row[0] = due;
		row[1] = cli_jstr(r, "event");
		row[2] = off;
		row[3] = oscs;
		row[4] = cli_jstr(r, "title");
		table_add_row(t, row);
	}
	table_finish(t, 4, cli_width(cli), _("no reminders due"));
	return CLI_OK;
}

int
cmd_upcoming(const struct cli *cli, const struct cli_args *a)
{
	char path[PATH_LEN];
	long days = 0;
	json_t *doc;
	int rc = cli_opt_long(a, "days", 1, 3660, &days);

	if (rc || (rc = route_path(ROUTE_UPCOMING, NULL, path, sizeof(path))))
		return rc;
	if (client_query_add(path, sizeof(path), "days",
	                     cli_opt_get(a, "days")) < 0)
		return cli_usage_error(a, _("--days is too long"));
	rc = client_call(cli, ROUTE_UPCOMING, path, NULL, 0, &doc);
	if (rc)
		return rc;
	return cli_answer(cli, a, doc, upcoming_human);
}
