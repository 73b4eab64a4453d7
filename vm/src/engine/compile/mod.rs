//! The single-pass compiler: instrumented wasm in, internal code out.
//!
//! One linear pass over each function body, validating as it goes (the
//! input may come from anywhere, so it is validated again against the
//! accepted profile). Each operator is decoded once, straight into a
//! visitor call (wasmparser's [`VisitOperator`](wasmparser::VisitOperator)):
//! `ValidateThenTranslate` hands it to the validator, then to the
//! translator, whose visitor methods (in `translate/visit.rs`) emit its
//! internal code. No `Operator` value is built.
//!
//! The operand stack height is tracked statically; each operand's slot is
//! `locals + height`, so translation is a direct map from operator to
//! instruction with slot numbers, plus:
//!
//! - forward branches recorded per control frame and patched at its `end`;
//! - branches that carry values copy them to the target's slots first (in
//!   ascending order: the target's slots are never above the sources);
//! - unreachable code skipped (it is validated, never emitted);
//! - `i64.const N; call $gas` fused into [`Instr::ChargeGas`], a call of the
//!   gas import with a computed amount into [`Instr::ChargeGasSlot`], and
//!   `call $stack_exhausted` into a trap.
//!
//! [`Instr::ChargeGas`]: super::code::Instr::ChargeGas
//! [`Instr::ChargeGasSlot`]: super::code::Instr::ChargeGasSlot
//!
//! Every per-operator step is O(1) (a callee's arity is two index lookups,
//! not a search of the types), or O(its own immediates) (`br_table`), or
//! bounded by the static limits (a call's or block's arity). The output is
//! not trusted: [`compile`] hands it to the verifier ([`verify::verify`])
//! before it may run.
//!
//! Files, one per part:
//!
//! - this file: the compiled module ([`Compiled`]) and the entry point,
//!   [`compile`];
//! - `sections.rs`: section decoding, in order, into the compiled module's
//!   tables, handing each function body to the translator;
//! - `translate/`: the translation of a function body: the operand stack
//!   and control frames (`mod.rs`), one visitor method per operator
//!   (`visit.rs`), and the fusions that look back at the code just emitted
//!   (`fuse.rs`: the canonical metering patterns, constants into
//!   immediates, results into locals).

use std::collections::BTreeMap;

use super::verify::{self, Code};
use super::{CompileError, Export};

mod sections;
mod translate;

pub(crate) use sections::translate;

/// A function signature: parameter and result counts plus their types, as
/// a canonical id for `call_indirect` checks.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Signature {
    pub params: Vec<wasmparser::ValType>,
    pub results: Vec<wasmparser::ValType>,
}

/// What an import is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ImportKind {
    /// The gas import: `i64.const N; call` is fused into a charge; called
    /// any other way (through a table, as an export, with a computed
    /// amount) it charges its argument.
    Gas,
    /// The stack-exhaustion import (fused into a trap).
    StackExhausted,
    /// A host function.
    Host { module: String, name: String },
}

/// An imported function.
#[derive(Debug, Clone)]
pub(crate) struct Import {
    pub kind: ImportKind,
    pub signature: u32,
}

/// A defined function.
#[derive(Debug, Clone)]
pub(crate) struct Function {
    /// Index of its first instruction.
    pub entry: u32,
    pub params: u32,
    /// Parameters plus declared locals.
    pub locals: u32,
    /// Slots the frame needs: locals and the deepest operand stack (at
    /// least the results).
    pub frame_slots: u32,
    /// Declared locals of reference type (initialised to null, not zero).
    pub ref_locals: Vec<u32>,
    /// Canonical signature id.
    pub signature: u32,
}

/// A constant initialiser (globals, offsets, element items).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Init {
    Value(u64),
    Global(u32),
    Func(u32),
}

/// An element segment.
#[derive(Debug, Clone)]
pub(crate) struct ElementSegment {
    /// Table and offset for an active segment.
    pub active: Option<(u32, Init)>,
    /// Declarative segments are dropped at instantiation.
    pub declared: bool,
    pub items: Vec<Init>,
}

/// A data segment.
#[derive(Debug, Clone)]
pub(crate) struct DataSegment {
    /// Offset for an active segment.
    pub active: Option<Init>,
    pub bytes: Vec<u8>,
}

/// A compiled module: internal code plus what instantiation needs.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    /// The code, verified and lowered ([`verify`]): what runs.
    pub code: Code,
    pub br_tables: Vec<u32>,
    /// The values of every [`Instr::ConstSpan`](super::code::Instr), each
    /// span's consecutive.
    pub constants: Vec<u64>,
    pub signatures: Vec<Signature>,
    pub imports: Vec<Import>,
    pub functions: Vec<Function>,
    /// Type, mutability and initialiser of each global.
    pub globals: Vec<(wasmparser::ValType, bool, Init)>,
    pub memory: Option<(u64, Option<u64>)>,
    pub tables: Vec<(u64, Option<u64>)>,
    pub elements: Vec<ElementSegment>,
    pub data: Vec<DataSegment>,
    pub exports: BTreeMap<String, Export>,
    pub start: Option<u32>,
    /// Largest frame of any function, in slots.
    pub max_frame_slots: u32,
    /// The instrumenter's stack-height global, when the module is
    /// instrumented (its last global).
    pub stack_global: Option<u32>,
    /// The contents of the `name` custom section, if any: read only by
    /// the profiler ([`Compiled::function_names`]).
    pub name_section: Option<Vec<u8>>,
    /// The code lowered for profiled calls, made on first use
    /// ([`Compiled::profiling_code`]).
    pub profiling_code: std::sync::OnceLock<Code>,
}

impl Compiled {
    /// Canonical signature id of function `index` (imports first).
    /// The code profiled calls run ([`verify::Code::for_profiling`]),
    /// lowered on first use.
    pub fn profiling_code(&self) -> &Code {
        self.profiling_code
            .get_or_init(|| self.code.for_profiling())
    }

    /// Names of functions (index among all functions, imports first): from
    /// the name section, Rust symbols demangled, else a function's first
    /// export name. For profiles and reports; nothing in execution reads
    /// it.
    pub fn function_names(&self) -> BTreeMap<u32, String> {
        let mut names = BTreeMap::new();
        if let Some(section) = &self.name_section {
            let reader =
                wasmparser::NameSectionReader::new(wasmparser::BinaryReader::new(section, 0));
            for subsection in reader {
                let Ok(wasmparser::Name::Function(map)) = subsection else {
                    continue;
                };
                for naming in map.into_iter().flatten() {
                    let name = format!("{:#}", rustc_demangle::demangle(naming.name));
                    names.insert(naming.index, name);
                }
            }
        }
        for (export, item) in &self.exports {
            if let Export::Function(index) = item {
                names.entry(*index).or_insert_with(|| export.clone());
            }
        }
        names
    }

    /// Function `index`'s index in the module as uploaded: the
    /// instrumenter put its two metering imports first.
    pub fn uploaded_index(&self, index: u32) -> u32 {
        if self.stack_global.is_some() {
            index.saturating_sub(2)
        } else {
            index
        }
    }

    /// Canonical signature id of function `index` (imports first).
    pub fn function_signature(&self, index: u32) -> Option<u32> {
        let imported = self.imports.len() as u32;
        if index < imported {
            self.imports.get(index as usize).map(|i| i.signature)
        } else {
            self.functions
                .get((index - imported) as usize)
                .map(|f| f.signature)
        }
    }
}

fn invalid(e: wasmparser::BinaryReaderError) -> CompileError {
    CompileError::Invalid {
        message: e.message().to_string(),
        offset: e.offset(),
    }
}

fn unsupported(what: &'static str, offset: u64) -> CompileError {
    CompileError::Unsupported { what, offset }
}

/// A failure that a validated module cannot cause (a bug in the engine).
fn internal(what: &'static str, offset: u64) -> CompileError {
    CompileError::Internal { what, offset }
}

/// Compiles `wasm` (an instrumented module, or any module of the accepted
/// profile without imports other than host functions): translates it, then
/// verifies and lowers the code ([`verify::verify`]).
pub(crate) fn compile(wasm: &[u8]) -> Result<Compiled, CompileError> {
    let (mut compiled, code) = translate(wasm)?;
    // Nothing runs that the verifier has not checked.
    compiled.code = verify::verify(code, &compiled)?;
    Ok(compiled)
}
