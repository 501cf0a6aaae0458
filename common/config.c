#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xalloc.h"
#include "banned.h"

void
fk_config_init(struct fk_config *cfg)
{
	cfg->kv = NULL;
	cfg->n = cfg->cap = 0;
}

void
fk_config_release(struct fk_config *cfg)
{
	for (size_t i = 0; i < cfg->n; i++) {
		free(cfg->kv[i].key);
		free(cfg->kv[i].value);
		free(cfg->kv[i].origin);
	}
	free(cfg->kv);
	fk_config_init(cfg);
}

void
fk_config_set(struct fk_config *cfg, const char *key, const char *value,
    const char *origin)
{
	if (cfg->n == cfg->cap) {
		cfg->cap = cfg->cap ? 2 * cfg->cap : 16;
		cfg->kv = fk_xrealloc(cfg->kv, cfg->cap * sizeof(*cfg->kv));
	}
	cfg->kv[cfg->n].key = fk_xstrdup(key);
	cfg->kv[cfg->n].value = fk_xstrdup(value);
	cfg->kv[cfg->n].origin = fk_xstrdup(origin);
	cfg->n++;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Split s at its first '=' into trimmed key and value, in place. */
static int
split_kv(char *s, char **key, char **value, int trim)
{
	char *eq = strchr(s, '='), *end;

	if (eq == NULL)
		return -1;
	*eq = '\0';
	*key = s;
	*value = eq + 1;
	if (trim) {
		while (is_space(**key))
			(*key)++;
		end = eq;
		while (end > *key && is_space(end[-1]))
			*--end = '\0';
		while (is_space(**value))
			(*value)++;
		end = *value + strlen(*value);
		while (end > *value && is_space(end[-1]))
			*--end = '\0';
	}
	return **key == '\0' ? -1 : 0;
}

int
fk_config_parse_arg(struct fk_config *cfg, const char *arg, const char *origin,
    char *err, size_t errlen)
{
	char *copy = fk_xstrdup(arg), *key, *value;

	if (split_kv(copy, &key, &value, 0) == -1) {
		/* Without a key, what follows '=' may be a secret. */
		if (strchr(arg, '=') != NULL)
			snprintf(err, errlen, "expected key=value, got no key");
		else
			snprintf(
			    err, errlen, "expected key=value, got \"%s\"", arg);
		free(copy);
		return -1;
	}
	fk_config_set(cfg, key, value, origin);
	free(copy);
	return 0;
}

/* Does s hold word, in any case? */
static int
has_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	for (; *s != '\0'; s++) {
		size_t i = 0;

		while (i < n && s[i] != '\0' &&
		    tolower((unsigned char)s[i]) == word[i])
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

int
fk_config_is_secret(const char *key)
{
	/* librdkafka's sensitive properties, and whatever another client's
	 * file calls a password or a secret (sasl.jaas.config holds one). */
	return has_word(key, "password") || has_word(key, "secret") ||
	    has_word(key, "jaas") || strcmp(key, "ssl.key.pem") == 0 ||
	    strcmp(key, "sasl.oauthbearer.config") == 0;
}

const char *
fk_config_shown(const char *key, const char *value)
{
	return fk_config_is_secret(key) ? FK_CONFIG_REDACTED : value;
}

/* 1 with a warning in err when the secret file fp is not the owner's
 * alone; else 0.  A pipe (-F <(pass show kafka)) is nobody else's. */
static int
exposed(
    FILE *fp, const char *path, const char *secret, char *err, size_t errlen)
{
	struct stat st;
	mode_t mode;

	if (fstat(fileno(fp), &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & (S_IRGRP | S_IROTH)) == 0)
		return 0;
	mode = st.st_mode & 07777;
	snprintf(err, errlen,
	    "%s: %s can read the %s it holds (mode %04o); chmod 600 %s", path,
	    (mode & S_IROTH) ? "anyone" : "its group", secret, (unsigned)mode,
	    path);
	return 1;
}

int
fk_config_load(
    struct fk_config *cfg, const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL, *p, *key, *value, origin[1024], *secret = NULL;
	size_t cap = 0;
	long long lineno = 0;
	int rc = 0;

	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, fp) != -1) {
		lineno++;
		p = line;
		while (is_space(*p))
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		if (split_kv(p, &key, &value, 1) == -1) {
			snprintf(err, errlen, "%s:%lld: expected key=value",
			    path, lineno);
			rc = -1;
			break;
		}
		snprintf(origin, sizeof(origin), "%s:%lld", path, lineno);
		fk_config_set(cfg, key, value, origin);
		if (secret == NULL && fk_config_is_secret(key))
			secret = fk_xstrdup(key);
	}
	if (rc == 0 && ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && secret != NULL)
		rc = exposed(fp, path, secret, err, errlen);
	free(secret);
	free(line);
	fclose(fp);
	return rc;
}

void
fk_config_append(struct fk_config *dst, const struct fk_config *src)
{
	for (size_t i = 0; i < src->n; i++)
		fk_config_set(
		    dst, src->kv[i].key, src->kv[i].value, src->kv[i].origin);
}

const char *
fk_config_get(const struct fk_config *cfg, const char *key)
{
	for (size_t i = cfg->n; i-- > 0;)
		if (strcmp(cfg->kv[i].key, key) == 0)
			return cfg->kv[i].value;
	return NULL;
}
