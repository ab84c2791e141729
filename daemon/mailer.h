/* mailer: sends messages over SMTP (libcurl) on mailer worker threads, or,
 * when no SMTP URL is configured, writes them into a maildir. The caller
 * lives on the libuv loop and never waits: submitting only queues, and
 * every result comes back on the loop. In this module only mailer_smtp.c
 * includes curl/curl.h.
 */
#ifndef CRONOGRAMA_MAILER_H
#define CRONOGRAMA_MAILER_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct mailer_config {
	const char
	    *smtp_url; /* "smtp://host:587", "smtps://…"; NULL/"" = maildir */
	const char *maildir;   /* <state_dir>/maildir, used without smtp_url */
	const char *from;      /* envelope sender (MAIL FROM) */
	const char *username;  /* AUTH, or NULL */
	const char *password;  /* read by the caller from a 0600 file */
	const char *ca_file;   /* or NULL for the system's */
	int starttls_required; /* smtp://: 1 = require STARTTLS, 0 = off */
	unsigned max_connections; /* worker threads, each with one SMTP
	                             connection kept between messages */
	unsigned rate_per_minute; /* token bucket; 0 = unlimited */
	long timeout_s;           /* per message */
};

/* How one message ended. */
enum mailer_result {
	MAILER_SENT,     /* 250 (or written to the maildir) */
	MAILER_TEMPFAIL, /* 4xx, connection or timeout: retry later */
	MAILER_PERMFAIL, /* 5xx: never retry */
};

/*
 * The outcome of one message, called on the loop. smtp_code is the
 * server's reply code (250, 451, 550…), or 0 when there was none
 * (connection failure, timeout, maildir). detail is one line of text (no
 * CR or LF), at most a few hundred bytes, valid only during the call:
 *
 *   MAILER_SENT over SMTP      the relay's final reply to the end of DATA,
 *                              as it sent it: "250 2.0.0 Ok: queued as 4F2A"
 *   MAILER_SENT to the maildir "maildir new/<file name>"
 *   MAILER_TEMPFAIL/PERMFAIL   the failing reply line first when the
 *                              server sent one, then curl's reason:
 *                              "451 4.3.0 Try later (curl 55: …)";
 *                              otherwise curl's reason alone; "shutting
 *                              down" for a message that never started
 *                              before mailer_free.
 */
typedef void (*mailer_done_fn)(void *arg, enum mailer_result result,
                               int smtp_code, const char *detail);

struct mailer;

/* Check cfg and create the mailer on loop (no thread starts until there
 * is mail to send). 0, or a negative errno with a message in err. */
int mailer_new(uv_loop_t *loop, const struct mailer_config *cfg,
               struct mailer **out, char *err, size_t errlen);

/*
 * Queue one message: data is the whole RFC 5322 message (CRLF), copied.
 * rcpts is a NULL-terminated list of envelope recipients. done is called
 * exactly once, on the loop, when the message is sent or has failed;
 * never from inside mailer_submit, and if mailer_submit fails it is never
 * called.
 */
int mailer_submit(struct mailer *m, const char *data, size_t len,
                  const char *const *rcpts, mailer_done_fn done, void *arg);

/* mailer_submit with from as this message's envelope sender (MAIL FROM)
 * in place of the configured one; from NULL: the configured one. The
 * maildir keeps no envelope: there it changes nothing. */
int mailer_submit_from(struct mailer *m, const char *data, size_t len,
                       const char *from, const char *const *rcpts,
                       mailer_done_fn done, void *arg);

/* mailer_submit_from that takes *data (malloc'ed) instead of copying it:
 * on success *data is the mailer's and set to NULL; on failure it stays
 * the caller's. */
int mailer_submit_take(struct mailer *m, char **data, size_t len,
                       const char *from, const char *const *rcpts,
                       mailer_done_fn done, void *arg);

/* Messages queued or in flight. */
size_t mailer_pending(struct mailer *m);

/* Abort what is in flight and report what never started; done callbacks
 * get MAILER_TEMPFAIL (a message that ended before the abort took hold
 * reports how it really ended). A message whose end of data has been sent
 * is not cut at once: the relay may already have taken it, so its reply
 * gets up to 2 s (the relay's 250 makes it MAILER_SENT). Then stop the
 * threads, close the handles and free m, and call done(arg) on the loop.
 * Never waits longer on a relay: one that does not answer has its
 * connections shut down. */
void mailer_free(struct mailer *m, void (*done)(void *), void *arg);

#endif
