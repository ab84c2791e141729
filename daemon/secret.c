/* secret: see secret.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"

int
secret_fd_check(int fd, const char *path, char *why, size_t whylen)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		int e = errno;

		snprintf(why, whylen, "%s: %s", path, strerror(e));
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s is not a regular file", path);
		return -EINVAL;
	}
	if (st.st_mode & 077) {
		snprintf(why, whylen,
		         "%s is open to other users (mode %04o); chmod 600 it",
		         path, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int
secret_file_read_line(const char *path, char *buf, size_t buflen, char *why,
                      size_t whylen)
{
	size_t got = 0;
	ssize_t n;
	int fd, r;

	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;

		snprintf(why, whylen, "%s: %s", path, strerror(e));
		return -e;
	}
	if ((r = secret_fd_check(fd, path, why, whylen)) < 0) {
		close(fd);
		return r;
	}
	while (got + 1 < buflen) {
		n = read(fd, buf + got, buflen - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			snprintf(why, whylen, "%s: %s", path, strerror(e));
			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0') {
		snprintf(why, whylen, "%s is empty", path);
		return -EINVAL;
	}
	return 0;
}
