/* fk-lag's questions to the cluster: which groups, what each has
 * committed, where each partition ends, and the record at each group's
 * position, into the rows of a report (lag.h).  Tool code: it says on
 * stderr what it could not learn. */
#ifndef FK_SURVEY_H
#define FK_SURVEY_H

#include <stddef.h>

#include "config.h"
#include "lag.h"

struct fk_survey {
	const struct fk_config *cfg; /* borrowed */
	const char *brokers;         /* for messages */
	const char *const *groups;   /* -G, borrowed */
	size_t ngroups;
	const char *prefix; /* --prefix, or NULL */
	const char *topic;  /* -t, or NULL */
	int timeout_ms;     /* for each request */
};

/* Fill r, unsorted, with a row for every partition of every topic on
 * which a group has committed an offset.  The exit status of what went
 * wrong: 0, or FK_EX_UNAVAILABLE (after saying what; the rows it could
 * make are there) or FK_EX_CONFIG. */
int fk_survey_run(const struct fk_survey *s, struct fk_lag_report *r);

#endif
