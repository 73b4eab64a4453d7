//! A ballot: proposals fixed at `init`, one vote per voter, voters checked
//! against a registry (`examples/registry`) by a typed cross-contract call
//! (`RegistryRef`), a `Voted` event per vote, and the tally in proposal
//! order (ordered map iteration).
//!
//! A refused vote returns `Err(BallotError)`, which fails the call: nothing
//! it wrote is kept.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

use gasworks_sdk::storage::{Item, Map};
use gasworks_sdk::{Address, Event, contract, env, events, require};
use registry::RegistryRef;

/// The registry voters are checked against.
const REGISTRY: Item<Address> = Item::new(b"r");
/// Proposal names, by number (0, 1, ..).
const PROPOSALS: Map<u32, String> = Map::new(b"p");
/// Votes per proposal (absent: none).
const TALLY: Map<u32, u64> = Map::new(b"t");
/// The proposal each voter voted for.
const VOTES: Map<Address, u32> = Map::new(b"v");

/// The most proposals a ballot has.
pub const MAX_PROPOSALS: usize = 16;
/// The gas the registry gets to answer `is_voter` (it needs about a tenth).
pub const REGISTRY_GAS: u64 = 200_000;

/// A vote cast.
#[derive(Event, Debug, Clone, PartialEq, Eq)]
pub struct Voted {
    /// Who voted.
    #[topic]
    pub voter: Address,
    /// For which proposal.
    #[topic]
    pub proposal: u32,
}

/// Why a vote was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BallotError {
    /// The caller voted already.
    AlreadyVoted,
    /// The registry does not list the caller.
    NotAVoter,
    /// The registry could not be asked (its call failed).
    RegistryFailed,
}

/// The ballot.
pub struct Ballot;

#[contract]
impl Ballot {
    /// Opens the ballot: voters are those of `registry`; `proposals` (1 to
    /// 16 names) are numbered from 0. Only once.
    pub fn init(registry: Address, proposals: Vec<String>) {
        require!(REGISTRY.get().is_none(), "already initialised");
        require!(
            !proposals.is_empty() && proposals.len() <= MAX_PROPOSALS,
            "a ballot has 1 to 16 proposals"
        );
        REGISTRY.set(&registry);
        for (number, name) in (0u32..).zip(&proposals) {
            PROPOSALS.set(&number, name);
        }
    }

    /// Votes for `proposal` and returns its votes so far.
    pub fn vote(proposal: u32) -> Result<u64, BallotError> {
        require!(PROPOSALS.contains(&proposal), "no such proposal");
        let voter = env::caller();
        if VOTES.contains(&voter) {
            return Err(BallotError::AlreadyVoted);
        }
        let registry = RegistryRef::new(REGISTRY.get().unwrap_or_default());
        let registered = registry
            .is_voter(voter)
            .with_gas_limit(REGISTRY_GAS)
            .invoke()
            .map_err(|_| BallotError::RegistryFailed)?;
        if !registered {
            return Err(BallotError::NotAVoter);
        }
        VOTES.set(&voter, &proposal);
        let votes = TALLY.get(&proposal).unwrap_or(0) + 1;
        TALLY.set(&proposal, &votes);
        events::emit(&Voted { voter, proposal });
        Ok(votes)
    }

    /// The proposal `voter` voted for, if any.
    pub fn vote_of(voter: Address) -> Option<u32> {
        VOTES.get(&voter)
    }

    /// Every proposal with its votes, in proposal order.
    pub fn results() -> Vec<(u32, String, u64)> {
        PROPOSALS
            .iter()
            .map(|(number, name)| (number, name, TALLY.get(&number).unwrap_or(0)))
            .collect()
    }
}
