/* commands_tbd: sessions whose date is still undecided ("fecha por
 * definir"), fixing, moving and cancelling them, and the test clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cronoctl.h"

#define PATH_LEN 2048

/* tbd ------------------------------------------------------------------- */

/* Undecided sessions by the start of their window, then by id. */
static int
tbd_cmp(const void *pa, const void *pb)
{
	json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	const char *wa = cli_jstr(a, "window_start"),
	           *wb = cli_jstr(b, "window_start");
	const char *ia = cli_jstr(a, "id"), *ib = cli_jstr(b, "id");
	int c = strcmp(wa ? wa : "9999", wb ? wb : "9999");

	return c ? c : strcmp(ia ? ia : "", ib ? ib : "");
}

static int
tbd_human(json_t *doc, const struct cli *cli, const struct cli_args *a)
{
	static const char *const head[] = {N_("ID"), N_("WINDOW"), N_("OPENS"),
	                                   N_("TITLE")};
	json_t *events = json_object_get(doc, "events");
	size_t n = json_array_size(events);
	json_t **sorted = calloc(n ? n : 1, sizeof(json_t *));
	struct table *t = table_new(4, head);
	char win[256], opens[64];

	(void)a;
	if (!sorted || !t) {
		free(sorted);
		table_free(t);
		return CLI_EAPI;
	}
	for (size_t i = 0; i < n; i++)
		sorted[i] = json_array_get(events, i);
	qsort(sorted, n, sizeof(*sorted), tbd_cmp);
	for (size_t i = 0; i < n; i++) {
		json_t *ev = sorted[i],
		       *d = json_object_get(ev, "days_to_window");
		long long days = json_integer_value(d);
		const char *row[4];

		format_event_when(ev, win, sizeof(win));
		if (!json_is_integer(d))
			opens[0] = '\0';
		else if (days > 1)
			snprintf(opens, sizeof(opens),
			         ngettext("opens in %lld day",
			                  "opens in %lld days", days),
			         days);
		else if (days == 1)
			snprintf(opens, sizeof(opens), "%s",
			         _("opens tomorrow"));
		else if (days == 0)
			snprintf(opens, sizeof(opens), "%s", _("opens today"));
		else
			snprintf(opens, sizeof(opens), "%s",
			         P_("window", "open"));
		row[0] = cli_jstr(ev, "id");
		row[1] = win;
		row[2] = opens;
		row[3] = cli_jstr(ev, "title");
		table_add_row(t, row);
	}
	table_finish(t, 3, cli_width(cli), _("no undecided sessions"));
	free(sorted);
	return CLI_OK;
}

int
cmd_tbd(const struct cli *cli, const struct cli_args *a)
{
	json_t *doc;
	int rc;

	(void)a;
	rc = client_call(cli, ROUTE_TBD, NULL, NULL, 0, &doc);
	if (rc)
		return rc;
	return cli_answer(cli, a, doc, tbd_human);
}

/* reschedule, cancel ------------------------------------------------------ */

/* The notices (and reminders) of a reschedule or cancel answer, their
 * times in the office's zone; none (translated) says why nobody is told
 * when it is not --silent. */
static void
notices_print(const struct cli *cli, json_t *doc, int silent, const char *none)
{
	json_t *notices = json_object_get(doc, "notices"), *x;
	json_t *reminders = json_object_get(doc, "reminders");
	size_t i;
	char due[64], off[32];

	client_office_zone_load(cli);
	if (json_array_size(notices) == 0)
		printf("%s\n", silent ? _("nobody told (--silent)") : none);
	json_array_foreach(notices, i, x)
	{
		const char *kind = cli_jstr(x, "kind");

		format_instant(cli_jstr(x, "due"), due, sizeof(due));
		if (kind && strcmp(kind, "cancel") == 0)
			printf(_("  cancellation to %s, due %s\n"),
			       cli_jstr(x, "osc"), due);
		else
			printf(_("  update to %s, due %s\n"),
			       cli_jstr(x, "osc"), due);
	}
	json_array_foreach(reminders, i, x)
	{
		format_offset(cli_jint(x, "offset_s"), off, sizeof(off));
		format_instant(cli_jstr(x, "due"), due, sizeof(due));
		printf(_("  reminder %s before, due %s\n"), off, due);
	}
}

static int
reschedule_human(json_t *doc, const struct cli *cli, const struct cli_args *a)
{
	json_t *ev = json_object_get(doc, "event");
	int dry = json_is_true(json_object_get(doc, "dry_run"));

	if (dry)
		cmd_event_line_print(ev, _("%s would move to: %s (version "
		                           "%lld)\n"));
	else
		cmd_event_line_print(ev, _("%s rescheduled to: %s (version "
		                           "%lld)\n"));
	notices_print(cli, doc, cli_opt_has(a, "silent"),
	              _("nobody to tell: no organisation follows its topics, "
	                "or nothing they know changed"));
	if (dry)
		printf("%s\n", _("dry run: nothing changed"));
	return CLI_OK;
}

int
cmd_reschedule(const struct cli *cli, const struct cli_args *a)
{
	char path[PATH_LEN], when[1024] = "";
	size_t used = 0;
	json_t *body, *doc;
	int rc = cmd_event_path(ROUTE_EVENT_RESCHEDULE, a->pos[0], path,
	                        sizeof(path));

	if (rc)
		return rc;
	/* WHEN may be given unquoted: "reschedule 2018-40 15 de marzo". */
	for (int i = 1; i < a->npos; i++)
		used += (size_t)snprintf(
		    when + used, used < sizeof(when) ? sizeof(when) - used : 0,
		    "%s%s", i > 1 ? " " : "", a->pos[i]);
	if (used >= sizeof(when))
		return cli_usage_error(a, _("WHEN is too long"));
	body =
	    json_pack("{s:s, s:b, s:b, s:b}", "when", when, "dry_run",
	              cli_opt_has(a, "dry-run"), "now", cli_opt_has(a, "now"),
	              "silent", cli_opt_has(a, "silent"));
	rc = client_call(cli, ROUTE_EVENT_RESCHEDULE, path, body, 0, &doc);
	json_decref(body);
	if (rc)
		return rc;
	return cli_answer(cli, a, doc, reschedule_human);
}

static int
cancel_human(json_t *doc, const struct cli *cli, const struct cli_args *a)
{
	json_t *ev = json_object_get(doc, "event");

	printf(_("%s cancelled (version %lld)\n"), cli_jstr(ev, "id"),
	       cli_jint(ev, "sequence"));
	notices_print(cli, doc, cli_opt_has(a, "silent"),
	              _("nobody to tell: no organisation was told of it "
	                "before"));
	return CLI_OK;
}

int
cmd_cancel(const struct cli *cli, const struct cli_args *a)
{
	char path[PATH_LEN];
	json_t *body, *doc;
	int rc =
	    cmd_event_path(ROUTE_EVENT_CANCEL, a->pos[0], path, sizeof(path));

	if (rc)
		return rc;
	body = json_pack("{s:b, s:b}", "now", cli_opt_has(a, "now"), "silent",
	                 cli_opt_has(a, "silent"));
	if (cli_opt_has(a, "reason"))
		json_object_set_new(body, "reason",
		                    json_string(cli_opt_get(a, "reason")));
	rc = client_call(cli, ROUTE_EVENT_CANCEL, path, body, 0, &doc);
	json_decref(body);
	if (rc)
		return rc;
	return cli_answer(cli, a, doc, cancel_human);
}

/* clock ----------------------------------------------------------------- */

int
cmd_clock(const struct cli *cli, const struct cli_args *a)
{
	long advance = 0;
	json_t *body = NULL, *doc, *now;
	int rc;

	if (cli_opt_has(a, "set") && cli_opt_has(a, "advance"))
		return cli_usage_error(a, _("--set and --advance exclude each "
		                            "other"));
	rc = cli_opt_long(a, "advance", -100L * 365 * 86400, 100L * 365 * 86400,
	                  &advance);
	if (rc)
		return rc;
	if (cli_opt_has(a, "set"))
		body = json_pack("{s:s}", "now", cli_opt_get(a, "set"));
	else if (cli_opt_has(a, "advance"))
		body = json_pack("{s:I}", "advance_s", (json_int_t)advance);
	/* Without a change, "now" comes from the status, which any daemon
	 * answers (the clock route is only there with a test clock). */
	rc = client_call(cli, body ? ROUTE_CLOCK : ROUTE_STATUS, NULL, body, 0,
	                 &doc);
	json_decref(body);
	if (rc)
		return rc;
	now = json_object_get(doc, "now");
	if (cli->json) {
		json_t *out =
		    json_pack("{s:O}", "now", now ? now : json_null());

		format_json_print(out);
		json_decref(out);
	} else {
		/* The office's time, and the instant as the API says it. */
		char local[64];

		client_office_zone_load(cli);
		format_instant(json_string_value(now), local, sizeof(local));
		printf("%s (%s)\n", local,
		       json_is_string(now) ? json_string_value(now) : "");
	}
	json_decref(doc);
	return CLI_OK;
}
