//! `examples/token`: a fungible token with events, allowances and an
//! ordered holder listing; failures rolled back; gas pinned per call.

use gasworks_sdk::Event;
use gasworks_sdk_testing::borsh;
use gasworks_sdk_testing::sdk::storage::{Item, Map};
use gasworks_sdk_testing::{ABORT_TRAP, Address, Outcome, TestChain, account};

use super::{golden, wasm};

const BALANCES: Map<Address, u128> = Map::new(b"b");
const ALLOWANCES: Map<(Address, Address), u128> = Map::new(b"a");
const SUPPLY: Item<u128> = Item::new(b"s");

struct Setup {
    chain: TestChain,
    token: Address,
    owner: Address,
    alice: Address,
    bob: Address,
}

/// A token owned by `owner`, with 1,000 minted to alice.
fn setup() -> Setup {
    let mut chain = TestChain::new();
    chain.check_profile = true;
    let token = chain.deploy(&wasm("token"));
    let (owner, alice, bob) = (account("owner"), account("alice"), account("bob"));
    chain
        .call(
            owner,
            token,
            "init",
            &("Gas".to_string(), "GAS".to_string(), 6u8),
        )
        .unwrap::<()>();
    chain
        .call(owner, token, "mint", &(alice, 1_000u128))
        .unwrap::<()>();
    Setup {
        chain,
        token,
        owner,
        alice,
        bob,
    }
}

/// `examples/token`'s events, declared again (which pins their encoding).
#[derive(Event, Debug, PartialEq)]
struct Transfer {
    #[topic]
    from: Address,
    #[topic]
    to: Address,
    amount: u128,
}

#[derive(Event, Debug, PartialEq)]
struct Approval {
    #[topic]
    owner: Address,
    #[topic]
    spender: Address,
    amount: u128,
}

/// Checks that `outcome` emitted exactly one `name` event with these
/// topics and amount, as bytes and as the typed event.
fn assert_event(outcome: &Outcome, name: &str, a: Address, b: Address, amount: u128) {
    assert_eq!(outcome.raw_events().len(), 1, "{:?}", outcome.raw_events());
    let event = &outcome.raw_events()[0];
    match name {
        "Transfer" => assert_eq!(
            outcome.events::<Transfer>(),
            [Transfer {
                from: a,
                to: b,
                amount
            }]
        ),
        "Approval" => assert_eq!(
            outcome.events::<Approval>(),
            [Approval {
                owner: a,
                spender: b,
                amount
            }]
        ),
        other => panic!("no event {other}"),
    }
    assert_eq!(
        event.topics,
        vec![name.as_bytes().to_vec(), a.0.to_vec(), b.0.to_vec()]
    );
    assert_eq!(event.data, amount.to_le_bytes());
}

fn assert_fails_with(outcome: &Outcome, method: &str, error: &str) {
    let failure = outcome.unwrap_failure();
    assert_eq!(failure.trap, ABORT_TRAP);
    assert_eq!(
        failure.message(),
        Some(format!("method `{method}` returned Err({error})").as_str())
    );
    assert!(outcome.receipt.changes.is_empty() && outcome.receipt.events.is_empty());
}

#[test]
fn init_and_mint_set_metadata_supply_and_balance() {
    let Setup {
        mut chain,
        token,
        owner,
        alice,
        ..
    } = setup();
    assert_eq!(
        chain
            .call(alice, token, "metadata", &())
            .unwrap::<(String, String, u8)>(),
        ("Gas".to_string(), "GAS".to_string(), 6)
    );
    assert_eq!(
        chain
            .call(alice, token, "total_supply", &())
            .unwrap::<u128>(),
        1_000
    );
    assert_eq!(
        chain
            .call(alice, token, "balance_of", &(alice,))
            .unwrap::<u128>(),
        1_000
    );
    assert_eq!(chain.map_get(token, &BALANCES, &alice), Some(1_000));
    assert_eq!(chain.item(token, &SUPPLY), Some(1_000));
    let mint = chain.call(owner, token, "mint", &(alice, 5u128));
    assert_event(&mint, "Transfer", Address::ZERO, alice, 5);
    assert_fails_with(
        &chain.call(alice, token, "mint", &(alice, 5u128)),
        "mint",
        "NotOwner",
    );
    assert_fails_with(
        &chain.call(owner, token, "init", &(String::new(), String::new(), 0u8)),
        "init",
        "AlreadyInitialized",
    );
    assert_fails_with(
        &chain.call(owner, token, "mint", &(alice, u128::MAX)),
        "mint",
        "SupplyOverflow",
    );
    assert_eq!(chain.item(token, &SUPPLY), Some(1_005));
}

#[test]
fn transfers_move_balances_emit_events_and_fail_atomically() {
    let Setup {
        mut chain,
        token,
        alice,
        bob,
        ..
    } = setup();
    let transfer = chain.call(alice, token, "transfer", &(bob, 300u128));
    transfer.unwrap::<()>();
    assert_event(&transfer, "Transfer", alice, bob, 300);
    assert_eq!(chain.map_get(token, &BALANCES, &alice), Some(700));
    assert_eq!(chain.map_get(token, &BALANCES, &bob), Some(300));
    assert_fails_with(
        &chain.call(bob, token, "transfer", &(alice, 301u128)),
        "transfer",
        "InsufficientBalance",
    );
    assert_eq!(chain.map_get(token, &BALANCES, &bob), Some(300));
    // Sending everything removes the entry.
    chain
        .call(bob, token, "transfer", &(alice, 300u128))
        .unwrap::<()>();
    assert_eq!(chain.map_get(token, &BALANCES, &bob), None);
    assert_eq!(chain.storage(token, &BALANCES.key(&bob)), None);
    assert_eq!(
        chain
            .call(alice, token, "balance_of", &(bob,))
            .unwrap::<u128>(),
        0
    );
    // To oneself: an event, no change.
    let to_self = chain.call(alice, token, "transfer", &(alice, 10u128));
    assert_event(&to_self, "Transfer", alice, alice, 10);
    assert!(to_self.receipt.changes.is_empty());
}

#[test]
fn allowances_are_spent_by_transfer_from() {
    let Setup {
        mut chain,
        token,
        alice,
        bob,
        ..
    } = setup();
    let carol = account("carol");
    let approve = chain.call(alice, token, "approve", &(bob, 100u128));
    assert_event(&approve, "Approval", alice, bob, 100);
    assert_eq!(chain.map_get(token, &ALLOWANCES, &(alice, bob)), Some(100));
    assert_fails_with(
        &chain.call(bob, token, "transfer_from", &(alice, carol, 101u128)),
        "transfer_from",
        "InsufficientAllowance",
    );
    // Someone else's allowance does not count.
    assert_fails_with(
        &chain.call(carol, token, "transfer_from", &(alice, carol, 1u128)),
        "transfer_from",
        "InsufficientAllowance",
    );
    let spend = chain.call(bob, token, "transfer_from", &(alice, carol, 60u128));
    assert_event(&spend, "Transfer", alice, carol, 60);
    assert_eq!(
        chain
            .call(bob, token, "allowance", &(alice, bob))
            .unwrap::<u128>(),
        40
    );
    chain
        .call(bob, token, "transfer_from", &(alice, carol, 40u128))
        .unwrap::<()>();
    assert_eq!(chain.map_get(token, &ALLOWANCES, &(alice, bob)), None);
    assert_eq!(chain.map_get(token, &BALANCES, &carol), Some(100));
    assert_eq!(chain.map_get(token, &BALANCES, &alice), Some(900));
}

#[test]
fn holders_are_listed_in_address_order_across_pages() {
    let Setup {
        mut chain,
        token,
        owner,
        alice,
        ..
    } = setup();
    // 40 holders: more than one scan batch (16) and than one page.
    let mut expected = vec![(alice, 1_000u128)];
    for i in 0..39u128 {
        let holder = account(&format!("holder {i}"));
        chain
            .call(owner, token, "mint", &(holder, i + 1))
            .unwrap::<()>();
        expected.push((holder, i + 1));
    }
    expected.sort();
    let all = chain
        .call(alice, token, "holders", &(None::<Address>, 100u32))
        .unwrap::<Vec<(Address, u128)>>();
    assert_eq!(all, expected);
    let mut paged = Vec::new();
    let mut after = None::<Address>;
    loop {
        let page = chain
            .call(alice, token, "holders", &(after, 7u32))
            .unwrap::<Vec<(Address, u128)>>();
        assert!(page.len() <= 7);
        let Some(last) = page.last() else { break };
        after = Some(last.0);
        paged.extend(page);
    }
    assert_eq!(paged, expected);
}

#[test]
fn gas_per_call_is_pinned() {
    let mut chain = TestChain::new();
    chain.check_profile = true;
    let token = chain.deploy(&wasm("token"));
    let (owner, alice, bob, carol) = (
        account("owner"),
        account("alice"),
        account("bob"),
        account("carol"),
    );
    let mut report = golden("token", "examples/token: examples/wasm/token.wasm");
    let none = None::<Address>;
    let gas = [
        ("init", owner, "init", borsh::to_vec(&("Gas", "GAS", 6u8))),
        (
            "mint to a new holder",
            owner,
            "mint",
            borsh::to_vec(&(alice, 1_000u128)),
        ),
        (
            "mint to a holder",
            owner,
            "mint",
            borsh::to_vec(&(alice, 1_000u128)),
        ),
        (
            "mint by a stranger (fails)",
            alice,
            "mint",
            borsh::to_vec(&(alice, 1u128)),
        ),
        (
            "transfer to a new holder",
            alice,
            "transfer",
            borsh::to_vec(&(bob, 100u128)),
        ),
        (
            "transfer to a holder",
            alice,
            "transfer",
            borsh::to_vec(&(bob, 100u128)),
        ),
        (
            "transfer too much (fails)",
            bob,
            "transfer",
            borsh::to_vec(&(alice, 1_000u128)),
        ),
        (
            "transfer of a whole balance",
            bob,
            "transfer",
            borsh::to_vec(&(carol, 200u128)),
        ),
        ("approve", alice, "approve", borsh::to_vec(&(bob, 500u128))),
        (
            "transfer_from",
            bob,
            "transfer_from",
            borsh::to_vec(&(alice, carol, 100u128)),
        ),
        (
            "transfer_from of a whole allowance",
            bob,
            "transfer_from",
            borsh::to_vec(&(alice, carol, 400u128)),
        ),
        ("balance_of", bob, "balance_of", borsh::to_vec(&(alice,))),
        ("total_supply", bob, "total_supply", borsh::to_vec(&())),
        ("allowance", bob, "allowance", borsh::to_vec(&(alice, bob))),
        (
            "holders (3 of them)",
            bob,
            "holders",
            borsh::to_vec(&(none, 10u32)),
        ),
    ];
    for (label, from, method, args) in gas {
        let mut input = borsh::to_vec(method).expect("encodes");
        input.extend(args.expect("encodes"));
        report.record(label, &chain.call_raw(from, token, method, input));
    }
    report.check();
}
