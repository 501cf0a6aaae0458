/* The metrics over HTTP, for Prometheus to scrape: a thread of its own
 * answers GET /metrics (and GET /) with the last text the caller
 * published, so that the caller's loop never waits for a client and
 * takes no lock per record.  Bounded: a request line and headers of at
 * most 8 KiB, 16 connections at once, one request each, and a client
 * that has not sent its whole request in time is closed.  Library
 * module: never prints, never exits (out of memory aside). */
#ifndef FK_PROMHTTP_H
#define FK_PROMHTTP_H

#include <stddef.h>

struct fk_promhttp;

/* Listen on addr (NULL: 127.0.0.1) and port (0: one the system picks)
 * and serve until fk_promhttp_stop; a connection that has not sent its
 * request within timeout_ms is closed.  Until the first
 * fk_promhttp_publish, /metrics is empty.  NULL with a message. */
struct fk_promhttp *fk_promhttp_start(
    const char *addr, int port, int timeout_ms, char *err, size_t errlen);

/* The port listened on. */
int fk_promhttp_port(const struct fk_promhttp *s);

/* What /metrics answers from now on: a copy of body[0..len). */
void fk_promhttp_publish(struct fk_promhttp *s, const char *body, size_t len);

/* Whether req[0..len) holds a whole request line and headers (up to an
 * empty line). */
int fk_promhttp_complete(const char *req, size_t len);

/* The status of the answer to req (NUL-terminated; its first line is
 * the request line): 200 for GET or HEAD of / or /metrics (a query
 * aside), 404 another path, 405 another method, 400 no request line. */
int fk_promhttp_route(const char *req);

/* Stop serving, close every connection and free s (NULL: nothing). */
void fk_promhttp_stop(struct fk_promhttp *s);

#endif
