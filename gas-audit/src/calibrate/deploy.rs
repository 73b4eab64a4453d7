//! Deployment: `Runtime::deploy` (instrument, compile, check that the
//! module instantiates) of adversarial shapes near the consensus limits
//! and of the example contracts, against the gas a deploy transaction is
//! charged before any of that work (`gasworks_node_sim::exec::deploy_gas`,
//! without the code-storage part, which pays for state, not time).
//!
//! The shapes are the ones compile bombs are made of: many tiny functions,
//! deep nesting, huge `br_table`s, many locals (declared in a few bytes),
//! many types and imports, big data and element segments, many globals,
//! one long straight-line function. Each run deploys into a fresh runtime,
//! so nothing is cached between runs.

use gasworks_host_api::Runtime;
use gasworks_node_sim::exec::deploy_gas;
use gasworks_node_sim::generate::EXAMPLES;
use gasworks_node_sim::schedule::{
    DEPLOY_BASE_GAS, DEPLOY_GAS_PER_BYTE, DEPLOY_GAS_PER_FUNCTION, DEPLOY_GAS_PER_TYPE,
};

use super::host::address;
use super::measure::Scale;
use super::{Case, Group, Point};

const EXECUTE: &str = r#"(func (export "execute"))"#;

fn many_tiny_functions() -> String {
    format!("(module {} {EXECUTE})", "(func)".repeat(9_999))
}

fn deep_nesting() -> String {
    let depth = 1_000;
    let body = format!("{}{}", "(block ".repeat(depth), ")".repeat(depth));
    format!(
        "(module {} {EXECUTE})",
        format!("(func {body})").repeat(150)
    )
}

fn huge_br_table() -> String {
    let table = format!("(block (br_table {} (i32.const 0)))", "0 ".repeat(1_024));
    let function = format!("(func {})", table.repeat(100));
    format!("(module {} {EXECUTE})", function.repeat(4))
}

fn many_locals() -> String {
    let locals = "i64 ".repeat(4_096);
    format!(
        "(module {} {EXECUTE})",
        format!("(func (local {locals}) (local.set 4095 (i64.const 1)))").repeat(60)
    )
}

fn many_types() -> String {
    let types: String = (0..998)
        .map(|i| {
            let params: String = (0..10)
                .map(|b| if i >> b & 1 == 1 { "i64 " } else { "i32 " })
                .collect();
            format!("(type (func (param {params})))")
        })
        .collect();
    format!("(module {types} {EXECUTE})")
}

fn many_imports() -> String {
    let imports: String = (0..99)
        .map(|i| format!("(import \"host\" \"gas_left\" (func $g{i} (result i64)))"))
        .collect();
    format!("(module {imports} {EXECUTE})")
}

fn many_types_and_imports() -> String {
    let types: String = (0..998)
        .map(|i| {
            let params: String = (0..10)
                .map(|b| if i >> b & 1 == 1 { "i64 " } else { "i32 " })
                .collect();
            format!("(type (func (param {params})))")
        })
        .collect();
    let imports: String = (0..99)
        .map(|i| format!("(import \"host\" \"gas_left\" (func $g{i} (result i64)))"))
        .collect();
    format!("(module {types} {imports} {EXECUTE})")
}

fn big_data_segment() -> String {
    format!(
        "(module (memory 7) (data (i32.const 0) \"{}\") {EXECUTE})",
        "\\2a".repeat(400_000)
    )
}

fn big_element_segment() -> String {
    format!(
        "(module (table 10000 funcref) (func $f) (elem (i32.const 0) func {}) {EXECUTE})",
        "$f ".repeat(10_000)
    )
}

fn many_globals() -> String {
    format!(
        "(module {} {EXECUTE})",
        "(global (mut i64) (i64.const 1))".repeat(256)
    )
}

fn straight_line() -> String {
    let body = "(local.set 0 (i32.add (local.get 0) (i32.const 1)))".repeat(30_000);
    format!("(module (func (local i32) {body}) {EXECUTE})")
}

fn price() -> String {
    format!(
        "{DEPLOY_BASE_GAS} + {DEPLOY_GAS_PER_BYTE}/byte + {DEPLOY_GAS_PER_FUNCTION}/function + \
         {DEPLOY_GAS_PER_TYPE}/type"
    )
}

fn deploy_case(id: &str, about: &str, wasm: fn() -> Result<Vec<u8>, String>) -> Case {
    Case {
        id: format!("deploy.{id}"),
        group: Group::Deploy,
        about: about.to_string(),
        price: price(),
        unit: "",
        build: Box::new(move |_scale: Scale| {
            let wasm = wasm()?;
            let gas = deploy_gas(&wasm, false);
            let size = wasm.len() as u64;
            // It must deploy, or the measurement times a refusal.
            Runtime::new()
                .deploy(address(1), &wasm)
                .map_err(|e| format!("deploy: {e}"))?;
            Ok(vec![Point {
                size,
                ops: 1,
                work: Box::new(move || {
                    Runtime::new()
                        .deploy(address(1), &wasm)
                        .map_err(|e| format!("deploy: {e}"))?;
                    Ok(gas)
                }),
                base: None,
            }])
        }),
    }
}

fn text(wat: String) -> Result<Vec<u8>, String> {
    wat::parse_str(wat).map_err(|e| format!("shape does not parse: {e}"))
}

fn example(name: &str) -> Result<Vec<u8>, String> {
    EXAMPLES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, code)| code.to_vec())
        .ok_or_else(|| format!("no example {name}"))
}

/// One case per shape and per example contract.
pub fn cases() -> Vec<Case> {
    vec![
        deploy_case("many-tiny-functions", "10,000 empty functions", || {
            text(many_tiny_functions())
        }),
        deploy_case(
            "deep-nesting",
            "150 functions of 1,000 nested blocks",
            || text(deep_nesting()),
        ),
        deploy_case("huge-br-table", "400 br_tables of 1,024 targets", || {
            text(huge_br_table())
        }),
        deploy_case(
            "many-locals",
            "60 functions of 4,096 i64 locals each, declared in a few bytes",
            || text(many_locals()),
        ),
        deploy_case(
            "many-types-imports",
            "998 function types (the limit with the two metering types) and 99 imports",
            || text(many_types_and_imports()),
        ),
        deploy_case("many-types", "998 function types of 10 parameters", || {
            text(many_types())
        }),
        deploy_case("many-imports", "99 imports of a host function", || {
            text(many_imports())
        }),
        deploy_case(
            "big-data-segment",
            "an active data segment of 400 KB",
            || text(big_data_segment()),
        ),
        deploy_case(
            "big-element-segment",
            "a table of 10,000 elements filled by an active segment",
            || text(big_element_segment()),
        ),
        deploy_case("many-globals", "256 mutable globals", || {
            text(many_globals())
        }),
        deploy_case("straight-line", "one function of 30,000 statements", || {
            text(straight_line())
        }),
        deploy_case("example-token", "the token example contract", || {
            example("token")
        }),
        deploy_case("example-multisig", "the multisig example contract", || {
            example("multisig")
        }),
        deploy_case("example-caller", "the caller example contract", || {
            example("caller")
        }),
    ]
}
