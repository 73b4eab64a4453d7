//! Cryptography for contracts and for the node simulator: SHA-256 and
//! secp256k1 ECDSA.
//!
//! These are pure functions over byte strings. The host functions that expose
//! them to contracts charge gas and copy the arguments out of guest memory
//! first; the node simulator uses the same functions to sign and check
//! transactions, so a contract and a node can never disagree on what a valid
//! signature is. SHA-256 comes from `sha2`; verification from libsecp256k1
//! (Bitcoin Core's library, through the `secp256k1` crate: 40 µs a
//! verification on our machine against 97 µs for `k256`, and verification is
//! the node's bound, docs/performance.md); signing, key derivation and
//! recovery from `k256`. Every rule below is enforced here, before either
//! library is called, so that what is accepted depends on neither library's
//! release, and the two libraries cannot disagree: once our checks pass,
//! both compute the same ECDSA equation over the same scalars and points
//! (the tests run every verification through both and compare).
//!
//! ## Encodings
//!
//! - **Message hash**: exactly 32 bytes. The contract hashes its message
//!   itself (with [`sha256`] or anything else); the hash is read as a
//!   big-endian integer and reduced modulo the group order *n*, as in SEC 1
//!   and RFC 6979. Any other length is [`CryptoError::BadHashLength`].
//!   (`k256`'s prehash functions accept anything from 16 bytes up, padding
//!   shorter hashes with zeroes and truncating longer ones; we do not.)
//! - **Signature**: exactly 64 bytes, `r || s`, each a 32-byte big-endian
//!   integer. No DER, no 65-byte `r || s || v` form: the recovery id is a
//!   separate argument. Any other length is [`CryptoError::BadSignatureLength`].
//! - **Public key**: SEC 1, either 33 bytes compressed (`0x02` or `0x03`
//!   followed by *x*) or 65 bytes uncompressed (`0x04` followed by *x* and
//!   *y*). Any other length is [`CryptoError::BadPublicKeyLength`] (this
//!   includes the one-byte `0x00` encoding of the point at infinity). A key
//!   of the right length is [`CryptoError::MalformedPublicKey`] when its first
//!   byte is not the one for its length (so the hybrid encodings `0x06` and
//!   `0x07`, and the 33-byte "compact" `0x05` encoding that `k256` would
//!   otherwise accept, are refused), when a coordinate is not below the field
//!   prime *p*, when a compressed *x* has no point on the curve, or when an
//!   uncompressed (*x*, *y*) is not on the curve. The point at infinity has no
//!   33- or 65-byte encoding and is therefore never a key.
//! - **Recovered keys** are always returned compressed (33 bytes).
//!
//! ## Signature rules
//!
//! - *r* or *s* equal to zero or not below *n* is
//!   [`CryptoError::MalformedSignature`]: such values are not scalars, and no
//!   reduction modulo *n* is applied.
//! - **Low S only.** A signature whose *s* is above *(n − 1) / 2*
//!   ([`HALF_CURVE_ORDER`]) is [`CryptoError::HighS`], in verification and in
//!   recovery alike. For every valid `(r, s)` the pair `(r, n − s)` is also a
//!   valid ECDSA signature of the same message under the same key; accepting
//!   both would let anyone change a signature's bytes (and so the hash of a
//!   transaction that embeds it) without the key. This is Bitcoin's low-S
//!   policy (BIP 62, BIP 146) and Ethereum's rule since Homestead (EIP-2),
//!   and `k256`'s own verification also refuses high *s*. We never normalise
//!   silently: a high-S signature is an error with its own code, not a
//!   signature that verifies after the host has rewritten it. A contract that
//!   must accept high-S signatures from elsewhere can replace *s* by *n − s*
//!   (and, for recovery, flip bit 0 of the recovery id) itself.
//! - **Recovery id**: `0..=3`, as in `k256` and libsecp256k1: bit 0 is the
//!   parity of the *y* coordinate of the signer's nonce point *R*, bit 1 says
//!   that *R*'s *x* coordinate was *r + n* rather than *r* (probability about
//!   2⁻¹²⁷ for an honest signer). Ethereum's `v` (27 or 28, or the EIP-155
//!   form) must be converted by the caller. Anything above 3 is
//!   [`CryptoError::BadRecoveryId`]. A well-formed input from which no key
//!   can be recovered (no point with that *x*, *r + n* not below *p*, or the
//!   recovered point is the point at infinity) is
//!   [`CryptoError::RecoveryFailed`].
//!
//! ## Outcomes
//!
//! [`secp256k1_verify`] returns `Ok(true)` when the signature verifies,
//! `Ok(false)` when the inputs are well formed but it does not (wrong message,
//! wrong key, or simply not a signature), and `Err` only for malformed input.
//! When several things are wrong, the error is the first failing check in
//! this order, which is part of the consensus rules:
//!
//! 1. verify and recover: hash length, then signature length;
//! 2. verify: public key length; recover: recovery id;
//! 3. *r* and *s* in `1..n` ([`CryptoError::MalformedSignature`]), then low S
//!    ([`CryptoError::HighS`]);
//! 4. verify: public key encoding and point; recover: the recovery itself.
//!
//! Error codes ([`CryptoError::code`]) are stable, non-zero, and enter
//! consensus; error messages do not.
//!
//! No code path panics on any input: every length is checked before it is
//! used, and every `k256` failure is mapped to a [`CryptoError`].
//!
//! ## Signing
//!
//! [`secp256k1_sign`] and [`secp256k1_public_key`] are not host functions;
//! they serve tests, tools and the node simulator's wallets. Signing is
//! deterministic (RFC 6979 with HMAC-SHA-256, as in libsecp256k1 without extra
//! entropy, so the same key and hash give the same signature as Bitcoin Core
//! and most wallets) and always returns a low-S signature together with the
//! recovery id that matches it. A secret key must be in `1..n`; anything else
//! is [`CryptoError::BadSecretKey`], the one error no host function returns.

use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// Length of a SHA-256 digest in bytes.
pub const SHA256_LEN: usize = 32;

/// Length of the message hash that secp256k1 functions take, in bytes.
pub const MESSAGE_HASH_LEN: usize = 32;

/// Length of a signature (`r || s`), in bytes.
pub const SIGNATURE_LEN: usize = 64;

/// Length of a compressed SEC 1 public key, in bytes.
pub const COMPRESSED_PUBLIC_KEY_LEN: usize = 33;

/// Length of an uncompressed SEC 1 public key, in bytes.
pub const UNCOMPRESSED_PUBLIC_KEY_LEN: usize = 65;

/// The order *n* of the secp256k1 group, big-endian.
pub const CURVE_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

/// *(n − 1) / 2*, big-endian: the largest *s* a signature may have.
pub const HALF_CURVE_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
];

/// Why a crypto function refused its input.
///
/// [`code`](Self::code) is what a host function returns to the contract; it
/// is stable and enters consensus. The `Display` text is for people only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The message hash is not 32 bytes long.
    #[error("message hash must be 32 bytes")]
    BadHashLength,
    /// The signature is not 64 bytes long.
    #[error("signature must be 64 bytes (r || s)")]
    BadSignatureLength,
    /// `r` or `s` is zero or not below the group order.
    #[error("signature r or s is zero or not below the group order")]
    MalformedSignature,
    /// `s` is above half the group order (a malleable twin of a low-S signature).
    #[error("signature s is above half the group order (high S)")]
    HighS,
    /// The public key is neither 33 nor 65 bytes long.
    #[error("public key must be 33 (compressed) or 65 (uncompressed) bytes")]
    BadPublicKeyLength,
    /// The public key has the wrong tag byte or is not a point on the curve.
    #[error("public key is not a valid SEC 1 point on secp256k1")]
    MalformedPublicKey,
    /// The recovery id is above 3.
    #[error("recovery id must be 0, 1, 2 or 3")]
    BadRecoveryId,
    /// No public key can be recovered from this hash, signature and recovery id.
    #[error("no public key can be recovered from this signature")]
    RecoveryFailed,
    /// The secret key is zero or not below the group order (signing only;
    /// never returned by a host function).
    #[error("secret key is zero or not below the group order")]
    BadSecretKey,
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
        CryptoError::BadSecretKey,
    ];

    /// The stable, non-zero code returned to contracts. Part of consensus:
    /// never renumber.
    pub fn code(self) -> u32 {
        match crate::codes::guest_crypto_error(self) {
            // The code contracts see, from the ABI crate the SDK uses too.
            Some(guest) => guest.code(),
            // Signing only: no host function returns it.
            None => 9,
        }
    }
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; SHA256_LEN] {
    Sha256::digest(data).into()
}

/// Verifies an ECDSA signature over secp256k1.
///
/// `message_hash` is the 32-byte hash of the message, `signature` is the
/// 64-byte `r || s`, `public_key` is SEC 1, 33 bytes compressed or 65 bytes
/// uncompressed (see the [module docs](self) for the exact rules).
///
/// # Errors
///
/// `Ok(false)` means well-formed input that does not verify. `Err` means
/// malformed input: [`CryptoError::BadHashLength`],
/// [`CryptoError::BadSignatureLength`], [`CryptoError::BadPublicKeyLength`],
/// [`CryptoError::MalformedSignature`], [`CryptoError::HighS`] or
/// [`CryptoError::MalformedPublicKey`], the first in that order.
pub fn secp256k1_verify(
    message_hash: &[u8],
    signature: &[u8],
    public_key: &[u8],
) -> Result<bool, CryptoError> {
    let message_hash = check_hash_length(message_hash)?;
    check_signature_length(signature)?;
    check_public_key_length(public_key)?;
    let compact = parse_signature(signature)?.to_bytes();
    check_public_key_tag(public_key)?;
    // Our checks have passed: r and s are in 1..n and s is low, the key has
    // the tag of its length. What is left for libsecp256k1 is what the rules
    // leave to the curve: the key must be a point (coordinates below p, on
    // the curve), and the equation must hold.
    let key = secp256k1::PublicKey::from_slice(public_key)
        .map_err(|_| CryptoError::MalformedPublicKey)?;
    let signature = secp256k1::ecdsa::Signature::from_compact(&compact)
        .map_err(|_| CryptoError::MalformedSignature)?;
    let message = secp256k1::Message::from_digest(message_hash);
    // libsecp256k1 also refuses high S, but `parse_signature` has already
    // turned that into `HighS`, so an error now can only mean "does not
    // verify".
    Ok(verifier().verify_ecdsa(message, &signature, &key).is_ok())
}

/// libsecp256k1's verification context, made once per process (it holds no
/// secrets and no state that a verification changes).
fn verifier() -> &'static secp256k1::Secp256k1<secp256k1::VerifyOnly> {
    static VERIFIER: std::sync::OnceLock<secp256k1::Secp256k1<secp256k1::VerifyOnly>> =
        std::sync::OnceLock::new();
    VERIFIER.get_or_init(secp256k1::Secp256k1::verification_only)
}

/// Recovers the signer's public key (33 bytes, compressed) from a message
/// hash, a signature and a recovery id in `0..=3`.
///
/// A key returned here always verifies `signature` over `message_hash`; the
/// caller still has to check that it is the key (or address) it expects.
///
/// # Errors
///
/// [`CryptoError::BadHashLength`], [`CryptoError::BadSignatureLength`],
/// [`CryptoError::BadRecoveryId`], [`CryptoError::MalformedSignature`],
/// [`CryptoError::HighS`], the first in that order; then
/// [`CryptoError::RecoveryFailed`] when no key can be recovered.
pub fn secp256k1_recover(
    message_hash: &[u8],
    signature: &[u8],
    recovery_id: u8,
) -> Result<[u8; COMPRESSED_PUBLIC_KEY_LEN], CryptoError> {
    check_hash_length(message_hash)?;
    check_signature_length(signature)?;
    let recovery_id = RecoveryId::from_byte(recovery_id).ok_or(CryptoError::BadRecoveryId)?;
    let signature = parse_signature(signature)?;
    let key = VerifyingKey::recover_from_prehash(message_hash, &signature, recovery_id)
        .map_err(|_| CryptoError::RecoveryFailed)?;
    compressed(&key).ok_or(CryptoError::RecoveryFailed)
}

/// Signs a 32-byte message hash with a secret key: deterministic (RFC 6979),
/// always low S. Returns the signature `r || s` and its recovery id (0 or 1
/// in practice; 2 or 3 only with probability about 2⁻¹²⁷).
///
/// Not a host function: for tests, tools and the node simulator's wallets.
///
/// # Errors
///
/// [`CryptoError::BadSecretKey`] when `secret_key` is zero or not below the
/// group order. In theory RFC 6979 may yield a nonce that gives `r = 0` or
/// `s = 0` (probability about 2⁻²⁵⁶); that is reported as
/// [`CryptoError::MalformedSignature`].
pub fn secp256k1_sign(
    message_hash: &[u8; MESSAGE_HASH_LEN],
    secret_key: &[u8; 32],
) -> Result<([u8; SIGNATURE_LEN], u8), CryptoError> {
    let key = signing_key(secret_key)?;
    let (signature, recovery_id) = key
        .sign_prehash_recoverable(message_hash)
        .map_err(|_| CryptoError::MalformedSignature)?;
    // `k256` already normalises; doing it here too makes "always low S" a
    // property of this function rather than of a dependency's release.
    let (signature, recovery_id) = to_low_s(signature, recovery_id);
    let bytes = <[u8; SIGNATURE_LEN]>::try_from(&signature.to_bytes()[..])
        .map_err(|_| CryptoError::MalformedSignature)?;
    Ok((bytes, recovery_id.to_byte()))
}

/// The compressed (33-byte) public key of a secret key.
///
/// # Errors
///
/// [`CryptoError::BadSecretKey`] when `secret_key` is zero or not below the
/// group order.
pub fn secp256k1_public_key(
    secret_key: &[u8; 32],
) -> Result<[u8; COMPRESSED_PUBLIC_KEY_LEN], CryptoError> {
    let key = signing_key(secret_key)?;
    compressed(key.verifying_key()).ok_or(CryptoError::BadSecretKey)
}

fn check_hash_length(message_hash: &[u8]) -> Result<[u8; MESSAGE_HASH_LEN], CryptoError> {
    <[u8; MESSAGE_HASH_LEN]>::try_from(message_hash).map_err(|_| CryptoError::BadHashLength)
}

fn check_public_key_length(public_key: &[u8]) -> Result<(), CryptoError> {
    if public_key.len() == COMPRESSED_PUBLIC_KEY_LEN
        || public_key.len() == UNCOMPRESSED_PUBLIC_KEY_LEN
    {
        Ok(())
    } else {
        Err(CryptoError::BadPublicKeyLength)
    }
}

/// The tag byte must be the one for the key's length (checked to be 33 or
/// 65): so the hybrid encodings `0x06` and `0x07` (which libsecp256k1
/// accepts) and the compact `0x05` (which `k256` accepts) are refused.
fn check_public_key_tag(public_key: &[u8]) -> Result<(), CryptoError> {
    let tag_matches_length = matches!(
        (public_key.len(), public_key.first()),
        (COMPRESSED_PUBLIC_KEY_LEN, Some(0x02 | 0x03)) | (UNCOMPRESSED_PUBLIC_KEY_LEN, Some(0x04))
    );
    if tag_matches_length {
        Ok(())
    } else {
        Err(CryptoError::MalformedPublicKey)
    }
}

fn check_signature_length(signature: &[u8]) -> Result<(), CryptoError> {
    if signature.len() == SIGNATURE_LEN {
        Ok(())
    } else {
        Err(CryptoError::BadSignatureLength)
    }
}

/// Parses `r || s` (length already checked): both in `1..n`, then low S.
fn parse_signature(signature: &[u8]) -> Result<Signature, CryptoError> {
    let signature =
        Signature::from_slice(signature).map_err(|_| CryptoError::MalformedSignature)?;
    let (_, s) = signature.split_bytes();
    // Big-endian byte strings of equal length compare like the integers.
    if s[..] > HALF_CURVE_ORDER[..] {
        return Err(CryptoError::HighS);
    }
    Ok(signature)
}

fn signing_key(secret_key: &[u8; 32]) -> Result<SigningKey, CryptoError> {
    SigningKey::from_slice(secret_key).map_err(|_| CryptoError::BadSecretKey)
}

fn compressed(key: &VerifyingKey) -> Option<[u8; COMPRESSED_PUBLIC_KEY_LEN]> {
    <[u8; COMPRESSED_PUBLIC_KEY_LEN]>::try_from(key.to_encoded_point(true).as_bytes()).ok()
}

/// Replaces a high `s` by `n − s`; the nonce point becomes −R, so the
/// recovery id's parity bit flips.
fn to_low_s(signature: Signature, recovery_id: RecoveryId) -> (Signature, RecoveryId) {
    match signature.normalize_s() {
        Some(low) => (
            low,
            RecoveryId::new(!recovery_id.is_y_odd(), recovery_id.is_x_reduced()),
        ),
        None => (signature, recovery_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k256::ecdsa::signature::hazmat::PrehashVerifier;

    // ---- helpers -------------------------------------------------------

    fn hex<const N: usize>(text: &str) -> [u8; N] {
        let text: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        assert_eq!(text.len(), 2 * N, "hex literal has the wrong length");
        let mut out = [0u8; N];
        for (i, pair) in text.chunks(2).enumerate() {
            let digits = std::str::from_utf8(pair).expect("hex literal is ASCII");
            out[i] = u8::from_str_radix(digits, 16).expect("hex literal has only hex digits");
        }
        out
    }

    /// `a - b` on 256-bit big-endian integers (`a >= b`).
    fn sub_be(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
        let mut out = [0u8; 32];
        let mut borrow = 0i16;
        for i in (0..32).rev() {
            let mut d = i16::from(a[i]) - i16::from(b[i]) - borrow;
            borrow = 0;
            if d < 0 {
                d += 256;
                borrow = 1;
            }
            out[i] = d as u8;
        }
        assert_eq!(borrow, 0, "sub_be underflow");
        out
    }

    /// `a + b` on 256-bit big-endian integers (no overflow).
    fn add_be(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
        let mut out = [0u8; 32];
        let mut carry = 0u16;
        for i in (0..32).rev() {
            let d = u16::from(a[i]) + u16::from(b[i]) + carry;
            out[i] = d as u8;
            carry = d >> 8;
        }
        assert_eq!(carry, 0, "add_be overflow");
        out
    }

    fn small(value: u64) -> [u8; 32] {
        let mut out = [0u8; 32];
        out[24..].copy_from_slice(&value.to_be_bytes());
        out
    }

    fn sig_from(r: &[u8; 32], s: &[u8; 32]) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(r);
        out[32..].copy_from_slice(s);
        out
    }

    fn r_of(sig: &[u8; 64]) -> [u8; 32] {
        sig[..32].try_into().expect("32 bytes")
    }

    fn s_of(sig: &[u8; 64]) -> [u8; 32] {
        sig[32..].try_into().expect("32 bytes")
    }

    fn high_s_twin(sig: &[u8; 64]) -> [u8; 64] {
        sig_from(&r_of(sig), &sub_be(&CURVE_ORDER, &s_of(sig)))
    }

    fn uncompressed(key: &[u8; 33]) -> [u8; 65] {
        let point = VerifyingKey::from_sec1_bytes(key)
            .expect("test key is valid")
            .to_encoded_point(false);
        point
            .as_bytes()
            .try_into()
            .expect("uncompressed key is 65 bytes")
    }

    /// The field prime p (SEC 2, section 2.4.1).
    fn field_prime() -> [u8; 32] {
        hex("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f")
    }

    /// Generator G, compressed and uncompressed (SEC 2, section 2.4.1).
    const G_COMPRESSED: &str = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
    const G_UNCOMPRESSED: &str = "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798\
                                  483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8";

    /// Deterministic generator (SplitMix64), so every run sees the same inputs.
    struct SplitMix64(u64);

    impl SplitMix64 {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, bound: u64) -> u64 {
            self.next_u64() % bound
        }

        fn fill(&mut self, out: &mut [u8]) {
            for byte in out {
                *byte = self.next_u64() as u8;
            }
        }

        fn bytes(&mut self, len: usize) -> Vec<u8> {
            let mut out = vec![0u8; len];
            self.fill(&mut out);
            out
        }

        fn array32(&mut self) -> [u8; 32] {
            let mut out = [0u8; 32];
            self.fill(&mut out);
            out
        }

        /// A valid secret key (in `1..n`).
        fn secret_key(&mut self) -> [u8; 32] {
            loop {
                let key = self.array32();
                if key != [0u8; 32] && key < CURVE_ORDER {
                    return key;
                }
            }
        }
    }

    // ---- SHA-256 -------------------------------------------------------

    #[test]
    fn crypto_sha256_published_vectors() {
        // FIPS 180-2 appendix B and the empty string.
        assert_eq!(
            sha256(b""),
            hex::<32>("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert_eq!(
            sha256(b"abc"),
            hex::<32>("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        assert_eq!(
            sha256(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            hex::<32>("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        );
        assert_eq!(
            sha256(&vec![b'a'; 1_000_000]),
            hex::<32>("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        );
        assert_eq!(sha256(b"").len(), SHA256_LEN);
    }

    // ---- published ECDSA vectors ---------------------------------------

    /// RFC 6979 (HMAC-SHA-256) secp256k1 vectors published by the Bitcoin
    /// community (bitcointalk topic 285142, used by Trezor, CoreBitcoin,
    /// bitcoinj and others): secret key, message (hashed once with SHA-256),
    /// low-S signature `r || s`, and, where published, the raw high `s` that
    /// the signer produced before normalising.
    struct Vector {
        secret_key: &'static str,
        message: &'static str,
        signature: &'static str,
        raw_high_s: Option<&'static str>,
    }

    const VECTORS: &[Vector] = &[
        Vector {
            secret_key: "0000000000000000000000000000000000000000000000000000000000000001",
            message: "Satoshi Nakamoto",
            signature: "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8\
                        2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5",
            raw_high_s: Some("dbbd3162d46e9f9bef7feb87c16dc13b4f6568a87f4e83f728e2443ba586675c"),
        },
        Vector {
            secret_key: "0000000000000000000000000000000000000000000000000000000000000001",
            message: "All those moments will be lost in time, like tears in rain. Time to die...",
            signature: "8600dbd41e348fe5c9465ab92d23e3db8b98b873beecd930736488696438cb6b\
                        547fe64427496db33bf66019dacbf0039c04199abb0122918601db38a72cfc21",
            raw_high_s: Some("ab8019bbd8b6924cc4099fe625340ffb1eaac34bf4477daa39d0835429094520"),
        },
        Vector {
            secret_key: "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140",
            message: "Satoshi Nakamoto",
            signature: "fd567d121db66e382991534ada77a6bd3106f0a1098c231e47993447cd6af2d0\
                        6b39cd0eb1bc8603e159ef5c20a5c8ad685a45b06ce9bebed3f153d10d93bed5",
            raw_high_s: Some("94c632f14e4379fc1ea610a3df5a375152549736425ee17cebe10abbc2a2826c"),
        },
        Vector {
            secret_key: "f8b8af8ce3c7cca5e300d33939540c10d45ce001b8f252bfbc57ba0342904181",
            message: "Alan Turing",
            signature: "7063ae83e7f62bbb171798131b4a0564b956930092b33b07b395615d9ec7e15c\
                        58dfcc1e00a35e1572f366ffe34ba0fc47db1e7189759b9fb233c5b05ab388ea",
            raw_high_s: None,
        },
        Vector {
            secret_key: "e91671c46231f833a6406ccbea0e3e392c76c167bac1cb013f6f1013980455c2",
            message: "There is a computer disease that anybody who works with computers knows \
                      about. It's a very serious disease and it interferes completely with the \
                      work. The trouble with computers is that you 'play' with them!",
            signature: "b552edd27580141f3b2a5463048cb7cd3e047b97c9f98076c32dbdf85a68718b\
                        279fa72dd19bfae05577e06c7c0c1900c371fcd5893f7e1d56a37d30174671f6",
            raw_high_s: None,
        },
    ];

    #[test]
    fn crypto_published_rfc6979_vectors_sign_verify_recover() {
        for (i, vector) in VECTORS.iter().enumerate() {
            let secret = hex::<32>(vector.secret_key);
            let hash = sha256(vector.message.as_bytes());
            let expected = hex::<64>(vector.signature);
            let public = secp256k1_public_key(&secret).expect("published key is valid");

            let (signature, recovery_id) =
                secp256k1_sign(&hash, &secret).expect("published key signs");
            assert_eq!(signature, expected, "vector {i}: signature");
            assert!(recovery_id <= 1, "vector {i}: recovery id {recovery_id}");

            assert_eq!(
                secp256k1_verify(&hash, &expected, &public),
                Ok(true),
                "vector {i}"
            );
            assert_eq!(
                secp256k1_verify(&hash, &expected, &uncompressed(&public)),
                Ok(true),
                "vector {i}: uncompressed key"
            );
            assert_eq!(
                secp256k1_recover(&hash, &expected, recovery_id),
                Ok(public),
                "vector {i}: recover"
            );
            // The other parity gives another key (or none), never this one.
            assert_ne!(
                secp256k1_recover(&hash, &expected, recovery_id ^ 1),
                Ok(public),
                "vector {i}: other parity"
            );
        }
    }

    #[test]
    fn crypto_published_public_keys() {
        // 1·G = G and (n − 1)·G = −G, which has G's x and the odd y.
        let one = hex::<32>(VECTORS[0].secret_key);
        let n_minus_one = hex::<32>(VECTORS[2].secret_key);
        let g = hex::<33>(G_COMPRESSED);
        assert_eq!(secp256k1_public_key(&one), Ok(g));
        let mut minus_g = g;
        minus_g[0] = 0x03;
        assert_eq!(secp256k1_public_key(&n_minus_one), Ok(minus_g));
        assert_eq!(uncompressed(&g), hex::<65>(G_UNCOMPRESSED));
    }

    #[test]
    fn crypto_published_high_s_twins_are_rejected() {
        let mut checked = 0;
        for (i, vector) in VECTORS.iter().enumerate() {
            let Some(raw_high_s) = vector.raw_high_s else {
                continue;
            };
            let secret = hex::<32>(vector.secret_key);
            let hash = sha256(vector.message.as_bytes());
            let low = hex::<64>(vector.signature);
            let public = secp256k1_public_key(&secret).expect("published key is valid");

            // The published raw s is exactly n − s of the normalised one.
            let high = high_s_twin(&low);
            assert_eq!(s_of(&high), hex::<32>(raw_high_s), "vector {i}: n - s");

            assert_eq!(
                secp256k1_verify(&hash, &high, &public),
                Err(CryptoError::HighS)
            );
            assert_eq!(
                secp256k1_verify(&hash, &high, &uncompressed(&public)),
                Err(CryptoError::HighS)
            );
            for recovery_id in 0..=3 {
                assert_eq!(
                    secp256k1_recover(&hash, &high, recovery_id),
                    Err(CryptoError::HighS),
                    "vector {i}: recovery id {recovery_id}"
                );
            }
            // ... while k256 on its own, after normalising, accepts the twin:
            // the rule is ours, not an accident of the signature's bytes.
            let parsed = Signature::from_slice(&high).expect("twin parses in k256");
            let normalised = parsed.normalize_s().expect("twin is high S");
            let key = VerifyingKey::from_sec1_bytes(&public).expect("valid key");
            assert!(key.verify_prehash(&hash, &normalised).is_ok());
            checked += 1;
        }
        assert_eq!(checked, 3);
    }

    // ---- round trips ---------------------------------------------------

    #[test]
    fn crypto_round_trips_over_many_keys_and_messages() {
        let mut rng = SplitMix64(0x6761_7377_6f72_6b73);
        let mut secrets: Vec<[u8; 32]> = vec![
            small(1),
            small(2),
            small(3),
            sub_be(&CURVE_ORDER, &small(1)),
            sub_be(&CURVE_ORDER, &small(2)),
            HALF_CURVE_ORDER,
        ];
        while secrets.len() < 64 {
            secrets.push(rng.secret_key());
        }
        let publics: Vec<[u8; 33]> = secrets
            .iter()
            .map(|secret| secp256k1_public_key(secret).expect("generated key is valid"))
            .collect();
        let mut parities = [0usize; 2];
        for (k, secret) in secrets.iter().enumerate() {
            let public = publics[k];
            let other_public = publics[(k + 1) % publics.len()];
            let public_65 = uncompressed(&public);
            assert_ne!(public, other_public);
            for m in 0..4 {
                let hash = match m {
                    0 => [0u8; 32],
                    1 => [0xff; 32], // above n: reduced modulo n
                    _ => {
                        let len = rng.below(100) as usize;
                        sha256(&rng.bytes(len))
                    }
                };
                let (signature, recovery_id) = secp256k1_sign(&hash, secret).expect("signs");
                assert_eq!(
                    secp256k1_sign(&hash, secret),
                    Ok((signature, recovery_id)),
                    "signing is deterministic"
                );
                assert!(s_of(&signature) <= HALF_CURVE_ORDER, "signature is low S");
                assert!(recovery_id <= 1);
                parities[usize::from(recovery_id)] += 1;

                assert_eq!(secp256k1_verify(&hash, &signature, &public), Ok(true));
                assert_eq!(secp256k1_verify(&hash, &signature, &public_65), Ok(true));
                assert_eq!(
                    secp256k1_recover(&hash, &signature, recovery_id),
                    Ok(public)
                );

                // Wrong message, wrong key: well formed, does not verify.
                let mut wrong_hash = hash;
                wrong_hash[rng.below(32) as usize] ^= 1 << rng.below(8);
                assert_eq!(
                    secp256k1_verify(&wrong_hash, &signature, &public),
                    Ok(false)
                );
                assert_eq!(
                    secp256k1_verify(&hash, &signature, &other_public),
                    Ok(false)
                );
                assert_eq!(
                    secp256k1_verify(&hash, &signature, &uncompressed(&other_public)),
                    Ok(false)
                );
                assert_ne!(
                    secp256k1_recover(&wrong_hash, &signature, recovery_id),
                    Ok(public)
                );
                assert_ne!(
                    secp256k1_recover(&hash, &signature, recovery_id ^ 1),
                    Ok(public)
                );
                // x-reduced recovery ids need r < p − n: never for these.
                for reduced in [2, 3] {
                    assert_eq!(
                        secp256k1_recover(&hash, &signature, reduced),
                        Err(CryptoError::RecoveryFailed)
                    );
                }

                // The high-S twin is refused everywhere.
                let twin = high_s_twin(&signature);
                assert!(s_of(&twin) > HALF_CURVE_ORDER);
                assert_eq!(
                    secp256k1_verify(&hash, &twin, &public),
                    Err(CryptoError::HighS)
                );
                assert_eq!(
                    secp256k1_verify(&hash, &twin, &public_65),
                    Err(CryptoError::HighS)
                );
                for id in 0..=3 {
                    assert_eq!(secp256k1_recover(&hash, &twin, id), Err(CryptoError::HighS));
                }
            }
        }
        // Both parities occur: the recovery id is not a constant.
        assert!(parities[0] > 0 && parities[1] > 0, "parities {parities:?}");
    }

    #[test]
    fn crypto_to_low_s_flips_parity() {
        let secret = hex::<32>(VECTORS[0].secret_key);
        let hash = sha256(VECTORS[0].message.as_bytes());
        let public = secp256k1_public_key(&secret).expect("valid key");
        let (low, recovery_id) = secp256k1_sign(&hash, &secret).expect("signs");
        // Present the high twin with the recovery id of −R, as a signer that
        // does not normalise would.
        let high = Signature::from_slice(&high_s_twin(&low)).expect("twin parses");
        let high_id = RecoveryId::from_byte(recovery_id ^ 1).expect("0 or 1");
        let (normalised, id) = to_low_s(high, high_id);
        assert_eq!(&normalised.to_bytes()[..], low.as_slice());
        assert_eq!(id.to_byte(), recovery_id);
        assert_eq!(secp256k1_recover(&hash, &low, id.to_byte()), Ok(public));
        // Already low: unchanged.
        let low_sig = Signature::from_slice(&low).expect("parses");
        let (same, same_id) = to_low_s(low_sig, RecoveryId::from_byte(2).expect("2 is valid"));
        assert_eq!(same, low_sig);
        assert_eq!(same_id.to_byte(), 2);
    }

    // ---- malformed input -----------------------------------------------

    /// A valid (hash, signature, recovery id, key) to break one piece at a time.
    fn valid_case() -> ([u8; 32], [u8; 64], u8, [u8; 33]) {
        let secret = hex::<32>(VECTORS[3].secret_key);
        let hash = sha256(VECTORS[3].message.as_bytes());
        let (signature, recovery_id) = secp256k1_sign(&hash, &secret).expect("signs");
        let public = secp256k1_public_key(&secret).expect("valid key");
        (hash, signature, recovery_id, public)
    }

    #[test]
    fn crypto_bad_lengths() {
        let (hash, signature, recovery_id, public) = valid_case();
        let public_65 = uncompressed(&public);
        let long_hash = [hash.as_slice(), &[0u8; 32]].concat();
        // k256 would accept 16..32 and longer hashes; we accept exactly 32.
        for len in [0, 1, 16, 20, 31, 33, 48, 64] {
            let bad: Vec<u8> = long_hash[..len].to_vec();
            assert_eq!(
                secp256k1_verify(&bad, &signature, &public),
                Err(CryptoError::BadHashLength)
            );
            assert_eq!(
                secp256k1_recover(&bad, &signature, recovery_id),
                Err(CryptoError::BadHashLength)
            );
        }
        let long_sig = [signature.as_slice(), &[1u8; 8], &[0x01]].concat();
        for len in [0, 1, 32, 63, 65, 72] {
            let bad = &long_sig[..len];
            assert_eq!(
                secp256k1_verify(&hash, bad, &public),
                Err(CryptoError::BadSignatureLength),
                "length {len}"
            );
            assert_eq!(
                secp256k1_recover(&hash, bad, recovery_id),
                Err(CryptoError::BadSignatureLength)
            );
        }
        let long_key = [public_65.as_slice(), &[0u8; 8]].concat();
        for len in [0, 1, 2, 32, 34, 64, 66, 73] {
            let bad = &long_key[..len];
            assert_eq!(
                secp256k1_verify(&hash, &signature, bad),
                Err(CryptoError::BadPublicKeyLength),
                "length {len}"
            );
        }
        // The SEC 1 encoding of the point at infinity is one byte.
        assert_eq!(
            secp256k1_verify(&hash, &signature, &[0x00]),
            Err(CryptoError::BadPublicKeyLength)
        );
    }

    #[test]
    fn crypto_error_precedence() {
        let (hash, signature, _, public) = valid_case();
        let high = high_s_twin(&signature);
        let zero_r = sig_from(&[0; 32], &s_of(&signature));
        let bad_key = [0x05u8; 33];
        // Every argument wrong: the hash length wins, then signature length...
        assert_eq!(
            secp256k1_verify(&[], &[], &[]),
            Err(CryptoError::BadHashLength)
        );
        assert_eq!(
            secp256k1_verify(&hash, &[], &[]),
            Err(CryptoError::BadSignatureLength)
        );
        assert_eq!(
            secp256k1_verify(&hash, &zero_r, &[]),
            Err(CryptoError::BadPublicKeyLength)
        );
        assert_eq!(
            secp256k1_verify(&hash, &zero_r, &bad_key),
            Err(CryptoError::MalformedSignature)
        );
        assert_eq!(
            secp256k1_verify(&hash, &high, &bad_key),
            Err(CryptoError::HighS)
        );
        assert_eq!(
            secp256k1_verify(&hash, &signature, &bad_key),
            Err(CryptoError::MalformedPublicKey)
        );
        assert_eq!(secp256k1_verify(&hash, &signature, &public), Ok(true));

        assert_eq!(
            secp256k1_recover(&[], &[], 9),
            Err(CryptoError::BadHashLength)
        );
        assert_eq!(
            secp256k1_recover(&hash, &[], 9),
            Err(CryptoError::BadSignatureLength)
        );
        assert_eq!(
            secp256k1_recover(&hash, &zero_r, 9),
            Err(CryptoError::BadRecoveryId)
        );
        assert_eq!(
            secp256k1_recover(&hash, &zero_r, 0),
            Err(CryptoError::MalformedSignature)
        );
        assert_eq!(secp256k1_recover(&hash, &high, 0), Err(CryptoError::HighS));
    }

    #[test]
    fn crypto_malformed_signatures() {
        let (hash, signature, _, public) = valid_case();
        let r = r_of(&signature);
        let s = s_of(&signature);
        let n = CURVE_ORDER;
        let n_plus_one = add_be(&n, &small(1));
        let max = [0xff; 32];
        let zero = [0u8; 32];
        let cases = [
            sig_from(&zero, &s),
            sig_from(&r, &zero),
            sig_from(&zero, &zero),
            sig_from(&n, &s),
            sig_from(&n_plus_one, &s),
            sig_from(&max, &s),
            // s not below n is malformed, not "high S".
            sig_from(&r, &n),
            sig_from(&r, &n_plus_one),
            sig_from(&r, &max),
            // 2 + n is 2 modulo n: not reduced, refused.
            sig_from(&add_be(&small(2), &n), &s),
            sig_from(&r, &add_be(&small(2), &n)),
        ];
        for (i, bad) in cases.iter().enumerate() {
            assert_eq!(
                secp256k1_verify(&hash, bad, &public),
                Err(CryptoError::MalformedSignature),
                "case {i}"
            );
            for id in 0..=3 {
                assert_eq!(
                    secp256k1_recover(&hash, bad, id),
                    Err(CryptoError::MalformedSignature),
                    "case {i}"
                );
            }
        }
        // Just inside the range: well formed (does not verify, but no error).
        let n_minus_one = sub_be(&n, &small(1));
        assert_eq!(
            secp256k1_verify(&hash, &sig_from(&n_minus_one, &s), &public),
            Ok(false)
        );
        assert_eq!(
            secp256k1_verify(&hash, &sig_from(&small(1), &small(1)), &public),
            Ok(false)
        );
    }

    #[test]
    fn crypto_high_s_boundary() {
        let (hash, signature, _, public) = valid_case();
        let r = r_of(&signature);
        let half = HALF_CURVE_ORDER;
        let half_plus_one = add_be(&half, &small(1));
        // (n − 1) / 2 + 1 = (n + 1) / 2 and (n − 1) / 2 are n − each other.
        assert_eq!(sub_be(&CURVE_ORDER, &half), half_plus_one);
        // The largest low s is accepted as well formed...
        let at = sig_from(&r, &half);
        assert_eq!(secp256k1_verify(&hash, &at, &public), Ok(false));
        for id in 0..=3 {
            assert_ne!(secp256k1_recover(&hash, &at, id), Err(CryptoError::HighS));
            assert_ne!(
                secp256k1_recover(&hash, &at, id),
                Err(CryptoError::MalformedSignature)
            );
        }
        // ... the next one, and n − 1, are high S.
        for high_s in [half_plus_one, sub_be(&CURVE_ORDER, &small(1))] {
            let above = sig_from(&r, &high_s);
            assert_eq!(
                secp256k1_verify(&hash, &above, &public),
                Err(CryptoError::HighS)
            );
            for id in 0..=3 {
                assert_eq!(
                    secp256k1_recover(&hash, &above, id),
                    Err(CryptoError::HighS)
                );
            }
        }
    }

    #[test]
    fn crypto_malformed_public_keys() {
        let (hash, signature, _, public) = valid_case();
        let public_65 = uncompressed(&public);
        let expect_malformed = |key: &[u8], what: &str| {
            assert_eq!(
                secp256k1_verify(&hash, &signature, key),
                Err(CryptoError::MalformedPublicKey),
                "{what}"
            );
        };
        // Wrong tag for a 33-byte key, including 0x05 "compact", which k256
        // alone would accept.
        for tag in [0x00, 0x01, 0x04, 0x05, 0x06, 0x07, 0x08, 0xff] {
            let mut key = public;
            key[0] = tag;
            expect_malformed(&key, &format!("33 bytes, tag {tag:#04x}"));
        }
        let mut compact = public;
        compact[0] = 0x05;
        assert!(
            VerifyingKey::from_sec1_bytes(&compact).is_ok(),
            "k256 accepts the compact form, which is why we check the tag"
        );
        // Wrong tag for a 65-byte key, including the hybrid 0x06/0x07 (both
        // parities, so one of them is the "right" hybrid tag for this key).
        for tag in [0x00, 0x01, 0x02, 0x03, 0x05, 0x06, 0x07, 0xff] {
            let mut key = public_65;
            key[0] = tag;
            expect_malformed(&key, &format!("65 bytes, tag {tag:#04x}"));
        }
        // Compressed x with no point on the curve (x³ + 7 is not a square
        // modulo p for x = 0 and x = 5), and x not below p.
        let p = field_prime();
        for (x, what) in [
            (small(0), "x = 0"),
            (small(5), "x = 5"),
            (p, "x = p"),
            ([0xff; 32], "x = 2^256 - 1"),
        ] {
            for tag in [0x02, 0x03] {
                let key = [&[tag][..], &x].concat();
                expect_malformed(&key, what);
            }
        }
        // x = p + 1 would be 1 modulo p: still refused, no reduction.
        let key = [&[0x02][..], &add_be(&p, &small(1))].concat();
        expect_malformed(&key, "x = p + 1");
        // Uncompressed: off the curve, coordinates not below p, all zeros.
        let mut off_curve = public_65;
        off_curve[64] ^= 1;
        expect_malformed(&off_curve, "y + 1");
        let mut x_too_big = public_65;
        x_too_big[1..33].copy_from_slice(&p);
        expect_malformed(&x_too_big, "x = p");
        // y' = y + p fits in 256 bits only when y < 2^256 − p; use y = p itself.
        let mut y_is_p = public_65;
        y_is_p[33..].copy_from_slice(&p);
        expect_malformed(&y_is_p, "y = p");
        let mut zeros = [0u8; 65];
        zeros[0] = 0x04;
        expect_malformed(&zeros, "(0, 0)");
        // Sanity: the untouched keys are fine.
        assert_eq!(secp256k1_verify(&hash, &signature, &public), Ok(true));
        assert_eq!(secp256k1_verify(&hash, &signature, &public_65), Ok(true));
    }

    #[test]
    fn crypto_bad_recovery_ids() {
        let (hash, signature, recovery_id, public) = valid_case();
        for id in 4..=255u8 {
            assert_eq!(
                secp256k1_recover(&hash, &signature, id),
                Err(CryptoError::BadRecoveryId),
                "id {id}"
            );
        }
        assert_eq!(
            secp256k1_recover(&hash, &signature, recovery_id),
            Ok(public)
        );
    }

    #[test]
    fn crypto_recovery_edge_cases() {
        let hash = sha256(b"recovery edge cases");
        let s = small(7);
        let p = field_prime();
        let n = CURVE_ORDER;
        // r = 5, recovery id 0/1: no point has x = 5.
        for id in [0, 1] {
            assert_eq!(
                secp256k1_recover(&hash, &sig_from(&small(5), &s), id),
                Err(CryptoError::RecoveryFailed)
            );
        }
        // r = 2, recovery id 2/3: x = 2 + n < p is on the curve, so a key is
        // recovered, and it verifies the signature (x(R) mod n = r).
        let two = sig_from(&small(2), &s);
        let mut keys = Vec::new();
        for id in 0..=3 {
            let key = secp256k1_recover(&hash, &two, id).expect("r = 2 recovers for all ids");
            assert_eq!(secp256k1_verify(&hash, &two, &key), Ok(true), "id {id}");
            keys.push(key);
        }
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), 4, "four recovery ids, four different keys");
        // r = 1, recovery id 2: x = 1 + n is not on the curve.
        assert_eq!(
            secp256k1_recover(&hash, &sig_from(&small(1), &s), 2),
            Err(CryptoError::RecoveryFailed)
        );
        // r = p − n: x = r + n = p is not a field element.
        let p_minus_n = sub_be(&p, &n);
        assert_eq!(
            secp256k1_recover(&hash, &sig_from(&p_minus_n, &s), 2),
            Err(CryptoError::RecoveryFailed)
        );
        // r = n − 1: r + n overflows 256 bits.
        assert_eq!(
            secp256k1_recover(&hash, &sig_from(&sub_be(&n, &small(1)), &s), 3),
            Err(CryptoError::RecoveryFailed)
        );
    }

    #[test]
    fn crypto_bad_secret_keys() {
        let hash = sha256(b"secret keys");
        let n = CURVE_ORDER;
        for secret in [[0u8; 32], n, add_be(&n, &small(1)), [0xff; 32]] {
            assert_eq!(
                secp256k1_sign(&hash, &secret),
                Err(CryptoError::BadSecretKey)
            );
            assert_eq!(
                secp256k1_public_key(&secret),
                Err(CryptoError::BadSecretKey)
            );
        }
        for secret in [small(1), sub_be(&n, &small(1))] {
            assert!(secp256k1_sign(&hash, &secret).is_ok());
            assert!(secp256k1_public_key(&secret).is_ok());
        }
    }

    // ---- garbage in, typed outcome out ---------------------------------

    /// What the rules predict from the bytes alone, without curve arithmetic.
    fn predicted_signature_error(signature: &[u8]) -> Option<CryptoError> {
        let r: [u8; 32] = signature[..32].try_into().expect("64-byte signature");
        let s: [u8; 32] = signature[32..].try_into().expect("64-byte signature");
        let in_range = |x: &[u8; 32]| *x != [0u8; 32] && *x < CURVE_ORDER;
        if !in_range(&r) || !in_range(&s) {
            Some(CryptoError::MalformedSignature)
        } else if s > HALF_CURVE_ORDER {
            Some(CryptoError::HighS)
        } else {
            None
        }
    }

    fn predicted_verify(hash: &[u8], signature: &[u8], key: &[u8]) -> Option<CryptoError> {
        if hash.len() != 32 {
            return Some(CryptoError::BadHashLength);
        }
        if signature.len() != 64 {
            return Some(CryptoError::BadSignatureLength);
        }
        if key.len() != 33 && key.len() != 65 {
            return Some(CryptoError::BadPublicKeyLength);
        }
        if let Some(error) = predicted_signature_error(signature) {
            return Some(error);
        }
        let tag_ok = matches!((key.len(), key[0]), (33, 2 | 3) | (65, 4));
        (!tag_ok).then_some(CryptoError::MalformedPublicKey)
    }

    fn predicted_recover(hash: &[u8], signature: &[u8], id: u8) -> Option<CryptoError> {
        if hash.len() != 32 {
            return Some(CryptoError::BadHashLength);
        }
        if signature.len() != 64 {
            return Some(CryptoError::BadSignatureLength);
        }
        if id > 3 {
            return Some(CryptoError::BadRecoveryId);
        }
        predicted_signature_error(signature)
    }

    fn random_length(rng: &mut SplitMix64, usual: usize) -> usize {
        if rng.below(4) == 0 {
            rng.below(2 * usual as u64 + 2) as usize
        } else {
            usual
        }
    }

    fn random_scalar(rng: &mut SplitMix64) -> [u8; 32] {
        match rng.below(8) {
            0 => [0u8; 32],
            1 => CURVE_ORDER,
            2 => HALF_CURVE_ORDER,
            3 => add_be(&HALF_CURVE_ORDER, &small(1)),
            4 => [0xff; 32],
            5 => small(rng.below(16)),
            _ => rng.array32(),
        }
    }

    #[test]
    fn crypto_garbage_gives_typed_outcomes_never_panics() {
        let mut rng = SplitMix64(2_000);
        let (valid_hash, valid_sig, valid_id, valid_key) = valid_case();
        let valid_key_65 = uncompressed(&valid_key);
        let mut seen_verify: Vec<Result<bool, CryptoError>> = Vec::new();
        let mut seen_recover: Vec<Result<(), CryptoError>> = Vec::new();
        for round in 0..2_000 {
            let (hash, signature, key, id): (Vec<u8>, Vec<u8>, Vec<u8>, u8) = if round % 4 == 0 {
                // A valid case with one bit flipped somewhere.
                let mut hash = valid_hash.to_vec();
                let mut signature = valid_sig.to_vec();
                let mut key = if rng.below(2) == 0 {
                    valid_key.to_vec()
                } else {
                    valid_key_65.to_vec()
                };
                let target = match rng.below(3) {
                    0 => &mut hash,
                    1 => &mut signature,
                    _ => &mut key,
                };
                let at = rng.below(target.len() as u64) as usize;
                target[at] ^= 1 << rng.below(8);
                (hash, signature, key, valid_id)
            } else {
                let hash_len = random_length(&mut rng, 32);
                let hash = rng.bytes(hash_len);
                let signature = if rng.below(2) == 0 {
                    let len = random_length(&mut rng, 64);
                    rng.bytes(len)
                } else {
                    sig_from(&random_scalar(&mut rng), &random_scalar(&mut rng)).to_vec()
                };
                let key_len = match rng.below(3) {
                    0 => 33,
                    1 => 65,
                    _ => rng.below(100) as usize,
                };
                let mut key = rng.bytes(key_len);
                if let Some(tag) = key.first_mut() {
                    *tag = match rng.below(4) {
                        0 => rng.next_u64() as u8,
                        1 => rng.below(8) as u8,
                        _ => {
                            if key_len == 65 {
                                4
                            } else {
                                2 + rng.below(2) as u8
                            }
                        }
                    };
                }
                let id = if rng.below(4) == 0 {
                    rng.next_u64() as u8
                } else {
                    rng.below(4) as u8
                };
                (hash, signature, key, id)
            };

            let verified = secp256k1_verify(&hash, &signature, &key);
            match predicted_verify(&hash, &signature, &key) {
                Some(error) => assert_eq!(verified, Err(error), "round {round}"),
                // Tag and lengths fine: the point may still be off the curve.
                None => assert!(
                    matches!(verified, Ok(false) | Err(CryptoError::MalformedPublicKey)),
                    "round {round}: {verified:?}"
                ),
            }
            if !seen_verify.contains(&verified) {
                seen_verify.push(verified);
            }

            let recovered = secp256k1_recover(&hash, &signature, id);
            match predicted_recover(&hash, &signature, id) {
                Some(error) => assert_eq!(recovered, Err(error), "round {round}"),
                None => match recovered {
                    // Whatever is recovered verifies the signature it came from.
                    Ok(found) => {
                        assert_eq!(secp256k1_verify(&hash, &signature, &found), Ok(true));
                        // ... and is the signer only if nothing was changed.
                        assert_eq!(
                            found == valid_key,
                            hash == valid_hash && signature == valid_sig,
                            "round {round}"
                        );
                    }
                    Err(error) => assert_eq!(error, CryptoError::RecoveryFailed, "round {round}"),
                },
            }
            let recovered = recovered.map(|_| ());
            if !seen_recover.contains(&recovered) {
                seen_recover.push(recovered);
            }
        }
        // The generator reaches every outcome (else this test proves little).
        for expected in [
            Ok(false),
            Err(CryptoError::BadHashLength),
            Err(CryptoError::BadSignatureLength),
            Err(CryptoError::MalformedSignature),
            Err(CryptoError::HighS),
            Err(CryptoError::BadPublicKeyLength),
            Err(CryptoError::MalformedPublicKey),
        ] {
            assert!(
                seen_verify.contains(&expected),
                "verify never gave {expected:?}"
            );
        }
        for expected in [
            Ok(()),
            Err(CryptoError::BadHashLength),
            Err(CryptoError::BadSignatureLength),
            Err(CryptoError::MalformedSignature),
            Err(CryptoError::HighS),
            Err(CryptoError::BadRecoveryId),
            Err(CryptoError::RecoveryFailed),
        ] {
            assert!(
                seen_recover.contains(&expected),
                "recover never gave {expected:?}"
            );
        }
    }

    // ---- libsecp256k1 against k256 --------------------------------------

    /// Verification as it was done with `k256` (the same checks first, then
    /// `k256`'s point parsing and equation): the reference that the
    /// libsecp256k1 verifier must agree with on every input.
    fn k256_verify(hash: &[u8], signature: &[u8], key: &[u8]) -> Result<bool, CryptoError> {
        check_hash_length(hash)?;
        check_signature_length(signature)?;
        check_public_key_length(key)?;
        let signature = parse_signature(signature)?;
        check_public_key_tag(key)?;
        let key =
            VerifyingKey::from_sec1_bytes(key).map_err(|_| CryptoError::MalformedPublicKey)?;
        Ok(key.verify_prehash(hash, &signature).is_ok())
    }

    fn assert_same_verdict(hash: &[u8], signature: &[u8], key: &[u8], case: &str) -> bool {
        let ours = secp256k1_verify(hash, signature, key);
        let reference = k256_verify(hash, signature, key);
        assert_eq!(
            ours, reference,
            "{case}: libsecp256k1 and k256 disagree on hash {hash:02x?} signature {signature:02x?} key {key:02x?}"
        );
        ours == Ok(true)
    }

    #[test]
    fn crypto_libsecp256k1_agrees_with_k256_on_valid_and_mutated_signatures() {
        let mut rng = SplitMix64(31_337);
        let mut verified = 0;
        let mut refused = 0;
        for round in 0..600 {
            let secret = rng.secret_key();
            let key = secp256k1_public_key(&secret).expect("valid key");
            let key_65 = uncompressed(&key);
            // Hashes at and above n are reduced modulo n by both libraries.
            let hash = match round % 6 {
                0 => add_be(&CURVE_ORDER, &small(rng.below(1 << 20))),
                1 => [0xff; 32],
                2 => [0; 32],
                _ => rng.array32(),
            };
            let (signature, _) = secp256k1_sign(&hash, &secret).expect("signs");
            assert!(assert_same_verdict(&hash, &signature, &key, "valid"));
            assert!(assert_same_verdict(
                &hash,
                &signature,
                &key_65,
                "valid, 65 bytes"
            ));
            verified += 2;
            // One bit flipped in the hash, the signature or either key.
            let mut inputs = [
                hash.to_vec(),
                signature.to_vec(),
                key.to_vec(),
                key_65.to_vec(),
            ];
            let target = rng.below(4) as usize;
            let at = rng.below(inputs[target].len() as u64) as usize;
            inputs[target][at] ^= 1 << rng.below(8);
            let key_input = if target == 3 { &inputs[3] } else { &inputs[2] };
            if !assert_same_verdict(&inputs[0], &inputs[1], key_input, "one bit flipped") {
                refused += 1;
            }
            // The same signature under a random x of either parity: about
            // half of all x are on the curve (a wrong key), half are not.
            let mut random_key = [0u8; 33];
            random_key[0] = 2 + rng.below(2) as u8;
            random_key[1..].copy_from_slice(&rng.array32());
            assert!(!assert_same_verdict(
                &hash,
                &signature,
                &random_key,
                "random key"
            ));
            // An uncompressed key with a wrong y is never on the curve.
            let mut wrong_y = key_65;
            wrong_y[64] ^= 1 << rng.below(8);
            assert!(!assert_same_verdict(&hash, &signature, &wrong_y, "wrong y"));
        }
        assert_eq!(verified, 1_200);
        assert!(
            refused > 500,
            "the mutations must mostly break signatures: {refused}"
        );
    }

    #[test]
    fn crypto_libsecp256k1_agrees_with_k256_on_edge_values() {
        let mut rng = SplitMix64(4_242);
        let p = field_prime();
        let (hash, signature, _, key) = valid_case();
        // Coordinates at and above the field prime, of both encodings.
        for x in [
            p,
            add_be(&p, &small(1)),
            [0xff; 32],
            sub_be(&p, &small(1)),
            [0; 32],
        ] {
            for tag in [2u8, 3] {
                let mut compressed = [0u8; 33];
                compressed[0] = tag;
                compressed[1..].copy_from_slice(&x);
                assert_same_verdict(&hash, &signature, &compressed, "edge x");
            }
            let mut full = uncompressed(&key);
            full[1..33].copy_from_slice(&x);
            assert_same_verdict(&hash, &signature, &full, "edge x, 65 bytes");
            let mut full = uncompressed(&key);
            full[33..].copy_from_slice(&x);
            assert_same_verdict(&hash, &signature, &full, "edge y, 65 bytes");
        }
        // Edge scalars for r and s, and random ones, under a real key.
        let edges = [
            small(1),
            small(2),
            HALF_CURVE_ORDER,
            add_be(&HALF_CURVE_ORDER, &small(1)),
            sub_be(&CURVE_ORDER, &small(1)),
            CURVE_ORDER,
            [0; 32],
        ];
        for r in edges {
            for s in edges {
                assert_same_verdict(&hash, &sig_from(&r, &s), &key, "edge scalars");
            }
        }
        for _ in 0..300 {
            let signature = sig_from(&random_scalar(&mut rng), &random_scalar(&mut rng));
            assert_same_verdict(&hash, &signature, &key, "random scalars");
        }
    }

    /// The rare branch of verification: the nonce point's x is at or above
    /// n, so r is x − n and the verifier must also try r + n. No honest
    /// signer hits it (probability about 2⁻¹²⁷), so the case is made by
    /// recovery: choose R with x = n + t, any s and hash, and recover the key
    /// for which that signature holds (recovery id bit 1: x was reduced).
    #[test]
    fn crypto_libsecp256k1_agrees_with_k256_when_r_was_reduced() {
        let mut rng = SplitMix64(99);
        let mut found = 0;
        for t in 1..200u64 {
            let r = small(t);
            let s = loop {
                let s = random_scalar(&mut rng);
                if s != [0; 32] && s <= HALF_CURVE_ORDER {
                    break s;
                }
            };
            let hash = rng.array32();
            let signature = sig_from(&r, &s);
            for id in [2u8, 3] {
                let Ok(key) = secp256k1_recover(&hash, &signature, id) else {
                    continue;
                };
                found += 1;
                assert!(assert_same_verdict(&hash, &signature, &key, "x reduced"));
                assert!(assert_same_verdict(
                    &hash,
                    &signature,
                    &uncompressed(&key),
                    "x reduced, 65"
                ));
                let mut other = hash;
                other[31] ^= 1;
                assert!(!assert_same_verdict(
                    &other,
                    &signature,
                    &key,
                    "x reduced, other hash"
                ));
            }
        }
        // About half of all t give a point with x = n + t.
        assert!(found > 100, "too few reduced-x cases: {found}");
    }

    // ---- error codes ---------------------------------------------------

    #[test]
    fn crypto_error_codes_are_pinned() {
        // These numbers enter consensus: changing one is a hard fork.
        let pinned = [
            (CryptoError::BadHashLength, 1),
            (CryptoError::BadSignatureLength, 2),
            (CryptoError::MalformedSignature, 3),
            (CryptoError::HighS, 4),
            (CryptoError::BadPublicKeyLength, 5),
            (CryptoError::MalformedPublicKey, 6),
            (CryptoError::BadRecoveryId, 7),
            (CryptoError::RecoveryFailed, 8),
            (CryptoError::BadSecretKey, 9),
        ];
        for (error, code) in pinned {
            assert_eq!(error.code(), code, "{error:?}");
        }
        // ALL lists every variant once, in code order; adding a variant
        // without listing it here fails to compile (no wildcard arm).
        let listed = |error: CryptoError| match error {
            CryptoError::BadHashLength
            | CryptoError::BadSignatureLength
            | CryptoError::MalformedSignature
            | CryptoError::HighS
            | CryptoError::BadPublicKeyLength
            | CryptoError::MalformedPublicKey
            | CryptoError::BadRecoveryId
            | CryptoError::RecoveryFailed
            | CryptoError::BadSecretKey => pinned.iter().any(|(e, _)| *e == error),
        };
        assert_eq!(CryptoError::ALL.len(), pinned.len());
        let mut codes = Vec::new();
        for (i, error) in CryptoError::ALL.iter().enumerate() {
            assert!(listed(*error));
            assert_eq!(error.code(), pinned[i].1, "ALL is in code order");
            assert_ne!(error.code(), 0, "0 means success");
            assert!(!error.to_string().is_empty());
            codes.push(error.code());
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), CryptoError::ALL.len(), "codes are distinct");
    }
}
