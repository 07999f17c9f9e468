//! Python bindings of the account state (`crate::state`: `batch_transition`, `accounts`, `smt`).
use super::errors::{guard, guard_nogil};
use super::schnorr::extract_field;
use crate::error::{decode_err, CoreResult};
use crate::field::fr_to_biguint;
use crate::schnorr;
use crate::state::accounts::{
    compute_batch_commitment, compute_message, Account, Transfer, TransferTerms,
};
use crate::state::batch_transition::State;
use crate::state::batched_apply;
use crate::state::proof_witness::ProofWitness;
use crate::state::smt;
use crate::state::transfer_batch::{check_transfers, TransferItem, TransferVerdict};
use ark_bls12_381::Fr;
use num_bigint::BigUint;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// Most transfers one call decodes (a constant cap on decoded lengths).
pub const MAX_TRANSFERS: usize = 1 << 16;

/// Decodes a list of encoded transfers (`TRANSFER_BYTES` each).
pub fn decode_transfers(items: &[Vec<u8>], chain_tag: Fr) -> CoreResult<Vec<Transfer>> {
    if items.len() > MAX_TRANSFERS {
        return Err(decode_err(format!(
            "at most {MAX_TRANSFERS} transfers per call"
        )));
    }
    items
        .iter()
        .map(|b| Transfer::decode(b, chain_tag))
        .collect()
}

/// A list of `bytes`, each copied once; the count is capped (`MAX_TRANSFERS`) before any copy.
fn extract_transfer_bytes(items: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<u8>>> {
    let n = items.len()?;
    if n > MAX_TRANSFERS {
        return guard(|| {
            Err(decode_err(format!(
                "at most {MAX_TRANSFERS} transfers per call"
            )))
        });
    }
    items
        .try_iter()?
        .map(|item| Ok(item?.downcast::<PyBytes>()?.as_bytes().to_vec()))
        .collect()
}

type AccountTuple = (Py<PyBytes>, u64, u64);

fn account_tuple(py: Python<'_>, a: &Account) -> AccountTuple {
    (
        PyBytes::new(py, &schnorr::encode_point(&a.pk)).unbind(),
        a.balance,
        a.nonce,
    )
}

fn siblings_to_ints(siblings: &[[Fr; 3]]) -> Vec<Vec<BigUint>> {
    siblings
        .iter()
        .map(|s| s.iter().map(fr_to_biguint).collect())
        .collect()
}

/// The accounts and their sparse Merkle tree.
#[pyclass(module = "zkpov._native")]
pub struct AccountTree {
    pub state: State,
}

#[pymethods]
impl AccountTree {
    #[new]
    fn new(depth: u32) -> PyResult<Self> {
        guard(|| State::new(depth)).map(|state| Self { state })
    }

    #[getter]
    fn depth(&self) -> u32 {
        self.state.depth()
    }

    #[getter]
    fn root(&self) -> BigUint {
        fr_to_biguint(&self.state.get_root())
    }

    fn __len__(&self) -> usize {
        self.state.account_count()
    }

    fn copy(&self) -> Self {
        Self {
            state: self.state.clone(),
        }
    }

    fn get_account(&self, py: Python<'_>, index: u64) -> Option<AccountTuple> {
        self.state.get_account(index).map(|a| account_tuple(py, &a))
    }

    /// Every account as `(index, pk, balance, nonce)`, by index.
    fn accounts(&self, py: Python<'_>) -> Vec<(u64, Py<PyBytes>, u64, u64)> {
        let all = self.state.get_accounts();
        all.iter()
            .map(|(i, a)| {
                let (pk, balance, nonce) = account_tuple(py, a);
                (*i, pk, balance, nonce)
            })
            .collect()
    }

    /// Puts a persisted account back (restart); see `State::restore_account`.
    fn restore_account(
        &mut self,
        index: u64,
        pk: &[u8],
        balance: u64,
        nonce: u64,
    ) -> PyResult<BigUint> {
        guard(|| {
            let pk = schnorr::decode_public_key(pk)?;
            let account = Account { pk, balance, nonce };
            Ok(fr_to_biguint(&self.state.restore_account(index, account)?))
        })
    }

    fn credit(&mut self, index: u64, pk: &[u8], amount: u64) -> PyResult<BigUint> {
        guard(|| {
            let pk = schnorr::decode_public_key(pk)?;
            Ok(fr_to_biguint(
                &self.state.process_credit(index, pk, amount)?,
            ))
        })
    }

    fn apply_transfers(
        &mut self,
        transfers: Vec<Vec<u8>>,
        chain_tag: &Bound<'_, PyAny>,
    ) -> PyResult<BigUint> {
        let chain_tag = extract_field(chain_tag)?;
        guard(|| {
            let transfers = decode_transfers(&transfers, chain_tag)?;
            Ok(fr_to_biguint(&self.state.process_transfers(&transfers)?))
        })
    }

    /// The witness a proof of `transfers` from this state needs (`state::proof_witness` bytes).
    fn extract_witness<'py>(
        &self,
        py: Python<'py>,
        transfers: Vec<Vec<u8>>,
        chain_tag: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let chain_tag = extract_field(chain_tag)?;
        let bytes = guard(|| {
            let transfers = decode_transfers(&transfers, chain_tag)?;
            Ok(ProofWitness::extract(&self.state, &transfers, chain_tag)?.encode())
        })?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Applies operations of any kind (transfers, staking ops, payouts) all or nothing.
    fn apply_operations(
        &mut self,
        ops: Vec<Vec<u8>>,
        chain_tag: &Bound<'_, PyAny>,
    ) -> PyResult<BigUint> {
        let chain_tag = extract_field(chain_tag)?;
        guard(|| {
            let ops = super::operations::decode_operations(&ops, chain_tag)?;
            Ok(fr_to_biguint(&self.state.process_operations(&ops)?))
        })
    }

    /// `apply_transfers`, with decoding and the signatures' batch check on all cores and the
    /// GIL released (`crate::state::batched_apply`): the same root, or the same error.
    fn apply_transfers_batched(
        &mut self,
        py: Python<'_>,
        transfers: &Bound<'_, PyAny>,
        chain_tag: &Bound<'_, PyAny>,
    ) -> PyResult<BigUint> {
        let chain_tag = extract_field(chain_tag)?;
        let raw = extract_transfer_bytes(transfers)?;
        let state = &mut self.state;
        let root = guard_nogil(py, || {
            let decoded = batched_apply::decode_transfers(&raw, chain_tag)?;
            batched_apply::process_transfers_batched(state, &decoded)
        })?;
        Ok(fr_to_biguint(&root))
    }

    /// `(leaf, siblings)` for `index`: leaf 0 proves the slot is empty.
    fn get_proof(&self, index: u64) -> PyResult<(BigUint, Vec<Vec<BigUint>>)> {
        guard(|| {
            let (leaf, siblings) = self.state.get_proof(index)?;
            Ok((fr_to_biguint(&leaf), siblings_to_ints(&siblings)))
        })
    }
}

fn extract_siblings(siblings: &Bound<'_, PyAny>) -> PyResult<Vec<[Fr; 3]>> {
    let rows: Vec<Vec<Bound<'_, PyAny>>> = siblings.extract()?;
    if rows.len() > (smt::MAX_DEPTH / 2) as usize {
        return Err(super::errors::to_py(decode_err("too many proof levels")));
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let fields = row
            .iter()
            .map(extract_field)
            .collect::<PyResult<Vec<Fr>>>()?;
        let level: [Fr; 3] = fields.try_into().map_err(|_| {
            super::errors::to_py(decode_err("each proof level must hold 3 siblings"))
        })?;
        out.push(level);
    }
    Ok(out)
}

#[pyfunction]
fn smt_verify_proof(
    root: &Bound<'_, PyAny>,
    depth: u32,
    index: u64,
    leaf: &Bound<'_, PyAny>,
    siblings: &Bound<'_, PyAny>,
) -> PyResult<bool> {
    let (root, leaf) = (extract_field(root)?, extract_field(leaf)?);
    let siblings = extract_siblings(siblings)?;
    guard(|| Ok(smt::is_valid_proof(root, depth, index, leaf, &siblings)))
}

#[pyfunction]
fn account_leaf(pk: &[u8], balance: u64, nonce: u64) -> PyResult<BigUint> {
    guard(|| {
        let pk = schnorr::decode_public_key(pk)?;
        Ok(fr_to_biguint(&Account { pk, balance, nonce }.leaf()))
    })
}

#[pyfunction]
fn transfer_message(
    sender: u64,
    recipient: u64,
    recipient_pk: &[u8],
    amount: u64,
    fee: u64,
    nonce: u64,
    chain_tag: &Bound<'_, PyAny>,
) -> PyResult<BigUint> {
    let chain_tag = extract_field(chain_tag)?;
    guard(|| {
        let pk = schnorr::decode_public_key(recipient_pk)?;
        let terms = TransferTerms {
            sender,
            recipient,
            amount,
            fee,
            nonce,
            chain_tag,
        };
        Ok(fr_to_biguint(&compute_message(&terms, &pk)))
    })
}

/// Checks that `data` is a well-formed transfer (lengths, points, canonical scalars); the chain
/// tag plays no part in that.
#[pyfunction]
fn transfer_check(data: &[u8]) -> PyResult<()> {
    guard(|| Transfer::decode(data, Fr::from(0u64)).map(|_| ()))
}

#[pyfunction]
fn transfer_batch_commitment(
    transfers: Vec<Vec<u8>>,
    chain_tag: &Bound<'_, PyAny>,
) -> PyResult<BigUint> {
    let chain_tag = extract_field(chain_tag)?;
    guard(|| {
        let transfers = decode_transfers(&transfers, chain_tag)?;
        Ok(fr_to_biguint(&compute_batch_commitment(&transfers)))
    })
}

/// `(transfer, sender key)` pairs in; per pair `(True, None)` if the signature verifies,
/// `(False, None)` if not, `(False, why)` if the transfer or key does not decode. The cap is
/// checked before any copying; decoding and verification run with the GIL released.
#[pyfunction]
fn transfer_check_signatures(
    py: Python<'_>,
    items: &Bound<'_, PyAny>,
    chain_tag: &Bound<'_, PyAny>,
) -> PyResult<Vec<(bool, Option<String>)>> {
    let chain_tag = extract_field(chain_tag)?;
    let n = items.len()?;
    guard(|| crate::schnorr_batch::check_batch_len(n))?;
    let raw = items
        .try_iter()?
        .map(|item| {
            let (tx, pk): (Bound<'_, PyBytes>, Bound<'_, PyBytes>) = item?.extract()?;
            Ok((tx.as_bytes().to_vec(), pk.as_bytes().to_vec()))
        })
        .collect::<PyResult<Vec<TransferItem>>>()?;
    let verdicts = guard_nogil(py, || check_transfers(&raw, chain_tag))?;
    Ok(verdicts
        .into_iter()
        .map(|v| match v {
            TransferVerdict::Valid => (true, None),
            TransferVerdict::BadSignature => (false, None),
            TransferVerdict::Malformed(why) => (false, Some(why)),
        })
        .collect())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<AccountTree>()?;
    m.add_function(wrap_pyfunction!(smt_verify_proof, m)?)?;
    m.add_function(wrap_pyfunction!(account_leaf, m)?)?;
    m.add_function(wrap_pyfunction!(transfer_message, m)?)?;
    m.add_function(wrap_pyfunction!(transfer_check, m)?)?;
    m.add_function(wrap_pyfunction!(transfer_check_signatures, m)?)?;
    m.add_function(wrap_pyfunction!(transfer_batch_commitment, m)?)?;
    Ok(())
}
