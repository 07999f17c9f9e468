//! Python bindings of `crate::schnorr` (Jubjub Schnorr with a Poseidon challenge).
use super::errors::{guard, guard_nogil, to_py};
use crate::error::{decode_err, CoreResult};
use crate::field::{fr_from_biguint, fr_to_biguint};
use crate::schnorr;
use crate::schnorr_batch::{self, RawItem};
use ark_bls12_381::Fr;
use num_bigint::BigUint;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// A Python int in `[0, r)`; anything else is a `DecodeError`.
pub fn extract_field(obj: &Bound<'_, PyAny>) -> PyResult<Fr> {
    let value = obj.extract::<BigUint>().map_err(|_| {
        to_py(decode_err(
            "field element must be an int in [0, r), got a negative or non-int",
        ))
    })?;
    guard(|| fr_from_biguint(&value))
}

fn to_bytes<'py>(py: Python<'py>, data: &[u8]) -> Bound<'py, PyBytes> {
    PyBytes::new(py, data)
}

#[pyfunction]
fn schnorr_generate_secret_key(py: Python<'_>) -> PyResult<Bound<'_, PyBytes>> {
    guard(|| Ok(schnorr::encode_secret_key(&schnorr::generate_secret_key())))
        .map(|sk| to_bytes(py, &sk))
}

#[pyfunction]
fn schnorr_public_key<'py>(py: Python<'py>, sk: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    guard(|| {
        let sk = schnorr::decode_secret_key(sk)?;
        Ok(schnorr::encode_point(&schnorr::compute_public_key(&sk)))
    })
    .map(|pk| to_bytes(py, &pk))
}

#[pyfunction]
fn schnorr_sign<'py>(
    py: Python<'py>,
    sk: &[u8],
    msg: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let msg = extract_field(msg)?;
    guard(|| {
        let sk = schnorr::decode_secret_key(sk)?;
        Ok(schnorr::encode_signature(&schnorr::sign(&sk, msg)))
    })
    .map(|sig| to_bytes(py, &sig))
}

#[pyfunction]
fn schnorr_verify(pk: &[u8], msg: &Bound<'_, PyAny>, sig: &[u8]) -> PyResult<bool> {
    let msg = extract_field(msg)?;
    guard(|| {
        let pk = schnorr::decode_public_key(pk)?;
        let sig = schnorr::decode_signature(sig)?;
        Ok(schnorr::is_valid_signature(&pk, msg, &sig))
    })
}

fn extract_item(item: &Bound<'_, PyAny>) -> PyResult<RawItem> {
    let (pk, msg, sig): (Bound<'_, PyBytes>, Bound<'_, PyAny>, Bound<'_, PyBytes>) =
        item.extract()?;
    let msg = extract_field(&msg).ok();
    Ok((pk.as_bytes().to_vec(), msg, sig.as_bytes().to_vec()))
}

/// `(key, message, signature)` triples in; one bool per triple out, as `schnorr_verify` would
/// answer, except that an undecodable item is `False`. The cap is checked before any copying;
/// decoding and verification run with the GIL released.
#[pyfunction]
fn schnorr_batch_verify(py: Python<'_>, items: &Bound<'_, PyAny>) -> PyResult<Vec<bool>> {
    let n = items.len()?;
    guard(|| schnorr_batch::check_batch_len(n))?;
    let raw = items
        .try_iter()?
        .map(|item| extract_item(&item?))
        .collect::<PyResult<Vec<RawItem>>>()?;
    guard_nogil(py, || {
        schnorr_batch::verify_each(&schnorr_batch::decode_all(&raw))
    })
}

/// The affine coordinates `(x, y)` of a valid public key.
#[pyfunction]
fn schnorr_public_key_coordinates(pk: &[u8]) -> PyResult<(BigUint, BigUint)> {
    guard(|| -> CoreResult<_> {
        let pk = schnorr::decode_public_key(pk)?;
        Ok((fr_to_biguint(&pk.x), fr_to_biguint(&pk.y)))
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(schnorr_generate_secret_key, m)?)?;
    m.add_function(wrap_pyfunction!(schnorr_public_key, m)?)?;
    m.add_function(wrap_pyfunction!(schnorr_sign, m)?)?;
    m.add_function(wrap_pyfunction!(schnorr_verify, m)?)?;
    m.add_function(wrap_pyfunction!(schnorr_batch_verify, m)?)?;
    m.add_function(wrap_pyfunction!(schnorr_public_key_coordinates, m)?)?;
    Ok(())
}
