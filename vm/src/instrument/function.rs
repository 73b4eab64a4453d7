//! Instrumenting one function body.
//!
//! One linear pass over the operators. Each operator is decoded once, looked
//! up in the cost table (rejecting floats and other proposals), checked
//! against the limits that apply to single operators, validated, and copied to
//! the output. Operators whose bytes mention a function index (`call`,
//! `ref.func`) are re-encoded with the index moved past the metering imports;
//! every other operator is copied byte for byte.
//!
//! The current metered block is buffered until its end is known, and then
//! written behind its charge. The function's entry charge and stack prologue
//! depend on the frame size, which is known only at the end (it counts the
//! maximum operand stack height), so they are written last, in front of the
//! rest.

use wasm_encoder::reencode::Reencode;
use wasm_encoder::{Encode, Function};
use wasmparser::{
    BlockType, FuncType, FuncValidator, FunctionBody, Operator, ValidatorResources, VisitOperator,
};

use super::bytecode;
use super::cost::{Classifier, LOCAL_COST, OperatorName, Price, Verdict, operator_name};
use super::sections::{check_ref_type, check_val_type};
use super::{
    FRAME_OVERHEAD, FUNCTION_SHIFT, GAS_FUNCTION_INDEX, Proposal, Rejection, Rule,
    STACK_EXHAUSTED_FUNCTION_INDEX, STACK_LIMIT,
};
use crate::limits::{Limit, Limits};

/// What a function's instrumentation needs from the module.
pub(super) struct Context<'a> {
    /// The whole uploaded module; operator offsets index into it.
    pub wasm: &'a [u8],
    pub limits: &'a Limits,
    /// Imported functions in the uploaded module.
    pub imported_functions: u32,
    /// Index of the injected stack-height global.
    pub stack_global: u32,
}

/// What instrumenting one function reports.
pub(super) struct Translated {
    /// Charges injected.
    pub metered_blocks: u64,
    /// Locals declared by the uploaded body.
    pub declared_locals: u64,
}

/// Buffers reused from one function to the next, so that a module of many
/// small functions does not pay an allocation per function.
#[derive(Default)]
pub(super) struct Buffers {
    locals: Vec<u8>,
    head: Vec<u8>,
    code: Vec<u8>,
    block: Vec<u8>,
}

/// Instruments one function body, validating it with `validator`, and appends
/// the instrumented body (with its size prefix) to `out`.
pub(super) fn instrument_function(
    context: &Context<'_>,
    ty: &FuncType,
    body: &FunctionBody<'_>,
    validator: &mut FuncValidator<ValidatorResources>,
    buffers: &mut Buffers,
    out: &mut Vec<u8>,
) -> Result<Translated, Box<Rejection>> {
    let malformed = |e: wasmparser::BinaryReaderError| Rejection::from_wasmparser(&e, true);
    let invalid = |e: wasmparser::BinaryReaderError| Rejection::from_wasmparser(&e, false);

    // Locals: copied, then one more group for the instrumenter's own.
    let mut locals_reader = body.get_locals_reader().map_err(malformed)?;
    let groups = locals_reader.get_count();
    let locals = &mut buffers.locals;
    locals.clear();
    bytecode::uleb(locals, groups.saturating_add(1));
    let mut declared_locals: u64 = 0;
    for _ in 0..groups {
        let offset = locals_reader.original_position();
        let (count, local_ty) = locals_reader.read().map_err(malformed)?;
        check_val_type(local_ty, offset, "local")?;
        declared_locals += u64::from(count);
        let max = u64::from(context.limits.locals_per_function);
        if declared_locals > max {
            return Err(Rejection::new(
                Rule::Limit {
                    limit: Limit::LocalsPerFunction,
                    found: declared_locals,
                    max,
                },
                offset,
            ));
        }
        validator
            .define_locals(offset, count, local_ty)
            .map_err(invalid)?;
        bytecode::uleb(locals, count);
        wasm_encoder::reencode::RoundtripReencoder
            .val_type(local_ty)
            .map_err(|_| super::internal_error("local type", offset))?
            .encode(locals);
    }

    let params = ty.params().len() as u32;
    // `declared_locals` is at most `locals_per_function`, a u32.
    let declared = declared_locals as u32;
    let mut code = std::mem::take(&mut buffers.code);
    let mut block = std::mem::take(&mut buffers.block);
    code.clear();
    block.clear();
    let mut emitter = Emitter {
        context,
        code,
        block,
        block_cost: declared_locals * LOCAL_COST,
        entry_cost: None,
        metered_blocks: 0,
        base_local: params + declared,
        scratch_local: params + declared + 1,
        uses_scratch: false,
    };

    let mut reader = wasmparser::OperatorsReader::new(locals_reader.get_binary_reader());
    let mut depth: u32 = 0;
    let mut max_height: u32 = 0;
    while !reader.eof() {
        let (op, offset) = reader.read_with_offset().map_err(malformed)?;
        let end = reader.original_position();
        let price = price_of(&op, offset)?;
        let bytes = &context.wasm[offset as usize..end as usize];
        check_encoding(bytes, offset)?;
        check_operands(&op, offset, context.limits, &mut depth)?;
        validator.op(offset, &op).map_err(invalid)?;
        max_height = max_height.max(validator.operand_stack_height());
        emitter.emit(&op, price, bytes);
    }
    reader.finish().map_err(malformed)?;

    let frame = FRAME_OVERHEAD
        .saturating_add(params)
        .saturating_add(declared)
        .saturating_add(max_height);
    // A frame above the stack limit could never run (the prologue traps),
    // but the engine sizes every call's value stack by the largest frame.
    let max_frame = context.limits.frame_slots;
    if frame > max_frame {
        return Err(Rejection::new(
            Rule::Limit {
                limit: Limit::FrameSlots,
                found: u64::from(frame),
                max: u64::from(max_frame),
            },
            body.range().start,
        ));
    }
    // The instrumenter's own locals: the frame's stack height, and the count
    // operand of dynamic charges when the body has any.
    let own_locals: u32 = if emitter.uses_scratch { 2 } else { 1 };
    bytecode::uleb(locals, own_locals);
    wasm_encoder::ValType::I32.encode(locals);

    let head = &mut buffers.head;
    head.clear();
    let entry_cost = emitter.entry_cost.unwrap_or(0);
    if entry_cost > 0 {
        emit_charge(head, entry_cost);
        emitter.metered_blocks += 1;
    }
    emit_stack_prologue(head, frame, emitter.base_local, context.stack_global);

    let size = locals.len() + head.len() + emitter.code.len();
    let size = u32::try_from(size)
        .map_err(|_| super::internal_error("function body too large", body.range().start))?;
    bytecode::uleb(out, size);
    out.extend_from_slice(locals);
    out.extend_from_slice(head);
    out.extend_from_slice(&emitter.code);
    let translated = Translated {
        metered_blocks: emitter.metered_blocks,
        declared_locals,
    };
    buffers.code = emitter.code;
    buffers.block = emitter.block;
    Ok(translated)
}

/// Looks `op` up in the cost table; rejects what the table rejects.
fn price_of(op: &Operator<'_>, offset: u64) -> Result<Price, Box<Rejection>> {
    let rule = match Classifier.visit_operator(op) {
        Verdict::Accept(price) => return Ok(price),
        Verdict::Float => Rule::FloatingPoint {
            what: operator_name(OperatorName.visit_operator(op)),
        },
        Verdict::Proposal(proposal) => Rule::Proposal {
            proposal,
            what: operator_name(OperatorName.visit_operator(op)),
        },
    };
    Err(Rejection::new(rule, offset))
}

/// Rejects the encodings that wasmparser decodes for later proposals but that
/// WebAssembly 2.0 calls malformed: a memory index that is not the single
/// reserved byte `0x00` (multi-memory), and a memarg whose alignment flags
/// carry bit 6 (a memory index follows, multi-memory).
fn check_encoding(bytes: &[u8], offset: u64) -> Result<(), Box<Rejection>> {
    let malformed = |what: &str| {
        Err(Rejection::new(
            Rule::Malformed {
                message: format!("{what} (multi-memory encoding)"),
            },
            offset,
        ))
    };
    // How many single-byte memory indices end the operator.
    let reserved_bytes = match bytes {
        // memory.size, memory.grow
        [0x3f | 0x40, ..] => 1,
        // memory.init, memory.fill (0xfc 8, 0xfc 11; the sub-opcode may be overlong)
        [0xfc, ..] => match read_u32_leb(&bytes[1..]) {
            Some(8 | 11) => 1,
            Some(10) => 2,
            _ => 0,
        },
        // loads and stores: flags, then offset
        [0x28..=0x3e, rest @ ..] => {
            if read_u32_leb(rest).is_some_and(|flags| flags & 0x40 != 0) {
                return malformed("a memarg with a memory index");
            }
            0
        }
        _ => 0,
    };
    if reserved_bytes > 0 {
        let n = bytes.len();
        let canonical = n > reserved_bytes
            && bytes[n - reserved_bytes..].iter().all(|b| *b == 0)
            && bytes[n - reserved_bytes - 1] & 0x80 == 0;
        if !canonical {
            return malformed("a memory index other than the reserved byte 0x00");
        }
    }
    Ok(())
}

/// Reads an unsigned LEB128 `u32` from the start of `bytes`, if there is one.
fn read_u32_leb(bytes: &[u8]) -> Option<u32> {
    let mut value: u64 = 0;
    for (i, byte) in bytes.iter().take(5).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return u32::try_from(value).ok();
        }
    }
    None
}

/// Checks the operands the cost table cannot see: block and `select` types,
/// reference types, nesting depth and `br_table` size. Runs before the
/// validator, so that a huge `br_table` is rejected before it is read.
fn check_operands(
    op: &Operator<'_>,
    offset: u64,
    limits: &Limits,
    depth: &mut u32,
) -> Result<(), Box<Rejection>> {
    match op {
        Operator::Block { blockty } | Operator::Loop { blockty } | Operator::If { blockty } => {
            if let BlockType::Type(ty) = blockty {
                check_val_type(*ty, offset, "block result")?;
            }
            *depth += 1;
            let max = u64::from(limits.nesting_depth);
            if u64::from(*depth) > max {
                return Err(Rejection::new(
                    Rule::Limit {
                        limit: Limit::NestingDepth,
                        found: u64::from(*depth),
                        max,
                    },
                    offset,
                ));
            }
        }
        Operator::End => *depth = depth.saturating_sub(1),
        Operator::TypedSelect { ty } => check_val_type(*ty, offset, "select type")?,
        Operator::RefNull { hty } => match wasmparser::RefType::new(true, *hty) {
            Some(ty) => check_ref_type(ty, offset)?,
            None => {
                return Err(Rejection::new(
                    Rule::Proposal {
                        proposal: Proposal::Gc,
                        what: "a heap type".into(),
                    },
                    offset,
                ));
            }
        },
        Operator::BrTable { targets } => {
            let max = u64::from(limits.br_table_targets);
            let found = u64::from(targets.len());
            if found > max {
                return Err(Rejection::new(
                    Rule::Limit {
                        limit: Limit::BrTableTargets,
                        found,
                        max,
                    },
                    offset,
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Writes the instrumented code of one function, one metered block at a time.
struct Emitter<'a> {
    context: &'a Context<'a>,
    /// Code of the finished metered blocks, after the entry block's charge
    /// and prologue (which are written in front at the end).
    code: Vec<u8>,
    /// The current metered block's code.
    block: Vec<u8>,
    /// The current metered block's static price.
    block_cost: u64,
    /// The entry block's price, once the entry block has ended.
    entry_cost: Option<u64>,
    metered_blocks: u64,
    /// Local holding this frame's stack height.
    base_local: u32,
    /// Local holding the count operand of a dynamic charge.
    scratch_local: u32,
    uses_scratch: bool,
}

impl Emitter<'_> {
    fn emit(&mut self, op: &Operator<'_>, price: Price, bytes: &[u8]) {
        self.block_cost += price.base;
        if price.is_dynamic() {
            self.uses_scratch = true;
            let block = &mut self.block;
            bytecode::local_tee(block, self.scratch_local);
            block.push(bytecode::I64_EXTEND_I32_U);
            bytecode::i64_const(block, price.per_unit as i64);
            block.push(bytecode::I64_MUL);
            bytecode::call(block, GAS_FUNCTION_INDEX);
            bytecode::local_get(block, self.scratch_local);
        }
        match op {
            Operator::Call { function_index } => {
                bytecode::call(&mut self.block, function_index + FUNCTION_SHIFT);
                if *function_index >= self.context.imported_functions {
                    self.emit_stack_restore();
                }
            }
            Operator::CallIndirect { .. } => {
                self.block.extend_from_slice(bytes);
                self.emit_stack_restore();
            }
            Operator::RefFunc { function_index } => {
                bytecode::ref_func(&mut self.block, function_index + FUNCTION_SHIFT);
            }
            _ => self.block.extend_from_slice(bytes),
        }
        if ends_metered_block(op) {
            self.end_block();
        }
    }

    /// After a call into wasm: the callee's frame is gone.
    fn emit_stack_restore(&mut self) {
        bytecode::local_get(&mut self.block, self.base_local);
        bytecode::global_set(&mut self.block, self.context.stack_global);
    }

    /// Writes the current metered block behind its charge.
    fn end_block(&mut self) {
        let cost = std::mem::take(&mut self.block_cost);
        if self.entry_cost.is_none() {
            // The entry block's charge goes in front of the prologue, at the end.
            self.entry_cost = Some(cost);
        } else if cost > 0 {
            emit_charge(&mut self.code, cost);
            self.metered_blocks += 1;
        }
        self.code.append(&mut self.block);
    }
}

/// Operators after which control may go elsewhere than the next operator, or
/// before which control may arrive from elsewhere.
fn ends_metered_block(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::Unreachable
            | Operator::If { .. }
            | Operator::Else
            | Operator::Loop { .. }
            | Operator::End
            | Operator::Br { .. }
            | Operator::BrIf { .. }
            | Operator::BrTable { .. }
            | Operator::Return
    )
}

/// The canonical charge: `i64.const cost; call $gas`.
fn emit_charge(sink: &mut Vec<u8>, cost: u64) {
    bytecode::i64_const(sink, cost as i64);
    bytecode::call(sink, GAS_FUNCTION_INDEX);
}

/// The stack prologue: push this frame, trap when over the limit.
fn emit_stack_prologue(sink: &mut Vec<u8>, frame: u32, base_local: u32, stack_global: u32) {
    bytecode::global_get(sink, stack_global);
    bytecode::i32_const(sink, frame as i32);
    sink.push(bytecode::I32_ADD);
    bytecode::local_tee(sink, base_local);
    bytecode::global_set(sink, stack_global);
    bytecode::local_get(sink, base_local);
    bytecode::i32_const(sink, STACK_LIMIT as i32);
    sink.push(bytecode::I32_GT_U);
    sink.extend_from_slice(&[bytecode::IF, bytecode::EMPTY_BLOCK_TYPE]);
    bytecode::call(sink, STACK_EXHAUSTED_FUNCTION_INDEX);
    sink.push(bytecode::END);
}

/// The thunk through which the host calls an exported function: it saves the
/// stack height, calls the function and restores the height.
pub(super) fn export_thunk(target: u32, params: u32, stack_global: u32) -> Function {
    let saved = params;
    let mut function = Function::new([(1, wasm_encoder::ValType::I32)]);
    let mut sink = function.instructions();
    sink.global_get(stack_global).local_set(saved);
    for param in 0..params {
        sink.local_get(param);
    }
    sink.call(target)
        .local_get(saved)
        .global_set(stack_global)
        .end();
    function
}
