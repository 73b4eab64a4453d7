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

/// A method's returned value, for the dispatch `#[contract]` generates:
/// `Returned(value).finish(method)` with both [`FinishFallible`] and
/// [`FinishInfallible`] in scope picks the first for any
/// `core::result::Result` (whatever the return type is spelled: an alias
/// such as `type Res<T> = Result<T, Error>`, a full path, a re-export:
/// method resolution sees the type, not the tokens) and the second for
/// every other type. ("Autoref specialization": the fallible impl is on
/// `Returned<Result<T, E>>` itself, the infallible one on `&Returned<T>`,
/// which method resolution reaches only after the value's own type; the
/// `Result` is consumed by value, so the dispatch compiles as a plain
/// `match`.)
pub struct Returned<T>(pub T);

/// A `Result` return: `Ok` is the return data, `Err` fails the call (and
/// rolls back its writes).
pub trait FinishFallible {
    /// Sets the return data or fails the call.
    fn finish(self, method: &str);
}

impl<T: BorshSerialize, E: Debug> FinishFallible for Returned<Result<T, E>> {
    fn finish(self, method: &str) {
        match self.0 {
            Ok(value) => finish(&value),
            Err(error) => fail(method, &error),
        }
    }
}

/// Any other return: its borsh encoding is the return data.
pub trait FinishInfallible {
    /// Sets the return data.
    fn finish(self, method: &str);
}

impl<T: BorshSerialize> FinishInfallible for &Returned<T> {
    fn finish(self, _method: &str) {
        finish(&self.0);
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
