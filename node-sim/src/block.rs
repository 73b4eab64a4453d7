//! Blocks, headers and genesis.
//!
//! A [`Block`] is a [`Header`] and the raw bytes of its transactions. The
//! header commits to everything a node computes: the transactions root, the
//! receipts root, the state root after the block, the gas used, and the
//! [`crate::schedule::schedule_hash`] the block was executed under. Its
//! timestamp is the producer's, never a node's clock. Block 0 is the
//! [`Genesis`]: its header's state root is the state the genesis defines.

use borsh::{BorshDeserialize, BorshSerialize};

use crate::Address;
use crate::hash::{Hash, leaf_hash, merkle_root, merkle_root_of_leaf_hashes, tagged_hash};
use crate::receipt::Receipt;

/// A block header.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Header {
    /// The chain's id.
    pub chain_id: u64,
    /// Height: 0 for genesis, then one more per block.
    pub height: u64,
    /// The parent block's [`Header::hash`] (zero for genesis).
    pub parent_hash: Hash,
    /// Seconds since the Unix epoch, as the producer states it; never less
    /// than the parent's.
    pub timestamp: u64,
    /// [`transactions_root`] of the block's transactions.
    pub tx_root: Hash,
    /// [`receipts_root`] of their receipts.
    pub receipts_root: Hash,
    /// The state root after the block.
    pub state_root: Hash,
    /// Gas used by all the block's transactions.
    pub gas_used: u64,
    /// The most gas the block may use.
    pub gas_limit: u64,
    /// The schedule (prices, limits, engine) the block was executed under.
    pub schedule_hash: Hash,
}

impl Header {
    /// The block's hash: SHA-256 of the tagged borsh encoding.
    pub fn hash(&self) -> Hash {
        tagged_hash(
            b"gasworks/header/v1",
            &[&borsh::to_vec(self).unwrap_or_default()],
        )
    }
}

/// A block: header and raw transactions ([`crate::tx::decode`]).
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Block {
    /// The header.
    pub header: Header,
    /// Borsh-encoded [`crate::tx::SignedTransaction`]s, or whatever bytes
    /// the producer put there (a node rejects what does not decode).
    pub txs: Vec<Vec<u8>>,
}

/// The Merkle root of a block's raw transactions.
pub fn transactions_root(txs: &[Vec<u8>]) -> Hash {
    merkle_root(txs)
}

/// The Merkle root of receipts (each leaf the receipt's borsh encoding).
/// One receipt is encoded at a time: a block's receipts are not copied.
pub fn receipts_root<'a>(receipts: impl IntoIterator<Item = &'a Receipt>) -> Hash {
    merkle_root_of_leaf_hashes(
        receipts
            .into_iter()
            .map(|r| leaf_hash(&borsh::to_vec(r).unwrap_or_default()))
            .collect(),
    )
}

/// A contract deployed at genesis.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct GenesisContract {
    /// Its deployer (the constructor's caller); the address is
    /// [`crate::tx::genesis_contract_address`] of the contract's index in
    /// [`Genesis::contracts`].
    pub deployer: Address,
    /// The wasm.
    pub code: Vec<u8>,
    /// The constructor's input (empty: none).
    pub init: Vec<u8>,
}

/// What defines block 0.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Genesis {
    /// The chain's id (in every signed transaction).
    pub chain_id: u64,
    /// Genesis time (seconds since the Unix epoch).
    pub timestamp: u64,
    /// The lowest gas price a transaction may offer.
    pub gas_price: u64,
    /// The most gas a block may use.
    pub block_gas_limit: u64,
    /// Initial native balances (an address may appear once).
    pub accounts: Vec<(Address, u128)>,
    /// Contracts deployed at genesis, in order.
    pub contracts: Vec<GenesisContract>,
}

impl Genesis {
    /// The genesis's own hash (of its encoding), recorded by every data
    /// directory so that a node refuses another chain's.
    pub fn hash(&self) -> Hash {
        tagged_hash(
            b"gasworks/genesis/v1",
            &[&borsh::to_vec(self).unwrap_or_default()],
        )
    }
}
