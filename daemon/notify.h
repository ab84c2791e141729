/* notify: systemd's service notification protocol (sd_notify(3)) without
 * libsystemd: one datagram per message to the AF_UNIX socket named by
 * $NOTIFY_SOCKET (a path, or '@' for the abstract namespace). Outside
 * systemd ($NOTIFY_SOCKET unset) every call does nothing. */
#ifndef CRONOGRAMA_NOTIFY_H
#define CRONOGRAMA_NOTIFY_H

#include <stdint.h>

/*
 * Read (and unset) $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID.
 * Call once, early. 0, or -EINVAL for a $NOTIFY_SOCKET that cannot be a
 * socket address (logged by the caller).
 */
int notify_init(void);

/* 1 when systemd listens ($NOTIFY_SOCKET was set). */
int notify_enabled(void);

/* Send "READY=1", "STOPPING=1", "STATUS=…" or several lines at once.
 * Errors are returned (negative errno) but never fatal. */
int notify_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "RELOADING=1" with the MONOTONIC_USEC systemd 253 wants beside it. */
int notify_reloading(void);

/* The watchdog period systemd expects a "WATCHDOG=1" within (µs), or 0
 * when the watchdog is off or meant for another process. */
uint64_t notify_watchdog_usec(void);

#endif
