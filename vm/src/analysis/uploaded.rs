//! Reading the uploaded module: its types, imports, exports, memory and
//! data, its names, and each body's call sites and function references.
//!
//! One pass over the module and over each body. The instrumenter has
//! already validated the module and classified every operator, so only the
//! few operators that make call edges or function references are looked
//! at here: a `match` with three arms, not a visitor that would have to
//! list the other five hundred.

use std::collections::{BTreeMap, BTreeSet};

use wasmparser::{
    BinaryReader, CompositeInnerType, ConstExpr, DataKind, ElementItems, ExternalKind, FuncType,
    Name, NameSectionReader, Operator, Parser, Payload, TypeRef,
};

use super::{AnalysisError, DataInfo};

/// What the analysis needs from the uploaded module.
pub(super) struct Uploaded {
    /// The type section's function types, by type index.
    pub types: Vec<FuncType>,
    /// Imported functions: module, name, type index.
    pub imports: Vec<(String, String, u32)>,
    /// The defined functions, in order.
    pub bodies: Vec<Body>,
    /// Exported functions: export name, function index, in export order.
    pub function_exports: Vec<(String, u32)>,
    /// The functions that may be in a table (see the module docs).
    pub indirect_targets: BTreeSet<u32>,
    /// The memory: initial pages, declared maximum.
    pub memory: Option<(u64, Option<u64>)>,
    pub data: DataInfo,
    /// Function names from the name section.
    pub names: BTreeMap<u32, String>,
    /// Size of the code section's contents.
    pub code_bytes: u64,
}

/// One defined function's body, as the call graph needs it.
pub(super) struct Body {
    pub type_index: u32,
    /// Size in bytes.
    pub bytes: u64,
    /// Functions called with `call`, ascending, each once.
    pub calls: Vec<u32>,
    /// Type indices of its `call_indirect`s, ascending, each once.
    pub indirect_types: Vec<u32>,
}

/// Reads `wasm`.
pub(super) fn read(wasm: &[u8]) -> Result<Uploaded, AnalysisError> {
    let err = |e: wasmparser::BinaryReaderError| AnalysisError::from_wasmparser(&e);
    let mut module = Uploaded {
        types: Vec::new(),
        imports: Vec::new(),
        bodies: Vec::new(),
        function_exports: Vec::new(),
        indirect_targets: BTreeSet::new(),
        memory: None,
        data: DataInfo::default(),
        names: BTreeMap::new(),
        code_bytes: 0,
    };
    // Type index of each defined function, from the function section.
    let mut function_types: Vec<u32> = Vec::new();
    // The constant `i32` value of each global, when it has one (for data
    // segment offsets that read a global).
    let mut global_values: Vec<Option<u32>> = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(err)? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub_type in group.map_err(err)?.into_types() {
                        match sub_type.composite_type.inner {
                            CompositeInnerType::Func(func) => module.types.push(func),
                            _ => {
                                return Err(AnalysisError::new(
                                    "a type that is not a function type",
                                    0,
                                ));
                            }
                        }
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports_with_offsets() {
                    let (offset, import) = import.map_err(err)?;
                    let TypeRef::Func(type_index) = import.ty else {
                        return Err(AnalysisError::new(
                            "an import that is not a function",
                            offset,
                        ));
                    };
                    module.imports.push((
                        import.module.to_string(),
                        import.name.to_string(),
                        type_index,
                    ));
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    function_types.push(ty.map_err(err)?);
                }
            }
            Payload::MemorySection(reader) => {
                if let Some(memory) = reader.into_iter().next() {
                    let memory = memory.map_err(err)?;
                    module.memory = Some((memory.initial, memory.maximum));
                }
            }
            Payload::GlobalSection(reader) => {
                for global in reader {
                    let global = global.map_err(err)?;
                    let value = const_i32(&global.init_expr, &global_values);
                    note_references(&global.init_expr, &mut module.indirect_targets)?;
                    global_values.push(value);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(err)?;
                    if export.kind == ExternalKind::Func {
                        module
                            .function_exports
                            .push((export.name.to_string(), export.index));
                    }
                }
            }
            Payload::ElementSection(reader) => {
                for element in reader {
                    match element.map_err(err)?.items {
                        ElementItems::Functions(functions) => {
                            for function in functions {
                                module.indirect_targets.insert(function.map_err(err)?);
                            }
                        }
                        ElementItems::Expressions(_, exprs) => {
                            for expr in exprs {
                                note_references(&expr.map_err(err)?, &mut module.indirect_targets)?;
                            }
                        }
                    }
                }
            }
            Payload::DataSection(reader) => {
                let mut active_end = Some(0u64);
                for data in reader {
                    let data = data.map_err(err)?;
                    let len = data.data.len() as u64;
                    module.data.bytes += len;
                    match data.kind {
                        DataKind::Passive => module.data.passive_segments += 1,
                        DataKind::Active { offset_expr, .. } => {
                            module.data.active_segments += 1;
                            let end = const_i32(&offset_expr, &global_values)
                                .map(|start| u64::from(start) + len);
                            active_end = match (active_end, end) {
                                (Some(a), Some(b)) => Some(a.max(b)),
                                _ => None,
                            };
                        }
                    }
                }
                if module.data.active_segments > 0 {
                    module.data.active_end = active_end;
                }
            }
            Payload::CodeSectionStart { size, .. } => module.code_bytes = u64::from(size),
            Payload::CodeSectionEntry(body) => {
                let index = module.bodies.len();
                let type_index = function_types.get(index).copied().ok_or_else(|| {
                    AnalysisError::new("a body without a function", body.range().start)
                })?;
                module
                    .bodies
                    .push(read_body(&body, type_index, &mut module.indirect_targets)?);
            }
            // A malformed name section is ignored, as the instrumenter
            // ignores it: names are for people only.
            Payload::CustomSection(reader)
                if reader.name() == "name" && module.names.is_empty() =>
            {
                module.names = function_names(reader.data(), reader.data_offset());
            }
            _ => {}
        }
    }
    if module.bodies.len() != function_types.len() {
        return Err(AnalysisError::new(
            "the function and code sections disagree",
            0,
        ));
    }
    Ok(module)
}

/// Reads one body's call sites and function references.
fn read_body(
    body: &wasmparser::FunctionBody<'_>,
    type_index: u32,
    references: &mut BTreeSet<u32>,
) -> Result<Body, AnalysisError> {
    let err = |e: wasmparser::BinaryReaderError| AnalysisError::from_wasmparser(&e);
    let mut calls = Vec::new();
    let mut indirect_types = Vec::new();
    let mut reader = body.get_operators_reader().map_err(err)?;
    while !reader.eof() {
        match reader.read().map_err(err)? {
            Operator::Call { function_index } => calls.push(function_index),
            Operator::CallIndirect { type_index, .. } => indirect_types.push(type_index),
            Operator::RefFunc { function_index } => {
                references.insert(function_index);
            }
            _ => {}
        }
    }
    calls.sort_unstable();
    calls.dedup();
    indirect_types.sort_unstable();
    indirect_types.dedup();
    let range = body.range();
    Ok(Body {
        type_index,
        bytes: range.end - range.start,
        calls,
        indirect_types,
    })
}

/// Notes every function a constant expression references with `ref.func`.
fn note_references(
    expr: &ConstExpr<'_>,
    references: &mut BTreeSet<u32>,
) -> Result<(), AnalysisError> {
    let mut reader = expr.get_operators_reader();
    while !reader.eof() {
        if let Operator::RefFunc { function_index } = reader
            .read()
            .map_err(|e| AnalysisError::from_wasmparser(&e))?
        {
            references.insert(function_index);
        }
    }
    Ok(())
}

/// The value of a constant `i32` expression: `i32.const`, or `global.get`
/// of a global whose value is known.
fn const_i32(expr: &ConstExpr<'_>, globals: &[Option<u32>]) -> Option<u32> {
    let mut reader = expr.get_operators_reader();
    match reader.read().ok()? {
        Operator::I32Const { value } => Some(value as u32),
        Operator::GlobalGet { global_index } => globals.get(global_index as usize).copied()?,
        _ => None,
    }
}

/// The function names of a name section's contents at `offset`; what reads
/// before a malformed part.
fn function_names(data: &[u8], offset: u64) -> BTreeMap<u32, String> {
    let mut names = BTreeMap::new();
    for subsection in NameSectionReader::new(BinaryReader::new(data, offset)) {
        let Ok(Name::Function(map)) = subsection else {
            continue;
        };
        for naming in map {
            let Ok(naming) = naming else { break };
            names.insert(naming.index, naming.name.to_string());
        }
    }
    names
}
