//! `gasworks instrument FILE -o OUT`: write the instrumented module.

use std::path::Path;
use std::process::ExitCode;

use super::{USAGE_OR_IO, instrument_file};

/// Runs the command.
pub fn run(path: &Path, output: &Path) -> ExitCode {
    let instrumented = match instrument_file(path) {
        Ok(instrumented) => instrumented,
        Err(code) => return code,
    };
    if let Err(err) = std::fs::write(output, &instrumented.module) {
        eprintln!("error: cannot write {}: {err}", output.display());
        return ExitCode::from(USAGE_OR_IO);
    }
    say!(
        "instrumented {} -> {} ({} metered blocks, cost table {})",
        path.display(),
        output.display(),
        instrumented.report.metered_blocks,
        instrumented.report.cost_table_hash
    );
    ExitCode::SUCCESS
}
