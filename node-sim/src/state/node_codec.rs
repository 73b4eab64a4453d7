//! The encoding of a tree node in the `jmt_nodes` column family: jmt's
//! borsh encoding without its padding, about a quarter smaller.
//!
//! A block rewrites every internal node on the paths to the keys it
//! touches; at 10^6 keys the nodes of levels 2 to 4 are full (16
//! children), and those nodes are most of what a block writes to the
//! write-ahead log, the memtable, and later to every flush and compaction.
//! jmt's borsh encoding spends 18 bytes per child besides its 32-byte hash
//! (a presence byte, the version as 8 bytes, the child's kind and leaf
//! count as 9) plus 16 bytes of counts per node; this one spends about 4:
//!
//! | node | bytes |
//! |---|---|
//! | null | `0` |
//! | leaf | `1`, key hash (32), value hash (32) |
//! | internal | `2`, existence bitmap (2, LE), leaf bitmap (2, LE), then per child in nibble order: hash (32), version (LEB128), and for an internal child its leaf count (LEB128) |
//!
//! The bitmaps are jmt's own (`generate_bitmaps`): bit i set when child i
//! exists, and when it is a leaf. jmt does not export its internal node's
//! types, so decoding rebuilds jmt's borsh encoding and lets jmt's derive
//! read it; a test checks the rebuilt bytes against jmt's own encoding.
//! Nothing here reaches a hash: a node's encoding is the store's choice.

use borsh::BorshDeserialize;
use jmt::storage::{LeafNode, Node};

const NULL: u8 = 0;
const LEAF: u8 = 1;
const INTERNAL: u8 = 2;

/// jmt's borsh variant indices: `Node` is `Null | Internal | Leaf`, a
/// child's `NodeType` is `Leaf | Internal { leaf_count }`.
const BORSH_NODE_INTERNAL: u8 = 1;
const BORSH_TYPE_LEAF: u8 = 0;
const BORSH_TYPE_INTERNAL: u8 = 1;

/// Why a stored node could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("tree node: {0}")]
pub(crate) struct NodeDecodeError(&'static str);

/// `node` in the store's encoding.
pub(crate) fn encode_node(node: &Node) -> Vec<u8> {
    match node {
        Node::Null => vec![NULL],
        Node::Leaf(leaf) => {
            let mut bytes = Vec::with_capacity(65);
            bytes.push(LEAF);
            // A leaf's borsh encoding is its two hashes, nothing else.
            bytes.extend(borsh::to_vec(leaf).unwrap_or_default());
            bytes
        }
        Node::Internal(internal) => {
            let (existence, leaves) = internal.generate_bitmaps();
            let mut bytes = Vec::with_capacity(5 + 16 * 38);
            bytes.push(INTERNAL);
            bytes.extend_from_slice(&existence.to_le_bytes());
            bytes.extend_from_slice(&leaves.to_le_bytes());
            for (_, child) in internal.children_sorted() {
                bytes.extend_from_slice(&child.hash);
                write_leb128(&mut bytes, child.version);
                if !child.is_leaf() {
                    write_leb128(&mut bytes, child.leaf_count() as u64);
                }
            }
            bytes
        }
    }
}

/// The node `bytes` encode ([`encode_node`]).
///
/// # Errors
///
/// [`NodeDecodeError`] for anything [`encode_node`] cannot have written:
/// an unknown tag, a short or overlong record, a leaf bit without its
/// child, an internal node without children or whose only child is a leaf
/// (jmt never builds either), an internal child said to hold fewer than
/// two leaves, an overflowing number.
pub(crate) fn decode_node(bytes: &[u8]) -> Result<Node, NodeDecodeError> {
    let (&tag, rest) = bytes.split_first().ok_or(NodeDecodeError("empty"))?;
    match tag {
        NULL if rest.is_empty() => Ok(Node::Null),
        LEAF if rest.len() == 64 => {
            let leaf = LeafNode::try_from_slice(rest).map_err(|_| NodeDecodeError("bad leaf"))?;
            Ok(Node::Leaf(leaf))
        }
        INTERNAL => decode_internal(rest),
        NULL | LEAF => Err(NodeDecodeError("wrong length")),
        _ => Err(NodeDecodeError("unknown tag")),
    }
}

fn decode_internal(bytes: &[u8]) -> Result<Node, NodeDecodeError> {
    let mut reader = Reader(bytes);
    let existence = u16::from_le_bytes(reader.array()?);
    let leaves = u16::from_le_bytes(reader.array()?);
    if existence == 0 {
        return Err(NodeDecodeError("an internal node without children"));
    }
    if leaves & !existence != 0 {
        return Err(NodeDecodeError("a leaf bit without its child"));
    }
    if existence.count_ones() == 1 && leaves != 0 {
        return Err(NodeDecodeError(
            "an internal node whose only child is a leaf",
        ));
    }
    // jmt's borsh encoding: the variant, 16 optional children (hash,
    // version u64, kind, and for an internal child its leaf count u64),
    // the number of children and the node's leaf count (u64 each, LE).
    let mut borsh = Vec::with_capacity(1 + 16 * 50 + 16);
    borsh.push(BORSH_NODE_INTERNAL);
    let mut total: u64 = 0;
    for nibble in 0..16 {
        let bit = 1u16 << nibble;
        if existence & bit == 0 {
            borsh.push(0);
            continue;
        }
        borsh.push(1);
        let hash: [u8; 32] = reader.array()?;
        borsh.extend_from_slice(&hash);
        borsh.extend_from_slice(&reader.leb128()?.to_le_bytes());
        let count = if leaves & bit != 0 {
            borsh.push(BORSH_TYPE_LEAF);
            1
        } else {
            let count = reader.leb128()?;
            if count < 2 {
                // jmt keeps a one-leaf subtree as the leaf itself.
                return Err(NodeDecodeError(
                    "an internal child with fewer than 2 leaves",
                ));
            }
            borsh.push(BORSH_TYPE_INTERNAL);
            borsh.extend_from_slice(&count.to_le_bytes());
            count
        };
        total = total
            .checked_add(count)
            .ok_or(NodeDecodeError("leaf count overflow"))?;
    }
    if !reader.0.is_empty() {
        return Err(NodeDecodeError("trailing bytes"));
    }
    borsh.extend_from_slice(&u64::from(existence.count_ones()).to_le_bytes());
    borsh.extend_from_slice(&total.to_le_bytes());
    Node::try_from_slice(&borsh).map_err(|_| NodeDecodeError("rejected by jmt"))
}

fn write_leb128(bytes: &mut Vec<u8>, mut value: u64) {
    loop {
        let low = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            bytes.push(low);
            return;
        }
        bytes.push(low | 0x80);
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn array<const N: usize>(&mut self) -> Result<[u8; N], NodeDecodeError> {
        let (head, rest) = self
            .0
            .split_first_chunk::<N>()
            .ok_or(NodeDecodeError("truncated"))?;
        self.0 = rest;
        Ok(*head)
    }

    /// An unsigned LEB128 number of at most 10 bytes, in its shortest
    /// form (so that a number has one encoding).
    fn leb128(&mut self) -> Result<u64, NodeDecodeError> {
        let mut value: u64 = 0;
        for index in 0..10 {
            let [byte] = self.array::<1>()?;
            let bits = u64::from(byte & 0x7f);
            if index == 9 && bits > 1 {
                return Err(NodeDecodeError("number overflow"));
            }
            value |= bits << (7 * index);
            if byte & 0x80 == 0 {
                if byte == 0 && index > 0 {
                    return Err(NodeDecodeError("overlong number"));
                }
                return Ok(value);
            }
        }
        Err(NodeDecodeError("number overflow"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb128_round_trips_and_refuses_overlong_and_overflowing_numbers() {
        for value in [0, 1, 127, 128, 300, 1 << 35, u64::MAX - 1, u64::MAX] {
            let mut bytes = Vec::new();
            write_leb128(&mut bytes, value);
            let mut reader = Reader(&bytes);
            assert_eq!(reader.leb128(), Ok(value));
            assert!(reader.0.is_empty());
        }
        assert!(Reader(&[0x80, 0x00]).leb128().is_err(), "overlong zero");
        assert!(Reader(&[0xff; 10]).leb128().is_err(), "overflow");
        assert!(Reader(&[0x80]).leb128().is_err(), "truncated");
    }

    /// A tree's nodes, from jmt itself: 400 keys at version 0, then 60 of
    /// them changed and 20 removed at version 1, and 30 new keys at 2.
    fn real_nodes() -> Vec<Node> {
        use jmt::storage::{NodeKey, TreeReader};
        use jmt::{KeyHash, OwnedValue, Sha256Jmt, Version};
        use std::collections::HashMap;

        #[derive(Default)]
        struct Memory(HashMap<NodeKey, Node>, HashMap<KeyHash, OwnedValue>);
        impl TreeReader for Memory {
            fn get_node_option(&self, key: &NodeKey) -> anyhow::Result<Option<Node>> {
                Ok(self.0.get(key).cloned())
            }
            fn get_value_option(
                &self,
                _: Version,
                key: KeyHash,
            ) -> anyhow::Result<Option<OwnedValue>> {
                Ok(self.1.get(&key).cloned())
            }
            fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(NodeKey, LeafNode)>> {
                Ok(None)
            }
        }

        let key = |i: u32| KeyHash::with::<sha2::Sha256>(i.to_le_bytes());
        let mut memory = Memory::default();
        let mut nodes = Vec::new();
        let versions: [Vec<(KeyHash, Option<OwnedValue>)>; 3] = [
            (0..400).map(|i| (key(i), Some(vec![i as u8; 3]))).collect(),
            (0..80)
                .map(|i| (key(i * 5), (i >= 20).then(|| vec![7; 9])))
                .collect(),
            (1000..1030).map(|i| (key(i), Some(vec![1]))).collect(),
        ];
        for (version, values) in versions.into_iter().enumerate() {
            let (_, batch) = Sha256Jmt::new(&memory)
                .put_value_set(values.clone(), version as Version)
                .expect("jmt updates");
            for (node_key, node) in batch.node_batch.nodes() {
                memory.0.insert(node_key.clone(), node.clone());
                nodes.push(node.clone());
            }
            for (key, value) in values {
                match value {
                    Some(value) => memory.1.insert(key, value),
                    None => memory.1.remove(&key),
                };
            }
        }
        nodes
    }

    #[test]
    fn jmt_nodes_round_trip_smaller_than_borsh() {
        let nodes = real_nodes();
        let (mut leaves, mut internal, mut mixed) = (0, 0, 0);
        let (mut ours, mut borsh_bytes) = (0, 0);
        for node in &nodes {
            let bytes = encode_node(node);
            assert_eq!(decode_node(&bytes).as_ref(), Ok(node));
            match node {
                Node::Leaf(_) => leaves += 1,
                Node::Internal(n) => {
                    internal += 1;
                    let (existence, leaf_bits) = n.generate_bitmaps();
                    if leaf_bits != 0 && leaf_bits != existence {
                        mixed += 1;
                    }
                    ours += bytes.len();
                    borsh_bytes += borsh::to_vec(node).expect("encodes").len();
                }
                Node::Null => {}
            }
            // Every strict prefix is refused, not misread.
            for len in 0..bytes.len() {
                assert!(decode_node(&bytes[..len]).is_err());
            }
        }
        assert!(
            leaves > 400 && internal > 100 && mixed > 10,
            "{leaves} {internal} {mixed}"
        );
        assert!(
            ours * 100 < borsh_bytes * 80,
            "{ours} against borsh's {borsh_bytes}"
        );
        assert_eq!(decode_node(&encode_node(&Node::Null)), Ok(Node::Null));
    }

    #[test]
    fn malformed_records_are_errors() {
        for bytes in [
            &[][..],
            &[NULL, 0],
            &[LEAF, 1, 2],
            &[9],
            &[INTERNAL, 0, 0, 0, 0],
            &[INTERNAL, 1, 0, 2, 0],
            &[INTERNAL, 1, 0, 1, 0],
            &[INTERNAL, 3, 0],
        ] {
            assert!(decode_node(bytes).is_err(), "{bytes:?}");
        }
        // Two internal children (no leaf bits), the second said to hold
        // one leaf.
        let mut one_leaf = vec![INTERNAL, 3, 0, 0, 0];
        for count in [2u8, 1] {
            one_leaf.extend_from_slice(&[9; 32]);
            one_leaf.push(4); // version
            one_leaf.push(count);
        }
        assert!(decode_node(&one_leaf).is_err());
        let last = one_leaf.len() - 1;
        one_leaf[last] = 2;
        assert!(decode_node(&one_leaf).is_ok());
    }
}
