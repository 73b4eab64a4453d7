//! The instrumenter: the first stage of the pipeline.
//!
//! Input: the bytes of an uploaded module. Output: either a [`Rejection`]
//! naming the rule the module breaks, or an [`Instrumented`] module: an
//! ordinary, valid WebAssembly module with gas and stack metering injected as
//! plain wasm, plus a short [`Report`].
//!
//! # What is checked
//!
//! The module is decoded and validated with wasmparser against the accepted
//! profile, the integer subset of WebAssembly 2.0 (integer MVP, mutable
//! globals, sign extension, multi-value, bulk memory, reference types). Floating
//! point anywhere (types, locals, globals, block types, `select` types,
//! operators, constants, dead code included), every other proposal, imports
//! that the host-API manifest does not offer, the reserved metering names, a
//! start function, and every static [`Limits`] value
//! are rejected with a typed [`Rule`].
//!
//! # What is injected (the gas specification)
//!
//! Two functions are imported first, so that they are functions 0 and 1 of the
//! instrumented module and every original function index moves up by two:
//!
//! - `gasworks.gas (param i64)`: subtracts its argument, read as unsigned,
//!   from the gas left; when the argument is larger than what is left, all
//!   gas is consumed and execution traps with *out of gas*.
//! - `gasworks.stack_exhausted`: traps with *stack exhausted*.
//!
//! Code is split into metered blocks: straight-line runs that control can only
//! enter at the top. A block ends after `if`, `else`, `loop`, `end`, `br`,
//! `br_if`, `br_table`, `return` and `unreachable`. The sum of the static
//! prices of a block's operators is charged at its head, in one canonical form,
//! `i64.const N; call 0`, before any of its operators runs; blocks whose price
//! is zero get no charge. The function's first block also pays
//! [`LOCAL_COST`](cost::LOCAL_COST) per declared local. Dynamic costs
//! (`memory.grow` pages, bulk-memory bytes, table elements) are charged right
//! before the operator, from its count operand:
//! `local.tee $n; i64.extend_i32_u; i64.const PER_UNIT; i64.mul; call 0; local.get $n`.
//!
//! Stack metering uses one injected mutable `i32` global, the stack height in
//! units. Each function's prologue (after its first charge) adds its frame
//! size, [`FRAME_OVERHEAD`] + params + declared locals + maximum operand stack
//! height, keeps the new height in a local, and calls `stack_exhausted` when
//! the height exceeds [`STACK_LIMIT`]. After every call to a wasm function the
//! caller restores the height from that local. Every exported function the
//! module defines is reached through an injected thunk that saves and
//! restores the height, so a call from the host leaves it as it found it. A
//! trap leaves the height where it was: on an engine that only runs the
//! module as it is, an instance that trapped must not be called again.
//! (Gasworks' engine puts the height back itself after a trap, see
//! [`engine::Instance`](crate::engine::Instance).)
//!
//! The limits that also bind at run time are written into the module: every
//! memory and table gets the limit ([`Limits::memory_pages`],
//! [`Limits::table_elements`]) as its maximum (or keeps a smaller declared
//! one), so that `memory.grow` and `table.grow` return -1 beyond it on any
//! engine.
//!
//! Instrumenting is a pure function of the input bytes and the configuration;
//! it runs in one linear pass over the module (a linear pass over each body,
//! buffering one metered block at a time).

mod assemble;
mod bytecode;
pub mod cost;
mod error;
mod function;
mod names;
mod sections;

use std::collections::BTreeSet;

use wasmparser::{
    BinaryReader, Chunk, CodeSectionReader, FuncValidatorAllocations, Parser, Payload,
    ValidPayload, Validator, WasmFeatures,
};

pub use error::{FunctionRef, Proposal, Rejection, Rule};

use crate::limits::{Limit, Limits};

/// The module name of the injected metering imports. Uploaded modules may not
/// import anything from it.
pub const METERING_MODULE: &str = "gasworks";
/// The gas import: `(func (param i64))`, function 0 of an instrumented module.
pub const GAS_FUNCTION: &str = "gas";
/// The stack-exhaustion import: `(func)`, function 1 of an instrumented module.
pub const STACK_EXHAUSTED_FUNCTION: &str = "stack_exhausted";
/// Function index of the gas import in an instrumented module.
pub const GAS_FUNCTION_INDEX: u32 = 0;
/// Function index of the stack-exhaustion import in an instrumented module.
pub const STACK_EXHAUSTED_FUNCTION_INDEX: u32 = 1;
/// How far original function indices move in the instrumented module.
const FUNCTION_SHIFT: u32 = 2;

pub use crate::limits::{FRAME_OVERHEAD, STACK_LIMIT};

/// The type of a value in a host function's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
}

impl ValType {
    fn text(self) -> &'static str {
        match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
        }
    }
}

/// A host function that uploaded modules may import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostImport {
    /// Import module name.
    pub module: &'static str,
    /// Import field name.
    pub name: &'static str,
    /// Parameter types.
    pub params: &'static [ValType],
    /// Result types.
    pub results: &'static [ValType],
}

/// What the instrumenter accepts: the static limits and the host functions
/// modules may import (the host-API manifest; see `gasworks-host-api`).
#[derive(Debug, Clone, Default)]
pub struct InstrumentConfig {
    /// Static limits; [`Limits::CONSENSUS`] on a chain.
    pub limits: Limits,
    /// Host functions uploaded modules may import.
    pub host_imports: Vec<HostImport>,
}

/// An accepted, instrumented module: the only input of
/// [`engine::Module::new`](crate::engine::Module::new), the constructor for
/// consensus use. Only [`instrument()`] makes one (`non_exhaustive` keeps
/// other crates from building one); a module from anywhere else compiles
/// through
/// [`engine::Module::new_unmetered`](crate::engine::Module::new_unmetered).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Instrumented {
    /// The instrumented module's bytes: valid WebAssembly. (Replacing them
    /// forfeits what the type stands for; nothing in the workspace does.)
    pub module: Vec<u8>,
    /// What was found and injected.
    pub report: Report,
}

/// A short description of an accepted module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Functions defined by the module.
    pub functions: u32,
    /// Host functions imported by the module.
    pub imports: Vec<(String, String)>,
    /// Exported names, in order.
    pub exports: Vec<String>,
    /// Initial and maximum memory in pages, when the module has a memory.
    pub memory: Option<(u64, Option<u64>)>,
    /// Gas charges injected (metered blocks with a non-zero price).
    pub metered_blocks: u64,
    /// Size of the uploaded code section in bytes.
    pub code_bytes: u64,
    /// The cost table's hash ([`cost::cost_table_hash`]).
    pub cost_table_hash: String,
}

/// The WebAssembly features of the accepted profile, for the validator.
///
/// Floating point is switched off here too: the instrumenter's own checks
/// reject floats first with a precise message, and the validator is the
/// second line.
pub(crate) fn accepted_features() -> WasmFeatures {
    WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::MULTI_VALUE
        | WasmFeatures::BULK_MEMORY
        | WasmFeatures::REFERENCE_TYPES
        // Not the GC proposal: this flag lets `externref` through at all
        // (wasmparser otherwise admits only `funcref`); `anyref`, structs and
        // arrays still need `GC`, which stays off.
        | WasmFeatures::GC_TYPES
}

/// Validates `wasm`, checks it against the accepted profile and the limits,
/// and returns it with gas and stack metering injected.
///
/// # Errors
///
/// A [`Rejection`] naming the first broken rule, its byte offset and, for
/// code, the function.
// The rejection is returned by value, once per module, so that callers match
// on its fields directly; inside, it travels boxed.
#[allow(clippy::result_large_err)]
pub fn instrument(wasm: &[u8], config: &InstrumentConfig) -> Result<Instrumented, Rejection> {
    let result = ModuleInstrumenter::new(wasm, config).run();
    result.map_err(|mut rejection| {
        if let Some(function) = &mut rejection.function {
            function.name = names::function_name(wasm, function.index);
        }
        *rejection
    })
}

/// State of one run of the instrumenter over a module.
struct ModuleInstrumenter<'a> {
    wasm: &'a [u8],
    config: &'a InstrumentConfig,
    limits: &'a Limits,
    /// Function types of the type section.
    types: Vec<wasmparser::FuncType>,
    params_total: u64,
    /// Imported host functions: (module, name, type index).
    imports: Vec<(&'a str, &'a str, u32)>,
    /// Type index of each defined function.
    functions: Vec<u32>,
    globals: u32,
    tables: u32,
    memories: u32,
    memory: Option<(u64, Option<u64>)>,
    /// Raw contents of sections copied unchanged.
    /// Table types, in order (re-encoded with their maximum capped).
    table_types: Vec<wasmparser::TableType>,
    data_section: Option<&'a [u8]>,
    data_count: Option<u32>,
    global_section: Option<wasmparser::GlobalSectionReader<'a>>,
    element_section: Option<wasmparser::ElementSectionReader<'a>>,
    exports: Vec<wasmparser::Export<'a>>,
    name_section: Option<(&'a [u8], u64)>,
    /// Function bodies instrumented so far.
    bodies: u32,
    /// The output code section's contents: its count (bodies and thunks),
    /// then the instrumented bodies, each with its size prefix.
    code_section: Vec<u8>,
    buffers: function::Buffers,
    metered_blocks: u64,
    locals_total: u64,
    code_bytes: u64,
}

impl<'a> ModuleInstrumenter<'a> {
    fn new(wasm: &'a [u8], config: &'a InstrumentConfig) -> Self {
        ModuleInstrumenter {
            wasm,
            config,
            limits: &config.limits,
            types: Vec::new(),
            params_total: 0,
            imports: Vec::new(),
            functions: Vec::new(),
            globals: 0,
            tables: 0,
            memories: 0,
            memory: None,
            table_types: Vec::new(),
            data_section: None,
            data_count: None,
            global_section: None,
            element_section: None,
            exports: Vec::new(),
            name_section: None,
            bodies: 0,
            code_section: Vec::new(),
            buffers: function::Buffers::default(),
            metered_blocks: 0,
            locals_total: 0,
            code_bytes: 0,
        }
    }

    /// The defined functions that are exported, each once, in index order:
    /// the functions that get an export thunk.
    fn exported_functions(&self) -> BTreeSet<u32> {
        let imported = self.imports.len() as u32;
        self.exports
            .iter()
            .filter(|export| {
                export.kind == wasmparser::ExternalKind::Func && export.index >= imported
            })
            .map(|export| export.index)
            .collect()
    }

    fn check_body_size(&self, body: &wasmparser::FunctionBody<'_>) -> Result<(), Box<Rejection>> {
        let size = body.range().end - body.range().start;
        self.check_limit(Limit::FunctionBodyBytes, size, body.range().start)
    }

    /// Instruments one function body; returns the validator's allocations
    /// for the next one.
    fn instrument_body(
        &mut self,
        body: &wasmparser::FunctionBody<'a>,
        mut validator: wasmparser::FuncValidator<wasmparser::ValidatorResources>,
    ) -> Result<FuncValidatorAllocations, Box<Rejection>> {
        let type_index = self
            .functions
            .get(self.bodies as usize)
            .copied()
            .ok_or_else(|| internal_error("code entry without a function", 0))?;
        let ty = self
            .types
            .get(type_index as usize)
            .ok_or_else(|| internal_error("function type out of range", 0))?;
        let context = function::Context {
            wasm: self.wasm,
            limits: self.limits,
            imported_functions: self.imports.len() as u32,
            stack_global: self.globals,
        };
        let translated = function::instrument_function(
            &context,
            ty,
            body,
            &mut validator,
            &mut self.buffers,
            &mut self.code_section,
        )?;
        self.locals_total += translated.declared_locals;
        self.check_limit(Limit::LocalsTotal, self.locals_total, body.range().start)?;
        self.bodies += 1;
        self.metered_blocks += translated.metered_blocks;
        Ok(validator.into_allocations())
    }

    fn check_limit(&self, limit: Limit, found: u64, offset: u64) -> Result<(), Box<Rejection>> {
        let max = u64::from(limit.value(self.limits));
        if found > max {
            return Err(Rejection::new(Rule::Limit { limit, found, max }, offset));
        }
        Ok(())
    }

    fn run(mut self) -> Result<Instrumented, Box<Rejection>> {
        let wasm = self.wasm;
        self.check_limit(Limit::ModuleBytes, wasm.len() as u64, 0)?;
        let mut validator = Validator::new_with_features(accepted_features());
        let mut allocations = FuncValidatorAllocations::default();
        let malformed = |e: wasmparser::BinaryReaderError| Rejection::from_wasmparser(&e, true);
        let invalid = |e: wasmparser::BinaryReaderError| Rejection::from_wasmparser(&e, false);

        let mut parser = Parser::new(0);
        let mut position = 0usize;
        loop {
            let rest = wasm.get(position..).unwrap_or_default();
            let (consumed, payload) = match parser.parse(rest, true).map_err(malformed)? {
                Chunk::Parsed { consumed, payload } => (consumed, payload),
                Chunk::NeedMoreData(_) => {
                    return Err(Rejection::new(
                        Rule::Malformed {
                            message: "unexpected end of module".into(),
                        },
                        position as u64,
                    ));
                }
            };
            position += consumed;
            self.check_payload(&payload)?;
            let code_section = match &payload {
                Payload::CodeSectionStart {
                    unchecked_range, ..
                } => Some(unchecked_range.clone()),
                _ => None,
            };
            if let ValidPayload::End(_) = validator.payload(&payload).map_err(invalid)? {
                break;
            }
            // The code section is read here, body by body, rather than
            // through the parser: one function is the unit of work, and the
            // parser's and validator's general payload answers are large
            // values to move around once per function.
            if let Some(range) = code_section {
                let bytes = wasm
                    .get(range.start as usize..range.end as usize)
                    .ok_or_else(|| {
                        Rejection::new(
                            Rule::Malformed {
                                message: "code section extends past the end of the module".into(),
                            },
                            range.start,
                        )
                    })?;
                let reader = CodeSectionReader::new(BinaryReader::new(bytes, range.start))
                    .map_err(malformed)?;
                // The output section's count: the bodies, then the thunks.
                let thunks = self.exported_functions().len() as u32;
                let count = reader.count().saturating_add(thunks);
                self.code_section.reserve(bytes.len() + count as usize * 32);
                bytecode::uleb(&mut self.code_section, count);
                for body in reader {
                    let body = body.map_err(malformed)?;
                    let index = self.imports.len() as u32 + self.bodies;
                    let with_function = |mut rejection: Box<Rejection>| {
                        rejection.function = Some(FunctionRef { index, name: None });
                        rejection
                    };
                    self.check_body_size(&body).map_err(with_function)?;
                    let to_validate = validator.code_section_entry(&body).map_err(invalid)?;
                    let func_validator =
                        to_validate.into_validator(std::mem::take(&mut allocations));
                    allocations = self
                        .instrument_body(&body, func_validator)
                        .map_err(with_function)?;
                }
                parser.skip_section();
                position = range.end as usize;
            }
        }
        self.assemble()
    }

    fn function_type_index(&self, function: u32) -> Result<u32, Box<Rejection>> {
        let imported = self.imports.len() as u32;
        let ty = if function < imported {
            self.imports.get(function as usize).map(|i| i.2)
        } else {
            self.functions.get((function - imported) as usize).copied()
        };
        ty.ok_or_else(|| internal_error("function index out of range", 0))
    }
}

/// A failure that valid input cannot cause: reported as a rejection rather
/// than a panic, and marked as a bug.
fn internal_error(message: &str, offset: u64) -> Box<Rejection> {
    Rejection::new(
        Rule::Internal {
            message: message.to_string(),
        },
        offset,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::result_large_err)]
    fn instrument_wat(text: &str) -> Result<Instrumented, Rejection> {
        let wasm = wat::parse_str(text).expect("test module parses");
        instrument(&wasm, &InstrumentConfig::default())
    }

    #[test]
    fn output_is_valid_and_deterministic() {
        let text = include_str!("../../../examples/modules/counter.wat");
        let first = instrument_wat(text).expect("accepted");
        let second = instrument_wat(text).expect("accepted");
        assert_eq!(first, second);
        wasmparser::Validator::new()
            .validate_all(&first.module)
            .expect("instrumented module is valid");
        assert!(first.report.metered_blocks > 0);
    }

    #[test]
    fn float_in_dead_code_is_rejected_with_name_and_offset() {
        let rejection = instrument_wat(
            r#"(module (func $compute (result i32)
                 i32.const 1
                 return
                 f64.const 1
                 f64.const 2
                 f64.add
                 drop))"#,
        )
        .expect_err("float rejected");
        assert_eq!(
            rejection.rule,
            Rule::FloatingPoint {
                what: "f64.const".into()
            }
        );
        let function = rejection.function.clone().expect("in a function");
        assert_eq!(function.index, 0);
        assert_eq!(function.name.as_deref(), Some("compute"));
        let message = rejection.to_string();
        assert!(
            message.starts_with("function \"compute\" (#0) uses f64.const at offset 0x"),
            "{message}"
        );
        assert!(
            message
                .ends_with("floating point is not allowed, results would differ between machines")
        );
    }

    #[test]
    fn run_time_limits_are_written_into_memory_and_tables() {
        let limits = Limits::CONSENSUS;
        let out = instrument_wat("(module (memory 1) (table 1 funcref) (table 2 7 externref))")
            .expect("accepted");
        let mut memories = Vec::new();
        let mut tables = Vec::new();
        for payload in Parser::new(0).parse_all(&out.module) {
            match payload.expect("output parses") {
                wasmparser::Payload::MemorySection(reader) => {
                    memories.extend(reader.into_iter().map(|m| m.expect("memory")));
                }
                wasmparser::Payload::TableSection(reader) => {
                    tables.extend(reader.into_iter().map(|t| t.expect("table").ty));
                }
                _ => {}
            }
        }
        assert_eq!(memories.len(), 1);
        assert_eq!(memories[0].maximum, Some(u64::from(limits.memory_pages)));
        assert_eq!(tables[0].maximum, Some(u64::from(limits.table_elements)));
        assert_eq!(
            tables[1].maximum,
            Some(7),
            "a smaller declared maximum is kept"
        );
    }
}
