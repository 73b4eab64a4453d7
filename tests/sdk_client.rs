//! The typed reference `#[contract]` generates (issue 11, point 2), as a
//! test client and for cross-contract calls, and typed events (point 3).
//!
//! `tests/contracts/typed` (a registry) is built to wasm and also compiled
//! here natively, as the module `typed`: its `RegistryRef` is generated from
//! the same methods the wasm dispatches, so a test that calls a method with
//! the wrong argument or result type does not compile. `typed_caller` calls
//! the registry through `RegistryRef` from wasm (it depends on the
//! registry's crate with its `library` feature).

mod sdk_workspace;

#[allow(dead_code)]
#[path = "contracts/typed/src/lib.rs"]
mod typed;

use gasworks_sdk::borsh;
use gasworks_sdk::call::Call;
use gasworks_sdk_testing::{ABORT_TRAP, Address, ResultError, TestChain, account};
use typed::{Registered, RegistryRef};

const WORKSPACE: &str = "typed-contracts";
const MEMBERS: &[&str] = &["typed", "typed_caller"];

fn registry_wasm() -> Vec<u8> {
    sdk_workspace::contract_wasm(WORKSPACE, MEMBERS, "typed", "typed")
}

fn caller_wasm() -> Vec<u8> {
    sdk_workspace::contract_wasm(WORKSPACE, MEMBERS, "typed_caller", "typed_caller")
}

fn chain() -> (TestChain, RegistryRef) {
    let mut chain = TestChain::new();
    let registry = RegistryRef::new(chain.deploy(&registry_wasm()));
    (chain, registry)
}

#[test]
fn the_typed_client_calls_methods_with_their_types() {
    let (mut chain, registry) = chain();
    let (alice, bob) = (account("alice"), account("bob"));

    // `register` returns `Res<u32>` (an alias of `Result`): the client's
    // result is the `u32`.
    let first = chain.invoke(alice, registry.register("alice".to_string()));
    let count: u32 = first.unwrap();
    assert_eq!(count, 1);
    // Typed events, and the emitting contract compared with an `Address`.
    assert_eq!(
        first.events::<Registered>(),
        [Registered {
            who: alice,
            name: "alice".into()
        }]
    );
    assert_eq!(first.raw_events()[0].contract, registry.address());
    assert_eq!(first.events_from::<Registered>(registry.address()).len(), 1);

    assert_eq!(
        chain
            .invoke(bob, registry.register("bob".to_string()))
            .unwrap(),
        2
    );
    assert_eq!(
        chain.invoke(bob, registry.name_of(alice)).unwrap(),
        Some("alice".to_string())
    );
    assert_eq!(
        chain
            .invoke(bob, registry.name_of(account("carol")))
            .unwrap(),
        None
    );
    // A contract's own borsh type (derived through the SDK's re-export).
    assert_eq!(
        chain.invoke(bob, registry.entry(alice)).unwrap(),
        Some(typed::Entry {
            who: alice,
            name: "alice".into()
        })
    );
    let mut expected = vec![(alice, "alice".to_string()), (bob, "bob".to_string())];
    expected.sort();
    assert_eq!(
        chain.invoke(bob, registry.names(None, 10)).unwrap(),
        expected
    );
    assert_eq!(
        chain
            .invoke(bob, registry.names(Some(expected[0].0), 10))
            .unwrap(),
        expected[1..]
    );
    // A method returning `()`.
    chain.invoke(bob, registry.touch(42)).unwrap();
    assert_eq!(chain.invoke(bob, registry.touched()).unwrap(), 42);
    // The typed outcome is an outcome: gas, simulation.
    let simulated = chain.simulate_invoke(bob, registry.count());
    assert!(simulated.gas_used() > 0);
    assert_eq!(simulated.unwrap(), 2);
}

#[test]
fn an_err_through_the_client_is_a_failure_and_rolls_back() {
    let (mut chain, registry) = chain();
    let alice = account("alice");
    chain
        .invoke(alice, registry.register("alice".to_string()))
        .unwrap();
    let again = chain.invoke(alice, registry.register("again".to_string()));
    let failure = match again.result() {
        Err(ResultError::Failed(failure)) => failure,
        other => panic!("expected a failure, got {other:?}"),
    };
    assert_eq!(failure.trap, ABORT_TRAP);
    assert_eq!(
        failure.message(),
        Some("method `register` returned Err(Registered)")
    );
    // The count written before the `Err` was rolled back.
    assert_eq!(chain.invoke(alice, registry.count()).unwrap(), 1);
    assert!(again.events::<Registered>().is_empty());
}

#[test]
fn a_gas_limit_per_call() {
    let (mut chain, registry) = chain();
    let alice = account("alice");
    let full = chain.simulate_invoke(alice, registry.count());
    let gas = full.gas_used();
    let exact = chain.invoke(alice, registry.count().with_gas_limit(gas));
    assert_eq!(exact.unwrap(), 0);
    let short = chain.invoke(alice, registry.count().with_gas_limit(gas - 1));
    assert_eq!(
        short.unwrap_failure().trap,
        gasworks_sdk_testing::TrapKind::OutOfGas
    );
    // And for an untyped call.
    let short = chain.call_with_gas_limit(alice, registry.address(), "count", &(), gas - 1);
    assert_eq!(
        short.unwrap_failure().trap,
        gasworks_sdk_testing::TrapKind::OutOfGas
    );
}

#[test]
fn result_of_the_wrong_type_is_an_error_not_a_panic() {
    let (mut chain, registry) = chain();
    let outcome = chain.call(account("alice"), registry.address(), "count", &());
    // A `u32` asked for as a `u64`: four bytes are missing.
    match outcome.result::<u64>() {
        Err(ResultError::BadReturnData {
            label,
            expected,
            return_data,
            ..
        }) => {
            assert_eq!(label, "count");
            assert_eq!(expected, "u64");
            assert_eq!(return_data, 0u32.to_le_bytes());
        }
        other => panic!("expected BadReturnData, got {other:?}"),
    }
    assert_eq!(outcome.result::<u32>(), Ok(0));
    let message = outcome.result::<u64>().expect_err("wrong type").to_string();
    assert!(message.contains("is not one `u64`"), "{message}");
}

#[test]
fn decode_errors_name_the_method_the_argument_and_its_type() {
    let (mut chain, registry) = chain();
    let alice = account("alice");
    // `touch(value: u64)` given a u32: too short.
    let short = chain.call(alice, registry.address(), "touch", &(7u32,));
    let message = short.unwrap_failure().message.unwrap_or_default();
    assert!(
        message.starts_with("method `touch`: argument `value` does not decode as `u64`"),
        "{message}"
    );
    // Given a u64 and a bool: a byte left.
    let long = chain.call(alice, registry.address(), "touch", &(7u64, true));
    let message = long.unwrap_failure().message.unwrap_or_default();
    assert_eq!(
        message,
        "method `touch(value: u64)`: 1 bytes of input after the arguments"
    );
    let names = chain.call(alice, registry.address(), "names", &(true,));
    let message = names.unwrap_failure().message.unwrap_or_default();
    assert!(
        message
            .starts_with("method `names`: argument `start` does not decode as `Option<Address>`"),
        "{message}"
    );
}

#[test]
fn a_contract_calls_another_through_its_typed_reference() {
    let (mut chain, registry) = chain();
    let caller = chain.deploy(&caller_wasm());
    let alice = account("alice");
    assert_eq!(
        chain
            .call(
                alice,
                caller,
                "register_in",
                &(registry.address(), "caller".to_string())
            )
            .unwrap::<u32>(),
        1
    );
    // The registry saw the calling contract as its caller.
    assert_eq!(
        chain.invoke(alice, registry.name_of(caller)).unwrap(),
        Some("caller".to_string())
    );
    assert_eq!(
        chain
            .call(alice, caller, "lookup", &(registry.address(),))
            .unwrap::<(Option<String>, u32)>(),
        (Some("caller".to_string()), 1)
    );
    // A second registration: the registry's `Err` reaches the caller as a
    // failed call (0), the registry's count write is rolled back, the
    // caller's call succeeds.
    let again = chain.call(
        alice,
        caller,
        "register_in",
        &(registry.address(), "x".to_string()),
    );
    assert_eq!(again.unwrap::<u32>(), 0);
    assert_eq!(chain.invoke(alice, registry.count()).unwrap(), 1);
}

#[test]
fn a_result_that_does_not_decode_fails_the_caller_and_rolls_back_the_callee() {
    let (mut chain, registry) = chain();
    let caller = chain.deploy(&caller_wasm());
    let alice = account("alice");
    let outcome = chain.call(alice, caller, "mismatched", &(registry.address(),));
    let failure = outcome.unwrap_failure();
    assert_eq!(failure.trap, ABORT_TRAP);
    let message = failure.message.unwrap_or_default();
    assert!(
        message.starts_with(&format!(
            "call of `label` of {}: the result does not decode as `u64`",
            registry.address()
        )),
        "{message}"
    );
    // The callee's writes (`touch`'s, then `label`'s) went with the failure.
    assert_eq!(chain.invoke(alice, registry.touched()).unwrap(), 0);
    assert!(outcome.receipt.changes.is_empty());
}

#[test]
fn a_call_is_the_method_name_and_the_arguments() {
    let registry = RegistryRef::new(Address([9; 32]));
    let call: Call<u32> = registry.register("x".to_string());
    assert_eq!(call.contract(), Address([9; 32]));
    assert_eq!(call.method(), "register");
    assert_eq!(
        call.input(),
        gasworks_sdk::call::encode_input("register", &("x".to_string(),))
    );
    assert_eq!(call.gas_limit(), None);
    assert_eq!(call.with_gas_limit(5).gas_limit(), Some(5));
    let names: Call<Vec<(Address, String)>> = registry.names(None, 3);
    assert_eq!(
        names.input(),
        gasworks_sdk::call::encode_input("names", &(None::<Address>, 3u32))
    );
}

/// Structs named like the registry's event, with another shape.
mod misread {
    use gasworks_sdk::{Address, Event};

    #[derive(Event, Debug)]
    #[event(name = "Registered")]
    pub struct NameAsNumber {
        #[topic]
        pub who: Address,
        pub name: u64,
    }

    #[derive(Event, Debug)]
    #[event(name = "Registered")]
    pub struct NoTopic {
        pub name: String,
    }
}

#[test]
fn an_event_read_as_the_wrong_type_says_what_does_not_match() {
    use gasworks_sdk::events::EventProblem;

    let (mut chain, registry) = chain();
    let outcome = chain.invoke(account("alice"), registry.register("alice".to_string()));
    // The data is a borsh string (4 + 5 bytes): as a u64, one byte is left.
    let error = outcome
        .try_events::<misread::NameAsNumber>()
        .expect_err("the data is a string");
    assert_eq!(error.problem, EventProblem::TrailingData { bytes: 1 });
    assert_eq!(
        error.to_string(),
        "event `Registered`: 1 bytes of data after the last field"
    );
    let error = outcome
        .try_events::<misread::NoTopic>()
        .expect_err("the event has a topic");
    assert_eq!(
        error.problem,
        EventProblem::TopicCount {
            expected: 1,
            found: 2
        }
    );
    // A type of another name matches no event.
    assert!(outcome.events::<typed::Registered>().len() == 1);
    let caught = std::panic::catch_unwind(|| outcome.events::<misread::NoTopic>());
    assert!(
        caught.is_err(),
        "events() panics on an event that does not decode"
    );
}

#[test]
fn derived_events_read_back_what_they_write() {
    use gasworks_sdk::events::Event;

    #[derive(gasworks_sdk::Event, Debug, PartialEq)]
    struct Pair(#[topic] Address, u32, #[topic] bool, String);

    #[derive(gasworks_sdk::Event, Debug, PartialEq)]
    struct Ping;

    fn round_trip<E: Event>(event: &E) -> E {
        let mut topics = vec![E::NAME.as_bytes().to_vec()];
        event.topics(&mut topics);
        E::decode(&topics, &event.data()).expect("decodes")
    }
    let pair = Pair(Address([3; 32]), 7, true, "x".into());
    assert_eq!(round_trip(&pair), pair);
    assert_eq!(round_trip(&Ping), Ping);
    // Fields are read in declaration order: the data field `1` comes
    // before the topic field `2`.
    let data = borsh::to_vec(&(7u32, "x".to_string())).expect("encodes");
    let error = Pair::decode(&[b"Pair".to_vec(), vec![1; 32], vec![2]], &data).expect_err("bad");
    assert_eq!(
        error.to_string(),
        "event `Pair`: the topic of `2` is not the borsh of a `bool`"
    );
}

/// A contract whose methods are named like the reference's helpers.
#[allow(dead_code)]
mod named_like_helpers {
    use gasworks_sdk::contract;

    pub struct Named;

    #[contract]
    impl Named {
        #[allow(clippy::new_ret_no_self)]
        pub fn new(value: u32) -> u32 {
            value
        }

        pub fn address() -> u8 {
            0
        }
    }
}

#[test]
fn methods_named_new_or_address_take_precedence_over_the_helpers() {
    use named_like_helpers::NamedRef;

    let named = NamedRef(Address([1; 32]));
    let new: Call<u32> = named.new(5);
    assert_eq!(new.method(), "new");
    let address: Call<u8> = named.address();
    assert_eq!(address.method(), "address");
    assert_eq!(NamedRef::from(Address([1; 32])).0, Address([1; 32]));
}
