//! The `gasworks` command line: exit codes, messages and outputs.

use std::path::PathBuf;
use std::process::{Command, Output};

fn gasworks(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gasworks"))
        .args(args)
        .output()
        .expect("the gasworks binary runs")
}

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gasworks-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn shipped_module() -> String {
    format!(
        "{}/examples/modules/counter.wat",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn check_accepts_the_shipped_module_and_reports() {
    let out = gasworks(&["check", &shipped_module()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "stdout: {stdout}");
    assert!(stdout.starts_with("accepted:"), "{stdout}");
    for field in [
        "functions:",
        "imports:",
        "memory:",
        "metered blocks:",
        "cost table:",
    ] {
        assert!(stdout.contains(field), "missing {field} in {stdout}");
    }
    let hash = gasworks_vm::instrument::cost::cost_table_hash();
    assert!(stdout.contains(&hash), "report names the cost table hash");
}

#[test]
fn check_rejects_floats_with_exit_code_1_and_the_reason_on_stderr() {
    let path = temp_path("float.wat");
    std::fs::write(
        &path,
        r#"(module (func $compute (param f64) (result f64) local.get 0 local.get 0 f64.add))"#,
    )
    .expect("write");
    let out = gasworks(&["check", path.to_str().expect("utf-8 path")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains("floating point is not allowed"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn check_rejects_garbage_with_exit_code_1() {
    let path = temp_path("garbage.wasm");
    std::fs::write(&path, b"\0asm\x02\0\0\0").expect("write");
    let out = gasworks(&["check", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("malformed"));
}

#[test]
fn missing_file_and_bad_usage_exit_with_2() {
    let out = gasworks(&["check", "/nonexistent/module.wasm"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
    assert_eq!(gasworks(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(gasworks(&["check"]).status.code(), Some(2));
    assert_eq!(gasworks(&["--help"]).status.code(), Some(0));
}

#[test]
fn instrument_writes_the_instrumented_module() {
    let output = temp_path("counter.instrumented.wasm");
    let out = gasworks(&[
        "instrument",
        &shipped_module(),
        "-o",
        output.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read(&output).expect("output written");
    let wasm = wat::parse_file(shipped_module()).expect("shipped module parses");
    let expected =
        gasworks_vm::instrument(&wasm, &gasworks_host_api::instrument_config()).expect("accepted");
    assert_eq!(written, expected.module);
    wasmparser::Validator::new()
        .validate_all(&written)
        .expect("instrumented module is valid");
}

#[test]
fn instrument_to_an_unwritable_path_exits_with_2() {
    let out = gasworks(&[
        "instrument",
        &shipped_module(),
        "-o",
        "/nonexistent/dir/out.wasm",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn call_runs_an_export_and_reports_results_and_gas_as_json() {
    let out = gasworks(&[
        "call",
        &shipped_module(),
        "add",
        "i32:5",
        "--gas",
        "1000000",
        "--json",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON object");
    assert_eq!(value["results"], serde_json::json!(["i32:5"]), "{stdout}");
    assert!(
        value["gas_used"].as_u64().is_some_and(|gas| gas > 0),
        "{stdout}"
    );
    assert_eq!(value["trap"], serde_json::Value::Null, "{stdout}");
    // Calling again from a fresh process gives the same gas: deterministic.
    let again = gasworks(&[
        "call",
        &shipped_module(),
        "add",
        "i32:5",
        "--gas",
        "1000000",
        "--json",
    ]);
    assert_eq!(out.stdout, again.stdout);
}

#[test]
fn call_reports_out_of_gas_at_exactly_the_cost() {
    let out = gasworks(&[
        "call",
        &shipped_module(),
        "add",
        "i32:3",
        "--gas",
        "1000000",
        "--json",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let gas_used: u64 = serde_json::from_str::<serde_json::Value>(&stdout)
        .ok()
        .and_then(|value| value["gas_used"].as_u64())
        .expect("gas_used in the JSON");
    let exact = gasworks(&[
        "call",
        &shipped_module(),
        "add",
        "i32:3",
        "--gas",
        &gas_used.to_string(),
        "--json",
    ]);
    assert_eq!(exact.status.code(), Some(0));
    let short = gasworks(&[
        "call",
        &shipped_module(),
        "add",
        "i32:3",
        "--gas",
        &(gas_used - 1).to_string(),
        "--json",
    ]);
    let stdout = String::from_utf8_lossy(&short.stdout);
    assert_eq!(short.status.code(), Some(1), "{stdout}");
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON object");
    assert_eq!(value["gas_used"].as_u64(), Some(gas_used - 1), "{stdout}");
    assert_eq!(value["trap"], serde_json::json!("out_of_gas"), "{stdout}");
}

#[test]
fn call_rejects_bad_arguments_with_exit_code_2() {
    let out = gasworks(&["call", &shipped_module(), "add", "f32:1", "--gas", "100"]);
    assert_eq!(out.status.code(), Some(2));
    let out = gasworks(&["call", &shipped_module(), "nope", "--gas", "100"]);
    assert_eq!(out.status.code(), Some(2));
    let out = gasworks(&["call", &shipped_module(), "add", "--gas", "100"]);
    assert_eq!(out.status.code(), Some(2), "missing argument");
}
