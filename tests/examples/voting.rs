//! `examples/registry` and `examples/ballot`: a voting contract that checks
//! its voters against a registry by a typed cross-contract call, tested
//! with the typed references `#[contract]` generates (`BallotRef`,
//! `RegistryRef`); maps with ordered iteration, events, a failing
//! `require!`, an `Err` rolled back; gas pinned per call.

use gasworks_sdk_testing::{ABORT_TRAP, Address, TestChain, account};

use super::ballot_contract::{BallotRef, Voted};
use super::registry_contract::{RegistryRef, VoterAdded};
use super::{golden, wasm};

struct Setup {
    chain: TestChain,
    registry: RegistryRef,
    ballot: BallotRef,
    owner: Address,
    voters: [Address; 3],
}

/// A registry owned by `owner` listing three voters, and a ballot on it
/// with three proposals.
fn setup() -> Setup {
    let mut chain = TestChain::new();
    chain.check_profile = true;
    let registry = RegistryRef::new(chain.deploy(&wasm("registry")));
    let ballot = BallotRef::new(chain.deploy(&wasm("ballot")));
    let owner = account("owner");
    let voters = [account("alice"), account("bob"), account("carol")];
    chain.invoke(owner, registry.init()).unwrap();
    for voter in voters {
        let added = chain.invoke(owner, registry.add_voter(voter));
        assert_eq!(added.events::<VoterAdded>(), [VoterAdded { voter }]);
    }
    let proposals = ["tea", "coffee", "water"].map(String::from).to_vec();
    chain
        .invoke(owner, ballot.init(registry.address(), proposals))
        .unwrap();
    Setup {
        chain,
        registry,
        ballot,
        owner,
        voters,
    }
}

#[test]
fn registered_voters_vote_once_and_the_tally_is_in_proposal_order() {
    let Setup {
        mut chain,
        ballot,
        voters: [alice, bob, carol],
        ..
    } = setup();
    let first = chain.invoke(alice, ballot.vote(1));
    assert_eq!(first.unwrap(), 1);
    assert_eq!(
        first.events::<Voted>(),
        [Voted {
            voter: alice,
            proposal: 1
        }]
    );
    // One event, from the ballot (the registry's answer emits none).
    assert_eq!(first.raw_events().len(), 1);
    assert_eq!(first.raw_events()[0].contract, ballot.address());
    // The registry was called: two contract entries, the registry's first.
    assert_eq!(first.debug.calls.len(), 2);

    assert_eq!(chain.invoke(bob, ballot.vote(1)).unwrap(), 2);
    assert_eq!(chain.invoke(carol, ballot.vote(0)).unwrap(), 1);
    assert_eq!(
        chain.invoke(carol, ballot.results()).unwrap(),
        [
            (0, "tea".to_string(), 1),
            (1, "coffee".to_string(), 2),
            (2, "water".to_string(), 0),
        ]
    );
    assert_eq!(chain.invoke(carol, ballot.vote_of(bob)).unwrap(), Some(1));
    assert_eq!(
        chain
            .invoke(carol, ballot.vote_of(account("dave")))
            .unwrap(),
        None
    );
}

#[test]
fn refused_votes_fail_and_keep_nothing() {
    let Setup {
        mut chain,
        ballot,
        voters: [alice, ..],
        ..
    } = setup();
    chain.invoke(alice, ballot.vote(2)).unwrap();

    let again = chain.invoke(alice, ballot.vote(0));
    let failure = again.unwrap_failure();
    assert_eq!(failure.trap, ABORT_TRAP);
    assert_eq!(
        failure.message(),
        Some("method `vote` returned Err(AlreadyVoted)")
    );
    assert!(again.receipt.changes.is_empty() && again.raw_events().is_empty());

    // Not in the registry: its answer (false) comes back through the
    // typed reference, and the vote is refused.
    let stranger = chain.invoke(account("mallory"), ballot.vote(0));
    assert_eq!(
        stranger.unwrap_failure().message(),
        Some("method `vote` returned Err(NotAVoter)")
    );

    // A failing `require!`: its message and the contract's line.
    let missing = chain.invoke(alice, ballot.vote(7));
    let failure = missing.unwrap_failure();
    assert_eq!(failure.message(), Some("no such proposal"));
    let panic = failure.panic.expect("a panic report");
    assert!(panic.file.ends_with("ballot/src/lib.rs"), "{}", panic.file);

    assert_eq!(
        chain.invoke(alice, ballot.results()).unwrap()[2],
        (2, "water".to_string(), 1)
    );
}

#[test]
fn the_registry_lists_voters_in_address_order_and_only_its_owner_adds() {
    let Setup {
        mut chain,
        registry,
        owner,
        voters,
        ..
    } = setup();
    let mut sorted = voters.to_vec();
    sorted.sort();
    assert_eq!(
        chain.invoke(owner, registry.voters(None, 10)).unwrap(),
        sorted
    );
    assert_eq!(
        chain
            .invoke(owner, registry.voters(Some(sorted[0]), 1))
            .unwrap(),
        [sorted[1]]
    );
    let refused = chain.invoke(voters[0], registry.add_voter(account("dave")));
    assert_eq!(
        refused.unwrap_failure().message(),
        Some("only the owner adds voters")
    );
    assert!(
        !chain
            .invoke(owner, registry.is_voter(account("dave")))
            .unwrap()
    );
    // Adding a voter twice emits nothing.
    let twice = chain.invoke(owner, registry.add_voter(voters[0]));
    assert!(twice.events::<VoterAdded>().is_empty());
}

#[test]
fn gas_per_call_is_pinned() {
    let Setup {
        mut chain,
        registry,
        ballot,
        owner,
        voters: [alice, bob, _],
    } = setup();
    let mut report = golden(
        "voting",
        "examples/registry and examples/ballot: examples/wasm/{registry,ballot}.wasm",
    );
    report.record(
        "registry.add_voter",
        &chain.invoke(owner, registry.add_voter(account("dave"))),
    );
    report.record(
        "registry.is_voter",
        &chain.invoke(owner, registry.is_voter(alice)),
    );
    report.record(
        "ballot.vote (calls the registry)",
        &chain.invoke(alice, ballot.vote(0)),
    );
    report.record(
        "ballot.vote again (fails)",
        &chain.invoke(alice, ballot.vote(1)),
    );
    report.record("ballot.vote by bob", &chain.invoke(bob, ballot.vote(0)));
    report.record(
        "ballot.vote for no proposal (fails)",
        &chain.invoke(bob, ballot.vote(9)),
    );
    report.record("ballot.results (3)", &chain.invoke(bob, ballot.results()));
    report.check();
}
