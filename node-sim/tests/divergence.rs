//! The divergence finder, proven by fault injection: one node made to write
//! one wrong value, or to charge one transaction differently, and the
//! report names exactly that block, transaction, field and key; the repro
//! bundle re-runs on its own and sides with the honest node.

use gasworks_node_sim::exec::{Fault, FaultKind};
use gasworks_node_sim::generate::{GenConfig, generate};
use gasworks_node_sim::replay::{Bundle, ReplayConfig, replay, standard_nodes};
use gasworks_node_sim::state::keys;
use gasworks_node_sim::state::{RocksOptions, RocksStore, StateStore};

struct Setup {
    dir: tempfile::TempDir,
    chain: std::path::PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("temp dir");
    let chain = dir.path().join("chain");
    let config = GenConfig {
        seed: 21,
        blocks: 5,
        accounts: 20,
        txs_per_block: 30,
    };
    generate(&config, &chain).expect("generates");
    Setup { dir, chain }
}

fn config(setup: &Setup, name: &str, fault: Option<Fault>) -> ReplayConfig {
    // Two in-process nodes: cold cache (the reference) and warm cache
    // with tracing (the faulty one).
    let mut nodes = standard_nodes(2, 5);
    nodes[1].fault = fault;
    ReplayConfig {
        chain: setup.chain.clone(),
        work_dir: setup.dir.path().join(name),
        nodes,
        exe: std::path::PathBuf::from("unused"),
        progress: false,
    }
}

#[test]
fn honest_nodes_agree() {
    let setup = setup();
    let report = replay(&config(&setup, "honest", None)).expect("replays");
    assert!(report.agree, "{:?}", report.divergence);
    assert!(report.per_block.iter().all(|b| b.agree));
    assert!(report.divergence.is_none());
}

#[test]
fn a_wrong_value_is_named_by_block_transaction_and_key() {
    let setup = setup();
    let honest = replay(&config(&setup, "find", None)).expect("replays");
    assert!(honest.agree);
    // A transaction of block 3 that writes contract storage.
    let store =
        RocksStore::open(&honest.nodes[0].data_dir, RocksOptions::default()).expect("opens");
    let records = store.records(3).expect("reads");
    let (tx, record) = records
        .iter()
        .enumerate()
        .find(|(_, r)| {
            r.writes
                .iter()
                .any(|(k, v)| k[0] == keys::STORAGE && v.is_some())
        })
        .expect("a storage write in block 3");
    let (key, value) = record
        .writes
        .iter()
        .find(|(k, v)| k[0] == keys::STORAGE && v.is_some())
        .cloned()
        .expect("found above");
    drop(store);
    let fault = Fault {
        height: 3,
        tx: tx as u32,
        kind: FaultKind::WrongValue,
    };
    let report = replay(&config(&setup, "faulty", Some(fault))).expect("replays");
    assert!(!report.agree);
    let divergence = report.divergence.expect("a divergence");
    assert_eq!(divergence.height, 3);
    assert_eq!(divergence.tx, Some(tx as u32));
    assert_eq!(divergence.nodes.1, "warm-cache+tracing");
    assert_eq!(divergence.field.as_deref(), Some("write_set_hash"));
    let found = divergence.key.expect("the key");
    assert_eq!(found.key, gasworks_node_sim::hash::hex(&key));
    assert!(
        found.preimage.starts_with("storage of contract"),
        "{}",
        found.preimage
    );
    let value = value.expect("written");
    let mut wrong = value.clone();
    *wrong.last_mut().expect("non-empty") ^= 0xff;
    assert_eq!(found.left, Some(gasworks_node_sim::hash::hex(&value)));
    assert_eq!(found.right, Some(gasworks_node_sim::hash::hex(&wrong)));
    // Blocks before agree, the block and after do not.
    let agree: Vec<bool> = report.per_block.iter().map(|b| b.agree).collect();
    assert_eq!(agree, [true, true, false, false, false]);

    // The bundle re-runs alone and sides with the honest node.
    let bundle = Bundle::read(report.bundle.as_ref().expect("a bundle")).expect("reads");
    assert_eq!(bundle.context.height, 3);
    assert!(!bundle.pre_state.is_empty());
    let run = bundle.run().expect("re-runs");
    assert!(run.matches_left, "re-run matches the reference");
    assert!(!run.matches_right, "and not the faulty node");
}

#[test]
fn a_mispriced_transaction_is_named_by_its_gas() {
    let setup = setup();
    let fault = Fault {
        height: 4,
        tx: 7,
        kind: FaultKind::ExtraGas(13),
    };
    let report = replay(&config(&setup, "gas", Some(fault))).expect("replays");
    let divergence = report.divergence.expect("a divergence");
    assert_eq!(divergence.height, 4);
    assert_eq!(divergence.tx, Some(7));
    assert_eq!(divergence.header_field, "receipts_root");
    assert_eq!(divergence.field.as_deref(), Some("gas_used"));
    let (reference, faulty) = divergence.values.expect("values");
    let reference: u64 = reference.parse().expect("a number");
    let faulty: u64 = faulty.parse().expect("a number");
    assert_eq!(faulty, reference + 13);
    // The extra fee shows in the sender's account.
    let key = divergence.key.expect("the sender's account differs");
    assert!(key.preimage.starts_with("account 0x"), "{}", key.preimage);
}
