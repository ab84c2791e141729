/* message_internal: what message.c (the message and the parts messages
 * share), message_tpl.c (the templates) and message_words.c (subjects and
 * dates in words) tell each other; not a promise to any other module.
 * Tests may use it. */
#ifndef CRONOGRAMA_MESSAGE_INTERNAL_H
#define CRONOGRAMA_MESSAGE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "message.h"
#include "message_mime.h"

/* ---- templates (message_tpl.c) ---- */

/* The placeholders of the templates, {{titulo}} to {{tarde}}. */
enum tpl_var {
	TPL_TITULO,
	TPL_FECHA,
	TPL_FECHA_ANTERIOR,
	TPL_LUGAR,
	TPL_LUGAR_ANTERIOR,
	TPL_TEMA,
	TPL_ORGANIZACION,
	TPL_DESCRIPCION,
	TPL_MOTIVO,
	TPL_CALENDARIO,
	TPL_BAJA,
	TPL_TEXTO,
	TPL_TARDE,
	TPL_OFICINA,
	TPL_FIRMA,
	TPL_AVISO,
	TPL_SUSCRIPCION,
	TPL_TEMAS,
	TPL_ENLACE,
	TPL_VENCE,
	TPL_NVARS
};

/*
 * A value (vals[i] == tpl_hole) that differs from message to message:
 * expanding a template leaves a hole where it goes (and keeps a section
 * on it, as for any value that is not empty). The value is filled in
 * later (message.c). Values are NULL or "" when empty.
 */
extern const char tpl_hole[];

/* Where a per-message value goes in an expanded text. */
struct tpl_hole {
	size_t at; /* byte offset in the expanded text */
	enum tpl_var var;
};

/* An expanded template: its text without the per-message values, and
 * where they go, in order. */
struct tpl_out {
	struct buf text;
	struct tpl_hole *holes;
	size_t nholes, capholes;
	int oom;
};

void tpl_out_free(struct tpl_out *o);

/*
 * Expand the template name ("recordatorio.txt") of the operator's
 * directory dir (NULL or "": the built-ins only) into out: {{var}} is the
 * value (HTML-escaped when the name ends in ".html"), {{#var}}…{{/var}}
 * keeps its inside only when the value is not empty, and {{>firma}} is
 * the partial template firma.txt (or firma.html) expanded in place. The
 * templates of dir are read once (message_templates_load), not at every call.
 * 0, or negative with err: -EINVAL (unknown placeholder, unbalanced section),
 * -ENOENT (no such template), -EIO/-ENOMEM (dir could not be read).
 */
int tpl_render(const char *dir, const char *name,
               const char *const vals[TPL_NVARS], struct tpl_out *out,
               char *err, size_t errlen);

/* Forget the kept templates (message_cleanup). */
void tpl_cleanup(void);

/* Bumped every time the kept templates change: what was rendered from
 * the old ones is stale. */
unsigned tpl_generation(void);

/* Append s HTML-escaped, line breaks as <br> (as the templates' values). */
void tpl_html_escape(struct buf *b, const char *s);

/* ---- words (message_words.c) ---- */

/* The subject of in, uncleaned (the header writer cleans it): "Recordatorio:
 * TITLE — 8 de febrero", the title cut at a word. malloc'ed, or NULL when
 * out of memory. */
char *message_subject_make(const struct message_input *in);

/* ---- rendering (message.c) ---- */

/*
 * message_render without the shared parts: everything rendered from
 * scratch, as the reference the shared path must equal byte for byte.
 */
int message_render_whole(const struct message_input *in, char **out,
                         size_t *outlen, char *err, size_t errlen);

#endif
