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
        let old: Vec<&str> = current.lines().collect();
        let new: Vec<&str> = rendered.lines().collect();
        let mut changes = String::new();
        for line in &old {
            if !new.contains(line) {
                let _ = writeln!(changes, "- {line}");
            }
        }
        for line in &new {
            if !old.contains(line) {
                let _ = writeln!(changes, "+ {line}");
            }
        }
        panic!(
            "gas differs from the golden file {} (rerun with GASWORKS_BLESS=1 after a \
             deliberate change):\n{changes}",
            self.path.display()
        );
    }
}

fn gasworks_vm_trap_name(trap: gasworks_vm::trap::TrapKind) -> String {
    gasworks_host_api::docs::trap_name(trap).replace('`', "")
}
