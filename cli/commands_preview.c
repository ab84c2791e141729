/* commands_preview: seeing a message as an organisation gets it, before
 * it is sent (preview) and after it was queued (outbox show). The daemon
 * renders both with the code that sends them; cronoctl prints its
 * headers and text part, the HTML part into a file (--html), or the
 * whole MIME message (--raw). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cronoctl.h"

#define PATH_LEN 2048

/* doc's string key, "" when it is null or absent. */
static const char *
jstr(json_t *doc, const char *key)
{
	const char *s = cli_jstr(doc, key);

	return s ? s : "";
}

/* Write the HTML part to the file --html names, if any. */
static int
html_write(const struct cli_args *a, json_t *doc)
{
	const char *path = cli_opt_get(a, "html");
	const char *html = jstr(doc, "html");
	FILE *f;

	if (!path)
		return CLI_OK;
	if ((f = fopen(path, "w")) == NULL) {
		cli_error(_("cannot write %s: %s"), path, strerror(errno));
		return CLI_EUSAGE;
	}
	fputs(html, f);
	if (fclose(f) != 0) {
		cli_error(_("cannot write %s: %s"), path, strerror(errno));
		return CLI_EUSAGE;
	}
	return CLI_OK;
}

/* The message: the whole of it with --raw, else its headers' words and
 * its text part. */
static void
message_print(const struct cli_args *a, json_t *doc)
{
	json_t *to;
	size_t i;

	if (cli_opt_has(a, "raw")) {
		fputs(jstr(doc, "raw"), stdout);
		return;
	}
	printf("%s: %s\n", _("From"), jstr(doc, "from"));
	printf("%s: ", _("To"));
	to = json_object_get(doc, "to");
	for (i = 0; i < json_array_size(to); i++)
		printf("%s%s", i ? ", " : "",
		       json_string_value(json_array_get(to, i)));
	printf("\n%s: %s\n", _("Subject"), jstr(doc, "subject"));
	printf("%s: <%s>\n\n", _("Message-ID"), jstr(doc, "message_id"));
	fputs(jstr(doc, "text"), stdout);
}

int
cmd_preview(const struct cli *cli, const struct cli_args *a)
{
	char path[PATH_LEN], due[80];
	json_t *doc;
	int rc = route_path(ROUTE_EVENT_PREVIEW, a->pos[0], path, sizeof(path));

	if (rc)
		return rc;
	if (client_query_add(path, sizeof(path), "osc", cli_opt_get(a, "osc")) <
	        0 ||
	    client_query_add(path, sizeof(path), "kind",
	                     cli_opt_get(a, "kind")) < 0)
		return cli_usage_error(a, _("an option's value is too long"));
	rc = client_call(cli, ROUTE_EVENT_PREVIEW, path, NULL, 0, &doc);
	if (rc)
		return rc;
	if ((rc = html_write(a, doc)) != CLI_OK) {
		json_decref(doc);
		return rc;
	}
	if (cli->json) {
		format_json_print(doc);
		json_decref(doc);
		return CLI_OK;
	}
	client_office_zone_load(cli);
	format_instant(cli_jstr(doc, "due"), due, sizeof(due));
	/* What this is goes to stderr: stdout is the message alone. */
	fprintf(stderr,
	        json_is_true(json_object_get(doc, "osc_chosen"))
	            ? _("Preview of the %s of %s to %s, the first organisation "
	                "that follows its topics (--osc picks another), as "
	                "sent at %s. Nothing was queued; its Message-ID is a "
	                "preview's own.\n")
	            : _("Preview of the %s of %s to %s, as sent at %s. Nothing "
	                "was queued; its Message-ID is a preview's own.\n"),
	        cli_word(WORD_PREVIEW_KIND, cli_jstr(doc, "kind")),
	        jstr(doc, "event"), jstr(json_object_get(doc, "osc"), "name"),
	        due);
	message_print(a, doc);
	json_decref(doc);
	return CLI_OK;
}

int
cmd_outbox_show(const struct cli *cli, const struct cli_args *a)
{
	char path[PATH_LEN], when[80], *end;
	long long id;
	json_t *doc;
	int rc;

	errno = 0;
	id = strtoll(a->pos[0], &end, 10);
	if (errno || end == a->pos[0] || *end || id <= 0)
		return cli_usage_error(a, _("'%s' is not a message ID"),
		                       a->pos[0]);
	if ((rc = route_path(ROUTE_OUTBOX_SHOW, a->pos[0], path, sizeof(path))))
		return rc;
	rc = client_call(cli, ROUTE_OUTBOX_SHOW, path, NULL, 0, &doc);
	if (rc)
		return rc;
	if (json_object_get(doc, "raw") &&
	    (rc = html_write(a, doc)) != CLI_OK) {
		json_decref(doc);
		return rc;
	}
	if (cli->json) {
		format_json_print(doc);
		json_decref(doc);
		return CLI_OK;
	}
	client_office_zone_load(cli);
	/* Where it stands to stderr; stdout is the message alone. */
	fprintf(stderr, "%s: %s\n", _("state"),
	        cli_word(WORD_OUTBOX_STATE, cli_jstr(doc, "state")));
	fprintf(stderr, "%s: %lld\n", _("tries"), cli_jint(doc, "tries"));
	if (cli_jstr(doc, "last_error"))
		fprintf(stderr, "%s: %s\n", _("last reply"),
		        cli_jstr(doc, "last_error"));
	format_instant(cli_jstr(doc, "due"), when, sizeof(when));
	fprintf(stderr, "%s: %s\n", _("due"), when);
	if (cli_jstr(doc, "sent_at")) {
		format_instant(cli_jstr(doc, "sent_at"), when, sizeof(when));
		fprintf(stderr, "%s: %s\n", _("sent"), when);
	}
	if (!json_object_get(doc, "raw")) {
		fprintf(stderr, _("cannot show it: %s\n"),
		        jstr(doc, "unrendered"));
		json_decref(doc);
		return CLI_EAPI;
	}
	fputc('\n', stderr);
	message_print(a, doc);
	json_decref(doc);
	return CLI_OK;
}
