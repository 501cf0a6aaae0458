/* A set of dotted paths into a record ("features.user.count_10m"),
 * compiled into a tree, and one walk of a scanned record that finds the
 * value of every path at once.  Library module: never prints, never
 * exits. */
#ifndef FK_JPATH_H
#define FK_JPATH_H

#include <stddef.h>

#include "jscan.h"

struct fk_jpath;

/* A new empty set; fk_jpath_free frees it. */
struct fk_jpath *fk_jpath_new(void);
void fk_jpath_free(struct fk_jpath *t);

/* Add the path of n member names seg[0..n) (lens[i] bytes each, any
 * bytes but NUL), shown as name in messages and output (copied).  The
 * same path again gives the same slot.  Returns the slot, numbered from
 * 0 in order of addition. */
size_t fk_jpath_addv(struct fk_jpath *t, const char *name,
    const char *const *seg, const size_t *lens, size_t n);

/* Add a dotted path: names of [A-Za-z0-9_-] between dots.  The slot, or
 * -1 with a message in err. */
long fk_jpath_add(
    struct fk_jpath *t, const char *path, char *err, size_t errlen);

size_t fk_jpath_count(const struct fk_jpath *t);
/* The name slot was added with; borrowed. */
const char *fk_jpath_name(const struct fk_jpath *t, size_t slot);

/* Find every path in a record that fk_jscan accepted into top: out[slot]
 * (fk_jpath_count entries) gets the value's member (key = the last
 * name), or val == NULL when the path is absent or goes through a value
 * that is not an object.  A repeated key: the last one, as fk_jobj_get.
 * t keeps a little state of the walk: one find at a time. */
void fk_jpath_find(
    struct fk_jpath *t, const struct fk_jobj *top, struct fk_jmember *out);

#endif
