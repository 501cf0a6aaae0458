/* Great-circle distances and look-ups in the bundled gazetteer; the table
 * itself is generated from data/places.csv by scripts/places2c. */
#include "places.h"

#include <math.h>

#include "banned.h"

#define EARTH_KM 6371.0088 /* mean radius (IUGG) */

/* M_PI is XSI, not C11. */
static const double pi = 3.14159265358979323846;

static double
rad(double deg)
{
	return deg * (pi / 180.0);
}

double
fk_geo_km(double lat1, double lon1, double lat2, double lon2)
{
	double p1 = rad(lat1), p2 = rad(lat2);
	double sp = sin((p2 - p1) / 2), sl = sin(rad(lon2 - lon1) / 2);
	double a = sqrt(sp * sp + cos(p1) * cos(p2) * sl * sl);

	/* Rounding can take a near antipode just past 1, where asin is NaN. */
	if (a > 1)
		a = 1;
	else if (a < 0)
		a = 0;
	return 2 * EARTH_KM * asin(a);
}

/* strcasecmp() follows the locale; names here are ASCII. */
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

const struct fk_place *
fk_places_find(const char *city, const char *country)
{
	const struct fk_place *best = NULL, *p;
	size_t i;

	if (city == NULL)
		return NULL;
	for (i = 0; i < fk_nplaces; i++) {
		p = &fk_places[i];
		if (!same_nocase(p->city, city))
			continue;
		if (country != NULL && !same_nocase(p->country, country))
			continue;
		/* ties go to the first in the table */
		if (best == NULL || p->population > best->population)
			best = p;
	}
	return best;
}
