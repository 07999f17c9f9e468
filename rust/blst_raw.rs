//! The crate's only `unsafe` code: thin wrappers over blst C functions that blst's safe Rust API
//! does not offer, for the Groth16 verifier.
//!
//! * [`miller_loop_n`] on the calling thread (the safe `blst_fp12::miller_loop_n` hands every
//!   call to blst's own thread pool, which on a small machine fights rayon's workers for the
//!   cores: a single verification took 2.4 ms that way, 1.6 ms here);
//! * [`mult`]: one point times one scalar;
//! * [`msm`]: Pippenger on the calling thread;
//! * [`FixedBaseTable`]: blst's precomputed fixed-base tables, for the verifying key's input
//!   points (`gamma_abc`), which every verification multiplies;
//! * [`hash_to_g2`] and [`sign_hashed`]: BLS signing split in two, so that a message many keys
//!   sign is hashed to G2 once (blst's safe `SecretKey::sign` hashes on every call);
//! * [`g1_generator`].
//!
//! Every wrapper checks the lengths blst will read before the call; blst reads its inputs and
//! writes only the output it is given. Scalars are little-endian bytes, as blst takes them.
#![deny(unsafe_op_in_unsafe_fn)]

use crate::error::{CoreError, CoreResult};
use blst::{
    blst_fp12, blst_miller_loop_n, blst_p1, blst_p1_add_or_double, blst_p1_affine,
    blst_p1_from_affine, blst_p1_mult, blst_p1_to_affine, blst_p1s_mult_pippenger,
    blst_p1s_mult_pippenger_scratch_sizeof, blst_p1s_mult_wbits, blst_p1s_mult_wbits_precompute,
    blst_p1s_mult_wbits_precompute_sizeof, blst_p1s_mult_wbits_scratch_sizeof, blst_p2,
    blst_p2_affine, blst_p2_to_affine, blst_scalar, blst_sign_pk_in_g1, limb_t,
};
use blst::{blst_hash_to_g2, blst_p1_affine_generator};
use std::ptr;

/// Bytes of one scalar (blst reads `ceil(nbits / 8)` of them).
pub const SCALAR_BYTES: usize = 32;
pub type Scalar = [u8; SCALAR_BYTES];

fn check_bits(nbits: usize) -> CoreResult<()> {
    if nbits == 0 || nbits > 8 * SCALAR_BYTES {
        return Err(CoreError::InvalidArgument(format!(
            "scalar width {nbits} bits is not in 1..=256"
        )));
    }
    Ok(())
}

/// The scalars as blst reads a list of them: `ceil(nbits / 8)` bytes each, back to back.
fn pack(scalars: &[Scalar], nbits: usize) -> Vec<u8> {
    let n = nbits.div_ceil(8);
    scalars
        .iter()
        .flat_map(|s| s[..n].iter().copied())
        .collect()
}

fn scratch(bytes: usize) -> Vec<limb_t> {
    vec![0; bytes.div_ceil(std::mem::size_of::<limb_t>())]
}

/// `prod_i f(q_i, p_i)`: the Miller loops of all pairs, sharing their squarings.
pub fn miller_loop_n(qs: &[blst_p2_affine], ps: &[blst_p1_affine]) -> CoreResult<blst_fp12> {
    if qs.len() != ps.len() || qs.is_empty() {
        return Err(CoreError::InvalidArgument(format!(
            "a Miller loop needs as many G2 as G1 points (at least one), got {} and {}",
            qs.len(),
            ps.len()
        )));
    }
    // A null second entry tells blst that the first points at one array of `n` points.
    let (q, p) = ([qs.as_ptr(), ptr::null()], [ps.as_ptr(), ptr::null()]);
    let mut out = blst_fp12::default();
    // SAFETY: `q[0]` and `p[0]` point at `qs.len()` initialized points each; blst writes `out`.
    unsafe { blst_miller_loop_n(&mut out, q.as_ptr(), p.as_ptr(), qs.len()) };
    Ok(out)
}

/// `scalar * point`, reading the low `nbits` bits of `scalar`.
pub fn mult(point: &blst_p1_affine, scalar: &Scalar, nbits: usize) -> CoreResult<blst_p1> {
    check_bits(nbits)?;
    let (mut base, mut out) = (blst_p1::default(), blst_p1::default());
    // SAFETY: both take initialized values; `scalar` holds 32 >= ceil(nbits / 8) bytes.
    unsafe {
        blst_p1_from_affine(&mut base, point);
        blst_p1_mult(&mut out, &base, scalar.as_ptr(), nbits);
    }
    Ok(out)
}

/// `a + b` (blst's complete formula: doubling and the identity included).
pub fn add(a: &blst_p1, b: &blst_p1) -> blst_p1 {
    let mut out = blst_p1::default();
    // SAFETY: reads two initialized points, writes `out`.
    unsafe { blst_p1_add_or_double(&mut out, a, b) };
    out
}

pub fn to_affine(point: &blst_p1) -> blst_p1_affine {
    let mut out = blst_p1_affine::default();
    // SAFETY: reads one initialized point, writes `out`.
    unsafe { blst_p1_to_affine(&mut out, point) };
    out
}

/// RFC 9380 `hash_to_curve` to G2 (SSWU, random oracle) under `dst`, in projective form.
pub fn hash_to_g2(msg: &[u8], dst: &[u8]) -> blst_p2 {
    let mut out = blst_p2::default();
    let aug: &[u8] = &[];
    // SAFETY: blst reads `msg.len()` bytes at `msg`, `dst.len()` at `dst`, none at `aug`, and
    // writes `out`.
    unsafe {
        blst_hash_to_g2(
            &mut out,
            msg.as_ptr(),
            msg.len(),
            dst.as_ptr(),
            dst.len(),
            aug.as_ptr(),
            0,
        )
    };
    out
}

/// `sk * hashed` in affine form: the min_pk signature of the message `hashed` came from
/// (blst's constant-time signing step, as `SecretKey::sign` runs it after hashing).
pub fn sign_hashed(hashed: &blst_p2, sk: &blst_scalar) -> blst_p2_affine {
    let (mut sig, mut out) = (blst_p2::default(), blst_p2_affine::default());
    // SAFETY: reads an initialized point and scalar, writes `sig`, then reads `sig`, writes `out`.
    unsafe {
        blst_sign_pk_in_g1(&mut sig, hashed, sk);
        blst_p2_to_affine(&mut out, &sig);
    }
    out
}

pub fn g2_to_affine(point: &blst_p2) -> blst_p2_affine {
    let mut out = blst_p2_affine::default();
    // SAFETY: reads one initialized point, writes `out`.
    unsafe { blst_p2_to_affine(&mut out, point) };
    out
}

/// The standard generator of G1.
pub fn g1_generator() -> blst_p1_affine {
    // SAFETY: blst returns a pointer to its static, initialized generator.
    unsafe { *blst_p1_affine_generator() }
}

/// `sum_i scalars_i * points_i` by Pippenger on the calling thread.
pub fn msm(points: &[blst_p1_affine], scalars: &[Scalar], nbits: usize) -> CoreResult<blst_p1> {
    check_bits(nbits)?;
    if points.len() != scalars.len() || points.is_empty() {
        return Err(CoreError::InvalidArgument(format!(
            "an MSM needs as many scalars as points (at least one), got {} and {}",
            scalars.len(),
            points.len()
        )));
    }
    let packed = pack(scalars, nbits);
    let p = [points.as_ptr(), ptr::null()];
    let s = [packed.as_ptr(), ptr::null()];
    let mut out = blst_p1::default();
    // SAFETY: the sizing call reads nothing.
    let mut buf = scratch(unsafe { blst_p1s_mult_pippenger_scratch_sizeof(points.len()) });
    // SAFETY: `p[0]` points at `n` points, `s[0]` at `n` scalars of `ceil(nbits / 8)` bytes,
    // `buf` is the scratch size blst asked for; blst writes `out` and `buf`.
    unsafe {
        blst_p1s_mult_pippenger(
            &mut out,
            p.as_ptr(),
            points.len(),
            s.as_ptr(),
            nbits,
            buf.as_mut_ptr(),
        )
    };
    Ok(out)
}

/// blst's `wbits` table for a fixed list of G1 points: `sum_i s_i * points_i` without doublings.
pub struct FixedBaseTable {
    table: Vec<blst_p1_affine>,
    npoints: usize,
}

impl FixedBaseTable {
    /// Window width: 2^(W-1) points per base (48 KiB for the four points of a 3-input key).
    const WBITS: usize = 8;

    pub fn new(points: &[blst_p1_affine]) -> CoreResult<Self> {
        if points.is_empty() {
            return Err(CoreError::InvalidArgument(
                "a fixed-base table needs points".into(),
            ));
        }
        let n = points.len();
        // SAFETY: the sizing call reads nothing.
        let bytes = unsafe { blst_p1s_mult_wbits_precompute_sizeof(Self::WBITS, n) };
        let len = bytes.div_ceil(std::mem::size_of::<blst_p1_affine>());
        let mut table = vec![blst_p1_affine::default(); len];
        let p = [points.as_ptr(), ptr::null()];
        // SAFETY: `p[0]` points at `n` points; `table` holds the bytes blst asked for.
        unsafe { blst_p1s_mult_wbits_precompute(table.as_mut_ptr(), Self::WBITS, p.as_ptr(), n) };
        Ok(FixedBaseTable { table, npoints: n })
    }

    /// `sum_i scalars_i * points_i` (one scalar per point the table was built from).
    pub fn mult(&self, scalars: &[Scalar], nbits: usize) -> CoreResult<blst_p1> {
        check_bits(nbits)?;
        if scalars.len() != self.npoints {
            return Err(CoreError::InvalidArgument(format!(
                "the table has {} points, got {} scalars",
                self.npoints,
                scalars.len()
            )));
        }
        let packed = pack(scalars, nbits);
        let s = [packed.as_ptr(), ptr::null()];
        let mut out = blst_p1::default();
        // SAFETY: the sizing call reads nothing.
        let mut buf = scratch(unsafe { blst_p1s_mult_wbits_scratch_sizeof(self.npoints) });
        // SAFETY: `table` was built by blst for `npoints` points at `WBITS`; `s[0]` points at
        // `npoints` scalars of `ceil(nbits / 8)` bytes; `buf` is the scratch size blst asked for.
        unsafe {
            blst_p1s_mult_wbits(
                &mut out,
                self.table.as_ptr(),
                Self::WBITS,
                self.npoints,
                s.as_ptr(),
                nbits,
                buf.as_mut_ptr(),
            )
        };
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use blst::{blst_p1_affine_generator, blst_p2_affine_generator, MultiPoint};

    fn scalars(n: usize, seed: u8) -> Vec<Scalar> {
        (0..n)
            .map(|i| {
                let mut s = [0u8; SCALAR_BYTES];
                s.iter_mut()
                    .enumerate()
                    .for_each(|(j, b)| *b = (j as u8).wrapping_mul(31) ^ seed ^ i as u8);
                s[31] &= 0x3f;
                s
            })
            .collect()
    }

    /// `n` distinct points `k * G` through blst's safe API.
    fn points(n: usize) -> Vec<blst_p1_affine> {
        // SAFETY: blst returns a pointer to its static generator.
        let g = unsafe { *blst_p1_affine_generator() };
        scalars(n, 7)
            .iter()
            .map(|s| to_affine(&[g].mult(s, 255)))
            .collect()
    }

    fn flat(s: &[Scalar]) -> Vec<u8> {
        s.concat()
    }

    #[test]
    fn mult_msm_and_table_match_blsts_safe_api() {
        let (ps, ss) = (points(5), scalars(5, 3));
        let want = to_affine(&ps.as_slice().mult(&flat(&ss), 255));
        assert_eq!(to_affine(&msm(&ps, &ss, 255).unwrap()), want);
        let table = FixedBaseTable::new(&ps).unwrap();
        assert_eq!(to_affine(&table.mult(&ss, 255).unwrap()), want);
        let sum = add(
            &msm(&ps[..2], &ss[..2], 255).unwrap(),
            &msm(&ps[2..], &ss[2..], 255).unwrap(),
        );
        assert_eq!(to_affine(&sum), want);
        for n in 1..=3 {
            let want = to_affine(&ps[..n].mult(&flat(&ss[..n]), 255));
            assert_eq!(
                to_affine(&msm(&ps[..n], &ss[..n], 255).unwrap()),
                want,
                "{n} points"
            );
        }
        // Narrower scalars: blst reads ceil(nbits / 8) bytes per scalar.
        let low: Vec<Scalar> = ss
            .iter()
            .map(|s| {
                let mut x = [0u8; SCALAR_BYTES];
                x[..16].copy_from_slice(&s[..16]);
                x
            })
            .collect();
        let want = to_affine(&ps.as_slice().mult(&flat(&low), 255));
        assert_eq!(to_affine(&msm(&ps, &low, 128).unwrap()), want);
        assert_eq!(to_affine(&table.mult(&low, 128).unwrap()), want);
        let one = to_affine(&mult(&ps[0], &ss[0], 128).unwrap());
        assert_eq!(one, to_affine(&[ps[0]].mult(&ss[0][..16], 128)));
    }

    #[test]
    fn miller_loop_matches_blsts_pool_version() {
        // SAFETY: blst returns a pointer to its static generator.
        let q = unsafe { *blst_p2_affine_generator() };
        let (ps, qs) = (points(3), vec![q; 3]);
        let want = blst_fp12::miller_loop_n(&qs, &ps);
        assert_eq!(miller_loop_n(&qs, &ps).unwrap(), want);
    }

    #[test]
    fn bad_lengths_are_errors_not_reads() {
        let ps = points(2);
        assert!(msm(&ps, &scalars(1, 0), 255).is_err());
        assert!(msm(&ps, &scalars(2, 0), 257).is_err());
        assert!(mult(&ps[0], &scalars(1, 0)[0], 0).is_err());
        assert!(miller_loop_n(&[], &[]).is_err());
        let table = FixedBaseTable::new(&ps).unwrap();
        assert!(table.mult(&scalars(3, 0), 255).is_err());
        assert!(FixedBaseTable::new(&[]).is_err());
    }
}
