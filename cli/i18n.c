/* i18n: the language cronoctl speaks, and the API's words in it.
 *
 * English is the source language; a catalogue (po/LANG.po, built into
 * LOCALEDIR/LANG/LC_MESSAGES/cronoctl.mo) translates it. The locale comes
 * from the environment as usual (LANGUAGE, LC_ALL, LC_MESSAGES, LANG).
 *
 * The daemon answers in its own words ("pending", "TENTATIVE",
 * "event.reschedule"); cli_word() turns them into the staff's words, in
 * their language. --json output never goes through here. */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cronoctl.h"
#include "localedir.h" /* LOCALEDIR, written by the Makefile */

#define DOMAIN "cronoctl"

/*
 * The language of the environment's messages when the locale it names
 * cannot be loaded: the first of LC_ALL, LC_MESSAGES and LANG that is set,
 * without its codeset ("es_MX.UTF-8" gives "es_MX"), into buf. 0 when it
 * names none, or "C"/"POSIX".
 */
static int
wanted_language(char *buf, size_t n)
{
	static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG",
	                                   NULL};
	const char *v = NULL;

	for (int i = 0; vars[i] && !v; i++) {
		const char *s = getenv(vars[i]);

		if (s && *s)
			v = s;
	}
	if (!v || strcmp(v, "C") == 0 || strcmp(v, "POSIX") == 0 ||
	    strncmp(v, "C.", 2) == 0)
		return 0;
	snprintf(buf, n, "%.*s", (int)strcspn(v, ".@"), v);
	return buf[0] != '\0';
}

void
cli_i18n_init(void)
{
	const char *dir = getenv("CRONOCTL_LOCALEDIR");
	char lang[64];

	if (!setlocale(LC_ALL, "")) {
		/*
		 * The locale asked for is not generated on this machine
		 * (no es_MX.UTF-8 in `locale -a`). glibc then stays in "C",
		 * where gettext ignores every language setting. Rather than
		 * answer a Spanish speaker in English, take the C.UTF-8
		 * locale (always there since glibc 2.35) and ask gettext for
		 * the language through LANGUAGE, which it reads outside "C".
		 */
		const char *language = getenv("LANGUAGE");

		if (setlocale(LC_ALL, "C.UTF-8") && !(language && *language) &&
		    wanted_language(lang, sizeof(lang)))
			setenv("LANGUAGE", lang, 1);
	}
	/* Numbers stay as scripts and the API expect them. */
	setlocale(LC_NUMERIC, "C");
	/* A build tree's catalogue for tests; the installed one otherwise. */
	bindtextdomain(DOMAIN, dir && *dir ? dir : LOCALEDIR);
	/* Everything else cronoctl prints (the daemon's data) is UTF-8. */
	bind_textdomain_codeset(DOMAIN, "UTF-8");
	textdomain(DOMAIN);
}

const char *
cli_pgettext(const char *key)
{
	const char *t = dcgettext(NULL, key, LC_MESSAGES);
	const char *eot;

	if (t != key)
		return t;
	eot = strchr(key, '\004');
	return eot ? eot + 1 : key;
}

/* The API's words and the staff's. English spells some alike that
 * Spanish does not (a session is "nueva", a topic "nuevo"): the context
 * tells them apart. */
struct cli_word {
	const char *value; /* as the API says it */
	enum cli_word_kind kind;
	const char *text; /* NP_(): context and English words */
};

static const struct cli_word words[] = {
    {"CONFIRMED", WORD_EVENT_STATUS, NP_("session status", "confirmed")},
    {"TENTATIVE", WORD_EVENT_STATUS, NP_("session status", "undecided")},
    {"CANCELLED", WORD_EVENT_STATUS, NP_("session status", "cancelled")},

    {"date", WORD_EVENT_KIND, NP_("kind of date", "date")},
    {"range", WORD_EVENT_KIND, NP_("kind of date", "range")},
    {"tbd", WORD_EVENT_KIND, NP_("kind of date", "undecided")},
    {"approx", WORD_EVENT_KIND, NP_("kind of date", "approximate")},

    {"create", WORD_ACTION_SESSION, NP_("session import", "create")},
    {"update", WORD_ACTION_SESSION, NP_("session import", "update")},
    {"unchanged", WORD_ACTION_SESSION, NP_("session import", "unchanged")},
    {"create", WORD_ACTION_TOPIC, NP_("topic import", "create")},
    {"update", WORD_ACTION_TOPIC, NP_("topic import", "update")},
    {"unchanged", WORD_ACTION_TOPIC, NP_("topic import", "unchanged")},
    {"create", WORD_ACTION_OSC, NP_("organisation import", "create")},
    {"update", WORD_ACTION_OSC, NP_("organisation import", "update")},
    {"unchanged", WORD_ACTION_OSC, NP_("organisation import", "unchanged")},

    {"pending", WORD_OUTBOX_STATE, NP_("message state", "pending")},
    {"sending", WORD_OUTBOX_STATE, NP_("message state", "sending")},
    {"sent", WORD_OUTBOX_STATE, NP_("message state", "sent")},
    {"failed", WORD_OUTBOX_STATE, NP_("message state", "failed")},
    {"expired", WORD_OUTBOX_STATE, NP_("message state", "expired")},
    {"held", WORD_OUTBOX_STATE, NP_("message state", "held")},
    {"dropped", WORD_OUTBOX_STATE, NP_("message state", "dropped")},
    {"skipped", WORD_OUTBOX_STATE, NP_("message state", "skipped")},

    {"disabled", WORD_ADDRESS_STATE, NP_("address state", "disabled")},
    {"bouncing", WORD_ADDRESS_STATE, NP_("address state", "bouncing")},

    {"reminder", WORD_OUTBOX_KIND, NP_("message kind", "reminder")},
    {"update", WORD_OUTBOX_KIND, NP_("message kind", "update")},
    {"cancel", WORD_OUTBOX_KIND, NP_("message kind", "cancellation")},
    {"staff", WORD_OUTBOX_KIND, NP_("message kind", "staff notice")},
    {"staff", WORD_OUTBOX_TO, NP_("message to", "staff")},

    {"recordatorio", WORD_PREVIEW_KIND, NP_("preview kind", "reminder")},
    {"fecha", WORD_PREVIEW_KIND, NP_("preview kind", "date set")},
    {"cambio", WORD_PREVIEW_KIND, NP_("preview kind", "change")},
    {"cancelacion", WORD_PREVIEW_KIND, NP_("preview kind", "cancellation")},

    {"default", WORD_REMIND_DEFAULT, NP_("topic reminders", "default")},

    {"event.add", WORD_AUDIT, NP_("audit", "session added")},
    {"event.edit", WORD_AUDIT, NP_("audit", "session edited")},
    {"event.delete", WORD_AUDIT, NP_("audit", "session deleted")},
    {"event.reschedule", WORD_AUDIT, NP_("audit", "date changed")},
    {"event.cancel", WORD_AUDIT, NP_("audit", "session cancelled")},
    {"import", WORD_AUDIT, NP_("audit", "programme imported")},
    {"topics.import", WORD_AUDIT, NP_("audit", "topics imported")},
    {"topic.remind", WORD_AUDIT, NP_("audit", "topic reminders")},
    {"osc.add", WORD_AUDIT, NP_("audit", "organisation added")},
    {"osc.import", WORD_AUDIT, NP_("audit", "organisations imported")},
    {"osc.remove", WORD_AUDIT, NP_("audit", "organisation removed")},
    {"osc.subscribe", WORD_AUDIT, NP_("audit", "subscribed")},
    {"osc.unsubscribe", WORD_AUDIT, NP_("audit", "unsubscribed")},
    {"osc.token.reset", WORD_AUDIT, NP_("audit", "private feed reset")},
    {"osc.export", WORD_AUDIT, NP_("audit", "organisation's data exported")},
    {"osc.forget", WORD_AUDIT, NP_("audit", "organisation forgotten")},
    {"osc.self.topics", WORD_AUDIT, NP_("audit", "topics changed on its page")},
    {"osc.self.pause", WORD_AUDIT, NP_("audit", "mail paused on its page")},
    {"osc.self.resume", WORD_AUDIT, NP_("audit", "mail resumed on its page")},
    {"osc.self.contact", WORD_AUDIT,
     NP_("audit", "contact corrected on its page")},
    {"osc.self.erasure", WORD_AUDIT, NP_("audit", "erasure asked on its page")},
    {"outbox.retry", WORD_AUDIT, NP_("audit", "sending retried")},
    {"outbox.hold", WORD_AUDIT, NP_("audit", "messages held")},
    {"outbox.release", WORD_AUDIT, NP_("audit", "messages released")},
    {"outbox.drop", WORD_AUDIT, NP_("audit", "messages dropped")},
    {"address.enable", WORD_AUDIT, NP_("audit", "address enabled")},

    /* The fields of a session and of an organisation, as show, osc show
     * and log name them. */
    {"id", WORD_FIELD, NP_("field", "id")},
    {"uid", WORD_FIELD, NP_("field", "UID")},
    {"title", WORD_FIELD, NP_("field", "title")},
    {"when", WORD_FIELD, NP_("field", "when")},
    {"kind", WORD_FIELD, NP_("field", "kind of date")},
    {"status", WORD_FIELD, NP_("field", "status")},
    {"sequence", WORD_FIELD, NP_("field", "version")},
    {"start", WORD_FIELD, NP_("field", "start date")},
    {"end", WORD_FIELD, NP_("field", "end date")},
    {"start_time", WORD_FIELD, NP_("field", "start time")},
    {"end_time", WORD_FIELD, NP_("field", "end time")},
    {"tz", WORD_FIELD, NP_("field", "time zone")},
    {"window_start", WORD_FIELD, NP_("field", "window from")},
    {"window_end", WORD_FIELD, NP_("field", "window to")},
    {"window_words", WORD_FIELD, NP_("field", "window")},
    {"duration_days", WORD_FIELD, NP_("field", "days")},
    {"words", WORD_FIELD, NP_("field", "as written")},
    {"location", WORD_FIELD, NP_("field", "place")},
    {"description", WORD_FIELD, NP_("field", "description")},
    {"reason", WORD_FIELD, NP_("field", "reason")},
    {"topics", WORD_FIELD, NP_("field", "topics")},
    {"remind", WORD_FIELD, NP_("field", "reminders")},
    {"updated_at", WORD_FIELD, NP_("field", "last change")},
    {"name", WORD_FIELD, NP_("field", "name")},
    {"emails", WORD_FIELD, NP_("field", "addresses")},
    {"contact", WORD_FIELD, NP_("field", "contact")},
    {"state", WORD_FIELD, NP_("field", "Mexican state")},
    {"created_at", WORD_FIELD, NP_("field", "registered")},
    {"consent", WORD_FIELD, NP_("field", "consent")},
    {"address_state", WORD_FIELD, NP_("field", "mail to each")},
    {"paused_at", WORD_FIELD, NP_("field", "mail paused")},
    {"erasure_requested_at", WORD_FIELD, NP_("field", "erasure asked")},
};

#define NWORDS (sizeof(words) / sizeof(words[0]))

const char *
cli_word(enum cli_word_kind kind, const char *value)
{
	if (!value)
		return "";
	for (size_t i = 0; i < NWORDS; i++)
		if (words[i].kind == kind && strcmp(words[i].value, value) == 0)
			return cli_pgettext(words[i].text);
	return value;
}

const char *
cli_word_parse(enum cli_word_kind kind, const char *input)
{
	for (size_t i = 0; i < NWORDS; i++)
		if (words[i].kind == kind &&
		    (strcasecmp(words[i].value, input) == 0 ||
		     strcasecmp(cli_pgettext(words[i].text), input) == 0))
			return words[i].value;
	return NULL;
}

size_t
cli_word_values(enum cli_word_kind kind, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < NWORDS; i++)
		if (words[i].kind == kind) {
			if (n < max)
				out[n] = words[i].value;
			n++;
		}
	return n;
}

/* The names completion specs give the kinds ("word:outbox-state"). */
static const struct {
	const char *name;
	enum cli_word_kind kind;
} word_kinds[] = {
    {"outbox-state", WORD_OUTBOX_STATE},
    {"remind-default", WORD_REMIND_DEFAULT},
    {"preview-kind", WORD_PREVIEW_KIND},
};

int
cli_word_kind_find(const char *name)
{
	for (size_t i = 0; i < sizeof(word_kinds) / sizeof(word_kinds[0]); i++)
		if (strcmp(word_kinds[i].name, name) == 0)
			return (int)word_kinds[i].kind;
	return -1;
}
