//! The L1 client against a real node: anvil from npm
//! (`contracts/node_modules/.bin/anvil`, or `$ZKROLL_ANVIL`), started on a
//! free loopback port per test and killed at the end. Real proofs at depth
//! 2 (2 L1 + 2 L2 slots). Without anvil the tests print a skip; with
//! `CI=true` or `ZKROLL_REQUIRE_ANVIL=1` a missing anvil fails.
//!
//! Gas and timing figures: `cargo test --release -p zkroll-l1 --test live -- --nocapture`.

#[path = "live/support.rs"]
mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use alloy::eips::eip2718::Encodable2718;
use alloy::primitives::{Address, U256};
use alloy::providers::ext::AnvilApi;
use alloy::providers::Provider;
use alloy::rpc::types::anvil::{ReorgOptions, TransactionData};
use alloy::signers::local::PrivateKeySigner;
use support::*;
use zkroll_l1::rpc::send::FileJournal;
use zkroll_l1::rpc::{RpcChain, RpcConfig};
use zkroll_l1::sync::sync;
use zkroll_l1::{L1Error, RollupChain, Settlement};
use zkroll_state::field::fr_to_be_bytes;
use zkroll_state::sim::Workload;
use zkroll_state::{L1Op, MemStore, Rollup};

#[test]
fn deposits_batches_withdrawal_and_sync_on_anvil() {
    let Some(node) = anvil("deposits_batches_withdrawal_and_sync_on_anvil", &[]) else {
        return;
    };
    rt().block_on(async {
        let (d, mut chain) = deployed(&node, 1).await;
        println!(
            "deploy gas: verifier {}, poseidon4 {}, poseidon5 {}, Rollup {}",
            d.gas[0], d.gas[1], d.gas[2], d.gas[3]
        );
        let (alice, bob) = (signer(1).address(), signer(2).address());
        let mut op = Operator::new(chain.domain());
        let t_deposit = Instant::now();
        let fee = deposit(&mut chain, &mut op, alice, 1).await;
        let a = deposit(&mut chain, &mut op, alice, 5_000).await;
        let b = deposit(&mut chain, &mut op, bob, 3_000).await;
        // The queue read back from the logs is the operator's prediction.
        let queued = chain.confirmed_l1_ops(0).await.unwrap();
        assert_eq!(queued, vec![fee, a, b]);

        let (w1, p1) = op.prove(&queued[..2], &[]);
        let s1 = chain.submit_batch(&w1, &p1).await.expect("batch 1");
        println!(
            "L1 deposit to L2 credit (queued, proved, settled): {:.2} s",
            t_deposit.elapsed().as_secs_f64()
        );
        // Sent again (a restart): detected, nothing sent.
        let nonce = chain
            .provider()
            .get_transaction_count(d.operator)
            .await
            .unwrap();
        assert_eq!(
            chain.submit_batch(&w1, &p1).await.unwrap(),
            Settlement::AlreadySettled { batch: 1 }
        );
        assert_eq!(
            chain
                .provider()
                .get_transaction_count(d.operator)
                .await
                .unwrap(),
            nonce
        );

        let rest = chain.confirmed_l1_ops(op.state.l1_next()).await.unwrap();
        let idx_a = 1;
        let (w2, p2) = op.prove(&rest, &[]);
        let s2 = chain.submit_batch(&w2, &p2).await.expect("batch 2");
        let a_acc = *op.state.account(idx_a).unwrap();
        let withdraw =
            op.w.withdraw(idx_a, 1_200, 0, a_acc.nonce)
                .expect("key of account 1");
        let transfer =
            op.w.transfer(2, idx_a, 700, 0, op.state.account(2).unwrap().nonce);
        let (w3, p3) = op.prove(&[], &[transfer.expect("key of account 2"), withdraw]);
        let s3 = chain.submit_batch(&w3, &p3).await.expect("batch 3");
        for (n, s) in [(1, s1), (2, s2), (3, s3)] {
            println!("submitBatch {n} gas {:?}", s.gas_used());
        }
        let status = chain.status().await.unwrap();
        assert_eq!(status.last_batch, 3);
        assert_eq!(status.state_root, fr_to_be_bytes(&op.state.root()));

        // The withdrawal's ETH arrives in alice's L1 balance.
        let before = chain.eth_balance(alice).await.unwrap();
        let out = chain.withdraw(alice, 0).await.expect("withdraw");
        let receipt = chain
            .provider()
            .get_transaction_receipt(out.tx_hash)
            .await
            .unwrap()
            .unwrap();
        let fee_paid = U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price);
        let after = chain.eth_balance(alice).await.unwrap();
        assert_eq!(after + fee_paid - before, U256::from(1_200u64));
        println!("withdraw gas {}", out.gas_used);

        // Anyone rebuilds the state from L1 alone, proofs checked.
        let mut follower = Rollup::open(MemStore::new(), SHAPE.depth, false).unwrap();
        let t = Instant::now();
        let report = sync(&mut chain, &mut follower, Some(&key().pk.vk))
            .await
            .unwrap();
        println!("sync of 3 batches: {:.3} s", t.elapsed().as_secs_f64());
        assert!(report.matches_contract && report.to == 3, "{report:?}");
        assert_eq!(follower.root(), op.state.root());
        // Incremental: nothing new, nothing done.
        let again = sync(&mut chain, &mut follower, None).await.unwrap();
        assert_eq!((again.from, again.to), (3, 3));
    });
}

#[test]
fn queue_waits_for_confirmations_and_survives_a_reorg() {
    let Some(node) = anvil("queue_waits_for_confirmations_and_survives_a_reorg", &[]) else {
        return;
    };
    rt().block_on(async {
        const CONFIRMATIONS: u64 = 3;
        let (_, mut chain) = deployed(&node, CONFIRMATIONS).await;
        let alice = signer(1).address();
        let mut op = Operator::new(chain.domain());
        let fee = deposit(&mut chain, &mut op, alice, 1).await;
        // Mined, not yet confirmed.
        assert!(chain.confirmed_l1_ops(0).await.unwrap().is_empty());
        chain
            .provider()
            .anvil_mine(Some(CONFIRMATIONS - 1), None)
            .await
            .unwrap();
        assert_eq!(chain.confirmed_l1_ops(0).await.unwrap(), vec![fee]);

        // A deposit whose block is reorganised away before its confirmations,
        // then included again in another block: taken once, from the block
        // it ends up in.
        let q = deposit(&mut chain, &mut op, alice, 5_000).await;
        let head = chain.provider().get_block_number().await.unwrap();
        let tx_hash = chain
            .provider()
            .get_block_by_number(head.into())
            .await
            .unwrap()
            .unwrap()
            .transactions
            .hashes()
            .next()
            .unwrap();
        let raw = chain
            .provider()
            .get_transaction_by_hash(tx_hash)
            .await
            .unwrap()
            .unwrap()
            .inner
            .into_inner()
            .encoded_2718();
        assert!(chain.confirmed_l1_ops(1).await.unwrap().is_empty());
        chain
            .provider()
            .anvil_reorg(ReorgOptions {
                depth: 2,
                tx_block_pairs: vec![(TransactionData::Raw(raw.into()), 0)],
            })
            .await
            .unwrap();
        let moved = chain
            .provider()
            .get_transaction_receipt(tx_hash)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            moved.block_number,
            Some(head - 1),
            "the deposit moved one block back"
        );
        chain
            .provider()
            .anvil_mine(Some(CONFIRMATIONS), None)
            .await
            .unwrap();
        let ops = chain.confirmed_l1_ops(0).await.unwrap();
        assert_eq!(ops, vec![fee, q], "each operation once, in serial order");
        let (w, p) = op.prove(&ops, &[]);
        chain
            .submit_batch(&w, &p)
            .await
            .expect("batch with the moved deposit");

        // A deposit reorganised away for good is never used.
        let gone = deposit(&mut chain, &mut op, alice, 7).await;
        let tail_before = chain.status().await.unwrap().queue_tail;
        chain
            .provider()
            .anvil_reorg(ReorgOptions {
                depth: 1,
                tx_block_pairs: vec![],
            })
            .await
            .unwrap();
        chain
            .provider()
            .anvil_mine(Some(CONFIRMATIONS), None)
            .await
            .unwrap();
        let tail_after = chain.status().await.unwrap().queue_tail;
        // anvil drops the reorganised-away transaction: the operation is
        // gone from L1, and the client never hands it out.
        assert_eq!(tail_after, tail_before - 1, "the deposit left the queue");
        assert!(chain
            .confirmed_l1_ops(gone.serial)
            .await
            .unwrap()
            .is_empty());
    });
}

/// The child process of [`a_submit_killed_before_its_receipt_is_not_sent_twice`]:
/// rebuilds the same batch (everything is seeded) and submits it with the
/// journal, on a node that mines nothing, until it is killed.
const CHILD_ENV: &str = "ZKROLL_LIVE_SUBMIT_CHILD";

async fn submit_child(spec: &str) {
    let mut parts = spec.split(',');
    let (url, rollup, journal) = (
        parts.next().unwrap(),
        parts.next().unwrap().parse::<Address>().unwrap(),
        PathBuf::from(parts.next().unwrap()),
    );
    let mut chain = RpcChain::connect(url, vec![signer(0)], rollup, fast(1))
        .await
        .unwrap()
        .with_journal(Box::new(FileJournal::new(&journal)));
    let mut op = Operator::new(chain.domain());
    let q = op.w.deposit_new(0, 1);
    let (w, p) = op.prove(&[q], &[]);
    let _ = chain.submit_batch(&w, &p).await;
    unreachable!("the parent kills this process before the batch is mined");
}

#[test]
fn a_submit_killed_before_its_receipt_is_not_sent_twice() {
    const TEST: &str = "a_submit_killed_before_its_receipt_is_not_sent_twice";
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        rt().block_on(submit_child(&spec));
        return;
    }
    let Some(node) = anvil(TEST, &[]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("submit.json");
    rt().block_on(async {
        let (d, mut chain) = deployed(&node, 1).await;
        let mut op = Operator::new(chain.domain());
        let q = deposit(&mut chain, &mut op, signer(1).address(), 1).await;
        let (w, p) = op.prove(&[q], &[]);
        // The node stops mining; a separate process submits the batch (it
        // sends, journals, waits for the receipt) and is SIGKILLed.
        chain.provider().anvil_set_auto_mine(false).await.unwrap();
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([TEST, "--exact", "--nocapture", "--test-threads=1"])
            .env(
                CHILD_ENV,
                format!("{},{},{}", node.url(), d.rollup, journal.display()),
            )
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let nonce = |c: &RpcChain| {
            let p = c.provider().clone();
            async move { p.get_transaction_count(d.operator).pending().await.unwrap() }
        };
        let latest = chain
            .provider()
            .get_transaction_count(d.operator)
            .await
            .unwrap();
        let start = Instant::now();
        // Sent: the operator's pending nonce moved past the mined one.
        while nonce(&chain).await == latest {
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "the child never sent"
            );
            assert!(child.try_wait().unwrap().is_none(), "the child exited");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        assert!(
            journal.exists(),
            "the in-flight transaction was journaled before it was sent"
        );
        // Restart: a new client with the same journal.
        let mut second = RpcChain::connect(&node.url(), vec![signer(0)], d.rollup, fast(1))
            .await
            .unwrap()
            .with_journal(Box::new(FileJournal::new(&journal)));
        let pending = nonce(&second).await;
        assert_eq!(pending, latest + 1, "one transaction in flight");
        second.provider().anvil_set_auto_mine(true).await.unwrap();
        let s = second.submit_batch(&w, &p).await.expect("settled once");
        assert!(
            matches!(s, Settlement::AlreadySettled { .. } | Settlement::Sent(_)),
            "{s:?}"
        );
        second.provider().anvil_mine(Some(1), None).await.unwrap();
        assert_eq!(nonce(&second).await, pending, "no second transaction");
        assert_eq!(second.status().await.unwrap().last_batch, 1);
        assert!(!journal.exists(), "the journal is cleared once settled");
    });
}

#[test]
fn bad_endpoints_and_keys_are_one_line_errors() {
    let Some(node) = anvil("bad_endpoints_and_keys_are_one_line_errors", &[]) else {
        return;
    };
    rt().block_on(async {
        let (d, mut chain) = deployed(&node, 1).await;
        // Nothing listens there.
        let dead = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}", l.local_addr().unwrap())
        };
        let e = RpcChain::connect(&dead, vec![], d.rollup, fast(1))
            .await
            .unwrap_err();
        assert!(matches!(e, L1Error::Rpc { .. }), "{e}");
        let e = RpcChain::connect("not a url", vec![], d.rollup, fast(1))
            .await
            .unwrap_err();
        assert!(matches!(e, L1Error::BadUrl { .. }), "{e}");
        // Another chain id than expected.
        let other = RpcConfig {
            expected_chain_id: Some(1),
            ..fast(1)
        };
        let e = RpcChain::connect(&node.url(), vec![], d.rollup, other)
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                L1Error::WrongChainId {
                    expected: 1,
                    got: L1_CHAIN
                }
            ),
            "{e}"
        );
        // No contract, and a contract that is not Rollup.sol.
        let e = RpcChain::connect(&node.url(), vec![], Address::repeat_byte(0x42), fast(1))
            .await
            .unwrap_err();
        assert!(matches!(e, L1Error::NotARollup { .. }), "{e}");
        let e = RpcChain::connect(&node.url(), vec![], d.verifier, fast(1))
            .await
            .unwrap_err();
        assert!(matches!(e, L1Error::NotARollup { .. }), "{e}");
        // A key without funds.
        let poor = PrivateKeySigner::random();
        let poor_addr = poor.address();
        let mut c = RpcChain::connect(&node.url(), vec![poor], d.rollup, fast(1))
            .await
            .unwrap();
        let mut w = Workload::new(9, c.domain());
        let L1Op::DepositNew { pubkey, .. } = w.deposit_new(0, 10).op else {
            unreachable!()
        };
        let e = c.deposit_new(poor_addr, pubkey, 0, 10).await.unwrap_err();
        assert!(matches!(e, L1Error::InsufficientFunds { .. }), "{e}");
        // A revert is decoded and nothing is sent: a batch from another operator.
        let mut op = Operator::new(chain.domain());
        let q = deposit(&mut chain, &mut op, signer(1).address(), 1).await;
        let (wit, proof) = op.prove(&[q], &[]);
        let mut intruder = RpcChain::connect(&node.url(), vec![signer(3)], d.rollup, fast(1))
            .await
            .unwrap();
        let e = intruder.submit_batch(&wit, &proof).await.unwrap_err();
        assert_eq!(
            e.revert().and_then(|r| r.name()),
            Some("NotOperator"),
            "{e}"
        );
        // The contract moved nothing.
        assert_eq!(chain.status().await.unwrap().last_batch, 0);
        for e in [
            L1Error::BadKey {
                what: "--operator-key".into(),
            },
            e,
        ] {
            assert_eq!(e.to_string().lines().count(), 1, "{e}");
        }
    });
}

#[test]
fn an_unmined_submit_is_resent_with_bumped_fees() {
    let Some(node) = anvil("an_unmined_submit_is_resent_with_bumped_fees", &[]) else {
        return;
    };
    rt().block_on(async {
        let (d, chain) = deployed(&node, 1).await;
        drop(chain);
        let mut chain = RpcChain::connect(
            &node.url(),
            vec![signer(0), signer(1)],
            d.rollup,
            RpcConfig {
                resend_after: Duration::from_millis(800),
                max_sends: 3,
                from_block: d.block,
                ..fast(1)
            },
        )
        .await
        .unwrap();
        let mut op = Operator::new(chain.domain());
        let q = deposit(&mut chain, &mut op, signer(1).address(), 1).await;
        let (w, p) = op.prove(&[q], &[]);
        // Nothing is mined: the submit is sent three times, fees bumped
        // each time, then reported.
        chain.provider().anvil_set_auto_mine(false).await.unwrap();
        let e = chain.submit_batch(&w, &p).await.unwrap_err();
        let L1Error::NotMined {
            tx_hash, attempts, ..
        } = &e
        else {
            panic!("{e}");
        };
        assert_eq!(*attempts, 3, "{e}");
        // The last version replaced the others in the pool: mining settles it.
        chain.provider().anvil_mine(Some(1), None).await.unwrap();
        let last: alloy::primitives::B256 = tx_hash.parse().unwrap();
        let receipt = chain
            .provider()
            .get_transaction_receipt(last)
            .await
            .unwrap()
            .expect("the bumped transaction is mined");
        assert!(receipt.status());
        assert_eq!(chain.status().await.unwrap().last_batch, 1);
        chain.provider().anvil_set_auto_mine(true).await.unwrap();
        assert_eq!(
            chain.submit_batch(&w, &p).await.unwrap(),
            Settlement::AlreadySettled { batch: 1 }
        );
    });
}

alloy::sol! {
    function mint(address to, uint256 amount) external;
    function approve(address spender, uint256 amount) external returns (bool);
    function balanceOf(address who) external view returns (uint256);
}

#[test]
fn erc20_deposit_and_withdrawal_on_anvil() {
    use alloy::sol_types::SolCall;
    let Some(node) = anvil("erc20_deposit_and_withdrawal_on_anvil", &[]) else {
        return;
    };
    rt().block_on(async {
        let (d, mut chain) = deployed(&node, 1).await;
        let alice = signer(1).address();
        // The test token, registered by the operator as token 1.
        let code = zkroll_l1::artifacts::contracts()
            .unwrap()
            .get("TestToken")
            .unwrap()
            .bytecode
            .clone();
        let (_, r) = zkroll_l1::rpc::send::send(&mut chain, d.operator, None, code, U256::ZERO)
            .await
            .unwrap();
        let token = r.contract_address.unwrap();
        let add = zkroll_l1::abi::Rollup::addTokenCall { token }.abi_encode();
        chain.call_rollup(d.operator, add).await.unwrap();
        const AMOUNT: u128 = 9_000;
        for data in [
            mintCall {
                to: alice,
                amount: U256::from(AMOUNT),
            }
            .abi_encode(),
            approveCall {
                spender: d.rollup,
                amount: U256::from(AMOUNT),
            }
            .abi_encode(),
        ] {
            zkroll_l1::rpc::send::send(&mut chain, alice, Some(token), data, U256::ZERO)
                .await
                .unwrap();
        }
        let mut op = Operator::new(chain.domain());
        let fee = deposit(&mut chain, &mut op, alice, 1).await;
        let q = op.w.deposit_new(1, AMOUNT);
        let L1Op::DepositNew { idx, pubkey, .. } = q.op else {
            unreachable!()
        };
        let (got, _) = chain.deposit_new(alice, pubkey, 1, AMOUNT).await.unwrap();
        assert_eq!(got, idx);
        assert_eq!(
            token_balance(&chain, token, alice).await,
            U256::ZERO,
            "the token moved to Rollup.sol"
        );
        let (w1, p1) = op.prove(&[fee, q], &[]);
        chain.submit_batch(&w1, &p1).await.unwrap();
        let nonce = op.state.account(idx).unwrap().nonce;
        let wd = op.w.withdraw(idx, 2_500, 0, nonce).unwrap();
        let (w2, p2) = op.prove(&[], &[wd]);
        chain.submit_batch(&w2, &p2).await.unwrap();
        chain.withdraw(alice, 1).await.unwrap();
        assert_eq!(
            token_balance(&chain, token, alice).await,
            U256::from(2_500u64)
        );
    });
}

async fn token_balance(chain: &RpcChain, token: Address, who: Address) -> U256 {
    chain.view_at(token, balanceOfCall { who }).await.unwrap()
}
