//! Run-time limits of the host API: sizes and counts a contract cannot
//! exceed, whatever gas it has.
//!
//! Gas already bounds the work a call can do; these limits bound what a
//! single call or transaction can put into state and receipts (which every
//! node keeps) and what the host holds in memory at once. They are
//! consensus rules: changing one changes which calls succeed. [`LIMITS`]
//! gives each value's reason and the values peers chose for the same
//! quantity, as "EVM / CosmWasm / NEAR / Soroban / pallet-contracts" where
//! each applies; `docs/host-api.md` shows the same table.

/// Longest storage key, in bytes, as the contract sees it (the host puts
/// the contract's 32-byte address in front). Keys are at least 1 byte.
pub const MAX_KEY_LEN: u32 = 256;

/// Longest storage value, in bytes.
pub const MAX_VALUE_LEN: u32 = 64 * 1024;

/// Largest call input (transaction or cross-contract), in bytes.
pub const MAX_INPUT_LEN: u32 = 64 * 1024;

/// Largest return data, in bytes.
pub const MAX_RETURN_DATA_LEN: u32 = 64 * 1024;

/// Most topics of one event.
pub const MAX_TOPICS: u32 = 4;

/// Longest topic, in bytes.
pub const MAX_TOPIC_LEN: u32 = 64;

/// Longest event data, in bytes.
pub const MAX_EVENT_DATA_LEN: u32 = 4 * 1024;

/// Most events per transaction (events of calls that failed and were
/// rolled back do not count).
pub const MAX_EVENTS: u32 = 64;

/// Most contracts on the call stack at once, the transaction's contract
/// included.
pub const MAX_CALL_DEPTH: u32 = 16;

/// Longest `abort` or `log` message kept, in bytes (debug only).
pub const MAX_MESSAGE_LEN: u32 = 1024;

/// Most `log` messages kept per transaction (debug only).
pub const MAX_LOGS: u32 = 256;

/// One limit, for the docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The constant's name.
    pub name: &'static str,
    /// Its value.
    pub value: u32,
    /// What it bounds.
    pub bounds: &'static str,
    /// Why this value, and the peers' values.
    pub reason: &'static str,
}

/// Every limit, with its reason and the peers' values.
pub const LIMITS: &[Limit] = &[
    Limit {
        name: "MAX_KEY_LEN",
        value: MAX_KEY_LEN,
        bounds: "bytes of a storage key, without the 32-byte namespace (keys are 1 byte or more)",
        reason: "Room for composite keys (a prefix, two addresses, an index); key bytes are \
                 hashed and compared on every lookup, so they stay short. Peers: EVM 32 \
                 (fixed) / CosmWasm 64 KiB / NEAR 2 KiB / Soroban about 250 bytes of encoded \
                 key / pallet-contracts 128.",
    },
    Limit {
        name: "MAX_VALUE_LEN",
        value: MAX_VALUE_LEN,
        bounds: "bytes of a storage value",
        reason: "Holds any record a contract stores together, and bounds the host memory one \
                 read or write needs; a whole table does not belong in one value. Peers: EVM \
                 32 (fixed) / CosmWasm 128 KiB / NEAR 4 MiB / Soroban 64 KiB per ledger \
                 entry / pallet-contracts 16 KiB.",
    },
    Limit {
        name: "MAX_INPUT_LEN",
        value: MAX_INPUT_LEN,
        bounds: "bytes of a call's input (transaction or cross-contract)",
        reason: "Inputs are borsh-encoded arguments, not data blobs. Peers: EVM none (gas) / \
                 NEAR 4 MiB / Soroban about 100 KiB (transaction size) / CosmWasm and \
                 pallet-contracts none below the transaction or block size.",
    },
    Limit {
        name: "MAX_RETURN_DATA_LEN",
        value: MAX_RETURN_DATA_LEN,
        bounds: "bytes of return data",
        reason: "Symmetric with the input: return data goes into the caller's memory or the \
                 receipt. Peers: EVM none (gas) / NEAR 4 MiB / pallet-contracts 16 KiB.",
    },
    Limit {
        name: "MAX_TOPICS",
        value: MAX_TOPICS,
        bounds: "topics of one event",
        reason: "Topics are what indexers filter on: an event name and three indexed fields. \
                 Peers: EVM 4 / pallet-contracts 4 / Soroban none (size-bounded).",
    },
    Limit {
        name: "MAX_TOPIC_LEN",
        value: MAX_TOPIC_LEN,
        bounds: "bytes of one topic",
        reason: "A 32-byte hash or address with room for a short name. Peers: EVM 32 \
                 (fixed) / pallet-contracts 32.",
    },
    Limit {
        name: "MAX_EVENT_DATA_LEN",
        value: MAX_EVENT_DATA_LEN,
        bounds: "bytes of one event's data",
        reason: "Every node keeps receipts; bulky data belongs in storage. Peers: EVM none \
                 (gas) / NEAR 16 KiB of logs per receipt / Soroban 16 KiB of events per \
                 transaction / pallet-contracts 16 KiB.",
    },
    Limit {
        name: "MAX_EVENTS",
        value: MAX_EVENTS,
        bounds: "events kept per transaction (rolled-back ones do not count)",
        reason: "With the sizes above, bounds a receipt's events to about 280 KiB. Peers: \
                 NEAR 100 logs per receipt / Soroban 16 KiB per transaction / EVM none \
                 (gas).",
    },
    Limit {
        name: "MAX_CALL_DEPTH",
        value: MAX_CALL_DEPTH,
        bounds: "contracts on the call stack, the transaction's contract included",
        reason: "Each level holds one native host frame and one instance (its memory and \
                 value stack) until the callee returns, so this bounds both the native \
                 stack and the memory a transaction pins; real chains of calls (router, \
                 pair, token) are three or four deep. Peers: EVM 1,024 (about 340 \
                 reachable under the 63/64 rule) / Soroban 100 host frames / pallet-revive \
                 5 / Solana 4 nested invocations / CosmWasm none within a call \
                 (sub-messages run after the caller returns).",
    },
    Limit {
        name: "MAX_MESSAGE_LEN",
        value: MAX_MESSAGE_LEN,
        bounds: "bytes kept of an abort or log message (debug only)",
        reason: "Enough for a panic message with its location; longer messages are \
                 truncated and charged only for what is kept.",
    },
    Limit {
        name: "MAX_LOGS",
        value: MAX_LOGS,
        bounds: "log messages kept per transaction (debug only)",
        reason: "Bounds the debug part of an outcome; later messages are counted and \
                 dropped, and cost the same gas.",
    },
];
