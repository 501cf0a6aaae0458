#include "promhttp.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "errbuf.h"
#include "fktime.h"
#include "xalloc.h"
#include "banned.h"

#define MAX_CONNS 16
#define MAX_REQUEST 8192 /* request line and headers */
#define WRITE_MS 10000   /* to take the answer */
#define DRAIN_MS 1000    /* for the client to close after the answer */

enum state { FREE, READING, WRITING, DRAINING };

struct conn {
	enum state state;
	int fd;
	int64_t deadline; /* monotonic ms */
	char req[MAX_REQUEST];
	size_t reqlen;
	char *out;
	size_t outlen, outoff;
};

struct fk_promhttp {
	int lfd, wake[2], port, timeout_ms;
	pthread_t thread;
	pthread_mutex_t mu; /* body */
	char *body;
	size_t bodylen;
	struct conn c[MAX_CONNS];
};

static int
nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	return 0;
}

static void
conn_close(struct conn *c)
{
	close(c->fd);
	free(c->out);
	c->out = NULL;
	c->state = FREE;
}

/* The answer to the request in c->req, ready to write. */
static void
respond(struct fk_promhttp *s, struct conn *c, int code, const char *reason)
{
	static const char ctype[] = "text/plain; version=0.0.4";
	char head[512];
	const char *body = "";
	size_t blen = 0;
	int n, head_only = code == 200 && strncmp(c->req, "HEAD ", 5) == 0;
	char msg[64];

	if (code != 200) {
		snprintf(msg, sizeof(msg), "%s\n", reason);
		body = msg;
		blen = strlen(msg);
	}
	pthread_mutex_lock(&s->mu);
	if (code == 200) {
		body = s->body != NULL ? s->body : "";
		blen = s->bodylen;
	}
	n = snprintf(head, sizeof(head),
	    "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "%sConnection: close\r\n\r\n",
	    code, reason, code == 200 ? ctype : "text/plain", blen,
	    code == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (head_only)
		blen = 0;
	c->out = fk_xmalloc((size_t)n + blen);
	memcpy(c->out, head, (size_t)n);
	if (blen > 0)
		memcpy(c->out + n, body, blen);
	pthread_mutex_unlock(&s->mu);
	c->outlen = (size_t)n + blen;
	c->outoff = 0;
	c->state = WRITING;
	c->deadline = fk_time_mono_ms() + WRITE_MS;
}

int
fk_promhttp_route(const char *req)
{
	size_t line = strcspn(req, "\r\n"), mlen, plen;
	const char *sp1 = memchr(req, ' ', line), *sp2, *path;
	int get;

	if (sp1 == NULL)
		return 400;
	mlen = (size_t)(sp1 - req);
	path = sp1 + 1;
	sp2 = memchr(path, ' ', line - mlen - 1);
	if (sp2 == NULL || path[0] != '/' ||
	    line - (size_t)(sp2 + 1 - req) < 5 ||
	    strncmp(sp2 + 1, "HTTP/", 5) != 0)
		return 400;
	get = (mlen == 3 && strncmp(req, "GET", 3) == 0) ||
	    (mlen == 4 && strncmp(req, "HEAD", 4) == 0);
	/* The path up to a query or the space before the version. */
	plen = strcspn(path, "? ");
	if (plen > (size_t)(sp2 - path))
		plen = (size_t)(sp2 - path);
	if (!(plen == 1 || (plen == 8 && strncmp(path, "/metrics", 8) == 0)))
		return 404;
	return get ? 200 : 405;
}

static void
answer(struct fk_promhttp *s, struct conn *c)
{
	static const struct {
		int code;
		const char *reason;
	} reasons[] = { { 200, "OK" }, { 400, "Bad Request" },
		{ 404, "Not Found" }, { 405, "Method Not Allowed" } };
	int code = fk_promhttp_route(c->req);

	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == code)
			respond(s, c, code, reasons[i].reason);
}

int
fk_promhttp_complete(const char *req, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (req[i] == '\n' &&
		    (req[i + 1] == '\n' ||
		        (req[i + 1] == '\r' && i + 2 < len &&
		            req[i + 2] == '\n')))
			return 1;
	return 0;
}

static void
do_read(struct fk_promhttp *s, struct conn *c)
{
	char scratch[1024];
	ssize_t n;

	if (c->state == DRAINING) {
		n = recv(c->fd, scratch, sizeof(scratch), 0);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
			conn_close(c);
		return;
	}
	/* One byte kept for the '\0' that answer() reads up to. */
	n = recv(c->fd, c->req + c->reqlen, sizeof(c->req) - 1 - c->reqlen, 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->reqlen += (size_t)n;
	c->req[c->reqlen] = '\0';
	if (fk_promhttp_complete(c->req, c->reqlen))
		answer(s, c);
	else if (c->reqlen == sizeof(c->req) - 1)
		respond(s, c, 431, "Request Header Fields Too Large");
}

static void
do_write(struct conn *c)
{
	ssize_t n = send(
	    c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		conn_close(c);
		return;
	}
	c->outoff += (size_t)n;
	if (c->outoff < c->outlen)
		return;
	/* Closing with unread input would reset the connection, and the
	 * client could lose the answer: wait for its end first. */
	shutdown(c->fd, SHUT_WR);
	free(c->out);
	c->out = NULL;
	c->state = DRAINING;
	c->deadline = fk_time_mono_ms() + DRAIN_MS;
}

static void
do_accept(struct fk_promhttp *s)
{
	for (int i = 0; i < MAX_CONNS; i++) {
		struct conn *c = &s->c[i];
		int fd;

		if (c->state != FREE)
			continue;
		if ((fd = accept(s->lfd, NULL, NULL)) == -1)
			return;
		if (nonblock(fd) == -1) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->reqlen = 0;
		c->state = READING;
		c->deadline = fk_time_mono_ms() + s->timeout_ms;
	}
}

static void *
serve(void *arg)
{
	struct fk_promhttp *s = arg;
	struct pollfd pfd[MAX_CONNS + 2];
	int idx[MAX_CONNS + 2];

	for (;;) {
		int64_t now = fk_time_mono_ms(), wait = -1;
		int n = 0, nfree = 0, i;

		pfd[n++] =
		    (struct pollfd){ .fd = s->wake[0], .events = POLLIN };
		for (i = 0; i < MAX_CONNS; i++) {
			struct conn *c = &s->c[i];

			if (c->state == FREE) {
				nfree++;
				continue;
			}
			if (now >= c->deadline) {
				conn_close(c);
				nfree++;
				continue;
			}
			if (wait == -1 || c->deadline - now < wait)
				wait = c->deadline - now;
			idx[n] = i;
			pfd[n++] = (struct pollfd){ .fd = c->fd,
				.events =
				    c->state == WRITING ? POLLOUT : POLLIN };
		}
		/* Full: new clients wait in the listen queue. */
		if (nfree > 0) {
			idx[n] = -1;
			pfd[n++] =
			    (struct pollfd){ .fd = s->lfd, .events = POLLIN };
		}
		if (poll(pfd, (nfds_t)n, (int)wait) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents != 0)
			break;
		for (i = 1; i < n; i++) {
			struct conn *c;

			if (pfd[i].revents == 0)
				continue;
			if (idx[i] == -1) {
				do_accept(s);
				continue;
			}
			c = &s->c[idx[i]];
			if (c->state == WRITING)
				do_write(c);
			else
				do_read(s, c);
		}
	}
	return NULL;
}

static int
listen_on(
    struct fk_promhttp *s, const char *addr, int port, char *err, size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char ps[16];
	int rc, one = 1, e = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(ps, sizeof(ps), "%d", port);
	if ((rc = getaddrinfo(addr, ps, &hints, &res)) != 0) {
		fk_seterr(err, errlen, "%s: %s", addr, gai_strerror(rc));
		return -1;
	}
	s->lfd = -1;
	for (ai = res; ai != NULL && s->lfd == -1; ai = ai->ai_next) {
		s->lfd =
		    socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (s->lfd == -1) {
			e = errno;
			continue;
		}
		setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(s->lfd, ai->ai_addr, ai->ai_addrlen) == -1 ||
		    listen(s->lfd, MAX_CONNS) == -1 || nonblock(s->lfd) == -1) {
			e = errno;
			close(s->lfd);
			s->lfd = -1;
		}
	}
	freeaddrinfo(res);
	if (s->lfd == -1) {
		fk_seterr(
		    err, errlen, "%s port %d: %s", addr, port, strerror(e));
		return -1;
	}
	s->port = port;
	if (getsockname(s->lfd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			s->port =
			    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return 0;
}

struct fk_promhttp *
fk_promhttp_start(
    const char *addr, int port, int timeout_ms, char *err, size_t errlen)
{
	struct fk_promhttp *s = fk_xcalloc(1, sizeof(*s));
	sigset_t all, old;
	int e;

	s->timeout_ms = timeout_ms;
	if (listen_on(s, addr != NULL ? addr : "127.0.0.1", port, err,
	        errlen) == -1) {
		free(s);
		return NULL;
	}
	if (pipe(s->wake) == -1) {
		fk_seterr(err, errlen, "pipe: %s", strerror(errno));
		close(s->lfd);
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->mu, NULL);
	/* Signals are the main thread's: reads there return EINTR. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&s->thread, NULL, serve, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		fk_seterr(err, errlen, "metrics thread: %s", strerror(e));
		close(s->wake[0]);
		close(s->wake[1]);
		close(s->lfd);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return NULL;
	}
	return s;
}

int
fk_promhttp_port(const struct fk_promhttp *s)
{
	return s->port;
}

void
fk_promhttp_publish(struct fk_promhttp *s, const char *body, size_t len)
{
	pthread_mutex_lock(&s->mu);
	s->body = fk_xrealloc(s->body, len + 1);
	memcpy(s->body, body, len);
	s->body[len] = '\0';
	s->bodylen = len;
	pthread_mutex_unlock(&s->mu);
}

void
fk_promhttp_stop(struct fk_promhttp *s)
{
	ssize_t n;

	if (s == NULL)
		return;
	do
		n = write(s->wake[1], "x", 1);
	while (n == -1 && errno == EINTR);
	pthread_join(s->thread, NULL);
	for (int i = 0; i < MAX_CONNS; i++)
		if (s->c[i].state != FREE)
			conn_close(&s->c[i]);
	close(s->wake[0]);
	close(s->wake[1]);
	close(s->lfd);
	pthread_mutex_destroy(&s->mu);
	free(s->body);
	free(s);
}
