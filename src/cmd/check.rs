//! `gasworks check FILE`: validation, limits and metering, with a report.

use std::path::Path;
use std::process::ExitCode;

use gasworks_vm::Instrumented;

use super::instrument_file;

/// Runs the command.
pub fn run(path: &Path) -> ExitCode {
    let instrumented = match instrument_file(path) {
        Ok(instrumented) => instrumented,
        Err(code) => return code,
    };
    print_report(path, &instrumented);
    ExitCode::SUCCESS
}

/// Prints the instrumenter's report on an accepted module (`gasworks
/// audit` prints it too, then its own).
pub fn print_report(path: &Path, instrumented: &Instrumented) {
    let report = &instrumented.report;
    say!("accepted: {}", path.display());
    say!("  functions:       {}", report.functions);
    let imports: Vec<String> = report
        .imports
        .iter()
        .map(|(module, name)| format!("{module}.{name}"))
        .collect();
    say!(
        "  imports:         {}{}",
        report.imports.len(),
        if imports.is_empty() {
            String::new()
        } else {
            format!(" ({})", imports.join(", "))
        }
    );
    say!("  exports:         {}", report.exports.join(", "));
    match report.memory {
        Some((initial, Some(maximum))) => {
            say!("  memory:          {initial} pages initial, {maximum} maximum")
        }
        Some((initial, None)) => say!("  memory:          {initial} pages initial, no maximum"),
        None => say!("  memory:          none"),
    }
    say!("  code bytes:      {}", report.code_bytes);
    say!("  metered blocks:  {}", report.metered_blocks);
    say!("  instrumented:    {} bytes", instrumented.module.len());
    say!("  cost table:      {}", report.cost_table_hash);
}
