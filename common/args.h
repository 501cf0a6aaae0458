/* The command line.  Each tool's options are one table, as git's
 * parse-options has them: letter, long name, argument, help text and what
 * to do with the value; --help and the parser are made from it.  The
 * options every tool shares, the configuration they load and the checks
 * of what they say together live here too.  Runtime module: misuse
 * prints the usage and exits 64. */
#ifndef FK_ARGS_H
#define FK_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "kafka.h"
#include "log.h"

struct fk_tool;

/* What an option does with its argument. */
enum fk_opt_kind {
	FK_OPTION_END,
	FK_OPTION_BOOL,     /* int: set to 1 */
	FK_OPTION_STRING,   /* const char *: the argument, borrowed */
	FK_OPTION_INT,      /* a number: fk_num_int in [min, max] */
	FK_OPTION_SIZE,     /* a number of bytes: fk_num_size */
	FK_OPTION_DURATION, /* milliseconds: fk_num_duration */
	FK_OPTION_DOUBLE,   /* double: fk_num_double in [dmin, dmax] */
	FK_OPTION_LIST,     /* struct fk_strv: each argument, in order */
	FK_OPTION_CALL,     /* call(value, arg, err, errlen) */
};

/* A repeatable option's arguments in order: v is owned, the strings
 * borrowed from argv. */
struct fk_strv {
	const char **v;
	size_t n;
};

void fk_strv_push(struct fk_strv *sv, const char *s);
void fk_strv_release(struct fk_strv *sv);

/* The C type of a number's value (FK_OPT_CTYPE picks it). */
enum fk_opt_ctype {
	FK_CTYPE_INT,
	FK_CTYPE_UINT,
	FK_CTYPE_LONG,
	FK_CTYPE_LLONG,
	FK_CTYPE_ULONG,
	FK_CTYPE_ULLONG,
	FK_CTYPE_DOUBLE,
};

/* Common options that apply to some kinds of tool only (fk_option.only). */
#define FK_OPT_INPUT 0x1     /* tools that read input */
#define FK_OPT_RECORDS 0x2   /* tools that write records, not a report */
#define FK_OPT_GENERATOR 0x4 /* generators */
#define FK_OPT_ADMIN 0x8     /* tools that read and write no records */
#define FK_OPT_FILTER 0x10   /* tools that read input and write records */

struct fk_option {
	enum fk_opt_kind kind;
	int letter;       /* 'm' for -m, or 0 */
	const char *name; /* "model" for --model, or NULL */
	const char *arg;  /* "FILE" as --help shows it; NULL: takes none */
	const char *help; /* --help's text; each '\n' starts a line */
	void *value;      /* where the value goes; borrowed */
	int ctype;        /* numbers: the value's C type */
	long long min, max;
	double dmin, dmax;
	/* FK_OPTION_CALL: 0, or -1 with a message for "-x: message". */
	int (*call)(void *value, const char *arg, char *err, size_t errlen);
	unsigned only; /* FK_OPT_INPUT, ...; 0: every tool */
	/* If not NULL, set to this option when it is given: for "--x needs
	 * --y" checks. */
	const struct fk_option **given;
};

/* A compile-time check that v points to type t, and the C type of a
 * number's value.  (cppcheck 2.10 cannot parse _Generic: make lint
 * defines __CPPCHECK__.) */
#ifndef __CPPCHECK__
#define FK_OPT_PTR(t, v) _Generic((v), t : (v))
#define FK_OPT_CTYPE(v)                                                        \
	_Generic((v), int *: FK_CTYPE_INT, unsigned *: FK_CTYPE_UINT,          \
	    long *: FK_CTYPE_LONG, long long *: FK_CTYPE_LLONG,                \
	    unsigned long *: FK_CTYPE_ULONG,                                   \
	    unsigned long long *: FK_CTYPE_ULLONG, double *: FK_CTYPE_DOUBLE)
#else
#define FK_OPT_PTR(t, v) (v)
#define FK_OPT_CTYPE(v) FK_CTYPE_INT
#endif

#define FK_OPT_BOOL(l, n, v, h)                                                \
	{                                                                      \
		.kind = FK_OPTION_BOOL, .letter = (l), .name = (n),            \
		.help = (h), .value = FK_OPT_PTR(int *, v)                     \
	}
#define FK_OPT_STRING(l, n, v, a, h)                                           \
	{                                                                      \
		.kind = FK_OPTION_STRING, .letter = (l), .name = (n),          \
		.arg = (a), .help = (h), .value = FK_OPT_PTR(const char **, v) \
	}
#define FK_OPT_NUMBER(k, l, n, v, lo, hi, a, h)                                \
	{                                                                      \
		.kind = (k), .letter = (l), .name = (n), .arg = (a),           \
		.help = (h), .value = (v), .ctype = FK_OPT_CTYPE(v),           \
		.min = (lo), .max = (hi)                                       \
	}
#define FK_OPT_INT(l, n, v, lo, hi, a, h)                                      \
	FK_OPT_NUMBER(FK_OPTION_INT, l, n, v, lo, hi, a, h)
#define FK_OPT_SIZE(l, n, v, lo, hi, a, h)                                     \
	FK_OPT_NUMBER(FK_OPTION_SIZE, l, n, v, lo, hi, a, h)
#define FK_OPT_DURATION(l, n, v, lo, hi, a, h)                                 \
	FK_OPT_NUMBER(FK_OPTION_DURATION, l, n, v, lo, hi, a, h)
#define FK_OPT_DOUBLE(l, n, v, lo, hi, a, h)                                   \
	{                                                                      \
		.kind = FK_OPTION_DOUBLE, .letter = (l), .name = (n),          \
		.arg = (a), .help = (h), .value = FK_OPT_PTR(double *, v),     \
		.dmin = (lo), .dmax = (hi)                                     \
	}
#define FK_OPT_LIST(l, n, v, a, h)                                             \
	{                                                                      \
		.kind = FK_OPTION_LIST, .letter = (l), .name = (n),            \
		.arg = (a), .help = (h),                                       \
		.value = FK_OPT_PTR(struct fk_strv *, v)                       \
	}
#define FK_OPT_CALL(l, n, v, fn, a, h)                                         \
	{                                                                      \
		.kind = FK_OPTION_CALL, .letter = (l), .name = (n),            \
		.arg = (a), .help = (h), .value = (v), .call = (fn)            \
	}
#define FK_OPT_END()                                                           \
	{                                                                      \
		.kind = FK_OPTION_END                                          \
	}

/* What the options every tool shares say, with the configuration. */
struct fk_args {
	const char *brokers, *group, *from, *to, *keyfield, *compression;
	const char *reject_dest;
	struct fk_offspec start, end;
	int exit_eof, strict, max_line_set, keyfield_set, list_config;
	long long max_records;
	size_t max_line;
	long long commit_interval_ms; /* auto.commit.interval.ms */
	/* --metrics-file, --metrics-addr (NULL: not given); the interval
	 * (ms); --metrics-port (-1: not given). */
	const char *metrics_file, *metrics_addr;
	long long metrics_interval_ms;
	int metrics_port;
	int progress; /* --progress 1, --no-progress 0, neither -1 */
	/* --eos, and its --transactional-id (NULL: made from -G, the tool
	 * and the instance) */
	int eos;
	const char *txn_id;
	/* defaults < $FK_CONFIG < each -F (cfg_files, loaded after the
	 * command line is read) < -b < each -X */
	struct fk_config cfg, cfg_args;
	struct fk_strv cfg_files;
	char **files; /* the operands; borrowed from argv */
	int nfiles;
};

/* Parse argv for tool: its options table and the shared ones, then load
 * the configuration and check what the options say together.  -h, -V and
 * -X list print and exit 0; misuse exits 64, a bad configuration 78. */
void fk_args_parse(
    struct fk_args *a, const struct fk_tool *tool, int argc, char **argv);
void fk_args_release(struct fk_args *a);

/* Print "prog: message" and the usage line on stderr; exit 64. */
FK_NORETURN FK_PRINTF(1, 2) void fk_usage(const char *fmt, ...);

#endif
