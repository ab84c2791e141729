/* client: HTTP/1.1 with JSON bodies to cronogramad's control socket.
 *
 * One libcurl easy handle per request (cronoctl makes one or two), the
 * Unix socket given by CURLOPT_UNIX_SOCKET_PATH and URLs of the form
 * http://localhost/v1/…. Every failure ends as one "cronoctl: …" line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <curl/curl.h>

#include "cronoctl.h"

/* Long enough for an import of a year's programme, short enough that a
 * wedged daemon does not hang a script forever. */
#define CLIENT_TIMEOUT_S 120L
/* A daemon whose queue of connections is full (a burst of cronoctl
 * calls) is tried again, waiting longer each time, for this long. */
#define CLIENT_BUSY_WAIT_MS 60000L

struct client_buf {
	char *data;
	size_t len, cap;
	int oom;
};

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct client_buf *b = arg;
	size_t n = size * nmemb;

	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		char *data;

		while (cap < b->len + n + 1)
			cap *= 2;
		data = realloc(b->data, cap);
		if (!data) {
			b->oom = 1;
			return 0;
		}
		b->data = data;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

char *
client_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *copy;

	if (!e)
		return NULL;
	copy = strdup(e);
	curl_free(e);
	return copy;
}

int
client_query_add(char *path, size_t n, const char *key, const char *value)
{
	size_t len = strlen(path);
	char *e;
	int w;

	if (!value)
		return 0;
	e = client_escape(value);
	if (!e)
		return -ENOMEM;
	w = snprintf(path + len, n - len, "%c%s=%s",
	             strchr(path, '?') ? '&' : '?', key, e);
	free(e);
	if (w < 0 || (size_t)w >= n - len) {
		path[len] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

/* Set once a connection was refused because the daemon was busy. */
static int client_busy;

/*
 * Why a connection to the socket at path is refused: a non-blocking
 * connect's errno (libcurl does not keep it for a Unix socket), or 0 if
 * it is accepted now (the probe is closed at once, before any request).
 */
static int
client_connect_errno(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, r;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? errno : 0;
	close(fd);
	return r;
}

/*
 * curl_easy_perform(h), again while the daemon's queue of connections is
 * full: a Unix socket refuses a connection then with EAGAIN (the daemon
 * runs, but has not yet accepted the connections before ours). Nothing
 * was sent, so trying again is safe; the wait doubles up to a second,
 * for CLIENT_BUSY_WAIT_MS at most. A quiet call (a probe) does not wait.
 */
static CURLcode
client_perform_busy(CURL *h, const char *path, int quiet)
{
	long waited = 0, delay = 20;
	CURLcode rc;
	int err;

	for (;;) {
		rc = curl_easy_perform(h);
		if (rc != CURLE_COULDNT_CONNECT || quiet ||
		    waited >= CLIENT_BUSY_WAIT_MS)
			return rc;
		err = client_connect_errno(path);
		if (err != EAGAIN && err != 0)
			return rc;
		if (!client_busy)
			cli_error(_("cronogramad is busy, retrying"));
		client_busy = 1;
		usleep((useconds_t)delay * 1000);
		waited += delay;
		delay = delay * 2 > 1000 ? 1000 : delay * 2;
	}
}

/*
 * Perform one request. On CLI_OK *status is the HTTP status and buf holds
 * the body (the caller frees buf->data whatever the result).
 */
static int
client_perform(const struct cli *cli, const char *method, const char *path,
               const char *body, size_t bodylen, const char *ctype, int flags,
               struct client_buf *buf, long *status)
{
	char url[4096], errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = NULL;
	CURL *h;
	CURLcode rc;

	if (snprintf(url, sizeof(url), "http://localhost%s", path) >=
	    (int)sizeof(url)) {
		if (!(flags & CLIENT_QUIET))
			cli_error(_("request too long: %s"), path);
		return CLI_EUSAGE;
	}
	h = curl_easy_init();
	if (!h) {
		if (!(flags & CLIENT_QUIET))
			cli_error(_("cannot initialise libcurl"));
		return CLI_ECONN;
	}
	headers = curl_slist_append(headers, "Accept: application/json");
	if (body)
		headers =
		    curl_slist_append(headers, ctype ? ctype
		                                     : "Content-Type: "
		                                       "application/json");
	/* No "Expect: 100-continue" round trip for large imports. */
	headers = curl_slist_append(headers, "Expect:");
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, cli->socket);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	/* A POST without a body still says so, with an empty object. */
	if (!body && strcmp(method, "GET") != 0 &&
	    strcmp(method, "DELETE") != 0) {
		body = "{}";
		bodylen = 2;
	}
	if (body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)bodylen);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "cronoctl/" VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, buf);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, CLIENT_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	rc = client_perform_busy(h, cli->socket, flags & CLIENT_QUIET);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(h);
	curl_slist_free_all(headers);
	if (flags & CLIENT_QUIET) {
		if (buf->oom || rc != CURLE_OK)
			return CLI_ECONN;
	} else if (buf->oom) {
		cli_error(_("out of memory reading the answer"));
		return CLI_ECONN;
	} else if (rc == CURLE_COULDNT_CONNECT) {
		/* A socket we may not write to (or whose directory we may
		 * not enter) refuses us too; say so rather than blame the
		 * daemon. */
		if (client_busy)
			cli_error(
			    _("cannot connect to %s: cronogramad is still "
			      "busy; try again later"),
			    cli->socket);
		else if (access(cli->socket, W_OK) != 0 && errno == EACCES)
			cli_error(_("cannot connect to %s: permission denied "
			            "(staff join the daemon's group: sudo "
			            "adduser NAME cronograma)"),
			          cli->socket);
		else
			cli_error(_("cannot connect to %s: is cronogramad "
			            "running?"),
			          cli->socket);
		return CLI_ECONN;
	} else if (rc != CURLE_OK) {
		/* libcurl's own words, in English. */
		cli_error("%s: %s", cli->socket,
		          errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return CLI_ECONN;
	}
	if (!buf->data) {
		buf->data = strdup("");
		if (!buf->data) {
			if (!(flags & CLIENT_QUIET))
				cli_error(_("out of memory"));
			return CLI_ECONN;
		}
	}
	return CLI_OK;
}

/* Print the error of an answer with status >= 400: its "error" text (the
 * daemon's, in English), or the status when the body says nothing
 * readable. */
static void
client_error_print(long status, json_t *doc)
{
	json_t *e = json_is_object(doc) ? json_object_get(doc, "error") : NULL;

	if (json_is_string(e))
		cli_error("%s", json_string_value(e));
	else
		cli_error(_("the daemon answered HTTP %ld"), status);
}

int
client_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void
client_fini(void)
{
	curl_global_cleanup();
}

int
client_call(const struct cli *cli, enum route r, const char *path, json_t *body,
            int flags, json_t **out)
{
	struct client_buf buf = {0};
	char *text = NULL;
	json_t *doc = NULL;
	json_error_t jerr;
	long status = 0;
	int rc;

	*out = NULL;
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		if (!text) {
			if (!(flags & CLIENT_QUIET))
				cli_error(_("out of memory"));
			return CLI_EAPI;
		}
	}
	rc = client_perform(
	    cli, cli_routes[r].method, path ? path : cli_routes[r].pattern,
	    text, text ? strlen(text) : 0, NULL, flags, &buf, &status);
	free(text);
	if (rc) {
		free(buf.data);
		return rc;
	}
	if (buf.len)
		doc = json_loadb(buf.data, buf.len, 0, &jerr);
	free(buf.data);
	if (status >= 400) {
		if ((flags & CLIENT_REPORT) && json_is_object(doc) &&
		    !json_object_get(doc, "error")) {
			*out = doc;
			return CLI_EAPI;
		}
		if (!(flags & CLIENT_QUIET))
			client_error_print(status, doc);
		json_decref(doc);
		return CLI_EAPI;
	}
	if (!doc) {
		if (!(flags & CLIENT_QUIET))
			cli_error(_("the daemon's answer to %s %s is not JSON"),
			          cli_routes[r].method,
			          path ? path : cli_routes[r].pattern);
		return CLI_EAPI;
	}
	*out = doc;
	return CLI_OK;
}

int
client_get_raw(const struct cli *cli, enum route r, const char *path,
               char **body, size_t *len)
{
	struct client_buf buf = {0};
	long status = 0;
	int rc;

	*body = NULL;
	*len = 0;
	rc = client_perform(cli, cli_routes[r].method,
	                    path ? path : cli_routes[r].pattern, NULL, 0, NULL,
	                    0, &buf, &status);
	if (rc) {
		free(buf.data);
		return rc;
	}
	if (status >= 400) {
		json_error_t jerr;
		json_t *doc = json_loadb(buf.data, buf.len, 0, &jerr);

		client_error_print(status, doc);
		json_decref(doc);
		free(buf.data);
		return CLI_EAPI;
	}
	*body = buf.data;
	*len = buf.len;
	return CLI_OK;
}

int
client_post_raw(const struct cli *cli, enum route r, const char *body,
                size_t len, const char *ctype, long *status, json_t **out)
{
	struct client_buf buf = {0};
	char header[128];
	json_error_t jerr;
	int rc;

	*out = NULL;
	*status = 0;
	snprintf(header, sizeof(header), "Content-Type: %s", ctype);
	rc = client_perform(cli, cli_routes[r].method, cli_routes[r].pattern,
	                    body, len, header, 0, &buf, status);
	if (rc) {
		free(buf.data);
		return rc;
	}
	if (buf.len)
		*out = json_loadb(buf.data, buf.len, 0, &jerr);
	free(buf.data);
	if (*status >= 400) {
		client_error_print(*status, *out);
		json_decref(*out);
		*out = NULL;
		return CLI_EAPI;
	}
	if (!*out) {
		cli_error(_("the daemon's answer to %s %s is not JSON"),
		          cli_routes[r].method, cli_routes[r].pattern);
		return CLI_EAPI;
	}
	return CLI_OK;
}

void
client_office_zone_load(const struct cli *cli)
{
	static int asked;
	json_t *doc;

	if (asked || format_zone())
		return;
	asked = 1;
	if (client_call(cli, ROUTE_STATUS, NULL, NULL, CLIENT_QUIET, &doc))
		return;
	if (cli_jstr(doc, "timezone"))
		format_zone_set(cli_jstr(doc, "timezone"));
	json_decref(doc);
}
