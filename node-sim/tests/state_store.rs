//! The RocksDB store: proofs against the head's root (valid ones verify,
//! every tampering fails), atomic commits, refusal of corrupt and foreign
//! data directories without losing what was committed.

use gasworks_node_sim::block::Genesis;
use gasworks_node_sim::chain::{Chain, ChainError, ChainOptions};
use gasworks_node_sim::generate::{Wallet, genesis_for};
use gasworks_node_sim::hash::Hash;
use gasworks_node_sim::node::{Node, NodeError, NodeOptions};
use gasworks_node_sim::state::keys;
use gasworks_node_sim::state::{RocksOptions, RocksStore, StateStore, StoreError};
use gasworks_node_sim::tx::{Transaction, TxKind};

/// The data directory's column families, for opening it behind the
/// store's back.
const COLUMN_FAMILIES: [&str; 8] = [
    "state",
    "jmt_nodes",
    "jmt_preimages",
    "jmt_stale",
    "headers",
    "blocks",
    "receipts",
    "meta",
];

fn setup(dir: &std::path::Path, blocks: u64) -> (Genesis, Vec<Wallet>, Hash) {
    let wallets: Vec<Wallet> = (0..6).map(|i| Wallet::derive(3, i)).collect();
    let genesis = genesis_for(&wallets);
    let store = RocksStore::open(dir, RocksOptions::default()).expect("opens");
    let mut chain = Chain::open(store, &genesis, ChainOptions::default()).expect("genesis");
    for height in 0..blocks {
        let tx = Transaction {
            chain_id: genesis.chain_id,
            sender: wallets[0].public,
            nonce: height,
            gas_limit: 1_000_000,
            gas_price: genesis.gas_price,
            kind: TxKind::Transfer {
                to: wallets[1 + (height as usize % 4)].address,
                amount: 10 + u128::from(height),
            },
        };
        let tx = tx.sign(&wallets[0].secret).expect("signs").encode();
        let executed = chain
            .execute_block(genesis.timestamp + height + 1, vec![tx])
            .expect("executes");
        chain.commit(executed).expect("commits");
    }
    let root = chain.head().state_root;
    (genesis, wallets, root)
}

#[test]
fn proofs_verify_and_every_tampering_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, wallets, root) = setup(dir.path(), 3);
    let store = RocksStore::open(dir.path(), RocksOptions::default()).expect("reopens");
    let present = keys::account(&wallets[1].address);
    let absent = keys::account(&Wallet::derive(99, 0).address);
    for key in [&present, &absent] {
        let proof = store.prove(key).expect("proves");
        assert_eq!(proof.root, root);
        proof.verify().expect("a valid proof verifies");
        assert_eq!(proof.value.is_some(), key == &present);

        // Another key.
        let mut other = proof.clone();
        other.key = keys::account(&wallets[2].address);
        assert!(other.verify().is_err(), "another key");
        // Another value (or a value where there is none).
        let mut value = proof.clone();
        value.value = match &proof.value {
            Some(v) => {
                let mut v = v.clone();
                v[0] ^= 1;
                Some(v)
            }
            None => Some(vec![1]),
        };
        assert!(value.verify().is_err(), "another value");
        // Absence claimed for a present key.
        if proof.value.is_some() {
            let mut gone = proof.clone();
            gone.value = None;
            assert!(gone.verify().is_err(), "absence of a present key");
        }
        // Another root.
        let mut other_root = proof.clone();
        other_root.root.0[5] ^= 1;
        assert!(other_root.verify().is_err(), "another root");
        // Every byte of the proof flipped in turn.
        for index in 0..proof.proof.len() {
            let mut bytes = proof.clone();
            bytes.proof[index] ^= 0x20;
            assert!(bytes.verify().is_err(), "proof byte {index} flipped");
        }
        // Truncated.
        let mut short = proof.clone();
        short.proof.pop();
        assert!(short.verify().is_err(), "truncated proof");
    }
}

/// Every key of the state proves its value against the head's root after
/// a generated chain (deployments, contract storage, transfers): so every
/// key kept its preimage, which a commit writes only for keys the block
/// did not read as present (`BlockCommit::preexisting`).
#[test]
fn every_state_key_proves_its_value_after_a_generated_chain() {
    use gasworks_node_sim::chainfile::ChainReader;
    use gasworks_node_sim::generate::{GenConfig, generate};
    use gasworks_node_sim::state::StateRead;
    use std::ops::Bound;

    let dir = tempfile::tempdir().expect("temp dir");
    let chain_path = dir.path().join("chain");
    let config = GenConfig {
        seed: 5,
        blocks: 8,
        accounts: 24,
        txs_per_block: 40,
    };
    generate(&config, &chain_path).expect("generates");
    let mut reader = ChainReader::open(&chain_path).expect("opens");
    let genesis = reader.genesis.clone();
    let data = dir.path().join("data");
    let mut node = Node::open(&data, &genesis, NodeOptions::default()).expect("opens");
    let head = node.sync(&mut reader, None, |_| {}).expect("syncs");
    assert_eq!(head.height, 8);
    drop(node);
    let store = RocksStore::open(&data, RocksOptions::default()).expect("reopens");
    let entries: Vec<(Vec<u8>, Vec<u8>)> = store
        .scan(Bound::Unbounded, Bound::Unbounded)
        .collect::<Result<_, _>>()
        .expect("scans");
    assert!(entries.len() > 50, "{} keys", entries.len());
    for (key, value) in &entries {
        let proof = store.prove(key).expect("proves");
        assert_eq!(proof.root, head.state_root);
        assert_eq!(proof.value.as_ref(), Some(value), "key {key:02x?}");
        proof.verify().expect("verifies");
    }
}

#[test]
fn a_reopened_store_is_at_its_last_commit_with_its_blocks_and_receipts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (genesis, _, root) = setup(dir.path(), 20);
    let node = Node::open(dir.path(), &genesis, NodeOptions::default()).expect("reopens");
    assert_eq!(node.head().height, 20);
    assert_eq!(node.head().state_root, root);
    let store = node.chain.store();
    for height in 1..=20 {
        let header = store.header(height).expect("reads").expect("stored");
        assert_eq!(header.height, height);
        assert_eq!(store.records(height).expect("reads").len(), 1);
        assert_eq!(
            store.transactions(height).expect("reads").map(|t| t.len()),
            Some(1)
        );
    }
    // Stale tree nodes are pruned, and proofs at the head still work.
    store
        .prove(&keys::account(&Wallet::derive(3, 1).address))
        .expect("proves")
        .verify()
        .expect("verifies");
}

#[test]
fn foreign_and_corrupt_data_directories_are_refused_and_nothing_is_lost() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (genesis, _, root) = setup(dir.path(), 2);

    // Another chain id.
    let mut other = genesis.clone();
    other.chain_id += 1;
    match Node::open(dir.path(), &other, NodeOptions::default()) {
        Err(NodeError::Chain(ChainError::ForeignChain(message))) => {
            assert!(message.contains("chain id"), "{message}")
        }
        Err(other) => panic!("wrong error: {other}"),
        Ok(_) => panic!("a foreign chain id was accepted"),
    }
    // Same id, another genesis.
    let mut other = genesis.clone();
    other.accounts[0].1 += 1;
    assert!(matches!(
        Node::open(dir.path(), &other, NodeOptions::default()),
        Err(NodeError::Chain(ChainError::ForeignChain(_)))
    ));
    // Still intact.
    let node = Node::open(dir.path(), &genesis, NodeOptions::default()).expect("still opens");
    assert_eq!(node.head().state_root, root);
    drop(node);

    // A directory that is not a data directory.
    let stranger = tempfile::tempdir().expect("temp dir");
    std::fs::write(stranger.path().join("notes.txt"), "hello").expect("writes");
    assert!(matches!(
        RocksStore::open(stranger.path(), RocksOptions::default()),
        Err(StoreError::NotADataDirectory(_))
    ));

    // A copy with its CURRENT file truncated, and one with its MANIFEST
    // missing: refused with a database error, the original untouched.
    for damage in ["truncate CURRENT", "remove MANIFEST"] {
        let copy = tempfile::tempdir().expect("temp dir");
        for entry in std::fs::read_dir(dir.path()).expect("lists") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), copy.path().join(entry.file_name())).expect("copies");
        }
        match damage {
            "truncate CURRENT" => {
                std::fs::write(copy.path().join("CURRENT"), b"").expect("truncates")
            }
            _ => {
                for entry in std::fs::read_dir(copy.path()).expect("lists") {
                    let path = entry.expect("entry").path();
                    if path
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("MANIFEST"))
                    {
                        std::fs::remove_file(path).expect("removes");
                    }
                }
            }
        }
        let result = Node::open(copy.path(), &genesis, NodeOptions::default());
        assert!(
            matches!(result, Err(NodeError::Chain(ChainError::Store(_)))),
            "{damage}: {:?}",
            result.err().map(|e| e.to_string())
        );
    }
    let node = Node::open(dir.path(), &genesis, NodeOptions::default()).expect("still opens");
    assert_eq!(node.head().height, 2);
    assert_eq!(node.head().state_root, root);
}

#[test]
fn a_data_directory_without_its_head_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (genesis, _, _) = setup(dir.path(), 1);
    // Remove the head record behind the store's back, as a half-restored
    // backup would.
    {
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), dir.path(), COLUMN_FAMILIES)
            .expect("opens raw");
        let meta = db.cf_handle("meta").expect("meta");
        db.delete_cf(meta, b"head").expect("deletes");
    }
    match Node::open(dir.path(), &genesis, NodeOptions::default()) {
        Err(NodeError::Chain(ChainError::Store(StoreError::Corrupt(message)))) => {
            assert!(message.contains("no head"), "{message}")
        }
        Err(other) => panic!("wrong error: {other}"),
        Ok(_) => panic!("a data directory without a head was opened"),
    }
}

/// A data directory written in another on-disk layout (an earlier
/// Gasworks, which recorded none, or a later one) is refused by name, and
/// opens again once its record is back: nothing is misread or lost.
#[test]
fn a_data_directory_of_another_layout_is_refused() {
    use gasworks_node_sim::state::LAYOUT_VERSION;
    let dir = tempfile::tempdir().expect("temp dir");
    let (genesis, _, root) = setup(dir.path(), 1);
    let set_layout = |layout: Option<u32>| {
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), dir.path(), COLUMN_FAMILIES)
            .expect("opens raw");
        let meta = db.cf_handle("meta").expect("meta");
        match layout {
            Some(layout) => db.put_cf(meta, b"layout", layout.to_be_bytes()),
            None => db.delete_cf(meta, b"layout"),
        }
        .expect("writes");
    };
    for (layout, found) in [(None, 1), (Some(LAYOUT_VERSION + 1), LAYOUT_VERSION + 1)] {
        set_layout(layout);
        match Node::open(dir.path(), &genesis, NodeOptions::default()) {
            Err(NodeError::Chain(ChainError::Store(StoreError::IncompatibleLayout {
                found: f,
                expected,
            }))) => {
                assert_eq!((f, expected), (found, LAYOUT_VERSION));
            }
            Err(other) => panic!("wrong error: {other}"),
            Ok(_) => panic!("a data directory of layout {found} was opened"),
        }
    }
    set_layout(Some(LAYOUT_VERSION));
    let node = Node::open(dir.path(), &genesis, NodeOptions::default()).expect("opens");
    assert_eq!(node.head().state_root, root);
}

/// Tree nodes a block replaced are deleted KEEP_VERSIONS blocks later: a
/// chain whose live state stays the same size keeps the same number of
/// tree nodes however long it runs, and one stale-node record per kept
/// block.
#[test]
fn stale_tree_nodes_are_pruned_after_the_kept_versions() {
    use gasworks_node_sim::state::KEEP_VERSIONS;
    let count = |dir: &std::path::Path| -> (usize, Vec<u64>) {
        let db = rocksdb::DB::open_cf_for_read_only(
            &rocksdb::Options::default(),
            dir,
            COLUMN_FAMILIES,
            false,
        )
        .expect("opens raw");
        let nodes = db.cf_handle("jmt_nodes").expect("nodes");
        let stale = db.cf_handle("jmt_stale").expect("stale");
        let node_count = db.iterator_cf(nodes, rocksdb::IteratorMode::Start).count();
        let versions = db
            .iterator_cf(stale, rocksdb::IteratorMode::Start)
            .map(|item| {
                let (key, _) = item.expect("reads");
                u64::from_be_bytes(key[..8].try_into().expect("8 bytes"))
            })
            .collect();
        (node_count, versions)
    };
    let short = tempfile::tempdir().expect("temp dir");
    let long = tempfile::tempdir().expect("temp dir");
    setup(short.path(), 40);
    setup(long.path(), 80);
    let (short_nodes, short_versions) = count(short.path());
    let (long_nodes, long_versions) = count(long.path());
    // One record per block of the last KEEP_VERSIONS (every block replaces
    // nodes: it changes two accounts).
    assert_eq!(
        short_versions,
        (40 - KEEP_VERSIONS + 1..=40).collect::<Vec<_>>()
    );
    assert_eq!(
        long_versions,
        (80 - KEEP_VERSIONS + 1..=80).collect::<Vec<_>>()
    );
    // Without pruning, 40 more blocks would leave about 40 x 3 more nodes.
    assert!(
        long_nodes <= short_nodes + 8,
        "{long_nodes} tree nodes after 80 blocks, {short_nodes} after 40"
    );
    // And the pruned store still proves its head.
    let store = RocksStore::open(long.path(), RocksOptions::default()).expect("reopens");
    let wallets: Vec<Wallet> = (0..6).map(|i| Wallet::derive(3, i)).collect();
    let proof = store
        .prove(&keys::account(&wallets[1].address))
        .expect("proves");
    proof.verify().expect("verifies");
}

/// A block's change set committed straight to a store, with a header that
/// only carries the height and the root (enough for the store).
fn commit_changes(
    store: &RocksStore,
    height: u64,
    changes: gasworks_node_sim::state::ChangeSet,
) -> Hash {
    use gasworks_node_sim::block::Header;
    use gasworks_node_sim::state::{BlockCommit, ChainRecord};
    let (root, prepared) = store.prepare(height, &changes).expect("prepares");
    let header = Header {
        chain_id: 1,
        height,
        parent_hash: Hash::default(),
        timestamp: height,
        tx_root: Hash::default(),
        receipts_root: Hash::default(),
        state_root: root,
        gas_used: 0,
        gas_limit: 0,
        schedule_hash: Hash::default(),
    };
    let chain = (height == 0).then_some(ChainRecord {
        chain_id: 1,
        genesis_hash: Hash::default(),
    });
    let block = BlockCommit {
        header,
        txs: Vec::new(),
        records: Vec::new(),
        changes: std::sync::Arc::new(changes),
        preexisting: Default::default(),
        chain,
    };
    store.commit(&block, prepared).expect("commits");
    root
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// jmt's batch insertion (blocks without removals) and its key-by-key
    /// updates give the same root after every block, and the same values
    /// and proofs, over random blocks of inserts, updates and removals
    /// (empty blocks included) from a small key pool.
    #[test]
    fn batched_and_key_by_key_tree_updates_give_the_same_roots(
        blocks in proptest::collection::vec(
            proptest::collection::btree_map(
                proptest::collection::vec(0u8..4, 1..4),
                proptest::option::weighted(0.8, proptest::collection::vec(proptest::prelude::any::<u8>(), 0..6)),
                0..24,
            ),
            1..10,
        )
    ) {
        let dirs = [tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir")];
        let stores: Vec<RocksStore> = dirs
            .iter()
            .zip([true, false])
            .map(|(dir, batched)| {
                let options = RocksOptions { batched_tree_updates: batched, ..RocksOptions::default() };
                RocksStore::open(dir.path(), options).expect("opens")
            })
            .collect();
        let mut keys_seen = std::collections::BTreeSet::new();
        for (height, changes) in blocks.into_iter().enumerate() {
            keys_seen.extend(changes.keys().cloned());
            let roots: Vec<Hash> = stores
                .iter()
                .map(|store| commit_changes(store, height as u64, changes.clone()))
                .collect();
            proptest::prop_assert_eq!(roots[0], roots[1], "block {}", height);
        }
        for key in &keys_seen {
            let proofs: Vec<_> = stores.iter().map(|s| s.prove(key).expect("proves")).collect();
            for proof in &proofs {
                proof.verify().expect("verifies");
            }
            proptest::prop_assert_eq!(&proofs[0].value, &proofs[1].value);
            proptest::prop_assert_eq!(proofs[0].root, proofs[1].root);
        }
    }
}
