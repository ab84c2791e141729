/* import_osc: the organisations import: a CSV with the header
 * name,email,contact,state,topics or, as staff write it,
 * nombre,correo,contacto,estado,temas (RFC 4180 quoting), all or nothing
 * with line-numbered errors; a known address updates its organisation.
 * See import.h.
 *
 * The file comes as a spreadsheet saved it: UTF-8 with or without a BOM,
 * or Windows-1252 (Excel's "CSV (delimitado por comas)" on a Spanish
 * Windows), detected and converted with iconv; its columns separated by
 * commas or, as that same Excel writes them, by semicolons, detected from
 * the header line. The report says which.
 *
 * The file is decoded, read and checked off the loop; only what needs
 * the store (whose addresses, which topics) and the writing are done on
 * it, in one transaction with the audit entry. */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "budget.h"
#include "change.h"
#include "config.h"
#include "import.h"
#include "import_internal.h"
#include "log.h"
#include "office.h"
#include "org.h"
#include "store.h"
#include "strv.h"
#include "text.h"
#include "view.h"

#define CSV_MAX_FIELDS 16
#define ROW_BAD        1

/* ---- reading the CSV ---- */

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

/* An error of the report, by line (0: the whole file). */
#define import_error(errors, line, ...)                                        \
	import_error_add((errors), (line), 0, __VA_ARGS__)

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
csv_split(const char *text, char sep, struct csv *c, struct import_msgs *errors,
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
		strv_free(im->v[i].names, im->v[i].nnames);
	}
	free(im->v);
}

/* Read the header: which column holds which field. 0, or -1 (reported). */
static int
osc_import_header(struct osc_import *im, const struct csv_rec *h,
                  struct import_msgs *errors)
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
		const char *name = text_trim(h->f[i]);
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
	return text_trim(r->f[c]);
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
               struct osc_plan *p, struct import_msgs *errors)
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
	p->o.contact = text_dup_trimmed(rec_get(im, r, COL_CONTACT));
	p->o.state = text_dup_trimmed(rec_get(im, r, COL_STATE));
	if (strv_split(rec_get(im, r, COL_EMAIL), ",;", &p->o.emails,
	               &p->o.nemails) < 0 ||
	    strv_split(rec_get(im, r, COL_TOPICS), ",;", &p->names,
	               &p->nnames) < 0)
		return -ENOMEM;
	if (org_fields_check(&p->o, why, sizeof why) < 0) {
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
		if (strv_has(p->o.emails, i, a, 1)) {
			import_error(errors, r->line,
			             "line %d: address '%s' is given twice",
			             r->line, a);
			return ROW_BAD;
		}
		for (j = 0; j < im->n; j++)
			if (strv_has(im->v[j].o.emails, im->v[j].o.nemails, a,
			             1))
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
                   struct import_msgs *errors)
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
	ret = org_topics_resolve(st, p->names, p->nnames, &p->o.topics,
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
osc_import_write(struct store *st, struct osc_plan *p,
                 const struct consent *given)
{
	struct osc old, now;
	char *before = NULL, *after = NULL, detail[64];
	struct consent c = *given;
	size_t i;
	int ret = 0;

	if (p->o.id == 0) {
		p->action = "create";
		snprintf(detail, sizeof detail, "%d", p->line);
		c.detail = detail;
		p->o.consent = &c;
		ret = store_osc_add(st, &p->o, &p->id);
		p->o.consent = NULL;
		return ret;
	}
	p->id = p->o.id;
	if ((ret = store_osc_get(st, p->o.id, &old)) < 0)
		return ret;
	if ((before = view_osc_text(&old)) == NULL)
		ret = -ENOMEM;
	/* Its addresses first, in their order, then the row's new ones. */
	for (i = 0; ret == 0 && i < p->o.nemails; i++)
		if (!strv_has(old.emails, old.nemails, p->o.emails[i], 1))
			ret =
			    strv_add(&old.emails, &old.nemails, p->o.emails[i]);
	if (ret == 0) {
		strv_free(p->o.emails, p->o.nemails);
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
		after = view_osc_text(&now);
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

int
import_osc_decode(const char *data, size_t len, char **text,
                  const char **encoding, int *line, char *why, size_t whylen)
{
	char *out, *in = (char *)data, *op;
	size_t inleft = len, outleft = len * 3 + 1;
	const char *nul = memchr(data, '\0', len);
	iconv_t cd;

	*line = 0;
	*why = '\0';
	*text = NULL;
	*encoding = "UTF-8";
	if (len >= 2 &&
	    ((unsigned char)data[0] == 0xFF ||
	     (unsigned char)data[0] == 0xFE) &&
	    ((unsigned char)data[1] == 0xFE ||
	     (unsigned char)data[1] == 0xFF)) {
		snprintf(why, whylen,
		         "the file is UTF-16 text (Excel's \"Unicode "
		         "text\"): save it as CSV (comma or semicolon "
		         "separated) or CSV UTF-8");
		return -EINVAL;
	}
	if (len >= 4 && memcmp(data, "PK\3\4", 4) == 0) {
		snprintf(why, whylen,
		         "the file is a workbook (.xlsx or .ods), not CSV: "
		         "save it as CSV from the spreadsheet");
		return -EINVAL;
	}
	if (nul) {
		*line = line_at(data, (size_t)(nul - data));
		snprintf(why, whylen,
		         "line %d: a NUL byte: this is not a CSV text file",
		         line_at(data, (size_t)(nul - data)));
		return -EINVAL;
	}
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	if (text_utf8_valid(data, len)) {
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
		snprintf(why, whylen,
		         "the file is not UTF-8, and this system cannot "
		         "convert Windows-1252 (iconv: %s)",
		         strerror(errno));
		return -EINVAL;
	}
	in = (char *)data;
	if (iconv(cd, &in, &inleft, &op, &outleft) == (size_t)-1) {
		int at = line_at(data, (size_t)(in - data));

		iconv_close(cd);
		free(out);
		*line = at;
		snprintf(why, whylen,
		         "line %d: byte 0x%02X is neither UTF-8 nor "
		         "Windows-1252 text",
		         at, (unsigned char)*in);
		return -EINVAL;
	}
	iconv_close(cd);
	*op = '\0';
	*text = out;
	return 0;
}

/* ---- the job ---- */

struct import_osc_job {
	int dry_run;
	long peer_uid;
	char *decoded; /* the file's bytes as UTF-8 text */
	char sep[2];
	struct csv c;
	struct osc_import im;
	struct import_msgs errors;
	struct import_osc_row *rows;
	size_t nrows;
	struct import_osc_report report;
};

int
import_osc_job_new(int dry_run, long peer_uid, struct import_osc_job **out)
{
	struct import_osc_job *job = calloc(1, sizeof(*job));

	*out = job;
	if (job == NULL)
		return -ENOMEM;
	job->dry_run = dry_run;
	job->peer_uid = peer_uid;
	job->errors.textmax = 700;
	job->report.ok = 1;
	job->report.dry_run = dry_run;
	job->report.encoding = "UTF-8";
	return 0;
}

void
import_osc_job_free(struct import_osc_job *job)
{
	if (job == NULL)
		return;
	osc_import_free(&job->im);
	csv_free(&job->c);
	free(job->decoded);
	import_msgs_fini(&job->errors);
	free(job->rows);
	free(job);
}

int
import_osc_job_read_text(struct import_osc_job *job, const char *text,
                         struct budget *b)
{
	size_t i;
	int ret;

	job->sep[0] = csv_separator(text);
	if (!text_utf8_valid(text, strlen(text)))
		import_error(&job->errors, 0, "the file is not valid UTF-8");
	ret = csv_split(text, job->sep[0], &job->c, &job->errors, b);
	if (ret == 0 && job->c.n == 0 && job->errors.n == 0)
		import_error(&job->errors, 1,
		             "line 1: the file is empty; its first "
		             "line is name,email,contact,state,"
		             "topics");
	if (ret < 0 || job->c.n == 0 ||
	    osc_import_header(&job->im, &job->c.v[0], &job->errors) < 0)
		return ret;
	if ((job->im.v = calloc(job->c.n, sizeof *job->im.v)) == NULL)
		return -ENOMEM;
	for (i = 1; ret == 0 && i < job->c.n; i++) {
		struct osc_plan *p = &job->im.v[job->im.n];
		int r = osc_import_row(&job->im, &job->c.v[i], p, &job->errors);

		if (r == 0) {
			job->im.n++;
			ret = budget_spend(b, sizeof(*p) + 256);
		} else {
			osc_fini(&p->o);
			strv_free(p->names, p->nnames);
			p->names = NULL;
			p->nnames = 0;
		}
		if (r < 0)
			ret = r;
	}
	return ret;
}

int
import_osc_job_read_bytes(struct import_osc_job *job, const char *data,
                          size_t len, struct budget *b)
{
	char why[300];
	int line, ret;

	ret = import_osc_decode(data, len, &job->decoded, &job->report.encoding,
	                        &line, why, sizeof(why));
	if (ret == -EINVAL) {
		import_error(&job->errors, line, "%s", why);
		return 0;
	}
	if (ret < 0)
		return ret;
	return import_osc_job_read_text(job, job->decoded, b);
}

/* Write every planned organisation in one transaction, committed with
 * its audit entry unless a dry run. 0, or a negative code with the error
 * in the report (nothing written). */
static int
osc_import_apply(struct import_osc_job *job, const struct office *of)
{
	struct consent given = {.how = "import",
	                        .by_uid = job->peer_uid,
	                        .notice = (char *)org_privacy_version(of)};
	struct store *st = of->st;
	struct osc_import *im = &job->im;
	char *after;
	size_t i;
	int ret;

	if ((ret = store_begin(st)) < 0) {
		import_error(&job->errors, 0, "store: %s", store_error(st));
		return ret;
	}
	if ((job->rows = calloc(im->n + 1, sizeof(*job->rows))) == NULL) {
		store_rollback(st);
		return -ENOMEM;
	}
	for (i = 0; i < im->n; i++) {
		struct osc_plan *p = &im->v[i];
		struct import_osc_row *row = &job->rows[i];

		if ((ret = osc_import_write(st, p, &given)) < 0) {
			import_error(&job->errors, p->line, "line %d: %s",
			             p->line, store_error(st));
			store_rollback(st);
			job->nrows = 0;
			return ret == -EEXIST ? -EINVAL : ret;
		}
		/* A dry run's new organisations get no number. */
		row->line = p->line;
		row->id = job->dry_run && p->o.id == 0 ? 0 : p->id;
		row->name = p->o.name;
		row->action = p->action;
		job->nrows = i + 1;
	}
	job->report.rows = job->rows;
	job->report.nrows = job->nrows;
	if (job->dry_run)
		return store_rollback(st);
	if ((after = view_import_osc_rows_text(&job->report)) == NULL) {
		store_rollback(st);
		return -ENOMEM;
	}
	ret = store_audit_add(st, job->peer_uid, "osc.import", "oscs", NULL,
	                      after);
	free(after);
	if (ret == 0 && (ret = store_commit(st)) == 0)
		return 0;
	import_error(&job->errors, 0, "store: %s", store_error(st));
	if (ret != 0)
		store_rollback(st);
	return ret;
}

int
import_osc_job_apply(struct import_osc_job *job, const struct office *of,
                     int read_rc)
{
	char why[160];
	size_t i;
	int ret = read_rc;

	if (ret == -ETIMEDOUT || ret == -E2BIG || ret == -ECANCELED) {
		struct budget b = {.over = ret};

		b.timeout_ms = (uint64_t)of->cfg->import_timeout * 1000u;
		b.max_bytes = (size_t)of->cfg->import_max_memory << 20;
		import_msgs_clear(&job->errors);
		import_error(&job->errors, 0,
		             "the file was refused: reading it %s; nothing "
		             "was changed",
		             budget_why(&b, why, sizeof why));
		ret = -EINVAL;
	}
	for (i = 0; ret == 0 && i < job->im.n; i++) {
		int r = osc_import_resolve(of->st, &job->im, i, &job->errors);

		if (r < 0)
			ret = r;
	}
	if (ret == 0 && job->errors.n > 0)
		ret = -EINVAL;
	if (ret == 0)
		ret = osc_import_apply(job, of);
	if (ret == -ENOMEM)
		import_error(&job->errors, 0, "out of memory");
	if (ret < 0) {
		job->nrows = 0;
		job->report.ok = 0;
	}
	job->report.rows = job->rows;
	job->report.nrows = job->nrows;
	job->report.errors = job->errors.v;
	job->report.nerrors = job->errors.n;
	job->report.separator = job->sep[0];
	if (ret == 0 && !job->dry_run)
		change_osc(of->changes);
	if (ret == 0)
		log_info("organisations import%s: %zu rows",
		         job->dry_run ? " (dry run)" : "", job->im.n);
	else if (ret == -EINVAL)
		log_info("organisations import: refused (%zu errors)",
		         job->errors.n);
	else
		log_err("organisations import: not written: %s",
		        store_error(of->st));
	return ret;
}

const struct import_osc_report *
import_osc_job_report(const struct import_osc_job *job)
{
	return &job->report;
}
