#!/bin/sh
# A dependency cycle (x Requires y, y After x) is reported by naming its
# members; they do not start, nor does what requires them; the rest runs.
. /test/tap.sh
. /test/svc.sh
check "the cycle is logged naming x and y" \
	kmsg_has 'dependency cycle: .*(x\.service.*y\.service|y\.service.*x\.service)'
dmesg | grep 'dependency cycle' | sed 's/^/# /'
for n in x y; do
	is "$(svc_get $n state)" failed "$n (in the cycle) failed"
	is "$(svc_get $n pid)" "" "$n has no pid"
	check "$n's why names the cycle and both members" sh -c \
		"why=\"\$(. /test/svc.sh; svc_get $n why)\"; echo \"\$why\"; echo \"\$why\" | grep -q cycle && echo \"\$why\" | grep -q x.service && echo \"\$why\" | grep -q y.service"
	check "$n was never started" sh -c "! dmesg | grep -q 'service $n.service: started'"
	check "$n has no scope" sh -c "! ls -d $CG/pact.slice/*/$n.scope"
done
is "$(svc_get w state)" failed "w (Requires=x) failed"
echo "# w: $(svc_get w why)"
check "w was never started" sh -c "! dmesg | grep -q 'service w.service: started'"
is "$(svc_get z state)" running "z (independent) runs"
check "boot went on: the node is ready" test -e /run/pact/ready
done_testing
