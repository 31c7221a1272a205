#!/usr/bin/env bash
# The failover lab on the Debian packages, without installing them on this machine:
#   bash tests/deb/lab-with-packages.sh DEBDIR [lab.sh demo arguments...]
# e.g. bash scripts/packaging/build-deb.sh && bash tests/deb/lab-with-packages.sh target/debian --failback
# Re-runs itself in an unshared mount namespace whose /etc, /usr, /var and /run are overlays
# (upper layers on a tmpfs that vanishes with it), installs mfs-ha and mfs-ha-ipaddr there with
# dpkg -i, then runs scripts/lab.sh demo --installed: the lab's nodes see those packages as if
# installed on the host. MFSHA_LAB_ID (default "deb") names the lab, as for lab.sh.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 DEBDIR [lab.sh demo arguments...]" >&2; exit 2; }
debs=$(cd "$1" && pwd)
shift
if [ "${MFSHA_DEB_LAB_INSIDE:-}" != 1 ]; then
    [ "$(id -u)" -eq 0 ] || { echo "$0: run as root" >&2; exit 1; }
    exec env MFSHA_DEB_LAB_INSIDE=1 unshare --mount --propagation private bash "$0" "$debs" "$@"
fi
scratch=$(mktemp -d /tmp/mfsha-deb-lab.XXXXXX)
mount -t tmpfs -o mode=700 mfsha-deb-lab "$scratch"
for d in etc usr var run; do
    mkdir -p "$scratch/$d/upper" "$scratch/$d/work"
    mount -t overlay "mfsha-deb-lab-$d" \
        -o "lowerdir=/$d,upperdir=$scratch/$d/upper,workdir=$scratch/$d/work" "/$d"
done
# The mount namespace ends with this process; the empty mount point stays on the host's /tmp.
trap 'umount -l "$scratch" 2>/dev/null; rmdir "$scratch" 2>/dev/null || true' EXIT
DEBIAN_FRONTEND=noninteractive dpkg -i "$debs"/mfs-ha_*.deb "$debs"/mfs-ha-ipaddr_*.deb >/dev/null
echo "lab-with-packages: installed $(dpkg-query -W -f='${Package} ${Version}  ' mfs-ha mfs-ha-ipaddr)(private to this run)"
export MFSHA_LAB_ID=${MFSHA_LAB_ID:-deb}
bash "$repo/scripts/lab.sh" demo --installed "$@"
