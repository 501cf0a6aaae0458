#include "enrich.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fktime.h"
#include "hash.h"
#include "jbuf.h"
#include "jscan.h"
#include "numbers.h"
#include "places.h"
#include "state.h"
#include "table.h"
#include "window.h"
#include "xalloc.h"
#include "banned.h"

#define DAY_MS 86400000LL
#define HOUR_MS 3600000LL
#define SETN 8 /* devices, ips, merchants remembered per user */
#define PROFILE_MS (30 * DAY_MS)
#define PROFILE_MIN 5 /* earlier transactions before a profile shows */
#define HOME_N 50     /* located transactions in the usual place */
#define MIN_TRAVEL_MS 60000LL
#define STATE_KIND "fk-enrich"
#define STATE_VERSION 2 /* 2: the owner's extra bytes after each engine */

enum { K_USER, K_MERCHANT, K_TERMINAL, K_DEVICE, K_IP, NKINDS };

static const char *const kind_name[NKINDS] = { "user", "merchant", "terminal",
	"device", "ip" };

/* Members of an existing features object a hop of --entities keeps:
 * the kinds it does not compute, lists when it has none, late. */
enum { OLD_LISTS = NKINDS, OLD_LATE, NOLD };
static const char *const old_name[NOLD] = { "user", "merchant", "terminal",
	"device", "ip", "lists", "late" };

/* A value seen lately: the hash of it and the second of its last use. */
struct seen {
	uint32_t h, sec;
};

struct user {
	int64_t prev_ms, loc_ms;
	float loc_lat, loc_lon, home_lat, home_lon;
	uint32_t home_n, country_h;
	uint8_t has_prev, has_loc, pad[6];
	struct seen dev[SETN], ip[SETN], merch[SETN];
	struct fk_stat prof;
	/* then struct fk_win win[nwin], then struct fk_lab when labels */
};

/* Merchants and terminals: only windows and labels. */
struct shared {
	struct seen users[SETN]; /* devices and ips */
};

static const int64_t label_windows[] = { DAY_MS, 7 * DAY_MS, 30 * DAY_MS };
static const char *const label_names[] = { "1d", "7d", "30d" };
#define NLABW 3

/* The members fk-enrich reads, found in one pass over the record. */
enum {
	F_USER_ID,
	F_AMOUNT,
	F_TS_MS,
	F_TIMESTAMP,
	F_MERCHANT_ID,
	F_TERMINAL_ID,
	F_DEVICE_ID,
	F_IP,
	F_LAT,
	F_LON,
	F_LOCATION,
	F_COUNTRY,
	F_FEATURES,
	NFIELDS
};
static const char *const field_name[NFIELDS] = { "user_id", "amount", "ts_ms",
	"timestamp", "merchant_id", "terminal_id", "device_id", "ip", "lat",
	"lon", "location", "country", "features" };
/* The longest of field_name (16 at most: name_words); 2 names a length. */
#define FIELD_MAXLEN 11

struct fk_enrich {
	struct fk_enrich_opts o;
	struct fk_winspec spec[FK_ENRICH_MAXWIN], profile;
	char winname[FK_ENRICH_MAXWIN][24];
	/* "count_1m": and ,"sum_1m": ready to copy */
	char kcount[FK_ENRICH_MAXWIN][40], ksum[FK_ENRICH_MAXWIN][40];
	size_t kcountlen[FK_ENRICH_MAXWIN], ksumlen[FK_ENRICH_MAXWIN];
	struct fk_table t[NKINDS];
	size_t win_off[NKINDS], lab_off[NKINDS];
	int64_t idle[NKINDS];
	int64_t wm;
	int has_wm;
	int64_t idx[FK_ENRICH_MAXWIN]; /* the record's bucket per window */
	int64_t pidx;                  /* and in the profile window */
	/* The last bucket of each window (the profile's last) and its start
	 * time: idx 0 starts at 0, so zeroed is right. */
	int64_t bidx[FK_ENRICH_MAXWIN + 1], bstart[FK_ENRICH_MAXWIN + 1];
	uint64_t key[NKINDS];              /* its entities, set by prefetch */
	int labels;                        /* label features on */
	const struct fk_enrich_label *ext; /* labels of fk_enrich_labels */
	size_t next, next_n;
	long long late;
	/* --label-field, this run: by member_label's value + 2 (unusable,
	 * missing, no fraud, fraud); the last record's. */
	long long labn[4];
	int last_label;
	struct fk_jobj obj;
	const struct fk_jmember *fm[NFIELDS]; /* the record's known members */
	/* The fields by the length of their name, -1 after the last. */
	signed char bylen[FIELD_MAXLEN + 1][3];
	uint64_t fword[NFIELDS][2]; /* name_words of each name */
	int key_escaped;     /* a member's key has escapes, not indexed */
	struct fk_jbuf ob;   /* the record written */
	unsigned kinds;      /* FK_ENRICH_* bits computed */
	int partial;         /* not all: a hop of a chain */
	struct fk_jobj fobj; /* the record's old features */
	const struct fk_jmember *old[NOLD]; /* found in it */
	unsigned char *extra;               /* fk_enrich_set_extra's */
	size_t extralen;
};

#define HAS(e, k) (((e)->kinds >> (k)) & 1u)

void
fk_enrich_opts_init(struct fk_enrich_opts *o)
{
	static const int64_t def[] = { 60000, 600000, HOUR_MS, DAY_MS,
		7 * DAY_MS, 30 * DAY_MS };

	memset(o, 0, sizeof(*o));
	memcpy(o->win, def, sizeof(def));
	o->nwin = 6;
	o->max_speed = 900;
	o->device_memory = 90 * DAY_MS;
	o->lateness = 5 * 60000;
	o->label_delay = 7 * DAY_MS;
	o->kinds = FK_ENRICH_ALL;
}

int
fk_enrich_entities_parse(
    struct fk_enrich_opts *o, const char *s, char *err, size_t errlen)
{
	const char *p = s, *end;
	unsigned kinds = 0;
	int k;

	for (;;) {
		end = p + strcspn(p, ",");
		for (k = 0; k < NKINDS; k++)
			if ((size_t)(end - p) == strlen(kind_name[k]) &&
			    memcmp(p, kind_name[k], (size_t)(end - p)) == 0)
				break;
		if (k == NKINDS) {
			snprintf(err, errlen,
			    "expected kinds among user, merchant, terminal, "
			    "device and ip, got \"%.*s\"",
			    (int)(end - p), p);
			return -1;
		}
		kinds |= 1u << k;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	o->kinds = kinds;
	return 0;
}

const char *
fk_enrich_kind_name(unsigned kinds)
{
	for (int k = 0; k < NKINDS; k++)
		if ((kinds >> k) & 1u)
			return kind_name[k];
	return "none";
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int
fk_enrich_windows_parse(
    struct fk_enrich_opts *o, const char *s, char *err, size_t errlen)
{
	char item[64], why[128];
	const char *p = s, *end;
	long long ms;
	int n = 0;

	for (;;) {
		end = p + strcspn(p, ",");
		if ((size_t)(end - p) >= sizeof(item) || end == p) {
			snprintf(err, errlen,
			    "expected durations such as "
			    "1m,1h,7d, got \"%s\"",
			    s);
			return -1;
		}
		memcpy(item, p, (size_t)(end - p));
		item[end - p] = '\0';
		if (fk_num_duration(item, 8000, 366 * DAY_MS, &ms, why,
		        sizeof(why)) == -1) {
			snprintf(err, errlen, "%s", why);
			return -1;
		}
		if (n == FK_ENRICH_MAXWIN) {
			snprintf(err, errlen, "at most %d windows",
			    FK_ENRICH_MAXWIN);
			return -1;
		}
		o->win[n++] = ms;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	qsort(o->win, (size_t)n, sizeof(o->win[0]), cmp_i64);
	for (int i = 1; i < n; i++)
		if (o->win[i] == o->win[i - 1]) {
			snprintf(err, errlen, "a window is given twice");
			return -1;
		}
	o->nwin = n;
	return 0;
}

int
fk_enrich_tz_parse(
    struct fk_enrich_opts *o, const char *s, char *err, size_t errlen)
{
	int h, m = 0, sign;
	size_t len = strlen(s);

	if (strcmp(s, "Z") == 0 || strcmp(s, "UTC") == 0) {
		o->tz_min = 0;
		return 0;
	}
	if ((s[0] != '+' && s[0] != '-') || (len != 3 && len != 5 && len != 6))
		goto bad;
	sign = s[0] == '-' ? -1 : 1;
	for (size_t i = 1; i < len; i++)
		if (!(s[i] >= '0' && s[i] <= '9') && !(i == 3 && s[i] == ':'))
			goto bad;
	h = (s[1] - '0') * 10 + (s[2] - '0');
	if (len >= 5)
		m = (s[len - 2] - '0') * 10 + (s[len - 1] - '0');
	if (len == 5 && s[3] == ':')
		goto bad;
	if (h > 14 || m > 59)
		goto bad;
	o->tz_min = sign * (h * 60 + m);
	return 0;
bad:
	snprintf(err, errlen,
	    "expected an offset such as +02:00, -0530 or "
	    "UTC, got \"%s\"",
	    s);
	return -1;
}

/* Where the city named city[0..clen) (in country, if given) is. */
static int
find_place(const struct fk_enrich *e, const char *city, size_t clen,
    const char *country, size_t colen, double *lat, double *lon)
{
	const struct fk_place *p = e->o.places != NULL
	    ? fk_places_findn(
	          e->o.places, e->o.nplaces, city, clen, country, colen)
	    : fk_places_findn(
	          fk_places, fk_nplaces, city, clen, country, colen);

	if (p == NULL)
		return 0;
	*lat = p->lat;
	*lon = p->lon;
	return 1;
}

/* --- the engine -------------------------------------------------------- */

/* The first and the last min(n, 8) bytes of s[0..n), 2 <= n <= 16, as
 * words: with n they tell two names apart, in two compares. */
static void
name_words(const char *s, size_t n, uint64_t w[2])
{
	uint32_t a4, b4;
	uint16_t a2, b2;

	if (n >= 8) {
		memcpy(&w[0], s, 8);
		memcpy(&w[1], s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(&a4, s, 4);
		memcpy(&b4, s + n - 4, 4);
		w[0] = a4;
		w[1] = b4;
	} else {
		memcpy(&a2, s, 2);
		memcpy(&b2, s + n - 2, 2);
		w[0] = a2;
		w[1] = b2;
	}
}

/* A window's name in feature names: 30s, 10m, 1h, 24h, 7d. */
static void
duration_name(int64_t ms, char *buf, size_t len)
{
	if (ms % DAY_MS == 0 && ms > DAY_MS)
		snprintf(buf, len, "%lldd", (long long)(ms / DAY_MS));
	else if (ms % HOUR_MS == 0)
		snprintf(buf, len, "%lldh", (long long)(ms / HOUR_MS));
	else if (ms % 60000 == 0)
		snprintf(buf, len, "%lldm", (long long)(ms / 60000));
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else
		snprintf(buf, len, "%lldms", (long long)ms);
}

struct fk_enrich *
fk_enrich_new(const struct fk_enrich_opts *o)
{
	struct fk_enrich *e = fk_xcalloc(1, sizeof(*e));
	int64_t longest = o->win[o->nwin - 1], labspan = 0;
	size_t base[NKINDS] = { sizeof(struct user), 0, 0,
		sizeof(struct shared), sizeof(struct shared) };

	e->o = *o;
	e->kinds = o->kinds & FK_ENRICH_ALL;
	if (e->kinds == 0)
		e->kinds = FK_ENRICH_ALL;
	e->partial = e->kinds != FK_ENRICH_ALL;
	memset(e->bylen, -1, sizeof(e->bylen));
	for (int f = 0; f < NFIELDS; f++) {
		signed char *c = e->bylen[strlen(field_name[f])];

		c[c[0] >= 0] = (signed char)f;
		name_words(field_name[f], strlen(field_name[f]), e->fword[f]);
	}
	for (int i = 0; i < o->nwin; i++) {
		fk_winspec_set(&e->spec[i], o->win[i]);
		char name[sizeof(e->winname[i])];

		/* From a local copy: gcc sees e->... on both sides. */
		duration_name(o->win[i], name, sizeof(name));
		memcpy(e->winname[i], name, sizeof(name));
		e->kcountlen[i] =
		    (size_t)snprintf(e->kcount[i], sizeof(e->kcount[i]),
		        "%s\"count_%s\":", i ? "," : "", name);
		e->ksumlen[i] = (size_t)snprintf(
		    e->ksum[i], sizeof(e->ksum[i]), ",\"sum_%s\":", name);
	}
	fk_winspec_set(&e->profile, PROFILE_MS);
	e->labels = o->label_field != NULL || o->ext_labels;
	if (e->labels)
		labspan = o->label_delay + label_windows[NLABW - 1];
	for (int k = 0; k < NKINDS; k++) {
		size_t size = base[k];

		if (k <= K_TERMINAL) {
			e->win_off[k] = size;
			size += (size_t)o->nwin * sizeof(struct fk_win);
			if (e->labels) {
				e->lab_off[k] = size;
				size += sizeof(struct fk_lab);
			}
		}
		/* Whole 8-byte words, so that the next payload is aligned. */
		size = (size + 7) & ~(size_t)7;
		fk_table_init(&e->t[k], size, o->max_entities);
	}
	e->idle[K_USER] = longest;
	if (e->idle[K_USER] < PROFILE_MS)
		e->idle[K_USER] = PROFILE_MS;
	if (e->idle[K_USER] < o->device_memory)
		e->idle[K_USER] = o->device_memory;
	if (e->idle[K_USER] < labspan)
		e->idle[K_USER] = labspan;
	e->idle[K_MERCHANT] = e->idle[K_TERMINAL] =
	    longest > labspan ? longest : labspan;
	e->idle[K_DEVICE] = e->idle[K_IP] = DAY_MS;
	fk_jobj_init(&e->obj);
	fk_jobj_init(&e->fobj);
	fk_jbuf_init(&e->ob);
	return e;
}

void
fk_enrich_free(struct fk_enrich *e)
{
	if (e == NULL)
		return;
	for (int k = 0; k < NKINDS; k++)
		fk_table_release(&e->t[k]);
	fk_jobj_release(&e->obj);
	fk_jobj_release(&e->fobj);
	fk_jbuf_release(&e->ob);
	free(e->extra);
	free(e);
}

/* --- writing ------------------------------------------------------------ */

/* Output through common/jbuf. */
#define PUTS(e, lit) FK_JBUF_PUTS(&(e)->ob, lit)

/* ,"name": with the comma unless first; name is a literal, so that the
 * copies are of constant size and inline. */
#define KEY(e, first, name)                                                    \
	do {                                                                   \
		if (!*(first))                                                 \
			PUTS(e, ",");                                          \
		*(first) = 0;                                                  \
		PUTS(e, "\"" name "\":");                                      \
	} while (0)

static void
key2(struct fk_enrich *e, int *first, const char *a, const char *b)
{
	if (!*first)
		PUTS(e, ",");
	*first = 0;
	PUTS(e, "\"");
	fk_jbuf_put(&e->ob, a, strlen(a));
	fk_jbuf_put(&e->ob, b, strlen(b));
	PUTS(e, "\":");
}

static void
put_bool(struct fk_enrich *e, int v)
{
	if (v)
		PUTS(e, "true");
	else
		PUTS(e, "false");
}

/* --- reading the record ------------------------------------------------- */

/* A member's string content (escapes as written), or its digits for an
 * integer; NULL when absent or of another type. */
/* Find the known members: the last of each name, as fk_jobj_get. */
static void
index_members(struct fk_enrich *e)
{
	memset(e->fm, 0, sizeof(e->fm));
	e->key_escaped = 0;
	for (size_t i = 0; i < e->obj.n; i++) {
		const struct fk_jmember *m = &e->obj.m[i];
		const signed char *c;
		size_t n = m->keylen;

		uint64_t w[2];

		e->key_escaped |= m->key_escaped;
		if (m->key_escaped || n > FIELD_MAXLEN || e->bylen[n][0] < 0)
			continue;
		name_words(m->key, n, w);
		for (c = e->bylen[n]; *c >= 0; c++)
			if (w[0] == e->fword[*c][0] &&
			    w[1] == e->fword[*c][1]) {
				e->fm[*c] = m;
				break;
			}
	}
}

/* The member named name: a known one from the index. */
static const struct fk_jmember *
member(const struct fk_enrich *e, const char *name)
{
	for (int f = 0; f < NFIELDS; f++)
		if (strcmp(name, field_name[f]) == 0)
			return e->fm[f];
	return fk_jobj_get(&e->obj, name);
}

static const char *
member_str(const struct fk_jmember *m, size_t *len)
{
	if (m == NULL)
		return NULL;
	if (m->type == FK_J_STRING && m->vallen > 2) {
		*len = m->vallen - 2;
		return m->val + 1;
	}
	if (m->type == FK_J_NUMBER && m->integer) {
		*len = m->vallen;
		return m->val;
	}
	return NULL;
}

/* By index or by name. */
#define member_key(e, f, len) member_str((e)->fm[f], (len))
#define member_key_named(e, name, len) member_str(member((e), (name)), (len))

static int
member_num(const struct fk_enrich *e, int f, double *v)
{
	const struct fk_jmember *m = e->fm[f];

	/* 64 and longer were refused when they went through a buffer. */
	if (m == NULL || m->type != FK_J_NUMBER || m->vallen >= 64)
		return 0;
	/* The scanner checked the grammar; both round correctly, as strtod. */
	*v = fk_num_json(m->val, m->vallen);
	return isfinite(*v);
}

/* The label: 1, 0, -1 when absent, or -2 when it is not a label. */
static int
member_label(const struct fk_enrich *e, const char *name)
{
	const struct fk_jmember *m = member(e, name);
	int v;

	if (m == NULL || m->type == FK_J_NULL)
		return -1;
	return (v = fk_jmember_label(m)) >= 0 ? v : -2;
}

static int
record_time(const struct fk_enrich *e, int64_t *t, char *err, size_t errlen)
{
	const struct fk_jmember *m = e->fm[F_TS_MS];
	char why[128];
	int64_t v = 0;

	if (m != NULL && m->type == FK_J_NUMBER && m->integer &&
	    m->val[0] != '-' && m->vallen <= 15) {
		for (size_t i = 0; i < m->vallen; i++)
			v = v * 10 + (m->val[i] - '0');
		*t = v;
		return 0;
	}
	m = e->fm[F_TIMESTAMP];
	if (m == NULL || m->type != FK_J_STRING) {
		snprintf(err, errlen,
		    "timestamp: missing (fkcat-in adds "
		    "ts_ms and timestamp)");
		return -1;
	}
	if (m->escaped ||
	    fk_time_parse(m->val + 1, m->vallen - 2, t, why, sizeof(why)) ==
	        -1) {
		snprintf(err, errlen, "timestamp: %s",
		    m->escaped ? "escapes are not expected" : why);
		return -1;
	}
	return 0;
}

/* --- state updates -------------------------------------------------------- */

static uint32_t
hash32(const char *s, size_t len)
{
	uint32_t h = (uint32_t)fk_hash64(s, len, 0x5eed);

	return h != 0 ? h : 1;
}

/* Look v up in a set; update it; *isnew when absent or older than mem
 * seconds; the number of entries seen within span seconds, v included. */
static int
seen_update(struct seen *set, uint32_t v, uint32_t sec, uint32_t mem,
    uint32_t span, int *isnew)
{
	int found = -1, victim = 0, n = 0;

	for (int i = 0; i < SETN; i++) {
		if (set[i].h == v && set[i].sec != 0)
			found = i;
		if (set[i].sec < set[victim].sec)
			victim = i;
	}
	if (found >= 0) {
		*isnew = sec > set[found].sec && sec - set[found].sec > mem;
		if (sec > set[found].sec)
			set[found].sec = sec;
	} else {
		*isnew = 1;
		set[victim].h = v;
		set[victim].sec = sec;
	}
	for (int i = 0; i < SETN; i++)
		if (set[i].sec != 0 && set[i].sec + span > sec &&
		    set[i].sec <= sec)
			n++;
		else if (set[i].h == v && set[i].sec != 0)
			n++;
	return n;
}

static void
windows(struct fk_enrich *e, int kind, void *ent, double amount, int *first)
{
	struct fk_win *w = (struct fk_win *)((char *)ent + e->win_off[kind]);
	uint32_t count[FK_ENRICH_MAXWIN], pcount = 0;
	double sum[FK_ENRICH_MAXWIN], prev = 0;
	/* prev and pcount as written: at most 24 bytes (%.17g) */
	char text[24], ctext[24];
	size_t tlen = 0, clen = 0, at;

	fk_win_add_get(w, e->idx, e->o.nwin, amount, count, sum);
	for (int i = 0; i < e->o.nwin; i++) {
		/* Whole arrays, a copy of constant size that inlines; the
		 * length says how much of it counts.  Room for all four. */
		fk_jbuf_reserve(&e->ob,
		    sizeof(e->kcount[i]) + sizeof(ctext) + sizeof(e->ksum[i]) +
		        sizeof(text));
		memcpy(e->ob.p + e->ob.len, e->kcount[i], sizeof(e->kcount[i]));
		e->ob.len += e->kcountlen[i];
		/* Windows often hold the same events: a count or sum written
		 * again is copied (equal doubles print alike, 0 and -0 too);
		 * the copies read sizeof(text) bytes at at, reserved. */
		if (clen > 0 && count[i] == pcount) {
			memcpy(e->ob.p + e->ob.len, ctext, sizeof(ctext));
			e->ob.len += clen;
		} else {
			at = e->ob.len;
			fk_jbuf_u64(&e->ob, count[i]);
			clen = e->ob.len - at;
			memcpy(ctext, e->ob.p + at, sizeof(ctext));
			pcount = count[i];
		}
		memcpy(e->ob.p + e->ob.len, e->ksum[i], sizeof(e->ksum[i]));
		e->ob.len += e->ksumlen[i];
		if (tlen > 0 && sum[i] == prev) {
			memcpy(e->ob.p + e->ob.len, text, sizeof(text));
			e->ob.len += tlen;
			continue;
		}
		at = e->ob.len;
		fk_jbuf_fixed(&e->ob, sum[i], 2);
		tlen = e->ob.len - at;
		memcpy(text, e->ob.p + at, sizeof(text));
		prev = sum[i];
	}
	*first = 0;
}

static void
labels(struct fk_enrich *e, int kind, void *ent, int64_t t, int label, int rate,
    int *first)
{
	struct fk_lab *l = (struct fk_lab *)((char *)ent + e->lab_off[kind]);
	uint32_t tx, fraud;

	if (label >= 0)
		fk_lab_add(l, t, label);
	else if (e->o.ext_labels)
		fk_lab_count(l, t, 1, 0); /* its label, if any, comes apart */
	for (int i = 0; i < NLABW; i++) {
		fk_lab_get(
		    l, t, e->o.label_delay, label_windows[i], &tx, &fraud);
		key2(e, first, "label_tx_", label_names[i]);
		fk_jbuf_u64(&e->ob, tx);
		key2(e, first, "label_fraud_", label_names[i]);
		fk_jbuf_u64(&e->ob, fraud);
		if (rate && tx > 0) {
			key2(e, first, "label_rate_", label_names[i]);
			fk_jbuf_fixed(&e->ob, (double)fraud / tx, 6);
		}
	}
}

static uint64_t
entity_key(int kind, const char *s, size_t len)
{
	return fk_hash64(s, len, 0x9e3779b97f4a7c15ULL * (uint64_t)(kind + 1));
}

/* The features of the user (e->key[K_USER]); updates the user's state. */
static void
user_features(struct fk_enrich *e, int64_t t, double amount, int label)
{
	int created, first = 1, isnew, n;
	struct user *u =
	    fk_table_get(&e->t[K_USER], e->key[K_USER], t, &created);
	uint32_t sec = (uint32_t)(t / 1000), count;
	double mean, sd, max, lat, lon;
	const char *s, *c;
	size_t len, clen = 0;
	int located = 0;

	PUTS(e, "\"user\":{");
	windows(e, K_USER, u, amount, &first);
	fk_stat_get_idx(&u->prof, e->pidx, &count, &mean, &sd, &max);
	fk_stat_add_idx(&u->prof, e->pidx, amount);
	if (count >= PROFILE_MIN) {
		KEY(e, &first, "amount_mean_30d");
		fk_jbuf_fixed(&e->ob, mean, 2);
		KEY(e, &first, "amount_sd_30d");
		fk_jbuf_fixed(&e->ob, sd, 2);
		KEY(e, &first, "amount_max_30d");
		fk_jbuf_fixed(&e->ob, max, 2);
		if (sd > 0) {
			KEY(e, &first, "amount_z");
			fk_jbuf_fixed(&e->ob, (amount - mean) / sd, 4);
		}
		if (mean > 0) {
			KEY(e, &first, "amount_ratio");
			fk_jbuf_fixed(&e->ob, amount / mean, 4);
		}
	}
	if (u->has_prev) {
		KEY(e, &first, "secs_since_prev");
		fk_jbuf_fixed(&e->ob,
		    t > u->prev_ms ? (double)(t - u->prev_ms) / 1000 : 0, 3);
	}
	if (!u->has_prev || t > u->prev_ms)
		u->prev_ms = t;
	u->has_prev = 1;

	/* Geography. */
	if (member_num(e, F_LAT, &lat) && member_num(e, F_LON, &lon) &&
	    lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180) {
		located = 1;
	} else if ((s = member_key(e, F_LOCATION, &len)) != NULL) {
		c = member_key(e, F_COUNTRY, &clen);
		located = find_place(e, s, len, c, clen, &lat, &lon);
	}
	if (located) {
		if (u->has_loc) {
			double km = fk_geo_km(u->loc_lat, u->loc_lon, lat, lon);
			int64_t dt =
			    t > u->loc_ms ? t - u->loc_ms : u->loc_ms - t;
			double kmh = km /
			    ((double)(dt > MIN_TRAVEL_MS ? dt : MIN_TRAVEL_MS) /
			        HOUR_MS);

			KEY(e, &first, "km_from_prev");
			fk_jbuf_fixed(&e->ob, km, 3);
			KEY(e, &first, "kmh_from_prev");
			fk_jbuf_fixed(&e->ob, kmh, 1);
			KEY(e, &first, "impossible_travel");
			put_bool(e, kmh > e->o.max_speed);
		}
		if (u->home_n > 0) {
			KEY(e, &first, "km_from_home");
			fk_jbuf_fixed(&e->ob,
			    fk_geo_km(u->home_lat, u->home_lon, lat, lon), 3);
		}
		if (!u->has_loc || t >= u->loc_ms) {
			u->loc_lat = (float)lat;
			u->loc_lon = (float)lon;
			u->loc_ms = t;
		}
		u->has_loc = 1;
		if (u->home_n < HOME_N)
			u->home_n++;
		u->home_lat += (float)((lat - u->home_lat) / u->home_n);
		u->home_lon += (float)((lon - u->home_lon) / u->home_n);
	}
	if ((c = member_key(e, F_COUNTRY, &clen)) != NULL) {
		uint32_t h = hash32(c, clen);

		if (u->country_h != 0) {
			KEY(e, &first, "country_changed");
			put_bool(e, h != u->country_h);
		}
		u->country_h = h;
	}

	/* Devices, ips, merchants. */
	if ((s = member_key(e, F_DEVICE_ID, &len)) != NULL) {
		n = seen_update(u->dev, hash32(s, len), sec,
		    (uint32_t)(e->o.device_memory / 1000), 86400, &isnew);
		KEY(e, &first, "new_device");
		put_bool(e, isnew);
		KEY(e, &first, "devices_24h");
		fk_jbuf_u64(&e->ob, (uint64_t)n);
	}
	if ((s = member_key(e, F_IP, &len)) != NULL) {
		n = seen_update(u->ip, hash32(s, len), sec,
		    (uint32_t)(e->o.device_memory / 1000), 86400, &isnew);
		KEY(e, &first, "new_ip");
		put_bool(e, isnew);
		KEY(e, &first, "ips_24h");
		fk_jbuf_u64(&e->ob, (uint64_t)n);
	}
	if ((s = member_key(e, F_MERCHANT_ID, &len)) != NULL) {
		n = seen_update(u->merch, hash32(s, len), sec,
		    (uint32_t)(e->o.device_memory / 1000), 3600, &isnew);
		KEY(e, &first, "new_merchant");
		put_bool(e, isnew);
		KEY(e, &first, "merchants_1h");
		fk_jbuf_u64(&e->ob, (uint64_t)n);
	}
	if (e->labels)
		labels(e, K_USER, u, t, label, 0, &first);
	PUTS(e, "}");
}

/* Velocity (and labels) of a merchant or terminal (e->key[kind]). */
static void
place_features(
    struct fk_enrich *e, int kind, int64_t t, double amount, int label)
{
	int created, first = 1;
	void *m = fk_table_get(&e->t[kind], e->key[kind], t, &created);

	PUTS(e, ",\"");
	fk_jbuf_put(&e->ob, kind_name[kind], strlen(kind_name[kind]));
	PUTS(e, "\":{");
	windows(e, kind, m, amount, &first);
	if (e->labels)
		labels(e, kind, m, t, label, 1, &first);
	PUTS(e, "}");
}

/* Distinct users of a device or ip (e->key[kind]) in 24 hours. */
static void
shared_features(
    struct fk_enrich *e, int kind, int64_t t, const char *uid, size_t ulen)
{
	int created, isnew, n;
	struct shared *d = fk_table_get(&e->t[kind], e->key[kind], t, &created);

	n = seen_update(d->users, hash32(uid, ulen), (uint32_t)(t / 1000),
	    86400, 86400, &isnew);
	PUTS(e, ",\"");
	fk_jbuf_put(&e->ob, kind_name[kind], strlen(kind_name[kind]));
	PUTS(e, "\":{\"users_24h\":");
	fk_jbuf_u64(&e->ob, (uint64_t)n);
	PUTS(e, "}");
}

static void
list_hits(struct fk_enrich *e)
{
	static const char *const any[] = { "user_id", "device_id", "ip",
		"merchant_id" };
	int nhit = 0;

	if (e->o.lists == NULL)
		return;
	for (size_t i = 0; i < e->o.lists->n; i++) {
		const struct fk_list *l = e->o.lists->l[i];

		for (int f = 0; f < 4; f++) {
			const char *field =
			    l->field != NULL ? l->field : any[f];
			const char *v;
			size_t len;

			if ((v = member_key_named(e, field, &len)) != NULL &&
			    fk_list_has(l, v, len)) {
				if (nhit++ > 0)
					PUTS(e, ",{");
				else
					PUTS(e, ",\"lists\":[{");
				PUTS(e, "\"list\":\"");
				fk_jbuf_put(&e->ob, l->name, strlen(l->name));
				PUTS(e, "\",\"field\":\"");
				fk_jbuf_put(&e->ob, field, strlen(field));
				PUTS(e, "\",\"sha256\":\"");
				fk_jbuf_put(&e->ob, l->hash, strlen(l->hash));
				PUTS(e, "\"}");
				break;
			}
			if (l->field != NULL)
				break;
		}
	}
	if (nhit > 0)
		PUTS(e, "]");
}

static void
calendar(struct fk_enrich *e, int64_t t)
{
	int64_t local = t + (int64_t)e->o.tz_min * 60000;
	int64_t day =
	    local >= 0 ? local / DAY_MS : -((-local + DAY_MS - 1) / DAY_MS);
	int hour = (int)((local - day * DAY_MS) / HOUR_MS);
	int wday = (int)(((day + 3) % 7 + 7) % 7); /* 0 = Monday */

	PUTS(e, ",\"hour\":");
	fk_jbuf_u64(&e->ob, (uint64_t)hour);
	PUTS(e, ",\"weekend\":");
	put_bool(e, wday >= 5);
	PUTS(e, ",\"night\":");
	put_bool(e, hour < 6);
}

/* Count the labels of transactions before t. */
void
fk_enrich_count_label(struct fk_enrich *e, const struct fk_enrich_label *l)
{
	int created;

	for (int k = K_USER; k <= K_TERMINAL; k++) {
		void *ent;

		if (!l->has[k] || !HAS(e, k))
			continue;
		ent = fk_table_get(&e->t[k], l->key[k], l->t, &created);
		fk_lab_count(
		    (struct fk_lab *)((char *)ent + e->lab_off[k]), l->t, 0, 1);
	}
}

static void
count_labels(struct fk_enrich *e, int64_t t)
{
	for (; e->next < e->next_n && e->ext[e->next].t <= t; e->next++)
		fk_enrich_count_label(e, &e->ext[e->next]);
}

void
fk_enrich_labels(struct fk_enrich *e, const struct fk_enrich_label *l, size_t n)
{
	e->ext = l;
	e->next_n = n;
	e->next = 0;
	/* A state carried over has counted those up to its watermark. */
	while (e->has_wm && e->next < n && l[e->next].t <= e->wm)
		e->next++;
}

int
fk_enrich_label_parse(struct fk_enrich *e, const char *data, size_t len,
    struct fk_enrich_label *l, char *err, size_t errlen)
{
	static const int field[3] = { F_USER_ID, F_MERCHANT_ID, F_TERMINAL_ID };
	char why[256];
	const char *s;
	size_t slen;
	int label, any = 0;

	if (fk_jscan(&e->obj, data, len, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "invalid JSON: %s", why);
		return -1;
	}
	index_members(e);
	if ((label = member_label(e, "fraud")) < 0) {
		snprintf(err, errlen,
		    "fraud: expected 0, 1, true, false, \"0\" or \"1\"");
		return -1;
	}
	if (record_time(e, &l->t, err, errlen) == -1)
		return -1;
	for (int k = 0; k < 3; k++) {
		s = member_key(e, field[k], &slen);
		l->has[k] = s != NULL;
		l->key[k] = s != NULL ? entity_key(k, s, slen) : 0;
		any |= s != NULL;
	}
	if (!any) {
		snprintf(err, errlen,
		    "a label needs user_id, merchant_id or "
		    "terminal_id (fk-enrich keeps no "
		    "transactions by tx_id)");
		return -1;
	}
	return label;
}

/* A hop of --entities: the members of the record's features it keeps. */
static void
old_features(struct fk_enrich *e)
{
	const struct fk_jmember *f = e->fm[F_FEATURES];
	char why[128];

	memset(e->old, 0, sizeof(e->old));
	/* Scanned (and so valid) with the record: this cannot fail. */
	if (f == NULL || f->type != FK_J_OBJECT ||
	    fk_jscan(&e->fobj, f->val, f->vallen, why, sizeof(why)) == -1)
		return;
	for (int i = 0; i < NOLD; i++)
		e->old[i] = fk_jobj_get(&e->fobj, old_name[i]);
}

/* ,"name":value of the record's old features, as it was. */
static void
keep_old(struct fk_enrich *e, int i)
{
	const struct fk_jmember *m = e->old[i];

	if (m == NULL)
		return;
	PUTS(e, ",\"");
	fk_jbuf_put(&e->ob, old_name[i], strlen(old_name[i]));
	PUTS(e, "\":");
	fk_jbuf_put(&e->ob, m->val, m->vallen);
}

int
fk_enrich_peek(struct fk_enrich *e, const char *data, size_t len, int64_t *t,
    const char **tx, size_t *txlen)
{
	char why[256];

	*txlen = 0;
	*tx = NULL;
	if (fk_jscan(&e->obj, data, len, why, sizeof(why)) == -1)
		return -1;
	index_members(e);
	if (record_time(e, t, why, sizeof(why)) == -1)
		return -1;
	if ((*tx = member_key_named(e, "tx_id", txlen)) == NULL)
		*txlen = 0;
	return 0;
}

int
fk_enrich_watermark(const struct fk_enrich *e, int64_t *wm)
{
	*wm = e->wm;
	return e->has_wm;
}

void
fk_enrich_set_extra(struct fk_enrich *e, const void *p, size_t len)
{
	free(e->extra);
	e->extra = NULL;
	e->extralen = len;
	if (len > 0) {
		e->extra = fk_xmalloc(len);
		memcpy(e->extra, p, len);
	}
}

const void *
fk_enrich_extra(const struct fk_enrich *e, size_t *len)
{
	*len = e->extralen;
	return e->extra;
}

int
fk_enrich_key(const struct fk_enrich *e, const char *field, const char **key,
    size_t *keylen)
{
	const char *s = member_key_named(e, field, keylen);

	if (s == NULL)
		return -1;
	*key = s;
	return 0;
}

unsigned
fk_enrich_off_key(const struct fk_enrich *e, const char *key, size_t keylen)
{
	static const int field[NKINDS] = { F_USER_ID, F_MERCHANT_ID,
		F_TERMINAL_ID, F_DEVICE_ID, F_IP };
	unsigned off = 0;
	const char *s;
	size_t len;

	for (int k = 0; k < NKINDS; k++)
		if (HAS(e, k) && (s = member_key(e, field[k], &len)) != NULL &&
		    (key == NULL || len != keylen || memcmp(s, key, len) != 0))
			off |= 1u << k;
	return off;
}

/* fk_win_index(s, t), kept in slot i: records come nearly in time order,
 * so that t is mostly in the bucket of the record before, and the 64-bit
 * division, dozens of cycles, is left out. */
static int64_t
bucket(struct fk_enrich *e, int i, const struct fk_winspec *s, int64_t t)
{
	if (t >= e->bstart[i] && t - e->bstart[i] < s->bucket_ms)
		return e->bidx[i];
	e->bidx[i] = fk_win_index(s, t);
	e->bstart[i] = e->bidx[i] * s->bucket_ms;
	return e->bidx[i];
}

/* Start loading the record's entities into the cache, all at once. */
static void
prefetch(struct fk_enrich *e, const char *uid, size_t ulen)
{
	static const int field[NKINDS] = { F_USER_ID, F_MERCHANT_ID,
		F_TERMINAL_ID, F_DEVICE_ID, F_IP };
	int have[NKINDS];
	const char *s;
	size_t len;

	for (int k = 0; k < NKINDS; k++) {
		s = k == K_USER ? uid : member_key(e, field[k], &len);
		if ((have[k] = s != NULL && HAS(e, k))) {
			e->key[k] = entity_key(k, s, k == K_USER ? ulen : len);
			fk_table_prefetch(&e->t[k], e->key[k]);
		}
	}
	for (int k = 0; k < NKINDS; k++)
		if (have[k])
			fk_table_prefetch_payload(&e->t[k], e->key[k]);
	for (int k = 0; k < NKINDS; k++)
		if (have[k])
			fk_table_prefetch_links(&e->t[k], e->key[k]);
}

int
fk_enrich_record(struct fk_enrich *e, const char *data, size_t len,
    const char **out, size_t *outlen, const char **keyp, size_t *keylen,
    int64_t *ts_ms, char *err, size_t errlen)
{
	const char *uid, *s;
	size_t ulen, slen;
	double amount;
	int64_t t;
	int label = -1, late = 0;
	size_t start;
	char why[256];

	if (fk_jscan(&e->obj, data, len, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "invalid JSON: %s", why);
		return -1;
	}
	index_members(e);
	if ((uid = member_key(e, F_USER_ID, &ulen)) == NULL) {
		snprintf(err, errlen, "user_id: missing or not a string");
		return -1;
	}
	if (!member_num(e, F_AMOUNT, &amount)) {
		snprintf(err, errlen, "amount: missing or not a number");
		return -1;
	}
	if (record_time(e, &t, err, errlen) == -1)
		return -1;
	if (t < 0) {
		snprintf(err, errlen, "timestamp: before 1970");
		return -1;
	}
	if (e->o.label_field != NULL) {
		label = member_label(e, e->o.label_field);
		e->labn[label + 2]++;
		e->last_label = label;
		if (label < 0)
			label = -1; /* the record goes on, unlabelled */
	}
	*ts_ms = t;
	if (e->has_wm && t < e->wm - e->o.lateness) {
		late = 1;
		e->late++;
		t = e->wm; /* processed against the current state */
	} else if (!e->has_wm || t > e->wm) {
		e->wm = t;
		e->has_wm = 1;
	}

	count_labels(e, t);
	prefetch(e, uid, ulen);
	for (int i = 0; i < e->o.nwin; i++)
		e->idx[i] = bucket(e, i, &e->spec[i], t);
	e->pidx = bucket(e, FK_ENRICH_MAXWIN, &e->profile, t);
	if (e->partial)
		old_features(e);
	/* Without a features member (none indexed, no key with escapes that
	 * could be one), nothing to look for to drop. */
	fk_jbuf_open_record(&e->ob, data, len, &e->obj,
	    e->fm[F_FEATURES] != NULL || e->key_escaped ? "features" : NULL);
	PUTS(e, "\"features\":{");
	start = e->ob.len;
	if (HAS(e, K_USER))
		user_features(e, t, amount, label);
	else
		keep_old(e, K_USER);
	if (!HAS(e, K_MERCHANT))
		keep_old(e, K_MERCHANT);
	else if ((s = member_key(e, F_MERCHANT_ID, &slen)) != NULL)
		place_features(e, K_MERCHANT, t, amount, label);
	if (!HAS(e, K_TERMINAL))
		keep_old(e, K_TERMINAL);
	else if ((s = member_key(e, F_TERMINAL_ID, &slen)) != NULL)
		place_features(e, K_TERMINAL, t, amount, label);
	if (!HAS(e, K_DEVICE))
		keep_old(e, K_DEVICE);
	else if ((s = member_key(e, F_DEVICE_ID, &slen)) != NULL)
		shared_features(e, K_DEVICE, t, uid, ulen);
	if (!HAS(e, K_IP))
		keep_old(e, K_IP);
	else if ((s = member_key(e, F_IP, &slen)) != NULL)
		shared_features(e, K_IP, t, uid, ulen);
	if (e->partial && (e->o.lists == NULL || e->o.lists->n == 0))
		keep_old(e, OLD_LISTS);
	else
		list_hits(e);
	calendar(e, t);
	if (late ||
	    (e->partial && e->old[OLD_LATE] != NULL &&
	        e->old[OLD_LATE]->type == FK_J_TRUE))
		PUTS(e, ",\"late\":true");
	/* Without the user's member (a hop of --entities), the first one
	 * written has a comma before it. */
	if (e->ob.p[start] == ',') {
		memmove(e->ob.p + start, e->ob.p + start + 1,
		    e->ob.len - start - 1);
		e->ob.len--;
	}
	PUTS(e, "}}");
	fk_enrich_expire(e);
	*out = e->ob.p;
	*outlen = e->ob.len;
	*keyp = uid;
	*keylen = ulen;
	return 0;
}

void
fk_enrich_expire(struct fk_enrich *e)
{
	if (!e->has_wm)
		return;
	for (int k = 0; k < NKINDS; k++)
		fk_table_expire(&e->t[k], e->wm - e->idle[k]);
}

void
fk_enrich_stats(const struct fk_enrich *e, struct fk_enrich_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->late = e->late;
	st->labels_unusable = e->labn[0];
	st->labels_missing = e->labn[1];
	st->labels_legit = e->labn[2];
	st->labels_fraud = e->labn[3];
	for (int k = 0; k < NKINDS; k++) {
		st->evicted_lru += e->t[k].evicted_lru;
		st->evicted_idle += e->t[k].evicted_idle;
	}
	st->users = e->t[K_USER].n;
	st->merchants = e->t[K_MERCHANT].n;
	st->terminals = e->t[K_TERMINAL].n;
	st->devices = e->t[K_DEVICE].n;
	st->ips = e->t[K_IP].n;
}

/* --- state ---------------------------------------------------------------- */

/* Labels on, and a hop's kinds (none for all: the word a state of all
 * kinds always had). */
static uint32_t
config_labels(const struct fk_enrich *e)
{
	return (uint32_t)e->labels | (e->partial ? e->kinds << 8 : 0);
}

/* What the state depends on: a state made with other settings is
 * refused rather than misread. */
static void
put_config(struct fk_state_w *w, const struct fk_enrich *e)
{
	fk_state_put_u32(w, (uint32_t)e->o.nwin);
	for (int i = 0; i < e->o.nwin; i++)
		fk_state_put_u64(w, (uint64_t)e->o.win[i]);
	fk_state_put_u32(w, config_labels(e));
	for (int k = 0; k < NKINDS; k++)
		fk_state_put_u64(w, e->t[k].payload);
}

struct save_ctx {
	struct fk_state_w *w;
	size_t payload;
};

static void
save_one(void *arg, uint64_t k, int64_t last, const void *payload)
{
	struct save_ctx *c = arg;

	fk_state_put_u64(c->w, k);
	fk_state_put_u64(c->w, (uint64_t)last);
	fk_state_put(c->w, payload, c->payload);
}

static void
put_engine(struct fk_state_w *w, const struct fk_enrich *e)
{
	struct save_ctx c = { .w = w };

	put_config(w, e);
	fk_state_put_u32(w, (uint32_t)e->has_wm);
	fk_state_put_u64(w, (uint64_t)e->wm);
	fk_state_put_u64(w, (uint64_t)e->late);
	for (int k = 0; k < NKINDS; k++) {
		fk_state_put_u64(w, e->t[k].n);
		fk_state_put_u64(w, (uint64_t)e->t[k].evicted_lru);
		fk_state_put_u64(w, (uint64_t)e->t[k].evicted_idle);
		c.payload = e->t[k].payload;
		fk_table_each(&e->t[k], save_one, &c);
	}
	fk_state_put_u32(w, (uint32_t)e->extralen);
	if (e->extralen > 0)
		fk_state_put(w, e->extra, e->extralen);
}

int
fk_enrich_save(const struct fk_enrich_part *parts, size_t n, const char *path,
    char *err, size_t errlen)
{
	struct fk_state_w w;

	if (fk_state_begin(&w, path, STATE_KIND, STATE_VERSION, err, errlen) ==
	    -1)
		return -1;
	fk_state_put_u32(&w, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		fk_state_put_u32(&w, (uint32_t)parts[i].partition);
		put_engine(&w, parts[i].e);
	}
	return fk_state_commit(&w, err, errlen);
}

/* Fill the empty engine e from r; -1 when its settings differ. */
static int
get_engine(struct fk_state_r *r, struct fk_enrich *e, uint32_t version)
{
	uint32_t nwin = fk_state_get_u32(r);
	int same = nwin == (uint32_t)e->o.nwin, created;

	for (uint32_t i = 0; i < nwin && !r->bad; i++)
		if (fk_state_get_u64(r) != (same ? (uint64_t)e->o.win[i] : 0))
			same = 0;
	if (fk_state_get_u32(r) != config_labels(e))
		same = 0;
	for (int k = 0; k < NKINDS; k++)
		if (fk_state_get_u64(r) != e->t[k].payload)
			same = 0;
	if (!same || r->bad)
		return -1;
	e->has_wm = (int)fk_state_get_u32(r);
	e->wm = (int64_t)fk_state_get_u64(r);
	e->late = (long long)fk_state_get_u64(r);
	for (int k = 0; k < NKINDS && !r->bad; k++) {
		uint64_t n = fk_state_get_u64(r);

		e->t[k].evicted_lru = (long long)fk_state_get_u64(r);
		e->t[k].evicted_idle = (long long)fk_state_get_u64(r);
		for (uint64_t i = 0; i < n && !r->bad; i++) {
			uint64_t key = fk_state_get_u64(r);
			int64_t last = (int64_t)fk_state_get_u64(r);
			void *p = fk_table_get(&e->t[k], key, last, &created);

			fk_state_get(r, p, e->t[k].payload);
		}
	}
	if (version >= 2 && !r->bad) {
		uint32_t n = fk_state_get_u32(r);

		if (n > r->len - r->pos) {
			r->bad = 1;
			return 0;
		}
		e->extra = fk_xmalloc(n > 0 ? n : 1);
		e->extralen = n;
		fk_state_get(r, e->extra, n);
	}
	return 0;
}

int
fk_enrich_load(const struct fk_enrich_opts *o, const char *path,
    void (*add)(void *arg, int32_t partition, struct fk_enrich *e), void *arg,
    char *err, size_t errlen)
{
	struct fk_state_r r;
	uint32_t n;
	int rc;

	rc = fk_state_load(&r, path, STATE_KIND, STATE_VERSION, err, errlen);
	if (rc <= 0)
		return rc;
	n = fk_state_get_u32(&r);
	for (uint32_t i = 0; i < n && !r.bad; i++) {
		int32_t partition = (int32_t)fk_state_get_u32(&r);
		struct fk_enrich *e = fk_enrich_new(o);

		if (get_engine(&r, e, r.version) == -1) {
			snprintf(err, errlen,
			    "%s: made with other --windows or --label-field "
			    "(or by another build); use --state-reset to "
			    "start afresh",
			    path);
			fk_enrich_free(e);
			fk_state_release(&r);
			return -1;
		}
		add(arg, partition, e);
	}
	rc = r.bad || r.pos != r.len ? -1 : 1;
	if (rc == -1)
		snprintf(err, errlen,
		    "%s: the state's content does not add up: the file is "
		    "corrupt",
		    path);
	fk_state_release(&r);
	return rc;
}

/* --- changelog ------------------------------------------------------------
 * Key: the entity kind (1 byte) and its 64-bit key, little-endian; value:
 * its last touch (8 bytes) and payload.  The meta message: key 0xff;
 * value: a fingerprint of the settings, the watermark, the late count and
 * the next input offset. */

#define META_KIND FK_ENRICH_WATERMARK_KEY

static void
le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* What the payloads depend on. */
static uint64_t
fingerprint(const struct fk_enrich *e)
{
	uint64_t f[FK_ENRICH_MAXWIN + NKINDS + 2];
	size_t n = 0;

	f[n++] = (uint64_t)e->o.nwin;
	for (int i = 0; i < e->o.nwin; i++)
		f[n++] = (uint64_t)e->o.win[i];
	f[n++] = config_labels(e);
	for (int k = 0; k < NKINDS; k++)
		f[n++] = e->t[k].payload;
	return fk_hash64(f, n * sizeof(f[0]), 0xc4a96e1);
}

void
fk_enrich_track(struct fk_enrich *e)
{
	for (int k = 0; k < NKINDS; k++)
		fk_table_track(&e->t[k]);
}

struct change_ctx {
	struct fk_enrich *e;
	int kind;
	void (*put)(void *, const void *, size_t, const void *, size_t);
	void *arg;
	unsigned char *buf;
	size_t cap;
};

static void
one_change(void *arg, uint64_t key, int64_t last, const void *payload)
{
	struct change_ctx *c = arg;
	size_t plen = c->e->t[c->kind].payload;
	unsigned char k[9];

	k[0] = (unsigned char)c->kind;
	le64(k + 1, key);
	if (payload == NULL) {
		c->put(c->arg, k, sizeof(k), NULL, 0);
		return;
	}
	if (8 + plen > c->cap) {
		c->cap = 8 + plen;
		c->buf = fk_xrealloc(c->buf, c->cap);
	}
	le64(c->buf, (uint64_t)last);
	memcpy(c->buf + 8, payload, plen);
	c->put(c->arg, k, sizeof(k), c->buf, 8 + plen);
}

void
fk_enrich_changes(struct fk_enrich *e, int64_t offset,
    void (*put)(void *arg, const void *key, size_t keylen, const void *value,
        size_t len),
    void *arg)
{
	struct change_ctx c = { .e = e, .put = put, .arg = arg };
	unsigned char k = META_KIND, *v = fk_xmalloc(33 + e->extralen);

	for (c.kind = 0; c.kind < NKINDS; c.kind++)
		fk_table_changes(&e->t[c.kind], one_change, &c);
	free(c.buf);
	le64(v, fingerprint(e));
	v[8] = (unsigned char)e->has_wm;
	le64(v + 9, (uint64_t)e->wm);
	le64(v + 17, (uint64_t)e->late);
	le64(v + 25, (uint64_t)offset);
	/* The owner's extra bytes (a hop's release frontier) after. */
	if (e->extralen > 0)
		memcpy(v + 33, e->extra, e->extralen);
	put(arg, &k, 1, v, 33 + e->extralen);
	free(v);
}

int
fk_enrich_apply(struct fk_enrich *e, const void *key, size_t keylen,
    const void *value, size_t len, int64_t *offset)
{
	const unsigned char *k = key, *v = value;
	int kind;

	if (keylen == 1 && k[0] == META_KIND) {
		if (v == NULL || len < 33 || get_le64(v) != fingerprint(e))
			return -1;
		e->has_wm = v[8];
		e->wm = (int64_t)get_le64(v + 9);
		e->late = (long long)get_le64(v + 17);
		*offset = (int64_t)get_le64(v + 25);
		fk_enrich_set_extra(e, v + 33, len - 33);
		return 0;
	}
	if (keylen != 9 || (kind = k[0]) >= NKINDS)
		return -1;
	if (v == NULL) {
		fk_table_remove(&e->t[kind], get_le64(k + 1));
		return 0;
	}
	if (len != 8 + e->t[kind].payload)
		return -1;
	fk_table_put(&e->t[kind], get_le64(k + 1), (int64_t)get_le64(v), v + 8);
	return 0;
}

const char *
fk_enrich_bad_label(const struct fk_enrich *e, size_t *len)
{
	const struct fk_jmember *m;

	if (e->o.label_field == NULL || e->last_label != -2 ||
	    (m = member(e, e->o.label_field)) == NULL)
		return NULL;
	*len = m->vallen;
	return m->val;
}
