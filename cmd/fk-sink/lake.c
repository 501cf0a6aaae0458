/* The data lake: folders by partition value, files written whole,
 * rotated, named by offsets from Kafka. */
#include "lake.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fktime.h"
#include "hash.h"
#include "errbuf.h"
#include "xalloc.h"
#include "banned.h"

static int
name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

static int
add_level(struct fk_levels *l, enum fk_level_kind kind, const char *name,
    size_t namelen, const char *field, size_t fieldlen, char *err,
    size_t errlen)
{
	struct fk_level *lv;
	size_t i;

	for (i = 0; i < namelen; i++)
		if (!name_char((unsigned char)name[i]) && name[i] != '-') {
			fk_seterr(err, errlen,
			    "level name \"%.*s\": expected letters, digits, "
			    "_ and -",
			    (int)namelen, name);
			return -1;
		}
	/* A field named dt or hr would make a second dt= or hr= folder. */
	if (kind == FK_LEVEL_FIELD && namelen == 2 &&
	    (memcmp(name, "dt", 2) == 0 || memcmp(name, "hr", 2) == 0)) {
		fk_seterr(err, errlen,
		    "level name %.*s: dt and hr are the event-time levels",
		    (int)namelen, name);
		return -1;
	}
	if (namelen == 0 || namelen > 64) {
		fk_seterr(err, errlen,
		    "level name \"%.*s\": expected 1 to 64 bytes", (int)namelen,
		    name);
		return -1;
	}
	for (i = 0; i < l->n; i++)
		if (strlen(l->v[i].name) == namelen &&
		    memcmp(l->v[i].name, name, namelen) == 0) {
			fk_seterr(err, errlen, "level %.*s given twice",
			    (int)namelen, name);
			return -1;
		}
	if (kind == FK_LEVEL_FIELD && fieldlen == 0) {
		fk_seterr(err, errlen, "level %.*s: no field after '='",
		    (int)namelen, name);
		return -1;
	}
	if (fieldlen > 0) {
		for (i = 0; i < fieldlen; i++)
			if (!name_char((unsigned char)field[i]) &&
			    field[i] != '-' &&
			    (field[i] != '.' || i == 0 || i + 1 == fieldlen ||
			        field[i + 1] == '.')) {
				fk_seterr(err, errlen,
				    "field \"%.*s\": expected names of "
				    "[A-Za-z0-9_-] between dots",
				    (int)fieldlen, field);
				return -1;
			}
	}
	l->v = fk_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	lv = &l->v[l->n++];
	lv->kind = kind;
	lv->name = fk_xstrndup(name, namelen);
	lv->field =
	    kind == FK_LEVEL_FIELD ? fk_xstrndup(field, fieldlen) : NULL;
	if (kind != FK_LEVEL_FIELD)
		l->timed = 1;
	return 0;
}

int
fk_levels_parse(struct fk_levels *l, const char *spec, char *err, size_t errlen)
{
	const char *p = spec, *end, *eq, *dot;
	size_t len;

	for (;;) {
		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == 0) {
			fk_seterr(err, errlen, "empty level in \"%s\"", spec);
			return -1;
		}
		eq = memchr(p, '=', len);
		if (eq != NULL) {
			if (add_level(l, FK_LEVEL_FIELD, p, (size_t)(eq - p),
			        eq + 1, len - (size_t)(eq - p) - 1, err,
			        errlen) == -1)
				return -1;
		} else if (len == 2 && memcmp(p, "dt", 2) == 0) {
			if (add_level(l, FK_LEVEL_DT, "dt", 2, NULL, 0, err,
			        errlen) == -1)
				return -1;
		} else if (len == 2 && memcmp(p, "hr", 2) == 0) {
			if (add_level(l, FK_LEVEL_HR, "hr", 2, NULL, 0, err,
			        errlen) == -1)
				return -1;
		} else {
			/* Named by its last name: risk.decision -> decision. */
			for (dot = p + len; dot > p && dot[-1] != '.'; dot--)
				;
			if (add_level(l, FK_LEVEL_FIELD, dot,
			        (size_t)(p + len - dot), p, len, err,
			        errlen) == -1)
				return -1;
		}
		if (end == NULL)
			return 0;
		p = end + 1;
	}
}

void
fk_levels_finish(struct fk_levels *l)
{
	struct fk_level *v;

	if (l->timed)
		return;
	v = fk_xmalloc((l->n + 2) * sizeof(*v));
	v[0] = (struct fk_level){ FK_LEVEL_DT, fk_xstrdup("dt"), NULL };
	v[1] = (struct fk_level){ FK_LEVEL_HR, fk_xstrdup("hr"), NULL };
	if (l->n > 0)
		memcpy(v + 2, l->v, l->n * sizeof(*v));
	free(l->v);
	l->v = v;
	l->n += 2;
	l->timed = 1;
}

void
fk_levels_release(struct fk_levels *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].field);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int
plain(int c)
{
	return name_char(c) || c == '-' || c == '.';
}

int
fk_lake_value(const struct fk_jmember *m, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	char buf[4096], *dec = buf;
	const char *s;
	size_t n, i, o = 0;
	uint64_t h;
	int c;

	if (m == NULL || m->val == NULL || m->type == FK_J_NULL) {
		memcpy(out, "__null__", 9);
		return 8;
	}
	if (m->type == FK_J_OBJECT || m->type == FK_J_ARRAY)
		return -1;
	s = m->val;
	n = m->vallen;
	if (m->type == FK_J_STRING) {
		s++;
		n -= 2;
		if (m->escaped) {
			if (n > sizeof(buf))
				dec = fk_xmalloc(n);
			n = fk_jstr_decode(s, n, dec);
			s = dec;
		}
		if (n == 0) {
			memcpy(out, "__empty__", 10);
			return 9;
		}
	}
	/* Room for a %XX and the hashed tail.  A leading '.' would make
	 * "..", a leading "__" a name of ours. */
	for (i = 0; i < n && o + 3 <= FK_LAKE_VALMAX - 17; i++) {
		c = (unsigned char)s[i];
		if (plain(c) &&
		    !(i == 0 &&
		        (c == '.' || (c == '_' && n > 1 && s[1] == '_')))) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (i < n) {
		h = fk_hash64(s, n, 0x666b2d73696e6bULL);
		o += (size_t)snprintf(out + o, 18, "~%016" PRIx64, h);
	}
	out[o] = '\0';
	if (dec != buf)
		free(dec);
	return (int)o;
}

struct range {
	int64_t first, last;
};

/* A file being written. */
struct open {
	struct fk_outfile *out;
	struct slot *s;
	int64_t first, last;
	uint64_t records;
	int64_t opened, touched;
	size_t idx; /* in lake->open */
	char tmp[];
};

/* A folder and a Kafka partition (-1 for files). */
struct slot {
	char *dir; /* relative to the root */
	size_t dirlen;
	int32_t part;
	uint64_t hash;
	int made;    /* the folder exists */
	int indexed; /* stored is read from the folder */
	/* The offsets of whole files here, as sorted disjoint ranges: a
	 * file FIRST-LAST holds every record of the folder and partition
	 * between them (a consumer reads a partition in order). */
	struct range *stored;
	size_t nstored, capstored;
	struct open *f;
	struct slot *next;
};

struct fk_lake {
	struct fk_lake_opts o;
	char runid[40];
	unsigned long long seq;
	struct slot **tab;
	size_t mask, nslots;
	struct open **open;
	size_t nopen;
	uint64_t nfiles;
	struct slot *last; /* the last record's */
	char path[4096];   /* the folder of the record being put */
	size_t pathlen;
	int64_t hour; /* of the last event time, as hourtext */
	char hourtext[FK_TIME_BUFSZ];
};

static uint32_t
random_word(void)
{
	struct timespec ts;
	uint32_t w = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd == -1 || read(fd, &w, sizeof(w)) != (ssize_t)sizeof(w)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		w = (uint32_t)fk_hash64(&ts, sizeof(ts), (uint64_t)getpid());
	}
	if (fd != -1)
		close(fd);
	return w;
}

struct fk_lake *
fk_lake_new(
    const struct fk_lake_opts *o, int64_t wall_ms, char *err, size_t errlen)
{
	struct fk_lake *l;
	char t[FK_TIME_BUFSZ];

	if (mkdir(o->root, 0755) == -1 && errno != EEXIST) {
		fk_seterr(err, errlen, "%s: %s", o->root, strerror(errno));
		return NULL;
	}
	l = fk_xcalloc(1, sizeof(*l));
	l->o = *o;
	if (l->o.max_open == 0)
		l->o.max_open = 1;
	/* 2026-11-29T03:15:29.123Z -> 20261129T031529Z, the pid and a
	 * random word: two runs in one second in two containers (pid 1
	 * both) must not write the same names. */
	fk_time_format(wall_ms, t);
	snprintf(l->runid, sizeof(l->runid),
	    "%.4s%.2s%.2sT%.2s%.2s%.2sZ-%ld-%08" PRIx32, t, t + 5, t + 8,
	    t + 11, t + 14, t + 17, (long)getpid(), random_word());
	l->hour = INT64_MIN;
	l->mask = 255;
	l->tab = fk_xcalloc(l->mask + 1, sizeof(*l->tab));
	l->open = fk_xcalloc(l->o.max_open, sizeof(*l->open));
	return l;
}

static void
grow(struct fk_lake *l)
{
	size_t n = (l->mask + 1) * 2, i;
	struct slot **tab = fk_xcalloc(n, sizeof(*tab)), *s, *next;

	for (i = 0; i <= l->mask; i++)
		for (s = l->tab[i]; s != NULL; s = next) {
			next = s->next;
			s->next = tab[s->hash & (n - 1)];
			tab[s->hash & (n - 1)] = s;
		}
	free(l->tab);
	l->tab = tab;
	l->mask = n - 1;
}

static struct slot *
get_slot(struct fk_lake *l, int32_t part)
{
	uint64_t h;
	struct slot *s;

	if ((s = l->last) != NULL && s->part == part &&
	    s->dirlen == l->pathlen && memcmp(s->dir, l->path, l->pathlen) == 0)
		return s;
	h = fk_hash64(l->path, l->pathlen, (uint64_t)(uint32_t)part);
	for (s = l->tab[h & l->mask]; s != NULL; s = s->next)
		if (s->hash == h && s->part == part &&
		    s->dirlen == l->pathlen &&
		    memcmp(s->dir, l->path, l->pathlen) == 0)
			return l->last = s;
	if (l->nslots >= l->mask)
		grow(l);
	s = fk_xcalloc(1, sizeof(*s));
	s->dir = fk_xstrndup(l->path, l->pathlen);
	s->dirlen = l->pathlen;
	s->part = part;
	s->hash = h;
	s->next = l->tab[h & l->mask];
	l->tab[h & l->mask] = s;
	l->nslots++;
	return l->last = s;
}

/* root/dir, in buf. */
static int
full_path(const struct fk_lake *l, const char *dir, char *buf, size_t len)
{
	return snprintf(buf, len, "%s/%s", l->o.root, dir) < (int)len ? 0 : -1;
}

static int
sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* mkdir -p root/dir; a new folder's entry is made durable in its
 * parent. */
static int
make_dir(struct fk_lake *l, struct slot *s, char *err, size_t errlen)
{
	char p[4096 + 256];
	size_t rootlen = strlen(l->o.root), i;

	if (full_path(l, s->dir, p, sizeof(p)) == -1) {
		fk_seterr(
		    err, errlen, "%s/%s: path too long", l->o.root, s->dir);
		return -1;
	}
	for (i = rootlen + 1;; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char c = p[i];

		p[i] = '\0';
		if (mkdir(p, 0755) == 0) {
			char *slash = strrchr(p, '/');

			*slash = '\0';
			if (sync_dir(p) == -1) {
				fk_seterr(err, errlen, "%s: fsync: %s", p,
				    strerror(errno));
				return -1;
			}
			*slash = '/';
		} else if (errno != EEXIST) {
			fk_seterr(err, errlen, "%s: %s", p, strerror(errno));
			return -1;
		}
		p[i] = c;
		if (c == '\0')
			break;
	}
	s->made = 1;
	return 0;
}

/* A name TOPIC-PART-FIRST-LAST.ndjson[.gz|.zst] after prefix
 * "TOPIC-PART-": 1 with r, or 0. */
static int
parse_name(const char *name, size_t plen, struct range *r)
{
	const char *p = name + plen;
	int64_t v;
	int i;

	for (i = 0; i < 2; i++) {
		if (*p < '0' || *p > '9')
			return 0;
		for (v = 0; *p >= '0' && *p <= '9'; p++) {
			if (v > (INT64_MAX - 9) / 10)
				return 0;
			v = v * 10 + (*p - '0');
		}
		if (i == 0 && *p++ != '-')
			return 0;
		if (i == 0)
			r->first = v;
	}
	if (strncmp(p, ".ndjson", 7) != 0)
		return 0;
	p += 7;
	if (*p != '\0' && strcmp(p, ".gz") != 0 && strcmp(p, ".zst") != 0)
		return 0;
	r->last = v;
	return r->first <= r->last;
}

/* Add [r.first, r.last] to s's ranges, merged with those it overlaps or
 * touches. */
static void
add_range(struct slot *s, struct range r)
{
	size_t i = 0, j;

	while (i < s->nstored && s->stored[i].last + 1 < r.first)
		i++;
	for (j = i; j < s->nstored && s->stored[j].first <= r.last + 1; j++) {
		if (s->stored[j].first < r.first)
			r.first = s->stored[j].first;
		if (s->stored[j].last > r.last)
			r.last = s->stored[j].last;
	}
	if (j == i) { /* nothing merged: make room at i */
		if (s->nstored == s->capstored) {
			s->capstored = s->capstored * 2 + 4;
			s->stored = fk_xrealloc(
			    s->stored, s->capstored * sizeof(*s->stored));
		}
		memmove(s->stored + i + 1, s->stored + i,
		    (s->nstored - i) * sizeof(*s->stored));
		s->nstored++;
	} else if (j > i + 1) {
		memmove(s->stored + i + 1, s->stored + j,
		    (s->nstored - j) * sizeof(*s->stored));
		s->nstored -= j - i - 1;
	}
	s->stored[i] = r;
}

/* Whether off is in a whole file of s: the last range first, where a
 * reader going forward finds it. */
static int
is_stored(const struct slot *s, int64_t off)
{
	size_t lo = 0, hi = s->nstored, mid;

	if (hi == 0 || off > s->stored[hi - 1].last)
		return 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->stored[mid].last < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nstored && s->stored[lo].first <= off;
}

static int
found(struct fk_lake *l, const struct slot *s, const char *name, struct range r,
    char *err, size_t errlen)
{
	char rel[4096 + 300];

	snprintf(rel, sizeof(rel), "%s/%s", s->dir, name);
	return l->o.found(l->o.arg,
	    &(struct fk_lake_file){ .path = rel,
	        .partition = s->part,
	        .first = r.first,
	        .last = r.last },
	    err, errlen);
}

/* Kafka: the offsets of s->part already in whole files of the folder;
 * a temporary file an earlier run left for it is removed (the
 * partition is ours now, its records are read again). */
static int
index_slot(struct fk_lake *l, struct slot *s, char *err, size_t errlen)
{
	char p[4096 + 256], pre[300], tmppre[320];
	size_t plen, tlen;
	struct dirent *e;
	struct range r;
	DIR *d;

	s->indexed = 1;
	s->nstored = 0;
	if (full_path(l, s->dir, p, sizeof(p)) == -1) {
		fk_seterr(
		    err, errlen, "%s/%s: path too long", l->o.root, s->dir);
		return -1;
	}
	if ((d = opendir(p)) == NULL) {
		if (errno == ENOENT)
			return 0;
		fk_seterr(err, errlen, "%s: %s", p, strerror(errno));
		return -1;
	}
	plen = (size_t)snprintf(
	    pre, sizeof(pre), "%s-%" PRId32 "-", l->o.topic, s->part);
	tlen = (size_t)snprintf(tmppre, sizeof(tmppre),
	    ".fk-sink.%s-%" PRId32 "-", l->o.topic, s->part);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, pre, plen) == 0 &&
		    parse_name(e->d_name, plen, &r)) {
			add_range(s, r);
			if (l->o.found != NULL &&
			    found(l, s, e->d_name, r, err, errlen) == -1) {
				closedir(d);
				return -1;
			}
		} else if (strncmp(e->d_name, tmppre, tlen) == 0) {
			unlinkat(dirfd(d), e->d_name, 0);
		}
	}
	closedir(d);
	return 0;
}

/* Kept in the order they were opened, so that closing all of them
 * logs them in that order. */
static void
drop_open(struct fk_lake *l, struct open *f)
{
	for (size_t i = f->idx + 1; i < l->nopen; i++) {
		l->open[i - 1] = l->open[i];
		l->open[i - 1]->idx = i - 1;
	}
	l->nopen--;
	f->s->f = NULL;
	free(f);
}

static int
commit(struct fk_lake *l, struct open *f, char *err, size_t errlen)
{
	char name[300], rel[4096 + 300], hex[FK_SHA256_HEXLEN];
	const char *ext = fk_compress_ext(l->o.comp);
	struct fk_lake_file info;
	struct slot *s = f->s;
	uint64_t bytes = fk_outfile_bytes(f->out), disk;
	int rc;

	if (l->o.topic != NULL)
		snprintf(name, sizeof(name),
		    "%s-%" PRId32 "-%010" PRId64 "-%010" PRId64 ".ndjson%s",
		    l->o.topic, s->part, f->first, f->last, ext);
	else /* the temporary name holds the run and sequence */
		snprintf(name, sizeof(name), "%.*s.ndjson%s",
		    (int)(strlen(f->tmp) - 13), f->tmp + 9, ext);
	rc = fk_outfile_commit(f->out, name, hex, &disk, err, errlen);
	f->out = NULL;
	if (rc == 0) {
		if (l->o.topic != NULL)
			add_range(s, (struct range){ f->first, f->last });
		l->nfiles++;
		snprintf(rel, sizeof(rel), "%s/%s", s->dir, name);
		info = (struct fk_lake_file){ .path = rel,
			.records = f->records,
			.bytes = bytes,
			.disk = disk,
			.sha256 = hex,
			.partition = l->o.topic != NULL ? s->part : -1,
			.first = l->o.topic != NULL ? f->first : -1,
			.last = l->o.topic != NULL ? f->last : -1 };
		if (l->o.committed != NULL &&
		    l->o.committed(l->o.arg, &info, err, errlen) == -1)
			rc = -1;
	}
	drop_open(l, f);
	return rc;
}

static struct open *
open_file(struct fk_lake *l, struct slot *s, int64_t off, int64_t now,
    char *err, size_t errlen)
{
	char p[4096 + 256], tmp[300];
	struct open *f, *oldest;
	size_t i, n;

	if (l->nopen >= l->o.max_open) {
		for (oldest = l->open[0], i = 1; i < l->nopen; i++)
			if (l->open[i]->touched < oldest->touched)
				oldest = l->open[i];
		if (commit(l, oldest, err, errlen) == -1)
			return NULL;
	}
	if (!s->made && make_dir(l, s, err, errlen) == -1)
		return NULL;
	if (l->o.topic != NULL)
		n = (size_t)snprintf(tmp, sizeof(tmp),
		    ".fk-sink.%s-%" PRId32 "-%" PRId64 ".tmp", l->o.topic,
		    s->part, off);
	else
		n = (size_t)snprintf(tmp, sizeof(tmp), ".fk-sink.%s-%06llu.tmp",
		    l->runid, ++l->seq);
	full_path(l, s->dir, p, sizeof(p));
	f = fk_xcalloc(1, sizeof(*f) + n + 1);
	memcpy(f->tmp, tmp, n + 1);
	f->out = fk_outfile_open(
	    p, tmp, l->o.comp, l->o.comp_level, l->o.hash, err, errlen);
	/* The folder went (a retention job): made again. */
	if (f->out == NULL && access(p, F_OK) == -1 && errno == ENOENT) {
		s->made = 0;
		if (make_dir(l, s, err, errlen) == 0)
			f->out = fk_outfile_open(p, tmp, l->o.comp,
			    l->o.comp_level, l->o.hash, err, errlen);
	}
	if (f->out == NULL) {
		free(f);
		return NULL;
	}
	f->s = s;
	f->first = off;
	f->opened = now;
	f->idx = l->nopen;
	l->open[l->nopen++] = f;
	s->f = f;
	return f;
}

/* Append "name=value" (with a '/' before all but the first) to the
 * record's folder path. */
static int
put_level(struct fk_lake *l, size_t i, const char *v, size_t n)
{
	const char *name = l->o.levels->v[i].name;
	size_t nl = strlen(name);

	if (l->pathlen + nl + n + 2 >= sizeof(l->path))
		return -1;
	if (i > 0)
		l->path[l->pathlen++] = '/';
	memcpy(l->path + l->pathlen, name, nl);
	l->path[l->pathlen + nl] = '=';
	memcpy(l->path + l->pathlen + nl + 1, v, n);
	l->pathlen += nl + 1 + n;
	return 0;
}

static int
put_dir(struct fk_lake *l, int64_t ts_ms, const struct fk_jmember *vals,
    char *err, size_t errlen)
{
	char v[FK_LAKE_VALMAX + 1];
	const struct fk_level *lv;
	int64_t hour;
	size_t i;
	int n;

	l->pathlen = 0;
	for (i = 0; i < l->o.levels->n; i++) {
		lv = &l->o.levels->v[i];
		if (lv->kind == FK_LEVEL_FIELD) {
			if ((n = fk_lake_value(&vals[i], v)) == -1) {
				fk_seterr(err, errlen,
				    "%s: expected a string, number, boolean "
				    "or null to name a folder by",
				    lv->field);
				return -1;
			}
		} else if (ts_ms == INT64_MIN) {
			fk_seterr(err, errlen,
			    "no event time (ts_ms or timestamp) for the "
			    "%s= folder",
			    lv->name);
			return -1;
		} else {
			/* Formatted once an hour of event time. */
			hour = ts_ms >= 0 ? ts_ms / 3600000
			                  : -((-ts_ms + 3599999) / 3600000);
			if (hour != l->hour) {
				fk_time_format(hour * 3600000, l->hourtext);
				l->hour = hour;
			}
			/* YYYY-MM-DDTHH: dt is the first 10, hr 11-12. */
			n = lv->kind == FK_LEVEL_DT ? 10 : 2;
			memcpy(v,
			    l->hourtext + (lv->kind == FK_LEVEL_DT ? 0 : 11),
			    (size_t)n);
		}
		if (put_level(l, i, v, (size_t)n) == -1) {
			fk_seterr(err, errlen, "folder path too long");
			return -1;
		}
	}
	return 0;
}

int
fk_lake_put(struct fk_lake *l, const char *rec, size_t len, int64_t ts_ms,
    const struct fk_jmember *vals, int32_t part, int64_t off, int64_t now,
    char *err, size_t errlen)
{
	struct slot *s;
	struct open *f;

	/* Years 0001-9999, as the folder names and fk_time_format take. */
	if (ts_ms != INT64_MIN &&
	    (ts_ms < -62135596800000LL || ts_ms > 253402300799999LL)) {
		fk_seterr(err, errlen,
		    "event time %" PRId64 " ms is outside years "
		    "0001-9999",
		    ts_ms);
		return FK_LAKE_BAD;
	}
	if (put_dir(l, ts_ms, vals, err, errlen) == -1)
		return FK_LAKE_BAD;
	if (l->o.topic == NULL)
		part = -1;
	s = get_slot(l, part);
	if (part >= 0) {
		if (!s->indexed && index_slot(l, s, err, errlen) == -1)
			return FK_LAKE_FAIL;
		if (is_stored(s, off) ||
		    (s->f != NULL && off >= s->f->first && off <= s->f->last))
			return FK_LAKE_DUP;
	}
	f = s->f;
	if (f != NULL && l->o.max_age_ms > 0 &&
	    now - f->opened >= l->o.max_age_ms) {
		if (commit(l, f, err, errlen) == -1)
			return FK_LAKE_FAIL;
		f = NULL;
	}
	if (f == NULL && (f = open_file(l, s, off, now, err, errlen)) == NULL)
		return FK_LAKE_FAIL;
	if (fk_outfile_write(f->out, rec, len, err, errlen) == -1 ||
	    fk_outfile_write(f->out, "\n", 1, err, errlen) == -1)
		return FK_LAKE_FAIL;
	f->last = off;
	f->records++;
	f->touched = now;
	if ((l->o.max_records > 0 && f->records >= l->o.max_records) ||
	    (l->o.max_bytes > 0 && fk_outfile_bytes(f->out) >= l->o.max_bytes))
		if (commit(l, f, err, errlen) == -1)
			return FK_LAKE_FAIL;
	return FK_LAKE_STORED;
}

int
fk_lake_tick(struct fk_lake *l, int64_t now, char *err, size_t errlen)
{
	struct open *f;
	size_t i = 0;

	while (i < l->nopen) {
		f = l->open[i];
		if ((l->o.close_after_ms > 0 &&
		        now - f->touched >= l->o.close_after_ms) ||
		    (l->o.max_age_ms > 0 &&
		        now - f->opened >= l->o.max_age_ms)) {
			if (commit(l, f, err, errlen) == -1)
				return -1;
			continue; /* the next one moved into i */
		}
		i++;
	}
	return 0;
}

int
fk_lake_close(struct fk_lake *l, int32_t part, char *err, size_t errlen)
{
	size_t i = 0;

	while (i < l->nopen) {
		if (part == FK_LAKE_ALL || l->open[i]->s->part == part) {
			if (commit(l, l->open[i], err, errlen) == -1)
				return -1;
			continue;
		}
		i++;
	}
	return 0;
}

int64_t
fk_lake_oldest(const struct fk_lake *l, int32_t part)
{
	int64_t o = -1;

	for (size_t i = 0; i < l->nopen; i++)
		if (l->open[i]->s->part == part &&
		    (o == -1 || l->open[i]->first < o))
			o = l->open[i]->first;
	return o;
}

void
fk_lake_forget(struct fk_lake *l, int32_t part)
{
	struct slot *s;

	for (size_t i = 0; i <= l->mask; i++)
		for (s = l->tab[i]; s != NULL; s = s->next)
			if (s->part == part && s->f == NULL)
				s->indexed = 0;
}

size_t
fk_lake_nopen(const struct fk_lake *l)
{
	return l->nopen;
}

uint64_t
fk_lake_nfiles(const struct fk_lake *l)
{
	return l->nfiles;
}

void
fk_lake_free(struct fk_lake *l)
{
	struct slot *s, *next;

	if (l == NULL)
		return;
	while (l->nopen > 0) {
		fk_outfile_abort(l->open[0]->out);
		drop_open(l, l->open[0]);
	}
	for (size_t i = 0; i <= l->mask; i++)
		for (s = l->tab[i]; s != NULL; s = next) {
			next = s->next;
			free(s->dir);
			free(s->stored);
			free(s);
		}
	free(l->tab);
	free(l->open);
	free(l);
}
