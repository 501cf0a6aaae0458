/* The state file (layout in state.h).  The payload length is a trailer,
 * not a header field: the checksum covers the bytes before it in file
 * order, and with the length first it could only be computed by reading
 * the whole payload back at commit (up to a gigabyte, maybe no longer in
 * the page cache).  As a trailer it is known when it is written, so a
 * snapshot is streamed to disk and hashed in one pass, and memory holds
 * only a 64 KiB buffer. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "xalloc.h"
#include "banned.h"

#define MAGIC "FKSTATE\n"
#define MAGIC_LEN 8
#define HEAD_LEN 16                  /* magic, version, kind length */
#define TAIL_LEN (8 + FK_SHA256_LEN) /* payload length, checksum */
#define KIND_MAX 255
#define WBUF_LEN (64 * 1024)

/* What w->sha points to: bytes not yet hashed and written. */
struct state_wbuf {
	struct fk_sha256 sha;
	size_t n;
	unsigned char buf[WBUF_LEN];
};

static void
put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void
put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t
get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
get_le64(const unsigned char *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static void
wflush(struct fk_state_w *w)
{
	struct state_wbuf *wb = w->sha;

	if (wb->n > 0 && w->failed == 0) {
		fk_sha256_update(&wb->sha, wb->buf, wb->n);
		errno = 0;
		if (fwrite(wb->buf, 1, wb->n, w->fp) != wb->n)
			w->failed = errno != 0 ? errno : EIO;
	}
	wb->n = 0;
}

/* Hash and write: everything but the checksum goes through here. */
static void
emit(struct fk_state_w *w, const void *p, size_t len)
{
	struct state_wbuf *wb = w->sha;
	const unsigned char *s = p;
	size_t k;

	if (w->fp == NULL || w->failed != 0)
		return;
	while (len > 0) {
		k = WBUF_LEN - wb->n < len ? WBUF_LEN - wb->n : len;
		memcpy(wb->buf + wb->n, s, k);
		wb->n += k;
		s += k;
		len -= k;
		if (wb->n == WBUF_LEN)
			wflush(w);
	}
}

static void
wrelease(struct fk_state_w *w)
{
	struct state_wbuf *wb = w->sha;

	if (wb != NULL) /* in progress only after an abort */
		fk_sha256_release(&wb->sha);
	free(w->path);
	free(w->tmp);
	free(w->sha);
	memset(w, 0, sizeof(*w));
}

/* O_EXCL keeps two writers apart.  The name holds our PID, so a file that
 * is already there was left by a dead process that had the same PID (a
 * container's tool is PID 1 on every start): remove it, once. */
static int
create_tmp(const char *tmp)
{
	int flags = O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, fd;

	fd = open(tmp, flags, 0644);
	if (fd == -1 && errno == EEXIST && unlink(tmp) == 0)
		fd = open(tmp, flags, 0644);
	return fd;
}

int
fk_state_begin(struct fk_state_w *w, const char *path, const char *kind,
    uint32_t version, char *err, size_t errlen)
{
	size_t klen = strlen(kind), tlen = strlen(path) + 32;
	unsigned char head[HEAD_LEN];
	struct state_wbuf *wb;
	int fd, e;

	memset(w, 0, sizeof(*w));
	if (klen == 0 || klen > KIND_MAX) {
		snprintf(err, errlen, "%s: state kind \"%s\": 1 to %d bytes",
		    path, kind, KIND_MAX);
		return -1;
	}
	w->tmp = fk_xmalloc(tlen);
	snprintf(w->tmp, tlen, "%s.tmp.%ld", path, (long)getpid());
	if ((fd = create_tmp(w->tmp)) == -1) {
		snprintf(err, errlen, "%s: creating %s: %s", path, w->tmp,
		    strerror(errno));
		wrelease(w);
		return -1;
	}
	if ((w->fp = fdopen(fd, "w")) == NULL) {
		e = errno;
		close(fd);
		unlink(w->tmp);
		snprintf(err, errlen, "%s: %s: %s", path, w->tmp, strerror(e));
		wrelease(w);
		return -1;
	}
	w->path = fk_xstrdup(path);
	w->sha = wb = fk_xmalloc(sizeof(*wb));
	fk_sha256_init(&wb->sha);
	wb->n = 0;
	memcpy(head, MAGIC, MAGIC_LEN);
	put_le32(head + 8, version);
	put_le32(head + 12, (uint32_t)klen);
	emit(w, head, sizeof(head));
	emit(w, kind, klen);
	w->len_at = (long)(HEAD_LEN + klen);
	w->len = 0;
	return 0;
}

void
fk_state_put(struct fk_state_w *w, const void *p, size_t len)
{
	emit(w, p, len);
	w->len += len;
}

void
fk_state_put_u32(struct fk_state_w *w, uint32_t v)
{
	unsigned char b[4];

	put_le32(b, v);
	fk_state_put(w, b, sizeof(b));
}

void
fk_state_put_u64(struct fk_state_w *w, uint64_t v)
{
	unsigned char b[8];

	put_le64(b, v);
	fk_state_put(w, b, sizeof(b));
}

/* The IEEE bits, so NaN payloads, -0.0 and infinities survive. */
void
fk_state_put_f64(struct fk_state_w *w, double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	fk_state_put_u64(w, u);
}

/* The folder holds the new name only once it is synced.  EINVAL: some
 * file systems cannot fsync a folder (PostgreSQL ignores it too). */
static int
sync_folder(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, rc = 0, e = 0;

	if (slash == NULL)
		dir = fk_xstrdup(".");
	else if (slash == path)
		dir = fk_xstrdup("/");
	else
		dir = fk_xstrndup(path, (size_t)(slash - path));
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		e = errno;
		rc = -1;
	} else {
		if (fsync(fd) == -1 && errno != EINVAL) {
			e = errno;
			rc = -1;
		}
		close(fd);
	}
	free(dir);
	errno = e;
	return rc;
}

int
fk_state_commit(struct fk_state_w *w, char *err, size_t errlen)
{
	struct state_wbuf *wb = w->sha;
	unsigned char tail[TAIL_LEN];
	const char *doing = "writing";

	if (w->fp == NULL) {
		snprintf(err, errlen, "state: commit without a begin");
		wrelease(w);
		return -1;
	}
	put_le64(tail, w->len);
	emit(w, tail, 8);
	wflush(w);
	fk_sha256_final(&wb->sha, tail + 8);
	errno = 0;
	if (w->failed == 0 &&
	    fwrite(tail + 8, 1, FK_SHA256_LEN, w->fp) != FK_SHA256_LEN)
		w->failed = errno != 0 ? errno : EIO;
	if (w->failed == 0 && fflush(w->fp) == EOF)
		w->failed = errno != 0 ? errno : EIO;
	if (w->failed == 0 && fsync(fileno(w->fp)) == -1) {
		w->failed = errno;
		doing = "syncing";
	}
	/* Some file systems (NFS) report write errors only at close. */
	if (fclose(w->fp) == EOF && w->failed == 0) {
		w->failed = errno != 0 ? errno : EIO;
		doing = "closing";
	}
	w->fp = NULL;
	if (w->failed == 0 && rename(w->tmp, w->path) == -1) {
		w->failed = errno;
		doing = "renaming";
	}
	if (w->failed != 0) {
		unlink(w->tmp);
		snprintf(err, errlen, "%s: %s %s: %s", w->path, doing, w->tmp,
		    strerror(w->failed));
		wrelease(w);
		return -1;
	}
	/* Past the rename the new file is in place: this error says only
	 * that it may not survive a power cut. */
	if (sync_folder(w->path) == -1) {
		snprintf(err, errlen, "%s: syncing its folder: %s", w->path,
		    strerror(errno));
		wrelease(w);
		return -1;
	}
	wrelease(w);
	return 0;
}

void
fk_state_abort(struct fk_state_w *w)
{
	if (w->fp != NULL)
		fclose(w->fp);
	if (w->tmp != NULL)
		unlink(w->tmp);
	wrelease(w);
}

/* Read exactly len bytes and hash them: 0, 1 at end of file, -1 on error
 * (errno set). */
static int
read_hash(int fd, void *p, size_t len, struct fk_sha256 *sha)
{
	unsigned char *s = p;
	ssize_t n;

	while (len > 0) {
		n = read(fd, s, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			return 1;
		if (sha != NULL)
			fk_sha256_update(sha, s, (size_t)n);
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The checksum is checked before anything read is believed, so a flipped
 * bit gives "checksum mismatch", not a strange kind or version; only the
 * magic and the lengths that locate the checksum come first. */
int
fk_state_load(struct fk_state_r *r, const char *path, const char *kind,
    uint32_t max_version, char *err, size_t errlen)
{
	unsigned char head[HEAD_LEN], tail[TAIL_LEN], sum[FK_SHA256_LEN];
	char fkind[KIND_MAX];
	struct fk_sha256 sha;
	struct stat st;
	uint64_t size, plen;
	uint32_t klen, version;
	unsigned char *buf = NULL;
	int fd, rc, misfit;

	memset(r, 0, sizeof(*r));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path, strerror(EISDIR));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a fraudkit state file", path);
		close(fd);
		return -1;
	}
	size = (uint64_t)st.st_size;
	fk_sha256_init(&sha);
	rc = read_hash(fd, head, size < HEAD_LEN ? size : HEAD_LEN, &sha);
	if (rc == -1)
		goto fail_errno;
	if (rc == 1)
		goto truncated;
	if (size < MAGIC_LEN || memcmp(head, MAGIC, MAGIC_LEN) != 0) {
		/* The beginning of the magic: a file cut short. */
		if (size < MAGIC_LEN && memcmp(head, MAGIC, size) == 0)
			goto truncated;
		snprintf(err, errlen, "%s: not a fraudkit state file", path);
		goto fail;
	}
	if (size < HEAD_LEN + TAIL_LEN)
		goto truncated;
	version = get_le32(head + 8);
	klen = get_le32(head + 12);
	/* A kind length that does not fit is read as part of the payload,
	 * so that the checksum still decides between cut and corrupt. */
	misfit =
	    klen == 0 || klen > KIND_MAX || klen > size - HEAD_LEN - TAIL_LEN;
	if (misfit)
		plen = size - HEAD_LEN - TAIL_LEN;
	else
		plen = size - HEAD_LEN - TAIL_LEN - klen;
	if ((size_t)plen != plen) {
		snprintf(err, errlen, "%s: %s", path, strerror(EFBIG));
		goto fail;
	}
	buf = fk_xmalloc(plen > 0 ? (size_t)plen : 1);
	if ((rc = read_hash(fd, fkind, misfit ? 0 : klen, &sha)) == 0 &&
	    (rc = read_hash(fd, buf, (size_t)plen, &sha)) == 0 &&
	    (rc = read_hash(fd, tail, TAIL_LEN, NULL)) == 0)
		fk_sha256_update(&sha, tail, 8);
	if (rc == -1)
		goto fail_errno;
	if (rc == 1)
		goto truncated;
	fk_sha256_final(&sha, sum);
	if (memcmp(sum, tail + 8, FK_SHA256_LEN) != 0) {
		if (misfit && klen != 0 && klen <= KIND_MAX)
			goto truncated;
		snprintf(err, errlen,
		    "%s: checksum mismatch: the file is corrupt", path);
		goto fail;
	}
	/* Checksummed but not laid out as we write it. */
	if (misfit || get_le64(tail) != plen) {
		snprintf(err, errlen, "%s: not a fraudkit state file", path);
		goto fail;
	}
	if (klen != strlen(kind) || memcmp(fkind, kind, klen) != 0) {
		snprintf(err, errlen, "%s: a state file of %.*s, not %s", path,
		    (int)klen, fkind, kind);
		goto fail;
	}
	if (version == 0) {
		snprintf(err, errlen, "%s: state version 0 is not valid", path);
		goto fail;
	}
	if (version > max_version) {
		snprintf(err, errlen,
		    "%s: state version %" PRIu32
		    " is newer than this %s reads (%" PRIu32 ")",
		    path, version, kind, max_version);
		goto fail;
	}
	close(fd);
	r->buf = buf;
	r->len = (size_t)plen;
	r->version = version;
	return 1;

truncated:
	snprintf(err, errlen, "%s: truncated", path);
	goto fail;
fail_errno:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
fail:
	fk_sha256_release(&sha);
	free(buf);
	close(fd);
	return -1;
}

/* Past the end: zeros, and bad stays set (nothing after is read). */
int
fk_state_get(struct fk_state_r *r, void *p, size_t len)
{
	if (r->bad || r->len - r->pos < len) {
		r->bad = 1;
		r->pos = r->len;
		if (len > 0)
			memset(p, 0, len);
		return -1;
	}
	if (len > 0)
		memcpy(p, r->buf + r->pos, len);
	r->pos += len;
	return 0;
}

uint32_t
fk_state_get_u32(struct fk_state_r *r)
{
	unsigned char b[4];

	fk_state_get(r, b, sizeof(b));
	return get_le32(b);
}

uint64_t
fk_state_get_u64(struct fk_state_r *r)
{
	unsigned char b[8];

	fk_state_get(r, b, sizeof(b));
	return get_le64(b);
}

double
fk_state_get_f64(struct fk_state_r *r)
{
	uint64_t u = fk_state_get_u64(r);
	double v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

void
fk_state_release(struct fk_state_r *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}
