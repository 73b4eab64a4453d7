//! Chooses the executor's dispatch (see `src/engine/execute/dispatch.rs`).
//!
//! The threaded dispatch passes control between instruction handlers by
//! tail calls, which LLVM turns into jumps only in optimised code: built at
//! opt-level 0 or 1, or with debug assertions (whose checks, inlined into
//! the handlers, take the address of a local and so keep the frame alive),
//! every instruction would leave a native frame behind, and a long loop
//! would overflow the thread's stack. An embedder's debug build is such a
//! build. So the threaded dispatch is chosen (`cfg(gasworks_threaded)`)
//! only where tail calls are jumps: opt-level 2 or 3, no debug assertions,
//! and the `portable-dispatch` feature off. Everywhere else the handlers
//! return the next instruction to a loop: slower, with the same results,
//! and a flat native stack whatever the compiler does.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(gasworks_threaded)");
    println!("cargo::rerun-if-env-changed=OPT_LEVEL");
    let optimised = matches!(std::env::var("OPT_LEVEL").as_deref(), Ok("2" | "3"));
    let debug_assertions = std::env::var_os("CARGO_CFG_DEBUG_ASSERTIONS").is_some();
    let portable = std::env::var_os("CARGO_FEATURE_PORTABLE_DISPATCH").is_some();
    if optimised && !debug_assertions && !portable {
        println!("cargo::rustc-cfg=gasworks_threaded");
    }
}
