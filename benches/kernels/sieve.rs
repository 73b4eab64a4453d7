//! Sieve of Eratosthenes over a byte table in linear memory: an execution
//! kernel of tight loops with loads and stores.
//!
//! Integer-only, `no_std`, no allocator. See README.md for the build command.

#![no_std]
#![no_main]

use core::ptr::addr_of_mut;

/// Largest `size` accepted: 4 Mi numbers, one byte each.
const CAPACITY: usize = 4 << 20;
static mut COMPOSITE: [u8; CAPACITY] = [0; CAPACITY];

/// Sums the primes below `size` (at most 4 Mi); the sum is the checksum.
#[unsafe(no_mangle)]
pub extern "C" fn run(size: u32) -> u64 {
    let n = (size as usize).min(CAPACITY);
    // SAFETY: single-threaded guest; the table is only used here.
    let composite = unsafe { &mut (&mut *addr_of_mut!(COMPOSITE))[..n] };
    composite.fill(0);
    let mut sum = 0u64;
    let mut i = 2;
    while i < n {
        if composite[i] == 0 {
            sum += i as u64;
            if i <= (n - 1) / i {
                let mut j = i * i;
                while j < n {
                    composite[j] = 1;
                    j += i;
                }
            }
        }
        i += 1;
    }
    sum
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
