//! The executor: runs internal code on the engine's own stacks.
//!
//! **Threaded code.** Compiled code is lowered by the verifier
//! ([`super::verify::verify`]) into [`Op`]s, each
//! an instruction paired with the address of its handler, the function that
//! runs it. Every handler ends by calling the handler of the next
//! instruction in tail position, so each instruction has its own indirect
//! jump, which the branch predictor learns separately (a shared `match` loop
//! funnels every instruction through one jump and predicts poorly), and the
//! machine state lives in registers: the handler arguments are the
//! instruction pointer, the frame pointer, the gas left, and the linear
//! memory's base and length; the rest is behind the [`Exec`] pointer. The
//! tail calls are sibling calls, which LLVM makes jumps in optimised builds
//! (the workspace's dev profile optimises this crate too, see the root
//! `Cargo.toml`), so the native stack does not grow per instruction; the
//! test `threaded_dispatch_keeps_the_native_stack_flat`, the spec and
//! differential suites (after every call that returns) and
//! `tests/engine_executor.rs` (every handler kind, returns and traps) check
//! it. Builds that cannot rely on that (unoptimised or debug builds, chosen
//! by the build script; the fuzzer's, with coverage instrumentation, by the
//! `portable-dispatch` feature) get the dispatch loop: each handler returns
//! the next op to a loop in [`run`](dispatch::run) instead, with the same
//! handler bodies.
//!
//! Calls push a frame record on the frame stack and move the frame pointer
//! within the value stack; nothing recurses natively per WebAssembly call, so
//! the deterministic stack limit injected by the instrumenter is the limit
//! that decides. The executor's own capacities (value slots, frames) are set
//! above anything an instrumented module can reach, and trap with *stack
//! exhausted* too when a module that was not instrumented exceeds them.
//!
//! Safety: the VM's only `unsafe` is here, for unchecked access to frame
//! slots, to instructions and to linear memory after its bounds check, each
//! with its invariant stated at the site. (The one other place in the
//! workspace is the contract SDK, which runs inside contracts, not in a
//! node: `contract-sdk/src/sys.rs` declares the host imports, which Rust
//! calls through `unsafe extern`, and `contract-sdk/src/heap.rs` implements
//! the contract's global allocator, an `unsafe impl GlobalAlloc`.) The
//! invariants on code and frames are the verifier's rules
//! (`verify::verify`, which refuses code that breaks one), not promises of
//! the compiler. Frame room is checked once per call (`enter`); memory
//! accesses are checked against the length held in a register, which every
//! handler that can change the memory reloads; table and global accesses
//! stay checked. Within the executor, `unsafe` is allowed in three files and
//! one folder: `macros.rs` (the unchecked accesses the handlers are written
//! with), `dispatch.rs` (reading an op's handler), `frames.rs` (a new
//! frame's locals, an import's slots) and `handlers/` (where the macros
//! expand, and where loads and stores access memory). `bulk.rs`, `host.rs`,
//! `stack.rs` and `gas.rs` forbid it; this file denies it, as the rest of
//! the crate does.
//!
//! **Which dispatch.** The threaded dispatch needs tail calls that only
//! optimised code makes jumps; the build script (`vm/build.rs`) chooses it
//! only for opt-level 2 or 3 without debug assertions, and otherwise the
//! dispatch loop (the `portable-dispatch` feature forces the loop). So an
//! embedder's debug build of the VM (opt-level 0, debug assertions) runs
//! the loop and keeps a flat native stack; [`super::dispatch`] says which
//! a build has. Setting `-C opt-level=0` through `RUSTFLAGS` alone (without
//! the profile) is not seen by the build script: use the profile, or the
//! feature.
//!
//! **Files**, one per part (as wasmi splits its `engine/executor`):
//!
//! - this file: the op (an instruction with its handler), the execution
//!   state behind the [`Exec`] pointer, and the invariants the `unsafe`
//!   code relies on;
//! - `dispatch.rs`: the two dispatch backends and how a run ends;
//! - `macros.rs`: the unchecked accesses the handlers are written with;
//! - `handlers/`: the handlers, one file per family of instructions
//!   (numeric, memory, table, control, calls, variables, metering);
//! - `frames.rs`: entering a run, pushing a call's frame, an import's slots;
//! - `host.rs`: calls of imports (host functions, the metering imports);
//! - `bulk.rs`: the bulk memory and table operations, with their bounds
//!   checks;
//! - `stack.rs`: the value stacks, pooled per thread;
//! - `gas.rs`: a call's gas accounting;
//! - `profile.rs`: what a profiled call records (see [`crate::profile`]).

#[macro_use]
mod macros;
mod bulk;
mod dispatch;
mod frames;
mod gas;
mod handlers;
mod host;
mod profile;
mod stack;

use std::any::Any;

use super::Instance;
use super::code::Instr;
use super::compile::Compiled;
use dispatch::{Handler, unreachable_op};
use handlers::{handler_of, profiled_handler_of};

pub(crate) use bulk::grow_within;
pub(crate) use dispatch::dispatch;
pub(crate) use gas::Gas;
pub(crate) use stack::{ValueStack, stack_capacity};

/// An executable instruction: the instruction with its handler.
///
/// The compiler emits ops without a handler ([`Op::new`]: one that traps)
/// and edits their instructions as it fuses them; only the verifier gives
/// ops their handlers ([`super::verify::verify`], through [`Op::lowered`]),
/// from instructions it has checked, in place, in the same buffer. Once
/// verified, ops live in [`super::verify::Code`], which lends them out
/// read-only: nothing changes an op after verification, and its handler
/// relies on its variant. After lowering, branch targets are relative to
/// the op's own position (two's complement in the `u32` target field);
/// `br_table` entries and call entries are absolute.
#[derive(Clone, Copy)]
pub(crate) struct Op {
    handler: Handler,
    instr: Instr,
}

impl Op {
    /// An op for `instr`, not verified yet: its handler traps.
    pub(super) fn new(instr: Instr) -> Op {
        Op {
            handler: unreachable_op,
            instr,
        }
    }

    /// The op running `instr` (lowered: branch targets relative), with
    /// the handler of its variant that makes the charges `fuse` says its
    /// destinations begin with.
    pub(super) fn lowered(instr: Instr, fuse: Fuse) -> Op {
        Op {
            handler: handler_of(&instr, fuse),
            instr,
        }
    }

    /// The same instruction with the handler that code lowered for
    /// profiled calls runs (see [`crate::profile`]). Valid for every
    /// verified op: a handler without fusion is right for any destination,
    /// fusion being only the verifier's optimisation.
    pub(super) fn profiled(&self) -> Op {
        Op {
            handler: profiled_handler_of(&self.instr),
            instr: self.instr,
        }
    }

    /// The instruction.
    pub(super) fn instr(&self) -> Instr {
        self.instr
    }

    /// The instruction, by reference.
    pub(super) fn instr_ref(&self) -> &Instr {
        &self.instr
    }

    /// The instruction, for the compiler to edit before verification (an
    /// op in [`super::verify::Code`] cannot be reached mutably).
    pub(super) fn instr_mut(&mut self) -> &mut Instr {
        &mut self.instr
    }
}

impl std::fmt::Debug for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.instr.fmt(f)
    }
}

/// Which destinations of a branch (or call) begin with a `ChargeGas` that
/// its handler makes itself (see [`super::verify::verify`], which decides).
///
/// Branches whose destination begins with a gas charge (a metered block's
/// head: the loop head after a back edge, the block after a `br_if` not
/// taken) get a handler that makes the charge itself, reading the amount
/// from the `ChargeGas` op, and goes on after it: one dispatch less per
/// metered block entered by a branch. The charge is the same and comes at
/// the same point, before anything of the block runs; the `ChargeGas` op
/// stays for the paths that reach it otherwise. A direct call whose callee
/// begins with a charge (every instrumented function's entry block) makes
/// that charge too, after setting up the callee's frame, as the callee's
/// first op would.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Fuse {
    /// The branch target (a call's callee entry).
    pub taken: bool,
    /// The next op (a conditional branch not taken).
    pub next: bool,
}

/// A suspended caller.
struct Frame {
    return_ip: *const Op,
    fp: *mut u64,
}

/// Execution state that does not live in registers.
pub(crate) struct Exec<'a> {
    instance: &'a mut Instance,
    compiled: &'a Compiled,
    /// The module's first op: call entries and `br_table` targets are op
    /// indices from it.
    code: *const Op,
    frames: Vec<Frame>,
    /// One past the last slot of the value stack.
    stack_end: *mut u64,
    /// Gas left, written back when the run ends and around host calls.
    gas_left: u64,
    /// Address of a local of `execute`, to measure the native stack the
    /// handler chain used when the run ends (see `dispatch::native_depth`).
    entry_sp: usize,
    context: &'a mut dyn Any,
    /// A profiled call's profiler and what it keeps (its code is
    /// [`Compiled::profiling_code`]).
    profiler: Option<profile::Profiling<'a>>,
}

// The first two invariants are the verifier's rules (`verify::verify`,
// which checks every op of a module before any can run; the code it
// returns cannot be changed afterwards), so they do not rest on the
// compiler being right:
//
// CODE INVARIANT: every `ip` a handler receives points into the module's
// ops: execution starts at a function's entry, no function's code falls
// through its end (its last op is a `Return`, `Br`, `BrTable` or `Trap`),
// every branch target and `br_table` entry is an op of the same function,
// every call names an existing function, and the code ends with a
// sentinel `Trap` besides (VERIFIED: rules "a target ...", "falls through",
// "a function index ...").
//
// FRAME INVARIANT: while a frame at `fp` runs function `f`, `fp +
// f.frame_slots <= stack_end` (checked by `enter` before the frame's first
// instruction; a return goes back to a frame that was checked the same way),
// and every slot an instruction of `f` names is below `f.frame_slots`, a
// call's arguments and results included (VERIFIED: rules "a slot ...").
//
// MEMORY INVARIANT: `mem` and `len` are the base and length of the
// instance's linear memory, taken from its latest borrow: handlers that may
// resize it (`memory.grow`) or borrow it through a reference (host calls,
// the bulk memory operations) reload both afterwards, so that no access
// goes through a pointer older than the last reference to the memory.

impl Exec<'_> {
    /// The linear memory's base and length (MEMORY INVARIANT).
    #[inline(always)]
    fn memory(&mut self) -> (*mut u8, u64) {
        let memory = &mut self.instance.memory;
        (memory.as_mut_ptr(), memory.len() as u64)
    }
}
