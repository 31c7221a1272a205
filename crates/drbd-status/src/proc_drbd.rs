//! PLACEHOLDER: being written (see the crate README for the contract).

use crate::diag::{ParseError, Parsed};
use crate::model::Status;

/// The lossless document of this format.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProcDrbd {}

/// Parses one document of this format.
pub fn parse(_input: &str) -> Result<Parsed<ProcDrbd>, ParseError> {
    Err(ParseError::new(None, "not implemented yet"))
}

impl ProcDrbd {
    /// Converts into the shared model.
    pub fn to_status(&self) -> Status {
        unimplemented!()
    }
}
