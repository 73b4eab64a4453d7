//! Time per gas unit of the adversarial search's regression corpus
//! (`gas-audit/corpus/*.wat`: the programs the search found above, or
//! near, the bound of 3x the median of plain code, each a fixed amount of
//! work that runs to its end), next to the search's baseline programs
//! (`gasworks_gas_audit::search::baseline`). Every case runs as a contract
//! through the whole pipeline (`Runtime::execute`, entry charge included).
//!
//! After the criterion groups, the ratio of each case to the baseline's
//! median is printed: the number docs/gas-calibration.md "Adversarial
//! search" reports, which must stay at or below 3.
//!
//! ```sh
//! cargo bench -p gasworks-benches --bench search --profile release
//! ```

use std::time::Duration;

use criterion::Criterion;
use gasworks_gas_audit::search::{Deployment, Program, baseline};

/// Gas limit: above every corpus case's whole run; the baseline's endless
/// loops stop here.
const GAS: u64 = 2_000_000;

/// The corpus's cases (`gas-audit/corpus/*.wat`), then its open findings
/// (`gas-audit/corpus/open/*.wat`, named `open/<name>`): the search's
/// worst programs not fixed yet, which loop until the gas runs out.
fn corpus() -> Vec<Program> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../gas-audit/corpus");
    let wat_files = |dir: &std::path::Path| {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .expect("the corpus directory")
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|e| e == "wat"))
            .collect();
        paths.sort();
        paths
    };
    let named = |dir: &std::path::Path, prefix: &'static str| {
        wat_files(dir).into_iter().map(move |path| {
            let stem = path.file_stem().unwrap_or_default().to_string_lossy();
            (format!("{prefix}{stem}"), path)
        })
    };
    named(&dir, "")
        .chain(named(&dir.join("open"), "open/"))
        .map(|(name, path)| {
            let text = std::fs::read_to_string(&path).expect("reads");
            Program {
                family: name.clone(),
                description: name,
                wasm: wat::parse_str(&text).expect("parses"),
                wat: Some(text),
                input: Vec::new(),
            }
        })
        .collect()
}

fn main() {
    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(Duration::from_secs(2));
    let baseline = baseline::programs();
    let corpus = corpus();
    for (group, programs) in [("search-baseline", &baseline), ("search-corpus", &corpus)] {
        let mut group = criterion.benchmark_group(group);
        for program in programs.iter() {
            let deployment = Deployment::new(program, GAS).expect("deploys");
            group.bench_function(&program.family, |b| {
                b.iter(|| deployment.run().expect("runs").gas_used)
            });
        }
        group.finish();
    }
    // Time per gas, and the ratio to the baseline's median.
    let per_gas = |program: &Program| {
        let deployment = Deployment::new(program, GAS).expect("deploys");
        let gas = deployment.run().expect("runs").gas_used;
        let time = gasworks_benches::median_time(9, Duration::from_millis(500), || {
            deployment.run().expect("runs").gas_used
        });
        time.as_nanos() as f64 / gas as f64
    };
    let mut base: Vec<f64> = baseline.iter().map(per_gas).collect();
    base.sort_by(f64::total_cmp);
    let median = base[base.len() / 2];
    println!("baseline median {median:.3} ns per gas");
    for program in &corpus {
        let ns = per_gas(program);
        println!(
            "{:<32} {ns:>8.3} ns per gas  {:>6.2}x the median",
            program.family,
            ns / median
        );
    }
}
