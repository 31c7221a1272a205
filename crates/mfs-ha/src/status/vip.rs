//! Who answers for the virtual IP: this node (the address is on one of its interfaces), or
//! another host, found with an ARP probe on the interface of the VIP's subnet (as VIPaddr's
//! duplicate check does; needs CAP_NET_RAW), else from the kernel's neighbour table.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use ha_agent::Deadline;
use hostops::arp;
use nix::ifaddrs::getifaddrs;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "answered_by", rename_all = "snake_case")]
pub enum VipHolder {
    /// The address is on this node's interface.
    ThisNode { interface: String, mac: String },
    /// Another host answered an ARP probe.
    Other { interface: String, mac: String },
    /// Not probed (no permission, IPv6): the neighbour table's entry, which may be stale.
    Neighbour { interface: String, mac: String },
    /// Nobody answered the probe within its window.
    Nobody { interface: String },
    /// No interface of this node is in the VIP's subnet, or it cannot be judged.
    Unknown { reason: String },
}

/// One interface with its MAC and IPv4 networks.
#[derive(Debug, Clone, Default)]
struct Iface {
    name: String,
    mac: Option<[u8; 6]>,
    v4: Vec<(Ipv4Addr, u8)>,
}

fn interfaces() -> Vec<Iface> {
    let mut out: Vec<Iface> = Vec::new();
    let Ok(addrs) = getifaddrs() else {
        return out;
    };
    for a in addrs {
        let i = match out.iter().position(|i| i.name == a.interface_name) {
            Some(i) => i,
            None => {
                out.push(Iface {
                    name: a.interface_name.clone(),
                    ..Iface::default()
                });
                out.len() - 1
            }
        };
        let Some(addr) = a.address else { continue };
        if let Some(link) = addr.as_link_addr() {
            if let Some(mac) = link.addr() {
                out[i].mac = Some(mac);
            }
        } else if let Some(sin) = addr.as_sockaddr_in() {
            let prefix = a
                .netmask
                .and_then(|m| {
                    m.as_sockaddr_in()
                        .map(|m| u32::from(m.ip()).count_ones() as u8)
                })
                .unwrap_or(32);
            out[i].v4.push((sin.ip(), prefix));
        }
    }
    out
}

fn in_net(ip: Ipv4Addr, net: Ipv4Addr, prefix: u8) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix.min(32)))
    };
    u32::from(ip) & mask == u32::from(net) & mask
}

/// Finds who answers for `vip`, probing at most `window` (`None`: only this node's interfaces).
pub fn holder(vip: &str, window: Option<Duration>) -> VipHolder {
    let ip: Ipv4Addr = match vip.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4,
        Ok(IpAddr::V6(_)) => {
            return VipHolder::Unknown {
                reason: "IPv6 VIP: only the local interfaces are checked".into(),
            }
        }
        Err(_) => {
            return VipHolder::Unknown {
                reason: format!("'{vip}' is not an IP address"),
            }
        }
    };
    let ifaces = interfaces();
    if let Some(i) = ifaces.iter().find(|i| i.v4.iter().any(|(a, _)| *a == ip)) {
        // An alias label (eth0:0) has no link address of its own: the device's MAC answers.
        let device = i.name.split(':').next().unwrap_or(&i.name);
        let mac = ifaces
            .iter()
            .find(|d| d.name == device)
            .and_then(|d| d.mac)
            .map(|m| arp::mac_text(&m))
            .unwrap_or_else(|| "no MAC".into());
        return VipHolder::ThisNode {
            interface: i.name.clone(),
            mac,
        };
    }
    let Some(i) = ifaces
        .iter()
        .filter(|i| i.name != "lo")
        .find(|i| i.v4.iter().any(|(a, p)| in_net(ip, *a, *p)))
    else {
        return VipHolder::Unknown {
            reason: format!("no interface of this node is in {vip}'s subnet"),
        };
    };
    let Some(window) = window else {
        return VipHolder::Unknown {
            reason: "not on this node (not probed)".into(),
        };
    };
    match probe(&i.name, i.mac, ip, window) {
        Ok(Some(mac)) => VipHolder::Other {
            interface: i.name.clone(),
            mac: arp::mac_text(&mac),
        },
        Ok(None) => VipHolder::Nobody {
            interface: i.name.clone(),
        },
        Err(_) => match neighbour(
            &std::fs::read_to_string("/proc/net/arp").unwrap_or_default(),
            vip,
        ) {
            Some(mac) => VipHolder::Neighbour {
                interface: i.name.clone(),
                mac,
            },
            None => VipHolder::Unknown {
                reason: format!(
                    "no permission to probe {vip} (CAP_NET_RAW) and no neighbour entry"
                ),
            },
        },
    }
}

fn probe(
    iface: &str,
    mac: Option<[u8; 6]>,
    ip: Ipv4Addr,
    window: Duration,
) -> Result<Option<[u8; 6]>, String> {
    let index = nix::net::if_::if_nametoindex(iface).map_err(|e| e.to_string())?;
    let mac = mac.ok_or("no MAC")?;
    let sock = arp::PacketSocket::open(index).map_err(|e| e.to_string())?;
    arp::probe(&sock, mac, ip, window, &Deadline::after(window)).map_err(|e| e.to_string())
}

/// The MAC of `ip` in `/proc/net/arp` (complete entries only).
pub fn neighbour(proc_net_arp: &str, ip: &str) -> Option<String> {
    proc_net_arp.lines().skip(1).find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        // IP address, HW type, Flags, HW address, Mask, Device; flag 0x2 = complete
        let complete = f
            .get(2)
            .and_then(|x| u32::from_str_radix(x.trim_start_matches("0x"), 16).ok())?
            & 2
            != 0;
        (f.first() == Some(&ip) && complete).then(|| f.get(3).map(|m| m.to_string()))?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbour_table_entries_must_be_complete() {
        let t = "IP address       HW type     Flags       HW address            Mask     Device\n\
                 192.168.8.210    0x1         0x2         4a:f3:56:a1:69:f1     *        eth0\n\
                 192.168.8.211    0x1         0x0         00:00:00:00:00:00     *        eth0\n";
        assert_eq!(
            neighbour(t, "192.168.8.210").as_deref(),
            Some("4a:f3:56:a1:69:f1")
        );
        assert_eq!(neighbour(t, "192.168.8.211"), None);
        assert_eq!(neighbour("", "x"), None);
    }

    #[test]
    fn subnets() {
        let ip: Ipv4Addr = "192.168.8.210".parse().unwrap();
        assert!(in_net(ip, "192.168.8.201".parse().unwrap(), 24));
        assert!(!in_net(ip, "192.168.9.1".parse().unwrap(), 24));
        assert!(in_net(ip, "10.0.0.1".parse().unwrap(), 0));
    }

    #[test]
    fn loopback_vip_is_this_nodes() {
        assert!(matches!(
            holder("127.0.0.1", Some(Duration::from_millis(10))),
            VipHolder::ThisNode { .. }
        ));
        assert!(matches!(
            holder("nonsense", None),
            VipHolder::Unknown { .. }
        ));
    }
}
