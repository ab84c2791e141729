/* commands_bounce: what comes back to the bounce address. `cronoctl
 * bounce` hands a message to the daemon (an MTA's pipe: its exit status
 * says whether the MTA must try again), `osc list --rebotando` shows the
 * addresses that take no more mail or bounce and why, `osc enable` mails
 * one again, and `osc show` names each address's state. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "cronoctl.h"

/* What is sent of a message: its reports come first, and the daemon
 * reads no more than this (bounce.h, BOUNCE_MESSAGE_MAX). */
#define BOUNCE_SEND_MAX (1024 * 1024)

/* Standard input: its first BOUNCE_SEND_MAX bytes into *buf (the rest is
 * read and left, so that the MTA's pipe is emptied). 0, or -errno. */
static int
bounce_stdin_read(char **buf, size_t *len)
{
	char *b = malloc(BOUNCE_SEND_MAX + 1), skip[65536];
	size_t n = 0, got;

	*buf = NULL;
	*len = 0;
	if (b == NULL)
		return -ENOMEM;
	while (n < BOUNCE_SEND_MAX &&
	       (got = fread(b + n, 1, BOUNCE_SEND_MAX - n, stdin)) > 0)
		n += got;
	while (!ferror(stdin) && fread(skip, 1, sizeof(skip), stdin) > 0)
		;
	if (ferror(stdin)) {
		int err = errno ? errno : EIO;

		free(b);
		return -err;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int
cmd_bounce(const struct cli *cli, const struct cli_args *a)
{
	json_t *doc = NULL;
	char *msg;
	size_t len;
	long status;
	int rc;

	if (isatty(STDIN_FILENO))
		return cli_usage_error(a, _("give the message on standard "
		                            "input"));
	if ((rc = bounce_stdin_read(&msg, &len)) < 0) {
		cli_error(_("cannot read the message: %s"), strerror(-rc));
		return EX_DATAERR;
	}
	if (len == 0) {
		free(msg);
		cli_error(_("the message is empty"));
		return EX_DATAERR;
	}
	rc = client_post_raw(cli, ROUTE_BOUNCE_ADD, msg, len, "message/rfc822",
	                     &status, &doc);
	free(msg);
	/* The MTA keeps the message and tries again later: the daemon is
	 * down, or its store could not record it. */
	if (rc == CLI_ECONN || (rc && status >= 500))
		return EX_TEMPFAIL;
	if (rc)
		return status == 422 ? EX_DATAERR : rc;
	if (cli->json) {
		format_json_print(doc);
	} else {
		const char *outcome = cli_jstr(doc, "outcome");
		const char *addr = cli_jstr(doc, "address");
		const char *rcpt = cli_jstr(doc, "recipient");
		const char *st = cli_jstr(doc, "status");
		const char *detail = cli_jstr(doc, "detail");

		if (!outcome || strcmp(outcome, "not_a_bounce") == 0)
			fprintf(stderr, _("cronoctl: not a bounce: %s\n"),
			        detail ? detail : "?");
		else if (strcmp(outcome, "disabled") == 0)
			printf(_("%s disabled: no more mail goes to it (%s)\n"),
			       addr, st ? st : "-");
		else if (strcmp(outcome, "counted") == 0)
			printf(_("%s: a temporary failure counted (%s)\n"),
			       addr, st ? st : "-");
		else
			printf(_("a failure for %s recorded: none of our "
			         "addresses\n"),
			       rcpt && *rcpt ? rcpt : "?");
	}
	json_decref(doc);
	return CLI_OK;
}

int
cmd_osc_enable(const struct cli *cli, const struct cli_args *a)
{
	const char *arg = a->pos[0];
	json_t *body, *doc, *e;
	long long id = 0;
	size_t i;
	int rc;

	if (strchr(arg, '@')) {
		body = json_pack("{s:s}", "address", arg);
	} else {
		if ((rc = cmd_osc_id(cli, arg, &id)) != CLI_OK)
			return rc;
		body = json_pack("{s:I}", "osc", (json_int_t)id);
	}
	if (!body) {
		cli_error(_("out of memory"));
		return CLI_EAPI;
	}
	rc = client_call(cli, ROUTE_ADDRESS_ENABLE, NULL, body, 0, &doc);
	json_decref(body);
	if (rc)
		return rc;
	if (cli->json) {
		format_json_print(doc);
	} else {
		json_array_foreach(json_object_get(doc, "enabled"), i, e)
		    printf(_("%s enabled: mail goes to it again\n"),
		           json_string_value(e));
	}
	json_decref(doc);
	return CLI_OK;
}

/* Why an address is listed: the reason it was disabled, or its count of
 * temporary failures and the last one. */
static void
address_why_words(json_t *ad, char *buf, size_t n)
{
	json_t *last = json_object_get(ad, "last_bounce");
	const char *st = json_is_object(last) ? cli_jstr(last, "status") : NULL;
	const char *detail =
	    json_is_object(last) ? cli_jstr(last, "detail") : NULL;

	if (cli_jstr(ad, "reason"))
		snprintf(buf, n, "%s", cli_jstr(ad, "reason"));
	else
		snprintf(
		    buf, n,
		    ngettext("%lld temporary failure: %s%s%s",
		             "%lld temporary failures, the last: %s%s%s",
		             (unsigned long)cli_jint(ad, "transient_count")),
		    cli_jint(ad, "transient_count"), st ? st : "",
		    st && detail ? " " : "", detail ? detail : "");
}

static int
bouncing_human(json_t *doc, const struct cli *cli, const struct cli_args *a)
{
	static const char *const head[] = {N_("ADDRESS"), N_("OSC"),
	                                   N_("STATE"), N_("SINCE"), N_("WHY")};
	struct table *t = table_new(5, head);
	json_t *ad, *osc;
	char who[300], when[128], why[1024];
	size_t i;

	(void)a;
	if (!t)
		return CLI_EAPI;
	client_office_zone_load(cli);
	json_array_foreach(json_object_get(doc, "addresses"), i, ad)
	{
		const char *row[5];
		json_t *o = json_object_get(ad, "osc");
		json_t *last = json_object_get(ad, "last_bounce");
		const char *at = cli_jstr(ad, "disabled_at");

		if (json_is_object(o))
			snprintf(who, sizeof(who), "%s (%lld)",
			         cli_jstr(o, "name"), cli_jint(o, "id"));
		else
			snprintf(who, sizeof(who), "%s", _("none"));
		if (!at && json_is_object(last))
			at = cli_jstr(last, "at");
		format_instant(at ? at : "", when, sizeof(when));
		address_why_words(ad, why, sizeof(why));
		row[0] = cli_jstr(ad, "address");
		row[1] = who;
		row[2] = cli_word(WORD_ADDRESS_STATE, cli_jstr(ad, "state"));
		row[3] = when;
		row[4] = why;
		table_add_row(t, row);
	}
	table_finish(t, 4, cli_width(cli),
	             _("no address is disabled or bouncing"));
	json_array_foreach(json_object_get(doc, "oscs_without_address"), i, osc)
	    printf(_("%s (%lld) has no address left that takes mail\n"),
	           cli_jstr(osc, "name"), cli_jint(osc, "id"));
	return CLI_OK;
}

/* One address's state in words, for osc show: "disabled since WHEN:
 * WHY" or "bouncing since WHEN: WHY". */
static void
address_state_words(json_t *ad, char *buf, size_t n)
{
	json_t *last = json_object_get(ad, "last_bounce");
	const char *at = cli_jstr(ad, "disabled_at");
	char when[128], why[1024];

	if (!at && json_is_object(last))
		at = cli_jstr(last, "at");
	format_instant(at ? at : "", when, sizeof(when));
	address_why_words(ad, why, sizeof(why));
	if (cli_jstr(ad, "disabled_at"))
		snprintf(buf, n, _("disabled since %s: %s"), when, why);
	else
		snprintf(buf, n, _("bouncing, the last %s: %s"), when, why);
}

int
cmd_osc_list_bouncing(const struct cli *cli, const struct cli_args *a)
{
	json_t *doc;
	int rc;

	if (cli_opt_has(a, "topic"))
		return cli_usage_error(a, _("--rebotando lists every "
		                            "organisation: no --topic"));
	rc = client_call(cli, ROUTE_ADDRESSES, NULL, NULL, 0, &doc);
	if (rc)
		return rc;
	return cli_answer(cli, a, doc, bouncing_human);
}

int
cmd_osc_address_state(const struct cli *cli, json_t *osc)
{
	char path[256];
	json_t *doc, *states, *ad, *e;
	size_t i, j;
	int rc;

	rc = route_path(ROUTE_ADDRESSES, NULL, path, sizeof(path));
	if (rc)
		return rc;
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "?osc=%lld",
	         cli_jint(osc, "id"));
	if ((rc = client_call(cli, ROUTE_ADDRESSES, path, NULL, 0, &doc)))
		return rc;
	client_office_zone_load(cli);
	states = json_object();
	json_array_foreach(json_object_get(osc, "emails"), i, e)
	{
		char words[1024];

		snprintf(words, sizeof(words), "%s", _("takes mail"));
		json_array_foreach(json_object_get(doc, "addresses"), j, ad)
		{
			const char *x = cli_jstr(ad, "address");

			if (x && json_is_string(e) &&
			    strcasecmp(x, json_string_value(e)) == 0)
				address_state_words(ad, words, sizeof(words));
		}
		if (json_is_string(e))
			json_object_set_new(states, json_string_value(e),
			                    json_string(words));
	}
	json_decref(doc);
	json_object_set_new(osc, "address_state", states);
	return CLI_OK;
}

void
cmd_osc_address_state_print(json_t *osc, int width)
{
	json_t *states = json_object_get(osc, "address_state");
	const char *k;
	json_t *v;
	char buf[4096];
	size_t used = 0;

	if (!json_is_object(states))
		return;
	buf[0] = '\0';
	json_object_foreach(states, k, v)
	{
		int w = snprintf(buf + used, sizeof(buf) - used, "%s%s: %s",
		                 used ? "\n" : "", k, json_string_value(v));

		if (w < 0 || (size_t)w >= sizeof(buf) - used)
			break;
		used += (size_t)w;
	}
	format_field_print(cli_word(WORD_FIELD, "address_state"), buf, width);
}
