//! The single place where native errors become `zkpov.errors` exceptions.
use crate::error::CoreError;
use pyo3::import_exception;
use pyo3::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};

import_exception!(zkpov.errors, CeremonyError);
import_exception!(zkpov.errors, DecodeError);
import_exception!(zkpov.errors, LimitExceededError);
import_exception!(zkpov.errors, ProofError);
import_exception!(zkpov.errors, VerificationError);
import_exception!(zkpov.errors, ZkpovError);

/// Maps a core error to its Python exception class.
pub fn to_py(err: CoreError) -> PyErr {
    match err {
        CoreError::Decode(m) => DecodeError::new_err(m),
        CoreError::Proof(m) => ProofError::new_err(m),
        CoreError::Verification(m) => VerificationError::new_err(m),
        CoreError::InvalidArgument(m) => pyo3::exceptions::PyValueError::new_err(m),
        CoreError::LimitExceeded(m) => LimitExceededError::new_err(m),
        CoreError::Ceremony(m) => CeremonyError::new_err(m),
    }
}

/// Runs `f`, turning a `CoreError` into its exception and a panic into `ZkpovError`.
pub fn guard<T>(f: impl FnOnce() -> Result<T, CoreError>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result.map_err(to_py),
        Err(_) => Err(ZkpovError::new_err(
            "internal error in zkpov._native (caught panic)",
        )),
    }
}

/// Like `guard`, with the GIL released while `f` runs (pairings, proving).
pub fn guard_nogil<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> Result<T, CoreError> + Send,
) -> PyResult<T> {
    py.allow_threads(|| catch_unwind(AssertUnwindSafe(f)))
        .map_err(|_| ZkpovError::new_err("internal error in zkpov._native (caught panic)"))?
        .map_err(to_py)
}
