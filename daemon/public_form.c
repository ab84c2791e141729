/* public_form: the signup form of the public page ([public] signup): a
 * plain HTML form, no script, that posts to /suscribir. A leaf of the
 * public site: it writes into a buffer and calls no route (see
 * public_internal.h). */
#include <string.h>

#include "config.h"
#include "public_internal.h"
#include "signup.h"

/* The privacy notice: [office] privacy_url, else the daemon's own page. */
const char *
public_form_privacy_url(const struct public_site *ps)
{
	const char *u = ps->cfg->office_privacy_url;

	return u != NULL && *u ? u : PUBLIC_PRIVACY_PATH;
}

static int
public_form_has(const struct public_form_values *v, const char *slug)
{
	for (size_t i = 0; v != NULL && i < v->ntopics; i++)
		if (strcmp(v->topics[i], slug) == 0)
			return 1;
	return 0;
}

void
public_form_signup(const struct public_site *ps, struct buf *b,
                   const struct topic *topics, size_t nt, const char *checked,
                   const struct public_form_values *v)
{
	size_t i;

	buf_adds(b,
	         "<section aria-labelledby=\"suscribirse\">\n"
	         "<h2 id=\"suscribirse\">Recibir los avisos por correo</h2>\n"
	         "<p>Su organización puede recibir por correo un aviso "
	         "antes de cada sesión de los temas que elija, y cada "
	         "cambio de fecha o sede. Le enviaremos un mensaje para "
	         "confirmar la dirección.</p>\n");
	if (v != NULL && v->error != NULL) {
		buf_adds(b, "<p class=\"error\" id=\"error\" role=\"alert\">");
		buf_add_html(b, v->error);
		buf_adds(b, "</p>\n");
	}
	buf_adds(b, "<form class=\"suscripcion\" method=\"post\" "
	            "action=\"" PUBLIC_SIGNUP_PATH "\">\n"
	            "<p><label for=\"nombre\">Nombre de la "
	            "organización</label>\n<input id=\"nombre\" "
	            "name=\"nombre\" type=\"text\" required maxlength=\"300\" "
	            "autocomplete=\"organization\" value=\"");
	buf_add_html(b, v != NULL ? v->name : NULL);
	buf_adds(b, "\"></p>\n<p><label for=\"correo\">Correo "
	            "electrónico</label>\n<input id=\"correo\" name=\"correo\" "
	            "type=\"email\" required maxlength=\"254\" "
	            "autocomplete=\"email\" value=\"");
	buf_add_html(b, v != NULL ? v->email : NULL);
	buf_adds(b, "\"></p>\n<fieldset>\n<legend>Temas</legend>\n"
	            "<ul class=\"opciones\">\n");
	for (i = 0; i < nt; i++) {
		int on = v != NULL ? public_form_has(v, topics[i].slug)
		                   : checked != NULL &&
		                         strcmp(checked, topics[i].slug) == 0;

		buf_adds(b, "<li><label><input type=\"checkbox\" "
		            "name=\"temas\" value=\"");
		buf_add_html(b, topics[i].slug);
		buf_adds(b, on ? "\" checked> " : "\"> ");
		buf_add_html(b, topics[i].nombre);
		buf_adds(b, "</label></li>\n");
	}
	/* The honeypot: people never see it (the style sheet moves it out
	 * of sight and readers skip it); form-filling robots fill it. */
	buf_adds(b, "</ul>\n</fieldset>\n<div class=\"sitio\" "
	            "aria-hidden=\"true\"><label for=\"sitio\">Sitio web (no "
	            "lo llene)</label>\n<input id=\"sitio\" name=\"sitio\" "
	            "type=\"text\" tabindex=\"-1\" autocomplete=\"off\" "
	            "value=\"\"></div>\n<p><label><input type=\"checkbox\" "
	            "name=\"aviso\" value=\"si\" required");
	if (v != NULL && v->accepted)
		buf_adds(b, " checked");
	buf_adds(b, "> He leído y acepto el <a href=\"");
	buf_add_html(b, public_form_privacy_url(ps));
	buf_adds(b, "\">aviso de privacidad</a>.</label></p>\n"
	            "<p><button class=\"primario\" type=\"submit\">Suscribirse"
	            "</button></p>\n</form>\n</section>\n");
}
