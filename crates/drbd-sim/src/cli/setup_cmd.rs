//! `drbdsetup` (and the little of `drbdmeta` that drbdadm falls back to): one call is one
//! kernel request, answered with drbdsetup's own stderr text and exit code.

use super::{Ctx, Output};
use crate::engine::Engine;
use crate::errors::{ConfigError, Failure, StateError};
use crate::model::{Resource, SimState};
use crate::ops::{self, Effect};
use crate::render;
use crate::states::{Conn, Disk, Flavour};

/// What a drbdsetup/drbdmeta call asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Primary {
        force: bool,
    },
    Secondary,
    Role,
    Cstate,
    Dstate,
    Status {
        json: bool,
    },
    Down,
    Outdate,
    Connect {
        discard_my_data: bool,
    },
    Disconnect,
    Attach,
    /// new-resource + new-minor + attach + connect, as `drbdadm up` does on a down resource.
    Up,
    SetupNoop,
    /// `drbdmeta <minor> v08 <disk> internal <command>`.
    Meta(&'static str),
}

/// One call: the operation, the resource it reaches (if any), drbdsetup's object argument
/// (what error messages start with) and the command line drbdadm reports.
#[derive(Debug, Clone)]
pub struct Call {
    pub op: Op,
    pub target: Option<String>,
    pub objname: String,
    pub cmdline: String,
}

fn drbdsetup_name(flavour: Flavour) -> &'static str {
    if flavour == Flavour::V84 {
        "drbdsetup-84"
    } else {
        "drbdsetup"
    }
}

fn ipv4(addr: Option<&String>) -> String {
    format!(
        "ipv4:{}",
        addr.map(String::as_str).unwrap_or("127.0.0.1:7789")
    )
}

impl Call {
    /// The call drbdadm makes for `command` on `res` (`_adm_generic()` and friends).
    pub fn new(
        flavour: Flavour,
        command: &str,
        res: &Resource,
        node: &str,
        setup_options: &[String],
    ) -> Call {
        let has = |o: &str| setup_options.iter().any(|s| s == o);
        let op = match command {
            "primary" => Op::Primary {
                force: has("--force") || has("--overwrite-data-of-peer"),
            },
            "secondary" => Op::Secondary,
            "role" => Op::Role,
            "cstate" => Op::Cstate,
            "dstate" => Op::Dstate,
            "status" => Op::Status { json: false },
            "down" => Op::Down,
            "outdate" => Op::Outdate,
            "connect" => Op::Connect {
                discard_my_data: has("--discard-my-data"),
            },
            "disconnect" => Op::Disconnect,
            "attach" => Op::Attach,
            "up" => Op::Up,
            _ => Op::SetupNoop,
        };
        let minor = res.minor.to_string();
        let my_addr = ipv4(res.config.addresses.get(node));
        let peer_addr = ipv4(res.peer_of(node).and_then(|p| res.config.addresses.get(p)));
        let image = &res.config.image;
        let (objname, args): (String, String) = match (flavour, command) {
            (Flavour::V83, "attach" | "up") => {
                (minor.clone(), format!("disk {image} {image} internal"))
            }
            (Flavour::V83, "connect") => {
                let a = my_addr.trim_start_matches("ipv4:");
                let b = peer_addr.trim_start_matches("ipv4:");
                (minor.clone(), format!("net {a} {b} C"))
            }
            (Flavour::V83, cmd) => (minor.clone(), cmd.to_string()),
            (_, "attach" | "up") => (minor.clone(), format!("{minor} {image} {image} internal")),
            (Flavour::V84, "connect") => (
                res.name.clone(),
                format!("{} {my_addr} {peer_addr}", res.name),
            ),
            (Flavour::V84, "disconnect") => (my_addr.clone(), format!("{my_addr} {peer_addr}")),
            (Flavour::V9, "connect" | "disconnect" | "cstate") => {
                (res.name.clone(), format!("{} 1", res.name))
            }
            (_, "new-minor") => (res.name.clone(), format!("{} {minor} 0", res.name)),
            (_, "status" | "down" | "new-resource") => (res.name.clone(), res.name.clone()),
            (Flavour::V9, "primary" | "secondary" | "role") => (res.name.clone(), res.name.clone()),
            _ => (minor.clone(), minor.clone()),
        };
        let tool = drbdsetup_name(flavour);
        let verb = match command {
            "up" => "attach",
            other => other,
        };
        let mut cmdline = match flavour {
            Flavour::V83 => format!("{tool} {minor} {args}"),
            _ => format!("{tool} {verb} {args}"),
        };
        for o in setup_options {
            cmdline.push(' ');
            cmdline.push_str(o);
        }
        Call {
            op,
            target: Some(res.name.clone()),
            objname,
            cmdline,
        }
    }

    /// drbdadm's drbdmeta call (`_admm_generic()`).
    pub fn meta(res: &Resource, command: &'static str) -> Call {
        Call {
            op: Op::Meta(command),
            target: Some(res.name.clone()),
            objname: res.minor.to_string(),
            cmdline: format!(
                "drbdmeta {} v08 {} internal {command}",
                res.minor, res.config.image
            ),
        }
    }
}

fn failure(f: Failure, objname: &str) -> Output {
    Output::fail(f.exit_code(), f.drbdsetup_message(objname))
}

fn result_output(r: Result<Effect, Failure>, objname: &str) -> Output {
    match r {
        Ok(_) => Output::default(),
        Err(f) => failure(f, objname),
    }
}

fn engine_error(e: anyhow::Error) -> Output {
    Output::fail(20, format!("drbd-sim: {e:#}\n"))
}

/// Executes one call as `ctx.node`.
pub fn execute(call: &Call, ctx: &mut Ctx) -> Output {
    let node = ctx.node.clone();
    let obj = call.objname.as_str();
    let Some(name) = call.target.clone() else {
        return missing(&call.op, obj);
    };
    let mut engine = Engine::new(ctx.store, ctx.host);
    let out = match &call.op {
        Op::Primary { force } => primary(&mut engine, &name, &node, *force, obj),
        Op::Secondary => secondary(&mut engine, &name, &node, obj),
        Op::Role | Op::Cstate | Op::Dstate => match engine.snapshot() {
            Ok(st) => one_liner(&call.op, &st, &name, &node, obj),
            Err(e) => engine_error(e),
        },
        Op::Status { json } => match engine.snapshot() {
            Ok(st) => status(&st, &node, Some(&name), *json, "drbdsetup"),
            Err(e) => engine_error(e),
        },
        Op::Down => transact(&mut engine, obj, |st, host, _| {
            let open = !Engine::holders(st, host, &name, &node).is_empty();
            ops::down(st, &name, &node, open)
        }),
        Op::Outdate => transact(&mut engine, obj, |st, host, _| {
            let open = !Engine::holders(st, host, &name, &node).is_empty();
            ops::outdate(st, &name, &node, open)
        }),
        Op::Connect { discard_my_data } => transact(&mut engine, obj, |st, _, _| {
            ops::connect(st, &name, &node, *discard_my_data)
        }),
        Op::Disconnect => transact(&mut engine, obj, |st, _, _| {
            ops::disconnect(st, &name, &node)
        }),
        Op::Attach => transact(&mut engine, obj, |st, _, _| {
            match st.resources.get(&name).and_then(|r| r.view(&node)) {
                Some(_) => Err(Failure::Config(ConfigError::DiskConfigured)),
                None => Err(Failure::Config(ConfigError::MinorInvalid)),
            }
        }),
        Op::Up => transact(&mut engine, obj, |st, _, _| ops::up(st, &name, &node)),
        Op::SetupNoop => Output::default(),
        Op::Meta(what) => meta(&mut engine, what, &name, &node, obj),
    };
    let mut out = out;
    for w in engine.warnings.drain(..) {
        out.stderr.push_str(&format!("drbd-sim: warning: {w}\n"));
    }
    out
}

fn transact(
    engine: &mut Engine,
    obj: &str,
    f: impl FnOnce(&mut SimState, &mut dyn crate::device::Host, u64) -> Result<Effect, Failure>,
) -> Output {
    match engine.transact(f) {
        Ok(r) => result_output(r, obj),
        Err(e) => engine_error(e),
    }
}

/// A call on an object the kernel does not know.
fn missing(op: &Op, obj: &str) -> Output {
    match op {
        Op::Status { .. } => Output::fail(10, format!("{obj}: No such resource\n")),
        Op::Down => Output::default(),
        Op::Connect { .. } | Op::Disconnect => failure(ConfigError::ResNotKnown.into(), obj),
        _ => failure(ConfigError::MinorInvalid.into(), obj),
    }
}

/// `drbd_set_role(R_PRIMARY)`: a refusal because the peer is Primary is retried once after
/// `(ping-timeout + 1) / 10` seconds, as the kernel does. A refusal because the peer is not
/// known outdated (or because a Consistent disk needs that knowledge) first asks the
/// fence-peer handler, outside the state lock, then retries once.
fn primary(engine: &mut Engine, name: &str, node: &str, force: bool, obj: &str) -> Output {
    let attempt = |engine: &mut Engine| {
        engine.transact(|st, host, now| {
            let open = !Engine::holders(st, host, name, node).is_empty();
            ops::promote(st, name, node, force, open, now)
        })
    };
    let mut first = match attempt(engine) {
        Ok(r) => r,
        Err(e) => return engine_error(e),
    };
    let fence_refusal = matches!(
        first,
        Err(Failure::State(
            StateError::PrimaryNop | StateError::NoUpToDateDisk
        ))
    );
    if fence_refusal {
        match try_outdate_peer(engine, name, node) {
            Ok(true) => {
                first = match attempt(engine) {
                    Ok(r) => r,
                    Err(e) => return engine_error(e),
                }
            }
            Ok(false) => {}
            Err(e) => return engine_error(e),
        }
    }
    if first != Err(Failure::State(StateError::TwoPrimaries)) {
        return result_output(first, obj);
    }
    let wait = engine
        .snapshot()
        .ok()
        .and_then(|st| st.resources.get(name).map(|r| r.config.ping_timeo_ds))
        .unwrap_or(5);
    engine
        .host
        .sleep_ms(u64::from(wait).saturating_add(1).saturating_mul(100));
    match attempt(engine) {
        Ok(r) => result_output(r, obj),
        Err(e) => engine_error(e),
    }
}

/// `conn_try_outdate_peer()`: runs the fence-peer handler when the state calls for it (see
/// [`crate::fence::wanted`]) and records its verdict. True when the handler ran.
pub fn try_outdate_peer(engine: &mut Engine, name: &str, node: &str) -> anyhow::Result<bool> {
    let st = engine.snapshot()?;
    let Some(res) = st.resources.get(name) else {
        return Ok(false);
    };
    if !crate::fence::wanted(res, node) {
        return Ok(false);
    }
    let argv = res.config.fence_peer.clone();
    let conf = engine.store.config_path().display().to_string();
    let env = crate::fence::environment(res, node, &conf);
    let fencing = res.config.fencing;
    engine.store.kernel_log(
        node,
        name,
        &[format!("helper command: {} (fence-peer)", argv.join(" "))],
    );
    let run = engine
        .host
        .run_handler(&argv, &env, crate::fence::HANDLER_DEADLINE_MS);
    let mut lines: Vec<String> = run.output.lines().map(|l| format!("  {l}")).collect();
    let verdict = engine.transact(|st, _, _| {
        let disk = st
            .resources
            .get(name)
            .and_then(|r| r.view(node))
            .map_or(Disk::Diskless, |v| v.disk);
        let verdict = crate::fence::interpret(run.code, fencing, disk);
        crate::fence::apply(st, name, node, &verdict);
        verdict
    })?;
    lines.extend(verdict.log);
    engine.store.kernel_log(node, name, &lines);
    Ok(true)
}

/// `drbdsetup secondary`: blocks until a slow demotion has completed.
fn secondary(engine: &mut Engine, name: &str, node: &str, obj: &str) -> Output {
    let r = engine.transact(|st, host, now| {
        let open = !Engine::holders(st, host, name, node).is_empty();
        ops::demote(st, name, node, open, now)
    });
    match r {
        Ok(Ok(Effect::DemotionPending(at))) => {
            let now = engine.host.now_ms();
            engine.host.sleep_ms(at.saturating_sub(now));
            match engine.snapshot() {
                Ok(_) => Output::default(),
                Err(e) => engine_error(e),
            }
        }
        Ok(r) => result_output(r, obj),
        Err(e) => engine_error(e),
    }
}

/// `role`, `cstate`, `dstate`: one line, or "Unconfigured" for a minor without disk and net.
fn one_liner(op: &Op, st: &SimState, name: &str, node: &str, obj: &str) -> Output {
    let Some(v) = st.resources.get(name).and_then(|r| r.view(node)) else {
        return failure(ConfigError::MinorInvalid.into(), obj);
    };
    if v.conn == Conn::StandAlone && v.disk == Disk::Diskless {
        return Output::ok("Unconfigured\n");
    }
    let text = match (op, st.flavour) {
        (Op::Role, Flavour::V9) => format!("{}\n", v.role),
        (Op::Role, _) => format!("{}/{}\n", v.role, v.peer),
        (Op::Cstate, Flavour::V9) => format!("{}\n", v.conn.connection9()),
        (Op::Cstate, _) => format!("{}\n", v.conn),
        _ => format!("{}/{}\n", v.disk, v.pdsk),
    };
    Output::ok(text)
}

/// `drbdsetup status [res] [--json]`.
pub fn status(st: &SimState, node: &str, name: Option<&str>, json: bool, prog: &str) -> Output {
    if json && st.flavour != Flavour::V9 {
        return Output::fail(20, format!("{prog}: unrecognized option '--json'\n"));
    }
    let r = if json {
        render::json::render(st, node, name)
    } else {
        render::status::render(st, node, name)
    };
    match r {
        Ok(text) => Output::ok(text),
        Err(n) => Output::fail(10, format!("{n}: No such resource\n")),
    }
}

/// The drbdmeta commands drbdadm falls back to (on a resource that is down).
fn meta(engine: &mut Engine, what: &str, name: &str, node: &str, obj: &str) -> Output {
    let r = engine.transact(|st, _, _| {
        let Some(res) = st.resources.get(name) else {
            return Err(Output::fail(20, format!("'{name}' unknown\n")));
        };
        let Some(me) = res.node_state.get(node) else {
            return Err(Output::fail(20, format!("'{name}' unknown\n")));
        };
        if me.up {
            return Err(Output::fail(20, format!("Device '{obj}' is configured!\n")));
        }
        match what {
            "dstate" => Ok(match me.md.disk {
                Disk::UpToDate | Disk::Consistent => "Consistent/DUnknown\n".to_string(),
                Disk::Outdated => "Outdated/DUnknown\n".to_string(),
                _ => "Inconsistent/DUnknown\n".to_string(),
            }),
            "outdate" => match ops::outdate_meta_data(st, name, node) {
                Ok(_) => Ok(String::new()),
                Err(_) => Err(Output::fail(5, "Device is inconsistent.\n")),
            },
            _ => {
                let gen = st.fresh_gen();
                if let Some(me) = st
                    .resources
                    .get_mut(name)
                    .and_then(|r| r.node_state.get_mut(node))
                {
                    me.md.disk = Disk::Inconsistent;
                    me.md.peer_outdated = false;
                    me.gen = gen;
                    me.history.clear();
                }
                Ok(
                    "Writing meta data...\nNew drbd meta data block successfully created.\n"
                        .to_string(),
                )
            }
        }
    });
    match r {
        Ok(Ok(text)) => Output::ok(text),
        Ok(Err(out)) => out,
        Err(e) => engine_error(e),
    }
}

/// Commands drbdsetup knows; the first argument is either one of these (8.4/9 order) or the
/// object, followed by one of these (8.3 order: `drbdsetup /dev/drbd1 primary`).
const SETUP_COMMANDS: &[&str] = &[
    "primary",
    "secondary",
    "role",
    "state",
    "cstate",
    "dstate",
    "status",
    "events2",
    "sh-status",
    "down",
    "outdate",
    "disconnect",
];

/// Runs `drbdsetup` with `args` as `ctx.node`.
pub fn drbdsetup(args: &[String], ctx: &mut Ctx, prog: &str) -> Output {
    let positional: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let options: Vec<&String> = args.iter().filter(|a| a.starts_with('-')).collect();
    let (command, object) = match positional.as_slice() {
        [] => {
            return Output::fail(
                20,
                format!("USAGE: {prog} command {{arguments}} [options]\n"),
            )
        }
        [c, rest @ ..] if SETUP_COMMANDS.contains(&c.as_str()) => {
            (c.as_str(), rest.first().map(|s| s.as_str()))
        }
        [o, c, ..] if SETUP_COMMANDS.contains(&c.as_str()) => (c.as_str(), Some(o.as_str())),
        [c, ..] => return Output::fail(20, format!("{prog}: Unknown command '{c}'\n")),
    };
    let st = match Engine::new(ctx.store, ctx.host).snapshot() {
        Ok(st) => st,
        Err(e) => return engine_error(e),
    };
    let has = |o: &str| options.iter().any(|s| s.as_str() == o);
    let node = ctx.node.clone();
    let object_is_all = matches!(object, None | Some("all"));
    match command {
        "status" => {
            let name = if object_is_all { None } else { object };
            let name = name.map(|n| st.find_name(n).unwrap_or_else(|| n.to_string()));
            return status(&st, &node, name.as_deref(), has("--json"), prog);
        }
        "events2" if st.flavour == Flavour::V83 => {
            return Output::fail(20, format!("{prog}: Unknown command 'events2'\n"));
        }
        "events2" => {
            let name = if object_is_all { None } else { object };
            return Output::ok(render::events2::render_now(
                &st,
                &node,
                name,
                has("--statistics"),
            ));
        }
        "sh-status" => {
            let mut out = Output::default();
            for res in render::resources_of(&st, &node) {
                let wanted = object_is_all
                    || object.and_then(|o| st.find_name(o)).as_deref() == Some(res.name.as_str());
                if wanted {
                    out.stdout.push_str(&render::sh_status::device(res, &node));
                }
            }
            return out;
        }
        _ => {}
    }
    let Some(obj) = object else {
        return Output::fail(20, format!("{prog}: Missing argument 'minor'\n"));
    };
    let target = st
        .find(obj)
        .filter(|r| r.has_node(&node))
        .map(|r| r.name.clone());
    let op = match command {
        "primary" => Op::Primary {
            force: has("--force") || has("--overwrite-data-of-peer") || has("-o"),
        },
        "secondary" => Op::Secondary,
        "role" | "state" => Op::Role,
        "cstate" => Op::Cstate,
        "dstate" => Op::Dstate,
        "down" => Op::Down,
        "outdate" => Op::Outdate,
        _ => Op::Disconnect,
    };
    let mut out = Output::default();
    if command == "state" {
        out.stderr.push_str(&format!(
            "'{prog} ... state' is deprecated, use '{prog} ... role' instead.\n"
        ));
    }
    let call = Call {
        op,
        target,
        objname: obj.to_string(),
        cmdline: String::new(),
    };
    out.absorb(execute(&call, ctx));
    out
}

/// `drbdsetup events2` without `--now`: the initial dump, then a `change` line whenever an
/// object's keys change (polled every 200 ms), until stdout is closed.
pub fn events2_follow(args: &[String], ctx: &mut Ctx, prog: &str) -> i32 {
    use std::io::Write;
    let object = args.iter().skip(1).find(|a| !a.starts_with('-')).cloned();
    let statistics = args.iter().any(|a| a == "--statistics");
    let mut previous: Vec<String> = Vec::new();
    loop {
        let st = match Engine::new(ctx.store, ctx.host).snapshot() {
            Ok(st) => st,
            Err(e) => {
                eprintln!("{prog}: {e:#}");
                return 20;
            }
        };
        if st.flavour == Flavour::V83 {
            eprintln!("{prog}: Unknown command 'events2'");
            return 20;
        }
        let name = object.as_deref().filter(|o| *o != "all");
        let dump = render::events2::render_now(&st, &ctx.node, name, statistics);
        let lines: Vec<String> = dump.lines().map(str::to_string).collect();
        let text = if previous.is_empty() {
            dump
        } else {
            render::events2::changes(&previous, &lines)
        };
        previous = lines;
        let mut so = std::io::stdout().lock();
        if so
            .write_all(text.as_bytes())
            .and_then(|_| so.flush())
            .is_err()
        {
            return 0;
        }
        drop(so);
        ctx.host.sleep_ms(200);
    }
}
