//! `gasworks demo`: the main job, end to end. Generates a chain from the
//! committed example contracts, replays it on three nodes under different
//! conditions (cold compile cache; warm cache with tracing; a separate
//! process killed with SIGKILL mid-chain and restarted), and prints the
//! per-block agreement, the final state root, transactions per second and
//! the gas per contract method.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use gasworks_node_sim::generate::{GenConfig, example_name, generate};
use gasworks_node_sim::state::keys::{self, ContractInfo};
use gasworks_node_sim::state::{RocksOptions, RocksStore, StateRead, StateStore};
use gasworks_node_sim::tx::{self, TxKind};

use super::replay::{print_divergence, report_json, run_replay};
use super::{FAILED, USAGE_OR_IO};

/// Gas of one contract method over the chain.
#[derive(Debug, Default, Clone)]
struct MethodGas {
    calls: u64,
    failed: u64,
    gas: u64,
}

fn contract_name(store: &RocksStore, address: &gasworks_node_sim::Address) -> String {
    store
        .get(&keys::contract(address))
        .ok()
        .flatten()
        .and_then(|bytes| borsh::from_slice::<ContractInfo>(&bytes).ok())
        .and_then(|info| example_name(&info.code_hash))
        .map_or_else(|| format!("{address}"), str::to_string)
}

fn gas_summary(store: &RocksStore, blocks: u64) -> BTreeMap<String, MethodGas> {
    let mut summary: BTreeMap<String, MethodGas> = BTreeMap::new();
    for height in 1..=blocks {
        let txs = store
            .transactions(height)
            .ok()
            .flatten()
            .unwrap_or_default();
        let records = store.records(height).unwrap_or_default();
        for (bytes, record) in txs.iter().zip(&records) {
            let label = match tx::decode(bytes).map(|s| s.tx.kind) {
                Err(_) => "(undecodable)".to_string(),
                Ok(_)
                    if matches!(
                        record.receipt.status,
                        gasworks_node_sim::receipt::Status::Rejected(_)
                    ) =>
                {
                    "(rejected before execution)".to_string()
                }
                Ok(TxKind::Transfer { .. }) => "native transfer".to_string(),
                Ok(TxKind::Deploy { code, .. }) => format!(
                    "deploy {}",
                    example_name(&gasworks_node_sim::hash::Hash(
                        gasworks_host_api::crypto::sha256(&code)
                    ))
                    .unwrap_or("contract")
                ),
                Ok(TxKind::Call { contract, .. }) => format!(
                    "{}.{}",
                    contract_name(store, &contract),
                    record.debug.method.as_deref().unwrap_or("?")
                ),
            };
            let entry = summary.entry(label).or_default();
            entry.calls += 1;
            entry.gas += record.receipt.gas_used;
            if !record.receipt.status.is_success() {
                entry.failed += 1;
            }
        }
    }
    summary
}

/// Runs the command.
pub fn run(config: &GenConfig, work_dir: Option<&Path>, json: bool) -> ExitCode {
    let dir = work_dir.map(Path::to_path_buf).unwrap_or_else(|| {
        std::env::temp_dir().join(format!("gasworks-demo-{}", std::process::id()))
    });
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(error) = std::fs::create_dir_all(&dir) {
        eprintln!("error: {}: {error}", dir.display());
        return ExitCode::from(USAGE_OR_IO);
    }
    let chain = dir.join("demo.chain");
    if !json {
        say!(
            "generating {} blocks over {} accounts from the example contracts (seed {})...",
            config.blocks,
            config.accounts,
            config.seed
        );
    }
    let generated = match generate(config, &chain) {
        Ok(summary) => summary,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(FAILED);
        }
    };
    if !json {
        say!(
            "chain: {} blocks, {} transactions; replaying on 3 nodes...",
            generated.blocks,
            generated.transactions
        );
    }
    let report = match run_replay(&chain, 3, &dir.join("nodes"), None, false) {
        Ok(report) => report,
        Err(code) => return code,
    };
    let reference = report
        .nodes
        .iter()
        .find(|n| n.error.is_none() && n.restarts == 0)
        .map(|n| n.data_dir.clone());
    let summary = reference
        .and_then(|path| RocksStore::open(&path, RocksOptions::default()).ok())
        .map(|store| gas_summary(&store, report.blocks))
        .unwrap_or_default();
    if json {
        let mut value = report_json(&report);
        value["gas"] = summary
            .iter()
            .map(|(label, m)| {
                (
                    label.clone(),
                    serde_json::json!({"calls": m.calls, "failed": m.failed, "gas": m.gas}),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into();
        say!("{value}");
    } else {
        say!();
        say!("block  txs  agree");
        for block in &report.per_block {
            say!(
                "{:>5} {:>4}  {}",
                block.height,
                block.transactions,
                if block.agree { "yes" } else { "NO" }
            );
        }
        say!();
        for node in &report.nodes {
            let tps = report.transactions as f64 / node.elapsed.as_secs_f64().max(1e-9);
            say!(
                "node {:<20} head {:>4}  {:>8.0} tx/s{}{}",
                node.name,
                node.height,
                tps,
                if node.restarts > 0 {
                    format!(
                        "  (SIGKILLed after block {:?}, restarted from disk)",
                        node.killed_at
                    )
                } else {
                    String::new()
                },
                node.error
                    .as_ref()
                    .map_or(String::new(), |e| format!("  STOPPED: {e}"))
            );
        }
        say!("final state root: {}", report.state_root);
        say!(
            "all {} nodes agree on all {} blocks: {}",
            report.nodes.len(),
            report.blocks,
            if report.agree { "yes" } else { "NO" }
        );
        if let Some(divergence) = &report.divergence {
            print_divergence(divergence);
        }
        say!();
        say!(
            "{:<40} {:>7} {:>7} {:>14} {:>10}",
            "gas by method",
            "txs",
            "failed",
            "gas",
            "gas/tx"
        );
        for (label, m) in &summary {
            say!(
                "{label:<40} {:>7} {:>7} {:>14} {:>10}",
                m.calls,
                m.failed,
                m.gas,
                m.gas / m.calls.max(1)
            );
        }
    }
    if work_dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    if report.agree {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FAILED)
    }
}
