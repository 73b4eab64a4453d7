//! The Gasworks contract ABI: what the host and a contract must agree on
//! byte for byte, in one place.
//!
//! The host API (`gasworks-host-api`, which runs on nodes) and the contract
//! SDK (`gasworks-sdk`, which is compiled into every contract) both depend
//! on this crate instead of each defining its own copy, so the two cannot
//! drift apart: a renumbered code or a new status is one edit here, and
//! every `match` over these enums on either side stops compiling until it
//! handles it.
//!
//! - [`Address`]: the 32-byte address of an account or a contract, its
//!   borsh encoding and its printed form.
//! - [`CallStatus`]: what the `call` host function returns.
//! - [`CryptoError`]: what the signature host functions return, negated.
//! - [`NOT_FOUND`]: what `storage_read` returns for an absent key.
//!
//! The codes are consensus data: a contract's next instructions see them.
//! A code never changes meaning; new ones are added at the end.
//!
//! `no_std`, no allocation, no dependency but `borsh` (without its `std`
//! feature): contracts build it for `wasm32-unknown-unknown`.

#![no_std]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod address;
mod codes;

pub use address::Address;
pub use codes::{CallStatus, CryptoError, NOT_FOUND};
