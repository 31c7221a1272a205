//! Unit tests of the declaration.

use super::spec::spec;

#[test]
fn spec_is_sound() {
    assert_eq!(spec().problems(), Vec::<String>::new());
}

/// docs/agents/VIPaddr.md is generated from the spec; `MFS_HA_UPDATE_DOCS=1` rewrites it.
#[test]
fn operator_page_is_up_to_date() {
    crate::operator_page::assert_up_to_date(&spec());
}
