//! `gasworks check FILE`: validation, limits and metering, with a report.

use std::path::Path;
use std::process::ExitCode;

use super::instrument_file;

/// Runs the command.
pub fn run(path: &Path) -> ExitCode {
    let instrumented = match instrument_file(path) {
        Ok(instrumented) => instrumented,
        Err(code) => return code,
    };
    let report = &instrumented.report;
    println!("accepted: {}", path.display());
    println!("  functions:       {}", report.functions);
    let imports: Vec<String> = report
        .imports
        .iter()
        .map(|(module, name)| format!("{module}.{name}"))
        .collect();
    println!(
        "  imports:         {}{}",
        report.imports.len(),
        if imports.is_empty() {
            String::new()
        } else {
            format!(" ({})", imports.join(", "))
        }
    );
    println!("  exports:         {}", report.exports.join(", "));
    match report.memory {
        Some((initial, Some(maximum))) => {
            println!("  memory:          {initial} pages initial, {maximum} maximum")
        }
        Some((initial, None)) => println!("  memory:          {initial} pages initial, no maximum"),
        None => println!("  memory:          none"),
    }
    println!("  code bytes:      {}", report.code_bytes);
    println!("  metered blocks:  {}", report.metered_blocks);
    println!("  instrumented:    {} bytes", instrumented.module.len());
    println!("  cost table:      {}", report.cost_table_hash);
    ExitCode::SUCCESS
}
