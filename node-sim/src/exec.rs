//! Executing a block's transactions: the deterministic core.
//!
//! [`execute_transactions`] takes the committed state (read-only, any
//! [`StateRead`]), the deployed contracts ([`Runtime`]), the block's
//! context and its raw transactions, and returns one [`TxRecord`] per
//! transaction and the block's change set. It writes nothing: the caller
//! ([`crate::chain::Chain`]) prepares the state root and commits.
//!
//! Transactions run in order over one pending overlay ([`BlockState`]):
//! each sees the writes of those before it. Signatures are checked first,
//! on several threads when the node asks for them; the thread count is a
//! node's own condition and changes nothing else (the checks are pure).
//!
//! For each transaction, in this order (the first failing check decides
//! the [`RejectCode`]; a rejected transaction changes nothing): the
//! block's limits ([`MAX_BLOCK_TXS`], [`MAX_BLOCK_BYTES`]: nothing after
//! them is even decoded), decode and size, chain id, signature, nonce, gas price,
//! gas limit against the block's limit and against what is left of it,
//! intrinsic gas ([`TX_BASE_GAS`] and [`TX_BYTE_GAS`] per byte), and the
//! up-front fee `gas_limit * gas_price`. Then the nonce goes up, the
//! transaction runs with `gas_limit` less its intrinsic gas, and the fee
//! `gas_used * gas_price` is taken, whatever the outcome.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::sync::{Arc, Mutex, RwLock};

use gasworks_host_api::storage::{Scan, StorageError};
use gasworks_host_api::{BlockEnv, CallRequest, DeployError, Runtime, StorageBackend};
use gasworks_vm::profile::{Category, Profile, Profiler};

use crate::Address;
use crate::hash::Hash;
use crate::receipt::{
    Change, DeployFailure, Receipt, RejectCode, Status, TxDebug, TxRecord, write_set_hash,
};
use crate::schedule::{
    CODE_STORAGE_GAS_PER_BYTE, DEPLOY_BASE_GAS, DEPLOY_GAS_PER_BYTE, DEPLOY_GAS_PER_FUNCTION,
    DEPLOY_GAS_PER_TYPE, MAX_BLOCK_BYTES, MAX_BLOCK_TXS, RECEIPT_BYTE_GAS, TRANSFER_GAS,
    TX_BASE_GAS, TX_BYTE_GAS,
};

/// Bytes of debug text (messages, methods, logs) a node keeps for one
/// block's transactions, all together: past it, logs are dropped and
/// messages cut (see `fit_debug`). Node-local, not a consensus rule: the
/// debug part is never hashed and no gas depends on it. Without it, a
/// block of transactions logging 256 messages of 1 KiB each (about 290,000
/// gas apiece) held over 2 GiB of debug text until its commit.
pub const MAX_BLOCK_DEBUG_BYTES: usize = 4 * 1024 * 1024;

/// What a transaction's message and method are cut to once the block's
/// [`MAX_BLOCK_DEBUG_BYTES`] is spent.
pub const DEBUG_TEXT_AFTER_BUDGET: usize = 128;
use crate::state::keys::{self, Account, ContractInfo};
use crate::state::{ChangeSet, Entry, StateRead, StateScan, StoreError};
use crate::tx::{self, DecodeError, SignedTransaction, TxKind, contract_address};

/// What every transaction of a block sees of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockContext {
    /// The chain id.
    pub chain_id: u64,
    /// The block's height.
    pub height: u64,
    /// The block's timestamp.
    pub timestamp: u64,
    /// The lowest gas price accepted.
    pub gas_price: u64,
    /// The block's gas limit.
    pub block_gas_limit: u64,
}

/// A deliberate fault, for testing the divergence finder only: the node
/// that has one computes one wrong thing at one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// The block.
    pub height: u64,
    /// The transaction's index in it.
    pub tx: u32,
    /// What goes wrong.
    pub kind: FaultKind,
}

/// What a [`Fault`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// The transaction's first contract-storage write (else its first
    /// write) stores a value with its last byte flipped.
    WrongValue,
    /// The transaction is charged this much more gas, as if one of its
    /// operations were priced differently.
    ExtraGas(u64),
}

/// A node's own execution conditions: none of them may change a result.
#[derive(Debug, Clone, Default)]
pub struct ExecOptions {
    /// Threads checking signatures (0 or 1: the calling thread alone).
    pub verify_threads: usize,
    /// Record every committed-state read (for repro bundles).
    pub record_reads: bool,
    /// A deliberate fault (tests of the divergence finder only).
    pub fault: Option<Fault>,
    /// Profile each transaction's gas ([`Executed::profiles`]).
    pub profile: bool,
}

/// Why a block could not be executed at all (node-local: no result).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The contract storage backend failed.
    #[error("contract storage failed: {0}")]
    Backend(String),
}

/// Committed-state reads of one block: every key read and its committed
/// value (`None`: absent).
pub type ReadSet = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// The result of executing a block's transactions.
pub struct Executed {
    /// One record per transaction.
    pub records: Vec<TxRecord>,
    /// The block's state changes.
    pub changes: ChangeSet,
    /// Gas used by the block.
    pub gas_used: u64,
    /// The deployed contracts after the block.
    pub runtime: Runtime,
    /// Committed-state reads, when [`ExecOptions::record_reads`] asked:
    /// every key read and its committed value (`None`: absent).
    pub reads: ReadSet,
    /// The changed keys (written with a value) that the committed state
    /// held a value for when the block read them: a store keeps their key
    /// preimages already and need not write them again
    /// ([`crate::state::BlockCommit::preexisting`]). A key written without
    /// being read is not here, whatever it held.
    pub preexisting: BTreeSet<Vec<u8>>,
    /// When [`ExecOptions::profile`] asked, each transaction's gas
    /// profile, in order (empty for a rejected one): its total is the
    /// receipt's `gas_used`.
    pub profiles: Vec<Profile>,
}

/// Committed state with a block's pending writes on top.
pub(crate) struct BlockState {
    base: Arc<dyn StateRead>,
    pending: RwLock<ChangeSet>,
    reads: Option<Mutex<ReadSet>>,
    /// Keys the committed state held a value for when read: their key
    /// preimages are already stored ([`Executed::preexisting`]).
    present: Mutex<BTreeSet<Vec<u8>>>,
}

impl BlockState {
    fn new(base: Arc<dyn StateRead>, record_reads: bool) -> BlockState {
        BlockState {
            base,
            pending: RwLock::new(ChangeSet::new()),
            reads: record_reads.then(|| Mutex::new(BTreeMap::new())),
            present: Mutex::new(BTreeSet::new()),
        }
    }

    fn record(&self, key: &[u8], value: Option<&[u8]>) {
        if let Some(reads) = &self.reads {
            let mut reads = reads
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            reads
                .entry(key.to_vec())
                .or_insert_with(|| value.map(<[u8]>::to_vec));
        }
    }

    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        {
            let pending = self.pending.read().unwrap_or_else(|p| p.into_inner());
            if let Some(value) = pending.get(key) {
                return Ok(value.clone());
            }
        }
        let value = self.base.get(key)?;
        self.record(key, value.as_deref());
        if value.is_some() {
            self.present
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(key.to_vec());
        }
        Ok(value)
    }

    fn apply(&self, changes: &[Change]) {
        let mut pending = self.pending.write().unwrap_or_else(|p| p.into_inner());
        for (key, value) in changes {
            pending.insert(key.clone(), value.clone());
        }
    }

    /// The first pending entry after `after` and before `end`.
    fn next_pending(
        &self,
        after: &Bound<Vec<u8>>,
        end: &Bound<Vec<u8>>,
    ) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
        let start = match after {
            Bound::Included(k) => Bound::Included(k.as_slice()),
            Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
            Bound::Unbounded => Bound::Unbounded,
        };
        let end = match end {
            Bound::Included(k) => Bound::Included(k.as_slice()),
            Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
            Bound::Unbounded => Bound::Unbounded,
        };
        if crate::state::is_empty_range(start, end) {
            return None;
        }
        let pending = self.pending.read().unwrap_or_else(|p| p.into_inner());
        pending
            .range::<[u8], _>((start, end))
            .next()
            .map(|(k, v)| (k.clone(), v.clone()))
    }

    /// The block's changes, its recorded reads, and which changed keys the
    /// committed state held a value for before the block.
    fn into_parts(self) -> (ChangeSet, ReadSet, BTreeSet<Vec<u8>>) {
        let pending = self.pending.into_inner().unwrap_or_else(|p| p.into_inner());
        let reads = self
            .reads
            .map(|r| r.into_inner().unwrap_or_else(|p| p.into_inner()))
            .unwrap_or_default();
        let mut present = self.present.into_inner().unwrap_or_else(|p| p.into_inner());
        present.retain(|key| matches!(pending.get(key), Some(Some(_))));
        (pending, reads, present)
    }
}

/// Contract storage as the host API sees it: full keys, translated to
/// state keys under [`keys::STORAGE`].
struct ContractStorage(Arc<BlockState>);

fn storage_error(error: StoreError) -> StorageError {
    StorageError(error.to_string())
}

fn tag_bound(bound: Bound<&[u8]>, unbounded: Bound<Vec<u8>>) -> Bound<Vec<u8>> {
    match bound {
        Bound::Included(key) => Bound::Included(keys::storage(key)),
        Bound::Excluded(key) => Bound::Excluded(keys::storage(key)),
        Bound::Unbounded => unbounded,
    }
}

fn as_ref_bound(bound: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match bound {
        Bound::Included(k) => Bound::Included(k.as_slice()),
        Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

impl StorageBackend for ContractStorage {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        self.0.get(&keys::storage(key)).map_err(storage_error)
    }

    fn scan<'a>(&'a self, start: Bound<&[u8]>, end: Bound<&[u8]>) -> Scan<'a> {
        let start = tag_bound(start, Bound::Included(vec![keys::STORAGE]));
        let end = tag_bound(end, Bound::Excluded(vec![keys::STORAGE + 1]));
        if crate::state::is_empty_range(as_ref_bound(&start), as_ref_bound(&end)) {
            return Box::new(std::iter::empty());
        }
        let base = self.0.base.scan(as_ref_bound(&start), as_ref_bound(&end));
        Box::new(MergedScan {
            state: &self.0,
            base: base.peekable(),
            cursor: start,
            end,
            pending: None,
            pending_done: false,
        })
    }
}

/// The committed entries of a range merged with the block's pending
/// writes, lazily: each step reads one pending entry (a lookup in the
/// overlay) and at most one committed entry, so a scan's work follows the
/// entries it yields and skips, which the host API charges per step.
struct MergedScan<'a> {
    state: &'a BlockState,
    base: std::iter::Peekable<StateScan<'a>>,
    cursor: Bound<Vec<u8>>,
    end: Bound<Vec<u8>>,
    pending: Option<(Vec<u8>, Option<Vec<u8>>)>,
    pending_done: bool,
}

impl Iterator for MergedScan<'_> {
    type Item = Result<gasworks_host_api::storage::Entry, StorageError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.pending.is_none() && !self.pending_done {
                self.pending = self.state.next_pending(&self.cursor, &self.end);
                match &self.pending {
                    Some((key, _)) => self.cursor = Bound::Excluded(key.clone()),
                    None => self.pending_done = true,
                }
            }
            let base_key = match self.base.peek() {
                Some(Ok((key, _))) => Some(key.clone()),
                Some(Err(error)) => return Some(Err(storage_error(error.clone()))),
                None => None,
            };
            let take_pending = match (&self.pending, &base_key) {
                (None, None) => return None,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some((pending_key, _)), Some(base_key)) => pending_key <= base_key,
            };
            let entry: Option<Entry> = if take_pending {
                let (key, value) = self.pending.take()?;
                if base_key.as_deref() == Some(key.as_slice()) {
                    // Overridden by the pending write: consume it.
                    if let Some(Ok((k, v))) = self.base.next() {
                        self.state.record(&k, Some(&v));
                    }
                }
                value.map(|value| (key, value))
            } else {
                match self.base.next() {
                    Some(Ok((key, value))) => {
                        self.state.record(&key, Some(&value));
                        Some((key, value))
                    }
                    Some(Err(error)) => return Some(Err(storage_error(error))),
                    None => None,
                }
            };
            if let Some((key, value)) = entry {
                return Some(Ok((key[1..].to_vec(), value)));
            }
        }
    }
}

/// The method a call's input names (the first borsh string), if any.
pub fn method_of(input: &[u8]) -> Option<String> {
    let length = u32::from_le_bytes(input.get(..4)?.try_into().ok()?) as usize;
    let name = input.get(4..4usize.checked_add(length)?)?;
    String::from_utf8(name.to_vec()).ok()
}

/// A decoded transaction and whether its signature verifies.
type Checked = Result<(SignedTransaction, bool), RejectCode>;

/// Decodes every transaction and checks its signature, on `threads`
/// threads (a node's own choice: the checks are pure).
fn check_signatures(txs: &[Vec<u8>], threads: usize) -> Vec<Checked> {
    let check = |bytes: &Vec<u8>| match tx::decode(bytes) {
        Err(DecodeError::Oversized(_)) => Err(RejectCode::Oversized),
        Err(DecodeError::Malformed) => Err(RejectCode::Malformed),
        Ok(signed) => {
            let valid = signed.signature_is_valid();
            Ok((signed, valid))
        }
    };
    if threads <= 1 || txs.len() < 2 {
        return txs.iter().map(check).collect();
    }
    let chunk = txs.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = txs
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(check).collect::<Vec<_>>()))
            .collect();
        // A checking thread cannot panic on any input (decoding and
        // verification return errors); should one die anyway, its part is
        // checked again here rather than guessed.
        handles
            .into_iter()
            .zip(txs.chunks(chunk))
            .flat_map(|(handle, part)| {
                handle
                    .join()
                    .unwrap_or_else(|_| part.iter().map(check).collect())
            })
            .collect()
    })
}

fn read_account(state: &BlockState, address: &Address) -> Result<Account, ExecError> {
    match state.get(&keys::account(address))? {
        Some(bytes) => borsh::from_slice(&bytes)
            .map_err(|_| ExecError::Store(StoreError::Corrupt(format!("account {address}")))),
        None => Ok(Account::default()),
    }
}

fn account_change(address: &Address, account: &Account) -> Change {
    (
        keys::account(address),
        Some(borsh::to_vec(account).unwrap_or_default()),
    )
}

fn rejected(code: RejectCode) -> TxRecord {
    TxRecord {
        receipt: Receipt {
            status: Status::Rejected(code),
            gas_used: 0,
            fee: 0,
            return_data: Vec::new(),
            events: Vec::new(),
            write_set_hash: write_set_hash(&[]),
            contract: None,
        },
        writes: Vec::new(),
        debug: TxDebug {
            message: format!("rejected: {}", code.name()),
            ..TxDebug::default()
        },
    }
}

/// What running a transaction's body produced (before fee and nonce).
struct Ran {
    status: Status,
    gas_used: u64,
    return_data: Vec<u8>,
    events: Vec<gasworks_host_api::Event>,
    writes: Vec<Change>,
    contract: Option<Address>,
    runtime: Option<Runtime>,
    debug: TxDebug,
}

impl Ran {
    fn failed(status: Status, gas_used: u64, message: String) -> Ran {
        Ran {
            status,
            gas_used,
            return_data: Vec::new(),
            events: Vec::new(),
            writes: Vec::new(),
            contract: None,
            runtime: None,
            debug: TxDebug {
                message,
                ..TxDebug::default()
            },
        }
    }
}

const OUT_OF_GAS: u64 = 9;

fn debug_of(info: &gasworks_host_api::DebugInfo, receipt: &gasworks_host_api::Receipt) -> TxDebug {
    let message = match (&receipt.trap, info.aborts.last()) {
        (None, _) => String::new(),
        (Some(_), Some(abort)) => abort.message.clone(),
        (Some(trap), None) => trap.to_string(),
    };
    TxDebug {
        message,
        logs: info.logs.iter().map(|l| l.message.clone()).collect(),
        method: None,
    }
}

struct Context<'a> {
    block: &'a BlockContext,
    storage: Arc<dyn StorageBackend>,
    state: &'a BlockState,
}

fn run_call(
    cx: &Context<'_>,
    runtime: &Runtime,
    origin: Address,
    contract: Address,
    input: &[u8],
    gas: u64,
    profiler: Option<&mut Profiler>,
) -> Result<Ran, ExecError> {
    let env = BlockEnv {
        height: cx.block.height,
        time: cx.block.timestamp,
        chain_id: cx.block.chain_id,
    };
    let request = CallRequest {
        origin: gasworks_host_api::Address(origin.0),
        contract: gasworks_host_api::Address(contract.0),
        input: input.to_vec(),
        gas_limit: gas,
    };
    let executed = match profiler {
        None => runtime.execute(&env, cx.storage.clone(), &request),
        Some(profiler) => runtime.execute_profiled(&env, cx.storage.clone(), &request, profiler),
    };
    let (receipt, info) = executed.map_err(|error| ExecError::Backend(error.to_string()))?;
    let mut debug = debug_of(&info, &receipt);
    debug.method = method_of(input);
    Ok(match receipt.trap {
        Some(trap) => Ran {
            status: Status::Trapped { code: trap.code() },
            gas_used: receipt.gas_used,
            return_data: Vec::new(),
            events: Vec::new(),
            writes: Vec::new(),
            contract: None,
            runtime: None,
            debug,
        },
        None => Ran {
            status: Status::Success,
            gas_used: receipt.gas_used,
            return_data: receipt.return_data,
            events: receipt.events,
            writes: receipt
                .changes
                .into_iter()
                .map(|change| (keys::storage(&change.key), change.value))
                .collect(),
            contract: None,
            runtime: None,
            debug,
        },
    })
}

/// The number of functions `code` declares (its function section's
/// count), read without looking at anything else; 0 when the module does
/// not parse that far (the instrumenter then refuses it).
pub fn declared_functions(code: &[u8]) -> u64 {
    for payload in wasmparser::Parser::new(0).parse_all(code) {
        match payload {
            Ok(wasmparser::Payload::FunctionSection(reader)) => return u64::from(reader.count()),
            // The function section comes before the code: none by then.
            Ok(wasmparser::Payload::CodeSectionStart { .. }) | Err(_) => return 0,
            Ok(_) => {}
        }
    }
    0
}

/// The number of types `code` declares (its type section's count), read
/// without looking at anything else; 0 when the module does not parse that
/// far (the instrumenter then refuses it).
pub fn declared_types(code: &[u8]) -> u64 {
    for payload in wasmparser::Parser::new(0).parse_all(code) {
        match payload {
            Ok(wasmparser::Payload::TypeSection(reader)) => return u64::from(reader.count()),
            // The type section comes before the functions and the code.
            Ok(wasmparser::Payload::FunctionSection(_))
            | Ok(wasmparser::Payload::CodeSectionStart { .. })
            | Err(_) => return 0,
            Ok(_) => {}
        }
    }
    0
}

/// The gas a deployment of `code` costs before its constructor runs:
/// charged in full before the code is instrumented or compiled.
pub fn deploy_gas(code: &[u8], new_code: bool) -> u64 {
    let code_len = code.len() as u64;
    let storage = if new_code {
        CODE_STORAGE_GAS_PER_BYTE.saturating_mul(code_len)
    } else {
        0
    };
    DEPLOY_BASE_GAS
        .saturating_add(DEPLOY_GAS_PER_BYTE.saturating_mul(code_len))
        .saturating_add(DEPLOY_GAS_PER_FUNCTION.saturating_mul(declared_functions(code)))
        .saturating_add(DEPLOY_GAS_PER_TYPE.saturating_mul(declared_types(code)))
        .saturating_add(storage)
}

/// Deploys `code` at `address` on a copy of `runtime` and runs the
/// constructor: the copy is kept only when both succeed.
/// A deployment: who deploys what where, with which constructor input.
struct Deployment<'a> {
    deployer: Address,
    address: Address,
    code: &'a [u8],
    init: &'a [u8],
}

fn run_deploy(
    cx: &Context<'_>,
    runtime: &Runtime,
    deployment: Deployment<'_>,
    gas: u64,
    mut profiler: Option<&mut Profiler>,
) -> Result<Ran, ExecError> {
    let Deployment {
        deployer,
        address,
        code,
        init,
    } = deployment;
    let code_hash = Hash(gasworks_host_api::crypto::sha256(code));
    let new_code = cx.state.get(&keys::code(&code_hash))?.is_none();
    let upfront = deploy_gas(code, new_code);
    if let Some(profiler) = profiler.as_deref_mut() {
        profiler.record(Category::Other("deploy"), upfront.min(gas));
    }
    if upfront > gas {
        return Ok(Ran::failed(
            Status::Trapped { code: OUT_OF_GAS },
            gas,
            "out of gas before the code was compiled".into(),
        ));
    }
    let mut deployed = runtime.clone();
    if let Err(error) = deployed.deploy(gasworks_host_api::Address(address.0), code) {
        let failure = match &error {
            DeployError::Rejected(_) => DeployFailure::Rejected,
            DeployError::Compile(_) => DeployFailure::Compile,
            DeployError::Instantiation(_) => DeployFailure::Instantiation,
            DeployError::MissingEntryPoint => DeployFailure::MissingEntryPoint,
            DeployError::AddressTaken(_) => DeployFailure::AddressTaken,
        };
        return Ok(Ran::failed(
            Status::DeployFailed(failure),
            upfront,
            error.to_string(),
        ));
    }
    let mut ran = if init.is_empty() {
        Ran {
            status: Status::Success,
            gas_used: 0,
            return_data: Vec::new(),
            events: Vec::new(),
            writes: Vec::new(),
            contract: None,
            runtime: None,
            debug: TxDebug::default(),
        }
    } else {
        run_call(
            cx,
            &deployed,
            deployer,
            address,
            init,
            gas - upfront,
            profiler,
        )?
    };
    ran.gas_used = ran.gas_used.saturating_add(upfront);
    if ran.status.is_success() {
        let info = ContractInfo {
            code_hash,
            deployer,
        };
        ran.writes.push((
            keys::contract(&address),
            Some(borsh::to_vec(&info).unwrap_or_default()),
        ));
        if new_code {
            ran.writes
                .push((keys::code(&code_hash), Some(code.to_vec())));
        }
        ran.contract = Some(address);
        ran.runtime = Some(deployed);
    }
    Ok(ran)
}

/// A block's transactions decoded and their signatures checked: the pure
/// part of execution, which does not depend on state, so a node may do it
/// ahead, while the previous block executes.
pub struct CheckedTransactions {
    checked: Vec<Checked>,
    admitted: usize,
    /// The transactions root of what was checked (a check is only used
    /// for the transactions it was made of).
    tx_root: Hash,
}

impl CheckedTransactions {
    /// The transactions root of the checked transactions (the header's
    /// `tx_root`: computed once, here).
    pub fn tx_root(&self) -> Hash {
        self.tx_root
    }
}

/// Decodes `txs` and checks their signatures on `threads` threads (a
/// node's own choice: the checks are pure). Nothing past the block's
/// limits ([`MAX_BLOCK_TXS`], [`MAX_BLOCK_BYTES`]) is even decoded.
pub fn check_transactions(txs: &[Vec<u8>], threads: usize) -> CheckedTransactions {
    let mut admitted = 0;
    let mut bytes_so_far: usize = 0;
    for bytes in txs.iter().take(MAX_BLOCK_TXS) {
        bytes_so_far = bytes_so_far.saturating_add(bytes.len());
        if bytes_so_far > MAX_BLOCK_BYTES {
            break;
        }
        admitted += 1;
    }
    let mut checked = check_signatures(&txs[..admitted], threads);
    checked.resize(txs.len(), Err(RejectCode::BlockFull));
    CheckedTransactions {
        checked,
        admitted,
        tx_root: crate::block::transactions_root(txs),
    }
}

/// Executes a block's raw transactions against committed state.
///
/// # Errors
///
/// [`ExecError`] when the store fails: node-local, no result.
pub fn execute_transactions(
    base: Arc<dyn StateRead>,
    runtime: &Runtime,
    block: &BlockContext,
    txs: &[Vec<u8>],
    options: &ExecOptions,
) -> Result<Executed, ExecError> {
    let checked = check_transactions(txs, options.verify_threads);
    execute_checked_transactions(base, runtime, block, txs, checked, options)
}

/// [`execute_transactions`] with the transactions already checked by
/// [`check_transactions`].
///
/// # Errors
///
/// [`ExecError`] when the store fails, or when `checked` is not the check
/// of `txs` (a caller's mistake: nothing is executed).
pub fn execute_checked_transactions(
    base: Arc<dyn StateRead>,
    runtime: &Runtime,
    block: &BlockContext,
    txs: &[Vec<u8>],
    checked: CheckedTransactions,
    options: &ExecOptions,
) -> Result<Executed, ExecError> {
    let _span = tracing::debug_span!("execute_block", height = block.height).entered();
    if checked.checked.len() != txs.len() || checked.tx_root != crate::block::transactions_root(txs)
    {
        return Err(ExecError::Backend(
            "the signature checks given are not those of this block's transactions".into(),
        ));
    }
    let CheckedTransactions {
        checked, admitted, ..
    } = checked;
    let state = Arc::new(BlockState::new(base, options.record_reads));
    let cx = Context {
        block,
        storage: Arc::new(ContractStorage(state.clone())),
        state: &state,
    };
    let mut runtime = runtime.clone();
    let mut records = Vec::with_capacity(txs.len());
    let mut profiles = Vec::new();
    let mut gas_used: u64 = 0;
    let mut debug_left = MAX_BLOCK_DEBUG_BYTES;
    for (index, (bytes, checked)) in txs.iter().zip(checked).enumerate() {
        // One profile per transaction (empty for one not run).
        let mut profiler = options.profile.then(Profiler::new);
        let mut record = if index >= admitted {
            rejected(RejectCode::BlockFull)
        } else {
            let fault = options
                .fault
                .filter(|f| f.height == block.height && f.tx as usize == index);
            execute_one(
                &cx,
                &mut runtime,
                bytes.len(),
                checked,
                gas_used,
                fault,
                profiler.as_mut(),
            )?
        };
        if let Some(profiler) = profiler {
            profiles.push(profiler.finish());
        }
        fit_debug(&mut record.debug, &mut debug_left);
        tracing::trace!(index, status = %record.receipt.status.name(), gas = record.receipt.gas_used);
        gas_used = gas_used.saturating_add(record.receipt.gas_used);
        state.apply(&record.writes);
        records.push(record);
    }
    drop(cx);
    let state = Arc::try_unwrap(state).map_err(|_| {
        ExecError::Backend("the block's state is still shared after execution".into())
    })?;
    let (changes, reads, preexisting) = state.into_parts();
    Ok(Executed {
        records,
        changes,
        preexisting,
        gas_used,
        runtime,
        reads,
        profiles,
    })
}

fn execute_one(
    cx: &Context<'_>,
    runtime: &mut Runtime,
    len: usize,
    checked: Checked,
    block_gas_used: u64,
    fault: Option<Fault>,
    mut profiler: Option<&mut Profiler>,
) -> Result<TxRecord, ExecError> {
    let block = cx.block;
    let signed = match checked {
        Err(code) => return Ok(rejected(code)),
        Ok((signed, _)) if signed.tx.chain_id != block.chain_id => {
            return Ok(rejected(RejectCode::WrongChainId));
        }
        Ok((_, false)) => return Ok(rejected(RejectCode::BadSignature)),
        Ok((signed, true)) => signed,
    };
    let tx = &signed.tx;
    let sender = tx.sender_address();
    let mut account = read_account(cx.state, &sender)?;
    if tx.nonce < account.nonce {
        return Ok(rejected(RejectCode::NonceTooLow));
    }
    if tx.nonce > account.nonce {
        return Ok(rejected(RejectCode::NonceTooHigh));
    }
    if tx.gas_price < block.gas_price {
        return Ok(rejected(RejectCode::GasPriceTooLow));
    }
    if tx.gas_limit > block.block_gas_limit {
        return Ok(rejected(RejectCode::GasLimitAboveBlock));
    }
    if tx.gas_limit > block.block_gas_limit.saturating_sub(block_gas_used) {
        return Ok(rejected(RejectCode::BlockGasExhausted));
    }
    let intrinsic = TX_BASE_GAS.saturating_add(TX_BYTE_GAS.saturating_mul(len as u64));
    if tx.gas_limit < intrinsic {
        return Ok(rejected(RejectCode::GasLimitTooLow));
    }
    let max_fee = u128::from(tx.gas_limit) * u128::from(tx.gas_price);
    if max_fee > account.balance {
        return Ok(rejected(RejectCode::CannotPayFee));
    }
    let gas = tx.gas_limit - intrinsic;
    if let Some(profiler) = profiler.as_deref_mut() {
        profiler.record(Category::Other("intrinsic"), intrinsic);
    }
    let ran = match &tx.kind {
        TxKind::Transfer { to, amount } => {
            if let Some(profiler) = profiler.as_deref_mut() {
                profiler.record(Category::Other("transfer"), TRANSFER_GAS.min(gas));
            }
            if TRANSFER_GAS > gas {
                Ran::failed(
                    Status::Trapped { code: OUT_OF_GAS },
                    gas,
                    "out of gas".into(),
                )
            } else {
                let fee_now = u128::from(intrinsic + TRANSFER_GAS) * u128::from(tx.gas_price);
                if account.balance - fee_now < *amount {
                    Ran::failed(
                        Status::InsufficientFunds,
                        TRANSFER_GAS,
                        "the balance after the fee is below the amount".into(),
                    )
                } else {
                    let mut ran = Ran::failed(Status::Success, TRANSFER_GAS, String::new());
                    if *to != sender {
                        let mut receiver = read_account(cx.state, to)?;
                        receiver.balance = receiver.balance.saturating_add(*amount);
                        ran.writes.push(account_change(to, &receiver));
                        account.balance -= *amount;
                    }
                    ran
                }
            }
        }
        TxKind::Call { contract, input } => run_call(
            cx,
            runtime,
            sender,
            *contract,
            input,
            gas,
            profiler.as_deref_mut(),
        )?,
        TxKind::Deploy { code, init } => {
            let address = contract_address(&sender, tx.nonce);
            let deployment = Deployment {
                deployer: sender,
                address,
                code,
                init,
            };
            let mut ran = run_deploy(cx, runtime, deployment, gas, profiler.as_deref_mut())?;
            ran.debug.method = method_of(init);
            ran
        }
    };
    let body_gas = ran.gas_used;
    let mut ran = charge_receipt(ran, gas);
    if let Some(profiler) = profiler.as_deref_mut() {
        profiler.record(
            Category::Other("receipt bytes"),
            ran.gas_used.saturating_sub(body_gas),
        );
    }
    let mut gas_used = intrinsic.saturating_add(ran.gas_used).min(tx.gas_limit);
    if let Some(Fault {
        kind: FaultKind::ExtraGas(extra),
        ..
    }) = fault
    {
        gas_used = gas_used.saturating_add(extra);
        if let Some(profiler) = profiler {
            profiler.record(Category::Other("injected fault"), extra);
        }
    }
    let fee = u128::from(gas_used) * u128::from(tx.gas_price);
    account.nonce += 1;
    account.balance = account.balance.saturating_sub(fee);
    if let Some(new_runtime) = ran.runtime.take() {
        *runtime = new_runtime;
    }
    let mut writes: BTreeMap<Vec<u8>, Option<Vec<u8>>> = ran.writes.into_iter().collect();
    let (key, value) = account_change(&sender, &account);
    writes.insert(key, value);
    let mut writes: Vec<Change> = writes.into_iter().collect();
    if let Some(Fault {
        kind: FaultKind::WrongValue,
        ..
    }) = fault
    {
        inject_wrong_value(&mut writes);
    }
    Ok(TxRecord {
        receipt: Receipt {
            status: ran.status,
            gas_used,
            fee,
            return_data: ran.return_data,
            events: ran.events,
            write_set_hash: write_set_hash(&writes),
            contract: ran.contract,
        },
        writes,
        debug: ran.debug,
    })
}

/// Bytes a successful transaction's receipt keeps beyond its fixed part:
/// the return data, and each event's contract address, topics and data.
pub fn receipt_bytes(return_data: &[u8], events: &[gasworks_host_api::Event]) -> u64 {
    let events: u64 = events
        .iter()
        .map(|event| {
            let topics: u64 = event.topics.iter().map(|t| t.len() as u64).sum();
            32 + topics + event.data.len() as u64
        })
        .sum();
    return_data.len() as u64 + events
}

/// Charges a successful body [`RECEIPT_BYTE_GAS`] per byte its receipt
/// keeps ([`receipt_bytes`]), from the `gas` the body had: when that does
/// not cover it, the body fails out of gas with all of `gas` used (as a
/// trap would: no writes, events or return data; its logs are kept).
fn charge_receipt(ran: Ran, gas: u64) -> Ran {
    if !ran.status.is_success() {
        return ran;
    }
    let bytes = receipt_bytes(&ran.return_data, &ran.events);
    let charge = RECEIPT_BYTE_GAS.saturating_mul(bytes);
    match ran
        .gas_used
        .checked_add(charge)
        .filter(|total| *total <= gas)
    {
        Some(total) => Ran {
            gas_used: total,
            ..ran
        },
        None => {
            let mut failed = Ran::failed(
                Status::Trapped { code: OUT_OF_GAS },
                gas,
                format!("out of gas for the receipt's {bytes} bytes"),
            );
            failed.debug.logs = ran.debug.logs;
            failed.debug.method = ran.debug.method;
            failed
        }
    }
}

/// Keeps a transaction's debug text within what is left of the block's
/// [`MAX_BLOCK_DEBUG_BYTES`] (`left`, reduced by what is kept): logs past
/// it are replaced by one line saying how many were dropped, the message
/// and the method are cut to [`DEBUG_TEXT_AFTER_BUDGET`] bytes. The debug
/// part is node-local (never hashed, no gas depends on it): this bounds
/// what a block holds of it, whatever its transactions log.
fn fit_debug(debug: &mut TxDebug, left: &mut usize) {
    let take = |text: &mut String, left: &mut usize| {
        let keep = if text.len() <= *left {
            text.len()
        } else {
            text.len().min(DEBUG_TEXT_AFTER_BUDGET)
        };
        truncate_at_char(text, keep);
        *left = left.saturating_sub(text.len());
    };
    take(&mut debug.message, left);
    if let Some(method) = &mut debug.method {
        take(method, left);
    }
    let mut kept = 0;
    for log in &debug.logs {
        if log.len() > *left {
            break;
        }
        *left -= log.len();
        kept += 1;
    }
    if kept < debug.logs.len() {
        let dropped = debug.logs.len() - kept;
        debug.logs.truncate(kept);
        debug.logs.shrink_to_fit();
        debug.logs.push(format!(
            "[{dropped} log messages dropped: the block's debug budget is spent]"
        ));
    }
}

/// Cuts `text` to at most `len` bytes, at a character boundary.
fn truncate_at_char(text: &mut String, len: usize) {
    if text.len() <= len {
        return;
    }
    let mut end = len;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.shrink_to_fit();
}

fn inject_wrong_value(writes: &mut [Change]) {
    let position = writes
        .iter()
        .position(|(key, value)| key.first() == Some(&keys::STORAGE) && value.is_some())
        .or_else(|| writes.iter().position(|(_, value)| value.is_some()));
    if let Some((_, Some(value))) = position.and_then(|i| writes.get_mut(i)) {
        match value.last_mut() {
            Some(last) => *last ^= 0xff,
            None => value.push(0xff),
        }
    }
}

/// The state changes and deployed contracts a genesis defines.
///
/// # Errors
///
/// [`ExecError`] when the store fails, or a genesis contract does not
/// deploy or its constructor fails (then the genesis is invalid: the
/// message says which).
pub fn genesis_state(
    genesis: &crate::block::Genesis,
) -> Result<(ChangeSet, Runtime, Vec<TxRecord>), ExecError> {
    let empty: Arc<dyn StateRead> = Arc::new(gasworks_host_api::MemoryStorage::new());
    let state = Arc::new(BlockState::new(empty, false));
    let block = BlockContext {
        chain_id: genesis.chain_id,
        height: 0,
        timestamp: genesis.timestamp,
        gas_price: genesis.gas_price,
        block_gas_limit: genesis.block_gas_limit,
    };
    let mut accounts = Vec::new();
    for (address, balance) in &genesis.accounts {
        accounts.push(account_change(
            address,
            &Account {
                nonce: 0,
                balance: *balance,
            },
        ));
    }
    state.apply(&accounts);
    let cx = Context {
        block: &block,
        storage: Arc::new(ContractStorage(state.clone())),
        state: &state,
    };
    let mut runtime = Runtime::new();
    let mut records = Vec::new();
    for (index, contract) in genesis.contracts.iter().enumerate() {
        let address = crate::tx::genesis_contract_address(index as u64);
        let deployment = Deployment {
            deployer: contract.deployer,
            address,
            code: &contract.code,
            init: &contract.init,
        };
        let mut ran = run_deploy(&cx, &runtime, deployment, genesis.block_gas_limit, None)?;
        if !ran.status.is_success() {
            return Err(ExecError::Backend(format!(
                "genesis contract #{index} failed: {} {}",
                ran.status.name(),
                ran.debug.message
            )));
        }
        if let Some(new_runtime) = ran.runtime.take() {
            runtime = new_runtime;
        }
        state.apply(&ran.writes);
        records.push(TxRecord {
            receipt: Receipt {
                status: ran.status,
                gas_used: ran.gas_used,
                fee: 0,
                return_data: ran.return_data,
                events: ran.events,
                write_set_hash: write_set_hash(&ran.writes),
                contract: ran.contract,
            },
            writes: ran.writes,
            debug: ran.debug,
        });
    }
    drop(cx);
    let state = Arc::try_unwrap(state)
        .map_err(|_| ExecError::Backend("genesis state still shared".into()))?;
    let (changes, _, _) = state.into_parts();
    Ok((changes, runtime, records))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ran(gas_used: u64, return_data: &[u8], data: &[u8]) -> Ran {
        let mut ran = Ran::failed(Status::Success, gas_used, String::new());
        ran.return_data = return_data.to_vec();
        ran.events = vec![gasworks_host_api::Event {
            contract: gasworks_host_api::Address([1; 32]),
            topics: vec![b"topic".to_vec()],
            data: data.to_vec(),
        }];
        ran.writes = vec![(vec![1], Some(vec![2]))];
        ran.debug.logs = vec!["kept".into()];
        ran
    }

    #[test]
    fn receipts_are_charged_per_byte_kept_or_fail_out_of_gas() {
        // 10 bytes of return data, 32 + 5 + 3 of event.
        let bytes = 10 + 32 + 5 + 3;
        assert_eq!(receipt_bytes(&[0; 10], &ran(0, &[], b"abc").events), bytes);
        let exact = 1_000 + RECEIPT_BYTE_GAS * bytes;
        let charged = charge_receipt(ran(1_000, &[0; 10], b"abc"), exact);
        assert_eq!(charged.status, Status::Success);
        assert_eq!(charged.gas_used, exact);
        let short = charge_receipt(ran(1_000, &[0; 10], b"abc"), exact - 1);
        assert_eq!(short.status, Status::Trapped { code: OUT_OF_GAS });
        assert_eq!(short.gas_used, exact - 1);
        assert!(short.return_data.is_empty() && short.events.is_empty());
        assert!(short.writes.is_empty());
        assert_eq!(short.debug.logs, ["kept"]);
        // A failed body keeps no receipt bytes and is not charged.
        let mut failed = ran(1_000, &[0; 10], b"abc");
        failed.status = Status::Trapped { code: OUT_OF_GAS };
        assert_eq!(charge_receipt(failed, 1_000).gas_used, 1_000);
    }

    #[test]
    fn debug_text_stays_within_the_block_budget() {
        let mut left = 10;
        let mut debug = TxDebug {
            message: "ééé".into(),
            logs: vec!["abc".into(), "defg".into(), "h".into()],
            method: Some("m".into()),
        };
        fit_debug(&mut debug, &mut left);
        // 6 + 1 + 3 = 10 bytes: "defg" and what follows are dropped.
        assert_eq!(left, 0);
        assert_eq!(
            debug.logs,
            [
                "abc",
                "[2 log messages dropped: the block's debug budget is spent]"
            ]
        );
        let long = "é".repeat(DEBUG_TEXT_AFTER_BUDGET);
        let mut debug = TxDebug {
            message: long,
            logs: vec!["x".into()],
            method: None,
        };
        fit_debug(&mut debug, &mut left);
        // Cut at a character boundary at most DEBUG_TEXT_AFTER_BUDGET bytes in.
        assert_eq!(debug.message, "é".repeat(DEBUG_TEXT_AFTER_BUDGET / 2));
        assert_eq!(debug.logs.len(), 1);
        assert!(debug.logs[0].starts_with("[1 log messages dropped"));
    }
}
