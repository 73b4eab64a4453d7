//! The internal instruction set.
//!
//! A register machine over frame-relative *slots*. A function's frame is a
//! window of the engine's value stack: its parameters, then its locals, then
//! its operand stack. WebAssembly's operand stack height is known statically
//! at every point of a function, so every operand lives in a slot fixed at
//! compile time, and every instruction names the slots it reads and writes
//! instead of pushing and popping. Every value is one `u64` slot: `i32`
//! values zero-extended, `i64` as is, references as a function index (or the
//! host's value) with [`REF_NULL`] for null.
//!
//! The canonical metering patterns of the instrumented module are fused:
//! `i64.const N; call $gas` is one [`Instr::ChargeGas`] (one subtraction and
//! one branch), and `call $stack_exhausted` is a [`Instr::Trap`].
//!
//! The numeric instructions are listed once, in the `for_each_*` macros
//! below, with their semantics; the enum, the compiler's translation and the
//! executor's arms are all generated from these lists. Instruction names are
//! wasmparser's operator names, so the translation is a name-for-name map.

use crate::trap::TrapKind;

/// A frame-relative slot index.
pub type Slot = u32;

/// The slot value of a null reference.
pub const REF_NULL: u64 = u64::MAX;

/// The numeric and memory-access instructions, with their semantics, in five
/// groups:
///
/// - `binops`: `dst = a op b`; name, operand types, result type, and the
///   expression, which may trap (`Err(kind)`).
/// - `unops`: `dst = op a`.
/// - `loads`: `dst = memory[addr + offset]`, `N` bytes read as the first type
///   and widened to the second.
/// - `branches`: compare-and-branch, `if a op b { jump }`, fused from a
///   comparison followed by `br_if` (or, through the inverse comparison,
///   by `if`).
/// - `stores`: `memory[addr + offset] = value`, narrowed to `N` bytes.
///
/// `$m` receives all five groups; the enum, the compiler and the executor
/// are generated from this one list.
macro_rules! for_each_numeric {
    ($m:ident) => {
        $m! {
            binops {
            I32Add / I32AddImm(a: u32, b: u32) -> u32 { Ok(a.wrapping_add(b)) }
            I32Sub / I32SubImm(a: u32, b: u32) -> u32 { Ok(a.wrapping_sub(b)) }
            I32Mul / I32MulImm(a: u32, b: u32) -> u32 { Ok(a.wrapping_mul(b)) }
            I32DivS(a: i32, b: i32) -> i32 { $crate::engine::code::div_s32(a, b) }
            I32DivU(a: u32, b: u32) -> u32 { a.checked_div(b).ok_or(TrapKind::IntegerDivideByZero) }
            I32RemS(a: i32, b: i32) -> i32 { if b == 0 { Err(TrapKind::IntegerDivideByZero) } else { Ok(a.wrapping_rem(b)) } }
            I32RemU(a: u32, b: u32) -> u32 { a.checked_rem(b).ok_or(TrapKind::IntegerDivideByZero) }
            I32And / I32AndImm(a: u32, b: u32) -> u32 { Ok(a & b) }
            I32Or / I32OrImm(a: u32, b: u32) -> u32 { Ok(a | b) }
            I32Xor / I32XorImm(a: u32, b: u32) -> u32 { Ok(a ^ b) }
            I32Shl / I32ShlImm(a: u32, b: u32) -> u32 { Ok(a.wrapping_shl(b)) }
            I32ShrS / I32ShrSImm(a: i32, b: u32) -> i32 { Ok(a.wrapping_shr(b)) }
            I32ShrU / I32ShrUImm(a: u32, b: u32) -> u32 { Ok(a.wrapping_shr(b)) }
            I32Rotl(a: u32, b: u32) -> u32 { Ok(a.rotate_left(b % 32)) }
            I32Rotr(a: u32, b: u32) -> u32 { Ok(a.rotate_right(b % 32)) }
            I64Add / I64AddImm(a: u64, b: u64) -> u64 { Ok(a.wrapping_add(b)) }
            I64Sub / I64SubImm(a: u64, b: u64) -> u64 { Ok(a.wrapping_sub(b)) }
            I64Mul / I64MulImm(a: u64, b: u64) -> u64 { Ok(a.wrapping_mul(b)) }
            I64DivS(a: i64, b: i64) -> i64 { $crate::engine::code::div_s64(a, b) }
            I64DivU(a: u64, b: u64) -> u64 { a.checked_div(b).ok_or(TrapKind::IntegerDivideByZero) }
            I64RemS(a: i64, b: i64) -> i64 { if b == 0 { Err(TrapKind::IntegerDivideByZero) } else { Ok(a.wrapping_rem(b)) } }
            I64RemU(a: u64, b: u64) -> u64 { a.checked_rem(b).ok_or(TrapKind::IntegerDivideByZero) }
            I64And / I64AndImm(a: u64, b: u64) -> u64 { Ok(a & b) }
            I64Or / I64OrImm(a: u64, b: u64) -> u64 { Ok(a | b) }
            I64Xor / I64XorImm(a: u64, b: u64) -> u64 { Ok(a ^ b) }
            I64Shl / I64ShlImm(a: u64, b: u64) -> u64 { Ok(a.wrapping_shl(b as u32)) }
            I64ShrS / I64ShrSImm(a: i64, b: u64) -> i64 { Ok(a.wrapping_shr(b as u32)) }
            I64ShrU / I64ShrUImm(a: u64, b: u64) -> u64 { Ok(a.wrapping_shr(b as u32)) }
            I64Rotl(a: u64, b: u64) -> u64 { Ok(a.rotate_left((b % 64) as u32)) }
            I64Rotr(a: u64, b: u64) -> u64 { Ok(a.rotate_right((b % 64) as u32)) }
            I32Eq(a: u32, b: u32) -> bool { Ok(a == b) }
            I32Ne(a: u32, b: u32) -> bool { Ok(a != b) }
            I32LtS(a: i32, b: i32) -> bool { Ok(a < b) }
            I32LtU(a: u32, b: u32) -> bool { Ok(a < b) }
            I32GtS(a: i32, b: i32) -> bool { Ok(a > b) }
            I32GtU(a: u32, b: u32) -> bool { Ok(a > b) }
            I32LeS(a: i32, b: i32) -> bool { Ok(a <= b) }
            I32LeU(a: u32, b: u32) -> bool { Ok(a <= b) }
            I32GeS(a: i32, b: i32) -> bool { Ok(a >= b) }
            I32GeU(a: u32, b: u32) -> bool { Ok(a >= b) }
            I64Eq(a: u64, b: u64) -> bool { Ok(a == b) }
            I64Ne(a: u64, b: u64) -> bool { Ok(a != b) }
            I64LtS(a: i64, b: i64) -> bool { Ok(a < b) }
            I64LtU(a: u64, b: u64) -> bool { Ok(a < b) }
            I64GtS(a: i64, b: i64) -> bool { Ok(a > b) }
            I64GtU(a: u64, b: u64) -> bool { Ok(a > b) }
            I64LeS(a: i64, b: i64) -> bool { Ok(a <= b) }
            I64LeU(a: u64, b: u64) -> bool { Ok(a <= b) }
            I64GeS(a: i64, b: i64) -> bool { Ok(a >= b) }
            I64GeU(a: u64, b: u64) -> bool { Ok(a >= b) }
            }
            unops {
            I32Eqz(a: u32) -> bool { a == 0 }
            I32Clz(a: u32) -> u32 { a.leading_zeros() }
            I32Ctz(a: u32) -> u32 { a.trailing_zeros() }
            I32Popcnt(a: u32) -> u32 { a.count_ones() }
            I64Eqz(a: u64) -> bool { a == 0 }
            I64Clz(a: u64) -> u64 { u64::from(a.leading_zeros()) }
            I64Ctz(a: u64) -> u64 { u64::from(a.trailing_zeros()) }
            I64Popcnt(a: u64) -> u64 { u64::from(a.count_ones()) }
            I32WrapI64(a: u64) -> u32 { a as u32 }
            I64ExtendI32S(a: i32) -> i64 { i64::from(a) }
            I64ExtendI32U(a: u32) -> u64 { u64::from(a) }
            I32Extend8S(a: u32) -> i32 { i32::from(a as i8) }
            I32Extend16S(a: u32) -> i32 { i32::from(a as i16) }
            I64Extend8S(a: u64) -> i64 { i64::from(a as i8) }
            I64Extend16S(a: u64) -> i64 { i64::from(a as i16) }
            I64Extend32S(a: u64) -> i64 { i64::from(a as i32) }
            RefIsNull(a: u64) -> bool { a == REF_NULL }
            }
            loads {
            I32Load(4, u32 => u32)
            I64Load(8, u64 => u64)
            I32Load8S(1, i8 => i32)
            I32Load8U(1, u8 => u32)
            I32Load16S(2, i16 => i32)
            I32Load16U(2, u16 => u32)
            I64Load8S(1, i8 => i64)
            I64Load8U(1, u8 => u64)
            I64Load16S(2, i16 => i64)
            I64Load16U(2, u16 => u64)
            I64Load32S(4, i32 => i64)
            I64Load32U(4, u32 => u64)
            }
            branches {
                BrIfI32Eq = I32Eq(u32, ==) else BrIfI32Ne
                BrIfI32Ne = I32Ne(u32, !=) else BrIfI32Eq
                BrIfI32LtS = I32LtS(i32, <) else BrIfI32GeS
                BrIfI32LtU = I32LtU(u32, <) else BrIfI32GeU
                BrIfI32GtS = I32GtS(i32, >) else BrIfI32LeS
                BrIfI32GtU = I32GtU(u32, >) else BrIfI32LeU
                BrIfI32LeS = I32LeS(i32, <=) else BrIfI32GtS
                BrIfI32LeU = I32LeU(u32, <=) else BrIfI32GtU
                BrIfI32GeS = I32GeS(i32, >=) else BrIfI32LtS
                BrIfI32GeU = I32GeU(u32, >=) else BrIfI32LtU
                BrIfI64Eq = I64Eq(u64, ==) else BrIfI64Ne
                BrIfI64Ne = I64Ne(u64, !=) else BrIfI64Eq
                BrIfI64LtS = I64LtS(i64, <) else BrIfI64GeS
                BrIfI64LtU = I64LtU(u64, <) else BrIfI64GeU
                BrIfI64GtS = I64GtS(i64, >) else BrIfI64LeS
                BrIfI64GtU = I64GtU(u64, >) else BrIfI64LeU
                BrIfI64LeS = I64LeS(i64, <=) else BrIfI64GtS
                BrIfI64LeU = I64LeU(u64, <=) else BrIfI64GtU
                BrIfI64GeS = I64GeS(i64, >=) else BrIfI64LtS
                BrIfI64GeU = I64GeU(u64, >=) else BrIfI64LtU
            }
            stores {
            I32Store(4, u32)
            I64Store(8, u64)
            I32Store8(1, u8)
            I32Store16(2, u16)
            I64Store8(1, u8)
            I64Store16(2, u16)
            I64Store32(4, u32)
            }
        }
    };
}

/// Signed 32-bit division with WebAssembly's traps.
pub fn div_s32(a: i32, b: i32) -> Result<i32, TrapKind> {
    if b == 0 {
        Err(TrapKind::IntegerDivideByZero)
    } else {
        a.checked_div(b).ok_or(TrapKind::IntegerOverflow)
    }
}

/// Signed 64-bit division with WebAssembly's traps.
pub fn div_s64(a: i64, b: i64) -> Result<i64, TrapKind> {
    if b == 0 {
        Err(TrapKind::IntegerDivideByZero)
    } else {
        a.checked_div(b).ok_or(TrapKind::IntegerOverflow)
    }
}

/// Constants that fit an instruction's `i32` immediate.
pub trait Immediate {
    /// The immediate for the constant held as `slot`, if it fits.
    fn immediate(slot: u64) -> Option<i32>;
}

impl Immediate for u32 {
    fn immediate(slot: u64) -> Option<i32> {
        Some(slot as u32 as i32)
    }
}

impl Immediate for i32 {
    fn immediate(slot: u64) -> Option<i32> {
        Some(slot as u32 as i32)
    }
}

impl Immediate for u64 {
    fn immediate(slot: u64) -> Option<i32> {
        i32::try_from(slot as i64).ok()
    }
}

impl Immediate for i64 {
    fn immediate(slot: u64) -> Option<i32> {
        i32::try_from(slot as i64).ok()
    }
}

/// Conversion of a slot to an operand type.
pub trait FromSlot {
    /// The operand held by `slot`.
    fn from_slot(slot: u64) -> Self;
}

/// Conversion of a result to a slot.
pub trait ToSlot {
    /// The slot holding `self`.
    fn to_slot(self) -> u64;
}

macro_rules! slot_conversions {
    ($($ty:ty => |$s:ident| $from:expr, |$v:ident| $to:expr;)*) => {
        $(
            impl FromSlot for $ty {
                #[inline(always)]
                fn from_slot($s: u64) -> Self { $from }
            }
            impl ToSlot for $ty {
                #[inline(always)]
                fn to_slot(self) -> u64 { let $v = self; $to }
            }
        )*
    };
}

slot_conversions! {
    u32 => |s| s as u32, |v| u64::from(v);
    i32 => |s| s as u32 as i32, |v| u64::from(v as u32);
    u64 => |s| s, |v| v;
    i64 => |s| s as i64, |v| v as u64;
}

impl ToSlot for bool {
    #[inline(always)]
    fn to_slot(self) -> u64 {
        u64::from(self)
    }
}

macro_rules! define_instr {
    (
        binops { $( $bin:ident $(/ $binimm:ident)? ($ba:ident: $bta:ty, $bb:ident: $btb:ty) -> $btr:ty $bbody:block )* }
        unops { $( $un:ident($ua:ident: $uta:ty) -> $utr:ty $ubody:block )* }
        loads { $( $load:ident($lbytes:literal, $lraw:ty => $lty:ty) )* }
        branches { $( $branch:ident = $cmp:ident($cty:ty, $cop:tt) else $inverse:ident )* }
        stores { $( $store:ident($sbytes:literal, $sty:ty) )* }
    ) => {
        /// One internal instruction. Slots are relative to the frame base;
        /// branch targets are instruction indices in the module's code
        /// (relative to the instruction itself once lowered, see
        /// `verify::verify`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Instr {
            /// Trap with this kind (`unreachable`, the stack-exhaustion import).
            Trap(TrapKind),
            /// Jump.
            Br(u32),
            /// Jump when `cond` is not zero.
            BrIfNez { cond: Slot, target: u32 },
            /// Jump when `cond` is zero.
            BrIfEqz { cond: Slot, target: u32 },
            /// Jump to `targets[min(index, len)]`, the side table entries
            /// `first..=first + len` (the last one is the default).
            BrTable { index: Slot, first: u32, len: u32 },
            /// Return from the function: results are in slots `0..n`.
            Return,
            /// Call defined function `func`; its frame starts at `base`.
            Call { func: u32, base: Slot },
            /// Call through `table` at the index in `index`, expecting the
            /// signature `ty` (an index into the module's signatures).
            CallIndirect { ty: u32, table: u16, index: Slot, base: Slot },
            /// Call host import `import`; arguments and results at `base`.
            CallHost { import: u32, base: Slot },
            /// Charge a constant amount of gas.
            ChargeGas(u64),
            /// The instrumenter's stack prologue, fused: `height = global +
            /// frame` (wrapping `i32`), stored in `local` and `global`; trap
            /// with *stack exhausted* when `height >`
            /// [`STACK_LIMIT`](crate::instrument::STACK_LIMIT) (unsigned;
            /// prologues with another limit are not fused).
            StackEnter { global: u32, frame: u32, local: Slot },
            /// Charge the amount of gas in a slot (a dynamic cost).
            ChargeGasSlot(Slot),
            /// `dst = value`.
            Const { dst: Slot, value: u64 },
            /// `dst = src`.
            Copy { dst: Slot, src: Slot },
            /// Slots `dst..dst + n` = slots `src..src + n`, as one move
            /// (`memmove`). The compiler emits it for runs of pending
            /// `local.get`s, whose locals and stack slots do not overlap:
            /// a call's arguments taken from its caller's parameters were
            /// one dispatched `Copy` each, at 1 gas a copy.
            CopySpan { dst: Slot, src: Slot, n: u32 },
            /// Slots `dst..dst + n` = the module's constants
            /// `first..first + n` (`Compiled::constants`), as one copy. The
            /// compiler emits it for a run of constants written to
            /// consecutive slots right before a call (its arguments): one
            /// dispatched `Const` each, at 1 gas a constant, ran at about
            /// 4x the plain median time per gas (docs/gas-calibration.md).
            ConstSpan { dst: Slot, first: u32, n: u32 },
            /// `dst = src`, then `dst2 = src2`: two `local.set`s of locals
            /// in a row, each of a value in a slot (slots below 65,536;
            /// else two `Copy`s). A `local.get` into a `local.set` costs 2
            /// gas and was one dispatched `Copy`: about 3.5x the plain
            /// median time per gas in a loop of them
            /// (docs/gas-calibration.md).
            Copy2 { dst: u16, src: u16, dst2: u16, src2: u16 },
            /// `dst = if cond != 0 { a } else { b }`.
            /// (Operand slots below 65,536; else `Copy` and `SelectIfZero`.)
            Select { dst: Slot, a: u16, b: u16, cond: u16 },
            /// `if cond == 0 { dst = b }`: the second half of a `select` whose
            /// operands do not fit [`Instr::Select`] (reads `dst`).
            SelectIfZero { dst: Slot, b: Slot, cond: Slot },
            /// `dst = global`.
            GlobalGet { dst: Slot, global: u32 },
            /// `global = src`.
            GlobalSet { src: Slot, global: u32 },
            /// `dst = memory.size`.
            MemorySize { dst: Slot },
            /// `dst = memory.grow(delta)`.
            MemoryGrow { dst: Slot, delta: Slot },
            /// `memory.fill(dst, value, len)` with operands from `args`.
            MemoryFill { args: Slot },
            /// `memory.copy(dst, src, len)` with operands from `args`.
            MemoryCopy { args: Slot },
            /// `memory.init(data, dst, src, len)` with operands from `args`.
            MemoryInit { data: u32, args: Slot },
            /// `data.drop`.
            DataDrop { data: u32 },
            /// `dst = table[index]`.
            TableGet { table: u32, dst: Slot, index: Slot },
            /// `table[index] = value` with operands from `args`.
            TableSet { table: u32, args: Slot },
            /// `dst = table.size`.
            TableSize { table: u32, dst: Slot },
            /// `table.grow(init, delta)` with operands from `args`; result in `args`.
            TableGrow { table: u32, args: Slot },
            /// `table.fill(index, value, len)` with operands from `args`.
            TableFill { table: u32, args: Slot },
            /// `table.copy(dst, src, len)` with operands from `args`.
            TableCopy { dst_table: u32, src_table: u32, args: Slot },
            /// `table.init(elem, dst, src, len)` with operands from `args`.
            TableInit { table: u32, elem: u32, args: Slot },
            /// `elem.drop`.
            ElemDrop { elem: u32 },
            /// `dst = ref.func func`.
            RefFunc { dst: Slot, func: u32 },
            $(
                #[doc = concat!("`", stringify!($bin), "`: `dst = a op b`.")]
                $bin { dst: Slot, a: Slot, b: Slot },
            )*
            $( $(
                #[doc = concat!("`", stringify!($bin), "` with a constant second operand.")]
                $binimm { dst: Slot, a: Slot, imm: i32 },
            )? )*
            $(
                #[doc = concat!("`", stringify!($un), "`: `dst = op a`.")]
                $un { dst: Slot, a: Slot },
            )*
            $(
                #[doc = concat!("`", stringify!($load), "`: `dst = memory[addr + offset]`.")]
                $load { dst: Slot, addr: Slot, offset: u32 },
            )*
            $(
                #[doc = concat!("`", stringify!($store), "`: `memory[addr + offset] = value`.")]
                $store { addr: Slot, value: Slot, offset: u32 },
            )*
            $(
                #[doc = concat!("`", stringify!($cmp), "` then `br_if`: jump when it holds.")]
                $branch { a: Slot, b: Slot, target: u32 },
            )*
        }

        impl Instr {
            /// The slot this instruction writes its one result to, for
            /// instructions that write exactly one slot and nothing else
            /// observable before reading all their operands.
            pub fn result_slot_mut(&mut self) -> Option<&mut Slot> {
                match self {
                    $( Instr::$bin { dst, .. } )|*
                    | $( Instr::$un { dst, .. } )|*
                    | $( Instr::$load { dst, .. } )|*
                    | Instr::Const { dst, .. }
                    | Instr::Copy { dst, .. }
                    | Instr::Select { dst, .. }
                    | Instr::GlobalGet { dst, .. }
                    | Instr::MemorySize { dst }
                    | Instr::TableSize { dst, .. }
                    | Instr::RefFunc { dst, .. } => Some(dst),
                    $( $( Instr::$binimm { dst, .. } => Some(dst), )? )*
                    _ => None,
                }
            }

            /// The branch target of a jump instruction.
            pub fn target_mut(&mut self) -> Option<&mut u32> {
                match self {
                    Instr::Br(target)
                    | Instr::BrIfNez { target, .. }
                    | Instr::BrIfEqz { target, .. }
                    $( | Instr::$branch { target, .. } )* => Some(target),
                    _ => None,
                }
            }

            /// The compare-and-branch fusing `self` (a comparison writing
            /// `cond`) with `br_if cond`.
            pub fn fuse_branch(&self, cond: Slot, target: u32) -> Option<Instr> {
                match *self {
                    $( Instr::$cmp { dst, a, b } if dst == cond => Some(Instr::$branch { a, b, target }), )*
                    Instr::I32Eqz { dst, a } if dst == cond => Some(Instr::BrIfEqz { cond: a, target }),
                    _ => None,
                }
            }

            /// The compare-and-branch fusing `self` (a comparison writing
            /// `cond`) with a jump taken when `cond` is zero (an `if`).
            pub fn fuse_branch_unless(&self, cond: Slot, target: u32) -> Option<Instr> {
                match *self {
                    $( Instr::$cmp { dst, a, b } if dst == cond => Some(Instr::$inverse { a, b, target }), )*
                    Instr::I32Eqz { dst, a } if dst == cond => Some(Instr::BrIfNez { cond: a, target }),
                    _ => None,
                }
            }
        }
    };
}

for_each_numeric!(define_instr);

// An instruction is 16 bytes, so that an executable op (instruction and
// handler address) is 24: fields are chosen to keep it so.
const _: () = assert!(size_of::<Instr>() == 16);
