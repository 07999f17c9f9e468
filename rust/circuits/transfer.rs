//! The transfer-batch circuit. Public inputs: `[pre_root, post_root, commitment]`.
//!
//! Each of `batch_size` slots holds a transfer or a no-op (`is_real = false`). A real slot
//! enforces, against the running root:
//! 1. the sender leaf `(A, balance, nonce)` is in the tree (membership path, old root);
//! 2. `transfer.nonce == nonce + 1`, and the Schnorr signature over the transfer message
//!    (which covers the fee) verifies under `A`, with a canonical `s < r_J`;
//! 3. `amount < 2^64`, `fee < 2^64` and `balance - amount - fee < 2^64` (so
//!    `amount + fee <= balance`; the fee is burned);
//! 4. the debited sender leaf gives the intermediate root along the same path;
//! 5. the recipient slot holds 0 (`is_new`, with balance and nonce 0) or the leaf of
//!    `(recipient_pk, balance', nonce')` under the intermediate root; `balance' + amount < 2^64`;
//! 6. the credited recipient leaf gives the slot's new root along the same path;
//! 7. `recipient_pk` is a non-identity point of the prime-order subgroup (`key`).
//!
//! The commitment folds each real slot's digest `hash4(DIGEST_TAG, [message, R.x, R.y, s])`, so
//! the public inputs bind the signature bytes, not only the signed terms.
//!
//! A no-op slot leaves the root and the commitment unchanged, whatever its witness; every check
//! above is an equality enforced under `is_real` (the same cost as an unconditional one), and the
//! range checks hold for the all-zero padding witness. All Booleans are allocated as constrained
//! Boolean witnesses; no comparison result is left unenforced.
#![forbid(unsafe_code)]

use super::key::enforce_valid_key;
use super::merkle::{alloc_index_bits, alloc_siblings, compute_root_var, SiblingVars};
use super::poseidon::{hash2_var, hash4_var, hash_n_var, Fv};
use super::range::{enforce_range, AMOUNT_BITS};
use super::schnorr::SignatureVar;
use super::slot::SlotWitness;
use crate::state::accounts::{DIGEST_TAG, LEAF_TAG};
use ark_bls12_381::Fr;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::prelude::CondSelectGadget;
use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

/// The batch circuit with its witness (padding slots for setup).
#[derive(Clone)]
pub struct TransferBatchCircuit {
    pub depth: u32,
    pub pre_root: Fr,
    pub post_root: Fr,
    pub commitment: Fr,
    pub slots: Vec<SlotWitness>,
}

impl TransferBatchCircuit {
    pub fn public_inputs(&self) -> [Fr; 3] {
        [self.pre_root, self.post_root, self.commitment]
    }
}

/// One account's path variables: its index bits and siblings.
struct PathVars {
    bits: Vec<Boolean<Fr>>,
    siblings: Vec<SiblingVars>,
}

fn witness(cs: &ConstraintSystemRef<Fr>, value: Fr) -> Result<Fv, SynthesisError> {
    Fv::new_witness(cs.clone(), || Ok(value))
}

fn alloc_path(
    cs: &ConstraintSystemRef<Fr>,
    index: u64,
    depth: u32,
    siblings: &[[Fr; 3]],
) -> Result<PathVars, SynthesisError> {
    let bits = alloc_index_bits(cs, index, depth)?;
    Ok(PathVars {
        bits,
        siblings: alloc_siblings(cs, siblings)?,
    })
}

fn leaf_var(pk: (&Fv, &Fv), balance: &Fv, nonce: &Fv) -> Result<Fv, SynthesisError> {
    hash4_var(LEAF_TAG, [pk.0, pk.1, balance, nonce])
}

/// The slot's transfer fields as variables.
struct TransferVars {
    is_real: Boolean<Fr>,
    to_x: Fv,
    to_y: Fv,
    amount: Fv,
    fee: Fv,
    nonce: Fv,
    message: Fv,
}

fn alloc_transfer(
    cs: &ConstraintSystemRef<Fr>,
    w: &SlotWitness,
    sender: &PathVars,
    recipient: &PathVars,
) -> Result<TransferVars, SynthesisError> {
    let is_real = Boolean::new_witness(cs.clone(), || Ok(w.is_real))?;
    let (to_x, to_y) = (
        witness(cs, w.recipient_pk.0)?,
        witness(cs, w.recipient_pk.1)?,
    );
    enforce_valid_key(cs, (&to_x, &to_y), w.recipient_pk, &is_real)?;
    let amount = witness(cs, Fr::from(w.amount))?;
    enforce_range(&amount, AMOUNT_BITS)?;
    let fee = witness(cs, Fr::from(w.fee))?;
    enforce_range(&fee, AMOUNT_BITS)?;
    let nonce = witness(cs, Fr::from(w.nonce))?;
    let from = Boolean::le_bits_to_fp(&sender.bits)?;
    let to = Boolean::le_bits_to_fp(&recipient.bits)?;
    let indices = from + to * Fr::from(1u128 << 64); // injective: indices < 2^depth <= 2^64
    let values = &amount + &fee * Fr::from(1u128 << 64); // injective: both < 2^64
    let chain_tag = witness(cs, w.chain_tag)?; // bound by the commitment, through the digest
    let fields = [
        indices,
        to_x.clone(),
        to_y.clone(),
        values,
        nonce.clone(),
        chain_tag,
    ];
    let message = hash_n_var(&fields)?;
    Ok(TransferVars {
        is_real,
        to_x,
        to_y,
        amount,
        fee,
        nonce,
        message,
    })
}

/// Steps 1-4: returns the intermediate root and the transfer's digest.
fn process_sender(
    cs: &ConstraintSystemRef<Fr>,
    w: &SlotWitness,
    t: &TransferVars,
    path: &PathVars,
    root: &Fv,
) -> Result<(Fv, Fv), SynthesisError> {
    let (pk_x, pk_y) = (witness(cs, w.sender_pk.0)?, witness(cs, w.sender_pk.1)?);
    let balance = witness(cs, Fr::from(w.sender_balance))?;
    let nonce = witness(cs, Fr::from(w.sender_nonce))?;
    let old_leaf = leaf_var((&pk_x, &pk_y), &balance, &nonce)?;
    let old_root = compute_root_var(&old_leaf, &path.bits, &path.siblings)?;
    old_root.conditional_enforce_equal(root, &t.is_real)?;
    t.nonce
        .conditional_enforce_equal(&(&nonce + Fr::from(1u64)), &t.is_real)?;
    let sig = SignatureVar::new_witness(cs, w.signature_r, &w.signature_s)?;
    super::schnorr::enforce_signature((&pk_x, &pk_y), &t.message, &sig, &t.is_real)?;
    let digest = hash4_var(DIGEST_TAG, [&t.message, &sig.r_x, &sig.r_y, &sig.s])?;
    let debited = &balance - &t.amount - &t.fee;
    enforce_range(&debited, AMOUNT_BITS)?;
    let new_leaf = leaf_var((&pk_x, &pk_y), &debited, &t.nonce)?;
    Ok((
        compute_root_var(&new_leaf, &path.bits, &path.siblings)?,
        digest,
    ))
}

/// Steps 5-6: returns the slot's new root.
fn process_recipient(
    cs: &ConstraintSystemRef<Fr>,
    w: &SlotWitness,
    t: &TransferVars,
    path: &PathVars,
    root: &Fv,
) -> Result<Fv, SynthesisError> {
    let is_new = Boolean::new_witness(cs.clone(), || Ok(w.recipient_is_new))?;
    let balance = witness(cs, Fr::from(w.recipient_balance))?;
    let nonce = witness(cs, Fr::from(w.recipient_nonce))?;
    balance.conditional_enforce_equal(&Fv::zero(), &is_new)?;
    nonce.conditional_enforce_equal(&Fv::zero(), &is_new)?;
    let pk = (&t.to_x, &t.to_y);
    let existing = leaf_var(pk, &balance, &nonce)?;
    let old_leaf = Fv::conditionally_select(&is_new, &Fv::zero(), &existing)?;
    let old_root = compute_root_var(&old_leaf, &path.bits, &path.siblings)?;
    old_root.conditional_enforce_equal(root, &t.is_real)?;
    let credited = &balance + &t.amount;
    enforce_range(&credited, AMOUNT_BITS)?;
    let new_leaf = leaf_var(pk, &credited, &nonce)?;
    compute_root_var(&new_leaf, &path.bits, &path.siblings)
}

/// One slot: returns the next root and commitment accumulator.
fn process_slot(
    cs: &ConstraintSystemRef<Fr>,
    depth: u32,
    w: &SlotWitness,
    root: &Fv,
    acc: &Fv,
) -> Result<(Fv, Fv), SynthesisError> {
    let sender = alloc_path(cs, w.sender, depth, &w.sender_siblings)?;
    let recipient = alloc_path(cs, w.recipient, depth, &w.recipient_siblings)?;
    let t = alloc_transfer(cs, w, &sender, &recipient)?;
    let (mid, digest) = process_sender(cs, w, &t, &sender, root)?;
    let new_root = process_recipient(cs, w, &t, &recipient, &mid)?;
    let next_root = Fv::conditionally_select(&t.is_real, &new_root, root)?;
    let next_acc = Fv::conditionally_select(&t.is_real, &hash2_var(acc, &digest)?, acc)?;
    Ok((next_root, next_acc))
}

impl ConstraintSynthesizer<Fr> for TransferBatchCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let pre_root = Fv::new_input(cs.clone(), || Ok(self.pre_root))?;
        let post_root = Fv::new_input(cs.clone(), || Ok(self.post_root))?;
        let commitment = Fv::new_input(cs.clone(), || Ok(self.commitment))?;
        let (mut root, mut acc) = (pre_root, Fv::zero());
        for slot in &self.slots {
            (root, acc) = process_slot(&cs, self.depth, slot, &root, &acc)?;
        }
        root.enforce_equal(&post_root)?;
        acc.enforce_equal(&commitment)
    }
}
