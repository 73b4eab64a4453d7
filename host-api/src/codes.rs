//! The host API's typed outcomes: the traps host functions raise and the
//! codes they return.
//!
//! Both are consensus data and stable: a trap's kind is recorded in the
//! receipt as [`TrapKind::Host`] with the code below, and a return code is
//! what the contract's next instructions see. A code never changes meaning;
//! new ones are added at the end. The return codes are defined in
//! `gasworks_abi`, which the contract SDK uses too, and re-exported here.
//!
//! The split between the two: a condition a correct contract can meet and
//! handle (a key that is absent, a callee that fails, a signature that does
//! not verify) is a return code; a condition that only a broken or hostile
//! contract creates (a pointer outside its memory, a key over the limit, a
//! malformed event) is a trap, which ends the call and rolls back its writes.

use gasworks_vm::trap::TrapKind;

use crate::crypto::CryptoError;

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

/// What `call` returns; what `storage_read` returns for an absent key.
/// Defined in `gasworks_abi`, which the contract SDK uses too: one
/// definition for both sides.
pub use gasworks_abi::{CallStatus, NOT_FOUND};

/// The code a guest sees for a crypto error (returned negated): the ABI's
/// error of the same name; `None` for [`CryptoError::BadSecretKey`], which
/// only signing raises and no host function returns. The `match` is
/// exhaustive, so a new error on either side does not compile until it is
/// mapped here.
pub const fn guest_crypto_error(error: CryptoError) -> Option<gasworks_abi::CryptoError> {
    use gasworks_abi::CryptoError as Guest;
    match error {
        CryptoError::BadHashLength => Some(Guest::BadHashLength),
        CryptoError::BadSignatureLength => Some(Guest::BadSignatureLength),
        CryptoError::MalformedSignature => Some(Guest::MalformedSignature),
        CryptoError::HighS => Some(Guest::HighS),
        CryptoError::BadPublicKeyLength => Some(Guest::BadPublicKeyLength),
        CryptoError::MalformedPublicKey => Some(Guest::MalformedPublicKey),
        CryptoError::BadRecoveryId => Some(Guest::BadRecoveryId),
        CryptoError::RecoveryFailed => Some(Guest::RecoveryFailed),
        CryptoError::BadSecretKey => None,
    }
}

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

    #[test]
    fn every_crypto_error_a_host_function_returns_has_the_abi_code_and_name() {
        // `CryptoError::code` (crypto.rs) numbers the errors for the host's
        // own callers; what a contract sees is the ABI's code. They agree.
        let mut guest = Vec::new();
        for error in CryptoError::ALL {
            match guest_crypto_error(*error) {
                Some(mapped) => {
                    assert_eq!(mapped.code(), error.code(), "{error:?}");
                    assert_eq!(format!("{mapped:?}"), format!("{error:?}"));
                    guest.push(mapped);
                }
                None => assert_eq!(*error, CryptoError::BadSecretKey),
            }
        }
        assert_eq!(guest, gasworks_abi::CryptoError::ALL);
    }
}
