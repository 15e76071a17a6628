#!/bin/sh
# The README's pactctl table, word for word (test/readme-cmds, made from
# README.md by `prepare`): every verb it names has `VERB --help`, and every
# command runs as written with its placeholders filled in (UNIT: time-sync),
# but those that end the node, hang it or need a workload (`reboot`, `debug
# hang`, `handoff`, `kill SCOPE` ...), which show their --help only. Then
# what an admin sees on an 80-column serial console, through a pty
# (/test/bin/ptyrun): the services table fits, keeps NAME STATE READY
# RESTARTS WHY, and the vendor unit's reason (the "|" prefix) stays in view;
# status UNIT fits too, with its tasks and its log lines.
. /test/tap.sh
pactctl wait-ready --timeout 60 >/dev/null
ok $? "the node is ready"

# only --help for these: they end, hang or freeze the node, or need what
# this node does not have (an allocation, an image, a workload scope)
help_only=" reboot poweroff halt debug handoff force-unmount emergency freeze thaw kill notify verify "
n=0
while read -r line; do
	n=$((n + 1))
	verb=${line%% *}
	pactctl "$verb" --help >/tmp/help.out 2>&1
	ok $? "README: pactctl $verb --help"
	case $help_only in *" $verb "*) continue ;; esac
	# the command as written, its optional parts dropped, UNIT filled in
	cmd=$(echo "$line" | sed -e 's/\[[^]]*\]//g' -e 's/UNIT…/time-sync/g; s/UNIT/time-sync/g' -e 's/  */ /g; s/ $//')
	want=0
	[ "$verb" = is-failed ] && want=1 # time-sync has not failed
	# shellcheck disable=SC2086
	pactctl $cmd >/tmp/cmd.out 2>&1
	r=$?
	# start, stop and restart say nothing when they succeed, as systemctl
	said=0
	case $verb in start | stop | restart) ;; *) [ -s /tmp/cmd.out ] || said=1 ;; esac
	[ "$r" = "$want" ] && [ "$said" = 0 ]; ok $? "README: pactctl $cmd (exit $r, want $want)"
	[ "$r" = "$want" ] || sed 's/^/#   /' /tmp/cmd.out | head -n 5
	[ "$verb" = reexec ] && pactctl wait-ready --timeout 30 >/dev/null
done </test/readme-cmds
[ "$n" -ge 30 ]; ok $? "the README's table has $n commands"

# an 80-column terminal
/test/bin/ptyrun 80 pactctl services | tr -d '\r' >/tmp/table
ok $? "pactctl services on an 80-column pty"
sed 's/^/# /' /tmp/table
# columns, not bytes: '…' is three bytes and one column
wide=$(sed 's/…/./g' /tmp/table | awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }')
[ "$wide" -le 80 ]; ok $? "every line fits 80 columns (widest $wide)"
head -n 1 /tmp/table | grep -q 'NAME.*STATE.*READY.*WHY'; ok $? "NAME STATE READY ... WHY kept"
grep -q 'vendor-chrony.*load-error.*\(login shell\|is not supported\|prefix\)' /tmp/table
ok $? "the vendor unit's reason is visible: the \"|\" prefix is not supported"
grep -q '…' /tmp/table; ok $? "cut cells are marked with …"
/test/bin/ptyrun 80 pactctl status vendor-chrony | tr -d '\r' >/tmp/unit
grep -q 'prefix "|" (login shell) is not supported' /tmp/unit
ok $? "status vendor-chrony shows the whole reason"
/test/bin/ptyrun 80 pactctl status time-sync | tr -d '\r' >/tmp/unit
sed 's/^/# /' /tmp/unit
wide=$(sed 's/…/./g' /tmp/unit | awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }')
[ "$wide" -le 80 ]; ok $? "status time-sync fits 80 columns, its log lines too (widest $wide)"
grep -qE '^ +Tasks: [1-9]' /tmp/unit; ok $? "status time-sync shows its tasks"
grep -qE '^  20[0-9-]+ [0-9:]{8} ' /tmp/unit; ok $? "... and its log lines with their time"
/test/bin/ptyrun 80 pactctl --full services | tr -d '\r' >/tmp/full
! grep -q '…' /tmp/full; ok $? "--full cuts nothing"
# docs/upgrade.md: a new binary renamed over the running one, then reexec
pid=$(pactctl --json services | tr '{' '\n' | sed -n 's/^"name":"time-sync.service","state":"running","pid":\([0-9]*\).*/\1/p')
exe=$(readlink /proc/1/exe)
cp "$exe" "$exe.new" && chmod 0755 "$exe.new" && mv "$exe.new" "$exe"
ok $? "upgrade: a copy renamed over the running $exe"
check "upgrade: pactctl reexec" pactctl reexec
check "upgrade: ready again" pactctl wait-ready --timeout 60
pactctl status | grep -q '^version: '; ok $? "upgrade: status names the running version"
is "$(pactctl --json services | tr '{' '\n' | sed -n 's/^"name":"time-sync.service","state":"running","pid":\([0-9]*\).*/\1/p')" "$pid" \
	"upgrade: time-sync kept its pid ($pid)"
done_testing
