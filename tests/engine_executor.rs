//! The executor (`vm/src/engine/execute/`) under adversarial input, and
//! the compiler parts it relies on, through the public API only.
//!
//! Four themes:
//!
//! 1. Soundness: nothing a module does (valid WebAssembly, instrumented or
//!    not: `Module::new_unmetered` compiles either) may make a handler
//!    touch memory outside the value stack or the linear memory.
//! 2. Determinism: value stacks are lent from a per-thread pool and not
//!    cleared, so nothing a call observes may depend on what ran before on
//!    the same thread. Each probe runs on a fresh thread and on a thread
//!    whose pooled stack was first filled with a pattern; both must agree.
//! 3. Gas: the branch-charge fusion (a branch landing on a `ChargeGas`
//!    makes the charge itself) must bill exactly what running the
//!    instrumented module on a reference engine (wasmi 2.0, gas as a host
//!    function) bills, at every gas limit around the total.
//! 4. Tail calls: every handler, rare ones and traps included, passes
//!    control on by a jump (`Instance::native_stack_used` stays small after
//!    100,000 iterations).
//!
//! Besides, the compiler's peephole fusions are checked against wasmi on
//! small hand-written modules (wrong results found there are listed in the
//! review report).

mod common;

use std::sync::Arc;

use gasworks_vm::engine::{Caller, Instance, Linker, Module, Outcome, Value};
use gasworks_vm::instrument::{HostImport, InstrumentConfig, ValType};
use gasworks_vm::trap::TrapKind;

// ===========================================================================
// Helpers
// ===========================================================================

/// The host function `env.h: (i32) -> i32` of the modules below: `3x + 1`.
fn h(x: u32) -> u32 {
    x.wrapping_mul(3).wrapping_add(1)
}

const HOST_H: HostImport = HostImport {
    module: "env",
    name: "h",
    params: &[ValType::I32],
    results: &[ValType::I32],
};

fn parse(text: &str) -> Vec<u8> {
    wat::parse_str(text).expect("test module parses")
}

/// The module instrumented with the default limits and `env.h` allowed.
fn instrumented(text: &str) -> Vec<u8> {
    let config = InstrumentConfig {
        host_imports: vec![HOST_H],
        ..InstrumentConfig::default()
    };
    gasworks_vm::instrument(&parse(text), &config)
        .expect("the instrumenter accepts the test module")
        .module
}

/// A linker with `env.h`.
fn linker() -> Linker {
    let mut linker = Linker::new();
    linker.define(
        "env",
        "h",
        &[ValType::I32],
        &[ValType::I32],
        Arc::new(|_: &mut Caller<'_>, args: &[u64], results: &mut [u64]| {
            results[0] = u64::from(h(args[0] as u32));
            Ok(())
        }),
    );
    linker
}

fn instance(wasm: &[u8]) -> Instance {
    let module = Module::new_unmetered(wasm).expect("the engine compiles the test module");
    Instance::new(&module, &linker()).expect("the test module instantiates")
}

fn call(instance: &mut Instance, name: &str, args: &[Value], gas: u64) -> Outcome {
    instance
        .call(name, args, gas)
        .unwrap_or_else(|e| panic!("call {name} made: {e}"))
}

/// Runs `f` on a new thread with a large native stack (so that a handler
/// that grows the native stack shows as a number, not as a crash).
fn on_new_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .expect("thread starts")
        .join()
        .expect("thread does not panic")
}

// ===========================================================================
// The reference: wasmi 2.0 with the metering imports as host functions
// ===========================================================================

mod reference {
    use super::common::wasmi_reference::{self as wasmi_ref, Meter, Stop};
    use super::{Value, h};

    /// An instance on wasmi.
    pub struct Reference {
        store: wasmi::Store<Meter>,
        instance: wasmi::Instance,
    }

    /// The outcome of a call on wasmi, in the engine's terms.
    pub type Outcome = (Result<Vec<Value>, String>, u64);

    impl Reference {
        pub fn new(wasm: &[u8]) -> Reference {
            let engine = wasmi_ref::engine();
            let module = wasmi::Module::new(&engine, wasm).expect("wasmi compiles");
            let mut linker = wasmi_ref::linker::<Meter>(&engine);
            linker
                .func_wrap("env", "h", |x: i32| -> i32 { h(x as u32) as i32 })
                .expect("define env.h");
            let mut store = wasmi::Store::new(&engine, Meter::default());
            let instance = linker
                .instantiate_and_start(&mut store, &module)
                .expect("wasmi instantiates");
            Reference { store, instance }
        }

        pub fn call(&mut self, name: &str, args: &[Value], gas: u64) -> Outcome {
            let func = self
                .instance
                .get_func(&self.store, name)
                .expect("wasmi: export exists");
            let inputs: Vec<wasmi::Val> = args
                .iter()
                .map(|v| match *v {
                    Value::I32(x) => wasmi::Val::I32(x),
                    Value::I64(x) => wasmi::Val::I64(x),
                    other => panic!("reference takes integers only, not {other:?}"),
                })
                .collect();
            let (result, used) = wasmi_ref::call(&mut self.store, func, &inputs, gas);
            let result = match result {
                Ok(outputs) => Ok(outputs
                    .iter()
                    .map(|v| match v {
                        wasmi::Val::I32(x) => Value::I32(*x),
                        wasmi::Val::I64(x) => Value::I64(*x),
                        wasmi::Val::FuncRef(r) => {
                            Value::FuncRef(if r.is_null() { None } else { Some(u32::MAX) })
                        }
                        other => panic!("unexpected wasmi value {other:?}"),
                    })
                    .collect()),
                Err(error) => Err(stop(&error)),
            };
            (result, used)
        }
    }

    /// A wasmi error as the engine's trap kind (its `Debug` text).
    fn stop(error: &wasmi::Error) -> String {
        match wasmi_ref::classify(error) {
            Stop::Trap(kind) => format!("{kind:?}"),
            Stop::EngineStackOverflow | Stop::Other(_) => {
                format!("unclassified wasmi error: {error}")
            }
        }
    }
}

/// Our outcome in the reference's terms (results with function
/// references by null-ness, as wasmi's handles have no index).
fn comparable(outcome: &Outcome) -> reference::Outcome {
    let result = match &outcome.result {
        Ok(values) => Ok(values
            .iter()
            .map(|v| match v {
                Value::FuncRef(r) => Value::FuncRef(r.map(|_| u32::MAX)),
                other => *other,
            })
            .collect()),
        Err(kind) => Err(format!("{kind:?}")),
    };
    (result, outcome.gas_used)
}

// ===========================================================================
// Compiler fusions that change results (found by this review)
// ===========================================================================

/// `return` with several results copies them to slots `0..n` in order,
/// straight from where the operands are. An operand that is a pending
/// `local.get` (not copied yet) is read from the local's slot, which an
/// earlier result copy may already have overwritten: here result 0 lands
/// in slot 0, the parameter that result 1 still has to read.
///
/// FAILS before the fix (`visit_return` in `compile/translate/visit.rs` does not
/// materialize pending `local.get`s, unlike `visit_end`).
#[test]
fn multi_value_return_reads_locals_before_overwriting_them() {
    let text = r#"(module
        (func (export "const_then_param") (param i32) (result i32 i32)
          (i32.const 7) (local.get 0) return)
        (func (export "swap") (param i32 i32) (result i32 i32)
          (local.get 1) (local.get 0) return)
        (func (export "rotate") (param i64 i64 i64) (result i64 i64 i64)
          (local.get 2) (local.get 0) (local.get 1) return))"#;
    let cases: [(&str, Vec<Value>, Vec<Value>); 3] = [
        (
            "const_then_param",
            vec![Value::I32(5)],
            vec![Value::I32(7), Value::I32(5)],
        ),
        (
            "swap",
            vec![Value::I32(1), Value::I32(2)],
            vec![Value::I32(2), Value::I32(1)],
        ),
        (
            "rotate",
            vec![Value::I64(10), Value::I64(20), Value::I64(30)],
            vec![Value::I64(30), Value::I64(10), Value::I64(20)],
        ),
    ];
    let mut failures = Vec::new();
    for (what, wasm) in [("raw", parse(text)), ("instrumented", instrumented(text))] {
        let mut ours = instance(&wasm);
        let mut theirs = reference::Reference::new(&wasm);
        for (name, args, expected) in &cases {
            let got = call(&mut ours, name, args, 1_000_000);
            let reference = theirs.call(name, args, 1_000_000);
            assert_eq!(reference.0.as_ref(), Ok(expected), "wasmi, {what} {name}");
            if got.result.as_ref() != Ok(expected) || comparable(&got) != reference {
                failures.push(format!(
                    "{what} {name}{args:?}: gasworks {got:?}, wasmi {reference:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A comparison whose result `local.set`/`local.tee` stores into a local
/// (the compiler retargets the comparison to write the local directly),
/// followed by `br_if` on that local: the compiler fuses comparison and
/// `br_if` into one compare-and-branch, which drops the write to the local.
/// rustc emits `local.tee; br_if` all the time.
///
/// FAILS before the fix (`visit_br_if` in `compile/translate/visit.rs` fuses even
/// when `cond` is a local's slot).
#[test]
fn br_if_fusion_keeps_the_comparison_stored_in_a_local() {
    let text = r#"(module
        (func (export "set") (param i32 i32) (result i32) (local $c i32)
          (block
            (local.set $c (i32.lt_u (local.get 0) (local.get 1)))
            (br_if 0 (local.get $c)))
          (local.get $c))
        (func (export "tee") (param i32 i32) (result i32) (local $c i32)
          (block
            (br_if 0 (local.tee $c (i32.lt_u (local.get 0) (local.get 1)))))
          (local.get $c))
        (func (export "tee_eqz") (param i32) (result i32) (local $c i32)
          (block
            (br_if 0 (local.tee $c (i32.eqz (local.get 0)))))
          (local.get $c))
        (func (export "tee_i64") (param i64 i64) (result i32) (local $c i32)
          (block
            (br_if 0 (local.tee $c (i64.ge_s (local.get 0) (local.get 1)))))
          (local.get $c))
        (func (export "if_tee") (param i32 i32) (result i32) (local $c i32)
          (if (local.tee $c (i32.lt_u (local.get 0) (local.get 1)))
            (then (local.set $c (i32.add (local.get $c) (i32.const 10)))))
          (local.get $c))
        (func (export "loop_count") (param $n i32) (result i32)
          (local $i i32) (local $more i32) (local $seen i32)
          (loop $top
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (local.set $seen (i32.add (local.get $seen) (local.get $more)))
            (br_if $top (local.tee $more (i32.lt_u (local.get $i) (local.get $n)))))
          (i32.add (i32.mul (local.get $seen) (i32.const 100)) (local.get $more))))"#;
    let cases: [(&str, Vec<Value>, i32); 10] = [
        ("if_tee", vec![Value::I32(1), Value::I32(2)], 11),
        ("if_tee", vec![Value::I32(2), Value::I32(1)], 0),
        ("set", vec![Value::I32(1), Value::I32(2)], 1),
        ("set", vec![Value::I32(2), Value::I32(1)], 0),
        ("tee", vec![Value::I32(1), Value::I32(2)], 1),
        ("tee_eqz", vec![Value::I32(0)], 1),
        ("tee_eqz", vec![Value::I32(3)], 0),
        ("tee_i64", vec![Value::I64(5), Value::I64(-5)], 1),
        // 5 iterations: `$more` is 1 after each of the first 4 and
        // counted at the start of the next: 4 * 100 + 0.
        ("loop_count", vec![Value::I32(5)], 400),
        ("loop_count", vec![Value::I32(1)], 0),
    ];
    let mut failures = Vec::new();
    for (what, wasm) in [("raw", parse(text)), ("instrumented", instrumented(text))] {
        let mut ours = instance(&wasm);
        let mut theirs = reference::Reference::new(&wasm);
        for (name, args, expected) in &cases {
            let got = call(&mut ours, name, args, 1_000_000);
            let reference = theirs.call(name, args, 1_000_000);
            assert_eq!(
                reference.0,
                Ok(vec![Value::I32(*expected)]),
                "wasmi, {what} {name}{args:?}"
            );
            if comparable(&got) != reference {
                failures.push(format!(
                    "{what} {name}{args:?}: gasworks {:?}, wasmi {:?}",
                    got.result, reference.0
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// `i64.const N; call $gas` is fused into one charge, dropping the
/// constant's instruction. When the constant was stored in a local first
/// (`local.set` retargets the constant to write the local), and the local
/// is what the gas import gets, the fusion drops the write to the local.
/// Instrumented modules never have this shape (their charges are canonical,
/// and input modules cannot import `gasworks.*`); a module compiled without
/// the instrumenter can.
///
/// FAILS before the fix (the gas fusion of `translate_call`, now
/// `fuse_metering_call` in `compile/translate/fuse.rs`, fuses when the
/// amount's slot is a local).
#[test]
fn gas_fusion_keeps_a_constant_stored_in_a_local() {
    let wasm = parse(
        r#"(module
            (import "gasworks" "gas" (func $gas (param i64)))
            (func (export "f") (result i64) (local $n i64)
              (local.set $n (i64.const 5))
              (call $gas (local.get $n))
              (local.get $n)))"#,
    );
    let mut ours = instance(&wasm);
    let got = call(&mut ours, "f", &[], 100);
    let reference = reference::Reference::new(&wasm).call("f", &[], 100);
    assert_eq!(reference, (Ok(vec![Value::I64(5)]), 5), "wasmi");
    assert_eq!(comparable(&got), reference, "gasworks {got:?}");
}

// ===========================================================================
// 1. Soundness
// ===========================================================================

/// Modules whose metering imports (`gasworks.gas`, `gasworks.stack_exhausted`)
/// have other signatures than the instrumenter's. The compiler recognises
/// the imports by name only and translates every call of them as the
/// canonical one (pops one operand, pushes none), while the validator
/// follows the declared signature: the compiler's operand stack then
/// disagrees with the code's, which leads to panics at compile time, reads
/// of slots that were never written, and slot numbers computed with a
/// wrapped subtraction (see the tests below).
const NON_CANONICAL_METERING: [(&str, &str); 5] = [
    (
        "gas returning a value",
        r#"(module (import "gasworks" "gas" (func $g (param i64) (result i64)))
             (func (export "f") (result i64) (call $g (i64.const 0))))"#,
    ),
    (
        "gas without parameters",
        r#"(module (import "gasworks" "gas" (func $g))
             (func (export "f") (call $g)))"#,
    ),
    (
        "gas with two parameters",
        r#"(module (import "gasworks" "gas" (func $g (param i64 i64)))
             (func (export "f") (result i64)
               (i64.const 9) (call $g (i64.const 1) (i64.const 2))))"#,
    ),
    (
        "gas taking an i32",
        r#"(module (import "gasworks" "gas" (func $g (param i32)))
             (func (export "f") (call $g (i32.const 1))))"#,
    ),
    (
        "stack_exhausted returning values",
        r#"(module (import "gasworks" "stack_exhausted" (func $s (result i64 i64)))
             (func (export "f") (result i64) (call $s) (drop)))"#,
    ),
];

/// FAILS before the fix: `compile` (the import section's decoding, now in
/// `compile/sections.rs`) accepts metering imports of any signature, and
/// for some of them panics (a crash of the node that compiles the module).
#[test]
fn metering_imports_must_have_their_canonical_signatures() {
    let mut failures = Vec::new();
    for (what, text) in NON_CANONICAL_METERING {
        let wasm = parse(text);
        match std::panic::catch_unwind(|| Module::new_unmetered(&wasm).is_ok()) {
            Ok(false) => {}
            Ok(true) => failures.push(format!("{what}: compiled")),
            Err(_) => failures.push(format!("{what}: Module::new_unmetered panicked")),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The value of `gasworks.gas` declared `(param i64) (result i64)` is never
/// written: the compiler pushes no result for it, and the function returns
/// whatever slot 0 of the lent value stack held. Run first on a fresh
/// thread (a new, zeroed stack), then after another module left a value in
/// that slot: the results differ.
///
/// FAILS before the fix (the same as for the test above: reject the
/// module, or translate the call by its signature).
#[test]
fn non_canonical_gas_import_reads_a_stale_slot() {
    let probe = parse(NON_CANONICAL_METERING[0].1);
    let dirt = parse(r#"(module (func (export "d") (result i64) (i64.const 0x5eed)))"#);
    if Module::new_unmetered(&probe).is_err() {
        return; // Rejected: nothing to observe.
    }
    let run = |dirty: bool| {
        let (probe, dirt) = (probe.clone(), dirt.clone());
        on_new_thread(move || {
            if dirty {
                let mut dirt = instance(&dirt);
                call(&mut dirt, "d", &[], 1_000);
            }
            let mut probe = instance(&probe);
            call(&mut probe, "f", &[], 1_000).result
        })
    };
    let (fresh, after) = (run(false), run(true));
    assert_eq!(fresh, after, "the result depends on an earlier call");
}

/// With `gasworks.gas` declared `(param i64) (result i64)`, a host call
/// taking that "result" gets its argument slot from `height - params` with
/// the compiler's height one below the real one: `0 - 1` wraps, the host
/// call's base becomes slot `u32::MAX`, 32 GiB past the frame, and
/// `call_import`'s room check (`stack_end - args_at`, itself wrapping)
/// lets it through: the executor reads the argument from, and clears the
/// result at, a wild address. Run in a child process, since it crashes.
///
/// FAILS before the fix (the child dies of a segmentation fault).
#[test]
fn non_canonical_gas_import_cannot_reach_outside_the_value_stack() {
    let exe = std::env::current_exe().expect("the test binary's path");
    let output = std::process::Command::new(exe)
        .args([
            "--exact",
            "child_process_host_call_at_a_wrapped_slot",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .output()
        .expect("the child runs");
    assert!(
        output.status.success(),
        "the child died: {:?}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout)
    );
}

/// Set in the child process of the test above.
const CHILD: &str = "ENGINE_REVIEW_CHILD";

/// The child of `non_canonical_gas_import_cannot_reach_outside_the_value_stack`
/// (does nothing unless run as that child).
#[test]
fn child_process_host_call_at_a_wrapped_slot() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let wasm = parse(
        r#"(module
            (import "gasworks" "gas" (func $g (param i64) (result i64)))
            (import "env" "wide" (func $wide (param i64) (result i64)))
            (func (export "f") (result i64) (call $wide (call $g (i64.const 0)))))"#,
    );
    let Ok(module) = Module::new_unmetered(&wasm) else {
        return; // Rejected: the fix.
    };
    let mut linker = Linker::new();
    linker.define(
        "env",
        "wide",
        &[ValType::I64],
        &[ValType::I64],
        Arc::new(|_: &mut Caller<'_>, args: &[u64], results: &mut [u64]| {
            results[0] = args[0];
            Ok(())
        }),
    );
    let mut instance = Instance::new(&module, &linker).expect("instantiates");
    println!("calling");
    let outcome = instance.call("f", &[], 1_000);
    println!("returned {outcome:?}");
}

// ===========================================================================
// 2. Determinism
// ===========================================================================

/// An unmetered module's recursion ends when the value stack has no room
/// for the next frame. The room is measured against the end of the stack
/// the pool lent, which is as long as the *largest* module that gave it
/// back on this thread needed, not as this module needs: a module that
/// counts its calls in a global reaches a deeper count after a module with
/// large frames ran on the same thread.
///
/// FAILS before the fix (`Instance::call_with` and `Instance::new`, in
/// `engine/instance.rs`, pass the whole lent stack to `execute` instead of its first
/// `stack_slots` slots).
#[test]
fn unmetered_stack_exhaustion_does_not_depend_on_earlier_calls() {
    let probe = parse(
        r#"(module
            (global $depth (export "depth") (mut i32) (i32.const 0))
            (func $r (export "r") (local i64 i64 i64 i64 i64 i64 i64 i64)
              (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
              (call $r)))"#,
    );
    let large = parse(&format!(
        r#"(module (func (export "d") (local {})))"#,
        "i64 ".repeat(40_000)
    ));
    let run = |dirty: bool| {
        let (probe, large) = (probe.clone(), large.clone());
        on_new_thread(move || {
            if dirty {
                let mut large = instance(&large);
                call(&mut large, "d", &[], 1_000);
            }
            let mut probe = instance(&probe);
            let outcome = call(&mut probe, "r", &[], 1_000);
            (outcome.result, probe.global("depth"))
        })
    };
    let (fresh, after) = (run(false), run(true));
    assert_eq!(fresh.0, Err(TrapKind::StackExhausted));
    assert_eq!(fresh, after, "the stack limit depends on an earlier call");
}

/// Fills the whole value stack this thread's pool will lend next with
/// `pattern`: an unmetered module recursing with frames of 100,000 slots
/// (more than any probe below needs, so that the probes get this stack)
/// until the stack has no room left.
fn dirty_the_pooled_stack(pattern: i64) {
    let frame = 100_000;
    let text = format!(
        r#"(module (func $d (export "d") (param i64)
             {} (call $d (local.get 0)) {}))"#,
        "(local.get 0)\n".repeat(frame),
        "drop\n".repeat(frame)
    );
    let mut dirt = instance(&parse(&text));
    let outcome = call(&mut dirt, "d", &[Value::I64(pattern)], 1_000);
    assert_eq!(outcome.result, Err(TrapKind::StackExhausted), "dirtier ran");
    // Sanity of the dirtier, while the engine still compiles a module that
    // reads slot 0 unwritten (see `non_canonical_gas_import_reads_a_stale_slot`):
    // the next call on this thread sees the pattern.
    if let Ok(canary) = Module::new_unmetered(&parse(NON_CANONICAL_METERING[0].1)) {
        let mut canary = Instance::new(&canary, &Linker::new()).expect("canary instantiates");
        let seen = call(&mut canary, "f", &[], 1_000).result;
        assert_eq!(
            seen,
            Ok(vec![Value::I64(pattern)]),
            "the dirtier's stack is lent next"
        );
    }
}

/// Probes of everything that reads slots the lent stack may hold from
/// before: the results of host functions that write none, reference-typed
/// locals, frames larger than the caller's, multi-value calls and blocks,
/// `br_table` with values, `if` without `else` carrying values, a callee's
/// results, and calls after a trap deep in the call stack.
const PROBES: &str = r#"(module
    (import "env" "h" (func $h (param i32) (result i32)))
    (import "env" "lazy" (func $lazy (param i32) (result i64 i64)))
    (memory 1)
    (table 4 funcref)
    (elem (i32.const 0) $h $callee $lazy $multi)
    (type $ii (func (param i32) (result i32)))
    (type $lz (func (param i32) (result i64 i64)))
    (type $mv (func (param i32) (result i32 i64 i32)))
    (func $callee (param i32) (result i32)
      (local i64 i64 funcref externref i32)
      (i32.add
        (i32.add (local.get 0) (i32.wrap_i64 (i64.add (local.get 1) (local.get 2))))
        (i32.add (i32.add (ref.is_null (local.get 3)) (ref.is_null (local.get 4)))
                 (local.get 5))))
    (func $big (param i32) (result i64)
      (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
      (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
      (i64.add (i64.extend_i32_u (local.get 0))
        (i64.add (local.get 1) (local.get 32))))
    (func $multi (param i32) (result i32 i64 i32)
      (local.get 0) (i64.extend_i32_u (local.get 0)) (i32.const 3))
    (func $deep (param i32) (result i32)
      (if (result i32) (local.get 0)
        (then (i32.add (i32.const 1) (call $deep (i32.sub (local.get 0) (i32.const 1)))))
        (else (unreachable))))
    (func (export "ref_locals") (result i32) (local funcref externref)
      (i32.add (ref.is_null (local.get 0)) (i32.mul (ref.is_null (local.get 1)) (i32.const 2))))
    (func (export "host_results") (result i64)
      (i64.add (call $lazy (i32.const 1))))
    (func (export "indirect_host_results") (result i64)
      (i64.add (call_indirect (type $lz) (i32.const 1) (i32.const 2))))
    (func (export "indirect_host") (result i32)
      (call_indirect (type $ii) (i32.const 4) (i32.const 0)))
    (func (export "callee") (result i32) (call $callee (i32.const 10)))
    (func (export "big_frame") (result i64) (call $big (i32.const 1)))
    (func (export "multi") (result i32 i64 i32) (call $multi (i32.const 5)))
    (func (export "multi_indirect") (result i32 i64 i32)
      (call_indirect (type $mv) (i32.const 6) (i32.const 3)))
    (func (export "blocks") (param $x i32) (result i32)
      (local $acc i32)
      (i32.const 1) (i32.const 2)
      (block (param i32 i32) (result i32)
        (i32.add))
      (if (param i32) (result i32) (local.get $x) (then (i32.const 40) (i32.add)))
      (local.set $acc)
      (block $b2 (result i32)
        (block $b1 (result i32)
          (block $b0 (result i32)
            (i32.const 100) (i32.const 200) (local.get $x)
            (br_table $b0 $b1 $b2))
          (i32.const 1) (i32.add))
        (i32.const 2) (i32.add))
      (local.get $acc) (i32.add))
    (func (export "deep_trap") (param i32) (result i32) (call $deep (local.get 0))))"#;

/// The calls of [`PROBES`], in order.
fn probe_calls() -> Vec<(&'static str, Vec<Value>)> {
    vec![
        ("ref_locals", vec![]),
        ("host_results", vec![]),
        ("indirect_host_results", vec![]),
        ("indirect_host", vec![]),
        ("callee", vec![]),
        ("big_frame", vec![]),
        ("multi", vec![]),
        ("multi_indirect", vec![]),
        ("blocks", vec![Value::I32(0)]),
        ("blocks", vec![Value::I32(1)]),
        ("blocks", vec![Value::I32(7)]),
        ("deep_trap", vec![Value::I32(1_000)]),
        ("ref_locals", vec![]),
        ("callee", vec![]),
        ("multi", vec![]),
        ("blocks", vec![Value::I32(2)]),
    ]
}

/// Linker of [`PROBES`]: `env.h`, and `env.lazy`, which writes no result.
fn probe_linker() -> Linker {
    let mut linker = linker();
    linker.define(
        "env",
        "lazy",
        &[ValType::I32],
        &[ValType::I64, ValType::I64],
        Arc::new(|_: &mut Caller<'_>, _: &[u64], _: &mut [u64]| Ok(())),
    );
    linker
}

fn run_probes(wasm: &[u8], dirty: Option<i64>) -> Vec<Outcome> {
    let wasm = wasm.to_vec();
    on_new_thread(move || {
        if let Some(pattern) = dirty {
            dirty_the_pooled_stack(pattern);
        }
        let module = Module::new_unmetered(&wasm).expect("probes compile");
        let mut probes = Instance::new(&module, &probe_linker()).expect("probes instantiate");
        probe_calls()
            .iter()
            .map(|(name, args)| call(&mut probes, name, args, 10_000_000))
            .collect()
    })
}

/// Passes: no probe observes a slot from before (pins the claim in
/// `ValueStack`'s docs for canonical modules).
#[test]
fn probes_see_nothing_of_earlier_calls() {
    let config = InstrumentConfig {
        host_imports: vec![
            HOST_H,
            HostImport {
                module: "env",
                name: "lazy",
                params: &[ValType::I32],
                results: &[ValType::I64, ValType::I64],
            },
        ],
        ..InstrumentConfig::default()
    };
    let raw = parse(PROBES);
    let metered = gasworks_vm::instrument(&raw, &config)
        .expect("probes instrument")
        .module;
    for (what, wasm) in [("raw", &raw), ("instrumented", &metered)] {
        let fresh = run_probes(wasm, None);
        // Sanity: the probes compute what they should on a clean stack.
        assert_eq!(fresh[0].result, Ok(vec![Value::I32(3)]), "{what}");
        assert_eq!(fresh[1].result, Ok(vec![Value::I64(0)]), "{what}");
        assert_eq!(fresh[4].result, Ok(vec![Value::I32(12)]), "{what}");
        assert_eq!(fresh[11].result, Err(TrapKind::Unreachable), "{what}");
        for pattern in [0x5555_5555_5555_5555, -1, 1] {
            let dirty = run_probes(wasm, Some(pattern));
            for ((call, fresh), dirty) in probe_calls().iter().zip(&fresh).zip(&dirty) {
                assert_eq!(fresh, dirty, "{what} {call:?} after pattern {pattern:#x}");
            }
        }
    }
}

/// Passes: the `select` fallback (`Copy` + `SelectIfZero`, operand slots
/// beyond 16 bits) and a start function see nothing of earlier calls.
#[test]
fn select_fallback_and_start_function_see_nothing_of_earlier_calls() {
    let pad = 70_000;
    let text = format!(
        r#"(module
            (global $g (export "g") (mut i64) (i64.const 7))
            (func $start (local i64 funcref)
              (global.set $g (i64.add (local.get 0)
                (i64.extend_i32_u (ref.is_null (local.get 1))))))
            (start $start)
            (func (export "sel") (param i32 i64) (result i64) (local i64)
              {pushes}
              (local.set 2 (select (local.get 1) (i64.const 9) (local.get 0)))
              (local.set 2 (i64.add (local.get 2)
                (select (i64.const 100) (local.get 2) (local.get 0))))
              {drops}
              (local.get 2)))"#,
        pushes = "(i32.const 0)\n".repeat(pad),
        drops = "drop\n".repeat(pad)
    );
    let wasm = parse(&text);
    let run = move |dirty: Option<i64>| {
        let wasm = wasm.clone();
        on_new_thread(move || {
            if let Some(pattern) = dirty {
                dirty_the_pooled_stack(pattern);
            }
            let mut instance = instance(&wasm);
            let start = instance.global("g");
            let sel: Vec<_> = [(1, 5), (0, 5), (1, -1), (0, -1)]
                .into_iter()
                .map(|(c, v)| call(&mut instance, "sel", &[Value::I32(c), Value::I64(v)], 1).result)
                .collect();
            (start, sel)
        })
    };
    let fresh = run(None);
    assert_eq!(fresh.0, Some(Value::I64(1)), "start function ran");
    assert_eq!(fresh.1[0], Ok(vec![Value::I64(105)]));
    assert_eq!(fresh.1[1], Ok(vec![Value::I64(18)]));
    for pattern in [0x5555_5555_5555_5555, -1, 1] {
        assert_eq!(fresh, run(Some(pattern)), "pattern {pattern:#x}");
    }
}

// ===========================================================================
// 3. Gas: branch-charge fusion against the reference
// ===========================================================================

/// Branch shapes whose destinations begin metered blocks (so that the
/// executor's branch handlers make the charges), each in a loop.
const GAS_CASES: &str = r#"(module
    (import "env" "h" (func $h (param i32) (result i32)))
    (memory 1)
    (table 2 funcref)
    (elem (i32.const 0) $inc $h)
    (type $ii (func (param i32) (result i32)))
    (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))

    ;; `br_if` out of a loop: its target (after the block) and its
    ;; fall-through both begin with a charge; `br` back edge.
    (func (export "br_if_both") (param $n i32) (result i32) (local $i i32) (local $acc i32)
      (block $out
        (loop $top
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $out (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $acc (i32.add (local.get $acc) (local.get $i)))
          (br $top)))
      (i32.add (local.get $acc) (local.get $i)))

    ;; `br_if` on a plain condition (not a fused comparison).
    (func (export "br_if_plain") (param $n i32) (result i32) (local $i i32)
      (block $out
        (loop $top
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $out (i32.and (local.get $i) (i32.sub (local.get $n) (local.get $i))))
          (br_if $top (i32.lt_u (local.get $i) (local.get $n)))))
      (local.get $i))

    ;; `if` without `else`, back edge by `br_if`.
    (func (export "if_no_else") (param $n i32) (result i32) (local $i i32) (local $acc i32)
      (loop $top
        (if (i32.and (local.get $i) (i32.const 1))
          (then (local.set $acc (i32.add (local.get $acc) (i32.const 3)))))
        (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                              (local.get $n))))
      (local.get $acc))

    ;; `if`/`else` on a fused comparison.
    (func (export "if_else") (param $n i32) (result i32) (local $i i32) (local $acc i32)
      (loop $top
        (if (i32.lt_s (local.get $i) (i32.const 3))
          (then (local.set $acc (i32.add (local.get $acc) (i32.const 1))))
          (else (local.set $acc (i32.mul (local.get $acc) (i32.const 2)))))
        (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                              (local.get $n))))
      (local.get $acc))

    ;; `br_table` (not fused) to blocks and to the loop.
    (func (export "table") (param $n i32) (result i32) (local $i i32) (local $acc i32)
      (loop $top
        (block $c (block $b (block $a
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_table $a $b $c $top (i32.rem_u (local.get $i) (i32.const 4))))
          (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
          (br $c))
          (local.set $acc (i32.mul (local.get $acc) (i32.const 2))))
        (br_if $top (i32.lt_u (local.get $i) (local.get $n))))
      (local.get $acc))

    ;; `br_if` carrying a value with other values below it (not in place:
    ;; `BrIfEqz` over the copies and the `br`).
    (func (export "br_if_value") (param $n i32) (result i32) (local $i i32)
      (block $out (result i32)
        (loop $top
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (drop (i32.add (i32.const 100)
            (br_if $out (i32.mul (local.get $i) (i32.const 7))
                        (i32.ge_u (local.get $i) (local.get $n)))))
          (br $top))
        (i32.const -1)))

    ;; Nested loops, `br` to the outer loop from the inner one.
    (func (export "nested") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $acc i32)
      (block $done
        (loop $outer
          (local.set $j (i32.const 0))
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (loop $inner
            (local.set $acc (i32.add (local.get $acc) (local.get $j)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br_if $outer (i32.ge_u (local.get $j) (local.get $i)))
            (br $inner))))
      (local.get $acc))

    ;; Calls (direct, indirect, host), and a dynamic charge.
    (func (export "calls") (param $n i32) (result i32) (local $i i32) (local $acc i32)
      (loop $top
        (local.set $acc (call $inc (local.get $acc)))
        (local.set $acc (call_indirect (type $ii) (local.get $acc)
                          (i32.and (local.get $i) (i32.const 1))))
        (local.set $acc (i32.and (local.get $acc) (i32.const 0xffff)))
        (memory.fill (i32.const 0) (local.get $acc) (local.get $i))
        (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                              (local.get $n))))
      (local.get $acc))

    ;; Recursion: direct calls whose callees begin with a charge.
    (func $rec (param i32) (result i32)
      (if (result i32) (local.get 0)
        (then (i32.add (i32.const 2) (call $rec (i32.sub (local.get 0) (i32.const 1)))))
        (else (i32.const 0))))
    (func (export "recurse") (param $n i32) (result i32) (call $rec (local.get $n)))

    ;; A trap in the middle of a metered block, after a loop.
    (func (export "trap_mid") (param $n i32) (result i32) (local $i i32)
      (loop $top
        (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                              (local.get $n))))
      (i32.div_u (local.get $i) (i32.sub (local.get $n) (local.get $i)))))"#;

/// Passes: at every gas limit from 0 to the total (plus two), each case
/// ends the same way on both engines (results or trap kind) with the same
/// gas used, so the fused branch charges bill what the `ChargeGas` ops
/// would, at the same points, and leave the same gas after a trap.
#[test]
fn fused_branch_charges_match_the_reference_at_every_gas_limit() {
    let wasm = instrumented(GAS_CASES);
    let module = Module::new_unmetered(&wasm).expect("compiles");
    let cases = [
        "br_if_both",
        "br_if_plain",
        "if_no_else",
        "if_else",
        "table",
        "br_if_value",
        "nested",
        "calls",
        "recurse",
        "trap_mid",
    ];
    let mut failures = Vec::new();
    let mut compared = 0;
    for name in cases {
        for n in [0, 1, 2, 5, 9] {
            let args = [Value::I32(n)];
            let (_, total) = reference::Reference::new(&wasm).call(name, &args, u64::MAX);
            assert!(total > 0, "{name}({n}) is metered");
            for limit in 0..=total + 2 {
                let mut ours = Instance::new(&module, &linker()).expect("instantiates");
                let got = comparable(&call(&mut ours, name, &args, limit));
                let expected = reference::Reference::new(&wasm).call(name, &args, limit);
                compared += 1;
                if got != expected {
                    failures.push(format!(
                        "{name}({n}) at limit {limit}: gasworks {got:?}, wasmi {expected:?}"
                    ));
                }
            }
        }
    }
    assert!(compared > 1_000, "only {compared} runs compared");
    assert!(failures.is_empty(), "{failures:#?}");
}

// ===========================================================================
// 4. Tail calls: the native stack stays flat for every handler
// ===========================================================================

/// Most native stack, in bytes, a run may hold at its end (the bound of
/// the engine's own test).
const NATIVE_STACK_BOUND: usize = 256;

/// Iterations of each loop below.
const ITERATIONS: i32 = 100_000;

/// A loop body running every numeric instruction of the engine (binary
/// operators with slot and immediate operands, unary operators, loads,
/// stores, compare-and-branch in `br_if` and `if` forms), over locals
/// `$x` (i32), `$y` (i64), `$d` (i32, odd), `$e` (i64, odd), `$c` (i32).
fn numeric_body() -> String {
    let int = ["i32", "i64"];
    let arith = [
        "add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl",
        "shr_s", "shr_u", "rotl", "rotr",
    ];
    let compare = [
        "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u",
    ];
    let mut body = String::new();
    for ty in int {
        let (v, d) = if ty == "i32" {
            ("$x", "$d")
        } else {
            ("$y", "$e")
        };
        for op in arith {
            body += &format!("(local.set {v} ({ty}.{op} (local.get {v}) (local.get {d})))\n");
            // A constant right operand: the immediate form where it exists.
            body += &format!("(local.set {v} ({ty}.{op} (local.get {v}) ({ty}.const 3)))\n");
        }
        for op in compare {
            body += &format!("(local.set $c ({ty}.{op} (local.get {v}) (local.get {d})))\n");
            body += &format!(
                "(block $b (br_if $b ({ty}.{op} (local.get {v}) (local.get {d}))) \
                 (local.set $c (i32.add (local.get $c) (i32.const 1))))\n"
            );
            body += &format!(
                "(if ({ty}.{op} (local.get {v}) ({ty}.const 5)) \
                 (then (local.set $c (i32.xor (local.get $c) (i32.const 2)))))\n"
            );
        }
        for op in ["eqz", "clz", "ctz", "popcnt"] {
            let result = if op == "eqz" { "$c" } else { v };
            body += &format!("(local.set {result} ({ty}.{op} (local.get {v})))\n");
        }
    }
    for (dst, expr) in [
        ("$x", "(i32.wrap_i64 (local.get $y))"),
        ("$y", "(i64.extend_i32_s (local.get $x))"),
        ("$y", "(i64.extend_i32_u (local.get $x))"),
        ("$x", "(i32.extend8_s (local.get $x))"),
        ("$x", "(i32.extend16_s (local.get $x))"),
        ("$y", "(i64.extend8_s (local.get $y))"),
        ("$y", "(i64.extend16_s (local.get $y))"),
        ("$y", "(i64.extend32_s (local.get $y))"),
        ("$c", "(ref.is_null (ref.null func))"),
    ] {
        body += &format!("(local.set {dst} {expr})\n");
    }
    let address = "(i32.and (local.get $x) (i32.const 1016))";
    for (dst, load) in [
        ("$x", "i32.load"),
        ("$y", "i64.load"),
        ("$x", "i32.load8_s"),
        ("$x", "i32.load8_u"),
        ("$x", "i32.load16_s"),
        ("$x", "i32.load16_u"),
        ("$y", "i64.load8_s"),
        ("$y", "i64.load8_u"),
        ("$y", "i64.load16_s"),
        ("$y", "i64.load16_u"),
        ("$y", "i64.load32_s"),
        ("$y", "i64.load32_u"),
    ] {
        body += &format!("(local.set {dst} ({load} offset=4 {address}))\n");
    }
    for (value, store) in [
        ("$x", "i32.store"),
        ("$y", "i64.store"),
        ("$x", "i32.store8"),
        ("$x", "i32.store16"),
        ("$y", "i64.store8"),
        ("$y", "i64.store16"),
        ("$y", "i64.store32"),
    ] {
        body += &format!("({store} offset=2 {address} (local.get {value}))\n");
    }
    body
}

/// A module whose exports each run one family of handlers `$n` times in a
/// loop, and whose `trap_*` exports run a loop then trap in one way each.
fn native_stack_module() -> String {
    format!(
        r#"(module
    (import "env" "h" (func $h (param i32) (result i32)))
    (memory 1)
    (global $g (mut i64) (i64.const 0))
    (table $t 8 funcref)
    (table $x 4 externref)
    (elem $active (table $t) (i32.const 0) func $h $id)
    (elem $passive func $id $h)
    (data $d "abcdefgh")
    (type $ii (func (param i32) (result i32)))
    (type $v (func))
    (func $id (param i32) (result i32) (local.get 0))
    (func $pair (param i32 i64 i32) (result i32)
      (i32.add (local.get 0) (i32.add (local.get 2) (i32.wrap_i64 (local.get 1)))))
    (func $rec (param i32) (result i32)
      (call $rec (i32.add (local.get 0) (i32.const 1))))

    (func $spin (param $n i32) (local $i i32)
      (loop $top
        (global.set $g (i64.add (global.get $g) (i64.const 1)))
        (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                              (local.get $n)))))

    (func (export "numeric") (param $n i32) (result i64)
      (local $i i32) (local $x i32) (local $y i64) (local $d i32) (local $e i64) (local $c i32)
      (local.set $x (i32.const 12345))
      (local.set $y (i64.const 987654321))
      (loop $top
        (local.set $d (i32.or (local.get $i) (i32.const 1)))
        (local.set $e (i64.extend_i32_u (local.get $d)))
        {numeric}
        (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                              (local.get $n))))
      (i64.add (local.get $y) (i64.extend_i32_u (i32.add (local.get $x) (local.get $c)))))

    (func (export "tables") (param $n i32) (result i32) (local $i i32) (local $acc i32)
      (loop $top
        (table.set $t (i32.const 2) (table.get $t (i32.and (local.get $i) (i32.const 1))))
        (table.set $x (i32.const 1) (table.get $x (i32.const 0)))
        (local.set $acc (i32.add (local.get $acc) (table.size $t)))
        (local.set $acc (i32.add (local.get $acc) (table.grow $t (ref.null func) (i32.const 0))))
        (table.fill $t (i32.const 3) (ref.func $id) (i32.const 2))
        (table.copy $t $t (i32.const 4) (i32.const 0) (i32.const 2))
        (table.init $t $passive (i32.const 6) (i32.const 0) (i32.const 0))
        (elem.drop $passive)
        (local.set $acc (i32.add (local.get $acc) (ref.is_null (ref.func $id))))
        (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                              (local.get $n))))
      (local.get $acc))

    (func (export "memories") (param $n i32) (result i32) (local $i i32) (local $acc i32)
      (loop $top
        (memory.fill (i32.const 0) (local.get $i) (i32.const 16))
        (memory.copy (i32.const 16) (i32.const 0) (i32.const 8))
        (memory.init $d (i32.const 32) (i32.const 0) (i32.const 0))
        (data.drop $d)
        (local.set $acc (i32.add (local.get $acc) (memory.grow (i32.const 0))))
        (local.set $acc (i32.add (local.get $acc) (memory.size)))
        (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                              (local.get $n))))
      (i32.add (local.get $acc) (i32.load (i32.const 16))))

    (func (export "calls") (param $n i32) (result i32) (local $i i32) (local $acc i32) (local $t i32)
      (loop $top
        ;; Two `local.set`s of locals in a row: one `Copy2`, in order ($t
        ;; holds the last iteration's $acc until the first copy).
        (local.set $acc (i32.add (local.get $acc) (local.get $t)))
        (local.set $t (local.get $acc)) (local.set $acc (local.get $t))
        (local.set $acc (call $h (local.get $acc)))
        (local.set $acc (call_indirect $t (type $ii) (local.get $acc)
                          (i32.and (local.get $i) (i32.const 1))))
        (local.set $acc (call $id (local.get $acc)))
        ;; Constant arguments: one `ConstSpan`.
        (local.set $acc (i32.add (local.get $acc)
                          (call $pair (i32.const 3) (i64.const -1) (i32.const 4))))
        (local.set $acc (i32.and (local.get $acc) (i32.const 0xffff)))
        (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                              (local.get $n))))
      (local.get $acc))

    (func (export "branches") (param $n i32) (result i32) (local $i i32) (local $acc i32)
      (loop $top
        (block $c (block $b (block $a
          (br_table $a $b $c (i32.rem_u (local.get $i) (i32.const 3))))
          (local.set $acc (i32.add (local.get $acc) (i32.const 1))))
          (local.set $acc (select (local.get $acc) (local.get $i) (local.get $i))))
        (if (local.get $i) (then (nop)) (else (local.set $acc (i32.const 0))))
        (br_if $top (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                            (local.get $n))))
      (local.get $acc))

    (func (export "trap_unreachable") (param $n i32) (call $spin (local.get $n)) (unreachable))
    (func (export "trap_load") (param $n i32) (result i32)
      (call $spin (local.get $n)) (i32.load (i32.const 65534)))
    (func (export "trap_store") (param $n i32)
      (call $spin (local.get $n)) (i64.store (i32.const 65530) (i64.const 1)))
    (func (export "trap_fill") (param $n i32)
      (call $spin (local.get $n)) (memory.fill (i32.const 65530) (i32.const 0) (i32.const 7)))
    (func (export "trap_copy") (param $n i32)
      (call $spin (local.get $n)) (memory.copy (i32.const 0) (i32.const 65530) (i32.const 7)))
    (func (export "trap_init") (param $n i32)
      (call $spin (local.get $n)) (memory.init $d (i32.const 0) (i32.const 4) (i32.const 5)))
    (func (export "trap_table_get") (param $n i32) (result funcref)
      (call $spin (local.get $n)) (table.get $t (i32.const 99)))
    (func (export "trap_table_set") (param $n i32)
      (call $spin (local.get $n)) (table.set $t (i32.const 99) (ref.null func)))
    (func (export "trap_table_fill") (param $n i32)
      (call $spin (local.get $n)) (table.fill $t (i32.const 7) (ref.null func) (i32.const 2)))
    (func (export "trap_table_copy") (param $n i32)
      (call $spin (local.get $n)) (table.copy $t $t (i32.const 7) (i32.const 0) (i32.const 2)))
    (func (export "trap_table_init") (param $n i32)
      (call $spin (local.get $n)) (table.init $t $passive (i32.const 0) (i32.const 1) (i32.const 2)))
    (func (export "trap_indirect_bounds") (param $n i32)
      (call $spin (local.get $n)) (call_indirect $t (type $v) (i32.const 99)))
    (func (export "trap_indirect_null") (param $n i32)
      (call $spin (local.get $n)) (call_indirect $t (type $v) (i32.const 7)))
    (func (export "trap_indirect_type") (param $n i32)
      (call $spin (local.get $n)) (call_indirect $t (type $v) (i32.const 0)))
    (func (export "trap_div") (param $n i32) (result i32)
      (call $spin (local.get $n)) (i32.div_u (local.get $n) (i32.const 0)))
    (func (export "trap_rem") (param $n i32) (result i64)
      (call $spin (local.get $n)) (i64.rem_s (i64.const 1) (i64.const 0)))
    (func (export "trap_overflow") (param $n i32) (result i32)
      (call $spin (local.get $n)) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
    (func (export "trap_stack") (param $n i32) (result i32)
      (call $spin (local.get $n)) (call $rec (i32.const 0)))
    (func (export "trap_gas") (param $n i32) (call $spin (local.get $n)) (call $spin (i32.const -1)))
    (func (export "spin") (param $n i32) (call $spin (local.get $n)))
    (func (export "spin_then_fill") (param $n i32)
      (call $spin (local.get $n)) (memory.fill (i32.const 0) (i32.const 0) (i32.const 65536)))
    (func (export "trap_gas_dynamic") (param $n i32)
      (call $spin (local.get $n)) (memory.fill (i32.const 0) (i32.const 0) (i32.const 65536)))
    (func (export "trap_host") (param $n i32) (result i32)
      (call $spin (local.get $n)) (call $h (i32.const -1)))
    (func (export "trap_indirect_host") (param $n i32) (result i32)
      (call $spin (local.get $n)) (call_indirect $t (type $ii) (i32.const -1) (i32.const 0))))"#,
        numeric = numeric_body()
    )
}

/// `env.h` of the native-stack module: `3x + 1`, or the host trap 9 for
/// `u32::MAX`.
fn trapping_linker() -> Linker {
    let mut linker = Linker::new();
    linker.define(
        "env",
        "h",
        &[ValType::I32],
        &[ValType::I32],
        Arc::new(|_: &mut Caller<'_>, args: &[u64], results: &mut [u64]| {
            if args[0] as u32 == u32::MAX {
                return Err(TrapKind::Host(9));
            }
            results[0] = u64::from(h(args[0] as u32));
            Ok(())
        }),
    );
    linker
}

/// What each run of [`native_stack_module`] must end with.
fn native_stack_runs() -> Vec<(&'static str, Result<(), TrapKind>)> {
    use TrapKind::*;
    vec![
        ("numeric", Ok(())),
        ("tables", Ok(())),
        ("memories", Ok(())),
        ("calls", Ok(())),
        ("branches", Ok(())),
        ("trap_unreachable", Err(Unreachable)),
        ("trap_load", Err(MemoryOutOfBounds)),
        ("trap_store", Err(MemoryOutOfBounds)),
        ("trap_fill", Err(MemoryOutOfBounds)),
        ("trap_copy", Err(MemoryOutOfBounds)),
        ("trap_init", Err(MemoryOutOfBounds)),
        ("trap_table_get", Err(TableOutOfBounds)),
        ("trap_table_set", Err(TableOutOfBounds)),
        ("trap_table_fill", Err(TableOutOfBounds)),
        ("trap_table_copy", Err(TableOutOfBounds)),
        ("trap_table_init", Err(TableOutOfBounds)),
        ("trap_indirect_bounds", Err(TableOutOfBounds)),
        ("trap_indirect_null", Err(IndirectCallToNull)),
        ("trap_indirect_type", Err(IndirectCallTypeMismatch)),
        ("trap_div", Err(IntegerDivideByZero)),
        ("trap_rem", Err(IntegerDivideByZero)),
        ("trap_overflow", Err(IntegerOverflow)),
        ("trap_stack", Err(StackExhausted)),
        ("trap_gas", Err(OutOfGas)),
        ("trap_gas_dynamic", Err(OutOfGas)),
        ("trap_host", Err(Host(9))),
        ("trap_indirect_host", Err(Host(9))),
    ]
}

/// Runs every export of the native-stack module, raw (no charges: branch
/// handlers without fused charges, the engine's own stack limit) and
/// instrumented (charges, fused branch and call charges, the fused stack
/// prologue), and reports the runs that end otherwise than expected or
/// hold more native stack at their end than [`NATIVE_STACK_BOUND`].
fn native_stack_report() -> Vec<String> {
    let text = native_stack_module();
    let raw = parse(&text);
    let metered = instrumented(&text);
    on_new_thread(move || {
        let mut problems = Vec::new();
        for (what, wasm) in [("raw", raw), ("instrumented", metered)] {
            let module = Module::new_unmetered(&wasm).expect("compiles");
            let run = |name: &str, gas: u64| {
                let mut instance =
                    Instance::new(&module, &trapping_linker()).expect("instantiates");
                let outcome = call(&mut instance, name, &[Value::I32(ITERATIONS)], gas);
                (outcome, instance.native_stack_used())
            };
            for (name, expected) in native_stack_runs() {
                let limits: Vec<u64> = match name {
                    _ if !name.starts_with("trap_gas") => vec![u64::MAX],
                    // Unmetered: no gas to run out of.
                    _ if what == "raw" => vec![],
                    // Out of gas in the second loop, at each of its charge
                    // points in turn (plain, fused in a branch, fused in
                    // a call), after a first loop of `ITERATIONS`.
                    "trap_gas" => {
                        let (first, _) = run("spin", u64::MAX);
                        (0..40).map(|k| first.gas_used + k).collect()
                    }
                    // The dynamic charge is the last one: one gas short.
                    _ => {
                        let (whole, _) = run("spin_then_fill", u64::MAX);
                        vec![whole.gas_used - 1]
                    }
                };
                for gas in limits {
                    let (outcome, used) = run(name, gas);
                    if outcome.result.as_ref().map(|_| ()) != expected.as_ref().map(|_| ()) {
                        problems.push(format!("{what} {name} (gas {gas}): {:?}", outcome.result));
                    }
                    if used == 0 || used > NATIVE_STACK_BOUND {
                        problems.push(format!(
                            "{what} {name} (gas {gas}): {used} bytes of native stack"
                        ));
                    }
                }
            }
        }
        problems
    })
}

/// Passes: every handler, rare ones and traps of every kind included,
/// passes control on by a jump.
#[test]
fn every_handler_keeps_the_native_stack_flat() {
    let problems = native_stack_report();
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Passes: the same exports, 300 iterations each, end as on the reference
/// (results or trap kind, and gas used), raw and instrumented. (Host traps
/// left out: the reference's `env.h` does not trap.) Pins the numeric
/// handlers and the immediate forms against the reference.
#[test]
fn every_handler_matches_the_reference() {
    let text = native_stack_module();
    let mut failures = Vec::new();
    for (what, wasm) in [("raw", parse(&text)), ("instrumented", instrumented(&text))] {
        let module = Module::new_unmetered(&wasm).expect("compiles");
        for (name, _) in native_stack_runs() {
            // Unmetered, recursion ends at each engine's own limit, and
            // nothing runs out of gas.
            let unmetered = name == "trap_stack" || name.starts_with("trap_gas");
            if name.ends_with("host") || (what == "raw" && unmetered) {
                continue;
            }
            let args = [Value::I32(300)];
            let gas = 10_000_000;
            let mut ours = Instance::new(&module, &linker()).expect("instantiates");
            let got = comparable(&call(&mut ours, name, &args, gas));
            let expected = reference::Reference::new(&wasm).call(name, &args, gas);
            if got != expected {
                failures.push(format!(
                    "{what} {name}: gasworks {got:?}, wasmi {expected:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The context of [`nested_instances_share_the_thread_safely`]: the inner
/// instance a host function calls into.
struct Nest {
    inner: Instance,
    calls: u32,
    inner_stack: usize,
}

/// Passes: a host function calling into another instance (same thread,
/// same stack pool, the outer call's stack lent out meanwhile), 1,000
/// times from a loop, some inner calls trapping: the outer results are the
/// same on a fresh thread and after the pool was dirtied, the outer memory
/// is intact (its `mem` register stays valid across the nested calls), and
/// both instances keep a flat native stack.
#[test]
fn nested_instances_share_the_thread_safely() {
    let inner = instrumented(
        r#"(module
            (memory 1)
            (func (export "work") (param $x i32) (result i32) (local $i i32) (local $acc i32)
              (memory.fill (i32.const 0) (local.get $x) (i32.const 4096))
              (loop $top
                (local.set $acc (i32.add (local.get $acc)
                  (i32.load8_u (local.get $i))))
                (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                      (i32.const 100))))
              ;; Traps when $x is a multiple of 7.
              (i32.add (local.get $acc) (i32.div_u (i32.const 1) (i32.rem_u (local.get $x) (i32.const 7))))))"#,
    );
    let outer_text = r#"(module
        (import "env" "nest" (func $nest (param i32) (result i32)))
        (memory 1)
        (func (export "run") (param $n i32) (result i32) (local $i i32) (local $acc i32)
          (i64.store (i32.const 64) (i64.const 0x0123456789abcdef))
          (loop $top
            (local.set $acc (i32.add (local.get $acc) (call $nest (local.get $i))))
            (i32.store (i32.const 8) (local.get $acc))
            (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                  (local.get $n))))
          (i32.add (local.get $acc)
            (i32.wrap_i64 (i64.xor (i64.load (i32.const 64)) (i64.const 0x0123456789abcdef))))))"#;
    let config = InstrumentConfig {
        host_imports: vec![HostImport {
            module: "env",
            name: "nest",
            params: &[ValType::I32],
            results: &[ValType::I32],
        }],
        ..InstrumentConfig::default()
    };
    let outer = gasworks_vm::instrument(&parse(outer_text), &config)
        .expect("accepted")
        .module;
    let run = move |dirty: Option<i64>| {
        let (inner, outer) = (inner.clone(), outer.clone());
        on_new_thread(move || {
            if let Some(pattern) = dirty {
                dirty_the_pooled_stack(pattern);
            }
            let mut linker = Linker::new();
            linker.define(
                "env",
                "nest",
                &[ValType::I32],
                &[ValType::I32],
                Arc::new(
                    |caller: &mut Caller<'_>, args: &[u64], results: &mut [u64]| {
                        caller.charge_gas(10)?;
                        let Some(nest) = caller.context::<Nest>() else {
                            return Err(TrapKind::Host(1));
                        };
                        nest.calls += 1;
                        let outcome = nest
                            .inner
                            .call("work", &[Value::I32(args[0] as i32)], 1_000_000)
                            .map_err(|_| TrapKind::Host(2))?;
                        nest.inner_stack = nest.inner_stack.max(nest.inner.native_stack_used());
                        results[0] = match outcome.result {
                            Ok(values) => match values[..] {
                                [Value::I32(v)] => u64::from(v as u32),
                                _ => return Err(TrapKind::Host(3)),
                            },
                            Err(_) => 0,
                        };
                        Ok(())
                    },
                ),
            );
            let inner = Instance::new(
                &Module::new_unmetered(&inner).expect("compiles"),
                &Linker::new(),
            )
            .expect("instantiates");
            let mut nest = Nest {
                inner,
                calls: 0,
                inner_stack: 0,
            };
            let module = Module::new_unmetered(&outer).expect("compiles");
            let mut outer = Instance::new(&module, &linker).expect("instantiates");
            let outcome = outer
                .call_with("run", &[Value::I32(1_000)], 100_000_000, &mut nest)
                .expect("call made");
            (
                outcome,
                nest.calls,
                outer.native_stack_used(),
                nest.inner_stack,
            )
        })
    };
    let fresh = run(None);
    // Inner `work(x)` is 100 * (x & 0xff) + 1 / (x % 7), or traps (and
    // the host gives 0) when 7 divides x.
    let expected: u32 = (0..1_000u32)
        .filter(|x| x % 7 != 0)
        .map(|x| 100 * (x & 0xff) + 1 / (x % 7))
        .sum();
    assert_eq!(fresh.0.result, Ok(vec![Value::I32(expected as i32)]));
    assert_eq!(fresh.1, 1_000);
    assert!(
        fresh.2 > 0 && fresh.2 <= NATIVE_STACK_BOUND,
        "outer {}",
        fresh.2
    );
    assert!(
        fresh.3 > 0 && fresh.3 <= NATIVE_STACK_BOUND,
        "inner {}",
        fresh.3
    );
    for pattern in [0x5555_5555_5555_5555, -1] {
        let dirty = run(Some(pattern));
        assert_eq!(fresh.0, dirty.0, "pattern {pattern:#x}");
    }
}
