# pact-init: build, deps, run, test, bench, fuzz, install.
# `make` builds the static binaries; `make run` and `make test` fetch what
# they need first (see boot/deps.sh).

PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CC_MUSL ?= musl-gcc
CC_SAN ?= gcc
CC_FUZZ ?= clang
FUZZ_SECONDS ?= 20
FUZZ_RUNS ?=
FUZZ_TARGETS ?=

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wswitch-enum -Wvla -Wpointer-arith \
	-Wundef -Wwrite-strings -Wold-style-definition -Wimplicit-fallthrough
COMMON := -std=gnu11 -D_GNU_SOURCE -Iinclude -Iinit $(WARN)
UAPI := $(BUILD)/uapi

# The product: musl, static, small. -Oz and link-time optimisation across
# the layer folders' objects, and no page padding between code and data
# (-z noseparate-code): 16 KiB less than -Os alone. -fstack-protector
# guards the functions with character buffers (where overflows come
# from): 12 KiB less than -strong, which guards every local array.
# -z norelro: nothing applies RELRO to a static non-PIE binary (no dynamic
# linker; the kernel ignores PT_GNU_RELRO), it only pads to a page.
# -fno-pie: the link is static and not PIE, but Debian's gcc compiles PIE
# code by default: RIP-relative addressing where an absolute one is
# shorter, and const tables of pointers in writable .data.rel.ro (17 KiB
# of pages PID 1 keeps mapped) instead of .rodata: 13 KiB less code.
CFLAGS_REL := $(COMMON) -Oz -flto=auto -isystem $(UAPI) -ffunction-sections -fdata-sections \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fstack-protector -fno-pie
# --sort-section=alignment (with -fdata-sections for the link-time code
# generation, which makes the sections): the variables of 4 KiB or more,
# PAGE_ALIGNED (lib/table.h), first, then the rest packed together
# instead of one or two beside each large table, so PID 1's small state
# shares a few pages.
# -z common-page-size=64 keeps ld from padding the file to start the
# data segment on a page of its own (it did so as the sort moved the
# end of .bss; 2.6 KiB of file).
LDFLAGS_REL := -static -no-pie -s -Oz -flto=auto -fdata-sections -Wl,--gc-sections \
	-Wl,-z,noexecstack -Wl,-z,noseparate-code -Wl,-z,norelro -Wl,--sort-section=alignment \
	-Wl,-z,common-page-size=64

# The same code for tests: glibc, ASan + UBSan, debug info.
CFLAGS_SAN := $(COMMON) -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all -DPACT_TEST_BUILD
LDFLAGS_SAN := -fsanitize=address,undefined

# init/ is in layer folders (README.md: Layout); main.c is the daemon's map.
LAYERS := lib proto os units node supervise handoff ctl
DAEMON_MAIN := init/main.c
CTL_SRC := $(wildcard init/pactctl/*.c)
# pactctl's files but its main(): the host tests use them too (pactctl net)
CTL_LIB_SRC := $(filter-out init/pactctl/pactctl.c,$(CTL_SRC))
LIB_SRC := $(wildcard $(LAYERS:%=init/%/*.c))
HDRS := $(wildcard init/*/*.h include/pact/*.h)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB_SAN := $(LIB_SRC:%.c=$(BUILD)/san/%.o)
CTL_LIB_SAN := $(CTL_LIB_SRC:%.c=$(BUILD)/san/%.o)

UNIT_SRC := $(wildcard test/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:test/unit/%.c=$(BUILD)/test/unit/%)
# Shell tests of the unit tier (test/unit/test_*.sh: the layering check of
# init/, the fresh-machine check of the Makefile) run like the C tests.
UNIT_SH_BIN := $(patsubst test/unit/%.sh,$(BUILD)/test/unit/%,$(wildcard test/unit/test_*.sh))
UNIT_BIN += $(UNIT_SH_BIN)
# test/host/test_*.c are programs; the other .c files there are shared harness code
HOSTLIB_SRC := $(filter-out test/host/test_%.c,$(wildcard test/host/*.c))
HOSTPROG_SRC := $(wildcard test/host/test_*.c)
HOSTPROG_BIN := $(HOSTPROG_SRC:test/host/%.c=$(BUILD)/test/host/%)
GUESTPROG_SRC := $(wildcard test/vm/*.c)
GUESTPROG_BIN := $(GUESTPROG_SRC:test/vm/%.c=$(BUILD)/test/vm/%)
BENCH_SRC := $(wildcard test/bench/*.c)
BENCH_BIN := $(BENCH_SRC:test/bench/%.c=$(BUILD)/bench/%)
BENCH_GUEST_SRC := $(wildcard test/bench/guest/*.c)
BENCH_GUEST_BIN := $(BENCH_GUEST_SRC:test/bench/guest/%.c=$(BUILD)/bench-guest/%)
FUZZ_SRC := $(wildcard test/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:test/fuzz/%.c=$(BUILD)/fuzz/%)


.PHONY: all deps deps-daemons fuzz-deps image run test test-unit test-host test-vm bench fuzz install clean format format-list
all: $(BUILD)/pact-init $(BUILD)/pactctl

# The build's version (git describe) for pactctl --version and status, as
# -DPACT_VERSION of the files that show it; $(BUILD)/version changes only
# with it, so only those files are compiled again.
VERSION := $(shell git describe --always --dirty --tags 2>/dev/null || echo unknown)
VERSION_OBJ := $(foreach d,obj san,$(BUILD)/$(d)/init/pactctl/pactctl.o $(BUILD)/$(d)/init/ctl/status.o)
$(BUILD)/version: FORCE
	@mkdir -p $(dir $@)
	@echo '$(VERSION)' >$@.tmp; cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(VERSION_OBJ): $(BUILD)/version
$(VERSION_OBJ): CFLAGS_REL += -DPACT_VERSION='"$(VERSION)"'
$(VERSION_OBJ): CFLAGS_SAN += -DPACT_VERSION='"$(VERSION)"'
FORCE:

$(UAPI)/.stamp:
	@mkdir -p $(UAPI)
	@ln -sfn /usr/include/linux $(UAPI)/linux
	@ln -sfn /usr/include/x86_64-linux-gnu/asm $(UAPI)/asm
	@ln -sfn /usr/include/asm-generic $(UAPI)/asm-generic
	@ln -sfn /usr/include/mtd $(UAPI)/mtd
	@touch $@

$(BUILD)/obj/%.o: %.c $(HDRS) $(UAPI)/.stamp | deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC_MUSL) $(CFLAGS_REL) -c -o $@ $<

$(BUILD)/san/%.o: %.c $(HDRS) | deps
	@mkdir -p $(dir $@)
	@echo "  CC-SAN  $<"
	@$(CC_SAN) $(CFLAGS_SAN) -c -o $@ $<

# the link map: test_page_aligned checks the layout of PID 1's variables in it
$(BUILD)/pact-init: $(BUILD)/obj/init/main.o $(LIB_OBJ)
	@echo "  LD      $@"
	@$(CC_MUSL) $(LDFLAGS_REL) -Wl,-Map=$@.map -o $@ $^

$(BUILD)/pactctl: $(CTL_SRC:%.c=$(BUILD)/obj/%.o) $(LIB_OBJ)
	@echo "  LD      $@"
	@$(CC_MUSL) $(LDFLAGS_REL) -o $@ $^

# Sanitized builds of the daemon and tool, for the host tier.
$(BUILD)/san/pact-init: $(BUILD)/san/init/main.o $(LIB_SAN)
	@echo "  LD      $@"
	@$(CC_SAN) $(LDFLAGS_SAN) -o $@ $^
$(BUILD)/san/pactctl: $(CTL_SRC:%.c=$(BUILD)/san/%.o) $(LIB_SAN)
	@echo "  LD      $@"
	@$(CC_SAN) $(LDFLAGS_SAN) -o $@ $^

$(BUILD)/test/unit/%: test/unit/%.c test/unit/tap.h $(LIB_SAN) | deps
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC_SAN) $(CFLAGS_SAN) -Wno-write-strings -Itest/unit -o $@ $< $(LIB_SAN) $(LDFLAGS_SAN)

$(UNIT_SH_BIN): $(BUILD)/test/unit/%: test/unit/%.sh test/layers.sh
	@mkdir -p $(dir $@)
	@printf '#!/bin/sh\nBUILD="%s" exec bash "%s/test/unit/%s.sh" "%s"\n' "$(BUILD)" "$(CURDIR)" "$*" "$(CURDIR)" >$@
	@chmod +x $@
# it reads the product's link map
$(BUILD)/test/unit/test_page_aligned: $(BUILD)/pact-init

$(BUILD)/test/host/%: test/host/%.c test/unit/tap.h $(HOSTLIB_SRC) $(wildcard test/host/*.h) $(LIB_SAN) $(CTL_LIB_SAN)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC_SAN) $(CFLAGS_SAN) -Wno-write-strings -Itest/unit -Itest/host -o $@ $< $(HOSTLIB_SRC) $(LIB_SAN) $(CTL_LIB_SAN) $(LDFLAGS_SAN)

# Programs that run inside the test VM: static musl, like the daemon.
$(BUILD)/test/vm/%: test/vm/%.c test/vm/sdnotify.h $(LIB_OBJ) | deps
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC_MUSL) $(CFLAGS_REL) -Itest/unit $(LDFLAGS_REL) -o $@ $< $(LIB_OBJ)

# Benchmark programs: built like the product (musl, -Os), not sanitized.
$(BUILD)/bench/%: test/bench/%.c $(LIB_OBJ) | deps
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC_MUSL) $(CFLAGS_REL) -Itest/unit $(LDFLAGS_REL) -o $@ $< $(LIB_OBJ)

# What the bench's peer boots run inside the VM (test/bench/peers): static
# musl like the product, and standalone (no pact-init code: every init runs them).
$(BUILD)/bench-guest/%: test/bench/guest/%.c | deps
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC_MUSL) $(CFLAGS_REL) $(LDFLAGS_REL) -o $@ $<

# the library is compiled once for every fuzz target (instrumented, no main)
FUZZ_CFLAGS := $(COMMON) -g -O1 -DPACT_TEST_BUILD
FUZZ_OBJ := $(LIB_SRC:%.c=$(BUILD)/fuzzobj/%.o)
# made only through the fuzz/% pattern: kept, not removed as intermediates
.SECONDARY: $(FUZZ_OBJ)
$(BUILD)/fuzzobj/%.o: %.c $(HDRS) | fuzz-deps
	@mkdir -p $(dir $@)
	@echo "  CC-FUZZ $<"
	@$(CC_FUZZ) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

$(BUILD)/fuzz/%: test/fuzz/%.c $(FUZZ_OBJ) | fuzz-deps
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC_FUZZ) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_OBJ)

deps:
	@boot/deps.sh $(BUILD)

# the real node daemons' Debian packages and their library closure, for the
# VM case that runs them (test/vm/cases/daemons; downloaded, never installed,
# cached in $(BUILD)/debs)
deps-daemons: deps
	@boot/fetch-debs.sh $(BUILD)

# libFuzzer comes with clang; only `make fuzz` needs it
fuzz-deps: deps
	@command -v $(CC_FUZZ) >/dev/null || EXTRA_PKGS=clang boot/deps.sh $(BUILD)

image: all $(GUESTPROG_BIN) | deps
	@mkdir -p $(BUILD)/test/vm
	@images/mkimage.sh $(BUILD)

run: image
	@boot/run.sh $(BUILD)

test-unit: $(UNIT_BIN)
	@test/run-tier unit $(BUILD)
test-host: all image $(BUILD)/san/pact-init $(BUILD)/san/pactctl $(HOSTPROG_BIN)
	@test/run-tier host $(BUILD)
test-vm: image deps-daemons
	@test/run-tier vm $(BUILD)

test: all image deps-daemons $(UNIT_BIN) $(HOSTPROG_BIN) $(BUILD)/san/pact-init $(BUILD)/san/pactctl
	@test/run-all $(BUILD)

bench: image $(BENCH_BIN) $(BENCH_GUEST_BIN)
	@test/bench/run $(BUILD)

# FUZZ_SECONDS each, or FUZZ_RUNS executions each (FUZZ_TARGETS: only these)
fuzz: fuzz-deps $(FUZZ_BIN)
	@FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_TARGETS="$(FUZZ_TARGETS)" test/fuzz/run $(BUILD) $(FUZZ_SECONDS)

MANDIR ?= $(PREFIX)/share/man
install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)/etc/pact/services $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0755 $(BUILD)/pact-init $(DESTDIR)$(PREFIX)/sbin/pact-init
	install -m 0755 $(BUILD)/pactctl $(DESTDIR)$(PREFIX)/bin/pactctl
	install -m 0644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 completion/pactctl.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/pactctl
	install -m 0644 services/node/*.service $(DESTDIR)/etc/pact/services/
	test -e $(DESTDIR)/etc/pact/init.conf || \
		install -m 0644 services/init.conf $(DESTDIR)/etc/pact/init.conf

# the C that follows .clang-format (test_format checks it)
FORMAT_SRC = $(wildcard init/*.c init/*/*.c init/*/*.h include/pact/*.h test/unit/*.c \
	test/unit/*.h test/host/*.c test/host/*.h test/fuzz/*.c test/vm/*.c test/bench/*.c \
	test/bench/guest/*.c)
format:
	clang-format -i $(FORMAT_SRC)
format-list:
	@printf '%s\n' $(FORMAT_SRC)

clean:
	rm -rf $(BUILD)
