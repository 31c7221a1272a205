//! IPaddr2's parameters on VIPaddr: an `ocf:heartbeat:IPaddr2` primitive loads here with the
//! same parameters. Each IPaddr2 parameter either keeps IPaddr2's meaning (declared here or in
//! `spec`) or is refused with one line that names it and says why (exit 6 in every action).
//! The parsers are pure; `settings` calls them.

use std::net::{IpAddr, Ipv4Addr};

use ha_agent::{AgentSpec, ParamSpec, Params};

/// `arp_sender` values: IPaddr2's ARP programs. VIPaddr sends ARP itself, so the three
/// Ethernet senders all mean its own sender; IPoIB has no sender here.
const ARP_SENDERS: [&str; 4] = ["send_arp", "iputils_arping", "libnet_arping", "ipoibarping"];

/// `send_arp_opts` words VIPaddr honours: the ARP forms it always sends (request and reply).
const ARP_OPTS_COVERED: [&str; 2] = ["-A", "-U"];

/// Why CLUSTERIP (the load-sharing clone mode and its mac/clusterip_hash) is refused.
const NO_CLUSTERIP: &str = "CLUSTERIP (IPaddr2's load-sharing clone) is removed from current \
     kernels and iptables-nft";

/// IPaddr2's parameters that VIPaddr did not have, in IPaddr2's order.
pub fn declare(spec: AgentSpec) -> AgentSpec {
    spec.param(
        ParamSpec::boolean("noprefixroute", "Add the address without its prefix route")
            .longdesc(
                "IFA_F_NOPREFIXROUTE, as `ip addr add ... noprefixroute` (IPaddr2's \
                 noprefixroute): the kernel adds no route for the address's subnet.",
            )
            .default("false"),
    )
    .param(
        ParamSpec::boolean("flush_routes", "Flush the route cache on stop")
            .longdesc(
                "After removing the address, flush the kernel's route cache of its family \
                 (/proc/sys/net/ipv4/route/flush or ipv6, as IPaddr2's `ip route flush cache`), \
                 so local applications stop using a cached path through the address.",
            )
            .default("false"),
    )
    .param(
        ParamSpec::string("network_namespace", "Network namespace to work in")
            .longdesc(
                "The name of an existing network namespace (`ip netns add NAME`, i.e. \
                 /run/netns/NAME); every action's netlink, ARP and /proc/sys work happens in \
                 it (the agent's thread enters it; no `ip netns exec`). The interface must be \
                 in that namespace. A missing namespace: start and validate-all fail (2), \
                 monitor reports not running, stop succeeds.",
            )
            .default(""),
    )
    .param(
        ParamSpec::boolean("lvs_ipv6_addrlabel", "IPv6: an address label for LVS-DR")
            .longdesc(
                "IPv6 only: add the address label policy `prefix <ip>/128 label \
                 <lvs_ipv6_addrlabel_value>` (as `ip addrlabel add`) before adding the \
                 address and delete it on stop, so that traffic from the interface does not \
                 pick the VIP as its source (RFC 3484; LVS direct routing health checks).",
            )
            .default("false"),
    )
    .param(
        ParamSpec::integer("lvs_ipv6_addrlabel_value", "IPv6 address label value")
            .longdesc("The label for lvs_ipv6_addrlabel; an unused one (`ip addrlabel list`).")
            .default("99")
            .range(0, 4_294_967_294),
    )
    .param(
        ParamSpec::boolean("run_arping", "IPaddr2's name for dad_probe").longdesc(
            "When given, decides dad_probe (true: probe for a duplicate before adding, \
                 false: do not). Unset: dad_probe decides (default true, unlike IPaddr2's \
                 false: VIPaddr probes natively, at no cost of a process).",
        ),
    )
    .param(
        ParamSpec::string("arp_sender", "IPaddr2's ARP program")
            .longdesc(
                "Accepted for IPaddr2 configurations: send_arp, iputils_arping and \
                 libnet_arping all mean VIPaddr's own sender (each round an ARP request and an \
                 ARP reply). ipoibarping is refused: VIPaddr sends Ethernet ARP only.",
            )
            .choices(&ARP_SENDERS),
    )
    .param(
        ParamSpec::string("send_arp_opts", "Options of IPaddr2's ARP program")
            .longdesc(
                "Only -A (reply form) and -U (request form) are accepted, as VIPaddr sends \
                 both forms every round; any other option is refused (use arp_count, \
                 arp_interval, arp_targets).",
            )
            .default(""),
    )
    .param(
        ParamSpec::boolean("unique_clone_address", "One address per clone instance")
            .longdesc(
                "IPv4, in a clone with meta globally-unique=true: instance N adds N to the \
                 last part of ip (ip=10.0.0.10, instance 2: 10.0.0.12), as IPaddr2 does. \
                 Without it a clone of more than one instance is refused (CLUSTERIP).",
            )
            .default("false"),
    )
    .param(
        ParamSpec::boolean("lvs_support", "Refused: LVS-DR loopback move")
            .longdesc(
                "IPaddr2 moves the address to lo on stop for LVS direct routing. Not \
                 supported: true is refused (exit 6); false is accepted.",
            )
            .default("false"),
    )
    .param(
        ParamSpec::string("mac", "Refused: CLUSTERIP multicast MAC")
            .longdesc("IPaddr2's CLUSTERIP MAC. Not supported: any value is refused (exit 6)."),
    )
    .param(
        ParamSpec::string("clusterip_hash", "Refused: CLUSTERIP hash")
            .longdesc("IPaddr2's CLUSTERIP hash. Not supported: any value is refused (exit 6)."),
    )
    .refusal(
        "all, 6",
        "lvs_support=true: VIPaddr does not move the address to lo on stop (LVS direct routing)",
        "Configure the loopback address of an LVS real server outside the cluster, or keep \
         IPaddr2 for that resource.",
    )
    .refusal(
        "all, 6",
        "clusterip_hash (also mac, or a clone of more than one instance): CLUSTERIP (IPaddr2's \
         load-sharing clone) is removed from current kernels and iptables-nft",
        "Use a single VIP (a primitive, not a clone), or one address per instance with \
         unique_clone_address=true and meta globally-unique=true.",
    )
    .refusal(
        "all, 6",
        "unique_clone_address makes sense only with meta globally-unique=true",
        "As in IPaddr2. IPv4 only; the last part of ip plus the instance number must stay \
         below 256.",
    )
    .refusal(
        "all, 6",
        "arp_sender=ipoibarping: VIPaddr sends Ethernet ARP only",
        "InfiniBand (IPoIB) links have no ARP sender here: keep IPaddr2 for them.",
    )
    .refusal(
        "all, 6",
        "send_arp_opts '-w 3': VIPaddr sends ARP itself",
        "Only -A and -U (the forms it always sends) are accepted; use arp_count, \
         arp_interval and arp_targets.",
    )
    .refusal(
        "start, validate-all, 2",
        "network namespace 'NAME' does not exist (/run/netns/NAME)",
        "Create it first (`ip netns add NAME`) and move the interface into it. Monitor \
         reports not running and stop succeeds, as for a missing interface.",
    )
}

/// Pacemaker's clone meta attributes (`OCF_RESKEY_CRM_meta_clone*`), parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloneMeta {
    /// Instances of the clone (1 for a primitive).
    pub max: u32,
    /// This instance's number (0 for a primitive).
    pub number: u32,
    pub globally_unique: bool,
}

impl Default for CloneMeta {
    fn default() -> CloneMeta {
        CloneMeta {
            max: 1,
            number: 0,
            globally_unique: false,
        }
    }
}

impl CloneMeta {
    /// From the raw meta attributes `clone_max`, `clone` and `globally_unique`.
    pub fn parse(
        max: Option<&str>,
        number: Option<&str>,
        unique: Option<&str>,
    ) -> Result<CloneMeta, String> {
        let count = |what: &str, v: Option<&str>, default: u32| match v.map(str::trim) {
            None | Some("") => Ok(default),
            Some(t) => t
                .parse::<u32>()
                .map_err(|_| format!("meta attribute {what} '{t}' is not a count")),
        };
        let max = count("clone_max", max, 1)?;
        if max == 0 {
            return Err("meta attribute clone_max is 0: it must be at least 1".to_string());
        }
        Ok(CloneMeta {
            max,
            number: count("clone", number, 0)?,
            globally_unique: unique.and_then(ha_agent::spec::parse_bool) == Some(true),
        })
    }
}

/// Refuses IPaddr2 features VIPaddr does not have: LVS-DR's loopback move and CLUSTERIP.
pub fn refuse_unsupported(p: &Params, clone: &CloneMeta) -> Result<(), String> {
    if flag(p, "lvs_support")? {
        return Err(
            "lvs_support=true: VIPaddr does not move the address to lo on stop (LVS direct \
             routing): configure the real server's loopback address outside the cluster"
                .to_string(),
        );
    }
    for name in ["clusterip_hash", "mac"] {
        if p.opt_str(name).is_some() {
            return Err(format!(
                "{name}: {NO_CLUSTERIP}; remove {name} and use a single VIP"
            ));
        }
    }
    if clone.max > 1 && !flag(p, "unique_clone_address")? {
        return Err(format!(
            "a clone of {} instances would be IPaddr2's CLUSTERIP load sharing: {NO_CLUSTERIP}; \
             use a single VIP, or unique_clone_address=true with meta globally-unique=true",
            clone.max
        ));
    }
    Ok(())
}

/// `ip` for this clone instance: with unique_clone_address, the instance number added to
/// the last part of an IPv4 address (IPaddr2's rule); else `ip` itself.
pub fn instance_address(ip: IpAddr, p: &Params, clone: &CloneMeta) -> Result<IpAddr, String> {
    if !flag(p, "unique_clone_address")? {
        return Ok(ip);
    }
    if !clone.globally_unique {
        return Err(
            "unique_clone_address makes sense only with meta globally-unique=true".to_string(),
        );
    }
    let IpAddr::V4(v4) = ip else {
        return Err(format!(
            "unique_clone_address: {ip} is IPv6; IPaddr2's rule (the instance number added to \
             the last dotted part) is IPv4 only"
        ));
    };
    let [a, b, c, d] = v4.octets();
    let last = u32::from(d) + clone.number;
    let last = u8::try_from(last).map_err(|_| {
        format!(
            "unique_clone_address: {v4} plus instance {} passes {a}.{b}.{c}.255",
            clone.number
        )
    })?;
    Ok(IpAddr::V4(Ipv4Addr::new(a, b, c, last)))
}

/// dad_probe, or run_arping when given (IPaddr2's name; both given must agree).
pub fn dad_probe(p: &Params) -> Result<bool, String> {
    let dad = flag(p, "dad_probe")?;
    let Some(raw) = p.opt_str("run_arping") else {
        return Ok(dad);
    };
    let run = ha_agent::spec::parse_bool(raw)
        .ok_or_else(|| format!("parameter 'run_arping': expected a boolean, got '{raw}'"))?;
    let dad_given = p
        .value("dad_probe")
        .is_some_and(|v| !matches!(v.source, ha_agent::params::Source::Default));
    if dad_given && dad != run {
        return Err(format!(
            "run_arping={run} and dad_probe={dad} disagree: run_arping is IPaddr2's name for \
             dad_probe; give one"
        ));
    }
    Ok(run)
}

/// arp_sender and send_arp_opts: accepted when VIPaddr's own sender does what they ask.
pub fn check_arp_sender(p: &Params) -> Result<(), String> {
    if p.opt_str("arp_sender") == Some("ipoibarping") {
        return Err(
            "arp_sender=ipoibarping: VIPaddr sends Ethernet ARP only and has no InfiniBand \
             (IPoIB) sender; keep IPaddr2 for IPoIB links"
                .to_string(),
        );
    }
    let opts = p.opt_str("send_arp_opts").unwrap_or_default();
    if opts
        .split_whitespace()
        .any(|w| !ARP_OPTS_COVERED.contains(&w))
    {
        return Err(format!(
            "send_arp_opts '{}': VIPaddr sends ARP itself (a request and a reply each round); \
             only -A and -U are accepted: use arp_count, arp_interval and arp_targets",
            opts.trim()
        ));
    }
    Ok(())
}

/// The IPv6 address label to add for LVS-DR, when lvs_ipv6_addrlabel is on.
pub fn lvs_ipv6_addrlabel(p: &Params, ip: &IpAddr) -> Result<Option<u32>, String> {
    if !flag(p, "lvs_ipv6_addrlabel")? {
        return Ok(None);
    }
    if ip.is_ipv4() {
        return Err("IPv4 does not support lvs_ipv6_addrlabel".to_string());
    }
    let v = p
        .get_int("lvs_ipv6_addrlabel_value")
        .map_err(|e| e.to_string())?;
    u32::try_from(v)
        .ok()
        .filter(|v| *v != u32::MAX)
        .map(Some)
        .ok_or_else(|| format!("lvs_ipv6_addrlabel_value {v}: must be 0 to 4294967294"))
}

/// The network namespace's name, as `ip netns` takes it (a file under /run/netns).
pub fn network_namespace(p: &Params) -> Result<Option<String>, String> {
    let Some(name) = p
        .opt_str("network_namespace")
        .map(str::trim)
        .filter(|n| !n.is_empty())
    else {
        return Ok(None);
    };
    if name == "." || name == ".." || name.contains(['/', '\0']) || name.len() > 255 {
        return Err(format!(
            "network_namespace '{}' is not a namespace name (a file name under /run/netns)",
            name.escape_debug()
        ));
    }
    Ok(Some(name.to_string()))
}

fn flag(p: &Params, name: &str) -> Result<bool, String> {
    match p.opt_str(name) {
        None => Ok(false),
        Some(_) => p.get_bool(name).map_err(|e| e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Params {
        Params::from_pairs(pairs)
    }

    fn clone(max: u32, number: u32, unique: bool) -> CloneMeta {
        CloneMeta {
            max,
            number,
            globally_unique: unique,
        }
    }

    #[test]
    fn lvs_support_and_clusterip_are_refused_naming_the_parameter() {
        let one = CloneMeta::default();
        assert!(refuse_unsupported(&p(&[("lvs_support", "false")]), &one).is_ok());
        let e = refuse_unsupported(&p(&[("lvs_support", "yes")]), &one);
        assert!(e.is_err_and(|e| e.starts_with("lvs_support=true")));
        for name in ["clusterip_hash", "mac"] {
            let e = refuse_unsupported(&p(&[(name, "sourceip")]), &one);
            assert!(e.is_err_and(|e| e.starts_with(name) && e.contains("CLUSTERIP")));
        }
        let e = refuse_unsupported(&p(&[]), &clone(2, 0, false));
        assert!(e.is_err_and(|e| e.contains("clone of 2 instances") && e.contains("CLUSTERIP")));
        let unique = p(&[("unique_clone_address", "true")]);
        assert!(refuse_unsupported(&unique, &clone(2, 1, true)).is_ok());
    }

    #[test]
    fn unique_clone_address_adds_the_instance_number() {
        let ip: IpAddr = "10.0.0.10".parse().unwrap_or(IpAddr::from([0u8; 4]));
        let on = p(&[("unique_clone_address", "1")]);
        assert_eq!(
            instance_address(ip, &on, &clone(3, 2, true)),
            Ok(IpAddr::from([10, 0, 0, 12]))
        );
        assert_eq!(instance_address(ip, &p(&[]), &clone(1, 5, false)), Ok(ip));
        let e = instance_address(ip, &on, &clone(3, 2, false));
        assert!(e.is_err_and(|e| e.contains("globally-unique=true")));
        let e = instance_address(ip, &on, &clone(300, 250, true));
        assert!(e.is_err_and(|e| e.contains("passes 10.0.0.255")));
        let v6: IpAddr = "fd00::1".parse().unwrap_or(ip);
        assert!(instance_address(v6, &on, &clone(2, 1, true)).is_err());
    }

    #[test]
    fn clone_meta_parses_pacemaker_attributes() {
        assert_eq!(CloneMeta::parse(None, None, None), Ok(CloneMeta::default()));
        assert_eq!(
            CloneMeta::parse(Some("3"), Some("1"), Some("true")),
            Ok(clone(3, 1, true))
        );
        assert!(CloneMeta::parse(Some("x"), None, None).is_err());
        assert!(CloneMeta::parse(Some("0"), None, None).is_err());
    }

    #[test]
    fn run_arping_decides_dad_probe_when_given() {
        assert_eq!(dad_probe(&p(&[("dad_probe", "true")])), Ok(true));
        assert_eq!(
            dad_probe(&p(&[("dad_probe", "true"), ("run_arping", "false")])),
            Err(
                "run_arping=false and dad_probe=true disagree: run_arping is IPaddr2's name \
                 for dad_probe; give one"
                    .to_string()
            )
        );
        assert_eq!(
            dad_probe(&p(&[("dad_probe", "false"), ("run_arping", "no")])),
            Ok(false)
        );
    }

    #[test]
    fn arp_senders_map_to_the_native_sender_except_ipoib() {
        for s in ["send_arp", "iputils_arping", "libnet_arping"] {
            assert!(check_arp_sender(&p(&[("arp_sender", s)])).is_ok(), "{s}");
        }
        let e = check_arp_sender(&p(&[("arp_sender", "ipoibarping")]));
        assert!(e.is_err_and(|e| e.contains("InfiniBand")));
        assert!(check_arp_sender(&p(&[("send_arp_opts", " -A ")])).is_ok());
        let e = check_arp_sender(&p(&[("send_arp_opts", "-A -w 3")]));
        assert!(e.is_err_and(|e| e.starts_with("send_arp_opts '-A -w 3'")));
    }

    #[test]
    fn addrlabel_is_ipv6_only_and_takes_the_value() {
        let v6: IpAddr = "fd00::1".parse().unwrap_or(IpAddr::from([0u8; 4]));
        let on = p(&[
            ("lvs_ipv6_addrlabel", "true"),
            ("lvs_ipv6_addrlabel_value", "77"),
        ]);
        assert_eq!(lvs_ipv6_addrlabel(&on, &v6), Ok(Some(77)));
        let v4 = IpAddr::from([10, 0, 0, 1]);
        assert_eq!(
            lvs_ipv6_addrlabel(&on, &v4),
            Err("IPv4 does not support lvs_ipv6_addrlabel".to_string())
        );
        assert_eq!(lvs_ipv6_addrlabel(&p(&[]), &v4), Ok(None));
    }

    #[test]
    fn namespace_names_are_file_names() {
        assert_eq!(network_namespace(&p(&[])), Ok(None));
        assert_eq!(
            network_namespace(&p(&[("network_namespace", "blue")])),
            Ok(Some("blue".to_string()))
        );
        for bad in ["..", "a/b", "/run/netns/x"] {
            assert!(
                network_namespace(&p(&[("network_namespace", bad)])).is_err(),
                "{bad}"
            );
        }
    }
}
