#!/bin/bash
# The layering of init/ (README.md: Layout), checked over the #include lines:
#   lib < proto < os < units < node < supervise, handoff < ctl < main.c
# and pactctl/ apart (it may use lib, proto, os and units; nothing uses it).
# A file may include headers of its own folder and of the layers below it;
# every include of an init header names its folder ("node/boot.h"); and no
# two modules include each other, directly or around a circle. A module is
# a .c with its .h, and X_int.h (X's declarations for its own satellite
# files, e.g. os/cgroup_int.h) belongs to X. include/pact/ (the contract)
# is open to everyone.
#   test/layers.sh [ROOT]   ROOT: the tree to check (default init)
# Prints one line per offence and exits 1 if there is any.
set -uo pipefail
root=${1:-init}

rank() {
	case $1 in
	lib) echo 0 ;; proto) echo 1 ;; os) echo 2 ;; units) echo 3 ;; node) echo 4 ;;
	supervise | handoff) echo 5 ;; ctl) echo 6 ;; .) echo 7 ;; *) echo - ;;
	esac
}

# may a file in folder $1 include a header of folder $2?
allowed() {
	local from=$1 to=$2
	[ "$from" = "$to" ] && return 0
	if [ "$from" = pactctl ]; then
		case $to in lib | proto | os | units) return 0 ;; *) return 1 ;; esac
	fi
	local rf rt
	rf=$(rank "$from") rt=$(rank "$to")
	[ "$rf" != - ] && [ "$rt" != - ] && [ "$rt" -lt "$rf" ]
}

bad=0
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
say() {
	echo "layers: $*"
	bad=1
}

cd "$root" || exit 2
for f in *.c */*.c */*.h; do
	[ -f "$f" ] || continue
	dir=$(dirname "$f")
	[ "$dir" != . ] && [ "$(rank "$dir")" = - ] && [ "$dir" != pactctl ] &&
		say "$f: folder $dir/ is no layer"
	while read -r inc; do
		case $inc in
		pact/*) continue ;;
		*/*) ;;
		*)
			say "$f: #include \"$inc\" names no folder (\"layer/$inc\")"
			continue
			;;
		esac
		if [ ! -f "$inc" ]; then
			say "$f: #include \"$inc\": no such header under $root/"
			continue
		fi
		to=${inc%%/*}
		allowed "$dir" "$to" || say "$f: #include \"$inc\": $dir/ may not include from $to/"
		from=${f%.*} from=${from%_int} to=${inc%.*} to=${to%_int}
		[ "$from" != "$to" ] && echo "$from $to" >>"$edges"
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done

# circles of modules: tsort names the members of each, one after the other
while read -r circle; do
	say "modules that include each other (a circle): $circle"
done < <(tsort "$edges" 2>&1 >/dev/null | awk '
	/input contains a loop/ { if (c != "") print c; c = ""; next }
	/^tsort: / { sub(/^tsort: /, ""); c = c == "" ? $0 : c " -> " $0 }
	END { if (c != "") print c }')
exit $bad
