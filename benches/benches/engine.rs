//! Our engine's fixed costs: translation (compile) throughput, instantiation
//! and one host call, with wasmi 2.0 as the peer in the same run.
//!
//! - `compile`: [`engine::Module::new`] on instrumented modules (what the
//!   engine is given), in bytes of the instrumented module's code section
//!   per second. Inputs: the real Rust programs of `benches/fixtures/` and
//!   `benches/kernels/`; realistic generated code of about 480 KB and 1 MB
//!   (uploaded); and adversarial shapes at the consensus limits (many tiny
//!   functions, deep nesting, huge `br_table`s, many locals, long straight
//!   lines, code dense in branches or calls, calls in a module with the
//!   most types allowed). The generators are those of `instrument.rs`
//!   (`benches/src/lib.rs`), so that both stages see the same inputs, and
//!   one of the compiler's own (`calls_with_many_types`).
//!   The summary gives each input's time per byte against the average (the
//!   3x linearity bound), the share of it spent hashing the module for the
//!   cache key, and wasmi's eager translation of the same bytes.
//! - `instantiate`: [`engine::Instance::new`] for small contract-sized
//!   modules (the instrumented `sort` and `ledger` kernels, and `fib`), from
//!   a compiled module; wasmi (fuel on, original kernel, a new store each
//!   time) beside it.
//! - `host-call`: a wasm loop that calls a trivial host function
//!   (`env.echo: i32 -> i32`, defined through [`engine::Linker::define`])
//!   0, 1 or 4 times per iteration (nested: `echo(echo(echo(echo(i))))`):
//!   the cost of one host call is the time per iteration with one call less
//!   the time without, and (less sensitive to how the loop's own
//!   instructions happen to be predicted) a third of the time with four
//!   calls less the time with one. The loops are instrumented (metered).
//!   wasmi (fuel on, `func_wrap`) runs the uninstrumented loops beside it.
//!
//! Every input is compiled once, every module instantiated once and every
//! loop run once (results checked) before anything is timed. After
//! criterion's groups, when run with `--bench`, a summary pass times each
//! case again (medians of repeated runs) and prints the tables and verdicts
//! of `docs/performance.md`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use gasworks_benches::*;
use gasworks_vm::engine;
use gasworks_vm::instrument::{HostImport, InstrumentConfig};
use gasworks_vm::limits::Limits;

/// Aim from the issue: at least this many bytes of code per second.
const AIM_BYTES_PER_SECOND: f64 = 50e6;
/// No input may cost more than this many times the average time per byte.
const LINEARITY_BOUND: f64 = 3.0;

fn fixture(dir: &str, name: &str) -> Vec<u8> {
    let path = format!("{}/{dir}/{name}.wasm", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|err| panic!("cannot read {path}: {err}"))
}

/// Size of the payload of the code section (id 10) of a valid module.
fn code_section_bytes(wasm: &[u8]) -> u64 {
    fn leb128(bytes: &[u8], at: &mut usize) -> u64 {
        let (mut value, mut shift) = (0u64, 0);
        loop {
            let byte = bytes[*at];
            *at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return value;
            }
            shift += 7;
        }
    }
    let mut at = 8; // magic and version
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let size = leb128(wasm, &mut at);
        if id == 10 {
            return size;
        }
        at += size as usize;
    }
    panic!("a module without a code section")
}

/// Fuel (or gas) given to every run: far more than any run needs.
const FUEL: u64 = 1 << 50;

// ---------------------------------------------------------------------------
// Compile inputs.

/// What an input stands for in the averages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Realistic code: in the realistic and the overall averages.
    Realistic,
    /// An adversarial shape: in the overall average.
    Shape,
    /// A module so small that per-module costs dominate its time per byte:
    /// reported, kept out of the averages.
    Small,
}

/// One compile input: an instrumented module.
struct Input {
    name: &'static str,
    class: Class,
    /// The instrumented module, what the engine compiles.
    instrumented: gasworks_vm::Instrumented,
    /// Size of its code section (the throughput's bytes).
    code_bytes: u64,
    /// Size of the uploaded module's code section, before instrumentation.
    uploaded_code_bytes: u64,
    /// Internal instructions the engine translates it into.
    instructions: usize,
}

impl Input {
    fn new(name: &'static str, class: Class, uploaded: &[u8], config: &InstrumentConfig) -> Self {
        let instrumented = gasworks_vm::instrument(uploaded, config)
            .unwrap_or_else(|rejection| panic!("input {name} is rejected: {rejection}"));
        let module = engine::Module::new(&instrumented)
            .unwrap_or_else(|err| panic!("input {name} does not compile: {err}"));
        Input {
            name,
            class,
            code_bytes: code_section_bytes(&instrumented.module),
            uploaded_code_bytes: instrumented.report.code_bytes,
            instructions: module.instruction_count(),
            instrumented,
        }
    }
}

fn compile_inputs() -> Vec<Input> {
    let consensus = InstrumentConfig::default();
    let large = InstrumentConfig {
        limits: Limits {
            module_bytes: 4 << 20,
            ..Limits::CONSENSUS
        },
        host_imports: Vec::new(),
    };
    let realistic = Class::Realistic;
    let shape = Class::Shape;
    vec![
        Input::new(
            "generated-480k",
            realistic,
            &realistic_module(480_000, 1),
            &consensus,
        ),
        Input::new(
            "generated-1m",
            realistic,
            &realistic_module(1_000_000, 2),
            &large,
        ),
        Input::new(
            "rust-sha256",
            realistic,
            &fixture("fixtures", "sha256"),
            &consensus,
        ),
        Input::new(
            "rust-sort",
            realistic,
            &fixture("fixtures", "sort"),
            &consensus,
        ),
        Input::new(
            "kernel-sha256",
            realistic,
            &fixture("kernels", "sha256"),
            &consensus,
        ),
        Input::new(
            "kernel-sort",
            realistic,
            &fixture("kernels", "sort"),
            &consensus,
        ),
        Input::new(
            "kernel-ledger",
            realistic,
            &fixture("kernels", "ledger"),
            &consensus,
        ),
        Input::new(
            "kernel-fib",
            Class::Small,
            &fixture("kernels", "fib"),
            &consensus,
        ),
        Input::new(
            "kernel-sieve",
            Class::Small,
            &fixture("kernels", "sieve"),
            &consensus,
        ),
        Input::new(
            "shape-tiny-functions",
            shape,
            &many_tiny_functions(),
            &consensus,
        ),
        Input::new("shape-deep-nesting", shape, &deep_nesting(), &consensus),
        Input::new("shape-br-table", shape, &huge_br_table(), &consensus),
        Input::new("shape-many-locals", shape, &many_locals(), &consensus),
        Input::new("shape-straight-line", shape, &straight_line(), &consensus),
        Input::new("shape-branch-dense", shape, &branch_dense(), &consensus),
        Input::new("shape-call-dense", shape, &call_dense(), &consensus),
        Input::new(
            "shape-calls-many-types",
            shape,
            &calls_with_many_types(),
            &consensus,
        ),
    ]
}

/// Back-to-back calls in a module with as many types as the limits allow,
/// the callee's type the last of them: a compiler that looked a callee's
/// type up by scanning the types (it did, once) pays types x calls.
/// Types 0..n-1 are distinct non-empty parameter lists (every string over
/// `i32`/`i64`, shortest first: 7,987 parameters, within the limit on the
/// sum), type n-1 is `() -> ()`.
fn calls_with_many_types() -> Vec<u8> {
    use wasm_encoder::{
        CodeSection, ExportKind, ExportSection, Function, FunctionSection, Instruction, Module,
        TypeSection, ValType,
    };
    let limits = Limits::CONSENSUS;
    let last = limits.types - 1;
    let mut types = TypeSection::new();
    let (mut length, mut first_of_length) = (1u32, 1u32);
    for k in 1..=last {
        if k - first_of_length == 1 << length {
            first_of_length = k;
            length += 1;
        }
        let bits = k - first_of_length;
        let params: Vec<ValType> = (0..length)
            .map(|bit| {
                if bits >> bit & 1 == 0 {
                    ValType::I32
                } else {
                    ValType::I64
                }
            })
            .collect();
        types.ty().function(params, []);
    }
    types.ty().function([], []);
    let mut module = Module::new();
    module.section(&types);
    let mut functions = FunctionSection::new();
    for _ in 0..6 {
        functions.function(last);
    }
    module.section(&functions);
    let mut exports = ExportSection::new();
    exports.export("run", ExportKind::Func, 1);
    module.section(&exports);
    let mut code = CodeSection::new();
    let mut empty = Function::new([]);
    empty.instruction(&Instruction::End);
    code.function(&empty);
    let mut caller = Function::new([]);
    for _ in 0..40_000 {
        caller.instruction(&Instruction::Call(0));
    }
    caller.instruction(&Instruction::End);
    for _ in 0..5 {
        code.function(&caller);
    }
    module.section(&code);
    module.finish()
}

fn wasmi_engine() -> wasmi::Engine {
    let mut config = wasmi::Config::default();
    config
        .consume_fuel(true)
        .compilation_mode(wasmi::CompilationMode::Eager);
    wasmi::Engine::new(&config)
}

// ---------------------------------------------------------------------------
// Instantiation cases.

/// A small contract-sized module, compiled on both engines.
struct InstantiateCase {
    name: &'static str,
    /// Uploaded (original) and instrumented module.
    wasm: Vec<u8>,
    instrumented: gasworks_vm::Instrumented,
    module: engine::Module,
    wasmi_engine: wasmi::Engine,
    wasmi_module: wasmi::Module,
}

impl InstantiateCase {
    fn new(name: &'static str) -> Self {
        let wasm = fixture("kernels", name);
        let instrumented = gasworks_vm::instrument(&wasm, &InstrumentConfig::default())
            .unwrap_or_else(|rejection| panic!("kernel {name} is rejected: {rejection}"));
        let module = engine::Module::new(&instrumented)
            .unwrap_or_else(|err| panic!("kernel {name} does not compile: {err}"));
        let wasmi_engine = wasmi_engine();
        let wasmi_module = wasmi::Module::new(&wasmi_engine, &wasm)
            .unwrap_or_else(|err| panic!("wasmi: kernel {name} does not compile: {err}"));
        let case = InstantiateCase {
            name,
            wasm,
            instrumented,
            module,
            wasmi_engine,
            wasmi_module,
        };
        // Both instances work: `run(1)` gives the same answer.
        let mut instance = case.instantiate();
        let ours = instance
            .call("run", &[engine::Value::I32(1)], FUEL)
            .expect("export run")
            .result;
        let (mut store, wasmi_instance) = case.instantiate_wasmi();
        store.set_fuel(FUEL).expect("wasmi fuel is on");
        let theirs = wasmi_instance
            .get_typed_func::<i32, i64>(&store, "run")
            .expect("wasmi: export run")
            .call(&mut store, 1)
            .expect("wasmi: run(1)");
        assert_eq!(
            ours,
            Ok(vec![engine::Value::I64(theirs)]),
            "{name}: run(1) differs"
        );
        case
    }

    fn instantiate(&self) -> engine::Instance {
        engine::Instance::new(&self.module, &engine::Linker::new())
            .unwrap_or_else(|err| panic!("{}: instantiate: {err}", self.name))
    }

    fn instantiate_wasmi(&self) -> (wasmi::Store<()>, wasmi::Instance) {
        let mut store = wasmi::Store::new(&self.wasmi_engine, ());
        let instance = wasmi::Linker::<()>::new(&self.wasmi_engine)
            .instantiate_and_start(&mut store, &self.wasmi_module)
            .unwrap_or_else(|err| panic!("wasmi: {}: instantiate: {err}", self.name));
        (store, instance)
    }
}

// ---------------------------------------------------------------------------
// Host calls.

/// Iterations of the host-call loop per run.
const HOST_LOOP_ITERATIONS: u32 = 1_000_000;

/// The host function's import, as the instrumenter must allow it.
const ECHO: HostImport = HostImport {
    module: "env",
    name: "echo",
    params: &[gasworks_vm::instrument::ValType::I32],
    results: &[gasworks_vm::instrument::ValType::I32],
};

/// Host calls per iteration of the loops measured.
const HOST_CALLS: [u32; 3] = [0, 1, 4];

/// `run(n)`: `acc += step(i)` for `i` in `0..n`, returns `acc`, where
/// `step` is `calls` nested calls of the host's `env.echo` (which returns
/// its argument), the identity for none. All return `n(n-1)/2 mod 2^32`.
fn host_loop(calls: u32) -> Vec<u8> {
    let mut step = "(local.get $i)".to_string();
    for _ in 0..calls {
        step = format!("(call $echo {step})");
    }
    let text = format!(
        r#"(module
  (import "env" "echo" (func $echo (param i32) (result i32)))
  (func (export "run") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (block $done
      (loop $loop
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) {step}))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $loop)))
    (local.get $acc)))"#
    );
    wat::parse_str(text).expect("host loop text")
}

/// One host-call loop on one engine.
enum HostRunner {
    Gasworks(engine::Instance),
    Wasmi {
        store: Box<wasmi::Store<()>>,
        run: wasmi::TypedFunc<i32, i32>,
    },
}

impl HostRunner {
    fn gasworks(calls: u32) -> Self {
        let config = InstrumentConfig {
            host_imports: vec![ECHO],
            ..InstrumentConfig::default()
        };
        let instrumented = gasworks_vm::instrument(&host_loop(calls), &config)
            .unwrap_or_else(|rejection| panic!("host loop is rejected: {rejection}"));
        let module = engine::Module::new(&instrumented).expect("host loop compiles");
        let mut linker = engine::Linker::new();
        linker.define(
            ECHO.module,
            ECHO.name,
            ECHO.params,
            ECHO.results,
            Arc::new(|_caller, args, results| {
                results[0] = args[0];
                Ok(())
            }),
        );
        HostRunner::Gasworks(engine::Instance::new(&module, &linker).expect("host loop links"))
    }

    fn wasmi(calls: u32) -> Self {
        let engine = wasmi_engine();
        let module = wasmi::Module::new(&engine, host_loop(calls)).expect("wasmi: host loop");
        let mut store = wasmi::Store::new(&engine, ());
        let mut linker = wasmi::Linker::new(&engine);
        linker
            .func_wrap("env", "echo", |x: i32| -> i32 { x })
            .expect("wasmi: define env.echo");
        let instance = linker
            .instantiate_and_start(&mut store, &module)
            .expect("wasmi: host loop links");
        let run = instance
            .get_typed_func(&store, "run")
            .expect("wasmi: export run");
        HostRunner::Wasmi {
            store: Box::new(store),
            run,
        }
    }

    fn run(&mut self, n: u32) -> u32 {
        match self {
            HostRunner::Gasworks(instance) => {
                let outcome = instance
                    .call("run", &[engine::Value::I32(n as i32)], FUEL)
                    .expect("export run");
                match outcome.result.as_deref() {
                    Ok([engine::Value::I32(acc)]) => *acc as u32,
                    other => panic!("host loop: {other:?}"),
                }
            }
            HostRunner::Wasmi { store, run } => {
                store.set_fuel(FUEL).expect("wasmi fuel is on");
                run.call(&mut **store, n as i32).expect("wasmi: host loop") as u32
            }
        }
    }
}

/// The host-call loops: per engine, one loop per entry of [`HOST_CALLS`].
type HostLoops = Vec<(&'static str, Vec<HostRunner>)>;

fn host_runners() -> HostLoops {
    let mut runners: HostLoops = vec![
        ("gasworks", HOST_CALLS.map(HostRunner::gasworks).into()),
        ("wasmi-fuel", HOST_CALLS.map(HostRunner::wasmi).into()),
    ];
    let n = HOST_LOOP_ITERATIONS;
    let expected = (u64::from(n) * u64::from(n - 1) / 2) as u32;
    for (engine, loops) in &mut runners {
        for (calls, runner) in HOST_CALLS.iter().zip(loops) {
            assert_eq!(runner.run(n), expected, "{engine}: loop with {calls} calls");
        }
    }
    runners
}

// ---------------------------------------------------------------------------
// Measurement.

fn bench_compile(c: &mut Criterion, inputs: &[Input]) {
    let mut group = c.benchmark_group("compile");
    for input in inputs {
        group.throughput(Throughput::Bytes(input.code_bytes));
        group.bench_with_input(
            BenchmarkId::from_parameter(input.name),
            input,
            |b, input| b.iter(|| engine::Module::new(black_box(&input.instrumented)).is_ok()),
        );
    }
    group.finish();
}

fn bench_instantiate(c: &mut Criterion, cases: &[InstantiateCase]) {
    let mut group = c.benchmark_group("instantiate");
    for case in cases {
        // Each instance is dropped within the iteration, as a node drops it
        // after its transaction (accumulating thousands of live instances,
        // as `iter_with_large_drop` does, measures the allocator instead).
        group.bench_function(BenchmarkId::new("gasworks", case.name), |b| {
            b.iter(|| case.instantiate())
        });
        group.bench_function(BenchmarkId::new("wasmi-fuel", case.name), |b| {
            b.iter(|| case.instantiate_wasmi())
        });
    }
    group.finish();
}

fn bench_host_call(c: &mut Criterion, runners: &mut HostLoops) {
    let mut group = c.benchmark_group("host-call");
    let n = HOST_LOOP_ITERATIONS;
    group.throughput(Throughput::Elements(u64::from(n)));
    for (engine, loops) in runners.iter_mut() {
        for (calls, runner) in HOST_CALLS.iter().zip(loops) {
            let id = BenchmarkId::new(*engine, format!("loop-{calls}-calls"));
            group.bench_function(id, |b| b.iter(|| runner.run(black_box(n))));
        }
    }
    group.finish();
}

fn ns(time: Duration) -> f64 {
    time.as_secs_f64() * 1e9
}

/// The compile table and the verdicts on the aim and on linearity.
fn compile_summary(inputs: &[Input]) {
    struct Row<'a> {
        input: &'a Input,
        ns_per_byte: f64,
        hash_ns_per_byte: f64,
        wasmi_ns_per_byte: f64,
    }
    let wasmi = wasmi_engine();
    let budget = Duration::from_millis(600);
    let rows: Vec<Row<'_>> = inputs
        .iter()
        .map(|input| {
            let bytes = input.code_bytes as f64;
            let compile = median_time(11, budget, || {
                engine::Module::new(&input.instrumented).is_ok()
            });
            let hash = median_time(11, budget / 4, || {
                engine::Module::cache_key(&input.instrumented.module)
            });
            let theirs = median_time(11, budget / 2, || {
                wasmi::Module::new(&wasmi, &input.instrumented.module).is_ok()
            });
            Row {
                input,
                ns_per_byte: ns(compile) / bytes,
                hash_ns_per_byte: ns(hash) / bytes,
                wasmi_ns_per_byte: ns(theirs) / bytes,
            }
        })
        .collect();
    let mean = |class: &dyn Fn(Class) -> bool| {
        let (sum, n) = rows
            .iter()
            .filter(|row| class(row.input.class))
            .fold((0.0, 0usize), |(s, n), row| (s + row.ns_per_byte, n + 1));
        sum / n.max(1) as f64
    };
    let average = mean(&|class| class != Class::Small);
    let realistic = mean(&|class| class == Class::Realistic);
    println!();
    println!(
        "compile summary (engine::Module::new on instrumented modules; median; MB = 10^6 bytes of the instrumented code section)"
    );
    println!(
        "| input | class | code bytes | uploaded bytes | instructions | MB/s | ns/byte | x average | x realistic | hash share | wasmi MB/s |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut worst = ("", 0.0f64);
    let mut slowest_realistic = ("", f64::INFINITY);
    for row in &rows {
        let input = row.input;
        let mb_per_s = 1e3 / row.ns_per_byte;
        let small = input.class == Class::Small;
        let relative = |base: f64| {
            if small {
                "-".to_string()
            } else {
                format!("{:.2}", row.ns_per_byte / base)
            }
        };
        println!(
            "| {} | {:?} | {} | {} | {} | {:.1} | {:.2} | {} | {} | {:.0}% | {:.1} |",
            input.name,
            input.class,
            input.code_bytes,
            input.uploaded_code_bytes,
            input.instructions,
            mb_per_s,
            row.ns_per_byte,
            relative(average),
            relative(realistic),
            100.0 * row.hash_ns_per_byte / row.ns_per_byte,
            1e3 / row.wasmi_ns_per_byte,
        );
        if !small && row.ns_per_byte / average > worst.1 {
            worst = (input.name, row.ns_per_byte / average);
        }
        if input.class == Class::Realistic && mb_per_s < slowest_realistic.1 {
            slowest_realistic = (input.name, mb_per_s);
        }
    }
    println!(
        "average {average:.2} ns/byte over realistic code and shapes, {realistic:.2} ns/byte over realistic code"
    );
    let aim = AIM_BYTES_PER_SECOND / 1e6;
    println!(
        "aim {aim:.0} MB/s: {} (slowest realistic input {} at {:.1} MB/s)",
        if slowest_realistic.1 >= aim {
            "met"
        } else {
            "NOT met"
        },
        slowest_realistic.0,
        slowest_realistic.1
    );
    // The cache key's fixed part: the cost table's hash, computed per call.
    let table_hash = median_time(
        11,
        budget / 4,
        gasworks_vm::instrument::cost::cost_table_hash,
    );
    let empty_key = median_time(11, budget / 4, || engine::Module::cache_key(&[]));
    println!(
        "cache key of an empty input {:.1} us, of which cost_table_hash() {:.1} us",
        ns(empty_key) / 1e3,
        ns(table_hash) / 1e3
    );
    println!(
        "linearity (no input above {LINEARITY_BOUND}x the average time per byte): {} (worst {} at {:.2}x)",
        if worst.1 <= LINEARITY_BOUND {
            "holds"
        } else {
            "VIOLATED"
        },
        worst.0,
        worst.1
    );
}

fn instantiate_summary(cases: &[InstantiateCase]) {
    let budget = Duration::from_millis(500);
    println!();
    println!("instantiate summary (median microseconds)");
    println!(
        "| module | uploaded bytes | instrumented bytes | memory KiB | gasworks instantiate | gasworks drop | gasworks compile + instantiate | wasmi-fuel instantiate | wasmi-fuel compile + instantiate |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for case in cases {
        let us = |time: Duration| time.as_secs_f64() * 1e6;
        let instantiate = median_time(11, budget, || case.instantiate());
        let drops: Vec<Duration> = {
            let mut v: Vec<Duration> = (0..31)
                .map(|_| {
                    let instance = case.instantiate();
                    let t = Instant::now();
                    drop(black_box(instance));
                    t.elapsed()
                })
                .collect();
            v.sort();
            v
        };
        let cold = median_time(11, budget, || {
            let module = engine::Module::new(&case.instrumented).expect("compiles");
            engine::Instance::new(&module, &engine::Linker::new()).is_ok()
        });
        let wasmi_instantiate = median_time(11, budget, || case.instantiate_wasmi());
        let wasmi_cold = median_time(11, budget, || {
            let module = wasmi::Module::new(&case.wasmi_engine, &case.wasm).expect("compiles");
            let mut store = wasmi::Store::new(&case.wasmi_engine, ());
            wasmi::Linker::<()>::new(&case.wasmi_engine)
                .instantiate_and_start(&mut store, &module)
                .is_ok()
        });
        let memory = case.instantiate().memory().len() / 1024;
        println!(
            "| {} | {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
            case.name,
            case.wasm.len(),
            case.instrumented.module.len(),
            memory,
            us(instantiate),
            us(drops[drops.len() / 2]),
            us(cold),
            us(wasmi_instantiate),
            us(wasmi_cold),
        );
    }
}

fn host_call_summary(runners: &mut HostLoops) {
    let n = HOST_LOOP_ITERATIONS;
    let budget = Duration::from_millis(600);
    println!();
    println!("host-call summary ({n} iterations per run; median ns per iteration)");
    println!("| engine | 0 calls | 1 call | 4 calls | one call (1 - 0) | one call ((4 - 1) / 3) |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (engine, loops) in runners.iter_mut() {
        // The loops take turns, so that a change in load falls on all alike.
        let mut times: Vec<Vec<Duration>> = loops.iter().map(|_| Vec::new()).collect();
        let start = Instant::now();
        while times[0].len() < 11 || start.elapsed() < budget * loops.len() as u32 {
            for (runner, times) in loops.iter_mut().zip(&mut times) {
                let t = Instant::now();
                black_box(runner.run(black_box(n)));
                times.push(t.elapsed());
            }
        }
        let per_iteration: Vec<f64> = times
            .iter_mut()
            .map(|times| {
                times.sort();
                ns(times[times.len() / 2]) / f64::from(n)
            })
            .collect();
        let (none, one, four) = (per_iteration[0], per_iteration[1], per_iteration[2]);
        println!(
            "| {engine} | {none:.2} | {one:.2} | {four:.2} | **{:.2}** | **{:.2}** |",
            one - none,
            (four - one) / 3.0
        );
    }
}

fn main() {
    let inputs = compile_inputs();
    let cases: Vec<InstantiateCase> = ["fib", "sort", "ledger"]
        .into_iter()
        .map(InstantiateCase::new)
        .collect();
    let mut runners = host_runners();
    let mut criterion = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    bench_compile(&mut criterion, &inputs);
    bench_instantiate(&mut criterion, &cases);
    bench_host_call(&mut criterion, &mut runners);
    criterion.final_summary();
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and
    // then criterion runs each benchmark once. The summary is for measuring
    // runs only (not `--test`, `--list` or `--profile-time`).
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|arg| arg == flag);
    if has("--bench") && !has("--test") && !has("--list") && !has("--profile-time") {
        compile_summary(&inputs);
        instantiate_summary(&cases);
        host_call_summary(&mut runners);
    }
}
