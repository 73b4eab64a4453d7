//! Transactions: what an account signs, how it is encoded, how a node checks
//! it before anything runs.
//!
//! A [`Transaction`] is borsh-encoded; its signing hash is SHA-256 over the
//! domain tag [`TX_DOMAIN`] followed by that encoding, which includes the
//! chain id, so a signature is valid for one chain and for transactions
//! only. Signatures are secp256k1 ECDSA through the host API's own
//! [`gasworks_host_api::crypto`] (low S only): a contract verifying a
//! signature and a node verifying a transaction never disagree.
//!
//! Blocks carry transactions as raw bytes ([`crate::block::Block::txs`]), so
//! that a malformed or oversized transaction is something a node meets and
//! rejects with a typed reason ([`crate::receipt::RejectCode`]), never
//! something that cannot be represented.

use borsh::{BorshDeserialize, BorshSerialize};
use gasworks_host_api::crypto::{self, COMPRESSED_PUBLIC_KEY_LEN, SIGNATURE_LEN};

use crate::Address;
use crate::hash::{Hash, tagged_hash};

/// Domain tag of a transaction's signing hash.
pub const TX_DOMAIN: &[u8] = b"gasworks/tx/v1";
/// Domain tag of an account address (hash of the public key).
pub const ADDRESS_DOMAIN: &[u8] = b"gasworks/address/v1";
/// Domain tag of a deployed contract's address.
pub const CONTRACT_DOMAIN: &[u8] = b"gasworks/contract/v1";

/// The largest encoded signed transaction a node decodes: the largest
/// module the instrumenter accepts (512 KiB, `Limits::CONSENSUS`) and a
/// constructor input of the host API's largest input (64 KiB), plus room
/// for the fixed fields. Anything larger is rejected unread.
pub const MAX_TX_BYTES: usize = 512 * 1024 + 64 * 1024 + 1024;

/// A compressed secp256k1 public key (SEC 1, 33 bytes).
pub type PublicKey = [u8; COMPRESSED_PUBLIC_KEY_LEN];

/// What a transaction does.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum TxKind {
    /// Deploys `code` and runs its constructor with `init` in the same
    /// transaction: if the constructor fails, nothing is deployed. An empty
    /// `init` deploys without calling the contract.
    Deploy {
        /// The contract's wasm (not yet instrumented).
        code: Vec<u8>,
        /// The constructor's input (borsh of the method name and arguments,
        /// as every call's input).
        init: Vec<u8>,
    },
    /// Calls a contract's `execute` with `input`.
    Call {
        /// The contract.
        contract: Address,
        /// Its input.
        input: Vec<u8>,
    },
    /// Moves native balance.
    Transfer {
        /// The receiving account.
        to: Address,
        /// The amount.
        amount: u128,
    },
}

/// The signed part of a transaction.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Transaction {
    /// The chain it is meant for (replay protection across chains).
    pub chain_id: u64,
    /// The sender's public key; the sender's address is derived from it.
    pub sender: PublicKey,
    /// The sender's next nonce: exactly the account's current nonce.
    pub nonce: u64,
    /// The most gas this transaction may use.
    pub gas_limit: u64,
    /// Price per gas unit, in native balance units; at least the chain's.
    pub gas_price: u64,
    /// What it does.
    pub kind: TxKind,
}

/// A transaction with its signature, as blocks carry it (borsh).
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SignedTransaction {
    /// The signed part.
    pub tx: Transaction,
    /// ECDSA `r || s` over [`Transaction::signing_hash`].
    pub signature: [u8; SIGNATURE_LEN],
}

/// The address of the account behind a public key.
pub fn address_of(public_key: &PublicKey) -> Address {
    Address(tagged_hash(ADDRESS_DOMAIN, &[public_key]).0)
}

/// The address of the contract that `deployer` deploys with its nonce
/// `nonce`.
pub fn contract_address(deployer: &Address, nonce: u64) -> Address {
    Address(
        tagged_hash(
            CONTRACT_DOMAIN,
            &[deployer.as_bytes(), &nonce.to_le_bytes()],
        )
        .0,
    )
}

/// Domain tag of a genesis contract's address.
pub const GENESIS_CONTRACT_DOMAIN: &[u8] = b"gasworks/genesis-contract/v1";

/// The address of the genesis's `index`th contract (a domain of its own:
/// it can never be an address a transaction deploys to).
pub fn genesis_contract_address(index: u64) -> Address {
    Address(tagged_hash(GENESIS_CONTRACT_DOMAIN, &[&index.to_le_bytes()]).0)
}

impl Transaction {
    /// The hash the sender signs: SHA-256 of [`TX_DOMAIN`] and the borsh
    /// encoding.
    pub fn signing_hash(&self) -> Hash {
        tagged_hash(TX_DOMAIN, &[&borsh::to_vec(self).unwrap_or_default()])
    }

    /// The sender's address.
    pub fn sender_address(&self) -> Address {
        address_of(&self.sender)
    }

    /// Signs with `secret_key`.
    ///
    /// # Errors
    ///
    /// [`crypto::CryptoError::BadSecretKey`] for a key that is zero or not
    /// below the group order.
    pub fn sign(self, secret_key: &[u8; 32]) -> Result<SignedTransaction, crypto::CryptoError> {
        let (signature, _) = crypto::secp256k1_sign(&self.signing_hash().0, secret_key)?;
        Ok(SignedTransaction {
            tx: self,
            signature,
        })
    }
}

impl SignedTransaction {
    /// The encoding blocks carry.
    pub fn encode(&self) -> Vec<u8> {
        borsh::to_vec(self).unwrap_or_default()
    }

    /// Whether the signature is the sender's over this transaction.
    pub fn signature_is_valid(&self) -> bool {
        matches!(
            crypto::secp256k1_verify(&self.tx.signing_hash().0, &self.signature, &self.tx.sender),
            Ok(true)
        )
    }
}

/// Why raw transaction bytes do not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// More than [`MAX_TX_BYTES`].
    #[error("transaction of {0} bytes, more than {MAX_TX_BYTES}")]
    Oversized(usize),
    /// Not the borsh encoding of a [`SignedTransaction`] (with nothing
    /// after it).
    #[error("malformed transaction encoding")]
    Malformed,
}

/// Decodes a block's raw transaction: the size first, then strict borsh.
///
/// # Errors
///
/// [`DecodeError`].
pub fn decode(bytes: &[u8]) -> Result<SignedTransaction, DecodeError> {
    if bytes.len() > MAX_TX_BYTES {
        return Err(DecodeError::Oversized(bytes.len()));
    }
    borsh::from_slice(bytes).map_err(|_| DecodeError::Malformed)
}

/// A deterministic test or generator key: SHA-256 of a seed and an index
/// (tried again with a counter in the rare case it is not a valid secret).
pub fn derived_secret_key(seed: &[u8], index: u64) -> [u8; 32] {
    let mut attempt: u32 = 0;
    loop {
        let key = tagged_hash(
            b"gasworks/derived-key/v1",
            &[seed, &index.to_le_bytes(), &attempt.to_le_bytes()],
        )
        .0;
        if crypto::secp256k1_public_key(&key).is_ok() {
            return key;
        }
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(chain_id: u64) -> Transaction {
        let secret = derived_secret_key(b"test", 1);
        Transaction {
            chain_id,
            sender: crypto::secp256k1_public_key(&secret).expect("valid key"),
            nonce: 3,
            gas_limit: 100_000,
            gas_price: 1,
            kind: TxKind::Transfer {
                to: Address([7; 32]),
                amount: 5,
            },
        }
    }

    #[test]
    fn signatures_verify_and_bind_every_field() {
        let secret = derived_secret_key(b"test", 1);
        let signed = sample(9).sign(&secret).expect("signs");
        assert!(signed.signature_is_valid());
        let decoded = decode(&signed.encode()).expect("decodes");
        assert_eq!(decoded, signed);
        let mut other_chain = signed.clone();
        other_chain.tx.chain_id = 10;
        assert!(!other_chain.signature_is_valid());
        let mut other_nonce = signed.clone();
        other_nonce.tx.nonce += 1;
        assert!(!other_nonce.signature_is_valid());
        let mut other_key = signed.clone();
        other_key.tx.sender =
            crypto::secp256k1_public_key(&derived_secret_key(b"test", 2)).expect("valid key");
        assert!(!other_key.signature_is_valid());
    }

    #[test]
    fn decoding_refuses_trailing_bytes_truncation_and_size() {
        let signed = sample(1).sign(&derived_secret_key(b"t", 0)).expect("signs");
        let mut bytes = signed.encode();
        bytes.push(0);
        assert_eq!(decode(&bytes), Err(DecodeError::Malformed));
        bytes.truncate(bytes.len() - 2);
        assert_eq!(decode(&bytes), Err(DecodeError::Malformed));
        assert_eq!(
            decode(&vec![0; MAX_TX_BYTES + 1]),
            Err(DecodeError::Oversized(MAX_TX_BYTES + 1))
        );
    }
}
