/* The audit log (format in audit.h).  An entry is one write(2) of a whole
 * line on an O_APPEND descriptor under flock, then fdatasync: a crash
 * leaves at worst a last line without its newline, which the next open
 * cuts off.  A write that fails part way is undone by truncating back,
 * so the chain on disk stays whole; if even that fails the handle
 * refuses to append again. */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fktime.h"
#include "jscan.h"
#include "xalloc.h"
#include "banned.h"

#define TAIL_CHUNK (64 * 1024)
#define SHORT_HEX 12            /* hex digits of a hash shown in a message */
#define SEQ_MAX 999999999999999 /* fk_jmember_int reads up to 15 digits */
#define ZERO_HASH                                                              \
	"00000000000000000000000000000000"                                     \
	"00000000000000000000000000000000"
#define ENTRY_START "{\"seq\":"

struct fk_audit {
	int fd;
	int broken; /* a failed append could not be undone */
	char *path; /* owned */
	off_t size; /* bytes of whole lines in the file */
	uint64_t seq;
	char prev[FK_SHA256_HEXLEN];
};

/* The offset of the last '\n' before from, or -1 when there is none;
 * reads backwards a chunk at a time.  0, or -1 with errno. */
static int
last_newline(int fd, off_t from, char *buf, off_t *at)
{
	while (from > 0) {
		off_t start = from > TAIL_CHUNK ? from - TAIL_CHUNK : 0;
		size_t n = (size_t)(from - start);
		ssize_t got = pread(fd, buf, n, start);
		char *nl;

		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1)
			return -1;
		if ((size_t)got != n) {
			errno = EIO; /* the file shrank under our lock */
			return -1;
		}
		for (nl = buf + n; nl > buf; nl--) {
			if (nl[-1] == '\n') {
				*at = start + (nl - 1 - buf);
				return 0;
			}
		}
		from = start;
	}
	*at = -1;
	return 0;
}

static int
read_at(int fd, char *buf, size_t n, off_t off)
{
	while (n > 0) {
		ssize_t got = pread(fd, buf, n, off);

		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1)
			return -1;
		if (got == 0) {
			errno = EIO;
			return -1;
		}
		buf += got;
		n -= (size_t)got;
		off += got;
	}
	return 0;
}

/* The seq of an entry line; 0 with a message in err when it is none. */
static int
entry_seq(const char *s, size_t len, uint64_t *seq, char *err, size_t errlen)
{
	struct fk_jobj o;
	const struct fk_jmember *m;
	int64_t v;
	int rc = -1;

	fk_jobj_init(&o);
	if (fk_jscan(&o, s, len, err, errlen) == -1)
		goto out;
	if ((m = fk_jobj_get(&o, "seq")) == NULL) {
		snprintf(err, errlen, "no seq");
		goto out;
	}
	if (!fk_jmember_int(m, &v) || v < 1) {
		snprintf(err, errlen, "seq is not a positive integer");
		goto out;
	}
	*seq = (uint64_t)v;
	rc = 0;
out:
	fk_jobj_release(&o);
	return rc;
}

/* Find the last whole line, go on from it, and cut off a partial line
 * after it.  The file is changed only once the line it ends in has been
 * read as an entry, and only when the part looks like the start of one:
 * this is not a place to cut the tail off some other file. */
static int
read_tail(struct fk_audit *a, size_t *cut, char *err, size_t errlen)
{
	struct stat st;
	char *buf, *line = NULL, msg[256];
	off_t end, start, keep;
	size_t len, part;
	int rc = -1;

	if (fstat(a->fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", a->path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", a->path);
		return -1;
	}
	a->seq = 0;
	memcpy(a->prev, ZERO_HASH, FK_SHA256_HEXLEN);
	a->size = 0;
	if (st.st_size == 0)
		return 0;

	buf = fk_xmalloc(TAIL_CHUNK);
	if (last_newline(a->fd, st.st_size, buf, &end) == -1)
		goto fail_errno;
	keep = end + 1;
	part = (size_t)(st.st_size - keep);
	if (end >= 0) {
		if (last_newline(a->fd, end, buf, &start) == -1)
			goto fail_errno;
		start++;
		len = (size_t)(end - start);
		line = fk_xmalloc(len + 1);
		if (read_at(a->fd, line, len, start) == -1)
			goto fail_errno;
		if (entry_seq(line, len, &a->seq, msg, sizeof(msg)) == -1) {
			snprintf(err, errlen,
			    "%s: last line is not an audit entry: %s", a->path,
			    msg);
			goto out;
		}
		fk_sha256_hex(line, len, a->prev);
	}
	if (part > 0) {
		size_t n = part < sizeof(ENTRY_START) - 1
		    ? part
		    : sizeof(ENTRY_START) - 1;

		if (read_at(a->fd, buf, n, keep) == -1)
			goto fail_errno;
		if (memcmp(buf, ENTRY_START, n) != 0) {
			snprintf(err, errlen,
			    "%s: last line is not an audit entry: no newline "
			    "at the end, and not the start of an entry",
			    a->path);
			goto out;
		}
		if (ftruncate(a->fd, keep) == -1 || fdatasync(a->fd) == -1) {
			snprintf(err, errlen,
			    "%s: cutting off a partial line: %s", a->path,
			    strerror(errno));
			goto out;
		}
	}
	a->size = keep;
	*cut = part;
	rc = 0;
	goto out;
fail_errno:
	snprintf(err, errlen, "%s: reading: %s", a->path, strerror(errno));
out:
	free(line);
	free(buf);
	return rc;
}

struct fk_audit *
fk_audit_open(const char *path, size_t *cut, char *err, size_t errlen)
{
	struct fk_audit *a;
	size_t cutlen = 0;

	if (cut != NULL)
		*cut = 0;
	a = fk_xcalloc(1, sizeof(*a));
	a->path = fk_xstrdup(path);
	a->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (a->fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	while (flock(a->fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			snprintf(err, errlen,
			    "%s: in use by another process (locked)", path);
		else
			snprintf(err, errlen, "%s: locking: %s", path,
			    strerror(errno));
		goto fail;
	}
	if (read_tail(a, &cutlen, err, errlen) == -1)
		goto fail;
	if (cut != NULL)
		*cut = cutlen;
	return a;
fail:
	fk_audit_free(a);
	return NULL;
}

static int
plain_word(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((*s < 'a' || *s > 'z') && *s != '_')
			return 0;
	return 1;
}

/* Whether members[0..len) are JSON object members that can go into a
 * line: no newline, no key of the entry's own, no key twice.  Returns
 * how many there are, or -1 with a message. */
static long
check_members(const char *members, size_t len, char *err, size_t errlen)
{
	static const char *const own[] = { "seq", "time", "event", "prev" };
	struct fk_jobj o;
	char *obj, msg[256];
	long n = -1;

	if (memchr(members, '\n', len) != NULL) {
		snprintf(
		    err, errlen, "members: a newline would split the line");
		return -1;
	}
	obj = fk_xmalloc(len + 2);
	obj[0] = '{';
	memcpy(obj + 1, members, len);
	obj[len + 1] = '}';
	fk_jobj_init(&o);
	if (fk_jscan(&o, obj, len + 2, msg, sizeof(msg)) == -1) {
		unsigned long col;
		char *rest;

		/* Columns from the scanner count the '{' we put in front. */
		if (strncmp(msg, "column ", 7) == 0 &&
		    (col = strtoul(msg + 7, &rest, 10)) > 0 &&
		    strncmp(rest, ": ", 2) == 0)
			snprintf(err, errlen,
			    "members: not JSON: column %lu: %s",
			    col > 1 ? col - 1 : 1, rest + 2);
		else
			snprintf(err, errlen, "members: not JSON: %s", msg);
		goto out;
	}
	if (o.duplicates) {
		snprintf(err, errlen, "members: a key appears twice");
		goto out;
	}
	for (size_t i = 0; i < o.n; i++)
		for (size_t k = 0; k < sizeof(own) / sizeof(own[0]); k++)
			if (fk_jmember_key_is(
			        &o.m[i], own[k], strlen(own[k]))) {
				snprintf(err, errlen,
				    "members: \"%s\" is the entry's own",
				    own[k]);
				goto out;
			}
	n = (long)o.n;
out:
	fk_jobj_release(&o);
	free(obj);
	return n;
}

/* Put the file back to its last whole line after a failed append. */
static void
undo(struct fk_audit *a)
{
	while (ftruncate(a->fd, a->size) == -1) {
		if (errno != EINTR) {
			a->broken = 1;
			return;
		}
	}
}

int
fk_audit_append(struct fk_audit *a, const char *event, const char *members,
    size_t len, int64_t time_ms, char *err, size_t errlen)
{
	char ts[FK_TIME_BUFSZ], msg[512], *line;
	size_t cap, n, done;
	long nmemb = 0;
	int e;

	if (a->broken) {
		snprintf(err, errlen,
		    "%s: an append failed and could not be undone: no more "
		    "entries",
		    a->path);
		return -1;
	}
	if (!plain_word(event)) {
		snprintf(err, errlen,
		    "%s: event \"%.40s\": not a plain word ([a-z_]+)", a->path,
		    event != NULL ? event : "");
		return -1;
	}
	if (members == NULL)
		len = 0;
	if (len > 0 &&
	    (nmemb = check_members(members, len, msg, sizeof(msg))) == -1) {
		snprintf(err, errlen, "%s: %s", a->path, msg);
		return -1;
	}
	if (a->seq >= SEQ_MAX) {
		snprintf(err, errlen, "%s: seq %" PRIu64 " is the last one",
		    a->path, a->seq);
		return -1;
	}
	fk_time_format(time_ms, ts);

	cap = 96 + strlen(event) + len + FK_SHA256_HEXLEN;
	line = fk_xmalloc(cap);
	n = (size_t)snprintf(line, cap,
	    "{\"seq\":%" PRIu64 ",\"time\":\"%s\",\"event\":\"%s\",",
	    a->seq + 1, ts, event);
	if (nmemb > 0) {
		memcpy(line + n, members, len);
		n += len;
		line[n++] = ',';
	}
	n += (size_t)snprintf(line + n, cap - n, "\"prev\":\"%s\"}\n", a->prev);

	for (done = 0; done < n;) {
		ssize_t w = write(a->fd, line + done, n - done);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			goto fail;
		done += (size_t)w;
	}
	while (fdatasync(a->fd) == -1)
		if (errno != EINTR)
			goto fail;
	a->seq++;
	fk_sha256_hex(line, n - 1, a->prev);
	a->size += (off_t)n;
	free(line);
	return 0;
fail:
	e = errno;
	undo(a);
	snprintf(err, errlen, "%s: writing: %s%s", a->path, strerror(e),
	    a->broken ? " (and the partial line could not be cut off)" : "");
	free(line);
	return -1;
}

uint64_t
fk_audit_seq(const struct fk_audit *a)
{
	return a->seq;
}

void
fk_audit_free(struct fk_audit *a)
{
	if (a == NULL)
		return;
	if (a->fd != -1) {
		flock(a->fd, LOCK_UN);
		close(a->fd);
	}
	free(a->path);
	free(a);
}

static int
is_hex64(const char *s)
{
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* Check one line against the chain so far; 0, or -1 with a message. */
static int
check_line(struct fk_jobj *o, long no, const char *s, size_t len, uint64_t want,
    const char *prev, char *err, size_t errlen)
{
	const struct fk_jmember *m;
	char msg[256];
	int64_t v;

	if (fk_jscan(o, s, len, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "line %ld: not JSON: %s", no, msg);
		return -1;
	}
	if (o->duplicates) {
		snprintf(err, errlen, "line %ld: a key appears twice", no);
		return -1;
	}
	if ((m = fk_jobj_get(o, "seq")) == NULL) {
		snprintf(err, errlen, "line %ld: no seq", no);
		return -1;
	}
	if (!fk_jmember_int(m, &v) || v < 1) {
		snprintf(err, errlen,
		    "line %ld: seq %.*s%s is not a positive integer", no,
		    m->vallen > 20 ? 20 : (int)m->vallen, m->val,
		    m->vallen > 20 ? "..." : "");
		return -1;
	}
	if ((uint64_t)v != want) {
		snprintf(err, errlen,
		    "line %ld: seq %" PRId64 ", expected %" PRIu64, no, v,
		    want);
		return -1;
	}
	if ((m = fk_jobj_get(o, "prev")) == NULL) {
		snprintf(err, errlen, "line %ld: no prev", no);
		return -1;
	}
	if (m->type != FK_J_STRING || m->vallen != 66 ||
	    !is_hex64(m->val + 1)) {
		snprintf(err, errlen,
		    "line %ld: prev is not 64 lower-case hex digits", no);
		return -1;
	}
	if (memcmp(m->val + 1, prev, 64) == 0)
		return 0;
	if (no == 1)
		snprintf(err, errlen,
		    "line 1: prev is %.*s..., but the first line's is 64 zeros",
		    SHORT_HEX, m->val + 1);
	else
		snprintf(err, errlen,
		    "line %ld: prev is %.*s..., but line %ld hashes to %.*s...",
		    no, SHORT_HEX, m->val + 1, no - 1, SHORT_HEX, prev);
	return -1;
}

int
fk_audit_verify(const char *path,
    int (*entry)(void *arg, long line, const char *text, size_t len, char *err,
        size_t errlen),
    void *arg, struct fk_audit_report *r, char *err, size_t errlen)
{
	struct fk_jobj o;
	char prev[FK_SHA256_HEXLEN], msg[512], *buf = NULL;
	size_t cap = 0;
	ssize_t got;
	long no = 0;
	FILE *fp;
	int rc = 1;

	r->entries = 0;
	r->line = 0;
	memcpy(r->head, ZERO_HASH, FK_SHA256_HEXLEN);
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	memcpy(prev, ZERO_HASH, FK_SHA256_HEXLEN);
	fk_jobj_init(&o);
	while ((got = getline(&buf, &cap, fp)) != -1) {
		size_t len = (size_t)got;

		no++;
		if (buf[len - 1] != '\n') {
			snprintf(err, errlen,
			    "line %ld: no newline at the end (cut short?)", no);
			goto bad;
		}
		len--;
		if (check_line(&o, no, buf, len, r->entries + 1, prev, err,
		        errlen) == -1)
			goto bad;
		if (entry != NULL) {
			msg[0] = '\0';
			if (entry(arg, no, buf, len, msg, sizeof(msg)) != 0) {
				snprintf(err, errlen, "line %ld: %s", no, msg);
				goto bad;
			}
		}
		fk_sha256_hex(buf, len, prev);
		r->entries++;
	}
	if (ferror(fp) || !feof(fp)) {
		snprintf(err, errlen, "%s: reading: %s", path, strerror(errno));
		rc = -1;
		goto out;
	}
	memcpy(r->head, prev, FK_SHA256_HEXLEN);
	rc = 0;
	goto out;
bad:
	r->line = no;
out:
	fk_jobj_release(&o);
	free(buf);
	fclose(fp);
	return rc;
}
