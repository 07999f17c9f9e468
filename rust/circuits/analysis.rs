//! Constraint accounting for `zkpov circuit info` and the benchmarks.
#![forbid(unsafe_code)]

use super::key::enforce_valid_key;
use super::merkle::{alloc_index_bits, alloc_siblings, compute_root_var};
use super::poseidon::{permute_var, spec3, spec5, Fv};
use super::range::{enforce_range, AMOUNT_BITS};
use super::schnorr::{enforce_canonical_scalar, enforce_signature, SignatureVar};
use super::CircuitConfig;
use crate::error::{CoreError, CoreResult};
use ark_bls12_381::Fr;
use ark_ed_on_bls12_381::Fr as JubjubScalar;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_relations::r1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, SynthesisError, SynthesisMode,
};

const G1_BYTES: usize = 48;
const G2_BYTES: usize = 96;
const LEN_PREFIX: usize = 8;

/// Sizes of a synthesized circuit and of its gadgets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CircuitStats {
    pub constraint_count: usize,
    pub witness_count: usize,
    pub public_input_count: usize,
    pub proving_key_size: usize,
    pub constraints_per_transfer: usize,
    pub poseidon: usize,
    pub poseidon_wide: usize,
    pub merkle_path: usize,
    pub signature: usize,
    pub range_check: usize,
    pub recipient_key: usize,
    pub canonical_scalar: usize,
}

fn setup_cs() -> ConstraintSystemRef<Fr> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    cs
}

fn count(
    f: impl FnOnce(&ConstraintSystemRef<Fr>) -> Result<(), SynthesisError>,
) -> CoreResult<usize> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    f(&cs).map_err(|e| CoreError::Proof(format!("synthesis failed: {e}")))?;
    Ok(cs.num_constraints())
}

fn witnesses(cs: &ConstraintSystemRef<Fr>, n: usize) -> Result<Vec<Fv>, SynthesisError> {
    (0..n)
        .map(|i| Fv::new_witness(cs.clone(), || Ok(Fr::from(i as u64))))
        .collect()
}

/// Compressed size of the Groth16 proving key arkworks builds for these dimensions.
pub fn compute_proving_key_size(constraints: usize, instance: usize, witness: usize) -> usize {
    let domain = (constraints + instance).next_power_of_two();
    let vars = instance + witness;
    let vk = G1_BYTES + 3 * G2_BYTES + LEN_PREFIX + G1_BYTES * instance;
    let queries = 5 * LEN_PREFIX + G1_BYTES * (2 * vars + domain - 1 + witness) + G2_BYTES * vars;
    vk + 2 * G1_BYTES + queries
}

/// The hardening gadgets: the recipient-key check and the canonical-`s` check (which the
/// `signature` count includes).
fn count_hardening() -> CoreResult<[usize; 2]> {
    let key = count(|cs| {
        let v = witnesses(cs, 2)?;
        let identity = (Fr::from(0u64), Fr::from(1u64));
        enforce_valid_key(cs, (&v[0], &v[1]), identity, &Boolean::TRUE)
    })?;
    let canonical = count(|cs| enforce_canonical_scalar(&witnesses(cs, 1)?[0]))?;
    Ok([key, canonical])
}

fn count_gadgets(depth: u32) -> CoreResult<[usize; 5]> {
    let poseidon = count(|cs| permute_var(spec3(), &mut witnesses(cs, 3)?))?;
    let poseidon_wide = count(|cs| permute_var(spec5(), &mut witnesses(cs, 5)?))?;
    let path = vec![[Fr::from(0u64); 3]; (depth / 2) as usize];
    let merkle_with_bits = count(|cs| {
        let (bits, sib) = (alloc_index_bits(cs, 0, depth)?, alloc_siblings(cs, &path)?);
        compute_root_var(&witnesses(cs, 1)?[0], &bits, &sib).map(|_| ())
    })?;
    let signature = count(|cs| {
        let v = witnesses(cs, 3)?;
        let sig = SignatureVar::new_witness(
            cs,
            (Fr::from(0u64), Fr::from(1u64)),
            &JubjubScalar::from(1u64),
        )?;
        enforce_signature((&v[0], &v[1]), &v[2], &sig, &Boolean::TRUE)
    })?;
    let range_check = count(|cs| enforce_range(&witnesses(cs, 1)?[0], AMOUNT_BITS).map(|_| ()))?;
    Ok([
        poseidon,
        poseidon_wide,
        merkle_with_bits - depth as usize,
        signature,
        range_check,
    ])
}

fn synthesize(config: &CircuitConfig) -> CoreResult<ConstraintSystemRef<Fr>> {
    let cs = setup_cs();
    config
        .blank_circuit()
        .generate_constraints(cs.clone())
        .map_err(|e| CoreError::Proof(format!("synthesis failed: {e}")))?;
    Ok(cs)
}

/// Constraints one more transfer slot adds (the first slot is 3 cheaper: its commitment hash
/// starts from the constant 0).
pub fn compute_constraints_per_transfer(tree_depth: u32) -> CoreResult<usize> {
    let count = |batch_size| {
        synthesize(&CircuitConfig {
            batch_size,
            tree_depth,
        })
    };
    Ok(count(2)?.num_constraints() - count(1)?.num_constraints())
}

/// Synthesizes the blank circuit in setup mode and counts everything.
pub fn compute_stats(config: &CircuitConfig) -> CoreResult<CircuitStats> {
    let cs = synthesize(config)?;
    let (constraints, instance) = (cs.num_constraints(), cs.num_instance_variables());
    let witness = cs.num_witness_variables();
    let [poseidon, poseidon_wide, merkle_path, signature, range_check] =
        count_gadgets(config.tree_depth)?;
    let [recipient_key, canonical_scalar] = count_hardening()?;
    Ok(CircuitStats {
        constraint_count: constraints,
        witness_count: witness,
        public_input_count: instance - 1,
        proving_key_size: compute_proving_key_size(constraints, instance, witness),
        constraints_per_transfer: compute_constraints_per_transfer(config.tree_depth)?,
        poseidon,
        poseidon_wide,
        merkle_path,
        signature,
        range_check,
        recipient_key,
        canonical_scalar,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transfer_at_depth_32_stays_under_28_500_constraints() {
        let stats = compute_stats(&CircuitConfig::new(2, 32).unwrap()).unwrap();
        println!("{stats:?}");
        // Issue 13's budget for the hardened circuit (27,687 before it).
        assert!(stats.constraints_per_transfer <= 28_500);
        assert_eq!((stats.recipient_key, stats.canonical_scalar), (21, 253));
        assert_eq!(
            stats.constraint_count,
            2 * stats.constraints_per_transfer + 2 - 3
        );
        assert_eq!(stats.public_input_count, 3);
        assert_eq!(
            (stats.poseidon, stats.poseidon_wide, stats.range_check),
            (243, 300, 65)
        );
        // Tree hashes have a constant capacity lane: 297 constraints per hash, plus 5 to place.
        assert_eq!(stats.merkle_path, 16 * 302);
    }
}
