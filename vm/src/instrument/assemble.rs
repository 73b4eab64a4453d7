//! Assembling the instrumented module: the metering imports and types, the
//! stack-height global, the export thunks, and every original section with
//! function indices moved past the metering imports.

use std::collections::BTreeMap;

use wasm_encoder::Encode;
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasmparser::ExternalKind;

use super::{
    FUNCTION_SHIFT, GAS_FUNCTION, Instrumented, METERING_MODULE, ModuleInstrumenter, Rejection,
    Report, STACK_EXHAUSTED_FUNCTION, cost, function, internal_error, names,
};

impl ModuleInstrumenter<'_> {
    /// Assembles the instrumented module.
    pub(super) fn assemble(mut self) -> Result<Instrumented, Box<Rejection>> {
        use wasm_encoder::{
            EntityType, ExportKind, ExportSection, FunctionSection, GlobalSection, GlobalType,
            ImportSection, MemorySection, Module, RawSection, TableSection, TypeSection,
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
        // Thunks are numbered in the order of the functions they call.
        let exported = self.exported_functions();
        let first_thunk = FUNCTION_SHIFT + imported + defined;
        let thunks: BTreeMap<u32, u32> = exported.into_iter().zip(first_thunk..).collect();
        let mut functions = FunctionSection::new();
        for ty in &self.functions {
            functions.function(*ty);
        }
        for original in thunks.keys() {
            let ty = self.function_type_index(*original)?;
            functions.function(ty);
        }
        module.section(&functions);

        // Tables and memory, with the limits written in as their maximum so
        // that any engine running the module enforces them: `memory.grow`
        // and `table.grow` return -1 beyond them.
        if !self.table_types.is_empty() {
            let mut tables = TableSection::new();
            for ty in &self.table_types {
                let limit = u64::from(self.limits.table_elements);
                tables.table(wasm_encoder::TableType {
                    element_type: RoundtripReencoder
                        .ref_type(ty.element_type)
                        .map_err(reencode_error)?,
                    table64: false,
                    minimum: ty.initial,
                    maximum: Some(ty.maximum.map_or(limit, |max| max.min(limit))),
                    shared: false,
                });
            }
            module.section(&tables);
        }
        if let Some((initial, maximum)) = self.memory {
            let limit = u64::from(self.limits.memory_pages);
            let mut memories = MemorySection::new();
            memories.memory(wasm_encoder::MemoryType {
                minimum: initial,
                maximum: Some(maximum.map_or(limit, |max| max.min(limit))),
                memory64: false,
                shared: false,
                page_size_log2: None,
            });
            module.section(&memories);
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

        // Elements: the originals, then a declarative segment for the
        // exported functions, which their exports no longer declare (the
        // exports now name the thunks) and which `ref.func` may still name.
        let mut elements = wasm_encoder::ElementSection::new();
        if let Some(reader) = self.element_section.clone() {
            shift
                .parse_element_section(&mut elements, reader)
                .map_err(reencode_error)?;
        }
        if !thunks.is_empty() {
            let originals: Vec<u32> = thunks.keys().map(|f| f + FUNCTION_SHIFT).collect();
            elements.declared(wasm_encoder::Elements::Functions(originals.into()));
        }
        if !elements.is_empty() {
            module.section(&elements);
        }
        if let Some(count) = self.data_count {
            module.section(&wasm_encoder::DataCountSection { count });
        }

        // Code: the instrumented bodies (behind the section's count, written
        // when the section started), then the thunks.
        let mut code = std::mem::take(&mut self.code_section);
        let stack_global = self.globals;
        for original in thunks.keys() {
            let ty = self.function_type_index(*original)?;
            let params = self
                .types
                .get(ty as usize)
                .map(|t| t.params().len() as u32)
                .unwrap_or(0);
            function::export_thunk(original + FUNCTION_SHIFT, params, stack_global)
                .encode(&mut code);
        }
        if !code.is_empty() {
            module.section(&RawSection {
                id: 10,
                data: &code,
            });
        }
        if let Some(data) = self.data_section {
            module.section(&RawSection { id: 11, data });
        }
        if let Some((data, offset)) = self.name_section
            && let Some(names) = names::shifted_name_section(data, offset, FUNCTION_SHIFT)
        {
            module.section(&names);
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
                metered_blocks: self.metered_blocks,
                code_bytes: self.code_bytes,
                cost_table_hash: cost::cost_table_hash(),
            },
        })
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
