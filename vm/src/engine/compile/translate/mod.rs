//! The translation of one function body into internal code.
//!
//! The [`Translator`] tracks the operand stack statically: each operand's
//! slot is `locals + height` (or, for a `local.get` not copied yet, the
//! local's own slot), so translation is a direct map from operator to
//! instruction with slot numbers, plus:
//!
//! - forward branches recorded per control frame and patched at its `end`;
//! - branches that carry values copy them to the target's slots first (in
//!   ascending order: the target's slots are never above the sources);
//! - unreachable code skipped (it is validated, never emitted).
//!
//! The operators reach it through its visitor methods (`visit.rs`), after
//! the validator; the fusions that rewrite the code just emitted (metering
//! patterns, immediates, results into locals) are in `fuse.rs`.

use wasmparser::{BlockType, FuncValidator, FunctionBody, OperatorsReader, ValidatorResources};

use super::super::CompileError;
use super::super::code::{Instr, Slot};
use super::super::execute::Op;
use super::{Compiled, Function, invalid};
use visit::ValidateThenTranslate;

mod fuse;
mod visit;

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

/// Translates the module's function bodies, one at a time, into its code.
pub(super) struct Translator<'a> {
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
    pub(super) fn new(
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

    /// Copies every pending `local.get` to its own slot: a run of them
    /// that reads consecutive locals into consecutive slots (a call's
    /// arguments passed on from the caller's parameters) as one
    /// [`Instr::CopySpan`]. (Locals lie below every stack slot, so a run's
    /// source and destination never overlap.) `lazy` is in stack order.
    fn materialize_all(&mut self) {
        let lazy = std::mem::take(&mut self.lazy);
        let mut i = 0;
        while i < lazy.len() {
            let (position, src) = (lazy[i], self.operands[lazy[i] as usize]);
            let mut n = 1;
            while i + n < lazy.len()
                && lazy[i + n] == position + n as u32
                && self.operands[lazy[i + n] as usize] == src + n as u32
            {
                n += 1;
            }
            let dst = self.slot(position);
            if n == 1 {
                self.emit(Instr::Copy { dst, src });
            } else {
                self.emit(Instr::CopySpan {
                    dst,
                    src,
                    n: n as u32,
                });
            }
            for p in &lazy[i..i + n] {
                self.operands[*p as usize] = self.slot(*p);
            }
            i += n;
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

    pub(super) fn translate(
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
        if function < imported && self.fuse_metering_call(function) {
            return Ok(());
        }
        let (params, results) = self.function_arity(function);
        self.fuse_constant_run();
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
