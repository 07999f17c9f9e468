//! Python bindings of `crate::poseidon`: Python ints in [0, r) in and out.
use super::errors::{guard, to_py};
use crate::error::{decode_err, CoreResult};
use crate::field::{fr_from_biguint, fr_to_biguint};
use crate::poseidon;
use ark_bls12_381::Fr;
use num_bigint::BigUint;
use pyo3::prelude::*;
use pyo3::types::PyList;

/// Most field elements one `hash_n` call accepts (a constant cap on decoded lengths).
const MAX_HASH_INPUTS: usize = 1 << 16;

fn decode_all(xs: &[BigUint]) -> CoreResult<Vec<Fr>> {
    xs.iter().map(fr_from_biguint).collect()
}

/// Python ints only; a negative or non-int value is a `DecodeError`, not an `OverflowError`.
fn extract_uint(obj: &Bound<'_, PyAny>) -> PyResult<BigUint> {
    obj.extract::<BigUint>().map_err(|_| {
        to_py(decode_err(
            "field element must be an int in [0, r), got a negative or non-int",
        ))
    })
}

fn extract_uints(objs: &Bound<'_, PyList>) -> PyResult<Vec<BigUint>> {
    if objs.len() > MAX_HASH_INPUTS {
        return Err(to_py(decode_err(format!(
            "at most {MAX_HASH_INPUTS} inputs"
        ))));
    }
    objs.iter().map(|o| extract_uint(&o)).collect()
}

#[pyfunction]
fn poseidon_permute(state: &Bound<'_, PyList>) -> PyResult<Vec<BigUint>> {
    let state = extract_uints(state)?;
    guard(|| {
        let xs = decode_all(&state)?;
        let mut s: [Fr; poseidon::WIDTH] = xs
            .try_into()
            .map_err(|_| decode_err(format!("state must have {} elements", poseidon::WIDTH)))?;
        poseidon::permute(&mut s);
        Ok(s.iter().map(fr_to_biguint).collect())
    })
}

#[pyfunction]
fn poseidon_hash2(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<BigUint> {
    let (a, b) = (extract_uint(a)?, extract_uint(b)?);
    guard(|| {
        let out = poseidon::hash2(fr_from_biguint(&a)?, fr_from_biguint(&b)?);
        Ok(fr_to_biguint(&out))
    })
}

#[pyfunction]
fn poseidon_hash_n(xs: &Bound<'_, PyList>) -> PyResult<BigUint> {
    let xs = extract_uints(xs)?;
    guard(|| Ok(fr_to_biguint(&poseidon::hash_n(&decode_all(&xs)?))))
}

/// (round constants, one list of WIDTH per round; MDS matrix rows).
#[pyfunction]
fn poseidon_parameters() -> (Vec<Vec<BigUint>>, Vec<Vec<BigUint>>) {
    let p = poseidon::params();
    let rows = |r: &[Fr; poseidon::WIDTH]| r.iter().map(fr_to_biguint).collect();
    (
        p.ark.iter().map(rows).collect(),
        p.mds.iter().map(rows).collect(),
    )
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(poseidon_permute, m)?)?;
    m.add_function(wrap_pyfunction!(poseidon_hash2, m)?)?;
    m.add_function(wrap_pyfunction!(poseidon_hash_n, m)?)?;
    m.add_function(wrap_pyfunction!(poseidon_parameters, m)?)?;
    Ok(())
}
