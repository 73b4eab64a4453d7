//! The verifier: the last stage before code may run.
//!
//! Input: the compiler's internal code for a whole module (ops without
//! handlers, absolute branch targets) and what the module declares. Output:
//! [`Code`], the same buffer lowered in place (each instruction paired with
//! its handler, branch targets made relative), which nothing can change
//! afterwards. One O(n) pass over the instructions and the `br_table`
//! entries. (In place: a second buffer of a large module's size costs
//! more in page faults than the pass itself, see docs/performance.md.)
//!
//! The executor reads frame slots and follows branch targets without bounds
//! checks (`execute/`, CODE and FRAME INVARIANTS). Those invariants are
//! the compiler's to keep, across several files; this pass checks them
//! again on its output, so that a compiler bug is a refused module
//! ([`CompileError::Unverified`]) and not undefined behaviour. The rules:
//!
//! - every slot an instruction names is below its function's frame size
//!   (consecutive operands: all of them; a call's arguments and results:
//!   all of them);
//! - every branch target and `br_table` entry is an instruction of the
//!   same function, and every `br_table` lies inside the side table;
//! - every function, import, global, table, data segment, element
//!   segment and signature index is one the module has;
//! - every function's code lies between its entry and the next
//!   function's, and does not fall through its end (its last instruction
//!   never goes on to the next); the code ends with a sentinel `Trap`;
//! - every frame is at least its locals and its results, its locals at
//!   least its parameters.
//!
//! Lowering happens in the same pass, from the instructions just checked:
//! the handler of each op is chosen from its own variant, and a branch
//! makes its destination's gas charge itself only when that destination
//! is a `ChargeGas` (see [`Fuse`]).

use super::CompileError;
use super::code::Instr;
use super::compile::Compiled;
use super::execute::{Fuse, Op};
use crate::trap::TrapKind;

/// Verified, lowered code: the module's ops, immutable (lent out only
/// read-only).
#[derive(Clone, Default)]
pub(crate) struct Code {
    ops: Vec<Op>,
}

impl Code {
    /// The first op.
    pub fn as_ptr(&self) -> *const Op {
        self.ops.as_ptr()
    }

    /// Number of ops (the sentinel included).
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// The same ops lowered for profiled calls ([`Op::profiled`]): the
    /// instructions are these, already verified, so the verifier's
    /// guarantees hold for the copy.
    pub fn for_profiling(&self) -> Code {
        Code {
            ops: self.ops.iter().map(Op::profiled).collect(),
        }
    }

    /// The instruction at op index `index`.
    pub fn instr_at(&self, index: usize) -> Option<Instr> {
        self.ops.get(index).map(Op::instr)
    }

    /// The instructions, as lowered (branch targets relative).
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn instructions(&self) -> impl Iterator<Item = Instr> + '_ {
        self.ops.iter().map(Op::instr)
    }
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.ops.iter()).finish()
    }
}

/// What an operand of an instruction indexes, and so the rule it obeys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Operand {
    /// A frame slot.
    Slot,
    /// The first of `n` consecutive frame slots.
    Slots(u32),
    /// The first slot of a call's arguments and results (their count is
    /// the callee's).
    CallBase,
    /// A branch target (absolute before lowering).
    Target,
    /// A defined function.
    Function,
    /// A function of the function index space (imports first).
    AnyFunction,
    /// An imported function.
    Import,
    /// A global.
    Global,
    /// A table.
    Table,
    /// A data segment.
    Data,
    /// An element segment.
    Elem,
    /// A canonical signature.
    Signature,
    /// The first side-table entry of a `br_table`.
    BrTableFirst,
    /// The number of non-default entries of a `br_table`.
    BrTableLen,
    /// The first of `n` consecutive entries of the module's constants.
    Constants(u32),
}

/// A mutable operand field, of one of the widths instructions use.
pub(crate) enum Field<'a> {
    U32(&'a mut u32),
    U16(&'a mut u16),
}

impl Field<'_> {
    fn get(&self) -> u32 {
        match self {
            Field::U32(v) => **v,
            Field::U16(v) => u32::from(**v),
        }
    }
}

/// Calls `f` on every operand of `instr` that indexes something, with
/// what it indexes. (Immediates, offsets, gas amounts and frame sizes are
/// not indices and are left out.) The one list of operands: the verifier
/// checks what it yields, the property test breaks what it yields.
#[inline(always)]
pub(crate) fn visit_operands(instr: &mut Instr, mut f: impl FnMut(Operand, Field<'_>)) {
    use Field::{U16, U32};
    use Operand::*;
    macro_rules! operands {
        (
            binops { $( $bin:ident $(/ $binimm:ident)? ($ba:ident: $bta:ty, $bb:ident: $btb:ty) -> $btr:ty $bbody:block )* }
            unops { $( $un:ident($ua:ident: $uta:ty) -> $utr:ty $ubody:block )* }
            loads { $( $load:ident($lbytes:literal, $lraw:ty => $lty:ty) )* }
            branches { $( $branch:ident = $cmp:ident($cty:ty, $cop:tt) else $inverse:ident )* }
            stores { $( $store:ident($sbytes:literal, $sty:ty) )* }
        ) => {
            match instr {
                $( Instr::$bin { dst, a, b } => { f(Slot, U32(dst)); f(Slot, U32(a)); f(Slot, U32(b)); } )*
                $( $( Instr::$binimm { dst, a, .. } => { f(Slot, U32(dst)); f(Slot, U32(a)); } )? )*
                $( Instr::$un { dst, a } => { f(Slot, U32(dst)); f(Slot, U32(a)); } )*
                $( Instr::$load { dst, addr, .. } => { f(Slot, U32(dst)); f(Slot, U32(addr)); } )*
                $( Instr::$store { addr, value, .. } => { f(Slot, U32(addr)); f(Slot, U32(value)); } )*
                $( Instr::$branch { a, b, target } => {
                    f(Slot, U32(a)); f(Slot, U32(b)); f(Target, U32(target));
                } )*
                Instr::Trap(_) | Instr::Return | Instr::ChargeGas(_) => {}
                Instr::Br(target) => f(Target, U32(target)),
                Instr::BrIfNez { cond, target } | Instr::BrIfEqz { cond, target } => {
                    f(Slot, U32(cond));
                    f(Target, U32(target));
                }
                Instr::BrTable { index, first, len } => {
                    f(Slot, U32(index));
                    f(BrTableFirst, U32(first));
                    f(BrTableLen, U32(len));
                }
                Instr::Call { func, base } => {
                    f(Function, U32(func));
                    f(CallBase, U32(base));
                }
                Instr::CallIndirect { ty, table, index, base } => {
                    f(Signature, U32(ty));
                    f(Table, U16(table));
                    f(Slot, U32(index));
                    f(CallBase, U32(base));
                }
                Instr::CallHost { import, base } => {
                    f(Import, U32(import));
                    f(CallBase, U32(base));
                }
                Instr::StackEnter { global, local, .. } => {
                    f(Global, U32(global));
                    f(Slot, U32(local));
                }
                Instr::ChargeGasSlot(slot) => f(Slot, U32(slot)),
                Instr::Const { dst, .. } => f(Slot, U32(dst)),
                Instr::Copy { dst, src } => {
                    f(Slot, U32(dst));
                    f(Slot, U32(src));
                }
                Instr::CopySpan { dst, src, n } => {
                    f(Slots(*n), U32(dst));
                    f(Slots(*n), U32(src));
                }
                Instr::Copy2 {
                    dst,
                    src,
                    dst2,
                    src2,
                } => {
                    f(Slot, U16(dst));
                    f(Slot, U16(src));
                    f(Slot, U16(dst2));
                    f(Slot, U16(src2));
                }
                Instr::ConstSpan { dst, first, n } => {
                    f(Slots(*n), U32(dst));
                    f(Constants(*n), U32(first));
                }
                Instr::Select { dst, a, b, cond } => {
                    f(Slot, U32(dst));
                    f(Slot, U16(a));
                    f(Slot, U16(b));
                    f(Slot, U16(cond));
                }
                Instr::SelectIfZero { dst, b, cond } => {
                    f(Slot, U32(dst));
                    f(Slot, U32(b));
                    f(Slot, U32(cond));
                }
                Instr::GlobalGet { dst, global } => {
                    f(Slot, U32(dst));
                    f(Global, U32(global));
                }
                Instr::GlobalSet { src, global } => {
                    f(Slot, U32(src));
                    f(Global, U32(global));
                }
                Instr::MemorySize { dst } => f(Slot, U32(dst)),
                Instr::MemoryGrow { dst, delta } => {
                    f(Slot, U32(dst));
                    f(Slot, U32(delta));
                }
                Instr::MemoryFill { args } | Instr::MemoryCopy { args } => f(Slots(3), U32(args)),
                Instr::MemoryInit { data, args } => {
                    f(Data, U32(data));
                    f(Slots(3), U32(args));
                }
                Instr::DataDrop { data } => f(Data, U32(data)),
                Instr::TableGet { table, dst, index } => {
                    f(Table, U32(table));
                    f(Slot, U32(dst));
                    f(Slot, U32(index));
                }
                Instr::TableSet { table, args } | Instr::TableGrow { table, args } => {
                    f(Table, U32(table));
                    f(Slots(2), U32(args));
                }
                Instr::TableSize { table, dst } => {
                    f(Table, U32(table));
                    f(Slot, U32(dst));
                }
                Instr::TableFill { table, args } => {
                    f(Table, U32(table));
                    f(Slots(3), U32(args));
                }
                Instr::TableCopy { dst_table, src_table, args } => {
                    f(Table, U32(dst_table));
                    f(Table, U32(src_table));
                    f(Slots(3), U32(args));
                }
                Instr::TableInit { table, elem, args } => {
                    f(Table, U32(table));
                    f(Elem, U32(elem));
                    f(Slots(3), U32(args));
                }
                Instr::ElemDrop { elem } => f(Elem, U32(elem)),
                Instr::RefFunc { dst, func } => {
                    f(Slot, U32(dst));
                    f(AnyFunction, U32(func));
                }
            }
        };
    }
    for_each_numeric!(operands)
}

/// Whether `instr` never goes on to the next instruction.
fn ends_flow(instr: &Instr) -> bool {
    matches!(
        instr,
        Instr::Return | Instr::Br(_) | Instr::BrTable { .. } | Instr::Trap(_)
    )
}

/// Checks `code` (the compiler's output for `module`, branch targets
/// absolute) against the rules of the module docs and lowers it.
///
/// # Errors
///
/// [`CompileError::Unverified`], naming the first rule broken.
pub(crate) fn verify(mut code: Vec<Op>, module: &Compiled) -> Result<Code, CompileError> {
    let refuse = |function: usize, at: usize, rule: &'static str| CompileError::Unverified {
        rule,
        function: function as u32,
        at: at as u32,
    };
    let count = |n: usize| n as u64;
    let imports = module.imports.len();
    let functions = &module.functions;
    let sentinel = code.len().checked_sub(1);
    if sentinel.and_then(|at| code.get(at)).map(Op::instr)
        != Some(Instr::Trap(TrapKind::Unreachable))
    {
        return Err(refuse(
            functions.len(),
            code.len(),
            "the code ends with the sentinel trap",
        ));
    }
    let sentinel = code.len() - 1;
    if module
        .imports
        .iter()
        .any(|i| i.signature as usize >= module.signatures.len())
    {
        return Err(refuse(0, 0, "an import's signature index is in range"));
    }
    // Whether an op is a `ChargeGas` is the same before and after it is
    // lowered.
    let charges_at =
        |code: &[Op], at: usize| matches!(code.get(at).map(Op::instr), Some(Instr::ChargeGas(_)));
    // Every op below this index is lowered.
    let mut lowered = 0;
    for (index, function) in functions.iter().enumerate() {
        let start = function.entry as usize;
        let end = functions
            .get(index + 1)
            .map_or(sentinel, |next| next.entry as usize);
        if start != lowered || start >= end || end > sentinel {
            return Err(refuse(
                index,
                start,
                "functions' code is in order, none empty",
            ));
        }
        let Some(signature) = module.signatures.get(function.signature as usize) else {
            return Err(refuse(
                index,
                start,
                "a function's signature index is in range",
            ));
        };
        let frame = u64::from(function.frame_slots);
        if function.params as usize != signature.params.len()
            || function.locals < function.params
            || u64::from(function.locals) > frame
            || count(signature.results.len()) > frame
            || function
                .ref_locals
                .iter()
                .any(|l| *l < function.params || *l >= function.locals)
        {
            return Err(refuse(
                index,
                start,
                "a frame holds its parameters, locals and results",
            ));
        }
        if !ends_flow(code[end - 1].instr_ref()) {
            return Err(refuse(index, end - 1, "no function falls through its end"));
        }
        for pc in start..end {
            let mut instr = code[pc].instr();
            let mut broken: Option<&'static str> = None;
            let mut fuse = Fuse::default();
            let in_function = |target: u32| (start..end).contains(&(target as usize));
            // The callee's (or the `br_table`'s) operands, known once all
            // operands are seen.
            let mut base = None;
            let mut table = (0u32, 0u32);
            visit_operands(&mut instr, |operand, field: Field<'_>| {
                let value = field.get();
                let ok = match operand {
                    Operand::Slot => u64::from(value) < frame,
                    Operand::Slots(n) => u64::from(value) + u64::from(n) <= frame,
                    Operand::CallBase => {
                        base = Some(value);
                        true
                    }
                    Operand::Target => in_function(value),
                    Operand::Function => (value as usize) < functions.len(),
                    Operand::AnyFunction => (value as usize) < imports + functions.len(),
                    Operand::Import => (value as usize) < imports,
                    Operand::Global => (value as usize) < module.globals.len(),
                    Operand::Table => (value as usize) < module.tables.len(),
                    Operand::Data => (value as usize) < module.data.len(),
                    Operand::Elem => (value as usize) < module.elements.len(),
                    Operand::Signature => (value as usize) < module.signatures.len(),
                    Operand::BrTableFirst => {
                        table.0 = value;
                        true
                    }
                    Operand::BrTableLen => {
                        table.1 = value;
                        true
                    }
                    Operand::Constants(n) => {
                        u64::from(value) + u64::from(n) <= count(module.constants.len())
                    }
                };
                if !ok && broken.is_none() {
                    broken = Some(rule_of(operand));
                }
            });
            if let Some(rule) = broken {
                return Err(refuse(index, pc, rule));
            }
            // A call's arguments and results, in the caller's frame.
            let arity = match instr {
                Instr::Call { func, .. } => functions
                    .get(func as usize)
                    .and_then(|callee| module.signatures.get(callee.signature as usize)),
                Instr::CallIndirect { ty, .. } => module.signatures.get(ty as usize),
                Instr::CallHost { import, .. } => module
                    .imports
                    .get(import as usize)
                    .and_then(|i| module.signatures.get(i.signature as usize)),
                _ => None,
            }
            .map(|s| count(s.params.len().max(s.results.len())));
            if let (Some(base), Some(arity)) = (base, arity)
                && u64::from(base) + arity > frame
            {
                return Err(refuse(index, pc, rule_of(Operand::CallBase)));
            }
            if let Instr::BrTable { .. } = instr {
                let (first, len) = (u64::from(table.0), u64::from(table.1));
                let Some(entries) = module
                    .br_tables
                    .get(first as usize..(first + len + 1) as usize)
                    .filter(|_| first + len < count(module.br_tables.len()))
                else {
                    return Err(refuse(index, pc, rule_of(Operand::BrTableFirst)));
                };
                if !entries.iter().all(|target| in_function(*target)) {
                    return Err(refuse(index, pc, "a br_table entry is in its function"));
                }
            }
            if let Some(target) = instr.target_mut() {
                fuse.taken = charges_at(&code, *target as usize);
                *target = target.wrapping_sub(pc as u32);
                // A conditional branch not taken goes on to the next op.
                fuse.next = !matches!(instr, Instr::Br(_)) && charges_at(&code, pc + 1);
            }
            if let Instr::Call { func, .. } = instr {
                fuse.taken = charges_at(&code, functions[func as usize].entry as usize);
            }
            code[pc] = Op::lowered(instr, fuse);
        }
        lowered = end;
    }
    if lowered != sentinel {
        return Err(refuse(
            functions.len(),
            lowered,
            "functions' code is in order, none empty",
        ));
    }
    code[sentinel] = Op::lowered(code[sentinel].instr(), Fuse::default());
    Ok(Code { ops: code })
}

/// The rule an operand of this kind obeys, as [`CompileError::Unverified`]
/// names it.
fn rule_of(operand: Operand) -> &'static str {
    match operand {
        Operand::Slot => "a slot is below its frame's size",
        Operand::Slots(_) => "a slot is below its frame's size (consecutive operands)",
        Operand::CallBase => "a slot is below its frame's size (a call's arguments and results)",
        Operand::Target => "a target is an instruction of the same function",
        Operand::Function => "a function index is in range",
        Operand::AnyFunction => "a function index is in range (imports included)",
        Operand::Import => "an import index is in range",
        Operand::Global => "a global index is in range",
        Operand::Table => "a table index is in range",
        Operand::Data => "a data segment index is in range",
        Operand::Elem => "an element segment index is in range",
        Operand::Signature => "a signature index is in range",
        Operand::BrTableFirst | Operand::BrTableLen => "a br_table lies inside the side table",
        Operand::Constants(_) => "a run of constants lies inside the module's constants",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::compile;
    use std::collections::BTreeMap;

    /// SplitMix64: the same cases on every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Modules whose code uses every kind of operand: calls of the three
    /// kinds (one passing on consecutive locals: a `CopySpan`; one on
    /// constants: a `ConstSpan`), two `local.set`s of locals in a row (a
    /// `Copy2`), `br_table`,
    /// every bulk and table operation, globals, select,
    /// memory access; instrumented (metering fused) and not.
    fn modules() -> Vec<Vec<u8>> {
        let text = r#"(module
          (import "env" "h" (func $h (param i32) (result i32)))
          (memory 1)
          (global $g (mut i64) (i64.const 0))
          (table $t 4 funcref)
          (table $u 2 funcref)
          (type $sig (func (param i64) (result i64)))
          (elem $e (i32.const 0) $inc $dec)
          (elem $p func $inc)
          (data $d "abcdef")
          (func $inc (type $sig) (i64.add (local.get 0) (i64.const 1)))
          (func $dec (type $sig) (i64.sub (local.get 0) (i64.const 1)))
          (func $sum (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
          (func (export "run") (param $n i32) (result i64)
            (local $i i32) (local $acc i64) (local $r funcref)
            (loop $top
              (local.set $acc (call $inc (local.get $acc)))
              (local.set $acc (call_indirect (type $sig) (local.get $acc)
                (i32.and (local.get $i) (i32.const 1))))
              (drop (call $h (local.get $i)))
              (drop (call $sum (local.get $n) (local.get $i)))
              (drop (call $sum (i32.const 5) (i32.const 6)))
              (local.set $i (local.get $n)) (local.set $n (local.get $i))
              (i64.store (i32.and (local.get $i) (i32.const 1023)) (local.get $acc))
              (local.set $acc (i64.add (local.get $acc) (i64.load offset=8 (i32.const 0))))
              (global.set $g (select (global.get $g) (local.get $acc) (local.get $i)))
              (block $b (block $a
                (br_table $a $b $a (i32.and (local.get $i) (i32.const 3))))
                (local.set $acc (i64.xor (local.get $acc) (i64.extend_i32_u (memory.size)))))
              (memory.fill (i32.const 64) (i32.const 7) (i32.const 8))
              (memory.copy (i32.const 80) (i32.const 64) (i32.const 8))
              (memory.init $d (i32.const 100) (i32.const 1) (i32.const 2))
              (drop (memory.grow (i32.const 0)))
              (table.set $t (i32.const 3) (table.get $t (i32.const 0)))
              (drop (table.grow $u (ref.null func) (i32.const 1)))
              (drop (table.size $u))
              (table.fill $t (i32.const 2) (ref.func $inc) (i32.const 1))
              (table.copy $u $t (i32.const 0) (i32.const 1) (i32.const 1))
              (table.init $t $p (i32.const 0) (i32.const 0) (i32.const 1))
              (local.set $r (ref.func $dec))
              (if (ref.is_null (local.get $r)) (then (unreachable)))
              (if (i32.eqz (local.get $i)) (then (nop)) (else (elem.drop $p)))
              (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                    (local.get $n))))
            (data.drop $d)
            (local.get $acc)))"#;
        let wasm = wat::parse_str(text).expect("test module parses");
        let config = crate::InstrumentConfig {
            host_imports: vec![crate::HostImport {
                module: "env",
                name: "h",
                params: &[crate::instrument::ValType::I32],
                results: &[crate::instrument::ValType::I32],
            }],
            ..crate::InstrumentConfig::default()
        };
        let instrumented = crate::instrument(&wasm, &config)
            .expect("the instrumenter accepts the test module")
            .module;
        vec![wasm, instrumented]
    }

    /// The function whose code holds instruction `pc`.
    fn function_at(module: &Compiled, pc: usize) -> usize {
        module
            .functions
            .iter()
            .rposition(|f| f.entry as usize <= pc)
            .expect("pc inside a function")
    }

    /// A value of `operand`'s kind that breaks its rule at `pc`.
    fn breaking(
        module: &Compiled,
        code: &[Instr],
        pc: usize,
        operand: Operand,
        rng: &mut Rng,
    ) -> u64 {
        let f = function_at(module, pc);
        let function = &module.functions[f];
        let frame = u64::from(function.frame_slots);
        let r = rng.below(3) as u64;
        let beyond = |n: usize| n as u64 + r;
        match operand {
            Operand::Slot => frame + rng.below(3) as u64,
            Operand::Slots(n) => (frame + 1 + rng.below(3) as u64).saturating_sub(u64::from(n)),
            Operand::CallBase => frame + 1 + rng.below(3) as u64,
            Operand::Target => {
                let start = u64::from(function.entry);
                let end = module
                    .functions
                    .get(f + 1)
                    .map_or(code.len() - 1, |next| next.entry as usize)
                    as u64;
                if start > 0 && rng.below(2) == 0 {
                    start - 1 - (rng.below(start as usize) as u64)
                } else {
                    end + rng.below(3) as u64
                }
            }
            Operand::Function => beyond(module.functions.len()),
            Operand::AnyFunction => beyond(module.imports.len() + module.functions.len()),
            Operand::Import => beyond(module.imports.len()),
            Operand::Global => beyond(module.globals.len()),
            Operand::Table => beyond(module.tables.len()),
            Operand::Data => beyond(module.data.len()),
            Operand::Elem => beyond(module.elements.len()),
            Operand::Signature => beyond(module.signatures.len()),
            Operand::BrTableFirst | Operand::BrTableLen => beyond(module.br_tables.len()),
            Operand::Constants(_) => beyond(module.constants.len()),
        }
    }

    #[test]
    fn the_compilers_output_is_accepted() {
        for wasm in modules() {
            let (module, code) = compile::translate(&wasm).expect("translates");
            verify(code, &module).expect("the compiler's own code verifies");
        }
    }

    /// Property: code that breaks any rule is refused. Every operand of
    /// every instruction is set, one at a time and at random, to a value
    /// that breaks the rule of its kind; the end of a function is made to
    /// fall through; a `br_table` entry is sent outside its function; the
    /// sentinel is removed. Each must be refused, and every kind of
    /// operand must have been broken.
    #[test]
    fn code_that_breaks_any_rule_is_refused() {
        let mut rng = Rng(12);
        let mut broken: BTreeMap<String, u32> = BTreeMap::new();
        for wasm in modules() {
            let (module, ops) = compile::translate(&wasm).expect("translates");
            let code: Vec<Instr> = ops.iter().map(Op::instr).collect();
            let verify = |code: Vec<Instr>, module: &Compiled| {
                verify(code.into_iter().map(Op::new).collect(), module)
            };
            for pc in 0..code.len() - 1 {
                let mut operands = Vec::new();
                visit_operands(&mut code[pc].clone(), |operand, _: Field<'_>| {
                    operands.push(operand)
                });
                for (k, operand) in operands.iter().enumerate() {
                    for _ in 0..4 {
                        let value = breaking(&module, &code, pc, *operand, &mut rng);
                        let mut mutated = code.clone();
                        let mut i = 0;
                        let mut fits = true;
                        visit_operands(&mut mutated[pc], |_, field: Field<'_>| {
                            if i == k {
                                match field {
                                    Field::U32(v) => *v = value as u32,
                                    Field::U16(v) => match u16::try_from(value) {
                                        Ok(value) => *v = value,
                                        Err(_) => fits = false,
                                    },
                                }
                            }
                            i += 1;
                        });
                        if !fits {
                            continue;
                        }
                        let result = verify(mutated, &module);
                        assert!(
                            matches!(result, Err(CompileError::Unverified { .. })),
                            "{:?} at {pc} with its {operand:?} set to {value} is accepted",
                            code[pc]
                        );
                        *broken.entry(format!("{operand:?}")).or_default() += 1;
                        if let Instr::CopySpan { .. } = code[pc] {
                            *broken.entry("CopySpan".into()).or_default() += 1;
                        }
                        if let Instr::ConstSpan { .. } = code[pc] {
                            *broken.entry("ConstSpan".into()).or_default() += 1;
                        }
                        if let Instr::Copy2 { .. } = code[pc] {
                            *broken.entry("Copy2".into()).or_default() += 1;
                        }
                    }
                }
            }
            // Falling through the end of a function.
            for (f, function) in module.functions.iter().enumerate() {
                let end = module
                    .functions
                    .get(f + 1)
                    .map_or(code.len() - 1, |next| next.entry as usize);
                let mut mutated = code.clone();
                mutated[end - 1] = Instr::ChargeGas(0);
                assert!(
                    verify(mutated, &module).is_err(),
                    "function {f} (entry {}) falling through is accepted",
                    function.entry
                );
                *broken.entry("falls through".into()).or_default() += 1;
            }
            // A `br_table` entry outside its function.
            for (pc, instr) in code.iter().enumerate() {
                if let Instr::BrTable { first, .. } = *instr {
                    let mut outside = module.clone();
                    outside.br_tables[first as usize] = code.len() as u32 - 1;
                    assert!(verify(code.clone(), &outside).is_err(), "br_table at {pc}");
                    *broken.entry("br_table entry".into()).or_default() += 1;
                }
            }
            // No sentinel.
            let mut mutated = code.clone();
            mutated.pop();
            assert!(verify(mutated, &module).is_err());
        }
        let kinds = [
            "Slot",
            "Slots(2)",
            "Slots(3)",
            "CallBase",
            "Target",
            "Function",
            "AnyFunction",
            "Import",
            "Global",
            "Table",
            "Data",
            "Elem",
            "Signature",
            "BrTableFirst",
            "BrTableLen",
            "CopySpan",
            "ConstSpan",
            "Constants(2)",
            "Copy2",
            "falls through",
            "br_table entry",
        ];
        for kind in kinds {
            assert!(broken.contains_key(kind), "no {kind} broken: {broken:?}");
        }
    }
}
