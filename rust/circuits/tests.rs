//! Soundness of the transfer-batch circuit: honest batches satisfy it, and forged witnesses,
//! forced into the constraint system with every other value kept consistent, do not.
use super::slot::SlotWitness;
use super::transfer::TransferBatchCircuit;
use super::CircuitConfig;
use crate::poseidon::hash2;
use crate::poseidon::wide::hash4;
use crate::schnorr::{self, compute_public_key, generate_secret_key};
use crate::state::accounts::{compute_batch_commitment, compute_digest, LEAF_TAG};
use crate::state::batch_transition::tests::signed;
use crate::state::batch_transition::State;
use crate::state::operations::{compute_op_message, OpTerms};
use ark_bls12_381::Fr;
use ark_ed_on_bls12_381::{EdwardsAffine, Fr as JubjubScalar};
use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystem};

pub(super) const DEPTH: u32 = 8;

/// Alice (index 1, balance 100, key `sk`) and Bob (index 200, balance 5) in a depth-8 tree.
pub(super) struct Fixture {
    pub(super) sk: JubjubScalar,
    pub(super) bob: EdwardsAffine,
    pub(super) state: State,
    pub(super) config: CircuitConfig,
}

fn fixture() -> Fixture {
    create_fixture(2)
}

/// The fixture with a circuit of `slots` slots (the transfer and the operation tests share it).
pub(super) fn create_fixture(slots: usize) -> Fixture {
    let (sk, bob_sk) = (generate_secret_key(), generate_secret_key());
    let mut state = State::new(DEPTH).unwrap();
    state
        .process_credit(1, compute_public_key(&sk), 100)
        .unwrap();
    let bob = compute_public_key(&bob_sk);
    state.process_credit(200, bob, 5).unwrap();
    let config = CircuitConfig::new(slots, DEPTH).unwrap();
    Fixture {
        sk,
        bob,
        state,
        config,
    }
}

pub(super) fn is_satisfied(circuit: TransferBatchCircuit) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.generate_constraints(cs.clone()).unwrap();
    cs.is_satisfied().unwrap()
}

/// The terms a slot's message hashes, as the circuit packs them.
pub(super) fn terms(w: &SlotWitness) -> OpTerms {
    OpTerms {
        sender: w.sender,
        recipient: w.recipient,
        to: w.recipient_pk,
        amount: w.amount,
        fee: w.fee,
        nonce: w.nonce,
        op: w.op,
        target: w.target,
        chain_tag: w.chain_tag,
    }
}

fn leaf(pk: (Fr, Fr), balance: Fr, nonce: Fr) -> Fr {
    hash4(LEAF_TAG, [pk.0, pk.1, balance, nonce])
}

/// What the circuit computes for (possibly forged) slots, over plain field elements: it fills in
/// the paths from the evolving tree and returns `(post_root, commitment)`. A payout slot skips
/// the sender side, a staking slot the recipient side.
pub(super) fn model(state: &State, slots: &mut [SlotWitness]) -> (Fr, Fr) {
    let (shape, nodes) = state.get_tree();
    let (mut store, mut acc) = (nodes.clone(), Fr::from(0u64));
    for w in slots.iter_mut().filter(|w| w.is_real) {
        let (amount, nonce) = (Fr::from(w.amount), Fr::from(w.nonce));
        if !w.is_payout {
            w.sender_siblings = shape.get_siblings(&store, w.sender);
            let paid = amount + Fr::from(w.fee);
            let debited = leaf(w.sender_pk, Fr::from(w.sender_balance) - paid, nonce);
            shape.process_update(&mut store, w.sender, debited);
        }
        if !w.is_stake {
            w.recipient_siblings = shape.get_siblings(&store, w.recipient);
            let credited = Fr::from(w.recipient_balance) + amount;
            shape.process_update(
                &mut store,
                w.recipient,
                leaf(w.recipient_pk, credited, Fr::from(w.recipient_nonce)),
            );
        }
        let r = EdwardsAffine::new_unchecked(w.signature_r.0, w.signature_r.1);
        let sig = schnorr::Signature {
            r,
            s: w.signature_s,
        };
        acc = hash2(acc, compute_digest(compute_op_message(&terms(w)), &sig));
    }
    (shape.get_root(&store), acc)
}

/// Re-signs a slot's (edited) operation with `sk`.
pub(super) fn resign(w: &mut SlotWitness, sk: &JubjubScalar) {
    let sig = schnorr::sign(sk, compute_op_message(&terms(w)));
    (w.signature_r, w.signature_s) = ((sig.r.x, sig.r.y), sig.s);
}

/// An honest one-transfer circuit, then `forge` edits its first slot; the model keeps the rest
/// of the witness and the public inputs consistent with the edit.
fn forged(f: &Fixture, forge: impl FnOnce(&mut SlotWitness)) -> TransferBatchCircuit {
    let t = signed(&f.sk, 1, 200, f.bob, 10, 1);
    let mut circuit = f.config.build_circuit(&f.state, &[t]).unwrap();
    forge(&mut circuit.slots[0]);
    (circuit.post_root, circuit.commitment) = model(&f.state, &mut circuit.slots);
    circuit
}

#[test]
fn honest_batches_satisfy_and_match_the_model() {
    let f = fixture();
    let transfers = [
        signed(&f.sk, 1, 200, f.bob, 10, 1),
        signed(&f.sk, 1, 7, f.bob, 20, 2),
    ];
    let circuit = f.config.build_circuit(&f.state, &transfers).unwrap();
    let mut slots = circuit.slots.clone();
    assert_eq!(
        model(&f.state, &mut slots),
        (circuit.post_root, circuit.commitment)
    );
    let mut state = f.state.clone();
    assert_eq!(
        state.process_transfers(&transfers).unwrap(),
        circuit.post_root
    );
    assert!(is_satisfied(circuit));
    assert!(is_satisfied(
        f.config.build_circuit(&f.state, &transfers[..1]).unwrap()
    ));
    assert!(is_satisfied(f.config.build_circuit(&f.state, &[]).unwrap()));
    assert!(is_satisfied(f.config.blank_circuit()));
}

#[test]
fn the_model_alone_does_not_make_a_forgery_unsatisfiable() {
    // Control: an edit that breaks no rule (a different valid amount, re-signed) still satisfies.
    let f = fixture();
    assert!(is_satisfied(forged(&f, |w| {
        w.amount = 99;
        resign(w, &f.sk);
    })));
}

#[test]
fn overspend_is_unsatisfiable() {
    let f = fixture();
    assert!(!is_satisfied(forged(&f, |w| {
        w.amount = 101;
        resign(w, &f.sk);
    })));
}

#[test]
fn the_fee_counts_against_the_balance_and_is_signed() {
    let f = fixture();
    let paying = |amount: u64, fee: u64| {
        forged(&f, |w| {
            (w.amount, w.fee) = (amount, fee);
            resign(w, &f.sk);
        })
    };
    assert!(is_satisfied(paying(90, 10)));
    assert!(!is_satisfied(paying(90, 11)));
    assert!(
        !is_satisfied(forged(&f, |w| w.fee = 1)),
        "a fee added after signing"
    );
}

#[test]
fn bad_signature_is_unsatisfiable() {
    let f = fixture();
    assert!(!is_satisfied(forged(&f, |w| resign(
        w,
        &generate_secret_key()
    ))));
    assert!(!is_satisfied(
        forged(&f, |w| w.signature_s += JubjubScalar::from(1u64))
    ));
}

#[test]
fn a_signature_for_another_chain_is_unsatisfiable() {
    let f = fixture();
    let other_chain = |w: &mut SlotWitness| {
        let here = w.chain_tag;
        w.chain_tag += Fr::from(1u64);
        resign(w, &f.sk);
        w.chain_tag = here;
    };
    assert!(!is_satisfied(forged(&f, other_chain)));
    // Witnessing the other chain's tag satisfies, but the commitment is no longer this chain's.
    let t = signed(&f.sk, 1, 200, f.bob, 10, 1);
    let honest = f.config.build_circuit(&f.state, &[t]).unwrap();
    let elsewhere = forged(&f, |w| {
        w.chain_tag += Fr::from(1u64);
        resign(w, &f.sk);
    });
    assert_ne!(elsewhere.commitment, honest.commitment);
    assert!(is_satisfied(elsewhere));
}

#[test]
fn wrong_nonce_is_unsatisfiable() {
    let f = fixture();
    for nonce in [0, 2, 3] {
        assert!(!is_satisfied(forged(&f, |w| {
            w.nonce = nonce;
            resign(w, &f.sk);
        })));
    }
}

#[test]
fn wrong_merkle_path_or_leaf_is_unsatisfiable() {
    let f = fixture();
    let t = signed(&f.sk, 1, 200, f.bob, 10, 1);
    let honest = f.config.build_circuit(&f.state, &[t]).unwrap();
    let mut c = honest.clone();
    c.slots[0].sender_siblings[1][2] += Fr::from(1u64);
    assert!(!is_satisfied(c));
    let mut c = honest.clone();
    c.slots[0].recipient_siblings[0][0] += Fr::from(1u64);
    assert!(!is_satisfied(c));
    // A richer sender leaf than the tree holds.
    assert!(!is_satisfied(forged(&f, |w| w.sender_balance = 1000)));
    // Claiming an existing recipient slot is empty (to overwrite it).
    assert!(!is_satisfied(forged(&f, |w| {
        (w.recipient_is_new, w.recipient_balance, w.recipient_nonce) = (true, 0, 0);
    })));
}

#[test]
fn tampered_public_inputs_and_padding_are_unsatisfiable() {
    let f = fixture();
    let t = signed(&f.sk, 1, 200, f.bob, 10, 1);
    let honest = f.config.build_circuit(&f.state, &[t]).unwrap();
    for i in 0..3 {
        let mut c = honest.clone();
        match i {
            0 => c.post_root += Fr::from(1u64),
            1 => c.pre_root += Fr::from(1u64),
            _ => c.commitment += Fr::from(1u64),
        }
        assert!(!is_satisfied(c));
    }
    // Marking the real transfer as padding cannot keep its state change.
    let mut c = honest.clone();
    c.slots[0].is_real = false;
    assert!(!is_satisfied(c));
}

#[test]
fn recipient_overflow_is_unsatisfiable() {
    let mut f = fixture();
    f.state.process_credit(200, f.bob, u64::MAX - 15).unwrap(); // Bob: 2^64 - 11
    let with_amount = |amount: u64| {
        forged(&f, |w| {
            w.amount = amount;
            resign(w, &f.sk);
        })
    };
    assert!(is_satisfied(with_amount(10)));
    assert!(!is_satisfied(with_amount(11)));
}

/// Redirects the slot's transfer to the empty account 5 with `key` as its new key, re-signed.
fn to_new_account(w: &mut SlotWitness, key: (Fr, Fr), sk: &JubjubScalar) {
    (w.recipient, w.recipient_pk) = (5, key);
    (w.recipient_is_new, w.recipient_balance, w.recipient_nonce) = (true, 0, 0);
    resign(w, sk);
}

#[test]
fn invalid_signature_bytes_change_the_public_commitment() {
    // The gap: the commitment bound the message only, so a block holding the same transfer with
    // a well-formed but invalid signature had the valid batch's public inputs.
    let f = fixture();
    let t = signed(&f.sk, 1, 200, f.bob, 10, 1);
    let honest = f
        .config
        .build_circuit(&f.state, std::slice::from_ref(&t))
        .unwrap();
    let mut bad = t.clone();
    bad.signature.s += JubjubScalar::from(1u64);
    assert_eq!(bad.message(), t.message());
    let bad_commitment = compute_batch_commitment(&[bad]);
    assert_ne!(bad_commitment, honest.commitment);
    // The valid witness cannot prove the invalid block's inputs...
    let mut c = honest.clone();
    c.commitment = bad_commitment;
    assert!(!is_satisfied(c));
    // ...nor can the invalid signature's witness, with its own commitment.
    assert!(!is_satisfied(
        forged(&f, |w| w.signature_s += JubjubScalar::from(1u64))
    ));
    // Another valid signature on the same message is a different commitment too.
    let mut other = t.clone();
    let k = JubjubScalar::from(12345u64);
    let r = crate::schnorr::generator() * k;
    let c_fr =
        crate::schnorr::compute_challenge(&r.into(), &compute_public_key(&f.sk), t.message());
    other.signature = schnorr::Signature {
        r: r.into(),
        s: k + crate::schnorr::challenge_scalar(&c_fr) * f.sk,
    };
    assert!(schnorr::is_valid_signature(
        &compute_public_key(&f.sk),
        t.message(),
        &other.signature
    ));
    assert_ne!(compute_batch_commitment(&[other]), honest.commitment);
}

#[test]
fn recipient_keys_outside_the_subgroup_or_identity_are_unsatisfiable() {
    use ark_ec::{AffineRepr, CurveGroup};
    let f = fixture();
    let fresh = compute_public_key(&generate_secret_key());
    assert!(is_satisfied(forged(&f, |w| to_new_account(
        w,
        (fresh.x, fresh.y),
        &f.sk
    ))));
    let identity = (Fr::from(0u64), Fr::from(1u64));
    let order_two = (Fr::from(0u64), -Fr::from(1u64));
    let torsion = EdwardsAffine::new_unchecked(order_two.0, order_two.1);
    let twisted = (fresh.into_group() + torsion).into_affine();
    let off_curve = (fresh.x, fresh.y + Fr::from(1u64));
    for key in [identity, order_two, (twisted.x, twisted.y), off_curve] {
        assert!(
            !is_satisfied(forged(&f, |w| to_new_account(w, key, &f.sk))),
            "{key:?}"
        );
    }
}

#[test]
fn circuit_id_hashes_the_config_and_the_template_matrices() {
    let id = |b, d| CircuitConfig::new(b, d).unwrap().circuit_id().unwrap();
    let ids: std::collections::HashSet<String> = [id(1, 2), id(2, 2), id(1, 4), id(2, 4)]
        .into_iter()
        .collect();
    assert_eq!(ids.len(), 4);
    assert_eq!(id(2, 8), id(2, 8));
    // The matrix hash sees the constraints: another circuit's matrices hash differently.
    let other = CircuitConfig::new(1, 2).unwrap();
    assert_ne!(
        super::synthesize_matrix_hash(&other).unwrap(),
        super::get_matrix_hash().unwrap()
    );
    assert_eq!(
        super::synthesize_matrix_hash(&super::ID_TEMPLATE).unwrap(),
        super::get_matrix_hash().unwrap()
    );
}
