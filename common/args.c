#include "args.h"

#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "numbers.h"
#include "run.h"
#include "xalloc.h"
#include "banned.h"

#ifndef FK_VERSION
#define FK_VERSION "0.0.0"
#endif

#define HELP_COL 20 /* where --help's text starts */
#define DEFAULT_MAX_LINE (1024 * 1024)

static const struct fk_tool *the_tool;

/* Every option that applies, the shared ones first, and getopt_long's
 * view of them.  Static, so that exits during parsing (-h, misuse)
 * leave nothing unreachable. */
static const struct fk_option **opts;
static size_t nopts, ncommon;
static struct option *longopts;
static char *shortopts;

/* Whether option o applies to the tool (--help shows it). */
static int
applies(const struct fk_option *o)
{
	unsigned f = the_tool->flags;

	if (f & FK_TOOL_ADMIN)
		return o->only == 0 || (o->only & FK_OPT_ADMIN);
	return o->only == 0 ||
	    ((o->only & FK_OPT_INPUT) && !(f & FK_TOOL_GENERATOR)) ||
	    ((o->only & FK_OPT_FILTER) &&
	        !(f & (FK_TOOL_GENERATOR | FK_TOOL_REPORT))) ||
	    ((o->only & FK_OPT_RECORDS) && !(f & FK_TOOL_REPORT)) ||
	    ((o->only & FK_OPT_GENERATOR) && (f & FK_TOOL_GENERATOR));
}

/* The usage line, wrapped, with only the shared options that apply. */
static void
print_usage(FILE *fp)
{
	static const struct {
		unsigned only;
		const char *word;
	} words[] = { { FK_OPT_INPUT, "[-eqVv]" },
		{ FK_OPT_GENERATOR | FK_OPT_ADMIN, "[-qVv]" },
		{ 0, "[-b brokers]" },
		{ FK_OPT_INPUT | FK_OPT_GENERATOR, "[-c count]" },
		{ 0, "[-F file]" }, { FK_OPT_INPUT, "[-G group]" },
		{ FK_OPT_RECORDS, "[-k field]" },
		{ FK_OPT_INPUT, "[-o offset]" }, { 0, "[-X key=value]" },
		{ FK_OPT_RECORDS, "[-z codec]" }, { FK_OPT_FILTER, "[--eos]" },
		{ FK_OPT_INPUT, "[--from topic]" },
		{ FK_OPT_INPUT, "[--max-line size]" },
		{ FK_OPT_INPUT | FK_OPT_GENERATOR, "[--metrics-addr addr]" },
		{ FK_OPT_INPUT | FK_OPT_GENERATOR, "[--metrics-file path]" },
		{ FK_OPT_INPUT | FK_OPT_GENERATOR,
		    "[--metrics-interval time]" },
		{ FK_OPT_INPUT | FK_OPT_GENERATOR, "[--metrics-port port]" },
		{ FK_OPT_INPUT | FK_OPT_GENERATOR, "[--no-progress]" },
		{ FK_OPT_INPUT | FK_OPT_GENERATOR, "[--progress]" },
		{ FK_OPT_INPUT, "[--reject dest]" },
		{ FK_OPT_INPUT, "[--strict]" },
		{ FK_OPT_RECORDS, "[--to topic]" },
		{ FK_OPT_FILTER, "[--transactional-id id]" } };
	size_t indent = strlen(the_tool->name) + 7, col = indent, w;

	fprintf(fp, "usage: %s", the_tool->name);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		struct fk_option o = { .only = words[i].only };

		if (!applies(&o))
			continue;
		w = strlen(words[i].word) + 1;
		if (col + w > 72) {
			fprintf(fp, "\n%*s", (int)indent, "");
			col = indent;
		}
		fprintf(fp, " %s", words[i].word);
		col += w;
	}
	fprintf(fp, "\n%*s %s\n", (int)indent, "", the_tool->synopsis);
}

void
fk_usage(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", the_tool->name, msg);
	print_usage(stderr);
	exit(FK_EX_USAGE);
}

/* "  -x, --name ARG", then the text from column col (two spaces past a
 * longer left part), each further line of it at col. */
static void
print_option(FILE *fp, const struct fk_option *o, int col)
{
	const char *h = o->help, *nl;
	int n;

	n = fprintf(fp, "  ");
	if (o->letter != 0)
		n += fprintf(fp, "-%c%s", o->letter, o->name ? ", " : "");
	if (o->name != NULL)
		n += fprintf(fp, "--%s", o->name);
	if (o->arg != NULL)
		n += fprintf(fp, " %s", o->arg);
	fprintf(fp, "%*s", n < col ? col - n : 2, "");
	while ((nl = strchr(h, '\n')) != NULL) {
		fprintf(fp, "%.*s\n%*s", (int)(nl - h), h, col, "");
		h = nl + 1;
	}
	fprintf(fp, "%s\n", h);
}

static FK_NORETURN void
exit_printed(void)
{
	exit(fflush(stdout) == EOF ? FK_EX_IOERR : FK_EX_OK);
}

static int
opt_help(void *value, const char *arg, char *err, size_t errlen)
{
	(void)value, (void)arg, (void)err, (void)errlen;
	print_usage(stdout);
	printf("\nOptions:\n");
	for (size_t i = 0; i < nopts; i++)
		if (applies(opts[i]))
			print_option(stdout, opts[i],
			    i < ncommon || the_tool->help_col == 0
			        ? HELP_COL
			        : the_tool->help_col);
	printf("\nSee %s(1) and fk(7).\n", the_tool->name);
	exit_printed();
}

static int
opt_version(void *value, const char *arg, char *err, size_t errlen)
{
	(void)value, (void)arg, (void)err, (void)errlen;
	printf("%s %s (librdkafka %s, jansson %s)\n", the_tool->name,
	    FK_VERSION, fk_kafka_version(), JANSSON_VERSION);
	exit_printed();
}

static int
opt_quiet(void *value, const char *arg, char *err, size_t errlen)
{
	(void)value, (void)arg, (void)err, (void)errlen;
	fk_log_set_level(FK_LOG_ERROR);
	return 0;
}

static int
opt_verbose(void *value, const char *arg, char *err, size_t errlen)
{
	(void)value, (void)arg, (void)err, (void)errlen;
	fk_log_set_level(
	    fk_log_level() < FK_LOG_INFO ? FK_LOG_INFO : FK_LOG_DEBUG);
	return 0;
}

static int
opt_config_file(void *value, const char *arg, char *err, size_t errlen)
{
	struct fk_args *a = value;

	(void)err, (void)errlen;
	fk_strv_push(&a->cfg_files, arg);
	return 0;
}

static int
opt_property(void *value, const char *arg, char *err, size_t errlen)
{
	struct fk_args *a = value;

	if (strcmp(arg, "list") == 0)
		a->list_config = 1;
	else if (fk_config_parse_arg(&a->cfg_args, arg, "-X", err, errlen) ==
	    -1)
		fk_errx(FK_EX_CONFIG, "-X: %s", err);
	return 0;
}

static int
opt_progress(void *value, const char *arg, char *err, size_t errlen)
{
	(void)arg, (void)err, (void)errlen;
	*(int *)value = 1;
	return 0;
}

static int
opt_no_progress(void *value, const char *arg, char *err, size_t errlen)
{
	(void)arg, (void)err, (void)errlen;
	*(int *)value = 0;
	return 0;
}

static int
opt_offset(void *value, const char *arg, char *err, size_t errlen)
{
	struct fk_args *a = value;

	return fk_kafka_offset_parse(arg, &a->start, &a->end, err, errlen);
}

void
fk_strv_push(struct fk_strv *sv, const char *s)
{
	sv->v = fk_xrealloc(sv->v, (sv->n + 1) * sizeof(*sv->v));
	sv->v[sv->n++] = s;
}

void
fk_strv_release(struct fk_strv *sv)
{
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

/* Store a checked number v in the option's value, of its C type. */
static void
store_number(const struct fk_option *o, long long v)
{
	switch (o->ctype) {
	case FK_CTYPE_INT:
		*(int *)o->value = (int)v;
		break;
	case FK_CTYPE_UINT:
		*(unsigned *)o->value = (unsigned)v;
		break;
	case FK_CTYPE_LONG:
		*(long *)o->value = (long)v;
		break;
	case FK_CTYPE_LLONG:
		*(long long *)o->value = v;
		break;
	case FK_CTYPE_ULONG:
		*(unsigned long *)o->value = (unsigned long)v;
		break;
	case FK_CTYPE_ULLONG:
		*(unsigned long long *)o->value = (unsigned long long)v;
		break;
	case FK_CTYPE_DOUBLE:
		*(double *)o->value = (double)v;
		break;
	}
}

/* Do what option o says with arg; "-x: message" on misuse. */
static void
apply(const struct fk_option *o, const char *arg)
{
	char err[1024];
	long long v = 0;
	int rc = 0;

	switch (o->kind) {
	case FK_OPTION_BOOL:
		*(int *)o->value = 1;
		break;
	case FK_OPTION_STRING:
		*(const char **)o->value = arg;
		break;
	case FK_OPTION_INT:
	case FK_OPTION_SIZE:
	case FK_OPTION_DURATION:
		rc = o->kind == FK_OPTION_INT
		    ? fk_num_int(arg, o->min, o->max, &v, err, sizeof(err))
		    : o->kind == FK_OPTION_SIZE
		    ? fk_num_size(arg, o->min, o->max, &v, err, sizeof(err))
		    : fk_num_duration(
		          arg, o->min, o->max, &v, err, sizeof(err));
		if (rc == 0)
			store_number(o, v);
		break;
	case FK_OPTION_DOUBLE:
		rc = fk_num_double(
		    arg, o->dmin, o->dmax, o->value, err, sizeof(err));
		break;
	case FK_OPTION_LIST:
		fk_strv_push(o->value, arg);
		break;
	case FK_OPTION_CALL:
		rc = o->call(o->value, arg, err, sizeof(err));
		break;
	case FK_OPTION_END:
		break;
	}
	if (rc == -1) {
		if (o->letter != 0)
			fk_usage("-%c: %s", o->letter, err);
		fk_usage("--%s: %s", o->name, err);
	}
	if (o->given != NULL)
		*o->given = o;
}

/* Whether the tool's table has an option with o's letter or name. */
static int
redefined(const struct fk_option *tool, const struct fk_option *o)
{
	for (const struct fk_option *t = tool;
	     t != NULL && t->kind != FK_OPTION_END; t++)
		if ((o->letter != 0 && t->letter == o->letter) ||
		    (o->name != NULL && t->name != NULL &&
		        strcmp(t->name, o->name) == 0))
			return 1;
	return 0;
}

/* opts, longopts and shortopts from the tables.  Every tool takes every
 * shared option, so that one that does not apply gets a clear message
 * (check_kind); --help shows those that apply.  A letter or name that
 * comes again in the shared table (-c, described twice) is parsed by its
 * first entry; one the tool's table shares with any other is a mistake,
 * but for a shared option that does not apply to the tool: the tool's
 * own takes its place (fk-lag's -G names groups to report on). */
static void
build(const struct fk_option *common, const struct fk_option *tool)
{
	const struct fk_option *const tables[] = { common, tool };
	size_t n = 0, nlong = 0, ns = 1;

	for (size_t t = 0; t < 2; t++)
		for (const struct fk_option *o = tables[t];
		     o != NULL && o->kind != FK_OPTION_END; o++)
			n++;
	opts = fk_xcalloc(n + 1, sizeof(*opts));
	longopts = fk_xcalloc(n + 1, sizeof(*longopts));
	shortopts = fk_xmalloc(2 * n + 2);
	shortopts[0] = ':'; /* ':' for a missing argument */
	for (size_t t = 0; t < 2; t++) {
		for (const struct fk_option *o = tables[t];
		     o != NULL && o->kind != FK_OPTION_END; o++) {
			int has_arg = o->arg != NULL, dup = 0;

			if (t == 0 && !applies(o) && redefined(tool, o))
				continue;
			if (o->letter != 0 &&
			    memchr(shortopts + 1, o->letter, ns - 1) != NULL)
				dup = 1;
			for (size_t i = 0; o->name != NULL && i < nlong; i++)
				if (strcmp(longopts[i].name, o->name) == 0)
					dup = 1;
			if (dup && t == 1)
				fk_errx(FK_EX_SOFTWARE,
				    "-%c/--%s is defined twice",
				    o->letter ? o->letter : '-',
				    o->name ? o->name : "");
			if (!dup && o->letter != 0) {
				shortopts[ns++] = (char)o->letter;
				if (has_arg)
					shortopts[ns++] = ':';
			}
			if (!dup && o->name != NULL)
				longopts[nlong++] = (struct option){ o->name,
					has_arg ? required_argument
					        : no_argument,
					NULL,
					o->letter != 0 ? o->letter
					               : 256 + (int)nopts };
			opts[nopts++] = o;
		}
		if (t == 0)
			ncommon = nopts;
	}
	shortopts[ns] = '\0';
}

static const struct fk_option *
find(int c)
{
	if (c >= 256)
		return opts[c - 256];
	for (size_t i = 0; i < nopts; i++)
		if (opts[i]->letter == c)
			return opts[i];
	return NULL;
}

static void
parse(int argc, char **argv)
{
	const struct fk_option *o;
	int c;

	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case ':':
			if (optopt != 0 && optopt < 256)
				fk_usage("option requires an argument -- '%c'",
				    optopt);
			fk_usage("option requires an argument: %s",
			    argv[optind - 1]);
		case '?':
			if (optopt != 0 && optopt < 256)
				fk_usage("unknown option -- '%c'", optopt);
			fk_usage("unknown option: %s", argv[optind - 1]);
		default:
			if ((o = find(c)) == NULL)
				fk_usage("unknown option");
			apply(o, optarg);
		}
	}
}

/* The producer is transactional with --eos only, and then its consumer
 * reads what is committed. */
static void
check_eos_config(const struct fk_args *a)
{
	for (size_t i = 0; i < a->cfg.n; i++) {
		const struct fk_kv *kv = &a->cfg.kv[i];

		if (strcmp(kv->key, "transactional.id") == 0)
			fk_errx(FK_EX_CONFIG,
			    "%s: transactional.id: set by --eos, from -G, the "
			    "tool and the instance, or by --transactional-id",
			    kv->origin);
		if (a->eos && strcmp(kv->key, "isolation.level") == 0 &&
		    strcmp(kv->value, "read_committed") != 0)
			fk_errx(FK_EX_CONFIG,
			    "%s: isolation.level: --eos reads committed "
			    "messages only",
			    kv->origin);
	}
}

/* A transaction open longer than transaction.timeout.ms is aborted by
 * the broker, and the producer fenced: --eos commits well before. */
static void
check_eos_interval(const struct fk_args *a)
{
	const char *v = fk_config_get(&a->cfg, "transaction.timeout.ms");
	long long t = 60000; /* librdkafka's default */
	char err[256];

	if (!a->eos ||
	    (v != NULL &&
	        fk_num_int(v, 1, INT32_MAX, &t, err, sizeof(err)) == -1))
		return;
	if (a->commit_interval_ms * 2 > t)
		fk_errx(FK_EX_CONFIG,
		    "auto.commit.interval.ms=%lld: --eos commits a transaction "
		    "that often, which must be well within "
		    "transaction.timeout.ms=%lld (half of it at most)",
		    a->commit_interval_ms, t);
}

/* A config file's pairs into cfg; where says where it was named. */
static void
load_file(struct fk_config *cfg, const char *path, const char *where)
{
	char err[1024];

	switch (fk_config_load(cfg, path, err, sizeof(err))) {
	case -1:
		fk_errx(FK_EX_CONFIG, "%s%s", where, err);
	case 1: /* a secret others may read: said, not refused */
		fk_warnx("%s", err);
		break;
	}
}

/* defaults < $FK_CONFIG < each -F < -b < each -X; after the command line,
 * so that -q and -v are known for what loading says. */
static void
load_config(struct fk_args *a)
{
	const char *env = getenv("FK_CONFIG"), *v;
	char err[1024];
	long long ms;

	fk_config_init(&a->cfg);
	if (env != NULL && *env != '\0')
		load_file(&a->cfg, env, "FK_CONFIG: ");
	for (size_t i = 0; i < a->cfg_files.n; i++)
		load_file(&a->cfg, a->cfg_files.v[i], "");
	if (a->brokers != NULL)
		fk_config_set(&a->cfg, "bootstrap.servers", a->brokers, "-b");
	fk_config_append(&a->cfg, &a->cfg_args);
	if (fk_kafka_config_check(&a->cfg, err, sizeof(err)) == -1)
		fk_errx(FK_EX_CONFIG, "%s", err);
	/* Offsets are committed by the runtime, after delivery. */
	for (size_t i = 0; i < a->cfg.n; i++)
		if ((strcmp(a->cfg.kv[i].key, "enable.auto.commit") == 0 ||
		        strcmp(a->cfg.kv[i].key, "enable.auto.offset.store") ==
		            0) &&
		    strcmp(a->cfg.kv[i].value, "false") != 0)
			fk_errx(FK_EX_CONFIG,
			    "%s: %s: offsets are committed after delivery; "
			    "it cannot be turned on",
			    a->cfg.kv[i].origin, a->cfg.kv[i].key);
	check_eos_config(a);
	if (a->brokers == NULL)
		a->brokers = fk_config_get(&a->cfg, "bootstrap.servers");
	if (a->brokers == NULL)
		a->brokers = fk_config_get(&a->cfg, "test.mock.num.brokers");
	if ((v = fk_config_get(&a->cfg, "auto.commit.interval.ms")) != NULL &&
	    fk_num_int(v, 0, 86400000, &ms, err, sizeof(err)) == 0)
		a->commit_interval_ms = ms;
	/* -vv: every pair and where it came from, secrets left out. */
	for (size_t i = 0; i < a->cfg.n; i++)
		fk_info(FK_LOG_DEBUG, "%s: %s=%s", a->cfg.kv[i].origin,
		    a->cfg.kv[i].key,
		    fk_config_shown(a->cfg.kv[i].key, a->cfg.kv[i].value));
	check_eos_interval(a);
}

/* Options that do not apply to a generator or a report tool. */
static void
check_kind(const struct fk_args *a)
{
	const char *bad = NULL;

	if (the_tool->flags & FK_TOOL_GENERATOR) {
		bad = a->nfiles > 0    ? "file operands"
		    : a->from != NULL  ? "--from"
		    : a->group != NULL ? "-G"
		    : a->exit_eof      ? "-e"
		    : a->start.kind != FK_OFF_NONE || a->end.kind != FK_OFF_NONE
		    ? "-o"
		    : a->max_line_set        ? "--max-line"
		    : a->reject_dest != NULL ? "--reject"
		    : a->strict              ? "--strict"
		    : a->eos                 ? "--eos"
		                             : NULL;
		if (bad != NULL)
			fk_usage("%s: this tool reads no input", bad);
	}
	if (the_tool->flags & FK_TOOL_REPORT) {
		bad = a->to != NULL   ? "--to"
		    : a->keyfield_set ? "-k"
		    : a->compression  ? "-z"
		    : a->eos          ? "--eos"
		                      : NULL;
		if (bad != NULL)
			fk_usage(
			    "%s: this tool writes a report, not records", bad);
	}
	if (the_tool->flags & FK_TOOL_ADMIN) {
		bad = a->nfiles > 0    ? "file operands"
		    : a->from != NULL  ? "--from"
		    : a->to != NULL    ? "--to"
		    : a->group != NULL ? "-G"
		    : a->exit_eof      ? "-e"
		    : a->start.kind != FK_OFF_NONE || a->end.kind != FK_OFF_NONE
		    ? "-o"
		    : a->max_records > 0     ? "-c"
		    : a->keyfield_set        ? "-k"
		    : a->compression         ? "-z"
		    : a->max_line_set        ? "--max-line"
		    : a->reject_dest != NULL ? "--reject"
		    : a->strict              ? "--strict"
		    : a->eos                 ? "--eos"
		                             : NULL;
		if (bad != NULL)
			fk_usage(
			    "%s: this tool reads and writes no records", bad);
	}
}

/* What the options say together; one clear error each. */
static void
check(const struct fk_args *a)
{
	int kafka_out = a->to != NULL ||
	    (a->reject_dest && strncmp(a->reject_dest, "kafka:", 6) == 0);

	check_kind(a);
	if (a->from != NULL && a->nfiles > 0)
		fk_usage("--from and input files cannot be used together");
	if ((a->from != NULL || kafka_out) && a->brokers == NULL)
		fk_usage("%s needs brokers: -b host:port or -X "
		         "bootstrap.servers=host:port",
		    a->from     ? "--from"
		        : a->to ? "--to"
		                : "--reject kafka:");
	if (a->from == NULL) {
		if (a->group != NULL)
			fk_usage("-G needs --from");
		if (a->exit_eof)
			fk_usage("-e needs --from");
		if (a->start.kind != FK_OFF_NONE || a->end.kind != FK_OFF_NONE)
			fk_usage("-o needs --from");
	}
	if (a->start.kind == FK_OFF_STORED && a->group == NULL)
		fk_usage("-o stored needs -G");
	if (a->compression != NULL && !kafka_out)
		fk_usage("-z needs --to or --reject kafka:TOPIC");
	if (a->metrics_addr != NULL && a->metrics_port < 0)
		fk_usage("--metrics-addr needs --metrics-port");
	if (a->metrics_interval_ms != 0 && a->metrics_file == NULL)
		fk_usage("--metrics-interval needs --metrics-file");
	if (a->txn_id != NULL && !a->eos)
		fk_usage("--transactional-id needs --eos");
	if (a->txn_id != NULL && *a->txn_id == '\0')
		fk_usage("--transactional-id: an empty id");
	if (a->eos && (a->from == NULL || a->to == NULL))
		fk_usage("--eos needs --from and --to: it commits what a stage "
		         "read with what it wrote");
	if (a->eos && a->group == NULL)
		fk_usage(
		    "--eos needs -G: the offsets committed with the output "
		    "are the group's");
}

void
fk_args_parse(
    struct fk_args *a, const struct fk_tool *tool, int argc, char **argv)
{
	const struct fk_option common[] = {
		FK_OPT_STRING('b', NULL, &a->brokers, "BROKERS",
		    "Kafka bootstrap servers, host:port[,...]"),
		{ .kind = FK_OPTION_INT,
		    .letter = 'c',
		    .arg = "N",
		    .help = "stop after N input records",
		    .value = &a->max_records,
		    .ctype = FK_CTYPE_LLONG,
		    .min = 1,
		    .max = INT64_MAX,
		    .only = FK_OPT_INPUT },
		{ .kind = FK_OPTION_INT,
		    .letter = 'c',
		    .arg = "N",
		    .help = "stop after N records",
		    .value = &a->max_records,
		    .ctype = FK_CTYPE_LLONG,
		    .min = 1,
		    .max = INT64_MAX,
		    .only = FK_OPT_GENERATOR },
		{ .kind = FK_OPTION_BOOL,
		    .letter = 'e',
		    .help = "exit when every partition is at its end (--from)",
		    .value = &a->exit_eof,
		    .only = FK_OPT_INPUT },
		FK_OPT_CALL('F', NULL, a, opt_config_file, "FILE",
		    "read librdkafka configuration from FILE"),
		{ .kind = FK_OPTION_STRING,
		    .letter = 'G',
		    .arg = "GROUP",
		    .help = "consume as a member of consumer group GROUP",
		    .value = &a->group,
		    .only = FK_OPT_INPUT },
		FK_OPT_CALL('h', "help", NULL, opt_help, NULL,
		    "print this help and exit"),
		{ .kind = FK_OPTION_STRING,
		    .letter = 'k',
		    .arg = "FIELD",
		    .help = "key output messages by FIELD (default user_id)",
		    .value = &a->keyfield,
		    .only = FK_OPT_RECORDS },
		{ .kind = FK_OPTION_CALL,
		    .letter = 'o',
		    .arg = "OFFSET",
		    .help = "start at beginning, end, stored, N, -N or s@MS;\n"
		            "stop before e@MS (repeatable)",
		    .value = a,
		    .call = opt_offset,
		    .only = FK_OPT_INPUT },
		FK_OPT_CALL(
		    'q', NULL, NULL, opt_quiet, NULL, "print errors only"),
		FK_OPT_CALL('V', "version", NULL, opt_version, NULL,
		    "print the version and exit"),
		FK_OPT_CALL('v', NULL, NULL, opt_verbose, NULL,
		    "print a summary at exit; twice: debug"),
		FK_OPT_CALL('X', NULL, a, opt_property, "KEY=VALUE",
		    "set a librdkafka property; -X list lists them"),
		{ .kind = FK_OPTION_STRING,
		    .letter = 'z',
		    .arg = "CODEC",
		    .help = "compress output: none, gzip, snappy, lz4, zstd",
		    .value = &a->compression,
		    .only = FK_OPT_RECORDS },
		{ .kind = FK_OPTION_BOOL,
		    .name = "eos",
		    .help = "exactly once: output and offsets committed in "
		            "one\nKafka transaction (with --from, -G, --to)",
		    .value = &a->eos,
		    .only = FK_OPT_FILTER },
		{ .kind = FK_OPTION_STRING,
		    .name = "from",
		    .arg = "TOPIC",
		    .help = "read records from a Kafka topic",
		    .value = &a->from,
		    .only = FK_OPT_INPUT },
		{ .kind = FK_OPTION_SIZE,
		    .name = "max-line",
		    .arg = "SIZE",
		    .help = "reject lines longer than SIZE (default 1M)",
		    .value = &a->max_line,
		    .ctype = FK_OPT_CTYPE(&a->max_line),
		    .min = 16,
		    .max = 1LL << 30,
		    .only = FK_OPT_INPUT },
		/* The runtime's: not for a tool with a main of its own. */
		{ .kind = FK_OPTION_STRING,
		    .name = "metrics-addr",
		    .arg = "ADDR",
		    .help = "serve --metrics-port on ADDR (default 127.0.0.1)",
		    .value = &a->metrics_addr,
		    .only = FK_OPT_INPUT | FK_OPT_GENERATOR },
		{ .kind = FK_OPTION_STRING,
		    .name = "metrics-file",
		    .arg = "PATH",
		    .help = "write Prometheus metrics to PATH, atomically",
		    .value = &a->metrics_file,
		    .only = FK_OPT_INPUT | FK_OPT_GENERATOR },
		{ .kind = FK_OPTION_DURATION,
		    .name = "metrics-interval",
		    .arg = "TIME",
		    .help = "write --metrics-file every TIME (default 10s)",
		    .value = &a->metrics_interval_ms,
		    .ctype = FK_OPT_CTYPE(&a->metrics_interval_ms),
		    .min = 100,
		    .max = 86400000,
		    .only = FK_OPT_INPUT | FK_OPT_GENERATOR },
		{ .kind = FK_OPTION_INT,
		    .name = "metrics-port",
		    .arg = "PORT",
		    .help = "serve Prometheus metrics over HTTP on PORT",
		    .value = &a->metrics_port,
		    .ctype = FK_OPT_CTYPE(&a->metrics_port),
		    .min = 0,
		    .max = 65535,
		    .only = FK_OPT_INPUT | FK_OPT_GENERATOR },
		{ .kind = FK_OPTION_CALL,
		    .name = "no-progress",
		    .help = "no progress line, even on a terminal",
		    .value = &a->progress,
		    .call = opt_no_progress,
		    .only = FK_OPT_INPUT | FK_OPT_GENERATOR },
		{ .kind = FK_OPTION_CALL,
		    .name = "progress",
		    .help = "show progress on stderr, even if not a terminal",
		    .value = &a->progress,
		    .call = opt_progress,
		    .only = FK_OPT_INPUT | FK_OPT_GENERATOR },
		{ .kind = FK_OPTION_STRING,
		    .name = "reject",
		    .arg = "DEST",
		    .help = "write rejects to DEST: a file, - or kafka:TOPIC",
		    .value = &a->reject_dest,
		    .only = FK_OPT_INPUT },
		{ .kind = FK_OPTION_BOOL,
		    .name = "strict",
		    .help = "stop at the first bad record",
		    .value = &a->strict,
		    .only = FK_OPT_INPUT },
		{ .kind = FK_OPTION_STRING,
		    .name = "to",
		    .arg = "TOPIC",
		    .help = "write records to a Kafka topic",
		    .value = &a->to,
		    .only = FK_OPT_RECORDS },
		{ .kind = FK_OPTION_STRING,
		    .name = "transactional-id",
		    .arg = "ID",
		    .help = "--eos's transactional.id (default: see fk(7))",
		    .value = &a->txn_id,
		    .only = FK_OPT_FILTER },
		FK_OPT_END(),
	};

	the_tool = tool;
	memset(a, 0, sizeof(*a));
	a->commit_interval_ms = 1000;
	a->metrics_port = -1;
	a->progress = -1;
	fk_config_init(&a->cfg_args);
	build(common, tool->options);
	parse(argc, argv);
	free(opts);
	free(longopts);
	free(shortopts);
	opts = NULL;
	longopts = NULL;
	shortopts = NULL;
	nopts = 0;
	if (a->list_config) {
		fk_kafka_config_list(stdout);
		exit_printed();
	}
	a->keyfield_set = a->keyfield != NULL;
	if (a->keyfield == NULL)
		a->keyfield = "user_id";
	a->max_line_set = a->max_line != 0;
	if (a->max_line == 0)
		a->max_line = DEFAULT_MAX_LINE;
	a->files = argv + optind;
	a->nfiles = argc - optind;
	load_config(a);
	check(a);
	if (a->metrics_interval_ms == 0)
		a->metrics_interval_ms = 10000;
}

void
fk_args_release(struct fk_args *a)
{
	fk_config_release(&a->cfg);
	fk_strv_release(&a->cfg_files);
	fk_config_release(&a->cfg_args);
}
