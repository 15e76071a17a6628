#!/bin/sh
# The watchdog is petted throughout boot: with a 2 s softdog, a network
# phase that waits 4 s (for a device that never appears) does not reset
# the node, because the phase waits in a child while the event loop goes
# on petting; nor does the emergency state that follows.
. /test/tap.sh
check "PID 1 holds /dev/watchdog open" sh -c 'ls -l /proc/1/fd | grep -q "/dev/watchdog$"'
check "pactctl watchdog: timeout 2 s" sh -c 'pactctl --json watchdog | grep -q "\"timeout_s\":2}"'
check "boot failed in ConfigureNetwork after waiting 4 s for nosuch0" sh -c \
	'dmesg | grep -q "boot failed in phase ConfigureNetwork (ConfigureNetwork: network: nosuch0: no such network device (waited 4000 ms))"'
d=$(pactctl --json status | tr '{' '\n' | sed -n 's/^"name":"ConfigureNetwork","state":"failed","start_ms":[0-9]*,"duration_ms":\([0-9]*\).*/\1/p')
check "the phase lasted over 2 watchdog timeouts ($d ms)" test "${d:-0}" -ge 4000
# the emergency state lasts too: still alive a full timeout later
check "the node is alive in the emergency state (kernel log wait, 3 s)" sh -c \
	'! /test/bin/kmsgwait -t 3 "softdog: Initiating system reboot"'
check "pact-init still answers" sh -c 'pactctl --json status | grep -q "\"node_id\""'
done_testing
