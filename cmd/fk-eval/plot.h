/* Precision-recall and ROC curves as a standalone SVG file. */
#ifndef FK_PLOT_H
#define FK_PLOT_H

#include <stddef.h>
#include <stdio.h>

/* A curve: n points (x[i], y[i]) in the order they are drawn; borrowed. */
struct fk_curve {
	const double *x, *y;
	size_t n;
};

/* Write an SVG document to fp with two panels side by side: the ROC
 * curve (x: false positive rate, y: true positive rate, with the chance
 * diagonal) and the precision-recall curve (x: recall, y: precision, with
 * a line at base_rate), each titled with its area (auc, ap; NAN prints
 * "undefined").  title (may be NULL) is escaped.  Curves of many points
 * are thinned to what a screen can show, keeping every corner.  Returns
 * 0, or -1 when writing failed (errno set). */
int fk_plot_svg(FILE *fp, const struct fk_curve *roc, const struct fk_curve *pr,
    double auc, double ap, double base_rate, const char *title);

#endif
