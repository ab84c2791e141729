/* public: routing, the render cache, the feeds and the health check; see
 * public.h. The HTML is in public_page.c, the shared answers in
 * public_reply.c, one-click unsubscribe in public_baja.c.
 *
 * Every cacheable answer (a feed, a page) is a public_entry: its bytes,
 * a strong ETag from their SHA-256, the Last-Modified instant of the data
 * behind it, and the instant it goes stale on its own (a cancelled session
 * leaving the feeds after 30 days, an upcoming session ending). Requests
 * then cost a lookup, a compare for conditional ones, and a copy.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "change.h"
#include "clock.h"
#include "log.h"
#include "public.h"
#include "public_internal.h"
#include "token.h"

/* Most entries and bytes kept; past either the cache starts again
 * (private feeds of many organisations, big feeds, must not grow memory
 * without bound). An answer larger than a quarter of the bytes is sent
 * and not kept. */
#define PUBLIC_CACHE_MAX   512
#define PUBLIC_CACHE_BYTES (64u << 20)
#define PUBLIC_KEY_MAX     96
#define PUBLIC_REFRESH     "PT6H"

enum public_kind {
	PUBLIC_FEED,    /* a topic's or all topics' calendar */
	PUBLIC_PRIVATE, /* an organisation's feed: not for shared caches */
	PUBLIC_PAGE,    /* HTML */
};

/* An answer's bytes, shared by the cache and every response sending them
 * (http_response.shared_body), freed with the last of them. Loop thread
 * only, so the count needs no lock. */
struct public_blob {
	unsigned refs;
	size_t len;
	char data[];
};

struct public_entry {
	char key[PUBLIC_KEY_MAX];
	enum public_kind kind;
	struct public_blob *blob;
	size_t len;
	char etag[48];
	int64_t last_modified; /* 0: no Last-Modified header */
	int64_t expires;       /* 0: only a change makes it stale */
};

/* ---- small helpers ---- */

/* A topic slug as the store makes them, of a sane length. */
static int
public_slug_ok(const char *s, size_t n)
{
	return n > 0 && n <= PUBLIC_SLUG_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") >= n;
}

/* Standard base64 (with padding), for the CSP's hash source. */
static void
public_b64(const unsigned char *in, size_t n, char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                          "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 |
		             in[i + 2];
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = tab[v >> 6 & 63];
		out[o++] = tab[v & 63];
	}
	if (n - i == 1) {
		unsigned v = (unsigned)in[i] << 16;
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = tab[v >> 6 & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
}

/* ---- answers' bytes ---- */

/* A blob with a copy of body (taken and freed), or NULL. */
static struct public_blob *
public_blob_new(char *body, size_t len)
{
	/* Grown in place where it can be: a feed is not copied whole. */
	struct public_blob *b = realloc(body, sizeof(*b) + len + 1);

	if (b == NULL) {
		free(body);
		return NULL;
	}
	memmove(b->data, b, len);
	b->data[len] = '\0';
	b->refs = 1;
	b->len = len;
	return b;
}

static void
public_blob_unref(void *arg)
{
	struct public_blob *b = arg;

	if (b != NULL && --b->refs == 0)
		free(b);
}

/* ---- the site ---- */

int
public_site_new(struct public_site **out, struct store *st,
                const struct config *cfg, const struct changes *changes)
{
	struct public_site *ps;
	unsigned char md[32];
	char hash[48];
	const char *url = cfg->public_url, *rest, *logo;
	size_t n;

	*out = NULL;
	ps = calloc(1, sizeof(*ps));
	if (ps == NULL)
		return -ENOMEM;
	ps->st = st;
	ps->cfg = cfg;
	ps->changes = changes;
	if (url == NULL || *url == '\0')
		url = "http://127.0.0.1:8080";
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	ps->base = strndup(url, n);
	rest = strstr(url, "://");
	rest = rest != NULL ? rest + 3 : url;
	ps->webcal = NULL;
	if (ps->base != NULL &&
	    asprintf(&ps->webcal, "webcal://%.*s",
	             (int)(n - (size_t)(rest - url)), rest) < 0)
		ps->webcal = NULL;
	if (ps->base == NULL || ps->webcal == NULL) {
		public_site_free(ps);
		return -ENOMEM;
	}
	/* The page has no script, no image and no other origin: only its
	 * own style sheet, by hash, and its own form. */
	if (token_sha256(public_page_css, strlen(public_page_css), md) < 0) {
		public_site_free(ps);
		return -EIO;
	}
	public_b64(md, sizeof(md), hash);
	/* ... and the office's logo, by its whole URL, when there is one
	 * (check.c refused one holding ; , or quotes). */
	logo = cfg->office_logo_url != NULL ? cfg->office_logo_url : "";
	if (asprintf(&ps->csp,
	             "default-src 'none'; style-src 'sha256-%s'; %s%s%s"
	             "form-action 'self'; base-uri 'none'; "
	             "frame-ancestors 'none'",
	             hash, *logo ? "img-src " : "", logo,
	             *logo ? "; " : "") < 0) {
		ps->csp = NULL;
		public_site_free(ps);
		return -ENOMEM;
	}
	*out = ps;
	return 0;
}

static void
public_cache_clear(struct public_site *ps)
{
	size_t i;

	for (i = 0; i < ps->ncache; i++)
		public_blob_unref(ps->cache[i].blob);
	free(ps->cache);
	ps->cache = NULL;
	ps->ncache = 0;
	ps->cache_bytes = 0;
}

void
public_site_free(struct public_site *ps)
{
	if (ps == NULL)
		return;
	public_cache_clear(ps);
	free(ps->base);
	free(ps->webcal);
	free(ps->csp);
	free(ps);
}

void
public_invalidate(struct public_site *ps, const char *uid)
{
	/* A session's topics before the change are gone by now, and one
	 * edit can move it between topics: start again. Rendering a feed
	 * costs milliseconds, and changes are rare. */
	(void)uid;
	if (ps != NULL)
		public_cache_clear(ps);
}

void
public_on_change(void *arg, const struct change *c)
{
	public_invalidate(arg, c->what == CHANGE_SESSION ? c->uid : NULL);
}

void
public_limits(const struct config *cfg, struct http_limits *lim)
{
	lim->max_body = PUBLIC_MAX_BODY;
	lim->max_connections = cfg->http_max_connections > 0
	                           ? (unsigned)cfg->http_max_connections
	                           : 256;
	lim->max_per_ip =
	    cfg->http_max_per_ip > 0 ? (unsigned)cfg->http_max_per_ip : 0;
	lim->timeout_s =
	    cfg->http_timeout > 0 ? (unsigned)cfg->http_timeout : 30;
	lim->request_timeout_s = cfg->http_request_timeout > 0
	                             ? (unsigned)cfg->http_request_timeout
	                             : 5;
	lim->max_args = HTTP_ARGS_MAX;
	lim->trusted_proxies = cfg->http_trusted_proxies;
}

/* The live entry for key, or NULL (an expired one is dropped). */
static struct public_entry *
public_cache_find(struct public_site *ps, const char *key)
{
	int64_t now = clock_now();
	size_t i;

	for (i = 0; i < ps->ncache; i++) {
		struct public_entry *e = &ps->cache[i];

		if (strcmp(e->key, key) != 0)
			continue;
		if (e->expires != 0 && now >= e->expires) {
			ps->cache_bytes -= e->len;
			public_blob_unref(e->blob);
			ps->cache[i] = ps->cache[--ps->ncache];
			return NULL;
		}
		return e;
	}
	return NULL;
}

/* An entry for body (taken) under key, kept in the cache when it fits
 * there, else in *spare (the caller's, sent once); NULL without memory
 * (body is freed then). Release a spare's blob after use. */
static struct public_entry *
public_cache_put(struct public_site *ps, const char *key, enum public_kind kind,
                 char *body, size_t len, int64_t last_modified, int64_t expires,
                 struct public_entry *spare)
{
	struct public_entry *e = spare;
	struct public_blob *blob;
	unsigned char md[32];
	char b64[48];

	if (token_sha256(body, len, md) < 0 ||
	    (blob = public_blob_new(body, len)) == NULL)
		return NULL;
	if (len <= PUBLIC_CACHE_BYTES / 4) {
		if (ps->ncache >= PUBLIC_CACHE_MAX ||
		    ps->cache_bytes + len > PUBLIC_CACHE_BYTES)
			public_cache_clear(ps);
		if (ps->ncache % 16 == 0) {
			e = realloc(ps->cache, (ps->ncache + 16) * sizeof(*e));
			if (e == NULL) {
				public_blob_unref(blob);
				return NULL;
			}
			ps->cache = e;
		}
		e = &ps->cache[ps->ncache++];
		ps->cache_bytes += len;
	}
	memset(e, 0, sizeof(*e));
	snprintf(e->key, sizeof(e->key), "%s", key);
	e->kind = kind;
	e->blob = blob;
	e->len = len;
	e->last_modified = last_modified;
	e->expires = expires;
	/* 128 bits of the hash are plenty to tell versions apart. */
	public_b64(md, 16, b64);
	b64[22] = '\0';
	for (char *p = b64; *p; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	snprintf(e->etag, sizeof(e->etag), "\"%.22s\"", b64);
	return e;
}

/* ---- answering ---- */

static void
public_method_not_allowed(struct public_site *ps, struct http_response *res,
                          const char *allow)
{
	public_error(ps, res, 405, "Método no permitido",
	             "Esta dirección solo se puede consultar.");
	http_response_header(res, "Allow", allow);
}

/* Does the If-None-Match list name etag? Weak comparison (RFC 9110
 * 13.1.2): a W/ prefix is ignored. */
static int
public_etag_matches(const char *inm, const char *etag)
{
	size_t elen = strlen(etag);
	const char *p = inm;

	while (*p != '\0') {
		size_t n;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p != '"')
			return 0;
		n = strcspn(p + 1, "\"");
		if (p[1 + n] != '"')
			return 0;
		if (n + 2 == elen && memcmp(p, etag, elen) == 0)
			return 1;
		p += n + 2;
	}
	return 0;
}

/* Answer a GET or HEAD from a cached entry: 304 when the client has it,
 * else the bytes. */
static void
public_send_entry(struct public_site *ps, const struct http_request *req,
                  struct http_response *res, const struct public_entry *e)
{
	const char *inm = http_request_header(req, "If-None-Match");
	const char *ims = http_request_header(req, "If-Modified-Since");
	char date[64];
	int fresh = 0;

	if (inm != NULL) {
		fresh = public_etag_matches(inm, e->etag);
	} else if (ims != NULL && e->last_modified > 0) {
		int64_t t;

		/* Any of HTTP's three date forms; a bad one is ignored, as
		 * RFC 9110 13.1.3 says. */
		fresh = http_date_parse(ims, clock_now(), &t) == 0 &&
		        t >= e->last_modified;
	}
	res->status = fresh ? 304 : 200;
	public_common_headers(res);
	http_response_header(res, "ETag", e->etag);
	if (e->last_modified > 0) {
		http_date_format(e->last_modified, date, sizeof(date));
		http_response_header(res, "Last-Modified", date);
	}
	switch (e->kind) {
	case PUBLIC_FEED:
		res->content_type = "text/calendar; charset=utf-8";
		/* Shared caches may keep it but must ask again: a
		 * cancellation has to reach calendars at their next poll. */
		http_response_header(res, "Cache-Control", "public, no-cache");
		break;
	case PUBLIC_PRIVATE:
		res->content_type = "text/calendar; charset=utf-8";
		http_response_header(res, "Cache-Control", "private, no-cache");
		break;
	case PUBLIC_PAGE:
		res->content_type = "text/html; charset=utf-8";
		http_response_header(res, "Cache-Control", "public, no-cache");
		http_response_header(res, "Content-Security-Policy", ps->csp);
		break;
	}
	if (fresh)
		return;
	/* The cached bytes themselves, however many clients fetch them. */
	e->blob->refs++;
	res->shared_body = e->blob->data;
	res->body_len = e->len;
	res->body_release = public_blob_unref;
	res->body_release_arg = e->blob;
}

/* ---- feeds ---- */

/* Should a feed carry ev now? Undecided sessions only when asked for;
 * cancelled ones for PUBLIC_CANCELLED_KEEP after their last change, which
 * also makes *expires the instant the feed changes by itself. */
static int
public_feed_keeps(const struct event *ev, int with_tbd, int64_t now,
                  int64_t *expires)
{
	int64_t changed, until;

	if (ev->status == EVENT_CANCELLED) {
		changed = ev->last_modified ? ev->last_modified : ev->dtstamp;
		until = changed + PUBLIC_CANCELLED_KEEP;
		if (now >= until)
			return 0;
		if (*expires == 0 || until < *expires)
			*expires = until;
		return 1;
	}
	if (ev->kind == FECHA_TBD || ev->kind == FECHA_APPROX)
		return with_tbd;
	return 1;
}

/* The topic page's address of ev, for its URL: in the topic slug when
 * given (a topic's feed), else its first topic. */
static int
public_event_url(struct public_site *ps, struct event *ev, const char *slug)
{
	char sid[PUBLIC_ANCHOR_MAX], *url = NULL;
	int r;

	if (slug == NULL && ev->ntopics > 0)
		slug = ev->topics[0].slug;
	public_anchor(ev->uid, sid);
	if (slug != NULL)
		r = asprintf(&url, "%s/temas/%s#%s", ps->base, slug, sid);
	else
		r = asprintf(&url, "%s/#%s", ps->base, sid);
	if (r < 0)
		return -ENOMEM;
	free(ev->url);
	ev->url = url;
	return 0;
}

/*
 * A feed's description (malloc'ed, or NULL without memory): what it
 * holds, then the office that publishes it and its contact ([office]
 * name and email), each a sentence.
 */
static char *
public_feed_description(struct public_site *ps, const char *what)
{
	const struct config *c = ps->cfg;
	const char *name = c->office_name ? c->office_name : "";
	const char *email = c->office_email ? c->office_email : "";
	size_t n = strlen(what);
	const char *dot = n > 0 && what[n - 1] == '.' ? "" : ".";
	char *s = NULL;

	if (asprintf(&s, "%s%s%s%s%s%s%s", what, dot, *name ? " " : "", name,
	             *name && name[strlen(name) - 1] != '.' ? "." : "",
	             *email ? " Contacto: " : "", email) < 0)
		return NULL;
	return s;
}

/*
 * Render a feed: the sessions of topic slug (NULL: every topic), or of
 * any of an organisation's topics (o not NULL). *body and the instants
 * for the cache entry. 0, -ENOENT for an unknown topic, or negative.
 */
static int
public_feed_render(struct public_site *ps, const char *slug,
                   const struct osc *o, int with_tbd, char **body, size_t *len,
                   int64_t *last_modified, int64_t *expires)
{
	struct store_event_filter f = {.topic = slug, .with_cancelled = 1};
	struct event_calendar cal = {.method = "PUBLISH",
	                             .refresh = PUBLIC_REFRESH};
	struct topic t = {0};
	struct event *evs = NULL;
	size_t n = 0, i, kept = 0;
	char err[256], *name = NULL, *desc = NULL, *what = NULL;
	int64_t now = clock_now(), at = 0;
	int r;

	*expires = 0;
	*last_modified = 0;
	if (slug != NULL) {
		r = store_topic_get(ps->st, slug, &t);
		if (r < 0)
			return r;
		if (strcmp(t.slug, slug) != 0) {
			/* store_topic_get also takes a code ("1.2"). */
			topic_fini(&t);
			return -ENOENT;
		}
		cal.name = t.nombre;
		if (asprintf(&what, "Sesiones del tema «%s»%s%s", t.nombre,
		             t.title != NULL ? ": " : "",
		             t.title != NULL ? t.title : "") < 0)
			what = NULL;
	} else if (o != NULL) {
		if (asprintf(&name, "Sesiones de %s", o->name) < 0)
			name = NULL;
		cal.name = name;
	} else {
		cal.name = "Todas las sesiones";
	}
	desc = public_feed_description(
	    ps, what != NULL ? what
	        : o != NULL  ? "Las sesiones de los temas que sigue la "
	                       "organización"
	                     : "Las sesiones de todos los temas del programa");
	cal.description = desc;
	cal.timezone = ps->cfg->timezone;
	cal.cancel_marked = 1;

	r = store_event_list(ps->st, &f, &evs, &n);
	if (r < 0)
		goto out;
	for (i = 0; i < n; i++) {
		const char *in = slug;
		size_t k;

		if (o != NULL) {
			in = NULL;
			for (k = 0; k < o->ntopics && in == NULL; k++)
				if (event_has_topic(&evs[i], o->topics[k]))
					in = o->topics[k];
			if (in == NULL)
				continue;
		}
		if (!public_feed_keeps(&evs[i], with_tbd, now, expires))
			continue;
		if ((r = public_event_url(ps, &evs[i], in)) < 0)
			goto out;
		/* One session that cannot be rendered stays out of the
		 * feed; it must not take the feed down for everyone. */
		if (event_validate(&evs[i], err, sizeof(err)) < 0) {
			log_err("public: feed %s: session %s left out: %s",
			        slug ? slug
			        : o  ? "(organisation)"
			             : "(all)",
			        evs[i].uid, err);
			continue;
		}
		if (kept != i) {
			struct event tmp = evs[kept];

			evs[kept] = evs[i];
			evs[i] = tmp;
		}
		kept++;
	}
	r = event_calendar_render(evs, kept, &cal, body, len, err, sizeof(err));
	if (r < 0) {
		log_err("public: feed %s: %s", slug ? slug : "(all)", err);
		goto out;
	}
	if (o != NULL) {
		for (i = 0; i < o->ntopics; i++) {
			int64_t a = 0;

			if (store_event_changed_at(ps->st, o->topics[i], &a) ==
			        0 &&
			    a > at)
				at = a;
		}
	} else if (store_event_changed_at(ps->st, slug, &at) < 0) {
		at = 0;
	}
	*last_modified = at;
out:
	event_array_free(evs, n);
	topic_fini(&t);
	free(name);
	free(desc);
	free(what);
	return r;
}

/* GET /calendarios/<slug>.ics, /calendarios/todos.ics. */
static void
public_feed(struct public_site *ps, const struct http_request *req,
            struct http_response *res, const char *name, size_t n)
{
	const char *arg = http_request_arg(req, "por-definir");
	int with_tbd = arg != NULL &&
	               (strcmp(arg, "1") == 0 || strcasecmp(arg, "si") == 0 ||
	                strcasecmp(arg, "sí") == 0);
	char slug[PUBLIC_SLUG_MAX + 1], key[PUBLIC_KEY_MAX];
	struct public_entry *e, spare;
	int64_t lm, exp;
	size_t len;
	char *body;
	int r, all;

	if (!public_slug_ok(name, n)) {
		public_not_found(ps, res);
		return;
	}
	memcpy(slug, name, n);
	slug[n] = '\0';
	all = strcmp(slug, "todos") == 0;
	snprintf(key, sizeof(key), "feed:%s:%d", slug, with_tbd);
	e = public_cache_find(ps, key);
	if (e == NULL) {
		r = public_feed_render(ps, all ? NULL : slug, NULL, with_tbd,
		                       &body, &len, &lm, &exp);
		if (r == -ENOENT) {
			public_not_found(ps, res);
			return;
		}
		if (r < 0) {
			public_server_error(ps, res, store_error(ps->st));
			return;
		}
		e = public_cache_put(ps, key, PUBLIC_FEED, body, len, lm, exp,
		                     &spare);
		if (e == NULL) {
			public_server_error(ps, res, "out of memory");
			return;
		}
	}
	public_send_entry(ps, req, res, e);
	if (e == &spare)
		public_blob_unref(spare.blob);
}

/* GET /calendarios/osc/<token>.ics: an organisation's own feed. */
static void
public_feed_osc(struct public_site *ps, const struct http_request *req,
                struct http_response *res, const char *tok, size_t n)
{
	char token[TOKEN_MAX], key[PUBLIC_KEY_MAX];
	struct public_entry *e, spare;
	struct osc o;
	int64_t lm, exp;
	size_t len;
	char *body;
	int r;

	if (!public_token_ok(tok, n)) {
		public_not_found(ps, res);
		return;
	}
	memcpy(token, tok, n);
	token[n] = '\0';
	/* The organisation is looked up every time, so a token that was
	 * replaced stops working at once, cache or not. */
	memset(&o, 0, sizeof(o));
	r = store_osc_by_token(ps->st, token, &o);
	if (r == -ENOENT) {
		public_not_found(ps, res);
		return;
	}
	if (r < 0) {
		public_server_error(ps, res, store_error(ps->st));
		return;
	}
	snprintf(key, sizeof(key), "osc:%ld", o.id);
	e = public_cache_find(ps, key);
	if (e == NULL) {
		r = public_feed_render(ps, NULL, &o, 0, &body, &len, &lm, &exp);
		if (r < 0) {
			osc_fini(&o);
			public_server_error(ps, res, store_error(ps->st));
			return;
		}
		e = public_cache_put(ps, key, PUBLIC_PRIVATE, body, len, lm,
		                     exp, &spare);
	}
	osc_fini(&o);
	if (e == NULL) {
		public_server_error(ps, res, "out of memory");
		return;
	}
	public_send_entry(ps, req, res, e);
	if (e == &spare)
		public_blob_unref(spare.blob);
}

/* ---- pages ---- */

/* GET / and /temas/<slug>. */
static void
public_page(struct public_site *ps, const struct http_request *req,
            struct http_response *res, const char *slug, size_t n)
{
	char key[PUBLIC_KEY_MAX], name[PUBLIC_SLUG_MAX + 1];
	struct public_entry *e, spare;
	struct buf b = {0};
	int64_t exp = 0;
	size_t len = 0;
	char *body;
	int r;

	if (slug != NULL) {
		if (!public_slug_ok(slug, n)) {
			public_not_found(ps, res);
			return;
		}
		memcpy(name, slug, n);
		name[n] = '\0';
		snprintf(key, sizeof(key), "page:temas/%s", name);
	} else {
		snprintf(key, sizeof(key), "page:/");
	}
	e = public_cache_find(ps, key);
	if (e == NULL) {
		r = slug != NULL ? public_page_topic(ps, name, &b, &exp)
		                 : public_page_agenda(ps, &b, &exp);
		if (r == -ENOENT) {
			buf_fini(&b);
			public_not_found(ps, res);
			return;
		}
		body = buf_take(&b, &len);
		if (r < 0 || body == NULL) {
			free(body);
			public_server_error(ps, res,
			                    r < 0 ? store_error(ps->st)
			                          : "out of memory");
			return;
		}
		e = public_cache_put(ps, key, PUBLIC_PAGE, body, len, 0, exp,
		                     &spare);
		if (e == NULL) {
			public_server_error(ps, res, "out of memory");
			return;
		}
	}
	public_send_entry(ps, req, res, e);
	if (e == &spare)
		public_blob_unref(spare.blob);
}

/* ---- health ---- */

static void
public_salud(struct public_site *ps, struct http_response *res)
{
	struct store_counts c;
	int ok = store_counts_get(ps->st, &c) == 0;

	res->status = ok ? 200 : 503;
	res->content_type = "application/json";
	public_common_headers(res);
	http_response_header(res, "Cache-Control", "no-store");
	if (ok) {
		if (asprintf(&res->body,
		             "{\"status\":\"ok\",\"version\":\"%s\","
		             "\"events\":%ld,\"topics\":%ld}\n",
		             VERSION, c.events, c.topics) < 0)
			res->body = NULL;
	} else if (asprintf(&res->body,
	                    "{\"status\":\"error\",\"error\":\"store\"}\n") <
	           0) {
		res->body = NULL;
	}
	res->body_len = res->body != NULL ? strlen(res->body) : 0;
}

/* ---- routing ---- */

/* path starts with prefix: the rest, else NULL. */
static const char *
public_prefix(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(path, prefix, n) == 0 ? path + n : NULL;
}

/* rest ends in ".ics": the length before it, else 0. */
static size_t
public_ics_name(const char *rest)
{
	size_t n = strlen(rest);

	if (n <= 4 || strcmp(rest + n - 4, ".ics") != 0)
		return 0;
	return n - 4;
}

enum public_route {
	R_NONE,
	R_AGENDA,
	R_TOPIC,
	R_FEED,
	R_OSC,
	R_BAJA,
	R_SELF,
	R_SALUD,
	R_SIGNUP,
	R_PRIVACY,
};

/* Answer a request for route r (rest: the path after its prefix). */
static void
public_route(struct public_site *ps, const struct http_request *req,
             struct http_response *res, enum public_route r, const char *rest,
             int post)
{
	switch (r) {
	case R_AGENDA:
		public_page(ps, req, res, NULL, 0);
		break;
	case R_TOPIC:
		public_page(ps, req, res, rest, strlen(rest));
		break;
	case R_FEED:
		if (public_ics_name(rest) == 0)
			public_not_found(ps, res);
		else
			public_feed(ps, req, res, rest, public_ics_name(rest));
		break;
	case R_OSC:
		if (public_ics_name(rest) == 0)
			public_not_found(ps, res);
		else
			public_feed_osc(ps, req, res, rest,
			                public_ics_name(rest));
		break;
	case R_BAJA:
		public_baja(ps, req, res, rest, post);
		break;
	case R_SELF:
		public_self(ps, req, res, rest, post);
		break;
	case R_SALUD:
		public_salud(ps, res);
		break;
	case R_SIGNUP:
		public_signup(ps, req, res, rest, post);
		break;
	case R_PRIVACY:
		public_privacy(ps, res);
		break;
	case R_NONE:
		public_not_found(ps, res);
		break;
	}
}

void
public_handle(const struct http_request *req, struct http_response *res,
              void *arg)
{
	struct public_site *ps = arg;
	const char *path = req->path, *rest = NULL;
	int get =
	    strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
	int post = strcmp(req->method, "POST") == 0;
	enum public_route r = R_NONE;

	if (strcmp(path, "/") == 0)
		r = R_AGENDA;
	else if ((rest = public_prefix(path, "/temas/")) != NULL)
		r = R_TOPIC;
	else if ((rest = public_prefix(path, "/calendarios/osc/")) != NULL)
		r = R_OSC;
	else if ((rest = public_prefix(path, "/calendarios/")) != NULL)
		r = R_FEED;
	else if ((rest = public_prefix(path, "/baja/")) != NULL)
		r = R_BAJA;
	else if ((rest = public_prefix(path, "/suscripcion/")) != NULL)
		r = R_SELF;
	else if (strcmp(path, "/salud") == 0)
		r = R_SALUD;
	else if ((rest = public_prefix(path, PUBLIC_SIGNUP_PATH)) != NULL &&
	         (*rest == '\0' || *rest == '/'))
		r = R_SIGNUP;
	else if (strcmp(path, PUBLIC_PRIVACY_PATH) == 0)
		r = R_PRIVACY;

	if ((r == R_BAJA || r == R_SELF || r == R_SIGNUP) && !get && !post)
		public_method_not_allowed(ps, res, "GET, HEAD, POST");
	else if (r != R_BAJA && r != R_SELF && r != R_SIGNUP && r != R_NONE &&
	         !get)
		public_method_not_allowed(ps, res, "GET, HEAD");
	else
		public_route(ps, req, res, r, rest, post);
	/* Tokens (private feeds, unsubscribe links, the organisation's
	 * page) stay out of the log. */
	log_debug("public %s %s -> %d (%s)", req->method,
	          r == R_OSC               ? "/calendarios/osc/..."
	          : r == R_BAJA            ? "/baja/..."
	          : r == R_SELF            ? "/suscripcion/..."
	          : r == R_SIGNUP && *rest ? PUBLIC_SIGNUP_PATH "/..."
	                                   : path,
	          res->status, req->peer_ip != NULL ? req->peer_ip : "?");
}
