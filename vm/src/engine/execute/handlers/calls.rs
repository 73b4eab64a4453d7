//! Handlers of the calls: direct (`call`), through a table
//! (`call_indirect`) and of an import (`CallHost`).
//!
//! A call of a defined function pushes a frame record and moves the frame
//! pointer ([`Exec::push_frame`], in `frames.rs`); nothing recurses
//! natively. A direct call whose callee begins with a gas charge makes it
//! itself ([`Fuse`]). Calls of imports leave the handler chain for
//! [`Exec::call_import`] (in `host.rs`) and reload the memory afterwards.

use super::super::super::code::{Instr, REF_NULL};
use super::super::dispatch::{Flow, Handler, trap};
use super::super::macros::unreachable_unchecked;
use super::super::{Exec, Fuse, Op};
use crate::trap::TrapKind;

/// The handler of a call, or `None` for another instruction.
pub(super) fn handler_of(instr: &Instr, fuse: Fuse) -> Option<Handler> {
    Some(match instr {
        Instr::Call { .. } => {
            /// A direct call; with `CHARGE`, it also makes the charge that
            /// begins the callee (its entry block's), as a branch does.
            fn handler<const CHARGE: bool>(
                ip: *const Op,
                fp: *mut u64,
                gas: u64,
                mem: *mut u8,
                len: u64,
                st: &mut Exec<'_>,
            ) -> Flow {
                // SAFETY: `ip` is an op of the module (CODE INVARIANT).
                let Instr::Call { func, base } = (unsafe { (*ip).instr }) else {
                    // SAFETY: the verifier (`Op::lowered`) pairs each
                    // instruction with the handler of its variant.
                    unsafe { unreachable_unchecked() }
                };
                let callee_fp = trap_on_err!(st, gas, st.push_frame(step!(ip), fp, base, func));
                let entry = at!(st, st.compiled.functions[func as usize].entry);
                if CHARGE {
                    charged_next!(entry, callee_fp, gas, mem, len, st)
                }
                next!(entry, callee_fp, gas, mem, len, st)
            }
            if fuse.taken {
                handler::<true>
            } else {
                handler::<false>
            }
        }
        Instr::CallIndirect { .. } => handler!(
            Instr::CallIndirect {
                ty,
                table,
                index,
                base
            },
            |ip, fp, gas, mem, len, st| {
                let callee = trap_on_err!(
                    st,
                    gas,
                    st.resolve_indirect(ty, u32::from(table), get!(fp, index))
                );
                let imported = st.compiled.imports.len() as u32;
                if callee < imported {
                    st.gas_left = gas;
                    if let Err(kind) = st.call_import(callee, ip, fp, base) {
                        let gas = st.gas_left;
                        return trap(st, gas, kind);
                    }
                    let (mem, len) = st.memory();
                    next!(step!(ip), fp, st.gas_left, mem, len, st)
                }
                let func = callee - imported;
                let callee_fp = trap_on_err!(st, gas, st.push_frame(step!(ip), fp, base, func));
                let entry = st.compiled.functions[func as usize].entry;
                next!(at!(st, entry), callee_fp, gas, mem, len, st)
            }
        ),
        Instr::CallHost { .. } => handler!(
            Instr::CallHost { import, base },
            |ip, fp, gas, mem, len, st| {
                st.gas_left = gas;
                if let Err(kind) = st.call_import(import, ip, fp, base) {
                    let gas = st.gas_left;
                    return trap(st, gas, kind);
                }
                let (mem, len) = st.memory();
                next!(step!(ip), fp, st.gas_left, mem, len, st)
            }
        ),
        _ => return None,
    })
}

impl Exec<'_> {
    /// The function index a `call_indirect` reaches, with its checks.
    #[inline(never)]
    fn resolve_indirect(&self, ty: u32, table: u32, index: u64) -> Result<u32, TrapKind> {
        let entry = self.instance.tables[table as usize]
            .elements
            .get(index as u32 as usize)
            .copied()
            .ok_or(TrapKind::TableOutOfBounds)?;
        if entry == REF_NULL {
            return Err(TrapKind::IndirectCallToNull);
        }
        let callee = entry as u32;
        if self.compiled.function_signature(callee) != Some(ty) {
            return Err(TrapKind::IndirectCallTypeMismatch);
        }
        Ok(callee)
    }
}
