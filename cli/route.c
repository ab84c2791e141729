/* route: the control API's routes for cronoctl, expanded from
 * daemon/routes.def (the daemon's table comes from the same file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cronoctl.h"

const struct route_info cli_routes[ROUTE__N] = {
#define ROUTE(name, method, pattern, handler, summary) {method, pattern},
#include "routes.def"
#undef ROUTE
};

int
route_path(enum route r, const char *id, char *buf, size_t n)
{
	const char *pattern = cli_routes[r].pattern;
	const char *at = strstr(pattern, "{id}");
	char *e = NULL;
	int w;

	if (at == NULL || id == NULL) {
		w = snprintf(buf, n, "%s", pattern);
	} else {
		if ((e = client_escape(id)) == NULL) {
			cli_error(_("out of memory"));
			return CLI_EAPI;
		}
		w = snprintf(buf, n, "%.*s%s%s", (int)(at - pattern), pattern,
		             e, at + 4);
		free(e);
	}
	if (w < 0 || (size_t)w >= n)
		return CLI_EUSAGE;
	return CLI_OK;
}
