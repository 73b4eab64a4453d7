//! The name section: function names for rejections, and the name section of
//! the instrumented module.
//!
//! The name section is a custom section with no semantics, usually placed
//! after the code. A malformed one is ignored, never a reason to reject.

use wasm_encoder::{IndirectNameMap, NameMap, NameSection};
use wasmparser::{BinaryReader, Name, NameSectionReader, Parser, Payload};

use super::{GAS_FUNCTION, STACK_EXHAUSTED_FUNCTION};

/// The name of function `index` in `wasm`'s name section, when it has one.
/// Used only to word rejections.
pub(super) fn function_name(wasm: &[u8], index: u32) -> Option<String> {
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(Payload::CustomSection(reader)) = payload else {
            if payload.is_err() {
                return None;
            }
            continue;
        };
        if reader.name() != "name" {
            continue;
        }
        let names = NameSectionReader::new(BinaryReader::new(reader.data(), reader.data_offset()));
        for subsection in names {
            let Ok(Name::Function(map)) = subsection else {
                continue;
            };
            for naming in map {
                match naming {
                    Ok(naming) if naming.index == index => return Some(naming.name.to_string()),
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
        }
        return None;
    }
    None
}

/// The instrumented module's name section: the module name, function names
/// and local names of `data` (the uploaded name section's contents at
/// `offset`), with function indices moved by `shift`, and names for the
/// metering imports. Other subsections are dropped. `None` when `data` does
/// not decode.
pub(super) fn shifted_name_section(data: &[u8], offset: u64, shift: u32) -> Option<NameSection> {
    let mut section = NameSection::new();
    let mut functions = NameMap::new();
    functions.append(0, &format!("{}.{GAS_FUNCTION}", super::METERING_MODULE));
    functions.append(
        1,
        &format!("{}.{STACK_EXHAUSTED_FUNCTION}", super::METERING_MODULE),
    );
    let mut locals = IndirectNameMap::new();
    let mut has_locals = false;
    let mut module_name = None;
    let reader = NameSectionReader::new(BinaryReader::new(data, offset));
    for subsection in reader {
        match subsection.ok()? {
            Name::Module { name, .. } => module_name = Some(name),
            Name::Function(map) => {
                for naming in map {
                    let naming = naming.ok()?;
                    functions.append(naming.index.checked_add(shift)?, naming.name);
                }
            }
            Name::Local(map) => {
                for indirect in map {
                    let indirect = indirect.ok()?;
                    let mut names = NameMap::new();
                    for naming in indirect.names {
                        let naming = naming.ok()?;
                        names.append(naming.index, naming.name);
                    }
                    locals.append(indirect.index.checked_add(shift)?, &names);
                    has_locals = true;
                }
            }
            _ => {}
        }
    }
    if let Some(name) = module_name {
        section.module(name);
    }
    section.functions(&functions);
    if has_locals {
        section.locals(&locals);
    }
    Some(section)
}
