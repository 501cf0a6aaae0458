/* ROC and precision-recall curves as one standalone SVG 1.1 file: no
 * scripts, no external fonts or style sheets, so any browser opens it.
 * Nothing is allocated; long curves are thinned while they stream out. */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

#include "banned.h"

/* Layout in pixels: two square panels side by side under the title. */
enum {
	PANEL = 360,   /* side of a plot area */
	PANEL_W = 480, /* a panel with its margins */
	LEFT = 80,     /* plot area's left edge within its panel */
	TOP = 90,      /* plot areas' top edge */
	WIDTH = 2 * PANEL_W,
	HEIGHT = TOP + PANEL + 70,
};

/* Curves of more points than this are thinned. */
#define THIN_MIN 2000
/* How far (px) a dropped point may lie from the line drawn instead: with
 * the overshoot allowed below and %.2f rounding, under 0.3 px. */
#define THIN_TOL 0.25
/* Points per line of path data, to keep lines short. */
#define PER_LINE 8

struct svg {
	FILE *fp;
	int err; /* errno of the first failed write, or 0 */
};

/* A polyline being written: the pen drops points within THIN_TOL of the
 * segment it will draw from its anchor (the last point written) to the
 * furthest point accepted so far.  Each accepted point narrows a cone of
 * directions from the anchor in which that segment must end (Sklansky
 * and Gonzalez's opening window), so each point costs O(1). */
struct pen {
	struct svg *w;
	int thin;
	size_t nout;   /* points written */
	double ax, ay; /* anchor */
	double lx, ly; /* last point accepted, not yet written */
	int have_last;
	double rx, ry; /* unit reference direction of the cone */
	int have_ref;
	double lo, hi; /* the cone, in radians from (rx, ry) */
	double maxd;   /* furthest accepted point from the anchor */
};

static void
svg_fail(struct svg *w)
{
	if (w->err == 0)
		w->err = errno != 0 ? errno : EIO;
}

FK_PRINTF(2, 3)
static void
svg_printf(struct svg *w, const char *fmt, ...)
{
	va_list ap;
	int rc;

	if (w->err != 0)
		return;
	errno = 0;
	va_start(ap, fmt);
	rc = vfprintf(w->fp, fmt, ap);
	va_end(ap);
	if (rc < 0)
		svg_fail(w);
}

static void
svg_puts(struct svg *w, const char *s)
{
	if (w->err != 0)
		return;
	errno = 0;
	if (fputs(s, w->fp) == EOF)
		svg_fail(w);
}

static void
svg_write(struct svg *w, const char *s, size_t n)
{
	if (w->err != 0 || n == 0)
		return;
	errno = 0;
	if (fwrite(s, 1, n, w->fp) != n)
		svg_fail(w);
}

/* v with at most two decimals and no trailing zeros ("12.5", "3"); the
 * program never calls setlocale(), so the point is always '.'. */
static const char *
fmt_num(char *buf, size_t len, double v)
{
	char *p;

	if (fabs(v) < 0.005)
		v = 0; /* not "-0" */
	snprintf(buf, len, "%.2f", v);
	if ((p = strchr(buf, '.')) != NULL) {
		p += strlen(p);
		while (p[-1] == '0')
			*--p = '\0';
		if (p[-1] == '.')
			p[-1] = '\0';
	}
	return buf;
}

/* The length of the valid UTF-8 sequence at s (1..4 bytes, n left) that
 * XML 1.0 allows as a character, or 0. */
static size_t
utf8_char(const unsigned char *s, size_t n)
{
	unsigned long c;
	size_t len, i;

	if (s[0] < 0x80)
		return s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' ||
		    s[0] == '\r';
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe ||
	    c == 0xffff)
		return 0;
	return len;
}

/* s as XML character data or an attribute value: markup characters
 * become entities; bytes XML cannot carry (controls, bad UTF-8) become
 * U+FFFD so the document stays well-formed. */
static void
svg_text(struct svg *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), k;

	while (n > 0) {
		switch (*p) {
		case '&':
			svg_puts(w, "&amp;");
			k = 1;
			break;
		case '<':
			svg_puts(w, "&lt;");
			k = 1;
			break;
		case '>':
			svg_puts(w, "&gt;");
			k = 1;
			break;
		case '"':
			svg_puts(w, "&quot;");
			k = 1;
			break;
		case '\'':
			svg_puts(w, "&apos;");
			k = 1;
			break;
		default:
			if ((k = utf8_char(p, n)) > 0) {
				svg_write(w, (const char *)p, k);
			} else {
				svg_puts(w, "\xef\xbf\xbd");
				k = 1;
			}
		}
		p += k;
		n -= k;
	}
}

static void
pen_emit(struct pen *pen, double x, double y)
{
	char bx[32], by[32];
	const char *sep = " ";

	if (pen->nout == 0)
		sep = "M";
	else if (pen->nout == 1)
		sep = "L";
	else if (pen->nout % PER_LINE == 0)
		sep = "\n";
	svg_printf(pen->w, "%s%s,%s", sep, fmt_num(bx, sizeof(bx), x),
	    fmt_num(by, sizeof(by), y));
	pen->nout++;
}

/* Whether (x, y) can be dropped along with the points already accepted,
 * narrowing the cone if so. */
static int
pen_accept(struct pen *pen, double x, double y)
{
	double dx = x - pen->ax, dy = y - pen->ay;
	double d = hypot(dx, dy), half, theta;

	/* going back along the line would hide the way out */
	if (d < pen->maxd - THIN_TOL / 4)
		return 0;
	/* once the cone is set, a near point must lie in it too, as it
	 * may end the segment */
	if (pen->have_ref) {
		theta = atan2(
		    pen->rx * dy - pen->ry * dx, pen->rx * dx + pen->ry * dy);
		if (theta < pen->lo || theta > pen->hi)
			return 0;
		if (d > THIN_TOL) {
			half = asin(THIN_TOL / d);
			pen->lo = fmax(pen->lo, theta - half);
			pen->hi = fmin(pen->hi, theta + half);
		}
	} else if (d > THIN_TOL) {
		half = asin(THIN_TOL / d);
		pen->rx = dx / d;
		pen->ry = dy / d;
		pen->have_ref = 1;
		pen->lo = -half;
		pen->hi = half;
	}
	if (d > pen->maxd)
		pen->maxd = d;
	return 1;
}

static void
pen_restart(struct pen *pen, double x, double y)
{
	pen->ax = x;
	pen->ay = y;
	pen->have_last = 0;
	pen->have_ref = 0;
	pen->maxd = 0;
}

static void
pen_point(struct pen *pen, double x, double y)
{
	if (pen->nout == 0 || !pen->thin) {
		pen_emit(pen, x, y);
		pen_restart(pen, x, y);
		return;
	}
	if (!pen_accept(pen, x, y)) {
		/* a corner: the last point accepted ends this segment; the
		 * first point after an anchor is always accepted */
		pen_emit(pen, pen->lx, pen->ly);
		pen_restart(pen, pen->lx, pen->ly);
		pen_accept(pen, x, y);
	}
	pen->lx = x;
	pen->ly = y;
	pen->have_last = 1;
}

static void
pen_end(struct pen *pen)
{
	if (pen->have_last)
		pen_emit(pen, pen->lx, pen->ly);
	/* a lone point shows as a dot under stroke-linecap="round" */
	if (pen->nout == 1)
		svg_puts(pen->w, "h0");
}

static int
in_unit(double v)
{
	return v >= 0 && v <= 1; /* false for NaN */
}

/* The curve as one <path> in its panel's coordinates.  With step set, a
 * precision-recall step curve: between two points, precision holds the
 * value of the point of higher recall (as average precision counts it,
 * and as scikit-learn's drawstyle "steps-post" draws its decreasing
 * recall), whichever order the points come in. */
static void
svg_curve(struct svg *w, const struct fk_curve *c, int step)
{
	struct pen pen;
	double px = 0, py = 0, x, y;
	size_t i, nvalid = 0;

	if (c == NULL || c->n == 0 || c->x == NULL || c->y == NULL)
		return;
	memset(&pen, 0, sizeof(pen));
	pen.w = w;
	pen.thin = c->n > THIN_MIN;
	svg_puts(w,
	    "<path fill=\"none\" stroke=\"#1f77b4\" "
	    "stroke-width=\"2\" stroke-linejoin=\"round\" "
	    "stroke-linecap=\"round\" d=\"");
	for (i = 0; i < c->n && w->err == 0; i++) {
		x = c->x[i];
		y = c->y[i];
		if (!in_unit(x) || !in_unit(y))
			continue;
		if (step && nvalid > 0 && x != px && y != py) {
			if (x < px)
				pen_point(&pen, x * PANEL, (1 - py) * PANEL);
			else
				pen_point(&pen, px * PANEL, (1 - y) * PANEL);
		}
		pen_point(&pen, x * PANEL, (1 - y) * PANEL);
		px = x;
		py = y;
		nvalid++;
	}
	pen_end(&pen);
	svg_puts(w, "\"/>\n");
}

/* Grid, frame, ticks, tick labels, axis labels and title of a panel. */
static void
svg_axes(struct svg *w, const char *xlabel, const char *ylabel,
    const char *what, double area)
{
	int i, p;

	svg_puts(w, "<path fill=\"none\" stroke=\"#e6e6e6\" d=\"");
	for (i = 1; i < 10; i++) {
		p = i * PANEL / 10;
		svg_printf(w, "M%d,0V%dM0,%dH%d", p, PANEL, p, PANEL);
	}
	svg_puts(w, "\"/>\n");
	svg_printf(w,
	    "<rect width=\"%d\" height=\"%d\" fill=\"none\" "
	    "stroke=\"black\"/>\n",
	    PANEL, PANEL);
	svg_puts(w, "<path fill=\"none\" stroke=\"black\" d=\"");
	for (i = 0; i <= 10; i++) {
		p = i * PANEL / 10;
		svg_printf(w, "M%d,%dv%dM0,%dh%d", p, PANEL, i % 2 ? 3 : 6, p,
		    i % 2 ? -3 : -6);
	}
	svg_puts(w, "\"/>\n");
	svg_puts(w, "<g text-anchor=\"middle\">\n");
	for (i = 0; i <= 10; i += 2)
		svg_printf(w, "<text x=\"%d\" y=\"%d\">%d.%d</text>\n",
		    i * PANEL / 10, PANEL + 20, i / 10, i % 10);
	svg_puts(w, "</g>\n<g text-anchor=\"end\">\n");
	for (i = 0; i <= 10; i += 2)
		svg_printf(w, "<text x=\"-10\" y=\"%d\">%d.%d</text>\n",
		    PANEL - i * PANEL / 10 + 4, i / 10, i % 10);
	svg_puts(w, "</g>\n");
	svg_printf(w,
	    "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
	    "font-size=\"14\">%s</text>\n",
	    PANEL / 2, PANEL + 45, xlabel);
	svg_printf(w,
	    "<text transform=\"translate(-48,%d) rotate(-90)\" "
	    "text-anchor=\"middle\" font-size=\"14\">%s</text>\n",
	    PANEL / 2, ylabel);
	svg_printf(w,
	    "<text x=\"%d\" y=\"-14\" text-anchor=\"middle\" "
	    "font-size=\"15\" font-weight=\"bold\">%s = ",
	    PANEL / 2, what);
	if (isfinite(area))
		svg_printf(w, "%.6f</text>\n", area);
	else
		svg_puts(w, "undefined</text>\n");
}

static void
svg_base_rate(struct svg *w, double base_rate)
{
	char by[32];
	double y;

	if (!in_unit(base_rate))
		return;
	y = (1 - base_rate) * PANEL;
	fmt_num(by, sizeof(by), y);
	svg_printf(w,
	    "<path fill=\"none\" stroke=\"#d62728\" stroke-width=\"1.5\" "
	    "stroke-dasharray=\"6 4\" d=\"M0,%sH%d\"/>\n",
	    by, PANEL);
	/* above the line, unless that is off the top */
	fmt_num(by, sizeof(by), base_rate > 0.9 ? y + 16 : y - 6);
	svg_printf(w,
	    "<text x=\"%d\" y=\"%s\" text-anchor=\"end\" "
	    "fill=\"#d62728\">base rate %.4g</text>\n",
	    PANEL - 6, by, base_rate);
}

int
fk_plot_svg(FILE *fp, const struct fk_curve *roc, const struct fk_curve *pr,
    double auc, double ap, double base_rate, const char *title)
{
	struct svg w = { fp, 0 };

	svg_puts(&w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	svg_printf(&w,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	    "font-family=\"sans-serif\" font-size=\"12\">\n",
	    WIDTH, HEIGHT, WIDTH, HEIGHT);
	svg_puts(&w, "<title>");
	svg_text(&w, title != NULL ? title : "ROC and precision-recall curves");
	svg_puts(&w, "</title>\n");
	svg_puts(&w, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
	if (title != NULL) {
		svg_printf(&w,
		    "<text x=\"%d\" y=\"36\" text-anchor=\"middle\" "
		    "font-size=\"18\">",
		    WIDTH / 2);
		svg_text(&w, title);
		svg_puts(&w, "</text>\n");
	}

	svg_printf(&w, "<g transform=\"translate(%d,%d)\">\n", LEFT, TOP);
	svg_axes(
	    &w, "False positive rate", "True positive rate", "ROC AUC", auc);
	svg_printf(&w,
	    "<path fill=\"none\" stroke=\"#7f7f7f\" stroke-dasharray=\"4 4\" "
	    "d=\"M0,%dL%d,0\"/>\n",
	    PANEL, PANEL);
	svg_curve(&w, roc, 0);
	svg_puts(&w, "</g>\n");

	svg_printf(
	    &w, "<g transform=\"translate(%d,%d)\">\n", PANEL_W + LEFT, TOP);
	svg_axes(&w, "Recall", "Precision", "Average precision", ap);
	svg_base_rate(&w, base_rate);
	svg_curve(&w, pr, 1);
	svg_puts(&w, "</g>\n");
	svg_puts(&w, "</svg>\n");

	errno = 0;
	if (w.err == 0 && (fflush(fp) == EOF || ferror(fp)))
		svg_fail(&w);
	if (w.err != 0) {
		errno = w.err;
		return -1;
	}
	return 0;
}
