//! Instrumentation throughput, in bytes of code section per second.
//!
//! Inputs (see `docs/performance.md` for the method and the results):
//!
//! - `generated-*`: realistic generated code (many functions with loops,
//!   arithmetic, loads and stores, direct and indirect calls, `br_table`
//!   switches, bulk memory), about 480 KB (within [`Limits::CONSENSUS`]) and
//!   about 1 MB (with the module-size limit raised for this input only);
//! - `rust-*`: real Rust programs compiled to `wasm32-unknown-unknown`
//!   (`benches/fixtures/`, rebuilt as its README.md says);
//! - `shape-*`: adversarial shapes at the consensus limits: many tiny
//!   functions, deep nesting, huge `br_table`s, many locals, long
//!   straight-line code, and code dense in branches or calls (where the
//!   instrumenter injects the most).
//!
//! Every input is instrumented once and must be accepted before anything is
//! measured. After criterion's groups, when run with `--bench`, a summary pass
//! times each input again (median of repeated runs), prints the time per byte
//! of each and its ratio to the average, and says whether the 50 MB/s aim and
//! the 3x linearity bound hold.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use gasworks_benches::*;
use gasworks_vm::instrument::InstrumentConfig;
use gasworks_vm::limits::Limits;

/// Aim from the design: at least this many bytes of code per second.
const AIM_BYTES_PER_SECOND: f64 = 50e6;
/// No input may cost more than this many times the average time per byte.
const LINEARITY_BOUND: f64 = 3.0;

/// One benchmark input.
struct Input {
    name: &'static str,
    /// Realistic code (counts towards the realistic baseline) or an
    /// adversarial shape.
    realistic: bool,
    wasm: Vec<u8>,
    config: InstrumentConfig,
    /// Size of the uploaded code section, from the instrumenter's report.
    code_bytes: u64,
    /// Size of the instrumented module.
    output_bytes: usize,
}

impl Input {
    fn new(name: &'static str, realistic: bool, wasm: Vec<u8>, config: InstrumentConfig) -> Self {
        let instrumented = gasworks_vm::instrument(&wasm, &config)
            .unwrap_or_else(|rejection| panic!("bench input {name} is rejected: {rejection}"));
        Input {
            name,
            realistic,
            code_bytes: instrumented.report.code_bytes,
            output_bytes: instrumented.module.len(),
            wasm,
            config,
        }
    }
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|err| panic!("cannot read {path}: {err}"))
}

fn inputs() -> Vec<Input> {
    let consensus = InstrumentConfig::default;
    let large = || InstrumentConfig {
        limits: Limits {
            module_bytes: 4 << 20,
            ..Limits::CONSENSUS
        },
        host_imports: Vec::new(),
    };
    vec![
        Input::new(
            "generated-480k",
            true,
            realistic_module(480_000, 1),
            consensus(),
        ),
        Input::new(
            "generated-1m",
            true,
            realistic_module(1_000_000, 2),
            large(),
        ),
        Input::new("rust-sha256", true, fixture("sha256.wasm"), consensus()),
        Input::new("rust-sort", true, fixture("sort.wasm"), consensus()),
        Input::new(
            "shape-tiny-functions",
            false,
            many_tiny_functions(),
            consensus(),
        ),
        Input::new("shape-deep-nesting", false, deep_nesting(), consensus()),
        Input::new("shape-br-table", false, huge_br_table(), consensus()),
        Input::new("shape-many-locals", false, many_locals(), consensus()),
        Input::new("shape-straight-line", false, straight_line(), consensus()),
        Input::new("shape-branch-dense", false, branch_dense(), consensus()),
        Input::new("shape-call-dense", false, call_dense(), consensus()),
    ]
}

// ---------------------------------------------------------------------------
// Measurement.

fn bench_instrument(c: &mut Criterion, inputs: &[Input]) {
    let mut group = c.benchmark_group("instrument");
    for input in inputs {
        group.throughput(Throughput::Bytes(input.code_bytes));
        group.bench_with_input(
            BenchmarkId::from_parameter(input.name),
            input,
            |b, input| {
                b.iter(|| gasworks_vm::instrument(black_box(&input.wasm), &input.config).is_ok());
            },
        );
    }
    group.finish();
}

/// Median wall time of one instrumentation of `input`, over at least
/// `min_runs` runs and about `budget` in total.
fn median_time(input: &Input, min_runs: usize, budget: Duration) -> Duration {
    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < min_runs || start.elapsed() < budget {
        let t = Instant::now();
        let result = gasworks_vm::instrument(black_box(&input.wasm), &input.config);
        times.push(t.elapsed());
        black_box(result).ok();
    }
    times.sort();
    times[times.len() / 2]
}

/// Prints the per-byte table and the verdicts on the aim and on linearity.
fn linearity_summary(inputs: &[Input]) {
    let rows: Vec<(&Input, f64)> = inputs
        .iter()
        .map(|input| {
            let time = median_time(input, 11, Duration::from_millis(600));
            (input, time.as_secs_f64() * 1e9 / input.code_bytes as f64)
        })
        .collect();
    let mean = |rows: &mut dyn Iterator<Item = f64>| {
        let (sum, n) = rows.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
        sum / n.max(1) as f64
    };
    let average = mean(&mut rows.iter().map(|(_, ns)| *ns));
    let realistic = mean(&mut rows.iter().filter(|(i, _)| i.realistic).map(|(_, ns)| *ns));
    println!();
    println!("instrument summary (median of repeated runs, ns per byte of code section)");
    println!("| input | code bytes | output bytes | MB/s | ns/byte | x average | x realistic |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let mut worst = ("", 0.0f64);
    let mut slowest_realistic = ("", f64::INFINITY);
    for (input, ns) in &rows {
        let mb_per_s = 1e3 / ns;
        println!(
            "| {} | {} | {} | {:.1} | {:.2} | {:.2} | {:.2} |",
            input.name,
            input.code_bytes,
            input.output_bytes,
            mb_per_s,
            ns,
            ns / average,
            ns / realistic
        );
        if ns / average > worst.1 {
            worst = (input.name, ns / average);
        }
        if input.realistic && mb_per_s < slowest_realistic.1 {
            slowest_realistic = (input.name, mb_per_s);
        }
    }
    println!(
        "average {average:.2} ns/byte over all inputs, {realistic:.2} ns/byte over realistic code"
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

fn main() {
    let inputs = inputs();
    let mut criterion = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    bench_instrument(&mut criterion, &inputs);
    criterion.final_summary();
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and
    // then criterion runs each benchmark once. The summary is for measuring
    // runs only (not `--test`, `--list` or `--profile-time`).
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|arg| arg == flag);
    if has("--bench") && !has("--test") && !has("--list") && !has("--profile-time") {
        linearity_summary(&inputs);
    }
}
