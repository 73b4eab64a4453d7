//! `abort` and `log`: messages in the debug part of the outcome, never in
//! the receipt; truncation, caps and gas.

mod common;

use common::*;
use gasworks_host_api::HostTrap;
use gasworks_host_api::limits::{MAX_LOGS, MAX_MESSAGE_LEN};
use gasworks_vm::trap::TrapKind;

#[test]
fn abort_traps_and_its_message_is_debug_only() {
    let mut chain = Chain::new();
    chain.deploy(addr(1), &script_contract());
    let (receipt, debug) = chain.execute(
        addr(1),
        Script::new()
            .write(b"k", b"v")
            .log(b"about to fail")
            .abort(b"panicked at src/lib.rs:10:5: not enough balance")
            .write(b"never", b"")
            .bytes(),
        GAS,
    );
    assert_trap(&receipt, "abort", HostTrap::Abort.kind());
    assert_eq!(debug.aborts.len(), 1);
    assert_eq!(
        debug.aborts[0].message,
        "panicked at src/lib.rs:10:5: not enough balance"
    );
    assert_eq!(debug.aborts[0].depth, 1);
    assert_eq!(debug.logs.len(), 1);
    assert_eq!(debug.logs[0].message, "about to fail");
    assert_eq!(debug.logs[0].contract, addr(1));
    // The receipt carries the kind only: the same receipt for another
    // message of the same length.
    let (other, _) = chain.execute(
        addr(1),
        Script::new()
            .write(b"k", b"v")
            .log(b"about to FAIL")
            .abort(b"panicked at src/lib.rs:10:5: NOT ENOUGH BALANCE")
            .write(b"never", b"")
            .bytes(),
        GAS,
    );
    assert_eq!(other, receipt);
}

#[test]
fn messages_are_truncated_lossily_and_logs_capped() {
    let mut chain = Chain::new();
    chain.deploy(addr(1), &script_contract());
    chain.deploy(addr(2), &script_contract());
    let long = vec![b'x'; MAX_MESSAGE_LEN as usize + 100];
    let mut script = Script::new().log(&long).log(&[0xff, b'o', b'k']).call(
        addr(2),
        10_000_000,
        &Script::new().log(b"inner").unreachable(),
    );
    for _ in 0..MAX_LOGS + 5 {
        script = script.log(b"spam");
    }
    let (receipt, debug) = chain.execute(addr(1), script.bytes(), GAS);
    assert!(receipt.is_success(), "{receipt:?}");
    assert_eq!(debug.logs[0].message.len(), MAX_MESSAGE_LEN as usize);
    assert_eq!(debug.logs[1].message, "\u{fffd}ok");
    // A failed callee's logs stay (they are for people).
    assert_eq!(debug.logs[2].message, "inner");
    assert_eq!(debug.logs[2].depth, 2);
    assert_eq!(debug.logs[2].contract, addr(2));
    assert_eq!(debug.logs.len(), MAX_LOGS as usize);
    assert_eq!(debug.logs_dropped, 3 + 5);
}

#[test]
fn abort_and_log_gas_is_per_byte_kept() {
    let op = "(call $log (i32.const 0) (i32.load (i32.const 0)))";
    for len in [4u32, 100, MAX_MESSAGE_LEN, MAX_MESSAGE_LEN + 1, 60_000] {
        assert_eq!(
            measure("", op, &words(&[len])),
            price("log", u64::from(len.min(MAX_MESSAGE_LEN)), 0),
            "log of {len} bytes"
        );
    }
    // abort never returns: compare the gas used by two aborts.
    let mut chain = Chain::new();
    chain.deploy(
        addr(1),
        &contract(
            "(drop (call $input (i32.const 0) (i32.const 4)))
             (call $abort (i32.const 0) (i32.load (i32.const 0)))",
        ),
    );
    let gas = |len: u32| {
        let (receipt, _) = chain.execute(addr(1), &words(&[len]), GAS);
        assert_eq!(receipt.trap, Some(HostTrap::Abort.kind()));
        receipt.gas_used
    };
    assert_eq!(gas(500) - gas(4), price("abort", 496, 0) - base("abort"));
    assert_eq!(gas(60_000), gas(MAX_MESSAGE_LEN));
}

#[test]
fn abort_and_log_check_the_whole_range() {
    for name in ["abort", "log"] {
        for (ptr, len) in [(65_000u32, 1000u32), (0, u32::MAX), (u32::MAX, 1)] {
            let mut chain = Chain::new();
            chain.deploy(
                addr(1),
                &contract(&format!(
                    "(call ${name} (i32.const {ptr}) (i32.const {len}))"
                )),
            );
            let (receipt, debug) = chain.execute(addr(1), b"", GAS);
            assert_trap(&receipt, name, TrapKind::MemoryOutOfBounds);
            assert!(debug.aborts.is_empty() && debug.logs.is_empty());
        }
    }
}
