//! Frames on the engine's stacks: a run's entry, a call's frame, an
//! import's slots.
//!
//! A run starts with the entry function's frame at the bottom of the value
//! stack lent to the call ([`Instance::execute`]); a call pushes the
//! caller's frame record and sets up the callee's frame above it
//! ([`Exec::push_frame`]); an import reads its arguments and writes its
//! results in slots of the caller's frame ([`Exec::import_slots`]). Each
//! checks the room it needs against the value stack's end once, and
//! `unsafe` relies on that check: [`enter`] zeroes the locals of a frame
//! it has checked (what makes the FRAME INVARIANT hold for the frame's
//! first instruction), and an import's slots are lent as a slice.

#![allow(unsafe_code)]

use std::any::Any;

use super::super::Instance;
use super::super::code::{REF_NULL, Slot};
use super::super::compile::Function;
use super::dispatch::{EXIT, run};
use super::{Exec, Frame, Gas, Op};
use crate::limits::MAX_FRAMES;
use crate::profile::Profiler;
use crate::trap::TrapKind;

/// Frame records a run allocates room for at its start: calls nested
/// deeper grow the vector (a reallocation and a copy each time it doubles).
const INITIAL_FRAMES: usize = 64;

impl Instance {
    /// Runs defined function `func` with its arguments in `stack[0..params]`;
    /// on return its results are in `stack[0..results]`. With a profiler,
    /// runs the code lowered for profiling, which records every charge in
    /// it.
    pub(crate) fn execute(
        &mut self,
        func: u32,
        stack: &mut [u64],
        gas: &mut Gas,
        context: &mut dyn Any,
        profiler: Option<&mut Profiler>,
    ) -> Result<(), TrapKind> {
        let compiled = self.module.clone();
        let function = compiled
            .functions
            .get(func as usize)
            .ok_or(TrapKind::Unreachable)?;
        let anchor = 0u8;
        let entry_sp = std::hint::black_box(std::ptr::addr_of!(anchor)) as usize;
        let range = stack.as_mut_ptr_range();
        let fp = range.start;
        enter(fp, range.end, function)?;
        let (code, profiler) = match profiler {
            None => (compiled.code.as_ptr(), None),
            Some(profiler) => {
                let module = profiler.module_number(&compiled);
                let base = profiler.current();
                let profiling = super::profile::Profiling {
                    profiler,
                    module,
                    base,
                    levels: Vec::new(),
                };
                (compiled.profiling_code().as_ptr(), Some(profiling))
            }
        };
        let mut exec = Exec {
            instance: self,
            compiled: &compiled,
            code,
            frames: {
                let mut frames = Vec::with_capacity(INITIAL_FRAMES);
                frames.push(Frame {
                    return_ip: &EXIT,
                    fp,
                });
                frames
            },
            stack_end: range.end,
            gas_left: gas.left,
            entry_sp,
            context,
            profiler,
        };
        let (mem, len) = exec.memory();
        let entry = at!(exec, function.entry);
        let result = run(entry, fp, gas.left, mem, len, &mut exec);
        gas.left = exec.gas_left;
        result
    }
}

impl Exec<'_> {
    /// Pushes the caller's frame and sets up the frame of defined function
    /// `func` at `fp + base`: checks room, zeroes its declared locals.
    /// Returns the callee's frame pointer.
    #[inline(always)]
    pub(super) fn push_frame(
        &mut self,
        return_ip: *const Op,
        fp: *mut u64,
        base: Slot,
        func: u32,
    ) -> Result<*mut u64, TrapKind> {
        if self.frames.len() >= MAX_FRAMES {
            return Err(TrapKind::StackExhausted);
        }
        let callee_fp = fp.wrapping_add(base as usize);
        enter(
            callee_fp,
            self.stack_end,
            &self.compiled.functions[func as usize],
        )?;
        self.frames.push(Frame { return_ip, fp });
        Ok(callee_fp)
    }

    /// The `count` value slots from `fp + base` (an import's arguments and
    /// results), or *stack exhausted* when they do not fit in the value
    /// stack. The slice borrows nothing of `self`: the slots belong to the
    /// value stack, which the run holds exclusively.
    pub(super) fn import_slots<'s>(
        &self,
        fp: *mut u64,
        base: Slot,
        count: usize,
    ) -> Result<&'s mut [u64], TrapKind> {
        let at = fp.wrapping_add(base as usize);
        if (self.stack_end as usize).saturating_sub(at as usize) / size_of::<u64>() < count {
            return Err(TrapKind::StackExhausted);
        }
        // SAFETY: `count` slots from `at` are inside the value stack
        // (checked above; `at` is inside the caller's frame), and no other
        // reference to them is live while the import runs.
        Ok(unsafe { std::slice::from_raw_parts_mut(at, count) })
    }
}

/// Declared locals zeroed by one 32-byte store instead of a call of
/// `memset` (most functions declare this many or fewer; a call of
/// `memset` was 2-3% of a token transfer's time).
const SHORT_LOCALS: usize = 4;

/// Checks that function `function`'s frame at `fp` fits below `stack_end`
/// and zeroes its declared locals.
#[inline(always)]
fn enter(fp: *mut u64, stack_end: *mut u64, function: &Function) -> Result<(), TrapKind> {
    let room = (stack_end as usize).saturating_sub(fp as usize) / size_of::<u64>();
    if (function.frame_slots as usize) > room {
        return Err(TrapKind::StackExhausted);
    }
    let (params, locals) = (function.params as usize, function.locals as usize);
    let frame_slots = function.frame_slots as usize;
    // SAFETY: `locals <= frame_slots <= room`: the slots are inside the
    // value stack, and nothing else refers to them. The short form writes
    // `SHORT_LOCALS` slots from the first declared local, within
    // `frame_slots` (checked); those past the locals are operand slots the
    // function's first instruction has not written yet.
    unsafe {
        let declared = fp.add(params);
        if locals - params <= SHORT_LOCALS && params + SHORT_LOCALS <= frame_slots {
            declared
                .cast::<[u64; SHORT_LOCALS]>()
                .write_unaligned([0; SHORT_LOCALS]);
        } else {
            std::ptr::write_bytes(declared, 0, locals - params);
        }
        for local in &function.ref_locals {
            *fp.add(*local as usize) = REF_NULL;
        }
    }
    Ok(())
}
