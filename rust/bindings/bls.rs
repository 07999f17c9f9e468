//! Python bindings of `crate::bls`. Pairings run with the GIL released.
use super::errors::{guard, guard_nogil};
use crate::bls;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

fn as_refs(items: &[Vec<u8>]) -> Vec<&[u8]> {
    items.iter().map(Vec::as_slice).collect()
}

fn to_bytes<'py>(py: Python<'py>, data: &[u8]) -> Bound<'py, PyBytes> {
    PyBytes::new(py, data)
}

#[pyfunction]
#[pyo3(signature = (ikm, key_info = b"".as_slice()))]
fn bls_keygen<'py>(py: Python<'py>, ikm: &[u8], key_info: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    guard(|| bls::keygen(ikm, key_info)).map(|sk| to_bytes(py, &sk))
}

#[pyfunction]
fn bls_sk_to_pk<'py>(py: Python<'py>, sk: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    guard(|| bls::sk_to_pk(sk)).map(|pk| to_bytes(py, &pk))
}

#[pyfunction]
fn bls_sign<'py>(py: Python<'py>, sk: &[u8], msg: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    guard(|| bls::sign(sk, msg)).map(|sig| to_bytes(py, &sig))
}

#[pyfunction]
fn bls_verify(py: Python<'_>, pk: &[u8], msg: &[u8], sig: &[u8]) -> PyResult<bool> {
    guard_nogil(py, || Ok(bls::verify(pk, msg, sig)))
}

#[pyfunction]
fn bls_aggregate(py: Python<'_>, sigs: Vec<Vec<u8>>) -> PyResult<Bound<'_, PyBytes>> {
    guard(|| bls::aggregate(&as_refs(&sigs))).map(|sig| to_bytes(py, &sig))
}

#[pyfunction]
fn bls_aggregate_pubkeys(py: Python<'_>, pks: Vec<Vec<u8>>) -> PyResult<Bound<'_, PyBytes>> {
    guard(|| bls::aggregate_pubkeys(&as_refs(&pks))).map(|pk| to_bytes(py, &pk))
}

#[pyfunction]
fn bls_fast_aggregate_verify(
    py: Python<'_>,
    pks: Vec<Vec<u8>>,
    msg: &[u8],
    sig: &[u8],
) -> PyResult<bool> {
    guard_nogil(py, || {
        Ok(bls::fast_aggregate_verify(&as_refs(&pks), msg, sig))
    })
}

#[pyfunction]
fn bls_aggregate_verify(
    py: Python<'_>,
    pks: Vec<Vec<u8>>,
    msgs: Vec<Vec<u8>>,
    sig: &[u8],
) -> PyResult<bool> {
    guard_nogil(py, || {
        Ok(bls::aggregate_verify(&as_refs(&pks), &as_refs(&msgs), sig))
    })
}

#[pyfunction]
fn bls_batch_verify(
    py: Python<'_>,
    pks: Vec<Vec<u8>>,
    msgs: Vec<Vec<u8>>,
    sigs: Vec<Vec<u8>>,
) -> PyResult<bool> {
    guard_nogil(py, || {
        Ok(bls::batch_verify(
            &as_refs(&pks),
            &as_refs(&msgs),
            &as_refs(&sigs),
        ))
    })
}

#[pyfunction]
fn bls_pop_prove<'py>(py: Python<'py>, sk: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    guard(|| bls::pop_prove(sk)).map(|sig| to_bytes(py, &sig))
}

#[pyfunction]
fn bls_pop_verify(py: Python<'_>, pk: &[u8], proof: &[u8]) -> PyResult<bool> {
    guard_nogil(py, || Ok(bls::pop_verify(pk, proof)))
}

#[pyfunction]
fn bls_check_g1_point(point: &[u8]) -> PyResult<()> {
    guard(|| bls::check_g1_point(point))
}

#[pyfunction]
fn bls_check_g2_point(point: &[u8]) -> PyResult<()> {
    guard(|| bls::check_g2_point(point))
}

#[pyfunction]
fn bls_hash_to_g2<'py>(py: Python<'py>, msg: &[u8], dst: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    guard(|| Ok(bls::hash_to_g2(msg, dst))).map(|p| to_bytes(py, &p))
}

/// A validated public key (on curve, in subgroup, not the identity), decoded once.
#[pyclass(frozen, module = "zkpov._native")]
struct BlsPublicKey {
    key: blst::min_pk::PublicKey,
}

#[pymethods]
impl BlsPublicKey {
    #[new]
    fn new(data: &[u8]) -> PyResult<Self> {
        guard(|| bls::decode_public_key(data)).map(|key| Self { key })
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        to_bytes(py, &self.key.compress())
    }

    fn verify(&self, py: Python<'_>, msg: &[u8], sig: &[u8]) -> PyResult<bool> {
        guard_nogil(py, || Ok(bls::verify_decoded(&self.key, msg, sig)))
    }
}

/// A message hashed to G2 once, for signing and verifying it under many keys.
#[pyclass(frozen, module = "zkpov._native")]
struct BlsHashedMessage {
    inner: bls::HashedMessage,
}

#[pymethods]
impl BlsHashedMessage {
    #[new]
    fn new(py: Python<'_>, msg: &[u8]) -> PyResult<Self> {
        guard_nogil(py, || Ok(bls::HashedMessage::new(msg))).map(|inner| Self { inner })
    }

    fn sign<'py>(&self, py: Python<'py>, sk: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        guard(|| self.inner.sign(sk)).map(|sig| to_bytes(py, &sig))
    }

    fn verify(&self, py: Python<'_>, pk: &[u8], sig: &[u8]) -> PyResult<bool> {
        guard_nogil(py, || {
            Ok(bls::decode_public_key(pk).is_ok_and(|key| self.inner.verify(&key, sig)))
        })
    }
}

/// A validator set's public keys, decoded and validated once.
#[pyclass(frozen, module = "zkpov._native")]
struct BlsKeySet {
    set: bls::KeySet,
}

#[pymethods]
impl BlsKeySet {
    #[new]
    fn new(pks: Vec<Vec<u8>>) -> PyResult<Self> {
        guard(|| bls::KeySet::new(&as_refs(&pks))).map(|set| Self { set })
    }

    fn __len__(&self) -> usize {
        self.set.len()
    }

    fn aggregate_pubkey<'py>(
        &self,
        py: Python<'py>,
        indices: Vec<usize>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        guard(|| self.set.aggregate(&indices)).map(|pk| to_bytes(py, &pk.compress()))
    }

    fn fast_aggregate_verify(
        &self,
        py: Python<'_>,
        indices: Vec<usize>,
        msg: &[u8],
        sig: &[u8],
    ) -> PyResult<bool> {
        guard_nogil(py, || {
            Ok(self.set.fast_aggregate_verify(&indices, msg, sig))
        })
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(bls_keygen, m)?)?;
    m.add_function(wrap_pyfunction!(bls_sk_to_pk, m)?)?;
    m.add_function(wrap_pyfunction!(bls_sign, m)?)?;
    m.add_function(wrap_pyfunction!(bls_verify, m)?)?;
    m.add_function(wrap_pyfunction!(bls_aggregate, m)?)?;
    m.add_function(wrap_pyfunction!(bls_aggregate_pubkeys, m)?)?;
    m.add_function(wrap_pyfunction!(bls_fast_aggregate_verify, m)?)?;
    m.add_function(wrap_pyfunction!(bls_aggregate_verify, m)?)?;
    m.add_function(wrap_pyfunction!(bls_batch_verify, m)?)?;
    m.add_function(wrap_pyfunction!(bls_pop_prove, m)?)?;
    m.add_function(wrap_pyfunction!(bls_pop_verify, m)?)?;
    m.add_function(wrap_pyfunction!(bls_check_g1_point, m)?)?;
    m.add_function(wrap_pyfunction!(bls_check_g2_point, m)?)?;
    m.add_function(wrap_pyfunction!(bls_hash_to_g2, m)?)?;
    m.add_class::<BlsPublicKey>()?;
    m.add_class::<BlsKeySet>()?;
    m.add_class::<BlsHashedMessage>()?;
    Ok(())
}
