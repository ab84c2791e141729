/* The built-in mail templates of contrib/templates/, embedded at build time
 * (contrib/embed-templates.sh). message.c uses them when the operator's
 * template directory has no file of the same name. */
#ifndef CRONOGRAMA_TEMPLATES_H
#define CRONOGRAMA_TEMPLATES_H

struct message_template {
	const char *name; /* base name, e.g. "recordatorio.txt" */
	const char *text; /* UTF-8, LF line ends */
};

extern const struct message_template message_templates[];
extern const unsigned message_templates_count;

#endif
