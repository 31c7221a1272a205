//! PLACEHOLDER: being written (see the crate README for the contract).

use crate::diag::{ParseError, Parsed};
use crate::model::Status;

/// The lossless document of this format.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Events2 {}

/// Parses one document of this format.
pub fn parse(_input: &str) -> Result<Parsed<Events2>, ParseError> {
    Err(ParseError::new(None, "not implemented yet"))
}

impl Events2 {
    /// Converts into the shared model.
    pub fn to_status(&self) -> Status {
        unimplemented!()
    }
}
pub const ACTIONS: &[&str] = &[
    "exists", "create", "change", "destroy", "call", "response", "rename",
];
