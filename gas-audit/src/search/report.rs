//! The search's report: the worst programs found, each with its ratio to
//! the baseline's median time per gas, its gas, what it is made of, and
//! its text; as text for people, as JSON for programs, and as files (one
//! `.wat` per program, or `.wasm` when it does not print) in a directory.

use std::fmt::Write as _;
use std::path::Path;

use super::evolve::{Finding, Outcome};
use super::ops;

/// The bound of the issue: a program whose time per gas is more than this
/// many times the baseline's median is underpriced.
pub const BOUND: f64 = 3.0;

/// The report as text.
pub fn render(outcome: &Outcome) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "adversarial search: seed {}, {} candidates in {:.1} s ({})",
        outcome.config.seed,
        outcome.rounds,
        outcome.elapsed.as_secs_f64(),
        if outcome.deterministic {
            "modelled time: deterministic"
        } else {
            "wall time: medians of repeated runs"
        }
    );
    let sources: Vec<String> = outcome
        .source_counts()
        .iter()
        .map(|(source, n)| format!("{source} {n}"))
        .collect();
    let _ = writeln!(text, "sources: {}", sources.join(", "));
    let outcomes: Vec<String> = outcome
        .outcome_counts()
        .iter()
        .map(|(kind, n)| format!("{kind} {n}"))
        .collect();
    let _ = writeln!(text, "outcomes: {}", outcomes.join(", "));
    let _ = writeln!(
        text,
        "baseline: median {:.3} ns per gas of",
        outcome.baseline
    );
    for (name, ns) in &outcome.baseline_detail {
        let _ = writeln!(text, "  {name:<40} {ns:>8.3} ns per gas");
    }
    let above = outcome
        .findings
        .iter()
        .filter(|f| f.ratio() > BOUND)
        .count();
    let _ = writeln!(
        text,
        "worst programs (re-measured; {above} above the bound of {BOUND}x the median):"
    );
    for (rank, finding) in outcome.findings.iter().enumerate() {
        let _ = writeln!(text, "{:>3}. {}", rank + 1, line(finding));
    }
    text
}

/// One finding on one line.
fn line(finding: &Finding) -> String {
    let member = &finding.member;
    let measured = match &finding.remeasured {
        Ok(e) => format!(
            "{:>7.2}x  {:>8.3} ns/gas  gas {:>9}  {}",
            e.ratio,
            e.ns_per_gas,
            e.gas_used,
            e.trap.map_or("returns".to_string(), |t| format!("{t:?}"))
        ),
        Err(error) => format!("failed when re-measured: {error}"),
    };
    format!(
        "{measured}  [{}] {} (search: {:.2}x; ops: {})",
        member.program.family,
        member.program.description,
        member.evaluation.ratio,
        ops::summary(&member.program.wasm, 4)
    )
}

/// The report as one JSON object.
pub fn to_json(outcome: &Outcome) -> serde_json::Value {
    let findings: Vec<serde_json::Value> = outcome
        .findings
        .iter()
        .map(|finding| {
            let member = &finding.member;
            let (ratio, ns_per_gas, gas_used, trap, error) = match &finding.remeasured {
                Ok(e) => (
                    Some(e.ratio),
                    Some(e.ns_per_gas),
                    Some(e.gas_used),
                    e.trap.map(|t| format!("{t:?}")),
                    None,
                ),
                Err(error) => (None, None, None, None, Some(error.to_string())),
            };
            serde_json::json!({
                "family": member.program.family,
                "description": member.program.description,
                "source": member.genome.source(),
                "candidate": member.id,
                "ratio": ratio,
                "ns_per_gas": ns_per_gas,
                "gas_used": gas_used,
                "trap": trap,
                "error": error,
                "search_ratio": member.evaluation.ratio,
                "above_bound": finding.ratio() > BOUND,
                "operators": ops::summary(&member.program.wasm, 8),
                "input_hex": member.program.input.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            })
        })
        .collect();
    serde_json::json!({
        "seed": outcome.config.seed,
        "candidates": outcome.rounds,
        "elapsed_seconds": outcome.elapsed.as_secs_f64(),
        "deterministic": outcome.deterministic,
        "bound": BOUND,
        "baseline_ns_per_gas": outcome.baseline,
        "baseline": outcome.baseline_detail.iter().map(|(name, ns)| serde_json::json!({"program": name, "ns_per_gas": ns})).collect::<Vec<_>>(),
        "sources": outcome.source_counts(),
        "outcomes": outcome.outcome_counts(),
        "findings": findings,
    })
}

/// Writes `report.txt`, `report.json` and each finding's program
/// (`NN-family.wat`, with the finding as a comment, or `.wasm` and its
/// input as `.input`) into `dir`.
///
/// # Errors
///
/// The I/O error of the first file that could not be written.
pub fn write_dir(outcome: &Outcome, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("report.txt"), render(outcome))?;
    let json = serde_json::to_string_pretty(&to_json(outcome)).unwrap_or_default();
    std::fs::write(dir.join("report.json"), json + "\n")?;
    for (rank, finding) in outcome.findings.iter().enumerate() {
        let member = &finding.member;
        let stem: String = member
            .program
            .family
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let stem = format!("{:02}-{stem}", rank + 1);
        match member.program.text() {
            Some(wat) => {
                let header = format!(";; {}\n", line(finding).replace('\n', " "));
                std::fs::write(dir.join(format!("{stem}.wat")), header + &wat)?;
            }
            None => std::fs::write(dir.join(format!("{stem}.wasm")), &member.program.wasm)?,
        }
        if !member.program.input.is_empty() {
            std::fs::write(dir.join(format!("{stem}.input")), &member.program.input)?;
        }
    }
    Ok(())
}
