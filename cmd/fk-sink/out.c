/* One data file written under a temporary name, then fsynced, renamed
 * and its folder synced.  Output, compressed or not, goes through one
 * buffer so that write(2) sees big chunks; the compressors write straight
 * into it. */
#include "out.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#define ZLIB_CONST
#include <zlib.h>
#include <zstd.h>

#include "errbuf.h"
#include "xalloc.h"

#include "banned.h"

#define OUT_BUFSIZE (256 * 1024)

struct fk_outfile {
	char *dir;     /* as given, trailing slashes dropped; "." for "" */
	char *tmpname; /* a plain name in dir */
	char *tmppath; /* dir/tmpname, for open, unlink and messages */
	int fd;
	int failed; /* a write failed: only fit for abort */
	enum fk_compress c;
	z_stream zs;
	int zs_live; /* deflateInit2 succeeded: deflateEnd is due */
	ZSTD_CCtx *zc;
	unsigned char *buf;
	size_t nbuf;
	struct fk_sha256 sha; /* of the bytes written to fd, if hash */
	int hash;
	uint64_t in;   /* bytes given to fk_outfile_write */
	uint64_t disk; /* bytes written to fd */
};

/* Out of memory is fatal here as everywhere: zlib allocates through
 * fk_xcalloc. */
static voidpf
z_alloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	return fk_xcalloc(items, size);
}

static void
z_free(voidpf opaque, voidpf p)
{
	(void)opaque;
	free(p);
}

/* Decimal digits only, at most 9 of them (no sign, no blanks, which
 * strtol would take); the value in *v, or -1. */
static int
parse_level(const char *s, int *v)
{
	long n = 0;
	size_t i;

	if (*s == '\0' || strlen(s) > 9)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	*v = (int)n;
	return 0;
}

int
fk_compress_parse(
    const char *s, enum fk_compress *c, int *level, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		enum fk_compress c;
		int lo, hi, dflt;
	} tab[] = {
		{ "none", FK_COMPRESS_NONE, 0, 0, 0 },
		{ "gzip", FK_COMPRESS_GZIP, 1, 9, 6 },
		{ "zstd", FK_COMPRESS_ZSTD, 1, 19, 3 },
	};
	const char *colon = strchr(s, ':');
	size_t n = colon != NULL ? (size_t)(colon - s) : strlen(s), i;
	int v;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strlen(tab[i].name) == n && memcmp(tab[i].name, s, n) == 0)
			break;
	if (i == sizeof(tab) / sizeof(tab[0])) {
		fk_seterr(
		    err, errlen, "expected none, gzip or zstd, got \"%s\"", s);
		return -1;
	}
	if (colon == NULL) {
		*c = tab[i].c;
		*level = tab[i].dflt;
		return 0;
	}
	if (tab[i].c == FK_COMPRESS_NONE) {
		fk_seterr(err, errlen, "none: expected no level, got \"%s\"",
		    colon + 1);
		return -1;
	}
	if (parse_level(colon + 1, &v) == -1 || v < tab[i].lo ||
	    v > tab[i].hi) {
		fk_seterr(err, errlen,
		    "%s level: expected %d to %d, got \"%s\"", tab[i].name,
		    tab[i].lo, tab[i].hi, colon + 1);
		return -1;
	}
	*c = tab[i].c;
	*level = v;
	return 0;
}

const char *
fk_compress_ext(enum fk_compress c)
{
	switch (c) {
	case FK_COMPRESS_GZIP:
		return ".gz";
	case FK_COMPRESS_ZSTD:
		return ".zst";
	case FK_COMPRESS_NONE:
		break;
	}
	return "";
}

/* A name the rename can take within the folder: not empty, no slash,
 * not "." or "..". */
static int
plain_name(const char *s)
{
	return *s != '\0' && strchr(s, '/') == NULL && strcmp(s, ".") != 0 &&
	    strcmp(s, "..") != 0;
}

static char *
join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + 1 + strlen(name) + 1;
	char *p = fk_xmalloc(n);

	/* Only "/" ends with a slash here. */
	snprintf(p, n, "%s%s%s", dir,
	    dir[0] != '\0' && dir[strlen(dir) - 1] == '/' ? "" : "/", name);
	return p;
}

/* Release everything f holds but the file itself. */
static void
outfile_free(struct fk_outfile *f)
{
	if (f->zs_live)
		deflateEnd(&f->zs);
	ZSTD_freeCCtx(f->zc);
	free(f->buf);
	free(f->dir);
	free(f->tmpname);
	free(f->tmppath);
	fk_sha256_release(&f->sha); /* unless commit took the digest */
	free(f);
}

/* Close and unlink the temporary file, keeping errno, and free f. */
static void
outfile_discard(struct fk_outfile *f)
{
	int e = errno;

	if (f->fd != -1)
		close(f->fd);
	unlink(f->tmppath);
	outfile_free(f);
	errno = e;
}

struct fk_outfile *
fk_outfile_open(const char *dir, const char *tmpname, enum fk_compress c,
    int level, int hash, char *err, size_t errlen)
{
	struct fk_outfile *f;
	size_t n;
	int rc;

	if (!plain_name(tmpname)) {
		fk_seterr(err, errlen,
		    "%s: temporary name: expected a plain file name, got \"%s\"",
		    dir, tmpname);
		return NULL;
	}
	f = fk_xcalloc(1, sizeof(*f));
	f->fd = -1;
	f->c = c;
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	f->dir = n == 0 ? fk_xstrdup(".") : fk_xstrndup(dir, n);
	f->tmpname = fk_xstrdup(tmpname);
	f->tmppath = join(f->dir, tmpname);
	f->buf = fk_xmalloc(OUT_BUFSIZE);
	f->hash = hash;
	if (hash)
		fk_sha256_init(&f->sha);

	switch (c) {
	case FK_COMPRESS_NONE:
		break;
	case FK_COMPRESS_GZIP:
		f->zs.zalloc = z_alloc;
		f->zs.zfree = z_free;
		/* 15 + 16: a gzip header and trailer, as gzip(1) writes. */
		rc = deflateInit2(
		    &f->zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
		if (rc != Z_OK) {
			fk_seterr(err, errlen, "%s: gzip level %d: %s",
			    f->tmppath, level,
			    f->zs.msg != NULL ? f->zs.msg : zError(rc));
			outfile_free(f);
			return NULL;
		}
		f->zs_live = 1;
		break;
	case FK_COMPRESS_ZSTD:
		if ((f->zc = ZSTD_createCCtx()) == NULL) {
			fk_seterr(
			    err, errlen, "%s: zstd: out of memory", f->tmppath);
			outfile_free(f);
			return NULL;
		}
		n = ZSTD_CCtx_setParameter(
		    f->zc, ZSTD_c_compressionLevel, level);
		/* zstd(1) writes a content checksum; so do we. */
		if (!ZSTD_isError(n))
			n = ZSTD_CCtx_setParameter(
			    f->zc, ZSTD_c_checksumFlag, 1);
		if (ZSTD_isError(n)) {
			fk_seterr(err, errlen, "%s: zstd level %d: %s",
			    f->tmppath, level, ZSTD_getErrorName(n));
			outfile_free(f);
			return NULL;
		}
		break;
	default:
		fk_seterr(err, errlen, "%s: unknown compression %d", f->tmppath,
		    (int)c);
		outfile_free(f);
		return NULL;
	}

	do
		f->fd = open(
		    f->tmppath, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	while (f->fd == -1 && errno == EINTR);
	if (f->fd == -1) {
		fk_seterr(
		    err, errlen, "%s: open: %s", f->tmppath, strerror(errno));
		/* Not ours to unlink: it may be someone else's file. */
		outfile_free(f);
		return NULL;
	}
	return f;
}

/* Write all of p to the file, hashing it; on failure f is marked
 * failed. */
static int
put(struct fk_outfile *f, const unsigned char *p, size_t len, char *err,
    size_t errlen)
{
	ssize_t n;

	if (f->hash)
		fk_sha256_update(&f->sha, p, len);
	while (len > 0) {
		n = write(f->fd, p, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fk_seterr(err, errlen, "%s: write: %s", f->tmppath,
			    strerror(errno));
			f->failed = 1;
			return -1;
		}
		if (n == 0) {
			fk_seterr(
			    err, errlen, "%s: write: no progress", f->tmppath);
			f->failed = 1;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		f->disk += (uint64_t)n;
	}
	return 0;
}

static int
flush(struct fk_outfile *f, char *err, size_t errlen)
{
	size_t n = f->nbuf;

	f->nbuf = 0;
	return put(f, f->buf, n, err, errlen);
}

static int
write_plain(struct fk_outfile *f, const unsigned char *p, size_t len, char *err,
    size_t errlen)
{
	size_t n;

	if (f->nbuf + len <= OUT_BUFSIZE) {
		memcpy(f->buf + f->nbuf, p, len);
		f->nbuf += len;
		if (f->nbuf == OUT_BUFSIZE)
			return flush(f, err, errlen);
		return 0;
	}
	/* Fill the buffer, write it, then whole buffers straight from p. */
	n = OUT_BUFSIZE - f->nbuf;
	memcpy(f->buf + f->nbuf, p, n);
	f->nbuf = OUT_BUFSIZE;
	p += n;
	len -= n;
	if (flush(f, err, errlen) == -1)
		return -1;
	n = len - len % OUT_BUFSIZE;
	if (n > 0 && put(f, p, n, err, errlen) == -1)
		return -1;
	memcpy(f->buf, p + n, len - n);
	f->nbuf = len - n;
	return 0;
}

/* Deflate p (mode: Z_NO_FLUSH or Z_FINISH) into the buffer, writing it
 * whenever it fills. */
static int
write_gzip(struct fk_outfile *f, const unsigned char *p, size_t len, int mode,
    char *err, size_t errlen)
{
	uInt chunk;
	int rc;

	for (;;) {
		/* avail_in is a uInt: feed a large len in pieces. */
		chunk = len > UINT_MAX ? UINT_MAX : (uInt)len;
		f->zs.next_in = p;
		f->zs.avail_in = chunk;
		do {
			if (f->nbuf == OUT_BUFSIZE &&
			    flush(f, err, errlen) == -1)
				return -1;
			f->zs.next_out = f->buf + f->nbuf;
			f->zs.avail_out = (uInt)(OUT_BUFSIZE - f->nbuf);
			rc = deflate(&f->zs, chunk == len ? mode : Z_NO_FLUSH);
			f->nbuf = OUT_BUFSIZE - f->zs.avail_out;
			if (rc != Z_OK && rc != Z_STREAM_END &&
			    rc != Z_BUF_ERROR) {
				fk_seterr(err, errlen, "%s: gzip: %s",
				    f->tmppath,
				    f->zs.msg != NULL ? f->zs.msg : zError(rc));
				f->failed = 1;
				return -1;
			}
		} while (f->zs.avail_in > 0 ||
		    (chunk == len && mode == Z_FINISH && rc != Z_STREAM_END));
		p += chunk;
		len -= chunk;
		if (len == 0)
			return 0;
	}
}

/* The same with zstd (mode: ZSTD_e_continue or ZSTD_e_end). */
static int
write_zstd(struct fk_outfile *f, const unsigned char *p, size_t len,
    ZSTD_EndDirective mode, char *err, size_t errlen)
{
	ZSTD_inBuffer in = { p, len, 0 };
	ZSTD_outBuffer out;
	size_t left;

	do {
		if (f->nbuf == OUT_BUFSIZE && flush(f, err, errlen) == -1)
			return -1;
		out.dst = f->buf;
		out.size = OUT_BUFSIZE;
		out.pos = f->nbuf;
		left = ZSTD_compressStream2(f->zc, &out, &in, mode);
		f->nbuf = out.pos;
		if (ZSTD_isError(left)) {
			fk_seterr(err, errlen, "%s: zstd: %s", f->tmppath,
			    ZSTD_getErrorName(left));
			f->failed = 1;
			return -1;
		}
	} while (in.pos < in.size || (mode == ZSTD_e_end && left > 0));
	return 0;
}

int
fk_outfile_write(struct fk_outfile *f, const void *data, size_t len, char *err,
    size_t errlen)
{
	if (f->failed) {
		fk_seterr(err, errlen, "%s: write: an earlier write failed",
		    f->tmppath);
		return -1;
	}
	if (len == 0)
		return 0;
	f->in += len;
	switch (f->c) {
	case FK_COMPRESS_GZIP:
		return write_gzip(f, data, len, Z_NO_FLUSH, err, errlen);
	case FK_COMPRESS_ZSTD:
		return write_zstd(f, data, len, ZSTD_e_continue, err, errlen);
	default:
		return write_plain(f, data, len, err, errlen);
	}
}

uint64_t
fk_outfile_bytes(const struct fk_outfile *f)
{
	return f->in;
}

static int
fsync_retry(int fd)
{
	int rc;

	while ((rc = fsync(fd)) == -1 && errno == EINTR)
		;
	return rc;
}

int
fk_outfile_commit(struct fk_outfile *f, const char *name,
    char hex[FK_SHA256_HEXLEN], uint64_t *disk, char *err, size_t errlen)
{
	int dfd, rc, fd;

	if (f->failed) {
		fk_seterr(err, errlen, "%s: commit: an earlier write failed",
		    f->tmppath);
		outfile_discard(f);
		return -1;
	}
	if (!plain_name(name)) {
		fk_seterr(err, errlen,
		    "%s: rename: expected a plain file name, got \"%s\"",
		    f->tmppath, name);
		outfile_discard(f);
		return -1;
	}
	switch (f->c) {
	case FK_COMPRESS_GZIP:
		rc = write_gzip(f, NULL, 0, Z_FINISH, err, errlen);
		break;
	case FK_COMPRESS_ZSTD:
		rc = write_zstd(f, NULL, 0, ZSTD_e_end, err, errlen);
		break;
	default:
		rc = 0;
		break;
	}
	if (rc == -1 || flush(f, err, errlen) == -1) {
		outfile_discard(f);
		return -1;
	}
	if (fsync_retry(f->fd) == -1) {
		fk_seterr(
		    err, errlen, "%s: fsync: %s", f->tmppath, strerror(errno));
		outfile_discard(f);
		return -1;
	}
	fd = f->fd;
	f->fd = -1;
	/* Linux frees the descriptor even when close says EINTR, and the
	 * data is already synced: only a real error counts. */
	if (close(fd) == -1 && errno != EINTR) {
		fk_seterr(
		    err, errlen, "%s: close: %s", f->tmppath, strerror(errno));
		outfile_discard(f);
		return -1;
	}
	/* Open the folder before the rename, so that once the file has its
	 * name nothing can fail but the folder's fsync. */
	do
		dfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while (dfd == -1 && errno == EINTR);
	if (dfd == -1) {
		fk_seterr(err, errlen, "%s: open: %s", f->dir, strerror(errno));
		outfile_discard(f);
		return -1;
	}
	if (renameat(dfd, f->tmpname, dfd, name) == -1) {
		fk_seterr(err, errlen, "%s: rename to %s: %s", f->tmppath, name,
		    strerror(errno));
		close(dfd);
		outfile_discard(f);
		return -1;
	}
	if (fsync_retry(dfd) == -1) {
		/* The name may or may not survive a crash: take it back so
		 * that -1 always means no file, and the caller can write
		 * the records again without doubling them. */
		fk_seterr(
		    err, errlen, "%s: fsync: %s", f->dir, strerror(errno));
		unlinkat(dfd, name, 0);
		close(dfd);
		outfile_free(f);
		return -1;
	}
	close(dfd);

	if (hex != NULL && f->hash)
		fk_sha256_final_hex(&f->sha, hex);
	else if (hex != NULL)
		hex[0] = '\0';
	if (disk != NULL)
		*disk = f->disk;
	outfile_free(f);
	return 0;
}

void
fk_outfile_abort(struct fk_outfile *f)
{
	if (f != NULL)
		outfile_discard(f);
}
