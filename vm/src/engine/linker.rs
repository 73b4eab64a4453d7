//! Host functions: the [`Linker`] that declares them by import name and
//! typed signature, the [`Caller`] through which they see the calling
//! instance, and what an instance binds each import to ([`Binding`]).

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use super::execute;
use crate::profile::{Category, Profiler};
use crate::trap::TrapKind;

/// What a host function sees of the calling instance.
pub struct Caller<'a> {
    pub(super) memory: &'a mut Vec<u8>,
    pub(super) gas_left: &'a mut u64,
    pub(super) context: &'a mut dyn Any,
    pub(super) profiler: Option<&'a mut Profiler>,
}

impl Caller<'_> {
    /// The instance's linear memory.
    pub fn memory(&self) -> &[u8] {
        self.memory
    }

    /// The instance's linear memory, writable.
    pub fn memory_mut(&mut self) -> &mut [u8] {
        self.memory
    }

    /// Gas left in the current call.
    pub fn gas_left(&self) -> u64 {
        *self.gas_left
    }

    /// The embedder's context of this call, as given to
    /// [`Instance::call_with`](super::Instance::call_with), if it is a `T`
    /// (`None` for another type, and for
    /// [`Instance::call`](super::Instance::call), whose context is `()`).
    pub fn context<T: Any>(&mut self) -> Option<&mut T> {
        self.context.downcast_mut::<T>()
    }

    /// Charges gas; when `amount` exceeds what is left, all gas is consumed
    /// and the result is the out-of-gas trap, which the host function should
    /// return.
    ///
    /// # Errors
    ///
    /// [`TrapKind::OutOfGas`].
    pub fn charge_gas(&mut self, amount: u64) -> Result<(), TrapKind> {
        let mut gas = execute::Gas {
            left: *self.gas_left,
        };
        let result = gas.charge(amount);
        *self.gas_left = gas.left;
        result
    }

    /// [`Caller::charge_gas`], recorded in a profiled call's profile under
    /// `category` (what was taken: all the gas left when that is less
    /// than `amount`). A charge made with [`Caller::charge_gas`] is
    /// recorded as [`Category::Host`].
    ///
    /// # Errors
    ///
    /// As [`Caller::charge_gas`].
    pub fn charge_gas_as(&mut self, amount: u64, category: Category) -> Result<(), TrapKind> {
        let before = *self.gas_left;
        let result = self.charge_gas(amount);
        if let Some(profiler) = self.profiler.as_deref_mut() {
            profiler.record(category, before - *self.gas_left);
        }
        result
    }

    /// The profiler of a profiled call ([`Instance::call_profiled`]), with
    /// the host function's frame on top of its stack: for a host function
    /// that counts bytes, records its own charges or calls into another
    /// instance with it.
    ///
    /// [`Instance::call_profiled`]: super::Instance::call_profiled
    pub fn profiler(&mut self) -> Option<&mut Profiler> {
        self.profiler.as_deref_mut()
    }

    /// [`Caller::context`] and [`Caller::profiler`] at once.
    pub fn context_and_profiler<T: Any>(&mut self) -> (Option<&mut T>, Option<&mut Profiler>) {
        (
            self.context.downcast_mut::<T>(),
            self.profiler.as_deref_mut(),
        )
    }
}

/// A host function: reads its arguments (one `u64` slot per value, `i32`
/// zero-extended) and writes its results.
pub type HostFunc =
    Arc<dyn Fn(&mut Caller<'_>, &[u64], &mut [u64]) -> Result<(), TrapKind> + Send + Sync>;

/// A host function with its parameter and result types.
#[derive(Clone)]
pub(super) struct HostDefinition {
    pub(super) params: Vec<wasmparser::ValType>,
    pub(super) results: Vec<wasmparser::ValType>,
    pub(super) func: HostFunc,
}

/// What an import is bound to in an instance: one of the metering
/// imports, which the engine implements, or a host function from the
/// linker. Instantiation binds every import, so a call never finds one
/// missing.
#[derive(Clone)]
pub(crate) enum Binding {
    /// The gas import: charges its argument.
    Gas,
    /// The stack-exhaustion import: traps.
    StackExhausted,
    /// A host function.
    Host(HostFunc),
}

/// Host functions by import name (module, then name: looked up on every
/// instantiation without building a key), with their signatures.
#[derive(Clone, Default)]
pub struct Linker {
    pub(super) functions: BTreeMap<String, BTreeMap<String, HostDefinition>>,
}

impl Linker {
    /// An empty linker (the metering imports need no entry).
    pub fn new() -> Self {
        Linker::default()
    }

    /// Registers `func` as `module.name` with the given signature (only
    /// `i32` and `i64` values).
    pub fn define(
        &mut self,
        module: &str,
        name: &str,
        params: &[crate::instrument::ValType],
        results: &[crate::instrument::ValType],
        func: HostFunc,
    ) -> &mut Self {
        let convert = |types: &[crate::instrument::ValType]| {
            types
                .iter()
                .map(|t| match t {
                    crate::instrument::ValType::I32 => wasmparser::ValType::I32,
                    crate::instrument::ValType::I64 => wasmparser::ValType::I64,
                })
                .collect::<Vec<_>>()
        };
        self.functions
            .entry(module.to_string())
            .or_default()
            .insert(
                name.to_string(),
                HostDefinition {
                    params: convert(params),
                    results: convert(results),
                    func,
                },
            );
        self
    }
}
