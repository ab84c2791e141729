/* check: see check.h. Each rule asks the module that will use the value
 * (addr, url, http, event, message, secret), so -t and a start cannot
 * disagree. */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "addr.h"
#include "check.h"
#include "event.h"
#include "http.h"
#include "maildir.h"
#include "message.h"
#include "secret.h"
#include "text.h"
#include "url.h"

/*
 * 0 if dir is a writable directory, or does not exist yet and its nearest
 * existing ancestor is a writable directory (the daemon makes the rest).
 * Else why.
 */
static int
check_dir_usable(const char *dir, char *why, size_t whylen)
{
	char path[PATH_MAX];
	struct stat st;
	char *slash;

	if (dir[0] != '/') {
		snprintf(why, whylen, "'%s' is not an absolute path", dir);
		return -EINVAL;
	}
	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
		snprintf(why, whylen, "the path is too long");
		return -EINVAL;
	}
	for (;;) {
		if (stat(path, &st) == 0) {
			if (!S_ISDIR(st.st_mode)) {
				snprintf(why, whylen, "%s is not a directory",
				         path);
				return -EINVAL;
			}
			if (access(path, W_OK | X_OK) < 0) {
				snprintf(why, whylen,
				         "%s: %s (the daemon runs as uid %u)",
				         path, strerror(errno),
				         (unsigned)geteuid());
				return -EINVAL;
			}
			return 0;
		}
		/* ENOTDIR: a file on the way, which the next step names. */
		if (errno != ENOENT && errno != ENOTDIR) {
			snprintf(why, whylen, "%s: %s", path, strerror(errno));
			return -EINVAL;
		}
		slash = strrchr(path, '/');
		if (slash == NULL || slash == path) {
			snprintf(why, whylen, "no part of %s exists", dir);
			return -EINVAL;
		}
		*slash = '\0';
	}
}

/* 1 if the process may give a file to group gid. */
static int
check_group_usable(gid_t gid)
{
	gid_t groups[NGROUPS_MAX];
	int n, i;

	if (geteuid() == 0 || getegid() == gid)
		return 1;
	n = getgroups(NGROUPS_MAX, groups);
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

/* 1 if s is a host name: labels of letters, digits and '-', dot
 * separated, none empty or longer than 63, 253 at most in all. */
static int
check_hostname(const char *s)
{
	size_t label = 0, i, n = strlen(s);

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || (ch == '-' && label > 0)))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[n - 1] != '-';
}

static int
check_daemon(const struct config *c, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	char why[PATH_MAX + 128], dir[PATH_MAX];
	struct stat st;
	const char *slash;

	if (check_dir_usable(c->state_dir, why, sizeof(why)) < 0)
		return config_key_fail(c, "daemon", "state_dir", err, errlen,
		                       "%s", why);
	if (c->socket[0] != '/')
		return config_key_fail(c, "daemon", "socket", err, errlen,
		                       "'%s' is not an absolute path",
		                       c->socket);
	if (strlen(c->socket) >= sizeof(sun.sun_path))
		return config_key_fail(c, "daemon", "socket", err, errlen,
		                       "longer than %zu bytes, the most a "
		                       "Unix socket path may have",
		                       sizeof(sun.sun_path) - 1);
	if (lstat(c->socket, &st) == 0 && !S_ISSOCK(st.st_mode))
		return config_key_fail(c, "daemon", "socket", err, errlen,
		                       "%s exists and is not a socket",
		                       c->socket);
	slash = strrchr(c->socket, '/');
	snprintf(dir, sizeof(dir), "%.*s",
	         slash == c->socket ? 1 : (int)(slash - c->socket), c->socket);
	if (check_dir_usable(dir, why, sizeof(why)) < 0)
		return config_key_fail(c, "daemon", "socket", err, errlen, "%s",
		                       why);
	if (c->socket_group[0]) {
		struct group *g = getgrnam(c->socket_group);

		if (g == NULL)
			return config_key_fail(c, "daemon", "socket_group", err,
			                       errlen, "no group named '%s'",
			                       c->socket_group);
		if (!check_group_usable(g->gr_gid))
			return config_key_fail(
			    c, "daemon", "socket_group", err, errlen,
			    "the daemon (uid %u) is not in group '%s', so it "
			    "cannot give the socket to it",
			    (unsigned)geteuid(), c->socket_group);
	}
	if (!check_hostname(c->domain))
		return config_key_fail(c, "daemon", "domain", err, errlen,
		                       "'%s' is not a domain name (like "
		                       "sre.example.gob.mx)",
		                       c->domain);
	if (!event_tzid_known(c->timezone))
		return config_key_fail(c, "daemon", "timezone", err, errlen,
		                       "'%s' is not a time zone in the "
		                       "system's tzdata (like "
		                       "America/Mexico_City)",
		                       c->timezone);
	return 0;
}

static int
check_http(const struct config *c, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	unsigned len;
	char why[1024];

	if (c->http_listen[0] &&
	    http_listen_parse(c->http_listen, &ss, &len) < 0)
		return config_key_fail(c, "http", "listen", err, errlen,
		                       "'%s' is not an address host:port or "
		                       "[v6]:port with a port 0..65535",
		                       c->http_listen);
	if (url_check(c->public_url, "http|https", 1, why, sizeof(why)) < 0)
		return config_key_fail(c, "http", "public_url", err, errlen,
		                       "%s", why);
	if (http_proxies_check(c->http_trusted_proxies, why, sizeof(why)) < 0)
		return config_key_fail(c, "http", "trusted_proxies", err,
		                       errlen, "%s", why);
	return 0;
}

static int
check_mail(const struct config *c, char *err, size_t errlen)
{
	char why[1024], addr[ADDR_MAX + 1], secret[1024];
	struct stat st;

	if (c->smtp_url[0] &&
	    url_check(c->smtp_url, "smtp|smtps", 1, why, sizeof(why)) < 0)
		return config_key_fail(c, "mail", "smtp_url", err, errlen, "%s",
		                       why);
	if (addr_mailbox_parse(c->mail_from, addr, sizeof(addr), why,
	                       sizeof(why)) < 0)
		return config_key_fail(c, "mail", "from", err, errlen, "%s",
		                       why);
	if (c->smtp_username[0] && !c->password_file[0])
		return config_key_fail(c, "mail", "username", err, errlen,
		                       "set, but no password: set [mail] "
		                       "password_file or pass the credential "
		                       "%s",
		                       CONFIG_CREDENTIAL_PASSWORD);
	if (c->password_file[0]) {
		int r = secret_file_read_line(c->password_file, secret,
		                              sizeof(secret), why, sizeof(why));

		explicit_bzero(secret, sizeof(secret));
		if (r < 0)
			return config_key_fail(c, "mail", "password_file", err,
			                       errlen, "%s", why);
		if (!c->smtp_username[0])
			return config_key_fail(c, "mail", "password_file", err,
			                       errlen,
			                       "set, but [mail] username is "
			                       "empty");
	}
	if (c->ca_file[0] &&
	    (stat(c->ca_file, &st) < 0 || !S_ISREG(st.st_mode) ||
	     access(c->ca_file, R_OK) < 0))
		return config_key_fail(c, "mail", "ca_file", err, errlen,
		                       "%s is not a readable file", c->ca_file);
	if (c->template_dir[0] && stat(c->template_dir, &st) == 0 &&
	    !S_ISDIR(st.st_mode))
		return config_key_fail(c, "mail", "template_dir", err, errlen,
		                       "%s is not a directory",
		                       c->template_dir);
	if (message_templates_check(c->template_dir, why, sizeof(why)) < 0)
		return config_key_fail(c, "mail", "template_dir", err, errlen,
		                       "%s", why);
	return 0;
}

/* [staff] emails: addresses separated by commas, semicolons or spaces,
 * as schedule_notice.c reads them. */
static int
check_staff(const struct config *c, char *err, size_t errlen)
{
	static const char sep[] = ", ;\t";
	char one[ADDR_MAX + 2], why[512];
	const char *p = c->staff_emails;
	size_t n;

	for (p += strspn(p, sep); *p; p += n, p += strspn(p, sep)) {
		n = strcspn(p, sep);
		snprintf(one, sizeof(one), "%.*s", (int)n, p);
		if (addr_spec_check(one, why, sizeof(why)) < 0)
			return config_key_fail(c, "staff", "emails", err,
			                       errlen, "%s", why);
	}
	return 0;
}

/*
 * 0 if s is text a person may read on the page and in emails: valid
 * UTF-8 of at most max bytes, one line, no invisible characters (bidi
 * controls, zero-width ones), and, when lines is set, at most that many
 * '|'-separated lines, none of them empty. Else why.
 */
static int
check_office_text(const char *s, size_t max, int lines, char *why,
                  size_t whylen)
{
	char *copy;
	size_t removed;
	int n = 1;
	const char *p;

	if (text_check("the value", s, max, 1, why, whylen) < 0)
		return -EINVAL;
	if ((copy = strdup(s)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	removed = text_strip_invisible(copy);
	free(copy);
	if (removed > 0) {
		snprintf(why, whylen,
		         "holds %zu invisible character%s (bidi controls or "
		         "zero-width ones)",
		         removed, removed == 1 ? "" : "s");
		return -EINVAL;
	}
	if (!lines || *s == '\0')
		return 0;
	for (p = s; *p; p++)
		n += *p == '|';
	if (n > lines) {
		snprintf(why, whylen, "%d lines; at most %d (separated by '|')",
		         n, lines);
		return -EINVAL;
	}
	for (p = s;; p++) {
		size_t len = strcspn(p, "|");

		if (strspn(p, " \t") >= len) {
			snprintf(why, whylen,
			         "an empty line (two '|' with nothing between, "
			         "or one at an end)");
			return -EINVAL;
		}
		p += len;
		if (*p == '\0')
			return 0;
	}
}

/*
 * 0 if s reads as a telephone number: digits, spaces and + - ( ) . /,
 * a '+' only first, between 5 and 20 digits before an optional extension
 * ("ext. 4021", "ext 4021", "x4021"). Else why.
 */
static int
check_phone(const char *s, char *why, size_t whylen)
{
	size_t digits = 0, i, n = strlen(s);

	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (ch >= '0' && ch <= '9') {
			digits++;
			continue;
		}
		if (ch == '+' && i == 0)
			continue;
		if (strchr(" -()./", ch) != NULL)
			continue;
		if (strncasecmp(s + i, "ext", 3) == 0 ||
		    (ch == 'x' || ch == 'X')) {
			size_t j = i + (ch == 'x' || ch == 'X' ? 1 : 3);

			if (s[j] == '.')
				j++;
			j += strspn(s + j, " ");
			if (digits >= 5 && s[j] != '\0' &&
			    strspn(s + j, "0123456789") == strlen(s + j))
				break;
		}
		snprintf(why, whylen,
		         "'%s' is not a telephone number (like +52 55 3686 "
		         "5100 ext. 4021)",
		         s);
		return -EINVAL;
	}
	if (digits < 5 || digits > 20) {
		snprintf(why, whylen,
		         "'%s' has %zu digits; a telephone number has 5 to 20",
		         s, digits);
		return -EINVAL;
	}
	return 0;
}

/* [office]: what the page, the feeds and the emails show of the office. */
static int
check_office(const struct config *c, char *err, size_t errlen)
{
	char why[1024];

	if (check_office_text(c->office_name, 150, 0, why, sizeof(why)) < 0)
		return config_key_fail(c, "office", "name", err, errlen, "%s",
		                       why);
	if (check_office_text(c->office_signature, 1000, 8, why, sizeof(why)) <
	    0)
		return config_key_fail(c, "office", "signature", err, errlen,
		                       "%s", why);
	if (c->office_email[0] &&
	    addr_spec_check(c->office_email, why, sizeof(why)) < 0)
		return config_key_fail(c, "office", "email", err, errlen, "%s",
		                       why);
	if (c->office_phone[0] &&
	    check_phone(c->office_phone, why, sizeof(why)) < 0)
		return config_key_fail(c, "office", "phone", err, errlen, "%s",
		                       why);
	if (check_office_text(c->office_address, 1000, 8, why, sizeof(why)) < 0)
		return config_key_fail(c, "office", "address", err, errlen,
		                       "%s", why);
	if (c->office_privacy_url[0] &&
	    url_check(c->office_privacy_url, "http|https", 1, why,
	              sizeof(why)) < 0)
		return config_key_fail(c, "office", "privacy_url", err, errlen,
		                       "%s", why);
	if (c->office_logo_url[0]) {
		/* The page's Content-Security-Policy names the logo's URL,
		 * where these would end the source or the directive. */
		if (url_check(c->office_logo_url, "https", 1, why,
		              sizeof(why)) < 0)
			return config_key_fail(c, "office", "logo_url", err,
			                       errlen, "%s", why);
		if (strpbrk(c->office_logo_url, ";,'\"") != NULL)
			return config_key_fail(
			    c, "office", "logo_url", err, errlen,
			    "'%s' holds ; , or a quote", c->office_logo_url);
	}
	return 0;
}

/* [mail] bounce_address and [bounces]: an address the daemon can add
 * "+TOKEN" to, and a maildir it can take messages from. */
static int
check_bounces(const struct config *c, char *err, size_t errlen)
{
	char why[600];
	const char *at;

	if (c->bounce_address[0]) {
		if (addr_spec_check(c->bounce_address, why, sizeof(why)) < 0)
			return config_key_fail(c, "mail", "bounce_address", err,
			                       errlen, "%s", why);
		at = strchr(c->bounce_address, '@');
		if (memchr(c->bounce_address, '+',
		           (size_t)(at - c->bounce_address)) != NULL)
			return config_key_fail(
			    c, "mail", "bounce_address", err, errlen,
			    "'%s' has a '+': the daemon adds +TOKEN itself",
			    c->bounce_address);
		/* "+" and a token of up to 51 characters must still fit the
		 * 64 bytes of a local part. */
		if (at - c->bounce_address > 12)
			return config_key_fail(
			    c, "mail", "bounce_address", err, errlen,
			    "'%.*s' is longer than 12 characters: with +TOKEN "
			    "it would pass the 64 a local part may have",
			    (int)(at - c->bounce_address), c->bounce_address);
	}
	if (c->bounce_maildir[0] &&
	    maildir_check(c->bounce_maildir, why, sizeof(why)) < 0)
		return config_key_fail(c, "bounces", "maildir", err, errlen,
		                       "%s", why);
	return 0;
}

/* The signup form lives on the public site: with none, it is nowhere. */
static int
check_public(const struct config *c, char *err, size_t errlen)
{
	if (strcmp(c->public_signup, "off") != 0 &&
	    (c->http_listen == NULL || c->http_listen[0] == '\0'))
		return config_key_fail(c, "public", "signup", err, errlen,
		                       "'%s' needs the public site, but [http] "
		                       "listen is empty",
		                       c->public_signup);
	return 0;
}

int
check_config(const struct config *c, char *err, size_t errlen)
{
	if (check_daemon(c, err, errlen) < 0 ||
	    check_http(c, err, errlen) < 0 || check_mail(c, err, errlen) < 0 ||
	    check_staff(c, err, errlen) < 0 ||
	    check_office(c, err, errlen) < 0 ||
	    check_bounces(c, err, errlen) < 0 ||
	    check_public(c, err, errlen) < 0)
		return -EINVAL;
	return 0;
}
