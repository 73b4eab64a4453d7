//! Hashes: SHA-256 everywhere, domain-separated, and the binary Merkle root
//! of a block's transactions and receipts.

use std::fmt;

use borsh::{BorshDeserialize, BorshSerialize};
use sha2::{Digest, Sha256};

/// A SHA-256 hash.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, BorshSerialize, BorshDeserialize,
)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// Parses 64 hex digits.
    pub fn from_hex(text: &str) -> Option<Hash> {
        let bytes = from_hex(text)?;
        Some(Hash(bytes.try_into().ok()?))
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Parses hex digits (an optional `0x` first).
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    let text = text.strip_prefix("0x").unwrap_or(text);
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// SHA-256 of a domain tag's length and bytes, then each part's length and
/// bytes: no two different (tag, parts) lists hash the same input.
pub fn tagged_hash(tag: &[u8], parts: &[&[u8]]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update((tag.len() as u64).to_le_bytes());
    hasher.update(tag);
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    Hash(hasher.finalize().into())
}

/// The Merkle root of `leaves` (RFC 6962's shape: leaves hashed with a 0
/// byte first, inner nodes with a 1, the left subtree the largest power of
/// two below the count; the empty list hashes to SHA-256 of nothing).
pub fn merkle_root<T: AsRef<[u8]>>(leaves: &[T]) -> Hash {
    merkle_root_of_leaf_hashes(leaves.iter().map(|leaf| leaf_hash(leaf.as_ref())).collect())
}

/// The hash of one Merkle leaf (see [`merkle_root`]).
pub fn leaf_hash(leaf: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(leaf);
    hasher.finalize().into()
}

/// [`merkle_root`] from the leaves' hashes ([`leaf_hash`]): for leaves
/// that need not all be held at once.
pub fn merkle_root_of_leaf_hashes(hashes: Vec<[u8; 32]>) -> Hash {
    Hash(subtree_root(&hashes))
}

fn subtree_root(hashes: &[[u8; 32]]) -> [u8; 32] {
    match hashes {
        [] => Sha256::digest([]).into(),
        [single] => *single,
        _ => {
            let mut split = 1;
            while split * 2 < hashes.len() {
                split *= 2;
            }
            let (left, right) = hashes.split_at(split);
            let mut hasher = Sha256::new();
            hasher.update([1u8]);
            hasher.update(subtree_root(left));
            hasher.update(subtree_root(right));
            hasher.finalize().into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merkle_root_depends_on_every_leaf_and_the_order() {
        let leaves: Vec<Vec<u8>> = (0u8..5).map(|i| vec![i]).collect();
        let root = merkle_root(&leaves);
        for i in 0..leaves.len() {
            let mut changed = leaves.clone();
            changed[i].push(0);
            assert_ne!(merkle_root(&changed), root, "leaf {i}");
        }
        let mut swapped = leaves.clone();
        swapped.swap(0, 1);
        assert_ne!(merkle_root(&swapped), root);
        assert_ne!(merkle_root(&leaves[..4]), root);
        assert_ne!(
            merkle_root::<Vec<u8>>(&[]),
            merkle_root(&[Vec::<u8>::new()])
        );
    }

    #[test]
    fn tagged_hashes_separate_parts() {
        assert_ne!(
            tagged_hash(b"t", &[b"ab", b"c"]),
            tagged_hash(b"t", &[b"a", b"bc"])
        );
        assert_ne!(tagged_hash(b"t", &[b"a"]), tagged_hash(b"u", &[b"a"]));
        assert_eq!(Hash::from_hex(&Hash([9; 32]).to_hex()), Some(Hash([9; 32])));
    }
}
