/* log: levels, journald priority prefixes, nothing secret.
 *
 * Messages go to stderr. When stderr is the journal (JOURNAL_STREAM names
 * stderr's device and inode, as systemd sets it), each line starts with
 * "<N>" so journald keeps the priority; otherwise lines read
 * "cronogramad: LEVEL: message". Callers never
 * pass passwords, tokens or keys. */
#ifndef CRONOGRAMA_LOG_H
#define CRONOGRAMA_LOG_H

enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARN = 4,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7
};

/* Set the program name shown in lines and the most verbose level kept. */
void log_init(const char *progname, enum log_level level);
void log_level_set(enum log_level level);
/* [daemon] log_level's words ("error", "warning", "info", "debug") as a
 * level; anything else is info. */
enum log_level log_level_from_name(const char *name);

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same at a level chosen at run time. */
void log_at(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Between log_hold and log_release, this thread's lines are kept and go
 * out together, in one write, at the release (or when 32 KB gathered):
 * for a run of lines made at once on the loop, such as the outcomes of a
 * batch of messages. Holds nest. Nothing is held across a return to the
 * loop, so only a crash inside the run can lose them. */
void log_hold(void);
void log_release(void);

/* Only at start-up or for a broken invariant: log and exit(1). */
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
