# Sourced by test-all.sh and demo.sh: installs missing Debian packages with apt-get, with no
# service started by the install (a temporary policy-rc.d refuses, unless the host has its own):
# heartbeat's and MooseFS's postinst scripts would otherwise start daemons without a config.

# Prints the packages of "$@" that are not installed.
missing_packages() {
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
            || printf '%s\n' "$pkg"
    done
}

# install_packages CALLER PKG...: installs the missing ones (root only), or exits 1 saying which.
install_packages() {
    local caller=$1
    shift
    [ "$#" -gt 0 ] || return 0
    if ! command -v dpkg-query >/dev/null; then
        echo "$caller: not a Debian system: install $* by hand" >&2
        exit 1
    fi
    local missing
    mapfile -t missing < <(missing_packages "$@")
    [ "${#missing[@]}" -gt 0 ] || return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "$caller: missing packages ${missing[*]}: run as root or 'apt-get install ${missing[*]}'" >&2
        exit 1
    fi
    printf '==> installing %s\n' "${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    local policy=/usr/sbin/policy-rc.d own_policy=
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
    fi
    local rc=0
    apt-get install -y -q --no-install-recommends "${missing[@]}" || rc=$?
    [ -z "$own_policy" ] || rm -f "$policy"
    return "$rc"
}
