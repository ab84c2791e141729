/* public_form: the signup form of the public page ([public] signup): a
 * plain HTML form, no script, that posts to /suscribir; and the reading of
 * a posted form's body, for it and for an organisation's own page. A leaf of
 * the public site: it writes into a buffer and calls no route (see
 * public_internal.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "config.h"
#include "public_internal.h"
#include "signup.h"
#include "strv.h"

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

/* ---- a posted body (application/x-www-form-urlencoded) ---- */

/* n bytes of s, form-decoded ('+' is a space, %XX a byte), into *out. 0,
 * -ENOMEM, or -EINVAL for a bad escape or a NUL byte. */
static int
form_decode(const char *s, size_t n, char **out)
{
	char *o;
	size_t i;

	if ((*out = o = malloc(n + 1)) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%') {
			int hi =
			    i + 2 < n ? hex_digit((unsigned char)s[i + 1]) : -1;
			int lo =
			    i + 2 < n ? hex_digit((unsigned char)s[i + 2]) : -1;

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				free(*out);
				*out = NULL;
				return -EINVAL;
			}
			*o++ = (char)(hi << 4 | lo);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return 0;
}

void
public_fields_fini(struct public_fields *f)
{
	strv_free(f->kv, f->n);
	memset(f, 0, sizeof(*f));
}

int
public_fields_parse(const char *body, size_t len, struct public_fields *f)
{
	const char *p = body, *end = body + len;
	int r = 0;

	memset(f, 0, sizeof(*f));
	/* A trailing newline from hand-made requests is harmless. */
	while (end > p && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	while (r == 0 && p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp != NULL ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		char *name = NULL, *value = NULL;

		if (eq == NULL)
			eq = stop;
		if (stop > p) {
			r = form_decode(p, (size_t)(eq - p), &name);
			if (r == 0)
				r = form_decode(
				    eq < stop ? eq + 1 : stop,
				    (size_t)(stop -
				             (eq < stop ? eq + 1 : stop)),
				    &value);
			if (r == 0 && (r = strv_add(&f->kv, &f->n, name)) == 0)
				r = strv_add(&f->kv, &f->n, value);
			free(name);
			free(value);
		}
		p = stop + (amp != NULL);
	}
	if (r == 0 && f->n % 2 != 0)
		r = -ENOMEM; /* a value could not be added after its name */
	if (r < 0)
		public_fields_fini(f);
	return r;
}

const char *
public_fields_get(const struct public_fields *f, const char *name)
{
	size_t i;

	for (i = 0; i + 1 < f->n; i += 2)
		if (strcmp(f->kv[i], name) == 0)
			return f->kv[i + 1];
	return NULL;
}
