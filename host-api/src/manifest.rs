//! The manifest: every function a contract may import, or that the VM
//! reserves, with its signature, cost model and documentation.
//!
//! It is the one source for the instrumenter's import check
//! ([`crate::allowed_imports`]), the linker ([`crate::linker`], one
//! registration loop over the entries), `docs/host-api.md`
//! ([`crate::docs::render`]) and the SDK's bindings
//! ([`crate::docs::render_sdk_externs`]).
//!
//! # Prices
//!
//! All host-function prices are in this file, in gas units of the
//! instruction cost table (`docs/gas.md`): a simple instruction costs 1, and
//! the executor runs simple instructions at roughly one to three nanoseconds
//! each, so one gas is taken to be about one nanosecond of work on the
//! reference machine. Each price below states what it was derived from.
//! They are first estimates by reasoning, deliberately on the safe side;
//! the gas-audit issue calibrates them by measurement. Every function's
//! charge is `base + per_byte * bytes + per_item * items`, with `bytes` and
//! `items` defined per function; the integration tests check each formula
//! exactly against the gas a contract observes.

use gasworks_vm::instrument::{GAS_FUNCTION, METERING_MODULE, STACK_EXHAUSTED_FUNCTION, ValType};
use gasworks_vm::trap::TrapKind;

use crate::HostTrap;

/// The import module of every host function.
pub const HOST_MODULE: &str = "host";

/// Who provides an entry of the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// Injected by the instrumenter; uploaded modules may not import it.
    Metering,
    /// Implemented by the host; uploaded modules may import it.
    Host,
}

/// A host function's price: `base + per_byte * bytes + per_item * items`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    /// Charged first, before any argument is looked at.
    pub base: u64,
    /// Charged per byte of [`Cost::bytes`].
    pub per_byte: u64,
    /// Which bytes are counted, and when they are charged.
    pub bytes: &'static str,
    /// Charged per item of [`Cost::item`].
    pub per_item: u64,
    /// What an item is, and when it is charged.
    pub item: &'static str,
    /// How the price was chosen.
    pub rationale: &'static str,
}

impl Cost {
    /// No charge (the metering entries, whose work is the charge itself).
    pub const FREE: Cost = Cost {
        base: 0,
        per_byte: 0,
        bytes: "",
        per_item: 0,
        item: "",
        rationale: "",
    };

    /// The gas for `bytes` bytes and `items` items (saturating; no real
    /// argument comes near).
    pub const fn total(&self, bytes: u64, items: u64) -> u64 {
        self.base
            .saturating_add(self.per_byte.saturating_mul(bytes))
            .saturating_add(self.per_item.saturating_mul(items))
    }

    /// The per-byte part for `bytes` bytes.
    pub const fn bytes_cost(&self, bytes: u64) -> u64 {
        self.per_byte.saturating_mul(bytes)
    }

    /// The per-item part for `items` items.
    pub const fn items_cost(&self, items: u64) -> u64 {
        self.per_item.saturating_mul(items)
    }
}

/// One entry of the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManifestEntry {
    /// Import module name.
    pub module: &'static str,
    /// Import field name.
    pub name: &'static str,
    /// Parameter types.
    pub params: &'static [ValType],
    /// Parameter names, one per parameter (docs and SDK bindings).
    pub param_names: &'static [&'static str],
    /// Result types.
    pub results: &'static [ValType],
    /// Who provides it.
    pub provider: Provider,
    /// What it does, for `docs/host-api.md`.
    pub doc: &'static str,
    /// What it returns (values and codes).
    pub returns: &'static str,
    /// The traps it raises besides out-of-gas (which every charge may
    /// raise).
    pub traps: &'static [TrapKind],
    /// Its price.
    pub cost: Cost,
}

impl ManifestEntry {
    /// The entry's import as the instrumenter checks it.
    pub fn import(&self) -> gasworks_vm::HostImport {
        gasworks_vm::HostImport {
            module: self.module,
            name: self.name,
            params: self.params,
            results: self.results,
        }
    }
}

const I32: ValType = ValType::I32;
const I64: ValType = ValType::I64;
const OOB: TrapKind = TrapKind::MemoryOutOfBounds;

/// Every host call: dispatch (measured at 18-20 ns per call in
/// docs/performance.md), the context lookup and the argument checks; about
/// five times the measured dispatch.
const HOST_BASE: u64 = 100;

/// Per byte moved between the contract's memory and the host: the same as
/// `memory.copy`'s per-byte price.
const COPY_BYTE: u64 = 1;

/// The price of `call`, also charged for a transaction's entry into its
/// contract (the same work: a frame, an instance, the input copy).
pub const CALL_COST: Cost = Cost {
    base: 50_000,
    per_byte: COPY_BYTE,
    bytes: "input_len, charged before the input is read",
    per_item: 8_192,
    item: "initial memory page of the callee, charged after the callee is found and before it \
           is instantiated (with 1 gas, CALL_TABLE_ELEMENT_GAS, per initial table element of \
           the callee)",
    rationale: "docs/performance.md measures instantiation at 11.7 us (16 pages) to 53.9 us (81 \
                pages): about 0.65 us per page (zeroing the linear memory) and about 1.3 us \
                fixed; the value stack is lent from a per-thread pool, no longer allocated \
                and zeroed per instance. The base was set when the fixed part was 16 us \
                (three times it, for the frame, the overlay and the refusal checks too) and \
                is kept: a price changes only with a calibration beside it. A page was 4,096 \
                until linear memories were pooled per thread: a pooled memory is zeroed in \
                full where a fresh one was lazily zeroed, and a 458-page memory (29 MiB, past \
                the caches) took about 8 us a page, 3.4x the plain median (adversarial search, \
                gas-audit/corpus/instantiate-large-memory.wat); 8,192 puts it under 2x. \
                memory.grow charges more per page (65,536: a growth may reallocate and copy). \
                The callee's own gas is charged to the caller as the callee uses it, on top \
                of this.",
};

/// Gas per initial table element of a contract, charged on every entry
/// (a transaction's or a `call`'s) with [`CALL_COST`]'s per-page charge:
/// instantiation allocates and fills every table (8 bytes an element, up
/// to 8 tables of 10,000 elements: 640 KiB), which the per-page charge
/// did not see. The same as `table.grow` charges per element, so that
/// declaring a table up front and growing it cost the same (as for memory
/// pages).
pub const CALL_TABLE_ELEMENT_GAS: u64 = 1;

/// Every importable or reserved function.
pub const MANIFEST: &[ManifestEntry] = &[
    ManifestEntry {
        module: METERING_MODULE,
        name: GAS_FUNCTION,
        params: &[I64],
        param_names: &["amount"],
        results: &[],
        provider: Provider::Metering,
        doc: "Charges gas: subtracts the argument (unsigned) from the gas left; \
              traps with out-of-gas, consuming all gas, when it exceeds what is left.",
        returns: "nothing",
        traps: &[TrapKind::OutOfGas],
        cost: Cost::FREE,
    },
    ManifestEntry {
        module: METERING_MODULE,
        name: STACK_EXHAUSTED_FUNCTION,
        params: &[],
        param_names: &[],
        results: &[],
        provider: Provider::Metering,
        doc: "Traps with stack-exhausted; called by the injected stack prologue.",
        returns: "does not return",
        traps: &[TrapKind::StackExhausted],
        cost: Cost::FREE,
    },
    // Storage.
    ManifestEntry {
        module: HOST_MODULE,
        name: "storage_read",
        params: &[I32, I32, I32, I32],
        param_names: &["key_ptr", "key_len", "value_ptr", "value_cap"],
        results: &[I32],
        provider: Provider::Host,
        doc: "Reads the value stored under the key (in the running contract's namespace). \
              Copies the first `min(length, value_cap)` bytes of the value to `value_ptr`; \
              a caller that gets a length above `value_cap` may read again with a larger \
              buffer.",
        returns: "the value's full length, or -1 (`NOT_FOUND`) when the key has no value",
        traps: &[HostTrap::KeyLength.kind(), OOB],
        cost: Cost {
            base: 10_000,
            per_byte: 5,
            bytes: "key_len (charged before the key is read) + the value's full length \
                    (charged after the lookup, before the copy)",
            per_item: 0,
            item: "",
            rationale: "A lookup that misses every cache is a disk read of 10-100 us; with \
                        state mostly cached (the simulator's case) a few us. NEAR charges \
                        about 56 us base, 31 ns per key byte and 6 ns per value byte. 10,000 \
                        covers a warm read with margin; per byte covers hashing the key and \
                        moving the value.",
        },
    },
    ManifestEntry {
        module: HOST_MODULE,
        name: "storage_write",
        params: &[I32, I32, I32, I32],
        param_names: &["key_ptr", "key_len", "value_ptr", "value_len"],
        results: &[],
        provider: Provider::Host,
        doc: "Stores the value under the key (in the running contract's namespace), \
              replacing any previous value. The write is part of the running call's \
              overlay until the transaction ends: rolled back if the call fails.",
        returns: "nothing",
        traps: &[
            HostTrap::KeyLength.kind(),
            HostTrap::ValueTooLarge.kind(),
            OOB,
        ],
        cost: Cost {
            base: 20_000,
            per_byte: 50,
            bytes: "key_len + value_len, charged before either is read",
            per_item: 0,
            item: "",
            rationale: "A write is paid once but kept by every node: the commit, the state \
                        root update and the storage itself. There is no state rent, so the \
                        per-byte price is the only brake on state growth (EVM: 20,000 gas \
                        for a new 32-byte slot, about 6,700 additions). It also covers \
                        merging the write into each caller's overlay on success, at most \
                        MAX_CALL_DEPTH times.",
        },
    },
    ManifestEntry {
        module: HOST_MODULE,
        name: "storage_remove",
        params: &[I32, I32],
        param_names: &["key_ptr", "key_len"],
        results: &[],
        provider: Provider::Host,
        doc: "Removes the key's value (in the running contract's namespace); removing an \
              absent key is allowed and still recorded as a removal in the change set.",
        returns: "nothing (no lookup is made, so it does not say whether a value existed; \
                  use storage_has)",
        traps: &[HostTrap::KeyLength.kind(), OOB],
        cost: Cost {
            base: 40_000,
            per_byte: 5,
            bytes: "key_len, charged before the key is read",
            per_item: 0,
            item: "",
            rationale: "A removal of a stored key, committed, costs more than a write: the \
                        state tree's delete merges and rehashes nodes. Calibrated \
                        (docs/gas-calibration.md, host.storage_remove.hit): at 20,000, 2.6-3.8x \
                        the plain median per gas in wall time and 4.75x in instructions; \
                        40,000 halves both. It frees state, so it is not charged per byte \
                        like a write.",
        },
    },
    ManifestEntry {
        module: HOST_MODULE,
        name: "storage_has",
        params: &[I32, I32],
        param_names: &["key_ptr", "key_len"],
        results: &[I32],
        provider: Provider::Host,
        doc: "Whether the key has a value (in the running contract's namespace).",
        returns: "1 when the key has a value, 0 when it has none",
        traps: &[HostTrap::KeyLength.kind(), OOB],
        cost: Cost {
            base: 10_000,
            per_byte: 5,
            bytes: "key_len, charged before the key is read",
            per_item: 0,
            item: "",
            rationale: "A lookup, as storage_read, without the copy.",
        },
    },
    ManifestEntry {
        module: HOST_MODULE,
        name: "storage_scan",
        params: &[I32, I32, I32, I32, I32, I32, I32],
        param_names: &[
            "prefix_ptr",
            "prefix_len",
            "after_ptr",
            "after_len",
            "limit",
            "out_ptr",
            "out_cap",
        ],
        results: &[I64],
        provider: Provider::Host,
        doc: "Lists the entries whose keys start with the prefix, in ascending key order \
              (bytewise), starting after the key `after` (exclusive; `after_len` = 0 starts \
              at the prefix; keys are never empty). At most `limit` entries are written to \
              `out_ptr`, each as `key_len: u32 LE, key, value_len: u32 LE, value` (keys \
              without the namespace), while they fit in `out_cap` bytes; an entry that does \
              not fit is not written. To continue, call again with `after` = the last key \
              written. The scan sees the running call's own writes and removals.",
        returns: "an i64: the low 32 bits are the number of entries written; the high 32 \
                  bits are the encoded size of the next entry (8 + key length + value \
                  length), or 0 when no entry is left. `limit` = 0 or a small `out_cap` thus \
                  probes the next entry's size.",
        traps: &[HostTrap::KeyLength.kind(), OOB],
        cost: Cost {
            base: 10_000,
            per_byte: 5,
            bytes: "prefix_len + after_len (charged before they are read) + the bytes written \
                    to out (charged per entry before it is written)",
            per_item: 1_000,
            item: "step of the merged scan, charged before the step: one per distinct key \
                   of the range in the backend and the overlays (visible, or hidden by a \
                   removal; the entry that ends the batch included), plus the final step \
                   that finds no more keys",
            rationale: "The base is a seek (as a lookup); each further key is an iterator \
                        step, cheaper than a seek. Charging hidden keys closes the hole of \
                        removing many keys once and scanning over them many times.",
        },
    },
    // Events.
    ManifestEntry {
        module: HOST_MODULE,
        name: "emit_event",
        params: &[I32, I32, I32, I32],
        param_names: &["topics_ptr", "topics_len", "data_ptr", "data_len"],
        results: &[],
        provider: Provider::Host,
        doc: "Emits an event. The topics are a borsh `Vec<Vec<u8>>` (u32 LE count, then for \
              each topic a u32 LE length and its bytes) that must end exactly at \
              `topics_len`. Events are kept in order in the receipt, and rolled back with \
              the call that emitted them.",
        returns: "nothing",
        traps: &[
            HostTrap::TooManyEvents.kind(),
            HostTrap::EventDataTooLarge.kind(),
            HostTrap::TooManyTopics.kind(),
            HostTrap::TopicTooLarge.kind(),
            HostTrap::MalformedTopics.kind(),
            OOB,
        ],
        cost: Cost {
            base: 2_000,
            per_byte: 10,
            bytes: "topics_len + data_len, charged before either is read",
            per_item: 0,
            item: "",
            rationale: "Every node keeps receipts, so event bytes are priced well above a \
                        copy (EVM: 8 gas per byte of log data against 3 for an addition); \
                        the base covers the receipt entry and the topic parsing.",
        },
    },
    // Context.
    ManifestEntry {
        module: HOST_MODULE,
        name: "caller",
        params: &[I32],
        param_names: &["out_ptr"],
        results: &[],
        provider: Provider::Host,
        doc: "Writes the 32-byte address of the caller: the calling contract, or the \
              transaction's origin for the transaction's contract.",
        returns: "nothing",
        traps: &[OOB],
        cost: Cost {
            base: HOST_BASE,
            per_byte: 0,
            bytes: "",
            per_item: 0,
            item: "",
            rationale: "A host call (about 20 ns measured) and a fixed 32-byte copy.",
        },
    },
    ManifestEntry {
        module: HOST_MODULE,
        name: "origin",
        params: &[I32],
        param_names: &["out_ptr"],
        results: &[],
        provider: Provider::Host,
        doc: "Writes the 32-byte address of the account that signed the transaction.",
        returns: "nothing",
        traps: &[OOB],
        cost: Cost {
            base: HOST_BASE,
            per_byte: 0,
            bytes: "",
            per_item: 0,
            item: "",
            rationale: "A host call (about 20 ns measured) and a fixed 32-byte copy.",
        },
    },
    ManifestEntry {
        module: HOST_MODULE,
        name: "address",
        params: &[I32],
        param_names: &["out_ptr"],
        results: &[],
        provider: Provider::Host,
        doc: "Writes the running contract's own 32-byte address.",
        returns: "nothing",
        traps: &[OOB],
        cost: Cost {
            base: HOST_BASE,
            per_byte: 0,
            bytes: "",
            per_item: 0,
            item: "",
            rationale: "A host call (about 20 ns measured) and a fixed 32-byte copy.",
        },
    },
    ManifestEntry {
        module: HOST_MODULE,
        name: "block_height",
        params: &[],
        param_names: &[],
        results: &[I64],
        provider: Provider::Host,
        doc: "The block's height.",
        returns: "the height (unsigned)",
        traps: &[],
        cost: Cost {
            base: HOST_BASE,
            per_byte: 0,
            bytes: "",
            per_item: 0,
            item: "",
            rationale: "A host call (about 20 ns measured).",
        },
    },
    ManifestEntry {
        module: HOST_MODULE,
        name: "block_time",
        params: &[],
        param_names: &[],
        results: &[I64],
        provider: Provider::Host,
        doc: "The block's time in seconds since the Unix epoch, as the block states it \
              (never a clock).",
        returns: "the time (unsigned)",
        traps: &[],
        cost: Cost {
            base: HOST_BASE,
            per_byte: 0,
            bytes: "",
            per_item: 0,
            item: "",
            rationale: "A host call (about 20 ns measured).",
        },
    },
    ManifestEntry {
        module: HOST_MODULE,
        name: "chain_id",
        params: &[],
        param_names: &[],
        results: &[I64],
        provider: Provider::Host,
        doc: "The chain's identifier.",
        returns: "the chain id (unsigned)",
        traps: &[],
        cost: Cost {
            base: HOST_BASE,
            per_byte: 0,
            bytes: "",
            per_item: 0,
            item: "",
            rationale: "A host call (about 20 ns measured).",
        },
    },
    ManifestEntry {
        module: HOST_MODULE,
        name: "input",
        params: &[I32, I32],
        param_names: &["out_ptr", "out_cap"],
        results: &[I32],
        provider: Provider::Host,
        doc: "Copies the first `min(length, out_cap)` bytes of the call's input (borsh \
              encoded arguments) to `out_ptr`; `input(0, 0)` asks for the length alone.",
        returns: "the input's full length",
        traps: &[OOB],
        cost: Cost {
            base: HOST_BASE,
            per_byte: COPY_BYTE,
            bytes: "bytes copied (min(length, out_cap)), charged before the copy",
            per_item: 0,
            item: "",
            rationale: "A host call and a copy.",
        },
    },
    ManifestEntry {
        module: HOST_MODULE,
        name: "gas_left",
        params: &[],
        param_names: &[],
        results: &[I64],
        provider: Provider::Host,
        doc: "The gas left in the running call, after this function's own charge.",
        returns: "the gas left (unsigned)",
        traps: &[],
        cost: Cost {
            base: HOST_BASE,
            per_byte: 0,
            bytes: "",
            per_item: 0,
            item: "",
            rationale: "A host call (about 20 ns measured).",
        },
    },
    ManifestEntry {
        module: HOST_MODULE,
        name: "set_return_data",
        params: &[I32, I32],
        param_names: &["data_ptr", "data_len"],
        results: &[],
        provider: Provider::Host,
        doc: "Sets the running call's return data (replacing what an earlier call of this \
              function set). It reaches the caller when the call succeeds, or the receipt \
              for the transaction's contract; it is discarded when the call fails.",
        returns: "nothing",
        traps: &[HostTrap::ReturnDataTooLarge.kind(), OOB],
        cost: Cost {
            base: HOST_BASE,
            per_byte: COPY_BYTE,
            bytes: "data_len, charged before the data is read",
            per_item: 0,
            item: "",
            rationale: "A host call and a copy; the receipt's size is bounded by \
                        MAX_RETURN_DATA_LEN.",
        },
    },
    ManifestEntry {
        module: HOST_MODULE,
        name: "return_data",
        params: &[I32, I32],
        param_names: &["out_ptr", "out_cap"],
        results: &[I32],
        provider: Provider::Host,
        doc: "Copies the first `min(length, out_cap)` bytes of the return data of the \
              running contract's last cross-contract call (empty before any call and after \
              a failed or refused one).",
        returns: "the return data's full length",
        traps: &[OOB],
        cost: Cost {
            base: HOST_BASE,
            per_byte: COPY_BYTE,
            bytes: "bytes copied (min(length, out_cap)), charged before the copy",
            per_item: 0,
            item: "",
            rationale: "A host call and a copy.",
        },
    },
    // Cross-contract calls.
    ManifestEntry {
        module: HOST_MODULE,
        name: "call",
        params: &[I32, I32, I32, I64],
        param_names: &["address_ptr", "input_ptr", "input_len", "gas_limit"],
        results: &[I32],
        provider: Provider::Host,
        doc: "Calls the contract at the 32-byte address with the input (borsh-encoded \
              arguments), synchronously, and gives it at most `gas_limit` gas (unsigned; \
              capped at the gas left after this function's own charges). The callee's gas \
              use is charged to the caller. The callee's writes and events are kept if it \
              succeeds and rolled back if it fails; either way the caller continues. \
              Refused: a call that would put more than MAX_CALL_DEPTH contracts on the call \
              stack, and a call to a contract already on the call stack (reentrancy).",
        returns: "0 on success, or a negative `CallStatus` code (see below)",
        traps: &[HostTrap::InputTooLarge.kind(), OOB],
        cost: CALL_COST,
    },
    // Abort and debug log.
    ManifestEntry {
        module: HOST_MODULE,
        name: "abort",
        params: &[I32, I32],
        param_names: &["msg_ptr", "msg_len"],
        results: &[],
        provider: Provider::Host,
        doc: "Ends the running call with the abort trap; its writes and events are rolled \
              back. The message (UTF-8, lossily decoded, at most MAX_MESSAGE_LEN bytes \
              kept) appears in the outcome's debug part, never in consensus data.",
        returns: "does not return",
        traps: &[HostTrap::Abort.kind(), OOB],
        cost: Cost {
            base: 1_000,
            per_byte: COPY_BYTE,
            bytes: "bytes kept: min(msg_len, MAX_MESSAGE_LEN), charged before they are read",
            per_item: 0,
            item: "",
            rationale: "A host call, a copy of what is kept, and the unwinding of the call \
                        (the trap, the message recorded, the frame rolled back). Calibrated \
                        (gasworks calibrate, docs/gas-calibration.md): at the plain host \
                        base of 100 an abort took about 440 ns more than a call that \
                        returns, 3.3-6.8x the plain-code median per gas (flagged); 1,000 \
                        puts it near 0.5 ns per gas.",
        },
    },
    ManifestEntry {
        module: HOST_MODULE,
        name: "log",
        params: &[I32, I32],
        param_names: &["msg_ptr", "msg_len"],
        results: &[],
        provider: Provider::Host,
        doc: "Writes a message to the debug log (the outcome's debug part, never consensus \
              data). At most MAX_MESSAGE_LEN bytes of a message and MAX_LOGS messages per \
              transaction are kept; the rest is dropped silently, so logging never changes \
              a call's outcome beyond its gas.",
        returns: "nothing",
        traps: &[OOB],
        cost: Cost {
            base: HOST_BASE,
            per_byte: COPY_BYTE,
            bytes: "bytes kept: min(msg_len, MAX_MESSAGE_LEN), charged before they are read \
                    (also once MAX_LOGS is reached, so that gas does not depend on it)",
            per_item: 0,
            item: "",
            rationale: "A host call and a copy of what is kept; charged the same whether a \
                        node records logs or not.",
        },
    },
    // Crypto.
    ManifestEntry {
        module: HOST_MODULE,
        name: "sha256",
        params: &[I32, I32, I32],
        param_names: &["data_ptr", "data_len", "out_ptr"],
        results: &[],
        provider: Provider::Host,
        doc: "Writes the 32-byte SHA-256 digest of the data to `out_ptr`.",
        returns: "nothing",
        traps: &[OOB],
        cost: Cost {
            base: 200,
            per_byte: 0,
            bytes: "",
            per_item: 200,
            item: "64-byte block compressed: (data_len + 72) / 64 (the data with its padding \
                   of at least 9 bytes), charged before hashing",
            rationale: "Software SHA-256 compresses a block in about 150-250 ns (with SHA \
                        extensions about 40 ns); the data is hashed in place, so no copy \
                        is charged.",
        },
    },
    ManifestEntry {
        module: HOST_MODULE,
        name: "secp256k1_verify",
        params: &[I32, I32, I32, I32, I32, I32],
        param_names: &[
            "hash_ptr", "hash_len", "sig_ptr", "sig_len", "key_ptr", "key_len",
        ],
        results: &[I32],
        provider: Provider::Host,
        doc: "Verifies an ECDSA signature over secp256k1: a 32-byte message hash, a 64-byte \
              signature `r || s` and a SEC1 public key (33 bytes compressed or 65 \
              uncompressed). Lengths and encodings are checked first; malformed input gets \
              a crypto error code, never a trap. High-S signatures are refused (see the \
              crypto module's rule).",
        returns: "1 when the signature verifies, 0 when it is well formed but does not, or \
                  minus a crypto error code (see below)",
        traps: &[OOB],
        cost: Cost {
            base: 100_000,
            per_byte: 0,
            bytes: "",
            per_item: 0,
            item: "",
            rationale: "k256 (pure Rust) verifies in about 50-100 us; inputs are fixed-size \
                        and read in place.",
        },
    },
    ManifestEntry {
        module: HOST_MODULE,
        name: "secp256k1_recover",
        params: &[I32, I32, I32, I32, I32, I32],
        param_names: &[
            "hash_ptr",
            "hash_len",
            "sig_ptr",
            "sig_len",
            "recovery_id",
            "out_ptr",
        ],
        results: &[I32],
        provider: Provider::Host,
        doc: "Recovers the public key that made an ECDSA signature over secp256k1 (32-byte \
              hash, 64-byte signature `r || s`, recovery id 0 to 3) and writes it to \
              `out_ptr`, 33 bytes compressed. Malformed input gets a crypto error code, \
              never a trap.",
        returns: "0 on success, or minus a crypto error code (see below)",
        traps: &[OOB],
        cost: Cost {
            base: 400_000,
            per_byte: 0,
            bytes: "",
            per_item: 0,
            item: "",
            rationale: "Recovery runs on k256 (pure Rust), not on libsecp256k1 as \
                        verification does. Calibrated (gasworks calibrate, \
                        docs/gas-calibration.md): about 390 us per recovery, 3.1-3.2 ns per \
                        gas at the first price of 120,000 (3.4-3.9x the plain-code median, \
                        flagged); 400,000 puts it near 1 ns per gas. Moving recovery to \
                        libsecp256k1 would allow a price near verification's.",
        },
    },
];

/// The manifest entry of a host function, by import name.
pub fn host_entry(name: &str) -> Option<&'static ManifestEntry> {
    MANIFEST
        .iter()
        .find(|entry| entry.provider == Provider::Host && entry.name == name)
}

/// The manifest's identity: the lowercase hex SHA-256 of
/// [`canonical_manifest`]. It changes with any signature, price, limit or
/// code, so that nodes (and receipts, if a chain records it) can tell that
/// they run the same host API.
pub fn manifest_hash() -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(canonical_manifest().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A canonical text of everything in the host API that decides outcomes
/// and gas: every entry's signature and price, every limit, every code.
pub fn canonical_manifest() -> String {
    use std::fmt::Write;
    let types = |types: &[ValType]| {
        types
            .iter()
            .map(|t| match t {
                ValType::I32 => "i32",
                ValType::I64 => "i64",
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut out = String::from("gasworks host api v1\n");
    for entry in MANIFEST {
        let _ = writeln!(
            out,
            "{}.{} params={} results={} provider={:?} base={} per_byte={} per_item={} traps={}",
            entry.module,
            entry.name,
            types(entry.params),
            types(entry.results),
            entry.provider,
            entry.cost.base,
            entry.cost.per_byte,
            entry.cost.per_item,
            entry
                .traps
                .iter()
                .map(|t| t.code().to_string())
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    for limit in crate::limits::LIMITS {
        let _ = writeln!(out, "limit {}={}", limit.name, limit.value);
    }
    for trap in HostTrap::ALL {
        let _ = writeln!(out, "trap {}={}", trap.name(), trap.code());
    }
    for status in crate::CallStatus::ALL {
        let _ = writeln!(out, "call status {}={}", status.name(), status.code());
    }
    for error in crate::crypto::CryptoError::ALL {
        let _ = writeln!(out, "crypto error {error:?}={}", error.code());
    }
    let _ = writeln!(out, "call table element gas={CALL_TABLE_ELEMENT_GAS}");
    let _ = writeln!(out, "not found={}", crate::NOT_FOUND);
    let _ = writeln!(out, "entry point={}", crate::ENTRY_POINT);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_hash_covers_every_entry_and_limit() {
        let text = canonical_manifest();
        for entry in MANIFEST {
            assert!(text.contains(&format!("{}.{} ", entry.module, entry.name)));
        }
        assert!(text.contains("limit MAX_CALL_DEPTH=16\n"));
        assert!(
            text.contains("host.call params=i32,i32,i32,i64 results=i32 provider=Host base=50000")
        );
        let hash = manifest_hash();
        assert_eq!(hash.len(), 64);
        assert!(
            hash.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(hash, manifest_hash());
    }
}
