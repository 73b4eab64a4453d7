//! The single-pass compiler: instrumented wasm in, internal code out.
//!
//! One linear pass over each function body, validating as it goes (the
//! input may come from anywhere, so it is validated again against the
//! accepted profile). Each operator is decoded once, straight into a
//! visitor call (wasmparser's [`VisitOperator`](wasmparser::VisitOperator)):
//! `visit::ValidateThenTranslate` hands it to the validator, then to the
//! [`Translator`], whose visitor methods (in [`visit`]) emit its internal
//! code. No `Operator` value is built.
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
//! Every per-operator step is O(1) (a callee's arity is two index lookups,
//! not a search of the types), or O(its own immediates) (`br_table`), or
//! bounded by the static limits (a call's or block's arity). The output is
//! not trusted: [`compile`] hands it to the verifier ([`verify::verify`])
//! before it may run.

use std::collections::BTreeMap;

use wasmparser::{
    BlockType, CompositeInnerType, ConstExpr, DataKind, ElementItems, ElementKind, ExternalKind,
    FuncValidator, FuncValidatorAllocations, FunctionBody, Operator, OperatorsReader, Parser,
    Payload, TypeRef, ValidPayload, Validator, ValidatorResources,
};

use super::code::{Instr, REF_NULL, Slot};
use super::execute::Op;
use super::verify::{self, Code};
use super::{CompileError, Export};
use crate::instrument::{GAS_FUNCTION, METERING_MODULE, STACK_EXHAUSTED_FUNCTION};
use crate::trap::TrapKind;
use visit::ValidateThenTranslate;

mod visit;

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
}

impl Compiled {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    Block,
    Loop,
    If,
    Else,
    Function,
}

/// Where a forward branch target must be written when its label resolves.
#[derive(Debug, Clone, Copy)]
enum Patch {
    Instr(usize),
    Table(usize),
}

struct Control {
    kind: FrameKind,
    /// Stack height where the frame's params (then results) start.
    base: u32,
    params: u32,
    results: u32,
    /// Branch target of a loop.
    loop_pc: u32,
    patches: Vec<Patch>,
    /// The `if`'s jump to its `else` (or `end`).
    else_patch: Option<usize>,
    unreachable: bool,
}

/// Most pending `local.get`s at once; beyond, `local.get` copies at once.
/// Keeps the work of a `local.set` (which looks through them) constant.
const MAX_LAZY: usize = 16;

struct Translator<'a> {
    out: &'a mut Compiled,
    /// The module's code so far (all functions translated before this one,
    /// then this one's).
    code: &'a mut Vec<Op>,
    types: &'a [u32],
    type_list: &'a [wasmparser::FuncType],
    defined_types: &'a [u32],
    /// Byte offset of the operator being translated (for errors).
    offset: u64,
    locals: u32,
    /// The slot holding each operand stack position: its own slot
    /// (`locals + position`), or a local's slot for a `local.get` not yet
    /// copied.
    operands: Vec<Slot>,
    /// Positions whose operand is a local's slot, in increasing order (at
    /// most [`MAX_LAZY`]).
    lazy: Vec<u32>,
    max_height: u32,
    controls: Vec<Control>,
    /// Nesting depth of blocks inside unreachable code.
    dead_depth: u32,
    /// Index of the first instruction after the last label: no fusion
    /// across it.
    label_pc: usize,
    /// Index of the function's first instruction.
    entry: usize,
}

impl<'a> Translator<'a> {
    fn new(
        out: &'a mut Compiled,
        code: &'a mut Vec<Op>,
        types: &'a [u32],
        type_list: &'a [wasmparser::FuncType],
        defined_types: &'a [u32],
    ) -> Self {
        Translator {
            out,
            code,
            types,
            type_list,
            defined_types,
            offset: 0,
            locals: 0,
            operands: Vec::new(),
            lazy: Vec::new(),
            max_height: 0,
            controls: Vec::new(),
            dead_depth: 0,
            label_pc: 0,
            entry: 0,
        }
    }

    fn pc(&self) -> usize {
        self.code.len()
    }

    fn emit(&mut self, instr: Instr) {
        self.code.push(Op::new(instr));
    }

    /// The slot of stack position `position`.
    fn slot(&self, position: u32) -> Slot {
        self.locals + position
    }

    fn height(&self) -> u32 {
        self.operands.len() as u32
    }

    /// The slot holding the value `depth` below the top (0 = top).
    fn top(&self, depth: u32) -> Slot {
        self.operands[self.operands.len() - 1 - depth as usize]
    }

    /// Pushes a value that an instruction writes to its own slot; returns
    /// the slot.
    fn push_slot(&mut self) -> Slot {
        let slot = self.slot(self.height());
        self.operands.push(slot);
        self.max_height = self.max_height.max(self.height());
        slot
    }

    fn push(&mut self, n: u32) {
        for _ in 0..n {
            self.push_slot();
        }
    }

    fn pop(&mut self, n: u32) {
        let height = self.height() - n;
        self.operands.truncate(height as usize);
        while self.lazy.last().is_some_and(|p| *p >= height) {
            self.lazy.pop();
        }
    }

    /// Sets the height after a frame ends or an `else` starts, with the
    /// frame's values (positions `base..height`) in their own slots: that is
    /// where branches and the fall-through leave them. (Below `base`, every
    /// operand was put in its own slot when the frame began.)
    fn set_height(&mut self, base: u32, height: u32) {
        if height <= self.height() {
            self.pop(self.height() - height);
        }
        while self.height() < height {
            self.push_slot();
        }
        for position in base..height {
            self.operands[position as usize] = self.slot(position);
        }
        self.lazy.retain(|p| *p < base);
    }

    /// `local.get`: the operand is the local's slot, copied only when it
    /// must be (the local is about to change, or control flow joins).
    fn push_local(&mut self, local: u32) {
        if self.lazy.len() >= MAX_LAZY {
            let dst = self.push_slot();
            self.emit(Instr::Copy { dst, src: local });
            return;
        }
        let position = self.height();
        self.push_slot();
        self.operands[position as usize] = local;
        self.lazy.push(position);
    }

    /// Copies every pending `local.get` to its own slot.
    fn materialize_all(&mut self) {
        for position in std::mem::take(&mut self.lazy) {
            let dst = self.slot(position);
            let src = self.operands[position as usize];
            self.emit(Instr::Copy { dst, src });
            self.operands[position as usize] = dst;
        }
    }

    /// Copies the pending `local.get`s of `local` (below `limit`) to their
    /// own slots, before `local` changes.
    fn materialize_local(&mut self, local: u32, limit: u32) {
        let mut kept = Vec::with_capacity(self.lazy.len());
        for position in std::mem::take(&mut self.lazy) {
            if position < limit && self.operands[position as usize] == local {
                let dst = self.slot(position);
                self.emit(Instr::Copy { dst, src: local });
                self.operands[position as usize] = dst;
            } else {
                kept.push(position);
            }
        }
        self.lazy = kept;
    }

    /// Whether the top `arity` values already sit in the slots of positions
    /// `base..`.
    fn in_place(&self, base: u32, arity: u32) -> bool {
        let from = self.height() - arity;
        from == base && (from..self.height()).all(|p| self.operands[p as usize] == self.slot(p))
    }

    fn translate(
        &mut self,
        validator: &mut FuncValidator<ValidatorResources>,
        ty: &wasmparser::FuncType,
        signature: u32,
        body: &FunctionBody<'_>,
    ) -> Result<Function, CompileError> {
        let params = ty.params().len() as u32;
        let results = ty.results().len() as u32;
        let mut locals_reader = body.get_locals_reader().map_err(invalid)?;
        let mut locals = params;
        let mut ref_locals = Vec::new();
        for _ in 0..locals_reader.get_count() {
            let offset = locals_reader.original_position();
            let (count, local_ty) = locals_reader.read().map_err(invalid)?;
            validator
                .define_locals(offset, count, local_ty)
                .map_err(invalid)?;
            if matches!(local_ty, wasmparser::ValType::Ref(_)) {
                ref_locals.extend(locals..locals + count);
            }
            locals += count;
        }
        self.locals = locals;
        let entry = self.pc() as u32;
        self.entry = self.pc();
        self.label_pc = self.pc();
        self.controls.push(Control {
            kind: FrameKind::Function,
            base: 0,
            params: 0,
            results,
            loop_pc: 0,
            patches: Vec::new(),
            else_patch: None,
            unreachable: false,
        });
        let mut reader = OperatorsReader::new(locals_reader.get_binary_reader());
        let mut visitor = ValidateThenTranslate {
            validator,
            translator: self,
        };
        while !reader.eof() {
            visitor.translator.offset = reader.original_position();
            reader.visit_operator(&mut visitor).map_err(invalid)??;
        }
        reader.finish().map_err(invalid)?;
        let frame_slots = (locals + self.max_height).max(results);
        Ok(Function {
            entry,
            params,
            locals,
            frame_slots,
            ref_locals,
            signature,
        })
    }

    fn block_arity(&self, blockty: BlockType) -> (u32, u32) {
        match blockty {
            BlockType::Empty => (0, 0),
            BlockType::Type(_) => (0, 1),
            BlockType::FuncType(index) => self
                .type_list
                .get(index as usize)
                .map(|t| (t.params().len() as u32, t.results().len() as u32))
                .unwrap_or((0, 0)),
        }
    }

    /// Parameter and result counts of function `function` (imports first):
    /// two index lookups, O(1) whatever the number of types (the type
    /// section's signatures are known before any body is translated).
    fn function_arity(&self, function: u32) -> (u32, u32) {
        let imported = self.out.imports.len() as u32;
        let signature = match function.checked_sub(imported) {
            None => self.out.imports.get(function as usize).map(|i| i.signature),
            // A defined function, maybe defined after the one translated.
            Some(defined) => self
                .defined_types
                .get(defined as usize)
                .and_then(|ty| self.types.get(*ty as usize).copied()),
        };
        signature
            .and_then(|id| self.out.signatures.get(id as usize))
            .map(|s| (s.params.len() as u32, s.results.len() as u32))
            .unwrap_or((0, 0))
    }

    /// Copies the top `arity` values to the slots of stack positions
    /// `base..` (ascending: the targets are never above the sources).
    fn emit_copy_to(&mut self, base: u32, arity: u32) {
        let from = self.height() - arity;
        for i in 0..arity {
            let dst = self.slot(base + i);
            let src = self.operands[(from + i) as usize];
            if dst != src {
                self.emit(Instr::Copy { dst, src });
            }
        }
    }

    /// Branch target information for label `depth`: (base, arity, loop pc,
    /// index of its control frame).
    fn label(&self, depth: u32) -> (u32, u32, Option<u32>, usize) {
        let index = self.controls.len() - 1 - depth as usize;
        let frame = &self.controls[index];
        if frame.kind == FrameKind::Loop {
            (frame.base, frame.params, Some(frame.loop_pc), index)
        } else {
            (frame.base, frame.results, None, index)
        }
    }

    /// Emits an unconditional branch to label `depth`, with its copies.
    fn emit_branch(&mut self, depth: u32) {
        let (base, arity, loop_pc, index) = self.label(depth);
        self.emit_copy_to(base, arity);
        match loop_pc {
            Some(target) => self.emit(Instr::Br(target)),
            None => {
                let at = self.pc();
                self.emit(Instr::Br(0));
                self.controls[index].patches.push(Patch::Instr(at));
            }
        }
    }

    /// Whether the code being translated can be reached: the innermost
    /// frame has not ended in a branch, `return` or `unreachable` yet.
    fn reachable(&self) -> bool {
        !self.controls.last().is_some_and(|c| c.unreachable)
    }

    fn set_unreachable(&mut self) {
        if let Some(frame) = self.controls.last_mut() {
            frame.unreachable = true;
        }
    }

    fn resolve(&mut self, patches: Vec<Patch>, target: u32) {
        for patch in patches {
            match patch {
                Patch::Instr(at) => {
                    if let Some(t) = self.code[at].instr_mut().target_mut() {
                        *t = target;
                    }
                }
                Patch::Table(at) => self.out.br_tables[at] = target,
            }
        }
    }

    /// The last instruction emitted, when no label lies after it.
    fn last_instruction(&self) -> Option<&Instr> {
        if self.pc() > self.label_pc {
            self.code.last().map(Op::instr_ref)
        } else {
            None
        }
    }

    /// When the value in `slot` (the top operand) was just put there by a
    /// constant that `immediate` accepts, removes that constant and returns
    /// the immediate.
    fn take_constant(&mut self, slot: Slot, immediate: fn(u64) -> Option<i32>) -> Option<i32> {
        if slot != self.slot(self.height() - 1) {
            return None;
        }
        let Some(Instr::Const { dst, value }) = self.last_instruction().copied() else {
            return None;
        };
        if dst != slot {
            return None;
        }
        let imm = immediate(value)?;
        self.code.pop();
        Some(imm)
    }

    /// `local.set local` of the value in `src` (the slot just above the
    /// stack): when the last instruction computed it, make that instruction
    /// write `local` directly. Not when a pending `local.get` of `local`
    /// still needs the old value.
    fn retarget(&mut self, src: Slot, local: u32) -> bool {
        if src != self.slot(self.height()) {
            return false;
        }
        if self
            .lazy
            .iter()
            .any(|p| self.operands[*p as usize] == local)
        {
            return false;
        }
        if self.pc() <= self.label_pc {
            return false;
        }
        match self
            .code
            .last_mut()
            .and_then(|op| op.instr_mut().result_slot_mut())
        {
            Some(dst) if *dst == src => {
                *dst = local;
                true
            }
            _ => false,
        }
    }

    /// Replaces the instrumenter's stack prologue, when it is all the code
    /// so far (after the entry charge), by one [`Instr::StackEnter`].
    fn fuse_stack_prologue(&mut self) {
        let mut start = self.entry;
        if let Some(Instr::ChargeGas(_)) = self.code.get(start).map(Op::instr) {
            start += 1;
        }
        let end = self.code.len();
        let Some(window) = self.code.get(start..end) else {
            return;
        };
        let Ok(code) = <&[Op; 6]>::try_from(window) else {
            return;
        };
        let fused = match code.map(|op| op.instr()) {
            // `global.get; i32.const F; i32.add; local.tee b; global.set;
            // local.get b; i32.const L; i32.gt_u; if; call $stack_exhausted;
            // end`, as the compiler folds it (the constant into the
            // addition, the `local.tee` into its result, the comparison
            // into the `if`).
            [
                Instr::GlobalGet { dst: s0, global },
                Instr::I32AddImm {
                    dst: local,
                    a,
                    imm: frame,
                },
                Instr::GlobalSet {
                    src: stored,
                    global: global2,
                },
                Instr::Const {
                    dst: s2,
                    value: limit,
                },
                Instr::BrIfI32LeU {
                    a: height,
                    b: bound,
                    target,
                },
                Instr::Trap(TrapKind::StackExhausted),
            ] if a == s0
                && stored == local
                && global2 == global
                && height == local
                && bound == s2
                && target as usize == end
                && local < self.locals
                && limit == u64::from(crate::instrument::STACK_LIMIT) =>
            {
                Instr::StackEnter {
                    global,
                    frame: frame as u32,
                    local,
                }
            }
            _ => return,
        };
        self.code.truncate(start);
        self.code.push(Op::new(fused));
        self.label_pc = self.pc();
    }

    fn push_const(&mut self, value: u64) {
        let dst = self.push_slot();
        self.emit(Instr::Const { dst, value });
    }

    /// The first slot of the top `n` operands, all in their own slots, for
    /// instructions that read consecutive operands.
    fn args(&mut self, n: u32) -> Slot {
        self.materialize_all();
        self.slot(self.height() - n)
    }

    fn translate_call(&mut self, function: u32) -> Result<(), CompileError> {
        let imported = self.out.imports.len() as u32;
        if function < imported {
            let import = &self.out.imports[function as usize];
            match import.kind {
                ImportKind::Gas => {
                    let amount = self.top(0);
                    // `i64.const N; call $gas` with no label in between.
                    let fused = match self.code.last().map(Op::instr_ref) {
                        Some(Instr::Const { dst, value })
                            if *dst == amount
                                && amount >= self.locals
                                && self.pc() > self.label_pc =>
                        {
                            Some(*value)
                        }
                        _ => None,
                    };
                    match fused {
                        Some(value) => {
                            self.code.pop();
                            self.emit(Instr::ChargeGas(value));
                        }
                        None => self.emit(Instr::ChargeGasSlot(amount)),
                    }
                    self.pop(1);
                    return Ok(());
                }
                ImportKind::StackExhausted => {
                    self.emit(Instr::Trap(TrapKind::StackExhausted));
                    return Ok(());
                }
                ImportKind::Host { .. } => {}
            }
        }
        let (params, results) = self.function_arity(function);
        self.materialize_all();
        let base = self.slot(self.height() - params);
        if function < imported {
            self.emit(Instr::CallHost {
                import: function,
                base,
            });
        } else {
            self.emit(Instr::Call {
                func: function - imported,
                base,
            });
        }
        self.pop(params);
        self.push(results);
        Ok(())
    }
}
