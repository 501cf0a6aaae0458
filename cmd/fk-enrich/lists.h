/* fk-enrich's lists (--list NAME=FILE): sets of values checked against
 * record fields, each with the SHA-256 of its file's content, reloaded
 * atomically when asked (SIGHUP) or when the file changes. */
#ifndef FK_LISTS_H
#define FK_LISTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "map.h"

/* One loaded list: an immutable set; a reload builds a new one. */
struct fk_list {
	char *name;        /* NAME of --list NAME=FILE */
	char *path;        /* FILE */
	char *field;       /* the record field checked: user_id, device_id, ip,
	                  merchant_id, or what the spec says; NULL: every
	                  one of user_id, device_id, ip and merchant_id */
	char *column;      /* COLUMN of FILE#COLUMN (a CSV file), or NULL: one
	                  value a line */
	char hash[65];     /* SHA-256 of the file's bytes, hex */
	size_t n;          /* values */
	struct fk_map set; /* the values (private) */
	/* what the file was when last tried (size -1: missing): reload
	   when any differs */
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns;
};

struct fk_lists {
	struct fk_list **l;
	size_t n;
};

void fk_lists_init(struct fk_lists *ls);
void fk_lists_release(struct fk_lists *ls);

/* Parse a --list argument and load it:
 *   NAME=FILE              values one a line; field by NAME's default:
 *                          the field named in NAME if NAME is one of
 *                          user_id, device_id, ip, merchant_id,
 *                          terminal_id; otherwise every one of user_id,
 *                          device_id, ip and merchant_id
 *   NAME:FIELD=FILE        checked against FIELD
 *   NAME:FIELD=FILE#COLUMN a CSV file with a header line, values from
 *                          COLUMN
 * A value line is trimmed of white space and CR; empty lines and lines
 * starting with # are skipped.  Returns 0, or -1 with a message in err
 * ("blocked: lists/users.txt: No such file or directory",
 * "blocked: lists/x.csv:1: no column \"id\" in the header"). */
int fk_lists_add(
    struct fk_lists *ls, const char *spec, char *err, size_t errlen);

/* Whether list l holds the value s of len bytes. */
int fk_list_has(const struct fk_list *l, const char *s, size_t len);

/* Reload the lists whose files changed (force: all of them).  A list
 * that fails to load keeps its old content; its message goes to err
 * (several joined by "; ") and the return is -1 (the others are still
 * reloaded).  Without force, a file that failed is not tried (nor
 * reported) again until it changes.  *reloaded counts the lists
 * replaced.  0 when all went well.  Pointers to the lists replaced are
 * no longer valid. */
int fk_lists_reload(
    struct fk_lists *ls, int force, int *reloaded, char *err, size_t errlen);

#endif
