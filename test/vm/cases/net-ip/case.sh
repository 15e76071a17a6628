#!/bin/sh
# ip= on the kernel command line (QEMU user networking): the address,
# default route and link state read back from the kernel match, and the
# guest reaches the gateway: QEMU's user-net TFTP server serves a file
# (test/vm/cases/net-ip/tftp/hello.txt) that must arrive intact.
. /test/tap.sh
pactctl net --json >/tmp/net.json
sed 's/^/# /' /tmp/net.json | cut -c1-300
check "pactctl net: eth0 has 10.0.2.15/24" \
	grep -q '{"ifname":"eth0","family":"inet","address":"10.0.2.15","prefix":24}' /tmp/net.json
check "pactctl net: default route via 10.0.2.2 on eth0" \
	grep -q '"family":"inet","dst":"default","gateway":"10.0.2.2","dev":"eth0"' /tmp/net.json
check "pactctl net: eth0 up with carrier" \
	sh -c 'tr "{" "\n" </tmp/net.json | grep "\"ifname\":\"eth0\",\"up\":true,\"carrier\":true"'
# the same from the kernel's own files
is "$(cat /sys/class/net/eth0/operstate)" up "/sys: eth0 operstate up"
is "$(cat /sys/class/net/eth0/carrier)" 1 "/sys: eth0 has carrier"
is "$(awk '$1 == "eth0" && $2 == "00000000" { print $3, $4 }' /proc/net/route)" "0202000A 0003" \
	"/proc/net/route: default via 10.0.2.2 (flags UP|GATEWAY) on eth0"
is "$(awk '$1 == "eth0" && $2 == "0002000A" { print $8 }' /proc/net/route)" "00FFFFFF" \
	"/proc/net/route: 10.0.2.0/24 on eth0"
check "ip addr: inet 10.0.2.15/24 on eth0" sh -c 'ip -4 addr show dev eth0 | grep -q "inet 10.0.2.15/24"'
rm -f /tmp/hello.txt
check "tftp from the gateway 10.0.2.2 succeeds" timeout 30 tftp -g -r hello.txt -l /tmp/hello.txt 10.0.2.2
is "$(cat /tmp/hello.txt 2>/dev/null)" "pact-init net-ip test: fetched from the QEMU user-net gateway over TFTP" \
	"the fetched file has the expected content"
done_testing
