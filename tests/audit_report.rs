//! The static upload report (`gasworks audit`, `gasworks_vm::analysis`):
//! the stack bound against what the metered module enforces when it runs,
//! rejections, the example contracts, and the command line.

use std::path::PathBuf;
use std::process::{Command, Output};

use gasworks_vm::analysis::{Analysis, StackBound, analyse};
use gasworks_vm::engine::{Instance, Linker, Module, Value};
use gasworks_vm::instrument::{FRAME_OVERHEAD, STACK_LIMIT};
use gasworks_vm::trap::TrapKind;
use gasworks_vm::{InstrumentConfig, Instrumented, instrument};
use wasm_encoder::{
    CodeSection, ExportKind, ExportSection, Function, FunctionSection, TypeSection, ValType,
};

fn gasworks(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gasworks"))
        .args(args)
        .output()
        .expect("the gasworks binary runs")
}

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gasworks-audit-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn repository_path(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn instrument_and_analyse(wasm: &[u8]) -> (Instrumented, Analysis) {
    let instrumented = instrument(wasm, &InstrumentConfig::default()).expect("accepted");
    let analysis = analyse(wasm, &instrumented).expect("analysed");
    (instrumented, analysis)
}

/// Runs export `name` of an instrumented module (no host functions).
fn run(instrumented: &Instrumented, name: &str, args: &[Value]) -> Result<Vec<Value>, TrapKind> {
    let module = Module::new(instrumented).expect("compiles");
    let mut instance = Instance::new(&module, &Linker::new()).expect("instantiates");
    instance
        .call(name, args, 1_000_000_000)
        .expect("the export exists")
        .result
}

/// A chain `run -> f1 -> ... -> f(n-1)` of `() -> ()` functions, function
/// `i` declaring `locals[i]` `i64` locals: frame `FRAME_OVERHEAD + locals`.
fn chain(locals: &[u32]) -> Vec<u8> {
    let mut module = wasm_encoder::Module::new();
    let mut types = TypeSection::new();
    types.ty().function([], []);
    module.section(&types);
    let mut functions = FunctionSection::new();
    for _ in locals {
        functions.function(0);
    }
    module.section(&functions);
    let mut exports = ExportSection::new();
    exports.export("run", ExportKind::Func, 0);
    module.section(&exports);
    let mut code = CodeSection::new();
    for (i, count) in locals.iter().enumerate() {
        let mut body = Function::new([(*count, ValType::I64)]);
        if i + 1 < locals.len() {
            body.instructions().call(i as u32 + 1);
        }
        body.instructions().end();
        code.function(&body);
    }
    module.section(&code);
    module.finish()
}

fn bounded_units(analysis: &Analysis, export: &str) -> u64 {
    let export = analysis
        .exports
        .iter()
        .find(|e| e.name == export)
        .expect("export");
    match &export.stack {
        StackBound::Bounded { units, .. } => *units,
        other => panic!("not bounded: {other:?}"),
    }
}

/// The bound is the height the injected accounting reaches: a chain whose
/// bound is exactly `STACK_LIMIT` runs, and the same chain with one more
/// unit in its last frame traps with *stack exhausted*. Every frame before
/// the last is the same in both, and the first ran through all of their
/// prologues, so the second traps at the predicted depth (the last call)
/// and not before.
#[test]
fn a_chain_at_the_bound_runs_and_one_unit_more_traps_at_its_last_call() {
    const DEPTH: usize = 33;
    let mut locals = vec![4_000u32; DEPTH];
    let above_leaf: u64 = (DEPTH as u64 - 1) * u64::from(FRAME_OVERHEAD + 4_000);
    locals[DEPTH - 1] = (u64::from(STACK_LIMIT) - above_leaf - u64::from(FRAME_OVERHEAD)) as u32;

    let wasm = chain(&locals);
    let (instrumented, analysis) = instrument_and_analyse(&wasm);
    assert_eq!(bounded_units(&analysis, "run"), u64::from(STACK_LIMIT));
    let frames: u64 = analysis
        .functions
        .iter()
        .map(|f| u64::from(f.frame_units))
        .sum();
    assert_eq!(frames, u64::from(STACK_LIMIT), "the sum along the chain");
    assert_eq!(analysis.exports[0].stack.within(STACK_LIMIT), Some(true));
    assert_eq!(run(&instrumented, "run", &[]), Ok(vec![]));

    locals[DEPTH - 1] += 1;
    let wasm = chain(&locals);
    let (instrumented, analysis) = instrument_and_analyse(&wasm);
    assert_eq!(bounded_units(&analysis, "run"), u64::from(STACK_LIMIT) + 1);
    assert_eq!(analysis.exports[0].stack.within(STACK_LIMIT), Some(false));
    assert_eq!(
        run(&instrumented, "run", &[]),
        Err(TrapKind::StackExhausted)
    );
}

/// Recursion: the report names the cycle and what one trip around it
/// costs; the deepest recursion that fits is the one that arithmetic
/// predicts, and one level more traps.
#[test]
fn recursion_traps_at_the_depth_its_trip_units_predict() {
    let wasm = wat::parse_str(
        r#"(module
            (func $rec (param $n i32) (local i64 i64 i64)
                local.get $n
                if
                    local.get $n i32.const 1 i32.sub call $rec
                end)
            (func (export "run") (param i32) (local i64)
                local.get 0 call $rec))"#,
    )
    .expect("parses");
    let (instrumented, analysis) = instrument_and_analyse(&wasm);
    let export = &analysis.exports[0];
    let StackBound::Recursive {
        cycle,
        units_per_trip,
        units_without_reentry,
    } = &export.stack
    else {
        panic!("recursive: {:?}", export.stack);
    };
    let cycle: Vec<String> = cycle
        .iter()
        .map(|s| analysis.function_name(s.function))
        .collect();
    assert_eq!(cycle, ["rec", "rec"]);
    // FRAME_OVERHEAD + 1 param + 3 locals + 2 operands.
    assert_eq!(*units_per_trip, u64::from(FRAME_OVERHEAD + 1 + 3 + 2));
    let entry = u64::from(analysis.functions[export.function as usize].frame_units);
    assert_eq!(*units_without_reentry, entry + units_per_trip);

    // `run(n)` has `n + 1` frames of `rec` on the stack at its deepest.
    let frames_that_fit = (u64::from(STACK_LIMIT) - entry) / units_per_trip;
    let deepest = (frames_that_fit - 1) as i32;
    assert_eq!(
        run(&instrumented, "run", &[Value::I32(deepest)]),
        Ok(vec![])
    );
    assert_eq!(
        run(&instrumented, "run", &[Value::I32(deepest + 1)]),
        Err(TrapKind::StackExhausted)
    );
}

#[test]
fn a_rejected_module_reports_its_function_and_offset() {
    let text = r#"(module
        (func $fine (result i32) i32.const 1)
        (func $compute (param i64) (result i64)
            local.get 0
            f64.convert_i64_s
            i64.trunc_f64_s))"#;
    let wasm = wat::parse_str(text).expect("parses");
    let rejection = instrument(&wasm, &gasworks_host_api::instrument_config())
        .expect_err("floats are rejected");
    let path = temp_path("float.wat");
    std::fs::write(&path, text).expect("write");
    let out = gasworks(&["audit", path.to_str().expect("utf-8"), "--json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["accepted"], false);
    assert_eq!(report["rejection"]["rule"], "floating_point");
    assert_eq!(report["rejection"]["function"]["name"], "compute");
    assert_eq!(report["rejection"]["function"]["index"], 1);
    assert_eq!(report["rejection"]["offset"], rejection.offset);
    assert!(rejection.offset > 0);
    assert_eq!(report["analysis"], serde_json::Value::Null);
    assert_eq!(
        report["deploy_gas"]["new_code"],
        gasworks_node_sim::exec::deploy_gas(&wasm, true)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("floating point is not allowed"),
        "the reason on stderr"
    );

    let out = gasworks(&["audit", path.to_str().expect("utf-8")]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("compute (#1)"), "{stdout}");
    assert!(
        stdout.contains(&format!("{:#x}", rejection.offset)),
        "{stdout}"
    );
}

#[test]
fn the_example_contracts_audit_and_token_execute_reaches_storage() {
    let config = gasworks_host_api::instrument_config();
    let mut audited = 0;
    for entry in std::fs::read_dir(repository_path("examples/wasm")).expect("examples/wasm") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("wasm") {
            continue;
        }
        let wasm = std::fs::read(&path).expect("read");
        let instrumented = instrument(&wasm, &config).expect("the examples are accepted");
        let analysis =
            analyse(&wasm, &instrumented).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(analysis, analyse(&wasm, &instrumented).expect("again"));
        let charges: u64 = analysis.functions.iter().map(|f| f.metered_blocks).sum();
        assert_eq!(charges, instrumented.report.metered_blocks);
        let execute = analysis
            .exports
            .iter()
            .find(|e| e.name == "execute")
            .unwrap_or_else(|| panic!("{}: no execute", path.display()));
        assert!(execute.reachable_functions > 1);
        assert!(execute.metered_blocks > 0);
        if let StackBound::Bounded { units, .. } = execute.stack {
            assert!(units > 0 && units <= u64::from(STACK_LIMIT));
        }
        if path.file_stem().and_then(|s| s.to_str()) == Some("token") {
            let hosts: Vec<String> = execute
                .host_functions
                .iter()
                .map(|f| analysis.function_name(*f))
                .collect();
            for host in ["host.storage_read", "host.storage_write", "host.input"] {
                assert!(hosts.iter().any(|h| h == host), "{host} in {hosts:?}");
            }
        }
        audited += 1;
    }
    assert!(audited >= 8, "{audited} examples");
}

/// `docs/audit.md` shows the command's current report on the token
/// contract (but the schedule hash); `GASWORKS_BLESS=1` rewrites it.
#[test]
fn the_documented_example_is_the_current_report() {
    const START: &str = "<!-- audit:example -->\n";
    const END: &str = "<!-- audit:example-end -->";
    let command = "audit examples/wasm/token.wasm";
    let out = Command::new(env!("CARGO_BIN_EXE_gasworks"))
        .args(command.split(' '))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the gasworks binary runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The schedule hash covers the engine's version, so it changes with
    // every release: the page shows a placeholder (the JSON test checks
    // the hash itself).
    let stdout = String::from_utf8_lossy(&out.stdout).replace(
        &gasworks_node_sim::schedule::schedule_hash().to_hex(),
        "<schedule hash>",
    );
    let expected = format!("```text\n$ gasworks {command}\n{stdout}```\n");
    let path = repository_path("docs/audit.md");
    let doc = std::fs::read_to_string(&path).expect("docs/audit.md");
    let (before, rest) = doc.split_once(START).expect("the start marker");
    let (current, after) = rest.split_once(END).expect("the end marker");
    if current == expected {
        return;
    }
    if std::env::var("GASWORKS_BLESS").is_ok_and(|value| value == "1") {
        std::fs::write(&path, format!("{before}{START}{expected}{END}{after}")).expect("write");
        return;
    }
    panic!(
        "docs/audit.md's example is stale (GASWORKS_BLESS=1 rewrites it); the report is now:\n{expected}"
    );
}

#[test]
fn the_cli_prints_a_table_and_json_for_token() {
    let token = repository_path("examples/wasm/token.wasm");
    let token = token.to_str().expect("utf-8");
    let wasm = std::fs::read(token).expect("read");

    let out = gasworks(&["audit", token, "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["accepted"], true);
    assert_eq!(report["rejection"], serde_json::Value::Null);
    assert_eq!(
        report["schedule_hash"],
        gasworks_node_sim::schedule::schedule_hash().to_hex()
    );
    assert_eq!(
        report["cost_table_hash"],
        gasworks_vm::instrument::cost::cost_table_hash()
    );
    assert_eq!(
        report["deploy_gas"]["new_code"],
        gasworks_node_sim::exec::deploy_gas(&wasm, true)
    );
    assert_eq!(
        report["deploy_gas"]["code_stored"],
        gasworks_node_sim::exec::deploy_gas(&wasm, false)
    );
    assert_eq!(report["module_bytes"], wasm.len());
    let analysis = &report["analysis"];
    let exports = analysis["exports"].as_array().expect("exports");
    let execute = exports
        .iter()
        .find(|e| e["name"] == "execute")
        .expect("execute");
    let hosts = execute["host_functions"].as_array().expect("hosts");
    assert!(hosts.iter().any(|h| h == "host.storage_write"));
    assert!(execute["stack"]["bounded"].is_boolean());
    assert!(
        analysis["functions"]
            .as_array()
            .is_some_and(|f| !f.is_empty())
    );
    assert!(analysis["memory"]["initial_pages"].is_u64());
    // Stable: the same bytes twice.
    assert_eq!(gasworks(&["audit", token, "--json"]).stdout, out.stdout);

    let out = gasworks(&["audit", token]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for field in [
        "accepted:",
        "metered blocks:",
        "deploy gas:",
        "schedule:",
        "stack limit:",
        "execute",
        "host functions:",
        "host.storage_write",
    ] {
        assert!(stdout.contains(field), "missing {field} in {stdout}");
    }

    assert_eq!(
        gasworks(&["audit", "/nonexistent/module.wasm"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(gasworks(&["audit"]).status.code(), Some(2));
}

/// A hostile shape through the command: 10,000 functions in one chain,
/// exported at both ends. The JSON gives the bound and the path's length,
/// and lists the path's first 1,000 steps.
#[test]
fn the_cli_reports_a_chain_of_ten_thousand_functions() {
    const N: u32 = 10_000;
    let mut text = String::from("(module\n");
    for i in 0..N {
        let call = if i + 1 < N {
            format!("call $f{}", i + 1)
        } else {
            String::new()
        };
        text.push_str(&format!("(func $f{i} {call})\n"));
    }
    text.push_str(&format!(
        "(export \"top\" (func $f0)) (export \"bottom\" (func $f{})))",
        N - 1
    ));
    let path = temp_path("chain.wat");
    std::fs::write(&path, text).expect("write");
    let out = gasworks(&["audit", path.to_str().expect("utf-8"), "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let exports = &report["analysis"]["exports"];
    let top = &exports[0]["stack"];
    assert_eq!(top["units"], u64::from(N * FRAME_OVERHEAD));
    assert_eq!(top["within_limit"], true);
    assert_eq!(top["deepest_path_calls"], N);
    assert_eq!(top["deepest_path"].as_array().map(Vec::len), Some(1_000));
    assert_eq!(top["deepest_path"][999]["name"], "f999");
    assert_eq!(exports[0]["reachable_functions"], N);
    let bottom = &exports[1]["stack"];
    assert_eq!(bottom["units"], FRAME_OVERHEAD);
    assert_eq!(bottom["deepest_path"][0]["name"], format!("f{}", N - 1));
}
