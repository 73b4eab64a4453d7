//! The Gasworks node simulator: signed transactions in blocks, replayed by
//! several nodes with their own state, which must agree on every state root.
//!
//! The node-simulator issue fills it; for now it fixes the crate's place in
//! the workspace.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
