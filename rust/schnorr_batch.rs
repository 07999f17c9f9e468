//! Batched verification of Jubjub Schnorr signatures (`crate::schnorr`), for transfers that
//! arrive together.
//!
//! With a fresh random 128-bit scalar `z_i` per signature (OS RNG), the batch holds iff
//! `(sum z_i s_i) G - sum (z_i c_i) A_i - sum z_i R_i == 0`, one multi-scalar multiplication.
//! Keys and `R` decode into the prime-order subgroup, so each term `s_i G - c_i A_i - R_i` is
//! there too: the batch equation is the single one (`s G - c A == R`, no cofactor) summed, and a
//! batch holding an invalid signature passes with chance at most 2^-128. When the batch fails,
//! each signature is checked alone, so the answer is exactly the single verifier's, per item.
//! Each distinct key is decoded once per batch (a sender's run of transfers shares one).
#![forbid(unsafe_code)]

use crate::error::{CoreError, CoreResult};
use crate::schnorr::{self, Signature};
use ark_bls12_381::Fr;
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ed_on_bls12_381::{EdwardsAffine, EdwardsProjective, Fr as JubjubScalar};
use ark_ff::Zero;
use rand::{rngs::OsRng, Rng};
use rayon::prelude::*;
use std::collections::HashMap;

/// The most signatures one call may check (about 0.1 s of work on one core).
pub const MAX_BATCH: usize = 4096;

/// A key, a message (None if it is not a field element) and a signature, as bytes.
pub type RawItem = (Vec<u8>, Option<Fr>, Vec<u8>);

/// A decoded signature to check, with its challenge computed once.
#[derive(Clone, Copy, Debug)]
pub struct BatchItem {
    pk: EdwardsAffine,
    sig: Signature,
    c: JubjubScalar,
}

impl BatchItem {
    pub fn new(pk: EdwardsAffine, msg: Fr, sig: Signature) -> Self {
        let c = schnorr::challenge_scalar(&schnorr::compute_challenge(&sig.r, &pk, msg));
        BatchItem { pk, sig, c }
    }

    /// The single check, `s G - c A == R`.
    fn is_valid(&self) -> bool {
        let lhs: EdwardsProjective = schnorr::generator() * self.sig.s - self.pk * self.c;
        lhs.into_affine() == self.sig.r
    }
}

/// A `LimitExceeded` error for a batch longer than `MAX_BATCH`.
pub fn check_batch_len(n: usize) -> CoreResult<()> {
    if n <= MAX_BATCH {
        return Ok(());
    }
    Err(CoreError::LimitExceeded(format!(
        "a Schnorr batch holds at most {MAX_BATCH} signatures, got {n}"
    )))
}

fn draw_blinder(rng: &mut OsRng) -> JubjubScalar {
    loop {
        let z = JubjubScalar::from(rng.gen::<u128>());
        if !z.is_zero() {
            return z;
        }
    }
}

/// True iff every item verifies (with chance 2^-128 of missing a bad one); true when empty.
pub fn is_valid_batch(items: &[BatchItem]) -> bool {
    let mut rng = OsRng;
    let mut bases = Vec::with_capacity(2 * items.len() + 1);
    let mut scalars = Vec::with_capacity(2 * items.len() + 1);
    let mut s_sum = JubjubScalar::zero();
    for item in items {
        let z = draw_blinder(&mut rng);
        s_sum += z * item.sig.s;
        bases.extend([item.pk, item.sig.r]);
        scalars.extend([-(z * item.c), -z]);
    }
    bases.push(schnorr::generator());
    scalars.push(s_sum);
    EdwardsProjective::msm(&bases, &scalars)
        .expect("as many scalars as bases")
        .is_zero()
}

/// One verdict per item, as the single verifier gives it: None (undecodable) is false. One
/// batch check first; only when it fails is each signature checked alone.
pub fn verify_each(items: &[Option<BatchItem>]) -> CoreResult<Vec<bool>> {
    check_batch_len(items.len())?;
    let decoded: Vec<BatchItem> = items.iter().flatten().copied().collect();
    if is_valid_batch(&decoded) {
        return Ok(items.iter().map(Option::is_some).collect());
    }
    Ok(items
        .par_iter()
        .map(|item| item.is_some_and(|it| it.is_valid()))
        .collect())
}

/// Each distinct key decoded once (a sender's run shares one), or why it does not decode.
pub fn decode_keys<'a>(
    keys: impl Iterator<Item = &'a [u8]>,
) -> HashMap<&'a [u8], Result<EdwardsAffine, String>> {
    let mut keys: Vec<&[u8]> = keys.collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_par_iter()
        .map(|pk| {
            (
                pk,
                schnorr::decode_public_key(pk).map_err(|e| e.to_string()),
            )
        })
        .collect()
}

/// Decodes each `(key, message, signature)` in parallel (None where one does not decode).
pub fn decode_all(raw: &[RawItem]) -> Vec<Option<BatchItem>> {
    let keys = decode_keys(raw.iter().map(|(pk, _, _)| pk.as_slice()));
    raw.par_iter()
        .map(|(pk, msg, sig)| {
            let pk = keys.get(pk.as_slice())?.as_ref().ok()?;
            let sig = schnorr::decode_signature(sig).ok()?;
            Some(BatchItem::new(*pk, (*msg)?, sig))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(n: usize, keys: usize) -> Vec<Option<BatchItem>> {
        let sks: Vec<JubjubScalar> = (0..keys).map(|_| schnorr::generate_secret_key()).collect();
        (0..n)
            .map(|i| {
                let sk = &sks[i % keys];
                let msg = Fr::from(i as u64);
                let pk = schnorr::compute_public_key(sk);
                Some(BatchItem::new(pk, msg, schnorr::sign(sk, msg)))
            })
            .collect()
    }

    #[test]
    fn valid_batch_of_one_key_is_accepted() {
        assert_eq!(verify_each(&signed(40, 1)).unwrap(), vec![true; 40]);
    }

    #[test]
    fn valid_batch_mixing_keys_is_accepted() {
        let items = signed(50, 7);
        let decoded: Vec<BatchItem> = items.iter().flatten().copied().collect();
        assert!(is_valid_batch(&decoded));
        assert_eq!(verify_each(&items).unwrap(), vec![true; 50]);
    }

    #[test]
    fn one_bad_signature_among_many_is_found_exactly() {
        let mut items = signed(64, 5);
        let mut bad = items[37].unwrap();
        bad.sig.s += JubjubScalar::from(1u64);
        items[37] = Some(bad);
        let mut want = vec![true; 64];
        want[37] = false;
        assert!(!is_valid_batch(&[bad]));
        assert_eq!(verify_each(&items).unwrap(), want);
    }

    #[test]
    fn a_signature_under_another_key_or_message_fails() {
        let mut items = signed(8, 2);
        let other = items[1].unwrap();
        let first = items[0].unwrap();
        items[0] = Some(BatchItem::new(other.pk, Fr::from(0u64), first.sig));
        items[3] = Some(BatchItem::new(other.pk, Fr::from(99u64), other.sig));
        let want = [false, true, true, false, true, true, true, true];
        assert_eq!(verify_each(&items).unwrap(), want);
    }

    #[test]
    fn undecodable_items_are_false_and_do_not_spoil_the_rest() {
        let sk = schnorr::generate_secret_key();
        let pk = schnorr::encode_point(&schnorr::compute_public_key(&sk));
        let sig = schnorr::encode_signature(&schnorr::sign(&sk, Fr::from(5u64)));
        let raw = vec![
            (pk.to_vec(), Some(Fr::from(5u64)), sig.to_vec()),
            (vec![0u8; 31], Some(Fr::from(5u64)), sig.to_vec()),
            (pk.to_vec(), None, sig.to_vec()),
            (pk.to_vec(), Some(Fr::from(5u64)), vec![0xffu8; 64]),
            (pk.to_vec(), Some(Fr::from(5u64)), sig.to_vec()),
        ];
        let want = [true, false, false, false, true];
        assert_eq!(verify_each(&decode_all(&raw)).unwrap(), want);
    }

    #[test]
    fn empty_batch_and_the_cap() {
        assert!(verify_each(&[]).unwrap().is_empty());
        assert!(is_valid_batch(&[]));
        assert!(check_batch_len(MAX_BATCH).is_ok());
        let too_many = vec![None; MAX_BATCH + 1];
        assert!(matches!(
            verify_each(&too_many),
            Err(CoreError::LimitExceeded(_))
        ));
    }
}
