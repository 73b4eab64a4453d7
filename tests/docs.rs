//! The documentation in `docs/` checked against the code.
//!
//! - `docs/gas.md` carries the cost table between the markers
//!   `<!-- cost-table:start -->` and `<!-- cost-table:end -->`. The section is
//!   generated here from `gasworks_vm::instrument::cost`; the test fails when
//!   the file is stale. `GASWORKS_BLESS=1 cargo test --release --test docs`
//!   rewrites the section instead of failing.
//! - `docs/gas.md` also carries a worked example (an input module and the
//!   instrumented module, both in text format); the test instruments the
//!   input and compares the result with the documented output.
//! - `docs/limits.md` has one table row per static limit and per runtime
//!   constant, whose first cell is the name in backticks and whose second
//!   cell is our value. Every field of `Limits::CONSENSUS` must appear once
//!   with its value, and every other named row must be a known constant with
//!   its value.

use std::collections::BTreeMap;
use std::path::PathBuf;

use gasworks_vm::instrument::cost::{
    LOCAL_COST, OPERATORS, Unit, Verdict, cost_table_hash, operator_name,
};
use gasworks_vm::instrument::{FRAME_OVERHEAD, STACK_LIMIT};
use gasworks_vm::limits::Limits;
use gasworks_vm::{InstrumentConfig, instrument};
use wasmparser::{Operator, Parser, Payload};

const COST_TABLE_START: &str = "<!-- cost-table:start -->";
const COST_TABLE_END: &str = "<!-- cost-table:end -->";
const EXAMPLE_INPUT: &str = "<!-- example:input -->";
const EXAMPLE_OUTPUT: &str = "<!-- example:output -->";

fn doc_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(name)
}

fn read_doc(name: &str) -> String {
    let path = doc_path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn blessing() -> bool {
    std::env::var("GASWORKS_BLESS").is_ok_and(|value| value == "1")
}

/// Groups digits in threes with commas, as the docs write numbers.
fn grouped(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn unit_text(unit: Unit) -> &'static str {
    match unit {
        Unit::None => "-",
        Unit::Pages => "page (64 KiB)",
        Unit::Bytes => "byte",
        Unit::Elements => "table element",
    }
}

/// The generated section of `docs/gas.md`, markers included.
fn render_cost_table() -> String {
    let accepted: Vec<(&str, gasworks_vm::instrument::cost::Price)> = OPERATORS
        .iter()
        .filter_map(|(visit, verdict)| match verdict {
            Verdict::Accept(price) => Some((*visit, *price)),
            _ => None,
        })
        .collect();
    let floats = OPERATORS
        .iter()
        .filter(|(_, verdict)| *verdict == Verdict::Float)
        .count();
    let proposals = OPERATORS
        .iter()
        .filter(|(_, verdict)| matches!(verdict, Verdict::Proposal(_)))
        .count();
    let mut name_count: BTreeMap<String, usize> = BTreeMap::new();
    for (visit, _) in &accepted {
        *name_count.entry(operator_name(visit)).or_default() += 1;
    }

    let mut out = String::new();
    out.push_str(COST_TABLE_START);
    out.push('\n');
    out.push_str(
        "<!-- Generated from gasworks_vm::instrument::cost by tests/docs.rs; \
         GASWORKS_BLESS=1 regenerates it. Do not edit by hand. -->\n\n",
    );
    out.push_str(&format!("Cost table hash: `{}`\n\n", cost_table_hash()));
    out.push_str(&format!(
        "Constants covered by the hash besides the prices: `LOCAL_COST` = {LOCAL_COST} gas \
         per declared local, `STACK_LIMIT` = {} units, `FRAME_OVERHEAD` = {FRAME_OVERHEAD} \
         units.\n\n",
        grouped(u64::from(STACK_LIMIT))
    ));
    out.push_str(&format!(
        "{} operators are accepted and priced below, in wasmparser's order. The other {} \
         operators wasmparser decodes are rejected at upload: {floats} as floating point, \
         {proposals} as part of a proposal outside the accepted profile.\n\n",
        accepted.len(),
        floats + proposals,
    ));
    out.push_str("| Operator | Base | Per unit | Unit |\n");
    out.push_str("| --- | ---: | ---: | --- |\n");
    for (visit, price) in &accepted {
        let name = operator_name(visit);
        let shown = if name_count.get(&name).copied().unwrap_or(0) > 1 {
            format!("`{name}` (`{visit}`)")
        } else {
            format!("`{name}`")
        };
        let per_unit = if price.is_dynamic() {
            grouped(price.per_unit)
        } else {
            "-".to_string()
        };
        out.push_str(&format!(
            "| {shown} | {} | {per_unit} | {} |\n",
            grouped(price.base),
            unit_text(price.unit)
        ));
    }
    out.push('\n');
    out.push_str(COST_TABLE_END);
    out
}

/// `text` with the part from `start` to `end` (markers included) replaced.
fn replace_section(text: &str, start: &str, end: &str, section: &str) -> Option<String> {
    let from = text.find(start)?;
    let to = text[from..].find(end)? + from + end.len();
    Some(format!("{}{}{}", &text[..from], section, &text[to..]))
}

#[test]
fn gas_md_cost_table_is_generated_from_the_code() {
    let path = doc_path("gas.md");
    let text = read_doc("gas.md");
    let section = render_cost_table();
    let updated = replace_section(&text, COST_TABLE_START, COST_TABLE_END, &section)
        .expect("docs/gas.md has the cost-table markers");
    if updated == text {
        return;
    }
    if blessing() {
        std::fs::write(&path, updated).expect("rewrite docs/gas.md");
        return;
    }
    panic!(
        "docs/gas.md is stale: its cost table differs from gasworks_vm::instrument::cost. \
         Run `GASWORKS_BLESS=1 cargo test --release --test docs` and review the diff."
    );
}

#[test]
fn gas_md_cost_table_section_lists_every_accepted_operator() {
    // The rendering itself can fail: every accepted operator must be a row,
    // and the hash in the file must be the code's.
    let text = read_doc("gas.md");
    let accepted = OPERATORS
        .iter()
        .filter(|(_, verdict)| matches!(verdict, Verdict::Accept(_)))
        .count();
    let rows = text
        .lines()
        .skip_while(|line| !line.starts_with(COST_TABLE_START))
        .take_while(|line| !line.starts_with(COST_TABLE_END))
        .filter(|line| line.starts_with("| `"))
        .count();
    assert_eq!(
        rows, accepted,
        "one row per accepted operator in docs/gas.md"
    );
    assert!(
        text.contains(&format!("Cost table hash: `{}`", cost_table_hash())),
        "docs/gas.md names the current cost table hash"
    );
}

/// The text of the code fence that follows `marker` in `text`.
fn fenced_after<'a>(text: &'a str, marker: &str) -> &'a str {
    let after = &text[text.find(marker).expect("marker present") + marker.len()..];
    let open = after.find("```").expect("code fence after marker");
    let body = &after[open..];
    let body = &body[body.find('\n').expect("fence line ends") + 1..];
    &body[..body.find("```").expect("code fence closes")]
}

/// A module rendered as comparable lines: types, imports, functions, globals,
/// exports, elements and bodies (locals expanded, operators decoded). Custom
/// sections (names) and the grouping of local declarations are left out.
fn normalise(wasm: &[u8]) -> Vec<String> {
    let mut lines = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.expect("module parses") {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for ty in group.expect("type").types() {
                        lines.push(format!("type {:?}", ty.composite_type.inner));
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.expect("import");
                    lines.push(format!(
                        "import {} {} {:?}",
                        import.module, import.name, import.ty
                    ));
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    lines.push(format!("func type {}", ty.expect("function")));
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    lines.push(format!("table {:?}", table.expect("table").ty));
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    lines.push(format!("memory {:?}", memory.expect("memory")));
                }
            }
            Payload::GlobalSection(reader) => {
                for global in reader {
                    let global = global.expect("global");
                    let init: Vec<String> = global
                        .init_expr
                        .get_operators_reader()
                        .into_iter()
                        .map(|op| format!("{:?}", op.expect("operator")))
                        .collect();
                    lines.push(format!("global {:?} {}", global.ty, init.join(" ")));
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.expect("export");
                    lines.push(format!(
                        "export {} {:?} {}",
                        export.name, export.kind, export.index
                    ));
                }
            }
            Payload::CodeSectionEntry(body) => {
                let mut locals = Vec::new();
                for local in body.get_locals_reader().expect("locals") {
                    let (count, ty) = local.expect("local");
                    for _ in 0..count {
                        locals.push(format!("{ty}"));
                    }
                }
                lines.push(format!("locals {}", locals.join(" ")));
                for op in body.get_operators_reader().expect("operators") {
                    let op: Operator<'_> = op.expect("operator");
                    lines.push(format!("  {op:?}"));
                }
            }
            Payload::ElementSection(_) | Payload::DataSection(_) => {
                lines.push("segments (not part of the example)".to_string());
            }
            _ => {}
        }
    }
    lines
}

#[test]
fn gas_md_worked_example_is_what_the_instrumenter_emits() {
    let text = read_doc("gas.md");
    let input = wat::parse_str(fenced_after(&text, EXAMPLE_INPUT)).expect("example input parses");
    let documented =
        wat::parse_str(fenced_after(&text, EXAMPLE_OUTPUT)).expect("example output parses");
    let instrumented = instrument(&input, &InstrumentConfig::default())
        .expect("the example input is accepted")
        .module;
    let (expected, found) = (normalise(&documented), normalise(&instrumented));
    if expected != found {
        let diff: Vec<String> = expected
            .iter()
            .zip(found.iter())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(10)
            .map(|(i, (a, b))| format!("line {i}: documented {a} / emitted {b}"))
            .collect();
        panic!(
            "docs/gas.md's worked example differs from the instrumenter's output \
             ({} documented lines, {} emitted):\n{}",
            expected.len(),
            found.len(),
            diff.join("\n")
        );
    }
}

/// The fields of `Limits::CONSENSUS`, by name, from its `Debug` form (so that
/// a new field is checked without touching this test).
fn consensus_limits() -> BTreeMap<String, u64> {
    let text = format!("{:?}", Limits::CONSENSUS);
    let inner = text
        .strip_prefix("Limits { ")
        .and_then(|rest| rest.strip_suffix(" }"))
        .expect("Limits debug form is `Limits { field: value, .. }`");
    inner
        .split(", ")
        .map(|pair| {
            let (name, value) = pair.split_once(": ").expect("field: value");
            (
                name.to_string(),
                value.parse().expect("limit values are integers"),
            )
        })
        .collect()
}

/// Rows of every markdown table in `text` whose first cell is one name in
/// backticks: name -> the leading number of the second cell.
fn named_rows(text: &str) -> BTreeMap<String, u64> {
    let mut rows = BTreeMap::new();
    for line in text.lines().filter(|line| line.starts_with('|')) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (Some(first), Some(second)) = (cells.get(1), cells.get(2)) else {
            continue;
        };
        let Some(name) = first
            .strip_prefix('`')
            .and_then(|rest| rest.strip_suffix('`'))
            .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        else {
            continue;
        };
        let digits: String = second
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .filter(char::is_ascii_digit)
            .collect();
        let value = digits
            .parse()
            .unwrap_or_else(|_| panic!("row `{name}`: second cell {second:?} is not a number"));
        assert!(
            rows.insert(name.to_string(), value).is_none(),
            "row `{name}` appears twice in docs/limits.md"
        );
    }
    rows
}

#[test]
fn limits_md_table_matches_the_consensus_limits() {
    let text = read_doc("limits.md");
    let mut rows = named_rows(&text);
    let mut problems = Vec::new();
    for (name, value) in consensus_limits() {
        match rows.remove(&name) {
            Some(documented) if documented == value => {}
            Some(documented) => problems.push(format!(
                "`{name}`: docs/limits.md says {documented}, Limits::CONSENSUS has {value}"
            )),
            None => problems.push(format!("`{name}` ({value}) has no row in docs/limits.md")),
        }
    }
    let constants: BTreeMap<&str, u64> = [
        ("STACK_LIMIT", u64::from(STACK_LIMIT)),
        ("FRAME_OVERHEAD", u64::from(FRAME_OVERHEAD)),
        ("LOCAL_COST", LOCAL_COST),
        ("MAX_MEMORY_PAGES", gasworks_vm::engine::MAX_MEMORY_PAGES),
        (
            "MAX_TABLE_ELEMENTS",
            gasworks_vm::engine::MAX_TABLE_ELEMENTS,
        ),
    ]
    .into_iter()
    .collect();
    for (name, documented) in rows {
        match constants.get(name.as_str()) {
            Some(value) if *value == documented => {}
            Some(value) => problems.push(format!(
                "`{name}`: docs/limits.md says {documented}, the code has {value}"
            )),
            None => problems.push(format!(
                "`{name}` in docs/limits.md is neither a field of Limits nor a known constant"
            )),
        }
    }
    assert!(
        problems.is_empty(),
        "docs/limits.md is stale:\n{}",
        problems.join("\n")
    );
}

/// For each exported function of `wasm`: (name, index in the input).
fn exported_functions(wasm: &[u8]) -> Vec<(String, u32)> {
    let mut exports = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::ExportSection(reader) = payload.expect("module parses") {
            for export in reader {
                let export = export.expect("export");
                if export.kind == wasmparser::ExternalKind::Func {
                    exports.push((export.name.to_string(), export.index));
                }
            }
        }
    }
    exports
}

/// The functions an instrumented function body calls, in order.
fn calls_in_body(wasm: &[u8], function: u32, imported: u32) -> Vec<u32> {
    let mut index = imported;
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::CodeSectionEntry(body) = payload.expect("module parses") {
            if index == function {
                return body
                    .get_operators_reader()
                    .expect("operators")
                    .into_iter()
                    .filter_map(|op| match op.expect("operator") {
                        Operator::Call { function_index } => Some(function_index),
                        _ => None,
                    })
                    .collect();
            }
            index += 1;
        }
    }
    panic!("function {function} has no body");
}

#[test]
fn every_export_reaches_its_own_function_through_its_thunk() {
    // gas.md: each exported function is reached through a thunk that calls
    // that function (index + 2). Exports listed out of index order, with
    // different types, so that a swapped thunk shows.
    let wasm = wat::parse_str(
        r#"(module
             (func $first (result i32) i32.const 1)
             (func $second (param i32) (result i32) local.get 0)
             (func $third (param i64) (result i64) local.get 0)
             (export "third" (func $third))
             (export "first" (func $first))
             (export "second" (func $second)))"#,
    )
    .expect("test module parses");
    let instrumented = instrument(&wasm, &InstrumentConfig::default())
        .expect("accepted")
        .module;
    let outputs: BTreeMap<String, u32> = exported_functions(&instrumented).into_iter().collect();
    let mut wrong = Vec::new();
    for (name, original) in exported_functions(&wasm) {
        let thunk = outputs[&name];
        // Two metering imports, no host imports.
        let calls = calls_in_body(&instrumented, thunk, 2);
        if calls != [original + 2] {
            wrong.push(format!(
                "export {name:?} (function {original}) goes to function {thunk}, which calls {calls:?}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "exports reach the wrong function:\n{}",
        wrong.join("\n")
    );
}
