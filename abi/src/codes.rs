//! The codes host functions return to contracts.
//!
//! A condition a correct contract can meet and handle (a key that is
//! absent, a callee that fails, a signature that does not verify) is a
//! return code, defined here; a condition only a broken or hostile contract
//! creates is a trap, which ends the call (the host API's `HostTrap`, which
//! a contract never sees).

use core::fmt;

/// What `storage_read` returns for an absent key.
pub const NOT_FOUND: i32 = -1;

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
    /// The call stack already holds the most contracts it may (the host
    /// API's `MAX_CALL_DEPTH`).
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

    /// The status with this code, if any.
    pub fn from_code(code: i32) -> Option<CallStatus> {
        CallStatus::ALL.iter().copied().find(|s| s.code() == code)
    }

    /// A short stable name (`no_such_contract`).
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

impl fmt::Display for CallStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a signature host function refused its input: `secp256k1_verify`
/// and `secp256k1_recover` return minus the code. Malformed input is an
/// error value, never a trap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u32)]
pub enum CryptoError {
    /// The message hash is not 32 bytes long.
    BadHashLength = 1,
    /// The signature is not 64 bytes long.
    BadSignatureLength = 2,
    /// `r` or `s` is zero or not below the group order.
    MalformedSignature = 3,
    /// `s` is above half the group order (high-S signatures are refused).
    HighS = 4,
    /// The public key is neither 33 nor 65 bytes long.
    BadPublicKeyLength = 5,
    /// The public key is not a valid SEC 1 point on secp256k1.
    MalformedPublicKey = 6,
    /// The recovery id is above 3.
    BadRecoveryId = 7,
    /// No public key can be recovered from this signature.
    RecoveryFailed = 8,
}

impl CryptoError {
    /// Every error, in code order.
    pub const ALL: &'static [CryptoError] = &[
        CryptoError::BadHashLength,
        CryptoError::BadSignatureLength,
        CryptoError::MalformedSignature,
        CryptoError::HighS,
        CryptoError::BadPublicKeyLength,
        CryptoError::MalformedPublicKey,
        CryptoError::BadRecoveryId,
        CryptoError::RecoveryFailed,
    ];

    /// The stable, non-zero code (a host function returns it negated).
    pub const fn code(self) -> u32 {
        self as u32
    }

    /// The error with this code, if any.
    pub fn from_code(code: u32) -> Option<CryptoError> {
        CryptoError::ALL.iter().copied().find(|e| e.code() == code)
    }

    /// The error a host function's negative result stands for, if any.
    pub fn from_result(result: i32) -> Option<CryptoError> {
        if result < 0 {
            CryptoError::from_code(result.unsigned_abs())
        } else {
            None
        }
    }

    /// A short stable name (`high_s`).
    pub const fn name(self) -> &'static str {
        match self {
            CryptoError::BadHashLength => "bad_hash_length",
            CryptoError::BadSignatureLength => "bad_signature_length",
            CryptoError::MalformedSignature => "malformed_signature",
            CryptoError::HighS => "high_s",
            CryptoError::BadPublicKeyLength => "bad_public_key_length",
            CryptoError::MalformedPublicKey => "malformed_public_key",
            CryptoError::BadRecoveryId => "bad_recovery_id",
            CryptoError::RecoveryFailed => "recovery_failed",
        }
    }
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_status_codes_are_stable() {
        // Consensus data: changing one is a hard fork.
        let expected = [0, -1, -2, -3, -4, -5];
        assert_eq!(CallStatus::ALL.len(), expected.len());
        for (status, code) in CallStatus::ALL.iter().zip(expected) {
            assert_eq!(status.code(), code);
            assert_eq!(CallStatus::from_code(code), Some(*status));
        }
        assert_eq!(CallStatus::from_code(1), None);
        assert_eq!(CallStatus::from_code(-6), None);
    }

    #[test]
    fn crypto_error_codes_are_stable() {
        assert_eq!(CryptoError::ALL.len(), 8);
        for (error, code) in CryptoError::ALL.iter().zip(1u32..) {
            assert_eq!(error.code(), code);
            assert_eq!(CryptoError::from_code(code), Some(*error));
            assert_eq!(CryptoError::from_result(-(code as i32)), Some(*error));
        }
        assert_eq!(CryptoError::from_code(0), None);
        assert_eq!(CryptoError::from_code(9), None);
        assert_eq!(CryptoError::from_result(1), None);
        assert_eq!(CryptoError::from_result(i32::MIN), None);
    }
}
