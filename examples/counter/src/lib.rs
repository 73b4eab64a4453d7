//! A counter: the smallest useful contract.
//!
//! Methods: `increment(by: u64) -> u64` adds to the count and returns it,
//! `get() -> u64` reads it, `reset()` sets it back to zero (only the
//! account that first incremented it, its owner, may).

#![no_std]

use gasworks_sdk::storage::Item;
use gasworks_sdk::{Address, Event, contract, env, events, require};

/// The count.
const COUNT: Item<u64> = Item::new(b"c");
/// Who may reset it: the first caller of `increment`.
const OWNER: Item<Address> = Item::new(b"o");

/// Emitted by `reset`.
#[derive(Event)]
pub struct Reset {
    /// Who reset the counter.
    #[topic]
    pub by: Address,
    /// The count before.
    pub was: u64,
}

pub struct Counter;

#[contract]
impl Counter {
    /// Adds `by` to the count and returns the new count.
    pub fn increment(by: u64) -> u64 {
        if !OWNER.exists() {
            OWNER.set(&env::caller());
        }
        let count = COUNT.get_or_default();
        let count = count.checked_add(by).expect("counter overflow");
        COUNT.set(&count);
        count
    }

    /// The count.
    pub fn get() -> u64 {
        COUNT.get_or_default()
    }

    /// Sets the count back to zero; only the owner may.
    pub fn reset() {
        let owner = OWNER.get();
        require!(owner == Some(env::caller()), "only the owner may reset");
        let was = COUNT.get_or_default();
        COUNT.set(&0);
        events::emit(&Reset {
            by: env::caller(),
            was,
        });
    }
}
