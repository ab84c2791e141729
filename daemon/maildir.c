/* maildir: new/ watched, each message handed over once, then moved to
 * cur/. See maildir.h. Maildir names (cr.yp.to/proto/maildir.html):
 * "UNIQUE" in new/, "UNIQUE:2,FLAGS" in cur/; names starting with a dot
 * are not messages. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "log.h"
#include "maildir.h"

struct maildir {
	uv_loop_t *loop;
	char *path;
	maildir_fn fn;
	void *arg;
	uv_fs_event_t event;
	uv_timer_t timer; /* the next scan: soon after an event, or later */
	int closing;      /* handles still to close */
	unsigned long taken;
	char *buf; /* MAILDIR_READ_MAX bytes, reused */
};

int
maildir_check(const char *path, char *why, size_t whylen)
{
	static const char *const sub[] = {"", "/new", "/cur"};
	char p[4096];
	struct stat sb;
	size_t i;

	if (strlen(path) > 3800) {
		snprintf(why, whylen, "%.60s...: path too long", path);
		return -ENAMETOOLONG;
	}
	for (i = 0; i < sizeof sub / sizeof sub[0]; i++) {
		snprintf(p, sizeof p, "%s%s", path, sub[i]);
		if (stat(p, &sb) < 0) {
			int e = errno;

			snprintf(why, whylen, "%s: %s%s", p, strerror(e),
			         i ? " (not a maildir: it needs new/ and cur/)"
			           : "");
			return -e;
		}
		if (!S_ISDIR(sb.st_mode)) {
			snprintf(why, whylen, "%s: not a directory", p);
			return -ENOTDIR;
		}
		if (i > 0 && access(p, R_OK | W_OK | X_OK) < 0) {
			int e = errno;

			snprintf(why, whylen,
			         "%s: %s (the daemon moves taken "
			         "messages from new/ to cur/)",
			         p, strerror(e));
			return -e;
		}
	}
	return 0;
}

/* Reads up to MAILDIR_READ_MAX bytes of file into m->buf. Its length, or
 * -errno. */
static ssize_t
maildir_read(struct maildir *m, const char *file)
{
	size_t n = 0;
	ssize_t r;
	int fd;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -errno;
	while (n < MAILDIR_READ_MAX &&
	       (r = read(fd, m->buf + n, MAILDIR_READ_MAX - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			return r;
		}
		n += (size_t)r;
	}
	close(fd);
	return (ssize_t)n;
}

/* Moves new/NAME to cur/NAME:2,S. */
static void
maildir_done(struct maildir *m, const char *name)
{
	char from[8192], to[8192];

	snprintf(from, sizeof from, "%s/new/%s", m->path, name);
	snprintf(to, sizeof to, "%s/cur/%s:2,S", m->path, name);
	if (rename(from, to) < 0)
		log_err("maildir: cannot move %s to cur/: %s (it will be "
		        "taken again)",
		        from, strerror(errno));
}

/* Takes at most MAILDIR_BATCH messages from new/. 1 if more may wait. */
static int
maildir_scan(struct maildir *m)
{
	char dir[4096], file[4096 + 256 + 2];
	struct dirent *de;
	DIR *d;
	int n = 0, more = 0;

	snprintf(dir, sizeof dir, "%s/new", m->path);
	if ((d = opendir(dir)) == NULL) {
		log_err("maildir: %s: %s", dir, strerror(errno));
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		ssize_t len;
		int ret;

		if (de->d_name[0] == '.')
			continue;
		if (n == MAILDIR_BATCH) {
			more = 1;
			break;
		}
		snprintf(file, sizeof file, "%s/%s", dir, de->d_name);
		if ((len = maildir_read(m, file)) < 0) {
			if (len != -ENOENT)
				log_err("maildir: %s: %s", file,
				        strerror((int)-len));
			continue;
		}
		n++;
		ret = m->fn(m->buf, (size_t)len, de->d_name, m->arg);
		if (ret == -EAGAIN)
			continue;
		m->taken++;
		maildir_done(m, de->d_name);
	}
	closedir(d);
	return more;
}

static void
on_maildir_timer(uv_timer_t *t)
{
	struct maildir *m = t->data;

	/* A full batch: the rest on the next turn, else the periodic scan. */
	uv_timer_start(&m->timer, on_maildir_timer,
	               maildir_scan(m) ? 0 : MAILDIR_RESCAN_MS, 0);
}

static void
on_maildir_event(uv_fs_event_t *e, const char *name, int events, int status)
{
	struct maildir *m = e->data;

	(void)name;
	(void)events;
	if (status < 0) {
		log_err("maildir: watching %s/new: %s", m->path,
		        uv_strerror(status));
		return;
	}
	/* Several files land at once: one scan, on the next turn. */
	uv_timer_start(&m->timer, on_maildir_timer, 0, 0);
}

int
maildir_start(struct uv_loop_s *loop, const char *path, maildir_fn fn,
              void *arg, struct maildir **out, char *why, size_t whylen)
{
	struct maildir *m;
	char dir[4096];
	int ret;

	*out = NULL;
	if ((ret = maildir_check(path, why, whylen)) < 0)
		return ret;
	if ((m = calloc(1, sizeof *m)) == NULL ||
	    (m->path = strdup(path)) == NULL ||
	    (m->buf = malloc(MAILDIR_READ_MAX)) == NULL) {
		if (m) {
			free(m->path);
			free(m);
		}
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	m->loop = loop;
	m->fn = fn;
	m->arg = arg;
	snprintf(dir, sizeof dir, "%s/new", path);
	uv_fs_event_init(loop, &m->event);
	m->event.data = m;
	uv_timer_init(loop, &m->timer);
	m->timer.data = m;
	if ((ret = uv_fs_event_start(&m->event, on_maildir_event, dir, 0)) <
	    0) {
		snprintf(why, whylen, "%s: cannot watch: %s", dir,
		         uv_strerror(ret));
		m->fn = NULL;
		maildir_stop(m);
		return ret;
	}
	uv_timer_start(&m->timer, on_maildir_timer, 0, 0);
	*out = m;
	return 0;
}

static void
on_maildir_close(uv_handle_t *h)
{
	struct maildir *m = h->data;

	if (--m->closing == 0) {
		free(m->buf);
		free(m->path);
		free(m);
	}
}

void
maildir_stop(struct maildir *m)
{
	if (m == NULL)
		return;
	m->closing = 2;
	uv_fs_event_stop(&m->event);
	uv_timer_stop(&m->timer);
	uv_close((uv_handle_t *)&m->event, on_maildir_close);
	uv_close((uv_handle_t *)&m->timer, on_maildir_close);
}

unsigned long
maildir_taken(const struct maildir *m)
{
	return m->taken;
}
