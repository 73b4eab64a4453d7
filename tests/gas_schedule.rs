//! `docs/gas-schedule.md` is the current schedule: what `gasworks schedule`
//! prints from the cost table, the host API's manifest and limits, the VM's
//! limits and the node's prices (issue 10, point 3).
//!
//! The page is compared with the command's output byte for byte;
//! `GASWORKS_BLESS=1 cargo test --release --test gas_schedule` rewrites it.
//! Apart from that comparison, the page is checked against the sources
//! themselves, so that a generator that dropped a part could not be blessed
//! into a page that looks current.

use std::path::PathBuf;
use std::process::Command;

use gasworks_vm::instrument::cost::{self, OPERATORS, Verdict};

fn page_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/gas-schedule.md")
}

fn schedule(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_gasworks"))
        .arg("schedule")
        .args(args)
        .output()
        .expect("gasworks runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn the_page_is_current() {
    let rendered = schedule(&[]);
    let path = page_path();
    if std::env::var_os("GASWORKS_BLESS").is_some() {
        std::fs::write(&path, &rendered).expect("write docs/gas-schedule.md");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != rendered {
        let line = committed
            .lines()
            .zip(rendered.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(committed.lines().count().min(rendered.lines().count()));
        panic!(
            "docs/gas-schedule.md is stale (first difference at line {}): regenerate it with \
             `GASWORKS_BLESS=1 cargo test --release --test gas_schedule` (or \
             `gasworks schedule > docs/gas-schedule.md`) and review the diff",
            line + 1
        );
    }
}

/// The page names the hashes the code computes: the block headers'
/// schedule hash, the cost table's and the manifest's.
#[test]
fn the_page_names_the_current_hashes() {
    let page = schedule(&[]);
    for (what, hash) in [
        (
            "schedule hash",
            gasworks_node_sim::schedule::schedule_hash().to_hex(),
        ),
        ("cost-table hash", cost::cost_table_hash()),
        ("manifest hash", gasworks_host_api::manifest_hash()),
    ] {
        assert!(page.contains(&format!("`{hash}`")), "{what} {hash} missing");
    }
    // The schedule hash's input, verbatim.
    assert!(page.contains(&gasworks_node_sim::schedule::canonical_schedule()));
}

/// Every price and limit of the sources is on the page with its value.
#[test]
fn the_page_lists_every_price_and_limit() {
    let page = schedule(&[]);
    let grouped = |value: u64| {
        let digits = value.to_string();
        let mut out = String::new();
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(digit);
        }
        out
    };
    let mut accepted = 0;
    for (visit, verdict) in OPERATORS {
        if let Verdict::Accept(price) = verdict {
            accepted += 1;
            let name = cost::operator_name(visit);
            let row = format!("| `{name}` | {} |", grouped(price.base));
            let shared = format!("| `{name} ({visit})` | {} |", grouped(price.base));
            assert!(
                page.contains(&row) || page.contains(&shared),
                "{row} missing"
            );
        }
    }
    assert!(page.contains(&format!("{accepted} accepted operators")));
    assert!(page.contains("| `memory.grow` | 50 | 65,536 | page (64 KiB) |"));
    for entry in gasworks_host_api::manifest::MANIFEST {
        let row = format!("| `{}.{}`", entry.module, entry.name);
        let line = page
            .lines()
            .find(|line| line.starts_with(&row))
            .unwrap_or_else(|| panic!("{row} missing"));
        assert!(
            line.contains(&format!("| {} |", grouped(entry.cost.base))),
            "{line}"
        );
        if entry.cost.per_byte > 0 {
            assert!(
                line.contains(&format!("| {} (", grouped(entry.cost.per_byte))),
                "{line}"
            );
        }
    }
    for limit in gasworks_host_api::limits::LIMITS {
        let row = format!("| `{}` | {} |", limit.name, grouped(u64::from(limit.value)));
        assert!(page.contains(&row), "{row} missing");
    }
    let limits = format!("{:?}", gasworks_vm::limits::Limits::CONSENSUS);
    for field in limits
        .trim_start_matches("Limits {")
        .trim_end_matches('}')
        .split(',')
    {
        let (name, value) = field.split_once(':').expect("name: value");
        let value: u64 = value.trim().parse().expect("a number");
        let row = format!("| `{}` | {} |", name.trim(), grouped(value));
        assert!(page.contains(&row), "{row} missing");
    }
    // Every public constant of the node's schedule is on the page.
    let source = include_str!("../node-sim/src/schedule.rs");
    for line in source.lines() {
        if let Some(rest) = line.strip_prefix("pub const ") {
            let name = rest.split(':').next().expect("a name");
            if name == "NODE_RULES_VERSION" {
                assert!(page.contains(gasworks_node_sim::schedule::NODE_RULES_VERSION));
            } else {
                assert!(page.contains(&format!("| `{name}` |")), "{name} missing");
            }
        }
    }
}

/// `--json` gives the same schedule to programs.
#[test]
fn json_output_carries_the_hashes_and_prices() {
    let json: serde_json::Value =
        serde_json::from_str(&schedule(&["--json"])).expect("one JSON object");
    assert_eq!(
        json["schedule_hash"],
        gasworks_node_sim::schedule::schedule_hash().to_hex()
    );
    assert_eq!(json["cost_table_hash"], cost::cost_table_hash());
    let accepted = OPERATORS
        .iter()
        .filter(|(_, v)| matches!(v, Verdict::Accept(_)))
        .count();
    assert_eq!(
        json["operators"].as_array().expect("operators").len(),
        accepted
    );
    assert_eq!(
        json["node"]["TX_BASE_GAS"],
        gasworks_node_sim::schedule::TX_BASE_GAS
    );
    assert_eq!(
        json["module_limits"]["memory_pages"],
        gasworks_vm::limits::Limits::CONSENSUS.memory_pages
    );
}
