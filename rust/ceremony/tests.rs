//! The ceremony end to end on tiny sizes: honest contributions verify, each corruption the
//! issue lists is caught, and phase 2 with known secrets equals ark-groth16's setup.
use super::beacon::{
    contribute_beacon, contribute_phase2_beacon, verify_beacon, verify_phase2_beacon,
};
use super::phase1::{self, Accumulator, Secrets};
use super::phase2;
use super::pok::{decode_poks, encode_poks};
use super::secret::Secret;
use crate::error::CoreError;
use ark_bls12_381::{Bls12_381, Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, One, UniformRand};
use ark_groth16::Groth16;
use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::fp::FpVar, fields::FieldVar};
use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}

/// `x^3 + x + 5 = y` with `y` public: 3 constraints, 2 inputs, a domain of 8.
#[derive(Clone)]
pub(super) struct Cubic;

impl ConstraintSynthesizer<Fr> for Cubic {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let x = FpVar::new_witness(cs.clone(), || Ok(Fr::from(3u64)))?;
        let y = FpVar::new_input(cs.clone(), || Ok(Fr::from(35u64)))?;
        let x3 = &x * &x * &x;
        (x3 + &x + FpVar::constant(Fr::from(5u64))).enforce_equal(&y)
    }
}

fn secrets(tau: Fr, alpha: u64, beta: u64) -> Secrets {
    Secrets {
        tau: Secret::from_value(tau).unwrap(),
        alpha: Secret::from_value(Fr::from(alpha)).unwrap(),
        beta: Secret::from_value(Fr::from(beta)).unwrap(),
    }
}

/// Two random contributions on a size-8 accumulator.
pub(super) fn two_contributions() -> Vec<(Accumulator, [u8; 32], [super::pok::Pok; 3])> {
    let mut r = rng(1);
    let a0 = Accumulator::new(3).unwrap();
    let (a1, p1) = phase1::contribute(&a0, &Secrets::sample(&mut r), &[1; 32], &mut r).unwrap();
    let (a2, p2) = phase1::contribute(&a1, &Secrets::sample(&mut r), &[2; 32], &mut r).unwrap();
    vec![
        (a0, [0; 32], p1.clone()),
        (a1, [1; 32], p1),
        (a2, [2; 32], p2),
    ]
}

fn is_ceremony_err(r: Result<(), CoreError>, needle: &str) -> bool {
    matches!(r, Err(CoreError::Ceremony(m)) if m.contains(needle))
}

#[test]
fn phase1_contributions_verify_and_round_trip() {
    let chain = two_contributions();
    let mut r = rng(9);
    phase1::verify_powers(&chain[0].0, &mut r).unwrap();
    for w in chain.windows(2) {
        phase1::verify_contribution(&w[0].0, &w[1].0, &w[1].1, &w[1].2, &mut r).unwrap();
        let bytes = w[1].0.encode();
        assert_eq!(bytes.len(), phase1::get_encoded_len(8));
        assert_eq!(Accumulator::decode(&bytes).unwrap(), w[1].0);
        assert_eq!(
            decode_poks(&encode_poks(&w[1].2), 3).unwrap(),
            w[1].2.to_vec()
        );
    }
}

#[test]
fn phase1_corruptions_fail() {
    let chain = two_contributions();
    let (a0, a1, a2) = (&chain[0].0, &chain[1].0, &chain[2].0);
    let (p1, p2) = (&chain[1].2, &chain[2].2);
    let mut r = rng(9);
    let mut swapped = a2.clone();
    swapped.tau_g1.swap(3, 4);
    let bad = phase1::verify_contribution(a1, &swapped, &[2; 32], p2, &mut r);
    assert!(is_ceremony_err(bad, "tau powers in G1"));
    let mut alpha = a2.clone();
    alpha.alpha_g1[5] = alpha.alpha_g1[6];
    assert!(is_ceremony_err(
        phase1::verify_contribution(a1, &alpha, &[2; 32], p2, &mut r),
        "alpha"
    ));
    // A proof made against another parent hash, or another contribution's proofs.
    assert!(is_ceremony_err(
        phase1::verify_contribution(a1, a2, &[1; 32], p2, &mut r),
        "proof of knowledge"
    ));
    assert!(is_ceremony_err(
        phase1::verify_contribution(a1, a2, &[2; 32], p1, &mut r),
        "proof of knowledge"
    ));
    // Built on a stale accumulator: a2's secrets applied to a0 is not a1's child.
    assert!(is_ceremony_err(
        phase1::verify_contribution(a0, a2, &[2; 32], p2, &mut r),
        "parent's times"
    ));
    let mut beta = a2.clone();
    beta.beta_g2 = a1.beta_g2;
    assert!(is_ceremony_err(
        phase1::verify_contribution(a1, &beta, &[2; 32], p2, &mut r),
        "beta in G2"
    ));
}

#[test]
fn phase1_decoding_refuses_bad_bytes() {
    let bytes = Accumulator::new(2).unwrap().encode();
    assert!(Accumulator::decode(&bytes[..bytes.len() - 1]).is_err());
    let mut magic = bytes.clone();
    magic[0] ^= 1;
    assert!(Accumulator::decode(&magic).is_err());
    let mut huge = bytes.clone();
    huge[8] = 60;
    assert!(Accumulator::decode(&huge).is_err());
    let mut off_curve = bytes.clone();
    off_curve[9 + 96 + 20] ^= 1;
    assert!(matches!(
        Accumulator::decode(&off_curve),
        Err(CoreError::Decode(_))
    ));
    let mut identity = bytes.clone();
    let mut zero = Vec::new();
    ark_serialize::CanonicalSerialize::serialize_uncompressed(&G1Affine::zero(), &mut zero)
        .unwrap();
    identity[9 + 96..9 + 192].copy_from_slice(&zero);
    let err = Accumulator::decode(&identity).unwrap_err().to_string();
    assert!(err.contains("identity"), "{err}");
    // On the curve (y^2 = x^3 + 4 at x = 0) but outside the prime-order subgroup: a same-ratio
    // check could be fooled by its small-order component, so decoding refuses it.
    let outside =
        G1Affine::new_unchecked(ark_bls12_381::Fq::from(0u64), ark_bls12_381::Fq::from(2u64));
    assert!(outside.is_on_curve() && !outside.is_in_correct_subgroup_assuming_on_curve());
    let mut point = Vec::new();
    ark_serialize::CanonicalSerialize::serialize_uncompressed(&outside, &mut point).unwrap();
    let mut bad = bytes.clone();
    bad[9 + 96..9 + 192].copy_from_slice(&point);
    let err = Accumulator::decode(&bad).unwrap_err().to_string();
    assert!(err.contains("subgroup"), "{err}");
}

#[test]
fn beacon_is_reproducible_and_checked() {
    let chain = two_contributions();
    let a2 = &chain[2].0;
    let (b, poks) = contribute_beacon(a2, &[3; 32], b"block 123", 4).unwrap();
    assert_eq!(
        contribute_beacon(a2, &[3; 32], b"block 123", 4).unwrap().0,
        b
    );
    let mut r = rng(9);
    verify_beacon(a2, &b, &[3; 32], &poks, (b"block 123", 4), &mut r).unwrap();
    let other = verify_beacon(a2, &b, &[3; 32], &poks, (b"block 124", 4), &mut r);
    assert!(is_ceremony_err(other, "beacon"));
    assert!(is_ceremony_err(
        verify_beacon(a2, &b, &[3; 32], &poks, (b"block 123", 5), &mut r),
        "beacon"
    ));
}

/// Phase 2 with known secrets against ark-groth16's setup on the same tau, alpha, beta, delta.
fn assert_equals_ark_groth16<C: ConstraintSynthesizer<Fr> + Clone>(circuit: C, log: u8) {
    // ark-groth16 draws its evaluation point tau as the first field element of its RNG.
    let ark_rng = rng(7);
    let tau = Fr::rand(&mut ark_rng.clone());
    let acc = Accumulator::new(log)
        .unwrap()
        .contribute(&secrets(tau, 11, 13));
    let m = phase2::synthesize(circuit.clone()).unwrap();
    assert_eq!(phase2::get_domain_size(&m).unwrap(), 1 << log);
    let start = phase2::new_parameters(&acc, &m).unwrap();
    let delta = Secret::from_value(Fr::from(17u64)).unwrap();
    let (ours, _) = phase2::contribute(&start, &delta, &[0; 32], &mut rng(2)).unwrap();
    let (g1, g2) = (
        G1Affine::generator().into_group(),
        ark_bls12_381::G2Affine::generator().into_group(),
    );
    let (alpha, beta, delta) = (Fr::from(11u64), Fr::from(13u64), Fr::from(17u64));
    let theirs = Groth16::<Bls12_381>::generate_parameters_with_qap(
        circuit,
        alpha,
        beta,
        Fr::one(),
        delta,
        g1,
        g2,
        &mut ark_rng.clone(),
    )
    .unwrap();
    assert_eq!(ours, theirs);
}

#[test]
fn phase2_with_known_secrets_equals_ark_groth16_setup() {
    assert_equals_ark_groth16(Cubic, 3);
    let m = phase2::synthesize(Cubic).unwrap();
    let acc = Accumulator::new(3)
        .unwrap()
        .contribute(&secrets(Fr::from(5u64), 11, 13));
    let ours = phase2::contribute(
        &phase2::new_parameters(&acc, &m).unwrap(),
        &Secret::from_value(Fr::from(17u64)).unwrap(),
        &[0; 32],
        &mut rng(2),
    )
    .unwrap()
    .0;
    // And the key proves.
    let pvk = ark_groth16::prepare_verifying_key(&ours.vk);
    let proof = Groth16::<Bls12_381>::create_random_proof_with_reduction(Cubic, &ours, &mut rng(3))
        .unwrap();
    assert!(Groth16::<Bls12_381>::verify_proof(&pvk, &proof, &[Fr::from(35u64)]).unwrap());
    assert!(!Groth16::<Bls12_381>::verify_proof(&pvk, &proof, &[Fr::from(36u64)]).unwrap());
}

/// A variable with 12 full-size coefficients in each of A, B and C (the MSM path of
/// `queries::sum_terms`), beside small ones: 36 constraints, a domain of 64.
#[derive(Clone)]
pub(super) struct Wide;

impl ConstraintSynthesizer<Fr> for Wide {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        use ark_relations::{lc, r1cs::Variable};
        let x = cs.new_witness_variable(|| Ok(Fr::from(3u64)))?;
        let _y = cs.new_input_variable(|| Ok(Fr::from(5u64)))?;
        for i in 0..12u64 {
            let big = -Fr::from(1u64 << 40).pow([i + 2]) - Fr::from(i);
            let z = cs.new_witness_variable(|| Ok(Fr::from(0u64)))?;
            cs.enforce_constraint(lc!() + (big, x), lc!() + Variable::One, lc!() + z)?;
            cs.enforce_constraint(lc!() + Variable::One, lc!() + (big, x), lc!() + z)?;
            cs.enforce_constraint(lc!() + z, lc!() + Variable::One, lc!() + (big, x))?;
        }
        Ok(())
    }
}

#[test]
fn phase2_sums_long_full_size_columns_like_ark_groth16() {
    assert_equals_ark_groth16(Wide, 6);
}

#[test]
fn g2_multiplication_through_the_endomorphism_is_multiplication() {
    use super::lagrange::GlvG2;
    use ark_bls12_381::G2Projective;
    use std::ops::MulAssign;
    let mut r = rng(4);
    for _ in 0..8 {
        let (p, k) = (G2Projective::rand(&mut r), Fr::rand(&mut r));
        let mut q = GlvG2(p);
        q.mul_assign(k);
        assert_eq!(q.0, p * k);
    }
}

#[test]
fn phase2_beacon_is_reproducible_and_checked() {
    let chain = two_contributions();
    let p0 = phase2::new_parameters(&chain[2].0, &phase2::synthesize(Cubic).unwrap()).unwrap();
    let (b, pok) = contribute_phase2_beacon(&p0, &[6; 32], b"block 9", 3).unwrap();
    assert_eq!(
        contribute_phase2_beacon(&p0, &[6; 32], b"block 9", 3)
            .unwrap()
            .0,
        b
    );
    let mut r = rng(10);
    verify_phase2_beacon(&p0, &b, &[6; 32], &pok, (b"block 9", 3), &mut r).unwrap();
    for other in [(&b"block 8"[..], 3), (&b"block 9"[..], 2)] {
        let err = verify_phase2_beacon(&p0, &b, &[6; 32], &pok, other, &mut r);
        assert!(is_ceremony_err(err, "beacon value"));
    }
}

#[test]
fn phase2_contributions_verify_and_corruptions_fail() {
    let chain = two_contributions();
    let m = phase2::synthesize(Cubic).unwrap();
    let p0 = phase2::new_parameters(&chain[2].0, &m).unwrap();
    let mut r = rng(5);
    let (p1, pok1) = phase2::contribute(&p0, &Secret::sample(&mut r), &[4; 32], &mut r).unwrap();
    let (p2, pok2) = phase2::contribute(&p1, &Secret::sample(&mut r), &[5; 32], &mut r).unwrap();
    phase2::verify_contribution(&p0, &p1, &[4; 32], &pok1, &mut r).unwrap();
    phase2::verify_contribution(&p1, &p2, &[5; 32], &pok2, &mut r).unwrap();
    let bytes = crate::groth16::keys::encode_proving_key(&p2);
    assert_eq!(phase2::decode_parameters(&bytes).unwrap(), p2);
    let mut swapped = p2.clone();
    swapped.h_query.swap(0, 1);
    assert!(is_ceremony_err(
        phase2::verify_contribution(&p1, &swapped, &[5; 32], &pok2, &mut r),
        "H query"
    ));
    assert!(is_ceremony_err(
        phase2::verify_contribution(&p1, &p2, &[5; 32], &pok1, &mut r),
        "proof of knowledge"
    ));
    assert!(is_ceremony_err(
        phase2::verify_contribution(&p0, &p2, &[5; 32], &pok2, &mut r),
        "parent's times"
    ));
    let mut mismatch = p2.clone();
    mismatch.vk.delta_g2 = (p2.vk.delta_g2 * Fr::from(2u64)).into_affine();
    assert!(is_ceremony_err(
        phase2::verify_contribution(&p1, &mismatch, &[5; 32], &pok2, &mut r),
        "G1 and G2"
    ));
    let mut a = p2.clone();
    a.a_query[0] = (a.a_query[0] + G1Projective::from(G1Affine::generator())).into_affine();
    assert!(is_ceremony_err(
        phase2::verify_contribution(&p1, &a, &[5; 32], &pok2, &mut r),
        "A query"
    ));
}

#[test]
fn challenge_is_rfc9380_hash_to_g2_as_blst_computes_it() {
    use super::pok::{compute_challenge, Tag, POK_DST};
    use ark_serialize::CanonicalSerialize;
    let parent = [7u8; 32];
    let ours = compute_challenge(&parent, Tag::Beta).unwrap();
    let mut bytes = Vec::new();
    ours.serialize_uncompressed(&mut bytes).unwrap();
    let mut msg = parent.to_vec();
    msg.push(Tag::Beta as u8);
    assert_eq!(bytes, crate::bls::hash_to_g2(&msg, POK_DST).to_vec());
}
