/* config: the INI file (inih) and its defaults.
 *
 * Every key is defined once, in config.c's table (section, name, type,
 * default, bounds, help). --help, the man page and contrib/cronogramad.conf
 * follow that table; a test checks that they agree.
 */
#ifndef CRONOGRAMA_CONFIG_H
#define CRONOGRAMA_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONFIG_DEFAULT_PATH SYSCONFDIR "/cronograma/cronogramad.conf"

struct config {
	/* [daemon] */
	char *state_dir;
	char *socket;
	char *socket_group;
	char *domain;
	char *timezone;
	char *log_level;
	int test_clock;
	/* [http] */
	char *http_listen;
	char *public_url;
	int http_max_connections;
	int http_max_per_ip;
	int64_t http_timeout;
	/* [mail] */
	char *smtp_url;
	char *mail_from;
	char *smtp_username;
	char *password_file;
	char *ca_file;
	char *starttls;
	int mail_max_connections;
	int rate_per_minute;
	int64_t retry_for;
	int64_t mail_timeout;
	char *template_dir;
	/* [reminders] */
	int64_t remind_default[16];
	size_t nremind_default;
	int allday_min;   /* minutes after midnight, office zone */
	int64_t max_late; /* seconds; -1 = half the reminder's offset */
	/* [notices] */
	int64_t notices_quiet;
	/* [staff] */
	char *staff_emails;
	int64_t tbd_nudge;
};

/* Fill c with the defaults (state and socket paths depend on the user:
 * root gets /var/lib and /run, others XDG directories). */
int config_defaults(struct config *c, char *err, size_t errlen);

/*
 * Read the INI file at path over the defaults already in c. Unknown
 * sections or keys and bad values are errors "PATH:LINE: [sec] key: why".
 * Returns 0, -ENOENT if the file does not exist, or -EINVAL.
 */
int config_load(struct config *c, const char *path, char *err, size_t errlen);

/* Set one key from text, as the file would ("7d 1d 2h"). 0 or -EINVAL. */
int config_set(struct config *c, const char *section, const char *key,
               const char *value, char *err, size_t errlen);

void config_fini(struct config *c);

/*
 * SIGHUP: take from fresh the keys a running daemon can change (log level,
 * [reminders], [notices], [staff], [mail] retry_for and template_dir).
 * applied and ignored (the changed keys that need a restart) get
 * comma-separated "[section] key" lists. 0 or -EINVAL.
 */
int config_reload(struct config *running, const struct config *fresh,
                  char *applied, size_t alen, char *ignored, size_t ilen);

/* The table, for --help and the docs: one line per key,
 * "[section] key (type, default D): help". */
void config_keys_print(FILE *out);
/* The effective configuration as an INI file. */
void config_print(const struct config *c, FILE *out);

/* "7d", "2h", "30m", "45s", "1d12h" → seconds; 0 or -EINVAL. */
int config_duration_parse(const char *s, int64_t *out);
/* "7d 1d 2h" or "3d,1h" → offsets (at most max), sorted descending,
 * duplicates removed. 0 or -EINVAL. */
int config_durations_parse(const char *s, int64_t *out, size_t max, size_t *n);
/* 604800 → "7d", 5400 → "1h30m". */
char *config_duration_format(int64_t s, char *buf, size_t buflen);

#endif
