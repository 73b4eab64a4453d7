//! The WebAssembly spec suite as a behavioural conformance test (issue 3,
//! "Conformance"), with metering off and on.
//!
//! Every `.wast` file of `tests/wasm-testsuite` (vendored) is parsed once with the
//! `wast` crate (`spec/script.rs`) and run in two configurations, on a fresh
//! engine per file (`spec/engine.rs`, the [`engine::Engine`] trait; wasmi 2.0
//! with its fuel off for now):
//!
//! - **metering off**: every module, stripped of its float parts
//!   (`spec/strip.rs`: float functions keep their index and get an
//!   `unreachable` body, float types become integer *surrogates*, float
//!   globals integer globals), runs as it is. The engine's own call-stack
//!   limit is what `assert_exhaustion` sees.
//! - **metering on**: the stripped module, its start function moved to an
//!   export that the harness calls right after instantiation (the
//!   instrumenter rejects a start section), is instrumented by
//!   [`gasworks_vm::instrument`] with [`spec_limits`] and a manifest of the
//!   functions the linker offers (the `spectest` print functions and the
//!   function exports of the registered modules, with their signatures, so
//!   that the instrumenter's own import check decides what links), checked
//!   with wasmparser's validator, and run with [`GAS_PER_INVOCATION`] gas
//!   per invocation. `assert_exhaustion` must come from the injected stack
//!   limit (`gasworks.stack_exhausted`); wasmi's own limits are set far
//!   higher, and reaching them is a failure.
//!
//! The behavioural assertions are `assert_return`, `assert_trap` (of an
//! invocation, or of an instantiation: `assert_trap (module ...)`),
//! `assert_exhaustion`, top-level `invoke` (passes when it returns) and
//! `assert_unlinkable`. `assert_invalid` and `assert_malformed` belong to
//! `tests/spec_reject.rs` and are only counted here. Trap messages map onto
//! the trap kinds by [`TRAP_MESSAGES`].
//!
//! Tests: `spec_metering_off` and `spec_metering_on` print one summary line
//! each and fail on any failed assertion or on fewer than
//! [`REQUIRED_PASSES`] passes; `metering_on_and_off_agree` fails when a
//! command that ran in both configurations observed different results or
//! traps (an instrumenter bug by definition); `harness_verdicts_on_a_known_script`
//! and `stripped_modules_are_valid_and_float_free` test the harness itself.
//! `GASWORKS_SPEC_FILES=1` adds a per-file table to the output.
//!
//! # Plugging in another engine
//!
//! Implement [`engine::Engine`] (its module docs state the contract: the
//! `spectest` module, the metering imports, resetting the injected stack
//! height after a trap) and point [`METERING_OFF`] / [`METERING_ON`]'s
//! `engine` at it, or add configurations beside them.
//!
//! # Results on this snapshot (wasmi 2.0)
//!
//! ```text
//! spec (metering off): 10808 passed, 0 failed, 13746 skipped
//! spec (metering on): 10601 passed, 0 failed, 13953 skipped
//! metering on/off: 11640 commands run in both, 0 differences
//! [metering on] gas used by all invocations: 44056446920 (at most 4294967303 in one)
//! ```
//!
//! # Results on the Gasworks engine (`gasworks_vm::engine`)
//!
//! The same harness runs our engine (`spec/gasworks.rs`) with metering on
//! and off, and compares it command by command with wasmi: with metering
//! on, results, traps and the exact gas used; with metering off, results
//! and traps. Our engine links function imports with integer signatures
//! only (as a chain does), so without metering it skips the modules that
//! import a memory, table or global, like the metered configurations.
//!
//! ```text
//! spec (gasworks engine, metering on): 10601 passed, 0 failed, 13953 skipped
//! spec (gasworks engine, metering off): 10601 passed, 0 failed, 13953 skipped
//! gasworks vs wasmi: 11640 commands compared, 0 differences
//! ```
//!
//! Passed (off / on): assert_return 8363 / 8235, assert_trap 2197 / 2181,
//! assert_trap (module) 34 / 19, assert_exhaustion 15 / 15, invoke 127 /
//! 127, assert_unlinkable 72 / 24. Modules instantiated: 1122 / 1039, of
//! which 544 / 542 had float parts stripped (1184 / 1176 functions). 2973
//! assert_invalid / assert_malformed are left to `tests/spec_reject.rs`.
//! The whole run takes about a second in release.
//!
//! # Skips, by reason (off / on)
//!
//! - 463 / 463: SIMD files (`simd_*`), a rejection corpus only.
//! - 11785 / 11785: float files (`f32*`, `f64*`, `float_exprs`,
//!   `float_literals`, `float_misc`): an argument or expected result is a
//!   float. Their modules are stripped and instantiated like the others.
//! - 1166 / 1162: elsewhere, an argument or expected result is
//!   `f32`/`f64`/`v128` (the mixed files, `const`, `conversions`...).
//! - 283 / 283: the invoked export is a function stripped of floats (its
//!   type is float, or its body uses floats).
//! - 0 / 0: execution reached a stripped function through a call (the
//!   marker global moved when the call trapped); the mechanism is shown by
//!   `harness_verdicts_on_a_known_script`, the suite never needs it.
//! - 38 / 38: follows a top-level `invoke` that was skipped on the same
//!   instance (`float_memory`: a float store the script reads back).
//! - 11 / 11: `assert_unlinkable` whose import types (or the imported
//!   exports' types) stripping changed (`imports.wast`: float globals).
//! - 0 / 43: metering on, a module that was skipped imported from this
//!   instance (wrote its table or memory, or would have), so its state
//!   differs from the script's (`linking`, `elem`, `data`).
//! - 0 / 168: metering on, the module imports a memory, table or global
//!   (`spectest` or another module): the instrumenter accepts function
//!   imports from the manifest only. This is where `global`, `imports`,
//!   `linking`, `data` and `elem` lose most of their assertions.
//!
//! Under [`Limits::CONSENSUS`] the metering-on run would also lose the
//! modules that [`spec_limits`] lets through (one each for
//! `params_per_function`, `memory_pages`, `br_table_targets`, `exports`,
//! two for `table_elements`; printed by the test), and `memory.grow` would
//! stop at 512 pages.

mod common;
#[path = "spec/engine.rs"]
mod engine;
#[path = "spec/gasworks.rs"]
mod gasworks;
#[path = "spec/runner.rs"]
mod runner;
#[path = "spec/script.rs"]
mod script;
#[path = "spec/strip.rs"]
mod strip;

/// Most native stack, in bytes, the executor may hold at the end of a call
/// (`Instance::native_stack_used`): its entry frame and the last handler's
/// (48 to 64 bytes in the release build). A handler that called the next one
/// instead of jumping to it would add at least 16 bytes per instruction it
/// ran.
const NATIVE_STACK_BOUND: usize = 256;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use gasworks_vm::limits::{Limit, Limits};
use wasmparser::ValType;

use engine::{Engine, Mode, TrapKind, WasmiEngine};
use runner::{Record, Skip, Verdict};

/// Gas for every invocation in the metering-on configuration. The most one
/// invocation of the suite uses is about 4.3 * 10^9 (a `table.grow` of
/// 0xffff_fff0 elements, charged per element before it fails), so nothing
/// runs out.
const GAS_PER_INVOCATION: u64 = 1_000_000_000_000;

/// Behavioural assertions that must pass in each configuration.
const REQUIRED_PASSES: usize = 10_000;

/// The pinned spec testsuite, shared between the project's checkouts.
fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wasm-testsuite")
}

/// The `spectest` functions every engine offers: their stripped
/// (integer-only) signatures, no results.
pub fn spectest_functions() -> Vec<(&'static str, Vec<ValType>)> {
    use ValType::{F32, F64, I32, I64};
    let functions: [(&'static str, Vec<ValType>); 7] = [
        ("print", vec![]),
        ("print_i32", vec![I32]),
        ("print_i64", vec![I64]),
        ("print_f32", vec![F32]),
        ("print_f64", vec![F64]),
        ("print_i32_f32", vec![I32, F32]),
        ("print_f64_f64", vec![F64, F64]),
    ];
    functions
        .into_iter()
        .map(|(name, params)| (name, strip::surrogate(&params, &[]).0))
        .collect()
}

/// The limits the metering-on configuration instruments with: the consensus
/// limits, except
///
/// - the two that also bind at run time, raised to WebAssembly's own maxima,
///   because the spec asserts the spec's growth semantics (`memory.grow` of
///   800 pages succeeds; the VM's page limit is tested in
///   `gas_semantics.rs`);
/// - three static limits that single modules of the suite exceed (a
///   `br_table` of 16,149 targets, 479 exports, a function type of 104
///   parameters): they are policy, not semantics, and the instrumenter's
///   handling of such modules is worth testing.
///
/// The modules the consensus limits would reject are counted and printed.
fn spec_limits() -> Limits {
    Limits {
        memory_pages: 65_536,
        table_elements: u32::MAX,
        br_table_targets: u32::MAX,
        exports: u32::MAX,
        params_per_function: u32::MAX,
        ..Limits::CONSENSUS
    }
}

// ===========================================================================
// Trap messages.
// ===========================================================================

/// How the suite's `assert_trap` / `assert_exhaustion` messages map onto the
/// trap kinds (a message matches when it starts with the text).
const TRAP_MESSAGES: &[(&str, TrapKind)] = &[
    ("unreachable", TrapKind::Unreachable),
    ("out of bounds memory access", TrapKind::MemoryOutOfBounds),
    ("out of bounds table access", TrapKind::TableOutOfBounds),
    // `call_indirect` with an index past the end of the table.
    ("undefined element", TrapKind::TableOutOfBounds),
    // `call_indirect` of a null entry.
    ("uninitialized element", TrapKind::IndirectCallToNull),
    (
        "indirect call type mismatch",
        TrapKind::IndirectCallTypeMismatch,
    ),
    ("integer divide by zero", TrapKind::IntegerDivideByZero),
    ("integer overflow", TrapKind::IntegerOverflow),
    ("call stack exhausted", TrapKind::StackExhausted),
    // "invalid conversion to integer" (float truncation) has no kind: its
    // assertions all have float arguments and are skipped before.
];

fn trap_kind_of(message: &str) -> Option<TrapKind> {
    TRAP_MESSAGES
        .iter()
        .find(|(prefix, _)| message.starts_with(prefix))
        .map(|(_, kind)| *kind)
}

/// One configuration: how modules are prepared and which engine runs them.
struct Configuration {
    name: &'static str,
    /// Instrument modules with `gasworks_vm::instrument` before running.
    metering: bool,
    /// The engine links only function imports with integer signatures
    /// (without metering, modules importing anything else are skipped; with
    /// metering the instrumenter already enforces it).
    function_imports_only: bool,
    engine: fn() -> Box<dyn Engine>,
}

const METERING_OFF: Configuration = Configuration {
    name: "metering off",
    metering: false,
    function_imports_only: false,
    engine: || Box::new(WasmiEngine::new(Mode::Unmetered)),
};

const METERING_ON: Configuration = Configuration {
    name: "metering on",
    metering: true,
    function_imports_only: true,
    engine: || {
        Box::new(WasmiEngine::new(Mode::Metered {
            gas_per_invocation: GAS_PER_INVOCATION,
        }))
    },
};

/// The Gasworks engine (`gasworks_vm::engine`) on the instrumented modules,
/// checked against the spec and, command by command, against wasmi running
/// the same instrumented modules (results, traps and gas used).
const GASWORKS_ENGINE: Configuration = Configuration {
    name: "gasworks engine, metering on",
    metering: true,
    function_imports_only: true,
    engine: || Box::new(gasworks::GasworksEngine::new(GAS_PER_INVOCATION)),
};

/// The Gasworks engine on the stripped modules as they are, without
/// metering: checked against the spec and against wasmi without metering.
const GASWORKS_ENGINE_UNMETERED: Configuration = Configuration {
    name: "gasworks engine, metering off",
    metering: false,
    function_imports_only: true,
    engine: || Box::new(gasworks::GasworksEngine::new(GAS_PER_INVOCATION)),
};

/// Everything one configuration did.
struct Report {
    name: &'static str,
    records: Vec<Record>,
    /// Directives not run here: assert_invalid / assert_malformed.
    rejections: usize,
    modules_instantiated: usize,
    modules_stripped: usize,
    functions_stripped: usize,
    beyond_consensus: BTreeMap<Limit, usize>,
    gas_used: u64,
    max_gas_used: u64,
}

impl Report {
    fn count(&self, f: impl Fn(&Verdict) -> bool) -> usize {
        self.records
            .iter()
            .filter(|r| r.command != "module" && f(&r.verdict))
            .count()
    }

    fn passed(&self) -> usize {
        self.count(|v| matches!(v, Verdict::Pass))
    }

    fn failures(&self) -> Vec<&Record> {
        self.records
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Fail(_)))
            .collect()
    }

    fn skipped(&self) -> usize {
        self.count(|v| matches!(v, Verdict::Skip(_)))
    }

    fn skips_by_reason(&self) -> BTreeMap<Skip, usize> {
        let mut map = BTreeMap::new();
        for record in &self.records {
            if let (Verdict::Skip(skip), false) = (&record.verdict, record.command == "module") {
                *map.entry(skip.clone()).or_default() += 1;
            }
        }
        map
    }

    fn summary(&self) -> String {
        format!(
            "spec ({}): {} passed, {} failed, {} skipped",
            self.name,
            self.passed(),
            self.failures().len(),
            self.skipped()
        )
    }
}

fn run_configuration(config: &'static Configuration) -> Report {
    let mut report = Report {
        name: config.name,
        records: Vec::new(),
        rejections: 0,
        modules_instantiated: 0,
        modules_stripped: 0,
        functions_stripped: 0,
        beyond_consensus: BTreeMap::new(),
        gas_used: 0,
        max_gas_used: 0,
    };
    for script in script::scripts() {
        let mut runner = runner::Runner::new(config, &script.stem);
        report.rejections += runner.run(script);
        for (limit, count) in &runner.beyond_consensus {
            *report.beyond_consensus.entry(*limit).or_default() += count;
        }
        report.gas_used += runner.gas_used;
        report.max_gas_used = report.max_gas_used.max(runner.max_gas_used);
        report.modules_instantiated += runner.modules_instantiated;
        report.modules_stripped += runner.modules_stripped;
        report.functions_stripped += runner.functions_stripped;
        report.records.append(&mut runner.records);
    }
    report
}

fn report_of(config: &'static Configuration) -> &'static Report {
    static OFF: OnceLock<Report> = OnceLock::new();
    static ON: OnceLock<Report> = OnceLock::new();
    static GASWORKS: OnceLock<Report> = OnceLock::new();
    static GASWORKS_UNMETERED: OnceLock<Report> = OnceLock::new();
    let cell = if config.name == GASWORKS_ENGINE.name {
        &GASWORKS
    } else if config.name == GASWORKS_ENGINE_UNMETERED.name {
        &GASWORKS_UNMETERED
    } else if config.metering {
        &ON
    } else {
        &OFF
    };
    cell.get_or_init(|| run_configuration(config))
}

fn print_report(report: &Report) {
    let mut by_command: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for record in &report.records {
        let entry = by_command.entry(record.command).or_default();
        match record.verdict {
            Verdict::Pass => entry[0] += 1,
            Verdict::Fail(_) => entry[1] += 1,
            Verdict::Skip(_) => entry[2] += 1,
        }
    }
    for failure in report.failures() {
        if let Verdict::Fail(message) = &failure.verdict {
            println!(
                "FAIL [{}] {} {}: {message}",
                report.name, failure.place, failure.command
            );
        }
    }
    // Per file, on request: GASWORKS_SPEC_FILES=1.
    if std::env::var_os("GASWORKS_SPEC_FILES").is_some() {
        let mut by_file: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
        for record in report.records.iter().filter(|r| r.command != "module") {
            let file = record.place.split(':').next().unwrap_or("");
            let entry = by_file.entry(file).or_default();
            match record.verdict {
                Verdict::Pass => entry[0] += 1,
                Verdict::Fail(_) => entry[1] += 1,
                Verdict::Skip(_) => entry[2] += 1,
            }
        }
        println!("[{}] by file (passed/failed/skipped):", report.name);
        for (file, [p, f, s]) in &by_file {
            println!("  {file}: {p}/{f}/{s}");
        }
    }
    println!("[{}] by command (passed/failed/skipped):", report.name);
    for (command, [p, f, s]) in &by_command {
        println!("  {command}: {p}/{f}/{s}");
    }
    println!(
        "[{}] modules: {} instantiated, {} stripped of floats ({} functions); \
         {} assert_invalid/assert_malformed left to tests/spec_reject.rs",
        report.name,
        report.modules_instantiated,
        report.modules_stripped,
        report.functions_stripped,
        report.rejections
    );
    if !report.beyond_consensus.is_empty() {
        println!(
            "[{}] modules run that Limits::CONSENSUS would reject (see spec_limits): {:?}",
            report.name, report.beyond_consensus
        );
    }
    if report.gas_used > 0 {
        println!(
            "[{}] gas used by all invocations: {} (at most {} in one)",
            report.name, report.gas_used, report.max_gas_used
        );
    }
    println!("[{}] skipped by reason:", report.name);
    for (skip, count) in report.skips_by_reason() {
        println!("  {count:>6}  {}", skip.describe());
    }
    println!("{}", report.summary());
}

fn check(config: &'static Configuration) {
    let report = report_of(config);
    print_report(report);
    let failures = report.failures();
    assert_eq!(
        config.metering,
        report.gas_used > 0,
        "gas is charged exactly when metering is on"
    );
    assert!(
        failures.is_empty(),
        "{} assertions failed with {} (listed above)",
        failures.len(),
        config.name
    );
    assert!(
        report.passed() >= REQUIRED_PASSES,
        "only {} assertions passed with {} (at least {REQUIRED_PASSES} required)",
        report.passed(),
        config.name
    );
}

#[test]
fn spec_metering_off() {
    check(&METERING_OFF);
}

#[test]
fn spec_metering_on() {
    check(&METERING_ON);
}

#[test]
fn spec_gasworks_engine() {
    check(&GASWORKS_ENGINE);
}

#[test]
fn spec_gasworks_engine_unmetered() {
    check(&GASWORKS_ENGINE_UNMETERED);
}

/// Without metering too, the Gasworks engine observes what wasmi observes on
/// every command both ran.
#[test]
fn gasworks_engine_agrees_with_wasmi_unmetered() {
    let wasmi = report_of(&METERING_OFF);
    let ours = report_of(&GASWORKS_ENGINE_UNMETERED);
    assert_eq!(wasmi.records.len(), ours.records.len(), "same commands run");
    let differences: Vec<String> = wasmi
        .records
        .iter()
        .zip(&ours.records)
        .filter(|(a, b)| a.observed.is_some() && b.observed.is_some() && a.observed != b.observed)
        .map(|(a, b)| {
            format!(
                "{}: wasmi {:?}, gasworks {:?}",
                a.place, a.observed, b.observed
            )
        })
        .collect();
    for difference in differences.iter().take(40) {
        println!("{difference}");
    }
    assert!(differences.is_empty(), "{} differences", differences.len());
}

/// The Gasworks engine and wasmi, both running the instrumented modules,
/// agree on every command: the same verdict, the same results or trap, and
/// exactly the same gas.
#[test]
fn gasworks_engine_agrees_with_wasmi_on_results_traps_and_gas() {
    let wasmi = report_of(&METERING_ON);
    let ours = report_of(&GASWORKS_ENGINE);
    assert_eq!(wasmi.records.len(), ours.records.len(), "same commands run");
    let mut differences = Vec::new();
    let mut compared = 0usize;
    for (a, b) in wasmi.records.iter().zip(&ours.records) {
        assert_eq!(a.place, b.place);
        if a.observed.is_none() && b.observed.is_none() {
            continue;
        }
        compared += 1;
        if a.observed != b.observed || a.gas != b.gas {
            differences.push(format!(
                "{}: wasmi {:?} (gas {:?}), gasworks {:?} (gas {:?})",
                a.place, a.observed, a.gas, b.observed, b.gas
            ));
        }
    }
    for difference in differences.iter().take(40) {
        println!("{difference}");
    }
    println!(
        "gasworks vs wasmi: {compared} commands compared, {} differences",
        differences.len()
    );
    assert!(differences.is_empty(), "{} differences", differences.len());
}

/// Every assertion both configurations ran observed the same thing; any
/// difference is an instrumenter bug.
#[test]
fn metering_on_and_off_agree() {
    let off = report_of(&METERING_OFF);
    let on = report_of(&METERING_ON);
    assert_eq!(off.records.len(), on.records.len(), "same commands run");
    let mut differences = Vec::new();
    let mut compared = 0usize;
    for (a, b) in off.records.iter().zip(&on.records) {
        assert_eq!(a.place, b.place);
        if let (Some(x), Some(y)) = (&a.observed, &b.observed) {
            compared += 1;
            if x != y {
                differences.push(format!("{} {}: off {x}, on {y}", a.place, a.command));
            }
        }
    }
    for difference in &differences {
        println!("DIFFERENCE {difference}");
    }
    println!(
        "metering on/off: {compared} commands run in both, {} differences",
        differences.len()
    );
    assert!(differences.is_empty(), "{} differences", differences.len());
}

/// A script whose every verdict is known, for the harness's own test.
const SELF_TEST: &str = r#"
(module
  (type $ii (func (param i32) (result i32)))
  (type $ff (func (param f32) (result f32)))
  (table funcref (elem $inc $float $inc-float-body))
  (memory 1)
  (global (export "seven") i32 (i32.const 7))
  (global (export "float-global") f32 (f32.const 1.5))
  (func $inc (export "inc") (type $ii) (i32.add (local.get 0) (i32.const 1)))
  (func $float (export "float") (type $ff) (f32.add (local.get 0) (f32.const 1)))
  (func $inc-float-body (export "inc-float-body") (type $ii)
    (i32.trunc_f32_s (f32.add (f32.convert_i32_s (local.get 0)) (f32.const 1))))
  (func (export "calls-float-body") (param i32) (result i32)
    (call $inc-float-body (local.get 0)))
  (func (export "dispatch") (param i32 i32) (result i32)
    (call_indirect (type $ii) (local.get 0) (local.get 1)))
  (func (export "store-float") (f32.store (i32.const 0) (f32.const 1)))
  (func (export "load") (result i32) (i32.load (i32.const 0)))
  (func $deep (export "deep") (param i32) (result i32)
    (call $deep (i32.add (local.get 0) (i32.const 1))))
)
(assert_return (invoke "inc" (i32.const 1)) (i32.const 2))
(assert_return (invoke "inc" (i32.const 1)) (i32.const 3))
(assert_trap (invoke "inc" (i32.const 1)) "unreachable")
(assert_return (invoke "float" (f32.const 1)) (f32.const 2))
(assert_return (invoke "inc-float-body" (i32.const 1)) (i32.const 2))
(assert_return (invoke "calls-float-body" (i32.const 1)) (i32.const 2))
(assert_return (invoke "dispatch" (i32.const 4) (i32.const 0)) (i32.const 5))
(assert_trap (invoke "dispatch" (i32.const 4) (i32.const 1)) "indirect call type mismatch")
(assert_trap (invoke "dispatch" (i32.const 4) (i32.const 2)) "unreachable")
(assert_trap (invoke "dispatch" (i32.const 4) (i32.const 3)) "undefined element")
(assert_return (get "seven") (i32.const 7))
(assert_return (get "float-global") (f32.const 1.5))
(assert_exhaustion (invoke "deep" (i32.const 0)) "call stack exhausted")
(assert_return (invoke "load") (i32.const 0))
(invoke "store-float")
(assert_return (invoke "load") (i32.const 0x3f800000))

(module $exporter
  (memory (export "mem") 1)
  (func $start (i32.store8 (i32.const 0) (i32.const 9)))
  (start $start)
  (func (export "peek") (result i32) (i32.load8_u (i32.const 0))))
(register "exporter" $exporter)
(assert_return (invoke $exporter "peek") (i32.const 9))
(module $importer
  (import "exporter" "peek" (func $peek (result i32)))
  (func (export "peek-through") (result i32) (call $peek)))
(assert_return (invoke $importer "peek-through") (i32.const 9))
(assert_unlinkable (module (import "spectest" "unknown" (func))) "unknown import")
(assert_unlinkable (module (import "exporter" "peek" (func (result i64)))) "incompatible import type")
(assert_trap (module (func $start unreachable) (start $start)) "unreachable")
(module (import "exporter" "mem" (memory 1)) (data (i32.const 0) "\2a"))
(assert_return (invoke $exporter "peek") (i32.const 42))
(assert_return (invoke $importer "peek-through") (i32.const 42))
"#;

/// The harness itself, on [`SELF_TEST`] in both configurations: a wrong
/// expectation fails; stripping keeps integer behaviour (a `call_indirect`
/// against a float function still mismatches); each skip reason fires where
/// it should, the dynamic one (stripped code reached through a call)
/// included; the start function runs (moved to an export when metering is
/// on); a skipped module that writes an instance's memory taints it and
/// whoever imports from it.
#[test]
fn harness_verdicts_on_a_known_script() {
    let script = script::parse_script("self-test", SELF_TEST);
    let common = [
        "module: pass",
        "assert_return: pass",
        "assert_return: fail",
        "assert_trap: fail",
        "assert_return: skip FloatValue",
        "assert_return: skip StrippedExport",
        "assert_return: skip ReachedStrippedCode",
        "assert_return: pass",
        "assert_trap: pass",
        "assert_trap: skip ReachedStrippedCode",
        "assert_trap: pass",
        "assert_return: pass",
        "assert_return: skip FloatValue",
        "assert_exhaustion: pass",
        "assert_return: pass",
        "invoke: skip StrippedExport",
        "assert_return: skip AfterSkippedAction",
        "module: pass",
        "assert_return: pass",
        "module: pass",
        "assert_return: pass",
        "assert_unlinkable: pass",
        "assert_unlinkable: pass",
        "assert_trap (module): pass",
    ];
    let off_tail = ["module: pass", "assert_return: pass", "assert_return: pass"];
    let on_tail = [
        "module: skip MeteredNonFunctionImport",
        "assert_return: skip AfterSkippedModule",
        "assert_return: skip AfterSkippedModule",
    ];
    for (config, tail) in [(&METERING_OFF, off_tail), (&METERING_ON, on_tail)] {
        let mut runner = runner::Runner::new(config, &script.stem);
        runner.run(&script);
        let verdicts: Vec<String> = runner
            .records
            .iter()
            .map(|record| match &record.verdict {
                Verdict::Pass => format!("{}: pass", record.command),
                Verdict::Fail(_) => format!("{}: fail", record.command),
                Verdict::Skip(skip) => format!("{}: skip {skip:?}", record.command),
            })
            .collect();
        let expected: Vec<&str> = common.iter().chain(&tail).copied().collect();
        assert_eq!(verdicts, expected, "{}: {:#?}", config.name, runner.records);
        assert_eq!(config.metering, runner.gas_used > 0, "{}", config.name);
    }
}

/// Stripping on every plain module of the suite (the SIMD files aside):
/// the output validates with floating point switched off in the validator
/// (so nothing float is left), and a module that needed no rewriting comes
/// back byte for byte.
#[test]
fn stripped_modules_are_valid_and_float_free() {
    let features = wasmparser::WasmFeatures::default().difference(wasmparser::WasmFeatures::FLOATS);
    let mut checked = 0usize;
    let mut unchanged = 0usize;
    for script in script::scripts().iter().filter(|s| !s.is_simd()) {
        for command in &script.commands {
            let script::CommandKind::Module { wasm: Ok(wasm), .. } = &command.kind else {
                continue;
            };
            let place = format!("{}.wast:{}", script.stem, command.line);
            for start_as_export in [false, true] {
                let stripped = strip::strip(wasm, start_as_export)
                    .unwrap_or_else(|e| panic!("{place}: stripping failed: {e}"));
                wasmparser::Validator::new_with_features(features)
                    .validate_all(&stripped.wasm)
                    .unwrap_or_else(|e| panic!("{place}: stripped module invalid: {e}"));
                if !stripped.rewritten {
                    assert_eq!(&stripped.wasm, wasm, "{place}: not rewritten, yet changed");
                    unchanged += 1;
                }
                checked += 1;
            }
        }
    }
    println!("stripping: {checked} modules checked, {unchanged} unchanged");
    assert!(
        checked > 1_000 && unchanged > 500,
        "{checked} checked, {unchanged} unchanged"
    );
}
