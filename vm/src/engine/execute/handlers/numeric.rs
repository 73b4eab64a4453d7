//! Handlers of the integer instructions: arithmetic, bitwise, shifts and
//! rotations, comparisons, tests and conversions, binary ones with a
//! constant right operand among them (`I32AddImm`...).
//!
//! Generated from the engine's numeric list (`for_each_numeric!`, in
//! `code.rs`), which gives each instruction's semantics once: `dst = a op
//! b`, which may trap (division), or `dst = op a`.

use super::super::super::code::{FromSlot, Instr, REF_NULL, ToSlot};
use super::super::dispatch::{Flow, Handler, trap};
use super::super::macros::unreachable_unchecked;
use super::super::{Exec, Op};
use crate::trap::TrapKind;

/// The handler of a numeric instruction, or `None` for another.
pub(super) fn handler_of(instr: &Instr) -> Option<Handler> {
    macro_rules! handlers {
        (
            binops { $( $bin:ident $(/ $binimm:ident)? ($ba:ident: $bta:ty, $bb:ident: $btb:ty) -> $btr:ty $bbody:block )* }
            unops { $( $un:ident($ua:ident: $uta:ty) -> $utr:ty $ubody:block )* }
            loads { $( $loads:tt )* }
            branches { $( $branches:tt )* }
            stores { $( $stores:tt )* }
        ) => {
            Some(match instr {
                $(
                    Instr::$bin { .. } => handler!(Instr::$bin { dst, a, b }, |ip, fp, gas, mem, len, st| {
                        let $ba = <$bta>::from_slot(get!(fp, a));
                        let $bb = <$btb>::from_slot(get!(fp, b));
                        let result: Result<$btr, TrapKind> = $bbody;
                        set!(fp, dst, trap_on_err!(st, gas, result).to_slot());
                        next!(step!(ip), fp, gas, mem, len, st)
                    }),
                )*
                $( $(
                    Instr::$binimm { .. } => handler!(Instr::$binimm { dst, a, imm }, |ip, fp, gas, mem, len, st| {
                        let $ba = <$bta>::from_slot(get!(fp, a));
                        let $bb = <$btb>::from_slot(imm as i64 as u64);
                        let result: Result<$btr, TrapKind> = $bbody;
                        set!(fp, dst, trap_on_err!(st, gas, result).to_slot());
                        next!(step!(ip), fp, gas, mem, len, st)
                    }),
                )? )*
                $(
                    Instr::$un { .. } => handler!(Instr::$un { dst, a }, |ip, fp, gas, mem, len, st| {
                        let $ua = <$uta>::from_slot(get!(fp, a));
                        let result: $utr = $ubody;
                        set!(fp, dst, result.to_slot());
                        next!(step!(ip), fp, gas, mem, len, st)
                    }),
                )*
                _ => return None,
            })
        };
    }
    for_each_numeric!(handlers)
}
