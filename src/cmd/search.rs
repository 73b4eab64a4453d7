//! `gasworks search`: the adversarial search for underpriced programs
//! (issue 10, point 5; `gasworks_gas_audit::search`).
//!
//! Generates and mutates contracts (structured shapes, wasm-smith modules,
//! mutated example contracts), runs each through the real pipeline to a
//! fixed gas limit, and keeps those with the highest wall time per gas
//! unit against the median of a fixed set of plain programs. Prints the
//! worst programs found (re-measured) and, with `--out`, writes them as
//! files. Exit code 1 when a program above the bound (3x the median) was
//! found.
//!
//! Timing makes the scores, and so the later candidates, differ from run
//! to run; the seed fixes the generator (see the library's docs).

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use gasworks_gas_audit::search::{self, BOUND, SearchConfig, TimingEvaluator, report};

use super::{REJECTED, USAGE_OR_IO};

/// Gas limit of every measured call: about a millisecond of plain code.
pub const GAS_LIMIT: u64 = 2_000_000;

/// Runs the search; `rounds` and `time` bound it (200 rounds when neither
/// is given).
pub fn run(
    seed: u64,
    rounds: Option<u64>,
    time: Option<u64>,
    out: Option<&Path>,
    json: bool,
) -> ExitCode {
    let mut config = SearchConfig::new(seed);
    config.rounds = rounds.or(if time.is_none() { Some(200) } else { None });
    config.time = time.map(Duration::from_secs);
    if !json {
        eprintln!("measuring the baseline...");
    }
    let mut evaluator = TimingEvaluator::new(GAS_LIMIT);
    let mut best = 0.0f64;
    let outcome = search::search(&config, &mut evaluator, |record| {
        if let Ok(evaluation) = &record.outcome
            && evaluation.ratio > best
        {
            best = evaluation.ratio;
            if !json {
                eprintln!(
                    "round {:>6}: new worst {:.2}x [{}]",
                    record.id,
                    evaluation.ratio,
                    record.family.as_deref().unwrap_or("?")
                );
            }
        }
    });
    if json {
        say!("{}", report::to_json(&outcome));
    } else {
        use std::io::Write as _;
        let _ = std::io::stdout().write_all(report::render(&outcome).as_bytes());
    }
    if let Some(dir) = out
        && let Err(error) = report::write_dir(&outcome, dir)
    {
        eprintln!("error: cannot write {}: {error}", dir.display());
        return ExitCode::from(USAGE_OR_IO);
    }
    if outcome
        .findings
        .iter()
        .any(|finding| finding.ratio() > BOUND)
    {
        ExitCode::from(REJECTED)
    } else {
        ExitCode::SUCCESS
    }
}
