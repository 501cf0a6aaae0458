/* Unit tests for format.c: fk-alert's output formats. */
#include "format.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The alert of the brief, one line. */
static const char full[] =
    "{\"tx_id\":\"tx-000000000148\",\"user_id\":\"U0000386\","
    "\"amount\":14.15,\"currency\":\"EUR\","
    "\"timestamp\":\"2024-11-01T01:15:20.557Z\",\"ts_ms\":1730423720557,"
    "\"merchant_id\":\"M000324\",\"terminal_id\":\"T0000548\","
    "\"device_id\":\"D1\",\"ip\":\"10.1.2.3\",\"country\":\"ML\","
    "\"location\":\"Bamako\",\"channel\":\"pos\","
    "\"features\":{\"user\":{\"km_from_home\":13139.7}},"
    "\"risk\":{\"score\":0.93,\"decision\":\"block\",\"rules_score\":0.8,"
    "\"model_score\":0.93,\"reasons\":[{\"rule\":\"impossible_travel\","
    "\"weight\":0.8,\"reason\":\"too far from the last payment\","
    "\"severity\":\"high\",\"tags\":[\"geo\"],"
    "\"values\":{\"features.user.impossible_travel\":true}},"
    "{\"feature\":\"features.user.km_from_home\",\"value\":13139.7,"
    "\"contribution\":2.1}],\"ruleset\":\"aaaa\",\"model\":\"bbbb\"},"
    "\"alert\":{\"id\":\"0123456789abcdef0123456789abcdef\","
    "\"severity\":\"high\",\"summary\":\"block U0000386: 14.15 EUR, score "
    "0.93: impossible_travel\",\"time\":\"2026-11-29T02:00:00.123Z\","
    "\"latency_ms\":42,\"entities\":{\"user_id\":\"U0000386\"},"
    "\"reasons\":[{\"rule\":\"impossible_travel\",\"weight\":0.8,"
    "\"reason\":\"too far from the last payment\",\"severity\":\"high\","
    "\"tags\":[\"geo\"],"
    "\"values\":{\"features.user.impossible_travel\":true}},"
    "{\"feature\":\"features.user.km_from_home\",\"value\":13139.7,"
    "\"contribution\":2.1}],\"count\":3,"
    "\"first\":\"2024-11-01T01:15:20.557Z\","
    "\"last\":\"2024-11-01T01:19:02.000Z\"}}";

static const char minimal[] = "{\"risk\":{\"decision\":\"review\"},"
                              "\"alert\":{}}";

static const struct fk_format_opts opts = { "host1", "fk-alert", 4242,
	"1.2.0" };

/* The alert in format f, NUL-terminated; the caller frees it. */
static char *
fmt_with(enum fk_format f, const struct fk_format_opts *o, const char *text)
{
	struct fk_format_rec *rec = fk_format_rec_new();
	struct fk_jbuf b;
	char err[128];
	char *s;

	cr_assert_eq(
	    fk_format_rec_scan(rec, text, strlen(text), err, sizeof(err)), 0,
	    "%s: %s", text, err);
	fk_jbuf_init(&b);
	fk_format_alert(f, o, rec, &b);
	s = malloc(b.len + 1);
	cr_assert_not_null(s);
	if (b.len > 0)
		memcpy(s, b.p, b.len);
	s[b.len] = '\0';
	cr_assert_eq(strlen(s), b.len, "a NUL in the output");
	cr_assert_null(strchr(s, '\n'), "two lines: %s", s);
	cr_assert_null(strstr(s, "(null)"), "%s", s);
	fk_jbuf_release(&b);
	fk_format_rec_free(rec);
	return s;
}

static char *
fmt(enum fk_format f, const char *text)
{
	return fmt_with(f, &opts, text);
}

static void
golden(enum fk_format f, const char *text, const char *want)
{
	char *s = fmt(f, text);

	cr_assert_str_eq(s, want, "%s of %s", fk_format_name(f), text);
	free(s);
}

Test(format, parse_names)
{
	static const char *const names[] = { "json", "cef", "ecs", "syslog",
		"text" };
	enum fk_format f;
	size_t i;

	for (i = 0; i < NELEM(names); i++) {
		f = FK_FMT_TEXT;
		cr_assert_eq(fk_format_parse(names[i], &f), 0, "%s", names[i]);
		cr_assert_eq((size_t)f, i);
		cr_assert_str_eq(fk_format_name(f), names[i]);
	}
}

Test(format, parse_unknown)
{
	static const char *const bad[] = { "", "JSON", "Cef", "leef", "json ",
		"sys", "syslog5424", "texts" };
	enum fk_format f = FK_FMT_CEF;
	size_t i;

	for (i = 0; i < NELEM(bad); i++)
		cr_assert_eq(fk_format_parse(bad[i], &f), -1, "\"%s\"", bad[i]);
	cr_assert_eq(f, FK_FMT_CEF, "left alone on error");
}

Test(format, json_byte_for_byte)
{
	/* spacing, escapes and number forms that a reparse would change */
	static const char odd[] =
	    " { \"a\" : 1.50e0 ,\"s\":\"\\u00e9\\/\", \"risk\":{},"
	    "\"alert\":{ } } ";
	char *s;

	golden(FK_FMT_JSON, full, full);
	golden(FK_FMT_JSON, minimal, minimal);
	s = fmt(FK_FMT_JSON, odd);
	cr_assert_str_eq(s, odd);
	free(s);
}

/* CEF */

Test(format, cef_full)
{
	golden(FK_FMT_CEF, full,
	    "CEF:0|fraudkit|fk-alert|1.2.0|impossible_travel|block U0000386: "
	    "14.15 EUR, score 0.93: impossible_travel|8|rt=1795917600123 "
	    "start=1730423720557 externalId=0123456789abcdef0123456789abcdef "
	    "suser=U0000386 src=10.1.2.3 act=block cat=fraud msg=too far "
	    "from the last payment dvchost=host1 cn1Label=score cn1=93 "
	    "cs1Label=txId cs1=tx-000000000148 cs2Label=ruleset cs2=aaaa "
	    "cs3Label=model cs3=bbbb cs4Label=amount cs4=14.15 EUR cnt=3 "
	    "deviceExternalId=D1 cs6Label=merchant cs6=M000324");
}

Test(format, cef_minimal)
{
	golden(FK_FMT_CEF, minimal,
	    "CEF:0|fraudkit|fk-alert|1.2.0|review|fraud alert|5|act=review "
	    "cat=fraud dvchost=host1");
}

Test(format, cef_signature_and_severity)
{
	/* no rule fired: the model, then the decision */
	golden(FK_FMT_CEF,
	    "{\"risk\":{\"decision\":\"block\",\"model_score\":0.9},"
	    "\"alert\":{\"severity\":\"critical\",\"summary\":\"s\"}}",
	    "CEF:0|fraudkit|fk-alert|1.2.0|model|s|10|act=block cat=fraud "
	    "dvchost=host1");
	golden(FK_FMT_CEF,
	    "{\"risk\":{\"reasons\":[{\"feature\":\"f\",\"value\":1}]},"
	    "\"alert\":{\"severity\":\"low\"}}",
	    "CEF:0|fraudkit|fk-alert|1.2.0|model|fraud alert|3|cat=fraud "
	    "dvchost=host1");
	golden(FK_FMT_CEF, "{\"alert\":{\"severity\":\"medium\"}}",
	    "CEF:0|fraudkit|fk-alert|1.2.0|alert|fraud alert|5|cat=fraud "
	    "dvchost=host1");
}

Test(format, cef_ip_and_amount_forms)
{
	/* IPv6 is no src; a string amount as given; no host, no version */
	static const struct fk_format_opts bare = { NULL, NULL, 0, NULL };
	char *s = fmt_with(FK_FMT_CEF, &bare,
	    "{\"ip\":\"2001:db8::1\",\"amount\":\"12,5\",\"user_id\":null,"
	    "\"risk\":\"x\",\"alert\":{\"count\":\"3\"}}");

	cr_assert_str_eq(s,
	    "CEF:0|fraudkit|fk-alert|unknown|alert|fraud alert|5|"
	    "cs5Label=ip cs5=2001:db8::1 cat=fraud cs4Label=amount cs4=12,5");
	free(s);
	golden(FK_FMT_CEF, "{\"ip\":\"10.1.2\",\"amount\":7,\"alert\":{}}",
	    "CEF:0|fraudkit|fk-alert|1.2.0|alert|fraud alert|5|cs5Label=ip "
	    "cs5=10.1.2 cat=fraud dvchost=host1 cs4Label=amount cs4=7");
}

struct esc_case {
	char in[24];
	char header[40];
	char value[40];
};

ParameterizedTestParameters(format, cef_escaping)
{
	static struct esc_case cases[] = {
		{ "plain text", "plain text", "plain text" },
		{ "a\\b", "a\\\\b", "a\\\\b" },
		{ "a|b", "a\\|b", "a|b" },
		{ "a=b", "a=b", "a\\=b" },
		{ "a\nb", "a b", "a\\nb" },
		{ "a\rb", "a b", "a\\rb" },
		{ "a\r\nb", "a  b", "a\\r\\nb" },
		{ "\\|=\n", "\\\\\\|= ", "\\\\|\\=\\n" },
		{ "\\=", "\\\\=", "\\\\\\=" },
		{ "caf\xc3\xa9 \"q\"", "caf\xc3\xa9 \"q\"",
		    "caf\xc3\xa9 \"q\"" },
		{ "", "", "" },
	};

	return cr_make_param_array(struct esc_case, cases, NELEM(cases));
}

ParameterizedTest(struct esc_case *c, format, cef_escaping)
{
	struct fk_jbuf b;

	fk_jbuf_init(&b);
	fk_format_cef_header(&b, c->in, strlen(c->in));
	FK_JBUF_PUTS(&b, "\0");
	cr_assert_str_eq(b.p, c->header, "header of \"%s\"", c->in);
	b.len = 0;
	fk_format_cef_value(&b, c->in, strlen(c->in));
	FK_JBUF_PUTS(&b, "\0");
	cr_assert_str_eq(b.p, c->value, "value of \"%s\"", c->in);
	fk_jbuf_release(&b);
}

Test(format, cef_escapes_in_place)
{
	golden(FK_FMT_CEF,
	    "{\"user_id\":\"u=1\\\\x\",\"risk\":{\"decision\":\"a|b\","
	    "\"reasons\":[{\"rule\":\"r|1\\\\\",\"reason\":\"x=y\\nz\"},"
	    "{\"rule\":\"r2\",\"reason\":\"w\"}]},"
	    "\"alert\":{\"summary\":\"s|t\\n=u\"}}",
	    "CEF:0|fraudkit|fk-alert|1.2.0|r\\|1\\\\|s\\|t =u|5|"
	    "suser=u\\=1\\\\x act=a|b cat=fraud msg=x\\=y\\nz; w "
	    "dvchost=host1");
}

/* ECS */

static json_t *
ecs(const char *text)
{
	json_error_t e;
	json_t *j;
	char *s = fmt(FK_FMT_ECS, text);

	j = json_loads(s, 0, &e);
	cr_assert_not_null(j, "%s: %s", s, e.text);
	free(s);
	return j;
}

static const char *
sget(json_t *j, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		cr_assert_lt((size_t)(dot - path), sizeof(key));
		memcpy(key, path, (size_t)(dot - path));
		key[dot - path] = '\0';
		j = json_object_get(j, key);
		path = dot + 1;
	}
	return json_string_value(json_object_get(j, path));
}

static json_t *
get(json_t *j, const char *a, const char *b)
{
	return json_object_get(json_object_get(j, a), b);
}

Test(format, ecs_full)
{
	json_t *j = ecs(full), *v;

	cr_assert_str_eq(sget(j, "@timestamp"), "2024-11-01T01:15:20.557Z");
	cr_assert_str_eq(sget(j, "ecs.version"), "8.11.0");
	cr_assert_str_eq(sget(j, "message"),
	    "block U0000386: 14.15 EUR, score 0.93: impossible_travel");
	cr_assert_str_eq(sget(j, "event.kind"), "alert");
	cr_assert_str_eq(
	    json_string_value(json_array_get(get(j, "event", "category"), 0)),
	    "intrusion_detection");
	cr_assert_str_eq(
	    json_string_value(json_array_get(get(j, "event", "type"), 0)),
	    "denied");
	cr_assert_str_eq(sget(j, "event.module"), "fraudkit");
	cr_assert_str_eq(sget(j, "event.dataset"), "fraudkit.alert");
	cr_assert_str_eq(
	    sget(j, "event.id"), "0123456789abcdef0123456789abcdef");
	cr_assert_str_eq(sget(j, "event.created"), "2026-11-29T02:00:00.123Z");
	cr_assert_eq(json_integer_value(get(j, "event", "severity")), 73);
	cr_assert_float_eq(
	    json_number_value(get(j, "event", "risk_score")), 93, 1e-9);
	cr_assert_str_eq(sget(j, "event.action"), "block");
	cr_assert_str_eq(
	    sget(j, "event.reason"), "too far from the last payment");
	cr_assert_str_eq(sget(j, "user.id"), "U0000386");
	cr_assert_str_eq(sget(j, "source.ip"), "10.1.2.3");
	cr_assert_str_eq(sget(j, "source.geo.country_iso_code"), "ML");
	cr_assert_str_eq(sget(j, "source.geo.city_name"), "Bamako");
	cr_assert_str_eq(sget(j, "rule.id"), "impossible_travel");
	cr_assert_str_eq(sget(j, "rule.name"), "impossible_travel");
	cr_assert_str_eq(
	    sget(j, "rule.description"), "too far from the last payment");
	cr_assert_str_eq(sget(j, "rule.version"), "aaaa");
	cr_assert_str_eq(sget(j, "observer.hostname"), "host1");
	cr_assert_str_eq(sget(j, "fraudkit.tx_id"), "tx-000000000148");
	cr_assert_float_eq(
	    json_number_value(get(j, "fraudkit", "amount")), 14.15, 0);
	cr_assert_str_eq(sget(j, "fraudkit.currency"), "EUR");
	cr_assert_str_eq(sget(j, "fraudkit.merchant_id"), "M000324");
	cr_assert_str_eq(sget(j, "fraudkit.terminal_id"), "T0000548");
	cr_assert_str_eq(sget(j, "fraudkit.device_id"), "D1");
	cr_assert_str_eq(sget(j, "fraudkit.model"), "bbbb");
	cr_assert_float_eq(
	    json_number_value(get(j, "fraudkit", "score")), 0.93, 0);
	cr_assert_eq(json_integer_value(get(j, "fraudkit", "count")), 3);
	cr_assert_eq(json_integer_value(get(j, "fraudkit", "latency_ms")), 42);
	cr_assert_str_eq(sget(j, "fraudkit.first"), "2024-11-01T01:15:20.557Z");
	cr_assert_str_eq(sget(j, "fraudkit.last"), "2024-11-01T01:19:02.000Z");
	v = get(j, "fraudkit", "reasons");
	cr_assert_eq(json_array_size(v), 2);
	json_decref(j);
}

Test(format, ecs_reasons_equal_the_record)
{
	json_t *rec = json_loads(full, 0, NULL), *j = ecs(full);
	char *s = fmt(FK_FMT_ECS, full);

	cr_assert(json_equal(
	    get(j, "fraudkit", "reasons"), get(rec, "alert", "reasons")));
	cr_assert_not_null(strstr(s, "\"weight\":0.8,"), "%s", s);
	cr_assert_not_null(strstr(s, "\"risk_score\":93,"), "%s", s);
	free(s);
	json_decref(j);
	json_decref(rec);
}

Test(format, ecs_minimal)
{
	golden(FK_FMT_ECS, minimal,
	    "{\"ecs\":{\"version\":\"8.11.0\"},\"event\":{\"kind\":\"alert\","
	    "\"category\":[\"intrusion_detection\"],\"type\":[\"info\"],"
	    "\"module\":\"fraudkit\",\"dataset\":\"fraudkit.alert\","
	    "\"action\":\"review\"},\"observer\":{\"vendor\":\"fraudkit\","
	    "\"product\":\"fk-alert\",\"version\":\"1.2.0\","
	    "\"hostname\":\"host1\"},\"fraudkit\":{\"decision\":\"review\"}}");
}

Test(format, ecs_odd_members)
{
	/* not an IP: kept out of source.ip, which would refuse it */
	json_t *j =
	    ecs("{\"ip\":\"10.1.2\",\"ts_ms\":1730423720557,"
	        "\"timestamp\":\"bad\",\"risk\":{\"decision\":\"allow\"},"
	        "\"alert\":{\"time\":\"2026-11-29 02:00:00\"}}");

	cr_assert_null(json_object_get(j, "source"));
	cr_assert_str_eq(sget(j, "fraudkit.ip"), "10.1.2");
	cr_assert_str_eq(sget(j, "@timestamp"), "2024-11-01T01:15:20.557Z");
	cr_assert_str_eq(sget(j, "event.created"), "2026-11-29T02:00:00.000Z");
	cr_assert_str_eq(
	    json_string_value(json_array_get(get(j, "event", "type"), 0)),
	    "allowed");
	cr_assert_null(json_object_get(j, "rule"));
	cr_assert_null(json_object_get(j, "user"));
	json_decref(j);
	j = ecs("{\"ip\":\"2001:db8::1\",\"alert\":{\"time\":"
	        "\"2026-11-29T02:00:00Z\",\"severity\":\"critical\"}}");
	cr_assert_str_eq(sget(j, "source.ip"), "2001:db8::1");
	cr_assert_str_eq(sget(j, "@timestamp"), "2026-11-29T02:00:00.000Z");
	cr_assert_eq(json_integer_value(get(j, "event", "severity")), 99);
	json_decref(j);
}

/* syslog */

Test(format, syslog_full)
{
	golden(FK_FMT_SYSLOG, full,
	    "<107>1 2026-11-29T02:00:00.123Z host1 fk-alert 4242 alert "
	    "[fraudkit@32473 id=\"0123456789abcdef0123456789abcdef\" "
	    "user=\"U0000386\" score=\"0.93\" decision=\"block\" "
	    "tx=\"tx-000000000148\" severity=\"high\"] \xef\xbb\xbf"
	    "block U0000386: 14.15 EUR, score 0.93: impossible_travel");
}

Test(format, syslog_minimal)
{
	golden(FK_FMT_SYSLOG, minimal,
	    "<108>1 - host1 fk-alert 4242 alert "
	    "[fraudkit@32473 decision=\"review\"]");
	golden(FK_FMT_SYSLOG, "{\"alert\":{\"summary\":\"s\"}}",
	    "<108>1 - host1 fk-alert 4242 alert - \xef\xbb\xbfs");
}

struct pri_case {
	char severity[16];
	int pri;
};

ParameterizedTestParameters(format, syslog_pri)
{
	static struct pri_case cases[] = {
		{ "critical", 106 },
		{ "high", 107 },
		{ "medium", 108 },
		{ "low", 109 },
		{ "bogus", 108 },
		{ "", 108 },
	};

	return cr_make_param_array(struct pri_case, cases, NELEM(cases));
}

ParameterizedTest(struct pri_case *c, format, syslog_pri)
{
	char rec[128], want[16], *s;

	snprintf(
	    rec, sizeof(rec), "{\"alert\":{\"severity\":\"%s\"}}", c->severity);
	snprintf(want, sizeof(want), "<%d>1 ", c->pri);
	s = fmt(FK_FMT_SYSLOG, rec);
	cr_assert_eq(
	    strncmp(s, want, strlen(want)), 0, "%s: %s", c->severity, s);
	free(s);
}

Test(format, syslog_sd_escaping)
{
	golden(FK_FMT_SYSLOG,
	    "{\"user_id\":\"a\\\"b\\\\c]d\",\"tx_id\":\"x\\ny\","
	    "\"alert\":{\"id\":\"[]\",\"time\":\"2026-11-29T03:00:00.5+01:00\","
	    "\"summary\":\"two\\nlines\"}}",
	    "<108>1 2026-11-29T02:00:00.500Z host1 fk-alert 4242 alert "
	    "[fraudkit@32473 id=\"[\\]\" user=\"a\\\"b\\\\c\\]d\" "
	    "tx=\"x y\"] \xef\xbb\xbftwo lines");
}

Test(format, syslog_header_fields_sanitized)
{
	static char longname[300];
	struct fk_format_opts o = { "my host\xc3\xa9x", "fk alert", 0, NULL };
	char *s;

	s = fmt_with(FK_FMT_SYSLOG, &o, minimal);
	cr_assert_str_eq(s,
	    "<108>1 - my_host_x fk_alert - alert "
	    "[fraudkit@32473 decision=\"review\"]");
	free(s);

	memset(longname, 'h', sizeof(longname) - 1);
	o.hostname = longname;
	o.app = "a123456789b123456789c123456789d123456789e123456789f";
	o.pid = 1;
	s = fmt_with(FK_FMT_SYSLOG, &o, minimal);
	cr_assert_eq(strspn(s + 9, "h"), 255, "%s", s);
	cr_assert_not_null(
	    strstr(s, " a123456789b123456789c123456789d123456789e1234567 1 "),
	    "%s", s);
	free(s);

	o.hostname = "";
	o.app = NULL;
	s = fmt_with(FK_FMT_SYSLOG, &o, minimal);
	cr_assert_eq(strncmp(s, "<108>1 - - - 1 alert ", 21), 0, "%s", s);
	free(s);
	s = fmt_with(FK_FMT_SYSLOG, NULL, minimal);
	cr_assert_eq(strncmp(s, "<108>1 - - - - alert ", 21), 0, "%s", s);
	free(s);
}

Test(format, syslog_bom_before_msg)
{
	char *s = fmt(FK_FMT_SYSLOG, full), *bom;

	bom = strstr(s, "\xef\xbb\xbf");
	cr_assert_not_null(bom);
	cr_assert_eq(bom[-1], ' ');
	cr_assert_eq(bom[-2], ']');
	cr_assert_str_eq(bom + 3,
	    "block U0000386: 14.15 EUR, score 0.93: impossible_travel");
	free(s);
}

/* text */

Test(format, text_lines)
{
	golden(FK_FMT_TEXT, full,
	    "2024-11-01T01:15:20.557Z block U0000386 14.15 EUR score 0.93 "
	    "impossible_travel,features.user.km_from_home (x3)");
	golden(FK_FMT_TEXT, minimal, "review");
	golden(FK_FMT_TEXT,
	    "{\"ts_ms\":1730423720557,\"user_id\":\"U\\u001b[31m\","
	    "\"amount\":\"12,5\",\"risk\":{\"decision\":\"allow\","
	    "\"score\":0.1,\"reasons\":[{\"feature\":\"f1\"},"
	    "{\"rule\":\"r1\"},{\"feature\":\"f2\"},{\"rule\":\"r2\"},"
	    "{\"feature\":\"f3\"}]},\"alert\":{}}",
	    "2024-11-01T01:15:20.557Z allow U?[31m 12,5 score 0.1 "
	    "r1,r2,f1");
}

/* Members absent or of the wrong type: something sane, never a crash. */
Test(format, odd_records)
{
	static const char *const recs[] = {
		"{}",
		"{\"alert\":null,\"risk\":[]}",
		"{\"alert\":[],\"risk\":{\"reasons\":{}}}",
		"{\"alert\":{\"reasons\":[null,1,\"x\",{\"rule\":5}],"
		"\"count\":1.5,\"time\":12,\"severity\":3},"
		"\"risk\":{\"score\":\"0.9\",\"decision\":true}}",
		"{\"amount\":null,\"currency\":1,\"ts_ms\":\"x\","
		"\"timestamp\":1e30,\"ip\":\"\","
		"\"alert\":{\"summary\":\"\"}}",
	};
	enum fk_format f;
	json_t *j;
	size_t i;
	char *s;

	for (i = 0; i < NELEM(recs); i++)
		for (f = FK_FMT_JSON; f <= FK_FMT_TEXT; f++) {
			s = fmt(f, recs[i]);
			if (f == FK_FMT_ECS) {
				j = json_loads(s, 0, NULL);
				cr_assert_not_null(j, "%s", s);
				json_decref(j);
			}
			free(s);
		}
}

/* Edges the tests above leave out, with what the formats wrote when they
 * took the record apart with jansson: nested values where ECS copies
 * (a repeated key once, where it first came, with its last value),
 * escapes and unicode in every kind of field, members of the wrong type,
 * a repeated top-level member, empty strings. */
struct edge {
	const char *rec, *cef, *ecs, *syslog, *text;
};

static const struct edge edges[] = {
	{
	    "{\"amount\":{\"v\":[1,2.50,{\"k\":\"\\u00e9\"}],\"v\":3,\" s"
	    "\":null,\"\\u0076\":4},\"risk\":{\"score\":0.285,\"rules_sco"
	    "re\":[true,false,null,[]],\"model_score\":{\"\\u0061\":1,\"a"
	    "\":-0.0,\"b\":{}},\"decision\":\"block\",\"reasons\":[ {\"ru"
	    "le\" : \"r1\" , \"rule\":\"r2\",\"reason\":\"x\\u003dy\",\"t"
	    "ags\":[ \"a\" , {\"b\":1E+2} ]} , 5 ]},\"alert\":{\"count\":"
	    "3,\"first\":1730423720557,\"last\":{\"t\":\"2024\"},\"latenc"
	    "y_ms\":-0,\"severity\":\"h\\u0069gh\"}}",
	    "CEF:0|fraudkit|fk-alert|1.2.0|r2|fraud alert|8|act=block cat"
	    "=fraud msg=x\\=y dvchost=host1 cn1Label=score cn1=28 cnt=3",
	    "{\"ecs\":{\"version\":\"8.11.0\"},\"event\":{\"kind\":\"aler"
	    "t\",\"category\":[\"intrusion_detection\"],\"type\":[\"denie"
	    "d\"],\"module\":\"fraudkit\",\"dataset\":\"fraudkit.alert\","
	    "\"severity\":73,\"risk_score\":28.5,\"risk_score_norm\":28.5"
	    ",\"action\":\"block\",\"reason\":\"x=y\"},\"rule\":{\"id\":"
	    "\"r2\",\"name\":\"r2\",\"description\":\"x=y\"},\"observer\""
	    ":{\"vendor\":\"fraudkit\",\"product\":\"fk-alert\",\"version"
	    "\":\"1.2.0\",\"hostname\":\"host1\"},\"fraudkit\":{\"amount"
	    "\":{\"v\":4,\" s\":null},\"decision\":\"block\",\"score\":0."
	    "285,\"rules_score\":[true,false,null,[]],\"model_score\":{\""
	    "a\":-0,\"b\":{}},\"severity\":\"high\",\"reasons\":[{\"rule"
	    "\":\"r2\",\"reason\":\"x=y\",\"tags\":[\"a\",{\"b\":100}]},5"
	    "],\"count\":3,\"first\":1730423720557,\"last\":{\"t\":\"2024"
	    "\"},\"latency_ms\":0}}",
	    "<107>1 - host1 fk-alert 4242 alert [fraudkit@32473 score=\"0"
	    ".285\" decision=\"block\" severity=\"high\"]",
	    "block score 0.285 r2 (x3)",
	},
	{
	    "{\"user_id\":\"U\\u00e9\\ud83d\\ude00\\u2028\\/\",\"tx_id\":"
	    "\"t\\\"x\\\\1\\n\",\"currency\":\"\\u20ac\",\"amount\":\"1\\"
	    "u00a0000\",\"ip\":\"10.0.0.\\u0031\",\"country\":\"M\\u004C"
	    "\",\"location\":\"Bamako\\u0085\\u007f\",\"merchant_id\":\"m"
	    "=1\",\"device_id\":\"d|1\",\"risk\":{\"decision\":\"re\\u007"
	    "6iew\",\"ruleset\":\"r\\ts\",\"reasons\":[{\"rule\":\"r\\u00"
	    "e9|=\",\"reason\":\"w\\u0007\\r\\n\"}]},\"alert\":{\"id\":\""
	    "i]\\\"d\",\"summary\":\"a|b=c\\\\d\\r\\ne\\u001b[31m\\u009b"
	    "\",\"time\":\"2026-11-29T02:00:00Z\"}}",
	    "CEF:0|fraudkit|fk-alert|1.2.0|r\303\251\\|=|a\\|b=c\\\\d  e"
	    "\033[31m\302\233|5|rt=1795917600000 externalId=i]\"d suser=U"
	    "\303\251\360\237\230\200\342\200\250/ src=10.0.0.1 act=revie"
	    "w cat=fraud msg=w\007\\r\\n dvchost=host1 cs1Label=txId cs1="
	    "t\"x\\\\1\\n cs2Label=ruleset cs2=r\011s cs4Label=amount cs4"
	    "=1\302\240000 \342\202\254 deviceExternalId=d|1 cs6Label=mer"
	    "chant cs6=m\\=1",
	    "{\"@timestamp\":\"2026-11-29T02:00:00.000Z\",\"ecs\":{\"vers"
	    "ion\":\"8.11.0\"},\"message\":\"a|b=c\\\\d\\r\\ne\\u001b[31m"
	    "\302\233\",\"event\":{\"kind\":\"alert\",\"category\":[\"int"
	    "rusion_detection\"],\"type\":[\"info\"],\"module\":\"fraudki"
	    "t\",\"dataset\":\"fraudkit.alert\",\"id\":\"i]\\\"d\",\"crea"
	    "ted\":\"2026-11-29T02:00:00.000Z\",\"action\":\"review\",\"r"
	    "eason\":\"w\\u0007\\r\\n\"},\"user\":{\"id\":\"U\303\251\360"
	    "\237\230\200\342\200\250/\"},\"source\":{\"ip\":\"10.0.0.1\""
	    ",\"geo\":{\"country_iso_code\":\"ML\",\"city_name\":\"Bamako"
	    "\302\205\177\"}},\"rule\":{\"id\":\"r\303\251|=\",\"name\":"
	    "\"r\303\251|=\",\"description\":\"w\\u0007\\r\\n\",\"version"
	    "\":\"r\\ts\"},\"observer\":{\"vendor\":\"fraudkit\",\"produc"
	    "t\":\"fk-alert\",\"version\":\"1.2.0\",\"hostname\":\"host1"
	    "\"},\"fraudkit\":{\"tx_id\":\"t\\\"x\\\\1\\n\",\"amount\":\""
	    "1\302\240000\",\"currency\":\"\342\202\254\",\"merchant_id\""
	    ":\"m=1\",\"device_id\":\"d|1\",\"decision\":\"review\",\"rul"
	    "eset\":\"r\\ts\",\"reasons\":[{\"rule\":\"r\303\251|=\",\"re"
	    "ason\":\"w\\u0007\\r\\n\"}]}}",
	    "<108>1 2026-11-29T02:00:00.000Z host1 fk-alert 4242 alert [f"
	    "raudkit@32473 id=\"i\\]\\\"d\" user=\"U\303\251\360\237\230"
	    "\200\342\200\250/\" decision=\"review\" tx=\"t\\\"x\\\\1 \"]"
	    " \357\273\277a|b=c\\d  e\033[31m\302\233",
	    "review U\303\251\360\237\230\200\342\200\250/ 1\302\240000 "
	    "\342\202\254 r\303\251|=",
	},
	{
	    "{\"user_id\":5,\"ip\":[],\"amount\":null,\"currency\":\"EUR"
	    "\",\"timestamp\":\"2024-11-01 01:15:20\",\"risk\":{\"score\""
	    ":\"0.9\",\"decision\":{},\"reasons\":\"x\",\"model\":null},"
	    "\"alert\":{\"reasons\":[1,\"r\",{\"rule\":null,\"feature\":"
	    "\"f\\u00e9\"}],\"time\":1795917600,\"count\":\"3\",\"severit"
	    "y\":\"HIGH\"}}",
	    "CEF:0|fraudkit|fk-alert|1.2.0|model|fraud alert|5|rt=1795917"
	    "600000 start=1730423720000 cat=fraud dvchost=host1",
	    "{\"@timestamp\":\"2024-11-01T01:15:20.000Z\",\"ecs\":{\"vers"
	    "ion\":\"8.11.0\"},\"event\":{\"kind\":\"alert\",\"category\""
	    ":[\"intrusion_detection\"],\"type\":[\"info\"],\"module\":\""
	    "fraudkit\",\"dataset\":\"fraudkit.alert\",\"created\":\"2026"
	    "-11-29T02:00:00.000Z\"},\"observer\":{\"vendor\":\"fraudkit"
	    "\",\"product\":\"fk-alert\",\"version\":\"1.2.0\",\"hostname"
	    "\":\"host1\"},\"fraudkit\":{\"amount\":null,\"currency\":\"E"
	    "UR\",\"score\":\"0.9\",\"severity\":\"HIGH\",\"reasons\":[1,"
	    "\"r\",{\"rule\":null,\"feature\":\"f\303\251\"}],\"count\":"
	    "\"3\"}}",
	    "<108>1 2026-11-29T02:00:00.000Z host1 fk-alert 4242 alert [f"
	    "raudkit@32473 severity=\"HIGH\"]",
	    "2024-11-01 01:15:20 EUR f\303\251",
	},
	{
	    "{\"user_id\":\"a\",\"risk\":{\"reasons\":[{\"rule\":\"gone\""
	    "}]},\"user_id\":\"b\",\"risk\":{\"decision\":\"allow\"},\"al"
	    "ert\":{\"summary\":\"gone\"},\"\\u0061lert\":{\"id\":\"i\"}}",
	    "CEF:0|fraudkit|fk-alert|1.2.0|allow|fraud alert|5|externalId"
	    "=i suser=b act=allow cat=fraud dvchost=host1",
	    "{\"ecs\":{\"version\":\"8.11.0\"},\"event\":{\"kind\":\"aler"
	    "t\",\"category\":[\"intrusion_detection\"],\"type\":[\"allow"
	    "ed\"],\"module\":\"fraudkit\",\"dataset\":\"fraudkit.alert\""
	    ",\"id\":\"i\",\"action\":\"allow\"},\"user\":{\"id\":\"b\"},"
	    "\"observer\":{\"vendor\":\"fraudkit\",\"product\":\"fk-alert"
	    "\",\"version\":\"1.2.0\",\"hostname\":\"host1\"},\"fraudkit"
	    "\":{\"decision\":\"allow\"}}",
	    "<108>1 - host1 fk-alert 4242 alert [fraudkit@32473 id=\"i\" "
	    "user=\"b\" decision=\"allow\"]",
	    "allow b",
	},
	{
	    "{\"risk\":{\"reasons\":[{\"reason\":\"\"},{\"reason\":\"x\"}"
	    ",{\"reason\":\"\"}]},\"amount\":\"\",\"currency\":\"\",\"ale"
	    "rt\":{\"summary\":\"\"}}",
	    "CEF:0|fraudkit|fk-alert|1.2.0|alert||5|cat=fraud msg=x;  dvc"
	    "host=host1",
	    "{\"ecs\":{\"version\":\"8.11.0\"},\"message\":\"\",\"event\""
	    ":{\"kind\":\"alert\",\"category\":[\"intrusion_detection\"],"
	    "\"type\":[\"info\"],\"module\":\"fraudkit\",\"dataset\":\"fr"
	    "audkit.alert\",\"reason\":\"x; \"},\"observer\":{\"vendor\":"
	    "\"fraudkit\",\"product\":\"fk-alert\",\"version\":\"1.2.0\","
	    "\"hostname\":\"host1\"},\"fraudkit\":{\"amount\":\"\",\"curr"
	    "ency\":\"\",\"reasons\":[{\"reason\":\"\"},{\"reason\":\"x\""
	    "},{\"reason\":\"\"}]}}",
	    "<108>1 - host1 fk-alert 4242 alert - \357\273\277",
	    "",
	},
};

Test(format, edges_as_before)
{
	size_t i;

	for (i = 0; i < NELEM(edges); i++) {
		golden(FK_FMT_JSON, edges[i].rec, edges[i].rec);
		golden(FK_FMT_CEF, edges[i].rec, edges[i].cef);
		golden(FK_FMT_ECS, edges[i].rec, edges[i].ecs);
		golden(FK_FMT_SYSLOG, edges[i].rec, edges[i].syslog);
		golden(FK_FMT_TEXT, edges[i].rec, edges[i].text);
	}
}

/* Numbers in many forms, as amount and score: integers as int64 (-0 is
 * 0), other numbers as the nearest double in the shortest of 15-17
 * digits, scores in nine digits. */
struct num_case {
	char in[32];
	char cef[72];    /* from cn1= */
	char ecs[96];    /* from "fraudkit" */
	char syslog[32]; /* score="..." */
	char text[64];
};

ParameterizedTestParameters(format, numbers_as_before)
{
	static struct num_case cases[] = {
		{ "1.50e0", "cn1=150 cs4Label=amount cs4=1.5 cnt=3",
		    "\"fraudkit\":{\"amount\":1.5,\"score\":1.5,\"count\":3}}",
		    "score=\"1.5\"", "1.5 score 1.5 (x3)" },
		{ "-0", "cn1=0 cs4Label=amount cs4=0 cnt=3",
		    "\"fraudkit\":{\"amount\":0,\"score\":0,\"count\":3}}",
		    "score=\"0\"", "0 score 0 (x3)" },
		{ "-0.0", "cn1=0 cs4Label=amount cs4=-0 cnt=3",
		    "\"fraudkit\":{\"amount\":-0,\"score\":-0,\"count\":3}}",
		    "score=\"0\"", "-0 score 0 (x3)" },
		{ "1E+2", "cn1=10000 cs4Label=amount cs4=100 cnt=3",
		    "\"fraudkit\":{\"amount\":100,\"score\":100,\"count\":3}}",
		    "score=\"100\"", "100 score 100 (x3)" },
		{ "0.1e1", "cn1=100 cs4Label=amount cs4=1 cnt=3",
		    "\"fraudkit\":{\"amount\":1,\"score\":1,\"count\":3}}",
		    "score=\"1\"", "1 score 1 (x3)" },
		{ "123456789012345678",
		    "cn1=50 cs4Label=amount cs4=123456789012345678 cnt=3",
		    "\"fraudkit\":{\"amount\":123456789012345678,\"score\":0.5,\""
		    "count\":3}}",
		    "score=\"0.5\"", "123456789012345678 score 0.5 (x3)" },
		{ "9223372036854775807",
		    "cn1=50 cs4Label=amount cs4=9223372036854775807 cnt=3",
		    "\"fraudkit\":{\"amount\":9223372036854775807,\"score\":0.5,"
		    "\"count\":3}}",
		    "score=\"0.5\"", "9223372036854775807 score 0.5 (x3)" },
		{ "-9223372036854775808",
		    "cn1=50 cs4Label=amount cs4=-9223372036854775808 cnt=3",
		    "\"fraudkit\":{\"amount\":-9223372036854775808,\"score\":0.5,"
		    "\"count\":3}}",
		    "score=\"0.5\"", "-9223372036854775808 score 0.5 (x3)" },
		{ "1e-400", "cn1=0 cs4Label=amount cs4=0 cnt=3",
		    "\"fraudkit\":{\"amount\":0,\"score\":0,\"count\":3}}",
		    "score=\"0\"", "0 score 0 (x3)" },
		{ "5e-324",
		    "cn1=0 cs4Label=amount cs4=4.94065645841247e-324 cnt=3",
		    "\"fraudkit\":{\"amount\":4.94065645841247e-324,\"score\":4.9"
		    "4065645841247e-324,\"count\":3}}",
		    "score=\"4.94065646e-324\"",
		    "4.94065645841247e-324 score 4.94065646e-324 (x3)" },
		{ "1.7976931348623157e308",
		    "cn1=50 cs4Label=amount cs4=1.7976931348623157e+308 cnt=3",
		    "\"fraudkit\":{\"amount\":1.7976931348623157e+308,\"score\":0"
		    ".5,\"count\":3}}",
		    "score=\"0.5\"", "1.7976931348623157e+308 score 0.5 (x3)" },
		{ "0.30000000000000004",
		    "cn1=30 cs4Label=amount cs4=0.30000000000000004 cnt=3",
		    "\"fraudkit\":{\"amount\":0.30000000000000004,\"score\":0.300"
		    "00000000000004,\"count\":3}}",
		    "score=\"0.3\"", "0.30000000000000004 score 0.3 (x3)" },
		{ "100.0", "cn1=10000 cs4Label=amount cs4=100 cnt=3",
		    "\"fraudkit\":{\"amount\":100,\"score\":100,\"count\":3}}",
		    "score=\"100\"", "100 score 100 (x3)" },
		{ "1e21", "cn1=50 cs4Label=amount cs4=1e+21 cnt=3",
		    "\"fraudkit\":{\"amount\":1e+21,\"score\":0.5,\"count\":3}}",
		    "score=\"0.5\"", "1e+21 score 0.5 (x3)" },
		{ "-1.5e-7", "cn1=0 cs4Label=amount cs4=-1.5e-07 cnt=3",
		    "\"fraudkit\":{\"amount\":-1.5e-07,\"score\":-1.5e-07,\"count"
		    "\":3}}",
		    "score=\"-0.00000015\"",
		    "-1.5e-07 score -0.00000015 (x3)" },
		{ "14.15", "cn1=1415 cs4Label=amount cs4=14.15 cnt=3",
		    "\"fraudkit\":{\"amount\":14.15,\"score\":14.15,\"count\":3}}",
		    "score=\"14.15\"", "14.15 score 14.15 (x3)" },
		{ "0.1", "cn1=10 cs4Label=amount cs4=0.1 cnt=3",
		    "\"fraudkit\":{\"amount\":0.1,\"score\":0.1,\"count\":3}}",
		    "score=\"0.1\"", "0.1 score 0.1 (x3)" },
		{ "1e15", "cn1=50 cs4Label=amount cs4=1e+15 cnt=3",
		    "\"fraudkit\":{\"amount\":1e+15,\"score\":0.5,\"count\":3}}",
		    "score=\"0.5\"", "1e+15 score 0.5 (x3)" },
		{ "123456789.123456789",
		    "cn1=50 cs4Label=amount cs4=123456789.12345679 cnt=3",
		    "\"fraudkit\":{\"amount\":123456789.12345679,\"score\":0.5,\""
		    "count\":3}}",
		    "score=\"0.5\"", "123456789.12345679 score 0.5 (x3)" },
		{ "2.675", "cn1=268 cs4Label=amount cs4=2.675 cnt=3",
		    "\"fraudkit\":{\"amount\":2.675,\"score\":2.675,\"count\":3}}",
		    "score=\"2.675\"", "2.675 score 2.675 (x3)" },
		{ "0.285", "cn1=28 cs4Label=amount cs4=0.285 cnt=3",
		    "\"fraudkit\":{\"amount\":0.285,\"score\":0.285,\"count\":3}}",
		    "score=\"0.285\"", "0.285 score 0.285 (x3)" },
		{ "-12.5e-1", "cn1=-125 cs4Label=amount cs4=-1.25 cnt=3",
		    "\"fraudkit\":{\"amount\":-1.25,\"score\":-1.25,\"count\":3}}",
		    "score=\"-1.25\"", "-1.25 score -1.25 (x3)" },
	};

	return cr_make_param_array(struct num_case, cases, NELEM(cases));
}

ParameterizedTest(struct num_case *c, format, numbers_as_before)
{
	char rec[160], *s;
	double v = strtod(c->in, NULL);

	snprintf(rec, sizeof(rec),
	    "{\"amount\":%s,\"risk\":{\"score\":%s},\"alert\":{\"count\":3}}",
	    c->in, v >= -1e6 && v <= 1e6 ? c->in : "0.5");
	s = fmt(FK_FMT_CEF, rec);
	cr_assert_not_null(strstr(s, c->cef), "%s: %s", c->in, s);
	free(s);
	s = fmt(FK_FMT_ECS, rec);
	cr_assert_not_null(strstr(s, c->ecs), "%s: %s", c->in, s);
	free(s);
	s = fmt(FK_FMT_SYSLOG, rec);
	cr_assert_not_null(strstr(s, c->syslog), "%s: %s", c->in, s);
	free(s);
	s = fmt(FK_FMT_TEXT, rec);
	cr_assert_str_eq(s, c->text, "%s", c->in);
	free(s);
}

/* A number beyond int64 or a double anywhere in the record made jansson
 * refuse it, and the formats wrote an empty alert; now such a number is
 * written as it is, and the rest of the alert as usual. */
Test(format, numbers_beyond_range_as_written)
{
	static const char rec[] =
	    "{\"user_id\":\"U1\",\"amount\":1e400,\"features\":{\"x\":-1e309},"
	    "\"risk\":{\"score\":0.5,\"decision\":\"block\",\"reasons\":["
	    "{\"rule\":\"r\",\"weight\":99999999999999999999}]},"
	    "\"alert\":{\"count\":-9223372036854775809,\"summary\":\"s\"}}";

	golden(FK_FMT_CEF, rec,
	    "CEF:0|fraudkit|fk-alert|1.2.0|r|s|5|suser=U1 act=block cat=fraud "
	    "dvchost=host1 cn1Label=score cn1=50 cs4Label=amount cs4=1e400 "
	    "cnt=-9223372036854775809");
	golden(FK_FMT_TEXT, rec,
	    "block U1 1e400 score 0.5 r (x-9223372036854775809)");
	golden(FK_FMT_ECS, rec,
	    "{\"ecs\":{\"version\":\"8.11.0\"},\"message\":\"s\",\"event\":{"
	    "\"kind\":\"alert\",\"category\":[\"intrusion_detection\"],"
	    "\"type\":[\"denied\"],\"module\":\"fraudkit\",\"dataset\":"
	    "\"fraudkit.alert\",\"risk_score\":50,\"risk_score_norm\":50,"
	    "\"action\":\"block\",\"reason\":\"s\"},\"user\":{\"id\":\"U1\"},"
	    "\"rule\":{\"id\":\"r\",\"name\":\"r\"},\"observer\":{\"vendor\":"
	    "\"fraudkit\",\"product\":\"fk-alert\",\"version\":\"1.2.0\","
	    "\"hostname\":\"host1\"},\"fraudkit\":{\"amount\":1e400,"
	    "\"decision\":\"block\",\"score\":0.5,\"reasons\":[{\"rule\":"
	    "\"r\",\"weight\":99999999999999999999}],"
	    "\"count\":-9223372036854775809}}");
}
