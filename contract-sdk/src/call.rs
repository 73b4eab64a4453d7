//! Cross-contract calls with typed arguments and results.
//!
//! A call runs the callee synchronously with at most the gas you give it
//! (capped at what is left); whatever it uses is charged to you, on top of
//! `call`'s own price (50,000 gas, 1 per input byte, 4,096 per initial
//! memory page of the callee). When the callee fails, its writes and events
//! are rolled back and you get a [`CallError`]; your call goes on. Calls to
//! a contract already on the call stack (reentrancy) are refused, and at
//! most 16 contracts are on the stack at once.
//!
//! ```ignore
//! let balance: u128 = call::call(&token, "balance_of", &(owner,), 200_000)?;
//! ```

use alloc::vec::Vec;
use core::fmt;
use core::marker::PhantomData;

use borsh::{BorshDeserialize, BorshSerialize};

use crate::abi::CallStatus;
use crate::{Address, sys};

/// Why a call failed: a failing [`CallStatus`] of the host (the codes are
/// `gasworks_abi`'s, which the host uses too), or
/// [`CallError::BadReturnData`] for a result that does not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallError {
    /// No contract at that address.
    NoSuchContract,
    /// The call stack already holds the most contracts it may.
    DepthLimit,
    /// The callee is already on the call stack (reentrancy is refused).
    Reentrancy,
    /// The callee trapped (a panic, an abort, a wasm trap, a host trap).
    Trapped,
    /// The callee ran out of the gas it was given.
    OutOfGas,
    /// The callee succeeded but its return data is not the borsh of the
    /// expected type. Its writes are kept: the host saw a success.
    BadReturnData,
}

impl CallError {
    /// The error for a host status, `None` for [`CallStatus::Success`].
    pub const fn from_status(status: CallStatus) -> Option<CallError> {
        match status {
            CallStatus::Success => None,
            CallStatus::NoSuchContract => Some(CallError::NoSuchContract),
            CallStatus::DepthLimit => Some(CallError::DepthLimit),
            CallStatus::Reentrancy => Some(CallError::Reentrancy),
            CallStatus::Trapped => Some(CallError::Trapped),
            CallStatus::OutOfGas => Some(CallError::OutOfGas),
        }
    }

    /// The host status this error stands for, `None` for
    /// [`CallError::BadReturnData`] (the host saw a success).
    pub const fn status(self) -> Option<CallStatus> {
        match self {
            CallError::NoSuchContract => Some(CallStatus::NoSuchContract),
            CallError::DepthLimit => Some(CallStatus::DepthLimit),
            CallError::Reentrancy => Some(CallStatus::Reentrancy),
            CallError::Trapped => Some(CallStatus::Trapped),
            CallError::OutOfGas => Some(CallStatus::OutOfGas),
            CallError::BadReturnData => None,
        }
    }

    /// The host's status code, `None` for [`CallError::BadReturnData`].
    pub const fn code(self) -> Option<i32> {
        match self.status() {
            Some(status) => Some(status.code()),
            None => None,
        }
    }

    /// The error for a host status code; `None` for 0 (success) and for
    /// codes this SDK does not know.
    pub fn from_code(code: i32) -> Option<CallError> {
        CallStatus::from_code(code).and_then(CallError::from_status)
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// The input of a call to `method` with `args`: borsh of the method name,
/// then `args` (a tuple of the arguments in order: borsh encodes a tuple as
/// its fields one after the other; `()` for none, `(x,)` for one).
pub fn encode_input<A: BorshSerialize + ?Sized>(method: &str, args: &A) -> Vec<u8> {
    let mut input = Vec::new();
    // Writing into a Vec does not fail.
    let _ = method.serialize(&mut input);
    let _ = args.serialize(&mut input);
    input
}

/// A call of a contract's method with its arguments encoded, and the type
/// of its result: what the typed reference `#[contract]` generates returns
/// (`CounterRef::new(address).increment(5)` is a `Call<u64>`), so that the
/// compiler checks the arguments and the result against the method.
///
/// Run it from a contract with [`Call::invoke`]; in a test, with
/// `gasworks_sdk_testing::TestChain::invoke`.
#[must_use = "a call does nothing until it is invoked"]
pub struct Call<R> {
    contract: Address,
    method: &'static str,
    input: Vec<u8>,
    gas_limit: Option<u64>,
    result: PhantomData<fn() -> R>,
}

impl<R> Call<R> {
    /// A call of `method` of `contract` with `input` (the method's name and
    /// arguments, as [`encode_input`] writes them).
    pub fn new(contract: Address, method: &'static str, input: Vec<u8>) -> Call<R> {
        Call {
            contract,
            method,
            input,
            gas_limit: None,
            result: PhantomData,
        }
    }

    /// The same call with at most `gas_limit` gas: the callee's limit for a
    /// cross-contract call, the transaction's in a test.
    pub fn with_gas_limit(mut self, gas_limit: u64) -> Call<R> {
        self.gas_limit = Some(gas_limit);
        self
    }

    /// The contract called.
    pub fn contract(&self) -> Address {
        self.contract
    }

    /// The method called.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The call's input.
    pub fn input(&self) -> &[u8] {
        &self.input
    }

    /// The gas limit set with [`Call::with_gas_limit`].
    pub fn gas_limit(&self) -> Option<u64> {
        self.gas_limit
    }

    /// The input, by value.
    pub fn into_input(self) -> Vec<u8> {
        self.input
    }
}

// By hand: derived, they would require `R: Clone` and `R: Debug`.
impl<R> Clone for Call<R> {
    fn clone(&self) -> Call<R> {
        Call {
            contract: self.contract,
            method: self.method,
            input: self.input.clone(),
            gas_limit: self.gas_limit,
            result: PhantomData,
        }
    }
}

impl<R> fmt::Debug for Call<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("contract", &self.contract)
            .field("method", &self.method)
            .field("input", &self.input)
            .field("gas_limit", &self.gas_limit)
            .finish()
    }
}

impl<R: BorshDeserialize> Call<R> {
    /// Makes the call from a contract: the callee gets the gas limit set
    /// with [`Call::with_gas_limit`], or when none is, all the gas left.
    ///
    /// # Errors
    ///
    /// [`CallError`] when the call was refused or the callee failed (its
    /// writes and events are rolled back).
    ///
    /// # Panics
    ///
    /// When the callee succeeded but its result does not decode as an `R`:
    /// the contract at that address is not the one the reference was made
    /// for. That fails the calling contract's call, so the callee's writes
    /// are rolled back with it instead of being kept silently (unlike
    /// [`call`], which returns [`CallError::BadReturnData`] and keeps them).
    pub fn invoke(self) -> Result<R, CallError> {
        let data = call_raw(
            &self.contract,
            &self.input,
            self.gas_limit.unwrap_or(u64::MAX),
        )?;
        match R::try_from_slice(&data) {
            Ok(value) => Ok(value),
            Err(error) => crate::env::abort(&alloc::format!(
                "call of `{}` of {}: the result does not decode as `{}`: {error}",
                self.method,
                self.contract,
                core::any::type_name::<R>()
            )),
        }
    }
}

/// Return data sizes read in one host call; longer takes a second.
const RETURN_GUESS: usize = 256;

/// Calls `method` of the contract at `contract` with `args`, giving it at
/// most `gas_limit` gas, and decodes its result as `R`.
///
/// # Errors
///
/// [`CallError`]: the call was refused or the callee failed (its writes and
/// events are rolled back), or its result does not decode.
pub fn call<A, R>(
    contract: &Address,
    method: &str,
    args: &A,
    gas_limit: u64,
) -> Result<R, CallError>
where
    A: BorshSerialize + ?Sized,
    R: BorshDeserialize,
{
    let data = call_raw(contract, &encode_input(method, args), gas_limit)?;
    R::try_from_slice(&data).map_err(|_| CallError::BadReturnData)
}

/// Calls the contract at `contract` with a raw `input` and returns its raw
/// return data.
///
/// # Errors
///
/// [`CallError`] when the call was refused or the callee failed. A status
/// code this SDK does not know (from a newer host) reads as
/// [`CallError::Trapped`]: the callee did not succeed, and its writes were
/// rolled back.
pub fn call_raw(contract: &Address, input: &[u8], gas_limit: u64) -> Result<Vec<u8>, CallError> {
    match sys::call(&contract.0, input, gas_limit) {
        0 => {
            let mut data = Vec::new();
            sys::return_data(&mut data, RETURN_GUESS);
            Ok(data)
        }
        code => Err(CallError::from_code(code).unwrap_or(CallError::Trapped)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_is_borsh_of_the_name_then_the_arguments() {
        let input = encode_input("f", &(7u32, true));
        assert_eq!(input, [1, 0, 0, 0, b'f', 7, 0, 0, 0, 1]);
        assert_eq!(encode_input("g", &()), [1, 0, 0, 0, b'g']);
        assert_eq!(
            borsh::from_slice::<(alloc::string::String, u32, bool)>(&input).expect("decodes"),
            ("f".into(), 7, true)
        );
    }
}
