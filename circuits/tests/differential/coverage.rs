//! Every `L1Failure` and `L2OpError` variant by index. The matches have no
//! wildcard arm: a new variant does not compile until it is listed here,
//! and the coverage assertion then fails until the generator hits it.

use zkroll_state::{L1Failure, L2OpError};

/// `L1Failure` variants, in [`l1`]'s order.
pub const L1: [&str; 7] = [
    "AccountExists",
    "UnknownAccount",
    "TokenMismatch",
    "BalanceOverflow",
    "InvalidPubkey",
    "SmallOrderPubkey",
    "IndexOutOfRange",
];

pub fn l1(f: &L1Failure) -> usize {
    match f {
        L1Failure::AccountExists => 0,
        L1Failure::UnknownAccount => 1,
        L1Failure::TokenMismatch => 2,
        L1Failure::BalanceOverflow => 3,
        L1Failure::InvalidPubkey => 4,
        L1Failure::SmallOrderPubkey => 5,
        L1Failure::IndexOutOfRange => 6,
    }
}

/// `L2OpError` variants, in [`l2`]'s order.
pub const L2: [&str; 10] = [
    "UnknownAccount",
    "BadSignature",
    "WrongNonce",
    "NonceExhausted",
    "InsufficientBalance",
    "BalanceOverflow",
    "TokenMismatch",
    "AmountNotRepresentable",
    "FeeNotRepresentable",
    "FeeOnForeignToken",
];

pub fn l2(e: &L2OpError) -> usize {
    match e {
        L2OpError::UnknownAccount { .. } => 0,
        L2OpError::BadSignature(_) => 1,
        L2OpError::WrongNonce { .. } => 2,
        L2OpError::NonceExhausted => 3,
        L2OpError::InsufficientBalance { .. } => 4,
        L2OpError::BalanceOverflow { .. } => 5,
        L2OpError::TokenMismatch { .. } => 6,
        L2OpError::AmountNotRepresentable { .. } => 7,
        L2OpError::FeeNotRepresentable { .. } => 8,
        L2OpError::FeeOnForeignToken { .. } => 9,
    }
}

/// The rules a witness forcing in an operation native refuses with `e`
/// may break first (in the circuit's row order; native checks in another
/// order, so an operation breaking two rules may be caught by either).
/// Empty for errors no pubdata can carry.
pub fn expected_rules(e: &L2OpError) -> &'static [&'static str] {
    match e {
        // Beyond the tree, or an empty leaf claimed to hold an account.
        L2OpError::UnknownAccount { .. } => &[
            "l2_index_in_tree",
            "l2_from_path_proves_leaf",
            "l2_to_path_proves_leaf",
        ],
        L2OpError::BadSignature(_) | L2OpError::WrongNonce { .. } => &["eddsa_signature_equation"],
        L2OpError::NonceExhausted => &["l2_nonce_range"],
        L2OpError::FeeOnForeignToken { .. } => &["l2_fee_on_foreign_token"],
        L2OpError::InsufficientBalance { .. } => &["l2_balance_covers_amount_and_fee"],
        // Native checks `to` exists before its token; both are ours here.
        L2OpError::TokenMismatch { .. } => &["l2_token_mismatch"],
        L2OpError::BalanceOverflow { .. } => &["l2_to_balance_overflow"],
        L2OpError::AmountNotRepresentable { .. } | L2OpError::FeeNotRepresentable { .. } => &[],
    }
}

/// Rules `op` breaks that the circuit checks before native would get to
/// them: the circuit range-checks both indices first (native looks up
/// `to` after the balance), and the fee rule before the nonce range
/// (native checks the nonce first).
pub fn also_broken(
    op: &zkroll_state::L2Op,
    pre: &zkroll_state::AccountTree,
    fee_account: u32,
) -> Vec<&'static str> {
    let mut v = Vec::new();
    if op.from() >= super::gen::LEAVES || op.to() >= super::gen::LEAVES {
        v.push("l2_index_in_tree");
    }
    let fee_token = pre.get(fee_account).map(|a| a.token);
    let token = pre.get(op.from()).map(|a| a.token);
    if op.fee() != 0 && token.is_some() && token != fee_token {
        v.push("l2_fee_on_foreign_token");
    }
    v
}

pub use zkroll_circuits::RULES;

/// The innermost named rule in a `first_unsatisfied` trace (which lists
/// the innermost span first), else the trace's span names joined.
pub fn rule_of(trace: &str) -> String {
    let names: Vec<&str> = trace
        .lines()
        .filter_map(|l| l.trim().split_once(": ").map(|(_, p)| p))
        .map(|p| p.rsplit("::").next().unwrap_or(p))
        .collect();
    names
        .iter()
        .find(|n| RULES.contains(n))
        .map_or_else(|| names.join("/"), |n| n.to_string())
}
