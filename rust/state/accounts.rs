//! Accounts, transfers and the rules of one transfer (`process_transfer`, the same rules the
//! circuit enforces); `batch_transition` applies a batch of them all or nothing.
//!
//! * Account leaf: `hash4(LEAF_TAG, [pk.x, pk.y, balance, nonce])` (width-5 Poseidon, lane 0 =
//!   `LEAF_TAG` = 1, output lane 1); balance and nonce are integers below 2^64 embedded as scalars.
//!   An empty slot is the leaf 0.
//! * Transfer message: `poseidon::hash_n([sender + recipient * 2^64, to.x, to.y, amount + fee *
//!   2^64, nonce, chain_tag])`: each packed pair is below 2^64, so packing is injective and the
//!   hash stays at six inputs, three permutations. `chain_tag` comes from the genesis
//!   (`zkpov.spec.chain_tag.compute_chain_tag`), so a transfer signed for one network fails
//!   the signature check on every other.
//! * Transfer digest (what the batch commitment folds): `hash4(DIGEST_TAG, [message, R.x, R.y,
//!   s])`, so the public inputs bind the signature bytes as well as the signed terms.
//! * Transfer bytes (136, fixed): sender u64 BE, recipient u64 BE, recipient key (32, compressed
//!   Jubjub), amount u64 BE, fee u64 BE, nonce u64 BE, signature (64).
//! * Rules, in order: the sender exists; `nonce == sender.nonce + 1`; the signature verifies under
//!   the sender's key; `amount + fee <= balance`; the sender is debited `amount + fee` (the fee is
//!   burned: it leaves the supply) and its nonce bumped; then the
//!   recipient (read after the debit, so a self-transfer only bumps the nonce) must be empty (a new
//!   account with `recipient_pk`, nonce 0) or hold `recipient_pk`, and must not overflow 2^64.
#![forbid(unsafe_code)]

use super::operations::{OpKind, OpTerms, Operation};
use super::smt::{NodeStore, Siblings, TreeShape};
use crate::error::{decode_err, CoreError, CoreResult};
use crate::poseidon;
use crate::poseidon::wide::hash4;
use crate::schnorr::{self, Signature};
use ark_bls12_381::Fr;
use ark_ed_on_bls12_381::{EdwardsAffine, Fr as JubjubScalar};
use ark_ff::{BigInteger, PrimeField};
use std::collections::HashMap;

pub const LEAF_TAG: u64 = 1;
/// The width-5 Poseidon domain tag of a transfer's digest (leaves use `LEAF_TAG`).
pub const DIGEST_TAG: u64 = 2;
pub const TRANSFER_BYTES: usize = 136;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Account {
    pub pk: EdwardsAffine,
    pub balance: u64,
    pub nonce: u64,
}

impl Account {
    pub fn leaf(&self) -> Fr {
        let (b, n) = (Fr::from(self.balance), Fr::from(self.nonce));
        hash4(LEAF_TAG, [self.pk.x, self.pk.y, b, n])
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    pub sender: u64,
    pub recipient: u64,
    pub recipient_pk: EdwardsAffine,
    pub amount: u64,
    pub fee: u64,
    pub nonce: u64,
    pub signature: Signature,
    /// The network's chain tag: not in the bytes, given by whoever decodes them.
    pub chain_tag: Fr,
}

/// The integer fields of a transfer that its signature covers, besides the recipient's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransferTerms {
    pub sender: u64,
    pub recipient: u64,
    pub amount: u64,
    pub fee: u64,
    pub nonce: u64,
    pub chain_tag: Fr,
}

/// The signed message of a transfer.
pub fn compute_message(terms: &TransferTerms, to: &EdwardsAffine) -> Fr {
    let t = terms;
    let pack = |lo: u64, hi: u64| Fr::from((u128::from(hi) << 64) | u128::from(lo));
    let (indices, values) = (pack(t.sender, t.recipient), pack(t.amount, t.fee));
    poseidon::hash_n(&[indices, to.x, to.y, values, Fr::from(t.nonce), t.chain_tag])
}

/// A Jubjub scalar as a BLS12-381 scalar (`r_J < r`, so the value is unchanged).
pub fn scalar_to_fr(s: &JubjubScalar) -> Fr {
    Fr::from_le_bytes_mod_order(&s.into_bigint().to_bytes_le())
}

/// What the batch commitment binds of one transfer: its message and its signature.
pub fn compute_digest(message: Fr, signature: &Signature) -> Fr {
    let (r, s) = (&signature.r, scalar_to_fr(&signature.s));
    hash4(DIGEST_TAG, [message, r.x, r.y, s])
}

impl Transfer {
    pub fn terms(&self) -> TransferTerms {
        TransferTerms {
            sender: self.sender,
            recipient: self.recipient,
            amount: self.amount,
            fee: self.fee,
            nonce: self.nonce,
            chain_tag: self.chain_tag,
        }
    }

    pub fn message(&self) -> Fr {
        compute_message(&self.terms(), &self.recipient_pk)
    }

    pub fn digest(&self) -> Fr {
        compute_digest(self.message(), &self.signature)
    }

    /// The single signature check: this transfer's message signed under `pk`.
    pub fn is_signed_by(&self, pk: &EdwardsAffine) -> bool {
        schnorr::is_valid_signature(pk, self.message(), &self.signature)
    }

    /// What the sender pays: `amount + fee` (None if it exceeds 2^64 - 1).
    pub fn debit(&self) -> Option<u64> {
        self.amount.checked_add(self.fee)
    }

    /// The bytes `decode` reads. Only the tests encode: Python builds transfer bytes itself
    /// (`zkpov.chain.state.Transfer.to_bytes`).
    #[cfg(test)]
    pub fn encode(&self) -> [u8; TRANSFER_BYTES] {
        let mut out = [0u8; TRANSFER_BYTES];
        out[..8].copy_from_slice(&self.sender.to_be_bytes());
        out[8..16].copy_from_slice(&self.recipient.to_be_bytes());
        out[16..48].copy_from_slice(&schnorr::encode_point(&self.recipient_pk));
        out[48..56].copy_from_slice(&self.amount.to_be_bytes());
        out[56..64].copy_from_slice(&self.fee.to_be_bytes());
        out[64..72].copy_from_slice(&self.nonce.to_be_bytes());
        out[72..].copy_from_slice(&schnorr::encode_signature(&self.signature));
        out
    }

    /// The transfer in `bytes`, signed (if validly) for the network of `chain_tag`.
    pub fn decode(bytes: &[u8], chain_tag: Fr) -> CoreResult<Self> {
        if bytes.len() != TRANSFER_BYTES {
            return Err(decode_err(format!(
                "transfer must be {TRANSFER_BYTES} bytes, got {}",
                bytes.len()
            )));
        }
        let u64_at = |i: usize| u64::from_be_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
        Ok(Transfer {
            sender: u64_at(0),
            recipient: u64_at(8),
            recipient_pk: schnorr::decode_public_key(&bytes[16..48])?,
            amount: u64_at(48),
            fee: u64_at(56),
            nonce: u64_at(64),
            signature: schnorr::decode_signature(&bytes[72..])?,
            chain_tag,
        })
    }
}

/// `acc = 0; acc = poseidon::hash2(acc, digest)` for each transfer, in order.
pub fn compute_batch_commitment(transfers: &[Transfer]) -> Fr {
    transfers
        .iter()
        .fold(Fr::from(0u64), |acc, t| poseidon::hash2(acc, t.digest()))
}

/// What the circuit needs for one operation: its terms and signature, the accounts it reads and
/// their paths at that moment (`None` for a side the kind does not touch: a payout's sender, a
/// staking op's recipient, whose siblings are then any valid path).
#[derive(Clone, Debug)]
pub struct StepWitness {
    pub kind: OpKind,
    pub terms: OpTerms,
    pub signature: Signature,
    pub sender: Option<Account>,
    pub sender_siblings: Siblings,
    pub recipient: Option<Account>,
    pub recipient_siblings: Siblings,
}

/// A key-value map of accounts, with the same overlay idea as `smt::Overlay`.
pub trait AccountStore {
    fn get_account(&self, index: u64) -> Option<Account>;
    fn put_account(&mut self, index: u64, account: Account);
}

impl AccountStore for HashMap<u64, Account> {
    fn get_account(&self, index: u64) -> Option<Account> {
        self.get(&index).copied()
    }

    fn put_account(&mut self, index: u64, account: Account) {
        self.insert(index, account);
    }
}

fn reject(msg: String) -> CoreError {
    CoreError::InvalidArgument(msg)
}

/// Whether an operation's signature verifies under a key (the sender's, when it is applied).
pub type IsSigned<'a> = dyn Fn(&EdwardsAffine) -> bool + 'a;

/// The signer's rules for any signed operation: it exists, `nonce == its nonce + 1`, the
/// signature over `message` verifies under its key, and `amount + fee <= balance`.
pub fn check_signer(
    t: &OpTerms,
    message: Fr,
    signature: &Signature,
    sender: Option<Account>,
) -> CoreResult<Account> {
    check_signer_with(t, sender, &|pk| {
        schnorr::is_valid_signature(pk, message, signature)
    })
}

/// `check_signer` with the signature check answered by `is_signed` (a batch's verdicts).
pub fn check_signer_with(
    t: &OpTerms,
    sender: Option<Account>,
    is_signed: &IsSigned,
) -> CoreResult<Account> {
    let s = sender.ok_or_else(|| reject(format!("sender account {} does not exist", t.sender)))?;
    if Some(t.nonce) != s.nonce.checked_add(1) {
        return Err(reject(format!(
            "nonce {} is not the sender's nonce {} + 1",
            t.nonce, s.nonce
        )));
    }
    if !is_signed(&s.pk) {
        return Err(reject(
            "signature does not verify under the sender's key".into(),
        ));
    }
    if t.amount
        .checked_add(t.fee)
        .map_or(true, |debit| debit > s.balance)
    {
        return Err(reject(format!(
            "amount {} plus fee {} exceeds balance {}",
            t.amount, t.fee, s.balance
        )));
    }
    Ok(s)
}

/// The account at `index` after a credit of `amount` to `pk`: a new account if the slot is empty,
/// else it must hold `pk` and not overflow 2^64.
pub fn compute_credited(
    index: u64,
    pk: EdwardsAffine,
    amount: u64,
    recipient: Option<Account>,
) -> CoreResult<Account> {
    let Some(r) = recipient else {
        return Ok(Account {
            pk,
            balance: amount,
            nonce: 0,
        });
    };
    if r.pk != pk {
        return Err(reject(format!("account {index} holds a different key")));
    }
    let balance = r.balance.checked_add(amount);
    let balance =
        balance.ok_or_else(|| reject("recipient balance would exceed 2^64 - 1".into()))?;
    Ok(Account { balance, ..r })
}

/// The rules of `process_transfer` on the accounts alone (no tree, no witness), with the
/// same errors in the same order: for a batch whose tree is updated once at the end.
pub fn process_transfer_rules(
    shape: &TreeShape,
    accounts: &mut impl AccountStore,
    t: &Transfer,
    is_signed: &IsSigned,
) -> CoreResult<()> {
    shape.check_index(t.sender)?;
    shape.check_index(t.recipient)?;
    let terms = Operation::Transfer(t.clone()).terms();
    let sender = check_signer_with(&terms, accounts.get_account(t.sender), is_signed)?;
    let debited = Account {
        balance: sender.balance - t.amount - t.fee,
        nonce: t.nonce,
        ..sender
    };
    accounts.put_account(t.sender, debited);
    let recipient = accounts.get_account(t.recipient);
    let credited = compute_credited(t.recipient, t.recipient_pk, t.amount, recipient)?;
    accounts.put_account(t.recipient, credited);
    Ok(())
}

/// Checks the signer of `terms` (`check_signer`), then debits `amount + fee` from it and bumps its
/// nonce; returns the account before the debit and its siblings (the transfer and staking-op rules).
pub(crate) fn process_debit(
    shape: &TreeShape,
    nodes: &mut impl NodeStore,
    accounts: &mut impl AccountStore,
    terms: &OpTerms,
    message: Fr,
    signature: &Signature,
) -> CoreResult<(Account, Siblings)> {
    let sender = check_signer(
        terms,
        message,
        signature,
        accounts.get_account(terms.sender),
    )?;
    let siblings = shape.get_siblings(nodes, terms.sender);
    let debited = Account {
        balance: sender.balance - terms.amount - terms.fee,
        nonce: terms.nonce,
        ..sender
    };
    accounts.put_account(terms.sender, debited);
    shape.process_update(nodes, terms.sender, debited.leaf());
    Ok((sender, siblings))
}

/// Credits `amount` to `pk` at `index` (`compute_credited`); returns the account before the credit
/// and its siblings (the transfer's recipient and a payout).
pub(crate) fn process_credit(
    shape: &TreeShape,
    nodes: &mut impl NodeStore,
    accounts: &mut impl AccountStore,
    index: u64,
    pk: EdwardsAffine,
    amount: u64,
) -> CoreResult<(Option<Account>, Siblings)> {
    let recipient = accounts.get_account(index);
    let credited = compute_credited(index, pk, amount, recipient)?;
    let siblings = shape.get_siblings(nodes, index);
    accounts.put_account(index, credited);
    shape.process_update(nodes, index, credited.leaf());
    Ok((recipient, siblings))
}

/// Applies one transfer to `nodes` and `accounts`; on error, the stores may be partly written,
/// so callers run this on overlays and drop them on failure.
pub fn process_transfer(
    shape: &TreeShape,
    nodes: &mut impl NodeStore,
    accounts: &mut impl AccountStore,
    t: &Transfer,
) -> CoreResult<StepWitness> {
    shape.check_index(t.sender)?;
    shape.check_index(t.recipient)?;
    let terms = Operation::Transfer(t.clone()).terms();
    let (sender, sender_siblings) =
        process_debit(shape, nodes, accounts, &terms, t.message(), &t.signature)?;
    let (recipient, recipient_siblings) = process_credit(
        shape,
        nodes,
        accounts,
        t.recipient,
        t.recipient_pk,
        t.amount,
    )?;
    Ok(StepWitness {
        kind: OpKind::Transfer,
        terms,
        signature: t.signature,
        sender: Some(sender),
        sender_siblings,
        recipient,
        recipient_siblings,
    })
}
