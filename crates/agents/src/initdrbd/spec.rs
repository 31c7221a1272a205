//! The one declaration of Initdrbd's parameters and actions.

use ha_agent::{Action, ActionSpec, AgentSpec, ParamSpec};

pub fn spec() -> AgentSpec {
    AgentSpec::new(
        "Initdrbd",
        env!("CARGO_PKG_VERSION"),
        "Promote a DRBD resource and mount its filesystem",
    )
    .longdesc(
        "Replaces the seed article's Initdrbd script (`drbdadm primary r0; mount /dev/drbd1 \
         /usr/local/mfs`). start refuses, with a one-line reason, to promote a node whose disk \
         is not UpToDate, whose peer may be Primary, or whose link shows a split brain (unless \
         force=true); it retries `drbdadm primary` while the peer is still demoting (exit 11), \
         reports exit 17 as 'no UpToDate data reachable', waits for the device, runs fsck when \
         asked and mounts with mount(2). stop unmounts (killing only the processes that use this \
         filesystem when it is busy), then demotes, and names whoever still holds the device. \
         status reads /proc/drbd and /proc/self/mountinfo and starts no process: running means \
         Primary and mounted at directory, stopped means Secondary or unconfigured and not \
         mounted, anything in between is a failure with its reason.",
    )
    .param(
        ParamSpec::string("drbd_resource", "DRBD resource")
            .longdesc("Name of the DRBD resource, as in drbd.conf.")
            .default("r0")
            .unique()
            .positional(1),
    )
    .param(
        ParamSpec::string("device", "DRBD device")
            .longdesc(
                "The resource's block device. Default: what `drbdadm sh-dev <drbd_resource>` \
                 prints, else /dev/drbd1. Setting it saves that command on every status.",
            )
            .positional(2),
    )
    .param(
        ParamSpec::string("directory", "Mount point")
            .longdesc("Where the filesystem is mounted (created at start when missing).")
            .default("/usr/local/mfs")
            .unique()
            .positional(3),
    )
    .param(
        ParamSpec::string("fstype", "Filesystem type")
            .longdesc(
                "Filesystem type for mount(2). `auto` reads the superblock of the device \
                 (ext2/ext3/ext4, xfs, btrfs), without blkid.",
            )
            .default("auto"),
    )
    .param(
        ParamSpec::string("options", "Mount options")
            .longdesc(
                "Comma-separated mount options as for `mount -o` (flags such as noatime, ro, \
                 nodev are mount flags; the rest is passed to the filesystem).",
            )
            .default(""),
    )
    .param(
        ParamSpec::string("run_fsck", "fsck before mounting")
            .longdesc(
                "`no`: never; `auto`: only for filesystems without a journal; `force`: always. \
                 `fsck -p` exiting 4 or more fails the start.",
            )
            .default("auto"),
    )
    .param(
        ParamSpec::string("force_unmount", "Kill users of a busy filesystem at stop")
            .longdesc(
                "`safe` (or `true`): when umount finds the filesystem busy, find its users by a \
                 /proc scan (cwd, root, open files, mapped files on this filesystem only), send \
                 TERM, then KILL before the deadline. `false`: kill nothing; stop fails and names \
                 the users.",
            )
            .default("safe"),
    )
    .param(
        ParamSpec::boolean("force", "Promote despite refusal reasons")
            .longdesc(
                "Promote even when the local disk is not UpToDate, the peer may be Primary, or a \
                 split brain is suspected (logged as an error on every use). DRBD's own refusals \
                 still apply: no --force is passed to drbdadm.",
            )
            .default("false"),
    )
    .param(
        ParamSpec::string("drbdadm", "drbdadm program")
            .longdesc("The drbdadm to run: a path, or a name looked up in PATH.")
            .default("drbdadm"),
    )
    .param(
        ParamSpec::string("drbd_status_source", "DRBD status file")
            .longdesc(
                "Where the DRBD state is read from: /proc/drbd (DRBD 8.x), or a file in any \
                 format the drbd-status crate reads (a simulator's proc file in tests).",
            )
            .default("/proc/drbd"),
    )
    .param(
        ParamSpec::integer("promote_retries", "Promotion retries")
            .longdesc(
                "How often start retries, one second apart, while the peer is still Primary \
                 (demoting) or drbdadm primary exits 11. Always bounded by the action's deadline.",
            )
            .default("10"),
    )
    .param(ParamSpec::integer("timeout", "Seconds every action may take").longdesc(
        "When set, the budget of every action in seconds (heartbeat has no timeouts of its own).",
    ))
    .action(ActionSpec::new(Action::Start, 60))
    .action(ActionSpec::new(Action::Stop, 60))
    .action(ActionSpec::new(Action::Monitor, 20).interval(10).depth(0))
    .action(ActionSpec::new(Action::MetaData, 5))
    .action(ActionSpec::new(Action::ValidateAll, 20))
}
