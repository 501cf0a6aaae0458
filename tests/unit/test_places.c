/* Unit tests for places.c and the table generated from data/places.csv. */
#include "places.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define PI_R (3.14159265358979323846 * 6371.0088) /* half the circumference */

/* Reference coordinates, independent of the table. */
#define LONDON 51.5072, -0.1276
#define PARIS 48.8566, 2.3522
#define NEW_YORK 40.7128, -74.0060
#define LOS_ANGELES 34.0522, -118.2437
#define SYDNEY -33.8688, 151.2093
#define TOKYO 35.6762, 139.6503

static int
is_upper(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return 0;
	return s[len] == '\0';
}

static int
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
same_nocase(const char *a, const char *b)
{
	for (; *a != '\0'; a++, b++)
		if (lower((unsigned char)*a) != lower((unsigned char)*b))
			return 0;
	return *b == '\0';
}

/* The table's row for city in country; fails the test if missing. */
static const struct fk_place *
must_find(const char *city, const char *country)
{
	const struct fk_place *p = fk_places_find(city, country);

	cr_assert_not_null(p, "%s (%s) not found", city, country);
	return p;
}

Test(places, table_in_range)
{
	const struct fk_place *p;
	size_t i;

	cr_assert_geq(fk_nplaces, 200, "only %zu places", fk_nplaces);
	for (i = 0; i < fk_nplaces; i++) {
		p = &fk_places[i];
		cr_assert(p->city != NULL && p->city[0] != '\0', "row %zu", i);
		cr_assert(is_upper(p->country, 2), "%s: country \"%s\"",
		    p->city, p->country);
		cr_assert(is_upper(p->currency, 3), "%s: currency \"%s\"",
		    p->city, p->currency);
		cr_assert(p->lat >= -90 && p->lat <= 90, "%s: lat %f", p->city,
		    p->lat);
		cr_assert(p->lon >= -180 && p->lon <= 180, "%s: lon %f",
		    p->city, p->lon);
		cr_assert_gt(p->population, 0, "%s: population %ld", p->city,
		    p->population);
	}
}

/* Sorted by country, then city: a duplicate shows as two neighbours. */
Test(places, table_sorted_without_duplicates)
{
	const struct fk_place *a, *b;
	size_t i, j;
	int c;

	for (i = 1; i < fk_nplaces; i++) {
		a = &fk_places[i - 1];
		b = &fk_places[i];
		c = strcmp(a->country, b->country);
		cr_assert(c < 0 || (c == 0 && strcmp(a->city, b->city) < 0),
		    "%s (%s) before %s (%s)", a->city, a->country, b->city,
		    b->country);
	}
	/* and no two rows differ only in case */
	for (i = 0; i < fk_nplaces; i++) {
		for (j = i + 1; j < fk_nplaces; j++) {
			a = &fk_places[i];
			b = &fk_places[j];
			cr_assert(strcmp(a->country, b->country) != 0 ||
			        !same_nocase(a->city, b->city),
			    "%s and %s (%s)", a->city, b->city, a->country);
		}
	}
}

Test(places, table_has_many_countries)
{
	size_t i, n = 0;

	/* sorted by country, so count the changes */
	for (i = 0; i < fk_nplaces; i++)
		if (i == 0 ||
		    strcmp(fk_places[i - 1].country, fk_places[i].country) != 0)
			n++;
	cr_assert_geq(n, 100, "only %zu countries", n);
}

/* A wrong sign or a swapped pair in the CSV shows here. */
Test(places, table_matches_reference_points)
{
	static const struct {
		char city[16], country[3];
		double lat, lon;
	} refs[] = {
		{ "London", "GB", LONDON },
		{ "Paris", "FR", PARIS },
		{ "New York", "US", NEW_YORK },
		{ "Los Angeles", "US", LOS_ANGELES },
		{ "Sydney", "AU", SYDNEY },
		{ "Tokyo", "JP", TOKYO },
	};
	const struct fk_place *p;
	double km;
	size_t i;

	for (i = 0; i < NELEM(refs); i++) {
		p = must_find(refs[i].city, refs[i].country);
		km = fk_geo_km(p->lat, p->lon, refs[i].lat, refs[i].lon);
		cr_assert_lt(km, 1.0, "%s is %.1f km off", refs[i].city, km);
	}
}

struct dist_case {
	double lat1, lon1, lat2, lon2, km;
};

ParameterizedTestParameters(places, known_distances)
{
	static struct dist_case cases[] = {
		{ LONDON, PARIS, 344 },
		{ NEW_YORK, LOS_ANGELES, 3936 },
		{ SYDNEY, TOKYO, 7826 },
	};

	return cr_make_param_array(struct dist_case, cases, NELEM(cases));
}

/* Within 1%, and the same both ways. */
ParameterizedTest(struct dist_case *c, places, known_distances)
{
	double d = fk_geo_km(c->lat1, c->lon1, c->lat2, c->lon2);

	cr_assert_lt(
	    fabs(d - c->km), c->km / 100, "got %.1f km, want %.0f", d, c->km);
	cr_assert_float_eq(
	    fk_geo_km(c->lat2, c->lon2, c->lat1, c->lon1), d, 1e-9);
}

Test(places, table_london_paris)
{
	const struct fk_place *l = must_find("London", "GB");
	const struct fk_place *p = must_find("Paris", "FR");
	double d = fk_geo_km(l->lat, l->lon, p->lat, p->lon);

	cr_assert_lt(fabs(d - 344), 3.44, "got %.1f km", d);
}

Test(places, zero_distance)
{
	static const double pts[][2] = { { 0, 0 }, { LONDON }, { SYDNEY },
		{ 90, 0 }, { -90, 123 }, { 12.5, 180 }, { -45, -180 } };
	size_t i;

	for (i = 0; i < NELEM(pts); i++)
		cr_assert_eq(
		    fk_geo_km(pts[i][0], pts[i][1], pts[i][0], pts[i][1]), 0.0,
		    "point %zu", i);
	/* the same meridian, written two ways */
	cr_assert_lt(fk_geo_km(10, 180, 10, -180), 1e-6);
}

Test(places, antipodes)
{
	cr_assert_float_eq(fk_geo_km(0, 0, 0, 180), PI_R, 1e-6);
	cr_assert_float_eq(fk_geo_km(90, 0, -90, 0), PI_R, 1e-6);
	cr_assert_lt(fabs(fk_geo_km(LONDON, -51.5072, 179.8724) - 20015), 1);
}

/* Random points and their antipodes, the haversine's worst case: never
 * NaN, never beyond half the circumference.  asin() near 1 turns an ulp
 * into some 0.2 m, hence 1 m. */
Test(places, random_points_stay_in_range)
{
	uint64_t st = 11;
	double lat, lon, lat2, lon2, d;
	int i;

	for (i = 0; i < 100000; i++) {
		lat = (double)(fk_test_rand(&st) % 1800001) / 10000 - 90;
		lon = (double)(fk_test_rand(&st) % 3600001) / 10000 - 180;
		d = fk_geo_km(lat, lon, -lat, lon >= 0 ? lon - 180 : lon + 180);
		cr_assert(!isnan(d) && fabs(d - PI_R) < 1e-3,
		    "antipode of %f,%f: %.9f km", lat, lon, d);
		lat2 = (double)(fk_test_rand(&st) % 1800001) / 10000 - 90;
		lon2 = (double)(fk_test_rand(&st) % 3600001) / 10000 - 180;
		d = fk_geo_km(lat, lon, lat2, lon2);
		cr_assert(!isnan(d) && d >= 0 && d <= PI_R,
		    "%f,%f to %f,%f: %.9f km", lat, lon, lat2, lon2, d);
	}
}

Test(places, find_ignores_case)
{
	cr_assert_str_eq(must_find("london", NULL)->country, "GB");
	cr_assert_str_eq(must_find("LONDON", NULL)->country, "GB");
	cr_assert_str_eq(must_find("sAO pAULO", NULL)->country, "BR");
	cr_assert_str_eq(must_find("london", "gb")->city, "London");
}

Test(places, find_any_country)
{
	const struct fk_place *p = must_find("Paris", NULL);

	cr_assert_str_eq(p->city, "Paris");
	cr_assert_str_eq(p->country, "FR");
	cr_assert_str_eq(p->currency, "EUR");
}

Test(places, find_unknown)
{
	cr_assert_null(fk_places_find("Atlantis", NULL));
	cr_assert_null(fk_places_find("Lond", NULL));
	cr_assert_null(fk_places_find("Londonderry", NULL));
	cr_assert_null(fk_places_find("", NULL));
	cr_assert_null(fk_places_find(NULL, NULL));
	cr_assert_null(fk_places_find(NULL, "GB"));
}

Test(places, find_country_filter)
{
	cr_assert_null(fk_places_find("London", "FR"));
	cr_assert_null(fk_places_find("London", ""));
	cr_assert_null(fk_places_find("London", "GBR"));
	/* San Jose, California outnumbers San Jose, Costa Rica */
	cr_assert_str_eq(must_find("San Jose", NULL)->country, "US");
	cr_assert_str_eq(must_find("San Jose", "CR")->currency, "CRC");
	cr_assert_str_eq(must_find("San Jose", "US")->currency, "USD");
}

/* Every row can be found by its name and country, and by its name alone
 * it loses only to a bigger place of the same name. */
Test(places, find_every_row)
{
	const struct fk_place *p, *any;
	size_t i;

	for (i = 0; i < fk_nplaces; i++) {
		p = &fk_places[i];
		cr_assert_eq(fk_places_find(p->city, p->country), p, "%s (%s)",
		    p->city, p->country);
		any = must_find(p->city, NULL);
		cr_assert_str_eq(any->city, p->city);
		cr_assert_geq(any->population, p->population, "%s (%s)",
		    p->city, p->country);
	}
}

/* --places files: columns found by the header, looked up like the
 * bundled table; a bad line names its file and line. */
Test(places, load_a_file)
{
	char dir[256], path[300], err[512];
	const char *csv = "id,lat,lon,city,country\n"
	                  "1,40.0,-75.0,Gotham,US\n"
	                  "\n"
	                  "2,\"41.5\",-75.0,\"Metro, polis\",US\n";
	const struct fk_place *p;
	struct fk_place *tab;
	size_t n;

	fk_test_tmpdir(dir, sizeof(dir), "places");
	fk_test_write(path, sizeof(path), dir, "p.csv", csv, strlen(csv));
	cr_assert_eq(
	    fk_places_load(path, &tab, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(n, 2);
	p = fk_places_findn(tab, n, "GOTHAMX", 6, "us", 2);
	cr_assert_not_null(p);
	cr_assert_float_eq(p->lat, 40.0, 1e-12);
	p = fk_places_findn(tab, n, "metro, polis", 12, NULL, 0);
	cr_assert_not_null(p);
	cr_assert_float_eq(p->lat, 41.5, 1e-12);
	cr_assert_null(fk_places_findn(tab, n, "Gotham", 6, "GB", 2));
	fk_places_free(tab, n);
	fk_test_write(path, sizeof(path), dir, "p.csv",
	    "city,country,lat,lon\nX,US,91,0\n", 30);
	cr_assert_eq(fk_places_load(path, &tab, &n, err, sizeof(err)), -1);
	cr_assert_null(tab);
	cr_assert(strstr(err, "p.csv:2: expected a city and lat/lon") != NULL,
	    "%s", err);
	fk_test_write(path, sizeof(path), dir, "p.csv", "city,lat\n", 9);
	cr_assert_eq(fk_places_load(path, &tab, &n, err, sizeof(err)), -1);
	cr_assert(
	    strstr(err, "p.csv:1: no column \"country\"") != NULL, "%s", err);
	remove(path);
	fk_test_rmdir(dir);
}
