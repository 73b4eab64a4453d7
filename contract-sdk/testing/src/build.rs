//! Building a contract crate to wasm from a test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, PoisonError};

/// Why a build failed.
#[derive(Debug)]
pub struct BuildError(pub String);

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BuildError {}

/// The target contracts are built for.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Makes sure the toolchain that builds in `crate_dir` has the
/// [`WASM_TARGET`] standard library, installing it with rustup when it is
/// missing: `rust-toolchain.toml` names the target, but rustup adds it only
/// when it installs the toolchain, so a machine whose toolchain came first
/// (CI images, a pinned toolchain installed by hand) lacks it and every
/// contract build fails with "can't find crate for `core`".
///
/// # Errors
///
/// [`BuildError`] when the target is missing and rustup cannot add it (the
/// message says the command to run).
pub fn ensure_wasm32_target(crate_dir: &Path) -> Result<(), BuildError> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = Command::new(&rustc)
        .current_dir(crate_dir)
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| BuildError(format!("cannot run rustc: {e}")))?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if sysroot
        .join("lib/rustlib")
        .join(WASM_TARGET)
        .join("lib")
        .is_dir()
    {
        return Ok(());
    }
    let status = Command::new("rustup")
        .current_dir(crate_dir)
        .args(["target", "add", WASM_TARGET])
        .status();
    match status {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(BuildError(format!(
            "`rustup target add {WASM_TARGET}` failed ({status}); contracts need that target"
        ))),
        Err(error) => Err(BuildError(format!(
            "the {WASM_TARGET} target is not installed and rustup cannot run ({error}): \
             install the target for {}",
            sysroot.display()
        ))),
    }
}

/// Builds the contract crate at `crate_dir` (its `Cargo.toml`) with
/// `cargo build --release --target wasm32-unknown-unknown` into
/// `target_dir`, and returns the path of `NAME.wasm` (`name` is the
/// crate's library name).
///
/// `target_dir` must not be the target directory of the `cargo test` that
/// runs this: cargo holds a lock on it for the whole test run, and the
/// nested build would wait for it forever. Use a directory of its own, for
/// example `concat!(env!("CARGO_TARGET_TMPDIR"), "/contracts")` in an
/// integration test. `RUSTFLAGS` and its variants are cleared, so that the
/// contract's own `.cargo/config.toml` and profile decide the flags.
///
/// The build runs once per test binary for each crate, target directory
/// and name: later calls (from the other tests of the binary, which cargo
/// runs in parallel) wait for the first and get its result, instead of
/// each running cargo again. [`rebuild_wasm`] always runs cargo.
///
/// # Errors
///
/// [`BuildError`] when cargo cannot run or the build fails (with cargo's
/// output).
pub fn build_wasm(crate_dir: &Path, target_dir: &Path, name: &str) -> Result<PathBuf, BuildError> {
    type Key = (PathBuf, PathBuf, String);
    static BUILT: Mutex<BTreeMap<Key, Result<PathBuf, String>>> = Mutex::new(BTreeMap::new());
    // Held during the build: a second test asking for the same contract
    // waits for it (cargo would make it wait on the target directory's lock
    // anyway); a test that panicked while holding it built nothing wrong.
    let mut built = BUILT.lock().unwrap_or_else(PoisonError::into_inner);
    let key = (
        crate_dir.to_path_buf(),
        target_dir.to_path_buf(),
        name.to_string(),
    );
    let result = match built.get(&key) {
        Some(result) => result.clone(),
        None => {
            let result = rebuild_wasm(crate_dir, target_dir, name).map_err(|e| e.0);
            built.insert(key, result.clone());
            result
        }
    };
    result.map_err(BuildError)
}

/// [`build_wasm`] without the cache: runs cargo every time (for a test that
/// changes a contract's sources and builds it again).
///
/// # Errors
///
/// As [`build_wasm`].
pub fn rebuild_wasm(
    crate_dir: &Path,
    target_dir: &Path,
    name: &str,
) -> Result<PathBuf, BuildError> {
    ensure_wasm32_target(crate_dir)?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(crate_dir)
        .args(["build", "--release", "--target", "wasm32-unknown-unknown"])
        .arg("--target-dir")
        .arg(target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .map_err(|e| BuildError(format!("cannot run cargo: {e}")))?;
    if !output.status.success() {
        return Err(BuildError(format!(
            "cargo build failed in {}:\n{}",
            crate_dir.display(),
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let wasm = target_dir
        .join("wasm32-unknown-unknown/release")
        .join(format!("{}.wasm", name.replace('-', "_")));
    if wasm.is_file() {
        Ok(wasm)
    } else {
        Err(BuildError(format!(
            "the build did not produce {}",
            wasm.display()
        )))
    }
}
