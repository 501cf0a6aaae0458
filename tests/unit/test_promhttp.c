/* Unit tests for promhttp.c: the scrape endpoint on 127.0.0.1, a port
 * the system picks, with a short request timeout. */
#include "promhttp.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"

#define TIMEOUT_MS 300

static const char body[] = "# HELP n N\n# TYPE n counter\nn 1\n";

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static struct fk_promhttp *
server(void)
{
	char err[256] = "";
	struct fk_promhttp *s =
	    fk_promhttp_start(NULL, 0, TIMEOUT_MS, err, sizeof(err));

	cr_assert_not_null(s, "%s", err);
	cr_assert_gt(fk_promhttp_port(s), 0);
	fk_promhttp_publish(s, body, strlen(body));
	return s;
}

static int
dial(const struct fk_promhttp *s)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)fk_promhttp_port(s));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0,
	    "connect: %s", strerror(errno));
	return fd;
}

static void
send_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n <= 0)
			return; /* the server may have answered already */
		s += n;
		len -= (size_t)n;
	}
}

/* Everything until the server closes, waiting at most ms; the length,
 * or -1 if it did not close in time. */
static ssize_t
read_all(int fd, char *buf, size_t cap, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t len = 0;
	ssize_t n;

	for (;;) {
		if (poll(&pfd, 1, ms) != 1)
			return -1;
		n = recv(fd, buf + len, cap - 1 - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

/* One request, the whole answer. */
static char *
request(const struct fk_promhttp *s, const char *req)
{
	static char buf[65536];
	int fd = dial(s);

	send_all(fd, req, strlen(req));
	cr_assert_geq(read_all(fd, buf, sizeof(buf), 2000), 0, "no answer");
	close(fd);
	return buf;
}

Test(promhttp, get_metrics_serves_the_text)
{
	struct fk_promhttp *s = server();
	char want[512];

	snprintf(want, sizeof(want),
	    "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain; version=0.0.4\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	    strlen(body), body);
	cr_assert_str_eq(request(s,
	                     "GET /metrics HTTP/1.1\r\nHost: x\r\n"
	                     "User-Agent: t\r\n\r\n"),
	    want);
	cr_assert_str_eq(request(s, "GET / HTTP/1.0\r\n\r\n"), want);
	cr_assert_str_eq(request(s, "GET /metrics?x=1 HTTP/1.1\n\n"), want);
	fk_promhttp_stop(s);
}

Test(promhttp, publish_replaces_the_text)
{
	struct fk_promhttp *s = server();

	fk_promhttp_publish(s, "n 2\n", 4);
	cr_assert_not_null(strstr(request(s, "GET /metrics HTTP/1.1\r\n\r\n"),
	    "Content-Length: 4\r\nConnection: close\r\n\r\nn 2\n"));
	fk_promhttp_stop(s);
}

Test(promhttp, head_has_no_body)
{
	struct fk_promhttp *s = server();
	char want[512];

	snprintf(want, sizeof(want),
	    "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain; version=0.0.4\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	    strlen(body));
	cr_assert_str_eq(request(s, "HEAD /metrics HTTP/1.1\r\n\r\n"), want);
	fk_promhttp_stop(s);
}

Test(promhttp, other_paths_404_other_methods_405)
{
	struct fk_promhttp *s = server();

	cr_assert_str_eq(request(s, "GET /metricsx HTTP/1.1\r\n\r\n"),
	    "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 10\r\nConnection: close\r\n\r\nNot Found\n");
	cr_assert_str_eq(request(s, "POST /metrics HTTP/1.1\r\n\r\n"),
	    "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 19\r\nAllow: GET, HEAD\r\nConnection: close\r\n"
	    "\r\nMethod Not Allowed\n");
	cr_assert_eq(
	    strncmp(request(s, "GET /metrics\r\n\r\n"), "HTTP/1.1 400 ", 13),
	    0);
	cr_assert_eq(
	    strncmp(request(s, "nonsense\r\n\r\n"), "HTTP/1.1 400 ", 13), 0);
	fk_promhttp_stop(s);
}

Test(promhttp, headers_over_8k_refused)
{
	struct fk_promhttp *s = server();
	char *req = malloc(20000);

	cr_assert_not_null(req);
	memcpy(req, "GET /metrics HTTP/1.1\r\nX: ", 26);
	memset(req + 26, 'a', 20000 - 26 - 5);
	memcpy(req + 20000 - 5, "\r\n\r\n", 5);
	cr_assert_eq(strncmp(request(s, req), "HTTP/1.1 431 ", 13), 0);
	free(req);
	fk_promhttp_stop(s);
}

/* A client that sends part of its request and stops is closed. */
Test(promhttp, slow_client_closed)
{
	struct fk_promhttp *s = server();
	char buf[512];
	int fd = dial(s);

	send_all(fd, "GET /metrics HTTP/1.1\r\n", 23);
	cr_assert_eq(read_all(fd, buf, sizeof(buf), TIMEOUT_MS * 4), 0);
	close(fd);
	fk_promhttp_stop(s);
}

/* 16 connections at once: a 17th waits until one is closed. */
Test(promhttp, at_most_16_connections)
{
	struct fk_promhttp *s = server();
	char buf[1024];
	int idle[16], fd;

	for (int i = 0; i < 16; i++) {
		idle[i] = dial(s);
		send_all(idle[i], "GET", 3);
	}
	sleep_ms(50);
	fd = dial(s);
	send_all(fd, "GET / HTTP/1.1\r\n\r\n", 18);
	cr_assert_eq(read_all(fd, buf, sizeof(buf), TIMEOUT_MS / 3), -1,
	    "answered a 17th connection at once");
	/* The idle ones time out, and then it is served. */
	cr_assert_gt(read_all(fd, buf, sizeof(buf), TIMEOUT_MS * 4), 0);
	cr_assert_eq(strncmp(buf, "HTTP/1.1 200 ", 13), 0);
	close(fd);
	for (int i = 0; i < 16; i++)
		close(idle[i]);
	fk_promhttp_stop(s);
}

Test(promhttp, stop_with_clients_connected)
{
	struct fk_promhttp *s = server();
	int fd = dial(s);

	send_all(fd, "GE", 2);
	sleep_ms(20);
	fk_promhttp_stop(s);
	close(fd);
}

Test(promhttp, bad_address_refused)
{
	char err[256] = "";

	cr_assert_null(
	    fk_promhttp_start("not an address", 0, 100, err, sizeof(err)));
	cr_assert_neq(err[0], '\0');
}

Test(promhttp, port_in_use_refused)
{
	struct fk_promhttp *s = server();
	char err[256] = "", want[64];

	cr_assert_null(fk_promhttp_start(
	    "127.0.0.1", fk_promhttp_port(s), 100, err, sizeof(err)));
	snprintf(want, sizeof(want),
	    "127.0.0.1 port %d: Address already in use", fk_promhttp_port(s));
	cr_assert_str_eq(err, want);
	fk_promhttp_stop(s);
}

Test(promhttp, route_of_request_lines)
{
	static const struct {
		const char *req;
		int code;
	} cases[] = {
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200 },
		{ "GET / HTTP/1.0\r\n\r\n", 200 },
		{ "HEAD /metrics?x=1 HTTP/1.1\r\n\r\n", 200 },
		{ "GET /metricsx HTTP/1.1\r\n\r\n", 404 },
		{ "GET /other HTTP/1.1\r\n\r\n", 404 },
		{ "POST /metrics HTTP/1.1\r\n\r\n", 405 },
		{ "GET /metrics\r\nHTTP/1.1 x\r\n\r\n", 400 },
		{ "GET metrics HTTP/1.1\r\n\r\n", 400 },
		{ "GET /metrics HTTP\r\n\r\n", 400 },
		{ "GET", 400 },
		{ "", 400 },
		{ "GET  HTTP/1.1", 400 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(fk_promhttp_route(cases[i].req), cases[i].code,
		    "\"%s\"", cases[i].req);
	cr_assert(fk_promhttp_complete("GET / HTTP/1.1\r\n\r\n", 18));
	cr_assert(fk_promhttp_complete("GET / HTTP/1.1\n\n", 16));
	cr_assert_not(
	    fk_promhttp_complete("GET / HTTP/1.1\r\nHost: x\r\n", 25));
}
