//! BLS signatures on blst, min_pk (48-byte public keys in G1, 96-byte signatures in G2),
//! proof-of-possession scheme with the Ethereum ciphersuites.
//!
//! Decoding is strict: public keys must be on the curve, in the subgroup and not the identity;
//! signatures must be on the curve and in the subgroup. Verification functions return `false` for
//! anything that does not decode or does not verify, as the Ethereum test vectors require.
#![forbid(unsafe_code)]

use crate::blst_raw;
use crate::error::{decode_err, CoreError, CoreResult};
use blst::min_pk::{AggregatePublicKey, AggregateSignature, PublicKey, SecretKey, Signature};
use blst::{blst_fp12, blst_p1_affine, blst_p2, blst_p2_affine, blst_scalar, BLST_ERROR};
use rand::RngCore;
use rayon::prelude::*;

pub const DST_SIG: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
pub const DST_POP: &[u8] = b"BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
pub const SECRET_KEY_BYTES: usize = 32;
pub const PUBLIC_KEY_BYTES: usize = 48;
pub const SIGNATURE_BYTES: usize = 96;
/// Bits of each random blinding scalar in `batch_verify` (forgery chance 2^-64 per batch).
const BLINDING_BITS: usize = 64;

fn check_len(what: &str, bytes: &[u8], want: usize) -> CoreResult<()> {
    if bytes.len() == want {
        return Ok(());
    }
    Err(decode_err(format!(
        "{what} must be {want} bytes, got {}",
        bytes.len()
    )))
}

fn describe(what: &str, err: BLST_ERROR) -> CoreError {
    let why = match err {
        BLST_ERROR::BLST_BAD_ENCODING => "bad encoding (flags, length or coordinate >= p)",
        BLST_ERROR::BLST_POINT_NOT_ON_CURVE => "point is not on the curve",
        BLST_ERROR::BLST_POINT_NOT_IN_GROUP => "point is not in the prime-order subgroup",
        BLST_ERROR::BLST_PK_IS_INFINITY => "point at infinity is not allowed",
        _ => "rejected",
    };
    decode_err(format!("{what}: {why}"))
}

/// Derives a secret key from at least 32 bytes of input keying material (EIP-2333 KeyGen).
pub fn keygen(ikm: &[u8], key_info: &[u8]) -> CoreResult<[u8; SECRET_KEY_BYTES]> {
    if ikm.len() < 32 {
        return Err(decode_err(format!(
            "ikm must be at least 32 bytes, got {}",
            ikm.len()
        )));
    }
    let sk = SecretKey::key_gen(ikm, key_info).map_err(|e| describe("ikm", e))?;
    Ok(sk.to_bytes())
}

/// A big-endian scalar in [1, r).
pub fn decode_secret_key(bytes: &[u8]) -> CoreResult<SecretKey> {
    check_len("secret key", bytes, SECRET_KEY_BYTES)?;
    SecretKey::from_bytes(bytes)
        .map_err(|_| decode_err("secret key must be a big-endian scalar in [1, r)"))
}

/// A compressed G1 point that is a valid public key (KeyValidate).
pub fn decode_public_key(bytes: &[u8]) -> CoreResult<PublicKey> {
    check_len("public key", bytes, PUBLIC_KEY_BYTES)?;
    let pk = PublicKey::uncompress(bytes).map_err(|e| describe("public key", e))?;
    pk.validate().map_err(|e| describe("public key", e))?;
    Ok(pk)
}

/// A compressed G2 point in the subgroup (the identity decodes; it never verifies).
pub fn decode_signature(bytes: &[u8]) -> CoreResult<Signature> {
    check_len("signature", bytes, SIGNATURE_BYTES)?;
    let sig = Signature::uncompress(bytes).map_err(|e| describe("signature", e))?;
    sig.validate(false).map_err(|e| describe("signature", e))?;
    Ok(sig)
}

/// Point deserialization as in the Ethereum `deserialization_G1` vectors (identity allowed).
pub fn check_g1_point(bytes: &[u8]) -> CoreResult<()> {
    check_len("G1 point", bytes, PUBLIC_KEY_BYTES)?;
    let pk = PublicKey::uncompress(bytes).map_err(|e| describe("G1 point", e))?;
    match pk.validate() {
        Ok(()) | Err(BLST_ERROR::BLST_PK_IS_INFINITY) => Ok(()),
        Err(e) => Err(describe("G1 point", e)),
    }
}

/// Point deserialization as in the Ethereum `deserialization_G2` vectors (identity allowed).
pub fn check_g2_point(bytes: &[u8]) -> CoreResult<()> {
    decode_signature(bytes).map(|_| ())
}

pub fn sk_to_pk(sk: &[u8]) -> CoreResult<[u8; PUBLIC_KEY_BYTES]> {
    Ok(decode_secret_key(sk)?.sk_to_pk().compress())
}

pub fn sign(sk: &[u8], msg: &[u8]) -> CoreResult<[u8; SIGNATURE_BYTES]> {
    Ok(decode_secret_key(sk)?.sign(msg, DST_SIG, &[]).compress())
}

/// Hashes to G2 with any domain separation tag; returns the uncompressed affine point
/// (x.c1 || x.c0 || y.c1 || y.c0, big-endian). Computed as the signature of the key 1.
pub fn hash_to_g2(msg: &[u8], dst: &[u8]) -> [u8; 2 * SIGNATURE_BYTES] {
    let mut one = [0u8; SECRET_KEY_BYTES];
    one[SECRET_KEY_BYTES - 1] = 1;
    let sk = SecretKey::from_bytes(&one).expect("1 is a valid scalar");
    sk.sign(msg, dst, &[]).serialize()
}

fn is_ok(err: BLST_ERROR) -> bool {
    err == BLST_ERROR::BLST_SUCCESS
}

/// Verifies with an already-decoded public key (no decompression, no subgroup check of pk).
pub fn verify_decoded(pk: &PublicKey, msg: &[u8], sig: &[u8]) -> bool {
    match decode_signature(sig) {
        Ok(sig) => is_ok(sig.verify(false, msg, DST_SIG, &[], pk, false)),
        Err(_) => false,
    }
}

pub fn verify(pk: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    decode_public_key(pk).is_ok_and(|pk| verify_decoded(&pk, msg, sig))
}

/// Below this many points, decoding on one thread beats rayon's hand-off.
const PARALLEL_DECODE_MIN: usize = 8;

/// Decodes (decompresses and group-checks) many points; in parallel for larger sets, since
/// the subgroup checks dominate multi-key operations and are independent.
fn decode_all<T: Send>(items: &[&[u8]], f: fn(&[u8]) -> CoreResult<T>) -> CoreResult<Vec<T>> {
    if items.len() < PARALLEL_DECODE_MIN {
        return items.iter().map(|b| f(b)).collect();
    }
    items.par_iter().map(|b| f(b)).collect()
}

/// Aggregates signatures (group-checked). An empty list is an error.
pub fn aggregate(sigs: &[&[u8]]) -> CoreResult<[u8; SIGNATURE_BYTES]> {
    if sigs.is_empty() {
        return Err(decode_err("cannot aggregate an empty list of signatures"));
    }
    let decoded = decode_all(sigs, decode_signature)?;
    let refs: Vec<&Signature> = decoded.iter().collect();
    let agg = AggregateSignature::aggregate(&refs, false).map_err(|e| describe("signature", e))?;
    Ok(agg.to_signature().compress())
}

/// Sums already-validated public keys.
pub fn aggregate_decoded(pks: &[&PublicKey]) -> CoreResult<PublicKey> {
    if pks.is_empty() {
        return Err(decode_err("cannot aggregate an empty list of public keys"));
    }
    let agg = AggregatePublicKey::aggregate(pks, false).map_err(|e| describe("public key", e))?;
    Ok(agg.to_public_key())
}

/// Aggregates public keys (each validated). An empty list is an error.
pub fn aggregate_pubkeys(pks: &[&[u8]]) -> CoreResult<[u8; PUBLIC_KEY_BYTES]> {
    let decoded = decode_all(pks, decode_public_key)?;
    let refs: Vec<&PublicKey> = decoded.iter().collect();
    Ok(aggregate_decoded(&refs)?.compress())
}

/// One message signed by every key (each key must carry a proof of possession).
pub fn fast_aggregate_verify(pks: &[&[u8]], msg: &[u8], sig: &[u8]) -> bool {
    let Ok(decoded) = decode_all(pks, decode_public_key) else {
        return false;
    };
    let refs: Vec<&PublicKey> = decoded.iter().collect();
    aggregate_decoded(&refs).is_ok_and(|agg| verify_decoded(&agg, msg, sig))
}

/// Distinct (key, message) pairs under one aggregate signature.
pub fn aggregate_verify(pks: &[&[u8]], msgs: &[&[u8]], sig: &[u8]) -> bool {
    if pks.is_empty() || pks.len() != msgs.len() {
        return false;
    }
    let (Ok(decoded), Ok(sig)) = (decode_all(pks, decode_public_key), decode_signature(sig)) else {
        return false;
    };
    let refs: Vec<&PublicKey> = decoded.iter().collect();
    is_ok(sig.aggregate_verify(false, msgs, DST_SIG, &refs, false))
}

fn random_scalars(n: usize) -> Vec<blst_scalar> {
    let mut rng = rand::rngs::OsRng;
    (0..n)
        .map(|_| {
            let mut b = [0u8; 32];
            rng.fill_bytes(&mut b[..BLINDING_BITS / 8]);
            b[0] |= 1; // never zero
            blst_scalar { b }
        })
        .collect()
}

/// Several (key, message, signature) triples at once, blinded with random 64-bit scalars.
pub fn batch_verify(pks: &[&[u8]], msgs: &[&[u8]], sigs: &[&[u8]]) -> bool {
    if pks.is_empty() || pks.len() != msgs.len() || pks.len() != sigs.len() {
        return false;
    }
    let (Ok(keys), Ok(sigs)) = (
        decode_all(pks, decode_public_key),
        decode_all(sigs, decode_signature),
    ) else {
        return false;
    };
    let key_refs: Vec<&PublicKey> = keys.iter().collect();
    let sig_refs: Vec<&Signature> = sigs.iter().collect();
    let rands = random_scalars(keys.len());
    let err = Signature::verify_multiple_aggregate_signatures(
        msgs,
        DST_SIG,
        &key_refs,
        false,
        &sig_refs,
        false,
        &rands,
        BLINDING_BITS,
    );
    is_ok(err)
}

/// Proof of possession: the signature of the compressed public key under the PoP DST.
pub fn pop_prove(sk: &[u8]) -> CoreResult<[u8; SIGNATURE_BYTES]> {
    let sk = decode_secret_key(sk)?;
    let pk = sk.sk_to_pk().compress();
    Ok(sk.sign(&pk, DST_POP, &[]).compress())
}

pub fn pop_verify(pk: &[u8], proof: &[u8]) -> bool {
    let (Ok(key), Ok(sig)) = (decode_public_key(pk), decode_signature(proof)) else {
        return false;
    };
    is_ok(sig.verify(false, pk, DST_POP, &[], &key, false))
}

/// A message hashed to G2 (under `DST_SIG`) once, then signed and verified under many keys:
/// each `sign` is one scalar multiplication, each `verify` two Miller loops and a final
/// exponentiation, with no hashing. Results equal `sign` and `verify` on the message bytes.
pub struct HashedMessage {
    point: blst_p2,
    affine: blst_p2_affine,
}

impl HashedMessage {
    pub fn new(msg: &[u8]) -> Self {
        let point = blst_raw::hash_to_g2(msg, DST_SIG);
        let affine = blst_raw::g2_to_affine(&point);
        Self { point, affine }
    }

    pub fn sign(&self, sk: &[u8]) -> CoreResult<[u8; SIGNATURE_BYTES]> {
        let sk = decode_secret_key(sk)?;
        let mut b = sk.to_bytes();
        b.reverse(); // blst scalars are little-endian
        let sig = blst_raw::sign_hashed(&self.point, &blst_scalar { b });
        Ok(Signature::from(sig).compress())
    }

    /// `e(sig, g1) == e(H(msg), pk)`; false for a signature that does not decode.
    pub fn verify(&self, pk: &PublicKey, sig: &[u8]) -> bool {
        let Ok(sig) = decode_signature(sig) else {
            return false;
        };
        let sig: blst_p2_affine = sig.into();
        let pk: blst_p1_affine = (*pk).into();
        let lhs = blst_fp12::miller_loop(&sig, &blst_raw::g1_generator());
        let rhs = blst_fp12::miller_loop(&self.affine, &pk);
        blst_fp12::finalverify(&lhs, &rhs)
    }
}

/// A validator set's public keys, decoded and validated once, for fast quorum checks.
pub struct KeySet {
    keys: Vec<PublicKey>,
}

impl KeySet {
    pub fn new(pks: &[&[u8]]) -> CoreResult<Self> {
        Ok(Self {
            keys: decode_all(pks, decode_public_key)?,
        })
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The sum of the keys at `indices`; indices must be distinct and in range.
    pub fn aggregate(&self, indices: &[usize]) -> CoreResult<PublicKey> {
        let mut seen = vec![false; self.keys.len()];
        let mut refs = Vec::with_capacity(indices.len());
        for &i in indices {
            if i >= self.keys.len() || seen[i] {
                return Err(decode_err(format!(
                    "signer index {i} is out of range or repeated"
                )));
            }
            seen[i] = true;
            refs.push(&self.keys[i]);
        }
        aggregate_decoded(&refs)
    }

    /// `fast_aggregate_verify` over the keys at `indices`: point additions plus one verify.
    pub fn fast_aggregate_verify(&self, indices: &[usize], msg: &[u8], sig: &[u8]) -> bool {
        self.aggregate(indices)
            .is_ok_and(|agg| verify_decoded(&agg, msg, sig))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> [u8; 32] {
        keygen(&[seed; 32], b"").unwrap()
    }

    #[test]
    fn sign_verify_round_trip() {
        let sk = key(1);
        let pk = sk_to_pk(&sk).unwrap();
        let sig = sign(&sk, b"hello").unwrap();
        assert!(verify(&pk, b"hello", &sig));
        assert!(!verify(&pk, b"hellp", &sig));
    }

    #[test]
    fn keyset_matches_fast_aggregate_verify() {
        let sks: Vec<[u8; 32]> = (1..=5).map(key).collect();
        let pks: Vec<[u8; 48]> = sks.iter().map(|s| sk_to_pk(s).unwrap()).collect();
        let pk_refs: Vec<&[u8]> = pks.iter().map(|p| p.as_slice()).collect();
        let set = KeySet::new(&pk_refs).unwrap();
        let sigs: Vec<[u8; 96]> = [0, 2, 4]
            .iter()
            .map(|&i| sign(&sks[i], b"m").unwrap())
            .collect();
        let sig_refs: Vec<&[u8]> = sigs.iter().map(|s| s.as_slice()).collect();
        let agg = aggregate(&sig_refs).unwrap();
        assert!(set.fast_aggregate_verify(&[0, 2, 4], b"m", &agg));
        assert!(!set.fast_aggregate_verify(&[0, 2, 3], b"m", &agg));
        assert!(!set.fast_aggregate_verify(&[0, 0, 2, 4], b"m", &agg));
        assert!(!set.fast_aggregate_verify(&[0, 2, 9], b"m", &agg));
    }

    #[test]
    fn batch_verify_rejects_one_bad_signature() {
        let sks: Vec<[u8; 32]> = (1..=3).map(key).collect();
        let pks: Vec<[u8; 48]> = sks.iter().map(|s| sk_to_pk(s).unwrap()).collect();
        let msgs: [&[u8]; 3] = [b"a", b"b", b"c"];
        let mut sigs: Vec<[u8; 96]> = sks
            .iter()
            .zip(msgs)
            .map(|(s, m)| sign(s, m).unwrap())
            .collect();
        let pk_refs: Vec<&[u8]> = pks.iter().map(|p| p.as_slice()).collect();
        let ok = {
            let sig_refs: Vec<&[u8]> = sigs.iter().map(|s| s.as_slice()).collect();
            batch_verify(&pk_refs, &msgs, &sig_refs)
        };
        assert!(ok);
        sigs.swap(0, 1);
        let sig_refs: Vec<&[u8]> = sigs.iter().map(|s| s.as_slice()).collect();
        assert!(!batch_verify(&pk_refs, &msgs, &sig_refs));
    }

    #[test]
    fn hashed_message_matches_sign_and_verify() {
        let (sk, other) = (key(3), key(4));
        let pk = decode_public_key(&sk_to_pk(&sk).unwrap()).unwrap();
        for msg in [&b""[..], b"vote", &[7u8; 300]] {
            let hashed = HashedMessage::new(msg);
            let sig = hashed.sign(&sk).unwrap();
            assert_eq!(sig, sign(&sk, msg).unwrap());
            assert!(hashed.verify(&pk, &sig));
            assert!(!hashed.verify(&pk, &sign(&other, msg).unwrap()));
            assert!(!HashedMessage::new(b"other").verify(&pk, &sig));
        }
        let hashed = HashedMessage::new(b"m");
        assert!(!hashed.verify(&pk, &[0u8; 96]));
        assert!(!hashed.verify(&pk, &[0u8; 95]));
        assert!(hashed.sign(&[0u8; 32]).is_err());
        assert!(hashed.sign(&[1u8; 31]).is_err());
    }

    #[test]
    fn pop_round_trip_and_zero_key_rejected() {
        let sk = key(7);
        let pk = sk_to_pk(&sk).unwrap();
        assert!(pop_verify(&pk, &pop_prove(&sk).unwrap()));
        assert!(!pop_verify(&pk, &sign(&sk, &pk).unwrap()));
        assert!(sign(&[0u8; 32], b"x").is_err());
    }
}
