//! `examples/counter`: increment, get, reset by its owner; a panic's message
//! and location; rollback of a failed call; gas pinned per call.

use gasworks_sdk::Event;
use gasworks_sdk_testing::sdk::storage::Item;
use gasworks_sdk_testing::{ABORT_TRAP, Address, TestChain, account};

use super::{golden, root, wasm};

const COUNT: Item<u64> = Item::new(b"c");
const OWNER: Item<Address> = Item::new(b"o");

/// `examples/counter`'s event.
#[derive(Event, Debug, PartialEq)]
struct Reset {
    #[topic]
    by: Address,
    was: u64,
}

fn chain() -> (TestChain, Address) {
    let mut chain = TestChain::new();
    chain.check_profile = true;
    let counter = chain.deploy(&wasm("counter"));
    (chain, counter)
}

/// The line of the counter's source that contains `needle`.
fn source_line(needle: &str) -> u32 {
    let source = std::fs::read_to_string(root().join("examples/counter/src/lib.rs"))
        .expect("the counter's source is readable");
    let index = source
        .lines()
        .position(|line| line.contains(needle))
        .expect("the needle is in the source");
    u32::try_from(index + 1).expect("a short file")
}

#[test]
fn increments_and_reads_the_count_and_stores_it() {
    let (mut chain, counter) = chain();
    let alice = account("alice");
    assert_eq!(chain.call(alice, counter, "get", &()).unwrap::<u64>(), 0);
    assert_eq!(
        chain
            .call(alice, counter, "increment", &(5u64,))
            .unwrap::<u64>(),
        5
    );
    assert_eq!(
        chain
            .call(alice, counter, "increment", &(7u64,))
            .unwrap::<u64>(),
        12
    );
    assert_eq!(chain.call(alice, counter, "get", &()).unwrap::<u64>(), 12);
    assert_eq!(chain.item(counter, &COUNT), Some(12));
    assert_eq!(chain.item(counter, &OWNER), Some(alice));
    // Exactly these two entries, nothing else.
    assert_eq!(chain.entries(counter).len(), 2);
}

#[test]
fn a_panic_reports_its_message_and_location_and_is_rolled_back() {
    let (mut chain, counter) = chain();
    let alice = account("alice");
    chain
        .call(alice, counter, "increment", &(u64::MAX - 1,))
        .unwrap::<u64>();
    let outcome = chain.call(alice, counter, "increment", &(2u64,));
    let failure = outcome.unwrap_failure();
    assert_eq!(failure.trap, ABORT_TRAP);
    let panic = failure.panic.clone().expect("a panic report");
    assert_eq!(panic.message, "counter overflow");
    assert_eq!(panic.file, "counter/src/lib.rs");
    assert_eq!(panic.line, source_line("expect(\"counter overflow\")"));
    assert!(panic.column > 0);
    assert!(outcome.receipt.changes.is_empty() && outcome.receipt.return_data.is_empty());
    assert_eq!(chain.item(counter, &COUNT), Some(u64::MAX - 1));
    assert_eq!(
        failure.to_string(),
        format!(
            "trapped with `host(1)` abort: panicked at counter/src/lib.rs:{}:{}: counter overflow",
            panic.line, panic.column
        )
    );
}

#[test]
fn only_the_owner_resets_and_a_reset_emits_an_event() {
    let (mut chain, counter) = chain();
    let (alice, bob) = (account("alice"), account("bob"));
    chain
        .call(alice, counter, "increment", &(3u64,))
        .unwrap::<u64>();
    let refused = chain.call(bob, counter, "reset", &());
    assert_eq!(
        refused.unwrap_failure().message(),
        Some("only the owner may reset")
    );
    assert_eq!(chain.item(counter, &COUNT), Some(3));
    let reset = chain.call(alice, counter, "reset", &());
    reset.unwrap::<()>();
    // Read back as the contract's struct (declared again here, which also
    // pins its encoding), and as the receipt holds it.
    assert_eq!(reset.events::<Reset>(), [Reset { by: alice, was: 3 }]);
    assert_eq!(reset.events_from::<Reset>(counter).len(), 1);
    assert_eq!(reset.raw_events().len(), 1);
    let event = &reset.raw_events()[0];
    assert_eq!(event.contract, counter);
    assert_eq!(event.topics, vec![b"Reset".to_vec(), alice.0.to_vec()]);
    assert_eq!(event.data, 3u64.to_le_bytes());
    assert_eq!(chain.item(counter, &COUNT), Some(0));
}

#[test]
fn bad_input_names_the_problem() {
    let (mut chain, counter) = chain();
    let alice = account("alice");
    let unknown = chain.call(alice, counter, "decrement", &());
    assert_eq!(
        unknown.unwrap_failure().message(),
        Some("no method `decrement`")
    );
    let short = chain.call(alice, counter, "increment", &(5u32,));
    let message = short.unwrap_failure().message.expect("a message");
    assert!(
        message.starts_with("method `increment`: argument `by` does not decode as `u64`"),
        "{message}"
    );
    let long = chain.call(alice, counter, "increment", &(5u64, 1u8));
    assert_eq!(
        long.unwrap_failure().message(),
        Some("method `increment(by: u64)`: 1 bytes of input after the arguments")
    );
    let garbage = chain.call_raw(alice, counter, "garbage", vec![0xff; 3]);
    assert_eq!(
        garbage.unwrap_failure().message(),
        Some("the input is not borsh of (method name, arguments)")
    );
}

#[test]
fn gas_per_call_is_pinned() {
    let (mut chain, counter) = chain();
    let (alice, bob) = (account("alice"), account("bob"));
    let mut report = golden("counter", "examples/counter: examples/wasm/counter.wasm");
    report.record("get (empty)", &chain.call(alice, counter, "get", &()));
    report.record(
        "increment(1) first: sets the owner",
        &chain.call(alice, counter, "increment", &(1u64,)),
    );
    report.record(
        "increment(1)",
        &chain.call(alice, counter, "increment", &(1u64,)),
    );
    report.record("get", &chain.call(alice, counter, "get", &()));
    report.record(
        "reset by a stranger (fails)",
        &chain.call(bob, counter, "reset", &()),
    );
    report.record("reset", &chain.call(alice, counter, "reset", &()));
    report.record(
        "increment(u64::MAX)",
        &chain.call(alice, counter, "increment", &(u64::MAX,)),
    );
    report.record(
        "increment(1) overflows (fails)",
        &chain.call(alice, counter, "increment", &(1u64,)),
    );
    report.check();
}
