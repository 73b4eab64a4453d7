//! Replay: one chain file on N nodes under different conditions, every
//! block's roots compared across nodes and with the header, and, on a
//! disagreement, the divergence finder and a repro bundle.
//!
//! Conditions, by node index (N nodes take the first N):
//! 0. `cold-cache`: compiles every contract again for every block, checks
//!    signatures on the calling thread;
//! 1. `warm-cache+tracing`: keeps compiled contracts, a tracing subscriber
//!    records every span and event, two signature threads;
//! 2. `killed+restarted`: a separate `gasworks node` process, killed with
//!    SIGKILL mid-chain and restarted from its data directory;
//! 3. `rocks-tuned`: a small block cache, universal compaction, a small
//!    write buffer, no tree cache, key-by-key tree updates, four
//!    signature threads;
//! 4. and later: `warm-cache/threads=k`, further warm nodes with k
//!    signature threads.
//!
//! In-process nodes run on their own threads at once. After all are done
//! each node's stored headers are compared block by block with the chain's.
//! A node whose computed header differs stops at that block (nothing of it
//! committed), so its store is exactly the block's pre-state: the finder
//! re-executes the block there with read recording on, compares its
//! records with a node that committed the block, and writes the bundle.

pub mod bundle;
pub mod divergence;

use std::io::{BufRead, BufReader, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::chain::{ChainError, ChainOptions};
use crate::chainfile::ChainReader;
use crate::exec::{ExecOptions, Fault};
use crate::hash::Hash;
use crate::node::{Node, NodeError, NodeOptions, SyncObserver};
use crate::state::keys;
use crate::state::{RocksOptions, RocksStore, StateRead, StateStore};
use gasworks_vm::profile::Profile;

pub use bundle::{Bundle, BundleContext, BundleRun};
pub use divergence::{Divergence, KeyDivergence, RecordDifference, compare_records};

/// How a node runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// In this process, with these options.
    InProcess(NodeOptionsSpec),
    /// A separate process, killed with SIGKILL after this many committed
    /// blocks and restarted.
    KilledProcess {
        /// Blocks committed before the kill.
        kill_after: u64,
    },
}

/// The options of an in-process node (what [`NodeOptions`] holds, minus
/// the fault, plus tracing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeOptionsSpec {
    /// Keep compiled contracts between blocks.
    pub warm_cache: bool,
    /// Install a tracing subscriber on the node's thread.
    pub tracing: bool,
    /// Signature threads.
    pub verify_threads: usize,
    /// RocksDB tuning.
    pub rocks: RocksOptions,
    /// Profile every transaction's gas (the report's
    /// [`ReplayReport::profiles`] come from the first node that does).
    pub profile: bool,
}

/// One node of a replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    /// Its name in reports.
    pub name: String,
    /// How it runs.
    pub condition: Condition,
    /// A deliberate fault (tests of the finder only).
    pub fault: Option<Fault>,
}

/// The standard conditions for `nodes` nodes over a chain of `blocks`.
pub fn standard_nodes(nodes: usize, blocks: u64) -> Vec<NodeSpec> {
    (0..nodes)
        .map(|index| {
            let (name, condition) = match index {
                0 => (
                    "cold-cache".to_string(),
                    Condition::InProcess(NodeOptionsSpec {
                        warm_cache: false,
                        tracing: false,
                        verify_threads: 1,
                        rocks: RocksOptions::default(),
                        profile: false,
                    }),
                ),
                1 => (
                    "warm-cache+tracing".to_string(),
                    Condition::InProcess(NodeOptionsSpec {
                        warm_cache: true,
                        tracing: true,
                        verify_threads: 2,
                        rocks: RocksOptions::default(),
                        profile: false,
                    }),
                ),
                2 => (
                    "killed+restarted".to_string(),
                    Condition::KilledProcess {
                        kill_after: (blocks / 2).max(1),
                    },
                ),
                3 => (
                    "rocks-tuned".to_string(),
                    Condition::InProcess(NodeOptionsSpec {
                        warm_cache: true,
                        tracing: false,
                        verify_threads: 4,
                        rocks: RocksOptions {
                            block_cache_bytes: 1 << 20,
                            universal_compaction: true,
                            write_buffer_bytes: 1 << 20,
                            state_write_buffer_bytes: 512 << 10,
                            bloom_filter_bits: 0,
                            tree_cache_depth: 0,
                            batched_tree_updates: false,
                        },
                        profile: false,
                    }),
                ),
                k => (
                    format!("warm-cache/threads={}", k - 2),
                    Condition::InProcess(NodeOptionsSpec {
                        warm_cache: true,
                        tracing: false,
                        verify_threads: k - 2,
                        rocks: RocksOptions::default(),
                        profile: false,
                    }),
                ),
            };
            NodeSpec {
                name,
                condition,
                fault: None,
            }
        })
        .collect()
}

/// What a replay is asked to do.
#[derive(Debug, Clone)]
pub struct ReplayConfig {
    /// The chain file.
    pub chain: PathBuf,
    /// A directory for the nodes' data directories (one subdirectory each,
    /// emptied first) and the bundle.
    pub work_dir: PathBuf,
    /// The nodes.
    pub nodes: Vec<NodeSpec>,
    /// The `gasworks` binary, for nodes in their own process.
    pub exe: PathBuf,
    /// Report progress: a bar on a terminal, plain lines otherwise.
    pub progress: bool,
}

/// One node's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeReport {
    /// Its name.
    pub name: String,
    /// Its data directory.
    pub data_dir: PathBuf,
    /// Its head at the end.
    pub height: u64,
    /// Its state root at the end.
    pub state_root: Hash,
    /// Why it stopped early, if it did.
    pub error: Option<String>,
    /// Times it was killed and restarted.
    pub restarts: u32,
    /// Its committed height when it was killed, per kill.
    pub killed_at: Vec<u64>,
    /// Wall time of its run (node-local, not consensus).
    pub elapsed: Duration,
}

/// Per-block agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockAgreement {
    /// Height.
    pub height: u64,
    /// Transactions in the block.
    pub transactions: u64,
    /// Whether every node committed it with the header's roots.
    pub agree: bool,
}

/// What a replay found.
#[derive(Debug, Clone)]
pub struct ReplayReport {
    /// Blocks in the chain.
    pub blocks: u64,
    /// Transactions in the chain.
    pub transactions: u64,
    /// The nodes.
    pub nodes: Vec<NodeReport>,
    /// Block by block.
    pub per_block: Vec<BlockAgreement>,
    /// Whether every node agrees with every header.
    pub agree: bool,
    /// The last header's state root.
    pub state_root: Hash,
    /// The first divergence, when there is one.
    pub divergence: Option<Divergence>,
    /// The repro bundle written for it.
    pub bundle: Option<PathBuf>,
    /// Gas profiles block by block, from the first node that profiled
    /// ([`NodeOptionsSpec::profile`]); empty when none did.
    pub profiles: Vec<BlockProfile>,
}

/// The gas profiles of one block's transactions.
#[derive(Debug, Clone)]
pub struct BlockProfile {
    /// Height.
    pub height: u64,
    /// One profile per transaction, in order (empty for a rejected one).
    pub transactions: Vec<Profile>,
}

impl BlockProfile {
    /// The block's profile: every transaction's, each under a scope named
    /// `tx N`.
    pub fn block(&self) -> Profile {
        let mut block = Profile::default();
        for (index, profile) in self.transactions.iter().enumerate() {
            block.merge(&profile.nested_in(&format!("tx {index}")));
        }
        block
    }
}

/// Collects the profiles of each block a node executes.
struct CollectProfiles<'a, F> {
    profiles: &'a mut Vec<BlockProfile>,
    committed: F,
}

impl<F: FnMut(&crate::state::Head)> SyncObserver for CollectProfiles<'_, F> {
    fn executed(&mut self, block: &crate::chain::ExecutedBlock) {
        self.profiles.push(BlockProfile {
            height: block.header.height,
            transactions: block.profiles.clone(),
        });
    }

    fn committed(&mut self, head: &crate::state::Head) {
        (self.committed)(head);
    }
}

/// Why a replay could not run (disagreement is a report, not an error).
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The chain file failed.
    #[error(transparent)]
    ChainFile(#[from] crate::chainfile::ChainFileError),
    /// A node could not be set up or read.
    #[error("node {0}: {1}")]
    Node(String, String),
}

/// A tracing subscriber that formats and counts every event and span: real
/// work on the tracing path, so that "tracing on" is a real condition.
struct CountingSubscriber {
    events: AtomicU64,
    spans: AtomicU64,
}

struct FieldText(String);

impl tracing::field::Visit for FieldText {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write;
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }
}

impl tracing::Subscriber for CountingSubscriber {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut text = FieldText(String::new());
        span.record(&mut text);
        let id = self.spans.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::span::Id::from_u64(id)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut text = FieldText(String::new());
        event.record(&mut text);
        std::hint::black_box(&text.0);
        self.events.fetch_add(1, Ordering::Relaxed);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

fn node_options(spec: &NodeOptionsSpec, fault: Option<Fault>) -> NodeOptions {
    NodeOptions {
        chain: ChainOptions {
            warm_cache: spec.warm_cache,
            exec: ExecOptions {
                verify_threads: spec.verify_threads,
                record_reads: false,
                fault,
                profile: spec.profile,
            },
        },
        rocks: spec.rocks,
    }
}

fn run_in_process(
    chain_path: &Path,
    dir: &Path,
    spec: &NodeOptionsSpec,
    fault: Option<Fault>,
    progress: &AtomicU64,
) -> Result<Vec<BlockProfile>, String> {
    let mut reader = ChainReader::open(chain_path).map_err(|e| e.to_string())?;
    let genesis = reader.genesis.clone();
    let mut work = || -> Result<Vec<BlockProfile>, NodeError> {
        let mut node = Node::open(dir, &genesis, node_options(spec, fault))?;
        let mut profiles = Vec::new();
        let mut observer = CollectProfiles {
            profiles: &mut profiles,
            committed: |_: &crate::state::Head| {
                progress.fetch_add(1, Ordering::Relaxed);
            },
        };
        node.sync_observed(&mut reader, None, &mut observer)?;
        Ok(profiles)
    };
    let result = if spec.tracing {
        let subscriber = CountingSubscriber {
            events: AtomicU64::new(0),
            spans: AtomicU64::new(0),
        };
        tracing::subscriber::with_default(subscriber, &mut work)
    } else {
        work()
    };
    result.map_err(|e| e.to_string())
}

/// Runs `gasworks node` on `dir` until it exits, or until it has committed
/// `kill_after` blocks, then kills it with SIGKILL; returns the heights it
/// had reported when killed.
fn run_process(
    exe: &Path,
    chain_path: &Path,
    dir: &Path,
    kill_after: Option<u64>,
    progress: &AtomicU64,
) -> Result<Option<u64>, String> {
    let mut child = Command::new(exe)
        .arg("node")
        .arg("--data")
        .arg(dir)
        .arg("--chain")
        .arg(chain_path)
        .arg("--progress")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if let Some(height) = line
            .strip_prefix("committed ")
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|h| h.parse::<u64>().ok())
        {
            progress.fetch_add(1, Ordering::Relaxed);
            if kill_after.is_some_and(|k| height >= k) {
                // SIGKILL: `Child::kill` on Unix.
                let _ = child.kill();
                let _ = child.wait();
                return Ok(Some(height));
            }
        }
    }
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(None)
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
    }
}

fn show_progress(total: u64, counters: &[Arc<AtomicU64>], done: &AtomicU64) {
    let sum = || {
        counters
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .sum::<u64>()
    };
    if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "replay {bar:40} {pos}/{len} node-blocks ({elapsed})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        while done.load(Ordering::Relaxed) == 0 {
            bar.set_position(sum().min(total));
            std::thread::sleep(Duration::from_millis(100));
        }
        bar.finish_and_clear();
    } else {
        let mut shown = 0;
        while done.load(Ordering::Relaxed) == 0 {
            let now = sum().min(total);
            if total > 0 && now * 10 / total > shown * 10 / total.max(1) {
                eprintln!("replay: {now}/{total} node-blocks");
                shown = now;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// Replays the chain on every node and compares.
///
/// # Errors
///
/// [`ReplayError`] when the chain file or a node's directory cannot be
/// used at all.
pub fn replay(config: &ReplayConfig) -> Result<ReplayReport, ReplayError> {
    let (genesis, blocks) = ChainReader::open(&config.chain)?.read_all()?;
    let block_count = blocks.len() as u64;
    let _ = std::fs::create_dir_all(&config.work_dir);
    let counters: Vec<Arc<AtomicU64>> = config
        .nodes
        .iter()
        .map(|_| Arc::new(AtomicU64::new(0)))
        .collect();
    let done = AtomicU64::new(0);
    let results: Vec<(NodeReport, Vec<BlockProfile>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = config
            .nodes
            .iter()
            .zip(&counters)
            .enumerate()
            .map(|(index, (spec, counter))| {
                let dir = config.work_dir.join(format!("node-{index}"));
                let _ = std::fs::remove_dir_all(&dir);
                let chain = config.chain.clone();
                let exe = config.exe.clone();
                scope.spawn(move || {
                    let start = Instant::now();
                    let mut restarts = 0;
                    let mut killed_at = Vec::new();
                    let mut profiles = Vec::new();
                    let error = match &spec.condition {
                        Condition::InProcess(options) => {
                            match run_in_process(&chain, &dir, options, spec.fault, counter) {
                                Ok(collected) => {
                                    profiles = collected;
                                    None
                                }
                                Err(error) => Some(error),
                            }
                        }
                        Condition::KilledProcess { kill_after } => {
                            match run_process(&exe, &chain, &dir, Some(*kill_after), counter) {
                                Err(error) => Some(error),
                                Ok(None) => None,
                                Ok(Some(height)) => {
                                    killed_at.push(height);
                                    restarts += 1;
                                    // The restarted node resumes at its head:
                                    // count only the blocks it adds.
                                    counter.store(height, Ordering::Relaxed);
                                    run_process(&exe, &chain, &dir, None, counter).err()
                                }
                            }
                        }
                    };
                    let report = NodeReport {
                        name: spec.name.clone(),
                        data_dir: dir,
                        height: 0,
                        state_root: Hash::default(),
                        error,
                        restarts,
                        killed_at,
                        elapsed: start.elapsed(),
                    };
                    (report, profiles)
                })
            })
            .collect();
        if config.progress {
            let total = block_count * config.nodes.len() as u64;
            let counters = counters.clone();
            let done = &done;
            let progress = scope.spawn(move || show_progress(total, &counters, done));
            let reports = handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| (panic_report(), Vec::new())))
                .collect();
            done.store(1, Ordering::Relaxed);
            let _ = progress.join();
            reports
        } else {
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| (panic_report(), Vec::new())))
                .collect()
        }
    });
    let (reports, profiles): (Vec<NodeReport>, Vec<Vec<BlockProfile>>) =
        results.into_iter().unzip();
    let mut report = compare(config, &genesis, &blocks, reports)?;
    report.profiles = profiles
        .into_iter()
        .find(|profiles| !profiles.is_empty())
        .unwrap_or_default();
    Ok(report)
}

fn panic_report() -> NodeReport {
    NodeReport {
        name: "panicked".into(),
        data_dir: PathBuf::new(),
        height: 0,
        state_root: Hash::default(),
        error: Some("the node's thread panicked".into()),
        restarts: 0,
        killed_at: Vec::new(),
        elapsed: Duration::ZERO,
    }
}

fn compare(
    config: &ReplayConfig,
    genesis: &crate::block::Genesis,
    blocks: &[crate::block::Block],
    mut reports: Vec<NodeReport>,
) -> Result<ReplayReport, ReplayError> {
    let mut stores = Vec::new();
    for report in &mut reports {
        let store = RocksStore::open(&report.data_dir, RocksOptions::default())
            .map_err(|e| ReplayError::Node(report.name.clone(), e.to_string()))?;
        let head = store
            .head()
            .map_err(|e| ReplayError::Node(report.name.clone(), e.to_string()))?;
        if let Some(head) = head {
            report.height = head.height;
            report.state_root = head.state_root;
        }
        stores.push(Some(store));
    }
    let mut per_block = Vec::new();
    let mut first_bad: Option<(u64, usize, String)> = None;
    for block in blocks {
        let height = block.header.height;
        let mut agree = true;
        for (index, store) in stores.iter().enumerate() {
            let header = store.as_ref().and_then(|s| s.header(height).ok().flatten());
            let field = match &header {
                None => Some("missing".to_string()),
                Some(header) => crate::chain::compare_headers(&block.header, header)
                    .err()
                    .map(|e| match e {
                        ChainError::HeaderMismatch { field, .. } => field.to_string(),
                        other => other.to_string(),
                    }),
            };
            if let Some(field) = field {
                agree = false;
                if first_bad.is_none() {
                    let field = match (&reports[index].error, field.as_str()) {
                        (Some(error), "missing") => mismatch_field(error).unwrap_or(field),
                        _ => field,
                    };
                    first_bad = Some((height, index, field));
                }
            }
        }
        per_block.push(BlockAgreement {
            height,
            transactions: block.txs.len() as u64,
            agree,
        });
    }
    let all_ok = first_bad.is_none() && reports.iter().all(|r| r.error.is_none());
    let mut divergence = None;
    let mut bundle = None;
    if let Some((height, bad, header_field)) = first_bad {
        let reference = (0..stores.len()).find(|&i| {
            stores[i]
                .as_ref()
                .and_then(|s| s.header(height).ok().flatten())
                .is_some_and(|h| h == blocks[(height - 1) as usize].header)
        });
        let found = find_divergence(
            config,
            genesis,
            &blocks[(height - 1) as usize],
            &reports,
            &mut stores,
            bad,
            reference,
            header_field,
        );
        if let Some((found, written)) = found {
            divergence = Some(found);
            bundle = written;
        }
    }
    Ok(ReplayReport {
        blocks: blocks.len() as u64,
        transactions: blocks.iter().map(|b| b.txs.len() as u64).sum(),
        nodes: reports,
        per_block,
        agree: all_ok,
        state_root: blocks
            .last()
            .map_or(Hash::default(), |b| b.header.state_root),
        divergence,
        bundle,
        profiles: Vec::new(),
    })
}

/// The header field named in a node's `HeaderMismatch` message.
fn mismatch_field(error: &str) -> Option<String> {
    let (_, rest) = error.split_once(": ")?;
    let field = rest.split_whitespace().next()?;
    Some(field.to_string())
}

#[allow(clippy::too_many_arguments)]
fn find_divergence(
    config: &ReplayConfig,
    genesis: &crate::block::Genesis,
    block: &crate::block::Block,
    reports: &[NodeReport],
    stores: &mut [Option<RocksStore>],
    bad: usize,
    reference: Option<usize>,
    header_field: String,
) -> Option<(Divergence, Option<PathBuf>)> {
    let height = block.header.height;
    let reference_name = reference.map_or("header".to_string(), |r| reports[r].name.clone());
    let mut divergence = Divergence {
        height,
        header_field,
        nodes: (reference_name.clone(), reports[bad].name.clone()),
        tx: None,
        field: None,
        values: None,
        key: None,
    };
    let reference_records = reference
        .and_then(|r| stores[r].as_ref())
        .and_then(|store| store.records(height).ok());
    let bad_store = stores.get_mut(bad)?.take()?;
    // Every contract's record and code, for the bundle.
    let mut contracts = Vec::new();
    for tag in [keys::CODE, keys::CONTRACT] {
        let (lo, hi) = ([tag], [tag + 1]);
        contracts.extend(
            bad_store
                .scan(
                    std::ops::Bound::Included(&lo[..]),
                    std::ops::Bound::Excluded(&hi[..]),
                )
                .filter_map(Result::ok),
        );
    }
    // The diverging node's records: stored if it committed the block,
    // else re-executed on its store (which is then the block's pre-state),
    // by the same code path as the node, without committing.
    let head = bad_store.head().ok().flatten()?;
    let spec = config.nodes.get(bad)?;
    let (bad_records, reads) = if head.height >= height {
        (bad_store.records(height).ok()?, None)
    } else {
        let mut options = match &spec.condition {
            Condition::InProcess(options) => node_options(options, spec.fault),
            Condition::KilledProcess { .. } => NodeOptions::default(),
        };
        options.chain.exec.record_reads = true;
        let mut chain = crate::chain::Chain::open(bad_store, genesis, options.chain).ok()?;
        let executed = chain
            .execute_block(block.header.timestamp, block.txs.clone())
            .ok()?;
        (executed.records, Some(executed.reads))
    };
    if let Some(difference) = reference_records
        .as_ref()
        .and_then(|reference| compare_records(reference, &bad_records))
    {
        divergence.tx = Some(difference.tx);
        divergence.field = Some(difference.field);
        divergence.values = Some(difference.values);
        divergence.key = difference.key;
    }
    let mut written = None;
    if let (Some(reads), Some(reference_records)) = (reads, reference_records) {
        let bundle = Bundle {
            context: BundleContext {
                chain_id: genesis.chain_id,
                height,
                timestamp: block.header.timestamp,
                gas_price: genesis.gas_price,
                block_gas_limit: genesis.block_gas_limit,
            },
            txs: block.txs.clone(),
            pre_state: reads.into_iter().collect(),
            contracts,
            left: (reference_name, reference_records),
            right: (reports[bad].name.clone(), bad_records),
        };
        let path = config
            .work_dir
            .join(format!("divergence-block-{height}.bundle"));
        if bundle.write(&path).is_ok() {
            written = Some(path);
        }
    }
    Some((divergence, written))
}
