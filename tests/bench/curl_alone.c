/* Benchmark peer: libcurl alone sending one ready message over SMTP, the
 * most any libcurl-based sender can do on this machine. Not part of the
 * product: `make bench` builds it into BUILD/bench/ and tests/bench/mail.py
 * runs it next to cronogramad and smtp-source.
 *
 *   curl_alone [-c CONNS] [-m MESSAGES] [-f FROM] [-t TO] [-w] URL FILE
 *
 * FILE is read once; every message is those same bytes (mail.py hands it a
 * reminder the daemon rendered). CONNS easy handles share one multi handle
 * and each keeps its options: when a transfer ends the handle is removed and
 * added again for the next message, so it takes its connection back from
 * the multi's cache. CURLINFO_NUM_CONNECTS, summed over every transfer,
 * proves the reuse: more than CONNS connections is an error.
 *
 * The loop is curl_multi_perform() and curl_multi_poll(), not the socket
 * interface. With at most a few dozen sockets one poll() over all of them
 * costs less than keeping an epoll set in step with libcurl's wishes (an
 * epoll_ctl each time a connection turns from sending to reading), and a
 * handle added back is driven at once, without a poll in between. The
 * upload buffer is libcurl's smallest when the message fits in it (see
 * sender_setup). So the figures are a floor for any sender built on
 * libcurl: the same transfers with nothing around them.
 *
 * Prints one line of key=value pairs: messages, connections (opened),
 * seconds, msg_per_s and cpu_us_per_msg (user+system time of this process
 * during the sending phase, from getrusage). -w prints "ready" and waits for
 * a line on standard input before sending, so that a tracer can attach once
 * the set-up is done. Exit 0 when every message got a 250, 1 otherwise. */
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CONNS_MAX          256
#define UPLOAD_BUFFER_MIN  16384L
#define TRANSFER_TIMEOUT_S 30L

struct sender {
	CURL *easy;
	size_t off; /* bytes of the message already handed to libcurl */
};

static const char *msg_data;
static size_t msg_len;

static void
usage(FILE *f)
{
	fprintf(
	    f, "usage: curl_alone [-c CONNS] [-m MESSAGES] [-f FROM] [-t TO] "
	       "[-w] URL FILE\n"
	       "Send FILE MESSAGES times (default 1000) to the SMTP server "
	       "at URL over CONNS\n"
	       "reused connections (default 1) with libcurl alone; print "
	       "messages/s and CPU\n"
	       "microseconds per message.\n"
	       "  -f FROM  envelope sender (default agenda@bench.example.org)\n"
	       "  -t TO    envelope recipient (default osc@bench.example.org)\n"
	       "  -w       print \"ready\" and wait for a line on standard "
	       "input before sending\n");
}

static int
parse_count(const char *s, long min, long max, const char *what, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr,
		        "curl_alone: %s '%s' is not a number from %ld "
		        "to %ld\n",
		        what, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* Read the whole of path into a malloc'd buffer. */
static int
load(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf;

	if (!f) {
		fprintf(stderr, "curl_alone: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) < 0 || st.st_size <= 0) {
		fprintf(stderr, "curl_alone: %s: empty or unreadable\n", path);
		fclose(f);
		return -1;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf ||
	    fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		fprintf(stderr, "curl_alone: %s: cannot read it\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	msg_data = buf;
	msg_len = (size_t)st.st_size;
	return 0;
}

static size_t
on_read(char *buf, size_t size, size_t nitems, void *userp)
{
	struct sender *s = userp;
	size_t n = size * nitems;

	if (n > msg_len - s->off)
		n = msg_len - s->off;
	memcpy(buf, msg_data + s->off, n);
	s->off += n;
	return n;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static int
sender_setup(struct sender *s, struct curl_slist *rcpt, const char *url,
             const char *from)
{
	CURLcode rc = CURLE_OK;

	s->easy = curl_easy_init();
	if (!s->easy)
		return -1;
#define SET(opt, val)                                                          \
	do {                                                                   \
		if (rc == CURLE_OK)                                            \
			rc = curl_easy_setopt(s->easy, opt, val);              \
	} while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_MAIL_FROM, from);
	SET(CURLOPT_MAIL_RCPT, rcpt);
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_READFUNCTION, on_read);
	SET(CURLOPT_READDATA, s);
	SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg_len);
	SET(CURLOPT_PRIVATE, s);
	/* A benchmark stops by itself: a transfer the sink does not finish
	 * fails after TRANSFER_TIMEOUT_S, as in the daemon (timeout = 30s). */
	SET(CURLOPT_TIMEOUT, TRANSFER_TIMEOUT_S);
	/* libcurl allocates its upload buffer (64 KB by default) for each
	 * transfer and frees it at the end; in a small heap glibc hands that
	 * back to the kernel every time, two brk(2) per message. The smallest
	 * buffer libcurl takes is enough for a message that fits in it. */
	if (msg_len <= UPLOAD_BUFFER_MIN)
		SET(CURLOPT_UPLOAD_BUFFERSIZE, (long)UPLOAD_BUFFER_MIN);
#undef SET
	if (rc != CURLE_OK) {
		fprintf(stderr, "curl_alone: %s\n", curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

/* Drive every transfer to the end, adding each handle back while messages
 * are left. Returns the number of failed transfers; *conns gets the number
 * of connections libcurl opened. */
static long
send_all(CURLM *multi, struct sender *s, long nconns, long total, long *conns)
{
	long started = 0, done = 0, failed = 0;
	int running, left;
	CURLMsg *m;

	*conns = 0;
	for (long i = 0; i < nconns && started < total; i++, started++)
		curl_multi_add_handle(multi, s[i].easy);
	while (done < total) {
		int readded = 0;
		CURLMcode mrc = curl_multi_perform(multi, &running);

		if (mrc != CURLM_OK) {
			fprintf(stderr, "curl_alone: %s\n",
			        curl_multi_strerror(mrc));
			return total - done;
		}
		while ((m = curl_multi_info_read(multi, &left)) != NULL) {
			struct sender *sp;
			char *priv = NULL;
			long code = 0, nc = 0;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
			                  &priv);
			sp = (struct sender *)priv;
			curl_easy_getinfo(sp->easy, CURLINFO_RESPONSE_CODE,
			                  &code);
			curl_easy_getinfo(sp->easy, CURLINFO_NUM_CONNECTS, &nc);
			*conns += nc;
			if (m->data.result != CURLE_OK || code != 250) {
				if (failed == 0)
					fprintf(
					    stderr,
					    "curl_alone: message %ld: %s "
					    "(reply %ld)\n",
					    done + 1,
					    curl_easy_strerror(m->data.result),
					    code);
				failed++;
			}
			done++;
			curl_multi_remove_handle(multi, sp->easy);
			if (started < total) {
				sp->off = 0;
				curl_multi_add_handle(multi, sp->easy);
				started++;
				readded = 1;
			}
		}
		/* A handle added back starts on its cached connection in the
		 * next curl_multi_perform(): no poll before it. */
		if (done < total && !readded)
			curl_multi_poll(multi, NULL, 0, 1000, NULL);
	}
	return failed;
}

int
main(int argc, char **argv)
{
	const char *from = "agenda@bench.example.org";
	const char *to = "osc@bench.example.org";
	long nconns = 1, total = 1000, conns = 0, failed;
	int opt, wait_stdin = 0, status = 1;
	struct sender *s = NULL;
	struct curl_slist *rcpt = NULL;
	CURLM *multi = NULL;
	double t0, c0, secs, cpu;

	while ((opt = getopt(argc, argv, "c:m:f:t:wh")) != -1) {
		switch (opt) {
		case 'c':
			if (parse_count(optarg, 1, CONNS_MAX, "-c", &nconns))
				return 2;
			break;
		case 'm':
			if (parse_count(optarg, 1, LONG_MAX / 2, "-m", &total))
				return 2;
			break;
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'w':
			wait_stdin = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	if (load(argv[optind + 1]) < 0)
		return 1;
	/* CURLOPT_NOSIGNAL spares libcurl its per-call SIGPIPE dance; a
	 * closed connection then must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "curl_alone: curl_global_init failed\n");
		return 1;
	}
	multi = curl_multi_init();
	rcpt = curl_slist_append(NULL, to);
	s = calloc((size_t)nconns, sizeof(*s));
	if (!multi || !rcpt || !s) {
		fprintf(stderr, "curl_alone: out of memory\n");
		goto out;
	}
	curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, nconns);
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, nconns);
	for (long i = 0; i < nconns; i++)
		if (sender_setup(&s[i], rcpt, argv[optind], from) < 0)
			goto out;
	if (wait_stdin) {
		char line[16];

		printf("ready\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin)) {
			fprintf(stderr,
			        "curl_alone: no go on standard input\n");
			goto out;
		}
	}

	t0 = now_s();
	c0 = cpu_us();
	failed = send_all(multi, s, nconns, total, &conns);
	secs = now_s() - t0;
	cpu = cpu_us() - c0;

	printf("messages=%ld failed=%ld connections=%ld seconds=%.3f "
	       "msg_per_s=%.0f cpu_us_per_msg=%.1f\n",
	       total, failed, conns, secs, (double)total / secs,
	       cpu / (double)total);
	if (failed) {
		fprintf(stderr, "curl_alone: %ld of %ld messages failed\n",
		        failed, total);
	} else if (conns > nconns) {
		fprintf(stderr,
		        "curl_alone: %ld connections opened for %ld handles: "
		        "connections were not reused\n",
		        conns, nconns);
	} else {
		status = 0;
	}
out:
	if (s) {
		for (long i = 0; i < nconns; i++) {
			if (s[i].easy) {
				curl_multi_remove_handle(multi, s[i].easy);
				curl_easy_cleanup(s[i].easy);
			}
		}
	}
	if (multi)
		curl_multi_cleanup(multi);
	curl_slist_free_all(rcpt);
	free(s);
	free((void *)msg_data);
	curl_global_cleanup();
	return status;
}
