//! The account-side rules of staking ops and payouts (the transfer rules are
//! `accounts::process_transfer`), the same rules the circuit enforces per slot kind:
//!
//! * a staking op is signed like a transfer (the signer exists, `nonce == its nonce + 1`, the
//!   signature over the op message verifies, `amount + fee <= balance`) and debits `amount + fee`
//!   with no credit: `amount` (the bond) leaves the account tree for the staking ledger, which
//!   `zkpov.chain.stake_ops` moves in step, and the fee is burned;
//! * a payout credits `amount` to `recipient` exactly as a transfer credits its recipient (a new
//!   account with the payout's key if empty, else the key must match; no overflow past 2^64).
#![forbid(unsafe_code)]

use super::accounts::{process_credit, process_debit, process_transfer, AccountStore, StepWitness};
use super::op_codec::check_amount;
use super::operations::{compute_op_message, get_body_len, OpKind, Operation, Payout, StakeOp};
use super::smt::{NodeStore, TreeShape};
use crate::error::{CoreError, CoreResult};

fn process_stake(
    shape: &TreeShape,
    nodes: &mut impl NodeStore,
    accounts: &mut impl AccountStore,
    s: &StakeOp,
) -> CoreResult<StepWitness> {
    shape.check_index(s.sender)?;
    if get_body_len(s.op) != Some(s.body.len()) {
        return Err(CoreError::InvalidArgument(format!(
            "not a staking op: {}",
            s.op
        )));
    }
    check_amount(s.op, s.amount)?; // the circuit's rule 5, also for ops built without decoding
    let terms = s.terms();
    let message = compute_op_message(&terms);
    let (sender, sender_siblings) =
        process_debit(shape, nodes, accounts, &terms, message, &s.signature)?;
    Ok(StepWitness {
        kind: OpKind::Stake,
        terms,
        signature: s.signature,
        sender: Some(sender),
        recipient_siblings: sender_siblings.clone(),
        sender_siblings,
        recipient: None,
    })
}

fn process_payout(
    shape: &TreeShape,
    nodes: &mut impl NodeStore,
    accounts: &mut impl AccountStore,
    p: &Payout,
) -> CoreResult<StepWitness> {
    shape.check_index(p.recipient)?;
    let (recipient, recipient_siblings) = process_credit(
        shape,
        nodes,
        accounts,
        p.recipient,
        p.recipient_pk,
        p.amount,
    )?;
    Ok(StepWitness {
        kind: OpKind::Payout,
        terms: p.terms(),
        signature: super::operations::unsigned_signature(),
        sender: None,
        sender_siblings: recipient_siblings.clone(),
        recipient,
        recipient_siblings,
    })
}

/// Applies one operation of any kind; like `process_transfer`, callers run it on overlays.
pub fn process_operation(
    shape: &TreeShape,
    nodes: &mut impl NodeStore,
    accounts: &mut impl AccountStore,
    op: &Operation,
) -> CoreResult<StepWitness> {
    match op {
        Operation::Transfer(t) => process_transfer(shape, nodes, accounts, t),
        Operation::Stake(s) => process_stake(shape, nodes, accounts, s),
        Operation::Payout(p) => process_payout(shape, nodes, accounts, p),
    }
}

#[cfg(test)]
mod tests {
    use crate::circuits::ops_tests::signed_op;
    use crate::schnorr::{self, compute_public_key, generate_secret_key};
    use crate::state::accounts::{compute_message, TransferTerms, TRANSFER_BYTES};
    use crate::state::batch_transition::tests::{signed, CHAIN_TAG};
    use crate::state::batch_transition::State;
    use crate::state::operations::*;
    use ark_bls12_381::Fr;

    fn create_body(commission: u16) -> Vec<u8> {
        let mut body = vec![7u8; BLS_PUBLIC_KEY_BYTES + BLS_POP_BYTES];
        body.extend_from_slice(&commission.to_be_bytes());
        body
    }

    fn tag() -> Fr {
        Fr::from(CHAIN_TAG)
    }

    #[test]
    fn every_kind_round_trips_and_no_encoding_is_a_transfer_length() {
        let sk = generate_secret_key();
        let pk = compute_public_key(&sk);
        let ops = [
            signed_op(
                &sk,
                OP_CREATE_VALIDATOR,
                (1, 0),
                (50, 1, 1),
                create_body(500),
            ),
            signed_op(&sk, OP_DELEGATE, (1, 2), (5, 0, 2), vec![]),
            signed_op(
                &sk,
                OP_UNDELEGATE,
                (1, 2),
                (0, 0, 3),
                4u64.to_be_bytes().to_vec(),
            ),
            signed_op(&sk, OP_WITHDRAW, (1, 2), (0, 0, 4), vec![]),
            signed_op(
                &sk,
                OP_EDIT_VALIDATOR,
                (1, 0),
                (0, 0, 5),
                9u16.to_be_bytes().to_vec(),
            ),
        ];
        for s in ops {
            let bytes = s.encode();
            assert_ne!(bytes.len(), TRANSFER_BYTES);
            assert!(bytes.len() <= MAX_OPERATION_BYTES);
            assert_eq!(
                Operation::decode(&bytes, tag()).unwrap(),
                Operation::Stake(s)
            );
        }
        let p = Payout {
            recipient: 3,
            recipient_pk: pk,
            amount: 9,
            chain_tag: tag(),
        };
        assert_eq!(p.encode().len(), PAYOUT_BYTES);
        assert_eq!(
            Operation::decode(&p.encode(), tag()).unwrap(),
            Operation::Payout(p)
        );
        let t = signed(&sk, 1, 2, pk, 3, 1);
        assert_eq!(
            Operation::decode(&t.encode(), tag()).unwrap(),
            Operation::Transfer(t)
        );
    }

    #[test]
    fn a_transfer_message_is_the_op_message_at_op_zero() {
        let pk = compute_public_key(&generate_secret_key());
        let terms = TransferTerms {
            sender: 1,
            recipient: 2,
            amount: 3,
            fee: 4,
            nonce: 5,
            chain_tag: tag(),
        };
        let sk = generate_secret_key();
        let t = crate::state::batch_transition::tests::signed_terms(&sk, terms, pk);
        let op = Operation::Transfer(t.clone());
        assert_eq!(
            compute_op_message(&op.terms()),
            compute_message(&terms, &pk)
        );
        assert_eq!(op.digest(), t.digest());
    }

    #[test]
    fn malformed_operations_are_decode_errors() {
        let sk = generate_secret_key();
        let good = signed_op(&sk, OP_DELEGATE, (1, 2), (5, 0, 2), vec![]).encode();
        let with = |i: usize, v: u8| {
            let mut b = good.clone();
            b[i] = v;
            b
        };
        let bad: Vec<(Vec<u8>, &str)> = vec![
            (vec![], "2 to"),
            (vec![1u8; MAX_OPERATION_BYTES + 1], "2 to"),
            (with(0, 2), "version"),
            (with(1, 6), "unknown op code"),
            (with(1, OP_WITHDRAW), "amount 0"),
            (good[..good.len() - 1].to_vec(), "must be 102 bytes"),
            (with(good.len() - 1, 0xff), "signature"), // s >= 2^255: never canonical
            (
                signed_op(
                    &sk,
                    OP_CREATE_VALIDATOR,
                    (1, 0),
                    (5, 0, 1),
                    create_body(10_001),
                )
                .encode(),
                "commission",
            ),
            (
                signed_op(&sk, OP_CREATE_VALIDATOR, (1, 4), (5, 0, 1), create_body(1)).encode(),
                "target 0",
            ),
            (
                signed_op(&sk, OP_UNDELEGATE, (1, 4), (0, 0, 1), vec![0; 8]).encode(),
                "undelegate amount",
            ),
            (
                signed_op(&sk, OP_DELEGATE, (1, 4), (0, 0, 1), vec![]).encode(),
                "positive amount",
            ),
            (vec![OP_FORMAT_VERSION, OP_PAYOUT, 0], "payout must be"),
        ];
        for (bytes, why) in bad {
            let err = Operation::decode(&bytes, tag()).unwrap_err();
            assert!(
                matches!(&err, crate::error::CoreError::Decode(m) if m.contains(why)),
                "{why}: {err:?}"
            );
        }
        let mut zero_payout = vec![OP_FORMAT_VERSION, OP_PAYOUT];
        zero_payout.extend_from_slice(&[0u8; 8]);
        zero_payout.extend_from_slice(&schnorr::encode_point(&compute_public_key(&sk)));
        zero_payout.extend_from_slice(&[0u8; 8]);
        assert!(Operation::decode(&zero_payout, tag()).is_err());
    }

    #[test]
    fn staking_ops_debit_and_payouts_credit_all_or_nothing() {
        let (sk, other) = (generate_secret_key(), generate_secret_key());
        let (pk, other_pk) = (compute_public_key(&sk), compute_public_key(&other));
        let mut state = State::new(8).unwrap();
        state.process_credit(1, pk, 100).unwrap();
        let delegate = signed_op(&sk, OP_DELEGATE, (1, 2), (30, 2, 1), vec![]);
        let payout = Payout {
            recipient: 5,
            recipient_pk: other_pk,
            amount: 11,
            chain_tag: tag(),
        };
        let ops = [
            Operation::Stake(delegate.clone()),
            Operation::Payout(payout.clone()),
        ];
        state.process_operations(&ops).unwrap();
        let a = state.get_account(1).unwrap();
        assert_eq!((a.balance, a.nonce), (68, 1));
        assert_eq!(state.get_account(5).unwrap().balance, 11);
        let before = state.get_root();
        let refused = [
            // replayed (nonce), signed by another key, overspent, signed for another chain
            Operation::Stake(delegate),
            Operation::Stake(signed_op(&other, OP_DELEGATE, (1, 2), (1, 0, 3), vec![])),
            Operation::Stake(signed_op(&sk, OP_DELEGATE, (1, 2), (67, 1, 3), vec![])),
            Operation::Stake(StakeOp {
                chain_tag: Fr::from(CHAIN_TAG + 1),
                ..signed_op(&sk, OP_DELEGATE, (1, 2), (1, 0, 3), vec![])
            }),
            Operation::Payout(Payout {
                recipient_pk: pk,
                ..payout.clone()
            }),
            Operation::Payout(Payout {
                amount: u64::MAX,
                ..payout
            }),
        ];
        for op in refused {
            let good = Operation::Stake(signed_op(&sk, OP_DELEGATE, (1, 2), (1, 0, 2), vec![]));
            let err = state.process_operations(&[good, op.clone()]).unwrap_err();
            assert!(err.to_string().contains(" 1: "), "{op:?}: {err}");
            assert_eq!(state.get_root(), before);
        }
    }
}
