//! Typed events.
//!
//! An event has topics (what indexers filter on; at most 4, each at most 64
//! bytes) and data (at most 4 KiB). [`Event`] gives a type its topics and
//! data; `#[derive(Event)]` writes the impl: the first topic is the type's
//! name, each field marked `#[topic]` (at most three) is a further topic
//! (its borsh encoding), and the data is the borsh encoding of the other
//! fields, in order. [`Event::decode`] reads one back (tests do, through
//! `Outcome::events::<E>()`).
//!
//! ```ignore
//! #[derive(Event)]
//! pub struct Transfer {
//!     #[topic]
//!     pub from: Address,
//!     #[topic]
//!     pub to: Address,
//!     pub amount: u128,
//! }
//! events::emit(&Transfer { from, to, amount });
//! ```
//!
//! Events are kept in the receipt in emission order and rolled back with
//! the call that emitted them. Price: 2,000 gas plus 10 per byte of topics
//! (their borsh list) and data.

use alloc::vec::Vec;
use core::fmt;

use crate::sys;

/// A type that can be emitted as an event, and read back from one.
pub trait Event {
    /// The event's name, its first topic.
    const NAME: &'static str;

    /// Appends the topics after the name (at most three), each as its bytes.
    fn topics(&self, topics: &mut Vec<Vec<u8>>);

    /// The event's data.
    fn data(&self) -> Vec<u8>;

    /// The event whose topics (the name first) and data these are: the
    /// inverse of [`Event::topics`] and [`Event::data`], for tests and
    /// indexers reading receipts (`Outcome::events::<E>()` in
    /// `gasworks-sdk-testing`). A contract never calls it, so it costs a
    /// contract no code.
    ///
    /// # Errors
    ///
    /// [`EventDecodeError`]: another event's name, another number of
    /// topics, a field that does not decode, data left after the fields.
    fn decode(topics: &[Vec<u8>], data: &[u8]) -> Result<Self, EventDecodeError>
    where
        Self: Sized;
}

/// Why an event's topics and data are not an `E` ([`Event::decode`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDecodeError {
    /// The name of the event type that was expected.
    pub event: &'static str,
    /// What does not match.
    pub problem: EventProblem,
}

/// What in an event does not match the type ([`EventDecodeError`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventProblem {
    /// The first topic is not the type's name (or there is none).
    OtherName,
    /// The number of topics, name included, is not the type's.
    TopicCount {
        /// The type's: 1 (the name) plus its `#[topic]` fields.
        expected: usize,
        /// The event's.
        found: usize,
    },
    /// A `#[topic]` field's topic is not exactly the borsh of its type.
    Topic {
        /// The field.
        field: &'static str,
        /// Its type, as written in the struct.
        ty: &'static str,
    },
    /// The data ends before this field, or does not decode as its type.
    Data {
        /// The field.
        field: &'static str,
        /// Its type, as written in the struct.
        ty: &'static str,
    },
    /// Bytes of data are left after the last field.
    TrailingData {
        /// How many.
        bytes: usize,
    },
}

impl fmt::Display for EventDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let event = self.event;
        match &self.problem {
            EventProblem::OtherName => write!(f, "not a `{event}` event (another name)"),
            EventProblem::TopicCount { expected, found } => write!(
                f,
                "event `{event}`: {found} topics, the type has {expected} (name included)"
            ),
            EventProblem::Topic { field, ty } => write!(
                f,
                "event `{event}`: the topic of `{field}` is not the borsh of a `{ty}`"
            ),
            EventProblem::Data { field, ty } => write!(
                f,
                "event `{event}`: field `{field}` does not decode from the data as a `{ty}`"
            ),
            EventProblem::TrailingData { bytes } => write!(
                f,
                "event `{event}`: {bytes} bytes of data after the last field"
            ),
        }
    }
}

/// Emits `event`.
pub fn emit<E: Event>(event: &E) {
    let mut topics = Vec::with_capacity(4);
    topics.push(Vec::from(E::NAME.as_bytes()));
    event.topics(&mut topics);
    let topics: Vec<&[u8]> = topics.iter().map(Vec::as_slice).collect();
    emit_raw(&topics, &event.data());
}

/// Emits an event with the given topics and data.
pub fn emit_raw(topics: &[&[u8]], data: &[u8]) {
    sys::emit_event(&encode_topics(topics), data);
}

/// The topics as the host reads them: a borsh `Vec<Vec<u8>>`.
pub fn encode_topics(topics: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + topics.iter().map(|t| 4 + t.len()).sum::<usize>());
    out.extend_from_slice(&(topics.len() as u32).to_le_bytes());
    for topic in topics {
        out.extend_from_slice(&(topic.len() as u32).to_le_bytes());
        out.extend_from_slice(topic);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn topics_are_a_borsh_list_of_byte_strings() {
        let topics: [&[u8]; 2] = [b"ab", b""];
        let expected: Vec<Vec<u8>> = vec![b"ab".to_vec(), Vec::new()];
        assert_eq!(
            encode_topics(&topics),
            borsh::to_vec(&expected).expect("encodes")
        );
    }
}
