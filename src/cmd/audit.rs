//! `gasworks audit FILE [--json]`: the static upload report.
//!
//! What a chain would charge and enforce for an upload, before it runs:
//! `check`'s report, then the deploy gas and the schedule hash (the
//! node's, `gasworks_node_sim::schedule`), and the VM's static analysis
//! (`gasworks_vm::analysis`): per export, the host functions it can reach,
//! the most stack units it can use or the recursion that leaves it
//! unbounded, and the metered blocks and code it reaches. A rejected
//! module gets its rejection (rule, function, offset) with the deploy gas,
//! which a node charges before it instruments. Names are demangled.
//! `docs/audit.md` describes every field.
//!
//! Exit codes as `check`: 0 accepted, 1 rejected (or not analysable, a
//! bug), 2 usage or I/O error.

use std::path::Path;
use std::process::ExitCode;

use gasworks_host_api::{demangle, instrument_config, rejection_display};
use gasworks_node_sim::exec::deploy_gas;
use gasworks_node_sim::schedule::schedule_hash;
use gasworks_vm::analysis::{Analysis, ExportInfo, PathStep, StackBound, analyse};
use gasworks_vm::instrument::{Rejection, Rule, cost::cost_table_hash};
use gasworks_vm::{Instrumented, instrument};
use serde_json::{Value, json};

use super::{REJECTED, read_module};

/// Paths longer than this are shortened in the table.
const PATH_SHOWN: usize = 12;
/// Steps of a path given in JSON (with the path's length): a hostile module
/// of 128 exports over one chain of 10,000 functions would otherwise make
/// a report of a hundred megabytes.
const PATH_IN_JSON: usize = 1_000;

/// Runs the command.
pub fn run(path: &Path, json: bool) -> ExitCode {
    let wasm = match read_module(path) {
        Ok(wasm) => wasm,
        Err(code) => return code,
    };
    let common = Common {
        file: path.display().to_string(),
        module_bytes: wasm.len() as u64,
        deploy_gas_new_code: deploy_gas(&wasm, true),
        deploy_gas_code_stored: deploy_gas(&wasm, false),
        schedule_hash: schedule_hash().to_hex(),
    };
    let instrumented = match instrument(&wasm, &instrument_config()) {
        Ok(instrumented) => instrumented,
        Err(rejection) => {
            if json {
                say!("{}", rejected_json(&common, &rejection));
            } else {
                print_rejected(&common, &rejection);
            }
            eprintln!("rejected: {}", rejection_display(&rejection));
            return ExitCode::from(REJECTED);
        }
    };
    let analysis = match analyse(&wasm, &instrumented) {
        Ok(analysis) => analysis,
        Err(error) => {
            eprintln!("error: {error}; this is a bug in Gasworks, please report it");
            return ExitCode::from(REJECTED);
        }
    };
    if json {
        say!("{}", accepted_json(&common, &analysis));
    } else {
        print_accepted(path, &common, &instrumented, &analysis);
    }
    ExitCode::SUCCESS
}

/// What the report says whether or not the module is accepted.
struct Common {
    file: String,
    module_bytes: u64,
    /// Deploy gas when the code is new (stored with the deployment).
    deploy_gas_new_code: u64,
    /// Deploy gas when the same code is already stored.
    deploy_gas_code_stored: u64,
    schedule_hash: String,
}

impl Common {
    fn json(&self, accepted: bool, rejection: Value, analysis: Value) -> Value {
        json!({
            "file": self.file,
            "accepted": accepted,
            "rejection": rejection,
            "module_bytes": self.module_bytes,
            "deploy_gas": {
                "new_code": self.deploy_gas_new_code,
                "code_stored": self.deploy_gas_code_stored,
            },
            "schedule_hash": self.schedule_hash,
            "cost_table_hash": cost_table_hash(),
            "stack_limit": gasworks_vm::limits::STACK_LIMIT,
            "analysis": analysis,
        })
    }

    fn print(&self) {
        say!("  module bytes:    {}", self.module_bytes);
        say!(
            "  deploy gas:      {} (new code), {} (code already stored)",
            self.deploy_gas_new_code,
            self.deploy_gas_code_stored
        );
        say!("  schedule:        {}", self.schedule_hash);
    }
}

/// A stable name for each rule, for programs.
fn rule_name(rule: &Rule) -> &'static str {
    match rule {
        Rule::Malformed { .. } => "malformed",
        Rule::Invalid { .. } => "invalid",
        Rule::FloatingPoint { .. } => "floating_point",
        Rule::Proposal { .. } => "proposal",
        Rule::Limit { .. } => "limit",
        Rule::UnknownImport { .. } => "unknown_import",
        Rule::ImportSignature { .. } => "import_signature",
        Rule::ReservedName { .. } => "reserved_name",
        Rule::StartFunction => "start_function",
        Rule::Internal { .. } => "internal",
    }
}

fn rejected_json(common: &Common, rejection: &Rejection) -> Value {
    let function = rejection.function.as_ref().map(|function| {
        json!({
            "index": function.index,
            "name": function.name.as_deref().map(demangle),
        })
    });
    let rejection = json!({
        "rule": rule_name(&rejection.rule),
        "message": rejection_display(rejection).to_string(),
        "offset": rejection.offset,
        "function": function,
    });
    common.json(false, rejection, Value::Null)
}

fn print_rejected(common: &Common, rejection: &Rejection) {
    say!("rejected: {}", common.file);
    say!("  rule:            {}", rule_name(&rejection.rule));
    match &rejection.function {
        Some(function) => match &function.name {
            Some(name) => say!(
                "  function:        {} (#{})",
                demangle(name),
                function.index
            ),
            None => say!("  function:        #{}", function.index),
        },
        None => say!("  function:        none (outside code)"),
    }
    say!("  offset:          {:#x}", rejection.offset);
    say!("  reason:          {}", rejection_display(rejection));
    common.print();
}

/// A function's name as people read it.
fn name(analysis: &Analysis, function: u32) -> String {
    demangle(&analysis.function_name(function))
}

/// The first [`PATH_IN_JSON`] steps of a path.
fn steps_json(analysis: &Analysis, steps: &[PathStep]) -> Value {
    steps
        .iter()
        .take(PATH_IN_JSON)
        .map(|step| {
            json!({
                "index": step.function,
                "name": name(analysis, step.function),
                "frame_units": step.frame_units,
                "indirect": step.indirect,
            })
        })
        .collect()
}

fn export_json(analysis: &Analysis, export: &ExportInfo) -> Value {
    let stack = match &export.stack {
        StackBound::Bounded {
            units,
            deepest_path,
        } => json!({
            "bounded": true,
            "units": units,
            "within_limit": export.stack.within(analysis.stack_limit),
            "deepest_path": steps_json(analysis, deepest_path),
            "deepest_path_calls": deepest_path.len(),
        }),
        StackBound::Recursive {
            cycle,
            units_per_trip,
            units_without_reentry,
        } => json!({
            "bounded": false,
            "cycle": steps_json(analysis, cycle),
            "cycle_calls": cycle.len(),
            "units_per_trip": units_per_trip,
            "units_without_reentry": units_without_reentry,
        }),
    };
    json!({
        "name": export.name,
        "function": {"index": export.function, "name": name(analysis, export.function)},
        "host_functions": export
            .host_functions
            .iter()
            .map(|f| analysis.function_name(*f))
            .collect::<Vec<_>>(),
        "reachable_functions": export.reachable_functions,
        "metered_blocks": export.metered_blocks,
        "code_bytes": export.code_bytes,
        "calls_indirect": export.calls_indirect,
        "stack": stack,
    })
}

fn accepted_json(common: &Common, analysis: &Analysis) -> Value {
    let memory = analysis.memory.map(|memory| {
        json!({
            "initial_pages": memory.initial_pages,
            "declared_maximum_pages": memory.declared_maximum_pages,
            "maximum_pages": memory.maximum_pages,
        })
    });
    let functions: Vec<Value> = analysis
        .functions
        .iter()
        .map(|function| {
            json!({
                "index": function.index,
                "name": name(analysis, function.index),
                "import": function.import.as_ref().map(|(m, n)| format!("{m}.{n}")),
                "type_index": function.type_index,
                "body_bytes": function.body_bytes,
                "frame_units": function.frame_units,
                "metered_blocks": function.metered_blocks,
                "calls_indirect": function.calls_indirect,
                "recursive": function.recursive,
                "max_stack_units": function.max_stack_units,
            })
        })
        .collect();
    let body = json!({
        "code_bytes": analysis.code_bytes,
        "instrumented_bytes": analysis.instrumented_bytes,
        "metered_blocks": analysis.metered_blocks,
        "memory": memory,
        "data": {
            "active_segments": analysis.data.active_segments,
            "passive_segments": analysis.data.passive_segments,
            "bytes": analysis.data.bytes,
            "active_end": analysis.data.active_end,
            "pages_needed": analysis.data.pages_needed(),
        },
        "indirect_targets": analysis.indirect_targets,
        "recursive_components": analysis.recursive_components,
        "exports": analysis
            .exports
            .iter()
            .map(|export| export_json(analysis, export))
            .collect::<Vec<_>>(),
        "functions": functions,
    });
    common.json(true, Value::Null, body)
}

/// `a (12) -> b (30) -> ...`, shortened in the middle when long.
fn path_text(analysis: &Analysis, steps: &[PathStep]) -> String {
    let text = |step: &PathStep| {
        let arrow = if step.indirect { "=> " } else { "" };
        format!(
            "{arrow}{} ({})",
            name(analysis, step.function),
            step.frame_units
        )
    };
    if steps.len() <= PATH_SHOWN {
        return steps.iter().map(text).collect::<Vec<_>>().join(" -> ");
    }
    let head: Vec<String> = steps[..PATH_SHOWN / 2].iter().map(text).collect();
    let tail: Vec<String> = steps[steps.len() - PATH_SHOWN / 2..]
        .iter()
        .map(text)
        .collect();
    format!(
        "{} -> ... {} more ... -> {}",
        head.join(" -> "),
        steps.len() - PATH_SHOWN,
        tail.join(" -> ")
    )
}

fn print_accepted(path: &Path, common: &Common, instrumented: &Instrumented, analysis: &Analysis) {
    super::check::print_report(path, instrumented);
    common.print();
    if let Some(memory) = analysis.memory {
        say!("  memory maximum:  {} pages enforced", memory.maximum_pages);
    }
    let data = &analysis.data;
    let end = match (data.active_end, data.pages_needed()) {
        (Some(end), Some(pages)) => {
            format!("; active data ends at byte {end}, within {pages} page(s)")
        }
        _ if data.active_segments > 0 => "; active data at offsets not known statically".into(),
        _ => String::new(),
    };
    say!(
        "  data:            {} active, {} passive segments, {} bytes{end}",
        data.active_segments,
        data.passive_segments,
        data.bytes
    );
    say!(
        "  table targets:   {} functions may be called indirectly",
        analysis.indirect_targets.len()
    );
    say!(
        "  recursion:       {} recursive components",
        analysis.recursive_components
    );
    say!("  stack limit:     {} units", analysis.stack_limit);
    say!("");

    let width = analysis
        .exports
        .iter()
        .map(|e| e.name.len())
        .chain([6])
        .max()
        .unwrap_or(6);
    say!(
        "{:<width$}  {:>15}  {:>9}  {:>14}  {:>10}  {:>5}",
        "export",
        "stack units",
        "functions",
        "metered blocks",
        "code bytes",
        "hosts"
    );
    for export in &analysis.exports {
        let stack = match &export.stack {
            StackBound::Bounded { units, .. } => match export.stack.within(analysis.stack_limit) {
                Some(false) => format!("{units}!"),
                _ => units.to_string(),
            },
            StackBound::Recursive {
                units_without_reentry,
                ..
            } => format!("recursive/{units_without_reentry}"),
        };
        say!(
            "{:<width$}  {:>15}  {:>9}  {:>14}  {:>10}  {:>5}",
            export.name,
            stack,
            export.reachable_functions,
            export.metered_blocks,
            export.code_bytes,
            export.host_functions.len()
        );
    }
    let recursive = analysis
        .exports
        .iter()
        .any(|e| matches!(e.stack, StackBound::Recursive { .. }));
    let over = analysis
        .exports
        .iter()
        .any(|e| e.stack.within(analysis.stack_limit) == Some(false));
    if recursive {
        say!(
            "(recursive/N: a cycle is reachable; N units at most while no function is on the stack twice)"
        );
    }
    if over {
        say!("(N!: the deepest path exceeds the stack limit and traps)");
    }
    for export in &analysis.exports {
        say!("");
        say!(
            "{} (function {}, #{})",
            export.name,
            name(analysis, export.function),
            export.function
        );
        match &export.stack {
            StackBound::Bounded {
                units,
                deepest_path,
            } => {
                let verdict = match export.stack.within(analysis.stack_limit) {
                    Some(false) => "exceeds the limit: this path traps with stack exhausted",
                    _ => "within the limit",
                };
                say!("  stack:           at most {units} units, {verdict}");
                if !deepest_path.is_empty() {
                    say!(
                        "  deepest path:    {} ({} calls; frame units in parentheses, => indirect)",
                        path_text(analysis, deepest_path),
                        deepest_path.len()
                    );
                }
            }
            StackBound::Recursive {
                cycle,
                units_per_trip,
                units_without_reentry,
            } => {
                say!(
                    "  stack:           unbounded statically: recursion, each trip {units_per_trip} units (the limit traps it)"
                );
                say!("  cycle:           {}", path_text(analysis, cycle));
                say!(
                    "  no re-entry:     at most {units_without_reentry} units while no function is on the stack twice"
                );
            }
        }
        let hosts: Vec<String> = export
            .host_functions
            .iter()
            .map(|f| analysis.function_name(*f))
            .collect();
        say!(
            "  host functions:  {}",
            if hosts.is_empty() {
                "none".to_string()
            } else {
                hosts.join(", ")
            }
        );
        if export.calls_indirect {
            say!("  calls indirectly (through a table)");
        }
    }
}
