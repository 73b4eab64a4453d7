//! `gasworks`: the command-line tool over every stage of the pipeline.
//!
//! Exit codes: 0 accepted (or done), 1 rejected (the reason on stderr),
//! 2 usage or I/O error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gasworks_vm::{Instrumented, instrument};

/// Deterministic, gas-metered WebAssembly VM for smart contracts.
#[derive(Parser)]
#[command(name = "gasworks", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a module against the accepted profile and limits; print a report.
    Check {
        /// A WebAssembly module (binary, or text format).
        file: PathBuf,
    },
    /// Instrument a module (gas and stack metering) and write the result.
    Instrument {
        /// A WebAssembly module (binary, or text format).
        file: PathBuf,
        /// Where to write the instrumented binary module.
        #[arg(short, long)]
        output: PathBuf,
    },
}

/// Exit code for a module that was rejected.
const REJECTED: u8 = 1;
/// Exit code for a usage or I/O error.
const USAGE_OR_IO: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // Help and version requests are not errors.
            let code = if err.use_stderr() { USAGE_OR_IO } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Check { file } => check(&file),
        Command::Instrument { file, output } => instrument_to(&file, &output),
    }
}

/// Reads a module; text-format files are converted to binary.
fn read_module(path: &Path) -> Result<Vec<u8>, ExitCode> {
    let bytes = std::fs::read(path).map_err(|err| {
        eprintln!("error: cannot read {}: {err}", path.display());
        ExitCode::from(USAGE_OR_IO)
    })?;
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes);
    }
    // Not a binary module: accept the text format, and otherwise hand the
    // bytes to the instrumenter, which says why they are not a module.
    match wat::parse_bytes(&bytes) {
        Ok(binary) => Ok(binary.into_owned()),
        Err(_) => Ok(bytes),
    }
}

fn instrument_file(path: &Path) -> Result<Instrumented, ExitCode> {
    let wasm = read_module(path)?;
    instrument(&wasm, &gasworks_host_api::instrument_config()).map_err(|rejection| {
        eprintln!("rejected: {rejection}");
        ExitCode::from(REJECTED)
    })
}

fn check(path: &Path) -> ExitCode {
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

fn instrument_to(path: &Path, output: &Path) -> ExitCode {
    let instrumented = match instrument_file(path) {
        Ok(instrumented) => instrumented,
        Err(code) => return code,
    };
    if let Err(err) = std::fs::write(output, &instrumented.module) {
        eprintln!("error: cannot write {}: {err}", output.display());
        return ExitCode::from(USAGE_OR_IO);
    }
    println!(
        "instrumented {} -> {} ({} metered blocks, cost table {})",
        path.display(),
        output.display(),
        instrumented.report.metered_blocks,
        instrumented.report.cost_table_hash
    );
    ExitCode::SUCCESS
}
