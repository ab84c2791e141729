/* api_osc_import: POST /v1/oscs/import, organisations from a CSV with
 * the header name,email,contact,state,topics or, as staff write it,
 * nombre,correo,contacto,estado,temas (RFC 4180 quoting), all or nothing
 * with line-numbered errors; a known address updates its organisation.
 *
 * The file comes as a spreadsheet saved it: UTF-8 with or without a BOM,
 * or Windows-1252 (Excel's "CSV (delimitado por comas)" on a Spanish
 * Windows), detected and converted with iconv; its columns separated by
 * commas or, as that same Excel writes them, by semicolons, detected from
 * the header line. The report says which. */
#include <errno.h>
#include <iconv.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "api.h"
#include "api_internal.h"
#include "api_osc_internal.h"
#include "import.h"
#include "log.h"
#include "store.h"

#define CSV_MAX_FIELDS 16
#define CSV_MAX_ERRORS 200
#define ROW_BAD        1

/* ---- CSV import ---- */

/* One CSV record: its first line and its fields, unquoted, in place. */
struct csv_rec {
	int line;
	char *f[CSV_MAX_FIELDS];
	int nf;
};

struct csv {
	char *buf;
	struct csv_rec *v;
	size_t n, cap;
};

static void import_error(json_t *errors, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
import_error(json_t *errors, int line, const char *fmt, ...)
{
	char msg[700];
	va_list ap;

	if (json_array_size(errors) >= CSV_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_array_append_new(
	    errors, json_pack("{s:o, s:s}", "line",
	                      line > 0 ? json_integer(line) : json_null(),
	                      "message", msg));
}

/* Skip p past the end of its line; the line count follows. */
static char *
csv_skip_line(char *p, int *line)
{
	p += strcspn(p, "\n");
	if (*p == '\n') {
		p++;
		(*line)++;
	}
	return p;
}

/*
 * The separator of a CSV: ';' when its first non-blank line (the header)
 * has more semicolons than commas outside quotes, else ','.
 */
static char
csv_separator(const char *text)
{
	size_t commas = 0, semis = 0;
	int quoted = 0;

	text += strspn(text, "\r\n");
	for (; *text && (quoted || (*text != '\n' && *text != '\r')); text++)
		if (*text == '"')
			quoted = !quoted;
		else if (!quoted && *text == ',')
			commas++;
		else if (!quoted && *text == ';')
			semis++;
	return semis > commas ? ';' : ',';
}

/*
 * Split text into RFC 4180 records: fields separated by sep, a field in
 * double quotes may hold separators, line breaks and "" for a quote; lines
 * end with CRLF or LF; blank lines are skipped. A malformed record is
 * reported in errors by its line and left out. Returns 0 or -ENOMEM.
 */
static int
csv_split(const char *text, char sep, struct csv *c, json_t *errors)
{
	const char stops[] = {sep, '"', '\r', '\n', '\0'};
	int line = 1;
	char *p;

	memset(c, 0, sizeof *c);
	if ((c->buf = strdup(text)) == NULL)
		return -ENOMEM;
	p = c->buf;
	if (strncmp(p, "\xef\xbb\xbf", 3) == 0) /* a spreadsheet's BOM */
		p += 3;
	while (*p) {
		struct csv_rec r = {.line = line};
		int bad = 0, end = 0;

		if (*p == '\n' || (p[0] == '\r' && p[1] == '\n')) {
			p = csv_skip_line(p, &line);
			continue;
		}
		while (!end && !bad) {
			char *w = p, *start = p, term;

			if (*p == '"') {
				start = w = ++p;
				for (;;) {
					if (*p == '\0') {
						import_error(
						    errors, r.line,
						    "line %d: a quoted "
						    "field is not closed",
						    r.line);
						return 0;
					}
					if (*p == '"' && p[1] == '"') {
						*w++ = '"';
						p += 2;
					} else if (*p == '"') {
						p++;
						break;
					} else {
						if (*p == '\n')
							line++;
						*w++ = *p++;
					}
				}
				if (*p != sep && *p != '\n' && *p != '\0' &&
				    !(p[0] == '\r' && p[1] == '\n')) {
					import_error(errors, r.line,
					             "line %d: text after a "
					             "closing quote",
					             r.line);
					bad = 1;
					break;
				}
			} else {
				p += strcspn(p, stops);
				if (*p == '"') {
					import_error(
					    errors, r.line,
					    "line %d: a quote inside a "
					    "field that does not start "
					    "with one",
					    r.line);
					bad = 1;
					break;
				}
				if (*p == '\r' && p[1] != '\n') {
					import_error(errors, r.line,
					             "line %d: a carriage "
					             "return alone",
					             r.line);
					bad = 1;
					break;
				}
				w = p;
			}
			/* Read the terminator before w's NUL may cover it. */
			term = *p;
			*w = '\0';
			if (r.nf < CSV_MAX_FIELDS)
				r.f[r.nf] = start;
			r.nf++;
			if (term == sep) {
				p++;
				continue;
			}
			end = 1;
			if (term == '\r')
				p++;
			if (*p == '\n' || term == '\n') {
				p++;
				line++;
			}
		}
		if (bad) {
			p = csv_skip_line(p, &line);
			continue;
		}
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 64;
			struct csv_rec *grown =
			    realloc(c->v, cap * sizeof *grown);

			if (grown == NULL)
				return -ENOMEM;
			c->v = grown;
			c->cap = cap;
		}
		c->v[c->n++] = r;
	}
	return 0;
}

static void
csv_free(struct csv *c)
{
	free(c->buf);
	free(c->v);
}

enum { COL_NAME, COL_EMAIL, COL_CONTACT, COL_STATE, COL_TOPICS, COL__N };

static const char *const csv_columns[COL__N] = {"name", "email", "contact",
                                                "state", "topics"};

/* The names a header may give each column, compared in lower case and
 * without accents: English, and Spanish as staff write it. */
static const struct {
	const char *name;
	int col;
} csv_headers[] = {
    {"name", COL_NAME},
    {"nombre", COL_NAME},
    {"email", COL_EMAIL},
    {"e-mail", COL_EMAIL},
    {"correo", COL_EMAIL},
    {"correos", COL_EMAIL},
    {"correo electronico", COL_EMAIL},
    {"contact", COL_CONTACT},
    {"contacto", COL_CONTACT},
    {"state", COL_STATE},
    {"estado", COL_STATE},
    {"entidad", COL_STATE},
    {"topics", COL_TOPICS},
    {"temas", COL_TOPICS},
};

/* Spanish letters with accents (UTF-8, two bytes each) and their bare
 * letter. */
static const struct {
	const char utf8[3];
	char bare;
} header_accents[] = {
    {"á", 'a'}, {"é", 'e'}, {"í", 'i'}, {"ó", 'o'}, {"ú", 'u'},
    {"ü", 'u'}, {"ñ", 'n'}, {"Á", 'a'}, {"É", 'e'}, {"Í", 'i'},
    {"Ó", 'o'}, {"Ú", 'u'}, {"Ü", 'u'}, {"Ñ", 'n'},
};

/*
 * A header's name folded for comparison into buf: letters in lower case
 * and without accents, inner blanks as one space ("Correo  Electrónico"
 * gives "correo electronico").
 */
static void
header_fold(const char *s, char *buf, size_t n)
{
	size_t o = 0, i;

	while (*s && o + 1 < n) {
		for (i = 0; i < sizeof header_accents / sizeof *header_accents;
		     i++)
			if (strncmp(s, header_accents[i].utf8, 2) == 0)
				break;
		if (i < sizeof header_accents / sizeof *header_accents) {
			buf[o++] = header_accents[i].bare;
			s += 2;
		} else if (*s == ' ' || *s == '\t') {
			if (o > 0 && buf[o - 1] != ' ')
				buf[o++] = ' ';
			s++;
		} else {
			buf[o++] =
			    (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a'
			                                  : *s);
			s++;
		}
	}
	while (o > 0 && buf[o - 1] == ' ')
		o--;
	buf[o] = '\0';
}

/* One organisation of the file: what to write and how it went. */
struct osc_plan {
	int line;
	struct osc o; /* the row's fields (id: the one it updates, or 0) */
	const char *action;
	long id; /* after writing */
};

struct osc_import {
	struct osc_plan *v;
	size_t n;
	int col[COL__N]; /* column of each field, -1 if absent */
	int ncols;
};

static void
osc_import_free(struct osc_import *im)
{
	size_t i;

	for (i = 0; i < im->n; i++)
		osc_fini(&im->v[i].o);
	free(im->v);
}

/* Read the header: which column holds which field. 0, or -1 (reported). */
static int
osc_import_header(struct osc_import *im, const struct csv_rec *h,
                  json_t *errors)
{
	int i, k;

	for (k = 0; k < COL__N; k++)
		im->col[k] = -1;
	im->ncols = h->nf;
	if (h->nf > CSV_MAX_FIELDS) {
		import_error(errors, h->line, "line %d: more than %d columns",
		             h->line, CSV_MAX_FIELDS);
		return -1;
	}
	for (i = 0; i < h->nf; i++) {
		const char *name = api_osc_trim(h->f[i]);
		char folded[64];
		size_t j;

		header_fold(name, folded, sizeof folded);
		k = COL__N;
		for (j = 0; j < sizeof csv_headers / sizeof csv_headers[0]; j++)
			if (strcmp(folded, csv_headers[j].name) == 0)
				k = csv_headers[j].col;
		if (k == COL__N) {
			import_error(errors, h->line,
			             "line %d: unknown column '%s' (the header "
			             "is name,email,contact,state,topics or "
			             "nombre,correo,contacto,estado,temas)",
			             h->line, name);
			return -1;
		}
		if (im->col[k] >= 0) {
			import_error(errors, h->line,
			             "line %d: column '%s' is named twice",
			             h->line, name);
			return -1;
		}
		im->col[k] = i;
	}
	if (im->col[COL_NAME] < 0 || im->col[COL_EMAIL] < 0) {
		import_error(errors, h->line,
		             "line %d: the header must name the columns name "
		             "and email, or nombre and correo (contact, state "
		             "and topics, or contacto, estado and temas, may "
		             "follow)",
		             h->line);
		return -1;
	}
	return 0;
}

static const char *
rec_get(const struct osc_import *im, const struct csv_rec *r, int k)
{
	return im->col[k] < 0 ? "" : api_osc_trim(r->f[im->col[k]]);
}

/* 1 if s holds a control character (it may reach a mail header). */
static int
has_control(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * Check one record and plan it into p: its fields, addresses and topics
 * valid, no address seen on an earlier line, and its known addresses all
 * of one organisation that no earlier line updates. Errors go to errors
 * (the return is then ROW_BAD); -ENOMEM and -EIO are returned as such.
 * The caller osc_fini()s p->o whatever the return.
 */
static int
osc_import_row(struct store *st, struct osc_import *im, const struct csv_rec *r,
               struct osc_plan *p, json_t *errors)
{
	const char *name = rec_get(im, r, COL_NAME);
	char **names = NULL, why[600];
	size_t nnames = 0, i, j, k;
	int field, ret = 0;
	long owner = 0;

	memset(p, 0, sizeof *p);
	p->line = r->line;
	if (r->nf != im->ncols) {
		import_error(errors, r->line,
		             "line %d has %d fields, the header %d", r->line,
		             r->nf, im->ncols);
		return ROW_BAD;
	}
	for (field = 0; field < r->nf; field++)
		if (!import_utf8_valid(r->f[field], strlen(r->f[field]))) {
			import_error(errors, r->line,
			             "line %d is not valid UTF-8", r->line);
			return ROW_BAD;
		}
	if (!*name) {
		import_error(errors, r->line, "line %d: the name is empty",
		             r->line);
		return ROW_BAD;
	}
	for (k = 0; k < COL__N; k++)
		if (k != COL_EMAIL && has_control(rec_get(im, r, (int)k))) {
			import_error(errors, r->line,
			             "line %d: the %s must be one line",
			             r->line, csv_columns[k]);
			return ROW_BAD;
		}
	if ((p->o.name = strdup(name)) == NULL)
		return -ENOMEM;
	p->o.contact = api_osc_dup_trimmed(rec_get(im, r, COL_CONTACT));
	p->o.state = api_osc_dup_trimmed(rec_get(im, r, COL_STATE));
	if (api_osc_strv_split(rec_get(im, r, COL_EMAIL), ",;", &p->o.emails,
	                       &p->o.nemails) < 0 ||
	    api_osc_strv_split(rec_get(im, r, COL_TOPICS), ",;", &names,
	                       &nnames) < 0) {
		api_osc_strv_free(names, nnames);
		return -ENOMEM;
	}
	if (p->o.nemails == 0) {
		import_error(errors, r->line, "line %d: no address", r->line);
		ret = ROW_BAD;
	}
	for (i = 0; ret == 0 && i < p->o.nemails; i++) {
		const char *a = p->o.emails[i];
		long id;

		if (addr_spec_check(a, why, sizeof why) < 0) {
			import_error(errors, r->line, "line %d: %s", r->line,
			             why);
			ret = ROW_BAD;
			break;
		}
		if (api_osc_strv_has(p->o.emails, i, a, 1)) {
			import_error(errors, r->line,
			             "line %d: address '%s' is given twice",
			             r->line, a);
			ret = ROW_BAD;
			break;
		}
		for (j = 0; j < im->n; j++)
			if (api_osc_strv_has(im->v[j].o.emails,
			                     im->v[j].o.nemails, a, 1))
				break;
		if (j < im->n) {
			import_error(errors, r->line,
			             "line %d: address '%s' is also on line %d",
			             r->line, a, im->v[j].line);
			ret = ROW_BAD;
			break;
		}
		if (store_osc_email_owner(st, a, &id) < 0) {
			import_error(errors, 0, "store: %s", store_error(st));
			ret = -EIO;
			break;
		}
		if (id != 0 && owner != 0 && id != owner) {
			import_error(errors, r->line,
			             "line %d: its addresses belong to two "
			             "organisations (%ld and %ld)",
			             r->line, owner, id);
			ret = ROW_BAD;
			break;
		}
		if (id != 0)
			owner = id;
	}
	for (j = 0; ret == 0 && owner != 0 && j < im->n; j++)
		if (im->v[j].o.id == owner) {
			import_error(
			    errors, r->line,
			    "line %d: organisation %ld is also updated "
			    "by line %d",
			    r->line, owner, im->v[j].line);
			ret = ROW_BAD;
		}
	p->o.id = owner;
	if (ret == 0) {
		ret = api_osc_topics_resolve(st, names, nnames, &p->o.topics,
		                             &p->o.ntopics, why, sizeof why);
		if (ret == -EINVAL) {
			import_error(errors, r->line, "line %d: %s", r->line,
			             why);
			ret = ROW_BAD;
		}
	}
	api_osc_strv_free(names, nnames);
	return ret;
}

/*
 * Write one planned organisation (inside the import's transaction). An
 * import adds and updates, never removes: a known organisation takes the
 * row's name, its contact and state when given, keeps its addresses and
 * gains the row's, and is subscribed to the row's topics, except those it
 * unsubscribed from itself.
 */
static int
osc_import_write(struct store *st, struct osc_plan *p)
{
	struct osc old, now;
	char *before = NULL, *after = NULL;
	size_t i;
	int ret = 0;

	if (p->o.id == 0) {
		p->action = "create";
		return store_osc_add(st, &p->o, &p->id);
	}
	p->id = p->o.id;
	if ((ret = store_osc_get(st, p->o.id, &old)) < 0)
		return ret;
	if ((before = api_osc_text(&old)) == NULL)
		ret = -ENOMEM;
	/* Its addresses first, in their order, then the row's new ones. */
	for (i = 0; ret == 0 && i < p->o.nemails; i++)
		if (!api_osc_strv_has(old.emails, old.nemails, p->o.emails[i],
		                      1))
			ret = api_osc_strv_add(&old.emails, &old.nemails,
			                       p->o.emails[i]);
	if (ret == 0) {
		api_osc_strv_free(p->o.emails, p->o.nemails);
		p->o.emails = old.emails;
		p->o.nemails = old.nemails;
		old.emails = NULL;
		old.nemails = 0;
		if (p->o.contact == NULL && old.contact)
			p->o.contact = strdup(old.contact);
		if (p->o.state == NULL && old.state)
			p->o.state = strdup(old.state);
		ret = store_osc_update(st, &p->o);
	}
	if (ret >= 0)
		ret = store_osc_subscribe_new(st, p->o.id,
		                              (const char *const *)p->o.topics,
		                              p->o.ntopics);
	if (ret >= 0 && (ret = store_osc_get(st, p->o.id, &now)) >= 0) {
		after = api_osc_text(&now);
		osc_fini(&now);
		p->action = before && after && strcmp(before, after) == 0
		                ? "unchanged"
		                : "update";
	}
	free(before);
	free(after);
	osc_fini(&old);
	return ret < 0 ? ret : 0;
}

/* Write every planned organisation in one transaction, committed with
 * its audit row unless dry_run. 0, or a negative code with the error in
 * errors (nothing written). */
static int
osc_import_apply(struct api_call *call, struct osc_import *im, int dry_run,
                 json_t *rows, json_t *errors)
{
	struct store *st = call->ctx->store;
	char *after;
	size_t i;
	int ret;

	if ((ret = store_begin(st)) < 0) {
		import_error(errors, 0, "store: %s", store_error(st));
		return ret;
	}
	for (i = 0; i < im->n; i++) {
		struct osc_plan *p = &im->v[i];
		json_t *id;

		if ((ret = osc_import_write(st, p)) < 0) {
			import_error(errors, p->line, "line %d: %s", p->line,
			             store_error(st));
			store_rollback(st);
			return ret == -EEXIST ? -EINVAL : ret;
		}
		/* A dry run's new organisations get no number. */
		id =
		    dry_run && p->o.id == 0 ? json_null() : json_integer(p->id);
		json_array_append_new(rows, json_pack("{s:i, s:o, s:s, s:s}",
		                                      "line", p->line, "id", id,
		                                      "name", p->o.name,
		                                      "action", p->action));
	}
	if (dry_run)
		return store_rollback(st);
	after = json_dumps(rows, JSON_COMPACT);
	ret = store_audit_add(st, call->req->peer_uid, "osc.import", "oscs",
	                      NULL, after);
	free(after);
	if (ret == 0 && (ret = store_commit(st)) == 0)
		return 0;
	import_error(errors, 0, "store: %s", store_error(st));
	if (ret != 0)
		store_rollback(st);
	return ret;
}

/* ---- the file's bytes ---- */

/* The value of a base64 digit, or -1. */
static int
b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decode base64 (RFC 4648, padding optional, line breaks allowed) into a
 * malloc'ed buffer of *len bytes, NUL-terminated. -EINVAL when s is not
 * base64, -ENOMEM.
 */
static int
b64_decode(const char *s, char **out, size_t *len)
{
	size_t n = strlen(s), o = 0;
	unsigned long acc = 0;
	int bits = 0, pad = 0;
	char *buf = malloc(n / 4 * 3 + 4);

	if (buf == NULL)
		return -ENOMEM;
	for (; *s; s++) {
		int v = b64_value((unsigned char)*s);

		if (*s == '\r' || *s == '\n')
			continue;
		if (*s == '=') {
			pad++;
			continue;
		}
		if (v < 0 || pad) {
			free(buf);
			return -EINVAL;
		}
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (char)(acc >> bits & 0xFF);
		}
	}
	buf[o] = '\0';
	*out = buf;
	*len = o;
	return 0;
}

/* The line (from 1) of offset off in data. */
static int
line_at(const char *data, size_t off)
{
	int line = 1;

	for (size_t i = 0; i < off; i++)
		if (data[i] == '\n')
			line++;
	return line;
}

/*
 * The file's bytes as UTF-8 text in *text (malloc'ed): UTF-8 as it is
 * (its BOM dropped), or else Windows-1252 converted with iconv; *encoding
 * says which ("UTF-8", "Windows-1252"). What is neither (a NUL byte, a
 * byte Windows-1252 leaves undefined, UTF-16, a workbook) is reported in
 * errors with its line and gives -EINVAL; -ENOMEM.
 */
static int
osc_import_decode(const char *data, size_t len, char **text,
                  const char **encoding, json_t *errors)
{
	char *out, *in = (char *)data, *op;
	size_t inleft = len, outleft = len * 3 + 1;
	const char *nul = memchr(data, '\0', len);
	iconv_t cd;

	*text = NULL;
	*encoding = "UTF-8";
	if (len >= 2 &&
	    ((unsigned char)data[0] == 0xFF ||
	     (unsigned char)data[0] == 0xFE) &&
	    ((unsigned char)data[1] == 0xFE ||
	     (unsigned char)data[1] == 0xFF)) {
		import_error(errors, 0,
		             "the file is UTF-16 text (Excel's \"Unicode "
		             "text\"): save it as CSV (comma or semicolon "
		             "separated) or CSV UTF-8");
		return -EINVAL;
	}
	if (len >= 4 && memcmp(data, "PK\3\4", 4) == 0) {
		import_error(errors, 0,
		             "the file is a workbook (.xlsx or .ods), not CSV: "
		             "save it as CSV from the spreadsheet");
		return -EINVAL;
	}
	if (nul) {
		import_error(errors, line_at(data, (size_t)(nul - data)),
		             "line %d: a NUL byte: this is not a CSV text file",
		             line_at(data, (size_t)(nul - data)));
		return -EINVAL;
	}
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	if (import_utf8_valid(data, len)) {
		if ((*text = strndup(data, len)) == NULL)
			return -ENOMEM;
		return 0;
	}
	/* Not UTF-8: what a spreadsheet on Windows writes in Spain and
	 * Mexico. Every byte but five is a character there. */
	*encoding = "Windows-1252";
	if ((out = malloc(outleft)) == NULL)
		return -ENOMEM;
	op = out;
	cd = iconv_open("UTF-8", "WINDOWS-1252");
	if (cd == (iconv_t)-1) {
		free(out);
		import_error(errors, 0,
		             "the file is not UTF-8, and this system cannot "
		             "convert Windows-1252 (iconv: %s)",
		             strerror(errno));
		return -EINVAL;
	}
	in = (char *)data;
	if (iconv(cd, &in, &inleft, &op, &outleft) == (size_t)-1) {
		int line = line_at(data, (size_t)(in - data));

		iconv_close(cd);
		free(out);
		import_error(errors, line,
		             "line %d: byte 0x%02X is neither UTF-8 nor "
		             "Windows-1252 text",
		             line, (unsigned char)*in);
		return -EINVAL;
	}
	iconv_close(cd);
	*op = '\0';
	*text = out;
	return 0;
}

/*
 * Import text (the CSV, UTF-8) all or nothing: every record is read and
 * checked first; if none has an error they are written in one
 * transaction, which a dry run rolls back. *report as in
 * schemas/control-api.yaml (OscImportReport). Returns 0, -EINVAL for
 * errors in the file, -EIO for the store.
 */
static int
osc_import_run(struct api_call *call, const char *text, int dry_run,
               json_t **report)
{
	struct store *st = call->ctx->store;
	json_t *rows = json_array(), *errors = json_array();
	struct osc_import im = {0};
	const char sep[2] = {csv_separator(text), '\0'};
	struct csv c;
	size_t i;
	int ret;

	*report =
	    json_pack("{s:b, s:b, s:o, s:o, s:s}", "ok", 1, "dry_run", dry_run,
	              "rows", rows, "errors", errors, "separator", sep);
	if (!import_utf8_valid(text, strlen(text)))
		import_error(errors, 0, "the file is not valid UTF-8");
	ret = csv_split(text, sep[0], &c, errors);
	if (ret == 0 && c.n == 0 && json_array_size(errors) == 0)
		import_error(errors, 1,
		             "line 1: the file is empty; its first "
		             "line is name,email,contact,state,"
		             "topics");
	if (ret == 0 && c.n > 0 &&
	    osc_import_header(&im, &c.v[0], errors) == 0) {
		if ((im.v = calloc(c.n, sizeof *im.v)) == NULL)
			ret = -ENOMEM;
		for (i = 1; ret == 0 && i < c.n; i++) {
			int r = osc_import_row(st, &im, &c.v[i], &im.v[im.n],
			                       errors);

			if (r == 0)
				im.n++;
			else
				osc_fini(&im.v[im.n].o);
			if (r < 0)
				ret = r;
		}
	}
	if (ret == 0 && json_array_size(errors) > 0)
		ret = -EINVAL;
	if (ret == 0)
		ret = osc_import_apply(call, &im, dry_run, rows, errors);
	if (ret == -ENOMEM)
		import_error(errors, 0, "out of memory");
	osc_import_free(&im);
	csv_free(&c);
	if (ret < 0) {
		json_array_clear(rows);
		json_object_set_new(*report, "ok", json_false());
	}
	if (ret == -EINVAL)
		return ret;
	return ret < 0 ? -EIO : 0;
}

void
api_osc_import(struct api_call *call)
{
	json_t *body = api_body(call), *report;
	const char *text, *data, *encoding = "UTF-8";
	char *bytes = NULL, *decoded = NULL;
	size_t len;
	int bad = 0, rc, dry_run;

	if (!body)
		return;
	text = api_body_str(call, body, "text", &bad);
	if (!bad)
		data = api_body_str(call, body, "data", &bad);
	if (bad)
		return;
	if (!text == !data) {
		api_error(call, 400,
		          "give either 'text' (the CSV) or 'data' (the file's "
		          "bytes in base64)");
		return;
	}
	dry_run = api_body_bool(body, "dry_run");
	if (data) {
		json_t *errors = json_array();

		rc = b64_decode(data, &bytes, &len);
		if (rc == -EINVAL) {
			json_decref(errors);
			api_error(call, 400, "'data' is not base64");
			return;
		}
		if (rc == 0)
			rc = osc_import_decode(bytes, len, &decoded, &encoding,
			                       errors);
		free(bytes);
		if (rc < 0) {
			if (rc == -ENOMEM)
				import_error(errors, 0, "out of memory");
			report =
			    json_pack("{s:b, s:b, s:o, s:o, s:s}", "ok", 0,
			              "dry_run", dry_run, "rows", json_array(),
			              "errors", errors, "encoding", encoding);
			api_reply_json(call, rc == -EINVAL ? 422 : 500, report);
			return;
		}
		json_decref(errors);
		text = decoded;
	}
	rc = osc_import_run(call, text, dry_run, &report);
	free(decoded);
	json_object_set_new(report, "encoding", json_string(encoding));
	if (rc == 0 && !dry_run)
		api_others_changed(call);
	api_reply_json(call, rc == 0 ? 200 : rc == -EINVAL ? 422 : 500, report);
}
