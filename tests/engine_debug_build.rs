//! An embedder's debug build of the VM.
//!
//! The threaded dispatch needs tail calls that only optimised code makes
//! jumps; an embedder who builds `gasworks-vm` in a debug profile (opt-level
//! 0, debug assertions: cargo's defaults) must get the dispatch loop
//! instead (`vm/build.rs`), or every instruction leaves a native frame
//! behind and a long loop overflows the thread's stack. This workspace's own
//! dev profile optimises the VM (root `Cargo.toml`), so the test builds the
//! VM's unit tests in a debug profile of their own, as an embedder would get
//! it, and runs the two that decide: the dispatch chosen (and that the build
//! is a debug build), and a loop of a million iterations (calls, branches,
//! memory, globals) on a 128 KiB thread, whose native stack must not grow.
//! With the threaded dispatch forced in that build, the second aborts the
//! process with "has overflowed its stack" (checked by hand when this test
//! was written), as the CLI and the SDK harness did in debug builds.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn a_debug_build_of_the_vm_runs_a_million_iterations_on_a_small_thread() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // Its own target directory: the dev profile, and only the VM's few
    // dependencies (no RocksDB); kept between runs.
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("vm-debug-build");
    // The workspace's profile for the VM, overridden with an embedder's
    // defaults (`--config` takes precedence over the manifest's profiles).
    let output = Command::new(env!("CARGO"))
        .args([
            "--config",
            "profile.dev.package.gasworks-vm.opt-level=0",
            "--config",
            "profile.dev.package.gasworks-vm.debug-assertions=true",
            "test",
            "--lib",
            "--manifest-path",
        ])
        .arg(root.join("vm/Cargo.toml"))
        .args(["--target-dir"])
        .arg(&target)
        // The inner tests check that they were built as a debug build.
        .env("GASWORKS_EXPECT_DEBUG_BUILD", "1")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .args([
            "--",
            "--exact",
            "engine::execute::dispatch::tests::debug_builds_do_not_rely_on_tail_calls",
            "engine::execute::dispatch::tests::threaded_dispatch_keeps_the_native_stack_flat",
        ])
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the VM's tests failed in a debug build:\n{stdout}\n{stderr}"
    );
    for test in [
        "engine::execute::dispatch::tests::debug_builds_do_not_rely_on_tail_calls ... ok",
        "engine::execute::dispatch::tests::threaded_dispatch_keeps_the_native_stack_flat ... ok",
    ] {
        assert!(stdout.contains(test), "{test} did not run:\n{stdout}");
    }
}
