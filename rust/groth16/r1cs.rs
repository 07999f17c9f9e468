//! A circuit's constraint matrices in compact form, and their byte encoding for the key cache.
//!
//! arkworks keeps a matrix entry as `(Fr, usize)`: 40 bytes. A transfer circuit's entries are
//! mostly the Poseidon linear layers' coefficients, the same few thousand values in every
//! permutation, so here each distinct coefficient is stored once and an entry is two `u32`s
//! (coefficient index, variable index): 8 bytes. A 2^16-constraint circuit's 1.6 million
//! entries take 13 MB instead of 63 MB.
//!
//! Building the matrices takes a setup-mode synthesis whose linear-combination inlining holds
//! about 230 MB at 2^16 constraints; a prover that loads them from the cache never does.
//! Encoding (little-endian): `u64` instance variables, witness variables, constraints and
//! coefficients; the coefficients (32 bytes each, canonical); then for each of A, B, C the row
//! ends (`u32` per constraint) and the entries (`u32` coefficient, `u32` variable).
#![forbid(unsafe_code)]

use crate::error::{decode_err, CoreError, CoreResult};
use ark_bls12_381::Fr;
use ark_ff::{BigInteger, One, PrimeField, Zero};
use ark_relations::r1cs::ConstraintMatrices;
use rayon::prelude::*;
use std::collections::HashMap;

/// Most constraints a decoded matrix set may have (2^26, far above any batch we prove).
const MAX_CONSTRAINTS: u64 = 1 << 26;
/// Most entries per matrix (row ends are `u32`).
const MAX_ENTRIES: u64 = u32::MAX as u64;
const FR_BYTES: usize = 32;

/// One sparse matrix: row `i` is `entries[ends[i-1]..ends[i]]` (`ends[-1]` = 0).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Sparse {
    ends: Vec<u32>,
    entries: Vec<(u32, u32)>,
}

/// A, B and C of one circuit, with the variable counts they index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompactMatrices {
    pub num_instance_variables: usize,
    pub num_witness_variables: usize,
    coeffs: Vec<Fr>,
    abc: [Sparse; 3],
}

fn too_large(what: &str) -> CoreError {
    CoreError::Proof(format!(
        "the circuit has too many {what} for compact matrices"
    ))
}

fn compact(rows: &[Vec<(Fr, usize)>], table: &mut HashMap<Fr, u32>) -> CoreResult<Sparse> {
    let (mut ends, mut entries) = (Vec::with_capacity(rows.len()), Vec::new());
    for row in rows {
        for (c, v) in row {
            let next = u32::try_from(table.len()).map_err(|_| too_large("coefficients"))?;
            let k = *table.entry(*c).or_insert(next);
            entries.push((k, u32::try_from(*v).map_err(|_| too_large("variables"))?));
        }
        ends.push(u32::try_from(entries.len()).map_err(|_| too_large("entries"))?);
    }
    Ok(Sparse { ends, entries })
}

impl CompactMatrices {
    pub fn new(m: &ConstraintMatrices<Fr>) -> CoreResult<Self> {
        let mut table = HashMap::new();
        let abc = [
            compact(&m.a, &mut table)?,
            compact(&m.b, &mut table)?,
            compact(&m.c, &mut table)?,
        ];
        let mut coeffs = vec![Fr::zero(); table.len()];
        table.into_iter().for_each(|(c, k)| coeffs[k as usize] = c);
        Ok(CompactMatrices {
            num_instance_variables: m.num_instance_variables,
            num_witness_variables: m.num_witness_variables,
            coeffs,
            abc,
        })
    }

    pub fn num_constraints(&self) -> usize {
        self.abc[0].ends.len()
    }

    pub fn num_variables(&self) -> usize {
        self.num_instance_variables + self.num_witness_variables
    }

    /// Matrix `which` (0 = A, 1 = B, 2 = C) times `z`, row by row, on rayon's pool.
    pub fn evaluate(&self, which: usize, z: &[Fr]) -> Vec<Fr> {
        let m = &self.abc[which];
        (0..m.ends.len())
            .into_par_iter()
            .map(|i| {
                let start = if i == 0 { 0 } else { m.ends[i - 1] as usize };
                m.entries[start..m.ends[i] as usize]
                    .iter()
                    .map(|(c, v)| {
                        let (c, x) = (&self.coeffs[*c as usize], z[*v as usize]);
                        if c.is_one() {
                            x
                        } else {
                            x * c
                        }
                    })
                    .sum()
            })
            .collect()
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let n = self.num_constraints();
        for x in [
            self.num_instance_variables,
            self.num_witness_variables,
            n,
            self.coeffs.len(),
        ] {
            out.extend_from_slice(&(x as u64).to_le_bytes());
        }
        self.coeffs
            .iter()
            .for_each(|c| out.extend_from_slice(&c.into_bigint().to_bytes_le()));
        for m in &self.abc {
            m.ends
                .iter()
                .for_each(|e| out.extend_from_slice(&e.to_le_bytes()));
            for (c, v) in &m.entries {
                out.extend_from_slice(&c.to_le_bytes());
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out
    }

    /// Decodes and checks every length, index and coefficient (`DecodeError` otherwise).
    pub fn decode(bytes: &[u8]) -> CoreResult<Self> {
        let mut r = Reader { bytes, at: 0 };
        let (inst, wit) = (
            r.count("instance variables", MAX_CONSTRAINTS)?,
            r.count("witness variables", MAX_CONSTRAINTS)?,
        );
        let n = r.count("constraints", MAX_CONSTRAINTS)?;
        let k = r.count("coefficients", MAX_ENTRIES)?;
        let coeffs = (0..k).map(|_| r.field()).collect::<CoreResult<Vec<Fr>>>()?;
        let mut read = || r.sparse(n, k, inst + wit);
        let abc = [read()?, read()?, read()?];
        if r.at != bytes.len() {
            return Err(decode_err("constraint matrices: trailing bytes"));
        }
        Ok(CompactMatrices {
            num_instance_variables: inst,
            num_witness_variables: wit,
            coeffs,
            abc,
        })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, len: usize) -> CoreResult<&[u8]> {
        let end = self.at.checked_add(len).filter(|e| *e <= self.bytes.len());
        let end = end.ok_or_else(|| decode_err("constraint matrices: truncated"))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn u32(&mut self) -> CoreResult<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn count(&mut self, what: &str, max: u64) -> CoreResult<usize> {
        let b: [u8; 8] = self
            .take(8)?
            .try_into()
            .map_err(|_| decode_err("truncated"))?;
        let x = u64::from_le_bytes(b);
        if x > max {
            return Err(decode_err(format!(
                "constraint matrices: {x} {what}, at most {max}"
            )));
        }
        Ok(x as usize)
    }

    fn field(&mut self) -> CoreResult<Fr> {
        let b = self.take(FR_BYTES)?;
        let x = Fr::from_le_bytes_mod_order(b);
        if x.into_bigint().to_bytes_le() != b {
            return Err(decode_err(
                "constraint matrices: a coefficient is not canonical",
            ));
        }
        Ok(x)
    }

    /// One matrix of `n` rows over `vars` variables and `k` coefficients.
    fn sparse(&mut self, n: usize, k: usize, vars: usize) -> CoreResult<Sparse> {
        let ends = (0..n)
            .map(|_| self.u32())
            .collect::<CoreResult<Vec<u32>>>()?;
        if ends.windows(2).any(|w| w[0] > w[1]) {
            return Err(decode_err("constraint matrices: row ends decrease"));
        }
        let nnz = ends.last().copied().unwrap_or(0) as usize;
        if nnz
            .checked_mul(8)
            .map_or(true, |b| b > self.bytes.len() - self.at)
        {
            return Err(decode_err("constraint matrices: truncated entries"));
        }
        let entries = (0..nnz)
            .map(|_| Ok((self.u32()?, self.u32()?)))
            .collect::<CoreResult<Vec<(u32, u32)>>>()?;
        if entries
            .iter()
            .any(|(c, v)| *c as usize >= k || *v as usize >= vars)
        {
            return Err(decode_err(
                "constraint matrices: an entry indexes past its tables",
            ));
        }
        Ok(Sparse { ends, entries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuits::CircuitConfig;
    use crate::groth16::prover::synthesize_matrices;

    fn matrices() -> (ConstraintMatrices<Fr>, CompactMatrices) {
        let m = synthesize_matrices(CircuitConfig::new(1, 2).unwrap().blank_circuit()).unwrap();
        let c = CompactMatrices::new(&m).unwrap();
        (m, c)
    }

    #[test]
    fn compact_rows_evaluate_like_arkworks_and_round_trip() {
        let (m, c) = matrices();
        assert!(c.coeffs.len() < c.abc.iter().map(|s| s.entries.len()).sum::<usize>());
        let z: Vec<Fr> = (0..c.num_variables())
            .map(|i| Fr::from(i as u64 * 7 + 3))
            .collect();
        for (which, rows) in [&m.a, &m.b, &m.c].into_iter().enumerate() {
            let want: Vec<Fr> = rows
                .iter()
                .map(|row| row.iter().map(|(k, v)| *k * z[*v]).sum())
                .collect();
            assert_eq!(c.evaluate(which, &z), want);
        }
        assert_eq!(CompactMatrices::decode(&c.encode()).unwrap(), c);
    }

    #[test]
    fn corrupt_encodings_are_decode_errors() {
        let (_, c) = matrices();
        let bytes = c.encode();
        for cut in [0, 7, 40, bytes.len() - 1] {
            assert!(
                CompactMatrices::decode(&bytes[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(CompactMatrices::decode(&long).is_err());
        let mut huge = bytes.clone();
        huge[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(CompactMatrices::decode(&huge).is_err());
        let mut bad_coeff = bytes.clone();
        bad_coeff[32..64].copy_from_slice(&[0xff; 32]);
        assert!(CompactMatrices::decode(&bad_coeff).is_err());
        let mut bad_var = bytes.clone();
        let last = bad_var.len() - 4;
        bad_var[last..].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(CompactMatrices::decode(&bad_var).is_err());
    }
}
