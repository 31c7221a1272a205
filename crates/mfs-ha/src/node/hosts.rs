//! Name resolution the way a node answers it without asking the network: /etc/hosts.

use std::net::IpAddr;

/// The addresses /etc/hosts gives `name` (case-insensitive, any alias), in file order.
pub fn lookup(hosts: &str, name: &str) -> Vec<IpAddr> {
    hosts
        .lines()
        .filter_map(|l| {
            let mut words = l.split('#').next()?.split_whitespace();
            let addr: IpAddr = words.next()?.parse().ok()?;
            words.any(|w| w.eq_ignore_ascii_case(name)).then_some(addr)
        })
        .collect()
}

/// The names /etc/hosts gives `addr`.
pub fn names_of(hosts: &str, addr: IpAddr) -> Vec<String> {
    hosts
        .lines()
        .filter_map(|l| {
            let mut words = l.split('#').next()?.split_whitespace();
            let a: IpAddr = words.next()?.parse().ok()?;
            (a == addr).then(|| words.map(str::to_string).collect::<Vec<_>>())
        })
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_by_name_and_address() {
        let h = "127.0.0.1 localhost\n192.168.8.200 mfs-master ha01 # the master\n192.168.8.201\tMFS-BAK ha02\n";
        assert_eq!(
            lookup(h, "mfs-bak"),
            vec!["192.168.8.201".parse::<IpAddr>().unwrap()]
        );
        assert_eq!(lookup(h, "ha01").len(), 1);
        assert!(lookup(h, "master").is_empty());
        assert_eq!(
            names_of(h, "192.168.8.200".parse().unwrap()),
            ["mfs-master", "ha01"]
        );
    }
}

#[cfg(test)]
mod never_panics {
    proptest::proptest! {
        #[test]
        fn on_any_text(text in "(\\PC|\n|:|#){0,300}", name in "\\PC{0,12}") {
            let _ = super::lookup(&text, &name);
            let _ = super::names_of(&text, std::net::IpAddr::from([192, 168, 8, 200]));
            let _ = crate::node::accounts::user(&text, &name);
            let _ = crate::node::accounts::group(&text, &name);
            let _ = crate::node::accounts::group_name(&text, 1000);
            let _ = crate::check::moosefs::cfg_get(&text, &name);
            let _ = crate::check::scripts::shell_of(&text);
            let _ = crate::doctor::fingerprint::dpkg_version(&text, &name);
        }
    }
}
