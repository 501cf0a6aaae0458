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

enum {
	OPT_DAYS = 256,
	OPT_DISORDER,
	OPT_FRAUD,
	OPT_MERCHANTS,
	OPT_RATE,
	OPT_SEED,
	OPT_START,
	OPT_USERS,
	OPT_WRITE_LISTS,
};

struct fkgen {
	struct fk_gen_opts o;
	struct fk_gen *g;
	struct fk_jobj obj; /* -k other than user_id */
	const char *lists;
	double rate;
	int days_set;
};

static const struct option longopts[] = {
	{ "days", required_argument, NULL, OPT_DAYS },
	{ "disorder", required_argument, NULL, OPT_DISORDER },
	{ "fraud", required_argument, NULL, OPT_FRAUD },
	{ "merchants", required_argument, NULL, OPT_MERCHANTS },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "start", required_argument, NULL, OPT_START },
	{ "users", required_argument, NULL, OPT_USERS },
	{ "write-lists", required_argument, NULL, OPT_WRITE_LISTS },
	{ NULL, 0, NULL, 0 },
};

static void
option(void *ctx, int opt, const char *arg)
{
	struct fkgen *f = ctx;
	char err[256], *end;
	long long v;
	int64_t ms;

	switch (opt) {
	case OPT_DAYS:
		if (fk_num_int(arg, 1, 36500, &v, err, sizeof(err)) == -1)
			fk_usage("--days: %s", err);
		f->o.days = v;
		f->days_set = 1;
		break;
	case OPT_DISORDER:
		if (fk_num_duration(arg, 0, 86400000, &v, err, sizeof(err)) ==
		    -1)
			fk_usage("--disorder: %s", err);
		f->o.disorder_ms = v;
		break;
	case OPT_FRAUD:
		if (fk_gen_fraud_parse(&f->o, arg, err, sizeof(err)) == -1)
			fk_usage("--fraud: %s", err);
		break;
	case OPT_MERCHANTS:
		if (fk_num_int(arg, 1, 10000000, &v, err, sizeof(err)) == -1)
			fk_usage("--merchants: %s", err);
		f->o.merchants = (long)v;
		break;
	case OPT_RATE:
		errno = 0;
		f->rate = strtod(arg, &end);
		if (*arg == '\0' || *end != '\0' || errno != 0 ||
		    !(f->rate > 0 && f->rate <= 1e7))
			fk_usage("--rate: expected records per second from "
			         "0 to 10000000, got \"%s\"",
			    arg);
		break;
	case OPT_SEED:
		if (fk_num_int(arg, 0, INT64_MAX, &v, err, sizeof(err)) == -1)
			fk_usage("--seed: %s", err);
		f->o.seed = (uint64_t)v;
		break;
	case OPT_START:
		if (fk_time_parse(arg, strlen(arg), &ms, err, sizeof(err)) ==
		    -1)
			fk_usage("--start: %s", err);
		f->o.start_ms = ms;
		break;
	case OPT_USERS:
		if (fk_num_int(arg, 1, 10000000, &v, err, sizeof(err)) == -1)
			fk_usage("--users: %s", err);
		f->o.users = (long)v;
		break;
	case OPT_WRITE_LISTS:
		f->lists = arg;
		break;
	default:
		fk_usage("unknown option");
	}
}

static void
start(void *ctx, struct fk_rt *rt)
{
	struct fkgen *f = ctx;
	char err[1024];

	(void)rt;
	if (f->rate > 0 && f->o.disorder_ms > 0)
		fk_usage("--rate and --disorder cannot be used together");
	if (f->rate > 0 && !f->days_set)
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
	static const struct fk_tool tool = {
		.name = "fk-gen",
		.flags = FK_TOOL_GENERATOR,
		.synopsis =
		    "[--days n] [--disorder time] [--fraud spec] "
		    "[--merchants n]\n"
		    "              [--rate n] [--seed n] [--start time] "
		    "[--users n]\n"
		    "              [--write-lists dir]",
		.options_help =
		    "  --days N          simulate N days (default 1)\n"
		    "  --disorder TIME   deliver records up to TIME late "
		    "(default 0)\n"
		    "  --fraud SPEC      scenarios: none, or "
		    "NAME[=RATE],... of burst, travel,\n"
		    "                    highvalue, blocklist, takeover, "
		    "terminal, card\n"
		    "  --merchants N     merchants (default: half the users)\n"
		    "  --rate N          N records a second, stamped with "
		    "the current time\n"
		    "  --seed N          random seed (default 1)\n"
		    "  --start TIME      start of the simulation "
		    "(default 2024-11-01T00:00:00Z)\n"
		    "  --users N         users (default 1000)\n"
		    "  --write-lists DIR write the blocklists into DIR\n",
		.shortopts = "",
		.longopts = longopts,
		.option = option,
		.start = start,
		.finish = finish,
		.generate = generate,
	};
	struct fkgen f;
	int rc;

	memset(&f, 0, sizeof(f));
	fk_gen_opts_init(&f.o);
	fk_jobj_init(&f.obj);
	rc = fk_main(&tool, &f, argc, argv);
	fk_gen_free(f.g);
	fk_jobj_release(&f.obj);
	return rc;
}
