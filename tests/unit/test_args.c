/* The option tables: --help made from them, each kind of value, the
 * messages of misuse, and a letter defined twice. */
#include "args.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exitcode.h"
#include "run.h"
#include "testutil.h"

static char tmpdir[256];

static struct toy {
	int flag, i;
	long l;
	long long ll;
	unsigned long ul;
	size_t size;
	int64_t ms;
	double d, di;
	const char *s;
	struct fk_strv list;
	const struct fk_option *given;
	int called;
} toy;

static int
call(void *value, const char *arg, char *err, size_t errlen)
{
	struct toy *t = value;

	if (strcmp(arg, "bad") == 0) {
		snprintf(err, errlen, "expected good, got \"%s\"", arg);
		return -1;
	}
	t->called++;
	return 0;
}

static const struct fk_option options[] = {
	FK_OPT_BOOL('f', "flag", &toy.flag, "a flag"),
	FK_OPT_INT('i', NULL, &toy.i, 1, 10, "N", "an int from 1 to 10"),
	FK_OPT_INT(0, "long", &toy.l, -5, 5, "N", "a long"),
	FK_OPT_INT(0, "llong", &toy.ll, 0, INT64_MAX, "N", "a long long"),
	FK_OPT_INT(0, "ulong", &toy.ul, 0, 100, "N", "an unsigned long"),
	FK_OPT_SIZE(0, "size", &toy.size, 0, 1LL << 30, "SIZE", "a size"),
	FK_OPT_DURATION(0, "wait", &toy.ms, 0, 86400000, "TIME", "a time"),
	FK_OPT_DOUBLE(0, "share", &toy.d, 0, 1, "S", "a number from 0 to 1"),
	FK_OPT_INT(0, "speed", &toy.di, 1, 1000, "KMH", "an int as a double"),
	FK_OPT_STRING('s', "string", &toy.s, "TEXT", "a string"),
	FK_OPT_LIST(0, "add", &toy.list, "X", "repeatable"),
	FK_OPT_CALL('K', "call", &toy, call, "ARG",
	    "a call, with help text long enough to go\non a second line"),
	{ .kind = FK_OPTION_BOOL,
	    .name = "noted",
	    .help = "noted when given",
	    .value = &toy.flag,
	    .given = &toy.given },
	FK_OPT_BOOL(0, "a-rather-long-option-name", &toy.flag, "two spaces"),
	FK_OPT_END(),
};

static const struct fk_option clash[] = {
	FK_OPT_BOOL('b', NULL, &toy.flag, "-b is the brokers'"),
	FK_OPT_END(),
};

static void
record(void *ctx, struct fk_rt *rt, const struct fk_rec *rec)
{
	(void)ctx;
	fk_rt_emit(rt, rec->data, rec->len, NULL, 0, 0);
}

static struct fk_tool tool = {
	.name = "fk-toy",
	.synopsis = "[-f] [file ...]",
	.options = options,
	.record = record,
};

/* Run fk_main(args and an empty input file, unless bare) in a child,
 * stdout and stderr to files; its exit status, and what it printed in out
 * and err. */
static int
child_run(const char *const *args, int bare, char *out, size_t outlen,
    char *err, size_t errlen)
{
	char in[512], po[512], pe[512], *argv[32];
	int argc = 0, status;
	size_t n;
	pid_t pid;
	FILE *fp;

	fk_test_write(in, sizeof(in), tmpdir, "in", "", 0);
	snprintf(po, sizeof(po), "%s/out", tmpdir);
	snprintf(pe, sizeof(pe), "%s/err", tmpdir);
	argv[argc++] = (char *)"fk-toy";
	for (; *args != NULL; args++)
		argv[argc++] = (char *)*args;
	if (!bare)
		argv[argc++] = in;
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == 0) {
		if (freopen(po, "w", stdout) == NULL ||
		    freopen(pe, "w", stderr) == NULL)
			_exit(99);
		exit(fk_main(&tool, NULL, argc, argv));
	}
	cr_assert(pid > 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	fp = fopen(po, "r");
	n = fread(out, 1, outlen - 1, fp);
	out[n] = '\0';
	fclose(fp);
	fp = fopen(pe, "r");
	n = fread(err, 1, errlen - 1, fp);
	err[n] = '\0';
	fclose(fp);
	return WEXITSTATUS(status);
}

static int
child(
    const char *const *args, char *out, size_t outlen, char *err, size_t errlen)
{
	return child_run(args, 0, out, outlen, err, errlen);
}

static void
setup(void)
{
	fk_test_tmpdir(tmpdir, sizeof(tmpdir), "args");
	memset(&toy, 0, sizeof(toy));
}

static void
teardown(void)
{
	fk_strv_release(&toy.list);
	fk_test_rmdir(tmpdir);
}

TestSuite(args, .init = setup, .fini = teardown);

Test(args, help_is_made_from_the_table)
{
	static const char *const args[] = { "--help", NULL };
	char out[8192], err[1024];

	cr_assert_eq(child(args, out, sizeof(out), err, sizeof(err)), 0);
	/* The shared options first, then the tool's, in table order. */
	cr_assert_not_null(strstr(out,
	    "  -b BROKERS        Kafka bootstrap servers, host:port[,...]\n"));
	cr_assert_not_null(strstr(out,
	    "  -o OFFSET         start at beginning, end, stored, N, -N or "
	    "s@MS;\n"
	    "                    stop before e@MS (repeatable)\n"));
	cr_assert_not_null(strstr(out,
	    "  --to TOPIC        write records to a Kafka topic\n"
	    "  --transactional-id ID  --eos's transactional.id (default: see "
	    "fk(7))\n"
	    "  -f, --flag        a flag\n"
	    "  -i N              an int from 1 to 10\n"
	    "  --long N          a long\n"));
	cr_assert_not_null(strstr(out,
	    "  -K, --call ARG    a call, with help text long enough to go\n"
	    "                    on a second line\n"));
	cr_assert_not_null(
	    strstr(out, "  --a-rather-long-option-name  two spaces\n"));
	cr_assert_not_null(strstr(out, "\nSee fk-toy(1) and fk(7).\n"));
	/* A generator's -c, not a reader's. */
	cr_assert_not_null(strstr(out, "stop after N input records"));
	cr_assert_null(strstr(out, "stop after N records\n"));
}

Test(args, help_column_is_the_tools)
{
	static const char *const args[] = { "--help", NULL };
	char out[8192], err[1024];

	tool.help_col = 24;
	cr_assert_eq(child(args, out, sizeof(out), err, sizeof(err)), 0);
	cr_assert_not_null(strstr(out, "  -f, --flag            a flag\n"));
	/* The shared options keep theirs. */
	cr_assert_not_null(
	    strstr(out, "  -q                print errors only\n"));
	tool.help_col = 0;
}

Test(args, values_go_into_their_types)
{
	static const char *const args[] = { "-f", "-i", "7", "--long", "-5",
		"--llong", "9223372036854775807", "--ulong", "100", "--size",
		"64k", "--wait", "5m", "--share", "0.25", "--speed", "900",
		"-s", "x", "--add", "a", "--add", "b", "-K", "one", "--call",
		"two", NULL };
	char *argv[64], in[512];
	int argc = 0;

	fk_test_write(in, sizeof(in), tmpdir, "in", "", 0);
	argv[argc++] = (char *)"fk-toy";
	for (const char *const *a = args; *a != NULL; a++)
		argv[argc++] = (char *)*a;
	argv[argc++] = in;
	argv[argc] = NULL;
	cr_assert_eq(fk_main(&tool, NULL, argc, argv), 0);
	cr_assert_eq(toy.flag, 1);
	cr_assert_eq(toy.i, 7);
	cr_assert_eq(toy.l, -5);
	cr_assert_eq(toy.ll, INT64_MAX);
	cr_assert_eq(toy.ul, 100);
	cr_assert_eq(toy.size, 65536);
	cr_assert_eq(toy.ms, 300000);
	cr_assert_float_eq(toy.d, 0.25, 0);
	cr_assert_float_eq(toy.di, 900, 0);
	cr_assert_str_eq(toy.s, "x");
	cr_assert_eq(toy.list.n, 2);
	cr_assert_str_eq(toy.list.v[0], "a");
	cr_assert_str_eq(toy.list.v[1], "b");
	cr_assert_eq(toy.called, 2);
	cr_assert_null(toy.given);
}

Test(args, given_notes_the_option)
{
	char *argv[] = { (char *)"fk-toy", (char *)"--noted", NULL, NULL };
	char in[512];

	fk_test_write(in, sizeof(in), tmpdir, "in", "", 0);
	argv[2] = in;
	cr_assert_eq(fk_main(&tool, NULL, 3, argv), 0);
	cr_assert_not_null(toy.given);
	cr_assert_str_eq(toy.given->name, "noted");
}

struct misuse {
	char args[3][32];
	int bare; /* no input file after the args */
	int status;
	char msg[128];
};

static struct misuse misuses[] = {
	{ { "-i", "11" }, 0, FK_EX_USAGE,
	    "fk-toy: -i: expected an integer from 1 to 10, got \"11\"\n" },
	{ { "--long", "6" }, 0, FK_EX_USAGE,
	    "fk-toy: --long: expected an integer from -5 to 5, got \"6\"\n" },
	{ { "--share", "1.5" }, 0, FK_EX_USAGE,
	    "fk-toy: --share: expected a number from 0 to 1, got \"1.5\"\n" },
	{ { "--share", "0x1" }, 0, FK_EX_USAGE,
	    "fk-toy: --share: expected a number from 0 to 1, got \"0x1\"\n" },
	{ { "--wait", "2d" }, 0, FK_EX_USAGE, "fk-toy: --wait: " },
	{ { "--call", "bad" }, 0, FK_EX_USAGE,
	    "fk-toy: -K: expected good, got \"bad\"\n" },
	{ { "--size" }, 1, FK_EX_USAGE,
	    "fk-toy: option requires an argument: --size\n" },
	{ { "-i" }, 1, FK_EX_USAGE,
	    "fk-toy: option requires an argument -- 'i'\n" },
	{ { "--nope" }, 0, FK_EX_USAGE, "fk-toy: unknown option: --nope\n" },
	{ { "-e" }, 0, FK_EX_USAGE, "fk-toy: -e needs --from\n" },
};

ParameterizedTestParameters(args, misuse_names_the_option)
{
	return cr_make_param_array(
	    struct misuse, misuses, sizeof(misuses) / sizeof(misuses[0]));
}

ParameterizedTest(struct misuse *m, args, misuse_names_the_option)
{
	const char *args[4] = { NULL };
	char out[4096], err[4096];

	for (int i = 0; i < 3 && m->args[i][0] != '\0'; i++)
		args[i] = m->args[i];
	cr_assert_eq(
	    child_run(args, m->bare, out, sizeof(out), err, sizeof(err)),
	    m->status, "%s", err);
	/* (Under LeakSanitizer a forked child may say something first.) */
	cr_assert_not_null(strstr(err, m->msg), "got: %s", err);
	/* And the usage line after it. */
	cr_assert_not_null(strstr(err, "usage: fk-toy"));
}

Test(args, a_letter_defined_twice_is_70)
{
	static const char *const args[] = { NULL };
	char out[4096], err[4096];

	tool.options = clash;
	cr_assert_eq(
	    child(args, out, sizeof(out), err, sizeof(err)), FK_EX_SOFTWARE);
	cr_assert_not_null(strstr(err, "-b/--"), "%s", err);
	tool.options = options;
}

/* A tool that reads and writes no records (fk-lag): only the options of
 * every tool, and a -G of its own in place of the shared one. */
static struct fk_strv admin_groups;

static const struct fk_option admin_options[] = {
	FK_OPT_LIST('G', NULL, &admin_groups, "GROUP", "a group (repeatable)"),
	FK_OPT_END(),
};

static const struct fk_tool admin_tool = {
	.name = "fk-toy",
	.flags = FK_TOOL_ADMIN,
	.synopsis = "[-G group]...",
	.options = admin_options,
};

/* fk_args_parse(args) for admin_tool in a child that prints the groups;
 * its exit status, and what it printed. */
static int
admin_run(
    const char *const *args, char *out, size_t outlen, char *err, size_t errlen)
{
	char po[512], pe[512], *argv[32];
	int argc = 0, status;
	struct fk_args a;
	size_t n;
	pid_t pid;
	FILE *fp;

	snprintf(po, sizeof(po), "%s/out", tmpdir);
	snprintf(pe, sizeof(pe), "%s/err", tmpdir);
	argv[argc++] = (char *)"fk-toy";
	for (; *args != NULL; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == 0) {
		if (freopen(po, "w", stdout) == NULL ||
		    freopen(pe, "w", stderr) == NULL)
			_exit(99);
		fk_log_init("fk-toy");
		fk_args_parse(&a, &admin_tool, argc, argv);
		for (size_t i = 0; i < admin_groups.n; i++)
			printf("%s\n", admin_groups.v[i]);
		fk_strv_release(&admin_groups);
		fk_args_release(&a);
		exit(0);
	}
	cr_assert(pid > 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	fp = fopen(po, "r");
	n = fread(out, 1, outlen - 1, fp);
	out[n] = '\0';
	fclose(fp);
	fp = fopen(pe, "r");
	n = fread(err, 1, errlen - 1, fp);
	err[n] = '\0';
	fclose(fp);
	return WEXITSTATUS(status);
}

Test(args, an_admin_tool_has_the_options_of_every_tool_only)
{
	static const char *const args[] = { "--help", NULL };
	char out[8192], err[1024];

	cr_assert_eq(admin_run(args, out, sizeof(out), err, sizeof(err)), 0);
	cr_assert_not_null(strstr(out,
	    "usage: fk-toy [-qVv] [-b brokers] [-F file] [-X key=value]\n"
	    "              [-G group]...\n"));
	cr_assert_not_null(strstr(out, "  -b BROKERS "));
	cr_assert_not_null(strstr(out, "  -X KEY=VALUE "));
	cr_assert_not_null(strstr(out, "  -G GROUP          a group"));
	cr_assert_null(strstr(out, "consume as a member"));
	cr_assert_null(strstr(out, "  -c N "));
	cr_assert_null(strstr(out, "  -e "));
	cr_assert_null(strstr(out, "--from"));
	cr_assert_null(strstr(out, "--to"));
}

Test(args, an_admin_tools_own_G_repeats)
{
	static const char *const args[] = { "-b", "localhost:9092", "-G", "a",
		"-G", "b", NULL };
	char out[1024], err[1024];

	cr_assert_eq(
	    admin_run(args, out, sizeof(out), err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(out, "a\nb\n");
}

struct admin_misuse {
	char args[2][32];
	char msg[96];
};

static struct admin_misuse admin_misuses[] = {
	{ { "-c", "5" },
	    "fk-toy: -c: this tool reads and writes no records\n" },
	{ { "-e" }, "fk-toy: -e: this tool reads and writes no records\n" },
	{ { "-o", "end" },
	    "fk-toy: -o: this tool reads and writes no records\n" },
	{ { "--from", "t" },
	    "fk-toy: --from: this tool reads and writes no records\n" },
	{ { "--to", "t" },
	    "fk-toy: --to: this tool reads and writes no records\n" },
	{ { "-k", "ip" },
	    "fk-toy: -k: this tool reads and writes no records\n" },
	{ { "--strict" },
	    "fk-toy: --strict: this tool reads and writes no records\n" },
	{ { "file.ndjson" },
	    "fk-toy: file operands: this tool reads and writes no records\n" },
};

ParameterizedTestParameters(args, an_admin_tool_refuses_record_options)
{
	return cr_make_param_array(struct admin_misuse, admin_misuses,
	    sizeof(admin_misuses) / sizeof(admin_misuses[0]));
}

ParameterizedTest(
    struct admin_misuse *m, args, an_admin_tool_refuses_record_options)
{
	const char *args[3] = { NULL };
	char out[4096], err[4096];

	for (int i = 0; i < 2 && m->args[i][0] != '\0'; i++)
		args[i] = m->args[i];
	cr_assert_eq(admin_run(args, out, sizeof(out), err, sizeof(err)),
	    FK_EX_USAGE, "%s", err);
	cr_assert_not_null(strstr(err, m->msg), "got: %s", err);
	cr_assert_not_null(strstr(err, "usage: fk-toy"));
}

/* A config file with a secret, of mode mode, in the temp dir: its path. */
static void
secret_file(char *path, size_t len, mode_t mode)
{
	static const char text[] = "sasl.username=fk\nsasl.password=hunter2\n";

	fk_test_write(path, len, tmpdir, "s.conf", text, strlen(text));
	cr_assert_eq(chmod(path, mode), 0);
}

/* -F's files load after the command line: a later -q is known.  (Under
 * LeakSanitizer a child may say more on stderr: what is looked for is
 * looked for within it.) */
Test(args, a_secret_others_can_read_is_warned_of)
{
	char path[512], want[1200], out[1024], err[2048];
	const char *args[] = { "-F", path, NULL };
	const char *quiet[] = { "-F", path, "-q", NULL };

	secret_file(path, sizeof(path), 0644);
	cr_assert_eq(
	    child(args, out, sizeof(out), err, sizeof(err)), 0, "%s", err);
	snprintf(want, sizeof(want),
	    "fk-toy: %s: anyone can read the sasl.password it holds "
	    "(mode 0644); chmod 600 %s\n",
	    path, path);
	cr_assert_not_null(strstr(err, want), "%s", err);
	cr_assert_eq(
	    child(quiet, out, sizeof(out), err, sizeof(err)), 0, "%s", err);
	cr_assert_null(strstr(err, "can read"), "%s", err);
}

Test(args, a_secret_in_FK_CONFIG_is_warned_of)
{
	char path[512], out[1024], err[2048];
	const char *args[] = { NULL };

	secret_file(path, sizeof(path), 0640);
	setenv("FK_CONFIG", path, 1);
	cr_assert_eq(
	    child(args, out, sizeof(out), err, sizeof(err)), 0, "%s", err);
	unsetenv("FK_CONFIG");
	cr_assert_not_null(strstr(err,
	                       ": its group can read the sasl.password "
	                       "it holds (mode 0640)"),
	    "%s", err);
}

Test(args, a_secret_of_the_owners_alone_is_not_warned_of)
{
	char path[512], out[1024], err[2048];
	const char *args[] = { "-F", path, NULL };

	secret_file(path, sizeof(path), 0600);
	cr_assert_eq(
	    child(args, out, sizeof(out), err, sizeof(err)), 0, "%s", err);
	cr_assert_null(strstr(err, "can read"), "%s", err);
}

/* -vv shows each pair and where it came from, never a secret's value. */
Test(args, vv_shows_the_configuration_with_secrets_redacted)
{
	char path[512], want[1200], out[1024], err[4096];
	const char *args[] = { "-vv", "-F", path, "-X",
		"ssl.key.password=swordfish", "-X", "client.id=toy", NULL };

	secret_file(path, sizeof(path), 0600);
	cr_assert_eq(
	    child(args, out, sizeof(out), err, sizeof(err)), 0, "%s", err);
	snprintf(want, sizeof(want),
	    "fk-toy: %s:1: sasl.username=fk\n"
	    "fk-toy: %s:2: sasl.password=[redacted]\n"
	    "fk-toy: -X: ssl.key.password=[redacted]\n"
	    "fk-toy: -X: client.id=toy\n",
	    path, path);
	cr_assert_not_null(strstr(err, want), "%s", err);
	cr_assert_null(strstr(err, "hunter2"), "%s", err);
	cr_assert_null(strstr(err, "swordfish"), "%s", err);
}
