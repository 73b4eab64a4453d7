//! The call's context: who called, where and when, the input and the return
//! data, the gas left; and the debug log and `abort`.
//!
//! Each function is one host call (prices in `docs/host-api.md`: 100 gas
//! for the fixed-size ones, plus 1 per byte copied).

use alloc::vec::Vec;

use crate::{Address, sys};

/// The calling contract, or the transaction's signer for the transaction's
/// own contract.
pub fn caller() -> Address {
    Address(sys::caller())
}

/// The account that signed the transaction.
pub fn origin() -> Address {
    Address(sys::origin())
}

/// The running contract's own address.
pub fn contract_address() -> Address {
    Address(sys::address())
}

/// The block's height.
pub fn block_height() -> u64 {
    sys::block_height()
}

/// The block's time, in seconds since the Unix epoch, as the block states
/// it (there is no clock).
pub fn block_time() -> u64 {
    sys::block_time()
}

/// The chain's identifier (put it in signed messages against replay on
/// another chain).
pub fn chain_id() -> u64 {
    sys::chain_id()
}

/// The gas left in the running call.
pub fn gas_left() -> u64 {
    sys::gas_left()
}

/// Input sizes read in one host call; a longer input takes a second.
const INPUT_GUESS: usize = 256;

/// The call's whole input (borsh of `(method name, arguments)` for a
/// contract made with [`crate::contract`], which reads it for you).
pub fn input() -> Vec<u8> {
    let mut out = Vec::new();
    sys::input(&mut out, INPUT_GUESS);
    out
}

/// Sets the call's return data (the [`crate::contract`] macro sets the
/// method's borsh-encoded result).
pub fn set_return_data(data: &[u8]) {
    sys::set_return_data(data);
}

/// Writes a message to the debug log: the outcome's debug part, never
/// consensus data. Costs gas like any host call (100 plus 1 per byte kept),
/// so leave it out of hot paths.
pub fn log(message: &str) {
    sys::log(message.as_bytes());
}

/// Ends the call with the `abort` trap; its writes and events are rolled
/// back, and `message` appears in the outcome's debug part. A panic does the
/// same, with the source location in front of the message.
pub fn abort(message: &str) -> ! {
    sys::abort(message.as_bytes())
}
