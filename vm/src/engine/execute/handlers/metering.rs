//! Handlers of the fused metering instructions: a gas charge of a
//! constant (`i64.const N; call $gas`) or of a computed amount, and the
//! instrumenter's stack prologue (`StackEnter`).
//!
//! A charge that exceeds the gas left traps with *out of gas* and leaves
//! none (code lowered for profiled calls records each charge first,
//! [`profiled_handler_of`]); the prologue adds the frame to the injected stack height and traps
//! with *stack exhausted* beyond [`STACK_LIMIT`], as the instrumented code
//! it replaces would.

use super::super::super::code::Instr;
use super::super::dispatch::{Flow, Handler, trap};
use super::super::macros::unreachable_unchecked;
use super::super::{Exec, Op};
use crate::limits::STACK_LIMIT;
use crate::trap::TrapKind;

/// The handler of a metering instruction, or `None` for another.
pub(super) fn handler_of(instr: &Instr) -> Option<Handler> {
    Some(match instr {
        Instr::ChargeGas(_) => handler!(Instr::ChargeGas(amount), |ip, fp, gas, mem, len, st| {
            if amount > gas {
                return trap(st, 0, TrapKind::OutOfGas);
            }
            next!(step!(ip), fp, gas - amount, mem, len, st)
        }),
        Instr::ChargeGasSlot(_) => {
            handler!(Instr::ChargeGasSlot(s), |ip, fp, gas, mem, len, st| {
                let amount = get!(fp, s);
                if amount > gas {
                    return trap(st, 0, TrapKind::OutOfGas);
                }
                next!(step!(ip), fp, gas - amount, mem, len, st)
            })
        }
        Instr::StackEnter { .. } => handler!(
            Instr::StackEnter {
                global,
                frame,
                local
            },
            |ip, fp, gas, mem, len, st| {
                let height_slot = &mut st.instance.globals[global as usize];
                let height = (*height_slot as u32).wrapping_add(frame);
                *height_slot = u64::from(height);
                set!(fp, local, u64::from(height));
                if height > STACK_LIMIT {
                    return trap(st, gas, TrapKind::StackExhausted);
                }
                next!(step!(ip), fp, gas, mem, len, st)
            }
        ),
        _ => return None,
    })
}

/// The handler of a charge in code lowered for profiled calls (see
/// [`crate::profile`]): records the charge (what it takes, all the gas left
/// when that is less), then charges as [`handler_of`]'s does; `None` for
/// another instruction.
pub(super) fn profiled_handler_of(instr: &Instr) -> Option<Handler> {
    Some(match instr {
        Instr::ChargeGas(_) => handler!(Instr::ChargeGas(amount), |ip, fp, gas, mem, len, st| {
            st.profile_charge(ip, amount.min(gas), false);
            if amount > gas {
                return trap(st, 0, TrapKind::OutOfGas);
            }
            next!(step!(ip), fp, gas - amount, mem, len, st)
        }),
        Instr::ChargeGasSlot(_) => {
            handler!(Instr::ChargeGasSlot(s), |ip, fp, gas, mem, len, st| {
                let amount = get!(fp, s);
                st.profile_charge(ip, amount.min(gas), true);
                if amount > gas {
                    return trap(st, 0, TrapKind::OutOfGas);
                }
                next!(step!(ip), fp, gas - amount, mem, len, st)
            })
        }
        _ => return None,
    })
}
