//! Handlers of the table instructions (`table.get`, `table.set`,
//! `table.size`, `table.grow`, `table.fill`, `table.copy`, `table.init`,
//! `elem.drop`) and of `ref.func`.
//!
//! Table accesses stay bounds-checked; the bulk operations are safe code,
//! in `bulk.rs` and on the table itself.

use super::super::super::code::Instr;
use super::super::dispatch::{Flow, Handler, trap};
use super::super::macros::unreachable_unchecked;
use super::super::{Exec, Op};
use crate::trap::TrapKind;

/// The handler of a table instruction or `ref.func`, or `None` for
/// another instruction.
pub(super) fn handler_of(instr: &Instr) -> Option<Handler> {
    Some(match instr {
        Instr::TableGet { .. } => handler!(
            Instr::TableGet { table, dst, index },
            |ip, fp, gas, mem, len, st| {
                let i = get!(fp, index) as u32 as usize;
                let value = st.instance.tables[table as usize].elements.get(i).copied();
                set!(
                    fp,
                    dst,
                    trap_on_err!(st, gas, value.ok_or(TrapKind::TableOutOfBounds))
                );
                next!(step!(ip), fp, gas, mem, len, st)
            }
        ),
        Instr::TableSet { .. } => handler!(
            Instr::TableSet { table, args },
            |ip, fp, gas, mem, len, st| {
                let (i, value) = (get!(fp, args) as u32 as usize, get!(fp, args + 1));
                match st.instance.tables[table as usize].elements.get_mut(i) {
                    Some(element) => *element = value,
                    None => return trap(st, gas, TrapKind::TableOutOfBounds),
                }
                next!(step!(ip), fp, gas, mem, len, st)
            }
        ),
        Instr::TableSize { .. } => handler!(
            Instr::TableSize { table, dst },
            |ip, fp, gas, mem, len, st| {
                set!(
                    fp,
                    dst,
                    st.instance.tables[table as usize].elements.len() as u64
                );
                next!(step!(ip), fp, gas, mem, len, st)
            }
        ),
        Instr::TableGrow { .. } => handler!(
            Instr::TableGrow { table, args },
            |ip, fp, gas, mem, len, st| {
                let (init, delta) = (get!(fp, args), get!(fp, args + 1) as u32);
                set!(
                    fp,
                    args,
                    u64::from(st.instance.tables[table as usize].grow(delta, init))
                );
                next!(step!(ip), fp, gas, mem, len, st)
            }
        ),
        Instr::TableFill { .. } => handler!(
            Instr::TableFill { table, args },
            |ip, fp, gas, mem, len, st| {
                let (i, value, n) = (
                    get!(fp, args) as u32,
                    get!(fp, args + 1),
                    get!(fp, args + 2) as u32,
                );
                trap_on_err!(
                    st,
                    gas,
                    st.instance.tables[table as usize].fill(i, value, n)
                );
                next!(step!(ip), fp, gas, mem, len, st)
            }
        ),
        Instr::TableCopy { .. } => handler!(
            Instr::TableCopy {
                dst_table,
                src_table,
                args
            },
            |ip, fp, gas, mem, len, st| {
                let (d, s, n) = (
                    get!(fp, args) as u32,
                    get!(fp, args + 1) as u32,
                    get!(fp, args + 2) as u32,
                );
                trap_on_err!(
                    st,
                    gas,
                    st.instance.table_copy(dst_table, src_table, d, s, n)
                );
                next!(step!(ip), fp, gas, mem, len, st)
            }
        ),
        Instr::TableInit { .. } => handler!(
            Instr::TableInit { table, elem, args },
            |ip, fp, gas, mem, len, st| {
                let (d, s, n) = (
                    get!(fp, args) as u32,
                    get!(fp, args + 1) as u32,
                    get!(fp, args + 2) as u32,
                );
                trap_on_err!(st, gas, st.instance.table_init(table, elem, d, s, n));
                next!(step!(ip), fp, gas, mem, len, st)
            }
        ),
        Instr::ElemDrop { .. } => {
            handler!(Instr::ElemDrop { elem }, |ip, fp, gas, mem, len, st| {
                st.instance.dropped_elements[elem as usize] = true;
                next!(step!(ip), fp, gas, mem, len, st)
            })
        }
        Instr::RefFunc { .. } => {
            handler!(Instr::RefFunc { dst, func }, |ip, fp, gas, mem, len, st| {
                set!(fp, dst, u64::from(func));
                next!(step!(ip), fp, gas, mem, len, st)
            })
        }
        _ => return None,
    })
}
