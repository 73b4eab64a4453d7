//! The Gasworks chain: signed transactions in blocks, executed by nodes
//! that each keep their own RocksDB with an authenticated state root, and
//! replayed by several nodes that must agree on every root.
//!
//! The parts, in the order a block meets them:
//! - [`tx`]: transactions, signing (secp256k1 through the host API's
//!   crypto), addresses, decoding with size limits.
//! - [`block`], [`receipt`], [`hash`]: headers, genesis, receipts (kinds
//!   and codes only; messages beside them), Merkle roots.
//! - [`schedule`]: every rule that changes gas or results, and its hash,
//!   which every header carries.
//! - [`exec`]: the deterministic core that runs a block's transactions over
//!   committed state.
//! - [`state`]: the state store trait and its RocksDB + Jellyfish Merkle
//!   Tree implementation; proofs.
//! - [`chain`]: the block-execution core shaped for ABCI 2.0 (execute,
//!   commit, info, recovery).
//! - [`node`]: a node's data directory and applying a chain file to it.
//! - [`chainfile`]: the chain file format; [`generate`]: the generator.
//! - [`replay`]: N nodes under different conditions, the divergence finder
//!   and repro bundles.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod block;
pub mod chain;
pub mod chainfile;
pub mod exec;
pub mod generate;
pub mod hash;
pub mod node;
pub mod receipt;
pub mod replay;
pub mod schedule;
pub mod state;
pub mod tx;

pub use gasworks_host_api::Address;
