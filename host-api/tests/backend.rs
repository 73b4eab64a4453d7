//! A failing storage backend voids the execution (no receipt), at any
//! depth, even where a contract would otherwise survive its callee's
//! failure; the runtime can be shared between threads.

mod common;

use std::ops::Bound;
use std::sync::Arc;

use common::*;
use gasworks_host_api::storage::Scan;
use gasworks_host_api::{
    CallRequest, ExecuteError, MemoryStorage, Receipt, Runtime, StorageBackend, StorageError,
};

/// Fails on lookups of keys ending in "bad", and on scans whose range
/// starts with such a key's prefix.
struct Flaky(MemoryStorage);

impl StorageBackend for Flaky {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        if key.ends_with(b"bad") {
            return Err(StorageError("disk on fire".into()));
        }
        self.0.get(key)
    }

    fn scan<'a>(&'a self, start: Bound<&[u8]>, end: Bound<&[u8]>) -> Scan<'a> {
        let failing =
            matches!(start, Bound::Included(k) | Bound::Excluded(k) if k.ends_with(b"bad"));
        if failing {
            return Box::new(std::iter::once(Err(StorageError("scan failed".into()))));
        }
        self.0.scan(start, end)
    }
}

fn execute(chain: &Chain, script: &Script) -> Result<Receipt, ExecuteError> {
    let storage: Arc<dyn StorageBackend> = Arc::new(Flaky(MemoryStorage::new()));
    chain
        .runtime
        .execute(
            &chain.block,
            storage,
            &CallRequest {
                origin: ORIGIN,
                contract: addr(1),
                input: script.0.clone(),
                gas_limit: GAS,
            },
        )
        .map(|(receipt, _)| receipt)
}

#[test]
fn a_backend_failure_voids_the_execution() {
    let mut chain = Chain::new();
    chain.deploy(addr(1), &script_contract());
    chain.deploy(addr(2), &script_contract());
    assert!(execute(&chain, &Script::new().read(b"good")).is_ok());
    let disk = "disk on fire";
    let scan = "scan failed";
    let failing = [
        (Script::new().read(b"bad"), disk),
        (Script::new().has(b"bad"), disk),
        (Script::new().scan(b"bad", b"", 10, 100), scan),
        // In a callee: the caller would survive a trap, not this.
        (
            Script::new().call(addr(2), 10_000_000, &Script::new().read(b"bad")),
            disk,
        ),
        (
            Script::new().call(
                addr(2),
                10_000_000,
                &Script::new().scan(b"bad", b"", 1, 100),
            ),
            scan,
        ),
    ];
    for (script, message) in failing {
        assert_eq!(
            execute(&chain, &script),
            Err(ExecuteError::Backend(StorageError(message.into()))),
            "{script:?}"
        );
    }
    // Writes do not touch the backend.
    assert!(execute(&chain, &Script::new().write(b"bad", b"x").remove(b"bad")).is_ok());
}

#[test]
fn the_runtime_and_receipts_can_cross_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Runtime>();
    shared::<Receipt>();
    shared::<MemoryStorage>();
    let mut chain = Chain::new();
    chain.deploy(addr(1), &script_contract());
    let runtime = chain.runtime.clone();
    let storage = chain.storage.clone();
    let block = chain.block;
    let handles: Vec<_> = (0..2)
        .map(|i| {
            let runtime = runtime.clone();
            let storage: Arc<dyn StorageBackend> = storage.clone();
            std::thread::spawn(move || {
                runtime
                    .execute(
                        &block,
                        storage,
                        &CallRequest {
                            origin: ORIGIN,
                            contract: addr(1),
                            input: Script::new().write(b"k", &[i]).0,
                            gas_limit: GAS,
                        },
                    )
                    .expect("memory backend")
                    .0
            })
        })
        .collect();
    let receipts: Vec<Receipt> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    assert_eq!(receipts[0].gas_used, receipts[1].gas_used);
    assert_ne!(receipts[0].changes, receipts[1].changes);
}
