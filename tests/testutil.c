#include "testutil.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
fk_test_tmpdir(char *dir, size_t len, const char *tag)
{
	const char *base = getenv("TMPDIR");

	snprintf(dir, len, "%s/fk-%s-XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp", tag);
	cr_assert_not_null(mkdtemp(dir), "mkdtemp %s", dir);
}

void
fk_test_rmdir(const char *dir)
{
	char path[1024];
	struct dirent *de;
	DIR *d;

	if (dir[0] == '\0' || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) == -1)
			fk_test_rmdir(path); /* a folder: what is in it first */
	}
	closedir(d);
	rmdir(dir);
}

void
fk_test_write(char *path, size_t pathlen, const char *dir, const char *name,
    const char *s, size_t len)
{
	FILE *fp;

	snprintf(path, pathlen, "%s/%s", dir, name);
	fp = fopen(path, "w");
	cr_assert_not_null(fp, "%s", path);
	if (len > 0)
		cr_assert_eq(fwrite(s, 1, len, fp), len);
	cr_assert_eq(fclose(fp), 0);
}

uint64_t
fk_test_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
