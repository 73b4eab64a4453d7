//! A node: one data directory ([`RocksStore`]) and the chain on it.
//!
//! [`Node::open`] opens or creates the directory and recovers: the chain
//! comes back at the last committed block, whatever happened to the
//! process before. [`Node::sync`] applies a chain file's blocks after the
//! head, checking each against its header, and stops at the first that
//! does not check with a typed error naming the block.

use std::path::Path;

use crate::block::Genesis;
use crate::chain::{Chain, ChainError, ChainOptions};
use crate::chainfile::{ChainFileError, ChainReader};
use crate::state::{Head, RocksOptions, RocksStore, StoreError};

/// Why a node stopped.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The chain file failed.
    #[error(transparent)]
    ChainFile(#[from] ChainFileError),
    /// A block did not apply, or the data directory is unusable.
    #[error(transparent)]
    Chain(#[from] ChainError),
}

impl From<StoreError> for NodeError {
    fn from(error: StoreError) -> Self {
        NodeError::Chain(ChainError::Store(error))
    }
}

/// A node's own conditions.
#[derive(Debug, Clone, Default)]
pub struct NodeOptions {
    /// Chain options (cache, execution).
    pub chain: ChainOptions,
    /// RocksDB tuning.
    pub rocks: RocksOptions,
}

/// A node on its data directory.
pub struct Node {
    /// The chain.
    pub chain: Chain<RocksStore>,
}

impl Node {
    /// Opens (or creates) the data directory `dir` for `genesis`.
    ///
    /// # Errors
    ///
    /// [`NodeError::Chain`]: not a data directory, corrupt, another chain.
    pub fn open(dir: &Path, genesis: &Genesis, options: NodeOptions) -> Result<Node, NodeError> {
        let store = RocksStore::open(dir, options.rocks)?;
        Ok(Node {
            chain: Chain::open(store, genesis, options.chain)?,
        })
    }

    /// The last committed block.
    pub fn head(&self) -> Head {
        self.chain.head()
    }

    /// Applies the blocks of `chain` after the head, up to `to` (inclusive)
    /// when given, calling `committed` after each commit.
    ///
    /// # Errors
    ///
    /// [`NodeError`]: the first block that fails stops the node (nothing of
    /// it is committed).
    pub fn sync(
        &mut self,
        chain: &mut ChainReader,
        to: Option<u64>,
        mut committed: impl FnMut(&Head),
    ) -> Result<Head, NodeError> {
        while let Some(block) = chain.next_block()? {
            let height = block.header.height;
            if to.is_some_and(|to| height > to) {
                break;
            }
            if height <= self.head().height {
                continue;
            }
            let head = self.chain.apply_block(&block)?;
            committed(&head);
        }
        Ok(self.head())
    }
}
