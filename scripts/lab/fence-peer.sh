#!/bin/sh
# DRBD's fence-peer handler in the lab (template; @LAB@ is the lab directory). DRBD (drbd-sim)
# runs it when it must not go on without knowing the peer's data is outdated: before promoting
# a node whose peer is unknown, and on a Primary that lost its peer (I/O frozen meanwhile with
# fencing resource-and-stonith). Exit codes as the kernel reads them (drbd.conf(5)):
#   7  the peer was STONITHed: powered off by the fence device, so its disk counts as Outdated
#   1  (anything not 3-7) the handler is broken: DRBD refuses to promote and keeps I/O frozen
peer=${DRBD_PEER:-}
if [ -z "$peer" ]; then
    echo "fence-peer: DRBD_PEER is not set" >&2
    exit 1
fi
if @LAB@/bin/mfsha-lab-fence off "$peer" >&2; then
    echo "fence-peer: $peer (resource ${DRBD_RESOURCE:-?}) powered off by the fence device" >&2
    exit 7
fi
echo "fence-peer: the fence device did not power $peer off" >&2
exit 1
