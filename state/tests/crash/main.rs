//! Crash-safety test for the redb-backed rollup state.
//!
//! The binary re-executes itself as a child (`--child <db> <seed> <n>`) that
//! opens a [`RedbStore`] and applies deterministic batches until batch `n`.
//! The parent computes the expected root of every batch on a [`MemStore`],
//! then repeatedly spawns the child on one redb file, SIGKILLs it after a
//! random delay, reopens the store with a full integrity check and checks
//! that it holds exactly one of the expected states, never going backwards
//! and never losing a batch whose commit had returned.
//!
//! Batch `k`'s content is a function of `k` alone: the child rebuilds its
//! generator by replaying batches `1..=last_batch` on a shadow [`MemStore`]
//! state (checking each against the stored record) before resuming.
//!
//! Batch 1's first L1 slot creates the fee account (index 0).
//!
//! The last line printed is `crash: N passed, 0 failed`; any failed check
//! panics (non-zero exit) before it.

#[cfg(unix)]
mod child;
#[cfg(unix)]
mod parent;
#[cfg(unix)]
mod workload;

#[cfg(not(unix))]
fn main() {
    println!("crash: skipped (needs Unix signals)");
}

#[cfg(unix)]
fn main() {
    parent::main();
}
