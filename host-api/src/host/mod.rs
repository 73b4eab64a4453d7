//! The host functions: one module per family, each function a plain Rust
//! function over typed arguments, wrapped into an engine host function
//! here.
//!
//! # Calling convention
//!
//! Every function follows the same steps, in this order:
//!
//! 1. charge the entry's base price ([`HostCall::charge_base`]), before
//!    anything else;
//! 2. check the lengths the guest passed against the host limits and every
//!    `(ptr, len)` range against the memory size, in `u64` so that
//!    `ptr + len` cannot overflow. These checks are O(1) and covered by the
//!    base; a violation traps (a limit with its [`crate::HostTrap`], a range
//!    with [`TrapKind::MemoryOutOfBounds`]) before any per-byte charge, so a
//!    length near 2^32 gets the trap that names the problem rather than
//!    out-of-gas;
//! 3. charge per byte of the lengths the guest passed, then read them;
//! 4. do the work. When a price depends on something known only after a
//!    lookup (a stored value's length, the keys a scan visits, a callee's
//!    memory), it is charged as soon as it is known and before the work it
//!    pays for (the copy, the next step, the instantiation);
//! 5. write the results to memory (ranges checked in step 2).
//!
//! Nothing in a host function indexes or unwraps a guest-controlled value:
//! memory is reached with checked ranges, arguments are read with defaults.
//!
//! # Gas inside the context
//!
//! The engine's [`Caller`] gives either the memory or the context at one
//! time. Work that needs the context and charges as it goes (a storage
//! lookup, a scan, a nested call) runs in [`HostCall::with_env`] against a
//! [`Meter`] holding the gas left; the meter's spending is charged to the
//! caller when the work returns. A meter refuses a charge above what is left
//! exactly as the engine does (all gas consumed, out-of-gas trap), so the
//! result is the same as charging the engine directly.

mod call;
mod context;
mod crypto;
mod debug;
mod events;
mod storage;

use std::ops::Range;
use std::sync::Arc;

use gasworks_vm::engine::{Caller, HostFunc};
use gasworks_vm::instrument::ValType;
use gasworks_vm::profile::{Category, Profiler};
use gasworks_vm::trap::TrapKind;

use crate::HostTrap;
use crate::env::Env;
use crate::manifest::Cost;

pub(crate) use call::{Entered, enter_contract};

/// A value a host function takes or returns.
pub(crate) trait WasmValue: Sized {
    /// Its wasm type.
    const TYPE: ValType;
    /// From an engine slot (`i32` zero-extended).
    fn from_slot(slot: u64) -> Self;
    /// Into an engine slot.
    fn into_slot(self) -> u64;
}

impl WasmValue for u32 {
    const TYPE: ValType = ValType::I32;
    fn from_slot(slot: u64) -> Self {
        slot as u32
    }
    fn into_slot(self) -> u64 {
        u64::from(self)
    }
}

impl WasmValue for i32 {
    const TYPE: ValType = ValType::I32;
    fn from_slot(slot: u64) -> Self {
        slot as u32 as i32
    }
    fn into_slot(self) -> u64 {
        u64::from(self as u32)
    }
}

impl WasmValue for u64 {
    const TYPE: ValType = ValType::I64;
    fn from_slot(slot: u64) -> Self {
        slot
    }
    fn into_slot(self) -> u64 {
        self
    }
}

impl WasmValue for i64 {
    const TYPE: ValType = ValType::I64;
    fn from_slot(slot: u64) -> Self {
        slot as i64
    }
    fn into_slot(self) -> u64 {
        self as u64
    }
}

/// What a host function returns: nothing or one value.
pub(crate) trait WasmResults {
    /// The wasm result types.
    const TYPES: &'static [ValType];
    /// Writes the results into the engine's slots.
    fn store(self, results: &mut [u64]);
}

impl WasmResults for () {
    const TYPES: &'static [ValType] = &[];
    fn store(self, _results: &mut [u64]) {}
}

impl<T: WasmValue> WasmResults for T {
    const TYPES: &'static [ValType] = &[T::TYPE];
    fn store(self, results: &mut [u64]) {
        if let Some(slot) = results.first_mut() {
            *slot = self.into_slot();
        }
    }
}

/// A typed Rust function that can become an engine host function; its wasm
/// signature follows from its argument and result types.
pub(crate) trait IntoHostFunc<Params> {
    /// Parameter types.
    const PARAMS: &'static [ValType];
    /// Result types.
    const RESULTS: &'static [ValType];
    /// The engine host function, charging by `cost`.
    fn into_func(self, cost: &'static Cost) -> HostFunc;
}

macro_rules! impl_into_host_func {
    ($($param:ident),*) => {
        impl<F, R, $($param,)*> IntoHostFunc<($($param,)*)> for F
        where
            F: Fn(&mut HostCall<'_, '_>, $($param),*) -> Result<R, TrapKind>
                + Send
                + Sync
                + 'static,
            R: WasmResults,
            $($param: WasmValue,)*
        {
            const PARAMS: &'static [ValType] = &[$($param::TYPE),*];
            const RESULTS: &'static [ValType] = R::TYPES;

            #[allow(non_snake_case, unused_mut, unused_variables)]
            fn into_func(self, cost: &'static Cost) -> HostFunc {
                Arc::new(move |caller: &mut Caller<'_>, args: &[u64], results: &mut [u64]| {
                    let mut slots = args.iter().copied();
                    $(let $param = $param::from_slot(slots.next().unwrap_or(0));)*
                    let mut call = HostCall { caller, cost };
                    let value = (self)(&mut call, $($param),*)?;
                    value.store(results);
                    Ok(())
                })
            }
        }
    };
}

impl_into_host_func!();
impl_into_host_func!(A);
impl_into_host_func!(A, B);
impl_into_host_func!(A, B, C);
impl_into_host_func!(A, B, C, D);
impl_into_host_func!(A, B, C, D, E);
impl_into_host_func!(A, B, C, D, E, G);
impl_into_host_func!(A, B, C, D, E, G, H);

/// A host function's implementation: its name, the signature its Rust
/// types give, and a constructor taking the manifest's price.
pub(crate) struct Implementation {
    pub name: &'static str,
    pub params: &'static [ValType],
    pub results: &'static [ValType],
    pub make: Box<dyn Fn(&'static Cost) -> HostFunc>,
}

fn implement<P: 'static, F>(name: &'static str, func: F) -> Implementation
where
    F: IntoHostFunc<P> + Clone + 'static,
{
    Implementation {
        name,
        params: F::PARAMS,
        results: F::RESULTS,
        make: Box::new(move |cost| func.clone().into_func(cost)),
    }
}

/// Every implemented host function.
pub(crate) fn implementations() -> Vec<Implementation> {
    vec![
        implement("storage_read", storage::read),
        implement("storage_write", storage::write),
        implement("storage_remove", storage::remove),
        implement("storage_has", storage::has),
        implement("storage_scan", storage::scan),
        implement("emit_event", events::emit),
        implement("caller", context::caller),
        implement("origin", context::origin),
        implement("address", context::address),
        implement("block_height", context::block_height),
        implement("block_time", context::block_time),
        implement("chain_id", context::chain_id),
        implement("input", context::input),
        implement("gas_left", context::gas_left),
        implement("set_return_data", context::set_return_data),
        implement("return_data", context::return_data),
        implement("call", call::call),
        implement("abort", debug::abort),
        implement("log", debug::log),
        implement("sha256", crypto::sha256),
        implement("secp256k1_verify", crypto::secp256k1_verify),
        implement("secp256k1_recover", crypto::secp256k1_recover),
    ]
}

/// Gas accounting for work done with the context borrowed: starts with the
/// gas left, refuses charges above it as the engine does. In a profiled
/// call it holds the profiler, records each charge in the category given,
/// and lends the profiler to a nested call ([`enter_contract`]).
pub(crate) struct Meter<'p> {
    start: u64,
    left: u64,
    profiler: Option<&'p mut Profiler>,
}

impl<'p> Meter<'p> {
    /// A meter holding `gas`, recording nothing.
    #[cfg(test)]
    pub(crate) fn new(gas: u64) -> Meter<'static> {
        Meter {
            start: gas,
            left: gas,
            profiler: None,
        }
    }

    /// A meter holding `gas`, recording in `profiler` when there is one.
    pub(crate) fn profiled(gas: u64, profiler: Option<&'p mut Profiler>) -> Meter<'p> {
        Meter {
            start: gas,
            left: gas,
            profiler,
        }
    }

    /// Charges `amount` for `category`; above what is left, consumes
    /// everything and traps.
    pub(crate) fn charge(&mut self, amount: u64, category: Category) -> Result<(), TrapKind> {
        let before = self.left;
        let result = self.take(amount);
        if let Some(profiler) = self.profiler.as_deref_mut() {
            profiler.record(category, before - self.left);
        }
        result
    }

    /// Charges the gas a nested call used (recorded already, by the nested
    /// call's own profile).
    pub(crate) fn charge_nested(&mut self, amount: u64) -> Result<(), TrapKind> {
        self.take(amount)
    }

    fn take(&mut self, amount: u64) -> Result<(), TrapKind> {
        match self.left.checked_sub(amount) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => {
                self.left = 0;
                Err(TrapKind::OutOfGas)
            }
        }
    }

    /// Gas left.
    pub(crate) fn left(&self) -> u64 {
        self.left
    }

    /// Gas charged so far.
    pub(crate) fn spent(&self) -> u64 {
        self.start - self.left
    }

    /// The profiler, in a profiled call.
    pub(crate) fn profiler(&mut self) -> Option<&mut Profiler> {
        self.profiler.as_deref_mut()
    }
}

/// One host function call: the engine's caller and the function's price.
pub(crate) struct HostCall<'c, 'a> {
    caller: &'c mut Caller<'a>,
    cost: &'static Cost,
}

impl HostCall<'_, '_> {
    /// The function's price.
    pub(crate) fn cost(&self) -> &'static Cost {
        self.cost
    }

    /// Charges the base price.
    pub(crate) fn charge_base(&mut self) -> Result<(), TrapKind> {
        self.caller
            .charge_gas_as(self.cost.base, Category::HostBase)
    }

    /// Charges the per-byte price for `bytes` bytes.
    pub(crate) fn charge_bytes(&mut self, bytes: u64) -> Result<(), TrapKind> {
        if let Some(profiler) = self.caller.profiler() {
            profiler.add_bytes(bytes);
        }
        self.caller
            .charge_gas_as(self.cost.bytes_cost(bytes), Category::HostPerByte)
    }

    /// Charges the per-item price for `items` items.
    pub(crate) fn charge_items(&mut self, items: u64) -> Result<(), TrapKind> {
        if let Some(profiler) = self.caller.profiler() {
            profiler.add_items(items);
        }
        self.caller
            .charge_gas_as(self.cost.items_cost(items), Category::HostPerByte)
    }

    /// Gas left.
    pub(crate) fn gas_left(&self) -> u64 {
        self.caller.gas_left()
    }

    /// The memory range `[ptr, ptr + len)`, checked against the memory size
    /// in `u64` arithmetic.
    pub(crate) fn range(&self, ptr: u32, len: u32) -> Result<Range<usize>, TrapKind> {
        checked_range(self.caller.memory().len(), ptr, len)
    }

    /// A copy of the memory in `range` (from [`HostCall::range`]).
    pub(crate) fn read(&self, range: Range<usize>) -> Result<Vec<u8>, TrapKind> {
        self.caller
            .memory()
            .get(range)
            .map(<[u8]>::to_vec)
            .ok_or(TrapKind::MemoryOutOfBounds)
    }

    /// The memory in `range`, borrowed.
    pub(crate) fn slice(&self, range: Range<usize>) -> Result<&[u8], TrapKind> {
        self.caller
            .memory()
            .get(range)
            .ok_or(TrapKind::MemoryOutOfBounds)
    }

    /// Writes `bytes` at `ptr` (a range checked before the work; checked
    /// again here, which costs nothing and keeps this function safe alone).
    pub(crate) fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), TrapKind> {
        let len = u32::try_from(bytes.len()).map_err(|_| TrapKind::MemoryOutOfBounds)?;
        let range = checked_range(self.caller.memory().len(), ptr, len)?;
        self.caller
            .memory_mut()
            .get_mut(range)
            .ok_or(TrapKind::MemoryOutOfBounds)?
            .copy_from_slice(bytes);
        Ok(())
    }

    /// Runs `work` with the transaction's [`Env`] and a [`Meter`] holding
    /// the gas left (and, in a profiled call, the profiler), then charges
    /// what the meter spent (the meter recorded it in the profile).
    pub(crate) fn with_env<R>(
        &mut self,
        work: impl FnOnce(&mut Env, &mut Meter<'_>) -> Result<R, TrapKind>,
    ) -> Result<R, TrapKind> {
        let gas_left = self.caller.gas_left();
        let (env, profiler) = self.caller.context_and_profiler::<Env>();
        let mut meter = Meter::profiled(gas_left, profiler);
        let result = match env {
            Some(env) => work(env, &mut meter),
            None => Err(HostTrap::NoContext.kind()),
        };
        let spent = meter.spent();
        // Never more than the gas left, so this charge cannot fail; when
        // the meter ran out it consumes all gas, as the engine would.
        self.caller.charge_gas(spent)?;
        result
    }
}

/// `[ptr, ptr + len)` if it lies within a memory of `memory_len` bytes.
pub(crate) fn checked_range(
    memory_len: usize,
    ptr: u32,
    len: u32,
) -> Result<Range<usize>, TrapKind> {
    let start = u64::from(ptr);
    let end = start + u64::from(len);
    if end > memory_len as u64 {
        return Err(TrapKind::MemoryOutOfBounds);
    }
    // Both fit in usize: they are at most the memory's length.
    Ok(start as usize..end as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_checked_without_overflow() {
        assert_eq!(checked_range(10, 0, 10), Ok(0..10));
        assert_eq!(checked_range(10, 10, 0), Ok(10..10));
        assert_eq!(checked_range(10, 11, 0), Err(TrapKind::MemoryOutOfBounds));
        assert_eq!(checked_range(10, 5, 6), Err(TrapKind::MemoryOutOfBounds));
        assert_eq!(
            checked_range(10, u32::MAX, u32::MAX),
            Err(TrapKind::MemoryOutOfBounds)
        );
        assert_eq!(checked_range(0, 0, 0), Ok(0..0));
    }

    #[test]
    fn meter_refuses_like_the_engine() {
        let mut meter = Meter::new(10);
        assert_eq!(meter.charge(4, Category::Storage), Ok(()));
        assert_eq!(meter.charge(6, Category::Storage), Ok(()));
        assert_eq!(meter.left(), 0);
        assert_eq!(meter.charge(0, Category::Storage), Ok(()));
        let mut meter = Meter::new(10);
        assert_eq!(meter.charge(11, Category::Storage), Err(TrapKind::OutOfGas));
        assert_eq!(meter.spent(), 10);
    }
}
