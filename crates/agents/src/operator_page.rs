//! The generated operator pages `docs/agents/<Agent>.md`: each agent's unit tests check that
//! its page matches its declaration; `MFS_HA_UPDATE_DOCS=1` rewrites the page instead.

use ha_agent::AgentSpec;

/// Fails when `docs/agents/<spec.name>.md` is not what `spec.markdown()` generates.
pub fn assert_up_to_date(spec: &AgentSpec) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/agents")
        .join(format!("{}.md", spec.name));
    let page = spec.markdown();
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
