//! Canonical conversions between BLS12-381 scalars (`Fr`) and integers or bytes.
#![forbid(unsafe_code)]

use crate::error::{decode_err, CoreResult};
use ark_bls12_381::Fr;
use ark_ff::{BigInteger, PrimeField};
use num_bigint::BigUint;

/// Width of a canonical scalar encoding in bytes.
pub const FR_BYTES: usize = 32;

/// Decodes an integer in `[0, r)`; anything at or above the modulus is a `DecodeError`.
pub fn fr_from_biguint(value: &BigUint) -> CoreResult<Fr> {
    let le = value.to_bytes_le();
    if le.len() > FR_BYTES {
        return Err(decode_err("field element is wider than 256 bits"));
    }
    let mut buf = [0u8; FR_BYTES];
    buf[..le.len()].copy_from_slice(&le);
    fr_from_le_bytes(&buf)
}

/// Decodes 32 little-endian bytes in `[0, r)`.
pub fn fr_from_le_bytes(bytes: &[u8]) -> CoreResult<Fr> {
    if bytes.len() != FR_BYTES {
        return Err(decode_err(format!(
            "field element must be {FR_BYTES} bytes, got {}",
            bytes.len()
        )));
    }
    let mut limbs = [0u64; 4];
    for (i, chunk) in bytes.chunks_exact(8).enumerate() {
        limbs[i] = u64::from_le_bytes(chunk.try_into().expect("8-byte chunk"));
    }
    Fr::from_bigint(ark_ff::BigInt::new(limbs))
        .ok_or_else(|| decode_err("field element is not below the BLS12-381 scalar modulus r"))
}

/// The canonical integer value of a scalar.
pub fn fr_to_biguint(value: &Fr) -> BigUint {
    BigUint::from_bytes_le(&value.into_bigint().to_bytes_le())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modulus_is_rejected_and_modulus_minus_one_accepted() {
        let r = BigUint::from_bytes_le(&Fr::MODULUS.to_bytes_le());
        assert!(fr_from_biguint(&r).is_err());
        let top = fr_from_biguint(&(r.clone() - 1u32)).unwrap();
        assert_eq!(fr_to_biguint(&top), r - 1u32);
    }
}
