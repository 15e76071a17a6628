#!/bin/sh
# In the emergency shell of a failed stage 1: still in the initramfs,
# nothing mounted for the root, no readiness, the reason in the kernel log.
. /test/tap.sh
is "$(readlink /proc/1/exe)" "/init" "PID 1 is still pact-init (/init), no panic"
fs=$(awk '$5 == "/" { for (i = 7; $i != "-"; i++); print $(i + 1) }' /proc/self/mountinfo | tail -n1)
check "/ is still the initramfs ($fs)" sh -c "[ $fs = rootfs ] || [ $fs = tmpfs ]"
check "no overlay or squashfs is left mounted" sh -c '! grep -qE " - (overlay|squashfs) " /proc/self/mountinfo'
check "readiness was not signalled" test ! -e /run/pact/ready
check "the reason is in the kernel log" sh -c \
	'dmesg | grep -q "root image pact.root=vda: not a squashfs image"'
check "the node did not start services" sh -c '! dmesg | grep -q "service .*: started"'
done_testing
