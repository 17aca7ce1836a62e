//! A synthesised R1CS with its assignment, checked incrementally: A·z, B·z
//! and C·z are kept per row, and a change of a few variables re-evaluates
//! only the rows of their columns.

use std::collections::BTreeSet;

use ark_ff::{AdditiveGroup, Field, Zero};
use ark_relations::gr1cs::{
    ConstraintLayer, ConstraintSynthesizer, ConstraintSystem, ConstraintTrace, Matrix,
    OptimizationGoal, TracingMode, R1CS_PREDICATE_LABEL,
};
use tracing_subscriber::layer::SubscriberExt;
use zkroll_circuits::Fr;

/// Change variable `var` by `by`.
#[derive(Clone, Copy)]
pub struct Delta {
    /// Index in z.
    pub var: usize,
    /// Added to z[var].
    pub by: Fr,
}

/// The matrices, the assignment and each row's rule trace.
pub struct System {
    /// A, B, C rows: (coefficient, variable index in z).
    m: [Matrix<Fr>; 3],
    /// Columns of A, B, C: (coefficient, row), rows ascending.
    cols: [Matrix<Fr>; 3],
    /// M·z per matrix and row.
    mz: [Vec<Fr>; 3],
    /// The full assignment (1, instance, witness).
    pub z: Vec<Fr>,
    /// Instance variables, the constant 1 included: z[..num_instance].
    pub num_instance: usize,
    traces: Vec<Option<ConstraintTrace>>,
}

fn mat_vec(m: &Matrix<Fr>, z: &[Fr]) -> Vec<Fr> {
    m.iter()
        .map(|row| row.iter().map(|(c, v)| *c * z[*v]).sum())
        .collect()
}

impl System {
    /// Synthesises `c` in prove mode with constraint tracing on (as
    /// `zkroll_circuits::first_unsatisfied`), finalises it and keeps the
    /// R1CS matrices and assignment.
    pub fn synthesise<C: ConstraintSynthesizer<Fr>>(c: C) -> Self {
        let mut layer = ConstraintLayer::default();
        layer.mode = TracingMode::OnlyConstraints;
        let subscriber = tracing_subscriber::Registry::default().with(layer);
        let _guard = tracing::subscriber::set_default(subscriber);
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        c.generate_constraints(cs.clone()).expect("synthesis");
        cs.finalize();
        let mut mats = cs.to_matrices().expect("matrices");
        let mut abc = mats
            .remove(R1CS_PREDICATE_LABEL)
            .expect("an R1CS predicate");
        assert!(mats.is_empty(), "only the R1CS predicate is used");
        assert_eq!(abc.len(), 3);
        let cm = abc.pop().unwrap();
        let bm = abc.pop().unwrap();
        let am = abc.pop().unwrap();
        let b = cs.borrow().unwrap();
        let instance = b.instance_assignment().unwrap().to_vec();
        let num_instance = instance.len();
        let z = [instance, b.witness_assignment().unwrap().to_vec()].concat();
        let traces = b.predicate_traces[R1CS_PREDICATE_LABEL].clone();
        drop(b);
        let n = z.len();
        let m = [am, bm, cm];
        let cols = [0, 1, 2].map(|i| ark_relations::gr1cs::transpose(&m[i], n));
        let mz = [0, 1, 2].map(|i| mat_vec(&m[i], &z));
        assert_eq!(traces.len(), m[0].len());
        Self {
            m,
            cols,
            mz,
            z,
            num_instance,
            traces,
        }
    }

    /// Number of constraints.
    pub fn num_rows(&self) -> usize {
        self.m[0].len()
    }

    /// Nonzero entries of A, B and C.
    pub fn nonzeros(&self) -> usize {
        self.m
            .iter()
            .map(|m| m.iter().map(Vec::len).sum::<usize>())
            .sum()
    }

    /// The first row with A·z * B·z != C·z.
    pub fn first_unsatisfied_row(&self) -> Option<usize> {
        (0..self.num_rows()).find(|&r| self.mz[0][r] * self.mz[1][r] != self.mz[2][r])
    }

    /// The variables occurring in row `r`.
    pub fn row_vars(&self, r: usize) -> Vec<usize> {
        let s: BTreeSet<usize> = self
            .m
            .iter()
            .flat_map(|m| m[r].iter().map(|e| e.1))
            .collect();
        s.into_iter().collect()
    }

    /// Coefficients (A, B, C) of variable `v` in row `r`.
    fn coeffs(&self, r: usize, v: usize) -> [Fr; 3] {
        [0, 1, 2].map(|i| self.m[i][r].iter().filter(|e| e.1 == v).map(|e| e.0).sum())
    }

    /// Whether every row stays satisfied with `deltas` applied.
    pub fn still_satisfied(&self, deltas: &[Delta]) -> bool {
        let mut touched: Vec<(usize, usize, Fr)> = Vec::new();
        for d in deltas {
            for (i, cols) in self.cols.iter().enumerate() {
                touched.extend(cols[d.var].iter().map(|(c, r)| (*r, i, *c * d.by)));
            }
        }
        touched.sort_unstable_by_key(|t| t.0);
        let mut k = 0;
        while k < touched.len() {
            let r = touched[k].0;
            let mut v = [self.mz[0][r], self.mz[1][r], self.mz[2][r]];
            while k < touched.len() && touched[k].0 == r {
                v[touched[k].1] += touched[k].2;
                k += 1;
            }
            if v[0] * v[1] != v[2] {
                return false;
            }
        }
        true
    }

    /// A delta for `k` that keeps row `r` satisfied once `j` changed by
    /// `d1` (a root of the row's quadratic in it), if one exists and is
    /// nonzero.
    pub fn compensate(&self, r: usize, j: usize, d1: Fr, k: usize) -> Option<Fr> {
        let cj = self.coeffs(r, j);
        let ck = self.coeffs(r, k);
        let a = self.mz[0][r] + d1 * cj[0];
        let b = self.mz[1][r] + d1 * cj[1];
        let c = self.mz[2][r] + d1 * cj[2];
        // (a + x ck0)(b + x ck1) = c + x ck2
        let q = ck[0] * ck[1];
        let p = ck[0] * b + ck[1] * a - ck[2];
        let s = a * b - c;
        let x = if q.is_zero() {
            -s * p.inverse()?
        } else {
            let disc = (p * p - q * s.double().double()).sqrt()?;
            (disc - p) * (q.double()).inverse()?
        };
        (!x.is_zero()).then_some(x)
    }

    /// The rule path (names of the `gr1cs` spans, outermost first) of row `r`.
    pub fn row_name(&self, r: usize) -> String {
        match &self.traces[r] {
            None => "(no span)".into(),
            Some(t) => t
                .path()
                .iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
                .join("/"),
        }
    }

    /// How variable `v` occurs: per row, the row's rule path and its role
    /// (the matrices it is in; for a factor of A or B alone, whether the
    /// other factor is zero), deduplicated and sorted.
    pub fn signature(&self, v: usize) -> String {
        let rows: BTreeSet<usize> = self
            .cols
            .iter()
            .flat_map(|c| c[v].iter().map(|e| e.1))
            .collect();
        if rows.is_empty() {
            return "unconstrained: in no row".into();
        }
        let parts: BTreeSet<String> = rows
            .iter()
            .map(|&r| {
                let c = self.coeffs(r, v);
                let role = match (!c[0].is_zero(), !c[1].is_zero(), !c[2].is_zero()) {
                    (true, false, false) if self.mz[1][r].is_zero() => {
                        format!("A·m with B·z = 0 (B has {} terms)", self.m[1][r].len())
                    }
                    (false, true, false) if self.mz[0][r].is_zero() => {
                        format!("B·m with A·z = 0 (A has {} terms)", self.m[0][r].len())
                    }
                    (a, b, c) => [(a, "A"), (b, "B"), (c, "C")]
                        .iter()
                        .filter(|x| x.0)
                        .map(|x| x.1)
                        .collect::<String>(),
                };
                format!("{}: {role}", self.row_name(r))
            })
            .collect();
        parts.into_iter().collect::<Vec<_>>().join(" | ")
    }
}
