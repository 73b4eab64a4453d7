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
//! - [`engine`] compiles an instrumented module in one linear pass into
//!   internal code, verifies that code, and runs it on its own stacks, with
//!   the metering fused.
//! - [`trap`] is the small, stable set of trap kinds that enters consensus.
//!
//! Beside the pipeline, [`analysis`] reads an accepted module and its
//! instrumented form statically: per export, the host functions it can
//! reach and the most stack units it can use (`gasworks audit`); and
//! [`profile`] says where a call's gas went, by call stack and category.

#![deny(missing_docs)]
// Unsafe code is denied (workspace lint) except in the executor,
// `engine/execute/`, whose `macros.rs`, `dispatch.rs`, `frames.rs` and
// `handlers/` allow it with its invariants stated; the verifier
// (`engine/verify.rs`) checks those invariants on all code first.

pub mod analysis;
pub mod engine;
pub mod instrument;
pub mod limits;
pub mod profile;
pub mod trap;

pub use instrument::{
    HostImport, InstrumentConfig, Instrumented, Rejection, Report, Rule, instrument,
};
