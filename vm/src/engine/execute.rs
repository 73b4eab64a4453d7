//! The executor: runs internal code on the engine's own stacks.
//!
//! One loop over instructions. Calls push a frame record on the frame stack
//! and move the frame base within the value stack; nothing recurses natively
//! per WebAssembly call, so the deterministic stack limit injected by the
//! instrumenter is the limit that decides. The executor's own capacities
//! (value slots, frames) are set above anything an instrumented module can
//! reach, and trap with *stack exhausted* too when a module that was not
//! instrumented exceeds them.
//!
//! Safety: the only `unsafe` in the workspace is here, for unchecked access
//! to frame slots and to the next instruction in the dispatch loop, each
//! with its invariant stated at the site (the frame invariant is checked
//! once per call, by `enter`). Memory, table and global accesses stay
//! checked: their bounds are the traps WebAssembly defines.

#![allow(unsafe_code)]

use std::any::Any;

use super::code::{FromSlot, Instr, REF_NULL, ToSlot};
use super::compile::{Compiled, ImportKind};
use super::{Caller, HostFunc, Instance, PAGE_SIZE};
use crate::trap::TrapKind;

/// Most frames on the frame stack. An instrumented frame costs at least
/// `FRAME_OVERHEAD` units of `STACK_LIMIT`, so the injected limit is reached
/// well before this.
pub(crate) const MAX_FRAMES: usize = (crate::instrument::STACK_LIMIT as usize) + 1024;

/// Value slots above the injected limit's worth, for the entry frames (thunk
/// and callee) that the injected accounting does not count.
const SLACK_SLOTS: usize = 64 * 1024;

/// Value-stack capacity for a module whose largest frame is `max_frame`.
pub(crate) fn stack_capacity(max_frame: u32) -> usize {
    crate::instrument::STACK_LIMIT as usize + 2 * max_frame as usize + SLACK_SLOTS
}

struct Frame {
    return_pc: usize,
    fp: usize,
}

/// Gas accounting of one call.
pub(crate) struct Gas {
    pub left: u64,
}

impl Gas {
    #[inline(always)]
    pub fn charge(&mut self, amount: u64) -> Result<(), TrapKind> {
        match self.left.checked_sub(amount) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => {
                self.left = 0;
                Err(TrapKind::OutOfGas)
            }
        }
    }
}

impl Instance {
    /// Runs defined function `func` with its arguments in `stack[0..params]`;
    /// on return its results are in `stack[0..results]`.
    pub(crate) fn execute(
        &mut self,
        func: u32,
        stack: &mut [u64],
        gas: &mut Gas,
        context: &mut dyn Any,
    ) -> Result<(), TrapKind> {
        let module = self.module.clone();
        let compiled: &Compiled = &module;
        let code = &compiled.code[..];
        let mut frames: Vec<Frame> = Vec::new();
        let mut fp = 0usize;
        let function = compiled
            .functions
            .get(func as usize)
            .ok_or(TrapKind::Unreachable)?;
        enter(stack, fp, function)?;
        let mut pc = function.entry as usize;

        // FRAME INVARIANT, on which the unchecked accesses below rely:
        // while a frame at `fp` runs function `f`, `fp + f.frame_slots <=
        // stack.len()` (checked by `enter` before the frame's first
        // instruction; a return goes back to a frame that was checked the
        // same way), and every slot an instruction of `f` names is below
        // `f.frame_slots` (the compiler names only parameters, declared
        // locals, and operand positions it counts in the frame size).
        macro_rules! slot {
            ($s:expr) => {
                // SAFETY: `fp + $s < stack.len()` by the frame invariant.
                *unsafe { stack.get_unchecked_mut(fp + $s as usize) }
            };
        }
        macro_rules! read {
            ($s:expr) => {
                // SAFETY: `fp + $s < stack.len()` by the frame invariant.
                *unsafe { stack.get_unchecked(fp + $s as usize) }
            };
        }

        loop {
            // SAFETY: `pc < code.len()`: execution starts at a function's
            // entry, every function's code ends in `Return`, every branch
            // target is an instruction of the same function, and the code
            // ends with a sentinel `Trap` besides.
            let instr = unsafe { code.get_unchecked(pc) };
            pc += 1;
            macro_rules! dispatch {
                (
                    binops { $( $bin:ident $(/ $binimm:ident)? ($ba:ident: $bta:ty, $bb:ident: $btb:ty) -> $btr:ty $bbody:block )* }
                    unops { $( $un:ident($ua:ident: $uta:ty) -> $utr:ty $ubody:block )* }
                    loads { $( $load:ident($lbytes:literal, $lraw:ty => $lty:ty) )* }
                    branches { $( $branch:ident = $cmp:ident($cty:ty, $cop:tt) else $inverse:ident )* }
                    stores { $( $store:ident($sbytes:literal, $sty:ty) )* }
                ) => {
                    match *instr {
                        $(
                            Instr::$bin { dst, a, b } => {
                                let $ba = <$bta>::from_slot(read!(a));
                                let $bb = <$btb>::from_slot(read!(b));
                                let result: Result<$btr, TrapKind> = $bbody;
                                slot!(dst) = result?.to_slot();
                            }
                        )*
                        $( $(
                            Instr::$binimm { dst, a, imm } => {
                                let $ba = <$bta>::from_slot(read!(a));
                                let $bb = <$btb>::from_slot(imm as i64 as u64);
                                let result: Result<$btr, TrapKind> = $bbody;
                                slot!(dst) = result?.to_slot();
                            }
                        )? )*
                        $(
                            Instr::$un { dst, a } => {
                                let $ua = <$uta>::from_slot(read!(a));
                                let result: $utr = $ubody;
                                slot!(dst) = result.to_slot();
                            }
                        )*
                        $(
                            Instr::$load { dst, addr, offset } => {
                                let bytes: [u8; $lbytes] =
                                    self.load(read!(addr), offset)?;
                                let raw = <$lraw>::from_le_bytes(bytes);
                                slot!(dst) = (raw as $lty).to_slot();
                            }
                        )*
                        $(
                            Instr::$branch { a, b, target } => {
                                if <$cty>::from_slot(read!(a)) $cop <$cty>::from_slot(read!(b)) {
                                    pc = target as usize;
                                }
                            }
                        )*
                        $(
                            Instr::$store { addr, value, offset } => {
                                let raw = read!(value) as $sty;
                                self.store(read!(addr), offset, raw.to_le_bytes())?;
                            }
                        )*
                        Instr::ChargeGas(amount) => gas.charge(amount)?,
                        Instr::ChargeGasSlot(s) => gas.charge(read!(s))?,
                        Instr::StackEnter {
                            global,
                            frame,
                            local,
                            limit,
                        } => {
                            let height = (self.globals[global as usize] as u32).wrapping_add(frame);
                            slot!(local) = u64::from(height);
                            self.globals[global as usize] = u64::from(height);
                            if height > limit {
                                return Err(TrapKind::StackExhausted);
                            }
                        }
                        Instr::Const { dst, value } => slot!(dst) = value,
                        Instr::Copy { dst, src } => slot!(dst) = read!(src),
                        Instr::Br(target) => pc = target as usize,
                        Instr::BrIfNez { cond, target } => {
                            if read!(cond) as u32 != 0 {
                                pc = target as usize;
                            }
                        }
                        Instr::BrIfEqz { cond, target } => {
                            if read!(cond) as u32 == 0 {
                                pc = target as usize;
                            }
                        }
                        Instr::BrTable { index, first, len } => {
                            let i = (read!(index) as u32).min(len);
                            pc = compiled.br_tables[(first + i) as usize] as usize;
                        }
                        Instr::Select { dst, a, b, cond } => {
                            slot!(dst) = if read!(cond) as u32 != 0 {
                                read!(a)
                            } else {
                                read!(b)
                            };
                        }
                        Instr::GlobalGet { dst, global } => slot!(dst) = self.globals[global as usize],
                        Instr::GlobalSet { src, global } => self.globals[global as usize] = read!(src),
                        Instr::Call { func, base } => {
                            if frames.len() >= MAX_FRAMES {
                                return Err(TrapKind::StackExhausted);
                            }
                            let callee = &compiled.functions[func as usize];
                            frames.push(Frame { return_pc: pc, fp });
                            fp += base as usize;
                            enter(stack, fp, callee)?;
                            pc = callee.entry as usize;
                        }
                        Instr::CallIndirect {
                            ty,
                            table,
                            index,
                            base,
                        } => {
                            let entry = self.tables[table as usize]
                                .elements
                                .get(read!(index) as u32 as usize)
                                .copied()
                                .ok_or(TrapKind::TableOutOfBounds)?;
                            if entry == REF_NULL {
                                return Err(TrapKind::IndirectCallToNull);
                            }
                            let callee_index = entry as u32;
                            if compiled.function_signature(callee_index) != Some(ty) {
                                return Err(TrapKind::IndirectCallTypeMismatch);
                            }
                            let imported = compiled.imports.len() as u32;
                            if callee_index < imported {
                                self.call_import(callee_index, stack, fp + base as usize, gas, context)?;
                            } else {
                                if frames.len() >= MAX_FRAMES {
                                    return Err(TrapKind::StackExhausted);
                                }
                                let callee = &compiled.functions[(callee_index - imported) as usize];
                                frames.push(Frame { return_pc: pc, fp });
                                fp += base as usize;
                                enter(stack, fp, callee)?;
                                pc = callee.entry as usize;
                            }
                        }
                        Instr::CallHost { import, base } => {
                            self.call_import(import, stack, fp + base as usize, gas, context)?;
                        }
                        Instr::Return => match frames.pop() {
                            Some(frame) => {
                                pc = frame.return_pc;
                                fp = frame.fp;
                            }
                            None => return Ok(()),
                        },
                        Instr::Trap(kind) => return Err(kind),
                        Instr::MemorySize { dst } => slot!(dst) = u64::from(self.memory_pages),
                        Instr::MemoryGrow { dst, delta } => {
                            let delta = read!(delta) as u32;
                            slot!(dst) = u64::from(self.memory_grow(delta));
                        }
                        Instr::MemoryFill { args } => {
                            let (dst, value, len) = (read!(args), read!(args + 1), read!(args + 2));
                            self.memory_fill(dst as u32, value as u8, len as u32)?;
                        }
                        Instr::MemoryCopy { args } => {
                            let (dst, src, len) = (read!(args), read!(args + 1), read!(args + 2));
                            self.memory_copy(dst as u32, src as u32, len as u32)?;
                        }
                        Instr::MemoryInit { data, args } => {
                            let (dst, src, len) = (read!(args), read!(args + 1), read!(args + 2));
                            self.memory_init(data, dst as u32, src as u32, len as u32)?;
                        }
                        Instr::DataDrop { data } => self.dropped_data[data as usize] = true,
                        Instr::TableGet { table, dst, index } => {
                            let i = read!(index) as u32 as usize;
                            slot!(dst) = *self.tables[table as usize]
                                .elements
                                .get(i)
                                .ok_or(TrapKind::TableOutOfBounds)?;
                        }
                        Instr::TableSet { table, args } => {
                            let (i, value) = (read!(args) as u32 as usize, read!(args + 1));
                            *self.tables[table as usize]
                                .elements
                                .get_mut(i)
                                .ok_or(TrapKind::TableOutOfBounds)? = value;
                        }
                        Instr::TableSize { table, dst } => {
                            slot!(dst) = self.tables[table as usize].elements.len() as u64;
                        }
                        Instr::TableGrow { table, args } => {
                            let (init, delta) = (read!(args), read!(args + 1) as u32);
                            slot!(args) = u64::from(self.tables[table as usize].grow(delta, init));
                        }
                        Instr::TableFill { table, args } => {
                            let (i, value, len) =
                                (read!(args) as u32, read!(args + 1), read!(args + 2) as u32);
                            self.tables[table as usize].fill(i, value, len)?;
                        }
                        Instr::TableCopy {
                            dst_table,
                            src_table,
                            args,
                        } => {
                            let (d, s, len) = (
                                read!(args) as u32,
                                read!(args + 1) as u32,
                                read!(args + 2) as u32,
                            );
                            self.table_copy(dst_table, src_table, d, s, len)?;
                        }
                        Instr::TableInit { table, elem, args } => {
                            let (d, s, len) = (
                                read!(args) as u32,
                                read!(args + 1) as u32,
                                read!(args + 2) as u32,
                            );
                            self.table_init(table, elem, d, s, len)?;
                        }
                        Instr::ElemDrop { elem } => self.dropped_elements[elem as usize] = true,
                        Instr::RefFunc { dst, func } => slot!(dst) = u64::from(func),
                    }
                };
            }
            for_each_numeric!(dispatch);
        }
    }

    fn call_import(
        &mut self,
        import: u32,
        stack: &mut [u64],
        base: usize,
        gas: &mut Gas,
        context: &mut dyn Any,
    ) -> Result<(), TrapKind> {
        let module = self.module.clone();
        let info = &module.imports[import as usize];
        match info.kind {
            ImportKind::Gas => {
                let amount = *stack.get(base).ok_or(TrapKind::StackExhausted)?;
                return gas.charge(amount);
            }
            ImportKind::StackExhausted => return Err(TrapKind::StackExhausted),
            ImportKind::Host { .. } => {}
        }
        let signature = &module.signatures[info.signature as usize];
        let (params, results) = (signature.params.len(), signature.results.len());
        let end = base + params.max(results);
        if end > stack.len() {
            return Err(TrapKind::StackExhausted);
        }
        let host: HostFunc = self.host_functions[import as usize]
            .clone()
            .ok_or(TrapKind::Host(u32::MAX))?;
        let args: Vec<u64> = stack[base..base + params].to_vec();
        let mut caller = Caller {
            memory: &mut self.memory,
            gas_left: &mut gas.left,
            context,
        };
        (host)(&mut caller, &args, &mut stack[base..base + results])
    }

    #[inline(always)]
    fn effective(&self, addr: u64, offset: u32, len: usize) -> Result<usize, TrapKind> {
        let start = (addr as u32 as u64) + u64::from(offset);
        let end = start + len as u64;
        if end > self.memory.len() as u64 {
            return Err(TrapKind::MemoryOutOfBounds);
        }
        Ok(start as usize)
    }

    #[inline(always)]
    fn load<const N: usize>(&self, addr: u64, offset: u32) -> Result<[u8; N], TrapKind> {
        let start = self.effective(addr, offset, N)?;
        let mut bytes = [0u8; N];
        bytes.copy_from_slice(&self.memory[start..start + N]);
        Ok(bytes)
    }

    #[inline(always)]
    fn store<const N: usize>(
        &mut self,
        addr: u64,
        offset: u32,
        bytes: [u8; N],
    ) -> Result<(), TrapKind> {
        let start = self.effective(addr, offset, N)?;
        self.memory[start..start + N].copy_from_slice(&bytes);
        Ok(())
    }

    /// `memory.grow`: the old size in pages, or -1 (as `u32`) beyond the
    /// maximum.
    pub(crate) fn memory_grow(&mut self, delta: u32) -> u32 {
        let old = self.memory_pages;
        let Some(new) = old.checked_add(delta) else {
            return u32::MAX;
        };
        if new > self.memory_max_pages {
            return u32::MAX;
        }
        self.memory.resize(new as usize * PAGE_SIZE, 0);
        self.memory_pages = new;
        old
    }

    fn memory_range(&self, start: u32, len: u32) -> Result<core::ops::Range<usize>, TrapKind> {
        let end = u64::from(start) + u64::from(len);
        if end > self.memory.len() as u64 {
            return Err(TrapKind::MemoryOutOfBounds);
        }
        Ok(start as usize..end as usize)
    }

    fn memory_fill(&mut self, dst: u32, value: u8, len: u32) -> Result<(), TrapKind> {
        let range = self.memory_range(dst, len)?;
        self.memory[range].fill(value);
        Ok(())
    }

    fn memory_copy(&mut self, dst: u32, src: u32, len: u32) -> Result<(), TrapKind> {
        let to = self.memory_range(dst, len)?;
        let from = self.memory_range(src, len)?;
        self.memory.copy_within(from, to.start);
        Ok(())
    }

    fn memory_init(&mut self, data: u32, dst: u32, src: u32, len: u32) -> Result<(), TrapKind> {
        let module = self.module.clone();
        let bytes: &[u8] = if self.dropped_data[data as usize] {
            &[]
        } else {
            &module.data[data as usize].bytes
        };
        let end = u64::from(src) + u64::from(len);
        if end > bytes.len() as u64 {
            return Err(TrapKind::MemoryOutOfBounds);
        }
        let to = self.memory_range(dst, len)?;
        self.memory[to].copy_from_slice(&bytes[src as usize..end as usize]);
        Ok(())
    }

    fn table_copy(
        &mut self,
        dst_table: u32,
        src_table: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> Result<(), TrapKind> {
        let src_len = self.tables[src_table as usize].elements.len() as u64;
        let dst_len = self.tables[dst_table as usize].elements.len() as u64;
        if u64::from(src) + u64::from(len) > src_len || u64::from(dst) + u64::from(len) > dst_len {
            return Err(TrapKind::TableOutOfBounds);
        }
        let (src, dst, len) = (src as usize, dst as usize, len as usize);
        if dst_table == src_table {
            self.tables[dst_table as usize]
                .elements
                .copy_within(src..src + len, dst);
        } else {
            let items: Vec<u64> = self.tables[src_table as usize].elements[src..src + len].to_vec();
            self.tables[dst_table as usize].elements[dst..dst + len].copy_from_slice(&items);
        }
        Ok(())
    }

    pub(crate) fn table_init(
        &mut self,
        table: u32,
        elem: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> Result<(), TrapKind> {
        let items = self.element_items(elem)?;
        let table_len = self.tables[table as usize].elements.len() as u64;
        if u64::from(src) + u64::from(len) > items.len() as u64
            || u64::from(dst) + u64::from(len) > table_len
        {
            return Err(TrapKind::TableOutOfBounds);
        }
        let (src, dst, len) = (src as usize, dst as usize, len as usize);
        self.tables[table as usize].elements[dst..dst + len]
            .copy_from_slice(&items[src..src + len]);
        Ok(())
    }
}

/// Sets up a callee's frame at `fp`: checks room, zeroes declared locals.
#[inline(always)]
fn enter(
    stack: &mut [u64],
    fp: usize,
    function: &super::compile::Function,
) -> Result<(), TrapKind> {
    let end = fp + function.frame_slots as usize;
    if end > stack.len() {
        return Err(TrapKind::StackExhausted);
    }
    stack[fp + function.params as usize..fp + function.locals as usize].fill(0);
    for local in &function.ref_locals {
        stack[fp + *local as usize] = REF_NULL;
    }
    Ok(())
}
