#!/usr/bin/env bash
# resource-agents' ocft scenario runner on VIPaddr, with the 13 cases it runs for IPaddr2
# (bad parameters -> 6, double start/stop, monitor stopped, address deleted behind the agent's
# back -> 7, unknown action -> 3), inside a fresh pair of network namespaces.
#
#   bash scripts/ocft-vipaddr.sh        (root; needs resource-agents, iproute2)
#
# Not part of `cargo test` (the same cases are root system tests in crates/agents/tests). ocft
# keeps its cases under /var/lib/resource-agents/ocft; the script removes what it made there.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/rust-env.sh

die() { printf 'ocft-vipaddr: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
command -v ocft >/dev/null || die "ocft missing: apt-get install -y resource-agents"
require_cargo ocft-vipaddr
cargo build --quiet -p agents --bin VIPaddr
target=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

NS=mfsha-ocft-$$
LAB=$(mktemp -d "/tmp/$NS-XXXXXX")
had_ocft_dir=$([ -e /var/lib/resource-agents ] && echo yes || echo no)
cleanup() {
    set +e
    ocft clean VIPaddr >/dev/null 2>&1
    rm -f /var/lib/resource-agents/ocft/cases/VIPaddr.log
    [ "$had_ocft_dir" = no ] && rm -rf /var/lib/resource-agents
    ip netns del "$NS-a" 2>/dev/null
    ip netns del "$NS-b" 2>/dev/null
    rm -rf "$LAB"
}
trap cleanup EXIT

mkdir -p "$LAB"/{agents,configs,run,state,etc}
cp "$target/debug/VIPaddr" "$LAB/agents/VIPaddr"
ip netns add "$NS-a"
ip netns add "$NS-b"
ip -n "$NS-a" link add ocftv1 type veth peer name ocftv2 netns "$NS-b"
ip -n "$NS-a" addr add 10.79.0.1/24 dev ocftv1
ip -n "$NS-b" addr add 10.79.0.2/24 dev ocftv2
ip -n "$NS-a" link set lo up
ip -n "$NS-a" link set ocftv1 up
ip -n "$NS-b" link set ocftv2 up

cat >"$LAB/configs/VIPaddr" <<EOF
# VIPaddr: the IPaddr2 cases (ocft-IPaddr2-netns.conf), in namespace $NS-a only
CONFIG
	Agent VIPaddr
	AgentRoot $LAB/agents
	HangTimeout 20

CASE-BLOCK required_args
	Env OCF_RESKEY_ip=10.79.0.101
	Env OCF_RESKEY_arp_count=1

CASE-BLOCK default_status
	AgentRun stop

CASE-BLOCK prepare
	Include required_args
	Include default_status

CASE "check base env"
	Include prepare
	AgentRun start OCF_SUCCESS

CASE "check base env: unset 'OCF_RESKEY_ip'"
	Include prepare
	Unenv OCF_RESKEY_ip
	AgentRun start OCF_ERR_CONFIGURED

CASE "check base env: set invalid 'OCF_RESKEY_ip'"
	Include prepare
	Env OCF_RESKEY_ip=not_ip_address
	AgentRun start OCF_ERR_CONFIGURED

CASE "check base env: set invalid 'OCF_RESKEY_cidr_netmask'"
	Include prepare
	Env OCF_RESKEY_cidr_netmask=not_netmask
	AgentRun start OCF_ERR_CONFIGURED

CASE "check base env: set invalid 'OCF_RESKEY_nic'"
	Include prepare
	Env OCF_RESKEY_nic=not_nic
	AgentRun start OCF_ERR_CONFIGURED
	AgentRun validate-all OCF_ERR_CONFIGURED

CASE "normal start"
	Include prepare
	AgentRun start OCF_SUCCESS

CASE "normal stop"
	Include prepare
	AgentRun start
	AgentRun stop OCF_SUCCESS

CASE "double start"
	Include prepare
	AgentRun start
	AgentRun start OCF_SUCCESS

CASE "double stop"
	Include prepare
	AgentRun stop OCF_SUCCESS

CASE "monitor with running"
	Include prepare
	AgentRun start
	AgentRun monitor OCF_SUCCESS

CASE "monitor with not running"
	Include prepare
	AgentRun monitor OCF_NOT_RUNNING

CASE "address removed behind the agent's back"
	Include prepare
	AgentRun start
	Bash ip addr del 10.79.0.101/24 dev ocftv1
	AgentRun monitor OCF_NOT_RUNNING

CASE "unimplemented command"
	Include prepare
	AgentRun no_cmd OCF_ERR_UNIMPLEMENTED
EOF

(cd "$LAB" && ocft make -d "$LAB/configs" VIPaddr >/dev/null)
out=$(cd "$LAB" && MFS_HA_RUN_DIR=$LAB/run MFS_HA_STATE_DIR=$LAB/state MFS_HA_CONFIG_DIR=$LAB/etc \
    nsenter --net="/run/netns/$NS-a" -- ocft test VIPaddr 2>&1 | sed 's/\x1b\[[0-9;]*m//g')
printf '%s\n' "$out"
ok=$(printf '%s\n' "$out" | grep -c -- ' - OK\.$' || true)
bad=$(printf '%s\n' "$out" | grep -c -- ' - FAILED' || true)
echo "ocft-vipaddr: $ok cases OK, $bad failed"
[ "$bad" -eq 0 ] && [ "$ok" -ge 13 ]
