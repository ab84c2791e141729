/* address: see address.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "store.h"

/* The bounce policy of cfg; local is the buffer for its local part. */
static void
address_policy(const struct config *cfg, char *local, size_t len,
               struct bounce_policy *p)
{
	const char *at = strchr(cfg->bounce_address, '@');

	local[0] = '\0';
	if (at && at > cfg->bounce_address)
		snprintf(local, len, "%.*s", (int)(at - cfg->bounce_address),
		         cfg->bounce_address);
	p->local = local[0] ? local : NULL;
	p->transient_limit = cfg->bounce_transient_limit;
	p->transient_window = cfg->bounce_transient_window;
}

int
address_bounce_take(const struct office *of, const char *msg, size_t len,
                    const char *source, struct bounce_outcome *out, char *why,
                    size_t whylen)
{
	struct bounce_policy p;
	char local[128];
	int rc;

	address_policy(of->cfg, local, sizeof(local), &p);
	rc = bounce_take(of->st, &p, msg, len, source, clock_now(), out);
	if (rc == -EINVAL) {
		snprintf(why, whylen, "%s", out->b.detail);
		return rc;
	}
	if (rc < 0)
		return office_store_error(of, rc, why, whylen) == -ENOMEM
		           ? -ENOMEM
		           : -EIO;
	snprintf(why, whylen, "%s", out->b.detail);
	return 0;
}

int
address_list(const struct office *of, long osc_id, struct address_info **out,
             size_t *n, char *why, size_t whylen)
{
	int rc = store_address_list(
	    of->st, osc_id, clock_now() - of->cfg->bounce_transient_window, out,
	    n);

	return rc < 0 ? office_store_error(of, rc, why, whylen) : 0;
}

static void
address_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* The audit entry's "after": {"enabled":["a@x",…]}, JSON-escaped by
 * refusing what an address never holds (checked when it was stored). */
static char *
address_audit_after(char *const *v, size_t n)
{
	char *out = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&out, &len);

	if (f == NULL)
		return NULL;
	fputs("{\"enabled\":[", f);
	for (i = 0; i < n; i++) {
		const char *c;

		fputs(i ? ",\"" : "\"", f);
		for (c = v[i]; *c; c++)
			if (*c == '"' || *c == '\\')
				fprintf(f, "\\%c", *c);
			else if ((unsigned char)*c >= 0x20)
				fputc(*c, f);
		fputc('"', f);
	}
	fputs("]}", f);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

int
address_enable(const struct office *of, long actor, const char *address,
               long osc_id, char ***enabled, size_t *n, char *why,
               size_t whylen)
{
	char target[300], *after = NULL, **v = NULL;
	size_t nv = 0, i;
	long owner = osc_id;
	int rc;

	*enabled = NULL;
	*n = 0;
	if ((address == NULL || *address == '\0') == (osc_id <= 0)) {
		snprintf(why, whylen, "give an address or an organisation");
		return -EINVAL;
	}
	if ((rc = store_begin(of->st)) < 0)
		return office_store_error(of, rc, why, whylen);
	if (address && *address) {
		if ((v = calloc(2, sizeof(*v))) == NULL ||
		    (v[0] = strdup(address)) == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
		nv = 1;
		rc = store_osc_email_owner(of->st, address, &owner);
	} else {
		rc = store_address_disabled_of_osc(of->st, osc_id, &v, &nv);
		if (rc >= 0 && nv == 0) {
			store_rollback(of->st);
			free(v);
			snprintf(why, whylen,
			         "organisation %ld has no disabled address",
			         osc_id);
			return -ENOENT;
		}
	}
	for (i = 0; rc >= 0 && i < nv; i++)
		rc = store_address_enable(of->st, v[i]);
	if (rc >= 0) {
		if (owner > 0)
			office_osc_target(owner, target, sizeof(target));
		else
			snprintf(target, sizeof(target), "%s", v[0]);
		if ((after = address_audit_after(v, nv)) == NULL)
			rc = -ENOMEM;
		else
			rc = store_audit_add(of->st, actor, "address.enable",
			                     target, NULL, after);
		free(after);
	}
	if (rc >= 0 && (rc = store_commit(of->st)) >= 0) {
		for (i = 0; i < nv; i++)
			log_info("address <%s> enabled: mail goes to it again",
			         v[i]);
		*enabled = v;
		*n = nv;
		return 0;
	}
fail:
	store_rollback(of->st);
	address_strv_free(v, nv);
	if (rc == -ENOMEM) {
		snprintf(why, whylen, "out of memory");
		return rc;
	}
	return office_store_error(of, rc, why, whylen);
}
