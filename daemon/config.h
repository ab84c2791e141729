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
/* Where systemd's LoadCredential= puts the SMTP password:
 * $CREDENTIALS_DIRECTORY/smtp-password (see [mail] password_file). */
#define CONFIG_CREDENTIAL_PASSWORD "smtp-password"
/* Most keys the table may hold (config.c checks it at build time). */
#define CONFIG_KEYS_MAX 64

struct config {
	/* The file read (NULL: built-in defaults only) and, for each key of
	 * the table, the line that set it (0: its default). */
	char *path;
	int line[CONFIG_KEYS_MAX];

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
	int64_t http_request_timeout;
	char *http_trusted_proxies;
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
	/* [import] */
	int64_t import_timeout;
	int import_max_memory; /* MB */
	/* [office] (empty strings: not given) */
	char *office_name;
	char *office_signature; /* lines separated by '|' */
	char *office_email;
	char *office_phone;
	char *office_address; /* lines separated by '|' */
	char *office_privacy_url;
	char *office_privacy_version;
	char *office_logo_url;
	/* [mail] bounce_address, [bounces] */
	char *bounce_address;
	char *bounce_maildir;
	int bounce_transient_limit;
	int64_t bounce_transient_window;
	/* [public] signup: "open", "approval" or "off" (signup.h). */
	char *public_signup;
};

/*
 * Fill c with the defaults. The state directory and the socket follow
 * systemd when it runs the daemon ($STATE_DIRECTORY, $RUNTIME_DIRECTORY:
 * the unit's StateDirectory= and RuntimeDirectory=), else root gets
 * /var/lib/cronograma and /run/cronograma/control.sock, and other users
 * their XDG directories ($XDG_STATE_HOME or ~/.local/state, and
 * $XDG_RUNTIME_DIR or /run/user/UID, each with /cronograma).
 */
int config_defaults(struct config *c, char *err, size_t errlen);

/*
 * The defaults that follow from other keys, once the file is read:
 * [mail] from is cronograma@DOMAIN; [mail] password_file is
 * $CREDENTIALS_DIRECTORY/smtp-password when systemd passed that
 * credential and the file names none.
 */
void config_derive(struct config *c);

/*
 * "FILE:LINE: [section] key: why" into err for a key whose value is
 * wrong ("[section] key: why" when the key has its default). Returns
 * -EINVAL, for "return config_key_fail(...)".
 */
int config_key_fail(const struct config *c, const char *section,
                    const char *key, char *err, size_t errlen, const char *fmt,
                    ...) __attribute__((format(printf, 6, 7)));

/*
 * Read the INI file at path over the defaults already in c. Unknown
 * sections or keys and bad values are errors "PATH:LINE: [sec] key: why";
 * path must be a regular file. Returns 0, -ENOENT if the file does not
 * exist, or -EINVAL.
 */
int config_load(struct config *c, const char *path, char *err, size_t errlen);

/* Set one key from text, as the file would ("7d 1d 2h"). 0 or -EINVAL. */
int config_set(struct config *c, const char *section, const char *key,
               const char *value, char *err, size_t errlen);

void config_fini(struct config *c);

/*
 * SIGHUP: take from fresh the keys a running daemon can change (those the
 * table marks reloadable; config_reloadable_print lists them). applied
 * and ignored (the changed keys that need a restart) get comma-separated
 * "[section] key" lists. 0 or -EINVAL.
 */
int config_reload(struct config *running, const struct config *fresh,
                  char *applied, size_t alen, char *ignored, size_t ilen);

/* The table, for --help and the docs: one line per key,
 * "[section] key (type, default D): help". */
void config_keys_print(FILE *out);
/* The reloadable keys, "[section] key, …", for --help. */
void config_reloadable_print(FILE *out);
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
