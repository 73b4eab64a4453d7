//! The instruction handlers, one file per family of instructions (as
//! wasmi's executor keeps its handlers by category).
//!
//! Each family gives the handler of the variants it runs, or `None`;
//! [`handler_of`], called by the verifier as it lowers each op, asks them
//! in turn. The numeric instructions (arithmetic, loads and stores,
//! compare-and-branch) have their handlers generated from the engine's
//! numeric list (`for_each_numeric!`), from which the instruction set and
//! the compiler's translation are generated too; the others are written
//! out.
//!
//! Handlers access frame slots, ops and memory through the executor's
//! macros (`macros.rs`), whose `unsafe` blocks, with their `// SAFETY:`
//! comments, are expanded here: the lint sees them in these files, hence
//! the allowance below. The handlers' own `unsafe` is the loads' and
//! stores' access to memory (`memory.rs`), after `effective!` has checked
//! the address, and the direct call's reading of its instruction
//! (`calls.rs`), each with its `// SAFETY:` comment.

#![allow(unsafe_code)]

mod calls;
mod control;
mod memory;
mod metering;
mod numeric;
mod table;
mod variables;

use super::super::code::Instr;
use super::Fuse;
use super::dispatch::{Handler, unreachable_op};

/// The handler of `instr`'s variant (with the charges `fuse` asks for, for
/// branches and direct calls).
pub(super) fn handler_of(instr: &Instr, fuse: Fuse) -> Handler {
    numeric::handler_of(instr)
        .or_else(|| memory::handler_of(instr))
        .or_else(|| control::handler_of(instr, fuse))
        .or_else(|| variables::handler_of(instr))
        .or_else(|| calls::handler_of(instr, fuse))
        .or_else(|| metering::handler_of(instr))
        .or_else(|| table::handler_of(instr))
        // Every variant has its handler in one of the families.
        .unwrap_or(unreachable_op)
}

/// The handler of `instr`'s variant in code lowered for profiled calls:
/// charges record themselves, and no branch or call makes its
/// destination's charge (the charge op there makes it).
pub(super) fn profiled_handler_of(instr: &Instr) -> Handler {
    metering::profiled_handler_of(instr).unwrap_or_else(|| handler_of(instr, Fuse::default()))
}
