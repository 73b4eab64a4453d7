//! The engine interface of the conformance harness, and its implementation on
//! wasmi 2.0 (the reference engine until the Gasworks executor lands).
//!
//! The harness talks to an engine through [`Engine`] only: instantiate a
//! module (imports resolved against the `spectest` host module and the
//! instances registered so far), register an instance under a name, call an
//! export, read an exported global. One engine value serves one `.wast`
//! script; the harness makes a fresh one per script.
//!
//! # Contract for an implementation
//!
//! - Values are integers and references ([`Value`]); floats never reach an
//!   engine (the harness strips or skips them).
//! - `spectest` offers the functions of [`crate::spectest_functions`] (all
//!   no-ops, with their stripped, integer-only signatures), the globals
//!   `global_i32` = 666 and `global_i64` = 666 (and `global_f32` /
//!   `global_f64` as `i32`/`i64` 666, the stripped images), a `funcref`
//!   table of 10 elements (maximum 20) and a memory of 1 page (maximum 2).
//! - A metered engine ([`Mode::Metered`]) links the two metering imports of
//!   instrumented modules: `gasworks.gas (param i64)` subtracts from a gas
//!   counter that is reset to the mode's limit before every `invoke` and
//!   traps with [`TrapKind::OutOfGas`] when the request exceeds what is left;
//!   `gasworks.stack_exhausted` traps with [`TrapKind::StackExhausted`]. The
//!   engine's own call-stack limits must be far above the injected limit, so
//!   that it is never what stops a metered module: hitting them is an
//!   [`CallError::Engine`] error, not a trap.
//! - The spec keeps using an instance after one of its calls trapped. The
//!   instrumenter leaves the injected stack-height global where it was at a
//!   trap (a chain discards a trapped instance), so a metered engine puts
//!   every instance's height back to its value before the call after a
//!   trap, and checks after a call that returns that every height is back
//!   where it was (the export thunks restore it); a height that is not is
//!   an instrumenter bug, reported as [`CallError::Engine`].
//! - An unmetered engine ([`Mode::Unmetered`]) reports its own call-stack
//!   overflow as [`TrapKind::StackExhausted`].

use std::fmt;

use wasmparser::ValType;

use crate::common::wasmi_reference::{self, Meter, Stop};

/// A value passed to or returned by an export, or read from a global.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    I32(i32),
    I64(i64),
    /// A function reference; a script can only tell null from non-null.
    FuncRef {
        is_null: bool,
    },
    /// An external reference: null, or the host value of `ref.extern N`.
    ExternRef(Option<u32>),
}

/// Why a call stopped: the consensus trap kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TrapKind {
    Unreachable,
    MemoryOutOfBounds,
    TableOutOfBounds,
    IndirectCallToNull,
    IndirectCallTypeMismatch,
    IntegerDivideByZero,
    IntegerOverflow,
    StackExhausted,
    OutOfGas,
    /// A host function failed.
    Host,
}

impl From<gasworks_vm::trap::TrapKind> for TrapKind {
    fn from(kind: gasworks_vm::trap::TrapKind) -> TrapKind {
        use gasworks_vm::trap::TrapKind as G;
        match kind {
            G::Unreachable => TrapKind::Unreachable,
            G::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
            G::TableOutOfBounds => TrapKind::TableOutOfBounds,
            G::IndirectCallToNull => TrapKind::IndirectCallToNull,
            G::IndirectCallTypeMismatch => TrapKind::IndirectCallTypeMismatch,
            G::IntegerDivideByZero => TrapKind::IntegerDivideByZero,
            G::IntegerOverflow => TrapKind::IntegerOverflow,
            G::StackExhausted => TrapKind::StackExhausted,
            G::OutOfGas => TrapKind::OutOfGas,
            G::Host(_) => TrapKind::Host,
        }
    }
}

/// A call that did not return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The call trapped.
    Trap(TrapKind),
    /// Not a trap: no such export, wrong arguments, a broken engine
    /// invariant. Always a failure of the assertion.
    Engine(String),
}

/// An instantiation that did not produce an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstantiateError {
    /// An import is missing or has the wrong type.
    Link(String),
    /// Instantiation trapped (a segment out of bounds, the start function).
    Trap(TrapKind),
    /// Anything else: the module does not decode or validate, an engine
    /// limit.
    Other(String),
}

impl fmt::Display for InstantiateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstantiateError::Link(message) => write!(f, "link error: {message}"),
            InstantiateError::Trap(kind) => write!(f, "trap: {kind:?}"),
            InstantiateError::Other(message) => write!(f, "{message}"),
        }
    }
}

/// An instance inside one engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct InstanceId(pub usize);

/// What the harness needs from an engine (see the module docs).
pub trait Engine {
    /// Compiles and instantiates `wasm` (running its start function, if it
    /// has one).
    fn instantiate(&mut self, wasm: &[u8]) -> Result<InstanceId, InstantiateError>;
    /// Makes the exports of `instance` importable under the module name
    /// `name`, replacing an earlier registration of the same name.
    fn register(&mut self, name: &str, instance: InstanceId) -> Result<(), String>;
    /// Calls the export `name` of `instance`.
    fn invoke(
        &mut self,
        instance: InstanceId,
        name: &str,
        args: &[Value],
    ) -> Result<Vec<Value>, CallError>;
    /// Reads the exported global `name` of `instance`.
    fn global(&mut self, instance: InstanceId, name: &str) -> Result<Value, String>;
    /// Gas used by the last `invoke` (trapped or not); `None` when the
    /// engine does not meter.
    fn gas_used(&self) -> Option<u64>;
}

/// How an engine runs its modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Modules as they are; the engine's own stack limit is the stack trap.
    Unmetered,
    /// Instrumented modules; every `invoke` gets `gas_per_invocation` gas.
    Metered { gas_per_invocation: u64 },
}

// ===========================================================================
// wasmi 2.0
// ===========================================================================

/// Export name under which a metered instance's stack-height global (the
/// instrumenter's last global) is made readable.
const STACK_HEIGHT_EXPORT: &str = "__gasworks_spec_stack_height";

struct WasmiInstance {
    instance: wasmi::Instance,
    /// The injected stack-height global of a metered instance.
    stack_height: Option<wasmi::Global>,
}

/// [`Engine`] on wasmi 2.0, its fuel metering off.
pub struct WasmiEngine {
    mode: Mode,
    engine: wasmi::Engine,
    store: wasmi::Store<Meter>,
    linker: wasmi::Linker<Meter>,
    instances: Vec<WasmiInstance>,
}

impl WasmiEngine {
    pub fn new(mode: Mode) -> WasmiEngine {
        let mut config = match mode {
            // wasmi's own stack limits are the stack trap.
            Mode::Unmetered => {
                let mut config = wasmi::Config::default();
                config.consume_fuel(false);
                config
            }
            // Stack limits far above what the injected stack metering allows.
            Mode::Metered { .. } => wasmi_reference::config(),
        };
        config
            // Stripping removes every float: wasmi checks it independently.
            .floats(false)
            .compilation_mode(wasmi::CompilationMode::Eager);
        let engine = wasmi::Engine::new(&config);
        let mut store = wasmi::Store::new(&engine, Meter::default());
        let mut linker = wasmi_reference::linker(&engine);
        linker.allow_shadowing(true);
        define_spectest(&mut linker, &mut store);
        WasmiEngine {
            mode,
            engine,
            store,
            linker,
            instances: Vec::new(),
        }
    }

    fn instance(&self, id: InstanceId) -> Result<&WasmiInstance, String> {
        self.instances
            .get(id.0)
            .ok_or_else(|| format!("no instance {}", id.0))
    }

    fn stack_heights(&self) -> Vec<Option<i32>> {
        self.instances
            .iter()
            .map(|instance| {
                instance
                    .stack_height
                    .map(|global| match global.get(&self.store) {
                        wasmi::Val::I32(height) => height,
                        _ => i32::MIN,
                    })
            })
            .collect()
    }

    fn reset_stack_heights(&mut self, heights: &[Option<i32>]) {
        for (instance, height) in self.instances.iter().zip(heights) {
            if let (Some(global), Some(height)) = (instance.stack_height, height) {
                // The global is the instrumenter's own mutable i32.
                let _ = global.set(&mut self.store, wasmi::Val::I32(*height));
            }
        }
    }

    fn wasmi_value(&mut self, value: Value) -> wasmi::Val {
        match value {
            Value::I32(x) => wasmi::Val::I32(x),
            Value::I64(x) => wasmi::Val::I64(x),
            // A script can only pass `ref.null func`.
            Value::FuncRef { .. } => wasmi::Val::FuncRef(wasmi::Nullable::Null),
            Value::ExternRef(None) => wasmi::Val::ExternRef(wasmi::Nullable::Null),
            Value::ExternRef(Some(n)) => wasmi::Val::ExternRef(wasmi::Nullable::Val(
                wasmi::ExternRef::new(&mut self.store, n),
            )),
        }
    }

    fn value_of(&self, value: &wasmi::Val) -> Result<Value, String> {
        Ok(match value {
            wasmi::Val::I32(x) => Value::I32(*x),
            wasmi::Val::I64(x) => Value::I64(*x),
            wasmi::Val::FuncRef(r) => Value::FuncRef {
                is_null: r.is_null(),
            },
            wasmi::Val::ExternRef(wasmi::Nullable::Null) => Value::ExternRef(None),
            wasmi::Val::ExternRef(wasmi::Nullable::Val(r)) => {
                let data = r.data(&self.store);
                let n = data
                    .downcast_ref::<u32>()
                    .ok_or("an externref the harness did not make")?;
                Value::ExternRef(Some(*n))
            }
            other => return Err(format!("a non-integer value {other:?}")),
        })
    }

    /// Calls `func`, with the mode's gas when metered; returns the results
    /// or wasmi's error.
    fn call(&mut self, func: wasmi::Func, args: &[Value]) -> Result<Vec<wasmi::Val>, wasmi::Error> {
        let inputs: Vec<wasmi::Val> = args.iter().map(|v| self.wasmi_value(*v)).collect();
        let gas_limit = match self.mode {
            // Unmetered modules do not import `gasworks.gas`.
            Mode::Unmetered => 0,
            Mode::Metered { gas_per_invocation } => gas_per_invocation,
        };
        wasmi_reference::call(&mut self.store, func, &inputs, gas_limit).0
    }
}

fn wasmi_type(ty: ValType) -> wasmi::ValType {
    match ty {
        ValType::I32 => wasmi::ValType::I32,
        ValType::I64 => wasmi::ValType::I64,
        ValType::F32 => wasmi::ValType::F32,
        ValType::F64 => wasmi::ValType::F64,
        ValType::V128 => wasmi::ValType::V128,
        ValType::Ref(r) if r.is_extern_ref() => wasmi::ValType::ExternRef,
        ValType::Ref(_) => wasmi::ValType::FuncRef,
    }
}

fn define_spectest(linker: &mut wasmi::Linker<Meter>, store: &mut wasmi::Store<Meter>) {
    for (name, params) in crate::spectest_functions() {
        let ty = wasmi::FuncType::new(params.iter().map(|t| wasmi_type(*t)), []);
        linker
            .func_new("spectest", name, ty, |_caller, _params, _results| Ok(()))
            .expect("define a spectest function");
    }
    let globals = [
        ("global_i32", wasmi::Val::I32(666)),
        ("global_i64", wasmi::Val::I64(666)),
        ("global_f32", wasmi::Val::I32(666)),
        ("global_f64", wasmi::Val::I64(666)),
    ];
    for (name, value) in globals {
        let global = wasmi::Global::new(&mut *store, value, wasmi::Mutability::Const);
        linker
            .define("spectest", name, global)
            .expect("define a spectest global");
    }
    let table = wasmi::Table::new(
        &mut *store,
        wasmi::TableType::new(wasmi::RefType::Func, 10, Some(20)),
        wasmi::Ref::Func(wasmi::Nullable::Null),
    )
    .expect("spectest table");
    linker
        .define("spectest", "table", table)
        .expect("define spectest.table");
    let memory = wasmi::Memory::new(&mut *store, wasmi::MemoryType::new(1, Some(2)))
        .expect("spectest memory");
    linker
        .define("spectest", "memory", memory)
        .expect("define spectest.memory");
}

/// Classifies a wasmi error as a trap kind, or describes why it is none.
fn trap_kind(error: &wasmi::Error, mode: Mode) -> Result<TrapKind, String> {
    match wasmi_reference::classify(error) {
        Stop::Trap(kind) => Ok(kind.into()),
        Stop::EngineStackOverflow => match mode {
            Mode::Unmetered => Ok(TrapKind::StackExhausted),
            Mode::Metered { .. } => {
                Err("wasmi's own stack limit was hit before the injected one".into())
            }
        },
        // Any other host error (the spectest functions raise none).
        Stop::Other(_) if matches!(error.kind(), wasmi::errors::ErrorKind::Host(_)) => {
            Ok(TrapKind::Host)
        }
        Stop::Other(message) => Err(message),
    }
}

fn is_link_error(error: &wasmi::Error) -> bool {
    use wasmi::errors::{ErrorKind, InstantiationError as I};
    match error.kind() {
        ErrorKind::Linker(_) => true,
        ErrorKind::Instantiation(e) => matches!(
            e,
            I::MismatchedNumberOfImports { .. }
                | I::ImportTypeMismatch { .. }
                | I::GlobalTypeMismatch { .. }
                | I::FuncTypeMismatch { .. }
                | I::TableTypeMismatch { .. }
                | I::MemoryTypeMismatch { .. }
        ),
        _ => false,
    }
}

impl Engine for WasmiEngine {
    fn instantiate(&mut self, wasm: &[u8]) -> Result<InstanceId, InstantiateError> {
        let exposed;
        let wasm = match self.mode {
            Mode::Unmetered => wasm,
            Mode::Metered { .. } => {
                exposed = expose_last_global(wasm, STACK_HEIGHT_EXPORT)
                    .map_err(InstantiateError::Other)?;
                &exposed
            }
        };
        let module = wasmi::Module::new(&self.engine, wasm)
            .map_err(|e| InstantiateError::Other(format!("wasmi does not load it: {e}")))?;
        if let Mode::Metered { gas_per_invocation } = self.mode {
            self.store.data_mut().gas_left = gas_per_invocation;
        }
        let instance = self
            .linker
            .instantiate_and_start(&mut self.store, &module)
            .map_err(|error| {
                if is_link_error(&error) {
                    InstantiateError::Link(error.to_string())
                } else {
                    match trap_kind(&error, self.mode) {
                        Ok(kind) => InstantiateError::Trap(kind),
                        Err(message) => InstantiateError::Other(message),
                    }
                }
            })?;
        let stack_height = match self.mode {
            Mode::Unmetered => None,
            Mode::Metered { .. } => Some(
                instance
                    .get_global(&self.store, STACK_HEIGHT_EXPORT)
                    .ok_or_else(|| InstantiateError::Other("no stack-height global".into()))?,
            ),
        };
        self.instances.push(WasmiInstance {
            instance,
            stack_height,
        });
        Ok(InstanceId(self.instances.len() - 1))
    }

    fn register(&mut self, name: &str, instance: InstanceId) -> Result<(), String> {
        let instance = self.instance(instance)?.instance;
        self.linker
            .instance(&mut self.store, name, instance)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn invoke(
        &mut self,
        instance: InstanceId,
        name: &str,
        args: &[Value],
    ) -> Result<Vec<Value>, CallError> {
        let func = self
            .instance(instance)
            .map_err(CallError::Engine)?
            .instance
            .get_func(&self.store, name)
            .ok_or_else(|| CallError::Engine(format!("no exported function {name:?}")))?;
        let heights = match self.mode {
            Mode::Unmetered => Vec::new(),
            Mode::Metered { .. } => self.stack_heights(),
        };
        let result = self.call(func, args);
        match result {
            Ok(outputs) => {
                if let Mode::Metered { .. } = self.mode {
                    let after = self.stack_heights();
                    if after != heights {
                        self.reset_stack_heights(&heights);
                        return Err(CallError::Engine(format!(
                            "stack heights not restored by a call that returned: \
                             before {heights:?}, after {after:?}"
                        )));
                    }
                }
                outputs
                    .iter()
                    .map(|v| self.value_of(v).map_err(CallError::Engine))
                    .collect()
            }
            Err(error) => {
                if let Mode::Metered { .. } = self.mode {
                    self.reset_stack_heights(&heights);
                }
                match trap_kind(&error, self.mode) {
                    Ok(kind) => Err(CallError::Trap(kind)),
                    Err(message) => Err(CallError::Engine(message)),
                }
            }
        }
    }

    fn global(&mut self, instance: InstanceId, name: &str) -> Result<Value, String> {
        let global = self
            .instance(instance)?
            .instance
            .get_global(&self.store, name)
            .ok_or_else(|| format!("no exported global {name:?}"))?;
        let value = global.get(&self.store);
        self.value_of(&value)
    }

    fn gas_used(&self) -> Option<u64> {
        match self.mode {
            Mode::Unmetered => None,
            Mode::Metered { gas_per_invocation } => {
                Some(gas_per_invocation - self.store.data().gas_left)
            }
        }
    }
}

/// Adds an export named `name` of the module's last global (the injected
/// stack-height global of an instrumented module). Nothing else changes.
fn expose_last_global(wasm: &[u8], name: &str) -> Result<Vec<u8>, String> {
    use wasmparser::{Parser, Payload};
    let error = |e: wasmparser::BinaryReaderError| e.to_string();
    let mut globals: u32 = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(error)? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    if let wasmparser::TypeRef::Global(_) = import.map_err(error)?.ty {
                        globals += 1;
                    }
                }
            }
            Payload::GlobalSection(reader) => globals += reader.count(),
            _ => {}
        }
    }
    let index = globals
        .checked_sub(1)
        .ok_or("an instrumented module without globals")?;
    crate::common::with_exports(wasm, |exports: &mut wasm_encoder::ExportSection| {
        exports.export(name, wasm_encoder::ExportKind::Global, index);
    })
}
