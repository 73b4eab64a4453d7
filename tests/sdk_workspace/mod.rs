//! Building test contracts (`tests/contracts/*`) from source with the SDK's
//! harness, shared by the `sdk_*` tests.
//!
//! The contracts are copied into a workspace made in `CARGO_TARGET_TMPDIR`
//! (the SDK's manifest inherits its keys from the workspace that builds
//! it): the examples' workspace manifest, profile and `.cargo/config.toml`,
//! with the SDK and the ABI crate by absolute path. Each workspace is made
//! once per test binary, whichever test asks first (the others wait), and
//! `build_wasm` caches each build.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use gasworks_sdk_testing::build_wasm;

pub fn root() -> PathBuf {
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

/// Makes (once) the workspace `name` holding the test contracts `members`.
fn workspace(name: &str, members: &[&str]) -> PathBuf {
    static MADE: Mutex<BTreeMap<String, PathBuf>> = Mutex::new(BTreeMap::new());
    let mut made = MADE.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(work) = made.get(name) {
        return work.clone();
    }
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    for member in members {
        let _ = std::fs::remove_dir_all(work.join(member));
        copy_tree(
            &root().join("tests/contracts").join(member),
            &work.join(member),
        );
    }
    let examples = std::fs::read_to_string(root().join("examples/Cargo.toml")).expect("reads");
    let members_line = r#"members = ["counter", "token", "multisig", "caller", "callee", "compute", "registry", "ballot"]"#;
    assert!(
        examples.contains(members_line),
        "examples/Cargo.toml changed shape"
    );
    let quoted: Vec<String> = members.iter().map(|m| format!("{m:?}")).collect();
    let sdk = root().join("contract-sdk");
    let mut manifest =
        examples.replace(members_line, &format!("members = [{}]", quoted.join(", ")));
    for (relative, absolute) in [
        (".sdk\"", sdk.clone()),
        (".sdk/macros\"", sdk.join("macros")),
        (".abi\"", root().join("abi")),
    ] {
        let from = format!("{{ path = \"{relative} }}");
        assert!(manifest.contains(&from), "examples/Cargo.toml lacks {from}");
        manifest = manifest.replace(
            &from,
            &format!("{{ path = {:?} }}", absolute.display().to_string()),
        );
    }
    std::fs::write(work.join("Cargo.toml"), manifest).expect("writes");
    copy_tree(&root().join("examples/.cargo"), &work.join(".cargo"));
    made.insert(name.to_string(), work.clone());
    work
}

/// The wasm of test contract `contract` (library name `library`), built in
/// workspace `name` with `members`.
pub fn contract_wasm(name: &str, members: &[&str], contract: &str, library: &str) -> Vec<u8> {
    let work = workspace(name, members);
    let wasm = build_wasm(&work.join(contract), &work.join("target"), library)
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::read(wasm).expect("built")
}
