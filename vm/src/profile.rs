//! Gas profiles: where a call's gas went, by call stack and by what it
//! paid for.
//!
//! A [`Profiler`] is lent to a call ([`Instance::call_profiled`]) and
//! records every charge with the call stack it was made in and its
//! [`Category`]; [`Profiler::finish`] gives the [`Profile`]: gas per
//! wasm function (self and total), per host function (calls, gas, bytes),
//! per category, as a table, as folded stacks (one line per stack, the
//! input of flame-graph tools), and with the `render` feature as JSON and
//! as a flame-graph SVG. Every unit of gas the call used is in exactly one
//! sample, so the profile's total is the gas used.
//!
//! **How the engine records.** A profiled call runs the module's code
//! lowered a second time (once per module, on first use), identical except
//! for two things: a gas charge's handler records before it charges, and
//! no branch or call makes its destination's charge itself (the charge op
//! at the destination makes it, as it does for every other path there; the
//! charge is the same and comes at the same point). The stack is read from
//! the executor's frame records when a charge is recorded; nothing is done
//! per call or return. A call that is not profiled runs the ordinary code:
//! profiling costs it nothing. Host functions charge through their
//! [`Caller`](crate::engine::Caller), which records a charge under the host
//! function's frame in the category the host gives; whatever a host
//! function charges without a category is recorded as [`Category::Host`],
//! so the totals hold for any embedder.
//!
//! **Frames.** A sample's stack is a list of [`Frame`]s, outermost first:
//! the embedder's scopes ([`Profiler::enter`]: a transaction, a contract),
//! wasm functions (named from the module's name section, else its exports,
//! else `func[N]` with `N` the function's index in the uploaded module),
//! host functions, and again scopes and wasm functions for a contract a
//! host function calls.
//!
//! [`Instance::call_profiled`]: crate::engine::Instance::call_profiled

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What a unit of gas paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// Metered blocks' charges: the operators of wasm code, and each entry
    /// block's declared locals.
    Instructions,
    /// The per-unit charges of `memory.grow` (pages) and `table.grow`
    /// (elements).
    MemoryGrowth,
    /// The per-unit charges of the bulk memory and table operations
    /// (`memory.fill`, `memory.copy`, `memory.init`, `table.fill`,
    /// `table.copy`, `table.init`).
    BulkOperations,
    /// A host function's base price.
    HostBase,
    /// A host function's per-byte or per-item price.
    HostPerByte,
    /// Storage work priced once it is known: a stored value's length, the
    /// entries a scan visits.
    Storage,
    /// Entering a contract: a transaction's or a cross-contract call's
    /// entry (base, input bytes, the callee's initial memory pages).
    Entry,
    /// A host charge its host function did not categorise.
    Host,
    /// An embedder's own category (a chain's intrinsic gas, a deployment's
    /// price, a native transfer).
    Other(&'static str),
}

impl Category {
    /// The categories the engine and host functions use, in report order
    /// (embedders' [`Category::Other`] come after them).
    pub const BUILT_IN: [Category; 8] = [
        Category::Instructions,
        Category::MemoryGrowth,
        Category::BulkOperations,
        Category::HostBase,
        Category::HostPerByte,
        Category::Storage,
        Category::Entry,
        Category::Host,
    ];

    /// The category's name in reports.
    pub fn name(&self) -> &'static str {
        match self {
            Category::Instructions => "instructions",
            Category::MemoryGrowth => "memory growth",
            Category::BulkOperations => "bulk operations",
            Category::HostBase => "host base",
            Category::HostPerByte => "host per byte",
            Category::Storage => "storage",
            Category::Entry => "entry",
            Category::Host => "host",
            Category::Other(name) => name,
        }
    }
}

/// What a frame of a profiled stack is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FrameKind {
    /// An embedder's scope: a transaction, a contract.
    Scope,
    /// A wasm function.
    Wasm,
    /// A host function.
    Host,
}

/// A frame of a profiled stack.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Frame {
    /// What it is.
    pub kind: FrameKind,
    /// Its name.
    pub name: String,
}

/// Host function counters while profiling.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct HostCounts {
    calls: u64,
    bytes: u64,
    items: u64,
}

/// A compiled module's function names, as the profiler found them.
struct ModuleNames {
    /// Identity of the compiled module (its address while the profiler
    /// holds it), only ever compared, never ordered or shown.
    module: std::sync::Arc<crate::engine::Compiled>,
    /// Name of each function by its index in the instrumented module
    /// (imports first), filled on first use.
    names: Option<BTreeMap<u32, String>>,
}

/// A node of the call tree: a stack, as its innermost frame under its
/// parent's stack (nodes come after their parents).
#[derive(Debug, Clone, Default)]
struct Node {
    frame: u32,
    parent: u32,
    /// Gas charged with this stack, by category (few per node).
    gas: Vec<(Category, u64)>,
}

/// The root of the call tree: the empty stack.
const ROOT: u32 = 0;

/// Frames and the call tree, shared by [`Profiler`] and [`Profile`].
#[derive(Debug, Clone)]
struct Tree {
    frames: Vec<Frame>,
    frame_ids: BTreeMap<Frame, u32>,
    nodes: Vec<Node>,
    children: BTreeMap<(u32, u32), u32>,
}

impl Default for Tree {
    fn default() -> Self {
        Tree {
            frames: Vec::new(),
            frame_ids: BTreeMap::new(),
            nodes: vec![Node::default()],
            children: BTreeMap::new(),
        }
    }
}

impl Tree {
    fn frame_id(&mut self, frame: &Frame) -> u32 {
        if let Some(id) = self.frame_ids.get(frame) {
            return *id;
        }
        let id = self.frames.len() as u32;
        self.frames.push(frame.clone());
        self.frame_ids.insert(frame.clone(), id);
        id
    }

    fn child(&mut self, parent: u32, frame: u32) -> u32 {
        if let Some(node) = self.children.get(&(parent, frame)) {
            return *node;
        }
        let node = self.nodes.len() as u32;
        self.nodes.push(Node {
            frame,
            parent,
            gas: Vec::new(),
        });
        self.children.insert((parent, frame), node);
        node
    }

    fn add(&mut self, node: u32, category: Category, gas: u64) {
        let sums = &mut self.nodes[node as usize].gas;
        match sums.iter_mut().find(|(c, _)| *c == category) {
            Some((_, sum)) => *sum = sum.saturating_add(gas),
            None => sums.push((category, gas)),
        }
    }

    /// Adds every node of `other` under node `at` of this tree.
    fn graft(&mut self, other: &Tree, at: u32) {
        let mut mapped = vec![at; other.nodes.len()];
        for (index, node) in other.nodes.iter().enumerate().skip(1) {
            let frame = self.frame_id(&other.frames[node.frame as usize]);
            mapped[index] = self.child(mapped[node.parent as usize], frame);
        }
        for (index, node) in other.nodes.iter().enumerate() {
            for (category, gas) in &node.gas {
                self.add(mapped[index], *category, *gas);
            }
        }
    }
}

/// Records charges with their stacks; see the module docs.
///
/// Stacks are nodes of a call tree, so a charge costs a lookup of the
/// current frame among its parent's children, not a comparison of whole
/// stacks; the executor keeps the nodes of the frames below the current
/// one between charges.
pub struct Profiler {
    tree: Tree,
    modules: Vec<ModuleNames>,
    /// Frame id of a wasm function, by (module number, function index).
    wasm_frames: BTreeMap<(u32, u32), u32>,
    /// The current stack of scopes and host functions, as nodes (the root
    /// below them).
    stack: Vec<u32>,
    host: BTreeMap<u32, HostCounts>,
    total: u64,
}

impl Default for Profiler {
    fn default() -> Self {
        Profiler::new()
    }
}

impl Profiler {
    /// A profiler that has recorded nothing.
    pub fn new() -> Profiler {
        Profiler {
            tree: Tree::default(),
            modules: Vec::new(),
            wasm_frames: BTreeMap::new(),
            stack: Vec::new(),
            host: BTreeMap::new(),
            total: 0,
        }
    }

    /// Gas recorded so far.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Opens a scope (a transaction, a contract) inside the current stack:
    /// what is recorded until the matching [`Profiler::leave`] is under it.
    pub fn enter(&mut self, name: &str) {
        let frame = self.frame_id(FrameKind::Scope, name);
        let node = self.child(self.current(), frame);
        self.stack.push(node);
    }

    /// Closes the innermost scope opened by [`Profiler::enter`].
    pub fn leave(&mut self) {
        self.stack.pop();
    }

    /// Records `gas` of `category` at the current stack.
    pub fn record(&mut self, category: Category, gas: u64) {
        self.record_at(self.current(), category, gas);
    }

    /// Counts `bytes` bytes for the host function running (the lengths its
    /// per-byte price is charged for).
    pub fn add_bytes(&mut self, bytes: u64) {
        if let Some(counts) = self.current_host() {
            counts.bytes = counts.bytes.saturating_add(bytes);
        }
    }

    /// Counts `items` items for the host function running.
    pub fn add_items(&mut self, items: u64) {
        if let Some(counts) = self.current_host() {
            counts.items = counts.items.saturating_add(items);
        }
    }

    /// The node of the current stack.
    pub(crate) fn current(&self) -> u32 {
        self.stack.last().copied().unwrap_or(ROOT)
    }

    /// The node of `frame` called from `parent`'s stack.
    pub(crate) fn child(&mut self, parent: u32, frame: u32) -> u32 {
        self.tree.child(parent, frame)
    }

    /// Records `gas` of `category` with the stack of `node`.
    pub(crate) fn record_at(&mut self, node: u32, category: Category, gas: u64) {
        if gas == 0 {
            return;
        }
        self.total = self.total.saturating_add(gas);
        self.tree.add(node, category, gas);
    }

    fn current_host(&mut self) -> Option<&mut HostCounts> {
        let frame = self.tree.nodes[*self.stack.last()? as usize].frame;
        (self.tree.frames[frame as usize].kind == FrameKind::Host)
            .then(|| self.host.entry(frame).or_default())
    }

    fn frame_id(&mut self, kind: FrameKind, name: &str) -> u32 {
        self.tree.frame_id(&Frame {
            kind,
            name: name.to_string(),
        })
    }

    /// The number of `module` in this profiler (registered on first use).
    pub(crate) fn module_number(
        &mut self,
        module: &std::sync::Arc<crate::engine::Compiled>,
    ) -> u32 {
        if let Some(at) = self
            .modules
            .iter()
            .position(|m| std::sync::Arc::ptr_eq(&m.module, module))
        {
            return at as u32;
        }
        self.modules.push(ModuleNames {
            module: module.clone(),
            names: None,
        });
        (self.modules.len() - 1) as u32
    }

    /// The frame id of function `func` (instrumented index, imports first)
    /// of module number `module`.
    pub(crate) fn wasm_frame(&mut self, module: u32, func: u32) -> u32 {
        if let Some(id) = self.wasm_frames.get(&(module, func)) {
            return *id;
        }
        let entry = &mut self.modules[module as usize];
        let names = entry
            .names
            .get_or_insert_with(|| entry.module.function_names());
        let name = match names.get(&func) {
            Some(name) => name.clone(),
            None => format!("func[{}]", entry.module.uploaded_index(func)),
        };
        let id = self.frame_id(FrameKind::Wasm, &name);
        self.wasm_frames.insert((module, func), id);
        id
    }

    /// Enters host function `name` called from the stack of `node`;
    /// returns the depth to go back to with [`Profiler::leave_host`].
    pub(crate) fn enter_host(&mut self, node: u32, name: &str) -> usize {
        let depth = self.stack.len();
        let frame = self.frame_id(FrameKind::Host, name);
        let host = self.child(node, frame);
        self.stack.push(host);
        self.host.entry(frame).or_default().calls += 1;
        depth
    }

    /// Leaves a host call entered at `depth`.
    pub(crate) fn leave_host(&mut self, depth: usize) {
        self.stack.truncate(depth);
    }

    /// The profile of everything recorded.
    pub fn finish(self) -> Profile {
        let host = self
            .host
            .iter()
            .map(|(id, counts)| (self.tree.frames[*id as usize].name.clone(), *counts))
            .collect();
        Profile {
            tree: self.tree,
            host,
        }
    }
}

/// Gas of one function in a [`Profile`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionCost {
    /// The function (a wasm or host function, or a scope).
    pub frame: Frame,
    /// Gas charged while it was the innermost frame.
    pub self_gas: u64,
    /// Gas charged while it was on the stack (once per stack, however many
    /// times it recurses).
    pub total_gas: u64,
}

/// Calls, gas and bytes of one host function in a [`Profile`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostCost {
    /// The host function's name.
    pub name: String,
    /// Times it was called.
    pub calls: u64,
    /// Gas it charged itself (not that of contracts it called).
    pub gas: u64,
    /// Bytes its per-byte price was charged for.
    pub bytes: u64,
    /// Items its per-item price was charged for.
    pub items: u64,
}

/// Stacks deeper than this many frames are cut in [`Profile::samples`],
/// folded stacks and flame graphs: the deeper frames' gas is shown under a
/// last frame `[deeper]` (deep recursion would otherwise make output whose
/// size grows with the square of the depth). Totals and per-function
/// figures count every frame.
pub const MAX_SHOWN_DEPTH: usize = 128;

/// Where gas went: see the module docs.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    tree: Tree,
    /// Host function counters by name.
    host: BTreeMap<String, HostCounts>,
}

impl Profile {
    /// Gas of every sample: the gas the profiled calls used.
    pub fn total(&self) -> u64 {
        self.tree
            .nodes
            .iter()
            .flat_map(|node| &node.gas)
            .fold(0u64, |sum, (_, gas)| sum.saturating_add(*gas))
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.tree.nodes.iter().all(|node| node.gas.is_empty())
    }

    /// Every sample: stack (outermost first, cut at [`MAX_SHOWN_DEPTH`]),
    /// category, gas; in order of stack, then category.
    pub fn samples(&self) -> Vec<(Vec<Frame>, Category, u64)> {
        let nodes = &self.tree.nodes;
        // Depth of each node, and the node shown for it: itself, or its
        // ancestor at the cut (parents come before children).
        let mut depth = vec![0usize; nodes.len()];
        let mut shown = vec![ROOT; nodes.len()];
        for (index, node) in nodes.iter().enumerate().skip(1) {
            depth[index] = depth[node.parent as usize] + 1;
            shown[index] = if depth[index] <= MAX_SHOWN_DEPTH {
                index as u32
            } else {
                shown[node.parent as usize]
            };
        }
        let mut sums: BTreeMap<(u32, bool, Category), u64> = BTreeMap::new();
        for (index, node) in nodes.iter().enumerate() {
            let deeper = depth[index] > MAX_SHOWN_DEPTH;
            for (category, gas) in &node.gas {
                let sum = sums.entry((shown[index], deeper, *category)).or_default();
                *sum = sum.saturating_add(*gas);
            }
        }
        let mut samples: BTreeMap<(Vec<Frame>, Category), u64> = BTreeMap::new();
        for ((node, deeper, category), gas) in sums {
            let mut stack = Vec::with_capacity(depth[node as usize] + 1);
            let mut at = node;
            while at != ROOT {
                let n = &nodes[at as usize];
                stack.push(self.tree.frames[n.frame as usize].clone());
                at = n.parent;
            }
            stack.reverse();
            if deeper {
                stack.push(Frame {
                    kind: FrameKind::Scope,
                    name: "[deeper]".into(),
                });
            }
            let sum = samples.entry((stack, category)).or_default();
            *sum = sum.saturating_add(gas);
        }
        samples
            .into_iter()
            .map(|((stack, category), gas)| (stack, category, gas))
            .collect()
    }

    /// Gas per category, in category order (those with gas only).
    pub fn by_category(&self) -> Vec<(Category, u64)> {
        let mut sums: BTreeMap<Category, u64> = BTreeMap::new();
        for (category, gas) in self.tree.nodes.iter().flat_map(|node| &node.gas) {
            let sum = sums.entry(*category).or_default();
            *sum = sum.saturating_add(*gas);
        }
        sums.into_iter().collect()
    }

    /// Gas per function (wasm and host functions and scopes), most total
    /// gas first, then by name. Linear in the call tree's size: a node's
    /// gas with its descendants' counts toward a frame's total at the
    /// node's outermost occurrence of that frame only.
    pub fn functions(&self) -> Vec<FunctionCost> {
        let nodes = &self.tree.nodes;
        let own = |node: &Node| {
            node.gas
                .iter()
                .fold(0u64, |sum, (_, gas)| sum.saturating_add(*gas))
        };
        // Gas of each node with its descendants (children come after their
        // parents, so one backward pass adds them up).
        let mut inclusive: Vec<u64> = nodes.iter().map(own).collect();
        for index in (1..nodes.len()).rev() {
            let parent = nodes[index].parent as usize;
            inclusive[parent] = inclusive[parent].saturating_add(inclusive[index]);
        }
        let mut children: Vec<Vec<u32>> = vec![Vec::new(); nodes.len()];
        for (index, node) in nodes.iter().enumerate().skip(1) {
            children[node.parent as usize].push(index as u32);
        }
        let frames = self.tree.frames.len();
        let (mut self_gas, mut total_gas) = (vec![0u64; frames], vec![0u64; frames]);
        let mut on_path = vec![0u32; frames];
        // Depth-first, with each frame's count on the current path: an
        // entry (node, children visited) per level.
        let mut path: Vec<(u32, usize)> = vec![(ROOT, 0)];
        while let Some((node, next)) = path.last_mut() {
            let index = *node as usize;
            if *next == 0 && index != 0 {
                let frame = nodes[index].frame as usize;
                self_gas[frame] = self_gas[frame].saturating_add(own(&nodes[index]));
                if on_path[frame] == 0 {
                    total_gas[frame] = total_gas[frame].saturating_add(inclusive[index]);
                }
                on_path[frame] += 1;
            }
            if let Some(child) = children[index].get(*next) {
                *next += 1;
                path.push((*child, 0));
            } else {
                if index != 0 {
                    on_path[nodes[index].frame as usize] -= 1;
                }
                path.pop();
            }
        }
        let mut functions: Vec<FunctionCost> = (0..frames)
            .filter(|f| total_gas[*f] > 0)
            .map(|f| FunctionCost {
                frame: self.tree.frames[f].clone(),
                self_gas: self_gas[f],
                total_gas: total_gas[f],
            })
            .collect();
        functions.sort_by(|a, b| {
            b.total_gas
                .cmp(&a.total_gas)
                .then_with(|| a.frame.cmp(&b.frame))
        });
        functions
    }

    /// Calls, gas and bytes per host function, by name.
    pub fn host_functions(&self) -> Vec<HostCost> {
        let mut gas: BTreeMap<&str, u64> = BTreeMap::new();
        for node in &self.tree.nodes[1..] {
            let frame = &self.tree.frames[node.frame as usize];
            if frame.kind == FrameKind::Host {
                let sum = gas.entry(frame.name.as_str()).or_default();
                for (_, amount) in &node.gas {
                    *sum = sum.saturating_add(*amount);
                }
            }
        }
        self.host
            .iter()
            .map(|(name, counts)| HostCost {
                name: name.clone(),
                calls: counts.calls,
                gas: gas.get(name.as_str()).copied().unwrap_or(0),
                bytes: counts.bytes,
                items: counts.items,
            })
            .collect()
    }

    /// Adds `other`'s stacks and counters to this profile (a block's
    /// profile from its transactions').
    pub fn merge(&mut self, other: &Profile) {
        self.tree.graft(&other.tree, ROOT);
        for (name, counts) in &other.host {
            let sum = self.host.entry(name.clone()).or_default();
            sum.calls = sum.calls.saturating_add(counts.calls);
            sum.bytes = sum.bytes.saturating_add(counts.bytes);
            sum.items = sum.items.saturating_add(counts.items);
        }
    }

    /// This profile with every stack under a scope named `name` (a block's
    /// transactions, each under its own).
    pub fn nested_in(&self, name: &str) -> Profile {
        let mut tree = Tree::default();
        let scope = tree.frame_id(&Frame {
            kind: FrameKind::Scope,
            name: name.to_string(),
        });
        let at = tree.child(ROOT, scope);
        tree.graft(&self.tree, at);
        Profile {
            tree,
            host: self.host.clone(),
        }
    }

    /// Folded stacks, one line per stack and category: frames from the
    /// outermost, separated by `;`, then a space and the gas. Host
    /// functions are named `host:NAME`; a category other than
    /// instructions is a last frame in brackets (`[storage]`). The input of
    /// flame-graph tools (`inferno-flamegraph`, `flamegraph.pl`), counting
    /// gas instead of samples.
    pub fn folded(&self) -> String {
        let mut lines: BTreeMap<String, u64> = BTreeMap::new();
        for (stack, category, gas) in &self.samples() {
            let mut line = String::new();
            for (at, frame) in stack.iter().enumerate() {
                if at > 0 {
                    line.push(';');
                }
                line.push_str(&folded_name(frame));
            }
            if *category != Category::Instructions {
                if !line.is_empty() {
                    line.push(';');
                }
                let _ = write!(line, "[{}]", category.name());
            }
            if line.is_empty() {
                line.push_str("[all]");
            }
            let sum = lines.entry(line).or_default();
            *sum = sum.saturating_add(*gas);
        }
        let mut out = String::new();
        for (line, gas) in lines {
            let _ = writeln!(out, "{line} {gas}");
        }
        out
    }

    /// The profile as a text table: totals per category, the functions
    /// with the most gas (at most `top`), and every host function.
    pub fn table(&self, top: usize) -> String {
        let total = self.total();
        let percent = |gas: u64| -> String {
            if total == 0 {
                return "-".into();
            }
            // Per mille, in integers: 12.3%.
            let per_mille = u128::from(gas) * 1000 / u128::from(total);
            format!("{}.{}%", per_mille / 10, per_mille % 10)
        };
        let mut out = String::new();
        let _ = writeln!(out, "gas used: {total}");
        let _ = writeln!(out, "\nby category:");
        for (category, gas) in self.by_category() {
            let _ = writeln!(
                out,
                "  {:<16} {:>14} {:>7}",
                category.name(),
                gas,
                percent(gas)
            );
        }
        let functions = self.functions();
        let _ = writeln!(
            out,
            "\nby function ({} of {}, most total gas first):",
            functions.len().min(top),
            functions.len()
        );
        let _ = writeln!(
            out,
            "  {:>14} {:>7} {:>14} {:>7}  function",
            "self", "", "total", ""
        );
        for function in functions.iter().take(top) {
            let _ = writeln!(
                out,
                "  {:>14} {:>7} {:>14} {:>7}  {}",
                function.self_gas,
                percent(function.self_gas),
                function.total_gas,
                percent(function.total_gas),
                folded_name(&function.frame)
            );
        }
        let host = self.host_functions();
        if !host.is_empty() {
            let _ = writeln!(out, "\nhost functions:");
            let _ = writeln!(
                out,
                "  {:<20} {:>8} {:>14} {:>12} {:>8}",
                "name", "calls", "gas", "bytes", "items"
            );
            for h in host {
                let _ = writeln!(
                    out,
                    "  {:<20} {:>8} {:>14} {:>12} {:>8}",
                    h.name, h.calls, h.gas, h.bytes, h.items
                );
            }
        }
        out
    }
}

/// A frame's name in folded stacks and tables: host functions prefixed
/// with `host:`; `;` and spaces (which the folded format uses) replaced.
fn folded_name(frame: &Frame) -> String {
    let name = frame.name.replace([';', ' '], "_");
    match frame.kind {
        FrameKind::Host => format!("host:{name}"),
        FrameKind::Wasm | FrameKind::Scope => name,
    }
}

#[cfg(feature = "render")]
mod render {
    //! JSON and flame-graph SVG output of a [`Profile`] (the `render`
    //! feature: `serde_json` and `inferno`).

    use super::{Profile, folded_name};

    impl Profile {
        /// The profile as JSON: total, categories, functions, host
        /// functions and folded stacks.
        pub fn to_json(&self) -> serde_json::Value {
            let categories: Vec<serde_json::Value> = self
                .by_category()
                .into_iter()
                .map(|(category, gas)| serde_json::json!({"category": category.name(), "gas": gas}))
                .collect();
            let functions: Vec<serde_json::Value> = self
                .functions()
                .into_iter()
                .map(|f| {
                    serde_json::json!({
                        "name": f.frame.name,
                        "kind": format!("{:?}", f.frame.kind).to_lowercase(),
                        "self": f.self_gas,
                        "total": f.total_gas,
                    })
                })
                .collect();
            let host: Vec<serde_json::Value> = self
                .host_functions()
                .into_iter()
                .map(|h| {
                    serde_json::json!({
                        "name": h.name, "calls": h.calls, "gas": h.gas,
                        "bytes": h.bytes, "items": h.items,
                    })
                })
                .collect();
            let stacks: Vec<serde_json::Value> = self
                .samples()
                .into_iter()
                .map(|(stack, category, gas)| {
                    let frames: Vec<String> = stack.iter().map(folded_name).collect();
                    serde_json::json!({"stack": frames, "category": category.name(), "gas": gas})
                })
                .collect();
            serde_json::json!({
                "gas_used": self.total(),
                "categories": categories,
                "functions": functions,
                "host_functions": host,
                "stacks": stacks,
            })
        }

        /// The profile as a flame graph (SVG), widths in gas, titled
        /// `title`.
        ///
        /// # Errors
        ///
        /// When `inferno` cannot render (an empty profile renders an
        /// SVG that says so).
        pub fn flame_graph(&self, title: &str) -> Result<Vec<u8>, String> {
            let folded = self.folded();
            let mut options = inferno::flamegraph::Options::default();
            options.title = title.to_string();
            options.count_name = "gas".to_string();
            options.deterministic = true;
            let mut svg = Vec::new();
            inferno::flamegraph::from_lines(&mut options, folded.lines(), &mut svg)
                .map_err(|e| e.to_string())?;
            Ok(svg)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_sum_to_the_total_and_fold_by_stack() {
        let mut profiler = Profiler::new();
        profiler.enter("tx");
        profiler.record(Category::Entry, 10);
        profiler.record(Category::Instructions, 0);
        let depth = profiler.enter_host(profiler.current(), "storage_read");
        profiler.record(Category::HostBase, 5);
        profiler.add_bytes(32);
        profiler.record(Category::Storage, 7);
        profiler.leave_host(depth);
        profiler.leave();
        assert_eq!(profiler.total(), 22);
        let profile = profiler.finish();
        assert_eq!(profile.total(), 22);
        assert_eq!(
            profile.folded(),
            "tx;[entry] 10\ntx;host:storage_read;[host base] 5\ntx;host:storage_read;[storage] 7\n"
        );
        let host = profile.host_functions();
        assert_eq!(host.len(), 1);
        assert_eq!((host[0].calls, host[0].gas, host[0].bytes), (1, 12, 32));
        let functions = profile.functions();
        assert_eq!(functions[0].frame.name, "tx");
        assert_eq!((functions[0].self_gas, functions[0].total_gas), (10, 22));
    }

    #[test]
    fn recursion_counts_once_in_total_and_deep_stacks_are_cut() {
        let mut profiler = Profiler::new();
        let f = profiler.frame_id(FrameKind::Wasm, "f");
        let mut node = ROOT;
        for _ in 0..MAX_SHOWN_DEPTH + 10 {
            node = profiler.child(node, f);
            profiler.record_at(node, Category::Instructions, 1);
        }
        let profile = profiler.finish();
        let total = (MAX_SHOWN_DEPTH + 10) as u64;
        assert_eq!(profile.total(), total);
        let functions = profile.functions();
        assert_eq!(functions.len(), 1);
        assert_eq!(
            (functions[0].self_gas, functions[0].total_gas),
            (total, total)
        );
        let samples = profile.samples();
        assert_eq!(samples.len(), MAX_SHOWN_DEPTH + 1);
        let deepest = samples.iter().map(|(stack, _, _)| stack.len()).max();
        assert_eq!(deepest, Some(MAX_SHOWN_DEPTH + 1));
        assert_eq!(samples.iter().map(|(_, _, gas)| gas).sum::<u64>(), total);
        assert!(profile.folded().contains(";[deeper] 10\n"));
    }

    #[test]
    fn merged_profiles_add_up() {
        let mut a = Profiler::new();
        a.record(Category::Other("intrinsic"), 3);
        let a = a.finish();
        let mut block = a.nested_in("tx 0");
        block.merge(&a.nested_in("tx 1"));
        assert_eq!(block.total(), 6);
        assert_eq!(block.folded(), "tx_0;[intrinsic] 3\ntx_1;[intrinsic] 3\n");
    }
}
