# cronograma: cronogramad (daemon) and cronoctl (control CLI).
#
#   make            build build/cronogramad and build/cronoctl
#   make check      every test: format, a fresh machine played, the layers
#                   (lint), unit (cmocka),
#                   integration, each fuzz target for FUZZ_CHECK_SECONDS, the
#                   whole suite again under ASan+UBSan and again under
#                   ThreadSanitizer; last line "N passed, M failed"
#   make demo       the main job end to end with the embedded defaults
#   make bench      benchmarks, printed side by side with their peers
#   make fuzz       libFuzzer targets (FUZZ_SECONDS each, default 60)
#   make soak       mixed load for SOAK_SECONDS (default 600): RSS, open
#                   files and the outbox must stay sound
#   make install    PREFIX=/usr/local DESTDIR=
#   make po-update  merge cli/'s messages into po/*.po for translators
#   make format     apply .clang-format
#   make lint       the layers: no call circle among daemon files (read from
#                   the objects with nm), each library's header in its module
#
# BUILD=dir builds out of tree (several builds can share one checkout).
# SAN=1 builds with ASan+UBSan, TSAN=1 with ThreadSanitizer (check uses
# build/asan and build/tsan).

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
BUILD     ?= build
SAN       ?=
CC        ?= cc
PYTHON    ?= /usr/bin/python3
SYSCONFDIR ?= /etc
# systemd looks for units and sysusers files under /usr/local/lib too.
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
LOCALEDIR   ?= $(PREFIX)/share/locale

PKGS      := libuv libcurl libical sqlite3 jansson libmicrohttpd inih libcrypto
# Computed when first used, not when the Makefile is read: `make demo` and
# `make check` install the -dev packages first and then build in a second
# make, which reads pkg-config afresh.
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(shell pkg-config --cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $$(shell pkg-config --libs $(PKGS)))$(PKG_LIBS)

WARN      := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral -Wpointer-arith
CFLAGS    ?= -O2 -g
ifneq ($(SAN),)
CFLAGS    := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS   += -fsanitize=address,undefined
endif
# ThreadSanitizer (the mailer's worker threads); not with SAN.
ifneq ($(TSAN),)
CFLAGS    := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
LDFLAGS   += -fsanitize=thread
endif
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DVERSION='"$(VERSION)"' \
	-DSYSCONFDIR='"$(SYSCONFDIR)"' -Idaemon -I$(BUILD)/gen \
	$(WARN) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP

DAEMON_SRC := $(wildcard daemon/*.c)
DAEMON_OBJ := $(DAEMON_SRC:daemon/%.c=$(BUILD)/daemon/%.o) $(BUILD)/gen/sqlfiles.o \
	$(BUILD)/gen/templates.o
LIB_OBJ    := $(filter-out $(BUILD)/daemon/main.o,$(DAEMON_OBJ))
SQL_FILES  := $(sort $(wildcard schemas/*.sql))
TEMPLATE_FILES := $(sort $(wildcard contrib/templates/*.txt contrib/templates/*.html))
PO_FILES  := $(wildcard po/*.po)
MO_FILES  := $(PO_FILES:po/%.po=$(BUILD)/locale/%/LC_MESSAGES/cronoctl.mo)

# Unit tests: tests/test_<module>.c. Each links only the daemon modules it
# names here (so one module under construction never breaks another's test).
UNIT_TESTS := $(patsubst tests/test_%.c,%,$(wildcard tests/test_*.c))
TEST_DEPS_fecha   := fecha
TEST_DEPS_config  := config log
TEST_DEPS_log     := log
TEST_DEPS_clock   := clock
TEST_DEPS_event   := event fecha log clock
TEST_DEPS_store   := store event fecha log clock sqlfiles
TEST_DEPS_addr    := addr
TEST_DEPS_bounce  := bounce b64
TEST_DEPS_maildir := maildir log clock
TEST_DEPS_store_bounce := addr store store_osc store_outbox store_notice store_bounce event fecha log clock sqlfiles
TEST_DEPS_bounce_take := bounce b64 bounce_take addr store store_osc store_outbox store_notice store_bounce event fecha log clock sqlfiles
TEST_DEPS_store_osc := addr store store_osc event fecha log clock sqlfiles
TEST_DEPS_import  := import import_plan import_tsv strv view store event fecha log clock sqlfiles
TEST_DEPS_message := message message_mime event fecha log clock templates
TEST_DEPS_mailer  := mailer log clock
# The API test links every module (ALL): the route table names them all.
TEST_DEPS_api     := ALL
TEST_DEPS_domain  := ALL
TEST_DEPS_org_data := ALL
TEST_DEPS_signup  := ALL
TEST_DEPS_schedule := addr bounce change signup_mail store_signup strv secret schedule schedule_rows schedule_input schedule_alarm schedule_notice schedule_staff store store_outbox store_osc store_self store_notice store_bounce event fecha log clock sqlfiles config message message_mime templates mailer token
TEST_DEPS_notice  := addr token secret schedule_notice schedule_staff schedule_alarm store store_outbox store_osc store_self store_notice store_bounce event fecha log clock sqlfiles config message message_mime templates
TEST_DEPS_http    := http log clock
TEST_DEPS_token   := token secret
TEST_DEPS_b64     := b64
# Tests that start from tests/fixture.c (a store, a configuration, a key).
TEST_FIXTURE      := domain schedule notice org_data signup

# A module split by suffix is named by its first file: event means event.c,
# event_render.c, event_parse.c and event_tzmap.c (and budget.c, buf.c and text.c,
# which it uses); fecha means fecha.c, fecha_parse.c and fecha_words.c;
# http means http.c, http_addr.c, http_conn.c, http_date.c, http_defer.c,
# http_reply.c and http_run.c;
# mailer means mailer.c, mailer_list.c and mailer_smtp.c; message means
# message.c, message_tpl.c, message_words.c and message_view.c (and b64.c,
# which it uses); store means store.c and store_event.c.
dep_expand = $(patsubst message,message message_tpl message_words message_view b64,$(patsubst store,store store_event,$(patsubst mailer,mailer mailer_list mailer_smtp,$(patsubst http,http http_addr http_conn http_date http_defer http_reply http_run,$(patsubst fecha,fecha fecha_parse fecha_words,$(patsubst event,event event_render event_parse event_tzmap budget buf text,$(1)))))))
dep_objs = $(if $(filter ALL,$(TEST_DEPS_$(1))),$(LIB_OBJ),$(foreach m,$(call dep_expand,$(TEST_DEPS_$(1))),$(if $(filter sqlfiles templates,$(m)),$(BUILD)/gen/$(m).o,$(BUILD)/daemon/$(m).o)))

.PHONY: all deps depcheck check check-run unit integration format format-check lint demo bench bench-tools fuzz fuzz-build fuzz-check soak install clean asan \
	po-update i18n-check FORCE
all: $(BUILD)/cronogramad $(BUILD)/cronoctl $(MO_FILES)

# Plain make never installs anything: it names what is missing and stops.
# `make deps` (or contrib/install-deps.sh) installs it.
depcheck: $(BUILD)/.deps
$(BUILD)/.deps: contrib/install-deps.sh
	@sh contrib/install-deps.sh --check
	@mkdir -p $(@D)
	@touch $@

deps:
	@sh contrib/install-deps.sh

$(BUILD)/gen/sqlfiles.c: $(SQL_FILES) contrib/embed-sql.sh
	@mkdir -p $(@D)
	sh contrib/embed-sql.sh $(SQL_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/sqlfiles.o: $(BUILD)/gen/sqlfiles.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/gen/templates.c: $(TEMPLATE_FILES) contrib/embed-templates.sh
	@mkdir -p $(@D)
	sh contrib/embed-templates.sh $(TEMPLATE_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/templates.o: $(BUILD)/gen/templates.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/daemon/%.o: daemon/%.c | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/cli/%.o: cli/%.c | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# cronoctl's messages: English in cli/, translated in po/LANG.po, compiled
# into BUILD/locale/LANG/LC_MESSAGES/cronoctl.mo (tests point
# CRONOCTL_LOCALEDIR there) and installed into LOCALEDIR, which cronoctl
# has compiled in. localedir.h is rewritten only when LOCALEDIR changes,
# so `make install PREFIX=/usr` rebuilds what it must.
XGETTEXT_FLAGS := --language=C --from-code=UTF-8 --add-comments=TRANSLATORS: \
	--keyword=_ --keyword=N_ --keyword=P_:1c,2 --keyword=NP_:1c,2 \
	--keyword=ngettext:1,2 --flag=cli_error:1:c-format \
	--flag=cli_usage_error:2:c-format --add-location=file --sort-by-file \
	--package-name=cronoctl --package-version=$(VERSION)

$(BUILD)/gen/localedir.h: FORCE
	@mkdir -p $(@D)
	@printf '#define LOCALEDIR "%s"\n' '$(LOCALEDIR)' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
FORCE:

$(BUILD)/cli/i18n.o: $(BUILD)/gen/localedir.h

$(BUILD)/cronoctl.pot: $(wildcard cli/*.c cli/*.h)
	@mkdir -p $(@D)
	xgettext $(XGETTEXT_FLAGS) -o $@ $(sort $(wildcard cli/*.c))

$(BUILD)/locale/%/LC_MESSAGES/cronoctl.mo: po/%.po
	@mkdir -p $(@D)
	msgfmt --check --output-file=$@ $<

po-update: $(BUILD)/cronoctl.pot
	for po in $(PO_FILES); do \
	  msgmerge --quiet --update --backup=none --add-location=file $$po $<; done

# Every message of cli/ marked and translated (tests/check_i18n.py).
i18n-check: $(BUILD)/cronoctl.pot
	@mkdir -p $(BUILD)/results
	@$(PYTHON) tests/check_i18n.py --pot $(BUILD)/cronoctl.pot \
	  --results $(BUILD)/results/i18n $(PO_FILES) -- $(sort $(wildcard cli/*.c))

$(BUILD)/cronogramad: $(DAEMON_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

CLI_SRC := $(wildcard cli/*.c)
$(BUILD)/cronoctl: $(CLI_SRC:cli/%.c=$(BUILD)/cli/%.o)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%.o: tests/%.c | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-unused-parameter -c -o $@ $<

# Keep test objects between runs.
.SECONDARY:
.SECONDEXPANSION:
$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $$(call dep_objs,$$*) \
	$$(if $$(filter $$*,$$(TEST_FIXTURE)),$(BUILD)/tests/fixture.o)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka -lm

UNIT_BINS := $(UNIT_TESTS:%=$(BUILD)/tests/test_%)

unit: $(UNIT_BINS)
	@sh tests/run-unit.sh $(BUILD) $(UNIT_BINS)

integration: all
	@CRONOGRAMAD=$(abspath $(BUILD)/cronogramad) CRONOCTL=$(abspath $(BUILD)/cronoctl) SAN=$(SAN) \
	  CRONOCTL_LOCALEDIR=$(abspath $(BUILD)/locale) \
	  RESULTS=$(abspath $(BUILD)/results) \
	  $(PYTHON) tests/integration/run.py

format:
	clang-format -i daemon/*.c daemon/*.h cli/*.c tests/*.c tests/bench/*.c tests/fuzz/*.c tests/fuzz/*.h

format-check:
	@mkdir -p $(BUILD)/results
	@if clang-format --dry-run -Werror daemon/*.c daemon/*.h cli/*.c tests/*.c tests/bench/*.c tests/fuzz/*.c tests/fuzz/*.h 2>$(BUILD)/format.log; then \
	  echo "format 1 0" > $(BUILD)/results/format; echo "format: ok"; \
	else cat $(BUILD)/format.log | head -20; echo "format 0 1" > $(BUILD)/results/format; \
	  echo "format: FAILED (run 'make format')"; fi

# The layers (tests/check_layers.py): calls between daemon files read from
# the objects' symbols, library headers from the sources.
lint: all
	@mkdir -p $(BUILD)/results
	@$(PYTHON) tests/check_layers.py --build $(BUILD) --results $(BUILD)/results/lint

# check runs every step even when one fails, then prints the total.
check: deps
	@$(MAKE) --no-print-directory check-run

check-run:
	@rm -rf $(BUILD)/results build/asan/results build/tsan/results
	@$(MAKE) --no-print-directory format-check
	@sh tests/setup/fresh-machine.sh $(BUILD)/results || true
	@$(MAKE) --no-print-directory all || { mkdir -p $(BUILD)/results; echo "build 0 1" >> $(BUILD)/results/build; }
	@$(MAKE) --no-print-directory bench-tools || { mkdir -p $(BUILD)/results; echo "bench-tools 0 1" >> $(BUILD)/results/build; }
	@$(MAKE) --no-print-directory i18n-check || true
	@$(MAKE) --no-print-directory lint || true
	@$(MAKE) --no-print-directory unit || true
	@$(MAKE) --no-print-directory integration || true
	@$(MAKE) --no-print-directory fuzz-check || true
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 all || \
	  { mkdir -p build/asan/results; echo "asan-build 0 1" >> build/asan/results/build; }
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 unit || true
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 integration || true
	@$(MAKE) --no-print-directory BUILD=build/tsan TSAN=1 all || \
	  { mkdir -p build/tsan/results; echo "tsan-build 0 1" >> build/tsan/results/build; }
	@$(MAKE) --no-print-directory BUILD=build/tsan TSAN=1 unit || true
	@$(MAKE) --no-print-directory BUILD=build/tsan TSAN=1 integration || true
	@sh tests/summary.sh $(BUILD)/results build/asan/results build/tsan/results

# demo, check and bench install what is missing, then build in a new make so
# that pkg-config is asked after the install.
demo: deps
	@$(MAKE) --no-print-directory all
	@sh contrib/demo.sh $(BUILD)

bench:
	@sh contrib/install-deps.sh --bench
	@$(MAKE) --no-print-directory all bench-tools
	@sh tests/bench/run.sh $(BUILD)

# Benchmark peers written here (tests/bench/*.c), built with the project's
# warnings into BUILD/bench/; `make check` compiles them too so that they
# keep building. Never installed: they are not part of the product.
BENCH_TOOLS := $(BUILD)/bench/curl_alone
bench-tools: $(BENCH_TOOLS)

# Each tool links only its own library, as a program of its own would.
$(BUILD)/bench/curl_alone: BENCH_LIBS = $(shell pkg-config --libs libcurl)
$(BUILD)/bench/%: tests/bench/%.c | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BENCH_LIBS)

# libFuzzer targets (clang, ASan+UBSan), each linked with every daemon
# module compiled for fuzzing in BUILD/fuzz/obj. tests/fuzz/run.sh runs
# them from their kept corpus (tests/fuzz/corpus/NAME).
FUZZ_CC      ?= clang
FUZZ_TARGETS := fecha import public api oscs bounce
FUZZ_CHECK_SECONDS ?= 15
FUZZ_CFLAGS   = -std=c11 -D_GNU_SOURCE -DVERSION='"$(VERSION)"' \
	-DSYSCONFDIR='"$(SYSCONFDIR)"' -Idaemon -Itests/fuzz -I$(BUILD)/gen \
	$(PKG_CFLAGS) -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined -MMD -MP
FUZZ_LIB     := $(LIB_OBJ:$(BUILD)/%=$(BUILD)/fuzz/obj/%) \
	$(BUILD)/fuzz/obj/tests/harness.o

$(BUILD)/fuzz/obj/daemon/%.o: daemon/%.c | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(BUILD)/fuzz/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(BUILD)/fuzz/obj/tests/%.o: tests/fuzz/%.c | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/obj/tests/fuzz_%.o $(FUZZ_LIB)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS) -lm

fuzz-build: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)

# FUZZ_SECONDS each (default 60), new inputs kept in BUILD/fuzz/corpus-*.
fuzz: fuzz-build
	@sh tests/fuzz/run.sh $(BUILD) $(FUZZ_TARGETS)

# The check's short run: FUZZ_CHECK_SECONDS each, a result line each.
fuzz-check:
	@mkdir -p $(BUILD)/results
	@if $(MAKE) --no-print-directory fuzz-build >$(BUILD)/results/fuzz-build.log 2>&1; then \
	  FUZZ_SECONDS=$(FUZZ_CHECK_SECONDS) RESULTS=$(BUILD)/results \
	    sh tests/fuzz/run.sh $(BUILD) $(FUZZ_TARGETS); \
	else tail -20 $(BUILD)/results/fuzz-build.log; echo "fuzz-build 0 1" > $(BUILD)/results/fuzz; fi

# Mixed load on a real daemon for SOAK_SECONDS (default 600); see
# tests/soak/soak.py. Not part of check.
soak: all
	@CRONOGRAMAD=$(abspath $(BUILD)/cronogramad) CRONOCTL=$(abspath $(BUILD)/cronoctl) \
	  $(PYTHON) tests/soak/soak.py

# The unit names the installed paths.
$(BUILD)/cronogramad.service: contrib/cronogramad.service.in Makefile
	@mkdir -p $(@D)
	sed -e 's|@SBINDIR@|$(PREFIX)/sbin|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	  contrib/cronogramad.service.in > $@.tmp && mv $@.tmp $@

install: all $(BUILD)/cronogramad.service
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man8 \
	  $(DESTDIR)$(PREFIX)/share/cronograma $(DESTDIR)$(SYSCONFDIR)/cronograma \
	  $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 0755 $(BUILD)/cronogramad $(DESTDIR)$(PREFIX)/sbin/
	install -m 0755 $(BUILD)/cronoctl $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 contrib/man/cronogramad.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 contrib/man/cronoctl.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -d $(DESTDIR)$(PREFIX)/share/man/es/man1
	install -m 0644 contrib/man/es/cronoctl.1 $(DESTDIR)$(PREFIX)/share/man/es/man1/
	for mo in $(MO_FILES); do \
	  lang=$${mo#$(BUILD)/locale/}; lang=$${lang%%/*}; \
	  install -d $(DESTDIR)$(LOCALEDIR)/$$lang/LC_MESSAGES; \
	  install -m 0644 $$mo $(DESTDIR)$(LOCALEDIR)/$$lang/LC_MESSAGES/cronoctl.mo; \
	done
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 contrib/cronoctl.bash-completion \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/cronoctl
	install -m 0644 contrib/cronograma-2018.tsv contrib/temas-2018.tsv \
	  $(DESTDIR)$(PREFIX)/share/cronograma/
	install -m 0644 $(BUILD)/cronogramad.service $(DESTDIR)$(UNITDIR)/
	install -m 0644 contrib/cronograma.sysusers $(DESTDIR)$(SYSUSERSDIR)/cronograma.conf
	# The built-in mail templates, for an operator to copy into
	# [mail] template_dir and edit.
	install -d $(DESTDIR)$(PREFIX)/share/cronograma/templates
	install -m 0644 contrib/templates/* $(DESTDIR)$(PREFIX)/share/cronograma/templates/
	[ -e $(DESTDIR)$(SYSCONFDIR)/cronograma/cronogramad.conf ] || \
	  install -m 0644 contrib/cronogramad.conf $(DESTDIR)$(SYSCONFDIR)/cronograma/

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
