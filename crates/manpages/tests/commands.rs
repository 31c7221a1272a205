//! The committed pages `packaging/man/mfs-ha.8` and `mfs-ha-<subcommand>.8` are what the
//! command's clap definition generates now; `MFS_HA_UPDATE_DOCS=1` rewrites them.

use std::path::{Path, PathBuf};

fn man_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging/man")
}

#[test]
fn mfs_ha_pages_are_up_to_date_and_none_is_left_over() {
    let pages = manpages::clap_pages(mfs_ha::command(), "8");
    assert!(pages.is_ok(), "{pages:?}");
    let pages = pages.unwrap_or_default();
    let mut problems: Vec<String> = pages
        .iter()
        .filter_map(|(name, page)| manpages::check_generated(&man_dir().join(name), page).err())
        .collect();
    // A page of a subcommand that no longer exists would still be packaged (assets glob).
    let entries = std::fs::read_dir(man_dir()).map(|d| d.flatten().collect::<Vec<_>>());
    for entry in entries.unwrap_or_default() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // mfs-ha-watchdog(8) is the watchdog's own page, checked by its crate's tests.
        let ours = name == "mfs-ha.8"
            || (name.starts_with("mfs-ha-") && name.ends_with(".8") && name != "mfs-ha-watchdog.8");
        if ours && !pages.iter().any(|(n, _)| *n == name) {
            problems.push(format!(
                "packaging/man/{name} belongs to no subcommand: remove it"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
