//! The chain commands end to end: `gen`, `node`, `replay` (with injected
//! faults and repro bundles), `query`, the SDK-contract `call` and `demo`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gasworks_node_sim::block::Block;
use gasworks_node_sim::chainfile::ChainReader;
use gasworks_node_sim::hash::hex;
use gasworks_node_sim::receipt::{Status, TxRecord};
use gasworks_node_sim::state::keys;
use gasworks_node_sim::state::{RocksOptions, RocksStore, StateRead, StateStore};
use serde_json::Value;

/// A directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        let path =
            std::env::temp_dir().join(format!("gasworks-chain-cli-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create the temp dir");
        TempDir(path)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn gasworks(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gasworks"))
        .args(args)
        .output()
        .expect("the gasworks binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

fn example(name: &str) -> String {
    format!("{}/examples/wasm/{name}.wasm", env!("CARGO_MANIFEST_DIR"))
}

/// The last line of stdout that is a JSON object.
fn json(out: &Output) -> Value {
    let stdout = text(&out.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|line| line.starts_with('{'))
        .unwrap_or_else(|| {
            panic!(
                "no JSON line in {stdout:?} (stderr {:?})",
                text(&out.stderr)
            )
        });
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

/// Runs `gasworks gen` (plus `extra`) and returns its output.
fn gen_output(
    out: &Path,
    seed: u64,
    blocks: u64,
    accounts: u64,
    txs: u32,
    extra: &[&str],
) -> Output {
    let (seed, blocks, accounts, txs) = (
        seed.to_string(),
        blocks.to_string(),
        accounts.to_string(),
        txs.to_string(),
    );
    let mut args = vec![
        "gen",
        "--seed",
        &seed,
        "--blocks",
        &blocks,
        "--accounts",
        &accounts,
        "--txs-per-block",
        &txs,
        "--out",
        path(out),
    ];
    args.extend_from_slice(extra);
    gasworks(&args)
}

/// A chain file at `dir/name`.
fn generate(dir: &TempDir, name: &str, seed: u64, blocks: u64) -> PathBuf {
    let chain = dir.join(name);
    let out = gen_output(&chain, seed, blocks, 30, 30, &[]);
    assert_eq!(code(&out), Some(0), "gen: {}", text(&out.stderr));
    chain
}

fn read_chain(chain: &Path) -> (gasworks_node_sim::block::Genesis, Vec<Block>) {
    ChainReader::open(chain)
        .and_then(ChainReader::read_all)
        .expect("the chain file reads")
}

fn last_root(chain: &Path) -> String {
    let (_, blocks) = read_chain(chain);
    blocks.last().expect("blocks").header.state_root.to_hex()
}

/// `gasworks node --data DATA --chain CHAIN` plus `extra`.
fn node(data: &Path, chain: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["node", "--data", path(data), "--chain", path(chain)];
    args.extend_from_slice(extra);
    gasworks(&args)
}

/// The head of `data`, by `node --to 0 --json` (applies nothing).
fn head(data: &Path, chain: &Path) -> (u64, String) {
    let out = node(data, chain, &["--to", "0", "--json"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    head_json(&out)
}

fn head_json(out: &Output) -> (u64, String) {
    let value = json(out);
    (
        value["height"].as_u64().expect("height"),
        value["state_root"]
            .as_str()
            .expect("state_root")
            .to_string(),
    )
}

/// Byte ranges of the records of a chain file (after the 8-byte magic: a
/// 4-byte length, the bytes, a 32-byte checksum).
fn records(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut at = 8;
    while at < bytes.len() {
        let length = u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
        let end = at + 4 + length + 32;
        ranges.push(at..end);
        at = end;
    }
    assert_eq!(at, bytes.len(), "records fill the file");
    ranges
}

#[test]
fn gen_writes_the_same_bytes_for_the_same_arguments() {
    let dir = TempDir::new("gen");
    let (a, b, c) = (dir.join("a"), dir.join("b"), dir.join("c"));
    let out = gen_output(&a, 11, 3, 20, 20, &[]);
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("wrote "),
        "{}",
        text(&out.stdout)
    );
    let out = gen_output(&b, 11, 3, 20, 20, &["--json"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    let summary = json(&out);
    let out = gen_output(&c, 12, 3, 20, 20, &[]);
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));

    let (bytes_a, bytes_b, bytes_c) = (
        std::fs::read(&a).expect("a"),
        std::fs::read(&b).expect("b"),
        std::fs::read(&c).expect("c"),
    );
    assert!(bytes_a == bytes_b, "same arguments, byte-identical files");
    assert!(bytes_a != bytes_c, "another seed, another file");
    let (genesis_a, blocks) = read_chain(&a);
    let (genesis_c, _) = read_chain(&c);
    assert_ne!(
        genesis_a.hash(),
        genesis_c.hash(),
        "another seed, another genesis"
    );

    assert_eq!(summary["blocks"].as_u64(), Some(3));
    assert_eq!(blocks.len(), 3);
    let transactions: usize = blocks.iter().map(|b| b.txs.len()).sum();
    assert_eq!(summary["transactions"].as_u64(), Some(transactions as u64));
    assert_eq!(
        summary["state_root"].as_str(),
        Some(blocks[2].header.state_root.to_hex().as_str())
    );
    let statuses: u64 = summary["statuses"]
        .as_object()
        .expect("statuses")
        .values()
        .map(|n| n.as_u64().expect("a count"))
        .sum();
    assert_eq!(
        statuses, transactions as u64,
        "every transaction has a status"
    );
    assert!(
        summary["contracts"]["token"].as_str().is_some(),
        "{summary}"
    );

    // A usage error: no blocks at all.
    let out = gen_output(&dir.join("d"), 1, 0, 20, 20, &[]);
    assert_eq!(code(&out), Some(2), "{}", text(&out.stderr));
}

#[test]
fn node_stops_at_to_and_resumes_to_the_last_header() {
    let dir = TempDir::new("resume");
    let chain = generate(&dir, "chain", 21, 6);
    let (_, blocks) = read_chain(&chain);
    let data = dir.join("node");

    let out = node(&data, &chain, &["--to", "3", "--json"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    assert_eq!(head_json(&out), (3, blocks[2].header.state_root.to_hex()));
    // Again: nothing to apply, the same head.
    let out = node(&data, &chain, &["--to", "3", "--json", "--progress"]);
    assert_eq!(code(&out), Some(0));
    assert!(
        !text(&out.stdout).contains("committed"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(head_json(&out).0, 3);

    let out = node(&data, &chain, &["--json", "--progress"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    let committed: Vec<u64> = text(&out.stdout)
        .lines()
        .filter_map(|l| {
            l.strip_prefix("committed ")?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .collect();
    assert_eq!(committed, vec![4, 5, 6], "resumes after its head");
    assert_eq!(head_json(&out), (6, last_root(&chain)));

    let out = node(&data, &chain, &[]);
    assert_eq!(code(&out), Some(0));
    assert!(
        text(&out.stdout).contains(&format!("head: block 6 state root {}", last_root(&chain))),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn node_refuses_the_data_directory_of_another_chain() {
    let dir = TempDir::new("foreign");
    let ours = generate(&dir, "ours", 31, 3);
    let theirs = generate(&dir, "theirs", 32, 3);
    let data = dir.join("node");
    let out = node(&data, &ours, &["--json"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));

    let out = node(&data, &theirs, &["--json"]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), Some(2), "{stderr}");
    assert!(stderr.contains("belongs to another chain"), "{stderr}");
    assert!(stderr.contains("genesis"), "{stderr}");
    // The directory is untouched.
    assert_eq!(head(&data, &ours), (3, last_root(&ours)));
}

#[test]
fn node_refuses_a_directory_that_is_not_a_data_directory() {
    let dir = TempDir::new("not-data");
    let chain = generate(&dir, "chain", 41, 2);
    let data = dir.join("node");
    std::fs::create_dir_all(&data).expect("mkdir");
    std::fs::write(data.join("notes.txt"), b"not a database").expect("write");

    let out = node(&data, &chain, &["--json"]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), Some(2), "{stderr}");
    assert!(stderr.contains("not a Gasworks data directory"), "{stderr}");
    let entries: Vec<_> = std::fs::read_dir(&data)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(entries, vec!["notes.txt"], "nothing was written into it");
    assert_eq!(
        std::fs::read(data.join("notes.txt")).expect("read"),
        b"not a database"
    );

    let out = gasworks(&["query", "--data", path(&data), "account:0x00"]);
    assert_eq!(code(&out), Some(2), "a bad key is a usage error");
    let zero = format!("account:0x{}", "00".repeat(32));
    let out = gasworks(&["query", "--data", path(&data), &zero]);
    assert_eq!(code(&out), Some(2));
    assert!(text(&out.stderr).contains("not a Gasworks data directory"));
}

#[test]
fn a_damaged_chain_file_names_the_record_and_loses_nothing_committed() {
    let dir = TempDir::new("truncated");
    let chain = generate(&dir, "chain", 51, 6);
    let (_, blocks) = read_chain(&chain);
    let bytes = std::fs::read(&chain).expect("read the chain");
    let ranges = records(&bytes);
    assert_eq!(ranges.len(), 7, "genesis and 6 blocks");

    // Cut in the middle of block 4's record.
    let truncated = dir.join("truncated");
    let middle = (ranges[4].start + ranges[4].end) / 2;
    std::fs::write(&truncated, &bytes[..middle]).expect("write");

    // A node at its head (block 6) with the damaged file: a clear error,
    // and its head stays.
    let synced = dir.join("synced");
    assert_eq!(code(&node(&synced, &chain, &[])), Some(0));
    let out = node(&synced, &truncated, &["--json"]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), Some(2), "{stderr}");
    assert!(stderr.contains("truncated in record 4"), "{stderr}");
    assert_eq!(head(&synced, &chain), (6, last_root(&chain)));

    // A new node commits the blocks before the damage, stops with the same
    // error, keeps them, and finishes from the whole file.
    let fresh = dir.join("fresh");
    let out = node(&fresh, &truncated, &["--progress"]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), Some(2), "{stderr}");
    assert!(stderr.contains("truncated in record 4"), "{stderr}");
    assert!(
        text(&out.stdout).contains("committed 3 "),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        head(&fresh, &chain),
        (3, blocks[2].header.state_root.to_hex())
    );
    let out = node(&fresh, &chain, &["--json"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    assert_eq!(head_json(&out), (6, last_root(&chain)));

    // A flipped byte in block 2's record: its checksum names it.
    let corrupt = dir.join("corrupt");
    let mut damaged = bytes.clone();
    damaged[ranges[2].start + 20] ^= 0x01;
    std::fs::write(&corrupt, &damaged).expect("write");
    let out = node(&dir.join("corrupt-node"), &corrupt, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), Some(2), "{stderr}");
    assert!(stderr.contains("record 2 is corrupt"), "{stderr}");

    // Cut inside the genesis record: nothing can be applied.
    let short = dir.join("short");
    std::fs::write(&short, &bytes[..ranges[0].start + 10]).expect("write");
    let out = node(&dir.join("short-node"), &short, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), Some(2), "{stderr}");
    assert!(stderr.contains("truncated in record 0"), "{stderr}");
    assert!(!dir.join("short-node").exists(), "no data directory made");
}

#[test]
fn replay_on_three_nodes_agrees_with_every_header() {
    let dir = TempDir::new("replay");
    let chain = generate(&dir, "chain", 61, 6);
    let (_, blocks) = read_chain(&chain);
    let out = gasworks(&["replay", path(&chain), "--nodes", "3", "--json"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    let report = json(&out);
    assert_eq!(report["agree"], Value::Bool(true), "{report}");
    assert_eq!(report["blocks"].as_u64(), Some(6));
    assert_eq!(report["nodes"].as_u64(), Some(3));
    let transactions: usize = blocks.iter().map(|b| b.txs.len()).sum();
    assert_eq!(report["transactions"].as_u64(), Some(transactions as u64));
    let root = last_root(&chain);
    assert_eq!(report["state_root"].as_str(), Some(root.as_str()));
    assert!(report["divergence"].is_null() && report["bundle"].is_null());
    let nodes = report["node_reports"].as_array().expect("node reports");
    assert_eq!(nodes.len(), 3);
    for node in nodes {
        assert_eq!(node["height"].as_u64(), Some(6), "{node}");
        assert_eq!(node["state_root"].as_str(), Some(root.as_str()), "{node}");
        assert!(node["error"].is_null(), "{node}");
    }
    let restarted: Vec<&Value> = nodes
        .iter()
        .filter(|n| n["restarts"].as_u64() == Some(1))
        .collect();
    assert_eq!(restarted.len(), 1, "one node was killed and restarted");
    assert_eq!(restarted[0]["name"].as_str(), Some("killed+restarted"));
    assert_eq!(restarted[0]["killed_at"].as_array().map(Vec::len), Some(1));

    let out = gasworks(&["replay", path(&chain), "--nodes", "3"]);
    assert_eq!(code(&out), Some(0));
    assert!(text(&out.stdout).contains("6/6 blocks agree on 3 nodes"));
}

/// A successful token transfer in the chain (from block 2 on) and its
/// first contract-storage write, read from a reference node's records.
struct StorageWrite {
    height: u64,
    tx: u32,
    key: Vec<u8>,
    value: Vec<u8>,
}

fn reference_records(dir: &TempDir, chain: &Path) -> Vec<Vec<TxRecord>> {
    let data = dir.join("reference");
    let out = node(&data, chain, &[]);
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    let store = RocksStore::open(&data, RocksOptions::default()).expect("open the reference");
    let head = store.head().expect("head").expect("a head");
    (0..=head.height)
        .map(|height| store.records(height).expect("records"))
        .collect()
}

fn find_token_transfer(records: &[Vec<TxRecord>]) -> StorageWrite {
    for (height, block) in records.iter().enumerate().skip(2) {
        for (tx, record) in block.iter().enumerate() {
            if record.debug.method.as_deref() != Some("transfer")
                || !record.receipt.status.is_success()
            {
                continue;
            }
            let first = record
                .writes
                .iter()
                .find(|(key, value)| key.first() == Some(&keys::STORAGE) && value.is_some());
            if let Some((key, Some(value))) = first {
                return StorageWrite {
                    height: height as u64,
                    tx: tx as u32,
                    key: key.clone(),
                    value: value.clone(),
                };
            }
        }
    }
    panic!("no token transfer in the chain");
}

fn replay_with_fault(chain: &Path, work: &Path, fault: &str) -> Value {
    let out = gasworks(&[
        "replay",
        path(chain),
        "--nodes",
        "3",
        "--work-dir",
        path(work),
        "--inject-fault",
        fault,
        "--json",
    ]);
    assert_eq!(code(&out), Some(1), "a divergence: {}", text(&out.stderr));
    json(&out)
}

/// `gasworks replay --bundle` re-runs the block: it matches the reference
/// node, not the faulty one.
fn check_bundle(report: &Value, height: u64, tx: u32, field: &str) {
    let bundle = report["bundle"].as_str().expect("a bundle path");
    assert!(Path::new(bundle).is_file(), "{bundle}");
    let out = gasworks(&["replay", "--bundle", bundle, "--json"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    let run = json(&out);
    assert_eq!(run["height"].as_u64(), Some(height), "{run}");
    assert_eq!(run["matches"]["cold-cache"], Value::Bool(true), "{run}");
    assert_eq!(
        run["matches"]["warm-cache+tracing"],
        Value::Bool(false),
        "{run}"
    );
    assert_eq!(
        run["first_difference_tx"].as_u64(),
        Some(u64::from(tx)),
        "{run}"
    );
    assert_eq!(run["first_difference_field"].as_str(), Some(field), "{run}");
}

#[test]
fn an_injected_wrong_value_is_found_at_its_block_transaction_and_key() {
    let dir = TempDir::new("wrong-value");
    let chain = dir.join("chain");
    let out = gen_output(&chain, 71, 4, 30, 30, &["--json"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    let token = json(&out)["contracts"]["token"]
        .as_str()
        .expect("the token's address")
        .trim_start_matches("0x")
        .to_string();
    let write = find_token_transfer(&reference_records(&dir, &chain));
    assert_eq!(hex(&write.key[1..33]), token, "the token's storage");

    let fault = format!("1:{}:{}:wrong-value", write.height, write.tx);
    let report = replay_with_fault(&chain, &dir.join("replay"), &fault);
    assert_eq!(report["agree"], Value::Bool(false));
    let d = &report["divergence"];
    assert_eq!(d["height"].as_u64(), Some(write.height), "{d}");
    assert_eq!(d["tx"].as_u64(), Some(u64::from(write.tx)), "{d}");
    assert_eq!(d["node"].as_str(), Some("warm-cache+tracing"), "{d}");
    assert_eq!(d["reference"].as_str(), Some("cold-cache"), "{d}");
    assert_eq!(d["header_field"].as_str(), Some("receipts_root"), "{d}");
    assert_eq!(d["field"].as_str(), Some("write_set_hash"), "{d}");
    let key = &d["key"];
    assert_eq!(key["key"].as_str(), Some(hex(&write.key).as_str()), "{d}");
    let preimage = key["preimage"].as_str().expect("preimage");
    assert!(
        preimage.starts_with(&format!("storage of contract 0x{token} at key 0x")),
        "{preimage}"
    );
    let reference =
        gasworks_node_sim::hash::from_hex(key["reference_value"].as_str().expect("value"))
            .expect("hex");
    let faulty =
        gasworks_node_sim::hash::from_hex(key["node_value"].as_str().expect("value")).expect("hex");
    assert_eq!(reference, write.value, "the reference node's value");
    assert_eq!(reference.len(), faulty.len());
    let last = reference.len() - 1;
    assert_eq!(
        reference[..last],
        faulty[..last],
        "all but the last byte agree"
    );
    assert_eq!(
        reference[last] ^ faulty[last],
        0xff,
        "the last byte flipped"
    );

    // The faulty node stopped before the block; the others finished.
    for node in report["node_reports"].as_array().expect("nodes") {
        let expected = if node["name"] == "warm-cache+tracing" {
            write.height - 1
        } else {
            4
        };
        assert_eq!(node["height"].as_u64(), Some(expected), "{node}");
    }
    check_bundle(&report, write.height, write.tx, "write_set_hash");
}

#[test]
fn injected_extra_gas_is_found_as_gas_used_differing_by_that_much() {
    let dir = TempDir::new("extra-gas");
    let chain = generate(&dir, "chain", 81, 4);
    let records = reference_records(&dir, &chain);
    // A transaction that ran (a rejected one is charged nothing).
    let (height, tx) = records
        .iter()
        .enumerate()
        .skip(3)
        .find_map(|(h, block)| {
            let tx = block
                .iter()
                .position(|r| !matches!(r.receipt.status, Status::Rejected(_)))?;
            Some((h as u64, tx as u32))
        })
        .expect("an executed transaction in block 3 or 4");
    let report = replay_with_fault(
        &chain,
        &dir.join("replay"),
        &format!("1:{height}:{tx}:gas=777"),
    );
    let d = &report["divergence"];
    assert_eq!(d["height"].as_u64(), Some(height), "{d}");
    assert_eq!(d["tx"].as_u64(), Some(u64::from(tx)), "{d}");
    assert_eq!(d["node"].as_str(), Some("warm-cache+tracing"), "{d}");
    assert_eq!(d["field"].as_str(), Some("gas_used"), "{d}");
    let values: Vec<u64> = d["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| v.as_str().expect("text").parse().expect("a number"))
        .collect();
    assert_eq!(
        values[0],
        records[height as usize][tx as usize].receipt.gas_used
    );
    assert_eq!(values[1], values[0] + 777, "{d}");
    check_bundle(&report, height, tx, "gas_used");

    // Bad fault specifications are usage errors.
    for bad in ["1:2:0", "1:2:0:gas=x", "9:2:0:wrong-value"] {
        let out = gasworks(&["replay", path(&chain), "--inject-fault", bad, "--json"]);
        assert_eq!(code(&out), Some(2), "{bad}: {}", text(&out.stderr));
    }
}

#[test]
fn query_proves_present_and_absent_keys_against_the_head() {
    let dir = TempDir::new("query");
    let chain = dir.join("chain");
    let out = gen_output(&chain, 91, 3, 30, 30, &["--json"]);
    assert_eq!(code(&out), Some(0));
    let token = json(&out)["contracts"]["token"]
        .as_str()
        .expect("token")
        .to_string();
    let (genesis, _) = read_chain(&chain);
    let data = dir.join("node");
    let out = node(&data, &chain, &["--json"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    let (height, root) = head_json(&out);

    let account = genesis.accounts[0].0;
    let stored = {
        let store = RocksStore::open(&data, RocksOptions::default()).expect("open");
        store
            .get(&keys::account(&account))
            .expect("get")
            .expect("funded")
    };
    let key = format!("account:0x{}", hex(&account.0));
    let out = gasworks(&["query", "--data", path(&data), &key, "--proof", "--json"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    let answer = json(&out);
    assert_eq!(answer["verified"], Value::Bool(true), "{answer}");
    assert_eq!(answer["state_root"].as_str(), Some(root.as_str()));
    assert_eq!(answer["height"].as_u64(), Some(height));
    assert_eq!(answer["value"].as_str(), Some(hex(&stored).as_str()));
    assert_eq!(
        answer["key"].as_str(),
        Some(hex(&keys::account(&account)).as_str())
    );
    assert!(answer["proof"].as_str().is_some_and(|p| !p.is_empty()));

    let absent = format!("account:0x{}", "ab".repeat(32));
    let out = gasworks(&["query", "--data", path(&data), &absent, "--proof", "--json"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    let answer = json(&out);
    assert!(answer["value"].is_null(), "{answer}");
    assert_eq!(answer["verified"], Value::Bool(true), "{answer}");
    assert_eq!(answer["state_root"].as_str(), Some(root.as_str()));

    // Without --proof: no proof printed; a contract's record is present.
    let out = gasworks(&[
        "query",
        "--data",
        path(&data),
        &format!("contract:{token}"),
        "--json",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    let answer = json(&out);
    assert!(answer["value"].as_str().is_some(), "{answer}");
    assert!(answer.get("proof").is_none(), "{answer}");
    let out = gasworks(&["query", "--data", path(&data), &absent]);
    assert_eq!(code(&out), Some(0));
    assert!(
        text(&out.stdout).contains("value:      absent"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn call_runs_sdk_contract_methods_with_borsh_arguments() {
    let out = gasworks(&[
        "call",
        &example("counter"),
        "increment",
        "u64:5",
        "--gas",
        "10000000",
        "--json",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    let result = json(&out);
    assert_eq!(
        result["return_data"].as_str(),
        Some(hex(&borsh::to_vec(&5u64).expect("borsh")).as_str())
    );
    assert_eq!(result["return_data"].as_str(), Some("0500000000000000"));
    assert!(result["trap"].is_null(), "{result}");
    assert!(result["gas_used"].as_u64().is_some_and(|g| g > 0));

    let holder = format!("address:0x{}", "12".repeat(32));
    let out = gasworks(&[
        "call",
        &example("token"),
        "balance_of",
        &holder,
        "--gas",
        "10000000",
        "--init",
        "init string:T string:T u8:0",
        "--json",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    let result = json(&out);
    assert!(result["trap"].is_null(), "{result}");
    assert_eq!(
        result["return_data"].as_str(),
        Some(hex(&borsh::to_vec(&0u128).expect("borsh")).as_str()),
        "nobody holds tokens yet"
    );

    for bad in ["float:1.5", "u64:x", "u8:300", "address:0x12", "u64"] {
        let out = gasworks(&[
            "call",
            &example("counter"),
            "increment",
            bad,
            "--gas",
            "10000000",
        ]);
        assert_eq!(code(&out), Some(2), "{bad}: {}", text(&out.stderr));
        assert!(text(&out.stderr).starts_with("error: "), "{bad}");
    }
    let out = gasworks(&[
        "call",
        &example("token"),
        "balance_of",
        &holder,
        "--gas",
        "10000000",
        "--init",
        "init string:T u8:x",
    ]);
    assert_eq!(
        code(&out),
        Some(2),
        "bad --init argument: {}",
        text(&out.stderr)
    );
}

#[test]
fn demo_replays_on_three_nodes_and_prints_the_gas_table() {
    let out = gasworks(&[
        "demo",
        "--blocks",
        "4",
        "--accounts",
        "30",
        "--txs-per-block",
        "30",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(code(&out), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("all 3 nodes agree on all 4 blocks: yes"),
        "{stdout}"
    );
    assert!(stdout.contains("gas by method"), "{stdout}");
    for row in ["deploy token", "token.transfer", "killed+restarted"] {
        assert!(stdout.contains(row), "no {row:?} in {stdout}");
    }
    assert!(!stdout.contains("DIVERGENCE"));

    let dir = TempDir::new("demo");
    let work = dir.join("work");
    let out = gasworks(&[
        "demo",
        "--blocks",
        "4",
        "--accounts",
        "30",
        "--txs-per-block",
        "30",
        "--work-dir",
        path(&work),
        "--json",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    let report = json(&out);
    assert_eq!(report["agree"], Value::Bool(true), "{report}");
    assert_eq!(report["blocks"].as_u64(), Some(4));
    assert_eq!(report["nodes"].as_u64(), Some(3));
    let chain = work.join("demo.chain");
    assert_eq!(
        report["state_root"].as_str(),
        Some(last_root(&chain).as_str())
    );
    let gas = report["gas"].as_object().expect("a gas table");
    let transfers = &gas["token.transfer"];
    assert!(
        transfers["calls"].as_u64().is_some_and(|n| n > 0),
        "{transfers}"
    );
    assert!(
        transfers["gas"].as_u64().is_some_and(|n| n > 0),
        "{transfers}"
    );
}
