/* office: see office.h. */
#include <errno.h>
#include <stdio.h>

#include "office.h"
#include "store.h"

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
