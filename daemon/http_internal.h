/* http_internal: what http.c and http_addr.c share; not a promise to any
 * other module. */
#ifndef CRONOGRAMA_HTTP_INTERNAL_H
#define CRONOGRAMA_HTTP_INTERNAL_H

#include <stddef.h>
#include <sys/socket.h>

/* An address or a network: family AF_INET or AF_INET6, the address in
 * network order (4 or 16 bytes) and the prefix length. */
struct http_net {
	int family;
	unsigned char addr[16];
	unsigned bits;
};

/*
 * Parse a list of addresses and networks ("127.0.0.1 ::1 10.0.0.0/8",
 * spaces or commas between) into v (at most max). 0 and *n, or -EINVAL
 * with a message naming the bad entry. NULL or "" is the empty list.
 */
int http_nets_parse(const char *list, struct http_net *v, size_t max, size_t *n,
                    char *err, size_t errlen);

/* 1 if sa (AF_INET or AF_INET6) is in one of the n networks of v. */
int http_nets_match(const struct http_net *v, size_t n,
                    const struct sockaddr *sa);

/* The same for an address as text; 0 if it is not an address. */
int http_nets_match_text(const struct http_net *v, size_t n, const char *ip);

/*
 * The client an X-Forwarded-For value names, as a trusted proxy passed it
 * on: the rightmost address that is not itself a trusted proxy (v, n),
 * copied into buf. 0, or -1 when the header holds no address (then the
 * proxy's own address stands).
 */
int http_xff_client(const char *xff, const struct http_net *v, size_t n,
                    char *buf, size_t len);

/* 1 if a and b (AF_INET or AF_INET6) are the same address. */
int http_sockaddr_same(const struct sockaddr *a, const struct sockaddr *b);

#endif
