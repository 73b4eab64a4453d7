//! Mutations of the example contracts (`examples/wasm/*.wasm`).
//!
//! Real contract code (rustc's output: a dispatcher, borsh decoding, an
//! allocator, loops over data) is the closest thing to what a chain runs;
//! mutating it finds expensive paths that hand-written shapes miss. A genome
//! is an example, an input (a method and its arguments, borsh-encoded as
//! the SDK does) and a list of mutations, each applied to the binary
//! through wasm-encoder's re-encoder:
//!
//! - a constant changed (`i32.const`, `i64.const`: to 0, 1, -1, doubled,
//!   a bit flipped, a random value): loop bounds, sizes, addresses;
//! - an operator swapped for another of the same type (`i32.add` for
//!   `i32.div_u`, `i64.lt_s` for `i64.ge_u`, `i32.clz` for `i32.popcnt`);
//! - the body of a loop without parameters or results duplicated in place
//!   (`loop A end` to `loop A A end`; valid because such a body takes and
//!   leaves an empty stack).
//!
//! A mutation names its target by a number taken modulo the number of
//! candidates, so every mutation applies to every module; the result may
//! still be invalid (a swapped division by a constant zero traps, a doubled
//! body may exceed a limit): the pipeline's typed rejection says so.

use wasm_encoder::reencode::{Error as ReencodeError, Reencode, RoundtripReencoder};
use wasmparser::Operator;

use super::rng::SplitMix64;

/// The example contracts, by name.
pub const EXAMPLES: &[(&str, &[u8])] = &[
    (
        "compute",
        include_bytes!("../../../examples/wasm/compute.wasm"),
    ),
    (
        "counter",
        include_bytes!("../../../examples/wasm/counter.wasm"),
    ),
    ("token", include_bytes!("../../../examples/wasm/token.wasm")),
    (
        "ballot",
        include_bytes!("../../../examples/wasm/ballot.wasm"),
    ),
    (
        "multisig",
        include_bytes!("../../../examples/wasm/multisig.wasm"),
    ),
    (
        "registry",
        include_bytes!("../../../examples/wasm/registry.wasm"),
    ),
];

/// An input: a method and its arguments (each a `u32`, `u64` or byte
/// vector, encoded as borsh encodes them).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Input {
    /// The method's name.
    pub method: &'static str,
    /// The arguments.
    pub args: Vec<Arg>,
}

/// One argument of an [`Input`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Arg {
    /// A `u32`.
    U32(u32),
    /// A `u64`.
    U64(u64),
    /// A `Vec<u8>` of this length (bytes 0, 1, 2...).
    Bytes(u32),
}

impl Input {
    /// The borsh encoding: the method name as a string, then the
    /// arguments (`gasworks_sdk::encode_input`).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&(self.method.len() as u32).to_le_bytes());
        out.extend_from_slice(self.method.as_bytes());
        for arg in &self.args {
            match arg {
                Arg::U32(v) => out.extend_from_slice(&v.to_le_bytes()),
                Arg::U64(v) => out.extend_from_slice(&v.to_le_bytes()),
                Arg::Bytes(n) => {
                    out.extend_from_slice(&n.to_le_bytes());
                    out.extend((0..*n).map(|i| i as u8));
                }
            }
        }
        out
    }

    fn describe(&self) -> String {
        let args: Vec<String> = self
            .args
            .iter()
            .map(|arg| match arg {
                Arg::U32(v) => v.to_string(),
                Arg::U64(v) => v.to_string(),
                Arg::Bytes(n) => format!("{n} bytes"),
            })
            .collect();
        format!("{}({})", self.method, args.join(", "))
    }
}

/// Inputs that reach real work in each example (others reach the
/// dispatcher's refusal, which is work too).
fn inputs(example: &str, rng: &mut SplitMix64) -> Input {
    let small = |rng: &mut SplitMix64| rng.log_size(200_000) as u32;
    match example {
        "compute" => match rng.below(4) {
            0 => Input {
                method: "primes",
                args: vec![Arg::U32(small(rng))],
            },
            1 => Input {
                method: "sha256_wasm",
                args: vec![
                    Arg::Bytes(rng.log_size(4_096) as u32),
                    Arg::U32(rng.log_size(200) as u32),
                ],
            },
            2 => Input {
                method: "sha256_host",
                args: vec![
                    Arg::Bytes(rng.log_size(4_096) as u32),
                    Arg::U32(rng.log_size(200) as u32),
                ],
            },
            _ => Input {
                method: "sort",
                args: vec![
                    Arg::U32(rng.log_size(20_000) as u32),
                    Arg::U64(rng.next_u64()),
                ],
            },
        },
        "counter" => match rng.below(2) {
            0 => Input {
                method: "increment",
                args: vec![Arg::U64(rng.below(1_000))],
            },
            _ => Input {
                method: "get",
                args: vec![],
            },
        },
        _ => Input {
            method: "no_such_method",
            args: vec![],
        },
    }
}

/// One mutation of a binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mutation {
    /// The `target`-th integer constant gets a value derived from `value`.
    Constant {
        /// Which constant (modulo their number).
        target: u32,
        /// The choice of new value.
        value: u64,
    },
    /// The `target`-th swappable operator becomes another of its group.
    Swap {
        /// Which operator (modulo their number).
        target: u32,
        /// Which replacement (modulo the group's size).
        with: u32,
    },
    /// The body of the `target`-th loop without a block type is doubled.
    DuplicateLoop {
        /// Which loop (modulo their number).
        target: u32,
    },
}

impl Mutation {
    fn random(rng: &mut SplitMix64) -> Mutation {
        let target = rng.next_u64() as u32;
        match rng.below(3) {
            0 => Mutation::Constant {
                target,
                value: rng.next_u64(),
            },
            1 => Mutation::Swap {
                target,
                with: rng.next_u64() as u32,
            },
            _ => Mutation::DuplicateLoop { target },
        }
    }
}

/// An example contract, an input and mutations.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ExampleGenome {
    /// Index into [`EXAMPLES`].
    pub example: usize,
    /// The call's input.
    pub input: Input,
    /// Mutations, applied in order.
    pub mutations: Vec<Mutation>,
}

impl ExampleGenome {
    /// A random example with a random input and one to three mutations.
    pub fn random(rng: &mut SplitMix64) -> ExampleGenome {
        let example = rng.below(EXAMPLES.len() as u64) as usize;
        let input = inputs(EXAMPLES[example].0, rng);
        let mutations = (0..1 + rng.below(3))
            .map(|_| Mutation::random(rng))
            .collect();
        ExampleGenome {
            example,
            input,
            mutations,
        }
    }

    /// A neighbour: a mutation added, removed or redrawn, or a new input.
    pub fn mutate(&self, rng: &mut SplitMix64) -> ExampleGenome {
        let mut next = self.clone();
        match rng.below(4) {
            0 if !next.mutations.is_empty() => {
                let at = rng.below(next.mutations.len() as u64) as usize;
                next.mutations.remove(at);
            }
            1 => next.input = inputs(EXAMPLES[next.example].0, rng),
            2 if !next.mutations.is_empty() => {
                let at = rng.below(next.mutations.len() as u64) as usize;
                next.mutations[at] = Mutation::random(rng);
            }
            _ => next.mutations.push(Mutation::random(rng)),
        }
        next.mutations.truncate(16);
        next
    }

    /// The example's name.
    pub fn name(&self) -> &'static str {
        EXAMPLES.get(self.example).map_or("?", |(name, _)| name)
    }

    /// A one-line description.
    pub fn describe(&self) -> String {
        format!(
            "example {} {} mutations={:?}",
            self.name(),
            self.input.describe(),
            self.mutations
        )
    }

    /// The mutated module's bytes.
    ///
    /// # Errors
    ///
    /// The re-encoder's message when the binary cannot be rewritten.
    pub fn build(&self) -> Result<Vec<u8>, String> {
        let mut wasm = EXAMPLES
            .get(self.example)
            .map(|(_, bytes)| bytes.to_vec())
            .ok_or("no such example")?;
        for mutation in &self.mutations {
            wasm = apply(&wasm, *mutation)?;
        }
        Ok(wasm)
    }
}

/// Applies one mutation to a module.
fn apply(wasm: &[u8], mutation: Mutation) -> Result<Vec<u8>, String> {
    // First pass: count the candidates, so that the target is taken modulo
    // their number; second pass: rewrite.
    let mut counter = Mutator {
        mutation,
        counts: [0; 3],
        target: None,
    };
    counter.rewrite(wasm)?;
    let total = match mutation {
        Mutation::Constant { .. } => counter.counts[0],
        Mutation::Swap { .. } => counter.counts[1],
        Mutation::DuplicateLoop { .. } => counter.counts[2],
    };
    if total == 0 {
        return Ok(wasm.to_vec());
    }
    let target = match mutation {
        Mutation::Constant { target, .. }
        | Mutation::Swap { target, .. }
        | Mutation::DuplicateLoop { target } => u64::from(target) % total,
    };
    let mut writer = Mutator {
        mutation,
        counts: [0; 3],
        target: Some(target),
    };
    writer.rewrite(wasm)
}

/// The re-encoder that counts and applies a mutation.
struct Mutator {
    mutation: Mutation,
    /// Constants, swappable operators and plain loops seen so far.
    counts: [u64; 3],
    /// The candidate to change (`None`: count only).
    target: Option<u64>,
}

impl Mutator {
    fn rewrite(&mut self, wasm: &[u8]) -> Result<Vec<u8>, String> {
        let mut module = wasm_encoder::Module::new();
        self.parse_core_module(&mut module, wasmparser::Parser::new(0), wasm)
            .map_err(|e| e.to_string())?;
        Ok(module.finish())
    }

    /// Whether this candidate of class `class` is the target (and counts
    /// it).
    fn hit(&mut self, class: usize) -> bool {
        let index = self.counts[class];
        self.counts[class] += 1;
        self.target == Some(index)
    }
}

impl Reencode for Mutator {
    type Error = std::convert::Infallible;

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> Result<(), ReencodeError<Self::Error>> {
        let mut function = self.new_function_with_parsed_locals(&func)?;
        let mut reader = func.get_operators_reader()?;
        let mut ops = Vec::new();
        while !reader.eof() {
            ops.push(reader.read()?);
        }
        let mut out: Vec<Operator<'_>> = Vec::with_capacity(ops.len());
        for (at, op) in ops.iter().enumerate() {
            let op = op.clone();
            match (&op, self.mutation) {
                (Operator::I32Const { value }, Mutation::Constant { value: v, .. })
                    if self.hit(0) =>
                {
                    out.push(Operator::I32Const {
                        value: new_constant(i64::from(*value), v) as i32,
                    });
                    continue;
                }
                (Operator::I64Const { value }, Mutation::Constant { value: v, .. })
                    if self.hit(0) =>
                {
                    out.push(Operator::I64Const {
                        value: new_constant(*value, v),
                    });
                    continue;
                }
                (_, Mutation::Swap { with, .. }) => {
                    if let Some(group) = swap_group(&op)
                        && self.hit(1)
                    {
                        let replacement = group[with as usize % group.len()].clone();
                        out.push(replacement);
                        continue;
                    }
                }
                (
                    Operator::Loop {
                        blockty: wasmparser::BlockType::Empty,
                    },
                    Mutation::DuplicateLoop { .. },
                ) if self.hit(2) => {
                    let end = matching_end(&ops, at);
                    out.push(op);
                    // The body, twice, then the loop's own end (pushed
                    // when the walk reaches it).
                    out.extend(ops[at + 1..end].iter().cloned());
                    continue;
                }
                _ => {}
            }
            out.push(op);
        }
        for op in out {
            function.instruction(&RoundtripReencoder.instruction(op)?);
        }
        code.function(&function);
        Ok(())
    }
}

/// The index of the `end` that closes the block opened at `open`.
fn matching_end(ops: &[Operator<'_>], open: usize) -> usize {
    let mut depth = 0usize;
    for (at, op) in ops.iter().enumerate().skip(open) {
        match op {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => depth += 1,
            Operator::End => {
                depth -= 1;
                if depth == 0 {
                    return at;
                }
            }
            _ => {}
        }
    }
    ops.len().saturating_sub(1)
}

/// A new constant from an old one and a choice.
fn new_constant(old: i64, choice: u64) -> i64 {
    match choice % 8 {
        0 => 0,
        1 => 1,
        2 => -1,
        3 => old.wrapping_mul(2),
        4 => old ^ (1 << ((choice >> 8) % 64)),
        5 => old.wrapping_add(1),
        6 => old.wrapping_mul(16),
        _ => (choice >> 3) as i64,
    }
}

/// The operators of `op`'s type that it may be swapped for.
fn swap_group(op: &Operator<'_>) -> Option<&'static [Operator<'static>]> {
    use Operator as O;
    static I32_BIN: [Operator<'static>; 15] = [
        O::I32Add,
        O::I32Sub,
        O::I32Mul,
        O::I32DivS,
        O::I32DivU,
        O::I32RemS,
        O::I32RemU,
        O::I32And,
        O::I32Or,
        O::I32Xor,
        O::I32Shl,
        O::I32ShrS,
        O::I32ShrU,
        O::I32Rotl,
        O::I32Rotr,
    ];
    static I64_BIN: [Operator<'static>; 15] = [
        O::I64Add,
        O::I64Sub,
        O::I64Mul,
        O::I64DivS,
        O::I64DivU,
        O::I64RemS,
        O::I64RemU,
        O::I64And,
        O::I64Or,
        O::I64Xor,
        O::I64Shl,
        O::I64ShrS,
        O::I64ShrU,
        O::I64Rotl,
        O::I64Rotr,
    ];
    static I32_CMP: [Operator<'static>; 10] = [
        O::I32Eq,
        O::I32Ne,
        O::I32LtS,
        O::I32LtU,
        O::I32GtS,
        O::I32GtU,
        O::I32LeS,
        O::I32LeU,
        O::I32GeS,
        O::I32GeU,
    ];
    static I64_CMP: [Operator<'static>; 10] = [
        O::I64Eq,
        O::I64Ne,
        O::I64LtS,
        O::I64LtU,
        O::I64GtS,
        O::I64GtU,
        O::I64LeS,
        O::I64LeU,
        O::I64GeS,
        O::I64GeU,
    ];
    static I32_UN: [Operator<'static>; 5] = [
        O::I32Clz,
        O::I32Ctz,
        O::I32Popcnt,
        O::I32Extend8S,
        O::I32Extend16S,
    ];
    static I64_UN: [Operator<'static>; 6] = [
        O::I64Clz,
        O::I64Ctz,
        O::I64Popcnt,
        O::I64Extend8S,
        O::I64Extend16S,
        O::I64Extend32S,
    ];
    let groups: [&'static [Operator<'static>]; 6] =
        [&I32_BIN, &I64_BIN, &I32_CMP, &I64_CMP, &I32_UN, &I64_UN];
    groups.into_iter().find(|group| group.contains(op))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmutated_examples_round_trip_and_mutations_apply() {
        for (index, (name, bytes)) in EXAMPLES.iter().enumerate() {
            let genome = ExampleGenome {
                example: index,
                input: Input {
                    method: "get",
                    args: vec![],
                },
                mutations: vec![],
            };
            let rebuilt = genome.build().expect("re-encodes");
            wasmparser::validate(&rebuilt).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(rebuilt.len() <= bytes.len() + 64, "{name}");
            for mutation in [
                Mutation::Constant {
                    target: 5,
                    value: 3,
                },
                Mutation::Swap { target: 7, with: 2 },
                Mutation::DuplicateLoop { target: 1 },
            ] {
                let mutated = apply(bytes, mutation).expect("applies");
                assert_ne!(
                    &mutated[..],
                    &rebuilt[..],
                    "{name}: {mutation:?} changed nothing"
                );
                wasmparser::validate(&mutated)
                    .unwrap_or_else(|e| panic!("{name} {mutation:?}: {e}"));
            }
        }
    }
}
