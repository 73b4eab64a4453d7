//! Fallibility does not depend on spelling: a `#[contract]` method whose
//! return type is a `Result` (through an alias, a full path or a re-export)
//! fails the call on `Err` and its writes are rolled back; before, only a
//! type spelled `Result<T, E>` was fallible, and an aliased `Err` committed
//! its writes and came back as data (issue 11, point 1).
//!
//! The contract (`tests/contracts/fallible`) is built from source with the
//! SDK's harness, in a workspace made next to it in `CARGO_TARGET_TMPDIR`
//! (the SDK's manifest inherits its keys from the workspace that builds it).
//! The same contract has a method compiled out by `#[cfg]`, whose dispatch
//! arm must go with it (issue 11, point 7).

use std::path::{Path, PathBuf};

use gasworks_sdk_testing::{ABORT_TRAP, TestChain, account, build_wasm};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("creates");
    for entry in std::fs::read_dir(from).expect("lists") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copies");
        }
    }
}

fn build() -> Vec<u8> {
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fallible-contract");
    let _ = std::fs::remove_dir_all(work.join("fallible"));
    copy_tree(
        &root().join("tests/contracts/fallible"),
        &work.join("fallible"),
    );
    let examples = std::fs::read_to_string(root().join("examples/Cargo.toml")).expect("reads");
    // The examples' workspace keys and profile, with the SDK by absolute path.
    let sdk = root().join("contract-sdk");
    let manifest = examples
        .replace(
            r#"members = ["counter", "token", "multisig", "caller", "callee", "compute"]"#,
            r#"members = ["fallible"]"#,
        )
        .replace(
            r#"gasworks-sdk = { path = ".sdk" }"#,
            &format!(
                "gasworks-sdk = {{ path = {:?} }}",
                sdk.display().to_string()
            ),
        )
        .replace(
            r#"gasworks-sdk-macros = { path = ".sdk/macros" }"#,
            &format!(
                "gasworks-sdk-macros = {{ path = {:?} }}",
                sdk.join("macros").display().to_string()
            ),
        );
    assert!(
        manifest.contains(r#"members = ["fallible"]"#),
        "examples/Cargo.toml changed shape"
    );
    std::fs::write(work.join("Cargo.toml"), manifest).expect("writes");
    copy_tree(&root().join("examples/.cargo"), &work.join(".cargo"));
    let wasm = build_wasm(&work.join("fallible"), &work.join("target"), "fallible")
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::read(wasm).expect("built")
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
