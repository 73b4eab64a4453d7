//! Methods that write and then fail, with the `Result` return type spelled
//! every way an author spells it: the `#[contract]` macro must fail (and
//! roll back) all of them, whatever the spelling (issue 11).

#![no_std]

use gasworks_sdk::contract;
use gasworks_sdk::storage::Item;

const VALUE: Item<u64> = Item::new(b"v");

/// The error. Serializable on purpose: with the old spelling check an
/// aliased `Err(Error)` compiled, was encoded as return data, and the
/// method's writes were committed.
#[derive(Debug, borsh::BorshSerialize)]
pub struct Error;

/// The alias many crates define.
pub type Res<T> = core::result::Result<T, Error>;

mod reexport {
    pub use core::result::Result as Outcome;
}

pub struct Fallible;

#[contract]
impl Fallible {
    /// Writes, then fails through an alias.
    pub fn alias(value: u64) -> Res<u64> {
        VALUE.set(&value);
        Err(Error)
    }

    /// Writes, then fails through a full path.
    pub fn full_path(value: u64) -> core::result::Result<u64, Error> {
        VALUE.set(&value);
        Err(Error)
    }

    /// Writes, then fails through a re-export under another name.
    pub fn reexported(value: u64) -> reexport::Outcome<u64, Error> {
        VALUE.set(&value);
        Err(Error)
    }

    /// Writes and succeeds through the alias.
    pub fn alias_ok(value: u64) -> Res<u64> {
        VALUE.set(&value);
        Ok(value)
    }

    /// Writes; not fallible.
    pub fn plain(value: u64) -> u64 {
        VALUE.set(&value);
        value
    }

    /// Compiled out: the dispatch must not refer to it (issue 11, point 7).
    #[cfg(feature = "never-enabled")]
    pub fn hidden() -> u64 {
        1
    }

    /// The value.
    pub fn get() -> u64 {
        VALUE.get_or_default()
    }
}
