//! The one declaration of the MooseFS agents' parameters and actions; the agent's name is the
//! daemon kind it was invoked as.

use std::time::Duration;

use ha_agent::deadline::timeout_param;
use ha_agent::{Action, ActionSpec, AgentSpec, ParamSpec};

use super::kind::Kind;

fn longdesc(kind: Kind) -> String {
    let common = "Our process is one that runs the daemon's program (the configured binary or \
                  an executable of that name) and holds the instance's lock, runs in its data \
                  directory or was started with its config (-c CONFIG); status, start and stop \
                  share that rule. A start that fails once the daemon ran (never ready, or gone \
                  at once: then it fails without waiting out the timeout) ends it again before \
                  returning, keeping a quarter of the time left (1-10 s) for that. status reads the lock with \
                  F_GETLK and /proc (no process is started); stop sends SIGTERM to our lock \
                  owner (and SIGCONT when it is stopped), waits for the lock to drop and SIGKILLs \
                  the processes of this data directory only at the deadline; a foreign lock \
                  holder is reported, never signalled. With the config unreadable or unusable (a \
                  relative DATA_PATH), a daemon of \
                  this kind still found running (by its lock) fails stop and reads as running \
                  to Heartbeat.";
    match kind {
        Kind::Master => format!(
            "Replaces the seed's mfsmaster init script. start refuses an unmounted data \
             directory (mount_point) and metadata older than this pair has seen (freshness); \
             after a crash (no metadata.mfs, metadata.mfs.back and changelogs present) it backs \
             up the metadata and changelogs, sets aside stale emergency dumps where -a would look \
             (the daemon user's home, /, /tmp, ...) and starts with -a; it never passes -i; it returns \
             when the lock is held, the ports listen and an INFO request is answered. {common} \
             Level 10 sends an INFO request to the client port (a hung master is failed); level \
             20 also checks that metadata was stored recently. stop reports how long writing \
             metadata.mfs took."
        ),
        Kind::Metalogger => {
            format!("Runs mfsmetalogger (metadata backup logger) from its config. {common}")
        }
        Kind::Chunkserver => format!(
            "Runs mfschunkserver from its config; level 10 also checks that the chunkserver \
             port (CSSERV_LISTEN_PORT) listens. {common}"
        ),
        Kind::Cgiserv => format!(
            "Runs mfscgiserv (the web monitor; lock /var/lib/mfs/.mfscgiserv.lock) on \
             listen_host:listen_port so it moves with the VIP; level 10 sends an HTTP GET. \
             {common}"
        ),
    }
}

pub fn spec(kind: Kind) -> AgentSpec {
    let mut s = AgentSpec::new(kind.name(), env!("CARGO_PKG_VERSION"), kind.what())
        .longdesc(&longdesc(kind))
        .param(
            ParamSpec::string("config", "Daemon config file")
                .longdesc(
                    "The daemon's mfs*.cfg. Default: the first of \
                     /usr/local/mfs/etc/mfs/<daemon>.cfg, /usr/local/mfs/etc/<daemon>.cfg, \
                     /etc/mfs/<daemon>.cfg that exists. Not used by mfscgiserv.",
                )
                .default("")
                .unique()
                .positional(1),
        )
        .param(
            ParamSpec::string("daemon", "Which MooseFS daemon")
                .longdesc(
                    "The MooseFS daemon this instance manages. Default: the name the agent is \
                     installed under.",
                )
                .choices(&Kind::ALL.map(Kind::name))
                .default(kind.name()),
        )
        .param(
            ParamSpec::string("binary", "Daemon program")
                .longdesc(
                    "Path of the daemon. Default: /usr/local/mfs/sbin/<daemon>, \
                     /usr/sbin/<daemon>, /usr/local/sbin/<daemon>, then PATH; never this agent \
                     itself.",
                )
                .default(""),
        )
        .param(
            ParamSpec::string("mount_point", "Failover filesystem")
                .longdesc(
                    "When set, DATA_PATH must be on this mounted filesystem (the DRBD mount, \
                     e.g. /usr/local/mfs): start refuses the bare directory underneath.",
                )
                .default(""),
        )
        .param(
            ParamSpec::boolean("auto_recover", "Recover with -a after a crash")
                .longdesc(
                    "mfsmaster: when metadata.mfs is missing and metadata.mfs.back plus \
                     changelogs are present, back them up and start with -a (replay changelogs).",
                )
                .default("true"),
        )
        .param(
            ParamSpec::string("backup_dir", "Where recovery backups go")
                .longdesc(
                    "mfsmaster: before -a, metadata.mfs.back* and changelog.*.mfs are copied to \
                     <backup_dir>/<UTC timestamp>/. Default: DATA_PATH/mfs-ha-backup.",
                )
                .default(""),
        )
        .param(
            ParamSpec::integer("backup_keep", "Recovery backups kept")
                .longdesc(
                    "mfsmaster: how many timestamped recovery backups to keep (oldest go first).",
                )
                .default("5")
                .range(0, 1000),
        )
        .param(
            ParamSpec::string("probe_host", "Address of the INFO probe")
                .longdesc(
                    "mfsmaster: where level 10 and start send the INFO request. Default: \
                     MATOCL_LISTEN_HOST, or 127.0.0.1 when that is * .",
                )
                .default(""),
        )
        .param(
            ParamSpec::duration("probe_timeout", "How long an INFO request may take")
                .longdesc("Deadline of one INFO request (or HTTP GET for mfscgiserv).")
                .default("3")
                .duration_range(Duration::from_secs(1), Duration::from_secs(600)),
        )
        .param(
            ParamSpec::duration("max_metadata_age", "Time since the last metadata store")
                .longdesc(
                    "mfsmaster, level 20: the master must have stored metadata within this \
                     time. 0: METADATA_SAVE_FREQ hours from the config (default 1) plus 10 \
                     minutes.",
                )
                .default("0")
                .duration_range(Duration::ZERO, Duration::from_secs(31_536_000)),
        )
        .param(
            ParamSpec::string("metalogger_data_path", "Local metalogger's data directory")
                .longdesc(
                    "mfsmaster: the DATA_PATH of a metalogger on this node. Its newest \
                     changelog_ml/metadata_ml version counts as seen by this pair (freshness).",
                )
                .default(""),
        )
        .param(
            ParamSpec::boolean("accept_stale_metadata", "Start on older metadata")
                .longdesc(
                    "mfsmaster: start even when the metadata on disk is older than the newest \
                     version this pair has seen (changes after it are lost).",
                )
                .default("false"),
        )
        .param(
            ParamSpec::string("listen_host", "mfscgiserv address")
                .longdesc("mfscgiserv: the address to listen on (the VIP). Empty: any.")
                .default(""),
        )
        .param(
            ParamSpec::integer("listen_port", "mfscgiserv port")
                .longdesc("mfscgiserv: the HTTP port.")
                .default("9425")
                .range(1, 65_535),
        )
        .param(
            ParamSpec::string("root_path", "mfscgiserv document root")
                .longdesc(
                    "mfscgiserv: the HTTP document root (-R), the directory holding mfs.cgi. \
                     Default: the first of /usr/local/mfs/share/mfscgi (source install), \
                     /usr/share/mfscgi, /usr/share/moosefs-cgi (Debian) that holds mfs.cgi.",
                )
                .default(""),
        )
        .param(timeout_param());
    s = refusals(s, kind)
        .action(ActionSpec::new(Action::Start, 120))
        .action(ActionSpec::new(Action::Stop, 120))
        .action(ActionSpec::new(Action::Monitor, 30).interval(10).depth(0))
        .action(ActionSpec::new(Action::MetaData, 5))
        .action(ActionSpec::new(Action::ValidateAll, 20));
    if kind != Kind::Metalogger {
        // The deeper check (a real request) every minute.
        s = s.action(ActionSpec::new(Action::Monitor, 30).interval(60).depth(10));
    }
    s
}

/// The messages an operator may meet, for the generated page.
fn refusals(s: AgentSpec, kind: Kind) -> AgentSpec {
    let name = kind.name();
    let s = s
        .refusal(
            "all, 6",
            "parameter 'probe_timeout': must be 1s to 10min, got '0'",
            "Every integer and duration parameter has a range (see the table above); validate \
             refuses a value outside it, or one that is not a number or a duration, before \
             anything runs.",
        )
        .refusal(
            "status/monitor 1, start 1, stop 0",
            &format!("DATA_PATH/.{name}.lock is locked by pid N (comm), which is not BINARY: not ours, so stop leaves it alone and {name} cannot start here until it lets go"),
            "Another program holds the daemon's lock. Find out what it is; the agent never \
             signals it. stop succeeds (nothing of ours runs), start fails until it lets go.",
        )
        .refusal(
            "stop 1, status running (monitor 1)",
            &format!("cannot read CFG: ...; {name} runs here as pid N ({name}) (cwd DIR): cannot tell whether it is this instance without the config, so it is not stopped blind"),
            "The config moved or the config parameter is wrong while a daemon still runs. \
             Fix the parameter and stop again; Heartbeat reads running, so a failed stop \
             reboots instead of starting a second copy on the peer.",
        )
        .refusal(
            "stop (warning)",
            &format!("{name}: pid N ({name}) was stopped (state T): sent SIGCONT so that it can act on SIGTERM"),
            "A SIGSTOPped daemon ignores TERM until continued: stop continues it and it exits \
             normally (the master writes its metadata), long before any SIGKILL.",
        )
        .refusal(
            "stop, 1",
            &format!("{name} still running after SIGTERM to 1 process(es), SIGKILL to N in T s: ...; pid P in uninterruptible sleep (state D): a hung disk or filesystem"),
            "No signal acts on a process in state D until its I/O returns. Heartbeat reads \
             running and reboots.",
        );
    match kind {
        Kind::Master => s
            .refusal(
                "start (warning)",
                "CHANGELOG_SAVE_MODE is not set (mode 0, the default) in CFG: the master answers clients before its background writer has stored the change, ...; set `CHANGELOG_SAVE_MODE = 2` in mfsmaster.cfg ...",
                "A crash of the master (0) or of the node (0 and 1) loses metadata changes \
                 clients were told are done, DRBD or not. The start goes on: set the mode to 2 \
                 (docs/mfsmaster-howto.md, \"Changelog durability\") unless you chose speed.",
            )
            .refusal(
                "start (warning)",
                "set aside FILE as FILE.stale-TIME: version V is not newer than the data directory's D",
                "A leftover emergency dump of this instance where mfsmaster -a looks (the \
                 daemon user's home, /, /tmp, /var, /usr, ...): renamed so that -a recovers \
                 from the data directory. Remove it once you know it is not needed.",
            )
            .refusal(
                "start (warning)",
                "FILE (version V) is newer than anything in DATA_PATH (version D): mfsmaster -a will recover from it",
                "The master could not write DATA_PATH and dumped its metadata there: -a uses it, \
                 as it should. Fix the data directory.",
            )
            .refusal(
                "start, 1",
                "stale emergency dump FILE (...) cannot be set aside: ...; move it away, then start again",
                "Never let a stale dump win silently: the start stops instead.",
            ),
        _ => s,
    }
}
