#!/bin/sh
# fk.service, fk2.service: ignore SIGTERM; note SIGQUIT in /run/NAME-quit
# and exit, or ignore it too (ignore-quit)
trap '' TERM
if [ "$2" = ignore-quit ]; then
	trap '' QUIT
else
	trap 'echo got-QUIT >/run/$1-quit; exit 7' QUIT
fi
pactctl notify --ready
while :; do
	/bin/busybox sleep 1000 &
	wait $!
done
