//! The example contracts' builds: the committed wasm (`examples/wasm/`)
//! against a fresh build, reproducibility, the instrumenter's verdict and
//! the sizes in `docs/sdk.md`.
//!
//! The fresh builds run `examples/build.sh` (the one command that builds the
//! examples) on copies of the sources in two other folders, with a target
//! directory of their own under `CARGO_TARGET_TMPDIR`: never the target
//! directory of the running `cargo test`, whose lock would deadlock a nested
//! cargo. The first build is compared with the committed files (built
//! elsewhere: another folder, another time), the second, from the second
//! folder, with the first; so a pass means the build is reproducible and
//! independent of where the sources are, and the committed files are
//! current. `GASWORKS_BLESS=1` rewrites the sizes table of `docs/sdk.md`
//! (the wasm files themselves are rewritten by `examples/build.sh`).

use std::path::{Path, PathBuf};
use std::process::Command;

use gasworks_vm::instrument;

/// Every example, as named in `examples/Cargo.toml`, `examples/build.sh`
/// and `examples/wasm/`.
const EXAMPLES: [&str; 8] = [
    "ballot", "callee", "caller", "compute", "counter", "multisig", "registry", "token",
];

/// The token must stay under this size (the SDK issue's budget).
const TOKEN_BUDGET: usize = 32 * 1024;

const SIZES_START: &str = "<!-- sizes:start -->\n";
const SIZES_END: &str = "<!-- sizes:end -->\n";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn committed(name: &str) -> Vec<u8> {
    let path = root().join("examples/wasm").join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e} (run examples/build.sh)",
            path.display()
        )
    })
}

#[test]
fn the_list_of_examples_is_everywhere_the_same() {
    let manifest = std::fs::read_to_string(root().join("examples/Cargo.toml")).expect("readable");
    let members_line = manifest
        .lines()
        .find(|l| l.starts_with("members = ["))
        .expect("a one-line members list");
    let mut members: Vec<String> = members_line
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    members.sort();
    assert_eq!(members, EXAMPLES, "examples/Cargo.toml members");

    let script = std::fs::read_to_string(root().join("examples/build.sh")).expect("readable");
    let loop_line = script
        .lines()
        .find(|l| l.starts_with("for name in "))
        .expect("the copy loop");
    let mut copied: Vec<&str> = loop_line
        .trim_start_matches("for name in ")
        .trim_end_matches("; do")
        .split_whitespace()
        .collect();
    copied.sort_unstable();
    assert_eq!(copied, EXAMPLES, "examples/build.sh copies");

    let mut files: Vec<String> = std::fs::read_dir(root().join("examples/wasm"))
        .expect("examples/wasm exists")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    files.sort();
    let expected: Vec<String> = EXAMPLES.iter().map(|n| format!("{n}.wasm")).collect();
    assert_eq!(files, expected, "examples/wasm");
}

#[test]
fn every_committed_contract_passes_the_instrumenter() {
    for name in EXAMPLES {
        let wasm = committed(name);
        let instrumented = instrument(&wasm, &gasworks_host_api::instrument_config())
            .unwrap_or_else(|rejection| {
                panic!(
                    "{name}.wasm is rejected: {}",
                    gasworks_host_api::rejection_display(&rejection)
                )
            });
        assert!(
            instrumented
                .report
                .exports
                .iter()
                .any(|e| e == gasworks_host_api::ENTRY_POINT),
            "{name}.wasm exports no `execute`"
        );
    }
}

/// The sizes table of `docs/sdk.md`, markers included.
fn render_sizes() -> String {
    let mut out = String::from(SIZES_START);
    out.push_str(
        "| Contract | Wasm bytes | Code bytes | Functions | Initial pages | Instrumented bytes |\n\
         | --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for name in EXAMPLES {
        let wasm = committed(name);
        let instrumented = instrument(&wasm, &gasworks_host_api::instrument_config())
            .unwrap_or_else(|rejection| {
                panic!(
                    "{name}.wasm is rejected: {}",
                    gasworks_host_api::rejection_display(&rejection)
                )
            });
        let report = &instrumented.report;
        out.push_str(&format!(
            "| `{name}` | {} | {} | {} | {} | {} |\n",
            wasm.len(),
            report.code_bytes,
            report.functions,
            report.memory.map_or(0, |(initial, _)| initial),
            instrumented.module.len()
        ));
    }
    out.push_str(SIZES_END);
    out
}

#[test]
fn sizes_in_the_docs_are_current_and_the_token_is_under_32_kib() {
    let token = committed("token").len();
    assert!(
        token < TOKEN_BUDGET,
        "token.wasm is {token} bytes, over {TOKEN_BUDGET}"
    );
    let path = root().join("docs/sdk.md");
    let text = std::fs::read_to_string(&path).expect("docs/sdk.md is readable");
    let start = text.find(SIZES_START).expect("the sizes start marker");
    let end = text.find(SIZES_END).expect("the sizes end marker") + SIZES_END.len();
    let rendered = render_sizes();
    if text[start..end] == rendered {
        return;
    }
    if std::env::var("GASWORKS_BLESS").is_ok_and(|v| v == "1") {
        let updated = format!("{}{}{}", &text[..start], rendered, &text[end..]);
        std::fs::write(&path, updated).expect("docs/sdk.md is writable");
        return;
    }
    panic!("the sizes in docs/sdk.md are stale (GASWORKS_BLESS=1 rewrites them):\n{rendered}");
}

/// Copies `from` to `to`, keeping symbolic links as links, leaving out
/// folders named `target` and `wasm`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("creates the copy's folder");
    for entry in std::fs::read_dir(from).expect("readable folder") {
        let entry = entry.expect("an entry");
        let name = entry.file_name();
        if name == "target" || name == "wasm" {
            continue;
        }
        let (source, destination) = (entry.path(), to.join(&name));
        let kind = entry.file_type().expect("a file type");
        if kind.is_symlink() {
            let link = std::fs::read_link(&source).expect("a link");
            #[cfg(unix)]
            std::os::unix::fs::symlink(link, &destination).expect("links");
            #[cfg(not(unix))]
            panic!("the examples' build needs symbolic links ({link:?})");
        } else if kind.is_dir() {
            copy_tree(&source, &destination);
        } else {
            std::fs::copy(&source, &destination).expect("copies");
        }
    }
}

/// Copies what the examples' build reads into `folder` and runs
/// `examples/build.sh` there; returns each example's wasm.
fn fresh_build(folder: &Path, target_dir: &Path) -> Vec<Vec<u8>> {
    if folder.exists() {
        std::fs::remove_dir_all(folder).expect("removes the old copy");
    }
    let repo = root();
    std::fs::create_dir_all(folder.join("contract-sdk")).expect("creates the copy");
    std::fs::copy(
        repo.join("rust-toolchain.toml"),
        folder.join("rust-toolchain.toml"),
    )
    .expect("copies");
    std::fs::copy(
        repo.join("contract-sdk/Cargo.toml"),
        folder.join("contract-sdk/Cargo.toml"),
    )
    .expect("copies");
    copy_tree(
        &repo.join("contract-sdk/src"),
        &folder.join("contract-sdk/src"),
    );
    copy_tree(
        &repo.join("contract-sdk/macros"),
        &folder.join("contract-sdk/macros"),
    );
    // The ABI crate the SDK depends on (reached through `examples/.abi`).
    copy_tree(&repo.join("abi"), &folder.join("abi"));
    copy_tree(&repo.join("examples"), &folder.join("examples"));
    let out = folder.join("out");
    // A fresh machine's toolchain may lack the wasm32 target: add it, as
    // every contract build through the SDK's harness does.
    gasworks_sdk_testing::ensure_wasm32_target(&folder.join("examples"))
        .expect("the wasm32 target is available");
    let output = Command::new("bash")
        .arg(folder.join("examples/build.sh"))
        .arg("--out")
        .arg(&out)
        .arg("--target-dir")
        .arg(target_dir)
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "examples/build.sh failed in {}:\n{}",
        folder.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    EXAMPLES
        .iter()
        .map(|name| std::fs::read(out.join(format!("{name}.wasm"))).expect("built"))
        .collect()
}

#[test]
fn the_committed_wasm_matches_fresh_reproducible_builds() {
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("examples-build");
    let target_dir = work.join("target");
    let first = fresh_build(&work.join("first"), &target_dir);
    // Another folder: the crates' paths differ, the output must not.
    let second = fresh_build(&work.join("second/nested"), &target_dir);
    let mut problems = Vec::new();
    for (i, name) in EXAMPLES.iter().enumerate() {
        if first[i] != second[i] {
            problems.push(format!(
                "{name}.wasm: two builds from the same sources differ ({} and {} bytes): \
                 the build is not reproducible",
                first[i].len(),
                second[i].len()
            ));
        } else if first[i] != committed(name) {
            problems.push(format!(
                "{name}.wasm: the committed file is stale; run examples/build.sh and commit \
                 examples/wasm/ (then GASWORKS_BLESS=1 for the gas golden files and sizes)"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
