//! Rejections: why an uploaded module is not accepted.
//!
//! A [`Rejection`] names the broken [`Rule`] (a typed value tests and tools
//! match on), the byte offset in the uploaded module, and, for code, the
//! function (index in the module's function index space, and its name from
//! the name section when there is one). Its `Display` is written for the
//! contract author: what is wrong, where, and why the rule exists.

use core::fmt;

use crate::limits::Limit;

/// Why a module was rejected, with where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The rule the module breaks.
    pub rule: Rule,
    /// Byte offset in the uploaded module where the problem was found.
    pub offset: u64,
    /// The function the problem is in, when it is in code.
    pub function: Option<FunctionRef>,
}

/// A function named in a rejection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    /// Index in the module's function index space (imports first).
    pub index: u32,
    /// Name from the module's name section, when present.
    pub name: Option<String>,
}

/// The rule a rejected module breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// The bytes are not a WebAssembly binary module (bad magic or version,
    /// truncated or oversized section, bad LEB128, bad UTF-8, a component...).
    Malformed {
        /// The decoder's description.
        message: String,
    },
    /// The module decodes but is not valid WebAssembly (type errors,
    /// out-of-range indices...).
    Invalid {
        /// The validator's description.
        message: String,
    },
    /// A floating-point type, value or operator appears (dead code included).
    FloatingPoint {
        /// What uses floating point: an operator (`f64.add`) or a place
        /// (`f32 parameter of type #2`).
        what: String,
    },
    /// A feature of a WebAssembly proposal outside the accepted profile.
    Proposal {
        /// The proposal.
        proposal: Proposal,
        /// The operator or construct that uses it.
        what: String,
    },
    /// A static limit is exceeded.
    Limit {
        /// Which limit.
        limit: Limit,
        /// The value found (at least `max + 1`).
        found: u64,
        /// The largest accepted value.
        max: u64,
    },
    /// An import that the host-API manifest does not offer (unknown name, or
    /// not a function).
    UnknownImport {
        /// Import module name.
        module: String,
        /// Import field name.
        name: String,
    },
    /// An import whose name is in the manifest but whose signature differs.
    ImportSignature {
        /// Import module name.
        module: String,
        /// Import field name.
        name: String,
        /// The manifest's signature, in text format.
        expected: String,
        /// The module's signature, in text format.
        found: String,
    },
    /// A name reserved for the instrumenter's metering is used.
    ReservedName {
        /// The reserved name used.
        name: String,
    },
    /// The module has a start function.
    StartFunction,
    /// A failure that valid input cannot cause: a bug in the instrumenter,
    /// reported instead of a panic. Not the module's fault.
    Internal {
        /// What went wrong.
        message: String,
    },
}

/// WebAssembly proposals outside the accepted profile, named in rejections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Proposal {
    /// 128-bit SIMD (and relaxed SIMD).
    Simd,
    /// Threads and atomics, shared memory.
    Threads,
    /// Exception handling (both the legacy and the final encodings).
    Exceptions,
    /// Tail calls.
    TailCalls,
    /// Garbage collection (struct, array, i31, subtyping, rec groups).
    Gc,
    /// Typed function references.
    FunctionReferences,
    /// 64-bit memories and tables.
    Memory64,
    /// More than one memory.
    MultiMemory,
    /// Extended constant expressions.
    ExtendedConst,
    /// Custom page sizes.
    CustomPageSizes,
    /// Wide arithmetic (128-bit add, multiply).
    WideArithmetic,
    /// The component model (a component instead of a core module).
    ComponentModel,
    /// Any other proposal (stack switching, memory control, shared-everything
    /// threads, custom descriptors...).
    Other,
}

impl Proposal {
    /// The proposal's usual name.
    pub fn name(self) -> &'static str {
        match self {
            Proposal::Simd => "SIMD",
            Proposal::Threads => "threads/atomics",
            Proposal::Exceptions => "exception handling",
            Proposal::TailCalls => "tail calls",
            Proposal::Gc => "garbage collection",
            Proposal::FunctionReferences => "typed function references",
            Proposal::Memory64 => "memory64",
            Proposal::MultiMemory => "multi-memory",
            Proposal::ExtendedConst => "extended constant expressions",
            Proposal::CustomPageSizes => "custom page sizes",
            Proposal::WideArithmetic => "wide arithmetic",
            Proposal::ComponentModel => "the component model",
            Proposal::Other => "a WebAssembly proposal outside the accepted profile",
        }
    }
}

impl Rejection {
    /// A rejection at `offset`, outside any function. Boxed: rejections
    /// travel through the per-operator path, which should stay small.
    pub(crate) fn new(rule: Rule, offset: u64) -> Box<Self> {
        Box::new(Rejection {
            rule,
            offset,
            function: None,
        })
    }

    /// A rejection from the decoder or validator.
    pub(crate) fn from_wasmparser(
        err: &wasmparser::BinaryReaderError,
        malformed: bool,
    ) -> Box<Self> {
        let message = err.message().to_string();
        let rule = if malformed {
            Rule::Malformed { message }
        } else {
            Rule::Invalid { message }
        };
        Rejection::new(rule, err.offset())
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = format!("at offset {:#x}", self.offset);
        let place = match &self.function {
            Some(FunctionRef {
                index,
                name: Some(name),
            }) => format!("function \"{name}\" (#{index})"),
            Some(FunctionRef { index, name: None }) => format!("function #{index}"),
            None => "the module".to_string(),
        };
        match &self.rule {
            Rule::Malformed { message } => write!(
                f,
                "{place} is malformed {at}: {message}; this is not a WebAssembly binary module"
            ),
            Rule::Invalid { message } => {
                write!(f, "{place} is invalid WebAssembly {at}: {message}")
            }
            Rule::FloatingPoint { what } => write!(
                f,
                "{place} uses {what} {at}: floating point is not allowed, results would differ between machines"
            ),
            Rule::Proposal { proposal, what } => write!(
                f,
                "{place} uses {what} {at}: {} is not supported; only the integer subset of WebAssembly 2.0 is accepted",
                proposal.name()
            ),
            Rule::Limit { limit, found, max } => write!(
                f,
                "{place} exceeds the limit on {} {at}: {found} found, at most {max} allowed",
                limit.describe()
            ),
            Rule::UnknownImport { module, name } => write!(
                f,
                "{place} imports \"{module}\" \"{name}\" {at}: only host functions listed in the host-API manifest can be imported"
            ),
            Rule::ImportSignature {
                module,
                name,
                expected,
                found,
            } => write!(
                f,
                "{place} imports \"{module}\" \"{name}\" with signature {found} {at}: the host API defines it as {expected}"
            ),
            Rule::ReservedName { name } => write!(
                f,
                "{place} uses the reserved name \"{name}\" {at}: it belongs to the instrumenter's metering"
            ),
            Rule::Internal { message } => write!(
                f,
                "internal error in the instrumenter while reading {place} {at}: {message}; this is a bug in Gasworks, not a fault of the module, please report it"
            ),
            Rule::StartFunction => write!(
                f,
                "{place} has a start function {at}: start functions are not allowed; initialise state in an exported entry point"
            ),
        }
    }
}

impl std::error::Error for Rejection {}
