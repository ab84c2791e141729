/* strv: lists of strings, as a char ** and a count, each string and the
 * array malloc'ed (addresses, topic names). A leaf module (libc, text). */
#ifndef CRONOGRAMA_STRV_H
#define CRONOGRAMA_STRV_H

#include <stddef.h>

/* Append a copy of s to the list *v of *n strings. 0 or -ENOMEM. */
int strv_add(char ***v, size_t *n, const char *s);

/* Free the list (v may be NULL). */
void strv_free(char **v, size_t n);

/* 1 if v holds s (case-insensitive when nocase). */
int strv_has(char *const *v, size_t n, const char *s, int nocase);

/* Append the parts of text between any of seps to *v, trimmed, empty
 * parts dropped. 0 or -ENOMEM. */
int strv_split(const char *text, const char *seps, char ***v, size_t *n);

#endif
