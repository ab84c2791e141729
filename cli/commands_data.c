/* commands_data: an organisation's data, for its rights of access (osc
 * export) and erasure (osc forget). The daemon names the organisation
 * (its number, exact name or one of its addresses): no partial match
 * here, where a slip would hand over or erase the wrong one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cronoctl.h"

#define PATH_LEN 2048

/* Write doc as indented JSON to path, mode 0600 (it is personal data),
 * through a temporary file renamed into place: a reader never sees half
 * of it. CLI_OK, or CLI_EUSAGE after printing why. */
static int
export_write(const char *path, json_t *doc)
{
	size_t len = strlen(path);
	char *tmp = malloc(len + 16);
	char *text = NULL;
	int fd = -1, err = 0;
	size_t n, off = 0;

	if (tmp == NULL) {
		cli_error(_("out of memory"));
		return CLI_EAPI;
	}
	snprintf(tmp, len + 16, "%s.tmpXXXXXX", path);
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text == NULL) {
		free(tmp);
		cli_error(_("out of memory"));
		return CLI_EAPI;
	}
	n = strlen(text);
	if ((fd = mkstemp(tmp)) < 0)
		err = errno;
	else if (fchmod(fd, 0600) < 0)
		err = errno;
	while (!err && off < n) {
		ssize_t w = write(fd, text + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			err = errno;
		else
			off += (size_t)w;
	}
	if (!err && write(fd, "\n", 1) != 1)
		err = errno ? errno : EIO;
	if (!err && fsync(fd) < 0)
		err = errno;
	if (fd >= 0 && close(fd) < 0 && !err)
		err = errno;
	if (!err && rename(tmp, path) < 0)
		err = errno;
	if (err && fd >= 0)
		unlink(tmp);
	free(text);
	free(tmp);
	if (err) {
		cli_error(_("cannot write %s: %s"), path, strerror(err));
		return CLI_EUSAGE;
	}
	return CLI_OK;
}

int
cmd_osc_export(const struct cli *cli, const struct cli_args *a)
{
	const char *out = cli_opt_get(a, "output");
	char path[PATH_LEN];
	json_t *doc, *org;
	int rc;

	if ((rc = route_path(ROUTE_OSC_EXPORT, a->pos[0], path, sizeof path)))
		return rc;
	if ((rc = client_call(cli, ROUTE_OSC_EXPORT, path, NULL, 0, &doc)))
		return rc;
	if (out == NULL || strcmp(out, "-") == 0) {
		format_json_print(doc);
		json_decref(doc);
		return CLI_OK;
	}
	rc = export_write(out, doc);
	org = json_object_get(doc, "organisation");
	if (rc == CLI_OK && !cli->json)
		printf(_("wrote organisation %lld (%s) to %s: %zu addresses, "
		         "%zu messages, %zu audit entries\n"),
		       cli_jint(org, "id"), cli_jstr(org, "name"), out,
		       json_array_size(json_object_get(doc, "addresses")),
		       json_array_size(json_object_get(doc, "messages")),
		       json_array_size(json_object_get(doc, "audit")));
	json_decref(doc);
	return rc;
}

/* 1 when line (without its newline) says yes, in English or in the
 * catalogue's language. */
static int
answer_yes(const char *line)
{
	/* TRANSLATORS: the answer that confirms "Forget it?", and its
	 * one-letter short form below. */
	const char *yes = _("yes"), *y = _("y");

	return strcasecmp(line, "yes") == 0 || strcasecmp(line, "y") == 0 ||
	       strcasecmp(line, yes) == 0 || strcasecmp(line, y) == 0;
}

/* Ask on the terminal whether to forget org. 1 yes, 0 no. */
static int
forget_confirm(json_t *org)
{
	char line[64];
	size_t len;

	fprintf(stderr,
	        _("This erases organisation %lld (%s), its %zu addresses "
	          "and every copy of them in the audit log, for good.\n"),
	        cli_jint(org, "id"), cli_jstr(org, "name"),
	        json_array_size(json_object_get(org, "emails")));
	fprintf(stderr, _("Forget it? [yes/no] "));
	fflush(stderr);
	if (fgets(line, sizeof line, stdin) == NULL)
		return 0;
	len = strlen(line);
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
	                   line[len - 1] == ' '))
		line[--len] = '\0';
	return answer_yes(line);
}

int
cmd_osc_forget(const struct cli *cli, const struct cli_args *a)
{
	char path[PATH_LEN], num[32];
	json_t *org, *doc;
	long long id;
	int rc;

	if ((rc = route_path(ROUTE_OSC_GET, a->pos[0], path, sizeof path)))
		return rc;
	if ((rc = client_call(cli, ROUTE_OSC_GET, path, NULL, 0, &org)))
		return rc;
	id = cli_jint(org, "id");
	if (!cli_opt_has(a, "yes")) {
		if (!isatty(STDIN_FILENO)) {
			json_decref(org);
			return cli_usage_error(
			    a, _("forgetting cannot be undone: give --yes to "
			         "confirm (standard input is not a terminal)"));
		}
		if (!forget_confirm(org)) {
			json_decref(org);
			cli_error(_("not confirmed: nothing was forgotten"));
			return CLI_EUSAGE;
		}
	}
	json_decref(org);
	/* By number: the one confirmed, whatever the name now finds. */
	snprintf(num, sizeof num, "%lld", id);
	if ((rc = route_path(ROUTE_OSC_FORGET, num, path, sizeof path)))
		return rc;
	if ((rc = client_call(cli, ROUTE_OSC_FORGET, path, NULL, 0, &doc)))
		return rc;
	if (cli->json) {
		format_json_print(doc);
	} else {
		printf(
		    _("forgot organisation %lld: %lld addresses erased, %lld "
		      "audit entries and %lld other texts rewritten, %lld "
		      "messages kept without address\n"),
		    id, cli_jint(doc, "addresses"),
		    cli_jint(doc, "audit_rewritten"),
		    cli_jint(doc, "texts_rewritten"),
		    cli_jint(doc, "messages_kept"));
		if (!json_is_true(json_object_get(doc, "wal_truncated")))
			fprintf(stderr,
			        _("cronoctl: warning: the database's "
			          "write-ahead log could not be cleared yet: "
			          "see the daemon's log\n"));
	}
	json_decref(doc);
	return CLI_OK;
}
