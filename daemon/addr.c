/* addr: the one grammar for email addresses, shared by organisations'
 * addresses (cronoctl osc add, the CSV import), the configuration ([mail]
 * from, [staff] emails) and what the mailer is handed. A leaf: no library
 * but libc. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

/* addr made safe to quote in a one-line message: controls and bytes past
 * ASCII as \r, \n, \t or \xNN, cut short with "..." if long. */
const char *
addr_show(const char *addr, char *buf, size_t len)
{
	size_t o = 0;
	const unsigned char *p;

	for (p = (const unsigned char *)addr; *p && o + 8 < len; p++) {
		if (*p == '\r')
			o += (size_t)snprintf(buf + o, len - o, "\\r");
		else if (*p == '\n')
			o += (size_t)snprintf(buf + o, len - o, "\\n");
		else if (*p == '\t')
			o += (size_t)snprintf(buf + o, len - o, "\\t");
		else if (*p < 0x20 || *p > 0x7e)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", *p);
		else
			buf[o++] = (char)*p;
	}
	if (*p)
		o += (size_t)snprintf(buf + o, len - o, "...");
	buf[o] = '\0';
	return buf;
}

/* 1 if c is RFC 5322 atext. */
static int
addr_atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* 1 if the len bytes at s are an RFC 5322 dot-atom-text. */
static int
addr_dot_atom(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.' ? s[i + 1] == '.' : !addr_atext(s[i]))
			return 0;
	}
	return 1;
}

/* Why the domain s (len bytes) is not one mail can go to, or NULL. RFC
 * 5321's sub-domains: letters, digits and inner hyphens, 1 to 63 of them
 * a label, at least two labels, the last one not all digits. An address
 * literal ([192.0.2.1]) is refused by the caller. */
static const char *
addr_domain_why(const char *s, size_t len)
{
	size_t i, label = 0, start = 0;
	int alldigits = 1;

	if (len == 0 || memchr(s, '.', len) == NULL)
		return "has a bad domain (it needs a dot, as in ejemplo.org)";
	for (i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '.';

		if (c == '.') {
			if (label == 0)
				return "has a bad domain (an empty part "
				       "between "
				       "its dots)";
			if (s[start] == '-' || s[i - 1] == '-')
				return "has a bad domain (a part of it starts "
				       "or "
				       "ends with '-')";
			if (label > 63)
				return "has a bad domain (a part of it is "
				       "longer "
				       "than 63 characters)";
			if (i == len && alldigits)
				return "has a bad domain (it ends in a number: "
				       "an IP address is not a mail domain)";
			label = 0;
			start = i + 1;
			alldigits = 1;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-'))
			return "has a bad domain (only letters, digits, "
			       "hyphens "
			       "and dots)";
		alldigits &= c >= '0' && c <= '9';
		label++;
	}
	return NULL;
}

int
addr_spec_check(const char *addr, char *why, size_t whylen)
{
	char show[ADDR_MAX + 64];
	const unsigned char *p;
	size_t len, local;
	const char *msg = NULL;

	if (addr == NULL || *addr == '\0') {
		if (why)
			snprintf(why, whylen, "an address is empty");
		return -EINVAL;
	}
	len = strlen(addr);
	for (p = (const unsigned char *)addr; *p && msg == NULL; p++) {
		if (*p == '\r' || *p == '\n')
			msg = "holds a line break";
		else if (*p == ' ' || *p == '\t')
			msg = "holds a space";
		else if (*p < 0x20 || *p > 0x7e)
			msg = "holds a character that is not printable ASCII";
	}
	if (msg == NULL && len > ADDR_MAX)
		msg = "is longer than 254 characters";
	if (msg == NULL) {
		local = strcspn(addr, "@");
		if (addr[local] != '@')
			msg = "has no '@'";
		else if (addr[0] == '"')
			/* RFC 5322 allows "x\"y"@example.org, but relays
			 * refuse it or read it another way. */
			msg = "has quotes before the '@': mail relays refuse "
			      "or misread quoted local parts (and their \\ "
			      "escapes); give an address without quotes";
		else if (local == 0 || !addr_dot_atom(addr, local))
			msg = "has a bad part before the '@'";
		else if (local > ADDR_LOCAL_MAX)
			msg = "has more than 64 characters before the '@'";
		else if (addr[local + 1] == '[')
			msg = "has an address literal ([...]) for its domain: "
			      "mail to it skips DNS and relays refuse it; give "
			      "the domain's name";
		else
			msg =
			    addr_domain_why(addr + local + 1, len - local - 1);
	}
	if (msg == NULL)
		return 0;
	if (why)
		snprintf(why, whylen, "address '%s' %s",
		         addr_show(addr, show, sizeof show), msg);
	return -EINVAL;
}

int
addr_mailbox_parse(const char *mailbox, char *addr, size_t addrlen, char *why,
                   size_t whylen)
{
	char show[ADDR_MAX + 64], spec[ADDR_MAX + 2];
	const char *lt, *gt, *p;
	size_t n;

	for (p = mailbox; *p; p++)
		if (*p == '\r' || *p == '\n') {
			snprintf(why, whylen, "'%s' holds a line break",
			         addr_show(mailbox, show, sizeof show));
			return -EINVAL;
		}
	lt = strrchr(mailbox, '<');
	if (lt == NULL) {
		n = strspn(mailbox, " \t");
		snprintf(spec, sizeof spec, "%s", mailbox + n);
		n = strlen(spec);
		while (n > 0 && (spec[n - 1] == ' ' || spec[n - 1] == '\t'))
			spec[--n] = '\0';
	} else {
		gt = strchr(lt, '>');
		if (gt == NULL || gt[1 + strspn(gt + 1, " \t")] != '\0') {
			snprintf(why, whylen,
			         "'%s' is not an address nor 'Name <address>'",
			         addr_show(mailbox, show, sizeof show));
			return -EINVAL;
		}
		if (memchr(mailbox, '>', (size_t)(lt - mailbox)) != NULL) {
			snprintf(why, whylen, "'%s' has a stray '>'",
			         addr_show(mailbox, show, sizeof show));
			return -EINVAL;
		}
		n = (size_t)(gt - lt - 1);
		if (n >= sizeof spec)
			n = sizeof spec - 1;
		memcpy(spec, lt + 1, n);
		spec[n] = '\0';
	}
	if (addr_spec_check(spec, why, whylen) < 0)
		return -EINVAL;
	if (strlen(spec) >= addrlen) {
		snprintf(why, whylen, "address '%s' is too long", spec);
		return -EINVAL;
	}
	memcpy(addr, spec, strlen(spec) + 1);
	return 0;
}
