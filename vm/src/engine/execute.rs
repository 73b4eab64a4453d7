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
//! the next op to a loop in [`run`] instead, with the same handler bodies.
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
//! stay checked.
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

#![allow(unsafe_code)]

use std::any::Any;
use std::cell::RefCell;

use super::code::{FromSlot, Instr, REF_NULL, Slot, ToSlot};
use super::compile::{Compiled, Function};
use super::{Binding, Caller, HostFunc, Instance, PAGE_SIZE};
use crate::trap::TrapKind;

use crate::limits::{MAX_FRAMES, STACK_LIMIT, VALUE_STACK_SLACK};

/// Value-stack capacity for a module whose largest frame is `max_frame`.
pub(crate) fn stack_capacity(max_frame: u32) -> usize {
    STACK_LIMIT as usize + 2 * max_frame as usize + VALUE_STACK_SLACK
}

/// How many value stacks a thread keeps for reuse.
const POOLED_STACKS: usize = 4;

thread_local! {
    /// Value stacks given back after calls, for the next calls on this
    /// thread (nested calls through host functions take one each).
    static POOL: RefCell<Vec<Vec<u64>>> = const { RefCell::new(Vec::new()) };
}

/// A value stack lent to one call: taken from this thread's pool (or
/// allocated) and given back afterwards, so that instantiating a module
/// allocates none and calls reuse one that is already in the cache. Its
/// slots are not cleared between calls, which no code can observe: a
/// function's parameters are written by its caller, its locals zeroed by
/// `enter`, every operand slot written before it is read (the compiler
/// allocates operand slots for values produced in validated order), and
/// host functions' result slots are cleared before the host runs.
pub(crate) struct ValueStack(Vec<u64>, usize);

impl ValueStack {
    /// A stack of at least `slots` slots.
    pub fn take(slots: usize) -> ValueStack {
        let pooled = POOL.with(|pool| {
            let mut pool = pool.borrow_mut();
            let index = pool.iter().position(|stack| stack.len() >= slots)?;
            Some(pool.swap_remove(index))
        });
        ValueStack(pooled.unwrap_or_else(|| vec![0; slots]), slots)
    }

    /// Returns the stack to this thread's pool.
    pub fn give_back(self) {
        POOL.with(|pool| {
            let mut pool = pool.borrow_mut();
            if pool.len() < POOLED_STACKS {
                pool.push(self.0);
            }
        });
    }
}

impl std::ops::Deref for ValueStack {
    type Target = [u64];
    fn deref(&self) -> &[u64] {
        &self.0[..self.1]
    }
}

impl std::ops::DerefMut for ValueStack {
    fn deref_mut(&mut self) -> &mut [u64] {
        &mut self.0[..self.1]
    }
}

/// Gas accounting of one call.
pub(crate) struct Gas {
    pub left: u64,
}

impl Gas {
    #[inline(always)]
    pub fn charge(&mut self, amount: u64) -> Result<(), TrapKind> {
        match self.left.checked_sub(amount) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => {
                self.left = 0;
                Err(TrapKind::OutOfGas)
            }
        }
    }
}

/// How this build passes control between handlers (see [`Dispatch`]).
pub(crate) fn dispatch() -> super::Dispatch {
    if cfg!(gasworks_threaded) {
        super::Dispatch::Threaded
    } else {
        super::Dispatch::Loop
    }
}

/// How a run ends: returned from the entry function, or trapped.
pub(crate) type Exit = Result<(), TrapKind>;

/// A handler: runs the instruction at `ip` and tail-calls the next one.
/// Arguments: instruction pointer, frame pointer, gas left, linear memory
/// base and length, everything else.
pub(crate) type Handler =
    for<'e, 'a> fn(*const Op, *mut u64, u64, *mut u8, u64, &'e mut Exec<'a>) -> Flow;

/// What a handler returns: how the run ended (the handler that ends it
/// returns, and every handler before it returns that by its tail call).
#[cfg(gasworks_threaded)]
pub(crate) type Flow = Exit;

/// What a handler returns with the dispatch loop (builds in which tail
/// calls may stay calls: unoptimised or debug builds, chosen by
/// `vm/build.rs`; sanitizers and coverage instrumentation, by the
/// `portable-dispatch` feature): the next op and the machine state for the
/// loop in [`run`], or how the run ended. Slower, and the native stack
/// stays flat whatever the compiler does.
#[cfg(not(gasworks_threaded))]
pub(crate) enum Flow {
    Next(*const Op, *mut u64, u64, *mut u8, u64),
    Done(Exit),
}

/// The flow that ends the run with `exit`.
#[inline(always)]
fn done(exit: Exit) -> Flow {
    #[cfg(gasworks_threaded)]
    return exit;
    #[cfg(not(gasworks_threaded))]
    return Flow::Done(exit);
}

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
    /// handler chain used when the run ends (see [`native_depth`]).
    entry_sp: usize,
    context: &'a mut dyn Any,
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

/// [`std::hint::unreachable_unchecked`], except that it panics when debug
/// assertions are on (as wasmi's own does): a debug build that reaches
/// "unreachable" code reports the broken invariant instead of running on
/// in undefined behaviour.
///
/// # Safety
///
/// As `std::hint::unreachable_unchecked`: the call must be unreachable.
#[inline(always)]
unsafe fn unreachable_unchecked() -> ! {
    if cfg!(debug_assertions) {
        unreachable!("the executor reached code that its invariants rule out (a bug)")
    }
    // SAFETY: the caller's (the call is unreachable).
    unsafe { std::hint::unreachable_unchecked() }
}

/// Reads a frame slot.
macro_rules! get {
    ($fp:ident, $s:expr) => {
        // SAFETY: `$s` is below the frame's size (FRAME INVARIANT: the
        // verifier's rule "a slot is below its frame's size").
        unsafe { *$fp.add($s as usize) }
    };
}

/// Writes a frame slot.
macro_rules! set {
    ($fp:ident, $s:expr, $v:expr) => {{
        let value: u64 = $v;
        // SAFETY: `$s` is below the frame's size (FRAME INVARIANT: the
        // verifier's rule "a slot is below its frame's size").
        unsafe { *$fp.add($s as usize) = value }
    }};
}

/// Runs the op at `$ip` (tail call; with `portable-dispatch`, returns it to
/// the dispatch loop).
macro_rules! next {
    ($ip:expr, $fp:expr, $gas:expr, $mem:expr, $len:expr, $st:expr) => {{
        let ip: *const Op = $ip;
        #[cfg(gasworks_threaded)]
        {
            // SAFETY: `ip` is an op of the module (CODE INVARIANT).
            let handler = unsafe { (*ip).handler };
            return handler(ip, $fp, $gas, $mem, $len, $st);
        }
        #[cfg(not(gasworks_threaded))]
        {
            let _: &mut Exec<'_> = $st;
            return Flow::Next(ip, $fp, $gas, $mem, $len);
        }
    }};
}

/// The op after `$ip`.
macro_rules! step {
    ($ip:expr) => {
        // SAFETY: a non-final op is followed by another (CODE INVARIANT: the
        // verifier's rule "no function falls through its end").
        unsafe { $ip.add(1) }
    };
}

/// The op `$rel` ops from `$ip` (a relative branch target).
macro_rules! jump {
    ($ip:expr, $rel:expr) => {
        // SAFETY: branch targets are ops of the same function (CODE INVARIANT:
        // the verifier's rule "a target is an instruction of the same function").
        unsafe { $ip.offset($rel as i32 as isize) }
    };
}

/// The op at absolute index `$index` of the module's code.
macro_rules! at {
    ($st:expr, $index:expr) => {
        // SAFETY: call entries and `br_table` targets are op indices of the
        // module (CODE INVARIANT: the verifier's rules "a function index is
        // in range" and "a br_table entry is in its function").
        unsafe { $st.code.add($index as usize) }
    };
}

/// Defines a handler for one instruction variant; the body ends with
/// `next!` or returns an exit.
macro_rules! handler {
    ($pat:pat, |$ip:ident, $fp:ident, $gas:ident, $mem:ident, $len:ident, $st:ident| $body:block) => {{
        #[allow(unused_mut, unused_variables)]
        fn handler(
            $ip: *const Op,
            $fp: *mut u64,
            mut $gas: u64,
            mut $mem: *mut u8,
            mut $len: u64,
            $st: &mut Exec<'_>,
        ) -> Flow {
            // SAFETY: `ip` is an op of the module (CODE INVARIANT).
            let instr = unsafe { (*$ip).instr };
            let $pat = instr else {
                // SAFETY: the verifier (`Op::lowered`) pairs each instruction
                // with the handler of its variant, and verified ops do not
                // change, so no other variant reaches this handler.
                unsafe { unreachable_unchecked() }
            };
            $body
        }
        handler as Handler
    }};
}

/// The handler of no instruction (see `control_handler`).
fn unreachable_op(
    _: *const Op,
    _: *mut u64,
    gas: u64,
    _: *mut u8,
    _: u64,
    st: &mut Exec<'_>,
) -> Flow {
    trap(st, gas, TrapKind::Unreachable)
}

/// Where the entry function returns to: ends the run, recording the gas
/// left. (Every `Return` goes to a frame record, so that its handler has
/// one way out, a tail call; LLVM does not turn the call into a jump when
/// the handler may also return a value of its own.) Its instruction is
/// never read.
static EXIT: Op = Op {
    handler: exit,
    instr: Instr::Return,
};

/// The handler of [`EXIT`].
fn exit(_: *const Op, _: *mut u64, gas: u64, _: *mut u8, _: u64, st: &mut Exec<'_>) -> Flow {
    st.gas_left = gas;
    st.instance.native_stack_used = native_depth(st.entry_sp);
    done(Ok(()))
}

/// Bytes of native stack between `entry_sp` and the caller's frame. At
/// the end of a run this is the same small amount for every run when
/// every handler passes control on by a jump; a handler that made a real
/// call instead would leave its frame below, once per instruction it ran.
#[inline(never)]
fn native_depth(entry_sp: usize) -> usize {
    let here = 0u8;
    entry_sp.saturating_sub(std::hint::black_box(std::ptr::addr_of!(here)) as usize)
}

/// Makes the charge of the `ChargeGas` op at `$to` and runs the op after
/// it (tail call).
macro_rules! charged_next {
    ($to:expr, $fp:expr, $gas:expr, $mem:expr, $len:expr, $st:expr) => {{
        let to: *const Op = $to;
        // SAFETY: `to` is an op of the module (CODE INVARIANT).
        let Instr::ChargeGas(amount) = (unsafe { (*to).instr }) else {
            // SAFETY: the verifier fuses a destination only when its op is
            // a `ChargeGas`, and verified ops do not change.
            unsafe { unreachable_unchecked() }
        };
        if amount > $gas {
            return trap($st, 0, TrapKind::OutOfGas);
        }
        next!(step!(to), $fp, $gas - amount, $mem, $len, $st)
    }};
}

/// Defines the four handlers of a branch (each destination charging or
/// not, see [`Fuse`]) and picks the one `$fuse` asks for. `$cond` decides
/// whether the branch is taken.
macro_rules! branch_handler {
    ($fuse:expr, $pat:pat, |$ip:ident, $fp:ident, $gas:ident, $mem:ident, $len:ident, $st:ident, $target:ident| $cond:expr) => {{
        #[allow(unused_variables)]
        fn handler<const TAKEN: bool, const NEXT: bool>(
            $ip: *const Op,
            $fp: *mut u64,
            $gas: u64,
            $mem: *mut u8,
            $len: u64,
            $st: &mut Exec<'_>,
        ) -> Flow {
            // SAFETY: `ip` is an op of the module (CODE INVARIANT).
            let instr = unsafe { (*$ip).instr };
            let $pat = instr else {
                // SAFETY: the verifier (`Op::lowered`) pairs each instruction
                // with the handler of its variant, and verified ops do not
                // change, so no other variant reaches this handler.
                unsafe { unreachable_unchecked() }
            };
            if $cond {
                if TAKEN {
                    charged_next!(jump!($ip, $target), $fp, $gas, $mem, $len, $st)
                }
                next!(jump!($ip, $target), $fp, $gas, $mem, $len, $st)
            }
            if NEXT {
                charged_next!(step!($ip), $fp, $gas, $mem, $len, $st)
            }
            next!(step!($ip), $fp, $gas, $mem, $len, $st)
        }
        let fuse: Fuse = $fuse;
        match (fuse.taken, fuse.next) {
            (false, false) => handler::<false, false> as Handler,
            (false, true) => handler::<false, true> as Handler,
            (true, false) => handler::<true, false> as Handler,
            (true, true) => handler::<true, true> as Handler,
        }
    }};
}

/// Ends the run with a trap, recording the gas left.
#[cold]
#[inline(never)]
fn trap(st: &mut Exec<'_>, gas: u64, kind: TrapKind) -> Flow {
    st.gas_left = gas;
    st.instance.native_stack_used = native_depth(st.entry_sp);
    done(Err(kind))
}

/// Checks that `$n` bytes at `$addr + $offset` are inside the memory and
/// gives their address.
macro_rules! effective {
    ($st:ident, $gas:ident, $mem:ident, $len:ident, $addr:expr, $offset:expr, $n:expr) => {{
        let start = u64::from($addr as u32) + u64::from($offset);
        if start + $n as u64 > $len {
            return trap($st, $gas, TrapKind::MemoryOutOfBounds);
        }
        // SAFETY: `start + n <= len`, the memory's length (MEMORY INVARIANT).
        unsafe { $mem.add(start as usize) }
    }};
}

/// Unwraps a result or ends the run with its trap.
macro_rules! trap_on_err {
    ($st:ident, $gas:ident, $result:expr) => {
        match $result {
            Ok(value) => value,
            Err(kind) => return trap($st, $gas, kind),
        }
    };
}

/// The handler of `instr`'s variant.
fn handler_of(instr: &Instr, fuse: Fuse) -> Handler {
    macro_rules! handlers {
        (
            binops { $( $bin:ident $(/ $binimm:ident)? ($ba:ident: $bta:ty, $bb:ident: $btb:ty) -> $btr:ty $bbody:block )* }
            unops { $( $un:ident($ua:ident: $uta:ty) -> $utr:ty $ubody:block )* }
            loads { $( $load:ident($lbytes:literal, $lraw:ty => $lty:ty) )* }
            branches { $( $branch:ident = $cmp:ident($cty:ty, $cop:tt) else $inverse:ident )* }
            stores { $( $store:ident($sbytes:literal, $sty:ty) )* }
        ) => {
            match instr {
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
                $(
                    Instr::$branch { .. } => branch_handler!(
                        fuse,
                        Instr::$branch { a, b, target },
                        |ip, fp, gas, mem, len, st, target|
                            <$cty>::from_slot(get!(fp, a)) $cop <$cty>::from_slot(get!(fp, b))
                    ),
                )*
                other => control_handler(other, fuse),
            }
        };
    }
    for_each_numeric!(handlers)
}

/// Handlers of the control, metering, variable, memory and table
/// instructions.
fn control_handler(instr: &Instr, fuse: Fuse) -> Handler {
    match instr {
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
                    if let Err(kind) = st.call_import(callee, fp, base) {
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
                if let Err(kind) = st.call_import(import, fp, base) {
                    let gas = st.gas_left;
                    return trap(st, gas, kind);
                }
                let (mem, len) = st.memory();
                next!(step!(ip), fp, st.gas_left, mem, len, st)
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
        // Numeric instructions have their handlers in `handler_of`, which
        // never asks for them here.
        _ => unreachable_op,
    }
}

impl Exec<'_> {
    /// The linear memory's base and length (MEMORY INVARIANT).
    #[inline(always)]
    fn memory(&mut self) -> (*mut u8, u64) {
        let memory = &mut self.instance.memory;
        (memory.as_mut_ptr(), memory.len() as u64)
    }

    /// Pushes the caller's frame and sets up the frame of defined function
    /// `func` at `fp + base`: checks room, zeroes its declared locals.
    /// Returns the callee's frame pointer.
    #[inline(always)]
    fn push_frame(
        &mut self,
        return_ip: *const Op,
        fp: *mut u64,
        base: Slot,
        func: u32,
    ) -> Result<*mut u64, TrapKind> {
        if self.frames.len() >= MAX_FRAMES {
            return Err(TrapKind::StackExhausted);
        }
        let callee_fp = fp.wrapping_add(base as usize);
        enter(
            callee_fp,
            self.stack_end,
            &self.compiled.functions[func as usize],
        )?;
        self.frames.push(Frame { return_ip, fp });
        Ok(callee_fp)
    }

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

    /// Calls import `import` with its arguments and results at `fp + base`;
    /// the gas left is in `self.gas_left` before and after.
    #[inline(never)]
    fn call_import(&mut self, import: u32, fp: *mut u64, base: Slot) -> Result<(), TrapKind> {
        let compiled = self.compiled;
        let signature = &compiled.signatures[compiled.imports[import as usize].signature as usize];
        let host: HostFunc = match &self.instance.imports[import as usize] {
            Binding::Gas => {
                let amount = self.import_slots(fp, base, 1)?[0];
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
        let mut gas = Gas {
            left: self.gas_left,
        };
        let mut caller = Caller {
            memory: &mut self.instance.memory,
            gas_left: &mut gas.left,
            context: &mut *self.context,
        };
        let result = host(&mut caller, args, results);
        self.gas_left = gas.left;
        result
    }

    /// The `count` value slots from `fp + base` (an import's arguments and
    /// results), or *stack exhausted* when they do not fit in the value
    /// stack. The slice borrows nothing of `self`: the slots belong to the
    /// value stack, which the run holds exclusively.
    fn import_slots<'s>(
        &self,
        fp: *mut u64,
        base: Slot,
        count: usize,
    ) -> Result<&'s mut [u64], TrapKind> {
        let at = fp.wrapping_add(base as usize);
        if (self.stack_end as usize).saturating_sub(at as usize) / size_of::<u64>() < count {
            return Err(TrapKind::StackExhausted);
        }
        // SAFETY: `count` slots from `at` are inside the value stack
        // (checked above; `at` is inside the caller's frame), and no other
        // reference to them is live while the import runs.
        Ok(unsafe { std::slice::from_raw_parts_mut(at, count) })
    }
}

/// Checks that function `function`'s frame at `fp` fits below `stack_end`
/// and zeroes its declared locals.
#[inline(always)]
fn enter(fp: *mut u64, stack_end: *mut u64, function: &Function) -> Result<(), TrapKind> {
    let room = (stack_end as usize).saturating_sub(fp as usize) / size_of::<u64>();
    if (function.frame_slots as usize) > room {
        return Err(TrapKind::StackExhausted);
    }
    let (params, locals) = (function.params as usize, function.locals as usize);
    // SAFETY: `locals <= frame_slots <= room`: the slots are inside the
    // value stack, and nothing else refers to them.
    unsafe {
        std::ptr::write_bytes(fp.add(params), 0, locals - params);
        for local in &function.ref_locals {
            *fp.add(*local as usize) = REF_NULL;
        }
    }
    Ok(())
}

/// Runs from the op at `ip` until the run ends.
#[cfg(gasworks_threaded)]
fn run(ip: *const Op, fp: *mut u64, gas: u64, mem: *mut u8, len: u64, st: &mut Exec<'_>) -> Exit {
    // SAFETY: `ip` is an op of the module (CODE INVARIANT).
    let handler = unsafe { (*ip).handler };
    handler(ip, fp, gas, mem, len, st)
}

/// Runs from the op at `ip` until the run ends: the dispatch loop of
/// `portable-dispatch`.
#[cfg(not(gasworks_threaded))]
fn run(ip: *const Op, fp: *mut u64, gas: u64, mem: *mut u8, len: u64, st: &mut Exec<'_>) -> Exit {
    let mut state = (ip, fp, gas, mem, len);
    loop {
        let (ip, fp, gas, mem, len) = state;
        // SAFETY: `ip` is an op of the module (CODE INVARIANT).
        let handler = unsafe { (*ip).handler };
        match handler(ip, fp, gas, mem, len, st) {
            Flow::Next(ip, fp, gas, mem, len) => state = (ip, fp, gas, mem, len),
            Flow::Done(exit) => return exit,
        }
    }
}

impl Instance {
    /// Runs defined function `func` with its arguments in `stack[0..params]`;
    /// on return its results are in `stack[0..results]`.
    pub(crate) fn execute(
        &mut self,
        func: u32,
        stack: &mut [u64],
        gas: &mut Gas,
        context: &mut dyn Any,
    ) -> Result<(), TrapKind> {
        let compiled = self.module.clone();
        let function = compiled
            .functions
            .get(func as usize)
            .ok_or(TrapKind::Unreachable)?;
        let anchor = 0u8;
        let entry_sp = std::hint::black_box(std::ptr::addr_of!(anchor)) as usize;
        let range = stack.as_mut_ptr_range();
        let fp = range.start;
        enter(fp, range.end, function)?;
        let mut exec = Exec {
            instance: self,
            compiled: &compiled,
            code: compiled.code.as_ptr(),
            frames: vec![Frame {
                return_ip: &EXIT,
                fp,
            }],
            stack_end: range.end,
            gas_left: gas.left,
            entry_sp,
            context,
        };
        let (mem, len) = exec.memory();
        let entry = at!(exec, function.entry);
        let result = run(entry, fp, gas.left, mem, len, &mut exec);
        gas.left = exec.gas_left;
        result
    }

    /// `memory.grow`: the old size in pages, or -1 (as `u32`) beyond the
    /// maximum.
    pub(crate) fn memory_grow(&mut self, delta: u32) -> u32 {
        let old = self.memory_pages;
        let Some(new) = old.checked_add(delta) else {
            return u32::MAX;
        };
        if new > self.memory_max_pages {
            return u32::MAX;
        }
        self.memory.resize(new as usize * PAGE_SIZE, 0);
        self.memory_pages = new;
        old
    }

    fn memory_range(&self, start: u32, len: u32) -> Result<core::ops::Range<usize>, TrapKind> {
        let end = u64::from(start) + u64::from(len);
        if end > self.memory.len() as u64 {
            return Err(TrapKind::MemoryOutOfBounds);
        }
        Ok(start as usize..end as usize)
    }

    fn memory_fill(&mut self, dst: u32, value: u8, len: u32) -> Result<(), TrapKind> {
        let range = self.memory_range(dst, len)?;
        self.memory[range].fill(value);
        Ok(())
    }

    fn memory_copy(&mut self, dst: u32, src: u32, len: u32) -> Result<(), TrapKind> {
        let to = self.memory_range(dst, len)?;
        let from = self.memory_range(src, len)?;
        self.memory.copy_within(from, to.start);
        Ok(())
    }

    fn memory_init(&mut self, data: u32, dst: u32, src: u32, len: u32) -> Result<(), TrapKind> {
        let module = self.module.clone();
        let bytes: &[u8] = if self.dropped_data[data as usize] {
            &[]
        } else {
            &module.data[data as usize].bytes
        };
        let end = u64::from(src) + u64::from(len);
        if end > bytes.len() as u64 {
            return Err(TrapKind::MemoryOutOfBounds);
        }
        let to = self.memory_range(dst, len)?;
        self.memory[to].copy_from_slice(&bytes[src as usize..end as usize]);
        Ok(())
    }

    fn table_copy(
        &mut self,
        dst_table: u32,
        src_table: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> Result<(), TrapKind> {
        let src_len = self.tables[src_table as usize].elements.len() as u64;
        let dst_len = self.tables[dst_table as usize].elements.len() as u64;
        if u64::from(src) + u64::from(len) > src_len || u64::from(dst) + u64::from(len) > dst_len {
            return Err(TrapKind::TableOutOfBounds);
        }
        let (src, dst, len) = (src as usize, dst as usize, len as usize);
        if dst_table == src_table {
            self.tables[dst_table as usize]
                .elements
                .copy_within(src..src + len, dst);
        } else {
            let items: Vec<u64> = self.tables[src_table as usize].elements[src..src + len].to_vec();
            self.tables[dst_table as usize].elements[dst..dst + len].copy_from_slice(&items);
        }
        Ok(())
    }

    pub(crate) fn table_init(
        &mut self,
        table: u32,
        elem: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> Result<(), TrapKind> {
        // Bounds first, from the segment's length: evaluating the whole
        // segment for every call made `table.init` with n = 0 cost work in
        // proportion to the segment (about 23,000 ns per gas unit on a
        // 200,000-item segment, against 0.5-1 for plain code).
        let table_len = self.tables[table as usize].elements.len() as u64;
        if u64::from(src) + u64::from(len) > self.element_count(elem)
            || u64::from(dst) + u64::from(len) > table_len
        {
            return Err(TrapKind::TableOutOfBounds);
        }
        let (src, dst, len) = (src as usize, dst as usize, len as usize);
        let items = self.element_items(elem, src, len);
        self.tables[table as usize].elements[dst..dst + len].copy_from_slice(&items);
        Ok(())
    }
}
