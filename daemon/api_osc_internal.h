/* Shared by api_osc.c and api_osc_import.c; not a promise to any other
 * module. */
#ifndef CRONOGRAMA_API_OSC_INTERNAL_H
#define CRONOGRAMA_API_OSC_INTERNAL_H

#include <stddef.h>

#include "store.h"

/* The longest texts of an organisation, in bytes, and most addresses. */
#define OSC_NAME_MAX    300
#define OSC_CONTACT_MAX 300
#define OSC_STATE_MAX   100
#define OSC_EMAILS_MAX  20

/* Make o's texts fit to keep: invisible characters (bidi controls,
 * zero-width ones) removed from its name, contact and state, then each
 * checked (UTF-8, one line, length) and the addresses counted. 0, or
 * -EINVAL with why. */
int api_osc_fields_check(struct osc *o, char *why, size_t whylen);

/* The OSC object as compact text, for the audit log (caller frees). */
char *api_osc_text(const struct osc *o);

/* s without leading and trailing blanks, in place. */
char *api_osc_trim(char *s);

/* A copy of s trimmed, or NULL when it is NULL or blank. */
char *api_osc_dup_trimmed(const char *s);

/* Append a copy of s to the list *v of *n strings. */
int api_osc_strv_add(char ***v, size_t *n, const char *s);

void api_osc_strv_free(char **v, size_t n);

/* 1 if v holds s (case-insensitive when nocase). */
int api_osc_strv_has(char *const *v, size_t n, const char *s, int nocase);

/* Split text at any of seps into *v (trimmed, empty parts dropped). */
int api_osc_strv_split(const char *text, const char *seps, char ***v,
                       size_t *n);

/*
 * Topic names (slugs or codes) to slugs, each once, into *slugs. 0, or
 * -EINVAL with why naming every unknown one, or -ENOMEM.
 */
int api_osc_topics_resolve(struct store *st, char *const *names, size_t n,
                           char ***slugs, size_t *nslugs, char *why,
                           size_t whylen);

#endif
