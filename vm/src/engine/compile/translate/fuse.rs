//! The fusions: rewrites of the code just emitted, when the operator being
//! translated completes a pattern that one instruction does better.
//!
//! - The canonical metering patterns of the instrumented module:
//!   `i64.const N; call $gas` becomes one [`Instr::ChargeGas`] (a call of the
//!   gas import with a computed amount, one [`Instr::ChargeGasSlot`]),
//!   `call $stack_exhausted` a trap, and a function's stack prologue one
//!   [`Instr::StackEnter`].
//! - A constant right operand becomes the immediate of the binary
//!   instruction that reads it (`I32AddImm`...), and `local.set` of a value
//!   just computed makes its instruction write the local directly.
//! - Constants written to consecutive slots just before a call (its
//!   arguments) become one [`Instr::ConstSpan`], and two `local.set`s of
//!   locals in a row one [`Instr::Copy2`].
//!
//! No fusion reaches across a label (the last instruction counts only when
//! no branch can arrive between it and the operator): what runs is the same
//! whichever way control arrives. (A comparison followed by a branch
//! becomes one compare-and-branch through the instruction set's
//! `Instr::fuse_branch`, which `visit.rs` calls with [`last_instruction`].)
//!
//! [`last_instruction`]: Translator::last_instruction

use super::super::super::code::{Instr, Slot};
use super::super::super::execute::Op;
use super::super::ImportKind;
use super::Translator;
use crate::trap::TrapKind;

impl Translator<'_> {
    /// The last instruction emitted, when no label lies after it.
    pub(super) fn last_instruction(&self) -> Option<&Instr> {
        if self.pc() > self.label_pc {
            self.code.last().map(Op::instr_ref)
        } else {
            None
        }
    }

    /// When the value in `slot` (the top operand) was just put there by a
    /// constant that `immediate` accepts, removes that constant and returns
    /// the immediate.
    pub(super) fn take_constant(
        &mut self,
        slot: Slot,
        immediate: fn(u64) -> Option<i32>,
    ) -> Option<i32> {
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

    /// Before a call: the constants just written to consecutive slots (no
    /// label between them) become one [`Instr::ConstSpan`], their values
    /// appended to the module's constants. Only the run that ends the code
    /// so far: the call comes next, so no later fusion looks for a
    /// `Const` among them.
    pub(super) fn fuse_constant_run(&mut self) {
        let mut start = self.pc();
        while start > self.label_pc.max(self.entry)
            && let Instr::Const { dst, .. } = self.code[start - 1].instr()
            && (start == self.pc()
                || matches!(self.code[start].instr(), Instr::Const { dst: next, .. } if next == dst + 1))
        {
            start -= 1;
        }
        let n = self.pc() - start;
        if n < 2 {
            return;
        }
        let Instr::Const { dst, .. } = self.code[start].instr() else {
            return;
        };
        let first = self.out.constants.len() as u32;
        for op in self.code.drain(start..) {
            if let Instr::Const { value, .. } = op.instr() {
                self.out.constants.push(value);
            }
        }
        self.emit(Instr::ConstSpan {
            dst,
            first,
            n: n as u32,
        });
    }

    /// `local.set local` of the value in `src`, as a copy: fused with the
    /// last instruction into one [`Instr::Copy2`] when that is the copy of
    /// another `local.set` (its target a local) and all four slots fit 16
    /// bits. (No other fusion looks for a `Copy`; `retarget` looks for a
    /// result in a stack slot, never a local.)
    pub(super) fn emit_local_set(&mut self, local: u32, src: Slot) {
        if let Some(Instr::Copy {
            dst: first_dst,
            src: first_src,
        }) = self.last_instruction().copied()
            && first_dst < self.locals
            && let (Ok(dst), Ok(src), Ok(dst2), Ok(src2)) = (
                u16::try_from(first_dst),
                u16::try_from(first_src),
                u16::try_from(local),
                u16::try_from(src),
            )
        {
            self.code.pop();
            self.emit(Instr::Copy2 {
                dst,
                src,
                dst2,
                src2,
            });
            return;
        }
        self.emit(Instr::Copy { dst: local, src });
    }

    /// `local.set local` of the value in `src` (the slot just above the
    /// stack): when the last instruction computed it, make that instruction
    /// write `local` directly. Not when a pending `local.get` of `local`
    /// still needs the old value.
    pub(super) fn retarget(&mut self, src: Slot, local: u32) -> bool {
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
    pub(super) fn fuse_stack_prologue(&mut self) {
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

    /// A call of import `import` when it is a metering import, fused:
    /// `i64.const N; call $gas` (no label in between) into
    /// [`Instr::ChargeGas`], a call of the gas import with a computed
    /// amount into [`Instr::ChargeGasSlot`], `call $stack_exhausted` into a
    /// trap. False for a host function, which is called.
    pub(super) fn fuse_metering_call(&mut self, import: u32) -> bool {
        match self.out.imports[import as usize].kind {
            ImportKind::Gas => {
                let amount = self.top(0);
                // `i64.const N; call $gas` with no label in between.
                let fused = match self.code.last().map(Op::instr_ref) {
                    Some(Instr::Const { dst, value })
                        if *dst == amount && amount >= self.locals && self.pc() > self.label_pc =>
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
                true
            }
            ImportKind::StackExhausted => {
                self.emit(Instr::Trap(TrapKind::StackExhausted));
                true
            }
            ImportKind::Host { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::code::Instr;
    use crate::engine::compile_wat;
    use crate::trap::TrapKind;

    #[test]
    fn metering_patterns_are_fused() {
        let module = compile_wat(
            r#"(module (func $f (export "f") (param i32) (result i32)
                 (local i32)
                 (local.set 1 (i32.add (local.get 0) (i32.const 1)))
                 (if (local.get 1) (then (drop (memory.grow (local.get 1)))))
                 (local.get 1))
               (memory 1))"#,
        );
        let code = &module.compiled.code;
        let count = |pred: &dyn Fn(&Instr) -> bool| code.instructions().filter(|i| pred(i)).count();
        // One fused prologue per defined function (the function; the
        // export thunk has none).
        assert_eq!(
            count(&|i| matches!(i, Instr::StackEnter { .. })),
            1,
            "{code:?}"
        );
        // Static charges are single instructions, the dynamic one reads a slot.
        assert!(
            count(&|i| matches!(i, Instr::ChargeGas(_))) >= 2,
            "{code:?}"
        );
        assert_eq!(
            count(&|i| matches!(i, Instr::ChargeGasSlot(_))),
            1,
            "{code:?}"
        );
        // No call reaches the metering imports.
        assert_eq!(
            count(&|i| matches!(i, Instr::CallHost { .. })),
            0,
            "{code:?}"
        );
        assert_eq!(
            count(&|i| matches!(i, Instr::Trap(TrapKind::StackExhausted))),
            0,
            "{code:?}"
        );
    }
}
