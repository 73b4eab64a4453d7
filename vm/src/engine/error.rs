//! The engine's errors: why a module does not compile, why an instance
//! cannot be made, why a call cannot be made.
//!
//! A trap while a call runs is none of them: it is the call's
//! [`Outcome`](super::Outcome), a [`TrapKind`], the small stable set that
//! enters consensus.

use super::compile;
use super::value::Value;
use crate::trap::TrapKind;

/// Why a module could not be compiled.
///
/// Every variant carries the byte offset in the module where the problem
/// was found (of the section entry, constant expression, function body or
/// operator).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    /// Not valid under the accepted profile: the validator's (or decoder's)
    /// message.
    #[error("invalid module at offset {offset:#x}: {message}")]
    Invalid {
        /// The validator's description.
        message: String,
        /// Byte offset.
        offset: u64,
    },
    /// Valid WebAssembly, but outside what the engine runs.
    #[error("unsupported at offset {offset:#x}: the engine does not run {what}")]
    Unsupported {
        /// What is not supported.
        what: &'static str,
        /// Byte offset.
        offset: u64,
    },
    /// The compiled code broke a rule of the verifier
    /// (`engine::verify`), which checks it before it may run: a bug in the
    /// compiler, caught.
    #[error(
        "internal error (a bug in the engine, please report it): the compiled code of defined function {function} breaks a rule at instruction {at}: {rule}"
    )]
    Unverified {
        /// The rule broken.
        rule: &'static str,
        /// Index of the defined function (imports not counted).
        function: u32,
        /// Index of the instruction in the module's code.
        at: u32,
    },
    /// A failure that a validated module cannot cause: a bug in the
    /// engine, not a fault of the module.
    #[error("internal error at offset {offset:#x} (a bug in the engine, please report it): {what}")]
    Internal {
        /// What went wrong.
        what: &'static str,
        /// Byte offset.
        offset: u64,
    },
}

/// Why instantiation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstantiationError {
    /// An import the linker does not define.
    #[error("unknown import {module}.{name}")]
    UnknownImport {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
    },
    /// An import defined with another signature.
    #[error("import {module}.{name} is {imported} in the module, but {defined} in the linker")]
    SignatureMismatch {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
        /// The module's signature for it (`(param i32) (result i64)`).
        imported: String,
        /// The linker's signature for it.
        defined: String,
    },
    /// A segment did not fit (the spec's instantiation trap).
    #[error("instantiation trapped: {0}")]
    Trap(TrapKind),
    /// The initial memory or a table is larger than this engine allows
    /// ([`MAX_MEMORY_PAGES`](super::MAX_MEMORY_PAGES),
    /// [`MAX_TABLE_ELEMENTS`](super::MAX_TABLE_ELEMENTS)).
    #[error("initial {what} of {size} exceeds the engine's limit of {max}")]
    TooLarge {
        /// `"memory pages"` or `"table elements"`.
        what: &'static str,
        /// The size asked for.
        size: u64,
        /// The engine's limit.
        max: u64,
    },
}

/// Why a call could not be made (not a trap: the caller's mistake).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// No function export of that name.
    #[error("no exported function {0:?}")]
    NoSuchExport(String),
    /// Arguments do not match the signature.
    #[error("{0}")]
    BadArguments(ArgumentMismatch),
}

/// Arguments that do not match the signature of the export they were
/// given to: what was expected and what was given, in the text format's
/// value types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgumentMismatch {
    /// The export's name.
    pub export: String,
    /// The export's signature (`(param i32 i64) (result i32)`).
    pub signature: String,
    /// The types of the arguments given (`(i32)`).
    pub given: String,
}

/// A signature in the text format: `(param i32 i64) (result i32)`, or
/// `(no parameters, no results)`.
pub(super) fn signature_text(
    params: &[wasmparser::ValType],
    results: &[wasmparser::ValType],
) -> String {
    let list = |types: &[wasmparser::ValType]| {
        types
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    match (params.is_empty(), results.is_empty()) {
        (true, true) => "(no parameters, no results)".to_string(),
        (false, true) => format!("(param {})", list(params)),
        (true, false) => format!("(result {})", list(results)),
        (false, false) => format!("(param {}) (result {})", list(params), list(results)),
    }
}

impl ArgumentMismatch {
    pub(super) fn new(
        export: &str,
        signature: &compile::Signature,
        args: &[Value],
    ) -> ArgumentMismatch {
        let given: Vec<&str> = args.iter().map(|a| a.type_name()).collect();
        ArgumentMismatch {
            export: export.to_string(),
            signature: signature_text(&signature.params, &signature.results),
            given: format!("({})", given.join(" ")),
        }
    }
}

impl core::fmt::Display for ArgumentMismatch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "arguments {} do not match the signature of {:?}: {}",
            self.given, self.export, self.signature
        )
    }
}
