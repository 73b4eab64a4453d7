//! The reference engine of the integration tests: wasmi 2.0, its own fuel
//! metering off, running instrumented modules with the two metering imports
//! as host functions, as any third party auditing a gas bill would run them.
//!
//! - `gasworks.gas (param i64)` subtracts from the store's gas counter
//!   ([`GasMeter`]); a request above what is left empties the counter and
//!   traps with [`OutOfGas`].
//! - `gasworks.stack_exhausted` traps with [`StackExhausted`].
//! - [`classify`] reads a wasmi error in the engine's terms ([`TrapKind`]),
//!   keeping wasmi's own call-stack overflow and anything else apart: each
//!   harness decides what those mean for it.
//! - [`call`] calls a function with a gas limit and reports the gas used.
//!
//! What stays with each harness: its value type, its instance bookkeeping
//! (the stack-height global after a trap, exported globals, memory) and any
//! further host functions.

use std::fmt;

use gasworks_vm::instrument::{GAS_FUNCTION, METERING_MODULE, STACK_EXHAUSTED_FUNCTION};
use gasworks_vm::trap::TrapKind;

/// Host error of `gasworks.gas`.
#[derive(Debug)]
pub struct OutOfGas;

impl fmt::Display for OutOfGas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("out of gas")
    }
}

impl wasmi::errors::HostError for OutOfGas {}

/// Host error of `gasworks.stack_exhausted`.
#[derive(Debug)]
pub struct StackExhausted;

impl fmt::Display for StackExhausted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stack exhausted")
    }
}

impl wasmi::errors::HostError for StackExhausted {}

/// Store data that holds the gas counter of `gasworks.gas`.
pub trait GasMeter: 'static {
    /// The gas left.
    fn gas_left(&mut self) -> &mut u64;
}

/// Store data with nothing but the gas counter.
#[derive(Debug, Default)]
pub struct Meter {
    pub gas_left: u64,
}

impl GasMeter for Meter {
    fn gas_left(&mut self) -> &mut u64 {
        &mut self.gas_left
    }
}

/// wasmi's configuration for instrumented modules: fuel off, call-stack
/// limits far above what the injected stack metering allows, so that
/// wasmi's own limits never decide. The compilation mode is wasmi's default
/// (callers choose another where it matters to them).
pub fn config() -> wasmi::Config {
    let mut config = wasmi::Config::default();
    config
        .consume_fuel(false)
        .set_max_recursion_depth(1 << 20)
        .set_max_stack_height(512 << 20);
    config
}

/// An engine with [`config`].
pub fn engine() -> wasmi::Engine {
    wasmi::Engine::new(&config())
}

/// Defines `gasworks.gas` and `gasworks.stack_exhausted` in `linker`.
pub fn define_metering<T: GasMeter>(linker: &mut wasmi::Linker<T>) {
    linker
        .func_wrap(
            METERING_MODULE,
            GAS_FUNCTION,
            |mut caller: wasmi::Caller<'_, T>, amount: i64| -> Result<(), wasmi::Error> {
                let amount = amount as u64;
                let gas_left = caller.data_mut().gas_left();
                if amount > *gas_left {
                    *gas_left = 0;
                    return Err(wasmi::Error::host(OutOfGas));
                }
                *gas_left -= amount;
                Ok(())
            },
        )
        .expect("define gasworks.gas");
    linker
        .func_wrap(
            METERING_MODULE,
            STACK_EXHAUSTED_FUNCTION,
            |_caller: wasmi::Caller<'_, T>| -> Result<(), wasmi::Error> {
                Err(wasmi::Error::host(StackExhausted))
            },
        )
        .expect("define gasworks.stack_exhausted");
}

/// A linker for `engine` with the metering imports defined.
pub fn linker<T: GasMeter>(engine: &wasmi::Engine) -> wasmi::Linker<T> {
    let mut linker = wasmi::Linker::new(engine);
    define_metering(&mut linker);
    linker
}

/// A wasmi error in the engine's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// A consensus trap kind: the metering host errors, wasmi's trap codes,
    /// and the memory and table errors (at instantiation: segments that do
    /// not fit) that are traps in the engine.
    Trap(TrapKind),
    /// wasmi's own call-stack limit (`TrapCode::StackOverflow`): never what
    /// should stop a metered module.
    EngineStackOverflow,
    /// Anything else, described.
    Other(String),
}

/// Classifies a wasmi error (see [`Stop`]).
pub fn classify(error: &wasmi::Error) -> Stop {
    use wasmi::errors::{ErrorKind, InstantiationError, MemoryError, TableError};
    if error.downcast_ref::<OutOfGas>().is_some() {
        return Stop::Trap(TrapKind::OutOfGas);
    }
    if error.downcast_ref::<StackExhausted>().is_some() {
        return Stop::Trap(TrapKind::StackExhausted);
    }
    if let Some(code) = error.as_trap_code() {
        use wasmi::TrapCode as C;
        return match code {
            C::UnreachableCodeReached => Stop::Trap(TrapKind::Unreachable),
            C::MemoryOutOfBounds => Stop::Trap(TrapKind::MemoryOutOfBounds),
            C::TableOutOfBounds => Stop::Trap(TrapKind::TableOutOfBounds),
            C::IndirectCallToNull => Stop::Trap(TrapKind::IndirectCallToNull),
            C::IntegerDivisionByZero => Stop::Trap(TrapKind::IntegerDivideByZero),
            C::IntegerOverflow => Stop::Trap(TrapKind::IntegerOverflow),
            C::BadSignature => Stop::Trap(TrapKind::IndirectCallTypeMismatch),
            C::StackOverflow => Stop::EngineStackOverflow,
            other => Stop::Other(format!("wasmi trap {other:?}: {error}")),
        };
    }
    match error.kind() {
        ErrorKind::Memory(MemoryError::OutOfBoundsAccess) => {
            Stop::Trap(TrapKind::MemoryOutOfBounds)
        }
        ErrorKind::Table(
            TableError::InitOutOfBounds
            | TableError::CopyOutOfBounds
            | TableError::FillOutOfBounds
            | TableError::SetOutOfBounds,
        ) => Stop::Trap(TrapKind::TableOutOfBounds),
        ErrorKind::Instantiation(InstantiationError::ElementSegmentDoesNotFit { .. }) => {
            Stop::Trap(TrapKind::TableOutOfBounds)
        }
        _ => Stop::Other(format!("wasmi error: {error}")),
    }
}

/// Calls `func` with `args` and `gas_limit` gas (the counter is set to it
/// first). Returns the results, or wasmi's error, and the gas used.
pub fn call<T: GasMeter>(
    store: &mut wasmi::Store<T>,
    func: wasmi::Func,
    args: &[wasmi::Val],
    gas_limit: u64,
) -> (Result<Vec<wasmi::Val>, wasmi::Error>, u64) {
    *store.data_mut().gas_left() = gas_limit;
    let mut outputs: Vec<wasmi::Val> = func
        .ty(&*store)
        .results()
        .iter()
        .map(|ty| wasmi::Val::default_for_ty(*ty))
        .collect();
    let result = func.call(&mut *store, args, &mut outputs);
    let gas_used = gas_limit - *store.data_mut().gas_left();
    (result.map(|()| outputs), gas_used)
}
