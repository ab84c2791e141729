/* message_view: a rendered message's words as people read them (see
 * message.h), for `cronoctl preview` and `cronoctl outbox show`. It reads
 * what message_render writes: CRLF lines, a folded Subject of plain words
 * or RFC 2047 UTF-8 "B" encoded words, quoted-printable text parts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "buf.h"
#include "message.h"

void
message_parts_fini(struct message_parts *mp)
{
	free(mp->subject);
	free(mp->text);
	free(mp->html);
	memset(mp, 0, sizeof(*mp));
}

/* Base64 of s[0..n) appended to b (RFC 2045's reading: anything outside
 * the alphabet skipped, the first '=' ends it). */
static void
b64_append(struct buf *b, const char *s, size_t n)
{
	size_t len;

	if (buf_reserve(b, B64_DECODED_MAX(n)) < 0)
		return;
	b64_decode(s, n, B64_LENIENT, b->p + b->len, &len);
	b->len += len;
	b->p[b->len] = '\0';
}

/* Quoted-printable of s[0..n) appended to b, CRLF made LF. */
static void
qp_append(struct buf *b, const char *s, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return;
	b->len += qp_decode(s, n, QP_CRLF_TO_LF, b->p + b->len);
	b->p[b->len] = '\0';
}

/* The Subject header's value, unfolded, its encoded words decoded. */
static int
subject_of(const char *raw, const char *head_end, char **out)
{
	struct buf b = {0};
	const char *p = raw, *end, *w, *q;
	int prev_encoded = 0;

	*out = NULL;
	while (p < head_end && strncasecmp(p, "Subject:", 8) != 0) {
		p = strstr(p, "\r\n");
		if (!p || p >= head_end)
			return (*out = strdup("")) ? 0 : -ENOMEM;
		p += 2;
	}
	p += 8;
	/* The value runs over folded lines (starting with a blank). */
	for (end = p; (end = strstr(end, "\r\n")) && end < head_end &&
	              (end[2] == ' ' || end[2] == '\t');
	     end += 2)
		;
	if (!end || end > head_end)
		end = head_end;
	while (p < end) {
		while (p < end &&
		       (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
			p++;
		if (p >= end)
			break;
		for (w = p; w < end && *w != ' ' && *w != '\t' && *w != '\r';
		     w++)
			;
		if (w - p > 10 && strncasecmp(p, "=?UTF-8?B?", 10) == 0 &&
		    w[-1] == '=' && w[-2] == '?') {
			/* Blanks between encoded words are not text. */
			if (b.len > 0 && !prev_encoded)
				buf_add(&b, " ", 1);
			q = p + 10;
			b64_append(&b, q, (size_t)(w - 2 - q));
			prev_encoded = 1;
		} else {
			if (b.len > 0)
				buf_add(&b, " ", 1);
			buf_add(&b, p, (size_t)(w - p));
			prev_encoded = 0;
		}
		p = w;
	}
	buf_add(&b, "", 1);
	if (b.oom) {
		buf_fini(&b);
		return -ENOMEM;
	}
	*out = b.p;
	return 0;
}

/* The decoded body of the first part of type (its headers, a blank line,
 * then up to the next boundary line). "" when there is none. */
static int
part_of(const char *raw, const char *type, char **out)
{
	struct buf b = {0};
	const char *p = raw, *body, *end;

	*out = NULL;
	while ((p = strstr(p, "Content-Type: ")) != NULL) {
		p += 14;
		if (strncasecmp(p, type, strlen(type)) == 0)
			break;
	}
	if (p && (body = strstr(p, "\r\n\r\n")) != NULL) {
		body += 4;
		if ((end = strstr(body, "\r\n--")) == NULL)
			end = body + strlen(body);
		else
			end += 2; /* the part's last line break is its own */
		qp_append(&b, body, (size_t)(end - body));
	}
	buf_add(&b, "", 1);
	if (b.oom) {
		buf_fini(&b);
		return -ENOMEM;
	}
	*out = b.p;
	return 0;
}

int
message_view(const char *raw, struct message_parts *mp)
{
	const char *head_end = strstr(raw, "\r\n\r\n");

	memset(mp, 0, sizeof(*mp));
	if (!head_end)
		head_end = raw + strlen(raw);
	if (subject_of(raw, head_end, &mp->subject) < 0 ||
	    part_of(head_end, "text/plain", &mp->text) < 0 ||
	    part_of(head_end, "text/html", &mp->html) < 0)
		return -ENOMEM;
	return 0;
}
