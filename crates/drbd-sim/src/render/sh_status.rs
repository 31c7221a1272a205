//! `drbdsetup sh-status` of drbd-utils for 8.4 kernels (`sh_status_scmd()`), the shell
//! assignments the LINBIT OCF agent `eval`s, and the header `drbdadm sh-status` adds.

use super::{per_mil_done, resources_of};
use crate::model::{Resource, SimState};
use crate::states::{Conn, Disk, Role};

/// `sh-status` of one resource on `node` (nothing when it is not up: the minor is missing).
pub fn device(res: &Resource, node: &str) -> String {
    let Some(v) = res.view(node) else {
        return String::new();
    };
    let mut s = format!(
        "_minor={}\n_res_name={}\n_volume=0\n",
        res.minor,
        shell_escape(&res.name)
    );
    if v.conn == Conn::StandAlone && v.disk == Disk::Diskless && v.role != Role::Primary {
        s.push_str("_known=Unconfigured\n\n");
        s.push_str("_cstate=Unconfigured\n_role=\n_peer=\n_disk=\n_pdsk=\n");
        s.push_str("_flags_susp=\n_flags_aftr_isp=\n_flags_peer_isp=\n_flags_user_isp=\n");
        s.push_str("_resynced_percent=\n");
    } else {
        s.push_str(&format!(
            "_known=Configured\n\n_cstate={}\n_role={}\n_peer={}\n_disk={}\n_pdsk={}\n\n",
            v.conn, v.role, v.peer, v.disk, v.pdsk
        ));
        // drbdsetup 8.4 prints "1" for a set flag, nothing otherwise
        let susp = if v.susp { "1" } else { "" };
        s.push_str(&format!(
            "_flags_susp={susp}\n_flags_aftr_isp=\n_flags_peer_isp=\n_flags_user_isp=\n\n"
        ));
        s.push_str("_resynced_percent=");
        if let (true, Some(sync)) = (v.conn.is_syncing(), &res.resync) {
            let done = per_mil_done(sync.total_kib, sync.left_kib);
            s.push_str(&format!("{}.{}", done / 10, done % 10));
        }
        s.push('\n');
    }
    s.push_str("\n_sh_status_process\n\n\n");
    s
}

/// `drbdadm sh-status`: version header, then per resource its config position and the
/// drbdsetup output of each volume.
pub fn drbdadm(st: &SimState, node: &str, config_file: &str, utils_version: &str) -> String {
    let mut s = format!(
        "_drbd_version={}\n_drbd_api=1\n_config_file={}\n\n\n",
        shell_escape(utils_version),
        shell_escape(config_file)
    );
    for res in resources_of(st, node) {
        s.push_str(&format!("_conf_res_name={}\n", shell_escape(&res.name)));
        s.push_str(&format!(
            "_conf_file_line={}:{}\n\n",
            shell_escape(config_file),
            crate::store::config_line_of(st, &res.name)
        ));
        s.push_str("_stacked_on=\n_stacked_on_device=\n_stacked_on_minor=\n");
        s.push_str("_conf_volume=0\n");
        s.push_str(&device(res, node));
    }
    s
}

/// drbd-utils' `shell_escape()`: backslash before anything but `[A-Za-z0-9./_-]`.
pub fn shell_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !(c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '_' | '-')) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops;
    use crate::setup::{add_resource, ResourceSpec};

    #[test]
    fn prints_shell_assignments_for_a_connected_device() {
        let mut st = SimState::default();
        assert!(add_resource(&mut st, ResourceSpec::simple("r0", 1, &["a", "b"])).is_ok());
        assert!(ops::up(&mut st, "r0", "a").is_ok());
        assert!(ops::up(&mut st, "r0", "b").is_ok());
        ops::reconcile(&mut st, "r0", 0);
        let res = st.resources.get("r0").cloned();
        let text = res.map(|r| device(&r, "a")).unwrap_or_default();
        assert_eq!(
            text,
            "_minor=1\n_res_name=r0\n_volume=0\n_known=Configured\n\n_cstate=Connected\n_role=Secondary\n_peer=Secondary\n_disk=UpToDate\n_pdsk=UpToDate\n\n_flags_susp=\n_flags_aftr_isp=\n_flags_peer_isp=\n_flags_user_isp=\n\n_resynced_percent=\n\n_sh_status_process\n\n\n"
        );
    }

    #[test]
    fn escapes_like_drbd_utils() {
        assert_eq!(shell_escape("r0"), "r0");
        assert_eq!(shell_escape("/etc/drbd.conf"), "/etc/drbd.conf");
        assert_eq!(shell_escape("a b$"), "a\\ b\\$");
    }
}
