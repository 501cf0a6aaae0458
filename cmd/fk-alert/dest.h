/* Where fk-alert delivers alerts besides stdout and Kafka: an HTTP
 * webhook (libcurl), a syslog receiver (UDP, TCP, a Unix socket), a
 * command run per alert.  What a destination cannot take goes to a spool
 * folder and is sent again by a later run.  Library module: never
 * prints, never exits. */
#ifndef FK_DEST_H
#define FK_DEST_H

#include <stddef.h>

struct fk_dest;

struct fk_webhook_opts {
	const char *const *headers; /* "Name: value", borrowed */
	size_t nheaders;
	long timeout_ms; /* per request (default 5000) */
	int retries;     /* after the first try (default 3) */
	long backoff_ms; /* first wait; doubled each retry (default 200) */
};

/* POST each alert (JSON, Content-Type: application/json) to url;
 * retried with exponential backoff on a timeout, a connection error, a
 * 5xx, 408 or 429 status; any other status >= 300 fails at once.  NULL with a
 * message. */
struct fk_dest *fk_dest_webhook(
    const char *url, const struct fk_webhook_opts *o, char *err, size_t errlen);

/* uri: udp://HOST:PORT, tcp://HOST:PORT (RFC 6587 octet counting) or
 * unix:PATH (a datagram socket, as /dev/log).  The lines sent are RFC
 * 5424 messages made by the caller.  NULL with a message. */
struct fk_dest *fk_dest_syslog(const char *uri, char *err, size_t errlen);

/* Run cmd with /bin/sh -c for each alert, the alert on its stdin as a
 * line (a newline added when it has none); a status other than 0 (or a
 * signal) fails. */
struct fk_dest *fk_dest_exec(const char *cmd, char *err, size_t errlen);

/* "webhook https://...", "syslog udp://...", "exec mail ...": for
 * messages and the spool; borrowed. */
const char *fk_dest_name(const struct fk_dest *d);

/* Deliver one alert.  0, or -1 with why in err (after the
 * destination's own retries). */
int fk_dest_send(
    struct fk_dest *d, const char *alert, size_t len, char *err, size_t errlen);

void fk_dest_free(struct fk_dest *d);

/* The spool: one file per undelivered alert in dir, written to a
 * temporary name, fsynced and renamed (a crash leaves whole files
 * only), holding the destination's name and the alert. */
struct fk_spool;

/* Open (make) dir.  NULL with a message. */
struct fk_spool *fk_spool_open(const char *dir, char *err, size_t errlen);
/* Keep an alert for the destination named dest.  0, or -1. */
int fk_spool_add(struct fk_spool *s, const char *dest, const char *alert,
    size_t len, char *err, size_t errlen);
/* Alerts in the spool now. */
size_t fk_spool_count(struct fk_spool *s);
/* Offer every spooled alert, oldest first, to fn; an alert is removed
 * when fn returns 0 and kept when it returns -1.  Returns how many were
 * delivered, or -1 with a message for an unreadable spool. */
long fk_spool_replay(struct fk_spool *s,
    int (*fn)(void *arg, const char *dest, const char *alert, size_t len),
    void *arg, char *err, size_t errlen);
void fk_spool_close(struct fk_spool *s);

#endif
