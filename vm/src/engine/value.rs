//! The values that cross the engine's API, and their slot encoding.
//!
//! Inside the engine every value is one `u64` slot (`i32` zero-extended,
//! references as a function index or the host's value, with `REF_NULL` for
//! null); a [`Value`] is what callers pass and get back.

use super::code::REF_NULL;

/// A value passed to or returned from a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// 32-bit integer.
    I32(i32),
    /// 64-bit integer.
    I64(i64),
    /// A function reference (function index), or null.
    FuncRef(Option<u32>),
    /// An external reference (the host's value), or null.
    ExternRef(Option<u32>),
}

impl Value {
    pub(super) fn to_slot(self) -> u64 {
        match self {
            Value::I32(v) => u64::from(v as u32),
            Value::I64(v) => v as u64,
            Value::FuncRef(r) | Value::ExternRef(r) => r.map_or(REF_NULL, u64::from),
        }
    }

    pub(super) fn from_slot(slot: u64, ty: wasmparser::ValType) -> Value {
        let reference = |slot: u64| (slot != REF_NULL).then_some(slot as u32);
        match ty {
            wasmparser::ValType::I64 => Value::I64(slot as i64),
            wasmparser::ValType::Ref(r) if r.is_func_ref() => Value::FuncRef(reference(slot)),
            wasmparser::ValType::Ref(_) => Value::ExternRef(reference(slot)),
            _ => Value::I32(slot as u32 as i32),
        }
    }

    /// The value's type in the text format (`i32`).
    pub(super) fn type_name(self) -> &'static str {
        match self {
            Value::I32(_) => "i32",
            Value::I64(_) => "i64",
            Value::FuncRef(_) => "funcref",
            Value::ExternRef(_) => "externref",
        }
    }

    pub(super) fn matches(self, ty: wasmparser::ValType) -> bool {
        matches!(
            (self, ty),
            (Value::I32(_), wasmparser::ValType::I32) | (Value::I64(_), wasmparser::ValType::I64)
        ) || matches!((self, ty), (Value::FuncRef(_), wasmparser::ValType::Ref(r)) if r.is_func_ref())
            || matches!((self, ty), (Value::ExternRef(_), wasmparser::ValType::Ref(r)) if r.is_extern_ref())
    }
}
