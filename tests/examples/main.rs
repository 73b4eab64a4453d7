//! The example contracts (`examples/`), run in the real VM from their
//! committed wasm (`examples/wasm/`, built by `examples/build.sh`; the
//! test `examples_build` checks that they match their sources).
//!
//! Each contract's scenario pins its gas per call in `tests/golden/NAME.txt`
//! (`GASWORKS_BLESS=1 cargo test --release --test examples` rewrites them
//! after a deliberate change), and every call made through the harness
//! checks that its gas is exact (see `gasworks_sdk_testing::TestChain`).

mod calls;
mod compute;
mod counter;
mod multisig;
mod token;

use std::path::PathBuf;

use gasworks_sdk_testing::{GasReport, load_wasm};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The committed wasm of example `name`.
fn wasm(name: &str) -> Vec<u8> {
    load_wasm(root().join("examples/wasm").join(format!("{name}.wasm")))
}

/// The gas report of example `name`'s scenario.
fn golden(name: &str, title: &str) -> GasReport {
    GasReport::new(
        root().join("tests/golden").join(format!("{name}.txt")),
        title,
    )
}
