//! The block-execution core as a chain builder drives it, shaped for
//! CometBFT's ABCI 2.0: [`Chain::execute_block`] runs a block without
//! persisting anything (`FinalizeBlock`), [`Chain::commit`] persists it
//! (`Commit`), [`Chain::head`] reports the last committed height, block
//! hash and state root (`Info`), and after a crash [`Chain::open`] comes
//! back at the last committed block, from which the driver re-executes
//! (the handshake's replay). [`Chain::apply_block`] is the replay path of
//! this simulator: execute, check every computed header field against the
//! block's own header, commit.
//!
//! A node can also write a block while it executes the next:
//! [`Chain::commit_deferred`] makes the block the chain's head at once (the
//! next block executes on its state, [`LayeredState`], and its tree update
//! is staged for the next root) and returns the durable write,
//! [`BlockWrite`], to run on another thread. Only one write is in flight:
//! the next block's commit waits for it. A crash before the write returns
//! leaves the store at the block before, as with [`Chain::commit`].
//!
//! The chain's parameters come from its [`Genesis`]; a store that already
//! belongs to another chain (another chain id or genesis) is refused.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use gasworks_host_api::Runtime;

use crate::Address;
use crate::block::{Block, Genesis, Header, receipts_root, transactions_root};
use crate::exec::{
    BlockContext, CheckedTransactions, ExecError, ExecOptions, Executed, check_transactions,
    execute_checked_transactions,
};
use crate::hash::Hash;
use crate::receipt::TxRecord;
use crate::schedule::schedule_hash;
use crate::state::keys::{self, ContractInfo};
use crate::state::{
    BlockCommit, ChainRecord, Head, LayeredState, StateRead, StateStore, StoreError,
};

/// A node's own conditions.
#[derive(Debug, Clone)]
pub struct ChainOptions {
    /// Keep compiled contracts between blocks (warm cache); when off, every
    /// block compiles every contract again from the stored code (cold).
    pub warm_cache: bool,
    /// Execution conditions (signature threads, read recording, faults).
    pub exec: ExecOptions,
}

impl Default for ChainOptions {
    fn default() -> Self {
        ChainOptions {
            warm_cache: true,
            exec: ExecOptions {
                // Signatures are checked ahead of execution on every core.
                verify_threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
                ..ExecOptions::default()
            },
        }
    }
}

/// Why a block was not applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// The store failed or is corrupt.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Execution failed for a node-local reason.
    #[error(transparent)]
    Exec(#[from] ExecError),
    /// The data directory belongs to another chain.
    #[error("the data directory belongs to another chain: {0}")]
    ForeignChain(String),
    /// The genesis is invalid.
    #[error("invalid genesis: {0}")]
    Genesis(String),
    /// The block does not follow the head.
    #[error("block {height}: {reason}")]
    NotNext {
        /// The block's height.
        height: u64,
        /// What does not follow.
        reason: String,
    },
    /// A computed header field differs from the block's header.
    #[error("block {height}: {field} is {computed} here, the header says {expected}")]
    HeaderMismatch {
        /// The block's height.
        height: u64,
        /// The field.
        field: &'static str,
        /// The header's value.
        expected: String,
        /// This node's value.
        computed: String,
    },
}

/// A block executed but not committed.
pub struct ExecutedBlock {
    /// The header as this node computed it.
    pub header: Header,
    /// The block's transactions.
    pub txs: Vec<Vec<u8>>,
    /// Its transaction records.
    pub records: Vec<TxRecord>,
    /// Committed-state reads, when recorded.
    pub reads: crate::exec::ReadSet,
    /// Each transaction's gas profile, when the node profiles
    /// ([`ExecOptions::profile`]).
    pub profiles: Vec<gasworks_vm::profile::Profile>,
    changes: Arc<crate::state::ChangeSet>,
    preexisting: std::collections::BTreeSet<Vec<u8>>,
    runtime: Runtime,
}

impl ExecutedBlock {
    /// The state changes the block makes (state key to new value, `None`
    /// for a removal), in key order: what its commit writes besides the
    /// receipts and the tree.
    pub fn changes(&self) -> &crate::state::ChangeSet {
        &self.changes
    }
}

/// Where a store is at, plus its chain's parameters.
pub struct Chain<S: StateStore> {
    store: Arc<S>,
    genesis: Genesis,
    runtime: Runtime,
    head: Head,
    /// The node's own conditions.
    pub options: ChainOptions,
    pending: Option<S::Prepared>,
    /// The changes of the head block while its write may be in flight
    /// (after [`Chain::commit_deferred`]): execution reads them on top of
    /// the store.
    staged: Option<Arc<crate::state::ChangeSet>>,
    /// The height the store has durably written, as the last write
    /// reported it (shared with that [`BlockWrite`]).
    written: Arc<AtomicU64>,
}

/// A block's durable write, made by [`Chain::commit_deferred`]: run it
/// (on any thread) before the next block commits.
pub struct BlockWrite<S: StateStore> {
    store: Arc<S>,
    commit: BlockCommit,
    prepared: S::Prepared,
    head: Head,
    written: Arc<AtomicU64>,
}

impl<S: StateStore> BlockWrite<S> {
    /// Writes the block (one atomic, synced write) and returns its head,
    /// now durable.
    ///
    /// # Errors
    ///
    /// [`ChainError::Store`] when the write fails: nothing of the block is
    /// written, and the chain cannot commit again (reopen the store).
    pub fn write(self) -> Result<Head, ChainError> {
        self.store.commit(&self.commit, self.prepared)?;
        self.written.store(self.head.height, Ordering::Release);
        Ok(self.head)
    }

    /// The block's height.
    pub fn height(&self) -> u64 {
        self.head.height
    }
}

/// Every deployed contract of the committed state, compiled.
///
/// # Errors
///
/// [`ChainError::Store`] when a contract's record or code is missing or
/// does not deploy (the store is corrupt: it deployed once).
pub fn load_runtime(state: &dyn StateRead) -> Result<Runtime, ChainError> {
    let mut runtime = Runtime::new();
    let start = [keys::CONTRACT];
    let end = [keys::CONTRACT + 1];
    let contracts: Vec<_> = state
        .scan(
            std::ops::Bound::Included(&start[..]),
            std::ops::Bound::Excluded(&end[..]),
        )
        .collect::<Result<_, _>>()?;
    for (key, value) in contracts {
        let address = Address(
            key.get(1..)
                .and_then(|a| a.try_into().ok())
                .ok_or_else(|| StoreError::Corrupt("short contract key".into()))?,
        );
        let info: ContractInfo = borsh::from_slice(&value)
            .map_err(|_| StoreError::Corrupt(format!("contract record of {address}")))?;
        let code = state
            .get(&keys::code(&info.code_hash))?
            .ok_or_else(|| StoreError::Corrupt(format!("code of contract {address} missing")))?;
        runtime
            .deploy(gasworks_host_api::Address(address.0), &code)
            .map_err(|e| StoreError::Corrupt(format!("stored contract {address}: {e}")))?;
    }
    Ok(runtime)
}

impl<S: StateStore> Chain<S> {
    /// Opens the chain on `store`: a new store gets the genesis state as
    /// block 0; an existing one must belong to this genesis and comes back
    /// at its last committed block.
    ///
    /// # Errors
    ///
    /// [`ChainError::ForeignChain`], [`ChainError::Genesis`],
    /// [`ChainError::Store`].
    pub fn open(
        store: S,
        genesis: &Genesis,
        options: ChainOptions,
    ) -> Result<Chain<S>, ChainError> {
        let store = Arc::new(store);
        let record = ChainRecord {
            chain_id: genesis.chain_id,
            genesis_hash: genesis.hash(),
        };
        match store.chain()? {
            Some(found) if found.chain_id != record.chain_id => {
                return Err(ChainError::ForeignChain(format!(
                    "chain id {} here, {} in the genesis",
                    found.chain_id, record.chain_id
                )));
            }
            Some(found) if found.genesis_hash != record.genesis_hash => {
                return Err(ChainError::ForeignChain(format!(
                    "genesis {} here, {} given",
                    found.genesis_hash, record.genesis_hash
                )));
            }
            Some(_) => {}
            None => {
                let (changes, _, records) = crate::exec::genesis_state(genesis)
                    .map_err(|e| ChainError::Genesis(e.to_string()))?;
                let (state_root, prepared) = store.prepare(0, &changes)?;
                let header = genesis_header(genesis, state_root, &records);
                store.commit(
                    &BlockCommit {
                        header,
                        txs: Vec::new(),
                        records,
                        changes: Arc::new(changes),
                        preexisting: Default::default(),
                        chain: Some(record),
                    },
                    prepared,
                )?;
            }
        }
        let head = store
            .head()?
            .ok_or_else(|| StoreError::Corrupt("no head after genesis".into()))?;
        let runtime = load_runtime(store.as_ref())?;
        Ok(Chain {
            store,
            genesis: genesis.clone(),
            runtime,
            written: Arc::new(AtomicU64::new(head.height)),
            head,
            options,
            pending: None,
            staged: None,
        })
    }

    /// The last committed block (after [`Chain::commit_deferred`]: the
    /// block whose write may still be in flight; the store's own
    /// [`StateStore::head`] is the last one written).
    pub fn head(&self) -> Head {
        self.head
    }

    /// The committed state as execution sees it: the store, with the head
    /// block's changes on top while its write may be in flight.
    fn state(&self) -> Arc<dyn StateRead> {
        let store: Arc<dyn StateRead> = self.store.clone();
        match &self.staged {
            Some(changes) => Arc::new(LayeredState::new(store, changes.clone())),
            None => store,
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The genesis.
    pub fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    fn context(&self, timestamp: u64) -> BlockContext {
        BlockContext {
            chain_id: self.genesis.chain_id,
            height: self.head.height + 1,
            timestamp,
            gas_price: self.genesis.gas_price,
            block_gas_limit: self.genesis.block_gas_limit,
        }
    }

    /// Executes the next block (`txs` at `timestamp`) on the committed
    /// state, without persisting anything, and computes its header.
    ///
    /// # Errors
    ///
    /// [`ChainError::NotNext`] for a timestamp before the head's;
    /// [`ChainError::Store`], [`ChainError::Exec`] for node-local failures.
    pub fn execute_block(
        &mut self,
        timestamp: u64,
        txs: Vec<Vec<u8>>,
    ) -> Result<ExecutedBlock, ChainError> {
        let checked = check_transactions(&txs, self.options.exec.verify_threads);
        self.execute_block_checked(timestamp, txs, checked)
    }

    /// [`Chain::execute_block`] with the transactions' signatures already
    /// checked ([`check_transactions`], for example while the previous
    /// block executed).
    ///
    /// # Errors
    ///
    /// As [`Chain::execute_block`].
    pub fn execute_block_checked(
        &mut self,
        timestamp: u64,
        txs: Vec<Vec<u8>>,
        checked: CheckedTransactions,
    ) -> Result<ExecutedBlock, ChainError> {
        let context = self.context(timestamp);
        if timestamp < self.head.timestamp {
            return Err(ChainError::NotNext {
                height: context.height,
                reason: format!(
                    "timestamp {timestamp} is before the parent's {}",
                    self.head.timestamp
                ),
            });
        }
        let base = self.state();
        let runtime = if self.options.warm_cache {
            self.runtime.clone()
        } else {
            load_runtime(base.as_ref())?
        };
        let tx_root = checked.tx_root();
        let Executed {
            records,
            changes,
            gas_used,
            runtime,
            reads,
            profiles,
            preexisting,
        } = execute_checked_transactions(
            base,
            &runtime,
            &context,
            &txs,
            checked,
            &self.options.exec,
        )?;
        let (state_root, prepared) = self.store.prepare(context.height, &changes)?;
        self.pending = Some(prepared);
        let header = Header {
            chain_id: context.chain_id,
            height: context.height,
            parent_hash: self.head.block_hash,
            timestamp,
            tx_root,
            // From the records: the receipts (events, return data) are not
            // copied for it.
            receipts_root: receipts_root(records.iter().map(|r| &r.receipt)),
            state_root,
            gas_used,
            gas_limit: context.block_gas_limit,
            schedule_hash: schedule_hash(),
        };
        Ok(ExecutedBlock {
            header,
            txs,
            records,
            reads,
            profiles,
            changes: Arc::new(changes),
            preexisting,
            runtime,
        })
    }

    /// Commits the block [`Chain::execute_block`] executed last.
    ///
    /// # Errors
    ///
    /// [`ChainError::NotNext`] when it is not the block executed last;
    /// [`ChainError::Store`] when the write fails (nothing is written).
    pub fn commit(&mut self, block: ExecutedBlock) -> Result<Head, ChainError> {
        let head = self.commit_deferred(block)?.write()?;
        // Written: the store alone is the state again.
        self.staged = None;
        Ok(head)
    }

    /// Commits the block [`Chain::execute_block`] executed last without
    /// writing it yet: it becomes the head, the next block may execute on
    /// it, and the returned [`BlockWrite`] writes it durably.
    ///
    /// # Errors
    ///
    /// [`ChainError::NotNext`] when it is not the block executed last, or
    /// when the previous block's write has not returned (or failed).
    pub fn commit_deferred(&mut self, block: ExecutedBlock) -> Result<BlockWrite<S>, ChainError> {
        let height = block.header.height;
        let Some(prepared) = self.pending.take() else {
            return Err(ChainError::NotNext {
                height,
                reason: "no executed block to commit".into(),
            });
        };
        if height != self.head.height + 1 {
            return Err(ChainError::NotNext {
                height,
                reason: format!("the head is at {}", self.head.height),
            });
        }
        if self.written.load(Ordering::Acquire) != self.head.height {
            return Err(ChainError::NotNext {
                height,
                reason: format!("block {} is not written", self.head.height),
            });
        }
        let ExecutedBlock {
            header,
            txs,
            records,
            changes,
            preexisting,
            runtime,
            ..
        } = block;
        self.store.stage(&prepared);
        self.staged = Some(changes.clone());
        let commit = BlockCommit {
            header,
            txs,
            records,
            changes,
            preexisting,
            chain: None,
        };
        self.head = Head {
            height,
            block_hash: commit.header.hash(),
            state_root: commit.header.state_root,
            timestamp: commit.header.timestamp,
        };
        if self.options.warm_cache {
            self.runtime = runtime;
        }
        Ok(BlockWrite {
            store: self.store.clone(),
            commit,
            prepared,
            head: self.head,
            written: self.written.clone(),
        })
    }

    /// Executes `block`, checks its header against the computed one field
    /// by field, and commits it.
    ///
    /// # Errors
    ///
    /// [`ChainError::NotNext`] for a block that does not follow the head
    /// (height, parent hash, chain id, schedule), [`ChainError::HeaderMismatch`]
    /// naming the first differing field (nothing is committed then), and the
    /// node-local errors of [`Chain::execute_block`].
    pub fn apply_block(&mut self, block: &Block) -> Result<Head, ChainError> {
        let executed = self.execute_checked(block)?;
        self.commit(executed)
    }

    /// [`Chain::execute_block`] for a given block, with the header checks
    /// of [`Chain::apply_block`], without committing.
    ///
    /// # Errors
    ///
    /// As [`Chain::apply_block`].
    pub fn execute_checked(&mut self, block: &Block) -> Result<ExecutedBlock, ChainError> {
        let checked = check_transactions(&block.txs, self.options.exec.verify_threads);
        self.execute_checked_with(block, checked)
    }

    /// [`Chain::execute_checked`] with the block's signatures already
    /// checked.
    ///
    /// # Errors
    ///
    /// As [`Chain::apply_block`].
    pub fn execute_checked_with(
        &mut self,
        block: &Block,
        checked: CheckedTransactions,
    ) -> Result<ExecutedBlock, ChainError> {
        let expected = &block.header;
        let height = expected.height;
        let not_next = |reason: String| ChainError::NotNext { height, reason };
        if height != self.head.height + 1 {
            return Err(not_next(format!("the head is at {}", self.head.height)));
        }
        if expected.parent_hash != self.head.block_hash {
            return Err(not_next(format!(
                "parent {} is not the head's hash {}",
                expected.parent_hash, self.head.block_hash
            )));
        }
        if expected.chain_id != self.genesis.chain_id {
            return Err(not_next(format!("chain id {}", expected.chain_id)));
        }
        if expected.schedule_hash != schedule_hash() {
            return Err(not_next(format!(
                "executed under schedule {}, this node runs {}",
                expected.schedule_hash,
                schedule_hash()
            )));
        }
        let executed =
            self.execute_block_checked(expected.timestamp, block.txs.clone(), checked)?;
        if let Err(error) = compare_headers(expected, &executed.header) {
            self.pending = None;
            return Err(error);
        }
        Ok(executed)
    }
}

/// The first field in which `computed` differs from `expected`.
///
/// # Errors
///
/// [`ChainError::HeaderMismatch`].
pub fn compare_headers(expected: &Header, computed: &Header) -> Result<(), ChainError> {
    let fields: [(&'static str, String, String); 9] = [
        (
            "tx_root",
            expected.tx_root.to_hex(),
            computed.tx_root.to_hex(),
        ),
        (
            "receipts_root",
            expected.receipts_root.to_hex(),
            computed.receipts_root.to_hex(),
        ),
        (
            "state_root",
            expected.state_root.to_hex(),
            computed.state_root.to_hex(),
        ),
        (
            "gas_used",
            expected.gas_used.to_string(),
            computed.gas_used.to_string(),
        ),
        (
            "gas_limit",
            expected.gas_limit.to_string(),
            computed.gas_limit.to_string(),
        ),
        (
            "timestamp",
            expected.timestamp.to_string(),
            computed.timestamp.to_string(),
        ),
        (
            "parent_hash",
            expected.parent_hash.to_hex(),
            computed.parent_hash.to_hex(),
        ),
        (
            "chain_id",
            expected.chain_id.to_string(),
            computed.chain_id.to_string(),
        ),
        (
            "schedule_hash",
            expected.schedule_hash.to_hex(),
            computed.schedule_hash.to_hex(),
        ),
    ];
    for (field, expected_value, computed_value) in fields {
        if expected_value != computed_value {
            return Err(ChainError::HeaderMismatch {
                height: expected.height,
                field,
                expected: expected_value,
                computed: computed_value,
            });
        }
    }
    Ok(())
}

/// Block 0's header.
pub fn genesis_header(genesis: &Genesis, state_root: Hash, records: &[TxRecord]) -> Header {
    Header {
        chain_id: genesis.chain_id,
        height: 0,
        parent_hash: Hash::default(),
        timestamp: genesis.timestamp,
        tx_root: transactions_root(&[]),
        receipts_root: receipts_root(records.iter().map(|r| &r.receipt)),
        state_root,
        gas_used: 0,
        gas_limit: genesis.block_gas_limit,
        schedule_hash: schedule_hash(),
    }
}
