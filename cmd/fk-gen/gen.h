/* fk-gen's simulation: a population of users, merchants and terminals,
 * their transactions in event-time order, and fraud scenarios mixed in
 * with labels.  Deterministic: the same options give the same records. */
#ifndef FK_GEN_H
#define FK_GEN_H

#include <stddef.h>
#include <stdint.h>

enum fk_gen_scenario {
	FK_GEN_BURST,
	FK_GEN_TRAVEL,
	FK_GEN_HIGHVALUE,
	FK_GEN_BLOCKLIST,
	FK_GEN_TAKEOVER,
	FK_GEN_TERMINAL,
	FK_GEN_CARD,
	FK_GEN_NSCENARIOS
};

struct fk_gen_opts {
	uint64_t seed;
	long users, merchants; /* merchants 0: half the users */
	int64_t start_ms;      /* first instant of the simulation */
	int64_t days;          /* length; 0: no end */
	int64_t disorder_ms;
	/* Chance that one legitimate transaction starts an incident of
	 * each scenario; 0 turns it off. */
	double rate[FK_GEN_NSCENARIOS];
};

/* One record; its memory is the generator's, valid until the next call. */
struct fk_gen_rec {
	const char *data; /* one JSON object, no newline */
	size_t len;
	const char *user; /* the user_id, for the message key */
	size_t userlen;
	int64_t ts_ms; /* event time */
};

struct fk_gen;

/* The scenario's name ("burst"), and back (-1 if unknown). */
const char *fk_gen_scenario_name(int s);
int fk_gen_scenario_find(const char *name, size_t len);
/* The default chance of each scenario. */
double fk_gen_default_rate(int s);

/* Defaults: 1000 users, 500 merchants (half the users), seed 1, 1 day from
 * 2024-11-01T00:00:00Z, every scenario at its default rate. */
void fk_gen_opts_init(struct fk_gen_opts *o);

/* Parse --fraud: "none", or NAME[=RATE],... (a name alone takes its
 * default rate); the scenarios not named are turned off.  Returns 0, or
 * -1 with a message in err. */
int fk_gen_fraud_parse(
    struct fk_gen_opts *o, const char *spec, char *err, size_t errlen);

/* Build the population; new generator, fk_gen_free() it.  NULL with a
 * message in err when the options make no population. */
struct fk_gen *fk_gen_new(
    const struct fk_gen_opts *o, char *err, size_t errlen);
void fk_gen_free(struct fk_gen *g);

/* The next record in emission order: 1, or 0 when the simulation has
 * ended.  stamp_ms > 0 replaces the event time in the record (--rate). */
int fk_gen_next(struct fk_gen *g, int64_t stamp_ms, struct fk_gen_rec *r);

/* Write the blocklists into dir (created if missing): users.txt,
 * devices.txt, ips.txt, one value a line.  Returns 0, or -1 with a
 * message in err. */
int fk_gen_write_lists(
    const struct fk_gen *g, const char *dir, char *err, size_t errlen);

/* Records written so far: all, and fraudulent ones per scenario. */
long long fk_gen_count(const struct fk_gen *g);
long long fk_gen_fraud_count(const struct fk_gen *g, int s);

#endif
