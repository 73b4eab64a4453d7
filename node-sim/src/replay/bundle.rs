//! Repro bundles: one block, everything it read, and two nodes' outcomes,
//! re-runnable on their own (`gasworks replay --bundle FILE`).
//!
//! A bundle holds the block's context (chain parameters), its raw
//! transactions, the committed pre-state it read (every key the
//! execution looked up or scanned, with its value or absence), every
//! deployed contract's record and code, and the two nodes' transaction
//! records. Re-running executes the block over exactly that pre-state: a
//! scan cannot see a key the original did not, because every key a scan
//! visited is in the pre-state and the pre-state holds nothing else in
//! between.

use std::path::Path;
use std::sync::Arc;

use borsh::{BorshDeserialize, BorshSerialize};

use crate::chain::load_runtime;
use crate::exec::{BlockContext, ExecOptions, execute_transactions};
use crate::receipt::TxRecord;
use gasworks_host_api::{MemoryStorage, StorageChange};

use crate::state::StateRead;

/// The chain parameters a block runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct BundleContext {
    /// Chain id.
    pub chain_id: u64,
    /// Height.
    pub height: u64,
    /// Timestamp.
    pub timestamp: u64,
    /// Gas price.
    pub gas_price: u64,
    /// Block gas limit.
    pub block_gas_limit: u64,
}

/// A self-contained reproduction of one block's divergence.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Bundle {
    /// The block's context.
    pub context: BundleContext,
    /// The block's raw transactions.
    pub txs: Vec<Vec<u8>>,
    /// Pre-state: every key read and its value (`None`: absent).
    pub pre_state: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    /// Contract records and code (state keys and values).
    pub contracts: Vec<(Vec<u8>, Vec<u8>)>,
    /// First node's name and records.
    pub left: (String, Vec<TxRecord>),
    /// Second node's name and records.
    pub right: (String, Vec<TxRecord>),
}

/// What re-running a bundle found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleRun {
    /// The records of the re-run (no fault, this binary's rules).
    pub records: Vec<TxRecord>,
    /// Whether they equal the left node's.
    pub matches_left: bool,
    /// Whether they equal the right node's.
    pub matches_right: bool,
}

/// Why a bundle could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The file failed.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    /// It does not decode.
    #[error("{0}: not a repro bundle: {1}")]
    Malformed(String, String),
    /// Re-execution failed.
    #[error("re-execution failed: {0}")]
    Exec(String),
}

impl Bundle {
    /// Writes the bundle to `path`.
    ///
    /// # Errors
    ///
    /// [`BundleError::Io`].
    pub fn write(&self, path: &Path) -> Result<(), BundleError> {
        std::fs::write(path, borsh::to_vec(self).unwrap_or_default())
            .map_err(|e| BundleError::Io(path.display().to_string(), e))
    }

    /// Reads a bundle.
    ///
    /// # Errors
    ///
    /// [`BundleError`].
    pub fn read(path: &Path) -> Result<Bundle, BundleError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| BundleError::Io(name.clone(), e))?;
        borsh::from_slice(&bytes).map_err(|e| BundleError::Malformed(name, e.to_string()))
    }

    /// Executes the block over the bundle's pre-state.
    ///
    /// # Errors
    ///
    /// [`BundleError::Exec`].
    pub fn run(&self) -> Result<BundleRun, BundleError> {
        let mut state = MemoryStorage::new();
        for (key, value) in &self.contracts {
            state.insert(key.clone(), value.clone());
        }
        let contracts_only = state.clone();
        let pre_state: Vec<StorageChange> = self
            .pre_state
            .iter()
            .map(|(key, value)| StorageChange {
                key: key.clone(),
                value: value.clone(),
            })
            .collect();
        state.apply(&pre_state);
        let runtime =
            load_runtime(&contracts_only).map_err(|e| BundleError::Exec(e.to_string()))?;
        let context = BlockContext {
            chain_id: self.context.chain_id,
            height: self.context.height,
            timestamp: self.context.timestamp,
            gas_price: self.context.gas_price,
            block_gas_limit: self.context.block_gas_limit,
        };
        let base: Arc<dyn StateRead> = Arc::new(state);
        let executed =
            execute_transactions(base, &runtime, &context, &self.txs, &ExecOptions::default())
                .map_err(|e| BundleError::Exec(e.to_string()))?;
        let receipts = |records: &[TxRecord]| -> Vec<_> {
            records
                .iter()
                .map(|r| (r.receipt.clone(), r.writes.clone()))
                .collect()
        };
        let ours = receipts(&executed.records);
        Ok(BundleRun {
            matches_left: ours == receipts(&self.left.1),
            matches_right: ours == receipts(&self.right.1),
            records: executed.records,
        })
    }
}
