//! What a profiled call records (see [`crate::profile`]): each charge with
//! the wasm stack it was made in, read from the frame records, and the
//! frames of a host call.
//!
//! Only code lowered for profiled calls calls in here (its charge handlers,
//! and host calls when a profiler is present); the ordinary code never
//! does.

#![forbid(unsafe_code)]

use super::super::code::Instr;
use super::{Exec, Op};
use crate::profile::{Category, Profiler};

/// How far after a computed charge its operator may be: the instrumenter's
/// sequence ends `call $gas; local.get $n; OP`, compiled to at most a copy
/// between the charge and the operator.
const DYNAMIC_LOOKAHEAD: usize = 4;

impl Exec<'_> {
    /// The profile node of the stack at `ip`: the profiler's current
    /// stack, then the function of each frame record's return address,
    /// then `ip`'s. The nodes of the frame records are kept between
    /// charges ([`Profiling::levels`]) and found again only for the records
    /// that changed since, so a charge costs a comparison per frame and a
    /// lookup or two, not a walk of the call tree.
    fn profile_node(&mut self, ip: *const Op) -> Option<u32> {
        let code = self.code;
        let index_of = |ip: *const Op| (ip as usize).wrapping_sub(code as usize) / size_of::<Op>();
        let compiled = self.compiled;
        let function_at = |index: usize| {
            let defined = compiled
                .functions
                .partition_point(|f| f.entry as usize <= index)
                .saturating_sub(1);
            (compiled.imports.len() + defined) as u32
        };
        let profiling = self.profiler.as_mut()?;
        let profiler = &mut *profiling.profiler;
        let base = profiler.current();
        if profiling.base != base {
            profiling.levels.clear();
            profiling.base = base;
        }
        let mut parent = base;
        // Record 0 is the run's entry (its return address is the exit);
        // every later one was pushed by a call, from the caller's code.
        let records = self.frames.get(1..).unwrap_or(&[]);
        profiling.levels.truncate(records.len());
        for (level, record) in records.iter().enumerate() {
            if let Some((ip, node)) = profiling.levels.get(level)
                && *ip == record.return_ip
            {
                parent = *node;
                continue;
            }
            profiling.levels.truncate(level);
            let func = function_at(index_of(record.return_ip).wrapping_sub(1));
            let frame = profiler.wasm_frame(profiling.module, func);
            parent = profiler.child(parent, frame);
            profiling.levels.push((record.return_ip, parent));
        }
        let frame = profiler.wasm_frame(profiling.module, function_at(index_of(ip)));
        Some(profiler.child(parent, frame))
    }

    /// Records a charge of `amount` made at `ip`: a metered block's
    /// (`dynamic == false`), or a computed one, whose category is that of
    /// the operator it pays for.
    #[inline(never)]
    pub(super) fn profile_charge(&mut self, ip: *const Op, amount: u64, dynamic: bool) {
        let category = if dynamic {
            self.dynamic_category(ip)
        } else {
            Category::Instructions
        };
        if let Some(node) = self.profile_node(ip)
            && let Some(profiling) = self.profiler.as_mut()
        {
            profiling.profiler.record_at(node, category, amount);
        }
    }

    /// The category of a computed charge at `ip`: that of the first
    /// metered operator after it.
    fn dynamic_category(&self, ip: *const Op) -> Category {
        let index = (ip as usize).wrapping_sub(self.code as usize) / size_of::<Op>();
        let code = self.compiled.profiling_code();
        for at in index + 1..=index + DYNAMIC_LOOKAHEAD {
            match code.instr_at(at) {
                Some(Instr::MemoryGrow { .. } | Instr::TableGrow { .. }) => {
                    return Category::MemoryGrowth;
                }
                Some(
                    Instr::MemoryFill { .. }
                    | Instr::MemoryCopy { .. }
                    | Instr::MemoryInit { .. }
                    | Instr::TableFill { .. }
                    | Instr::TableCopy { .. }
                    | Instr::TableInit { .. },
                ) => return Category::BulkOperations,
                Some(Instr::ChargeGas(_) | Instr::ChargeGasSlot(_)) | None => break,
                Some(_) => {}
            }
        }
        Category::Instructions
    }

    /// Enters host function `name`, called at `ip`, in the profile: its
    /// frame goes on the profiler's stack, above the wasm stack. Returns
    /// what [`Exec::profile_leave_host`] needs: the depth to go back to,
    /// and the gas recorded and left before the call.
    pub(super) fn profile_enter_host(&mut self, ip: *const Op, name: &str) -> Option<HostEntry> {
        let node = self.profile_node(ip)?;
        let gas_left = self.gas_left;
        let profiler = &mut *self.profiler.as_mut()?.profiler;
        Some(HostEntry {
            depth: profiler.enter_host(node, name),
            recorded: profiler.total(),
            gas_left,
        })
    }

    /// Leaves a host call: whatever it charged that it did not record
    /// itself is recorded as [`Category::Host`] under its frame, so that
    /// the profile's total is the gas used whatever the host does.
    pub(super) fn profile_leave_host(&mut self, entry: HostEntry) {
        let charged = entry.gas_left.saturating_sub(self.gas_left);
        if let Some(profiling) = self.profiler.as_mut() {
            let profiler = &mut *profiling.profiler;
            let recorded = profiler.total().saturating_sub(entry.recorded);
            profiler.record(Category::Host, charged.saturating_sub(recorded));
            profiler.leave_host(entry.depth);
        }
    }
}

/// A profiled call's state: the profiler, the module's number in it, and
/// the profile nodes of the frame records at the last charge.
pub(crate) struct Profiling<'a> {
    pub profiler: &'a mut Profiler,
    pub module: u32,
    /// The profiler's node the run's stacks start from, when `levels` was
    /// made.
    pub base: u32,
    /// Per frame record above the entry: its return address and the node
    /// of the stack up to its caller.
    pub levels: Vec<(*const Op, u32)>,
}

/// A host call in progress in a profile.
pub(super) struct HostEntry {
    depth: usize,
    recorded: u64,
    gas_left: u64,
}
