//! The Poseidon permutation in R1CS (see `circuits::poseidon` for the hashes built on it).
#![forbid(unsafe_code)]

use super::poseidon::{Fv, PoseidonSpec};
use crate::poseidon::wide;
use ark_bls12_381::Fr;
use ark_ff::{Field, One, Zero};
use ark_r1cs_std::fields::fp::{AllocatedFp, FpVar};
use ark_r1cs_std::R1CSVar;
use ark_relations::r1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};

/// The state of a permutation in progress: each lane is a dense linear combination over `basis`
/// (index 0 is the constant 1). Keeping the linear layers as dense vectors, instead of chains of
/// symbolic linear combinations, makes synthesis and the final inlining several times cheaper.
///
/// When the constraint system keeps no constraints (a prover computing its assignment alone),
/// the lanes track values only (`track` false): the same witness variables, in the same order,
/// without the dense vectors, which cost most of the time of such a synthesis.
/// Untracked, `coeffs` is left as built and never read (values carry constant lanes too).
/// Which lanes are constant follows from the inputs alone (a lane is constant when every lane
/// mixed into it is), so both modes allocate the same variables.
struct Lanes {
    cs: ConstraintSystemRef<Fr>,
    track: bool,
    basis: Vec<Variable>,
    coeffs: Vec<Vec<Fr>>,
    constant: Vec<bool>,
    values: Option<Vec<Fr>>,
}

fn unit(len: usize, i: usize) -> Vec<Fr> {
    let mut v = vec![Fr::zero(); len];
    v[i] = Fr::one();
    v
}

impl Lanes {
    fn new(inputs: &[Fv]) -> Self {
        let cs = inputs
            .iter()
            .fold(ConstraintSystemRef::None, |cs, x| cs.or(x.cs()));
        let mut basis = vec![Variable::One];
        basis.extend(inputs.iter().filter_map(|x| match x {
            FpVar::Var(a) => Some(a.variable),
            FpVar::Constant(_) => None,
        }));
        let mut next = 0;
        let coeffs = inputs
            .iter()
            .map(|x| match x {
                FpVar::Constant(c) => {
                    let mut v = vec![Fr::zero(); basis.len()];
                    v[0] = *c;
                    v
                }
                FpVar::Var(_) => {
                    next += 1;
                    unit(basis.len(), next)
                }
            })
            .collect();
        let values = inputs
            .iter()
            .map(|x| x.value().ok())
            .collect::<Option<Vec<Fr>>>();
        Lanes {
            track: cs.should_construct_matrices() || values.is_none(),
            cs,
            basis,
            coeffs,
            constant: inputs.iter().map(|x| x.is_constant()).collect(),
            values,
        }
    }

    fn value(&self, lane: usize) -> Option<Fr> {
        self.values.as_ref().map(|v| v[lane])
    }

    fn lc(&self, lane: usize) -> LinearCombination<Fr> {
        let terms = self.coeffs[lane]
            .iter()
            .zip(&self.basis)
            .filter(|(c, _)| !c.is_zero());
        let mut lc = LinearCombination(terms.map(|(c, v)| (*c, *v)).collect());
        lc.compactify();
        lc
    }

    fn add_constants(&mut self, rc: &[Fr]) {
        if self.track {
            for (lane, c) in rc.iter().enumerate() {
                self.coeffs[lane][0] += c;
            }
        }
        if let Some(v) = self.values.as_mut() {
            v.iter_mut().zip(rc).for_each(|(x, c)| *x += c);
        }
    }

    /// A witness `a * b` with its constraint; `a`, `b` are linear combinations with values.
    fn mul(
        &self,
        a: LinearCombination<Fr>,
        b: LinearCombination<Fr>,
        value: Option<Fr>,
    ) -> Result<Variable, SynthesisError> {
        let out = self
            .cs
            .new_witness_variable(|| value.ok_or(SynthesisError::AssignmentMissing))?;
        self.cs
            .enforce_constraint(a, b, LinearCombination::from(out))?;
        Ok(out)
    }

    /// The S-box's witnesses `x^2, x^4, x^5` without their constraints (`track` false).
    fn alloc_powers(&self, x: Option<Fr>) -> Result<(), SynthesisError> {
        for k in [2, 4, 5] {
            let value = x
                .map(|x| x.pow([k]))
                .ok_or(SynthesisError::AssignmentMissing);
            self.cs.new_witness_variable(|| value)?;
        }
        Ok(())
    }

    /// Replaces lane `i` by its fifth power (3 constraints, none for a constant lane).
    fn sbox(&mut self, lane: usize) -> Result<(), SynthesisError> {
        let x = self.value(lane);
        let pow = |k: u64| x.map(|x| x.pow([k]));
        if self.constant[lane] {
            if self.track {
                self.coeffs[lane][0] = self.coeffs[lane][0].pow([wide::ALPHA]);
            }
        } else if !self.track {
            self.alloc_powers(x)?;
        } else {
            // One symbolic combination for the three uses: the matrices come out the same
            // (it is inlined into each row), but synthesis holds one dense copy, not three.
            let v: LinearCombination<Fr> = self.cs.new_lc(self.lc(lane))?.into();
            let x2 = self.mul(v.clone(), v.clone(), pow(2))?;
            let x4 = self.mul(x2.into(), x2.into(), pow(4))?;
            let x5 = self.mul(x4.into(), v, pow(5))?;
            self.basis.push(x5);
            self.coeffs.iter_mut().for_each(|c| c.push(Fr::zero()));
            self.coeffs[lane] = unit(self.basis.len(), self.basis.len() - 1);
        }
        if let Some(v) = self.values.as_mut() {
            v[lane] = v[lane].pow([wide::ALPHA]);
        }
        Ok(())
    }

    fn mix(&mut self, mds: &[Vec<Fr>]) {
        self.constant = mds
            .iter()
            .map(|row| {
                row.iter()
                    .zip(&self.constant)
                    .all(|(m, c)| *c || m.is_zero())
            })
            .collect();
        if let Some(v) = self.values.as_mut() {
            let old = v.clone();
            for (x, row) in v.iter_mut().zip(mds) {
                *x = row.iter().zip(&old).map(|(m, y)| *m * y).sum();
            }
        }
        if self.track {
            self.mix_coeffs(mds);
        }
    }

    fn mix_coeffs(&mut self, mds: &[Vec<Fr>]) {
        let len = self.basis.len();
        self.coeffs = mds
            .iter()
            .map(|row| {
                let mut out = vec![Fr::zero(); len];
                for (m, lane) in row.iter().zip(&self.coeffs) {
                    out.iter_mut().zip(lane).for_each(|(o, c)| *o += *m * c);
                }
                out
            })
            .collect();
    }

    /// After a full round every lane is a combination of the new S-box outputs alone.
    fn drop_unused_basis(&mut self) {
        if !self.track {
            return;
        }
        let keep: Vec<usize> = (0..self.basis.len())
            .filter(|&k| k == 0 || self.coeffs.iter().any(|c| !c[k].is_zero()))
            .collect();
        self.basis = keep.iter().map(|&k| self.basis[k]).collect();
        for c in self.coeffs.iter_mut() {
            *c = keep.iter().map(|&k| c[k]).collect();
        }
    }

    /// The lane as a variable: a symbolic linear combination. Untracked, it is the lane's value
    /// times the constant 1: no constraint reads it then, but arkworks evaluates variables'
    /// values from their combinations.
    fn output(&self, lane: usize) -> Result<Fv, SynthesisError> {
        let value = self.value(lane);
        if self.constant[lane] {
            // Untracked lanes always have values; tracked constant lanes keep theirs in `coeffs`.
            let c = if self.track {
                Some(self.coeffs[lane][0])
            } else {
                value
            };
            return c.map(Fv::Constant).ok_or(SynthesisError::AssignmentMissing);
        }
        let lc = match (self.track, value) {
            (false, Some(v)) => LinearCombination::from((v, Variable::One)),
            _ => self.lc(lane),
        };
        let var = self.cs.new_lc(lc)?;
        Ok(FpVar::Var(AllocatedFp::new(value, var, self.cs.clone())))
    }
}

/// The permutation, in place.
pub fn permute_var(spec: &PoseidonSpec, state: &mut [Fv]) -> Result<(), SynthesisError> {
    let mut lanes = Lanes::new(state);
    for (round, rc) in spec.ark.iter().enumerate() {
        lanes.add_constants(rc);
        let full = wide::is_full_round(round, spec.full_rounds, spec.partial_rounds);
        for lane in 0..if full { state.len() } else { 1 } {
            lanes.sbox(lane)?;
        }
        lanes.mix(&spec.mds);
        if full {
            lanes.drop_unused_basis();
        }
    }
    for (i, x) in state.iter_mut().enumerate() {
        *x = lanes.output(i)?;
    }
    Ok(())
}
