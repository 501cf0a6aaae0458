/* libFuzzer: a configuration file (-F, $FK_CONFIG) read by config.c from
 * a memory file, and each of its lines given to -X: no crash, no
 * sanitizer report, and what is read is what config.h says: keys not
 * empty, without '=' or white space around, the last pair of a key the
 * one fk_config_get gives. */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
check(const struct fk_config *cfg, int trimmed)
{
	for (size_t i = 0; i < cfg->n; i++) {
		const struct fk_kv *kv = &cfg->kv[i];
		size_t kl = strlen(kv->key), vl = strlen(kv->value);
		size_t last = i;

		if (kl == 0 || strchr(kv->key, '=') != NULL)
			abort();
		if (trimmed &&
		    (is_space(kv->key[0]) || is_space(kv->key[kl - 1]) ||
		        (vl > 0 &&
		            (is_space(kv->value[0]) ||
		                is_space(kv->value[vl - 1])))))
			abort();
		for (size_t j = i + 1; j < cfg->n; j++)
			if (strcmp(cfg->kv[j].key, kv->key) == 0)
				last = j;
		if (fk_config_get(cfg, kv->key) != cfg->kv[last].value)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static int fd = -1;
	static char path[64];
	struct fk_config file, args, all;
	const char *p = (const char *)data, *end = p + len, *nl;
	char err[1024], *line;
	size_t n;

	if (fd == -1) {
		fd = memfd_create("fuzz-config", 0);
		if (fd == -1)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) == -1 ||
	    (len > 0 && pwrite(fd, data, len, 0) != (ssize_t)len))
		abort();
	fk_config_init(&file);
	fk_config_init(&args);
	fk_config_init(&all);
	err[0] = '\0';
	if (fk_config_load(&file, path, err, sizeof(err)) == 0)
		check(&file, 1);
	else if (err[0] == '\0')
		abort();
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		line = malloc(n + 1);
		if (line == NULL)
			abort();
		memcpy(line, p, n);
		line[n] = '\0';
		err[0] = '\0';
		if (fk_config_parse_arg(&args, line, "-X", err, sizeof(err)) ==
		        -1 &&
		    err[0] == '\0')
			abort();
		free(line);
		p = nl != NULL ? nl + 1 : end;
	}
	check(&args, 0);
	fk_config_append(&all, &file);
	fk_config_append(&all, &args);
	check(&all, 0);
	fk_config_release(&file);
	fk_config_release(&args);
	fk_config_release(&all);
	return 0;
}
