/* api_osc_import: POST /v1/oscs/import, organisations from a CSV with
 * the header name,email,contact,state,topics or, as staff write it,
 * nombre,correo,contacto,estado,temas (RFC 4180 quoting), all or nothing
 * with line-numbered errors; a known address updates its organisation.
 *
 * The file comes as a spreadsheet saved it: UTF-8 with or without a BOM,
 * or Windows-1252 (Excel's "CSV (delimitado por comas)" on a Spanish
 * Windows), detected and decoded by import_osc.c; its columns separated by
 * commas or, as that same Excel writes them, by semicolons, detected from
 * the header line. The report says which.
 *
 * The file is decoded, read and checked off the loop (api_work.c); only
 * what needs the store (whose addresses, which topics) and the writing
 * are done on it. */
#include <errno.h>
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
#include "budget.h"
#include "import.h"
#include "log.h"
#include "store.h"
#include "text.h"

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
	text_utf8_fix(msg);
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
 * reported in errors by its line and left out. Returns 0, -ENOMEM or the
 * budget's reason.
 */
static int
csv_split(const char *text, char sep, struct csv *c, json_t *errors,
          struct budget *b)
{
	const char stops[] = {sep, '"', '\r', '\n', '\0'};
	int line = 1, rc;
	char *p;

	memset(c, 0, sizeof *c);
	if ((rc = budget_spend(b, strlen(text) + 1)) < 0)
		return rc;
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
		if ((rc = budget_spend(b, sizeof(*c->v))) < 0)
			return rc;
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
	char **names; /* its topics as the file names them */
	size_t nnames;
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

	for (i = 0; i < im->n; i++) {
		osc_fini(&im->v[i].o);
		api_osc_strv_free(im->v[i].names, im->v[i].nnames);
	}
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

/* Field k of record r, trimmed, or "" when the record is shorter than
 * the header (found by fuzz_oscs: a short row read past its fields). */
static const char *
rec_get(const struct osc_import *im, const struct csv_rec *r, int k)
{
	int c = im->col[k];

	if (c < 0 || c >= r->nf || c >= CSV_MAX_FIELDS || r->f[c] == NULL)
		return "";
	return api_osc_trim(r->f[c]);
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
 * Check one record and plan it into p, without the store: its fields,
 * addresses and topics well formed, no address twice, none seen on an
 * earlier line. Errors go to errors (the return is then ROW_BAD); -ENOMEM
 * is returned as such. The caller osc_fini()s p->o and frees p->names
 * whatever the return.
 */
static int
osc_import_row(struct osc_import *im, const struct csv_rec *r,
               struct osc_plan *p, json_t *errors)
{
	const char *name = rec_get(im, r, COL_NAME);
	char why[600];
	size_t i, j, k;
	int field;

	memset(p, 0, sizeof *p);
	p->line = r->line;
	if (r->nf != im->ncols) {
		import_error(errors, r->line,
		             "line %d has %d fields, the header %d", r->line,
		             r->nf, im->ncols);
		return ROW_BAD;
	}
	for (field = 0; field < r->nf; field++)
		if (!text_utf8_valid(r->f[field], strlen(r->f[field]))) {
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
	    api_osc_strv_split(rec_get(im, r, COL_TOPICS), ",;", &p->names,
	                       &p->nnames) < 0)
		return -ENOMEM;
	if (api_osc_fields_check(&p->o, why, sizeof why) < 0) {
		import_error(errors, r->line, "line %d: %s", r->line, why);
		return ROW_BAD;
	}
	if (p->o.nemails == 0) {
		import_error(errors, r->line, "line %d: no address", r->line);
		return ROW_BAD;
	}
	for (i = 0; i < p->o.nemails; i++) {
		const char *a = p->o.emails[i];

		if (addr_spec_check(a, why, sizeof why) < 0) {
			import_error(errors, r->line, "line %d: %s", r->line,
			             why);
			return ROW_BAD;
		}
		if (api_osc_strv_has(p->o.emails, i, a, 1)) {
			import_error(errors, r->line,
			             "line %d: address '%s' is given twice",
			             r->line, a);
			return ROW_BAD;
		}
		for (j = 0; j < im->n; j++)
			if (api_osc_strv_has(im->v[j].o.emails,
			                     im->v[j].o.nemails, a, 1))
				break;
		if (j < im->n) {
			import_error(errors, r->line,
			             "line %d: address '%s' is also on line %d",
			             r->line, a, im->v[j].line);
			return ROW_BAD;
		}
	}
	return 0;
}

/*
 * The store's part of planning record p (on the loop): its known
 * addresses must all be of one organisation, which no earlier record
 * updates, and its topics must exist. Errors go to errors (ROW_BAD);
 * -ENOMEM and -EIO are returned as such.
 */
static int
osc_import_resolve(struct store *st, struct osc_import *im, size_t idx,
                   json_t *errors)
{
	struct osc_plan *p = &im->v[idx];
	char why[600];
	long owner = 0;
	size_t i, j;
	int ret = 0;

	for (i = 0; ret == 0 && i < p->o.nemails; i++) {
		long id;

		if (store_osc_email_owner(st, p->o.emails[i], &id) < 0) {
			import_error(errors, 0, "store: %s", store_error(st));
			return -EIO;
		}
		if (id != 0 && owner != 0 && id != owner) {
			import_error(errors, p->line,
			             "line %d: its addresses belong to two "
			             "organisations (%ld and %ld)",
			             p->line, owner, id);
			return ROW_BAD;
		}
		if (id != 0)
			owner = id;
	}
	for (j = 0; owner != 0 && j < idx; j++)
		if (im->v[j].o.id == owner) {
			import_error(
			    errors, p->line,
			    "line %d: organisation %ld is also updated "
			    "by line %d",
			    p->line, owner, im->v[j].line);
			return ROW_BAD;
		}
	p->o.id = owner;
	ret = api_osc_topics_resolve(st, p->names, p->nnames, &p->o.topics,
	                             &p->o.ntopics, why, sizeof why);
	if (ret == -EINVAL) {
		import_error(errors, p->line, "line %d: %s", p->line, why);
		ret = ROW_BAD;
	}
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
osc_import_apply(struct store *st, long peer_uid, struct osc_import *im,
                 int dry_run, json_t *rows, json_t *errors)
{
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
	ret = store_audit_add(st, peer_uid, "osc.import", "oscs", NULL, after);
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

/* An organisations import, read by api_work: the CSV's text, or its
 * bytes in base64 (both in the request's body), its records and their
 * plans, the report. */
struct osc_work {
	const char *text, *data;
	char *decoded;
	const char *encoding;
	char sep[2];
	int dry_run;
	int bad_base64; /* 'data' was not base64: a bad request */
	long peer_uid;
	struct csv c;
	struct osc_import im;
	json_t *report, *rows, *errors;
};

/* Decode, read and check every record (a thread of its own: no store). */
static int
osc_work_read(void *arg, struct budget *b)
{
	struct osc_work *w = arg;
	char *bytes = NULL;
	size_t len, i;
	int ret;

	if (w->data != NULL) {
		if ((ret = budget_spend(b, strlen(w->data) * 4)) < 0)
			return ret;
		ret = b64_decode(w->data, &bytes, &len);
		if (ret == -EINVAL) {
			w->bad_base64 = 1;
			return 0;
		}
		if (ret == 0) {
			char why[300];
			int line;

			ret = import_osc_decode(bytes, len, &w->decoded,
			                        &w->encoding, &line, why,
			                        sizeof(why));
			if (ret == -EINVAL)
				import_error(w->errors, line, "%s", why);
		}
		free(bytes);
		if (ret < 0)
			return ret == -EINVAL ? 0 : ret;
		w->text = w->decoded;
	}
	w->sep[0] = csv_separator(w->text);
	if (!text_utf8_valid(w->text, strlen(w->text)))
		import_error(w->errors, 0, "the file is not valid UTF-8");
	ret = csv_split(w->text, w->sep[0], &w->c, w->errors, b);
	if (ret == 0 && w->c.n == 0 && json_array_size(w->errors) == 0)
		import_error(w->errors, 1,
		             "line 1: the file is empty; its first "
		             "line is name,email,contact,state,"
		             "topics");
	if (ret < 0 || w->c.n == 0 ||
	    osc_import_header(&w->im, &w->c.v[0], w->errors) < 0)
		return ret;
	if ((w->im.v = calloc(w->c.n, sizeof *w->im.v)) == NULL)
		return -ENOMEM;
	for (i = 1; ret == 0 && i < w->c.n; i++) {
		struct osc_plan *p = &w->im.v[w->im.n];
		int r = osc_import_row(&w->im, &w->c.v[i], p, w->errors);

		if (r == 0) {
			w->im.n++;
			ret = budget_spend(b, sizeof(*p) + 256);
		} else {
			osc_fini(&p->o);
			api_osc_strv_free(p->names, p->nnames);
			p->names = NULL;
			p->nnames = 0;
		}
		if (r < 0)
			ret = r;
	}
	return ret;
}

/* On the loop: the store's checks, then all written in one transaction
 * (rolled back for a dry run), or nothing. */
static int
osc_work_finish(void *arg, int read_rc, struct api_ctx *ctx, json_t **body)
{
	struct osc_work *w = arg;
	struct store *st = ctx->store;
	char why[160];
	size_t i;
	int ret = read_rc;

	if (w->bad_base64) {
		*body = json_pack("{s:s}", "error", "'data' is not base64");
		return 400;
	}
	if (ret == -ETIMEDOUT || ret == -E2BIG || ret == -ECANCELED) {
		struct budget b = {.over = ret};

		b.timeout_ms = (uint64_t)ctx->cfg->import_timeout * 1000u;
		b.max_bytes = (size_t)ctx->cfg->import_max_memory << 20;
		json_array_clear(w->errors);
		import_error(w->errors, 0,
		             "the file was refused: reading it %s; nothing "
		             "was changed",
		             budget_why(&b, why, sizeof why));
		ret = -EINVAL;
	}
	for (i = 0; ret == 0 && i < w->im.n; i++) {
		int r = osc_import_resolve(st, &w->im, i, w->errors);

		if (r < 0)
			ret = r;
	}
	if (ret == 0 && json_array_size(w->errors) > 0)
		ret = -EINVAL;
	if (ret == 0)
		ret = osc_import_apply(st, w->peer_uid, &w->im, w->dry_run,
		                       w->rows, w->errors);
	if (ret == -ENOMEM)
		import_error(w->errors, 0, "out of memory");
	if (ret < 0) {
		json_array_clear(w->rows);
		json_object_set_new(w->report, "ok", json_false());
	}
	json_object_set_new(w->report, "encoding", json_string(w->encoding));
	if (w->sep[0])
		json_object_set_new(w->report, "separator",
		                    json_string(w->sep));
	if (ret == 0 && !w->dry_run && ctx->others_changed)
		ctx->others_changed(ctx->changed_arg);
	if (ret == 0)
		log_info("organisations import%s: %zu rows",
		         w->dry_run ? " (dry run)" : "", w->im.n);
	else if (ret == -EINVAL)
		log_info("organisations import: refused (%zu errors)",
		         json_array_size(w->errors));
	else
		log_err("organisations import: not written: %s",
		        store_error(st));
	*body = json_incref(w->report);
	return ret == 0 ? 200 : ret == -EINVAL ? 422 : 500;
}

static void
osc_work_free(void *arg)
{
	struct osc_work *w = arg;

	osc_import_free(&w->im);
	csv_free(&w->c);
	free(w->decoded);
	json_decref(w->report);
	free(w);
}

void
api_osc_import(struct api_call *call)
{
	json_t *body = api_body(call);
	const char *text, *data = NULL;
	struct osc_work *w;
	int bad = 0, dry_run;

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
	if ((w = calloc(1, sizeof *w)) == NULL) {
		api_error(call, 500, "out of memory");
		return;
	}
	w->text = text;
	w->data = data;
	w->encoding = "UTF-8";
	w->dry_run = dry_run;
	w->peer_uid = call->req->peer_uid;
	w->rows = json_array();
	w->errors = json_array();
	w->report = json_pack("{s:b, s:b, s:o, s:o}", "ok", 1, "dry_run",
	                      dry_run, "rows", w->rows, "errors", w->errors);
	if (w->report == NULL) {
		free(w);
		api_error(call, 500, "out of memory");
		return;
	}
	api_work_start(call, "organisations import", dry_run, osc_work_read,
	               osc_work_finish, osc_work_free, w);
}
