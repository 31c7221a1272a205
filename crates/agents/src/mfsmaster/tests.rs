//! Unit tests of the declaration and the generated operator page.

use super::kind::Kind;
use super::spec::spec;

#[test]
fn spec_is_sound_for_every_kind() {
    for kind in Kind::ALL {
        assert_eq!(spec(kind).problems(), Vec::<String>::new(), "{kind:?}");
        assert!(spec(kind)
            .metadata_xml()
            .contains(&format!("name=\"{}\"", kind.name())));
    }
}

/// docs/agents/mfsmaster.md is generated from the spec; `MFS_HA_UPDATE_DOCS=1` rewrites it.
#[test]
fn operator_page_is_up_to_date() {
    crate::operator_page::assert_up_to_date(&spec(Kind::Master));
}

#[test]
fn cgi_root_must_hold_mfs_cgi() {
    use super::settings::Settings;
    let dir = tempfile::tempdir().unwrap();
    let mut s = Settings::for_tests(Kind::Cgiserv, dir.path());
    s.root_path = dir.path().display().to_string();
    let err = s.cgi_root().unwrap_err();
    assert!(err.reason.contains("no mfs.cgi"), "{err}");
    std::fs::write(dir.path().join("mfs.cgi"), "").unwrap();
    assert_eq!(s.cgi_root().unwrap(), dir.path());
}
