//! Phase 1, the powers of tau: for a size `n` (a power of two), `tau^i` in G1 (`i < 2n-1`) and
//! in G2 (`i < n`), `alpha*tau^i` and `beta*tau^i` in G1 (`i < n`), and `beta` in G2. Each
//! contribution multiplies fresh `tau`, `alpha`, `beta` into every element and publishes a
//! proof of knowledge of each (`pok`), bound to the parent transcript hash.
//!
//! Bytes: the magic `ZKPOVPT1`, `log2 n` as one byte, then the five parts uncompressed in the
//! order above (`points`). Sizes are capped at `2^MAX_LOG_SIZE`.
#![forbid(unsafe_code)]

use super::ceremony_err;
use super::points::{scale_each, write_points, Identity, Reader, G1_BYTES, G2_BYTES};
use super::pok::{Pok, Tag};
use super::ratio::{fold_pairs, fold_powers, is_same_ratio};
use super::secret::Secret;
use crate::error::{decode_err, CoreError, CoreResult};
use ark_bls12_381::{G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use rand::Rng;

const MAGIC: &[u8; 8] = b"ZKPOVPT1";
/// Largest accumulator: 2^21 (about 1.2 GB of points), room for circuits of 2 million
/// constraints.
pub const MAX_LOG_SIZE: u8 = 21;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accumulator {
    pub tau_g1: Vec<G1Affine>,
    pub tau_g2: Vec<G2Affine>,
    pub alpha_g1: Vec<G1Affine>,
    pub beta_g1: Vec<G1Affine>,
    pub beta_g2: G2Affine,
}

/// The three secrets of one contribution.
pub struct Secrets {
    pub tau: Secret,
    pub alpha: Secret,
    pub beta: Secret,
}

impl Secrets {
    pub fn sample<R: Rng>(rng: &mut R) -> Secrets {
        Secrets {
            tau: Secret::sample(rng),
            alpha: Secret::sample(rng),
            beta: Secret::sample(rng),
        }
    }
}

fn check_log_size(log_size: u8) -> CoreResult<usize> {
    if log_size == 0 || log_size > MAX_LOG_SIZE {
        return Err(CoreError::InvalidArgument(format!(
            "phase 1 size must be 2^1 to 2^{MAX_LOG_SIZE}, got 2^{log_size}"
        )));
    }
    Ok(1usize << log_size)
}

/// Bytes of an accumulator of size `n`.
pub fn get_encoded_len(n: usize) -> usize {
    MAGIC.len() + 1 + (2 * n - 1 + 2 * n) * G1_BYTES + (n + 1) * G2_BYTES
}

impl Accumulator {
    /// The starting accumulator: every secret 1.
    pub fn new(log_size: u8) -> CoreResult<Accumulator> {
        let n = check_log_size(log_size)?;
        let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
        Ok(Accumulator {
            tau_g1: vec![g1; 2 * n - 1],
            tau_g2: vec![g2; n],
            alpha_g1: vec![g1; n],
            beta_g1: vec![g1; n],
            beta_g2: g2,
        })
    }

    pub fn size(&self) -> usize {
        self.tau_g2.len()
    }

    /// This accumulator with `secrets` multiplied in.
    pub fn contribute(&self, secrets: &Secrets) -> Accumulator {
        let n = self.size();
        let tau = secrets.tau.powers(2 * n - 1);
        let alpha_tau: Vec<_> = tau.0[..n]
            .iter()
            .map(|t| *t * secrets.alpha.value())
            .collect();
        let beta_tau: Vec<_> = tau.0[..n]
            .iter()
            .map(|t| *t * secrets.beta.value())
            .collect();
        let (alpha_tau, beta_tau) = (
            super::secret::Powers(alpha_tau),
            super::secret::Powers(beta_tau),
        );
        Accumulator {
            tau_g1: scale_each::<G1Projective>(&self.tau_g1, &tau.0),
            tau_g2: scale_each::<G2Projective>(&self.tau_g2, &tau.0[..n]),
            alpha_g1: scale_each::<G1Projective>(&self.alpha_g1, &alpha_tau.0),
            beta_g1: scale_each::<G1Projective>(&self.beta_g1, &beta_tau.0),
            beta_g2: (self.beta_g2 * secrets.beta.value()).into_affine(),
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let n = self.size();
        let mut out = Vec::with_capacity(get_encoded_len(n));
        out.extend_from_slice(MAGIC);
        out.push(n.trailing_zeros() as u8);
        write_points(&mut out, &self.tau_g1);
        write_points(&mut out, &self.tau_g2);
        write_points(&mut out, &self.alpha_g1);
        write_points(&mut out, &self.beta_g1);
        write_points(&mut out, &[self.beta_g2]);
        out
    }

    /// Checks the magic and the exact length before decoding any point; then every point on the
    /// curve, in the subgroup, not the identity.
    pub fn decode(bytes: &[u8]) -> CoreResult<Accumulator> {
        if bytes.len() < MAGIC.len() + 1 || &bytes[..MAGIC.len()] != MAGIC {
            return Err(decode_err("not a phase 1 accumulator (bad magic)"));
        }
        let n = check_log_size(bytes[MAGIC.len()])
            .map_err(|e| decode_err(format!("phase 1 accumulator: {e}")))?;
        if bytes.len() != get_encoded_len(n) {
            return Err(decode_err(format!(
                "phase 1 accumulator of size {n} must be {} bytes, got {}",
                get_encoded_len(n),
                bytes.len()
            )));
        }
        let mut r = Reader::new(&bytes[MAGIC.len() + 1..], "phase 1 accumulator");
        let acc = Accumulator {
            tau_g1: r.points(2 * n - 1, Identity::Refused)?,
            tau_g2: r.points(n, Identity::Refused)?,
            alpha_g1: r.points(n, Identity::Refused)?,
            beta_g1: r.points(n, Identity::Refused)?,
            beta_g2: r.point(Identity::Refused)?,
        };
        r.finish()?;
        Ok(acc)
    }
}

/// A contribution's secrets multiplied into `prev`, with their proofs of knowledge bound to
/// `parent` (tau, alpha, beta in that order).
pub fn contribute<R: Rng>(
    prev: &Accumulator,
    secrets: &Secrets,
    parent: &[u8; 32],
    rng: &mut R,
) -> CoreResult<(Accumulator, [Pok; 3])> {
    let poks = [
        Pok::new(&secrets.tau, parent, Tag::Tau, rng)?,
        Pok::new(&secrets.alpha, parent, Tag::Alpha, rng)?,
        Pok::new(&secrets.beta, parent, Tag::Beta, rng)?,
    ];
    Ok((prev.contribute(secrets), poks))
}

fn require(ok: bool, what: &str) -> CoreResult<()> {
    if ok {
        Ok(())
    } else {
        Err(ceremony_err(what.to_string()))
    }
}

/// The proof of knowledge for `tag` holds, and takes `before` to `after` by its secret.
fn check_pok(
    pok: &Pok,
    parent: &[u8; 32],
    tag: Tag,
    before: G1Affine,
    after: G1Affine,
) -> CoreResult<()> {
    let name = format!("{tag:?}").to_lowercase();
    let r = pok.check(parent, tag)?.ok_or_else(|| {
        ceremony_err(format!(
            "the proof of knowledge of {name} does not hold for this parent hash"
        ))
    })?;
    require(
        is_same_ratio((before, after), (r, pok.r_x)),
        &format!("the accumulator's {name} is not the parent's times the proven secret"),
    )
}

/// Checks `next` against its parent `prev`: the three proofs of knowledge (each bound to
/// `parent` and linking the parent's element to the new one), then that `next` is well formed
/// powers (`ratio`'s folded checks over every element).
pub fn verify_contribution<R: Rng>(
    prev: &Accumulator,
    next: &Accumulator,
    parent: &[u8; 32],
    poks: &[Pok; 3],
    rng: &mut R,
) -> CoreResult<()> {
    require(prev.size() == next.size(), "the accumulator changed size")?;
    check_pok(&poks[0], parent, Tag::Tau, prev.tau_g1[1], next.tau_g1[1])?;
    check_pok(
        &poks[1],
        parent,
        Tag::Alpha,
        prev.alpha_g1[0],
        next.alpha_g1[0],
    )?;
    check_pok(
        &poks[2],
        parent,
        Tag::Beta,
        prev.beta_g1[0],
        next.beta_g1[0],
    )?;
    verify_powers(next, rng)
}

/// The structure of one accumulator: generators first, every vector consecutive powers of the
/// same tau (taken from G2's `tau_g2[1]` and G1's `tau_g1[1]`), beta the same in G1 and G2.
pub fn verify_powers<R: Rng>(acc: &Accumulator, rng: &mut R) -> CoreResult<()> {
    let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
    require(
        acc.tau_g1[0] == g1 && acc.tau_g2[0] == g2,
        "tau^0 is not the generator",
    )?;
    let tau_g2 = (g2, acc.tau_g2[1]);
    let checks = [
        (
            fold_powers::<G1Projective, R>(&acc.tau_g1, rng),
            "tau powers in G1",
        ),
        (
            fold_powers::<G1Projective, R>(&acc.alpha_g1, rng),
            "alpha * tau powers in G1",
        ),
        (
            fold_powers::<G1Projective, R>(&acc.beta_g1, rng),
            "beta * tau powers in G1",
        ),
    ];
    for (pair, what) in checks {
        require(
            is_same_ratio(pair, tau_g2),
            &format!("{what} are not consecutive powers"),
        )?;
    }
    let n = acc.size();
    let g2_pair = fold_pairs::<G2Projective, R>(&acc.tau_g2[..n - 1], &acc.tau_g2[1..], rng);
    require(
        is_same_ratio((g1, acc.tau_g1[1]), g2_pair),
        "tau powers in G2 are not those in G1",
    )?;
    require(
        is_same_ratio((g1, acc.beta_g1[0]), (g2, acc.beta_g2)),
        "beta in G2 is not beta in G1",
    )
}
