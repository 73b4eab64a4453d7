//! What the `#[contract]` macro's generated code calls. Not a public API.

use alloc::format;
use core::fmt::Debug;

use borsh::{BorshDeserialize, BorshSerialize};

use crate::env;
use crate::events::{EventDecodeError, EventProblem};

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

/// What the messages of a method's argument decoding say: one `static`
/// per argument, passed by reference, so that the dispatch passes one
/// pointer (not three strings) on the path where nothing fails.
pub struct ArgSpec {
    /// The method.
    pub method: &'static str,
    /// The argument's name.
    pub name: &'static str,
    /// Its type, as the method spells it.
    pub ty: &'static str,
}

/// Decodes the next argument (see [`ArgSpec`]).
pub fn arg<T: BorshDeserialize>(input: &mut &[u8], spec: &'static ArgSpec) -> T {
    match T::deserialize(input) {
        Ok(value) => value,
        Err(error) => env::abort(&format!(
            "method `{}`: argument `{}` does not decode as `{}`: {error}",
            spec.method, spec.name, spec.ty
        )),
    }
}

/// A method's name and parameter list as written (`by: u64`), for the
/// message when input is left after the arguments.
pub struct MethodSpec {
    /// The method.
    pub method: &'static str,
    /// Its parameters.
    pub signature: &'static str,
}

/// Fails the call when input is left after the arguments.
pub fn end_of_arguments(input: &[u8], spec: &'static MethodSpec) {
    if !input.is_empty() {
        env::abort(&format!(
            "method `{}({})`: {} bytes of input after the arguments",
            spec.method,
            spec.signature,
            input.len()
        ));
    }
}

/// The start of the input of a call to `method`: its name, borsh-encoded.
pub fn method_input(method: &str) -> Vec<u8> {
    let mut input = Vec::with_capacity(4 + method.len() + 32);
    let _ = method.serialize(&mut input);
    input
}

/// Appends an argument's borsh encoding to a call's input.
pub fn push_arg<T: BorshSerialize + ?Sized>(input: &mut Vec<u8>, arg: &T) {
    let _ = arg.serialize(input);
}

/// The type a generated reference's method returns for a method declared
/// to return `R`: `T` for any `core::result::Result<T, E>` (however it is
/// spelled; an `Err` fails the call, so a caller only ever gets a `T`), `R`
/// itself otherwise. Written `<Tag<R> as Pick<{ Tag::<R>::IS_RESULT }>>::Ok`:
/// the inherent `IS_RESULT` (on `Tag<Result<T, E>>` only) shadows the
/// trait's (`IsResultFallback`, on every `Tag<T>`) where it applies, which
/// path resolution decides on the concrete type, so an alias such as
/// `type Res<T> = Result<T, Error>` is seen through, as the dispatch's
/// [`Returned`] sees through it.
pub struct Tag<T>(core::marker::PhantomData<T>);

impl<T, E> Tag<Result<T, E>> {
    /// The return type is a `Result`.
    pub const IS_RESULT: bool = true;
}

/// `IS_RESULT` for every type that is not a `Result` (see [`Tag`]).
pub trait IsResultFallback {
    /// Not a `Result`.
    const IS_RESULT: bool = false;
}

impl<T> IsResultFallback for Tag<T> {}

/// What a caller gets back (see [`Tag`]).
pub trait Pick<const IS_RESULT: bool> {
    /// The decoded result of a successful call.
    type Ok;
}

impl<T> Pick<false> for Tag<T> {
    type Ok = T;
}

impl<T, E> Pick<true> for Tag<Result<T, E>> {
    type Ok = T;
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

/// Checks an event's name topic and topic count, for the `decode` that
/// `#[derive(Event)]` generates.
pub fn event_header(
    topics: &[Vec<u8>],
    event: &'static str,
    expected: usize,
) -> Result<(), EventDecodeError> {
    let problem = if topics.first().map(Vec::as_slice) != Some(event.as_bytes()) {
        EventProblem::OtherName
    } else if topics.len() != expected {
        EventProblem::TopicCount {
            expected,
            found: topics.len(),
        }
    } else {
        return Ok(());
    };
    Err(EventDecodeError { event, problem })
}

/// Decodes a `#[topic]` field: the whole topic must be its borsh encoding.
pub fn event_topic<T: BorshDeserialize>(
    topic: &[u8],
    event: &'static str,
    field: &'static str,
    ty: &'static str,
) -> Result<T, EventDecodeError> {
    T::try_from_slice(topic).map_err(|_| EventDecodeError {
        event,
        problem: EventProblem::Topic { field, ty },
    })
}

/// Decodes the next data field.
pub fn event_field<T: BorshDeserialize>(
    data: &mut &[u8],
    event: &'static str,
    field: &'static str,
    ty: &'static str,
) -> Result<T, EventDecodeError> {
    T::deserialize(data).map_err(|_| EventDecodeError {
        event,
        problem: EventProblem::Data { field, ty },
    })
}

/// Fails when data is left after the last field.
pub fn event_end(data: &[u8], event: &'static str) -> Result<(), EventDecodeError> {
    if data.is_empty() {
        Ok(())
    } else {
        Err(EventDecodeError {
            event,
            problem: EventProblem::TrailingData { bytes: data.len() },
        })
    }
}
