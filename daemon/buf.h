/* buf: the daemon's one growing byte buffer, for everything it writes
 * piece by piece (iCalendar, mail, pages, feeds).
 *
 * The text is always NUL-terminated once anything was added. After a
 * failed allocation oom is set and every later append does nothing, so
 * callers check once, at the end (buf_take returns NULL then).
 */
#ifndef CRONOGRAMA_BUF_H
#define CRONOGRAMA_BUF_H

#include <stddef.h>
#include <string.h>

struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

/* Room for more bytes and a NUL: 0, or -1 when out of memory (oom). */
int buf_reserve(struct buf *b, size_t more);

/* The n bytes at s. Inline: feeds and mail are written a few bytes at a
 * time, and the common case is a copy into room already there. */
static inline void
buf_add(struct buf *b, const char *s, size_t n)
{
	if ((b->oom || b->len + n + 1 > b->cap) && buf_reserve(b, n) < 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* s (nothing for NULL). */
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* s with & < > " ' as HTML character references (text and attribute
 * values); nothing for NULL. */
void buf_add_html(struct buf *b, const char *s);
/* The text (NUL-terminated, malloc'ed; "" when nothing was added) and its
 * length in *len (may be NULL); the buffer is empty afterwards. NULL when
 * an allocation failed: the buffer is freed then. */
char *buf_take(struct buf *b, size_t *len);
void buf_fini(struct buf *b);

#endif
