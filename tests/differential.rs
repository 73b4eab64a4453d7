//! Differential testing of the engine against wasmi 2.0 (issue 3; the
//! reference in its own process: issue 12, point 8).
//!
//! wasm-smith generates modules inside the accepted profile (floats off, no
//! imports, no start function, sizes within the consensus limits), from a
//! fixed-seed SplitMix64 stream; the instrumenter meters them; then every
//! exported function with integer parameters is called, in one sequence per
//! module, on our engine and on wasmi (its fuel off, the `gasworks.gas` host
//! function metering), and after every call the harness
//! (`differential/harness.rs`) compares results, trap kinds, the exact gas
//! used (which with the trap kind pins the out-of-gas point), every global
//! and the whole memory. Termination: the gas limit ends every run (every
//! loop iteration pays gas); one module in three also carries wasm-smith's
//! own termination fuel.
//!
//! wasmi runs in a child process (`differential/reference_process.rs`): a
//! panic, a crash (its native stack overflows on some modules) or a hang
//! there is a *reference failure*, counted and listed apart from
//! mismatches, and the run goes on with a new child.
//!
//! The run prints `differential: N modules, M mismatches, R reference
//! failures (kinds)` and fails on any mismatch, showing the first few with
//! their seeds. `GASWORKS_DIFFERENTIAL_MODULES` sets the number of modules
//! (default 5,000), `GASWORKS_DIFFERENTIAL_FIRST_SEED` the first seed (to
//! reproduce one), and `GASWORKS_DIFFERENTIAL_DUMP` a directory where the
//! modules of mismatches and reference failures are written (`seed-N.wasm`,
//! `seed-N.instrumented.wasm`). See `docs/differential.md`.
//!
//! Every mismatch found becomes a regression test at the end of this file:
//! a small WAT module and the calls that showed it; every bug of wasmi's
//! found, a reproduction in `differential/wasmi-bugs/` and a test that pins
//! it.

mod common;
#[path = "differential/harness.rs"]
mod harness;
#[path = "differential/reference_process.rs"]
mod reference_process;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::SplitMix64;
use gasworks_vm::trap::TrapKind;
use harness::{Call, CaseResult, FailureKind, Finding, Skip, Summary, Val};
use reference_process::ReferenceProcess;

/// Modules compared by default.
const DEFAULT_MODULES: u64 = 5_000;

/// Calls per module at most.
const MAX_CALLS: usize = 24;

/// Mismatches shown in the failure message.
const SHOWN: usize = 5;

/// Reference failures listed after the run.
const REFERENCE_FAILURES_SHOWN: usize = 50;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|text| text.parse().ok())
}

/// The randomness of one seed: the harness's own stream and wasm-smith's
/// entropy.
fn seed_inputs(seed: u64) -> (u64, Vec<u8>) {
    let mut rng = SplitMix64(seed.wrapping_mul(0x9e6c_63d0_676a_9a99) ^ 0x6469_6666_6572_656e);
    let len = 256 + rng.below(8 * 1024) as usize;
    let entropy = rng.bytes(len);
    (rng.next(), entropy)
}

#[test]
fn generated_modules_agree_with_wasmi() {
    let start = Instant::now();
    let target = env_u64("GASWORKS_DIFFERENTIAL_MODULES").unwrap_or(DEFAULT_MODULES);
    let first_seed = env_u64("GASWORKS_DIFFERENTIAL_FIRST_SEED").unwrap_or(0);
    let dump = std::env::var_os("GASWORKS_DIFFERENTIAL_DUMP").map(std::path::PathBuf::from);
    let write_dump = |seed: u64, generated: &harness::Generated| {
        if let Some(dir) = &dump {
            let _ = std::fs::create_dir_all(dir);
            let _ = std::fs::write(dir.join(format!("seed-{seed}.wasm")), &generated.original);
            let _ = std::fs::write(
                dir.join(format!("seed-{seed}.instrumented.wasm")),
                &generated.instrumented,
            );
        }
    };
    // wasmi runs in a child process: its crashes are counted, not fatal.
    let mut reference = ReferenceProcess::default();

    let mut compared = 0u64;
    let mut mismatches: Vec<String> = Vec::new();
    let mut reference_failures: Vec<String> = Vec::new();
    let mut failure_kinds: BTreeMap<FailureKind, u64> = BTreeMap::new();
    let mut not_generated = 0u64;
    let mut rejected: BTreeMap<String, u64> = BTreeMap::new();
    let mut totals = Summary::default();
    let mut not_loaded = 0u64;
    let mut instantiation_traps = 0u64;
    let mut seed = first_seed;
    // Seeds that give nothing to compare do not count; a bound keeps a
    // broken generator from looping for ever.
    while compared + (reference_failures.len() as u64) < target && seed - first_seed < target * 2 {
        let (harness_seed, entropy) = seed_inputs(seed);
        // A panic here (our engine, the instrumenter, wasm-smith or the
        // harness: the reference's are caught in its process) is a finding
        // too, reported with its seed.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            harness::check(&mut reference, harness_seed, &entropy, MAX_CALLS)
        }));
        let result = match result {
            Ok(result) => result,
            Err(payload) => {
                compared += 1;
                let message = harness::panic_message(payload.as_ref());
                mismatches.push(format!("seed {seed}: panicked: {message}"));
                seed += 1;
                continue;
            }
        };
        match result {
            CaseResult::Skipped(Skip::NotGenerated(_)) => not_generated += 1,
            CaseResult::Skipped(Skip::Rejected(message)) => {
                // Keep the rule, not the offsets.
                let rule = message.split(':').next().unwrap_or("");
                let rule = rule.split(" at offset").next().unwrap_or("").to_string();
                *rejected.entry(rule).or_default() += 1;
            }
            CaseResult::Compared(summary) => {
                compared += 1;
                not_loaded += u64::from(summary.not_loaded);
                instantiation_traps += u64::from(summary.instantiation_trap.is_some());
                totals.calls += summary.calls;
                totals.returned += summary.returned;
                totals.gas_used += summary.gas_used;
                for (kind, n) in summary.traps {
                    *totals.traps.entry(kind).or_default() += n;
                }
            }
            CaseResult::Mismatch(generated, mismatch) => {
                compared += 1;
                write_dump(seed, &generated);
                mismatches.push(format!("seed {seed}: {mismatch}"));
            }
            CaseResult::ReferenceFailed(generated, failure) => {
                write_dump(seed, &generated);
                *failure_kinds.entry(failure.kind).or_default() += 1;
                reference_failures.push(format!("seed {seed}: {failure}"));
            }
        }
        seed += 1;
        let checked = compared + reference_failures.len() as u64;
        if target >= 20_000 && checked.is_multiple_of(10_000) {
            eprintln!(
                "differential: {checked} of {target} modules (seeds {first_seed}..{seed}), \
                 {} mismatches, {} reference failures so far, {:.0} s",
                mismatches.len(),
                reference_failures.len(),
                start.elapsed().as_secs_f64()
            );
        }
    }

    let kinds = failure_kinds
        .iter()
        .map(|(kind, n)| format!("{}: {n}", kind.name()))
        .collect::<Vec<_>>()
        .join(", ");
    println!(
        "differential: {compared} modules, {} mismatches, {} reference failures ({kinds})",
        mismatches.len(),
        reference_failures.len(),
    );
    let traps = totals
        .traps
        .iter()
        .map(|(kind, n)| format!("{}: {n}", kind.name()))
        .collect::<Vec<_>>()
        .join(", ");
    eprintln!(
        "differential coverage: seeds {first_seed}..{seed}, {not_generated} not generated, \
         rejected {rejected:?}, {not_loaded} loaded by neither engine, \
         {instantiation_traps} trapped at instantiation on both; {} calls, {} returned, \
         traps {{{traps}}}, {} gas; {} reference processes started; {:.1} s",
        totals.calls,
        totals.returned,
        totals.gas_used,
        reference.started,
        start.elapsed().as_secs_f64()
    );
    // Findings about wasmi, not about us (see tests/differential/wasmi-bugs/).
    for failure in reference_failures.iter().take(REFERENCE_FAILURES_SHOWN) {
        eprintln!("differential: reference failure: {failure}");
    }

    assert!(
        mismatches.is_empty(),
        "{} mismatches (first {SHOWN} shown; reproduce one with \
         GASWORKS_DIFFERENTIAL_FIRST_SEED=N GASWORKS_DIFFERENTIAL_MODULES=1):\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    let checked = compared + reference_failures.len() as u64;
    assert!(
        checked >= target,
        "only {checked} of {target} modules checked within {} seeds",
        target * 2
    );
    // The run must exercise something: calls that return, and the gas trap;
    // and the reference must answer for nearly every module, or the run
    // says little.
    if target >= 1_000 {
        assert!(
            reference_failures.len() as u64 * 100 <= checked,
            "the reference failed on {} of {checked} modules (more than 1%)",
            reference_failures.len()
        );
        assert!(
            totals.returned * 10 >= totals.calls,
            "too few calls returned: {} of {}",
            totals.returned,
            totals.calls
        );
        for kind in [
            TrapKind::OutOfGas,
            TrapKind::Unreachable,
            TrapKind::MemoryOutOfBounds,
        ] {
            assert!(
                totals.traps.get(&kind).copied().unwrap_or(0) > 0,
                "no call trapped with {kind}: the generator no longer covers it"
            );
        }
    }
}

/// The child process of [`ReferenceProcess`]: serves wasmi to the harness
/// over standard input and output. Does nothing unless started by it.
#[test]
#[ignore = "the reference process of the differential harness, which starts it"]
fn wasmi_reference_process() {
    if std::env::var_os(reference_process::SERVER_ENV).is_none() {
        return;
    }
    let mut output = std::io::BufWriter::new(std::io::stdout().lock());
    reference_process::serve(&mut std::io::stdin().lock(), &mut output)
        .expect("the harness's pipes work");
}

// ===========================================================================
// Harness self-checks and regressions
// ===========================================================================

/// Instruments `wat`.
fn instrument_wat(wat: &str) -> Vec<u8> {
    let wasm = wat::parse_str(wat).expect("test WAT parses");
    gasworks_vm::instrument(&wasm, &gasworks_vm::InstrumentConfig::default())
        .expect("test module is accepted")
        .module
}

/// Instruments `wat` and compares `calls` on both engines, with wasmi in
/// this process and in its own, which must agree call by call (so the
/// reference process's protocol carries every outcome and state).
fn compare_wat(wat: &str, calls: &[Call]) -> Result<Summary, Finding> {
    let instrumented = instrument_wat(wat);
    let in_process = harness::compare(&instrumented, |_| calls.to_vec());
    let separate = harness::compare_with(&mut ReferenceProcess::default(), &instrumented, |_| {
        calls.to_vec()
    });
    match (&in_process, &separate) {
        (Ok(a), Ok(b)) => assert_eq!(a.outcomes, b.outcomes, "in-process and separate wasmi"),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("in-process {in_process:?}, separate {separate:?}"),
    }
    in_process
}

fn call(export: &str, args: &[Val], gas_limit: u64) -> Call {
    Call {
        export: export.to_string(),
        args: args.to_vec(),
        gas_limit,
    }
}

/// Every trap kind that a module without host functions can raise is
/// classified the same on both sides (so the mapping of wasmi's errors is
/// right), and state after a trap (memory, globals, the restored stack
/// height) carries into the next call the same way.
#[test]
fn every_trap_kind_agrees() {
    let wat = r#"
        (module
          (type $v (func))
          (type $i (func (param i32) (result i32)))
          (memory 1 2)
          (table 2 funcref)
          (elem (i32.const 0) $unreachable)
          (global $g (mut i32) (i32.const 0))
          (func $unreachable (export "unreachable") unreachable)
          (func (export "memory") (global.set $g (i32.const 1)) (i32.store (i32.const 65536) (i32.const 1)))
          (func (export "table") (call_indirect (type $v) (i32.const 5)))
          (func (export "null") (call_indirect (type $v) (i32.const 1)))
          (func (export "signature") (drop (call_indirect (type $i) (i32.const 0) (i32.const 0))))
          (func (export "div") (result i32) (i32.div_u (i32.const 1) (i32.const 0)))
          (func (export "overflow") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
          (func $deep (export "deep") (call $deep))
          (func (export "spin") (loop (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1))) (br 0)))
          (func (export "ok") (result i32 i64) (i32.load (i32.const 0)) (i64.extend_i32_u (global.get $g))))
    "#;
    let calls: Vec<Call> = [
        "unreachable",
        "memory",
        "table",
        "null",
        "signature",
        "div",
        "overflow",
        "deep",
        "spin",
        "ok",
    ]
    .iter()
    .map(|name| call(name, &[], 1_000_000))
    .collect();
    let summary = compare_wat(wat, &calls).unwrap_or_else(|m| panic!("{m}"));
    let kinds: Vec<TrapKind> = summary.traps.keys().copied().collect();
    assert_eq!(
        kinds,
        [
            TrapKind::Unreachable,
            TrapKind::MemoryOutOfBounds,
            TrapKind::TableOutOfBounds,
            TrapKind::IndirectCallToNull,
            TrapKind::IndirectCallTypeMismatch,
            TrapKind::IntegerDivideByZero,
            TrapKind::IntegerOverflow,
            TrapKind::StackExhausted,
            TrapKind::OutOfGas,
        ]
    );
    assert_eq!(summary.returned, 1);
}

/// The state the harness compares is all of it: every global (the injected
/// stack-height global included, exported or not) and the memory are
/// exposed to both engines.
#[test]
fn exposing_adds_every_global_and_the_memory() {
    let wasm = wat::parse_str(
        r#"(module (memory 1) (global (mut i32) (i32.const 7)) (global i64 (i64.const 9))
             (func (export "f")))"#,
    )
    .expect("WAT parses");
    let instrumented = gasworks_vm::instrument(&wasm, &gasworks_vm::InstrumentConfig::default())
        .expect("accepted")
        .module;
    let exposed = harness::expose(&instrumented).expect("exposes");
    // Two globals of the module plus the stack-height global.
    assert_eq!(exposed.globals, 3);
    assert!(exposed.has_memory);
    let module = gasworks_vm::engine::Module::new_unmetered(&exposed.wasm).expect("compiles");
    let instance = gasworks_vm::engine::Instance::new(&module, &gasworks_vm::engine::Linker::new())
        .expect("instantiates");
    assert_eq!(
        instance.global(&harness::global_export(0)),
        Some(gasworks_vm::engine::Value::I32(7))
    );
    assert_eq!(
        instance.global(&harness::global_export(1)),
        Some(gasworks_vm::engine::Value::I64(9))
    );
    assert_eq!(
        instance.global(&harness::global_export(2)),
        Some(gasworks_vm::engine::Value::I32(0))
    );
}

/// Not a Gasworks mismatch but a finding about the reference: wasmi 2.0.0's
/// translator fails a `debug_assert!` ("a register operand already exists
/// on the stack", `translator/func/stack/operands.rs:798`) on this valid
/// module, first seen by the fuzzer (debug assertions on). Without debug
/// assertions, as here, wasmi runs it correctly, and so does our engine.
/// The fuzz target skips modules that trip the assertion.
#[test]
fn wasmi_debug_assertion_on_if_params() {
    let wat = r#"
        (module
          (memory 1)
          (data (i32.const 0) "\2a")
          (func (export "f") (param i32) (result i32) (local i32)
            (i32.load (i32.const 0))
            (local.get 0)
            (if (param i32) (result i32)
              (then (local.set 1 (memory.size)) (return))
              (else (i32.add (i32.const 1000))))))
    "#;
    let calls = [
        call("f", &[Val::I32(0)], 1_000),
        call("f", &[Val::I32(1)], 1_000),
    ];
    let summary = compare_wat(wat, &calls).unwrap_or_else(|m| panic!("{m}"));
    let results: Vec<_> = summary.outcomes.iter().map(|o| o.result.clone()).collect();
    assert_eq!(results, [Ok(vec![Val::I32(1042)]), Ok(vec![Val::I32(42)])]);
}

// ===========================================================================
// The reference's own bugs (tests/differential/wasmi-bugs/)
// ===========================================================================

/// A committed reproduction of a wasmi bug.
fn wasmi_bug(name: &str) -> String {
    let path = format!(
        "{}/tests/differential/wasmi-bugs/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Runs `f(arg)` of an instrumented module on our engine alone.
fn run_ours(instrumented: &[u8], arg: i32, gas_limit: u64) -> gasworks_vm::engine::Instance {
    use gasworks_vm::engine::{Instance, Linker, Module, Value};
    let module = Module::new_unmetered(instrumented).expect("compiles");
    let mut instance = Instance::new(&module, &Linker::new()).expect("instantiates");
    let outcome = instance
        .call("f", &[Value::I32(arg)], gas_limit)
        .expect("f(i32) exists");
    assert_eq!(outcome.result, Ok(vec![]), "our engine runs it");
    instance
}

/// wasmi 2.0.0's translator panics on a store whose address and value are
/// one register and whose offset needs more than 16 bits (seed 7000526):
/// the harness reports a reference failure, in process and out, and our
/// engine runs the module. If this fails because wasmi translates it, the
/// bug is fixed upstream: turn this into an agreement test.
#[test]
fn wasmi_bug_store_operands_same_register() {
    let wat = wasmi_bug("store-operands-same-register.wat");
    let raw = wat::parse_str(&wat).expect("parses");
    let engine = harness::wasmi_engine();
    let translated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wasmi::Module::new(&engine, &raw).is_ok()
    }));
    assert!(
        translated.is_err(),
        "wasmi translates it now: {translated:?}"
    );

    let instrumented = instrument_wat(&wat);
    let plan = |_: &[harness::Callable]| vec![call("f", &[Val::I32(0)], 1_000_000)];
    for (place, finding) in [
        ("in process", harness::compare(&instrumented, plan)),
        (
            "separate",
            harness::compare_with(&mut ReferenceProcess::default(), &instrumented, plan),
        ),
    ] {
        match finding {
            Err(Finding::Reference(failure)) => {
                assert_eq!(failure.kind, FailureKind::Panicked, "{place}: {failure}");
                assert_eq!(failure.call, None, "{place}: at loading");
                assert!(failure.what.contains("unreachable"), "{place}: {failure}");
            }
            other => panic!("{place}: expected a reference failure, got {other:?}"),
        }
    }
    // Ours: f(0) stores clz(0) = 32 at 65536 + 32.
    let instance = run_ours(&instrumented, 0, 1_000_000);
    assert_eq!(instance.memory()[65568..65572], 32u32.to_le_bytes());
}

/// wasmi 2.0.0's `memory.grow` and `table.grow` handlers lose their tail
/// calls, so a loop of either grows wasmi's native stack until the process
/// aborts (seed 7006055): in its own process, that is a reference failure
/// (crashed, the abort's message kept), the next module gets a new process,
/// and our engine runs the loop in constant native stack.
#[test]
fn wasmi_bug_grow_overflows_native_stack() {
    let mut reference = ReferenceProcess::default();
    for name in [
        "memory-grow-stack-overflow.wat",
        "table-grow-stack-overflow.wat",
    ] {
        let instrumented = instrument_wat(&wasmi_bug(name));
        let plan = |_: &[harness::Callable]| {
            vec![
                call("f", &[Val::I32(10)], 1_000_000),
                call("f", &[Val::I32(1_000_000)], u64::MAX),
            ]
        };
        match harness::compare_with(&mut reference, &instrumented, plan) {
            Err(Finding::Reference(failure)) => {
                assert_eq!(failure.kind, FailureKind::Crashed, "{name}: {failure}");
                // The short loop agreed; the long one crashed wasmi.
                assert_eq!(failure.call, Some(1), "{name}: {failure}");
                assert!(
                    failure.what.contains("overflowed its stack"),
                    "{name}: {failure}"
                );
            }
            other => panic!(
                "{name}: expected wasmi to crash (if it no longer does, the bug is \
                 fixed upstream: make this an agreement test), got {other:?}"
            ),
        }
        let instance = run_ours(&instrumented, 1_000_000, u64::MAX);
        assert!(instance.native_stack_used() <= 256, "{name}");
    }
    // After each crash, the next module started a new process.
    let summary = harness::compare_with(
        &mut reference,
        &instrument_wat(r#"(module (func (export "f") (param i32)))"#),
        |_| vec![call("f", &[Val::I32(1)], 1_000)],
    )
    .unwrap_or_else(|finding| panic!("{finding}"));
    assert_eq!(summary.returned, 1);
    assert_eq!(reference.started, 3);
}

/// A reference that gives no answer in time is killed and reported as
/// timed out; the next module gets a new process. (Driven directly: in a
/// comparison our engine would run the endless loop first.)
#[test]
fn reference_process_times_out() {
    use harness::{Loaded, Reference};
    let mut reference = ReferenceProcess::with_timeout(Duration::from_millis(300));
    let instrumented = instrument_wat(r#"(module (func (export "f") (param i32) (loop (br 0))))"#);
    let spin = harness::expose(&instrumented).expect("exposes");
    let loaded = reference.load(&spin.wasm, spin.globals).expect("loads");
    assert!(matches!(loaded, Loaded::Ready(_)), "{loaded:?}");
    let failure = reference
        .call(&call("f", &[Val::I32(0)], u64::MAX))
        .expect_err("an endless loop does not answer");
    assert_eq!(failure.kind, FailureKind::TimedOut, "{failure}");
    assert!(failure.what.contains("SIGKILL"), "{failure}");
    let summary = harness::compare_with(&mut reference, &instrumented, |_| {
        vec![call("f", &[Val::I32(0)], 10_000)]
    })
    .unwrap_or_else(|finding| panic!("{finding}"));
    assert_eq!(summary.traps.get(&TrapKind::OutOfGas), Some(&1));
    assert_eq!(reference.started, 2);
}

/// Compares `calls` of a module as it is (not instrumented: these
/// reproductions are wasmi's own) with wasmi in process and in its own.
fn compare_raw(wat: &str, calls: &[Call]) -> Result<Summary, Finding> {
    let wasm = wat::parse_str(wat).expect("test WAT parses");
    let in_process = harness::compare(&wasm, |_| calls.to_vec());
    let separate =
        harness::compare_with(&mut ReferenceProcess::default(), &wasm, |_| calls.to_vec());
    match (&in_process, &separate) {
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (Ok(a), Ok(b)) => assert_eq!(a.outcomes, b.outcomes),
        _ => panic!("in-process {in_process:?}, separate {separate:?}"),
    }
    in_process
}

/// The outcome of `f(args)` of `wat` (not instrumented) on our engine.
fn ours_raw(wat: &str, args: &[gasworks_vm::engine::Value]) -> Vec<gasworks_vm::engine::Value> {
    use gasworks_vm::engine::{Instance, Linker, Module};
    let wasm = wat::parse_str(wat).expect("test WAT parses");
    let module = Module::new_unmetered(&wasm).expect("compiles");
    let mut instance = Instance::new(&module, &Linker::new()).expect("instantiates");
    let outcome = instance.call("f", args, 1_000_000).expect("f exists");
    outcome.result.expect("f returns")
}

/// wasmi 2.0.0 inverts a `select` on `i32.eqz` between a global and a
/// constant (seeds 20004168, 20006071): our engine gives the
/// specification's answer and the harness reports the difference. If this
/// fails because wasmi agrees, the bug is fixed upstream.
#[test]
fn wasmi_bug_select_eqz_condition_inverted() {
    use gasworks_vm::engine::Value;
    let wat = wasmi_bug("select-eqz-condition-inverted.wat");
    assert_eq!(ours_raw(&wat, &[Value::I32(0)]), [Value::I32(1)]);
    assert_eq!(ours_raw(&wat, &[Value::I32(1)]), [Value::I32(2)]);
    let finding = compare_raw(&wat, &[call("f", &[Val::I32(0)], 1_000)])
        .expect_err("wasmi picks the other operand");
    let text = finding.to_string();
    assert!(
        text.contains("gasworks Outcome { result: Ok([I32(1)])")
            && text.contains("wasmi Outcome { result: Ok([I32(2)])"),
        "{text}"
    );
}

/// wasmi 2.0.0 reads a stack slot it never wrote for a `local.get` kept
/// below an `if` with a parameter (seed 20000322): our engine returns the
/// local (0), wasmi the slot's stale value (3). If this fails because
/// wasmi agrees, the bug is fixed upstream.
#[test]
fn wasmi_bug_stale_slot_after_if_with_params() {
    use gasworks_vm::engine::Value;
    let wat = wasmi_bug("stale-slot-after-if-with-params.wat");
    assert_eq!(ours_raw(&wat, &[]), [Value::I64(0)]);
    let finding =
        compare_raw(&wat, &[call("f", &[], 1_000)]).expect_err("wasmi reads the stale slot");
    let text = finding.to_string();
    assert!(
        text.contains("gasworks Outcome { result: Ok([I64(0)])")
            && text.contains("wasmi Outcome { result: Ok([I64(3)])"),
        "{text}"
    );
}
