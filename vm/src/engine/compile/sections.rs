//! Section decoding: the module's sections, in order, into the compiled
//! module's tables (signatures, imports, functions, tables, memory,
//! globals, exports, start, element and data segments), each function body
//! handed to the translator as the validator reaches it.
//!
//! The validator sees every section first, so that an invalid module is
//! refused with the validator's message and offset; what the decoding here
//! refuses is valid WebAssembly outside the engine's profile
//! ([`CompileError::Unsupported`]), or a bug ([`CompileError::Internal`]).

use std::collections::BTreeMap;

use wasmparser::{
    CompositeInnerType, ConstExpr, DataKind, ElementItems, ElementKind, ExternalKind,
    FuncValidatorAllocations, Operator, Parser, Payload, TypeRef, ValidPayload, Validator,
};

use super::super::code::{Instr, REF_NULL};
use super::super::execute::Op;
use super::super::verify::Code;
use super::super::{CompileError, Export};
use super::translate::Translator;
use super::{
    Compiled, DataSegment, ElementSegment, Import, ImportKind, Init, Signature, internal, invalid,
    unsupported,
};
use crate::instrument::{GAS_FUNCTION, METERING_MODULE, STACK_EXHAUSTED_FUNCTION};
use crate::trap::TrapKind;

/// Translates `wasm`: the module with its code not yet verified (empty),
/// and the code, branch targets absolute.
pub(crate) fn translate(wasm: &[u8]) -> Result<(Compiled, Vec<Op>), CompileError> {
    let mut validator = Validator::new_with_features(crate::instrument::accepted_features());
    let mut allocations = FuncValidatorAllocations::default();
    let mut types: Vec<u32> = Vec::new(); // type index -> canonical signature id
    let mut signature_ids: BTreeMap<Signature, u32> = BTreeMap::new();
    let mut type_list: Vec<wasmparser::FuncType> = Vec::new();
    let mut compiled = Compiled {
        code: Code::default(),
        br_tables: Vec::new(),
        constants: Vec::new(),
        signatures: Vec::new(),
        imports: Vec::new(),
        functions: Vec::new(),
        globals: Vec::new(),
        memory: None,
        tables: Vec::new(),
        elements: Vec::new(),
        data: Vec::new(),
        exports: BTreeMap::new(),
        start: None,
        max_frame_slots: 0,
        stack_global: None,
        name_section: None,
        profiling_code: std::sync::OnceLock::new(),
    };
    let mut defined_types: Vec<u32> = Vec::new();
    let mut code: Vec<Op> = Vec::new();
    let mut body_index = 0usize;

    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(invalid)?;
        // The validator sees each section first, so that an invalid module
        // is refused with the validator's message and offset, and what the
        // decoding below finds is either outside the engine's profile or a
        // bug.
        let validated = validator.payload(&payload).map_err(invalid)?;
        match &payload {
            Payload::TypeSection(reader) => {
                for group in reader.clone().into_iter_with_offsets() {
                    let (offset, group) = group.map_err(invalid)?;
                    for sub in group.types() {
                        let CompositeInnerType::Func(func) = &sub.composite_type.inner else {
                            return Err(unsupported("a type that is not a function type", offset));
                        };
                        let signature = Signature {
                            params: func.params().to_vec(),
                            results: func.results().to_vec(),
                        };
                        // Canonical ids by an ordered map: O(log types) per
                        // type, not a scan of the types so far.
                        let next = compiled.signatures.len() as u32;
                        let id = *signature_ids
                            .entry(signature)
                            .or_insert_with_key(|signature| {
                                compiled.signatures.push(signature.clone());
                                next
                            });
                        types.push(id);
                        type_list.push(func.clone());
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.clone().into_imports_with_offsets() {
                    let (offset, import) = import.map_err(invalid)?;
                    let TypeRef::Func(ty) = import.ty else {
                        return Err(unsupported("an import that is not a function", offset));
                    };
                    let kind = match (import.module, import.name) {
                        (METERING_MODULE, GAS_FUNCTION) => ImportKind::Gas,
                        (METERING_MODULE, STACK_EXHAUSTED_FUNCTION) => ImportKind::StackExhausted,
                        (module, name) => ImportKind::Host {
                            module: module.to_string(),
                            name: name.to_string(),
                        },
                    };
                    let signature = *types
                        .get(ty as usize)
                        .ok_or_else(|| internal("an import's type out of range", offset))?;
                    let func_type = type_list
                        .get(ty as usize)
                        .ok_or_else(|| internal("an import's type out of range", offset))?;
                    let canonical = match kind {
                        ImportKind::Gas => {
                            func_type.params() == [wasmparser::ValType::I64]
                                && func_type.results().is_empty()
                        }
                        ImportKind::StackExhausted => {
                            func_type.params().is_empty() && func_type.results().is_empty()
                        }
                        ImportKind::Host { .. } => true,
                    };
                    if !canonical {
                        return Err(unsupported(
                            "a metering import with another signature than the instrumenter's",
                            offset,
                        ));
                    }
                    compiled.imports.push(Import { kind, signature });
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader.clone() {
                    defined_types.push(ty.map_err(invalid)?);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader.clone() {
                    let table = table.map_err(invalid)?;
                    compiled.tables.push((table.ty.initial, table.ty.maximum));
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader.clone() {
                    let memory = memory.map_err(invalid)?;
                    compiled.memory = Some((memory.initial, memory.maximum));
                }
            }
            Payload::GlobalSection(reader) => {
                for global in reader.clone() {
                    let global = global.map_err(invalid)?;
                    let init = const_init(&global.init_expr)?;
                    compiled
                        .globals
                        .push((global.ty.content_type, global.ty.mutable, init));
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader.clone().into_iter_with_offsets() {
                    let (offset, export) = export.map_err(invalid)?;
                    let value = match export.kind {
                        ExternalKind::Func => Export::Function(export.index),
                        ExternalKind::Memory => Export::Memory,
                        ExternalKind::Global => Export::Global(export.index),
                        ExternalKind::Table => Export::Table(export.index),
                        _ => {
                            return Err(unsupported(
                                "an export that is not a function, memory, global or table",
                                offset,
                            ));
                        }
                    };
                    compiled.exports.insert(export.name.to_string(), value);
                }
            }
            Payload::StartSection { func, .. } => compiled.start = Some(*func),
            Payload::CustomSection(reader) if reader.name() == "name" => {
                compiled.name_section = Some(reader.data().to_vec());
            }
            Payload::ElementSection(reader) => {
                for element in reader.clone() {
                    let element = element.map_err(invalid)?;
                    let (active, declared) = match &element.kind {
                        ElementKind::Active {
                            table_index,
                            offset_expr,
                        } => (
                            Some((table_index.unwrap_or(0), const_init(offset_expr)?)),
                            false,
                        ),
                        ElementKind::Passive => (None, false),
                        ElementKind::Declared => (None, true),
                    };
                    let mut items = Vec::new();
                    match &element.items {
                        ElementItems::Functions(funcs) => {
                            for func in funcs.clone() {
                                items.push(Init::Func(func.map_err(invalid)?));
                            }
                        }
                        ElementItems::Expressions(_, exprs) => {
                            for expr in exprs.clone() {
                                items.push(const_init(&expr.map_err(invalid)?)?);
                            }
                        }
                    }
                    compiled.elements.push(ElementSegment {
                        active,
                        declared,
                        items,
                    });
                }
            }
            Payload::DataSection(reader) => {
                for data in reader.clone() {
                    let data = data.map_err(invalid)?;
                    let active = match &data.kind {
                        DataKind::Passive => None,
                        DataKind::Active { offset_expr, .. } => Some(const_init(offset_expr)?),
                    };
                    compiled.data.push(DataSegment {
                        active,
                        bytes: data.data.to_vec(),
                    });
                }
            }
            _ => {}
        }
        match validated {
            ValidPayload::Func(to_validate, body) => {
                let offset = body.range().start;
                let type_index = *defined_types
                    .get(body_index)
                    .ok_or_else(|| internal("a body without a function", offset))?;
                body_index += 1;
                let ty = type_list
                    .get(type_index as usize)
                    .ok_or_else(|| internal("a function's type out of range", offset))?;
                let signature = *types
                    .get(type_index as usize)
                    .ok_or_else(|| internal("a function's type out of range", offset))?;
                let mut func_validator =
                    to_validate.into_validator(std::mem::take(&mut allocations));
                let mut translator =
                    Translator::new(&mut compiled, &mut code, &types, &type_list, &defined_types);
                let function = translator.translate(&mut func_validator, ty, signature, &body)?;
                compiled.max_frame_slots = compiled.max_frame_slots.max(function.frame_slots);
                compiled.functions.push(function);
                allocations = func_validator.into_allocations();
            }
            ValidPayload::End(_) => break,
            _ => {}
        }
    }
    // A sentinel after the last function: execution never gets here.
    code.push(Op::new(Instr::Trap(TrapKind::Unreachable)));
    let instrumented = compiled
        .imports
        .iter()
        .any(|i| i.kind == ImportKind::StackExhausted);
    if instrumented && !compiled.globals.is_empty() {
        compiled.stack_global = Some(compiled.globals.len() as u32 - 1);
    }
    Ok((compiled, code))
}

fn const_init(expr: &ConstExpr<'_>) -> Result<Init, CompileError> {
    let mut reader = expr.get_operators_reader();
    let offset = reader.original_position();
    let op = reader.read().map_err(invalid)?;
    Ok(match op {
        Operator::I32Const { value } => Init::Value(u64::from(value as u32)),
        Operator::I64Const { value } => Init::Value(value as u64),
        Operator::GlobalGet { global_index } => Init::Global(global_index),
        Operator::RefNull { .. } => Init::Value(REF_NULL),
        Operator::RefFunc { function_index } => Init::Func(function_index),
        _ => {
            return Err(unsupported(
                "a constant expression other than one constant, global.get, ref.null or ref.func",
                offset,
            ));
        }
    })
}
