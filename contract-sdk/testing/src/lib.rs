//! Gas-exact tests of Gasworks contracts: deploy the contract's wasm in the
//! real VM (instrumented, compiled and metered exactly as a node runs it),
//! call its methods with borsh arguments, and assert on results, events,
//! storage and the exact gas.
//!
//! ```ignore
//! use gasworks_sdk_testing::{TestChain, account, load_wasm};
//!
//! let mut chain = TestChain::new();
//! let counter = chain.deploy(&load_wasm("examples/wasm/counter.wasm"));
//! let alice = account("alice");
//! let outcome = chain.call(alice, counter, "increment", &(5u64,));
//! assert_eq!(outcome.unwrap::<u64>(), 5);
//! assert_eq!(outcome.gas_used(), 81_234);
//! ```
//!
//! With the typed reference `#[contract]` generates, the compiler checks
//! arguments and results: `chain.invoke(alice, CounterRef::new(counter).increment(5))`
//! returns a [`TypedOutcome`] whose `unwrap()` is the method's result; and
//! [`Outcome::events`] reads events back as their `#[derive(Event)]` types.
//!
//! Every call made through [`TestChain`] checks that its gas is exact: the
//! same call with a gas limit of exactly `gas_used` gives the same receipt,
//! and with one unit less runs out of gas ([`TestChain::check_exact_gas`]).
//! [`GasReport`] pins the gas of a scenario's calls in a golden file that
//! `GASWORKS_BLESS=1` rewrites after a deliberate change, and
//! [`TestChain::profile`] says where a call's gas went ([`Profile`]: per
//! function, host function and category; a table, folded stacks, a flame
//! graph, JSON).
//!
//! A failed call's [`Failure`] gives the trap kind and, for a panic, the
//! contract's message and source location (from the `abort` message the
//! SDK's panic handler sends, which the outcome's debug part keeps).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod build;
mod golden;

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;
use std::sync::Arc;

use borsh::{BorshDeserialize, BorshSerialize};
use gasworks_host_api::{
    BlockEnv, CallRequest, DebugInfo, DeployError, Event, HostTrap, MemoryStorage, Receipt,
    Runtime, StorageBackend,
};
use gasworks_sdk::call::Call;
use gasworks_sdk::events::{Event as SdkEvent, EventDecodeError};
use gasworks_sdk::storage::{Item, Map, StorageKey};

pub use borsh;
pub use build::{BuildError, WASM_TARGET, build_wasm, ensure_wasm32_target, rebuild_wasm};
pub use gasworks_host_api as host;
pub use gasworks_sdk as sdk;
pub use gasworks_sdk::Address;
/// The VM that runs the contracts: `vm::engine::dispatch()` tells which
/// dispatch this build of it has (see "The test loop" in docs/sdk.md).
pub use gasworks_vm as vm;
pub use gasworks_vm::profile::Profile;
use gasworks_vm::profile::Profiler;
pub use gasworks_vm::trap::TrapKind;
pub use golden::GasReport;

/// The trap kind of an `abort`, which is how a panic ends a call.
pub const ABORT_TRAP: TrapKind = HostTrap::Abort.kind();

/// Gas limit of every call unless [`TestChain::gas_limit`] says otherwise.
pub const DEFAULT_GAS_LIMIT: u64 = 1_000_000_000;

/// A test account's address: the SHA-256 of `gasworks test account: NAME`.
pub fn account(name: &str) -> Address {
    let mut data = b"gasworks test account: ".to_vec();
    data.extend_from_slice(name.as_bytes());
    Address(gasworks_host_api::crypto::sha256(&data))
}

/// Reads a contract's wasm file.
///
/// # Panics
///
/// When the file cannot be read (the message says how to build it).
pub fn load_wasm(path: impl AsRef<Path>) -> Vec<u8> {
    let path = path.as_ref();
    std::fs::read(path).unwrap_or_else(|error| {
        panic!(
            "cannot read {}: {error} (build the contract first, for the examples: \
             examples/build.sh)",
            path.display()
        )
    })
}

/// A chain for tests: a [`Runtime`] with deployed contracts, committed
/// state in memory, and the block every call runs in.
pub struct TestChain {
    runtime: Runtime,
    storage: Arc<MemoryStorage>,
    /// The block of every call (height, time, chain id); change it between
    /// calls to move time forward.
    pub block: BlockEnv,
    /// The gas limit of every call.
    pub gas_limit: u64,
    /// Whether each call is run twice more to check that its gas is exact:
    /// with a limit of exactly `gas_used` it must give the same receipt,
    /// and with `gas_used - 1` run out of gas (calls that ran out of gas
    /// are not checked). On by default; turn it off for a contract whose
    /// behaviour depends on the gas left (it reads `gas_left`, or gives a
    /// callee all of it).
    pub check_exact_gas: bool,
    /// Whether each call is run once more, profiled, to check that
    /// profiling changes nothing (the same receipt) and that the profile
    /// accounts for every unit of gas used. Off by default: it checks the
    /// VM, not the contract (the repository's example tests turn it on).
    pub check_profile: bool,
    deployed: u32,
}

impl Default for TestChain {
    fn default() -> Self {
        TestChain::new()
    }
}

impl TestChain {
    /// An empty chain at height 1, time 1,700,000,000, chain id 1.
    pub fn new() -> TestChain {
        TestChain {
            runtime: Runtime::new(),
            storage: Arc::new(MemoryStorage::new()),
            block: BlockEnv {
                height: 1,
                time: 1_700_000_000,
                chain_id: 1,
            },
            gas_limit: DEFAULT_GAS_LIMIT,
            check_exact_gas: true,
            check_profile: false,
            deployed: 0,
        }
    }

    /// Deploys `wasm` at the next contract address (`0xc0`, then zeros,
    /// then the contract's number as 4 big-endian bytes) and returns it.
    ///
    /// # Panics
    ///
    /// When deployment fails (the module is rejected, has no `execute`).
    pub fn deploy(&mut self, wasm: &[u8]) -> Address {
        match self.try_deploy(wasm) {
            Ok(address) => address,
            Err(error) => panic!("the contract does not deploy: {error}"),
        }
    }

    /// Deploys `wasm` at the next contract address.
    ///
    /// # Errors
    ///
    /// The [`DeployError`].
    pub fn try_deploy(&mut self, wasm: &[u8]) -> Result<Address, DeployError> {
        let mut bytes = [0u8; 32];
        bytes[0] = 0xc0;
        bytes[28..].copy_from_slice(&(self.deployed + 1).to_be_bytes());
        let address = Address(bytes);
        self.deploy_at(address, wasm)?;
        self.deployed += 1;
        Ok(address)
    }

    /// Deploys `wasm` at `address`.
    ///
    /// # Errors
    ///
    /// The [`DeployError`].
    pub fn deploy_at(&mut self, address: Address, wasm: &[u8]) -> Result<(), DeployError> {
        self.runtime.deploy(address, wasm).map(|_| ())
    }

    /// Calls `method` of `contract` with `args` (a tuple of the arguments:
    /// `()`, `(x,)`, `(x, y)`), signed by `from`, and commits its changes
    /// when it succeeds.
    pub fn call<A: BorshSerialize + ?Sized>(
        &mut self,
        from: Address,
        contract: Address,
        method: &str,
        args: &A,
    ) -> Outcome {
        let input = gasworks_sdk::call::encode_input(method, args);
        self.call_raw(from, contract, method, input)
    }

    /// [`TestChain::call`] with its own gas limit instead of
    /// [`TestChain::gas_limit`].
    pub fn call_with_gas_limit<A: BorshSerialize + ?Sized>(
        &mut self,
        from: Address,
        contract: Address,
        method: &str,
        args: &A,
        gas_limit: u64,
    ) -> Outcome {
        let input = gasworks_sdk::call::encode_input(method, args);
        self.commit(self.run(from, contract, method, input, gas_limit))
    }

    /// Calls `contract` with a raw input (labelled `label` in reports) and
    /// commits its changes when it succeeds.
    pub fn call_raw(
        &mut self,
        from: Address,
        contract: Address,
        label: &str,
        input: Vec<u8>,
    ) -> Outcome {
        self.commit(self.run(from, contract, label, input, self.gas_limit))
    }

    /// Applies a successful outcome's changes to the committed state.
    fn commit(&mut self, outcome: Outcome) -> Outcome {
        if outcome.receipt.is_success() {
            Arc::make_mut(&mut self.storage).apply(&outcome.receipt.changes);
        }
        outcome
    }

    /// Makes a typed call, signed by `from`, and commits its changes when it
    /// succeeds: `chain.invoke(alice, CounterRef::new(counter).increment(5))`
    /// (the reference is what `#[contract]` generates; the compiler checks
    /// the arguments and the result type against the method). The call's
    /// gas limit is the one set with `Call::with_gas_limit`, or
    /// [`TestChain::gas_limit`].
    pub fn invoke<R: BorshDeserialize>(&mut self, from: Address, call: Call<R>) -> TypedOutcome<R> {
        let gas_limit = call.gas_limit().unwrap_or(self.gas_limit);
        let (contract, method) = (call.contract(), call.method());
        let outcome = self.run(from, contract, method, call.into_input(), gas_limit);
        TypedOutcome::new(self.commit(outcome))
    }

    /// Like [`TestChain::invoke`], without committing anything.
    pub fn simulate_invoke<R: BorshDeserialize>(
        &self,
        from: Address,
        call: Call<R>,
    ) -> TypedOutcome<R> {
        let gas_limit = call.gas_limit().unwrap_or(self.gas_limit);
        let (contract, method) = (call.contract(), call.method());
        TypedOutcome::new(self.run(from, contract, method, call.into_input(), gas_limit))
    }

    /// Like [`TestChain::call`], without committing anything.
    pub fn simulate<A: BorshSerialize + ?Sized>(
        &self,
        from: Address,
        contract: Address,
        method: &str,
        args: &A,
    ) -> Outcome {
        let input = gasworks_sdk::call::encode_input(method, args);
        self.run(from, contract, method, input, self.gas_limit)
    }

    /// Runs a call without committing it, checking its gas is exact.
    fn run(
        &self,
        from: Address,
        contract: Address,
        label: &str,
        input: Vec<u8>,
        gas_limit: u64,
    ) -> Outcome {
        let mut request = CallRequest {
            origin: from,
            contract,
            input,
            gas_limit,
        };
        let (receipt, debug) = self.execute(&request);
        if self.check_exact_gas && receipt.trap != Some(TrapKind::OutOfGas) && receipt.gas_used > 0
        {
            request.gas_limit = receipt.gas_used;
            let (exact, _) = self.execute(&request);
            assert_eq!(
                exact, receipt,
                "`{label}`: with a gas limit of exactly its gas used ({}), the call's receipt \
                 differs (does the contract depend on the gas left? then set \
                 check_exact_gas = false)",
                receipt.gas_used
            );
            request.gas_limit = receipt.gas_used - 1;
            let (less, _) = self.execute(&request);
            assert_eq!(
                less.trap,
                Some(TrapKind::OutOfGas),
                "`{label}`: with one unit of gas less than its gas used ({}), the call does \
                 not run out of gas",
                receipt.gas_used
            );
        }
        if self.check_profile {
            let (profiled, profile) = self.execute_profiled(&CallRequest {
                gas_limit,
                ..request.clone()
            });
            assert_eq!(
                profiled, receipt,
                "`{label}`: profiled, the call's receipt differs"
            );
            assert_eq!(
                profile.total(),
                receipt.gas_used,
                "`{label}`: the profile does not account for the gas used exactly:\n{}",
                profile.folded()
            );
        }
        Outcome {
            label: label.to_string(),
            receipt,
            debug,
        }
    }

    /// Like [`TestChain::simulate`] (nothing is committed), with the
    /// call's gas profile: gas per wasm function (self and total), per
    /// host function (calls, gas, bytes) and per category, whose total is
    /// the call's gas used. Print `profile.table(20)`, write
    /// `profile.folded()` for flame-graph tools or `profile.flame_graph(..)`
    /// as an SVG. Function names come from the wasm's name section: build
    /// the contract with `strip = false` (or `"debuginfo"`) in its profile
    /// to see them; otherwise exports are named and the rest are
    /// `func[N]`.
    pub fn profile<A: BorshSerialize + ?Sized>(
        &self,
        from: Address,
        contract: Address,
        method: &str,
        args: &A,
    ) -> (Outcome, Profile) {
        let input = gasworks_sdk::call::encode_input(method, args);
        self.profile_raw(from, contract, method, input, self.gas_limit)
    }

    /// [`TestChain::profile`] of a typed call (see
    /// [`TestChain::invoke`]); nothing is committed.
    pub fn profile_invoke<R: BorshDeserialize>(
        &self,
        from: Address,
        call: Call<R>,
    ) -> (TypedOutcome<R>, Profile) {
        let gas_limit = call.gas_limit().unwrap_or(self.gas_limit);
        let (contract, method) = (call.contract(), call.method());
        let (outcome, profile) =
            self.profile_raw(from, contract, method, call.into_input(), gas_limit);
        (TypedOutcome::new(outcome), profile)
    }

    fn profile_raw(
        &self,
        from: Address,
        contract: Address,
        label: &str,
        input: Vec<u8>,
        gas_limit: u64,
    ) -> (Outcome, Profile) {
        let request = CallRequest {
            origin: from,
            contract,
            input,
            gas_limit,
        };
        let (receipt, profile) = self.execute_profiled(&request);
        let (_, debug) = self.execute(&request);
        let outcome = Outcome {
            label: label.to_string(),
            receipt,
            debug,
        };
        (outcome, profile)
    }

    fn execute_profiled(&self, request: &CallRequest) -> (Receipt, Profile) {
        let storage: Arc<dyn StorageBackend> = self.storage.clone();
        let mut profiler = Profiler::new();
        match self
            .runtime
            .execute_profiled(&self.block, storage, request, &mut profiler)
        {
            Ok((receipt, _)) => (receipt, profiler.finish()),
            // The in-memory backend does not fail.
            Err(error) => panic!("the in-memory storage failed: {error}"),
        }
    }

    fn execute(&self, request: &CallRequest) -> (Receipt, DebugInfo) {
        let storage: Arc<dyn StorageBackend> = self.storage.clone();
        match self.runtime.execute(&self.block, storage, request) {
            Ok(result) => result,
            // The in-memory backend does not fail.
            Err(error) => panic!("the in-memory storage failed: {error}"),
        }
    }

    /// The committed value of `contract`'s `key`.
    pub fn storage(&self, contract: Address, key: &[u8]) -> Option<Vec<u8>> {
        let mut full = contract.0.to_vec();
        full.extend_from_slice(key);
        self.storage.entries().get(&full).cloned()
    }

    /// Every committed entry of `contract`, in key order (keys without the
    /// contract's namespace).
    pub fn entries(&self, contract: Address) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.storage
            .entries()
            .range(contract.0.to_vec()..)
            .take_while(|(key, _)| key.starts_with(&contract.0))
            .map(|(key, value)| (key[32..].to_vec(), value.clone()))
            .collect()
    }

    /// The committed value of a contract's [`Item`].
    ///
    /// # Panics
    ///
    /// When the stored bytes do not decode as a `T`.
    pub fn item<T: BorshSerialize + BorshDeserialize>(
        &self,
        contract: Address,
        item: &Item<T>,
    ) -> Option<T> {
        self.storage(contract, item.key())
            .map(|bytes| decode(&bytes, "a storage item"))
    }

    /// The committed value under `key` in a contract's [`Map`].
    ///
    /// # Panics
    ///
    /// When the stored bytes do not decode as a `V`.
    pub fn map_get<K: StorageKey, V: BorshSerialize + BorshDeserialize>(
        &self,
        contract: Address,
        map: &Map<K, V>,
        key: &K,
    ) -> Option<V> {
        self.storage(contract, &map.key(key))
            .map(|bytes| decode(&bytes, "a map value"))
    }
}

fn decode<T: BorshDeserialize>(bytes: &[u8], what: &str) -> T {
    T::try_from_slice(bytes).unwrap_or_else(|error| {
        panic!(
            "{what} ({bytes:?}) does not decode as {}: {error}",
            std::any::type_name::<T>()
        )
    })
}

/// The outcome of a call: the consensus receipt and the debug part.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The method called (or the raw call's label).
    pub label: String,
    /// What every node agrees on: trap, gas, return data, events, changes.
    pub receipt: Receipt,
    /// For people: logs, abort messages, the calls made.
    pub debug: DebugInfo,
}

impl Outcome {
    /// Whether the call succeeded.
    pub fn is_success(&self) -> bool {
        self.receipt.is_success()
    }

    /// Gas used, entry charge included.
    pub fn gas_used(&self) -> u64 {
        self.receipt.gas_used
    }

    /// The result, decoded from the return data, or why there is none.
    ///
    /// # Errors
    ///
    /// [`ResultError::Failed`] when the call failed;
    /// [`ResultError::BadReturnData`] when it succeeded but its return data
    /// is not exactly one `R` (the wrong type asked for, or a contract that
    /// returns something else).
    pub fn result<R: BorshDeserialize>(&self) -> Result<R, ResultError> {
        if let Some(failure) = self.failure() {
            return Err(ResultError::Failed(failure));
        }
        R::try_from_slice(&self.receipt.return_data).map_err(|error| ResultError::BadReturnData {
            label: self.label.clone(),
            expected: std::any::type_name::<R>(),
            return_data: self.receipt.return_data.clone(),
            error: error.to_string(),
        })
    }

    /// The result of a call that must succeed.
    ///
    /// # Panics
    ///
    /// When the call failed (with the failure: trap kind, panic message and
    /// location) or its return data is not one `R` (with the type and the
    /// bytes).
    #[track_caller]
    pub fn unwrap<R: BorshDeserialize>(&self) -> R {
        match self.result() {
            Ok(value) => value,
            Err(ResultError::Failed(failure)) => panic!("`{}` failed: {failure}", self.label),
            Err(error) => panic!("{error}"),
        }
    }

    /// The failure of a call that must fail.
    ///
    /// # Panics
    ///
    /// When the call succeeded.
    #[track_caller]
    pub fn unwrap_failure(&self) -> Failure {
        match self.failure() {
            Some(failure) => failure,
            None => panic!(
                "`{}` succeeded (return data {:?}), a failure was expected",
                self.label, self.receipt.return_data
            ),
        }
    }

    /// How the call failed, `None` when it succeeded.
    pub fn failure(&self) -> Option<Failure> {
        let trap = self.receipt.trap?;
        // The message of the abort that ended the call: the last abort of
        // the transaction's own contract (depth 1); callees' aborts the
        // contract survived come before it or are deeper.
        let message = (trap == ABORT_TRAP)
            .then(|| {
                self.debug
                    .aborts
                    .iter()
                    .rev()
                    .find(|record| record.depth == 1)
                    .map(|record| record.message.clone())
            })
            .flatten();
        let panic = message.as_deref().and_then(PanicReport::parse);
        Some(Failure {
            trap,
            message,
            panic,
        })
    }

    /// The events of type `E` (those named `E::NAME`), decoded, in
    /// emission order, whichever contract emitted them:
    /// `assert_eq!(outcome.events::<Voted>(), [Voted { voter, proposal }])`.
    ///
    /// # Panics
    ///
    /// When an event of that name does not decode as an `E` (the message
    /// says which field); [`Outcome::try_events`] returns the error instead.
    #[track_caller]
    pub fn events<E: SdkEvent>(&self) -> Vec<E> {
        match self.try_events() {
            Ok(events) => events,
            Err(error) => panic!("`{}`: {error}", self.label),
        }
    }

    /// The events of type `E` emitted by `contract`, decoded, in order.
    ///
    /// # Panics
    ///
    /// As [`Outcome::events`].
    #[track_caller]
    pub fn events_from<E: SdkEvent>(&self, contract: Address) -> Vec<E> {
        let decoded = self
            .events_named(E::NAME)
            .into_iter()
            .filter(|event| event.contract == contract)
            .map(|event| E::decode(&event.topics, &event.data))
            .collect::<Result<Vec<E>, EventDecodeError>>();
        match decoded {
            Ok(events) => events,
            Err(error) => panic!("`{}`: {error}", self.label),
        }
    }

    /// The events of type `E`, decoded, in emission order.
    ///
    /// # Errors
    ///
    /// The first event named `E::NAME` that does not decode as an `E`.
    pub fn try_events<E: SdkEvent>(&self) -> Result<Vec<E>, EventDecodeError> {
        self.events_named(E::NAME)
            .into_iter()
            .map(|event| E::decode(&event.topics, &event.data))
            .collect()
    }

    /// Every event as the receipt holds it (emitting contract, topics,
    /// data), in emission order.
    pub fn raw_events(&self) -> &[Event] {
        &self.receipt.events
    }

    /// The events named `name` (first topic), in order.
    pub fn events_named(&self, name: &str) -> Vec<&Event> {
        self.receipt
            .events
            .iter()
            .filter(|event| event.topics.first().map(Vec::as_slice) == Some(name.as_bytes()))
            .collect()
    }

    /// The debug log's messages, in order.
    pub fn logs(&self) -> Vec<&str> {
        self.debug.logs.iter().map(|l| l.message.as_str()).collect()
    }
}

/// The outcome of a typed call ([`TestChain::invoke`]): an [`Outcome`]
/// (through `Deref`: gas, events, failure, ...) that knows its result type.
#[derive(Debug, Clone)]
pub struct TypedOutcome<R> {
    outcome: Outcome,
    result: PhantomData<fn() -> R>,
}

impl<R: BorshDeserialize> TypedOutcome<R> {
    fn new(outcome: Outcome) -> TypedOutcome<R> {
        TypedOutcome {
            outcome,
            result: PhantomData,
        }
    }

    /// The result, or why there is none.
    ///
    /// # Errors
    ///
    /// As [`Outcome::result`].
    pub fn result(&self) -> Result<R, ResultError> {
        self.outcome.result()
    }

    /// The result of a call that must succeed.
    ///
    /// # Panics
    ///
    /// As [`Outcome::unwrap`].
    #[track_caller]
    pub fn unwrap(&self) -> R {
        self.outcome.unwrap()
    }

    /// The untyped outcome.
    pub fn into_outcome(self) -> Outcome {
        self.outcome
    }
}

impl<R> std::ops::Deref for TypedOutcome<R> {
    type Target = Outcome;

    fn deref(&self) -> &Outcome {
        &self.outcome
    }
}

/// Why [`Outcome::result`] has no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResultError {
    /// The call failed.
    Failed(Failure),
    /// The call succeeded, but its return data does not decode as the type
    /// asked for.
    BadReturnData {
        /// The method called (or the raw call's label).
        label: String,
        /// The type asked for.
        expected: &'static str,
        /// The return data.
        return_data: Vec<u8>,
        /// Borsh's error.
        error: String,
    },
}

impl ResultError {
    /// The failure, when the call failed.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            ResultError::Failed(failure) => Some(failure),
            ResultError::BadReturnData { .. } => None,
        }
    }
}

impl fmt::Display for ResultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResultError::Failed(failure) => write!(f, "the call failed: {failure}"),
            ResultError::BadReturnData {
                label,
                expected,
                return_data,
                error,
            } => write!(
                f,
                "`{label}` succeeded, but its return data ({} bytes: {return_data:?}) is not \
                 one `{expected}`: {error}",
                return_data.len()
            ),
        }
    }
}

impl std::error::Error for ResultError {}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The trap kind (consensus data).
    pub trap: TrapKind,
    /// For an `abort` (and so a panic), its message.
    pub message: Option<String>,
    /// For a panic through the SDK's handler, its message and location.
    pub panic: Option<PanicReport>,
}

impl Failure {
    /// The panic's message (without the location), or the abort's message.
    pub fn message(&self) -> Option<&str> {
        match &self.panic {
            Some(panic) => Some(&panic.message),
            None => self.message.as_deref(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "trapped with {}",
            gasworks_host_api::docs::trap_name(self.trap)
        )?;
        match (&self.panic, &self.message) {
            (Some(panic), _) => write!(
                f,
                ": panicked at {}:{}:{}: {}",
                panic.file, panic.line, panic.column, panic.message
            ),
            (None, Some(message)) => write!(f, ": {message}"),
            (None, None) => Ok(()),
        }
    }
}

/// A contract's panic, as the SDK's panic handler reports it:
/// `panicked at FILE:LINE:COLUMN: MESSAGE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanicReport {
    /// The source file, as the contract's build names it (relative to its
    /// workspace, or remapped).
    pub file: String,
    /// Line.
    pub line: u32,
    /// Column.
    pub column: u32,
    /// The panic's message.
    pub message: String,
}

impl PanicReport {
    /// Parses an abort message written by the SDK's panic handler.
    pub fn parse(text: &str) -> Option<PanicReport> {
        let rest = text.strip_prefix("panicked at ")?;
        let (location, message) = rest.split_once(": ")?;
        let mut parts = location.rsplitn(3, ':');
        let column = parts.next()?.parse().ok()?;
        let line = parts.next()?.parse().ok()?;
        let file = parts.next()?.to_string();
        Some(PanicReport {
            file,
            line,
            column,
            message: message.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_reports_parse_what_the_sdk_writes() {
        let mut buffer = [0u8; 128];
        let len = gasworks_sdk::format_panic(
            &mut buffer,
            Some(("counter/src/lib.rs", 20, 9)),
            &"counter: overflow",
        );
        let text = std::str::from_utf8(&buffer[..len]).expect("utf-8");
        assert_eq!(
            PanicReport::parse(text),
            Some(PanicReport {
                file: "counter/src/lib.rs".into(),
                line: 20,
                column: 9,
                message: "counter: overflow".into(),
            })
        );
        assert_eq!(PanicReport::parse("no method `x`"), None);
    }

    #[test]
    fn accounts_differ_by_name() {
        assert_ne!(account("alice"), account("bob"));
        assert_eq!(account("alice"), account("alice"));
    }
}
