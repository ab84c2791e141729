/* public_self: an organisation's own page, /suscripcion/<token> (issue
 * 10). Every email links to it (schedule_input.c makes the link).
 *
 * A GET shows the organisation's data, every topic with a checkbox (those
 * it follows checked), its private feed and the forms; it never changes
 * anything (mail scanners follow links). Each form POSTs back to the same
 * address, form-encoded, no script needed, with a field "accion" naming
 * what to do: "temas" (the checked "tema" values become its topics),
 * "pausar", "reanudar", "contacto" (field "contacto") or "supresion"
 * (field "confirmo" = "si"). The change is a domain operation (org_self.c:
 * its rules, its transaction, its audit with the client's address); the
 * answer is a 303 to the page with "?hecho=<accion>", so reloading it posts
 * nothing again. A refused change answers 400 with the page and the
 * reason in Spanish.
 *
 * The token is token.h's page token: it names the organisation and checks
 * against its private feed token, so `cronoctl osc token --reset` revokes
 * both. An unknown, altered or revoked token gets a 404 page that says so.
 * Addresses are not changed here: a new address would need a confirmation
 * mail of its own; the page says to write to the office instead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "event.h"
#include "fecha.h"
#include "log.h"
#include "org.h"
#include "org_self.h"
#include "public_internal.h"
#include "strv.h"
#include "token.h"

#define SELF_PATH "/suscripcion/"

/* ---- the page ---- */

/* What the page says at its top: done (after a change) or an error. */
struct self_note {
	const char *done;  /* the accion just done, or NULL */
	const char *error; /* why a change was refused, or NULL */
};

/* "6 de diciembre de 2026" of instant t in the office's zone. */
static void
self_date(struct public_site *ps, struct buf *b, int64_t t)
{
	struct fecha_date d;
	int min;

	if (event_utc_to_local(ps->cfg->timezone, t, &d, &min) < 0) {
		buf_adds(b, "(fecha desconocida)");
		return;
	}
	buf_addf(b, "%d de %s de %d", d.d, fecha_month_name(d.m), d.y);
}

/* The Spanish words for what was just done. */
static const char *
self_done_words(const char *accion)
{
	static const struct {
		const char *accion, *words;
	} done[] = {
	    {"temas", "Listo: guardamos sus temas. Los próximos avisos "
	              "seguirán esta selección."},
	    {"pausar", "Listo: pausamos el envío de avisos a su "
	               "organización."},
	    {"reanudar", "Listo: los avisos vuelven a enviarse a su "
	                 "organización."},
	    {"contacto", "Listo: guardamos el nombre de la persona de "
	                 "contacto."},
	    {"supresion", "Recibimos su solicitud de supresión de datos. El "
	                  "envío de avisos quedó en pausa."},
	};
	size_t i;

	for (i = 0; accion != NULL && i < sizeof(done) / sizeof(done[0]); i++)
		if (strcmp(done[i].accion, accion) == 0)
			return done[i].words;
	return NULL;
}

/* A form's start, posting to this page, with its action. */
static void
self_form_open(struct buf *b, const char *token, const char *accion)
{
	buf_adds(b, "<form method=\"post\" action=\"" SELF_PATH);
	buf_add_html(b, token);
	buf_adds(b, "\">\n<input type=\"hidden\" name=\"accion\" value=\"");
	buf_adds(b, accion);
	buf_adds(b, "\">\n");
}

/* The organisation's data, as held. */
static void
self_page_data(struct public_site *ps, struct buf *b, const struct osc *o)
{
	const char *office_email = ps->cfg->office_email;
	size_t i;

	buf_adds(b, "<h2>Datos de la organización</h2>\n<dl>\n"
	            "<dt>Nombre</dt><dd>");
	buf_add_html(b, o->name);
	buf_adds(b, "</dd>\n<dt>Correo electrónico</dt><dd>");
	for (i = 0; i < o->nemails; i++) {
		if (i > 0)
			buf_adds(b, "<br>");
		buf_add_html(b, o->emails[i]);
	}
	buf_adds(b, "</dd>\n<dt>Persona de contacto</dt><dd>");
	buf_add_html(b, o->contact != NULL ? o->contact : "(sin dato)");
	buf_adds(b, "</dd>\n<dt>Entidad federativa</dt><dd>");
	buf_add_html(b, o->state != NULL ? o->state : "(sin dato)");
	buf_adds(b, "</dd>\n<dt>Registrada desde</dt><dd>");
	self_date(ps, b, o->created_at);
	buf_adds(b, "</dd>\n<dt>Envío de avisos</dt><dd>");
	if (o->erasure_at != 0) {
		buf_adds(b, "En pausa: solicitó la supresión de sus datos el ");
		self_date(ps, b, o->erasure_at);
	} else if (o->paused_at != 0) {
		buf_adds(b, "En pausa desde el ");
		self_date(ps, b, o->paused_at);
	} else {
		buf_adds(b, "Activo");
	}
	buf_adds(b, "</dd>\n</dl>\n<p class=\"dato\">Para corregir el nombre "
	            "de la organización o sus direcciones de correo, "
	            "escriba a la oficina");
	if (office_email != NULL && *office_email) {
		buf_adds(b, ": <a href=\"mailto:");
		buf_add_html(b, office_email);
		buf_adds(b, "\">");
		buf_add_html(b, office_email);
		buf_adds(b, "</a>");
	}
	buf_adds(b, ".</p>\n");
}

/* Every topic with a checkbox, those o follows checked. */
static int
self_page_topics(struct public_site *ps, struct buf *b, const struct osc *o,
                 const char *token, int open)
{
	struct topic *ts = NULL;
	size_t n = 0, i;
	int r;

	if ((r = store_topic_list(ps->st, &ts, &n)) < 0)
		return r;
	buf_adds(b, "<h2 id=\"temas\">Temas</h2>\n");
	if (open) {
		buf_adds(b, "<p>Marque los temas de los que quiere recibir "
		            "avisos y guarde.</p>\n");
		self_form_open(b, token, "temas");
	}
	buf_adds(b, "<ul class=\"temas\">\n");
	for (i = 0; i < n; i++) {
		int on = strv_has(o->topics, o->ntopics, ts[i].slug, 0);

		buf_adds(b, "<li><label><input type=\"checkbox\" "
		            "name=\"tema\" value=\"");
		buf_add_html(b, ts[i].slug);
		buf_addf(b, "\"%s%s> ", on ? " checked" : "",
		         open ? "" : " disabled");
		buf_add_html(b, ts[i].nombre);
		if (ts[i].title != NULL && *ts[i].title) {
			buf_adds(b, " <span class=\"dato\">(");
			buf_add_html(b, ts[i].title);
			buf_adds(b, ")</span>");
		}
		buf_adds(b, "</label></li>\n");
	}
	buf_adds(b, "</ul>\n");
	if (open)
		buf_adds(b, "<p><button type=\"submit\">Guardar temas</button>"
		            "</p>\n</form>\n");
	topic_array_free(ts, n);
	return 0;
}

/* The forms that change the organisation (not once it asked for
 * erasure). */
static void
self_page_forms(struct buf *b, const struct osc *o, const char *token)
{
	buf_adds(b, "<h2 id=\"envio\">Envío de avisos</h2>\n");
	if (o->paused_at != 0) {
		buf_adds(b, "<p>El envío de avisos está en pausa: su "
		            "organización no recibe recordatorios ni "
		            "cambios de fecha.</p>\n");
		self_form_open(b, token, "reanudar");
		buf_adds(b, "<p><button type=\"submit\">Reanudar los "
		            "avisos</button></p>\n</form>\n");
	} else {
		buf_adds(
		    b, "<p>Puede pausar todos los avisos por correo sin "
		       "perder sus temas, y reanudarlos cuando quiera.</p>\n");
		self_form_open(b, token, "pausar");
		buf_adds(b, "<p><button type=\"submit\">Pausar todos los "
		            "avisos</button></p>\n</form>\n");
	}
	buf_adds(b, "<h2 id=\"contacto\">Persona de contacto</h2>\n");
	self_form_open(b, token, "contacto");
	buf_addf(b,
	         "<p><label for=\"contacto-nombre\">Nombre de la persona "
	         "de contacto</label><br>\n<input type=\"text\" "
	         "id=\"contacto-nombre\" name=\"contacto\" "
	         "maxlength=\"%d\" size=\"40\" value=\"",
	         OSC_CONTACT_MAX);
	buf_add_html(b, o->contact != NULL ? o->contact : "");
	buf_adds(b, "\"></p>\n<p><button type=\"submit\">Guardar "
	            "contacto</button></p>\n</form>\n");
	buf_adds(b, "<h2 id=\"supresion\">Supresión de sus datos</h2>\n"
	            "<p>Puede pedir que la oficina borre los datos de su "
	            "organización (nombre, correos, persona de contacto y "
	            "temas). El envío de avisos se pausa en cuanto lo pide, "
	            "y la oficina borra los datos después.</p>\n");
	self_form_open(b, token, "supresion");
	buf_adds(b, "<p><label><input type=\"checkbox\" name=\"confirmo\" "
	            "value=\"si\" required> Confirmo que quiero que se "
	            "borren los datos de mi organización.</label></p>\n"
	            "<p><button type=\"submit\">Solicitar la supresión de "
	            "datos</button></p>\n</form>\n");
}

/* The whole page for o into b. */
static int
self_page(struct public_site *ps, struct buf *b, const struct osc *o,
          const char *token, const struct self_note *note)
{
	const char *done = self_done_words(note->done);
	char file[TOKEN_MAX + 16];
	int r;

	public_page_open(ps, b, "Su suscripción");
	buf_adds(b, "<p>Organización: <strong>");
	buf_add_html(b, o->name);
	buf_adds(b, "</strong></p>\n");
	if (note->error != NULL) {
		buf_adds(b, "<p class=\"estado cancelada\" role=\"alert\">");
		buf_add_html(b, note->error);
		buf_adds(b, "</p>\n");
	} else if (done != NULL) {
		buf_adds(b, "<p class=\"estado\" role=\"status\">");
		buf_add_html(b, done);
		buf_adds(b, "</p>\n");
	}
	if (o->erasure_at != 0) {
		buf_adds(b, "<p>Su organización pidió el ");
		self_date(ps, b, o->erasure_at);
		buf_adds(b, " que se borren sus datos. No recibirá más "
		            "avisos y la oficina borrará sus datos en breve; "
		            "esta página dejará de existir entonces.</p>\n");
	}
	self_page_data(ps, b, o);
	if ((r = self_page_topics(ps, b, o, token, o->erasure_at == 0)) < 0)
		return r;
	buf_adds(b, "<h2 id=\"calendario\">Su calendario</h2>\n<p>Las "
	            "sesiones de todos sus temas en un calendario privado, "
	            "solo para su organización (no comparta esta "
	            "dirección):</p>\n");
	snprintf(file, sizeof(file), "osc/%s.ics", o->token);
	public_page_subscribe(ps, b, file, o->name);
	if (o->erasure_at == 0)
		self_page_forms(b, o, token);
	buf_adds(b, "<p><a href=\"/\">Ver la agenda de sesiones</a></p>\n");
	public_page_close(ps, b);
	return 0;
}

/* ---- answering ---- */

/* The page as an answer (status 200, or 400 with note->error). */
static void
self_reply(struct public_site *ps, struct http_response *res,
           const struct osc *o, const char *token, const struct self_note *note)
{
	struct buf b = {0};
	size_t len = 0;
	char *body;
	int r = self_page(ps, &b, o, token, note);

	body = buf_take(&b, &len);
	if (r < 0 || body == NULL) {
		free(body);
		public_server_error(
		    ps, res, r < 0 ? store_error(ps->st) : "out of memory");
		return;
	}
	/* Private: the page names the organisation and holds its tokens. */
	public_reply_html(ps, res, note->error != NULL ? 400 : 200, body, len,
	                  "private, no-store");
	http_response_header(res, "X-Robots-Tag", "noindex");
}

/*
 * Cross-site requests. The token in the path is the secret a forged form
 * would need, and only the organisation's emails carry it. On top of
 * that, a browser's Origin header must be this site's (public_url's
 * origin) or "null": our pages send no Referer (Referrer-Policy:
 * no-referrer, so that the token never leaks to a linked site), and
 * under that policy browsers send "Origin: null" with our own forms. A
 * request without Origin (not from a browser form) has only the token to
 * show, which is the same proof. So a page elsewhere that learned the
 * link cannot make a visitor's browser post to it.
 */
static int
self_origin_ok(struct public_site *ps, const struct http_request *req)
{
	const char *origin = http_request_header(req, "Origin");
	const char *base = ps->base, *slash;
	size_t n;

	if (origin == NULL || strcmp(origin, "null") == 0)
		return 1;
	/* The origin is the base up to its path. */
	slash = strstr(base, "://");
	slash = slash != NULL ? strchr(slash + 3, '/') : NULL;
	n = slash != NULL ? (size_t)(slash - base) : strlen(base);
	return strlen(origin) == n && strncasecmp(origin, base, n) == 0;
}

/* Apply the form to o (as stored). 0 done, or a negative code with
 * *error the Spanish words for the page. */
static int
self_apply(struct public_site *ps, const struct http_request *req,
           const struct osc *o, const struct public_fields *f,
           const char *accion, const char **error)
{
	struct office of = {ps->st, ps->cfg, ps->changes};
	const char *client = req->peer_ip;
	struct osc after;
	char why[512] = "", **slugs = NULL;
	size_t nslugs = 0, i;
	int r = 0;

	*error = NULL;
	memset(&after, 0, sizeof(after));
	if (strcmp(accion, "temas") == 0) {
		for (i = 0; r == 0 && i + 1 < f->n; i += 2)
			if (strcmp(f->kv[i], "tema") == 0)
				r = strv_add(&slugs, &nslugs, f->kv[i + 1]);
		if (r == 0)
			r = org_self_topics(&of, client, o, slugs, nslugs,
			                    &after, why, sizeof(why));
		strv_free(slugs, nslugs);
		if (r == -EINVAL)
			*error = "Alguno de los temas enviados no existe. "
			         "Recargue la página e inténtelo de nuevo.";
	} else if (strcmp(accion, "pausar") == 0 ||
	           strcmp(accion, "reanudar") == 0) {
		r = org_self_pause(&of, client, o, accion[0] == 'p', &after,
		                   why, sizeof(why));
	} else if (strcmp(accion, "contacto") == 0) {
		const char *c = public_fields_get(f, "contacto");

		if (c == NULL) {
			*error = "Falta el nombre de la persona de contacto.";
			return -EINVAL;
		}
		r = org_self_contact(&of, client, o, c, &after, why,
		                     sizeof(why));
		if (r == -EINVAL)
			*error = "El nombre de contacto debe ser una sola "
			         "línea de texto, de hasta 300 caracteres.";
	} else if (strcmp(accion, "supresion") == 0) {
		const char *yes = public_fields_get(f, "confirmo");

		if (yes == NULL || strcmp(yes, "si") != 0) {
			*error = "Para solicitar la supresión de sus datos, "
			         "marque la casilla de confirmación.";
			return -EINVAL;
		}
		r = org_self_erasure(&of, client, o, &after, why, sizeof(why));
	} else {
		*error = "La solicitud no indica una acción válida. Use los "
		         "botones de esta página.";
		return -EINVAL;
	}
	osc_fini(&after);
	if (r == -EPERM)
		*error = "Su organización pidió la supresión de sus datos: "
		         "ya no se pueden hacer cambios. Escriba a la oficina "
		         "si fue un error.";
	if (r < 0 && *error == NULL)
		log_err("public: organisation %ld: %s: %s", o->id, accion, why);
	return r;
}

/* GET, HEAD and POST /suscripcion/<token>. */
void
public_self(struct public_site *ps, const struct http_request *req,
            struct http_response *res, const char *tok, int post)
{
	struct self_note note = {NULL, NULL};
	struct public_fields f;
	struct osc o;
	const char *accion;
	char location[TOKEN_MAX + 64];
	long id;
	int r;

	memset(&o, 0, sizeof(o));
	if (!public_token_ok(tok, strlen(tok)) || token_page_id(tok, &id) < 0)
		goto not_found;
	r = store_osc_get(ps->st, id, &o);
	if (r == -ENOENT)
		goto not_found;
	if (r < 0) {
		public_server_error(ps, res, store_error(ps->st));
		return;
	}
	/* Checked against the feed token as it is now: a reset revokes. */
	if (o.token == NULL || token_page_check(tok, o.id, o.token) < 0)
		goto not_found;
	if (!post) {
		note.done = http_request_arg(req, "hecho");
		self_reply(ps, res, &o, tok, &note);
		osc_fini(&o);
		return;
	}
	if (!self_origin_ok(ps, req)) {
		osc_fini(&o);
		public_error(ps, res, 403, "Solicitud rechazada",
		             "El formulario no se envió desde esta página. "
		             "Abra el enlace de su correo y use sus botones.");
		return;
	}
	if (public_fields_parse(req->body, req->body_len, &f) < 0) {
		note.error = "No pudimos leer el formulario. Use los botones "
		             "de esta página.";
		self_reply(ps, res, &o, tok, &note);
		osc_fini(&o);
		return;
	}
	accion = public_fields_get(&f, "accion");
	r = self_apply(ps, req, &o, &f, accion != NULL ? accion : "",
	               &note.error);
	if (r < 0) {
		if (note.error == NULL) {
			public_fields_fini(&f);
			osc_fini(&o);
			public_server_error(ps, res, "store");
			return;
		}
		/* The page as it is now, with why the change was refused. */
		osc_fini(&o);
		memset(&o, 0, sizeof(o));
		if (store_osc_get(ps->st, id, &o) < 0) {
			public_fields_fini(&f);
			public_server_error(ps, res, store_error(ps->st));
			return;
		}
		self_reply(ps, res, &o, tok, &note);
	} else {
		/* Post/Redirect/Get: a reload shows the page, posts nothing. */
		snprintf(location, sizeof(location), SELF_PATH "%s?hecho=%s",
		         tok, accion);
		res->status = 303;
		res->content_type = "text/plain; charset=utf-8";
		public_common_headers(res);
		http_response_header(res, "Cache-Control", "no-store");
		http_response_header(res, "Location", location);
		free(res->body);
		res->body = strdup("Cambio guardado.\n");
		res->body_len = res->body != NULL ? strlen(res->body) : 0;
	}
	public_fields_fini(&f);
	osc_fini(&o);
	return;
not_found:
	osc_fini(&o);
	public_error(ps, res, 404, "Enlace no válido",
	             "Este enlace para administrar una suscripción no existe "
	             "o fue reemplazado por uno nuevo. Use el enlace del "
	             "correo más reciente de la oficina o escríbale.");
}
