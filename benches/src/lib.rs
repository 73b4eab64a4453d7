//! Shared inputs of the benchmarks: deterministic module generators (the
//! same seeds give the same modules on every run and every machine), used by
//! `benches/instrument.rs` and `benches/engine.rs` so that both stages are
//! measured on the same inputs. See `docs/performance.md`.

#![allow(missing_docs)]

use gasworks_vm::limits::Limits;
use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, DataSection, ElementSection, Elements, ExportKind,
    ExportSection, Function, FunctionSection, GlobalSection, GlobalType, Instruction, MemArg,
    MemArgTarget, MemorySection, MemoryType, Module, RefType, TableSection, TableType, TypeSection,
    ValType,
};

/// SplitMix64: the inputs are the same on every run and every machine.
pub struct Rng(u64);

impl Rng {
    #[allow(clippy::should_implement_trait)] // an endless stream, not an iterator
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, bound: u32) -> u32 {
        (self.next() % u64::from(bound)) as u32
    }

    pub fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent
    }

    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u32) as usize].clone()
    }
}

pub fn mem(offset: u64, align: u32) -> MemArg {
    MemArg {
        offset,
        align,
        target: MemArgTarget::Memory(0),
        ordering: None,
    }
}

/// The function signatures of the realistic generator: (params, results).
pub const SIGNATURES: &[(&[ValType], &[ValType])] = &[
    (&[ValType::I32], &[ValType::I32]),
    (&[ValType::I32, ValType::I32], &[ValType::I32]),
    (&[ValType::I32, ValType::I64], &[ValType::I64]),
    (&[ValType::I64, ValType::I64], &[ValType::I64]),
    (&[ValType::I32, ValType::I32, ValType::I32], &[]),
    (&[], &[ValType::I32]),
    (&[], &[]),
    (&[ValType::I32], &[ValType::I32, ValType::I32]),
];

/// Table entries of the realistic module (indirect-call targets).
pub const TABLE_SIZE: u32 = 256;

/// Writes one realistic function body at a time.
pub struct BodyWriter<'a> {
    rng: &'a mut Rng,
    f: Function,
    /// Locals by type.
    i32_locals: Vec<u32>,
    i64_locals: Vec<u32>,
    /// Loop counter locals, one per loop nesting level.
    counters: Vec<u32>,
    /// Signature of each function defined before this one.
    callees: &'a [usize],
    /// Current structured-statement nesting.
    depth: u32,
}

impl BodyWriter<'_> {
    pub fn op(&mut self, instruction: Instruction<'_>) {
        self.f.instruction(&instruction);
    }

    pub fn i32_expr(&mut self, depth: u32) {
        let leaf = depth == 0 || self.rng.chance(35);
        if leaf {
            if self.rng.chance(70) {
                let local = self.rng.pick(&self.i32_locals);
                self.op(Instruction::LocalGet(local));
            } else {
                let value = self.rng.below(1 << 20) as i32 - (1 << 19);
                self.op(Instruction::I32Const(value));
            }
            return;
        }
        match self.rng.below(10) {
            0..=3 => {
                self.i32_expr(depth - 1);
                self.i32_expr(depth - 1);
                let op = self.rng.pick(&[
                    Instruction::I32Add,
                    Instruction::I32Sub,
                    Instruction::I32Mul,
                    Instruction::I32And,
                    Instruction::I32Or,
                    Instruction::I32Xor,
                    Instruction::I32Shl,
                    Instruction::I32ShrU,
                    Instruction::I32Rotl,
                    Instruction::I32LtU,
                    Instruction::I32Eq,
                    Instruction::I32DivU,
                ]);
                self.op(op);
            }
            4..=5 => {
                self.address(depth - 1);
                let offset = u64::from(self.rng.below(64)) * 4;
                let op = match self.rng.below(3) {
                    0 => Instruction::I32Load(mem(offset, 2)),
                    1 => Instruction::I32Load8U(mem(offset + 1, 0)),
                    _ => Instruction::I32Load16S(mem(offset + 2, 1)),
                };
                self.op(op);
            }
            6 => {
                self.i64_expr(depth - 1);
                self.op(Instruction::I32WrapI64);
            }
            7 => {
                self.i32_expr(depth - 1);
                self.op(Instruction::I32Eqz);
            }
            8 => {
                self.i32_expr(depth - 1);
                self.i32_expr(depth - 1);
                self.i32_expr(depth - 1);
                self.op(Instruction::Select);
            }
            _ => {
                self.op(Instruction::GlobalGet(0));
            }
        }
    }

    pub fn i64_expr(&mut self, depth: u32) {
        let leaf = depth == 0 || self.rng.chance(35);
        if leaf {
            if self.rng.chance(70) {
                let local = self.rng.pick(&self.i64_locals);
                self.op(Instruction::LocalGet(local));
            } else {
                let value = (self.rng.next() >> 20) as i64;
                self.op(Instruction::I64Const(value));
            }
            return;
        }
        match self.rng.below(8) {
            0..=3 => {
                self.i64_expr(depth - 1);
                self.i64_expr(depth - 1);
                let op = self.rng.pick(&[
                    Instruction::I64Add,
                    Instruction::I64Sub,
                    Instruction::I64Mul,
                    Instruction::I64Xor,
                    Instruction::I64ShrU,
                    Instruction::I64Rotr,
                ]);
                self.op(op);
            }
            4..=5 => {
                self.address(depth - 1);
                let offset = u64::from(self.rng.below(64)) * 8;
                self.op(Instruction::I64Load(mem(offset, 3)));
            }
            6 => {
                self.i32_expr(depth - 1);
                self.op(Instruction::I64ExtendI32U);
            }
            _ => {
                self.op(Instruction::GlobalGet(1));
            }
        }
    }

    /// An address inside the first 64 KiB page.
    pub fn address(&mut self, depth: u32) {
        self.i32_expr(depth);
        self.op(Instruction::I32Const(0xfff0));
        self.op(Instruction::I32And);
    }

    pub fn value(&mut self, ty: ValType, depth: u32) {
        match ty {
            ValType::I64 => self.i64_expr(depth),
            _ => self.i32_expr(depth),
        }
    }

    pub fn statements(&mut self, count: u32) {
        for _ in 0..count {
            self.statement();
        }
    }

    pub fn statement(&mut self) {
        let structured = self.depth < 4;
        match self.rng.below(if structured { 20 } else { 12 }) {
            0..=3 => {
                self.i32_expr(3);
                let local = self.rng.pick(&self.i32_locals);
                self.op(Instruction::LocalSet(local));
            }
            4..=5 => {
                self.i64_expr(3);
                let local = self.rng.pick(&self.i64_locals);
                self.op(Instruction::LocalSet(local));
            }
            6 => {
                self.address(2);
                self.i32_expr(2);
                let offset = u64::from(self.rng.below(64)) * 4;
                self.op(Instruction::I32Store(mem(offset, 2)));
            }
            7 => {
                self.address(2);
                self.i64_expr(2);
                let offset = u64::from(self.rng.below(64)) * 8;
                self.op(Instruction::I64Store(mem(offset, 3)));
            }
            8 => {
                self.address(1);
                self.i32_expr(1);
                let offset = u64::from(self.rng.below(256));
                self.op(Instruction::I32Store8(mem(offset, 0)));
            }
            9 => self.call(),
            10 => {
                // A small bulk copy or fill, as Rust's memcpy/memset lower to.
                self.address(1);
                if self.rng.chance(50) {
                    self.address(1);
                    let len = self.rng.below(64) as i32;
                    self.op(Instruction::I32Const(len));
                    self.op(Instruction::MemoryCopy {
                        src_mem: 0,
                        dst_mem: 0,
                    });
                } else {
                    self.i32_expr(1);
                    let len = self.rng.below(64) as i32;
                    self.op(Instruction::I32Const(len));
                    self.op(Instruction::MemoryFill(0));
                }
            }
            11 => {
                self.i32_expr(2);
                self.op(Instruction::GlobalSet(0));
            }
            12..=14 => self.counted_loop(),
            15..=17 => {
                self.i32_expr(2);
                self.depth += 1;
                self.op(Instruction::If(BlockType::Empty));
                let n = 1 + self.rng.below(4);
                self.statements(n);
                if self.rng.chance(50) {
                    self.op(Instruction::Else);
                    let n = 1 + self.rng.below(4);
                    self.statements(n);
                }
                self.op(Instruction::End);
                self.depth -= 1;
            }
            18 => self.switch(),
            _ => {
                // An early exit from a block.
                self.depth += 1;
                self.op(Instruction::Block(BlockType::Empty));
                let n = 1 + self.rng.below(3);
                self.statements(n);
                self.i32_expr(2);
                self.op(Instruction::BrIf(0));
                let n = 1 + self.rng.below(3);
                self.statements(n);
                self.op(Instruction::End);
                self.depth -= 1;
            }
        }
    }

    pub fn counted_loop(&mut self) {
        let counter = self.counters[self.depth as usize];
        self.depth += 1;
        self.op(Instruction::I32Const(0));
        self.op(Instruction::LocalSet(counter));
        self.op(Instruction::Block(BlockType::Empty));
        self.op(Instruction::Loop(BlockType::Empty));
        self.op(Instruction::LocalGet(counter));
        let bound = 1 + self.rng.below(100) as i32;
        self.op(Instruction::I32Const(bound));
        self.op(Instruction::I32GeU);
        self.op(Instruction::BrIf(1));
        let n = 2 + self.rng.below(6);
        self.statements(n);
        self.op(Instruction::LocalGet(counter));
        self.op(Instruction::I32Const(1));
        self.op(Instruction::I32Add);
        self.op(Instruction::LocalSet(counter));
        self.op(Instruction::Br(0));
        self.op(Instruction::End);
        self.op(Instruction::End);
        self.depth -= 1;
    }

    /// A `match` as LLVM lowers it: nested blocks and one `br_table`.
    pub fn switch(&mut self) {
        let arms = 2 + self.rng.below(6);
        self.depth += 1;
        for _ in 0..=arms {
            self.op(Instruction::Block(BlockType::Empty));
        }
        self.i32_expr(1);
        let targets: Vec<u32> = (0..arms).collect();
        self.op(Instruction::BrTable(targets.into(), arms));
        for arm in 0..arms {
            self.op(Instruction::End);
            let n = 1 + self.rng.below(2);
            self.statements(n);
            self.op(Instruction::Br(arms - arm - 1));
        }
        self.op(Instruction::End);
        self.depth -= 1;
    }

    pub fn call(&mut self) {
        if self.callees.is_empty() {
            return;
        }
        let indirect = self.rng.chance(25);
        let callee = self.rng.below(self.callees.len() as u32);
        let signature = self.callees[callee as usize];
        let (params, results) = SIGNATURES[signature];
        for param in params {
            self.value(*param, 1);
        }
        if indirect {
            self.i32_expr(1);
            self.op(Instruction::I32Const(TABLE_SIZE as i32 - 1));
            self.op(Instruction::I32And);
            self.op(Instruction::CallIndirect {
                type_index: signature as u32,
                table_index: 0,
            });
        } else {
            self.op(Instruction::Call(callee));
        }
        for _ in results.iter() {
            self.op(Instruction::Drop);
        }
    }
}

/// A module of realistic generated code with about `code_bytes` of code.
pub fn realistic_module(code_bytes: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut signatures: Vec<usize> = Vec::new();
    let mut code = CodeSection::new();
    while code.byte_len() < code_bytes {
        let signature = rng.below(SIGNATURES.len() as u32) as usize;
        let (params, results) = SIGNATURES[signature];
        let mut i32_locals: Vec<u32> = Vec::new();
        let mut i64_locals: Vec<u32> = Vec::new();
        for (index, ty) in params.iter().enumerate() {
            match ty {
                ValType::I64 => i64_locals.push(index as u32),
                _ => i32_locals.push(index as u32),
            }
        }
        let first_local = params.len() as u32;
        let extra_i32 = 2 + rng.below(8);
        let extra_i64 = 1 + rng.below(4);
        let counters = 4;
        for k in 0..extra_i32 {
            i32_locals.push(first_local + k);
        }
        for k in 0..extra_i64 {
            i64_locals.push(first_local + extra_i32 + k);
        }
        let counter_locals: Vec<u32> = (0..counters)
            .map(|k| first_local + extra_i32 + extra_i64 + k)
            .collect();
        let f = Function::new([
            (extra_i32, ValType::I32),
            (extra_i64, ValType::I64),
            (counters, ValType::I32),
        ]);
        let mut writer = BodyWriter {
            rng: &mut rng,
            f,
            i32_locals,
            i64_locals,
            counters: counter_locals,
            callees: &signatures,
            depth: 0,
        };
        let statements = 8 + writer.rng.below(40);
        writer.statements(statements);
        for result in results {
            writer.value(*result, 2);
        }
        writer.op(Instruction::End);
        code.function(&writer.f);
        signatures.push(signature);
    }
    let functions = signatures.len() as u32;

    let mut module = Module::new();
    let mut types = TypeSection::new();
    for (params, results) in SIGNATURES {
        types
            .ty()
            .function(params.iter().copied(), results.iter().copied());
    }
    module.section(&types);
    let mut function_section = FunctionSection::new();
    for signature in &signatures {
        function_section.function(*signature as u32);
    }
    module.section(&function_section);
    let mut tables = TableSection::new();
    tables.table(TableType {
        element_type: RefType::FUNCREF,
        table64: false,
        minimum: u64::from(TABLE_SIZE),
        maximum: Some(u64::from(TABLE_SIZE)),
        shared: false,
    });
    module.section(&tables);
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: 16,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    module.section(&memories);
    let mut globals = GlobalSection::new();
    globals.global(
        GlobalType {
            val_type: ValType::I32,
            mutable: true,
            shared: false,
        },
        &ConstExpr::i32_const(1 << 16),
    );
    globals.global(
        GlobalType {
            val_type: ValType::I64,
            mutable: true,
            shared: false,
        },
        &ConstExpr::i64_const(0),
    );
    module.section(&globals);
    let mut exports = ExportSection::new();
    exports.export("memory", ExportKind::Memory, 0);
    for index in (0..functions).step_by((functions as usize / 64).max(1)) {
        exports.export(&format!("f{index}"), ExportKind::Func, index);
    }
    module.section(&exports);
    let mut elements = ElementSection::new();
    let targets: Vec<u32> = (0..TABLE_SIZE).map(|k| k % functions).collect();
    elements.active(
        None,
        &ConstExpr::i32_const(0),
        Elements::Functions(targets.into()),
    );
    module.section(&elements);
    module.section(&code);
    let mut data = DataSection::new();
    data.active(
        0,
        &ConstExpr::i32_const(1024),
        b"gasworks bench data".iter().copied(),
    );
    module.section(&data);
    module.finish()
}

/// A module of `functions` functions of type `(param i32)`, each body
/// `locals` + `body`.
pub fn shape_module(
    functions: u32,
    locals: &[(u32, ValType)],
    body: &[Instruction<'_>],
) -> Vec<u8> {
    let mut module = Module::new();
    let mut types = TypeSection::new();
    types.ty().function([ValType::I32], []);
    types.ty().function([], []);
    module.section(&types);
    let mut function_section = FunctionSection::new();
    function_section.function(1);
    for _ in 0..functions {
        function_section.function(0);
    }
    module.section(&function_section);
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: 1,
        maximum: Some(1),
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    module.section(&memories);
    let mut exports = ExportSection::new();
    exports.export("run", ExportKind::Func, 1);
    module.section(&exports);
    let mut code = CodeSection::new();
    // Function 0: an empty callee for the call-dense shape.
    let mut empty = Function::new([]);
    empty.instruction(&Instruction::End);
    code.function(&empty);
    let mut f = Function::new(locals.iter().copied());
    for instruction in body {
        f.instruction(instruction);
    }
    f.instruction(&Instruction::End);
    for _ in 0..functions {
        code.function(&f);
    }
    module.section(&code);
    module.finish()
}

/// 10,000 (the limit) functions with empty bodies.
pub fn many_tiny_functions() -> Vec<u8> {
    let limits = Limits::CONSENSUS;
    let mut module = Module::new();
    let mut types = TypeSection::new();
    types.ty().function([], []);
    module.section(&types);
    let mut function_section = FunctionSection::new();
    for _ in 0..limits.functions {
        function_section.function(0);
    }
    module.section(&function_section);
    let mut code = CodeSection::new();
    let mut f = Function::new([]);
    f.instruction(&Instruction::End);
    for _ in 0..limits.functions {
        code.function(&f);
    }
    module.section(&code);
    module.finish()
}

/// Functions nested `block`/`loop`/`if` to the nesting limit, with a
/// conditional branch at every level.
pub fn deep_nesting() -> Vec<u8> {
    let depth = Limits::CONSENSUS.nesting_depth;
    let mut body = Vec::new();
    for level in 0..depth {
        match level % 3 {
            0 => body.push(Instruction::Block(BlockType::Empty)),
            1 => body.push(Instruction::Loop(BlockType::Empty)),
            _ => {
                body.push(Instruction::LocalGet(0));
                body.push(Instruction::If(BlockType::Empty));
            }
        }
        body.push(Instruction::LocalGet(0));
        body.push(Instruction::BrIf(level % 7));
    }
    body.extend((0..depth).map(|_| Instruction::End));
    shape_module(56, &[], &body)
}

/// Functions of `br_table`s with the most targets allowed, each in its own
/// pair of blocks.
pub fn huge_br_table() -> Vec<u8> {
    let targets: Vec<u32> = (0..Limits::CONSENSUS.br_table_targets)
        .map(|k| k % 2)
        .collect();
    let mut body = Vec::new();
    for _ in 0..200 {
        body.push(Instruction::Block(BlockType::Empty));
        body.push(Instruction::Block(BlockType::Empty));
        body.push(Instruction::LocalGet(0));
        body.push(Instruction::BrTable(targets.clone().into(), 0));
        body.push(Instruction::End);
        body.push(Instruction::End);
    }
    shape_module(2, &[], &body)
}

/// Functions with the most locals allowed, declared one by one with
/// alternating types (the longest encoding), used at high indices.
pub fn many_locals() -> Vec<u8> {
    let count = Limits::CONSENSUS.locals_per_function;
    let locals: Vec<(u32, ValType)> = (0..count)
        .map(|k| {
            (
                1,
                if k % 2 == 0 {
                    ValType::I32
                } else {
                    ValType::I64
                },
            )
        })
        .collect();
    // Local 0 is the parameter (i32) and declared local k is local k + 1,
    // so odd indices are i32 and even indices from 2 up are i64. Copy
    // between the highest and the lowest indices of each type.
    let mut body = Vec::new();
    for k in 0..64u32 {
        body.push(Instruction::LocalGet(count - 2 * k));
        body.push(Instruction::LocalSet(2 + 2 * k));
        body.push(Instruction::LocalGet(count - 1 - 2 * k));
        body.push(Instruction::LocalSet(1 + 2 * k));
    }
    shape_module(50, &locals, &body)
}

/// Functions that are one long metered block of arithmetic and memory access.
pub fn straight_line() -> Vec<u8> {
    let mut body = Vec::new();
    for k in 0..13_000i32 {
        body.push(Instruction::LocalGet(0));
        body.push(Instruction::I32Const(k * 7919));
        body.push(Instruction::I32Add);
        body.push(Instruction::I32Const(0xfff0));
        body.push(Instruction::I32And);
        body.push(Instruction::I32Load(mem(16, 2)));
        body.push(Instruction::LocalSet(0));
    }
    shape_module(2, &[], &body)
}

/// Code where every few bytes end a metered block (`br_if`), so that the
/// instrumenter injects a charge for almost every original instruction.
pub fn branch_dense() -> Vec<u8> {
    let mut body = vec![Instruction::Loop(BlockType::Empty)];
    for _ in 0..20_000 {
        body.push(Instruction::LocalGet(0));
        body.push(Instruction::BrIf(0));
    }
    body.push(Instruction::End);
    shape_module(5, &[], &body)
}

/// Code of back-to-back calls, each followed by an injected stack restore.
pub fn call_dense() -> Vec<u8> {
    let body: Vec<Instruction<'_>> = (0..40_000).map(|_| Instruction::Call(0)).collect();
    shape_module(5, &[], &body)
}

/// Median of `f`'s wall time over at least `min_runs` runs and about
/// `budget` in total (the benchmarks' summary passes).
pub fn median_time<T>(
    min_runs: usize,
    budget: std::time::Duration,
    mut f: impl FnMut() -> T,
) -> std::time::Duration {
    let mut times = Vec::new();
    let start = std::time::Instant::now();
    while times.len() < min_runs || start.elapsed() < budget {
        let t = std::time::Instant::now();
        let result = f();
        times.push(t.elapsed());
        drop(std::hint::black_box(result));
    }
    times.sort();
    times[times.len() / 2]
}
