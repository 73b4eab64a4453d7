//! Typed events.
//!
//! An event has topics (what indexers filter on; at most 4, each at most 64
//! bytes) and data (at most 4 KiB). [`Event`] gives a type its topics and
//! data; `#[derive(Event)]` writes the impl: the first topic is the type's
//! name, each field marked `#[topic]` (at most three) is a further topic
//! (its borsh encoding), and the data is the borsh encoding of the other
//! fields, in order.
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

use crate::sys;

/// A type that can be emitted as an event.
pub trait Event {
    /// The event's name, its first topic.
    const NAME: &'static str;

    /// Appends the topics after the name (at most three), each as its bytes.
    fn topics(&self, topics: &mut Vec<Vec<u8>>);

    /// The event's data.
    fn data(&self) -> Vec<u8>;
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
