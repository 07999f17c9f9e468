//! Python bindings of the operation kinds (`crate::state::operations`): decoding any kind, the
//! staking-op message a signer signs, and the batch commitment of mixed operations.
use super::errors::guard;
use super::schnorr::extract_field;
use super::state::MAX_TRANSFERS;
use crate::error::{decode_err, CoreResult};
use crate::field::fr_to_biguint;
use crate::state::operations::{compute_op_commitment, compute_op_message, Operation, StakeOp};
use ark_bls12_381::Fr;
use num_bigint::BigUint;
use pyo3::prelude::*;

/// Decodes a list of encoded operations of any kind (at most `MAX_TRANSFERS`).
pub fn decode_operations(items: &[Vec<u8>], chain_tag: Fr) -> CoreResult<Vec<Operation>> {
    if items.len() > MAX_TRANSFERS {
        return Err(decode_err(format!(
            "at most {MAX_TRANSFERS} operations per call"
        )));
    }
    items
        .iter()
        .map(|b| Operation::decode(b, chain_tag))
        .collect()
}

/// The kind of a well-formed operation ("transfer", "stake" or "payout"); `DecodeError` else.
#[pyfunction]
fn operation_check(data: &[u8]) -> PyResult<&'static str> {
    guard(|| {
        Ok(match Operation::decode(data, Fr::from(0u64))? {
            Operation::Transfer(_) => "transfer",
            Operation::Stake(_) => "stake",
            Operation::Payout(_) => "payout",
        })
    })
}

/// The message a staking op's signer signs: `unsigned` is its encoding without the signature.
#[pyfunction]
fn stake_op_message(unsigned: &[u8], chain_tag: &Bound<'_, PyAny>) -> PyResult<BigUint> {
    let chain_tag = extract_field(chain_tag)?;
    guard(|| {
        let op = StakeOp::decode_unsigned(unsigned, chain_tag)?;
        Ok(fr_to_biguint(&compute_op_message(&op.terms())))
    })
}

#[pyfunction]
fn operation_batch_commitment(
    ops: Vec<Vec<u8>>,
    chain_tag: &Bound<'_, PyAny>,
) -> PyResult<BigUint> {
    let chain_tag = extract_field(chain_tag)?;
    guard(|| {
        let ops = decode_operations(&ops, chain_tag)?;
        Ok(fr_to_biguint(&compute_op_commitment(&ops)))
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(operation_check, m)?)?;
    m.add_function(wrap_pyfunction!(stake_op_message, m)?)?;
    m.add_function(wrap_pyfunction!(operation_batch_commitment, m)?)?;
    Ok(())
}
