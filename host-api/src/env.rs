//! The state of one transaction's execution, shared by every host function
//! call through the engine's per-call context.
//!
//! [`Env`] is what [`gasworks_vm::engine::Caller::context`] hands to a host
//! function: the block's data, the storage backend, the deployed contracts,
//! the linker, and the call stack of [`Frame`]s. A frame is pushed when a
//! contract is entered (by the transaction or by `call`) and popped when it
//! returns: merged into its caller on success, dropped on failure. Events
//! live in one list; a frame remembers where its events start, so dropping
//! a frame truncates the list.
//!
//! Everything here is ordered (`BTreeMap`, `Vec`) and sized in `u32`/`u64`;
//! nothing depends on hashing, clocks or the host's word size.

use std::collections::BTreeMap;
use std::sync::Arc;

use gasworks_vm::engine::{Linker, Module};

use crate::storage::{self, Overlay, StorageBackend, StorageError};

/// A contract's or account's address: 32 bytes. Defined in
/// `gasworks_abi`, so that the contract SDK's `Address` is the same type.
pub use gasworks_abi::Address;

/// What the block gives every transaction in it. Block time comes from the
/// block, never from a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BlockEnv {
    /// Block height.
    pub height: u64,
    /// Block time, in seconds since the Unix epoch, as the block states it.
    pub time: u64,
    /// The chain's identifier (distinguishes networks, for replay
    /// protection in signed messages).
    pub chain_id: u64,
}

/// An event: topics to filter on, and data.
#[derive(Debug, Clone, PartialEq, Eq, borsh::BorshSerialize, borsh::BorshDeserialize)]
pub struct Event {
    /// The contract that emitted it.
    pub contract: Address,
    /// Topics, at most [`crate::limits::MAX_TOPICS`].
    pub topics: Vec<Vec<u8>>,
    /// Data.
    pub data: Vec<u8>,
}

/// A deployed contract: its compiled module and what instantiating it
/// costs.
#[derive(Clone)]
pub(crate) struct Contract {
    pub module: Module,
    /// Initial memory pages (charged per page on every instantiation).
    pub initial_pages: u64,
    /// Initial table elements, all tables together (charged per element
    /// on every instantiation).
    pub initial_table_elements: u64,
}

/// One contract on the call stack.
pub(crate) struct Frame {
    /// The running contract.
    pub address: Address,
    /// Who called it: the origin for the transaction's contract, else the
    /// calling contract.
    pub caller: Address,
    /// The call's input.
    pub input: Vec<u8>,
    /// What the contract set with `set_return_data`.
    pub return_data: Vec<u8>,
    /// The return data of this contract's last cross-contract call (empty
    /// after a failed one).
    pub last_call_return: Vec<u8>,
    /// The writes of this call, and of its callees that succeeded.
    pub writes: Overlay,
    /// Index in [`Env::events`] of this call's first event.
    pub events_start: usize,
}

/// A `log` message, for people (debug part of the outcome).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// The contract that logged it.
    pub contract: Address,
    /// Depth on the call stack (1 for the transaction's contract).
    pub depth: u32,
    /// The message, lossily decoded as UTF-8, at most
    /// [`crate::limits::MAX_MESSAGE_LEN`] bytes of it.
    pub message: String,
}

/// An `abort`, for people (debug part of the outcome).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbortRecord {
    /// The contract that aborted.
    pub contract: Address,
    /// Depth on the call stack (1 for the transaction's contract).
    pub depth: u32,
    /// The message, as for [`LogRecord::message`].
    pub message: String,
}

/// One contract entry (the transaction's or a cross-contract call), for
/// people: what was called and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    /// Depth of the callee (1 for the transaction's contract).
    pub depth: u32,
    /// Caller.
    pub caller: Address,
    /// Callee.
    pub callee: Address,
    /// Gas the callee was given (0 when the call was refused).
    pub gas_limit: u64,
    /// Gas the callee used.
    pub gas_used: u64,
    /// How it ended: a [`crate::CallStatus`] name, or `trapped: <kind>`.
    pub outcome: String,
}

/// The outcome's debug part: for people and tools, never consensus data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DebugInfo {
    /// `log` messages, in order, including those of calls that failed.
    pub logs: Vec<LogRecord>,
    /// `log` messages dropped after [`crate::limits::MAX_LOGS`].
    pub logs_dropped: u64,
    /// `abort` messages, in order (a caller may survive its callee's).
    pub aborts: Vec<AbortRecord>,
    /// Every contract entry, in the order calls ended.
    pub calls: Vec<CallRecord>,
}

/// The execution state of one transaction: the context every host function
/// of the call reaches.
pub struct Env {
    pub(crate) block: BlockEnv,
    pub(crate) origin: Address,
    pub(crate) storage: Arc<dyn StorageBackend>,
    pub(crate) contracts: Arc<BTreeMap<Address, Contract>>,
    pub(crate) linker: Arc<Linker>,
    pub(crate) frames: Vec<Frame>,
    pub(crate) events: Vec<crate::Event>,
    pub(crate) debug: DebugInfo,
    /// Set when the backend failed; the execution is then void.
    pub(crate) fatal: Option<StorageError>,
}

impl Env {
    pub(crate) fn new(
        block: BlockEnv,
        origin: Address,
        storage: Arc<dyn StorageBackend>,
        contracts: Arc<BTreeMap<Address, Contract>>,
        linker: Arc<Linker>,
    ) -> Env {
        Env {
            block,
            origin,
            storage,
            contracts,
            linker,
            frames: Vec::new(),
            events: Vec::new(),
            debug: DebugInfo::default(),
            fatal: None,
        }
    }

    /// The running contract's frame.
    pub(crate) fn frame(&self) -> Option<&Frame> {
        self.frames.last()
    }

    /// The running contract's frame, writable.
    pub(crate) fn frame_mut(&mut self) -> Option<&mut Frame> {
        self.frames.last_mut()
    }

    /// Depth of the running contract (1 for the transaction's).
    pub(crate) fn depth(&self) -> u32 {
        u32::try_from(self.frames.len()).unwrap_or(u32::MAX)
    }

    /// The value of a full key as the running contract sees it.
    pub(crate) fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        storage::lookup(
            self.frames.iter().map(|f| &f.writes),
            self.storage.as_ref(),
            key,
        )
    }

    /// Enters a contract.
    pub(crate) fn push(&mut self, address: Address, caller: Address, input: Vec<u8>) {
        let events_start = self.events.len();
        self.frames.push(Frame {
            address,
            caller,
            input,
            return_data: Vec::new(),
            last_call_return: Vec::new(),
            writes: Overlay::new(),
            events_start,
        });
    }

    /// Leaves the running contract after it succeeded: its writes go into
    /// the caller's overlay, its events stay, and its return data becomes
    /// the caller's last call return. Returns the frame when it was the
    /// outermost (its writes are then the transaction's change set).
    pub(crate) fn commit(&mut self) -> Option<Frame> {
        let frame = self.frames.pop()?;
        match self.frames.last_mut() {
            Some(parent) => {
                let Frame {
                    writes,
                    return_data,
                    ..
                } = frame;
                // Later writes win: the callee's overwrite the caller's.
                parent.writes.extend(writes);
                parent.last_call_return = return_data;
                None
            }
            None => Some(frame),
        }
    }

    /// Leaves the running contract after it failed: its writes and events
    /// are dropped.
    pub(crate) fn rollback(&mut self) {
        if let Some(frame) = self.frames.pop() {
            self.events.truncate(frame.events_start);
        }
    }

    /// Records a backend failure and returns the trap that unwinds the
    /// execution.
    pub(crate) fn fail(&mut self, error: StorageError) -> gasworks_vm::trap::TrapKind {
        if self.fatal.is_none() {
            self.fatal = Some(error);
        }
        crate::HostTrap::BackendFailure.kind()
    }
}
