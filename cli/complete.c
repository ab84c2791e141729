/* complete: what the shell may offer, from the command table.
 *
 * contrib/cronoctl.bash-completion calls `cronoctl --complete -- WORD…`
 * with the words of the command line after "cronoctl", the last one being
 * the word under the cursor (maybe empty). cronoctl prints one candidate a
 * line, already filtered by that word, or the single line "@files" (any
 * file) or "@files EXT|EXT" for the shell to complete file names itself.
 * Session ids and topic slugs are asked of the running daemon, quietly:
 * without a daemon there is simply nothing to offer. Because the commands,
 * their options and the values of an option come from the same table that
 * parses them, the completion cannot offer what cronoctl refuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cronoctl.h"

#define FILES_LINE "@files"

/* Print cand when it starts with cur. */
static void
offer(const char *cur, const char *cand)
{
	if (strncmp(cand, cur, strlen(cur)) == 0)
		printf("%s\n", cand);
}

/* The option of opts named by word ("--topic"), or NULL. */
static const struct cli_opt *
opt_of(const struct cli_opt *opts, const char *word)
{
	if (strncmp(word, "--", 2) != 0)
		return NULL;
	for (int i = 0; opts && opts[i].name; i++)
		if (strcmp(opts[i].name, word + 2) == 0)
			return &opts[i];
	return NULL;
}

/* Ask the daemon for a list and offer key of each item of array. */
static void
offer_asked(const struct cli *cli, enum route r, const char *array,
            const char *key, const char *prefix, const char *cur)
{
	char cand[512];
	json_t *doc, *item;
	size_t i;

	if (client_call(cli, r, NULL, NULL, CLIENT_QUIET, &doc))
		return;
	json_array_foreach(json_object_get(doc, array), i, item)
	{
		const char *v = cli_jstr(item, key);

		if (!v)
			continue;
		snprintf(cand, sizeof(cand), "%s%s", prefix, v);
		offer(cur, cand);
	}
	json_decref(doc);
}

/* Offer what spec (one item of a CPL() spec, without a trailing "*")
 * allows for the word cur. */
static void
offer_spec(const struct cli *cli, const char *spec, size_t len, const char *cur)
{
	char item[128];

	snprintf(item, sizeof(item), "%.*s", (int)len, spec);
	if (strcmp(item, "event") == 0)
		offer_asked(cli, ROUTE_EVENTS, "events", "id", "", cur);
	else if (strcmp(item, "topic") == 0)
		offer_asked(cli, ROUTE_TOPICS, "topics", "slug", "", cur);
	else if (strcmp(item, "topic,") == 0) {
		/* A list: complete its last item, keeping the others. */
		const char *comma = strrchr(cur, ',');
		char prefix[512] = "";

		if (comma)
			snprintf(prefix, sizeof(prefix), "%.*s",
			         (int)(comma - cur + 1), cur);
		offer_asked(cli, ROUTE_TOPICS, "topics", "slug", prefix, cur);
	} else if (strncmp(item, "file:", 5) == 0)
		printf("%s%s%s\n", FILES_LINE, item[5] ? " " : "", item + 5);
	else if (strncmp(item, "word:", 5) == 0) {
		int kind = cli_word_kind_find(item + 5);
		const char *values[32];
		size_t n;

		if (kind < 0)
			return;
		n = cli_word_values((enum cli_word_kind)kind, values, 32);
		for (size_t i = 0; i < n && i < 32; i++)
			offer(cur, values[i]);
	}
}

/* Offer for the positional argument number pos of a command. */
static void
offer_positional(const struct cli *cli, const struct cli_command *c, int pos,
                 const char *cur)
{
	const char *p = c->complete;

	if (!p)
		return;
	for (int i = 0;; i++) {
		size_t len = strcspn(p, " ");
		int repeats = len && p[len - 1] == '*';

		if (i == pos || (repeats && p[len] == '\0')) {
			if (repeats)
				len--;
			offer_spec(cli, p, len, cur);
			return;
		}
		if (p[len] == '\0')
			return;
		p += len + 1;
	}
}

/* The options of a command (or only the global ones) as "--name". */
static void
offer_options(const struct cli_command *c, const char *cur)
{
	char cand[64];

	for (int i = 0; c && c->opts[i].name; i++) {
		snprintf(cand, sizeof(cand), "--%s", c->opts[i].name);
		offer(cur, cand);
	}
	for (int i = 0; cli_global_opts[i].name; i++) {
		snprintf(cand, sizeof(cand), "--%s", cli_global_opts[i].name);
		offer(cur, cand);
	}
}

/* The commands' words: first words (once each), or the second words of
 * the group first. */
static void
offer_commands(const char *first, const char *cur)
{
	size_t flen = first ? strlen(first) : 0;

	for (int i = 0; i < cli_ncommands; i++) {
		const char *name = cli_commands[i].name;
		size_t len = strcspn(name, " ");
		char word[64];
		int seen = 0;

		if (first) {
			if (strncmp(name, first, flen) == 0 &&
			    name[flen] == ' ')
				offer(cur, name + flen + 1);
			continue;
		}
		for (int j = 0; j < i; j++)
			if (strncmp(cli_commands[j].name, name, len) == 0 &&
			    strcspn(cli_commands[j].name, " ") == len)
				seen = 1;
		if (seen)
			continue;
		snprintf(word, sizeof(word), "%.*s", (int)len, name);
		offer(cur, word);
	}
}

int
cli_complete(const struct cli *cli_in, int argc, char **argv)
{
	struct cli cli = *cli_in;
	const struct cli_command *cmd = NULL;
	const char *first = NULL, *cur;
	char two[128];
	int npos = 0, i = 0;

	if (argc > 0 && strcmp(argv[0], "--") == 0) {
		argc--;
		argv++;
	}
	cur = argc > 0 ? argv[argc - 1] : "";
	if (!cli.socket)
		cli.socket = cli_socket_default();
	/* Read the words before the cursor as the parser would. */
	for (i = 0; i < argc - 1; i++) {
		const char *w = argv[i];
		const struct cli_command *c =
		    cmd ? cmd : (first ? cli_command_find(first) : NULL);
		const struct cli_opt *o = opt_of(c ? c->opts : NULL, w);

		if (!o)
			o = opt_of(cli_global_opts, w);
		if (o && o->arg) {
			if (i + 1 == argc - 1) {
				/* The cursor is on this option's value. */
				if (strcmp(o->name, "socket") == 0)
					printf("%s\n", FILES_LINE);
				else if (o->complete)
					offer_spec(&cli, o->complete,
					           strlen(o->complete), cur);
				return CLI_OK;
			}
			if (strcmp(o->name, "socket") == 0)
				cli.socket = argv[i + 1];
			i++;
			continue;
		}
		if (strncmp(w, "--socket=", 9) == 0)
			cli.socket = w + 9;
		if (w[0] == '-')
			continue;
		if (cmd) {
			npos++;
			continue;
		}
		if (first) {
			snprintf(two, sizeof(two), "%s %s", first, w);
			cmd = cli_command_find(two);
			if (!cmd)
				cmd = cli_command_find(first), npos = 1;
			continue;
		}
		first = w;
		snprintf(two, sizeof(two), "%s", w);
	}
	if (cur[0] == '-') {
		offer_options(
		    cmd ? cmd : (first ? cli_command_find(first) : NULL), cur);
		return CLI_OK;
	}
	if (!first) {
		offer_commands(NULL, cur);
		return CLI_OK;
	}
	if (!cmd) {
		/* "osc" alone, or "topics" which is also a command. */
		offer_commands(first, cur);
		cmd = cli_command_find(first);
		if (cmd)
			offer_positional(&cli, cmd, 0, cur);
		return CLI_OK;
	}
	offer_positional(&cli, cmd, npos, cur);
	return CLI_OK;
}
