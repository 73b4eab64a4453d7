//! Context host functions: caller, origin, address, block data, input, gas
//! left, return data; their bad inputs and gas.

mod common;

use common::*;
use gasworks_host_api::limits::MAX_RETURN_DATA_LEN;
use gasworks_host_api::{CALL_COST, HostTrap};
use gasworks_vm::trap::TrapKind;

/// Reports the context as return data: caller, origin, address (32 bytes
/// each), height, time, chain id (8 bytes each), then the input's length
/// (4 bytes) and the input.
fn reporter() -> String {
    contract(
        "(call $caller (i32.const 0))
         (call $origin (i32.const 32))
         (call $address (i32.const 64))
         (i64.store (i32.const 96) (call $block_height))
         (i64.store (i32.const 104) (call $block_time))
         (i64.store (i32.const 112) (call $chain_id))
         (i32.store (i32.const 120) (call $input (i32.const 124) (i32.const 1000)))
         (call $set_return_data (i32.const 0) (i32.add (i32.const 124) (i32.load (i32.const 120))))",
    )
}

fn expected_report(caller: u8, contract: u8, input: &[u8], chain: &Chain) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&addr(caller).0);
    out.extend_from_slice(&ORIGIN.0);
    out.extend_from_slice(&addr(contract).0);
    out.extend_from_slice(&chain.block.height.to_le_bytes());
    out.extend_from_slice(&chain.block.time.to_le_bytes());
    out.extend_from_slice(&chain.block.chain_id.to_le_bytes());
    out.extend_from_slice(&(input.len() as u32).to_le_bytes());
    out.extend_from_slice(input);
    out
}

#[test]
fn context_reports_caller_origin_address_block_and_input() {
    let mut chain = Chain::new();
    chain.deploy(addr(5), &reporter());
    chain.deploy(addr(1), &script_contract());
    // Called by the transaction: the caller is the origin.
    let (receipt, _) = chain.execute(addr(5), b"hello", GAS);
    let mut direct = expected_report(0, 5, b"hello", &chain);
    direct[..32].copy_from_slice(&ORIGIN.0);
    assert_eq!(receipt.return_data, direct);
    // Called by contract 1: the caller is contract 1, the origin unchanged,
    // and the return data flows back.
    let mut callee_input = Script::new();
    callee_input.0 = b"inner input".to_vec();
    let (receipt, _) = chain.execute(
        addr(1),
        Script::new()
            .call(addr(5), 10_000_000, &callee_input)
            .last_return()
            .bytes(),
        GAS,
    );
    let report = expected_report(1, 5, b"inner input", &chain);
    let mut expected = 0i32.to_le_bytes().to_vec();
    expected.extend_from_slice(&(report.len() as u32).to_le_bytes());
    expected.extend_from_slice(&report);
    assert_eq!(receipt.return_data, expected);
    // Another block, other values.
    chain.block.height = 8;
    chain.block.time += 6;
    chain.block.chain_id = 7;
    let (receipt, _) = chain.execute(addr(5), b"", GAS);
    let mut direct = expected_report(0, 5, b"", &chain);
    direct[..32].copy_from_slice(&ORIGIN.0);
    assert_eq!(receipt.return_data, direct);
}

#[test]
fn input_and_return_data_copy_at_most_the_capacity() {
    let mut chain = Chain::new();
    chain.deploy(
        addr(1),
        &contract(
            "(i32.store (i32.const 0) (call $input (i32.const 8) (i32.const 3)))
             (i32.store (i32.const 4) (call $input (i32.const 100) (i32.const 0)))
             (call $set_return_data (i32.const 0) (i32.const 16))",
        ),
    );
    let (receipt, _) = chain.execute(addr(1), b"abcdef", GAS);
    let mut expected = 6u32.to_le_bytes().to_vec();
    expected.extend_from_slice(&6u32.to_le_bytes());
    expected.extend_from_slice(b"abc\0\0\0\0\0");
    assert_eq!(receipt.return_data, expected);
}

#[test]
fn set_return_data_replaces_and_is_dropped_on_failure() {
    let mut chain = Chain::new();
    chain.deploy(
        addr(1),
        &module(
            r#"(func (export "execute")
                 (call $set_return_data (i32.const 0) (i32.const 5))
                 (call $set_return_data (i32.const 5) (i32.const 2))
                 (if (call $input (i32.const 0) (i32.const 0)) (then unreachable)))
               (data (i32.const 0) "firstxy")"#,
        ),
    );
    let (receipt, _) = chain.execute(addr(1), b"", GAS);
    assert_eq!(receipt.return_data, b"xy");
    let (receipt, _) = chain.execute(addr(1), b"fail", GAS);
    assert_eq!(receipt.trap, Some(TrapKind::Unreachable));
    assert!(receipt.return_data.is_empty());
}

#[test]
fn gas_left_reports_the_gas_after_its_own_charge() {
    let mut chain = Chain::new();
    // The two calls sit in one metered block: the difference is exactly
    // one gas_left charge.
    chain.deploy(
        addr(1),
        &contract(
            "(i64.store (i32.const 0) (call $gas_left))
             (i64.store (i32.const 8) (call $gas_left))
             (call $set_return_data (i32.const 0) (i32.const 16))",
        ),
    );
    let (receipt, _) = chain.execute(addr(1), b"", GAS);
    let first = u64::from_le_bytes(receipt.return_data[..8].try_into().expect("8"));
    let second = u64::from_le_bytes(receipt.return_data[8..].try_into().expect("8"));
    assert_eq!(first - second, base("gas_left"));
    // Everything before the first report is the entry and the block charge.
    assert!(first < GAS - CALL_COST.base);
    let (again, _) = chain.execute(addr(1), b"", GAS + 1000);
    let first_again = u64::from_le_bytes(again.return_data[..8].try_into().expect("8"));
    assert_eq!(first_again, first + 1000);
}

#[test]
fn bad_context_arguments_trap() {
    let oob = TrapKind::MemoryOutOfBounds;
    let page = 65_536;
    let cases: Vec<(&str, String, TrapKind)> = vec![
        (
            "caller",
            format!("(call $caller (i32.const {}))", page - 31),
            oob,
        ),
        (
            "origin",
            format!("(call $origin (i32.const {}))", page),
            oob,
        ),
        ("address", "(call $address (i32.const -1))".into(), oob),
        (
            "input",
            format!(
                "(drop (call $input (i32.const {}) (i32.const 2)))",
                page - 1
            ),
            oob,
        ),
        (
            "return_data",
            "(drop (call $return_data (i32.const 0) (i32.const 65537)))".into(),
            oob,
        ),
        (
            "set_return_data",
            format!("(call $set_return_data (i32.const 1) (i32.const {page}))"),
            oob,
        ),
        (
            "set_return_data",
            format!(
                "(call $set_return_data (i32.const 0) (i32.const {}))",
                MAX_RETURN_DATA_LEN + 1
            ),
            HostTrap::ReturnDataTooLarge.kind(),
        ),
    ];
    for (name, body, expected) in cases {
        let mut chain = Chain::new();
        chain.deploy(addr(1), &contract(&body));
        let (receipt, _) = chain.execute(addr(1), b"", GAS);
        assert_trap(&receipt, name, expected);
    }
    // The boundaries are fine: an address ending at the end of memory, a
    // capacity reaching it, the largest return data.
    for body in [
        format!("(call $caller (i32.const {}))", page - 32),
        format!(
            "(drop (call $input (i32.const {}) (i32.const 1)))",
            page - 1
        ),
        format!("(call $set_return_data (i32.const 0) (i32.const {page}))"),
    ] {
        let mut chain = Chain::new();
        chain.deploy(addr(1), &contract(&body));
        let (receipt, _) = chain.execute(addr(1), b"x", GAS);
        assert!(receipt.is_success(), "{body}: {receipt:?}");
    }
}

#[test]
fn context_gas_follows_the_manifest() {
    for name in ["block_height", "block_time", "chain_id", "gas_left"] {
        assert_eq!(
            measure("", &format!("(drop (call ${name}))"), &[]),
            price(name, 0, 0),
            "{name}"
        );
    }
    for name in ["caller", "origin", "address"] {
        assert_eq!(
            measure("", &format!("(call ${name} (i32.const 100))"), &[]),
            price(name, 0, 0),
            "{name}"
        );
    }
    // input: per byte copied, min(length, capacity). The measuring contract
    // first copies the input to 0; the op copies it again with a capacity
    // read from the input's first word.
    let op = "(drop (call $input (i32.const 8192) (i32.load (i32.const 0))))";
    for (input_len, cap) in [(4u32, 0u32), (4, 4), (100, 50), (100, 100), (100, 1000)] {
        let mut input = words(&[cap]);
        input.resize(input_len as usize, 0);
        assert_eq!(
            measure("", op, &input),
            price("input", u64::from(input_len.min(cap)), 0),
            "input {input_len}, capacity {cap}"
        );
    }
    let op = "(call $set_return_data (i32.const 0) (i32.load (i32.const 0)))";
    for len in [0u32, 1, 1000, MAX_RETURN_DATA_LEN] {
        assert_eq!(
            measure("", op, &words(&[len])),
            price("set_return_data", u64::from(len), 0),
            "set_return_data {len}"
        );
    }
}

#[test]
fn return_data_gas_is_per_byte_copied() {
    let mut chain = Chain::new();
    chain.deploy(addr(2), &script_contract());
    // Call contract 2 (which returns 300 bytes), then measure return_data
    // with the capacity from the input.
    let callee_script = Script::new().ret(&[1; 300]);
    let mut setup_input = Vec::new();
    setup_input.extend_from_slice(&(callee_script.0.len() as u32).to_le_bytes());
    chain.deploy(
        addr(1),
        &measuring_contract(
            "(memory.fill (i32.const 1000) (i32.const 2) (i32.const 32))
             (drop (call $call (i32.const 1000) (i32.const 8) (i32.load (i32.const 4)) (i64.const 10000000)))",
            "(drop (call $return_data (i32.const 9000) (i32.load (i32.const 0))))",
        ),
    );
    for cap in [0u32, 10, 300, 5000] {
        let mut input = words(&[cap, callee_script.0.len() as u32]);
        input.extend_from_slice(&callee_script.0);
        let (receipt, _) = chain.execute(addr(1), &input, GAS);
        assert_eq!(
            returned_u64(&receipt) - base("gas_left"),
            price("return_data", u64::from(cap.min(300)), 0),
            "capacity {cap}"
        );
    }
}
