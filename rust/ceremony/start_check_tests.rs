//! `start_check` on tiny circuits: the honest start passes, and one wrong point in any query,
//! a wrong fixed point, a wrong length or a start from another phase 1 fails, naming which.
use super::phase1::{Accumulator, Secrets};
use super::phase2;
use super::start_check::{check_start, decode_start};
use super::tests::{two_contributions, Cubic, Wide};
use crate::error::CoreError;
use crate::groth16::keys::encode_proving_key;
use ark_bls12_381::{Bls12_381, Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_groth16::ProvingKey;
use ark_relations::r1cs::{ConstraintMatrices, ConstraintSynthesizer};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

type Key = ProvingKey<Bls12_381>;
/// A change to a whole key.
type KeyEdit = fn(&mut Key);

struct Setup {
    acc: Accumulator,
    m: ConstraintMatrices<Fr>,
    start: Key,
}

fn setup<C: ConstraintSynthesizer<Fr>>(circuit: C, acc: Accumulator) -> Setup {
    let m = phase2::synthesize(circuit).unwrap();
    let start = phase2::new_parameters(&acc, &m).unwrap();
    Setup { acc, m, start }
}

fn cubic() -> Setup {
    setup(Cubic, two_contributions().pop().unwrap().0)
}

/// `Wide` (full-size coefficients, a domain of 64) on one random contribution.
fn wide() -> Setup {
    let mut r = ChaCha20Rng::from_seed([8; 32]);
    let acc = Accumulator::new(6)
        .unwrap()
        .contribute(&Secrets::sample(&mut r));
    setup(Wide, acc)
}

fn check(s: &Setup, pk: &Key) -> Result<(), CoreError> {
    check_start(&s.acc, &s.m, pk, &mut ChaCha20Rng::from_seed([3; 32]))
}

fn assert_fails(s: &Setup, pk: &Key, needle: &str) {
    match check(s, pk) {
        Err(CoreError::Ceremony(m)) => assert!(m.contains(needle), "{m} lacks {needle:?}"),
        other => panic!("expected a failure naming {needle:?}, got {other:?}"),
    }
}

fn plus_g1(p: &mut G1Affine) {
    *p = (*p + G1Affine::generator()).into_affine();
}

fn plus_g2(p: &mut G2Affine) {
    *p = (*p + G2Affine::generator()).into_affine();
}

#[test]
fn honest_starts_pass() {
    for s in [cubic(), wide()] {
        check(&s, &s.start).unwrap();
        let bytes = encode_proving_key(&s.start);
        assert_eq!(decode_start(&bytes).unwrap(), s.start);
    }
}

/// Each query, one point at a time (the first and the last of each vector).
fn assert_each_point_caught(s: &Setup) {
    type Edit = fn(&mut Key, usize);
    let edits: [(Edit, usize, &str); 6] = [
        (
            |k, i| plus_g1(&mut k.a_query[i]),
            s.start.a_query.len(),
            "A query",
        ),
        (
            |k, i| plus_g1(&mut k.b_g1_query[i]),
            s.start.a_query.len(),
            "B query in G1",
        ),
        (
            |k, i| plus_g2(&mut k.b_g2_query[i]),
            s.start.a_query.len(),
            "B query in G2",
        ),
        (
            |k, i| plus_g1(&mut k.l_query[i]),
            s.start.l_query.len(),
            "L query",
        ),
        (
            |k, i| plus_g1(&mut k.vk.gamma_abc_g1[i]),
            s.start.vk.gamma_abc_g1.len(),
            "IC",
        ),
        (
            |k, i| plus_g1(&mut k.h_query[i]),
            s.start.h_query.len(),
            "H query",
        ),
    ];
    for (edit, len, needle) in edits {
        for i in [0, len - 1] {
            let mut pk = s.start.clone();
            edit(&mut pk, i);
            assert_fails(s, &pk, needle);
        }
    }
}

#[test]
fn one_wrong_query_point_fails_naming_its_query() {
    assert_each_point_caught(&cubic());
    assert_each_point_caught(&wide());
}

#[test]
fn wrong_fixed_points_fail() {
    let s = cubic();
    let edits: [(KeyEdit, &str); 6] = [
        (|k| plus_g1(&mut k.vk.alpha_g1), "alpha"),
        (|k| plus_g1(&mut k.beta_g1), "beta in G1"),
        (|k| plus_g2(&mut k.vk.beta_g2), "beta in G2"),
        (|k| plus_g2(&mut k.vk.gamma_g2), "gamma"),
        (|k| plus_g1(&mut k.delta_g1), "delta"),
        (|k| plus_g2(&mut k.vk.delta_g2), "delta"),
    ];
    for (edit, needle) in edits {
        let mut pk = s.start.clone();
        edit(&mut pk);
        assert_fails(&s, &pk, needle);
    }
}

#[test]
fn wrong_lengths_fail() {
    let s = cubic();
    let edits: [(KeyEdit, &str); 6] = [
        (
            |k| {
                k.a_query.pop();
            },
            "the A query has",
        ),
        (
            |k| k.b_g1_query.push(G1Affine::generator()),
            "the B query in G1 has",
        ),
        (
            |k| {
                k.b_g2_query.pop();
            },
            "the B query in G2 has",
        ),
        (
            |k| k.vk.gamma_abc_g1.push(G1Affine::zero()),
            "the IC (input) query has",
        ),
        (
            |k| {
                k.l_query.pop();
            },
            "the L query has",
        ),
        (
            |k| {
                k.h_query.pop();
            },
            "the H query has",
        ),
    ];
    for (edit, needle) in edits {
        let mut pk = s.start.clone();
        edit(&mut pk);
        assert_fails(&s, &pk, needle);
    }
}

#[test]
fn a_start_from_another_phase1_fails() {
    let s = cubic();
    let stale = two_contributions().remove(1).0;
    let other = phase2::new_parameters(&stale, &s.m).unwrap();
    assert!(matches!(check(&s, &other), Err(CoreError::Ceremony(_))));
}

#[test]
fn decoding_refuses_an_a_point_outside_the_subgroup() {
    let s = cubic();
    let outside =
        G1Affine::new_unchecked(ark_bls12_381::Fq::from(0u64), ark_bls12_381::Fq::from(2u64));
    let mut pk = s.start.clone();
    pk.a_query[1] = outside;
    let bytes = encode_proving_key(&pk);
    assert!(phase2::decode_parameters(&bytes).is_ok());
    let err = decode_start(&bytes).unwrap_err().to_string();
    assert!(err.contains("subgroup"), "{err}");
}
