//! The engine: compiles instrumented modules and runs them.
//!
//! Input: an instrumented module (the output of [`crate::instrument()`], an
//! [`Instrumented`](crate::Instrumented); [`Module::new_unmetered`] takes any
//! module, for tools).
//! [`Module::new`] compiles it in one linear pass into internal code
//! (the `code` module), which the verifier (`verify`) checks and lowers
//! before anything of it may run; [`Instance::new`] links its host functions by name and typed
//! signature and initialises memory, tables, globals and segments with the
//! spec's bounds rules; [`Instance::call`] runs an export with a gas limit and
//! reports the results or the [`TrapKind`](crate::trap::TrapKind), and the gas
//! used.
//!
//! The gas and stack metering are the instrumented module's: the compiler
//! fuses its canonical charges into single instructions, and the executor
//! keeps its own frame and value stacks, so the injected, deterministic
//! stack limit is the one that decides.
//!
//! Files, one per part:
//!
//! - `module.rs`: [`Module`], a compiled module, and [`ModuleCache`], which
//!   compiles each code once;
//! - `linker.rs`: host functions ([`Linker`], [`Caller`]) and what an
//!   instance's imports are bound to;
//! - `instance.rs`: [`Instance`]: instantiation and calls;
//! - `value.rs` and `error.rs`: the values and the errors of the API;
//! - `code.rs`: the internal instruction set;
//! - `compile/`: the single-pass compiler (section decoding, translation,
//!   fusion of the metering patterns);
//! - `verify.rs`: the verifier, which checks the compiled code and lowers
//!   it for the executor;
//! - `execute/`: the executor (dispatch backends, handlers by family).

#[macro_use]
mod code;
mod compile;
mod error;
mod execute;
mod instance;
mod linker;
mod memory_pool;
mod module;
mod value;
mod verify;

pub use crate::limits::{MAX_MEMORY_PAGES, MAX_TABLE_ELEMENTS, PAGE_SIZE};
pub use error::{ArgumentMismatch, CallError, CompileError, InstantiationError};
pub use instance::{Instance, Outcome};
pub use linker::{Caller, HostFunc, Linker};
pub use module::{Export, Module, ModuleCache};
pub use value::Value;

use linker::Binding;

pub(crate) use compile::Compiled;

/// The engine's version, part of every compiled module's cache key.
pub const ENGINE_VERSION: &str = concat!("gasworks-engine/", env!("CARGO_PKG_VERSION"), "/code-v2");

/// How the executor passes control from instruction to instruction, as
/// this build of the VM chose it (`vm/build.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatch {
    /// Each handler jumps to the next by a tail call: the fast dispatch,
    /// chosen only where tail calls are jumps (opt-level 2 or 3, no debug
    /// assertions, no `portable-dispatch` feature).
    Threaded,
    /// Each handler returns the next instruction to a loop: for every other
    /// build, an embedder's debug build among them. Slower; the same
    /// results; the native stack stays flat whatever the compiler does.
    Loop,
}

/// The dispatch of this build of the VM.
pub fn dispatch() -> Dispatch {
    execute::dispatch()
}

/// Compiles a module in the text format through the instrumenter (the unit
/// tests' modules).
#[cfg(test)]
fn compile_wat(text: &str) -> Module {
    let wasm = wat::parse_str(text).expect("test module parses");
    let instrumented =
        crate::instrument(&wasm, &crate::InstrumentConfig::default()).expect("accepted");
    Module::new(&instrumented).expect("compiles")
}
