/* Unit tests for config.c: ordered key=value pairs, -X arguments and
 * config files. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "testutil.h"
#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char tmpdir[256];

static void
setup(void)
{
	fk_test_tmpdir(tmpdir, sizeof(tmpdir), "config");
}

static void
teardown(void)
{
	fk_test_rmdir(tmpdir);
}

TestSuite(config, .init = setup, .fini = teardown);

/* Write s to a new file in the temp dir; the path goes to path. */
static void
write_file(char *path, size_t pathlen, const char *name, const char *s)
{
	fk_test_write(path, pathlen, tmpdir, name, s, strlen(s));
}

static void
check_kv(const struct fk_config *cfg, size_t i, const char *key,
    const char *value, const char *origin)
{
	cr_assert_lt(i, cfg->n, "pair %zu of %zu", i, cfg->n);
	cr_assert_str_eq(cfg->kv[i].key, key, "pair %zu key", i);
	cr_assert_str_eq(cfg->kv[i].value, value, "pair %zu value", i);
	cr_assert_str_eq(cfg->kv[i].origin, origin, "pair %zu origin", i);
}

Test(config, init_is_empty)
{
	struct fk_config cfg;

	memset(&cfg, 0xa5, sizeof(cfg));
	fk_config_init(&cfg);
	cr_assert_null(cfg.kv);
	cr_assert_eq(cfg.n, 0);
	cr_assert_eq(cfg.cap, 0);
	cr_assert_null(fk_config_get(&cfg, "a"));
	fk_config_release(&cfg);
}

Test(config, set_then_get)
{
	struct fk_config cfg;

	fk_config_init(&cfg);
	fk_config_set(&cfg, "bootstrap.servers", "localhost:9092", "-X");
	fk_config_set(&cfg, "client.id", "fk", "f.conf:2");
	cr_assert_eq(cfg.n, 2);
	cr_assert_str_eq(
	    fk_config_get(&cfg, "bootstrap.servers"), "localhost:9092");
	cr_assert_str_eq(fk_config_get(&cfg, "client.id"), "fk");
	cr_assert_null(fk_config_get(&cfg, "client"));
	cr_assert_null(fk_config_get(&cfg, "client.id.x"));
	cr_assert_null(fk_config_get(&cfg, ""));
	check_kv(&cfg, 0, "bootstrap.servers", "localhost:9092", "-X");
	check_kv(&cfg, 1, "client.id", "fk", "f.conf:2");
	fk_config_release(&cfg);
}

Test(config, last_pair_wins)
{
	struct fk_config cfg;

	fk_config_init(&cfg);
	fk_config_set(&cfg, "a", "1", "defaults");
	fk_config_set(&cfg, "b", "2", "defaults");
	fk_config_set(&cfg, "a", "3", "-X");
	cr_assert_str_eq(fk_config_get(&cfg, "a"), "3");
	cr_assert_str_eq(fk_config_get(&cfg, "b"), "2");
	/* every pair is kept, in order */
	cr_assert_eq(cfg.n, 3);
	check_kv(&cfg, 0, "a", "1", "defaults");
	check_kv(&cfg, 1, "b", "2", "defaults");
	check_kv(&cfg, 2, "a", "3", "-X");
	fk_config_set(&cfg, "a", "", "-X");
	cr_assert_str_eq(fk_config_get(&cfg, "a"), "");
	fk_config_release(&cfg);
}

Test(config, set_copies_strings)
{
	struct fk_config cfg;
	char key[] = "k", value[] = "v", origin[] = "o";

	fk_config_init(&cfg);
	fk_config_set(&cfg, key, value, origin);
	key[0] = value[0] = origin[0] = 'X';
	check_kv(&cfg, 0, "k", "v", "o");
	cr_assert_neq(cfg.kv[0].key, key);
	fk_config_release(&cfg);
}

Test(config, many_pairs)
{
	struct fk_config cfg;
	char key[32], value[32];
	int i;

	fk_config_init(&cfg);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "key.%d", i % 100);
		snprintf(value, sizeof(value), "value %d", i);
		fk_config_set(&cfg, key, value, "-X");
	}
	cr_assert_eq(cfg.n, 1000);
	cr_assert_geq(cfg.cap, cfg.n);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "key.%d", i);
		snprintf(value, sizeof(value), "value %d", 900 + i);
		cr_assert_str_eq(fk_config_get(&cfg, key), value);
	}
	fk_config_release(&cfg);
}

Test(config, release_leaves_reusable)
{
	struct fk_config cfg;

	fk_config_init(&cfg);
	fk_config_set(&cfg, "a", "1", "-X");
	fk_config_release(&cfg);
	cr_assert_null(cfg.kv);
	cr_assert_eq(cfg.n, 0);
	cr_assert_eq(cfg.cap, 0);
	cr_assert_null(fk_config_get(&cfg, "a"));
	fk_config_set(&cfg, "a", "2", "-X");
	cr_assert_str_eq(fk_config_get(&cfg, "a"), "2");
	fk_config_release(&cfg);
	fk_config_release(&cfg);
}

struct arg_case {
	char arg[48];
	char key[24];
	char value[24];
};

ParameterizedTestParameters(config, parse_arg_good)
{
	static struct arg_case cases[] = {
		{ "a=b", "a", "b" },
		{ "bootstrap.servers=h1:9092,h2:9092", "bootstrap.servers",
		    "h1:9092,h2:9092" },
		{ "a=", "a", "" },
		/* only the first '=' splits */
		{ "a=b=c", "a", "b=c" },
		{ "a==", "a", "=" },
		{ "sasl.password=p=w", "sasl.password", "p=w" },
		/* -X values are taken as given: no trimming */
		{ "sasl.password= x ", "sasl.password", " x " },
		{ "a=#b", "a", "#b" },
	};

	return cr_make_param_array(struct arg_case, cases, NELEM(cases));
}

ParameterizedTest(struct arg_case *c, config, parse_arg_good)
{
	struct fk_config cfg;
	char err[128] = "";

	fk_config_init(&cfg);
	cr_assert_eq(fk_config_parse_arg(&cfg, c->arg, "-X", err, sizeof(err)),
	    0, "\"%s\": %s", c->arg, err);
	cr_assert_eq(cfg.n, 1);
	check_kv(&cfg, 0, c->key, c->value, "-X");
	cr_assert_str_eq(fk_config_get(&cfg, c->key), c->value);
	fk_config_release(&cfg);
}

struct arg_err_case {
	char arg[32];
	char msg[64];
};

ParameterizedTestParameters(config, parse_arg_errors)
{
	static struct arg_err_case cases[] = {
		{ "", "expected key=value, got \"\"" },
		{ "abc", "expected key=value, got \"abc\"" },
		{ "=b", "expected key=value, got no key" },
		{ "=", "expected key=value, got no key" },
		{ "==b", "expected key=value, got no key" },
		{ "acks:all", "expected key=value, got \"acks:all\"" },
	};

	return cr_make_param_array(struct arg_err_case, cases, NELEM(cases));
}

ParameterizedTest(struct arg_err_case *c, config, parse_arg_errors)
{
	struct fk_config cfg;
	char err[128] = "";

	fk_config_init(&cfg);
	cr_assert_eq(fk_config_parse_arg(&cfg, c->arg, "-X", err, sizeof(err)),
	    -1, "\"%s\" accepted", c->arg);
	cr_assert_str_eq(err, c->msg);
	cr_assert_eq(cfg.n, 0, "nothing appended on error");
	fk_config_release(&cfg);
}

Test(config, parse_arg_keeps_origin_and_order)
{
	struct fk_config cfg;
	char err[128];

	fk_config_init(&cfg);
	cr_assert_eq(
	    fk_config_parse_arg(&cfg, "a=1", "-X", err, sizeof(err)), 0);
	cr_assert_eq(
	    fk_config_parse_arg(&cfg, "a=2", "$FK_X", err, sizeof(err)), 0);
	cr_assert_eq(cfg.n, 2);
	check_kv(&cfg, 0, "a", "1", "-X");
	check_kv(&cfg, 1, "a", "2", "$FK_X");
	cr_assert_str_eq(fk_config_get(&cfg, "a"), "2");
	fk_config_release(&cfg);
}

Test(config, parse_arg_error_truncated)
{
	struct fk_config cfg;
	char err[10];

	fk_config_init(&cfg);
	memset(err, 'X', sizeof(err));
	cr_assert_eq(
	    fk_config_parse_arg(&cfg, "nothing", "-X", err, sizeof(err)), -1);
	cr_assert_str_eq(err, "expected ");
	fk_config_release(&cfg);
}

Test(config, load_comments_blank_lines_and_spaces)
{
	static const char text[] = "# a comment\n"
	                           "\n"
	                           "bootstrap.servers=localhost:9092\n"
	                           "   # indented comment\n"
	                           "  \t \n"
	                           "  client.id =  fk-test\t\n"
	                           "\tacks\t=\tall\n"
	                           "a=b=c\n"
	                           "empty=\n"
	                           "spaced =   \n"
	                           "hash=x#y\n"
	                           "inner space = a b  c \n"
	                           "last=no-newline";
	struct fk_config cfg;
	char path[512], origin[600], err[256] = "";

	write_file(path, sizeof(path), "k.conf", text);
	fk_config_init(&cfg);
	cr_assert_eq(
	    fk_config_load(&cfg, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cfg.n, 9);
	snprintf(origin, sizeof(origin), "%s:3", path);
	check_kv(&cfg, 0, "bootstrap.servers", "localhost:9092", origin);
	snprintf(origin, sizeof(origin), "%s:6", path);
	check_kv(&cfg, 1, "client.id", "fk-test", origin);
	snprintf(origin, sizeof(origin), "%s:7", path);
	check_kv(&cfg, 2, "acks", "all", origin);
	snprintf(origin, sizeof(origin), "%s:8", path);
	check_kv(&cfg, 3, "a", "b=c", origin);
	snprintf(origin, sizeof(origin), "%s:9", path);
	check_kv(&cfg, 4, "empty", "", origin);
	snprintf(origin, sizeof(origin), "%s:10", path);
	check_kv(&cfg, 5, "spaced", "", origin);
	snprintf(origin, sizeof(origin), "%s:11", path);
	check_kv(&cfg, 6, "hash", "x#y", origin);
	snprintf(origin, sizeof(origin), "%s:12", path);
	check_kv(&cfg, 7, "inner space", "a b  c", origin);
	snprintf(origin, sizeof(origin), "%s:13", path);
	check_kv(&cfg, 8, "last", "no-newline", origin);
	cr_assert_str_eq(fk_config_get(&cfg, "a"), "b=c");
	fk_config_release(&cfg);
}

Test(config, load_crlf)
{
	struct fk_config cfg;
	char path[512], origin[600], err[256] = "";

	write_file(path, sizeof(path), "crlf.conf",
	    "# windows\r\n\r\na=1\r\nb = 2 \r\n");
	fk_config_init(&cfg);
	cr_assert_eq(
	    fk_config_load(&cfg, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cfg.n, 2);
	snprintf(origin, sizeof(origin), "%s:3", path);
	check_kv(&cfg, 0, "a", "1", origin);
	snprintf(origin, sizeof(origin), "%s:4", path);
	check_kv(&cfg, 1, "b", "2", origin);
	fk_config_release(&cfg);
}

Test(config, load_last_pair_wins)
{
	struct fk_config cfg;
	char path[512], err[256] = "";

	write_file(path, sizeof(path), "dup.conf", "a=1\nb=2\na=3\n");
	fk_config_init(&cfg);
	fk_config_set(&cfg, "a", "0", "defaults");
	cr_assert_eq(
	    fk_config_load(&cfg, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cfg.n, 4);
	cr_assert_str_eq(fk_config_get(&cfg, "a"), "3");
	cr_assert_str_eq(fk_config_get(&cfg, "b"), "2");
	check_kv(&cfg, 0, "a", "0", "defaults");
	fk_config_release(&cfg);
}

Test(config, load_empty_and_comment_only)
{
	struct fk_config cfg;
	char path[512], err[256] = "";

	fk_config_init(&cfg);
	write_file(path, sizeof(path), "empty.conf", "");
	cr_assert_eq(
	    fk_config_load(&cfg, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cfg.n, 0);
	write_file(path, sizeof(path), "comments.conf", "#a=b\n\n  # c=d\n");
	cr_assert_eq(
	    fk_config_load(&cfg, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cfg.n, 0);
	fk_config_release(&cfg);
}

Test(config, load_long_value)
{
	struct fk_config cfg;
	char path[512], err[256] = "";
	size_t n = 20000;
	char *text = malloc(n + 8), *want = malloc(n + 1);

	cr_assert_not_null(text);
	cr_assert_not_null(want);
	memset(want, 'v', n);
	want[n] = '\0';
	snprintf(text, n + 8, "k=%s\n", want);
	write_file(path, sizeof(path), "long.conf", text);
	fk_config_init(&cfg);
	cr_assert_eq(
	    fk_config_load(&cfg, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cfg.n, 1);
	cr_assert_eq(strlen(fk_config_get(&cfg, "k")), n);
	cr_assert_str_eq(fk_config_get(&cfg, "k"), want);
	fk_config_release(&cfg);
	free(text);
	free(want);
}

Test(config, load_missing_file)
{
	struct fk_config cfg;
	char path[512], want[600], err[600] = "";

	snprintf(path, sizeof(path), "%s/no-such.conf", tmpdir);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	fk_config_init(&cfg);
	cr_assert_eq(fk_config_load(&cfg, path, err, sizeof(err)), -1);
	cr_assert_str_eq(err, want);
	cr_assert_eq(cfg.n, 0);
	fk_config_release(&cfg);
}

Test(config, load_directory)
{
	struct fk_config cfg;
	char want[600], err[600] = "";

	snprintf(want, sizeof(want), "%s: Is a directory", tmpdir);
	fk_config_init(&cfg);
	cr_assert_eq(fk_config_load(&cfg, tmpdir, err, sizeof(err)), -1);
	cr_assert_str_eq(err, want);
	cr_assert_eq(cfg.n, 0);
	fk_config_release(&cfg);
}

Test(config, load_unreadable_file)
{
	struct fk_config cfg;
	char path[512], want[600], err[600] = "";

	if (geteuid() == 0) {
		teardown(); /* a skipped test does not run .fini */
		cr_skip_test("root reads every file");
	}
	write_file(path, sizeof(path), "secret.conf", "a=b\n");
	cr_assert_eq(chmod(path, 0), 0);
	snprintf(want, sizeof(want), "%s: Permission denied", path);
	fk_config_init(&cfg);
	cr_assert_eq(fk_config_load(&cfg, path, err, sizeof(err)), -1);
	cr_assert_str_eq(err, want);
	fk_config_release(&cfg);
}

struct bad_line_case {
	char text[64];
	int line;
};

ParameterizedTestParameters(config, load_bad_line)
{
	static struct bad_line_case cases[] = {
		{ "noequals\n", 1 },
		{ "a=1\n\nnoequals\n", 3 },
		{ "# c\na=1\n  \n=value\n", 4 },
		{ "a=1\n   = value\n", 2 },
		{ "a=1\n\t=\n", 2 },
		{ "a=1\nb=2\nlast line", 3 },
		{ "a=1\r\nkey only\r\nb=2\r\n", 2 },
		/* the first bad line is the one reported */
		{ "x\ny\n", 1 },
	};

	return cr_make_param_array(struct bad_line_case, cases, NELEM(cases));
}

ParameterizedTest(struct bad_line_case *c, config, load_bad_line)
{
	struct fk_config cfg;
	char path[512], want[600], err[600] = "";

	write_file(path, sizeof(path), "bad.conf", c->text);
	snprintf(
	    want, sizeof(want), "%s:%d: expected key=value", path, c->line);
	fk_config_init(&cfg);
	cr_assert_eq(fk_config_load(&cfg, path, err, sizeof(err)), -1);
	cr_assert_str_eq(err, want);
	fk_config_release(&cfg);
}

Test(config, append_keeps_order_and_origins)
{
	struct fk_config dst, src;

	fk_config_init(&dst);
	fk_config_init(&src);
	fk_config_set(&dst, "a", "1", "defaults");
	fk_config_set(&src, "b", "2", "f.conf:1");
	fk_config_set(&src, "a", "3", "f.conf:2");
	fk_config_append(&dst, &src);
	cr_assert_eq(dst.n, 3);
	check_kv(&dst, 0, "a", "1", "defaults");
	check_kv(&dst, 1, "b", "2", "f.conf:1");
	check_kv(&dst, 2, "a", "3", "f.conf:2");
	/* src untouched, and owns its own copies */
	cr_assert_eq(src.n, 2);
	cr_assert_neq(src.kv[0].key, dst.kv[1].key);
	fk_config_release(&src);
	cr_assert_str_eq(fk_config_get(&dst, "a"), "3");
	cr_assert_str_eq(fk_config_get(&dst, "b"), "2");
	fk_config_release(&dst);
}

Test(config, append_empty)
{
	struct fk_config dst, src;

	fk_config_init(&dst);
	fk_config_init(&src);
	fk_config_append(&dst, &src);
	cr_assert_eq(dst.n, 0);
	fk_config_set(&dst, "a", "1", "-X");
	fk_config_append(&dst, &src);
	cr_assert_eq(dst.n, 1);
	fk_config_append(&src, &dst);
	check_kv(&src, 0, "a", "1", "-X");
	fk_config_release(&dst);
	fk_config_release(&src);
}

/* defaults < $FK_CONFIG < each -F in order < each -X in order */
Test(config, precedence)
{
	struct fk_config defaults, env, f1, f2, x, all;
	char p_env[512], p_f1[512], p_f2[512], origin[600], err[256] = "";

	write_file(p_env, sizeof(p_env), "env.conf",
	    "acks=1\nclient.id=env\nlinger.ms=10\n");
	write_file(p_f1, sizeof(p_f1), "f1.conf",
	    "client.id=f1\nlinger.ms=20\nbatch.size=1\n");
	write_file(p_f2, sizeof(p_f2), "f2.conf", "linger.ms=30\n");
	fk_config_init(&defaults);
	fk_config_init(&env);
	fk_config_init(&f1);
	fk_config_init(&f2);
	fk_config_init(&x);
	fk_config_init(&all);
	fk_config_set(&defaults, "acks", "all", "defaults");
	fk_config_set(&defaults, "enable.idempotence", "true", "defaults");
	fk_config_set(&defaults, "batch.size", "0", "defaults");
	cr_assert_eq(fk_config_load(&env, p_env, err, sizeof(err)), 0);
	cr_assert_eq(fk_config_load(&f1, p_f1, err, sizeof(err)), 0);
	cr_assert_eq(fk_config_load(&f2, p_f2, err, sizeof(err)), 0);
	cr_assert_eq(
	    fk_config_parse_arg(&x, "batch.size=2", "-X", err, sizeof(err)), 0);
	cr_assert_eq(
	    fk_config_parse_arg(&x, "batch.size=3", "-X", err, sizeof(err)), 0);

	fk_config_append(&all, &defaults);
	fk_config_append(&all, &env);
	fk_config_append(&all, &f1);
	fk_config_append(&all, &f2);
	fk_config_append(&all, &x);
	cr_assert_eq(all.n, 3 + 3 + 3 + 1 + 2);
	cr_assert_str_eq(fk_config_get(&all, "enable.idempotence"), "true");
	cr_assert_str_eq(fk_config_get(&all, "acks"), "1");
	cr_assert_str_eq(fk_config_get(&all, "client.id"), "f1");
	cr_assert_str_eq(fk_config_get(&all, "linger.ms"), "30");
	cr_assert_str_eq(fk_config_get(&all, "batch.size"), "3");
	/* the last pair's origin says where the winning value came from */
	snprintf(origin, sizeof(origin), "%s:1", p_f2);
	check_kv(&all, 9, "linger.ms", "30", origin);
	check_kv(&all, 11, "batch.size", "3", "-X");

	fk_config_release(&defaults);
	fk_config_release(&env);
	fk_config_release(&f1);
	fk_config_release(&f2);
	fk_config_release(&x);
	fk_config_release(&all);
}

struct secret_case {
	char key[48];
	int secret;
};

ParameterizedTestParameters(config, is_secret)
{
	static struct secret_case cases[] = {
		{ "sasl.password", 1 },
		{ "ssl.key.password", 1 },
		{ "ssl.keystore.password", 1 },
		{ "ssl.truststore.password", 1 },
		{ "sasl.oauthbearer.client.secret", 1 },
		{ "sasl.oauthbearer.config", 1 },
		{ "sasl.jaas.config", 1 },
		{ "ssl.key.pem", 1 },
		{ "SASL.PASSWORD", 1 },
		{ "my.Secret.thing", 1 },
		{ "sasl.username", 0 },
		{ "sasl.mechanisms", 0 },
		{ "ssl.key.location", 0 },
		{ "ssl.certificate.pem", 0 },
		{ "ssl.ca.location", 0 },
		{ "bootstrap.servers", 0 },
		{ "passwor", 0 },
		{ "", 0 },
	};

	return cr_make_param_array(struct secret_case, cases, NELEM(cases));
}

ParameterizedTest(struct secret_case *c, config, is_secret)
{
	cr_assert_eq(fk_config_is_secret(c->key), c->secret, "%s", c->key);
	cr_assert_str_eq(fk_config_shown(c->key, "hunter2"),
	    c->secret ? "[redacted]" : "hunter2", "%s", c->key);
}

/* Load a file of mode mode; returns fk_config_load's return, err in err. */
static int
load_mode(const char *text, mode_t mode, struct fk_config *cfg, char *path,
    size_t pathlen, char *err, size_t errlen)
{
	write_file(path, pathlen, "s.conf", text);
	cr_assert_eq(chmod(path, mode), 0);
	return fk_config_load(cfg, path, err, errlen);
}

struct mode_case {
	unsigned mode;
	char who[16]; /* "" when nobody else can read it */
};

ParameterizedTestParameters(config, load_secret_by_mode)
{
	static struct mode_case cases[] = {
		{ 0600, "" },
		{ 0400, "" },
		{ 0700, "" },
		{ 0620, "" }, /* group may write, not read: not a leak */
		{ 0640, "its group" },
		{ 0660, "its group" },
		{ 0604, "anyone" },
		{ 0644, "anyone" },
		{ 0666, "anyone" },
	};

	return cr_make_param_array(struct mode_case, cases, NELEM(cases));
}

/* As ssh with a private key: a secret others may read is said, though
 * the pairs are loaded all the same. */
ParameterizedTest(struct mode_case *c, config, load_secret_by_mode)
{
	struct fk_config cfg;
	char path[512], want[1200], err[1024] = "";
	int rc;

	fk_config_init(&cfg);
	rc = load_mode("sasl.username=u\nsasl.password=hunter2\n",
	    (mode_t)c->mode, &cfg, path, sizeof(path), err, sizeof(err));
	cr_assert_eq(cfg.n, 2);
	cr_assert_str_eq(fk_config_get(&cfg, "sasl.password"), "hunter2");
	if (c->who[0] == '\0') {
		cr_assert_eq(rc, 0, "mode %04o: %s", c->mode, err);
	} else {
		cr_assert_eq(rc, 1, "mode %04o", c->mode);
		snprintf(want, sizeof(want),
		    "%s: %s can read the sasl.password it holds (mode %04o); "
		    "chmod 600 %s",
		    path, c->who, c->mode, path);
		cr_assert_str_eq(err, want);
		cr_assert_null(strstr(err, "hunter2"));
	}
	fk_config_release(&cfg);
}

Test(config, load_no_secret_any_mode)
{
	struct fk_config cfg;
	char path[512], err[1024] = "";

	fk_config_init(&cfg);
	cr_assert_eq(load_mode("bootstrap.servers=h:9092\nsasl.username=u\n",
	                 0666, &cfg, path, sizeof(path), err, sizeof(err)),
	    0, "%s", err);
	fk_config_release(&cfg);
}

/* The first secret in the file is the one named. */
Test(config, load_secret_names_the_first)
{
	struct fk_config cfg;
	char path[512], err[1024] = "";

	fk_config_init(&cfg);
	cr_assert_eq(load_mode("# keys\nssl.key.password=a\nsasl.password=b\n",
	                 0644, &cfg, path, sizeof(path), err, sizeof(err)),
	    1);
	cr_assert_not_null(
	    strstr(err, "the ssl.key.password it holds"), "%s", err);
	fk_config_release(&cfg);
}

/* A bad line is the error, whatever the mode. */
Test(config, load_secret_bad_line_is_an_error)
{
	struct fk_config cfg;
	char path[512], want[600], err[1024] = "";

	fk_config_init(&cfg);
	cr_assert_eq(load_mode("sasl.password=b\nno pair\n", 0644, &cfg, path,
	                 sizeof(path), err, sizeof(err)),
	    -1);
	snprintf(want, sizeof(want), "%s:2: expected key=value", path);
	cr_assert_str_eq(err, want);
	fk_config_release(&cfg);
}

/* -F <(pass show kafka): a pipe is nobody else's to read. */
Test(config, load_secret_from_a_pipe)
{
	static const char text[] = "sasl.password=hunter2\n";
	struct fk_config cfg;
	char path[64], err[1024] = "";
	int fd[2];

	cr_assert_eq(pipe(fd), 0);
	cr_assert_eq(write(fd[1], text, strlen(text)), (ssize_t)strlen(text));
	close(fd[1]);
	snprintf(path, sizeof(path), "/dev/fd/%d", fd[0]);
	fk_config_init(&cfg);
	cr_assert_eq(
	    fk_config_load(&cfg, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(fk_config_get(&cfg, "sasl.password"), "hunter2");
	close(fd[0]);
	fk_config_release(&cfg);
}
