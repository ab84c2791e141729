/* strv: see strv.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strv.h"
#include "text.h"

int
strv_add(char ***v, size_t *n, const char *s)
{
	char **grown = realloc(*v, (*n + 1) * sizeof *grown);

	if (grown == NULL)
		return -ENOMEM;
	*v = grown;
	if ((grown[*n] = strdup(s)) == NULL)
		return -ENOMEM;
	(*n)++;
	return 0;
}

void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

int
strv_has(char *const *v, size_t n, const char *s, int nocase)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (nocase ? strcasecmp(v[i], s) == 0 : strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

int
strv_split(const char *text, const char *seps, char ***v, size_t *n)
{
	char *copy = strdup(text), *p, *part;
	int ret = 0;

	if (copy == NULL)
		return -ENOMEM;
	for (p = copy; ret == 0 && p != NULL;) {
		part = p;
		p = strpbrk(p, seps);
		if (p)
			*p++ = '\0';
		part = text_trim(part);
		if (*part)
			ret = strv_add(v, n, part);
	}
	free(copy);
	return ret;
}
