//! The signatures of transfers that arrive together, checked in one batch
//! (`crate::schnorr_batch`), each transfer decoded once: the mempool's admission of many.
//!
//! The verdict per transfer is the one the single path gives (decode the transfer, then verify
//! its signature under the sender's key): `Malformed` with the first decoding error (the
//! transfer's, then the key's), else `Valid` or `BadSignature`.
#![forbid(unsafe_code)]

use crate::error::CoreResult;
use crate::schnorr_batch::{check_batch_len, decode_keys, verify_each, BatchItem};
use crate::state::accounts::Transfer;
use ark_bls12_381::Fr;
use rayon::prelude::*;

/// What checking one transfer found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferVerdict {
    Valid,
    BadSignature,
    Malformed(String),
}

/// An encoded transfer and its sender's encoded key.
pub type TransferItem = (Vec<u8>, Vec<u8>);

/// One verdict per `(transfer, sender key)`; `LimitExceeded` past `schnorr_batch::MAX_BATCH`.
pub fn check_transfers(items: &[TransferItem], chain_tag: Fr) -> CoreResult<Vec<TransferVerdict>> {
    check_batch_len(items.len())?;
    let decoded = decode_transfers(items, chain_tag);
    let batch: Vec<Option<BatchItem>> = decoded.iter().map(|d| d.clone().ok()).collect();
    let valid = verify_each(&batch)?;
    Ok(decoded.into_iter().zip(valid).map(to_verdict).collect())
}

/// Each transfer decoded and its message hashed, in parallel, each distinct key decoded once.
fn decode_transfers(items: &[TransferItem], chain_tag: Fr) -> Vec<Result<BatchItem, String>> {
    let keys = decode_keys(items.iter().map(|(_, pk)| pk.as_slice()));
    items
        .par_iter()
        .map(|(tx, pk)| {
            let t = Transfer::decode(tx, chain_tag).map_err(|e| e.to_string())?;
            let pk = keys[pk.as_slice()].clone()?;
            Ok(BatchItem::new(pk, t.message(), t.signature))
        })
        .collect()
}

fn to_verdict((item, valid): (Result<BatchItem, String>, bool)) -> TransferVerdict {
    match item {
        Err(why) => TransferVerdict::Malformed(why),
        Ok(_) if valid => TransferVerdict::Valid,
        Ok(_) => TransferVerdict::BadSignature,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schnorr;
    use crate::state::accounts::{compute_message, TransferTerms, TRANSFER_BYTES};
    use ark_ed_on_bls12_381::Fr as JubjubScalar;

    const CHAIN: u64 = 7;

    fn signed(sk: &JubjubScalar, nonce: u64) -> Vec<u8> {
        let to = schnorr::compute_public_key(&schnorr::generate_secret_key());
        let terms = TransferTerms {
            sender: 1,
            recipient: 2,
            amount: 5,
            fee: 1,
            nonce,
            chain_tag: Fr::from(CHAIN),
        };
        let signature = schnorr::sign(sk, compute_message(&terms, &to));
        let (sender, recipient, amount, fee) = (1, 2, 5, 1);
        let t = Transfer {
            sender,
            recipient,
            recipient_pk: to,
            amount,
            fee,
            nonce,
            signature,
            chain_tag: Fr::from(CHAIN),
        };
        t.encode().to_vec()
    }

    #[test]
    fn verdicts_match_the_single_path() {
        let sk = schnorr::generate_secret_key();
        let pk = schnorr::encode_point(&schnorr::compute_public_key(&sk)).to_vec();
        let other = schnorr::compute_public_key(&schnorr::generate_secret_key());
        let other = schnorr::encode_point(&other).to_vec();
        let good = |n| signed(&sk, n);
        let mut broken = good(3);
        broken[TRANSFER_BYTES - 64..TRANSFER_BYTES - 32].fill(0xff);
        let items = vec![
            (good(1), pk.clone()),
            (good(2), other),
            (broken, pk.clone()),
            (good(4), vec![0u8; 31]),
            (good(5), pk),
        ];
        let got = check_transfers(&items, Fr::from(CHAIN)).unwrap();
        assert_eq!(got[0], TransferVerdict::Valid);
        assert_eq!(got[1], TransferVerdict::BadSignature);
        assert!(matches!(&got[2], TransferVerdict::Malformed(m) if m.contains("signature R")));
        assert!(matches!(&got[3], TransferVerdict::Malformed(m) if m.contains("public key")));
        assert_eq!(got[4], TransferVerdict::Valid);
        assert!(check_transfers(&[], Fr::from(CHAIN)).unwrap().is_empty());
    }

    #[test]
    fn a_transfer_signed_for_another_chain_is_a_bad_signature() {
        let sk = schnorr::generate_secret_key();
        let pk = schnorr::encode_point(&schnorr::compute_public_key(&sk)).to_vec();
        let items = vec![(signed(&sk, 1), pk)];
        let got = check_transfers(&items, Fr::from(CHAIN + 1)).unwrap();
        assert_eq!(got, vec![TransferVerdict::BadSignature]);
    }
}
