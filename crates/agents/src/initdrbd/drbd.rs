//! The DRBD side: this node's state from /proc/drbd (DRBD 8, no process) or from
//! `drbdsetup status --json` (DRBD 9, whose /proc/drbd has no device state).

use std::path::Path;

use drbd_status::model::Resource;
use ha_agent::{AgentError, Ctx};

use super::settings::Settings;

/// The minor of a DRBD device path: `/dev/drbd1` (or a link to it) → 1.
pub fn minor_of(device: &Path) -> Option<u32> {
    let from_name = |p: &Path| {
        p.file_name()?
            .to_str()?
            .strip_prefix("drbd")?
            .parse::<u32>()
            .ok()
    };
    from_name(device).or_else(|| from_name(&std::fs::canonicalize(device).ok()?))
}

/// What the status file said about the resource.
#[derive(Debug)]
pub enum FromFile {
    /// The file has per-device state: the resource, or `None` when it is not configured.
    Found(Option<Resource>),
    /// DRBD 9's /proc/drbd: a version header and nothing per device; ask `drbdsetup`.
    NoDeviceState,
}

/// The resource as the status file shows it. `minor` finds it in /proc/drbd of DRBD 8
/// (named `minor-<n>` there).
pub fn read_resource(
    source: &Path,
    name: &str,
    minor: Option<u32>,
) -> Result<FromFile, AgentError> {
    let text = hostops::procfs::read_text(source).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => AgentError::not_installed(format!(
            "{} does not exist: is the DRBD kernel module loaded?",
            source.display()
        )),
        _ => AgentError::generic(format!("cannot read {}: {e}", source.display())),
    })?;
    let parsed = drbd_status::parse(&text)
        .map_err(|e| AgentError::generic(format!("cannot parse {}: {e}", source.display())))?;
    let status = parsed.doc.to_status();
    if !status.has_device_info {
        return Ok(FromFile::NoDeviceState);
    }
    Ok(FromFile::Found(find(&status, name, minor)))
}

fn find(status: &drbd_status::Status, name: &str, minor: Option<u32>) -> Option<Resource> {
    let by_minor = minor.map(|m| format!("minor-{m}"));
    let found = status
        .resources
        .iter()
        .find(|r| r.name == name || Some(&r.name) == by_minor.as_ref())
        .or_else(|| {
            let m = minor?;
            status
                .resources
                .iter()
                .find(|r| r.devices.iter().any(|d| d.minor == Some(m)))
        });
    found.cloned()
}

/// The drbdsetup beside the configured drbdadm (same directory when drbdadm is a path), else
/// the one in PATH.
pub fn drbdsetup(drbdadm: &str) -> String {
    match Path::new(drbdadm).parent() {
        Some(dir) if drbdadm.contains('/') && dir.join("drbdsetup").exists() => {
            dir.join("drbdsetup").display().to_string()
        }
        _ => "drbdsetup".to_string(),
    }
}

/// DRBD 9 live state: `drbdsetup status <res> --json` within the action's deadline (no shell).
/// "No such resource" (exit 10) means not configured here.
pub fn read_live(ctx: &Ctx, s: &Settings) -> Result<Option<Resource>, AgentError> {
    let program = drbdsetup(&s.drbdadm);
    let argv = [program.as_str(), "status", s.resource.as_str(), "--json"];
    let out = ctx.run_unchecked(&argv).map_err(AgentError::from)?;
    if out.code() == Some(10) && out.stderr.contains("No such resource") {
        return Ok(None);
    }
    if !out.success() {
        return Err(AgentError::generic(format!(
            "{program} status {} --json failed (exit {}): {}",
            s.resource,
            out.code()
                .map_or("by signal".to_string(), |c| c.to_string()),
            out.stderr.lines().last().unwrap_or("")
        )));
    }
    let parsed = drbd_status::status_json::parse(&out.stdout)
        .map_err(|e| AgentError::generic(format!("cannot parse {program} status --json: {e}")))?;
    Ok(find(&parsed.doc.to_status(), &s.resource, None))
}

/// Reads the state of the configured resource: from the status file (DRBD 8, no process),
/// or live from drbdsetup when the file has no per-device state (DRBD 9).
pub fn read(ctx: &Ctx, s: &Settings, device: &Path) -> Result<Option<Resource>, AgentError> {
    let minor = match minor_of(device) {
        Some(m) => Some(m),
        None => ctx
            .run(&[s.drbdadm.as_str(), "sh-minor", &s.resource])
            .ok()
            .and_then(|o| o.stdout.trim().parse().ok()),
    };
    match read_resource(&s.status_source, &s.resource, minor)? {
        FromFile::Found(res) => Ok(res),
        FromFile::NoDeviceState => read_live(ctx, s),
    }
}

/// A one-line summary for logs: `Primary/Secondary UpToDate/UpToDate Connected`.
pub fn summary(res: Option<&Resource>) -> String {
    let Some(r) = res else {
        return "not configured".to_string();
    };
    let disk = r
        .devices
        .first()
        .and_then(|d| d.disk.as_ref())
        .map_or("?".to_string(), |d| d.as_str().to_string());
    let conn = r.connections.first();
    let peer_role = conn.map_or("Unknown".to_string(), |c| c.peer_role.as_str().to_string());
    let peer_disk = conn
        .and_then(|c| c.peer_devices.first())
        .and_then(|p| p.peer_disk.as_ref())
        .map_or("DUnknown".to_string(), |d| d.as_str().to_string());
    let cs = conn.map_or("StandAlone".to_string(), |c| match &c.cs8 {
        Some(cs) => cs.as_str().to_string(),
        None => c.state.as_str().to_string(),
    });
    format!("{}/{peer_role} {disk}/{peer_disk} {cs}", r.role.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROC: &str = "version: 8.4.11 (api:1/proto:86-101)\n\
srcversion: 0123456789ABCDEF0123456\n \
1: cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate C r-----\n    \
ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n";

    #[test]
    fn minor_comes_from_the_device_name() {
        assert_eq!(minor_of(Path::new("/dev/drbd1")), Some(1));
        assert_eq!(minor_of(Path::new("/tmp/lab/a/dev/drbd12")), Some(12));
        assert_eq!(minor_of(Path::new("/dev/sdb1")), None);
        assert_eq!(minor_of(Path::new("/dev/drbdx")), None);
    }

    #[test]
    fn finds_a_proc_drbd_minor_and_reports_a_missing_one_as_none() {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("tempdir: {e}"),
        };
        let file = dir.path().join("proc_drbd");
        assert!(std::fs::write(&file, PROC).is_ok());
        let r = read_resource(&file, "r0", Some(1));
        let res = match r {
            Ok(FromFile::Found(Some(res))) => res,
            other => panic!("{other:?}"),
        };
        assert!(res.peer_may_be_primary());
        assert_eq!(
            summary(Some(&res)),
            "Secondary/Primary UpToDate/UpToDate Connected"
        );
        assert!(matches!(
            read_resource(&file, "r0", Some(2)),
            Ok(FromFile::Found(None))
        ));
        let nine = dir.path().join("proc_drbd9");
        let header =
            "version: 9.0.32-1 (api:2/proto:86-121)\nTransports (api:17): tcp (9.0.32-1)\n";
        assert!(std::fs::write(&nine, header).is_ok());
        assert!(matches!(
            read_resource(&nine, "r0", Some(1)),
            Ok(FromFile::NoDeviceState)
        ));
        let missing = read_resource(&dir.path().join("nope"), "r0", Some(1));
        assert!(matches!(missing, Err(e) if e.kind == ha_agent::ErrorKind::NotInstalled));
    }
}
