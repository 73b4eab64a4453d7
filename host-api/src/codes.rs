//! The host API's typed outcomes: the traps host functions raise and the
//! codes they return.
//!
//! Both are consensus data and stable: a trap's kind is recorded in the
//! receipt as [`TrapKind::Host`] with the code below, and a return code is
//! what the contract's next instructions see. A code never changes meaning;
//! new ones are added at the end.
//!
//! The split between the two: a condition a correct contract can meet and
//! handle (a key that is absent, a callee that fails, a signature that does
//! not verify) is a return code; a condition that only a broken or hostile
//! contract creates (a pointer outside its memory, a key over the limit, a
//! malformed event) is a trap, which ends the call and rolls back its writes.

use gasworks_vm::trap::TrapKind;

/// Why a host function trapped: the code inside [`TrapKind::Host`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u32)]
pub enum HostTrap {
    /// The contract called `abort`.
    Abort = 1,
    /// A host function was called outside a call made by this crate's
    /// runtime (the embedder ran the module without the host context). Not
    /// reachable by a contract run through [`crate::Runtime`].
    NoContext = 2,
    /// The storage backend failed (a node-local fault, for example an I/O
    /// error). Never in a receipt: [`crate::Runtime::execute`] returns an
    /// error instead, because another node would not fail the same way.
    BackendFailure = 3,
    /// A storage key (or a scan's prefix or continuation key) is longer than
    /// [`crate::limits::MAX_KEY_LEN`], or a key is empty.
    KeyLength = 4,
    /// A storage value is longer than [`crate::limits::MAX_VALUE_LEN`].
    ValueTooLarge = 5,
    /// The transaction already holds [`crate::limits::MAX_EVENTS`] events.
    TooManyEvents = 6,
    /// An event has more than [`crate::limits::MAX_TOPICS`] topics.
    TooManyTopics = 7,
    /// A topic is longer than [`crate::limits::MAX_TOPIC_LEN`].
    TopicTooLarge = 8,
    /// The topic list is not a borsh `Vec<Vec<u8>>` that ends exactly at
    /// its length.
    MalformedTopics = 9,
    /// Event data is longer than [`crate::limits::MAX_EVENT_DATA_LEN`].
    EventDataTooLarge = 10,
    /// A call's input is longer than [`crate::limits::MAX_INPUT_LEN`].
    InputTooLarge = 11,
    /// Return data is longer than [`crate::limits::MAX_RETURN_DATA_LEN`].
    ReturnDataTooLarge = 12,
    /// The called contract has no export `execute` without parameters.
    MissingEntryPoint = 13,
    /// The called contract could not be instantiated (a segment does not
    /// fit, an import is not linked). Deployment instantiates every contract
    /// once, so this is not expected on a chain.
    InstantiationFailed = 14,
    /// The transaction's contract does not exist (top-level calls only; a
    /// cross-contract call gets [`CallStatus::NoSuchContract`]).
    NoSuchContract = 15,
}

impl HostTrap {
    /// Every host trap, in code order.
    pub const ALL: &'static [HostTrap] = &[
        HostTrap::Abort,
        HostTrap::NoContext,
        HostTrap::BackendFailure,
        HostTrap::KeyLength,
        HostTrap::ValueTooLarge,
        HostTrap::TooManyEvents,
        HostTrap::TooManyTopics,
        HostTrap::TopicTooLarge,
        HostTrap::MalformedTopics,
        HostTrap::EventDataTooLarge,
        HostTrap::InputTooLarge,
        HostTrap::ReturnDataTooLarge,
        HostTrap::MissingEntryPoint,
        HostTrap::InstantiationFailed,
        HostTrap::NoSuchContract,
    ];

    /// The stable code.
    pub const fn code(self) -> u32 {
        self as u32
    }

    /// The trap kind a host function returns.
    pub const fn kind(self) -> TrapKind {
        TrapKind::Host(self as u32)
    }

    /// The host trap with this code, if any.
    pub fn from_code(code: u32) -> Option<HostTrap> {
        HostTrap::ALL.iter().copied().find(|t| t.code() == code)
    }

    /// A short stable name (`too_many_events`), for docs and logs.
    pub const fn name(self) -> &'static str {
        match self {
            HostTrap::Abort => "abort",
            HostTrap::NoContext => "no_context",
            HostTrap::BackendFailure => "backend_failure",
            HostTrap::KeyLength => "key_length",
            HostTrap::ValueTooLarge => "value_too_large",
            HostTrap::TooManyEvents => "too_many_events",
            HostTrap::TooManyTopics => "too_many_topics",
            HostTrap::TopicTooLarge => "topic_too_large",
            HostTrap::MalformedTopics => "malformed_topics",
            HostTrap::EventDataTooLarge => "event_data_too_large",
            HostTrap::InputTooLarge => "input_too_large",
            HostTrap::ReturnDataTooLarge => "return_data_too_large",
            HostTrap::MissingEntryPoint => "missing_entry_point",
            HostTrap::InstantiationFailed => "instantiation_failed",
            HostTrap::NoSuchContract => "no_such_contract",
        }
    }
}

impl From<HostTrap> for TrapKind {
    fn from(trap: HostTrap) -> TrapKind {
        trap.kind()
    }
}

/// What `call` returns: 0 when the callee succeeded, a negative code when
/// the call was refused or the callee failed. In every failure case the
/// callee's writes and events are rolled back (a refused call has none) and
/// the caller continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(i32)]
pub enum CallStatus {
    /// The callee returned; its writes and events are kept, its return
    /// data is readable with `return_data`.
    Success = 0,
    /// No contract at that address.
    NoSuchContract = -1,
    /// The call stack already holds [`crate::limits::MAX_CALL_DEPTH`]
    /// contracts.
    DepthLimit = -2,
    /// The callee is already on the call stack (reentrancy is refused).
    Reentrancy = -3,
    /// The callee trapped (including `abort` and a missing entry point).
    Trapped = -4,
    /// The callee ran out of the gas it was given.
    OutOfGas = -5,
}

impl CallStatus {
    /// Every status, in code order (0, -1, -2, ...).
    pub const ALL: &'static [CallStatus] = &[
        CallStatus::Success,
        CallStatus::NoSuchContract,
        CallStatus::DepthLimit,
        CallStatus::Reentrancy,
        CallStatus::Trapped,
        CallStatus::OutOfGas,
    ];

    /// The stable code the guest sees.
    pub const fn code(self) -> i32 {
        self as i32
    }

    /// A short stable name.
    pub const fn name(self) -> &'static str {
        match self {
            CallStatus::Success => "success",
            CallStatus::NoSuchContract => "no_such_contract",
            CallStatus::DepthLimit => "depth_limit",
            CallStatus::Reentrancy => "reentrancy",
            CallStatus::Trapped => "trapped",
            CallStatus::OutOfGas => "out_of_gas",
        }
    }

    /// What it means, for the docs.
    pub const fn doc(self) -> &'static str {
        match self {
            CallStatus::Success => "the callee returned; its writes and events are kept",
            CallStatus::NoSuchContract => "no contract at that address",
            CallStatus::DepthLimit => "the call stack already holds MAX_CALL_DEPTH contracts",
            CallStatus::Reentrancy => "the callee is already on the call stack",
            CallStatus::Trapped => "the callee trapped (abort, a wasm trap, a host trap)",
            CallStatus::OutOfGas => "the callee ran out of the gas it was given",
        }
    }
}

/// What `storage_read` returns for an absent key.
pub const NOT_FOUND: i32 = -1;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_trap_codes_are_stable() {
        // Consensus data: changing one is a hard fork.
        let codes: Vec<u32> = HostTrap::ALL.iter().map(|t| t.code()).collect();
        assert_eq!(codes, (1..=15).collect::<Vec<u32>>());
        for trap in HostTrap::ALL {
            assert_eq!(HostTrap::from_code(trap.code()), Some(*trap));
        }
        assert_eq!(HostTrap::from_code(0), None);
    }

    #[test]
    fn call_status_codes_are_stable() {
        let codes: Vec<i32> = CallStatus::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes, [0, -1, -2, -3, -4, -5]);
    }
}
