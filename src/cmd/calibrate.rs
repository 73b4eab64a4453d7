//! `gasworks calibrate [--out FILE] [--json] [--quick] [--only ID]`: the
//! gas calibration report (`gasworks_gas_audit::calibrate`).
//!
//! Measures time per gas unit of every operator class, host function,
//! storage operation (against a RocksDB store in a temporary directory),
//! deployment shape and entry, against the median of plain wasm code, and
//! flags every case above 3x it. Where valgrind is installed, the command
//! runs itself once more under callgrind to count instructions too (the
//! full run only; `--quick` is wall time alone). The Markdown report is
//! what `docs/gas-calibration.md` holds.
//!
//! Exit codes: 0 nothing flagged, 1 something flagged (listed on stderr),
//! 2 the report could not be written.

use std::path::Path;
use std::process::ExitCode;

use gasworks_gas_audit::calibrate::{self, Config, Scale};

use super::{FAILED, USAGE_OR_IO};

/// Runs the command.
pub fn run(out: Option<&Path>, json: bool, quick: bool, only: Vec<String>) -> ExitCode {
    let config = Config {
        scale: if quick { Scale::Quick } else { Scale::Full },
        instructions: !quick,
        only,
        progress: true,
    };
    let report = calibrate::run(&config);
    let text = if json {
        format!("{:#}\n", report.to_json())
    } else {
        report.to_markdown()
    };
    match out {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                eprintln!("error: {}: {e}", path.display());
                return ExitCode::from(USAGE_OR_IO);
            }
        }
        None => say!("{}", text.trim_end()),
    }
    let flagged = report.flagged();
    if flagged.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "flagged (more than {}x the plain median): {}",
            calibrate::BOUND,
            flagged.join(", ")
        );
        ExitCode::from(FAILED)
    }
}
