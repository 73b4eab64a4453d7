//! The real pipeline, as a node runs a contract: instrument with the
//! consensus configuration (`gasworks_host_api::instrument_config`),
//! compile, check the entry point and instantiation (all in
//! [`Runtime::deploy`]), then execute `execute` with the host linker, a
//! fresh storage and a fixed gas limit ([`Runtime::execute`], which charges
//! the entry and instantiates the contract on every call).
//!
//! Every way a candidate can fail before it runs is a typed
//! [`EvalError`]; a trap while it runs is not an error but part of its
//! [`Run`] (a program that traps at once is measured like any other).

use std::sync::Arc;

use gasworks_host_api::{
    Address, BlockEnv, CallRequest, DeployError, ExecuteError, MemoryStorage, Receipt, Runtime,
    StorageBackend,
};
use gasworks_vm::trap::TrapKind;

use super::program::{BuildError, Program};

/// Why a candidate was not measured: each failure typed, none a panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// The generator made no module.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The pipeline refused it: instrumenter rejection, compile error,
    /// instantiation failure or no `execute` entry point.
    #[error(transparent)]
    Deploy(#[from] DeployError),
    /// The storage backend failed (cannot happen with the in-memory one).
    #[error(transparent)]
    Execute(#[from] ExecuteError),
    /// Building or running the candidate panicked: a crash of a node if
    /// it was in the pipeline, reported as a finding of its own (the
    /// search catches it to go on; the tests fail on it).
    #[error("panicked: {0}")]
    Panicked(String),
    /// Two runs of the same call used different gas: a determinism bug,
    /// reported as a finding of its own.
    #[error("gas differs between identical runs: {first} then {second}")]
    Nondeterministic {
        /// Gas of the first run.
        first: u64,
        /// Gas of a later run.
        second: u64,
    },
}

impl EvalError {
    /// A short name of the failure's kind, for the search's counts.
    pub fn kind(&self) -> String {
        match self {
            EvalError::Build(BuildError::Text(_)) => "build: shape text".into(),
            EvalError::Build(BuildError::Smith(_)) => "build: wasm-smith".into(),
            EvalError::Build(BuildError::Reencode(_)) => "build: re-encoding".into(),
            EvalError::Deploy(DeployError::Rejected(rejection)) => {
                format!("rejected: {}", rule_name(&rejection.rule))
            }
            EvalError::Deploy(DeployError::Compile(_)) => "compile error".into(),
            EvalError::Deploy(DeployError::Instantiation(_)) => "instantiation error".into(),
            EvalError::Deploy(DeployError::MissingEntryPoint) => "no entry point".into(),
            EvalError::Deploy(DeployError::AddressTaken(_)) => "address taken".into(),
            EvalError::Execute(_) => "storage backend".into(),
            EvalError::Panicked(_) => "PANIC".into(),
            EvalError::Nondeterministic { .. } => "NONDETERMINISTIC GAS".into(),
        }
    }
}

/// The rule's variant name (`Limit`, `Float`...), without its fields.
fn rule_name(rule: &gasworks_vm::Rule) -> String {
    let text = format!("{rule:?}");
    text.split([' ', '(', '{'])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// One run's consensus outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// Gas used, entry charge included.
    pub gas_used: u64,
    /// The trap that ended the call, if any (out of gas for the looping
    /// shapes).
    pub trap: Option<TrapKind>,
}

/// A deployed candidate, ready to be executed again and again.
pub struct Deployment {
    runtime: Runtime,
    storage: Arc<dyn StorageBackend>,
    request: CallRequest,
    block: BlockEnv,
}

/// The address candidates are deployed at.
const CONTRACT: Address = Address([7; 32]);
/// The transaction's signer.
const ORIGIN: Address = Address([1; 32]);

impl Deployment {
    /// Deploys `program` in a fresh runtime, to be called with `gas_limit`.
    ///
    /// # Errors
    ///
    /// [`EvalError::Deploy`] when the pipeline refuses the module.
    pub fn new(program: &Program, gas_limit: u64) -> Result<Deployment, EvalError> {
        let mut runtime = Runtime::new();
        runtime.deploy(CONTRACT, &program.wasm)?;
        Ok(Deployment {
            runtime,
            storage: Arc::new(MemoryStorage::new()),
            request: CallRequest {
                origin: ORIGIN,
                contract: CONTRACT,
                input: program.input.clone(),
                gas_limit,
            },
            block: BlockEnv {
                height: 1,
                time: 1_700_000_000,
                chain_id: 1,
            },
        })
    }

    /// Executes the call once (the timed operation).
    ///
    /// # Errors
    ///
    /// [`EvalError::Execute`] when the storage backend fails.
    pub fn run(&self) -> Result<Run, EvalError> {
        let (receipt, _debug): (Receipt, _) =
            self.runtime
                .execute(&self.block, self.storage.clone(), &self.request)?;
        Ok(Run {
            gas_used: receipt.gas_used,
            trap: receipt.trap,
        })
    }
}
