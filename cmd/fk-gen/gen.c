#include "gen.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fktime.h"
#include "heap.h"
#include "numbers.h"
#include "places.h"
#include "xalloc.h"
#include "banned.h"

#define MIN_MS 60000LL
#define HOUR_MS 3600000LL
#define DAY_MS 86400000LL
#define MAX_USUAL 10
#define FAR_KM 2000.0 /* travel: at least this far from home */
#define RECBUF 1024   /* a record is at most ~500 bytes */
#define TWO_PI 6.283185307179586

static const struct {
	const char *name;
	double rate;
} scenarios[FK_GEN_NSCENARIOS] = {
	[FK_GEN_BURST] = { "burst", 0.0003 },
	[FK_GEN_TRAVEL] = { "travel", 0.001 },
	[FK_GEN_HIGHVALUE] = { "highvalue", 0.001 },
	[FK_GEN_BLOCKLIST] = { "blocklist", 0.0005 },
	[FK_GEN_TAKEOVER] = { "takeover", 0.0002 },
	[FK_GEN_TERMINAL] = { "terminal", 0.00005 },
	[FK_GEN_CARD] = { "card", 0.0001 },
};

/* Shops with terminals, then online merchants. */
static const char *const shop_categories[] = { "grocery", "restaurant", "fuel",
	"fashion", "electronics", "pharmacy", "travel", "entertainment" };
static const char *const online_categories[] = { "online_retail",
	"digital_goods", "gaming", "subscription" };
#define NSHOP (sizeof(shop_categories) / sizeof(shop_categories[0]))
#define NONLINE (sizeof(online_categories) / sizeof(online_categories[0]))

/* What a scheduled event makes. */
enum {
	EV_REGULAR,
	EV_BURST,
	EV_TRAVEL,
	EV_HIGHVALUE,
	EV_BLOCK_DEVICE,
	EV_BLOCK_ACCOUNT,
	EV_TAKEOVER,
};

/* xoshiro256** (Blackman and Vigna), seeded through splitmix64. */
struct rng {
	uint64_t s[4];
	int has_spare;
	double spare;
};

struct user {
	float lat, lon, mean, sd;
	float gap_ms; /* mean gap between transactions in active hours */
	uint32_t city;
	uint32_t dev[3];
	uint32_t usual[MAX_USUAL];
	int64_t card_until; /* card compromised until then */
	uint8_t ndev, nusual, start_h, end_h;
	int8_t tz_h;
};

struct merchant {
	float lat, lon;
	uint32_t city;
	uint32_t term0; /* first terminal; shops only */
	uint8_t cat, online, nterm;
};

struct ev {
	int64_t t; /* first: the key of the event queue */
	uint64_t seq;
	uint32_t user, merchant, dev, city;
	uint8_t kind, left;
};

/* A record held back by --disorder until its arrival time. */
struct pend {
	int64_t at; /* first: the key of its queue */
	uint64_t seq;
	int64_t ts_ms;
	char *data;
	size_t len, userlen;
	char user[24];
};

struct fk_gen {
	struct fk_gen_opts o;
	struct rng rng;
	struct rng late; /* --disorder's own: the same records, reordered */
	int64_t end_ms;
	struct user *users;
	long nusers;
	struct merchant *merch;
	long nmerch;
	uint32_t *online; /* online merchants */
	long nonline;
	uint32_t *shops; /* shops, grouped by city */
	long nshops;
	uint32_t *city_first, *city_n; /* shops of each city */
	int64_t *term_until;           /* terminal compromised until */
	long nterm;
	double *city_cum; /* cumulative population weights */
	/* blocklists: accounts numbered after the users */
	uint32_t *bad_dev, *bad_city;
	long nbad;

	struct fk_heap events; /* struct ev by (t, seq) */
	uint64_t seq;
	struct fk_heap pend; /* struct pend by (at, seq) */

	long long count, fraud[FK_GEN_NSCENARIOS];
	char buf[RECBUF];
	size_t len;
	char user[24];
	size_t userlen;
	int64_t day; /* of the cached date prefix */
	char date[12];
};

const char *
fk_gen_scenario_name(int s)
{
	return s >= 0 && s < FK_GEN_NSCENARIOS ? scenarios[s].name : NULL;
}

int
fk_gen_scenario_find(const char *name, size_t len)
{
	for (int s = 0; s < FK_GEN_NSCENARIOS; s++)
		if (strlen(scenarios[s].name) == len &&
		    memcmp(scenarios[s].name, name, len) == 0)
			return s;
	return -1;
}

double
fk_gen_default_rate(int s)
{
	return scenarios[s].rate;
}

void
fk_gen_opts_init(struct fk_gen_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->users = 1000;
	o->merchants = 0;              /* half the users */
	o->start_ms = 1730419200000LL; /* 2024-11-01T00:00:00Z */
	o->days = 1;
	for (int s = 0; s < FK_GEN_NSCENARIOS; s++)
		o->rate[s] = scenarios[s].rate;
}

int
fk_gen_fraud_parse(
    struct fk_gen_opts *o, const char *spec, char *err, size_t errlen)
{
	double rate[FK_GEN_NSCENARIOS] = { 0 };
	const char *p = spec, *end, *eq;
	char num[64], nerr[128];
	int s;

	if (strcmp(spec, "none") != 0) {
		for (;;) {
			end = p + strcspn(p, ",");
			eq = memchr(p, '=', (size_t)(end - p));
			s = fk_gen_scenario_find(
			    p, (size_t)((eq ? eq : end) - p));
			if (s < 0) {
				snprintf(err, errlen,
				    "unknown scenario \"%.*s\"; known: burst, "
				    "travel, highvalue, blocklist, takeover, "
				    "terminal, card",
				    (int)((eq ? eq : end) - p), p);
				return -1;
			}
			rate[s] = scenarios[s].rate;
			if (eq != NULL) {
				if ((size_t)(end - eq - 1) >= sizeof(num))
					goto bad;
				memcpy(num, eq + 1, (size_t)(end - eq - 1));
				num[end - eq - 1] = '\0';
				if (fk_num_double(num, 0, 1, &rate[s], nerr,
				        sizeof(nerr)) == -1)
					goto bad;
			}
			if (*end == '\0')
				break;
			p = end + 1;
			continue;
		bad:
			snprintf(err, errlen,
			    "%s: expected a rate from 0 to 1, got \"%.*s\"",
			    scenarios[s].name, (int)(end - eq - 1), eq + 1);
			return -1;
		}
	}
	memcpy(o->rate, rate, sizeof(rate));
	return 0;
}

/* --- random numbers ---------------------------------------------------- */

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_seed(struct rng *r, uint64_t seed)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
rng_u64(struct rng *r)
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Uniform in [0, 1). */
static inline double
rng_unif(struct rng *r)
{
	return (double)(rng_u64(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n), n > 0. */
static inline uint64_t
rng_below(struct rng *r, uint64_t n)
{
	return (uint64_t)(rng_unif(r) * (double)n) % n;
}

static inline double
rng_range(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_unif(r);
}

/* Standard normal, Box-Muller with the second value kept. */
static double
rng_normal(struct rng *r)
{
	double u, v, m;

	if (r->has_spare) {
		r->has_spare = 0;
		return r->spare;
	}
	u = 1.0 - rng_unif(r); /* (0, 1] */
	v = rng_unif(r);
	m = sqrt(-2.0 * log(u));
	r->spare = m * sin(TWO_PI * v);
	r->has_spare = 1;
	return m * cos(TWO_PI * v);
}

static inline double
rng_exp(struct rng *r, double mean)
{
	return -mean * log(1.0 - rng_unif(r));
}

/* --- the event queue: a binary heap on (time, sequence) ----------------- */

/* Ties in time go in the order pushed. */
static int
ev_tie(const void *a, const void *b)
{
	return ((const struct ev *)a)->seq < ((const struct ev *)b)->seq;
}

static void
ev_push(struct fk_gen *g, struct ev e)
{
	e.seq = g->seq++;
	fk_heap_push(&g->events, &e);
}

static int
pend_tie(const void *a, const void *b)
{
	return ((const struct pend *)a)->seq < ((const struct pend *)b)->seq;
}

/* --- the population ----------------------------------------------------- */

static uint32_t
pick_city(struct fk_gen *g)
{
	double x = rng_unif(&g->rng) * g->city_cum[fk_nplaces - 1];
	size_t lo = 0, hi = fk_nplaces - 1, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (g->city_cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (uint32_t)lo;
}

/* A point near a city centre: about 5 km either way. */
static void
near_city(struct fk_gen *g, uint32_t city, float *lat, float *lon)
{
	double la = fk_places[city].lat + 0.045 * rng_normal(&g->rng);
	double lo = fk_places[city].lon + 0.06 * rng_normal(&g->rng);

	*lat = (float)fmax(-89.9999, fmin(89.9999, la));
	*lon = (float)(lo > 180 ? lo - 360 : lo < -180 ? lo + 360 : lo);
}

static uint32_t
new_device(struct fk_gen *g)
{
	uint32_t d;

	while ((d = (uint32_t)rng_u64(&g->rng)) == 0)
		;
	return d;
}

static void
make_merchants(struct fk_gen *g)
{
	long i, n;
	uint32_t *count = fk_xcalloc(fk_nplaces, sizeof(*count));

	g->merch = fk_xcalloc((size_t)g->nmerch, sizeof(*g->merch));
	g->online = fk_xcalloc((size_t)g->nmerch, sizeof(*g->online));
	g->shops = fk_xcalloc((size_t)g->nmerch, sizeof(*g->shops));
	for (i = 0; i < g->nmerch; i++) {
		struct merchant *m = &g->merch[i];

		if (rng_unif(&g->rng) < 0.2) {
			m->online = 1;
			m->cat = (uint8_t)rng_below(&g->rng, NONLINE);
			g->online[g->nonline++] = (uint32_t)i;
			continue;
		}
		/* Shops are where the users are. */
		m->city =
		    g->users[rng_below(&g->rng, (uint64_t)g->nusers)].city;
		near_city(g, m->city, &m->lat, &m->lon);
		m->cat = (uint8_t)rng_below(&g->rng, NSHOP);
		m->nterm = (uint8_t)(1 + rng_below(&g->rng, 3));
		m->term0 = (uint32_t)g->nterm;
		g->nterm += m->nterm;
		count[m->city]++;
	}
	g->term_until = fk_xcalloc((size_t)g->nterm + 1, sizeof(int64_t));
	/* Shops grouped by city: first index and count per city. */
	g->city_first = fk_xcalloc(fk_nplaces, sizeof(uint32_t));
	g->city_n = fk_xcalloc(fk_nplaces, sizeof(uint32_t));
	for (n = 0, i = 0; i < (long)fk_nplaces; i++) {
		g->city_first[i] = (uint32_t)n;
		n += count[i];
	}
	for (i = 0; i < g->nmerch; i++)
		if (!g->merch[i].online) {
			uint32_t c = g->merch[i].city;

			g->shops[g->city_first[c] + g->city_n[c]++] =
			    (uint32_t)i;
		}
	g->nshops = n;
	free(count);
}

static void
make_users(struct fk_gen *g)
{
	g->users = fk_xcalloc((size_t)g->nusers, sizeof(*g->users));
	for (long i = 0; i < g->nusers; i++) {
		struct user *u = &g->users[i];
		double per_day, hours;

		u->city = pick_city(g);
		near_city(g, u->city, &u->lat, &u->lon);
		u->mean = (float)exp(3.3 + 0.7 * rng_normal(&g->rng));
		u->sd = u->mean * (float)rng_range(&g->rng, 0.2, 0.6);
		u->start_h = (uint8_t)(6 + rng_below(&g->rng, 5));
		u->end_h = (uint8_t)fmin(
		    24, u->start_h + 10 + (double)rng_below(&g->rng, 7));
		per_day = rng_range(&g->rng, 0.3, 4.0);
		hours = u->end_h - u->start_h;
		u->gap_ms = (float)(hours * HOUR_MS / per_day);
		u->tz_h = (int8_t)lround(fk_places[u->city].lon / 15.0);
		u->ndev = (uint8_t)(1 + rng_below(&g->rng, 3));
		for (int d = 0; d < u->ndev; d++)
			u->dev[d] = new_device(g);
	}
}

/* Each user's usual merchants: shops in the home city, and online. */
static void
pick_usual(struct fk_gen *g)
{
	for (long i = 0; i < g->nusers; i++) {
		struct user *u = &g->users[i];
		uint32_t n = g->city_n[u->city];
		int want = 3 + (int)rng_below(&g->rng, MAX_USUAL - 2);

		for (int k = 0; k < want; k++) {
			if (n > 0 &&
			    (g->nonline == 0 || rng_unif(&g->rng) < 0.75))
				u->usual[u->nusual++] =
				    g->shops[g->city_first[u->city] +
				        rng_below(&g->rng, n)];
			else if (g->nonline > 0)
				u->usual[u->nusual++] = g->online[rng_below(
				    &g->rng, (uint64_t)g->nonline)];
		}
		if (u->nusual == 0) /* no shop at home, nothing online */
			u->usual[u->nusual++] =
			    (uint32_t)rng_below(&g->rng, (uint64_t)g->nmerch);
	}
}

/* The next regular transaction of u after t: a Poisson process in the
 * user's active hours (local time from the home longitude). */
static int64_t
next_regular(struct fk_gen *g, const struct user *u, int64_t t)
{
	int64_t local, tod, start = u->start_h * HOUR_MS,
	                    end = u->end_h * HOUR_MS;

	t += (int64_t)rng_exp(&g->rng, u->gap_ms) + 1;
	for (;;) {
		local = t + u->tz_h * HOUR_MS;
		tod = ((local % DAY_MS) + DAY_MS) % DAY_MS;
		if (tod >= start && tod < end)
			return t;
		/* Memoryless: start again when the next active hours open. */
		t += (tod < start ? start - tod : DAY_MS - tod + start) +
		    (int64_t)rng_exp(&g->rng, u->gap_ms);
	}
}

struct fk_gen *
fk_gen_new(const struct fk_gen_opts *o, char *err, size_t errlen)
{
	struct fk_gen *g;
	double cum = 0;

	if (o->users < 1 || o->merchants < 0) {
		snprintf(err, errlen, "need at least one user");
		return NULL;
	}
	g = fk_xcalloc(1, sizeof(*g));
	g->o = *o;
	fk_heap_init(&g->events, sizeof(struct ev), ev_tie);
	fk_heap_init(&g->pend, sizeof(struct pend), pend_tie);
	g->end_ms = o->days > 0 ? o->start_ms + o->days * DAY_MS : INT64_MAX;
	g->day = INT64_MIN;
	rng_seed(&g->rng, o->seed);
	rng_seed(&g->late, ~o->seed);
	g->city_cum = fk_xcalloc(fk_nplaces, sizeof(double));
	for (size_t i = 0; i < fk_nplaces; i++)
		g->city_cum[i] = cum += (double)fk_places[i].population;
	g->nusers = o->users;
	g->nmerch = o->merchants > 0 ? o->merchants : (o->users + 1) / 2;
	make_users(g);
	make_merchants(g);
	pick_usual(g);
	g->nbad = g->nusers / 200 < 20 ? 20 : g->nusers / 200;
	g->bad_dev = fk_xcalloc((size_t)g->nbad, sizeof(uint32_t));
	g->bad_city = fk_xcalloc((size_t)g->nbad, sizeof(uint32_t));
	for (long i = 0; i < g->nbad; i++) {
		g->bad_dev[i] = new_device(g);
		g->bad_city[i] = pick_city(g);
	}
	for (long i = 0; i < g->nusers; i++) {
		struct ev e = { .kind = EV_REGULAR, .user = (uint32_t)i };

		e.t = next_regular(g, &g->users[i], o->start_ms);
		ev_push(g, e);
	}
	return g;
}

void
fk_gen_free(struct fk_gen *g)
{
	struct pend p;

	if (g == NULL)
		return;
	while (fk_heap_pop(&g->pend, &p))
		free(p.data);
	fk_heap_release(&g->pend);
	fk_heap_release(&g->events);
	free(g->users);
	free(g->merch);
	free(g->online);
	free(g->shops);
	free(g->city_first);
	free(g->city_n);
	free(g->term_until);
	free(g->city_cum);
	free(g->bad_dev);
	free(g->bad_city);
	free(g);
}

/* --- writing a record ---------------------------------------------------- */

static inline void
put(struct fk_gen *g, const char *s, size_t n)
{
	memcpy(g->buf + g->len, s, n);
	g->len += n;
}

/* Literals only: "" lit "" does not compile for a pointer. */
#define PUTS(g, lit) put((g), "" lit "", sizeof(lit) - 1)

static void
put_str(struct fk_gen *g, const char *s)
{
	put(g, s, strlen(s));
}

static void
put_u64(struct fk_gen *g, uint64_t v, int width)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 || n < width);
	while (n > 0)
		g->buf[g->len++] = tmp[--n];
}

/* A fixed-point number: v / 10^dec with dec decimals, sign if < 0. */
static void
put_fixed(struct fk_gen *g, int64_t v, int dec)
{
	uint64_t p = 1, a;

	for (int i = 0; i < dec; i++)
		p *= 10;
	if (v < 0)
		g->buf[g->len++] = '-';
	a = v < 0 ? (uint64_t)-v : (uint64_t)v;
	put_u64(g, a / p, 1);
	g->buf[g->len++] = '.';
	put_u64(g, a % p, dec);
}

static void
put_hex32(struct fk_gen *g, uint32_t v)
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 28; i >= 0; i -= 4)
		g->buf[g->len++] = hex[(v >> i) & 15];
}

static void
put_time(struct fk_gen *g, int64_t ms)
{
	int64_t day = ms >= 0 ? ms / DAY_MS : -((-ms + DAY_MS - 1) / DAY_MS);
	int64_t r = ms - day * DAY_MS;
	int y;
	unsigned m, d;

	if (day != g->day) {
		fk_time_civil_from_days(day, &y, &m, &d);
		snprintf(g->date, sizeof(g->date), "%04d-%02u-%02uT", y, m, d);
		g->day = day;
	}
	put(g, g->date, 11);
	put_u64(g, (uint64_t)(r / HOUR_MS), 2);
	g->buf[g->len++] = ':';
	put_u64(g, (uint64_t)(r / MIN_MS % 60), 2);
	g->buf[g->len++] = ':';
	put_u64(g, (uint64_t)(r / 1000 % 60), 2);
	g->buf[g->len++] = '.';
	put_u64(g, (uint64_t)(r % 1000), 3);
	g->buf[g->len++] = 'Z';
}

/* One transaction, as the simulation decided it. */
struct txn {
	int64_t t;
	uint32_t user; /* number in user_id; accounts after the users */
	int64_t cents;
	uint32_t merchant;
	int64_t terminal; /* -1: none */
	const char *channel;
	uint32_t dev;  /* 0: none */
	uint32_t city; /* location */
	float lat, lon;
	int scenario; /* -1: legitimate */
};

static void
write_txn(struct fk_gen *g, const struct txn *x, int64_t stamp_ms)
{
	const struct merchant *m = &g->merch[x->merchant];
	const struct fk_place *p = &fk_places[x->city];
	int64_t ts = stamp_ms > 0 ? stamp_ms : x->t;
	size_t u0;

	g->len = 0;
	PUTS(g, "{\"tx_id\":\"tx-");
	put_u64(g, (uint64_t)g->count + 1, 12);
	PUTS(g, "\",\"user_id\":\"");
	u0 = g->len;
	g->buf[g->len++] = 'U';
	put_u64(g, x->user, 7);
	g->userlen = g->len - u0;
	memcpy(g->user, g->buf + u0, g->userlen);
	PUTS(g, "\",\"amount\":");
	put_fixed(g, x->cents, 2);
	PUTS(g, ",\"currency\":\"EUR\",\"timestamp\":\"");
	put_time(g, ts);
	PUTS(g, "\",\"ts_ms\":");
	put_u64(g, (uint64_t)ts, 1);
	PUTS(g, ",\"merchant_id\":\"M");
	put_u64(g, x->merchant, 6);
	if (x->terminal >= 0) {
		PUTS(g, "\",\"terminal_id\":\"T");
		put_u64(g, (uint64_t)x->terminal, 7);
	}
	PUTS(g, "\",\"category\":\"");
	put_str(
	    g, m->online ? online_categories[m->cat] : shop_categories[m->cat]);
	PUTS(g, "\",\"channel\":\"");
	put_str(g, x->channel);
	if (x->dev != 0) {
		PUTS(g, "\",\"device_id\":\"D");
		put_hex32(g, x->dev);
		/* A private address derived from the device. */
		PUTS(g, "\",\"ip\":\"10.");
		put_u64(g, (x->dev >> 24) & 255, 1);
		g->buf[g->len++] = '.';
		put_u64(g, (x->dev >> 16) & 255, 1);
		g->buf[g->len++] = '.';
		put_u64(g, ((x->dev >> 8) & 255) | 1, 1);
	}
	PUTS(g, "\",\"location\":\"");
	put_str(g, p->city);
	PUTS(g, "\",\"country\":\"");
	put_str(g, p->country);
	PUTS(g, "\",\"lat\":");
	put_fixed(g, (int64_t)lround(x->lat * 1e4), 4);
	PUTS(g, ",\"lon\":");
	put_fixed(g, (int64_t)lround(x->lon * 1e4), 4);
	if (x->scenario < 0) {
		PUTS(g, ",\"fraud\":0}");
	} else {
		PUTS(g, ",\"fraud\":1,\"fraud_scenario\":\"");
		put_str(g, scenarios[x->scenario].name);
		PUTS(g, "\"}");
		g->fraud[x->scenario]++;
	}
	g->count++;
}

/* --- the simulation -------------------------------------------------- */

static int64_t
cents(double amount)
{
	return amount < 0.5 ? 50 : (int64_t)llround(amount * 100);
}

static uint32_t
pick_online(struct fk_gen *g, uint32_t fallback)
{
	if (g->nonline == 0)
		return fallback;
	return g->online[rng_below(&g->rng, (uint64_t)g->nonline)];
}

/* A city far from home, or in another country, for fraud from afar. */
static uint32_t
pick_far_city(struct fk_gen *g, const struct user *u, int other_country)
{
	uint32_t best = pick_city(g), c;
	double bestkm = -1, km;

	for (int i = 0; i < 32; i++) {
		c = i == 0 ? best : pick_city(g);
		km = fk_geo_km(
		    u->lat, u->lon, fk_places[c].lat, fk_places[c].lon);
		if (other_country ? strcmp(fk_places[c].country,
		                        fk_places[u->city].country) != 0
		                  : km >= FAR_KM)
			return c;
		if (km > bestkm) {
			bestkm = km;
			best = c;
		}
	}
	return best;
}

/* Where a device of u (or of a fraudster in city) is. */
static void
at_city(struct fk_gen *g, struct txn *x, uint32_t city)
{
	x->city = city;
	near_city(g, city, &x->lat, &x->lon);
}

static void
use_merchant(struct fk_gen *g, struct txn *x, uint32_t mi)
{
	const struct merchant *m = &g->merch[mi];

	x->merchant = mi;
	if (m->online)
		return;
	x->terminal = m->term0 + (int64_t)rng_below(&g->rng, m->nterm);
	x->channel = "pos";
	x->dev = 0;
	x->city = m->city;
	x->lat = m->lat;
	x->lon = m->lon;
}

/* Start the incidents a legitimate transaction of u triggers. */
static void
trigger(struct fk_gen *g, const struct ev *e, struct user *u)
{
	const double *rate = g->o.rate;
	struct ev n = { .user = e->user };
	struct rng *r = &g->rng;

	if (rate[FK_GEN_BURST] > 0 && rng_unif(r) < rate[FK_GEN_BURST]) {
		n.kind = EV_BURST;
		n.t = e->t + (int64_t)rng_range(r, 1, 30) * MIN_MS;
		n.left = (uint8_t)(5 + rng_below(r, 16));
		n.dev = new_device(g);
		n.city = pick_city(g);
		n.merchant = pick_online(g, u->usual[0]);
		ev_push(g, n);
	}
	if (rate[FK_GEN_TRAVEL] > 0 && rng_unif(r) < rate[FK_GEN_TRAVEL] &&
	    g->nshops > 0) {
		uint32_t best = g->shops[rng_below(r, (uint64_t)g->nshops)];
		double bestkm = -1, km;

		for (int i = 0; i < 32 && bestkm < FAR_KM; i++) {
			uint32_t mi =
			    g->shops[rng_below(r, (uint64_t)g->nshops)];

			km = fk_geo_km(
			    u->lat, u->lon, g->merch[mi].lat, g->merch[mi].lon);
			if (km > bestkm) {
				bestkm = km;
				best = mi;
			}
		}
		n.kind = EV_TRAVEL;
		n.t = e->t + (int64_t)rng_range(r, 10, 60) * MIN_MS;
		n.merchant = best;
		ev_push(g, n);
	}
	if (rate[FK_GEN_HIGHVALUE] > 0 &&
	    rng_unif(r) < rate[FK_GEN_HIGHVALUE]) {
		n.kind = EV_HIGHVALUE;
		n.t = e->t + (int64_t)rng_range(r, 1, 120) * MIN_MS;
		n.merchant = u->usual[rng_below(r, u->nusual)];
		ev_push(g, n);
	}
	if (rate[FK_GEN_BLOCKLIST] > 0 &&
	    rng_unif(r) < rate[FK_GEN_BLOCKLIST]) {
		uint32_t k = (uint32_t)rng_below(r, (uint64_t)g->nbad);

		n.kind = rng_unif(r) < 0.5 ? EV_BLOCK_DEVICE : EV_BLOCK_ACCOUNT;
		n.t = e->t + (int64_t)rng_range(r, 5, 360) * MIN_MS;
		n.dev = g->bad_dev[k];
		n.city = g->bad_city[k];
		if (n.kind == EV_BLOCK_ACCOUNT)
			n.user = (uint32_t)(g->nusers + k);
		n.merchant = pick_online(g, u->usual[0]);
		ev_push(g, n);
		n.user = e->user;
	}
	if (rate[FK_GEN_TAKEOVER] > 0 && rng_unif(r) < rate[FK_GEN_TAKEOVER]) {
		n.kind = EV_TAKEOVER;
		n.t = e->t + (int64_t)rng_range(r, 10, 2880) * MIN_MS;
		n.left = (uint8_t)(2 + rng_below(r, 3));
		n.dev = new_device(g);
		n.city = pick_far_city(g, u, 1);
		n.merchant = pick_online(g, u->usual[0]);
		ev_push(g, n);
	}
	if (rate[FK_GEN_TERMINAL] > 0 && rng_unif(r) < rate[FK_GEN_TERMINAL] &&
	    g->nterm > 0) {
		uint64_t tm = rng_below(r, (uint64_t)g->nterm);

		if (g->term_until[tm] < e->t)
			g->term_until[tm] =
			    e->t + (int64_t)rng_range(r, 1, 7) * DAY_MS;
	}
	if (rate[FK_GEN_CARD] > 0 && rng_unif(r) < rate[FK_GEN_CARD] &&
	    u->card_until < e->t)
		u->card_until = e->t + 14 * DAY_MS;
}

/* Make the transaction of event e; schedule what follows it. */
static void
simulate(struct fk_gen *g, struct ev *e, struct txn *x)
{
	struct rng *r = &g->rng;
	struct user *u =
	    e->user < (uint64_t)g->nusers ? &g->users[e->user] : NULL;

	memset(x, 0, sizeof(*x));
	x->t = e->t;
	x->user = e->user;
	x->terminal = -1;
	x->scenario = -1;
	if (u == NULL) { /* a blocklisted account */
		x->cents = cents(rng_range(r, 20, 500));
		x->channel = "web";
		x->dev = e->dev;
		x->merchant = e->merchant;
		at_city(g, x, e->city);
		x->scenario = FK_GEN_BLOCKLIST;
		return;
	}
	x->channel = rng_unif(r) < 0.5 ? "web" : "app";
	x->dev = u->dev[rng_below(r, u->ndev)];
	x->city = u->city;
	x->lat = u->lat;
	x->lon = u->lon;
	switch (e->kind) {
	case EV_REGULAR:
		use_merchant(g, x,
		    rng_unif(r) < 0.9
		        ? u->usual[rng_below(r, u->nusual)]
		        : (uint32_t)rng_below(r, (uint64_t)g->nmerch));
		if (!g->merch[x->merchant].online &&
		    g->merch[x->merchant].city != u->city) {
			/* A shop elsewhere: bought online instead. */
			x->terminal = -1;
			x->channel = "web";
			x->dev = u->dev[0];
			x->city = u->city;
			x->lat = u->lat;
			x->lon = u->lon;
		}
		x->cents = cents(u->mean + u->sd * rng_normal(r));
		if (x->terminal >= 0 && g->term_until[x->terminal] > e->t) {
			x->scenario = FK_GEN_TERMINAL;
		} else if (u->card_until > e->t && rng_unif(r) < 1.0 / 3) {
			x->cents = (int64_t)((double)x->cents *
			    rng_range(r, 2.0, 5.0));
			x->scenario = FK_GEN_CARD;
		}
		if (x->scenario < 0)
			trigger(g, e, u);
		e->t = next_regular(g, u, e->t);
		ev_push(g, *e);
		return;
	case EV_BURST:
		x->cents = 50 + (int64_t)rng_below(r, 450);
		x->channel = "web";
		x->dev = e->dev;
		x->merchant = e->merchant;
		at_city(g, x, e->city);
		x->scenario = FK_GEN_BURST;
		if (--e->left > 0) {
			e->t += (int64_t)rng_range(r, 5000, 40000);
			ev_push(g, *e);
		}
		return;
	case EV_TRAVEL:
		use_merchant(g, x, e->merchant);
		x->cents = cents(u->mean + u->sd * rng_normal(r));
		x->scenario = FK_GEN_TRAVEL;
		return;
	case EV_HIGHVALUE:
		use_merchant(g, x, e->merchant);
		x->cents = cents(u->mean * rng_range(r, 5, 15));
		x->scenario = FK_GEN_HIGHVALUE;
		return;
	case EV_BLOCK_DEVICE:
		x->cents = cents(u->mean * rng_range(r, 1, 3));
		x->channel = "web";
		x->dev = e->dev;
		x->merchant = e->merchant;
		at_city(g, x, e->city);
		x->scenario = FK_GEN_BLOCKLIST;
		return;
	case EV_TAKEOVER:
	default:
		x->cents = cents(u->mean * rng_range(r, 3, 10));
		x->channel = "web";
		x->dev = e->dev;
		x->merchant = e->merchant;
		at_city(g, x, e->city);
		x->scenario = FK_GEN_TAKEOVER;
		if (--e->left > 0) {
			e->t += (int64_t)rng_range(r, 1, 6) * MIN_MS;
			ev_push(g, *e);
		}
		return;
	}
}

static void
take_pend(struct fk_gen *g, struct fk_gen_rec *out)
{
	struct pend p;

	fk_heap_pop(&g->pend, &p);
	memcpy(g->buf, p.data, p.len);
	g->len = p.len;
	memcpy(g->user, p.user, p.userlen);
	g->userlen = p.userlen;
	free(p.data);
	out->data = g->buf;
	out->len = g->len;
	out->user = g->user;
	out->userlen = g->userlen;
	out->ts_ms = p.ts_ms;
}

int
fk_gen_next(struct fk_gen *g, int64_t stamp_ms, struct fk_gen_rec *out)
{
	struct txn x;
	struct ev e;

	for (;;) {
		const struct ev *next = fk_heap_top(&g->events);
		const struct pend *late = fk_heap_top(&g->pend);
		int more = next != NULL && next->t < g->end_ms;

		if (late != NULL && (!more || late->at <= next->t)) {
			take_pend(g, out);
			return 1;
		}
		if (!more)
			return 0;
		fk_heap_pop(&g->events, &e);
		simulate(g, &e, &x);
		write_txn(g, &x, stamp_ms);
		if (g->o.disorder_ms <= 0) {
			out->data = g->buf;
			out->len = g->len;
			out->user = g->user;
			out->userlen = g->userlen;
			out->ts_ms = stamp_ms > 0 ? stamp_ms : x.t;
			return 1;
		}
		/* Arrives up to --disorder late. */
		struct pend p = {
			.at = x.t +
			    (int64_t)rng_below(
			        &g->late, (uint64_t)g->o.disorder_ms + 1),
			.seq = (uint64_t)g->count,
			.ts_ms = x.t,
			.data = fk_xmalloc(g->len),
			.len = g->len,
			.userlen = g->userlen,
		};
		memcpy(p.data, g->buf, g->len);
		memcpy(p.user, g->user, g->userlen);
		fk_heap_push(&g->pend, &p);
	}
}

static int
write_list(const char *dir, const char *name, const struct fk_gen *g, int what,
    char *err, size_t errlen)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		goto fail;
	for (long i = 0; i < g->nbad; i++) {
		uint32_t d = g->bad_dev[i];

		if (what == 0)
			fprintf(fp, "U%07ld\n", g->nusers + i);
		else if (what == 1)
			fprintf(fp, "D%08x\n", (unsigned)d);
		else
			fprintf(fp, "10.%u.%u.%u\n", (unsigned)(d >> 24) & 255,
			    (unsigned)(d >> 16) & 255,
			    ((unsigned)(d >> 8) & 255) | 1);
	}
	if (fclose(fp) == EOF)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return -1;
}

int
fk_gen_write_lists(
    const struct fk_gen *g, const char *dir, char *err, size_t errlen)
{
	if (mkdir(dir, 0777) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (write_list(dir, "users.txt", g, 0, err, errlen) == -1 ||
	    write_list(dir, "devices.txt", g, 1, err, errlen) == -1 ||
	    write_list(dir, "ips.txt", g, 2, err, errlen) == -1)
		return -1;
	return 0;
}

long long
fk_gen_count(const struct fk_gen *g)
{
	return g->count;
}

long long
fk_gen_fraud_count(const struct fk_gen *g, int s)
{
	return g->fraud[s];
}
