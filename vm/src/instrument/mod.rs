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
//! start function, and every static [`Limits`](crate::limits::Limits) value
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
//! caller restores the height from that local. Every exported function is
//! reached through an injected thunk that saves and restores the height, so a
//! call from the host leaves it as it found it.
//!
//! Instrumenting is a pure function of the input bytes and the configuration;
//! it runs in one linear pass over the module (a linear pass over each body,
//! buffering one metered block at a time).

pub mod cost;
mod error;
mod function;
mod names;

use std::collections::BTreeMap;

use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasmparser::{
    CompositeInnerType, ExternalKind, FuncValidatorAllocations, Parser, Payload, TypeRef,
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

/// The deterministic stack limit, in units (one unit is one value slot).
///
/// A call whose frame would take the stack height above this traps with
/// *stack exhausted*. 128 Ki units is 1 MiB of 8-byte slots; a typical Rust
/// function frame is 10 to 50 units, so recursion depth is in the thousands.
pub const STACK_LIMIT: u32 = 128 * 1024;

/// Units every frame takes besides its parameters, locals and operands: the
/// return address, the frame's bookkeeping and the instrumenter's own locals.
pub const FRAME_OVERHEAD: u32 = 4;

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

/// Renders a signature in text format, e.g. `(param i32 i64) (result i32)`.
fn signature_text<'a>(
    params: impl IntoIterator<Item = &'a str>,
    results: impl IntoIterator<Item = &'a str>,
) -> String {
    let params: Vec<&str> = params.into_iter().collect();
    let results: Vec<&str> = results.into_iter().collect();
    let mut text = String::from("(func");
    if !params.is_empty() {
        text.push_str(&format!(" (param {})", params.join(" ")));
    }
    if !results.is_empty() {
        text.push_str(&format!(" (result {})", results.join(" ")));
    }
    text.push(')');
    text
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

/// An accepted, instrumented module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instrumented {
    /// The instrumented module's bytes: valid WebAssembly.
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
fn accepted_features() -> WasmFeatures {
    WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::MULTI_VALUE
        | WasmFeatures::BULK_MEMORY
        | WasmFeatures::REFERENCE_TYPES
}

/// Validates `wasm`, checks it against the accepted profile and the limits,
/// and returns it with gas and stack metering injected.
///
/// # Errors
///
/// A [`Rejection`] naming the first broken rule, its byte offset and, for
/// code, the function.
pub fn instrument(wasm: &[u8], config: &InstrumentConfig) -> Result<Instrumented, Rejection> {
    let result = ModuleInstrumenter::new(wasm, config).run();
    result.map_err(|mut rejection| {
        if let Some(function) = &mut rejection.function {
            function.name = names::function_name(wasm, function.index);
        }
        rejection
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
    table_section: Option<&'a [u8]>,
    memory_section: Option<&'a [u8]>,
    data_section: Option<&'a [u8]>,
    data_count: Option<u32>,
    global_section: Option<wasmparser::GlobalSectionReader<'a>>,
    element_section: Option<wasmparser::ElementSectionReader<'a>>,
    exports: Vec<wasmparser::Export<'a>>,
    name_section: Option<(&'a [u8], u64)>,
    /// Instrumented function bodies, in order.
    bodies: Vec<function::Translated>,
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
            table_section: None,
            memory_section: None,
            data_section: None,
            data_count: None,
            global_section: None,
            element_section: None,
            exports: Vec::new(),
            name_section: None,
            bodies: Vec::new(),
            locals_total: 0,
            code_bytes: 0,
        }
    }

    fn check_limit(&self, limit: Limit, found: u64, offset: u64) -> Result<(), Rejection> {
        let max = u64::from(limit.value(self.limits));
        if found > max {
            return Err(Rejection::new(Rule::Limit { limit, found, max }, offset));
        }
        Ok(())
    }

    fn run(mut self) -> Result<Instrumented, Rejection> {
        let wasm = self.wasm;
        self.check_limit(Limit::ModuleBytes, wasm.len() as u64, 0)?;
        let mut validator = Validator::new_with_features(accepted_features());
        let mut allocations = FuncValidatorAllocations::default();
        let malformed = |e: wasmparser::BinaryReaderError| Rejection::from_wasmparser(&e, true);
        let invalid = |e: wasmparser::BinaryReaderError| Rejection::from_wasmparser(&e, false);

        for payload in Parser::new(0).parse_all(wasm) {
            let payload = payload.map_err(malformed)?;
            self.check_payload(&payload)?;
            match validator.payload(&payload).map_err(invalid)? {
                ValidPayload::Func(to_validate, body) => {
                    let index = to_validate.index;
                    let type_index = self
                        .functions
                        .get(self.bodies.len())
                        .copied()
                        .ok_or_else(|| internal_error("code entry without a function", 0))?;
                    let ty = self
                        .types
                        .get(type_index as usize)
                        .ok_or_else(|| internal_error("function type out of range", 0))?;
                    let mut func_validator =
                        to_validate.into_validator(std::mem::take(&mut allocations));
                    let context = function::Context {
                        wasm,
                        limits: self.limits,
                        imported_functions: self.imports.len() as u32,
                        stack_global: self.globals,
                    };
                    let translated =
                        function::instrument_function(&context, ty, &body, &mut func_validator)
                            .map_err(|mut rejection| {
                                rejection.function = Some(FunctionRef { index, name: None });
                                rejection
                            })?;
                    allocations = func_validator.into_allocations();
                    self.locals_total += translated.declared_locals;
                    self.check_limit(Limit::LocalsTotal, self.locals_total, body.range().start)?;
                    self.bodies.push(translated);
                }
                ValidPayload::End(_) => break,
                ValidPayload::Ok | ValidPayload::Parser(_) => {}
            }
        }
        self.encode()
    }

    /// The instrumenter's own checks of one payload, before the validator.
    fn check_payload(&mut self, payload: &Payload<'a>) -> Result<(), Rejection> {
        let malformed = |e: wasmparser::BinaryReaderError| Rejection::from_wasmparser(&e, true);
        match payload {
            Payload::Version {
                encoding, range, ..
            } => {
                if *encoding == wasmparser::Encoding::Component {
                    return Err(Rejection::new(
                        Rule::Proposal {
                            proposal: Proposal::ComponentModel,
                            what: "a component".into(),
                        },
                        range.start,
                    ));
                }
            }
            Payload::TypeSection(reader) => {
                self.check_limit(
                    Limit::Types,
                    u64::from(reader.count()),
                    reader.range().start,
                )?;
                for (index, group) in reader.clone().into_iter_with_offsets().enumerate() {
                    let (offset, group) = group.map_err(malformed)?;
                    self.check_type_group(index as u32, offset as u64, &group)?;
                }
            }
            Payload::ImportSection(reader) => {
                self.check_limit(
                    Limit::Imports,
                    u64::from(reader.count()),
                    reader.range().start,
                )?;
                for import in reader.clone().into_imports_with_offsets() {
                    let (offset, import) = import.map_err(malformed)?;
                    self.check_import(offset, &import)?;
                }
            }
            Payload::FunctionSection(reader) => {
                self.check_limit(
                    Limit::Functions,
                    u64::from(reader.count()),
                    reader.range().start,
                )?;
                for ty in reader.clone() {
                    self.functions.push(ty.map_err(malformed)?);
                }
            }
            Payload::TableSection(reader) => {
                self.tables += reader.count();
                self.check_limit(Limit::Tables, u64::from(self.tables), reader.range().start)?;
                for table in reader.clone().into_iter_with_offsets() {
                    let (offset, table) = table.map_err(malformed)?;
                    self.check_table(offset as u64, &table)?;
                }
                self.table_section = Some(&self.wasm[section_range(reader.range())]);
            }
            Payload::MemorySection(reader) => {
                for memory in reader.clone().into_iter_with_offsets() {
                    let (offset, memory) = memory.map_err(malformed)?;
                    self.check_memory(offset as u64, &memory)?;
                }
                self.memory_section = Some(&self.wasm[section_range(reader.range())]);
            }
            Payload::TagSection(reader) => {
                return Err(Rejection::new(
                    Rule::Proposal {
                        proposal: Proposal::Exceptions,
                        what: "a tag section".into(),
                    },
                    reader.range().start,
                ));
            }
            Payload::GlobalSection(reader) => {
                let first = self.globals;
                self.globals += reader.count();
                self.check_limit(
                    Limit::Globals,
                    u64::from(self.globals),
                    reader.range().start,
                )?;
                for (index, global) in reader.clone().into_iter_with_offsets().enumerate() {
                    let (offset, global) = global.map_err(malformed)?;
                    let what = format!("global #{}", first as usize + index);
                    check_val_type(global.ty.content_type, offset as u64, &what)?;
                    if global.ty.shared {
                        return Err(proposal(
                            Proposal::Threads,
                            "a shared global",
                            offset as u64,
                        ));
                    }
                    check_const_expr(&global.init_expr)?;
                }
                self.global_section = Some(reader.clone());
            }
            Payload::ExportSection(reader) => {
                self.check_limit(
                    Limit::Exports,
                    u64::from(reader.count()),
                    reader.range().start,
                )?;
                for export in reader.clone() {
                    let export = export.map_err(malformed)?;
                    if export.kind == ExternalKind::Tag {
                        return Err(proposal(
                            Proposal::Exceptions,
                            "an exported tag",
                            reader.range().start,
                        ));
                    }
                    self.exports.push(export);
                }
            }
            Payload::StartSection { range, .. } => {
                return Err(Rejection::new(Rule::StartFunction, range.start));
            }
            Payload::ElementSection(reader) => {
                self.check_limit(
                    Limit::ElementSegments,
                    u64::from(reader.count()),
                    reader.range().start,
                )?;
                for element in reader.clone() {
                    let element = element.map_err(malformed)?;
                    self.check_element(&element)?;
                }
                self.element_section = Some(reader.clone());
            }
            Payload::DataCountSection { count, .. } => {
                self.data_count = Some(*count);
            }
            Payload::DataSection(reader) => {
                self.check_limit(
                    Limit::DataSegments,
                    u64::from(reader.count()),
                    reader.range().start,
                )?;
                for data in reader.clone() {
                    let data = data.map_err(malformed)?;
                    match data.kind {
                        wasmparser::DataKind::Passive => {}
                        wasmparser::DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => {
                            if memory_index != 0 {
                                return Err(proposal(
                                    Proposal::MultiMemory,
                                    "a data segment for memory other than 0",
                                    data.range.start as u64,
                                ));
                            }
                            check_const_expr(&offset_expr)?;
                        }
                    }
                }
                self.data_section = Some(&self.wasm[section_range(reader.range())]);
            }
            Payload::CodeSectionStart { size, .. } => {
                self.code_bytes = u64::from(*size);
            }
            Payload::CodeSectionEntry(body) => {
                let size = body.range().end - body.range().start;
                if size > u64::from(self.limits.function_body_bytes) {
                    let index = self.imports.len() as u32 + self.bodies.len() as u32;
                    let mut rejection = Rejection::new(
                        Rule::Limit {
                            limit: Limit::FunctionBodyBytes,
                            found: size,
                            max: u64::from(self.limits.function_body_bytes),
                        },
                        body.range().start,
                    );
                    rejection.function = Some(FunctionRef { index, name: None });
                    return Err(rejection);
                }
            }
            Payload::CustomSection(reader) => {
                if reader.name() == "name" && self.name_section.is_none() {
                    self.name_section = Some((reader.data(), reader.data_offset() as u64));
                }
            }
            Payload::UnknownSection { range, id, .. } => {
                return Err(Rejection::new(
                    Rule::Malformed {
                        message: format!("unknown section id {id}"),
                    },
                    range.start as u64,
                ));
            }
            Payload::End(_) => {}
            _ => {
                return Err(proposal(
                    Proposal::ComponentModel,
                    "a component-model section",
                    0,
                ));
            }
        }
        Ok(())
    }

    fn check_type_group(
        &mut self,
        index: u32,
        offset: u64,
        group: &wasmparser::RecGroup,
    ) -> Result<(), Rejection> {
        if group.is_explicit_rec_group() {
            return Err(proposal(Proposal::Gc, "a recursive type group", offset));
        }
        for sub_type in group.types() {
            if !sub_type.is_final || !sub_type.supertype_idxs.is_empty() {
                return Err(proposal(Proposal::Gc, "a subtype declaration", offset));
            }
            if sub_type.composite_type.shared {
                return Err(proposal(Proposal::Threads, "a shared type", offset));
            }
            if sub_type.composite_type.descriptor_idx.is_some()
                || sub_type.composite_type.describes_idx.is_some()
            {
                return Err(proposal(Proposal::Gc, "a type descriptor", offset));
            }
            let func = match &sub_type.composite_type.inner {
                CompositeInnerType::Func(func) => func,
                CompositeInnerType::Array(_) | CompositeInnerType::Struct(_) => {
                    return Err(proposal(Proposal::Gc, "a struct or array type", offset));
                }
                CompositeInnerType::Cont(_) => {
                    return Err(proposal(Proposal::Other, "a continuation type", offset));
                }
            };
            self.check_limit(Limit::ParamsPerFunction, func.params().len() as u64, offset)?;
            self.check_limit(
                Limit::ResultsPerFunction,
                func.results().len() as u64,
                offset,
            )?;
            self.params_total += func.params().len() as u64;
            self.check_limit(Limit::ParamsTotal, self.params_total, offset)?;
            for param in func.params() {
                check_val_type(*param, offset, &format!("parameter of type #{index}"))?;
            }
            for result in func.results() {
                check_val_type(*result, offset, &format!("result of type #{index}"))?;
            }
            self.types.push(func.clone());
        }
        Ok(())
    }

    fn check_import(
        &mut self,
        offset: u64,
        import: &wasmparser::Import<'a>,
    ) -> Result<(), Rejection> {
        if import.module == METERING_MODULE {
            return Err(Rejection::new(
                Rule::ReservedName {
                    name: format!("{}.{}", import.module, import.name),
                },
                offset,
            ));
        }
        let unknown = || {
            Rejection::new(
                Rule::UnknownImport {
                    module: import.module.to_string(),
                    name: import.name.to_string(),
                },
                offset,
            )
        };
        let TypeRef::Func(type_index) = import.ty else {
            return Err(unknown());
        };
        let Some(host) = self
            .config
            .host_imports
            .iter()
            .find(|host| host.module == import.module && host.name == import.name)
        else {
            return Err(unknown());
        };
        let Some(ty) = self.types.get(type_index as usize) else {
            return Err(Rejection::new(
                Rule::Invalid {
                    message: format!("type index {type_index} out of bounds"),
                },
                offset,
            ));
        };
        let matches = |ours: &[ValType], theirs: &[wasmparser::ValType]| {
            ours.len() == theirs.len()
                && ours.iter().zip(theirs).all(|(a, b)| {
                    matches!(
                        (a, b),
                        (ValType::I32, wasmparser::ValType::I32)
                            | (ValType::I64, wasmparser::ValType::I64)
                    )
                })
        };
        if !matches(host.params, ty.params()) || !matches(host.results, ty.results()) {
            let wasm_text = |types: &[wasmparser::ValType]| -> Vec<String> {
                types.iter().map(|t| t.to_string()).collect()
            };
            let params = wasm_text(ty.params());
            let results = wasm_text(ty.results());
            return Err(Rejection::new(
                Rule::ImportSignature {
                    module: import.module.to_string(),
                    name: import.name.to_string(),
                    expected: signature_text(
                        host.params.iter().map(|t| t.text()),
                        host.results.iter().map(|t| t.text()),
                    ),
                    found: signature_text(
                        params.iter().map(String::as_str),
                        results.iter().map(String::as_str),
                    ),
                },
                offset,
            ));
        }
        self.imports.push((import.module, import.name, type_index));
        Ok(())
    }

    fn check_table(&self, offset: u64, table: &wasmparser::Table) -> Result<(), Rejection> {
        let ty = &table.ty;
        if ty.table64 {
            return Err(proposal(Proposal::Memory64, "a 64-bit table", offset));
        }
        if ty.shared {
            return Err(proposal(Proposal::Threads, "a shared table", offset));
        }
        check_ref_type(ty.element_type, offset)?;
        if let wasmparser::TableInit::Expr(_) = table.init {
            return Err(proposal(
                Proposal::FunctionReferences,
                "a table initialiser expression",
                offset,
            ));
        }
        self.check_limit(Limit::TableElements, ty.initial, offset)?;
        if let Some(maximum) = ty.maximum {
            self.check_limit(Limit::TableElements, maximum, offset)?;
        }
        Ok(())
    }

    fn check_memory(
        &mut self,
        offset: u64,
        memory: &wasmparser::MemoryType,
    ) -> Result<(), Rejection> {
        self.memories += 1;
        if self.memories > 1 {
            return Err(proposal(Proposal::MultiMemory, "a second memory", offset));
        }
        if memory.memory64 {
            return Err(proposal(Proposal::Memory64, "a 64-bit memory", offset));
        }
        if memory.shared {
            return Err(proposal(Proposal::Threads, "a shared memory", offset));
        }
        if memory.page_size_log2.is_some() {
            return Err(proposal(
                Proposal::CustomPageSizes,
                "a custom page size",
                offset,
            ));
        }
        self.check_limit(Limit::MemoryPages, memory.initial, offset)?;
        if let Some(maximum) = memory.maximum {
            self.check_limit(Limit::MemoryPages, maximum, offset)?;
        }
        self.memory = Some((memory.initial, memory.maximum));
        Ok(())
    }

    fn check_element(&self, element: &wasmparser::Element<'a>) -> Result<(), Rejection> {
        let offset = element.range.start as u64;
        match &element.kind {
            wasmparser::ElementKind::Active {
                offset_expr,
                table_index,
            } => {
                let _ = table_index;
                check_const_expr(offset_expr)?;
            }
            wasmparser::ElementKind::Passive | wasmparser::ElementKind::Declared => {}
        }
        if let wasmparser::ElementItems::Expressions(ty, exprs) = &element.items {
            check_ref_type(*ty, offset)?;
            for expr in exprs.clone() {
                let expr = expr.map_err(|e| Rejection::from_wasmparser(&e, true))?;
                check_const_expr(&expr)?;
            }
        }
        Ok(())
    }

    /// Assembles the instrumented module.
    fn encode(self) -> Result<Instrumented, Rejection> {
        use wasm_encoder::{
            CodeSection, EntityType, ExportKind, ExportSection, FunctionSection, GlobalSection,
            GlobalType, ImportSection, Module, RawSection, TypeSection,
        };
        let malformed = |e: wasmparser::BinaryReaderError| Rejection::from_wasmparser(&e, true);
        let reencode_error = |e: wasm_encoder::reencode::Error<core::convert::Infallible>| {
            internal_error(&format!("re-encoding failed: {e}"), 0)
        };
        let mut shift = ShiftFunctions;
        let imported = self.imports.len() as u32;
        let defined = self.functions.len() as u32;
        let mut module = Module::new();

        // Types: the originals, then the two metering signatures.
        let mut types = TypeSection::new();
        for ty in &self.types {
            let params: Vec<_> = ty
                .params()
                .iter()
                .map(|t| RoundtripReencoder.val_type(*t))
                .collect::<Result<_, _>>()
                .map_err(reencode_error)?;
            let results: Vec<_> = ty
                .results()
                .iter()
                .map(|t| RoundtripReencoder.val_type(*t))
                .collect::<Result<_, _>>()
                .map_err(reencode_error)?;
            types.ty().function(params, results);
        }
        let gas_type = self.types.len() as u32;
        let stack_type = gas_type + 1;
        types.ty().function([wasm_encoder::ValType::I64], []);
        types.ty().function([], []);
        module.section(&types);

        // Imports: the metering functions first, then the host functions.
        let mut imports = ImportSection::new();
        imports.import(
            METERING_MODULE,
            GAS_FUNCTION,
            EntityType::Function(gas_type),
        );
        imports.import(
            METERING_MODULE,
            STACK_EXHAUSTED_FUNCTION,
            EntityType::Function(stack_type),
        );
        for (module_name, name, ty) in &self.imports {
            imports.import(module_name, name, EntityType::Function(*ty));
        }
        module.section(&imports);

        // Functions: the originals, then one thunk per exported function.
        let mut thunks: BTreeMap<u32, u32> = BTreeMap::new();
        for export in &self.exports {
            if export.kind == ExternalKind::Func && export.index >= imported {
                let next = FUNCTION_SHIFT + imported + defined + thunks.len() as u32;
                thunks.entry(export.index).or_insert(next);
            }
        }
        let mut functions = FunctionSection::new();
        for ty in &self.functions {
            functions.function(*ty);
        }
        for original in thunks.keys() {
            let ty = self.function_type_index(*original)?;
            functions.function(ty);
        }
        module.section(&functions);

        if let Some(data) = self.table_section {
            module.section(&RawSection { id: 4, data });
        }
        if let Some(data) = self.memory_section {
            module.section(&RawSection { id: 5, data });
        }

        // Globals: the originals, then the stack height.
        let mut globals = GlobalSection::new();
        if let Some(reader) = self.global_section.clone() {
            for global in reader {
                let global = global.map_err(malformed)?;
                let ty = shift.global_type(global.ty).map_err(reencode_error)?;
                let init = shift.const_expr(global.init_expr).map_err(reencode_error)?;
                globals.global(ty, &init);
            }
        }
        globals.global(
            GlobalType {
                val_type: wasm_encoder::ValType::I32,
                mutable: true,
                shared: false,
            },
            &wasm_encoder::ConstExpr::i32_const(0),
        );
        module.section(&globals);

        let mut exports = ExportSection::new();
        for export in &self.exports {
            let (kind, index) = match export.kind {
                ExternalKind::Func => match thunks.get(&export.index) {
                    Some(thunk) => (ExportKind::Func, *thunk),
                    None => (ExportKind::Func, export.index + FUNCTION_SHIFT),
                },
                ExternalKind::Table => (ExportKind::Table, export.index),
                ExternalKind::Memory => (ExportKind::Memory, export.index),
                ExternalKind::Global => (ExportKind::Global, export.index),
                ExternalKind::Tag | ExternalKind::FuncExact => {
                    return Err(internal_error("unexpected export kind", 0));
                }
            };
            exports.export(export.name, kind, index);
        }
        if !self.exports.is_empty() {
            module.section(&exports);
        }

        if let Some(reader) = self.element_section.clone() {
            let mut elements = wasm_encoder::ElementSection::new();
            shift
                .parse_element_section(&mut elements, reader)
                .map_err(reencode_error)?;
            module.section(&elements);
        }
        if let Some(count) = self.data_count {
            module.section(&wasm_encoder::DataCountSection { count });
        }

        let mut code = CodeSection::new();
        let mut metered_blocks = 0;
        for body in &self.bodies {
            code.raw(&body.body);
            metered_blocks += body.metered_blocks;
        }
        let stack_global = self.globals;
        for (original, _) in &thunks {
            let ty = self.function_type_index(*original)?;
            let params = self
                .types
                .get(ty as usize)
                .map(|t| t.params().len() as u32)
                .unwrap_or(0);
            code.function(&function::export_thunk(
                original + FUNCTION_SHIFT,
                params,
                stack_global,
            ));
        }
        if !self.bodies.is_empty() || !thunks.is_empty() {
            module.section(&code);
        }
        if let Some(data) = self.data_section {
            module.section(&RawSection { id: 11, data });
        }
        if let Some((data, offset)) = self.name_section {
            if let Some(names) = names::shifted_name_section(data, offset, FUNCTION_SHIFT) {
                module.section(&names);
            }
        }

        let exports = self.exports.iter().map(|e| e.name.to_string()).collect();
        let imports = self
            .imports
            .iter()
            .map(|(m, n, _)| (m.to_string(), n.to_string()))
            .collect();
        Ok(Instrumented {
            module: module.finish(),
            report: Report {
                functions: defined,
                imports,
                exports,
                memory: self.memory,
                metered_blocks,
                code_bytes: self.code_bytes,
                cost_table_hash: cost::cost_table_hash(),
            },
        })
    }

    fn function_type_index(&self, function: u32) -> Result<u32, Rejection> {
        let imported = self.imports.len() as u32;
        let ty = if function < imported {
            self.imports.get(function as usize).map(|i| i.2)
        } else {
            self.functions.get((function - imported) as usize).copied()
        };
        ty.ok_or_else(|| internal_error("function index out of range", 0))
    }
}

/// Re-encodes module parts with every function index moved past the two
/// metering imports.
struct ShiftFunctions;

impl Reencode for ShiftFunctions {
    type Error = core::convert::Infallible;

    fn function_index(
        &mut self,
        func: u32,
    ) -> Result<u32, wasm_encoder::reencode::Error<Self::Error>> {
        Ok(func + FUNCTION_SHIFT)
    }
}

/// A section's byte range as indices into the module (which is in memory, so
/// every offset fits in `usize`).
fn section_range(range: core::ops::Range<u64>) -> core::ops::Range<usize> {
    range.start as usize..range.end as usize
}

fn proposal(proposal: Proposal, what: &str, offset: u64) -> Rejection {
    Rejection::new(
        Rule::Proposal {
            proposal,
            what: what.to_string(),
        },
        offset,
    )
}

/// A failure that valid input cannot cause: reported as a rejection rather
/// than a panic, and marked as a bug.
fn internal_error(message: &str, offset: u64) -> Rejection {
    Rejection::new(
        Rule::Invalid {
            message: format!("internal error (a bug in the instrumenter): {message}"),
        },
        offset,
    )
}

/// Rejects float, vector and non-2.0 reference types.
pub(crate) fn check_val_type(
    ty: wasmparser::ValType,
    offset: u64,
    what: &str,
) -> Result<(), Rejection> {
    match ty {
        wasmparser::ValType::I32 | wasmparser::ValType::I64 => Ok(()),
        wasmparser::ValType::F32 | wasmparser::ValType::F64 => Err(Rejection::new(
            Rule::FloatingPoint {
                what: format!("an {ty} {what}"),
            },
            offset,
        )),
        wasmparser::ValType::V128 => {
            Err(proposal(Proposal::Simd, &format!("a v128 {what}"), offset))
        }
        wasmparser::ValType::Ref(ty) => check_ref_type(ty, offset),
    }
}

/// Accepts `funcref` and `externref` only.
pub(crate) fn check_ref_type(ty: wasmparser::RefType, offset: u64) -> Result<(), Rejection> {
    if ty == wasmparser::RefType::FUNCREF || ty == wasmparser::RefType::EXTERNREF {
        Ok(())
    } else if ty.is_concrete_type_ref() || !ty.is_nullable() {
        Err(proposal(
            Proposal::FunctionReferences,
            &format!("the reference type {ty}"),
            offset,
        ))
    } else {
        Err(proposal(
            Proposal::Gc,
            &format!("the reference type {ty}"),
            offset,
        ))
    }
}

/// Accepts the constant expressions of WebAssembly 2.0: one `i32.const`,
/// `i64.const`, `global.get`, `ref.null` or `ref.func`.
fn check_const_expr(expr: &wasmparser::ConstExpr<'_>) -> Result<(), Rejection> {
    let mut reader = expr.get_operators_reader();
    let mut operators = 0;
    while !reader.eof() {
        let (op, offset) = reader
            .read_with_offset()
            .map_err(|e| Rejection::from_wasmparser(&e, true))?;
        let offset = offset as u64;
        use wasmparser::Operator as O;
        match op {
            O::End => continue,
            O::I32Const { .. } | O::I64Const { .. } | O::GlobalGet { .. } | O::RefFunc { .. } => {}
            O::RefNull { hty } => {
                let ty = wasmparser::RefType::new(true, hty);
                match ty {
                    Some(ty) => check_ref_type(ty, offset)?,
                    None => return Err(proposal(Proposal::Gc, "a heap type", offset)),
                }
            }
            O::F32Const { .. } => {
                return Err(Rejection::new(
                    Rule::FloatingPoint {
                        what: "f32.const".into(),
                    },
                    offset,
                ));
            }
            O::F64Const { .. } => {
                return Err(Rejection::new(
                    Rule::FloatingPoint {
                        what: "f64.const".into(),
                    },
                    offset,
                ));
            }
            O::I32Add | O::I32Sub | O::I32Mul | O::I64Add | O::I64Sub | O::I64Mul => {
                return Err(proposal(
                    Proposal::ExtendedConst,
                    "arithmetic in a constant expression",
                    offset,
                ));
            }
            O::V128Const { .. } => {
                return Err(proposal(Proposal::Simd, "v128.const", offset));
            }
            _ => {
                return Err(proposal(
                    Proposal::Gc,
                    "an operator in a constant expression",
                    offset,
                ));
            }
        }
        operators += 1;
        if operators > 1 {
            return Err(proposal(
                Proposal::ExtendedConst,
                "a constant expression of more than one operator",
                offset,
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
