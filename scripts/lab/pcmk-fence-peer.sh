#!/bin/sh
# DRBD's fence-peer handler for Pacemaker, constraint-based as crm-fence-peer.sh is
# (docs/pacemaker.md, "Fencing"):
#   pcmk-fence-peer.sh fence   RSC   (drbd.conf: handlers { fence-peer ...; })
#       puts a -INFINITY location constraint on the promoted role of RSC (the promotable DRBD
#       clone) everywhere but this node: the outdated peer cannot be promoted by Pacemaker.
#       Exit 4 ("peer outdated") when the constraint is in the CIB, 1 when it could not be placed
#       (DRBD then refuses to promote and keeps I/O frozen).
#   pcmk-fence-peer.sh unfence RSC   (handlers { after-resync-target ...; })
#       removes that constraint once this node's resync made it UpToDate again.
# The constraint id is drbd-fence-by-handler-$DRBD_RESOURCE-RSC. This node is `uname -n`
# (PCMK_NODE overrides). Every cibadmin call has a deadline (CIB_TIMEOUT seconds, default 30).
set -u
what=${1:-}
rsc=${2:-}
res=${DRBD_RESOURCE:-}
node=${PCMK_NODE:-$(uname -n)}
deadline=${CIB_TIMEOUT:-30}
log() { echo "pcmk-fence-peer: $*" >&2; }
case $what in fence | unfence) ;; *)
    log "usage: pcmk-fence-peer.sh fence|unfence RSC (got '$what')"
    exit 1
    ;;
esac
if [ -z "$rsc" ] || [ -z "$res" ]; then
    log "the promotable resource (argument 2) and DRBD_RESOURCE must be set"
    exit 1
fi
case "$rsc$res$node" in *[!A-Za-z0-9_.:-]*)
    log "resource or node name with characters other than letters, digits, '_', '.', ':', '-': refused"
    exit 1
    ;;
esac
id="drbd-fence-by-handler-$res-$rsc"
if [ "$what" = fence ]; then
    xml="<rsc_location rsc=\"$rsc\" id=\"$id\"><rule role=\"Promoted\" score=\"-INFINITY\" id=\"$id-rule\"><expression attribute=\"#uname\" operation=\"ne\" value=\"$node\" id=\"$id-expr\"/></rule></rsc_location>"
    # --modify with --allow-create: placing it twice (both fence-peer calls of a flapping link)
    # leaves one constraint.
    if timeout "$deadline" cibadmin --modify --allow-create --scope constraints --xml-text "$xml"; then
        log "$id placed: $rsc may be promoted only on $node"
        exit 4
    fi
    log "could not place $id in the CIB"
    exit 1
fi
if ! timeout "$deadline" cibadmin --query --scope constraints --xpath "//rsc_location[@id='$id']" >/dev/null 2>&1; then
    log "$id is not in the CIB: nothing to remove"
    exit 0
fi
if timeout "$deadline" cibadmin --delete --scope constraints --xml-text "<rsc_location id=\"$id\"/>"; then
    log "$id removed"
    exit 0
fi
log "could not remove $id from the CIB"
exit 1
