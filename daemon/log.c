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

static void
log_vwrite(enum log_level level, const char *fmt, va_list ap)
{
	static const char *names[] = {[LOG_LEVEL_ERR] = "error",
	                              [LOG_LEVEL_WARN] = "warning",
	                              [LOG_LEVEL_INFO] = "info",
	                              [LOG_LEVEL_DEBUG] = "debug"};
	char line[2048];

	if (level > log_max)
		return;
	if (log_journal < 0)
		log_journal = log_stderr_is_journal();
	vsnprintf(line, sizeof(line), fmt, ap);
	/* One write per line, so lines from a crash are not interleaved. */
	if (log_journal)
		fprintf(stderr, "<%d>%s\n", (int)level, line);
	else
		fprintf(stderr, "%s: %s: %s\n", log_prog, names[level], line);
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
