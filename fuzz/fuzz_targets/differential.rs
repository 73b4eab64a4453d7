//! Differential fuzzing of the engine against wasmi 2.0: the comparison of
//! `tests/differential.rs` (the same harness, included by path) on modules
//! that wasm-smith generates from the fuzzer's input.
//!
//! Input: 8 bytes seed the harness's own stream (wasm-smith configuration,
//! gas limit, call sequence and arguments); the rest is wasm-smith's
//! entropy, followed by [`PADDING`] bytes from the seeded stream, so that
//! the short inputs libFuzzer starts with already give modules of a useful
//! size (the input's own bytes decide the first choices). Any difference
//! between the engines panics with the details; the fuzzer keeps the input
//! as a crash artifact.
//!
//! cargo-fuzz builds with debug assertions by default (good for our
//! engine: overflow checks), and wasmi 2.0.0's translator has a
//! `debug_assert!` that fails on valid modules ("a register operand already
//! exists on the stack", see `wasmi_debug_assertion_on_if_params` in
//! `tests/differential.rs`; wasmi runs those modules correctly without
//! debug assertions). So the module is first translated by wasmi alone,
//! with panics caught; a module that trips wasmi there is skipped and
//! counted, and everything after (our engine included) runs unguarded.

#![no_main]

#[path = "../../tests/common/mod.rs"]
mod common;
#[path = "../../tests/differential/harness.rs"]
mod harness;

use std::sync::atomic::{AtomicU64, Ordering};

use harness::CaseResult;

/// Calls per module at most (as in the test).
const MAX_CALLS: usize = 24;

/// Stream bytes appended to the input's entropy.
const PADDING: usize = 4 * 1024;

/// Modules skipped because wasmi's own debug assertions failed.
static WASMI_PANICS: AtomicU64 = AtomicU64::new(0);

/// Whether wasmi translates `wasm` without panicking (the panic hook, which
/// libFuzzer makes abort, is silenced meanwhile).
fn wasmi_translates(wasm: &[u8]) -> bool {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let engine = harness::wasmi_engine();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = wasmi::Module::new(&engine, wasm);
    }));
    std::panic::set_hook(hook);
    result.is_ok()
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((seed, entropy)) = data.split_first_chunk::<8>() else {
        return;
    };
    let seed = u64::from_le_bytes(*seed);
    let mut entropy = entropy.to_vec();
    entropy.extend(common::SplitMix64(!seed).bytes(PADDING));
    let mut rng = common::SplitMix64(seed);
    let Ok(generated) = harness::generate(&mut rng, &entropy) else {
        return;
    };
    if cfg!(debug_assertions) && !wasmi_translates(&generated.instrumented) {
        let n = WASMI_PANICS.fetch_add(1, Ordering::Relaxed) + 1;
        if n.is_power_of_two() {
            eprintln!("differential: {n} modules skipped for wasmi debug assertions");
        }
        return;
    }
    if let CaseResult::Mismatch(generated, mismatch) =
        harness::check_generated(generated, &mut rng, MAX_CALLS)
    {
        panic!(
            "gasworks and wasmi differ: {mismatch}\n\
             generated module ({} bytes): {:02x?}\n",
            generated.original.len(),
            generated.original
        );
    }
});
