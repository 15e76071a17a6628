#!/bin/sh
# Not run: this case boots the demo image through `make run`'s script
# (see boot); its TAP comes from the host-side driver (test/vm/ptydrive).
