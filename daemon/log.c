/* log: see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "log.h"

static const char *log_prog = "cronogramad";
static enum log_level log_max = LOG_LEVEL_INFO;
static int log_journal = -1;

/* 1 if stderr is the stream systemd connected to the journal: the
 * "DEVICE:INODE" of $JOURNAL_STREAM is stderr's (a shell started from a
 * unit inherits the variable with another stderr). */
static int
log_stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!v || sscanf(v, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *progname, enum log_level level)
{
	log_prog = progname;
	log_max = level;
	log_journal = log_stderr_is_journal();
}

void
log_level_set(enum log_level level)
{
	log_max = level;
}

#define LOG_HELD_MAX (32 * 1024)

/* The lines this thread holds (log_hold). */
static __thread struct {
	int depth;
	size_t len;
	char *buf; /* LOG_HELD_MAX bytes, made at the first hold */
} log_held;

static void
log_held_flush(void)
{
	if (log_held.len > 0) {
		fwrite(log_held.buf, 1, log_held.len, stderr);
		log_held.len = 0;
	}
}

void
log_hold(void)
{
	if (log_held.depth == 0 && !log_held.buf &&
	    !(log_held.buf = malloc(LOG_HELD_MAX)))
		return; /* lines go out one by one, as without the hold */
	log_held.depth++;
}

void
log_release(void)
{
	if (log_held.depth == 0 || --log_held.depth > 0)
		return;
	log_held_flush();
}

/* Put the line out, or keep it while this thread holds its lines. */
static void
log_put(const char *line, int len)
{
	if (len < 0)
		return;
	if (log_held.depth == 0 || (size_t)len >= LOG_HELD_MAX) {
		log_held_flush();
		fwrite(line, 1, (size_t)len, stderr);
		return;
	}
	if (log_held.len + (size_t)len > LOG_HELD_MAX)
		log_held_flush();
	memcpy(log_held.buf + log_held.len, line, (size_t)len);
	log_held.len += (size_t)len;
}

static void
log_vwrite(enum log_level level, const char *fmt, va_list ap)
{
	static const char *names[] = {[LOG_LEVEL_ERR] = "error",
	                              [LOG_LEVEL_WARN] = "warning",
	                              [LOG_LEVEL_INFO] = "info",
	                              [LOG_LEVEL_DEBUG] = "debug"};
	char line[2048], out[2048 + 64];
	int n;

	if (level > log_max)
		return;
	if (log_journal < 0)
		log_journal = log_stderr_is_journal();
	vsnprintf(line, sizeof(line), fmt, ap);
	/* One write per line (or per held run of whole lines), so lines
	 * from a crash are not interleaved. */
	if (log_journal)
		n = snprintf(out, sizeof(out), "<%d>%s\n", (int)level, line);
	else
		n = snprintf(out, sizeof(out), "%s: %s: %s\n", log_prog,
		             names[level], line);
	if (n >= (int)sizeof(out)) {
		/* Only a very long program name: keep the newline. */
		out[sizeof(out) - 2] = '\n';
		n = (int)sizeof(out) - 1;
	}
	log_put(out, n);
}

#define LOG_FN(name, level)                                                    \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		log_vwrite(level, fmt, ap);                                    \
		va_end(ap);                                                    \
	}

LOG_FN(log_err, LOG_LEVEL_ERR)
LOG_FN(log_warn, LOG_LEVEL_WARN)
LOG_FN(log_info, LOG_LEVEL_INFO)
LOG_FN(log_debug, LOG_LEVEL_DEBUG)

void
log_at(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(level, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERR, fmt, ap);
	va_end(ap);
	log_held_flush();
	exit(1);
}

enum log_level
log_level_from_name(const char *name)
{
	if (!strcmp(name, "error"))
		return LOG_LEVEL_ERR;
	if (!strcmp(name, "warning"))
		return LOG_LEVEL_WARN;
	if (!strcmp(name, "debug"))
		return LOG_LEVEL_DEBUG;
	return LOG_LEVEL_INFO;
}
