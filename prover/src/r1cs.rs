//! A circuit's rank-1 constraint system as the prover holds it: A, B and
//! (when known) C in compressed sparse rows, and the variable counts. It
//! comes from synthesising any `ConstraintSynthesizer` once
//! ([`R1cs::synthesize`]), from a key directory's `matrices.bin`
//! ([`R1cs::from_bytes`], written by [`R1cs::to_bytes`]), from a circom
//! `.r1cs` or from a snarkjs `.zkey` (which holds only A and B:
//! see [`crate::formats`]).
//!
//! Variables are numbered as arkworks and circom both do: `0` is the
//! constant one, then the `num_instance - 1` public inputs, then the
//! witness.

use std::collections::HashMap;

use ark_bn254::Fr;
use ark_ff::{One, PrimeField};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, Matrix, OptimizationGoal, SynthesisMode,
    R1CS_PREDICATE_LABEL,
};

use crate::error::ProverError;
use crate::formats::binfile::put_fr;
use crate::formats::cursor::{Cursor, Encoding};
use crate::formats::error::{At, FileKind, FormatError};

/// One R1CS matrix in compressed sparse rows, 8 bytes an entry (ark-relations'
/// `Matrix` spends 40 plus a vector per row): a variable index and an index
/// into a table of the distinct coefficients, where 0 stands for 1 and 1
/// for -1 (the common cases, added without a multiplication).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SparseMatrix<F: PrimeField> {
    row_start: Vec<u32>,
    vars: Vec<u32>,
    coeff_ids: Vec<u32>,
    coeffs: Vec<F>,
}

impl<F: PrimeField> SparseMatrix<F> {
    /// Converts ark-relations' row-of-pairs matrix (also what the circom
    /// file readers build); indices are stored as `u32`, so a matrix with
    /// 2^32 or more entries or variables is refused.
    pub fn from_matrix(m: &Matrix<F>) -> Result<Self, ProverError> {
        let nnz: usize = m.iter().map(Vec::len).sum();
        let mut out = SparseMatrixBuilder::with_capacity(m.len(), nnz);
        for row in m {
            for (c, v) in row {
                out.push(*v, *c)?;
            }
            out.end_row()?;
        }
        Ok(out.finish())
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.row_start.len() - 1
    }

    /// Number of non-zero entries.
    pub fn nnz(&self) -> usize {
        self.vars.len()
    }

    /// Row `i`'s entries as `(variable, coefficient)`.
    pub fn row(&self, i: usize) -> impl Iterator<Item = (usize, F)> + '_ {
        let (s, e) = (self.row_start[i] as usize, self.row_start[i + 1] as usize);
        (s..e).map(|k| {
            (
                self.vars[k] as usize,
                self.coeffs[self.coeff_ids[k] as usize],
            )
        })
    }

    /// Row `i` dotted with the assignment `z`.
    #[inline]
    pub fn row_dot(&self, i: usize, z: &[F]) -> F {
        let (s, e) = (self.row_start[i] as usize, self.row_start[i + 1] as usize);
        let mut acc = F::zero();
        for k in s..e {
            let v = z[self.vars[k] as usize];
            match self.coeff_ids[k] {
                0 => acc += v,
                1 => acc -= v,
                id => acc += self.coeffs[id as usize] * v,
            }
        }
        acc
    }

    /// The largest variable index used, plus one (0 for no entries).
    pub fn var_bound(&self) -> usize {
        self.vars.iter().max().map_or(0, |&v| v as usize + 1)
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        4 * (self.row_start.len() + self.vars.len() + self.coeff_ids.len())
            + self.coeffs.len() * std::mem::size_of::<F>()
    }
}

/// A matrix too large for [`SparseMatrix`]'s `u32` indices.
#[derive(Debug, thiserror::Error)]
#[error("the R1CS has 2^32 or more {0}")]
pub struct MatrixTooLarge(&'static str);

impl From<MatrixTooLarge> for ProverError {
    fn from(e: MatrixTooLarge) -> Self {
        Self::Synthesis(e.to_string())
    }
}

/// Builds a [`SparseMatrix`] row by row, entry by entry, with no
/// intermediate row-of-pairs matrix (the file readers stream into it).
pub struct SparseMatrixBuilder<F: PrimeField> {
    m: SparseMatrix<F>,
    table: HashMap<F, u32>,
}

impl<F: PrimeField> SparseMatrixBuilder<F> {
    /// An empty matrix with room for `rows` rows and `nnz` entries.
    pub fn with_capacity(rows: usize, nnz: usize) -> Self {
        let mut row_start = Vec::with_capacity(rows + 1);
        row_start.push(0);
        let mut table = HashMap::new();
        table.insert(F::one(), 0);
        table.insert(-F::one(), 1);
        Self {
            m: SparseMatrix {
                row_start,
                vars: Vec::with_capacity(nnz),
                coeff_ids: Vec::with_capacity(nnz),
                coeffs: vec![F::one(), -F::one()],
            },
            table,
        }
    }

    /// Adds `coeff * z[var]` to the current row.
    pub fn push(&mut self, var: usize, coeff: F) -> Result<(), MatrixTooLarge> {
        let var = u32::try_from(var).map_err(|_| MatrixTooLarge("variables"))?;
        // 1 and -1 (ids 0 and 1) are most entries: skip hashing them.
        let id = match self.table.get(&coeff) {
            _ if coeff == self.m.coeffs[0] => 0,
            _ if coeff == self.m.coeffs[1] => 1,
            Some(&id) => id,
            None => {
                let id = u32::try_from(self.m.coeffs.len())
                    .map_err(|_| MatrixTooLarge("distinct coefficients"))?;
                self.m.coeffs.push(coeff);
                self.table.insert(coeff, id);
                id
            }
        };
        self.m.vars.push(var);
        self.m.coeff_ids.push(id);
        Ok(())
    }

    /// Ends the current row.
    pub fn end_row(&mut self) -> Result<(), MatrixTooLarge> {
        let end = u32::try_from(self.m.vars.len()).map_err(|_| MatrixTooLarge("entries"))?;
        self.m.row_start.push(end);
        Ok(())
    }

    /// The matrix.
    pub fn finish(self) -> SparseMatrix<F> {
        self.m
    }
}

impl SparseMatrix<Fr> {
    fn write(&self, out: &mut Vec<u8>) {
        for n in [self.rows(), self.nnz(), self.coeffs.len()] {
            out.extend_from_slice(&(n as u64).to_le_bytes());
        }
        for v in self
            .row_start
            .iter()
            .chain(&self.vars)
            .chain(&self.coeff_ids)
        {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for c in &self.coeffs {
            put_fr(out, c);
        }
    }

    /// Reads what [`Self::write`] wrote, checking every index against its
    /// bound (rows, `num_vars`, the coefficient table) and that the table
    /// starts with 1 and -1, which [`Self::row_dot`] assumes.
    fn read(c: &mut Cursor<'_>, rows: usize, num_vars: usize) -> Result<Self, FormatError> {
        let at = c.here();
        let (r, nnz, nc) = (c.u64()?, c.u64()?, c.u64()?);
        let mismatch = |what, expected: usize, found: u64| FormatError::Mismatch {
            at,
            what,
            expected: expected as u64,
            found,
        };
        if r != rows as u64 {
            return Err(mismatch("rows", rows, r));
        }
        // Each entry takes 8 bytes and each coefficient 32: bound the counts
        // by what is left before allocating for them.
        let left = c.remaining() as u64;
        if nnz > left / 8 || nc > left / 32 || r >= left / 4 {
            return Err(FormatError::Truncated {
                at: c.here(),
                needed: nnz.saturating_mul(8).saturating_add(nc.saturating_mul(32)),
                left,
            });
        }
        let (nnz, nc) = (nnz as usize, nc as usize);
        let mut u32s =
            |n: usize, what: &'static str, bound: u64| -> Result<Vec<u32>, FormatError> {
                (0..n).map(|_| c.index(what, bound)).collect()
            };
        let row_start = u32s(rows + 1, "row start", nnz as u64 + 1)?;
        let vars = u32s(nnz, "variable", num_vars as u64)?;
        let coeff_ids = u32s(nnz, "coefficient id", nc as u64)?;
        if row_start[0] != 0 || row_start[rows] as usize != nnz {
            return Err(mismatch("last row end", nnz, row_start[rows].into()));
        }
        if let Some(i) = row_start.windows(2).position(|w| w[0] > w[1]) {
            return Err(FormatError::OutOfRange {
                at,
                what: "row start (decreasing) of row",
                value: i as u64,
                bound: rows as u64,
            });
        }
        let coeffs: Vec<Fr> = (0..nc)
            .map(|_| c.fr(Encoding::Normal))
            .collect::<Result<_, _>>()?;
        if coeffs.len() < 2 || !coeffs[0].is_one() || coeffs[1] != -Fr::one() {
            return Err(FormatError::Unsupported {
                at,
                what: "coefficient table does not start with 1, -1",
            });
        }
        Ok(Self {
            row_start,
            vars,
            coeff_ids,
            coeffs,
        })
    }
}

/// A circuit's R1CS: its matrices and sizes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct R1cs {
    /// A (one row per constraint).
    pub a: SparseMatrix<Fr>,
    /// B.
    pub b: SparseMatrix<Fr>,
    /// C, when known: a snarkjs zkey holds only A and B (the prover needs
    /// no more, since `C·z = A·z ∘ B·z` for a satisfying witness). With C
    /// the prover checks every row before proving.
    pub c: Option<SparseMatrix<Fr>>,
    /// Instance variables, including the constant 1.
    pub num_instance: usize,
    /// Witness variables.
    pub num_witness: usize,
    /// Constraints.
    pub num_constraints: usize,
}

/// Magic of `matrices.bin`.
const MATRICES_MAGIC: &[u8; 8] = b"zkrR1CS1";

impl R1cs {
    /// The R1CS of any circuit: one setup-mode synthesis (no witness).
    pub fn synthesize<C: ConstraintSynthesizer<Fr>>(circuit: C) -> Result<Self, ProverError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        circuit.generate_constraints(cs.clone())?;
        cs.finalize();
        let mut m = cs.to_matrices()?;
        let abc: Vec<Matrix<Fr>> = m
            .remove(R1CS_PREDICATE_LABEL)
            .ok_or_else(|| ProverError::Synthesis("no R1CS predicate".into()))?;
        drop(m);
        let [a, b, c]: [Matrix<Fr>; 3] = abc.try_into().map_err(|v: Vec<_>| {
            ProverError::Synthesis(format!("R1CS predicate has {} matrices, not 3", v.len()))
        })?;
        Ok(Self {
            a: SparseMatrix::from_matrix(&a)?,
            b: SparseMatrix::from_matrix(&b)?,
            c: Some(SparseMatrix::from_matrix(&c)?),
            num_instance: cs.num_instance_variables(),
            num_witness: cs.num_witness_variables(),
            num_constraints: cs.num_constraints(),
        })
    }

    /// All variables: instance (with the constant) and witness.
    pub fn num_variables(&self) -> usize {
        self.num_instance + self.num_witness
    }

    /// `matrices.bin`: a magic, the three counts, whether C is present,
    /// then each matrix's rows, entries, coefficient count, row starts,
    /// variables, coefficient ids (`u32`) and coefficients (canonical, 32
    /// bytes); little-endian. Read by [`Self::from_bytes`] without any
    /// synthesis.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MATRICES_MAGIC.to_vec();
        for n in [self.num_instance, self.num_witness, self.num_constraints] {
            out.extend_from_slice(&(n as u64).to_le_bytes());
        }
        out.push(u8::from(self.c.is_some()));
        for m in [Some(&self.a), Some(&self.b), self.c.as_ref()]
            .into_iter()
            .flatten()
        {
            m.write(&mut out);
        }
        out
    }

    /// Reads [`Self::to_bytes`]'s format; every index is checked, so a
    /// corrupt file is a [`FormatError`], never a panic in the prover.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FormatError> {
        let at = At {
            kind: FileKind::Matrices,
            section: None,
            offset: 0,
        };
        if bytes.len() < MATRICES_MAGIC.len() || &bytes[..8] != MATRICES_MAGIC {
            return Err(FormatError::BadMagic {
                kind: FileKind::Matrices,
                found: bytes.iter().take(8).copied().collect(),
                expected: MATRICES_MAGIC,
            });
        }
        let mut c = Cursor::over(bytes, 8, at);
        let counts = [c.u64()?, c.u64()?, c.u64()?];
        let [ni, nw, nc] = counts.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        let has_c = c.bytes(1)?[0];
        if ni == 0 || ni.checked_add(nw).is_none() || has_c > 1 {
            return Err(FormatError::Unsupported {
                at,
                what: "no instance variable, or a bad C flag",
            });
        }
        let vars = ni + nw;
        let a = SparseMatrix::read(&mut c, nc, vars)?;
        let b = SparseMatrix::read(&mut c, nc, vars)?;
        let cm = if has_c == 1 {
            Some(SparseMatrix::read(&mut c, nc, vars)?)
        } else {
            None
        };
        c.finish()?;
        Ok(Self {
            a,
            b,
            c: cm,
            num_instance: ni,
            num_witness: nw,
            num_constraints: nc,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use rand::{Rng, SeedableRng};

    /// A random system of `rows` constraints over `vars` variables, 3 of
    /// them instance (with the constant).
    pub(crate) fn random(rows: usize, vars: usize, seed: u64) -> R1cs {
        let mut r = rand::rngs::StdRng::seed_from_u64(seed);
        let mut m = || -> Matrix<Fr> {
            (0..rows)
                .map(|_| {
                    (0..r.gen_range(0..4))
                        .map(|_| {
                            let c = if r.gen_bool(0.5) {
                                Fr::one()
                            } else {
                                Fr::rand(&mut r)
                            };
                            (c, r.gen_range(0..vars))
                        })
                        .collect()
                })
                .collect()
        };
        let (a, b, c) = (m(), m(), m());
        R1cs {
            a: SparseMatrix::from_matrix(&a).unwrap(),
            b: SparseMatrix::from_matrix(&b).unwrap(),
            c: Some(SparseMatrix::from_matrix(&c).unwrap()),
            num_instance: 3,
            num_witness: vars - 3,
            num_constraints: rows,
        }
    }

    #[test]
    fn matrices_file_round_trips() {
        for (rows, vars) in [(0, 3), (1, 4), (500, 40)] {
            let r = random(rows, vars, rows as u64);
            assert_eq!(R1cs::from_bytes(&r.to_bytes()).unwrap(), r);
            let mut no_c = r.clone();
            no_c.c = None;
            assert_eq!(R1cs::from_bytes(&no_c.to_bytes()).unwrap(), no_c);
        }
    }

    #[test]
    fn every_truncation_and_corruption_is_a_typed_error() {
        let bytes = random(40, 12, 9).to_bytes();
        for cut in 0..bytes.len() {
            assert!(R1cs::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        // Each byte flipped: an error or a valid R1CS, never a panic; a
        // flipped variable index beyond the count is refused.
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0xff;
            if let Ok(r) = R1cs::from_bytes(&b) {
                for m in [&r.a, &r.b] {
                    assert!(m.var_bound() <= r.num_variables());
                }
            }
        }
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(matches!(
            R1cs::from_bytes(&extra),
            Err(FormatError::TrailingBytes { .. })
        ));
    }
}
