//! The engine: compiles instrumented modules and runs them.
//!
//! Input: an instrumented module (the output of [`crate::instrument()`], an
//! [`Instrumented`]; [`Module::new_unmetered`] takes any module, for tools).
//! [`Module::new`] compiles it in one linear pass into internal code
//! (the `code` module), which the verifier (`verify`) checks and lowers
//! before anything of it may run; [`Instance::new`] links its host functions by name and typed
//! signature and initialises memory, tables, globals and segments with the
//! spec's bounds rules; [`Instance::call`] runs an export with a gas limit and
//! reports the results or the [`TrapKind`], and the gas used.
//!
//! The gas and stack metering are the instrumented module's: the compiler
//! fuses its canonical charges into single instructions, and the executor
//! keeps its own frame and value stacks, so the injected, deterministic
//! stack limit is the one that decides.

#[macro_use]
mod code;
mod compile;
mod execute;
mod verify;

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::instrument::Instrumented;
use crate::trap::TrapKind;
use code::REF_NULL;
use compile::{Compiled, ImportKind, Init};

pub use crate::limits::{MAX_MEMORY_PAGES, MAX_TABLE_ELEMENTS, PAGE_SIZE};

/// The engine's version, part of every compiled module's cache key.
pub const ENGINE_VERSION: &str = concat!("gasworks-engine/", env!("CARGO_PKG_VERSION"), "/code-v2");

/// How the executor passes control from instruction to instruction, as
/// this build of the VM chose it (`vm/build.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatch {
    /// Each handler jumps to the next by a tail call: the fast dispatch,
    /// chosen only where tail calls are jumps (opt-level 2 or 3, no debug
    /// assertions, no `portable-dispatch` feature).
    Threaded,
    /// Each handler returns the next instruction to a loop: for every other
    /// build, an embedder's debug build among them. Slower; the same
    /// results; the native stack stays flat whatever the compiler does.
    Loop,
}

/// The dispatch of this build of the VM.
pub fn dispatch() -> Dispatch {
    execute::dispatch()
}

/// Why a module could not be compiled.
///
/// Every variant carries the byte offset in the module where the problem
/// was found (of the section entry, constant expression, function body or
/// operator).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    /// Not valid under the accepted profile: the validator's (or decoder's)
    /// message.
    #[error("invalid module at offset {offset:#x}: {message}")]
    Invalid {
        /// The validator's description.
        message: String,
        /// Byte offset.
        offset: u64,
    },
    /// Valid WebAssembly, but outside what the engine runs.
    #[error("unsupported at offset {offset:#x}: the engine does not run {what}")]
    Unsupported {
        /// What is not supported.
        what: &'static str,
        /// Byte offset.
        offset: u64,
    },
    /// The compiled code broke a rule of the verifier
    /// (`engine::verify`), which checks it before it may run: a bug in the
    /// compiler, caught.
    #[error(
        "internal error (a bug in the engine, please report it): the compiled code of defined function {function} breaks a rule at instruction {at}: {rule}"
    )]
    Unverified {
        /// The rule broken.
        rule: &'static str,
        /// Index of the defined function (imports not counted).
        function: u32,
        /// Index of the instruction in the module's code.
        at: u32,
    },
    /// A failure that a validated module cannot cause: a bug in the
    /// engine, not a fault of the module.
    #[error("internal error at offset {offset:#x} (a bug in the engine, please report it): {what}")]
    Internal {
        /// What went wrong.
        what: &'static str,
        /// Byte offset.
        offset: u64,
    },
}

/// An export of a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// A function, by index.
    Function(u32),
    /// The memory.
    Memory,
    /// A global, by index.
    Global(u32),
    /// A table, by index.
    Table(u32),
}

/// A value passed to or returned from a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// 32-bit integer.
    I32(i32),
    /// 64-bit integer.
    I64(i64),
    /// A function reference (function index), or null.
    FuncRef(Option<u32>),
    /// An external reference (the host's value), or null.
    ExternRef(Option<u32>),
}

impl Value {
    fn to_slot(self) -> u64 {
        match self {
            Value::I32(v) => u64::from(v as u32),
            Value::I64(v) => v as u64,
            Value::FuncRef(r) | Value::ExternRef(r) => r.map_or(REF_NULL, u64::from),
        }
    }

    fn from_slot(slot: u64, ty: wasmparser::ValType) -> Value {
        let reference = |slot: u64| (slot != REF_NULL).then_some(slot as u32);
        match ty {
            wasmparser::ValType::I64 => Value::I64(slot as i64),
            wasmparser::ValType::Ref(r) if r.is_func_ref() => Value::FuncRef(reference(slot)),
            wasmparser::ValType::Ref(_) => Value::ExternRef(reference(slot)),
            _ => Value::I32(slot as u32 as i32),
        }
    }

    /// The value's type in the text format (`i32`).
    fn type_name(self) -> &'static str {
        match self {
            Value::I32(_) => "i32",
            Value::I64(_) => "i64",
            Value::FuncRef(_) => "funcref",
            Value::ExternRef(_) => "externref",
        }
    }

    fn matches(self, ty: wasmparser::ValType) -> bool {
        matches!(
            (self, ty),
            (Value::I32(_), wasmparser::ValType::I32) | (Value::I64(_), wasmparser::ValType::I64)
        ) || matches!((self, ty), (Value::FuncRef(_), wasmparser::ValType::Ref(r)) if r.is_func_ref())
            || matches!((self, ty), (Value::ExternRef(_), wasmparser::ValType::Ref(r)) if r.is_extern_ref())
    }
}

/// What a host function sees of the calling instance.
pub struct Caller<'a> {
    memory: &'a mut Vec<u8>,
    gas_left: &'a mut u64,
    context: &'a mut dyn Any,
}

impl Caller<'_> {
    /// The instance's linear memory.
    pub fn memory(&self) -> &[u8] {
        self.memory
    }

    /// The instance's linear memory, writable.
    pub fn memory_mut(&mut self) -> &mut [u8] {
        self.memory
    }

    /// Gas left in the current call.
    pub fn gas_left(&self) -> u64 {
        *self.gas_left
    }

    /// The embedder's context of this call, as given to
    /// [`Instance::call_with`], if it is a `T` (`None` for another type, and
    /// for [`Instance::call`], whose context is `()`).
    pub fn context<T: Any>(&mut self) -> Option<&mut T> {
        self.context.downcast_mut::<T>()
    }

    /// Charges gas; when `amount` exceeds what is left, all gas is consumed
    /// and the result is the out-of-gas trap, which the host function should
    /// return.
    ///
    /// # Errors
    ///
    /// [`TrapKind::OutOfGas`].
    pub fn charge_gas(&mut self, amount: u64) -> Result<(), TrapKind> {
        let mut gas = execute::Gas {
            left: *self.gas_left,
        };
        let result = gas.charge(amount);
        *self.gas_left = gas.left;
        result
    }
}

/// A host function: reads its arguments (one `u64` slot per value, `i32`
/// zero-extended) and writes its results.
pub type HostFunc =
    Arc<dyn Fn(&mut Caller<'_>, &[u64], &mut [u64]) -> Result<(), TrapKind> + Send + Sync>;

/// A host function with its parameter and result types.
#[derive(Clone)]
struct HostDefinition {
    params: Vec<wasmparser::ValType>,
    results: Vec<wasmparser::ValType>,
    func: HostFunc,
}

/// What an import is bound to in an instance: one of the metering
/// imports, which the engine implements, or a host function from the
/// linker. Instantiation binds every import, so a call never finds one
/// missing.
#[derive(Clone)]
pub(crate) enum Binding {
    /// The gas import: charges its argument.
    Gas,
    /// The stack-exhaustion import: traps.
    StackExhausted,
    /// A host function.
    Host(HostFunc),
}

/// Host functions by import name, with their signatures.
#[derive(Clone, Default)]
pub struct Linker {
    functions: BTreeMap<(String, String), HostDefinition>,
}

impl Linker {
    /// An empty linker (the metering imports need no entry).
    pub fn new() -> Self {
        Linker::default()
    }

    /// Registers `func` as `module.name` with the given signature (only
    /// `i32` and `i64` values).
    pub fn define(
        &mut self,
        module: &str,
        name: &str,
        params: &[crate::instrument::ValType],
        results: &[crate::instrument::ValType],
        func: HostFunc,
    ) -> &mut Self {
        let convert = |types: &[crate::instrument::ValType]| {
            types
                .iter()
                .map(|t| match t {
                    crate::instrument::ValType::I32 => wasmparser::ValType::I32,
                    crate::instrument::ValType::I64 => wasmparser::ValType::I64,
                })
                .collect::<Vec<_>>()
        };
        self.functions.insert(
            (module.to_string(), name.to_string()),
            HostDefinition {
                params: convert(params),
                results: convert(results),
                func,
            },
        );
        self
    }
}

/// A compiled module, ready to instantiate; cheap to clone and share.
///
/// Two constructors, for two kinds of input:
///
/// - [`Module::new`] takes the instrumenter's output, an [`Instrumented`]
///   (which only [`crate::instrument()`] makes): every block is charged, the
///   stack is accounted, there is no start function. This is the only one
///   for consensus use.
/// - [`Module::new_unmetered`] takes any module of the accepted profile as
///   it is, for tools that meter otherwise or not at all (the spec
///   harness, the differential harness's rewritten modules): nothing is
///   charged but what its code charges, the executor's own capacities bound
///   its stack, and a start function runs at instantiation without a gas
///   limit.
///
/// Bytes do not compile through [`Module::new`]:
///
/// ```compile_fail
/// let wasm = wat::parse_str("(module)").unwrap();
/// gasworks_vm::engine::Module::new(&wasm);
/// ```
///
/// and an [`Instrumented`] cannot be made from them outside the
/// instrumenter:
///
/// ```compile_fail
/// let wasm = wat::parse_str("(module)").unwrap();
/// let report = gasworks_vm::instrument(&wasm, &Default::default()).unwrap().report;
/// let forged = gasworks_vm::Instrumented { module: wasm, report };
/// ```
///
/// while the instrumenter's output does:
///
/// ```
/// let wasm = wat::parse_str("(module)").unwrap();
/// let instrumented = gasworks_vm::instrument(&wasm, &Default::default()).unwrap();
/// assert!(gasworks_vm::engine::Module::new(&instrumented).unwrap().is_metered());
/// ```
#[derive(Clone)]
pub struct Module {
    compiled: Arc<Compiled>,
    key: [u8; 32],
    metered: bool,
}

impl Module {
    /// Compiles an instrumented module.
    ///
    /// # Errors
    ///
    /// [`CompileError`]: for the instrumenter's output, only bugs:
    /// [`CompileError::Internal`], [`CompileError::Unverified`] (the
    /// verifier refused the compiler's code), or a module that the
    /// instrumenter accepts and the engine does not run.
    pub fn new(instrumented: &Instrumented) -> Result<Module, CompileError> {
        Module::compile(&instrumented.module, true)
    }

    /// Compiles a module that was not (or not only) instrumented: metered
    /// by nothing but its own code. Not for consensus use; see [`Module`].
    ///
    /// # Errors
    ///
    /// [`CompileError`] when the module is not valid under the accepted
    /// profile or uses what the engine does not run.
    pub fn new_unmetered(wasm: &[u8]) -> Result<Module, CompileError> {
        Module::compile(wasm, false)
    }

    fn compile(wasm: &[u8], metered: bool) -> Result<Module, CompileError> {
        let compiled = compile::compile(wasm)?;
        Ok(Module {
            compiled: Arc::new(compiled),
            key: Module::cache_key(wasm),
            metered,
        })
    }

    /// Whether the module came from the instrumenter ([`Module::new`]).
    pub fn is_metered(&self) -> bool {
        self.metered
    }

    /// The key under which a compiled module is cached: SHA-256 over the
    /// code hash, the cost table's hash and the engine version.
    pub fn cache_key(wasm: &[u8]) -> [u8; 32] {
        let code_hash = Sha256::digest(wasm);
        let mut hasher = Sha256::new();
        hasher.update(code_hash);
        hasher.update(crate::instrument::cost::cost_table_hash().as_bytes());
        hasher.update(ENGINE_VERSION.as_bytes());
        hasher.finalize().into()
    }

    /// This module's cache key (see [`Module::cache_key`]).
    pub fn key(&self) -> [u8; 32] {
        self.key
    }

    /// The parameter and result counts of the exported function `name`,
    /// or `None` when there is no such exported function.
    pub fn export_arity(&self, name: &str) -> Option<(usize, usize)> {
        let Some(Export::Function(index)) = self.compiled.exports.get(name).copied() else {
            return None;
        };
        let signature = self.compiled.function_signature(index)?;
        let signature = self.compiled.signatures.get(signature as usize)?;
        Some((signature.params.len(), signature.results.len()))
    }

    /// Number of internal instructions (for reports).
    pub fn instruction_count(&self) -> usize {
        self.compiled.code.len()
    }
}

/// Compiled modules by cache key ([`Module::cache_key`]): a module is
/// compiled once per code, cost table and engine version. Ordered, so that
/// nothing about it depends on hashing.
#[derive(Clone, Default)]
pub struct ModuleCache {
    modules: BTreeMap<[u8; 32], Module>,
}

impl ModuleCache {
    /// An empty cache.
    pub fn new() -> Self {
        ModuleCache::default()
    }

    /// The compiled module for `instrumented`, compiled now if it is not
    /// cached. (Instrumented modules only: the cache serves consensus.)
    ///
    /// # Errors
    ///
    /// [`CompileError`] when the module does not compile (nothing is
    /// cached).
    pub fn get_or_compile(&mut self, instrumented: &Instrumented) -> Result<Module, CompileError> {
        let key = Module::cache_key(&instrumented.module);
        if let Some(module) = self.modules.get(&key) {
            return Ok(module.clone());
        }
        let module = Module::new(instrumented)?;
        self.modules.insert(key, module.clone());
        Ok(module)
    }

    /// Number of cached modules.
    pub fn len(&self) -> usize {
        self.modules.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }
}

/// Why instantiation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstantiationError {
    /// An import the linker does not define.
    #[error("unknown import {module}.{name}")]
    UnknownImport {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
    },
    /// An import defined with another signature.
    #[error("import {module}.{name} is {imported} in the module, but {defined} in the linker")]
    SignatureMismatch {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
        /// The module's signature for it (`(param i32) (result i64)`).
        imported: String,
        /// The linker's signature for it.
        defined: String,
    },
    /// A segment did not fit (the spec's instantiation trap).
    #[error("instantiation trapped: {0}")]
    Trap(TrapKind),
    /// The initial memory or a table is larger than this engine allows
    /// ([`MAX_MEMORY_PAGES`], [`MAX_TABLE_ELEMENTS`]).
    #[error("initial {what} of {size} exceeds the engine's limit of {max}")]
    TooLarge {
        /// `"memory pages"` or `"table elements"`.
        what: &'static str,
        /// The size asked for.
        size: u64,
        /// The engine's limit.
        max: u64,
    },
}

/// Why a call could not be made (not a trap: the caller's mistake).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// No function export of that name.
    #[error("no exported function {0:?}")]
    NoSuchExport(String),
    /// Arguments do not match the signature.
    #[error("{0}")]
    BadArguments(ArgumentMismatch),
}

/// Arguments that do not match the signature of the export they were
/// given to: what was expected and what was given, in the text format's
/// value types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgumentMismatch {
    /// The export's name.
    pub export: String,
    /// The export's signature (`(param i32 i64) (result i32)`).
    pub signature: String,
    /// The types of the arguments given (`(i32)`).
    pub given: String,
}

/// A signature in the text format: `(param i32 i64) (result i32)`, or
/// `(no parameters, no results)`.
fn signature_text(params: &[wasmparser::ValType], results: &[wasmparser::ValType]) -> String {
    let list = |types: &[wasmparser::ValType]| {
        types
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    match (params.is_empty(), results.is_empty()) {
        (true, true) => "(no parameters, no results)".to_string(),
        (false, true) => format!("(param {})", list(params)),
        (true, false) => format!("(result {})", list(results)),
        (false, false) => format!("(param {}) (result {})", list(params), list(results)),
    }
}

impl ArgumentMismatch {
    fn new(export: &str, signature: &compile::Signature, args: &[Value]) -> ArgumentMismatch {
        let given: Vec<&str> = args.iter().map(|a| a.type_name()).collect();
        ArgumentMismatch {
            export: export.to_string(),
            signature: signature_text(&signature.params, &signature.results),
            given: format!("({})", given.join(" ")),
        }
    }
}

impl core::fmt::Display for ArgumentMismatch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "arguments {} do not match the signature of {:?}: {}",
            self.given, self.export, self.signature
        )
    }
}

/// The outcome of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The results, or the trap kind.
    pub result: Result<Vec<Value>, TrapKind>,
    /// Gas used (the whole limit when out of gas).
    pub gas_used: u64,
}

/// A table's elements (function indices or host values; [`REF_NULL`] for
/// null) and its maximum size.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub elements: Vec<u64>,
    pub max: u64,
}

impl Table {
    fn grow(&mut self, delta: u32, init: u64) -> u32 {
        let old = self.elements.len() as u64;
        let new = old + u64::from(delta);
        if new > self.max {
            return u32::MAX;
        }
        self.elements.resize(new as usize, init);
        old as u32
    }

    fn fill(&mut self, start: u32, value: u64, len: u32) -> Result<(), TrapKind> {
        let end = u64::from(start) + u64::from(len);
        if end > self.elements.len() as u64 {
            return Err(TrapKind::TableOutOfBounds);
        }
        self.elements[start as usize..end as usize].fill(value);
        Ok(())
    }
}

/// An instance: a module with its memory, tables, globals and host
/// functions. After a trap, the instrumented stack height is put back to
/// where the call found it; memory, tables and other globals keep whatever
/// the call did before it trapped (a chain rolls those back by discarding
/// the instance or its state).
pub struct Instance {
    module: Arc<Compiled>,
    memory: Vec<u8>,
    memory_pages: u32,
    memory_max_pages: u32,
    tables: Vec<Table>,
    globals: Vec<u64>,
    dropped_data: Vec<bool>,
    dropped_elements: Vec<bool>,
    /// What each import is bound to, by import index.
    imports: Vec<Binding>,
    /// Value slots a call needs ([`execute::stack_capacity`]); the stack
    /// itself is lent by [`execute::ValueStack`] for each call.
    stack_slots: usize,
    native_stack_used: usize,
}

impl Instance {
    /// Instantiates `module`, linking its host imports from `linker`.
    ///
    /// # Errors
    ///
    /// [`InstantiationError`] for unknown or mistyped imports and for
    /// segments that do not fit.
    pub fn new(module: &Module, linker: &Linker) -> Result<Instance, InstantiationError> {
        let compiled = module.compiled.clone();
        let mut imports = Vec::with_capacity(compiled.imports.len());
        for import in &compiled.imports {
            match &import.kind {
                ImportKind::Gas => imports.push(Binding::Gas),
                ImportKind::StackExhausted => imports.push(Binding::StackExhausted),
                ImportKind::Host { module, name } => {
                    let definition = linker
                        .functions
                        .get(&(module.clone(), name.clone()))
                        .ok_or_else(|| InstantiationError::UnknownImport {
                            module: module.clone(),
                            name: name.clone(),
                        })?;
                    let signature = &compiled.signatures[import.signature as usize];
                    if definition.params != signature.params
                        || definition.results != signature.results
                    {
                        return Err(InstantiationError::SignatureMismatch {
                            module: module.clone(),
                            name: name.clone(),
                            imported: signature_text(&signature.params, &signature.results),
                            defined: signature_text(&definition.params, &definition.results),
                        });
                    }
                    imports.push(Binding::Host(definition.func.clone()));
                }
            }
        }
        let (memory_pages, memory_max_pages) = match compiled.memory {
            Some((initial, _)) if initial > MAX_MEMORY_PAGES => {
                return Err(InstantiationError::TooLarge {
                    what: "memory pages",
                    size: initial,
                    max: MAX_MEMORY_PAGES,
                });
            }
            Some((initial, maximum)) => (
                initial as u32,
                maximum.unwrap_or(MAX_MEMORY_PAGES).min(MAX_MEMORY_PAGES) as u32,
            ),
            None => (0, 0),
        };
        if let Some((initial, _)) = compiled
            .tables
            .iter()
            .find(|(initial, _)| *initial > MAX_TABLE_ELEMENTS)
        {
            return Err(InstantiationError::TooLarge {
                what: "table elements",
                size: *initial,
                max: MAX_TABLE_ELEMENTS,
            });
        }
        let mut globals = Vec::with_capacity(compiled.globals.len());
        for (_, _, init) in &compiled.globals {
            let value = match *init {
                Init::Value(v) => v,
                Init::Func(f) => u64::from(f),
                Init::Global(g) => globals.get(g as usize).copied().unwrap_or(0),
            };
            globals.push(value);
        }
        let tables = compiled
            .tables
            .iter()
            .map(|(initial, maximum)| Table {
                elements: vec![REF_NULL; *initial as usize],
                max: maximum
                    .unwrap_or(MAX_TABLE_ELEMENTS)
                    .min(MAX_TABLE_ELEMENTS),
            })
            .collect();
        let mut instance = Instance {
            memory: vec![0; memory_pages as usize * PAGE_SIZE],
            memory_pages,
            memory_max_pages,
            tables,
            dropped_data: vec![false; compiled.data.len()],
            dropped_elements: vec![false; compiled.elements.len()],
            imports,
            stack_slots: execute::stack_capacity(compiled.max_frame_slots),
            native_stack_used: 0,
            globals,
            module: compiled.clone(),
        };
        // Element segments, then data segments, in order (WebAssembly 2.0).
        for (index, segment) in compiled.elements.iter().enumerate() {
            if let Some((table, offset)) = segment.active {
                let offset = instance.init_value(offset) as u32;
                let len = segment.items.len() as u32;
                instance
                    .table_init(table, index as u32, offset, 0, len)
                    .map_err(InstantiationError::Trap)?;
            }
            if segment.active.is_some() || segment.declared {
                instance.dropped_elements[index] = true;
            }
        }
        for (index, segment) in compiled.data.iter().enumerate() {
            if let Some(offset) = segment.active {
                let offset = instance.init_value(offset) as u32;
                let end = u64::from(offset) + segment.bytes.len() as u64;
                if end > instance.memory.len() as u64 {
                    return Err(InstantiationError::Trap(TrapKind::MemoryOutOfBounds));
                }
                instance.memory[offset as usize..end as usize].copy_from_slice(&segment.bytes);
                instance.dropped_data[index] = true;
            }
        }
        // Instrumented modules have no start function (the instrumenter
        // rejects it); a module run without metering may, and it runs here
        // without a gas limit.
        if let Some(start) = compiled.start {
            let imported = compiled.imports.len() as u32;
            let mut stack = execute::ValueStack::take(instance.stack_slots);
            let mut gas = execute::Gas { left: u64::MAX };
            let result = match start.checked_sub(imported) {
                Some(defined) => instance.execute(defined, &mut stack, &mut gas, &mut ()),
                None => instance.call_host_export(start, &mut stack, &mut gas, &mut ()),
            };
            stack.give_back();
            result.map_err(InstantiationError::Trap)?;
        }
        Ok(instance)
    }

    fn init_value(&self, init: Init) -> u64 {
        match init {
            Init::Value(v) => v,
            Init::Func(f) => u64::from(f),
            Init::Global(g) => self.globals.get(g as usize).copied().unwrap_or(0),
        }
    }

    /// The number of items of element segment `elem` (0 once dropped).
    fn element_count(&self, elem: u32) -> u64 {
        if self.dropped_elements[elem as usize] {
            return 0;
        }
        self.module.elements[elem as usize].items.len() as u64
    }

    /// Items `src..src + len` of element segment `elem`, evaluated: work in
    /// proportion to `len` (what `table.init` is charged for), never to the
    /// segment's size. The caller has checked the range against
    /// [`Instance::element_count`].
    fn element_items(&self, elem: u32, src: usize, len: usize) -> Vec<u64> {
        self.module.elements[elem as usize].items[src..src + len]
            .iter()
            .map(|item| self.init_value(*item))
            .collect()
    }

    /// The instance's linear memory.
    pub fn memory(&self) -> &[u8] {
        &self.memory
    }

    /// The instance's linear memory, writable.
    pub fn memory_mut(&mut self) -> &mut [u8] {
        &mut self.memory
    }

    /// Native stack, in bytes, that the executor's handler chain held when
    /// the last call into WebAssembly code ended (returned or trapped); 0
    /// before any. A diagnostic: the executor passes control from
    /// instruction to instruction by jumps, so this is a small constant of
    /// the build, whatever the code ran; a value that grows with the work a
    /// call did means a handler made a real call, and a long run would
    /// exhaust the thread's stack. The test suites check it.
    pub fn native_stack_used(&self) -> usize {
        self.native_stack_used
    }

    /// The value of an exported global.
    pub fn global(&self, name: &str) -> Option<Value> {
        match self.module.exports.get(name)? {
            Export::Global(index) => {
                let value = *self.globals.get(*index as usize)?;
                let (ty, _, _) = self.module.globals.get(*index as usize)?;
                Some(Value::from_slot(value, *ty))
            }
            _ => None,
        }
    }

    /// Calls the exported function `name` with `args` and at most
    /// `gas_limit` gas.
    ///
    /// # Errors
    ///
    /// [`CallError`] when there is no such export or the arguments do not
    /// match; a trap is not an error but an [`Outcome`].
    pub fn call(
        &mut self,
        name: &str,
        args: &[Value],
        gas_limit: u64,
    ) -> Result<Outcome, CallError> {
        self.call_with(name, args, gas_limit, &mut ())
    }

    /// [`Instance::call`] with a context that host functions reach through
    /// [`Caller::context`]: the embedder's per-call state (storage, events,
    /// the call's environment). A host function may call into another
    /// instance with the same context, reborrowed; the executor does not
    /// recurse natively per WebAssembly call, so the native stack grows
    /// only with such host-level nesting, which the embedder bounds.
    ///
    /// # Errors
    ///
    /// As [`Instance::call`].
    pub fn call_with(
        &mut self,
        name: &str,
        args: &[Value],
        gas_limit: u64,
        context: &mut dyn Any,
    ) -> Result<Outcome, CallError> {
        let module = self.module.clone();
        let Some(Export::Function(index)) = module.exports.get(name).copied() else {
            return Err(CallError::NoSuchExport(name.to_string()));
        };
        let signature_id = module
            .function_signature(index)
            .ok_or_else(|| CallError::NoSuchExport(name.to_string()))?;
        let signature = &module.signatures[signature_id as usize];
        if args.len() != signature.params.len()
            || !args
                .iter()
                .zip(&signature.params)
                .all(|(a, t)| a.matches(*t))
        {
            return Err(CallError::BadArguments(ArgumentMismatch::new(
                name, signature, args,
            )));
        }
        let mut gas = execute::Gas { left: gas_limit };
        // A trap leaves the instrumented stack height where it was; put it
        // back so that the instance stays usable.
        let height = module
            .stack_global
            .and_then(|g| self.globals.get(g as usize).copied());
        let mut stack = execute::ValueStack::take(self.stack_slots);
        for (slot, arg) in stack.iter_mut().zip(args) {
            *slot = arg.to_slot();
        }
        let imported = module.imports.len() as u32;
        let result = if index < imported {
            self.call_host_export(index, &mut stack, &mut gas, context)
        } else {
            self.execute(index - imported, &mut stack, &mut gas, context)
        };
        let result = result.map(|()| {
            signature
                .results
                .iter()
                .zip(stack.iter())
                .map(|(ty, slot)| Value::from_slot(*slot, *ty))
                .collect()
        });
        stack.give_back();
        if let (Err(_), Some(height), Some(global)) = (&result, height, module.stack_global) {
            self.globals[global as usize] = height;
        }
        Ok(Outcome {
            result,
            gas_used: gas_limit - gas.left,
        })
    }

    fn call_host_export(
        &mut self,
        import: u32,
        stack: &mut [u64],
        gas: &mut execute::Gas,
        context: &mut dyn Any,
    ) -> Result<(), TrapKind> {
        // A re-exported import: call it as the host would.
        let module = self.module.clone();
        match &self.imports[import as usize] {
            Binding::Gas => {
                let amount = stack.first().copied().unwrap_or(0);
                gas.charge(amount)
            }
            Binding::StackExhausted => Err(TrapKind::StackExhausted),
            Binding::Host(func) => {
                let func = func.clone();
                let signature =
                    &module.signatures[module.imports[import as usize].signature as usize];
                let args: Vec<u64> = stack[..signature.params.len()].to_vec();
                stack[..signature.results.len()].fill(0);
                let mut caller = Caller {
                    memory: &mut self.memory,
                    gas_left: &mut gas.left,
                    context,
                };
                func(&mut caller, &args, &mut stack[..signature.results.len()])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::code::Instr;
    use super::*;

    fn compile_wat(text: &str) -> Module {
        let wasm = wat::parse_str(text).expect("test module parses");
        let instrumented =
            crate::instrument(&wasm, &crate::InstrumentConfig::default()).expect("accepted");
        Module::new(&instrumented).expect("compiles")
    }

    #[test]
    fn metering_patterns_are_fused() {
        let module = compile_wat(
            r#"(module (func $f (export "f") (param i32) (result i32)
                 (local i32)
                 (local.set 1 (i32.add (local.get 0) (i32.const 1)))
                 (if (local.get 1) (then (drop (memory.grow (local.get 1)))))
                 (local.get 1))
               (memory 1))"#,
        );
        let code = &module.compiled.code;
        let count = |pred: &dyn Fn(&Instr) -> bool| code.instructions().filter(|i| pred(i)).count();
        // One fused prologue per defined function (the function; the
        // export thunk has none).
        assert_eq!(
            count(&|i| matches!(i, Instr::StackEnter { .. })),
            1,
            "{code:?}"
        );
        // Static charges are single instructions, the dynamic one reads a slot.
        assert!(
            count(&|i| matches!(i, Instr::ChargeGas(_))) >= 2,
            "{code:?}"
        );
        assert_eq!(
            count(&|i| matches!(i, Instr::ChargeGasSlot(_))),
            1,
            "{code:?}"
        );
        // No call reaches the metering imports.
        assert_eq!(
            count(&|i| matches!(i, Instr::CallHost { .. })),
            0,
            "{code:?}"
        );
        assert_eq!(
            count(&|i| matches!(i, Instr::Trap(TrapKind::StackExhausted))),
            0,
            "{code:?}"
        );
    }

    #[test]
    fn call_reports_results_gas_and_traps() {
        let module = compile_wat(
            r#"(module
                 (func (export "div") (param i32 i32) (result i32)
                   (i32.div_s (local.get 0) (local.get 1)))
                 (func $loop (export "spin") (loop (br 0))))"#,
        );
        let mut instance = Instance::new(&module, &Linker::new()).expect("instantiates");
        let ok = instance
            .call("div", &[Value::I32(7), Value::I32(2)], 1_000)
            .expect("call made");
        assert_eq!(ok.result, Ok(vec![Value::I32(3)]));
        assert!(ok.gas_used > 0);
        let trap = instance
            .call("div", &[Value::I32(7), Value::I32(0)], 1_000)
            .expect("call made");
        assert_eq!(trap.result, Err(TrapKind::IntegerDivideByZero));
        let overflow = instance
            .call("div", &[Value::I32(i32::MIN), Value::I32(-1)], 1_000)
            .expect("call made");
        assert_eq!(overflow.result, Err(TrapKind::IntegerOverflow));
        let spin = instance.call("spin", &[], 10_000).expect("call made");
        assert_eq!(spin.result, Err(TrapKind::OutOfGas));
        assert_eq!(spin.gas_used, 10_000);
        let mismatch = instance
            .call("div", &[Value::I32(1)], 10)
            .expect_err("one argument for two");
        assert_eq!(
            mismatch.to_string(),
            r#"arguments (i32) do not match the signature of "div": (param i32 i32) (result i32)"#
        );
        let mismatch = instance
            .call("spin", &[Value::I64(1)], 10)
            .expect_err("an argument for none");
        assert_eq!(
            mismatch.to_string(),
            r#"arguments (i64) do not match the signature of "spin": (no parameters, no results)"#
        );
        assert_eq!(
            instance.call("nope", &[], 10),
            Err(CallError::NoSuchExport("nope".into()))
        );
    }

    #[test]
    fn host_functions_reach_the_call_context() {
        use crate::instrument::ValType;
        let wasm = wat::parse_str(
            r#"(module (import "env" "bump" (func $bump (param i64) (result i64)))
                 (func (export "f") (param i64) (result i64)
                   (call $bump (call $bump (local.get 0)))))"#,
        )
        .expect("parses");
        let module = Module::new_unmetered(&wasm).expect("compiles");
        let mut linker = Linker::new();
        linker.define(
            "env",
            "bump",
            &[ValType::I64],
            &[ValType::I64],
            Arc::new(
                |caller: &mut Caller<'_>, args: &[u64], results: &mut [u64]| {
                    let Some(calls) = caller.context::<Vec<u64>>() else {
                        return Err(TrapKind::Host(7));
                    };
                    calls.push(args[0]);
                    results[0] = args[0] * 10;
                    Ok(())
                },
            ),
        );
        let mut instance = Instance::new(&module, &linker).expect("instantiates");
        let mut calls: Vec<u64> = Vec::new();
        let outcome = instance
            .call_with("f", &[Value::I64(3)], 1_000, &mut calls)
            .expect("call made");
        assert_eq!(outcome.result, Ok(vec![Value::I64(300)]));
        assert_eq!(calls, [3, 30]);
        // Without a context of the expected type the host function sees none.
        let outcome = instance
            .call("f", &[Value::I64(3)], 1_000)
            .expect("call made");
        assert_eq!(outcome.result, Err(TrapKind::Host(7)));
    }

    #[test]
    fn threaded_dispatch_keeps_the_native_stack_flat() {
        // A million iterations over calls (direct, indirect, returning),
        // branches of every shape, loads, stores, globals, select, memory
        // size and charges, on a thread with a small native stack: a handler
        // that called the next one instead of jumping would overflow it.
        let module = compile_wat(
            r#"(module
                 (memory 1)
                 (global $g (mut i64) (i64.const 0))
                 (table 2 funcref)
                 (elem (i32.const 0) $inc $dec)
                 (type $t (func (param i64) (result i64)))
                 (func $inc (type $t) (i64.add (local.get 0) (i64.const 1)))
                 (func $dec (type $t) (i64.sub (local.get 0) (i64.const 1)))
                 (func (export "run") (param $n i32) (result i64)
                   (local $i i32) (local $acc i64)
                   (loop $top
                     (local.set $acc (call $inc (local.get $acc)))
                     (local.set $acc
                       (call_indirect (type $t) (local.get $acc) (i32.and (local.get $i) (i32.const 1))))
                     (i64.store (i32.and (local.get $i) (i32.const 1023)) (local.get $acc))
                     (local.set $acc (i64.add (local.get $acc)
                       (i64.load (i32.and (local.get $i) (i32.const 1023)))))
                     (global.set $g (select (global.get $g) (local.get $acc) (local.get $i)))
                     (block $b (block $a
                       (br_table $a $b (i32.and (local.get $i) (i32.const 1))))
                       (local.set $acc (i64.xor (local.get $acc) (i64.extend_i32_u (memory.size)))))
                     (if (i32.eqz (local.get $i)) (then (nop)) (else (nop)))
                     (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                           (local.get $n))))
                   (local.get $acc)))"#,
        );
        let (short, long) = std::thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn(move || {
                let mut instance = Instance::new(&module, &Linker::new()).expect("instantiates");
                let mut run = |n: i32| {
                    let outcome = instance
                        .call("run", &[Value::I32(n)], u64::MAX)
                        .expect("call made");
                    assert!(outcome.result.is_ok(), "{outcome:?}");
                    instance.native_stack_used()
                };
                (run(1), run(1_000_000))
            })
            .expect("thread starts")
            .join()
            .expect("no native stack overflow");
        // The same after one iteration and after a million: nothing grows
        // with the work. Small: a few frames of the dispatch (the loop's
        // frames are larger in an unoptimised build, where the build script
        // chooses it).
        let bound = match dispatch() {
            Dispatch::Threaded => 256,
            Dispatch::Loop => 4096,
        };
        assert_eq!(short, long, "native stack held after 1 and 10^6 iterations");
        assert!(
            long > 0 && long <= bound,
            "native stack held at the end: {long} bytes ({:?} dispatch)",
            dispatch()
        );
    }

    /// An embedder's debug build (debug assertions on, opt-level 0 by
    /// default) gets the dispatch loop, not tail calls that it would keep
    /// as calls; `threaded_dispatch_keeps_the_native_stack_flat` then runs
    /// a million iterations on a 128 KiB thread in that build too. Both run
    /// in such a build from `tests/engine_debug_build.rs`.
    #[test]
    fn debug_builds_do_not_rely_on_tail_calls() {
        // Set by `tests/engine_debug_build.rs`, which builds this crate as
        // an embedder's debug build would: the build must be one.
        let expected = std::env::var_os("GASWORKS_EXPECT_DEBUG_BUILD").is_some();
        assert!(!expected || cfg!(debug_assertions), "not a debug build");
        if cfg!(debug_assertions) {
            assert_eq!(dispatch(), Dispatch::Loop);
        }
    }

    #[test]
    fn select_with_operand_slots_beyond_16_bits() {
        // 70,000 values below the operands put `b` and `cond` in slots that
        // do not fit `Select`: the compiler falls back to `Copy` (when `a`
        // is elsewhere) and `SelectIfZero`.
        let pad = 70_000;
        let pushes = "(i32.const 0)\n".repeat(pad);
        let drops = "drop\n".repeat(pad);
        let wat = format!(
            r#"(module
                 (func (export "local_a") (param i32 i32) (result i32) (local i32)
                   {pushes}
                   (local.set 2 (select (local.get 1) (i32.const 9) (local.get 0)))
                   {drops}
                   (local.get 2))
                 (func (export "operand_a") (param i32) (result i32) (local i32)
                   {pushes}
                   (local.set 1 (select (i32.const 7) (i32.const 9) (local.get 0)))
                   {drops}
                   (local.get 1)))"#
        );
        let module =
            Module::new_unmetered(&wat::parse_str(&wat).expect("parses")).expect("compiles");
        let code = &module.compiled.code;
        assert!(
            code.instructions()
                .any(|i| matches!(i, Instr::SelectIfZero { .. })),
            "fallback used"
        );
        assert!(
            !code
                .instructions()
                .any(|i| matches!(i, Instr::Select { .. })),
            "no narrow select"
        );
        let mut instance = Instance::new(&module, &Linker::new()).expect("instantiates");
        for (cond, expected) in [(1, 5), (0, 9)] {
            let outcome = instance
                .call("local_a", &[Value::I32(cond), Value::I32(5)], u64::MAX)
                .expect("call made");
            assert_eq!(
                outcome.result,
                Ok(vec![Value::I32(expected)]),
                "cond {cond}"
            );
        }
        for (cond, expected) in [(1, 7), (0, 9)] {
            let outcome = instance
                .call("operand_a", &[Value::I32(cond)], u64::MAX)
                .expect("call made");
            assert_eq!(
                outcome.result,
                Ok(vec![Value::I32(expected)]),
                "cond {cond}"
            );
        }
    }

    #[test]
    fn export_arity_reports_exported_functions_only() {
        let module = compile_wat(
            r#"(module
                 (func (export "two_one") (param i32 i64) (result i32) (local.get 0))
                 (func (export "none"))
                 (global (export "g") i32 (i32.const 0)))"#,
        );
        assert_eq!(module.export_arity("two_one"), Some((2, 1)));
        assert_eq!(module.export_arity("none"), Some((0, 0)));
        assert_eq!(module.export_arity("g"), None);
        assert_eq!(module.export_arity("missing"), None);
    }

    #[test]
    fn uninstrumented_modules_cannot_claim_unbounded_host_memory() {
        let module = |text: &str| {
            Module::new_unmetered(&wat::parse_str(text).expect("parses")).expect("compiles")
        };
        // Initial sizes past the engine's limits do not instantiate.
        let table = module("(module (table 0xffffffff funcref))");
        assert!(matches!(
            Instance::new(&table, &Linker::new()),
            Err(InstantiationError::TooLarge {
                what: "table elements",
                ..
            })
        ));
        let memory = module("(module (memory 65536))");
        assert!(matches!(
            Instance::new(&memory, &Linker::new()),
            Err(InstantiationError::TooLarge {
                what: "memory pages",
                ..
            })
        ));
        // Growth past them fails as WebAssembly allows, with -1.
        let grow = module(
            r#"(module (table 1 funcref) (memory 1)
                 (func (export "table") (param i32) (result i32)
                   (table.grow (ref.null func) (local.get 0)))
                 (func (export "memory") (param i32) (result i32)
                   (memory.grow (local.get 0))))"#,
        );
        let mut instance = Instance::new(&grow, &Linker::new()).expect("instantiates");
        let result = |instance: &mut Instance, name: &str, arg: u64| {
            instance
                .call(name, &[Value::I32(arg as u32 as i32)], u64::MAX)
                .expect("call made")
                .result
        };
        assert_eq!(
            result(&mut instance, "table", 0x7fff_ffff),
            Ok(vec![Value::I32(-1)])
        );
        assert_eq!(
            result(&mut instance, "table", MAX_TABLE_ELEMENTS),
            Ok(vec![Value::I32(-1)])
        );
        assert_eq!(
            result(&mut instance, "table", MAX_TABLE_ELEMENTS - 1),
            Ok(vec![Value::I32(1)])
        );
        assert_eq!(
            result(&mut instance, "memory", MAX_MEMORY_PAGES),
            Ok(vec![Value::I32(-1)])
        );
        assert_eq!(result(&mut instance, "memory", 3), Ok(vec![Value::I32(1)]));
    }

    #[test]
    fn cache_key_covers_code_and_engine() {
        assert_ne!(Module::cache_key(b"a"), Module::cache_key(b"b"));
        assert_eq!(Module::cache_key(b"a"), Module::cache_key(b"a"));
    }

    #[test]
    fn module_cache_compiles_each_code_once() {
        let wasm = wat::parse_str(r#"(module (func (export "f") (result i32) i32.const 7))"#)
            .expect("parses");
        let instrumented =
            crate::instrument(&wasm, &crate::InstrumentConfig::default()).expect("accepted");
        let mut cache = ModuleCache::new();
        let first = cache.get_or_compile(&instrumented).expect("compiles");
        let second = cache.get_or_compile(&instrumented).expect("cached");
        assert!(Arc::ptr_eq(&first.compiled, &second.compiled));
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.len(), 1);
        assert!(first.is_metered());
    }
}
