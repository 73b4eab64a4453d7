//! `emit_event`: order, contents, limits, malformed topics and gas.

mod common;

use common::*;
use gasworks_host_api::limits::{MAX_EVENT_DATA_LEN, MAX_EVENTS, MAX_TOPIC_LEN, MAX_TOPICS};
use gasworks_host_api::{Event, HostTrap};
use gasworks_vm::trap::TrapKind;

#[test]
fn events_are_kept_in_order_with_their_contract() {
    let mut chain = Chain::new();
    chain.deploy(addr(1), &script_contract());
    chain.deploy(addr(2), &script_contract());
    let long_topic = [7u8; MAX_TOPIC_LEN as usize];
    let topics: Vec<&[u8]> = vec![b"transfer", &long_topic, b"", b"x"];
    let data = vec![9u8; MAX_EVENT_DATA_LEN as usize];
    let (receipt, _) = chain.execute(
        addr(1),
        Script::new()
            .event(&[], b"")
            .event(&topics, &data)
            .call(addr(2), 10_000_000, &Script::new().event(&[b"inner"], b"i"))
            .event(&[b"last"], b"l")
            .bytes(),
        GAS,
    );
    assert!(receipt.is_success(), "{receipt:?}");
    assert_eq!(
        receipt.events,
        [
            Event {
                contract: addr(1),
                topics: vec![],
                data: vec![]
            },
            Event {
                contract: addr(1),
                topics: topics.iter().map(|t| t.to_vec()).collect(),
                data
            },
            Event {
                contract: addr(2),
                topics: vec![b"inner".to_vec()],
                data: b"i".to_vec()
            },
            Event {
                contract: addr(1),
                topics: vec![b"last".to_vec()],
                data: b"l".to_vec()
            },
        ]
    );
}

/// A contract emitting one event with the raw topics and data bytes from
/// its input: `topics_len, topics, data_len, data`.
fn emit_raw(topics: &[u8], data_len: u32) -> gasworks_host_api::Receipt {
    let mut input = (topics.len() as u32).to_le_bytes().to_vec();
    input.extend_from_slice(topics);
    input.extend_from_slice(&data_len.to_le_bytes());
    let mut chain = Chain::new();
    chain.deploy(
        addr(1),
        &contract(
            "(drop (call $input (i32.const 0) (i32.const 4096)))
             (call $emit_event (i32.const 4) (i32.load (i32.const 0))
               (i32.const 8192) (i32.load (i32.add (i32.const 4) (i32.load (i32.const 0)))))",
        ),
    );
    chain.execute(addr(1), &input, GAS).0
}

#[test]
fn bad_events_trap_with_their_kind() {
    let ok = emit_raw(&topics(&[b"a"]), 10);
    assert!(ok.is_success(), "{ok:?}");
    let five: Vec<&[u8]> = vec![b"a"; MAX_TOPICS as usize + 1];
    let cases: Vec<(Vec<u8>, u32, HostTrap)> = vec![
        (topics(&five), 0, HostTrap::TooManyTopics),
        (
            topics(&[&[0; MAX_TOPIC_LEN as usize + 1]]),
            0,
            HostTrap::TopicTooLarge,
        ),
        (
            topics(&[b"a"]),
            MAX_EVENT_DATA_LEN + 1,
            HostTrap::EventDataTooLarge,
        ),
        (vec![], 0, HostTrap::MalformedTopics),
        (vec![1, 0, 0], 0, HostTrap::MalformedTopics),
        (
            [topics(&[b"a"]), vec![0]].concat(),
            0,
            HostTrap::MalformedTopics,
        ),
        (
            vec![1, 0, 0, 0, 5, 0, 0, 0, b'a'],
            0,
            HostTrap::MalformedTopics,
        ),
        // Longer than any well-formed list.
        (vec![0; 300], 0, HostTrap::MalformedTopics),
    ];
    for (topic_bytes, data_len, expected) in cases {
        let receipt = emit_raw(&topic_bytes, data_len);
        assert_trap(&receipt, "emit_event", expected.kind());
    }
}

#[test]
fn the_event_count_is_bounded_per_transaction_and_rolled_back_events_do_not_count() {
    let mut chain = Chain::new();
    chain.deploy(addr(1), &script_contract());
    chain.deploy(addr(2), &script_contract());
    let mut full = Script::new();
    for _ in 0..MAX_EVENTS {
        full = full.event(&[], b"");
    }
    let (receipt, _) = chain.execute(addr(1), full.bytes(), GAS);
    assert_eq!(receipt.events.len(), MAX_EVENTS as usize);
    let (receipt, _) = chain.execute(addr(1), full.clone().event(&[], b"").bytes(), GAS);
    assert_trap(&receipt, "emit_event", HostTrap::TooManyEvents.kind());

    // A failed callee's events are gone, so the caller can emit the full
    // count afterwards.
    let mut half = Script::new();
    for _ in 0..MAX_EVENTS / 2 {
        half = half.event(&[], b"");
    }
    let failing = Script(half.0.clone()).unreachable();
    let (receipt, _) = chain.execute(
        addr(1),
        Script::new()
            .call(addr(2), 10_000_000, &failing)
            .bytes()
            .iter()
            .chain(full.bytes())
            .copied()
            .collect::<Vec<u8>>()
            .as_slice(),
        GAS,
    );
    assert!(receipt.is_success(), "{receipt:?}");
    assert_eq!(receipt.events.len(), MAX_EVENTS as usize);
}

#[test]
fn event_gas_follows_the_manifest() {
    let op = "(call $emit_event (i32.const 1000) (i32.load (i32.const 0)) (i32.const 2000) (i32.load (i32.const 4)))";
    // Topic lists written at 1000: zero topics (4 bytes), or 4 topics of 64.
    let setup = "(if (i32.eq (i32.load (i32.const 0)) (i32.const 276)) (then
        (i32.store (i32.const 1000) (i32.const 4))
        (i32.store (i32.const 1004) (i32.const 64))
        (i32.store (i32.const 1072) (i32.const 64))
        (i32.store (i32.const 1140) (i32.const 64))
        (i32.store (i32.const 1208) (i32.const 64))))";
    for (topics_len, data_len) in [(4u32, 0u32), (4, 1), (4, 4096), (276, 0), (276, 4096)] {
        assert_eq!(
            measure(setup, op, &words(&[topics_len, data_len])),
            price("emit_event", u64::from(topics_len + data_len), 0),
            "topics {topics_len}, data {data_len}"
        );
    }
}

#[test]
fn out_of_gas_inside_a_host_function_consumes_everything() {
    // Enough for the base but not for the bytes.
    let mut chain = Chain::new();
    chain.deploy(
        addr(1),
        &contract("(call $emit_event (i32.const 0) (i32.const 4) (i32.const 0) (i32.const 4096))"),
    );
    let (ok, _) = chain.execute(addr(1), b"", GAS);
    assert!(ok.is_success());
    let (receipt, _) = chain.execute(addr(1), b"", ok.gas_used - 1);
    assert_eq!(receipt.trap, Some(TrapKind::OutOfGas));
    assert_eq!(receipt.gas_used, ok.gas_used - 1);
}
