# fraudkit: one Makefile, no recursion.  See README.md.

VERSION = 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
SAN ?=

WARN = -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
       -Wvla -Wwrite-strings -Wformat=2
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -pthread -D_POSIX_C_SOURCE=200809L -DFK_VERSION='"$(VERSION)"' \
	     $(WARN) $(CFLAGS) -Icommon
LDLIBS = -lm -pthread

ifneq ($(SAN),)
ALL_CFLAGS += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SAN)
endif

# Objects per compiler and sanitizer; sanitized binaries apart from bin/.
TAG := $(notdir $(CC))$(if $(SAN),-san)
OBJDIR = obj/$(TAG)
BINDIR = $(if $(SAN),$(OBJDIR)/bin,bin)

# Packages before flags: on a bare machine scripts/check-deps installs
# what the goals need (as root; otherwise it prints the apt-get line)
# while make reads this file, before pkg-config is asked below, so one
# `make demo` builds.  Sub-makes inherit the steps already checked.
GOALS = $(or $(MAKECMDGOALS),all)
DEPS_STEPS = $(if $(filter-out clean format lint,$(GOALS)),build) \
	$(if $(filter test test-% deps,$(GOALS))$(findstring /tests/,$(GOALS)),test) \
	$(if $(filter lint format deps,$(GOALS)),lint) \
	$(if $(filter bench deps,$(GOALS)),bench) \
	$(if $(filter fuzz deps,$(GOALS)),fuzz) \
	$(if $(filter demo demo-kafka deps,$(GOALS)),demo) \
	$(if $(filter demo-kafka deps,$(GOALS)),kafka)
DEPS_TODO := $(strip $(filter-out $(FK_DEPS_DONE),$(DEPS_STEPS)))
ifneq ($(DEPS_TODO),)
ifneq ($(shell scripts/check-deps $(DEPS_TODO) >&2; echo $$?),0)
$(error packages missing for: $(DEPS_TODO))
endif
endif
export FK_DEPS_DONE := $(sort $(FK_DEPS_DONE) $(DEPS_TODO))

# libcrypto: SHA-256 and base64 (common/digest.c).
PKGS = rdkafka jansson libcrypto
# fk-sink's: PostgreSQL's client, zstd and zlib.
SINK_PKGS = libpq libzstd zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(SINK_PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CRIT_LIBS := $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)

TOOLS = fkcat-in fk-gen fk-eval fk-enrich fk-score fk-alert fk-sink fk-lag
LIB_SRC = $(wildcard common/*.c)
# The bundled gazetteer, data/places.csv, compiled in as a table.
LIB_OBJ = $(LIB_SRC:%.c=$(OBJDIR)/%.o) $(OBJDIR)/gen/places_data.o
LIB = $(OBJDIR)/libfk.a
# A tool's modules besides main.c, which its unit tests link.
fkcat-in_MODS = cmd/fkcat-in/ingest.c cmd/fkcat-in/wmark.c
fk-gen_MODS = cmd/fk-gen/gen.c
fk-eval_MODS = cmd/fk-eval/metrics.c cmd/fk-eval/engine.c cmd/fk-eval/plot.c
fk-enrich_MODS = cmd/fk-enrich/changelog.c cmd/fk-enrich/enrich.c \
	cmd/fk-enrich/labels.c cmd/fk-enrich/lists.c cmd/fk-enrich/state.c \
	cmd/fk-enrich/table.c cmd/fk-enrich/window.c
fk-score_MODS = cmd/fk-score/fields.c cmd/fk-score/model.c \
	cmd/fk-score/rules_set.c cmd/fk-score/rules_lex.c \
	cmd/fk-score/rules_parse.c cmd/fk-score/rules_expr.c \
	cmd/fk-score/rules_norm.c cmd/fk-score/rules_compile.c \
	cmd/fk-score/rules_eval.c cmd/fk-score/score.c
fk-alert_MODS = cmd/fk-alert/alert.c cmd/fk-alert/dest.c cmd/fk-alert/format.c
fk-sink_MODS = cmd/fk-sink/audit.c cmd/fk-sink/lake.c cmd/fk-sink/out.c \
	cmd/fk-sink/pg.c cmd/fk-sink/sink.c
fk-lag_MODS = cmd/fk-lag/lag.c cmd/fk-lag/survey.c
# Libraries only some tools link (fk-alert's webhooks).
CURL_LIBS := $(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl)
fk-alert_LIBS = $(CURL_LIBS)
SINK_LIBS := $(shell pkg-config --libs $(SINK_PKGS) 2>/dev/null || \
	echo -lpq -lzstd -lz)
fk-sink_LIBS = $(SINK_LIBS)

UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(OBJDIR)/tests/%)
MANS = $(wildcard man/*.1 man/*.5 man/*.7)

.PHONY: all deps test test-unit test-cli test-demo test-eval test-score test-alert test-state test-kafka \
	test-sink test-pipeline demo-kafka \
	test-history test-lag \
	test-replay \
	test-mock test-hops test-eos test-metrics test-outage \
	test-san fuzz lint \
	format bench demo install clean FORCE

all: $(TOOLS:%=$(BINDIR)/%)

# Everything the build, tests, lint and bench need (done while make
# reads this file); nothing to do here.
deps:
	@:

# Relink when the compiler or sanitizer differs from the last build.
$(BINDIR)/.tag: FORCE
	@mkdir -p $(BINDIR)
	@[ "$$(cat $@ 2>/dev/null)" = "$(TAG)" ] || echo "$(TAG)" > $@

$(OBJDIR)/%.o: %.c $(wildcard common/*.h cmd/*/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(OBJDIR)/gen/places_data.c: data/places.csv scripts/places2c
	@mkdir -p $(dir $@)
	scripts/places2c data/places.csv > $@.tmp && mv $@.tmp $@

$(OBJDIR)/gen/places_data.o: $(OBJDIR)/gen/places_data.c common/places.h
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

define TOOL_RULES
$(BINDIR)/$(1): $(OBJDIR)/cmd/$(1)/main.o $($(1)_MODS:%.c=$(OBJDIR)/%.o) $(LIB) $(BINDIR)/.tag
	@mkdir -p $(BINDIR)
	$(CC) $(LDFLAGS) -o $$@ $$(filter %.o %.a,$$^) $(PKG_LIBS) $($(1)_LIBS) $(LDLIBS)
endef
$(foreach t,$(TOOLS),$(eval $(call TOOL_RULES,$(t))))

ALL_MODS = $(foreach t,$(TOOLS),$($(t)_MODS))
TESTUTIL = $(OBJDIR)/tests/testutil.o
$(TESTUTIL): tests/testutil.c tests/testutil.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(OBJDIR)/tests/%: tests/unit/%.c $(ALL_MODS:%.c=$(OBJDIR)/%.o) $(LIB) $(TESTUTIL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) $(TOOLS:%=-Icmd/%) -Itests -o $@ $< \
	    $(ALL_MODS:%.c=$(OBJDIR)/%.o) $(TESTUTIL) $(LIB) $(CRIT_LIBS) \
	    $(PKG_LIBS) $(CURL_LIBS) $(SINK_LIBS) -lpthread $(LDLIBS)

# Fault injection with librdkafka's mock cluster (loopback only).
$(OBJDIR)/tests/test_mock: tests/kafka/test_mock.c $(LIB) $(TESTUTIL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -Itests -o $@ $< \
	    $(TESTUTIL) $(LIB) $(CRIT_LIBS) $(PKG_LIBS) $(LDLIBS)

# fk-sink's PostgreSQL loader against a server scripts/pg-local starts.
$(OBJDIR)/tests/test_pg: tests/sink/test_pg.c cmd/fk-sink/pg.c $(LIB) $(TESTUTIL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -Icmd/fk-sink -Itests -o $@ \
	    tests/sink/test_pg.c cmd/fk-sink/pg.c $(TESTUTIL) $(LIB) \
	    $(CRIT_LIBS) $(PKG_LIBS) $(SINK_LIBS) $(LDLIBS)

# make test: unit, CLI golden, real-broker and mock-cluster tests, then
# all but the real-broker tests again under ASan+UBSan.
test:
	$(MAKE) --no-print-directory test-unit test-cli test-demo test-eval \
	    test-score test-alert test-state test-sink test-kafka \
	    test-history test-lag test-mock test-replay test-pipeline \
	    test-hops test-eos test-metrics test-outage
	$(MAKE) --no-print-directory test-san

test-san:
	$(MAKE) --no-print-directory SAN=address,undefined test-unit test-cli \
	    test-mock

# Criterion's workers report leaks after their test passed: a leak
# report fails the run all the same.
test-unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do \
		ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 $$t --jobs 2 2>$$t.err || fail=1; \
		cat $$t.err >&2; \
		if grep -q 'ERROR: LeakSanitizer' $$t.err; then \
			echo "$$t: leaks" >&2; fail=1; fi; \
	done; exit $$fail

# The golden tests of every tool, then each tool's option table (its
# --help) against its usage line and man page.
test-cli: $(TOOLS:%=$(BINDIR)/%)
	@tests/cli/run $(BINDIR)
	@tests/cli/options $(BINDIR)

# make demo as a user sees it: it ends 0, and its closing lines agree
# with what each stage printed.
test-demo: $(TOOLS:%=$(BINDIR)/%)
	@tests/demo/run $(BINDIR)

# fk-eval's metrics against scikit-learn's on generated score files.
test-eval: $(TOOLS:%=$(BINDIR)/%)
	@tests/eval/run $(BINDIR)

# fk-score's models against xgboost's and the logistic formula, on
# pipeline output, with models trained by scripts/fk-train; SIGHUP
# reloads while records flow.
test-score: $(TOOLS:%=$(BINDIR)/%)
	@tests/score/run $(BINDIR)
	@tests/score/reload $(BINDIR)

# fk-alert's destinations against an HTTP server that fails at first,
# rsyslog, and commands; the spool in between.
test-alert: $(TOOLS:%=$(BINDIR)/%)
	@tests/alert/run $(BINDIR)

# fk-enrich's state file survives kill -9 at any moment: the writer
# alone, then fk-enrich saving every second.
$(OBJDIR)/tests/crashwriter: tests/state/crashwriter.c $(OBJDIR)/cmd/fk-enrich/state.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Icmd/fk-enrich -o $@ $< \
	    $(OBJDIR)/cmd/fk-enrich/state.o $(LIB) $(PKG_LIBS) $(LDLIBS)

test-state: $(OBJDIR)/tests/crashwriter $(BINDIR)/fk-enrich $(BINDIR)/fk-gen
	@tests/state/crash $<
	@tests/state/enrich-crash $(BINDIR)

# fk-sink: the lake's layout, rotation, compression, traversal, the
# audit chain, kill -9 from Kafka, and PostgreSQL (scripts/pg-local).
test-sink: $(TOOLS:%=$(BINDIR)/%) $(OBJDIR)/tests/test_pg
	@tests/sink/run $(BINDIR) $(OBJDIR)/tests/test_pg

# The real broker, then TLS and SASL on one of the test's own with SSL
# and SASL_SSL listeners and certificates openssl makes (about 40 s).
test-kafka: $(TOOLS:%=$(BINDIR)/%)
	@tests/kafka/run $(BINDIR)
	@tests/kafka/tls $(BINDIR)

# --metrics-file against the -v summary, --metrics-port scraped with curl
# and by a real Prometheus, SIGUSR1's summary while a tool runs.
test-metrics: $(TOOLS:%=$(BINDIR)/%)
	@tests/metrics/run $(BINDIR)
	@tests/metrics/tools $(BINDIR)
	@tests/metrics/dashboard

# libFuzzer (clang) over what takes bytes from outside: records (jscan,
# ingest), the metrics server's requests, fkcat-in's CSV, config files, the
# rules, the models, fk-enrich's state, numbers and times; one target
# tests/fuzz/fuzz_NAME.c each, FUZZ_SECONDS each, the corpus and what a
# target found kept in obj/fuzz.  Not part of make test (HACKING.md).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = jscan promhttp numbers csv config rules models state ingest
FUZZ_DIR = obj/fuzz
FUZZ_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -Icommon $(PKG_CFLAGS) \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined
# The tool modules a target links besides libfk.a (fuzz_NAME_MODS).
fuzz_csv_MODS = cmd/fkcat-in/ingest.c
fuzz_ingest_MODS = cmd/fkcat-in/ingest.c
fuzz_rules_MODS = $(filter cmd/fk-score/rules_% cmd/fk-score/fields.c, \
	$(fk-score_MODS))
fuzz_state_MODS = cmd/fk-enrich/enrich.c cmd/fk-enrich/lists.c \
	cmd/fk-enrich/state.c cmd/fk-enrich/table.c cmd/fk-enrich/window.c
fuzz_models_MODS = cmd/fk-score/model.c
$(FUZZ_DIR)/%.o: common/%.c $(wildcard common/*.h)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
$(FUZZ_DIR)/cmd/%.o: cmd/%.c $(wildcard common/*.h cmd/*/*.h)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
$(FUZZ_DIR)/gen/places_data.o: $(OBJDIR)/gen/places_data.c common/places.h
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -c $< -o $@
$(FUZZ_DIR)/libfk.a: $(LIB_SRC:common/%.c=$(FUZZ_DIR)/%.o) \
	    $(FUZZ_DIR)/gen/places_data.o
	@rm -f $@
	ar rcs $@ $^
$(foreach t,$(FUZZ_TARGETS),$(eval \
	$(FUZZ_DIR)/fuzz_$(t): $(fuzz_$(t)_MODS:%.c=$(FUZZ_DIR)/%.o)))
$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DIR)/libfk.a
	clang $(FUZZ_CFLAGS) $(WARN) $(TOOLS:%=-Icmd/%) -fsanitize=fuzzer \
	    $(filter %.c %.o,$^) $(FUZZ_DIR)/libfk.a -o $@ $(PKG_LIBS) \
	    -pthread -lm
fuzz: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus-$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		$(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
		    -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/$$t- \
		    $$(test -f tests/fuzz/$$t.dict && echo -dict=tests/fuzz/$$t.dict) \
		    $(FUZZ_DIR)/corpus-$$t tests/fuzz/seed-$$t \
		    2>$(FUZZ_DIR)/$$t.log || { tail -40 $(FUZZ_DIR)/$$t.log; exit 1; }; \
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss)' $(FUZZ_DIR)/$$t.log; \
	done

# fk-enrich --entities hops between 4-partition topics, two members each,
# one killed -9: every feature as one fk-enrich gives.
test-hops: $(TOOLS:%=$(BINDIR)/%)
	@tests/kafka/hops $(BINDIR)

# --eos on a real broker: fk-score and fk-enrich --changelog killed -9 at
# random moments while records flow, each record once read committed and
# as the pipe run has it; without --eos, the duplicates counted; one
# transactional.id for two stages fences the first.
test-eos: $(TOOLS:%=$(BINDIR)/%)
	@tests/kafka/eos $(BINDIR)

# Broker restarts mid-stream (10 s and 15 s, on a broker of its own that
# it stops): every stage waits and goes on, nothing lost; one that never
# comes back: 75 and the undelivered count.
test-outage: $(TOOLS:%=$(BINDIR)/%)
	@tests/kafka/outage $(BINDIR)

# fk-pipeline over pipes against the hand-written chain, and on a real
# broker: topics, offsets, restarts, kill -9, SIGTERM, --pipe.
test-pipeline: $(TOOLS:%=$(BINDIR)/%)
	@tests/pipeline/run $(BINDIR)

# Loading history: --to's retention warning and its fix, a new group's
# start at the end, on the real broker.
test-history: $(TOOLS:%=$(BINDIR)/%)
	@tests/kafka/history $(BINDIR)

# fk-lag and fk-pipeline status on the real broker: committed offsets,
# ends and ages against kcat's, the limits, a broker that is not there.
test-lag: $(TOOLS:%=$(BINDIR)/%)
	@tests/kafka/lag $(BINDIR)

# fk-replay: from an fk-sink archive and a 4-partition topic, against
# the pipe run; determinism, --compare, the lock, cron, a failing stage.
test-replay: $(TOOLS:%=$(BINDIR)/%)
	@tests/replay/run $(BINDIR)

test-mock: $(TOOLS:%=$(BINDIR)/%) $(OBJDIR)/tests/test_mock
	@t=$(OBJDIR)/tests/test_mock; FK_BIN=$(BINDIR) $$t --jobs 2 2>$$t.err; \
	rc=$$?; cat $$t.err >&2; \
	if grep -q 'ERROR: LeakSanitizer' $$t.err; then \
		echo "$$t: leaks" >&2; rc=1; fi; exit $$rc

lint:
	clang-format --dry-run -Werror common/*.[ch] cmd/*/*.[ch] tests/*.[ch] tests/*/*.c
	mandoc -Tlint -Wwarning $(MANS)
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability \
	    -D__CPPCHECK__ \
	    --inline-suppr --suppress=missingIncludeSystem -Icommon common cmd

format:
	clang-format -i common/*.[ch] cmd/*/*.[ch] tests/*.[ch] tests/*/*.c

bench: all
	bench/run $(BINDIR)
	bench/tools $(BINDIR)
	bench/sink $(BINDIR)
	bench/eos $(BINDIR)
	bench/kafka-path $(BINDIR)
	bench/e2e $(BINDIR)

# The sample through fkcat-in, then the pipeline on two weeks of
# generated traffic with its blocklists and labels, fk-eval's report by
# fraud scenario, and what it came to (scripts/demo).
demo: all
	@scripts/demo $(BINDIR)

# The same through a local broker with fk-pipeline -b: the alerts, the
# counts of each stage and the latency from topic to alert.
demo-kafka: all
	@scripts/demo-kafka $(BINDIR)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(TOOLS:%=$(BINDIR)/%) scripts/fk-train scripts/fk-replay \
	    scripts/fk-pipeline $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/share/fraudkit
	install -m 644 examples/rules.conf $(DESTDIR)$(PREFIX)/share/fraudkit/
	install -m 644 $(wildcard man/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(wildcard man/*.5) $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 $(wildcard man/*.7) $(DESTDIR)$(PREFIX)/share/man/man7/

clean:
	rm -rf bin obj tests/out bench/work
