/* office: see office.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "office.h"
#include "store.h"

int
office_fail(int rc, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return rc;
}

int
office_store_error(const struct office *of, int rc, char *why, size_t whylen)
{
	if (rc == -ENOENT || rc == -EINVAL || rc == -EEXIST)
		snprintf(why, whylen, "%s", store_error(of->st));
	else if (rc == -ENOMEM)
		snprintf(why, whylen, "out of memory");
	else
		snprintf(why, whylen, "store: %s", store_error(of->st));
	return rc == -ENOENT || rc == -EINVAL || rc == -EEXIST || rc == -ENOMEM
	           ? rc
	           : -EIO;
}

void
office_osc_target(long id, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "osc:%ld", id);
}

int
office_begin(const struct office *of, int *own)
{
	int rc = store_begin(of->st);

	/* store_begin refuses to nest: the caller's transaction is open. */
	*own = rc == 0;
	return rc == -EINVAL ? 0 : rc;
}

int
office_finish(const struct office *of, int own, int rc)
{
	if (!own)
		return rc;
	if (rc < 0) {
		store_rollback(of->st);
		return rc;
	}
	if ((rc = store_commit(of->st)) < 0)
		store_rollback(of->st);
	return rc;
}

int
office_audit(const struct office *of, long actor, const char *action,
             const char *target, int has_before, char *before, int has_after,
             char *after)
{
	int rc;

	if ((has_before && !before) || (has_after && !after))
		rc = -ENOMEM;
	else
		rc = store_audit_add(of->st, actor, action, target,
		                     has_before ? before : NULL,
		                     has_after ? after : NULL);
	free(before);
	free(after);
	return rc;
}
