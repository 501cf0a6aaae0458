/* fkcat-in --watermarks: when fkcat-in sends a watermark into --to, and
 * what it says.  As the one writer of its topic, it speaks as task 0 of 1
 * of topic "-" (it reads none): wm is the greatest event time it has
 * emitted, idle once it has emitted nothing for a while, so that the first
 * hop of a chain holds and releases by them instead of guessing from being
 * caught up.  This module only decides; the caller sends, and says so with
 * fk_wmark_sent, so that one not sent is due again.  Times are the
 * caller's monotonic clock, in ms; an idle one says when the pause began
 * by the wall clock (idle_at), the same however often it is sent. */
#ifndef FK_WMARK_H
#define FK_WMARK_H

#include <stdint.h>

#include "watermark.h"

/* After a watermark failed, records go on without one this long: each
 * attempt may cost a metadata request, the tick tries again anyway. */
#define FK_WMARK_RETRY_MS 100

struct fk_wmark {
	int64_t idle_after_ms; /* nothing emitted this long: idle */
	int64_t wm;            /* the greatest event time emitted */
	int emitted;           /* a record was */
	int64_t last_ms;       /* when the last one was */
	int sent;              /* a watermark was sent */
	int sent_idle;
	int64_t sent_wm;
	int failed; /* the last one could not be sent, at failed_ms */
	int64_t failed_ms;
	int64_t idle_at; /* the wall clock as this pause began; 0: none */
};

void fk_wmark_init(struct fk_wmark *m, int64_t idle_after_ms);

/* A record of event time ts (0: none) is emitted at now: 1 with *w when a
 * watermark must go before it (the first record, or the first after an
 * idle one), else 0 (also within FK_WMARK_RETRY_MS of a failure). */
int fk_wmark_record(
    struct fk_wmark *m, int64_t ts, int64_t now, struct fk_watermark *w);

/* The clock: 1 with *w when a watermark is due (wm moved since the last
 * sent, or nothing was emitted for idle_after_ms), else 0. */
int fk_wmark_tick(struct fk_wmark *m, int64_t now, struct fk_watermark *w);

/* The end of the input: 1 with *w, idle, unless nothing was emitted or the
 * last one sent said the same. */
int fk_wmark_end(struct fk_wmark *m, struct fk_watermark *w);

/* w, as one of the above filled it, was sent. */
void fk_wmark_sent(struct fk_wmark *m, const struct fk_watermark *w);

/* The watermark due could not be sent at now: it stays due. */
void fk_wmark_failed(struct fk_wmark *m, int64_t now);

#endif
