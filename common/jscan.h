/* A validating single-pass scanner for one JSON object (one NDJSON line):
 * it checks the whole text and returns the byte spans of the top-level
 * members, so that a stage can copy a record through and rewrite or add
 * only the members it owns, without building a tree.  Library module:
 * never prints, never exits.
 *
 * It is deliberately strict: where it answers -1 the caller falls back to
 * a full parser (jansson) for the exact message, so it must never accept
 * text that is not JSON.
 *
 * Which JSON code serves what, in every tool:
 *   - records (a stream's NDJSON lines, in and out, per record): this
 *     scanner, jpath.h for the members below the top level, and jbuf.h
 *     to write; never a tree per record;
 *   - everything else: files read once (models, configuration, lists
 *     in JSON), reports and summaries written once, reject envelopes,
 *     and the exact message for a record this scanner refused (and
 *     fkcat-in's slow path for input that is not yet a record):
 *     jansson. */
#ifndef FK_JSCAN_H
#define FK_JSCAN_H

#include <stddef.h>
#include <stdint.h>

enum fk_jtype {
	FK_J_STRING,
	FK_J_NUMBER,
	FK_J_OBJECT,
	FK_J_ARRAY,
	FK_J_TRUE,
	FK_J_FALSE,
	FK_J_NULL,
};

/* A top-level member; every pointer points into the scanned text. */
struct fk_jmember {
	const char *key; /* between the quotes, escapes not decoded */
	size_t keylen;
	const char *val; /* the value as written: "..." with its quotes */
	size_t vallen;
	enum fk_jtype type;
	unsigned escaped : 1;     /* a string value holds backslash escapes */
	unsigned integer : 1;     /* a number without fraction or exponent */
	unsigned key_escaped : 1; /* the key holds backslash escapes */
};

/* Owns m; reused across calls. */
struct fk_jobj {
	struct fk_jmember *m;
	size_t n, cap;
	size_t longest; /* bytes of the longest string anywhere, as written */
	int duplicates; /* two top-level members have the same key */
	int bigexp;     /* a number anywhere has an exponent of 5 or more
	                 * digits (1e10000): beyond PostgreSQL's numeric */
};

void fk_jobj_init(struct fk_jobj *o);
void fk_jobj_release(struct fk_jobj *o);

/* Scan s[0..len): white space, one object, white space.  Strings must be
 * valid UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF) without raw control characters, with valid escapes (\u0000
 * is refused, surrogate escapes must pair); numbers follow the JSON
 * grammar; nesting is limited to 64 levels.  Returns 0, or -1 with a
 * message "column N: ..." (1-based byte column) in err. */
int fk_jscan(
    struct fk_jobj *o, const char *s, size_t len, char *err, size_t errlen);

/* Scan s[0..len) as fk_jscan does, but for one array: o gets its
 * elements in order, as members without a key (key NULL, keylen 0), so
 * that a value found in a record can be walked without a tree.  0, or
 * -1 with a message as fk_jscan's. */
int fk_jscan_array(
    struct fk_jobj *o, const char *s, size_t len, char *err, size_t errlen);

/* The member named key (no escapes in key), or NULL; the last one when a
 * key repeats. */
const struct fk_jmember *fk_jobj_get(const struct fk_jobj *o, const char *key);

/* Whether a member's key equals key[0..len) (plain bytes), decoding the
 * member's escapes if it has any. */
int fk_jmember_key_is(const struct fk_jmember *m, const char *key, size_t len);

/* Decode the content of a string fk_jscan accepted (s[0..len), between
 * the quotes) into out, which has room for len bytes (decoding never
 * lengthens); returns the decoded length. */
size_t fk_jstr_decode(const char *s, size_t len, char *out);

/* Scan a record as fk_jscan does and find every path of t (jpath.h) in
 * the same pass: out[slot] (fk_jpath_count entries) gets the value's
 * member, or val == NULL when the path is absent or goes through a value
 * that is not an object.  A repeated key: the last one counts, as in
 * fk_jobj_get.  The key of a nested member is not kept (key NULL).  0,
 * or -1 with a message as fk_jscan's. */
struct fk_jpath;
int fk_jscan_paths(struct fk_jpath *t, struct fk_jobj *o, const char *s,
    size_t len, struct fk_jmember *out, char *err, size_t errlen);

/* A member as a Kafka message key: a string (decoded into buf, of
 * buflen bytes, when it has escapes) or an integer as written.  1 with
 * *key, *keylen (borrowed), or 0 for anything else. */
int fk_jmember_key(const struct fk_jmember *m, char *buf, size_t buflen,
    const char **key, size_t *keylen);

/* A member that is a whole number of up to 15 digits (a ts_ms): 1 with
 * *v, or 0. */
int fk_jmember_int(const struct fk_jmember *m, int64_t *v);

/* A fraud label: 1 from true, 1 or "1"; 0 from false, 0 or "0" (a CSV
 * column comes as a string); -1 from anything else. */
int fk_jmember_label(const struct fk_jmember *m);

#endif
