//! The witness of one circuit slot, built from a native `StepWitness` or as no-op padding.
#![forbid(unsafe_code)]

use crate::state::accounts::StepWitness;
use crate::state::batch_transition::BatchWitness;
use crate::state::smt::compute_defaults;
use ark_bls12_381::Fr;
use ark_ed_on_bls12_381::Fr as JubjubScalar;
use ark_ff::Zero;

#[derive(Clone, Debug)]
pub struct SlotWitness {
    pub is_real: bool,
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

    /// A real slot from the native transition's record of it.
    pub fn from_step(step: &StepWitness) -> Self {
        let t = &step.transfer;
        let recipient = step.recipient;
        SlotWitness {
            is_real: true,
            sender: t.sender,
            recipient: t.recipient,
            recipient_pk: (t.recipient_pk.x, t.recipient_pk.y),
            amount: t.amount,
            fee: t.fee,
            nonce: t.nonce,
            sender_pk: (step.sender.pk.x, step.sender.pk.y),
            sender_balance: step.sender.balance,
            sender_nonce: step.sender.nonce,
            sender_siblings: step.sender_siblings.clone(),
            recipient_is_new: recipient.is_none(),
            recipient_balance: recipient.map_or(0, |a| a.balance),
            recipient_nonce: recipient.map_or(0, |a| a.nonce),
            recipient_siblings: step.recipient_siblings.clone(),
            signature_r: (t.signature.r.x, t.signature.r.y),
            signature_s: t.signature.s,
            chain_tag: t.chain_tag,
        }
    }
}

/// The slots of a batch: its steps, then padding up to `batch_size`.
pub fn compute_slots(witness: &BatchWitness, batch_size: usize) -> Vec<SlotWitness> {
    let mut slots: Vec<SlotWitness> = witness.steps.iter().map(SlotWitness::from_step).collect();
    slots.resize_with(batch_size, || SlotWitness::padding(witness.depth));
    slots
}
