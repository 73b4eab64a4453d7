//! Hashing and signatures, computed by the host.
//!
//! Prices: SHA-256 200 gas plus 200 per 64-byte block; verification
//! 100,000; recovery 120,000 (`docs/host-api.md`). Malformed input is an
//! error value, never a trap: a [`CryptoError`], whose codes are the
//! host's (`gasworks_abi`).

use crate::sys;

pub use crate::abi::CryptoError;

/// The error for a negative host result.
fn error_from_result(result: i32) -> CryptoError {
    match CryptoError::from_result(result) {
        Some(error) => error,
        None => panic!("unknown crypto error code {result} (SDK older than the host?)"),
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
        error => Err(error_from_result(error)),
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
        error => Err(error_from_result(error)),
    }
}
