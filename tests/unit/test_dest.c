/* Unit tests for dest.c: webhook against an HTTP server in a thread,
 * syslog against sockets made here, exec with /bin/sh, the spool in a
 * temporary folder.  Everything listens on 127.0.0.1 only. */
#include "dest.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "banned.h"

static char dir[256];

static void
setup(void)
{
	/* As the runtime does. */
	signal(SIGPIPE, SIG_IGN);
	fk_test_tmpdir(dir, sizeof(dir), "dest");
}

static void
teardown(void)
{
	fk_test_rmdir(dir);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A socket on 127.0.0.1 with a port the kernel picked. */
static int
local_socket(int type, int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, type, 0), one = 1;

	cr_assert_neq(fd, -1);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	if (type == SOCK_STREAM)
		cr_assert_eq(listen(fd, 8), 0);
	return fd;
}

/* A port nothing listens on. */
static int
closed_port(void)
{
	int port, fd = local_socket(SOCK_DGRAM, &port);

	close(fd);
	return port;
}

/* Webhook: an HTTP/1.1 server answering each request with the next
 * status of a script (the last one repeats); 0 never answers. */

#define MAXREQ 16

struct httpd {
	int lfd, port;
	int script[8], nscript;
	pthread_t th;
	pthread_mutex_t mu;
	int nreq, nconn;
	char head[MAXREQ][2048];
	char body[MAXREQ][512];
	size_t bodylen[MAXREQ];
	volatile int stop;
};

static struct httpd srv;

/* Read into buf until want bytes or the end; -1 when stopped. */
static ssize_t
srv_read(int fd, char *buf, size_t cap)
{
	struct pollfd p;

	p.fd = fd;
	p.events = POLLIN;
	while (!srv.stop) {
		if (poll(&p, 1, 50) == 1)
			return read(fd, buf, cap);
	}
	return -1;
}

static size_t
content_length(const char *head)
{
	const char *p;

	for (p = head; *p != '\0'; p++)
		if (strncmp(p, "\r\nContent-Length:", 17) == 0)
			return strtoul(p + 17, NULL, 10);
	return 0;
}

static void
serve(int fd)
{
	char buf[8192], *end, reply[128];
	size_t have = 0, hlen, blen, i;
	ssize_t n;
	int status;

	for (;;) {
		buf[have] = '\0';
		while ((end = strstr(buf, "\r\n\r\n")) == NULL) {
			n = srv_read(fd, buf + have, sizeof(buf) - 1 - have);
			if (n <= 0)
				return;
			have += (size_t)n;
			buf[have] = '\0';
		}
		hlen = (size_t)(end - buf) + 4;
		blen = content_length(buf);
		while (have < hlen + blen) {
			n = srv_read(fd, buf + have, sizeof(buf) - 1 - have);
			if (n <= 0)
				return;
			have += (size_t)n;
		}
		pthread_mutex_lock(&srv.mu);
		i = (size_t)srv.nreq;
		if (i < MAXREQ) {
			memcpy(srv.head[i], buf, hlen < 2047 ? hlen : 2047);
			memcpy(
			    srv.body[i], buf + hlen, blen < 512 ? blen : 512);
			srv.bodylen[i] = blen;
		}
		status = srv.script[i < (size_t)srv.nscript
		        ? i
		        : (size_t)srv.nscript - 1];
		srv.nreq++;
		pthread_mutex_unlock(&srv.mu);
		if (status != 0) {
			n = snprintf(reply, sizeof(reply),
			    "HTTP/1.1 %d X\r\nContent-Length: 4\r\n\r\nnope",
			    status);
			cr_assert_eq(write(fd, reply, (size_t)n), n);
		}
		memmove(buf, buf + hlen + blen, have - hlen - blen);
		have -= hlen + blen;
	}
}

static void *
srv_main(void *arg)
{
	struct pollfd p;
	int fd;

	(void)arg;
	p.fd = srv.lfd;
	p.events = POLLIN;
	while (!srv.stop) {
		if (poll(&p, 1, 50) != 1)
			continue;
		if ((fd = accept(srv.lfd, NULL, NULL)) == -1)
			continue;
		pthread_mutex_lock(&srv.mu);
		srv.nconn++;
		pthread_mutex_unlock(&srv.mu);
		serve(fd);
		close(fd);
	}
	return NULL;
}

static void
srv_start(const int *script, int n)
{
	memset(&srv, 0, sizeof(srv));
	memcpy(srv.script, script, (size_t)n * sizeof(*script));
	srv.nscript = n;
	pthread_mutex_init(&srv.mu, NULL);
	srv.lfd = local_socket(SOCK_STREAM, &srv.port);
	cr_assert_eq(pthread_create(&srv.th, NULL, srv_main, NULL), 0);
}

static void
srv_stop(void)
{
	srv.stop = 1;
	pthread_join(srv.th, NULL);
	close(srv.lfd);
}

static struct fk_dest *
webhook(const struct fk_webhook_opts *o)
{
	char url[64], err[512];
	struct fk_dest *d;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/alerts", srv.port);
	d = fk_dest_webhook(url, o, err, sizeof(err));
	cr_assert_not_null(d, "%s", err);
	return d;
}

TestSuite(webhook, .init = setup, .fini = teardown);

Test(webhook, retries_5xx_then_succeeds)
{
	static const int script[] = { 500, 503, 200 };
	static const char *const hdr[] = { "X-Token: abc",
		"Authorization: Bearer t" };
	struct fk_webhook_opts o = { hdr, 2, 2000, 3, 50 };
	const char alert[] = "{\"id\":1}";
	char err[512];
	struct fk_dest *d;
	double t;
	int i;

	srv_start(script, 3);
	d = webhook(&o);
	t = now_ms();
	cr_assert_eq(fk_dest_send(d, alert, strlen(alert), err, sizeof(err)), 0,
	    "%s", err);
	t = now_ms() - t;
	srv_stop();
	cr_assert_eq(srv.nreq, 3);
	cr_assert_geq(t, 50 + 100, "%.0f ms", t);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(srv.bodylen[i], strlen(alert));
		cr_assert_arr_eq(srv.body[i], alert, strlen(alert));
		cr_assert_not_null(
		    strstr(srv.head[i], "POST /alerts HTTP/1.1"));
		cr_assert_not_null(strstr(
		    srv.head[i], "\r\nContent-Type: application/json\r\n"));
		cr_assert_not_null(strstr(srv.head[i], "\r\nX-Token: abc\r\n"));
		cr_assert_not_null(
		    strstr(srv.head[i], "\r\nAuthorization: Bearer t\r\n"));
		cr_assert_null(strstr(srv.head[i], "Expect:"));
	}
	fk_dest_free(d);
}

Test(webhook, client_error_fails_at_once)
{
	static const int script[] = { 404 };
	struct fk_webhook_opts o = { NULL, 0, 2000, 3, 50 };
	char err[512], want[128];
	struct fk_dest *d;

	srv_start(script, 1);
	d = webhook(&o);
	cr_assert_eq(fk_dest_send(d, "{}", 2, err, sizeof(err)), -1);
	srv_stop();
	cr_assert_eq(srv.nreq, 1);
	snprintf(want, sizeof(want),
	    "webhook http://127.0.0.1:%d/alerts: HTTP 404: nope", srv.port);
	cr_assert_str_eq(err, want);
	fk_dest_free(d);
}

Test(webhook, gives_up_on_5xx_after_retries)
{
	static const int script[] = { 502 };
	struct fk_webhook_opts o = { NULL, 0, 2000, 1, 10 };
	char err[512];
	struct fk_dest *d;

	srv_start(script, 1);
	d = webhook(&o);
	cr_assert_eq(fk_dest_send(d, "{}", 2, err, sizeof(err)), -1);
	srv_stop();
	cr_assert_eq(srv.nreq, 2);
	cr_assert_not_null(strstr(err, "HTTP 502"), "%s", err);
	cr_assert_not_null(strstr(err, "(after 2 tries)"), "%s", err);
	fk_dest_free(d);
}

Test(webhook, timeout_fails_after_retries, .timeout = 20)
{
	static const int script[] = { 0 };
	struct fk_webhook_opts o = { NULL, 0, 200, 2, 50 };
	char err[512], url[64];
	struct fk_dest *d;
	double t;

	srv_start(script, 1);
	d = webhook(&o);
	t = now_ms();
	cr_assert_eq(fk_dest_send(d, "{}", 2, err, sizeof(err)), -1);
	t = now_ms() - t;
	srv_stop();
	cr_assert_eq(srv.nreq, 3);
	cr_assert_geq(t, 3 * 200 + 50 + 100, "%.0f ms", t);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/alerts", srv.port);
	cr_assert_not_null(strstr(err, url), "%s", err);
	cr_assert_not_null(strstr(err, "(after 3 tries)"), "%s", err);
	fk_dest_free(d);
}

Test(webhook, reuses_the_connection)
{
	static const int script[] = { 200 };
	char err[512];
	struct fk_dest *d;
	int i;

	srv_start(script, 1);
	d = webhook(NULL);
	for (i = 0; i < 3; i++)
		cr_assert_eq(
		    fk_dest_send(d, "{}", 2, err, sizeof(err)), 0, "%s", err);
	srv_stop();
	cr_assert_eq(srv.nreq, 3);
	cr_assert_eq(srv.nconn, 1);
	fk_dest_free(d);
}

Test(webhook, body_is_sent_byte_for_byte)
{
	static const int script[] = { 204 };
	static const char alert[] = "{\"a\":\"x\ny\"}\0tail\n";
	char err[512];
	struct fk_dest *d;

	srv_start(script, 1);
	d = webhook(NULL);
	cr_assert_eq(
	    fk_dest_send(d, alert, sizeof(alert) - 1, err, sizeof(err)), 0,
	    "%s", err);
	srv_stop();
	cr_assert_eq(srv.bodylen[0], sizeof(alert) - 1);
	cr_assert_arr_eq(srv.body[0], alert, sizeof(alert) - 1);
	fk_dest_free(d);
}

Test(webhook, refused_connection_is_retried)
{
	struct fk_webhook_opts o = { NULL, 0, 1000, 1, 10 };
	char url[64], err[512];
	struct fk_dest *d;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", closed_port());
	d = fk_dest_webhook(url, &o, err, sizeof(err));
	cr_assert_not_null(d, "%s", err);
	cr_assert_eq(fk_dest_send(d, "{}", 2, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, url), "%s", err);
	cr_assert_not_null(strstr(err, "(after 2 tries)"), "%s", err);
	fk_dest_free(d);
}

Test(webhook, rejects_bad_urls_and_headers)
{
	static const char *const nocolon[] = { "X-Token abc" };
	static const char *const crlf[] = { "X-A: b\r\nX-C: d" };
	struct fk_webhook_opts o = { nocolon, 1, 0, 0, 0 };
	char err[512];

	cr_assert_null(
	    fk_dest_webhook("ftp://127.0.0.1/", NULL, err, sizeof(err)));
	cr_assert_str_eq(
	    err, "webhook ftp://127.0.0.1/: expected an http or https URL");
	cr_assert_null(fk_dest_webhook("no url", NULL, err, sizeof(err)));
	cr_assert_str_eq(err, "webhook no url: not a URL");
	cr_assert_null(
	    fk_dest_webhook("http://127.0.0.1/", &o, err, sizeof(err)));
	cr_assert_not_null(strstr(err, "X-Token abc"), "%s", err);
	o.headers = crlf;
	cr_assert_null(
	    fk_dest_webhook("http://127.0.0.1/", &o, err, sizeof(err)));
}

Test(webhook, name_hides_the_password)
{
	char err[512];
	struct fk_dest *d = fk_dest_webhook(
	    "http://u:secret@127.0.0.1:9/x", NULL, err, sizeof(err));

	cr_assert_not_null(d, "%s", err);
	cr_assert_null(
	    strstr(fk_dest_name(d), "secret"), "%s", fk_dest_name(d));
	cr_assert_not_null(strstr(fk_dest_name(d), "u@127.0.0.1:9/x"));
	fk_dest_free(d);
	d = fk_dest_webhook("https://127.0.0.1:9/x", NULL, err, sizeof(err));
	cr_assert_str_eq(fk_dest_name(d), "webhook https://127.0.0.1:9/x");
	fk_dest_free(d);
}

/* Syslog */

TestSuite(syslog, .init = setup, .fini = teardown);

static struct fk_dest *
syslog_dest(const char *scheme, int port)
{
	char uri[300], err[512];
	struct fk_dest *d;

	snprintf(uri, sizeof(uri), "%s://127.0.0.1:%d", scheme, port);
	d = fk_dest_syslog(uri, err, sizeof(err));
	cr_assert_not_null(d, "%s", err);
	return d;
}

static void
send_ok(struct fk_dest *d, const char *s)
{
	char err[512];

	cr_assert_eq(
	    fk_dest_send(d, s, strlen(s), err, sizeof(err)), 0, "%s", err);
}

/* Read exactly strlen(want) bytes from a stream and compare. */
static void
read_exact(int fd, const char *want)
{
	char buf[1024];
	size_t n = strlen(want), got = 0;
	ssize_t r;

	cr_assert_lt(n, sizeof(buf));
	while (got < n) {
		r = read(fd, buf + got, n - got);
		cr_assert_gt(r, 0, "got %zu of %zu", got, n);
		got += (size_t)r;
	}
	cr_assert_arr_eq(buf, want, n, "%.*s", (int)n, buf);
}

static const char msg1[] = "<134>1 2024-05-01T10:00:00.000Z h fk-alert 42 "
                           "alert - {\"id\":1}";

Test(syslog, udp_one_datagram_per_message)
{
	char buf[1024];
	struct fk_dest *d;
	ssize_t n;
	int fd, port;

	fd = local_socket(SOCK_DGRAM, &port);
	d = syslog_dest("udp", port);
	cr_assert_eq(strncmp(fk_dest_name(d), "syslog udp://", 13), 0);
	send_ok(d, msg1);
	send_ok(d, "<134>1 - - - - - - second\n");
	n = recv(fd, buf, sizeof(buf), 0);
	cr_assert_eq((size_t)n, strlen(msg1));
	cr_assert_arr_eq(buf, msg1, strlen(msg1));
	n = recv(fd, buf, sizeof(buf), 0);
	/* The line's end is dropped. */
	cr_assert_eq(n, 25);
	cr_assert_arr_eq(buf, "<134>1 - - - - - - second", 25);
	close(fd);
	fk_dest_free(d);
}

Test(syslog, tcp_octet_counting)
{
	struct fk_dest *d;
	int lfd, fd, port;
	char want[512];

	lfd = local_socket(SOCK_STREAM, &port);
	d = syslog_dest("tcp", port);
	send_ok(d, msg1);
	send_ok(d, "x\n");
	fd = accept(lfd, NULL, NULL);
	cr_assert_neq(fd, -1);
	snprintf(want, sizeof(want), "%zu %s1 x", strlen(msg1), msg1);
	read_exact(fd, want);
	close(fd);
	close(lfd);
	fk_dest_free(d);
}

Test(syslog, tcp_reconnects_once_after_a_close)
{
	struct fk_dest *d;
	int lfd, fd, port;

	lfd = local_socket(SOCK_STREAM, &port);
	d = syslog_dest("tcp", port);
	send_ok(d, "one");
	fd = accept(lfd, NULL, NULL);
	read_exact(fd, "3 one");
	close(fd);
	/* Let the close reach the sender's side. */
	nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
	send_ok(d, "two");
	fd = accept(lfd, NULL, NULL);
	cr_assert_neq(fd, -1);
	read_exact(fd, "3 two");
	close(fd);
	close(lfd);
	fk_dest_free(d);
}

Test(syslog, tcp_unreachable_fails)
{
	char err[512], want[64];
	struct fk_dest *d;
	int port = closed_port();

	d = syslog_dest("tcp", port);
	cr_assert_eq(fk_dest_send(d, "x", 1, err, sizeof(err)), -1);
	snprintf(
	    want, sizeof(want), "syslog tcp://127.0.0.1:%d: connect: ", port);
	cr_assert_eq(strncmp(err, want, strlen(want)), 0, "%s", err);
	cr_assert_not_null(strstr(err, "refused"), "%s", err);
	fk_dest_free(d);
}

static int
unix_socket(int type, char *path, size_t len)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, type, 0);

	snprintf(path, len, "%s/log", dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	if (type == SOCK_STREAM)
		cr_assert_eq(listen(fd, 4), 0);
	return fd;
}

Test(syslog, unix_datagram)
{
	char path[300], uri[320], err[512], buf[1024];
	struct fk_dest *d;
	ssize_t n;
	int fd = unix_socket(SOCK_DGRAM, path, sizeof(path));

	snprintf(uri, sizeof(uri), "unix:%s", path);
	d = fk_dest_syslog(uri, err, sizeof(err));
	cr_assert_not_null(d, "%s", err);
	send_ok(d, msg1);
	n = recv(fd, buf, sizeof(buf), 0);
	cr_assert_eq((size_t)n, strlen(msg1));
	cr_assert_arr_eq(buf, msg1, strlen(msg1));
	close(fd);
	fk_dest_free(d);
}

Test(syslog, unix_stream_ends_messages_with_nul)
{
	char path[300], uri[320], err[512], buf[16];
	struct fk_dest *d;
	int lfd = unix_socket(SOCK_STREAM, path, sizeof(path)), fd;
	size_t got = 0;
	ssize_t n;

	snprintf(uri, sizeof(uri), "unix:%s", path);
	d = fk_dest_syslog(uri, err, sizeof(err));
	cr_assert_not_null(d, "%s", err);
	send_ok(d, "ab");
	send_ok(d, "c");
	fd = accept(lfd, NULL, NULL);
	while (got < 5 && (n = read(fd, buf + got, 5 - got)) > 0)
		got += (size_t)n;
	cr_assert_eq(got, 5);
	cr_assert_arr_eq(buf, "ab\0c\0", 5);
	close(fd);
	close(lfd);
	fk_dest_free(d);
}

Test(syslog, unix_missing_socket_fails)
{
	char uri[320], err[512];
	struct fk_dest *d;

	snprintf(uri, sizeof(uri), "unix:%s/nothing", dir);
	d = fk_dest_syslog(uri, err, sizeof(err));
	cr_assert_not_null(d, "%s", err);
	cr_assert_eq(fk_dest_send(d, "x", 1, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "connect: No such file"), "%s", err);
	fk_dest_free(d);
}

Test(syslog, rejects_bad_uris)
{
	char err[512];

	cr_assert_null(
	    fk_dest_syslog("http://127.0.0.1:514", err, sizeof(err)));
	cr_assert_str_eq(err,
	    "syslog http://127.0.0.1:514: expected "
	    "udp://HOST:PORT, tcp://HOST:PORT or unix:PATH");
	cr_assert_null(fk_dest_syslog("udp://127.0.0.1", err, sizeof(err)));
	cr_assert_str_eq(err,
	    "syslog udp://127.0.0.1: expected HOST:PORT "
	    "(IPv6 in brackets)");
	cr_assert_null(fk_dest_syslog("tcp://127.0.0.1:", err, sizeof(err)));
	cr_assert_null(fk_dest_syslog("tcp://::1:514", err, sizeof(err)));
	cr_assert_null(fk_dest_syslog("unix:", err, sizeof(err)));
	cr_assert_null(
	    fk_dest_syslog("udp://127.0.0.1:nosuchservice", err, sizeof(err)));
	cr_assert_not_null(strstr(err, "127.0.0.1:nosuchservice: "), "%s", err);
}

/* Exec */

TestSuite(exec, .init = setup, .fini = teardown);

static struct fk_dest *
exec_dest(const char *cmd)
{
	char err[512];
	struct fk_dest *d = fk_dest_exec(cmd, err, sizeof(err));

	cr_assert_not_null(d, "%s", err);
	return d;
}

static size_t
slurp(const char *path, char *buf, size_t cap)
{
	FILE *fp = fopen(path, "r");
	size_t n;

	cr_assert_not_null(fp, "%s", path);
	n = fread(buf, 1, cap, fp);
	fclose(fp);
	return n;
}

Test(exec, command_reads_the_alert)
{
	static const char alert[] = "{\"id\":7}\n";
	char cmd[400], path[300], buf[64];
	struct fk_dest *d;

	snprintf(path, sizeof(path), "%s/out", dir);
	snprintf(cmd, sizeof(cmd), "cat > '%s'", path);
	d = exec_dest(cmd);
	cr_assert_eq(strncmp(fk_dest_name(d), "exec cat > ", 11), 0);
	send_ok(d, alert);
	cr_assert_eq(slurp(path, buf, sizeof(buf)), strlen(alert));
	cr_assert_arr_eq(buf, alert, strlen(alert));
	fk_dest_free(d);
}

Test(exec, exit_status_fails)
{
	char err[512];
	struct fk_dest *d = exec_dest("exit 3");

	cr_assert_eq(fk_dest_send(d, "x", 1, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "exec exit 3: exit status 3");
	fk_dest_free(d);
}

Test(exec, signal_fails)
{
	char err[512];
	struct fk_dest *d = exec_dest("kill -9 $$");

	cr_assert_eq(fk_dest_send(d, "x", 1, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "exec kill -9 $$: killed by signal 9");
	fk_dest_free(d);
}

Test(exec, command_that_does_not_read_succeeds)
{
	size_t n = 1 << 20;
	char *big = malloc(n), err[512];
	struct fk_dest *d = exec_dest("exit 0");

	/* Bigger than a pipe holds: the write sees EPIPE. */
	memset(big, 'a', n);
	cr_assert_eq(fk_dest_send(d, big, n, err, sizeof(err)), 0, "%s", err);
	free(big);
	fk_dest_free(d);
}

Test(exec, command_stdout_goes_to_stderr)
{
	char out[300], errf[300], buf[64];
	struct fk_dest *d = exec_dest("echo out; echo err >&2");
	int o, e, save1, save2;

	snprintf(out, sizeof(out), "%s/stdout", dir);
	snprintf(errf, sizeof(errf), "%s/stderr", dir);
	o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	e = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	fflush(stdout);
	fflush(stderr);
	save1 = dup(1);
	save2 = dup(2);
	dup2(o, 1);
	dup2(e, 2);
	send_ok(d, "x");
	dup2(save1, 1);
	dup2(save2, 2);
	close(o);
	close(e);
	close(save1);
	close(save2);
	cr_assert_eq(slurp(out, buf, sizeof(buf)), 0);
	cr_assert_eq(slurp(errf, buf, sizeof(buf)), 8);
	cr_assert_arr_eq(buf, "out\nerr\n", 8);
	fk_dest_free(d);
}

Test(exec, rejects_an_empty_command)
{
	char err[512];

	cr_assert_null(fk_dest_exec("", err, sizeof(err)));
	cr_assert_str_eq(err, "exec: empty command");
}

/* Spool */

TestSuite(spool, .init = setup, .fini = teardown);

struct seen {
	int calls, fail_at;
	char dest[4][64];
	char alert[4][64];
	size_t len[4];
};

static int
record(void *arg, const char *dest, const char *alert, size_t len)
{
	struct seen *s = arg;
	int i = s->calls++;

	cr_assert_lt(i, 4);
	snprintf(s->dest[i], sizeof(s->dest[i]), "%s", dest);
	cr_assert_lt(len, sizeof(s->alert[i]));
	memcpy(s->alert[i], alert, len);
	s->len[i] = len;
	return s->calls == s->fail_at ? -1 : 0;
}

static struct fk_spool *
spool(void)
{
	char err[512];
	struct fk_spool *s;

	/* The test's folder, made already: fk_test_rmdir removes it. */
	s = fk_spool_open(dir, err, sizeof(err));
	cr_assert_not_null(s, "%s", err);
	return s;
}

static void
add(struct fk_spool *s, const char *dest, const char *alert, size_t len)
{
	char err[512];

	cr_assert_eq(
	    fk_spool_add(s, dest, alert, len, err, sizeof(err)), 0, "%s", err);
}

Test(spool, replay_oldest_first_keeps_failures)
{
	struct fk_spool *s = spool();
	struct seen seen = { 0, 2, { { 0 } }, { { 0 } }, { 0 } };
	char err[512];

	add(s, "webhook http://a/", "one", 3);
	add(s, "syslog udp://b:1", "two", 3);
	add(s, "exec cat", "three", 5);
	cr_assert_eq(fk_spool_count(s), 3);
	cr_assert_eq(
	    fk_spool_replay(s, record, &seen, err, sizeof(err)), 2, "%s", err);
	cr_assert_eq(seen.calls, 3);
	cr_assert_str_eq(seen.dest[0], "webhook http://a/");
	cr_assert_str_eq(seen.dest[1], "syslog udp://b:1");
	cr_assert_str_eq(seen.dest[2], "exec cat");
	cr_assert_arr_eq(seen.alert[0], "one", 3);
	cr_assert_arr_eq(seen.alert[2], "three", 5);
	cr_assert_eq(fk_spool_count(s), 1);
	memset(&seen, 0, sizeof(seen));
	cr_assert_eq(fk_spool_replay(s, record, &seen, err, sizeof(err)), 1);
	cr_assert_eq(seen.calls, 1);
	cr_assert_str_eq(seen.dest[0], "syslog udp://b:1");
	cr_assert_eq(fk_spool_count(s), 0);
	fk_spool_close(s);
}

Test(spool, ignores_leftover_temporary_files)
{
	struct fk_spool *s = spool();
	struct seen seen = { 0 };
	char path[400], err[512];

	fk_test_write(path, sizeof(path), dir, ".tmp-1-1", "half", 4);
	add(s, "exec cat", "whole", 5);
	cr_assert_eq(fk_spool_count(s), 1);
	cr_assert_eq(fk_spool_replay(s, record, &seen, err, sizeof(err)), 1);
	cr_assert_eq(seen.calls, 1);
	cr_assert_eq(access(path, F_OK), 0);
	fk_spool_close(s);
}

Test(spool, content_round_trips)
{
	static const char alert[] = "line 1\nline 2\n\0\xff\r\n";
	struct fk_spool *s = spool();
	struct seen seen = { 0 };
	char err[512];

	add(s, "webhook https://h/x", alert, sizeof(alert) - 1);
	add(s, "exec true", "", 0);
	cr_assert_eq(fk_spool_replay(s, record, &seen, err, sizeof(err)), 2);
	cr_assert_str_eq(seen.dest[0], "webhook https://h/x");
	cr_assert_eq(seen.len[0], sizeof(alert) - 1);
	cr_assert_arr_eq(seen.alert[0], alert, sizeof(alert) - 1);
	cr_assert_eq(seen.len[1], 0);
	fk_spool_close(s);
}

Test(spool, survives_reopen_and_reports_a_bad_file)
{
	struct fk_spool *s = spool();
	struct seen seen = { 0 };
	char path[400], want[600], err[512];

	add(s, "exec cat", "kept", 4);
	fk_spool_close(s);
	s = spool();
	fk_test_write(path, sizeof(path), dir, "0-bad.alert", "nodest", 6);
	cr_assert_eq(fk_spool_count(s), 2);
	cr_assert_eq(fk_spool_replay(s, record, &seen, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
	    "spool %s: 0-bad.alert: no destination line (1 others delivered)",
	    dir);
	cr_assert_str_eq(err, want);
	cr_assert_eq(seen.calls, 1);
	cr_assert_str_eq(seen.dest[0], "exec cat");
	cr_assert_eq(fk_spool_count(s), 1);
	cr_assert_eq(fk_spool_add(s, "a\nb", "x", 1, err, sizeof(err)), -1);
	fk_spool_close(s);
}

Test(spool, open_fails_on_a_file)
{
	char path[400], err[512];

	fk_test_write(path, sizeof(path), dir, "file", "x", 1);
	cr_assert_null(fk_spool_open(path, err, sizeof(err)));
	cr_assert_not_null(strstr(err, "Not a directory"), "%s", err);
}
