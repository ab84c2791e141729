/* notify: see notify.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"

static struct sockaddr_un notify_addr;
static socklen_t notify_addrlen; /* 0: no systemd to tell */
static uint64_t notify_wd_usec;

int
notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	size_t len;
	int ret = 0;

	notify_addrlen = 0;
	notify_wd_usec = 0;
	if (path && (path[0] == '/' || path[0] == '@') &&
	    (len = strlen(path)) < sizeof(notify_addr.sun_path)) {
		memset(&notify_addr, 0, sizeof(notify_addr));
		notify_addr.sun_family = AF_UNIX;
		memcpy(notify_addr.sun_path, path, len);
		/* '@' names the abstract namespace: a leading NUL. */
		if (path[0] == '@')
			notify_addr.sun_path[0] = '\0';
		notify_addrlen =
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
		                (path[0] == '/'));
	} else if (path) {
		ret = -EINVAL;
	}
	if (usec && (!pid || strtol(pid, NULL, 10) == (long)getpid()))
		notify_wd_usec = strtoull(usec, NULL, 10);
	/* Nothing this process starts is the service. */
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return ret;
}

int
notify_enabled(void)
{
	return notify_addrlen != 0;
}

static int
notify_write(const char *msg, size_t len)
{
	ssize_t n;
	int fd;

	if (notify_addrlen == 0)
		return 0;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = sendto(fd, msg, len, MSG_NOSIGNAL, (struct sockaddr *)&notify_addr,
	           notify_addrlen);
	if (n < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	return 0;
}

int
notify_send(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	if (notify_addrlen == 0)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	return notify_write(msg, (size_t)n < sizeof(msg) ? (size_t)n
	                                                 : sizeof(msg) - 1);
}

int
notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return notify_send("RELOADING=1\nMONOTONIC_USEC=%llu",
	                   (unsigned long long)ts.tv_sec * 1000000ULL +
	                       (unsigned long long)ts.tv_nsec / 1000ULL);
}

uint64_t
notify_watchdog_usec(void)
{
	return notify_wd_usec;
}
