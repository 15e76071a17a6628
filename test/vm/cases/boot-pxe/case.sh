#!/bin/sh
# The netbooted node: pact-init is PID 1 of the initramfs iPXE loaded,
# both archives arrived (the node image and this case's), the command line
# came from boot.ipxe, and the node is ready.
. /test/tap.sh
is "$(readlink /proc/1/exe)" "/init" "PID 1 is pact-init (/init)"
check "the kernel command line came from boot.ipxe" grep -q "pact.node_id=vm-pxe" /proc/cmdline
check "the node image arrived (pactctl)" test -x /usr/bin/pactctl
check "the case archive arrived after it (iPXE concatenated the initrds)" test -x /test/case.sh
check "the node is ready" pactctl wait-ready --timeout 30
is "$(cat /run/pact/ready)" vm-pxe "the ready file holds the node id"
check "services run" sh -c 'pactctl services | grep -q "bus.service *running"'
done_testing
