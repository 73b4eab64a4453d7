//! Sorting pseudo-random keys in linear memory: an execution kernel of
//! comparisons, branches and memory traffic (`core`'s `sort_unstable`, the
//! ipnsort quicksort, as a contract would use it).
//!
//! Integer-only, `no_std`, no allocator. See README.md for the build command.

#![no_std]
#![no_main]

use core::ptr::addr_of_mut;

/// Largest `size` accepted: 1 Mi keys of 4 bytes.
const CAPACITY: usize = 1 << 20;
static mut KEYS: [u32; CAPACITY] = [0; CAPACITY];

/// Fills `size` keys (at most 1 Mi) from xorshift32 (seed 2463534242),
/// sorts them, and returns `fold(acc * 31 + key)` over the sorted keys
/// (wrapping `u64`), or 0 when the result is not sorted.
#[unsafe(no_mangle)]
pub extern "C" fn run(size: u32) -> u64 {
    let n = (size as usize).min(CAPACITY);
    // SAFETY: single-threaded guest; the table is only used here.
    let keys = unsafe { &mut (&mut *addr_of_mut!(KEYS))[..n] };
    let mut state: u32 = 2_463_534_242;
    for key in keys.iter_mut() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        *key = state;
    }
    keys.sort_unstable();
    if !keys.is_sorted() {
        return 0;
    }
    keys.iter().fold(0u64, |acc, &key| {
        acc.wrapping_mul(31).wrapping_add(key as u64)
    })
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
