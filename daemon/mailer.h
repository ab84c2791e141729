/* mailer: sends messages over SMTP with libcurl's multi socket interface on
 * the libuv loop (uv_poll + one uv_timer, never a blocking call), or, when
 * no SMTP URL is configured, writes them into a maildir. Only mailer.c
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
	unsigned
	    max_connections; /* concurrent transfers and cached connections */
	unsigned rate_per_minute; /* token bucket; 0 = unlimited */
	long timeout_s;           /* per message */
};

/* How one message ended. */
enum mailer_result {
	MAILER_SENT,     /* 250 (or written to the maildir) */
	MAILER_TEMPFAIL, /* 4xx, connection or timeout: retry later */
	MAILER_PERMFAIL, /* 5xx: never retry */
};

typedef void (*mailer_done_fn)(void *arg, enum mailer_result result,
                               int smtp_code, const char *detail);

struct mailer;

int mailer_new(uv_loop_t *loop, const struct mailer_config *cfg,
               struct mailer **out, char *err, size_t errlen);

/*
 * Queue one message: data is the whole RFC 5322 message (CRLF), copied.
 * rcpts is a NULL-terminated list of envelope recipients. done is called
 * exactly once, on the loop, when the message is sent or has failed;
 * if mailer_submit fails it is never called.
 */
int mailer_submit(struct mailer *m, const char *data, size_t len,
                  const char *const *rcpts, mailer_done_fn done, void *arg);

/* Messages queued or in flight. */
size_t mailer_pending(struct mailer *m);

/* Abort what is in flight (their done callbacks get MAILER_TEMPFAIL),
 * close the handles; done(arg) when all are closed and m is freed. */
void mailer_free(struct mailer *m, void (*done)(void *), void *arg);

#endif
