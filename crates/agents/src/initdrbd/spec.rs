//! The one declaration of Initdrbd's parameters and actions.

use ha_agent::deadline::timeout_param;
use ha_agent::spec::Role;
use ha_agent::{Action, ActionSpec, AgentSpec, ParamSpec};

pub fn spec() -> AgentSpec {
    AgentSpec::new(
        "Initdrbd",
        env!("CARGO_PKG_VERSION"),
        "Promote a DRBD resource and mount its filesystem",
    )
    .longdesc(
        "Replaces the seed article's Initdrbd script (`drbdadm primary r0; mount /dev/drbd1 \
         /usr/local/mfs`). start first checks what it can without promoting (the device is a \
         block device, the directory exists or can be created and has nothing mounted below \
         it, an explicit fstype is known to the kernel); it refuses, with a one-line reason, to \
         promote a node whose disk is not UpToDate, whose peer may be Primary, whose link \
         shows a split brain, or whose DRBD state holds a value it cannot read (unless force=true); it waits while the peer is still Primary or \
         drbdadm refuses with something waiting can change (-1 multiple primaries, -18, -19), \
         within the action's deadline (and at most promote_retries times when set), never retries a \
         refusal that does not change (fencing -7, ...), and reports exit 17 as 'no UpToDate \
         data reachable'; then it waits for the device, runs fsck when asked and mounts with \
         mount(2). A failure after promoting is rolled back (demoted) inside the start, and \
         the reason says so. stop unmounts (ending only the processes that use this \
         filesystem when it is busy: TERM, SIGCONT to stopped ones, KILL, within the budget), \
         unmounts copies of the mount in other mount namespaces (naming them), then demotes, \
         and names whoever still holds the device; with DRBD not loaded and nothing mounted it \
         succeeds. status reads /proc/drbd and /proc/self/mountinfo and starts no process: \
         running means Primary and mounted at directory, stopped means Secondary or \
         unconfigured and not mounted; Primary without the mount (or the mount without \
         Primary) is a failure that Heartbeat reads as running, so that a failed stop reboots \
         rather than hands over. That is scope=all, the default outside a promotable clone. \
         As a promotable clone (scope=drbd, implied there) it manages DRBD only, as \
         ocf:linbit:drbd does: start runs drbdadm up (Secondary), promote and demote change the \
         role with the refusals and the deadline-bounded wait above, stop runs drbdadm down, \
         monitor answers Promoted (8), Unpromoted (0) or not running (7), and the promotion \
         score (crm_attribute --promotion) follows the local disk: UpToDate 10000, \
         Consistent or Outdated 5, anything else (or DRBD 9 without quorum) none. scope=mount \
         mounts and unmounts the filesystem of a device that the clone promoted. On DRBD 9 \
         (whose /proc/drbd has no device state) the state is read from drbdsetup status --json.",
    )
    .param(
        ParamSpec::string("drbd_resource", "DRBD resource")
            .longdesc(
                "Name of the DRBD resource, as in drbd.conf. Not unique: the promotable clone \
                 (scope=drbd) and its filesystem primitive (scope=mount) name the same resource.",
            )
            .default("r0")
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
            .choices(&["no", "auto", "force"])
            .default("auto"),
    )
    .param(
        ParamSpec::string("force_unmount", "Kill users of a busy filesystem at stop")
            .longdesc(
                "`safe` (or `true`): when umount finds the filesystem busy, find its users by a \
                 /proc scan (cwd, root, open files, mapped files on this filesystem only), send \
                 TERM (and SIGCONT to stopped ones), then KILL half-way to the unmount phase's \
                 end (the stop budget less a quarter, 0.5-5 s, kept for the demotion); copies of \
                 the mount in other mount namespaces are unmounted there (nsenter --mount) and \
                 their users ended the same way. `false`: kill and unmount nothing elsewhere; \
                 stop fails and names the users or namespaces.",
            )
            .choices(&["safe", "true", "yes", "false", "no"])
            .default("safe"),
    )
    .param(
        ParamSpec::boolean("force", "Promote despite refusal reasons")
            .longdesc(
                "Promote even when the local disk is not UpToDate, the peer may be Primary, a \
                 split brain is suspected, or DRBD shows a state this agent cannot read (logged \
                 as an error on every use). DRBD's own refusals \
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
        ParamSpec::string("drbd_status_source", "DRBD status file (tests and labs)")
            .longdesc(
                "For tests and labs, not for production: where the DRBD state is read from. \
                 Leave the default /proc/drbd (DRBD 8.x) on a real node; the lab and the \
                 system tests point it at drbd-sim's proc file. Any format the drbd-status \
                 crate reads is accepted.",
            )
            .default("/proc/drbd"),
    )
    .param(
        ParamSpec::integer("promote_retries", "Cap on promotion retries")
            .longdesc(
                "0 (default): no cap, the action's deadline (Pacemaker's op timeout, or \
                 timeout=) bounds the wait while the peer is still Primary (demoting, or dead \
                 but not yet noticed by DRBD) or drbdadm primary refuses with something waiting \
                 can change (exit 11 with -1, -18 or -19); retries are one second apart. N > 0: \
                 at most N retries, to give up earlier than the deadline.",
            )
            .default("0")
            .range(0, 1000),
    )
    .param(
        ParamSpec::string("scope", "What this instance manages")
            .longdesc(
                "`all`: promote and mount (Heartbeat, by hand; the default outside a promotable \
                 clone). `drbd`: the DRBD resource only (up/down, Primary/Secondary, promotion \
                 score; implied in a promotable clone, where `all` and `mount` are refused). \
                 `mount`: the filesystem only, on a device that is Primary here already (a \
                 primitive colocated with the clone's Promoted role); it never promotes or \
                 demotes.",
            )
            .choices(&["all", "drbd", "mount"]),
    )
    .param(timeout_param())
    .refusal(
        "all, 6",
        "parameter 'timeout': must be 1s to 24h, got '0'",
        "Every integer and duration parameter has a range (see the table above); validate \
         refuses a value outside it, or one that is not a number or a duration (`-5`), before \
         anything runs.",
    )
    .refusal(
        "all, 6",
        "argument 'foo=bar': Initdrbd has no parameter 'foo' (parameters: ...)",
        "Heartbeat form: a name=value argument with an undeclared name is a typo, never a \
         positional value (it would have become the resource name).",
    )
    .refusal(
        "all, 6",
        "drbd_resource must not start with '-' (drbdadm would read it as an option), got '--force'",
        "Give the resource name as in drbd.conf. Blanks, control characters, '/' and 'all' \
         are refused too.",
    )
    .refusal(
        "start, 6",
        "device DEV is not a block device: set device to the DRBD device (drbdadm sh-dev r0)",
        "Checked before promoting: nothing was changed.",
    )
    .refusal(
        "start, 1",
        "cannot create DIR: ...",
        "The mount point cannot be created (a file in the way, read-only parent). Checked \
         before promoting.",
    )
    .refusal(
        "start, 6",
        "fstype 'X' is not known to this kernel (not in /proc/filesystems, no module for it)",
        "A typo, or the filesystem's module is not installed. Checked before promoting.",
    )
    .refusal(
        "start, 6",
        "fstype=xfs but DEV holds ext4: set fstype=ext4 (or auto); rolled back: r0 demoted to Secondary",
        "Found once the device can be read (after promoting); the start demoted again before \
         failing, so the peer can take over at once.",
    )
    .refusal(
        "start, 1",
        "mount -t ext4 DEV DIR failed: Invalid argument (kernel: EXT4-fs (drbd1): Unrecognized mount option \"x\" ...); rolled back: r0 demoted to Secondary",
        "The kernel's own complaint names the option; fix options. Rolled back as above.",
    )
    .refusal(
        "start, 1",
        "...; rollback failed: drbdadm secondary r0 exited N: ...; still Primary, stop it before the peer can start",
        "The start failed after promoting and could not demote again: run stop (status \
         reads running for Heartbeat, so a failed stop reboots).",
    )
    .refusal(
        "start, 1",
        "refusing to promote r0: the peer is Primary (still after N retries in T s: the start deadline leaves no time for another attempt)",
        "The peer did not demote (or DRBD did not notice its death) within the budget, or \
         within promote_retries=N when set (the reason then names it). Stop the resource on \
         the peer first.",
    )
    .refusal(
        "start, 1",
        "drbdadm primary r0 failed with exit code 11: ... (-7) Refusing to be Primary while peer is not outdated; not retried: waiting does not change this refusal",
        "Fencing: the peer's disk is not known to be Outdated. Retried only -1, -18, -19.",
    )
    .refusal(
        "start, 1",
        "not promoting r0: T s left before the start deadline, too little for drbdadm primary",
        "No drbdadm is launched that the deadline would kill (its real answer would be \
         lost). Raise the start timeout.",
    )
    .refusal(
        "stop, 1",
        "cannot unmount DIR: busy, used by pid N (comm): cwd; force_unmount=false: nothing was killed",
        "End the users yourself, or use force_unmount=safe.",
    )
    .refusal(
        "stop, 1",
        "cannot unmount DIR: busy, used by ...; after SIGTERM to N process(es), SIGKILL to M in T s (stop budget B s, R s kept for the demotion)",
        "A user survived SIGKILL: usually a process in state D (hung I/O), logged as such. \
         When no signal was sent the reason says that no time was left for it.",
    )
    .refusal(
        "stop, 1",
        "DEV is still mounted in another mount namespace: mount namespace mnt:[N] of pid P (comm) at PATH; force_unmount=false: left alone",
        "A service with PrivateTmp=/ProtectSystem=, a container or `unshare -m` started while \
         the filesystem was mounted keeps a copy: unmount it there or stop that service. \
         force_unmount=safe unmounts it there itself.",
    )
    .refusal(
        "stop, 1",
        "drbdadm secondary r0 failed (... Device is held open by someone); device held by ...",
        "Names mounts here and in other namespaces, processes that opened the device, and \
         stacked block devices.",
    )
    .refusal(
        "stop, 0",
        "nothing to demote: /proc/drbd does not exist: is the DRBD kernel module loaded?",
        "Info: without DRBD nothing can be Primary; a stop with nothing to stop succeeds.",
    )
    .refusal(
        "all, 6",
        "scope=all cannot run in a promotable clone: the clone manages DRBD only (scope=drbd); ...",
        "In a promotable clone leave scope unset (or drbd); mount the filesystem with its own \
         scope=mount primitive colocated with the Promoted role.",
    )
    .refusal(
        "start, 1",
        "scope=mount does not promote: r0 is Secondary/Primary UpToDate/UpToDate Connected here, not Primary (...)",
        "The filesystem primitive ran where the clone is not Promoted: colocate it with \
         drbd-clone:Promoted and order it after the promotion.",
    )
    .refusal(
        "start/promote, 1",
        "refusing to promote r0: no quorum (DRBD 9 quorum: this node sees too few of r0's nodes; ...)",
        "DRBD 9 with quorum: the peer is gone and was not known Outdated. Not retried (waiting \
         for a peer to demote does not help); bring the peer back. Also reported when drbdadm \
         primary itself refuses with (-25) No quorum.",
    )
    .refusal(
        "stop (scope=drbd), 1",
        "drbdadm down r0 failed (exit 11): ... Device is held open by someone; device held by ...",
        "The clone's stop succeeds only when the resource is down; the holders are named.",
    )
    .action(ActionSpec::new(Action::Start, 60))
    .action(ActionSpec::new(Action::Stop, 60))
    .action(ActionSpec::new(Action::Promote, 90))
    .action(ActionSpec::new(Action::Demote, 90))
    .action(ActionSpec::new(Action::Notify, 30))
    .action(ActionSpec::new(Action::Monitor, 20).interval(10).depth(0))
    .action(
        ActionSpec::new(Action::Monitor, 20)
            .interval(9)
            .role(Role::Promoted)
            .depth(0),
    )
    .action(
        ActionSpec::new(Action::Monitor, 20)
            .interval(11)
            .role(Role::Unpromoted)
            .depth(0),
    )
    .action(ActionSpec::new(Action::MetaData, 5))
    .action(ActionSpec::new(Action::ValidateAll, 20))
}
