//! Groth16 proving over BLS12-381: the math of `ark_groth16`'s `create_proof_with_reduction`
//! (libsnark's R1CS-to-QAP reduction, the same proving key and proof types), with the five
//! multi-scalar multiplications on blst's Pippenger (`crate::msm`).
//!
//! With the assignment `z = (1, inputs, aux)`, the QAP quotient `h` and randomizers `r`, `s`:
//!
//! * `A = alpha + sum z_i a_i + r delta` (G1),
//! * `B = beta + sum z_i b_i + s delta` (G2, and the same in G1 as `B1` for `C`),
//! * `C = sum aux_j l_j + sum h_k h_k + s A + r B1 - r s delta` (G1).
//!
//! [`PreparedProvingKey`] holds the key's query points in blst form, converted once when the
//! key is loaded, so a proof converts only its scalars and its three results. It is the only
//! copy a holder needs: `to_proving_key` rebuilds the arkworks key for encoding. The constraint
//! system is dropped before the witness map, leaving the matrices and the assignment.
#![forbid(unsafe_code)]

use crate::error::{CoreError, CoreResult};
use crate::msm::{to_bigints, Bases};
use ark_bls12_381::{Bls12_381, Fr, G1Affine, G2Affine};
use ark_ec::CurveGroup;
use ark_ff::UniformRand;
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
use ark_groth16::{Proof, ProvingKey, VerifyingKey};
use ark_poly::GeneralEvaluationDomain;
use ark_relations::r1cs::{
    ConstraintMatrices, ConstraintSynthesizer, ConstraintSystem, OptimizationGoal,
};
use rand::Rng;

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
    h: Bases<G1Affine>,
    l: Bases<G1Affine>,
}

impl PreparedProvingKey {
    pub fn new(pk: &ProvingKey<Bls12_381>) -> CoreResult<Self> {
        let n = pk.a_query.len();
        if pk.b_g1_query.len() != n || pk.b_g2_query.len() != n || pk.vk.gamma_abc_g1.len() > n {
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
            h: Bases::new(&pk.h_query)?,
            l: Bases::new(&pk.l_query)?,
        })
    }

    pub fn verifying_key(&self) -> &VerifyingKey<Bls12_381> {
        &self.vk
    }

    /// The arkworks key again (for encoding it: a holder need not keep both forms).
    pub fn to_proving_key(&self) -> CoreResult<ProvingKey<Bls12_381>> {
        Ok(ProvingKey {
            vk: self.vk.clone(),
            beta_g1: self.beta_g1,
            delta_g1: self.delta_g1,
            a_query: self.a.to_query()?,
            b_g1_query: self.b_g1.to_query()?,
            b_g2_query: self.b_g2.to_query()?,
            h_query: self.h.to_query()?,
            l_query: self.l.to_query()?,
        })
    }

    /// Non-identity points per query: `[A, B1, B2, H, L]`.
    pub fn query_sizes(&self) -> [usize; 5] {
        [
            self.a.len(),
            self.b_g1.len(),
            self.b_g2.len(),
            self.h.len(),
            self.l.len(),
        ]
    }
}

/// A synthesized circuit: its constraint matrices and the full assignment `z`.
pub struct Synthesized {
    matrices: ConstraintMatrices<Fr>,
    assignment: Vec<Fr>,
}

impl Synthesized {
    pub fn num_constraints(&self) -> usize {
        self.matrices.num_constraints
    }

    pub fn num_variables(&self) -> usize {
        self.assignment.len()
    }
}

/// The QAP witness: `z` and the quotient polynomial's coefficients `h`.
pub struct Witness {
    pub(crate) assignment: Vec<Fr>,
    pub(crate) num_inputs: usize,
    pub(crate) h: Vec<Fr>,
}

/// Generates the constraints and the assignment (arkworks' prover mode, constraint-optimized).
pub fn synthesize<C: ConstraintSynthesizer<Fr>>(circuit: C) -> CoreResult<Synthesized> {
    let cs = ConstraintSystem::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    circuit
        .generate_constraints(cs.clone())
        .map_err(|e| proof_err("constraint synthesis failed", e))?;
    cs.finalize();
    let matrices = cs
        .to_matrices()
        .ok_or_else(|| CoreError::Proof("the constraint system has no matrices".into()))?;
    let cs = cs
        .into_inner()
        .ok_or_else(|| CoreError::Proof("the constraint system is still shared".into()))?;
    let mut assignment = cs.instance_assignment;
    assignment.extend_from_slice(&cs.witness_assignment);
    Ok(Synthesized {
        matrices,
        assignment,
    })
}

/// libsnark's witness map (FFTs over the smallest power-of-two domain that fits).
pub fn witness_map(s: Synthesized) -> CoreResult<Witness> {
    let num_inputs = s.matrices.num_instance_variables;
    let h = LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
        &s.matrices,
        num_inputs,
        s.matrices.num_constraints,
        &s.assignment,
    )
    .map_err(|e| proof_err("witness map failed", e))?;
    Ok(Witness {
        assignment: s.assignment,
        num_inputs,
        h,
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
    let h = to_bigints(&witness.h);
    let a = key.a.msm(&z)? + key.vk.alpha_g1 + key.delta_g1 * r;
    let b1 = key.b_g1.msm(&z)? + key.beta_g1 + key.delta_g1 * s;
    let b2 = key.b_g2.msm(&z)? + key.vk.beta_g2 + key.vk.delta_g2 * s;
    let lh = key.l.msm(&z[key.num_inputs..])? + key.h.msm(&h)?;
    let c = lh + a * s + b1 * r - key.delta_g1 * (r * s);
    Ok(Proof {
        a: a.into_affine(),
        b: b2.into_affine(),
        c: c.into_affine(),
    })
}

/// Synthesizes, maps and proves with randomizers `r`, then `s`, drawn from `rng` (the order
/// `ark_groth16::Groth16::prove` draws them in).
pub fn prove<C: ConstraintSynthesizer<Fr>, R: Rng>(
    key: &PreparedProvingKey,
    circuit: C,
    rng: &mut R,
) -> CoreResult<Proof<Bls12_381>> {
    let r = Fr::rand(rng);
    let s = Fr::rand(rng);
    let witness = witness_map(synthesize(circuit)?)?;
    create_proof(key, &witness, r, s)
}
