/* bounce: reads a message that came back to the bounce address and says
 * whether it reports a failed delivery, to which address, and how final
 * the failure is. Delivery status notifications (RFC 3464, and RFC 6533's
 * global form) are read field by field; the two common non-DSN shapes
 * (Exim's X-Failed-Recipients, qmail's "failure notice") are recognised;
 * everything else (out-of-office replies, read receipts, delivery
 * confirmations, spam) is "not a bounce" with the reason. A leaf: libc
 * only. */
#ifndef CRONOGRAMA_BOUNCE_H
#define CRONOGRAMA_BOUNCE_H

#include <stddef.h>

/* Longest token after "local+" in a VERP bounce address (RFC 5321 caps a
 * local part at 64 bytes). */
#define BOUNCE_TOKEN_MAX 64
/* Longest message read: a DSN's reports come first and are small; what is
 * past this (the returned original) is not needed. */
#define BOUNCE_MESSAGE_MAX (1024 * 1024)

enum bounce_kind {
	BOUNCE_NONE = 0,  /* not a failure report: nothing to do */
	BOUNCE_TRANSIENT, /* 4.x.x, or delivery delayed: count it */
	BOUNCE_PERMANENT, /* 5.x.x: the address does not take mail */
};

struct bounce {
	enum bounce_kind kind;
	/* From the envelope recipient the MTA recorded (Delivered-To,
	 * X-Original-To, Envelope-To, To): "TOKEN" of "local+TOKEN@…",
	 * lower-cased; "" if none matched. */
	char token[BOUNCE_TOKEN_MAX + 1];
	/* The returned original's Message-ID without angle brackets (from the
	 * returned headers or the DSN's X-Original-Message-ID); "" if none. */
	char message_id[256];
	/* The failed recipient (Original-Recipient, else Final-Recipient,
	 * else X-Failed-Recipients or qmail's "<addr>:"); "" if unknown. */
	char recipient[256];
	/* Enhanced status code ("5.1.1"); "" if the report gave none. */
	char status[16];
	/* One printable line: the remote server's diagnostic for a failure,
	 * or why the message is not a bounce. */
	char detail[300];
};

/*
 * Reads the len bytes at msg (a whole RFC 5322 message, CRLF or LF line
 * ends; need not be NUL-terminated; at most BOUNCE_MESSAGE_MAX bytes are
 * looked at) into *out. local is the bounce address's local part before
 * the '+' ("rebotes"), or NULL to look for no token. Of several failed
 * recipients in one report the most final one is kept. 0, with out->kind
 * BOUNCE_NONE and the reason in out->detail for anything that is not a
 * failure report; -EINVAL if msg has no header section at all (with the
 * reason in out->detail). Allocates nothing the caller frees.
 */
int bounce_parse(const char *msg, size_t len, const char *local,
                 struct bounce *out);

/*
 * The VERP token of outbox row id whose Message-ID is message_id
 * ("<k>.<hex>@domain"): "<id>.<hex>", which names the row and carries the
 * Message-ID's random part (so no one who has not seen the message can
 * make one up), into out. 0, or -EINVAL if message_id has no such form or
 * out is too small.
 */
int bounce_token_make(long long id, const char *message_id, char *out,
                      size_t len);
/* The row id and the random part of a token bounce_token_make made. 0,
 * or -EINVAL. */
int bounce_token_split(const char *token, long long *id, char *hex,
                       size_t hexlen);
/* 1 if message_id ("<k>.<hex>@domain") carries hex as its random part. */
int bounce_token_matches(const char *message_id, const char *hex);

/* "permanent", "transient" or "none". */
const char *bounce_kind_name(enum bounce_kind kind);

#endif
