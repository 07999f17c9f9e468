//! Multi-scalar multiplication on blst's Pippenger for arkworks points and scalars, through
//! blst's safe Rust API only.
//!
//! * Bases cross over once, as their uncompressed encodings (arkworks' uncompressed BLS12-381
//!   encoding is the ZCash format blst reads; blst checks each point is on the curve). Identity
//!   points are dropped with their indices, so a [`Bases`] is the non-zero part of a query.
//! * Scalars go to blst as 32 little-endian bytes each, 255 bits (the scalar field is < 2^255).
//! * Results come back the same way, as encodings arkworks reads without checks: they are sums
//!   of points blst computed from on-curve inputs, and every proof is verified before use.
//!
//! blst runs each MSM on its own thread pool, one thread per CPU (it does not read
//! `RAYON_NUM_THREADS`); the conversions here run on rayon's pool.
#![forbid(unsafe_code)]

use crate::error::{CoreError, CoreResult};
use ark_bls12_381::{g1, g2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::short_weierstrass::Affine;
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use blst::min_pk::{PublicKey as BlstG1, Signature as BlstG2};
use blst::{blst_p1_affine, blst_p2_affine, p1_affines, p2_affines, MultiPoint};
use rayon::prelude::*;

/// Bits per scalar handed to blst.
const SCALAR_BITS: usize = 255;
pub const SCALAR_BYTES: usize = 32;

fn internal(what: &str) -> CoreError {
    CoreError::Proof(format!("cannot convert a {what} between arkworks and blst"))
}

/// The curve-specific conversions and the MSM, for G1 and G2 (implemented on the concrete
/// `Affine` types: the `G1Affine` and `G2Affine` aliases are projections coherence cannot tell
/// apart).
pub trait BlstCurve: AffineRepr {
    type Blst: Copy + Send + Sync;
    fn to_blst(&self) -> CoreResult<Self::Blst>;
    fn from_blst(p: &Self::Blst) -> CoreResult<Self>;
    /// `sum_i scalars_i * bases_i`, `scalars` 32 little-endian bytes per base.
    fn msm(bases: &[Self::Blst], scalars: &[u8]) -> CoreResult<Self::Group>;
}

impl BlstCurve for Affine<g1::Config> {
    type Blst = blst_p1_affine;

    fn to_blst(&self) -> CoreResult<blst_p1_affine> {
        let mut buf = [0u8; 96];
        self.serialize_uncompressed(&mut buf[..])
            .map_err(|_| internal("G1 point"))?;
        BlstG1::deserialize(&buf)
            .map(Into::into)
            .map_err(|_| internal("G1 point"))
    }

    fn from_blst(p: &blst_p1_affine) -> CoreResult<G1Affine> {
        let bytes = BlstG1::from(*p).serialize();
        G1Affine::deserialize_uncompressed_unchecked(&bytes[..]).map_err(|_| internal("G1 point"))
    }

    fn msm(bases: &[blst_p1_affine], scalars: &[u8]) -> CoreResult<G1Projective> {
        check_lengths(bases.len(), scalars)?;
        if bases.is_empty() {
            return Ok(G1Projective::default());
        }
        let sum = p1_affines::from(&[bases.mult(scalars, SCALAR_BITS)]);
        Self::from_blst(&sum[0]).map(Into::into)
    }
}

impl BlstCurve for Affine<g2::Config> {
    type Blst = blst_p2_affine;

    fn to_blst(&self) -> CoreResult<blst_p2_affine> {
        let mut buf = [0u8; 192];
        self.serialize_uncompressed(&mut buf[..])
            .map_err(|_| internal("G2 point"))?;
        BlstG2::deserialize(&buf)
            .map(Into::into)
            .map_err(|_| internal("G2 point"))
    }

    fn from_blst(p: &blst_p2_affine) -> CoreResult<G2Affine> {
        let bytes = BlstG2::from(*p).serialize();
        G2Affine::deserialize_uncompressed_unchecked(&bytes[..]).map_err(|_| internal("G2 point"))
    }

    fn msm(bases: &[blst_p2_affine], scalars: &[u8]) -> CoreResult<G2Projective> {
        check_lengths(bases.len(), scalars)?;
        if bases.is_empty() {
            return Ok(G2Projective::default());
        }
        let sum = p2_affines::from(&[bases.mult(scalars, SCALAR_BITS)]);
        Self::from_blst(&sum[0]).map(Into::into)
    }
}

fn check_lengths(n: usize, scalars: &[u8]) -> CoreResult<()> {
    if scalars.len() != n * SCALAR_BYTES {
        return Err(CoreError::Proof(format!(
            "{n} bases need {} scalar bytes, got {}",
            n * SCALAR_BYTES,
            scalars.len()
        )));
    }
    Ok(())
}

/// The non-identity points of a query in blst form, with their positions in the query.
pub struct Bases<C: BlstCurve> {
    query_len: usize,
    index: Vec<u32>,
    points: Vec<C::Blst>,
}

impl<C: BlstCurve> Bases<C> {
    pub fn new(query: &[C]) -> CoreResult<Self> {
        let len = u32::try_from(query.len()).map_err(|_| internal("query (too long)"))?;
        let index: Vec<u32> = (0..len).filter(|i| !query[*i as usize].is_zero()).collect();
        let points = index
            .par_iter()
            .map(|i| query[*i as usize].to_blst())
            .collect::<CoreResult<_>>()?;
        Ok(Bases {
            query_len: query.len(),
            index,
            points,
        })
    }

    /// The query back in arkworks form (identity points where `new` dropped them).
    pub fn to_query(&self) -> CoreResult<Vec<C>> {
        let mut query = vec![C::zero(); self.query_len];
        let points: Vec<C> = self
            .points
            .par_iter()
            .map(C::from_blst)
            .collect::<CoreResult<_>>()?;
        for (i, p) in self.index.iter().zip(points) {
            query[*i as usize] = p;
        }
        Ok(query)
    }

    /// The query's length, identity points included.
    pub fn query_len(&self) -> usize {
        self.query_len
    }

    /// `sum_i values[i] * query[i]` over the query's non-identity points (`values` as
    /// canonical integers, at least as long as the query).
    pub fn msm(&self, values: &[BigInt<4>]) -> CoreResult<C::Group> {
        let scalars = gather(&self.index, values)?;
        C::msm(&self.points, &scalars)
    }
}

/// Point counts, for the tests and `PreparedProvingKey::query_sizes`.
#[cfg(test)]
impl<C: BlstCurve> Bases<C> {
    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Non-identity points before position `end` of the query.
    pub fn count_below(&self, end: usize) -> usize {
        self.index.partition_point(|i| (*i as usize) < end)
    }
}

/// The scalars at `index`, 32 little-endian bytes each.
fn gather(index: &[u32], values: &[BigInt<4>]) -> CoreResult<Vec<u8>> {
    if index.last().is_some_and(|i| *i as usize >= values.len()) {
        return Err(CoreError::Proof(format!(
            "the key has more query points than the {} assignment values",
            values.len()
        )));
    }
    let mut out = vec![0u8; index.len() * SCALAR_BYTES];
    out.par_chunks_mut(SCALAR_BYTES)
        .zip(index.par_iter())
        .for_each(|(chunk, i)| {
            for (out, limb) in chunk.chunks_exact_mut(8).zip(values[*i as usize].0) {
                out.copy_from_slice(&limb.to_le_bytes());
            }
        });
    Ok(out)
}

/// Canonical integers of field elements, for [`Bases::msm`].
pub fn to_bigints(values: &[Fr]) -> Vec<BigInt<4>> {
    values.par_iter().map(|v| v.into_bigint()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{CurveGroup, VariableBaseMSM};
    use ark_ff::UniformRand;
    use ark_std::Zero;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn random_points<C: AffineRepr>(n: usize, rng: &mut ChaCha20Rng) -> Vec<C> {
        (0..n)
            .map(|i| {
                if i % 5 == 3 {
                    C::zero()
                } else {
                    C::Group::rand(rng).into_affine()
                }
            })
            .collect()
    }

    macro_rules! check_against_arkworks {
        ($curve:ty, $n:expr, $rng:expr) => {{
            let n: usize = $n;
            let points: Vec<$curve> = random_points(n, $rng);
            let mut values: Vec<Fr> = (0..n + 3).map(|_| Fr::rand($rng)).collect();
            values[0] = Fr::zero();
            if n > 1 {
                values[1] = Fr::from(1u64);
                values[n - 1] = -Fr::from(1u64);
            }
            let bases = Bases::<$curve>::new(&points).unwrap();
            assert_eq!(bases.len(), points.iter().filter(|p| !p.is_zero()).count());
            assert_eq!(bases.to_query().unwrap(), points);
            let ours = bases.msm(&to_bigints(&values)).unwrap();
            let theirs = <$curve as AffineRepr>::Group::msm(&points, &values[..n]).unwrap();
            assert_eq!(ours, theirs, "n = {n}");
        }};
    }

    #[test]
    fn blst_msm_matches_arkworks() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        for n in [0, 1, 2, 31, 33, 100, 1000] {
            check_against_arkworks!(G1Affine, n, &mut rng);
            check_against_arkworks!(G2Affine, n, &mut rng);
        }
    }

    #[test]
    fn rejects_short_assignments_and_scalar_lengths() {
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let points: Vec<G1Affine> = random_points(10, &mut rng);
        let bases = Bases::new(&points).unwrap();
        let values = to_bigints(&[Fr::from(3u64); 9]);
        assert!(bases.msm(&values).is_err());
        let blst_points = vec![points[0].to_blst().unwrap(); 2];
        assert!(G1Affine::msm(&blst_points, &[0u8; 63]).is_err());
    }
}
