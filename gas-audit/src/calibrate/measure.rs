//! Running a probe: wall time (median of repetitions) and instruction
//! counts (valgrind's callgrind).
//!
//! # Instruction counts
//!
//! The process runs itself again under
//!
//! ```text
//! valgrind --tool=callgrind --collect-atstart=no \
//!     --toggle-collect=gasworks_gas_audit::calibrate::measure::measured_region \
//!     --dump-after=gasworks_gas_audit::calibrate::measure::measured_region ...
//! ```
//!
//! with [`CHILD_ENV`] naming a scratch directory. The child builds every
//! case at [`Scale::Instructions`] (smaller runs: callgrind is about 50x
//! slower) and runs each probe once through [`measured_region`], the only
//! function whose instructions are collected; callgrind writes one dump per
//! return from it, numbered in order, and the child writes the matching
//! list of probes and gas. Nothing depends on client requests or on a
//! particular valgrind build: a function name, two standard options and
//! the dump files' `totals:` line. Where valgrind is absent (or fails),
//! the report says so and carries wall time alone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Set (to a directory) in the child process that callgrind runs.
pub const CHILD_ENV: &str = "GASWORKS_CALIBRATE_CALLGRIND_DIR";

/// How large a run is: the gas one probe run aims at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// The report's runs (about 10-20 ms each).
    Full,
    /// A quick look (`--quick`; fewer sizes, smaller state, fewer
    /// repetitions).
    Quick,
    /// Under callgrind (each probe run once, small).
    Instructions,
}

impl Scale {
    /// Gas one run of an execution probe aims at.
    pub fn target_gas(self) -> u64 {
        match self {
            Scale::Full => 20_000_000,
            Scale::Quick => 5_000_000,
            Scale::Instructions => 1_000_000,
        }
    }

    /// Timed repetitions of each probe (after one untimed warm-up run).
    pub fn repetitions(self) -> usize {
        match self {
            Scale::Full => 9,
            Scale::Quick => 3,
            Scale::Instructions => 1,
        }
    }

    /// Whether this is a small run (quick or under callgrind): fewer
    /// sizes and smaller states.
    pub fn is_small(self) -> bool {
        self != Scale::Full
    }
}

/// Something to measure: one run returns the gas it was charged.
pub trait Probe {
    /// Untimed work before each run (signing a block's transactions).
    ///
    /// # Errors
    ///
    /// A message when the case cannot be set up.
    fn prepare(&mut self) -> Result<(), String> {
        Ok(())
    }

    /// The timed run; its gas.
    ///
    /// # Errors
    ///
    /// A message when the run does not do what the case expects (a trap
    /// it should not have, a failed transaction).
    fn run(&mut self) -> Result<u64, String>;
}

impl<F: FnMut() -> Result<u64, String>> Probe for F {
    fn run(&mut self) -> Result<u64, String> {
        self()
    }
}

/// A boxed probe.
pub type BoxProbe = Box<dyn Probe>;

/// One timed measurement of a probe: median nanoseconds and its gas.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timed {
    /// Median wall time of one run, nanoseconds.
    pub ns: f64,
    /// Gas of one run (the last; runs are deterministic).
    pub gas: u64,
}

/// Runs `probe` once untimed, then `repetitions` times timed.
///
/// # Errors
///
/// The probe's.
pub fn time(probe: &mut dyn Probe, repetitions: usize) -> Result<Timed, String> {
    probe.prepare()?;
    let mut gas = probe.run()?;
    let mut times = Vec::with_capacity(repetitions);
    for _ in 0..repetitions.max(1) {
        probe.prepare()?;
        let start = Instant::now();
        gas = probe.run()?;
        times.push(start.elapsed().as_nanos() as f64);
    }
    Ok(Timed {
        ns: super::fit::median(&times).unwrap_or(0.0),
        gas,
    })
}

/// The one function whose instructions callgrind collects; a dump is
/// written each time it returns. Never inlined, and the probe is reached
/// through a vtable, so its name stays in the binary.
#[inline(never)]
pub fn measured_region(probe: &mut dyn Probe) -> Result<u64, String> {
    std::hint::black_box(probe).run()
}

/// The child's side: runs `probe` once (prepared and warmed up outside the
/// region), inside [`measured_region`], and records its gas under `label`.
///
/// # Errors
///
/// The probe's.
pub fn count_in_child(
    probe: &mut dyn Probe,
    label: &str,
    log: &mut Vec<String>,
) -> Result<(), String> {
    probe.prepare()?;
    probe.run()?;
    probe.prepare()?;
    let gas = measured_region(probe)?;
    log.push(format!("{label} {gas}"));
    Ok(())
}

/// The name of the child's list of probes in its directory.
pub const CHILD_LOG: &str = "probes.txt";

/// Whether `valgrind` runs here.
pub fn callgrind_version() -> Option<String> {
    let output = Command::new("valgrind").arg("--version").output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Instructions and gas per probe label, from a run of this same process
/// under callgrind (see the module docs).
///
/// # Errors
///
/// A message when valgrind is missing, the child fails, or its dumps do not
/// match its list of probes.
pub fn count_instructions(dir: &Path) -> Result<BTreeMap<String, (f64, u64)>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // The exact name: callgrind matches `--dump-after` without wildcards.
    let region = std::any::type_name_of_val(&measured_region);
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg("--collect-atstart=no")
        .arg(format!("--toggle-collect={region}"))
        .arg(format!("--dump-after={region}"))
        .arg(format!(
            "--callgrind-out-file={}",
            dir.join("callgrind.out.%p").display()
        ))
        .arg("--quiet")
        .arg(&exe)
        .args(std::env::args_os().skip(1))
        .env(CHILD_ENV, dir)
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("valgrind: {e}"))?;
    if !status.success() {
        return Err(format!("the callgrind run failed ({status})"));
    }
    let log = std::fs::read_to_string(dir.join(CHILD_LOG))
        .map_err(|e| format!("the child's list of probes: {e}"))?;
    let dumps = numbered_dumps(dir)?;
    let labels: Vec<(&str, u64)> = log
        .lines()
        .filter_map(|line| {
            let (label, gas) = line.rsplit_once(' ')?;
            Some((label, gas.parse().ok()?))
        })
        .collect();
    if labels.len() != dumps.len() {
        return Err(format!(
            "{} probes but {} callgrind dumps",
            labels.len(),
            dumps.len()
        ));
    }
    let mut counts = BTreeMap::new();
    for ((label, gas), dump) in labels.into_iter().zip(dumps) {
        counts.insert(label.to_string(), (total_instructions(&dump)? as f64, gas));
    }
    Ok(counts)
}

/// The numbered dump files (`callgrind.out.PID.N`, N from 1), in order.
fn numbered_dumps(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut dumps: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let name = path.file_name()?.to_str()?.to_string();
            let rest = name.strip_prefix("callgrind.out.")?;
            let (_pid, number) = rest.split_once('.')?;
            Some((number.parse().ok()?, path))
        })
        .collect();
    dumps.sort();
    Ok(dumps.into_iter().map(|(_, path)| path).collect())
}

/// The `totals:` (or `summary:`) line of a callgrind dump: instructions
/// executed (the first event, `Ir`).
fn total_instructions(dump: &Path) -> Result<u64, String> {
    let text = std::fs::read_to_string(dump).map_err(|e| format!("{}: {e}", dump.display()))?;
    parse_totals(&text).ok_or_else(|| format!("{}: no totals line", dump.display()))
}

/// The first number of a callgrind dump's `totals:` or `summary:` line.
pub fn parse_totals(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| {
            line.strip_prefix("totals:")
                .or_else(|| line.strip_prefix("summary:"))
        })
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_are_read_from_a_dump() {
        let dump = "version: 1\ncreator: callgrind-3.19.0\nevents: Ir\n\
                    fn=(1) foo\n16 3\n\ntotals: 123456\n";
        assert_eq!(parse_totals(dump), Some(123_456));
        assert_eq!(parse_totals("summary: 77 1\n"), Some(77));
        assert_eq!(parse_totals("events: Ir\n"), None);
    }

    #[test]
    fn a_timed_probe_reports_its_gas() {
        let mut runs = 0;
        let mut probe = || {
            runs += 1;
            Ok(42)
        };
        let timed = time(&mut probe, 3).expect("runs");
        assert_eq!(timed.gas, 42);
        assert_eq!(runs, 4, "one warm-up, three timed");
    }
}
