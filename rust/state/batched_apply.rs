//! A block's transfers applied with their signatures checked together: one random linear
//! combination (`crate::schnorr_batch`, one multi-scalar multiplication) on all cores (rayon),
//! then the all-or-nothing transition without a witness (`State::process_transfers_unwitnessed`:
//! the rules on the accounts, then the touched leaves hashed into the tree once, on all cores).
//!
//! The answer is exactly `State::process_transfers`'s: the same root, or the same first error.
//! Each transfer's signature is checked up front under the key its sender will hold when the
//! transfer runs, if every transfer before it applies (the key in the state, or the one an
//! earlier transfer of the batch gave the new account). A transfer that runs under another key
//! (only after an earlier one failed, which ends the batch anyway) is checked alone there. The
//! batch's per-item verdicts are the single verifier's (`schnorr_batch::verify_each`).
#![forbid(unsafe_code)]

use super::accounts::Transfer;
use super::batch_transition::State;
use crate::error::CoreResult;
use crate::schnorr_batch::{verify_each, BatchItem, MAX_BATCH};
use ark_bls12_381::Fr;
use ark_ed_on_bls12_381::EdwardsAffine;
use rayon::prelude::*;
use std::collections::HashMap;

/// A signature's verdict under the key it was checked with (None: no key to check under).
type Verdict = Option<(EdwardsAffine, bool)>;

/// Decodes encoded transfers on all cores; the first error in order, as a loop would give.
pub fn decode_transfers(items: &[Vec<u8>], chain_tag: Fr) -> CoreResult<Vec<Transfer>> {
    let decoded: Vec<CoreResult<Transfer>> = items
        .par_iter()
        .map(|bytes| Transfer::decode(bytes, chain_tag))
        .collect();
    decoded.into_iter().collect()
}

/// Applies all transfers or none, with the signatures verified in one batch (in batches of
/// `schnorr_batch::MAX_BATCH`); the new root.
pub fn process_transfers_batched(state: &mut State, transfers: &[Transfer]) -> CoreResult<Fr> {
    let verdicts = check_signatures(state, transfers)?;
    let is_signed = |i: usize, pk: &EdwardsAffine| match verdicts[i] {
        Some((key, valid)) if key == *pk => valid,
        _ => transfers[i].is_signed_by(pk),
    };
    state.process_transfers_unwitnessed(transfers, &is_signed)
}

/// Each transfer's signature checked under its expected signer (`get_signers`), in one batch.
fn check_signatures(state: &State, transfers: &[Transfer]) -> CoreResult<Vec<Verdict>> {
    let signers = get_signers(state, transfers);
    let items: Vec<Option<BatchItem>> = transfers
        .par_iter()
        .zip(&signers)
        .map(|(t, pk)| pk.map(|pk| BatchItem::new(pk, t.message(), t.signature)))
        .collect();
    let mut valid = Vec::with_capacity(items.len());
    for chunk in items.chunks(MAX_BATCH) {
        valid.extend(verify_each(chunk)?);
    }
    Ok(signers
        .into_iter()
        .zip(valid)
        .map(|(pk, ok)| pk.map(|pk| (pk, ok)))
        .collect())
}

/// The key each sender holds when its transfer runs, if all before it apply: the state's, or
/// the one an earlier transfer gave the empty slot (account keys never change).
fn get_signers(state: &State, transfers: &[Transfer]) -> Vec<Option<EdwardsAffine>> {
    let mut created: HashMap<u64, EdwardsAffine> = HashMap::new();
    let key_of = |created: &HashMap<u64, EdwardsAffine>, index: u64| {
        let held = state.get_account(index).map(|a| a.pk);
        held.or_else(|| created.get(&index).copied())
    };
    transfers
        .iter()
        .map(|t| {
            let signer = key_of(&created, t.sender);
            if key_of(&created, t.recipient).is_none() {
                created.insert(t.recipient, t.recipient_pk);
            }
            signer
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schnorr::{compute_public_key, generate_secret_key, sign};
    use crate::state::accounts::{compute_message, TransferTerms};
    use ark_ed_on_bls12_381::Fr as JubjubScalar;

    const CHAIN: u64 = 7;

    fn signed(sk: &JubjubScalar, from: u64, to: (u64, EdwardsAffine), nonce: u64) -> Transfer {
        let terms = TransferTerms {
            sender: from,
            recipient: to.0,
            amount: 5,
            fee: 1,
            nonce,
            chain_tag: Fr::from(CHAIN),
        };
        Transfer {
            sender: from,
            recipient: to.0,
            recipient_pk: to.1,
            amount: 5,
            fee: 1,
            nonce,
            signature: sign(sk, compute_message(&terms, &to.1)),
            chain_tag: Fr::from(CHAIN),
        }
    }

    struct World {
        state: State,
        keys: Vec<JubjubScalar>,
    }

    /// Accounts 1..=n funded; key i-1 signs for account i.
    fn world(n: u64) -> World {
        let mut state = State::new(8).unwrap();
        let keys: Vec<JubjubScalar> = (0..n).map(|_| generate_secret_key()).collect();
        for (i, sk) in keys.iter().enumerate() {
            let pk = compute_public_key(sk);
            state.process_credit(i as u64 + 1, pk, 1000).unwrap();
        }
        World { state, keys }
    }

    /// Both paths on copies of `state`: the same result (root, or error text), and the same
    /// state after.
    fn same_as_the_loop(state: &State, transfers: &[Transfer]) -> CoreResult<Fr> {
        let (mut looped, mut batched) = (state.clone(), state.clone());
        let want = looped.process_transfers(transfers);
        let got = process_transfers_batched(&mut batched, transfers);
        assert_eq!(
            want.as_ref().map_err(|e| e.to_string()),
            got.as_ref().map_err(|e| e.to_string())
        );
        assert_eq!(looped.get_root(), batched.get_root());
        assert_eq!(looped.get_accounts(), batched.get_accounts());
        got
    }

    #[test]
    fn a_valid_block_gives_the_loops_root() {
        let w = world(6);
        let target = (50, compute_public_key(&generate_secret_key()));
        let txs: Vec<Transfer> = (0..24)
            .map(|i| {
                signed(
                    &w.keys[i % 6],
                    (i % 6) as u64 + 1,
                    target,
                    (i / 6) as u64 + 1,
                )
            })
            .collect();
        assert!(same_as_the_loop(&w.state, &txs).is_ok());
    }

    #[test]
    fn a_bad_signature_fails_the_block_as_the_loop_does() {
        let w = world(4);
        let target = (50, compute_public_key(&generate_secret_key()));
        let mut txs: Vec<Transfer> = (0..4)
            .map(|i| signed(&w.keys[i], i as u64 + 1, target, 1))
            .collect();
        txs[2].signature = txs[1].signature; // a signature of another message and key
        let err = same_as_the_loop(&w.state, &txs).unwrap_err().to_string();
        assert!(
            err.contains("transfer 2") && err.contains("signature"),
            "{err}"
        );
    }

    #[test]
    fn a_new_account_can_spend_in_the_block_that_creates_it() {
        let w = world(1);
        let fresh = generate_secret_key();
        let fresh_pk = compute_public_key(&fresh);
        let txs = vec![
            signed(&w.keys[0], 1, (9, fresh_pk), 1),
            signed(&w.keys[0], 1, (9, fresh_pk), 2), // 10 in account 9: enough for 5 plus fee 1
            signed(&fresh, 9, (1, compute_public_key(&w.keys[0])), 1),
        ];
        assert!(same_as_the_loop(&w.state, &txs).is_ok());
        let signers = get_signers(&w.state, &txs);
        assert_eq!(signers[2], Some(fresh_pk));
    }

    #[test]
    fn a_spend_from_a_slot_claimed_under_another_key_is_checked_alone() {
        // transfer 0 creates account 9 under key A but fails (the sender is unfunded), so
        // transfer 1, signed by 9's real owner, never runs: the first error is the loop's.
        let w = world(1);
        let owner = generate_secret_key();
        let other_pk = compute_public_key(&generate_secret_key());
        let txs = vec![
            signed(&generate_secret_key(), 3, (9, other_pk), 1),
            signed(&owner, 9, (1, compute_public_key(&w.keys[0])), 1),
        ];
        let err = same_as_the_loop(&w.state, &txs).unwrap_err().to_string();
        assert!(err.contains("does not exist"), "{err}");
    }

    #[test]
    fn the_parallel_decoder_reports_the_first_error_in_order() {
        let w = world(1);
        let target = (50, compute_public_key(&generate_secret_key()));
        let good = signed(&w.keys[0], 1, target, 1).encode().to_vec();
        let items = vec![good.clone(), vec![0u8; 3], good.clone(), vec![0u8; 5]];
        let err = decode_transfers(&items, Fr::from(CHAIN)).unwrap_err();
        assert!(err.to_string().contains("got 3"), "{err}");
        assert_eq!(decode_transfers(&[good], Fr::from(CHAIN)).unwrap().len(), 1);
    }
}
