//! A voter registry: the account that calls `init` is its owner, the only
//! one that adds voters; anyone may ask whether an address is a voter, or
//! list the voters in address order. The ballot (`examples/ballot`) asks it
//! through `RegistryRef`, the typed reference `#[contract]` generates.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::vec::Vec;

use gasworks_sdk::storage::{Item, Map};
use gasworks_sdk::{Address, Event, contract, env, events, require};

/// Who adds voters.
const OWNER: Item<Address> = Item::new(b"o");
/// Each voter, with the block height it was added at.
const VOTERS: Map<Address, u64> = Map::new(b"v");

/// The most voters `voters` lists at once.
pub const PAGE: u32 = 50;

/// A voter added.
#[derive(Event, Debug, Clone, PartialEq, Eq)]
pub struct VoterAdded {
    /// The voter.
    #[topic]
    pub voter: Address,
}

/// The registry.
pub struct Registry;

#[contract]
impl Registry {
    /// Makes the caller the registry's owner; only once.
    pub fn init() {
        require!(OWNER.get().is_none(), "already initialised");
        OWNER.set(&env::caller());
    }

    /// Adds `voter` (the owner only); adding one twice changes nothing.
    pub fn add_voter(voter: Address) {
        require!(
            OWNER.get() == Some(env::caller()),
            "only the owner adds voters"
        );
        if !VOTERS.contains(&voter) {
            VOTERS.set(&voter, &env::block_height());
            events::emit(&VoterAdded { voter });
        }
    }

    /// Whether `who` is a voter.
    pub fn is_voter(who: Address) -> bool {
        VOTERS.contains(&who)
    }

    /// The voters after `after` (from the first when `None`), in address
    /// order, at most `limit` (capped at [`PAGE`]).
    pub fn voters(after: Option<Address>, limit: u32) -> Vec<Address> {
        let entries = match after {
            Some(after) => VOTERS.iter_after(&after),
            None => VOTERS.iter(),
        };
        entries
            .take(limit.min(PAGE) as usize)
            .map(|(voter, _)| voter)
            .collect()
    }
}
