//! The cost table: the price of every operator, in one place.
//!
//! Every operator wasmparser can decode gets a [`Verdict`] here: accepted
//! with a [`Price`], or rejected as floating point or as part of a proposal
//! outside the accepted profile. The table is generated from wasmparser's own
//! operator list (`for_each_operator!`), so a new operator in wasmparser, or
//! an accepted operator without a price, is a compile error, not a silent
//! default:
//!
//! - every operator of the accepted proposals (`mvp`, `sign_extension`,
//!   `bulk_memory`, `reference_types`) that is not floating point must have
//!   an arm in `price!`; a missing one fails a `const` assertion;
//! - every other proposal is rejected as a whole by one arm per proposal, and
//!   a proposal wasmparser adds later has no arm at all.
//!
//! Prices are in gas. The cheapest real operation (a constant, a local
//! access, an add) costs 1; structural operators that compile to nothing
//! (`block`, `loop`, `else`, `end`, `nop`) cost 0. Dynamic costs are
//! `base + per_unit * n`, where `n` is the operation's count operand (pages
//! for `memory.grow`, bytes for the memory bulk operations, elements for the
//! table bulk operations); the instrumenter charges `per_unit * n` in injected
//! code right before the operation runs. These first prices are set by
//! reasoning about the work each operation does; calibrating them against
//! measured cost is the gas-audit tool's job.
//!
//! The table has an identity: [`cost_table_hash`], a SHA-256 over a canonical
//! text rendering of every accepted price and every other constant that
//! decides gas. It is recorded wherever gas matters (cache keys, receipts).

use sha2::{Digest, Sha256};

use super::error::Proposal;

/// What the cost table says about one operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Accepted, at this price.
    Accept(Price),
    /// Rejected: uses floating point.
    Float,
    /// Rejected: belongs to a proposal outside the accepted profile.
    Proposal(Proposal),
}

/// The price of an accepted operator: `base + per_unit * n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Price {
    /// Charged with the operator's metered block.
    pub base: u64,
    /// Charged per unit of the count operand, right before the operator runs.
    /// Zero for operators without a dynamic part.
    pub per_unit: u64,
    /// What the count operand counts.
    pub unit: Unit,
}

/// What the count operand of an operator with a dynamic cost counts.
///
/// In every case the count is the `i32` on top of the operand stack when the
/// operator runs (`memory.grow`, `memory.copy/fill/init`, `table.grow`,
/// `table.copy/fill/init` all take it last).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// No dynamic part.
    None,
    /// 64 KiB memory pages.
    Pages,
    /// Bytes of linear memory.
    Bytes,
    /// Table elements.
    Elements,
}

impl Price {
    const fn fixed(base: u64) -> Verdict {
        Verdict::Accept(Price {
            base,
            per_unit: 0,
            unit: Unit::None,
        })
    }

    const fn dynamic(base: u64, per_unit: u64, unit: Unit) -> Verdict {
        Verdict::Accept(Price {
            base,
            per_unit,
            unit,
        })
    }

    /// Whether the operator has a dynamic part charged in injected code.
    pub fn is_dynamic(&self) -> bool {
        self.unit != Unit::None
    }
}

/// Gas charged per declared local at function entry (locals are
/// zero-initialised on every call).
pub const LOCAL_COST: u64 = 1;

// Price classes, so that the table below reads as a table.
/// Structural operators that compile to nothing.
const FREE: u64 = 0;
/// Constants, locals, simple ALU operations, comparisons.
const SIMPLE: u64 = 1;
/// Globals, multiplication, `select`, table size, references.
const MEDIUM: u64 = 2;
/// Loads and stores: a bounds check plus the access.
const MEMORY: u64 = 2;
/// Division and remainder: slow in hardware, and a trap check. The
/// hardware's latency grows with the quotient's width: a chain of
/// dependent `i64.div_s` of `i64::MIN` by 1 (64-bit quotients; the
/// adversarial search, seed 2027, gas-audit/corpus/division-chain.wat)
/// took about 16 ns a division with its `local.get`, 6.0x the plain median
/// at 4 gas; `i32.div_u` about 9 ns, 4.1x. At 10 the 64-bit chain was still
/// 3.06x (the median had fallen to 0.49 ns per gas with branches at 4); 12
/// puts it about 2.6x. (The calibration's `op.div`, independent divisions,
/// was 1.9x at 4: the chain, not the division alone, is the worst case.)
const DIVISION: u64 = 12;
/// Population count. The baseline x86-64 target has no `popcnt`
/// instruction, so `count_ones` is a bit-twiddling sequence of about a
/// dozen dependent instructions. At the price of a simple operation, a
/// loop of dependent `i64.popcnt` ran at 6.1 ns per gas, 7.7 times the
/// median of plain code (0.80 ns per gas; the adversarial search,
/// docs/gas-calibration.md "Adversarial search", corpus case
/// gas-audit/corpus/popcnt-chain.wat); 6 brings it to about 1.3 times.
const POPCOUNT: u64 = 6;
/// Conditional branches (`br_if`, `if`): each ends a metered block, so
/// each brings a gas charge (a fused subtract-and-branch) that no price
/// included. At 1, blocks of one branch ran at 4-9x the plain median (the
/// adversarial search, docs/gas-calibration.md "Adversarial search": `block
/// br end` chains, empty loop iterations, `if end`; corpus
/// gas-audit/corpus/tiny-blocks-br-if.wat at 1.9x in
/// `benches/benches/search.rs`). At 2 they measured 1.3-1.4x (the plain
/// baseline, whose loops branch, gets cheaper per gas too). (`br_table` was
/// already 2, and its corpus case gas-audit/corpus/br-table.wat ran at
/// 1.2x: unchanged.) The long search of seed 2027 then found the branch
/// *taken* dearer than that: a taken `br_if` about 6.8 ns (loops of them,
/// 4.1x), an `if` whose condition is false about 6 ns (3.7x): a taken
/// jump costs this processor's front end more than straight-line dispatch
/// (about 1 ns an instruction). At 4 (with the condition's `local.get`, 5
/// gas a branch) they measure about 2.2-2.5x. (corpus case
/// gas-audit/corpus/taken-branches.wat)
const BRANCH: u64 = 4;
/// `else`: the end of an `if`'s then-arm is a jump over the else-arm,
/// charged with the then-arm (the path that takes it). At 0 (a structural
/// marker), `if (then) (else)` with a true condition ran at 8.8 ns for its
/// 3 gas (5.4x, seed 2027); at 2 it pays 7 with its `if` and `local.get`:
/// about 2.3x.
const ELSE: u64 = 2;
/// Unconditional branch (`br`): a jump and the charge of the block it
/// lands in, with nothing else to do, so a chain of `block br end` is one
/// dispatched instruction per `br` and nothing more (corpus
/// gas-audit/corpus/tiny-blocks-br.wat): 4.1x the plain median at 1, still
/// 3.1-3.2x at 2 (criterion, `benches/benches/search.rs`); 2.3-2.55x at
/// 3. 4, with [`BRANCH`] at 4: always taken, never dearer than a taken
/// conditional branch.
const BR: u64 = 4;
/// `br_table`: where the next instruction is depends on data, so the
/// interpreter cannot go on until three dependent loads are done (the
/// index's slot, forwarded from the store that just wrote it; the side
/// table's entry; the target op), where a `br` needs one and straight-line
/// code none. A loop of nothing but `table.size` (or `i32.const`) and a
/// `br_table` back to the loop, which the adversarial search found in
/// wasm-smith code (gas-audit/corpus/open/08-br-table-loop.wat), ran at
/// 3.6-3.9 ns per gas at 2, about 6-7x the plain median: 11 ns a
/// `br_table`, against 2-4 ns for a branch whose target is in the
/// instruction. (Not a misprediction: an index known without the load ran
/// 3x faster; the dependent loads are the cost, and entries laid out as
/// `br`s after the instruction were no faster, see docs/performance.md.)
/// At 6 the same loops still ran at 1.5-1.6 ns per gas (2.6-2.8x, too
/// close to the bound for runs that spread by 15%); at 8 they need 9-10
/// gas an iteration, about 2.1-2.3x.
const BR_TABLE: u64 = 8;
/// One-operand operators with no cheaper fused form (`clz`, `ctz`,
/// sign and zero extensions): every one is a dispatched executor
/// instruction for its gas, where plain code's instructions carry two or
/// more gas (operands fused in). At 1, dependent chains ran at about 3.1x
/// (corpus gas-audit/corpus/unary-chain.wat in `benches/benches/search.rs`)
/// to 7-9x (the search's quick `clz`/`extend16_s` scores); dispatch, not
/// the operation, is the cost. At 2 the corpus case measured 2.0x.
/// `eqz` and `i32.wrap_i64` joined them later: the adversarial search
/// found a loop of dependent `i32.eqz` at 5.2-5.6x (criterion,
/// `benches/benches/search.rs`; 2.7-3.3 ns per `eqz`, as for the others),
/// 2026-12-07; `eqz` followed by `br_if` or `if` is fused into one
/// compare-and-branch and pays 1 more for it. Seed 2027 found chains of
/// `i64.clz`/`i32.clz` at 3.6-3.7x at 2 (about 4 ns each, a dispatch and
/// the slot's store-to-load latency): 3 puts them about 2.5x.
const UNARY: u64 = 3;
/// Direct call: a frame push and pop, the callee's stack prologue and the
/// caller's height restore. Calibrated (`gasworks calibrate`,
/// docs/gas-calibration.md): at 5, a loop of calls ran at 2.9-3.0 ns per
/// gas against 0.84-0.96 for plain code (3.1-3.5x, flagged; about 19 ns
/// per call and return) and recursion 1,000 deep at 2.3 ns per gas
/// (2.8x). 12 puts both under 2x. Seed 2027's search then measured a
/// loop of calls of an empty function at 2.2-3.1x and calls with 12
/// constant arguments into a function of 5 locals at 3.0-3.25x, against a
/// plain median that fell to 0.49-0.55 ns per gas once branches cost 4
/// (gas-audit/corpus/open/s2027-08, -12): 15. At 15 the empty-call loop
/// measured 1.9x in one bench run and 3.5x in the next (calls move most
/// with the build's code layout), the 12-argument chain 3.0-3.2x: still
/// at the bound (docs/gas-calibration.md "Seed 2028").
const CALL: u64 = 15;
/// Indirect call: a call plus a table lookup and a signature check.
/// Calibrated as [`CALL`]: at 8, 2.8 ns per gas (2.9-3.4x the plain median;
/// about 25 ns per call); 18 puts it under 2x.
const CALL_INDIRECT: u64 = 18;
/// Base of every bulk memory or table operation.
const BULK_BASE: u64 = 5;
/// Base of `memory.grow`.
const GROW_BASE: u64 = 50;
/// Per page grown: zeroing 64 KiB, reallocating (the memory doubles its
/// capacity as it grows, copying what it holds) and the first touch of
/// fresh pages. Calibrated (`gasworks calibrate`, docs/gas-calibration.md):
/// at 4,096 a growth to the 512-page limit ran at 7.8-10.2 ns per gas,
/// 8-13x plain code: 30-32 us per page (fitted over growths of 1, 8 and 64
/// pages). 65,536, one gas per byte as `memory.fill` charges, puts it under
/// 1x. (Instantiation's pages are priced by the host API's `call`, measured
/// apart at 1.5-1.7 us per page.)
const PER_PAGE: u64 = 65_536;
/// Per byte copied, filled or initialised.
const PER_BYTE: u64 = 1;
/// Per table element copied, filled, initialised or grown.
const PER_ELEMENT: u64 = 1;

/// True for operator names (`visit_f32_add`) that involve a float type.
const fn is_float_operator(visit_name: &str) -> bool {
    let b = visit_name.as_bytes();
    let mut i = 0;
    while i + 3 <= b.len() {
        if b[i] == b'f' && b[i + 1] == b'3' && b[i + 2] == b'2' {
            return true;
        }
        if b[i] == b'f' && b[i + 1] == b'6' && b[i + 2] == b'4' {
            return true;
        }
        i += 1;
    }
    false
}

/// The price of every operator of the accepted proposals. Floating-point
/// operators fall through to the last arms, which check at compile time that
/// the operator really is floating point: an integer operator without an arm
/// here does not compile.
#[rustfmt::skip]
macro_rules! price {
    // Control. Block boundaries and the charges themselves are the
    // instrumenter's business; these are the prices of the operators.
    (mvp Unreachable $v:ident) => { Price::fixed(SIMPLE) };
    (mvp Nop $v:ident) => { Price::fixed(FREE) };
    (mvp Block $v:ident) => { Price::fixed(FREE) };
    (mvp Loop $v:ident) => { Price::fixed(FREE) };
    (mvp If $v:ident) => { Price::fixed(BRANCH) };
    (mvp Else $v:ident) => { Price::fixed(ELSE) };
    (mvp End $v:ident) => { Price::fixed(FREE) };
    (mvp Br $v:ident) => { Price::fixed(BR) };
    (mvp BrIf $v:ident) => { Price::fixed(BRANCH) };
    (mvp BrTable $v:ident) => { Price::fixed(BR_TABLE) };
    (mvp Return $v:ident) => { Price::fixed(SIMPLE) };
    (mvp Call $v:ident) => { Price::fixed(CALL) };
    (mvp CallIndirect $v:ident) => { Price::fixed(CALL_INDIRECT) };
    (mvp Drop $v:ident) => { Price::fixed(SIMPLE) };
    (mvp Select $v:ident) => { Price::fixed(MEDIUM) };
    (reference_types TypedSelect $v:ident) => { Price::fixed(MEDIUM) };
    // Multi-result `select` is not part of WebAssembly 2.0.
    (reference_types TypedSelectMulti $v:ident) => { Verdict::Proposal(Proposal::Other) };

    // Variables.
    (mvp LocalGet $v:ident) => { Price::fixed(SIMPLE) };
    (mvp LocalSet $v:ident) => { Price::fixed(SIMPLE) };
    (mvp LocalTee $v:ident) => { Price::fixed(SIMPLE) };
    (mvp GlobalGet $v:ident) => { Price::fixed(MEDIUM) };
    (mvp GlobalSet $v:ident) => { Price::fixed(MEDIUM) };

    // Memory.
    (mvp I32Load $v:ident) => { Price::fixed(MEMORY) };
    (mvp I64Load $v:ident) => { Price::fixed(MEMORY) };
    (mvp I32Load8S $v:ident) => { Price::fixed(MEMORY) };
    (mvp I32Load8U $v:ident) => { Price::fixed(MEMORY) };
    (mvp I32Load16S $v:ident) => { Price::fixed(MEMORY) };
    (mvp I32Load16U $v:ident) => { Price::fixed(MEMORY) };
    (mvp I64Load8S $v:ident) => { Price::fixed(MEMORY) };
    (mvp I64Load8U $v:ident) => { Price::fixed(MEMORY) };
    (mvp I64Load16S $v:ident) => { Price::fixed(MEMORY) };
    (mvp I64Load16U $v:ident) => { Price::fixed(MEMORY) };
    (mvp I64Load32S $v:ident) => { Price::fixed(MEMORY) };
    (mvp I64Load32U $v:ident) => { Price::fixed(MEMORY) };
    (mvp I32Store $v:ident) => { Price::fixed(MEMORY) };
    (mvp I64Store $v:ident) => { Price::fixed(MEMORY) };
    (mvp I32Store8 $v:ident) => { Price::fixed(MEMORY) };
    (mvp I32Store16 $v:ident) => { Price::fixed(MEMORY) };
    (mvp I64Store8 $v:ident) => { Price::fixed(MEMORY) };
    (mvp I64Store16 $v:ident) => { Price::fixed(MEMORY) };
    (mvp I64Store32 $v:ident) => { Price::fixed(MEMORY) };
    (mvp MemorySize $v:ident) => { Price::fixed(SIMPLE) };
    (mvp MemoryGrow $v:ident) => { Price::dynamic(GROW_BASE, PER_PAGE, Unit::Pages) };
    (bulk_memory MemoryInit $v:ident) => { Price::dynamic(BULK_BASE, PER_BYTE, Unit::Bytes) };
    (bulk_memory MemoryCopy $v:ident) => { Price::dynamic(BULK_BASE, PER_BYTE, Unit::Bytes) };
    (bulk_memory MemoryFill $v:ident) => { Price::dynamic(BULK_BASE, PER_BYTE, Unit::Bytes) };
    (bulk_memory DataDrop $v:ident) => { Price::fixed(MEDIUM) };

    // Tables and references.
    (bulk_memory TableInit $v:ident) => { Price::dynamic(BULK_BASE, PER_ELEMENT, Unit::Elements) };
    (bulk_memory TableCopy $v:ident) => { Price::dynamic(BULK_BASE, PER_ELEMENT, Unit::Elements) };
    (bulk_memory ElemDrop $v:ident) => { Price::fixed(MEDIUM) };
    (reference_types TableFill $v:ident) => { Price::dynamic(BULK_BASE, PER_ELEMENT, Unit::Elements) };
    (reference_types TableGrow $v:ident) => { Price::dynamic(BULK_BASE, PER_ELEMENT, Unit::Elements) };
    (reference_types TableGet $v:ident) => { Price::fixed(MEMORY) };
    (reference_types TableSet $v:ident) => { Price::fixed(MEMORY) };
    // `table.size` reads the length through three dependent loads (the
    // instance, its tables, the length): a loop of `table.size; drop` ran
    // at 4.6x at 1 gas (the adversarial search, seed 2028). MEDIUM, as
    // that class's own description always said.
    (reference_types TableSize $v:ident) => { Price::fixed(MEDIUM) };
    (reference_types RefNull $v:ident) => { Price::fixed(SIMPLE) };
    (reference_types RefIsNull $v:ident) => { Price::fixed(SIMPLE) };
    (reference_types RefFunc $v:ident) => { Price::fixed(MEDIUM) };

    // Constants.
    (mvp I32Const $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64Const $v:ident) => { Price::fixed(SIMPLE) };

    // Integer comparisons.
    (mvp I32Eqz $v:ident) => { Price::fixed(UNARY) };
    (mvp I32Eq $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I32Ne $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I32LtS $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I32LtU $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I32GtS $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I32GtU $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I32LeS $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I32LeU $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I32GeS $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I32GeU $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64Eqz $v:ident) => { Price::fixed(UNARY) };
    (mvp I64Eq $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64Ne $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64LtS $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64LtU $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64GtS $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64GtU $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64LeS $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64LeU $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64GeS $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64GeU $v:ident) => { Price::fixed(SIMPLE) };

    // Integer arithmetic.
    (mvp I32Clz $v:ident) => { Price::fixed(UNARY) };
    (mvp I32Ctz $v:ident) => { Price::fixed(UNARY) };
    (mvp I32Popcnt $v:ident) => { Price::fixed(POPCOUNT) };
    (mvp I32Add $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I32Sub $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I32Mul $v:ident) => { Price::fixed(MEDIUM) };
    (mvp I32DivS $v:ident) => { Price::fixed(DIVISION) };
    (mvp I32DivU $v:ident) => { Price::fixed(DIVISION) };
    (mvp I32RemS $v:ident) => { Price::fixed(DIVISION) };
    (mvp I32RemU $v:ident) => { Price::fixed(DIVISION) };
    (mvp I32And $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I32Or $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I32Xor $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I32Shl $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I32ShrS $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I32ShrU $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I32Rotl $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I32Rotr $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64Clz $v:ident) => { Price::fixed(UNARY) };
    (mvp I64Ctz $v:ident) => { Price::fixed(UNARY) };
    (mvp I64Popcnt $v:ident) => { Price::fixed(POPCOUNT) };
    (mvp I64Add $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64Sub $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64Mul $v:ident) => { Price::fixed(MEDIUM) };
    (mvp I64DivS $v:ident) => { Price::fixed(DIVISION) };
    (mvp I64DivU $v:ident) => { Price::fixed(DIVISION) };
    (mvp I64RemS $v:ident) => { Price::fixed(DIVISION) };
    (mvp I64RemU $v:ident) => { Price::fixed(DIVISION) };
    (mvp I64And $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64Or $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64Xor $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64Shl $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64ShrS $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64ShrU $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64Rotl $v:ident) => { Price::fixed(SIMPLE) };
    (mvp I64Rotr $v:ident) => { Price::fixed(SIMPLE) };

    // Integer conversions.
    (mvp I32WrapI64 $v:ident) => { Price::fixed(UNARY) };
    (mvp I64ExtendI32S $v:ident) => { Price::fixed(UNARY) };
    (mvp I64ExtendI32U $v:ident) => { Price::fixed(UNARY) };
    (sign_extension I32Extend8S $v:ident) => { Price::fixed(UNARY) };
    (sign_extension I32Extend16S $v:ident) => { Price::fixed(UNARY) };
    (sign_extension I64Extend8S $v:ident) => { Price::fixed(UNARY) };
    (sign_extension I64Extend16S $v:ident) => { Price::fixed(UNARY) };
    (sign_extension I64Extend32S $v:ident) => { Price::fixed(UNARY) };

    // Everything else in the accepted proposals must be floating point.
    (mvp $op:ident $visit:ident) => { float_only!($visit) };
    (saturating_float_to_int $op:ident $visit:ident) => { float_only!($visit) };

    // Whole proposals outside the profile. A proposal wasmparser adds later
    // has no arm here and does not compile until it is classified.
    (simd $op:ident $visit:ident) => { Verdict::Proposal(Proposal::Simd) };
    (relaxed_simd $op:ident $visit:ident) => { Verdict::Proposal(Proposal::Simd) };
    (threads $op:ident $visit:ident) => { Verdict::Proposal(Proposal::Threads) };
    (shared_everything_threads $op:ident $visit:ident) => { Verdict::Proposal(Proposal::Threads) };
    (acquire_release_atomics $op:ident $visit:ident) => { Verdict::Proposal(Proposal::Threads) };
    (exceptions $op:ident $visit:ident) => { Verdict::Proposal(Proposal::Exceptions) };
    (legacy_exceptions $op:ident $visit:ident) => { Verdict::Proposal(Proposal::Exceptions) };
    (tail_call $op:ident $visit:ident) => { Verdict::Proposal(Proposal::TailCalls) };
    (gc $op:ident $visit:ident) => { Verdict::Proposal(Proposal::Gc) };
    (custom_descriptors $op:ident $visit:ident) => { Verdict::Proposal(Proposal::Gc) };
    (function_references $op:ident $visit:ident) => { Verdict::Proposal(Proposal::FunctionReferences) };
    (wide_arithmetic $op:ident $visit:ident) => { Verdict::Proposal(Proposal::WideArithmetic) };
    (memory_control $op:ident $visit:ident) => { Verdict::Proposal(Proposal::Other) };
    (stack_switching $op:ident $visit:ident) => { Verdict::Proposal(Proposal::Other) };
}

/// Rejects an operator as floating point, and fails to compile if it is not.
macro_rules! float_only {
    ($visit:ident) => {
        const {
            assert!(
                is_float_operator(stringify!($visit)),
                concat!("no price for integer operator ", stringify!($visit))
            );
            Verdict::Float
        }
    };
}

macro_rules! define_operator_table {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        /// Every operator wasmparser decodes, in its order, with its verdict.
        /// The names are wasmparser's visitor names (`visit_i32_add`); see
        /// [`operator_name`] for the text-format name.
        pub static OPERATORS: &[(&str, Verdict)] = &[
            $( (stringify!($visit), price!($proposal $op $visit)), )*
        ];
    };
}
wasmparser::for_each_operator!(define_operator_table);

/// A visitor that looks each operator up in the cost table.
pub(crate) struct Classifier;

/// A visitor that names each operator (its wasmparser visitor name); used
/// only to word rejections, so that the hot path carries no names.
pub(crate) struct OperatorName;

macro_rules! define_classifier {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        $(
            #[inline]
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                $($(let _ = $arg;)*)?
                price!($proposal $op $visit)
            }
        )*
    };
}

macro_rules! define_operator_name {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                $($(let _ = $arg;)*)?
                stringify!($visit)
            }
        )*
    };
}

impl<'a> wasmparser::VisitOperator<'a> for Classifier {
    type Output = Verdict;
    wasmparser::for_each_visit_operator!(define_classifier);

    fn simd_visitor(
        &mut self,
    ) -> Option<&mut dyn wasmparser::VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }
}

impl<'a> wasmparser::VisitSimdOperator<'a> for Classifier {
    wasmparser::for_each_visit_simd_operator!(define_classifier);
}

impl<'a> wasmparser::VisitOperator<'a> for OperatorName {
    type Output = &'static str;
    wasmparser::for_each_visit_operator!(define_operator_name);

    fn simd_visitor(
        &mut self,
    ) -> Option<&mut dyn wasmparser::VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }
}

impl<'a> wasmparser::VisitSimdOperator<'a> for OperatorName {
    wasmparser::for_each_visit_simd_operator!(define_operator_name);
}

/// The text-format name of an operator (`i32.add`) from its wasmparser
/// visitor name (`visit_i32_add`).
pub fn operator_name(visit_name: &str) -> String {
    let name = visit_name.strip_prefix("visit_").unwrap_or(visit_name);
    // Names whose first underscore is not the dot of the text format.
    const SPECIAL: &[(&str, &str)] = &[
        ("br_if", "br_if"),
        ("br_table", "br_table"),
        ("call_indirect", "call_indirect"),
        ("return_call", "return_call"),
        ("return_call_indirect", "return_call_indirect"),
        ("return_call_ref", "return_call_ref"),
        ("call_ref", "call_ref"),
        ("typed_select", "select"),
        ("typed_select_multi", "select"),
        ("try_table", "try_table"),
        ("throw_ref", "throw_ref"),
        ("br_on_null", "br_on_null"),
        ("br_on_non_null", "br_on_non_null"),
        ("br_on_cast", "br_on_cast"),
        ("br_on_cast_fail", "br_on_cast_fail"),
        ("atomic_fence", "atomic.fence"),
    ];
    if let Some((_, text)) = SPECIAL.iter().find(|(visit, _)| *visit == name) {
        return (*text).to_string();
    }
    match name.split_once('_') {
        Some((family, rest)) => format!("{family}.{rest}"),
        None => name.to_string(),
    }
}

/// The stable identity of the gas schedule: SHA-256 over a canonical text
/// rendering of every accepted operator's price, the per-local cost and the
/// stack-metering constants, as lowercase hex.
pub fn cost_table_hash() -> String {
    // The table is fixed at compile time: render and hash it once.
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let mut hasher = Sha256::new();
        hasher.update(canonical_schedule().as_bytes());
        let digest = hasher.finalize();
        digest.iter().map(|b| format!("{b:02x}")).collect()
    })
    .clone()
}

/// The canonical text the cost-table hash is computed over: one line per
/// accepted operator (`i32.add base=1`), then the other gas constants.
pub fn canonical_schedule() -> String {
    // The version line stands for the rules the table does not spell out:
    // where metered blocks end, where charges are placed, the canonical
    // charge forms. Change it when they change.
    let mut text = String::from("gasworks cost table v1; metering rules v1\n");
    for (visit, verdict) in OPERATORS {
        if let Verdict::Accept(price) = verdict {
            text.push_str(&format!(
                "{} base={} per_unit={} unit={:?}\n",
                operator_name(visit),
                price.base,
                price.per_unit,
                price.unit
            ));
        }
    }
    text.push_str(&format!("local base={LOCAL_COST}\n"));
    text.push_str(&format!(
        "stack limit={} frame_overhead={}\n",
        super::STACK_LIMIT,
        super::FRAME_OVERHEAD
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_float_operator_is_rejected_and_no_integer_operator_is() {
        for (visit, verdict) in OPERATORS {
            if *verdict == Verdict::Float {
                assert!(is_float_operator(visit), "{visit}");
            }
            if let Verdict::Accept(_) = verdict {
                assert!(!is_float_operator(visit), "{visit} accepted");
            }
        }
        let accepted = OPERATORS
            .iter()
            .filter(|(_, v)| matches!(v, Verdict::Accept(_)))
            .count();
        // The integer MVP operators (control, variables, memory, integer
        // arithmetic), sign extension, bulk memory and reference types. A
        // change here is a change of the accepted profile: update on purpose.
        assert_eq!(accepted, 125);
    }

    #[test]
    fn operator_names_follow_the_text_format() {
        assert_eq!(operator_name("visit_f64_add"), "f64.add");
        assert_eq!(operator_name("visit_i32_load8_s"), "i32.load8_s");
        assert_eq!(operator_name("visit_memory_grow"), "memory.grow");
        assert_eq!(operator_name("visit_br_table"), "br_table");
        assert_eq!(
            operator_name("visit_i32_trunc_sat_f32_s"),
            "i32.trunc_sat_f32_s"
        );
        assert_eq!(operator_name("visit_unreachable"), "unreachable");
    }

    #[test]
    fn hash_is_stable_within_a_build_and_covers_prices() {
        assert_eq!(cost_table_hash(), cost_table_hash());
        assert_eq!(cost_table_hash().len(), 64);
        assert!(canonical_schedule().contains("i32.div_s base=12"));
        assert!(canonical_schedule().contains("memory.grow base=50 per_unit=65536 unit=Pages"));
    }
}
