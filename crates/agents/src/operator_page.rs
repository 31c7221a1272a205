//! The files generated from the agents' declarations and committed to the repository: the
//! operator pages `docs/agents/<Agent>.md`, and what the `mfs-ha` package installs, the manual
//! pages `packaging/man/ocf_mfs-ha_<Agent>.7` + `<Agent>.8` and the defaults files
//! `packaging/etc/mfs-ha/<Agent>.conf`. These tests fail when a file is not what the code
//! generates; `MFS_HA_UPDATE_DOCS=1` rewrites the files instead.

use std::path::{Path, PathBuf};

use ha_agent::AgentSpec;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn check_generated(path: &Path, generated: &str) -> Option<String> {
    manpages::check_generated(path, generated).err()
}

/// Fails when `docs/agents/<spec.name>.md` is not what `spec.markdown()` generates.
pub fn assert_up_to_date(spec: &AgentSpec) {
    let path = repo().join("docs/agents").join(format!("{}.md", spec.name));
    if let Some(problem) = check_generated(&path, &spec.markdown()) {
        panic!("{problem} (cargo test -p agents operator_page)");
    }
}

/// Whether the agent gets the `<Agent>(8)` alias of its page. Not the MooseFS names: the
/// MooseFS packages own mfsmaster(8), mfsmetalogger(8), ... (the daemons' pages), and dpkg
/// refuses a second owner; their agents' pages are ocf_mfs-ha_mfsmaster(7) and so on.
fn has_alias(spec: &AgentSpec) -> bool {
    crate::mfsmaster::kind::Kind::from_name(&spec.name).is_none()
}

/// The packaged files of one agent: (path in the repository, generated content).
fn packaged_files(spec: &AgentSpec) -> Vec<(PathBuf, String)> {
    let man = repo().join("packaging/man");
    let mut files = vec![
        (man.join(spec.man_page_name()), spec.man_page()),
        (
            repo()
                .join("packaging/etc/mfs-ha")
                .join(format!("{}.conf", spec.name)),
            ha_agent::config::template(spec),
        ),
    ];
    if has_alias(spec) {
        files.push((man.join(spec.man_alias_name()), spec.man_alias()));
    }
    files
}

#[test]
fn packaged_manual_pages_and_defaults_files_are_up_to_date() {
    let mut problems: Vec<String> = Vec::new();
    for spec in crate::installed_specs() {
        for (path, generated) in packaged_files(&spec) {
            problems.extend(check_generated(&path, &generated));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A page or defaults file of an agent that no longer exists would still be packaged.
#[test]
fn no_packaged_file_belongs_to_an_agent_that_does_not_exist() {
    let expected: Vec<PathBuf> = crate::installed_specs()
        .iter()
        .flat_map(packaged_files)
        .map(|(path, _)| path)
        .collect();
    let mut strays = Vec::new();
    for dir in ["packaging/man", "packaging/etc/mfs-ha"] {
        let Ok(entries) = std::fs::read_dir(repo().join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_agent_file = name.starts_with("ocf_")
                || name.ends_with(".conf")
                || (name.ends_with(".8") && !name.starts_with("mfs-ha"));
            if is_agent_file && !expected.contains(&repo().join(dir).join(&name)) {
                strays.push(format!("{dir}/{name}"));
            }
        }
    }
    assert!(strays.is_empty(), "files of no agent: {strays:?}");
}

/// The package's asset list names every installed agent in every place it must be.
#[test]
fn the_package_installs_every_agent_everywhere() {
    let manifest =
        std::fs::read_to_string(repo().join("crates/agents/Cargo.toml")).unwrap_or_default();
    let mut missing = Vec::new();
    for spec in crate::installed_specs() {
        let name = &spec.name;
        for needle in [
            format!("\"usr/lib/ocf/resource.d/mfs-ha/{name}\""),
            format!("\"etc/ha.d/resource.d/{name}\""),
            format!("/packaging/man/{}\"", spec.man_page_name()),
            format!("/packaging/etc/mfs-ha/{name}.conf\""),
        ] {
            if !manifest.contains(&needle) {
                missing.push(needle);
            }
        }
        let alias = format!("/packaging/man/{}\"", spec.man_alias_name());
        if has_alias(&spec) != manifest.contains(&alias) {
            missing.push(format!("{alias} (packaged: {})", has_alias(&spec)));
        }
    }
    // mfs-ha-ipaddr links to this version's VIPaddr: it needs at least the same mfs-ha.
    let depends = format!("\"mfs-ha (>= {}), heartbeat\"", env!("CARGO_PKG_VERSION"));
    if !manifest.contains(&depends) {
        missing.push(format!("mfs-ha-ipaddr depends = {depends}"));
    }
    assert!(
        missing.is_empty(),
        "crates/agents/Cargo.toml [package.metadata.deb] assets are wrong about: {missing:?}"
    );
}
