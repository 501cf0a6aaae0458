/* Exit codes, sysexits style; documented in fk(7). */
#ifndef FK_EXITCODE_H
#define FK_EXITCODE_H

enum {
	FK_EX_OK = 0,
	FK_EX_USAGE = 64,       /* bad command line */
	FK_EX_DATAERR = 65,     /* some input records were rejected */
	FK_EX_NOINPUT = 66,     /* an input file could not be opened */
	FK_EX_UNAVAILABLE = 69, /* broker unavailable */
	FK_EX_SOFTWARE = 70,    /* internal error */
	FK_EX_OSERR = 71,       /* OS error, out of memory */
	FK_EX_IOERR = 74,       /* output error: stdout closed, disk full */
	FK_EX_TEMPFAIL = 75,    /* messages undelivered, retry later */
	FK_EX_CONFIG = 78,      /* bad configuration */
};

/* The more serious of two exit codes, so failures add up. */
int fk_exit_worse(int a, int b);

#endif
