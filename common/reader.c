#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"
#include "banned.h"

#define READ_CHUNK (256 * 1024)

int
fk_reader_open(struct fk_reader *r, const char *path, size_t max_line)
{
	memset(r, 0, sizeof(*r));
	if (strcmp(path, "-") == 0) {
		r->fd = STDIN_FILENO;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd == -1)
			return -1;
		r->owns_fd = 1;
	}
	r->max_line = max_line;
	r->cap = READ_CHUNK;
	r->buf = fk_xmalloc(r->cap);
	return 0;
}

void
fk_reader_close(struct fk_reader *r)
{
	if (r->owns_fd)
		close(r->fd);
	free(r->buf);
	r->buf = NULL;
}

/* Read more input after what is buffered; 1 read, 0 eof, -1 error, -2 stop. */
static int
fill(struct fk_reader *r)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	ssize_t n;

	if (r->beg > 0) {
		memmove(r->buf, r->buf + r->beg, r->end - r->beg);
		r->end -= r->beg;
		r->beg = 0;
	}
	if (r->cap - r->end < READ_CHUNK / 2) {
		r->cap *= 2;
		r->buf = fk_xrealloc(r->buf, r->cap);
	}
	if (r->idle != NULL && poll(&pfd, 1, 0) == 0 &&
	    r->idle(r->idle_arg, r->fd) == -1)
		return -2;
	for (;;) {
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (n >= 0)
			break;
		if (errno != EINTR)
			return -1;
		if (r->idle != NULL && r->idle(r->idle_arg, r->fd) == -1)
			return -2;
	}
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	r->end += (size_t)n;
	r->nread += n;
	return 1;
}

int
fk_reader_next(
    struct fk_reader *r, const char **line, size_t *len, int *truncated)
{
	char *nl;
	size_t avail;
	int rc;

	for (;;) {
		avail = r->end - r->beg;
		nl = memchr(r->buf + r->beg, '\n', avail);
		if (r->skipping) {
			if (nl == NULL) {
				r->beg = r->end = 0;
			} else {
				r->beg = (size_t)(nl - r->buf) + 1;
				r->skipping = 0;
				continue;
			}
		} else if (nl != NULL || (r->eof && avail > 0) ||
		    avail > r->max_line) {
			size_t n =
			    nl ? (size_t)(nl - (r->buf + r->beg)) : avail;

			*line = r->buf + r->beg;
			*truncated = 0;
			if (n > r->max_line) {
				n = r->max_line;
				*truncated = 1;
				r->skipping = nl == NULL;
				r->beg =
				    nl ? (size_t)(nl - r->buf) + 1 : r->end;
			} else {
				r->beg += n + (nl != NULL);
			}
			*len = n;
			r->lineno++;
			return 1;
		}
		if (r->eof)
			return 0;
		if ((rc = fill(r)) < 0)
			return rc;
	}
}
