//! The one declaration of the MooseFS agents' parameters and actions; the agent's name is the
//! daemon kind it was invoked as.

use ha_agent::{Action, ActionSpec, AgentSpec, ParamSpec};

use super::kind::Kind;

fn longdesc(kind: Kind) -> String {
    let common = "status reads the daemon's fcntl lock with F_GETLK and /proc (no process is \
                  started); stop sends SIGTERM to the lock owner, waits for the lock to drop and \
                  SIGKILLs the processes of this data directory only at the deadline.";
    match kind {
        Kind::Master => format!(
            "Replaces the seed's mfsmaster init script. start refuses an unmounted data \
             directory (mount_point) and metadata older than this pair has seen (freshness); \
             after a crash (no metadata.mfs, metadata.mfs.back and changelogs present) it backs \
             up the metadata and changelogs and starts with -a; it never passes -i; it returns \
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
                    "mfsmaster, mfsmetalogger, mfschunkserver or mfscgiserv. Default: the name \
                     the agent is installed under.",
                )
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
                .longdesc("mfsmaster: how many timestamped recovery backups to keep (oldest go first).")
                .default("5"),
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
            ParamSpec::integer("probe_timeout", "Seconds an INFO request may take")
                .longdesc("Deadline of one INFO request (or HTTP GET for mfscgiserv).")
                .default("3"),
        )
        .param(
            ParamSpec::integer("max_metadata_age", "Seconds since the last metadata store")
                .longdesc(
                    "mfsmaster, level 20: the master must have stored metadata within this many \
                     seconds. 0: METADATA_SAVE_FREQ hours from the config (default 1) plus 10 \
                     minutes.",
                )
                .default("0"),
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
                .default("9425"),
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
        .param(ParamSpec::integer("timeout", "Seconds every action may take").longdesc(
            "When set, the budget of every action in seconds (heartbeat has no timeouts of its own).",
        ));
    s = s
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
