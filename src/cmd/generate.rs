//! `gasworks gen --seed S --blocks B --accounts A --out CHAIN`: write a
//! chain file made from the example contracts.

use std::path::Path;
use std::process::ExitCode;

use gasworks_node_sim::generate::{GenConfig, generate};

use super::{FAILED, USAGE_OR_IO};

/// Runs the command.
pub fn run(config: &GenConfig, out: &Path, json: bool) -> ExitCode {
    let summary = match generate(config, out) {
        Ok(summary) => summary,
        Err(gasworks_node_sim::generate::GenError::Config(message)) => {
            eprintln!("error: {message}");
            return ExitCode::from(USAGE_OR_IO);
        }
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(FAILED);
        }
    };
    if json {
        let value = serde_json::json!({
            "blocks": summary.blocks,
            "transactions": summary.transactions,
            "state_root": summary.state_root.to_hex(),
            "statuses": summary.statuses,
            "contracts": summary.contracts.iter().map(|(k, v)| (k.clone(), v.to_string())).collect::<std::collections::BTreeMap<_, _>>(),
        });
        say!("{value}");
    } else {
        say!(
            "wrote {}: {} blocks, {} transactions, state root {}",
            out.display(),
            summary.blocks,
            summary.transactions,
            summary.state_root
        );
        for (status, count) in &summary.statuses {
            say!("  {count:>6}  {status}");
        }
    }
    ExitCode::SUCCESS
}
