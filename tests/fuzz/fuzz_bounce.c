/* libFuzzer target: bounce_parse reads any bytes without a crash, and what
 * it reports is consistent: a kind it knows, a token and recipient only of
 * the characters they may hold, every field NUL-terminated in its room.
 * Built and run by `make fuzz`. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bounce b;
	int rc;

	/* Not NUL-terminated: bounce_parse must not read past size. */
	rc = bounce_parse((const char *)data, size, "rebotes", &b);
	if (rc != 0 && rc != -EINVAL)
		abort();
	if (b.kind != BOUNCE_NONE && b.kind != BOUNCE_TRANSIENT &&
	    b.kind != BOUNCE_PERMANENT)
		abort();
	if (rc == -EINVAL && b.kind != BOUNCE_NONE)
		abort();
	if (strnlen(b.token, sizeof b.token) == sizeof b.token ||
	    strspn(b.token, "abcdefghijklmnopqrstuvwxyz0123456789._=-") !=
	        strlen(b.token))
		abort();
	if (strnlen(b.detail, sizeof b.detail) == sizeof b.detail ||
	    strnlen(b.recipient, sizeof b.recipient) == sizeof b.recipient ||
	    strnlen(b.status, sizeof b.status) == sizeof b.status ||
	    strnlen(b.message_id, sizeof b.message_id) == sizeof b.message_id)
		abort();
	/* A failure always names its diagnostic or is empty, never a
	 * control character (it goes into log lines). */
	for (const char *p = b.detail; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
	for (const char *p = b.recipient; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
	if (b.kind == BOUNCE_NONE && b.status[0])
		abort();
	return 0;
}
