//! The caller of the cross-contract example: calls `callee` with typed
//! arguments and results, survives a failing inner call (whose writes and
//! events are rolled back while the caller's own are kept), and shows the
//! refusals (reentrancy, a missing contract) as typed errors.

#![no_std]

extern crate alloc;

use alloc::string::String;

use gasworks_sdk::call::{self, CallError};
use gasworks_sdk::storage::Item;
use gasworks_sdk::{Address, contract, env};

/// How many calls this contract made.
const CALLS: Item<u32> = Item::new(b"n");
/// The outcome of the last call, as text.
const LAST: Item<String> = Item::new(b"l");

/// Gas given to each inner call: enough for the callee's work, and small
/// enough that the caller survives a callee that burns all it gets.
const INNER_GAS: u64 = 2_000_000;

fn record(outcome: &str) {
    CALLS.set(&(CALLS.get_or_default() + 1));
    LAST.set(&String::from(outcome));
}

fn error_name(error: CallError) -> &'static str {
    match error {
        CallError::NoSuchContract => "NoSuchContract",
        CallError::DepthLimit => "DepthLimit",
        CallError::Reentrancy => "Reentrancy",
        CallError::Trapped => "Trapped",
        CallError::OutOfGas => "OutOfGas",
        CallError::BadReturnData => "BadReturnData",
    }
}

pub struct Caller;

#[contract]
impl Caller {
    /// Sets the callee's value; returns its previous value.
    pub fn set(callee: Address, value: u64) -> u64 {
        let previous: u64 =
            call::call(&callee, "set", &(value,), INNER_GAS).expect("the callee's set failed");
        record("ok");
        previous
    }

    /// Calls the callee's `set_and_fail`, which fails, and goes on: records
    /// the error and returns it with the callee's value as read afterwards
    /// (unchanged: the failed call's write was rolled back).
    pub fn set_and_survive(callee: Address, value: u64) -> (String, u64) {
        let result: Result<(), CallError> =
            call::call(&callee, "set_and_fail", &(value,), INNER_GAS);
        let error = match result {
            Ok(()) => "ok",
            Err(error) => error_name(error),
        };
        record(error);
        let now: u64 = call::call(&callee, "get", &(), INNER_GAS).expect("get");
        (String::from(error), now)
    }

    /// Calls the callee's `spin` with `gas`: it runs out, this call goes on.
    pub fn spin(callee: Address, gas: u64) -> String {
        let result: Result<(), CallError> = call::call(&callee, "spin", &(), gas);
        let outcome = result.map_or_else(error_name, |()| "ok");
        record(outcome);
        String::from(outcome)
    }

    /// Calls itself: refused as reentrancy.
    pub fn call_self() -> String {
        let result: Result<u32, CallError> =
            call::call(&env::contract_address(), "calls", &(), INNER_GAS);
        let outcome = result.map_or_else(error_name, |_| "ok");
        record(outcome);
        String::from(outcome)
    }

    /// Calls `callee` expecting a `u64` from its `get`, but decodes the
    /// answer as a `String`: the call succeeds, the result does not decode.
    pub fn wrong_type(callee: Address) -> String {
        let result: Result<String, CallError> = call::call(&callee, "get", &(), INNER_GAS);
        String::from(result.map_or_else(error_name, |_| "ok"))
    }

    /// How many calls this contract made.
    pub fn calls() -> u32 {
        CALLS.get_or_default()
    }

    /// The outcome of the last call.
    pub fn last() -> String {
        LAST.get_or_default()
    }
}
