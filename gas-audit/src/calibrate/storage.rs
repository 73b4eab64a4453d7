//! The storage host functions against the node simulator's real store:
//! RocksDB with the Jellyfish Merkle Tree (`gasworks_node_sim::state`),
//! through the chain's block execution and commit, as a node runs them.
//!
//! One chain (in a temporary data directory) serves every storage case: a
//! genesis with one funded wallet and one contract, then setup blocks that
//! fill key groups (20,000 keys of 32-byte values, 2,000 of 1 KiB and 2,000
//! of 8 KiB at full scale; a tenth of that when small, so the tree is a few
//! levels deep). A point is a block of [`TXS`] transactions, each calling
//! the contract to do `count` operations, executed *and committed* (the
//! state root, the synced write batch), against a block of the same
//! transactions doing none: the signature checks, the fees and the
//! block's fixed commit cancel, and what is left is the operations'
//! execution plus their share of the tree update and the write. Reads walk
//! keys not read before (a rotating window), writes of new keys use keys
//! never written, removals remove keys that exist.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use gasworks_host_api::host_entry;
use gasworks_node_sim::Address;
use gasworks_node_sim::block::{Genesis, GenesisContract};
use gasworks_node_sim::chain::{Chain, ChainOptions};
use gasworks_node_sim::generate::{
    BLOCK_GAS_LIMIT, CHAIN_ID, GAS_PRICE, GENESIS_TIME, INITIAL_BALANCE, Wallet,
};
use gasworks_node_sim::receipt::Status;
use gasworks_node_sim::state::{RocksOptions, RocksStore};
use gasworks_node_sim::tx::{Transaction, TxKind, genesis_contract_address};

use super::measure::{Probe, Scale};
use super::{Case, Group, Point};

/// Transactions per measured block.
pub const TXS: u32 = 4;

/// Key groups (the first four bytes of a key).
const READ_32: u32 = 1;
const READ_1K: u32 = 2;
const READ_8K: u32 = 3;
const REMOVE: u32 = 5;
const ABSENT: u32 = 50;
/// New keys: `NEW + value size`, never filled.
const NEW: u32 = 1_000_000;

/// Operations of the contract.
const OP_WRITE: u32 = 1;
const OP_READ: u32 = 2;
const OP_HAS: u32 = 3;
const OP_REMOVE: u32 = 4;
const OP_SCAN: u32 = 5;

/// The storage contract: input `op, group, n, count, start` (u32 LE);
/// keys are 8 bytes, `group` then `index` (u32 LE each), values `n` bytes
/// from address 131072. A scan (done `count` times) lists up to `n`
/// entries of `group` from its start.
const CONTRACT: &str = r#"(module
  (import "host" "input" (func $input (param i32 i32) (result i32)))
  (import "host" "storage_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "host" "storage_write" (func $write (param i32 i32 i32 i32)))
  (import "host" "storage_remove" (func $remove (param i32 i32)))
  (import "host" "storage_has" (func $has (param i32 i32) (result i32)))
  (import "host" "storage_scan" (func $scan (param i32 i32 i32 i32 i32 i32 i32) (result i64)))
  (memory 4)
  (func (export "execute") (local $op i32) (local $n i32) (local $count i32) (local $idx i32)
    (drop (call $input (i32.const 0) (i32.const 64)))
    (local.set $op (i32.load (i32.const 0)))
    (local.set $n (i32.load (i32.const 8)))
    (local.set $count (i32.load (i32.const 12)))
    (local.set $idx (i32.load (i32.const 16)))
    (i32.store (i32.const 64) (i32.load (i32.const 4)))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $count)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (i32.store (i32.const 68) (local.get $idx))
        (local.set $idx (i32.add (local.get $idx) (i32.const 1)))
        (if (i32.eq (local.get $op) (i32.const 1))
          (then (call $write (i32.const 64) (i32.const 8) (i32.const 131072) (local.get $n))))
        (if (i32.eq (local.get $op) (i32.const 2))
          (then (drop (call $read (i32.const 64) (i32.const 8) (i32.const 131072) (i32.const 65536)))))
        (if (i32.eq (local.get $op) (i32.const 3))
          (then (drop (call $has (i32.const 64) (i32.const 8)))))
        (if (i32.eq (local.get $op) (i32.const 4))
          (then (call $remove (i32.const 64) (i32.const 8))))
        (if (i32.eq (local.get $op) (i32.const 5))
          (then (drop (call $scan (i32.const 64) (i32.const 4) (i32.const 0) (i32.const 0)
            (local.get $n) (i32.const 65536) (i32.const 196608)))))
        (br $l)))))"#;

/// A temporary data directory, removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The chain the storage cases share.
pub struct Bench {
    chain: Chain<RocksStore>,
    wallet: Wallet,
    contract: Address,
    nonce: u64,
    timestamp: u64,
    /// Keys per read group (32 B, 1 KiB, 8 KiB) and in the removal group.
    filled: [u32; 4],
    /// Next index of the removal group and of each new-key group.
    next_remove: u32,
    next_new: u32,
    /// Rotating start of the reads.
    next_read: u32,
    _scratch: Scratch,
}

impl Bench {
    fn open(scale: Scale) -> Result<Bench, String> {
        let path = std::env::temp_dir().join(format!(
            "gasworks-calibrate-store-{}-{:?}",
            std::process::id(),
            scale
        ));
        let _ = std::fs::remove_dir_all(&path);
        let scratch = Scratch(path.clone());
        let wallet = Wallet::derive(0xca11_b2a7e, 0);
        let code = wat::parse_str(CONTRACT).map_err(|e| format!("contract: {e}"))?;
        let genesis = Genesis {
            chain_id: CHAIN_ID,
            timestamp: GENESIS_TIME,
            gas_price: GAS_PRICE,
            block_gas_limit: BLOCK_GAS_LIMIT,
            accounts: vec![(wallet.address, INITIAL_BALANCE)],
            contracts: vec![GenesisContract {
                deployer: wallet.address,
                code,
                init: Vec::new(),
            }],
        };
        let store = RocksStore::open(&path, RocksOptions::default()).map_err(|e| e.to_string())?;
        let chain =
            Chain::open(store, &genesis, ChainOptions::default()).map_err(|e| e.to_string())?;
        let small = scale.is_small();
        let filled = if small {
            [2_000, 200, 200, 6_000]
        } else {
            [20_000, 2_000, 2_000, 20_000]
        };
        let mut bench = Bench {
            chain,
            wallet,
            contract: genesis_contract_address(0),
            nonce: 0,
            timestamp: GENESIS_TIME,
            filled,
            next_remove: 0,
            next_new: 0,
            next_read: 0,
            _scratch: scratch,
        };
        for (group, size, keys) in [
            (READ_32, 32, filled[0]),
            (READ_1K, 1_024, filled[1]),
            (READ_8K, 8_192, filled[2]),
            (REMOVE, 32, filled[3]),
        ] {
            let per_tx = (200_000_000 / (20_000 + 50 * (8 + size))).max(1);
            let mut start = 0;
            while start < keys {
                let count = per_tx.min(keys - start);
                let txs = (0..1)
                    .map(|_| bench.sign(&[OP_WRITE, group, size, count, start]))
                    .collect::<Result<Vec<_>, _>>()?;
                bench.block(txs)?;
                start += count;
            }
        }
        Ok(bench)
    }

    fn sign(&mut self, input: &[u32]) -> Result<Vec<u8>, String> {
        let input: Vec<u8> = input.iter().flat_map(|v| v.to_le_bytes()).collect();
        let tx = Transaction {
            chain_id: CHAIN_ID,
            sender: self.wallet.public,
            nonce: self.nonce,
            gas_limit: 2_000_000_000,
            gas_price: GAS_PRICE,
            kind: TxKind::Call {
                contract: self.contract,
                input,
            },
        }
        .sign(&self.wallet.secret)
        .map_err(|e| format!("signing: {e:?}"))?;
        self.nonce += 1;
        Ok(tx.encode())
    }

    /// Executes and commits a block; its gas, every transaction successful.
    fn block(&mut self, txs: Vec<Vec<u8>>) -> Result<u64, String> {
        self.timestamp += 1;
        let executed = self
            .chain
            .execute_block(self.timestamp, txs)
            .map_err(|e| e.to_string())?;
        let mut gas = 0;
        for record in &executed.records {
            if record.receipt.status != Status::Success {
                return Err(format!(
                    "a storage transaction ended {:?}",
                    record.receipt.status
                ));
            }
            gas += record.receipt.gas_used;
        }
        self.chain.commit(executed).map_err(|e| e.to_string())?;
        Ok(gas)
    }
}

thread_local! {
    static BENCH: RefCell<Option<(Scale, Rc<RefCell<Bench>>)>> = const { RefCell::new(None) };
}

/// The shared chain at `scale` (built on first use).
fn bench(scale: Scale) -> Result<Rc<RefCell<Bench>>, String> {
    BENCH.with(|cell| {
        let mut cell = cell.borrow_mut();
        if let Some((s, bench)) = cell.as_ref()
            && *s == scale
        {
            return Ok(bench.clone());
        }
        *cell = None;
        let bench = Rc::new(RefCell::new(Bench::open(scale)?));
        *cell = Some((scale, bench.clone()));
        Ok(bench)
    })
}

/// Drops the shared chain and its data directory.
pub fn release() {
    BENCH.with(|cell| *cell.borrow_mut() = None);
}

/// What a block's transactions do.
#[derive(Debug, Clone, Copy)]
enum Work {
    /// Read `count` keys of a filled group (values of `n` bytes).
    Read { group: u32, n: u32 },
    /// Look up absent keys.
    Miss,
    /// `storage_has` on filled keys.
    Has,
    /// Write new keys with `n`-byte values.
    WriteNew { n: u32 },
    /// Overwrite filled 32-byte keys.
    Overwrite,
    /// Remove filled keys.
    Remove,
    /// Scans of up to `n` entries.
    Scan { n: u32 },
}

/// A block of [`TXS`] transactions doing `work` `count` times each
/// (`count = 0`: the baseline).
struct BlockProbe {
    bench: Rc<RefCell<Bench>>,
    work: Work,
    count: u32,
    txs: Vec<Vec<u8>>,
}

impl Probe for BlockProbe {
    fn prepare(&mut self) -> Result<(), String> {
        let mut bench = self.bench.borrow_mut();
        let count = self.count;
        let mut txs = Vec::new();
        for _ in 0..TXS {
            let window = |bench: &mut Bench, filled: u32| {
                let start = bench.next_read % filled.saturating_sub(count).max(1);
                bench.next_read = bench.next_read.wrapping_add(count.max(1) * 7 + 13);
                start
            };
            let input = match self.work {
                Work::Read { group, n } => {
                    let filled = bench.filled[(group - 1) as usize];
                    let start = window(&mut bench, filled);
                    [OP_READ, group, n, count, start]
                }
                Work::Miss => [OP_READ, ABSENT, 0, count, 0],
                Work::Has => {
                    let filled = bench.filled[0];
                    let start = window(&mut bench, filled);
                    [OP_HAS, READ_32, 0, count, start]
                }
                Work::WriteNew { n } => {
                    let start = bench.next_new;
                    bench.next_new += count;
                    [OP_WRITE, NEW + n, n, count, start]
                }
                Work::Overwrite => {
                    let filled = bench.filled[0];
                    let start = window(&mut bench, filled);
                    [OP_WRITE, READ_32, 32, count, start]
                }
                Work::Remove => {
                    let start = bench.next_remove;
                    bench.next_remove += count;
                    if bench.next_remove > bench.filled[3] {
                        return Err("the removal group is used up".into());
                    }
                    [OP_REMOVE, REMOVE, 0, count, start]
                }
                Work::Scan { n } => [OP_SCAN, READ_32, n, count, 0],
            };
            txs.push(bench.sign(&input)?);
        }
        self.txs = txs;
        Ok(())
    }

    fn run(&mut self) -> Result<u64, String> {
        let txs = std::mem::take(&mut self.txs);
        self.bench.borrow_mut().block(txs)
    }
}

fn price(name: &str) -> String {
    host_entry(name).map_or("not in the manifest".into(), |e| {
        let c = e.cost;
        let mut text = c.base.to_string();
        if c.per_byte > 0 {
            text += &format!(" + {}/byte", c.per_byte);
        }
        if c.per_item > 0 {
            text += &format!(" + {}/item", c.per_item);
        }
        text
    })
}

/// Gas of one operation by the manifest (to size the blocks).
fn op_gas(work: Work) -> u64 {
    let cost = |name| host_entry(name).map_or(gasworks_host_api::Cost::FREE, |e| e.cost);
    let key = 8;
    match work {
        Work::Read { n, .. } => cost("storage_read").total(key + u64::from(n), 0),
        Work::Miss => cost("storage_read").total(key, 0),
        Work::Has => cost("storage_has").total(key, 0),
        Work::WriteNew { n } => cost("storage_write").total(key + u64::from(n), 0),
        Work::Overwrite => cost("storage_write").total(key + 32, 0),
        Work::Remove => cost("storage_remove").total(key, 0),
        Work::Scan { n } => cost("storage_scan").total(u64::from(n) * 48, u64::from(n) + 1),
    }
}

fn storage_case(
    name: &str,
    variant: &str,
    about: &str,
    unit: &'static str,
    points: fn(Scale) -> Vec<(u32, Work)>,
) -> Case {
    Case {
        id: format!("host.{name}.{variant}"),
        group: Group::Storage,
        about: about.to_string(),
        price: price(name),
        unit,
        build: Box::new(move |scale| {
            let bench = bench(scale)?;
            Ok(points(scale)
                .into_iter()
                .map(|(size, work)| {
                    // Blocks of five times the target: the block's fixed
                    // costs (a synced write) vary by more than a small
                    // block's operations take.
                    let per_block = scale.target_gas() * 5 / op_gas(work).max(1);
                    // Removals use up their group: at most 250 per transaction.
                    let most = if matches!(work, Work::Remove) {
                        250
                    } else {
                        5_000
                    };
                    let count = (per_block / u64::from(TXS)).clamp(1, most) as u32;
                    let ops = count * TXS;
                    let probe = |count| -> Box<dyn Probe> {
                        Box::new(BlockProbe {
                            bench: bench.clone(),
                            work,
                            count,
                            txs: Vec::new(),
                        })
                    };
                    Point {
                        size: u64::from(size),
                        ops: u64::from(ops),
                        work: probe(count),
                        base: Some(probe(0)),
                    }
                })
                .collect())
        }),
    }
}

fn read_points(scale: Scale) -> Vec<(u32, Work)> {
    let mut points = vec![
        (
            32,
            Work::Read {
                group: READ_32,
                n: 32,
            },
        ),
        (
            8_192,
            Work::Read {
                group: READ_8K,
                n: 8_192,
            },
        ),
    ];
    if !scale.is_small() {
        points.insert(
            1,
            (
                1_024,
                Work::Read {
                    group: READ_1K,
                    n: 1_024,
                },
            ),
        );
    }
    points
}

fn write_points(scale: Scale) -> Vec<(u32, Work)> {
    let sizes: &[u32] = if scale.is_small() {
        &[32, 8_192]
    } else {
        &[32, 1_024, 8_192]
    };
    sizes.iter().map(|&n| (n, Work::WriteNew { n })).collect()
}

fn scan_points(scale: Scale) -> Vec<(u32, Work)> {
    let sizes: &[u32] = if scale.is_small() {
        &[1, 1_000]
    } else {
        &[1, 64, 1_000, 3_000]
    };
    sizes.iter().map(|&n| (n, Work::Scan { n })).collect()
}

/// One case per storage function (and variant).
pub fn cases() -> Vec<Case> {
    vec![
        storage_case(
            "storage_read",
            "hit",
            "reads of stored values of n bytes, keys not read before",
            "bytes",
            read_points,
        ),
        storage_case("storage_read", "miss", "reads of absent keys", "", |_| {
            vec![(0, Work::Miss)]
        }),
        storage_case("storage_has", "hit", "lookups of stored keys", "", |_| {
            vec![(0, Work::Has)]
        }),
        storage_case(
            "storage_write",
            "new",
            "writes of new keys with n-byte values, committed",
            "bytes",
            write_points,
        ),
        storage_case(
            "storage_write",
            "overwrite",
            "overwrites of stored 32-byte values, committed",
            "",
            |_| vec![(32, Work::Overwrite)],
        ),
        storage_case(
            "storage_remove",
            "hit",
            "removals of stored keys, committed",
            "",
            |_| vec![(0, Work::Remove)],
        ),
        storage_case(
            "storage_scan",
            "entries",
            "scans of up to n entries (32-byte values)",
            "entries",
            scan_points,
        ),
    ]
}
