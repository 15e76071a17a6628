# TAP for the host tier's network scripts (test/host/dhcp-*.sh), sourced
# after netns.sh and dnsmasq.sh:
#   res STATUS DESCRIPTION      ok/not ok from an exit status
#   check DESCRIPTION CMD...    ok when CMD succeeds; its output as comments
#   scenarios TAG GROUP... -- "$@"
#                               the script's main: with arguments, run the
#                               functions scenario_ARG in a test network
#                               (net_up TAG); without, every GROUP ("a b")
#                               as `bash $0 a b`, beside each other, each in
#                               a test network of its own (the slow ones
#                               wait on a server's timers, not on the CPU),
#                               then their TAP in order and the plan. Skips,
#                               saying why, where the machine cannot.
res() { # STATUS DESCRIPTION
	if [ "$1" -eq 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi
}
check() { # DESCRIPTION COMMAND...
	local d=$1 out
	shift
	out=$("$@" 2>&1)
	res $? "$d" || true
	[ -z "$out" ] || echo "$out" | head -n 5 | sed 's/^/#   /'
}

scenarios() { # TAG GROUP... -- ARG...
	local tag=$1 groups=() s
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		groups+=("$1")
		shift
	done
	shift
	if [ $# -eq 0 ]; then
		run_groups "${groups[@]}"
		return
	fi
	net_up "$tag"
	for s in "$@"; do
		if declare -F "scenario_$s" >/dev/null; then
			"scenario_$s"
		else
			echo "not ok - unknown scenario $s"
		fi
	done
}

run_groups() { # GROUP...
	local why out i pids=()
	if ! why=$(net_check); then
		echo "1..0 # SKIP this machine cannot build the test network: $why"
		return 0
	fi
	command -v dnsmasq >/dev/null ||
		{ echo "1..0 # SKIP no dnsmasq (make deps installs dnsmasq-base)"; return 0; }
	out=$(mktemp -d)
	i=0
	for g in "$@"; do
		# shellcheck disable=SC2086 # a group is words
		bash "$0" $g >"$out/$i" 2>&1 &
		pids+=($!)
		i=$((i + 1))
	done
	wait "${pids[@]}"
	cat $(seq -f "$out/%g" 0 $((i - 1))) | tee "$out/all"
	echo "1..$(grep -cE '^(not )?ok ' "$out/all")"
	rm -rf "$out"
}
