//! Crypto host functions: SHA-256, secp256k1 verification and recovery,
//! wired to guest memory; their error codes, bounds and gas.

mod common;

use common::*;
use gasworks_host_api::crypto::{self, CURVE_ORDER, CryptoError};
use gasworks_vm::trap::TrapKind;

/// Runs `body` with `input` copied to address 0 and returns the receipt.
fn run(body: &str, input: &[u8]) -> gasworks_host_api::Receipt {
    let mut chain = Chain::new();
    chain.deploy(
        addr(1),
        &contract(&format!(
            "(drop (call $input (i32.const 0) (i32.const 8192))) {body}"
        )),
    );
    chain.execute(addr(1), input, GAS).0
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn sha256_hashes_guest_memory() {
    let body =
        "(call $sha256 (i32.const 0) (call $input (i32.const 0) (i32.const 0)) (i32.const 9000))
                (call $set_return_data (i32.const 9000) (i32.const 32))";
    let receipt = run(body, b"abc");
    assert_eq!(
        receipt.return_data,
        hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    let receipt = run(body, b"");
    assert_eq!(
        receipt.return_data,
        hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
    let long = vec![0x61; 1000];
    assert_eq!(run(body, &long).return_data, crypto::sha256(&long));
}

#[test]
fn sha256_gas_is_per_block_of_padded_input() {
    let op = "(call $sha256 (i32.const 0) (i32.load (i32.const 0)) (i32.const 9000))";
    // 55 bytes and a 9-byte minimum padding fill one block; 56 need two.
    for (len, blocks) in [
        (0u32, 1u64),
        (55, 1),
        (56, 2),
        (119, 2),
        (120, 3),
        (8192, 129),
    ] {
        assert_eq!(
            measure("", op, &words(&[len])),
            price("sha256", 0, blocks),
            "{len} bytes"
        );
    }
    assert_eq!(
        measure("", op, &words(&[6400])) - measure("", op, &words(&[0])),
        100 * price("sha256", 0, 1).saturating_sub(base("sha256"))
    );
}

/// Memory layout of the signature contracts: hash at 100, signature at
/// 200, key at 300, output at 400; lengths from the input.
fn verify_input(hash: &[u8], sig: &[u8], key: &[u8]) -> Vec<u8> {
    let mut input = vec![0u8; 400];
    input[..12].copy_from_slice(&words(&[
        hash.len() as u32,
        sig.len() as u32,
        key.len() as u32,
    ]));
    input[100..100 + hash.len()].copy_from_slice(hash);
    input[200..200 + sig.len()].copy_from_slice(sig);
    input[300..300 + key.len()].copy_from_slice(key);
    input
}

const VERIFY: &str = "(i32.store (i32.const 500) (call $secp256k1_verify
        (i32.const 100) (i32.load (i32.const 0))
        (i32.const 200) (i32.load (i32.const 4))
        (i32.const 300) (i32.load (i32.const 8))))
    (call $set_return_data (i32.const 500) (i32.const 4))";

const RECOVER: &str = "(i32.store (i32.const 500) (call $secp256k1_recover
        (i32.const 100) (i32.load (i32.const 0))
        (i32.const 200) (i32.load (i32.const 4))
        (i32.load (i32.const 8)) (i32.const 400)))
    (memory.copy (i32.const 504) (i32.const 400) (i32.const 33))
    (call $set_return_data (i32.const 500) (i32.const 37))";

fn keypair() -> ([u8; 32], [u8; 33]) {
    let secret = [0x42; 32];
    let public = crypto::secp256k1_public_key(&secret).expect("valid secret key");
    (secret, public)
}

fn high_s(sig: &[u8; 64]) -> [u8; 64] {
    // s' = n - s, big-endian subtraction.
    let mut out = *sig;
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(CURVE_ORDER[i]) - i16::from(sig[32 + i]) - borrow;
        out[32 + i] = d.rem_euclid(256) as u8;
        borrow = i16::from(d < 0);
    }
    out
}

fn code(error: CryptoError) -> i32 {
    -(error.code() as i32)
}

#[test]
fn secp256k1_verify_returns_one_zero_or_an_error_code() {
    let (secret, public) = keypair();
    let hash = crypto::sha256(b"transfer 10 to bob");
    let (sig, _) = crypto::secp256k1_sign(&hash, &secret).expect("signs");
    let verify = |hash: &[u8], sig: &[u8], key: &[u8]| {
        returned_i32s(&run(VERIFY, &verify_input(hash, sig, key)))[0]
    };
    assert_eq!(verify(&hash, &sig, &public), 1);
    let other = crypto::sha256(b"transfer 11 to bob");
    assert_eq!(verify(&other, &sig, &public), 0);
    let (_, other_key) = (0, crypto::secp256k1_public_key(&[7; 32]).expect("key"));
    assert_eq!(verify(&hash, &sig, &other_key), 0);
    assert_eq!(
        verify(&hash[..31], &sig, &public),
        code(CryptoError::BadHashLength)
    );
    assert_eq!(
        verify(&hash, &sig[..63], &public),
        code(CryptoError::BadSignatureLength)
    );
    assert_eq!(
        verify(&hash, &sig, &public[..32]),
        code(CryptoError::BadPublicKeyLength)
    );
    let mut bad_key = public;
    bad_key[0] = 0x05;
    assert_eq!(
        verify(&hash, &sig, &bad_key),
        code(CryptoError::MalformedPublicKey)
    );
    assert_eq!(
        verify(&hash, &[0; 64], &public),
        code(CryptoError::MalformedSignature)
    );
    assert_eq!(
        verify(&hash, &high_s(&sig), &public),
        code(CryptoError::HighS)
    );
}

#[test]
fn secp256k1_recover_returns_the_signer_or_an_error_code() {
    let (secret, public) = keypair();
    let hash = crypto::sha256(b"hello");
    let (sig, recovery_id) = crypto::secp256k1_sign(&hash, &secret).expect("signs");
    let recover = |hash: &[u8], sig: &[u8], id: u32| {
        let mut input = verify_input(hash, sig, &[]);
        input[8..12].copy_from_slice(&id.to_le_bytes());
        let receipt = run(RECOVER, &input);
        assert!(receipt.is_success(), "{receipt:?}");
        let status = i32::from_le_bytes(receipt.return_data[..4].try_into().expect("4"));
        (status, receipt.return_data[4..].to_vec())
    };
    let (status, key) = recover(&hash, &sig, u32::from(recovery_id));
    assert_eq!(status, 0);
    assert_eq!(key, public);
    // The other parity recovers another key (or none), never the signer.
    let (status, key) = recover(&hash, &sig, u32::from(recovery_id ^ 1));
    assert!(status == 0 && key != public || status == code(CryptoError::RecoveryFailed));
    for id in [4u32, 255, 256, u32::MAX] {
        assert_eq!(
            recover(&hash, &sig, id).0,
            code(CryptoError::BadRecoveryId),
            "id {id}"
        );
    }
    assert_eq!(
        recover(&hash[..1], &sig, 0).0,
        code(CryptoError::BadHashLength)
    );
    assert_eq!(
        recover(&hash, &sig[..1], 0).0,
        code(CryptoError::BadSignatureLength)
    );
    assert_eq!(
        recover(&hash, &high_s(&sig), u32::from(recovery_id)).0,
        code(CryptoError::HighS)
    );
    // A failed recovery writes nothing.
    assert_eq!(
        recover(&hash, &[0; 64], 0),
        (code(CryptoError::MalformedSignature), vec![0; 33])
    );
}

#[test]
fn signature_functions_check_every_range_first() {
    let (secret, public) = keypair();
    let hash = crypto::sha256(b"x");
    let (sig, id) = crypto::secp256k1_sign(&hash, &secret).expect("signs");
    let page = 65_536;
    let verify_at = |hash_ptr: u32, sig_ptr: u32, key_ptr: u32| {
        format!(
            "(drop (call $secp256k1_verify (i32.const {hash_ptr}) (i32.const 32)
               (i32.const {sig_ptr}) (i32.const 64) (i32.const {key_ptr}) (i32.const 33)))"
        )
    };
    let input = verify_input(&hash, &sig, &public);
    for body in [
        verify_at(page - 31, 200, 300),
        verify_at(100, page - 63, 300),
        verify_at(100, 200, u32::MAX),
    ] {
        assert_trap(
            &run(&body, &input),
            "secp256k1_verify",
            TrapKind::MemoryOutOfBounds,
        );
    }
    // An output range out of bounds traps even when the input is malformed.
    let recover_to = |out: u32, id: u32| {
        format!(
            "(drop (call $secp256k1_recover (i32.const 100) (i32.const 32)
               (i32.const 200) (i32.const 64) (i32.const {id}) (i32.const {out})))"
        )
    };
    for id in [u32::from(id), 9] {
        assert_trap(
            &run(&recover_to(page - 32, id), &input),
            "secp256k1_recover",
            TrapKind::MemoryOutOfBounds,
        );
    }
    assert!(run(&recover_to(page - 33, u32::from(id)), &input).is_success());
    let sha = |data_ptr: u32, data_len: u32, out: u32| {
        format!("(call $sha256 (i32.const {data_ptr}) (i32.const {data_len}) (i32.const {out}))")
    };
    for body in [
        sha(page - 10, 11, 0),
        sha(0, 10, page - 31),
        sha(1, u32::MAX, 0),
    ] {
        assert_trap(&run(&body, b""), "sha256", TrapKind::MemoryOutOfBounds);
    }
    assert!(run(&sha(0, page, page - 32), b"").is_success());
}

#[test]
fn signature_gas_is_fixed_whatever_the_input() {
    let (secret, public) = keypair();
    let hash = crypto::sha256(b"x");
    let (sig, id) = crypto::secp256k1_sign(&hash, &secret).expect("signs");
    let verify_op = "(drop (call $secp256k1_verify
        (i32.const 100) (i32.load (i32.const 0))
        (i32.const 200) (i32.load (i32.const 4))
        (i32.const 300) (i32.load (i32.const 8))))";
    for input in [
        verify_input(&hash, &sig, &public),
        verify_input(&hash, &[0; 64], &public),
        verify_input(&hash[..3], &sig, &public),
        verify_input(&hash, &sig, &[9; 65]),
    ] {
        assert_eq!(
            measure("", verify_op, &input),
            price("secp256k1_verify", 0, 0)
        );
    }
    let recover_op = "(drop (call $secp256k1_recover
        (i32.const 100) (i32.load (i32.const 0))
        (i32.const 200) (i32.load (i32.const 4))
        (i32.load (i32.const 8)) (i32.const 400)))";
    for (hash, sig, id) in [
        (&hash[..], &sig[..], u32::from(id)),
        (&hash[..], &sig[..], 7),
        (&hash[..5], &sig[..], 0),
    ] {
        let mut input = verify_input(hash, sig, &[]);
        input[8..12].copy_from_slice(&id.to_le_bytes());
        assert_eq!(
            measure("", recover_op, &input),
            price("secp256k1_recover", 0, 0)
        );
    }
}
