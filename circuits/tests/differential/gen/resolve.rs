//! Resolving a [`Spec`] against its pre-state: the tree, the queued L1
//! operations and the signed L2 operations (valid ones made valid against
//! the pre-state, then given their one fault).

use std::collections::BTreeMap;

use zkroll_state::float::{DecimalFloat, Float40};
use zkroll_state::ops::PackedPubkey;
use zkroll_state::{
    Account, AccountId, AccountTree, Balance, L1Op, L2Op, Nonce, PrivateKey, PublicKey, QueuedL1Op,
    SignedL2Op, Transfer, Withdraw,
};

use super::{Amount, Fault, Idx, Key, Spec, LEAVES};

/// A resolved case: the pre-state and the operations.
pub struct Case {
    pub tree: AccountTree,
    pub l1: Vec<QueuedL1Op>,
    pub l2: Vec<SignedL2Op>,
    /// The key each L2 operation was signed with.
    pub signers: Vec<PublicKey>,
}

fn key(seed: u64) -> PrivateKey {
    let mut b = [0u8; 32];
    b[..8].copy_from_slice(&seed.to_le_bytes());
    b[8] = 0xa5;
    PrivateKey::from_bytes(b)
}

/// The smallest float40 value above `b`, if below 2^128.
fn float_above(b: Balance) -> Option<Balance> {
    let max_m = (1u128 << Float40::MANT_BITS) - 1;
    let mut p = 1u128;
    for _ in 0..32 {
        let m = b / p + 1;
        if m <= max_m {
            return m.checked_mul(p);
        }
        p = p.checked_mul(10)?;
    }
    None
}

/// The largest float40 value at most `b`.
fn float_below(b: Balance) -> Balance {
    let max_m = (1u128 << Float40::MANT_BITS) - 1;
    let mut p = 1u128;
    while b / p > max_m {
        p *= 10;
    }
    let v = (b / p) * p;
    debug_assert!(Float40::encode(v).is_some());
    v
}

impl Spec {
    /// Builds the pre-state and signs the operations (with the keys the
    /// accounts hold, unless the spec asks for a wrong signer).
    pub fn resolve(&self) -> Case {
        let mut tree = AccountTree::new(2).expect("depth 2");
        let mut keys: BTreeMap<AccountId, PrivateKey> = BTreeMap::new();
        let fee_key = key(0);
        let fee_acc = Account::new(0, self.fee_balance.value(), fee_key.public());
        tree.set(0, Some(fee_acc)).unwrap();
        keys.insert(0, fee_key);
        for (n, a) in self.accounts.iter().enumerate() {
            let k = key(1 + n as u64);
            let acc = Account {
                nonce: a.nonce,
                ..Account::new(a.token, a.balance.value(), k.public())
            };
            tree.set(AccountId::from(a.idx), Some(acc)).unwrap();
            keys.insert(AccountId::from(a.idx), k);
        }
        // Sorted: the tree keeps its leaves in a HashMap (random order).
        let mut existing: Vec<AccountId> = tree.leaves().map(|(i, _)| i as AccountId).collect();
        existing.sort_unstable();
        let pick = |i: &Idx| -> AccountId {
            match i {
                Idx::Existing(k) => existing[*k as usize % existing.len()],
                Idx::Leaf(l) => AccountId::from(*l),
                Idx::Beyond(k) => LEAVES + k,
            }
        };
        let l1 = self
            .l1
            .iter()
            .enumerate()
            .map(|(serial, s)| {
                let empty: Vec<AccountId> =
                    (0..LEAVES).filter(|i| tree.get(*i).is_none()).collect();
                let idx = match s.idx {
                    Idx::Leaf(k) if s.kind == 0 && !empty.is_empty() => {
                        empty[k as usize % empty.len()]
                    }
                    _ => pick(&s.idx),
                };
                let token = s
                    .token
                    .unwrap_or_else(|| tree.get(idx).map_or(0, |a| a.token));
                let op = match s.kind {
                    0 => {
                        let pubkey = match &s.key {
                            Key::Fresh(seed) => {
                                let k = key(1000 + seed % 1_000_000);
                                let p = PackedPubkey::from(&k.public());
                                keys.entry(idx).or_insert(k);
                                p
                            }
                            Key::Undecompressible => zkroll_state::sim::undecompressible_key(),
                            Key::SmallOrder => zkroll_state::sim::small_order_key(),
                            Key::Random(b) => PackedPubkey(*b),
                        };
                        L1Op::DepositNew {
                            idx,
                            pubkey,
                            token,
                            amount: s.amount.value(),
                        }
                    }
                    1 => L1Op::Deposit {
                        idx,
                        token,
                        amount: s.amount.value(),
                    },
                    _ => L1Op::ForcedExit { idx, token },
                };
                QueuedL1Op {
                    serial: serial as u64,
                    op,
                }
            })
            .collect();
        let mut nonces: BTreeMap<AccountId, Nonce> = BTreeMap::new();
        let mut spent: BTreeMap<AccountId, Balance> = BTreeMap::new();
        let mut signers = Vec::new();
        let mut l2 = Vec::new();
        let find = |pred: &dyn Fn(AccountId, &Account) -> bool, salt: u8| -> Option<AccountId> {
            let v: Vec<AccountId> = existing
                .iter()
                .copied()
                .filter(|i| tree.get(*i).is_some_and(|a| pred(*i, a)))
                .collect();
            v.get(salt as usize % v.len().max(1)).copied()
        };
        let empty = (0..LEAVES).find(|i| tree.get(*i).is_none());
        for (n, s) in self.l2.iter().enumerate() {
            let salt = n as u8 + self.accounts.len() as u8;
            let valid = s.fault.is_some();
            let fault = s.fault.unwrap_or(Fault::Nothing);
            let mut from = pick(&s.from);
            if valid {
                let has_nonces = |_: AccountId, a: &Account| a.nonce < u32::MAX - 2;
                let pred: &dyn Fn(AccountId, &Account) -> bool = match fault {
                    Fault::ForeignFee => &|_, a| a.token != 0 && a.nonce < u32::MAX - 2,
                    Fault::NonceExhausted => &|_, a| a.nonce == u32::MAX,
                    Fault::Overflow => &|_, a| a.balance > 1 << 20 && a.nonce < u32::MAX - 2,
                    _ => &has_nonces,
                };
                from = find(pred, salt).or(find(&has_nonces, salt)).unwrap_or(from);
                if let (Fault::UnknownFrom, Some(e)) = (fault, empty) {
                    from = if s.withdraw { LEAVES + 7 } else { e };
                }
            }
            let acc = tree.get(from).copied();
            let token = acc.map_or(0, |a| a.token);
            let balance = acc.map_or(0, |a| a.balance);
            let left = balance.saturating_sub(spent.get(&from).copied().unwrap_or(0));
            let mut fee = match s.fee {
                Ok(f) => Balance::from(f),
                Err(f) => f,
            };
            if valid && (token != 0 || fee > 3) {
                fee = 0;
            }
            match fault {
                Fault::ForeignFee if token != 0 => fee = 1,
                Fault::FeeNotFloat => fee = 2049,
                _ => {}
            }
            let mut amount = match s.amount {
                Amount::Small(v) => Balance::from(v),
                Amount::Above => float_above(balance).unwrap_or(balance),
                Amount::Below => float_below(balance),
                Amount::Any(v) => v,
            };
            if valid {
                amount = float_below(amount.min(left.saturating_sub(fee)));
            }
            let mut to = pick(&s.to);
            let needs_to = matches!(
                fault,
                Fault::TokenMismatch | Fault::Overflow | Fault::UnknownTo
            );
            let mut withdraw = s.withdraw && !needs_to;
            if valid && !withdraw {
                let fits = |a: &Account| a.balance.checked_add(amount).is_some();
                let target = match fault {
                    Fault::TokenMismatch => find(&|_, a| a.token != token, salt),
                    Fault::Overflow => find(&|i, a| i != from && a.balance > u128::MAX / 2, salt),
                    Fault::UnknownTo => empty.or(Some(LEAVES + 3)),
                    _ => None,
                };
                let same = find(&|_, a| a.token == token && fits(a), salt);
                match target.or(same) {
                    Some(i) => to = i,
                    None => withdraw = true,
                }
                if let (Fault::Overflow, Some(t)) = (fault, tree.get(to)) {
                    // The smallest float at least 2^128 - balance(to).
                    let need = u128::MAX - t.balance;
                    if let Some(a) = float_above(need).filter(|a| *a <= left) {
                        amount = a;
                    }
                }
            }
            match fault {
                Fault::Insufficient => amount = float_above(left).unwrap_or(amount),
                Fault::AmountNotFloat => amount = (1 << 35) + 1,
                _ => {}
            }
            spent.insert(
                from,
                amount
                    .saturating_add(fee)
                    .saturating_add(spent.get(&from).copied().unwrap_or(0)),
            );
            let cur = nonces
                .get(&from)
                .copied()
                .unwrap_or_else(|| acc.map_or(0, |a| a.nonce));
            let off = match fault {
                Fault::WrongNonce => 1 + s.nonce_off,
                _ if valid => 0,
                _ => s.nonce_off,
            };
            let nonce = cur.wrapping_add(off);
            if off == 0 {
                nonces.insert(from, cur.wrapping_add(1));
            }
            let op = if withdraw {
                L2Op::Withdraw(Withdraw {
                    from,
                    amount,
                    fee,
                    nonce,
                })
            } else {
                L2Op::Transfer(Transfer {
                    from,
                    to,
                    amount,
                    fee,
                    nonce,
                })
            };
            let wrong = if valid {
                matches!(fault, Fault::WrongSigner)
            } else {
                s.wrong_signer
            };
            let signer = match keys.get(&from) {
                Some(k) if !wrong => k.clone(),
                _ => key(999),
            };
            signers.push(signer.public());
            l2.push(op.sign(&signer, &crate::common::CHAIN));
        }
        Case {
            tree,
            l1,
            l2,
            signers,
        }
    }
}
