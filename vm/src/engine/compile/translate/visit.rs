//! The compiler's operator visitors.
//!
//! The reader decodes each operator once, straight into a call of a
//! [`VisitOperator`] method of [`ValidateThenTranslate`], which passes it to
//! the function's validator, then (in reachable code, and for the block
//! structure everywhere) to the [`Translator`]'s method of the same name.
//! The methods of the two visitors are generated from wasmparser's operator
//! list (`for_each_visit_operator!`), so that every operator wasmparser
//! decodes has a method:
//!
//! - the control, variable, constant, call, memory and table operators
//!   are written out below;
//! - the numeric operators (arithmetic, comparisons, conversions, loads and
//!   stores) come from the engine's numeric list (`for_each_numeric!`, the
//!   list the instruction set and the executor are generated from): each
//!   becomes one instruction, binary operators taking a constant right
//!   operand as an immediate where the instruction set has the form;
//! - every other operator (floats, SIMD, atomics, GC...) is rejected with
//!   [`CompileError::Unsupported`]. The validator runs first, with the
//!   accepted profile's features, and rejects them itself with its own
//!   message; the translator's rejection is the backstop.

use wasmparser::{
    BlockType, BrTable, FuncValidator, HeapType, ValType, ValidatorResources, VisitOperator,
    VisitSimdOperator,
};

use super::super::{internal, invalid, unsupported};
use super::{Control, FrameKind, MAX_LAZY, Patch, Translator};
use crate::engine::CompileError;
use crate::engine::code::{Immediate, Instr, REF_NULL};
use crate::trap::TrapKind;

/// Validates each operator, then translates it.
///
/// In unreachable code (after a branch, `return` or `unreachable`, until
/// the frame ends) only the block structure (`block`, `loop`, `if`, `else`,
/// `end`) reaches the translator, which counts the dead blocks; the rest is
/// validated and dropped.
pub(super) struct ValidateThenTranslate<'v, 't, 'm> {
    pub validator: &'v mut FuncValidator<ValidatorResources>,
    pub translator: &'t mut Translator<'m>,
}

/// Whether an operator opens or closes a block (the translator sees these
/// even in unreachable code).
macro_rules! is_block_structure {
    (Block) => {
        true
    };
    (Loop) => {
        true
    };
    (If) => {
        true
    };
    (Else) => {
        true
    };
    (End) => {
        true
    };
    ($other:ident) => {
        false
    };
}

macro_rules! define_validate_then_translate {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                self.validator
                    .visitor(self.translator.offset)
                    .$visit($($($arg.clone()),*)?)
                    .map_err(invalid)?;
                if is_block_structure!($op) || self.translator.reachable() {
                    self.translator.$visit($($($arg),*)?)
                } else {
                    Ok(())
                }
            }
        )*
    };
}

macro_rules! define_validate_then_reject {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                self.validator
                    .simd_visitor(self.translator.offset)
                    .$visit($($($arg),*)?)
                    .map_err(invalid)?;
                if self.translator.reachable() {
                    Err(self.translator.outside_profile())
                } else {
                    Ok(())
                }
            }
        )*
    };
}

impl<'a> VisitOperator<'a> for ValidateThenTranslate<'_, '_, '_> {
    type Output = Result<(), CompileError>;

    /// SIMD operators are decoded too, so that the validator (not the
    /// reader) rejects them, with its own message.
    fn simd_visitor(&mut self) -> Option<&mut dyn VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(define_validate_then_translate);
}

impl VisitSimdOperator<'_> for ValidateThenTranslate<'_, '_, '_> {
    wasmparser::for_each_visit_simd_operator!(define_validate_then_reject);
}

/// `translate_numeric!(self, Op (args))`: the translation of numeric
/// operator `Op` (its visitor method's arguments in parentheses), or the
/// rejection of an operator that is not in the numeric list. Generated from
/// `for_each_numeric!`, where operators have the names of wasmparser's
/// `Operator` variants (`I32Add`), not of its visitor methods.
macro_rules! define_translate_numeric {
    (
        binops { $( $bin:ident $(/ $binimm:ident)? ($ba:ident: $bta:ty, $bb:ident: $btb:ty) -> $btr:ty $bbody:block )* }
        unops { $( $un:ident($ua:ident: $uta:ty) -> $utr:ty $ubody:block )* }
        loads { $( $load:ident($lbytes:literal, $lraw:ty => $lty:ty) )* }
        branches { $( $branch:ident = $cmp:ident($cty:ty, $cop:tt) else $inverse:ident )* }
        stores { $( $store:ident($sbytes:literal, $sty:ty) )* }
    ) => {
        macro_rules! translate_numeric {
            $(
                ($this:ident, $bin ()) => {{
                    let (a, b) = ($this.top(1), $this.top(0));
                    $(
                        if let Some(imm) = $this.take_constant(b, <$btb as Immediate>::immediate) {
                            $this.pop(2);
                            let dst = $this.push_slot();
                            $this.emit(Instr::$binimm { dst, a, imm });
                            return Ok(());
                        }
                    )?
                    $this.pop(2);
                    let dst = $this.push_slot();
                    $this.emit(Instr::$bin { dst, a, b });
                    Ok(())
                }};
            )*
            $(
                ($this:ident, $un ()) => {{
                    let a = $this.top(0);
                    $this.pop(1);
                    let dst = $this.push_slot();
                    $this.emit(Instr::$un { dst, a });
                    Ok(())
                }};
            )*
            $(
                ($this:ident, $load ($memarg:ident)) => {{
                    let addr = $this.top(0);
                    let offset = $this.memory_offset($memarg)?;
                    $this.pop(1);
                    let dst = $this.push_slot();
                    $this.emit(Instr::$load { dst, addr, offset });
                    Ok(())
                }};
            )*
            $(
                ($this:ident, $store ($memarg:ident)) => {{
                    let (addr, value) = ($this.top(1), $this.top(0));
                    let offset = $this.memory_offset($memarg)?;
                    $this.emit(Instr::$store { addr, value, offset });
                    $this.pop(2);
                    Ok(())
                }};
            )*
            ($this:ident, $other:ident $args:tt) => {
                Err($this.outside_profile())
            };
        }

        // Every name of the list is one of wasmparser's operators: one
        // that is not would match no visitor method, and its instruction
        // would never be emitted.
        const _: fn(&wasmparser::Operator<'_>) -> bool = |op| {
            matches!(
                op,
                $( wasmparser::Operator::$bin { .. } )|*
                    | $( wasmparser::Operator::$un { .. } )|*
                    | $( wasmparser::Operator::$load { .. } )|*
                    | $( wasmparser::Operator::$store { .. } )|*
            )
        };
    };
}
for_each_numeric!(define_translate_numeric);

/// The translator's visitor methods other than those written out in its
/// `impl` (listed here, so that a missing or a duplicate method is a
/// compile error): the numeric operators and the rejections.
macro_rules! define_translate_numeric_or_reject {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        $( translate_numeric_or_reject! { $op $({ $($arg: $argty),* })? => $visit } )*
    };
}

macro_rules! translate_numeric_or_reject {
    (Unreachable $($rest:tt)*) => {};
    (Nop $($rest:tt)*) => {};
    (Block $($rest:tt)*) => {};
    (Loop $($rest:tt)*) => {};
    (If $($rest:tt)*) => {};
    (Else $($rest:tt)*) => {};
    (End $($rest:tt)*) => {};
    (Br $($rest:tt)*) => {};
    (BrIf $($rest:tt)*) => {};
    (BrTable $($rest:tt)*) => {};
    (Return $($rest:tt)*) => {};
    (Call $($rest:tt)*) => {};
    (CallIndirect $($rest:tt)*) => {};
    (Drop $($rest:tt)*) => {};
    (Select $($rest:tt)*) => {};
    (TypedSelect $($rest:tt)*) => {};
    (LocalGet $($rest:tt)*) => {};
    (LocalSet $($rest:tt)*) => {};
    (LocalTee $($rest:tt)*) => {};
    (GlobalGet $($rest:tt)*) => {};
    (GlobalSet $($rest:tt)*) => {};
    (I32Const $($rest:tt)*) => {};
    (I64Const $($rest:tt)*) => {};
    (RefNull $($rest:tt)*) => {};
    (RefFunc $($rest:tt)*) => {};
    (MemorySize $($rest:tt)*) => {};
    (MemoryGrow $($rest:tt)*) => {};
    (MemoryFill $($rest:tt)*) => {};
    (MemoryCopy $($rest:tt)*) => {};
    (MemoryInit $($rest:tt)*) => {};
    (DataDrop $($rest:tt)*) => {};
    (TableGet $($rest:tt)*) => {};
    (TableSet $($rest:tt)*) => {};
    (TableSize $($rest:tt)*) => {};
    (TableGrow $($rest:tt)*) => {};
    (TableFill $($rest:tt)*) => {};
    (TableCopy $($rest:tt)*) => {};
    (TableInit $($rest:tt)*) => {};
    (ElemDrop $($rest:tt)*) => {};
    ($op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident) => {
        // The arguments of rejected operators go unused.
        #[allow(unused_variables)]
        fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
            translate_numeric!(self, $op ($($($arg),*)?))
        }
    };
}

impl Translator<'_> {
    /// The rejection of a valid operator that the engine does not run.
    fn outside_profile(&self) -> CompileError {
        unsupported("an operator outside the accepted profile", self.offset)
    }

    /// A load's or store's static offset, which the instruction holds in
    /// 32 bits.
    fn memory_offset(&self, memarg: wasmparser::MemArg) -> Result<u32, CompileError> {
        u32::try_from(memarg.offset).map_err(|_| unsupported("a 64-bit memory offset", self.offset))
    }
}

/// Translation of one operator. [`ValidateThenTranslate`] calls these after
/// validation, and only for the block structure in unreachable code.
impl<'a> VisitOperator<'a> for Translator<'_> {
    type Output = Result<(), CompileError>;

    wasmparser::for_each_visit_operator!(define_translate_numeric_or_reject);

    fn visit_nop(&mut self) -> Self::Output {
        Ok(())
    }

    fn visit_unreachable(&mut self) -> Self::Output {
        self.emit(Instr::Trap(TrapKind::Unreachable));
        self.set_unreachable();
        Ok(())
    }

    fn visit_block(&mut self, blockty: BlockType) -> Self::Output {
        if !self.reachable() {
            self.dead_depth += 1;
            return Ok(());
        }
        let (params, results) = self.block_arity(blockty);
        self.materialize_all();
        self.controls.push(Control {
            kind: FrameKind::Block,
            base: self.height() - params,
            params,
            results,
            loop_pc: 0,
            patches: Vec::new(),
            else_patch: None,
            unreachable: false,
        });
        Ok(())
    }

    fn visit_loop(&mut self, blockty: BlockType) -> Self::Output {
        if !self.reachable() {
            self.dead_depth += 1;
            return Ok(());
        }
        let (params, results) = self.block_arity(blockty);
        self.materialize_all();
        self.label_pc = self.pc();
        self.controls.push(Control {
            kind: FrameKind::Loop,
            base: self.height() - params,
            params,
            results,
            loop_pc: self.pc() as u32,
            patches: Vec::new(),
            else_patch: None,
            unreachable: false,
        });
        Ok(())
    }

    fn visit_if(&mut self, blockty: BlockType) -> Self::Output {
        if !self.reachable() {
            self.dead_depth += 1;
            return Ok(());
        }
        let (params, results) = self.block_arity(blockty);
        self.materialize_all();
        let cond = self.top(0);
        self.pop(1);
        // Not when `cond` is a local: the comparison writes it.
        let fused = self
            .last_instruction()
            .filter(|_| cond >= self.locals)
            .and_then(|last| last.fuse_branch_unless(cond, 0));
        if fused.is_some() {
            self.code.pop();
        }
        let at = self.pc();
        self.emit(fused.unwrap_or(Instr::BrIfEqz { cond, target: 0 }));
        self.controls.push(Control {
            kind: FrameKind::If,
            base: self.height() - params,
            params,
            results,
            loop_pc: 0,
            patches: Vec::new(),
            else_patch: Some(at),
            unreachable: false,
        });
        Ok(())
    }

    fn visit_else(&mut self) -> Self::Output {
        let reachable = self.reachable();
        if !reachable && self.dead_depth > 0 {
            return Ok(());
        }
        if reachable {
            self.materialize_all();
            let at = self.pc();
            self.emit(Instr::Br(0));
            if let Some(frame) = self.controls.last_mut() {
                frame.patches.push(Patch::Instr(at));
            }
        }
        let pc = self.pc() as u32;
        self.label_pc = self.pc();
        let offset = self.offset;
        let frame = self
            .controls
            .last_mut()
            .ok_or_else(|| internal("else without if", offset))?;
        frame.kind = FrameKind::Else;
        frame.unreachable = false;
        let else_patch = frame.else_patch.take();
        let base = frame.base;
        let params = frame.params;
        if let Some(at) = else_patch {
            self.resolve(vec![Patch::Instr(at)], pc);
        }
        self.set_height(base, base + params);
        Ok(())
    }

    fn visit_end(&mut self) -> Self::Output {
        let reachable = self.reachable();
        if !reachable && self.dead_depth > 0 {
            self.dead_depth -= 1;
            return Ok(());
        }
        if reachable {
            self.materialize_all();
        }
        let frame = self
            .controls
            .pop()
            .ok_or_else(|| internal("end without a block", self.offset))?;
        let pc = self.pc() as u32;
        self.label_pc = self.pc();
        let mut patches = frame.patches;
        if let Some(at) = frame.else_patch {
            patches.push(Patch::Instr(at));
        }
        self.resolve(patches, pc);
        self.set_height(frame.base, frame.base + frame.results);
        if frame.kind == FrameKind::If {
            self.fuse_stack_prologue();
        }
        if frame.kind == FrameKind::Function {
            // Results go to the frame's first slots.
            for i in 0..frame.results {
                let src = self.slot(i);
                if src != i {
                    self.emit(Instr::Copy { dst: i, src });
                }
            }
            self.emit(Instr::Return);
        }
        Ok(())
    }

    fn visit_br(&mut self, relative_depth: u32) -> Self::Output {
        self.emit_branch(relative_depth);
        self.set_unreachable();
        Ok(())
    }

    fn visit_br_if(&mut self, relative_depth: u32) -> Self::Output {
        let cond = self.top(0);
        self.pop(1);
        let (base, arity, loop_pc, index) = self.label(relative_depth);
        if self.in_place(base, arity) {
            let target = loop_pc.unwrap_or(0);
            // A comparison right before: one compare-and-branch.
            // Not when `cond` is a local: the comparison writes it.
            let fused = self
                .last_instruction()
                .filter(|_| cond >= self.locals)
                .and_then(|last| last.fuse_branch(cond, target));
            match fused {
                Some(branch) => {
                    self.code.pop();
                    self.emit(branch);
                }
                None => self.emit(Instr::BrIfNez { cond, target }),
            }
            let at = self.pc() - 1;
            if loop_pc.is_none() {
                self.controls[index].patches.push(Patch::Instr(at));
            }
        } else {
            let skip = self.pc();
            self.emit(Instr::BrIfEqz { cond, target: 0 });
            self.emit_branch(relative_depth);
            let next = self.pc() as u32;
            self.resolve(vec![Patch::Instr(skip)], next);
        }
        Ok(())
    }

    fn visit_br_table(&mut self, targets: BrTable<'a>) -> Self::Output {
        let index = self.top(0);
        self.pop(1);
        let mut depths = Vec::with_capacity(targets.len() as usize + 1);
        for depth in targets.targets() {
            depths.push(depth.map_err(invalid)?);
        }
        depths.push(targets.default());
        let first = self.out.br_tables.len();
        self.out.br_tables.extend(depths.iter().map(|_| 0));
        self.emit(Instr::BrTable {
            index,
            first: first as u32,
            len: (depths.len() - 1) as u32,
        });
        // Targets that need copies get a stub after the table.
        let mut stubs: Vec<(usize, u32)> = Vec::new();
        for (i, depth) in depths.iter().enumerate() {
            let (base, arity, loop_pc, frame) = self.label(*depth);
            if self.in_place(base, arity) {
                match loop_pc {
                    Some(target) => self.out.br_tables[first + i] = target,
                    None => self.controls[frame].patches.push(Patch::Table(first + i)),
                }
            } else {
                stubs.push((first + i, *depth));
            }
        }
        for (entry, depth) in stubs {
            self.out.br_tables[entry] = self.pc() as u32;
            self.emit_branch(depth);
        }
        self.set_unreachable();
        Ok(())
    }

    fn visit_return(&mut self) -> Self::Output {
        // Pending `local.get`s read locals that the copies below overwrite.
        self.materialize_all();
        let results = self.controls.first().map_or(0, |c| c.results);
        let from = self.height() - results;
        for i in 0..results {
            let src = self.operands[(from + i) as usize];
            if src != i {
                self.emit(Instr::Copy { dst: i, src });
            }
        }
        self.emit(Instr::Return);
        self.set_unreachable();
        Ok(())
    }

    fn visit_call(&mut self, function_index: u32) -> Self::Output {
        self.translate_call(function_index)
    }

    fn visit_call_indirect(&mut self, type_index: u32, table_index: u32) -> Self::Output {
        let signature = *self
            .types
            .get(type_index as usize)
            .ok_or_else(|| internal("a call_indirect type out of range", self.offset))?;
        let (params, results) = self
            .type_list
            .get(type_index as usize)
            .map(|t| (t.params().len() as u32, t.results().len() as u32))
            .unwrap_or((0, 0));
        let table = u16::try_from(table_index)
            .map_err(|_| unsupported("more than 65,536 tables", self.offset))?;
        self.materialize_all();
        let index = self.top(0);
        self.pop(1);
        let base = self.slot(self.height() - params);
        self.emit(Instr::CallIndirect {
            ty: signature,
            table,
            index,
            base,
        });
        self.pop(params);
        self.push(results);
        Ok(())
    }

    fn visit_drop(&mut self) -> Self::Output {
        self.pop(1);
        Ok(())
    }

    fn visit_select(&mut self) -> Self::Output {
        let (a, b, cond) = (self.top(2), self.top(1), self.top(0));
        self.pop(3);
        let dst = self.push_slot();
        match (u16::try_from(a), u16::try_from(b), u16::try_from(cond)) {
            (Ok(a), Ok(b), Ok(cond)) => self.emit(Instr::Select { dst, a, b, cond }),
            _ => {
                // `dst` is the operand slot below `b` and `cond`, so
                // writing `a` into it first clobbers neither.
                if a != dst {
                    self.emit(Instr::Copy { dst, src: a });
                }
                self.emit(Instr::SelectIfZero { dst, b, cond });
            }
        }
        Ok(())
    }

    fn visit_typed_select(&mut self, _ty: ValType) -> Self::Output {
        self.visit_select()
    }

    fn visit_local_get(&mut self, local_index: u32) -> Self::Output {
        self.push_local(local_index);
        Ok(())
    }

    fn visit_local_set(&mut self, local_index: u32) -> Self::Output {
        let src = self.top(0);
        self.pop(1);
        if self.retarget(src, local_index) {
            return Ok(());
        }
        self.materialize_local(local_index, self.height());
        if src != local_index {
            self.emit_local_set(local_index, src);
        }
        Ok(())
    }

    fn visit_local_tee(&mut self, local_index: u32) -> Self::Output {
        let src = self.top(0);
        let position = self.height() - 1;
        if src == self.slot(position) && self.lazy.len() < MAX_LAZY {
            // As `local.set` folded into the last instruction, then
            // `local.get`.
            self.pop(1);
            let retargeted = self.retarget(src, local_index);
            self.push_slot();
            if retargeted {
                self.operands[position as usize] = local_index;
                self.lazy.push(position);
                return Ok(());
            }
        }
        self.materialize_local(local_index, self.height() - 1);
        if src != local_index {
            self.emit(Instr::Copy {
                dst: local_index,
                src,
            });
        }
        Ok(())
    }

    fn visit_global_get(&mut self, global_index: u32) -> Self::Output {
        let dst = self.push_slot();
        self.emit(Instr::GlobalGet {
            dst,
            global: global_index,
        });
        Ok(())
    }

    fn visit_global_set(&mut self, global_index: u32) -> Self::Output {
        let src = self.top(0);
        self.emit(Instr::GlobalSet {
            src,
            global: global_index,
        });
        self.pop(1);
        Ok(())
    }

    fn visit_i32_const(&mut self, value: i32) -> Self::Output {
        self.push_const(u64::from(value as u32));
        Ok(())
    }

    fn visit_i64_const(&mut self, value: i64) -> Self::Output {
        self.push_const(value as u64);
        Ok(())
    }

    fn visit_ref_null(&mut self, _hty: HeapType) -> Self::Output {
        self.push_const(REF_NULL);
        Ok(())
    }

    fn visit_ref_func(&mut self, function_index: u32) -> Self::Output {
        let dst = self.push_slot();
        self.emit(Instr::RefFunc {
            dst,
            func: function_index,
        });
        Ok(())
    }

    fn visit_memory_size(&mut self, _mem: u32) -> Self::Output {
        let dst = self.push_slot();
        self.emit(Instr::MemorySize { dst });
        Ok(())
    }

    fn visit_memory_grow(&mut self, _mem: u32) -> Self::Output {
        let delta = self.top(0);
        self.pop(1);
        let dst = self.push_slot();
        self.emit(Instr::MemoryGrow { dst, delta });
        Ok(())
    }

    fn visit_memory_fill(&mut self, _mem: u32) -> Self::Output {
        let args = self.args(3);
        self.emit(Instr::MemoryFill { args });
        self.pop(3);
        Ok(())
    }

    fn visit_memory_copy(&mut self, _dst_mem: u32, _src_mem: u32) -> Self::Output {
        let args = self.args(3);
        self.emit(Instr::MemoryCopy { args });
        self.pop(3);
        Ok(())
    }

    fn visit_memory_init(&mut self, data_index: u32, _mem: u32) -> Self::Output {
        let args = self.args(3);
        self.emit(Instr::MemoryInit {
            data: data_index,
            args,
        });
        self.pop(3);
        Ok(())
    }

    fn visit_data_drop(&mut self, data_index: u32) -> Self::Output {
        self.emit(Instr::DataDrop { data: data_index });
        Ok(())
    }

    fn visit_table_get(&mut self, table: u32) -> Self::Output {
        let index = self.top(0);
        self.pop(1);
        let dst = self.push_slot();
        self.emit(Instr::TableGet { table, dst, index });
        Ok(())
    }

    fn visit_table_set(&mut self, table: u32) -> Self::Output {
        let args = self.args(2);
        self.emit(Instr::TableSet { table, args });
        self.pop(2);
        Ok(())
    }

    fn visit_table_size(&mut self, table: u32) -> Self::Output {
        let dst = self.push_slot();
        self.emit(Instr::TableSize { table, dst });
        Ok(())
    }

    fn visit_table_grow(&mut self, table: u32) -> Self::Output {
        let args = self.args(2);
        self.emit(Instr::TableGrow { table, args });
        self.pop(1);
        Ok(())
    }

    fn visit_table_fill(&mut self, table: u32) -> Self::Output {
        let args = self.args(3);
        self.emit(Instr::TableFill { table, args });
        self.pop(3);
        Ok(())
    }

    fn visit_table_copy(&mut self, dst_table: u32, src_table: u32) -> Self::Output {
        let args = self.args(3);
        self.emit(Instr::TableCopy {
            dst_table,
            src_table,
            args,
        });
        self.pop(3);
        Ok(())
    }

    fn visit_table_init(&mut self, elem_index: u32, table: u32) -> Self::Output {
        let args = self.args(3);
        self.emit(Instr::TableInit {
            table,
            elem: elem_index,
            args,
        });
        self.pop(3);
        Ok(())
    }

    fn visit_elem_drop(&mut self, elem_index: u32) -> Self::Output {
        self.emit(Instr::ElemDrop { elem: elem_index });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::code::Instr;
    use crate::engine::{Instance, Linker, Module, Value};

    #[test]
    fn select_with_operand_slots_beyond_16_bits() {
        // 70,000 values below the operands put `b` and `cond` in slots that
        // do not fit `Select`: the compiler falls back to `Copy` (when `a`
        // is elsewhere) and `SelectIfZero`.
        let pad = 70_000;
        let pushes = "(i32.const 0)\n".repeat(pad);
        let drops = "drop\n".repeat(pad);
        let wat = format!(
            r#"(module
                 (func (export "local_a") (param i32 i32) (result i32) (local i32)
                   {pushes}
                   (local.set 2 (select (local.get 1) (i32.const 9) (local.get 0)))
                   {drops}
                   (local.get 2))
                 (func (export "operand_a") (param i32) (result i32) (local i32)
                   {pushes}
                   (local.set 1 (select (i32.const 7) (i32.const 9) (local.get 0)))
                   {drops}
                   (local.get 1)))"#
        );
        let module =
            Module::new_unmetered(&wat::parse_str(&wat).expect("parses")).expect("compiles");
        let code = &module.compiled.code;
        assert!(
            code.instructions()
                .any(|i| matches!(i, Instr::SelectIfZero { .. })),
            "fallback used"
        );
        assert!(
            !code
                .instructions()
                .any(|i| matches!(i, Instr::Select { .. })),
            "no narrow select"
        );
        let mut instance = Instance::new(&module, &Linker::new()).expect("instantiates");
        for (cond, expected) in [(1, 5), (0, 9)] {
            let outcome = instance
                .call("local_a", &[Value::I32(cond), Value::I32(5)], u64::MAX)
                .expect("call made");
            assert_eq!(
                outcome.result,
                Ok(vec![Value::I32(expected)]),
                "cond {cond}"
            );
        }
        for (cond, expected) in [(1, 7), (0, 9)] {
            let outcome = instance
                .call("operand_a", &[Value::I32(cond)], u64::MAX)
                .expect("call made");
            assert_eq!(
                outcome.result,
                Ok(vec![Value::I32(expected)]),
                "cond {cond}"
            );
        }
    }
}
