//! Typed storage: single values ([`Item`]) and maps with ordered iteration
//! ([`Map`]), over the host's key-value store.
//!
//! Each contract has its own key space (the host puts the contract's
//! address in front of every key). An [`Item`] lives at a fixed key; a
//! [`Map`] puts its prefix in front of each key's [`StorageKey`] encoding,
//! which sorts like the keys, so [`Map::iter`] walks the entries in key
//! order. Values are borsh. Give each item and map its own key or prefix,
//! none a prefix of another (one byte each is enough: `b"c"`, `b"b"`,
//! `b"a"`), since the store cannot tell them apart otherwise.
//!
//! Prices (`docs/host-api.md`): a read costs 10,000 gas plus 5 per byte of
//! key and value, a write 20,000 plus 50 per byte of key and value, a
//! removal 20,000 plus 5 per key byte; a scan 10,000 plus 1,000 per entry
//! stepped over plus 5 per byte. Read a value once per call and keep it in a
//! local rather than reading it again.
//!
//! Keys are 1 to 256 bytes and values at most 64 KiB; the host traps
//! beyond (`key_length`, `value_too_large`). A value that does not decode
//! as its type panics (it was written by another type under the same key).

mod key;

use alloc::vec::Vec;
use core::marker::PhantomData;

use borsh::{BorshDeserialize, BorshSerialize};

pub use key::StorageKey;

use crate::sys;

/// Value sizes read in one host call; a longer value takes a second read
/// (and pays the lookup twice).
const VALUE_GUESS: usize = 256;

/// Reads the raw value under `key`.
pub fn read(key: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    (sys::storage_read(key, &mut out, VALUE_GUESS) >= 0).then_some(out)
}

/// Writes a raw value under `key`.
pub fn write(key: &[u8], value: &[u8]) {
    sys::storage_write(key, value);
}

/// Removes `key`'s value (no error when it has none).
pub fn remove(key: &[u8]) {
    sys::storage_remove(key);
}

/// Whether `key` has a value.
pub fn has(key: &[u8]) -> bool {
    sys::storage_has(key)
}

/// Encodes a value with borsh.
fn encode<T: BorshSerialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec does not fail.
    let _ = value.serialize(&mut out);
    out
}

/// Decodes a stored value; panics when the bytes are not one `T`.
#[track_caller]
fn decode<T: BorshDeserialize>(bytes: &[u8]) -> T {
    match T::try_from_slice(bytes) {
        Ok(value) => value,
        // Kept short: the location says which read, and a longer message
        // (the key, the type's name) costs code size in every contract.
        Err(_) => panic!("a stored value does not decode"),
    }
}

/// A single value of type `T` stored under a fixed key.
///
/// ```ignore
/// const OWNER: Item<Address> = Item::new(b"o");
/// OWNER.set(&env::caller());
/// ```
pub struct Item<T> {
    key: &'static [u8],
    value: PhantomData<fn() -> T>,
}

impl<T: BorshSerialize + BorshDeserialize> Item<T> {
    /// The item stored under `key` (1 to 256 bytes).
    pub const fn new(key: &'static [u8]) -> Item<T> {
        Item {
            key,
            value: PhantomData,
        }
    }

    /// Its key.
    pub const fn key(&self) -> &'static [u8] {
        self.key
    }

    /// The value, or `None` when none is stored.
    ///
    /// # Panics
    ///
    /// When the stored bytes do not decode as a `T`.
    #[track_caller]
    pub fn get(&self) -> Option<T> {
        // Not `map`: a closure would not pass on the caller's location.
        #[allow(clippy::manual_map)]
        match read(self.key) {
            Some(bytes) => Some(decode(&bytes)),
            None => None,
        }
    }

    /// The value, or `T::default()` when none is stored.
    ///
    /// # Panics
    ///
    /// As [`Item::get`].
    #[track_caller]
    pub fn get_or_default(&self) -> T
    where
        T: Default,
    {
        self.get().unwrap_or_default()
    }

    /// Stores `value`.
    pub fn set(&self, value: &T) {
        write(self.key, &encode(value));
    }

    /// Removes the value.
    pub fn remove(&self) {
        remove(self.key);
    }

    /// Whether a value is stored (one lookup, without reading it).
    pub fn exists(&self) -> bool {
        has(self.key)
    }
}

/// A map from `K` to `V`: each entry under the key `prefix ++ K`'s
/// [`StorageKey`] encoding, so that [`Map::iter`] walks the entries in the
/// order of their keys.
///
/// ```ignore
/// const BALANCES: Map<Address, u128> = Map::new(b"b");
/// let balance = BALANCES.get(&owner).unwrap_or(0);
/// ```
pub struct Map<K, V> {
    prefix: &'static [u8],
    entries: PhantomData<fn() -> (K, V)>,
}

impl<K: StorageKey, V: BorshSerialize + BorshDeserialize> Map<K, V> {
    /// The map whose keys start with `prefix`.
    pub const fn new(prefix: &'static [u8]) -> Map<K, V> {
        Map {
            prefix,
            entries: PhantomData,
        }
    }

    /// Its prefix.
    pub const fn prefix(&self) -> &'static [u8] {
        self.prefix
    }

    /// The storage key of `key`'s entry (for tests and raw access).
    pub fn key(&self, key: &K) -> Vec<u8> {
        let mut out = Vec::from(self.prefix);
        key.encode_key(&mut out, true);
        out
    }

    /// The value under `key`, or `None`.
    ///
    /// # Panics
    ///
    /// When the stored bytes do not decode as a `V`.
    #[track_caller]
    pub fn get(&self, key: &K) -> Option<V> {
        // Not `map`: a closure would not pass on the caller's location.
        #[allow(clippy::manual_map)]
        match read(&self.key(key)) {
            Some(bytes) => Some(decode(&bytes)),
            None => None,
        }
    }

    /// Stores `value` under `key`.
    pub fn set(&self, key: &K, value: &V) {
        write(&self.key(key), &encode(value));
    }

    /// Removes `key`'s entry.
    pub fn remove(&self, key: &K) {
        remove(&self.key(key));
    }

    /// Whether `key` has an entry (one lookup, without reading it).
    pub fn contains(&self, key: &K) -> bool {
        has(&self.key(key))
    }

    /// The entries in ascending key order.
    pub fn iter(&self) -> Iter<K, V> {
        Iter::new(self.prefix, None)
    }

    /// The entries whose keys come after `after` (exclusive), in ascending
    /// order: to continue a listing from its last key.
    pub fn iter_after(&self, after: &K) -> Iter<K, V> {
        Iter::new(self.prefix, Some(self.key(after)))
    }
}

/// Entries fetched per scan (each scan costs a seek, 10,000 gas, plus
/// 1,000 per entry).
const SCAN_BATCH: u32 = 16;
/// Output buffer of a scan; an entry larger than this is fetched alone
/// with a buffer of its size.
const SCAN_BUFFER: usize = 1024;

/// An iterator over a [`Map`]'s entries in key order, fetching them in
/// batches with the host's `storage_scan`.
///
/// # Panics
///
/// [`Iterator::next`] panics when a stored key or value does not decode
/// (an entry written under the map's prefix by something else).
pub struct Iter<K, V> {
    prefix: &'static [u8],
    /// The last key returned (the scan's continuation), prefix included.
    after: Vec<u8>,
    batch: Vec<u8>,
    /// Read position in `batch`, and entries left in it.
    position: usize,
    left: u32,
    /// Size of the entry after the batch (0: none).
    next_size: u32,
    started: bool,
    entries: PhantomData<fn() -> (K, V)>,
}

impl<K: StorageKey, V: BorshDeserialize> Iter<K, V> {
    fn new(prefix: &'static [u8], after: Option<Vec<u8>>) -> Iter<K, V> {
        Iter {
            prefix,
            after: after.unwrap_or_default(),
            batch: Vec::new(),
            position: 0,
            left: 0,
            next_size: 0,
            started: false,
            entries: PhantomData,
        }
    }

    fn fetch(&mut self) {
        let cap = SCAN_BUFFER.max(self.next_size as usize);
        let (written, next) =
            sys::storage_scan(self.prefix, &self.after, SCAN_BATCH, &mut self.batch, cap);
        self.position = 0;
        self.left = written;
        self.next_size = next;
        self.started = true;
    }

    fn take_field(&mut self) -> &[u8] {
        let at = self.position;
        let mut word = [0u8; 4];
        word.copy_from_slice(&self.batch[at..at + 4]);
        let len = u32::from_le_bytes(word) as usize;
        self.position = at + 4 + len;
        &self.batch[at + 4..at + 4 + len]
    }
}

impl<K: StorageKey, V: BorshDeserialize> Iterator for Iter<K, V> {
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        if self.left == 0 {
            if self.started && self.next_size == 0 {
                return None;
            }
            self.fetch();
            if self.left == 0 && self.next_size > 0 {
                // The next entry did not fit the buffer: fetch it alone,
                // with a buffer of its size.
                self.fetch();
            }
            if self.left == 0 {
                return None;
            }
        }
        self.left -= 1;
        let full_key = self.take_field().to_vec();
        let value = self.take_field();
        let value = decode(value);
        let key = match full_key
            .strip_prefix(self.prefix)
            .and_then(|k| K::from_key(k))
        {
            Some(key) => key,
            None => panic!("a stored key does not decode"),
        };
        self.after = full_key;
        Some((key, value))
    }
}
