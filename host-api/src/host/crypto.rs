//! Crypto host functions: wiring of [`crate::crypto`] (SHA-256, secp256k1
//! ECDSA verification and recovery) to guest memory, with their charges.
//!
//! Inputs are borrowed from guest memory in place (no copy). Every range,
//! the output's included, is checked before the work; malformed crypto
//! input is a return code (minus the ABI's code, `gasworks_abi::CryptoError`),
//! never a trap.

use gasworks_vm::trap::TrapKind;

use super::HostCall;
use crate::codes::guest_crypto_error;
use crate::crypto::{self, CryptoError};

/// The 64-byte blocks SHA-256 compresses for `len` bytes of data: the data,
/// a 0x80 byte and the 8-byte length, rounded up to whole blocks.
pub(crate) fn sha256_blocks(len: u64) -> u64 {
    (len + 72) / 64
}

/// What a crypto error returns to the guest: minus its ABI code
/// ([`guest_crypto_error`]). The one error without one, `BadSecretKey`,
/// comes from signing, which no host function does; `i32::MIN` (no code)
/// if it ever did.
fn error_code(error: CryptoError) -> i32 {
    match guest_crypto_error(error) {
        Some(guest) => -(guest.code() as i32),
        None => i32::MIN,
    }
}

/// See the manifest entry `sha256`.
pub(super) fn sha256(
    h: &mut HostCall<'_, '_>,
    data_ptr: u32,
    data_len: u32,
    out_ptr: u32,
) -> Result<(), TrapKind> {
    h.charge_base()?;
    let data = h.range(data_ptr, data_len)?;
    h.range(out_ptr, 32)?;
    h.charge_items(sha256_blocks(u64::from(data_len)))?;
    let digest = crypto::sha256(h.slice(data)?);
    h.write(out_ptr, &digest)
}

/// See the manifest entry `secp256k1_verify`.
#[allow(clippy::too_many_arguments)]
pub(super) fn secp256k1_verify(
    h: &mut HostCall<'_, '_>,
    hash_ptr: u32,
    hash_len: u32,
    sig_ptr: u32,
    sig_len: u32,
    key_ptr: u32,
    key_len: u32,
) -> Result<i32, TrapKind> {
    h.charge_base()?;
    let hash = h.range(hash_ptr, hash_len)?;
    let sig = h.range(sig_ptr, sig_len)?;
    let key = h.range(key_ptr, key_len)?;
    Ok(
        match crypto::secp256k1_verify(h.slice(hash)?, h.slice(sig)?, h.slice(key)?) {
            Ok(true) => 1,
            Ok(false) => 0,
            Err(error) => error_code(error),
        },
    )
}

/// See the manifest entry `secp256k1_recover`.
#[allow(clippy::too_many_arguments)]
pub(super) fn secp256k1_recover(
    h: &mut HostCall<'_, '_>,
    hash_ptr: u32,
    hash_len: u32,
    sig_ptr: u32,
    sig_len: u32,
    recovery_id: u32,
    out_ptr: u32,
) -> Result<i32, TrapKind> {
    h.charge_base()?;
    let hash = h.range(hash_ptr, hash_len)?;
    let sig = h.range(sig_ptr, sig_len)?;
    h.range(out_ptr, 33)?;
    // Ids above 255 are as invalid as 4 to 255: pass one of those, so that
    // the crypto module's order of checks decides which error comes first.
    let recovery_id = u8::try_from(recovery_id).unwrap_or(u8::MAX);
    match crypto::secp256k1_recover(h.slice(hash)?, h.slice(sig)?, recovery_id) {
        Ok(key) => {
            h.write(out_ptr, &key)?;
            Ok(0)
        }
        Err(error) => Ok(error_code(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_block_count_follows_the_padding() {
        // 55 bytes + 0x80 + 8 length bytes fill one block; 56 need two.
        assert_eq!(sha256_blocks(0), 1);
        assert_eq!(sha256_blocks(55), 1);
        assert_eq!(sha256_blocks(56), 2);
        assert_eq!(sha256_blocks(119), 2);
        assert_eq!(sha256_blocks(120), 3);
        assert_eq!(
            sha256_blocks(u64::from(u32::MAX)),
            (u64::from(u32::MAX) + 72) / 64
        );
    }
}
