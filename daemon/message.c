/* message: the emails organisations read, rendered as RFC 5322 + MIME.
 *
 * A message is built in one growing buffer: the headers (every value
 * cleaned of control characters, non-ASCII text as RFC 2047 encoded
 * words), then a multipart/alternative body whose parts are
 * quoted-printable text and HTML from the templates and the base64
 * iCalendar part from event_calendar_render. The boundary starts with
 * "=_", which neither quoted-printable nor base64 output can contain.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "event.h"
#include "fecha.h"
#include "message.h"
#include "message_mime.h"
#include "templates.h"

#define SUBJECT_TITLE 120 /* characters of a title kept in a subject */
#define TEMPLATE_MAX  (1024 * 1024)
#define SECTION_DEPTH 8
#define OFFICE_PHRASE "hora del centro de México"

static void __attribute__((format(printf, 3, 4)))
err_set(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *
str_or_empty(const char *s)
{
	return s ? s : "";
}

/* ---- header fields ------------------------------------------------------ */

/* "Name <addr>" or "addr" into its cleaned parts (both malloc'ed). */
static int
from_split(const char *from, char **name, char **addr)
{
	const char *lt = strrchr(str_or_empty(from), '<');
	int toolong;
	*name = NULL;
	*addr = NULL;
	if (lt) {
		char *raw = strndup(from, (size_t)(lt - from));
		if (!raw)
			return -ENOMEM;
		/* A quoted display name loses its quotes: it is re-encoded. */
		for (char *q = raw; *q; q++)
			if (*q == '"')
				*q = ' ';
		*name = mime_hdr_clean(raw);
		free(raw);
		*addr = mime_token_clean(lt + 1, &toolong);
	} else {
		*name = mime_hdr_clean("");
		*addr = mime_token_clean(from, &toolong);
	}
	if (!*name || !*addr) {
		free(*name);
		free(*addr);
		*name = *addr = NULL;
		return toolong ? -EINVAL : -ENOMEM;
	}
	return 0;
}

/* 1 if addr looks like local@domain with nothing a header could abuse. */
static int
addr_ok(const char *addr)
{
	const char *at = strchr(addr, '@');
	if (!at || at == addr || !at[1] || strchr(at + 1, '@'))
		return 0;
	if (strlen(addr) > 254)
		return 0;
	for (const unsigned char *s = (const unsigned char *)addr; *s; s++)
		if (*s <= 0x20 || *s == 0x7f || strchr(",;<>\"()[]\\", *s))
			return 0;
	return 1;
}

/* ---- subjects ----------------------------------------------------------- */

/*
 * A copy of a cleaned title of at most max characters (code points): cut
 * at the last space before the limit (or at the limit when the last word
 * is very long), trailing punctuation dropped, "…" appended.
 */
static char *
title_shorten(const char *title, size_t max)
{
	size_t chars = 0, cut = 0, space = 0, space_chars = 0;
	const char *s = title;
	for (size_t i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (chars == max) {
			cut = i;
			break;
		}
		if (s[i] == ' ') {
			space = i;
			space_chars = chars;
		}
		chars++;
	}
	if (!cut)
		return strdup(title);
	if (space && space_chars > max / 2)
		cut = space;
	while (cut > 0 && strchr(" ,.;:-", s[cut - 1]))
		cut--;
	char *out = malloc(cut + sizeof("…"));
	if (!out)
		return NULL;
	memcpy(out, s, cut);
	memcpy(out + cut, "…", sizeof("…"));
	return out;
}

/* "8 de febrero" for a dated session; the window words otherwise. */
static void
subject_date(const struct event *ev, char *buf, size_t buflen)
{
	if (ev->kind == FECHA_TBD || ev->kind == FECHA_APPROX) {
		fecha_window_words(ev->win_start, ev->win_end, buf, buflen);
		return;
	}
	snprintf(buf, buflen, "%d de %s", ev->start.d,
	         str_or_empty(fecha_month_name(ev->start.m)));
}

/* The subject, uncleaned (the header writer cleans it). malloc'ed. */
static char *
subject_make(const struct message_input *in)
{
	const char *prefix = NULL;
	int dated = 0;
	switch (in->kind) {
	case MESSAGE_REMINDER:
		prefix = "Recordatorio";
		dated = 1;
		break;
	case MESSAGE_DATED:
		prefix = "Ya tiene fecha";
		dated = 1;
		break;
	case MESSAGE_MOVED:
		prefix = "Cambio de fecha";
		break;
	case MESSAGE_PLACE:
		prefix = "Cambio de sede";
		break;
	case MESSAGE_CANCEL:
		prefix = "Cancelada";
		break;
	case MESSAGE_STAFF: {
		char *clean = mime_hdr_clean(in->subject);
		if (!clean)
			return NULL;
		char *out = title_shorten(clean, 2 * SUBJECT_TITLE);
		free(clean);
		return out;
	}
	}
	char *clean = mime_hdr_clean(in->ev->title);
	char *title = clean ? title_shorten(clean, SUBJECT_TITLE) : NULL;
	free(clean);
	if (!title)
		return NULL;
	char date[160] = "";
	if (dated)
		subject_date(in->ev, date, sizeof(date));
	char *out = NULL;
	int r;
	if (date[0])
		r = asprintf(&out, "%s: %s — %s", prefix, title, date);
	else
		r = asprintf(&out, "%s: %s", prefix, title);
	free(title);
	return r < 0 ? NULL : out;
}

/* ---- date words --------------------------------------------------------- */

/*
 * The city of a place written "…, City, Country" (the part before the
 * last comma) or a bare "City"; NULL when the place is absent or reads
 * like an address (digits), so the caller falls back to the zone's name.
 */
static int
place_city(const char *place, char *buf, size_t buflen)
{
	if (!place || !*place || strpbrk(place, "0123456789"))
		return 0;
	const char *end = strrchr(place, ',');
	const char *start = place;
	if (end) {
		start = end;
		while (start > place && start[-1] != ',')
			start--;
	} else {
		end = place + strlen(place);
	}
	while (start < end && (*start == ' ' || *start == ','))
		start++;
	while (end > start && end[-1] == ' ')
		end--;
	size_t n = (size_t)(end - start);
	if (n == 0 || n >= buflen || n > 40)
		return 0;
	memcpy(buf, start, n);
	buf[n] = '\0';
	return 1;
}

/* The zone's city as its TZID spells it: "Europe/Warsaw" gives "Warsaw",
 * "America/Argentina/Buenos_Aires" gives "Buenos Aires". */
static void
tzid_city(const char *tzid, char *buf, size_t buflen)
{
	const char *slash = strrchr(tzid, '/');
	snprintf(buf, buflen, "%s", slash ? slash + 1 : tzid);
	for (char *p = buf; *p; p++)
		if (*p == '_')
			*p = ' ';
}

/* "hora del centro de México", "hora de Katowice (Europe/Warsaw)",
 * "hora local de Warsaw" for a timed session in zone tzid. */
static void
zone_words(const struct event *ev, const char *tzid, const char *office,
           char *buf, size_t buflen)
{
	char city[64];
	/* The office's own zone, and the country's, go by their usual name. */
	if (!strcmp(tzid, "America/Mexico_City")) {
		snprintf(buf, buflen, "%s", OFFICE_PHRASE);
	} else if (strcmp(tzid, office) && ev &&
	           place_city(ev->location, city, sizeof(city))) {
		snprintf(buf, buflen, "hora de %s (%s)", city, tzid);
	} else {
		tzid_city(tzid, city, sizeof(city));
		snprintf(buf, buflen, "hora local de %s", city);
	}
}

int
message_when_words(const struct event *ev, const char *office_tzid, char *buf,
                   size_t buflen)
{
	char a[96], b[96], win[160], zone[160];
	const char *tzid = ev->tzid ? ev->tzid : EVENT_DEFAULT_TZID;
	const char *office = office_tzid ? office_tzid : EVENT_DEFAULT_TZID;
	int n;

	if (!buflen)
		return -ENOSPC;
	buf[0] = '\0';
	switch (ev->kind) {
	case FECHA_TBD:
	case FECHA_APPROX:
		fecha_window_words(ev->win_start, ev->win_end, win,
		                   sizeof(win));
		n = snprintf(buf, buflen, "por definir (%s)", win);
		break;
	case FECHA_DATE:
	case FECHA_RANGE:
		if (!fecha_date_valid(ev->start))
			return -EINVAL;
		if (ev->kind == FECHA_RANGE &&
		    fecha_date_cmp(ev->end, ev->start) > 0) {
			const char *sw =
			    fecha_weekday_name(fecha_weekday(ev->start));
			if (ev->start.y != ev->end.y)
				n = snprintf(
				    buf, buflen, "del %s al %s",
				    fecha_date_words(ev->start, a, sizeof(a)),
				    fecha_date_words(ev->end, b, sizeof(b)));
			else if (ev->start.m != ev->end.m)
				n = snprintf(
				    buf, buflen, "del %s %d de %s al %s", sw,
				    ev->start.d, fecha_month_name(ev->start.m),
				    fecha_date_words(ev->end, b, sizeof(b)));
			else
				n = snprintf(
				    buf, buflen, "del %s %d al %s", sw,
				    ev->start.d,
				    fecha_date_words(ev->end, b, sizeof(b)));
			break;
		}
		fecha_date_words(ev->start, a, sizeof(a));
		if (ev->start_min < 0) {
			n = snprintf(buf, buflen, "%s", a);
			break;
		}
		zone_words(ev, tzid, office, zone, sizeof(zone));
		n = snprintf(buf, buflen, "%s, %02d:%02d h, %s", a,
		             ev->start_min / 60, ev->start_min % 60, zone);
		break;
	default:
		return -EINVAL;
	}
	return n < 0 || (size_t)n >= buflen ? -ENOSPC : 0;
}

/* ---- templates ---------------------------------------------------------- */

struct tpl_var {
	const char *name;
	const char *value; /* NULL or "" = empty */
};

/*
 * The text of template name ("recordatorio.txt"): the operator's file in
 * dir when there is one, else the built-in. *owned is set to the malloc'ed
 * copy when the text came from a file (the caller frees it).
 */
static int
tpl_load(const char *dir, const char *name, const char **text, char **owned,
         char *err, size_t errlen)
{
	*owned = NULL;
	if (dir && *dir) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		FILE *f = fopen(path, "rb");
		if (f) {
			struct buf b = {0};
			char chunk[4096];
			size_t n;
			while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 &&
			       b.len <= TEMPLATE_MAX)
				buf_add(&b, chunk, n);
			int bad = ferror(f) || b.len > TEMPLATE_MAX;
			fclose(f);
			if (b.oom || bad) {
				buf_fini(&b);
				err_set(err, errlen,
				        "template %s: cannot read it or "
				        "larger than 1 MiB",
				        path);
				return b.oom ? -ENOMEM : -EIO;
			}
			if (!b.p)
				buf_add(&b, "", 0);
			if (b.oom)
				return -ENOMEM;
			*owned = b.p;
			*text = b.p;
			return 0;
		}
		if (errno != ENOENT && errno != ENOTDIR) {
			int e = errno;
			err_set(err, errlen, "template %s: %s", path,
			        strerror(e));
			return -e;
		}
	}
	for (unsigned i = 0; i < message_templates_count; i++) {
		if (!strcmp(message_templates[i].name, name)) {
			*text = message_templates[i].text;
			return 0;
		}
	}
	err_set(err, errlen, "no template named %s", name);
	return -ENOENT;
}

static const struct tpl_var *
tpl_var_find(const struct tpl_var *vars, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(vars[i].name) == len &&
		    !memcmp(vars[i].name, name, len))
			return &vars[i];
	return NULL;
}

/* Append value HTML-escaped, line breaks as <br>. */
static void
html_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			buf_adds(b, "&amp;");
			break;
		case '<':
			buf_adds(b, "&lt;");
			break;
		case '>':
			buf_adds(b, "&gt;");
			break;
		case '"':
			buf_adds(b, "&quot;");
			break;
		case '\'':
			buf_adds(b, "&#39;");
			break;
		case '\r':
			if (s[1] == '\n')
				s++;
			/* fall through */
		case '\n':
			buf_adds(b, "<br>\n");
			break;
		default:
			buf_addc(b, *s);
		}
	}
}

/*
 * Expand template src (named name, for messages) into out: {{var}} is
 * the value (HTML-escaped when html), {{#var}}…{{/var}} keeps its inside
 * only when the value is non-empty. A section tag alone on its line
 * takes its line end with it. Unknown names and unbalanced sections are
 * errors (-EINVAL with a message).
 */
static int
tpl_expand(const char *name, const char *src, const struct tpl_var *vars,
           size_t nvars, int html, struct buf *out, char *err, size_t errlen)
{
	const char *stack[SECTION_DEPTH];
	size_t stack_len[SECTION_DEPTH];
	int depth = 0, hidden = 0; /* hidden: depth at which output stopped */
	const char *p = src;

	for (;;) {
		const char *open = strstr(p, "{{");
		const char *upto = open ? open : p + strlen(p);
		if (!hidden)
			buf_add(out, p, (size_t)(upto - p));
		if (!open)
			break;
		const char *close = strstr(open + 2, "}}");
		if (!close) {
			err_set(err, errlen, "template %s: '{{' without '}}'",
			        name);
			return -EINVAL;
		}
		const char *t = open + 2, *te = close;
		while (t < te && *t == ' ')
			t++;
		while (te > t && te[-1] == ' ')
			te--;
		char sigil = (t < te && (*t == '#' || *t == '/')) ? *t : 0;
		if (sigil)
			t++;
		size_t len = (size_t)(te - t);
		const struct tpl_var *v = tpl_var_find(vars, nvars, t, len);
		if (!v) {
			err_set(err, errlen,
			        "template %s: unknown placeholder {{%.*s}}",
			        name, (int)(close + 2 - open - 4), open + 2);
			return -EINVAL;
		}
		p = close + 2;
		if (!sigil) {
			if (hidden || !v->value)
				continue;
			if (html)
				html_escape(out, v->value);
			else
				buf_adds(out, v->value);
			continue;
		}
		/* A standalone tag line vanishes entirely. */
		if ((open == src || open[-1] == '\n') &&
		    (*p == '\n' || (p[0] == '\r' && p[1] == '\n')))
			p += *p == '\r' ? 2 : 1;
		if (sigil == '#') {
			if (depth == SECTION_DEPTH) {
				err_set(err, errlen,
				        "template %s: sections nested too "
				        "deep",
				        name);
				return -EINVAL;
			}
			stack[depth] = t;
			stack_len[depth] = len;
			depth++;
			if (!hidden && !(v->value && *v->value))
				hidden = depth;
		} else {
			if (!depth || stack_len[depth - 1] != len ||
			    memcmp(stack[depth - 1], t, len)) {
				err_set(err, errlen,
				        "template %s: {{/%.*s}} closes no "
				        "open section",
				        name, (int)len, t);
				return -EINVAL;
			}
			if (hidden == depth)
				hidden = 0;
			depth--;
		}
	}
	if (depth) {
		err_set(err, errlen, "template %s: {{#%.*s}} is never closed",
		        name, (int)stack_len[depth - 1], stack[depth - 1]);
		return -EINVAL;
	}
	return out->oom ? -ENOMEM : 0;
}

static int
tpl_render(const char *dir, const char *base, const char *ext,
           const struct tpl_var *vars, size_t nvars, struct buf *out, char *err,
           size_t errlen)
{
	char name[64];
	const char *text;
	char *owned;
	snprintf(name, sizeof(name), "%s.%s", base, ext);
	int r = tpl_load(dir, name, &text, &owned, err, errlen);
	if (r < 0)
		return r;
	r = tpl_expand(name, text, vars, nvars, !strcmp(ext, "html"), out, err,
	               errlen);
	free(owned);
	return r;
}

/* FNV-1a, for a boundary that follows from the message id. */
static uint64_t
hash64(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* ---- the message -------------------------------------------------------- */

static const char *
kind_template(enum message_kind kind)
{
	switch (kind) {
	case MESSAGE_REMINDER:
		return "recordatorio";
	case MESSAGE_DATED:
		return "fecha";
	case MESSAGE_MOVED:
		return "cambio-fecha";
	case MESSAGE_PLACE:
		return "cambio-sede";
	case MESSAGE_CANCEL:
		return "cancelada";
	case MESSAGE_STAFF:
		return "personal";
	}
	return NULL;
}

/* Everything message_render allocates, freed in one place. */
struct parts {
	char *from_name, *from_addr, *msgid, *list_id, *topic, *unsub_url,
	    *unsub_mailto, *subject, *ical, *organizer;
	struct buf text, html;
};

static void
parts_free(struct parts *p)
{
	free(p->from_name);
	free(p->from_addr);
	free(p->msgid);
	free(p->list_id);
	free(p->topic);
	free(p->unsub_url);
	free(p->unsub_mailto);
	free(p->subject);
	free(p->ical);
	free(p->organizer);
	buf_fini(&p->text);
	buf_fini(&p->html);
}

static int
check_input(const struct message_input *in, char *err, size_t errlen)
{
	if (!in || !kind_template(in->kind)) {
		err_set(err, errlen, "message: no input or unknown kind");
		return -EINVAL;
	}
	if (in->kind != MESSAGE_STAFF && (!in->ev || !in->ev->title)) {
		err_set(err, errlen,
		        "message: a session with a title is "
		        "needed");
		return -EINVAL;
	}
	if (in->kind == MESSAGE_STAFF && (!in->subject || !in->body_text)) {
		err_set(err, errlen,
		        "message: staff mail needs a subject and "
		        "a text");
		return -EINVAL;
	}
	if (!in->from || !in->message_id || !*in->message_id || !in->to ||
	    !in->to[0]) {
		err_set(err, errlen,
		        "message: from, to and message id are "
		        "required");
		return -EINVAL;
	}
	return 0;
}

/* Clean every header field into p; -EINVAL with a message if one is
 * unusable. */
static int
parts_fields(const struct message_input *in, struct parts *p, char *err,
             size_t errlen)
{
	int toolong = 0, r = from_split(in->from, &p->from_name, &p->from_addr);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || !addr_ok(p->from_addr)) {
		err_set(err, errlen, "message: bad From address");
		return -EINVAL;
	}
	for (size_t i = 0; in->to[i]; i++) {
		if (!addr_ok(in->to[i])) {
			err_set(err, errlen,
			        "message: bad recipient address "
			        "(spaces, commas or controls)");
			return -EINVAL;
		}
	}
	struct {
		const char *src;
		char **dst;
		const char *what;
	} tokens[] = {
	    {in->message_id, &p->msgid, "message id"},
	    {in->list_id, &p->list_id, "list id"},
	    {in->unsubscribe_url, &p->unsub_url, "unsubscribe URL"},
	    {in->unsubscribe_mailto, &p->unsub_mailto, "unsubscribe mailto"},
	};
	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		if (!tokens[i].src || !*tokens[i].src)
			continue;
		*tokens[i].dst = mime_token_clean(tokens[i].src, &toolong);
		if (!*tokens[i].dst) {
			if (!toolong)
				return -ENOMEM;
			err_set(err, errlen, "message: %s too long",
			        tokens[i].what);
			return -EINVAL;
		}
	}
	if (!*p->msgid || !strchr(p->msgid, '@')) {
		err_set(err, errlen, "message: message id needs an '@'");
		return -EINVAL;
	}
	p->topic = mime_hdr_clean(in->topic_name);
	p->subject = subject_make(in);
	if (!p->topic || !p->subject)
		return -ENOMEM;
	return 0;
}

static void
headers_write(const struct message_input *in, struct parts *p, struct buf *b,
              const char *boundary)
{
	struct mime_hdr h;

	mime_hdr_begin(&h, b, "From");
	if (*p->from_name)
		mime_hdr_text(&h, p->from_name, 1);
	char *addr;
	if (asprintf(&addr, "<%s>", p->from_addr) < 0) {
		b->oom = 1;
		return;
	}
	mime_hdr_token(&h, addr, strlen(addr));
	free(addr);
	mime_hdr_end(&h);

	mime_hdr_begin(&h, b, "To");
	for (size_t i = 0; in->to[i]; i++) {
		if (i)
			mime_hdr_glue(&h, ",");
		mime_hdr_token(&h, in->to[i], strlen(in->to[i]));
	}
	mime_hdr_end(&h);

	mime_hdr_date(b, in->date ? in->date : clock_now());
	buf_addf(b, "Message-ID: <%s>\r\n", p->msgid);

	mime_hdr_begin(&h, b, "Subject");
	mime_hdr_text(&h, p->subject, 0);
	mime_hdr_end(&h);

	buf_adds(b, "MIME-Version: 1.0\r\n");
	buf_addf(b,
	         "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n",
	         boundary);

	if (p->list_id) {
		mime_hdr_begin(&h, b, "List-Id");
		if (*p->topic)
			mime_hdr_text(&h, p->topic, 1);
		char *id;
		if (asprintf(&id, "<%s>", p->list_id) < 0) {
			b->oom = 1;
			return;
		}
		mime_hdr_token(&h, id, strlen(id));
		free(id);
		mime_hdr_end(&h);
	}
	if (p->unsub_url || p->unsub_mailto) {
		mime_hdr_begin(&h, b, "List-Unsubscribe");
		const char *urls[] = {p->unsub_url, p->unsub_mailto};
		int n = 0;
		for (size_t i = 0; i < 2; i++) {
			if (!urls[i])
				continue;
			char *tok;
			if (asprintf(&tok, "<%s>", urls[i]) < 0) {
				b->oom = 1;
				return;
			}
			if (n++)
				mime_hdr_glue(&h, ",");
			mime_hdr_token(&h, tok, strlen(tok));
			free(tok);
		}
		mime_hdr_end(&h);
		/* RFC 8058: one-click only works over https. */
		if (p->unsub_url && !strncmp(p->unsub_url, "https://", 8))
			buf_adds(b, "List-Unsubscribe-Post: "
			            "List-Unsubscribe=One-Click\r\n");
	}
	buf_adds(b, "Auto-Submitted: auto-generated\r\n");
	buf_adds(b, "X-Auto-Response-Suppress: All\r\n");
	buf_adds(b, "\r\n");
}

#define NVARS 13

/* The template values for the session (ev may be NULL for staff mail).
 * when and when_old (whenlen bytes each) hold the date words. */
static int
vars_fill(const struct message_input *in, struct tpl_var vars[NVARS],
          char *when, char *when_old, size_t whenlen)
{
	const struct event *ev = in->ev, *old = in->old;
	when[0] = when_old[0] = '\0';
	if (ev && message_when_words(ev, in->office_tzid, when, whenlen) < 0)
		return -EINVAL;
	if (old &&
	    message_when_words(old, in->office_tzid, when_old, whenlen) < 0)
		return -EINVAL;
	const char *baja = in->unsubscribe_url && *in->unsubscribe_url
	                       ? in->unsubscribe_url
	                       : in->unsubscribe_mailto;
	struct tpl_var v[] = {
	    {"titulo", ev ? ev->title : NULL},
	    {"fecha", when},
	    {"fecha_anterior", when_old},
	    {"lugar", ev ? ev->location : NULL},
	    {"lugar_anterior", old ? old->location : NULL},
	    {"tema", in->topic_name},
	    {"organizacion", in->osc_name},
	    {"descripcion", ev ? ev->description : NULL},
	    {"motivo", ev ? ev->reason : NULL},
	    {"calendario", in->calendar_url},
	    {"baja", baja},
	    {"texto", in->kind == MESSAGE_STAFF ? in->body_text : NULL},
	    {"tarde", in->late ? "sí" : NULL},
	};
	_Static_assert(sizeof(v) / sizeof(v[0]) == NVARS, "NVARS");
	memcpy(vars, v, sizeof(v));
	return 0;
}

static int
calendar_part(const struct message_input *in, struct parts *p,
              const char *method, char *err, size_t errlen)
{
	struct event copy;
	const struct event *ev = in->ev;
	size_t len;
	int r;

	if (asprintf(&p->organizer, "mailto:%s", p->from_addr) < 0) {
		p->organizer = NULL;
		return -ENOMEM;
	}
	/* RFC 5546: a CANCEL carries STATUS:CANCELLED whatever the caller
	 * left in the event. */
	if (in->kind == MESSAGE_CANCEL && ev->status != EVENT_CANCELLED) {
		if (event_copy(&copy, ev) < 0)
			return -ENOMEM;
		copy.status = EVENT_CANCELLED;
		ev = &copy;
	}
	struct event_calendar cal = {
	    .method = method,
	    .organizer = p->organizer,
	    .with_alarms = 0,
	};
	r = event_calendar_render(ev, 1, &cal, &p->ical, &len, err, errlen);
	if (ev == &copy)
		event_fini(&copy);
	return r;
}

int
message_templates_check(const char *dir, char *err, size_t errlen)
{
	static const char *const names[] = {
	    "abuelo", "caramba",  "elote",      "gallo",  "huevo", "limon",
	    "mole",   "nopal",    "pozole",     "queso",  "salsa", "taco",
	    "tamal",  "tortilla", "xoconostle", "zapote",
	};
	struct tpl_var vars[NVARS];
	struct buf out = {0};
	char path[4096];
	unsigned i;
	int r = 0;

	if (!dir || !*dir)
		return 0;
	/* Every placeholder set (so that every section is read) to a
	 * harmless word; only the names and the structure are checked. */
	struct message_input none = {.kind = MESSAGE_STAFF};
	char w1[8], w2[8];

	if (vars_fill(&none, vars, w1, w2, sizeof(w1)) < 0)
		return -EINVAL;
	for (i = 0; i < NVARS; i++)
		vars[i].value = names[i % (sizeof(names) / sizeof(names[0]))];
	for (i = 0; i < message_templates_count && r == 0; i++) {
		const char *name = message_templates[i].name, *text;
		char *owned = NULL;

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		r = tpl_load(dir, name, &text, &owned, err, errlen);
		if (r == 0 && owned != NULL) {
			r = tpl_expand(path, text, vars, NVARS,
			               strstr(name, ".html") != NULL, &out, err,
			               errlen);
			buf_fini(&out);
			memset(&out, 0, sizeof(out));
		}
		free(owned);
	}
	return r;
}

int
message_render(const struct message_input *in, char **out, size_t *outlen,
               char *err, size_t errlen)
{
	struct parts p = {0};
	struct buf b = {0};
	struct tpl_var vars[NVARS];
	char when[256], when_old[256], boundary[64];
	const char *method =
	    in && in->kind == MESSAGE_CANCEL ? "CANCEL" : "PUBLISH";
	int r;

	*out = NULL;
	*outlen = 0;
	if ((r = check_input(in, err, errlen)) < 0)
		return r;
	if ((r = parts_fields(in, &p, err, errlen)) < 0)
		goto fail;
	if (vars_fill(in, vars, when, when_old, sizeof(when)) < 0) {
		err_set(err, errlen, "message: cannot put the date in words");
		r = -EINVAL;
		goto fail;
	}
	const char *base = kind_template(in->kind);
	if ((r = tpl_render(in->template_dir, base, "txt", vars, NVARS, &p.text,
	                    err, errlen)) < 0 ||
	    (r = tpl_render(in->template_dir, base, "html", vars, NVARS,
	                    &p.html, err, errlen)) < 0)
		goto fail;
	if (in->ev && (r = calendar_part(in, &p, method, err, errlen)) < 0)
		goto fail;

	snprintf(boundary, sizeof(boundary), "=_cronograma_%016llx",
	         (unsigned long long)hash64(p.msgid));
	headers_write(in, &p, &b, boundary);
	buf_addf(&b, "--%s\r\n", boundary);
	buf_adds(&b, "Content-Type: text/plain; charset=UTF-8\r\n"
	             "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	mime_qp_encode(&b, str_or_empty(p.text.p));
	buf_addf(&b, "--%s\r\n", boundary);
	buf_adds(&b, "Content-Type: text/html; charset=UTF-8\r\n"
	             "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	mime_qp_encode(&b, str_or_empty(p.html.p));
	if (p.ical) {
		buf_addf(&b, "--%s\r\n", boundary);
		buf_addf(&b,
		         "Content-Type: text/calendar; charset=UTF-8; "
		         "method=%s\r\n"
		         "Content-Transfer-Encoding: base64\r\n\r\n",
		         method);
		mime_b64_lines(&b, p.ical, strlen(p.ical));
	}
	buf_addf(&b, "--%s--\r\n", boundary);
	if (b.oom || p.text.oom || p.html.oom) {
		r = -ENOMEM;
		goto fail;
	}
	*out = b.p;
	*outlen = b.len;
	parts_free(&p);
	return 0;
fail:
	if (r == -ENOMEM)
		err_set(err, errlen, "message: out of memory");
	buf_fini(&b);
	parts_free(&p);
	return r;
}
