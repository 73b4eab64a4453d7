//! `gasworks replay CHAIN --nodes N`: replay a chain on N nodes under
//! different conditions and compare every block's roots; `--bundle FILE`
//! re-runs a repro bundle on its own.
//!
//! Exit codes: 0 when every node agrees with every header (or the bundle
//! re-ran), 1 on any disagreement, 2 when the chain cannot be read.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gasworks_node_sim::exec::{Fault, FaultKind};
use gasworks_node_sim::replay::{
    BlockProfile, Bundle, Condition, Divergence, ReplayConfig, ReplayReport, replay, standard_nodes,
};
use gasworks_vm::profile::Profile;

use super::profile::{ProfileArgs, TOP_FUNCTIONS};
use super::{FAILED, USAGE_OR_IO};

/// A fault injected into one node (tests of the divergence finder):
/// `NODE:HEIGHT:TX:wrong-value` or `NODE:HEIGHT:TX:gas=N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InjectedFault {
    /// Index of the node.
    pub node: usize,
    /// The fault.
    pub fault: Fault,
}

impl std::str::FromStr for InjectedFault {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split(':').collect();
        let [node, height, tx, kind] = parts[..] else {
            return Err("write NODE:HEIGHT:TX:wrong-value or NODE:HEIGHT:TX:gas=N".into());
        };
        let kind = match kind {
            "wrong-value" => FaultKind::WrongValue,
            other => match other.strip_prefix("gas=").and_then(|n| n.parse().ok()) {
                Some(extra) => FaultKind::ExtraGas(extra),
                None => return Err(format!("unknown fault {other:?}")),
            },
        };
        Ok(InjectedFault {
            node: node.parse().map_err(|_| "bad node index")?,
            fault: Fault {
                height: height.parse().map_err(|_| "bad height")?,
                tx: tx.parse().map_err(|_| "bad transaction index")?,
                kind,
            },
        })
    }
}

/// The replay's JSON summary.
pub fn report_json(report: &ReplayReport) -> serde_json::Value {
    serde_json::json!({
        "blocks": report.blocks,
        "nodes": report.nodes.len(),
        "agree": report.agree,
        "state_root": report.state_root.to_hex(),
        "transactions": report.transactions,
        "node_reports": report.nodes.iter().map(|n| serde_json::json!({
            "name": n.name,
            "height": n.height,
            "state_root": n.state_root.to_hex(),
            "error": n.error,
            "restarts": n.restarts,
            "killed_at": n.killed_at,
            "seconds": n.elapsed.as_secs_f64(),
        })).collect::<Vec<_>>(),
        "divergence": report.divergence.as_ref().map(divergence_json),
        "bundle": report.bundle.as_ref().map(|p| p.display().to_string()),
    })
}

fn divergence_json(d: &Divergence) -> serde_json::Value {
    serde_json::json!({
        "height": d.height,
        "header_field": d.header_field,
        "reference": d.nodes.0,
        "node": d.nodes.1,
        "tx": d.tx,
        "field": d.field,
        "values": d.values.as_ref().map(|(a, b)| [a, b]),
        "key": d.key.as_ref().map(|k| serde_json::json!({
            "key": k.key, "preimage": k.preimage, "reference_value": k.left, "node_value": k.right,
        })),
    })
}

/// Prints the divergence report for people.
pub fn print_divergence(d: &Divergence) {
    say!(
        "DIVERGENCE at block {} ({} differs)",
        d.height,
        d.header_field
    );
    say!("  nodes: {} (reference) vs {}", d.nodes.0, d.nodes.1);
    if let Some(tx) = d.tx {
        say!("  first differing transaction: #{tx}");
    }
    if let (Some(field), Some((a, b))) = (&d.field, &d.values) {
        say!("  receipt field: {field}: {a} vs {b}");
    }
    if let Some(key) = &d.key {
        say!("  storage key: {} = {}", key.preimage, key.key);
        say!(
            "    {}: {}",
            d.nodes.0,
            key.left.as_deref().unwrap_or("(none)")
        );
        say!(
            "    {}: {}",
            d.nodes.1,
            key.right.as_deref().unwrap_or("(none)")
        );
    }
}

/// Runs a replay with the standard conditions.
///
/// # Errors
///
/// The exit code when the replay could not run.
pub fn run_replay(
    chain: &Path,
    nodes: usize,
    work_dir: &Path,
    fault: Option<InjectedFault>,
    profile: bool,
) -> Result<ReplayReport, ExitCode> {
    let blocks =
        match gasworks_node_sim::chainfile::ChainReader::open(chain).and_then(|r| r.read_all()) {
            Ok((_, blocks)) => blocks.len() as u64,
            Err(error) => {
                eprintln!("error: {error}");
                return Err(ExitCode::from(USAGE_OR_IO));
            }
        };
    let mut specs = standard_nodes(nodes, blocks);
    if let Some(injected) = fault {
        match specs.get_mut(injected.node) {
            Some(spec) => spec.fault = Some(injected.fault),
            None => {
                eprintln!("error: no node {} to inject a fault into", injected.node);
                return Err(ExitCode::from(USAGE_OR_IO));
            }
        }
    }
    if profile {
        // The first node in this process profiles (a node's own condition:
        // the others check it changes nothing).
        let profiling = specs.iter_mut().find_map(|spec| match &mut spec.condition {
            Condition::InProcess(options) => {
                options.profile = true;
                spec.name.push_str("+profile");
                Some(())
            }
            Condition::KilledProcess { .. } => None,
        });
        if profiling.is_none() {
            eprintln!("error: --profile needs a node in this process (--nodes 1 or more)");
            return Err(ExitCode::from(USAGE_OR_IO));
        }
    }
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("gasworks"));
    let config = ReplayConfig {
        chain: chain.to_path_buf(),
        work_dir: work_dir.to_path_buf(),
        nodes: specs,
        exe,
        progress: true,
    };
    replay(&config).map_err(|error| {
        eprintln!("error: {error}");
        ExitCode::from(USAGE_OR_IO)
    })
}

/// The whole chain's profile: every block's, each under `block H`, every
/// transaction under `tx N` (so flame graphs and folded stacks keep both).
fn chain_profile(blocks: &[BlockProfile]) -> Profile {
    let mut chain = Profile::default();
    for block in blocks {
        chain.merge(&block.block().nested_in(&format!("block {}", block.height)));
    }
    chain
}

/// The whole chain's profile without block and transaction scopes: gas by
/// contract, function, host function and category over all blocks.
fn aggregate_profile(blocks: &[BlockProfile]) -> Profile {
    let mut total = Profile::default();
    for profile in blocks.iter().flat_map(|block| &block.transactions) {
        total.merge(profile);
    }
    total
}

/// A profile's categories in one line: `instructions 61.0%, storage ...`.
fn category_line(profile: &Profile) -> String {
    let total = profile.total().max(1);
    profile
        .by_category()
        .iter()
        .map(|(category, gas)| {
            let per_mille = u128::from(*gas) * 1000 / u128::from(total);
            format!("{} {}.{}%", category.name(), per_mille / 10, per_mille % 10)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn profile_json(blocks: &[BlockProfile]) -> serde_json::Value {
    serde_json::json!({
        "chain": aggregate_profile(blocks).to_json(),
        "blocks": blocks.iter().map(|block| {
            let profile = block.block();
            serde_json::json!({
                "height": block.height,
                "gas_used": profile.total(),
                "categories": profile.by_category().iter().map(|(c, gas)| {
                    serde_json::json!({"category": c.name(), "gas": gas})
                }).collect::<Vec<_>>(),
                "transactions": block.transactions.iter().enumerate().map(|(index, tx)| {
                    serde_json::json!({"index": index, "gas_used": tx.total(), "profile": tx.to_json()})
                }).collect::<Vec<_>>(),
            })
        }).collect::<Vec<_>>(),
    })
}

/// Runs the command.
pub fn run(
    chain: Option<&Path>,
    nodes: usize,
    work_dir: Option<&Path>,
    bundle: Option<&Path>,
    fault: Option<InjectedFault>,
    json: bool,
    profile: &ProfileArgs,
) -> ExitCode {
    if let Some(bundle) = bundle {
        return run_bundle(bundle, json);
    }
    let Some(chain) = chain else {
        eprintln!("error: give a chain file, or --bundle FILE");
        return ExitCode::from(USAGE_OR_IO);
    };
    let work_dir = work_dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| chain.with_extension("replay"));
    let report = match run_replay(chain, nodes, &work_dir, fault, profile.wanted()) {
        Ok(report) => report,
        Err(code) => return code,
    };
    if profile.wanted() {
        let title = format!(
            "{}: gas by block, transaction and function",
            chain
                .file_name()
                .map_or("chain".into(), |n| n.to_string_lossy())
        );
        if let Err(error) = profile.write_files(&chain_profile(&report.profiles), &title) {
            eprintln!("error: {error}");
            return ExitCode::from(USAGE_OR_IO);
        }
    }
    if json {
        let mut value = report_json(&report);
        if profile.profile {
            value["profile"] = profile_json(&report.profiles);
        }
        say!("{value}");
    } else {
        for node in &report.nodes {
            say!(
                "node {:<22} head {:>5} root {}{}{}",
                node.name,
                node.height,
                node.state_root,
                if node.restarts > 0 {
                    format!(" (killed at {:?}, restarted)", node.killed_at)
                } else {
                    String::new()
                },
                node.error
                    .as_ref()
                    .map_or(String::new(), |e| format!(" STOPPED: {e}"))
            );
        }
        let agreeing = report.per_block.iter().filter(|b| b.agree).count();
        say!(
            "{agreeing}/{} blocks agree on {} nodes; final state root {}",
            report.blocks,
            report.nodes.len(),
            report.state_root
        );
        if let Some(divergence) = &report.divergence {
            print_divergence(divergence);
        }
        if let Some(bundle) = &report.bundle {
            say!("repro bundle: {}", bundle.display());
        }
        if profile.profile {
            say!("\ngas profile, block by block:");
            for block in &report.profiles {
                let profile = block.block();
                say!(
                    "  block {:>4}: {:>3} transactions, {:>12} gas: {}",
                    block.height,
                    block.transactions.len(),
                    profile.total(),
                    category_line(&profile)
                );
            }
            say!(
                "\ngas profile of the whole chain:\n{}",
                aggregate_profile(&report.profiles)
                    .table(TOP_FUNCTIONS)
                    .trim_end()
            );
        }
    }
    if report.agree {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FAILED)
    }
}

fn run_bundle(path: &Path, json: bool) -> ExitCode {
    let bundle = match Bundle::read(path) {
        Ok(bundle) => bundle,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(USAGE_OR_IO);
        }
    };
    let run = match bundle.run() {
        Ok(run) => run,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(FAILED);
        }
    };
    let divergence = gasworks_node_sim::replay::compare_records(&bundle.left.1, &bundle.right.1);
    if json {
        say!(
            "{}",
            serde_json::json!({
                "height": bundle.context.height,
                "transactions": bundle.txs.len(),
                "pre_state_keys": bundle.pre_state.len(),
                "matches": {
                    bundle.left.0.clone(): run.matches_left,
                    bundle.right.0.clone(): run.matches_right,
                },
                "first_difference_tx": divergence.as_ref().map(|d| d.tx),
                "first_difference_field": divergence.as_ref().map(|d| d.field.clone()),
            })
        );
    } else {
        say!(
            "bundle: block {}, {} transactions, {} pre-state keys",
            bundle.context.height,
            bundle.txs.len(),
            bundle.pre_state.len()
        );
        say!(
            "re-run matches {}: {}; matches {}: {}",
            bundle.left.0,
            run.matches_left,
            bundle.right.0,
            run.matches_right
        );
        if let Some(d) = &divergence {
            let (a, b) = &d.values;
            say!(
                "the nodes first differ at transaction #{}, {}: {a} vs {b}",
                d.tx,
                d.field
            );
            if let Some(key) = &d.key {
                say!("  key {}", key.preimage);
            }
        }
    }
    if run.matches_left || run.matches_right {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FAILED)
    }
}
