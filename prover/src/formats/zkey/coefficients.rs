//! The zkey's coefficient section (4) into A and B.

use ark_bn254::Fr;

use super::COEFF_BYTES;
use crate::formats::cursor::{Cursor, Encoding};
use crate::formats::error::FormatError;
use crate::r1cs::{SparseMatrix, SparseMatrixBuilder};

/// A and B from the coefficient section, without the input rows zkey new
/// appends (checked to be exactly `A[nC + s][s] = 1`); returns nC.
///
/// Entries may come in any order (snarkjs writes them constraint by
/// constraint, A then B): a first pass validates each and counts the
/// entries of every row, a counting sort orders their indices by row
/// (4 bytes an entry), and a second pass decodes them row by row
/// straight into [`SparseMatrix`]'s rows, keeping each row's file order.
pub(super) fn coefficients(
    c: &mut Cursor<'_>,
    n_vars: usize,
    n_public: usize,
    domain_size: usize,
) -> Result<(SparseMatrix<Fr>, SparseMatrix<Fr>, usize), FormatError> {
    let at = c.here();
    let n = c.u32()? as usize;
    c.expect_len((n * COEFF_BYTES) as u64)?;
    let records = c.clone();
    let record = |c: &mut Cursor<'_>| -> Result<(usize, usize, usize, Fr), FormatError> {
        let m = c.index("matrix (0 = A, 1 = B)", 2)? as usize;
        let row = c.index("row", domain_size as u64)? as usize;
        let sig = c.index("signal", n_vars as u64)? as usize;
        Ok((m, row, sig, c.fr(Encoding::Montgomery2)?))
    };
    // Pass 1: validate, count per (matrix, row), find nC.
    let mut counts = [vec![0u32; domain_size + 1], vec![0u32; domain_size + 1]];
    let mut max_row = 0;
    for _ in 0..n {
        let (m, row, _, _) = record(c)?;
        counts[m][row + 1] += 1;
        max_row = max_row.max(row);
    }
    let Some(nc) = max_row.checked_sub(n_public) else {
        return Err(FormatError::Unsupported {
            at,
            what: "no input rows (A[nConstraints + s][s] = 1) in the coefficient section",
        });
    };
    // The counting sort: `order[m][starts[m][row]..starts[m][row + 1]]`
    // are the indices of row `row`'s entries of matrix `m`.
    let mut starts = counts;
    for s in &mut starts {
        for r in 1..s.len() {
            s[r] += s[r - 1];
        }
    }
    let mut next = starts.clone();
    let mut order = [
        vec![0u32; starts[0][domain_size] as usize],
        vec![0u32; starts[1][domain_size] as usize],
    ];
    let mut pass = records.clone();
    for i in 0..n {
        let (m, row, _, _) = record(&mut pass)?;
        order[m][next[m][row] as usize] = i as u32;
        next[m][row] += 1;
    }
    // Pass 2: rows in order; the input rows are checked, not kept.
    let mut input_rows = vec![false; n_public + 1];
    let too_big = |_| FormatError::Unsupported {
        at,
        what: "2^32 or more matrix entries",
    };
    let mut build = |m: usize| -> Result<SparseMatrix<Fr>, FormatError> {
        let mut b = SparseMatrixBuilder::with_capacity(nc, order[m].len());
        for row in 0..=max_row {
            for &i in &order[m][starts[m][row] as usize..starts[m][row + 1] as usize] {
                let mut rc = records.clone();
                rc.bytes(i as usize * COEFF_BYTES)?;
                let (_, _, sig, v) = record(&mut rc)?;
                if row < nc {
                    b.push(sig, v).map_err(too_big)?;
                    continue;
                }
                let s = row - nc;
                if m != 0 || sig != s || v != Fr::from(1u64) || input_rows[s] {
                    return Err(FormatError::Unsupported {
                        at,
                        what: "an input row is not A[nConstraints + s][s] = 1",
                    });
                }
                input_rows[s] = true;
            }
            if row < nc {
                b.end_row().map_err(too_big)?;
            }
        }
        Ok(b.finish())
    };
    let (a, b) = (build(0)?, build(1)?);
    if input_rows.iter().any(|&x| !x) {
        return Err(FormatError::Unsupported {
            at,
            what: "an input row A[nConstraints + s][s] = 1 is missing",
        });
    }
    Ok((a, b, nc))
}
