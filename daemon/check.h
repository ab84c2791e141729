/* check: the start-up check of a configuration. cronogramad -t runs it and
 * exits; a start runs the same check before it creates anything. */
#ifndef CRONOGRAMA_CHECK_H
#define CRONOGRAMA_CHECK_H

#include <stddef.h>

#include "config.h"

/*
 * Check every value of c (read, defaults derived) the way the daemon will
 * use it, without side effects: nothing is created, opened for writing or
 * bound. Paths: the state directory and the socket's directory exist and
 * are writable, or can be made under a writable parent; the socket path
 * fits a Unix socket; socket_group exists and may be used. Names: domain
 * a host name, timezone a tzdata zone. Addresses: [mail] from a mailbox,
 * [staff] emails addr-specs. URLs: smtp_url smtp:// or smtps://,
 * public_url http:// or https:// (libcurl's parser); listen host:port.
 * Files: password_file a readable secret (mode 0600), ca_file readable,
 * the operator's templates parsable.
 *
 * 0, or -EINVAL with err "FILE:LINE: [section] key: why" for the first
 * key that is wrong (without FILE:LINE when the key has its default).
 */
int check_config(const struct config *c, char *err, size_t errlen);

#endif
