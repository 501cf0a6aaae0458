/* fk-rules(5): a rule set parsed, checked and compiled, evaluated
 * against one record's fields.  Library module: never prints, never
 * exits. */
#ifndef FK_RULES_H
#define FK_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "fields.h"
#include "jpath.h"

struct fk_rules;

/* What fk-score writes about a rule; everything is owned by the set. */
struct fk_rule_info {
	const char *id;
	double weight;
	const char *reason;
	const char *severity; /* "low", "medium", "high", "critical", or NULL */
	const char *const *tags;
	size_t ntags;
	const size_t *slots; /* the fields the rule reads, in order of first
			      * use, each once: their values go into reasons */
	size_t nslots;
	const char *file; /* where it is defined; borrowed from the set */
	long line;
};

/* A new empty set whose fields are added to paths (borrowed; it must
 * outlive the set).  fk_rules_free frees it. */
struct fk_rules *fk_rules_new(struct fk_jpath *paths);
void fk_rules_free(struct fk_rules *rs);

/* Parse text[0..len) named name (a file name, for messages) and add its
 * rules.  0, or -1 with the first error in err:
 *   "rules.conf:3:17: unknown function 'start_with'\n"
 *   "    rule x: start_with(ip, \"10.\") => 0.5 \"...\"\n"
 *   "            ^\n"
 * (the line as written, tabs kept, then a caret under the column); the
 * set is unusable after an error.  A rule id defined in an earlier text
 * is an error too. */
int fk_rules_parse(struct fk_rules *rs, const char *name, const char *text,
    size_t len, char *err, size_t errlen);

/* Read FILE and fk_rules_parse it; a file that cannot be read gives
 * "FILE: strerror". */
int fk_rules_load(
    struct fk_rules *rs, const char *file, char *err, size_t errlen);

size_t fk_rules_count(const struct fk_rules *rs);
const struct fk_rule_info *fk_rules_info(const struct fk_rules *rs, size_t i);

/* The normalized text of the whole set (every rule in canonical form,
 * one a line, in order) and its SHA-256 in hex (64 characters); both
 * borrowed, valid until the set changes. */
const char *fk_rules_text(struct fk_rules *rs);
const char *fk_rules_hash(struct fk_rules *rs);

/* Evaluate every rule against f: the indices of the rules that fired
 * (their condition true, neither false nor unknown) go into fired[] (room
 * for fk_rules_count), in rule order; returns how many.  Counts per rule
 * as it goes. */
size_t fk_rules_eval(struct fk_rules *rs, struct fk_fields *f, uint32_t *fired);

/* Per rule since the set was made: records it fired on, records where a
 * comparison or function met a missing field, or a value of the wrong
 * type. */
struct fk_rule_counts {
	unsigned long long evaluated, fired, missing, mistyped;
};
void fk_rules_counts(
    const struct fk_rules *rs, size_t i, struct fk_rule_counts *c);

#endif
