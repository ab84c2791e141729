/* text: what a text a person gives must be before it is kept and shown:
 * valid UTF-8, of a sane length, without the invisible characters that
 * reorder the text around them or hide in it (bidi controls, zero-width
 * characters), which could make a title in a feed, page or subject read
 * other than it is. A leaf module (libc only). */
#ifndef CRONOGRAMA_TEXT_H
#define CRONOGRAMA_TEXT_H

#include <stddef.h>

/* 1 if s (len bytes) is valid UTF-8 (no overlong forms, no surrogates)
 * without NUL bytes. */
int text_utf8_valid(const char *s, size_t len);
/* The offset of the first byte of s that is not valid UTF-8 (or a NUL),
 * or len if there is none. */
size_t text_utf8_bad(const char *s, size_t len);

/* Make s valid UTF-8 in place: each byte of a bad sequence becomes '?'
 * (for messages that quote a client's text). Returns s. */
char *text_utf8_fix(char *s);

/*
 * Remove, in place, the bidi controls (U+061C, U+200E, U+200F, U+202A to
 * U+202E, U+2066 to U+2069) and zero-width characters (U+180E, U+200B to
 * U+200D, U+2060 to U+2064, U+FEFF) from s, which must be valid UTF-8.
 * Returns how many were removed.
 */
size_t text_strip_invisible(char *s);

/*
 * 0 if s (NULL counts as empty) is valid UTF-8 of at most max bytes, and,
 * when one_line, has no control character but tab; else -EINVAL with a
 * message naming what (e.g. "the title") and the real problem.
 */
int text_check(const char *what, const char *s, size_t max, int one_line,
               char *err, size_t errlen);

/* s without leading and trailing blanks (spaces and tabs), in place;
 * returns where the text now starts. */
char *text_trim(char *s);

/* A copy of s without leading and trailing blanks, or NULL when s is NULL
 * or blank (or memory ran out). The caller frees it. */
char *text_dup_trimmed(const char *s);

#endif
