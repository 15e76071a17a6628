#!/bin/bash
# Host tier: the bash completion (completion/pactctl.bash) offers pactctl's
# verbs from the binary's own table, unit names from the daemon for the
# verbs that take a unit, and logs' options and their values. The daemon
# is stood in for by a wrapper that answers `--json services` with two
# units; everything else goes to the real (sanitized) pactctl.
set -uo pipefail
BUILD=${BUILD:-build}
ctl="$(pwd)/$BUILD/san/pactctl"
. test/unit/tap-lib.sh
tmp=$(mktemp -d /tmp/pact-host-completion-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/pactctl" <<STUB
#!/bin/bash
for a in "\$@"; do
	[ "\$a" = services ] && { echo '[{"name":"chronyd.service","state":"running"},{"name":"cxi_rh@0.service","state":"failed"}]'; exit 0; }
done
exec "$ctl" "\$@"
STUB
chmod +x "$tmp/pactctl"
export PACTCTL="$tmp/pactctl"
# shellcheck disable=SC1091
. completion/pactctl.bash

complete_line() { # WORDS... (the last one is being completed)
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_pactctl
	[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}

got=$(complete_line pactctl "")
want=$("$ctl" --list-verbs | sort | tr '\n' ' ')
[ "$got" = "$want" ] && result ok "every verb is offered ($(wc -w <<<"$got"))" ||
	result not "every verb is offered" "got: $got"
got=$(complete_line pactctl is-)
[ "$got" = "is-active is-enabled is-failed " ] && result ok "a prefix narrows them: $got" ||
	result not "a prefix narrows them" "got: $got"
got=$(complete_line pactctl enable --)
[ "$got" = "--now --runtime " ] && result ok "enable offers its options: $got" ||
	result not "enable offers its options" "got: $got"
got=$(complete_line pactctl --json restart "")
[ "$got" = "chronyd cxi_rh@0 " ] && result ok "restart offers the daemon's units: $got" ||
	result not "restart offers the daemon's units" "got: $got"
got=$(complete_line pactctl logs ch)
[ "$got" = "chronyd " ] && result ok "logs ch offers chronyd" || result not "logs ch offers chronyd" "got: $got"
got=$(complete_line pactctl logs chronyd -o "")
[ "$got" = "cat json short " ] && result ok "logs -o offers its outputs: $got" ||
	result not "logs -o offers its outputs" "got: $got"
got=$(complete_line pactctl logs chronyd --si)
[ "$got" = "--since " ] && result ok "logs --si offers --since" ||
	result not "logs --si offers --since" "got: $got"
got=$(complete_line pactctl logs --since to)
[ "$got" = "today " ] && result ok "--since to offers today" ||
	result not "--since to offers today" "got: $got"
got=$(complete_line pactctl metrics "")
[ -z "$got" ] && result ok "a verb without units offers none" ||
	result not "a verb without units offers none" "got: $got"
got=$(complete_line pactctl --j)
[ "$got" = "--json " ] && result ok "options complete" || result not "options complete" "got: $got"
tap_end
