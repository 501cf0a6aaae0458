/* Line reader over a file descriptor with a bound on line length and a
 * hook for when input would block.  Library module: never prints. */
#ifndef FK_READER_H
#define FK_READER_H

#include <stddef.h>

struct fk_reader {
	int fd;
	int owns_fd;
	char *buf;
	size_t cap, beg, end;
	size_t max_line;
	long long lineno; /* of the line last returned */
	long long nread;  /* bytes read from fd, some still in buf */
	int eof;
	int skipping; /* discarding the rest of an over-long line */
	/* Called when no input is ready, before blocking: flush outputs,
	 * then wait.  Returns 0 to go on reading, -1 to stop (a signal). */
	int (*idle)(void *arg, int fd);
	void *idle_arg;
};

/* Open path ("-" is stdin).  Returns -1 with errno set. */
int fk_reader_open(struct fk_reader *r, const char *path, size_t max_line);
void fk_reader_close(struct fk_reader *r);

/* Next line without its '\n'.  *line is borrowed until the next call.
 * A line longer than max_line comes back as its first max_line bytes
 * with *truncated set; the rest of it is skipped.
 * Returns 1 for a line, 0 at end of input, -1 on a read error (errno
 * set), -2 when idle() asked to stop. */
int fk_reader_next(
    struct fk_reader *r, const char **line, size_t *len, int *truncated);

#endif
