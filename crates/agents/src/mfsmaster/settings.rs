//! Parameters and the daemon's config, checked and resolved once per action.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ha_agent::{AgentError, Ctx};

use super::cfg::MfsCfg;
use super::kind::Kind;
use super::locate;

/// Where mfscgiserv always keeps its lock.
pub const CGISERV_DATA_PATH: &str = "/var/lib/mfs";

/// Where MooseFS installs its CGI monitor: the seed's source install, upstream's default,
/// Debian's moosefs-cgi.
const CGI_ROOTS: [&str; 3] = [
    "/usr/local/mfs/share/mfscgi",
    "/usr/share/mfscgi",
    "/usr/share/moosefs-cgi",
];

#[derive(Debug, Clone)]
pub struct Settings {
    pub kind: Kind,
    pub binary: PathBuf,
    /// The config file (mfscgiserv: none).
    pub config: Option<PathBuf>,
    pub cfg: MfsCfg,
    pub data_path: PathBuf,
    pub mount_point: Option<PathBuf>,
    pub auto_recover: bool,
    pub backup_dir: PathBuf,
    pub backup_keep: usize,
    pub probe_host: String,
    pub probe_timeout: Duration,
    pub max_metadata_age: Duration,
    pub metalogger_data_path: Option<PathBuf>,
    pub accept_stale: bool,
    pub listen_host: String,
    pub listen_port: u16,
    pub root_path: String,
}

fn non_empty(v: Option<&str>) -> Option<&str> {
    v.filter(|s| !s.trim().is_empty())
}

fn absolute(name: &str, v: Option<&str>) -> Result<Option<PathBuf>, AgentError> {
    match non_empty(v) {
        None => Ok(None),
        Some(p) if Path::new(p).is_absolute() => Ok(Some(Path::new(p).components().collect())),
        Some(p) => Err(AgentError::configured(format!(
            "{name} must be an absolute path, got '{p}'"
        ))),
    }
}

fn positive(ctx: &Ctx, name: &str) -> Result<u64, AgentError> {
    let v = ctx.params().get_int(name)?;
    u64::try_from(v)
        .map_err(|_| AgentError::configured(format!("{name} must be 0 or more, got {v}")))
}

/// mfscgiserv's `-H` value: empty, `*`, an address or a host name; never an option.
fn listen_host(v: &str) -> Result<String, AgentError> {
    let v = v.trim();
    let ok = !v.starts_with('-')
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '*' | '_'));
    match ok {
        true => Ok(v.to_string()),
        false => Err(AgentError::configured(format!(
            "listen_host must be an address or a host name, got '{}'",
            v.escape_debug()
        ))),
    }
}

impl Settings {
    pub fn kind(ctx: &Ctx) -> Result<Kind, AgentError> {
        let name = ctx.params().get_str("daemon")?;
        Kind::from_name(name).ok_or_else(|| {
            AgentError::configured(format!(
                "daemon must be mfsmaster, mfsmetalogger, mfschunkserver or mfscgiserv, got '{name}'"
            ))
        })
    }

    pub fn from_ctx(ctx: &Ctx) -> Result<Settings, AgentError> {
        let p = ctx.params();
        let kind = Settings::kind(ctx)?;
        let binary = locate::daemon(kind, non_empty(p.opt_str("binary")))
            .map_err(AgentError::not_installed)?;
        let (config, cfg) = match kind {
            Kind::Cgiserv => (None, MfsCfg::default()),
            _ => {
                let path = locate::config(kind, non_empty(p.opt_str("config")))
                    .map_err(AgentError::not_installed)?;
                let cfg = MfsCfg::read(&path).map_err(|e| {
                    AgentError::not_installed(format!("cannot read {}: {e}", path.display()))
                })?;
                (Some(path), cfg)
            }
        };
        let data_path = match kind {
            Kind::Cgiserv => PathBuf::from(CGISERV_DATA_PATH),
            _ => cfg.data_path(),
        };
        if !data_path.is_absolute() {
            return Err(AgentError::configured(format!(
                "DATA_PATH in {} must be absolute, got '{}'",
                config.as_deref().unwrap_or(Path::new("?")).display(),
                data_path.display()
            )));
        }
        let mount_point = absolute("mount_point", p.opt_str("mount_point"))?;
        if let Some(m) = &mount_point {
            if !data_path.starts_with(m) {
                return Err(AgentError::configured(format!(
                    "DATA_PATH {} is not below mount_point {}",
                    data_path.display(),
                    m.display()
                )));
            }
        }
        let backup_dir = absolute("backup_dir", p.opt_str("backup_dir"))?
            .unwrap_or_else(|| data_path.join("mfs-ha-backup"));
        let probe_host = match non_empty(p.opt_str("probe_host")) {
            Some(h) => h.to_string(),
            None => match cfg.get_or("MATOCL_LISTEN_HOST", "*") {
                "*" | "0.0.0.0" => "127.0.0.1".to_string(),
                h => h.to_string(),
            },
        };
        // The declared range (1s to 10min) keeps 0 out: no silent raise.
        let probe_timeout = p.get_duration("probe_timeout")?;
        let max_metadata_age = match p.get_duration("max_metadata_age")? {
            Duration::ZERO => {
                let hours: u64 = cfg
                    .get("METADATA_SAVE_FREQ")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1);
                Duration::from_secs(hours.max(1) * 3600 + 600)
            }
            age => age,
        };
        let listen_port = u16::try_from(p.get_int("listen_port")?).map_err(|_| {
            AgentError::configured("listen_port must be a TCP port (1-65535)".to_string())
        })?;
        Ok(Settings {
            kind,
            binary,
            config,
            cfg,
            data_path,
            mount_point,
            auto_recover: p.get_bool("auto_recover")?,
            backup_dir,
            backup_keep: usize::try_from(positive(ctx, "backup_keep")?).unwrap_or(5),
            probe_host,
            probe_timeout,
            max_metadata_age,
            metalogger_data_path: absolute(
                "metalogger_data_path",
                p.opt_str("metalogger_data_path"),
            )?,
            accept_stale: p.get_bool("accept_stale_metadata")?,
            listen_host: listen_host(p.opt_str("listen_host").unwrap_or(""))?,
            listen_port,
            root_path: p.opt_str("root_path").unwrap_or("").trim().to_string(),
        })
    }

    /// Settings for unit tests: defaults, with `data_path`.
    #[cfg(test)]
    pub fn for_tests(kind: Kind, data_path: &Path) -> Settings {
        Settings {
            kind,
            binary: PathBuf::from("/usr/sbin/mfsmaster"),
            config: Some(PathBuf::from("/etc/mfs/mfsmaster.cfg")),
            cfg: MfsCfg::default(),
            data_path: data_path.to_path_buf(),
            mount_point: None,
            auto_recover: true,
            backup_dir: data_path.join("mfs-ha-backup"),
            backup_keep: 5,
            probe_host: "127.0.0.1".to_string(),
            probe_timeout: Duration::from_secs(3),
            max_metadata_age: Duration::from_secs(4200),
            metalogger_data_path: None,
            accept_stale: false,
            listen_host: String::new(),
            listen_port: 9425,
            root_path: String::new(),
        }
    }

    /// mfscgiserv's document root: `root_path`, or the first install location holding
    /// `mfs.cgi` (mfscgiserv's own default, /usr/share/mfscgi, is not where Debian puts it).
    pub fn cgi_root(&self) -> Result<PathBuf, AgentError> {
        let holds_cgi = |d: &Path| d.join("mfs.cgi").is_file();
        if !self.root_path.is_empty() {
            let root = PathBuf::from(&self.root_path);
            return match holds_cgi(&root) {
                true => Ok(root),
                false => Err(AgentError::not_installed(format!(
                    "root_path {}: no mfs.cgi there (install moosefs-cgi, or point root_path at its directory)",
                    root.display()
                ))),
            };
        }
        CGI_ROOTS
            .iter()
            .map(PathBuf::from)
            .find(|d| holds_cgi(d))
            .ok_or_else(|| {
                AgentError::not_installed(format!(
                    "no MooseFS CGI (mfs.cgi) in {}: install moosefs-cgi, or set root_path",
                    CGI_ROOTS.join(", ")
                ))
            })
    }

    pub fn lock_path(&self) -> PathBuf {
        self.data_path.join(self.kind.lock_name())
    }

    /// The `-c CFG` part of the daemon's command line.
    pub fn config_args(&self) -> Vec<String> {
        match &self.config {
            Some(c) => vec!["-c".to_string(), c.display().to_string()],
            None => Vec::new(),
        }
    }

    /// The TCP ports the daemon must listen on when ready.
    pub fn ports(&self) -> Vec<u16> {
        match self.kind {
            Kind::Master => vec![
                self.cfg.port("MATOML_LISTEN_PORT", 9419),
                self.cfg.port("MATOCS_LISTEN_PORT", 9420),
                self.cfg.port("MATOCL_LISTEN_PORT", 9421),
            ],
            Kind::Chunkserver => vec![self.cfg.port("CSSERV_LISTEN_PORT", 9422)],
            Kind::Cgiserv => vec![self.listen_port],
            Kind::Metalogger => Vec::new(),
        }
    }

    pub fn client_port(&self) -> u16 {
        self.cfg.port("MATOCL_LISTEN_PORT", 9421)
    }

    pub fn name(&self) -> &'static str {
        self.kind.name()
    }
}

#[cfg(test)]
mod tests {
    use super::listen_host;

    #[test]
    fn listen_host_is_never_an_option() {
        for good in ["", "*", "192.168.8.210", "fd00::1", "mfs-master.local"] {
            assert_eq!(listen_host(good).ok().as_deref(), Some(good), "{good}");
        }
        for bad in ["-R", "--help", "a b", "x;y"] {
            assert!(listen_host(bad).is_err(), "{bad}");
        }
    }
}
