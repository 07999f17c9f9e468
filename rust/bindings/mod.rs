//! PyO3 bindings: bytes in, bytes or bool out. Every function maps `CoreError` through
//! `errors::to_py` and runs under `errors::guard`, so a Rust panic never crosses into Python.
use pyo3::prelude::*;

mod bls;
mod ceremony;
mod errors;
mod operations;
mod poseidon;
mod schnorr;
mod snark;
mod state;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.setattr("__version__", env!("CARGO_PKG_VERSION"))?;
    bls::register(m)?;
    ceremony::register(m)?;
    poseidon::register(m)?;
    schnorr::register(m)?;
    state::register(m)?;
    operations::register(m)?;
    snark::register(m)?;
    // The stub (_native.pyi) is the description of this module's surface; PyO3's generated
    // `__all__` would only duplicate it and drift.
    m.delattr("__all__")?;
    Ok(())
}
