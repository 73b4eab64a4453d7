//! The state tree: a Jellyfish Merkle Tree (`jmt`, SHA-256) over every
//! state key, version = block height.
//!
//! The tree's key is SHA-256 of the state key (jmt's [`KeyHash`]); its
//! leaves commit to SHA-256 of the value. A change set updates only the
//! paths of the keys it touches: a block costs what it touched times the
//! tree's depth (about log16 of the state size), not the state.
//!
//! Proofs are jmt's sparse Merkle proofs, borsh-encoded: membership (the
//! value's hash at the key's leaf) or non-membership (an empty subtree or
//! another key's leaf where the key would be).

use borsh::{BorshDeserialize, BorshSerialize};
use jmt::proof::SparseMerkleProof;
use jmt::{KeyHash, RootHash};
use sha2::Sha256;

use crate::hash::Hash;

/// The tree's key for a state key.
pub(crate) fn key_hash(key: &[u8]) -> KeyHash {
    KeyHash::with::<Sha256>(key)
}

/// A value, or its absence, proven against a state root.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct StateProof {
    /// The state key.
    pub key: Vec<u8>,
    /// Its value at `height`, or `None`.
    pub value: Option<Vec<u8>>,
    /// The height (tree version) of the root.
    pub height: u64,
    /// The state root the proof is against.
    pub root: Hash,
    /// The borsh-encoded `jmt` sparse Merkle proof.
    pub proof: Vec<u8>,
}

/// Why a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The proof bytes do not decode.
    #[error("the proof does not decode")]
    Malformed,
    /// The proof does not lead from the key and value to the root.
    #[error("the proof does not verify: {0}")]
    Invalid(String),
}

impl StateProof {
    /// Checks the proof: `value` (or its absence) under `key` hashes up to
    /// `root`.
    ///
    /// # Errors
    ///
    /// [`ProofError`].
    pub fn verify(&self) -> Result<(), ProofError> {
        let proof = SparseMerkleProof::<Sha256>::try_from_slice(&self.proof)
            .map_err(|_| ProofError::Malformed)?;
        proof
            .verify(
                RootHash(self.root.0),
                key_hash(&self.key),
                self.value.as_deref(),
            )
            .map_err(|error| ProofError::Invalid(error.to_string()))
    }
}
