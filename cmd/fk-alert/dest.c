/* Alert destinations and the spool.  Every descriptor made here is
 * close-on-exec so that commands run by exec destinations inherit none
 * of them. */
#include "dest.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "errbuf.h"
#include "xalloc.h"

#include "banned.h"

/* A syslog receiver that stops reading must not stall fk-alert for
 * ever: connects and sends give up after this. */
#define SOCK_TIMEOUT_MS 5000
/* A spool file bigger than this is not an alert we wrote. */
#define SPOOL_MAX (64L * 1024 * 1024)

enum kind { WEBHOOK, SYSLOG, EXEC };
enum transport { T_UDP, T_TCP, T_UNIX };

struct fk_dest {
	enum kind kind;
	char *name;
	/* webhook */
	CURL *curl;
	struct curl_slist *headers;
	int retries;
	long backoff_ms;
	char curlerr[CURL_ERROR_SIZE];
	char body[128]; /* the start of the last reply, for messages */
	size_t bodylen;
	/* syslog */
	enum transport tr;
	char *host, *port, *path;
	int fd;
	int stream;   /* a stream socket: a broken connection is possible */
	int nulframe; /* unix stream: end each message with NUL, as glibc */
	/* exec */
	char *cmd;
};

static void
cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl != -1)
		fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

/* Write all of buf; 0 or an errno value. */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static struct fk_dest *
dest_new(enum kind kind, const char *what, const char *arg)
{
	struct fk_dest *d = fk_xcalloc(1, sizeof(*d));
	size_t n = strlen(what) + 1 + strlen(arg) + 1;

	d->kind = kind;
	d->fd = -1;
	d->name = fk_xmalloc(n);
	snprintf(d->name, n, "%s %s", what, arg);
	return d;
}

const char *
fk_dest_name(const struct fk_dest *d)
{
	return d->name;
}

/* Webhook */

/* curl_global_init must run before any other thread exists and is not
 * thread-safe in every libcurl we build against: fk-alert makes its
 * destinations at startup, before it starts threads.  Counted so that
 * the last webhook freed also frees libcurl's globals. */
static int curl_users;

static size_t
keep_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct fk_dest *d = arg;
	size_t n = size * nmemb, room = sizeof(d->body) - 1 - d->bodylen;

	/* Without a write callback libcurl prints the reply on stdout,
	 * where only alerts go. */
	if (room > n)
		room = n;
	memcpy(d->body + d->bodylen, p, room);
	d->bodylen += room;
	d->body[d->bodylen] = '\0';
	return n;
}

/* The URL to show: as given, unless it holds a password. */
static char *
shown_url(const char *url, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *pass = NULL, *safe = NULL, *out = NULL;

	if (u == NULL) {
		fk_seterr(err, errlen, "webhook: out of memory");
		return NULL;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		fk_seterr(err, errlen, "webhook %s: not a URL", url);
		goto out;
	}
	if (strcasecmp(scheme, "http") != 0 &&
	    strcasecmp(scheme, "https") != 0) {
		fk_seterr(err, errlen,
		    "webhook %s: expected an http or https URL", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) != CURLUE_OK) {
		out = fk_xstrdup(url);
		goto out;
	}
	if (curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &safe, 0) != CURLUE_OK) {
		fk_seterr(err, errlen, "webhook: out of memory");
		goto out;
	}
	out = fk_xstrdup(safe);
out:
	curl_free(scheme);
	curl_free(pass);
	curl_free(safe);
	curl_url_cleanup(u);
	return out;
}

static int
add_header(struct fk_dest *d, const char *h)
{
	struct curl_slist *l = curl_slist_append(d->headers, h);

	if (l == NULL)
		return -1;
	d->headers = l;
	return 0;
}

static int
webhook_headers(struct fk_dest *d, const struct fk_webhook_opts *o, char *err,
    size_t errlen)
{
	static const char ct[] = "Content-Type:";
	int have_ct = 0;
	size_t i;

	for (i = 0; i < o->nheaders; i++) {
		const char *h = o->headers[i];

		/* A CR or LF would let a header write the request. */
		if (strchr(h, ':') == NULL || h[0] == ':' ||
		    strpbrk(h, "\r\n") != NULL) {
			fk_seterr(err, errlen,
			    "%s: header \"%s\": expected \"Name: value\"",
			    d->name, h);
			return -1;
		}
		if (strncasecmp(h, ct, sizeof(ct) - 1) == 0)
			have_ct = 1;
	}
	/* "Expect:" turns off the 100-continue round trip libcurl adds to
	 * bigger bodies, which many receivers do not answer. */
	if ((!have_ct && add_header(d, "Content-Type: application/json")) ||
	    add_header(d, "Expect:"))
		goto nomem;
	for (i = 0; i < o->nheaders; i++)
		if (add_header(d, o->headers[i]) == -1)
			goto nomem;
	return 0;
nomem:
	fk_seterr(err, errlen, "%s: out of memory", d->name);
	return -1;
}

struct fk_dest *
fk_dest_webhook(
    const char *url, const struct fk_webhook_opts *o, char *err, size_t errlen)
{
	static const struct fk_webhook_opts def = { NULL, 0, 5000, 3, 200 };
	struct fk_dest *d;
	CURLcode rc;
	CURL *c;
	char *shown;

	if (o == NULL)
		o = &def;
	if (o->retries < 0 || o->backoff_ms < 0) {
		fk_seterr(err, errlen,
		    "webhook %s: negative retries or backoff", url);
		return NULL;
	}
	if ((shown = shown_url(url, err, errlen)) == NULL)
		return NULL;
	d = dest_new(WEBHOOK, "webhook", shown);
	free(shown);
	d->retries = o->retries;
	d->backoff_ms = o->backoff_ms;
	if (curl_users == 0 &&
	    (rc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
		fk_seterr(
		    err, errlen, "%s: %s", d->name, curl_easy_strerror(rc));
		free(d->name);
		free(d);
		return NULL;
	}
	curl_users++;
	if ((d->curl = c = curl_easy_init()) == NULL) {
		fk_seterr(
		    err, errlen, "%s: cannot make a libcurl handle", d->name);
		goto fail;
	}
	if (webhook_headers(d, o, err, errlen) == -1)
		goto fail;
	/* NOSIGNAL: libcurl must not touch signals in a program that has
	 * its own handlers; the protocol lists keep a redirect or a typo
	 * from reaching file:// or the like.  Proxies from the environment
	 * are honoured, as everywhere else libcurl is used. */
	if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, d->headers) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
	        o->timeout_ms > 0 ? o->timeout_ms : 5000L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
#if LIBCURL_VERSION_NUM >= 0x075500
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") !=
	        CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") !=
	        CURLE_OK ||
#else
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS,
	        (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS,
	        (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK ||
#endif
	    curl_easy_setopt(c, CURLOPT_USERAGENT, "fk-alert") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, d->curlerr) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_body) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, d) != CURLE_OK) {
		fk_seterr(
		    err, errlen, "%s: libcurl refused an option", d->name);
		goto fail;
	}
	return d;
fail:
	fk_dest_free(d);
	return NULL;
}

/* Worth another try: the receiver may be back in a moment. */
static int
transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return 1;
	default:
		return 0;
	}
}

/* A signal does not cut the wait short: the caller's flag is checked
 * once the send returns, within the sum of the backoffs. */
static void
sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* The reply's start, made printable for a message. */
static const char *
reply_text(struct fk_dest *d)
{
	size_t i;

	for (i = 0; i < d->bodylen; i++)
		if ((unsigned char)d->body[i] < 0x20 ||
		    (unsigned char)d->body[i] == 0x7f)
			d->body[i] = ' ';
	return d->body;
}

static int
webhook_send(
    struct fk_dest *d, const char *alert, size_t len, char *err, size_t errlen)
{
	long status = 0, wait = d->backoff_ms;
	CURLcode rc;
	int tries;

	/* POSTFIELDS NULL would make libcurl read the body from stdin. */
	curl_easy_setopt(
	    d->curl, CURLOPT_POSTFIELDS, alert != NULL ? alert : "");
	curl_easy_setopt(d->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	for (tries = 1;; tries++) {
		d->curlerr[0] = '\0';
		d->bodylen = 0;
		d->body[0] = '\0';
		rc = curl_easy_perform(d->curl);
		if (rc == CURLE_OK) {
			curl_easy_getinfo(
			    d->curl, CURLINFO_RESPONSE_CODE, &status);
			if (status < 300)
				return 0;
			fk_seterr(err, errlen, "%s: HTTP %ld%s%s", d->name,
			    status, d->bodylen > 0 ? ": " : "", reply_text(d));
			/* 408 and 429 say "later", as a 5xx does. */
			if (status < 500 && status != 408 && status != 429)
				break;
		} else {
			fk_seterr(err, errlen, "%s: %s", d->name,
			    d->curlerr[0] != '\0' ? d->curlerr
			                          : curl_easy_strerror(rc));
			if (!transient(rc))
				break;
		}
		if (tries > d->retries)
			break;
		sleep_ms(wait);
		if (wait <= LONG_MAX / 2)
			wait *= 2;
	}
	if (tries > 1 && err != NULL) {
		size_t n = strlen(err);

		if (n < errlen)
			snprintf(
			    err + n, errlen - n, " (after %d tries)", tries);
	}
	return -1;
}

/* Syslog */

static int
parse_hostport(struct fk_dest *d, const char *s, char *err, size_t errlen)
{
	const char *colon, *end;

	if (s[0] == '[') {
		end = strchr(s, ']');
		if (end == NULL || end[1] != ':')
			goto bad;
		d->host = fk_xstrndup(s + 1, (size_t)(end - s - 1));
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || memchr(s, ':', (size_t)(colon - s)))
			goto bad;
		d->host = fk_xstrndup(s, (size_t)(colon - s));
	}
	if (d->host[0] == '\0' || colon[1] == '\0')
		goto bad;
	d->port = fk_xstrdup(colon + 1);
	return 0;
bad:
	fk_seterr(
	    err, errlen, "%s: expected HOST:PORT (IPv6 in brackets)", d->name);
	return -1;
}

/* connect() bounded by SOCK_TIMEOUT_MS; 0 or an errno value. */
static int
connect_timed(int fd, const struct sockaddr *sa, socklen_t salen)
{
	int fl = fcntl(fd, F_GETFL), e = 0;
	socklen_t elen = sizeof(e);
	struct pollfd p;

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return errno;
	if (connect(fd, sa, salen) == -1) {
		if (errno != EINPROGRESS && errno != EINTR)
			return errno;
		p.fd = fd;
		p.events = POLLOUT;
		switch (poll(&p, 1, SOCK_TIMEOUT_MS)) {
		case -1:
			return errno;
		case 0:
			return ETIMEDOUT;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) == -1)
			return errno;
		if (e != 0)
			return e;
	}
	if (fcntl(fd, F_SETFL, fl) == -1)
		return errno;
	return 0;
}

static void
send_timeout(int fd)
{
	struct timeval tv;

	tv.tv_sec = SOCK_TIMEOUT_MS / 1000;
	tv.tv_usec = (SOCK_TIMEOUT_MS % 1000) * 1000;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int
unix_connect(struct fk_dest *d, char *why, size_t whylen)
{
	struct sockaddr_un sun;
	int fd, e;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, d->path, strlen(d->path) + 1);
	d->stream = d->nulframe = 0;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1)
		goto err;
	cloexec(fd);
	e = connect_timed(fd, (struct sockaddr *)&sun, sizeof(sun));
	if (e == EPROTOTYPE) {
		/* Some syslog daemons listen on a stream socket. */
		close(fd);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
			goto err;
		cloexec(fd);
		e = connect_timed(fd, (struct sockaddr *)&sun, sizeof(sun));
		d->stream = d->nulframe = 1;
	}
	if (e != 0) {
		close(fd);
		snprintf(why, whylen, "connect: %s", strerror(e));
		return -1;
	}
	send_timeout(fd);
	d->fd = fd;
	return 0;
err:
	snprintf(why, whylen, "socket: %s", strerror(errno));
	return -1;
}

static int
inet_connect(struct fk_dest *d, char *why, size_t whylen)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, e = 0, gai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = d->tr == T_TCP ? SOCK_STREAM : SOCK_DGRAM;
	/* Resolved at each connect: a receiver that moves is found
	 * again. */
	if ((gai = getaddrinfo(d->host, d->port, &hints, &res)) != 0) {
		snprintf(why, whylen, "%s: %s", d->host, gai_strerror(gai));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd == -1) {
			e = errno;
			continue;
		}
		cloexec(fd);
		if ((e = connect_timed(fd, ai->ai_addr, ai->ai_addrlen)) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		snprintf(why, whylen, "connect: %s", strerror(e));
		return -1;
	}
	send_timeout(fd);
	d->fd = fd;
	d->stream = d->tr == T_TCP;
	return 0;
}

struct fk_dest *
fk_dest_syslog(const char *uri, char *err, size_t errlen)
{
	struct fk_dest *d = dest_new(SYSLOG, "syslog", uri);
	struct addrinfo hints, *res;
	struct sockaddr_un sun;
	int gai;

	if (strncmp(uri, "udp://", 6) == 0 || strncmp(uri, "tcp://", 6) == 0) {
		d->tr = uri[0] == 'u' ? T_UDP : T_TCP;
		if (parse_hostport(d, uri + 6, err, errlen) == -1)
			goto fail;
		/* Checked now so that a typo is found at startup; a
		 * receiver that is down is not an error until a send. */
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = d->tr == T_TCP ? SOCK_STREAM : SOCK_DGRAM;
		gai = getaddrinfo(d->host, d->port, &hints, &res);
		if (gai != 0) {
			fk_seterr(err, errlen, "%s: %s:%s: %s", d->name,
			    d->host, d->port, gai_strerror(gai));
			goto fail;
		}
		freeaddrinfo(res);
	} else if (strncmp(uri, "unix:", 5) == 0) {
		d->tr = T_UNIX;
		if (uri[5] == '\0' || strlen(uri + 5) >= sizeof(sun.sun_path)) {
			fk_seterr(err, errlen, "%s: %s", d->name,
			    uri[5] == '\0' ? "no path" : "path too long");
			goto fail;
		}
		d->path = fk_xstrdup(uri + 5);
	} else {
		fk_seterr(err, errlen,
		    "%s: expected udp://HOST:PORT, tcp://HOST:PORT or unix:PATH",
		    d->name);
		goto fail;
	}
	return d;
fail:
	fk_dest_free(d);
	return NULL;
}

/* Whether the receiver closed a stream connection.  Syslog receivers
 * never write, so anything readable is an end of file or an error;
 * stray bytes are read and dropped. */
static int
peer_closed(int fd)
{
	struct pollfd p;
	char buf[256];
	ssize_t n;

	p.fd = fd;
	p.events = POLLIN;
	while (poll(&p, 1, 0) == 1) {
		if (p.revents & (POLLERR | POLLNVAL))
			return 1;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return 1;
	}
	return 0;
}

/* Send a whole frame; 0 or an errno value. */
static int
send_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	do {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK
			    ? ETIMEDOUT
			    : errno;
		}
		buf += n;
		len -= (size_t)n;
	} while (len > 0);
	return 0;
}

static int
sock_connect(struct fk_dest *d, char *why, size_t whylen)
{
	return d->tr == T_UNIX ? unix_connect(d, why, whylen)
	                       : inet_connect(d, why, whylen);
}

/* One message per datagram; on TCP "LEN SP MSG" (RFC 6587 octet
 * counting); on a Unix stream socket MSG NUL, as glibc's syslog(3).  A
 * connection that broke since the last send is made again once. */
static int
syslog_send(
    struct fk_dest *d, const char *msg, size_t len, char *err, size_t errlen)
{
	char why[256], *frame = NULL;
	const char *out = msg;
	size_t outlen;
	int e, had;

	/* A line's end is not part of a syslog message. */
	if (len > 0 && msg[len - 1] == '\n')
		len--;
	outlen = len;
	for (;;) {
		had = d->fd != -1;
		if (had && d->stream && peer_closed(d->fd)) {
			close(d->fd);
			d->fd = -1;
			had = 0;
		}
		if (d->fd == -1 && sock_connect(d, why, sizeof(why)) == -1)
			break;
		if (frame == NULL && d->tr == T_TCP) {
			frame = fk_xmalloc(len + 24);
			outlen = (size_t)snprintf(frame, 24, "%zu ", len);
			memcpy(frame + outlen, msg, len);
			outlen += len;
			out = frame;
		} else if (frame == NULL && d->nulframe) {
			frame = fk_xmalloc(len + 1);
			memcpy(frame, msg, len);
			frame[len] = '\0';
			outlen = len + 1;
			out = frame;
		}
		if ((e = send_all(d->fd, out, outlen)) == 0) {
			free(frame);
			return 0;
		}
		snprintf(why, sizeof(why), "send: %s", strerror(e));
		close(d->fd);
		d->fd = -1;
		if (!had)
			break;
	}
	free(frame);
	fk_seterr(err, errlen, "%s: %s", d->name, why);
	return -1;
}

/* Exec */

struct fk_dest *
fk_dest_exec(const char *cmd, char *err, size_t errlen)
{
	struct fk_dest *d;

	if (cmd == NULL || cmd[0] == '\0') {
		fk_seterr(err, errlen, "exec: empty command");
		return NULL;
	}
	d = dest_new(EXEC, "exec", cmd);
	d->cmd = fk_xstrdup(cmd);
	return d;
}

/* The child's stdout is our stderr: fk-alert's stdout carries alerts
 * only, and what a command prints is a diagnostic. */
static void
child(int in, const char *cmd)
{
	struct sigaction sa;
	sigset_t none;

	/* fk-alert ignores SIGPIPE, and an ignored signal stays ignored
	 * across exec; commands expect the default. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (in == 0)
		fcntl(0, F_SETFD, 0);
	else if (dup2(in, 0) == -1)
		_exit(126);
	if (dup2(2, 1) == -1)
		_exit(126);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/* Needs SIGPIPE ignored (the runtime does) when the command may exit
 * without reading its input. */
static int
exec_send(
    struct fk_dest *d, const char *alert, size_t len, char *err, size_t errlen)
{
	int p[2], status, werr;
	pid_t pid;

	if (pipe(p) == -1) {
		fk_seterr(
		    err, errlen, "%s: pipe: %s", d->name, strerror(errno));
		return -1;
	}
	cloexec(p[0]);
	cloexec(p[1]);
	if ((pid = fork()) == -1) {
		fk_seterr(
		    err, errlen, "%s: fork: %s", d->name, strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0)
		child(p[0], d->cmd);
	close(p[0]);
	/* A line of text, as a mail or ticket command expects. */
	werr = write_all(p[1], alert, len);
	if (werr == 0 && (len == 0 || alert[len - 1] != '\n'))
		werr = write_all(p[1], "\n", 1);
	close(p[1]);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			fk_seterr(err, errlen, "%s: waitpid: %s", d->name,
			    strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		/* A command may well exit 0 without reading: EPIPE. */
		if (werr == 0 || werr == EPIPE)
			return 0;
		fk_seterr(
		    err, errlen, "%s: write: %s", d->name, strerror(werr));
	} else if (WIFEXITED(status))
		fk_seterr(err, errlen, "%s: exit status %d", d->name,
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		fk_seterr(err, errlen, "%s: killed by signal %d", d->name,
		    WTERMSIG(status));
	else
		fk_seterr(err, errlen, "%s: wait status %d", d->name, status);
	return -1;
}

int
fk_dest_send(
    struct fk_dest *d, const char *alert, size_t len, char *err, size_t errlen)
{
	switch (d->kind) {
	case WEBHOOK:
		return webhook_send(d, alert, len, err, errlen);
	case SYSLOG:
		return syslog_send(d, alert, len, err, errlen);
	case EXEC:
		return exec_send(d, alert, len, err, errlen);
	}
	return -1;
}

void
fk_dest_free(struct fk_dest *d)
{
	if (d == NULL)
		return;
	if (d->kind == WEBHOOK) {
		if (d->curl != NULL)
			curl_easy_cleanup(d->curl);
		curl_slist_free_all(d->headers);
		if (--curl_users == 0)
			curl_global_cleanup();
	}
	if (d->fd != -1)
		close(d->fd);
	free(d->host);
	free(d->port);
	free(d->path);
	free(d->cmd);
	free(d->name);
	free(d);
}

/* Spool */

struct fk_spool {
	char *dir;
	int dfd;
	unsigned long n;
	unsigned long long last; /* nanoseconds in the last name */
};

struct fk_spool *
fk_spool_open(const char *dir, char *err, size_t errlen)
{
	struct fk_spool *s;
	int dfd;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		fk_seterr(err, errlen, "spool %s: %s", dir, strerror(errno));
		return NULL;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		fk_seterr(err, errlen, "spool %s: %s", dir, strerror(errno));
		return NULL;
	}
	s = fk_xcalloc(1, sizeof(*s));
	s->dir = fk_xstrdup(dir);
	s->dfd = dfd;
	return s;
}

/* Names sort oldest first: nanoseconds since the epoch, kept rising
 * within a process if the clock steps back, then the pid and a counter
 * so that two writers never pick the same name. */
static void
spool_name(struct fk_spool *s, char *name, size_t len)
{
	struct timespec ts;
	unsigned long long ns;

	clock_gettime(CLOCK_REALTIME, &ts);
	ns = (unsigned long long)ts.tv_sec * 1000000000ULL +
	    (unsigned long long)ts.tv_nsec;
	if (ns <= s->last)
		ns = s->last + 1;
	s->last = ns;
	snprintf(
	    name, len, "%020llu-%010ld-%010lu.alert", ns, (long)getpid(), s->n);
}

int
fk_spool_add(struct fk_spool *s, const char *dest, const char *alert,
    size_t len, char *err, size_t errlen)
{
	char tmp[64], name[80];
	const char *what;
	int fd, e;

	if (strchr(dest, '\n') != NULL) {
		fk_seterr(err, errlen,
		    "spool %s: destination name with a newline", s->dir);
		return -1;
	}
	s->n++;
	snprintf(tmp, sizeof(tmp), ".tmp-%ld-%lu", (long)getpid(), s->n);
	fd = openat(s->dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		e = errno;
		what = "create";
		goto fail;
	}
	what = "write";
	if ((e = write_all(fd, dest, strlen(dest))) != 0 ||
	    (e = write_all(fd, "\n", 1)) != 0 ||
	    (e = write_all(fd, alert, len)) != 0)
		goto unlink;
	what = "fsync";
	if (fsync(fd) == -1) {
		e = errno;
		goto unlink;
	}
	what = "close";
	if (close(fd) == -1) {
		e = errno;
		fd = -1;
		goto unlink;
	}
	fd = -1;
	spool_name(s, name, sizeof(name));
	what = "rename";
	if (renameat(s->dfd, tmp, s->dfd, name) == -1) {
		e = errno;
		goto unlink;
	}
	/* The rename is durable only once the folder is synced. */
	if (fsync(s->dfd) == -1) {
		fk_seterr(err, errlen, "spool %s: fsync: %s", s->dir,
		    strerror(errno));
		return -1;
	}
	return 0;
unlink:
	if (fd != -1)
		close(fd);
	unlinkat(s->dfd, tmp, 0);
fail:
	fk_seterr(
	    err, errlen, "spool %s: %s %s: %s", s->dir, what, tmp, strerror(e));
	return -1;
}

/* Only whole alerts: a .tmp- file is one a crash left half written. */
static int
is_alert(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 6 && strcmp(name + n - 6, ".alert") == 0;
}

size_t
fk_spool_count(struct fk_spool *s)
{
	struct dirent *de;
	size_t n = 0;
	DIR *dp;

	if ((dp = opendir(s->dir)) == NULL)
		return 0;
	while ((de = readdir(dp)) != NULL)
		if (is_alert(de->d_name))
			n++;
	closedir(dp);
	return n;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The file's bytes, NUL-terminated, in *buf; 0, or -1 with errno set
 * (EFBIG for a file too big to be ours). */
static int
read_file(int dfd, const char *name, char **buf, size_t *len)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd, e;

	if ((fd = openat(dfd, name, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (st.st_size > SPOOL_MAX) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	*buf = fk_xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		n = read(fd, *buf + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n == 0 ? EIO : errno;
			free(*buf);
			close(fd);
			errno = e;
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	(*buf)[got] = '\0';
	*len = got;
	return 0;
}

/* A file that cannot be read or has no destination line is kept, the
 * others are still offered, and the first such file is the message. */
long
fk_spool_replay(struct fk_spool *s,
    int (*fn)(void *arg, const char *dest, const char *alert, size_t len),
    void *arg, char *err, size_t errlen)
{
	char **names = NULL, *buf, *nl, bad[512];
	size_t n = 0, cap = 0, i, len;
	long done = 0;
	struct dirent *de;
	DIR *dp;

	if ((dp = opendir(s->dir)) == NULL) {
		fk_seterr(err, errlen, "spool %s: %s", s->dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(dp)) != NULL) {
		if (!is_alert(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			names = fk_xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = fk_xstrdup(de->d_name);
	}
	closedir(dp);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_name);
	bad[0] = '\0';
	for (i = 0; i < n; i++) {
		if (read_file(s->dfd, names[i], &buf, &len) == -1) {
			/* Another run replayed it first. */
			if (errno != ENOENT && bad[0] == '\0')
				snprintf(bad, sizeof(bad), "%s: %s", names[i],
				    strerror(errno));
			continue;
		}
		if ((nl = memchr(buf, '\n', len)) == NULL) {
			if (bad[0] == '\0')
				snprintf(bad, sizeof(bad),
				    "%s: no destination line", names[i]);
		} else {
			*nl = '\0';
			if (fn(arg, buf, nl + 1,
			        len - (size_t)(nl + 1 - buf)) == 0) {
				if (unlinkat(s->dfd, names[i], 0) == 0)
					done++;
				else if (bad[0] == '\0')
					snprintf(bad, sizeof(bad),
					    "%s: unlink: %s", names[i],
					    strerror(errno));
			}
		}
		free(buf);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (done > 0)
		fsync(s->dfd);
	if (bad[0] != '\0') {
		fk_seterr(err, errlen, "spool %s: %s (%ld others delivered)",
		    s->dir, bad, done);
		return -1;
	}
	return done;
}

void
fk_spool_close(struct fk_spool *s)
{
	if (s == NULL)
		return;
	close(s->dfd);
	free(s->dir);
	free(s);
}
