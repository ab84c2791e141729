/* buf: see buf.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* The first allocation; then the capacity doubles. */
#define BUF_FIRST 1024
/* The room buf_addf makes before it formats. */
#define BUF_ADDF_ROOM 64

int
buf_reserve(struct buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->oom)
		return -1;
	if (b->len + more + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : BUF_FIRST;
	while (cap < b->len + more + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void
buf_adds(struct buf *b, const char *s)
{
	if (s != NULL)
		buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	size_t room;
	va_list ap;
	int n;

	/* Formatted once, into the room there is (most pieces are a date or
	 * a number); only a longer one is formatted again once the buffer
	 * has grown for it. */
	if (buf_reserve(b, BUF_ADDF_ROOM) < 0)
		return;
	room = b->cap - b->len;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, room, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= room) {
		if (buf_reserve(b, (size_t)n) < 0) {
			b->p[b->len] = '\0';
			return;
		}
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	if (n < 0) {
		b->p[b->len] = '\0';
		b->oom = 1;
		return;
	}
	b->len += (size_t)n;
}

void
buf_add_html(struct buf *b, const char *s)
{
	const char *run;

	if (s == NULL)
		return;
	for (run = s; *s != '\0'; s++) {
		const char *rep;

		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		buf_add(b, run, (size_t)(s - run));
		buf_adds(b, rep);
		run = s + 1;
	}
	buf_add(b, run, (size_t)(s - run));
}

char *
buf_take(struct buf *b, size_t *len)
{
	char *p;

	if (b->p == NULL)
		buf_reserve(b, 0);
	if (b->oom) {
		buf_fini(b);
		return NULL;
	}
	b->p[b->len] = '\0';
	p = b->p;
	if (len != NULL)
		*len = b->len;
	memset(b, 0, sizeof(*b));
	return p;
}

void
buf_fini(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}
