//! Heartbeat's own account, asked through its tools with a deadline: `cl_status rscstatus`
//! (which groups this node holds, or a transition in progress), `cl_status nodestatus PEER`,
//! and `hb_standby` to give the group away. The parsing is pure and tested; the calls are not
//! (they need a running heartbeat: the lab test covers them).

use std::path::{Path, PathBuf};
use std::time::Duration;

use ha_agent::Deadline;
use heartbeat_config::Group;
use hostops::command;

use crate::policy::{Holding, Peer};

/// `cl_status rscstatus`: heartbeat's bookkeeping of the resources this node holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RscStatus {
    /// This node's own groups (the haresources lines naming it).
    Local,
    /// The other node's groups only.
    Foreign,
    All,
    None,
    /// A takeover or release is running.
    Transition,
}

/// Parses `cl_status rscstatus` output.
pub fn parse_rscstatus(stdout: &str) -> Result<RscStatus, String> {
    match stdout.trim() {
        "local" => Ok(RscStatus::Local),
        "foreign" => Ok(RscStatus::Foreign),
        "all" => Ok(RscStatus::All),
        "none" => Ok(RscStatus::None),
        "transition" => Ok(RscStatus::Transition),
        other => Err(format!(
            "cl_status rscstatus said '{}', expected local, foreign, all, none or transition",
            one_line(other)
        )),
    }
}

/// Whether this node (`me`, lower case) holds `group`, by heartbeat's account.
pub fn holding(group: &Group, me: &str, rsc: &Result<RscStatus, String>) -> Holding {
    let ours = group.node.eq_ignore_ascii_case(me);
    match rsc {
        Err(why) => Holding::Unknown(why.clone()),
        Ok(RscStatus::Transition) => Holding::Transition,
        Ok(RscStatus::All) => Holding::Held,
        Ok(RscStatus::Local) if ours => Holding::Held,
        Ok(RscStatus::Foreign) if !ours => Holding::Held,
        Ok(_) => Holding::NotHeld,
    }
}

/// The `hb_standby` argument that gives away exactly the groups of `group`'s kind.
pub fn standby_scope(group: &Group, me: &str) -> &'static str {
    match group.node.eq_ignore_ascii_case(me) {
        true => "local",
        false => "foreign",
    }
}

/// The peer as `cl_status nodestatus PEER` describes it.
pub fn parse_nodestatus(peer: &str, stdout: &str) -> Peer {
    match stdout.trim() {
        "active" => Peer::Alive(peer.to_string()),
        "" => Peer::Unknown(format!("cl_status nodestatus {peer} printed nothing")),
        other => Peer::NotAlive(format!(
            "{peer} is {} by heartbeat's account",
            one_line(other)
        )),
    }
}

/// The other cluster nodes of ha.cf (`node` lines), lower case, without `me`.
pub fn peers(hacf: &heartbeat_config::hacf::HaCf, me: &str) -> Vec<String> {
    hacf.nodes()
        .into_iter()
        .map(|n| n.to_lowercase())
        .filter(|n| !n.eq_ignore_ascii_case(me))
        .collect()
}

/// This node's name as heartbeat has it: `HA_CURHOST` (set by heartbeat for everything it
/// starts), else `/etc/ha.d/nodeinfo`, else the kernel's host name; lower case.
pub fn node_name(curhost: Option<&str>, nodeinfo: Option<&str>, hostname: &str) -> String {
    curhost
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .or_else(|| nodeinfo.and_then(|t| t.split_whitespace().next()))
        .unwrap_or(hostname.trim())
        .to_lowercase()
}

fn one_line(text: &str) -> String {
    ha_agent::status::one_line(text).chars().take(200).collect()
}

/// heartbeat's command-line tools, each call bounded by `timeout`.
#[derive(Debug, Clone)]
pub struct Heartbeat {
    pub cl_status: PathBuf,
    pub hb_standby: PathBuf,
    pub timeout: Duration,
}

impl Heartbeat {
    fn ask(&self, args: &[&str]) -> Result<String, String> {
        let mut argv = vec![self.cl_status.display().to_string()];
        argv.extend(args.iter().map(|a| a.to_string()));
        let out = command::run(&argv, &Deadline::after(self.timeout)).map_err(|e| e.to_string())?;
        Ok(out.stdout)
    }

    pub fn rscstatus(&self) -> Result<RscStatus, String> {
        parse_rscstatus(&self.ask(&["rscstatus"])?)
    }

    pub fn nodestatus(&self, peer: &str) -> Peer {
        match self.ask(&["nodestatus", peer]) {
            Ok(stdout) => parse_nodestatus(peer, &stdout),
            Err(why) => Peer::Unknown(why),
        }
    }

    /// The first peer heartbeat calls alive, else why none is.
    pub fn live_peer(&self, peers: &[String]) -> Peer {
        if peers.is_empty() {
            return Peer::NotAlive("ha.cf names no other node".into());
        }
        let answers: Vec<Peer> = peers.iter().map(|p| self.nodestatus(p)).collect();
        if let Some(alive) = answers.iter().find(|p| matches!(p, Peer::Alive(_))) {
            return alive.clone();
        }
        answers
            .into_iter()
            .next()
            .unwrap_or_else(|| Peer::NotAlive("no peer".into()))
    }

    /// `hb_standby SCOPE`: asynchronous, heartbeat then releases and the peer takes over.
    pub fn standby(&self, scope: &str) -> Result<(), String> {
        let argv = [
            Path::new(&self.hb_standby).display().to_string(),
            scope.to_string(),
        ];
        command::run(&argv, &Deadline::after(self.timeout))
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(node: &str) -> Group {
        heartbeat_config::haresources::parse(&format!("{node} Initdrbd mfsmaster 192.168.8.210\n"))
            .groups
            .remove(0)
    }

    proptest::proptest! {
        #[test]
        fn any_cl_status_output_is_read_without_panic(text in "\\PC{0,200}") {
            let _ = parse_rscstatus(&text);
            let _ = parse_nodestatus("peer", &text);
        }
    }

    #[test]
    fn rscstatus_words() {
        assert_eq!(parse_rscstatus("local\n"), Ok(RscStatus::Local));
        assert_eq!(parse_rscstatus("transition\n"), Ok(RscStatus::Transition));
        let err = parse_rscstatus("Heartbeat is stopped on this machine.\n").unwrap_err();
        assert!(err.contains("Heartbeat is stopped"), "{err}");
    }

    #[test]
    fn own_group_is_held_with_local_or_all() {
        let g = group("mfs-master");
        assert_eq!(
            holding(&g, "mfs-master", &Ok(RscStatus::Local)),
            Holding::Held
        );
        assert_eq!(
            holding(&g, "mfs-master", &Ok(RscStatus::All)),
            Holding::Held
        );
        assert_eq!(
            holding(&g, "mfs-master", &Ok(RscStatus::Foreign)),
            Holding::NotHeld
        );
        assert_eq!(
            holding(&g, "mfs-master", &Ok(RscStatus::None)),
            Holding::NotHeld
        );
    }

    #[test]
    fn the_peers_group_is_held_after_a_takeover() {
        let g = group("mfs-master");
        assert_eq!(
            holding(&g, "mfs-bak", &Ok(RscStatus::Foreign)),
            Holding::Held
        );
        assert_eq!(holding(&g, "mfs-bak", &Ok(RscStatus::All)), Holding::Held);
        assert_eq!(
            holding(&g, "mfs-bak", &Ok(RscStatus::Local)),
            Holding::NotHeld
        );
    }

    #[test]
    fn node_names_compare_as_heartbeat_lower_cases_them() {
        let g = group("MFS-Master");
        assert_eq!(
            holding(&g, "mfs-master", &Ok(RscStatus::Local)),
            Holding::Held
        );
        assert_eq!(standby_scope(&g, "mfs-master"), "local");
        assert_eq!(standby_scope(&g, "mfs-bak"), "foreign");
    }

    #[test]
    fn transition_and_errors_are_not_holding() {
        let g = group("mfs-master");
        assert_eq!(
            holding(&g, "mfs-master", &Ok(RscStatus::Transition)),
            Holding::Transition
        );
        assert!(matches!(
            holding(&g, "mfs-master", &Err("timed out".into())),
            Holding::Unknown(_)
        ));
    }

    #[test]
    fn only_an_active_peer_is_alive() {
        assert_eq!(
            parse_nodestatus("mfs-bak", "active\n"),
            Peer::Alive("mfs-bak".into())
        );
        for word in ["dead", "up", "init"] {
            assert!(
                matches!(parse_nodestatus("mfs-bak", word), Peer::NotAlive(_)),
                "{word}"
            );
        }
        assert!(matches!(parse_nodestatus("mfs-bak", ""), Peer::Unknown(_)));
    }

    #[test]
    fn peers_are_the_other_node_lines() {
        let cf = heartbeat_config::hacf::parse("node mfs-master\nnode MFS-BAK\n");
        assert_eq!(peers(&cf, "mfs-master"), vec!["mfs-bak"]);
        assert_eq!(peers(&cf, "mfs-bak"), vec!["mfs-master"]);
    }

    #[test]
    fn node_name_prefers_heartbeats_then_nodeinfo_then_hostname() {
        assert_eq!(node_name(Some("MFS-Master"), Some("x"), "h"), "mfs-master");
        assert_eq!(node_name(None, Some("mfs-bak\n"), "h"), "mfs-bak");
        assert_eq!(node_name(Some(" "), None, "Host\n"), "host");
    }
}
