//! `/proc/drbd` as the simulated node's kernel would print it (`drbd_proc.c` of 8.4: header,
//! one block per minor, a blank line before a minor that does not follow the previous one,
//! resync progress lines while syncing). DRBD 9 prints only the header and transports.

use super::{per_mil_done, resources_of, thousands};
use crate::model::{Resource, SimState};
use crate::states::{Conn, Disk, Flavour, Role};

/// The build line every flavour prints (`GIT-hash: … build by …`); the hash is invented.
const GIT_HASH: &str = "5d9fa9ba0db5a3e0c5c2e5ad1f1b0e8d2c9e0a51";

fn header(flavour: Flavour) -> String {
    match flavour {
        Flavour::V84 => format!(
            "version: 8.4.11-1 (api:1/proto:86-101)\n\
             GIT-hash: {GIT_HASH} build by drbd-sim@localhost, 2018-11-03 01:26:55\n"
        ),
        Flavour::V83 => format!(
            "version: 8.3.13 (api:88/proto:86-96)\n\
             GIT-hash: {GIT_HASH} build by drbd-sim@localhost, 2012-05-07 11:56:36\n"
        ),
        Flavour::V9 => format!(
            "version: 9.0.32-1 (api:2/proto:86-121)\n\
             GIT-hash: {GIT_HASH} build by drbd-sim@localhost, 2021-12-03 12:00:00\n\
             Transports (api:17): tcp (9.0.32-1)\n"
        ),
    }
}

/// The whole `/proc/drbd` of `node`.
pub fn render(st: &SimState, node: &str) -> String {
    let mut out = header(st.flavour);
    if st.flavour == Flavour::V9 {
        return out;
    }
    let mut prev: i64 = -1;
    for res in resources_of(st, node) {
        let Some(block) = device_block(st, res, node) else {
            continue;
        };
        let minor = i64::from(res.minor);
        if minor != prev.saturating_add(1) {
            out.push('\n');
        }
        prev = minor;
        out.push_str(&block);
    }
    out
}

fn device_block(st: &SimState, res: &Resource, node: &str) -> Option<String> {
    let v = res.view(node)?;
    let me = res.node_state.get(node)?;
    if v.conn == Conn::StandAlone && v.disk == Disk::Diskless && v.role == Role::Secondary {
        return Some(format!("{:2}: cs:Unconfigured\n", res.minor));
    }
    let protocol = if me.net { 'C' } else { ' ' };
    let susp = if v.susp { 's' } else { 'r' };
    let mut out = format!(
        "{:2}: cs:{} ro:{}/{} ds:{}/{} {} {}-----\n",
        res.minor, v.conn, v.role, v.peer, v.disk, v.pdsk, protocol, susp
    );
    let c = &me.counters;
    let wo = if st.flavour == Flavour::V83 { 'b' } else { 'f' };
    out.push_str(&format!(
        "    ns:{} nr:{} dw:{} dr:{} al:{} bm:{} lo:0 pe:0 ua:0 ap:0 ep:1 wo:{} oos:{}\n",
        c.ns,
        c.nr,
        c.dw,
        c.dr,
        c.al,
        c.bm,
        wo,
        res.oos_kib(node)
    ));
    if v.conn.is_syncing() {
        if let Some(sync) = &res.resync {
            let want = (v.conn == Conn::SyncTarget).then_some(sync.shown_speed_kib);
            out.push_str(&progress(
                v.conn,
                sync.total_kib,
                sync.left_kib,
                sync.shown_speed_kib,
                want,
            ));
        }
    }
    Some(out)
}

/// The two progress lines of `drbd_syncer_progress()` (8.3.10 … 8.4.11, no proc details).
pub fn progress(
    conn: Conn,
    total_kib: u64,
    left_kib: u64,
    speed: u64,
    want: Option<u64>,
) -> String {
    let res = per_mil_done(total_kib, left_kib);
    let x = usize::try_from(res / 50).unwrap_or(20).min(20);
    let mut out = String::from("\t[");
    out.push_str(&"=".repeat(x.saturating_sub(1)));
    out.push('>');
    out.push_str(&".".repeat(20 - x));
    out.push_str("] ");
    out.push_str(if matches!(conn, Conn::VerifyS | Conn::VerifyT) {
        "verified:"
    } else {
        "sync'ed:"
    });
    out.push_str(&format!("{:3}.{}% ", res / 10, res % 10));
    let total_bits = total_kib / 4;
    let left_bits = left_kib / 4;
    if total_bits > (4u64 << (30 - 12)) {
        out.push_str(&format!(
            "({}/{})M\n",
            (left_bits >> 10) << 2,
            (total_bits >> 10) << 2
        ));
    } else {
        out.push_str(&format!("({}/{})K\n", left_bits * 4, total_bits * 4));
    }
    let secs = left_kib.checked_div(speed).unwrap_or(0);
    out.push_str(&format!(
        "\tfinish: {}:{:02}:{:02} speed: {} ({})",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60,
        thousands(speed),
        thousands(speed)
    ));
    if let Some(want) = want {
        out.push_str(&format!(" want: {}", thousands(want)));
    }
    out.push_str(" K/sec\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops;

    #[test]
    fn renders_connected_primary_with_blank_line_for_missing_minor_0() {
        let mut st = crate::render::up_pair(1, ["a", "b"]);
        assert!(ops::promote(&mut st, "r0", "a", false, false, 0).is_ok());
        let expected = format!(
            "version: 8.4.11-1 (api:1/proto:86-101)\n\
             GIT-hash: {GIT_HASH} build by drbd-sim@localhost, 2018-11-03 01:26:55\n\
             \n 1: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n\
             \x20   ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n"
        );
        assert_eq!(render(&st, "a"), expected);
    }

    #[test]
    fn renders_minor_0_without_blank_line() {
        let st = crate::render::up_pair(0, ["a", "b"]);
        let text = render(&st, "b");
        assert!(
            text.contains("01:26:55\n 0: cs:Connected ro:Secondary/Secondary"),
            "{text}"
        );
    }

    #[test]
    fn renders_standalone_with_blank_protocol() {
        let mut st = crate::render::up_pair(1, ["a", "b"]);
        assert!(ops::disconnect(&mut st, "r0", "a").is_ok());
        ops::reconcile(&mut st, "r0", 0);
        let text = render(&st, "a");
        assert!(
            text.contains(" 1: cs:StandAlone ro:Secondary/Unknown ds:UpToDate/DUnknown   r-----\n"),
            "{text}"
        );
        assert!(render(&st, "b")
            .contains(" 1: cs:WFConnection ro:Secondary/Unknown ds:UpToDate/DUnknown C r-----\n"));
    }

    #[test]
    fn down_node_shows_no_device() {
        let mut st = crate::render::up_pair(1, ["a", "b"]);
        assert!(ops::down(&mut st, "r0", "a", false).is_ok());
        let text = render(&st, "a");
        assert_eq!(text.lines().count(), 2, "{text}");
    }

    #[test]
    fn renders_resync_progress_lines() {
        let mut st = crate::render::up_pair(1, ["a", "b"]);
        ops::start_resync(&mut st, "r0", "a", "b", 72, Some(0), 0);
        if let Some(sync) = st.resources.get_mut("r0").and_then(|r| r.resync.as_mut()) {
            sync.shown_speed_kib = 6024;
        }
        let b = render(&st, "b");
        assert!(
            b.contains(
                " 1: cs:SyncTarget ro:Secondary/Secondary ds:Inconsistent/UpToDate C r-----\n"
            ),
            "{b}"
        );
        assert!(b.contains(" oos:47185\n"), "{b}");
        assert!(
            b.contains("\t[======>.............] sync'ed: 35.3% (47184/65536)K\n\tfinish: 0:00:07 speed: 6,024 (6,024) want: 6,024 K/sec\n"),
            "{b}"
        );
        let a = render(&st, "a");
        assert!(a.contains("speed: 6,024 (6,024) K/sec\n"), "{a}");
    }

    #[test]
    fn progress_bar_has_21_chars_at_zero_and_m_units_for_big_devices() {
        let p = progress(
            Conn::SyncTarget,
            8 * 1024 * 1024,
            8 * 1024 * 1024,
            1000,
            None,
        );
        // left == total still shows 0.1% (the kernel's +1 in the divisor).
        assert!(
            p.starts_with("\t[>....................] sync'ed:  0.1% (8192/8192)M\n"),
            "{p}"
        );
    }

    #[test]
    fn flavour_83_prints_its_version_and_barrier_write_ordering() {
        let mut st = crate::render::up_pair(1, ["a", "b"]);
        st.flavour = Flavour::V83;
        let text = render(&st, "a");
        assert!(text.starts_with("version: 8.3.13 (api:88/proto:86-96)\n"));
        assert!(text.contains(" wo:b oos:0\n"));
    }

    #[test]
    fn flavour_9_prints_header_and_transports_only() {
        let mut st = crate::render::up_pair(1, ["a", "b"]);
        st.flavour = Flavour::V9;
        let text = render(&st, "a");
        assert_eq!(text.lines().count(), 3);
        assert!(text.ends_with("Transports (api:17): tcp (9.0.32-1)\n"));
    }
}
