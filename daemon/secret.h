/* secret: files that hold secrets (the SMTP password, the unsubscribe
 * key). One rule for all of them: a regular file that neither the group
 * nor others may read. A leaf module: libc only. */
#ifndef CRONOGRAMA_SECRET_H
#define CRONOGRAMA_SECRET_H

#include <stddef.h>

/*
 * Check that the open file fd (named path, for messages) is a regular
 * file with no permission for group or others. 0, or -EINVAL (not a
 * regular file), -EPERM (open to others) or -errno with why naming path
 * and what to do.
 */
int secret_fd_check(int fd, const char *path, char *why, size_t whylen);

/*
 * Read the first line of secret file path into buf (the line end is
 * dropped; at most buflen - 1 bytes, NUL-terminated), after the checks
 * of secret_fd_check. 0 or negative with why. The caller wipes buf.
 */
int secret_file_read_line(const char *path, char *buf, size_t buflen, char *why,
                          size_t whylen);

#endif
