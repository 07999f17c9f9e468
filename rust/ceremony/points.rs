//! Point vectors as bytes: arkworks' uncompressed encoding (96 bytes in G1, 192 in G2), read
//! with a cursor that checks every length against the bytes left before decoding, and each point
//! checked on rayon's pool: on the curve and in the prime-order subgroup (`Validate::Yes`), and,
//! where the caller asks, not the identity.
#![forbid(unsafe_code)]

use crate::error::{decode_err, CoreResult};
use ark_ec::{AffineRepr, CurveGroup};
use rayon::prelude::*;

pub const G1_BYTES: usize = 96;
pub const G2_BYTES: usize = 192;

/// Appends `points`, uncompressed.
pub fn write_points<A: AffineRepr>(out: &mut Vec<u8>, points: &[A]) {
    for p in points {
        p.serialize_uncompressed(&mut *out)
            .expect("in-memory write");
    }
}

/// Whether the identity may appear (query vectors) or not (powers, secrets' images).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    Allowed,
    Refused,
}

/// A cursor over bytes from a hostile source.
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Reader {
            bytes,
            pos: 0,
            what,
        }
    }

    pub fn take(&mut self, n: usize) -> CoreResult<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.bytes.len());
        let end = end.ok_or_else(|| decode_err(format!("{} is truncated", self.what)))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// `count` points of `size` bytes each, checked as the module docs say.
    pub fn points<A: AffineRepr>(
        &mut self,
        count: usize,
        identity: Identity,
    ) -> CoreResult<Vec<A>> {
        let size = A::generator().uncompressed_size();
        let n = count
            .checked_mul(size)
            .ok_or_else(|| decode_err(format!("{} length overflows", self.what)))?;
        let what = self.what;
        self.take(n)?
            .par_chunks(size)
            .map(|c| decode_point(c, identity, what))
            .collect()
    }

    pub fn point<A: AffineRepr>(&mut self, identity: Identity) -> CoreResult<A> {
        Ok(self.points(1, identity)?[0])
    }

    /// Refuses trailing bytes.
    pub fn finish(self) -> CoreResult<()> {
        if self.pos != self.bytes.len() {
            return Err(decode_err(format!("{} has trailing bytes", self.what)));
        }
        Ok(())
    }
}

fn decode_point<A: AffineRepr>(bytes: &[u8], identity: Identity, what: &str) -> CoreResult<A> {
    let p = A::deserialize_uncompressed(bytes).map_err(|_| {
        decode_err(format!(
            "{what} has a point off the curve or outside the prime-order subgroup"
        ))
    })?;
    if identity == Identity::Refused && p.is_zero() {
        return Err(decode_err(format!(
            "{what} has the identity where it may not"
        )));
    }
    Ok(p)
}

/// Each point times its scalar, on rayon's pool, normalized in one batch.
pub fn scale_each<C: CurveGroup>(
    points: &[C::Affine],
    scalars: &[C::ScalarField],
) -> Vec<C::Affine> {
    let out: Vec<C> = points
        .par_iter()
        .zip(scalars.par_iter())
        .map(|(p, s)| *p * *s)
        .collect();
    C::normalize_batch(&out)
}

/// Every point times one scalar.
pub fn scale_all<C: CurveGroup>(points: &[C::Affine], scalar: &C::ScalarField) -> Vec<C::Affine> {
    let out: Vec<C> = points.par_iter().map(|p| *p * *scalar).collect();
    C::normalize_batch(&out)
}
