//! The instrumenter's own checks of each section, before the validator sees
//! it: the accepted profile (no floats, no other proposals), the host-API
//! imports, the reserved names, and the static limits that are counted per
//! section.

use wasmparser::{CompositeInnerType, ExternalKind, Payload, TypeRef};

use super::{METERING_MODULE, ModuleInstrumenter, Proposal, Rejection, Rule, ValType};
use crate::limits::Limit;

impl<'a> ModuleInstrumenter<'a> {
    /// The instrumenter's own checks of one payload, before the validator.
    pub(super) fn check_payload(&mut self, payload: &Payload<'a>) -> Result<(), Box<Rejection>> {
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
                    self.check_type_group(index as u32, offset, &group)?;
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
                self.tables = self.tables.saturating_add(reader.count());
                self.check_limit(Limit::Tables, u64::from(self.tables), reader.range().start)?;
                for table in reader.clone().into_iter_with_offsets() {
                    let (offset, table) = table.map_err(malformed)?;
                    self.check_table(offset, &table)?;
                    check_limits_encoding(self.wasm, offset, true)?;
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader.clone().into_iter_with_offsets() {
                    let (offset, memory) = memory.map_err(malformed)?;
                    self.check_memory(offset, &memory)?;
                    check_limits_encoding(self.wasm, offset, false)?;
                }
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
                self.globals = self.globals.saturating_add(reader.count());
                self.check_limit(
                    Limit::Globals,
                    u64::from(self.globals),
                    reader.range().start,
                )?;
                for (index, global) in reader.clone().into_iter_with_offsets().enumerate() {
                    let (offset, global) = global.map_err(malformed)?;
                    let what = format!("global #{}", first as usize + index);
                    check_val_type(global.ty.content_type, offset, &what)?;
                    if global.ty.shared {
                        return Err(proposal(Proposal::Threads, "a shared global", offset));
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
                                    data.range.start,
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
            // Bodies are read by `run` from the code section directly.
            Payload::CodeSectionEntry(_) => {}
            Payload::CustomSection(reader) => {
                if reader.name() == "name" && self.name_section.is_none() {
                    self.name_section = Some((reader.data(), reader.data_offset()));
                }
            }
            Payload::UnknownSection { range, id, .. } => {
                return Err(Rejection::new(
                    Rule::Malformed {
                        message: format!("unknown section id {id}"),
                    },
                    range.start,
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
    ) -> Result<(), Box<Rejection>> {
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
    ) -> Result<(), Box<Rejection>> {
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

    fn check_table(
        &mut self,
        offset: u64,
        table: &wasmparser::Table,
    ) -> Result<(), Box<Rejection>> {
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
        self.table_types.push(*ty);
        Ok(())
    }

    fn check_memory(
        &mut self,
        offset: u64,
        memory: &wasmparser::MemoryType,
    ) -> Result<(), Box<Rejection>> {
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

    fn check_element(&self, element: &wasmparser::Element<'a>) -> Result<(), Box<Rejection>> {
        let offset = element.range.start;
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

/// A section's byte range as indices into the module (which is in memory, so
/// every offset fits in `usize`).
fn section_range(range: core::ops::Range<u64>) -> core::ops::Range<usize> {
    range.start as usize..range.end as usize
}

fn proposal(proposal: Proposal, what: &str, offset: u64) -> Box<Rejection> {
    Rejection::new(
        Rule::Proposal {
            proposal,
            what: what.to_string(),
        },
        offset,
    )
}

/// Rejects float, vector and non-2.0 reference types.
pub(super) fn check_val_type(
    ty: wasmparser::ValType,
    offset: u64,
    what: &str,
) -> Result<(), Box<Rejection>> {
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
pub(super) fn check_ref_type(ty: wasmparser::RefType, offset: u64) -> Result<(), Box<Rejection>> {
    use wasmparser::{AbstractHeapType as A, HeapType};
    if ty == wasmparser::RefType::FUNCREF || ty == wasmparser::RefType::EXTERNREF {
        return Ok(());
    }
    let what = format!("the reference type {ty}");
    let proposal_of = match ty.heap_type() {
        HeapType::Abstract { shared: true, .. } => Proposal::Threads,
        HeapType::Abstract {
            ty: A::Exn | A::NoExn,
            ..
        } => Proposal::Exceptions,
        HeapType::Abstract {
            ty: A::Cont | A::NoCont,
            ..
        } => Proposal::Other,
        HeapType::Abstract {
            ty: A::Func | A::Extern,
            ..
        } => Proposal::FunctionReferences,
        HeapType::Abstract { .. } => Proposal::Gc,
        HeapType::Concrete(_) => Proposal::FunctionReferences,
        HeapType::Exact(_) => Proposal::Gc,
    };
    Err(proposal(proposal_of, &what, offset))
}

/// Re-reads the limits of the table or memory type at `offset` the way
/// WebAssembly 2.0 encodes them: the `funcref`/`externref` byte (tables),
/// flags 0 or 1, then `u32` sizes. wasmparser reads the sizes as `u64`
/// (memory64), so it accepts a 6-byte or longer LEB128 there that 2.0 calls
/// malformed; the other flags were rejected by the type checks already.
fn check_limits_encoding(wasm: &[u8], offset: u64, table: bool) -> Result<(), Box<Rejection>> {
    let malformed = |e: wasmparser::BinaryReaderError| Rejection::from_wasmparser(&e, true);
    let rest = wasm.get(offset as usize..).unwrap_or_default();
    let mut reader = wasmparser::BinaryReader::new(rest, offset);
    if table {
        let element = reader.read_u8().map_err(malformed)?;
        if element != 0x70 && element != 0x6f {
            return Err(proposal(
                Proposal::FunctionReferences,
                "a typed reference encoding of a table's element type",
                offset,
            ));
        }
    }
    let flags = reader.read_u8().map_err(malformed)?;
    reader.read_var_u32().map_err(malformed)?;
    if flags & 1 != 0 {
        reader.read_var_u32().map_err(malformed)?;
    }
    Ok(())
}

/// Accepts the constant expressions of WebAssembly 2.0: one `i32.const`,
/// `i64.const`, `global.get`, `ref.null` or `ref.func`.
fn check_const_expr(expr: &wasmparser::ConstExpr<'_>) -> Result<(), Box<Rejection>> {
    let mut reader = expr.get_operators_reader();
    let mut operators = 0;
    while !reader.eof() {
        let (op, offset) = reader
            .read_with_offset()
            .map_err(|e| Rejection::from_wasmparser(&e, true))?;
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
