/* maildir: watches the new/ folder of a maildir (where an MTA or fetchmail
 * delivers) and hands each message that lands there to a callback, once:
 * taken messages move to cur/ marked seen (":2,S"), as a mail reader
 * would leave them, so an operator can still read them. Messages are
 * found by inotify (uv_fs_event) as they arrive, by a scan at start, and
 * by a scan every MAILDIR_RESCAN_MS for what a lost event or a failed try
 * left. */
#ifndef CRONOGRAMA_MAILDIR_H
#define CRONOGRAMA_MAILDIR_H

#include <stddef.h>

struct uv_loop_s; /* libuv's uv_loop_t: only maildir.c includes uv.h */

/* The periodic scan, and how many messages one loop turn takes (the rest
 * wait for the next turn, so a flood never stalls the loop). */
#define MAILDIR_RESCAN_MS 60000
#define MAILDIR_BATCH     32
/* Bytes of a message handed over; a DSN's reports come first. */
#define MAILDIR_READ_MAX (1024 * 1024)

/*
 * Called with a message's first bytes (at most MAILDIR_READ_MAX) and the
 * file's name under new/. Returns 0 when the message is dealt with (it
 * moves to cur/), or -EAGAIN to leave it in new/ for the next scan (a
 * store that is busy).
 */
typedef int (*maildir_fn)(const char *msg, size_t len, const char *name,
                          void *arg);

struct maildir;

/*
 * 0 if path is a maildir the daemon can take messages from: a directory
 * holding new/ and cur/ that it may read and write. Else -errno and why
 * ("PATH/new: No such file or directory"). Writes nothing.
 */
int maildir_check(const char *path, char *why, size_t whylen);

/*
 * Watch path on loop, calling fn(…, arg) for each message, starting with
 * those already there (on the next loop turn). 0 and *out, or -errno with
 * why; fn is never called then.
 */
int maildir_start(struct uv_loop_s *loop, const char *path, maildir_fn fn,
                  void *arg, struct maildir **out, char *why, size_t whylen);

/* Stop watching; the handles close and m is freed on the loop's next
 * turns. NULL is fine. */
void maildir_stop(struct maildir *m);

/* Messages taken since start (for status and tests). */
unsigned long maildir_taken(const struct maildir *m);

#endif
