/* The bundled gazetteer: major cities of the world, from data/places.csv
 * (written by us from public facts), compiled into libfk.  Library
 * module. */
#ifndef FK_PLACES_H
#define FK_PLACES_H

#include <stddef.h>

struct fk_place {
	const char *city;     /* "London" */
	const char *country;  /* ISO 3166-1 alpha-2, "GB" */
	const char *currency; /* ISO 4217, "GBP" */
	double lat, lon;      /* degrees, WGS 84 */
	long population;      /* city proper or urban area, approximate */
};

/* The table, in the order of data/places.csv; static storage. */
extern const struct fk_place fk_places[];
extern const size_t fk_nplaces;

/* Great-circle distance in km between two points given in degrees
 * (haversine, mean Earth radius 6371.0088 km). */
double fk_geo_km(double lat1, double lon1, double lat2, double lon2);

/* The bundled place named city (ASCII case-insensitive), optionally in
 * country (NULL: any; the most populous match wins); NULL if none. */
const struct fk_place *fk_places_find(const char *city, const char *country);

/* The same in the n places of tab, with city[0..clen) and, unless
 * country is NULL, country[0..colen); borrowed from tab. */
const struct fk_place *fk_places_findn(const struct fk_place *tab, size_t n,
    const char *city, size_t clen, const char *country, size_t colen);

/* Load a gazetteer CSV whose header names at least the columns city,
 * country, lat and lon (others are ignored) into *tab, *n (new; free with
 * fk_places_free).  0, or -1 with "PATH:LINE: reason" in err. */
int fk_places_load(const char *path, struct fk_place **tab, size_t *n,
    char *err, size_t errlen);
void fk_places_free(struct fk_place *tab, size_t n);

#endif
