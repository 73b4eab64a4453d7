//! The Gasworks contract SDK: what contract authors depend on.
//!
//! A contract is a `no_std` crate of type `cdylib`, built with
//! `cargo build --target wasm32-unknown-unknown --release`, that declares
//! its methods with [`contract`]:
//!
//! ```ignore
//! #![no_std]
//! use gasworks_sdk::{contract, storage::Item};
//!
//! const COUNT: Item<u64> = Item::new(b"count");
//!
//! pub struct Counter;
//!
//! #[contract]
//! impl Counter {
//!     /// Adds `by` and returns the new count.
//!     pub fn increment(by: u64) -> u64 {
//!         let count = COUNT.get().unwrap_or(0).checked_add(by).expect("counter overflow");
//!         COUNT.set(&count);
//!         count
//!     }
//! }
//! ```
//!
//! # How a call reaches a method
//!
//! The host runs the module's one export, `execute` (see the host API's
//! decisions in `docs/host-api.md`). The [`contract`] macro generates it:
//! it reads the input, which is borsh of `(method name, arguments)` (the
//! name as a borsh string, then each argument in order, as borsh encodes a
//! tuple; [`call::encode_input`] builds it), runs the `pub fn` of that name,
//! and sets the borsh encoding of its result as the return data. A method
//! that returns `Result<T, E>` fails the call on `Err` (see [`contract`]).
//! A failed call (panic, [`env::abort`], a failed [`require!`], a trap) is
//! rolled back: its writes and events are dropped.
//!
//! # What is here
//!
//! - [`contract`], [`Event`](macro@Event): the macros. `#[contract]` also
//!   generates a typed reference, `NameRef`, whose methods return a
//!   [`call::Call`] (run it with [`call::Call::invoke`] from another
//!   contract, or with `TestChain::invoke` in a test).
//! - [`storage`]: typed single values ([`storage::Item`]) and maps with
//!   ordered iteration ([`storage::Map`], keys through
//!   [`storage::StorageKey`]), and the raw key-value functions.
//! - [`events`]: typed events ([`events::Event`], [`events::emit`]), read
//!   back with [`events::Event::decode`].
//! - [`env`](mod@env): the context (caller, origin, own address, block, chain id,
//!   gas left, input, return data), `log` and `abort`.
//! - [`call`]: cross-contract calls with typed arguments and results.
//! - [`crypto`]: SHA-256, secp256k1 verification and public-key recovery.
//! - [`Address`]: 32-byte account and contract addresses, and the codes
//!   host functions return: from [`abi`] (`gasworks-abi`), the crate the
//!   host API uses too, so that the two sides cannot disagree.
//! - On wasm32, a panic handler that aborts with the panic's message and
//!   location (feature `panic-handler`), and a bump allocator (feature
//!   `allocator`); both on by default.
//!
//! Outside wasm32 the SDK builds too (its docs, the pure parts such as key
//! encodings, and the types the test harness shares), but every host
//! function panics there: contracts are tested in the real VM with the
//! `gasworks-sdk-testing` crate.

#![no_std]
#![deny(missing_docs)]
// `unsafe` is confined to `sys` (the host imports) and `heap` (the global
// allocator), each allowing it locally, with a SAFETY comment per block.
#![deny(unsafe_code)]

extern crate alloc;

pub mod call;
pub mod crypto;
pub mod env;
pub mod events;
pub mod heap;
mod panic;
pub mod storage;
pub mod sys;

#[doc(hidden)]
pub mod __private;

pub use borsh;
pub use events::Event;
pub use gasworks_abi as abi;
pub use gasworks_abi::Address;
pub use gasworks_sdk_macros::{Event, contract};
pub use panic::{MESSAGE_CAPACITY, format_panic};

/// Fails the call with `message` unless `condition` holds: the call is
/// rolled back and the outcome's debug part holds the message and the
/// source location, as for a panic.
///
/// ```ignore
/// require!(amount <= balance, "insufficient balance");
/// ```
#[macro_export]
macro_rules! require {
    ($condition:expr, $($message:tt)+) => {
        if !$condition {
            ::core::panic!($($message)+);
        }
    };
}
