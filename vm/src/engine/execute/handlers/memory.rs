//! Handlers of the memory instructions: loads and stores (generated from
//! the engine's numeric list, `for_each_numeric!`), `memory.size`,
//! `memory.grow` and the bulk memory instructions (`memory.fill`,
//! `memory.copy`, `memory.init`, `data.drop`).
//!
//! A load or store checks its address against the memory's length, held in
//! a register (`effective!`), and then reads or writes without a check;
//! every handler that may move or resize the memory reloads its base and
//! length afterwards (MEMORY INVARIANT). The bulk operations themselves are
//! safe code, in `bulk.rs`.

use super::super::super::code::{Instr, ToSlot};
use super::super::dispatch::{Flow, Handler, trap};
use super::super::macros::unreachable_unchecked;
use super::super::{Exec, Op};
use crate::trap::TrapKind;

/// The handler of a memory instruction, or `None` for another.
pub(super) fn handler_of(instr: &Instr) -> Option<Handler> {
    access_handler_of(instr).or_else(|| memory_handler_of(instr))
}

/// The handler of a load or a store.
fn access_handler_of(instr: &Instr) -> Option<Handler> {
    macro_rules! handlers {
        (
            binops { $( $binops:tt )* }
            unops { $( $unops:tt )* }
            loads { $( $load:ident($lbytes:literal, $lraw:ty => $lty:ty) )* }
            branches { $( $branches:tt )* }
            stores { $( $store:ident($sbytes:literal, $sty:ty) )* }
        ) => {
            Some(match instr {
                $(
                    Instr::$load { .. } => handler!(Instr::$load { dst, addr, offset }, |ip, fp, gas, mem, len, st| {
                        let at = effective!(st, gas, mem, len, get!(fp, addr), offset, $lbytes);
                        // SAFETY: `$lbytes` bytes at `at` are inside the memory
                        // (checked by `effective!`); unaligned reads are allowed.
                        let bytes = unsafe { (at as *const [u8; $lbytes]).read_unaligned() };
                        set!(fp, dst, (<$lraw>::from_le_bytes(bytes) as $lty).to_slot());
                        next!(step!(ip), fp, gas, mem, len, st)
                    }),
                )*
                $(
                    Instr::$store { .. } => handler!(Instr::$store { addr, value, offset }, |ip, fp, gas, mem, len, st| {
                        let at = effective!(st, gas, mem, len, get!(fp, addr), offset, $sbytes);
                        let bytes = (get!(fp, value) as $sty).to_le_bytes();
                        // SAFETY: `$sbytes` bytes at `at` are inside the memory
                        // (checked by `effective!`); unaligned writes are allowed.
                        unsafe { (at as *mut [u8; $sbytes]).write_unaligned(bytes) };
                        next!(step!(ip), fp, gas, mem, len, st)
                    }),
                )*
                _ => return None,
            })
        };
    }
    for_each_numeric!(handlers)
}

/// The handler of `memory.size`, `memory.grow` or a bulk memory instruction.
fn memory_handler_of(instr: &Instr) -> Option<Handler> {
    Some(match instr {
        Instr::MemorySize { .. } => {
            handler!(Instr::MemorySize { dst }, |ip, fp, gas, mem, len, st| {
                set!(fp, dst, u64::from(st.instance.memory_pages));
                next!(step!(ip), fp, gas, mem, len, st)
            })
        }
        Instr::MemoryGrow { .. } => handler!(
            Instr::MemoryGrow { dst, delta },
            |ip, fp, gas, mem, len, st| {
                let old = st.instance.memory_grow(get!(fp, delta) as u32);
                set!(fp, dst, u64::from(old));
                let (mem, len) = st.memory();
                next!(step!(ip), fp, gas, mem, len, st)
            }
        ),
        Instr::MemoryFill { .. } => {
            handler!(Instr::MemoryFill { args }, |ip, fp, gas, mem, len, st| {
                let (dst, value, n) = (get!(fp, args), get!(fp, args + 1), get!(fp, args + 2));
                trap_on_err!(
                    st,
                    gas,
                    st.instance.memory_fill(dst as u32, value as u8, n as u32)
                );
                // The bulk operation borrowed the memory anew (MEMORY INVARIANT).
                let (mem, len) = st.memory();
                next!(step!(ip), fp, gas, mem, len, st)
            })
        }
        Instr::MemoryCopy { .. } => {
            handler!(Instr::MemoryCopy { args }, |ip, fp, gas, mem, len, st| {
                let (dst, src, n) = (get!(fp, args), get!(fp, args + 1), get!(fp, args + 2));
                trap_on_err!(
                    st,
                    gas,
                    st.instance.memory_copy(dst as u32, src as u32, n as u32)
                );
                // The bulk operation borrowed the memory anew (MEMORY INVARIANT).
                let (mem, len) = st.memory();
                next!(step!(ip), fp, gas, mem, len, st)
            })
        }
        Instr::MemoryInit { .. } => handler!(
            Instr::MemoryInit { data, args },
            |ip, fp, gas, mem, len, st| {
                let (dst, src, n) = (get!(fp, args), get!(fp, args + 1), get!(fp, args + 2));
                trap_on_err!(
                    st,
                    gas,
                    st.instance
                        .memory_init(data, dst as u32, src as u32, n as u32)
                );
                // The bulk operation borrowed the memory anew (MEMORY INVARIANT).
                let (mem, len) = st.memory();
                next!(step!(ip), fp, gas, mem, len, st)
            }
        ),
        Instr::DataDrop { .. } => {
            handler!(Instr::DataDrop { data }, |ip, fp, gas, mem, len, st| {
                st.instance.dropped_data[data as usize] = true;
                next!(step!(ip), fp, gas, mem, len, st)
            })
        }
        _ => return None,
    })
}
