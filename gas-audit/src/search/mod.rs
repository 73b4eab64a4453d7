//! The adversarial search for underpriced programs (issue 10, point 5).
//!
//! Gas must track time: a program that runs much longer per gas unit than
//! ordinary code is a denial-of-service attack on every node. The search
//! generates and mutates contracts to maximise time per gas unit, as the
//! EVM "Broken Metre" study's genetic search did, and reports the worst
//! programs it found with their ratio to the median time per gas of plain
//! code. Above [`BOUND`] (3x) a program is a hole.
//!
//! Parts, one per file:
//!
//! - [`rng`]: the search's own seeded generator (same seed, same draws);
//! - [`shapes`], [`smith`], [`examples`]: the three sources of candidates
//!   (structured shapes, wasm-smith modules in the accepted profile,
//!   mutated example contracts), joined as a [`Genome`] in [`program`];
//! - [`pipeline`]: the real pipeline (instrument, compile, deploy,
//!   execute with the host API to a fixed gas limit) and its typed errors;
//! - [`baseline`]: the fixed set of plain programs that defines "1x";
//! - [`evaluate`]: the [`Evaluator`] the search is generic over: wall time
//!   ([`TimingEvaluator`]) or a deterministic model with planted holes for
//!   the tests ([`ModelEvaluator`]);
//! - [`ops`]: what a program's code is made of;
//! - [`evolve`]: the search loop;
//! - [`report`]: the report (text, JSON, files).
//!
//! From the command line: `gasworks search --seed S [--rounds N] [--time
//! SECONDS] [--out DIR] [--json]`.

pub mod baseline;
pub mod evaluate;
pub mod evolve;
pub mod examples;
pub mod ops;
pub mod pipeline;
pub mod program;
pub mod report;
pub mod rng;
pub mod shapes;
pub mod smith;

pub use evaluate::{Effort, Evaluation, Evaluator, ModelEvaluator, TimingEvaluator};
pub use evolve::{Finding, Member, Outcome, Record, SearchConfig, search};
pub use pipeline::{Deployment, EvalError, Run};
pub use program::{BuildError, Genome, Program};
pub use report::BOUND;
pub use rng::SplitMix64;
