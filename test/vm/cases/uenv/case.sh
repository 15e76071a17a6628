#!/bin/sh
# uenv mounts on the booted node (issue 4), driven the way a workload
# manager drives them: through handoff requests with a uenv image.
# Refcounts per allocation (WI2), a hold timer at zero, reuse inside the
# hold (same loop device, no remount), expiry (unmounted, loop device
# freed), force-unmount only in an emergency (RI3, WI3), and clear errors.
. /test/tap.sh
pactctl wait-ready --timeout 60 >/dev/null
IMG=/images/tools.sqfs
field() { pactctl --json mounts | tr '{' '\n' | grep "\"image_path\":\"$1\"" | sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" | tr -d '"'; }
mounted() { grep -c " /run/pact/uenv/tools " /proc/self/mountinfo; }
req() { pactctl handoff request "$1" --mnt --uenv "$2" >/tmp/req.out 2>&1; }

# the boot left loop and squashfs to the first mount (off the path to readiness)
check "squashfs not loaded at readiness" test ! -e /sys/module/squashfs
check "allocation a1 with $IMG" req a1 "$IMG"
check "its mount worker loaded squashfs" test -e /sys/module/squashfs
check "allocation a2 with the same image" req a2 "$IMG"
is "$(mounted)" 1 "one mount for two allocations"
is "$(field $IMG refcount)" 2 "refcount 2"
loop1=$(field $IMG loop)
check "the image's files are there" grep -q "tools v1" /run/pact/uenv/tools/VERSION
check "a1 ends" pactctl handoff end a1
is "$(field $IMG refcount)" 1 "refcount 1"
check "a2 ends" pactctl handoff end a2
is "$(field $IMG refcount)" 0 "refcount 0"
hold=$(field $IMG hold_remaining_ms)
[ "$hold" != null ] && [ "$hold" -gt 0 ]; ok $? "the hold timer runs ($hold ms left)"
check "a3 inside the hold" req a3 "$IMG"
is "$(field $IMG loop)" "$loop1" "the same loop device ($loop1)"
is "$(mounted)" 1 "no second mount"
is "$(field $IMG hold_remaining_ms)" null "the hold timer is cancelled"
check "a3 ends" pactctl handoff end a3
check "the hold expires and the image is unmounted" \
	/test/bin/kmsgwait -t 20 "uenv: unmounted /images/tools.sqfs"
is "$(mounted)" 0 "no mount left"
check "the loop device is freed" sh -c "! grep -qs tools.sqfs /sys/block/$loop1/loop/backing_file"

# two images with the same basename do not collide
check "b1 with /images/other/tools.sqfs" req b1 /images/other/tools.sqfs
check "b2 with /images/tools.sqfs" req b2 "$IMG"
n=$(grep -c " /run/pact/uenv/tools" /proc/self/mountinfo)
is "$n" 2 "two mounts, two mount points"

# force-unmount: emergency only
pactctl force-unmount "$IMG" >/dev/null 2>&1; is $? 1 "force-unmount refused outside an emergency"
is "$(field $IMG refcount)" 1 "and nothing changed"
mp=$(field $IMG mount_point)
check "emergency declared" pactctl emergency on --reason "uenv test"
check "force-unmount in the emergency" pactctl force-unmount "$IMG"
check "unmounted at once ($mp)" sh -c "! grep -q ' $mp ' /proc/self/mountinfo"
check "the other image's mount is untouched" grep -q " /run/pact/uenv/tools " /proc/self/mountinfo
check "emergency ended" pactctl emergency off
check "b2 ends without harm after the force-unmount" pactctl handoff end b2
check "b1 ends" pactctl handoff end b1

# clear errors, nothing left behind
loops() { ls /sys/block | grep -c '^loop' ; }
before=$(grep -c squashfs /proc/self/mountinfo)
for bad in /images/bad.sqfs /images/missing.sqfs /etc/passwd /images/../images/tools.sqfs /images; do
	pactctl handoff request bad1 --mnt --uenv "$bad" >/tmp/bad.out 2>&1
	r=$?
	[ $r -ne 0 ] && grep -q "$bad\|InvalidRequest\|CreationFailed" /tmp/bad.out; ok $? "refused: $bad ($(head -c 150 /tmp/bad.out))"
done
is "$(grep -c squashfs /proc/self/mountinfo)" "$before" "no mount left behind by refused requests"
done_testing
