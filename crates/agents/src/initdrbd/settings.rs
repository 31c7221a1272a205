//! Parameters, checked and resolved once per action.

use std::path::{Path, PathBuf};

use ha_agent::{AgentError, Ctx};

use super::decide;

/// When to run fsck before mounting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fsck {
    No,
    Auto,
    Force,
}

/// Whether stop may kill users of a busy filesystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForceUnmount {
    Safe,
    Never,
}

/// What this instance manages (parameter `scope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Promote and mount (Heartbeat, by hand): the seed's Initdrbd.
    All,
    /// The DRBD resource only: up/down, Primary/Secondary (a promotable clone).
    Drbd,
    /// The filesystem only, on a device that is Primary already.
    Mount,
}

impl Scope {
    pub fn parse(word: &str) -> Option<Scope> {
        match word {
            "all" => Some(Scope::All),
            "drbd" => Some(Scope::Drbd),
            "mount" => Some(Scope::Mount),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scope::All => "all",
            Scope::Drbd => "drbd",
            Scope::Mount => "mount",
        }
    }
}

/// Values that need no command to know (everything but the default device).
#[derive(Debug, Clone)]
pub struct Settings {
    pub resource: String,
    /// The device when given; see [`Settings::device`].
    pub device: Option<PathBuf>,
    pub directory: PathBuf,
    pub fstype: String,
    pub options: String,
    pub fsck: Fsck,
    pub force_unmount: ForceUnmount,
    pub force: bool,
    pub drbdadm: String,
    pub status_source: PathBuf,
    /// At most this many promotion retries; 0: no cap (the deadline bounds the wait).
    pub promote_retries: u32,
    pub scope: Scope,
    /// Run as a promotable clone (Pacemaker's `promotable`, `promoted-max` or `master-max`).
    pub promotable: bool,
}

impl Settings {
    pub fn from_ctx(ctx: &Ctx) -> Result<Settings, AgentError> {
        let p = ctx.params();
        let resource = p.get_str("drbd_resource")?.to_string();
        check_resource(&resource)?;
        let device = p
            .opt_str("device")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from);
        if let Some(d) = device.as_ref().filter(|d| !d.is_absolute()) {
            return Err(AgentError::configured(format!(
                "device must be an absolute path, got '{}'",
                d.display()
            )));
        }
        let directory = clean_dir(p.get_str("directory")?)?;
        let fsck = match p.get_str("run_fsck")? {
            "no" => Fsck::No,
            "auto" => Fsck::Auto,
            "force" => Fsck::Force,
            other => {
                return Err(AgentError::configured(format!(
                    "run_fsck must be no, auto or force, got '{other}'"
                )))
            }
        };
        let force_unmount = match p.get_str("force_unmount")? {
            "safe" | "true" | "yes" => ForceUnmount::Safe,
            "false" | "no" => ForceUnmount::Never,
            other => {
                return Err(AgentError::configured(format!(
                    "force_unmount must be safe, true or false, got '{other}'"
                )))
            }
        };
        let retries = p.get_int("promote_retries")?;
        let promote_retries = u32::try_from(retries).map_err(|_| {
            AgentError::configured(format!("promote_retries must be 0 or more, got {retries}"))
        })?;
        let fstype = p.get_str("fstype")?.to_string();
        if fstype.is_empty() || fstype.starts_with('-') || fstype.contains([',', ' ']) {
            return Err(AgentError::configured(format!(
                "fstype must be a filesystem name or auto, got '{fstype}'"
            )));
        }
        let promotable = is_promotable(|name| ctx.meta(name));
        let explicit = p.opt_str("scope").filter(|v| !v.is_empty());
        let scope = decide::scope(explicit, promotable).map_err(AgentError::configured)?;
        Ok(Settings {
            resource,
            device,
            directory,
            fstype,
            options: p.get_str("options")?.to_string(),
            fsck,
            force_unmount,
            force: p.get_bool("force")?,
            drbdadm: p.get_str("drbdadm")?.to_string(),
            status_source: PathBuf::from(p.get_str("drbd_status_source")?),
            promote_retries,
            scope,
            promotable,
        })
    }

    /// The device: the parameter, else `drbdadm sh-dev <res>`, else /dev/drbd1.
    pub fn device(&self, ctx: &Ctx) -> PathBuf {
        if let Some(d) = &self.device {
            return d.clone();
        }
        let shown = ctx
            .run(&[self.drbdadm.as_str(), "sh-dev", &self.resource])
            .ok()
            .map(|o| o.stdout.trim().to_string())
            .filter(|d| d.starts_with('/') && !d.contains('\n'));
        match shown {
            Some(d) => PathBuf::from(d),
            None => {
                ctx.debug("drbdadm sh-dev gave no device; using /dev/drbd1");
                PathBuf::from("/dev/drbd1")
            }
        }
    }

    /// The drbdadm program found on this host, or why not.
    pub fn find_drbdadm(&self) -> Result<PathBuf, AgentError> {
        let missing = || {
            AgentError::not_installed(format!(
                "drbdadm not found: '{}' (install drbd-utils or set drbdadm=/path)",
                self.drbdadm
            ))
        };
        hostops::exec::find_program(&self.drbdadm).ok_or_else(missing)
    }
}

/// Whether Pacemaker runs this instance as a promotable clone: `promotable=true` (2.1), or a
/// `promoted_max`/`master_max` meta attribute (set for promotable clones by newer/older ones).
pub fn is_promotable<'a>(meta: impl Fn(&str) -> Option<&'a str>) -> bool {
    let set = |name: &str| meta(name).is_some_and(|v| !v.trim().is_empty());
    let truthy = meta("promotable").and_then(ha_agent::spec::parse_bool);
    truthy == Some(true) || set("promoted_max") || set("master_max")
}

/// One resource name that drbdadm reads as a name: not `all`, no option (`--force`, `-d`),
/// no blanks or control characters.
fn check_resource(resource: &str) -> Result<(), AgentError> {
    let why = if resource.is_empty() || resource == "all" {
        Some("must name one resource")
    } else if resource.starts_with('-') {
        Some("must not start with '-' (drbdadm would read it as an option)")
    } else if resource.contains(|c: char| c.is_whitespace() || c.is_control() || c == '/') {
        Some("may not contain blanks, control characters or '/'")
    } else {
        None
    };
    match why {
        Some(why) => Err(AgentError::configured(format!(
            "drbd_resource {why}, got '{}'",
            resource.escape_debug()
        ))),
        None => Ok(()),
    }
}

/// An absolute directory without trailing slashes, `.` or `..`.
fn clean_dir(dir: &str) -> Result<PathBuf, AgentError> {
    let path = Path::new(dir);
    let odd = path.components().any(|c| {
        matches!(
            c,
            std::path::Component::CurDir | std::path::Component::ParentDir
        )
    });
    if !path.is_absolute() || odd || path == Path::new("/") {
        return Err(AgentError::configured(format!(
            "directory must be an absolute path other than /, without . or .., got '{dir}'"
        )));
    }
    Ok(path.components().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_names_that_drbdadm_would_misread_are_refused() {
        for good in ["r0", "mfs-data", "r_0.x"] {
            assert!(check_resource(good).is_ok(), "{good}");
        }
        for (bad, why) in [
            ("--force", "start with '-'"),
            ("-d", "start with '-'"),
            ("all", "one resource"),
            ("", "one resource"),
            ("r 0", "blanks"),
            ("r\n0", "control"),
        ] {
            match check_resource(bad) {
                Err(e) => assert!(e.reason.contains(why), "{bad}: {e}"),
                Ok(()) => panic!("{bad} accepted"),
            }
        }
    }

    #[test]
    fn directories_are_normalised_or_refused() {
        assert_eq!(
            clean_dir("/usr/local/mfs/").ok(),
            Some(PathBuf::from("/usr/local/mfs"))
        );
        assert_eq!(
            clean_dir("//usr//local/mfs").ok(),
            Some(PathBuf::from("/usr/local/mfs"))
        );
        for bad in ["", "relative", "/", "/a/../b"] {
            assert!(clean_dir(bad).is_err(), "{bad}");
        }
    }
}
