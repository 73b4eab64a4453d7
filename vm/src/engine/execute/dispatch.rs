//! The dispatch backends, and how a run ends.
//!
//! Two ways to pass control from handler to handler, chosen per build by
//! `vm/build.rs` (see the executor's module doc): the threaded dispatch,
//! where each handler tail-calls the next and [`run`] only starts the
//! chain, and the dispatch loop, where each handler returns the next op
//! (`Flow::Next`) to the loop in [`run`]. The handlers are the same;
//! only [`Flow`], the `next!` macro and [`run`] differ. Here too: the
//! handler of no instruction, and the two ways a run ends, by the entry
//! function's return ([`EXIT`]) or by a trap ([`trap`]), each recording
//! the gas left and the native stack held.
//!
//! `unsafe`: reading an op's handler, from an op of the module (CODE
//! INVARIANT, see the executor's module).

#![allow(unsafe_code)]

use super::super::Dispatch;
use super::super::code::Instr;
use super::{Exec, Op};
use crate::trap::TrapKind;

/// How this build passes control between handlers (see [`Dispatch`]).
pub(crate) fn dispatch() -> Dispatch {
    if cfg!(gasworks_threaded) {
        Dispatch::Threaded
    } else {
        Dispatch::Loop
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

/// Runs from the op at `ip` until the run ends.
#[cfg(gasworks_threaded)]
pub(super) fn run(
    ip: *const Op,
    fp: *mut u64,
    gas: u64,
    mem: *mut u8,
    len: u64,
    st: &mut Exec<'_>,
) -> Exit {
    // SAFETY: `ip` is an op of the module (CODE INVARIANT).
    let handler = unsafe { (*ip).handler };
    handler(ip, fp, gas, mem, len, st)
}

/// Runs from the op at `ip` until the run ends: the dispatch loop of
/// `portable-dispatch`.
#[cfg(not(gasworks_threaded))]
pub(super) fn run(
    ip: *const Op,
    fp: *mut u64,
    gas: u64,
    mem: *mut u8,
    len: u64,
    st: &mut Exec<'_>,
) -> Exit {
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

/// The handler of no instruction: the handler of an op not verified yet
/// (see `Op::new`), and of any variant no family claims (see
/// `handlers::handler_of`).
pub(super) fn unreachable_op(
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
pub(super) static EXIT: Op = Op {
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

/// Ends the run with a trap, recording the gas left.
#[cold]
#[inline(never)]
pub(super) fn trap(st: &mut Exec<'_>, gas: u64, kind: TrapKind) -> Flow {
    st.gas_left = gas;
    st.instance.native_stack_used = native_depth(st.entry_sp);
    done(Err(kind))
}

#[cfg(test)]
mod tests {
    use super::super::super::{Dispatch, Instance, Linker, Value, compile_wat, dispatch};

    #[test]
    fn threaded_dispatch_keeps_the_native_stack_flat() {
        // A million iterations over calls (direct, indirect, returning),
        // branches of every shape, loads, stores, globals, select, memory
        // size and charges, on a thread with a small native stack: a handler
        // that called the next one instead of jumping would overflow it.
        let module = compile_wat(
            r#"(module
                 (memory 1)
                 (global $g (mut i64) (i64.const 0))
                 (table 2 funcref)
                 (elem (i32.const 0) $inc $dec)
                 (type $t (func (param i64) (result i64)))
                 (func $inc (type $t) (i64.add (local.get 0) (i64.const 1)))
                 (func $dec (type $t) (i64.sub (local.get 0) (i64.const 1)))
                 (func (export "run") (param $n i32) (result i64)
                   (local $i i32) (local $acc i64)
                   (loop $top
                     (local.set $acc (call $inc (local.get $acc)))
                     (local.set $acc
                       (call_indirect (type $t) (local.get $acc) (i32.and (local.get $i) (i32.const 1))))
                     (i64.store (i32.and (local.get $i) (i32.const 1023)) (local.get $acc))
                     (local.set $acc (i64.add (local.get $acc)
                       (i64.load (i32.and (local.get $i) (i32.const 1023)))))
                     (global.set $g (select (global.get $g) (local.get $acc) (local.get $i)))
                     (block $b (block $a
                       (br_table $a $b (i32.and (local.get $i) (i32.const 1))))
                       (local.set $acc (i64.xor (local.get $acc) (i64.extend_i32_u (memory.size)))))
                     (if (i32.eqz (local.get $i)) (then (nop)) (else (nop)))
                     (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                           (local.get $n))))
                   (local.get $acc)))"#,
        );
        let (short, long) = std::thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn(move || {
                let mut instance = Instance::new(&module, &Linker::new()).expect("instantiates");
                let mut run = |n: i32| {
                    let outcome = instance
                        .call("run", &[Value::I32(n)], u64::MAX)
                        .expect("call made");
                    assert!(outcome.result.is_ok(), "{outcome:?}");
                    instance.native_stack_used()
                };
                (run(1), run(1_000_000))
            })
            .expect("thread starts")
            .join()
            .expect("no native stack overflow");
        // The same after one iteration and after a million: nothing grows
        // with the work. Small: a few frames of the dispatch (the loop's
        // frames are larger in an unoptimised build, where the build script
        // chooses it).
        let bound = match dispatch() {
            Dispatch::Threaded => 256,
            Dispatch::Loop => 4096,
        };
        assert_eq!(short, long, "native stack held after 1 and 10^6 iterations");
        assert!(
            long > 0 && long <= bound,
            "native stack held at the end: {long} bytes ({:?} dispatch)",
            dispatch()
        );
    }

    /// An embedder's debug build (debug assertions on, opt-level 0 by
    /// default) gets the dispatch loop, not tail calls that it would keep
    /// as calls; `threaded_dispatch_keeps_the_native_stack_flat` then runs
    /// a million iterations on a 128 KiB thread in that build too. Both run
    /// in such a build from `tests/engine_debug_build.rs`.
    #[test]
    fn debug_builds_do_not_rely_on_tail_calls() {
        // Set by `tests/engine_debug_build.rs`, which builds this crate as
        // an embedder's debug build would: the build must be one.
        let expected = std::env::var_os("GASWORKS_EXPECT_DEBUG_BUILD").is_some();
        assert!(!expected || cfg!(debug_assertions), "not a debug build");
        if cfg!(debug_assertions) {
            assert_eq!(dispatch(), Dispatch::Loop);
        }
    }
}
