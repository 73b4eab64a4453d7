#![doc = include_str!("decisions.md")]
//!
//! # This crate
//!
//! - [`manifest`]: [`MANIFEST`], the one list of every host function, with
//!   signatures, prices ([`Cost`]) and docs; [`allowed_imports`] and
//!   [`instrument_config`] give it to the instrumenter, [`linker`] builds
//!   the engine's linker from it (checked against [`implemented`]),
//!   [`docs`] renders `docs/host-api.md`, [`manifest_hash`] identifies it.
//! - [`runtime`]: [`Runtime`] (deploy, execute), [`Receipt`] and
//!   [`DebugInfo`].
//! - [`storage`]: [`StorageBackend`], [`MemoryStorage`], overlays.
//! - [`codes`]: [`HostTrap`], [`CallStatus`]; [`limits`]: the run-time limits.
//! - [`crypto`]: SHA-256 and secp256k1 ECDSA, shared with the node simulator.
//! - [`names`]: rejections as people read them, Rust names demangled.
//! - The address type and the return codes come from `gasworks_abi`,
//!   which the contract SDK uses too.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod codes;
pub mod crypto;
pub mod docs;
mod env;
mod host;
pub mod limits;
pub mod manifest;
pub mod names;
pub mod runtime;
pub mod storage;

use gasworks_vm::engine::Linker;
use gasworks_vm::instrument::ValType;

pub use codes::{CallStatus, HostTrap, NOT_FOUND};
pub use env::{AbortRecord, Address, BlockEnv, CallRecord, DebugInfo, Event, LogRecord};
pub use manifest::{
    CALL_COST, CALL_TABLE_ELEMENT_GAS, Cost, HOST_MODULE, MANIFEST, ManifestEntry, Provider,
    host_entry, manifest_hash,
};
pub use names::{RejectionDisplay, demangle, rejection_display};
pub use runtime::{
    CallRequest, DeployError, Deployed, ENTRY_POINT, ExecuteError, Receipt, Runtime,
};
pub use storage::{MemoryStorage, StorageBackend, StorageChange, StorageError};

/// The host functions uploaded modules may import, for the instrumenter.
pub fn allowed_imports() -> Vec<gasworks_vm::HostImport> {
    MANIFEST
        .iter()
        .filter(|entry| entry.provider == Provider::Host)
        .map(ManifestEntry::import)
        .collect()
}

/// The instrumenter configuration every node uses: consensus limits and the
/// manifest's host functions.
pub fn instrument_config() -> gasworks_vm::InstrumentConfig {
    gasworks_vm::InstrumentConfig {
        limits: gasworks_vm::limits::Limits::CONSENSUS,
        host_imports: allowed_imports(),
    }
}

/// The engine linker with every host function of the manifest: one
/// registration loop over the entries, each implementation looked up by
/// name and given the entry's price. An implementation is registered with
/// the signature its Rust types give; a test checks it is the manifest's,
/// and that every host entry has an implementation and vice versa.
pub fn linker() -> Linker {
    let implementations = host::implementations();
    let mut linker = Linker::new();
    for entry in MANIFEST
        .iter()
        .filter(|entry| entry.provider == Provider::Host)
    {
        if let Some(implementation) = implementations.iter().find(|i| i.name == entry.name) {
            linker.define(
                entry.module,
                entry.name,
                implementation.params,
                implementation.results,
                (implementation.make)(&entry.cost),
            );
        }
    }
    linker
}

/// An implemented host function's name and the signature its Rust types
/// give (for the manifest check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Implemented {
    /// Import name (module [`HOST_MODULE`]).
    pub name: &'static str,
    /// Parameter types.
    pub params: &'static [ValType],
    /// Result types.
    pub results: &'static [ValType],
}

/// Every implemented host function.
pub fn implemented() -> Vec<Implemented> {
    host::implementations()
        .iter()
        .map(|i| Implemented {
            name: i.name,
            params: i.params,
            results: i.results,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gasworks_vm::instrument::{GAS_FUNCTION, METERING_MODULE};

    #[test]
    fn metering_entries_are_reserved_not_importable() {
        assert!(
            allowed_imports()
                .iter()
                .all(|import| import.module != METERING_MODULE)
        );
        assert!(
            MANIFEST
                .iter()
                .any(|e| e.module == METERING_MODULE && e.name == GAS_FUNCTION)
        );
    }

    #[test]
    fn every_host_entry_is_implemented_with_its_signature_and_vice_versa() {
        let implemented = implemented();
        let mut problems = Vec::new();
        for entry in MANIFEST.iter().filter(|e| e.provider == Provider::Host) {
            match implemented.iter().find(|i| i.name == entry.name) {
                None => problems.push(format!("{}: no implementation", entry.name)),
                Some(i) if i.params != entry.params || i.results != entry.results => {
                    problems.push(format!(
                        "{}: manifest {:?} -> {:?}, implementation {:?} -> {:?}",
                        entry.name, entry.params, entry.results, i.params, i.results
                    ))
                }
                Some(_) => {}
            }
            if entry.param_names.len() != entry.params.len() {
                problems.push(format!("{}: parameter names do not match", entry.name));
            }
            if entry.module != HOST_MODULE {
                problems.push(format!("{}: not in module {HOST_MODULE}", entry.name));
            }
        }
        for i in &implemented {
            if host_entry(i.name).is_none() {
                problems.push(format!("{}: implemented but not in the manifest", i.name));
            }
            if implemented.iter().filter(|j| j.name == i.name).count() != 1 {
                problems.push(format!("{}: implemented twice", i.name));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn call_entry_uses_the_call_cost() {
        assert_eq!(host_entry("call").map(|e| e.cost), Some(CALL_COST));
    }
}
