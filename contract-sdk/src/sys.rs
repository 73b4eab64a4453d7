//! The host functions: the imports of module `host`, and safe wrappers.
//!
//! The declarations between the `generated` markers are the text of
//! `gasworks_host_api::docs::render_sdk_externs()`, rendered from the host
//! API's manifest; `tests/sdk_bindings.rs` in the root workspace fails when
//! they differ (and `GASWORKS_BLESS=1` rewrites them), so a manifest change
//! cannot silently break contracts. The macro turns the block into the
//! wasm imports on `wasm32`, and into stubs that panic elsewhere, so that
//! the SDK (its pure parts, its docs, and the host-side test harness that
//! shares its types) builds natively too.
//!
//! Everything `unsafe` in the SDK's host calls is in this module: the
//! wrappers below take slices, so the pointers and lengths they pass are
//! always a live Rust buffer, and an output buffer is always borrowed
//! mutably. The host checks every range against the memory's size and
//! never writes outside `[ptr, ptr + cap)`.

#![allow(unsafe_code)]

use alloc::vec::Vec;

/// Expands the rendered extern block: wasm imports on `wasm32`, panicking
/// stubs with the same signatures elsewhere.
macro_rules! host_imports {
    (
        #[link(wasm_import_module = $module:literal)]
        unsafe extern "C" {
            $( pub fn $name:ident( $( $arg:ident : $ty:ty ),* ) $( -> $ret:ty )? ; )*
        }
    ) => {
        /// The raw imports (module `host`), as the manifest declares them;
        /// each is documented in `docs/host-api.md`.
        #[cfg(target_arch = "wasm32")]
        #[allow(missing_docs)]
        pub mod raw {
            #[link(wasm_import_module = $module)]
            unsafe extern "C" {
                $( pub fn $name( $( $arg : $ty ),* ) $( -> $ret )? ; )*
            }
        }

        /// Stand-ins for the imports outside wasm32: they panic.
        #[cfg(not(target_arch = "wasm32"))]
        #[allow(unused_variables, clippy::missing_safety_doc, missing_docs)]
        pub mod raw {
            $(
                pub unsafe fn $name( $( $arg : $ty ),* ) $( -> $ret )? {
                    super::unavailable(stringify!($name))
                }
            )*
        }
    };
}

#[cfg(not(target_arch = "wasm32"))]
fn unavailable(name: &str) -> ! {
    panic!(
        "host function `{name}` is only available in a contract compiled to wasm32 \
         (test contracts through gasworks-sdk-testing)"
    )
}

host_imports! {
// generated:start (gasworks_host_api::docs::render_sdk_externs)
#[link(wasm_import_module = "host")]
unsafe extern "C" {
    pub fn storage_read(key_ptr: u32, key_len: u32, value_ptr: u32, value_cap: u32) -> i32;
    pub fn storage_write(key_ptr: u32, key_len: u32, value_ptr: u32, value_len: u32);
    pub fn storage_remove(key_ptr: u32, key_len: u32);
    pub fn storage_has(key_ptr: u32, key_len: u32) -> i32;
    pub fn storage_scan(prefix_ptr: u32, prefix_len: u32, after_ptr: u32, after_len: u32, limit: u32, out_ptr: u32, out_cap: u32) -> i64;
    pub fn emit_event(topics_ptr: u32, topics_len: u32, data_ptr: u32, data_len: u32);
    pub fn caller(out_ptr: u32);
    pub fn origin(out_ptr: u32);
    pub fn address(out_ptr: u32);
    pub fn block_height() -> i64;
    pub fn block_time() -> i64;
    pub fn chain_id() -> i64;
    pub fn input(out_ptr: u32, out_cap: u32) -> i32;
    pub fn gas_left() -> i64;
    pub fn set_return_data(data_ptr: u32, data_len: u32);
    pub fn return_data(out_ptr: u32, out_cap: u32) -> i32;
    pub fn call(address_ptr: u32, input_ptr: u32, input_len: u32, gas_limit: u64) -> i32;
    pub fn abort(msg_ptr: u32, msg_len: u32);
    pub fn log(msg_ptr: u32, msg_len: u32);
    pub fn sha256(data_ptr: u32, data_len: u32, out_ptr: u32);
    pub fn secp256k1_verify(hash_ptr: u32, hash_len: u32, sig_ptr: u32, sig_len: u32, key_ptr: u32, key_len: u32) -> i32;
    pub fn secp256k1_recover(hash_ptr: u32, hash_len: u32, sig_ptr: u32, sig_len: u32, recovery_id: u32, out_ptr: u32) -> i32;
}
// generated:end
}

/// A slice's address as the host sees it (wasm32 pointers are 32 bits).
fn ptr(bytes: &[u8]) -> u32 {
    bytes.as_ptr() as usize as u32
}

/// A mutable slice's address.
fn ptr_mut(bytes: &mut [u8]) -> u32 {
    bytes.as_mut_ptr() as usize as u32
}

/// A length as the host sees it (wasm32 lengths are 32 bits).
fn len(bytes: &[u8]) -> u32 {
    bytes.len() as u32
}

/// Calls a host function that copies `min(length, cap)` bytes to a buffer
/// and returns the full length (or a negative code), into `out`'s spare
/// capacity: reserves `guess` bytes first and calls again, once, with the
/// exact length when the first buffer was too small. Returns the length or
/// the negative code; on success `out` holds the bytes.
pub(crate) fn read_into(out: &mut Vec<u8>, guess: usize, read: impl Fn(u32, u32) -> i64) -> i64 {
    out.clear();
    out.reserve(guess);
    let first = read_spare(out, &read);
    if first < 0 || first as usize <= out.capacity() {
        return first;
    }
    out.reserve(first as usize);
    read_spare(out, &read)
}

fn read_spare(out: &mut Vec<u8>, read: &impl Fn(u32, u32) -> i64) -> i64 {
    let spare = out.spare_capacity_mut();
    let cap = spare.len();
    let length = read(spare.as_mut_ptr() as usize as u32, cap as u32);
    if length >= 0 && length as usize <= cap {
        // SAFETY: the host function wrote `length` bytes (the full value,
        // which fitted) at the start of the spare capacity, and
        // `length <= cap` keeps them within it.
        unsafe { out.set_len(length as usize) };
    }
    length
}

/// `storage_read` into `out`; the value's length or `NOT_FOUND`.
pub(crate) fn storage_read(key: &[u8], out: &mut Vec<u8>, guess: usize) -> i64 {
    read_into(out, guess, |value_ptr, value_cap| {
        // SAFETY: `key` is a live slice; the output range is the spare
        // capacity of `out`, which nothing else borrows.
        i64::from(unsafe { raw::storage_read(ptr(key), len(key), value_ptr, value_cap) })
    })
}

/// `storage_write`.
pub(crate) fn storage_write(key: &[u8], value: &[u8]) {
    // SAFETY: both are live slices, only read by the host.
    unsafe { raw::storage_write(ptr(key), len(key), ptr(value), len(value)) }
}

/// `storage_remove`.
pub(crate) fn storage_remove(key: &[u8]) {
    // SAFETY: a live slice, only read.
    unsafe { raw::storage_remove(ptr(key), len(key)) }
}

/// `storage_has`.
pub(crate) fn storage_has(key: &[u8]) -> bool {
    // SAFETY: a live slice, only read.
    unsafe { raw::storage_has(ptr(key), len(key)) == 1 }
}

/// `storage_scan` into `out` (its spare capacity, `out_cap` bytes of it);
/// returns the entries written and the size of the next entry.
pub(crate) fn storage_scan(
    prefix: &[u8],
    after: &[u8],
    limit: u32,
    out: &mut Vec<u8>,
    out_cap: usize,
) -> (u32, u32) {
    out.clear();
    out.reserve(out_cap);
    let spare = out.spare_capacity_mut();
    let cap = spare.len();
    // SAFETY: `prefix` and `after` are live slices; the output range is
    // the spare capacity of `out`.
    let result = unsafe {
        raw::storage_scan(
            ptr(prefix),
            len(prefix),
            ptr(after),
            len(after),
            limit,
            spare.as_mut_ptr() as usize as u32,
            cap as u32,
        )
    } as u64;
    let written = result as u32;
    let next = (result >> 32) as u32;
    // The entries written are whole and fit; their total is what the
    // caller parses, so it is computed from their headers.
    let mut used = 0usize;
    let spare = out.spare_capacity_mut();
    for _ in 0..written {
        let mut entry = 0usize;
        for _ in 0..2 {
            let mut word = [0u8; 4];
            for (i, byte) in word.iter_mut().enumerate() {
                // SAFETY: the host wrote this header byte: it lies within
                // an entry it reported as written, within `cap`.
                *byte = unsafe { spare[used + entry + i].assume_init() };
            }
            entry += 4 + u32::from_le_bytes(word) as usize;
        }
        used += entry;
    }
    if used <= cap {
        // SAFETY: the host wrote `written` whole entries from the start of
        // the spare capacity, `used` bytes in all, within `cap`.
        unsafe { out.set_len(used) };
    }
    (written, next)
}

/// `emit_event` with borsh-encoded topics.
pub(crate) fn emit_event(topics: &[u8], data: &[u8]) {
    // SAFETY: live slices, only read.
    unsafe { raw::emit_event(ptr(topics), len(topics), ptr(data), len(data)) }
}

/// `caller`.
pub(crate) fn caller() -> [u8; 32] {
    let mut out = [0u8; 32];
    // SAFETY: the host writes 32 bytes into this 32-byte buffer.
    unsafe { raw::caller(ptr_mut(&mut out)) };
    out
}

/// `origin`.
pub(crate) fn origin() -> [u8; 32] {
    let mut out = [0u8; 32];
    // SAFETY: the host writes 32 bytes into this 32-byte buffer.
    unsafe { raw::origin(ptr_mut(&mut out)) };
    out
}

/// `address`.
pub(crate) fn address() -> [u8; 32] {
    let mut out = [0u8; 32];
    // SAFETY: the host writes 32 bytes into this 32-byte buffer.
    unsafe { raw::address(ptr_mut(&mut out)) };
    out
}

/// `block_height`.
pub(crate) fn block_height() -> u64 {
    // SAFETY: no memory is involved.
    unsafe { raw::block_height() as u64 }
}

/// `block_time`.
pub(crate) fn block_time() -> u64 {
    // SAFETY: no memory is involved.
    unsafe { raw::block_time() as u64 }
}

/// `chain_id`.
pub(crate) fn chain_id() -> u64 {
    // SAFETY: no memory is involved.
    unsafe { raw::chain_id() as u64 }
}

/// `gas_left`.
pub(crate) fn gas_left() -> u64 {
    // SAFETY: no memory is involved.
    unsafe { raw::gas_left() as u64 }
}

/// `input` into `out`.
pub(crate) fn input(out: &mut Vec<u8>, guess: usize) {
    read_into(out, guess, |out_ptr, out_cap| {
        // SAFETY: the output range is the spare capacity of `out`.
        i64::from(unsafe { raw::input(out_ptr, out_cap) })
    });
}

/// `set_return_data`.
pub(crate) fn set_return_data(data: &[u8]) {
    // SAFETY: a live slice, only read.
    unsafe { raw::set_return_data(ptr(data), len(data)) }
}

/// `return_data` into `out`.
pub(crate) fn return_data(out: &mut Vec<u8>, guess: usize) {
    read_into(out, guess, |out_ptr, out_cap| {
        // SAFETY: the output range is the spare capacity of `out`.
        i64::from(unsafe { raw::return_data(out_ptr, out_cap) })
    });
}

/// `call`: 0 or a negative `CallStatus` code.
pub(crate) fn call(address: &[u8; 32], input: &[u8], gas_limit: u64) -> i32 {
    // SAFETY: live buffers, only read.
    unsafe { raw::call(ptr(address), ptr(input), len(input), gas_limit) }
}

/// `abort`: does not return.
pub(crate) fn abort(message: &[u8]) -> ! {
    // SAFETY: a live slice, only read.
    unsafe { raw::abort(ptr(message), len(message)) };
    // The host ends the call inside `abort`; this is never reached.
    unreachable_after_abort()
}

#[cfg(target_arch = "wasm32")]
fn unreachable_after_abort() -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(not(target_arch = "wasm32"))]
fn unreachable_after_abort() -> ! {
    unreachable!("the host's abort does not return")
}

/// `log`.
pub(crate) fn log(message: &[u8]) {
    // SAFETY: a live slice, only read.
    unsafe { raw::log(ptr(message), len(message)) }
}

/// `sha256`.
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    // SAFETY: `data` is only read; the host writes 32 bytes into `out`.
    unsafe { raw::sha256(ptr(data), len(data), ptr_mut(&mut out)) };
    out
}

/// `secp256k1_verify`: 1, 0 or minus a crypto error code.
pub(crate) fn secp256k1_verify(hash: &[u8], signature: &[u8], public_key: &[u8]) -> i32 {
    // SAFETY: live slices, only read.
    unsafe {
        raw::secp256k1_verify(
            ptr(hash),
            len(hash),
            ptr(signature),
            len(signature),
            ptr(public_key),
            len(public_key),
        )
    }
}

/// `secp256k1_recover`: 0 or minus a crypto error code.
pub(crate) fn secp256k1_recover(
    hash: &[u8],
    signature: &[u8],
    recovery_id: u8,
    out: &mut [u8; 33],
) -> i32 {
    // SAFETY: `hash` and `signature` are only read; the host writes 33
    // bytes into `out` on success.
    unsafe {
        raw::secp256k1_recover(
            ptr(hash),
            len(hash),
            ptr(signature),
            len(signature),
            u32::from(recovery_id),
            ptr_mut(out),
        )
    }
}
