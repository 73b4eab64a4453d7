//! Consensus does not depend on a node's own conditions: the same chain
//! gives the same header (every root) at every height whatever the compile
//! cache, signature threads, tracing, read recording, gas profiling,
//! RocksDB options and restart points; and a profiled node's profiles
//! account for every unit of gas its receipts say was used.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use gasworks_node_sim::block::{Block, Genesis};
use gasworks_node_sim::chain::{BlockWrite, Chain, ChainError, ChainOptions};
use gasworks_node_sim::chainfile::ChainReader;
use gasworks_node_sim::exec::ExecOptions;
use gasworks_node_sim::generate::{GenConfig, generate};
use gasworks_node_sim::node::{Node, NodeOptions};
use gasworks_node_sim::state::{RocksOptions, RocksStore, StateStore};
use proptest::prelude::*;

struct Fixture {
    _dir: tempfile::TempDir,
    genesis: Genesis,
    blocks: Vec<Block>,
}

fn chain() -> &'static Fixture {
    static CHAIN: OnceLock<Fixture> = OnceLock::new();
    CHAIN.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let path: PathBuf = dir.path().join("chain");
        let config = GenConfig {
            seed: 11,
            blocks: 6,
            accounts: 24,
            txs_per_block: 40,
        };
        generate(&config, &path).expect("generates");
        let (genesis, blocks) = ChainReader::open(&path)
            .expect("opens")
            .read_all()
            .expect("reads");
        Fixture {
            _dir: dir,
            genesis,
            blocks,
        }
    })
}

/// A subscriber that formats every field of every event and span.
struct Recording(AtomicU64);

struct Text(String);

impl tracing::field::Visit for Text {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={value:?} ", field.name()));
    }
}

impl tracing::Subscriber for Recording {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut text = Text(String::new());
        span.record(&mut text);
        tracing::span::Id::from_u64(self.0.fetch_add(1, Ordering::Relaxed) + 1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut text = Text(String::new());
        event.record(&mut text);
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[derive(Debug, Clone)]
struct Conditions {
    warm_cache: bool,
    verify_threads: usize,
    record_reads: bool,
    tracing: bool,
    profile: bool,
    rocks: RocksOptions,
    /// Heights after which the node is closed and opened again.
    restarts: Vec<u64>,
}

fn conditions() -> impl Strategy<Value = Conditions> {
    (
        any::<bool>(),
        0usize..5,
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(0usize), Just(1 << 16), Just(64 << 20)],
        any::<bool>(),
        (
            prop_oneof![Just(0usize), Just(64 << 10)],
            prop_oneof![Just(0usize), Just(16 << 10)],
        ),
        prop_oneof![Just(0u8), Just(1), Just(4), Just(64)],
        any::<bool>(),
        (prop_oneof![Just(0u8), Just(10)], any::<bool>()),
        proptest::collection::vec(1u64..6, 0..3),
    )
        .prop_map(
            |(
                warm_cache,
                verify_threads,
                record_reads,
                tracing,
                cache,
                universal,
                (buffer, state_buffer),
                tree_cache_depth,
                batched_tree_updates,
                (bloom_filter_bits, profile),
                restarts,
            )| {
                Conditions {
                    warm_cache,
                    verify_threads,
                    record_reads,
                    tracing,
                    profile,
                    rocks: RocksOptions {
                        block_cache_bytes: cache,
                        universal_compaction: universal,
                        write_buffer_bytes: buffer,
                        state_write_buffer_bytes: state_buffer,
                        bloom_filter_bits,
                        tree_cache_depth,
                        batched_tree_updates,
                    },
                    restarts,
                }
            },
        )
}

fn run(conditions: &Conditions) -> Vec<gasworks_node_sim::block::Header> {
    let fixture = chain();
    let dir = tempfile::tempdir().expect("temp dir");
    let options = NodeOptions {
        chain: ChainOptions {
            warm_cache: conditions.warm_cache,
            exec: ExecOptions {
                verify_threads: conditions.verify_threads,
                record_reads: conditions.record_reads,
                fault: None,
                profile: conditions.profile,
            },
        },
        rocks: conditions.rocks,
    };
    let work = || {
        let mut node = Node::open(dir.path(), &fixture.genesis, options.clone()).expect("opens");
        for block in &fixture.blocks {
            node.chain.apply_block(block).expect("every block checks");
            if conditions.restarts.contains(&block.header.height) {
                drop(node);
                node = Node::open(dir.path(), &fixture.genesis, options.clone()).expect("reopens");
                assert_eq!(node.head().height, block.header.height);
            }
        }
        (1..=fixture.blocks.len() as u64)
            .map(|h| {
                node.chain
                    .store()
                    .header(h)
                    .expect("reads")
                    .expect("stored")
            })
            .collect::<Vec<_>>()
    };
    if conditions.tracing {
        tracing::subscriber::with_default(Recording(AtomicU64::new(0)), work)
    } else {
        work()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn the_same_chain_gives_the_same_headers_under_any_conditions(conditions in conditions()) {
        let headers = run(&conditions);
        let expected: Vec<_> = chain().blocks.iter().map(|b| b.header.clone()).collect();
        prop_assert_eq!(headers, expected);
    }
}

#[test]
fn every_transactions_profile_accounts_for_its_gas_exactly() {
    // Deployments, calls with nested calls, transfers, failures and
    // rejections: each profile's total is its receipt's gas used, and the
    // headers are the generator's (profiling changes no root).
    let fixture = chain();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut options = NodeOptions::default();
    options.chain.exec.profile = true;
    let mut node = Node::open(dir.path(), &fixture.genesis, options).expect("opens");
    let mut categories = std::collections::BTreeSet::new();
    let mut nested = false;
    for block in &fixture.blocks {
        let executed = node.chain.execute_checked(block).expect("checks");
        assert_eq!(executed.header, block.header);
        assert_eq!(executed.profiles.len(), executed.records.len());
        for (record, profile) in executed.records.iter().zip(&executed.profiles) {
            assert_eq!(profile.total(), record.receipt.gas_used);
            categories.extend(profile.by_category().into_iter().map(|(c, _)| c.name()));
            nested |= profile.samples().iter().any(|(stack, _, _)| {
                stack
                    .iter()
                    .filter(|f| f.name.starts_with("contract "))
                    .count()
                    > 1
            });
        }
        node.chain.commit(executed).expect("commits");
    }
    for expected in [
        "instructions",
        "host base",
        "host per byte",
        "storage",
        "entry",
        "intrinsic",
        "transfer",
        "deploy",
    ] {
        assert!(
            categories.contains(expected),
            "no {expected} charge in {categories:?}"
        );
    }
    assert!(nested, "no cross-contract call was profiled");
}

#[test]
fn the_generated_chain_exercises_every_kind_of_outcome() {
    // The property above is only worth something on a chain with failures
    // and rejections in it.
    let fixture = chain();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut node = Node::open(dir.path(), &fixture.genesis, NodeOptions::default()).expect("opens");
    let mut statuses = std::collections::BTreeSet::new();
    for block in &fixture.blocks {
        node.chain.apply_block(block).expect("checks");
        for record in node
            .chain
            .store()
            .records(block.header.height)
            .expect("reads")
        {
            let name = record.receipt.status.name();
            statuses.insert(name.split(':').next().unwrap_or_default().to_string());
        }
    }
    for kind in ["success", "trapped", "rejected"] {
        assert!(statuses.contains(kind), "no {kind} in {statuses:?}");
    }
}

/// The pipeline's hardest case, made deterministic: every block executes
/// and computes its root on the previous block's state while that block is
/// not yet written (its write runs only afterwards), with the compile
/// cache cold (so even the contracts are loaded through the layer) and
/// warm. Each block must give the header's roots, and the data directory
/// ends where a plain node ends.
#[test]
fn a_block_executes_on_the_previous_block_before_that_block_is_written() {
    let fixture = chain();
    for warm_cache in [false, true] {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = RocksStore::open(dir.path(), RocksOptions::default()).expect("opens");
        let options = ChainOptions {
            warm_cache,
            ..ChainOptions::default()
        };
        let mut chain = Chain::open(store, &fixture.genesis, options).expect("genesis");
        let mut in_flight: Option<BlockWrite<RocksStore>> = None;
        for block in &fixture.blocks {
            // Checked against the header: every root and the gas.
            let executed = chain
                .execute_checked(block)
                .unwrap_or_else(|e| panic!("block {}: {e}", block.header.height));
            if let Some(write) = in_flight.take() {
                // The store did not have the previous block yet.
                let written = chain.store().head().expect("head").expect("a head");
                assert_eq!(written.height + 1, write.height());
                write.write().expect("the previous block is written");
            }
            in_flight = Some(chain.commit_deferred(executed).expect("commits"));
        }
        let head = in_flight
            .take()
            .expect("a block in flight")
            .write()
            .expect("the last block is written");
        let last = &fixture.blocks.last().expect("blocks").header;
        assert_eq!(head.state_root, last.state_root);
        assert_eq!(chain.store().head().expect("head"), Some(chain.head()));
    }
}

#[test]
fn a_block_cannot_commit_before_the_previous_block_is_written() {
    let fixture = chain();
    let dir = tempfile::tempdir().expect("temp dir");
    let store = RocksStore::open(dir.path(), RocksOptions::default()).expect("opens");
    let mut chain = Chain::open(store, &fixture.genesis, ChainOptions::default()).expect("opens");
    let first = chain.execute_checked(&fixture.blocks[0]).expect("executes");
    let write = chain.commit_deferred(first).expect("commits");
    let second = chain.execute_checked(&fixture.blocks[1]).expect("executes");
    match chain.commit_deferred(second) {
        Err(ChainError::NotNext { height: 2, .. }) => {}
        Err(other) => panic!("wrong error: {other}"),
        Ok(_) => panic!("block 2 committed before block 1 was written"),
    }
    write.write().expect("block 1 is written");
    let second = chain.execute_checked(&fixture.blocks[1]).expect("executes");
    chain
        .commit(second)
        .expect("block 2 commits once block 1 is written");
    assert_eq!(chain.head().state_root, fixture.blocks[1].header.state_root);
}
