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

use borsh::{BorshDeserialize, BorshSerialize};

use crate::{Address, sys};

/// Why a call failed: the host's `CallStatus` codes (stable;
/// `tests/sdk_bindings.rs` checks them against the host's), and
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
    /// The host's status code, `None` for [`CallError::BadReturnData`].
    pub const fn code(self) -> Option<i32> {
        match self {
            CallError::NoSuchContract => Some(-1),
            CallError::DepthLimit => Some(-2),
            CallError::Reentrancy => Some(-3),
            CallError::Trapped => Some(-4),
            CallError::OutOfGas => Some(-5),
            CallError::BadReturnData => None,
        }
    }

    /// The error for a host status code; `None` for 0 (success) and for
    /// codes this SDK does not know.
    pub fn from_code(code: i32) -> Option<CallError> {
        [
            CallError::NoSuchContract,
            CallError::DepthLimit,
            CallError::Reentrancy,
            CallError::Trapped,
            CallError::OutOfGas,
        ]
        .into_iter()
        .find(|e| e.code() == Some(code))
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
