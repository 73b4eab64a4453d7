//! [`RocksStore`]: a node's data directory, one RocksDB with column
//! families, laid out as Penumbra's `cnidarium` does for its `jmt`.
//!
//! | column family | key | value |
//! |---|---|---|
//! | `state` | state key ([`super::keys`]) | value: the flat latest state that execution reads |
//! | `jmt_nodes` | version (8, BE), path length (1), packed nibbles ([`node_db_key`]) | the node, [`super::node_codec`] |
//! | `jmt_preimages` | key hash (32) | state key |
//! | `jmt_stale` | stale-since version (8, BE) | borsh `Vec<NodeKey>`: the nodes that version replaced, to prune |
//! | `headers` | height (8, BE) | borsh [`Header`] |
//! | `blocks` | height (8, BE) | borsh raw transactions |
//! | `receipts` | height (8, BE), index (4, BE) | borsh [`TxRecord`] (receipt, write set, debug) |
//! | `meta` | `head`, `chain`, `layout` | borsh [`Head`], [`ChainRecord`], [`LAYOUT_VERSION`] (4, BE) |
//!
//! A block is one `WriteBatch` written with `sync`: state, tree nodes,
//! preimages, stale-node index, header, transactions, receipts and head
//! together, so a crash leaves block n-1 or block n, never a mix (the
//! anti-pattern is Cosmos SDK's separate store commits, cosmos-sdk#13477).
//!
//! The tree's upper levels stay decoded in memory across blocks
//! ([`TreeCache`], `RocksOptions::tree_cache_depth`): every block reads the
//! paths from the root to the keys it changes, and at 10^6 keys most of
//! those paths' nodes are in levels 0 to 5.
//!
//! The tree keeps no value history of its own (jmt's `get_value_option`
//! is answered from the flat state through the preimage), so proofs are
//! served at the head only; tree nodes that became stale more than
//! [`KEEP_VERSIONS`] blocks ago are deleted in the same batch.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasherDefault;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use borsh::BorshDeserialize;
use jmt::storage::{LeafNode, NibblePath, Node, NodeKey, TreeReader, TreeUpdateBatch};
use jmt::{KeyHash, OwnedValue, Sha256Jmt, Version};
use rocksdb::{
    BlockBasedOptions, Cache, ColumnFamily, ColumnFamilyDescriptor, DB, DBCompactionStyle,
    Direction, IteratorMode, Options, ReadOptions, WriteBatch, WriteOptions,
};

use super::node_codec::{decode_node, encode_node};
use super::tree::{StateProof, key_hash};
use super::{
    BlockCommit, ChainRecord, ChangeSet, Head, StateRead, StateScan, StateStore, StoreError,
    is_empty_range,
};
use crate::block::Header;
use crate::hash::Hash;
use crate::receipt::TxRecord;

/// Tree versions whose nodes are kept after they became stale: proofs and
/// reads of the last few roots stay possible while a block is prepared.
pub const KEEP_VERSIONS: u64 = 16;

const STATE: &str = "state";
const NODES: &str = "jmt_nodes";
const PREIMAGES: &str = "jmt_preimages";
const STALE: &str = "jmt_stale";
const HEADERS: &str = "headers";
const BLOCKS: &str = "blocks";
const RECEIPTS: &str = "receipts";
const META: &str = "meta";
const COLUMN_FAMILIES: [&str; 8] = [
    STATE, NODES, PREIMAGES, STALE, HEADERS, BLOCKS, RECEIPTS, META,
];
const HEAD_KEY: &[u8] = b"head";
const CHAIN_KEY: &[u8] = b"chain";
const LAYOUT_KEY: &[u8] = b"layout";

/// The version of this on-disk layout, recorded when a data directory is
/// created. A directory of another layout is refused
/// ([`StoreError::IncompatibleLayout`]) rather than misread: a node would
/// otherwise look for tree nodes under keys they were never written to.
///
/// 1: tree nodes keyed by borsh `NodeKey` (little-endian version; no
/// record of the layout). 2: tree nodes keyed by [`node_db_key`]. 3: tree
/// nodes in [`super::node_codec`]'s encoding instead of borsh.
pub const LAYOUT_VERSION: u32 = 3;

/// RocksDB tuning: a node's own choice, which must never change a root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RocksOptions {
    /// Block cache size in bytes (0: RocksDB's default).
    pub block_cache_bytes: usize,
    /// Universal instead of level compaction.
    pub universal_compaction: bool,
    /// Write buffer (memtable) size in bytes per column family (0:
    /// RocksDB's default, 64 MiB). All column families' memtables together
    /// are held to twice this size (RocksDB then flushes the largest).
    pub write_buffer_bytes: usize,
    /// Write buffer size in bytes of the column families written at
    /// random keys, the flat state and the key preimages (0: as
    /// `write_buffer_bytes`). Each block inserts about 3,000 keys into
    /// each at random places, and execution reads the state; in a memtable
    /// of a million entries (the genesis of 10^6 accounts and a few
    /// hundred blocks) every insert and every read walks a skip list of
    /// about 20 levels, each a cache miss. Small memtables flush often
    /// into tables that Bloom filters and the block cache serve instead.
    /// Measured over 400 blocks at 10^6 accounts (docs/performance.md,
    /// "The steady state"): 16 MiB gave 153.7-157.1 ms and 284-292 ms of
    /// CPU per block, 8 MiB 157.0 / 287, 32 MiB 160-164 / 301-312, 64 MiB
    /// 178 / 319, 256 MiB (the other families' size) 190-198 / 348-358.
    pub state_write_buffer_bytes: usize,
    /// Bits per key of each table file's Bloom filter (0: none). A point
    /// read (a tree node, an account) then skips the files that cannot
    /// hold its key instead of searching each one's index.
    pub bloom_filter_bits: u8,
    /// Tree levels kept decoded in memory across blocks ([`TreeCache`]):
    /// nodes whose path has at most this many nibbles (0: none; at most
    /// 15, deeper is read as 15). Level d
    /// holds up to 16^d nodes, of up to about 1 KiB each when internal.
    /// The default, 5, bounds the cache at about 1.1 million nodes (about
    /// 1.1 GiB once level 5 is all internal nodes, beyond about 10^7
    /// keys); at 10^6 keys, level 5 is mostly leaves and the node's peak
    /// memory was 229 MB higher than at depth 4, for a `prepare` 24%
    /// faster and 10% more transfers per second (docs/performance.md,
    /// 2026-12-07 late). Depth 4 bounds it at about 70,000 nodes (70 MiB).
    pub tree_cache_depth: u8,
    /// Compute a block's root with jmt's batch insertion (one pass over
    /// the sorted keys, each touched node built once) when the block only
    /// inserts and updates; key by key otherwise (and always when off).
    /// Both give the same tree: a node's own choice.
    pub batched_tree_updates: bool,
}

impl Default for RocksOptions {
    fn default() -> Self {
        RocksOptions {
            block_cache_bytes: 64 << 20,
            universal_compaction: false,
            // A tree node that a block replaces is deleted KEEP_VERSIONS
            // blocks later; a memtable that holds more blocks than that
            // (a block writes 2-5 MB at 10^4-10^6 keys) flushes the
            // deletion without the node, which is then never compacted.
            // Measured at 10^6 accounts (docs/performance.md): 9.5 MB
            // written to disk per block against 18.4 with 64 MiB.
            write_buffer_bytes: 256 << 20,
            state_write_buffer_bytes: 16 << 20,
            bloom_filter_bits: 10,
            tree_cache_depth: 5,
            batched_tree_updates: true,
        }
    }
}

/// The tree's nodes near the root, decoded, by path.
///
/// A node key (version, path) names one node forever: jmt writes a new key
/// for every changed node. So a cached node is returned only for its exact
/// key, and the cache can never answer differently from the database: it
/// changes no root, whatever its depth (a node's own condition). It holds
/// the newest committed node of each path it has seen: filled by reads and
/// by each commit's new nodes (never by `prepare`, whose nodes may never be
/// committed), and bounded by the number of paths of at most `depth`
/// nibbles; a path's older nodes are replaced, not kept.
///
/// Paths are keyed packed into a `u64` ([`packed_path`]), hashed by
/// [`PathHasher`]: with jmt's `NibblePath` as the key, every probe of a
/// table of a million paths compared heap-allocated byte vectors, and a
/// commit's insertions took 13% of the commit's CPU (docs/performance.md,
/// "The steady state"). Nothing iterates the table, so its order never
/// matters.
struct TreeCache {
    depth: usize,
    nodes: Mutex<HashMap<u64, (Version, Node), BuildHasherDefault<PathHasher>>>,
    /// Tree node reads answered from memory and from the database.
    hits: AtomicU64,
    misses: AtomicU64,
}

/// The deepest level [`TreeCache`] can hold: paths of up to 15 nibbles
/// pack into a `u64` with their length.
const MAX_CACHED_NIBBLES: usize = 15;

/// A path of at most [`MAX_CACHED_NIBBLES`] nibbles as one `u64`: its
/// nibbles from the high end, its length in the low four bits (so "1" and
/// "10" differ).
fn packed_path(path: &NibblePath) -> Option<u64> {
    let nibbles = path.num_nibbles();
    if nibbles > MAX_CACHED_NIBBLES {
        return None;
    }
    let mut packed = 0u64;
    for (index, nibble) in path.nibbles().enumerate() {
        packed |= u64::from(u8::from(nibble)) << (60 - 4 * index);
    }
    // At most 15: fits the low four bits, which no nibble reaches.
    Some(packed | nibbles as u64)
}

/// The hasher of [`TreeCache`]'s packed paths: SplitMix64's finaliser,
/// which spreads every input bit over the whole hash (hashbrown picks
/// buckets from the low bits, where a packed path keeps only its length
/// and its deepest nibbles). Keys are fixed paths, not chosen by anyone
/// per run, and a table of at most 16^depth of them.
#[derive(Default)]
struct PathHasher(u64);

impl std::hash::Hasher for PathHasher {
    fn finish(&self) -> u64 {
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used (the key is a u64); any other input
        // still hashes, byte by byte.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// How many tree-node reads the store has answered from memory and how
/// many from RocksDB, since it was opened (for measurements).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TreeReads {
    /// From the tree cache.
    pub cached: u64,
    /// From RocksDB.
    pub database: u64,
}

impl TreeCache {
    fn new(depth: u8) -> TreeCache {
        TreeCache {
            depth: usize::from(depth).min(MAX_CACHED_NIBBLES),
            nodes: Mutex::new(HashMap::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// `key`'s packed path when the cache covers it.
    fn slot(&self, key: &NodeKey) -> Option<u64> {
        if self.depth == 0 || key.nibble_path().num_nibbles() > self.depth {
            return None;
        }
        packed_path(key.nibble_path())
    }

    fn get(&self, key: &NodeKey) -> Option<Node> {
        let slot = self.slot(key)?;
        let nodes = self.nodes.lock().unwrap_or_else(|e| e.into_inner());
        match nodes.get(&slot) {
            Some((version, node)) if *version == key.version() => Some(node.clone()),
            _ => None,
        }
    }

    /// Remembers each node as its key's, unless a newer node of its path
    /// is known; one lock for all of them.
    fn insert<'a>(&self, nodes: impl IntoIterator<Item = (&'a NodeKey, &'a Node)>) {
        if self.depth == 0 {
            return;
        }
        let mut cached = self.nodes.lock().unwrap_or_else(|e| e.into_inner());
        for (key, node) in nodes {
            let Some(slot) = self.slot(key) else {
                continue;
            };
            match cached.entry(slot) {
                Entry::Occupied(mut entry) => {
                    if entry.get().0 < key.version() {
                        entry.insert((key.version(), node.clone()));
                    }
                }
                Entry::Vacant(entry) => {
                    entry.insert((key.version(), node.clone()));
                }
            }
        }
    }
}

/// A node's data directory.
pub struct RocksStore {
    db: DB,
    path: PathBuf,
    tree_cache: TreeCache,
    /// The tree update [`StateStore::stage`]d and not yet committed: its
    /// nodes are read from here until its commit has written them.
    staged: RwLock<Option<Arc<TreeUpdateBatch>>>,
    batched_tree_updates: bool,
}

fn db_error(error: rocksdb::Error) -> StoreError {
    StoreError::Database(error.into_string())
}

fn decode<T: BorshDeserialize>(bytes: &[u8], what: &str) -> Result<T, StoreError> {
    T::try_from_slice(bytes).map_err(|error| StoreError::Corrupt(format!("{what}: {error}")))
}

fn encode<T: borsh::BorshSerialize>(value: &T) -> Vec<u8> {
    borsh::to_vec(value).unwrap_or_default()
}

/// A column family's options: the database's, with the state and
/// preimage families' own write buffer size.
fn cf_options(name: &str, db_options: &Options, options: RocksOptions) -> Options {
    let mut cf = db_options.clone();
    if (name == STATE || name == PREIMAGES) && options.state_write_buffer_bytes > 0 {
        cf.set_write_buffer_size(options.state_write_buffer_bytes);
    }
    cf
}

/// RocksDB options for a node's own tuning; never create anything (a new
/// data directory is made by [`create_atomically`]).
fn db_options(options: RocksOptions) -> Options {
    let mut db_options = Options::default();
    db_options.create_if_missing(false);
    db_options.create_missing_column_families(false);
    db_options.set_paranoid_checks(true);
    if options.universal_compaction {
        db_options.set_compaction_style(DBCompactionStyle::Universal);
    }
    if options.write_buffer_bytes > 0 {
        db_options.set_write_buffer_size(options.write_buffer_bytes);
        db_options.set_db_write_buffer_size(options.write_buffer_bytes.saturating_mul(2));
    }
    let mut table = BlockBasedOptions::default();
    if options.block_cache_bytes > 0 {
        table.set_block_cache(&Cache::new_lru_cache(options.block_cache_bytes));
    }
    if options.bloom_filter_bits > 0 {
        // RocksDB's own parameter type; a node-local tuning, outside consensus.
        table.set_bloom_filter(f64::from(options.bloom_filter_bits), false);
    }
    db_options.set_block_based_table_factory(&table);
    db_options
}

/// Creates an empty database with every column family at `path`, all or
/// nothing: RocksDB creates a database in several steps (IDENTITY, LOCK,
/// MANIFEST, CURRENT, then one manifest record per column family), and a
/// process killed between them would leave a directory that no later open
/// can use. So the database is made in a sibling directory and renamed
/// into place, which replaces the empty or missing `path` in one step;
/// leftovers of an earlier, interrupted creation are removed first.
fn create_atomically(
    path: &Path,
    options: &Options,
    rocks: RocksOptions,
) -> Result<(), StoreError> {
    let io = |what: &str, error: std::io::Error| {
        StoreError::Database(format!("{what} {}: {error}", path.display()))
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "data".into());
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| io("cannot create the parent of", e))?;
    let staging = parent.join(format!(".{name}.creating"));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| io("cannot clear the staging copy of", e))?;
    }
    {
        let mut create = options.clone();
        create.create_if_missing(true);
        create.create_missing_column_families(true);
        let descriptors = COLUMN_FAMILIES
            .iter()
            .map(|cf| ColumnFamilyDescriptor::new(*cf, cf_options(cf, options, rocks)));
        let db = DB::open_cf_descriptors(&create, &staging, descriptors).map_err(db_error)?;
        let meta = db
            .cf_handle(META)
            .ok_or_else(|| StoreError::Corrupt(format!("column family {META} missing")))?;
        let mut write = WriteOptions::default();
        write.set_sync(true);
        db.put_cf_opt(meta, LAYOUT_KEY, LAYOUT_VERSION.to_be_bytes(), &write)
            .map_err(db_error)?;
        db.flush_wal(true).map_err(db_error)?;
    }
    if path.exists() {
        // Empty (checked by the caller); rename cannot replace it on every
        // platform, so remove it first.
        std::fs::remove_dir(path).map_err(|e| io("cannot replace the empty directory", e))?;
    }
    std::fs::rename(&staging, path).map_err(|e| io("cannot move the new database to", e))?;
    // Make the rename itself durable.
    if let Ok(dir) = std::fs::File::open(&parent) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// A tree node's key in `jmt_nodes`: the version that wrote it, big-endian,
/// then its path (the number of nibbles, then the nibbles two to a byte).
///
/// Version first, big-endian, so that each block's new nodes form one run
/// at the end of the key space: RocksDB's memtable appends them and its
/// compactions move whole files of them down instead of merging them into
/// the older ones. (borsh's `NodeKey` starts with the version in
/// little-endian order, which scattered every block's ~9,000 nodes over
/// the whole key space, and every compaction rewrote the tree.) The
/// stale-node index and pruning find nodes by the same key.
fn node_db_key(key: &NodeKey) -> Vec<u8> {
    let path = key.nibble_path();
    let nibbles = path.num_nibbles();
    let mut bytes = Vec::with_capacity(9 + nibbles.div_ceil(2));
    bytes.extend_from_slice(&key.version().to_be_bytes());
    // A path has at most 64 nibbles (a 32-byte key hash).
    bytes.push(u8::try_from(nibbles).unwrap_or(u8::MAX));
    let mut iter = path.nibbles();
    while let Some(high) = iter.next() {
        let low = iter.next().map_or(0, u8::from);
        bytes.push((u8::from(high) << 4) | low);
    }
    bytes
}

fn receipt_key(height: u64, index: u32) -> [u8; 12] {
    let mut key = [0u8; 12];
    key[..8].copy_from_slice(&height.to_be_bytes());
    key[8..].copy_from_slice(&index.to_be_bytes());
    key
}

impl RocksStore {
    /// Opens the data directory at `path`, creating it when it does not
    /// exist or is empty.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotADataDirectory`] for a non-empty directory that is
    /// not one; [`StoreError::Database`] when RocksDB refuses it (missing or
    /// corrupt files); [`StoreError::Corrupt`] when it opens but has a chain
    /// record without a head, or the reverse.
    pub fn open(path: &Path, options: RocksOptions) -> Result<RocksStore, StoreError> {
        let fresh = match std::fs::read_dir(path) {
            Ok(mut entries) => entries.next().is_none(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => true,
            Err(error) => {
                return Err(StoreError::Database(format!(
                    "cannot read {}: {error}",
                    path.display()
                )));
            }
        };
        if !fresh && !path.join("CURRENT").is_file() {
            return Err(StoreError::NotADataDirectory(path.display().to_string()));
        }
        let db_options = db_options(options);
        if fresh {
            create_atomically(path, &db_options, options)?;
        }
        let descriptors = COLUMN_FAMILIES
            .iter()
            .map(|name| ColumnFamilyDescriptor::new(*name, cf_options(name, &db_options, options)));
        let db = DB::open_cf_descriptors(&db_options, path, descriptors).map_err(db_error)?;
        let store = RocksStore {
            db,
            path: path.to_path_buf(),
            tree_cache: TreeCache::new(options.tree_cache_depth),
            staged: RwLock::new(None),
            batched_tree_updates: options.batched_tree_updates,
        };
        let layout = store
            .get_cf(META, LAYOUT_KEY)?
            .map(|bytes| <[u8; 4]>::try_from(bytes.as_slice()).map(u32::from_be_bytes));
        match layout {
            Some(Ok(LAYOUT_VERSION)) => {}
            Some(Ok(found)) => {
                return Err(StoreError::IncompatibleLayout {
                    found,
                    expected: LAYOUT_VERSION,
                });
            }
            // Layout 1 recorded nothing.
            None => {
                return Err(StoreError::IncompatibleLayout {
                    found: 1,
                    expected: LAYOUT_VERSION,
                });
            }
            Some(Err(_)) => return Err(StoreError::Corrupt("the layout record".into())),
        }
        match (store.chain()?, store.head()?) {
            (Some(_), Some(_)) | (None, None) => Ok(store),
            (Some(_), None) => Err(StoreError::Corrupt("the chain record has no head".into())),
            (None, Some(_)) => Err(StoreError::Corrupt("the head has no chain record".into())),
        }
    }

    /// [`StateStore::prepare`] with batch insertion on or off, whatever the
    /// store's option (benchmarks compare the two on the same block).
    ///
    /// # Errors
    ///
    /// [`StoreError::Tree`].
    pub fn prepare_with(
        &self,
        version: u64,
        changes: &ChangeSet,
        batched: bool,
    ) -> Result<(Hash, Arc<TreeUpdateBatch>), StoreError> {
        let tree = Sha256Jmt::new(self);
        let tree_error = |error: anyhow::Error| StoreError::Tree(error.to_string());
        // jmt's batch insertion takes no removals, and no empty set.
        let batched = batched && !changes.is_empty() && changes.values().all(Option::is_some);
        let (root, batch) = if batched {
            let inserts = changes
                .iter()
                .filter_map(|(key, value)| Some((key_hash(key), value.clone()?)))
                .collect();
            let (roots, batch) = tree
                .batch_put_value_sets(vec![inserts], None, version)
                .map_err(tree_error)?;
            let root = roots
                .first()
                .copied()
                .ok_or_else(|| StoreError::Tree("batch insertion gave no root".into()))?;
            (root, batch)
        } else {
            tree.put_value_set(
                changes
                    .iter()
                    .map(|(key, value)| (key_hash(key), value.clone())),
                version,
            )
            .map_err(tree_error)?
        };
        Ok((Hash(root.0), Arc::new(batch)))
    }

    /// Tree-node reads so far, from memory and from RocksDB.
    pub fn tree_reads(&self) -> TreeReads {
        TreeReads {
            cached: self.tree_cache.hits.load(Ordering::Relaxed),
            database: self.tree_cache.misses.load(Ordering::Relaxed),
        }
    }

    /// The data directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn cf(&self, name: &str) -> Result<&ColumnFamily, StoreError> {
        self.db
            .cf_handle(name)
            .ok_or_else(|| StoreError::Corrupt(format!("column family {name} missing")))
    }

    fn get_cf(&self, name: &str, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.db.get_cf(self.cf(name)?, key).map_err(db_error)
    }

    /// Deletes the tree nodes that became stale at or before `version`.
    ///
    /// One record per version lists the nodes it replaced (one write per
    /// block instead of one per replaced node: about 8,000 at 10^6 keys).
    fn prune(&self, batch: &mut WriteBatch, version: Version) -> Result<(), StoreError> {
        let stale = self.cf(STALE)?;
        let nodes = self.cf(NODES)?;
        let mut read = ReadOptions::default();
        read.set_iterate_upper_bound((version + 1).to_be_bytes().to_vec());
        for item in self.db.iterator_cf_opt(stale, read, IteratorMode::Start) {
            let (key, value) = item.map_err(db_error)?;
            if key.len() != 8 {
                return Err(StoreError::Corrupt("stale-node key".into()));
            }
            let node_keys: Vec<NodeKey> = decode(&value, "stale-node list")?;
            // A node key is written once (jmt never rewrites a key: the
            // version is in it) and listed stale once (jmt asserts it), so
            // RocksDB's `SingleDelete` applies: where it meets the node's
            // put, in a flush or a compaction, both vanish, instead of a
            // tombstone that every later compaction carries to the last
            // level. Most nodes are deleted 16 blocks after their put, in
            // the same 256 MiB memtable.
            for node_key in &node_keys {
                batch.single_delete_cf(nodes, node_db_key(node_key));
            }
            batch.delete_cf(stale, &key);
        }
        Ok(())
    }
}

impl StateRead for RocksStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.get_cf(STATE, key)
    }

    fn scan<'a>(&'a self, start: Bound<&[u8]>, end: Bound<&[u8]>) -> StateScan<'a> {
        if is_empty_range(start, end) {
            return Box::new(std::iter::empty());
        }
        let cf = match self.cf(STATE) {
            Ok(cf) => cf,
            Err(error) => return Box::new(std::iter::once(Err(error))),
        };
        let mut read = ReadOptions::default();
        match end {
            Bound::Excluded(end) => read.set_iterate_upper_bound(end.to_vec()),
            Bound::Included(end) => {
                // The smallest key above `end`: `end` followed by a zero.
                let mut bound = end.to_vec();
                bound.push(0);
                read.set_iterate_upper_bound(bound);
            }
            Bound::Unbounded => {}
        }
        let mode = match start {
            Bound::Included(start) | Bound::Excluded(start) => {
                IteratorMode::From(start, Direction::Forward)
            }
            Bound::Unbounded => IteratorMode::Start,
        };
        let excluded_start = match start {
            Bound::Excluded(start) => Some(start.to_vec()),
            _ => None,
        };
        Box::new(
            self.db
                .iterator_cf_opt(cf, read, mode)
                .filter(move |item| match (item, &excluded_start) {
                    (Ok((key, _)), Some(start)) => key.as_ref() != start.as_slice(),
                    _ => true,
                })
                .map(|item| {
                    item.map(|(k, v)| (k.into_vec(), v.into_vec()))
                        .map_err(db_error)
                }),
        )
    }
}

impl TreeReader for RocksStore {
    fn get_node_option(&self, node_key: &NodeKey) -> anyhow::Result<Option<Node>> {
        if let Some(staged) = self
            .staged
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            && let Some(node) = staged.node_batch.nodes().get(node_key)
        {
            return Ok(Some(node.clone()));
        }
        if let Some(node) = self.tree_cache.get(node_key) {
            self.tree_cache.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(Some(node));
        }
        self.tree_cache.misses.fetch_add(1, Ordering::Relaxed);
        match self.get_cf(NODES, &node_db_key(node_key))? {
            Some(bytes) => {
                let node =
                    decode_node(&bytes).map_err(|error| StoreError::Corrupt(error.to_string()))?;
                self.tree_cache.insert([(node_key, &node)]);
                Ok(Some(node))
            }
            None => Ok(None),
        }
    }

    fn get_value_option(
        &self,
        max_version: Version,
        key_hash: KeyHash,
    ) -> anyhow::Result<Option<OwnedValue>> {
        // Only the latest values are kept (the flat state): answer for the
        // head, refuse older versions rather than answer wrongly.
        let head = self.head()?.map_or(0, |head| head.height);
        if max_version < head {
            anyhow::bail!("value history is not kept: version {max_version} < head {head}");
        }
        match self.get_cf(PREIMAGES, &key_hash.0)? {
            Some(key) => Ok(self.get_cf(STATE, &key)?),
            None => Ok(None),
        }
    }

    fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(NodeKey, LeafNode)>> {
        // Only jmt's restore uses it; a node never restores a tree.
        anyhow::bail!("get_rightmost_leaf is not supported (tree restore is not used)")
    }
}

impl StateStore for RocksStore {
    type Prepared = Arc<TreeUpdateBatch>;

    fn prepare(
        &self,
        version: u64,
        changes: &ChangeSet,
    ) -> Result<(Hash, Arc<TreeUpdateBatch>), StoreError> {
        self.prepare_with(version, changes, self.batched_tree_updates)
    }

    fn stage(&self, prepared: &Arc<TreeUpdateBatch>) {
        *self.staged.write().unwrap_or_else(|e| e.into_inner()) = Some(prepared.clone());
    }

    fn commit(&self, block: &BlockCommit, tree: Arc<TreeUpdateBatch>) -> Result<(), StoreError> {
        let height = block.header.height;
        let mut batch = WriteBatch::default();
        let state = self.cf(STATE)?;
        let preimages = self.cf(PREIMAGES)?;
        // Each written key's preimage too, unless execution read the key
        // as present: then a block before this one stored it. (Looking
        // each key up here instead was measured no cheaper than writing
        // them all, docs/performance.md, 2026-12-07; execution's own reads
        // cost nothing more.) Every key in the tree keeps its preimage.
        for (key, value) in block.changes.iter() {
            match value {
                Some(value) => {
                    batch.put_cf(state, key, value);
                    if !block.preexisting.contains(key) {
                        batch.put_cf(preimages, key_hash(key).0, key);
                    }
                }
                None => batch.delete_cf(state, key),
            }
        }
        let nodes = self.cf(NODES)?;
        for (node_key, node) in tree.node_batch.nodes() {
            batch.put_cf(nodes, node_db_key(node_key), encode_node(node));
        }
        let stale = self.cf(STALE)?;
        let mut stale_lists: BTreeMap<Version, Vec<&NodeKey>> = BTreeMap::new();
        for index in &tree.stale_node_index_batch {
            stale_lists
                .entry(index.stale_since_version)
                .or_default()
                .push(&index.node_key);
        }
        for (since, node_keys) in &stale_lists {
            batch.put_cf(stale, since.to_be_bytes(), encode(node_keys));
        }
        if height > KEEP_VERSIONS {
            self.prune(&mut batch, height - KEEP_VERSIONS)?;
        }
        batch.put_cf(
            self.cf(HEADERS)?,
            height.to_be_bytes(),
            encode(&block.header),
        );
        batch.put_cf(self.cf(BLOCKS)?, height.to_be_bytes(), encode(&block.txs));
        let receipts = self.cf(RECEIPTS)?;
        for (index, record) in block.records.iter().enumerate() {
            let index = u32::try_from(index)
                .map_err(|_| StoreError::Corrupt("more than 2^32 receipts".into()))?;
            batch.put_cf(receipts, receipt_key(height, index), encode(record));
        }
        let meta = self.cf(META)?;
        if let Some(chain) = &block.chain {
            batch.put_cf(meta, CHAIN_KEY, encode(chain));
        }
        let head = Head {
            height,
            block_hash: block.header.hash(),
            state_root: block.header.state_root,
            timestamp: block.header.timestamp,
        };
        batch.put_cf(meta, HEAD_KEY, encode(&head));
        let mut write = WriteOptions::default();
        write.set_sync(true);
        self.db.write_opt(batch, &write).map_err(db_error)?;
        // Durable: the block's nodes may now be served from memory, and
        // from RocksDB when not staged.
        self.tree_cache.insert(tree.node_batch.nodes());
        let mut staged = self.staged.write().unwrap_or_else(|e| e.into_inner());
        if staged.as_ref().is_some_and(|s| Arc::ptr_eq(s, &tree)) {
            *staged = None;
        }
        Ok(())
    }

    fn head(&self) -> Result<Option<Head>, StoreError> {
        self.get_cf(META, HEAD_KEY)?
            .map(|bytes| decode(&bytes, "head"))
            .transpose()
    }

    fn chain(&self) -> Result<Option<ChainRecord>, StoreError> {
        self.get_cf(META, CHAIN_KEY)?
            .map(|bytes| decode(&bytes, "chain record"))
            .transpose()
    }

    fn header(&self, height: u64) -> Result<Option<Header>, StoreError> {
        self.get_cf(HEADERS, &height.to_be_bytes())?
            .map(|bytes| decode(&bytes, "header"))
            .transpose()
    }

    fn transactions(&self, height: u64) -> Result<Option<Vec<Vec<u8>>>, StoreError> {
        self.get_cf(BLOCKS, &height.to_be_bytes())?
            .map(|bytes| decode(&bytes, "block transactions"))
            .transpose()
    }

    fn records(&self, height: u64) -> Result<Vec<TxRecord>, StoreError> {
        let cf = self.cf(RECEIPTS)?;
        let mut read = ReadOptions::default();
        read.set_iterate_upper_bound((height + 1).to_be_bytes().to_vec());
        let start = receipt_key(height, 0);
        let mut records = Vec::new();
        for item in
            self.db
                .iterator_cf_opt(cf, read, IteratorMode::From(&start, Direction::Forward))
        {
            let (_, value) = item.map_err(db_error)?;
            records.push(decode(&value, "receipt")?);
        }
        Ok(records)
    }

    fn prove(&self, key: &[u8]) -> Result<StateProof, StoreError> {
        let head = self
            .head()?
            .ok_or_else(|| StoreError::Corrupt("no head to prove against".into()))?;
        let tree = Sha256Jmt::new(self);
        let (value, proof) = tree
            .get_with_proof(key_hash(key), head.height)
            .map_err(|error| StoreError::Tree(error.to_string()))?;
        Ok(StateProof {
            key: key.to_vec(),
            value,
            height: head.height,
            root: head.state_root,
            proof: encode(&proof),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// jmt names no public `Nibble` type; `NibblePath` collects the one
    /// type it is made of, which `u8` converts into.
    fn path(nibbles: &[u8]) -> NibblePath {
        nibbles.iter().map(|&n| n.into()).collect()
    }

    /// Every path of up to three nibbles packs to its own `u64` (lengths
    /// told apart: "", "0", "00" and "000" differ), and paths past 15
    /// nibbles are not packed.
    #[test]
    fn packed_paths_are_distinct() {
        let mut seen = std::collections::BTreeSet::new();
        let mut count = 0;
        for len in 0..=3usize {
            for value in 0..16u32.pow(len as u32) {
                let nibbles: Vec<u8> = (0..len)
                    .map(|i| ((value >> (4 * (len - 1 - i))) & 15) as u8)
                    .collect();
                assert!(seen.insert(packed_path(&path(&nibbles)).expect("packs")));
                count += 1;
            }
        }
        assert_eq!(seen.len(), count);
        assert_eq!(packed_path(&path(&[15; 15])), Some(u64::MAX));
        assert_eq!(packed_path(&path(&[0; 16])), None);
    }

    /// The cache answers only for the exact version it holds, keeps the
    /// newest node of a path, and covers no deeper than its depth.
    #[test]
    fn the_tree_cache_answers_exact_versions_only() {
        let cache = TreeCache::new(2);
        let leaf = |byte: u8| {
            Node::Leaf(LeafNode::new(
                KeyHash([byte; 32]),
                jmt::ValueHash([byte; 32]),
            ))
        };
        let at = |version: Version, nibbles: &[u8]| NodeKey::new(version, path(nibbles));
        cache.insert([(&at(3, &[1]), &leaf(3))]);
        cache.insert([(&at(2, &[1]), &leaf(2))]);
        cache.insert([(&at(4, &[1, 0, 0]), &leaf(4))]);
        assert_eq!(cache.get(&at(3, &[1])), Some(leaf(3)));
        assert_eq!(cache.get(&at(2, &[1])), None);
        assert_eq!(cache.get(&at(3, &[1, 0])), None);
        assert_eq!(cache.get(&at(4, &[1, 0, 0])), None);
        cache.insert([(&at(5, &[1]), &leaf(5))]);
        assert_eq!(cache.get(&at(5, &[1])), Some(leaf(5)));
        assert_eq!(cache.get(&at(3, &[1])), None);
        // Depth 0 holds nothing, the root included.
        let none = TreeCache::new(0);
        none.insert([(&at(1, &[]), &leaf(1))]);
        assert_eq!(none.get(&at(1, &[])), None);
        assert!(none.nodes.lock().expect("unpoisoned").is_empty());
    }
}
