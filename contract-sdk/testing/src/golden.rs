//! Golden files of gas: a scenario's calls and their gas, compared with a
//! committed file so that any drift in gas shows up in review.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::Outcome;

/// The gas of a scenario's calls, pinned in a golden file.
///
/// Each [`GasReport::record`] adds a line `label  gas  status`;
/// [`GasReport::check`] compares the lines with the file and panics on any
/// difference, or, with `GASWORKS_BLESS=1` in the environment, rewrites the
/// file. One report per file, written by one test.
#[derive(Debug, Clone)]
pub struct GasReport {
    path: PathBuf,
    header: String,
    lines: Vec<(String, u64, String)>,
}

impl GasReport {
    /// A report for the golden file at `path`, headed by `title` (one line
    /// of comment saying what the scenario is).
    pub fn new(path: impl Into<PathBuf>, title: &str) -> GasReport {
        GasReport {
            path: path.into(),
            header: title.to_string(),
            lines: Vec::new(),
        }
    }

    /// Records a call's gas under `label`, and returns the outcome for
    /// further assertions.
    pub fn record<'a>(&mut self, label: &str, outcome: &'a Outcome) -> &'a Outcome {
        let status = match outcome.failure() {
            None => "ok".to_string(),
            Some(failure) => format!("failed: {}", gasworks_vm_trap_name(failure.trap)),
        };
        self.lines
            .push((label.to_string(), outcome.gas_used(), status));
        outcome
    }

    /// The gas recorded under `label`, if any.
    pub fn gas(&self, label: &str) -> Option<u64> {
        self.lines
            .iter()
            .find(|(l, _, _)| l == label)
            .map(|(_, gas, _)| *gas)
    }

    /// The file's text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# {}", self.header);
        out.push_str(
            "# Gas per call, entry charge included. Pinned by a test; after a deliberate \
             change,\n# re-bless with GASWORKS_BLESS=1 (see docs/sdk.md).\n",
        );
        let width = self.lines.iter().map(|l| l.0.len()).max().unwrap_or(0);
        for (label, gas, status) in &self.lines {
            let _ = writeln!(out, "{label:<width$}  {gas:>12}  {status}");
        }
        out
    }

    /// Compares with the golden file.
    ///
    /// # Panics
    ///
    /// When the file differs (listing the lines that changed), or cannot be
    /// read or, when blessing, written.
    #[track_caller]
    pub fn check(&self) {
        let rendered = self.render();
        let blessing = std::env::var("GASWORKS_BLESS").is_ok_and(|v| v == "1");
        let current = std::fs::read_to_string(&self.path).unwrap_or_default();
        if current == rendered {
            return;
        }
        if blessing {
            if let Some(parent) = self.path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            std::fs::write(&self.path, &rendered)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", self.path.display()));
            return;
        }
        panic!(
            "gas differs from the golden file {} (rerun with GASWORKS_BLESS=1 after a \
             deliberate change):\n{}",
            self.path.display(),
            describe_changes(&current, &self.lines)
        );
    }
}

/// A golden file's calls: label, gas and status, in file order. A line is
/// `label  gas  status`, its fields apart by two or more spaces; comment
/// lines and lines that do not parse are skipped.
fn parse_golden(text: &str) -> Vec<(String, u64, String)> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let mut fields = line.split("  ").map(str::trim).filter(|f| !f.is_empty());
            let label = fields.next()?;
            let gas = fields.next()?.parse().ok()?;
            let status = fields.collect::<Vec<_>>().join(" ");
            Some((label.to_string(), gas, status))
        })
        .collect()
}

/// `change` of `old` in per cent with two decimals, as text (`+1.25%`).
fn per_cent(old: u64, new: u64) -> String {
    if old == 0 {
        return if new == 0 {
            "0.00%".into()
        } else {
            "new".into()
        };
    }
    let change = i128::from(new) - i128::from(old);
    let hundredths = change * 10_000 / i128::from(old);
    let sign = if change < 0 { "-" } else { "+" };
    let magnitude = hundredths.unsigned_abs();
    format!("{sign}{}.{:02}%", magnitude / 100, magnitude % 100)
}

/// Every call of the new run against the golden file, as `forge snapshot
/// --diff` shows a gas snapshot: old gas, new gas, the change and the change
/// in per cent (unchanged calls included, so the whole scenario reads at
/// once), calls added or gone, status changes, and the total.
fn describe_changes(current: &str, lines: &[(String, u64, String)]) -> String {
    let old = parse_golden(current);
    let find = |label: &str| old.iter().find(|(l, _, _)| l == label);
    let width = lines
        .iter()
        .map(|l| l.0.len())
        .chain(old.iter().map(|l| l.0.len()))
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<width$}  {:>12}  {:>12}  {:>10}  {:>9}",
        "call", "old", "new", "change", "%"
    );
    let (mut old_total, mut new_total) = (0u64, 0u64);
    for (label, gas, status) in lines {
        match find(label) {
            Some((_, old_gas, old_status)) => {
                old_total = old_total.saturating_add(*old_gas);
                new_total = new_total.saturating_add(*gas);
                let change = i128::from(*gas) - i128::from(*old_gas);
                let mark = if change == 0 && old_status == status {
                    ""
                } else {
                    "  <-"
                };
                let _ = writeln!(
                    out,
                    "{label:<width$}  {old_gas:>12}  {gas:>12}  {change:>+10}  {:>9}{mark}",
                    per_cent(*old_gas, *gas)
                );
                if old_status != status {
                    let _ = writeln!(out, "{:<width$}  status: {old_status} -> {status}", "");
                }
            }
            None => {
                let _ = writeln!(
                    out,
                    "{label:<width$}  {:>12}  {gas:>12}  (new call: {status})",
                    "-"
                );
            }
        }
    }
    for (label, gas, _) in &old {
        if !lines.iter().any(|(l, _, _)| l == label) {
            let _ = writeln!(out, "{label:<width$}  {gas:>12}  {:>12}  (call gone)", "-");
        }
    }
    let _ = writeln!(
        out,
        "{:<width$}  {old_total:>12}  {new_total:>12}  {:>+10}  {:>9}  (calls in both)",
        "total",
        i128::from(new_total) - i128::from(old_total),
        per_cent(old_total, new_total)
    );
    out
}

fn gasworks_vm_trap_name(trap: gasworks_vm::trap::TrapKind) -> String {
    gasworks_host_api::docs::trap_name(trap).replace('`', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(label: &str, gas: u64, status: &str) -> (String, u64, String) {
        (label.to_string(), gas, status.to_string())
    }

    #[test]
    fn a_golden_file_reads_back_as_its_calls() {
        let mut report = GasReport::new("unused", "scenario");
        report.lines = vec![
            line("caller.spin with 100,000 gas", 265_464, "ok"),
            line(
                "callee.set_and_fail directly (fails)",
                97_109,
                "failed: host(1) abort",
            ),
        ];
        assert_eq!(parse_golden(&report.render()), report.lines);
    }

    #[test]
    fn the_difference_shows_old_new_and_per_cent_for_every_call() {
        let mut old = GasReport::new("unused", "scenario");
        old.lines = vec![
            line("a.same", 1_000, "ok"),
            line("b.dearer", 20_000, "ok"),
            line("c.cheaper", 400, "ok"),
            line("d.gone", 7, "ok"),
            line("e.now fails", 50, "ok"),
        ];
        let new = vec![
            line("a.same", 1_000, "ok"),
            line("b.dearer", 20_250, "ok"),
            line("c.cheaper", 300, "ok"),
            line("e.now fails", 50, "failed: out of gas"),
            line("f.added", 9, "ok"),
        ];
        let text = describe_changes(&old.render(), &new);
        let row = |label: &str| {
            text.lines()
                .find(|l| l.starts_with(label))
                .unwrap_or_else(|| panic!("no row for {label} in\n{text}"))
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(row("a.same"), "a.same 1000 1000 +0 +0.00%");
        assert_eq!(row("b.dearer"), "b.dearer 20000 20250 +250 +1.25% <-");
        assert_eq!(row("c.cheaper"), "c.cheaper 400 300 -100 -25.00% <-");
        assert_eq!(row("d.gone"), "d.gone 7 - (call gone)");
        assert_eq!(row("e.now"), "e.now fails 50 50 +0 +0.00% <-");
        assert!(text.contains("status: ok -> failed: out of gas"), "{text}");
        assert_eq!(row("f.added"), "f.added - 9 (new call: ok)");
        assert_eq!(
            row("total"),
            "total 21450 21600 +150 +0.69% (calls in both)"
        );
    }
}
