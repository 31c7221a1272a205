#!/bin/sh
# Heartbeat's STONITH plugin for the lab's fence device (template; @LAB@ is filled in). A
# cluster-glue "external" plugin: heartbeat v1 configures it with
#   stonith_host * external/mfsha-lab mfs-master,mfs-bak
# and calls "reset NODE" before it takes over the resources of a node it declared dead (only
# the node that takes resources over shoots). "reset" powers the box off; it stays off until
# it is booted (scripts/lab.sh power on NODE), so a fenced node cannot come back by itself.
#
# A cut link makes both nodes declare each other dead and shoot at the same moment; if both
# requests reach the switch, both boxes go off and nobody serves. So the node that does not
# hold DRBD Primary waits @DELAY@ s before it shoots (Pacemaker's priority-fencing-delay does
# the same for the node that runs the resources): when the Primary shoots it meanwhile, the
# waiting request dies with its box. A target already off is shot at once (a crashed box).
delay_unless_primary() {
    "@LAB@/bin/mfsha-lab-fence" status "$1" 2>/dev/null | grep -qx 'ok off' && return 0
    case $(DRBD_SIM_DIR=@SIM@ timeout 5 "@LAB@/bin/drbdadm" role r0 2>/dev/null) in
    Primary*) ;; # "Primary/Secondary" (8.4) or "Primary" (9)
    *) sleep @DELAY@ ;;
    esac
}
case $1 in
gethosts) echo "$hostlist" | tr ',' '\n' ;;
reset | off)
    delay_unless_primary "$2"
    exec @LAB@/bin/mfsha-lab-fence off "$2"
    ;;
on) exec @LAB@/bin/mfsha-lab-fence on "$2" ;;
status) @LAB@/bin/mfsha-lab-fence status mfs-master >/dev/null ;;
getconfignames) echo hostlist ;;
getinfo-devid) echo "mfs-ha lab power switch" ;;
getinfo-devname) echo "mfs-ha lab power switch (@LAB@/fence.sock)" ;;
getinfo-devdescr) echo "Powers a lab node's box off from outside, as an IPMI card or a PDU does" ;;
getinfo-devurl) echo "docs/lab.md" ;;
getinfo-xml)
    echo '<parameters><parameter name="hostlist" unique="1" required="1"><content type="string"/><shortdesc lang="en">Nodes this switch powers, comma-separated</shortdesc></parameter></parameters>'
    ;;
*) exit 1 ;;
esac
