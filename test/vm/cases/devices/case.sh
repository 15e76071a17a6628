#!/bin/sh
# Drivers by device with no module list (see boot): what coldplug loaded,
# what modprobe.d and modules-load.d said, the device nodes that
# devices.rules shaped, and a NIC and a balloon device plugged in later.
. /test/tap.sh
loaded() { [ -d /sys/module/$1 ]; }
check "coldplug loaded virtio_net for the NIC: eth0 exists" test -e /sys/class/net/eth0
check "... and virtio_rng for the rng device" loaded virtio_rng
check "the blacklisted virtio_console is not loaded" sh -c '! test -d /sys/module/virtio_console'
is "$(cat /sys/module/virtio_net/parameters/napi_tx)" N "virtio_net has modprobe.d's option napi_tx=0"
check "modules-load.d loaded dummy, with numdummies=2 (dummy1 exists)" test -e /sys/class/net/dummy1
check "modules-load= on the kernel command line loaded loop" loaded loop
# device nodes
mode() { stat -c '%a %g' "$1"; }
is "$(mode /dev/hwrng)" "640 15" "/dev/hwrng is 0640, group kmem"
is "$(readlink /dev/hwrng-hw_random)" hwrng "the link hwrng-%k points to it"
is "$(mode /dev/ttyS1)" "660 20" "/dev/ttyS1 is 0660, group dialout (the != rule did not match)"
is "$(mode /dev/ttyS2)" "600 20" "/dev/ttyS2 kept the final MODE:= 0600"
is "$(readlink /dev/serial/port1)" ../ttyS1 "the link serial/port%n is relative"
# hotplug: the host plugs a NIC and a balloon device in on this line
echo HOTPLUG-NOW
check "the balloon device's module is loaded when it appears (kernel log)" \
	/test/bin/kmsgwait -t 60 'devices: loaded virtio_balloon for'
check "virtio_balloon is loaded" loaded virtio_balloon
check "the hot-plugged NIC is eth1 (its driver was in already)" test -e /sys/class/net/eth1
rss=$(awk '/^Rss:/ { print $2 }' /proc/1/smaps_rollup)
echo "# PID 1 Rss after the hotplug: $rss kB"
done_testing
