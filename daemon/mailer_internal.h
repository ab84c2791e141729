/* Shared by mailer.c (the loop's side: queue, rate, maildir, results),
 * mailer_smtp.c (the SMTP worker threads) and mailer_list.c (what both
 * use); not a promise to any other module. */
#ifndef CRONOGRAMA_MAILER_INTERNAL_H
#define CRONOGRAMA_MAILER_INTERNAL_H

#include <stddef.h>
#include <uv.h>

#include "mailer.h"

#define MAILER_DETAIL_MAX 512

struct curl_slist;

struct mailer_list {
	struct mailer_msg *head;
	struct mailer_msg *tail;
	size_t n;
};

/*
 * One submitted message. It belongs to one side at a time: the loop
 * (queued, maildir write, finished) or, between mailer_smtp_send and its
 * result callback, the SMTP side, which hands it from thread to thread
 * only under its mutex.
 */
struct mailer_msg {
	struct mailer_msg *prev;
	struct mailer_msg *next;
	struct mailer *m;
	int state; /* enum in mailer.c */
	char *data;
	size_t len;
	struct curl_slist *rcpts; /* SMTP: the envelope recipients */
	char *from; /* SMTP: this message's envelope sender, or NULL */
	mailer_done_fn done;
	void *arg;
	enum mailer_result result;
	int code;
	char detail[MAILER_DETAIL_MAX];
	/* Maildir mode. */
	uv_work_t work;
	char *tmp_path;
	char *new_path;
	int write_err; /* errno of the failed step, or 0 */
	const char *write_step;
};

/* mailer_list.c */
void mailer_list_push(struct mailer_list *l, struct mailer_msg *mm);
void mailer_list_remove(struct mailer_list *l, struct mailer_msg *mm);

/* Copy src into dst (dstlen > 0) as one line: control characters (CR, LF)
 * become spaces and trailing spaces go. */
void mailer_text_oneline(char *dst, size_t dstlen, const char *src);

/* ---- mailer_smtp.c ---- */

struct mailer_smtp;

struct mailer_smtp_config {
	const char *url;
	const char *from;
	const char *username;
	const char *password;
	const char *ca_file;
	int use_tls;
	unsigned max_workers;
	long timeout_s;
};

/* Called on the loop with each message the SMTP side is done with, its
 * result, code and detail set; the message is the caller's again. */
typedef void (*mailer_smtp_result_fn)(void *ctx, struct mailer_msg *mm);

/* Copy the configuration, check it against libcurl and prepare the queues
 * and the uv_async_t on loop; no thread starts yet. 0, or a negative errno
 * with a message in err. */
int mailer_smtp_new(uv_loop_t *loop, const struct mailer_smtp_config *cfg,
                    mailer_smtp_result_fn on_result, void *ctx,
                    struct mailer_smtp **out, char *err, size_t errlen);

/* Hand every message of batch (emptied) to the workers, in order. Starts
 * a worker when none is idle and fewer than max_workers run. Never calls
 * on_result from here. */
void mailer_smtp_send(struct mailer_smtp *s, struct mailer_list *batch);

/* Append one recipient to *l (a curl_slist); 0 or -ENOMEM. */
int mailer_smtp_rcpt_add(struct curl_slist **l, const char *rcpt);
void mailer_smtp_rcpts_free(struct curl_slist *l);

/* Report the messages no worker has started ("shutting down"), abort those
 * in flight, stop and join the workers, close the handles, free s; then
 * done(arg). Every message comes back through on_result before done. */
void mailer_smtp_free(struct mailer_smtp *s, void (*done)(void *), void *arg);

#endif
