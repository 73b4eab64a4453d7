//! The executor-facing API: deploy contracts, execute calls.
//!
//! A [`Runtime`] holds the deployed contracts (address to compiled module,
//! compiled once per code through [`ModuleCache`]) and the [`Linker`] built
//! from the manifest. [`Runtime::execute`] runs one transaction's call
//! against a read-only [`StorageBackend`] and returns the consensus
//! [`Receipt`] (status, gas used, return data, events, changes in key order)
//! and the [`DebugInfo`] for people. Nothing is written to the backend: the
//! node commits the receipt's changes.

use std::collections::BTreeMap;
use std::sync::Arc;

use gasworks_vm::engine::{CompileError, Instance, InstantiationError, Linker, ModuleCache};
use gasworks_vm::profile::{Category, Profiler};
use gasworks_vm::trap::TrapKind;
use gasworks_vm::{Rejection, instrument};

use crate::HostTrap;
use crate::codes::CallStatus;
use crate::env::{Address, BlockEnv, Contract, DebugInfo, Env, Event};
use crate::host::{Entered, Meter, enter_contract};
use crate::limits::MAX_INPUT_LEN;
use crate::manifest::CALL_COST;
use crate::storage::{StorageBackend, StorageChange, StorageError};

/// The export every contract provides: `(func)`, run on every entry (a
/// transaction's or a cross-contract call's). It reads its input with
/// `input` and answers with `set_return_data`; results, if the export has
/// any, are ignored.
pub const ENTRY_POINT: &str = "execute";

/// A transaction's call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRequest {
    /// The account that signed the transaction (the contract's caller and
    /// every call's origin).
    pub origin: Address,
    /// The contract to call.
    pub contract: Address,
    /// The input (borsh-encoded arguments).
    pub input: Vec<u8>,
    /// Gas for the whole call, the entry charge and every nested call
    /// included.
    pub gas_limit: u64,
}

/// The consensus outcome of a call: everything here is the same on every
/// node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// `None` on success, else the trap that ended the call.
    pub trap: Option<TrapKind>,
    /// Gas used, entry charge included (the whole limit when out of gas).
    pub gas_used: u64,
    /// The contract's return data (empty on failure).
    pub return_data: Vec<u8>,
    /// Events, in emission order (empty on failure).
    pub events: Vec<Event>,
    /// Storage changes in key order (empty on failure).
    pub changes: Vec<StorageChange>,
}

impl Receipt {
    /// Whether the call succeeded.
    pub fn is_success(&self) -> bool {
        self.trap.is_none()
    }

    fn failed(trap: TrapKind, gas_used: u64) -> Receipt {
        Receipt {
            trap: Some(trap),
            gas_used,
            return_data: Vec::new(),
            events: Vec::new(),
            changes: Vec::new(),
        }
    }
}

/// Why a call could not be executed at all (no receipt: the node must not
/// commit anything for this block).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecuteError {
    /// The storage backend failed.
    #[error(transparent)]
    Backend(#[from] StorageError),
}

/// Why a contract could not be deployed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeployError {
    /// The instrumenter refused the module. Displayed as the rejection's
    /// message, with a Rust function name demangled
    /// ([`crate::rejection_display`]).
    #[error("module rejected: {}", crate::rejection_display(.0))]
    Rejected(#[source] Box<Rejection>),
    /// The instrumented module did not compile (a bug: the instrumenter
    /// accepted it).
    #[error("module does not compile: {0}")]
    Compile(#[source] CompileError),
    /// The module does not instantiate (a segment does not fit).
    #[error("module does not instantiate: {0}")]
    Instantiation(#[source] InstantiationError),
    /// The module does not export `execute` as a function without
    /// parameters or results.
    #[error("module has no exported function {ENTRY_POINT:?} of type () -> ()")]
    MissingEntryPoint,
    /// A contract is already deployed at that address.
    #[error("a contract is already deployed at {0}")]
    AddressTaken(Address),
}

/// What deployment recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployed {
    /// The compiled module's cache key (code, cost table, engine version).
    pub module_key: [u8; 32],
    /// Initial memory pages, charged per page on every entry.
    pub initial_pages: u64,
    /// Initial table elements (all tables), charged per element on every
    /// entry.
    pub initial_table_elements: u64,
}

/// The deployed contracts and the linker: what a node needs to execute
/// calls. Cheap to share: contracts are behind an `Arc`, copied on write.
#[derive(Clone)]
pub struct Runtime {
    contracts: Arc<BTreeMap<Address, Contract>>,
    cache: ModuleCache,
    linker: Arc<Linker>,
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime::new()
    }
}

impl Runtime {
    /// A runtime without contracts.
    pub fn new() -> Runtime {
        Runtime {
            contracts: Arc::new(BTreeMap::new()),
            cache: ModuleCache::new(),
            linker: Arc::new(crate::linker()),
        }
    }

    /// Deploys `wasm` at `address`: instruments it with
    /// [`crate::instrument_config`], compiles it (once per code), checks
    /// that it instantiates and exports `execute` as a `(func)`, and
    /// registers it.
    ///
    /// # Errors
    ///
    /// [`DeployError`].
    pub fn deploy(&mut self, address: Address, wasm: &[u8]) -> Result<Deployed, DeployError> {
        if self.contracts.contains_key(&address) {
            return Err(DeployError::AddressTaken(address));
        }
        let instrumented = instrument(wasm, &crate::instrument_config())
            .map_err(|rejection| DeployError::Rejected(Box::new(rejection)))?;
        let module = self
            .cache
            .get_or_compile(&instrumented)
            .map_err(DeployError::Compile)?;
        // The entry point takes and returns nothing (input and output go
        // through host functions): anything else could never be called.
        if module.export_arity(ENTRY_POINT) != Some((0, 0)) {
            return Err(DeployError::MissingEntryPoint);
        }
        // Instantiation is deterministic: if it works once, it works on
        // every call.
        Instance::new(&module, &self.linker).map_err(DeployError::Instantiation)?;
        let initial_pages = instrumented.report.memory.map_or(0, |(initial, _)| initial);
        let initial_table_elements = module.initial_table_elements();
        let deployed = Deployed {
            module_key: module.key(),
            initial_pages,
            initial_table_elements,
        };
        Arc::make_mut(&mut self.contracts).insert(
            address,
            Contract {
                module,
                initial_pages,
                initial_table_elements,
            },
        );
        Ok(deployed)
    }

    /// Whether a contract is deployed at `address`.
    pub fn is_deployed(&self, address: &Address) -> bool {
        self.contracts.contains_key(address)
    }

    /// Executes a transaction's call.
    ///
    /// The entry is charged like a `call` ([`CALL_COST`]: base, per input
    /// byte, per initial memory page of the contract, and
    /// [`crate::manifest::CALL_TABLE_ELEMENT_GAS`] per initial table
    /// element) from the call's gas
    /// limit, then the contract's `execute` runs with the rest.
    ///
    /// # Errors
    ///
    /// [`ExecuteError::Backend`] when the storage backend failed: the
    /// outcome would not be the same on another node, so there is none.
    pub fn execute(
        &self,
        block: &BlockEnv,
        storage: Arc<dyn StorageBackend>,
        call: &CallRequest,
    ) -> Result<(Receipt, DebugInfo), ExecuteError> {
        self.run(block, storage, call, None)
    }

    /// [`Runtime::execute`], recording where the gas goes in `profiler`
    /// ([`gasworks_vm::profile`]): the entry under [`Category::Entry`],
    /// then each contract entered under a scope named for it
    /// (`contract 1a2b3c4d`, its address's first bytes). The receipt is the
    /// same as without the profiler, and the profiler records exactly its
    /// `gas_used`.
    ///
    /// # Errors
    ///
    /// As [`Runtime::execute`].
    pub fn execute_profiled(
        &self,
        block: &BlockEnv,
        storage: Arc<dyn StorageBackend>,
        call: &CallRequest,
        profiler: &mut Profiler,
    ) -> Result<(Receipt, DebugInfo), ExecuteError> {
        self.run(block, storage, call, Some(profiler))
    }

    fn run(
        &self,
        block: &BlockEnv,
        storage: Arc<dyn StorageBackend>,
        call: &CallRequest,
        profiler: Option<&mut Profiler>,
    ) -> Result<(Receipt, DebugInfo), ExecuteError> {
        let mut env = Env::new(
            *block,
            call.origin,
            storage,
            self.contracts.clone(),
            self.linker.clone(),
        );
        let mut meter = Meter::profiled(call.gas_limit, profiler);
        let entered = (|| {
            meter.charge(CALL_COST.base, Category::Entry)?;
            if call.input.len() as u64 > u64::from(MAX_INPUT_LEN) {
                return Err(HostTrap::InputTooLarge.kind());
            }
            meter.charge(
                CALL_COST.bytes_cost(call.input.len() as u64),
                Category::Entry,
            )?;
            enter_contract(
                &mut env,
                &mut meter,
                &CALL_COST,
                call.contract,
                call.input.clone(),
                u64::MAX,
            )
        })();
        if let Some(error) = env.fatal.take() {
            return Err(ExecuteError::Backend(error));
        }
        let gas_used = meter.spent();
        let receipt = match entered {
            Err(trap) => Receipt::failed(trap, gas_used),
            Ok(Entered::Refused(CallStatus::NoSuchContract)) => {
                Receipt::failed(HostTrap::NoSuchContract.kind(), gas_used)
            }
            // The call stack is empty: no other refusal can happen.
            Ok(Entered::Refused(_)) => Receipt::failed(HostTrap::NoContext.kind(), gas_used),
            Ok(Entered::Finished {
                result: Err(trap), ..
            }) => Receipt::failed(trap, gas_used),
            Ok(Entered::Finished {
                result: Ok(()),
                outermost,
            }) => {
                let frame = outermost.ok_or(HostTrap::NoContext.kind());
                match frame {
                    Ok(frame) => Receipt {
                        trap: None,
                        gas_used,
                        return_data: frame.return_data,
                        events: std::mem::take(&mut env.events),
                        changes: frame
                            .writes
                            .into_iter()
                            .map(|(key, value)| StorageChange { key, value })
                            .collect(),
                    },
                    Err(trap) => Receipt::failed(trap, gas_used),
                }
            }
        };
        Ok((receipt, std::mem::take(&mut env.debug)))
    }
}
