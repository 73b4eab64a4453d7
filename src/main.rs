//! `gasworks`: the command-line tool over every stage of the pipeline.
//!
//! Exit codes: 0 accepted (or done), 1 rejected (the reason on stderr),
//! 2 usage or I/O error.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gasworks_vm::engine::{Instance, Linker, Module, Value};
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
    /// Instrument, compile and call an export of a module that imports
    /// nothing but the metering functions.
    Call {
        /// A WebAssembly module (binary, or text format).
        file: PathBuf,
        /// The exported function to call.
        export: String,
        /// Arguments, written `i32:5` or `i64:-1`.
        #[arg(allow_negative_numbers = true)]
        args: Vec<String>,
        /// Gas limit.
        #[arg(long)]
        gas: u64,
        /// Print one JSON object: results, gas used, trap.
        #[arg(long)]
        json: bool,
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
        Command::Call {
            file,
            export,
            args,
            gas,
            json,
        } => call(&file, &export, &args, gas, json),
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

/// Parses `i32:5` or `i64:-1`.
fn parse_value(text: &str) -> Option<Value> {
    let (ty, number) = text.split_once(':')?;
    match ty {
        "i32" => number
            .parse::<i32>()
            .ok()
            .or_else(|| number.parse::<u32>().ok().map(|v| v as i32))
            .map(Value::I32),
        "i64" => number
            .parse::<i64>()
            .ok()
            .or_else(|| number.parse::<u64>().ok().map(|v| v as i64))
            .map(Value::I64),
        _ => None,
    }
}

fn format_value(value: &Value) -> String {
    match value {
        Value::I32(v) => format!("i32:{v}"),
        Value::I64(v) => format!("i64:{v}"),
        Value::FuncRef(Some(f)) => format!("funcref:{f}"),
        Value::FuncRef(None) => "funcref:null".to_string(),
        Value::ExternRef(Some(r)) => format!("externref:{r}"),
        Value::ExternRef(None) => "externref:null".to_string(),
    }
}

fn call(path: &Path, export: &str, args: &[String], gas: u64, json: bool) -> ExitCode {
    let mut values = Vec::with_capacity(args.len());
    for arg in args {
        match parse_value(arg) {
            Some(value) => values.push(value),
            None => {
                eprintln!("error: bad argument {arg:?}: write i32:5 or i64:-1");
                return ExitCode::from(USAGE_OR_IO);
            }
        }
    }
    let instrumented = match instrument_file(path) {
        Ok(instrumented) => instrumented,
        Err(code) => return code,
    };
    let module = match Module::new(&instrumented.module) {
        Ok(module) => module,
        Err(err) => {
            eprintln!("error: the instrumented module does not compile (a bug): {err}");
            return ExitCode::from(REJECTED);
        }
    };
    let mut instance = match Instance::new(&module, &Linker::new()) {
        Ok(instance) => instance,
        Err(err) => {
            eprintln!("error: cannot instantiate: {err}");
            return ExitCode::from(REJECTED);
        }
    };
    let outcome = match instance.call(export, &values, gas) {
        Ok(outcome) => outcome,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(USAGE_OR_IO);
        }
    };
    let results: Vec<String> = match &outcome.result {
        Ok(values) => values.iter().map(format_value).collect(),
        Err(_) => Vec::new(),
    };
    let trap = outcome.result.as_ref().err();
    if json {
        let results: Vec<String> = results.iter().map(|r| format!("\"{r}\"")).collect();
        let trap = trap.map_or("null".to_string(), |kind| format!("\"{}\"", kind.name()));
        println!(
            "{{\"results\": [{}], \"gas_used\": {}, \"trap\": {}}}",
            results.join(", "),
            outcome.gas_used,
            trap
        );
    } else {
        match trap {
            None => println!("results: {}", results.join(" ")),
            Some(kind) => println!("trap: {kind}"),
        }
        println!("gas used: {}", outcome.gas_used);
    }
    if trap.is_some() {
        ExitCode::from(REJECTED)
    } else {
        ExitCode::SUCCESS
    }
}
