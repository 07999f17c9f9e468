//! Groth16 over BLS12-381 for the transfer-batch circuit (arkworks, `parallel`): setup, proving
//! and the proof and verifying-key encodings here; the prover in `prover` (with `msm` and
//! `r1cs`), the verifier Python calls in `verifier`, the proving-key cache bytes in `keys`.
//!
//! * `prove` runs `prover` (arkworks' synthesis, libsnark's QAP reduction on compact
//!   matrices, blst's multi-scalar multiplications) on a `PreparedProvingKey`; setup is
//!   arkworks'.
//! * `insecure_setup` derives the toxic waste from a seed: anyone who knows the seed can forge
//!   proofs. It is for tests and devnets only; production keys come from a phase-2 ceremony.
//! * Proofs are 192 bytes, compressed `A (G1) || B (G2) || C (G1)` (`verifier::decode_proof`
//!   decodes them); verifying keys are arkworks' compressed encoding. Decoding checks lengths, the
//!   curve and the prime-order subgroups, and that the key has one input slot per public input
//!   (`DecodeError` otherwise).
//! * Python verifies, one proof or a batch, through `verifier` (the same equations on blst's
//!   faster pairing); the arkworks `verify` here checks each fresh proof in `prove`.
//!
//! Groth16 rests on pairings over BLS12-381: it is not post-quantum secure.
#![forbid(unsafe_code)]

pub mod keys;
pub mod msm;
pub mod prover;
#[cfg(test)]
mod prover_tests;
pub mod r1cs;
pub mod verifier;

use crate::circuits::transfer::TransferBatchCircuit;
use crate::circuits::CircuitConfig;
use crate::error::{decode_err, CoreError, CoreResult};
use ark_bls12_381::{Bls12_381, Fr};
use ark_groth16::{Groth16, PreparedVerifyingKey, Proof, ProvingKey, VerifyingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use ark_snark::SNARK;
use prover::PreparedProvingKey;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

pub const PROOF_BYTES: usize = 192;
pub const PUBLIC_INPUTS: usize = 3;
/// Compressed verifying key: alpha, beta, gamma, delta, an 8-byte length and 4 input points.
pub const VERIFYING_KEY_BYTES: usize = 48 + 3 * 96 + 8 + 48 * (PUBLIC_INPUTS + 1);
/// Where the input-point count sits in a compressed verifying key.
const VK_LEN_OFFSET: usize = 48 + 3 * 96;
const SETUP_DST: &[u8] = b"zkpov/insecure-setup";

/// Circuit-specific keys from a seeded RNG. Insecure: the seed reveals the trapdoor.
pub fn insecure_setup(
    config: &CircuitConfig,
    seed: &[u8],
) -> CoreResult<(ProvingKey<Bls12_381>, VerifyingKey<Bls12_381>)> {
    let mut h = Sha256::new();
    h.update(SETUP_DST);
    h.update(config.circuit_id()?.as_bytes());
    h.update(seed);
    let mut rng = ChaCha20Rng::from_seed(h.finalize().into());
    Groth16::<Bls12_381>::circuit_specific_setup(config.blank_circuit(), &mut rng)
        .map_err(|e| CoreError::Proof(format!("setup failed: {e}")))
}

/// Proves a built circuit with fresh randomness (`prover`, on a key prepared once with
/// `PreparedProvingKey::new`), then checks the proof before returning it.
pub fn prove(
    key: &PreparedProvingKey,
    pvk: &PreparedVerifyingKey<Bls12_381>,
    circuit: TransferBatchCircuit,
) -> CoreResult<Proof<Bls12_381>> {
    let inputs = circuit.public_inputs();
    let mut rng =
        ChaCha20Rng::from_rng(rand::rngs::OsRng).map_err(|e| CoreError::Proof(e.to_string()))?;
    let proof = prover::prove(key, circuit, &mut rng)?;
    if !verify(pvk, &inputs, &proof)? {
        return Err(CoreError::Proof(
            "the witness does not satisfy the circuit".into(),
        ));
    }
    Ok(proof)
}

/// arkworks' prepared key (`e(alpha, beta)` and the Miller-loop precomputation of `-gamma` and
/// `-delta`): what `prove` checks each fresh proof against.
pub fn prepare_verifying_key(vk: &VerifyingKey<Bls12_381>) -> PreparedVerifyingKey<Bls12_381> {
    ark_groth16::prepare_verifying_key(vk)
}

fn check_input_count(pvk: &PreparedVerifyingKey<Bls12_381>, n: usize) -> CoreResult<()> {
    if pvk.vk.gamma_abc_g1.len() != n + 1 {
        return Err(CoreError::Verification(format!(
            "verifying key takes {} public inputs, got {n}",
            pvk.vk.gamma_abc_g1.len() - 1
        )));
    }
    Ok(())
}

/// One proof, one prepared key: 3 Miller loops, one final exponentiation.
pub fn verify(
    pvk: &PreparedVerifyingKey<Bls12_381>,
    inputs: &[Fr],
    proof: &Proof<Bls12_381>,
) -> CoreResult<bool> {
    check_input_count(pvk, inputs.len())?;
    Groth16::<Bls12_381>::verify_with_processed_vk(pvk, inputs, proof)
        .map_err(|e| CoreError::Verification(e.to_string()))
}

pub fn encode_proof(proof: &Proof<Bls12_381>) -> Vec<u8> {
    let mut out = Vec::with_capacity(PROOF_BYTES);
    proof
        .serialize_compressed(&mut out)
        .expect("in-memory write");
    out
}

pub fn encode_verifying_key(vk: &VerifyingKey<Bls12_381>) -> Vec<u8> {
    let mut out = Vec::with_capacity(VERIFYING_KEY_BYTES);
    vk.serialize_compressed(&mut out).expect("in-memory write");
    out
}

pub fn decode_verifying_key(bytes: &[u8]) -> CoreResult<VerifyingKey<Bls12_381>> {
    if bytes.len() != VERIFYING_KEY_BYTES {
        return Err(decode_err(format!(
            "verifying key must be {VERIFYING_KEY_BYTES} bytes, got {}",
            bytes.len()
        )));
    }
    let prefix = u64::from_le_bytes(
        bytes[VK_LEN_OFFSET..VK_LEN_OFFSET + 8]
            .try_into()
            .expect("8"),
    );
    if prefix != (PUBLIC_INPUTS + 1) as u64 {
        return Err(decode_err("verifying key must have 4 input points"));
    }
    let vk =
        VerifyingKey::deserialize_with_mode(bytes, Compress::Yes, Validate::Yes).map_err(|e| {
            decode_err(format!(
                "verifying key is not valid compressed points in the subgroups: {e}"
            ))
        })?;
    if vk.gamma_abc_g1.len() != PUBLIC_INPUTS + 1 {
        return Err(decode_err("verifying key must have 4 input points"));
    }
    Ok(vk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::batch_transition::tests::funded_transfer;
    use keys::{decode_proving_key, encode_proving_key};

    #[test]
    fn prove_verify_batch_verify_and_encodings() {
        // The smallest circuit (one slot, one tree level) keeps this fast in the dev profile
        // (its dependencies are built with opt-level 3); the Python tests prove a batch-2,
        // depth-8 circuit on a release build.
        let config = CircuitConfig::new(1, 2).unwrap();
        let (pk, vk) = insecure_setup(&config, b"test").unwrap();
        let pvk = prepare_verifying_key(&vk);
        let key = PreparedProvingKey::new(&pk).unwrap();
        let (state, t) = funded_transfer();
        let circuit = config.build_circuit(&state, &[t]).unwrap();
        let inputs = circuit.public_inputs().to_vec();
        let proof = prove(&key, &pvk, circuit).unwrap();
        assert!(verify(&pvk, &inputs, &proof).unwrap());
        let mut wrong = inputs.clone();
        wrong[1] += Fr::from(1u64);
        assert!(!verify(&pvk, &wrong, &proof).unwrap());
        // The same proof through the verifier Python uses, from its encoding.
        let blst_pvk = verifier::PreparedVerifyingKey::new(&vk).unwrap();
        let decode = |p| verifier::decode_proof(&encode_proof(p)).unwrap();
        let good = (inputs.clone(), decode(&proof));
        let empty = config.build_circuit(&state, &[]).unwrap();
        let empty_inputs = empty.public_inputs().to_vec();
        let other = (empty_inputs, decode(&prove(&key, &pvk, empty).unwrap()));
        assert!(verifier::verify(&blst_pvk, &good.0, &good.1).unwrap());
        assert!(!verifier::verify(&blst_pvk, &other.0, &good.1).unwrap());
        let batch = [good.clone(), other.clone(), good.clone()];
        assert!(verifier::batch_verify(&blst_pvk, &batch).unwrap());
        let swapped = [(other.0.clone(), good.1), other.clone()];
        assert!(!verifier::batch_verify(&blst_pvk, &swapped).unwrap());
        let forged = [good.clone(), (wrong, good.1)];
        assert!(!verifier::batch_verify(&blst_pvk, &forged).unwrap());
        let vk2 = decode_verifying_key(&encode_verifying_key(&vk)).unwrap();
        assert_eq!(vk2, vk);
        assert_eq!(encode_verifying_key(&vk).len(), VERIFYING_KEY_BYTES);
        let pk_bytes = encode_proving_key(&pk);
        assert_eq!(decode_proving_key(&pk_bytes).unwrap(), pk);
        assert!(decode_proving_key(&pk_bytes[..pk_bytes.len() - 1]).is_err());
        let mut bad = pk_bytes.clone();
        bad[G1_PLUS_G2S..G1_PLUS_G2S + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(decode_proving_key(&bad).is_err());
        let stats = crate::circuits::analysis::compute_stats(&config).unwrap();
        assert_eq!(stats.proving_key_size, pk.serialized_size(Compress::Yes));
    }

    const G1_PLUS_G2S: usize = 96 + 3 * 192;
}
