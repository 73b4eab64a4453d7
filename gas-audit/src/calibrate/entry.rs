//! Entering contracts: a transaction's entry (instantiation per initial
//! memory page, an empty `execute`), instantiation of the shapes whose
//! instantiation does work the pages do not count (a full table, a big
//! active data segment), and the cross-contract `call` (the caller loops
//! over `call` into an empty callee), all through the host API's runtime
//! as a node runs them. Both entries are priced by `CALL_COST`: a base, per
//! input byte, and per initial memory page of the callee.

use std::sync::Arc;

use gasworks_host_api::{CALL_COST, CallRequest, MemoryStorage, Runtime, StorageBackend};

use super::host::{CALL_GAS, LoopCase, address, call_probe};
use super::measure::Scale;
use super::{Case, Group, Point};

fn price() -> String {
    format!(
        "{} + {}/input byte + {}/page",
        CALL_COST.base, CALL_COST.per_byte, CALL_COST.per_item
    )
}

fn empty_contract(pages: u32, extra: &str) -> String {
    format!("(module (memory {pages}) {extra} (func (export \"execute\")))")
}

/// A transaction into a contract declared by `wat(size)`, for each size.
fn transaction_case(
    id: &str,
    about: &str,
    unit: &'static str,
    sizes: &'static [u32],
    wat: fn(u32) -> String,
) -> Case {
    Case {
        id: format!("entry.{id}"),
        group: Group::Entry,
        about: about.to_string(),
        price: price(),
        unit,
        build: Box::new(move |_scale: Scale| {
            let storage: Arc<dyn StorageBackend> = Arc::new(MemoryStorage::new());
            let mut points = Vec::new();
            for &size in sizes {
                let wasm = wat::parse_str(wat(size)).map_err(|e| format!("case: {e}"))?;
                let mut runtime = Runtime::new();
                runtime
                    .deploy(address(1), &wasm)
                    .map_err(|e| format!("deploy: {e}"))?;
                let request = CallRequest {
                    origin: address(9),
                    contract: address(1),
                    input: Vec::new(),
                    gas_limit: CALL_GAS,
                };
                points.push(Point {
                    size: u64::from(size),
                    ops: 1,
                    work: call_probe(runtime, storage.clone(), request, None),
                    base: None,
                });
            }
            Ok(points)
        }),
    }
}

/// A contract that calls the callee (address in its input payload) in a
/// loop, and the callee declared by `callee(size)`.
fn call_case(
    id: &str,
    about: &str,
    unit: &'static str,
    sizes: &'static [u32],
    callee: fn(u32) -> String,
) -> Case {
    Case {
        id: format!("host.call.{id}"),
        group: Group::Entry,
        about: about.to_string(),
        price: price(),
        unit,
        build: Box::new(move |scale: Scale| {
            let mut points = Vec::new();
            for &size in sizes {
                let case = LoopCase {
                    imports: "(import \"host\" \"call\" (func $call (param i32 i32 i32 i64) (result i32)))".into(),
                    body: "(drop (call $call (i32.const 8) (i32.const 0) (i32.const 0) (i64.const 1000000000)))".into(),
                    payload: address(2).0.to_vec(),
                    sizes: vec![size],
                    max_count: u32::MAX,
                    expect: None,
                };
                let callee = wat::parse_str(callee(size)).map_err(|e| format!("callee: {e}"))?;
                points.extend(case.points_with(scale, &[(address(2), callee)])?);
            }
            Ok(points)
        }),
    }
}

/// Entry cases.
pub fn cases() -> Vec<Case> {
    vec![
        transaction_case(
            "transaction",
            "a transaction into an empty contract of n memory pages",
            "pages",
            &[1, 16, 64],
            |pages| empty_contract(pages, ""),
        ),
        transaction_case(
            "transaction-touch",
            "a transaction into a contract of n memory pages that stores a byte into each 4 KiB of them (first touch of fresh memory)",
            "pages",
            &[1, 16, 64],
            |pages| {
                format!(
                    "(module (memory {pages}) (func (export \"execute\") (local $p i32) \
                               (block $e (loop $l (i32.store8 (local.get $p) (i32.const 1)) \
                                 (local.set $p (i32.add (local.get $p) (i32.const 4096))) \
                                 (br_if $l (i32.lt_u (local.get $p) (i32.const {})))))))",
                    pages * 65_536
                )
            },
        ),
        transaction_case(
            "instantiate-full-table",
            "a transaction into an empty contract whose 10,000-element table an active segment fills",
            "",
            &[0],
            |_| {
                empty_contract(
                    1,
                    &format!(
                        "(table 10000 funcref) (func $f) (elem (i32.const 0) func {})",
                        "$f ".repeat(10_000)
                    ),
                )
            },
        ),
        transaction_case(
            "instantiate-big-data",
            "a transaction into an empty contract with a 400 KB active data segment (7 pages)",
            "",
            &[0],
            |_| {
                format!(
                    "(module (memory 7) (data (i32.const 0) \"{}\") (func (export \"execute\")))",
                    "\\2a".repeat(400_000)
                )
            },
        ),
        transaction_case(
            "instantiate-many-globals",
            "a transaction into an empty contract with 256 globals",
            "",
            &[0],
            |_| empty_contract(1, &"(global (mut i64) (i64.const 1))".repeat(256)),
        ),
        call_case(
            "empty",
            "cross-contract calls into an empty contract of n pages",
            "pages",
            &[1, 16],
            |pages| empty_contract(pages, ""),
        ),
        call_case(
            "full-table",
            "cross-contract calls into an empty contract with a full 10,000-element table",
            "",
            &[0],
            |_| {
                empty_contract(
                    1,
                    &format!(
                        "(table 10000 funcref) (func $f) (elem (i32.const 0) func {})",
                        "$f ".repeat(10_000)
                    ),
                )
            },
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_call_price_is_named() {
        assert!(price().starts_with(&CALL_COST.base.to_string()));
    }
}
