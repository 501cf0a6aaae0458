/* Unit tests for plot.c. */
#include "plot.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define PANEL 360.0 /* plot.c's plot area, in px */
#define CURVE "<path fill=\"none\" stroke=\"#1f77b4\""

/* The whole document fk_plot_svg() writes; new reference. */
static char *
render(const struct fk_curve *roc, const struct fk_curve *pr, double auc,
    double ap, double base_rate, const char *title)
{
	char *text = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&text, &n);

	cr_assert_not_null(fp);
	cr_assert_eq(fk_plot_svg(fp, roc, pr, auc, ap, base_rate, title), 0,
	    "%s", strerror(errno));
	cr_assert_eq(fclose(fp), 0);
	cr_assert_eq(strlen(text), n, "a NUL in the output");
	return text;
}

/* The d attribute of the which'th curve (0: ROC, 1: PR); new reference,
 * or NULL when that curve has no path. */
static char *
curve_d(const char *svg, int which)
{
	const char *p = svg, *d, *end;
	char *s;

	for (int i = 0; i <= which; i++) {
		if ((p = strstr(p, CURVE)) == NULL)
			return NULL;
		p += strlen(CURVE);
	}
	d = strstr(p, " d=\"");
	cr_assert_not_null(d);
	d += 4;
	end = strchr(d, '"');
	cr_assert_not_null(end);
	s = malloc((size_t)(end - d) + 1);
	cr_assert_not_null(s);
	memcpy(s, d, (size_t)(end - d));
	s[end - d] = '\0';
	return s;
}

/* Reads path data "Mx,yLx,y x,y ..." into pts (x, y pairs); returns how
 * many points, checking that there is nothing else in it. */
static size_t
parse_d(const char *d, double *pts, size_t max)
{
	size_t n = 0;
	char *end;

	while (*d != '\0') {
		if (*d == 'M' || *d == 'L' || *d == ' ' || *d == '\n') {
			d++;
			continue;
		}
		cr_assert_lt(n, max, "too many points");
		pts[2 * n] = strtod(d, &end);
		cr_assert_neq(end, d, "bad path data at \"%.20s\"", d);
		cr_assert_eq(*end, ',', "bad path data at \"%.20s\"", d);
		d = end + 1;
		pts[2 * n + 1] = strtod(d, &end);
		cr_assert_neq(end, d, "bad path data at \"%.20s\"", d);
		d = end;
		n++;
	}
	return n;
}

/* Starts with the XML declaration, ends with </svg>, every element
 * closed in order, no "nan" or "inf" anywhere. */
static void
check_well_formed(const char *svg)
{
	char stack[32][32];
	const char *p = svg, *q;
	size_t depth = 0, len, n = strlen(svg);
	int saw_svg = 0;

	cr_assert(strncmp(svg, "<?xml ", 6) == 0, "%.40s", svg);
	cr_assert(n >= 7 && strcmp(svg + n - 7, "</svg>\n") == 0);
	for (size_t i = 0; i < n; i++) {
		char lc[4];

		for (size_t k = 0; k < 3 && i + k < n; k++)
			lc[k] = (char)tolower((unsigned char)svg[i + k]);
		lc[3] = '\0';
		cr_assert(strcmp(lc, "nan") != 0 && strcmp(lc, "inf") != 0,
		    "\"%.3s\" at offset %zu", svg + i, i);
	}
	while ((p = strchr(p, '<')) != NULL) {
		q = strchr(p, '>');
		cr_assert_not_null(q, "unclosed tag");
		if (p[1] == '?') {
			cr_assert_eq(p, svg, "declaration not first");
		} else if (p[1] == '/') {
			cr_assert_gt(depth, 0, "close without open");
			depth--;
			len = strlen(stack[depth]);
			cr_assert(strncmp(p + 2, stack[depth], len) == 0 &&
			        p[2 + len] == '>',
			    "<%s> closed by %.20s", stack[depth], p);
		} else if (q[-1] != '/') {
			len = strcspn(p + 1, " >/\n");
			cr_assert_lt(len, sizeof(stack[0]));
			cr_assert_lt(depth, NELEM(stack));
			memcpy(stack[depth], p + 1, len);
			stack[depth][len] = '\0';
			if (depth == 0) {
				cr_assert_str_eq(stack[0], "svg");
				cr_assert_eq(saw_svg, 0, "two root elements");
				saw_svg = 1;
			}
			depth++;
		} else {
			cr_assert_gt(depth, 0, "element outside <svg>");
		}
		p = q + 1;
	}
	cr_assert_eq(depth, 0, "<%s> not closed", stack[depth - 1]);
	cr_assert(saw_svg);
}

static const double roc_x[] = { 0, 0, 0.25, 0.5, 1 };
static const double roc_y[] = { 0, 0.5, 0.75, 1, 1 };
static const double pr_x[] = { 1, 0.5, 0.25, 0 };
static const double pr_y[] = { 0.5, 0.75, 1, 1 };
static const struct fk_curve roc = { roc_x, roc_y, NELEM(roc_x) };
static const struct fk_curve pr = { pr_x, pr_y, NELEM(pr_x) };

Test(plot, small_document)
{
	char *svg = render(&roc, &pr, 0.912345, 0.456789, 0.0023, "scores");
	char *d;

	check_well_formed(svg);
	cr_assert_not_null(strstr(svg, "xmlns=\"http://www.w3.org/2000/svg\""));
	cr_assert_not_null(strstr(svg, " viewBox=\"0 0 "));
	cr_assert_not_null(strstr(svg, " width=\""));
	cr_assert_not_null(strstr(svg, " height=\""));
	cr_assert_not_null(strstr(svg, "ROC AUC = 0.912345"));
	cr_assert_not_null(strstr(svg, "Average precision = 0.456789"));
	cr_assert_not_null(strstr(svg, ">base rate 0.0023<"));
	cr_assert_not_null(strstr(svg, ">False positive rate<"));
	cr_assert_not_null(strstr(svg, ">True positive rate<"));
	cr_assert_not_null(strstr(svg, ">Recall<"));
	cr_assert_not_null(strstr(svg, ">Precision<"));
	cr_assert_not_null(strstr(svg, ">scores</text>"));
	cr_assert_null(strstr(svg, "<script"));
	cr_assert_null(strstr(svg, "href"));
	cr_assert_null(strstr(svg, "@import"));
	/* short curves are drawn point for point */
	d = curve_d(svg, 0);
	cr_assert_str_eq(d, "M0,360L0,180 90,90 180,0 360,0");
	free(d);
	free(svg);
}

/* Precision holds the value of the point of higher recall, in either
 * order, as average precision counts it. */
Test(plot, precision_recall_steps)
{
	static const double x[] = { 1, 0.5, 0 }, y[] = { 0.5, 1, 1 };
	static const double rx[] = { 0, 0.5, 1 }, ry[] = { 1, 1, 0.5 };
	struct fk_curve down = { x, y, 3 }, up = { rx, ry, 3 };
	char *svg, *d;

	svg = render(&roc, &down, 0.5, 0.5, 0.5, NULL);
	d = curve_d(svg, 1);
	cr_assert_str_eq(d, "M360,180L180,180 180,0 0,0");
	free(d);
	free(svg);
	svg = render(&roc, &up, 0.5, 0.5, 0.5, NULL);
	d = curve_d(svg, 1);
	cr_assert_str_eq(d, "M0,0L180,0 180,180 360,180");
	free(d);
	free(svg);
}

Test(plot, title_escaped)
{
	char *svg = render(&roc, &pr, 0.5, 0.5, 0.1,
	    "a&b <c> \"d\" 'e' caf\xc3\xa9 \x01 \xff");

	check_well_formed(svg);
	cr_assert_not_null(strstr(svg,
	    ">a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos; caf\xc3\xa9 "
	    "\xef\xbf\xbd \xef\xbf\xbd</text>"));
	cr_assert_not_null(strstr(svg, "<title>a&amp;b &lt;c&gt;"));
	free(svg);
}

Test(plot, null_title)
{
	char *svg = render(&roc, &pr, 0.5, 0.5, 0.1, NULL);

	check_well_formed(svg);
	cr_assert_null(strstr(svg, "font-size=\"18\""), "a title line");
	free(svg);
}

Test(plot, undefined_areas)
{
	char *svg = render(&roc, &pr, NAN, NAN, NAN, NULL);

	check_well_formed(svg);
	cr_assert_not_null(strstr(svg, "ROC AUC = undefined<"));
	cr_assert_not_null(strstr(svg, "Average precision = undefined<"));
	cr_assert_null(strstr(svg, "base rate"));
	free(svg);
	svg = render(&roc, &pr, INFINITY, -INFINITY, 2, NULL);
	check_well_formed(svg);
	cr_assert_not_null(strstr(svg, "ROC AUC = undefined<"));
	free(svg);
}

Test(plot, bad_points_skipped)
{
	static const double x[] = { NAN, 0, INFINITY, 0.5, -0.1, 1, 1.5, 1 };
	static const double y[] = { 0, 0, 0.5, NAN, 0.5, 1, 0.5, -INFINITY };
	struct fk_curve c = { x, y, NELEM(x) };
	char *svg = render(&c, &c, 0.5, 0.5, 0.5, NULL);
	char *d = curve_d(svg, 0);

	check_well_formed(svg);
	cr_assert_str_eq(d, "M0,360L360,0");
	free(d);
	free(svg);
}

Test(plot, empty_curves)
{
	static const double x[] = { NAN }, y[] = { NAN };
	struct fk_curve none = { NULL, NULL, 0 }, bad = { x, y, 1 };
	struct fk_curve one = { roc_x + 3, roc_y + 3, 1 };
	char *svg, *d;

	svg = render(&none, NULL, 0.5, 0.5, 0.5, NULL);
	check_well_formed(svg);
	cr_assert_null(curve_d(svg, 0));
	free(svg);
	svg = render(&bad, &one, 0.5, 0.5, 0.5, NULL);
	check_well_formed(svg);
	d = curve_d(svg, 0);
	cr_assert_str_eq(d, "");
	free(d);
	d = curve_d(svg, 1);
	cr_assert_str_eq(d, "M180,0h0", "a lone point as a dot");
	free(d);
	free(svg);
}

/* Distance from (px, py) to the segment from (ax, ay) to (bx, by). */
static double
seg_dist(double px, double py, double ax, double ay, double bx, double by)
{
	double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy, t = 0;

	if (l2 > 0)
		t = fmax(0, fmin(1, ((px - ax) * dx + (py - ay) * dy) / l2));
	return hypot(px - ax - t * dx, py - ay - t * dy);
}

/* Every point of the full curve lies within max_px of the drawn one,
 * whose points are, in order, a subset of the full curve's. */
static void
check_close(const double *x, const double *y, size_t n, const double *pts,
    size_t m, double max_px)
{
	double worst = 0, px, py, e;
	size_t j = 0, worst_i = 0;

	for (size_t i = 0; i < n; i++) {
		px = x[i] * PANEL;
		py = (1 - y[i]) * PANEL;
		e = INFINITY;
		for (size_t k = j > 0 ? j - 1 : 0; k + 1 < m && k < j + 2; k++)
			e = fmin(e,
			    seg_dist(px, py, pts[2 * k], pts[2 * k + 1],
			        pts[2 * k + 2], pts[2 * k + 3]));
		if (m == 1)
			e = hypot(px - pts[0], py - pts[1]);
		if (e > worst)
			worst = e, worst_i = i;
		/* passed the next vertex: on to its segment */
		if (j + 1 < m && fabs(px - pts[2 * j + 2]) <= 0.006 &&
		    fabs(py - pts[2 * j + 3]) <= 0.006)
			j++;
	}
	cr_assert_eq(
	    j, m - 1, "vertices not in order: stopped at %zu of %zu", j, m);
	cr_assert_leq(
	    worst, max_px, "point %zu is %.3f px off", worst_i, worst);
}

/* A random monotone staircase from (0, 0) to (1, 1) of n points. */
static void
staircase(double *x, double *y, size_t n, uint64_t seed)
{
	size_t i, right = 0, up = 0, steps = n - 1;

	/* the same number of steps each way, in random order */
	for (i = 1; i < n; i++) {
		if (right < steps / 2 &&
		    (up >= steps - steps / 2 || fk_test_rand(&seed) % 2 == 0))
			right++;
		else
			up++;
		x[i] = (double)right / (double)(steps / 2);
		y[i] = (double)up / (double)(steps - steps / 2);
	}
	x[0] = y[0] = 0;
}

Test(plot, thins_long_staircase)
{
	size_t n = 1000000, m;
	double *x = malloc(n * sizeof(*x)), *y = malloc(n * sizeof(*y));
	double *pts = malloc(2 * n * sizeof(*pts));
	struct fk_curve c = { x, y, n };
	char *svg, *d;

	cr_assert(x != NULL && y != NULL && pts != NULL);
	staircase(x, y, n, 42);
	svg = render(&c, &c, 0.5, 0.5, 0.5, NULL);
	check_well_formed(svg);
	d = curve_d(svg, 0);
	m = parse_d(d, pts, n);
	cr_assert_lt(m, 2000, "%zu points left", m);
	cr_assert_gt(m, 2);
	cr_assert_eq(strncmp(d, "M0,360L", 7), 0, "%.20s", d);
	cr_assert(pts[2 * m - 2] == 360 && pts[2 * m - 1] == 0);
	check_close(x, y, n, pts, m, 0.5);
	free(d);
	cr_assert_lt(strlen(svg), 100000, "%zu bytes", strlen(svg));
	free(svg);
	free(pts);
	free(x);
	free(y);
}

/* Long runs in one direction collapse to one segment; every corner that
 * shows stays. */
Test(plot, thinning_keeps_corners)
{
	size_t n = 30000, m, i;
	double *x = malloc(n * sizeof(*x)), *y = malloc(n * sizeof(*y));
	double pts[64];
	static const double want[] = { 0, 360, 0, 0, 180, 0, 180, 360 };
	struct fk_curve c = { x, y, n };
	char *svg, *d;

	cr_assert(x != NULL && y != NULL);
	/* up the left edge, along the top, back down the middle */
	for (i = 0; i < n; i++) {
		double t = (double)(i % 10000) / 9999;

		if (i < 10000)
			x[i] = 0, y[i] = t;
		else if (i < 20000)
			x[i] = t / 2, y[i] = 1;
		else
			x[i] = 0.5, y[i] = 1 - t;
	}
	svg = render(&c, NULL, 0.5, 0.5, 0.5, NULL);
	d = curve_d(svg, 0);
	m = parse_d(d, pts, 32);
	cr_assert_eq(m, NELEM(want) / 2, "%zu points: %s", m, d);
	/* a corner may move by the tolerance, not more */
	for (i = 0; i < NELEM(want); i++)
		cr_assert_leq(fabs(pts[i] - want[i]), 0.3, "%s", d);
	cr_assert(
	    pts[0] == 0 && pts[1] == 360 && pts[6] == 180 && pts[7] == 360,
	    "first or last point moved: %s", d);
	check_close(x, y, n, pts, m, 0.5);
	free(d);
	free(svg);
	free(x);
	free(y);
}

/* A random walk: thinning still follows it within half a pixel. */
Test(plot, thinning_follows_noise)
{
	size_t n = 200000, m;
	double *x = malloc(n * sizeof(*x)), *y = malloc(n * sizeof(*y));
	double *pts = malloc(2 * n * sizeof(*pts));
	struct fk_curve c = { x, y, n };
	uint64_t seed = 7;
	char *svg, *d;

	cr_assert(x != NULL && y != NULL && pts != NULL);
	x[0] = y[0] = 0.5;
	for (size_t i = 1; i < n; i++) {
		x[i] = fmin(1,
		    fmax(0,
		        x[i - 1] +
		            (double)(fk_test_rand(&seed) % 2001 - 1000) *
		                1e-6));
		y[i] = fmin(1,
		    fmax(0,
		        y[i - 1] +
		            (double)(fk_test_rand(&seed) % 2001 - 1000) *
		                1e-6));
	}
	svg = render(&c, NULL, 0.5, 0.5, 0.5, NULL);
	d = curve_d(svg, 0);
	m = parse_d(d, pts, n);
	cr_assert_lt(m, n / 2, "%zu points left", m);
	check_close(x, y, n, pts, m, 0.5);
	free(d);
	free(svg);
	free(pts);
	free(x);
	free(y);
}

Test(plot, short_curves_not_thinned)
{
	size_t n = 2000;
	double x[2000], y[2000], *pts = malloc(2 * n * sizeof(*pts));
	struct fk_curve c = { x, y, n };
	char *svg, *d;

	cr_assert_not_null(pts);
	for (size_t i = 0; i < n; i++)
		x[i] = y[i] = (double)i / (double)(n - 1);
	svg = render(&c, NULL, 0.5, 0.5, 0.5, NULL);
	d = curve_d(svg, 0);
	cr_assert_eq(parse_d(d, pts, n), n);
	free(d);
	free(svg);
	free(pts);
}

Test(plot, write_error_unbuffered)
{
	FILE *fp = fopen("/dev/full", "w");

	cr_assert_not_null(fp);
	cr_assert_eq(setvbuf(fp, NULL, _IONBF, 0), 0);
	errno = 0;
	cr_assert_eq(fk_plot_svg(fp, &roc, &pr, 0.5, 0.5, 0.5, "t"), -1);
	cr_assert_eq(errno, ENOSPC, "%s", strerror(errno));
	fclose(fp);
}

/* The error shows only when the buffer is flushed. */
Test(plot, write_error_buffered)
{
	FILE *fp = fopen("/dev/full", "w");

	cr_assert_not_null(fp);
	errno = 0;
	cr_assert_eq(fk_plot_svg(fp, &roc, &pr, 0.5, 0.5, 0.5, "t"), -1);
	cr_assert_eq(errno, ENOSPC, "%s", strerror(errno));
	fclose(fp);
}
