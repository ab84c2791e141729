/* http_addr: addresses for the public server's limits: the trusted
 * proxies ([http] trusted_proxies) and the client a proxy names in
 * X-Forwarded-For. No libmicrohttpd here; see http_internal.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "http_internal.h"

/* Parse one entry ("10.0.0.0/8", "::1") into net. 0 or -EINVAL. */
static int
http_net_parse(const char *s, struct http_net *net)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	unsigned long bits;
	char *end;

	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	memset(net, 0, sizeof(*net));
	if (inet_pton(AF_INET, host, net->addr) == 1) {
		net->family = AF_INET;
		net->bits = 32;
	} else if (inet_pton(AF_INET6, host, net->addr) == 1) {
		net->family = AF_INET6;
		net->bits = 128;
	} else {
		return -EINVAL;
	}
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		errno = 0;
		bits = strtoul(slash + 1, &end, 10);
		if (errno != 0 || *end != '\0' || bits > net->bits)
			return -EINVAL;
		net->bits = (unsigned)bits;
	}
	return 0;
}

int
http_nets_parse(const char *list, struct http_net *v, size_t max, size_t *n,
                char *err, size_t errlen)
{
	const char *p = list != NULL ? list : "";
	char entry[128];
	size_t len;

	*n = 0;
	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			return 0;
		len = strcspn(p, " \t,");
		if (len >= sizeof(entry) || *n == max) {
			if (err != NULL)
				snprintf(err, errlen,
				         len >= sizeof(entry)
				             ? "an entry is too long"
				             : "more than %zu entries",
				         max);
			return -EINVAL;
		}
		memcpy(entry, p, len);
		entry[len] = '\0';
		if (http_net_parse(entry, &v[*n]) < 0) {
			if (err != NULL)
				snprintf(err, errlen,
				         "'%s' is not an address or a network "
				         "(like 127.0.0.1, ::1 or 10.0.0.0/8)",
				         entry);
			return -EINVAL;
		}
		(*n)++;
		p += len;
	}
}

int
http_proxies_check(const char *list, char *err, size_t errlen)
{
	struct http_net v[HTTP_PROXIES_MAX];
	size_t n;

	return http_nets_parse(list, v, HTTP_PROXIES_MAX, &n, err, errlen);
}

/* 1 if the first bits of a and b are equal. */
static int
http_prefix_same(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

/* The address bytes of sa and its family, or 0 for other families. */
static int
http_sockaddr_bytes(const struct sockaddr *sa, const unsigned char **bytes)
{
	if (sa->sa_family == AF_INET) {
		*bytes =
		    (const unsigned char *)&((const struct sockaddr_in *)sa)
		        ->sin_addr;
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		*bytes =
		    (const unsigned char *)&((const struct sockaddr_in6 *)sa)
		        ->sin6_addr;
		return AF_INET6;
	}
	return 0;
}

static int
http_nets_match_bytes(const struct http_net *v, size_t n, int family,
                      const unsigned char *bytes)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].family == family &&
		    http_prefix_same(v[i].addr, bytes, v[i].bits))
			return 1;
	return 0;
}

int
http_nets_match(const struct http_net *v, size_t n, const struct sockaddr *sa)
{
	const unsigned char *bytes = NULL;
	int family = http_sockaddr_bytes(sa, &bytes);

	return family != 0 && http_nets_match_bytes(v, n, family, bytes);
}

int
http_nets_match_text(const struct http_net *v, size_t n, const char *ip)
{
	struct http_net one;

	if (http_net_parse(ip, &one) < 0 || strchr(ip, '/') != NULL)
		return 0;
	return http_nets_match_bytes(v, n, one.family, one.addr);
}

int
http_sockaddr_same(const struct sockaddr *a, const struct sockaddr *b)
{
	const unsigned char *x = NULL, *y = NULL;
	int fa = http_sockaddr_bytes(a, &x), fb = http_sockaddr_bytes(b, &y);

	if (fa == 0 || fa != fb)
		return 0;
	return memcmp(x, y, fa == AF_INET ? 4 : 16) == 0;
}

int
http_xff_client(const char *xff, const struct http_net *v, size_t n, char *buf,
                size_t len)
{
	const char *end = xff + strlen(xff);
	char one[INET6_ADDRSTRLEN + 1];

	/* From the right: each hop appended the address it saw. The first
	 * one that is not a trusted proxy is the client. */
	while (end > xff) {
		const char *start = end;
		struct http_net net;
		size_t k;

		while (start > xff && start[-1] != ',')
			start--;
		k = (size_t)(end - start);
		end = start > xff ? start - 1 : xff;
		while (k > 0 && (*start == ' ' || *start == '\t')) {
			start++;
			k--;
		}
		while (k > 0 && (start[k - 1] == ' ' || start[k - 1] == '\t'))
			k--;
		if (k == 0 || k >= sizeof(one))
			return -1;
		memcpy(one, start, k);
		one[k] = '\0';
		if (http_net_parse(one, &net) < 0 || strchr(one, '/') != NULL)
			return -1;
		if (http_nets_match_bytes(v, n, net.family, net.addr) &&
		    start > xff)
			continue;
		if (inet_ntop(net.family, net.addr, buf, (socklen_t)len) ==
		    NULL)
			return -1;
		return 0;
	}
	return -1;
}
