//! Fallibility does not depend on spelling: a `#[contract]` method whose
//! return type is a `Result` (through an alias, a full path or a re-export)
//! fails the call on `Err` and its writes are rolled back; before, only a
//! type spelled `Result<T, E>` was fallible, and an aliased `Err` committed
//! its writes and came back as data (issue 11, point 1).
//!
//! The contract (`tests/contracts/fallible`) is built from source with the
//! SDK's harness (`sdk_workspace`).
//! The same contract has a method compiled out by `#[cfg]`, whose dispatch
//! arm must go with it (issue 11, point 7).

mod sdk_workspace;

use gasworks_sdk_testing::{ABORT_TRAP, TestChain, account};

fn build() -> Vec<u8> {
    sdk_workspace::contract_wasm("fallible-contract", &["fallible"], "fallible", "fallible")
}

#[test]
fn an_err_fails_the_call_and_rolls_back_whatever_the_spelling() {
    let wasm = build();
    let mut chain = TestChain::new();
    let contract = chain.deploy(&wasm);
    let alice = account("alice");
    for method in ["alias", "full_path", "reexported"] {
        let outcome = chain.call(alice, contract, method, &(7u64,));
        let failure = outcome
            .failure()
            .unwrap_or_else(|| panic!("{method}: an Err must fail the call"));
        assert_eq!(failure.trap, ABORT_TRAP, "{method}");
        assert!(
            failure
                .message
                .as_deref()
                .unwrap_or_default()
                .contains("returned Err(Error)"),
            "{method}: {:?}",
            failure.message
        );
        assert_eq!(
            chain.call(alice, contract, "get", &()).unwrap::<u64>(),
            0,
            "{method}: the write before the Err was rolled back"
        );
    }
    assert_eq!(
        chain
            .call(alice, contract, "alias_ok", &(5u64,))
            .unwrap::<u64>(),
        5
    );
    assert_eq!(chain.call(alice, contract, "get", &()).unwrap::<u64>(), 5);
    assert_eq!(
        chain
            .call(alice, contract, "plain", &(9u64,))
            .unwrap::<u64>(),
        9
    );
    assert_eq!(chain.call(alice, contract, "get", &()).unwrap::<u64>(), 9);
}

#[test]
fn a_method_compiled_out_by_cfg_is_not_dispatched() {
    // The contract builds at all only if the dispatch arm of the `#[cfg]`ed
    // method went with it (before: E0599, no function `hidden`).
    let wasm = build();
    let mut chain = TestChain::new();
    let contract = chain.deploy(&wasm);
    let outcome = chain.call(account("bob"), contract, "hidden", &());
    let failure = outcome.failure().expect("an unknown method fails");
    assert!(
        failure
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("no method `hidden`"),
        "{:?}",
        failure.message
    );
}
