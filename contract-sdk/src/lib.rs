//! The Gasworks contract SDK: what contract authors depend on.
//!
//! `no_std` + `alloc`, built for `wasm32-unknown-unknown`. The SDK issue fills
//! it (entry-point macro, borsh arguments, typed storage, events, crypto,
//! context and cross-contract calls); for now it fixes the crate's place in
//! the workspace.

#![no_std]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
