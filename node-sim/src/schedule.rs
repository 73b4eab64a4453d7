//! The schedule: every rule that decides gas or results, and its hash.
//!
//! A node's outcome for a block depends on the VM's cost table, the
//! instrumenter's limits, the host API's prices and limits, the engine's
//! version and the node's own transaction prices below. The
//! [`schedule_hash`] covers all of them; it is in every block header, a
//! node refuses a block whose header names another schedule. A changed
//! price can never run with code compiled under the old one (CosmWasm's
//! CWA-2024-004 was a cache that outlived a price change): the
//! compiled-module cache (`gasworks_vm::engine::Module::cache_key`) is keyed
//! by the hash of the *instrumented* module, whose bytes embed every
//! instruction price and limit the compiled code depends on, plus the cost
//! table's hash and the engine version; host-function prices are charged by
//! the host at run time and are never compiled in. The cache lives in the
//! node's memory only, and stored code is instrumented again when a node
//! starts.
//!
//! The prices here follow the host API's convention: one gas unit is about
//! one nanosecond of a node's work on the reference machine (measured in
//! `docs/performance.md`, "Host prices": about 0.5 ns per gas in wasm).

use std::sync::OnceLock;

use crate::hash::{Hash, tagged_hash};

/// Charged for every transaction that gets past the checks (signature,
/// nonce, fee): one secp256k1 verification (the host API prices one at
/// 100,000, for 50-100 µs measured with k256) plus reading and writing the
/// sender's account (a `storage_write` is 20,000).
pub const TX_BASE_GAS: u64 = 120_000;
/// Charged per byte of the encoded transaction: the block keeps it forever
/// on every node (as `storage_write`'s 50 per byte, for the same reason).
pub const TX_BYTE_GAS: u64 = 50;
/// A native transfer's own work: reading and writing the receiver's
/// account (one `storage_write`).
pub const TRANSFER_GAS: u64 = 20_000;
/// A deployment's fixed work: hashing the code, storing the contract's
/// record, instantiating it once to check it.
pub const DEPLOY_BASE_GAS: u64 = 100_000;
/// Per byte of code deployed: instrumenting and compiling it. Measured
/// (`deploy_throughput` in `benches/benches/node.rs`, docs/performance.md
/// "Node simulator"): 37-58 ns per byte on the example contracts, 25-65 on
/// the large adversarial shapes of the linearity benchmark; 100 gas per
/// byte covers them 1.5-4x at the host API's 1 ns per gas. The shape with
/// the most work per uploaded byte, many tiny functions, is paid for by
/// [`DEPLOY_GAS_PER_FUNCTION`].
pub const DEPLOY_GAS_PER_BYTE: u64 = 100;
/// Per function the module declares (its function section's count, read
/// before anything is instrumented): the instrumenter and the compiler have
/// a fixed cost per function (prologue, stack accounting, the validator's
/// setup), measured at 0.9-1.4 µs per function on a module of 10,000
/// three-byte functions (220-345 ns per uploaded byte, which the per-byte
/// price alone under-charged 2-3x). 1,500 gas per function covers it
/// 1.4-2.2x and adds 5-7% to the examples' deployments (78-129 functions).
pub const DEPLOY_GAS_PER_FUNCTION: u64 = 1_500;
/// Per function type the module declares (its type section's count, read
/// before anything is instrumented): validating, instrumenting and
/// compiling cost about 4 µs per declared type (the calibration's
/// `deploy.many-types`: 998 types of 10 parameters in 13 KB, 3.9 ms on a
/// quiet machine, 9.5 ms under load), which the per-byte price (13 bytes,
/// 1,300 gas a type) covered 3.7-4.2x too little against plain code. 3,000
/// gas per type brings that case to about 1.2x the plain median and adds
/// well under 1% to the examples' deployments (a few dozen types each).
pub const DEPLOY_GAS_PER_TYPE: u64 = 3_000;
/// Per byte of code stored, when the code is new (code is stored once per
/// hash): the same per-byte price as `storage_write`.
pub const CODE_STORAGE_GAS_PER_BYTE: u64 = 50;
/// Per byte a successful transaction's receipt keeps (its return data, and
/// each event's 32-byte contract address, topics and data), charged after
/// the body ran, from the gas it had left: every node keeps receipts,
/// forever and in the block being executed until its commit, so a byte of
/// receipt costs what a byte of transaction costs ([`TX_BYTE_GAS`]) and a
/// byte of storage (`storage_write`'s 50). Without it a block held up to
/// 20,000 receipts of 64 KiB of return data (1 gas per byte: 1.3 GB), or
/// 400 MB of event bytes (10 gas per byte at emission) under a 4,000,000,000
/// block gas limit; with it, at most `block gas limit / 50` (80 MB). When
/// the gas left does not cover it, the body fails out of gas.
pub const RECEIPT_BYTE_GAS: u64 = 50;
/// The most transactions one block may hold (rejected ones count: they
/// cost a signature check or a decode each).
pub const MAX_BLOCK_TXS: usize = 20_000;

/// The most bytes of transactions one block may hold: bounds what a node
/// decodes, hashes and stores per block (about 110 of the largest
/// deployments).
pub const MAX_BLOCK_BYTES: usize = 64 * 1024 * 1024;

/// Version of the node's own rules (transaction format, prices above, state
/// layout); bump it with any change to them.
pub const NODE_RULES_VERSION: &str = "gasworks-node rules v2";

/// The canonical text the schedule hash is taken over (for people and for
/// the docs: everything that changes gas or results, one item a line).
pub fn canonical_schedule() -> String {
    let limits = gasworks_vm::limits::Limits::CONSENSUS;
    format!(
        "{NODE_RULES_VERSION}\n\
         engine: {}\n\
         cost table: {}\n\
         host api: {}\n\
         vm limits: {limits:?}\n\
         tx base gas: {TX_BASE_GAS}\n\
         tx byte gas: {TX_BYTE_GAS}\n\
         transfer gas: {TRANSFER_GAS}\n\
         deploy base gas: {DEPLOY_BASE_GAS}\n\
         deploy gas per byte: {DEPLOY_GAS_PER_BYTE}\n\
         deploy gas per function: {DEPLOY_GAS_PER_FUNCTION}\n\
         deploy gas per type: {DEPLOY_GAS_PER_TYPE}\n\
         code storage gas per byte: {CODE_STORAGE_GAS_PER_BYTE}\n\
         receipt byte gas: {RECEIPT_BYTE_GAS}\n\
         max block txs: {MAX_BLOCK_TXS}\n\
         max block bytes: {MAX_BLOCK_BYTES}\n\
         max tx bytes: {}\n",
        gasworks_vm::engine::ENGINE_VERSION,
        gasworks_vm::instrument::cost::cost_table_hash(),
        gasworks_host_api::manifest_hash(),
        crate::tx::MAX_TX_BYTES,
    )
}

/// The schedule's hash (computed once per process).
pub fn schedule_hash() -> Hash {
    static HASH: OnceLock<Hash> = OnceLock::new();
    *HASH.get_or_init(|| tagged_hash(b"gasworks/schedule/v1", &[canonical_schedule().as_bytes()]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_names_every_part() {
        let text = canonical_schedule();
        for part in [
            "engine: ",
            "cost table: ",
            "host api: ",
            "vm limits: ",
            "tx base gas: ",
        ] {
            assert!(text.contains(part), "{part} missing from\n{text}");
        }
        assert_eq!(schedule_hash(), schedule_hash());
    }
}
