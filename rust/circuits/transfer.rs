//! The operation-batch circuit (transfers, staking ops, payouts). Public inputs: `[pre_root,
//! post_root, commitment]`.
//!
//! Each of `batch_size` slots holds an operation or a no-op (`is_real = false`). Its kind
//! (`ops::enforce_kind_rules`) follows from its op code, which the message binds: a transfer
//! (op 0) runs steps 1-7 below; a staking op (op 1..=5) runs steps 1-4 only (a debit with no
//! credit: the bond leaves the tree for the staking ledger); a payout (op 255) runs steps 5-7
//! only (a credit with no sender and no signature). The message packs `nonce + op*2^64 +
//! target*2^72` with `nonce < 2^64` and `target < 2^32` range-checked. The range checks of a side
//! the kind skips still run, on a witness that passes them (`SlotWitness::from_step`). A real
//! slot enforces, against the running root:
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
use super::ops::{enforce_kind_rules, TARGET_BITS};
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

/// The slot's operation fields as variables, with its kind's flags.
struct TransferVars {
    is_real: Boolean<Fr>,
    /// A signed slot (transfer or staking op): the sender side is checked.
    is_signed: Boolean<Fr>,
    /// A crediting slot (transfer or payout): the recipient side is checked.
    is_credit: Boolean<Fr>,
    is_stake: Boolean<Fr>,
    is_payout: Boolean<Fr>,
    to_x: Fv,
    to_y: Fv,
    amount: Fv,
    fee: Fv,
    nonce: Fv,
    message: Fv,
}

/// The slot's kind flags, its op code and target, with the kind rules (`ops`) enforced; returns
/// the flags and the packed `nonce + op*2^64 + target*2^72`.
fn alloc_kind(
    cs: &ConstraintSystemRef<Fr>,
    w: &SlotWitness,
    nonce: &Fv,
    amount: &Fv,
) -> Result<(Boolean<Fr>, Boolean<Fr>, Fv), SynthesisError> {
    let is_stake = Boolean::new_witness(cs.clone(), || Ok(w.is_stake))?;
    let is_payout = Boolean::new_witness(cs.clone(), || Ok(w.is_payout))?;
    let op = witness(cs, Fr::from(u64::from(w.op)))?;
    let target = witness(cs, Fr::from(u64::from(w.target)))?;
    enforce_range(&target, TARGET_BITS)?;
    enforce_kind_rules(&op, &target, amount, &is_stake, &is_payout)?;
    let packed = nonce + &op * Fr::from(1u128 << 64) + &target * Fr::from(1u128 << 72);
    Ok((is_stake, is_payout, packed))
}

fn alloc_transfer(
    cs: &ConstraintSystemRef<Fr>,
    w: &SlotWitness,
    sender: &PathVars,
    recipient: &PathVars,
) -> Result<TransferVars, SynthesisError> {
    let is_real = Boolean::new_witness(cs.clone(), || Ok(w.is_real))?;
    let amount = witness(cs, Fr::from(w.amount))?;
    enforce_range(&amount, AMOUNT_BITS)?;
    let fee = witness(cs, Fr::from(w.fee))?;
    enforce_range(&fee, AMOUNT_BITS)?;
    let nonce = witness(cs, Fr::from(w.nonce))?;
    enforce_range(&nonce, AMOUNT_BITS)?; // the packing below is injective
    let (is_stake, is_payout, packed_nonce) = alloc_kind(cs, w, &nonce, &amount)?;
    let is_signed = is_real.clone() & !is_payout.clone();
    let is_credit = is_real.clone() & !is_stake.clone();
    let (to_x, to_y) = (
        witness(cs, w.recipient_pk.0)?,
        witness(cs, w.recipient_pk.1)?,
    );
    enforce_valid_key(cs, (&to_x, &to_y), w.key_witness(), &is_credit)?;
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
        packed_nonce,
        chain_tag,
    ];
    let message = hash_n_var(&fields)?;
    Ok(TransferVars {
        is_real,
        is_signed,
        is_credit,
        is_stake,
        is_payout,
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
    old_root.conditional_enforce_equal(root, &t.is_signed)?;
    t.nonce
        .conditional_enforce_equal(&(&nonce + Fr::from(1u64)), &t.is_signed)?;
    let sig = SignatureVar::new_witness(cs, w.signature_r, &w.signature_s)?;
    super::schnorr::enforce_signature((&pk_x, &pk_y), &t.message, &sig, &t.is_signed)?;
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
    old_root.conditional_enforce_equal(root, &t.is_credit)?;
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
    let (debited, digest) = process_sender(cs, w, &t, &sender, root)?;
    let mid = Fv::conditionally_select(&t.is_payout, root, &debited)?; // a payout debits no one
    let credited = process_recipient(cs, w, &t, &recipient, &mid)?;
    let new_root = Fv::conditionally_select(&t.is_stake, &mid, &credited)?; // nor credits a stake
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
