//! The contract test harness (`gasworks-sdk-testing`) checked on small
//! hand-written contracts: that its exact-gas check catches what it claims
//! to, that failures name their trap, and that golden files fail on drift.

use std::panic::{AssertUnwindSafe, catch_unwind};

use gasworks_sdk_testing::{GasReport, TestChain, TrapKind, account};

const GAS_LEFT_CONTRACT: &str = r#"(module
  (import "host" "gas_left" (func $gas_left (result i64)))
  (import "host" "set_return_data" (func $set_return_data (param i32 i32)))
  (memory 1)
  (func (export "execute")
    (i64.store (i32.const 0) (call $gas_left))
    (call $set_return_data (i32.const 0) (i32.const 8))))"#;

const TRAPPING_CONTRACT: &str = r#"(module
  (memory 1)
  (func (export "execute") unreachable))"#;

fn deploy(chain: &mut TestChain, wat: &str) -> gasworks_sdk_testing::Address {
    chain.deploy(&wat::parse_str(wat).expect("the test module parses"))
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn the_exact_gas_check_catches_a_contract_that_depends_on_the_gas_left() {
    let mut chain = TestChain::new();
    let contract = deploy(&mut chain, GAS_LEFT_CONTRACT);
    let alice = account("alice");
    let caught = catch_unwind(AssertUnwindSafe(|| {
        chain.call_raw(alice, contract, "gas_left", Vec::new())
    }));
    let message = panic_message(caught.expect_err("the check must fail"));
    assert!(
        message.contains("with a gas limit of exactly its gas used"),
        "{message}"
    );
    // Without the check, the call returns the gas it saw.
    chain.check_exact_gas = false;
    let outcome = chain.call_raw(alice, contract, "gas_left", Vec::new());
    let seen = u64::from_le_bytes(
        outcome
            .receipt
            .return_data
            .clone()
            .try_into()
            .expect("8 bytes"),
    );
    assert!(seen > 0 && seen < chain.gas_limit);
}

#[test]
fn a_wasm_trap_is_reported_with_its_kind_and_exact_gas() {
    let mut chain = TestChain::new();
    let contract = deploy(&mut chain, TRAPPING_CONTRACT);
    let outcome = chain.call_raw(account("alice"), contract, "trap", Vec::new());
    let failure = outcome.unwrap_failure();
    assert_eq!(failure.trap, TrapKind::Unreachable);
    assert_eq!(failure.message, None);
    assert_eq!(failure.panic, None);
    assert_eq!(failure.to_string(), "trapped with `unreachable`");
    // The exact-gas check ran: one unit less runs out of gas.
    chain.gas_limit = outcome.gas_used() - 1;
    let starved = chain.call_raw(account("alice"), contract, "trap", Vec::new());
    assert_eq!(starved.unwrap_failure().trap, TrapKind::OutOfGas);
}

#[test]
fn a_golden_file_fails_on_drift_and_is_rewritten_when_blessing() {
    let mut chain = TestChain::new();
    let contract = deploy(&mut chain, TRAPPING_CONTRACT);
    let outcome = chain.call_raw(account("alice"), contract, "trap", Vec::new());
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sdk_harness.golden");
    let mut report = GasReport::new(&path, "a test");
    report.record("trap", &outcome);
    std::fs::write(
        &path,
        report
            .render()
            .replace(&outcome.gas_used().to_string(), "1"),
    )
    .expect("writes");
    let result = catch_unwind(AssertUnwindSafe(|| report.check()));
    let blessing = std::env::var("GASWORKS_BLESS").is_ok_and(|v| v == "1");
    if blessing {
        assert!(result.is_ok());
        assert_eq!(
            std::fs::read_to_string(&path).expect("reads"),
            report.render()
        );
    } else {
        let message = panic_message(result.expect_err("drift must fail"));
        assert!(
            message.contains("gas differs from the golden file"),
            "{message}"
        );
        // Old gas, new gas, the change, marked (forge snapshot --diff's shape).
        let gas = outcome.gas_used();
        let row = message
            .lines()
            .find(|line| line.starts_with("trap "))
            .map(|line| line.split_whitespace().collect::<Vec<_>>())
            .unwrap_or_default();
        assert_eq!(
            row.get(..4).map(<[&str]>::to_vec),
            Some(vec![
                "trap",
                "1",
                &gas.to_string(),
                &format!("+{}", gas - 1)
            ]),
            "{message}"
        );
        assert_eq!(row.last(), Some(&"<-"), "{message}");
    }
}

/// A contract whose function with a float has a Rust (v0) symbol as its
/// name, as rustc writes it in the name section of a build with symbols.
const FLOAT_CONTRACT: &str = r#"(module
  (memory 1)
  (func $_RNvMCs4fqI2P2rA04_8mistakesNtB2_7Scratch5share (result i32)
    f32.const 1
    i32.trunc_f32_s)
  (func (export "execute") (drop (call $_RNvMCs4fqI2P2rA04_8mistakesNtB2_7Scratch5share))))"#;

#[test]
fn a_rejection_shows_its_message_with_the_rust_name_demangled() {
    let mut chain = TestChain::new();
    let wasm = wat::parse_str(FLOAT_CONTRACT).expect("the test module parses");
    let error = chain.try_deploy(&wasm).expect_err("floats are rejected");
    let shown = error.to_string();
    assert!(
        shown.starts_with("module rejected: function \"<mistakes::Scratch>::share\" (#0) uses "),
        "{shown}"
    );
    assert!(shown.contains("floating point is not allowed"), "{shown}");
    // The message, not the `Debug` form, nor the mangled name.
    assert!(
        !shown.contains("Rejection {") && !shown.contains("_RNv"),
        "{shown}"
    );
    let caught = catch_unwind(AssertUnwindSafe(|| {
        TestChain::new().deploy(&wasm);
    }));
    let message = panic_message(caught.expect_err("deploy panics"));
    assert!(
        message.contains("function \"<mistakes::Scratch>::share\" (#0)"),
        "{message}"
    );
}
