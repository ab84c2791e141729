/* Shared by fecha.c, fecha_parse.c (the reader) and fecha_words.c
 * (normalising and tokenising); not a promise to any other module. */
#ifndef CRONOGRAMA_FECHA_INTERNAL_H
#define CRONOGRAMA_FECHA_INTERNAL_H

#include <stddef.h>

#include "fecha.h"

/* "enero" … "diciembre": month m is fecha_months[m - 1]. */
extern const char *const fecha_months[];

/* ---- fecha_parse.c and fecha_words.c ---- */

#define FECHA_INPUT_MAX  400
#define FECHA_TOKENS_MAX 80
#define FECHA_WORD_MAX   24
#define FECHA_QUOTE_MAX  100

enum fecha_tok_type {
	FECHA_TOK_END,
	FECHA_TOK_NUM,
	FECHA_TOK_WORD,
	FECHA_TOK_PUNCT,
};

enum fecha_ord {
	FECHA_ORD_NONE,
	FECHA_ORD_MASC, /* 1º 1° 1o 1ro 1er */
	FECHA_ORD_FEM,  /* 9ª 9a 1ra */
};

struct fecha_tok {
	enum fecha_tok_type type;
	int num, ndigits;
	enum fecha_ord ord;
	char word[FECHA_WORD_MAX]; /* WORD: normalised; PUNCT: the char */
	int off, len;              /* the original bytes */
};

struct fecha_reader {
	const char *words; /* trimmed original */
	int wlen;
	struct fecha_tok tok[FECHA_TOKENS_MAX];
	int ntok, pos;
	int year, month;
	struct fecha *out;
	char *err;
	size_t errlen;
};

/* Normalised text, each byte with the original bytes it stands for. */
struct fecha_norm {
	char c[FECHA_INPUT_MAX];
	short off[FECHA_INPUT_MAX], len[FECHA_INPUT_MAX];
	int n;
};

/* A marker for a character the reader does not know. */
#define FECHA_NORM_ALIEN '\001'

/* Fail the read: the message (quoting the original words) into r->err;
 * returns -1. */
int fecha_fail(struct fecha_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* r->words normalised into nm; 0 or -1 (failed with the reason). */
int fecha_normalise(struct fecha_reader *r, struct fecha_norm *nm);
/* nm into r's tokens; 0 or -1 (failed with the reason). */
int fecha_tokenise(struct fecha_reader *r, const struct fecha_norm *nm);

#endif
