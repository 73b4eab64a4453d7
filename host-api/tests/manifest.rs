//! The manifest against its consumers: the instrumenter's import check,
//! the linker and deployment.

mod common;

use common::*;
use gasworks_host_api::{
    DeployError, HOST_MODULE, MANIFEST, Provider, Runtime, implemented, instrument_config,
};
use gasworks_vm::instrument::{GAS_FUNCTION, METERING_MODULE};
use gasworks_vm::{Rule, instrument};

#[test]
fn every_host_function_is_implemented_with_the_manifest_signature() {
    let implemented = implemented();
    let host: Vec<_> = MANIFEST
        .iter()
        .filter(|e| e.provider == Provider::Host)
        .collect();
    assert_eq!(implemented.len(), host.len());
    for entry in &host {
        let found = implemented
            .iter()
            .find(|i| i.name == entry.name)
            .unwrap_or_else(|| panic!("{} is not implemented", entry.name));
        assert_eq!(found.params, entry.params, "{}", entry.name);
        assert_eq!(found.results, entry.results, "{}", entry.name);
        assert_eq!(entry.module, HOST_MODULE);
    }
}

#[test]
fn a_module_importing_every_host_function_is_accepted_and_links() {
    let wasm = wat::parse_str(contract("")).expect("parses");
    let instrumented = instrument(&wasm, &instrument_config()).expect("accepted");
    assert_eq!(
        instrumented.report.imports.len(),
        MANIFEST
            .iter()
            .filter(|e| e.provider == Provider::Host)
            .count()
    );
    let mut runtime = Runtime::new();
    runtime
        .deploy(addr(1), &wasm)
        .expect("deploys: every import links");
    assert!(runtime.is_deployed(&addr(1)));
}

#[test]
fn imports_outside_the_manifest_are_rejected() {
    let cases = [
        (
            r#"(module (import "host" "storage_read" (func (param i32 i32 i32) (result i32))))"#,
            "signature",
        ),
        (
            r#"(module (import "host" "no_such_function" (func)))"#,
            "unknown",
        ),
        (
            r#"(module (import "env" "storage_read" (func (param i32 i32 i32 i32) (result i32))))"#,
            "unknown",
        ),
        (
            &format!(
                r#"(module (import "{METERING_MODULE}" "{GAS_FUNCTION}" (func (param i64))))"#
            ),
            "reserved",
        ),
    ];
    for (wat, kind) in cases {
        let wasm = wat::parse_str(wat).expect("parses");
        let rejection = instrument(&wasm, &instrument_config()).expect_err(wat);
        let matches = match kind {
            "signature" => matches!(rejection.rule, Rule::ImportSignature { .. }),
            "unknown" => matches!(rejection.rule, Rule::UnknownImport { .. }),
            _ => matches!(rejection.rule, Rule::ReservedName { .. }),
        };
        assert!(matches, "{wat}: {:?}", rejection.rule);
    }
}

#[test]
fn deployment_checks_the_module() {
    let mut runtime = Runtime::new();
    let ok = wat::parse_str(contract("")).expect("parses");
    runtime.deploy(addr(1), &ok).expect("deploys");
    assert!(matches!(
        runtime.deploy(addr(1), &ok),
        Err(DeployError::AddressTaken(_))
    ));
    let no_entry = wat::parse_str("(module (func (export \"main\")))").expect("parses");
    assert!(matches!(
        runtime.deploy(addr(2), &no_entry),
        Err(DeployError::MissingEntryPoint)
    ));
    // An `execute` that is not a `(func)` could never be called.
    for wrong in [
        "(module (func (export \"execute\") (param i32)))",
        "(module (func (export \"execute\") (result i32) (i32.const 0)))",
        "(module (global (export \"execute\") i32 (i32.const 0)))",
    ] {
        let module = wat::parse_str(wrong).expect("parses");
        assert!(
            matches!(
                runtime.deploy(addr(2), &module),
                Err(DeployError::MissingEntryPoint)
            ),
            "{wrong}"
        );
    }
    let float = wat::parse_str("(module (func (export \"execute\") (drop (f32.const 1))))")
        .expect("parses");
    assert!(matches!(
        runtime.deploy(addr(3), &float),
        Err(DeployError::Rejected(_))
    ));
    let segment_out_of_bounds = wat::parse_str(
        "(module (memory 1) (data (i32.const 65535) \"ab\") (func (export \"execute\")))",
    )
    .expect("parses");
    assert!(matches!(
        runtime.deploy(addr(4), &segment_out_of_bounds),
        Err(DeployError::Instantiation(_))
    ));
    // Failed deployments register nothing.
    for n in 2..=4 {
        assert!(!runtime.is_deployed(&addr(n)));
    }
}

#[test]
fn every_price_says_what_it_counts_and_why() {
    for entry in MANIFEST.iter().filter(|e| e.provider == Provider::Host) {
        let cost = &entry.cost;
        assert!(
            !entry.doc.is_empty() && !entry.returns.is_empty(),
            "{}",
            entry.name
        );
        assert!(!cost.rationale.is_empty(), "{}: no rationale", entry.name);
        assert!(
            cost.base > 0,
            "{}: every host call has a base price",
            entry.name
        );
        assert_eq!(cost.per_byte > 0, !cost.bytes.is_empty(), "{}", entry.name);
        assert_eq!(cost.per_item > 0, !cost.item.is_empty(), "{}", entry.name);
    }
}
