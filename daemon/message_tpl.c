/* message_tpl: the mail templates. The built-in ones (contrib/templates/,
 * embedded at build time) and the operator's directory, whose files are
 * read and checked once (message_templates_load: at start and on SIGHUP)
 * and kept here, never read again per message. Expansion leaves holes for
 * the values that differ from message to message (message_internal.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "message_internal.h"
#include "message_mime.h"
#include "templates.h"

#define TEMPLATE_MAX  (1024 * 1024)
#define SECTION_DEPTH 8

const char tpl_hole[] = "(per message)";

static const char *const var_names[TPL_NVARS] = {
    [TPL_TITULO] = "titulo",
    [TPL_FECHA] = "fecha",
    [TPL_FECHA_ANTERIOR] = "fecha_anterior",
    [TPL_LUGAR] = "lugar",
    [TPL_LUGAR_ANTERIOR] = "lugar_anterior",
    [TPL_TEMA] = "tema",
    [TPL_ORGANIZACION] = "organizacion",
    [TPL_DESCRIPCION] = "descripcion",
    [TPL_MOTIVO] = "motivo",
    [TPL_CALENDARIO] = "calendario",
    [TPL_BAJA] = "baja",
    [TPL_TEXTO] = "texto",
    [TPL_TARDE] = "tarde",
    [TPL_OFICINA] = "oficina",
    [TPL_FIRMA] = "firma",
    [TPL_AVISO] = "aviso",
    [TPL_SUSCRIPCION] = "suscripcion",
    [TPL_TEMAS] = "temas",
    [TPL_ENLACE] = "enlace",
    [TPL_VENCE] = "vence",
};

/* The partials a template may include with {{>name}}: one text written
 * once for every kind of message. */
static const char *const partial_names[] = {"firma"};

/* The templates of one directory: texts[i] is the operator's text of
 * message_templates[i], or NULL where the built-in one applies. */
struct tpl_set {
	char *dir; /* NULL: no directory, the built-ins only */
	char **texts;
};

/* The set message_render uses, and its generation. */
static struct tpl_set kept;
static int kept_loaded;
static unsigned kept_generation = 1;

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

void
tpl_out_free(struct tpl_out *o)
{
	buf_fini(&o->text);
	free(o->holes);
	o->holes = NULL;
	o->nholes = o->capholes = 0;
}

static void
tpl_hole_add(struct tpl_out *o, enum tpl_var var)
{
	if (o->nholes == o->capholes) {
		size_t cap = o->capholes ? 2 * o->capholes : 8;
		struct tpl_hole *h = realloc(o->holes, cap * sizeof(*h));

		if (!h) {
			o->oom = 1;
			return;
		}
		o->holes = h;
		o->capholes = cap;
	}
	o->holes[o->nholes].at = o->text.len;
	o->holes[o->nholes].var = var;
	o->nholes++;
}

void
tpl_html_escape(struct buf *b, const char *s)
{
	while (*s) {
		/* Copy the run that needs no escaping in one go. */
		size_t n = strcspn(s, "&<>\"'\r\n");

		buf_add(b, s, n);
		s += n;
		switch (*s) {
		case '\0':
			return;
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
		}
		s++;
	}
}

static int
var_find(const char *name, size_t len)
{
	for (int i = 0; i < TPL_NVARS; i++)
		if (strlen(var_names[i]) == len &&
		    !memcmp(var_names[i], name, len))
			return i;
	return -1;
}

static const char *tpl_text_find(const struct tpl_set *set, const char *name);
static int tpl_expand(const struct tpl_set *set, const char *name,
                      const char *src, const char *const *vals, int html,
                      int in_partial, struct tpl_out *out, char *err,
                      size_t errlen);

/*
 * {{>NAME}} of template name: the partial NAME.txt (NAME.html in an HTML
 * template) of set, expanded into out unless hidden (it is checked all
 * the same). A partial cannot include another. 0 or -EINVAL.
 */
static int
tpl_partial(const struct tpl_set *set, const char *name, const char *t,
            size_t len, const char *const *vals, int html, int in_partial,
            int hidden, struct tpl_out *out, char *err, size_t errlen)
{
	char file[64];
	const char *text = NULL;
	struct tpl_out discard = {0};
	size_t i;
	int r;

	for (i = 0; i < sizeof(partial_names) / sizeof(partial_names[0]); i++)
		if (strlen(partial_names[i]) == len &&
		    !memcmp(partial_names[i], t, len))
			break;
	if (i == sizeof(partial_names) / sizeof(partial_names[0])) {
		err_set(err, errlen, "template %s: unknown partial {{>%.*s}}",
		        name, (int)len, t);
		return -EINVAL;
	}
	if (in_partial) {
		err_set(err, errlen,
		        "template %s: a partial cannot include {{>%.*s}}", name,
		        (int)len, t);
		return -EINVAL;
	}
	snprintf(file, sizeof(file), "%s.%s", partial_names[i],
	         html ? "html" : "txt");
	if ((text = tpl_text_find(set, file)) == NULL) {
		err_set(err, errlen, "no template named %s", file);
		return -ENOENT;
	}
	r = tpl_expand(set, file, text, vals, html, 1, hidden ? &discard : out,
	               err, errlen);
	tpl_out_free(&discard);
	return r;
}

/*
 * Expand template src (named name, for messages) into out: {{var}} is
 * the value (HTML-escaped when html), {{#var}}…{{/var}} keeps its inside
 * only when the value is non-empty; a value that is tpl_hole leaves a
 * hole. A section tag alone on its line takes its line end with it.
 * Unknown names and unbalanced sections are errors (-EINVAL with a
 * message), whether their section shows or not.
 */
static int
tpl_expand(const struct tpl_set *set, const char *name, const char *src,
           const char *const *vals, int html, int in_partial,
           struct tpl_out *out, char *err, size_t errlen)
{
	const char *stack[SECTION_DEPTH];
	size_t stack_len[SECTION_DEPTH];
	int depth = 0, hidden = 0; /* hidden: depth at which output stopped */
	const char *p = src;

	for (;;) {
		const char *open = strstr(p, "{{");
		const char *upto = open ? open : p + strlen(p);
		if (!hidden)
			buf_add(&out->text, p, (size_t)(upto - p));
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
		char sigil =
		    (t < te && (*t == '#' || *t == '/' || *t == '>')) ? *t : 0;
		if (sigil)
			t++;
		size_t len = (size_t)(te - t);
		if (sigil == '>') {
			int r =
			    tpl_partial(set, name, t, len, vals, html,
			                in_partial, hidden, out, err, errlen);
			if (r < 0)
				return r;
			p = close + 2;
			/* A partial alone on its line brings its own line
			 * ends. */
			if ((open == src || open[-1] == '\n') &&
			    (*p == '\n' || (p[0] == '\r' && p[1] == '\n')))
				p += *p == '\r' ? 2 : 1;
			continue;
		}
		int v = var_find(t, len);
		if (v < 0) {
			err_set(err, errlen,
			        "template %s: unknown placeholder {{%.*s}}",
			        name, (int)(close + 2 - open - 4), open + 2);
			return -EINVAL;
		}
		const char *value = vals[v];
		p = close + 2;
		if (!sigil) {
			if (hidden || !value)
				continue;
			if (value == tpl_hole)
				tpl_hole_add(out, (enum tpl_var)v);
			else if (html)
				tpl_html_escape(&out->text, value);
			else
				buf_adds(&out->text, value);
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
			if (!hidden && !(value && *value))
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
	return out->text.oom || out->oom ? -ENOMEM : 0;
}

/* ---- the sets ---- */

static void
tpl_set_free(struct tpl_set *set)
{
	for (unsigned i = 0; set->texts && i < message_templates_count; i++)
		free(set->texts[i]);
	free(set->texts);
	free(set->dir);
	set->texts = NULL;
	set->dir = NULL;
}

/*
 * The operator's file path, into *text (malloc'ed), or NULL when there is
 * none (the built-in applies). 0, or negative with err.
 */
static int
tpl_file_read(const char *path, char **text, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct buf b = {0};
	char chunk[4096];
	size_t n;
	int bad;

	*text = NULL;
	if (!f) {
		int e = errno;

		if (e == ENOENT || e == ENOTDIR)
			return 0;
		err_set(err, errlen, "template %s: %s", path, strerror(e));
		return -e;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 &&
	       b.len <= TEMPLATE_MAX)
		buf_add(&b, chunk, n);
	bad = ferror(f) || b.len > TEMPLATE_MAX;
	fclose(f);
	if (b.oom || bad) {
		buf_fini(&b);
		err_set(err, errlen,
		        "template %s: cannot read it or larger than 1 MiB",
		        path);
		return b.oom ? -ENOMEM : -EIO;
	}
	if (!b.p)
		buf_add(&b, "", 0);
	if (b.oom)
		return -ENOMEM;
	*text = b.p;
	return 0;
}

/*
 * Read the operator's templates of dir into set: every file named like a
 * built-in template must read and expand (known placeholders, balanced
 * sections, every section read). 0, or negative with err naming the file;
 * set is then empty.
 */
static int
tpl_set_load(struct tpl_set *set, const char *dir, char *err, size_t errlen)
{
	static const char *const words[] = {
	    "abuelo", "caramba",  "elote",      "gallo",  "huevo", "limon",
	    "mole",   "nopal",    "pozole",     "queso",  "salsa", "taco",
	    "tamal",  "tortilla", "xoconostle", "zapote",
	};
	const char *vals[TPL_NVARS];
	char path[4096];
	unsigned i;
	int r = 0;

	memset(set, 0, sizeof(*set));
	if (!dir || !*dir)
		return 0;
	set->dir = strdup(dir);
	set->texts = calloc(message_templates_count, sizeof(*set->texts));
	if (!set->dir || !set->texts) {
		tpl_set_free(set);
		err_set(err, errlen, "templates: out of memory");
		return -ENOMEM;
	}
	/* Every placeholder set (so that every section is read) to a
	 * harmless word; only the names and the structure are checked. */
	for (i = 0; i < TPL_NVARS; i++)
		vals[i] = words[i % (sizeof(words) / sizeof(words[0]))];
	for (i = 0; i < message_templates_count && r == 0; i++) {
		const char *name = message_templates[i].name;
		struct tpl_out out = {0};

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		r = tpl_file_read(path, &set->texts[i], err, errlen);
		if (r == 0 && set->texts[i])
			r = tpl_expand(set, path, set->texts[i], vals,
			               strstr(name, ".html") != NULL, 0, &out,
			               err, errlen);
		tpl_out_free(&out);
	}
	if (r < 0)
		tpl_set_free(set);
	return r;
}

/* The text of template name in set: the operator's file, else the
 * built-in one; NULL if there is no such template. */
static const char *
tpl_text_find(const struct tpl_set *set, const char *name)
{
	for (unsigned i = 0; i < message_templates_count; i++)
		if (!strcmp(message_templates[i].name, name))
			return set->texts && set->texts[i]
			           ? set->texts[i]
			           : message_templates[i].text;
	return NULL;
}

static int
dir_same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

int
message_templates_check(const char *dir, char *err, size_t errlen)
{
	struct tpl_set set;
	int r = tpl_set_load(&set, dir, err, errlen);

	tpl_set_free(&set);
	return r;
}

int
message_templates_load(const char *dir, char *err, size_t errlen)
{
	struct tpl_set set;
	int r = tpl_set_load(&set, dir, err, errlen);

	if (r < 0)
		return r;
	tpl_set_free(&kept);
	kept = set;
	kept_loaded = 1;
	kept_generation++;
	return 0;
}

void
tpl_cleanup(void)
{
	tpl_set_free(&kept);
	kept_loaded = 0;
	kept_generation++;
}

unsigned
tpl_generation(void)
{
	return kept_generation;
}

int
tpl_render(const char *dir, const char *name, const char *const vals[TPL_NVARS],
           struct tpl_out *out, char *err, size_t errlen)
{
	const char *text = NULL;
	int r;

	/* Another directory than the kept one's (a test, or a caller that
	 * never loaded): read it now, once. */
	if (!kept_loaded || !dir_same(kept.dir, dir)) {
		if ((r = message_templates_load(dir, err, errlen)) < 0)
			return r;
	}
	if ((text = tpl_text_find(&kept, name)) == NULL) {
		err_set(err, errlen, "no template named %s", name);
		return -ENOENT;
	}
	return tpl_expand(&kept, name, text, vals,
	                  strstr(name, ".html") != NULL, 0, out, err, errlen);
}
