/* Great-circle distances and look-ups in the bundled gazetteer; the table
 * itself is generated from data/places.csv by scripts/places2c. */
#include "places.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "xalloc.h"

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

/* a[0..alen) and the string b, ASCII case-insensitive. */
static int
same_nocase(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen && b[i] != '\0'; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return i == alen && b[i] == '\0';
}

const struct fk_place *
fk_places_findn(const struct fk_place *tab, size_t n, const char *city,
    size_t clen, const char *country, size_t colen)
{
	const struct fk_place *best = NULL;

	for (size_t i = 0; i < n; i++) {
		if (!same_nocase(city, clen, tab[i].city))
			continue;
		if (country != NULL &&
		    !same_nocase(country, colen, tab[i].country))
			continue;
		/* ties go to the first in the table */
		if (best == NULL || tab[i].population > best->population)
			best = &tab[i];
	}
	return best;
}

const struct fk_place *
fk_places_find(const char *city, const char *country)
{
	if (city == NULL)
		return NULL;
	return fk_places_findn(fk_places, fk_nplaces, city, strlen(city),
	    country, country != NULL ? strlen(country) : 0);
}

void
fk_places_free(struct fk_place *tab, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)(uintptr_t)tab[i].city);
		free((char *)(uintptr_t)tab[i].country);
	}
	free(tab);
}

int
fk_places_load(const char *path, struct fk_place **tab, size_t *n, char *err,
    size_t errlen)
{
	static const char *const want[4] = { "city", "country", "lat", "lon" };
	FILE *fp = fopen(path, "r");
	struct fk_csv_row row;
	char *line = NULL, why[256], *end1, *end2;
	size_t cap = 0, capt = 0;
	ssize_t len;
	long lineno = 0;
	int col[4] = { -1, -1, -1, -1 }, maxcol = 0, rc = -1;

	*tab = NULL;
	*n = 0;
	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	fk_csv_row_init(&row);
	while ((len = getline(&line, &cap, fp)) != -1) {
		struct fk_place p = { 0 };

		lineno++;
		while (
		    len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		if (fk_csv_split(
		        &row, line, (size_t)len, ',', why, sizeof(why)) == -1) {
			snprintf(err, errlen, "%s:%ld: %s", path, lineno, why);
			goto out;
		}
		if (col[0] < 0) { /* the header */
			for (size_t i = 0; i < row.nfields; i++)
				for (int k = 0; k < 4; k++)
					if (strcmp(row.fields[i].s, want[k]) ==
					    0)
						col[k] = (int)i;
			for (int k = 0; k < 4; k++) {
				if (col[k] < 0) {
					snprintf(err, errlen,
					    "%s:%ld: no column \"%s\" in the "
					    "header",
					    path, lineno, want[k]);
					goto out;
				}
				if (col[k] > maxcol)
					maxcol = col[k];
			}
			continue;
		}
		if ((int)row.nfields <= maxcol) {
			snprintf(err, errlen,
			    "%s:%ld: %zu columns, expected %d", path, lineno,
			    row.nfields, maxcol + 1);
			goto out;
		}
		p.lat = strtod(row.fields[col[2]].s, &end1);
		p.lon = strtod(row.fields[col[3]].s, &end2);
		if (*end1 != '\0' || *end2 != '\0' || !(p.lat >= -90) ||
		    !(p.lat <= 90) || !(p.lon >= -180) || !(p.lon <= 180) ||
		    row.fields[col[0]].len == 0) {
			snprintf(err, errlen,
			    "%s:%ld: expected a city and lat/lon in degrees",
			    path, lineno);
			goto out;
		}
		p.city = fk_xstrdup(row.fields[col[0]].s);
		p.country = fk_xstrdup(row.fields[col[1]].s);
		p.currency = "";
		if (*n == capt) {
			capt = capt ? capt * 2 : 256;
			*tab = fk_xrealloc(*tab, capt * sizeof(**tab));
		}
		(*tab)[(*n)++] = p;
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (rc == -1) {
		fk_places_free(*tab, *n);
		*tab = NULL;
		*n = 0;
	}
	fk_csv_row_release(&row);
	free(line);
	fclose(fp);
	return rc;
}
