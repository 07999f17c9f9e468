//! Soundness of the slot kinds: a mixed batch satisfies the circuit and matches the native
//! transition; forged op codes, targets, kinds, payouts, bonds and overflows do not, with every
//! other value (roots, commitment, paths) kept consistent by the model.
use super::slot::SlotWitness;
use super::tests::{create_fixture, is_satisfied, model, resign, Fixture};
use super::transfer::TransferBatchCircuit;
use crate::schnorr::{compute_public_key, generate_secret_key, sign};
use crate::state::batch_transition::tests::{signed, CHAIN_TAG};
use crate::state::operations::{
    compute_op_commitment, compute_op_message, unsigned_signature, Operation, Payout, StakeOp,
    OP_CREATE_VALIDATOR, OP_DELEGATE, OP_EDIT_VALIDATOR, OP_PAYOUT, OP_UNDELEGATE, OP_WITHDRAW,
};
use ark_bls12_381::Fr;
use ark_ed_on_bls12_381::{EdwardsAffine, Fr as JubjubScalar};
use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystem};

/// A staking op signed with `sk`.
pub fn signed_op(
    sk: &JubjubScalar,
    op: u8,
    (sender, target): (u64, u32),
    (amount, fee, nonce): (u64, u64, u64),
    body: Vec<u8>,
) -> StakeOp {
    let mut s = StakeOp {
        op,
        sender,
        target,
        amount,
        fee,
        nonce,
        body,
        signature: unsigned_signature(),
        chain_tag: Fr::from(CHAIN_TAG),
    };
    s.signature = sign(sk, compute_op_message(&s.terms()));
    s
}

fn fixture() -> Fixture {
    create_fixture(4)
}

fn payout(to: u64, pk: EdwardsAffine, amount: u64) -> Operation {
    Operation::Payout(Payout {
        recipient: to,
        recipient_pk: pk,
        amount,
        chain_tag: Fr::from(CHAIN_TAG),
    })
}

/// A transfer, a delegate, a payout to a new account and an undelegate, in that order.
fn mixed(f: &Fixture) -> Vec<Operation> {
    let unbond = 5u64.to_be_bytes().to_vec();
    vec![
        Operation::Transfer(signed(&f.sk, 1, 200, f.bob, 10, 1)),
        Operation::Stake(signed_op(&f.sk, OP_DELEGATE, (1, 3), (20, 1, 2), vec![])),
        payout(9, f.bob, 7),
        Operation::Stake(signed_op(&f.sk, OP_UNDELEGATE, (1, 3), (0, 1, 3), unbond)),
    ]
}

/// The honest circuit of `ops`, then `forge` edits slot `i`; the model keeps the rest of the
/// witness and the public inputs consistent with the edit.
fn forged(
    f: &Fixture,
    ops: &[Operation],
    i: usize,
    forge: impl FnOnce(&mut SlotWitness),
) -> TransferBatchCircuit {
    let mut circuit = f.config.build_op_circuit(&f.state, ops).unwrap();
    forge(&mut circuit.slots[i]);
    (circuit.post_root, circuit.commitment) = model(&f.state, &mut circuit.slots);
    circuit
}

/// Sets a payout slot's amount (its unused sender side holds exactly the amount, as
/// `SlotWitness::from_step` builds it).
fn credit(w: &mut SlotWitness, amount: u64) {
    (w.amount, w.sender_balance) = (amount, amount);
}

fn count(circuit: TransferBatchCircuit) -> usize {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.generate_constraints(cs.clone()).unwrap();
    cs.num_constraints()
}

#[test]
fn a_mixed_batch_satisfies_and_matches_the_native_transition() {
    let f = fixture();
    let ops = mixed(&f);
    let circuit = f.config.build_op_circuit(&f.state, &ops).unwrap();
    let mut slots = circuit.slots.clone();
    assert_eq!(
        model(&f.state, &mut slots),
        (circuit.post_root, circuit.commitment)
    );
    assert_eq!(circuit.commitment, compute_op_commitment(&ops));
    let mut state = f.state.clone();
    assert_eq!(state.process_operations(&ops).unwrap(), circuit.post_root);
    let alice = state.get_account(1).unwrap();
    assert_eq!((alice.balance, alice.nonce), (100 - 10 - 21 - 1, 3));
    assert_eq!(state.get_account(9).unwrap().balance, 7);
    assert_eq!(state.get_account(200).unwrap().balance, 15);
    // Every slot costs the same whatever its kind.
    assert_eq!(count(circuit.clone()), count(f.config.blank_circuit()));
    assert!(is_satisfied(circuit));
}

#[test]
fn each_staking_op_kind_alone_agrees_with_the_native_transition() {
    let f = fixture();
    let mut create_body = vec![3u8; 144];
    create_body.extend_from_slice(&250u16.to_be_bytes());
    let kinds = [
        (OP_CREATE_VALIDATOR, 0, 40, create_body),
        (OP_DELEGATE, 2, 40, vec![]),
        (OP_UNDELEGATE, 2, 0, 9u64.to_be_bytes().to_vec()),
        (OP_WITHDRAW, 0, 0, vec![]),
        (OP_EDIT_VALIDATOR, 2, 0, 300u16.to_be_bytes().to_vec()),
    ];
    for (op, target, bond, body) in kinds {
        let ops = [Operation::Stake(signed_op(
            &f.sk,
            op,
            (1, target),
            (bond, 2, 1),
            body,
        ))];
        let circuit = f.config.build_op_circuit(&f.state, &ops).unwrap();
        let mut state = f.state.clone();
        assert_eq!(state.process_operations(&ops).unwrap(), circuit.post_root);
        assert_eq!(state.get_account(1).unwrap().balance, 100 - bond - 2);
        assert_eq!(circuit.commitment, compute_op_commitment(&ops));
        assert!(is_satisfied(circuit), "op {op}");
    }
}

#[test]
fn the_model_alone_does_not_make_a_forgery_unsatisfiable() {
    let f = fixture();
    let ops = mixed(&f);
    assert!(is_satisfied(forged(&f, &ops, 1, |w| {
        w.target = 4;
        resign(w, &f.sk);
    })));
    assert!(is_satisfied(forged(&f, &ops[..2], 1, |w| {
        w.amount = 30;
        resign(w, &f.sk);
    })));
    assert!(is_satisfied(forged(&f, &ops, 2, |w| credit(w, 70))));
}

#[test]
fn a_payout_outside_the_commitment_is_unsatisfiable() {
    let f = fixture();
    let ops = mixed(&f);
    let honest = f.config.build_op_circuit(&f.state, &ops).unwrap();
    let mut without = ops.clone();
    without.remove(2);
    let mut c = honest.clone();
    c.commitment = compute_op_commitment(&without);
    assert!(!is_satisfied(c), "the credit kept, its payout uncommitted");
    // A larger credit than the committed payout, with the honest commitment.
    let mut c = forged(&f, &ops, 2, |w| credit(w, 70));
    assert_ne!(c.commitment, honest.commitment);
    c.commitment = honest.commitment;
    assert!(!is_satisfied(c));
}

#[test]
fn a_forged_op_code_or_target_is_unsatisfiable() {
    let f = fixture();
    let ops = mixed(&f);
    assert!(!is_satisfied(forged(&f, &ops, 3, |w| w.op = OP_WITHDRAW)));
    assert!(!is_satisfied(forged(&f, &ops, 1, |w| w.target = 4)));
    assert!(!is_satisfied(forged(&f, &ops, 3, |w| {
        w.op = 6; // no such op, even signed
        resign(w, &f.sk);
    })));
}

#[test]
fn a_signature_fits_no_other_op_kind() {
    let f = fixture();
    let ops = mixed(&f);
    // The delegate's signature presented as a transfer, or as an undelegate.
    assert!(!is_satisfied(forged(&f, &ops[..2], 1, |w| {
        (w.is_stake, w.op, w.target) = (false, 0, 0);
    })));
    assert!(!is_satisfied(forged(&f, &ops[..2], 1, |w| {
        (w.op, w.amount) = (OP_UNDELEGATE, 0);
    })));
    // The transfer's signature as a staking op (a debit without the credit), kept at op 0...
    assert!(!is_satisfied(
        forged(&f, &ops[..1], 0, |w| w.is_stake = true)
    ));
    // ...or as a payout at op 0 (a credit without the debit).
    assert!(!is_satisfied(
        forged(&f, &ops[..1], 0, |w| w.is_payout = true)
    ));
    // At op 255 it is a payout, which no one signs: it proves only its own commitment (sender
    // 1 and nonce 1 in its terms, which no native payout has), never the transfer's.
    let honest = f.config.build_op_circuit(&f.state, &ops[..1]).unwrap();
    let mut c = forged(&f, &ops[..1], 0, |w| {
        (w.is_payout, w.op) = (true, OP_PAYOUT)
    });
    assert_ne!(c.commitment, honest.commitment);
    c.commitment = honest.commitment;
    assert!(!is_satisfied(c));
    // A payout claimed as a transfer with no signature.
    assert!(!is_satisfied(forged(&f, &ops, 2, |w| {
        (w.is_payout, w.op) = (false, 0);
    })));
}

#[test]
fn overspent_bonds_and_overflowing_payouts_are_unsatisfiable() {
    let mut f = fixture();
    let ops = mixed(&f);
    let spend = |amount: u64| {
        forged(&f, &ops[..2], 1, |w| {
            w.amount = amount; // after the transfer of 10: amount + fee 1 <= 90
            resign(w, &f.sk);
        })
    };
    assert!(is_satisfied(spend(89)));
    assert!(!is_satisfied(spend(90)));
    assert!(!is_satisfied(forged(&f, &ops, 3, |w| {
        w.amount = 5; // an undelegate moves no bond
        resign(w, &f.sk);
    })));
    f.state.process_credit(200, f.bob, u64::MAX - 20).unwrap(); // Bob: 2^64 - 16
    let to_bob = vec![payout(200, f.bob, 1)];
    assert!(is_satisfied(forged(&f, &to_bob, 0, |w| credit(w, 15))));
    assert!(!is_satisfied(forged(&f, &to_bob, 0, |w| credit(w, 16))));
}

#[test]
fn a_payout_cannot_credit_another_key() {
    let f = fixture();
    let stranger = compute_public_key(&generate_secret_key());
    let ops = vec![payout(200, f.bob, 3)];
    assert!(!is_satisfied(forged(&f, &ops, 0, |w| {
        w.recipient_pk = (stranger.x, stranger.y);
    })));
}
