/* table: aligned columns for people to read.
 *
 * Widths count code points, not bytes, so "Reunión" is seven columns wide
 * like "Reunion". Cells of one chosen column are cut with "…" when the
 * table would pass the width allowed. */
#include <stdlib.h>
#include <string.h>

#include "cronoctl.h"

/* The narrowest a cut column gets, so a title never shrinks to nothing. */
#define TABLE_MIN_FLEX 12

struct table {
	int ncols, nrows, cap;
	char **headers;
	char **cells; /* nrows * ncols */
	int *hide_empty;
};

size_t
table_utf8_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* Byte length of the first w code points of s. */
static size_t
utf8_prefix_bytes(const char *s, size_t w)
{
	size_t i = 0, seen = 0;

	while (s[i]) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (seen == w)
				break;
			seen++;
		}
		i++;
	}
	return i;
}

struct table *
table_new(int ncols, const char *const *headers)
{
	struct table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->ncols = ncols;
	t->headers = calloc((size_t)ncols, sizeof(char *));
	t->hide_empty = calloc((size_t)ncols, sizeof(int));
	if (!t->headers || !t->hide_empty) {
		table_free(t);
		return NULL;
	}
	for (int i = 0; i < ncols; i++) {
		/* NP_() headers carry a context ("\004"), N_() ones none. */
		const char *h = !headers[i][0] ? ""
		                : strchr(headers[i], '\004')
		                    ? cli_pgettext(headers[i])
		                    : _(headers[i]);

		t->headers[i] = strdup(h);
		if (!t->headers[i]) {
			table_free(t);
			return NULL;
		}
	}
	return t;
}

void
table_free(struct table *t)
{
	if (!t)
		return;
	for (int i = 0; t->headers && i < t->ncols; i++)
		free(t->headers[i]);
	for (int i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->headers);
	free(t->cells);
	free(t->hide_empty);
	free(t);
}

int
table_add_row(struct table *t, const char *const *cells)
{
	if (t->nrows == t->cap) {
		int cap = t->cap ? t->cap * 2 : 32;
		char **c = realloc(t->cells, (size_t)cap * (size_t)t->ncols *
		                                 sizeof(char *));

		if (!c)
			return -1;
		t->cells = c;
		t->cap = cap;
	}
	char **row = t->cells + (size_t)t->nrows * (size_t)t->ncols;

	for (int i = 0; i < t->ncols; i++) {
		row[i] = strdup(cells[i] ? cells[i] : "");
		if (!row[i]) {
			while (i--)
				free(row[i]);
			return -1;
		}
		/* A tab or newline inside a cell would break the columns. */
		for (char *p = row[i]; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
	}
	t->nrows++;
	return 0;
}

int
table_rows(const struct table *t)
{
	return t->nrows;
}

void
table_hide_empty(struct table *t, int col)
{
	if (col >= 0 && col < t->ncols)
		t->hide_empty[col] = 1;
}

/*
 * Print s in w columns, cut with "…" when wider. Spaces owed before it
 * (*owed) are written first, unless s is empty; the padding it leaves is
 * added to *owed, so that no line ends in spaces.
 */
static void
cell_print(FILE *f, const char *s, size_t w, size_t *owed)
{
	size_t sw = table_utf8_width(s);

	if (sw == 0) {
		*owed += w;
		return;
	}
	for (; *owed; (*owed)--)
		fputc(' ', f);
	if (sw > w) {
		size_t keep = w ? w - 1 : 0;

		fwrite(s, 1, utf8_prefix_bytes(s, keep), f);
		if (w)
			fputs("…", f);
		sw = w;
	} else
		fputs(s, f);
	*owed = w - sw;
}

void
table_finish(struct table *t, int flex, int max_width, const char *empty)
{
	if (table_rows(t))
		table_print(t, stdout, flex, max_width);
	else if (empty)
		printf("%s\n", empty);
	table_free(t);
}

void
table_print(const struct table *t, FILE *f, int flex, int max_width)
{
	size_t *w = calloc((size_t)t->ncols, sizeof(size_t));
	int *show = calloc((size_t)t->ncols, sizeof(int));
	int shown = 0;
	size_t total = 0;

	if (!w || !show) {
		free(w);
		free(show);
		return;
	}
	for (int c = 0; c < t->ncols; c++) {
		size_t cells = 0;

		for (int r = 0; r < t->nrows; r++) {
			size_t cw = table_utf8_width(
			    t->cells[(size_t)r * (size_t)t->ncols + (size_t)c]);
			if (cw > cells)
				cells = cw;
		}
		show[c] = !(t->hide_empty[c] && cells == 0);
		w[c] = cells;
		if (table_utf8_width(t->headers[c]) > w[c])
			w[c] = table_utf8_width(t->headers[c]);
		if (show[c]) {
			total += w[c] + (shown ? 2 : 0);
			shown++;
		}
	}
	if (max_width > 0 && flex >= 0 && flex < t->ncols && show[flex] &&
	    total > (size_t)max_width) {
		size_t over = total - (size_t)max_width;
		size_t fw = w[flex] > over ? w[flex] - over : 0;

		if (fw < TABLE_MIN_FLEX)
			fw =
			    w[flex] < TABLE_MIN_FLEX ? w[flex] : TABLE_MIN_FLEX;
		w[flex] = fw;
	}
	for (int r = -1; r < t->nrows; r++) {
		int first = 1;
		size_t owed = 0;

		for (int c = 0; c < t->ncols; c++) {
			const char *s;

			if (!show[c])
				continue;
			s = r < 0 ? t->headers[c]
			          : t->cells[(size_t)r * (size_t)t->ncols +
			                     (size_t)c];
			if (!first)
				owed += 2;
			first = 0;
			cell_print(f, s, w[c], &owed);
		}
		fputc('\n', f);
	}
	free(w);
	free(show);
}
