//! `examples/caller` and `examples/callee`: typed cross-contract calls, a
//! failing inner call rolled back while the caller goes on, refusals as
//! typed errors; gas pinned per call.

use gasworks_sdk::Event;
use gasworks_sdk_testing::sdk::storage::Item;
use gasworks_sdk_testing::{Address, TestChain, account};

use super::{golden, wasm};

const VALUE: Item<u64> = Item::new(b"v");
const CALLS: Item<u32> = Item::new(b"n");
const LAST: Item<String> = Item::new(b"l");

/// `examples/callee`'s event.
#[derive(Event, Debug, PartialEq)]
struct ValueSet {
    #[topic]
    by: Address,
    value: u64,
}

fn chain() -> (TestChain, Address, Address) {
    let mut chain = TestChain::new();
    chain.check_profile = true;
    let caller = chain.deploy(&wasm("caller"));
    let callee = chain.deploy(&wasm("callee"));
    (chain, caller, callee)
}

#[test]
fn a_typed_call_returns_the_callees_result_and_keeps_its_writes_and_events() {
    let (mut chain, caller, callee) = chain();
    let alice = account("alice");
    assert_eq!(
        chain
            .call(alice, caller, "set", &(callee, 7u64))
            .unwrap::<u64>(),
        0
    );
    let second = chain.call(alice, caller, "set", &(callee, 9u64));
    assert_eq!(second.unwrap::<u64>(), 7);
    assert_eq!(chain.item(callee, &VALUE), Some(9));
    assert_eq!(chain.item(caller, &CALLS), Some(2));
    // The callee's event, emitted with the caller as its caller.
    assert_eq!(
        second.events_from::<ValueSet>(callee),
        [ValueSet {
            by: caller,
            value: 9
        }]
    );
    assert!(second.events_from::<ValueSet>(caller).is_empty());
    assert_eq!(second.raw_events().len(), 1);
    let event = &second.raw_events()[0];
    assert_eq!(event.contract, callee);
    assert_eq!(event.topics, vec![b"ValueSet".to_vec(), caller.0.to_vec()]);
    assert_eq!(event.data, 9u64.to_le_bytes());
    // Two contract entries: the callee's, then the caller's.
    assert_eq!(second.debug.calls.len(), 2);
}

#[test]
fn a_failing_inner_call_is_rolled_back_and_the_caller_goes_on() {
    let (mut chain, caller, callee) = chain();
    let alice = account("alice");
    chain
        .call(alice, caller, "set", &(callee, 5u64))
        .unwrap::<u64>();
    let outcome = chain.call(alice, caller, "set_and_survive", &(callee, 6u64));
    // The callee wrote 6 and emitted an event, then panicked: its caller
    // sees `Trapped`, and reads the old value back.
    assert_eq!(
        outcome.unwrap::<(String, u64)>(),
        ("Trapped".to_string(), 5)
    );
    assert_eq!(chain.item(callee, &VALUE), Some(5));
    assert!(
        outcome.raw_events().is_empty(),
        "{:?}",
        outcome.raw_events()
    );
    // The caller's own writes are kept.
    assert_eq!(chain.item(caller, &CALLS), Some(2));
    assert_eq!(chain.item(caller, &LAST), Some("Trapped".to_string()));
    // The callee's panic is in the debug part, at depth 2.
    let abort = &outcome.debug.aborts[0];
    assert_eq!(abort.depth, 2);
    assert!(
        abort.message.starts_with("panicked at callee/src/lib.rs:")
            && abort
                .message
                .ends_with(": failing after setting 6, on purpose"),
        "{}",
        abort.message
    );
    assert!(outcome.failure().is_none());
}

#[test]
fn out_of_gas_reentrancy_and_bad_results_are_typed_errors() {
    let (mut chain, caller, callee) = chain();
    let alice = account("alice");
    let spin = chain.call(alice, caller, "spin", &(callee, 100_000u64));
    assert_eq!(spin.unwrap::<String>(), "OutOfGas");
    assert_eq!(
        chain
            .call(alice, caller, "call_self", &())
            .unwrap::<String>(),
        "Reentrancy"
    );
    let missing = account("nobody");
    assert_eq!(
        chain
            .call(alice, caller, "spin", &(missing, 100_000u64))
            .unwrap::<String>(),
        "NoSuchContract"
    );
    assert_eq!(
        chain
            .call(alice, caller, "wrong_type", &(callee,))
            .unwrap::<String>(),
        "BadReturnData"
    );
    assert_eq!(chain.call(alice, caller, "calls", &()).unwrap::<u32>(), 3);
}

#[test]
fn gas_per_call_is_pinned() {
    let (mut chain, caller, callee) = chain();
    let alice = account("alice");
    let mut report = golden(
        "calls",
        "examples/caller and examples/callee: examples/wasm/caller.wasm, callee.wasm",
    );
    report.record(
        "callee.set directly",
        &chain.call(alice, callee, "set", &(1u64,)),
    );
    report.record(
        "caller.set",
        &chain.call(alice, caller, "set", &(callee, 2u64)),
    );
    report.record(
        "caller.set_and_survive",
        &chain.call(alice, caller, "set_and_survive", &(callee, 3u64)),
    );
    report.record(
        "caller.spin with 100,000 gas",
        &chain.call(alice, caller, "spin", &(callee, 100_000u64)),
    );
    report.record(
        "caller.call_self",
        &chain.call(alice, caller, "call_self", &()),
    );
    report.record(
        "callee.set_and_fail directly (fails)",
        &chain.call(alice, callee, "set_and_fail", &(4u64,)),
    );
    report.check();
    // The spin's callee used all of its 100,000 gas: the caller paid it.
    let spin = report
        .gas("caller.spin with 100,000 gas")
        .expect("recorded");
    assert!(spin > 100_000);
}
