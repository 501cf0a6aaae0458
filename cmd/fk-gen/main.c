/* fk-gen: synthetic labelled transactions, to stdout or a topic. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exitcode.h"
#include "fktime.h"
#include "gen.h"
#include "jscan.h"
#include "numbers.h"
#include "run.h"
#include "banned.h"

struct fkgen {
	struct fk_gen_opts o;
	struct fk_gen *g;
	struct fk_jobj obj; /* -k other than user_id */
	const char *lists;
	double rate;
	int64_t days; /* --days, or -1 */
};

static int
opt_fraud(void *value, const char *arg, char *err, size_t errlen)
{
	return fk_gen_fraud_parse(value, arg, err, errlen);
}

static int
opt_time(void *value, const char *arg, char *err, size_t errlen)
{
	return fk_time_parse(arg, strlen(arg), value, err, errlen);
}

static void
start(void *ctx, struct fk_rt *rt)
{
	struct fkgen *f = ctx;
	char err[1024];

	(void)rt;
	if (f->rate > 0 && f->o.disorder_ms > 0)
		fk_usage("--rate and --disorder cannot be used together");
	if (f->days >= 0)
		f->o.days = f->days;
	else if (f->rate > 0)
		f->o.days = 0; /* live traffic until stopped */
	if ((f->g = fk_gen_new(&f->o, err, sizeof(err))) == NULL)
		fk_usage("%s", err);
	if (f->lists != NULL &&
	    fk_gen_write_lists(f->g, f->lists, err, sizeof(err)) == -1)
		fk_errx(FK_EX_IOERR, "--write-lists: %s", err);
}

/* --rate: wait until record i is due; flush what waits meanwhile. */
static void
pace(struct fkgen *f, struct fk_rt *rt, const struct timespec *t0, long long i)
{
	double at = (double)i / f->rate;
	struct timespec due, now;

	due.tv_sec = t0->tv_sec + (time_t)at;
	due.tv_nsec = t0->tv_nsec + (long)((at - (double)(time_t)at) * 1e9);
	if (due.tv_nsec >= 1000000000L) {
		due.tv_sec++;
		due.tv_nsec -= 1000000000L;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > due.tv_sec ||
	    (now.tv_sec == due.tv_sec && now.tv_nsec >= due.tv_nsec))
		return;
	fk_rt_flush(rt);
	/* A signal interrupts the sleep; the caller checks for it. */
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL);
}

static void
generate(void *ctx, struct fk_rt *rt)
{
	struct fkgen *f = ctx;
	const char *kf = fk_rt_keyfield(rt), *key;
	int by_user = strcmp(kf, "user_id") == 0;
	const struct fk_jmember *m;
	struct fk_gen_rec r;
	struct timespec t0;
	size_t keylen;
	long long i = 0;
	char err[128];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (fk_rt_running(rt)) {
		if (f->rate > 0) {
			pace(f, rt, &t0, i++);
			if (!fk_rt_running(rt))
				break;
		}
		if (!fk_gen_next(f->g, f->rate > 0 ? fk_time_wall_ms() : 0, &r))
			break;
		key = r.user;
		keylen = r.userlen;
		if (!by_user) { /* -k: the value of another member */
			key = NULL;
			keylen = 0;
			if (fk_jscan(&f->obj, r.data, r.len, err,
			        sizeof(err)) == 0 &&
			    (m = fk_jobj_get(&f->obj, kf)) != NULL &&
			    m->type != FK_J_OBJECT && m->type != FK_J_ARRAY) {
				key = m->val;
				keylen = m->vallen;
				if (m->type == FK_J_STRING) {
					key++;
					keylen -= 2;
				}
			}
		}
		fk_rt_emit(rt, r.data, r.len, key, keylen, r.ts_ms);
	}
}

static void
finish(void *ctx, struct fk_rt *rt)
{
	struct fkgen *f = ctx;
	long long n = fk_gen_count(f->g), fraud = 0;
	char line[512];
	int len = 0;

	(void)rt;
	for (int s = 0; s < FK_GEN_NSCENARIOS; s++) {
		fraud += fk_gen_fraud_count(f->g, s);
		len += snprintf(line + len, sizeof(line) - (size_t)len,
		    "%s %s %lld", s ? "," : ":", fk_gen_scenario_name(s),
		    fk_gen_fraud_count(f->g, s));
	}
	fk_info(FK_LOG_INFO, "%lld records, %lld fraudulent (%.3f%%)%s", n,
	    fraud, n > 0 ? 100.0 * (double)fraud / (double)n : 0.0, line);
}

int
main(int argc, char **argv)
{
	struct fkgen f;
	const struct fk_option options[] = {
		FK_OPT_INT(0, "days", &f.days, 1, 36500, "N",
		    "simulate N days (default 1)"),
		FK_OPT_DURATION(0, "disorder", &f.o.disorder_ms, 0, 86400000,
		    "TIME", "deliver records up to TIME late (default 0)"),
		FK_OPT_CALL(0, "fraud", &f.o, opt_fraud, "SPEC",
		    "scenarios: none, or NAME[=RATE],... of burst, travel,\n"
		    "highvalue, blocklist, takeover, terminal, card"),
		FK_OPT_INT(0, "merchants", &f.o.merchants, 1, 10000000, "N",
		    "merchants (default: half the users)"),
		FK_OPT_DOUBLE(0, "rate", &f.rate, 0.001, 1e7, "N",
		    "N records a second, stamped with the current time"),
		FK_OPT_INT(0, "seed", &f.o.seed, 0, INT64_MAX, "N",
		    "random seed (default 1)"),
		FK_OPT_CALL(0, "start", &f.o.start_ms, opt_time, "TIME",
		    "start of the simulation (default 2024-11-01T00:00:00Z)"),
		FK_OPT_INT(0, "users", &f.o.users, 1, 10000000, "N",
		    "users (default 1000)"),
		FK_OPT_STRING(0, "write-lists", &f.lists, "DIR",
		    "write the blocklists into DIR"),
		FK_OPT_END(),
	};
	const struct fk_tool tool = {
		.name = "fk-gen",
		.flags = FK_TOOL_GENERATOR,
		.synopsis =
		    "[--days n] [--disorder time] [--fraud spec] "
		    "[--merchants n]\n"
		    "              [--rate n] [--seed n] [--start time] "
		    "[--users n]\n"
		    "              [--write-lists dir]",
		.options = options,
		.start = start,
		.finish = finish,
		.generate = generate,
	};
	int rc;

	memset(&f, 0, sizeof(f));
	f.days = -1;
	fk_gen_opts_init(&f.o);
	fk_jobj_init(&f.obj);
	rc = fk_main(&tool, &f, argc, argv);
	fk_gen_free(f.g);
	fk_jobj_release(&f.obj);
	return rc;
}
