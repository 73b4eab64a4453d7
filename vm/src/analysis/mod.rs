//! Static analysis of an accepted module: what each export can reach and
//! how deep it can go, before it ever runs.
//!
//! Input: the uploaded module's bytes and their [`Instrumented`] form (the
//! instrumenter must have accepted the module). Output: an [`Analysis`]:
//! for every function its frame size and metered blocks, and for every
//! exported function the host functions it can reach, the most stack units
//! it can use ([`StackBound`]), and the metered blocks and code it can
//! reach; module-wide the memory and data it needs, its code size and
//! metered blocks. `gasworks audit` prints it, with the deploy gas and the
//! schedule hash that only the node knows (`docs/audit.md`).
//!
//! # The call graph
//!
//! One node per function of the uploaded module's index space (host imports
//! first, then the defined functions), and one node per function type that
//! a `call_indirect` names. A defined function has an edge to every
//! function it calls with `call`, and to the type node of every
//! `call_indirect` in its body. A type node has an edge to every function
//! that may be in a table and whose type is that type. The type nodes keep
//! the graph linear in the module's size: without them, `n` functions that
//! each call indirectly through a table of `n` functions would be `n²`
//! edges.
//!
//! *Which functions may be in a table.* A table starts empty (table
//! initialiser expressions are rejected) and the host never writes a table
//! (no host function takes or returns a reference, and tables cannot be
//! imported). So a function can only get into a table as an item of an
//! element segment (active, which fills a table at instantiation, or
//! passive, which `table.init` copies), or as a reference made by
//! `ref.func` (in a function body, a global's initialiser or an element
//! expression), which `table.set`, `table.fill` or `table.grow` may then
//! store. Every function named in any of these places is taken to be in
//! every table. Imported host functions may be among them, and are then
//! reached by `call_indirect`.
//!
//! *Which of them a `call_indirect` can call.* A `call_indirect` with type
//! index `t` calls the table entry only if the entry's function type is
//! `t`; otherwise it traps. The accepted profile has no recursive type
//! groups, no subtyping (every type is final) and no concrete reference
//! types in signatures, so wasm's canonical type equality (iso-recursive
//! equivalence of rec groups) is plain structural equality of the parameter
//! and result lists: two type indices with the same signature are the same
//! type, and a type that differs in one value type is another. The edges
//! follow exactly that equality ([`Analysis::indirect_targets`]).
//!
//! The graph over-approximates the calls a run can make, so that every
//! bound below is sound (never smaller than what a run can reach):
//!
//! - every call site is taken to run, including dead code and branches
//!   that a run never takes;
//! - a `call_indirect` may call any function above of its type, whatever
//!   the table it names, the index it computes, whether the segment was
//!   dropped and whether the `table.set` ever runs.
//!
//! # The stack bound
//!
//! The instrumenter's stack accounting (`docs/gas.md`, "Stack metering")
//! adds a function's frame size to one stack-height global in the
//! function's prologue, traps with *stack exhausted* when the new height
//! exceeds [`STACK_LIMIT`], and puts the height back to the caller's level
//! after every call into wasm; the host enters through thunks that add
//! nothing. Host functions have no frame: a cross-contract call runs the
//! callee in its own instance, with its own height. So at any moment the
//! height is the sum of the frames of the wasm functions on the call stack,
//! and those functions form a path in the call graph from the export.
//!
//! The frame sizes are read back from the instrumented module's prologues
//! (`i32.const FRAME` in the canonical prologue; an instrumented body
//! without it is an [`AnalysisError`]), so they are exactly what the
//! metered module charges, not a second computation of them. The bound of
//! an export is the largest sum of frame sizes along a path from it in the
//! call graph, computed over the strongly connected components (iterative
//! Tarjan, then one pass in reverse topological order). It is exact for
//! the graph: the deepest path it names reaches that height if it runs,
//! and a run that exceeds [`STACK_LIMIT`] traps at the first call whose
//! prologue takes the sum above it. When the export can reach a cycle
//! (recursion, direct, mutual or through `call_indirect`), the height has
//! no static bound and the report names one cycle instead
//! ([`StackBound::Recursive`]): the shortest, in calls, through the
//! lowest-numbered function of the recursive component with the
//! lowest-numbered such function that the export reaches. It also bounds
//! the height of the runs that enter no function twice, the common case of
//! Rust code whose only cycles are formatting's indirect calls: the same
//! longest-path pass with each recursive component counting the frames of
//! all its members.
//!
//! # Cost
//!
//! One pass over each module to read it, a linear graph construction, one
//! linear strongly-connected-components pass and one linear longest-path
//! pass; then one linear reachability walk per exported function (their
//! number is bounded by [`Limits::exports`](crate::limits::Limits::exports)).
//! No step recurses natively: a hostile module with thousands of functions
//! in one chain or one cycle costs the same small constant per function and
//! call site. Only ordered maps and vectors are used, so the analysis is
//! deterministic.

mod graph;
mod metering;
mod uploaded;

use core::fmt;

use crate::instrument::{Instrumented, STACK_LIMIT};

/// The static analysis of an accepted module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    /// Every function of the uploaded module's index space: the imported
    /// host functions first, then the defined functions.
    pub functions: Vec<FunctionInfo>,
    /// Every exported function, in the export section's order.
    pub exports: Vec<ExportInfo>,
    /// The memory, when the module has one.
    pub memory: Option<MemoryInfo>,
    /// The data segments.
    pub data: DataInfo,
    /// The functions that may be in a table, in index order: the possible
    /// targets of `call_indirect` (of the matching type).
    pub indirect_targets: Vec<u32>,
    /// How many strongly connected components of the call graph are
    /// recursive (a cycle, or a function that calls itself).
    pub recursive_components: u32,
    /// Injected gas charges in the whole module (metered blocks with a
    /// non-zero price), the instrumenter's count.
    pub metered_blocks: u64,
    /// Size of the uploaded module in bytes.
    pub module_bytes: u64,
    /// Size of the uploaded code section in bytes.
    pub code_bytes: u64,
    /// Size of the instrumented module in bytes.
    pub instrumented_bytes: u64,
    /// The limit on the stack height, [`STACK_LIMIT`].
    pub stack_limit: u32,
}

/// One function of the uploaded module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionInfo {
    /// Index in the uploaded module's function index space.
    pub index: u32,
    /// Its name in the name section, when there is one (raw: a Rust
    /// symbol is still mangled).
    pub name: Option<String>,
    /// Import module and name, for an imported host function.
    pub import: Option<(String, String)>,
    /// Its type index in the uploaded module.
    pub type_index: u32,
    /// Size of its body in bytes (0 for an import).
    pub body_bytes: u64,
    /// Stack units its prologue adds: `FRAME_OVERHEAD + params + declared
    /// locals + maximum operand height`, as read from the instrumented
    /// module (0 for an import, which has no frame).
    pub frame_units: u32,
    /// Gas charges injected into its body (0 for an import).
    pub metered_blocks: u64,
    /// Whether its body contains a `call_indirect`.
    pub calls_indirect: bool,
    /// Whether it is part of a recursive component of the call graph.
    pub recursive: bool,
    /// The most stack units a call of it can use (its frame included), or
    /// `None` when it can reach recursion.
    pub max_stack_units: Option<u64>,
}

/// One exported function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportInfo {
    /// The export name.
    pub name: String,
    /// The exported function's index.
    pub function: u32,
    /// The host functions it can reach (indices of imports, ascending).
    pub host_functions: Vec<u32>,
    /// How many defined functions it can reach, itself included.
    pub reachable_functions: u32,
    /// Gas charges injected into the functions it can reach.
    pub metered_blocks: u64,
    /// Bytes of the bodies of the functions it can reach.
    pub code_bytes: u64,
    /// Whether a function it can reach calls indirectly.
    pub calls_indirect: bool,
    /// The most stack units a call of it can use, or the recursion that
    /// leaves it without a static bound.
    pub stack: StackBound,
}

/// The stack height a call of an export can reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StackBound {
    /// No recursion is reachable: the height never exceeds `units`.
    Bounded {
        /// The largest sum of frame sizes along a path of the call graph.
        units: u64,
        /// That path, from the export on (empty for a re-exported host
        /// function, which has no frame).
        deepest_path: Vec<PathStep>,
    },
    /// A cycle is reachable: the height is bounded only by the run-time
    /// limit, which traps with *stack exhausted*.
    Recursive {
        /// The cycle, starting and ending with the same function.
        cycle: Vec<PathStep>,
        /// Stack units one trip around the cycle adds.
        units_per_trip: u64,
        /// A bound on the height while no function is on the call stack
        /// twice (no re-entry): the deepest chain of strongly connected
        /// components, each recursive one counting the frames of all its
        /// functions (a path that enters none of them twice cannot use
        /// more). Deeper runs re-enter a function; only the run-time limit
        /// bounds them.
        units_without_reentry: u64,
    },
}

impl StackBound {
    /// Whether every run stays within `limit`: `Some(true)` when bounded
    /// within it, `Some(false)` when the deepest path exceeds it (a run
    /// that takes that path traps with *stack exhausted*), `None` when it
    /// depends on the recursion's depth.
    pub fn within(&self, limit: u32) -> Option<bool> {
        match self {
            StackBound::Bounded { units, .. } => Some(*units <= u64::from(limit)),
            StackBound::Recursive { .. } => None,
        }
    }
}

/// One call on a path of the call graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathStep {
    /// The function called.
    pub function: u32,
    /// Its frame size in stack units.
    pub frame_units: u32,
    /// Whether the call is a `call_indirect` (else a `call`, or the
    /// export's entry for the first step).
    pub indirect: bool,
}

/// The memory of a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryInfo {
    /// Pages at instantiation (64 KiB each).
    pub initial_pages: u64,
    /// The maximum the upload declares, if any.
    pub declared_maximum_pages: Option<u64>,
    /// The maximum the instrumented module enforces: the declared one, or
    /// [`Limits::memory_pages`](crate::limits::Limits::memory_pages) when
    /// that is smaller or none is declared.
    pub maximum_pages: u64,
}

/// The data segments of a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DataInfo {
    /// Active segments (copied into memory at instantiation).
    pub active_segments: u32,
    /// Passive segments (copied by `memory.init`).
    pub passive_segments: u32,
    /// Bytes of all segments.
    pub bytes: u64,
    /// The end of the highest active segment, in bytes from the start of
    /// memory, when every active offset is a constant: the memory the
    /// module needs at instantiation.
    pub active_end: Option<u64>,
}

impl DataInfo {
    /// Pages that [`DataInfo::active_end`] needs.
    pub fn pages_needed(&self) -> Option<u64> {
        let page = crate::limits::PAGE_SIZE as u64;
        self.active_end.map(|end| end.div_ceil(page))
    }
}

impl Analysis {
    /// A name for function `index` as people read it: `module.name` for an
    /// import, else its name-section name, else its first export name, else
    /// `#index`. Rust symbols stay mangled (the CLI demangles them).
    pub fn function_name(&self, index: u32) -> String {
        let Some(function) = self.functions.get(index as usize) else {
            return format!("#{index}");
        };
        if let Some((module, name)) = &function.import {
            return format!("{module}.{name}");
        }
        if let Some(name) = &function.name {
            return name.clone();
        }
        if let Some(export) = self.exports.iter().find(|e| e.function == index) {
            return export.name.clone();
        }
        format!("#{index}")
    }
}

/// The analysis could not read the module: the bytes and the instrumented
/// module do not belong together, or the instrumenter's output lacks the
/// canonical form the analysis reads. Not the module's fault when both come
/// from [`instrument`](crate::instrument()); then it is a bug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisError {
    /// What did not read.
    pub message: String,
    /// Byte offset in the module it was found in.
    pub offset: u64,
}

impl AnalysisError {
    fn new(message: impl Into<String>, offset: u64) -> Self {
        AnalysisError {
            message: message.into(),
            offset,
        }
    }

    fn from_wasmparser(err: &wasmparser::BinaryReaderError) -> Self {
        AnalysisError::new(err.message(), err.offset())
    }
}

impl fmt::Display for AnalysisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the static analysis cannot read the module at offset {:#x}: {}",
            self.offset, self.message
        )
    }
}

impl std::error::Error for AnalysisError {}

/// Analyses `wasm`, an uploaded module that the instrumenter accepted, with
/// `instrumented`, the instrumenter's output for it.
///
/// # Errors
///
/// [`AnalysisError`] when `wasm` does not decode, or `instrumented` is not
/// its instrumented form (a body without the canonical stack prologue,
/// another number of functions).
pub fn analyse(wasm: &[u8], instrumented: &Instrumented) -> Result<Analysis, AnalysisError> {
    let uploaded = uploaded::read(wasm)?;
    let imported = uploaded.imports.len() as u32;
    let defined = uploaded.bodies.len() as u32;
    let thunks = uploaded
        .function_exports
        .iter()
        .map(|(_, function)| *function)
        .filter(|function| *function >= imported)
        .collect::<std::collections::BTreeSet<u32>>()
        .len() as u32;
    let metering = metering::read(&instrumented.module, imported, defined, thunks)?;

    let graph = graph::CallGraph::new(&uploaded);
    let mut frames = vec![0u32; (imported + defined) as usize];
    frames[imported as usize..].copy_from_slice(&metering.frames);
    let depths = graph.depths(&frames);

    let mut functions = Vec::with_capacity(frames.len());
    for (index, (module, name, type_index)) in uploaded.imports.iter().enumerate() {
        let index = index as u32;
        functions.push(FunctionInfo {
            index,
            name: uploaded.names.get(&index).cloned(),
            import: Some((module.clone(), name.clone())),
            type_index: *type_index,
            body_bytes: 0,
            frame_units: 0,
            metered_blocks: 0,
            calls_indirect: false,
            recursive: false,
            max_stack_units: depths.max_units(index),
        });
    }
    for (i, body) in uploaded.bodies.iter().enumerate() {
        let index = imported + i as u32;
        functions.push(FunctionInfo {
            index,
            name: uploaded.names.get(&index).cloned(),
            import: None,
            type_index: body.type_index,
            body_bytes: body.bytes,
            frame_units: metering.frames[i],
            metered_blocks: metering.charges[i],
            calls_indirect: !body.indirect_types.is_empty(),
            recursive: depths.is_recursive(index),
            max_stack_units: depths.max_units(index),
        });
    }

    let mut reach = graph::Reach::new(&graph);
    let mut exports = Vec::new();
    for (name, function) in &uploaded.function_exports {
        let reached = reach.from(&graph, *function);
        let mut summary = ExportInfo {
            name: name.clone(),
            function: *function,
            host_functions: Vec::new(),
            reachable_functions: 0,
            metered_blocks: 0,
            code_bytes: 0,
            calls_indirect: false,
            stack: depths.stack_bound(&graph, &frames, *function),
        };
        for node in reached {
            let Some(info) = functions.get(*node as usize) else {
                continue; // a type node
            };
            if info.import.is_some() {
                summary.host_functions.push(*node);
            } else {
                summary.reachable_functions += 1;
                summary.metered_blocks += info.metered_blocks;
                summary.code_bytes += info.body_bytes;
                summary.calls_indirect |= info.calls_indirect;
            }
        }
        summary.host_functions.sort_unstable();
        exports.push(summary);
    }

    let memory = uploaded.memory.map(|(initial, declared)| MemoryInfo {
        initial_pages: initial,
        declared_maximum_pages: declared,
        maximum_pages: metering.memory_maximum.or(declared).unwrap_or(initial),
    });
    Ok(Analysis {
        functions,
        exports,
        memory,
        data: uploaded.data,
        indirect_targets: uploaded.indirect_targets.iter().copied().collect(),
        recursive_components: depths.recursive_components(),
        metered_blocks: instrumented.report.metered_blocks,
        module_bytes: wasm.len() as u64,
        code_bytes: uploaded.code_bytes,
        instrumented_bytes: instrumented.module.len() as u64,
        stack_limit: STACK_LIMIT,
    })
}

#[cfg(test)]
mod tests;
