//! The callee of the cross-contract example (see `caller`): a stored value
//! with a method that writes it and then fails, and one that never ends.

#![no_std]

use gasworks_sdk::storage::Item;
use gasworks_sdk::{Address, Event, contract, env, events};

/// The value.
const VALUE: Item<u64> = Item::new(b"v");

/// Emitted when the value is set.
#[derive(Event)]
pub struct ValueSet {
    /// Who set it (the calling contract, when called by one).
    #[topic]
    pub by: Address,
    /// The new value.
    pub value: u64,
}

pub struct Callee;

#[contract]
impl Callee {
    /// Stores `value`, emits `ValueSet` and returns the previous value.
    pub fn set(value: u64) -> u64 {
        let previous = VALUE.get_or_default();
        VALUE.set(&value);
        events::emit(&ValueSet {
            by: env::caller(),
            value,
        });
        previous
    }

    /// The value.
    pub fn get() -> u64 {
        VALUE.get_or_default()
    }

    /// Stores `value`, emits `ValueSet`, then fails: the write and the
    /// event are rolled back.
    pub fn set_and_fail(value: u64) {
        Callee::set(value);
        panic!("failing after setting {value}, on purpose");
    }

    /// Runs until its gas is gone.
    pub fn spin() {
        let mut n: u64 = 0;
        loop {
            n = core::hint::black_box(n.wrapping_add(1));
        }
    }
}
