//! The operations a batch may hold: transfers (`accounts::Transfer`), signed staking operations
//! (`StakeOp`) and unsigned rule-mandated payouts (`Payout`), with their wire format, signed
//! message and digest.
//!
//! * Every operation has one set of terms (`OpTerms`) and one message:
//!   `hash_n([sender + recipient*2^64, to.x, to.y, amount + fee*2^64,
//!   nonce + op*2^64 + target*2^72, chain_tag])`. A transfer is op 0, target 0: its message is the
//!   transfer message unchanged. Each packed part is range-bounded (indices and amounts < 2^64,
//!   op < 2^8, target < 2^32), so the packing is injective and the message stays six inputs.
//! * A staking op signs `recipient = 0`, `to = (extra, 0)` with `extra = SHA-256(EXTRA_DST || op ||
//!   body) mod r`: the body (BLS key, proof of possession, commission, unbonded amount) is bound by
//!   the signature without the circuit reading it. `amount` is the bond it moves out of the
//!   account (create_validator, delegate; 0 for the others); `amount + fee` is debited.
//! * A payout signs nothing: its terms are `sender = 0, fee = 0, nonce = 0, op = OP_PAYOUT` and its
//!   digest uses the identity `R = (0, 1)` and `s = 0`. It is covered by the public commitment.
//! * Wire format (`op_codec`). A transfer is the unversioned 136 bytes. Any other length is versioned: byte 0
//!   is `OP_FORMAT_VERSION` (1), byte 1 the op code. Staking op: version, op, sender u64, target
//!   u32, amount u64, fee u64, nonce u64 (all BE), body, signature (64); the body is 146 bytes for
//!   create_validator (BLS key 48, proof of possession 96, commission bps u16), 8 for undelegate
//!   (the amount to unbond), 2 for edit_validator (commission bps u16), empty otherwise.
//!   Payout: version, op 255, recipient u64, recipient key (32), amount u64. No encoding of an
//!   operation is 136 bytes long, so the length alone tells a transfer from the others.
#![forbid(unsafe_code)]

use super::accounts::{compute_digest, Transfer};
use crate::poseidon;
use crate::schnorr::{self, Signature};
use ark_bls12_381::Fr;
use ark_ed_on_bls12_381::{EdwardsAffine, Fr as JubjubScalar};
use ark_ff::{PrimeField, Zero};
use sha2::{Digest, Sha256};

pub const OP_TRANSFER: u8 = 0;
pub const OP_CREATE_VALIDATOR: u8 = 1;
pub const OP_DELEGATE: u8 = 2;
pub const OP_UNDELEGATE: u8 = 3;
pub const OP_WITHDRAW: u8 = 4;
pub const OP_EDIT_VALIDATOR: u8 = 5;
/// The highest staking op code; the circuit enforces a staking slot's op is in `1..=5`.
pub const MAX_STAKE_OP: u8 = OP_EDIT_VALIDATOR;
pub const OP_PAYOUT: u8 = 255;
pub const OP_FORMAT_VERSION: u8 = 1;
/// Version, op, sender, target, amount, fee, nonce.
pub const STAKE_OP_HEADER_BYTES: usize = 38;
pub const PAYOUT_BYTES: usize = 50;
pub const MAX_COMMISSION_BPS: u16 = 10_000;
pub const BLS_PUBLIC_KEY_BYTES: usize = 48;
pub const BLS_POP_BYTES: usize = 96;
/// The longest encoding: a create_validator.
pub const MAX_OPERATION_BYTES: usize = STAKE_OP_HEADER_BYTES + 146 + schnorr::SIGNATURE_BYTES;
const EXTRA_DST: &[u8] = b"zkpov/stake-extra";

/// The body length of each staking op code (None: not a staking op).
pub fn get_body_len(op: u8) -> Option<usize> {
    match op {
        OP_CREATE_VALIDATOR => Some(BLS_PUBLIC_KEY_BYTES + BLS_POP_BYTES + 2),
        OP_DELEGATE | OP_WITHDRAW => Some(0),
        OP_UNDELEGATE => Some(8),
        OP_EDIT_VALIDATOR => Some(2),
        _ => None,
    }
}

/// Whether the op moves `amount` out of the account into the staking ledger.
pub fn is_bonding(op: u8) -> bool {
    op == OP_CREATE_VALIDATOR || op == OP_DELEGATE
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    Transfer,
    Stake,
    Payout,
}

/// What every operation's message and digest are computed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpTerms {
    pub sender: u64,
    pub recipient: u64,
    pub to: (Fr, Fr),
    pub amount: u64,
    pub fee: u64,
    pub nonce: u64,
    pub op: u8,
    pub target: u32,
    pub chain_tag: Fr,
}

fn pack(lo: u64, hi: u64) -> Fr {
    Fr::from((u128::from(hi) << 64) | u128::from(lo))
}

/// `nonce + op*2^64 + target*2^72` (below 2^104).
pub fn pack_nonce(nonce: u64, op: u8, target: u32) -> Fr {
    let high = u128::from(op) | (u128::from(target) << 8);
    Fr::from(u128::from(nonce)) + Fr::from(high) * Fr::from(1u128 << 64)
}

/// The signed message of any operation (a transfer's, for op 0 and target 0).
pub fn compute_op_message(t: &OpTerms) -> Fr {
    poseidon::hash_n(&[
        pack(t.sender, t.recipient),
        t.to.0,
        t.to.1,
        pack(t.amount, t.fee),
        pack_nonce(t.nonce, t.op, t.target),
        t.chain_tag,
    ])
}

/// A signed staking operation; `body` is checked against the op code by `decode`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StakeOp {
    pub op: u8,
    pub sender: u64,
    pub target: u32,
    pub amount: u64,
    pub fee: u64,
    pub nonce: u64,
    pub body: Vec<u8>,
    pub signature: Signature,
    pub chain_tag: Fr,
}

/// An unsigned credit of `amount` to account `recipient` (created with `recipient_pk` if empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payout {
    pub recipient: u64,
    pub recipient_pk: EdwardsAffine,
    pub amount: u64,
    pub chain_tag: Fr,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    Transfer(Transfer),
    Stake(StakeOp),
    Payout(Payout),
}

/// The field element that binds a staking op's body: `SHA-256(EXTRA_DST || op || body) mod r`.
pub fn compute_extra(op: u8, body: &[u8]) -> Fr {
    let mut h = Sha256::new();
    h.update(EXTRA_DST);
    h.update([op]);
    h.update(body);
    Fr::from_be_bytes_mod_order(&h.finalize())
}

impl StakeOp {
    pub fn terms(&self) -> OpTerms {
        OpTerms {
            sender: self.sender,
            recipient: 0,
            to: (compute_extra(self.op, &self.body), Fr::zero()),
            amount: self.amount,
            fee: self.fee,
            nonce: self.nonce,
            op: self.op,
            target: self.target,
            chain_tag: self.chain_tag,
        }
    }

    /// What the sender pays: `amount + fee` (None past 2^64 - 1).
    pub fn debit(&self) -> Option<u64> {
        self.amount.checked_add(self.fee)
    }
}

impl Payout {
    pub fn terms(&self) -> OpTerms {
        OpTerms {
            sender: 0,
            recipient: self.recipient,
            to: (self.recipient_pk.x, self.recipient_pk.y),
            amount: self.amount,
            fee: 0,
            nonce: 0,
            op: OP_PAYOUT,
            target: 0,
            chain_tag: self.chain_tag,
        }
    }
}

/// The signature a payout's digest uses: `R = (0, 1)`, `s = 0` (no one signs a payout).
pub fn unsigned_signature() -> Signature {
    Signature {
        r: EdwardsAffine::zero(),
        s: JubjubScalar::zero(),
    }
}

fn transfer_terms(t: &Transfer) -> OpTerms {
    OpTerms {
        sender: t.sender,
        recipient: t.recipient,
        to: (t.recipient_pk.x, t.recipient_pk.y),
        amount: t.amount,
        fee: t.fee,
        nonce: t.nonce,
        op: OP_TRANSFER,
        target: 0,
        chain_tag: t.chain_tag,
    }
}

impl Operation {
    pub fn kind(&self) -> OpKind {
        match self {
            Operation::Transfer(_) => OpKind::Transfer,
            Operation::Stake(_) => OpKind::Stake,
            Operation::Payout(_) => OpKind::Payout,
        }
    }

    pub fn terms(&self) -> OpTerms {
        match self {
            Operation::Transfer(t) => transfer_terms(t),
            Operation::Stake(s) => s.terms(),
            Operation::Payout(p) => p.terms(),
        }
    }

    pub fn signature(&self) -> Signature {
        match self {
            Operation::Transfer(t) => t.signature,
            Operation::Stake(s) => s.signature,
            Operation::Payout(_) => unsigned_signature(),
        }
    }

    /// What the batch commitment folds for this operation.
    pub fn digest(&self) -> Fr {
        compute_digest(compute_op_message(&self.terms()), &self.signature())
    }
}

/// `acc = 0; acc = poseidon::hash2(acc, digest)` for each operation, in order.
pub fn compute_op_commitment(ops: &[Operation]) -> Fr {
    ops.iter()
        .fold(Fr::from(0u64), |acc, op| poseidon::hash2(acc, op.digest()))
}
