//! Calibration: does every operation's time follow its gas?
//!
//! Gas must track time within a small factor, or the cheapest operation
//! per nanosecond becomes a denial-of-service attack on every node. This
//! module measures time per gas unit of
//!
//! - plain wasm code ([`wasm::plain_cases`]): the yardstick;
//! - every operator class of the cost table, the dynamic charges over a
//!   range of sizes, and issue 10's holes ([`wasm::operator_cases`]);
//! - every host function but storage and `call`, fitted over sizes
//!   ([`host`]);
//! - the storage functions against the node simulator's RocksDB and
//!   Jellyfish Merkle Tree, commit included ([`storage`]);
//! - deployment (instrument, compile, instantiation check) of adversarial
//!   shapes and of the example contracts ([`deploy`]);
//! - instantiation, the transaction's entry and the cross-contract call
//!   ([`entry`]);
//!
//! and flags every case whose worst point is more than [`flag::BOUND`]
//! times the plain median ([`flag`]), in wall time or in instructions
//! counted by callgrind ([`measure`]). [`report`] renders the result as
//! Markdown (`docs/gas-calibration.md`) or JSON.
//!
//! Every case is a set of [`Point`]s: a probe that does the work and a
//! baseline probe that does the same with zero operations, so that what
//! the case does not price (a transaction's signature check, an instance's
//! entry) cancels. A point's time per gas is `(t_work - t_base) / (g_work
//! - g_base)`. Over several sizes, least squares fits a base and a
//! per-unit time per operation ([`fit`]), shown beside the price's terms.

pub mod deploy;
pub mod entry;
pub mod fit;
pub mod flag;
pub mod host;
pub mod measure;
pub mod report;
pub mod storage;
pub mod wasm;

use std::io::Write as _;

pub use flag::{BOUND, Baseline, PointResult, Verdict};
pub use measure::{BoxProbe, Probe, Scale};
pub use report::{CaseResult, Report};

/// What kind of work a case measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// Ordinary metered code: the yardstick.
    Plain,
    /// An operator class of the cost table.
    Operator,
    /// A host function (storage and `call` apart).
    Host,
    /// A storage host function against the node's store.
    Storage,
    /// Deploying a module.
    Deploy,
    /// Instantiation, a transaction's entry, a cross-contract call.
    Entry,
}

impl Group {
    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Group::Plain => "plain",
            Group::Operator => "operator",
            Group::Host => "host",
            Group::Storage => "storage",
            Group::Deploy => "deploy",
            Group::Entry => "entry",
        }
    }
}

/// One measured point: the work, its baseline, and what they differ by.
pub struct Point {
    /// The size (bytes, elements, pages, entries; 0 without a size).
    pub size: u64,
    /// Operations the work does that the baseline does not.
    pub ops: u64,
    /// The work.
    pub work: BoxProbe,
    /// The same without the operations (`None`: nothing to subtract).
    pub base: Option<BoxProbe>,
}

/// Builds a case's points at a scale.
pub type Build = Box<dyn Fn(Scale) -> Result<Vec<Point>, String>>;

/// A calibration case.
pub struct Case {
    /// Stable id: `plain.*`, `op.<class>[...]`, `host.<function>[...]`,
    /// `deploy.*`, `entry.*`.
    pub id: String,
    /// Its group.
    pub group: Group,
    /// What it does.
    pub about: String,
    /// The price it is charged, in words.
    pub price: String,
    /// What its size counts ("" without sizes).
    pub unit: &'static str,
    /// Its points, built at a scale (setup happens here, untimed).
    pub build: Build,
}

/// Every case, plain code first.
pub fn cases() -> Vec<Case> {
    let mut cases = wasm::plain_cases();
    cases.extend(wasm::operator_cases());
    cases.extend(host::cases());
    cases.extend(storage::cases());
    cases.extend(deploy::cases());
    cases.extend(entry::cases());
    cases
}

/// How to run the calibration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// [`Scale::Full`] or [`Scale::Quick`].
    pub scale: Scale,
    /// Count instructions with callgrind (when valgrind is installed).
    pub instructions: bool,
    /// Run only the cases whose id contains one of these (plain cases
    /// always run: they are the yardstick); empty: all.
    pub only: Vec<String>,
    /// Print each case's id to stderr as it runs.
    pub progress: bool,
}

impl Config {
    fn selects(&self, case: &Case) -> bool {
        case.group == Group::Plain
            || self.only.is_empty()
            || self.only.iter().any(|o| case.id.contains(o.as_str()))
    }
}

/// Runs the calibration and returns its report.
///
/// When this process is the callgrind child ([`measure::CHILD_ENV`] is
/// set), it counts instructions of every selected probe instead, writes
/// its list of probes and exits the process: the command or benchmark
/// that calls this function is run again under valgrind with the same
/// arguments, and must reach this call the same way.
pub fn run(config: &Config) -> Report {
    if let Some(dir) = std::env::var_os(measure::CHILD_ENV) {
        let code = match run_child(config, std::path::Path::new(&dir)) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("calibration (callgrind child): {e}");
                1
            }
        };
        std::process::exit(code);
    }
    let mut results = Vec::new();
    for case in cases().into_iter().filter(|c| config.selects(c)) {
        if config.progress {
            let _ = writeln!(std::io::stderr(), "calibrating {}", case.id);
        }
        results.push(measure_case(&case, config.scale));
    }
    storage::release();
    let (instructions, note) = if config.instructions {
        match measure::callgrind_version() {
            None => (None, "valgrind not found: wall time only".to_string()),
            Some(version) => {
                if config.progress {
                    let _ = writeln!(std::io::stderr(), "counting instructions under {version}");
                }
                let dir =
                    std::env::temp_dir().join(format!("gasworks-calibrate-{}", std::process::id()));
                let counted = measure::count_instructions(&dir);
                let _ = std::fs::remove_dir_all(&dir);
                match counted {
                    Ok(counts) => (Some(counts), format!("{version} (callgrind)")),
                    Err(e) => (
                        None,
                        format!("instruction counts failed ({e}): wall time only"),
                    ),
                }
            }
        }
    } else {
        (None, "not asked: wall time only".to_string())
    };
    if let Some(counts) = &instructions {
        for result in &mut results {
            result.add_instructions(counts);
        }
    }
    Report::new(config.scale, note, results)
}

/// Measures one case (wall time); a case that fails to build or run is
/// reported with its error, and flagged.
pub fn measure_case(case: &Case, scale: Scale) -> CaseResult {
    let mut result = CaseResult::new(case);
    let points = match (case.build)(scale) {
        Ok(points) => points,
        Err(e) => {
            result.error = Some(e);
            return result;
        }
    };
    for mut point in points {
        let work = measure::time(point.work.as_mut(), scale.repetitions());
        let base = match point.base.as_mut() {
            Some(base) => measure::time(base.as_mut(), scale.repetitions()).map(Some),
            None => Ok(None),
        };
        match (work, base) {
            (Ok(work), Ok(base)) => {
                let (base_ns, base_gas) = base.map_or((0.0, 0), |b| (b.ns, b.gas));
                result.points.push(PointResult {
                    size: point.size,
                    ops: point.ops,
                    gas: work.gas.saturating_sub(base_gas),
                    ns: work.ns - base_ns,
                    instructions: None,
                });
            }
            (Err(e), _) | (_, Err(e)) => {
                result.error = Some(e);
                return result;
            }
        }
    }
    result
}

/// The callgrind child: every selected probe once in the measured region.
fn run_child(config: &Config, dir: &std::path::Path) -> Result<(), String> {
    let mut log = Vec::new();
    for case in cases().into_iter().filter(|c| config.selects(c)) {
        let points = match (case.build)(Scale::Instructions) {
            Ok(points) => points,
            Err(_) => continue,
        };
        for (index, mut point) in points.into_iter().enumerate() {
            let label = probe_label(&case.id, index);
            measure::count_in_child(point.work.as_mut(), &format!("{label} work"), &mut log)?;
            if let Some(base) = point.base.as_mut() {
                measure::count_in_child(base.as_mut(), &format!("{label} base"), &mut log)?;
            }
        }
    }
    storage::release();
    let text: String = log.iter().map(|line| format!("{line}\n")).collect();
    std::fs::write(dir.join(measure::CHILD_LOG), text).map_err(|e| e.to_string())
}

/// The label of a case's point in the callgrind child's list.
fn probe_label(id: &str, index: usize) -> String {
    format!("{id}#{index}")
}
