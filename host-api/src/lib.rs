//! The host API: what contracts can import.
//!
//! This crate holds the manifest, the one list of every name a contract module
//! may import or that the VM reserves. The instrumenter's import check takes
//! its list from here ([`allowed_imports`]); the host-API issue adds the
//! storage, crypto, event, context and call functions with their cost models,
//! and the linker table, the SDK bindings and `docs/host-api.md` follow from
//! the same list.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use gasworks_vm::instrument::{GAS_FUNCTION, METERING_MODULE, STACK_EXHAUSTED_FUNCTION, ValType};

/// Who provides an entry of the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// Injected by the instrumenter; uploaded modules may not import it.
    Metering,
    /// Implemented by the host; uploaded modules may import it.
    Host,
}

/// One entry of the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManifestEntry {
    /// Import module name.
    pub module: &'static str,
    /// Import field name.
    pub name: &'static str,
    /// Parameter types.
    pub params: &'static [ValType],
    /// Result types.
    pub results: &'static [ValType],
    /// Who provides it.
    pub provider: Provider,
    /// What it does, for `docs/host-api.md`.
    pub doc: &'static str,
}

/// Every importable or reserved function.
pub const MANIFEST: &[ManifestEntry] = &[
    ManifestEntry {
        module: METERING_MODULE,
        name: GAS_FUNCTION,
        params: &[ValType::I64],
        results: &[],
        provider: Provider::Metering,
        doc: "Charges gas: subtracts the argument (unsigned) from the gas left; \
              traps with out-of-gas, consuming all gas, when it exceeds what is left.",
    },
    ManifestEntry {
        module: METERING_MODULE,
        name: STACK_EXHAUSTED_FUNCTION,
        params: &[],
        results: &[],
        provider: Provider::Metering,
        doc: "Traps with stack-exhausted; called by the injected stack prologue.",
    },
];

/// The host functions uploaded modules may import, for the instrumenter.
pub fn allowed_imports() -> Vec<gasworks_vm::HostImport> {
    MANIFEST
        .iter()
        .filter(|entry| entry.provider == Provider::Host)
        .map(|entry| gasworks_vm::HostImport {
            module: entry.module,
            name: entry.name,
            params: entry.params,
            results: entry.results,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
