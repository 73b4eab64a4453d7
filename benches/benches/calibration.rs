//! The gas calibration as a criterion benchmark: every case of
//! `gasworks_gas_audit::calibrate` (plain code, operator classes, host
//! functions, storage against RocksDB, deployment shapes, entries), the
//! work of each point timed by criterion, then the library's own report at
//! the quick scale (wall time per gas against the plain median, with the
//! flags). `gasworks calibrate` writes the full report, with callgrind
//! instruction counts: `docs/gas-calibration.md`.
//!
//! ```sh
//! cargo bench -p gasworks-benches --bench calibration --profile release
//! cargo bench -p gasworks-benches --bench calibration --profile release -- op.call
//! ```
//!
//! Criterion's filter picks cases by id. A benchmark id is
//! `calibration/<case>/<size>`; one iteration is one run of the point's
//! work (its gas printed in the summary), with untimed preparation
//! (signing a storage block's transactions) between runs.

use std::time::{Duration, Instant};

use criterion::Criterion;
use gasworks_gas_audit::calibrate::{self, Config, Scale};

fn main() {
    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    let mut group = criterion.benchmark_group("calibration");
    for case in calibrate::cases() {
        let points = match (case.build)(Scale::Quick) {
            Ok(points) => points,
            Err(e) => {
                eprintln!("{}: {e}", case.id);
                continue;
            }
        };
        for mut point in points {
            let id = format!("{}/{}", case.id, point.size);
            group.bench_function(&id, |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        point.work.prepare().expect("prepares");
                        let start = Instant::now();
                        let gas = point.work.run().expect("runs");
                        total += start.elapsed();
                        std::hint::black_box(gas);
                    }
                    total
                })
            });
        }
    }
    group.finish();
    calibrate::storage::release();
    // The report, when run as a benchmark (not under `--test`).
    if !std::env::args().any(|a| a == "--test") {
        let report = calibrate::run(&Config {
            scale: Scale::Quick,
            instructions: false,
            only: Vec::new(),
            progress: false,
        });
        println!("{}", report.to_markdown());
    }
}
