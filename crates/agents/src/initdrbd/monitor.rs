//! status/monitor: role and mount from /proc without starting a process; deeper checks read
//! a block of the device (level 10) and write and read a status file on the mount (level 20).

use std::path::Path;

use ha_agent::{AgentError, Ctx, Health};

use super::settings::Settings;
use super::{decide, drbd, fs};
use hostops::block;

pub fn monitor(ctx: &Ctx, s: &Settings, level: u32) -> Result<Health, AgentError> {
    let device = s.device(ctx);
    let res = drbd::read(ctx, s, &device)?;
    let mount = fs::mount_state(&s.directory, &device)?;
    let health = decide::health(res.as_ref(), &mount, &s.directory.display().to_string());
    ctx.debug(&format!(
        "DRBD {} ({}), {} {:?}",
        s.resource,
        drbd::summary(res.as_ref()),
        s.directory.display(),
        mount
    ));
    if health != Health::Running {
        return Ok(health);
    }
    Ok(deep_checks(ctx, s, &device, level))
}

/// scope=mount: only the mount (no DRBD read): ours is running, none is stopped.
pub fn monitor_mount(ctx: &Ctx, s: &Settings, level: u32) -> Result<Health, AgentError> {
    let device = s.device(ctx);
    match fs::mount_state(&s.directory, &device)? {
        decide::MountState::Ours => Ok(deep_checks(ctx, s, &device, level)),
        decide::MountState::NotMounted => Ok(Health::Stopped),
        decide::MountState::Other(source) => Ok(Health::Failed(format!(
            "{} is mounted from {source}, not from {}",
            s.directory.display(),
            device.display()
        ))),
    }
}

/// Level 10 reads a block of the device, level 20 writes and reads a file on the mount.
fn deep_checks(ctx: &Ctx, s: &Settings, device: &Path, level: u32) -> Health {
    if level >= 10 {
        if let Err(e) = block::read_first_block(device) {
            return Health::Failed(format!("cannot read {}: {e}", device.display()));
        }
    }
    if level >= 20 {
        if let Err(reason) = write_and_read(ctx, &s.directory) {
            return Health::Failed(reason);
        }
    }
    Health::Running
}

/// Writes, syncs and reads back `<dir>/.Initdrbd_status/<instance>_<node>`.
fn write_and_read(ctx: &Ctx, dir: &Path) -> Result<(), String> {
    use std::io::Write;
    let status_dir = dir.join(".Initdrbd_status");
    let node = ctx.node_name().map(str::to_string).unwrap_or_else(hostname);
    let file = status_dir.join(format!("{}_{node}", ctx.instance_name().replace('/', "_")));
    let stamp = format!("{} {}\n", std::process::id(), now_ns());
    let write = std::fs::create_dir_all(&status_dir).and_then(|()| {
        let mut f = std::fs::File::create(&file)?;
        f.write_all(stamp.as_bytes())?;
        f.sync_all()
    });
    write.map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    match std::fs::read_to_string(&file) {
        Ok(back) if back == stamp => Ok(()),
        Ok(_) => Err(format!("{} read back different data", file.display())),
        Err(e) => Err(format!("cannot read {}: {e}", file.display())),
    }
}

fn now_ns() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

fn hostname() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "localhost".to_string())
}
