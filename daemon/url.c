/* url: see url.h. */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "url.h"

/* 1 if scheme (lower case, as libcurl gives it) is in the "a|b" list. */
static int
url_scheme_in(const char *scheme, const char *schemes)
{
	size_t n = strlen(scheme);
	const char *p = schemes;

	while (*p) {
		size_t len = strcspn(p, "|");

		if (len == n && strncmp(p, scheme, n) == 0)
			return 1;
		p += len + (p[len] == '|');
	}
	return 0;
}

/* "http|https" as "http:// or https://", for messages. */
static const char *
url_schemes_words(const char *schemes, char *buf, size_t buflen)
{
	size_t o = 0;
	const char *p = schemes;

	buf[0] = '\0';
	while (*p && o < buflen) {
		size_t len = strcspn(p, "|");

		o += (size_t)snprintf(buf + o, buflen - o, "%s%.*s://",
		                      o ? " or " : "", (int)len, p);
		p += len + (p[len] == '|');
	}
	return buf;
}

int
url_check(const char *url, const char *schemes, int allow_path, char *why,
          size_t whylen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *path = NULL, *query = NULL,
	     *frag = NULL, *user = NULL;
	CURLUcode rc;
	char want[64];
	int ret = -EINVAL;

	url_schemes_words(schemes, want, sizeof(want));

	if (u == NULL) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	if (strpbrk(url, " \t\r\n") != NULL) {
		snprintf(why, whylen, "'%s' holds a space or a line break",
		         url);
		goto out;
	}
	if (strstr(url, "://") == NULL) {
		snprintf(why, whylen, "'%s' is not an absolute URL (want %s…)",
		         url, want);
		goto out;
	}
	rc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
	if (rc != CURLUE_OK) {
		snprintf(why, whylen, "'%s' is not a URL: %s", url,
		         curl_url_strerror(rc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    !url_scheme_in(scheme, schemes)) {
		snprintf(why, whylen, "'%s': the scheme must be %s", url, want);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    host[0] == '\0') {
		snprintf(why, whylen, "'%s' names no host", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		snprintf(why, whylen,
		         "'%s' holds a user name; credentials go in [mail] "
		         "username and password_file",
		         url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK) {
		snprintf(why, whylen, "'%s' has a query or a fragment", url);
		goto out;
	}
	if (!allow_path &&
	    curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK &&
	    strcmp(path, "/") != 0 && path[0] != '\0') {
		snprintf(why, whylen, "'%s' has a path (want %s://host:port)",
		         url, schemes);
		goto out;
	}
	ret = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(path);
	curl_free(query);
	curl_free(frag);
	curl_free(user);
	curl_url_cleanup(u);
	return ret;
}
