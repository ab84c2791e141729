/* url: URLs the configuration names ([mail] smtp_url, [http] public_url),
 * checked with libcurl's URL parser before anything starts. The only file
 * besides mailer*.c that includes curl/curl.h. */
#ifndef CRONOGRAMA_URL_H
#define CRONOGRAMA_URL_H

#include <stddef.h>

/*
 * 0 if url is an absolute URL whose scheme is one of schemes ("smtp|smtps"),
 * with a host, and nothing after the host and port but an optional path
 * when allow_path. Else -EINVAL with why (what is wrong, naming the URL).
 */
int url_check(const char *url, const char *schemes, int allow_path, char *why,
              size_t whylen);

#endif
