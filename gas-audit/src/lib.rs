//! Gas audit: does the gas schedule track time?
//!
//! - [`calibrate`]: time per gas unit of every operator class, host
//!   function, storage operation, deploy, instantiation and cross-contract
//!   entry, against the median of plain wasm code (issue 10, point 4);
//! - [`search`]: an adversarial search over generated and mutated
//!   contracts for the highest time per gas (issue 10, point 5).

#![forbid(unsafe_code)]

pub mod calibrate;
pub mod search;
