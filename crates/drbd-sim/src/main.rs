//! `drbd-sim` / `drbdadm` / `drbdsetup`: one binary, chosen by the name it runs as.

fn main() {
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    std::process::exit(drbd_sim::cli::main_with_args(argv));
}
