//! `drbdadm` as drbd-utils prints it: the resource/option parsing of `drbdadm_main.c`, the
//! drbdsetup calls it would make (`_adm_generic()`), and `m__system()`'s report
//! `Command '…' terminated with exit code N` for every call that exits with 10 or more.

use super::setup_cmd::{self as setup, Call};
use super::{Ctx, Output};
use crate::model::{Resource, SimState};
use crate::render;
use crate::states::Flavour;

/// drbdadm's `E_USAGE`: 1 in drbd-utils ≥ 8.9 (`shared_main.h`), 3 in 8.3's `drbdadm.h`.
fn e_usage(flavour: Flavour) -> i32 {
    if flavour == Flavour::V83 {
        3
    } else {
        1
    }
}

const E_CONFIG_INVALID: i32 = 10;

/// The parsed command line.
#[derive(Debug, Default)]
struct Args {
    command: Option<String>,
    resources: Vec<String>,
    setup_options: Vec<String>,
    dry_run: bool,
    unknown_option: Option<String>,
}

/// Options drbdadm forwards to drbdsetup (`recognize_all_drbdsetup_options()`).
const SETUP_FLAGS: &[&str] = &["--force", "--overwrite-data-of-peer", "--discard-my-data"];

/// Commands the simulator implements (the others are "Unknown command").
const COMMANDS: &[&str] = &[
    "primary",
    "secondary",
    "role",
    "state",
    "cstate",
    "dstate",
    "status",
    "up",
    "down",
    "connect",
    "disconnect",
    "outdate",
    "adjust",
    "adjust-with-progress",
    "create-md",
    "dump",
    "sh-dev",
    "sh-minor",
    "sh-ll-dev",
    "sh-md-dev",
    "sh-md-idx",
    "sh-ip",
    "sh-resource",
    "sh-resources",
    "sh-status",
];

fn parse(args: &[String]) -> Args {
    let mut a = Args::default();
    let mut options_done = false;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if !options_done && arg.starts_with('-') && arg.len() > 1 {
            match arg.as_str() {
                "--" => options_done = true,
                "-d" | "--dry-run" => a.dry_run = true,
                "-v" | "--verbose" | "-S" | "--stacked" => {}
                "-c" | "--config-file" | "-s" | "--drbdsetup" | "-m" | "--drbdmeta" | "-n"
                | "--sh-varname" | "-P" | "--peer" | "-t" | "--config-to-test" => {
                    iter.next();
                }
                "-W" | "--setup-option" => {
                    if let Some(v) = iter.next() {
                        a.setup_options.push(v.clone());
                    }
                }
                flag if SETUP_FLAGS.contains(&flag) => a.setup_options.push(flag.to_string()),
                other
                    if other.starts_with("--config-file=") || other.starts_with("--drbdsetup=") => {
                }
                other => {
                    if a.unknown_option.is_none() {
                        a.unknown_option = Some(other.to_string());
                    }
                }
            }
            continue;
        }
        if a.command.is_some() {
            a.resources.push(arg.clone());
        } else if COMMANDS.contains(&arg.as_str()) {
            a.command = Some(arg.clone());
        } else if arg.starts_with('-') || a.command.is_none() {
            // drbdadm passes what is neither a command nor a resource on to drbdsetup.
            a.setup_options.push(arg.clone());
        }
    }
    a
}

/// Runs `drbdadm` with `args` as `ctx.node`.
pub fn drbdadm(args: &[String], ctx: &mut Ctx) -> Output {
    let parsed = parse(args);
    let st = match crate::engine::Engine::new(ctx.store, ctx.host).snapshot() {
        Ok(st) => st,
        Err(e) => return Output::fail(20, format!("drbdadm: {e:#}\n")),
    };
    let usage = e_usage(st.flavour);
    if let Some(opt) = parsed.unknown_option {
        return Output::fail(
            usage,
            format!("drbdadm: unrecognized option '{opt}'\ntry 'drbdadm help'\n"),
        );
    }
    let Some(command) = parsed.command.clone() else {
        if let Some(first) = parsed.setup_options.first() {
            return Output::fail(usage, format!("drbdadm: Unknown command '{first}'\n"));
        }
        return Output::fail(usage, "drbdadm: No command specified\n");
    };
    if command == "status" && st.flavour == Flavour::V83 {
        return Output::fail(usage, "drbdadm: Unknown command 'status'\n");
    }
    let mut out = Output::default();
    let command = if command == "state" {
        out.stderr
            .push_str("'drbdadm state' is deprecated, use 'drbdadm role' instead.\n");
        "role".to_string()
    } else {
        command
    };
    let global = matches!(command.as_str(), "sh-resources" | "sh-status" | "dump");
    if global {
        out.absorb(run_global(&command, &st, ctx));
        return out;
    }
    let targets = match resolve(&parsed.resources, &command, &st, &ctx.node) {
        Ok(t) => t,
        Err(e) => {
            out.absorb(e);
            return out;
        }
    };
    for name in targets {
        let Some(res) = st.resources.get(&name) else {
            continue;
        };
        if !res.has_node(&ctx.node) {
            out.absorb(Output::fail(
                usage,
                format!(
                    "'{name}' ignored, since this host ({}) is not mentioned with an 'on' keyword.\n",
                    ctx.node
                ),
            ));
            continue;
        }
        let r = run_one(&command, res, &st, &parsed, ctx);
        let stop = r.code >= 20;
        out.absorb(r);
        if stop {
            break;
        }
    }
    out
}

/// The resources a command works on: named ones, or all of this host's for `all` (and for
/// `status`, `dump`, … without names).
fn resolve(
    names: &[String],
    command: &str,
    st: &SimState,
    node: &str,
) -> Result<Vec<String>, Output> {
    let usage = e_usage(st.flavour);
    let implicit_all = names.is_empty() && matches!(command, "status" | "dump");
    if names.is_empty() && !implicit_all {
        return Err(Output::fail(
            usage,
            format!("drbdadm: No resource names specified\nUSAGE: drbdadm {command} [OPTION...] {{all|RESOURCE...}}\n"),
        ));
    }
    if implicit_all || names.iter().any(|n| n == "all") {
        if st.resources.is_empty() {
            return Err(Output::fail(usage, "no resources defined!\n"));
        }
        let mine: Vec<String> = crate::setup::resource_names(st)
            .into_iter()
            .filter(|n| st.resources.get(n).is_some_and(|r| r.has_node(node)))
            .collect();
        if mine.is_empty() {
            return Err(Output::fail(
                usage,
                format!(
                    "WARN: no normal resources defined for this host ({node})!?\nMisspelled name of the local machine with the 'on' keyword ?\n"
                ),
            ));
        }
        return Ok(mine);
    }
    let mut out = Vec::new();
    for n in names {
        let base = n.split('/').next().unwrap_or(n);
        match st.find_name(base) {
            Some(name) => out.push(name),
            None => {
                return Err(Output::fail(
                    usage,
                    format!("'{n}' not defined in your config (for this host).\n"),
                ))
            }
        }
    }
    Ok(out)
}

fn run_global(command: &str, st: &SimState, ctx: &mut Ctx) -> Output {
    match command {
        "sh-resources" => {
            let names: Vec<String> = crate::setup::resource_names(st)
                .into_iter()
                .filter(|n| st.resources.get(n).is_some_and(|r| r.has_node(&ctx.node)))
                .collect();
            if names.is_empty() {
                Output::ok("")
            } else {
                Output::ok(format!("{}\n", names.join(" ")))
            }
        }
        "sh-status" => {
            let conf = ctx.store.config_path().display().to_string();
            Output::ok(render::sh_status::drbdadm(st, &ctx.node, &conf, "9.22.0"))
        }
        _ => Output::ok(format!(
            "# {}\n{}",
            ctx.store.config_path().display(),
            crate::store::render_config(st)
        )),
    }
}

/// Prints the drbdsetup/drbdmeta command line under `-d`, else runs the call and reports it
/// the way `m__system()` does.
fn run_call(call: &Call, parsed: &Args, ctx: &mut Ctx) -> Output {
    if parsed.dry_run {
        return Output::ok(dry_run_line(&call.cmdline));
    }
    let mut out = setup::execute(call, ctx);
    report(&mut out, &call.cmdline);
    out
}

/// `m__system()` under `-d`: every argument followed by a space, then a newline.
fn dry_run_line(cmdline: &str) -> String {
    format!("{cmdline} \n")
}

fn report(out: &mut Output, cmdline: &str) {
    if out.code >= 10 {
        out.stderr.push_str(&format!(
            "Command '{cmdline}' terminated with exit code {}\n",
            out.code
        ));
    }
}

fn run_one(command: &str, res: &Resource, st: &SimState, parsed: &Args, ctx: &mut Ctx) -> Output {
    let flavour = st.flavour;
    let node = ctx.node.clone();
    let opts = &parsed.setup_options;
    match command {
        "sh-dev" => Output::ok(format!("{}\n", res.device_path(&node))),
        "sh-minor" => Output::ok(format!("{}\n", res.minor)),
        "sh-ll-dev" | "sh-md-dev" => Output::ok(format!("{}\n", res.config.image)),
        "sh-md-idx" => Output::ok("internal\n"),
        "sh-resource" => Output::ok(format!("{}\n", res.name)),
        "sh-ip" => {
            let addr = res.config.addresses.get(&node).cloned().unwrap_or_default();
            let ip = addr
                .rsplit_once(':')
                .map(|(ip, _)| ip.to_string())
                .unwrap_or(addr);
            Output::ok(format!("{ip}\n"))
        }
        "primary" | "secondary" | "role" | "cstate" => run_call(
            &Call::new(flavour, command, res, &ctx.node, opts),
            parsed,
            ctx,
        ),
        "status" => run_call(
            &Call::new(flavour, "status", res, &ctx.node, &[]),
            parsed,
            ctx,
        ),
        "down" => run_call(
            &Call::new(flavour, "down", res, &ctx.node, &[]),
            parsed,
            ctx,
        ),
        "disconnect" => run_call(
            &Call::new(flavour, "disconnect", res, &ctx.node, &[]),
            parsed,
            ctx,
        ),
        "connect" => run_call(
            &Call::new(flavour, "connect", res, &ctx.node, opts),
            parsed,
            ctx,
        ),
        "dstate" => dstate(res, flavour, parsed, ctx),
        "outdate" => outdate(res, flavour, parsed, ctx),
        "up" => up(res, flavour, parsed, ctx, false),
        "adjust" | "adjust-with-progress" => up(res, flavour, parsed, ctx, true),
        "create-md" => create_md(res, flavour, parsed, ctx),
        _ => Output::fail(
            e_usage(flavour),
            format!("drbdadm: Unknown command '{command}'\n"),
        ),
    }
}

/// `adm_generic_b()`: drbdsetup's stderr is kept for state errors (11, 17) only; any other
/// failure falls back to drbdmeta, which reads the on-disk state of a device that is down.
fn dstate(res: &Resource, flavour: Flavour, parsed: &Args, ctx: &mut Ctx) -> Output {
    let call = Call::new(flavour, "dstate", res, &ctx.node, &[]);
    if parsed.dry_run {
        return Output::ok(dry_run_line(&call.cmdline));
    }
    let out = setup::execute(&call, ctx);
    if out.code == 0 || out.code == 11 || out.code == 17 {
        return out;
    }
    let meta = Call::meta(res, "dstate");
    let mut m = setup::execute(&meta, ctx);
    report(&mut m, &meta.cmdline);
    m
}

/// `adm_outdate()`: drbdsetup outdate quietly; 17 is final; otherwise drbdmeta outdate.
fn outdate(res: &Resource, flavour: Flavour, parsed: &Args, ctx: &mut Ctx) -> Output {
    let call = Call::new(flavour, "outdate", res, &ctx.node, &[]);
    if parsed.dry_run {
        return Output::ok(dry_run_line(&call.cmdline));
    }
    let quiet = setup::execute(&call, ctx);
    if quiet.code == 0 || quiet.code == 17 {
        return Output {
            stderr: String::new(),
            ..quiet
        };
    }
    let meta = Call::meta(res, "outdate");
    let mut m = setup::execute(&meta, ctx);
    report(&mut m, &meta.cmdline);
    if quiet.code == 5 && m.code != 0 {
        m.code = 5;
    }
    m
}

/// `drbdadm up` (attach + connect) and `adjust` (only what is missing, silently).
fn up(res: &Resource, flavour: Flavour, parsed: &Args, ctx: &mut Ctx, adjust: bool) -> Output {
    let view = res.view(&ctx.node);
    let me_net = res
        .node_state
        .get(&ctx.node)
        .map(|n| n.net)
        .unwrap_or(false);
    let attach = Call::new(flavour, "attach", res, &ctx.node, &[]);
    let connect = Call::new(flavour, "connect", res, &ctx.node, &parsed.setup_options);
    if parsed.dry_run {
        let mut text = String::new();
        if view.is_none() {
            text.push_str(&Call::new(flavour, "new-resource", res, &ctx.node, &[]).cmdline);
            text.push_str(" \n");
            text.push_str(&Call::new(flavour, "new-minor", res, &ctx.node, &[]).cmdline);
            text.push_str(" \n");
        }
        if view.is_none() || !adjust {
            text.push_str(&attach.cmdline);
            text.push_str(" \n");
        }
        if !me_net || !adjust {
            text.push_str(&connect.cmdline);
            text.push_str(" \n");
        }
        return Output::ok(text);
    }
    if view.is_none() {
        let mut out = setup::execute(&Call::new(flavour, "up", res, &ctx.node, &[]), ctx);
        report(&mut out, &attach.cmdline);
        return out;
    }
    let mut out = Output::default();
    if !adjust {
        let mut a = setup::execute(&attach, ctx);
        report(&mut a, &attach.cmdline);
        out.absorb(a);
    }
    if !me_net || !adjust {
        let mut c = setup::execute(&connect, ctx);
        report(&mut c, &connect.cmdline);
        out.absorb(c);
    }
    // run_deferred_cmds() returns 1 when any step failed.
    if out.code != 0 {
        out.code = 1;
    }
    out
}

fn create_md(res: &Resource, flavour: Flavour, parsed: &Args, ctx: &mut Ctx) -> Output {
    let meta = Call::meta(res, "create-md");
    if parsed.dry_run {
        return Output::ok(dry_run_line(&meta.cmdline));
    }
    let _ = flavour;
    let mut m = setup::execute(&meta, ctx);
    report(&mut m, &meta.cmdline);
    if m.code != 0 && m.code < 10 {
        m.code = E_CONFIG_INVALID;
    }
    m
}
