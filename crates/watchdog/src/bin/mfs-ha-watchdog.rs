//! `mfs-ha-watchdog`: heartbeat runs it with `respawn root /usr/lib/mfs-ha/mfs-ha-watchdog`
//! in ha.cf (docs/watchdog.md).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ha_agent::log::Logger;
use ha_agent::Env;
use mfs_ha_watchdog::config::{self, Config};
use mfs_ha_watchdog::daemon::Daemon;
use mfs_ha_watchdog::heartbeat::node_name;
use mfs_ha_watchdog::report::NAME;
use mfs_ha_watchdog::startup;

/// heartbeat does not respawn a client that exits with this code (ha.cf `respawn`).
const DO_NOT_RESPAWN: u8 = 100;

/// Resource watchdog for Heartbeat v1 (haresources): monitors the group this node holds,
/// restarts in place within a budget, then hands the group to a live peer.
#[derive(Parser, Debug)]
#[command(name = NAME, version)]
struct Args {
    /// The configuration file [default: /etc/ha.d/mfs-ha/watchdog.conf, or
    /// $MFS_HA_CONFIG_DIR/watchdog.conf].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Check the configuration (watchdog.conf, haresources, ha.cf, the scripts), print what
    /// would be watched, and exit: 0 usable, 1 not.
    #[arg(long)]
    check: bool,
    /// Run one round and exit.
    #[arg(long)]
    once: bool,
    /// Decide and log, but never stop, start or hand over anything.
    #[arg(long)]
    dry_run: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let env = Env::from_process();
    let path = args
        .config
        .clone()
        .unwrap_or_else(|| ha_agent::config::config_path(config::CONFIG_NAME, &env));
    let loaded = config::load(&path);
    let hacf_path = loaded
        .as_ref()
        .map(|c| c.ha_cf.clone())
        .unwrap_or_else(|_| Config::defaults(&path).ha_cf);
    let hacf = std::fs::read_to_string(&hacf_path)
        .ok()
        .map(|t| heartbeat_config::hacf::parse(&t));
    let (targets, facility_warning) = startup::log_targets(&env, hacf.as_ref());
    let log = Logger::new(NAME, targets);
    if let Some(w) = facility_warning {
        log.warn(&w);
    }
    let config = match loaded {
        Ok(c) => c,
        Err(e) => {
            if args.check {
                log.error(&e.to_string());
                return ExitCode::from(1);
            }
            log.error(&format!("{e}; not started (heartbeat will not respawn it)"));
            return ExitCode::from(DO_NOT_RESPAWN);
        }
    };
    let node = node_name(
        env.get("HA_CURHOST"),
        std::fs::read_to_string(heartbeat_config::HA_DIR.to_string() + "/nodeinfo")
            .ok()
            .as_deref(),
        &std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default(),
    );
    let warnings = hacf
        .as_ref()
        .map(startup::hacf_warnings)
        .unwrap_or_else(|| vec![format!("cannot read {}", hacf_path.display())]);
    for w in &warnings {
        log.warn(w);
    }
    if args.check {
        return check(&config, &node, &log);
    }
    log.info(&format!(
        "started on {node}: every {} s, restart budget {} in {} s, confirm {}, peer_dead {}{} ({})",
        config.interval.as_secs(),
        config.policy.restart_budget,
        config.policy.restart_window.as_secs(),
        config.policy.confirm,
        format!("{:?}", config.policy.peer_dead).to_lowercase(),
        if args.dry_run { ", dry run" } else { "" },
        config.path.display()
    ));
    let env = startup::log_env(&env, hacf.as_ref());
    let mut daemon = Daemon::new(config, env, log, node, args.dry_run);
    daemon.run(args.once);
    ExitCode::SUCCESS
}

/// `--check`: what would be watched, and whether every script is there.
fn check(config: &Config, node: &str, log: &Logger) -> ExitCode {
    let text = match std::fs::read_to_string(&config.haresources) {
        Ok(t) => t,
        Err(e) => {
            log.error(&format!(
                "cannot read {}: {e}",
                config.haresources.display()
            ));
            return ExitCode::from(1);
        }
    };
    let groups = heartbeat_config::haresources::parse(&text).groups;
    if groups.is_empty() {
        log.error(&format!(
            "{} has no resource group",
            config.haresources.display()
        ));
        return ExitCode::from(1);
    }
    let runner = mfs_ha_watchdog::resources::Runner::new(config, node);
    let mut ok = true;
    println!("node {node}, config {}", config.path.display());
    for g in &groups {
        println!(
            "group {} (line {}, preferred node {})",
            g.key().unwrap_or(""),
            g.line,
            g.node
        );
        for r in &g.resources {
            let level = if config.deep(&r.script) { 10 } else { 0 };
            match runner.located(r) {
                Some(p) => println!(
                    "  {} -> {} (status at level {level})",
                    r.written,
                    p.display()
                ),
                None => {
                    ok = false;
                    println!(
                        "  {} -> cannot locate resource script {}",
                        r.written, r.script
                    );
                }
            }
        }
    }
    ExitCode::from(if ok { 0 } else { 1 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// packaging/man/mfs-ha-watchdog.8 (in the mfs-ha package) is generated from this
    /// definition with clap_mangen; `MFS_HA_UPDATE_DOCS=1` rewrites it.
    #[test]
    fn manual_page_is_up_to_date() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../packaging/man/mfs-ha-watchdog.8");
        let page = manpages::clap_page(Args::command(), "8");
        assert_eq!(
            page.and_then(|p| manpages::check_generated(&path, &p)),
            Ok(())
        );
    }
}
