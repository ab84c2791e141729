/* public_reply: the answers every route of the public site shares (an
 * HTML page with its headers, the error pages) and the token check. A
 * leaf of the public site: it renders with public_page.c and calls no
 * route. See public_internal.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "public_internal.h"
#include "token.h"

/* A URL-safe token (base64url and '.'), of a sane length. */
int
public_token_ok(const char *s, size_t n)
{
	return n > 0 && n < TOKEN_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz"
	                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") >= n;
}

void
public_common_headers(struct http_response *res)
{
	http_response_header(res, "X-Content-Type-Options", "nosniff");
	http_response_header(res, "Referrer-Policy", "no-referrer");
}

/* An HTML answer with the page's headers. body is taken. */
void
public_reply_html(struct public_site *ps, struct http_response *res, int status,
                  char *body, size_t len, const char *cache)
{
	res->status = status;
	res->content_type = "text/html; charset=utf-8";
	free(res->body);
	res->body = body;
	res->body_len = body != NULL ? len : 0;
	public_common_headers(res);
	http_response_header(res, "Content-Security-Policy", ps->csp);
	http_response_header(res, "Cache-Control", cache);
}

void
public_error(struct public_site *ps, struct http_response *res, int status,
             const char *title, const char *text)
{
	struct buf b = {0};
	size_t len = 0;
	char *body;

	public_page_error(ps, status, title, text, &b);
	body = buf_take(&b, &len);
	public_reply_html(ps, res, status, body, len, "no-store");
}

void
public_not_found(struct public_site *ps, struct http_response *res)
{
	public_error(ps, res, 404, "Página no encontrada",
	             "La dirección no existe o ya no es válida.");
}

void
public_server_error(struct public_site *ps, struct http_response *res,
                    const char *what)
{
	log_err("public: %s", what);
	public_error(ps, res, 500, "Error del servidor",
	             "No pudimos preparar la página. Inténtelo más tarde.");
}
