//! Reading the metering back from the instrumented module: each function's
//! frame size from its stack prologue, and its gas charges.
//!
//! The instrumenter writes both in one canonical form (`docs/gas.md`), which
//! this reads exactly; anything else is an [`AnalysisError`]. Reading them
//! here, instead of computing them a second time, makes the stack bound the
//! one the metered module enforces.

use wasmparser::{BlockType, Operator, Parser, Payload};

use super::AnalysisError;
use crate::instrument::{GAS_FUNCTION_INDEX, STACK_EXHAUSTED_FUNCTION_INDEX, STACK_LIMIT};

/// The metering of the defined functions, in order.
pub(super) struct Metering {
    /// Frame size of each defined function, in stack units.
    pub frames: Vec<u32>,
    /// Static gas charges (`i64.const N; call $gas`) in each defined
    /// function.
    pub charges: Vec<u64>,
    /// The memory's maximum in the instrumented module.
    pub memory_maximum: Option<u64>,
}

/// Reads the instrumented module `wasm` of an upload with `imported` host
/// imports, `defined` functions and `thunks` exported defined functions.
pub(super) fn read(
    wasm: &[u8],
    imported: u32,
    defined: u32,
    thunks: u32,
) -> Result<Metering, AnalysisError> {
    let err = |e: wasmparser::BinaryReaderError| AnalysisError::from_wasmparser(&e);
    let mut metering = Metering {
        frames: Vec::with_capacity(defined as usize),
        charges: Vec::with_capacity(defined as usize),
        memory_maximum: None,
    };
    let mismatch = |offset| {
        AnalysisError::new(
            "the instrumented module is not the upload's: its functions differ",
            offset,
        )
    };
    let mut instrumented_imports = 0u32;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(err)? {
            Payload::FunctionSection(reader)
                if instrumented_imports != imported + 2
                    || u64::from(reader.count()) != u64::from(defined) + u64::from(thunks) =>
            {
                return Err(mismatch(reader.range().start));
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    import.map_err(err)?;
                    instrumented_imports += 1;
                }
            }
            Payload::MemorySection(reader) => {
                if let Some(memory) = reader.into_iter().next() {
                    metering.memory_maximum = memory.map_err(err)?.maximum;
                }
            }
            // The thunks follow the defined functions; they have no
            // prologue and no charge.
            Payload::CodeSectionEntry(body) if (metering.frames.len() as u32) < defined => {
                let (frame, charges) = read_body(&body)?;
                metering.frames.push(frame);
                metering.charges.push(charges);
            }
            _ => {}
        }
    }
    if instrumented_imports != imported + 2 || metering.frames.len() as u32 != defined {
        return Err(mismatch(0));
    }
    Ok(metering)
}

/// One instrumented body: its frame size and its static charges.
fn read_body(body: &wasmparser::FunctionBody<'_>) -> Result<(u32, u64), AnalysisError> {
    let err = |e: wasmparser::BinaryReaderError| AnalysisError::from_wasmparser(&e);
    let start = body.range().start;
    let mut reader = body.get_operators_reader().map_err(err)?;
    // The prologue: an optional entry charge, then eleven operators.
    let mut head = Vec::with_capacity(13);
    while head.len() < 13 && !reader.eof() {
        head.push(reader.read().map_err(err)?);
    }
    let entry_charge = matches!(
        head.as_slice(),
        [Operator::I64Const { .. }, Operator::Call { function_index }, ..]
            if *function_index == GAS_FUNCTION_INDEX
    );
    let prologue = head
        .get(usize::from(entry_charge) * 2..)
        .unwrap_or_default();
    let frame = match prologue {
        [
            Operator::GlobalGet { global_index: g1 },
            Operator::I32Const { value: frame },
            Operator::I32Add,
            Operator::LocalTee { local_index: b1 },
            Operator::GlobalSet { global_index: g2 },
            Operator::LocalGet { local_index: b2 },
            Operator::I32Const { value: limit },
            Operator::I32GtU,
            Operator::If {
                blockty: BlockType::Empty,
            },
            Operator::Call { function_index },
            Operator::End,
            ..,
        ] if g1 == g2
            && b1 == b2
            && *limit as u32 == STACK_LIMIT
            && *function_index == STACK_EXHAUSTED_FUNCTION_INDEX =>
        {
            *frame as u32
        }
        _ => {
            return Err(AnalysisError::new(
                "an instrumented body without the canonical stack prologue",
                start,
            ));
        }
    };
    // Static charges: `i64.const N; call $gas`. A dynamic charge ends in
    // `i64.mul; call $gas` and is not one.
    let mut charges = 0u64;
    let mut after_const = false;
    let mut count = |op: &Operator<'_>, after_const: &mut bool| {
        if *after_const
            && matches!(op, Operator::Call { function_index } if *function_index == GAS_FUNCTION_INDEX)
        {
            charges += 1;
        }
        *after_const = matches!(op, Operator::I64Const { .. });
    };
    for op in &head {
        count(op, &mut after_const);
    }
    while !reader.eof() {
        let op = reader.read().map_err(err)?;
        count(&op, &mut after_const);
    }
    Ok((frame, charges))
}
