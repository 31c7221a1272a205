//! `drbd-sim` commands that set up, inspect and tear down a simulated cluster.

use super::{failure, Output};
use crate::device::Host;
use crate::engine::Engine;
use crate::ops;
use crate::setup::{add_resource, parse_size_kib, ResourceSpec};
use crate::states::{Disk, Fencing, Flavour, Quorum};
use crate::store::Store;
use anyhow::{anyhow, bail, Context, Result};
use std::collections::BTreeMap;

#[derive(Debug, clap::Args)]
pub(super) struct InitArgs {
    /// Resource name.
    #[arg(long, default_value = "r0")]
    pub(super) resource: String,
    /// Device minor (the N of /dev/drbdN).
    #[arg(long, default_value_t = 1)]
    pub(super) minor: u32,
    /// Two node names, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "a,b")]
    pub(super) nodes: Vec<String>,
    /// Device path; {node} and {minor} are substituted [default: $DIR/{node}/dev/drbd{minor}].
    #[arg(long)]
    pub(super) device: Option<String>,
    /// Image file shared by both nodes [default: $DIR/<resource>.img, created].
    #[arg(long)]
    pub(super) disk_image: Option<String>,
    /// Size of a created image (K, M, G).
    #[arg(long, default_value = "64M")]
    pub(super) size: String,
    /// 8.4 (drbd-utils 9 with an 8.4 kernel), 8.3, or 9.
    #[arg(long, default_value = "8.4")]
    pub(super) flavour: String,
    /// net { allow-two-primaries; }
    #[arg(long)]
    pub(super) allow_two_primaries: bool,
    /// dont-care, resource-only or resource-and-stonith.
    #[arg(long, default_value = "dont-care")]
    pub(super) fencing: String,
    /// The fence-peer handler, a command split at blanks and run without a shell, as
    /// drbd.conf's `handlers { fence-peer "..."; }` (with fencing resource-only or
    /// resource-and-stonith). Its exit code is read as the kernel does (3-7).
    #[arg(long)]
    pub(super) fence_peer: Option<String>,
    /// Initial meta data: UpToDate, Consistent, Outdated or Inconsistent.
    #[arg(long, default_value = "UpToDate")]
    pub(super) disk_state: String,
    /// Resync speed in KiB/s (0: resyncs finish at once).
    #[arg(long, default_value_t = 0)]
    pub(super) sync_rate: u64,
    /// ping-timeout in tenths of a second.
    #[arg(long, default_value_t = 5)]
    pub(super) ping_timeout: u32,
    /// DRBD 9 `options { quorum …; }`: off, majority or all (flavour 9 only).
    #[arg(long, default_value = "off")]
    pub(super) quorum: String,
    /// How long a node takes to notice that its peer died (`drbd-sim crash`), in ms.
    #[arg(long, default_value_t = 0)]
    pub(super) peer_loss_delay_ms: u64,
    /// node=ip:port, repeatable.
    #[arg(long = "address")]
    pub(super) addresses: Vec<String>,
    /// No loop devices or device nodes (no root needed; held-open only via set-open).
    #[arg(long)]
    pub(super) no_devices: bool,
    /// Bring both nodes up (connected, Secondary).
    #[arg(long)]
    pub(super) up: bool,
    /// Then promote this node.
    #[arg(long)]
    pub(super) primary: Option<String>,
}

pub(super) fn init(a: InitArgs, store: &Store, host: &mut dyn Host) -> Result<Output> {
    let flavour = Flavour::parse(&a.flavour)
        .ok_or_else(|| anyhow!("flavour {:?}: use 8.4, 8.3 or 9", a.flavour))?;
    let fencing = Fencing::parse(&a.fencing).ok_or_else(|| {
        anyhow!(
            "fencing {:?}: use dont-care, resource-only or resource-and-stonith",
            a.fencing
        )
    })?;
    let quorum = Quorum::parse(&a.quorum)
        .ok_or_else(|| anyhow!("quorum {:?}: use off, majority or all", a.quorum))?;
    if quorum != Quorum::Off && flavour != Flavour::V9 {
        bail!("--quorum {quorum} needs --flavour 9: DRBD {flavour} has no quorum (drop --quorum)");
    }
    let md_disk = Disk::parse(&a.disk_state)
        .ok_or_else(|| anyhow!("disk state {:?} is not a DRBD disk state", a.disk_state))?;
    let dir = store.dir().display().to_string();
    let mut addresses = BTreeMap::new();
    for spec in &a.addresses {
        let (node, addr) = spec
            .split_once('=')
            .ok_or_else(|| anyhow!("--address {spec:?}: use node=ip:port"))?;
        addresses.insert(node.to_string(), addr.to_string());
    }
    let image = match a.disk_image.clone() {
        Some(p) => p,
        None => format!("{dir}/{}.img", a.resource),
    };
    let size_kib = match std::fs::metadata(&image) {
        Ok(m) if a.disk_image.is_some() => (m.len() / 1024).max(1024),
        _ => parse_size_kib(&a.size)?,
    };
    let spec = ResourceSpec {
        name: a.resource.clone(),
        minor: a.minor,
        nodes: a.nodes.clone(),
        device: a
            .device
            .clone()
            .unwrap_or_else(|| format!("{dir}/{{node}}/dev/drbd{{minor}}")),
        image: image.clone(),
        size_kib,
        allow_two_primaries: a.allow_two_primaries,
        fencing,
        ping_timeo_ds: a.ping_timeout,
        sync_rate_kib: a.sync_rate,
        addresses,
        real_devices: !a.no_devices,
        md_disk,
        fence_peer: a
            .fence_peer
            .as_deref()
            .map(|c| c.split_whitespace().map(String::from).collect())
            .unwrap_or_default(),
        quorum,
        peer_loss_delay_ms: a.peer_loss_delay_ms,
    };
    if let Some(cmd) = &a.fence_peer {
        if spec.fence_peer.is_empty() {
            bail!("--fence-peer {cmd:?} is empty: give the handler's path");
        }
        if fencing == Fencing::DontCare {
            bail!("--fence-peer needs --fencing resource-only or resource-and-stonith (DRBD runs the handler only when fencing)");
        }
    }
    let created_image = if a.no_devices {
        false
    } else {
        host.create_image(&image, size_kib)?
    };
    let mut engine = Engine::new(store, host);
    let added = engine.transact(|st, _, _| -> Result<()> {
        if !st.resources.is_empty() && st.flavour != flavour {
            bail!(
                "the state directory simulates DRBD {}; all resources share one flavour",
                st.flavour
            );
        }
        st.flavour = flavour;
        add_resource(st, spec)?;
        if let Some(r) = st.resources.get_mut(&a.resource) {
            r.image_created = created_image;
        }
        Ok(())
    });
    if let Err(e) = added.and_then(|r| r) {
        if created_image {
            let _ = engine.host.remove_image(&image);
        }
        return Err(e);
    }
    let mut out = Output::default();
    if a.up {
        for node in &a.nodes {
            let r = engine.transact(|st, _, _| ops::up(st, &a.resource, node))?;
            r.map_err(failure)?;
        }
    }
    if let Some(p) = a.primary {
        let r = engine.transact(|st, host, now| {
            let open = !Engine::holders(st, host, &a.resource, &p).is_empty();
            ops::promote(st, &a.resource, &p, false, open, now)
        })?;
        r.map_err(failure)?;
    }
    for w in engine.warnings {
        out.stderr.push_str(&format!("drbd-sim: warning: {w}\n"));
    }
    Ok(out)
}

pub(super) fn show(store: &Store, host: &mut dyn Host, resource: Option<String>) -> Result<Output> {
    let st = Engine::new(store, host).snapshot()?;
    let mut views = serde_json::Map::new();
    for (name, res) in &st.resources {
        if resource.as_deref().is_some_and(|r| r != name) {
            continue;
        }
        let mut per_node = serde_json::Map::new();
        for node in &res.nodes {
            let v = match res.view(node) {
                Some(v) => serde_json::json!({
                    "cs": v.conn.as_str(),
                    "ro": format!("{}/{}", v.role, v.peer),
                    "ds": format!("{}/{}", v.disk, v.pdsk),
                    "device": res.device_path(node),
                }),
                None => serde_json::json!({"cs": "Unconfigured"}),
            };
            per_node.insert(node.clone(), v);
        }
        views.insert(name.clone(), serde_json::Value::Object(per_node));
    }
    let doc = serde_json::json!({ "views": views, "state": st });
    let text = serde_json::to_string_pretty(&doc).context("cannot serialise the state")?;
    Ok(Output::ok(format!("{text}\n")))
}

pub(super) fn destroy(store: &Store, host: &mut dyn Host) -> Result<Output> {
    let lock = store.lock()?;
    let st = store.load(&lock)?;
    let mut problems = Vec::new();
    for res in st.resources.values() {
        for ns in res.node_state.values() {
            if let Some(dev) = &ns.device {
                if let Err(e) = host.detach(dev, &res.config.image) {
                    problems.push(format!("{e:#}"));
                }
            }
        }
        if res.image_created {
            if let Err(e) = host.remove_image(&res.config.image) {
                problems.push(format!("{e:#}"));
            }
        }
    }
    let mut nodes: Vec<&String> = st.resources.values().flat_map(|r| &r.nodes).collect();
    nodes.sort();
    nodes.dedup();
    for node in nodes {
        let path = store.proc_path(node);
        let _ = std::fs::remove_file(&path);
        if let Some(parent) = path.parent() {
            let _ = std::fs::remove_dir(parent.join("dev"));
            let _ = std::fs::remove_dir(parent);
        }
    }
    let _ = std::fs::remove_file(store.config_path());
    if problems.is_empty() {
        let _ = std::fs::remove_file(store.state_path());
        let _ = std::fs::remove_file(store.dir().join("state.lock"));
        Ok(Output::default())
    } else {
        Ok(Output::fail(
            1,
            format!(
                "drbd-sim: destroy left things behind (state kept):\n{}\n",
                problems.join("\n")
            ),
        ))
    }
}

pub(super) fn install_links(dir: &std::path::Path) -> Result<Output> {
    let exe = std::env::current_exe().context("cannot find this executable")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for name in ["drbdadm", "drbdsetup", "drbdsetup-84"] {
        let link = dir.join(name);
        if std::fs::symlink_metadata(&link).is_ok() {
            std::fs::remove_file(&link)
                .with_context(|| format!("cannot replace {}", link.display()))?;
        }
        std::os::unix::fs::symlink(&exe, &link)
            .with_context(|| format!("cannot create {}", link.display()))?;
    }
    Ok(Output::default())
}
