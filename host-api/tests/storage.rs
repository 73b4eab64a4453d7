//! Storage host functions: read, write, remove, has and scan; namespaces,
//! the change set, bad inputs and the gas formulas of the manifest.

mod common;

use common::*;
use gasworks_host_api::{HostTrap, NOT_FOUND, StorageChange};
use gasworks_vm::trap::TrapKind;

fn full(contract: u8, key: &[u8]) -> Vec<u8> {
    let mut out = addr(contract).0.to_vec();
    out.extend_from_slice(key);
    out
}

#[test]
fn write_read_has_remove_across_calls() {
    let mut chain = Chain::new();
    chain.deploy(addr(1), &script_contract());
    let (receipt, _) = chain.run(
        addr(1),
        Script::new()
            .write(b"key1", b"hello world")
            .read(b"key1")
            .has(b"key1")
            .read(b"key")
            .has(b"key")
            .bytes(),
        GAS,
    );
    assert_eq!(returned_i32s(&receipt), [11, 1, NOT_FOUND, 0]);
    assert_eq!(
        receipt.changes,
        [StorageChange {
            key: full(1, b"key1"),
            value: Some(b"hello world".to_vec())
        }]
    );
    assert_eq!(chain.get(addr(1), b"key1"), Some(b"hello world".to_vec()));

    // The next transaction reads the committed value, removes it, and no
    // longer sees it.
    let (receipt, _) = chain.run(
        addr(1),
        Script::new()
            .read(b"key1")
            .remove(b"key1")
            .read(b"key1")
            .has(b"key1")
            .bytes(),
        GAS,
    );
    assert_eq!(returned_i32s(&receipt), [11, NOT_FOUND, 0]);
    assert_eq!(
        receipt.changes,
        [StorageChange {
            key: full(1, b"key1"),
            value: None
        }]
    );
    assert_eq!(chain.get(addr(1), b"key1"), None);

    // Removing an absent key is recorded as a removal.
    let (receipt, _) = chain.run(addr(1), Script::new().remove(b"nothing").bytes(), GAS);
    assert_eq!(
        receipt.changes,
        [StorageChange {
            key: full(1, b"nothing"),
            value: None
        }]
    );
}

#[test]
fn read_copies_at_most_the_capacity_and_returns_the_full_length() {
    let mut chain = Chain::new();
    chain.deploy(addr(1), &script_contract());
    chain.run(
        addr(1),
        Script::new().write(b"k", b"0123456789").bytes(),
        GAS,
    );
    chain.deploy(
        addr(2),
        &contract(
            r#"(drop (call $input (i32.const 0) (i32.const 100)))
               ;; the same key in contract 1's namespace is invisible here
               (i32.store (i32.const 200) (call $storage_read (i32.const 0) (i32.const 1) (i32.const 300) (i32.const 4)))
               (call $set_return_data (i32.const 200) (i32.const 4))"#,
        ),
    );
    let (receipt, _) = chain.execute(addr(2), b"k", GAS);
    assert_eq!(returned_i32s(&receipt), [NOT_FOUND]);

    chain.deploy(
        addr(3),
        &module(
            r#"(func (export "execute")
                 (drop (call $input (i32.const 0) (i32.const 100)))
                 (call $storage_write (i32.const 0) (i32.const 1) (i32.const 10) (i32.const 10))
                 (i32.store (i32.const 200) (call $storage_read (i32.const 0) (i32.const 1) (i32.const 300) (i32.const 4)))
                 (i32.store (i32.const 204) (call $storage_read (i32.const 0) (i32.const 1) (i32.const 400) (i32.const 0)))
                 (memory.copy (i32.const 208) (i32.const 300) (i32.const 6))
                 (call $set_return_data (i32.const 200) (i32.const 14)))
               (data (i32.const 10) "abcdefghij")"#,
        ),
    );
    let (receipt, _) = chain.execute(addr(3), b"k", GAS);
    assert!(receipt.is_success(), "{receipt:?}");
    assert_eq!(&receipt.return_data[..8], &[10, 0, 0, 0, 10, 0, 0, 0]);
    // Four bytes copied, the rest of the buffer untouched.
    assert_eq!(&receipt.return_data[8..], b"abcd\0\0");
}

#[test]
fn namespaces_separate_contracts_and_changes_are_in_key_order() {
    let mut chain = Chain::new();
    chain.deploy(addr(2), &script_contract());
    chain.deploy(addr(1), &script_contract());
    let inner = Script::new().write(b"b", b"2-b").write(b"a", b"2-a");
    let (receipt, _) = chain.run(
        addr(1),
        Script::new()
            .write(b"c", b"1-c")
            .write(b"a", b"1-a")
            .call(addr(2), GAS / 2, &inner)
            .write(b"b", b"1-b")
            .read(b"a")
            .bytes(),
        GAS,
    );
    assert_eq!(returned_i32s(&receipt), [0, 3]);
    let keys: Vec<Vec<u8>> = receipt.changes.iter().map(|c| c.key.clone()).collect();
    assert_eq!(
        keys,
        [
            full(1, b"a"),
            full(1, b"b"),
            full(1, b"c"),
            full(2, b"a"),
            full(2, b"b")
        ]
    );
    assert_eq!(chain.get(addr(1), b"a"), Some(b"1-a".to_vec()));
    assert_eq!(chain.get(addr(2), b"a"), Some(b"2-a".to_vec()));
}

/// A contract calling `name` once with arguments loaded from its input
/// (8 bytes per argument, little-endian).
fn one_call(name: &str) -> String {
    let entry = gasworks_host_api::host_entry(name).expect("in the manifest");
    let mut call = format!("(call ${name}");
    for (i, ty) in entry.params.iter().enumerate() {
        let load = match ty {
            gasworks_vm::instrument::ValType::I32 => "i32.load",
            gasworks_vm::instrument::ValType::I64 => "i64.load",
        };
        call.push_str(&format!(" ({load} (i32.const {}))", 8 * i));
    }
    call.push(')');
    if entry.results.is_empty() {
        call
    } else {
        format!("(drop {call})")
    }
}

/// Runs `name` once with `args` (the input is copied to address 0).
fn call_with_args(name: &str, args: &[u64]) -> gasworks_host_api::Receipt {
    let mut chain = Chain::new();
    chain.deploy(
        addr(1),
        &contract(&format!(
            "(drop (call $input (i32.const 0) (i32.const 4096))) {}",
            one_call(name)
        )),
    );
    let input: Vec<u8> = args.iter().flat_map(|a| a.to_le_bytes()).collect();
    chain.execute(addr(1), &input, GAS).0
}

#[test]
fn bad_keys_values_and_ranges_trap() {
    let key_length = HostTrap::KeyLength.kind();
    let oob = TrapKind::MemoryOutOfBounds;
    let page = 65_536u64;
    // (function, arguments, expected trap)
    let cases: &[(&str, &[u64], TrapKind)] = &[
        ("storage_read", &[100, 0, 200, 10], key_length),
        ("storage_read", &[100, 257, 200, 10], key_length),
        ("storage_read", &[page - 2, 4, 200, 10], oob),
        ("storage_read", &[100, 4, page - 8, 10], oob),
        ("storage_write", &[100, 0, 200, 10], key_length),
        ("storage_write", &[100, 257, 200, 10], key_length),
        (
            "storage_write",
            &[100, 4, 200, 65_537],
            HostTrap::ValueTooLarge.kind(),
        ),
        ("storage_write", &[page - 2, 4, 200, 10], oob),
        ("storage_write", &[100, 4, page - 8, 10], oob),
        ("storage_remove", &[100, 0], key_length),
        ("storage_remove", &[100, 257], key_length),
        ("storage_remove", &[page, 1], oob),
        ("storage_has", &[100, 0], key_length),
        ("storage_has", &[100, 257], key_length),
        ("storage_has", &[page - 1, 2], oob),
        ("storage_scan", &[100, 257, 0, 0, 10, 200, 100], key_length),
        ("storage_scan", &[100, 1, 0, 257, 10, 200, 100], key_length),
        ("storage_scan", &[page, 1, 0, 0, 10, 200, 100], oob),
        ("storage_scan", &[100, 1, page, 1, 10, 200, 100], oob),
        ("storage_scan", &[100, 1, 0, 0, 10, page - 50, 100], oob),
    ];
    for (name, args, expected) in cases {
        let receipt = call_with_args(name, args);
        assert_trap(&receipt, name, *expected);
        assert!(
            receipt.gas_used >= base(name),
            "{name} charged its base first"
        );
    }
    // The boundaries are accepted: a 256-byte key, a 64 KiB value, a range
    // that ends exactly at the end of memory.
    for (name, args) in [
        ("storage_write", &[0u64, 256, 0, 65_536][..]),
        ("storage_read", &[0, 256, page - 10, 10]),
        ("storage_has", &[page - 1, 1]),
        ("storage_remove", &[0, 1]),
        ("storage_scan", &[0, 256, 0, 256, 10, page - 100, 100]),
    ] {
        let receipt = call_with_args(name, args);
        assert!(receipt.is_success(), "{name} {args:?}: {receipt:?}");
    }
}

#[test]
fn storage_gas_follows_the_manifest() {
    // Lengths come from the input; the key is read at 1000, the value from
    // address 0 (any bytes will do).
    let write = "(call $storage_write (i32.const 1000) (i32.load (i32.const 0)) (i32.const 0) (i32.load (i32.const 4)))";
    for (key_len, value_len) in [(1u32, 0u32), (10, 0), (10, 1000), (256, 65_536)] {
        let gas = measure("", write, &words(&[key_len, value_len]));
        assert_eq!(
            gas,
            price("storage_write", u64::from(key_len + value_len), 0),
            "write {key_len}/{value_len}"
        );
    }
    let small = measure("", write, &words(&[10, 100]));
    let large = measure("", write, &words(&[10, 1100]));
    assert_eq!(
        large - small,
        1000 * gasworks_host_api::host_entry("storage_write")
            .expect("entry")
            .cost
            .per_byte
    );

    for (name, op) in [
        (
            "storage_has",
            "(drop (call $storage_has (i32.const 1000) (i32.load (i32.const 0))))",
        ),
        (
            "storage_remove",
            "(call $storage_remove (i32.const 1000) (i32.load (i32.const 0)))",
        ),
    ] {
        for key_len in [1u32, 100, 256] {
            assert_eq!(
                measure("", op, &words(&[key_len])),
                price(name, u64::from(key_len), 0),
                "{name} {key_len}"
            );
        }
    }

    // Read: the key's bytes, plus the value's full length when found,
    // whatever the capacity.
    let setup = "(call $storage_write (i32.const 1000) (i32.const 8) (i32.const 2000) (i32.load (i32.const 0)))";
    let read = "(drop (call $storage_read (i32.const 1000) (i32.load (i32.const 4)) (i32.const 3000) (i32.load (i32.const 8))))";
    for (value_len, cap) in [(0u32, 0u32), (50, 0), (50, 10), (50, 100), (5000, 5000)] {
        assert_eq!(
            measure(setup, read, &words(&[value_len, 8, cap])),
            price("storage_read", u64::from(8 + value_len), 0),
            "read of {value_len} bytes with capacity {cap}"
        );
    }
    // Absent key (a 7-byte prefix of the stored one): the key bytes only.
    assert_eq!(
        measure(setup, read, &words(&[50, 7, 100])),
        price("storage_read", 7, 0)
    );
}

#[test]
fn writes_within_a_call_see_their_own_latest_value() {
    let mut chain = Chain::new();
    chain.deploy(addr(1), &script_contract());
    chain.run(
        addr(1),
        Script::new().write(b"k", b"committed").bytes(),
        GAS,
    );
    let (receipt, _) = chain.run(
        addr(1),
        Script::new()
            .read(b"k")
            .write(b"k", b"v2")
            .read(b"k")
            .remove(b"k")
            .read(b"k")
            .write(b"k", b"three")
            .read(b"k")
            .bytes(),
        GAS,
    );
    assert_eq!(returned_i32s(&receipt), [9, 2, NOT_FOUND, 5]);
    assert_eq!(chain.get(addr(1), b"k"), Some(b"three".to_vec()));
}

type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// Runs a scan script and decodes (count, next size, entries).
fn scan(
    chain: &Chain,
    before: Script,
    prefix: &[u8],
    after: &[u8],
    limit: u32,
    cap: u32,
) -> (u32, u32, Entries) {
    let (receipt, _) = chain.execute(addr(1), before.scan(prefix, after, limit, cap).bytes(), GAS);
    assert!(receipt.is_success(), "{receipt:?}");
    let data = &receipt.return_data;
    let result = u64::from_le_bytes(data[..8].try_into().expect("8 bytes"));
    let count = result as u32;
    let next = (result >> 32) as u32;
    (count, next, scan_entries(&data[8..], count))
}

fn entry(key: &[u8], value: &[u8]) -> (Vec<u8>, Vec<u8>) {
    (key.to_vec(), value.to_vec())
}

#[test]
fn scan_lists_a_prefix_in_order_with_continuation() {
    let mut chain = Chain::new();
    chain.deploy(addr(1), &script_contract());
    chain.deploy(addr(2), &script_contract());
    chain.run(
        addr(1),
        Script::new()
            .write(b"user/carol", b"3")
            .write(b"user/alice", b"1")
            .write(b"user/bob", b"22")
            .write(b"usex", b"no")
            .write(b"use", b"no")
            .write(b"admin", b"no")
            .bytes(),
        GAS,
    );
    // Another contract's keys under the same prefix are not visible.
    chain.run(addr(2), Script::new().write(b"user/zed", b"x").bytes(), GAS);

    let all = vec![
        entry(b"user/alice", b"1"),
        entry(b"user/bob", b"22"),
        entry(b"user/carol", b"3"),
    ];
    assert_eq!(
        scan(&chain, Script::new(), b"user/", b"", 100, 1000),
        (3, 0, all.clone())
    );
    // Limit 2: two entries and the size of the third (8 + 10 + 1).
    assert_eq!(
        scan(&chain, Script::new(), b"user/", b"", 2, 1000),
        (2, 19, all[..2].to_vec())
    );
    // Continue after the last key returned.
    assert_eq!(
        scan(&chain, Script::new(), b"user/", b"user/bob", 2, 1000),
        (1, 0, all[2..].to_vec())
    );
    // A buffer too small for the first entry: nothing written, its size said.
    assert_eq!(
        scan(&chain, Script::new(), b"user/", b"", 10, 18),
        (0, 19, vec![])
    );
    // Exactly large enough for one entry (8 + 10 + 1); the next is
    // 8 + 8 + 2.
    assert_eq!(
        scan(&chain, Script::new(), b"user/", b"", 10, 19),
        (1, 18, all[..1].to_vec())
    );
    // Empty prefix: the whole namespace, in key order.
    let (count, next, entries) = scan(&chain, Script::new(), b"", b"", 100, 2000);
    assert_eq!((count, next), (6, 0));
    let keys: Vec<Vec<u8>> = entries.into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        keys,
        [
            b"admin".to_vec(),
            b"use".to_vec(),
            b"user/alice".to_vec(),
            b"user/bob".to_vec(),
            b"user/carol".to_vec(),
            b"usex".to_vec()
        ]
    );
    // A continuation key before the prefix starts at the prefix; one after
    // it gives nothing.
    assert_eq!(
        scan(&chain, Script::new(), b"user/", b"a", 100, 1000),
        (3, 0, all.clone())
    );
    assert_eq!(
        scan(&chain, Script::new(), b"user/", b"zzz", 100, 1000),
        (0, 0, vec![])
    );
    // Uncommitted writes and removals of the running call are merged in.
    let before = Script::new()
        .remove(b"user/bob")
        .write(b"user/aaron", b"0")
        .write(b"user/carol", b"33");
    assert_eq!(
        scan(&chain, before, b"user/", b"", 100, 1000),
        (
            3,
            0,
            vec![
                entry(b"user/aaron", b"0"),
                entry(b"user/alice", b"1"),
                entry(b"user/carol", b"33")
            ]
        )
    );
}

#[test]
fn scan_gas_counts_steps_and_bytes_including_hidden_keys() {
    let per = |name: &str| gasworks_host_api::host_entry(name).expect("entry").cost;
    let cost = per("storage_scan");
    let mut chain = Chain::new();
    chain.deploy(
        addr(1),
        &module(
            r#"(func (export "execute") (local $b i64) (local $c i64)
                 (drop (call $input (i32.const 0) (i32.const 100)))
                 ;; keys "p1".."p4" with 3-byte values, then the key "p2" removed
                 (call $storage_write (i32.const 100) (i32.const 2) (i32.const 200) (i32.const 3))
                 (call $storage_write (i32.const 102) (i32.const 2) (i32.const 200) (i32.const 3))
                 (call $storage_write (i32.const 104) (i32.const 2) (i32.const 200) (i32.const 3))
                 (call $storage_write (i32.const 106) (i32.const 2) (i32.const 200) (i32.const 3))
                 (if (i32.load (i32.const 4)) (then
                   (call $storage_remove (i32.const 102) (i32.const 2))))
                 (local.set $b (call $gas_left))
                 (drop (call $storage_scan (i32.const 100) (i32.const 1) (i32.const 0) (i32.const 0)
                   (i32.load (i32.const 0)) (i32.const 1000) (i32.const 1000)))
                 (local.set $c (call $gas_left))
                 (i64.store (i32.const 300) (i64.sub (local.get $b) (local.get $c)))
                 (call $set_return_data (i32.const 300) (i32.const 8)))
               (data (i32.const 100) "p1p2p3p4")
               (data (i32.const 200) "abc")"#,
        ),
    );
    let run = |limit: u32, remove: u32| {
        returned_u64(&chain.execute(addr(1), &words(&[limit, remove]), GAS).0) - base("gas_left")
    };
    let entry_bytes = 8 + 2 + 3;
    // All four: four keys and the final step; prefix of 1 byte.
    assert_eq!(run(100, 0), cost.total(1 + 4 * entry_bytes, 5));
    // Limit 2: two entries written, the third visited (its size reported).
    assert_eq!(run(2, 0), cost.total(1 + 2 * entry_bytes, 3));
    // Limit 0: one step to find the first entry, nothing written.
    assert_eq!(run(0, 0), cost.total(1, 1));
    // With "p2" removed: still four keys stepped over, three written.
    assert_eq!(run(100, 1), cost.total(1 + 3 * entry_bytes, 5));
}
