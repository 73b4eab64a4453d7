//! Hostile arguments for every host function, driven by the manifest:
//! pointers past the end of memory, lengths near 2^32, modules without
//! memory. Each ends in its expected typed outcome, never a panic.

mod common;

use common::*;
use gasworks_host_api::{HostTrap, MANIFEST, ManifestEntry, Provider};
use gasworks_vm::instrument::ValType;
use gasworks_vm::trap::TrapKind;

/// A call of `entry` with constant arguments.
fn call_op(entry: &ManifestEntry, args: &[u64]) -> String {
    let mut op = format!("(call ${}", entry.name);
    for (ty, arg) in entry.params.iter().zip(args) {
        match ty {
            ValType::I32 => op.push_str(&format!(" (i32.const {})", *arg as u32 as i32)),
            ValType::I64 => op.push_str(&format!(" (i64.const {})", *arg as i64)),
        }
    }
    op.push(')');
    if entry.results.is_empty() {
        op
    } else {
        format!("(drop {op})")
    }
}

/// Harmless arguments: pointers 0, lengths and capacities 1 (a one-byte
/// key, a one-byte message...), a 4-byte topic list (zero topics: memory
/// is zeroed), everything else 0.
fn harmless(entry: &ManifestEntry) -> Vec<u64> {
    entry
        .param_names
        .iter()
        .map(|name| match *name {
            "topics_len" => 4,
            n if n.ends_with("_len") || n.ends_with("_cap") => 1,
            _ => 0,
        })
        .collect()
}

fn host_entries() -> impl Iterator<Item = &'static ManifestEntry> {
    MANIFEST.iter().filter(|e| e.provider == Provider::Host)
}

fn run(op: &str, memory: bool) -> gasworks_host_api::Receipt {
    let mut chain = Chain::new();
    let wat = if memory {
        contract(op)
    } else {
        format!("(module {} (func (export \"execute\") {op}))", imports())
    };
    chain.deploy(addr(1), &wat);
    chain.execute(addr(1), b"", GAS).0
}

#[test]
fn pointers_past_the_end_of_memory_trap() {
    let mut checked = 0;
    for entry in host_entries() {
        for (i, name) in entry.param_names.iter().enumerate() {
            if !name.ends_with("_ptr") {
                continue;
            }
            for ptr in [
                65_536u64,
                65_537,
                u64::from(u32::MAX - 3),
                u64::from(u32::MAX),
            ] {
                let mut args = harmless(entry);
                args[i] = ptr;
                let receipt = run(&call_op(entry, &args), true);
                assert_trap(&receipt, entry.name, TrapKind::MemoryOutOfBounds);
                checked += 1;
            }
        }
    }
    assert!(checked > 60, "{checked} cases");
}

/// The trap a length of 2^32 - 1 in parameter `param` of `function` gets:
/// its limit's trap where it has one, else out-of-bounds.
fn huge_length_trap(function: &str, param: &str) -> TrapKind {
    match (function, param) {
        ("storage_read" | "storage_write" | "storage_remove" | "storage_has", "key_len")
        | ("storage_scan", "prefix_len" | "after_len") => HostTrap::KeyLength.kind(),
        ("storage_write", "value_len") => HostTrap::ValueTooLarge.kind(),
        ("emit_event", "topics_len") => HostTrap::MalformedTopics.kind(),
        ("emit_event", "data_len") => HostTrap::EventDataTooLarge.kind(),
        ("set_return_data", "data_len") => HostTrap::ReturnDataTooLarge.kind(),
        ("call", "input_len") => HostTrap::InputTooLarge.kind(),
        _ => TrapKind::MemoryOutOfBounds,
    }
}

#[test]
fn lengths_near_two_to_the_32_trap_with_their_kind() {
    let mut checked = 0;
    for entry in host_entries() {
        for (i, name) in entry.param_names.iter().enumerate() {
            if !(name.ends_with("_len") || name.ends_with("_cap")) {
                continue;
            }
            for len in [u64::from(u32::MAX), u64::from(u32::MAX - 7), 1 << 31] {
                let mut args = harmless(entry);
                args[i] = len;
                let receipt = run(&call_op(entry, &args), true);
                let expected = huge_length_trap(entry.name, name);
                assert_trap(&receipt, entry.name, expected);
                // Traps before any per-byte charge: the gas used is far
                // below what 2^32 bytes would cost.
                assert!(
                    receipt.gas_used < 1_000_000,
                    "{} {name}: {receipt:?}",
                    entry.name
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "{checked} cases");
}

#[test]
fn harmless_arguments_do_not_trap_except_where_documented() {
    // The baseline of the two tests above: with harmless arguments every
    // function returns, except abort.
    for entry in host_entries() {
        let receipt = run(&call_op(entry, &harmless(entry)), true);
        if entry.name == "abort" {
            assert_trap(&receipt, "abort", HostTrap::Abort.kind());
        } else {
            assert!(receipt.is_success(), "{}: {receipt:?}", entry.name);
        }
    }
}

#[test]
fn a_module_without_memory_can_only_pass_empty_ranges() {
    for entry in host_entries() {
        let has_range = entry.param_names.iter().any(|n| n.ends_with("_ptr"));
        let receipt = run(&call_op(entry, &harmless(entry)), false);
        if has_range {
            assert_trap(&receipt, entry.name, TrapKind::MemoryOutOfBounds);
        } else {
            assert!(receipt.is_success(), "{}: {receipt:?}", entry.name);
        }
    }
    // Empty ranges at 0 are in bounds of an empty memory.
    for op in [
        "(call $log (i32.const 0) (i32.const 0))",
        "(drop (call $input (i32.const 0) (i32.const 0)))",
        "(call $set_return_data (i32.const 0) (i32.const 0))",
    ] {
        assert!(run(op, false).is_success(), "{op}");
    }
}

#[test]
fn manifest_trap_lists_match_the_parameters() {
    // A function with a pointer lists out-of-bounds; one without does not.
    for entry in host_entries() {
        let has_ptr = entry.param_names.iter().any(|n| n.ends_with("_ptr"));
        assert_eq!(
            entry.traps.contains(&TrapKind::MemoryOutOfBounds),
            has_ptr,
            "{}",
            entry.name
        );
    }
}
