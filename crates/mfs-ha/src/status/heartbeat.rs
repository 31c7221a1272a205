//! Heartbeat's own view through `cl_status` (its API client): is it running, the nodes and
//! their links, and its bookkeeping of who holds resources (`rscstatus`).

use std::time::Duration;

use ha_agent::Deadline;
use hostops::command::run_unchecked;

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct HeartbeatView {
    pub running: bool,
    /// Why the view is missing or partial (cl_status not found, API socket missing, ...).
    pub error: Option<String>,
    pub nodes: Vec<NodeView>,
    /// `local`, `foreign`, `all`, `none` or `transition`: which groups heartbeat thinks this
    /// node holds (its bookkeeping, not a probe).
    pub rscstatus: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct NodeView {
    pub name: String,
    /// `active`, `dead`, `up`, `init`, ...
    pub status: String,
    pub links: Vec<LinkView>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LinkView {
    pub name: String,
    /// `up` or `dead`.
    pub status: String,
}

/// Asks cl_status, each call within `timeout`.
pub fn read(cl_status: &str, timeout: Duration) -> HeartbeatView {
    let ask = |args: &[&str]| -> Result<(i32, String), String> {
        let mut argv = vec![cl_status];
        argv.extend_from_slice(args);
        let out = run_unchecked(&argv, &Deadline::after(timeout)).map_err(|e| e.to_string())?;
        Ok((out.code().unwrap_or(-1), out.stdout.trim().to_string()))
    };
    let mut view = HeartbeatView::default();
    match ask(&["hbstatus"]) {
        Ok((0, _)) => view.running = true,
        Ok((_, said)) => {
            view.error = Some(if said.is_empty() {
                "heartbeat is not running here".into()
            } else {
                said
            });
            return view;
        }
        Err(e) => {
            view.error = Some(e);
            return view;
        }
    }
    // cl_status exits 1 for a dead node or link but still prints the state.
    let words = |args: &[&str]| -> Vec<String> {
        ask(args)
            .ok()
            .map(|(_, out)| out.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default()
    };
    for name in words(&["listnodes"]) {
        let status = words(&["nodestatus", &name]).join(" ");
        let links = words(&["listhblinks", &name])
            .into_iter()
            .map(|link| LinkView {
                status: words(&["hblinkstatus", &name, &link]).join(" "),
                name: link,
            })
            .collect();
        view.nodes.push(NodeView {
            name,
            status,
            links,
        });
    }
    view.nodes.sort_by(|a, b| a.name.cmp(&b.name));
    view.rscstatus = words(&["rscstatus"]).into_iter().next();
    view
}

/// Whether heartbeat's bookkeeping says this node holds the groups preferred by `preferred`.
/// `local` are this node's own groups, `foreign` the peer's.
pub fn books_say_held(rscstatus: &str, this_node: &str, preferred: &str) -> Option<bool> {
    let own = this_node.eq_ignore_ascii_case(preferred);
    match rscstatus {
        "all" => Some(true),
        "none" => Some(false),
        "local" => Some(own),
        "foreign" => Some(!own),
        _ => None, // transition
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rscstatus_means_own_or_peer_groups() {
        assert_eq!(
            books_say_held("local", "mfs-master", "mfs-master"),
            Some(true)
        );
        assert_eq!(
            books_say_held("local", "mfs-bak", "mfs-master"),
            Some(false)
        );
        assert_eq!(
            books_say_held("foreign", "mfs-bak", "mfs-master"),
            Some(true)
        );
        assert_eq!(books_say_held("all", "mfs-bak", "mfs-master"), Some(true));
        assert_eq!(books_say_held("transition", "mfs-bak", "mfs-master"), None);
    }

    #[test]
    fn a_missing_cl_status_is_a_reason_not_a_crash() {
        let v = read("/nonexistent/cl_status", Duration::from_secs(1));
        assert!(!v.running);
        assert!(v.error.unwrap().contains("/nonexistent/cl_status"));
    }
}
