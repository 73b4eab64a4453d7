//! Keeps `docs/gas-calibration.md` honest, without timing anything: the
//! report it holds was made for the current schedule (its schedule hash is
//! the one the code computes, so any price, limit or engine change asks
//! for a new run), every operator class of the cost table and every host
//! function of the manifest has a row (a new host function without a
//! calibration case fails here), and nothing in it is flagged beyond the
//! cases named in [`OPEN`] with their reason.

use gasworks_gas_audit::calibrate::{report, wasm};
use gasworks_host_api::{MANIFEST, Provider};

/// Flagged cases the report may still hold, each with why it is not fixed
/// yet. Empty is the goal; a case added here must say what would fix it.
const OPEN: &[(&str, &str)] = &[];

fn doc() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/gas-calibration.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The generated part of the doc.
fn report_text() -> String {
    let doc = doc();
    let start = doc
        .find("<!-- calibration:start -->")
        .expect("the doc has a calibration:start marker");
    let end = doc
        .find("<!-- calibration:end -->")
        .expect("the doc has a calibration:end marker");
    doc[start..end].to_string()
}

#[test]
fn the_report_was_made_for_the_current_schedule() {
    let text = report_text();
    let hash = report::parse_schedule_hash(&text).expect("the report names its schedule hash");
    assert_eq!(
        hash,
        gasworks_node_sim::schedule::schedule_hash().to_hex(),
        "docs/gas-calibration.md was made for another schedule: run `gasworks calibrate --out \
         report.md` and put the report between the markers (see the doc)"
    );
}

#[test]
fn every_operator_class_and_host_function_has_a_row() {
    let rows = report::parse_rows(&report_text());
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    for (class, _) in wasm::CLASSES {
        let id = format!("op.{class}");
        assert!(ids.contains(&id.as_str()), "no row for operator class {id}");
    }
    for entry in MANIFEST.iter().filter(|e| e.provider == Provider::Host) {
        let id = format!("host.{}", entry.name);
        assert!(
            ids.iter()
                .any(|row| *row == id || row.starts_with(&format!("{id}."))),
            "no row for host function {}",
            entry.name
        );
    }
    assert!(ids.iter().filter(|id| id.starts_with("plain.")).count() >= 5);
    for id in ["deploy.", "entry.", "host.storage_write"] {
        assert!(ids.iter().any(|row| row.starts_with(id)), "no {id} row");
    }
}

#[test]
fn nothing_is_flagged_but_what_is_open() {
    let rows = report::parse_rows(&report_text());
    assert!(!rows.is_empty());
    let flagged: Vec<&str> = rows
        .iter()
        .filter(|r| r.flagged)
        .map(|r| r.id.as_str())
        .filter(|id| !OPEN.iter().any(|(open, _)| open == id))
        .collect();
    assert!(
        flagged.is_empty(),
        "flagged in docs/gas-calibration.md: {flagged:?}"
    );
}
