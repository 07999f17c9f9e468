//! Python bindings of `crate::ceremony`: accumulators, parameters and proofs of knowledge as
//! bytes, every heavy step with the GIL released. Verification draws its folding weights from
//! the OS; contributions take the OS's entropy plus the caller's text
//! (`ceremony::get_contribution_rng`).
use super::errors::{guard, guard_nogil};
use crate::ceremony::beacon::{
    contribute_beacon, contribute_phase2_beacon, verify_beacon, verify_phase2_beacon,
};
use crate::ceremony::phase1::{self, Accumulator, Secrets};
use crate::ceremony::pok::{decode_poks, encode_poks};
use crate::ceremony::secret::Secret;
use crate::ceremony::{get_contribution_rng, phase2, start_check, transcript};
use crate::circuits::CircuitConfig;
use crate::error::{decode_err, CoreResult};
use crate::groth16::keys::encode_proving_key;
use ark_bls12_381::Bls12_381;
use ark_groth16::ProvingKey;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rand_chacha::ChaCha20Rng;

type Pair<'py> = (Bound<'py, PyBytes>, Bound<'py, PyBytes>);

fn hash32(bytes: &[u8], what: &str) -> CoreResult<[u8; 32]> {
    bytes
        .try_into()
        .map_err(|_| decode_err(format!("{what} must be 32 bytes, got {}", bytes.len())))
}

fn verify_rng() -> CoreResult<ChaCha20Rng> {
    get_contribution_rng(b"zkpov/ceremony/verify")
}

fn to_pair<'py>(py: Python<'py>, out: (Vec<u8>, Vec<u8>)) -> Pair<'py> {
    (PyBytes::new(py, &out.0), PyBytes::new(py, &out.1))
}

/// The starting accumulator of size `2^log_size`.
#[pyfunction]
fn ceremony_phase1_new(py: Python<'_>, log_size: u8) -> PyResult<Bound<'_, PyBytes>> {
    let bytes = guard_nogil(py, || Ok(Accumulator::new(log_size)?.encode()))?;
    Ok(PyBytes::new(py, &bytes))
}

/// `(accumulator, proofs)`: fresh secrets multiplied into `accumulator`, proven against `parent`.
#[pyfunction]
fn ceremony_phase1_contribute<'py>(
    py: Python<'py>,
    accumulator: &[u8],
    parent: &[u8],
    entropy: &[u8],
) -> PyResult<Pair<'py>> {
    let out = guard_nogil(py, || {
        let (prev, parent) = (
            Accumulator::decode(accumulator)?,
            hash32(parent, "parent hash")?,
        );
        let mut rng = get_contribution_rng(entropy)?;
        let secrets = Secrets::sample(&mut rng);
        let (next, poks) = phase1::contribute(&prev, &secrets, &parent, &mut rng)?;
        Ok((next.encode(), encode_poks(&poks)))
    })?;
    Ok(to_pair(py, out))
}

/// `(accumulator, proofs)` of the beacon contribution (deterministic).
#[pyfunction]
fn ceremony_phase1_beacon<'py>(
    py: Python<'py>,
    accumulator: &[u8],
    parent: &[u8],
    beacon: &[u8],
    log_iterations: u32,
) -> PyResult<Pair<'py>> {
    let out = guard_nogil(py, || {
        let (prev, parent) = (
            Accumulator::decode(accumulator)?,
            hash32(parent, "parent hash")?,
        );
        let (next, poks) = contribute_beacon(&prev, &parent, beacon, log_iterations)?;
        Ok((next.encode(), encode_poks(&poks)))
    })?;
    Ok(to_pair(py, out))
}

/// `next` against its parent `prev` (the beacon's re-derivation too when given).
fn check_phase1(
    prev: &Accumulator,
    next: &Accumulator,
    parent: &[u8],
    proofs: &[u8],
    beacon: &Option<(Vec<u8>, u32)>,
) -> CoreResult<()> {
    let parent = hash32(parent, "parent hash")?;
    let poks: [_; 3] = decode_poks(proofs, 3)?.try_into().expect("3");
    let mut rng = verify_rng()?;
    match beacon {
        Some((value, log)) => verify_beacon(prev, next, &parent, &poks, (value, *log), &mut rng),
        None => phase1::verify_contribution(prev, next, &parent, &poks, &mut rng),
    }
}

/// Checks one phase-1 contribution against its parent (`CeremonyError` naming the check).
#[pyfunction]
#[pyo3(signature = (prev, next, parent, proofs, beacon=None))]
fn ceremony_phase1_verify(
    py: Python<'_>,
    prev: &[u8],
    next: &[u8],
    parent: &[u8],
    proofs: &[u8],
    beacon: Option<(Vec<u8>, u32)>,
) -> PyResult<()> {
    guard_nogil(py, || {
        let (prev, next) = (Accumulator::decode(prev)?, Accumulator::decode(next)?);
        check_phase1(&prev, &next, parent, proofs, &beacon)
    })
}

/// A phase-1 chain being verified: holds the last accepted accumulator, decoded, so that a walk
/// decodes each file once.
#[pyclass(module = "zkpov._native")]
pub struct CeremonyPhase1Chain {
    acc: Accumulator,
}

#[pymethods]
impl CeremonyPhase1Chain {
    #[new]
    fn new(py: Python<'_>, start: &[u8]) -> PyResult<Self> {
        guard_nogil(py, || {
            Ok(Self {
                acc: Accumulator::decode(start)?,
            })
        })
    }

    /// Checks `next` against the last accepted accumulator, then accepts it.
    #[pyo3(signature = (next, parent, proofs, beacon=None))]
    fn check(
        &mut self,
        py: Python<'_>,
        next: &[u8],
        parent: &[u8],
        proofs: &[u8],
        beacon: Option<(Vec<u8>, u32)>,
    ) -> PyResult<()> {
        let acc = &mut self.acc;
        guard_nogil(py, || {
            let next = Accumulator::decode(next)?;
            check_phase1(acc, &next, parent, proofs, &beacon)?;
            *acc = next;
            Ok(())
        })
    }
}

/// The starting phase-2 parameters (cache-format proving key, delta = 1) of a transfer circuit.
#[pyfunction]
fn ceremony_phase2_new<'py>(
    py: Python<'py>,
    phase1: &[u8],
    batch_size: usize,
    tree_depth: u32,
) -> PyResult<Bound<'py, PyBytes>> {
    let config = guard(|| CircuitConfig::new(batch_size, tree_depth))?;
    let bytes = guard_nogil(py, || {
        let acc = Accumulator::decode(phase1)?;
        let m = phase2::synthesize(config.blank_circuit())?;
        Ok(encode_proving_key(&phase2::new_parameters(&acc, &m)?))
    })?;
    Ok(PyBytes::new(py, &bytes))
}

/// Checks published starting parameters of a transfer circuit against the final phase 1 by
/// random combinations (`ceremony::start_check`), `CeremonyError` naming the wrong part.
#[pyfunction]
fn ceremony_phase2_check_start(
    py: Python<'_>,
    phase1: &[u8],
    start: &[u8],
    batch_size: usize,
    tree_depth: u32,
) -> PyResult<()> {
    let config = guard(|| CircuitConfig::new(batch_size, tree_depth))?;
    guard_nogil(py, || {
        let pk = start_check::decode_start(start)?;
        let acc = Accumulator::decode(phase1)?;
        let m = phase2::synthesize(config.blank_circuit())?;
        start_check::check_start(&acc, &m, &pk, &mut verify_rng()?)
    })
}

/// `(parameters, proof)`: a fresh delta multiplied into `parameters`, proven against `parent`.
#[pyfunction]
fn ceremony_phase2_contribute<'py>(
    py: Python<'py>,
    parameters: &[u8],
    parent: &[u8],
    entropy: &[u8],
) -> PyResult<Pair<'py>> {
    let out = guard_nogil(py, || {
        let prev = phase2::decode_parameters(parameters)?;
        let parent = hash32(parent, "parent hash")?;
        let mut rng = get_contribution_rng(entropy)?;
        let delta = Secret::sample(&mut rng);
        let (next, pok) = phase2::contribute(&prev, &delta, &parent, &mut rng)?;
        Ok((encode_proving_key(&next), encode_poks(&[pok])))
    })?;
    Ok(to_pair(py, out))
}

/// `next` against its parent `prev` (the beacon's re-derivation too when given).
fn check_phase2(
    prev: &ProvingKey<Bls12_381>,
    next: &ProvingKey<Bls12_381>,
    parent: &[u8],
    proof: &[u8],
    beacon: &Option<(Vec<u8>, u32)>,
) -> CoreResult<()> {
    let parent = hash32(parent, "parent hash")?;
    let pok = decode_poks(proof, 1)?.remove(0);
    let mut rng = verify_rng()?;
    match beacon {
        Some((value, log)) => {
            verify_phase2_beacon(prev, next, &parent, &pok, (value, *log), &mut rng)
        }
        None => phase2::verify_contribution(prev, next, &parent, &pok, &mut rng),
    }
}

/// `(parameters, proof)` of the phase-2 beacon contribution (deterministic).
#[pyfunction]
fn ceremony_phase2_beacon<'py>(
    py: Python<'py>,
    parameters: &[u8],
    parent: &[u8],
    beacon: &[u8],
    log_iterations: u32,
) -> PyResult<Pair<'py>> {
    let out = guard_nogil(py, || {
        let (prev, parent) = (
            phase2::decode_parameters(parameters)?,
            hash32(parent, "parent hash")?,
        );
        let (next, pok) = contribute_phase2_beacon(&prev, &parent, beacon, log_iterations)?;
        Ok((encode_proving_key(&next), encode_poks(&[pok])))
    })?;
    Ok(to_pair(py, out))
}

/// Checks one phase-2 contribution against its parent (`CeremonyError` naming the check).
#[pyfunction]
#[pyo3(signature = (prev, next, parent, proof, beacon=None))]
fn ceremony_phase2_verify(
    py: Python<'_>,
    prev: &[u8],
    next: &[u8],
    parent: &[u8],
    proof: &[u8],
    beacon: Option<(Vec<u8>, u32)>,
) -> PyResult<()> {
    guard_nogil(py, || {
        let prev = phase2::decode_parameters(prev)?;
        check_phase2(
            &prev,
            &phase2::decode_parameters(next)?,
            parent,
            proof,
            &beacon,
        )
    })
}

/// A phase-2 chain being verified, like `CeremonyPhase1Chain`.
#[pyclass(module = "zkpov._native")]
pub struct CeremonyPhase2Chain {
    params: ProvingKey<Bls12_381>,
}

#[pymethods]
impl CeremonyPhase2Chain {
    #[new]
    fn new(py: Python<'_>, start: &[u8]) -> PyResult<Self> {
        guard_nogil(py, || {
            Ok(Self {
                params: phase2::decode_parameters(start)?,
            })
        })
    }

    /// Checks `next` against the last accepted parameters, then accepts it.
    #[pyo3(signature = (next, parent, proof, beacon=None))]
    fn check(
        &mut self,
        py: Python<'_>,
        next: &[u8],
        parent: &[u8],
        proof: &[u8],
        beacon: Option<(Vec<u8>, u32)>,
    ) -> PyResult<()> {
        let params = &mut self.params;
        guard_nogil(py, || {
            let next = phase2::decode_parameters(next)?;
            check_phase2(params, &next, parent, proof, &beacon)?;
            *params = next;
            Ok(())
        })
    }
}

/// One contribution record's hash (`ceremony::transcript`).
#[pyfunction]
fn ceremony_record_hash<'py>(
    py: Python<'py>,
    parent: &[u8],
    output_sha256: &[u8],
    proofs: &[u8],
    name: &str,
    comment: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    let h = guard(|| {
        let (parent, output) = (
            hash32(parent, "parent hash")?,
            hash32(output_sha256, "output hash")?,
        );
        Ok(transcript::compute_record_hash(
            &parent, &output, proofs, name, comment,
        ))
    })?;
    Ok(PyBytes::new(py, &h))
}

/// The root of a phase-1 chain.
#[pyfunction]
fn ceremony_phase1_root<'py>(
    py: Python<'py>,
    start_sha256: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let h = guard(|| {
        Ok(transcript::compute_phase1_root(&hash32(
            start_sha256,
            "start hash",
        )?))
    })?;
    Ok(PyBytes::new(py, &h))
}

/// The root of a phase-2 chain.
#[pyfunction]
fn ceremony_phase2_root<'py>(
    py: Python<'py>,
    phase1_hash: &[u8],
    circuit_id: &str,
    start_sha256: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let h = guard(|| {
        let phase1 = hash32(phase1_hash, "phase 1 hash")?;
        let start = hash32(start_sha256, "start hash")?;
        Ok(transcript::compute_phase2_root(&phase1, circuit_id, &start))
    })?;
    Ok(PyBytes::new(py, &h))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<CeremonyPhase1Chain>()?;
    m.add_class::<CeremonyPhase2Chain>()?;
    m.add_function(wrap_pyfunction!(ceremony_phase1_new, m)?)?;
    m.add_function(wrap_pyfunction!(ceremony_phase1_contribute, m)?)?;
    m.add_function(wrap_pyfunction!(ceremony_phase1_beacon, m)?)?;
    m.add_function(wrap_pyfunction!(ceremony_phase1_verify, m)?)?;
    m.add_function(wrap_pyfunction!(ceremony_phase2_new, m)?)?;
    m.add_function(wrap_pyfunction!(ceremony_phase2_check_start, m)?)?;
    m.add_function(wrap_pyfunction!(ceremony_phase2_contribute, m)?)?;
    m.add_function(wrap_pyfunction!(ceremony_phase2_verify, m)?)?;
    m.add_function(wrap_pyfunction!(ceremony_phase2_beacon, m)?)?;
    m.add_function(wrap_pyfunction!(ceremony_record_hash, m)?)?;
    m.add_function(wrap_pyfunction!(ceremony_phase1_root, m)?)?;
    m.add_function(wrap_pyfunction!(ceremony_phase2_root, m)?)?;
    Ok(())
}
