/* public_baja: one-click unsubscribe (RFC 8058) at /baja/<token>: a GET
 * shows a page with a button and never changes anything (mail scanners
 * follow links); a POST with List-Unsubscribe=One-Click ends the
 * organisation's subscription to the topic the token names, once, and
 * records it in the audit log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "change.h"
#include "log.h"
#include "public_internal.h"
#include "token.h"

/* ---- unsubscribe (RFC 8058) ---- */

/* The value of a multipart/form-data body's part named name, compared
 * with want. Parts are found by their boundary from the Content-Type. */
static int
public_multipart_has(const char *ctype, const char *body, size_t len,
                     const char *name, const char *want)
{
	char delim[128], hdr[128];
	const char *b, *p, *end = body + len;
	size_t blen, wlen = strlen(want);

	b = strcasestr(ctype, "boundary=");
	if (b == NULL)
		return 0;
	b += 9;
	if (*b == '"') {
		b++;
		blen = strcspn(b, "\"");
	} else {
		blen = strcspn(b, "; \t");
	}
	if (blen == 0 || blen > 70)
		return 0;
	snprintf(delim, sizeof(delim), "--%.*s", (int)blen, b);
	snprintf(hdr, sizeof(hdr), "name=\"%s\"", name);
	for (p = memmem(body, len, delim, strlen(delim)); p != NULL;) {
		const char *part = p + strlen(delim), *hend, *next, *val;
		size_t vlen;

		next = memmem(part, (size_t)(end - part), delim, strlen(delim));
		if (next == NULL)
			break;
		hend = memmem(part, (size_t)(next - part), "\r\n\r\n", 4);
		if (hend != NULL &&
		    memmem(part, (size_t)(hend - part), hdr, strlen(hdr))) {
			val = hend + 4;
			vlen = (size_t)(next - val);
			/* The CRLF before the next delimiter belongs to it. */
			if (vlen >= 2 && val[vlen - 2] == '\r' &&
			    val[vlen - 1] == '\n')
				vlen -= 2;
			if (vlen == wlen && memcmp(val, want, wlen) == 0)
				return 1;
		}
		p = next;
	}
	return 0;
}

/* Does the POST body say List-Unsubscribe=One-Click, as a form either
 * urlencoded (the page's button, most mail providers) or multipart
 * (what RFC 8058 recommends)? */
static int
public_one_click(const struct http_request *req)
{
	const char *ctype = http_request_header(req, "Content-Type");
	struct public_fields f;
	const char *v;
	int yes;

	if (ctype != NULL && strncasecmp(ctype, "multipart/form-data", 19) == 0)
		return public_multipart_has(ctype, req->body, req->body_len,
		                            "List-Unsubscribe", "One-Click");
	if (public_fields_parse(req->body, req->body_len, &f) < 0)
		return 0;
	v = public_fields_get(&f, "List-Unsubscribe");
	yes = v != NULL && strcmp(v, "One-Click") == 0;
	public_fields_fini(&f);
	return yes;
}

static int
public_osc_follows(const struct osc *o, const char *slug)
{
	size_t i;

	for (i = 0; i < o->ntopics; i++)
		if (strcmp(o->topics[i], slug) == 0)
			return 1;
	return 0;
}

/* End the subscription and record it; nothing when already ended. */
static int
public_unsubscribe(struct public_site *ps, const struct osc *o,
                   const char *slug)
{
	const char *slugs[1] = {slug};
	char target[32];
	int r;

	if (!public_osc_follows(o, slug))
		return 0;
	r = store_begin(ps->st);
	if (r < 0)
		return r;
	r = store_osc_unsubscribe(ps->st, o->id, slugs, 1);
	snprintf(target, sizeof(target), "osc:%ld", o->id);
	if (r == 0)
		r = store_audit_add(ps->st, -1, "osc.unsubscribe", target, slug,
		                    "one-click");
	if (r < 0) {
		store_rollback(ps->st);
		return r;
	}
	r = store_commit(ps->st);
	if (r < 0)
		return r;
	log_info("public: organisation %ld left topic %s (one-click)", o->id,
	         slug);
	/* The cache (public_on_change) and the scheduler hear of it. */
	change_osc(ps->changes);
	return 0;
}

/* GET (a page with a button) and POST (one click) /baja/<token>. */
void
public_baja(struct public_site *ps, const struct http_request *req,
            struct http_response *res, const char *tok, int post)
{
	char token[TOKEN_MAX], slug[PUBLIC_SLUG_MAX + 1];
	struct osc o;
	struct topic t;
	struct buf b = {0};
	size_t len = 0;
	long id;
	char *body;
	int r, done = 0;

	if (!public_token_ok(tok, strlen(tok)) ||
	    token_unsubscribe_check(tok, &id, slug, sizeof(slug)) < 0) {
		public_not_found(ps, res);
		return;
	}
	snprintf(token, sizeof(token), "%s", tok);
	memset(&o, 0, sizeof(o));
	memset(&t, 0, sizeof(t));
	r = store_osc_get(ps->st, id, &o);
	if (r == 0)
		r = store_topic_get(ps->st, slug, &t);
	if (r == -ENOENT) {
		/* A genuine link to an organisation or topic that is gone. */
		osc_fini(&o);
		topic_fini(&t);
		public_not_found(ps, res);
		return;
	}
	if (r < 0)
		goto fail;
	if (post) {
		if (!public_one_click(req)) {
			osc_fini(&o);
			topic_fini(&t);
			public_error(ps, res, 400, "Solicitud incompleta",
			             "Para darse de baja use el botón de la "
			             "página de baja.");
			return;
		}
		r = public_unsubscribe(ps, &o, slug);
		if (r < 0)
			goto fail;
		done = 1;
	}
	public_page_baja(ps, &o, &t, token,
	                 done ? 0 : public_osc_follows(&o, slug), done, &b);
	osc_fini(&o);
	topic_fini(&t);
	body = buf_take(&b, &len);
	if (body == NULL) {
		public_server_error(ps, res, "out of memory");
		return;
	}
	public_reply_html(ps, res, 200, body, len, "no-store");
	/* Search engines have no business with these pages. */
	http_response_header(res, "X-Robots-Tag", "noindex");
	return;
fail:
	osc_fini(&o);
	topic_fini(&t);
	public_server_error(ps, res, store_error(ps->st));
}
