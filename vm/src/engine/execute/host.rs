//! Calls of imports: the metering imports, which the engine implements,
//! and host functions, which see the instance through a [`Caller`].
//!
//! A host call leaves the handler chain (it is `#[inline(never)]`, off the
//! handlers' fast paths) and runs safe code only: the import's arguments
//! and results are lent to it by [`Exec::import_slots`] (in `frames.rs`),
//! and the gas left goes through [`Gas`].

#![forbid(unsafe_code)]

use super::super::code::Slot;
use super::super::compile::ImportKind;
use super::super::{Binding, Caller, HostFunc};
use super::{Exec, Gas, Op};
use crate::trap::TrapKind;

impl Exec<'_> {
    /// Calls import `import` with its arguments and results at `fp + base`,
    /// from the call at `ip`; the gas left is in `self.gas_left` before and
    /// after.
    #[inline(never)]
    pub(super) fn call_import(
        &mut self,
        import: u32,
        ip: *const Op,
        fp: *mut u64,
        base: Slot,
    ) -> Result<(), TrapKind> {
        let compiled = self.compiled;
        let signature = &compiled.signatures[compiled.imports[import as usize].signature as usize];
        let host: HostFunc = match &self.instance.imports[import as usize] {
            Binding::Gas => {
                let amount = self.import_slots(fp, base, 1)?[0];
                self.profile_charge(ip, amount.min(self.gas_left), false);
                let mut gas = Gas {
                    left: self.gas_left,
                };
                let result = gas.charge(amount);
                self.gas_left = gas.left;
                return result;
            }
            Binding::StackExhausted => return Err(TrapKind::StackExhausted),
            Binding::Host(host) => host.clone(),
        };
        let (params, results) = (signature.params.len(), signature.results.len());
        let slots = self.import_slots(fp, base, params.max(results))?;
        // Arguments are copied out, since results overwrite them: onto the
        // native stack when few (every manifest function), else onto the
        // heap.
        let mut few = [0u64; 16];
        let many: Vec<u64>;
        let args: &[u64] = if params <= few.len() {
            few[..params].copy_from_slice(&slots[..params]);
            &few[..params]
        } else {
            many = slots[..params].to_vec();
            &many
        };
        let results = &mut slots[..results];
        results.fill(0);
        let profiled = match &self.profiler {
            None => None,
            Some(_) => {
                let name = match &compiled.imports[import as usize].kind {
                    ImportKind::Host { name, .. } => name.as_str(),
                    ImportKind::Gas | ImportKind::StackExhausted => "",
                };
                self.profile_enter_host(ip, name)
            }
        };
        let mut gas = Gas {
            left: self.gas_left,
        };
        let mut caller = Caller {
            memory: &mut self.instance.memory,
            gas_left: &mut gas.left,
            context: &mut *self.context,
            profiler: self
                .profiler
                .as_mut()
                .map(|profiling| &mut *profiling.profiler),
        };
        let result = host(&mut caller, args, results);
        self.gas_left = gas.left;
        if let Some(entry) = profiled {
            self.profile_leave_host(entry);
        }
        result
    }
}
