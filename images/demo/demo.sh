#!/bin/sh
# The demo node's console program: wait for readiness, show the node, leave.
echo
echo "=== pact-init demo: the node as pactctl sees it ==="
pactctl wait-ready --timeout 60
echo
pactctl status
echo
pactctl services
echo
pactctl metrics | grep -E "^pact_(ready|boot_phase_seconds|scope_pids)" | head -n 12
echo
echo "=== early mounts ==="
grep -E ' (/proc|/sys|/dev|/dev/pts|/dev/shm|/run|/tmp|/sys/fs/cgroup) ' /proc/self/mountinfo | awk '{print $5, $9}'
echo
echo "=== powering off (console_exit = poweroff) ==="
