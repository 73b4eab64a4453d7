//! A multisig wallet: a set of owners (secp256k1 public keys) and a
//! threshold; any account may submit an action (a call to a contract made
//! in the wallet's name) with the owners' signatures over it, and the
//! wallet runs it when enough distinct owners signed.
//!
//! An owner signs the SHA-256 of the borsh encoding of
//! `("gasworks-multisig", chain id, wallet address, nonce, action)`: the
//! chain id and address keep a signature from being replayed on another
//! chain or wallet, the nonce from being replayed here (it goes up with
//! every action run). Signatures are checked by the host (`verify` against
//! the owner's key by index, or `recover` the key and look it up).

#![no_std]

extern crate alloc;

use alloc::vec::Vec;

use borsh::{BorshDeserialize, BorshSerialize};
use gasworks_sdk::crypto::{self, CryptoError};
use gasworks_sdk::storage::Item;
use gasworks_sdk::{Address, call, contract, env, require};

/// A compressed secp256k1 public key.
pub type PublicKey = [u8; 33];

/// The owners' keys and the threshold.
const OWNERS: Item<(Vec<PublicKey>, u32)> = Item::new(b"o");
/// Actions run so far.
const NONCE: Item<u64> = Item::new(b"n");

/// What the wallet does once approved: call `contract` with `input` (borsh
/// of the method name and arguments) and at most `gas`.
#[derive(BorshSerialize, BorshDeserialize, Clone, Debug)]
pub struct Action {
    pub contract: Address,
    pub input: Vec<u8>,
    pub gas: u64,
}

/// The hash the owners sign for `action` at `nonce`.
fn message_hash(action: &Action, nonce: u64) -> [u8; 32] {
    let message = (
        "gasworks-multisig",
        env::chain_id(),
        env::contract_address(),
        nonce,
        action,
    );
    let bytes = borsh::to_vec(&message).expect("encoding to a Vec does not fail");
    crypto::sha256(&bytes)
}

/// Counts the distinct owners in `signers` (indices into the owners),
/// failing on an index out of range or a repeated signer.
fn count_signers(signers: &[usize], threshold: u32) -> Vec<PublicKey> {
    let (owners, _) = OWNERS.get().expect("not initialised");
    let mut seen = Vec::new();
    for &index in signers {
        require!(index < owners.len(), "no owner #{index}");
        require!(!seen.contains(&index), "owner #{index} signed twice");
        seen.push(index);
    }
    require!(
        seen.len() as u32 >= threshold,
        "{} valid signatures, {threshold} needed",
        seen.len()
    );
    owners
}

/// Runs `action` and advances the nonce.
fn run(action: &Action, nonce: u64) -> Vec<u8> {
    NONCE.set(&(nonce + 1));
    match call::call_raw(&action.contract, &action.input, action.gas) {
        Ok(data) => data,
        Err(error) => panic!("the action failed: {error}"),
    }
}

pub struct Multisig;

#[contract]
impl Multisig {
    /// Sets the owners and the threshold, once.
    pub fn init(owners: Vec<PublicKey>, threshold: u32) {
        require!(!OWNERS.exists(), "already initialised");
        require!(
            threshold >= 1 && threshold as usize <= owners.len(),
            "the threshold must be between 1 and the number of owners"
        );
        OWNERS.set(&(owners, threshold));
    }

    /// Runs `action` if at least the threshold of distinct owners signed
    /// it: `signatures` are (owner index, 64-byte signature) pairs, each
    /// verified against that owner's key. Returns the action's return data.
    pub fn submit(action: Action, signatures: Vec<(u32, [u8; 64])>) -> Vec<u8> {
        let (owners, threshold) = OWNERS.get().expect("not initialised");
        let nonce = NONCE.get_or_default();
        let hash = message_hash(&action, nonce);
        let mut signers = Vec::new();
        for (index, signature) in &signatures {
            let index = *index as usize;
            let Some(key) = owners.get(index) else {
                panic!("no owner #{index}");
            };
            match crypto::secp256k1_verify(&hash, signature, key) {
                Ok(true) => signers.push(index),
                Ok(false) => {}
                Err(error) => panic!("signature of owner #{index}: {error}"),
            }
        }
        count_signers(&signers, threshold);
        run(&action, nonce)
    }

    /// As `submit`, with (signature, recovery id) pairs: each signer's key
    /// is recovered from its signature and looked up among the owners.
    pub fn submit_recovered(action: Action, signatures: Vec<([u8; 64], u8)>) -> Vec<u8> {
        let (owners, threshold) = OWNERS.get().expect("not initialised");
        let nonce = NONCE.get_or_default();
        let hash = message_hash(&action, nonce);
        let mut signers = Vec::new();
        for (signature, recovery_id) in &signatures {
            match crypto::secp256k1_recover(&hash, signature, *recovery_id) {
                Ok(key) => {
                    if let Some(index) = owners.iter().position(|owner| *owner == key) {
                        signers.push(index);
                    }
                }
                Err(CryptoError::RecoveryFailed) => {}
                Err(error) => panic!("signature: {error}"),
            }
        }
        count_signers(&signers, threshold);
        run(&action, nonce)
    }

    /// Actions run so far (the nonce of the next one).
    pub fn nonce() -> u64 {
        NONCE.get_or_default()
    }

    /// The owners' keys and the threshold.
    pub fn owners() -> (Vec<PublicKey>, u32) {
        OWNERS.get().expect("not initialised")
    }
}
