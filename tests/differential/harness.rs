//! The differential harness: one instrumented module, run on the Gasworks
//! engine and on wasmi 2.0 (the reference) call by call, in lockstep.
//!
//! Shared by the test `tests/differential.rs` (fixed seeds) and the
//! cargo-fuzz target `fuzz/fuzz_targets/differential.rs` (fuzzer input),
//! which include this file by path, together with `tests/common/mod.rs` as
//! the crate's `common` module.
//!
//! # What is compared
//!
//! Before anything runs, the instrumented module gets extra exports (see
//! [`expose`]): every global as `\0dg.global.N` and memory 0 as
//! `\0dg.memory`. Both engines load these same bytes, so that both sides
//! read every global (the injected stack-height global, the last one,
//! included) and the whole memory, exported or not.
//!
//! - Loading: both engines compile the module, or neither does; both
//!   instantiate it, or both trap with the same kind.
//! - Each call, with the same arguments and gas limit on both sides: the
//!   results (references by null-ness: wasmi's function handles have no
//!   index), or the trap kind (wasmi's trap codes and the metering host
//!   errors mapped to [`TrapKind`]); the exact gas used, which together with
//!   the trap kind pins the out-of-gas point; then every global and the
//!   memory (its length and a [`digest`]; the bytes are fetched only to
//!   say where a difference starts).
//! - Both sides keep one instance through the whole sequence of calls, so
//!   that state carries the same way. Our engine puts the injected
//!   stack-height global back after a trap; the instrumented code does not,
//!   so after a trap on wasmi the harness sets it back to its value before
//!   the call (and after a call that returned, it must be back already:
//!   the export thunks restore it).
//!
//! wasmi runs with its fuel metering off and call-stack limits far above
//! what the injected stack limit allows, so that only the instrumented
//! metering decides; wasmi's own stack overflow is reported as a mismatch.
//!
//! # Where the reference runs
//!
//! The reference is driven through the [`Reference`] trait, one step at a
//! time. [`InProcess`] runs wasmi in this process with its panics caught;
//! the seed test runs it in a child process instead
//! (`differential/reference_process.rs`), because some of wasmi's failures
//! are not panics: a native stack overflow aborts the whole process. Either
//! way a failure of the reference is a [`ReferenceFailure`], counted apart
//! from mismatches: it says nothing about our engine.

// Each includer uses a different part.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt;

use gasworks_vm::engine::{self, CallError, Instance, Linker, Module};
use gasworks_vm::limits::Limits;
use gasworks_vm::trap::TrapKind;

use crate::common::SplitMix64;
use crate::common::wasmi_reference::{self, Meter};

// ===========================================================================
// Values, calls and outcomes, engine-neutral
// ===========================================================================

/// A value, as both engines can show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Val {
    I32(i32),
    I64(i64),
    /// A function reference, by null-ness only.
    FuncRef {
        null: bool,
    },
    /// An external reference, by null-ness only.
    ExternRef {
        null: bool,
    },
    /// Anything else wasmi returns (a float or vector: never expected).
    Unexpected,
}

/// A parameter type of a callable export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    I32,
    I64,
}

/// An exported function whose parameters are all integers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callable {
    pub name: String,
    pub params: Vec<Param>,
}

/// One call of the sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub export: String,
    pub args: Vec<Val>,
    pub gas_limit: u64,
}

/// Why a call stopped, or a failure the harness could not classify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    Trap(TrapKind),
    /// An error that is no trap of the consensus set (a harness or engine
    /// problem): never equal to anything on the other side.
    Unclassified(String),
}

/// What one call did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub result: Result<Vec<Val>, Stop>,
    pub gas_used: u64,
}

/// A difference between the two engines (or a broken invariant).
#[derive(Debug, Clone)]
pub struct Mismatch {
    /// Index of the call in the sequence; `None` for loading.
    pub call: Option<usize>,
    pub what: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.call {
            Some(call) => write!(f, "call #{call}: {}", self.what),
            None => write!(f, "loading: {}", self.what),
        }
    }
}

/// What a compared module did, for coverage statistics.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Both engines refused to compile the module (counted, not compared).
    pub not_loaded: bool,
    /// Both engines trapped while instantiating, with this kind.
    pub instantiation_trap: Option<TrapKind>,
    pub calls: usize,
    pub returned: usize,
    pub traps: BTreeMap<TrapKind, usize>,
    pub gas_used: u64,
    /// The (agreed) outcome of every call, in order.
    pub outcomes: Vec<Outcome>,
}

// ===========================================================================
// Extra exports
// ===========================================================================

/// Export name of global `index`.
pub fn global_export(index: u32) -> String {
    format!("\0dg.global.{index}")
}

/// Export name of memory 0.
pub const MEMORY_EXPORT: &str = "\0dg.memory";

/// A module with its extra exports.
pub struct Exposed {
    pub wasm: Vec<u8>,
    pub globals: u32,
    pub has_memory: bool,
}

/// Adds an export of every global and of memory 0 to `wasm` (an
/// instrumented module, so without imported globals or memories). Nothing
/// else changes.
pub fn expose(wasm: &[u8]) -> Result<Exposed, String> {
    use wasmparser::{Parser, Payload};
    let error = |e: wasmparser::BinaryReaderError| e.to_string();
    let mut globals = 0u32;
    let mut memories = 0u32;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(error)? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    match import.map_err(error)?.ty {
                        wasmparser::TypeRef::Global(_) | wasmparser::TypeRef::Memory(_) => {
                            return Err("an instrumented module imports a global or memory".into());
                        }
                        _ => {}
                    }
                }
            }
            Payload::GlobalSection(reader) => globals = reader.count(),
            Payload::MemorySection(reader) => memories = reader.count(),
            Payload::ExportSection(reader) => {
                for export in reader {
                    if export.map_err(error)?.name.starts_with("\0dg.") {
                        return Err("an export name collides with the harness's".into());
                    }
                }
            }
            _ => {}
        }
    }
    let add = |exports: &mut wasm_encoder::ExportSection| {
        for index in 0..globals {
            exports.export(
                &global_export(index),
                wasm_encoder::ExportKind::Global,
                index,
            );
        }
        if memories > 0 {
            exports.export(MEMORY_EXPORT, wasm_encoder::ExportKind::Memory, 0);
        }
    };
    let wasm = crate::common::with_exports(wasm, add)?;
    Ok(Exposed {
        wasm,
        globals,
        has_memory: memories > 0,
    })
}

// ===========================================================================
// The reference's side, wherever it runs
// ===========================================================================

/// Length and hash of a memory: what the two sides compare after every
/// call. The hash runs four lanes over the 8-byte words, each step a
/// bijection of the lane's state for a given word, so two memories that
/// differ in one word always differ in hash (and otherwise collide with a
/// chance of about 2^-64); the bytes themselves are fetched only to
/// describe a difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    pub len: u64,
    pub hash: u64,
}

/// The [`Digest`] of `memory`.
pub fn digest(memory: &[u8]) -> Digest {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let step = |lane: u64, word: u64| (lane ^ word).wrapping_mul(K).rotate_left(29);
    let word = |bytes: &[u8]| u64::from_le_bytes(bytes.try_into().expect("8 bytes"));
    let mut lanes = [1u64, 2, 3, 4];
    let mut blocks = memory.chunks_exact(32);
    for block in &mut blocks {
        for (lane, bytes) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            *lane = step(*lane, word(bytes));
        }
    }
    // The last bytes, zero-padded to a whole block (the length tells the
    // padding apart).
    let mut tail = [0u8; 32];
    tail[..blocks.remainder().len()].copy_from_slice(blocks.remainder());
    for (lane, bytes) in lanes.iter_mut().zip(tail.chunks_exact(8)) {
        *lane = step(*lane, word(bytes));
    }
    let hash = lanes
        .iter()
        .fold(memory.len() as u64, |hash, lane| step(hash, *lane));
    Digest {
        len: memory.len() as u64,
        hash,
    }
}

/// The state the harness compares after every call: every exposed global
/// (in index order; `None` where the reference has no such export) and the
/// memory (a zero-length digest when there is none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub globals: Vec<Option<Val>>,
    pub memory: Digest,
}

/// What loading a module on the reference gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    /// Compiled and instantiated: the state after instantiation.
    Ready(State),
    /// Refused at compilation (wasmi's message).
    NotCompiled(String),
    /// Compiled, but instantiation stopped.
    InstantiationStopped(Stop),
}

/// How the reference failed to give an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FailureKind {
    /// It panicked (caught; in its process, if it has one, which lives on).
    Panicked,
    /// Its process died (a native stack overflow aborts; a signal).
    Crashed,
    /// Its process gave no answer in time and was killed.
    TimedOut,
}

impl FailureKind {
    pub fn name(self) -> &'static str {
        match self {
            FailureKind::Panicked => "panicked",
            FailureKind::Crashed => "crashed",
            FailureKind::TimedOut => "timed out",
        }
    }
}

/// The reference engine failed: a finding about the reference, not a
/// difference, and no verdict on our engine for this module.
#[derive(Debug, Clone)]
pub struct ReferenceFailure {
    pub kind: FailureKind,
    /// Index of the call in the sequence; `None` for loading. Set by
    /// [`compare_with`].
    pub call: Option<usize>,
    /// The panic message, or the exit status and the end of the process's
    /// standard error.
    pub what: String,
}

impl ReferenceFailure {
    pub fn new(kind: FailureKind, what: impl Into<String>) -> ReferenceFailure {
        ReferenceFailure {
            kind,
            call: None,
            what: what.into(),
        }
    }
}

impl fmt::Display for ReferenceFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let step = match self.call {
            Some(call) => format!("call #{call}"),
            None => "loading".to_string(),
        };
        write!(f, "wasmi {} at {step}: {}", self.kind.name(), self.what)
    }
}

/// The reference engine, driven one step at a time, so that the harness
/// can compare after every step whether the engine runs in this process
/// ([`InProcess`]) or in its own (`reference_process.rs`, where its crash
/// cannot take the harness down).
pub trait Reference {
    /// Compiles and instantiates `wasm` (an exposed module: see [`expose`])
    /// with the metering imports, replacing any module loaded before.
    /// `globals` is the number of exposed globals, the last one the
    /// injected stack height.
    fn load(&mut self, wasm: &[u8], globals: u32) -> Result<Loaded, ReferenceFailure>;

    /// Runs `call` on the loaded instance; the outcome and the state after.
    fn call(&mut self, call: &Call) -> Result<(Outcome, State), ReferenceFailure>;

    /// The whole memory of the loaded instance (to describe a difference).
    fn memory(&mut self) -> Result<Vec<u8>, ReferenceFailure>;
}

// ===========================================================================
// The reference: wasmi 2.0 with the metering host functions
// ===========================================================================

/// wasmi's engine: the reference configuration (fuel off, call-stack limits
/// far above the injected one), every function translated when the module
/// loads (so that a translation problem shows there, not in the middle of a
/// call).
pub fn wasmi_engine() -> wasmi::Engine {
    let mut config = wasmi_reference::config();
    config.compilation_mode(wasmi::CompilationMode::Eager);
    wasmi::Engine::new(&config)
}

/// Maps a wasmi error to the consensus trap kinds; wasmi's own stack
/// overflow is no trap here (a mismatch).
fn wasmi_stop(error: &wasmi::Error) -> Stop {
    match wasmi_reference::classify(error) {
        wasmi_reference::Stop::Trap(kind) => Stop::Trap(kind),
        wasmi_reference::Stop::EngineStackOverflow => {
            Stop::Unclassified(format!("wasmi trap StackOverflow: {error}"))
        }
        wasmi_reference::Stop::Other(message) => Stop::Unclassified(message),
    }
}

fn wasmi_val(value: &wasmi::Val) -> Val {
    match value {
        wasmi::Val::I32(x) => Val::I32(*x),
        wasmi::Val::I64(x) => Val::I64(*x),
        wasmi::Val::FuncRef(r) => Val::FuncRef { null: r.is_null() },
        wasmi::Val::ExternRef(r) => Val::ExternRef { null: r.is_null() },
        // Instrumented modules have no floats or vectors.
        _ => Val::Unexpected,
    }
}

/// One wasmi instance kept through the sequence of calls.
struct WasmiInstance {
    store: wasmi::Store<Meter>,
    instance: wasmi::Instance,
    globals: u32,
    stack_height: Option<wasmi::Global>,
}

/// Loads `wasm` on wasmi (see [`Reference::load`]).
fn wasmi_load(wasm: &[u8], globals: u32) -> (Loaded, Option<WasmiInstance>) {
    let engine = wasmi_engine();
    let module = match wasmi::Module::new(&engine, wasm) {
        Ok(module) => module,
        Err(error) => return (Loaded::NotCompiled(error.to_string()), None),
    };
    let mut store = wasmi::Store::new(&engine, Meter::default());
    match wasmi_reference::linker(&engine).instantiate_and_start(&mut store, &module) {
        Ok(instance) => {
            let stack_height = globals
                .checked_sub(1)
                .and_then(|last| instance.get_global(&store, &global_export(last)));
            let instance = WasmiInstance {
                store,
                instance,
                globals,
                stack_height,
            };
            (Loaded::Ready(instance.state()), Some(instance))
        }
        Err(error) => (Loaded::InstantiationStopped(wasmi_stop(&error)), None),
    }
}

impl WasmiInstance {
    fn call(&mut self, call: &Call) -> Outcome {
        let Some(func) = self.instance.get_func(&self.store, &call.export) else {
            return Outcome {
                result: Err(Stop::Unclassified(format!(
                    "wasmi: no export {:?}",
                    call.export
                ))),
                gas_used: 0,
            };
        };
        let inputs: Vec<wasmi::Val> = call
            .args
            .iter()
            .map(|v| match *v {
                Val::I32(x) => wasmi::Val::I32(x),
                Val::I64(x) => wasmi::Val::I64(x),
                Val::FuncRef { .. } => wasmi::Val::FuncRef(wasmi::Nullable::Null),
                Val::ExternRef { .. } | Val::Unexpected => {
                    wasmi::Val::ExternRef(wasmi::Nullable::Null)
                }
            })
            .collect();
        let height = self.stack_height.map(|g| g.get(&self.store));
        let (result, gas_used) =
            wasmi_reference::call(&mut self.store, func, &inputs, call.gas_limit);
        let result = match result {
            Ok(outputs) => {
                let after = self.stack_height.map(|g| g.get(&self.store));
                if after.as_ref().map(val_bits) != height.as_ref().map(val_bits) {
                    Err(Stop::Unclassified(format!(
                        "wasmi: the call returned but the stack height went from \
                         {height:?} to {after:?} (instrumenter bug)"
                    )))
                } else {
                    Ok(outputs.iter().map(wasmi_val).collect())
                }
            }
            Err(error) => Err(wasmi_stop(&error)),
        };
        if result.is_err() {
            // The instrumented code leaves the height where the trap found it.
            if let (Some(global), Some(height)) = (self.stack_height, height) {
                global
                    .set(&mut self.store, height)
                    .expect("the stack-height global is a mutable i32");
            }
        }
        Outcome { result, gas_used }
    }

    fn state(&self) -> State {
        State {
            globals: (0..self.globals)
                .map(|index| {
                    let global = self
                        .instance
                        .get_global(&self.store, &global_export(index))?;
                    Some(wasmi_val(&global.get(&self.store)))
                })
                .collect(),
            memory: digest(self.memory()),
        }
    }

    fn memory(&self) -> &[u8] {
        match self.instance.get_memory(&self.store, MEMORY_EXPORT) {
            Some(memory) => memory.data(&self.store),
            None => &[],
        }
    }
}

fn val_bits(value: &wasmi::Val) -> Option<i64> {
    match value {
        wasmi::Val::I32(x) => Some(i64::from(*x)),
        wasmi::Val::I64(x) => Some(*x),
        _ => None,
    }
}

/// The message of a caught panic.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".to_string())
}

/// Runs `step` with its panics caught as [`FailureKind::Panicked`].
fn guarded<T>(step: impl FnOnce() -> T) -> Result<T, ReferenceFailure> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(step)).map_err(|payload| {
        ReferenceFailure::new(FailureKind::Panicked, panic_message(payload.as_ref()))
    })
}

/// wasmi in this process, its panics caught (a panic drops the instance).
/// A native stack overflow or an abort in wasmi still ends the process:
/// what runs every seed uses the reference process instead; this one
/// serves the fuzzer (where a crash is a finding to keep) and the
/// reference process itself.
#[derive(Default)]
pub struct InProcess {
    instance: Option<WasmiInstance>,
}

impl InProcess {
    fn loaded(&mut self) -> Result<&mut WasmiInstance, ReferenceFailure> {
        self.instance.as_mut().ok_or_else(|| {
            ReferenceFailure::new(FailureKind::Panicked, "no module is loaded (harness bug)")
        })
    }
}

impl Reference for InProcess {
    fn load(&mut self, wasm: &[u8], globals: u32) -> Result<Loaded, ReferenceFailure> {
        self.instance = None;
        let (loaded, instance) = guarded(|| wasmi_load(wasm, globals))?;
        self.instance = instance;
        Ok(loaded)
    }

    fn call(&mut self, call: &Call) -> Result<(Outcome, State), ReferenceFailure> {
        let instance = self.loaded()?;
        let result = guarded(|| {
            let outcome = instance.call(call);
            (outcome, instance.state())
        });
        if result.is_err() {
            self.instance = None;
        }
        result
    }

    fn memory(&mut self) -> Result<Vec<u8>, ReferenceFailure> {
        Ok(self.loaded()?.memory().to_vec())
    }
}

// ===========================================================================
// Our engine
// ===========================================================================

fn our_val(value: engine::Value) -> Val {
    match value {
        engine::Value::I32(x) => Val::I32(x),
        engine::Value::I64(x) => Val::I64(x),
        engine::Value::FuncRef(r) => Val::FuncRef { null: r.is_none() },
        engine::Value::ExternRef(r) => Val::ExternRef { null: r.is_none() },
    }
}

fn our_call(instance: &mut Instance, call: &Call) -> Outcome {
    let args: Vec<engine::Value> = call
        .args
        .iter()
        .map(|v| match *v {
            Val::I32(x) => engine::Value::I32(x),
            Val::I64(x) => engine::Value::I64(x),
            Val::FuncRef { .. } => engine::Value::FuncRef(None),
            Val::ExternRef { .. } | Val::Unexpected => engine::Value::ExternRef(None),
        })
        .collect();
    match instance.call(&call.export, &args, call.gas_limit) {
        // Threaded dispatch must not grow the native stack per instruction
        // (see `Instance::native_stack_used`; 48 to 64 bytes in release).
        // Not under the fuzzer, whose build runs the portable dispatch loop
        // and whose instrumented frames are larger.
        Ok(_) if !cfg!(fuzzing) && instance.native_stack_used() > 256 => Outcome {
            result: Err(Stop::Unclassified(format!(
                "gasworks: the executor held {} bytes of native stack at the end of the call",
                instance.native_stack_used()
            ))),
            gas_used: 0,
        },
        Ok(outcome) => Outcome {
            result: outcome
                .result
                .map(|values| values.into_iter().map(our_val).collect())
                .map_err(Stop::Trap),
            gas_used: outcome.gas_used,
        },
        Err(error @ (CallError::NoSuchExport(_) | CallError::BadArguments(_))) => Outcome {
            result: Err(Stop::Unclassified(format!("gasworks: {error}"))),
            gas_used: 0,
        },
    }
}

fn our_state(instance: &Instance, globals: u32) -> State {
    State {
        globals: (0..globals)
            .map(|index| instance.global(&global_export(index)).map(our_val))
            .collect(),
        memory: digest(instance.memory()),
    }
}

// ===========================================================================
// The comparison
// ===========================================================================

/// The exported functions of `wasm` whose parameters are all integers, by
/// name in byte order (the order wasmi lists them in, so that seeds plan
/// the calls they planned when the list came from wasmi).
pub fn callables(wasm: &[u8]) -> Result<Vec<Callable>, String> {
    use wasmparser::{Parser, Payload, TypeRef, ValType};
    let error = |e: wasmparser::BinaryReaderError| e.to_string();
    let mut types: Vec<Option<Vec<Param>>> = Vec::new();
    let mut functions: Vec<u32> = Vec::new();
    let mut exports: Vec<(String, u32)> = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(error)? {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    let params = ty
                        .map_err(error)?
                        .params()
                        .iter()
                        .map(|p| match p {
                            ValType::I32 => Some(Param::I32),
                            ValType::I64 => Some(Param::I64),
                            _ => None,
                        })
                        .collect();
                    types.push(params);
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    if let TypeRef::Func(ty) | TypeRef::FuncExact(ty) = import.map_err(error)?.ty {
                        functions.push(ty);
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    functions.push(ty.map_err(error)?);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(error)?;
                    if export.kind == wasmparser::ExternalKind::Func {
                        exports.push((export.name.to_string(), export.index));
                    }
                }
            }
            _ => {}
        }
    }
    exports.sort();
    Ok(exports
        .into_iter()
        .filter_map(|(name, function)| {
            let ty = *functions.get(function as usize)?;
            let params = types.get(ty as usize)?.clone()?;
            Some(Callable { name, params })
        })
        .collect())
}

/// What stopped a comparison: a difference, or the reference failing.
#[derive(Debug, Clone)]
pub enum Finding {
    Mismatch(Mismatch),
    Reference(ReferenceFailure),
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Mismatch(mismatch) => mismatch.fmt(f),
            Finding::Reference(failure) => failure.fmt(f),
        }
    }
}

/// [`compare_with`] on wasmi in this process.
pub fn compare(
    instrumented: &[u8],
    plan: impl FnOnce(&[Callable]) -> Vec<Call>,
) -> Result<Summary, Finding> {
    compare_with(&mut InProcess::default(), instrumented, plan)
}

/// Loads `instrumented` (an instrumented module) on our engine and on
/// `reference` and runs the calls that `plan` makes from its callable
/// exports, comparing after every call. Stops at the first difference, or
/// where the reference fails.
pub fn compare_with(
    reference: &mut dyn Reference,
    instrumented: &[u8],
    plan: impl FnOnce(&[Callable]) -> Vec<Call>,
) -> Result<Summary, Finding> {
    let loading = |what: String| Finding::Mismatch(Mismatch { call: None, what });
    let exposed = expose(instrumented).map_err(|e| loading(format!("harness: {e}")))?;
    let callables = callables(&exposed.wasm).map_err(|e| loading(format!("harness: {e}")))?;
    let mut summary = Summary::default();

    let ours = Module::new_unmetered(&exposed.wasm);
    let theirs = reference
        .load(&exposed.wasm, exposed.globals)
        .map_err(Finding::Reference)?;
    let ours = match (ours, &theirs) {
        (Ok(ours), Loaded::Ready(_) | Loaded::InstantiationStopped(_)) => ours,
        (Err(_), Loaded::NotCompiled(_)) => {
            summary.not_loaded = true;
            return Ok(summary);
        }
        (ours, theirs) => {
            return Err(loading(format!(
                "compilation differs: gasworks {:?}, wasmi {theirs:?}",
                ours.err(),
            )));
        }
    };
    let mut ours = match (Instance::new(&ours, &Linker::new()), theirs) {
        (Ok(ours), Loaded::Ready(state)) => {
            compare_state(reference, &ours, exposed.globals, &state)
                .map_err(|what| loading(format!("after instantiation: {what}")))?;
            ours
        }
        (Err(engine::InstantiationError::Trap(kind)), Loaded::InstantiationStopped(stop))
            if stop == Stop::Trap(kind) =>
        {
            summary.instantiation_trap = Some(kind);
            return Ok(summary);
        }
        (ours, theirs) => {
            return Err(loading(format!(
                "instantiation differs: gasworks {:?}, wasmi {theirs:?}",
                ours.err(),
            )));
        }
    };

    for (index, call) in plan(&callables).iter().enumerate() {
        let mismatch = |what: String| {
            Finding::Mismatch(Mismatch {
                call: Some(index),
                what: format!(
                    "{:?}({}) with gas {}: {what}",
                    call.export,
                    call.args
                        .iter()
                        .map(|a| format!("{a:?}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    call.gas_limit
                ),
            })
        };
        let our_outcome = our_call(&mut ours, call);
        let (their_outcome, their_state) = reference.call(call).map_err(|mut failure| {
            failure.call = Some(index);
            Finding::Reference(failure)
        })?;
        if our_outcome != their_outcome {
            return Err(mismatch(format!(
                "outcomes differ: gasworks {our_outcome:?}, wasmi {their_outcome:?}"
            )));
        }
        if let Err(Stop::Unclassified(what)) = &their_outcome.result {
            return Err(mismatch(what.clone()));
        }
        compare_state(reference, &ours, exposed.globals, &their_state)
            .map_err(|what| mismatch(format!("same outcome {our_outcome:?}, but {what}")))?;
        summary.calls += 1;
        summary.gas_used += our_outcome.gas_used;
        match &our_outcome.result {
            Ok(_) => summary.returned += 1,
            Err(Stop::Trap(kind)) => *summary.traps.entry(*kind).or_default() += 1,
            Err(Stop::Unclassified(_)) => {}
        }
        summary.outcomes.push(our_outcome);
    }
    Ok(summary)
}

/// Compares every global and the memory of our instance with the
/// reference's `state`, fetching the reference's memory to say where it
/// differs.
fn compare_state(
    reference: &mut dyn Reference,
    ours: &Instance,
    globals: u32,
    theirs: &State,
) -> Result<(), String> {
    let mine = our_state(ours, globals);
    for (index, (mine, reference)) in mine.globals.iter().zip(&theirs.globals).enumerate() {
        if mine != reference {
            return Err(format!(
                "global {index} differs: gasworks {mine:?}, wasmi {reference:?}"
            ));
        }
    }
    if mine.globals.len() != theirs.globals.len() {
        return Err(format!(
            "wasmi shows {} globals, gasworks {}",
            theirs.globals.len(),
            mine.globals.len()
        ));
    }
    if mine.memory == theirs.memory {
        return Ok(());
    }
    let memory = ours.memory();
    let first = match reference.memory() {
        Ok(reference) => {
            let first = memory
                .iter()
                .zip(&reference)
                .position(|(a, b)| a != b)
                .unwrap_or(memory.len().min(reference.len()));
            format!("first difference at {first:#x}")
        }
        Err(failure) => format!("and wasmi's memory could not be read: {failure}"),
    };
    Err(format!(
        "memory differs: gasworks {} bytes (hash {:016x}), wasmi {} bytes (hash {:016x}), {first}",
        mine.memory.len, mine.memory.hash, theirs.memory.len, theirs.memory.hash,
    ))
}

// ===========================================================================
// Generated modules and call plans
// ===========================================================================

/// A wasm-smith configuration inside the accepted profile (as in
/// `tests/instrument_properties.rs`), with sizes drawn from `rng`, most
/// memories kept small so that comparing them after every call stays cheap.
pub fn smith_config(rng: &mut SplitMix64) -> wasm_smith::Config {
    let limits = Limits::CONSENSUS;
    let memory_pages = if rng.below(8) == 0 {
        u64::from(limits.memory_pages)
    } else {
        1 + rng.below(16)
    };
    let reference_types = rng.below(4) != 0;
    let mut config = wasm_smith::Config {
        max_memory32_bytes: memory_pages * 65_536,
        max_tables: 1 + rng.below(u64::from(limits.tables)) as usize,
        max_table_elements: u64::from(limits.table_elements).min(1 + rng.below(1_000)),
        max_types: 1 + rng.below(30) as usize,
        max_funcs: 1 + rng.below(40) as usize,
        max_globals: rng.below(30) as usize,
        max_exports: rng.below(60) as usize,
        max_data_segments: rng.below(10) as usize,
        max_element_segments: rng.below(10) as usize,
        max_elements: rng.below(50) as usize,
        max_instructions: 1 + rng.below(500) as usize,
        max_nesting_depth: 1 + rng.below(12) as usize,
        // Mostly every function, global, table and memory exported.
        export_everything: rng.below(4) != 0,
        ..crate::common::accepted_profile(reference_types)
    };
    crate::common::draw_minimums(&mut config, rng);
    config
}

/// A generated and instrumented module, ready to compare.
pub struct Generated {
    /// The wasm-smith module (input of the instrumenter).
    pub original: Vec<u8>,
    /// The instrumented module.
    pub instrumented: Vec<u8>,
}

/// Why a seed gave nothing to compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// wasm-smith ran out of entropy or failed.
    NotGenerated(String),
    /// The instrumenter rejected the module (the message).
    Rejected(String),
}

/// Generates a module from `entropy` with a configuration drawn from `rng`;
/// one in three gets wasm-smith's own termination fuel (an exported global
/// decremented at every loop head and function entry, `unreachable` at
/// zero) on top of the gas limit, which ends every run anyway.
pub fn generate(rng: &mut SplitMix64, entropy: &[u8]) -> Result<Generated, Skip> {
    let config = smith_config(rng);
    let mut u = arbitrary::Unstructured::new(entropy);
    let mut module =
        wasm_smith::Module::new(config, &mut u).map_err(|e| Skip::NotGenerated(e.to_string()))?;
    if rng.below(3) == 0 {
        let fuel = 1 + rng.below(2_000) as u32;
        // Fails only for function bodies wasm-smith did not generate.
        let _ = module.ensure_termination(fuel);
    }
    let original = module.to_bytes();
    let instrumented = gasworks_vm::instrument(&original, &gasworks_host_api_config())
        .map_err(|rejection| Skip::Rejected(rejection.to_string()))?
        .module;
    Ok(Generated {
        original,
        instrumented,
    })
}

/// The configuration every node uses (consensus limits, no host functions
/// that generated modules could import).
fn gasworks_host_api_config() -> gasworks_vm::InstrumentConfig {
    gasworks_vm::InstrumentConfig {
        limits: Limits::CONSENSUS,
        host_imports: Vec::new(),
    }
}

/// A gas limit for a module: mostly small enough that a loop that never
/// ends costs little time, sometimes large.
pub fn module_gas_limit(rng: &mut SplitMix64) -> u64 {
    match rng.below(16) {
        0..=3 => 1 + rng.below(2_000),
        4..=11 => 20_000,
        12..=14 => 200_000,
        _ => 2_000_000,
    }
}

/// An argument of type `param`: the first patterns are all zeros, all ones,
/// all minus ones; then values drawn from edge cases and random bits.
fn argument(param: Param, pattern: usize, rng: &mut SplitMix64) -> Val {
    let bits: i64 = match pattern {
        0 => 0,
        1 => 1,
        2 => -1,
        _ => match rng.below(8) {
            0 => 0,
            1 => 1,
            2 => -1,
            3 => rng.below(64) as i64,
            4 => 65_536 * rng.below(8) as i64 - rng.below(16) as i64,
            5 => i64::MIN >> rng.below(64),
            6 => i64::MAX >> rng.below(64),
            _ => rng.next() as i64,
        },
    };
    match param {
        Param::I32 => Val::I32(bits as i32),
        Param::I64 => Val::I64(bits),
    }
}

/// A call sequence over `callables`: every function once with each of the
/// fixed patterns (round-robin, so that state carries between different
/// functions), then random functions with random arguments, `max_calls` in
/// all. One call in eight gets a random gas limit below the module's, to
/// move the out-of-gas point around.
pub fn plan_calls(
    callables: &[Callable],
    rng: &mut SplitMix64,
    gas_limit: u64,
    max_calls: usize,
) -> Vec<Call> {
    let mut calls = Vec::new();
    if callables.is_empty() {
        return calls;
    }
    let mut index = 0usize;
    while calls.len() < max_calls {
        let fixed = index / callables.len();
        let callable = if fixed < 4 {
            &callables[index % callables.len()]
        } else {
            &callables[rng.index(callables.len())]
        };
        let pattern = fixed.min(3);
        let args = callable
            .params
            .iter()
            .map(|p| argument(*p, pattern, rng))
            .collect();
        let gas_limit = if rng.below(8) == 0 {
            rng.below(gas_limit + 1)
        } else {
            gas_limit
        };
        calls.push(Call {
            export: callable.name.clone(),
            args,
            gas_limit,
        });
        index += 1;
    }
    calls
}

/// The whole check for one seed of randomness: configuration and call plan
/// from `seed`, the module from `entropy`, compared with `reference`.
pub fn check(
    reference: &mut dyn Reference,
    seed: u64,
    entropy: &[u8],
    max_calls: usize,
) -> CaseResult {
    let mut rng = SplitMix64(seed);
    match generate(&mut rng, entropy) {
        Ok(generated) => check_generated_with(reference, generated, &mut rng, max_calls),
        Err(skip) => CaseResult::Skipped(skip),
    }
}

/// [`check_generated_with`] on wasmi in this process.
pub fn check_generated(generated: Generated, rng: &mut SplitMix64, max_calls: usize) -> CaseResult {
    check_generated_with(&mut InProcess::default(), generated, rng, max_calls)
}

/// The second half of [`check`]: gas limit and call plan from `rng` (the
/// stream [`generate`] drew from), then the comparison.
pub fn check_generated_with(
    reference: &mut dyn Reference,
    generated: Generated,
    rng: &mut SplitMix64,
    max_calls: usize,
) -> CaseResult {
    let gas_limit = module_gas_limit(rng);
    match compare_with(reference, &generated.instrumented, |callables| {
        plan_calls(callables, rng, gas_limit, max_calls)
    }) {
        Ok(summary) => CaseResult::Compared(summary),
        Err(Finding::Mismatch(mismatch)) => CaseResult::Mismatch(generated, mismatch),
        Err(Finding::Reference(failure)) => CaseResult::ReferenceFailed(generated, failure),
    }
}

/// What [`check`] found.
pub enum CaseResult {
    Skipped(Skip),
    Compared(Summary),
    Mismatch(Generated, Mismatch),
    /// The reference failed: nothing is known about our engine here.
    ReferenceFailed(Generated, ReferenceFailure),
}
