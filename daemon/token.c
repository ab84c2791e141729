/* token: HMAC-SHA256 unsubscribe tokens and random feed tokens; see
 * token.h. The only file that includes OpenSSL.
 *
 * An unsubscribe token reads "<osc_id>.<slug>.<mac>": the organisation and
 * the topic in the clear (neither is a secret, and a readable link helps
 * staff answer questions about it) and the base64url HMAC-SHA256 of both
 * under the key, without padding. The MAC covers a label as well, so a MAC
 * made for another purpose with the same key never passes as this one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "secret.h"
#include "token.h"

#define TOKEN_KEY_LEN  32
#define TOKEN_MAC_LEN  32
#define TOKEN_MAC_B64  43 /* base64url of 32 bytes, no padding */
#define TOKEN_KEY_FILE "unsubscribe.key"
#define TOKEN_LABEL    "cronograma-unsubscribe-v1"
#define TOKEN_PAGE     "cronograma-page-v1"

static unsigned char token_key[TOKEN_KEY_LEN];
static int token_key_loaded;
/* HMAC-SHA256 keyed with token_key, made at the first MAC after the key
 * is loaded and reset for each MAC: HMAC() looks SHA-256 up and keys a
 * fresh context every call, a few microseconds per reminder sent. Only
 * the loop thread makes and checks tokens. */
static EVP_MAC_CTX *token_mac_ctx;

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* base64url of n bytes, no padding, into out (NUL-terminated). The length
 * written, or -ENOSPC. */
static int
token_b64url(const unsigned char *in, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0, need = (n * 4 + 2) / 3;
	unsigned v;

	if (need + 1 > outlen)
		return -ENOSPC;
	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
		out[o++] = b64url[v & 63];
	}
	if (n - i == 1) {
		v = (unsigned)in[i] << 16;
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
	}
	out[o] = '\0';
	return (int)o;
}

static void
token_err(char *err, size_t errlen, const char *fmt, const char *path,
          int errnum)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, fmt, path, strerror(errnum));
}

/* Read exactly TOKEN_KEY_LEN bytes from an open key file after checking
 * that nobody but its owner may read it. */
static int
token_key_read(int fd, const char *path, char *err, size_t errlen)
{
	unsigned char buf[TOKEN_KEY_LEN + 1];
	ssize_t n;
	size_t got = 0;

	if ((n = secret_fd_check(fd, path, err, errlen)) < 0) {
		if (n == -EPERM)
			snprintf(err + strlen(err), errlen - strlen(err),
			         " or remove it to make a new key");
		return (int)n;
	}
	while (got < sizeof(buf)) {
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			token_err(err, errlen, "%s: %s", path, errno);
			OPENSSL_cleanse(buf, sizeof(buf));
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != TOKEN_KEY_LEN) {
		snprintf(err, errlen, "%s must hold exactly %d bytes", path,
		         TOKEN_KEY_LEN);
		OPENSSL_cleanse(buf, sizeof(buf));
		return -EINVAL;
	}
	memcpy(token_key, buf, TOKEN_KEY_LEN);
	OPENSSL_cleanse(buf, sizeof(buf));
	token_key_loaded = 1;
	return 0;
}

/* Create the key file with fresh random bytes. -EEXIST if another process
 * made it first. */
static int
token_key_create(const char *path, char *err, size_t errlen)
{
	unsigned char key[TOKEN_KEY_LEN];
	size_t off = 0;
	ssize_t n;
	int fd, r = 0;

	if (RAND_bytes(key, sizeof(key)) != 1) {
		snprintf(err, errlen, "no random bytes for a new key");
		return -EIO;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	          0600);
	if (fd < 0) {
		r = -errno;
		if (r != -EEXIST)
			token_err(err, errlen, "cannot create %s: %s", path,
			          errno);
		OPENSSL_cleanse(key, sizeof(key));
		return r;
	}
	/* The umask may only remove bits; make the mode exact anyway. */
	if (fchmod(fd, 0600) < 0)
		r = -errno;
	while (r == 0 && off < sizeof(key)) {
		n = write(fd, key + off, sizeof(key) - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		else
			off += (size_t)n;
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		token_err(err, errlen, "cannot write %s: %s", path, -r);
		unlink(path);
		OPENSSL_cleanse(key, sizeof(key));
		return r;
	}
	memcpy(token_key, key, sizeof(key));
	OPENSSL_cleanse(key, sizeof(key));
	token_key_loaded = 1;
	return 0;
}

int
token_key_load(const char *state_dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int fd, r, tries;

	if (snprintf(path, sizeof(path), "%s/%s", state_dir, TOKEN_KEY_FILE) >=
	    (int)sizeof(path)) {
		snprintf(err, errlen, "state directory path too long");
		return -ENAMETOOLONG;
	}
	token_key_forget();
	/* Open, else create; a race with another process creating it
	 * ends in reading its key. */
	for (tries = 0; tries < 2; tries++) {
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			r = token_key_read(fd, path, err, errlen);
			close(fd);
			return r;
		}
		if (errno != ENOENT) {
			r = -errno;
			token_err(err, errlen, "%s: %s", path, errno);
			return r;
		}
		r = token_key_create(path, err, errlen);
		if (r != -EEXIST)
			return r;
	}
	snprintf(err, errlen, "%s: cannot open nor create it", path);
	return -EIO;
}

void
token_key_forget(void)
{
	OPENSSL_cleanse(token_key, sizeof(token_key));
	token_key_loaded = 0;
	EVP_MAC_CTX_free(token_mac_ctx);
	token_mac_ctx = NULL;
}

/* token_mac_ctx keyed with token_key: made once, then reset (a NULL key
 * keeps the one it has). 0, or -EIO. */
static int
token_mac_reset(void)
{
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256",
	                                     0),
	    OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac;

	if (token_mac_ctx)
		return EVP_MAC_init(token_mac_ctx, NULL, 0, NULL) == 1 ? 0
		                                                       : -EIO;
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -EIO;
	token_mac_ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac); /* the context holds its own reference */
	if (token_mac_ctx == NULL)
		return -EIO;
	if (EVP_MAC_init(token_mac_ctx, token_key, TOKEN_KEY_LEN, params) !=
	    1) {
		EVP_MAC_CTX_free(token_mac_ctx);
		token_mac_ctx = NULL;
		return -EIO;
	}
	return 0;
}

/* The base64url MAC of (label, osc_id, topic) into mac (TOKEN_MAC_B64 +
 * 1). */
static int
token_mac(const char *label, long osc_id, const char *topic, char *mac,
          size_t maclen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t mdlen = 0;
	char msg[TOKEN_MAX + 64];
	int n;

	if (!token_key_loaded)
		return -ENOKEY;
	/* NUL separators: neither part can contain one. */
	n = snprintf(msg, sizeof(msg), "%s%c%ld%c%s", label, 0, osc_id, 0,
	             topic);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -ENAMETOOLONG;
	if (token_mac_reset() < 0 ||
	    EVP_MAC_update(token_mac_ctx, (unsigned char *)msg, (size_t)n) !=
	        1 ||
	    EVP_MAC_final(token_mac_ctx, md, &mdlen, sizeof(md)) != 1 ||
	    mdlen != TOKEN_MAC_LEN) {
		OPENSSL_cleanse(md, sizeof(md));
		return -EIO;
	}
	n = token_b64url(md, mdlen, mac, maclen);
	OPENSSL_cleanse(md, sizeof(md));
	return n < 0 ? n : 0;
}

/* A slug as the store makes them: a-z, 0-9 and '-'. */
static int
token_slug_ok(const char *s, size_t n)
{
	return n > 0 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") >= n;
}

int
token_unsubscribe_make(long osc_id, const char *topic, char *out, size_t outlen)
{
	char mac[TOKEN_MAC_B64 + 1];
	int r, n;

	if (osc_id <= 0 || topic == NULL ||
	    !token_slug_ok(topic, strlen(topic)))
		return -EINVAL;
	r = token_mac(TOKEN_LABEL, osc_id, topic, mac, sizeof(mac));
	if (r < 0)
		return r;
	n = snprintf(out, outlen, "%ld.%s.%s", osc_id, topic, mac);
	OPENSSL_cleanse(mac, sizeof(mac));
	if (n < 0 || (size_t)n >= outlen || (size_t)n >= TOKEN_MAX)
		return -ENAMETOOLONG;
	return 0;
}

int
token_unsubscribe_check(const char *token, long *osc_id, char *topic,
                        size_t topiclen)
{
	char want[TOKEN_MAC_B64 + 1], slug[TOKEN_MAX];
	const char *dot1, *dot2;
	size_t len, slen;
	long id = 0;
	const char *p;
	int r;

	if (token == NULL || !token_key_loaded)
		return -EINVAL;
	len = strnlen(token, TOKEN_MAX);
	if (len >= TOKEN_MAX)
		return -EINVAL;
	dot1 = strchr(token, '.');
	dot2 = strrchr(token, '.');
	if (dot1 == NULL || dot2 == dot1)
		return -EINVAL;
	/* The id in canonical decimal, so that one token has one spelling. */
	if (dot1 == token || token[0] == '0' || dot1 - token > 18)
		return -EINVAL;
	for (p = token; p < dot1; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		id = id * 10 + (*p - '0');
	}
	slen = (size_t)(dot2 - dot1 - 1);
	if (!token_slug_ok(dot1 + 1, slen) || slen >= sizeof(slug))
		return -EINVAL;
	memcpy(slug, dot1 + 1, slen);
	slug[slen] = '\0';
	if (strlen(dot2 + 1) != TOKEN_MAC_B64)
		return -EINVAL;
	r = token_mac(TOKEN_LABEL, id, slug, want, sizeof(want));
	if (r < 0)
		return -EINVAL;
	r = CRYPTO_memcmp(want, dot2 + 1, TOKEN_MAC_B64);
	OPENSSL_cleanse(want, sizeof(want));
	if (r != 0)
		return -EINVAL;
	if (slen >= topiclen)
		return -EINVAL;
	memcpy(topic, slug, slen + 1);
	*osc_id = id;
	return 0;
}

/* ---- the organisation's page ---- */

int
token_page_make(long osc_id, const char *secret, char *out, size_t outlen)
{
	char mac[TOKEN_MAC_B64 + 1];
	int r, n;

	if (osc_id <= 0 || secret == NULL || *secret == '\0')
		return -EINVAL;
	r = token_mac(TOKEN_PAGE, osc_id, secret, mac, sizeof(mac));
	if (r < 0)
		return r;
	n = snprintf(out, outlen, "%ld.%s", osc_id, mac);
	OPENSSL_cleanse(mac, sizeof(mac));
	if (n < 0 || (size_t)n >= outlen || (size_t)n >= TOKEN_MAX)
		return -ENAMETOOLONG;
	return 0;
}

int
token_page_id(const char *token, long *osc_id)
{
	const char *dot, *p;
	long id = 0;

	if (token == NULL || strnlen(token, TOKEN_MAX) >= TOKEN_MAX)
		return -EINVAL;
	dot = strchr(token, '.');
	/* The id in canonical decimal, so that one token has one spelling. */
	if (dot == NULL || dot == token || token[0] == '0' || dot - token > 18)
		return -EINVAL;
	for (p = token; p < dot; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		id = id * 10 + (*p - '0');
	}
	if (strlen(dot + 1) != TOKEN_MAC_B64 ||
	    strspn(dot + 1, b64url) != TOKEN_MAC_B64)
		return -EINVAL;
	*osc_id = id;
	return 0;
}

int
token_page_check(const char *token, long osc_id, const char *secret)
{
	char want[TOKEN_MAX];
	long id;
	int r;

	if (token_page_id(token, &id) < 0 || id != osc_id ||
	    token_page_make(osc_id, secret, want, sizeof(want)) < 0)
		return -EINVAL;
	/* Same length by construction (same id, a MAC of fixed length). */
	r = strlen(want) == strlen(token)
	        ? CRYPTO_memcmp(want, token, strlen(want))
	        : 1;
	OPENSSL_cleanse(want, sizeof(want));
	return r == 0 ? 0 : -EINVAL;
}

int
token_random(char *out, size_t outlen)
{
	unsigned char raw[16];
	int r;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -EIO;
	r = token_b64url(raw, sizeof(raw), out, outlen);
	OPENSSL_cleanse(raw, sizeof(raw));
	return r < 0 ? r : 0;
}

int
token_sha256(const void *data, size_t n, unsigned char out[32])
{
	return SHA256(data, n, out) != NULL ? 0 : -EIO;
}
