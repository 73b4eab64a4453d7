//! Execution speed of integer kernels on the peer engines, metered.
//!
//! Kernels (`benches/kernels/`, Rust compiled to `wasm32-unknown-unknown`,
//! rebuilt as its README.md says): recursive fib, SHA-256, a prime sieve, a
//! sort and an ERC20-style ledger. Each exports `run(size: i32) -> i64`,
//! which does an amount of work set by `size` and returns a checksum.
//!
//! Engines, each running one kernel on one instance, called again and again:
//!
//! - `wasmi-fuel`: wasmi 2.0 with its own fuel metering, on the original
//!   kernel (the baseline every ratio is taken against);
//! - `wasmtime-winch-fuel`: wasmtime with the Winch single-pass compiler and
//!   its own fuel metering, on the original kernel;
//! - `wasmi-instrumented`: wasmi 2.0 with fuel off, on the kernel as
//!   `gasworks_vm::instrument` rewrites it, with `gasworks.gas` and
//!   `gasworks.stack_exhausted` as host functions: our gas metering done as
//!   real host calls, the cost that our own engine fuses away;
//! - `wasmi-unmetered`: wasmi 2.0 with fuel off, on the original kernel: no
//!   metering at all, for reference (what wasmi's own fuel costs);
//! - `gasworks`: our engine (`gasworks_vm::engine`) on the instrumented
//!   kernel, metered (the gas and stack metering fused by its compiler);
//! - `gasworks-unmetered`: our engine on the original kernel, which imports
//!   nothing and so is not metered at all: `gasworks` over
//!   `gasworks-unmetered` is the cost of our metering;
//! - `gasworks-profiled`: our engine on the instrumented kernel with a gas
//!   profiler (`Instance::call_profiled`): what profiling costs when on.
//!   Off, a call runs the same handlers as before profiling existed (the
//!   profiled ones are a second lowering of the code), which the `gasworks`
//!   column shows.
//!
//! Before anything is timed, every kernel runs twice on every engine: the
//! runs must agree, the checksums of all engines must agree, and our engine
//! must count exactly the gas that the instrumented kernel charges on wasmi
//! (and none when unmetered). After criterion's group, when run with
//! `--bench`, a summary pass times each (engine, kernel) again (median of
//! repeated runs, the engines taking turns) and prints the time per run, the
//! ratio to `wasmi-fuel` and the geometric mean of the ratios, our metering
//! overhead, plus the fuel or gas each engine counted.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode};
use gasworks_vm::engine;
use gasworks_vm::instrument::{
    GAS_FUNCTION, InstrumentConfig, METERING_MODULE, STACK_EXHAUSTED_FUNCTION,
};

/// Fuel (or gas) given to every run: far more than any kernel needs, so that
/// metering is on but never stops a run.
const FUEL: u64 = 1 << 50;

/// The kernels and the `size` each is run at (about 1 to 20 ms per run on
/// `wasmi-fuel` on the machine of `docs/performance.md`).
const KERNELS: [(&str, u32); 5] = [
    ("fib", 27),
    ("sha256", 128 * 1024),
    ("sieve", 1 << 20),
    ("sort", 64 * 1024),
    ("ledger", 20_000),
];

/// One kernel, original and instrumented.
struct Kernel {
    name: &'static str,
    size: u32,
    wasm: Vec<u8>,
    instrumented: gasworks_vm::Instrumented,
}

fn kernels() -> Vec<Kernel> {
    KERNELS
        .iter()
        .map(|&(name, size)| {
            let path = format!("{}/kernels/{name}.wasm", env!("CARGO_MANIFEST_DIR"));
            let wasm =
                std::fs::read(&path).unwrap_or_else(|err| panic!("cannot read {path}: {err}"));
            let instrumented = gasworks_vm::instrument(&wasm, &InstrumentConfig::default())
                .unwrap_or_else(|rejection| panic!("kernel {name} is rejected: {rejection}"));
            Kernel {
                name,
                size,
                wasm,
                instrumented,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Engines.

/// The engines compared, in table order; the first is the baseline.
const ENGINES: [&str; 7] = [
    "wasmi-fuel",
    "wasmtime-winch-fuel",
    "wasmi-instrumented",
    "wasmi-unmetered",
    "gasworks",
    "gasworks-unmetered",
    "gasworks-profiled",
];

/// Index in [`ENGINES`] of an engine.
fn engine_index(name: &str) -> usize {
    ENGINES
        .iter()
        .position(|engine| *engine == name)
        .unwrap_or_else(|| panic!("unknown engine {name}"))
}

/// An instance of one kernel on one engine, ready to be called repeatedly.
enum Runner {
    WasmiFuel {
        store: wasmi::Store<()>,
        run: wasmi::TypedFunc<i32, i64>,
    },
    WasmtimeWinchFuel {
        store: wasmtime::Store<()>,
        run: wasmtime::TypedFunc<i32, i64>,
    },
    WasmiInstrumented {
        store: wasmi::Store<GasLeft>,
        run: wasmi::TypedFunc<i32, i64>,
    },
    WasmiUnmetered {
        store: wasmi::Store<()>,
        run: wasmi::TypedFunc<i32, i64>,
    },
    /// Our engine; `metered` when the module is the instrumented kernel,
    /// `profiled` when each call is profiled.
    Gasworks {
        instance: engine::Instance,
        metered: bool,
        profiled: bool,
    },
}

/// Gas left, the host state of an instrumented module.
struct GasLeft(u64);

/// The host error of `gasworks.gas` when gas runs out.
#[derive(Debug)]
struct OutOfGas;

impl std::fmt::Display for OutOfGas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("out of gas")
    }
}

impl wasmi::errors::HostError for OutOfGas {}

/// The host error of `gasworks.stack_exhausted`.
#[derive(Debug)]
struct StackExhausted;

impl std::fmt::Display for StackExhausted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stack exhausted")
    }
}

impl wasmi::errors::HostError for StackExhausted {}

fn wasmi_engine(consume_fuel: bool) -> wasmi::Engine {
    let mut config = wasmi::Config::default();
    config
        .consume_fuel(consume_fuel)
        .compilation_mode(wasmi::CompilationMode::Eager);
    wasmi::Engine::new(&config)
}

impl Runner {
    fn new(engine: &str, kernel: &Kernel) -> Runner {
        let what = format!("{engine} on {}", kernel.name);
        match engine {
            "wasmi-fuel" | "wasmi-unmetered" => {
                let fuel = engine == "wasmi-fuel";
                let engine = wasmi_engine(fuel);
                let module = wasmi::Module::new(&engine, &kernel.wasm)
                    .unwrap_or_else(|err| panic!("{what}: compile: {err}"));
                let mut store = wasmi::Store::new(&engine, ());
                let instance = wasmi::Linker::new(&engine)
                    .instantiate_and_start(&mut store, &module)
                    .unwrap_or_else(|err| panic!("{what}: instantiate: {err}"));
                let run = instance
                    .get_typed_func(&store, "run")
                    .unwrap_or_else(|err| panic!("{what}: export run: {err}"));
                if fuel {
                    Runner::WasmiFuel { store, run }
                } else {
                    Runner::WasmiUnmetered { store, run }
                }
            }
            "wasmtime-winch-fuel" => {
                let mut config = wasmtime::Config::new();
                config
                    .strategy(wasmtime::Strategy::Winch)
                    .consume_fuel(true);
                let engine = wasmtime::Engine::new(&config)
                    .unwrap_or_else(|err| panic!("{what}: engine: {err}"));
                let module = wasmtime::Module::new(&engine, &kernel.wasm)
                    .unwrap_or_else(|err| panic!("{what}: compile: {err}"));
                let mut store = wasmtime::Store::new(&engine, ());
                let instance = wasmtime::Instance::new(&mut store, &module, &[])
                    .unwrap_or_else(|err| panic!("{what}: instantiate: {err}"));
                let run = instance
                    .get_typed_func(&mut store, "run")
                    .unwrap_or_else(|err| panic!("{what}: export run: {err}"));
                Runner::WasmtimeWinchFuel { store, run }
            }
            "wasmi-instrumented" => {
                let engine = wasmi_engine(false);
                let module = wasmi::Module::new(&engine, &kernel.instrumented.module)
                    .unwrap_or_else(|err| panic!("{what}: compile: {err}"));
                let mut store = wasmi::Store::new(&engine, GasLeft(0));
                let mut linker = wasmi::Linker::new(&engine);
                linker
                    .func_wrap(
                        METERING_MODULE,
                        GAS_FUNCTION,
                        |mut caller: wasmi::Caller<'_, GasLeft>,
                         amount: i64|
                         -> Result<(), wasmi::Error> {
                            let amount = amount as u64;
                            let left = &mut caller.data_mut().0;
                            if amount > *left {
                                *left = 0;
                                return Err(wasmi::Error::host(OutOfGas));
                            }
                            *left -= amount;
                            Ok(())
                        },
                    )
                    .expect("define gasworks.gas");
                linker
                    .func_wrap(
                        METERING_MODULE,
                        STACK_EXHAUSTED_FUNCTION,
                        |_caller: wasmi::Caller<'_, GasLeft>| -> Result<(), wasmi::Error> {
                            Err(wasmi::Error::host(StackExhausted))
                        },
                    )
                    .expect("define gasworks.stack_exhausted");
                let instance = linker
                    .instantiate_and_start(&mut store, &module)
                    .unwrap_or_else(|err| panic!("{what}: instantiate: {err}"));
                let run = instance
                    .get_typed_func(&store, "run")
                    .unwrap_or_else(|err| panic!("{what}: export run: {err}"));
                Runner::WasmiInstrumented { store, run }
            }
            "gasworks" | "gasworks-unmetered" | "gasworks-profiled" => {
                let metered = engine != "gasworks-unmetered";
                let profiled = engine == "gasworks-profiled";
                let module = if metered {
                    engine::Module::new(&kernel.instrumented)
                } else {
                    engine::Module::new_unmetered(&kernel.wasm)
                }
                .unwrap_or_else(|err| panic!("{what}: compile: {err}"));
                let instance = engine::Instance::new(&module, &engine::Linker::new())
                    .unwrap_or_else(|err| panic!("{what}: instantiate: {err}"));
                Runner::Gasworks {
                    instance,
                    metered,
                    profiled,
                }
            }
            other => panic!("unknown engine {other}"),
        }
    }

    /// Refills the fuel (or gas), calls `run(size)` and returns the checksum
    /// and the fuel or gas the call used (none when unmetered).
    fn run(&mut self, size: u32) -> (u64, Option<u64>) {
        let size = size as i32;
        match self {
            Runner::WasmiFuel { store, run } => {
                store.set_fuel(FUEL).expect("wasmi fuel is on");
                let checksum = run.call(&mut *store, size).expect("wasmi-fuel run");
                let used = FUEL - store.get_fuel().expect("wasmi fuel is on");
                (checksum as u64, Some(used))
            }
            Runner::WasmtimeWinchFuel { store, run } => {
                store.set_fuel(FUEL).expect("wasmtime fuel is on");
                let checksum = run
                    .call(&mut *store, size)
                    .expect("wasmtime-winch-fuel run");
                let used = FUEL - store.get_fuel().expect("wasmtime fuel is on");
                (checksum as u64, Some(used))
            }
            Runner::WasmiInstrumented { store, run } => {
                store.data_mut().0 = FUEL;
                let checksum = run.call(&mut *store, size).expect("wasmi-instrumented run");
                (checksum as u64, Some(FUEL - store.data().0))
            }
            Runner::WasmiUnmetered { store, run } => {
                let checksum = run.call(&mut *store, size).expect("wasmi-unmetered run");
                (checksum as u64, None)
            }
            Runner::Gasworks {
                instance,
                metered,
                profiled,
            } => {
                let args = [engine::Value::I32(size)];
                let outcome = if *profiled {
                    let mut profiler = gasworks_vm::profile::Profiler::new();
                    let outcome = instance
                        .call_profiled("run", &args, FUEL, &mut (), &mut profiler)
                        .expect("gasworks: export run");
                    assert_eq!(
                        profiler.total(),
                        outcome.gas_used,
                        "the profile does not account for the gas"
                    );
                    outcome
                } else {
                    instance
                        .call("run", &args, FUEL)
                        .expect("gasworks: export run")
                };
                let checksum = match outcome.result.as_deref() {
                    Ok([engine::Value::I64(checksum)]) => *checksum as u64,
                    other => panic!("gasworks run: {other:?}"),
                };
                if *metered {
                    (checksum, Some(outcome.gas_used))
                } else {
                    // Nothing charges gas in a module without metering.
                    assert_eq!(outcome.gas_used, 0, "gasworks-unmetered used gas");
                    (checksum, None)
                }
            }
        }
    }
}

/// One instance per (engine, kernel), all checked to agree on the checksum.
struct Row {
    kernel: &'static str,
    size: u32,
    checksum: u64,
    /// Per engine, in [`ENGINES`] order: the runner and the fuel or gas one
    /// run used (none when unmetered).
    runners: Vec<(Runner, Option<u64>)>,
}

fn rows(kernels: &[Kernel]) -> Vec<Row> {
    kernels
        .iter()
        .map(|kernel| {
            let mut runners = Vec::new();
            let mut checksums = Vec::new();
            for engine in ENGINES {
                let mut runner = Runner::new(engine, kernel);
                let (checksum, used) = runner.run(kernel.size);
                // A second run on the same instance must give the same
                // answer: the kernels reset their state on every call.
                let (again, used_again) = runner.run(kernel.size);
                assert_eq!(
                    (checksum, used),
                    (again, used_again),
                    "{engine} on {}: a second run differs",
                    kernel.name
                );
                checksums.push((engine, checksum));
                runners.push((runner, used));
            }
            let checksum = checksums[0].1;
            assert!(
                checksums.iter().all(|&(_, c)| c == checksum),
                "engines disagree on {} (size {}): {checksums:x?}",
                kernel.name,
                kernel.size
            );
            // The same instrumented module on two engines: the same gas.
            let gas = |name: &str| runners[engine_index(name)].1;
            assert_eq!(
                gas("gasworks"),
                gas("wasmi-instrumented"),
                "gas differs between our engine and wasmi on {}",
                kernel.name
            );
            assert_eq!(
                gas("gasworks"),
                gas("gasworks-profiled"),
                "profiling changed the gas on {}",
                kernel.name
            );
            Row {
                kernel: kernel.name,
                size: kernel.size,
                checksum,
                runners,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Measurement.

fn bench_execute(c: &mut Criterion, rows: &mut [Row]) {
    let mut group = c.benchmark_group("execute");
    group.sampling_mode(SamplingMode::Flat);
    for row in rows.iter_mut() {
        for (engine, (runner, _)) in ENGINES.iter().zip(&mut row.runners) {
            let size = row.size;
            group.bench_function(BenchmarkId::new(*engine, row.kernel), |b| {
                b.iter(|| runner.run(black_box(size)))
            });
        }
    }
    group.finish();
}

/// Median wall time of one run of each runner, over at least `min_runs`
/// runs each and about `budget` per runner. The runners take turns, one run
/// each, so that a change in the machine's load (other jobs share it) falls
/// on all of them alike and their ratios stay fair.
fn median_times(
    runners: &mut [(Runner, Option<u64>)],
    size: u32,
    min_runs: usize,
    budget: Duration,
) -> Vec<Duration> {
    let mut times: Vec<Vec<Duration>> = runners.iter().map(|_| Vec::new()).collect();
    let total = budget * runners.len() as u32;
    let start = Instant::now();
    while times[0].len() < min_runs || start.elapsed() < total {
        for ((runner, _), times) in runners.iter_mut().zip(&mut times) {
            let t = Instant::now();
            let result = runner.run(black_box(size));
            times.push(t.elapsed());
            black_box(result);
        }
    }
    times
        .into_iter()
        .map(|mut times| {
            times.sort();
            times[times.len() / 2]
        })
        .collect()
}

fn geomean(values: &[f64]) -> f64 {
    let logs: f64 = values.iter().map(|v| v.ln()).sum();
    (logs / values.len().max(1) as f64).exp()
}

/// Prints the time table, the ratios to `wasmi-fuel` and their geomeans, and
/// the work table (checksums, fuel and gas).
fn summary(rows: &mut [Row]) {
    // times[row][engine] in nanoseconds.
    let times: Vec<Vec<f64>> = rows
        .iter_mut()
        .map(|row| {
            median_times(&mut row.runners, row.size, 11, Duration::from_millis(800))
                .into_iter()
                .map(|time| time.as_secs_f64() * 1e9)
                .collect()
        })
        .collect();

    println!();
    println!("execute summary (median wall time of one run; ratio = time / wasmi-fuel time)");
    print!("| kernel | size |");
    for engine in ENGINES {
        print!(" {engine} ms |");
    }
    for engine in &ENGINES[1..] {
        print!(" {engine} ratio |");
    }
    println!();
    println!("|---|---:|{}", "---:|".repeat(2 * ENGINES.len() - 1));
    for (row, row_times) in rows.iter().zip(&times) {
        print!("| {} | {} |", row.kernel, row.size);
        for ns in row_times {
            print!(" {:.3} |", ns / 1e6);
        }
        for ns in &row_times[1..] {
            print!(" {:.2} |", ns / row_times[0]);
        }
        println!();
    }
    print!("| geomean | |{}", " |".repeat(ENGINES.len()));
    for engine in 1..ENGINES.len() {
        let ratios: Vec<f64> = times.iter().map(|t| t[engine] / t[0]).collect();
        print!(" **{:.2}** |", geomean(&ratios));
    }
    println!();

    // Our engine against the peers and against itself unmetered.
    let comparisons = [
        (
            "wasmi-fuel",
            "gasworks",
            "time / wasmi-fuel (target <= 1.5 geomean)",
        ),
        (
            "wasmi-instrumented",
            "gasworks",
            "time / the same module on wasmi",
        ),
        (
            "wasmi-unmetered",
            "gasworks-unmetered",
            "unmetered / wasmi unmetered",
        ),
        (
            "gasworks-unmetered",
            "gasworks",
            "metering overhead (target <= 1.10)",
        ),
        ("gasworks", "gasworks-profiled", "profiling on / off"),
    ];
    println!();
    println!("gasworks ratios (our engine; ratio = time of the second over the first)");
    print!("| kernel |");
    for (_, _, what) in comparisons {
        print!(" {what} |");
    }
    println!();
    println!("|---|{}", "---:|".repeat(comparisons.len()));
    let ratio = |t: &[f64], (base, engine, _): (&str, &str, &str)| {
        t[engine_index(engine)] / t[engine_index(base)]
    };
    for (row, t) in rows.iter().zip(&times) {
        print!("| {} |", row.kernel);
        for comparison in comparisons {
            print!(" {:.2} |", ratio(t, comparison));
        }
        println!();
    }
    print!("| geomean |");
    for comparison in comparisons {
        let ratios: Vec<f64> = times.iter().map(|t| ratio(t, comparison)).collect();
        print!(" **{:.2}** |", geomean(&ratios));
    }
    println!();

    println!();
    println!("execute work per run (checksum, and the fuel or gas each engine counted)");
    print!("| kernel | size | checksum |");
    for engine in ENGINES {
        print!(" {engine} |");
    }
    println!();
    println!("|---|---:|---|{}", "---:|".repeat(ENGINES.len()));
    for row in rows.iter() {
        print!("| {} | {} | {:#018x} |", row.kernel, row.size, row.checksum);
        for (_, used) in &row.runners {
            match used {
                Some(used) => print!(" {used} |"),
                None => print!(" - |"),
            }
        }
        println!();
    }
}

fn main() {
    let kernels = kernels();
    let mut rows = rows(&kernels);
    let mut criterion = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    bench_execute(&mut criterion, &mut rows);
    criterion.final_summary();
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and
    // then criterion runs each benchmark once. The summary is for measuring
    // runs only (not `--test`, `--list` or `--profile-time`).
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|arg| arg == flag);
    if has("--bench") && !has("--test") && !has("--list") && !has("--profile-time") {
        summary(&mut rows);
    }
}
