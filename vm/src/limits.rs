//! Static limits on uploaded modules.
//!
//! Every limit an uploaded module must respect lives here, with the reason for
//! its value and the values peers chose for the same quantity. The
//! instrumenter enforces them before any code is compiled or run, so that the
//! cost of handling a module (memory, compile time, per-call setup) is bounded
//! by constants a chain can plan for.
//!
//! Peer values are given as "CosmWasm / NEAR / Soroban / pallet-contracts /
//! Stylus" where each applies; "none" means we found no separate limit for
//! that quantity. pallet-contracts values marked "older" were in its
//! `Schedule` limits and were removed in its last Wasm versions. See
//! `docs/limits.md` for the same table with sources and versions.
//!
//! The limits are consensus rules: changing one changes which modules a chain
//! accepts. [`Limits::CONSENSUS`] is the set every node uses; a different set
//! is only for tools and tests.
//!
//! The VM's run-time constants live here too, after the limits: the
//! deterministic stack limit and frame overhead (consensus rules, part of the
//! gas specification: the cost table's hash covers them), and the engine's
//! own capacities, which bind only modules that were not instrumented (an
//! instrumented module reaches the injected limits first).

/// The static limits checked at upload. See the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted module, in bytes of the uploaded binary.
    ///
    /// Bounds storage, hashing and instrumentation time per upload. 512 KiB
    /// holds large Rust contracts with room to spare (an SDK token contract is
    /// well under 32 KiB). Peers: CosmWasm 800 KiB (wasmd; 3 MiB by
    /// governance) / NEAR 4 MiB / Soroban 128 KiB (network setting) /
    /// pallet-contracts 123 KiB (runtime config) / Stylus 128 KiB after
    /// decompression.
    pub module_bytes: u32,
    /// Most functions defined in the module (imports not counted).
    ///
    /// Bounds per-module compile state. Peers: CosmWasm 20,000 / NEAR 10,000
    /// (imports included) / Soroban (wasmi) 10,000 / pallet-contracts none /
    /// Stylus 4,096.
    pub functions: u32,
    /// Most parameters of one function type.
    ///
    /// Every parameter is a slot in the callee's frame. Peers: CosmWasm 100 /
    /// NEAR 64 / Soroban (wasmi) 32 / pallet-contracts 128 (older) / Stylus
    /// none.
    pub params_per_function: u32,
    /// Most parameters summed over all types of the type section.
    ///
    /// Bounds the type section's size independently of the type count.
    /// Peers: CosmWasm 10,000 (summed over functions) / NEAR 50,000 / others
    /// none.
    pub params_total: u32,
    /// Most results of one function or block type (multi-value).
    ///
    /// rustc emits at most a handful. Peers: CosmWasm 1 / NEAR none /
    /// Soroban 1 (multi-value off) / pallet-contracts 1 (multi-value off) /
    /// Stylus none.
    pub results_per_function: u32,
    /// Most locals declared in one function (parameters not counted).
    ///
    /// Locals are zero-initialised at every call and charged per local; the
    /// frame size counts them. Peers: CosmWasm 100 / NEAR none per function /
    /// Soroban none / pallet-contracts 1,024 (older) / Stylus 348.
    pub locals_per_function: u32,
    /// Most locals declared in all functions together.
    ///
    /// Bounds the memory the compiled module needs for local declarations.
    /// Peers: CosmWasm 10,000 / NEAR 1,000,000 / others none.
    pub locals_total: u32,
    /// Most globals (imported and defined).
    ///
    /// rustc emits one to three. Peers: CosmWasm none / NEAR none / Soroban
    /// (wasmi) 1,000 / pallet-contracts 256 (older) / Stylus 32,768.
    pub globals: u32,
    /// Most entries in the type section.
    ///
    /// Peers: NEAR 1,024 / others none.
    pub types: u32,
    /// Most tables.
    ///
    /// rustc emits one (the indirect-call table); reference types allow more.
    /// Peers: CosmWasm 1 / NEAR 1 / Soroban 1 / pallet-contracts 1 / Stylus 1
    /// (the last three with reference types off).
    pub tables: u32,
    /// Largest initial and maximum size of a table, in elements.
    ///
    /// A table is allocated in full at instantiation. Peers: CosmWasm 2,500
    /// / NEAR 10,000 / Soroban 1,000 / pallet-contracts 4,096 (older) /
    /// Stylus 4,096 (all tables together).
    pub table_elements: u32,
    /// Largest initial and declared maximum linear memory, in 64 KiB pages;
    /// also the page limit `memory.grow` enforces at run time.
    ///
    /// 512 pages (32 MiB). Peers: CosmWasm 512 / NEAR 2,048 / Soroban none
    /// (40 MiB memory budget per transaction) / pallet-contracts 16 / Stylus
    /// 128 initial (growth gas-priced).
    pub memory_pages: u32,
    /// Most data segments.
    ///
    /// rustc emits a few. Peers: Soroban (wasmi) 1,000 / Stylus 128 / others
    /// none.
    pub data_segments: u32,
    /// Most element segments.
    ///
    /// Peers: Soroban (wasmi) 1,000 / Stylus 128 / others none.
    pub element_segments: u32,
    /// Most targets of one `br_table` (the default target not counted).
    ///
    /// Decoding and compiling a `br_table` is linear in its targets; the
    /// limit bounds a single instruction's cost. Peers: pallet-contracts 256
    /// (older) / others none (bounded by body size).
    pub br_table_targets: u32,
    /// Deepest nesting of `block`, `loop` and `if` inside one function (the
    /// function body's own block not counted).
    ///
    /// LLVM lowers a `match` into one nested block per arm, so this must be
    /// generous; it also bounds the control stack of the validator and of the
    /// compiler. Peers: none; NEAR counts blocks instead (5,000 per
    /// function).
    pub nesting_depth: u32,
    /// Largest function body, in bytes (locals declarations included).
    ///
    /// Bounds the work for one function. Peers: NEAR 196,608 / Stylus
    /// 65,536 operators / others none; wasmparser's own limit is 7,654,321.
    pub function_body_bytes: u32,
    /// Most imports.
    ///
    /// Only host functions from the manifest can be imported. Peers: CosmWasm
    /// 100 / others none.
    pub imports: u32,
    /// Most exports.
    ///
    /// Peers: pallet-contracts 2 (`call`, `deploy`) / Stylus 1,024 / others
    /// none.
    pub exports: u32,
    /// Largest frame of one function, in stack units: [`FRAME_OVERHEAD`] +
    /// parameters + declared locals + maximum operand stack height (the
    /// frame `docs/gas.md` section 5 defines).
    ///
    /// A function whose frame is above [`STACK_LIMIT`] could never run (its
    /// prologue traps with *stack exhausted* at any height), but the engine
    /// sizes every call's value stack by the module's largest frame: without
    /// this limit a never-called function of many calls to a function of 16
    /// results reaches about 2.1 million slots (33.6 MiB per call, paid only
    /// by the entry base). Hence [`STACK_LIMIT`] exactly. Peers: CosmWasm
    /// none / NEAR none (the stack limit only) / Soroban none /
    /// pallet-contracts none / Stylus 10,240 (`max_frame_size`).
    pub frame_slots: u32,
}

impl Limits {
    /// The limits every node of a chain enforces.
    pub const CONSENSUS: Limits = Limits {
        module_bytes: 512 * 1024,
        functions: 10_000,
        params_per_function: 64,
        params_total: 10_000,
        results_per_function: 16,
        locals_per_function: 4_096,
        locals_total: 250_000,
        globals: 256,
        types: 1_000,
        tables: 8,
        table_elements: 10_000,
        memory_pages: 512,
        data_segments: 1_024,
        element_segments: 1_024,
        br_table_targets: 1_024,
        nesting_depth: 1_024,
        function_body_bytes: 256 * 1024,
        imports: 100,
        exports: 128,
        frame_slots: STACK_LIMIT,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::CONSENSUS
    }
}

/// Each kind of static limit, named in a rejection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Limit {
    /// [`Limits::module_bytes`].
    ModuleBytes,
    /// [`Limits::functions`].
    Functions,
    /// [`Limits::params_per_function`].
    ParamsPerFunction,
    /// [`Limits::params_total`].
    ParamsTotal,
    /// [`Limits::results_per_function`].
    ResultsPerFunction,
    /// [`Limits::locals_per_function`].
    LocalsPerFunction,
    /// [`Limits::locals_total`].
    LocalsTotal,
    /// [`Limits::globals`].
    Globals,
    /// [`Limits::types`].
    Types,
    /// [`Limits::tables`].
    Tables,
    /// [`Limits::table_elements`].
    TableElements,
    /// [`Limits::memory_pages`].
    MemoryPages,
    /// [`Limits::data_segments`].
    DataSegments,
    /// [`Limits::element_segments`].
    ElementSegments,
    /// [`Limits::br_table_targets`].
    BrTableTargets,
    /// [`Limits::nesting_depth`].
    NestingDepth,
    /// [`Limits::function_body_bytes`].
    FunctionBodyBytes,
    /// [`Limits::imports`].
    Imports,
    /// [`Limits::exports`].
    Exports,
    /// [`Limits::frame_slots`].
    FrameSlots,
}

impl Limit {
    /// The value of this limit in `limits`.
    pub fn value(self, limits: &Limits) -> u32 {
        match self {
            Limit::ModuleBytes => limits.module_bytes,
            Limit::Functions => limits.functions,
            Limit::ParamsPerFunction => limits.params_per_function,
            Limit::ParamsTotal => limits.params_total,
            Limit::ResultsPerFunction => limits.results_per_function,
            Limit::LocalsPerFunction => limits.locals_per_function,
            Limit::LocalsTotal => limits.locals_total,
            Limit::Globals => limits.globals,
            Limit::Types => limits.types,
            Limit::Tables => limits.tables,
            Limit::TableElements => limits.table_elements,
            Limit::MemoryPages => limits.memory_pages,
            Limit::DataSegments => limits.data_segments,
            Limit::ElementSegments => limits.element_segments,
            Limit::BrTableTargets => limits.br_table_targets,
            Limit::NestingDepth => limits.nesting_depth,
            Limit::FunctionBodyBytes => limits.function_body_bytes,
            Limit::Imports => limits.imports,
            Limit::Exports => limits.exports,
            Limit::FrameSlots => limits.frame_slots,
        }
    }

    /// What is counted, in words, for error messages.
    pub fn describe(self) -> &'static str {
        match self {
            Limit::ModuleBytes => "module size in bytes",
            Limit::Functions => "defined functions",
            Limit::ParamsPerFunction => "parameters of one function type",
            Limit::ParamsTotal => "parameters over all function types",
            Limit::ResultsPerFunction => "results of one function or block type",
            Limit::LocalsPerFunction => "locals of one function",
            Limit::LocalsTotal => "locals over all functions",
            Limit::Globals => "globals",
            Limit::Types => "types",
            Limit::Tables => "tables",
            Limit::TableElements => "table size in elements",
            Limit::MemoryPages => "memory size in 64 KiB pages",
            Limit::DataSegments => "data segments",
            Limit::ElementSegments => "element segments",
            Limit::BrTableTargets => "br_table targets",
            Limit::NestingDepth => "block nesting depth",
            Limit::FunctionBodyBytes => "function body size in bytes",
            Limit::Imports => "imports",
            Limit::Exports => "exports",
            Limit::FrameSlots => "frame size of one function in stack units",
        }
    }
}

// ---------------------------------------------------------------------------
// Run-time constants.

/// The deterministic stack limit, in units (one unit is one value slot).
///
/// A call whose frame would take the stack height above this traps with
/// *stack exhausted*. 128 Ki units is 1 MiB of 8-byte slots; a typical Rust
/// function frame is 10 to 50 units, so recursion depth is in the thousands.
/// A consensus rule, written into every instrumented module.
pub const STACK_LIMIT: u32 = 128 * 1024;

/// Units every frame takes besides its parameters, locals and operands: the
/// return address, the frame's bookkeeping and the instrumenter's own locals.
/// A consensus rule, written into every instrumented module.
pub const FRAME_OVERHEAD: u32 = 4;

/// Bytes in a WebAssembly page.
pub const PAGE_SIZE: usize = 64 * 1024;

/// The most pages a memory may have in the engine: 1 GiB. WebAssembly
/// allows 4 GiB; instrumented modules are held far below either
/// ([`Limits::memory_pages`]), but the engine also runs modules that were
/// not instrumented, and a bad one must not exhaust the host's memory:
/// `memory.grow` returns -1 beyond this, and a larger initial memory does
/// not instantiate.
pub const MAX_MEMORY_PAGES: u64 = 16_384;

/// The most elements a table may have in the engine (8 MiB of elements),
/// for the same reason: `table.grow` returns -1 beyond it, and a larger
/// initial table does not instantiate. Instrumented modules are held to
/// [`Limits::table_elements`].
pub const MAX_TABLE_ELEMENTS: u64 = 1 << 20;

/// Most frames on the executor's frame stack. An instrumented frame costs
/// at least [`FRAME_OVERHEAD`] units of [`STACK_LIMIT`], so the injected
/// limit is reached well before this; a module that was not instrumented
/// traps with *stack exhausted* here.
pub const MAX_FRAMES: usize = STACK_LIMIT as usize + 1024;

/// Value slots the executor's value stack holds above [`STACK_LIMIT`]'s
/// worth (and twice the largest frame), for the entry frames (thunk and
/// callee) that the injected accounting does not count.
pub const VALUE_STACK_SLACK: usize = 64 * 1024;
