//! The header lines: version, build tag and (DRBD 9) transports.

use super::doc::{Build, BuildKind, Transport, Version};

/// What a header line is, judged from its first word.
pub(super) enum HeaderLine {
    Version,
    Build,
    Transports,
}

pub(super) fn classify(line: &str) -> Option<HeaderLine> {
    let line = line.trim_start();
    if line.starts_with("version:") {
        Some(HeaderLine::Version)
    } else if line.starts_with("GIT-hash:")
        || line.starts_with("SVN Revision:")
        || line.starts_with("srcversion:")
        || line.trim_end() == "built-in"
    {
        Some(HeaderLine::Build)
    } else if line.starts_with("Transports") {
        Some(HeaderLine::Transports)
    } else {
        None
    }
}

/// `version: REL (api:N/proto:MIN[-MAX])[ (compat 8.4)]`; `Err` says what is wrong.
pub(super) fn parse_version(line: &str) -> Result<Version, String> {
    let rest = line.trim().trim_start_matches("version:").trim_start();
    let release = rest.split_whitespace().next().unwrap_or("");
    if release.is_empty() || release.starts_with('(') {
        return Err("version line without a release".into());
    }
    let after = rest.get(release.len()..).unwrap_or("");
    let api = number_after(after, "api:");
    let proto = after.find("proto:").map(|at| &after[at + "proto:".len()..]);
    let (proto_min, proto_max) = match proto {
        Some(p) => {
            let min = leading_u32(p);
            let max = p
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .strip_prefix('-')
                .and_then(leading_u32);
            (min, max.or(min))
        }
        None => (None, None),
    };
    Ok(Version {
        release: release.to_string(),
        api,
        proto_min,
        proto_max,
        compat_84: after.contains("(compat 8.4)"),
    })
}

fn number_after(text: &str, key: &str) -> Option<u32> {
    text.find(key)
        .and_then(|at| leading_u32(&text[at + key.len()..]))
}

fn leading_u32(text: &str) -> Option<u32> {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The build line: `GIT-hash: H rest`, `SVN Revision: N rest`, `srcversion: S`, `built-in`.
pub(super) fn parse_build(line: &str) -> Build {
    let line = line.trim();
    let (kind, after) = if let Some(r) = line.strip_prefix("GIT-hash:") {
        (BuildKind::GitHash, r)
    } else if let Some(r) = line.strip_prefix("SVN Revision:") {
        (BuildKind::SvnRevision, r)
    } else if let Some(r) = line.strip_prefix("srcversion:") {
        (BuildKind::SrcVersion, r)
    } else {
        (BuildKind::BuiltIn, "")
    };
    let after = after.trim();
    let value = after.split_whitespace().next().map(str::to_string);
    let rest = value
        .as_deref()
        .and_then(|v| after.get(v.len()..))
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    Build { kind, value, rest }
}

/// `Transports (api:N): tcp (9.0.22-2) rdma (NONE)` → api and transports.
pub(super) fn parse_transports(line: &str) -> (Option<u32>, Vec<Transport>) {
    let rest = line.trim().trim_start_matches("Transports").trim_start();
    let (api, list) = match rest.strip_prefix("(api:") {
        Some(r) => {
            let api = leading_u32(r);
            let list = r.split_once(':').map(|(_, l)| l).unwrap_or("");
            (api, list)
        }
        None => (None, rest.trim_start_matches(':')),
    };
    let mut transports: Vec<Transport> = Vec::new();
    for word in list.split_whitespace() {
        match (word.strip_prefix('('), transports.last_mut()) {
            (Some(v), Some(last)) if last.version.is_none() => {
                last.version = Some(v.trim_end_matches(')').to_string());
            }
            (Some(_), _) => {}
            (None, _) => transports.push(Transport {
                name: word.to_string(),
                version: None,
            }),
        }
    }
    (api, transports)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_lines_of_every_era_parse() {
        let v = parse_version("version: 8.0.16 (api:86/proto:86)").unwrap();
        assert_eq!(
            (v.api, v.proto_min, v.proto_max),
            (Some(86), Some(86), Some(86))
        );
        let v = parse_version("version: 9.3.3 (api:2/proto:118-124) (compat 8.4)").unwrap();
        assert_eq!(v.release, "9.3.3");
        assert_eq!((v.proto_min, v.proto_max), (Some(118), Some(124)));
        assert!(v.compat_84);
        assert_eq!(v.major_minor(), Some((9, 3)));
        let v = parse_version("version: 8.3.0rc1 (api:88/proto:86-89)").unwrap();
        assert_eq!(v.major_minor(), Some((8, 3)));
        assert!(parse_version("version: ").is_err());
    }

    #[test]
    fn build_lines_keep_kind_value_and_rest() {
        let b = parse_build("GIT-hash: abc123 build by me@host, 2020-01-01 00:00:00");
        assert_eq!(b.kind, BuildKind::GitHash);
        assert_eq!(b.value.as_deref(), Some("abc123"));
        assert_eq!(
            b.rest.as_deref(),
            Some("build by me@host, 2020-01-01 00:00:00")
        );
        let b = parse_build("srcversion: 0123456789ABCDEF0123456 ");
        assert_eq!((b.kind, b.rest), (BuildKind::SrcVersion, None));
        assert_eq!(parse_build("built-in").value, None);
    }

    #[test]
    fn transports_line_lists_each_transport() {
        let (api, t) = parse_transports("Transports (api:18): tcp (9.1.4) rdma (NONE)");
        assert_eq!(api, Some(18));
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].version.as_deref(), Some("NONE"));
        let (_, t) = parse_transports("Transports (api:16):");
        assert!(t.is_empty());
    }
}
