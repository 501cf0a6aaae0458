/* fk-enrich's lists: --list NAME[:FIELD]=FILE[#COLUMN], loaded into
 * sets (fk_map), hashed with SHA-256, reloaded when their files
 * change.  Never prints, never exits: errors go to the caller's buffer.
 * The whole file is read into memory first so that the content hash is
 * that of the exact bytes parsed. */
#include "lists.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "digest.h"
#include "xalloc.h"
#include "banned.h"

void
fk_lists_init(struct fk_lists *ls)
{
	ls->l = NULL;
	ls->n = 0;
}

static void
list_free(struct fk_list *l)
{
	if (l == NULL)
		return;
	fk_map_release(&l->set);
	free(l->name);
	free(l->path);
	free(l->field);
	free(l->column);
	free(l);
}

void
fk_lists_release(struct fk_lists *ls)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		list_free(ls->l[i]);
	free(ls->l);
	fk_lists_init(ls);
}

int
fk_list_has(const struct fk_list *l, const char *s, size_t len)
{
	/* No stored value holds a NUL byte, so none matches one that does. */
	return fk_map_get(&l->set, s, len) != NULL;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static void
trim(const char **s, const char **e)
{
	while (*s < *e && is_blank(**s))
		(*s)++;
	while (*e > *s && is_blank((*e)[-1]))
		(*e)--;
}

/* The end of the line starting at p: its '\n' or end. */
static const char *
line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl != NULL ? nl : end;
}

/* The whole file, NUL-terminated, its length in *lenp, and what fstat
 * said of it before the first byte was read (so that a change during the
 * read shows at the next check).  NULL with errno set on failure. */
static char *
read_file(const char *path, size_t *lenp, struct stat *st)
{
	size_t len = 0, cap;
	ssize_t r;
	char *buf;
	int fd, e;

	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd == -1 && errno == EINTR);
	if (fd == -1)
		return NULL;
	if (fstat(fd, st) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return NULL;
	}
	/* Room for the file, the NUL and the 0-byte read that ends it. */
	cap = st->st_size > 0 && (unsigned long long)st->st_size < SIZE_MAX / 2
	    ? (size_t)st->st_size + 2
	    : 4096;
	buf = fk_xmalloc(cap);
	for (;;) {
		if (cap - len < 2) {
			cap *= 2;
			buf = fk_xrealloc(buf, cap);
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r == 0)
			break;
		if (r == -1) {
			if (errno == EINTR)
				continue;
			e = errno;
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/* Add the value s..e (trimmed here) read at lineno, unless empty. */
static int
add_value(struct fk_list *l, const char *s, const char *e, long long lineno,
    char *err, size_t errlen)
{
	trim(&s, &e);
	if (s == e)
		return 0;
	if (memchr(s, '\0', (size_t)(e - s)) != NULL) {
		snprintf(err, errlen, "%s: %s:%lld: NUL byte in value", l->name,
		    l->path, lineno);
		return -1;
	}
	/* A duplicate is stored once. */
	fk_map_put(&l->set, s, (size_t)(e - s), NULL);
	l->n = fk_map_count(&l->set);
	return 0;
}

/* Empty lines and # comments, the same in both formats. */
static int
is_skipped(const char *p, const char *nl)
{
	trim(&p, &nl);
	return p == nl || *p == '#';
}

/* One value a line. */
static int
parse_plain(
    struct fk_list *l, const char *p, const char *end, char *err, size_t errlen)
{
	const char *nl;
	long long lineno = 0;

	for (; p < end; p = nl < end ? nl + 1 : end) {
		nl = line_end(p, end);
		lineno++;
		if (is_skipped(p, nl))
			continue;
		if (add_value(l, p, nl, lineno, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* The index of header field named column, or -1. */
static long
find_column(const struct fk_csv_row *row, const char *column)
{
	const char *s, *e;
	size_t i, clen = strlen(column);

	for (i = 0; i < row->nfields; i++) {
		s = row->fields[i].s;
		e = s + row->fields[i].len;
		trim(&s, &e);
		if ((size_t)(e - s) == clen && memcmp(s, column, clen) == 0)
			return (long)i;
	}
	return -1;
}

/* A header line, then records; a record ends at the end of the first
 * line where its quotes balance. */
static int
parse_csv(
    struct fk_list *l, const char *p, const char *end, char *err, size_t errlen)
{
	struct fk_csv_row row;
	const char *rec, *nl;
	long long lineno = 0, recline;
	long col = -1;
	char cerr[128];
	int rc = -1;

	fk_csv_row_init(&row);
	for (; p < end; p = nl < end ? nl + 1 : end) {
		nl = line_end(p, end);
		lineno++;
		if (is_skipped(p, nl))
			continue;
		rec = p;
		recline = lineno;
		while (nl < end && !fk_csv_complete(rec, (size_t)(nl - rec))) {
			nl = line_end(nl + 1, end);
			lineno++;
		}
		if (fk_csv_split(&row, rec, (size_t)(nl - rec), ',', cerr,
		        sizeof(cerr)) == -1) {
			snprintf(err, errlen, "%s: %s:%lld: %s", l->name,
			    l->path, recline, cerr);
			goto out;
		}
		if (col == -1) {
			if ((col = find_column(&row, l->column)) == -1) {
				snprintf(err, errlen,
				    "%s: %s:%lld: no column \"%s\" in the header",
				    l->name, l->path, recline, l->column);
				goto out;
			}
			continue;
		}
		if (row.nfields <= (size_t)col) {
			snprintf(err, errlen,
			    "%s: %s:%lld: too few columns: \"%s\" is column "
			    "%ld, the line has %zu",
			    l->name, l->path, recline, l->column, col + 1,
			    row.nfields);
			goto out;
		}
		if (add_value(l, row.fields[col].s,
		        row.fields[col].s + row.fields[col].len, recline, err,
		        errlen) == -1)
			goto out;
	}
	if (col == -1) {
		snprintf(
		    err, errlen, "%s: %s: no header line", l->name, l->path);
		goto out;
	}
	rc = 0;
out:
	fk_csv_row_release(&row);
	return rc;
}

/* Remember in l the file as st describes it. */
static void
set_file(struct fk_list *l, const struct stat *st)
{
	l->dev = st->st_dev;
	l->ino = st->st_ino;
	l->size = st->st_size;
	l->mtime_ns =
	    (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* A new list from its file; NULL with a message in err.  *st is the file
 * read, or st_size is -1 when there was none. */
static struct fk_list *
list_load(const char *name, const char *path, const char *field,
    const char *column, struct stat *st, char *err, size_t errlen)
{
	struct fk_list *l = fk_xcalloc(1, sizeof(*l));
	const char *p, *end;
	size_t len;
	char *buf;
	int rc;

	fk_map_init(&l->set);
	l->name = fk_xstrdup(name);
	l->path = fk_xstrdup(path);
	l->field = field != NULL ? fk_xstrdup(field) : NULL;
	l->column = column != NULL ? fk_xstrdup(column) : NULL;
	st->st_size = -1;
	if ((buf = read_file(path, &len, st)) == NULL) {
		snprintf(
		    err, errlen, "%s: %s: %s", name, path, strerror(errno));
		list_free(l);
		return NULL;
	}
	fk_sha256_hex(buf, len, l->hash);
	set_file(l, st);
	p = buf;
	end = buf + len;
	/* A byte-order mark (Windows editors) is not part of the first
	 * value or column name; it still counts in the hash. */
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	if (column != NULL)
		rc = parse_csv(l, p, end, err, errlen);
	else
		rc = parse_plain(l, p, end, err, errlen);
	free(buf);
	if (rc == -1) {
		list_free(l);
		return NULL;
	}
	return l;
}

/* Whether a list called name checks the field of that name by default
 * (the other lists check user_id, device_id, ip and merchant_id). */
static int
is_named_field(const char *name)
{
	static const char *const fields[] = { "user_id", "device_id", "ip",
		"merchant_id", "terminal_id" };
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcmp(name, fields[i]) == 0)
			return 1;
	return 0;
}

static int
is_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* Split spec into its parts (new strings, field and column NULL when
 * absent); -1 with a message in err. */
static int
parse_spec(const char *spec, char **name, char **field, char **path,
    char **column, char *err, size_t errlen)
{
	const char *eq = strchr(spec, '='), *colon, *hash, *pend;
	size_t i, nlen;

	*name = *field = *path = *column = NULL;
	if (eq == NULL) {
		snprintf(err, errlen,
		    "list \"%s\": expected NAME=FILE, NAME:FIELD=FILE or "
		    "NAME:FIELD=FILE#COLUMN",
		    spec);
		return -1;
	}
	colon = memchr(spec, ':', (size_t)(eq - spec));
	nlen = (size_t)((colon != NULL ? colon : eq) - spec);
	if (nlen == 0) {
		snprintf(err, errlen, "list \"%s\": empty name", spec);
		return -1;
	}
	for (i = 0; i < nlen; i++) {
		if (is_name_char(spec[i]))
			continue;
		if ((unsigned char)spec[i] > ' ' &&
		    (unsigned char)spec[i] < 0x7f)
			snprintf(err, errlen,
			    "list \"%s\": bad character '%c' in the name "
			    "(allowed: A-Z a-z 0-9 _ . -)",
			    spec, spec[i]);
		else
			snprintf(err, errlen,
			    "list \"%s\": bad character \\x%02x in the name "
			    "(allowed: A-Z a-z 0-9 _ . -)",
			    spec, (unsigned char)spec[i]);
		return -1;
	}
	if (colon != NULL && colon + 1 == eq) {
		snprintf(err, errlen, "list \"%s\": empty field", spec);
		return -1;
	}
	/* The column follows the last '#', so a path may hold one too. */
	hash = colon != NULL ? strrchr(eq + 1, '#') : NULL;
	pend = hash != NULL ? hash : eq + 1 + strlen(eq + 1);
	if (hash != NULL && hash[1] == '\0') {
		snprintf(err, errlen, "list \"%s\": empty column", spec);
		return -1;
	}
	if (pend == eq + 1) {
		snprintf(err, errlen, "list \"%s\": empty file name", spec);
		return -1;
	}
	*name = fk_xstrndup(spec, nlen);
	if (colon != NULL)
		*field = fk_xstrndup(colon + 1, (size_t)(eq - colon - 1));
	else if (is_named_field(*name))
		*field = fk_xstrdup(*name);
	*path = fk_xstrndup(eq + 1, (size_t)(pend - (eq + 1)));
	if (hash != NULL)
		*column = fk_xstrdup(hash + 1);
	return 0;
}

int
fk_lists_add(struct fk_lists *ls, const char *spec, char *err, size_t errlen)
{
	char *name, *field, *path, *column;
	struct fk_list *l = NULL;
	struct stat st;
	size_t i;

	if (parse_spec(spec, &name, &field, &path, &column, err, errlen) == -1)
		return -1;
	for (i = 0; i < ls->n; i++) {
		if (strcmp(ls->l[i]->name, name) == 0) {
			snprintf(err, errlen, "%s: duplicate list name", name);
			goto out;
		}
	}
	if ((l = list_load(name, path, field, column, &st, err, errlen)) ==
	    NULL)
		goto out;
	ls->l = fk_xrealloc(ls->l, (ls->n + 1) * sizeof(*ls->l));
	ls->l[ls->n++] = l;
out:
	free(name);
	free(field);
	free(path);
	free(column);
	return l != NULL ? 0 : -1;
}

static int
same_file(const struct fk_list *l, const struct stat *st)
{
	return l->dev == st->st_dev && l->ino == st->st_ino &&
	    l->size == st->st_size &&
	    l->mtime_ns ==
	    (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* fk-enrich checks its files every second: a failure is said once, and
 * tried again when the file changes (or when forced).  So the old list
 * takes on the stat of the file that failed, size -1 for none. */
static int
reload_one(struct fk_lists *ls, size_t i, int force, char *msg, size_t msglen)
{
	struct fk_list *old = ls->l[i], *nl;
	struct stat st;

	if (!force) {
		if (stat(old->path, &st) == -1) {
			if (old->size == -1)
				return 0;
			st.st_size = -1;
		} else if (same_file(old, &st))
			return 0;
	}
	nl = list_load(
	    old->name, old->path, old->field, old->column, &st, msg, msglen);
	if (nl == NULL) {
		if (st.st_size == -1) {
			old->dev = 0;
			old->ino = 0;
			old->mtime_ns = 0;
			old->size = -1;
		} else
			set_file(old, &st);
		return -1;
	}
	/* The new set is whole before anyone can see it. */
	ls->l[i] = nl;
	list_free(old);
	return 1;
}

int
fk_lists_reload(
    struct fk_lists *ls, int force, int *reloaded, char *err, size_t errlen)
{
	size_t i, used = 0;
	char *msg = fk_xmalloc(errlen > 0 ? errlen : 1);
	int rc = 0, n = 0;

	if (errlen > 0)
		err[0] = '\0';
	for (i = 0; i < ls->n; i++) {
		switch (reload_one(ls, i, force, msg, errlen)) {
		case 1:
			n++;
			break;
		case -1:
			/* Each failure, joined: the caller has one buffer. */
			if (used < errlen)
				used +=
				    (size_t)snprintf(err + used, errlen - used,
				        "%s%s", rc == 0 ? "" : "; ", msg);
			rc = -1;
			break;
		}
	}
	free(msg);
	if (reloaded != NULL)
		*reloaded = n;
	return rc;
}
