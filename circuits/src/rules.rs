//! The named rules of the batch circuit: one list shared by the `rule!`
//! macro (which refuses, at compile time, a name that is not in [`RULES`])
//! and the tests (`tests/twins.rs` requires a failing twin for every entry).
//! `tests/rules.rs` checks that every entry is enforced by exactly one
//! `rule!` in this crate's sources, so the list and the code cannot drift.

/// Defines [`RULES`] and [`RULE_DOCS`] from one list of documented names.
macro_rules! rule_list {
    ($( $(#[doc = $doc:literal])+ $name:literal, )+) => {
        #[doc = concat!(
            "Every rule name the circuit enforces with `rule!`, in constraint order. ",
            "The first unsatisfied constraint of a bad witness is named after one of ",
            "these (see [`crate::first_unsatisfied`]).\n\n",
            $("- `", $name, "`:", $($doc, " ",)+ "\n",)+
        )]
        pub const RULES: &[&str] = &[$($name),+];

        /// Each rule with its description (the doc comment above it in
        /// `rules.rs`), in the order of [`RULES`].
        pub const RULE_DOCS: &[(&str, &str)] = &[$(($name, concat!($($doc),+))),+];
    };
}

rule_list! {
    // --- Header -----------------------------------------------------------
    /// Both header roots are canonical 32-byte big-endian field elements
    /// (top two bits zero, value < r), so L1 stores the one encoding.
    "header_root_canonical",

    // --- Per L1 slot ------------------------------------------------------
    /// The L1 type byte is 0..=3 (Noop, DepositNew, Deposit, ForcedExit).
    "l1_type_known",
    /// A Noop L1 slot is all zero bytes (so it can carry no operation).
    "l1_noop_slot_is_zero",
    /// A Noop L1 slot is never followed by an operation.
    "l1_ops_are_a_prefix",
    /// The L1 status byte is 0 (applied) or 1 (failed).
    "l1_status_is_a_bit",
    /// Only a DepositNew carries key bytes: every key byte of another type
    /// is zero (byte-wise, so no encoding of k * r passes).
    "l1_key_only_for_deposit_new",
    /// The published status is the failure bit the native code would set
    /// (index out of range, occupied, bad key, empty, token, overflow).
    "l1_status_matches_outcome",
    /// A ForcedExit publishes the exited balance (0 if it failed).
    "l1_forced_exit_amount",
    /// The slot's Merkle path proves its old leaf under the current root.
    "l1_path_proves_old_leaf",
    /// The witnessed root after the slot is the one the update computes.
    "l1_intermediate_root",

    // --- After the L1 slots -----------------------------------------------
    /// The header's l1_count is the number of non-Noop L1 slots.
    "header_l1_count",

    // --- Per L2 slot ------------------------------------------------------
    /// The L2 type byte is 0, 4 or 5 (Noop, Transfer, Withdraw).
    "l2_type_known",
    /// A Noop L2 slot is all zero bytes.
    "l2_noop_slot_is_zero",
    /// A Withdraw publishes to = 0.
    "l2_withdraw_to_is_zero",
    /// from and to have no bits above 2 * depth (no aliasing of leaves).
    "l2_index_in_tree",
    /// The signature's R8 is on the curve (checked as it is allocated).
    "eddsa_r8_on_curve",
    /// The key of the debited account is on the curve.
    "eddsa_key_on_curve",
    /// The key is not of small order (else anyone could sign for it).
    "eddsa_key_not_small_order",
    /// The signature's R8 is not of small order.
    "eddsa_r8_not_small_order",
    /// `S * Base8 == R8 + 8 * hm * A` over the slot's message: the slot's
    /// type, from, to, amount, fee, the account's nonce and the domain.
    "eddsa_signature_equation",
    /// A non-zero fee only from an account of the fee account's token.
    "l2_fee_on_foreign_token",
    /// The debited account's nonce + 1 stays below 2^32.
    "l2_nonce_range",
    /// balance - amount - fee is in [0, 2^128): no debit below zero.
    "l2_balance_covers_amount_and_fee",
    /// The from path proves the debited leaf under the current root.
    "l2_from_path_proves_leaf",
    /// A transfer's from and to hold the same token.
    "l2_token_mismatch",
    /// A transfer's credited balance stays below 2^128.
    "l2_to_balance_overflow",
    /// The to path proves the credited leaf under the root after the debit.
    "l2_to_path_proves_leaf",
    /// The witnessed root after the slot is the one the updates compute.
    "l2_intermediate_root",

    // --- Fee credit and the end of the batch ------------------------------
    /// The header's fee account has no bits above 2 * depth.
    "fee_account_in_tree",
    /// The fee account's balance plus the batch's fees stays below 2^128.
    "fee_account_overflow",
    /// The fee path proves the fee account's leaf under the root after the
    /// L2 slots.
    "fee_path_proves_leaf",
    /// The root after the fee credit is the header's new root.
    "header_new_root",
    /// The public input is SHA-256(pubdata) with the top three bits cleared.
    "public_input_is_pubdata_commitment",
}

/// Whether `name` is in [`RULES`] (a `const fn`: `rule!` asserts it at
/// compile time).
pub const fn is_rule(name: &str) -> bool {
    let mut i = 0;
    while i < RULES.len() {
        if bytes_eq(RULES[i].as_bytes(), name.as_bytes()) {
            return true;
        }
        i += 1;
    }
    false
}

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}
