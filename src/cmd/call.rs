//! `gasworks call FILE NAME [ARGS...] --gas N`: run a module.
//!
//! Two kinds of module: an SDK contract (it imports the host API, module
//! `host`) is deployed in a runtime with in-memory storage and its method
//! `NAME` called with borsh-encoded arguments (`u64:5`, `string:abc`,
//! `address:0x…`, `bytes:0x…`, `bool:true`, `u8`…`u128`, `i8`…`i128`),
//! optionally after a constructor (`--init "init string:A u8:18"`); any
//! other module has its export `NAME` called with wasm values (`i32:5`,
//! `i64:-1`). `--profile`, `--folded FILE` and `--flamegraph FILE` profile
//! the call's gas ([`super::profile`]).

use std::path::Path;
use std::process::ExitCode;

use gasworks_host_api::{
    Address, BlockEnv, CallRequest, HOST_MODULE, MemoryStorage, Runtime, StorageBackend,
};
use gasworks_vm::engine::{Instance, Linker, Module, Value};
use gasworks_vm::profile::{Profile, Profiler};

use super::profile::{ProfileArgs, TOP_FUNCTIONS};
use super::{REJECTED, USAGE_OR_IO, instrument_file, read_module};

/// What to call and how.
pub struct CallArgs<'a> {
    /// The module's path.
    pub path: &'a Path,
    /// The method or export.
    pub name: &'a str,
    /// Its arguments, `TYPE:VALUE`.
    pub args: &'a [String],
    /// Gas limit.
    pub gas: u64,
    /// A constructor to call first (SDK contracts).
    pub init: Option<&'a str>,
    /// Print one JSON object.
    pub json: bool,
    /// Profile output.
    pub profile: &'a ProfileArgs,
}

/// Runs the command.
pub fn run(call: &CallArgs<'_>) -> ExitCode {
    let wasm = match read_module(call.path) {
        Ok(wasm) => wasm,
        Err(code) => return code,
    };
    if imports_host(&wasm) {
        call_contract(&wasm, call)
    } else {
        call_export(call)
    }
}

/// The profile's part of the output: the table printed (or returned for
/// `--json`) and the files written. `Err` carries the exit code when a
/// file could not be written.
fn report_profile(
    call: &CallArgs<'_>,
    profile: Option<&Profile>,
) -> Result<Option<serde_json::Value>, ExitCode> {
    let Some(profile) = profile else {
        return Ok(None);
    };
    let title = format!(
        "{} {}",
        call.path
            .file_name()
            .map_or("module".into(), |n| n.to_string_lossy()),
        call.name
    );
    if let Err(error) = call.profile.write_files(profile, &title) {
        eprintln!("error: {error}");
        return Err(ExitCode::from(USAGE_OR_IO));
    }
    if !call.profile.profile {
        return Ok(None);
    }
    if call.json {
        return Ok(Some(profile.to_json()));
    }
    say!("\n{}", profile.table(TOP_FUNCTIONS).trim_end());
    Ok(None)
}

fn imports_host(wasm: &[u8]) -> bool {
    wasmparser::Parser::new(0)
        .parse_all(wasm)
        .any(|payload| match payload {
            Ok(wasmparser::Payload::ImportSection(reader)) => reader
                .into_imports()
                .any(|import| import.is_ok_and(|import| import.module == HOST_MODULE)),
            _ => false,
        })
}

/// Borsh of one typed argument (`u64:5`, `string:abc`, ...).
pub fn encode_argument(text: &str) -> Result<Vec<u8>, String> {
    let (ty, value) = text
        .split_once(':')
        .ok_or_else(|| format!("bad argument {text:?}: write TYPE:VALUE, as u64:5"))?;
    fn parse<T: std::str::FromStr>(ty: &str, value: &str) -> Result<T, String> {
        value
            .parse()
            .map_err(|_| format!("bad {ty} value {value:?}"))
    }
    let bytes = match ty {
        "u8" => borsh::to_vec(&parse::<u8>(ty, value)?),
        "u16" => borsh::to_vec(&parse::<u16>(ty, value)?),
        "u32" => borsh::to_vec(&parse::<u32>(ty, value)?),
        "u64" => borsh::to_vec(&parse::<u64>(ty, value)?),
        "u128" => borsh::to_vec(&parse::<u128>(ty, value)?),
        "i8" => borsh::to_vec(&parse::<i8>(ty, value)?),
        "i16" => borsh::to_vec(&parse::<i16>(ty, value)?),
        "i32" => borsh::to_vec(&parse::<i32>(ty, value)?),
        "i64" => borsh::to_vec(&parse::<i64>(ty, value)?),
        "i128" => borsh::to_vec(&parse::<i128>(ty, value)?),
        "bool" => borsh::to_vec(&parse::<bool>(ty, value)?),
        "string" => borsh::to_vec(&value.to_string()),
        "address" => {
            let bytes = gasworks_node_sim::hash::from_hex(value)
                .filter(|b| b.len() == 32)
                .ok_or_else(|| format!("bad address {value:?}: 32 bytes in hex"))?;
            return Ok(bytes);
        }
        "bytes" => {
            let bytes = gasworks_node_sim::hash::from_hex(value)
                .ok_or_else(|| format!("bad bytes {value:?}: hex"))?;
            borsh::to_vec(&bytes)
        }
        other => return Err(format!("unknown argument type {other:?}")),
    };
    bytes.map_err(|e| e.to_string())
}

/// A call's input: borsh of the method name, then each argument.
pub fn encode_call(method: &str, args: &[String]) -> Result<Vec<u8>, String> {
    let mut input = borsh::to_vec(&method.to_string()).map_err(|e| e.to_string())?;
    for arg in args {
        input.extend(encode_argument(arg)?);
    }
    Ok(input)
}

/// The caller of every `gasworks call`: SHA-256 of `gasworks cli caller`.
fn cli_caller() -> Address {
    Address(gasworks_host_api::crypto::sha256(b"gasworks cli caller"))
}

fn call_contract(wasm: &[u8], call: &CallArgs<'_>) -> ExitCode {
    let (method, args, gas, init, json) = (call.name, call.args, call.gas, call.init, call.json);
    let contract = Address([0xc0; 32]);
    let mut runtime = Runtime::new();
    if let Err(error) = runtime.deploy(contract, wasm) {
        eprintln!("rejected: {error}");
        return ExitCode::from(REJECTED);
    }
    let block = BlockEnv {
        height: 1,
        time: 1_700_000_000,
        chain_id: 1,
    };
    let mut storage = MemoryStorage::new();
    if let Some(init) = init {
        let mut words = init.split_whitespace();
        let init_method = words.next().unwrap_or("init");
        let init_args: Vec<String> = words.map(str::to_string).collect();
        let input = match encode_call(init_method, &init_args) {
            Ok(input) => input,
            Err(error) => {
                eprintln!("error: --init: {error}");
                return ExitCode::from(USAGE_OR_IO);
            }
        };
        let backend: std::sync::Arc<dyn StorageBackend> = std::sync::Arc::new(storage.clone());
        let request = CallRequest {
            origin: cli_caller(),
            contract,
            input,
            gas_limit: gas,
        };
        match runtime.execute(&block, backend, &request) {
            Ok((receipt, _)) if receipt.is_success() => storage.apply(&receipt.changes),
            Ok((receipt, debug)) => {
                let message = debug.aborts.last().map(|a| a.message.clone());
                eprintln!(
                    "error: the constructor failed: {}{}",
                    receipt.trap.map_or("?".into(), trap_name),
                    message.map_or(String::new(), |m| format!(": {m}"))
                );
                return ExitCode::from(REJECTED);
            }
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(USAGE_OR_IO);
            }
        }
    }
    let input = match encode_call(method, args) {
        Ok(input) => input,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(USAGE_OR_IO);
        }
    };
    let request = CallRequest {
        origin: cli_caller(),
        contract,
        input,
        gas_limit: gas,
    };
    let backend: std::sync::Arc<dyn StorageBackend> = std::sync::Arc::new(storage);
    let mut profiler = call.profile.wanted().then(Profiler::new);
    let executed = match profiler.as_mut() {
        None => runtime.execute(&block, backend, &request),
        Some(profiler) => runtime.execute_profiled(&block, backend, &request, profiler),
    };
    let (receipt, debug) = match executed {
        Ok(outcome) => outcome,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(USAGE_OR_IO);
        }
    };
    let profile = profiler.map(Profiler::finish);
    let abort = debug.aborts.last().map(|a| a.message.clone());
    let return_hex = gasworks_node_sim::hash::hex(&receipt.return_data);
    if json {
        let mut value = serde_json::json!({
            "return_data": return_hex,
            "gas_used": receipt.gas_used,
            "trap": receipt.trap.map(trap_name),
            "message": abort,
            "events": receipt.events.len(),
            "writes": receipt.changes.len(),
            "logs": debug.logs.iter().map(|l| l.message.clone()).collect::<Vec<_>>(),
        });
        match report_profile(call, profile.as_ref()) {
            Ok(Some(profile)) => value["profile"] = profile,
            Ok(None) => {}
            Err(code) => return code,
        }
        say!("{value}");
    } else {
        match receipt.trap {
            None => say!("returned: 0x{return_hex}"),
            Some(trap) => say!(
                "trap: {}{}",
                trap_name(trap),
                abort.map_or(String::new(), |m| format!(" ({m})"))
            ),
        }
        say!("gas used: {}", receipt.gas_used);
        say!(
            "events: {}, storage writes: {}",
            receipt.events.len(),
            receipt.changes.len()
        );
        for log in &debug.logs {
            say!("log: {}", log.message);
        }
        if let Err(code) = report_profile(call, profile.as_ref()) {
            return code;
        }
    }
    if receipt.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(REJECTED)
    }
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

/// A trap as a person reads it: the engine's name, or for a host trap its
/// code and the host API's name (`host(4) key_length`).
fn trap_name(trap: gasworks_vm::trap::TrapKind) -> String {
    gasworks_host_api::docs::trap_name(trap).replace('`', "")
}

fn call_export(call: &CallArgs<'_>) -> ExitCode {
    let (path, export, args, gas, json) = (call.path, call.name, call.args, call.gas, call.json);
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
    let module = match Module::new(&instrumented) {
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
    let mut profiler = call.profile.wanted().then(Profiler::new);
    let called = match profiler.as_mut() {
        None => instance.call(export, &values, gas),
        Some(profiler) => instance.call_profiled(export, &values, gas, &mut (), profiler),
    };
    let outcome = match called {
        Ok(outcome) => outcome,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(USAGE_OR_IO);
        }
    };
    let profile = profiler.map(Profiler::finish);
    let results: Vec<String> = match &outcome.result {
        Ok(values) => values.iter().map(format_value).collect(),
        Err(_) => Vec::new(),
    };
    let trap = outcome.result.as_ref().err();
    if json {
        let mut value = serde_json::json!({
            "results": results,
            "gas_used": outcome.gas_used,
            "trap": trap.map(|kind| kind.name()),
        });
        match report_profile(call, profile.as_ref()) {
            Ok(Some(profile)) => value["profile"] = profile,
            Ok(None) => {}
            Err(code) => return code,
        }
        say!("{value}");
    } else {
        match trap {
            None => say!("results: {}", results.join(" ")),
            Some(kind) => say!("trap: {}", trap_name(*kind)),
        }
        say!("gas used: {}", outcome.gas_used);
        if let Err(code) = report_profile(call, profile.as_ref()) {
            return code;
        }
    }
    if trap.is_some() {
        ExitCode::from(REJECTED)
    } else {
        ExitCode::SUCCESS
    }
}
