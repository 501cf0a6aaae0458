#include "state.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "testutil.h"
#include "banned.h"

#define KIND "fk-enrich"
#define HEAD 16         /* magic, version, kind length */
#define TAIL (8 + 32)   /* payload length, checksum */
#define BIG (50u << 20) /* a 50 MB payload */

static char dir[512], path[600];

static void
setup(void)
{
	fk_test_tmpdir(dir, sizeof(dir), "state");
	snprintf(path, sizeof(path), "%s/enrich.state", dir);
}

static void
teardown(void)
{
	fk_test_rmdir(dir);
}

TestSuite(state, .init = setup, .fini = teardown);

static void
begin(struct fk_state_w *w, const char *p, const char *kind, uint32_t version)
{
	char err[512];

	cr_assert_eq(fk_state_begin(w, p, kind, version, err, sizeof(err)), 0,
	    "%s", err);
}

static void
commit(struct fk_state_w *w)
{
	char err[512];

	cr_assert_eq(fk_state_commit(w, err, sizeof(err)), 0, "%s", err);
}

/* A snapshot whose payload is s. */
static void
save(const char *p, const char *kind, uint32_t version, const char *s)
{
	struct fk_state_w w;

	begin(&w, p, kind, version);
	fk_state_put(&w, s, strlen(s));
	commit(&w);
}

static void
load_ok(struct fk_state_r *r, const char *p, uint32_t max_version)
{
	char err[512];

	cr_assert_eq(fk_state_load(r, p, KIND, max_version, err, sizeof(err)),
	    1, "%s", err);
}

/* Load p, expecting failure with message want (if not NULL). */
static void
load_fails(const char *p, uint32_t max_version, const char *want)
{
	struct fk_state_r r;
	char err[512] = "";

	cr_assert_eq(fk_state_load(&r, p, KIND, max_version, err, sizeof(err)),
	    -1, "%s loaded", p);
	cr_assert_null(r.buf);
	if (want != NULL)
		cr_assert_str_eq(err, want);
	fk_state_release(&r);
}

static void
expect_payload(const char *p, const char *want)
{
	struct fk_state_r r;

	load_ok(&r, p, 1);
	cr_assert_eq(r.len, strlen(want));
	cr_assert_eq(memcmp(r.buf, want, r.len), 0);
	fk_state_release(&r);
}

static unsigned char *
slurp(const char *p, size_t *len)
{
	FILE *fp = fopen(p, "rb");
	unsigned char *s;
	long n;

	cr_assert_not_null(fp, "%s", p);
	cr_assert_eq(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	cr_assert_geq(n, 0);
	rewind(fp);
	s = malloc(n > 0 ? (size_t)n : 1);
	cr_assert_not_null(s);
	cr_assert_eq(fread(s, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return s;
}

static void
spit(const char *p, const unsigned char *s, size_t len)
{
	FILE *fp = fopen(p, "wb");

	cr_assert_not_null(fp, "%s", p);
	if (len > 0)
		cr_assert_eq(fwrite(s, 1, len, fp), len);
	cr_assert_eq(fclose(fp), 0);
}

static int
count_files(const char *d)
{
	struct dirent *de;
	DIR *dp = opendir(d);
	int n = 0;

	cr_assert_not_null(dp, "%s", d);
	while ((de = readdir(dp)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(dp);
	return n;
}

static uint64_t
bits(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	return u;
}

static double
from_bits(uint64_t u)
{
	double v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

/* Quiet NaNs only: on i386 an x87 return would quieten a signalling one. */
static const uint64_t f64s[] = {
	0x7ff8000000000123ULL, /* NaN with a payload */
	0xfff8000000000000ULL, /* negative NaN */
	0x8000000000000000ULL, /* -0.0 */
	0x7ff0000000000000ULL, /* inf */
	0xfff0000000000000ULL, /* -inf */
	0x0000000000000001ULL, /* the smallest subnormal */
	0x400921fb54442d18ULL, /* pi */
};

Test(state, round_trip_of_mixed_puts)
{
	static const uint32_t u32s[] = { 0, 1, 0xdeadbeefu, UINT32_MAX };
	static const uint64_t u64s[] = { 0, 1, 0x0123456789abcdefULL,
		UINT64_MAX };
	unsigned char raw[3] = { 0x00, 0xff, 0x80 }, got[3];
	struct fk_state_w w;
	struct fk_state_r r;
	size_t i;

	begin(&w, path, KIND, 1);
	for (i = 0; i < sizeof(u32s) / sizeof(u32s[0]); i++)
		fk_state_put_u32(&w, u32s[i]);
	fk_state_put(&w, NULL, 0);
	for (i = 0; i < sizeof(u64s) / sizeof(u64s[0]); i++)
		fk_state_put_u64(&w, u64s[i]);
	for (i = 0; i < sizeof(f64s) / sizeof(f64s[0]); i++)
		fk_state_put_f64(&w, from_bits(f64s[i]));
	fk_state_put(&w, raw, sizeof(raw));
	cr_assert_eq(w.len, 4 * 4 + 4 * 8 + 7 * 8 + 3);
	commit(&w);
	cr_assert_null(w.tmp);
	cr_assert_eq(count_files(dir), 1, "the temporary file is left");

	load_ok(&r, path, 1);
	cr_assert_eq(r.version, 1);
	cr_assert_eq(r.len, 4 * 4 + 4 * 8 + 7 * 8 + 3);
	for (i = 0; i < sizeof(u32s) / sizeof(u32s[0]); i++)
		cr_assert_eq(fk_state_get_u32(&r), u32s[i]);
	cr_assert_eq(fk_state_get(&r, NULL, 0), 0);
	for (i = 0; i < sizeof(u64s) / sizeof(u64s[0]); i++)
		cr_assert_eq(fk_state_get_u64(&r), u64s[i]);
	for (i = 0; i < sizeof(f64s) / sizeof(f64s[0]); i++) {
		uint64_t u = bits(fk_state_get_f64(&r));

		cr_assert_eq(u, f64s[i], "f64 %zu: %#llx, want %#llx", i,
		    (unsigned long long)u, (unsigned long long)f64s[i]);
	}
	cr_assert_eq(fk_state_get(&r, got, sizeof(got)), 0);
	cr_assert_eq(memcmp(got, raw, sizeof(raw)), 0);
	cr_assert_eq(r.pos, r.len);
	cr_assert_not(r.bad);
	fk_state_release(&r);
	cr_assert_null(r.buf);
}

/* The bytes on disk, whatever the host's byte order. */
Test(state, layout_is_little_endian_with_a_trailer)
{
	static const char want[] = "FKSTATE\n"
	                           "\x07\0\0\0"          /* version */
	                           "\x09\0\0\0fk-enrich" /* kind */
	                           "\x04\x03\x02\x01"    /* u32 */
	                           "\x08\x07\x06\x05\x04\x03\x02\x01" /* u64 */
	                           "\0\0\0\0\0\0\xf0\x3f" /* f64 1.0 */
	                           "\x14\0\0\0\0\0\0\0";  /* length 20 */
	unsigned char sum[FK_SHA256_LEN], *s;
	struct fk_sha256 sha;
	struct fk_state_w w;
	struct stat st;
	size_t len;

	begin(&w, path, KIND, 7);
	cr_assert_eq(w.len_at, HEAD + 9);
	fk_state_put_u32(&w, 0x01020304u);
	fk_state_put_u64(&w, 0x0102030405060708ULL);
	fk_state_put_f64(&w, 1.0);
	commit(&w);
	s = slurp(path, &len);
	cr_assert_eq(len, sizeof(want) - 1 + FK_SHA256_LEN);
	cr_assert_eq(memcmp(s, want, sizeof(want) - 1), 0);
	fk_sha256_init(&sha);
	fk_sha256_update(&sha, s, sizeof(want) - 1);
	fk_sha256_final(&sha, sum);
	cr_assert_eq(memcmp(s + sizeof(want) - 1, sum, FK_SHA256_LEN), 0);
	free(s);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0644 & ~(unsigned)umask(022));
}

Test(state, empty_payload)
{
	struct fk_state_w w;
	struct fk_state_r r;
	size_t len;

	begin(&w, path, KIND, 1);
	commit(&w);
	free(slurp(path, &len));
	cr_assert_eq(len, HEAD + strlen(KIND) + TAIL);
	load_ok(&r, path, 1);
	cr_assert_eq(r.len, 0);
	cr_assert_eq(fk_state_get_u32(&r), 0);
	cr_assert(r.bad);
	fk_state_release(&r);
}

/* Puts of 1 to 16 bytes from a seeded sequence, replayed by the reader. */
Test(state, fifty_megabytes_in_small_puts, .timeout = 120)
{
	uint64_t seed = 42, v, got;
	unsigned char b[16], want[16];
	struct fk_state_w w;
	struct fk_state_r r;
	size_t total = 0, n;

	begin(&w, path, KIND, 1);
	while (total < BIG) {
		v = fk_test_rand(&seed);
		n = 1 + v % 16;
		for (size_t i = 0; i < n; i++)
			b[i] = (unsigned char)(v >> (i % 8 * 8)) ^
			    (unsigned char)i;
		if (n == 8)
			fk_state_put_u64(&w, v);
		else if (n == 4)
			fk_state_put_u32(&w, (uint32_t)v);
		else
			fk_state_put(&w, b, n);
		total += n;
	}
	cr_assert_eq(w.len, total);
	commit(&w);
	cr_assert_eq(count_files(dir), 1);

	seed = 42;
	load_ok(&r, path, 1);
	cr_assert_eq(r.len, total);
	while (r.pos < r.len) {
		v = fk_test_rand(&seed);
		n = 1 + v % 16;
		if (n == 8) {
			got = fk_state_get_u64(&r);
			cr_assert_eq(got, v, "at %zu", r.pos);
		} else if (n == 4) {
			cr_assert_eq(fk_state_get_u32(&r), (uint32_t)v);
		} else {
			for (size_t i = 0; i < n; i++)
				want[i] = (unsigned char)(v >> (i % 8 * 8)) ^
				    (unsigned char)i;
			cr_assert_eq(fk_state_get(&r, b, n), 0);
			cr_assert_eq(memcmp(b, want, n), 0, "at %zu", r.pos);
		}
	}
	cr_assert_not(r.bad);
	fk_state_release(&r);
}

Test(state, missing_file_loads_nothing)
{
	struct fk_state_r r;
	char err[512] = "", p[700];

	cr_assert_eq(fk_state_load(&r, path, KIND, 1, err, sizeof(err)), 0);
	cr_assert_null(r.buf);
	cr_assert_eq(r.len, 0);
	cr_assert_eq(fk_state_get_u64(&r), 0);
	cr_assert(r.bad);
	fk_state_release(&r);
	snprintf(p, sizeof(p), "%s/no/such/folder", dir);
	cr_assert_eq(fk_state_load(&r, p, KIND, 1, err, sizeof(err)), 0);
}

Test(state, wrong_kind)
{
	char want[1024];

	save(path, "fk-other", 1, "x");
	snprintf(want, sizeof(want),
	    "%s: a state file of fk-other, not fk-enrich", path);
	load_fails(path, 1, want);
}

Test(state, versions_up_to_the_newest_known)
{
	struct fk_state_r r;
	char want[1024];

	save(path, KIND, 3, "v3");
	snprintf(want, sizeof(want),
	    "%s: state version 3 is newer than this fk-enrich reads (2)", path);
	load_fails(path, 2, want);
	load_ok(&r, path, 3);
	cr_assert_eq(r.version, 3);
	fk_state_release(&r);
	save(path, KIND, 1, "v1");
	load_ok(&r, path, 3);
	cr_assert_eq(r.version, 1);
	fk_state_release(&r);
	save(path, KIND, 0, "v0");
	snprintf(want, sizeof(want), "%s: state version 0 is not valid", path);
	load_fails(path, 3, want);
}

Test(state, other_files_are_refused)
{
	static const char text[] = "user_id,amount\nu1,12.5\nu2,7\n";
	char want[1024], p[700];

	fk_test_write(p, sizeof(p), dir, "tx.csv", text, strlen(text));
	snprintf(want, sizeof(want), "%s: not a fraudkit state file", p);
	load_fails(p, 1, want);
	snprintf(want, sizeof(want), "%s: %s", dir, strerror(EISDIR));
	load_fails(dir, 1, want);
	fk_test_write(p, sizeof(p), dir, "empty", "", 0);
	snprintf(want, sizeof(want), "%s: truncated", p);
	load_fails(p, 1, want);
}

/* Every bit of every byte, in turn: the magic gives "not a state file",
 * anything else a checksum mismatch (or "truncated" for a kind length
 * that no longer fits). */
Test(state, every_bit_flip_is_detected)
{
	unsigned char *s;
	size_t len;
	char err[512];
	struct fk_state_r r;

	save(path, KIND, 1, "user u1: 3 tx");
	s = slurp(path, &len);
	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++) {
			s[i] ^= (unsigned char)(1u << bit);
			spit(path, s, len);
			cr_assert_eq(
			    fk_state_load(&r, path, KIND, 1, err, sizeof(err)),
			    -1, "byte %zu bit %d: not detected", i, bit);
			if (i < 8)
				cr_assert(strstr(err, "not a fraudkit") != NULL,
				    "byte %zu: %s", i, err);
			else if (i < 12 || i >= HEAD)
				cr_assert(
				    strstr(err, "checksum mismatch") != NULL,
				    "byte %zu: %s", i, err);
			s[i] ^= (unsigned char)(1u << bit);
		}
	spit(path, s, len);
	expect_payload(path, "user u1: 3 tx");
	free(s);
}

Test(state, every_truncation_is_detected)
{
	unsigned char *s;
	size_t len;
	char err[512];
	struct fk_state_r r;

	save(path, KIND, 1, "user u1: 3 tx");
	s = slurp(path, &len);
	for (size_t n = 0; n < len; n++) {
		spit(path, s, n);
		cr_assert_eq(fk_state_load(&r, path, KIND, 1, err, sizeof(err)),
		    -1, "cut at %zu: not detected", n);
		cr_assert(strstr(err, ": truncated") != NULL ||
		        strstr(err, ": checksum mismatch") != NULL,
		    "cut at %zu: %s", n, err);
		/* Too short to hold the kind and the trailer. */
		if (n < HEAD + strlen(KIND) + TAIL)
			cr_assert(strstr(err, ": truncated") != NULL,
			    "cut at %zu: %s", n, err);
	}
	/* Something appended is no better. */
	s = realloc(s, len + 1);
	cr_assert_not_null(s);
	s[len] = '\n';
	spit(path, s, len + 1);
	load_fails(path, 1, NULL);
	free(s);
}

/* A writer killed before its rename leaves PATH.tmp.PID behind. */
Test(state, leftover_temporary_file_is_ignored)
{
	static const char junk[] = "FKSTATE\n\1\0\0\0\11\0\0\0fk-enrich...";
	char p[700];

	save(path, KIND, 1, "committed");
	fk_test_write(p, sizeof(p), dir, "enrich.state.tmp.99999", junk,
	    sizeof(junk) - 1);
	cr_assert_eq(count_files(dir), 2);
	expect_payload(path, "committed");
	/* Nor a new snapshot, and the leftover is not ours to remove. */
	save(path, KIND, 1, "next");
	expect_payload(path, "next");
	cr_assert_eq(count_files(dir), 2);
}

/* The same PID as a dead writer (a container's PID 1): begin takes over
 * its leftover. */
Test(state, stale_temporary_file_with_our_pid)
{
	char p[700];

	snprintf(p, sizeof(p), "%s.tmp.%ld", path, (long)getpid());
	spit(p, (const unsigned char *)"stale", 5);
	save(path, KIND, 1, "fresh");
	expect_payload(path, "fresh");
	cr_assert_eq(count_files(dir), 1);
}

Test(state, commit_replaces_the_old_file)
{
	save(path, KIND, 1, "first snapshot, the longer one");
	save(path, KIND, 1, "second");
	expect_payload(path, "second");
	cr_assert_eq(count_files(dir), 1);
}

/* A file name without a folder: the folder to sync is ".". */
Test(state, relative_path_in_the_current_folder)
{
	cr_assert_eq(chdir(dir), 0);
	save("here.state", KIND, 1, "here");
	expect_payload("here.state", "here");
}

Test(state, abort_leaves_the_old_file)
{
	struct fk_state_w w;

	save(path, KIND, 1, "old");
	begin(&w, path, KIND, 1);
	for (int i = 0; i < 100000; i++)
		fk_state_put_u64(&w, (uint64_t)i);
	cr_assert_eq(count_files(dir), 2);
	fk_state_abort(&w);
	cr_assert_null(w.fp);
	cr_assert_eq(count_files(dir), 1);
	expect_payload(path, "old");
	/* A second abort, or one after a commit, does nothing. */
	fk_state_abort(&w);
	expect_payload(path, "old");
}

Test(state, begin_in_a_missing_folder)
{
	struct fk_state_w w;
	char err[512], p[700], want[1600];
	int rc;

	snprintf(p, sizeof(p), "%s/nope/enrich.state", dir);
	rc = fk_state_begin(&w, p, KIND, 1, err, sizeof(err));
	cr_assert_eq(rc, -1);
	snprintf(want, sizeof(want), "%s: creating %s.tmp.%ld: %s", p, p,
	    (long)getpid(), strerror(ENOENT));
	cr_assert_str_eq(err, want);
	cr_assert_null(w.fp);
	cr_assert_null(w.tmp);
	fk_state_put_u32(&w, 1);
	fk_state_abort(&w);
	cr_assert_eq(fk_state_commit(&w, err, sizeof(err)), -1);
}

Test(state, bad_kinds_are_refused)
{
	struct fk_state_w w;
	char err[512], kind[300];

	cr_assert_eq(fk_state_begin(&w, path, "", 1, err, sizeof(err)), -1);
	memset(kind, 'k', sizeof(kind) - 1);
	kind[sizeof(kind) - 1] = '\0';
	cr_assert_eq(fk_state_begin(&w, path, kind, 1, err, sizeof(err)), -1);
	cr_assert_eq(count_files(dir), 0);
}

/* A write error (here the file size limit: EFBIG, as ENOSPC would be) is
 * remembered and reported at commit; the old file stays. */
Test(state, write_error_is_reported_at_commit)
{
	struct rlimit rl = { 64 * 1024, 64 * 1024 };
	struct fk_state_w w;
	char err[512], want[1600];

	save(path, KIND, 1, "old");
	cr_assert_neq(signal(SIGXFSZ, SIG_IGN), SIG_ERR);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	begin(&w, path, KIND, 1);
	for (int i = 0; i < 100000; i++)
		fk_state_put_u64(&w, (uint64_t)i);
	cr_assert_eq(w.failed, EFBIG);
	cr_assert_eq(fk_state_commit(&w, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: writing %s.tmp.%ld: %s", path, path,
	    (long)getpid(), strerror(EFBIG));
	cr_assert_str_eq(err, want);
	cr_assert_eq(count_files(dir), 1);
	expect_payload(path, "old");
}

Test(state, get_past_the_end_gives_zeros)
{
	struct fk_state_r r;
	unsigned char b[4] = { 1, 2, 3, 4 };

	save(path, KIND, 1, "abcdef");
	load_ok(&r, path, 1);
	cr_assert_eq(fk_state_get_u32(&r), 0x64636261u);
	cr_assert_not(r.bad);
	cr_assert_eq(fk_state_get(&r, b, sizeof(b)), -1);
	cr_assert(r.bad);
	cr_assert_eq(b[0] | b[1] | b[2] | b[3], 0);
	/* Once bad, nothing more is read. */
	cr_assert_eq(fk_state_get(&r, b, 1), -1);
	cr_assert_eq(fk_state_get_u64(&r), 0);
	cr_assert_eq(bits(fk_state_get_f64(&r)), 0);
	fk_state_release(&r);
}
