//! Reading and instrumenting module files, shared by the commands.

use std::path::Path;
use std::process::ExitCode;

use gasworks_vm::{Instrumented, instrument};

use super::{REJECTED, USAGE_OR_IO};

/// Reads a module; text-format files are converted to binary.
pub fn read_module(path: &Path) -> Result<Vec<u8>, ExitCode> {
    let bytes = std::fs::read(path).map_err(|err| {
        eprintln!("error: cannot read {}: {err}", path.display());
        ExitCode::from(USAGE_OR_IO)
    })?;
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes);
    }
    // Not a binary module: accept the text format, and otherwise hand the
    // bytes to the instrumenter, which says why they are not a module.
    match wat::parse_bytes(&bytes) {
        Ok(binary) => Ok(binary.into_owned()),
        Err(_) => Ok(bytes),
    }
}

pub fn instrument_file(path: &Path) -> Result<Instrumented, ExitCode> {
    let wasm = read_module(path)?;
    instrument(&wasm, &gasworks_host_api::instrument_config()).map_err(|rejection| {
        eprintln!(
            "rejected: {}",
            gasworks_host_api::rejection_display(&rejection)
        );
        ExitCode::from(REJECTED)
    })
}
