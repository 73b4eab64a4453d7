//! Hashing and signatures, computed by the host.
//!
//! Prices: SHA-256 200 gas plus 200 per 64-byte block; verification
//! 100,000; recovery 120,000 (`docs/host-api.md`). Malformed input is an
//! error value, never a trap.

use core::fmt;

use crate::sys;

/// Why the host refused a signature operation: the host API's crypto error
/// codes (stable; `tests/sdk_bindings.rs` checks them against the host's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

    /// The host's code.
    pub const fn code(self) -> u32 {
        self as u32
    }

    /// The error with this code, if any.
    pub fn from_code(code: u32) -> Option<CryptoError> {
        CryptoError::ALL.iter().copied().find(|e| e.code() == code)
    }

    /// The error for a negative host result.
    fn from_result(result: i32) -> CryptoError {
        match CryptoError::from_code(result.unsigned_abs()) {
            Some(error) => error,
            None => panic!("unknown crypto error code {result} (SDK older than the host?)"),
        }
    }
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    sys::sha256(data)
}

/// Whether `signature` (64 bytes, `r || s`, low S) over the 32-byte
/// `message_hash` was made by `public_key` (SEC 1, 33 bytes compressed or
/// 65 uncompressed).
///
/// # Errors
///
/// [`CryptoError`] when an input is malformed; `Ok(false)` when everything
/// is well formed but the signature does not verify.
pub fn secp256k1_verify(
    message_hash: &[u8; 32],
    signature: &[u8; 64],
    public_key: &[u8],
) -> Result<bool, CryptoError> {
    match sys::secp256k1_verify(message_hash, signature, public_key) {
        1 => Ok(true),
        0 => Ok(false),
        error => Err(CryptoError::from_result(error)),
    }
}

/// The public key (33 bytes, compressed) that made `signature` over
/// `message_hash`, with recovery id 0 to 3. It always verifies the
/// signature; compare it with the key you expect.
///
/// # Errors
///
/// [`CryptoError`] when an input is malformed or no key can be recovered.
pub fn secp256k1_recover(
    message_hash: &[u8; 32],
    signature: &[u8; 64],
    recovery_id: u8,
) -> Result<[u8; 33], CryptoError> {
    let mut out = [0u8; 33];
    match sys::secp256k1_recover(message_hash, signature, recovery_id, &mut out) {
        0 => Ok(out),
        error => Err(CryptoError::from_result(error)),
    }
}
