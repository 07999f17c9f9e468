//! Groth16 proving over BLS12-381: the math of `ark_groth16`'s `create_proof_with_reduction`
//! (libsnark's R1CS-to-QAP reduction, the same proving key and proof types), with the five
//! multi-scalar multiplications on blst's Pippenger (`groth16::msm`).
//!
//! With the assignment `z = (1, inputs, aux)`, the QAP quotient `h` and randomizers `r`, `s`:
//!
//! * `A = alpha + sum z_i a_i + r delta` (G1),
//! * `B = beta + sum z_i b_i + s delta` (G2, and the same in G1 as `B1` for `C`),
//! * `C = sum aux_j l_j + sum h_k h_k + s A + r B1 - r s delta` (G1).
//!
//! [`PreparedProvingKey`] holds the key's query points in blst form, converted once when the
//! key is loaded, so a proof converts only its scalars and its three results. It is the only
//! copy a holder needs: `to_proving_key` rebuilds the arkworks key for encoding.
//!
//! The constraint matrices are the same for every proof of a circuit, so the key builds them
//! once, from a setup-mode synthesis (no witness), at its first proof, and keeps them. Each proof
//! then synthesizes the assignment alone (arkworks' prove mode without matrices: no constraint
//! is stored, no linear combination inlined), which saves a third of synthesis time and most of
//! its memory. A witness that does not satisfy the matrices yields a proof that fails to
//! verify; `groth16::prove` checks every proof before returning it.
#![forbid(unsafe_code)]

use super::msm::{to_bigints, Bases};
use super::r1cs::CompactMatrices;
use crate::error::{CoreError, CoreResult};
use ark_bls12_381::{Bls12_381, Fr, G1Affine, G2Affine};
use ark_ec::CurveGroup;
use ark_ff::UniformRand;
use ark_ff::{FftField, Field, Zero};
use ark_groth16::{Proof, ProvingKey, VerifyingKey};
use ark_poly::EvaluationDomain;
use ark_poly::GeneralEvaluationDomain;
use ark_relations::r1cs::{
    ConstraintMatrices, ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use rand::Rng;
use rayon::prelude::*;
use std::sync::OnceLock;

fn proof_err(what: &str, e: impl std::fmt::Display) -> CoreError {
    CoreError::Proof(format!("{what}: {e}"))
}

/// A proving key's points in the form the prover uses (see the module docs).
pub struct PreparedProvingKey {
    vk: VerifyingKey<Bls12_381>,
    beta_g1: G1Affine,
    delta_g1: G1Affine,
    /// Length of `z`: the A and B queries have one point per variable.
    num_variables: usize,
    /// `1` plus the public inputs: where `aux` starts in `z`.
    num_inputs: usize,
    a: Bases<G1Affine>,
    b_g1: Bases<G1Affine>,
    b_g2: Bases<G2Affine>,
    /// The L query followed by the H query: C needs only their sum, and one Pippenger over both
    /// costs less than two (wider windows, one bucket reduction).
    lh: Bases<G1Affine>,
    /// Length of the L query (one point per witness variable): where H starts in `lh`.
    l_len: usize,
    /// The circuit's constraint matrices: loaded from the key cache, or built at the first proof.
    matrices: OnceLock<CompactMatrices>,
}

impl PreparedProvingKey {
    pub fn new(pk: &ProvingKey<Bls12_381>) -> CoreResult<Self> {
        let n = pk.a_query.len();
        let inputs = pk.vk.gamma_abc_g1.len();
        if pk.b_g1_query.len() != n
            || pk.b_g2_query.len() != n
            || inputs > n
            || pk.l_query.len() != n - inputs
        {
            return Err(CoreError::Proof(
                "proving key queries have inconsistent lengths".into(),
            ));
        }
        Ok(PreparedProvingKey {
            vk: pk.vk.clone(),
            beta_g1: pk.beta_g1,
            delta_g1: pk.delta_g1,
            num_variables: n,
            num_inputs: pk.vk.gamma_abc_g1.len(),
            a: Bases::new(&pk.a_query)?,
            b_g1: Bases::new(&pk.b_g1_query)?,
            b_g2: Bases::new(&pk.b_g2_query)?,
            lh: Bases::new(&[&pk.l_query[..], &pk.h_query[..]].concat())?,
            l_len: pk.l_query.len(),
            matrices: OnceLock::new(),
        })
    }

    /// The circuit's matrices: kept from the first proof (or [`Self::set_matrices`]), or built
    /// now from `circuit`'s shape (and kept only if they fit this key's variable counts).
    pub fn get_matrices<C: ConstraintSynthesizer<Fr>>(
        &self,
        circuit: C,
    ) -> CoreResult<&CompactMatrices> {
        if let Some(m) = self.matrices.get() {
            return Ok(m);
        }
        let m = CompactMatrices::new(&synthesize_matrices(circuit)?)?;
        self.check_shape(&m)?;
        Ok(self.matrices.get_or_init(|| m))
    }

    /// Matrices from the key cache (checked against this key's variable and domain sizes).
    pub fn set_matrices(&self, m: CompactMatrices) -> CoreResult<()> {
        self.check_shape(&m)?;
        if self.matrices.get().is_some_and(|have| *have != m) {
            return Err(CoreError::Proof(
                "the key already holds other matrices".into(),
            ));
        }
        let _ = self.matrices.set(m);
        Ok(())
    }

    fn check_shape(&self, m: &CompactMatrices) -> CoreResult<()> {
        let domain =
            GeneralEvaluationDomain::<Fr>::new(m.num_constraints() + m.num_instance_variables)
                .map(|d| d.size());
        if m.num_variables() != self.num_variables
            || m.num_instance_variables != self.num_inputs
            || domain != Some(self.lh.query_len() - self.l_len + 1)
        {
            return Err(CoreError::Proof(format!(
                "the circuit has {} variables, {} inputs and {} constraints; the key {} variables, {} inputs and an H query of {}",
                m.num_variables(),
                m.num_instance_variables,
                m.num_constraints(),
                self.num_variables,
                self.num_inputs,
                self.lh.query_len() - self.l_len
            )));
        }
        Ok(())
    }

    pub fn verifying_key(&self) -> &VerifyingKey<Bls12_381> {
        &self.vk
    }

    /// The arkworks key again (for encoding it: a holder need not keep both forms).
    pub fn to_proving_key(&self) -> CoreResult<ProvingKey<Bls12_381>> {
        let mut l_query = self.lh.to_query()?;
        let h_query = l_query.split_off(self.l_len);
        Ok(ProvingKey {
            vk: self.vk.clone(),
            beta_g1: self.beta_g1,
            delta_g1: self.delta_g1,
            a_query: self.a.to_query()?,
            b_g1_query: self.b_g1.to_query()?,
            b_g2_query: self.b_g2.to_query()?,
            h_query,
            l_query,
        })
    }

    /// Non-identity points per query: `[A, B1, B2, H, L]` (printed by `prover_phase_times`).
    #[cfg(test)]
    pub fn query_sizes(&self) -> [usize; 5] {
        [
            self.a.len(),
            self.b_g1.len(),
            self.b_g2.len(),
            self.lh.count_below(self.lh.query_len()) - self.lh.count_below(self.l_len),
            self.lh.count_below(self.l_len),
        ]
    }
}

/// The QAP witness: `z` and the quotient polynomial's coefficients `h`.
pub struct Witness {
    pub(crate) assignment: Vec<Fr>,
    pub(crate) num_inputs: usize,
    pub(crate) h: Vec<Fr>,
}

fn new_cs(mode: SynthesisMode) -> ark_relations::r1cs::ConstraintSystemRef<Fr> {
    let cs = ConstraintSystem::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(mode);
    cs
}

/// The constraint matrices (a setup-mode synthesis, linear combinations inlined).
pub fn synthesize_matrices<C: ConstraintSynthesizer<Fr>>(
    circuit: C,
) -> CoreResult<ConstraintMatrices<Fr>> {
    let cs = new_cs(SynthesisMode::Setup);
    circuit
        .generate_constraints(cs.clone())
        .map_err(|e| proof_err("constraint synthesis failed", e))?;
    cs.finalize();
    cs.to_matrices()
        .ok_or_else(|| CoreError::Proof("the constraint system has no matrices".into()))
}

/// The full assignment `z = (1, inputs, aux)` alone (prove mode, no matrices).
pub fn synthesize_assignment<C: ConstraintSynthesizer<Fr>>(circuit: C) -> CoreResult<Vec<Fr>> {
    let cs = new_cs(SynthesisMode::Prove {
        construct_matrices: false,
    });
    circuit
        .generate_constraints(cs.clone())
        .map_err(|e| proof_err("constraint synthesis failed", e))?;
    let cs = cs
        .into_inner()
        .ok_or_else(|| CoreError::Proof("the constraint system is still shared".into()))?;
    let mut assignment = cs.instance_assignment;
    assignment.extend_from_slice(&cs.witness_assignment);
    Ok(assignment)
}

/// libsnark's witness map (`ark_groth16`'s `LibsnarkReduction`), on compact matrices: the
/// quotient `h = (a b - c) / Z` from the rows' values over the smallest power-of-two domain
/// that holds the constraints and one row per input, through a coset.
pub fn witness_map(m: &CompactMatrices, assignment: Vec<Fr>) -> CoreResult<Witness> {
    let (n, num_inputs) = (m.num_constraints(), m.num_instance_variables);
    if assignment.len() != m.num_variables() {
        return Err(CoreError::Proof(format!(
            "the assignment has {} values, the circuit {} variables",
            assignment.len(),
            m.num_variables()
        )));
    }
    let domain = GeneralEvaluationDomain::<Fr>::new(n + num_inputs)
        .ok_or_else(|| CoreError::Proof("the circuit is too large for an FFT domain".into()))?;
    let coset = domain
        .get_coset(Fr::GENERATOR)
        .ok_or_else(|| CoreError::Proof("no coset of the FFT domain".into()))?;
    let evaluations = |which: usize| {
        let mut v = m.evaluate(which, &assignment);
        if which == 0 {
            v.extend_from_slice(&assignment[..num_inputs]);
        }
        v.resize(domain.size(), Fr::zero());
        domain.ifft_in_place(&mut v);
        coset.fft_in_place(&mut v);
        v
    };
    let mut ab = domain.mul_polynomials_in_evaluation_domain(&evaluations(0), &evaluations(1));
    let c = evaluations(2);
    let z_inv = domain
        .evaluate_vanishing_polynomial(Fr::GENERATOR)
        .inverse()
        .ok_or_else(|| CoreError::Proof("the vanishing polynomial is zero on the coset".into()))?;
    ab.par_iter_mut()
        .zip(c)
        .for_each(|(x, c)| *x = (*x - c) * z_inv);
    coset.ifft_in_place(&mut ab);
    Ok(Witness {
        assignment,
        num_inputs,
        h: ab,
    })
}

/// The proof for `witness` with randomizers `r`, `s` (see the module docs).
pub fn create_proof(
    key: &PreparedProvingKey,
    witness: &Witness,
    r: Fr,
    s: Fr,
) -> CoreResult<Proof<Bls12_381>> {
    if witness.assignment.len() != key.num_variables || witness.num_inputs != key.num_inputs {
        return Err(CoreError::Proof(format!(
            "the circuit has {} variables and {} inputs, the key {} and {}",
            witness.assignment.len(),
            witness.num_inputs,
            key.num_variables,
            key.num_inputs
        )));
    }
    let z = to_bigints(&witness.assignment);
    // The H query has one point fewer than the domain: h's top coefficient pairs with nothing.
    let h_len = key.lh.query_len() - key.l_len;
    let h = witness.h.get(..h_len).ok_or_else(|| {
        CoreError::Proof(format!(
            "{} quotient values for {h_len} H points",
            witness.h.len()
        ))
    })?;
    let mut aux_h = z[key.num_inputs..].to_vec();
    aux_h.extend(to_bigints(h));
    let a = key.a.msm(&z)? + key.vk.alpha_g1 + key.delta_g1 * r;
    let b1 = key.b_g1.msm(&z)? + key.beta_g1 + key.delta_g1 * s;
    let b2 = key.b_g2.msm(&z)? + key.vk.beta_g2 + key.vk.delta_g2 * s;
    let lh = key.lh.msm(&aux_h)?;
    let c = lh + a * s + b1 * r - key.delta_g1 * (r * s);
    Ok(Proof {
        a: a.into_affine(),
        b: b2.into_affine(),
        c: c.into_affine(),
    })
}

/// Synthesizes, maps and proves with randomizers `r`, then `s`, drawn from `rng` (the order
/// `ark_groth16::Groth16::prove` draws them in).
pub fn prove<C: ConstraintSynthesizer<Fr> + Clone, R: Rng>(
    key: &PreparedProvingKey,
    circuit: C,
    rng: &mut R,
) -> CoreResult<Proof<Bls12_381>> {
    let r = Fr::rand(rng);
    let s = Fr::rand(rng);
    let matrices = key.get_matrices(circuit.clone())?;
    let witness = witness_map(matrices, synthesize_assignment(circuit)?)?;
    create_proof(key, &witness, r, s)
}
