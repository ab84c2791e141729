/* Unit tests for daemon/message.c: the rendered emails, read back with a
 * small MIME reader of our own and, when /usr/bin/python3 is there, with
 * Python's email package through tests/check_message.py. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "fecha.h"
#include "message.h"
#include "message_internal.h"

#define TITLE_2018                                                             \
	"Reunión con OSC tema Cambio Climático. Presidida por el "           \
	"Subsecretario Miguel Ruíz-Cabañas"
#define DATE_2018_02_08 1518105600 /* Thu, 08 Feb 2018 16:00:00 UTC */

static const char *const to_one[] = {"contacto@osc.example.org", NULL};

/* The 8 February 2018 session, 10:00 Mexico City, topic Cambio climático. */
static void
session_make(struct event *ev)
{
	event_init(ev);
	assert_int_equal(event_str_set(&ev->uid, "2018-08@example.org"), 0);
	assert_int_equal(event_str_set(&ev->title, TITLE_2018), 0);
	assert_int_equal(event_str_set(&ev->location,
	                               "Secretaría de Relaciones Exteriores, "
	                               "Ciudad de México"),
	                 0);
	assert_int_equal(event_str_set(&ev->description,
	                               "Diálogo con organizaciones de la "
	                               "sociedad civil."),
	                 0);
	assert_int_equal(event_str_set(&ev->tzid, "America/Mexico_City"), 0);
	assert_int_equal(
	    event_topic_add(ev, "cambio-climatico", "Cambio climático"), 0);
	ev->kind = FECHA_DATE;
	ev->status = EVENT_CONFIRMED;
	ev->start = ev->end = (struct fecha_date){2018, 2, 8};
	ev->start_min = 10 * 60;
	ev->end_min = 12 * 60;
	ev->sequence = 1;
	ev->dtstamp = ev->created = ev->last_modified = DATE_2018_02_08;
}

static void
input_make(struct message_input *in, enum message_kind kind,
           const struct event *ev)
{
	memset(in, 0, sizeof(*in));
	in->kind = kind;
	in->ev = ev;
	in->from = "Oficina de Enlace <agenda@example.org>";
	in->to = to_one;
	in->osc_name = "Red Ciudadana por el Clima";
	in->topic_slug = "cambio-climatico";
	in->topic_name = "Cambio climático";
	in->message_id = "r-12-3@example.org";
	in->list_id = "cambio-climatico.example.org";
	in->unsubscribe_url = "https://agenda.example.org/baja/TOKEN123";
	in->unsubscribe_mailto = "mailto:baja@example.org?subject=baja";
	in->calendar_url =
	    "https://agenda.example.org/calendarios/cambio-climatico.ics";
	in->office_tzid = "America/Mexico_City";
	in->date = DATE_2018_02_08;
}

static char *
render_ok(const struct message_input *in)
{
	char *out = NULL, err[256] = "";
	size_t len = 0;
	int r = message_render(in, &out, &len, err, sizeof(err));
	if (r != 0)
		print_error("message_render: %d %s\n", r, err);
	assert_int_equal(r, 0);
	assert_non_null(out);
	assert_int_equal(strlen(out), len);
	return out;
}

/* ---- a small MIME reader ------------------------------------------------ */

static int
b64_val(char c)
{
	const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                "0123456789+/";
	const char *p = c ? strchr(a, c) : NULL;
	return p ? (int)(p - a) : -1;
}

/* Decode base64 (whitespace skipped) into a malloc'ed string. */
static char *
b64_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;
	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		int v = b64_val(s[i]);
		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	return out;
}

static char *
qp_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t o = 0;
	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 < n && s[i + 1] == '\r' &&
		    s[i + 2] == '\n') {
			i += 2;
		} else if (s[i] == '=' && i + 2 < n) {
			char hex[3] = {s[i + 1], s[i + 2], 0};
			out[o++] = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

/* Quoted-printable as RFC 2045 and mime_qp_encode's comment put it,
 * decided one character at a time: the reference its runs of plain text
 * (copied at once) must match byte for byte. */
static void
qp_reference(struct buf *b, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)text;
	size_t col = 0;

	while (*s) {
		unsigned char c = *s;
		int at_end, literal;
		size_t need;

		if (c == '\r' || c == '\n') {
			s += (s[0] == '\r' && s[1] == '\n') ? 2 : 1;
			buf_adds(b, "\r\n");
			col = 0;
			continue;
		}
		at_end = !s[1] || s[1] == '\r' || s[1] == '\n';
		literal = (c >= 33 && c <= 126 && c != '=') ||
		          ((c == ' ' || c == '\t') && !at_end);
		if (c == '.' && col == 0)
			literal = 0;
		need = literal ? 1 : 3;
		if (col + need > (at_end ? MIME_LINE_MAX : MIME_LINE_MAX - 1)) {
			buf_adds(b, "=\r\n");
			col = 0;
			if (c == '.')
				literal = 0, need = 3;
		}
		if (literal) {
			buf_addc(b, (char)c);
		} else {
			buf_addc(b, '=');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
		col += need;
		s++;
	}
	if (col)
		buf_adds(b, "\r\n");
}

/* mime_qp_encode against the reference on text made to hit its edges:
 * lines of 74 to 78 characters, dots and blanks where breaks fall, '=',
 * 8-bit bytes, every kind of line end; and what any QP text must be:
 * lines of at most 76 characters, none starting with '.', no blank
 * before a line end, decoded back to the text with CRLF line ends. */
static void
test_message_qp_matches_reference(void **state)
{
	static const char pieces[][8] = {"a",  "b",  ".",        " ",
	                                 "\t", "=",  "\xc3\xb3", "\r\n",
	                                 "\n", "\r", "..",       "  "};
	uint64_t rnd = 0x9e3779b97f4a7c15ULL;
	char text[600];

	(void)state;
	for (int round = 0; round < 20000; round++) {
		struct buf got = {0}, want = {0};
		size_t len = 0;
		char *dec, *norm;

		/* A line of 70 to 79 plain characters first, then pieces. */
		rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
		for (size_t k = 70 + rnd % 10; k > 0; k--)
			text[len++] = 'x';
		while (len < sizeof(text) - 16) {
			const char *p;

			rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
			if (rnd % 50 == 0)
				break;
			p = pieces[(rnd >> 8) %
			           (sizeof(pieces) / sizeof(pieces[0]))];
			if ((rnd >> 16) % 3 == 0)
				p = "x";
			memcpy(text + len, p, strlen(p));
			len += strlen(p);
		}
		text[len] = '\0';
		mime_qp_encode(&got, text);
		qp_reference(&want, text);
		assert_false(got.oom || want.oom);
		assert_string_equal(got.p, want.p);
		for (const char *line = got.p; *line;) {
			const char *end = strstr(line, "\r\n");

			assert_non_null(end);
			assert_true(end - line <= MIME_LINE_MAX);
			assert_true(*line != '.');
			assert_true(end == line ||
			            (end[-1] != ' ' && end[-1] != '\t'));
			line = end + 2;
		}
		dec = qp_decode(got.p, got.len);
		/* The text with CRLF line ends, and one at its end. */
		norm = malloc(2 * len + 3);
		assert_non_null(norm);
		{
			size_t o = 0;

			for (size_t i = 0; i < len; i++) {
				if (text[i] == '\r' || text[i] == '\n') {
					if (text[i] == '\r' &&
					    text[i + 1] == '\n')
						i++;
					norm[o++] = '\r';
					norm[o++] = '\n';
				} else {
					norm[o++] = text[i];
				}
			}
			if (o > 0 && !(o >= 2 && norm[o - 1] == '\n' &&
			               norm[o - 2] == '\r')) {
				norm[o++] = '\r';
				norm[o++] = '\n';
			}
			norm[o] = '\0';
		}
		assert_string_equal(dec, norm);
		free(dec);
		free(norm);
		buf_fini(&got);
		buf_fini(&want);
	}
}

/* The unfolded value of header name (malloc'ed), or NULL. */
static char *
header_get(const char *msg, const char *name)
{
	const char *end = strstr(msg, "\r\n\r\n");
	size_t nl = strlen(name);
	assert_non_null(end);
	for (const char *line = msg; line < end;) {
		const char *eol = strstr(line, "\r\n");
		if (!strncasecmp(line, name, nl) && line[nl] == ':') {
			char *out = calloc(1, (size_t)(end - line) + 1);
			const char *p = line + nl + 1;
			size_t o = 0;
			assert_non_null(out);
			while (*p == ' ')
				p++;
			for (;;) {
				eol = strstr(p, "\r\n");
				memcpy(out + o, p, (size_t)(eol - p));
				o += (size_t)(eol - p);
				if (eol >= end ||
				    (eol[2] != ' ' && eol[2] != '\t'))
					break;
				p = eol + 2; /* unfold: keep the space */
			}
			return out;
		}
		line = eol + 2;
	}
	return NULL;
}

/* Decode RFC 2047 B words of a header value; whitespace between two
 * encoded words is dropped as the RFC says. malloc'ed. */
static char *
words_decode(const char *v)
{
	char *out = calloc(1, strlen(v) + 1);
	size_t o = 0, word_end = 0;
	int prev_word = 0;
	assert_non_null(out);
	while (*v) {
		if (!strncmp(v, "=?UTF-8?B?", 10)) {
			const char *e = strstr(v + 10, "?=");
			assert_non_null(e);
			assert_true(e + 2 - v <= 75);
			if (prev_word)
				o = word_end;
			char *d = b64_decode(v + 10, (size_t)(e - v - 10));
			memcpy(out + o, d, strlen(d));
			o += strlen(d);
			free(d);
			v = e + 2;
			word_end = o;
			prev_word = 1;
		} else {
			if (*v != ' ')
				prev_word = 0;
			out[o++] = *v++;
		}
	}
	out[o] = '\0';
	return out;
}

static char *
subject_get(const char *msg)
{
	char *raw = header_get(msg, "Subject");
	assert_non_null(raw);
	char *s = words_decode(raw);
	free(raw);
	return s;
}

/* The decoded body of the part whose Content-Type starts with type. */
static char *
part_get(const char *msg, const char *type)
{
	char needle[128];
	snprintf(needle, sizeof(needle), "Content-Type: %s", type);
	const char *h = strstr(msg, needle);
	if (!h)
		return NULL;
	const char *body = strstr(h, "\r\n\r\n");
	assert_non_null(body);
	body += 4;
	const char *end = strstr(body, "\r\n--=_");
	assert_non_null(end);
	end += 2;
	int b64 = strstr(h, "Content-Transfer-Encoding: base64") != NULL &&
	          strstr(h, "Content-Transfer-Encoding: base64") < body;
	return b64 ? b64_decode(body, (size_t)(end - body))
	           : qp_decode(body, (size_t)(end - body));
}

/* CRLF only, no line over 998 octets, body lines within 76. */
static void
lines_check(const char *msg)
{
	const char *body = strstr(msg, "\r\n\r\n");
	size_t col = 0;
	assert_non_null(body);
	for (const char *p = msg; *p; p++) {
		if (*p == '\r') {
			assert_int_equal(p[1], '\n');
			if (p > body)
				assert_true(col <= 76);
			col = 0;
			p++;
		} else {
			assert_true(*p != '\n');
			col++;
			assert_true(col <= 998);
		}
	}
	assert_int_equal(col, 0); /* ends with CRLF */
}

/* ---- tests -------------------------------------------------------------- */

static void
test_message_reminder_subject(void **state)
{
	struct event ev;
	struct message_input in;
	session_make(&ev);
	input_make(&in, MESSAGE_REMINDER, &ev);
	char *msg = render_ok(&in);
	char *subject = subject_get(msg);
	assert_string_equal(subject,
	                    "Recordatorio: " TITLE_2018 " — 8 de febrero");
	char *raw = header_get(msg, "Subject");
	assert_non_null(strstr(raw, "=?UTF-8?B?"));
	free(raw);
	free(subject);
	free(msg);
	event_fini(&ev);
}

/* message_view reads back what message_render wrote: the subject, the
 * text and the HTML as people read them. */
static void
test_message_view_reads_the_words(void **state)
{
	struct message_parts mp;
	struct event ev;
	struct message_input in;
	session_make(&ev);
	input_make(&in, MESSAGE_REMINDER, &ev);
	char *msg = render_ok(&in);
	assert_int_equal(message_view(msg, &mp), 0);
	assert_string_equal(mp.subject,
	                    "Recordatorio: " TITLE_2018 " — 8 de febrero");
	assert_non_null(strstr(mp.text, "jueves 8 de febrero de 2018"));
	assert_null(strstr(mp.text, "=C3"));
	assert_null(strstr(mp.text, "\r"));
	assert_non_null(strstr(mp.html, "</html>"));
	assert_null(strstr(mp.html, "=3D"));
	message_parts_fini(&mp);
	/* A message with no parts: empty words, no error. */
	assert_int_equal(message_view("Subject: hola\r\n\r\n", &mp), 0);
	assert_string_equal(mp.subject, "hola");
	assert_string_equal(mp.text, "");
	message_parts_fini(&mp);
	free(msg);
	event_fini(&ev);
}

static void
test_message_subjects_each_kind(void **state)
{
	struct {
		enum message_kind kind;
		const char *subject;
	} cases[] = {
	    {MESSAGE_DATED, "Ya tiene fecha: " TITLE_2018 " — 8 de febrero"},
	    {MESSAGE_MOVED, "Cambio de fecha: " TITLE_2018},
	    {MESSAGE_PLACE, "Cambio de sede: " TITLE_2018},
	    {MESSAGE_CANCEL, "Cancelada: " TITLE_2018},
	    {MESSAGE_STAFF, "Sesiones sin sede: 3 pendientes"},
	};
	struct event ev;
	session_make(&ev);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct message_input in;
		input_make(&in, cases[i].kind, &ev);
		in.subject = "Sesiones sin sede: 3 pendientes";
		in.body_text = "Tres sesiones de marzo no tienen sede.";
		char *msg = render_ok(&in);
		char *subject = subject_get(msg);
		assert_string_equal(subject, cases[i].subject);
		lines_check(msg);
		free(subject);
		free(msg);
	}
	event_fini(&ev);
}

static void
test_message_headers(void **state)
{
	static const char *const to[] = {
	    "contacto@red-ciudadana-por-el-clima.example.org",
	    "direccion@red-ciudadana-por-el-clima.example.org",
	    "comunicacion@red-ciudadana-por-el-clima.example.org", NULL};
	struct event ev;
	struct message_input in;
	session_make(&ev);
	input_make(&in, MESSAGE_REMINDER, &ev);
	in.to = to;
	char *msg = render_ok(&in);
	char *v;

	v = header_get(msg, "To");
	assert_string_equal(v,
	                    "contacto@red-ciudadana-por-el-clima.example.org,"
	                    " direccion@red-ciudadana-por-el-clima.example."
	                    "org, "
	                    "comunicacion@red-ciudadana-por-el-clima."
	                    "example.org");
	free(v);
	/* Folded: the To field spans several lines. */
	assert_non_null(strstr(msg, "example.org,\r\n "));
	v = header_get(msg, "Date");
	assert_string_equal(v, "Thu, 08 Feb 2018 16:00:00 +0000");
	free(v);
	v = header_get(msg, "Message-ID");
	assert_string_equal(v, "<r-12-3@example.org>");
	free(v);
	v = header_get(msg, "From");
	assert_string_equal(v, "Oficina de Enlace <agenda@example.org>");
	free(v);
	v = header_get(msg, "List-Id");
	char *d = words_decode(v);
	assert_string_equal(d,
	                    "Cambio climático <cambio-climatico.example.org>");
	free(d);
	free(v);
	v = header_get(msg, "List-Unsubscribe");
	assert_string_equal(v, "<https://agenda.example.org/baja/TOKEN123>, "
	                       "<mailto:baja@example.org?subject=baja>");
	free(v);
	v = header_get(msg, "List-Unsubscribe-Post");
	assert_string_equal(v, "List-Unsubscribe=One-Click");
	free(v);
	v = header_get(msg, "Auto-Submitted");
	assert_string_equal(v, "auto-generated");
	free(v);
	v = header_get(msg, "X-Auto-Response-Suppress");
	assert_string_equal(v, "All");
	free(v);
	/* The alternatives inside multipart/mixed, beside invitacion.ics. */
	v = header_get(msg, "Content-Type");
	assert_non_null(strstr(v, "multipart/mixed"));
	free(v);
	assert_non_null(strstr(msg, "Content-Type: multipart/alternative;\r\n"
	                            " boundary="));
	assert_non_null(strstr(msg, "Content-Type: application/ics; "
	                            "name=\"invitacion.ics\"\r\n"
	                            "Content-Disposition: attachment; "
	                            "filename=\"invitacion.ics\"\r\n"));
	assert_non_null(strstr(msg, "Content-Type: text/calendar; "
	                            "charset=UTF-8; method=PUBLISH\r\n"));
	free(msg);

	/* Only a mailto: no one-click header. */
	in.unsubscribe_url = NULL;
	msg = render_ok(&in);
	v = header_get(msg, "List-Unsubscribe");
	assert_string_equal(v, "<mailto:baja@example.org?subject=baja>");
	free(v);
	assert_null(header_get(msg, "List-Unsubscribe-Post"));
	free(msg);
	event_fini(&ev);
}

static void
test_message_calendar_part(void **state)
{
	struct event ev;
	struct message_input in;
	session_make(&ev);
	input_make(&in, MESSAGE_REMINDER, &ev);
	char *msg = render_ok(&in);
	char *cal = part_get(msg, "text/calendar");
	assert_non_null(cal);
	assert_non_null(strstr(cal, "METHOD:PUBLISH\r\n"));
	assert_non_null(strstr(cal, "mailto:agenda@example.org"));
	assert_null(strstr(cal, "ATTENDEE"));
	assert_null(strstr(cal, "BEGIN:VALARM"));
	free(cal);
	free(msg);

	input_make(&in, MESSAGE_CANCEL, &ev);
	msg = render_ok(&in);
	assert_non_null(strstr(msg, "method=CANCEL\r\n"));
	cal = part_get(msg, "text/calendar");
	assert_non_null(strstr(cal, "METHOD:CANCEL\r\n"));
	assert_non_null(strstr(cal, "STATUS:CANCELLED\r\n"));
	free(cal);
	free(msg);
	event_fini(&ev);
}

static void
test_message_bodies(void **state)
{
	struct event ev, old;
	struct message_input in;
	session_make(&ev);
	session_make(&old);
	old.start = old.end = (struct fecha_date){2018, 2, 6};
	input_make(&in, MESSAGE_MOVED, &ev);
	in.old = &old;
	char *msg = render_ok(&in);
	char *text = part_get(msg, "text/plain");
	char *html = part_get(msg, "text/html");
	assert_non_null(strstr(text, "Estimadas y estimados integrantes de Red "
	                             "Ciudadana por el Clima:"));
	assert_non_null(strstr(text, "Nueva fecha: jueves 8 de febrero de "
	                             "2018, 10:00 h, hora del centro de "
	                             "México"));
	assert_non_null(strstr(text, "Fecha anterior: martes 6 de febrero"));
	assert_non_null(strstr(text, "https://agenda.example.org/baja/TOKEN"));
	assert_non_null(strstr(html, "<html lang=\"es\">"));
	assert_non_null(strstr(html, "href=\"https://agenda.example.org/"
	                             "calendarios/cambio-climatico.ics\""));
	/* No section tag survives. */
	assert_null(strstr(text, "{{"));
	assert_null(strstr(html, "{{"));
	free(text);
	free(html);
	free(msg);

	/* Without a place the "Lugar" line disappears, blank line and all. */
	input_make(&in, MESSAGE_REMINDER, &ev);
	assert_int_equal(event_str_set(&ev.location, NULL), 0);
	in.late = 1;
	msg = render_ok(&in);
	text = part_get(msg, "text/plain");
	assert_null(strstr(text, "Lugar"));
	assert_non_null(strstr(text, "con retraso"));
	assert_null(strstr(text, "\n\n\n"));
	free(text);
	free(msg);
	event_fini(&old);
	event_fini(&ev);
}

static void
test_message_long_title_and_lines(void **state)
{
	struct event ev;
	struct message_input in;
	char desc[6001];
	session_make(&ev);
	/* 300+ characters of accented words. */
	char title[1200] = "";
	for (int i = 0; i < 30; i++)
		strcat(title, "Participación ");
	assert_int_equal(event_str_set(&ev.title, title), 0);
	memset(desc, 'x', sizeof(desc) - 1);
	desc[sizeof(desc) - 1] = '\0';
	desc[3000] = '=';
	assert_int_equal(event_str_set(&ev.description, desc), 0);
	input_make(&in, MESSAGE_REMINDER, &ev);
	char *msg = render_ok(&in);
	lines_check(msg);
	char *subject = subject_get(msg);
	const char *prefix = "Recordatorio: ";
	const char *suffix = "Participación… — 8 de febrero";
	assert_int_equal(strncmp(subject, prefix, strlen(prefix)), 0);
	/* Shortened at a word boundary, with the ellipsis. */
	size_t n = strlen(subject);
	assert_true(n > strlen(suffix));
	assert_string_equal(subject + n - strlen(suffix), suffix);
	size_t chars = 0;
	for (const char *p = subject + strlen(prefix);
	     p < subject + n - strlen(" — 8 de febrero"); p++)
		chars += ((unsigned char)*p & 0xc0) != 0x80;
	assert_true(chars <= 121);
	assert_true(chars > 100);
	/* The text part still has the whole description. */
	char *text = part_get(msg, "text/plain");
	assert_non_null(strstr(text, desc));
	free(text);
	free(subject);
	free(msg);
	event_fini(&ev);
}

/* No line of the header block starts with "Bcc" and no Bcc field parses. */
static void
no_bcc_check(const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");
	assert_non_null(end);
	for (const char *p = msg; p && p < end; p = strstr(p, "\r\n")) {
		if (p != msg)
			p += 2;
		assert_true(strncasecmp(p, "Bcc", 3) != 0);
	}
	assert_null(header_get(msg, "Bcc"));
	lines_check(msg);
}

static void
test_message_header_injection(void **state)
{
	struct event ev;
	struct message_input in;
	char *out = NULL, err[200] = "";
	size_t len;
	session_make(&ev);
	input_make(&in, MESSAGE_CANCEL, &ev);
	in.topic_name = "Clima\r\nBcc: z@y";
	in.message_id = "r-1@example.org\r\nBcc: w@y";
	in.from = "Oficina\r\nBcc: v@y <agenda@example.org>";
	in.list_id = "clima.example.org\r\nBcc: u@y";
	in.unsubscribe_url = "https://example.org/baja\r\nBcc: t@y";
	char *msg = render_ok(&in);
	no_bcc_check(msg);
	char *v = header_get(msg, "Message-ID");
	assert_string_equal(v, "<r-1@example.orgBcc:w@y>");
	free(v);
	free(msg);

	/* The subject of staff mail, given by the caller. */
	input_make(&in, MESSAGE_STAFF, NULL);
	in.subject = "Resumen\r\nBcc: x@y";
	in.body_text = "Sin novedades.";
	msg = render_ok(&in);
	no_bcc_check(msg);
	char *subject = subject_get(msg);
	assert_string_equal(subject, "Resumen Bcc: x@y");
	free(subject);
	free(msg);

	/* A session title: event.c refuses to render it in the calendar;
	 * should it ever let one through, the subject is still one line. */
	assert_int_equal(event_str_set(&ev.title, "Reunión\r\nBcc: x@y"), 0);
	input_make(&in, MESSAGE_CANCEL, &ev);
	int r = message_render(&in, &out, &len, err, sizeof(err));
	if (r == 0) {
		no_bcc_check(out);
		subject = subject_get(out);
		assert_string_equal(subject, "Cancelada: Reunión Bcc: x@y");
		free(subject);
		free(out);
		out = NULL;
	} else {
		assert_int_equal(r, -EINVAL);
		assert_null(out);
	}

	/* A recipient with CR/LF is refused, never sent. */
	static const char *const bad_to[] = {"a@example.org\r\nBcc: x@y", NULL};
	assert_int_equal(event_str_set(&ev.title, "Reunión"), 0);
	in.to = bad_to;
	assert_int_equal(message_render(&in, &out, &len, err, sizeof(err)),
	                 -EINVAL);
	assert_null(out);
	assert_non_null(strstr(err, "recipient"));
	event_fini(&ev);
}

static void
test_message_html_escape(void **state)
{
	struct event ev;
	struct message_input in;
	session_make(&ev);
	assert_int_equal(
	    event_str_set(&ev.title, "<script>alert('x')</script> & \"co\""),
	    0);
	input_make(&in, MESSAGE_REMINDER, &ev);
	in.osc_name = "Foro <b>Libre</b>";
	char *msg = render_ok(&in);
	char *html = part_get(msg, "text/html");
	assert_null(strstr(html, "<script>"));
	assert_null(strstr(html, "<b>"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/"
	                             "script&gt; &amp; &quot;co&quot;"));
	assert_non_null(strstr(html, "Foro &lt;b&gt;Libre&lt;/b&gt;"));
	/* The text part is not escaped. */
	char *text = part_get(msg, "text/plain");
	assert_non_null(strstr(text, "<script>alert('x')</script>"));
	free(text);
	free(html);
	free(msg);
	event_fini(&ev);
}

static void
file_write(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void
test_message_template_override(void **state)
{
	char dir[] = "/tmp/test-message-XXXXXX";
	char path[600];
	assert_non_null(mkdtemp(dir));
	file_write(dir, "recordatorio.txt",
	           "Hola {{ organizacion }}: {{titulo}}\n"
	           "{{#lugar}}\nEn {{lugar}}.\n{{/lugar}}\n"
	           "{{#motivo}}\nno\n{{/motivo}}\nFin\n");
	struct event ev;
	struct message_input in;
	session_make(&ev);
	assert_int_equal(event_str_set(&ev.title, "Sesión"), 0);
	assert_int_equal(event_str_set(&ev.location, "Tlatelolco"), 0);
	input_make(&in, MESSAGE_REMINDER, &ev);
	in.template_dir = dir;
	char *msg = render_ok(&in);
	char *text = part_get(msg, "text/plain");
	assert_string_equal(text, "Hola Red Ciudadana por el Clima: Sesión\r\n"
	                          "En Tlatelolco.\r\nFin\r\n");
	free(text);
	/* Files the operator did not write come from the built-ins. */
	char *html = part_get(msg, "text/html");
	assert_non_null(strstr(html, "<html lang=\"es\">"));
	free(html);
	free(msg);

	/* The files are read once: a change shows after
	 * message_templates_load (start, SIGHUP), never per message. */
	file_write(dir, "recordatorio.txt", "Cambiada {{titulo}}\n");
	msg = render_ok(&in);
	text = part_get(msg, "text/plain");
	assert_string_equal(text, "Hola Red Ciudadana por el Clima: Sesión\r\n"
	                          "En Tlatelolco.\r\nFin\r\n");
	free(text);
	free(msg);
	char err[256] = "";
	assert_int_equal(message_templates_load(dir, err, sizeof(err)), 0);
	msg = render_ok(&in);
	text = part_get(msg, "text/plain");
	assert_string_equal(text, "Cambiada Sesión\r\n");
	free(text);
	free(msg);

	/* A typo in a placeholder is an error naming it, and the templates
	 * read before stay. */
	file_write(dir, "recordatorio.txt", "Hola {{organisacion}}\n");
	assert_int_equal(message_templates_load(dir, err, sizeof(err)),
	                 -EINVAL);
	assert_non_null(strstr(err, "organisacion"));
	assert_int_equal(message_templates_check(dir, err, sizeof(err)),
	                 -EINVAL);
	msg = render_ok(&in);
	assert_non_null(strstr(msg, "Cambiada"));
	free(msg);
	file_write(dir, "recordatorio.txt", "{{#lugar}}sin cerrar\n");
	assert_int_equal(message_templates_load(dir, err, sizeof(err)),
	                 -EINVAL);
	assert_non_null(strstr(err, "never closed"));

	/* A missing operator directory is fine. */
	snprintf(path, sizeof(path), "%s/none", dir);
	in.template_dir = path;
	msg = render_ok(&in);
	free(msg);

	snprintf(path, sizeof(path), "%s/recordatorio.txt", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	message_cleanup();
	event_fini(&ev);
}

/* message_render (shared parts kept, per-message lines filled in) gives
 * the bytes message_render_whole (everything from scratch) gives. */
static void
same_as_whole(const struct message_input *in)
{
	char *a = NULL, *b = NULL, err[256] = "";
	size_t alen = 0, blen = 0;

	assert_int_equal(message_render(in, &a, &alen, err, sizeof(err)), 0);
	assert_int_equal(message_render_whole(in, &b, &blen, err, sizeof(err)),
	                 0);
	if (alen != blen || memcmp(a, b, alen) != 0)
		print_error("shared:\n%s\nwhole:\n%s\n", a, b);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	lines_check(a);
	free(a);
	free(b);
}

/* The office from the configuration alone: the signature of every kind
 * from one partial (firma.txt, firma.html), its lines from [office]
 * signature, the privacy notice linked; an operator's firma.txt replaces
 * it for every kind at once. */
static void
test_message_office_signature(void **state)
{
	enum message_kind kinds[] = {MESSAGE_REMINDER, MESSAGE_DATED,
	                             MESSAGE_MOVED, MESSAGE_PLACE,
	                             MESSAGE_CANCEL};
	char dir[] = "/tmp/test-message-XXXXXX", path[600], err[256] = "";
	struct event ev, old;
	struct message_input in;
	char *msg, *text, *html;

	session_make(&ev);
	session_make(&old);
	assert_int_equal(event_str_set(&old.location, "Tlatelolco"), 0);
	/* No [office]: the office's role signs, as before. */
	input_make(&in, MESSAGE_REMINDER, &ev);
	msg = render_ok(&in);
	text = part_get(msg, "text/plain");
	assert_non_null(strstr(text,
	                       "Atentamente,\r\nOficina de enlace con "
	                       "organizaciones de la sociedad civil\r\n"));
	assert_null(strstr(text, "Aviso de privacidad"));
	free(text);
	free(msg);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		input_make(&in, kinds[i], &ev);
		in.old = &old;
		in.office_name = "Dirección General de Vinculación";
		in.office_signature = "Dirección General de Vinculación |  "
		                      "Secretaría de Relaciones Exteriores";
		in.privacy_url = "https://sre.example.gob.mx/privacidad";
		msg = render_ok(&in);
		text = part_get(msg, "text/plain");
		html = part_get(msg, "text/html");
		assert_non_null(
		    strstr(text, "Atentamente,\r\nDirección General de "
		                 "Vinculación\r\nSecretaría de Relaciones "
		                 "Exteriores\r\n\r\nAviso de privacidad: "
		                 "https://sre.example.gob.mx/privacidad\r\n"));
		assert_non_null(strstr(html, "Atentamente,<br>\r\nDirección "
		                             "General de Vinculación<br>\r\n"
		                             "Secretaría de Relaciones "
		                             "Exteriores</p>"));
		assert_non_null(
		    strstr(html, "<a href=\"https://sre.example.gob.mx/"
		                 "privacidad\" style=\"color:#555555;\">Aviso "
		                 "de privacidad</a> de Dirección General de "
		                 "Vinculación</p>"));
		assert_null(strstr(text, "Oficina de enlace"));
		free(text);
		free(html);
		same_as_whole(&in);
		free(msg);
	}
	/* The name alone signs when there is no signature. */
	input_make(&in, MESSAGE_CANCEL, &ev);
	in.office_name = "Unidad de Enlace";
	msg = render_ok(&in);
	text = part_get(msg, "text/plain");
	assert_non_null(strstr(text, "Atentamente,\r\nUnidad de Enlace\r\n"));
	free(text);
	free(msg);

	/* One file changes every kind's signature. */
	assert_non_null(mkdtemp(dir));
	file_write(dir, "firma.txt", "Saludos de {{oficina}}\n");
	assert_int_equal(message_templates_load(dir, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		input_make(&in, kinds[i], &ev);
		in.old = &old;
		in.office_name = "Unidad de Enlace";
		in.template_dir = dir;
		msg = render_ok(&in);
		text = part_get(msg, "text/plain");
		assert_non_null(
		    strstr(text, "Saludos de Unidad de Enlace\r\n"));
		assert_null(strstr(text, "Atentamente"));
		free(text);
		free(msg);
	}
	/* Partials are checked like templates. */
	file_write(dir, "firma.txt", "{{>firma}}\n");
	assert_int_equal(message_templates_check(dir, err, sizeof(err)),
	                 -EINVAL);
	assert_non_null(strstr(err, "a partial cannot include {{>firma}}"));
	file_write(dir, "firma.txt", "ok\n");
	file_write(dir, "recordatorio.txt", "{{>pie}}\n");
	assert_int_equal(message_templates_check(dir, err, sizeof(err)),
	                 -EINVAL);
	assert_non_null(strstr(err, "unknown partial {{>pie}}"));
	snprintf(path, sizeof(path), "%s/firma.txt", dir);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/recordatorio.txt", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	message_cleanup();
	event_fini(&old);
	event_fini(&ev);
}

static void
test_message_shared_parts_same_bytes(void **state)
{
	static const char *const names[] = {
	    "Red Ciudadana por el Clima",
	    "",
	    NULL,
	    "Organización de la Sociedad Civil para la Defensa de los "
	    "Derechos Humanos de las Personas Migrantes en Tránsito por "
	    "México y Centroamérica, A. C. (ODHPMTMC)",
	    "Tom & Jerry <\"Asociados\"> 'S. C.'",
	    "Dos\nlíneas\r\ny CR\rsolo",
	    ".punto inicial   ",
	    "=igual=",
	};
	static const char *const urls[] = {
	    "https://agenda.example.org/baja/TOKEN123",
	    NULL,
	    "",
	    "http://agenda.example.org/baja/"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=B",
	};
	enum message_kind kinds[] = {MESSAGE_REMINDER, MESSAGE_DATED,
	                             MESSAGE_MOVED, MESSAGE_CANCEL};
	static const char *const ids[] = {"r.1@example.org", "r.2@example.org"};
	static const char *const pages[] = {
	    "https://agenda.example.org/suscripcion/12.AbC_-9",
	    NULL,
	    "https://agenda.example.org/suscripcion/345.zYx",
	};
	struct event ev, old;

	(void)state;
	session_make(&ev);
	session_make(&old);
	assert_int_equal(event_str_set(&old.location, "Tlatelolco"), 0);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (size_t late = 0; late < 2; late++) {
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]);
			     i++) {
				for (size_t u = 0;
				     u < sizeof(urls) / sizeof(urls[0]); u++) {
					struct message_input in;

					input_make(&in, kinds[k], &ev);
					if (kinds[k] == MESSAGE_MOVED)
						in.old = &old;
					in.late = (int)late;
					in.osc_name = names[i];
					in.unsubscribe_url = urls[u];
					in.subscription_url =
					    pages[(i + u) % 3];
					in.message_id = ids[(i + u) % 2];
					same_as_whole(&in);
				}
			}
		}
	}
	/* A session that changed is not rendered from the parts kept for
	 * it before. */
	struct message_input in;
	input_make(&in, MESSAGE_REMINDER, &ev);
	char *before = render_ok(&in);
	assert_int_equal(event_str_set(&ev.location, "Sede nueva"), 0);
	char *after = render_ok(&in);
	assert_null(strstr(before, "Sede nueva"));
	assert_non_null(strstr(after, "Sede nueva"));
	same_as_whole(&in);
	free(before);
	free(after);
	message_cleanup();
	event_fini(&old);
	event_fini(&ev);
}

/* Every message to an organisation links to its own page, each its own
 * link though the rest is shared: in the text and as a link in the HTML. */
static void
test_message_links_the_organisation_page(void **state)
{
	struct message_input in;
	struct message_parts mp;
	struct event ev;
	char *a, *b;

	(void)state;
	session_make(&ev);
	input_make(&in, MESSAGE_REMINDER, &ev);
	in.subscription_url = "https://agenda.example.org/suscripcion/7.AAA";
	a = render_ok(&in);
	in.subscription_url = "https://agenda.example.org/suscripcion/8.BBB";
	in.message_id = "r-13-3@example.org";
	b = render_ok(&in);
	assert_int_equal(message_view(a, &mp), 0);
	assert_non_null(strstr(mp.text, "Administre su suscripción (temas, "
	                                "pausa de avisos, sus datos): "
	                                "https://agenda.example.org/"
	                                "suscripcion/7.AAA"));
	assert_non_null(strstr(mp.html, "href=\"https://agenda.example.org/"
	                                "suscripcion/7.AAA\""));
	assert_null(strstr(mp.text, "8.BBB"));
	message_parts_fini(&mp);
	assert_int_equal(message_view(b, &mp), 0);
	assert_non_null(strstr(mp.text, "suscripcion/8.BBB"));
	assert_null(strstr(mp.text, "7.AAA"));
	message_parts_fini(&mp);
	free(a);
	free(b);
	/* Without a page (staff previews of a gone organisation): no
	 * line. */
	in.subscription_url = NULL;
	a = render_ok(&in);
	assert_int_equal(message_view(a, &mp), 0);
	assert_null(strstr(mp.text, "Administre"));
	message_parts_fini(&mp);
	free(a);
	message_cleanup();
	event_fini(&ev);
}

/* Operator templates with values at awkward places: at the start and
 * the end of a line, at the very end without a line end, after a CR
 * alone, two on a line, in a long line that quoted-printable breaks. */
static void
test_message_shared_parts_odd_templates(void **state)
{
	char dir[] = "/tmp/test-message-XXXXXX", path[600], err[256] = "";
	static const char *const texts[] = {
	    "{{organizacion}} al principio\nfin\n",
	    "al final {{organizacion}}",
	    "dos {{organizacion}} y {{baja}} en una línea\n",
	    "CR solo\r{{organizacion}}\nsigue\n",
	    "CR solo\r{{organizacion}} sigue\n",
	    "CRLF\r\n{{organizacion}}\r\n{{#baja}}baja: {{baja}}\r\n"
	    "{{/baja}}",
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "x"
	    "xx {{organizacion}} "
	    "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
	    "yyyyyyyyyyyyyy {{baja}} zzzz\nfin\n",
	    "{{#organizacion}}\nHola {{organizacion}}.\n{{/organizacion}}\n"
	    "{{titulo}}\n",
	    "",
	};
	static const char *const names[] = {"Red Ciudadana", NULL, "A\nB & C",
	                                    "\nempieza con LF"};
	struct event ev;

	(void)state;
	assert_non_null(mkdtemp(dir));
	session_make(&ev);
	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		file_write(dir, "recordatorio.txt", texts[t]);
		file_write(dir, "recordatorio.html", texts[t]);
		assert_int_equal(message_templates_load(dir, err, sizeof(err)),
		                 0);
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			struct message_input in;

			input_make(&in, MESSAGE_REMINDER, &ev);
			in.template_dir = dir;
			in.osc_name = names[i];
			in.unsubscribe_url = i == 1 ? NULL : in.unsubscribe_url;
			same_as_whole(&in);
		}
	}
	snprintf(path, sizeof(path), "%s/recordatorio.txt", dir);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/recordatorio.html", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	message_cleanup();
	event_fini(&ev);
}

static void
when_check(const struct event *ev, const char *expect)
{
	char buf[256];
	assert_int_equal(
	    message_when_words(ev, "America/Mexico_City", buf, sizeof(buf)), 0);
	assert_string_equal(buf, expect);
}

static void
test_message_when_words(void **state)
{
	struct event ev;
	session_make(&ev);
	when_check(&ev, "jueves 8 de febrero de 2018, 10:00 h, hora del "
	                "centro de México");

	ev.start_min = ev.end_min = -1;
	when_check(&ev, "jueves 8 de febrero de 2018");

	/* COP24 in Katowice, in its own zone. */
	assert_int_equal(event_str_set(&ev.tzid, "Europe/Warsaw"), 0);
	assert_int_equal(event_str_set(&ev.location, "Katowice, Polonia"), 0);
	ev.start = ev.end = (struct fecha_date){2018, 12, 3};
	ev.start_min = 10 * 60;
	when_check(&ev, "lunes 3 de diciembre de 2018, 10:00 h, hora de "
	                "Katowice (Europe/Warsaw)");
	/* Without a place, the zone's own city. */
	assert_int_equal(event_str_set(&ev.location, NULL), 0);
	assert_int_equal(
	    event_str_set(&ev.tzid, "America/Argentina/Buenos_Aires"), 0);
	when_check(&ev, "lunes 3 de diciembre de 2018, 10:00 h, hora local de "
	                "Buenos Aires");

	ev.kind = FECHA_RANGE;
	ev.start_min = -1;
	ev.start = (struct fecha_date){2018, 12, 4};
	ev.end = (struct fecha_date){2018, 12, 6};
	when_check(&ev, "del martes 4 al jueves 6 de diciembre de 2018");
	ev.start = (struct fecha_date){2018, 2, 28};
	ev.end = (struct fecha_date){2018, 3, 4};
	when_check(&ev, "del miércoles 28 de febrero al domingo 4 de marzo de "
	                "2018");
	ev.start = (struct fecha_date){2018, 12, 31};
	ev.end = (struct fecha_date){2019, 1, 2};
	when_check(&ev, "del lunes 31 de diciembre de 2018 al miércoles 2 de "
	                "enero de 2019");

	ev.kind = FECHA_TBD;
	ev.start = ev.end = (struct fecha_date){0, 0, 0};
	ev.win_start = (struct fecha_date){2018, 11, 1};
	ev.win_end = (struct fecha_date){2018, 11, 30};
	when_check(&ev, "por definir (noviembre de 2018)");

	char small[8];
	assert_int_equal(message_when_words(&ev, NULL, small, sizeof(small)),
	                 -ENOSPC);
	event_fini(&ev);
}

static void
test_message_boundary_from_id(void **state)
{
	struct event ev;
	struct message_input in;
	session_make(&ev);
	input_make(&in, MESSAGE_REMINDER, &ev);
	char *a = render_ok(&in);
	char *b = render_ok(&in);
	in.message_id = "r-12-4@example.org";
	char *c = render_ok(&in);
	/* Same id, same bytes (a retry sends the same message). */
	assert_string_equal(a, b);
	char *ba = strstr(a, "boundary=\""), *bc = strstr(c, "boundary=\"");
	assert_non_null(ba);
	assert_non_null(bc);
	assert_true(strncmp(ba, bc, 40) != 0);
	free(a);
	free(b);
	free(c);
	event_fini(&ev);
}

/* Write msg to a temporary file and run tests/check_message.py on it;
 * system()'s status (0 when the script exits 0). */
static int
python_check(const char *msg, const char *opts, int quiet)
{
	char path[] = "/tmp/test-message-XXXXXX.eml";
	int fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(msg, 1, strlen(msg), f), strlen(msg));
	assert_int_equal(fclose(f), 0);
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
	         "/usr/bin/python3 tests/check_message.py %s %s >/dev/null%s",
	         path, opts, quiet ? " 2>&1" : "");
	int rc = system(cmd);
	unlink(path);
	return rc;
}

/* Python's email package and icalendar judge every kind. */
static void
test_message_python_check(void **state)
{
	if (access("/usr/bin/python3", X_OK) != 0)
		skip();
	/* Run from the top of the tree, as make does. */
	assert_int_equal(access("tests/check_message.py", R_OK), 0);
	enum message_kind kinds[] = {MESSAGE_REMINDER, MESSAGE_DATED,
	                             MESSAGE_MOVED,    MESSAGE_PLACE,
	                             MESSAGE_CANCEL,   MESSAGE_STAFF};
	struct event ev, old;
	session_make(&ev);
	session_make(&old);
	assert_int_equal(event_str_set(&old.location, "Tlatelolco"), 0);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct message_input in;
		input_make(&in, kinds[i], &ev);
		in.old = &old;
		in.subject = "Resumen semanal";
		in.body_text = "Tres sesiones de marzo no tienen sede.";
		char *msg = render_ok(&in);
		int rc = python_check(msg, "", 0);
		if (rc != 0)
			print_error("check_message.py failed on kind %d\n",
			            (int)kinds[i]);
		assert_int_equal(rc, 0);
		free(msg);
	}
	/* Staff mail about no session has no calendar part. */
	struct message_input in;
	input_make(&in, MESSAGE_STAFF, NULL);
	in.subject = "Resumen semanal";
	in.body_text = "Sin novedades.";
	char *msg = render_ok(&in);
	assert_null(strstr(msg, "text/calendar"));
	assert_int_equal(python_check(msg, "--no-calendar", 0), 0);
	assert_int_equal(python_check(msg, "", 1), 256);
	free(msg);
	event_fini(&old);
	event_fini(&ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_message_reminder_subject),
	    cmocka_unit_test(test_message_view_reads_the_words),
	    cmocka_unit_test(test_message_subjects_each_kind),
	    cmocka_unit_test(test_message_headers),
	    cmocka_unit_test(test_message_calendar_part),
	    cmocka_unit_test(test_message_bodies),
	    cmocka_unit_test(test_message_long_title_and_lines),
	    cmocka_unit_test(test_message_qp_matches_reference),
	    cmocka_unit_test(test_message_header_injection),
	    cmocka_unit_test(test_message_html_escape),
	    cmocka_unit_test(test_message_template_override),
	    cmocka_unit_test(test_message_shared_parts_same_bytes),
	    cmocka_unit_test(test_message_links_the_organisation_page),
	    cmocka_unit_test(test_message_shared_parts_odd_templates),
	    cmocka_unit_test(test_message_when_words),
	    cmocka_unit_test(test_message_boundary_from_id),
	    cmocka_unit_test(test_message_python_check),
	    cmocka_unit_test(test_message_office_signature),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
