#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		snprintf(err, errlen, "expected key=value, got \"%s\"", arg);
		free(copy);
		return -1;
	}
	fk_config_set(cfg, key, value, origin);
	free(copy);
	return 0;
}

int
fk_config_load(
    struct fk_config *cfg, const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL, *p, *key, *value, origin[1024];
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
	}
	if (rc == 0 && ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
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
