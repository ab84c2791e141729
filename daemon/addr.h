/* addr: the one grammar for email addresses (RFC 5322 addr-spec and
 * mailbox), shared by the organisations' addresses, the configuration and
 * the mailer. A leaf module: libc only. */
#ifndef CRONOGRAMA_ADDR_H
#define CRONOGRAMA_ADDR_H

#include <stddef.h>

/* Longest address (RFC 5321 path limit less the brackets). */
#define ADDR_MAX 254
/* Longest local part (RFC 5321). */
#define ADDR_LOCAL_MAX 64

/*
 * 0 if addr is an address mail can go to: a dot-atom local part (at most
 * ADDR_LOCAL_MAX bytes), '@', and a domain of RFC 5321 labels (letters,
 * digits, inner hyphens; at least one dot; not ending in a number);
 * printable ASCII only (no CR, LF, spaces or other controls), at most
 * ADDR_MAX bytes. Forms RFC 5322 allows but relays refuse or read another
 * way are refused with their reason: quoted local parts ("x\"y"@…) and
 * address literals (h@[127.0.0.1]). Else -EINVAL and why (one line naming
 * the address, controls shown escaped); why may be NULL.
 */
int addr_spec_check(const char *addr, char *why, size_t whylen);

/*
 * A mailbox as a From: header or a config file writes it: a bare
 * addr-spec ("agenda@example.org") or "Display Name <addr-spec>". The
 * addr-spec (checked as addr_spec_check does) is copied into addr. 0, or
 * -EINVAL with why.
 */
int addr_mailbox_parse(const char *mailbox, char *addr, size_t addrlen,
                       char *why, size_t whylen);

/* addr made safe to quote in a one-line message: controls and bytes past
 * ASCII as \r, \n, \t or \xNN, cut short with "..." if long. Returns buf. */
const char *addr_show(const char *addr, char *buf, size_t len);

#endif
