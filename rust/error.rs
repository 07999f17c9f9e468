//! The one error type of the native core. `bindings::errors` maps each variant to the matching
//! `zkpov.errors` class, in one place.
#![forbid(unsafe_code)]

/// What went wrong, with a message that says what was wrong with the input.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CoreError {
    /// Bytes or numbers that do not decode: wrong length, bad encoding, off-curve, out of range.
    #[error("{0}")]
    Decode(String),
    /// Proving failed, or the witness does not satisfy the statement.
    #[error("{0}")]
    Proof(String),
    /// A verification could not be carried out (not a plain "false").
    #[error("{0}")]
    Verification(String),
    /// A well-formed argument that the operation cannot accept (empty list, mismatched lengths).
    #[error("{0}")]
    InvalidArgument(String),
    /// More items than a fixed cap allows (a batch too long).
    #[error("{0}")]
    LimitExceeded(String),
    /// A trusted-setup ceremony check failed (the message says which).
    #[error("{0}")]
    Ceremony(String),
}

pub type CoreResult<T> = Result<T, CoreError>;

/// Shorthand for a decode error with a formatted message.
pub fn decode_err(msg: impl Into<String>) -> CoreError {
    CoreError::Decode(msg.into())
}
