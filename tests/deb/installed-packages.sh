#!/usr/bin/env bash
# The built Debian packages on this machine, without touching it: run inside
#   unshare --mount --net --propagation private bash tests/deb/installed-packages.sh V1DIR V2DIR SCRATCH
# (tests/tests/debian_packages.rs does). /etc, /usr, /var and /run get overlays whose upper
# layers live on a tmpfs at SCRATCH: dpkg, the agents and the maintainer scripts change only
# those, and everything vanishes with the namespace, so tests running in parallel keep seeing
# the host's own heartbeat IPaddr, dpkg database and /usr/lib. The network namespace is empty:
# the virtual IP goes on a veth pair made here.
#
# V1DIR holds mfs-ha_*.deb and mfs-ha-ipaddr_*.deb, V2DIR the same built with a higher version
# (the upgrade). Prints "ok: ..." per check; the first failure prints "FAIL: ..." and exits 1.
set -euo pipefail

v1=$1 v2=$2 scratch=$3
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
ok() { echo "ok: $*"; }
# grep -q in a pipeline would stop reading at the first match: the writer then dies of SIGPIPE
# (or EPIPE where SIGPIPE is ignored, as under cargo test) and pipefail fails the check.
has() { grep "$@" >/dev/null; }

[ "$(id -u)" -eq 0 ] || fail "run as root"
[ -n "$(ls "$v1"/mfs-ha_*.deb 2>/dev/null)" ] || fail "no mfs-ha_*.deb in $v1"

# --- a private root ----------------------------------------------------------------------
mount -t tmpfs -o mode=700 mfsha-deb "$scratch"
for d in etc usr var run; do
    mkdir -p "$scratch/$d/upper" "$scratch/$d/work"
    mount -t overlay "mfsha-deb-$d" \
        -o "lowerdir=/$d,upperdir=$scratch/$d/upper,workdir=$scratch/$d/work" "/$d"
done
# Only this namespace's copy of the database changes; clear what the host may have of ours.
export DEBIAN_FRONTEND=noninteractive
dpkg --purge mfs-ha-ipaddr mfs-ha >/dev/null 2>&1 || true
if [ -e /usr/lib/mfs-ha/MANIFEST ]; then
    bash "$(dirname "$0")/../../scripts/install.sh" --uninstall >/dev/null
fi
ok "private root: overlays on /etc /usr /var /run"

ipaddr=/etc/ha.d/resource.d/IPaddr
[ -f "$ipaddr" ] && [ ! -L "$ipaddr" ] || fail "$ipaddr is not heartbeat's file (install heartbeat)"
cp -a "$ipaddr" "$scratch/IPaddr.before"
ipaddr_stat() { stat -c '%F %a %U:%G %s %Y' "$1"; }
ipaddr_before=$(ipaddr_stat "$ipaddr")

# Paths of both packages and whether each existed before (the purge check compares).
list_paths() { dpkg-deb -c "$1" | awk '{ sub(/^\./, "", $6); print $6 }' | sed 's:/$::' | grep -v '^$'; }
: >"$scratch/preexisting"
: >"$scratch/ours"
for deb in "$v1"/mfs-ha_*.deb "$v2"/mfs-ha_*.deb; do
    list_paths "$deb" >>"$scratch/ours"
done
sort -u -o "$scratch/ours" "$scratch/ours"
while read -r path; do
    if [ -e "$path" ] || [ -L "$path" ]; then echo "$path" >>"$scratch/preexisting"; fi
done <"$scratch/ours"

# --- no maintainer script starts or stops a service ------------------------------------------
for deb in "$v1"/*.deb; do
    mkdir -p "$scratch/control" && dpkg-deb -e "$deb" "$scratch/control"
    if grep -nE 'systemctl|invoke-rc\.d|update-rc\.d|service |start-stop-daemon|/etc/init\.d/' \
        "$scratch"/control/*inst "$scratch"/control/*rm 2>/dev/null; then
        fail "a maintainer script of $(basename "$deb") touches a service"
    fi
    rm -rf "$scratch/control"
done
ok "no maintainer script starts or stops a service"

# --- a checkout's install.sh is refused, not overwritten ------------------------------------
mkdir -p /usr/lib/mfs-ha && touch /usr/lib/mfs-ha/MANIFEST
if out=$(dpkg -i "$v1"/mfs-ha_*.deb 2>&1); then fail "dpkg -i succeeded over an install.sh installation"; fi
grep -q "scripts/install.sh --uninstall" <<<"$out" || fail "preinst refusal does not say how to clean up: $out"
dpkg --purge mfs-ha >/dev/null 2>&1 || true
rm -f /usr/lib/mfs-ha/MANIFEST && rmdir /usr/lib/mfs-ha
ok "preinst refuses over scripts/install.sh's MANIFEST and names the fix"

# --- install ---------------------------------------------------------------------------------
dpkg -i "$v1"/mfs-ha_*.deb >"$scratch/dpkg.log" 2>&1 || fail "dpkg -i mfs-ha: $(cat "$scratch/dpkg.log")"
dpkg-query -W -f='${Status}' mfs-ha | has "install ok installed" || fail "mfs-ha not installed"
agents=(Initdrbd mfsmaster mfsmetalogger mfschunkserver mfscgiserv VIPaddr)
conffiles=$(dpkg-query -W -f='${Conffiles}' mfs-ha)
for a in "${agents[@]}"; do
    grep -q "/etc/ha.d/mfs-ha/$a.conf " <<<"$conffiles" || fail "/etc/ha.d/mfs-ha/$a.conf is not a conffile"
    for link in "/etc/ha.d/resource.d/$a" "/usr/lib/ocf/resource.d/mfs-ha/$a"; do
        [ -L "$link" ] && [ -x "$link" ] || fail "$link is not a link to an executable"
    done
done
grep -q "resource.d" <<<"$conffiles" && fail "a resource.d link is a conffile: $conffiles"
ok "installed: ${#agents[@]} agents linked for Heartbeat and OCF, defaults files are conffiles, links are not"

for a in "${agents[@]}"; do
    xml=$("/usr/lib/ocf/resource.d/mfs-ha/$a" meta-data) || fail "$a meta-data exits non-zero"
    grep -q "<resource-agent name=\"$a\"" <<<"$xml" || fail "$a meta-data names another agent"
    xmllint --noout - <<<"$xml" || fail "$a meta-data is not well-formed XML"
done
ok "meta-data of every installed agent"
mfs-ha --version | has '^mfs-ha ' || fail "/usr/bin/mfs-ha --version"
drbd-status --version | has '^drbd-status ' || fail "/usr/bin/drbd-status --version"
/usr/lib/mfs-ha/mfs-ha-watchdog --version | has '^mfs-ha-watchdog ' || fail "/usr/lib/mfs-ha/mfs-ha-watchdog --version"
ok "mfs-ha and drbd-status on PATH, the watchdog installed"

# Every manual page renders without a warning; the alias finds the section 7 page.
pages=0
while read -r page; do
    err=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null) || fail "man -l $page failed: $err"
    [ -z "$err" ] || fail "man -l $page warns: $err"
    [ -n "$(MANWIDTH=80 man -l "$page" 2>/dev/null)" ] || fail "man -l $page renders nothing"
    pages=$((pages + 1))
done < <(dpkg -L mfs-ha | grep '^/usr/share/man/.*\.gz$')
[ "$pages" -ge 16 ] || fail "only $pages manual pages installed"
for a in "${agents[@]}"; do
    MANWIDTH=80 man 7 "ocf_mfs-ha_$a" 2>/dev/null | has "ocf_mfs-ha_$a" || fail "man ocf_mfs-ha_$a shows nothing"
done
# The alias a Heartbeat user types; the MooseFS names are the daemons' own pages (moosefs-*).
for a in Initdrbd VIPaddr; do
    MANWIDTH=80 man 8 "$a" 2>/dev/null | has "ocf_mfs-ha_$a" || fail "man 8 $a does not show ocf_mfs-ha_$a(7)"
done
ok "$pages manual pages render without warnings; man 8 Initdrbd/VIPaddr show the agents' section 7 pages"

# --- Heartbeat status, start, and an upgrade while the resource is held -----------------------
ip link add mfsd0 type veth peer name mfsd1 # this kernel has no dummy driver
ip link set mfsd1 up
ip link set mfsd0 up
ip addr add 10.203.0.1/24 dev mfsd0
vip=10.203.0.10
rm=/usr/share/heartbeat/ResourceManager
[ "$(/etc/ha.d/resource.d/VIPaddr $vip/24/mfsd0 status)" = stopped ] || fail "VIPaddr status before start is not 'stopped'"
if $rm status "VIPaddr::$vip/24/mfsd0"; then fail "ResourceManager status says held before start"; fi
/etc/ha.d/resource.d/VIPaddr "$vip/24/mfsd0" arp_count=0 start >/dev/null 2>&1 || fail "VIPaddr start"
[ "$(/etc/ha.d/resource.d/VIPaddr $vip/24/mfsd0 status)" = running ] || fail "VIPaddr status after start is not 'running'"
$rm status "VIPaddr::$vip/24/mfsd0" || fail "ResourceManager status does not see the started VIP"
# Bare names, as "mfs-master Initdrbd mfsmaster" in haresources: nothing of theirs runs here,
# and Heartbeat must not read "running" (heartbeat sets HA_CURHOST for its scripts).
for a in Initdrbd mfsmaster mfsmetalogger mfschunkserver mfscgiserv; do
    out=$(HA_CURHOST=$(uname -n) timeout 20 "/etc/ha.d/resource.d/$a" status 2>/dev/null) || true
    case $out in stopped | "") ;; *) fail "Heartbeat status of $a printed '$out'" ;; esac
    if HA_CURHOST=$(uname -n) $rm status "$a"; then fail "ResourceManager says $a is held"; fi
done
ok "Heartbeat status: stopped, start, running (ResourceManager agrees)"

echo "arp_count=0" >>/etc/ha.d/mfs-ha/VIPaddr.conf # an operator's edit
dpkg -i "$v2"/mfs-ha_*.deb >"$scratch/dpkg.log" 2>&1 || fail "upgrade: $(cat "$scratch/dpkg.log")"
new=$(dpkg-query -W -f='${Version}' mfs-ha)
old=$(dpkg-deb -f "$(ls "$v1"/mfs-ha_*.deb)" Version)
[ "$new" != "$old" ] || fail "the upgrade did not change the version ($new)"
ip -o addr show dev mfsd0 | has " $vip/24 " || fail "the upgrade removed the VIP: $(ip -o addr show dev mfsd0)"
[ "$(/etc/ha.d/resource.d/VIPaddr $vip/24/mfsd0 status)" = running ] || fail "status after the upgrade is not 'running'"
tail -n1 /etc/ha.d/mfs-ha/VIPaddr.conf | has -x "arp_count=0" || fail "the upgrade lost the operator's edit"
ok "upgrade $old -> $new while the VIP is held: still running, the edited conffile kept"

# --- mfs-ha-ipaddr: divert heartbeat's IPaddr, give it back byte for byte --------------------
same_as_before() {
    cmp -s "$1" "$scratch/IPaddr.before" && [ "$(ipaddr_stat "$1" | cut -d' ' -f1-4)" = "$(echo "$ipaddr_before" | cut -d' ' -f1-4)" ]
}
for round in "install" "install, upgrade"; do
    dpkg -i "$v1"/mfs-ha-ipaddr_*.deb >"$scratch/dpkg.log" 2>&1 || fail "dpkg -i mfs-ha-ipaddr: $(cat "$scratch/dpkg.log")"
    if [ "$round" = "install, upgrade" ]; then
        dpkg -i "$v2"/mfs-ha-ipaddr_*.deb >"$scratch/dpkg.log" 2>&1 || fail "upgrade mfs-ha-ipaddr: $(cat "$scratch/dpkg.log")"
    fi
    [ "$(readlink "$ipaddr")" = /usr/lib/mfs-ha/VIPaddr ] || fail "$ipaddr is not a link to VIPaddr"
    same_as_before "$ipaddr.distrib" || fail "IPaddr.distrib differs from heartbeat's IPaddr"
    dpkg-divert --list "$ipaddr" | has "by mfs-ha-ipaddr" || fail "no diversion of $ipaddr"
    "$ipaddr" --help | sed -n 1p | has '^VIPaddr ' || fail "$ipaddr --help is not VIPaddr's"
    $rm status "$vip" || fail "ResourceManager status $vip (a bare IP) does not run VIPaddr"
    dpkg -r mfs-ha-ipaddr >"$scratch/dpkg.log" 2>&1 || fail "dpkg -r mfs-ha-ipaddr: $(cat "$scratch/dpkg.log")"
    same_as_before "$ipaddr" || fail "after removal $ipaddr differs from heartbeat's: $(ipaddr_stat "$ipaddr")"
    [ ! -e "$ipaddr.distrib" ] || fail "$ipaddr.distrib left behind"
    [ -z "$(dpkg-divert --list "$ipaddr")" ] || fail "diversion left behind"
    ok "mfs-ha-ipaddr ($round, remove): bare IP ran VIPaddr; heartbeat's IPaddr back byte for byte"
done

/etc/ha.d/resource.d/VIPaddr "$vip/24/mfsd0" stop >/dev/null 2>&1 || fail "VIPaddr stop"
ip -o addr show dev mfsd0 | has " $vip/" && fail "stop left the VIP"

# --- purge: nothing of ours left -------------------------------------------------------------
dpkg --purge mfs-ha >"$scratch/dpkg.log" 2>&1 || fail "dpkg --purge mfs-ha: $(cat "$scratch/dpkg.log")"
dpkg-query -W -f='${Status}' mfs-ha 2>/dev/null | has "ok installed" && fail "mfs-ha still installed"
left=()
while read -r path; do
    grep -qxF "$path" "$scratch/preexisting" && continue
    if [ -e "$path" ] || [ -L "$path" ]; then left+=("$path"); fi
done <"$scratch/ours"
for path in /var/lib/mfs-ha /run/mfs-ha /etc/ha.d/mfs-ha; do
    if [ -e "$path" ]; then left+=("$path"); fi
done
[ "${#left[@]}" -eq 0 ] || fail "left after purge: ${left[*]}"
# Files changed in /etc or /usr at all (the overlays' upper layers): only heartbeat's IPaddr,
# renamed back by the diversion's removal, may differ in place, and it was compared above.
changed=$(for d in etc usr; do find "$scratch/$d/upper" \( -type f -o -type l \) -printf "/$d/%P\n"; done |
    grep -vx "$ipaddr" || true)
[ -z "$changed" ] || fail "files added or changed in /etc or /usr after purge: $changed"
ok "purge: none of the $(wc -l <"$scratch/ours") packaged paths, no state, no conffile left"
