#!/bin/sh
# A node on a stateless root, stage 1 being pact-init (pact.root=/dev/vda).
. /test/tap.sh
. /test/root-checks.sh
done_testing
