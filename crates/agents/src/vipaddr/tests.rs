//! Unit tests of the declaration.

use super::spec::spec;

#[test]
fn spec_is_sound() {
    assert_eq!(spec().problems(), Vec::<String>::new());
}

/// docs/agents/VIPaddr.md is generated from the spec; `MFS_HA_UPDATE_DOCS=1` rewrites it.
#[test]
fn operator_page_is_up_to_date() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/agents/VIPaddr.md");
    let page = spec().markdown();
    if std::env::var("MFS_HA_UPDATE_DOCS").as_deref() == Ok("1") {
        assert!(
            std::fs::write(&path, &page).is_ok(),
            "cannot write {}",
            path.display()
        );
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == page,
        "{} is stale: run MFS_HA_UPDATE_DOCS=1 cargo test -p agents operator_page",
        path.display()
    );
}
