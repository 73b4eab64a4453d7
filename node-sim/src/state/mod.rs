//! The state store: committed state as execution reads it, and the atomic
//! commit of a block.
//!
//! [`StateRead`] is what execution needs: point reads and ordered scans of
//! the latest committed state (a flat key space, [`keys`]). [`StateStore`]
//! adds what a node needs: the state root a change set would give
//! ([`StateStore::prepare`], nothing written), the commit of a whole block
//! in one atomic, synced write ([`StateStore::commit`]), the head, the
//! stored blocks and receipts, and proofs against the head's root.
//!
//! [`RocksStore`] is the implementation: RocksDB with a Jellyfish Merkle
//! Tree ([`jmt`]) as the authenticated index. The trait keeps the engine
//! replaceable: the execution core ([`crate::exec`]) sees only these
//! traits.

pub mod keys;
mod node_codec;
mod rocks;
mod tree;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::sync::Arc;

use borsh::{BorshDeserialize, BorshSerialize};

use crate::block::Header;
use crate::hash::Hash;
use crate::receipt::TxRecord;

pub use rocks::{KEEP_VERSIONS, LAYOUT_VERSION, RocksOptions, RocksStore, TreeReads};
pub use tree::{ProofError, StateProof};

/// Changes to the state: key to new value (`None`: removed), in key order.
pub type ChangeSet = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// A key and its value.
pub type Entry = (Vec<u8>, Vec<u8>);

/// An ordered scan over committed state.
pub type StateScan<'a> = Box<dyn Iterator<Item = Result<Entry, StoreError>> + 'a>;

/// A store failure: node-local, never a transaction's doing. Execution that
/// meets one stops without a result, and nothing is committed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The database reported an error (I/O, corruption it detected).
    #[error("database error: {0}")]
    Database(String),
    /// The directory exists, is not empty and is not a data directory.
    #[error("{0} is not a Gasworks data directory (no RocksDB CURRENT file)")]
    NotADataDirectory(String),
    /// Something committed is missing or does not decode.
    #[error("corrupt data directory: {0}")]
    Corrupt(String),
    /// The data directory was written in another on-disk layout (an
    /// earlier or later version of Gasworks): replay the chain into a new
    /// directory.
    #[error(
        "the data directory has on-disk layout {found}, this node reads layout {expected}: replay the chain into a new directory"
    )]
    IncompatibleLayout {
        /// The directory's layout.
        found: u32,
        /// This node's ([`LAYOUT_VERSION`]).
        expected: u32,
    },
    /// The state tree failed.
    #[error("state tree error: {0}")]
    Tree(String),
}

/// Read access to the latest committed state.
pub trait StateRead: Send + Sync {
    /// The value under `key`.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot answer.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;

    /// Entries within the bounds, in ascending key order, lazily. An empty
    /// or inverted range yields nothing.
    fn scan<'a>(&'a self, start: Bound<&[u8]>, end: Bound<&[u8]>) -> StateScan<'a>;
}

/// The last committed block, as a store records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Head {
    /// Its height.
    pub height: u64,
    /// Its header's hash.
    pub block_hash: Hash,
    /// The state root after it.
    pub state_root: Hash,
    /// Its timestamp.
    pub timestamp: u64,
}

/// Which chain a data directory belongs to, recorded with block 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ChainRecord {
    /// The chain id.
    pub chain_id: u64,
    /// [`crate::block::Genesis::hash`].
    pub genesis_hash: Hash,
}

/// Everything one block commit writes.
#[derive(Debug, Clone)]
pub struct BlockCommit {
    /// The block's header (as this node computed it).
    pub header: Header,
    /// The block's raw transactions.
    pub txs: Vec<Vec<u8>>,
    /// One record per transaction.
    pub records: Vec<TxRecord>,
    /// The block's state changes (shared with the next block's execution
    /// while the commit is written, [`LayeredState`]).
    pub changes: Arc<ChangeSet>,
    /// Changed keys that held a value before the block (execution read
    /// them from the committed state): the store has their key preimages
    /// already. Only an optimisation: a key missing here gets its preimage
    /// written again, which changes nothing.
    pub preexisting: BTreeSet<Vec<u8>>,
    /// For block 0 only: which chain this is.
    pub chain: Option<ChainRecord>,
}

/// A node's storage: committed state, the state tree, blocks, receipts and
/// the head, committed together.
pub trait StateStore: StateRead + Sized + 'static {
    /// A computed but unwritten tree update.
    type Prepared: Send;

    /// The state root after applying `changes` to the committed state, as
    /// tree version `version` (the block's height), and the update that
    /// [`StateStore::commit`] writes. Writes nothing.
    ///
    /// # Errors
    ///
    /// [`StoreError`].
    fn prepare(
        &self,
        version: u64,
        changes: &ChangeSet,
    ) -> Result<(Hash, Self::Prepared), StoreError>;

    /// Makes `prepared` readable by the next [`StateStore::prepare`] before
    /// [`StateStore::commit`] has written it, so that the next block's root
    /// can be computed while this block is written (a node's pipeline:
    /// `crate::node`). Until that commit returns, the store's own reads
    /// ([`StateRead`], [`StateStore::head`]) still show the state before
    /// it; the next block's execution reads this block's changes through a
    /// [`LayeredState`]. At most one prepared update is staged: a second
    /// replaces the first, whose commit must have returned.
    fn stage(&self, prepared: &Self::Prepared);

    /// Commits a block: state changes, tree update, header, transactions,
    /// receipts and the new head, in one atomic synced write. After a crash
    /// the store is at the previous head or at this one, never between.
    ///
    /// # Errors
    ///
    /// [`StoreError`]; then nothing was written.
    fn commit(&self, block: &BlockCommit, prepared: Self::Prepared) -> Result<(), StoreError>;

    /// The last committed block, or `None` for a new store.
    ///
    /// # Errors
    ///
    /// [`StoreError`].
    fn head(&self) -> Result<Option<Head>, StoreError>;

    /// The chain this store belongs to (`None` for a new store).
    ///
    /// # Errors
    ///
    /// [`StoreError`].
    fn chain(&self) -> Result<Option<ChainRecord>, StoreError>;

    /// The committed header at `height`.
    ///
    /// # Errors
    ///
    /// [`StoreError`].
    fn header(&self, height: u64) -> Result<Option<Header>, StoreError>;

    /// The committed raw transactions of block `height`.
    ///
    /// # Errors
    ///
    /// [`StoreError`].
    fn transactions(&self, height: u64) -> Result<Option<Vec<Vec<u8>>>, StoreError>;

    /// The committed transaction records of block `height`, in order.
    ///
    /// # Errors
    ///
    /// [`StoreError`].
    fn records(&self, height: u64) -> Result<Vec<TxRecord>, StoreError>;

    /// `key`'s value, or its absence, with a proof against the head's
    /// state root.
    ///
    /// # Errors
    ///
    /// [`StoreError`].
    fn prove(&self, key: &[u8]) -> Result<StateProof, StoreError>;
}

/// A state with one block's changes on top: the state after that block
/// while its commit is still being written. Reads look in the changes
/// first; scans merge them with the base's entries in key order, one step
/// of each at a time.
pub struct LayeredState {
    base: Arc<dyn StateRead>,
    top: Arc<ChangeSet>,
}

impl LayeredState {
    /// `top` over `base`.
    pub fn new(base: Arc<dyn StateRead>, top: Arc<ChangeSet>) -> LayeredState {
        LayeredState { base, top }
    }
}

impl StateRead for LayeredState {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        match self.top.get(key) {
            Some(value) => Ok(value.clone()),
            None => self.base.get(key),
        }
    }

    fn scan<'a>(&'a self, start: Bound<&[u8]>, end: Bound<&[u8]>) -> StateScan<'a> {
        if is_empty_range(start, end) {
            return Box::new(std::iter::empty());
        }
        Box::new(LayeredScan {
            base: self.base.scan(start, end).peekable(),
            top: self.top.range::<[u8], _>((start, end)).peekable(),
        })
    }
}

/// [`LayeredState::scan`]: the smaller key of the two next entries; on
/// equal keys the top's (a removal yields nothing).
struct LayeredScan<'a> {
    base: std::iter::Peekable<StateScan<'a>>,
    top: std::iter::Peekable<std::collections::btree_map::Range<'a, Vec<u8>, Option<Vec<u8>>>>,
}

impl Iterator for LayeredScan<'_> {
    type Item = Result<Entry, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let base_key = match self.base.peek() {
                Some(Ok((key, _))) => Some(key.as_slice()),
                Some(Err(_)) => return self.base.next(),
                None => None,
            };
            let top_first = match (self.top.peek(), base_key) {
                (None, None) => return None,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some((top_key, _)), Some(base_key)) => top_key.as_slice() <= base_key,
            };
            if !top_first {
                return self.base.next();
            }
            let (key, value) = self.top.next()?;
            if base_key == Some(key.as_slice()) {
                self.base.next();
            }
            if let Some(value) = value {
                return Some(Ok((key.clone(), value.clone())));
            }
        }
    }
}

/// Whether no key lies within the bounds (inverted bounds included).
pub fn is_empty_range(start: Bound<&[u8]>, end: Bound<&[u8]>) -> bool {
    gasworks_host_api::storage::is_empty_range(start, end)
}

/// The host API's in-memory store serves as an in-memory state (repro
/// bundles, the genesis's empty base): the same ordered map and scan.
impl StateRead for gasworks_host_api::MemoryStorage {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.entries().get(key).cloned())
    }

    fn scan<'a>(&'a self, start: Bound<&[u8]>, end: Bound<&[u8]>) -> StateScan<'a> {
        Box::new(
            gasworks_host_api::StorageBackend::scan(self, start, end)
                .map(|entry| entry.map_err(|e| StoreError::Database(e.0))),
        )
    }
}
