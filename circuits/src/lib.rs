//! zkroll-circuits: R1CS gadgets that mirror zkroll-state module by module
//! (`Poseidon` ↔ `PoseidonVar`, `MerklePath` ↔ `MerklePathVar`, ...) and the
//! [`batch::BatchCircuit`] that proves a batch.
//!
//! Constraint names: every rule is enforced inside a tracing span with
//! target `gr1cs`, so with ark-relations' `ConstraintLayer` installed
//! `cs.which_is_unsatisfied()` names the rule a bad witness breaks. The
//! names are listed once, in [`RULES`] ([`rules`]); `rule!` refuses any other
//! name at compile time.

pub mod account;
pub mod babyjubjub;
pub mod batch;
pub mod eddsa;
pub mod float;
pub mod poseidon;
pub mod pubdata;
pub mod range;
pub mod rules;
pub mod sha256;
pub mod tree;

pub use ark_bn254::Fr;
pub use batch::BatchCircuit;
pub use rules::{RULES, RULE_DOCS};

/// A field variable of the BN254 scalar field.
pub type FrVar = ark_r1cs_std::fields::fp::FpVar<Fr>;
/// A boolean variable.
pub type Bool = ark_r1cs_std::boolean::Boolean<Fr>;
/// A byte variable.
pub type U8 = ark_r1cs_std::uint8::UInt8<Fr>;
pub use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// Enters a named constraint span (target `gr1cs`) for the rest of the
/// scope. The name must be a string literal listed in [`RULES`]; any other
/// fails to compile (a `const` assertion in the expansion):
///
/// ```compile_fail
/// zkroll_circuits::rule!("no_such_rule");
/// ```
///
/// ```
/// zkroll_circuits::rule!("header_new_root");
/// ```
#[macro_export]
macro_rules! rule {
    ($name:literal) => {
        const _: () = assert!(
            $crate::rules::is_rule($name),
            concat!("rule name not in zkroll_circuits::RULES: ", $name)
        );
        let _rule_span = tracing::info_span!(target: "gr1cs", $name).entered();
    };
}

/// Synthesises `circuit` with constraint tracing on and returns the name
/// (span path) of the first unsatisfied constraint, or `None` when the
/// witness satisfies it. Slow: for diagnostics and tests, not the prover's
/// hot path (which checks satisfiability on its A·z, B·z, C·z rows).
pub fn first_unsatisfied<C: ark_relations::gr1cs::ConstraintSynthesizer<Fr>>(
    circuit: C,
) -> Result<Option<String>, SynthesisError> {
    use ark_relations::gr1cs::{ConstraintLayer, ConstraintSystem, OptimizationGoal, TracingMode};
    use tracing_subscriber::layer::SubscriberExt;
    let mut layer = ConstraintLayer::default();
    layer.mode = TracingMode::OnlyConstraints;
    let subscriber = tracing_subscriber::Registry::default().with(layer);
    let _guard = tracing::subscriber::set_default(subscriber);
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    circuit.generate_constraints(cs.clone())?;
    cs.which_is_unsatisfied()
}
