/* Unit tests for reader.c: lines from files and pipes, the max_line bound
 * and the idle hook. */
#include "reader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "testutil.h"
#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define CHUNK (256 * 1024) /* reader.c's read size */
#define MAXL 16

static char tmpdir[256];

/* The temp dir, made on first use: the pipe tests need none, so a pipe
 * test killed by its timeout leaves nothing behind. */
static const char *
tmp(void)
{
	if (tmpdir[0] == '\0')
		fk_test_tmpdir(tmpdir, sizeof(tmpdir), "reader");
	return tmpdir;
}

static void
setup(void)
{
	/* A pipe whose reader left must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
}

static void
teardown(void)
{
	fk_test_rmdir(tmpdir);
}

TestSuite(reader, .init = setup, .fini = teardown);

static void
write_file(
    char *path, size_t pathlen, const char *name, const char *s, size_t len)
{
	fk_test_write(path, pathlen, tmp(), name, s, len);
}

static void
open_text(struct fk_reader *r, const char *text, size_t len, size_t max_line)
{
	char path[512];

	write_file(path, sizeof(path), "in.txt", text, len);
	cr_assert_eq(fk_reader_open(r, path, max_line), 0, "%s: %s", path,
	    strerror(errno));
}

/* The next line must be want (wantlen bytes) with the given flag. */
static void
expect_line(struct fk_reader *r, const char *want, size_t wantlen, int trunc,
    long long lineno)
{
	const char *line = NULL;
	size_t len = 12345;
	int truncated = -1, rc;

	rc = fk_reader_next(r, &line, &len, &truncated);
	cr_assert_eq(rc, 1, "line %lld: rc %d", lineno, rc);
	cr_assert_eq(
	    len, wantlen, "line %lld: len %zu, want %zu", lineno, len, wantlen);
	cr_assert_eq(memcmp(line, want, wantlen), 0,
	    "line %lld: got \"%.*s\", want \"%.*s\"", lineno, (int)len, line,
	    (int)wantlen, want);
	cr_assert_eq(
	    truncated, trunc, "line %lld: truncated %d", lineno, truncated);
	cr_assert_eq(r->lineno, lineno);
}

static void
expect_str(struct fk_reader *r, const char *want, int trunc, long long lineno)
{
	expect_line(r, want, strlen(want), trunc, lineno);
}

static void
expect_rc(struct fk_reader *r, int want)
{
	const char *line;
	size_t len;
	int truncated, rc;

	rc = fk_reader_next(r, &line, &len, &truncated);
	cr_assert_eq(rc, want, "rc %d, want %d", rc, want);
}

#define MAXLINES 8

struct lines_case {
	char name[40];
	char in[64];
	size_t max_line;
	size_t n;
	char out[MAXLINES][MAXL + 1];
	int trunc[MAXLINES];
};

ParameterizedTestParameters(reader, lines_table)
{
	static struct lines_case cases[] = {
		{ "empty file", "", MAXL, 0, { "" }, { 0 } },
		{ "one line", "abc\n", MAXL, 1, { "abc" }, { 0 } },
		{ "two lines", "abc\ndef\n", MAXL, 2, { "abc", "def" },
		    { 0, 0 } },
		{ "no final newline", "abc\ndef", MAXL, 2, { "abc", "def" },
		    { 0, 0 } },
		{ "one char no newline", "x", MAXL, 1, { "x" }, { 0 } },
		{ "only a newline", "\n", MAXL, 1, { "" }, { 0 } },
		{ "empty lines", "\n\nx\n\n", MAXL, 4, { "", "", "x", "" },
		    { 0, 0, 0, 0 } },
		{ "crlf kept", "a\r\nbc\r\n\r\n", MAXL, 3,
		    { "a\r", "bc\r", "\r" }, { 0, 0, 0 } },
		{ "lone cr", "a\rb\n", MAXL, 1, { "a\rb" }, { 0 } },
		{ "exactly max", "abcd\nefgh", 4, 2, { "abcd", "efgh" },
		    { 0, 0 } },
		{ "one over max", "abcde\nxy\n", 4, 2, { "abcd", "xy" },
		    { 1, 0 } },
		{ "long then short", "abcdefghij\nxy\nabcdefghij\n", 4, 3,
		    { "abcd", "xy", "abcd" }, { 1, 0, 1 } },
		{ "long at eof", "xy\nabcdefghij", 4, 2, { "xy", "abcd" },
		    { 0, 1 } },
		{ "one over at eof", "abcde", 4, 1, { "abcd" }, { 1 } },
		{ "long then empty", "abcdefgh\n\n", 4, 2, { "abcd", "" },
		    { 1, 0 } },
		{ "crlf counted", "abc\r\n", 3, 1, { "abc" }, { 1 } },
		{ "max zero", "ab\n\nc", 0, 3, { "", "", "" }, { 1, 0, 1 } },
	};

	return cr_make_param_array(struct lines_case, cases, NELEM(cases));
}

ParameterizedTest(struct lines_case *c, reader, lines_table)
{
	struct fk_reader r;
	size_t i;

	open_text(&r, c->in, strlen(c->in), c->max_line);
	cr_assert_eq(r.lineno, 0, "%s", c->name);
	for (i = 0; i < c->n; i++) {
		size_t want = strlen(c->out[i]);

		expect_line(&r, c->out[i], want, c->trunc[i], (long long)i + 1);
	}
	expect_rc(&r, 0);
	/* end of input stays the end */
	expect_rc(&r, 0);
	cr_assert_eq(r.lineno, (long long)c->n, "%s", c->name);
	fk_reader_close(&r);
}

Test(reader, open_missing_file)
{
	struct fk_reader r;
	char path[512];

	snprintf(path, sizeof(path), "%s/missing", tmp());
	errno = 0;
	cr_assert_eq(fk_reader_open(&r, path, 100), -1);
	cr_assert_eq(errno, ENOENT);
}

Test(reader, read_error_is_minus_one)
{
	struct fk_reader r;

	/* A directory opens but cannot be read. */
	cr_assert_eq(fk_reader_open(&r, tmp(), 100), 0);
	errno = 0;
	expect_rc(&r, -1);
	cr_assert_eq(errno, EISDIR);
	fk_reader_close(&r);
}

Test(reader, embedded_nul)
{
	static const char text[] = "a\0b\n\0\n";
	struct fk_reader r;

	open_text(&r, text, sizeof(text) - 1, MAXL);
	expect_line(&r, "a\0b", 3, 0, 1);
	expect_line(&r, "\0", 1, 0, 2);
	expect_rc(&r, 0);
	fk_reader_close(&r);
}

Test(reader, close_releases)
{
	struct fk_reader r;

	open_text(&r, "a\n", 2, MAXL);
	cr_assert(r.owns_fd);
	cr_assert_geq(r.fd, 0);
	fk_reader_close(&r);
	cr_assert_null(r.buf);
}

/* Lines of every length from 0 to 199 over several chunks: lines that
 * straddle a read boundary come back whole. */
Test(reader, many_lines_across_chunks)
{
	size_t cap = 3 * 1024 * 1024, len = 0, n = 0, i, k;
	char *text = malloc(cap), want[256];
	struct fk_reader r;

	cr_assert_not_null(text);
	while (len < 2 * CHUNK + CHUNK / 2) {
		k = n % 200;
		for (i = 0; i < k; i++)
			text[len + i] = (char)('a' + (n + i) % 26);
		len += k;
		text[len++] = '\n';
		n++;
	}
	open_text(&r, text, len, 256);
	for (i = 0; i < n; i++) {
		k = i % 200;
		for (size_t j = 0; j < k; j++)
			want[j] = (char)('a' + (i + j) % 26);
		expect_line(&r, want, k, 0, (long long)i + 1);
	}
	expect_rc(&r, 0);
	fk_reader_close(&r);
	free(text);
}

/* A line of len bytes of a pattern that shows where it was cut. */
static void
fill_pattern(char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (char)('A' + i % 23);
}

Test(reader, long_line_spanning_reads)
{
	size_t longlen = 3 * CHUNK + 1234, max = 1000, len = 0;
	char *text = malloc(longlen + 64), *want = malloc(max);
	struct fk_reader r;

	cr_assert_not_null(text);
	cr_assert_not_null(want);
	memcpy(text, "first\n", 6);
	len = 6;
	fill_pattern(text + len, longlen);
	len += longlen;
	memcpy(text + len, "\nnext\n\nlast", 11);
	len += 11;
	fill_pattern(want, max);

	open_text(&r, text, len, max);
	expect_str(&r, "first", 0, 1);
	expect_line(&r, want, max, 1, 2);
	expect_str(&r, "next", 0, 3);
	expect_str(&r, "", 0, 4);
	expect_str(&r, "last", 0, 5);
	expect_rc(&r, 0);
	cr_assert_eq(r.lineno, 5);
	fk_reader_close(&r);
	free(text);
	free(want);
}

Test(reader, long_line_spanning_reads_at_eof)
{
	size_t longlen = 2 * CHUNK + 99, max = 300;
	char *text = malloc(longlen + 8), *want = malloc(max);
	struct fk_reader r;

	cr_assert_not_null(text);
	cr_assert_not_null(want);
	memcpy(text, "a\n", 2);
	fill_pattern(text + 2, longlen);
	fill_pattern(want, max);
	open_text(&r, text, longlen + 2, max);
	expect_str(&r, "a", 0, 1);
	expect_line(&r, want, max, 1, 2);
	expect_rc(&r, 0);
	expect_rc(&r, 0);
	cr_assert_eq(r.lineno, 2);
	fk_reader_close(&r);
	free(text);
	free(want);
}

/* Longer than one read but within max_line: the buffer grows and the
 * line comes back whole. */
Test(reader, long_line_within_max)
{
	size_t longlen = 2 * CHUNK + 777, len;
	char *text = malloc(longlen + 16);
	struct fk_reader r;

	cr_assert_not_null(text);
	fill_pattern(text, longlen);
	memcpy(text + longlen, "\nshort\n", 7);
	len = longlen + 7;
	open_text(&r, text, len, longlen);
	expect_line(&r, text, longlen, 0, 1);
	expect_str(&r, "short", 0, 2);
	expect_rc(&r, 0);
	fk_reader_close(&r);

	/* one byte less allowed: cut */
	open_text(&r, text, len, longlen - 1);
	expect_line(&r, text, longlen - 1, 1, 1);
	expect_str(&r, "short", 0, 2);
	expect_rc(&r, 0);
	fk_reader_close(&r);
	free(text);
}

/* A max_line above the read size, cut where the newline is in a later
 * read than the cut. */
Test(reader, max_line_above_chunk)
{
	size_t max = CHUNK + 5000, longlen = max + 1;
	char *text = malloc(longlen + 16);
	struct fk_reader r;

	cr_assert_not_null(text);
	fill_pattern(text, longlen);
	memcpy(text + longlen, "\nok\n", 4);
	open_text(&r, text, longlen + 4, max);
	expect_line(&r, text, max, 1, 1);
	expect_str(&r, "ok", 0, 2);
	expect_rc(&r, 0);
	fk_reader_close(&r);
	free(text);
}

/* --- pipes and the idle hook */

struct idle_state {
	int calls;
	int fd_seen;
	int ret;
	int wfd;           /* write end, or -1 */
	const char *feed;  /* written to wfd on the first call */
	int close_on_call; /* close wfd on this call (1-based), 0: never */
	int ctl;           /* tell a child to go on: write a byte, or -1 */
	struct fk_reader *r;
	long long stop_after; /* -1 once r->lineno reaches this, 0: never */
};

static int
idle_cb(void *arg, int fd)
{
	struct idle_state *st = arg;

	st->calls++;
	st->fd_seen = fd;
	if (st->stop_after > 0 && st->r->lineno >= st->stop_after)
		return -1;
	if (st->feed != NULL && st->wfd >= 0) {
		cr_assert_eq(write(st->wfd, st->feed, strlen(st->feed)),
		    (ssize_t)strlen(st->feed));
		st->feed = NULL;
	}
	if (st->close_on_call == st->calls && st->wfd >= 0) {
		close(st->wfd);
		st->wfd = -1;
	}
	if (st->ctl >= 0) {
		cr_assert_eq(write(st->ctl, "g", 1), 1);
		close(st->ctl);
		st->ctl = -1;
	}
	return st->ret;
}

static void
idle_init(struct idle_state *st, struct fk_reader *r)
{
	memset(st, 0, sizeof(*st));
	st->fd_seen = -1;
	st->wfd = -1;
	st->ctl = -1;
	st->r = r;
}

/* Read the pipe through "-", as a tool reading stdin does. */
static void
open_pipe_stdin(struct fk_reader *r, int pfd[2], size_t max_line)
{
	cr_assert_eq(pipe(pfd), 0);
	cr_assert_eq(dup2(pfd[0], STDIN_FILENO), STDIN_FILENO);
	close(pfd[0]);
	pfd[0] = STDIN_FILENO;
	cr_assert_eq(fk_reader_open(r, "-", max_line), 0);
	cr_assert_eq(r->fd, STDIN_FILENO);
	cr_assert_eq(r->owns_fd, 0);
}

static void
put(int fd, const char *s)
{
	cr_assert_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

Test(reader, pipe_lines_then_eof, .timeout = 10)
{
	struct fk_reader r;
	int pfd[2];

	open_pipe_stdin(&r, pfd, MAXL);
	put(pfd[1], "one\n\ntwo\r\nthree");
	close(pfd[1]);
	expect_str(&r, "one", 0, 1);
	expect_str(&r, "", 0, 2);
	expect_str(&r, "two\r", 0, 3);
	expect_str(&r, "three", 0, 4);
	expect_rc(&r, 0);
	fk_reader_close(&r);
	/* stdin is not ours to close */
	cr_assert_neq(fcntl(STDIN_FILENO, F_GETFD), -1);
}

Test(reader, pipe_idle_stop_returns_minus_two, .timeout = 10)
{
	struct fk_reader r;
	struct idle_state st;
	int pfd[2];

	open_pipe_stdin(&r, pfd, MAXL);
	idle_init(&st, &r);
	st.ret = -1;
	r.idle = idle_cb;
	r.idle_arg = &st;
	put(pfd[1], "first\n");
	/* data is ready: no idle call */
	expect_str(&r, "first", 0, 1);
	cr_assert_eq(st.calls, 0);
	/* none now, writer still open: idle is asked and says stop */
	expect_rc(&r, -2);
	cr_assert_eq(st.calls, 1);
	cr_assert_eq(st.fd_seen, STDIN_FILENO);
	cr_assert_eq(r.lineno, 1);
	/* asked again on the next call */
	expect_rc(&r, -2);
	cr_assert_eq(st.calls, 2);
	/* and reading resumes once there is data */
	put(pfd[1], "second\n");
	expect_str(&r, "second", 0, 2);
	cr_assert_eq(st.calls, 2);
	close(pfd[1]);
	expect_rc(&r, 0);
	cr_assert_eq(st.calls, 2, "no idle call at end of input");
	fk_reader_close(&r);
}

Test(reader, pipe_idle_before_any_data, .timeout = 10)
{
	struct fk_reader r;
	struct idle_state st;
	int pfd[2];

	open_pipe_stdin(&r, pfd, MAXL);
	idle_init(&st, &r);
	st.ret = -1;
	r.idle = idle_cb;
	r.idle_arg = &st;
	expect_rc(&r, -2);
	cr_assert_eq(st.calls, 1);
	cr_assert_eq(r.lineno, 0);
	close(pfd[1]);
	expect_rc(&r, 0);
	fk_reader_close(&r);
}

/* The idle hook runs with half a line buffered; the rest arrives after. */
Test(reader, pipe_idle_then_go_on, .timeout = 10)
{
	struct fk_reader r;
	struct idle_state st;
	int pfd[2];

	open_pipe_stdin(&r, pfd, MAXL);
	idle_init(&st, &r);
	st.ret = 0;
	st.wfd = pfd[1];
	st.feed = "tial\nnext\n";
	st.close_on_call = 2;
	r.idle = idle_cb;
	r.idle_arg = &st;
	put(pfd[1], "par");
	expect_str(&r, "partial", 0, 1);
	cr_assert_eq(st.calls, 1);
	expect_str(&r, "next", 0, 2);
	cr_assert_eq(st.calls, 1);
	/* second call closes the writer: end of input */
	expect_rc(&r, 0);
	cr_assert_eq(st.calls, 2);
	fk_reader_close(&r);
}

Test(reader, pipe_long_line_truncated, .timeout = 10)
{
	struct fk_reader r;
	struct idle_state st;
	int pfd[2];

	open_pipe_stdin(&r, pfd, 4);
	idle_init(&st, &r);
	st.ret = 0;
	st.wfd = pfd[1];
	st.feed = "ghij\nxy\n";
	st.close_on_call = 1;
	r.idle = idle_cb;
	r.idle_arg = &st;
	/* over max_line before its newline came: cut now, rest skipped */
	put(pfd[1], "abcdef");
	expect_str(&r, "abcd", 1, 1);
	expect_str(&r, "xy", 0, 2);
	expect_rc(&r, 0);
	cr_assert_eq(st.calls, 1);
	fk_reader_close(&r);
}

/* A real writer process: one line, then it waits until the idle hook
 * says go, then writes another line and exits. */
Test(reader, pipe_from_child, .timeout = 10)
{
	struct fk_reader r;
	struct idle_state st;
	int pfd[2], ctl[2], status;
	char c;
	pid_t pid;

	cr_assert_eq(pipe(pfd), 0);
	cr_assert_eq(pipe(ctl), 0);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		close(pfd[0]);
		close(ctl[1]);
		if (write(pfd[1], "first\n", 6) != 6)
			_exit(2);
		if (read(ctl[0], &c, 1) != 1)
			_exit(3);
		if (write(pfd[1], "second\n", 7) != 7)
			_exit(4);
		_exit(0);
	}
	close(pfd[1]);
	close(ctl[0]);
	cr_assert_eq(dup2(pfd[0], STDIN_FILENO), STDIN_FILENO);
	close(pfd[0]);
	cr_assert_eq(fk_reader_open(&r, "-", MAXL), 0);
	idle_init(&st, &r);
	st.ret = 0;
	st.stop_after = 1;
	r.idle = idle_cb;
	r.idle_arg = &st;

	/* Before "first" is there the hook says go on and read() waits. */
	expect_str(&r, "first", 0, 1);
	/* The child waits: no data, and the hook says stop. */
	expect_rc(&r, -2);
	cr_assert_geq(st.calls, 1);
	cr_assert_eq(st.fd_seen, STDIN_FILENO);
	/* Let the child go on. */
	st.stop_after = 0;
	st.ctl = ctl[1];
	expect_str(&r, "second", 0, 2);
	expect_rc(&r, 0);
	cr_assert_eq(st.ctl, -1, "go was sent");
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "child status %d", status);
	fk_reader_close(&r);
}

Test(reader, no_idle_calls_for_files)
{
	struct fk_reader r;
	struct idle_state st;

	open_text(&r, "a\nb\n", 4, MAXL);
	idle_init(&st, &r);
	st.ret = -1;
	r.idle = idle_cb;
	r.idle_arg = &st;
	expect_str(&r, "a", 0, 1);
	expect_str(&r, "b", 0, 2);
	expect_rc(&r, 0);
	cr_assert_eq(st.calls, 0);
	fk_reader_close(&r);
}
