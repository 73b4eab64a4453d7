//! A node: one data directory ([`RocksStore`]) and the chain on it.
//!
//! [`Node::open`] opens or creates the directory and recovers: the chain
//! comes back at the last committed block, whatever happened to the
//! process before. [`Node::sync`] applies a chain file's blocks after the
//! head, checking each against its header, and stops at the first that
//! does not check with a typed error naming the block. Three stages run
//! side by side: signatures are checked one block ahead on another thread,
//! and each block is written to RocksDB on a thread of its own while the
//! next one executes and computes its root ([`Chain::commit_deferred`]).

use std::path::Path;

use crate::block::{Block, Genesis};
use crate::chain::{BlockWrite, Chain, ChainError, ChainOptions, ExecutedBlock};
use crate::chainfile::{ChainFileError, ChainReader};
use crate::exec::{CheckedTransactions, check_transactions};
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
        committed: impl FnMut(&Head),
    ) -> Result<Head, NodeError> {
        struct Committed<F>(F);
        impl<F: FnMut(&Head)> SyncObserver for Committed<F> {
            fn committed(&mut self, head: &Head) {
                (self.0)(head);
            }
        }
        self.sync_observed(chain, to, &mut Committed(committed))
    }

    /// [`Node::sync`], telling `observer` about each block before and after
    /// its commit.
    ///
    /// The blocks are read and their signatures checked one block ahead,
    /// on another thread (the checks need no state). Block n is written on
    /// a thread of its own while block n + 1 executes and computes its
    /// root; block n + 1 commits only once n's write has returned. So
    /// `observer.committed(n)` comes after n is durable, and
    /// `observer.executed(n + 1)` after that: at either call, the data
    /// directory holds exactly the blocks reported committed.
    ///
    /// # Errors
    ///
    /// As [`Node::sync`].
    pub fn sync_observed(
        &mut self,
        chain: &mut ChainReader,
        to: Option<u64>,
        observer: &mut dyn SyncObserver,
    ) -> Result<Head, NodeError> {
        // The look-ahead runs beside the node's own thread: one core less
        // (measured on 2 cores: one look-ahead thread +13% at 10^6
        // accounts, two -15%, docs/performance.md "Node simulator").
        let threads = self
            .chain
            .options
            .exec
            .verify_threads
            .saturating_sub(1)
            .max(1);
        let start = self.head().height;
        std::thread::scope(|scope| {
            let (sender, receiver) = std::sync::mpsc::sync_channel::<
                Result<(Block, CheckedTransactions), ChainFileError>,
            >(1);
            scope.spawn(move || {
                loop {
                    let item = match chain.next_block() {
                        Ok(Some(block)) => {
                            let height = block.header.height;
                            if to.is_some_and(|to| height > to) {
                                break;
                            }
                            if height <= start {
                                continue;
                            }
                            let checked = check_transactions(&block.txs, threads);
                            Ok((block, checked))
                        }
                        Ok(None) => break,
                        Err(error) => Err(error),
                    };
                    let failed = item.is_err();
                    // A closed channel: the node stopped; so do we.
                    if sender.send(item).is_err() || failed {
                        break;
                    }
                }
            });
            let mut writing: Option<std::thread::ScopedJoinHandle<'_, Result<Head, ChainError>>> =
                None;
            // The write in flight, if any, finished and reported.
            let finish = |writing: &mut Option<std::thread::ScopedJoinHandle<'_, _>>,
                          observer: &mut dyn SyncObserver|
             -> Result<(), NodeError> {
                if let Some(handle) = writing.take() {
                    let head = handle.join().map_err(|_| {
                        StoreError::Database("the block writer thread panicked".into())
                    })??;
                    observer.committed(&head);
                }
                Ok(())
            };
            let run = |writing: &mut Option<_>| -> Result<(), NodeError> {
                for item in receiver {
                    let (block, checked) = item?;
                    let executed = self.chain.execute_checked_with(&block, checked)?;
                    finish(writing, observer)?;
                    observer.executed(&executed);
                    let write: BlockWrite<RocksStore> = self.chain.commit_deferred(executed)?;
                    *writing = Some(scope.spawn(move || write.write()));
                }
                Ok(())
            };
            let result = run(&mut writing);
            // Whatever stopped the loop, the write in flight lands (or
            // fails) before the node reports.
            let finished = finish(&mut writing, observer);
            result.and(finished)?;
            Ok(self.head())
        })
    }
}

/// What [`Node::sync_observed`] reports of each block.
pub trait SyncObserver {
    /// The block executed and checked against its header; its commit comes
    /// next.
    fn executed(&mut self, _block: &ExecutedBlock) {}

    /// The block is committed.
    fn committed(&mut self, _head: &Head) {}
}
