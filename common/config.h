/* Configuration as ordered key=value pairs: later pairs win.  Library
 * module: never prints, never exits.
 * Precedence (STYLE.md): defaults < $FK_CONFIG < each -F < each -X; the
 * runtime collects them during option parsing and appends in that order. */
#ifndef FK_CONFIG_H
#define FK_CONFIG_H

#include <stddef.h>

struct fk_kv {
	char *key;
	char *value;
	char *origin; /* "-X" or "path:line", for messages */
};

/* Owns every string in kv. */
struct fk_config {
	struct fk_kv *kv;
	size_t n, cap;
};

void fk_config_init(struct fk_config *cfg);
void fk_config_release(struct fk_config *cfg);

/* Append a pair; copies all three strings. */
void fk_config_set(struct fk_config *cfg, const char *key, const char *value,
    const char *origin);

/* Append "key=value" as given to -X.  Returns -1 with a message when it has
 * no '=' or an empty key. */
int fk_config_parse_arg(struct fk_config *cfg, const char *arg,
    const char *origin, char *err, size_t errlen);

/* Append the pairs of a config file: key=value lines, '#' comments, blank
 * lines, white space around key and value ignored.  Returns -1 with
 * "path: strerror" or "path:line: message" in err; 0; or 1, the pairs
 * appended all the same, with a warning in err when the file is a regular
 * file that holds a secret (fk_config_is_secret) and that its group or
 * anyone may read, as ssh warns of a private key. */
int fk_config_load(
    struct fk_config *cfg, const char *path, char *err, size_t errlen);

/* Append all of src's pairs to dst, in order. */
void fk_config_append(struct fk_config *dst, const struct fk_config *src);

/* The value the last pair for key gives, or NULL; borrowed. */
const char *fk_config_get(const struct fk_config *cfg, const char *key);

/* Whether key names a secret: a key with "password", "secret" or "jaas"
 * in its name (in any case), ssl.key.pem or sasl.oauthbearer.config. */
int fk_config_is_secret(const char *key);

/* What a message may show of key's value: value, or FK_CONFIG_REDACTED
 * when key is a secret; borrowed. */
#define FK_CONFIG_REDACTED "[redacted]"
const char *fk_config_shown(const char *key, const char *value);

#endif
