#include "exitcode.h"

#include "banned.h"

/* Higher rank = more serious; usage and config errors exit at once. */
static int
rank(int code)
{
	switch (code) {
	case FK_EX_OK:
		return 0;
	case FK_EX_DATAERR:
		return 1;
	case FK_EX_NOINPUT:
		return 2;
	case FK_EX_TEMPFAIL:
		return 3;
	case FK_EX_UNAVAILABLE:
		return 4;
	case FK_EX_IOERR:
		return 5;
	case FK_EX_OSERR:
		return 6;
	default:
		return 7;
	}
}

int
fk_exit_worse(int a, int b)
{
	return rank(b) > rank(a) ? b : a;
}
