//! Where the status comes from (a file, stdin or the live system) and how it is parsed.

use crate::args::{Args, InputFormat};
use crate::live;
pub use crate::loaded::{parse_bytes, Loaded, Report};
use anyhow::{Context, Result};
use std::io::Read;
use std::path::PathBuf;

/// What to read, decided once from the command line.
#[derive(Debug, Clone)]
pub enum Source {
    File(PathBuf),
    Stdin,
    Live(live::Options),
}

impl Source {
    pub fn from_args(args: &Args) -> Source {
        match &args.file {
            Some(path) if path.as_os_str() == "-" => Source::Stdin,
            Some(path) => Source::File(path.clone()),
            None => Source::Live(live::Options {
                proc_path: args.proc_path.clone(),
                drbdsetup: args.drbdsetup.clone(),
                timeout: args.timeout,
                format: args.format,
            }),
        }
    }
}

/// Reads and parses the source once.
pub fn load(source: &Source, format: Option<InputFormat>) -> Result<Loaded> {
    match source {
        Source::File(path) => {
            let origin = path.display().to_string();
            let bytes = std::fs::read(path).with_context(|| origin.clone())?;
            parse_bytes(origin, &bytes, format)
        }
        Source::Stdin => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .context("stdin")?;
            parse_bytes("stdin".into(), &bytes, format)
        }
        Source::Live(options) => live::load(options),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loaded::parse_text;
    use std::path::Path;

    #[test]
    fn garbage_is_rejected_naming_the_source() {
        let err = parse_text("/tmp/x".into(), "<html>\n", None).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.starts_with("/tmp/x: "), "{msg}");
        assert!(msg.contains("not a DRBD status"), "{msg}");
    }

    #[test]
    fn empty_input_is_rejected() {
        let err = parse_bytes("empty.txt".into(), b"", None).unwrap_err();
        assert!(format!("{err:#}").contains("empty.txt: empty input"));
    }

    #[test]
    fn resource_filter_keeps_one_or_names_the_known_ones() {
        use crate::testdata::*;
        let mut r = report(status(vec![connected_primary(), sync_target()]), vec![]);
        r.select_resource("minor-1").unwrap();
        assert_eq!(r.status.resources.len(), 1);
        let err = r.select_resource("r9").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/proc/drbd: no resource 'r9' (known: minor-1)"
        );
        let mut empty = report(status(vec![]), vec![]);
        let err = empty.select_resource("r0").unwrap_err();
        assert!(err.to_string().ends_with("(there are none)"));
        empty.status.has_device_info = false;
        assert!(empty.select_resource("r0").is_ok());
    }

    #[test]
    fn dash_means_stdin_and_no_file_means_live() {
        use clap::Parser;
        let args = Args::try_parse_from(["drbd-status", "-"]).unwrap();
        assert!(matches!(Source::from_args(&args), Source::Stdin));
        let args = Args::try_parse_from(["drbd-status", "x.txt"]).unwrap();
        assert!(matches!(Source::from_args(&args), Source::File(p) if p == Path::new("x.txt")));
        let args = Args::try_parse_from(["drbd-status", "--proc", "/p"]).unwrap();
        assert!(
            matches!(Source::from_args(&args), Source::Live(o) if o.proc_path == Path::new("/p"))
        );
    }
}
