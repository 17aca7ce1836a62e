//! Native (non-circuit) throughput of the rollup state machine.
//!
//! `cargo bench -p zkroll-state --bench native` runs every group; pass a
//! filter (e.g. `-- store/`) to run a subset. Sample sizes and measurement
//! times are kept small so the whole run fits in a few minutes on 2 cores.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_main, BatchSize, Criterion, SamplingMode, Throughput};

use zkroll_state::sim::Workload;
use zkroll_state::{
    apply_batch, Account, AccountTree, BatchConfig, CircuitShape, Fr, MemStore, Poseidon,
    PrivateKey, PublicKey, QueuedL1Op, RedbStore, Rollup, Storage,
};

const DEPTH: u8 = 16;
const CHAIN_ID: zkroll_state::Domain = zkroll_state::Domain::new(7, [0x5a; 20]);
const TOKEN: u32 = 1;
/// The fee account: the first deposited account, same token as the transfers,
/// so transfers carry fees and the final fee credit is exercised.
const FEE_ACCOUNT: u32 = 0;

fn config(l1_slots: usize, l2_slots: usize) -> BatchConfig {
    BatchConfig {
        shape: CircuitShape {
            depth: DEPTH,
            l1_slots,
            l2_slots,
        },
        fee_account: FEE_ACCOUNT,
        domain: CHAIN_ID,
    }
}

/// A workload holding the keys of `n` accounts and the `DepositNew`
/// operations that create them (serials 0..n, indices 0..n).
fn deposits(seed: u64, n: usize) -> (Workload, Vec<QueuedL1Op>) {
    let mut w = Workload::new(seed, CHAIN_ID);
    let ops = (0..n).map(|_| w.deposit_new(TOKEN, 1 << 60)).collect();
    (w, ops)
}

/// One L1-only batch that deposits every account (untimed setup).
fn deposit_config(n: usize) -> BatchConfig {
    config(n, 0)
}

fn bench_poseidon(c: &mut Criterion) {
    let mut g = c.benchmark_group("poseidon");
    g.sample_size(50)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(1));
    let inputs: Vec<Fr> = (1..=6u64).map(|i| Fr::from(i * 0x9e37_79b9)).collect();
    for n in [2usize, 4, 5, 6] {
        let label = match n {
            4 => "4_node",
            5 => "5_leaf",
            2 => "2",
            _ => "6",
        };
        g.bench_function(format!("hash_{label}"), |b| {
            b.iter(|| Poseidon::hash(black_box(&inputs[..n])).expect("arity 2..=6"))
        });
    }
    g.finish();
}

fn bench_eddsa(c: &mut Criterion) {
    let mut g = c.benchmark_group("eddsa");
    g.sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(1));
    let key = PrivateKey::from_bytes([42; 32]);
    let pk = key.public();
    let msg = Poseidon::hash_n([Fr::from(1u64), Fr::from(2u64)]);
    let sig = key.sign(msg);
    pk.verify(msg, &sig).expect("valid signature");
    g.bench_function("sign", |b| b.iter(|| black_box(&key).sign(black_box(msg))));
    g.bench_function("verify", |b| {
        b.iter(|| black_box(&pk).verify(black_box(msg), black_box(&sig)))
    });
    g.finish();
}

fn bench_tree(c: &mut Criterion) {
    const ACCOUNTS: u64 = 10_000;
    // Distinct keys would cost a scalar multiplication each and change
    // nothing the tree does: a handful of keys, distinct balances.
    let keys: Vec<PublicKey> = (0..16u8)
        .map(|i| PrivateKey::from_bytes([i + 1; 32]).public())
        .collect();
    // Spread the accounts over the whole index space so paths do not share
    // every upper node (a dense 0..n prefix would be the friendliest case).
    let stride = (1u64 << (2 * DEPTH as u32)) / ACCOUNTS;
    let idxs: Vec<u64> = (0..ACCOUNTS).map(|i| i * stride).collect();
    let leaves = idxs.iter().enumerate().map(|(k, &i)| {
        (
            i,
            Account::new(TOKEN, 1000 + k as u128, keys[k % keys.len()]),
        )
    });
    let mut tree = AccountTree::from_leaves(DEPTH, leaves).expect("indices fit depth 16");
    assert_eq!(tree.len(), ACCOUNTS as usize);

    let mut g = c.benchmark_group("tree");
    g.sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(1));
    let mut step = 0u64;
    g.bench_function("update_depth16", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                // A different existing leaf each time, with a new balance.
                step = step.wrapping_add(1);
                let idx = idxs[(step.wrapping_mul(7919) % ACCOUNTS) as usize] as u32;
                let mut acc = *tree.get(idx).expect("leaf exists");
                acc.balance = acc.balance.wrapping_add(1);
                let t = Instant::now();
                let r = tree.set(idx, Some(acc)).expect("idx in range");
                total += t.elapsed();
                black_box(r);
                // What a batch commit does; keeps the journal from growing
                // over the run (untimed).
                black_box(tree.take_delta());
            }
            total
        })
    });
    g.finish();
}

fn bench_batch(c: &mut Criterion) {
    const ACCOUNTS: usize = 1_000;
    const L2_SLOTS: usize = 64;
    let (mut w, deps) = deposits(1, ACCOUNTS);
    let mut base = AccountTree::new(DEPTH).expect("depth 16");
    apply_batch(&mut base, &deposit_config(ACCOUNTS), 1, 0, &deps, &[]).expect("deposits");
    // Start from an empty journal, as after a commit: otherwise every
    // iteration would also clone and re-merge the deposits' journal.
    base.take_delta();
    assert_eq!(base.len(), ACCOUNTS);

    let cfg = config(0, L2_SLOTS);
    let ops = w.random_transfers(&base, L2_SLOTS, TOKEN, TOKEN);
    assert_eq!(ops.len(), L2_SLOTS, "every L2 slot filled");
    let l1_next = ACCOUNTS as u64;
    // The batch is valid (checked once, outside the measurement).
    apply_batch(&mut base.clone(), &cfg, 2, l1_next, &[], &ops).expect("valid batch");

    let mut g = c.benchmark_group("batch");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6))
        .throughput(Throughput::Elements(L2_SLOTS as u64));
    g.bench_function("transfers_depth16", |b| {
        b.iter_batched(
            || base.clone(),
            |mut tree| {
                let wit = apply_batch(&mut tree, &cfg, 2, l1_next, &[], black_box(&ops))
                    .expect("valid batch");
                // Return both so their drop is not timed either.
                (tree, wit)
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

/// A rollup over `store` with `accounts` funded accounts (created by one
/// committed deposit batch), and the workload holding their keys.
fn funded_rollup<S: Storage>(store: S, accounts: usize) -> (Rollup<S>, Workload) {
    let mut r = Rollup::open(store, DEPTH, false).expect("open rollup");
    let (w, deps) = deposits(2, accounts);
    r.apply_batch(&deposit_config(accounts), &deps, &[])
        .expect("deposit batch");
    (r, w)
}

/// Times `Rollup::apply_batch` (execution + store commit) of `transfers`
/// fresh transfers per iteration. Each iteration's operations are signed
/// against the rollup's current state before its timer starts, since every
/// committed batch consumes nonces and balances.
fn time_commits<S: Storage>(
    rollup: &mut Rollup<S>,
    w: &mut Workload,
    transfers: usize,
    iters: u64,
) -> Duration {
    let cfg = config(0, transfers);
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let ops = w.random_transfers(rollup.tree(), transfers, TOKEN, TOKEN);
        assert_eq!(ops.len(), transfers);
        let t = Instant::now();
        let wit = rollup.apply_batch(&cfg, &[], &ops).expect("valid batch");
        total += t.elapsed();
        black_box(wit);
    }
    total
}

fn bench_store(c: &mut Criterion) {
    const ACCOUNTS: usize = 1_000;
    const TRANSFERS: usize = 16;
    let mut g = c.benchmark_group("store");
    g.sample_size(20)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8))
        .throughput(Throughput::Elements(TRANSFERS as u64));

    let dir = tempfile::tempdir().expect("temp dir");
    let store = RedbStore::open(&dir.path().join("state.redb")).expect("open redb");
    let (mut rollup, mut w) = funded_rollup(store, ACCOUNTS);
    g.bench_function("commit_redb", |b| {
        b.iter_custom(|iters| time_commits(&mut rollup, &mut w, TRANSFERS, iters))
    });
    drop(rollup);

    let (mut rollup, mut w) = funded_rollup(MemStore::new(), ACCOUNTS);
    g.bench_function("commit_mem", |b| {
        b.iter_custom(|iters| time_commits(&mut rollup, &mut w, TRANSFERS, iters))
    });
    g.finish();
}

/// Every group, configured from the command line (filters, `--quick`, ...).
/// Written out rather than with `criterion_group!`, whose generated `pub fn`
/// has no doc comment and trips the workspace's `missing_docs` lint.
fn benches() {
    let mut c = Criterion::default().configure_from_args();
    bench_poseidon(&mut c);
    bench_eddsa(&mut c);
    bench_tree(&mut c);
    bench_batch(&mut c);
    bench_store(&mut c);
}

criterion_main!(benches);
