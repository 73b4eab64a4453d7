//! Gasworks VM: the deterministic, gas-metered WebAssembly engine.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! contract.wasm --(instrument)--> instrumented.wasm --(compile)--> compiled module --(execute)--> outcome
//! ```
//!
//! - [`instrument`](mod@instrument) validates uploaded wasm against the accepted profile (the
//!   integer subset of WebAssembly 2.0), enforces the static [`limits`], and
//!   injects gas and stack metering as plain wasm. Its output is the gas
//!   specification: any spec-compliant engine running it with the two
//!   metering host functions computes the same gas.
//! - The compiler and executor are built on top of the instrumented module
//!   (see the project issues and `docs/`).

#![deny(missing_docs)]

pub mod instrument;
pub mod limits;

pub use instrument::{
    HostImport, InstrumentConfig, Instrumented, Rejection, Report, Rule, instrument,
};
