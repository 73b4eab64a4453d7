//! Float stripping: the integer part of a module that mixes integer and
//! floating-point code, so that the integer behaviour can be tested on a VM
//! that rejects floats.
//!
//! Done on the binary (wasmparser in, wasm-encoder out), keeping every index
//! (types, functions, globals) where it was:
//!
//! - A function type with an `f32`/`f64` (or `v128`) parameter or result is
//!   replaced, at the same type index, by its *surrogate*: the same shape with
//!   `f32` read as `i32` and `f64`/`v128` as `i64`, plus the parameters
//!   [`SURROGATE_TAIL`]. The tail keeps a surrogate distinct from every
//!   integer type of the module (checked), so a `call_indirect` of integer
//!   code still traps with a type mismatch where it did before. Surrogates do
//!   not depend on the module, so a float function exported by one module
//!   still links to the import of another, and the harness offers
//!   `spectest.print_f32` and its siblings under their surrogate types.
//! - A function *uses floats* when its type is a float type, it declares a
//!   float local, or its body has a float operator (by name, as wasmparser
//!   spells it: `F32…`, `F64…`, SIMD lane shapes), a block or `select` type
//!   with a float, a `call` of a function with a float type, a
//!   `call_indirect` through a float type, or a `global.get`/`global.set` of a
//!   float global. Its body is replaced by
//!   `global.get $marker; i32.const 1; i32.add; global.set $marker; unreachable`:
//!   it traps with `unreachable`, and the marker global (added last, exported
//!   as [`MARKER_EXPORT`]) lets the harness tell that trap from one of the
//!   spec's own, and skip the assertion instead of failing it.
//! - A float global (defined or imported) becomes an `i32`/`i64` global of the
//!   same mutability; a defined one is initialised to zero.
//! - Custom sections are dropped from a rewritten module (the name section
//!   would name locals that are gone). A module that needs none of this comes
//!   back byte for byte.
//!
//! For the metering-on configuration the start function can also be moved to
//! an export ([`START_EXPORT`]): the instrumenter rejects a start section, and
//! the harness calls the export right after instantiation instead, which is
//! what the start function would have done at the same point.

use std::collections::BTreeSet;

use wasm_encoder::{ConstExpr, ExportKind, Instruction};
use wasmparser::{BlockType, Operator, Parser, Payload, TypeRef, ValType};

/// Export name of the marker global: how many times stripped code was
/// entered.
pub const MARKER_EXPORT: &str = "__gasworks_spec_stripped";
/// Export name of the former start function, when it is moved to an export.
pub const START_EXPORT: &str = "__gasworks_spec_start";

/// Parameters appended to the integer image of a float function type, so
/// that the surrogate is not the type of any integer function.
pub const SURROGATE_TAIL: [ValType; 4] = [ValType::I64, ValType::I32, ValType::I32, ValType::I64];

/// Whether `ty` is a floating-point or vector type.
pub fn is_float(ty: ValType) -> bool {
    matches!(ty, ValType::F32 | ValType::F64 | ValType::V128)
}

/// The integer type that takes the place of `ty`.
pub fn integer_image(ty: ValType) -> ValType {
    match ty {
        ValType::F32 => ValType::I32,
        ValType::F64 | ValType::V128 => ValType::I64,
        other => other,
    }
}

/// The surrogate of a function type: unchanged when it has no float.
pub fn surrogate(params: &[ValType], results: &[ValType]) -> (Vec<ValType>, Vec<ValType>) {
    if !params.iter().chain(results).any(|ty| is_float(*ty)) {
        return (params.to_vec(), results.to_vec());
    }
    let mut new_params: Vec<ValType> = params.iter().map(|ty| integer_image(*ty)).collect();
    new_params.extend(SURROGATE_TAIL);
    let new_results = results.iter().map(|ty| integer_image(*ty)).collect();
    (new_params, new_results)
}

/// A module with its float parts stripped.
#[derive(Debug, Clone)]
pub struct Stripped {
    /// The module's bytes (the input itself when nothing changed).
    pub wasm: Vec<u8>,
    /// Whether the module was rewritten (it has floats, or its start
    /// function was moved).
    pub rewritten: bool,
    /// Exported names of functions whose body was replaced.
    pub stripped_exports: BTreeSet<String>,
    /// Functions whose body was replaced.
    pub stripped_functions: usize,
    /// Whether an import's type changed (a float function or global import).
    pub altered_imports: bool,
    /// Exports whose type changed (float functions and globals).
    pub altered_exports: BTreeSet<String>,
    /// Whether the module got the marker global and its export.
    pub marker: bool,
    /// Whether the start function was itself stripped.
    pub start_stripped: bool,
    /// Whether the start function was moved to [`START_EXPORT`].
    pub start_exported: bool,
}

/// What the first pass learns about a module.
#[derive(Default)]
struct Analysis {
    /// Per type: whether it has a float parameter or result.
    float_types: Vec<bool>,
    /// Integer function types, for the collision check.
    integer_types: BTreeSet<(Vec<ValType>, Vec<ValType>)>,
    /// Type index of every function, imports first.
    function_types: Vec<u32>,
    imported_functions: u32,
    /// Per global, imports first: whether it is a float global.
    float_globals: Vec<bool>,
    /// Per defined function: whether it uses floats.
    stripped: Vec<bool>,
    altered_imports: bool,
    start: Option<u32>,
    exports: Vec<(String, wasmparser::ExternalKind, u32)>,
}

impl Analysis {
    fn float_type(&self, index: u32) -> bool {
        self.float_types
            .get(index as usize)
            .copied()
            .unwrap_or(false)
    }

    fn float_function(&self, function: u32) -> bool {
        self.function_types
            .get(function as usize)
            .is_some_and(|ty| self.float_type(*ty))
    }

    fn float_global(&self, global: u32) -> bool {
        self.float_globals
            .get(global as usize)
            .copied()
            .unwrap_or(false)
    }

    fn is_stripped(&self, function: u32) -> bool {
        function >= self.imported_functions
            && self
                .stripped
                .get((function - self.imported_functions) as usize)
                .copied()
                .unwrap_or(false)
    }

    fn block_type_uses_float(&self, ty: &BlockType) -> bool {
        match ty {
            BlockType::Empty => false,
            BlockType::Type(ty) => is_float(*ty),
            BlockType::FuncType(index) => self.float_type(*index),
        }
    }

    /// Whether one operator uses floats (see the module docs).
    fn operator_uses_float(&self, op: &Operator<'_>) -> bool {
        match op {
            Operator::Block { blockty } | Operator::Loop { blockty } | Operator::If { blockty } => {
                return self.block_type_uses_float(blockty);
            }
            Operator::TypedSelect { ty } => return is_float(*ty),
            Operator::Call { function_index } => return self.float_function(*function_index),
            Operator::CallIndirect { type_index, .. } => return self.float_type(*type_index),
            Operator::GlobalGet { global_index } | Operator::GlobalSet { global_index } => {
                return self.float_global(*global_index);
            }
            _ => {}
        }
        // Everything else by its name: wasmparser names every float operator
        // with `F32`/`F64` (`F32Add`, `I32TruncF64S`, `F64Load`...) and every
        // SIMD operator with `V128` or a lane shape.
        let text = format!("{op:?}");
        let name = text.split([' ', '{']).next().unwrap_or("");
        ["F32", "F64", "V128", "x16", "x8", "x4", "x2"]
            .iter()
            .any(|marker| name.contains(marker))
    }

    fn body_uses_float(&self, body: &wasmparser::FunctionBody<'_>) -> Result<bool, String> {
        let mut locals = body.get_locals_reader().map_err(|e| e.to_string())?;
        for _ in 0..locals.get_count() {
            let (_, ty) = locals.read().map_err(|e| e.to_string())?;
            if is_float(ty) {
                return Ok(true);
            }
        }
        let mut operators = body.get_operators_reader().map_err(|e| e.to_string())?;
        while !operators.eof() {
            let op = operators.read().map_err(|e| e.to_string())?;
            if self.operator_uses_float(&op) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn analyse(wasm: &[u8]) -> Result<Analysis, String> {
        let mut analysis = Analysis::default();
        let error = |e: wasmparser::BinaryReaderError| e.to_string();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(error)? {
                Payload::TypeSection(reader) => {
                    for ty in reader.into_iter_err_on_gc_types() {
                        let ty = ty.map_err(error)?;
                        let float = ty.params().iter().chain(ty.results()).any(|t| is_float(*t));
                        if !float {
                            analysis
                                .integer_types
                                .insert((ty.params().to_vec(), ty.results().to_vec()));
                        }
                        analysis.float_types.push(float);
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        match import.map_err(error)?.ty {
                            TypeRef::Func(ty) => {
                                analysis.function_types.push(ty);
                                analysis.imported_functions += 1;
                                analysis.altered_imports |= analysis.float_type(ty);
                            }
                            TypeRef::Global(global) => {
                                let float = is_float(global.content_type);
                                analysis.float_globals.push(float);
                                analysis.altered_imports |= float;
                            }
                            _ => {}
                        }
                    }
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader {
                        analysis.function_types.push(ty.map_err(error)?);
                    }
                }
                Payload::GlobalSection(reader) => {
                    for global in reader {
                        let global = global.map_err(error)?;
                        analysis
                            .float_globals
                            .push(is_float(global.ty.content_type));
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export.map_err(error)?;
                        analysis
                            .exports
                            .push((export.name.to_string(), export.kind, export.index));
                    }
                }
                Payload::StartSection { func, .. } => analysis.start = Some(func),
                Payload::CodeSectionEntry(body) => {
                    let index = analysis.imported_functions + analysis.stripped.len() as u32;
                    let uses_float =
                        analysis.float_function(index) || analysis.body_uses_float(&body)?;
                    analysis.stripped.push(uses_float);
                }
                _ => {}
            }
        }
        Ok(analysis)
    }
}

/// Position of a section id in the order the binary format requires.
fn section_order(id: u8) -> u8 {
    match id {
        1..=5 => id,
        13 => 6,  // tag
        6 => 7,   // global
        7 => 8,   // export
        8 => 9,   // start
        9 => 10,  // element
        12 => 11, // data count
        10 => 12, // code
        11 => 13, // data
        _ => 0,
    }
}

const GLOBAL_SECTION: u8 = 6;
const EXPORT_SECTION: u8 = 7;

fn encoder_type(ty: ValType) -> Result<wasm_encoder::ValType, String> {
    wasm_encoder::ValType::try_from(ty).map_err(|e| format!("{e:?}"))
}

fn zero(ty: ValType) -> ConstExpr {
    match ty {
        ValType::I64 => ConstExpr::i64_const(0),
        _ => ConstExpr::i32_const(0),
    }
}

/// Strips the float parts of `wasm` (see the module docs); with
/// `start_as_export`, also moves the start function to [`START_EXPORT`].
///
/// # Errors
///
/// A message when the module does not decode, or when a surrogate type would
/// be the type of an integer function of the same module.
pub fn strip(wasm: &[u8], start_as_export: bool) -> Result<Stripped, String> {
    let analysis = Analysis::analyse(wasm)?;
    let stripped_functions = analysis.stripped.iter().filter(|s| **s).count();
    let has_float_types = analysis.float_types.iter().any(|f| *f);
    let has_float_globals = analysis.float_globals.iter().any(|f| *f);
    let move_start = start_as_export && analysis.start.is_some();
    let stripped_exports: BTreeSet<String> = analysis
        .exports
        .iter()
        .filter(|(_, kind, index)| {
            *kind == wasmparser::ExternalKind::Func && analysis.is_stripped(*index)
        })
        .map(|(name, _, _)| name.clone())
        .collect();
    let start_stripped = analysis.start.is_some_and(|s| analysis.is_stripped(s));
    let altered_exports: BTreeSet<String> = analysis
        .exports
        .iter()
        .filter(|(_, kind, index)| match kind {
            wasmparser::ExternalKind::Func => analysis.float_function(*index),
            wasmparser::ExternalKind::Global => analysis.float_global(*index),
            _ => false,
        })
        .map(|(name, _, _)| name.clone())
        .collect();
    if stripped_functions == 0 && !has_float_types && !has_float_globals && !move_start {
        return Ok(Stripped {
            wasm: wasm.to_vec(),
            rewritten: false,
            stripped_exports,
            stripped_functions,
            altered_imports: false,
            altered_exports,
            marker: false,
            start_stripped,
            start_exported: false,
        });
    }
    let marker = stripped_functions > 0;
    let marker_global = analysis.float_globals.len() as u32;
    let error = |e: wasmparser::BinaryReaderError| e.to_string();

    let mut out = wasm_encoder::Module::new();
    let mut global_pending = marker;
    let mut export_pending = marker || move_start;
    // Emits the marker global and the extra exports in their own sections
    // when the module has no section to add them to.
    let flush = |out: &mut wasm_encoder::Module,
                 before: u8,
                 global_pending: &mut bool,
                 export_pending: &mut bool| {
        if *global_pending && before > section_order(GLOBAL_SECTION) {
            let mut globals = wasm_encoder::GlobalSection::new();
            add_marker_global(&mut globals);
            out.section(&globals);
            *global_pending = false;
        }
        if *export_pending && before > section_order(EXPORT_SECTION) {
            let mut exports = wasm_encoder::ExportSection::new();
            add_exports(
                &mut exports,
                marker,
                marker_global,
                move_start,
                analysis.start,
            );
            out.section(&exports);
            *export_pending = false;
        }
    };

    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(error)?;
        let Some((id, range)) = payload.as_section() else {
            continue;
        };
        if matches!(payload, Payload::CustomSection(_)) {
            continue;
        }
        flush(
            &mut out,
            section_order(id),
            &mut global_pending,
            &mut export_pending,
        );
        match payload {
            Payload::TypeSection(reader) => {
                let mut types = wasm_encoder::TypeSection::new();
                for ty in reader.into_iter_err_on_gc_types() {
                    let ty = ty.map_err(error)?;
                    let (params, results) = surrogate(ty.params(), ty.results());
                    if analysis
                        .integer_types
                        .contains(&(params.clone(), results.clone()))
                        && (params.as_slice(), results.as_slice()) != (ty.params(), ty.results())
                    {
                        return Err(format!(
                            "the surrogate of {ty} is the type of an integer function"
                        ));
                    }
                    let params = params
                        .into_iter()
                        .map(encoder_type)
                        .collect::<Result<Vec<_>, _>>()?;
                    let results = results
                        .into_iter()
                        .map(encoder_type)
                        .collect::<Result<Vec<_>, _>>()?;
                    types.ty().function(params, results);
                }
                out.section(&types);
            }
            Payload::ImportSection(reader) => {
                let mut imports = wasm_encoder::ImportSection::new();
                for import in reader.into_imports() {
                    let import = import.map_err(error)?;
                    let ty = match import.ty {
                        TypeRef::Global(mut global) => {
                            global.content_type = integer_image(global.content_type);
                            TypeRef::Global(global)
                        }
                        other => other,
                    };
                    let ty =
                        wasm_encoder::EntityType::try_from(ty).map_err(|e| format!("{e:?}"))?;
                    imports.import(import.module, import.name, ty);
                }
                out.section(&imports);
            }
            Payload::GlobalSection(reader) => {
                let mut globals = wasm_encoder::GlobalSection::new();
                for global in reader {
                    let global = global.map_err(error)?;
                    let content = global.ty.content_type;
                    let ty = wasm_encoder::GlobalType {
                        val_type: encoder_type(integer_image(content))?,
                        mutable: global.ty.mutable,
                        shared: global.ty.shared,
                    };
                    let init = if is_float(content) {
                        zero(integer_image(content))
                    } else {
                        ConstExpr::try_from(global.init_expr).map_err(|e| format!("{e:?}"))?
                    };
                    globals.global(ty, &init);
                }
                if global_pending {
                    add_marker_global(&mut globals);
                    global_pending = false;
                }
                out.section(&globals);
            }
            Payload::ExportSection(reader) => {
                let mut exports = wasm_encoder::ExportSection::new();
                for export in reader {
                    let export = export.map_err(error)?;
                    let kind = wasm_encoder::ExportKind::from(export.kind);
                    exports.export(export.name, kind, export.index);
                }
                add_exports(
                    &mut exports,
                    marker,
                    marker_global,
                    move_start,
                    analysis.start,
                );
                export_pending = false;
                out.section(&exports);
            }
            Payload::StartSection { .. } if move_start => {}
            Payload::CodeSectionStart { .. } => {
                let bytes = &wasm[range.start as usize..range.end as usize];
                let reader = wasmparser::CodeSectionReader::new(wasmparser::BinaryReader::new(
                    bytes,
                    range.start,
                ))
                .map_err(error)?;
                let mut code = wasm_encoder::CodeSection::new();
                for (index, body) in reader.into_iter().enumerate() {
                    let body = body.map_err(error)?;
                    if analysis.stripped.get(index).copied().unwrap_or(false) {
                        let mut function = wasm_encoder::Function::new([]);
                        function
                            .instruction(&Instruction::GlobalGet(marker_global))
                            .instruction(&Instruction::I32Const(1))
                            .instruction(&Instruction::I32Add)
                            .instruction(&Instruction::GlobalSet(marker_global))
                            .instruction(&Instruction::Unreachable)
                            .instruction(&Instruction::End);
                        code.function(&function);
                    } else {
                        let range = body.range();
                        code.raw(&wasm[range.start as usize..range.end as usize]);
                    }
                }
                out.section(&code);
            }
            _ => {
                out.section(&wasm_encoder::RawSection {
                    id,
                    data: &wasm[range.start as usize..range.end as usize],
                });
            }
        }
    }
    flush(&mut out, u8::MAX, &mut global_pending, &mut export_pending);
    Ok(Stripped {
        wasm: out.finish(),
        rewritten: true,
        stripped_exports,
        stripped_functions,
        altered_imports: analysis.altered_imports,
        altered_exports,
        marker,
        start_stripped,
        start_exported: move_start,
    })
}

fn add_marker_global(globals: &mut wasm_encoder::GlobalSection) {
    globals.global(
        wasm_encoder::GlobalType {
            val_type: wasm_encoder::ValType::I32,
            mutable: true,
            shared: false,
        },
        &ConstExpr::i32_const(0),
    );
}

fn add_exports(
    exports: &mut wasm_encoder::ExportSection,
    marker: bool,
    marker_global: u32,
    move_start: bool,
    start: Option<u32>,
) {
    if marker {
        exports.export(MARKER_EXPORT, ExportKind::Global, marker_global);
    }
    if let (true, Some(start)) = (move_start, start) {
        exports.export(START_EXPORT, ExportKind::Func, start);
    }
}
