#!/bin/sh
# A hung pact-init gets the machine reset: softdog armed with 5 s, then
# `pactctl debug hang` (allowed: pact.debug) stops the event loop, so
# nobody pets the watchdog and softdog reboots the VM, which ends QEMU.
# The host checks the reset and its timing (host-check); TAP ends before.
. /test/tap.sh
check "PID 1 holds /dev/watchdog open" sh -c 'ls -l /proc/1/fd | grep -q "/dev/watchdog$"'
check "pactctl watchdog: /dev/watchdog, timeout 5 s" sh -c \
	'pactctl --json watchdog | grep -q "\"watchdog\":{\"device\":\"/dev/watchdog\",\"timeout_s\":5}"'
if [ -r /sys/class/watchdog/watchdog0/state ]; then
	is "$(cat /sys/class/watchdog/watchdog0/state)" active "the kernel says the watchdog is active"
	is "$(cat /sys/class/watchdog/watchdog0/timeout)" 5 "with a 5 s timeout"
else
	skip "no watchdog sysfs" "the kernel says the watchdog is active"
fi
check "pact-init answers before the hang" sh -c 'pactctl --json status | grep -q "\"node_id\""'
done_testing
echo "watchdog-test: hanging pact-init at uptime $(cut -d' ' -f1 /proc/uptime)"
# never returns: the VM resets under it (pactctl gives up after 30 s,
# and then the poweroff that follows fails the case through `reject`)
pactctl debug hang
