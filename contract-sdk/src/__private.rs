//! What the `#[contract]` macro's generated code calls. Not a public API.

use alloc::format;
use core::fmt::Debug;

use borsh::{BorshDeserialize, BorshSerialize};

use crate::env;

pub use crate::env::input;
pub use alloc::vec::Vec;

/// Reads the method name (a borsh string) from the front of the input.
pub fn method<'a>(input: &mut &'a [u8]) -> &'a str {
    let name = (|| {
        let len = u32::from_le_bytes(input.get(..4)?.try_into().ok()?) as usize;
        let bytes = input.get(4..4usize.checked_add(len)?)?;
        let name = core::str::from_utf8(bytes).ok()?;
        *input = &input[4 + len..];
        Some(name)
    })();
    match name {
        Some(name) => name,
        None => env::abort("the input is not borsh of (method name, arguments)"),
    }
}

/// Decodes the next argument of `method`.
pub fn arg<T: BorshDeserialize>(input: &mut &[u8], method: &str, name: &str) -> T {
    match T::deserialize(input) {
        Ok(value) => value,
        Err(error) => env::abort(&format!(
            "method `{method}`: argument `{name}` does not decode: {error}"
        )),
    }
}

/// Fails the call when input is left after the arguments.
pub fn end_of_arguments(input: &[u8], method: &str) {
    if !input.is_empty() {
        env::abort(&format!(
            "method `{method}`: {} bytes of input after the arguments",
            input.len()
        ));
    }
}

/// Sets the borsh encoding of a method's result as the return data (no
/// host call for an empty encoding, such as `()`'s: the return data is
/// empty already).
pub fn finish<T: BorshSerialize + ?Sized>(value: &T) {
    let mut out = Vec::new();
    let _ = value.serialize(&mut out);
    if !out.is_empty() {
        env::set_return_data(&out);
    }
}

/// Fails the call for a method's `Err`.
pub fn fail<E: Debug>(method: &str, error: &E) -> ! {
    env::abort(&format!("method `{method}` returned Err({error:?})"))
}

/// Fails the call for an unknown method.
pub fn unknown_method(method: &str) -> ! {
    env::abort(&format!("no method `{method}`"))
}
