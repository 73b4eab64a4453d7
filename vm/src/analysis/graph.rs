//! The call graph, its strongly connected components, the deepest path
//! from each function and the functions each export reaches.
//!
//! Nodes are numbered: the function index space first (imports, then
//! defined functions), then one node per function type that a
//! `call_indirect` names (see the module docs of [`super`]). Edges are
//! kept in one array, each node's edges ascending (compressed sparse
//! rows). Every walk keeps its own explicit stack: nothing recurses
//! natively, whatever the depth of the module's call chains.

use std::collections::{BTreeMap, BTreeSet};

use wasmparser::FuncType;

use super::uploaded::Uploaded;
use super::{PathStep, StackBound};

/// No node.
const NONE: u32 = u32::MAX;

/// The call graph of a module.
pub(super) struct CallGraph {
    /// Nodes below this are functions; the others are type nodes.
    functions: u32,
    /// Node `v`'s edges are `targets[starts[v]..starts[v + 1]]`.
    starts: Vec<u32>,
    targets: Vec<u32>,
}

impl CallGraph {
    /// Builds the graph of `module`.
    pub(super) fn new(module: &Uploaded) -> CallGraph {
        let imported = module.imports.len() as u32;
        let functions = imported + module.bodies.len() as u32;

        // Canonical types: the first type index with the same signature
        // (structural equality is wasm's type equality in the accepted
        // profile; see the module docs).
        let mut first: BTreeMap<&FuncType, u32> = BTreeMap::new();
        let canonical: Vec<u32> = module
            .types
            .iter()
            .enumerate()
            .map(|(index, ty)| *first.entry(ty).or_insert(index as u32))
            .collect();
        let canon = |ty: u32| canonical.get(ty as usize).copied().unwrap_or(ty);
        let type_of = |function: u32| -> Option<u32> {
            match function.checked_sub(imported) {
                None => module.imports.get(function as usize).map(|i| i.2),
                Some(defined) => module.bodies.get(defined as usize).map(|b| b.type_index),
            }
        };

        // One node per canonical type that some `call_indirect` names,
        // numbered after the functions in the order of the types.
        let called_types: BTreeSet<u32> = module
            .bodies
            .iter()
            .flat_map(|body| body.indirect_types.iter().map(|ty| canon(*ty)))
            .collect();
        let type_nodes: BTreeMap<u32, u32> = called_types.into_iter().zip(functions..).collect();
        // The functions each type node leads to, ascending.
        let mut by_type: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for function in &module.indirect_targets {
            if *function >= functions {
                continue;
            }
            if let Some(ty) = type_of(*function).map(canon)
                && type_nodes.contains_key(&ty)
            {
                by_type.entry(ty).or_default().push(*function);
            }
        }

        let nodes = functions as usize + type_nodes.len();
        let mut starts = Vec::with_capacity(nodes + 1);
        let mut targets = Vec::new();
        starts.push(0);
        for _ in 0..imported {
            starts.push(targets.len() as u32);
        }
        let mut edges = Vec::new();
        for body in &module.bodies {
            edges.clear();
            edges.extend(body.calls.iter().copied().filter(|f| *f < functions));
            edges.extend(
                body.indirect_types
                    .iter()
                    .filter_map(|ty| type_nodes.get(&canon(*ty)).copied()),
            );
            edges.sort_unstable();
            edges.dedup();
            targets.extend_from_slice(&edges);
            starts.push(targets.len() as u32);
        }
        for ty in type_nodes.keys() {
            if let Some(functions) = by_type.get(ty) {
                targets.extend_from_slice(functions);
            }
            starts.push(targets.len() as u32);
        }
        CallGraph {
            functions,
            starts,
            targets,
        }
    }

    fn nodes(&self) -> usize {
        self.starts.len() - 1
    }

    fn edges(&self, node: u32) -> &[u32] {
        let start = self.starts[node as usize] as usize;
        let end = self.starts[node as usize + 1] as usize;
        &self.targets[start..end]
    }

    fn is_function(&self, node: u32) -> bool {
        node < self.functions
    }

    /// The strongly connected components and the deepest path from every
    /// node, `frames` giving each function's frame size (type nodes have
    /// none).
    pub(super) fn depths(&self, frames: &[u32]) -> Depths {
        let (component, count) = self.components();
        let nodes = self.nodes();
        // Members of each component: a counting sort of the nodes.
        let mut member_starts = vec![0u32; count as usize + 1];
        for c in &component {
            member_starts[*c as usize + 1] += 1;
        }
        for c in 0..count as usize {
            member_starts[c + 1] += member_starts[c];
        }
        let mut members = vec![0u32; nodes];
        let mut fill = member_starts.clone();
        for (node, c) in component.iter().enumerate() {
            members[fill[*c as usize] as usize] = node as u32;
            fill[*c as usize] += 1;
        }

        let frame = |node: u32| frames.get(node as usize).copied().unwrap_or(0);
        let mut units = vec![0u64; nodes];
        let mut next = vec![NONE; nodes];
        let mut cycle = vec![NONE; nodes];
        let mut recursive = vec![false; nodes];
        let mut recursive_components = 0;
        // Tarjan numbers components sinks first: every edge leaving a
        // component goes to a lower-numbered one, already done.
        for c in 0..count as usize {
            let group = &members[member_starts[c] as usize..member_starts[c + 1] as usize];
            let single = group[0];
            let is_recursive = group.len() > 1 || self.edges(single).contains(&single);
            if is_recursive {
                recursive_components += 1;
                // The lowest function of every recursive component
                // reachable from here, this one included; and the frames
                // of all members, then the deepest way out: no path that
                // enters no function twice goes deeper.
                let mut key = group.iter().copied().min().unwrap_or(single);
                let mut members_units = 0u64;
                let mut best = 0u64;
                for member in group {
                    recursive[*member as usize] = true;
                    members_units += u64::from(frame(*member));
                    for w in self.edges(*member) {
                        if component[*w as usize] as usize != c {
                            key = key.min(cycle[*w as usize]);
                            best = best.max(units[*w as usize]);
                        }
                    }
                }
                for member in group {
                    cycle[*member as usize] = key;
                    units[*member as usize] = members_units + best;
                }
                continue;
            }
            let v = single;
            let mut best = 0u64;
            let mut best_next = NONE;
            let mut key = NONE;
            for w in self.edges(v) {
                let w = *w as usize;
                key = key.min(cycle[w]);
                if units[w] > best {
                    best = units[w];
                    best_next = w as u32;
                }
            }
            cycle[v as usize] = key;
            units[v as usize] = u64::from(frame(v)) + best;
            // The path is followed only from nodes that reach no cycle,
            // whose successors reach none either.
            next[v as usize] = best_next;
        }
        Depths {
            units,
            next,
            cycle,
            recursive,
            component,
            recursive_components,
        }
    }

    /// Tarjan's strongly connected components, iteratively: each node's
    /// component number, and the number of components. Components are
    /// numbered in reverse topological order (a component is numbered
    /// after every component it reaches).
    fn components(&self) -> (Vec<u32>, u32) {
        let nodes = self.nodes();
        let mut index = vec![NONE; nodes];
        let mut low = vec![0u32; nodes];
        let mut on_stack = vec![false; nodes];
        let mut component = vec![NONE; nodes];
        let mut stack: Vec<u32> = Vec::new();
        // The explicit call stack: a node and the position of its next edge.
        let mut walk: Vec<(u32, u32)> = Vec::new();
        let mut next_index = 0u32;
        let mut count = 0u32;
        for root in 0..nodes as u32 {
            if index[root as usize] != NONE {
                continue;
            }
            index[root as usize] = next_index;
            low[root as usize] = next_index;
            next_index += 1;
            stack.push(root);
            on_stack[root as usize] = true;
            walk.push((root, self.starts[root as usize]));
            while let Some(top) = walk.last_mut() {
                let (v, position) = *top;
                if position < self.starts[v as usize + 1] {
                    let w = self.targets[position as usize];
                    top.1 += 1;
                    if index[w as usize] == NONE {
                        index[w as usize] = next_index;
                        low[w as usize] = next_index;
                        next_index += 1;
                        stack.push(w);
                        on_stack[w as usize] = true;
                        walk.push((w, self.starts[w as usize]));
                    } else if on_stack[w as usize] {
                        low[v as usize] = low[v as usize].min(index[w as usize]);
                    }
                    continue;
                }
                walk.pop();
                if let Some(&(parent, _)) = walk.last() {
                    low[parent as usize] = low[parent as usize].min(low[v as usize]);
                }
                if low[v as usize] == index[v as usize] {
                    while let Some(w) = stack.pop() {
                        on_stack[w as usize] = false;
                        component[w as usize] = count;
                        if w == v {
                            break;
                        }
                    }
                    count += 1;
                }
            }
        }
        (component, count)
    }
}

/// The components and deepest paths of a call graph.
pub(super) struct Depths {
    /// The deepest sum of frames from each node: exact when it reaches no
    /// cycle; else a bound on the paths that enter no function twice (each
    /// recursive component counts the frames of all its members).
    units: Vec<u64>,
    /// The next node on that path.
    next: Vec<u32>,
    /// The lowest function of the lowest recursive component each node
    /// reaches, or [`NONE`].
    cycle: Vec<u32>,
    /// Whether each node is in a recursive component.
    recursive: Vec<bool>,
    component: Vec<u32>,
    recursive_components: u32,
}

impl Depths {
    pub(super) fn max_units(&self, node: u32) -> Option<u64> {
        match self.cycle.get(node as usize) {
            Some(&NONE) => self.units.get(node as usize).copied(),
            _ => None,
        }
    }

    pub(super) fn is_recursive(&self, node: u32) -> bool {
        self.recursive.get(node as usize).copied().unwrap_or(false)
    }

    pub(super) fn recursive_components(&self) -> u32 {
        self.recursive_components
    }

    /// The stack bound of a call of `function`.
    pub(super) fn stack_bound(
        &self,
        graph: &CallGraph,
        frames: &[u32],
        function: u32,
    ) -> StackBound {
        let frame = |node: u32| frames.get(node as usize).copied().unwrap_or(0);
        let key = self.cycle.get(function as usize).copied().unwrap_or(NONE);
        if key != NONE {
            let cycle = self.cycle_through(graph, frames, key);
            let units_per_trip = cycle
                .iter()
                .skip(1)
                .map(|step| u64::from(step.frame_units))
                .sum();
            return StackBound::Recursive {
                cycle,
                units_per_trip,
                units_without_reentry: self.units.get(function as usize).copied().unwrap_or(0),
            };
        }
        let mut deepest_path = Vec::new();
        if frame(function) > 0 {
            deepest_path.push(PathStep {
                function,
                frame_units: frame(function),
                indirect: false,
            });
        }
        let mut node = self.next.get(function as usize).copied().unwrap_or(NONE);
        let mut indirect = false;
        while node != NONE {
            if graph.is_function(node) {
                deepest_path.push(PathStep {
                    function: node,
                    frame_units: frame(node),
                    indirect,
                });
                indirect = false;
            } else {
                indirect = true;
            }
            node = self.next[node as usize];
        }
        StackBound::Bounded {
            units: self.units.get(function as usize).copied().unwrap_or(0),
            deepest_path,
        }
    }

    /// The shortest cycle (in calls) from `key` back to itself within its
    /// component, by a breadth-first search.
    fn cycle_through(&self, graph: &CallGraph, frames: &[u32], key: u32) -> Vec<PathStep> {
        let frame = |node: u32| frames.get(node as usize).copied().unwrap_or(0);
        let component = self.component[key as usize];
        let mut parent: BTreeMap<u32, u32> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([key]);
        let mut last = NONE;
        'search: while let Some(u) = queue.pop_front() {
            for w in graph.edges(u) {
                if *w == key {
                    last = u;
                    break 'search;
                }
                if self.component[*w as usize] == component && !parent.contains_key(w) {
                    parent.insert(*w, u);
                    queue.push_back(*w);
                }
            }
        }
        // key -> ... -> last -> key, built backwards.
        let mut nodes = vec![key];
        let mut node = last;
        while node != key && node != NONE {
            nodes.push(node);
            node = parent.get(&node).copied().unwrap_or(NONE);
        }
        nodes.push(key);
        nodes.reverse();
        let mut steps = Vec::with_capacity(nodes.len());
        let mut indirect = false;
        for node in nodes {
            if graph.is_function(node) {
                steps.push(PathStep {
                    function: node,
                    frame_units: frame(node),
                    indirect,
                });
                indirect = false;
            } else {
                indirect = true;
            }
        }
        steps
    }
}

/// Reachability walks from exports, reusing one set of buffers.
pub(super) struct Reach {
    seen: Vec<bool>,
    stack: Vec<u32>,
    reached: Vec<u32>,
}

impl Reach {
    pub(super) fn new(graph: &CallGraph) -> Reach {
        Reach {
            seen: vec![false; graph.nodes()],
            stack: Vec::new(),
            reached: Vec::new(),
        }
    }

    /// Every node reachable from `start`, itself included, in no
    /// particular (but deterministic) order.
    pub(super) fn from(&mut self, graph: &CallGraph, start: u32) -> &[u32] {
        for node in self.reached.drain(..) {
            self.seen[node as usize] = false;
        }
        if (start as usize) < self.seen.len() {
            self.seen[start as usize] = true;
            self.reached.push(start);
            self.stack.push(start);
        }
        while let Some(v) = self.stack.pop() {
            for w in graph.edges(v) {
                if !self.seen[*w as usize] {
                    self.seen[*w as usize] = true;
                    self.reached.push(*w);
                    self.stack.push(*w);
                }
            }
        }
        &self.reached
    }
}
