/* commands_signup: the signup requests from the public page that wait
 * for staff ([public] signup = approval): osc pending, osc approve ID,
 * osc reject ID [--reason TEXT]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cronoctl.h"

#define PATH_LEN 256

static int
pending_human(json_t *doc, const struct cli *cli, const struct cli_args *a)
{
	static const char *const head[] = {N_("ID"),        N_("NAME"),
	                                   N_("EMAIL"),     N_("TOPICS"),
	                                   N_("CONFIRMED"), N_("FROM")};
	struct table *t = table_new(6, head);
	json_t *r;
	size_t i;
	char id[32], topics[1024], when[64];

	(void)a;
	if (!t)
		return CLI_EAPI;
	json_array_foreach(json_object_get(doc, "signups"), i, r)
	{
		const char *row[6];

		snprintf(id, sizeof(id), "%lld", cli_jint(r, "id"));
		format_join(json_object_get(r, "topics"), ",", topics,
		            sizeof(topics));
		format_instant(cli_jstr(r, "confirmed_at"), when, sizeof(when));
		row[0] = id;
		row[1] = cli_jstr(r, "name");
		row[2] = cli_jstr(r, "email");
		row[3] = topics;
		row[4] = when;
		row[5] = cli_jstr(r, "confirm_client");
		table_add_row(t, row);
	}
	table_finish(t, 1, cli_width(cli), _("no signup request is waiting"));
	if (strcmp(cli_jstr(doc, "mode") ? cli_jstr(doc, "mode") : "",
	           "approval") != 0)
		fprintf(stderr, "%s\n",
		        _("note: [public] signup is not 'approval': "
		          "confirmed requests do not wait for staff"));
	return CLI_OK;
}

int
cmd_osc_pending(const struct cli *cli, const struct cli_args *a)
{
	json_t *doc;
	int rc;

	client_office_zone_load(cli);
	rc = client_call(cli, ROUTE_SIGNUPS, NULL, NULL, 0, &doc);
	if (rc)
		return rc;
	return cli_answer(cli, a, doc, pending_human);
}

/* The path of route r for the request number in a->pos[0]. */
static int
signup_path(const struct cli_args *a, enum route r, char *path, size_t n)
{
	const char *s = a->pos[0];

	if (*s == '\0' || strspn(s, "0123456789") != strlen(s) ||
	    strlen(s) > 18)
		return cli_usage_error(
		    a, _("'%s' is not a request number (see osc pending)"), s);
	return route_path(r, s, path, n);
}

int
cmd_osc_approve(const struct cli *cli, const struct cli_args *a)
{
	char path[PATH_LEN];
	json_t *doc;
	int rc = signup_path(a, ROUTE_SIGNUP_APPROVE, path, sizeof(path));

	if (rc)
		return rc;
	rc = client_call(cli, ROUTE_SIGNUP_APPROVE, path, NULL, 0, &doc);
	if (rc)
		return rc;
	if (cli->json)
		format_json_print(doc);
	else
		printf(_("request %lld approved: organisation %lld\n"),
		       cli_jint(doc, "id"), cli_jint(doc, "osc"));
	json_decref(doc);
	return CLI_OK;
}

int
cmd_osc_reject(const struct cli *cli, const struct cli_args *a)
{
	char path[PATH_LEN];
	const char *reason = cli_opt_get(a, "reason");
	json_t *doc, *body = NULL;
	int rc = signup_path(a, ROUTE_SIGNUP_REJECT, path, sizeof(path));

	if (rc)
		return rc;
	if (reason)
		body = json_pack("{s:s}", "reason", reason);
	rc = client_call(cli, ROUTE_SIGNUP_REJECT, path, body, 0, &doc);
	json_decref(body);
	if (rc)
		return rc;
	if (cli->json)
		format_json_print(doc);
	else
		printf(_("request %lld rejected\n"), cli_jint(doc, "id"));
	json_decref(doc);
	return CLI_OK;
}
