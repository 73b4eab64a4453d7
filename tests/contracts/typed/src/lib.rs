//! A test contract for the typed reference `#[contract]` generates
//! (`RegistryRef`): tests/sdk_client.rs builds it to wasm and also compiles
//! this file natively (as a module), so its reference is checked against
//! the very methods the wasm dispatches.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

use gasworks_sdk::borsh::{BorshDeserialize, BorshSerialize};
use gasworks_sdk::storage::{Item, Map};
use gasworks_sdk::{Address, Event, contract, env, events, require};

const NAMES: Map<Address, String> = Map::new(b"n");
const COUNT: Item<u32> = Item::new(b"c");
const TOUCHED: Item<u64> = Item::new(b"t");

/// Why a registration is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The caller is registered already.
    Registered,
}

/// A `Result` under another name: the reference sees through it.
pub type Res<T> = core::result::Result<T, Error>;

/// Someone registered.
#[derive(Event, Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// Who.
    #[topic]
    pub who: Address,
    /// Under which name.
    pub name: String,
}

/// A registration, as `entry` returns it: a contract's own type in a
/// method's result, derived through the SDK's re-export of borsh (this
/// crate has no borsh dependency of its own).
#[derive(BorshSerialize, BorshDeserialize, Debug, Clone, PartialEq, Eq)]
#[borsh(crate = "gasworks_sdk::borsh")]
pub struct Entry {
    /// Who.
    pub who: Address,
    /// The name.
    pub name: String,
}

/// The registry.
pub struct Registry;

#[contract]
impl Registry {
    /// Registers the caller under `name`; returns how many are registered.
    pub fn register(name: String) -> Res<u32> {
        let who = env::caller();
        require!(!name.is_empty(), "an empty name");
        // Written before the check: an `Err` must roll it back.
        let count = COUNT.get_or_default() + 1;
        COUNT.set(&count);
        if NAMES.contains(&who) {
            return Err(Error::Registered);
        }
        NAMES.set(&who, &name);
        events::emit(&Registered { who, name });
        Ok(count)
    }

    /// The name `who` registered, if any.
    pub fn name_of(who: Address) -> Option<String> {
        NAMES.get(&who)
    }

    /// `who`'s registration, if any.
    pub fn entry(who: Address) -> Option<Entry> {
        NAMES.get(&who).map(|name| Entry { who, name })
    }

    /// How many are registered.
    pub fn count() -> u32 {
        COUNT.get_or_default()
    }

    /// Every registration, in address order, from `start` on, at most `limit`.
    pub fn names(start: Option<Address>, limit: u32) -> Vec<(Address, String)> {
        let iter = match start {
            Some(start) => NAMES.iter_after(&start),
            None => NAMES.iter(),
        };
        iter.take(limit as usize).collect()
    }

    /// Writes a value and returns nothing.
    pub fn touch(value: u64) {
        TOUCHED.set(&value);
    }

    /// The value `touch` wrote.
    pub fn touched() -> u64 {
        TOUCHED.get_or_default()
    }

    /// Writes a value and returns a string (which a caller may wrongly
    /// expect to be something else).
    pub fn label(value: u64) -> String {
        TOUCHED.set(&value);
        String::from("registry")
    }
}
