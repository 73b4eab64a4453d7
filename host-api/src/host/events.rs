//! `emit_event`: topics and data, bounded, kept in order, rolled back with
//! the call that emitted them.

use gasworks_vm::trap::TrapKind;

use super::HostCall;
use crate::HostTrap;
use crate::env::Event;
use crate::limits::{MAX_EVENT_DATA_LEN, MAX_EVENTS, MAX_TOPIC_LEN, MAX_TOPICS};

/// The longest well-formed topic list: its count, and the longest topics
/// with their lengths.
const MAX_TOPICS_LEN: u32 = 4 + MAX_TOPICS * (4 + MAX_TOPIC_LEN);

/// Decodes a borsh `Vec<Vec<u8>>` of topics, strictly: at most
/// [`MAX_TOPICS`] topics of at most [`MAX_TOPIC_LEN`] bytes, ending exactly
/// at the end of `bytes`. Limits are checked before anything is allocated.
pub(crate) fn decode_topics(bytes: &[u8]) -> Result<Vec<Vec<u8>>, HostTrap> {
    fn take_u32(bytes: &mut &[u8]) -> Result<u32, HostTrap> {
        let (head, rest) = bytes
            .split_first_chunk::<4>()
            .ok_or(HostTrap::MalformedTopics)?;
        *bytes = rest;
        Ok(u32::from_le_bytes(*head))
    }
    let mut rest = bytes;
    let count = take_u32(&mut rest)?;
    if count > MAX_TOPICS {
        return Err(HostTrap::TooManyTopics);
    }
    let mut topics = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let len = take_u32(&mut rest)?;
        if len > MAX_TOPIC_LEN {
            return Err(HostTrap::TopicTooLarge);
        }
        let (topic, tail) = rest
            .split_at_checked(len as usize)
            .ok_or(HostTrap::MalformedTopics)?;
        topics.push(topic.to_vec());
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(HostTrap::MalformedTopics);
    }
    Ok(topics)
}

/// Emits an event; see the manifest entry `emit_event`.
pub(super) fn emit(
    h: &mut HostCall<'_, '_>,
    topics_ptr: u32,
    topics_len: u32,
    data_ptr: u32,
    data_len: u32,
) -> Result<(), TrapKind> {
    h.charge_base()?;
    let full = h.with_env(|env, _| Ok(env.events.len() as u64 >= u64::from(MAX_EVENTS)))?;
    if full {
        return Err(HostTrap::TooManyEvents.kind());
    }
    if data_len > MAX_EVENT_DATA_LEN {
        return Err(HostTrap::EventDataTooLarge.kind());
    }
    // Longer than any well-formed list: either too many topics, a topic
    // too large or trailing bytes; not worth reading to tell which.
    if topics_len > MAX_TOPICS_LEN {
        return Err(HostTrap::MalformedTopics.kind());
    }
    let topics_range = h.range(topics_ptr, topics_len)?;
    let data_range = h.range(data_ptr, data_len)?;
    h.charge_bytes(u64::from(topics_len) + u64::from(data_len))?;
    let topics = decode_topics(h.slice(topics_range)?).map_err(HostTrap::kind)?;
    let data = h.read(data_range)?;
    h.with_env(|env, _| {
        let contract = env
            .frame()
            .map(|frame| frame.address)
            .ok_or(HostTrap::NoContext.kind())?;
        env.events.push(Event {
            contract,
            topics,
            data,
        });
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(topics: &[&[u8]]) -> Vec<u8> {
        let mut out = (topics.len() as u32).to_le_bytes().to_vec();
        for topic in topics {
            out.extend_from_slice(&(topic.len() as u32).to_le_bytes());
            out.extend_from_slice(topic);
        }
        out
    }

    #[test]
    fn topics_decode_strictly() {
        let topics: [&[u8]; 2] = [b"transfer", &[7; 32]];
        assert_eq!(
            decode_topics(&encode(&topics)),
            Ok(vec![b"transfer".to_vec(), vec![7; 32]])
        );
        // Agrees with borsh's own encoding.
        let vecs: Vec<Vec<u8>> = topics.iter().map(|t| t.to_vec()).collect();
        assert_eq!(
            borsh::to_vec(&vecs).expect("borsh encodes"),
            encode(&topics)
        );
        assert_eq!(decode_topics(&encode(&[])), Ok(vec![]));
        assert_eq!(decode_topics(&[]), Err(HostTrap::MalformedTopics));
        let mut trailing = encode(&topics);
        trailing.push(0);
        assert_eq!(decode_topics(&trailing), Err(HostTrap::MalformedTopics));
        let mut short = encode(&topics);
        short.pop();
        assert_eq!(decode_topics(&short), Err(HostTrap::MalformedTopics));
        assert_eq!(
            decode_topics(&encode(&[b"a", b"b", b"c", b"d", b"e"])),
            Err(HostTrap::TooManyTopics)
        );
        assert_eq!(
            decode_topics(&encode(&[&[0; 65]])),
            Err(HostTrap::TopicTooLarge)
        );
        // A count of 2^32 - 1 is refused before anything is allocated.
        assert_eq!(
            decode_topics(&u32::MAX.to_le_bytes()),
            Err(HostTrap::TooManyTopics)
        );
        let longest: &[u8] = &[0; 64];
        assert_eq!(encode(&[longest; 4]).len() as u32, MAX_TOPICS_LEN);
    }
}
