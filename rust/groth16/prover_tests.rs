//! The blst-backed prover against `ark_groth16`: identical proofs for the same randomizers,
//! verifying and randomized proofs, and phase timings (`prover_phase_times`, on request).
use super::msm::{to_bigints, Bases};
use super::prover::{
    self, create_proof, synthesize_assignment, synthesize_matrices, witness_map, PreparedProvingKey,
};
use super::r1cs::CompactMatrices;
use crate::circuits::transfer::TransferBatchCircuit;
use crate::circuits::CircuitConfig;
use crate::groth16::{self, insecure_setup, prepare_verifying_key};
use crate::schnorr::{compute_public_key, generate_secret_key};
use crate::state::batch_transition::tests::signed;
use crate::state::batch_transition::State;
use ark_bls12_381::{Bls12_381, Fr, G1Affine, G1Projective, G2Projective};
use ark_ec::VariableBaseMSM;
use ark_ff::{BigInt, UniformRand};
use ark_groth16::Groth16;
use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystem, OptimizationGoal};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::hint::black_box;
use std::time::Instant;

/// A funded sender paying `transfers` new accounts.
fn circuit(config: &CircuitConfig, transfers: usize) -> TransferBatchCircuit {
    let sk = generate_secret_key();
    let mut state = State::new(config.tree_depth).unwrap();
    state
        .process_credit(1, compute_public_key(&sk), 1_000)
        .unwrap();
    let batch: Vec<_> = (0..transfers as u64)
        .map(|i| signed(&sk, 1, 2 + i, compute_public_key(&sk), 7, i + 1))
        .collect();
    config.build_circuit(&state, &batch).unwrap()
}

#[test]
fn same_proof_as_arkworks_verifies_and_is_randomized() {
    let config = CircuitConfig::new(1, 2).unwrap();
    let (pk, vk) = insecure_setup(&config, b"prover").unwrap();
    let (pvk, key) = (
        prepare_verifying_key(&vk),
        PreparedProvingKey::new(&pk).unwrap(),
    );
    assert_eq!(key.to_proving_key().unwrap(), pk);
    assert_eq!(key.verifying_key(), &vk);
    let c = circuit(&config, 1);
    let inputs = c.public_inputs();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    let matrices = CompactMatrices::new(&synthesize_matrices(c.clone()).unwrap()).unwrap();
    let assignment = synthesize_assignment(c.clone()).unwrap();
    let ours = create_proof(&key, &witness_map(&matrices, assignment).unwrap(), r, s);
    let theirs = Groth16::<Bls12_381>::create_proof_with_reduction(c.clone(), &pk, r, s);
    assert_eq!(ours.unwrap(), theirs.unwrap());

    let p1 = groth16::prove(&key, &pvk, c.clone()).unwrap();
    let p2 = prover::prove(&key, c, &mut rng).unwrap();
    assert_ne!(p1, p2);
    assert!(groth16::verify(&pvk, &inputs, &p1).unwrap());
    assert!(groth16::verify(&pvk, &inputs, &p2).unwrap());
    let mut wrong = inputs;
    wrong[2] += Fr::from(1u64);
    assert!(!groth16::verify(&pvk, &wrong, &p1).unwrap());
}

#[test]
fn rejects_a_key_of_another_circuit_and_a_false_witness() {
    let small = CircuitConfig::new(1, 2).unwrap();
    let (pk, vk) = insecure_setup(&small, b"prover").unwrap();
    let (pvk, key) = (
        prepare_verifying_key(&vk),
        PreparedProvingKey::new(&pk).unwrap(),
    );
    let other = CircuitConfig::new(2, 2).unwrap();
    assert!(groth16::prove(&key, &pvk, circuit(&other, 1)).is_err());
    // The failed first proof left no matrices of the other circuit behind.
    assert!(groth16::prove(&key, &pvk, circuit(&small, 1)).is_ok());
    let mut forged = circuit(&small, 1);
    forged.post_root += Fr::from(1u64);
    assert!(groth16::prove(&key, &pvk, forged).is_err());
}

/// The full prove-mode assignment (constraints kept, as arkworks' prover synthesizes).
fn full_assignment(c: TransferBatchCircuit) -> Vec<Fr> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    c.generate_constraints(cs.clone()).unwrap();
    assert!(cs.is_satisfied().unwrap());
    let cs = cs.into_inner().unwrap();
    [cs.instance_assignment, cs.witness_assignment].concat()
}

/// The values-only Poseidon lanes allocate the same witnesses in the same order.
#[test]
fn assignment_alone_equals_the_full_synthesis() {
    for (batch, depth, transfers) in [(1, 2, 0), (1, 2, 1), (2, 8, 1), (3, 8, 3)] {
        let c = circuit(&CircuitConfig::new(batch, depth).unwrap(), transfers);
        let ours = synthesize_assignment(c.clone()).unwrap();
        let full = full_assignment(c);
        let first = ours.iter().zip(&full).position(|(a, b)| a != b);
        assert_eq!(
            (ours.len(), first),
            (full.len(), None),
            "batch {batch}, depth {depth}: lengths and first difference"
        );
    }
}

/// This process's CPU seconds (all threads, user + system; 10 ms ticks).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    xs[xs.len() / 2]
}

/// Runs `f` `runs` times: median wall seconds and median CPU seconds.
fn time(runs: usize, mut f: impl FnMut()) -> (f64, f64) {
    let (mut wall, mut cpu) = (vec![], vec![]);
    for _ in 0..runs {
        let (t, c) = (Instant::now(), cpu_seconds());
        f();
        wall.push(t.elapsed().as_secs_f64());
        cpu.push(cpu_seconds() - c);
    }
    (median(wall), median(cpu))
}

/// Phase medians for `ZKPOV_BENCH_CONFIGS` (e.g. `2x32,2x40`; default `2x32`), over
/// `ZKPOV_BENCH_RUNS` runs (default 3): `cargo test --release --lib prover_phase_times --
/// --ignored --nocapture`.
#[test]
#[ignore = "a benchmark: minutes of setup"]
fn prover_phase_times() {
    let runs: usize = std::env::var("ZKPOV_BENCH_RUNS").map_or(3, |v| v.parse().unwrap());
    let configs = std::env::var("ZKPOV_BENCH_CONFIGS").unwrap_or_else(|_| "2x32".into());
    for spec in configs.split(',') {
        let (b, d) = spec.split_once('x').unwrap();
        let config = CircuitConfig::new(b.parse().unwrap(), d.parse().unwrap()).unwrap();
        phase_times(&config, runs);
    }
}

fn synthesis_phases(c: &TransferBatchCircuit, runs: usize) -> Vec<(&'static str, (f64, f64))> {
    let mut rows = vec![];
    rows.push((
        "matrices (once per key)",
        time(runs, || {
            _ = black_box(synthesize_matrices(c.clone()).unwrap())
        }),
    ));
    let m = CompactMatrices::new(&synthesize_matrices(c.clone()).unwrap()).unwrap();
    rows.push((
        "assignment (per proof)",
        time(runs, || {
            _ = black_box(synthesize_assignment(c.clone()).unwrap())
        }),
    ));
    let z = synthesize_assignment(c.clone()).unwrap();
    rows.push((
        "witness map (FFTs)",
        time(runs, || _ = black_box(witness_map(&m, z.clone()).unwrap())),
    ));
    rows
}

fn phase_times(config: &CircuitConfig, runs: usize) {
    let t = Instant::now();
    let (pk, vk) = insecure_setup(config, b"bench").unwrap();
    let setup = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let key = PreparedProvingKey::new(&pk).unwrap();
    let prepare_key = t.elapsed().as_secs_f64();
    let pvk = prepare_verifying_key(&vk);
    let c = circuit(config, config.batch_size);
    let m = CompactMatrices::new(&synthesize_matrices(c.clone()).unwrap()).unwrap();
    println!(
        "\n# batch {} depth {}: {} constraints, {} variables; setup {setup:.1} s, key prep {prepare_key:.2} s; non-zero query points [A, B1, B2, H, L] = {:?}; median of {runs}, wall s / CPU s",
        config.batch_size,
        config.tree_depth,
        m.num_constraints(),
        m.num_variables(),
        key.query_sizes()
    );
    let w = witness_map(&m, synthesize_assignment(c.clone()).unwrap()).unwrap();
    let (z, h) = (to_bigints(&w.assignment), to_bigints(&w.h));
    let aux = &z[w.num_inputs..];
    let mut rows = synthesis_phases(&c, runs);
    let g1 = |q: &[G1Affine], v: &[BigInt<4>]| {
        let b = Bases::new(q).unwrap();
        let ark = time(runs, || _ = black_box(G1Projective::msm_bigint(q, v)));
        let ours = time(runs, || _ = black_box(b.msm(v).unwrap()));
        (ark, ours)
    };
    for (name, (ark, ours)) in [
        ("MSM A", g1(&pk.a_query, &z)),
        ("MSM B1", g1(&pk.b_g1_query, &z)),
        ("MSM H", g1(&pk.h_query, &h)),
        ("MSM L", g1(&pk.l_query, aux)),
    ] {
        rows.push((name, ark));
        rows.push(("  blst", ours));
    }
    let lh = Bases::new(&[&pk.l_query[..], &pk.h_query[..]].concat()).unwrap();
    let lh_values = [aux, &h[..pk.h_query.len()]].concat();
    rows.push((
        "MSM L and H as one (blst)",
        time(runs, || _ = black_box(lh.msm(&lh_values).unwrap())),
    ));
    let b2 = Bases::new(&pk.b_g2_query).unwrap();
    let q = &pk.b_g2_query;
    rows.push((
        "MSM B2 (G2)",
        time(runs, || _ = black_box(G2Projective::msm_bigint(q, &z))),
    ));
    rows.push(("  blst", time(runs, || _ = black_box(b2.msm(&z).unwrap()))));
    let class = |v: &&BigInt<4>| match v.0 {
        [0, 0, 0, 0] => 0,
        [1, 0, 0, 0] => 1,
        [_, 0, 0, 0] => 2,
        _ => 3,
    };
    let mut counts = [0usize; 4];
    z.iter().for_each(|v| counts[class(&v)] += 1);
    println!("assignment values [zero, one, < 2^64, larger] = {counts:?}");
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    rows.push((
        "create_proof (blst, 5 MSMs)",
        time(runs, || {
            _ = black_box(create_proof(&key, &w, r, s).unwrap())
        }),
    ));
    rows.push((
        "ark Groth16 prove, all phases",
        time(runs, || {
            _ = black_box(
                Groth16::<Bls12_381>::create_proof_with_reduction(c.clone(), &pk, r, s).unwrap(),
            )
        }),
    ));
    rows.push((
        "ours, all phases",
        time(runs, || {
            _ = black_box(prover::prove(&key, c.clone(), &mut rng).unwrap())
        }),
    ));
    rows.push((
        "groth16::prove (ours + verify)",
        time(runs, || {
            _ = black_box(groth16::prove(&key, &pvk, c.clone()).unwrap())
        }),
    ));
    for (name, (wall, cpu)) in rows {
        println!("{name:>32}: {wall:7.3} s wall {cpu:7.2} s CPU");
    }
}
