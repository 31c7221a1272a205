//! Parameters, checked and resolved once per action.

use std::path::{Path, PathBuf};

use ha_agent::{AgentError, Ctx};

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
    pub promote_retries: u32,
}

impl Settings {
    pub fn from_ctx(ctx: &Ctx) -> Result<Settings, AgentError> {
        let p = ctx.params();
        let resource = p.get_str("drbd_resource")?.to_string();
        if resource.is_empty() || resource.contains(char::is_whitespace) || resource == "all" {
            return Err(AgentError::configured(format!(
                "drbd_resource must name one resource, got '{resource}'"
            )));
        }
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
        if fstype.is_empty() || fstype.contains([',', ' ']) {
            return Err(AgentError::configured(format!(
                "fstype must be a filesystem name or auto, got '{fstype}'"
            )));
        }
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
        if self.drbdadm.contains('/') {
            let path = PathBuf::from(&self.drbdadm);
            return is_executable(&path).then_some(path).ok_or_else(missing);
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .map(|dir| dir.join(&self.drbdadm))
            .find(|p| is_executable(p))
            .ok_or_else(missing)
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
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
