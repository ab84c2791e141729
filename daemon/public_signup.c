/* public_signup: organisations subscribe themselves ([public] signup;
 * the rules are signup.c's).
 *
 *   POST /suscribir                   the form: a visible field wrong
 *                                     shows the form again with why; any
 *                                     other outcome is one page, the same
 *                                     bytes whatever happened (a known
 *                                     address, one mailed within the hour,
 *                                     a client over its limit, the
 *                                     honeypot), so that the page tells
 *                                     nobody whose address is subscribed.
 *   GET  /suscribir/confirmar/<tok>   a page with a button; changes
 *                                     nothing (mail scanners fetch links)
 *   POST /suscribir/confirmar/<tok>   confirms
 *   GET  /aviso-de-privacidad         the notice from a template, when
 *                                     [office] privacy_url is empty
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "log.h"
#include "message.h"
#include "org.h"
#include "public_internal.h"
#include "signup.h"
#include "strv.h"
#include "token.h"

/* Requests one client address may post per window; past that it gets
 * the usual answer and nothing is done. Kept in memory (a restart
 * forgets it; the per-address limit is signup.c's, in the store). */
#define SIGNUP_CLIENT_MAX     10
#define SIGNUP_CLIENT_WINDOW  3600
#define SIGNUP_CLIENTS        1024
#define SIGNUP_CLIENT_ADDRLEN 64

struct signup_client {
	char addr[SIGNUP_CLIENT_ADDRLEN];
	int64_t since;
	int count;
};

static struct signup_client clients[SIGNUP_CLIENTS];

/* Count a request from addr at now: 1 if it is within the limit. A full
 * table drops its stalest entry. */
static int
public_signup_client_ok(const char *addr, int64_t now)
{
	struct signup_client *c = NULL, *stale = &clients[0];
	size_t i;

	if (addr == NULL)
		addr = "?";
	for (i = 0; i < SIGNUP_CLIENTS; i++) {
		if (strcmp(clients[i].addr, addr) == 0) {
			c = &clients[i];
			break;
		}
		if (clients[i].since < stale->since)
			stale = &clients[i];
	}
	if (c == NULL) {
		c = stale;
		snprintf(c->addr, sizeof c->addr, "%s", addr);
		c->since = now;
		c->count = 0;
	}
	if (now - c->since >= SIGNUP_CLIENT_WINDOW || now < c->since) {
		c->since = now;
		c->count = 0;
	}
	return ++c->count <= SIGNUP_CLIENT_MAX;
}

/* ---- the posted form ---- */

struct signup_post {
	char *nombre, *correo, *aviso, *sitio;
	char **temas;
	size_t ntemas;
};

static void
signup_post_fini(struct signup_post *p)
{
	free(p->nombre);
	free(p->correo);
	free(p->aviso);
	free(p->sitio);
	strv_free(p->temas, p->ntemas);
	memset(p, 0, sizeof(*p));
}

/* A copy of the first value of name in f (NULL if none) into *out. */
static int
field_dup(const struct public_fields *f, const char *name, char **out)
{
	const char *v = public_fields_get(f, name);

	*out = NULL;
	if (v != NULL && (*out = strdup(v)) == NULL)
		return -ENOMEM;
	return 0;
}

/* The body of req as the form's fields. 0, or -ENOMEM. Unknown fields
 * are ignored, and a repeated one but temas keeps its first value. A body
 * that cannot be read (a bad escape, a NUL byte) is a form with nothing
 * filled in: refused as such, with the form again. */
static int
signup_post_parse(const struct http_request *req, struct signup_post *p)
{
	struct public_fields f;
	size_t i;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = public_fields_parse(req->body, req->body_len, &f);
	if (rc == -EINVAL)
		return 0;
	if (rc < 0)
		return rc;
	if ((rc = field_dup(&f, "nombre", &p->nombre)) == 0 &&
	    (rc = field_dup(&f, "correo", &p->correo)) == 0 &&
	    (rc = field_dup(&f, "aviso", &p->aviso)) == 0)
		rc = field_dup(&f, "sitio", &p->sitio);
	for (i = 0; rc == 0 && i + 1 < f.n; i += 2)
		if (strcmp(f.kv[i], "temas") == 0 && *f.kv[i + 1] &&
		    p->ntemas < 256)
			rc = strv_add(&p->temas, &p->ntemas, f.kv[i + 1]);
	public_fields_fini(&f);
	return rc;
}

/* ---- answers ---- */

static void
public_signup_send(struct public_site *ps, struct http_response *res,
                   int status, struct buf *b)
{
	size_t len = 0;
	char *body = buf_take(b, &len);

	if (body == NULL) {
		public_server_error(ps, res, "out of memory");
		return;
	}
	public_reply_html(ps, res, status, body, len, "no-store");
	/* Search engines have no business with these pages. */
	http_response_header(res, "X-Robots-Tag", "noindex");
}

/* The one answer to every form that was well filled in. */
static void
public_signup_check_mail(struct public_site *ps, struct http_response *res)
{
	struct buf b = {0};

	public_page_open(ps, &b, "Revise su correo");
	buf_addf(&b,
	         "<p>Gracias. Si la dirección puede recibir los avisos, en "
	         "unos minutos le llegará un mensaje con un enlace para "
	         "confirmar la suscripción. El enlace vale %d horas.</p>\n"
	         "<p>Si no lo ve, revise la carpeta de correo no deseado. "
	         "Sin su confirmación no le enviaremos avisos.</p>\n"
	         "<p><a href=\"/\">Volver a la agenda de sesiones</a></p>\n",
	         SIGNUP_VALID_S / 3600);
	public_page_close(ps, &b);
	public_signup_send(ps, res, 200, &b);
}

/* The form again, with what was posted and why it was refused. */
static void
public_signup_again(struct public_site *ps, struct http_response *res,
                    const struct signup_post *p, const char *why)
{
	struct public_form_values v = {
	    .name = p->nombre,
	    .email = p->correo,
	    .topics = p->temas,
	    .ntopics = p->ntemas,
	    .accepted = p->aviso != NULL && *p->aviso,
	    .error = why,
	};
	struct topic *topics = NULL;
	struct buf b = {0};
	size_t nt = 0;

	if (store_topic_list(ps->st, &topics, &nt) < 0) {
		public_server_error(ps, res, store_error(ps->st));
		return;
	}
	public_page_open(ps, &b, "Recibir los avisos por correo");
	public_form_signup(ps, &b, topics, nt, NULL, &v);
	public_page_close(ps, &b);
	topic_array_free(topics, nt);
	public_signup_send(ps, res, 400, &b);
}

/* POST /suscribir. */
static void
public_signup_post(struct public_site *ps, const struct http_request *req,
                   struct http_response *res)
{
	struct office of = {ps->st, ps->cfg, ps->changes};
	struct signup_post p;
	struct signup_form f = {0};
	const char *client = req->peer_ip != NULL ? req->peer_ip : NULL;
	char why[300];
	long id;
	int held, rc;

	if (signup_post_parse(req, &p) < 0) {
		signup_post_fini(&p);
		public_server_error(ps, res, "out of memory");
		return;
	}
	/* Every post counts, the robots' too. */
	if (!public_signup_client_ok(client, clock_now())) {
		log_warn("signup: %s posted more than %d forms within %d s: "
		         "ignored",
		         client ? client : "?", SIGNUP_CLIENT_MAX,
		         SIGNUP_CLIENT_WINDOW);
		goto same;
	}
	if (p.sitio != NULL && *p.sitio) {
		log_warn("signup: the hidden field was filled from %s: "
		         "ignored",
		         client ? client : "?");
		goto same;
	}
	f.name = p.nombre;
	f.email = p.correo;
	f.topics = p.temas;
	f.ntopics = p.ntemas;
	f.accepted = p.aviso != NULL && *p.aviso;
	f.client = client;
	rc = signup_request(&of, &f, &id, &held, why, sizeof why);
	if (rc == -EINVAL) {
		public_signup_again(ps, res, &p, why);
		signup_post_fini(&p);
		return;
	}
	if (rc < 0) {
		signup_post_fini(&p);
		public_server_error(ps, res, why);
		return;
	}
same:
	signup_post_fini(&p);
	public_signup_check_mail(ps, res);
}

/* ---- the link ---- */

/* The page of a link that does not work (any more). */
static void
public_signup_link_error(struct public_site *ps, struct http_response *res,
                         int rc, const struct signup_req *r)
{
	if (rc == -ETIMEDOUT)
		public_error(ps, res, 410, "El enlace venció",
		             "El enlace de confirmación valía 48 horas y ya "
		             "venció. Puede volver a suscribirse desde la "
		             "página de la agenda.");
	else if (rc == -EALREADY && strcmp(r->state, "pending") == 0)
		public_error(ps, res, 410, "Solicitud ya confirmada",
		             "Ya confirmó esta solicitud. La oficina la "
		             "revisará y le avisaremos por correo cuando la "
		             "apruebe.");
	else if (rc == -EALREADY)
		public_error(ps, res, 410, "Enlace ya usado",
		             "Este enlace ya se usó y no sirve de nuevo. Si "
		             "quiere cambiar su suscripción, vuelva a "
		             "suscribirse desde la página de la agenda.");
	else
		public_error(ps, res, 404, "Enlace no válido",
		             "El enlace de confirmación no existe. Revise que "
		             "lo copió completo del mensaje.");
}

/* The request's topics by name, as a list. */
static void
public_signup_topics(struct public_site *ps, struct buf *b, const char *slugs)
{
	char **v = NULL;
	size_t n = 0;

	if (strv_split(slugs, " ", &v, &n) < 0) {
		b->oom = 1;
		return;
	}
	buf_adds(b, "<ul>\n");
	for (size_t i = 0; i < n; i++) {
		struct topic t;

		buf_adds(b, "<li>");
		if (store_topic_get(ps->st, v[i], &t) == 0) {
			buf_add_html(b, t.nombre);
			topic_fini(&t);
		} else {
			buf_add_html(b, v[i]);
		}
		buf_adds(b, "</li>\n");
	}
	buf_adds(b, "</ul>\n");
	strv_free(v, n);
}

/* GET (the page with the button) and POST (confirm) of token tok. */
static void
public_signup_link(struct public_site *ps, const struct http_request *req,
                   struct http_response *res, const char *tok, int post)
{
	struct office of = {ps->st, ps->cfg, ps->changes};
	enum signup_outcome out;
	struct signup_req r;
	struct buf b = {0};
	char why[300];
	int rc;

	if (!public_token_ok(tok, strlen(tok))) {
		public_signup_link_error(ps, res, -ENOENT, NULL);
		return;
	}
	rc = signup_lookup(&of, tok, &r);
	if (rc < 0 && rc != -ENOENT && rc != -ETIMEDOUT && rc != -EALREADY) {
		public_server_error(ps, res, store_error(ps->st));
		return;
	}
	if (rc < 0) {
		public_signup_link_error(ps, res, rc, &r);
		if (rc == -EALREADY)
			signup_req_fini(&r);
		return;
	}
	if (!post) {
		public_page_open(ps, &b, "Confirmar la suscripción");
		buf_adds(&b, "<p>Organización: <strong>");
		buf_add_html(&b, r.name);
		buf_adds(&b, "</strong></p>\n<p>Correo: <strong>");
		buf_add_html(&b, r.email);
		buf_adds(&b, "</strong></p>\n<p>Temas:</p>\n");
		public_signup_topics(ps, &b, r.topics);
		buf_adds(&b,
		         "<p>Al confirmar, esta dirección recibirá los "
		         "avisos de las sesiones de estos temas.</p>\n"
		         "<form method=\"post\" action=\"" PUBLIC_SIGNUP_PATH
		         "/confirmar/");
		buf_add_html(&b, tok);
		buf_adds(&b, "\">\n<input type=\"hidden\" name=\"confirmar\" "
		             "value=\"si\">\n<p><button class=\"primario\" "
		             "type=\"submit\">Confirmar la suscripción</button>"
		             "</p>\n</form>\n");
		public_page_close(ps, &b);
		signup_req_fini(&r);
		public_signup_send(ps, res, 200, &b);
		return;
	}
	signup_req_fini(&r);
	rc = signup_confirm(&of, tok, req->peer_ip, &out, why, sizeof why);
	if (rc == -ENOENT || rc == -ETIMEDOUT) {
		public_signup_link_error(ps, res, rc, NULL);
		return;
	}
	if (rc == -EALREADY) {
		public_error(ps, res, 410, "Enlace ya usado",
		             "Este enlace ya se usó y no sirve de nuevo.");
		return;
	}
	if (rc < 0) {
		public_server_error(ps, res, why);
		return;
	}
	if (out == SIGNUP_WAITING) {
		public_page_open(ps, &b, "Solicitud confirmada");
		buf_adds(&b, "<p>Gracias: confirmó su dirección. La oficina "
		             "revisará la solicitud y le avisaremos por correo "
		             "cuando la apruebe.</p>\n");
	} else {
		public_page_open(ps, &b, "Suscripción confirmada");
		buf_adds(&b, "<p>Listo: desde ahora recibirá por correo los "
		             "avisos de las sesiones de los temas que eligió. "
		             "Cada aviso trae un enlace para dejar de "
		             "recibirlos.</p>\n");
	}
	buf_adds(&b, "<p><a href=\"/\">Ver la agenda de sesiones</a></p>\n");
	public_page_close(ps, &b);
	public_signup_send(ps, res, 200, &b);
}

void
public_signup(struct public_site *ps, const struct http_request *req,
              struct http_response *res, const char *rest, int post)
{
	static const char confirm[] = "/confirmar/";

	if (signup_mode(ps->cfg) == SIGNUP_OFF) {
		public_not_found(ps, res);
		return;
	}
	if (*rest == '\0' && post)
		public_signup_post(ps, req, res);
	else if (*rest == '\0')
		public_error(ps, res, 405, "Método no permitido",
		             "El formulario de suscripción está en la página "
		             "de la agenda.");
	else if (strncmp(rest, confirm, sizeof confirm - 1) == 0)
		public_signup_link(ps, req, res, rest + sizeof confirm - 1,
		                   post);
	else
		public_not_found(ps, res);
}

void
public_privacy(struct public_site *ps, struct http_response *res)
{
	const struct config *c = ps->cfg;
	struct buf b = {0};
	char err[300], *text = NULL;

	if (signup_mode(c) == SIGNUP_OFF ||
	    (c->office_privacy_url != NULL && *c->office_privacy_url)) {
		public_not_found(ps, res);
		return;
	}
	if (message_fragment_render(c->template_dir, "aviso-de-privacidad.html",
	                            c->office_name, c->office_privacy_version,
	                            &text, err, sizeof err) < 0) {
		public_server_error(ps, res, err);
		return;
	}
	public_page_open(ps, &b, "Aviso de privacidad");
	buf_adds(&b, text);
	public_page_close(ps, &b);
	free(text);
	public_signup_send(ps, res, 200, &b);
}
