//! Handlers of the instructions that move values: constants, copies
//! between slots (what `local.get`, `local.set` and `local.tee` become, when
//! the compiler cannot fold them away), and `global.get` and `global.set`.

use super::super::super::code::Instr;
use super::super::dispatch::{Flow, Handler};
use super::super::macros::unreachable_unchecked;
use super::super::{Exec, Op};

/// The handler of a constant, a copy or a global access, or `None` for
/// another instruction.
pub(super) fn handler_of(instr: &Instr) -> Option<Handler> {
    Some(match instr {
        Instr::Const { .. } => {
            handler!(Instr::Const { dst, value }, |ip, fp, gas, mem, len, st| {
                set!(fp, dst, value);
                next!(step!(ip), fp, gas, mem, len, st)
            })
        }
        Instr::Copy { .. } => handler!(Instr::Copy { dst, src }, |ip, fp, gas, mem, len, st| {
            set!(fp, dst, get!(fp, src));
            next!(step!(ip), fp, gas, mem, len, st)
        }),
        Instr::CopySpan { .. } => handler!(
            Instr::CopySpan { dst, src, n },
            |ip, fp, gas, mem, len, st| {
                // SAFETY: both runs of `n` slots are below the frame's size
                // (FRAME INVARIANT: the verifier's rule "a slot is below its
                // frame's size (consecutive operands)"); `copy` allows them
                // to overlap.
                unsafe { std::ptr::copy(fp.add(src as usize), fp.add(dst as usize), n as usize) };
                next!(step!(ip), fp, gas, mem, len, st)
            }
        ),
        Instr::Copy2 { .. } => handler!(
            Instr::Copy2 {
                dst,
                src,
                dst2,
                src2
            },
            |ip, fp, gas, mem, len, st| {
                set!(fp, dst, get!(fp, src));
                set!(fp, dst2, get!(fp, src2));
                next!(step!(ip), fp, gas, mem, len, st)
            }
        ),
        Instr::ConstSpan { .. } => handler!(
            Instr::ConstSpan { dst, first, n },
            |ip, fp, gas, mem, len, st| {
                // SAFETY: the `n` slots from `dst` are below the frame's
                // size and the `n` constants from `first` inside the
                // module's (FRAME INVARIANT; the verifier's rules "a slot
                // is below its frame's size (consecutive operands)" and "a
                // run of constants lies inside the module's constants");
                // the constants are not in the value stack.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        st.compiled.constants.as_ptr().add(first as usize),
                        fp.add(dst as usize),
                        n as usize,
                    )
                };
                next!(step!(ip), fp, gas, mem, len, st)
            }
        ),
        Instr::GlobalGet { .. } => handler!(
            Instr::GlobalGet { dst, global },
            |ip, fp, gas, mem, len, st| {
                set!(fp, dst, st.instance.globals[global as usize]);
                next!(step!(ip), fp, gas, mem, len, st)
            }
        ),
        Instr::GlobalSet { .. } => handler!(
            Instr::GlobalSet { src, global },
            |ip, fp, gas, mem, len, st| {
                st.instance.globals[global as usize] = get!(fp, src);
                next!(step!(ip), fp, gas, mem, len, st)
            }
        ),
        _ => return None,
    })
}
