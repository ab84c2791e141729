/* commands_log: cronoctl log, the audit log in the staff's words: who
 * changed what and when, each change summed up in one line. */
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "cronoctl.h"

#define PATH_LEN 2048

/* Keys that change on every write and say nothing to a reader. */
static int
diff_key_ignored(const char *key)
{
	/* The window's dates say again what its words say. */
	static const char *const ignored[] = {
	    "updated_at", "sequence",     "ical",       "start_utc",
	    "end_utc",    "window_start", "window_end", NULL};

	for (int i = 0; ignored[i]; i++)
		if (strcmp(ignored[i], key) == 0)
			return 1;
	return 0;
}

/* A value of an audit entry in the staff's words: states and kinds of
 * date translated, reminder offsets as "1d, 2h". */
static void
diff_value_format(const char *key, json_t *v, char *buf, size_t n)
{
	if (strcmp(key, "remind") == 0 && json_is_array(v))
		cmd_remind_format(v, buf, n);
	else if (json_is_array(v))
		format_join(v, ",", buf, n);
	else if (strcmp(key, "status") == 0 && json_is_string(v))
		snprintf(buf, n, "%s",
		         cli_word(WORD_EVENT_STATUS, json_string_value(v)));
	else if (strcmp(key, "kind") == 0 && json_is_string(v))
		snprintf(buf, n, "%s",
		         cli_word(WORD_EVENT_KIND, json_string_value(v)));
	else
		format_scalar(v, buf, n);
}

/* One changed key: "title" or "start date: 2018-02-08 → 2018-02-09". */
static size_t
diff_key_print(char *buf, size_t n, size_t used, const char *key, json_t *old,
               json_t *new)
{
	const char *label = cli_word(WORD_FIELD, key);
	char o[128], nv[128];

	diff_value_format(key, old, o, sizeof(o));
	diff_value_format(key, new, nv, sizeof(nv));
	if (json_is_object(old) || json_is_object(new) ||
	    table_utf8_width(o) > 24 || table_utf8_width(nv) > 24)
		return used + (size_t)snprintf(buf + used,
		                               used < n ? n - used : 0, "%s%s",
		                               used ? "; " : "", label);
	return used + (size_t)snprintf(buf + used, used < n ? n - used : 0,
	                               "%s%s: %s → %s", used ? "; " : "", label,
	                               o[0] ? o : "—", nv[0] ? nv : "—");
}

/* A short summary of what an audit entry changed. */
static void
diff_summary(json_t *before, json_t *after, char *buf, size_t n)
{
	const char *key;
	json_t *v;
	size_t used = 0;

	buf[0] = '\0';
	if (!json_is_object(before) && json_is_object(after)) {
		const char *title = cli_jstr(after, "title");
		if (!title)
			title = cli_jstr(after, "name");
		if (title)
			snprintf(buf, n, _("new: %s"), title);
		else
			snprintf(buf, n, "%s", _("new"));
		return;
	}
	if (json_is_object(before) && !json_is_object(after)) {
		snprintf(buf, n, "%s", _("removed"));
		return;
	}
	if (!json_is_object(before))
		return;
	json_object_foreach(after, key, v)
	{
		json_t *old = json_object_get(before, key);

		if (!diff_key_ignored(key) && !json_equal(old, v))
			used = diff_key_print(buf, n, used, key, old, v);
	}
	json_object_foreach(before, key, v)
	{
		if (!diff_key_ignored(key) && !json_object_get(after, key))
			used = diff_key_print(buf, n, used, key, v, NULL);
	}
}

/* Who made a change: the user's login name for its uid, "web" for the
 * public site (an organisation unsubscribing), else the number. */
static void
peer_format(json_t *peer, const char *client, char *buf, size_t n)
{
	struct passwd *pw;

	/* A change from the public site (an organisation's own page): the
	 * client's address is who did it. */
	if (client != NULL) {
		snprintf(buf, n, "%s (%s)", _("web"), client);
		return;
	}

	if (!json_is_integer(peer)) {
		buf[0] = '\0';
		return;
	}
	if (json_integer_value(peer) < 0) {
		snprintf(buf, n, "%s", _("web"));
		return;
	}
	pw = getpwuid((uid_t)json_integer_value(peer));
	if (pw)
		snprintf(buf, n, "%s", pw->pw_name);
	else
		snprintf(buf, n, "%lld", (long long)json_integer_value(peer));
}

static int
log_human(json_t *doc, const struct cli *cli, const struct cli_args *a)
{
	static const char *const head[] = {N_("WHEN"), N_("USER"),
	                                   NP_("audit", "ACTION"), N_("TARGET"),
	                                   N_("CHANGES")};
	struct table *t = table_new(5, head);
	json_t *e;
	size_t i;
	char when[64], who[64], diff[1024];

	(void)a;
	if (!t)
		return CLI_EAPI;
	client_office_zone_load(cli);
	json_array_foreach(json_object_get(doc, "entries"), i, e)
	{
		const char *row[5];

		format_instant(cli_jstr(e, "at"), when, sizeof(when));
		peer_format(json_object_get(e, "peer_uid"),
		            cli_jstr(e, "client"), who, sizeof(who));
		diff_summary(json_object_get(e, "before"),
		             json_object_get(e, "after"), diff, sizeof(diff));
		row[0] = when;
		row[1] = who;
		row[2] = cli_word(WORD_AUDIT, cli_jstr(e, "action"));
		row[3] = cli_jstr(e, "target");
		row[4] = diff;
		table_add_row(t, row);
	}
	table_finish(t, 4, cli_width(cli), _("no entries"));
	return CLI_OK;
}

int
cmd_log(const struct cli *cli, const struct cli_args *a)
{
	char path[PATH_LEN];
	long limit = -1;
	json_t *doc;
	int rc = cli_opt_long(a, "limit", 1, 1000000, &limit);

	if (rc || (rc = route_path(ROUTE_LOG, NULL, path, sizeof(path))))
		return rc;
	if ((rc = cmd_query_add(path, sizeof(path), "event",
	                        cli_opt_get(a, "event"))) ||
	    (rc = cmd_query_add(path, sizeof(path), "limit",
	                        cli_opt_get(a, "limit"))))
		return rc;
	rc = client_call(cli, ROUTE_LOG, path, NULL, 0, &doc);
	if (rc)
		return rc;
	return cli_answer(cli, a, doc, log_human);
}
