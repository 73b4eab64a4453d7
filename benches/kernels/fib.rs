//! Recursive Fibonacci: an execution kernel dominated by calls and returns.
//!
//! Integer-only, `no_std`, no allocator. See README.md for the build command.

#![no_std]
#![no_main]

/// The naive doubly recursive definition. LLVM turns the second recursive
/// call into a loop (accumulator recursion elimination), so each call makes
/// one recursive call plus a loop: still about `fib(n)` calls in all.
fn fib(n: u32) -> u64 {
    if n < 2 {
        n as u64
    } else {
        fib(n - 1).wrapping_add(fib(n - 2))
    }
}

/// Returns `fib(size)`.
#[unsafe(no_mangle)]
pub extern "C" fn run(size: u32) -> u64 {
    fib(size)
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
