//! Time per gas unit of bulk operations whose work could follow something
//! other than what they are charged for (issue 10's holes), next to a plain
//! metered loop: each case is a loop that runs until a fixed gas limit is
//! spent, so `time / gas` is directly its nanoseconds per gas unit.
//!
//! - `plain-loop`: `i32.add` in a loop (the baseline);
//! - `table-init-n0`: `table.init` of 0 items from a 10,000-item passive
//!   segment (took about 1,500 ns per gas unit before a703540, when every
//!   call evaluated the whole segment);
//! - `memory-init-n0`: `memory.init` of 0 bytes from a 60 KiB passive data
//!   segment.
//!
//! ```sh
//! cargo bench -p gasworks-benches --bench bulk --profile release
//! ```

use std::time::Duration;

use criterion::Criterion;
use gasworks_vm::engine::{Instance, Linker, Module};

/// Gas per measured call.
const GAS: u64 = 2_000_000;

fn module(body: &str, extra: &str) -> Module {
    let wat = format!(
        r#"(module
  (type $t (func))
  (func $f)
  (memory 2)
  {extra}
  (func (export "run") (local $x i32)
    (loop $l
      {body}
      (br $l))))"#
    );
    let wasm = wat::parse_str(&wat).expect("the case parses");
    let instrumented = gasworks_vm::instrument(&wasm, &gasworks_host_api::instrument_config())
        .expect("the case is accepted");
    Module::new(&instrumented).expect("compiles")
}

fn cases() -> Vec<(&'static str, Module)> {
    let funcs = vec!["$f"; 10_000].join(" ");
    let data = "\\00".repeat(60 * 1024);
    vec![
        (
            "plain-loop",
            module("(local.set $x (i32.add (local.get $x) (i32.const 1)))", ""),
        ),
        (
            "table-init-n0",
            module(
                "(table.init $seg (i32.const 0) (i32.const 0) (i32.const 0))",
                &format!("(table 10000 funcref) (elem $seg func {funcs})"),
            ),
        ),
        (
            "memory-init-n0",
            module(
                "(memory.init $d (i32.const 0) (i32.const 0) (i32.const 0))",
                &format!("(data $d \"{data}\")"),
            ),
        ),
    ]
}

fn main() {
    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    let linker = Linker::new();
    let mut group = criterion.benchmark_group("bulk-ns-per-2M-gas");
    for (name, module) in cases() {
        let mut instance = Instance::new(&module, &linker).expect("instantiates");
        group.bench_function(name, |b| {
            b.iter(|| {
                let outcome = instance.call("run", &[], GAS).expect("runs");
                assert_eq!(outcome.gas_used, GAS, "{name} runs out of gas");
            })
        });
    }
    group.finish();
    // The ratio of each case to the plain loop, for the calibration.
    let linker = Linker::new();
    let mut base = None;
    for (name, module) in cases() {
        let mut instance = Instance::new(&module, &linker).expect("instantiates");
        let time = gasworks_benches::median_time(5, Duration::from_secs(1), || {
            instance.call("run", &[], GAS).expect("runs").gas_used
        });
        let per_gas = time.as_nanos() as f64 / GAS as f64;
        let ratio = base.map_or(1.0, |b: f64| per_gas / b);
        base.get_or_insert(per_gas);
        println!("{name:<16} {per_gas:>8.3} ns per gas  {ratio:>6.2}x the plain loop");
    }
}
