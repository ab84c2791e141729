/* api_osc_import: POST /v1/oscs/import, organisations from a CSV with
 * the header name,email,contact,state,topics (RFC 4180 quoting), all or
 * nothing with line-numbered errors; a known address updates its
 * organisation. */
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
 * Split text into RFC 4180 records: fields separated by ',', a field in
 * double quotes may hold commas, line breaks and "" for a quote; lines end
 * with CRLF or LF; blank lines are skipped. A malformed record is reported
 * in errors by its line and left out. Returns 0 or -ENOMEM.
 */
static int
csv_split(const char *text, struct csv *c, json_t *errors)
{
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
				if (*p != ',' && *p != '\n' && *p != '\0' &&
				    !(p[0] == '\r' && p[1] == '\n')) {
					import_error(errors, r.line,
					             "line %d: text after a "
					             "closing quote",
					             r.line);
					bad = 1;
					break;
				}
			} else {
				p += strcspn(p, ",\"\r\n");
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
			if (term == ',') {
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

		for (k = 0; k < COL__N; k++)
			if (strcasecmp(name, csv_columns[k]) == 0)
				break;
		if (k == COL__N) {
			import_error(errors, h->line,
			             "line %d: unknown column '%s' (the header "
			             "is name,email,contact,state,topics)",
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
		             "and email (contact, state and topics may follow)",
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

/*
 * Import text (the CSV) all or nothing: every record is read and checked
 * first; if none has an error they are written in one transaction, which a
 * dry run rolls back. *report as in /tmp/api.md. Returns 0, -EINVAL for
 * errors in the file, -EIO for the store.
 */
static int
osc_import_run(struct api_call *call, const char *text, int dry_run,
               json_t **report)
{
	struct store *st = call->ctx->store;
	json_t *rows = json_array(), *errors = json_array();
	struct osc_import im = {0};
	struct csv c;
	size_t i;
	int ret;

	*report = json_pack("{s:b, s:b, s:o, s:o}", "ok", 1, "dry_run", dry_run,
	                    "rows", rows, "errors", errors);
	if (!import_utf8_valid(text, strlen(text)))
		import_error(errors, 0, "the file is not valid UTF-8");
	ret = csv_split(text, &c, errors);
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
	const char *text;
	int bad = 0, rc, dry_run;

	if (!body)
		return;
	text = api_body_str(call, body, "text", &bad);
	if (bad)
		return;
	if (!text) {
		api_error(call, 400, "'text' (the CSV) is required");
		return;
	}
	dry_run = api_body_bool(body, "dry_run");
	rc = osc_import_run(call, text, dry_run, &report);
	if (rc == 0 && !dry_run)
		api_others_changed(call);
	api_reply_json(call, rc == 0 ? 200 : rc == -EINVAL ? 422 : 500, report);
}
