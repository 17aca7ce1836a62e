//! Random depth-2 batches: a pre-state of up to 16 accounts written
//! straight into an `AccountTree` (so nonces at 2^32 - 1 and balances near
//! 2^128 are reachable without 2^32 batches), and up to two L1 and two L2
//! operations chosen to hit every failure: indices beyond the depth, empty
//! and occupied leaves, undecompressible keys, wrong tokens, overflowing
//! credits, unrepresentable floats, wrong signers and nonces.

use proptest::prelude::*;
use zkroll_state::{Balance, Nonce, TokenId};

mod resolve;
pub use resolve::Case;

/// Leaves of a depth-2 tree.
pub const LEAVES: u32 = 16;

/// A balance or amount.
#[derive(Clone, Debug)]
pub enum Bal {
    Small(u32),
    /// `u128::MAX - k`.
    NearMax(u16),
    Any(u128),
}

impl Bal {
    fn value(&self) -> Balance {
        match self {
            Self::Small(v) => Balance::from(*v),
            Self::NearMax(k) => u128::MAX - Balance::from(*k),
            Self::Any(v) => *v,
        }
    }
}

fn bal() -> impl Strategy<Value = Bal> {
    prop_oneof![
        5 => (0u32..5_000_000).prop_map(Bal::Small),
        3 => any::<u16>().prop_map(Bal::NearMax),
        1 => any::<u128>().prop_map(Bal::Any),
    ]
}

#[derive(Clone, Debug)]
pub struct AccountSpec {
    idx: u8,
    token: TokenId,
    balance: Bal,
    nonce: Nonce,
}

fn account() -> impl Strategy<Value = AccountSpec> {
    let nonce = prop_oneof![
        8 => 0u32..3,
        1 => Just(u32::MAX),
        1 => Just(u32::MAX - 1),
    ];
    (
        1u8..16,
        prop_oneof![3 => Just(0u32), 1 => 1u32..3],
        bal(),
        nonce,
    )
        .prop_map(|(idx, token, balance, nonce)| AccountSpec {
            idx,
            token,
            balance,
            nonce,
        })
}

/// Which index an operation names.
#[derive(Clone, Debug)]
pub enum Idx {
    /// The k-th account of the pre-state (mod their number).
    Existing(u8),
    /// Any leaf, occupied or not (for a DepositNew: the k-th empty leaf,
    /// mod their number, if there is one).
    Leaf(u8),
    /// Beyond the tree: 16 + k.
    Beyond(u32),
}

fn idx() -> impl Strategy<Value = Idx> {
    idx_weighted(8, 2)
}

fn idx_weighted(existing: u32, leaf: u32) -> impl Strategy<Value = Idx> {
    prop_oneof![
        existing => any::<u8>().prop_map(Idx::Existing),
        leaf => (0u8..16).prop_map(Idx::Leaf),
        1 => prop_oneof![Just(0u32), any::<u32>().prop_map(|k| k % (u32::MAX - 16))]
            .prop_map(Idx::Beyond),
    ]
}

#[derive(Clone, Debug)]
pub enum Key {
    Fresh(u64),
    Undecompressible,
    SmallOrder,
    Random([u8; 32]),
}

#[derive(Clone, Debug)]
pub struct L1Spec {
    kind: u8,
    idx: Idx,
    /// `None`: the target account's token (0 if empty).
    token: Option<TokenId>,
    amount: Bal,
    key: Key,
}

fn l1() -> impl Strategy<Value = L1Spec> {
    let key = prop_oneof![
        3 => any::<u64>().prop_map(Key::Fresh),
        2 => Just(Key::Undecompressible),
        2 => Just(Key::SmallOrder),
        1 => any::<[u8; 32]>().prop_map(Key::Random),
    ];
    (
        0u8..3,
        idx_weighted(4, 4),
        prop_oneof![4 => Just(None), 1 => (0u32..3).prop_map(Some)],
        bal(),
        key,
    )
        .prop_map(|(kind, idx, token, amount, key)| L1Spec {
            kind,
            idx,
            token,
            amount,
            key,
        })
}

/// An L2 amount, relative to the debited account's balance.
#[derive(Clone, Debug)]
pub enum Amount {
    Small(u16),
    /// The smallest float40 value above the balance.
    Above,
    /// The largest float40 value at most the balance.
    Below,
    Any(u128),
}

#[derive(Clone, Debug)]
pub struct L2Spec {
    withdraw: bool,
    from: Idx,
    to: Idx,
    amount: Amount,
    /// 0..=3 small, or arbitrary (usually not float16).
    fee: Result<u8, u128>,
    /// Offset from the account's current nonce (mostly 0).
    nonce_off: u32,
    /// Signed by a key other than the account's.
    wrong_signer: bool,
    /// `None`: as generated. Else made valid against the pre-state (an
    /// existing `from` with nonces left, its own key and nonce, no fee on a
    /// foreign token, an amount it covers, a `to` of the same token, or a
    /// Withdraw if there is none), then given this one fault.
    fault: Option<Fault>,
}

/// One thing wrong with an otherwise valid L2 operation.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    Nothing,
    WrongNonce,
    WrongSigner,
    ForeignFee,
    TokenMismatch,
    Overflow,
    Insufficient,
    NonceExhausted,
    UnknownTo,
    UnknownFrom,
    AmountNotFloat,
    FeeNotFloat,
}

fn fault() -> impl Strategy<Value = Option<Fault>> {
    use Fault::*;
    prop_oneof![
        3 => Just(None),
        8 => Just(Some(Nothing)),
        12 => prop::sample::select(vec![
            WrongNonce,
            WrongSigner,
            ForeignFee,
            TokenMismatch,
            Overflow,
            Insufficient,
            NonceExhausted,
            UnknownTo,
            UnknownFrom,
            AmountNotFloat,
            FeeNotFloat,
        ])
        .prop_map(Some),
    ]
}

fn l2() -> impl Strategy<Value = L2Spec> {
    let amount = prop_oneof![
        6 => any::<u16>().prop_map(Amount::Small),
        1 => Just(Amount::Above),
        1 => Just(Amount::Below),
        1 => any::<u128>().prop_map(Amount::Any),
    ];
    let fee = prop_oneof![
        4 => Just(Ok(0u8)),
        4 => (1u8..4).prop_map(Ok),
        1 => any::<u128>().prop_map(Err),
    ];
    let nonce_off = prop_oneof![8 => Just(0u32), 1 => 1u32..3];
    (
        prop::bool::weighted(0.3),
        idx(),
        idx(),
        amount,
        fee,
        nonce_off,
        prop::bool::weighted(0.06),
        fault(),
    )
        .prop_map(
            |(withdraw, from, to, amount, fee, nonce_off, wrong_signer, fault)| L2Spec {
                withdraw,
                from,
                to,
                amount,
                fee,
                nonce_off,
                wrong_signer,
                fault,
            },
        )
}

/// One generated case, before resolution against its pre-state.
#[derive(Clone, Debug)]
pub struct Spec {
    fee_balance: Bal,
    accounts: Vec<AccountSpec>,
    l1: Vec<L1Spec>,
    l2: Vec<L2Spec>,
}

pub fn spec() -> impl Strategy<Value = Spec> {
    (
        prop_oneof![4 => (0u32..1000).prop_map(Bal::Small), 1 => any::<u16>().prop_map(Bal::NearMax)],
        prop::collection::vec(account(), 1..8),
        prop::collection::vec(l1(), 0..=2),
        prop::collection::vec(l2(), 0..=2),
    )
        .prop_map(|(fee_balance, accounts, l1, l2)| Spec {
            fee_balance,
            accounts,
            l1,
            l2,
        })
}
