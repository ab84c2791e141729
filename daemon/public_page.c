/* public_page: the public site's HTML, in Spanish: the agenda, one topic's
 * page, the unsubscribe page and error pages.
 *
 * Plain HTML5 with one style sheet in the page (its hash is in the CSP),
 * no script, no image, no other origin. Every value from the store goes
 * through buf_add_html. Sessions carry id="<anchor>" (public_anchor), which
 * the feeds' URL property points at.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fecha.h"
#include "public_internal.h"
#include "token.h"

/* Dark text on light backgrounds, contrast well above WCAG AA (4.5:1). */
const char public_page_css[] =
    "*{box-sizing:border-box}"
    "html{-webkit-text-size-adjust:100%}"
    "body{margin:0;font-family:system-ui,-apple-system,\"Segoe UI\","
    "Roboto,\"Noto Sans\",\"Liberation Sans\",sans-serif;font-size:1.0625rem;"
    "line-height:1.55;color:#1b1b1b;background:#fafaf7}"
    "header,main,footer{max-width:48rem;margin:0 auto;padding:0 1rem}"
    "header{padding-top:1.5rem;border-bottom:3px solid #0b4f6c}"
    "h1{font-size:1.75rem;line-height:1.2;margin:0 0 .5rem;color:#0b3548}"
    "h2{font-size:1.35rem;margin:2rem 0 .75rem;color:#0b3548;"
    "border-bottom:1px solid #c9d3d8;padding-bottom:.25rem}"
    "h3{font-size:1.1rem;margin:1.5rem 0 .5rem;color:#333}"
    "h4{font-size:1.05rem;margin:0 0 .25rem}"
    "p{margin:.25rem 0}"
    "a{color:#0a4a8a}"
    "a:focus,button:focus{outline:3px solid #f2a900;outline-offset:2px}"
    "ul.sesiones,ul.temas{list-style:none;margin:0;padding:0}"
    ".sesion{background:#fff;border:1px solid #d6dde1;border-left:5px solid "
    "#0b4f6c;border-radius:4px;padding:.75rem 1rem;margin:0 0 .75rem}"
    ".sesion.cancelada{border-left-color:#9b1c1c}"
    ".sesion.cancelada h4{text-decoration:line-through}"
    ".sesion.por-definir{border-left-color:#7a5a00}"
    ".dato{color:#3d3d3d}"
    ".estado{display:inline-block;font-size:.875rem;font-weight:600;"
    "padding:.05rem .5rem;border-radius:3px;background:#e3f1e6;"
    "color:#14532d}"
    ".estado.cancelada{background:#fbe3e3;color:#7f1d1d}"
    ".estado.por-definir{background:#fdf1d3;color:#5c4300}"
    ".tema{background:#fff;border:1px solid #d6dde1;border-radius:4px;"
    "padding:.6rem 1rem;margin:0 0 .5rem}"
    ".enlaces a{display:inline-block;margin:.25rem .75rem .25rem 0}"
    "button{font:inherit;font-weight:600;color:#fff;background:#9b1c1c;"
    "border:0;border-radius:4px;padding:.6rem 1.2rem;cursor:pointer}"
    "footer{margin-top:2.5rem;padding-bottom:2rem;font-size:.9rem;"
    "color:#444;border-top:1px solid #c9d3d8}"
    "@media (max-width:30rem){body{font-size:1rem}h1{font-size:1.45rem}"
    ".sesion{padding:.6rem .75rem}}";

const char *
public_anchor(const char *uid, char *buf)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)uid;
	size_t o = 0, n = strcspn(uid, "@"), i;
	unsigned char md[32];

	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			if (o + 1 >= PUBLIC_ANCHOR_MAX)
				break;
			buf[o++] = (char)c;
		} else {
			if (o + 3 >= PUBLIC_ANCHOR_MAX)
				break;
			buf[o++] = '%';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	if (i == n && o > 0) {
		buf[o] = '\0';
		return buf;
	}
	/* Too long (or empty): a digest of the whole UID. */
	if (token_sha256(uid, strlen(uid), md) < 0)
		memset(md, 0, sizeof(md));
	memcpy(buf, "uid-", 4);
	for (i = 0; i < 16; i++) {
		buf[4 + 2 * i] = (char)tolower(hex[md[i] >> 4]);
		buf[5 + 2 * i] = (char)tolower(hex[md[i] & 15]);
	}
	buf[36] = '\0';
	return buf;
}

#define PAGE_TITLE "Agenda de sesiones con la sociedad civil"

static void
page_head(struct buf *b, const char *title)
{
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"es\">\n<head>\n"
	            "<meta charset=\"utf-8\">\n"
	            "<meta name=\"viewport\" content=\"width=device-width, "
	            "initial-scale=1\">\n<title>");
	buf_add_html(b, title);
	buf_adds(b, "</title>\n<style>");
	buf_adds(b, public_page_css);
	buf_adds(b, "</style>\n</head>\n<body>\n");
}

static void
page_foot(struct public_site *ps, struct buf *b)
{
	buf_adds(b, "</main>\n<footer>\n<p>Todas las sesiones en un "
	            "calendario: <a href=\"");
	buf_add_html(b, ps->webcal);
	buf_adds(b, "/calendarios/todos.ics\">suscribirse (webcal)</a> · "
	            "<a href=\"");
	buf_add_html(b, ps->base);
	buf_adds(b, "/calendarios/todos.ics\">descargar (.ics)</a></p>\n"
	            "</footer>\n</body>\n</html>\n");
}

/* "Febrero de 2018": month names are lower case and start with ASCII. */
static void
page_month_heading(struct buf *b, int y, int m)
{
	const char *name = fecha_month_name(m);

	buf_addf(b, "<h3>%c%s de %d</h3>\n", name[0] - 'a' + 'A', name + 1, y);
}

static void
page_time(struct buf *b, int min)
{
	buf_addf(b, "%02d:%02d", min / 60, min % 60);
}

static int
page_undecided(const struct event *ev)
{
	return ev->kind == FECHA_TBD || ev->kind == FECHA_APPROX;
}

/* The session's date (or window) in words, with its times. */
static void
page_when(struct public_site *ps, struct buf *b, const struct event *ev)
{
	char words[160], iso[16];

	if (page_undecided(ev)) {
		fecha_window_words(ev->win_start, ev->win_end, words,
		                   sizeof(words));
		buf_adds(b, "Fecha por definir: ");
		buf_add_html(b, words);
		if (ev->kind == FECHA_APPROX && ev->duration_days > 0)
			buf_addf(b, " (%d días)", ev->duration_days);
		return;
	}
	snprintf(iso, sizeof(iso), "%04d-%02d-%02d", ev->start.y, ev->start.m,
	         ev->start.d);
	buf_addf(b, "<time datetime=\"%s\">", iso);
	if (ev->kind == FECHA_RANGE) {
		fecha_window_words(ev->start, ev->end, words, sizeof(words));
		buf_add_html(b, words);
	} else {
		fecha_date_words(ev->start, words, sizeof(words));
		buf_add_html(b, words);
	}
	buf_adds(b, "</time>");
	if (ev->start_min >= 0) {
		buf_adds(b, ", ");
		if (ev->end_min >= 0) {
			buf_adds(b, "de ");
			page_time(b, ev->start_min);
			buf_adds(b, " a ");
			page_time(b, ev->end_min);
		} else {
			page_time(b, ev->start_min);
		}
		buf_adds(b, " h");
		if (ev->tzid != NULL &&
		    strcmp(ev->tzid, ps->cfg->timezone) != 0) {
			buf_adds(b, " (hora de ");
			buf_add_html(b, ev->tzid);
			buf_adds(b, ")");
		}
	}
}

static void
page_session(struct public_site *ps, struct buf *b, const struct event *ev)
{
	const char *cls, *label;
	char sid[PUBLIC_ANCHOR_MAX];
	size_t i;

	if (ev->status == EVENT_CANCELLED) {
		cls = "cancelada";
		label = "Cancelada";
	} else if (page_undecided(ev)) {
		cls = "por-definir";
		label = "Fecha por definir";
	} else if (ev->status == EVENT_TENTATIVE) {
		cls = "por-definir";
		label = "Por confirmar";
	} else {
		cls = "confirmada";
		label = "Confirmada";
	}
	public_anchor(ev->uid, sid);
	buf_adds(b, "<li class=\"sesion ");
	buf_adds(b, cls);
	buf_adds(b, "\" id=\"");
	buf_add_html(b, sid);
	buf_adds(b, "\">\n<h4>");
	buf_add_html(b, ev->title);
	buf_adds(b, "</h4>\n<p class=\"dato fecha\">");
	page_when(ps, b, ev);
	buf_adds(b, "</p>\n");
	if (ev->location != NULL && *ev->location != '\0') {
		buf_adds(b, "<p class=\"dato lugar\">Lugar: ");
		buf_add_html(b, ev->location);
		buf_adds(b, "</p>\n");
	}
	if (ev->ntopics > 0) {
		buf_adds(b, "<p class=\"dato temas\">");
		buf_adds(b, ev->ntopics > 1 ? "Temas: " : "Tema: ");
		for (i = 0; i < ev->ntopics; i++) {
			if (i > 0)
				buf_adds(b, ", ");
			buf_adds(b, "<a href=\"/temas/");
			buf_add_html(b, ev->topics[i].slug);
			buf_adds(b, "\">");
			buf_add_html(b, ev->topics[i].name);
			buf_adds(b, "</a>");
		}
		buf_adds(b, "</p>\n");
	}
	buf_addf(b, "<p><span class=\"estado %s\">%s</span>", cls, label);
	if (ev->status == EVENT_CANCELLED && ev->reason != NULL &&
	    *ev->reason != '\0') {
		buf_adds(b, " <span class=\"dato\">");
		buf_add_html(b, ev->reason);
		buf_adds(b, "</span>");
	}
	buf_adds(b, "</p>\n</li>\n");
}

/* Dated sessions that have not ended, grouped by month; *expires gets the
 * end of the first of them (the page changes then). */
static void
page_upcoming(struct public_site *ps, struct buf *b, const struct event *evs,
              size_t n, int64_t now, int64_t *expires)
{
	int y = 0, m = 0, any = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct event *ev = &evs[i];
		int64_t start, end;

		if (page_undecided(ev) ||
		    event_span_utc(ev, &start, &end) < 0 || end <= now)
			continue;
		if (*expires == 0 || end < *expires)
			*expires = end;
		if (ev->start.y != y || ev->start.m != m) {
			if (any)
				buf_adds(b, "</ul>\n");
			y = ev->start.y;
			m = ev->start.m;
			page_month_heading(b, y, m);
			buf_adds(b, "<ul class=\"sesiones\">\n");
		}
		any = 1;
		page_session(ps, b, ev);
	}
	if (any)
		buf_adds(b, "</ul>\n");
	else
		buf_adds(b, "<p>No hay sesiones próximas con fecha.</p>\n");
}

/* Undecided sessions, each with its window in words. */
static void
page_undecided_list(struct public_site *ps, struct buf *b,
                    const struct event *evs, size_t n)
{
	int any = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!page_undecided(&evs[i]) ||
		    evs[i].status == EVENT_CANCELLED)
			continue;
		if (!any)
			buf_adds(b, "<ul class=\"sesiones\">\n");
		any = 1;
		page_session(ps, b, &evs[i]);
	}
	if (any)
		buf_adds(b, "</ul>\n");
	else
		buf_adds(b, "<p>Todas las sesiones tienen fecha.</p>\n");
}

static void
page_subscribe_links(struct public_site *ps, struct buf *b, const char *slug)
{
	buf_adds(b, "<p class=\"enlaces\"><a class=\"webcal\" href=\"");
	buf_add_html(b, ps->webcal);
	buf_adds(b, "/calendarios/");
	buf_add_html(b, slug);
	buf_adds(b, ".ics\">Suscribirse en su calendario</a><a class=\"https\" "
	            "href=\"");
	buf_add_html(b, ps->base);
	buf_adds(b, "/calendarios/");
	buf_add_html(b, slug);
	buf_adds(b, ".ics\">Dirección del calendario (.ics)</a></p>\n");
}

int
public_page_agenda(struct public_site *ps, struct buf *out, int64_t *expires)
{
	struct store_event_filter f = {.with_cancelled = 1};
	struct event *evs = NULL;
	struct topic *topics = NULL;
	size_t n = 0, nt = 0, i;
	int64_t now = clock_now();
	int r;

	*expires = 0;
	if ((r = store_event_list(ps->st, &f, &evs, &n)) < 0)
		return r;
	if ((r = store_topic_list(ps->st, &topics, &nt)) < 0) {
		event_array_free(evs, n);
		return r;
	}
	page_head(out, PAGE_TITLE);
	buf_adds(out, "<header>\n<h1>" PAGE_TITLE "</h1>\n"
	              "<p>Las sesiones de diálogo con organizaciones de la "
	              "sociedad civil, por tema. Suscríbase al calendario de "
	              "un tema y su programa de calendario mostrará cada "
	              "sesión y sus cambios.</p>\n"
	              "<nav><p><a href=\"#proximas\">Próximas sesiones</a> · "
	              "<a href=\"#por-definir\">Por definir</a> · "
	              "<a href=\"#temas\">Temas y calendarios</a></p></nav>\n"
	              "</header>\n<main>\n");
	buf_adds(out, "<section aria-labelledby=\"proximas\">\n"
	              "<h2 id=\"proximas\">Próximas sesiones</h2>\n");
	page_upcoming(ps, out, evs, n, now, expires);
	buf_adds(out, "</section>\n<section aria-labelledby=\"por-definir\">\n"
	              "<h2 id=\"por-definir\">Por definir</h2>\n"
	              "<p>Sesiones cuya fecha aún no se conoce, con el periodo "
	              "en que se esperan.</p>\n");
	page_undecided_list(ps, out, evs, n);
	buf_adds(out, "</section>\n<section aria-labelledby=\"temas\">\n"
	              "<h2 id=\"temas\">Temas y calendarios</h2>\n"
	              "<ul class=\"temas\">\n");
	for (i = 0; i < nt; i++) {
		buf_adds(out, "<li class=\"tema\"><h3><a href=\"/temas/");
		buf_add_html(out, topics[i].slug);
		buf_adds(out, "\">");
		buf_add_html(out, topics[i].nombre);
		buf_adds(out, "</a></h3>\n");
		buf_addf(out, "<p class=\"dato\">%ld %s</p>\n",
		         topics[i].events,
		         topics[i].events == 1 ? "sesión" : "sesiones");
		page_subscribe_links(ps, out, topics[i].slug);
		buf_adds(out, "</li>\n");
	}
	buf_adds(out, "</ul>\n</section>\n");
	page_foot(ps, out);
	event_array_free(evs, n);
	topic_array_free(topics, nt);
	return out->oom ? -ENOMEM : 0;
}

int
public_page_topic(struct public_site *ps, const char *slug, struct buf *out,
                  int64_t *expires)
{
	struct store_event_filter f = {.topic = slug, .with_cancelled = 1};
	struct event *evs = NULL;
	struct topic t;
	size_t n = 0, i;
	int64_t now = clock_now(), start, end;
	int r, past = 0;

	*expires = 0;
	if ((r = store_topic_get(ps->st, slug, &t)) < 0)
		return r;
	if (strcmp(t.slug, slug) != 0) {
		topic_fini(&t);
		return -ENOENT;
	}
	if ((r = store_event_list(ps->st, &f, &evs, &n)) < 0) {
		topic_fini(&t);
		return r;
	}
	page_head(out, t.nombre);
	buf_adds(out,
	         "<header>\n<p><a href=\"/\">" PAGE_TITLE "</a></p>\n<h1>");
	buf_add_html(out, t.nombre);
	buf_adds(out, "</h1>\n");
	if (t.title != NULL) {
		buf_adds(out, "<p>");
		buf_add_html(out, t.title);
		buf_adds(out, "</p>\n");
	}
	page_subscribe_links(ps, out, t.slug);
	buf_adds(out,
	         "</header>\n<main>\n<section aria-labelledby=\"proximas\">\n"
	         "<h2 id=\"proximas\">Próximas sesiones</h2>\n");
	page_upcoming(ps, out, evs, n, now, expires);
	buf_adds(out, "</section>\n<section aria-labelledby=\"por-definir\">\n"
	              "<h2 id=\"por-definir\">Por definir</h2>\n");
	page_undecided_list(ps, out, evs, n);
	buf_adds(out, "</section>\n");
	/* Past sessions too: the feeds' URLs point at every session. */
	for (i = 0; i < n; i++) {
		if (page_undecided(&evs[i]) ||
		    event_span_utc(&evs[i], &start, &end) < 0 || end > now)
			continue;
		if (!past)
			buf_adds(out,
			         "<section aria-labelledby=\"anteriores\">\n"
			         "<h2 id=\"anteriores\">Sesiones "
			         "anteriores</h2>\n<ul class=\"sesiones\">\n");
		past = 1;
		page_session(ps, out, &evs[i]);
	}
	if (past)
		buf_adds(out, "</ul>\n</section>\n");
	page_foot(ps, out);
	event_array_free(evs, n);
	topic_fini(&t);
	return out->oom ? -ENOMEM : 0;
}

void
public_page_baja(struct public_site *ps, const struct osc *o,
                 const struct topic *t, const char *token, int following,
                 int done, struct buf *out)
{
	page_head(out, done ? "Baja registrada" : "Dejar de recibir avisos");
	buf_adds(out, "<header>\n<h1>");
	buf_adds(out, done ? "Baja registrada" : "Dejar de recibir avisos");
	buf_adds(out, "</h1>\n</header>\n<main>\n<p>Organización: <strong>");
	buf_add_html(out, o->name);
	buf_adds(out, "</strong></p>\n<p>Tema: <strong>");
	buf_add_html(out, t->nombre);
	buf_adds(out, "</strong></p>\n");
	if (done) {
		buf_adds(out, "<p>Listo: la organización ya no recibirá avisos "
		              "de las sesiones de este tema. Los avisos de "
		              "sus otros temas siguen llegando.</p>\n");
	} else if (!following) {
		buf_adds(out, "<p>La organización ya no recibe avisos de este "
		              "tema. No hace falta hacer nada más.</p>\n");
	} else {
		buf_adds(out, "<p>Si confirma, la organización dejará de "
		              "recibir avisos de las sesiones de este tema. "
		              "Los avisos de sus otros temas seguirán "
		              "llegando.</p>\n<form method=\"post\" "
		              "action=\"/baja/");
		buf_add_html(out, token);
		buf_adds(out, "\">\n<input type=\"hidden\" "
		              "name=\"List-Unsubscribe\" value=\"One-Click\">\n"
		              "<p><button type=\"submit\">Confirmar la "
		              "baja</button></p>\n</form>\n");
	}
	buf_adds(out, "<p><a href=\"/\">Ver la agenda de sesiones</a></p>\n");
	page_foot(ps, out);
}

void
public_page_error(struct public_site *ps, int status, const char *title,
                  const char *text, struct buf *out)
{
	page_head(out, title);
	buf_adds(out, "<header>\n<h1>");
	buf_add_html(out, title);
	buf_adds(out, "</h1>\n</header>\n<main>\n<p>");
	buf_add_html(out, text);
	buf_addf(out, "</p>\n<p class=\"dato\">Código %d.</p>\n", status);
	buf_adds(out, "<p><a href=\"/\">Ver la agenda de sesiones</a></p>\n");
	page_foot(ps, out);
}
