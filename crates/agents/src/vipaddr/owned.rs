//! The record that this node added the address (for repair): `<run_dir>/VIPaddr-<instance>.owned`
//! holding `ip/prefix nic label|- [ifindex]`. Written after start, removed by stop. The
//! interface index lets status and stop follow the address through a rename of its interface;
//! a record written before it was kept (three words) still parses, without it.

use std::net::IpAddr;
use std::path::PathBuf;

use ha_agent::Ctx;

/// What start added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owned {
    pub ip: IpAddr,
    pub prefix: u8,
    pub nic: String,
    pub label: Option<String>,
    /// The interface's index at start (`None` in a record from an older version).
    pub ifindex: Option<u32>,
}

impl Owned {
    pub fn to_line(&self) -> String {
        let label = self.label.as_deref().unwrap_or("-");
        let index = self.ifindex.map(|i| format!(" {i}")).unwrap_or_default();
        format!("{}/{} {} {label}{index}\n", self.ip, self.prefix, self.nic)
    }

    pub fn parse(line: &str) -> Option<Owned> {
        let mut words = line.split_whitespace();
        let (ip, prefix) = words.next()?.split_once('/')?;
        let nic = words.next()?.to_string();
        let label = words.next().filter(|l| *l != "-").map(str::to_string);
        // A damaged index makes the whole record unreadable rather than pointing elsewhere.
        let ifindex = words.next().map(str::parse).transpose().ok()?;
        Some(Owned {
            ip: ip.parse().ok()?,
            prefix: prefix.parse().ok()?,
            nic,
            label,
            ifindex,
        })
    }
}

/// How status and stop name a rename they followed through the record's interface index.
pub fn renamed(was: &str, now: &str, index: u32) -> String {
    format!("{was} is now {now} (interface index {index}, from the ownership record)")
}

pub fn path(ctx: &Ctx) -> PathBuf {
    ctx.run_dir().join(format!(
        "{}-{}.owned",
        ctx.agent_name(),
        ctx.instance_name()
    ))
}

pub fn read(ctx: &Ctx) -> Option<Owned> {
    std::fs::read_to_string(path(ctx))
        .ok()
        .and_then(|s| Owned::parse(&s))
}

/// Best effort: without the record only repair is lost, so a failure is a warning.
pub fn write(ctx: &Ctx, owned: &Owned) {
    let p = path(ctx);
    let res =
        std::fs::create_dir_all(ctx.run_dir()).and_then(|()| std::fs::write(&p, owned.to_line()));
    if let Err(e) = res {
        ctx.warn(&format!(
            "cannot record ownership in {}: {e} (repair disabled)",
            p.display()
        ));
    }
}

pub fn remove(ctx: &Ctx) {
    let p = path(ctx);
    if let Err(e) = std::fs::remove_file(&p) {
        if e.kind() != std::io::ErrorKind::NotFound {
            ctx.warn(&format!("cannot remove {}: {e}", p.display()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        for (label, ifindex) in [(None, Some(7)), (Some("eth0:1".to_string()), None)] {
            let o = Owned {
                ip: IpAddr::from([10, 0, 0, 1]),
                prefix: 24,
                nic: "eth0".into(),
                label,
                ifindex,
            };
            assert_eq!(Owned::parse(&o.to_line()), Some(o));
        }
        assert_eq!(Owned::parse("garbage"), None);
        assert_eq!(Owned::parse("10.0.0.1/x eth0"), None);
        assert_eq!(Owned::parse("10.0.0.1/24 eth0 - x"), None);
    }

    #[test]
    fn a_record_without_an_index_still_reads() {
        let old = Owned::parse("10.0.0.1/24 eth0 eth0:1\n").unwrap();
        assert_eq!((old.label.as_deref(), old.ifindex), (Some("eth0:1"), None));
        let new = Owned::parse("10.0.0.1/24 eth0 - 7\n").unwrap();
        assert_eq!((new.label, new.ifindex), (None, Some(7)));
    }
}
