/* Unit tests for out.c: files in a temporary folder, read back exactly;
 * gzip and zstd output decompressed both in process (zlib, libzstd) and
 * by gzip(1) and zstd(1); the digest checked against the file on disk;
 * failures made real with a rename onto a folder, a removed folder and
 * RLIMIT_FSIZE. */
#include "out.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "testutil.h"

#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char dir[256];

static void
setup(void)
{
	umask(022);
	fk_test_tmpdir(dir, sizeof(dir), "out");
}

static void
teardown(void)
{
	fk_test_rmdir(dir);
}

TestSuite(out, .init = setup, .fini = teardown);

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void
buf_add(struct buf *b, const void *p, size_t len)
{
	if (len == 0)
		return;
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2 + 4096;
		b->p = realloc(b->p, b->cap);
		cr_assert_not_null(b->p);
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
}

/* NDJSON-like records of varied length, as fk-sink writes: they
 * compress, but not to nothing. */
static void
make_records(struct buf *b, size_t want, uint64_t seed)
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	char line[2048], note[1200];
	uint64_t r;
	size_t i;
	int n;

	for (i = 0; i < sizeof(note); i++)
		note[i] = abc[i % (sizeof(abc) - 1)];
	while (b->len < want) {
		r = fk_test_rand(&seed);
		n = snprintf(line, sizeof(line),
		    "{\"id\":%llu,\"amount\":%llu.%02llu,\"card\":\"%016llx\","
		    "\"note\":\"%.*s\"}\n",
		    (unsigned long long)(r >> 20),
		    (unsigned long long)(r % 100000),
		    (unsigned long long)(r % 100),
		    (unsigned long long)fk_test_rand(&seed),
		    (int)(r % sizeof(note)), note);
		cr_assert(n > 0 && (size_t)n < sizeof(line));
		buf_add(b, line, (size_t)n);
	}
}

static int
exists(const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

static void
slurp(const char *name, struct buf *b)
{
	char path[512], chunk[65536];
	size_t n;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "rb");
	cr_assert_not_null(fp, "%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(b, chunk, n);
	cr_assert_eq(ferror(fp), 0);
	fclose(fp);
}

/* One gzip member that ends where the file does. */
static void
gunzip(const struct buf *z, struct buf *out)
{
	unsigned char chunk[65536];
	z_stream zs;
	int rc;

	memset(&zs, 0, sizeof(zs));
	cr_assert_eq(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = z->p;
	zs.avail_in = (uInt)z->len;
	do {
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		rc = inflate(&zs, Z_NO_FLUSH);
		cr_assert(rc == Z_OK || rc == Z_STREAM_END, "inflate: %d %s",
		    rc, zs.msg != NULL ? zs.msg : "");
		buf_add(out, chunk, sizeof(chunk) - zs.avail_out);
	} while (rc != Z_STREAM_END);
	cr_assert_eq(zs.avail_in, 0, "bytes after the gzip member");
	inflateEnd(&zs);
}

static void
unzstd(const struct buf *z, struct buf *out)
{
	unsigned char chunk[65536];
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	ZSTD_inBuffer in = { z->p, z->len, 0 };
	ZSTD_outBuffer o;
	size_t rc = 1;

	cr_assert_not_null(dc);
	while (in.pos < in.size) {
		o.dst = chunk;
		o.size = sizeof(chunk);
		o.pos = 0;
		rc = ZSTD_decompressStream(dc, &o, &in);
		cr_assert(!ZSTD_isError(rc), "zstd: %s", ZSTD_getErrorName(rc));
		buf_add(out, chunk, o.pos);
	}
	/* Drain what the last frame still holds. */
	while (rc != 0) {
		o.dst = chunk;
		o.size = sizeof(chunk);
		o.pos = 0;
		rc = ZSTD_decompressStream(dc, &o, &in);
		cr_assert(!ZSTD_isError(rc), "zstd: %s", ZSTD_getErrorName(rc));
		cr_assert_gt(o.pos, 0, "truncated zstd frame");
		buf_add(out, chunk, o.pos);
	}
	ZSTD_freeDCtx(dc);
}

/* The output of "cmd -dc dir/name". */
static void
run_decompressor(const char *cmd, const char *name, struct buf *out)
{
	char line[640], chunk[65536];
	size_t n;
	FILE *fp;

	snprintf(line, sizeof(line), "%s -dc '%s/%s'", cmd, dir, name);
	fp = popen(line, "r");
	cr_assert_not_null(fp, "%s", line);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(out, chunk, n);
	cr_assert_eq(pclose(fp), 0, "%s failed", line);
}

static void
assert_same(const struct buf *got, const struct buf *want, const char *what)
{
	cr_assert_eq(got->len, want->len, "%s: %zu bytes, want %zu", what,
	    got->len, want->len);
	cr_assert(got->len == 0 || memcmp(got->p, want->p, got->len) == 0,
	    "%s: contents differ", what);
}

/* Write data in pieces of 1 to maxpiece bytes (all of it at once when
 * maxpiece is 0), commit as name, and check what is on disk: the
 * temporary name gone, the digest and the size, and the contents after
 * decompression, in process and by the command-line tool.  The size
 * on disk. */
static uint64_t
roundtrip(enum fk_compress c, int level, const struct buf *data,
    size_t maxpiece, const char *name)
{
	char err[512], hex[FK_SHA256_HEXLEN], want_hex[FK_SHA256_HEXLEN];
	struct fk_outfile *f;
	struct buf disk = { 0 }, plain = { 0 }, tool = { 0 };
	uint64_t ndisk = 0, seed = 7;
	size_t off = 0, n, k;

	f = fk_outfile_open(dir, ".x.tmp", c, level, 1, err, sizeof(err));
	cr_assert_not_null(f, "%s", err);
	while (off < data->len) {
		n = data->len - off;
		k = maxpiece > 0 ? 1 + fk_test_rand(&seed) % maxpiece : n;
		if (n > k)
			n = k;
		cr_assert_eq(
		    fk_outfile_write(f, data->p + off, n, err, sizeof(err)), 0,
		    "%s", err);
		off += n;
	}
	cr_assert_eq(fk_outfile_bytes(f), data->len);
	cr_assert(!exists(name), "%s visible before commit", name);
	cr_assert_eq(fk_outfile_commit(f, name, hex, &ndisk, err, sizeof(err)),
	    0, "%s", err);
	cr_assert(!exists(".x.tmp"), "temporary name left behind");

	slurp(name, &disk);
	cr_assert_eq(ndisk, disk.len);
	fk_sha256_hex(disk.p, disk.len, want_hex);
	cr_assert_str_eq(hex, want_hex);

	switch (c) {
	case FK_COMPRESS_NONE:
		assert_same(&disk, data, name);
		break;
	case FK_COMPRESS_GZIP:
		gunzip(&disk, &plain);
		assert_same(&plain, data, "zlib inflate");
		run_decompressor("gzip", name, &tool);
		assert_same(&tool, data, "gzip -dc");
		break;
	case FK_COMPRESS_ZSTD:
		unzstd(&disk, &plain);
		assert_same(&plain, data, "ZSTD_decompressStream");
		run_decompressor("zstd -q", name, &tool);
		assert_same(&tool, data, "zstd -dc");
		break;
	}
	free(disk.p);
	free(plain.p);
	free(tool.p);
	return ndisk;
}

Test(out, plain_exact_after_commit)
{
	static const char a[] = "{\"id\":1}\n",
	                  b[] = "{\"id\":2,\"x\":\"y\"}\n";
	char err[256], hex[FK_SHA256_HEXLEN];
	struct fk_outfile *f;
	struct buf got = { 0 };
	struct stat st;
	char path[512];
	uint64_t n = 99;

	f = fk_outfile_open(
	    dir, ".a.tmp", FK_COMPRESS_NONE, 0, 1, err, sizeof(err));
	cr_assert_not_null(f, "%s", err);
	cr_assert(exists(".a.tmp"));
	cr_assert_eq(fk_outfile_write(f, a, strlen(a), err, sizeof(err)), 0);
	cr_assert_eq(fk_outfile_write(f, b, strlen(b), err, sizeof(err)), 0);
	cr_assert_eq(fk_outfile_write(f, NULL, 0, err, sizeof(err)), 0);
	cr_assert_eq(fk_outfile_bytes(f), strlen(a) + strlen(b));
	cr_assert_eq(
	    fk_outfile_commit(f, "a.ndjson", hex, &n, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert(!exists(".a.tmp"));
	slurp("a.ndjson", &got);
	cr_assert_eq(got.len, strlen(a) + strlen(b));
	cr_assert_eq(
	    memcmp(got.p, "{\"id\":1}\n{\"id\":2,\"x\":\"y\"}\n", got.len), 0);
	cr_assert_eq(n, got.len);
	snprintf(path, sizeof(path), "%s/a.ndjson", dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0644);
	free(got.p);
}

/* hex and disk may be NULL; an empty file is a file. */
Test(out, empty_and_null_outputs)
{
	char err[256];
	struct fk_outfile *f;
	struct buf got = { 0 };

	f = fk_outfile_open(
	    dir, ".e.tmp", FK_COMPRESS_NONE, 0, 1, err, sizeof(err));
	cr_assert_not_null(f, "%s", err);
	cr_assert_eq(fk_outfile_commit(f, "e", NULL, NULL, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert(exists("e"));
	cr_assert(!exists(".e.tmp"));
	slurp("e", &got);
	cr_assert_eq(got.len, 0);
}

Test(out, empty_compressed)
{
	struct buf none = { 0 };

	roundtrip(FK_COMPRESS_NONE, 0, &none, 0, "e0");
	roundtrip(FK_COMPRESS_GZIP, 6, &none, 0, "e0.gz");
	roundtrip(FK_COMPRESS_ZSTD, 3, &none, 0, "e0.zst");
}

/* Past one buffer the data is on disk, but only under the temporary
 * name; the final name appears whole, at once. */
Test(out, final_name_only_after_commit)
{
	char err[256], tmppath[512];
	struct fk_outfile *f;
	struct buf data = { 0 }, got = { 0 };
	struct stat st;

	make_records(&data, 3 * 1024 * 1024, 1);
	f = fk_outfile_open(
	    dir, ".b.tmp", FK_COMPRESS_NONE, 0, 1, err, sizeof(err));
	cr_assert_not_null(f, "%s", err);
	cr_assert_eq(fk_outfile_write(f, data.p, data.len, err, sizeof(err)), 0,
	    "%s", err);
	snprintf(tmppath, sizeof(tmppath), "%s/.b.tmp", dir);
	cr_assert_eq(stat(tmppath, &st), 0);
	cr_assert_gt(st.st_size, 0, "nothing written before commit");
	cr_assert(!exists("b"));
	cr_assert_eq(fk_outfile_commit(f, "b", NULL, NULL, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert(!exists(".b.tmp"));
	slurp("b", &got);
	assert_same(&got, &data, "b");
	free(data.p);
	free(got.p);
}

Test(out, plain_large_and_small_writes)
{
	struct buf data = { 0 };

	make_records(&data, 5 * 1024 * 1024 + 123, 2);
	roundtrip(FK_COMPRESS_NONE, 0, &data, 0, "p1");
	roundtrip(FK_COMPRESS_NONE, 0, &data, 3000, "p2");
	roundtrip(FK_COMPRESS_NONE, 0, &data, 7, "p3");
	/* Pieces around the buffer's size. */
	roundtrip(FK_COMPRESS_NONE, 0, &data, 600 * 1024, "p4");
	free(data.p);
}

Test(out, gzip_roundtrip)
{
	struct buf data = { 0 };

	make_records(&data, 8 * 1024 * 1024, 3);
	cr_assert_lt(
	    roundtrip(FK_COMPRESS_GZIP, 6, &data, 0, "g1.gz"), data.len / 2);
	roundtrip(FK_COMPRESS_GZIP, 1, &data, 3000, "g2.gz");
	roundtrip(FK_COMPRESS_GZIP, 9, &data, 600 * 1024, "g3.gz");
	free(data.p);
}

Test(out, gzip_tiny_writes)
{
	struct buf data = { 0 };

	make_records(&data, 1024 * 1024, 4);
	roundtrip(FK_COMPRESS_GZIP, 6, &data, 5, "g4.gz");
	free(data.p);
}

Test(out, zstd_roundtrip)
{
	struct buf data = { 0 };

	make_records(&data, 8 * 1024 * 1024, 5);
	cr_assert_lt(
	    roundtrip(FK_COMPRESS_ZSTD, 3, &data, 0, "z1.zst"), data.len / 2);
	roundtrip(FK_COMPRESS_ZSTD, 1, &data, 3000, "z2.zst");
	roundtrip(FK_COMPRESS_ZSTD, 19, &data, 600 * 1024, "z3.zst");
	free(data.p);
}

Test(out, zstd_tiny_writes)
{
	struct buf data = { 0 };

	make_records(&data, 1024 * 1024, 6);
	roundtrip(FK_COMPRESS_ZSTD, 3, &data, 5, "z4.zst");
	free(data.p);
}

/* Random bytes do not compress: the output is bigger than the input and
 * passes through the buffer many times. */
Test(out, incompressible)
{
	struct buf data = { 0 };
	uint64_t seed = 8, r;
	size_t i;

	for (i = 0; i < 3 * 1024 * 1024; i += sizeof(r)) {
		r = fk_test_rand(&seed);
		buf_add(&data, &r, sizeof(r));
	}
	roundtrip(FK_COMPRESS_NONE, 0, &data, 100000, "r");
	roundtrip(FK_COMPRESS_GZIP, 6, &data, 100000, "r.gz");
	roundtrip(FK_COMPRESS_ZSTD, 3, &data, 100000, "r.zst");
	free(data.p);
}

/* Input bytes, not output bytes. */
Test(out, bytes_counts_input)
{
	static const char rec[] =
	    "{\"a\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}\n";
	char err[256];
	struct fk_outfile *f;
	uint64_t disk;
	int i;

	f = fk_outfile_open(
	    dir, ".c.tmp", FK_COMPRESS_GZIP, 6, 1, err, sizeof(err));
	cr_assert_not_null(f, "%s", err);
	cr_assert_eq(fk_outfile_bytes(f), 0);
	for (i = 0; i < 1000; i++)
		cr_assert_eq(
		    fk_outfile_write(f, rec, sizeof(rec) - 1, err, sizeof(err)),
		    0);
	cr_assert_eq(fk_outfile_bytes(f), 1000 * (sizeof(rec) - 1));
	cr_assert_eq(
	    fk_outfile_commit(f, "c.gz", NULL, &disk, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_lt(disk, 1000 * (sizeof(rec) - 1));
}

Test(out, abort_removes_temp)
{
	char err[256];
	struct fk_outfile *f;
	struct buf data = { 0 };

	make_records(&data, 1024 * 1024, 9);
	f = fk_outfile_open(
	    dir, ".d.tmp", FK_COMPRESS_NONE, 0, 1, err, sizeof(err));
	cr_assert_not_null(f, "%s", err);
	cr_assert_eq(
	    fk_outfile_write(f, data.p, data.len, err, sizeof(err)), 0);
	cr_assert(exists(".d.tmp"));
	fk_outfile_abort(f);
	cr_assert(!exists(".d.tmp"));

	f = fk_outfile_open(
	    dir, ".d.tmp", FK_COMPRESS_ZSTD, 3, 1, err, sizeof(err));
	cr_assert_not_null(f, "%s", err);
	cr_assert_eq(fk_outfile_write(f, data.p, 1000, err, sizeof(err)), 0);
	fk_outfile_abort(f);
	cr_assert(!exists(".d.tmp"));

	fk_outfile_abort(NULL);
	free(data.p);
}

/* Someone else's file under the temporary name is left alone. */
Test(out, temp_name_taken)
{
	char err[256], path[512], want[600];
	struct buf got = { 0 };

	fk_test_write(path, sizeof(path), dir, ".f.tmp", "theirs\n", 7);
	cr_assert_null(fk_outfile_open(
	    dir, ".f.tmp", FK_COMPRESS_NONE, 0, 1, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: open: %s", path, strerror(EEXIST));
	cr_assert_str_eq(err, want);
	slurp(".f.tmp", &got);
	cr_assert_eq(got.len, 7);
	cr_assert_eq(memcmp(got.p, "theirs\n", 7), 0);
	free(got.p);
}

Test(out, open_in_missing_folder)
{
	char err[256], sub[512], want[600];

	snprintf(sub, sizeof(sub), "%s/nope", dir);
	cr_assert_null(fk_outfile_open(
	    sub, ".g.tmp", FK_COMPRESS_GZIP, 6, 1, err, sizeof(err)));
	snprintf(
	    want, sizeof(want), "%s/.g.tmp: open: %s", sub, strerror(ENOENT));
	cr_assert_str_eq(err, want);
}

/* A trailing slash does not double in messages. */
Test(out, folder_with_trailing_slash)
{
	char err[256], d[300], want[600];
	struct fk_outfile *f;

	snprintf(d, sizeof(d), "%s//", dir);
	f = fk_outfile_open(
	    d, ".h.tmp", FK_COMPRESS_NONE, 0, 1, err, sizeof(err));
	cr_assert_not_null(f, "%s", err);
	cr_assert_null(fk_outfile_open(
	    d, ".h.tmp", FK_COMPRESS_NONE, 0, 1, err, sizeof(err)));
	snprintf(
	    want, sizeof(want), "%s/.h.tmp: open: %s", dir, strerror(EEXIST));
	cr_assert_str_eq(err, want);
	cr_assert_eq(fk_outfile_commit(f, "h", NULL, NULL, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert(exists("h"));
}

Test(out, names_must_be_plain)
{
	char err[256];
	struct fk_outfile *f;

	cr_assert_null(fk_outfile_open(
	    dir, "a/b", FK_COMPRESS_NONE, 0, 1, err, sizeof(err)));
	cr_assert(
	    strstr(err, "expected a plain file name, got \"a/b\""), "%s", err);
	cr_assert_null(
	    fk_outfile_open(dir, "", FK_COMPRESS_NONE, 0, 1, err, sizeof(err)));
	cr_assert_null(fk_outfile_open(
	    dir, "..", FK_COMPRESS_NONE, 0, 1, err, sizeof(err)));

	f = fk_outfile_open(
	    dir, ".i.tmp", FK_COMPRESS_NONE, 0, 1, err, sizeof(err));
	cr_assert_not_null(f, "%s", err);
	cr_assert_eq(
	    fk_outfile_commit(f, "../i", NULL, NULL, err, sizeof(err)), -1);
	cr_assert(
	    strstr(err, "expected a plain file name, got \"../i\""), "%s", err);
	cr_assert(!exists(".i.tmp"));
}

/* rename(2) will not put a file over a folder. */
Test(out, rename_onto_folder_fails)
{
	char err[256], sub[512], want[700];
	struct fk_outfile *f;

	snprintf(sub, sizeof(sub), "%s/j.gz", dir);
	cr_assert_eq(mkdir(sub, 0755), 0);
	f = fk_outfile_open(
	    dir, ".j.tmp", FK_COMPRESS_GZIP, 6, 1, err, sizeof(err));
	cr_assert_not_null(f, "%s", err);
	cr_assert_eq(fk_outfile_write(f, "x\n", 2, err, sizeof(err)), 0);
	cr_assert_eq(
	    fk_outfile_commit(f, "j.gz", NULL, NULL, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s/.j.tmp: rename to j.gz: %s", dir,
	    strerror(EISDIR));
	cr_assert_str_eq(err, want);
	cr_assert(!exists(".j.tmp"));
	cr_assert_eq(rmdir(sub), 0, "the folder is still a folder");
}

/* The folder goes away while the file is open: the commit fails when it
 * opens the folder to rename in it. */
Test(out, folder_removed_before_commit)
{
	char err[256], sub[512], tmp[600], want[700];
	struct fk_outfile *f;

	snprintf(sub, sizeof(sub), "%s/dt=2024-01-01", dir);
	cr_assert_eq(mkdir(sub, 0755), 0);
	f = fk_outfile_open(
	    sub, ".k.tmp", FK_COMPRESS_ZSTD, 3, 1, err, sizeof(err));
	cr_assert_not_null(f, "%s", err);
	cr_assert_eq(fk_outfile_write(f, "x\n", 2, err, sizeof(err)), 0);
	snprintf(tmp, sizeof(tmp), "%s/.k.tmp", sub);
	cr_assert_eq(unlink(tmp), 0);
	cr_assert_eq(rmdir(sub), 0);
	cr_assert_eq(
	    fk_outfile_commit(f, "k.zst", NULL, NULL, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: open: %s", sub, strerror(ENOENT));
	cr_assert_str_eq(err, want);
}

/* A file size limit makes write(2) first write short, then fail with
 * EFBIG: the error names the file and the step, later writes and the
 * commit fail too, and the temporary file goes. */
Test(out, write_error_removes_temp)
{
	char err[256], want[700];
	struct fk_outfile *f;
	struct buf data = { 0 };
	struct rlimit rl = { 100000, 100000 };

	make_records(&data, 1024 * 1024, 10);
	signal(SIGXFSZ, SIG_IGN);
	f = fk_outfile_open(
	    dir, ".l.tmp", FK_COMPRESS_NONE, 0, 1, err, sizeof(err));
	cr_assert_not_null(f, "%s", err);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	cr_assert_eq(
	    fk_outfile_write(f, data.p, data.len, err, sizeof(err)), -1);
	snprintf(
	    want, sizeof(want), "%s/.l.tmp: write: %s", dir, strerror(EFBIG));
	cr_assert_str_eq(err, want);
	cr_assert(exists(".l.tmp"));
	cr_assert_eq(fk_outfile_write(f, "x\n", 2, err, sizeof(err)), -1);
	cr_assert_eq(
	    fk_outfile_commit(f, "l", NULL, NULL, err, sizeof(err)), -1);
	cr_assert(!exists(".l.tmp"));
	cr_assert(!exists("l"));
	free(data.p);
}

/* The same, found only when the commit writes the last buffer out. */
Test(out, write_error_at_commit)
{
	char err[256], want[700];
	struct fk_outfile *f;
	struct buf data = { 0 };
	struct rlimit rl = { 1000, 1000 };

	make_records(&data, 100000, 11);
	signal(SIGXFSZ, SIG_IGN);
	f = fk_outfile_open(
	    dir, ".m.tmp", FK_COMPRESS_NONE, 0, 1, err, sizeof(err));
	cr_assert_not_null(f, "%s", err);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	cr_assert_eq(fk_outfile_write(f, data.p, data.len, err, sizeof(err)), 0,
	    "buffered: no write yet");
	cr_assert_eq(
	    fk_outfile_commit(f, "m", NULL, NULL, err, sizeof(err)), -1);
	snprintf(
	    want, sizeof(want), "%s/.m.tmp: write: %s", dir, strerror(EFBIG));
	cr_assert_str_eq(err, want);
	cr_assert(!exists(".m.tmp"));
	cr_assert(!exists("m"));
	free(data.p);
}

Test(out, ext)
{
	cr_assert_str_eq(fk_compress_ext(FK_COMPRESS_NONE), "");
	cr_assert_str_eq(fk_compress_ext(FK_COMPRESS_GZIP), ".gz");
	cr_assert_str_eq(fk_compress_ext(FK_COMPRESS_ZSTD), ".zst");
}

struct good_case {
	char in[16];
	enum fk_compress c;
	int level;
};

ParameterizedTestParameters(out, parse_good)
{
	static struct good_case cases[] = {
		{ "none", FK_COMPRESS_NONE, 0 },
		{ "gzip", FK_COMPRESS_GZIP, 6 },
		{ "gzip:1", FK_COMPRESS_GZIP, 1 },
		{ "gzip:9", FK_COMPRESS_GZIP, 9 },
		{ "gzip:06", FK_COMPRESS_GZIP, 6 },
		{ "zstd", FK_COMPRESS_ZSTD, 3 },
		{ "zstd:1", FK_COMPRESS_ZSTD, 1 },
		{ "zstd:19", FK_COMPRESS_ZSTD, 19 },
	};

	return cr_make_param_array(struct good_case, cases, NELEM(cases));
}

ParameterizedTest(struct good_case *t, out, parse_good)
{
	char err[256] = "";
	enum fk_compress c = (enum fk_compress) - 1;
	int level = -1;

	cr_assert_eq(fk_compress_parse(t->in, &c, &level, err, sizeof(err)), 0,
	    "%s: %s", t->in, err);
	cr_assert_eq(c, t->c, "%s", t->in);
	cr_assert_eq(level, t->level, "%s", t->in);
}

struct bad_case {
	char in[32];
	char msg[80];
};

ParameterizedTestParameters(out, parse_bad)
{
	static struct bad_case cases[] = {
		{ "", "expected none, gzip or zstd, got \"\"" },
		{ "lz4", "expected none, gzip or zstd, got \"lz4\"" },
		{ "lz4:3", "expected none, gzip or zstd, got \"lz4:3\"" },
		{ "GZIP", "expected none, gzip or zstd, got \"GZIP\"" },
		{ "gzip9", "expected none, gzip or zstd, got \"gzip9\"" },
		{ ":3", "expected none, gzip or zstd, got \":3\"" },
		{ "none:0", "none: expected no level, got \"0\"" },
		{ "none:", "none: expected no level, got \"\"" },
		{ "gzip:", "gzip level: expected 1 to 9, got \"\"" },
		{ "gzip:0", "gzip level: expected 1 to 9, got \"0\"" },
		{ "gzip:10", "gzip level: expected 1 to 9, got \"10\"" },
		{ "gzip:12", "gzip level: expected 1 to 9, got \"12\"" },
		{ "gzip:-1", "gzip level: expected 1 to 9, got \"-1\"" },
		{ "gzip:+5", "gzip level: expected 1 to 9, got \"+5\"" },
		{ "gzip: 5", "gzip level: expected 1 to 9, got \" 5\"" },
		{ "gzip:5x", "gzip level: expected 1 to 9, got \"5x\"" },
		{ "gzip:5:5", "gzip level: expected 1 to 9, got \"5:5\"" },
		{ "gzip:99999999999999999999",
		    "gzip level: expected 1 to 9, got \"99999999999999999999\"" },
		{ "zstd:0", "zstd level: expected 1 to 19, got \"0\"" },
		{ "zstd:20", "zstd level: expected 1 to 19, got \"20\"" },
		{ "zstd:-3", "zstd level: expected 1 to 19, got \"-3\"" },
	};

	return cr_make_param_array(struct bad_case, cases, NELEM(cases));
}

ParameterizedTest(struct bad_case *t, out, parse_bad)
{
	char err[256] = "";
	enum fk_compress c = FK_COMPRESS_ZSTD;
	int level = 42;

	cr_assert_eq(fk_compress_parse(t->in, &c, &level, err, sizeof(err)), -1,
	    "%s", t->in);
	cr_assert_str_eq(err, t->msg, "%s", t->in);
	cr_assert_eq(c, FK_COMPRESS_ZSTD, "%s: changed on error", t->in);
	cr_assert_eq(level, 42, "%s: changed on error", t->in);
}
