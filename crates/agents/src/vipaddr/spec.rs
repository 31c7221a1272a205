//! The one declaration of VIPaddr's parameters and actions, and the pure parsers of what
//! operators write: Heartbeat's `ip/netmask/nic/broadcast` and netmasks.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use ha_agent::deadline::timeout_param;
use ha_agent::{Action, ActionSpec, AgentSpec, ParamSpec};

pub fn spec() -> AgentSpec {
    let spec = AgentSpec::new(
        "VIPaddr",
        env!("CARGO_PKG_VERSION"),
        "A virtual IP address that moves cleanly and proves it moved",
    )
    .longdesc(
        "Replaces heartbeat's IPaddr and ocf:heartbeat:IPaddr2 without starting any process. \
         start chooses the interface and prefix from the main routing table when not given \
         (longest connected route, logged), refuses the subnet's network or broadcast address, \
         probes for a duplicate with ARP (RFC 5227; the probe is shortened when the budget \
         would leave no time to add the address) and refuses with the other host's MAC, adds \
         the address through netlink with its label (a failed add removes what the kernel \
         applied), \
         then sends gratuitous ARP (request and reply forms) or, for IPv6, waits out DAD and \
         sends unsolicited neighbour advertisements. stop removes exactly this address (a \
         primary address's secondaries are kept). monitor/status reads netlink only: running \
         means the address is on the interface and the link is up (carrier); an interface \
         renamed under the address is followed by the index start recorded, by stop and \
         status alike; OCF_CHECK_LEVEL \
         10 also sends an ARP probe for the address and fails when another host answers \
         (a duplicate, as after a split brain). Heartbeat \
         syntax: `VIPaddr::192.168.8.210/24/eth0/192.168.8.255`; installed as `IPaddr` it \
         serves a haresources line ending in a bare IP. An ocf:heartbeat:IPaddr2 primitive \
         loads with its parameters unchanged; what VIPaddr does not do (lvs_support, \
         CLUSTERIP) is refused by name (docs/vipaddr.md, IPaddr2 users).",
    )
    .param(
        ParamSpec::string("ip", "The virtual IP address")
            .longdesc(
                "IPv4 or IPv6 address. Heartbeat form: ip[/netmask[/nic[/broadcast]]], each \
                 part optional (`ip//eth0`); a third part starting with a digit is the \
                 broadcast, as in heartbeat's IPaddr.",
            )
            .required()
            .unique()
            .positional(1),
    )
    .param(
        ParamSpec::string("cidr_netmask", "Netmask")
            .longdesc(
                "Prefix length (24) or, for IPv4, a dotted netmask (255.255.255.0). Default: \
                 the prefix of the connected route that contains ip.",
            )
            .default(""),
    )
    .param(
        ParamSpec::string("nic", "Interface")
            .longdesc(
                "The interface to add the address to (`eth0`, or `eth0:label`). Default: the \
                 interface of the longest connected route of the main table that contains ip.",
            )
            .default(""),
    )
    .param(
        ParamSpec::string("broadcast", "Broadcast address (IPv4)")
            .longdesc(
                "IPv4 broadcast address; `none` for no broadcast; `+` or `-` (as in `ip` and \
                 IPaddr2): the host bits set or cleared. Default: computed from the prefix, \
                 as `+` (none for /31 and /32).",
            )
            .default(""),
    )
    .param(
        ParamSpec::string("iflabel", "Interface label (IPv4)")
            .longdesc(
                "The address label becomes `<nic>:<iflabel>` (as `ifconfig eth0:0` shows it); \
                 at most 15 bytes in all. IPv6 addresses have no labels.",
            )
            .default(""),
    )
    .param(
        ParamSpec::integer("arp_count", "Gratuitous ARPs after start")
            .longdesc(
                "Rounds of gratuitous ARP after start; each round sends one ARP request and \
                 one ARP reply announcing ip (IPv6: one unsolicited neighbour advertisement). \
                 0 sends none. Sent within the start deadline.",
            )
            .default("5")
            .range(0, 1000),
    )
    .param(
        ParamSpec::duration_ms("arp_interval", "Pause between ARP rounds")
            .longdesc(
                "Pause between two rounds of gratuitous ARP (IPv6: neighbour advertisements), \
                 after start and on the monitor's refresh rounds.",
            )
            .default("200")
            .duration_range(Duration::ZERO, Duration::from_secs(60)),
    )
    .param(
        ParamSpec::boolean("arp_bg", "Send the later ARP rounds in the background")
            .longdesc(
                "IPv4: start sends the first round itself and leaves the others to a detached \
                 child, so it returns at once. The child ends by the start deadline and stops \
                 as soon as stop has run. Default false: start returns once all rounds are sent.",
            )
            .default("false"),
    )
    .param(
        ParamSpec::string("arp_targets", "Hosts told directly (IPv4)")
            .longdesc(
                "IPv4 addresses, separated by commas, that also get a directed ARP request \
                 (who has <target>? tell <ip>) in every round: the target then updates or \
                 creates its entry for ip, for gateways and firewalls that ignore gratuitous ARP.",
            )
            .default(""),
    )
    .param(
        ParamSpec::integer("arp_count_refresh", "Gratuitous ARPs on each monitor")
            .longdesc("Rounds re-announced on each recurring monitor while running (not probes).")
            .default("0")
            .range(0, 1000),
    )
    .param(
        ParamSpec::boolean("dad_probe", "Duplicate address probe before adding")
            .longdesc(
                "IPv4: send ARP probes (sender 0.0.0.0) before adding the address and refuse \
                 to start when another host answers for ip, naming its MAC. IPv6 uses the \
                 kernel's DAD instead (see nodad).",
            )
            .default("true"),
    )
    .param(
        ParamSpec::duration_ms(
            "dad_timeout_ms",
            "How long to wait for a duplicate's answer",
        )
        .longdesc("IPv4 probe window (two probes, half of it apart).")
        .default("200")
        .duration_range(Duration::ZERO, Duration::from_secs(60)),
    )
    .param(
        ParamSpec::boolean("repair", "Re-add the address when it vanished")
            .longdesc(
                "When a recurring monitor finds the address gone although this node started \
                 it (a network manager removed it), add it back, announce it and log what was \
                 found, instead of reporting not running.",
            )
            .default("false"),
    )
    .param(
        ParamSpec::boolean("nodad", "IPv6: skip duplicate address detection")
            .longdesc("Add the IPv6 address with IFA_F_NODAD; start then does not wait for DAD.")
            .default("false"),
    )
    .param(
        ParamSpec::string("preferred_lft", "IPv6: preferred lifetime")
            .longdesc(
                "`forever`, or seconds; `0` adds the address deprecated, so that the kernel \
                 does not pick it as the source of outgoing connections.",
            )
            .default("forever"),
    );
    super::ipaddr2::declare(spec)
    .param(timeout_param())
    .refusal(
        "all, 6",
        "parameter 'dad_timeout_ms': must be 0s to 1min, got '60001' (60001ms)",
        "Every integer and duration parameter has a range (see the table above); validate \
         refuses a value outside it, or one that is not a number or a duration, before \
         anything runs. A bare number counts in the parameter's unit, shown in brackets.",
    )
    .refusal(
        "all (start when the prefix comes from the route), 6",
        "ip 192.168.8.0 is the network address of 192.168.8.0/24, not a host address: use one of 192.168.8.1 to 192.168.8.254",
        "Also the broadcast address. /31 and /32 have neither.",
    )
    .refusal(
        "all, 6",
        "ip 224.0.0.1 is a multicast address, not a host address",
        "Also 0.0.0.0, ::, 255.255.255.255 and IPv6 multicast.",
    )
    .refusal(
        "all, 6",
        "iflabel 'a%b' contains '%': use ASCII letters, digits, '.', '_' or '-'",
        "The label `<nic>:<iflabel>` (at most 15 bytes) is an interface alias name; `.` and \
         `..` are refused too.",
    )
    .refusal(
        "start (warning)",
        "duplicate probe shortened to N ms (dad_timeout_ms=M) to keep R ms for adding the address within the start deadline",
        "The budget is tight for dad_timeout_ms: raise the timeout or lower dad_timeout_ms.",
    )
    .refusal(
        "start, 1",
        "adding IP/P to NIC (it had been added: removed again): netlink: ...",
        "The add failed or its answer came too late; whatever the kernel applied was \
         removed, so a failed start leaves no address behind.",
    )
    .refusal(
        "start, 1",
        "IP/P is on NIC but its duplicate address detection failed: another host on the link uses it; not starting (stop removes it)",
        "The address was left on the link (by hand, or by an earlier holder) and DAD failed \
         for it: find the other host. Likewise, our address on a link that is down or without \
         carrier is not 'already there': start fails (status reads not running).",
    )
    .action(ActionSpec::new(Action::Start, 20))
    .action(ActionSpec::new(Action::Stop, 20))
    .action(ActionSpec::new(Action::Monitor, 20).interval(10).depth(0))
    .action(ActionSpec::new(Action::Monitor, 20).interval(60).depth(10))
    .action(ActionSpec::new(Action::MetaData, 5))
    .action(ActionSpec::new(Action::ValidateAll, 20))
}

/// Heartbeat's `ip/netmask/nic/broadcast`, split as heartbeat's IPaddr wrapper does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeartbeatArg {
    pub ip: String,
    pub netmask: Option<String>,
    pub nic: Option<String>,
    pub broadcast: Option<String>,
}

/// Splits `ip[/netmask[/nic[/broadcast]]]`; empty parts are absent; a third part starting
/// with a digit is the broadcast (heartbeat's IPaddr rule).
pub fn split_heartbeat(arg: &str) -> Result<HeartbeatArg, String> {
    let parts: Vec<&str> = arg.split('/').collect();
    if parts.len() > 4 {
        return Err(format!(
            "'{arg}': expected ip[/netmask[/nic[/broadcast]]], got {} parts",
            parts.len()
        ));
    }
    let part = |i: usize| {
        parts
            .get(i)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let mut out = HeartbeatArg {
        ip: part(0).unwrap_or_default(),
        netmask: part(1),
        nic: part(2),
        broadcast: part(3),
    };
    if out
        .nic
        .as_deref()
        .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit()))
    {
        if out.broadcast.is_some() {
            return Err(format!(
                "'{arg}': the third part must be an interface name when a fourth is given"
            ));
        }
        out.broadcast = out.nic.take();
    }
    Ok(out)
}

/// An IP address, strictly (no zone, no surrounding blanks).
pub fn parse_ip(s: &str) -> Result<IpAddr, String> {
    s.parse::<IpAddr>()
        .map_err(|_| format!("'{s}' is not an IPv4 or IPv6 address"))
}

/// A prefix length for `ip`: `24`, or for IPv4 a contiguous dotted netmask.
pub fn parse_netmask(s: &str, ip: &IpAddr) -> Result<u8, String> {
    let max: u8 = if ip.is_ipv4() { 32 } else { 128 };
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return match s.parse::<u8>() {
            Ok(p) if (1..=max).contains(&p) => Ok(p),
            _ => Err(format!("netmask '{s}': a prefix length must be 1 to {max}")),
        };
    }
    if ip.is_ipv4() {
        if let Ok(mask) = s.parse::<Ipv4Addr>() {
            let bits = u32::from(mask);
            let prefix = bits.leading_ones();
            if prefix > 0 && bits.checked_shl(prefix).unwrap_or(0) == 0 {
                return Ok(prefix as u8);
            }
            return Err(format!("netmask '{s}' is not a contiguous netmask"));
        }
    }
    Err(format!(
        "netmask '{s}': expected a prefix length (1 to {max}){}",
        if ip.is_ipv4() {
            " or a dotted netmask"
        } else {
            ""
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hb(ip: &str, nm: Option<&str>, nic: Option<&str>, b: Option<&str>) -> HeartbeatArg {
        HeartbeatArg {
            ip: ip.into(),
            netmask: nm.map(Into::into),
            nic: nic.map(Into::into),
            broadcast: b.map(Into::into),
        }
    }

    #[test]
    fn heartbeat_forms_split_like_the_ipaddr_wrapper() {
        let ip = "192.168.8.210";
        for (arg, want) in [
            ("192.168.8.210", hb(ip, None, None, None)),
            ("192.168.8.210/24", hb(ip, Some("24"), None, None)),
            (
                "192.168.8.210/24/eth0",
                hb(ip, Some("24"), Some("eth0"), None),
            ),
            (
                "192.168.8.210/24/eth0/192.168.8.255",
                hb(ip, Some("24"), Some("eth0"), Some("192.168.8.255")),
            ),
            ("192.168.8.210//eth0", hb(ip, None, Some("eth0"), None)),
            (
                "192.168.8.210/255.255.255.0/192.168.8.255",
                hb(ip, Some("255.255.255.0"), None, Some("192.168.8.255")),
            ),
            (
                "192.168.8.210///192.168.8.255",
                hb(ip, None, None, Some("192.168.8.255")),
            ),
        ] {
            assert_eq!(split_heartbeat(arg), Ok(want), "{arg}");
        }
        assert!(split_heartbeat("1.2.3.4/24/eth0/1.2.3.255/x").is_err());
        assert!(split_heartbeat("1.2.3.4/24/1.2.3.255/1.2.3.255").is_err());
    }

    #[test]
    fn netmasks_are_prefixes_or_contiguous_dotted_masks() {
        let v4: IpAddr = "10.0.0.1".parse().unwrap_or(IpAddr::from([0u8; 4]));
        let v6: IpAddr = "fd00::1".parse().unwrap_or(IpAddr::from([0u8; 16]));
        assert_eq!(parse_netmask("24", &v4), Ok(24));
        assert_eq!(parse_netmask("255.255.255.0", &v4), Ok(24));
        assert_eq!(parse_netmask("255.255.255.255", &v4), Ok(32));
        assert_eq!(parse_netmask("64", &v6), Ok(64));
        for bad in ["0", "33", "255.0.255.0", "0.0.0.0", "", "24x", "-1", "999"] {
            assert!(parse_netmask(bad, &v4).is_err(), "{bad}");
        }
        assert!(parse_netmask("129", &v6).is_err());
        assert!(parse_netmask("255.255.255.0", &v6).is_err());
        assert!(parse_ip("10.0.0.256").is_err());
        assert!(parse_ip(" 10.0.0.1").is_err());
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC{0,40}", t in "[0-9./:a-f]{0,20}") {
            let _ = split_heartbeat(&s);
            let _ = split_heartbeat(&t);
            for ip in ["10.0.0.1", "fd00::1"] {
                let ip: IpAddr = ip.parse().unwrap_or(IpAddr::from([0u8; 4]));
                let _ = parse_netmask(&s, &ip);
                let _ = parse_netmask(&t, &ip);
            }
            let _ = parse_ip(&s);
        }

        #[test]
        fn every_prefix_round_trips_through_a_dotted_mask(p in 1u32..=32) {
            let mask = Ipv4Addr::from(u32::MAX << (32 - p));
            let v4 = IpAddr::from([10, 0, 0, 1]);
            prop_assert_eq!(parse_netmask(&mask.to_string(), &v4), Ok(p as u8));
        }
    }
}
