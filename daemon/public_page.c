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
#include "signup.h"
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
    ".zona{color:#3d3d3d;white-space:nowrap}"
    ".estado.vencida{background:#eee;color:#333}"
    ".oficina{font-weight:600;color:#0b3548;margin:0 0 .25rem}"
    ".logo{display:block;max-height:4rem;max-width:100%;margin:0 0 .5rem}"
    "address{font-style:normal}"
    ".url{overflow-wrap:anywhere}"
    "button{font:inherit;font-weight:600;color:#fff;background:#9b1c1c;"
    "border:0;border-radius:4px;padding:.6rem 1.2rem;cursor:pointer}"
    "button.primario{background:#0b4f6c}"
    "form.suscripcion label{font-weight:600}"
    "form.suscripcion input[type=text],form.suscripcion input[type=email]"
    "{display:block;width:100%;max-width:30rem;font:inherit;"
    "padding:.4rem .5rem;border:1px solid #6b7a80;border-radius:3px}"
    "fieldset{border:1px solid #c9d3d8;border-radius:4px;margin:.75rem 0}"
    "legend{font-weight:600}"
    "ul.opciones{list-style:none;margin:0;padding:0;columns:16rem}"
    "ul.opciones label{font-weight:400}"
    ".sitio{position:absolute;left:-10000px;width:1px;height:1px;"
    "overflow:hidden}"
    ".error{background:#fbe3e3;color:#7f1d1d;border-left:5px solid "
    "#9b1c1c;padding:.5rem .75rem;font-weight:600}"
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

/* The office's name, or "" ([office] name). */
static const char *
page_office(const struct public_site *ps)
{
	return ps->cfg->office_name != NULL ? ps->cfg->office_name : "";
}

/* title, then " · " and the office's name when there is one. */
static void
page_head(struct public_site *ps, struct buf *b, const char *title)
{
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"es\">\n<head>\n"
	            "<meta charset=\"utf-8\">\n"
	            "<meta name=\"viewport\" content=\"width=device-width, "
	            "initial-scale=1\">\n<title>");
	buf_add_html(b, title);
	if (*page_office(ps)) {
		buf_adds(b, " · ");
		buf_add_html(b, page_office(ps));
	}
	buf_adds(b, "</title>\n<style>");
	buf_adds(b, public_page_css);
	buf_adds(b, "</style>\n</head>\n<body>\n");
}

/* The top of every page's header: the office's logo and name, when the
 * configuration gives them. */
static void
page_office_header(struct public_site *ps, struct buf *b)
{
	const char *logo = ps->cfg->office_logo_url;

	if (logo != NULL && *logo) {
		buf_adds(b, "<img class=\"logo\" src=\"");
		buf_add_html(b, logo);
		buf_adds(b, "\" alt=\"");
		buf_add_html(b,
		             *page_office(ps) ? page_office(ps) : "Logotipo");
		buf_adds(b, "\">\n");
	}
	if (*page_office(ps)) {
		buf_adds(b, "<p class=\"oficina\">");
		buf_add_html(b, page_office(ps));
		buf_adds(b, "</p>\n");
	}
}

/* s's '|'-separated lines, escaped, joined by <br>. */
static void
page_lines(struct buf *b, const char *s)
{
	while (*s) {
		size_t n = strcspn(s, "|"), lead = strspn(s, " \t");
		char *line;

		if (lead > n)
			lead = n;
		while (n > lead && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		line = strndup(s + lead, n - lead);
		if (line == NULL) {
			b->oom = 1;
			return;
		}
		buf_add_html(b, line);
		free(line);
		s += strcspn(s, "|");
		if (*s == '|') {
			s++;
			buf_adds(b, "<br>\n");
		}
	}
}

/* The tel: URI of a telephone as [office] phone allows it (RFC 3966):
 * "+52 55 3686 5100 ext. 4021" is tel:+525536865100;ext=4021. */
static void
page_tel_uri(struct buf *b, const char *phone)
{
	const char *p = phone;
	int ext = 0;

	buf_adds(b, "tel:");
	if (*p == '+')
		buf_adds(b, "+");
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			buf_add(b, p, 1);
		} else if (!ext &&
		           (*p == 'x' || *p == 'X' || *p == 'e' || *p == 'E')) {
			buf_adds(b, ";ext=");
			ext = 1;
		}
	}
}

/* The office's address, contact and privacy notice, from [office]. */
static void
page_office_footer(struct public_site *ps, struct buf *b)
{
	const struct config *c = ps->cfg;
	int email = c->office_email != NULL && *c->office_email;
	int phone = c->office_phone != NULL && *c->office_phone;
	int addr = c->office_address != NULL && *c->office_address;

	if (*page_office(ps) || email || phone || addr) {
		buf_adds(b, "<address>\n");
		if (*page_office(ps)) {
			buf_adds(b, "<p class=\"oficina\">");
			buf_add_html(b, page_office(ps));
			buf_adds(b, "</p>\n");
		}
		if (addr) {
			buf_adds(b, "<p class=\"domicilio\">");
			page_lines(b, c->office_address);
			buf_adds(b, "</p>\n");
		}
		if (email) {
			buf_adds(b, "<p class=\"contacto\">Correo: <a href=\""
			            "mailto:");
			buf_add_html(b, c->office_email);
			buf_adds(b, "\">");
			buf_add_html(b, c->office_email);
			buf_adds(b, "</a></p>\n");
		}
		if (phone) {
			buf_adds(b,
			         "<p class=\"contacto\">Teléfono: <a href=\"");
			page_tel_uri(b, c->office_phone);
			buf_adds(b, "\">");
			buf_add_html(b, c->office_phone);
			buf_adds(b, "</a></p>\n");
		}
		buf_adds(b, "</address>\n");
	}
	/* The daemon's own notice stands in while the form is offered. */
	if ((c->office_privacy_url != NULL && *c->office_privacy_url) ||
	    signup_mode(c) != SIGNUP_OFF) {
		buf_adds(b, "<p><a class=\"privacidad\" href=\"");
		buf_add_html(b, public_form_privacy_url(ps));
		buf_adds(b, "\">Aviso de privacidad</a></p>\n");
	}
}

/* s percent-encoded as a URL query value: every byte but A-Z a-z 0-9
 * - . _ ~ (RFC 3986's unreserved), so any URL or name fits. */
static void
page_query_value(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			buf_add(b, s, 1);
		} else {
			char esc[3] = {'%', hex[c >> 4], hex[c & 15]};

			buf_add(b, esc, 3);
		}
	}
}

/*
 * The ways to subscribe to feed file (like "agua.ics") named name: the
 * webcal:// link calendar programs open, Google Calendar's and Outlook's
 * "add by URL" pages (Chrome on Android and Windows have no webcal
 * handler), and the https address itself, to copy.
 */
static void
page_subscribe(struct public_site *ps, struct buf *b, const char *file,
               const char *name)
{
	struct buf url = {0};

	buf_adds(b, "<p class=\"enlaces\"><a class=\"webcal\" href=\"");
	buf_add_html(b, ps->webcal);
	buf_adds(b, "/calendarios/");
	buf_add_html(b, file);
	buf_adds(b, "\">Suscribirse en su calendario</a>"
	            "<a class=\"google\" href=\"https://calendar.google.com/"
	            "calendar/r?cid=");
	buf_addf(&url, "%s/calendarios/%s", ps->webcal, file);
	page_query_value(b, url.p != NULL ? url.p : "");
	buf_adds(b, "\">Agregar a Google Calendar</a>"
	            "<a class=\"outlook\" href=\"https://outlook.live.com/"
	            "calendar/0/addfromweb?url=");
	url.len = 0;
	buf_addf(&url, "%s/calendarios/%s", ps->base, file);
	page_query_value(b, url.p != NULL ? url.p : "");
	buf_adds(b, "&amp;name=");
	page_query_value(b, name);
	buf_adds(b, "\">Agregar a Outlook</a></p>\n"
	            "<p class=\"dato\">Dirección del calendario: <a "
	            "class=\"https url\" href=\"");
	buf_add_html(b, url.p != NULL ? url.p : "");
	buf_adds(b, "\">");
	buf_add_html(b, url.p != NULL ? url.p : "");
	buf_adds(b, "</a></p>\n");
	if (url.oom)
		b->oom = 1;
	buf_fini(&url);
}

static void
page_foot(struct public_site *ps, struct buf *b)
{
	buf_adds(b, "</main>\n<footer>\n");
	page_office_footer(ps, b);
	buf_adds(b, "<p>Todas las sesiones en un calendario:</p>\n");
	page_subscribe(ps, b, "todos.ics", "Todas las sesiones");
	buf_adds(b, "</footer>\n</body>\n</html>\n");
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

/* Mexico's four zones by the names people know them by (the tzdata zones
 * of each), some cities abroad by their Spanish names; every other zone
 * by its city as tzdata spells it. */
static const struct {
	const char *tzid, *words;
} page_zones[] = {
    {"America/Mexico_City", "hora del centro"},
    {"America/Monterrey", "hora del centro"},
    {"America/Merida", "hora del centro"},
    {"America/Matamoros", "hora del centro"},
    {"America/Chihuahua", "hora del centro"},
    {"America/Ojinaga", "hora del centro"},
    {"America/Bahia_Banderas", "hora del centro"},
    {"Mexico/General", "hora del centro"},
    {"America/Cancun", "hora del sureste"},
    {"America/Mazatlan", "hora del Pacífico"},
    {"America/Hermosillo", "hora del Pacífico"},
    {"America/Ciudad_Juarez", "hora del Pacífico"},
    {"Mexico/BajaSur", "hora del Pacífico"},
    {"America/Tijuana", "hora del noroeste"},
    {"America/Ensenada", "hora del noroeste"},
    {"America/Santa_Isabel", "hora del noroeste"},
    {"Mexico/BajaNorte", "hora del noroeste"},
    /* Cities sessions abroad are often in, by their Spanish names. */
    {"America/New_York", "hora de Nueva York"},
    {"America/Los_Angeles", "hora de Los Ángeles"},
    {"America/Havana", "hora de La Habana"},
    {"America/Bogota", "hora de Bogotá"},
    {"America/Panama", "hora de Panamá"},
    {"America/Sao_Paulo", "hora de São Paulo"},
    {"Europe/Warsaw", "hora de Varsovia"},
    {"Europe/Zurich", "hora de Ginebra"},
    {"Europe/Brussels", "hora de Bruselas"},
    {"Europe/London", "hora de Londres"},
    {"Europe/Paris", "hora de París"},
    {"Europe/Rome", "hora de Roma"},
    {"Europe/Vienna", "hora de Viena"},
    {"Europe/Berlin", "hora de Berlín"},
    {"Europe/Lisbon", "hora de Lisboa"},
    {"Europe/Moscow", "hora de Moscú"},
    {"Asia/Tokyo", "hora de Tokio"},
    {"Africa/Casablanca", "hora de Casablanca"},
};

/*
 * "(hora del centro, CST)": the zone a session's times are in, at utc,
 * in words and with tzdata's abbreviation, or the offset from UTC where
 * tzdata has no letters for it ("(hora de Casablanca, UTC+1)").
 */
static void
page_zone(struct buf *b, const char *tzid, int64_t utc)
{
	const char *city;
	char abbr[16];
	int off = 0;
	size_t i;

	buf_adds(b, " <span class=\"zona\">(");
	for (i = 0; i < sizeof(page_zones) / sizeof(page_zones[0]); i++)
		if (strcmp(page_zones[i].tzid, tzid) == 0)
			break;
	if (i < sizeof(page_zones) / sizeof(page_zones[0])) {
		buf_adds(b, page_zones[i].words);
	} else if (strcmp(tzid, "UTC") == 0) {
		buf_adds(b, "hora UTC)</span>");
		return;
	} else {
		char *words;

		city = strrchr(tzid, '/');
		words = strdup(city != NULL ? city + 1 : tzid);
		if (words == NULL) {
			b->oom = 1;
			return;
		}
		for (char *p = words; *p; p++)
			if (*p == '_')
				*p = ' ';
		buf_adds(b, "hora de ");
		buf_add_html(b, words);
		free(words);
	}
	if (event_tz_abbrev(tzid, utc, abbr, sizeof(abbr), &off) == 0) {
		if (abbr[0]) {
			buf_adds(b, ", ");
			buf_add_html(b, abbr);
		} else {
			int a = off < 0 ? -off : off;

			buf_addf(b, ", UTC%c%d", off < 0 ? '-' : '+', a / 3600);
			if (a % 3600)
				buf_addf(b, ":%02d", a % 3600 / 60);
		}
	}
	buf_adds(b, ")</span>");
}

/* Has an undecided session's window ended before today (office zone)? */
static int
page_window_closed(const struct event *ev, struct fecha_date today)
{
	return page_undecided(ev) && today.y != 0 &&
	       fecha_date_to_days(ev->win_end) < fecha_date_to_days(today);
}

/* The session's date (or window) in words, with its times and their
 * zone. today (office zone) tells a window that has closed. */
static void
page_when(struct buf *b, const struct event *ev, struct fecha_date today)
{
	char words[160], iso[16];
	int64_t start, end;

	if (page_undecided(ev)) {
		fecha_window_words(ev->win_start, ev->win_end, words,
		                   sizeof(words));
		buf_adds(b, "Fecha por definir: ");
		buf_add_html(b, words);
		if (ev->kind == FECHA_APPROX && ev->duration_days > 0)
			buf_addf(b, " (%d días)", ev->duration_days);
		if (page_window_closed(ev, today))
			buf_adds(b, ". El periodo previsto ya terminó y la "
			            "fecha aún no se fija.");
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
		if (event_span_utc(ev, &start, &end) == 0)
			page_zone(
			    b, ev->tzid != NULL ? ev->tzid : EVENT_DEFAULT_TZID,
			    start);
	}
}

static void
page_session(struct buf *b, const struct event *ev, struct fecha_date today)
{
	const char *cls, *label;
	char sid[PUBLIC_ANCHOR_MAX];
	size_t i;

	if (ev->status == EVENT_CANCELLED) {
		cls = "cancelada";
		label = "Cancelada";
	} else if (page_window_closed(ev, today)) {
		cls = "por-definir vencida";
		label = "Periodo vencido, fecha por definir";
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
	page_when(b, ev, today);
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
page_upcoming(struct buf *b, const struct event *evs, size_t n, int64_t now,
              struct fecha_date today, int64_t *expires)
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
		page_session(b, ev, today);
	}
	if (any)
		buf_adds(b, "</ul>\n");
	else
		buf_adds(b, "<p>No hay sesiones próximas con fecha.</p>\n");
}

/*
 * Undecided sessions, each with its window in words: those whose window
 * is open or ahead, then those whose window has closed (today, office
 * zone) with the date still unset, marked so. *expires gets the instant
 * the next open window closes (the page changes then).
 */
static void
page_undecided_list(struct public_site *ps, struct buf *b,
                    const struct event *evs, size_t n, struct fecha_date today,
                    int64_t *expires)
{
	int any = 0, closed = 0, pass;
	size_t i;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			const struct event *ev = &evs[i];
			int64_t at;

			if (!page_undecided(ev) ||
			    ev->status == EVENT_CANCELLED ||
			    page_window_closed(ev, today) != pass)
				continue;
			if (pass == 0 &&
			    event_local_to_utc(ps->cfg->timezone,
			                       fecha_date_add(ev->win_end, 1),
			                       0, &at) == 0 &&
			    (*expires == 0 || at < *expires))
				*expires = at;
			if (pass == 1 && !closed) {
				if (any)
					buf_adds(b, "</ul>\n");
				buf_adds(b, "<h3>Periodo vencido</h3>\n<p>El "
				            "periodo en que se esperaban ya "
				            "terminó y su fecha aún no se "
				            "fija.</p>\n");
				closed = 1;
				any = 0;
			}
			if (!any)
				buf_adds(b, "<ul class=\"sesiones\">\n");
			any = 1;
			page_session(b, ev, today);
		}
	}
	if (any)
		buf_adds(b, "</ul>\n");
	else if (!closed)
		buf_adds(b, "<p>Todas las sesiones tienen fecha.</p>\n");
}

/* Today in the office's zone (all zero if the zone is unknown). */
static struct fecha_date
page_today(struct public_site *ps, int64_t now)
{
	struct fecha_date d = {0, 0, 0};
	int min;

	if (event_utc_to_local(ps->cfg->timezone, now, &d, &min) < 0)
		memset(&d, 0, sizeof(d));
	return d;
}

/* A topic's subscribe links, its feed named by the topic. */
static void
page_topic_subscribe(struct public_site *ps, struct buf *b,
                     const struct topic *t)
{
	char file[PUBLIC_SLUG_MAX + 8];

	snprintf(file, sizeof(file), "%s.ics", t->slug);
	page_subscribe(ps, b, file, t->nombre);
}

int
public_page_agenda(struct public_site *ps, struct buf *out, int64_t *expires)
{
	struct store_event_filter f = {.with_cancelled = 1};
	struct event *evs = NULL;
	struct topic *topics = NULL;
	struct fecha_date today;
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
	today = page_today(ps, now);
	page_head(ps, out, PAGE_TITLE);
	buf_adds(out, "<header>\n");
	page_office_header(ps, out);
	buf_adds(out, "<h1>" PAGE_TITLE "</h1>\n"
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
	page_upcoming(out, evs, n, now, today, expires);
	buf_adds(out, "</section>\n<section aria-labelledby=\"por-definir\">\n"
	              "<h2 id=\"por-definir\">Por definir</h2>\n"
	              "<p>Sesiones cuya fecha aún no se conoce, con el periodo "
	              "en que se esperan.</p>\n");
	page_undecided_list(ps, out, evs, n, today, expires);
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
		page_topic_subscribe(ps, out, &topics[i]);
		buf_adds(out, "</li>\n");
	}
	buf_adds(out, "</ul>\n</section>\n");
	if (signup_mode(ps->cfg) != SIGNUP_OFF)
		public_form_signup(ps, out, topics, nt, NULL, NULL);
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
	struct fecha_date today;
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
	today = page_today(ps, now);
	page_head(ps, out, t.nombre);
	buf_adds(out, "<header>\n");
	page_office_header(ps, out);
	buf_adds(out, "<p><a href=\"/\">" PAGE_TITLE "</a></p>\n<h1>");
	buf_add_html(out, t.nombre);
	buf_adds(out, "</h1>\n");
	if (t.title != NULL) {
		buf_adds(out, "<p>");
		buf_add_html(out, t.title);
		buf_adds(out, "</p>\n");
	}
	page_topic_subscribe(ps, out, &t);
	buf_adds(out,
	         "</header>\n<main>\n<section aria-labelledby=\"proximas\">\n"
	         "<h2 id=\"proximas\">Próximas sesiones</h2>\n");
	page_upcoming(out, evs, n, now, today, expires);
	buf_adds(out, "</section>\n<section aria-labelledby=\"por-definir\">\n"
	              "<h2 id=\"por-definir\">Por definir</h2>\n");
	page_undecided_list(ps, out, evs, n, today, expires);
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
		page_session(out, &evs[i], today);
	}
	if (past)
		buf_adds(out, "</ul>\n</section>\n");
	if (signup_mode(ps->cfg) != SIGNUP_OFF) {
		struct topic *topics = NULL;
		size_t nt = 0;

		if ((r = store_topic_list(ps->st, &topics, &nt)) < 0) {
			event_array_free(evs, n);
			topic_fini(&t);
			return r;
		}
		public_form_signup(ps, out, topics, nt, t.slug, NULL);
		topic_array_free(topics, nt);
	}
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
	page_head(ps, out,
	          done ? "Baja registrada" : "Dejar de recibir avisos");
	buf_adds(out, "<header>\n");
	page_office_header(ps, out);
	buf_adds(out, "<h1>");
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
public_page_open(struct public_site *ps, struct buf *out, const char *title)
{
	page_head(ps, out, title);
	buf_adds(out, "<header>\n");
	page_office_header(ps, out);
	buf_adds(out, "<p><a href=\"/\">" PAGE_TITLE "</a></p>\n<h1>");
	buf_add_html(out, title);
	buf_adds(out, "</h1>\n</header>\n<main>\n");
}

void
public_page_close(struct public_site *ps, struct buf *out)
{
	page_foot(ps, out);
}

void
public_page_subscribe(struct public_site *ps, struct buf *out, const char *file,
                      const char *name)
{
	page_subscribe(ps, out, file, name);
}

void
public_page_error(struct public_site *ps, int status, const char *title,
                  const char *text, struct buf *out)
{
	page_head(ps, out, title);
	buf_adds(out, "<header>\n");
	page_office_header(ps, out);
	buf_adds(out, "<h1>");
	buf_add_html(out, title);
	buf_adds(out, "</h1>\n</header>\n<main>\n<p>");
	buf_add_html(out, text);
	buf_addf(out, "</p>\n<p class=\"dato\">Código %d.</p>\n", status);
	buf_adds(out, "<p><a href=\"/\">Ver la agenda de sesiones</a></p>\n");
	page_foot(ps, out);
}
