#!/bin/sh
# Unit files: unknown sections and keys are warnings (file:line) and the
# unit runs; a syntax error or a bad value fails that unit alone, with
# file:line in its "why"; the others run and the boot goes on. A missing
# program and a failing ExecStartPre fail their unit with the reason.
. /test/tap.sh
. /test/svc.sh
f=/etc/pact/case-services
check "warning for the unknown key in [Unit], with file:line" \
	kmsg_has "warning: unit: $f/odd\\.service:4: unknown key FrobnicateLevel="
check "warning for the unknown section, with file:line" \
	kmsg_has "warning: unit: $f/odd\\.service:6: unknown section \\[Frobnicator\\]"
check "warning for the unknown key in [Service], with file:line" \
	kmsg_has "warning: unit: $f/odd\\.service:11: unknown key NoSuchKey="
dmesg | grep 'odd.service' | sed 's/^/# /'
is "$(svc_get odd state)" running "odd (unknown keys) runs"

is "$(svc_get broken state)" load-error "broken has a load error"
w=$(svc_get broken why)
echo "# broken: $w"
case "$w" in *"$f/broken.service:5: "*) r=0 ;; *) r=1 ;; esac
ok $r "broken's why has file:line"
check "the error is logged" kmsg_has "error: unit: $f/broken\\.service:5: "
is "$(svc_get broken pid)" "" "broken never ran"
w=$(svc_get badval why)
echo "# badval: $w"
is "$(svc_get badval state)" load-error "badval has a load error"
case "$w" in *"$f/badval.service:4: "*sometimes*) r=0 ;; *) r=1 ;; esac
ok $r "badval's why has file:line and the value"
is "$(svc_get fine state)" running "fine runs"
is "$(svc_get noexec state)" failed "noexec (missing program) failed"
is "$(svc_get noexec why)" "cannot start /no/such/program: No such file or directory" \
	"noexec's why has the exec errno"
is "$(svc_get prefail state)" failed "prefail (ExecStartPre=/bin/false) failed"
is "$(svc_get prefail why)" "ExecStartPre /bin/false exited with status 1" "prefail's why names the command"
check "prefail's ExecStart never ran" sh -c "! dmesg | grep -q 'service prefail.service: started'"
check "boot went on: the node is ready" test -e /run/pact/ready
check "the load summary counts 2 errors and 3 warnings" \
	kmsg_has "services: 6 loaded from $f \\(2 errors, 3 warnings\\)"
done_testing
