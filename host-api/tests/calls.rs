//! Cross-contract calls: rollback of failed callees (trap, out of gas,
//! abort) at every depth, return data, gas accounting, the depth limit,
//! refused reentrancy, and the native stack under deep recursion.

mod common;

use common::*;
use gasworks_host_api::limits::MAX_CALL_DEPTH;
use gasworks_host_api::{CALL_COST, CALL_TABLE_ELEMENT_GAS, CallStatus, Event, HostTrap};
use gasworks_vm::trap::TrapKind;

fn event(contract: u8, topic: &[u8], data: &[u8]) -> Event {
    Event {
        contract: addr(contract),
        topics: vec![topic.to_vec()],
        data: data.to_vec(),
    }
}

fn chain_with_scripts(addresses: &[u8]) -> Chain {
    let mut chain = Chain::new();
    for n in addresses {
        chain.deploy(addr(*n), &script_contract());
    }
    chain
}

const CALLEE_GAS: u64 = 5_000_000;
const STACK: usize = 2 << 20;

#[test]
fn a_callee_that_succeeds_keeps_its_writes_and_events_and_returns_data() {
    let mut chain = chain_with_scripts(&[1, 2]);
    let inner = Script::new()
        .write(b"b", b"from B")
        .event(&[b"B"], b"b-data")
        .ret(b"pong");
    let (receipt, debug) = chain.run(
        addr(1),
        Script::new()
            .write(b"a", b"from A")
            .event(&[b"A"], b"a-data")
            .call(addr(2), CALLEE_GAS, &inner)
            .last_return()
            .event(&[b"A2"], b"")
            .bytes(),
        GAS,
    );
    let mut expected = vec![0u8; 4];
    expected.extend_from_slice(&4i32.to_le_bytes());
    expected.extend_from_slice(b"pong");
    assert_eq!(receipt.return_data, expected);
    assert_eq!(
        receipt.events,
        [
            event(1, b"A", b"a-data"),
            event(2, b"B", b"b-data"),
            event(1, b"A2", b"")
        ]
    );
    assert_eq!(chain.get(addr(1), b"a"), Some(b"from A".to_vec()));
    assert_eq!(chain.get(addr(2), b"b"), Some(b"from B".to_vec()));
    assert_eq!(debug.calls.len(), 2);
    assert_eq!(debug.calls[0].depth, 2);
    assert_eq!(debug.calls[0].caller, addr(1));
    assert_eq!(debug.calls[0].callee, addr(2));
    assert_eq!(debug.calls[0].gas_limit, CALLEE_GAS);
    assert_eq!(debug.calls[1].caller, ORIGIN);
}

/// Runs A: write, event, call B with `inner` (which writes and emits first),
/// then write and emit again and read back the status and return data.
fn failing_callee(inner_end: Script, expected: CallStatus) {
    let mut chain = chain_with_scripts(&[1, 2]);
    let inner = Script::new()
        .write(b"b", b"from B")
        .event(&[b"B"], b"")
        .ret(b"not yet");
    // `ret` ends a script, so build B's script without it and append the
    // failing end.
    let mut inner = Script(inner.0[..inner.0.len() - (1 + 4 + 7)].to_vec());
    inner.0.extend_from_slice(&inner_end.0);
    let (receipt, _) = chain.run(
        addr(1),
        Script::new()
            .write(b"a", b"1")
            .event(&[b"A"], b"")
            .call(addr(2), CALLEE_GAS, &inner)
            .last_return()
            .write(b"a2", b"2")
            .event(&[b"A2"], b"")
            .bytes(),
        GAS,
    );
    assert_eq!(returned_i32s(&receipt), [expected.code(), 0]);
    assert_eq!(receipt.events, [event(1, b"A", b""), event(1, b"A2", b"")]);
    assert_eq!(chain.get(addr(2), b"b"), None, "B's write rolled back");
    assert_eq!(chain.get(addr(1), b"a"), Some(b"1".to_vec()));
    assert_eq!(chain.get(addr(1), b"a2"), Some(b"2".to_vec()));
    assert_eq!(receipt.changes.len(), 2);
}

#[test]
fn a_callee_that_traps_is_rolled_back_and_the_caller_goes_on() {
    failing_callee(Script::new().unreachable(), CallStatus::Trapped);
}

#[test]
fn a_callee_that_aborts_is_rolled_back_and_its_message_is_debug_only() {
    failing_callee(
        Script::new().abort(b"insufficient funds"),
        CallStatus::Trapped,
    );
    let mut chain = chain_with_scripts(&[1, 2]);
    let (receipt, debug) = chain.run(
        addr(1),
        Script::new()
            .call(
                addr(2),
                CALLEE_GAS,
                &Script::new().abort(b"insufficient funds"),
            )
            .bytes(),
        GAS,
    );
    assert!(receipt.is_success());
    assert_eq!(debug.aborts.len(), 1);
    assert_eq!(debug.aborts[0].message, "insufficient funds");
    assert_eq!(debug.aborts[0].contract, addr(2));
    assert_eq!(debug.aborts[0].depth, 2);
    assert_eq!(
        debug.calls[0].outcome,
        format!("trapped: {}", HostTrap::Abort.kind())
    );
}

#[test]
fn a_callee_that_runs_out_of_gas_is_rolled_back_and_the_caller_goes_on() {
    failing_callee(Script::new().burn(), CallStatus::OutOfGas);
}

#[test]
fn a_callee_that_burns_its_gas_costs_the_caller_exactly_its_limit() {
    let mut chain = chain_with_scripts(&[1, 2]);
    let run = |chain: &mut Chain, limit: u64| {
        let (receipt, debug) = chain.run(
            addr(1),
            Script::new()
                .call(addr(2), limit, &Script::new().burn())
                .write(b"after", b"yes")
                .bytes(),
            GAS,
        );
        assert_eq!(returned_i32s(&receipt), [CallStatus::OutOfGas.code()]);
        assert_eq!(debug.calls[0].gas_used, limit);
        assert_eq!(debug.calls[0].gas_limit, limit);
        receipt.gas_used
    };
    let small = run(&mut chain, 100_000);
    let large = run(&mut chain, 1_100_000);
    // The same script apart from the limit: the difference is the callee's.
    assert_eq!(large - small, 1_000_000);
    assert_eq!(chain.get(addr(1), b"after"), Some(b"yes".to_vec()));
}

#[test]
fn a_callee_given_all_the_gas_leaves_the_caller_out_of_gas() {
    let chain = chain_with_scripts(&[1, 2]);
    let (receipt, _) = chain.execute(
        addr(1),
        Script::new()
            .call(addr(2), u64::MAX, &Script::new().burn())
            .write(b"after", b"no")
            .bytes(),
        GAS,
    );
    assert_eq!(receipt.trap, Some(TrapKind::OutOfGas));
    assert_eq!(receipt.gas_used, GAS);
    assert!(receipt.changes.is_empty());
}

#[test]
fn nested_failures_roll_back_exactly_their_subtree() {
    // A -> B -> C. C fails: B keeps its own writes, A keeps B's.
    let mut chain = chain_with_scripts(&[1, 2, 3]);
    let c = Script::new()
        .write(b"c", b"c")
        .event(&[b"C"], b"")
        .unreachable();
    let b = Script::new()
        .write(b"b", b"b")
        .call(addr(3), CALLEE_GAS, &c)
        .event(&[b"B"], b"")
        .write(b"b2", b"b2");
    let (receipt, _) = chain.run(
        addr(1),
        Script::new().call(addr(2), 2 * CALLEE_GAS, &b).bytes(),
        GAS,
    );
    assert!(receipt.is_success());
    assert_eq!(receipt.events, [event(2, b"B", b"")]);
    assert_eq!(chain.get(addr(3), b"c"), None);
    assert_eq!(chain.get(addr(2), b"b"), Some(b"b".to_vec()));
    assert_eq!(chain.get(addr(2), b"b2"), Some(b"b2".to_vec()));

    // C succeeds, then B fails: C's writes, merged into B, go with B's.
    let mut chain = chain_with_scripts(&[1, 2, 3]);
    let c = Script::new().write(b"c", b"c").event(&[b"C"], b"");
    let b = Script::new()
        .write(b"b", b"b")
        .call(addr(3), CALLEE_GAS, &c)
        .burn();
    let (receipt, _) = chain.run(
        addr(1),
        Script::new()
            .write(b"a", b"a")
            .call(addr(2), 2 * CALLEE_GAS, &b)
            .bytes(),
        GAS,
    );
    assert_eq!(returned_i32s(&receipt), [CallStatus::OutOfGas.code()]);
    assert!(receipt.events.is_empty());
    assert_eq!(chain.get(addr(3), b"c"), None);
    assert_eq!(chain.get(addr(2), b"b"), None);
    assert_eq!(chain.get(addr(1), b"a"), Some(b"a".to_vec()));

    // Everything succeeds, then A traps: nothing is kept.
    let mut chain = chain_with_scripts(&[1, 2, 3]);
    let b =
        Script::new()
            .write(b"b", b"b")
            .call(addr(3), CALLEE_GAS, &Script::new().write(b"c", b"c"));
    let (receipt, _) = chain.run(
        addr(1),
        Script::new()
            .write(b"a", b"a")
            .call(addr(2), 2 * CALLEE_GAS, &b)
            .event(&[b"A"], b"")
            .unreachable()
            .bytes(),
        GAS,
    );
    assert_eq!(receipt.trap, Some(TrapKind::Unreachable));
    assert!(receipt.changes.is_empty() && receipt.events.is_empty());
    assert!(chain.storage.entries().is_empty());
}

#[test]
fn a_callee_sees_its_own_earlier_uncommitted_writes() {
    // A calls B twice in one transaction: the second call reads what the
    // first wrote (kept in A's overlay, not yet committed).
    let mut chain = chain_with_scripts(&[1, 2]);
    let (receipt, _) = chain.run(
        addr(1),
        Script::new()
            .call(addr(2), CALLEE_GAS, &Script::new().write(b"x", b"12345"))
            .call(addr(2), CALLEE_GAS, &Script::new().read(b"x").remove(b"x"))
            .last_return()
            .call(addr(2), CALLEE_GAS, &Script::new().read(b"x"))
            .last_return()
            .bytes(),
        GAS,
    );
    // status, status, [len 4, read 5], status, [len 4, read -1]
    assert_eq!(returned_i32s(&receipt), [0, 0, 4, 5, 0, 4, -1]);
    assert_eq!(chain.get(addr(2), b"x"), None);
}

#[test]
fn return_data_is_empty_after_a_failed_or_refused_call() {
    let chain = chain_with_scripts(&[1, 2, 3]);
    let (receipt, _) = chain.execute(
        addr(1),
        Script::new()
            .call(addr(2), CALLEE_GAS, &Script::new().ret(b"pong"))
            .last_return()
            .call(addr(3), CALLEE_GAS, &Script::new().unreachable())
            .last_return()
            .call(addr(2), CALLEE_GAS, &Script::new().ret(b"pong"))
            .call(addr(99), CALLEE_GAS, &Script::new())
            .last_return()
            .bytes(),
        GAS,
    );
    let mut expected: Vec<u8> = Vec::new();
    for word in [0i32, 4] {
        expected.extend_from_slice(&word.to_le_bytes());
    }
    expected.extend_from_slice(b"pong");
    for word in [
        CallStatus::Trapped.code(),
        0,
        0,
        CallStatus::NoSuchContract.code(),
        0,
    ] {
        expected.extend_from_slice(&word.to_le_bytes());
    }
    assert_eq!(receipt.return_data, expected);
}

#[test]
fn reentrancy_is_refused() {
    let chain = chain_with_scripts(&[1, 2, 3]);
    // A -> A.
    let (receipt, debug) = chain.execute(
        addr(1),
        Script::new()
            .call(addr(1), CALLEE_GAS, &Script::new())
            .bytes(),
        GAS,
    );
    assert_eq!(returned_i32s(&receipt), [CallStatus::Reentrancy.code()]);
    assert_eq!(debug.calls[0].outcome, "reentrancy");
    // A -> B -> C -> A and C -> B are refused; C -> D... is not.
    let c = Script::new()
        .call(addr(1), CALLEE_GAS, &Script::new().write(b"bad", b""))
        .call(addr(2), CALLEE_GAS, &Script::new().write(b"bad", b""));
    let b = Script::new()
        .call(addr(3), 2 * CALLEE_GAS, &c)
        .last_return();
    let (receipt, _) = chain.execute(
        addr(1),
        Script::new()
            .call(addr(2), 3 * CALLEE_GAS, &b)
            .last_return()
            .bytes(),
        GAS,
    );
    // A's log: status of B, then B's return data: status of C, C's return
    // data (two refusals).
    let r = CallStatus::Reentrancy.code();
    assert_eq!(returned_i32s(&receipt), [0, 16, 0, 8, r, r]);
    assert!(receipt.changes.is_empty());
    // After B returned, A may call B again (it is no longer on the stack).
    let (receipt, _) = chain.execute(
        addr(1),
        Script::new()
            .call(addr(2), CALLEE_GAS, &Script::new())
            .call(addr(2), CALLEE_GAS, &Script::new())
            .bytes(),
        GAS,
    );
    assert_eq!(returned_i32s(&receipt), [0, 0]);
}

/// A script for contract `level` that writes its level, calls `level + 1`
/// (up to `last`), then writes "after".
fn recursion(level: u8, last: u8) -> Script {
    let script = Script::new().write(b"level", &[level]);
    let script = if level < last {
        script.call(addr(level + 1), u64::MAX, &recursion(level + 1, last))
    } else {
        script
    };
    script.write(b"after", &[level])
}

fn run_recursion(
    levels: u8,
) -> (
    gasworks_host_api::Receipt,
    gasworks_host_api::DebugInfo,
    Chain,
) {
    let addresses: Vec<u8> = (1..=levels).collect();
    let mut chain = chain_with_scripts(&addresses);
    let (receipt, debug) = chain.run(addr(1), recursion(1, levels).bytes(), GAS);
    (receipt, debug, chain)
}

#[test]
fn recursion_through_calls_stops_at_the_depth_limit() {
    let depth = MAX_CALL_DEPTH as u8;
    let (receipt, debug, chain) = run_recursion(depth + 4);
    assert!(receipt.is_success(), "{receipt:?}");
    for level in 1..=depth + 4 {
        let expected = (level <= depth).then(|| vec![level]);
        assert_eq!(chain.get(addr(level), b"level"), expected, "level {level}");
        // Every level that ran went on after its call.
        assert_eq!(chain.get(addr(level), b"after"), expected, "level {level}");
    }
    let refused: Vec<_> = debug
        .calls
        .iter()
        .filter(|c| c.outcome == "depth_limit")
        .collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].depth, MAX_CALL_DEPTH + 1);
    assert_eq!(refused[0].caller, addr(depth));
    assert_eq!(refused[0].callee, addr(depth + 1));
    // Exactly at the limit, nothing is refused.
    let (receipt, debug, _) = run_recursion(depth);
    assert!(receipt.is_success());
    assert!(debug.calls.iter().all(|c| c.outcome == "success"));
    assert_eq!(debug.calls.len(), usize::from(depth));
}

#[test]
fn recursion_past_the_limit_fits_a_two_mebibyte_native_stack() {
    // The executor does not recurse natively per wasm call; each contract
    // level costs one host frame and one engine entry. With the depth limit
    // this fits a modest thread stack.
    let depth = MAX_CALL_DEPTH as u8;
    let handle = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            let (receipt, debug, _) = run_recursion(depth + 8);
            (receipt.is_success(), debug.calls.len())
        })
        .expect("thread starts");
    let (success, calls) = handle.join().expect("no stack overflow");
    assert!(success);
    // 16 entries, one refusal.
    assert_eq!(calls, usize::from(depth) + 1);
}

#[test]
fn calls_to_missing_contracts_are_refused() {
    let chain = chain_with_scripts(&[1]);
    let (receipt, _) = chain.execute(
        addr(1),
        Script::new()
            .call(addr(9), CALLEE_GAS, &Script::new())
            .bytes(),
        GAS,
    );
    assert_eq!(returned_i32s(&receipt), [CallStatus::NoSuchContract.code()]);
    // A transaction to a missing contract fails with its own host trap.
    let (receipt, _) = chain.execute(addr(9), b"", GAS);
    assert_eq!(receipt.trap, Some(HostTrap::NoSuchContract.kind()));
    assert_eq!(receipt.gas_used, CALL_COST.base);
}

#[test]
fn call_gas_follows_the_manifest() {
    // A call to a contract that burns exactly its limit costs the caller
    // base + input bytes + the callee's pages + the limit.
    let mut chain = Chain::new();
    chain.deploy(
        addr(2),
        &format!(
            "(module {} (memory 3) (func (export \"execute\") (loop $l (br $l))))",
            imports()
        ),
    );
    chain.deploy(
        addr(1),
        &measuring_contract(
            "(i64.store (i32.const 1000) (i64.const 0x0202020202020202))
             (i64.store (i32.const 1008) (i64.const 0x0202020202020202))
             (i64.store (i32.const 1016) (i64.const 0x0202020202020202))
             (i64.store (i32.const 1024) (i64.const 0x0202020202020202))",
            "(drop (call $call (i32.const 1000) (i32.const 2000) (i32.load (i32.const 0)) (i64.load (i32.const 4))))",
        ),
    );
    let measure = |input_len: u32, limit: u64| {
        let mut input = words(&[input_len]);
        input.extend_from_slice(&limit.to_le_bytes());
        let (receipt, _) = chain.execute(addr(1), &input, GAS);
        returned_u64(&receipt) - base("gas_left")
    };
    for (input_len, limit) in [(0u32, 0u64), (0, 1_000), (100, 1_000), (5_000, 123_456)] {
        assert_eq!(
            measure(input_len, limit),
            CALL_COST.total(u64::from(input_len), 3) + limit,
            "input {input_len}, limit {limit}"
        );
    }
}

#[test]
fn the_transaction_entry_is_charged_like_a_call() {
    let mut chain = Chain::new();
    chain.deploy(
        addr(3),
        "(module (memory 1) (table 10000 funcref) (table 2500 externref) \
           (func (export \"execute\") (nop)))",
    );
    for (n, pages) in [(1u8, 1u32), (2, 4)] {
        chain.deploy(
            addr(n),
            &format!("(module (memory {pages}) (func (export \"execute\") (nop)))"),
        );
    }
    let gas = |n: u8, input: &[u8]| chain.execute(addr(n), input, GAS).0.gas_used;
    assert_eq!(gas(1, &[0; 100]) - gas(1, &[]), CALL_COST.bytes_cost(100));
    assert_eq!(gas(2, &[]) - gas(1, &[]), CALL_COST.items_cost(3));
    // Tables are allocated by instantiation too: charged per initial
    // element, all tables together.
    assert_eq!(gas(3, &[]) - gas(1, &[]), 12_500 * CALL_TABLE_ELEMENT_GAS);
    // Not enough gas for the entry charge: out of gas, all of it used.
    let (receipt, _) = chain.execute(addr(1), &[], CALL_COST.base - 1);
    assert_eq!(receipt.trap, Some(TrapKind::OutOfGas));
    assert_eq!(receipt.gas_used, CALL_COST.base - 1);
    // An input over the limit is refused at the entry.
    let (receipt, _) = chain.execute(addr(1), &vec![0; 64 * 1024 + 1], GAS);
    assert_eq!(receipt.trap, Some(HostTrap::InputTooLarge.kind()));
}
