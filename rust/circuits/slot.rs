//! The witness of one circuit slot, built from a native `StepWitness` or as no-op padding.
#![forbid(unsafe_code)]

use crate::state::accounts::StepWitness;
use crate::state::batch_transition::BatchWitness;
use crate::state::operations::OpKind;
use crate::state::smt::compute_defaults;
use ark_bls12_381::Fr;
use ark_ed_on_bls12_381::Fr as JubjubScalar;
use ark_ff::Zero;

#[derive(Clone, Debug)]
pub struct SlotWitness {
    pub is_real: bool,
    /// The slot's kind: a transfer unless one of these holds (never both).
    pub is_stake: bool,
    pub is_payout: bool,
    pub op: u8,
    pub target: u32,
    pub sender: u64,
    pub recipient: u64,
    pub recipient_pk: (Fr, Fr),
    pub amount: u64,
    pub fee: u64,
    pub nonce: u64,
    pub sender_pk: (Fr, Fr),
    pub sender_balance: u64,
    pub sender_nonce: u64,
    pub sender_siblings: Vec<[Fr; 3]>,
    pub recipient_is_new: bool,
    pub recipient_balance: u64,
    pub recipient_nonce: u64,
    pub recipient_siblings: Vec<[Fr; 3]>,
    pub signature_r: (Fr, Fr),
    pub signature_s: JubjubScalar,
    pub chain_tag: Fr,
}

impl SlotWitness {
    /// A no-op slot: zeros, identity points `(0, 1)`, empty-tree siblings.
    pub fn padding(depth: u32) -> Self {
        let identity = (Fr::zero(), Fr::from(1u64));
        let siblings: Vec<[Fr; 3]> = compute_defaults(depth)[..(depth / 2) as usize]
            .iter()
            .map(|e| [*e; 3])
            .collect();
        SlotWitness {
            is_real: false,
            is_stake: false,
            is_payout: false,
            op: 0,
            target: 0,
            sender: 0,
            recipient: 0,
            recipient_pk: identity,
            amount: 0,
            fee: 0,
            nonce: 0,
            sender_pk: identity,
            sender_balance: 0,
            sender_nonce: 0,
            sender_siblings: siblings.clone(),
            recipient_is_new: false,
            recipient_balance: 0,
            recipient_nonce: 0,
            recipient_siblings: siblings,
            signature_r: identity,
            signature_s: JubjubScalar::zero(),
            chain_tag: Fr::zero(),
        }
    }

    /// A real slot from the native transition's record of it. The side a kind does not touch
    /// gets a witness that passes the checks the circuit still runs on it: a payout's sender
    /// holds exactly `amount` (the debit's range check), a staking op's recipient is empty.
    pub fn from_step(step: &StepWitness) -> Self {
        let t = &step.terms;
        let identity = (Fr::zero(), Fr::from(1u64));
        let (sender, recipient) = (step.sender, step.recipient);
        let sender_balance = sender.map_or(t.amount + t.fee, |a| a.balance);
        SlotWitness {
            is_real: true,
            is_stake: step.kind == OpKind::Stake,
            is_payout: step.kind == OpKind::Payout,
            op: t.op,
            target: t.target,
            sender: t.sender,
            recipient: t.recipient,
            recipient_pk: t.to,
            amount: t.amount,
            fee: t.fee,
            nonce: t.nonce,
            sender_pk: sender.map_or(identity, |a| (a.pk.x, a.pk.y)),
            sender_balance,
            sender_nonce: sender.map_or(0, |a| a.nonce),
            sender_siblings: step.sender_siblings.clone(),
            recipient_is_new: recipient.is_none() && step.kind != OpKind::Stake,
            recipient_balance: recipient.map_or(0, |a| a.balance),
            recipient_nonce: recipient.map_or(0, |a| a.nonce),
            recipient_siblings: step.recipient_siblings.clone(),
            signature_r: (step.signature.r.x, step.signature.r.y),
            signature_s: step.signature.s,
            chain_tag: t.chain_tag,
        }
    }

    /// The key the recipient-key gadget derives its witness from (a staking slot's `to` is its
    /// body digest, not a point, and the gadget is off there).
    pub fn key_witness(&self) -> (Fr, Fr) {
        if self.is_stake {
            (Fr::zero(), Fr::from(1u64))
        } else {
            self.recipient_pk
        }
    }
}

/// The slots of a batch: its steps, then padding up to `batch_size`.
pub fn compute_slots(witness: &BatchWitness, batch_size: usize) -> Vec<SlotWitness> {
    let mut slots: Vec<SlotWitness> = witness.steps.iter().map(SlotWitness::from_step).collect();
    slots.resize_with(batch_size, || SlotWitness::padding(witness.depth));
    slots
}
