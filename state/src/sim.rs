//! A deterministic workload generator: keys, L1 queue entries and valid
//! signed L2 operations from a seed. The demo, the benchmarks and the tests
//! drive the state machine with it; an operator never needs it.

use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::account::{AccountId, Balance, Nonce, TokenId};
use crate::batch::BatchConfig;
use crate::domain::Domain;
use crate::eddsa::PrivateKey;
use crate::ops::{L1Op, L2Op, PackedPubkey, QueuedL1Op, SignedL2Op, Transfer, Withdraw};
use crate::pubdata::CircuitShape;
use crate::state::{Rollup, StateError};
use crate::store::Storage;
use crate::tree::AccountTree;

/// A packed key no curve point has (the smallest y = 2, 3, ... without
/// one): a DepositNew carrying it fails with `InvalidPubkey`.
pub fn undecompressible_key() -> PackedPubkey {
    (2u8..=255)
        .map(|y| {
            let mut b = [0u8; 32];
            b[0] = y;
            b
        })
        .find(|b| crate::babyjubjub::decompress_reduced(b).is_err())
        .map(PackedPubkey)
        .unwrap_or(PackedPubkey([0u8; 32]))
}

/// A packed key of small order with x != 0 (it decompresses, but 8·A is
/// the identity): a DepositNew carrying it fails with `SmallOrderPubkey`.
pub fn small_order_key() -> PackedPubkey {
    use crate::babyjubjub::{compress, decompress_reduced, mul_biguint, suborder};
    use ark_ec::CurveGroup;
    use ark_ff::Zero;
    (2u8..=255)
        .filter_map(|y| {
            let mut b = [0u8; 32];
            b[0] = y;
            decompress_reduced(&b).ok()
        })
        // l·P keeps only P's torsion component.
        .map(|p| mul_biguint(&p, &suborder()).into_affine())
        .find(|t| !t.x.is_zero())
        .map(|t| PackedPubkey(compress(&t)))
        .unwrap_or(PackedPubkey([0u8; 32]))
}

/// Generates operations for a set of accounts it holds the keys of.
pub struct Workload {
    rng: StdRng,
    domain: Domain,
    keys: HashMap<AccountId, PrivateKey>,
    next_serial: u64,
    next_idx: AccountId,
}

impl Workload {
    /// A generator seeded with `seed`, signing for deployment `domain`.
    pub fn new(seed: u64, domain: Domain) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            domain,
            keys: HashMap::new(),
            next_serial: 0,
            next_idx: 0,
        }
    }

    /// The deployment the generator signs for.
    pub fn domain(&self) -> Domain {
        self.domain
    }

    /// The key of an account created by this generator.
    pub fn key(&self, idx: AccountId) -> Option<&PrivateKey> {
        self.keys.get(&idx)
    }

    /// Accounts created so far, in index order.
    pub fn accounts(&self) -> Vec<AccountId> {
        let mut v: Vec<AccountId> = self.keys.keys().copied().collect();
        v.sort_unstable();
        v
    }

    /// The serial the next queued L1 op gets.
    pub fn next_serial(&self) -> u64 {
        self.next_serial
    }

    /// Queues an L1 op with the next serial.
    pub fn queue(&mut self, op: L1Op) -> QueuedL1Op {
        let q = QueuedL1Op {
            serial: self.next_serial,
            op,
        };
        self.next_serial += 1;
        q
    }

    /// Queues a DepositNew of `amount` of `token` at the next index, with a fresh key.
    pub fn deposit_new(&mut self, token: TokenId, amount: Balance) -> QueuedL1Op {
        let mut seed = [0u8; 32];
        self.rng.fill(&mut seed);
        let key = PrivateKey::from_bytes(seed);
        let idx = self.next_idx;
        self.next_idx += 1;
        let pubkey = PackedPubkey::from(&key.public());
        self.keys.insert(idx, key);
        self.queue(L1Op::DepositNew {
            idx,
            pubkey,
            token,
            amount,
        })
    }

    /// Creates `n` accounts in `state`, natively and without proofs, in
    /// L1-only batches of [`Self::POPULATE_BATCH`] `DepositNew`s: the `k`-th
    /// at the next index with `1_000_000 + k` of token 0. A state of a
    /// realistic size to prove a batch over (`zkroll bench`, the prover's
    /// benches). Deposits beyond the tree's capacity fail in the batch
    /// (`L1Failure::IndexOutOfRange`), so callers check the capacity first.
    pub fn populate<S: Storage>(
        &mut self,
        state: &mut Rollup<S>,
        n: usize,
    ) -> Result<(), StateError> {
        let config = BatchConfig {
            shape: CircuitShape {
                depth: state.tree().depth(),
                l1_slots: Self::POPULATE_BATCH,
                l2_slots: 1,
            },
            fee_account: 0,
            domain: self.domain,
        };
        let mut ops: Vec<QueuedL1Op> = (0..n)
            .map(|k| self.deposit_new(0, 1_000_000 + k as Balance))
            .collect();
        while !ops.is_empty() {
            let chunk: Vec<QueuedL1Op> = ops.drain(..ops.len().min(Self::POPULATE_BATCH)).collect();
            state.apply_batch(&config, &chunk, &[])?;
        }
        Ok(())
    }

    /// `DepositNew`s per batch in [`Self::populate`].
    pub const POPULATE_BATCH: usize = 512;

    /// Signs a transfer with `from`'s key (which must be one of ours).
    pub fn transfer(
        &self,
        from: AccountId,
        to: AccountId,
        amount: Balance,
        fee: Balance,
        nonce: Nonce,
    ) -> Option<SignedL2Op> {
        self.sign(L2Op::Transfer(Transfer {
            from,
            to,
            amount,
            fee,
            nonce,
        }))
    }

    /// Signs a withdrawal with `from`'s key.
    pub fn withdraw(
        &self,
        from: AccountId,
        amount: Balance,
        fee: Balance,
        nonce: Nonce,
    ) -> Option<SignedL2Op> {
        self.sign(L2Op::Withdraw(Withdraw {
            from,
            amount,
            fee,
            nonce,
        }))
    }

    /// Signs any L2 operation with its `from` account's key, if we hold it.
    pub fn sign(&self, op: L2Op) -> Option<SignedL2Op> {
        Some(op.sign(self.keys.get(&op.from())?, &self.domain))
    }

    /// Up to `n` valid transfers between our accounts of `token` in `tree`,
    /// with fees only when `token == fee_token`. Balances and nonces are
    /// tracked across the returned operations, so they apply in order.
    pub fn random_transfers(
        &mut self,
        tree: &AccountTree,
        n: usize,
        token: TokenId,
        fee_token: TokenId,
    ) -> Vec<SignedL2Op> {
        let mut local: HashMap<AccountId, (Balance, Nonce)> = self
            .accounts()
            .into_iter()
            .filter_map(|i| {
                tree.get(i)
                    .filter(|a| a.token == token)
                    .map(|a| (i, (a.balance, a.nonce)))
            })
            .collect();
        let ids: Vec<AccountId> = {
            let mut v: Vec<AccountId> = local.keys().copied().collect();
            v.sort_unstable();
            v
        };
        let mut out = Vec::new();
        if ids.is_empty() {
            return out;
        }
        for _ in 0..n * 4 {
            if out.len() == n {
                break;
            }
            let from = ids[self.rng.gen_range(0..ids.len())];
            let to = ids[self.rng.gen_range(0..ids.len())];
            let (bal, nonce) = local[&from];
            let fee: Balance = if token == fee_token {
                self.rng.gen_range(0..3)
            } else {
                0
            };
            if bal <= fee || nonce == Nonce::MAX {
                continue;
            }
            // Amounts below 2^35 are always exact in float40.
            let max = (bal - fee).min((1 << 35) - 1);
            let amount = self.rng.gen_range(0..=max);
            let to_before = if to == from {
                bal - amount - fee
            } else {
                local[&to].0
            };
            if to_before.checked_add(amount).is_none() {
                continue;
            }
            if let Some(op) = self.transfer(from, to, amount, fee, nonce) {
                local.insert(from, (bal - amount - fee, nonce + 1));
                let t = local[&to];
                local.insert(to, (t.0 + amount, t.1));
                out.push(op);
            }
        }
        out
    }
}
