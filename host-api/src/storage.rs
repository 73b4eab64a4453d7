//! Contract storage: the backend a node provides, and the overlays of the
//! calls in progress.
//!
//! A node keeps committed state in a [`StorageBackend`], a read-only view
//! during execution: point lookups and ordered range scans over raw keys.
//! [`MemoryStorage`] (a `BTreeMap`) is the implementation used by tests and
//! tools; the node simulator adds RocksDB behind the same trait.
//!
//! Execution never writes to the backend. Each call on the call stack has an
//! [`Overlay`], an ordered map from key to `Some(value)` (written) or `None`
//! (removed). Reads look through the overlays from the innermost call
//! outwards, then into the backend. When a call succeeds its overlay is
//! merged into its caller's (later writes win); when it fails the overlay is
//! dropped. The transaction's overlay, in key order, is the change set the
//! node commits.
//!
//! Keys here are full keys: the owning contract's 32-byte address followed
//! by the key the contract chose, so contracts cannot see or touch each
//! other's entries, and one contract's entries are one contiguous key range.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Bound;

/// A backend failure: node-local (I/O, corruption), never a contract's
/// doing, so it aborts the whole execution instead of entering a receipt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("storage backend failure: {0}")]
pub struct StorageError(pub String);

/// One entry of a range scan: a full key and its value.
pub type Entry = (Vec<u8>, Vec<u8>);

/// An ordered scan over a backend, borrowing it.
pub type Scan<'a> = Box<dyn Iterator<Item = Result<Entry, StorageError>> + 'a>;

/// Committed state, as execution sees it: read-only, ordered by key
/// (bytewise, shorter first on a common prefix, as `[u8]`'s `Ord`).
///
/// Object safe, and `Send + Sync` so that a node can share one behind an
/// `Arc` between threads.
pub trait StorageBackend: Send + Sync {
    /// The value stored under `key`.
    ///
    /// # Errors
    ///
    /// [`StorageError`] when the backend cannot answer.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError>;

    /// The entries whose keys lie within the bounds, in ascending key
    /// order, produced lazily (the caller may stop early). An empty or
    /// inverted range yields nothing (it must not panic).
    fn scan<'a>(&'a self, start: Bound<&[u8]>, end: Bound<&[u8]>) -> Scan<'a>;
}

/// A [`StorageBackend`] in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryStorage {
    entries: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStorage::default()
    }

    /// Stores `value` under the full key `key`.
    pub fn insert(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.entries.insert(key, value);
    }

    /// Applies a change set (as in a receipt): writes and removals.
    pub fn apply<'a>(&mut self, changes: impl IntoIterator<Item = &'a StorageChange>) {
        for change in changes {
            match &change.value {
                Some(value) => {
                    self.entries.insert(change.key.clone(), value.clone());
                }
                None => {
                    self.entries.remove(&change.key);
                }
            }
        }
    }

    /// Every entry, in key order.
    pub fn entries(&self) -> &BTreeMap<Vec<u8>, Vec<u8>> {
        &self.entries
    }
}

impl StorageBackend for MemoryStorage {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.entries.get(key).cloned())
    }

    fn scan<'a>(&'a self, start: Bound<&[u8]>, end: Bound<&[u8]>) -> Scan<'a> {
        // `BTreeMap::range` panics on an inverted range.
        if is_empty_range(start, end) {
            return Box::new(std::iter::empty());
        }
        Box::new(
            self.entries
                .range::<[u8], _>((start, end))
                .map(|(k, v)| Ok((k.clone(), v.clone()))),
        )
    }
}

/// One change of a change set: the full key and its new value (`None`:
/// removed).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, borsh::BorshSerialize, borsh::BorshDeserialize,
)]
pub struct StorageChange {
    /// Full key: the contract's address, then the contract's key.
    pub key: Vec<u8>,
    /// The value written, or `None` when the key was removed.
    pub value: Option<Vec<u8>>,
}

/// The writes of one call in progress: full key to `Some(value)` or `None`
/// (removed). Ordered, so that merging and the final change set are in key
/// order without sorting.
pub type Overlay = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// Whether no key lies within the bounds (including inverted bounds, for
/// which `BTreeMap::range` would panic).
pub fn is_empty_range(start: Bound<&[u8]>, end: Bound<&[u8]>) -> bool {
    match (start, end) {
        (Bound::Included(s), Bound::Included(e)) => s > e,
        (Bound::Included(s), Bound::Excluded(e))
        | (Bound::Excluded(s), Bound::Included(e))
        | (Bound::Excluded(s), Bound::Excluded(e)) => s >= e,
        (Bound::Unbounded, _) | (_, Bound::Unbounded) => false,
    }
}

/// The value of `key` as the innermost call sees it: the last overlay that
/// has the key decides, else the backend.
pub(crate) fn lookup<'a>(
    overlays: impl DoubleEndedIterator<Item = &'a Overlay>,
    backend: &dyn StorageBackend,
    key: &[u8],
) -> Result<Option<Vec<u8>>, StorageError> {
    for overlay in overlays.rev() {
        if let Some(value) = overlay.get(key) {
            return Ok(value.clone());
        }
    }
    backend.get(key)
}

/// The smallest key greater than every key that starts with `prefix`, if
/// there is one (there is none when `prefix` is all `0xff`).
pub(crate) fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// A key with its value, as one layer of a merged scan produces it (`None`:
/// removed in that overlay).
type LayerItem<'a> = (Cow<'a, [u8]>, Option<Cow<'a, [u8]>>);

type Layer<'a> = Box<dyn Iterator<Item = Result<LayerItem<'a>, StorageError>> + 'a>;

/// The entries visible to the innermost call in a key range, in key order:
/// the backend merged with every overlay, later overlays winning, removals
/// hiding keys.
///
/// Each call of [`MergedScan::next_step`] advances by one distinct key of
/// the union of all layers, visible or not; the caller charges per step, so
/// keys hidden by removals are paid for when skipped.
pub(crate) struct MergedScan<'a> {
    layers: Vec<Layer<'a>>,
    heads: Vec<Option<LayerItem<'a>>>,
}

/// What one step of a merged scan found.
pub(crate) enum Step<'a> {
    /// A visible entry.
    Entry(Cow<'a, [u8]>, Cow<'a, [u8]>),
    /// A key removed in an overlay (invisible).
    Hidden,
    /// No more keys in the range.
    End,
}

impl<'a> MergedScan<'a> {
    /// A scan of `[start, end)` over `backend` and `overlays` (outermost
    /// first).
    pub(crate) fn new(
        backend: &'a dyn StorageBackend,
        overlays: impl Iterator<Item = &'a Overlay>,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
    ) -> Result<MergedScan<'a>, StorageError> {
        let mut layers: Vec<Layer<'a>> = Vec::new();
        if is_empty_range(start, end) {
            return Ok(MergedScan {
                layers,
                heads: Vec::new(),
            });
        }
        layers.push(Box::new(backend.scan(start, end).map(|entry| {
            entry.map(|(k, v)| (Cow::Owned(k), Some(Cow::Owned(v))))
        })));
        for overlay in overlays {
            let range = overlay
                .range::<[u8], _>((start, end))
                .map(|(k, v)| Ok((Cow::Borrowed(k.as_slice()), v.as_deref().map(Cow::Borrowed))));
            layers.push(Box::new(range));
        }
        let mut heads = Vec::with_capacity(layers.len());
        for layer in &mut layers {
            heads.push(layer.next().transpose()?);
        }
        Ok(MergedScan { layers, heads })
    }

    /// Advances by one key.
    pub(crate) fn next_step(&mut self) -> Result<Step<'a>, StorageError> {
        let Some(key) = self
            .heads
            .iter()
            .flatten()
            .map(|(key, _)| key)
            .min()
            .cloned()
        else {
            return Ok(Step::End);
        };
        // Later layers (inner calls) override earlier ones: walk them all
        // and keep the last value seen for this key.
        let mut value = None;
        for (head, layer) in self.heads.iter_mut().zip(self.layers.iter_mut()) {
            if head.as_ref().is_some_and(|(k, _)| *k == key) {
                if let Some((_, v)) = head.take() {
                    value = Some(v);
                }
                *head = layer.next().transpose()?;
            }
        }
        Ok(match value.flatten() {
            Some(value) => Step::Entry(key, value),
            None => Step::Hidden,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(scan: &mut MergedScan<'_>) -> (Vec<Entry>, usize) {
        let mut out = Vec::new();
        let mut steps = 0;
        loop {
            match scan.next_step().expect("memory backend") {
                Step::Entry(k, v) => out.push((k.to_vec(), v.to_vec())),
                Step::Hidden => {}
                Step::End => return (out, steps),
            }
            steps += 1;
        }
    }

    #[test]
    fn merged_scan_orders_overrides_and_hides() {
        let mut backend = MemoryStorage::new();
        for key in [b"a", b"c", b"e", b"g"] {
            backend.insert(key.to_vec(), b"backend".to_vec());
        }
        let mut outer = Overlay::new();
        outer.insert(b"b".to_vec(), Some(b"outer".to_vec()));
        outer.insert(b"c".to_vec(), None);
        outer.insert(b"e".to_vec(), Some(b"outer".to_vec()));
        let mut inner = Overlay::new();
        inner.insert(b"c".to_vec(), Some(b"inner".to_vec()));
        inner.insert(b"e".to_vec(), None);
        inner.insert(b"f".to_vec(), None);
        let overlays = [outer, inner];
        let mut scan = MergedScan::new(
            &backend,
            overlays.iter(),
            Bound::Included(b"a".as_slice()),
            Bound::Unbounded,
        )
        .expect("scan");
        let (entries, steps) = collect(&mut scan);
        let expected: Vec<Entry> = vec![
            (b"a".to_vec(), b"backend".to_vec()),
            (b"b".to_vec(), b"outer".to_vec()),
            (b"c".to_vec(), b"inner".to_vec()),
            (b"g".to_vec(), b"backend".to_vec()),
        ];
        assert_eq!(entries, expected);
        // a b c e f g: six distinct keys, two of them hidden.
        assert_eq!(steps, 6);
        assert_eq!(
            lookup(overlays.iter(), &backend, b"e").expect("lookup"),
            None
        );
        assert_eq!(
            lookup(overlays.iter(), &backend, b"c").expect("lookup"),
            Some(b"inner".to_vec())
        );
        assert_eq!(
            lookup(overlays[..1].iter(), &backend, b"c").expect("lookup"),
            None
        );
    }

    #[test]
    fn inverted_and_empty_ranges_scan_nothing() {
        let mut backend = MemoryStorage::new();
        backend.insert(b"b".to_vec(), b"x".to_vec());
        let mut overlay = Overlay::new();
        overlay.insert(b"b".to_vec(), None);
        let overlays = [overlay];
        type Bounds<'a> = (Bound<&'a [u8]>, Bound<&'a [u8]>);
        let bounds: [Bounds<'_>; 4] = [
            (Bound::Excluded(b"c"), Bound::Excluded(b"a")),
            (Bound::Included(b"c"), Bound::Included(b"a")),
            (Bound::Excluded(b"b"), Bound::Excluded(b"b")),
            (Bound::Included(b"b"), Bound::Excluded(b"b")),
        ];
        for (start, end) in bounds {
            assert!(is_empty_range(start, end));
            assert_eq!(backend.scan(start, end).count(), 0);
            let mut scan = MergedScan::new(&backend, overlays.iter(), start, end).expect("scan");
            assert!(matches!(scan.next_step(), Ok(Step::End)));
        }
        assert!(!is_empty_range(
            Bound::Included(b"b"),
            Bound::Included(b"b")
        ));
        assert!(!is_empty_range(Bound::Excluded(b"z"), Bound::Unbounded));
    }

    #[test]
    fn prefix_end_is_the_next_prefix() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(&[1, 0xff, 0xff]), Some(vec![2]));
        assert_eq!(prefix_end(&[0xff, 0xff]), None);
        assert_eq!(prefix_end(&[]), None);
    }
}
