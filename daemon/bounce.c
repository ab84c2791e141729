/* bounce: reads what comes back to the bounce address. The shapes met in
 * the wild, each kept in tests/data/bounces:
 *
 * - multipart/report; report-type=delivery-status (RFC 3464: Postfix,
 *   Exim 4, Exchange and Microsoft 365, Gmail, Sendmail), possibly nested
 *   in another multipart, its message/delivery-status part possibly in
 *   base64 or quoted-printable, one field group per recipient;
 * - Exim's plain-text failure with an X-Failed-Recipients header;
 * - qmail's "failure notice" (no DSN, no header: permanent by design);
 * - and what is not a bounce: out-of-office replies, read receipts
 *   (disposition-notification), delivery confirmations, abuse reports.
 *
 * Everything is bounded by the message: no field value longer than
 * BOUNCE_FIELD_MAX is kept, multiparts nest at most BOUNCE_DEPTH_MAX deep.
 * A leaf: libc only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "bounce.h"

#define BOUNCE_DEPTH_MAX 8
#define BOUNCE_FIELD_MAX 1024

struct bounce_span {
	const char *p;
	size_t n;
};

/* One recipient's field group of a delivery-status part. */
struct bounce_rcpt {
	char final[256], orig[256], action[32], status[16], diag[300];
};

/* What a walk through the message found. */
struct bounce_ctx {
	const char *local;
	struct bounce *out;
	int token_rank;      /* of out->token's header: lower is better */
	int dsn_seen;        /* a delivery-status part was read */
	char dsn_action[32]; /* the last non-failure action, for the reason */
	int mdn, arf;        /* a read receipt, an abuse report */
	char auto_reply[64]; /* the header that marks an automatic reply */
	char failed[256];    /* X-Failed-Recipients' first address */
	int qmail;
	struct bounce_span text; /* the first text/plain body */
	enum bounce_kind best;
	struct bounce_rcpt rcpt; /* the most final recipient so far */
};

static void bounce_walk(struct bounce_ctx *c, const char *p, const char *end,
                        int depth);

const char *
bounce_kind_name(enum bounce_kind kind)
{
	switch (kind) {
	case BOUNCE_PERMANENT:
		return "permanent";
	case BOUNCE_TRANSIENT:
		return "transient";
	case BOUNCE_NONE:
		break;
	}
	return "none";
}

/* The random part of a Message-ID "<k>.<hex>@domain": where it starts and
 * its length, or NULL. */
static const char *
bounce_msgid_hex(const char *message_id, size_t *n)
{
	const char *dot = strchr(message_id, '.'), *at;

	if (dot == NULL || (at = strchr(dot, '@')) == NULL || at == dot + 1)
		return NULL;
	*n = (size_t)(at - dot - 1);
	if (strspn(dot + 1, "0123456789abcdef") != *n)
		return NULL;
	return dot + 1;
}

int
bounce_token_make(long long id, const char *message_id, char *out, size_t len)
{
	const char *hex;
	size_t n;
	int w;

	if (id <= 0 || (hex = bounce_msgid_hex(message_id, &n)) == NULL)
		return -EINVAL;
	w = snprintf(out, len, "%lld.%.*s", id, (int)n, hex);
	if (w < 0 || (size_t)w >= len || (size_t)w > BOUNCE_TOKEN_MAX)
		return -EINVAL;
	return 0;
}

int
bounce_token_split(const char *token, long long *id, char *hex, size_t hexlen)
{
	size_t digits = strspn(token, "0123456789"), n;
	const char *h = token + digits + 1;

	if (digits == 0 || digits > 18 || token[digits] != '.' ||
	    token[0] == '0')
		return -EINVAL;
	n = strlen(h);
	if (n == 0 || n >= hexlen || strspn(h, "0123456789abcdef") != n)
		return -EINVAL;
	*id = strtoll(token, NULL, 10);
	memcpy(hex, h, n + 1);
	return 0;
}

int
bounce_token_matches(const char *message_id, const char *hex)
{
	const char *h;
	size_t n;

	if (message_id == NULL ||
	    (h = bounce_msgid_hex(message_id, &n)) == NULL)
		return 0;
	return n == strlen(hex) && memcmp(h, hex, n) == 0;
}

/* The next line of [*p, end) without its line end (LF or CRLF) into line;
 * *p moves past it. 0 at end. */
static int
bounce_line_next(const char **p, const char *end, struct bounce_span *line)
{
	const char *s = *p, *nl;

	if (s >= end)
		return 0;
	nl = memchr(s, '\n', (size_t)(end - s));
	line->p = s;
	line->n = nl ? (size_t)(nl - s) : (size_t)(end - s);
	*p = nl ? nl + 1 : end;
	if (line->n > 0 && line->p[line->n - 1] == '\r')
		line->n--;
	return 1;
}

/* Appends the n bytes at s to val (length *o, room len) with every run of
 * spaces and controls made one space and none leading. */
static void
bounce_val_append(char *val, size_t len, size_t *o, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && *o + 1 < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch == 0x7f) {
			if (*o > 0 && val[*o - 1] != ' ')
				val[(*o)++] = ' ';
		} else if (ch == ' ') {
			if (*o > 0 && val[*o - 1] != ' ')
				val[(*o)++] = ' ';
		} else {
			val[(*o)++] = (char)ch;
		}
	}
	val[*o] = '\0';
}

/* 1 if the n bytes at s are an RFC 5322 field name. */
static int
bounce_field_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] > '~')
			return 0;
	return 1;
}

/*
 * The next field of the header section at *p (up to end): its name into
 * name and its value, unfolded and with spaces collapsed, into val (cut
 * at len - 1 bytes). 1, or 0 at the blank line that ends the section (or
 * at end), *p then at the body. Lines that are not fields (an mbox "From "
 * line, a stray continuation) are skipped.
 */
static int
bounce_field_next(const char **p, const char *end, struct bounce_span *name,
                  char *val, size_t len)
{
	struct bounce_span line;
	const char *colon, *save;
	size_t o = 0;

	for (;;) {
		if (!bounce_line_next(p, end, &line) || line.n == 0)
			return 0;
		if (line.p[0] == ' ' || line.p[0] == '\t')
			continue;
		colon = memchr(line.p, ':', line.n);
		if (colon &&
		    bounce_field_name(line.p, (size_t)(colon - line.p)))
			break;
	}
	name->p = line.p;
	name->n = (size_t)(colon - line.p);
	val[0] = '\0';
	bounce_val_append(val, len, &o, colon + 1,
	                  (size_t)(line.p + line.n - colon - 1));
	for (;;) {
		save = *p;
		if (!bounce_line_next(p, end, &line) || line.n == 0 ||
		    (line.p[0] != ' ' && line.p[0] != '\t')) {
			*p = save;
			break;
		}
		bounce_val_append(val, len, &o, line.p, line.n);
	}
	while (o > 0 && val[o - 1] == ' ')
		val[--o] = '\0';
	return 1;
}

/* 1 if name is the field name want (any case). */
static int
bounce_name_is(const struct bounce_span *name, const char *want)
{
	return strlen(want) == name->n &&
	       strncasecmp(name->p, want, name->n) == 0;
}

/* Copies at most len - 1 bytes of the n at s into dst, lower-cased. */
static void
bounce_copy_lower(char *dst, size_t len, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < len; i++)
		dst[i] =
		    (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
	dst[i] = '\0';
}

/* Copies the NUL-terminated src into dst (room len), cut short. */
static void
bounce_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src);
}

/* A Content-Type value's lower-cased "type/subtype" into type. */
static void
bounce_ct_type(const char *val, char *type, size_t len)
{
	size_t n = strcspn(val, "; \t");

	bounce_copy_lower(type, len, val, n);
}

/* Parameter param of a Content-Type value (quotes and backslashes
 * removed) into out. 0, or -1 if absent. */
static int
bounce_ct_param(const char *val, const char *param, char *out, size_t len)
{
	const char *s = strchr(val, ';');
	size_t plen = strlen(param);

	while (s && *s == ';') {
		const char *name;
		size_t o = 0;
		int match;

		s++;
		while (*s == ' ' || *s == '\t')
			s++;
		name = s;
		while (*s && *s != '=' && *s != ';')
			s++;
		match = (size_t)(s - name) == plen &&
		        strncasecmp(name, param, plen) == 0;
		if (*s != '=')
			continue;
		s++;
		if (*s == '"') {
			for (s++; *s && *s != '"'; s++) {
				if (*s == '\\' && s[1])
					s++;
				if (match && o + 1 < len)
					out[o++] = *s;
			}
			if (*s == '"')
				s++;
		} else {
			for (; *s && *s != ';' && *s != ' ' && *s != '\t'; s++)
				if (match && o + 1 < len)
					out[o++] = *s;
		}
		if (match) {
			out[o] = '\0';
			return 0;
		}
		s += strcspn(s, ";");
	}
	return -1;
}

/* An address out of a field value: after an address type ("rfc822;"), in
 * angle brackets or bare, the first of a list. */
static void
bounce_addr_value(const char *val, char *out, size_t len)
{
	const char *s = val, *semi = strchr(val, ';'), *lt;
	size_t n;

	if (semi && strchr(val, '@') > semi)
		s = semi + 1;
	while (*s == ' ')
		s++;
	lt = strchr(s, '<');
	if (lt && strchr(lt, '>')) {
		s = lt + 1;
		n = strcspn(s, ">");
	} else {
		n = strcspn(s, " ,;");
	}
	if (n >= len)
		n = len - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* An enhanced status code at the start of s ("5.1.1", class 2, 4 or 5,
 * then one to three digits twice) into status. 0, or -1. */
static int
bounce_status_at(const char *s, char *status, size_t len)
{
	size_t i = 0, part, digits;

	if (s[0] != '2' && s[0] != '4' && s[0] != '5')
		return -1;
	i = 1;
	for (part = 0; part < 2; part++) {
		if (s[i++] != '.')
			return -1;
		for (digits = 0; s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
		if (digits < 1 || digits > 3)
			return -1;
	}
	if ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')
		return -1;
	if (i >= len)
		return -1;
	memcpy(status, s, i);
	status[i] = '\0';
	return 0;
}

/* The first enhanced status code standing alone in the n bytes at s (not
 * inside a longer run of digits and dots) into status. 0, or -1. */
static int
bounce_status_find(const char *s, size_t n, char *status, size_t len)
{
	char buf[16];
	size_t i, k;

	for (i = 0; i < n; i++) {
		if (i > 0 &&
		    ((s[i - 1] >= '0' && s[i - 1] <= '9') || s[i - 1] == '.'))
			continue;
		for (k = 0; k + 1 < sizeof buf && i + k < n; k++)
			buf[k] = s[i + k];
		buf[k] = '\0';
		if (bounce_status_at(buf, status, len) == 0)
			return 0;
	}
	return -1;
}

/* The Message-ID in a field value, angle brackets removed. */
static void
bounce_msgid_value(const char *val, char *out, size_t len)
{
	const char *lt = strchr(val, '<');
	size_t n;

	if (lt && strchr(lt, '>')) {
		val = lt + 1;
		n = strcspn(val, ">");
	} else {
		n = strcspn(val, " ");
	}
	if (n >= len || memchr(val, ' ', n))
		return;
	memcpy(out, val, n);
	out[n] = '\0';
}

/* The envelope recipient headers in the order they are trusted: the
 * address the MTA delivered to first, the To the sender wrote last. */
static const char *const bounce_envelope_headers[] = {
    "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To",
};

/* If a field value holds "local+TOKEN@", TOKEN lower-cased into c->out
 * (when its header ranks better than the one already found). */
static void
bounce_token_scan(struct bounce_ctx *c, const char *val, int rank)
{
	size_t llen = strlen(c->local);
	const char *s;

	if (rank >= c->token_rank)
		return;
	for (s = val; (s = strchr(s, '+')) != NULL; s++) {
		const char *t = s + 1, *at;
		size_t n;

		if ((size_t)(s - val) < llen ||
		    strncasecmp(s - llen, c->local, llen) != 0)
			continue;
		if (s - llen > val && !strchr(" <,:;\"", s[-(long)llen - 1]))
			continue;
		n = strspn(t, "abcdefghijklmnopqrstuvwxyz"
		              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._=-");
		at = t + n;
		if (n == 0 || n > BOUNCE_TOKEN_MAX || *at != '@')
			continue;
		bounce_copy_lower(c->out->token, sizeof c->out->token, t, n);
		c->token_rank = rank;
		return;
	}
}

/* The outer header section: where it was delivered, what marks it. */
static void
bounce_top_field(struct bounce_ctx *c, const struct bounce_span *name,
                 const char *val)
{
	size_t i;

	for (i = 0; c->local && i < sizeof bounce_envelope_headers /
	                                sizeof bounce_envelope_headers[0];
	     i++)
		if (bounce_name_is(name, bounce_envelope_headers[i]))
			bounce_token_scan(c, val, (int)i);
	if (bounce_name_is(name, "X-Failed-Recipients") && !c->failed[0])
		bounce_addr_value(val, c->failed, sizeof c->failed);
	else if (bounce_name_is(name, "Auto-Submitted") &&
	         strncasecmp(val, "no", 2) != 0)
		snprintf(c->auto_reply, sizeof c->auto_reply,
		         "Auto-Submitted: %.40s", val);
	else if ((bounce_name_is(name, "X-Autoreply") ||
	          bounce_name_is(name, "X-Autorespond")) &&
	         !c->auto_reply[0])
		snprintf(c->auto_reply, sizeof c->auto_reply, "%.*s",
		         (int)name->n, name->p);
	else if (bounce_name_is(name, "Precedence") &&
	         strcasecmp(val, "auto_reply") == 0 && !c->auto_reply[0])
		bounce_copy(c->auto_reply, sizeof c->auto_reply,
		            "Precedence: auto_reply");
}

/* Judges one recipient group and keeps it if it is the most final yet. */
static void
bounce_rcpt_judge(struct bounce_ctx *c, struct bounce_rcpt *r)
{
	enum bounce_kind kind;
	const char *a = r->action;

	if (!r->status[0]) {
		/* No Status: the SMTP reply code of the diagnostic says. */
		const char *d = r->diag;

		d += strspn(d, " ");
		if ((d[0] == '4' || d[0] == '5') && d[1] >= '0' &&
		    d[1] <= '9' && d[2] >= '0' && d[2] <= '9')
			bounce_status_find(d, strlen(d), r->status,
			                   sizeof r->status);
	}
	if (!strcmp(a, "delivered") || !strcmp(a, "relayed") ||
	    !strcmp(a, "expanded")) {
		bounce_copy(c->dsn_action, sizeof c->dsn_action, a);
		return;
	}
	if (!strcmp(a, "delayed"))
		kind = BOUNCE_TRANSIENT;
	else if (r->status[0] == '5')
		kind = BOUNCE_PERMANENT;
	else if (r->status[0] == '4')
		kind = BOUNCE_TRANSIENT;
	else if (r->status[0] == '2')
		kind = BOUNCE_NONE;
	else if (!strcmp(a, "failed"))
		kind = BOUNCE_PERMANENT;
	else
		kind = BOUNCE_NONE;
	if (kind == BOUNCE_NONE) {
		if (a[0])
			bounce_copy(c->dsn_action, sizeof c->dsn_action, a);
		return;
	}
	if (kind > c->best) {
		c->best = kind;
		c->rcpt = *r;
	}
}

/* A delivery-status body: a per-message group, then one per recipient,
 * separated by blank lines. */
static void
bounce_dsn_read(struct bounce_ctx *c, const char *p, const char *end)
{
	struct bounce_span name;
	char val[BOUNCE_FIELD_MAX];

	c->dsn_seen = 1;
	while (p < end) {
		struct bounce_rcpt r;
		int group = 0;

		memset(&r, 0, sizeof r);
		while (bounce_field_next(&p, end, &name, val, sizeof val)) {
			if (bounce_name_is(&name, "Final-Recipient")) {
				bounce_addr_value(val, r.final, sizeof r.final);
				group = 1;
			} else if (bounce_name_is(&name,
			                          "Original-Recipient")) {
				bounce_addr_value(val, r.orig, sizeof r.orig);
			} else if (bounce_name_is(&name, "Action")) {
				bounce_copy_lower(r.action, sizeof r.action,
				                  val, strcspn(val, " ;("));
				group = 1;
			} else if (bounce_name_is(&name, "Status")) {
				bounce_status_at(val, r.status,
				                 sizeof r.status);
			} else if (bounce_name_is(&name, "Diagnostic-Code")) {
				const char *semi = strchr(val, ';');
				const char *d = semi ? semi + 1 : val;

				bounce_copy(r.diag, sizeof r.diag,
				            d + strspn(d, " "));
			} else if (bounce_name_is(&name,
			                          "X-Original-Message-ID") &&
			           !c->out->message_id[0]) {
				bounce_msgid_value(val, c->out->message_id,
				                   sizeof c->out->message_id);
			}
		}
		if (group)
			bounce_rcpt_judge(c, &r);
	}
}

/* The returned original's header section: its Message-ID. */
static void
bounce_orig_read(struct bounce_ctx *c, const char *p, const char *end)
{
	struct bounce_span name;
	char val[BOUNCE_FIELD_MAX];

	while (bounce_field_next(&p, end, &name, val, sizeof val))
		if (bounce_name_is(&name, "Message-ID") &&
		    !c->out->message_id[0])
			bounce_msgid_value(val, c->out->message_id,
			                   sizeof c->out->message_id);
}

/* The n bytes at s decoded from cte ("base64", "quoted-printable") into a
 * new buffer of *outlen bytes, or NULL (out of memory). */
static char *
bounce_decode(const char *cte, const char *s, size_t n, size_t *outlen)
{
	/* Room for n bytes, B64_DECODED_MAX(n) and a NUL. */
	char *buf = malloc(n + 4);
	size_t o = 0;

	if (buf == NULL)
		return NULL;
	if (!strcmp(cte, "base64"))
		b64_decode(s, n, B64_LENIENT, buf, &o);
	else
		o = qp_decode(s, n, QP_KEEP_CR, buf);
	buf[o] = '\0';
	*outlen = o;
	return buf;
}

/* Each body part of a multipart between --boundary lines, walked. */
static void
bounce_multipart(struct bounce_ctx *c, const char *p, const char *end,
                 const char *boundary, int depth)
{
	size_t blen = strlen(boundary);
	const char *part = NULL, *start;
	struct bounce_span line;

	for (start = p; bounce_line_next(&p, end, &line); start = p) {
		const char *rest = line.p + 2 + blen, *pend;
		size_t restn, k;
		int closing;

		if (line.n < 2 + blen || line.p[0] != '-' || line.p[1] != '-' ||
		    memcmp(line.p + 2, boundary, blen) != 0)
			continue;
		restn = line.n - 2 - blen;
		closing = restn >= 2 && rest[0] == '-' && rest[1] == '-';
		for (k = closing ? 2 : 0; k < restn; k++)
			if (rest[k] != ' ' && rest[k] != '\t')
				break;
		if (k < restn)
			continue;
		if (part) {
			/* The line end before a delimiter is the delimiter's.
			 */
			pend = start;
			if (pend > part && pend[-1] == '\n')
				pend--;
			if (pend > part && pend[-1] == '\r')
				pend--;
			bounce_walk(c, part, pend, depth + 1);
		}
		if (closing)
			return;
		part = p;
	}
	if (part)
		bounce_walk(c, part, end, depth + 1);
}

/* One entity (the message, or a body part): its headers, then by its
 * Content-Type what its body holds. */
static void
bounce_walk(struct bounce_ctx *c, const char *p, const char *end, int depth)
{
	char val[BOUNCE_FIELD_MAX], type[80] = "text/plain", cte[32] = "7bit";
	char boundary[80] = "";
	struct bounce_span name;

	if (depth > BOUNCE_DEPTH_MAX)
		return;
	while (bounce_field_next(&p, end, &name, val, sizeof val)) {
		if (bounce_name_is(&name, "Content-Type")) {
			bounce_ct_type(val, type, sizeof type);
			if (bounce_ct_param(val, "boundary", boundary,
			                    sizeof boundary) != 0)
				boundary[0] = '\0';
		} else if (bounce_name_is(&name, "Content-Transfer-Encoding")) {
			bounce_copy_lower(cte, sizeof cte, val,
			                  strcspn(val, " ;"));
		}
		if (depth == 0)
			bounce_top_field(c, &name, val);
	}
	if (!strncmp(type, "multipart/", 10)) {
		if (boundary[0])
			bounce_multipart(c, p, end, boundary, depth);
	} else if (!strcmp(type, "message/delivery-status") ||
	           !strcmp(type, "message/global-delivery-status")) {
		if (!strcmp(cte, "base64") ||
		    !strcmp(cte, "quoted-printable")) {
			size_t n;
			char *dec =
			    bounce_decode(cte, p, (size_t)(end - p), &n);

			if (dec) {
				bounce_dsn_read(c, dec, dec + n);
				free(dec);
			}
		} else {
			bounce_dsn_read(c, p, end);
		}
	} else if (!strcmp(type, "message/disposition-notification") ||
	           !strcmp(type, "message/global-disposition-notification")) {
		c->mdn = 1;
	} else if (!strcmp(type, "message/feedback-report")) {
		c->arf = 1;
	} else if (!strcmp(type, "text/rfc822-headers") ||
	           !strcmp(type, "message/rfc822") ||
	           !strcmp(type, "message/global") ||
	           !strcmp(type, "message/global-headers")) {
		bounce_orig_read(c, p, end);
	} else if (!strcmp(type, "text/plain") && c->text.p == NULL) {
		c->text.p = p;
		c->text.n = (size_t)(end - p);
	}
}

/* 1 if the n bytes at s contain needle. */
static int
bounce_contains(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(s + i, needle, k) == 0)
			return 1;
	return 0;
}

/*
 * A failure without a DSN (Exim's X-Failed-Recipients, qmail): the status
 * code and the line it stands in, the qmail recipient, and the copy of
 * the original's Message-ID, read from the text.
 */
static void
bounce_text_read(struct bounce_ctx *c, struct bounce_rcpt *r)
{
	const char *p = c->text.p, *end = c->text.p + c->text.n;
	struct bounce_span line;
	int want_diag = 0;

	while (bounce_line_next(&p, end, &line)) {
		size_t o = 0;

		if (c->qmail && !r->final[0] && line.n > 3 &&
		    line.p[0] == '<' && line.p[line.n - 1] == ':' &&
		    line.p[line.n - 2] == '>' && line.n - 3 < sizeof r->final) {
			memcpy(r->final, line.p + 1, line.n - 3);
			r->final[line.n - 3] = '\0';
			want_diag = 1;
			continue;
		}
		if (want_diag && line.n > 0) {
			bounce_val_append(r->diag, sizeof r->diag, &o, line.p,
			                  line.n);
			want_diag = 0;
		}
		if (!r->status[0] &&
		    bounce_status_find(line.p, line.n, r->status,
		                       sizeof r->status) == 0 &&
		    !r->diag[0])
			bounce_val_append(r->diag, sizeof r->diag, &o, line.p,
			                  line.n);
		if (line.n > 11 &&
		    strncasecmp(line.p, "Message-ID:", 11) == 0 &&
		    !c->out->message_id[0]) {
			char val[300];
			size_t vo = 0;

			bounce_val_append(val, sizeof val, &vo, line.p + 11,
			                  line.n - 11);
			bounce_msgid_value(val, c->out->message_id,
			                   sizeof c->out->message_id);
		}
	}
}

/* Controls, and bytes past ASCII that are not UTF-8, made '?', so that a
 * field can go into a log line or JSON as it is. */
static void
bounce_field_fix(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p) {
		size_t n = *p < 0x80             ? 1
		           : (*p & 0xe0) == 0xc0 ? 2
		           : (*p & 0xf0) == 0xe0 ? 3
		           : (*p & 0xf8) == 0xf0 ? 4
		                                 : 0;
		size_t i;

		for (i = 1; n && i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				n = 0;
		if (n == 0 || (n == 2 && *p < 0xc2) || *p < 0x20 ||
		    *p == 0x7f) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

int
bounce_parse(const char *msg, size_t len, const char *local, struct bounce *out)
{
	struct bounce_ctx c;
	struct bounce_span name;
	const char *p = msg, *end;
	char val[BOUNCE_FIELD_MAX];
	struct bounce_rcpt *r = &c.rcpt;

	memset(out, 0, sizeof *out);
	memset(&c, 0, sizeof c);
	c.local = local && *local ? local : NULL;
	c.out = out;
	c.token_rank = 1000;
	if (len > BOUNCE_MESSAGE_MAX)
		len = BOUNCE_MESSAGE_MAX;
	end = msg + len;
	if (!bounce_field_next(&p, end, &name, val, sizeof val)) {
		bounce_copy(out->detail, sizeof out->detail,
		            "no header fields: not a mail message");
		return -EINVAL;
	}
	bounce_walk(&c, msg, end, 0);
	if (c.best == BOUNCE_NONE && c.text.p &&
	    bounce_contains(c.text.p, c.text.n,
	                    "This is the qmail-send program"))
		c.qmail = 1;
	if (c.best != BOUNCE_NONE) {
		out->kind = c.best;
	} else if (c.dsn_seen && c.dsn_action[0]) {
		snprintf(out->detail, sizeof out->detail,
		         "a delivery report (Action: %s), not a failure",
		         c.dsn_action);
		return 0;
	} else if (c.failed[0] || c.qmail) {
		memset(r, 0, sizeof *r);
		bounce_copy(r->final, sizeof r->final, c.failed);
		if (c.text.p)
			bounce_text_read(&c, r);
		out->kind = r->status[0] == '4'   ? BOUNCE_TRANSIENT
		            : r->status[0] == '2' ? BOUNCE_NONE
		                                  : BOUNCE_PERMANENT;
		if (out->kind == BOUNCE_NONE) {
			bounce_copy(out->detail, sizeof out->detail,
			            "a failure notice with a success status");
			return 0;
		}
	} else {
		snprintf(out->detail, sizeof out->detail, "%s",
		         c.mdn   ? "a read receipt (disposition-notification)"
		         : c.arf ? "an abuse report (feedback-report)"
		         : c.auto_reply[0]
		             ? "an automatic reply"
		             : "not a delivery status notification");
		if (!c.mdn && !c.arf && c.auto_reply[0])
			snprintf(out->detail, sizeof out->detail,
			         "an automatic reply (%s)", c.auto_reply);
		return 0;
	}
	bounce_copy(out->recipient, sizeof out->recipient,
	            r->orig[0] ? r->orig : r->final);
	bounce_copy(out->status, sizeof out->status, r->status);
	bounce_copy(out->detail, sizeof out->detail, r->diag);
	bounce_field_fix(out->recipient);
	bounce_field_fix(out->detail);
	bounce_field_fix(out->message_id);
	return 0;
}
