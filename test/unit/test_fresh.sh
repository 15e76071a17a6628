#!/bin/bash
# Unit tier: every `make` target the README and docs/ name works as the
# first command on a fresh machine. `make -n TARGET` with an empty build
# directory (what a fresh clone has) must exist and must run boot/deps.sh,
# which installs the compilers and tools, before the first command that
# needs one of them: a compiler, or a script that builds images, boots
# QEMU or runs tests. Nothing is built or installed here.
#   test/unit/test_fresh.sh [REPO]   REPO: the checkout (default: cwd)
set -uo pipefail
repo=${1:-.}
cd "$repo" || exit 1
# a make that runs this test must not pass its jobserver or flags on
unset MAKEFLAGS MFLAGS MAKELEVEL
. test/unit/tap-lib.sh
clean=$(mktemp -d /tmp/pact-unit-fresh-XXXXXX)
trap 'rm -rf "$clean"' EXIT


# the commands that need what boot/deps.sh installs: compilers, and the
# scripts that assemble images, boot QEMU or run the tiers
needs_deps='^(musl-gcc|gcc|cc|clang|images/mkimage\.sh|boot/run\.sh|boot/qemu\.sh|test/run-all|test/run-tier|test/bench/run|test/fuzz/run|install) '

targets=$(grep -ohE '`make [a-z][a-z-]*( |`)' README.md docs/*.md | sed -E 's/^`make ([a-z-]+).*/\1/' |
	sort -u)
# and `make` alone, the README's first build command
for t in all $targets; do
	out=$(make -n -C . BUILD="$clean" "$t" 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ]; then
		result not "make -n $t: the target exists" "$(tail -n 3 <<<"$out")"
		continue
	fi
	deps_at=$(grep -nE '(^|[ |])boot/deps\.sh ' <<<"$out" | head -n 1 | cut -d: -f1)
	tool_at=$(grep -nE "$needs_deps" <<<"$out" | head -n 1 | cut -d: -f1)
	if [ -z "$tool_at" ]; then
		result ok "make -n $t: needs nothing that boot/deps.sh installs"
	elif [ -n "$deps_at" ] && [ "$deps_at" -lt "$tool_at" ]; then
		result ok "make -n $t: boot/deps.sh (line $deps_at) before the first tool (line $tool_at)"
	else
		result not "make -n $t: boot/deps.sh before the first tool" \
			"first tool at line $tool_at: $(sed -n "${tool_at}p" <<<"$out" | cut -c1-100); deps.sh at '${deps_at:-never}'"
	fi
done
# `make` alone (the README's first build command) builds the binaries
out=$(make -n -C . BUILD="$clean" 2>&1)
if grep -qE "^musl-gcc .* -o $clean/pactctl " <<<"$out" && grep -qE "^musl-gcc .* -o $clean/pact-init " <<<"$out"; then
	result ok "make with no target builds pact-init and pactctl"
else
	result not "make with no target builds pact-init and pactctl" "$(head -n 5 <<<"$out")"
fi
# the check can fail: a rule without the order-only deps is caught
cat >"$clean/Makefile.bad" <<'EOF'
all: x.o
x.o: x.c
	gcc -c -o $@ $<
deps:
	boot/deps.sh build
EOF
: >"$clean/x.c"
bad=$(make -n -C "$clean" -f Makefile.bad all 2>&1)
if grep -qE "$needs_deps" <<<"$bad" && ! grep -q 'boot/deps.sh' <<<"$bad"; then
	result ok "a rule that compiles without deps is seen as such"
else
	result not "a rule that compiles without deps is seen as such" "$bad"
fi
tap_end
