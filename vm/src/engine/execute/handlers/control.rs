//! Handlers of the control instructions: branches (unconditional, on a
//! condition, compare-and-branch, `br_table`), `select`, `return` and
//! traps.
//!
//! A branch (`branch_handler!`) has four handlers, by whether its target
//! and its next op begin with a gas charge that it makes itself
//! ([`Fuse`]). The compare-and-branch instructions are generated from the
//! engine's numeric list (`for_each_numeric!`).

use super::super::super::code::{FromSlot, Instr};
use super::super::dispatch::{Flow, Handler, trap};
use super::super::macros::unreachable_unchecked;
use super::super::{Exec, Fuse, Op};
use crate::trap::TrapKind;

/// The handler of a control instruction, or `None` for another.
pub(super) fn handler_of(instr: &Instr, fuse: Fuse) -> Option<Handler> {
    compare_branch_handler_of(instr, fuse).or_else(|| control_handler_of(instr, fuse))
}

/// The handler of a compare-and-branch instruction.
fn compare_branch_handler_of(instr: &Instr, fuse: Fuse) -> Option<Handler> {
    macro_rules! handlers {
        (
            binops { $( $binops:tt )* }
            unops { $( $unops:tt )* }
            loads { $( $loads:tt )* }
            branches { $( $branch:ident = $cmp:ident($cty:ty, $cop:tt) else $inverse:ident )* }
            stores { $( $stores:tt )* }
        ) => {
            Some(match instr {
                $(
                    Instr::$branch { .. } => branch_handler!(
                        fuse,
                        Instr::$branch { a, b, target },
                        |ip, fp, gas, mem, len, st, target|
                            <$cty>::from_slot(get!(fp, a)) $cop <$cty>::from_slot(get!(fp, b))
                    ),
                )*
                _ => return None,
            })
        };
    }
    for_each_numeric!(handlers)
}

/// The handler of a branch, `select`, `return` or a trap.
fn control_handler_of(instr: &Instr, fuse: Fuse) -> Option<Handler> {
    Some(match instr {
        Instr::Br(_) => branch_handler!(
            fuse,
            Instr::Br(target),
            |ip, fp, gas, mem, len, st, target| true
        ),
        Instr::BrIfNez { .. } => branch_handler!(
            fuse,
            Instr::BrIfNez { cond, target },
            |ip, fp, gas, mem, len, st, target| get!(fp, cond) as u32 != 0
        ),
        Instr::BrIfEqz { .. } => branch_handler!(
            fuse,
            Instr::BrIfEqz { cond, target },
            |ip, fp, gas, mem, len, st, target| get!(fp, cond) as u32 == 0
        ),
        Instr::BrTable { .. } => handler!(
            Instr::BrTable {
                index,
                first,
                len: count
            },
            |ip, fp, gas, mem, len, st| {
                let i = (get!(fp, index) as u32).min(count);
                let target = st.compiled.br_tables[(first + i) as usize];
                next!(at!(st, target), fp, gas, mem, len, st)
            }
        ),
        Instr::Select { .. } => handler!(
            Instr::Select { dst, a, b, cond },
            |ip, fp, gas, mem, len, st| {
                let value = if get!(fp, cond) as u32 != 0 {
                    get!(fp, a)
                } else {
                    get!(fp, b)
                };
                set!(fp, dst, value);
                next!(step!(ip), fp, gas, mem, len, st)
            }
        ),
        Instr::SelectIfZero { .. } => handler!(
            Instr::SelectIfZero { dst, b, cond },
            |ip, fp, gas, mem, len, st| {
                if get!(fp, cond) as u32 == 0 {
                    set!(fp, dst, get!(fp, b));
                }
                next!(step!(ip), fp, gas, mem, len, st)
            }
        ),
        Instr::Return => handler!(Instr::Return, |ip, fp, gas, mem, len, st| {
            // The entry frame returns to `EXIT`, so a frame is always there.
            let Some(frame) = st.frames.pop() else {
                return trap(st, gas, TrapKind::Unreachable);
            };
            next!(frame.return_ip, frame.fp, gas, mem, len, st)
        }),
        Instr::Trap(_) => handler!(Instr::Trap(kind), |ip, fp, gas, mem, len, st| {
            trap(st, gas, kind)
        }),
        _ => return None,
    })
}
