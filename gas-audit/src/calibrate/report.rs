//! The calibration report: what was measured, the yardstick, every case's
//! worst time per gas against it, the fitted terms beside the prices, and
//! the flags. Rendered as Markdown (the body of `docs/gas-calibration.md`)
//! or JSON; [`parse_rows`] and [`parse_schedule_hash`] read a rendered
//! report back, for the test that keeps the doc honest.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::fit::{Line, least_squares};
use super::flag::{self, BOUND, Baseline, PointResult, Verdict};
use super::{Case, Group, Scale};

/// The measurements of one case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    /// The case's id.
    pub id: String,
    /// Its group.
    pub group: Group,
    /// What it does.
    pub about: String,
    /// Its price, in words.
    pub price: String,
    /// What its size counts.
    pub unit: &'static str,
    /// Its points, in the order measured.
    pub points: Vec<PointResult>,
    /// Why it could not be measured (a broken case is flagged).
    pub error: Option<String>,
}

impl CaseResult {
    /// An empty result for `case`.
    pub fn new(case: &Case) -> CaseResult {
        CaseResult {
            id: case.id.clone(),
            group: case.group,
            about: case.about.clone(),
            price: case.price.clone(),
            unit: case.unit,
            points: Vec::new(),
            error: None,
        }
    }

    /// Adds the callgrind counts (instructions and gas per probe label, at
    /// the callgrind scale) as instructions for each point's gas.
    pub fn add_instructions(&mut self, counts: &BTreeMap<String, (f64, u64)>) {
        for (index, point) in self.points.iter_mut().enumerate() {
            let label = super::probe_label(&self.id, index);
            let Some(&(work_ir, work_gas)) = counts.get(&format!("{label} work")) else {
                continue;
            };
            let (base_ir, base_gas) = counts
                .get(&format!("{label} base"))
                .copied()
                .unwrap_or((0.0, 0));
            let gas = work_gas.saturating_sub(base_gas);
            let ir = (work_ir - base_ir).max(0.0);
            let per_gas = if gas == 0 {
                if ir > 0.0 { f64::INFINITY } else { 0.0 }
            } else {
                ir / gas as f64
            };
            point.instructions = Some(per_gas * point.gas as f64);
        }
    }

    /// Nanoseconds per operation against size, fitted (with two sizes or
    /// more).
    pub fn time_fit(&self) -> Option<Line> {
        self.fit(|p| p.ns)
    }

    /// Gas per operation against size, fitted (exact: prices are linear).
    pub fn gas_fit(&self) -> Option<Line> {
        self.fit(|p| p.gas as f64)
    }

    fn fit(&self, y: impl Fn(&PointResult) -> f64) -> Option<Line> {
        let points: Vec<(f64, f64)> = self
            .points
            .iter()
            .filter(|p| p.ops > 0)
            .map(|p| (p.size as f64, y(p) / p.ops as f64))
            .collect();
        least_squares(&points)
    }
}

/// A whole calibration.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// UTC date of the run (YYYY-MM-DD).
    pub date: String,
    /// The machine: CPU model and cores.
    pub machine: String,
    /// The schedule hash (`gasworks_node_sim::schedule::schedule_hash`).
    pub schedule_hash: String,
    /// The cost table's hash.
    pub cost_table_hash: String,
    /// The host API manifest's hash.
    pub manifest_hash: String,
    /// The engine version.
    pub engine: String,
    /// The scale of the run.
    pub scale: Scale,
    /// How instructions were counted, or why they were not.
    pub instructions: String,
    /// The yardstick.
    pub baseline: Option<Baseline>,
    /// Every case, with its verdict (`None` for a case that failed).
    pub results: Vec<(CaseResult, Option<Verdict>)>,
}

impl Report {
    /// Judges `results` against the median of their plain cases.
    pub fn new(scale: Scale, instructions: String, results: Vec<CaseResult>) -> Report {
        let plain: Vec<(f64, Option<f64>)> = results
            .iter()
            .filter(|r| r.group == Group::Plain && r.error.is_none())
            .map(|r| {
                let verdict = flag::judge(
                    &r.points,
                    &Baseline {
                        ns_per_gas: 1.0,
                        instructions_per_gas: Some(1.0),
                    },
                );
                (verdict.ns_per_gas, verdict.instructions_per_gas)
            })
            .collect();
        let baseline = flag::baseline(&plain);
        let results = results
            .into_iter()
            .map(|r| {
                let verdict = match (&r.error, &baseline) {
                    (None, Some(b)) => Some(flag::judge(&r.points, b)),
                    _ => None,
                };
                (r, verdict)
            })
            .collect();
        Report {
            date: utc_date(),
            machine: machine(),
            schedule_hash: gasworks_node_sim::schedule::schedule_hash().to_hex(),
            cost_table_hash: gasworks_vm::instrument::cost::cost_table_hash(),
            manifest_hash: gasworks_host_api::manifest_hash(),
            engine: gasworks_vm::engine::ENGINE_VERSION.to_string(),
            scale,
            instructions,
            baseline,
            results,
        }
    }

    /// The flagged cases' ids (failed cases included).
    pub fn flagged(&self) -> Vec<&str> {
        self.results
            .iter()
            .filter(|(_, v)| v.is_none_or(|v| v.flagged))
            .map(|(r, _)| r.id.as_str())
            .collect()
    }

    /// The report as Markdown: a header, then one table row per case.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "- Date: {} (UTC)", self.date);
        let _ = writeln!(out, "- Machine: {}", self.machine);
        let _ = writeln!(out, "- Schedule hash: `{}`", self.schedule_hash);
        let _ = writeln!(out, "- Cost table hash: `{}`", self.cost_table_hash);
        let _ = writeln!(out, "- Host API hash: `{}`", self.manifest_hash);
        let _ = writeln!(out, "- Engine: `{}`", self.engine);
        let _ = writeln!(out, "- Scale: {:?}", self.scale);
        let _ = writeln!(out, "- Instructions: {}", self.instructions);
        match &self.baseline {
            Some(b) => {
                let _ = write!(
                    out,
                    "- Plain code (median of the `plain.*` cases): {:.3} ns per gas",
                    b.ns_per_gas
                );
                if let Some(i) = b.instructions_per_gas {
                    let _ = write!(out, ", {i:.2} instructions per gas");
                }
                let _ = writeln!(out);
            }
            None => {
                let _ = writeln!(out, "- Plain code: not measured");
            }
        }
        let flagged = self.flagged();
        let _ = writeln!(
            out,
            "- Bound: {BOUND}x the plain median in wall time (instructions: a cross-check, marked, not flagging); flagged: {}",
            if flagged.is_empty() {
                "none".to_string()
            } else {
                flagged.join(", ")
            }
        );
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "| Case | Group | Price (gas) | ns/gas | x median | instr/gas | x median | Fit: ns per op | Fit: gas per op | Verdict |"
        );
        let _ = writeln!(
            out,
            "| --- | --- | --- | ---: | ---: | ---: | ---: | --- | --- | --- |"
        );
        for (result, verdict) in &self.results {
            let fit = |line: Option<Line>, unit: &str| match line {
                Some(l) if !result.unit.is_empty() => {
                    format!("{:.1} + {:.3}/{unit}", l.base, l.per_unit)
                }
                _ => "-".to_string(),
            };
            let unit = result.unit.trim_end_matches('s');
            let (ns, ns_x, ir, ir_x, word) = match verdict {
                Some(v) => (
                    format!("{:.3}", v.ns_per_gas),
                    format!("{:.2}", v.ns_ratio),
                    v.instructions_per_gas
                        .map_or("-".into(), |i| format!("{i:.2}")),
                    v.instructions_ratio
                        .map_or("-".into(), |i| format!("{i:.2}")),
                    match (v.flagged, v.instructions_over) {
                        (true, _) => "FLAGGED",
                        (false, true) => "ok (instructions over: see below)",
                        (false, false) => "ok",
                    },
                ),
                None => ("-".into(), "-".into(), "-".into(), "-".into(), "FLAGGED"),
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {ns} | {ns_x} | {ir} | {ir_x} | {} | {} | {word} |",
                result.id,
                result.group.name(),
                result.price,
                fit(result.time_fit(), unit),
                fit(result.gas_fit(), unit),
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "What each case does:");
        let _ = writeln!(out);
        for (result, _) in &self.results {
            let _ = write!(out, "- `{}`: {}", result.id, result.about);
            if let Some(e) = &result.error {
                let _ = write!(out, " (failed: {e})");
            }
            let _ = writeln!(out);
        }
        out
    }

    /// The report as one JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let finite = |x: f64| if x.is_finite() { json!(x) } else { json!(null) };
        let results: Vec<serde_json::Value> = self
            .results
            .iter()
            .map(|(r, v)| {
                json!({
                    "id": r.id,
                    "group": r.group.name(),
                    "about": r.about,
                    "price": r.price,
                    "unit": r.unit,
                    "error": r.error,
                    "flagged": v.is_none_or(|v| v.flagged),
                    "instructions_over": v.is_some_and(|v| v.instructions_over),
                    "ns_per_gas": v.map(|v| finite(v.ns_per_gas)),
                    "ns_ratio": v.map(|v| finite(v.ns_ratio)),
                    "instructions_per_gas": v.and_then(|v| v.instructions_per_gas).map(finite),
                    "instructions_ratio": v.and_then(|v| v.instructions_ratio).map(finite),
                    "time_fit": r.time_fit().map(|l| json!({"base": finite(l.base), "per_unit": finite(l.per_unit)})),
                    "gas_fit": r.gas_fit().map(|l| json!({"base": finite(l.base), "per_unit": finite(l.per_unit)})),
                    "points": r.points.iter().map(|p| json!({
                        "size": p.size,
                        "ops": p.ops,
                        "gas": p.gas,
                        "ns": finite(p.ns),
                        "instructions": p.instructions.map(finite),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "date": self.date,
            "machine": self.machine,
            "schedule_hash": self.schedule_hash,
            "cost_table_hash": self.cost_table_hash,
            "manifest_hash": self.manifest_hash,
            "engine": self.engine,
            "scale": format!("{:?}", self.scale),
            "instructions": self.instructions,
            "bound": BOUND,
            "plain_ns_per_gas": self.baseline.map(|b| finite(b.ns_per_gas)),
            "plain_instructions_per_gas": self.baseline.and_then(|b| b.instructions_per_gas).map(finite),
            "flagged": self.flagged(),
            "cases": results,
        })
    }
}

/// One row of a rendered report: a case id and whether it was flagged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The case id.
    pub id: String,
    /// Its verdict was `FLAGGED`.
    pub flagged: bool,
}

/// The case rows of a Markdown report (in a larger text).
pub fn parse_rows(text: &str) -> Vec<Row> {
    text.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line
                .trim()
                .strip_prefix('|')?
                .strip_suffix('|')?
                .split('|')
                .collect();
            let id = cells.first()?.trim().strip_prefix('`')?.strip_suffix('`')?;
            let verdict = cells.last()?.trim();
            Some(Row {
                id: id.to_string(),
                flagged: !verdict.starts_with("ok"),
            })
        })
        .collect()
}

/// The schedule hash a Markdown report names.
pub fn parse_schedule_hash(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("- Schedule hash: `")?;
        Some(rest.strip_suffix('`')?.to_string())
    })
}

/// The CPU model and the cores available to this process.
fn machine() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("model name")?
                    .split_once(':')
                    .map(|(_, m)| m.trim().to_string())
            })
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{model}, {cores} cores available, {}", std::env::consts::OS)
}

/// Today's date in UTC (civil from days since the epoch).
fn utc_date() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil(secs / 86_400);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Year, month, day of day `days` since 1970-01-01 (Howard Hinnant's
/// algorithm).
fn civil(days: u64) -> (i64, u64, u64) {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u64;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u64;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(19_723), (2024, 1, 1));
        assert_eq!(civil(11_016), (2000, 2, 29));
    }

    fn result(id: &str, group: Group, ns: f64) -> CaseResult {
        CaseResult {
            id: id.into(),
            group,
            about: "x".into(),
            price: "1".into(),
            unit: "",
            points: vec![PointResult {
                size: 0,
                ops: 1,
                gas: 1_000,
                ns,
                instructions: None,
            }],
            error: None,
        }
    }

    /// A rendered report reads back: ids, verdicts, the schedule hash.
    #[test]
    fn a_report_reads_back() {
        let report = Report::new(
            Scale::Quick,
            "none".into(),
            vec![
                result("plain.a", Group::Plain, 500.0),
                result("plain.b", Group::Plain, 700.0),
                result("op.slow", Group::Operator, 5_000.0),
                result("op.fine", Group::Operator, 900.0),
            ],
        );
        let text = report.to_markdown();
        let rows = parse_rows(&text);
        let flagged: Vec<&str> = rows
            .iter()
            .filter(|r| r.flagged)
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(rows.len(), 4, "{text}");
        assert_eq!(flagged, ["op.slow"], "{text}");
        assert_eq!(report.flagged(), ["op.slow"]);
        assert_eq!(
            parse_schedule_hash(&text),
            Some(report.schedule_hash.clone())
        );
        assert_eq!(report.to_json()["flagged"][0], "op.slow");
    }
}
