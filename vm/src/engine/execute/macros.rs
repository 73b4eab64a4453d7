//! The unchecked accesses the handlers are written with.
//!
//! Every handler reads and writes frame slots, steps to the next op,
//! follows branch targets and reaches linear memory through these macros,
//! and defines itself through `handler!` or `branch_handler!`. Each
//! `unsafe` block here states, in its `// SAFETY:` comment, the invariant
//! that makes it sound: the CODE and FRAME INVARIANTS are rules of the
//! verifier (`super::super::verify::verify`, which refuses code that
//! breaks one), the MEMORY INVARIANT is kept by the handlers that change
//! the memory (see the executor's module for all three). The blocks are
//! expanded in the handlers' files, which allow `unsafe` for them.

#![allow(unsafe_code)]

/// [`std::hint::unreachable_unchecked`], except that it panics when debug
/// assertions are on (as wasmi's own does): a debug build that reaches
/// "unreachable" code reports the broken invariant instead of running on
/// in undefined behaviour.
///
/// # Safety
///
/// As `std::hint::unreachable_unchecked`: the call must be unreachable.
#[inline(always)]
pub(super) unsafe fn unreachable_unchecked() -> ! {
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
/// not, see [`Fuse`](super::Fuse)) and picks the one `$fuse` asks for. `$cond` decides
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
