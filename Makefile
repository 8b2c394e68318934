# migrate-entry — build, test, install.  See README.md.
#
#   make                 build/migrate-entry and build/migrate (system libraries)
#   make test            the layer check, unit tests (C), then end-to-end tests against a real
#                        PostgreSQL
#   make asan            the same tests with AddressSanitizer + UndefinedBehaviorSanitizer
#   make static          a fully static binary (musl; see scripts/build-static.sh)
#   make test-static     tests of the static binary in an empty chroot (tests/static/run.sh)
#   make container-test  the Dockerfile's images built and run with podman (tests/container/run.sh;
#                        sets up podman and the base images first, or skips saying why)
#   make install PREFIX=/usr/local DESTDIR=
#   make bench           benchmarks (bench/)
#   make fuzz FUZZ_SECONDS=60
#                        libFuzzer targets (tests/fuzz/) built with clang into build-fuzz/, each
#                        run for FUZZ_SECONDS on a scratch copy of its seed corpus; not part of
#                        `make test` (README "Fuzzing")

CC       ?= cc
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
BUILD    ?= build
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
            -Wwrite-strings -Wformat=2 -Wno-format-nonliteral -Werror
CSTD     := -std=c11 -D_POSIX_C_SOURCE=200809L
OPT      ?= -O2 -g
CFLAGS   += $(CSTD) $(WARN) $(OPT) -DMIGRATE_VERSION='"$(VERSION)"' -I/usr/include/postgresql
LDLIBS   += -lpq -lcurl -linih -lcrypto -lz -llzma -lzstd -lpthread
SANITIZE ?=
ifneq ($(SANITIZE),)
CFLAGS   += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=$(SANITIZE)
endif

# src/ is in folders by layer (README "Layout"); every include names its
# folder ("db/lock.h"), resolved from -Isrc.  Dependencies on headers come
# from the compiler (-MMD).
SRCS      := $(sort $(shell find src -name '*.c'))
LIB_SRCS  := $(filter-out src/main.c,$(SRCS))
OBJS      := $(SRCS:src/%.c=$(BUILD)/obj/%.o)
LIB_OBJS  := $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
CFLAGS    += -Isrc -I$(BUILD)/gen

PYTEST    ?= /usr/bin/python3 -m pytest

.PHONY: all test unit e2e asan static test-static container-test install clean bench format \
        check-layers

all: $(BUILD)/migrate-entry $(BUILD)/migrate

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(OBJS:.o=.d)

# The Python half of `migrate import-alembic`, compiled in as a C string.
$(BUILD)/gen/cmd/import_alembic_py.h: src/cmd/import_alembic.py
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@{ echo 'static const char import_alembic_py[] ='; \
	   sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; \
	   echo ';'; } >$@.tmp && mv $@.tmp $@

$(BUILD)/obj/cmd/alembic_read.o: $(BUILD)/gen/cmd/import_alembic_py.h

$(BUILD)/libmigrate.a: $(LIB_OBJS)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/migrate-entry: $(BUILD)/obj/main.o $(BUILD)/libmigrate.a
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/migrate: $(BUILD)/migrate-entry
	ln -sf migrate-entry $@

$(BUILD)/tests/%: tests/unit/%.c tests/unit/tap.h $(BUILD)/libmigrate.a | $(BUILD)/tests
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libmigrate.a $(LDLIBS)

$(BUILD)/tests:
	mkdir -p $@

unit: $(UNIT_BINS)
	@sh tests/unit/run.sh $(UNIT_BINS)

e2e: all
	MIGRATE_ENTRY_BINARY=$(abspath $(BUILD)/migrate-entry) $(PYTEST) -q tests/e2e

check-layers:
	@sh scripts/check-layers.sh

test: check-layers unit e2e

asan:
	$(MAKE) BUILD=build-asan SANITIZE=address,undefined OPT="-O1 -g" test

static:
	bash scripts/build-static.sh

test-static: static
	bash tests/static/run.sh

container-test:
	bash tests/container/run.sh

bench: all
	bash bench/run.sh

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(BUILD)/migrate-entry $(DESTDIR)$(BINDIR)/migrate-entry
	ln -sf migrate-entry $(DESTDIR)$(BINDIR)/migrate

format:
	clang-format -i $(SRCS) $(shell find src -name '*.h') tests/unit/*.c tests/unit/*.h

clean:
	rm -rf build build-asan build-fuzz

# ---- fuzzing ---------------------------------------------------------------------------------
# tests/fuzz/fuzz_<target>.c are libFuzzer entry points.  `make fuzz` compiles the parsers again
# with clang into build-fuzz/ (objects with -fsanitize=fuzzer-no-link,address,undefined, the
# targets linked with -fsanitize=fuzzer,address,undefined) and runs each target for FUZZ_SECONDS
# seconds on a copy of tests/fuzz/corpus/<target>/ in build-fuzz/run/ (the repository's corpus is
# left as it is); it fails when a target finds a crash, a leak, a sanitizer report or a broken
# invariant.  FUZZ_TARGETS picks some (`make fuzz FUZZ_TARGETS="sqlscan revfile"`);
# `make fuzz-build` only builds.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_SAN     := fuzzer-no-link,address,undefined
FUZZ_MAKE     = $(MAKE) --no-print-directory BUILD=build-fuzz CC=$(FUZZ_CC) SANITIZE=$(FUZZ_SAN) \
                OPT="-O1 -g" FUZZ_TARGETS="$(FUZZ_TARGETS)"

.PHONY: fuzz fuzz-build fuzz-bins

fuzz: fuzz-build
	sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-build:
	@command -v $(FUZZ_CC) >/dev/null || { echo "make fuzz needs clang (README, Fuzzing)" >&2; exit 1; }
	@test -n "$$(ls "$$($(FUZZ_CC) -print-runtime-dir)"/libclang_rt.fuzzer-*.a 2>/dev/null)" || \
		{ echo "make fuzz needs libFuzzer: apt-get install libclang-rt-14-dev (README, Fuzzing)" >&2; exit 1; }
	@$(FUZZ_MAKE) fuzz-bins

# Only the code the targets exercise is built: the pure layers, the service URLs and the
# import-alembic record reader.  (Inside the sub-make above: BUILD is build-fuzz, CC clang.)
FUZZ_SRCS := $(sort $(wildcard src/util/*.c src/conf/*.c src/sql/*.c src/rev/*.c)) \
             src/wait/svcurl.c src/cmd/alembic_read.c
FUZZ_OBJS := $(FUZZ_SRCS:src/%.c=$(BUILD)/obj/%.o)

fuzz-bins: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)

$(BUILD)/libfuzzsrc.a: $(FUZZ_OBJS)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(BUILD)/libfuzzsrc.a
	@case "$(BUILD)" in build-fuzz*) ;; *) echo "fuzz targets are built by make fuzz" >&2; exit 1;; esac
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(BUILD)/libfuzzsrc.a $(LDLIBS)
