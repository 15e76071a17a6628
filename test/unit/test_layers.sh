#!/bin/bash
# Unit tier: the layering check (test/layers.sh) passes on init/, and on
# small fixture trees it catches what it exists to catch: an include from a
# layer above, from a sibling layer, into pactctl/ or from it, an include
# that names no folder, and modules that include each other directly or
# around a circle. The real tree is never edited.
#   test/unit/test_layers.sh [REPO]   REPO: the checkout (default: cwd)
set -uo pipefail
repo=${1:-.}
check="$repo/test/layers.sh"
. "$repo/test/unit/tap-lib.sh"
fix=$(mktemp -d /tmp/pact-unit-layers-XXXXXX)
trap 'rm -rf "$fix"' EXIT

# A fixture tree: each argument is FILE[:INCLUDE,INCLUDE...] under a fresh
# root; headers named by an include are created (empty) when missing, but
# for the contract's (pact/...), which lives outside the tree.
tree() {
	local t="$fix/t$n" spec file incs inc
	rm -rf "$t"
	mkdir -p "$t"
	for spec in "$@"; do
		file=${spec%%:*}
		incs=${spec#"$file"}
		incs=${incs#:}
		mkdir -p "$t/$(dirname "$file")"
		: >"$t/$file"
		for inc in ${incs//,/ }; do
			echo "#include \"$inc\"" >>"$t/$file"
			[ "${inc#pact/}" != "$inc" ] && continue
			mkdir -p "$t/$(dirname "$inc")"
			[ -e "$t/$inc" ] || : >"$t/$inc"
		done
	done
	echo "$t"
}

passes() { # name tree...
	local name=$1 out
	shift
	out=$(bash "$check" "$(tree "$@")" 2>&1)
	if [ $? -eq 0 ]; then result ok "$name"; else result not "$name" "$out"; fi
}

caught() { # name expected-text tree...
	local name=$1 want=$2 out rc
	shift 2
	out=$(bash "$check" "$(tree "$@")" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && grep -qF -- "$want" <<<"$out"; then
		result ok "$name"
	else
		result not "$name (exit $rc, want \"$want\")" "$out"
	fi
}

out=$(bash "$check" "$repo/init" 2>&1)
if [ $? -eq 0 ]; then result ok "init/ is layered"; else result not "init/ is layered" "$out"; fi

passes "a fixture that keeps the rules passes" \
	lib/log.c:lib/log.h os/cgroup.c:os/cgroup.h,os/cgroup_int.h,lib/log.h \
	os/cgroup_int.h:os/cgroup.h os/cgroup_kill.c:os/cgroup_int.h \
	node/boot.c:node/boot.h,node/power.h,os/cgroup.h node/power.c:node/power.h \
	ctl/status.c:node/boot.h,supervise/supervise.h handoff/alloc.c:node/boot.h,pact/handoff.h \
	pactctl/main.c:lib/log.h,os/cgroup.h,pactctl/pactctl.h main.c:ctl/status.h,handoff/alloc.h

caught "an include from a layer above is caught" 'lib/log.c: #include "node/boot.h": lib/ may not include from node/' \
	lib/log.c:lib/log.h,node/boot.h node/boot.c:node/boot.h
caught "an include from a sibling layer is caught" 'supervise/svc.c: #include "handoff/alloc.h"' \
	supervise/svc.c:handoff/alloc.h
caught "the daemon including pactctl/ is caught" 'main.c: #include "pactctl/pactctl.h"' \
	main.c:pactctl/pactctl.h
caught "pactctl/ including the node layer is caught" 'pactctl/main.c: #include "node/boot.h"' \
	pactctl/main.c:node/boot.h
caught "an include that names no folder is caught" 'names no folder' \
	node/boot.c:boot.h
caught "a folder that is no layer is caught" 'folder misc/ is no layer' \
	misc/x.c:lib/log.h
caught "two modules including each other are caught" 'a circle' \
	node/boot.c:node/power.h node/power.c:node/boot.h
caught "a circle of three modules is caught, naming them" 'node/console' \
	node/boot.c:node/console.h node/console.c:node/power.h node/power.h:node/boot.h

tap_end
