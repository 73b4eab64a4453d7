//! The node simulator end to end: token transfers per second through the
//! example token contract, with state of 10 thousand, 100 thousand and 1
//! million accounts; the secp256k1 verification bound; deployment cost per
//! code byte. Written up in `docs/performance.md`, "Node simulator".
//!
//! Run with the release profile (the `bench` profile would rebuild RocksDB
//! with fat LTO):
//!
//! ```sh
//! cargo bench -p gasworks-benches --bench node --profile release
//! ```
//!
//! Groups:
//! - `node-transfers/<accounts>`: blocks of [`BLOCK_TXS`] token transfers
//!   (`token.transfer(to, 1)`, one per sender, senders distinct within a
//!   block, recipients random among all accounts), pre-signed outside the
//!   timed part, each through `Chain::execute_block` + `Chain::commit` on a
//!   `RocksStore` in a temporary directory: decoding and signature checks
//!   (on [`VERIFY_THREADS`] threads), execution, the state root, the synced
//!   RocksDB commit. The state of each size is built once (genesis with
//!   that many funded accounts, the token deployed and initialised in a
//!   deploy transaction, tokens minted to the senders) before its group
//!   runs. The chain is stateful, so every iteration is a new block with
//!   fresh nonces (`iter_custom`).
//! - `node-transfers/pipelined/<accounts>`: the same blocks as
//!   `Node::sync_observed` runs them: the next block's signatures checked
//!   (`exec::check_transactions`) on another thread while the current one
//!   executes (`Chain::execute_block_checked`) and commits.
//! - `secp256k1-verify/{1,2}-threads`: `crypto::secp256k1_verify` over
//!   [`VERIFY_BATCH`] distinct signatures: the physical bound of the
//!   signature stage.
//! - `deploy_throughput/<example>`: `Runtime::deploy` (instrument, compile,
//!   instantiation check) of each example contract into an empty runtime.
//!
//! After the groups (when run with `--bench`, not `--test`), a summary
//! prints the tables of the write-up: transfers per second (median and
//! fastest block), the per-block time split by stage over [`SPLIT_BLOCKS`]
//! more blocks (`signature_is_valid` timed apart on 1 and 2 threads,
//! `exec::check_transactions`, `exec::execute_checked_transactions` over
//! the store, `StateStore::prepare`, then the same block through the chain
//! with `StateStore::commit`), the growth with the state size, the
//! verification bound, and deploy nanoseconds per byte against the
//! schedule's price, for the examples and for the adversarial shapes of
//! the instrumentation benchmark.
//!
//! `GASWORKS_NODE_BENCH_SIZES=10000,100000` picks the state sizes (default
//! all three; `--test` runs 10,000 only);
//! `GASWORKS_NODE_BENCH_AHEAD_THREADS=1` the threads of the pipelined
//! run's checks ahead (default: the node's, [`VERIFY_THREADS`] - 1);
//! `GASWORKS_NODE_BENCH_TREE_CACHE_DEPTH=0` the store's tree cache depth
//! (default: the node's, `RocksOptions::default()`);
//! `GASWORKS_NODE_BENCH_UNIVERSAL=1` universal compaction,
//! `GASWORKS_NODE_BENCH_WRITE_BUFFER_MB` the write buffer's size,
//! `GASWORKS_NODE_BENCH_STATE_WRITE_BUFFER_MB` the state and preimage
//! column families' own, `GASWORKS_NODE_BENCH_BLOCK_CACHE_MB` the block
//! cache's size,
//! `GASWORKS_NODE_BENCH_BLOOM_BITS` the Bloom filters' bits per key (0: none);
//! `GASWORKS_NODE_BENCH_STEADY=50,8` eight windows of 50 pipelined
//! blocks before the groups, one line each (the steady state);
//! `GASWORKS_NODE_BENCH_MEASURE_SECS` criterion's measurement time per
//! group (default 6 s at 10^6 accounts, 4 below: about 50 blocks; more
//! for RocksDB's steady state of flushes and compactions).

/// The `gasworks` binary's allocator: this benchmark stands for its node.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::ops::Bound;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use gasworks_host_api::{Runtime, crypto};
use gasworks_node_sim::Address;
use gasworks_node_sim::block::Header;
use gasworks_node_sim::chain::{Chain, ChainError, ChainOptions, load_runtime};
use gasworks_node_sim::exec::{
    BlockContext, CheckedTransactions, ExecOptions, check_transactions, deploy_gas,
    execute_checked_transactions,
};
use gasworks_node_sim::generate::{
    BLOCK_GAS_LIMIT, CHAIN_ID, EXAMPLES, GAS_PRICE, GENESIS_TIME, SplitMix64, Wallet, call_input,
    genesis_for,
};
use gasworks_node_sim::hash::Hash;
use gasworks_node_sim::receipt::TxRecord;
use gasworks_node_sim::schedule::{
    DEPLOY_BASE_GAS, DEPLOY_GAS_PER_BYTE, DEPLOY_GAS_PER_FUNCTION, DEPLOY_GAS_PER_TYPE,
};
use gasworks_node_sim::state::{
    BlockCommit, ChainRecord, ChangeSet, Head, RocksOptions, RocksStore, StateProof, StateRead,
    StateScan, StateStore, StoreError, TreeReads,
};
use gasworks_node_sim::tx::{self, Transaction, TxKind, contract_address};

/// Transfers per block.
const BLOCK_TXS: usize = 1_000;
/// Accounts that send (one transfer each per block), derived keys.
const SENDERS: usize = BLOCK_TXS;
/// Signature-checking threads of the benchmarked node (the machine has 2).
const VERIFY_THREADS: usize = 2;
/// Signatures per iteration of the verification bound.
const VERIFY_BATCH: usize = 256;
/// Blocks timed stage by stage in the summary, per state size.
const SPLIT_BLOCKS: usize = 8;
/// Seed of the derived keys and of the recipients.
const SEED: u64 = 0x6e6f_6465;
/// Gas limit of a transfer call (far above what it uses).
const CALL_GAS: u64 = 20_000_000;
/// Gas limit of the token's deployment.
const DEPLOY_GAS: u64 = 200_000_000;
/// Tokens minted to every sender.
const MINTED: u128 = 1_000_000_000_000;

/// The store behind an `Arc` the benchmark keeps too: the chain runs on it
/// exactly as on a `RocksStore` (every method delegates), and the summary
/// can call `execute_transactions`, `prepare` and `commit` on the same
/// store directly.
struct Shared(Arc<RocksStore>);

impl StateRead for Shared {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.get(key)
    }

    fn scan<'a>(&'a self, start: Bound<&[u8]>, end: Bound<&[u8]>) -> StateScan<'a> {
        self.0.scan(start, end)
    }
}

impl StateStore for Shared {
    type Prepared = <RocksStore as StateStore>::Prepared;

    fn prepare(
        &self,
        version: u64,
        changes: &ChangeSet,
    ) -> Result<(Hash, Self::Prepared), StoreError> {
        self.0.prepare(version, changes)
    }

    fn stage(&self, prepared: &Self::Prepared) {
        self.0.stage(prepared)
    }

    fn commit(&self, block: &BlockCommit, prepared: Self::Prepared) -> Result<(), StoreError> {
        self.0.commit(block, prepared)
    }

    fn head(&self) -> Result<Option<Head>, StoreError> {
        self.0.head()
    }

    fn chain(&self) -> Result<Option<ChainRecord>, StoreError> {
        self.0.chain()
    }

    fn header(&self, height: u64) -> Result<Option<Header>, StoreError> {
        self.0.header(height)
    }

    fn transactions(&self, height: u64) -> Result<Option<Vec<Vec<u8>>>, StoreError> {
        self.0.transactions(height)
    }

    fn records(&self, height: u64) -> Result<Vec<TxRecord>, StoreError> {
        self.0.records(height)
    }

    fn prove(&self, key: &[u8]) -> Result<StateProof, StoreError> {
        self.0.prove(key)
    }
}

/// A temporary data directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let path =
            std::env::temp_dir().join(format!("gasworks-node-bench-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        Scratch(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `f` over `items` on every available core (at most 2 here), in
/// order: key derivation and signing, outside every timed part.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker panicked"))
            .collect()
    })
}

fn sign(wallet: &Wallet, nonce: u64, gas_limit: u64, kind: TxKind) -> Vec<u8> {
    Transaction {
        chain_id: CHAIN_ID,
        sender: wallet.public,
        nonce,
        gas_limit,
        gas_price: GAS_PRICE,
        kind,
    }
    .sign(&wallet.secret)
    .expect("derived keys are valid")
    .encode()
}

/// Threads of the pipelined run's checks one block ahead: what
/// `Node::sync_observed` runs beside the node's own thread, one fewer than
/// its [`VERIFY_THREADS`] (at least one), unless
/// `GASWORKS_NODE_BENCH_AHEAD_THREADS` says otherwise. (Until 2026-12-08
/// this used all [`VERIFY_THREADS`], unlike the node: in the steady state
/// at 10^6 accounts, 1 thread ran 137.1 ms per block, CPU 256, and 2
/// threads 148.7, CPU 271.)
fn ahead_threads() -> usize {
    std::env::var("GASWORKS_NODE_BENCH_AHEAD_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(VERIFY_THREADS.saturating_sub(1).max(1))
}

/// The store's options: the node's defaults, with
/// `GASWORKS_NODE_BENCH_TREE_CACHE_DEPTH` as the tree cache's depth,
/// `GASWORKS_NODE_BENCH_WRITE_BUFFER_MB` as the write buffer's size and
/// `GASWORKS_NODE_BENCH_BLOOM_BITS` as the Bloom filters' bits per key when
/// set, and universal compaction when `GASWORKS_NODE_BENCH_UNIVERSAL=1`.
fn rocks_options() -> RocksOptions {
    fn number<T: std::str::FromStr>(name: &str) -> Option<T> {
        std::env::var(name).ok().and_then(|v| v.parse().ok())
    }
    let mut options = RocksOptions::default();
    if let Some(depth) = number("GASWORKS_NODE_BENCH_TREE_CACHE_DEPTH") {
        options.tree_cache_depth = depth;
    }
    if let Some(megabytes) = number::<usize>("GASWORKS_NODE_BENCH_WRITE_BUFFER_MB") {
        options.write_buffer_bytes = megabytes << 20;
    }
    if let Some(megabytes) = number::<usize>("GASWORKS_NODE_BENCH_BLOCK_CACHE_MB") {
        options.block_cache_bytes = megabytes << 20;
    }
    if let Some(megabytes) = number::<usize>("GASWORKS_NODE_BENCH_STATE_WRITE_BUFFER_MB") {
        options.state_write_buffer_bytes = megabytes << 20;
    }
    if let Some(bits) = number("GASWORKS_NODE_BENCH_BLOOM_BITS") {
        options.bloom_filter_bits = bits;
    }
    if std::env::var("GASWORKS_NODE_BENCH_UNIVERSAL").is_ok_and(|v| v == "1") {
        options.universal_compaction = true;
    }
    options
}

/// A filler account's address: only its presence in the state matters.
fn filler_address(index: usize) -> Address {
    let mut seed = b"gasworks-bench/filler".to_vec();
    seed.extend((index as u64).to_le_bytes());
    Address(crypto::sha256(&seed))
}

/// Times of one block, stage by stage.
#[derive(Debug, Clone, Copy, Default)]
struct Split {
    /// Decode + `signature_is_valid` over the block, one thread.
    sig_1: Duration,
    /// The same on [`VERIFY_THREADS`] threads.
    sig_n: Duration,
    /// `exec::check_transactions` on [`VERIFY_THREADS`] threads: what the
    /// node runs (decode, signatures, the transactions root).
    check: Duration,
    /// `exec::execute_checked_transactions`: execution alone.
    exec: Duration,
    /// `StateStore::prepare` of its change set (batch insertion, the
    /// node's default), and the CPU time of the thread that ran it.
    prepare: Duration,
    prepare_cpu: Duration,
    /// The same change set prepared again key by key (afterwards, so on
    /// caches the first run warmed: the comparison favours it).
    prepare_key_by_key: Duration,
    prepare_key_by_key_cpu: Duration,
    /// `Chain::execute_block` of the same block afterwards (warm).
    execute_block: Duration,
    /// `Chain::commit`.
    commit: Duration,
    /// Keys in the block's change set.
    changes: usize,
    /// Tree-node reads of `prepare`: from the tree cache, from RocksDB.
    tree_reads: TreeReads,
}

/// One state size's node, and what the benchmark learnt on it.
struct Node {
    // Field order is drop order: the database closes before its directory
    // goes.
    chain: Chain<Shared>,
    rocks: Arc<RocksStore>,
    runtime: Runtime,
    senders: Vec<Wallet>,
    nonces: Vec<u64>,
    addresses: Vec<Address>,
    token: Address,
    rng: SplitMix64,
    /// Every block timed end to end by the criterion group.
    block_times: Vec<Duration>,
    /// The same, pipelined as the node runs blocks (signatures one block
    /// ahead, each block written while the next executes).
    pipelined_times: Vec<Duration>,
    /// The next block of the pipelined run, already checked.
    ahead: Option<(Vec<Vec<u8>>, CheckedTransactions)>,
    /// Process CPU time (all threads, RocksDB's own included) spent in the
    /// timed parts of each group.
    block_cpu: Duration,
    pipelined_cpu: Duration,
    /// The pipelined run's block write in flight (`Chain::commit_deferred`).
    writing: Option<std::thread::JoinHandle<Result<Head, ChainError>>>,
    /// Setup times: genesis, then the deploy and mint block.
    genesis_time: Duration,
    deploy_time: Duration,
    scratch: Scratch,
}

impl Node {
    fn build(accounts: usize) -> Node {
        assert!(accounts > SENDERS + 1);
        let scratch = Scratch::new(&accounts.to_string());
        let indices: Vec<u64> = (0..=SENDERS as u64).collect();
        let mut derived = parallel_map(&indices, |&i| Wallet::derive(SEED, i));
        let owner = derived.pop().expect("the owner");
        let senders = derived;
        // The owner and the senders, then filler accounts up to the size;
        // `genesis_for` funds them all (the last one, a filler, barely).
        let mut wallets = Vec::with_capacity(accounts);
        wallets.push(owner.clone());
        wallets.extend(senders.iter().cloned());
        wallets.extend((wallets.len()..accounts).map(|i| Wallet {
            secret: [0; 32],
            public: [2; 33],
            address: filler_address(i),
        }));
        let genesis = genesis_for(&wallets);
        let addresses: Vec<Address> = wallets.iter().map(|w| w.address).collect();
        drop(wallets);

        let start = Instant::now();
        let rocks =
            Arc::new(RocksStore::open(&scratch.0, rocks_options()).expect("the store opens"));
        let options = ChainOptions {
            warm_cache: true,
            exec: ExecOptions {
                verify_threads: VERIFY_THREADS,
                ..ExecOptions::default()
            },
        };
        let mut chain =
            Chain::open(Shared(rocks.clone()), &genesis, options).expect("the genesis commits");
        let genesis_time = start.elapsed();

        // Block 1: deploy and initialise the token, mint to every sender.
        let start = Instant::now();
        let token = contract_address(&owner.address, 0);
        let token_code = EXAMPLES
            .iter()
            .find(|(name, _)| *name == "token")
            .map(|(_, code)| code.to_vec())
            .expect("the token example");
        let init = call_input(
            "init",
            &("Bench Token".to_string(), "BNT".to_string(), 18u8),
        );
        let mut txs = vec![sign(
            &owner,
            0,
            DEPLOY_GAS,
            TxKind::Deploy {
                code: token_code,
                init,
            },
        )];
        let mints: Vec<(u64, Address)> = senders
            .iter()
            .enumerate()
            .map(|(i, s)| (1 + i as u64, s.address))
            .collect();
        txs.extend(parallel_map(&mints, |(nonce, to)| {
            let input = call_input("mint", &(*to, MINTED));
            sign(
                &owner,
                *nonce,
                CALL_GAS,
                TxKind::Call {
                    contract: token,
                    input,
                },
            )
        }));
        let executed = chain
            .execute_block(GENESIS_TIME + 2, txs)
            .expect("block 1 executes");
        for (i, record) in executed.records.iter().enumerate() {
            assert!(
                record.receipt.status.is_success(),
                "block 1 tx {i}: {} {}",
                record.receipt.status.name(),
                record.debug.message
            );
        }
        chain.commit(executed).expect("block 1 commits");
        let deploy_time = start.elapsed();
        let runtime = load_runtime(rocks.as_ref()).expect("the token loads");
        Node {
            chain,
            rocks,
            runtime,
            nonces: vec![0; senders.len()],
            senders,
            addresses,
            token,
            rng: SplitMix64::new(SEED ^ accounts as u64),
            block_times: Vec::new(),
            pipelined_times: Vec::new(),
            block_cpu: Duration::ZERO,
            pipelined_cpu: Duration::ZERO,
            ahead: None,
            writing: None,
            genesis_time,
            deploy_time,
            scratch,
        }
    }

    /// The next block: one transfer of 1 token from every sender, at its
    /// next nonce, to a random account; signed on every core.
    fn next_block(&mut self) -> Vec<Vec<u8>> {
        let jobs: Vec<(usize, u64, Address)> = (0..self.senders.len())
            .map(|i| {
                let to = self.addresses[self.rng.below(self.addresses.len() as u64) as usize];
                let nonce = self.nonces[i];
                self.nonces[i] += 1;
                (i, nonce, to)
            })
            .collect();
        let (senders, token) = (&self.senders, self.token);
        parallel_map(&jobs, |&(i, nonce, to)| {
            let input = call_input("transfer", &(to, 1u128));
            sign(
                &senders[i],
                nonce,
                CALL_GAS,
                TxKind::Call {
                    contract: token,
                    input,
                },
            )
        })
    }

    fn timestamp(&self) -> u64 {
        GENESIS_TIME + 2 * (self.chain.head().height + 1)
    }

    /// Executes and commits `txs` through the chain; the time of
    /// `execute_block` and of `commit` (the receipt check between them is
    /// not timed).
    fn apply(&mut self, txs: Vec<Vec<u8>>) -> (Duration, Duration) {
        let timestamp = self.timestamp();
        let start = Instant::now();
        let executed = self
            .chain
            .execute_block(timestamp, txs)
            .expect("the block executes");
        let execute = start.elapsed();
        check_all_succeeded(&executed.records);
        let start = Instant::now();
        self.chain.commit(executed).expect("the block commits");
        (execute, start.elapsed())
    }

    /// `blocks` blocks as `Node::sync_observed` runs them: each one
    /// executed (`Chain::execute_block_checked`) while another thread
    /// checks the next one's signatures (`exec::check_transactions`) and a
    /// third writes the previous block (`Chain::commit_deferred`, whose
    /// write the block waits for before it commits). The block checked
    /// ahead and the write in flight are carried from one call to the
    /// next, so every timed block overlaps exactly one check and one write
    /// (the steady state); only the first call's first check is not timed.
    fn pipelined(&mut self, iters: u64) -> Duration {
        if self.ahead.is_none() {
            let txs = self.next_block();
            let checked = check_transactions(&txs, ahead_threads());
            self.ahead = Some((txs, checked));
        }
        // Signed after the block ahead: at the nonces that follow it.
        let blocks: Vec<_> = (0..iters).map(|_| self.next_block()).collect();
        let mut total = Duration::ZERO;
        for next in blocks {
            let (txs, checked) = self.ahead.take().expect("a block checked ahead");
            let timestamp = self.timestamp();
            let chain = &mut self.chain;
            let writing = &mut self.writing;
            let cpu = process_cpu();
            let start = Instant::now();
            let (records, next_checked) = std::thread::scope(|scope| {
                let checker = scope.spawn(|| check_transactions(&next, ahead_threads()));
                let executed = chain
                    .execute_block_checked(timestamp, txs, checked)
                    .expect("the block executes");
                let records = executed.records.clone();
                finish_write(writing);
                let write = chain.commit_deferred(executed).expect("the block commits");
                *writing = Some(std::thread::spawn(move || write.write()));
                (records, checker.join().expect("the checker"))
            });
            let elapsed = start.elapsed();
            self.pipelined_cpu += process_cpu().saturating_sub(cpu);
            check_all_succeeded(&records);
            self.pipelined_times.push(elapsed);
            total += elapsed;
            self.ahead = Some((next, next_checked));
        }
        total
    }

    /// Executes the block checked ahead, if any (untimed), so that the
    /// next block is signed at the next nonces.
    fn drain_ahead(&mut self) {
        finish_write(&mut self.writing);
        if let Some((txs, _)) = self.ahead.take() {
            self.apply(txs);
        }
    }

    /// One block stage by stage: signatures (pure), `execute_transactions`
    /// and `prepare` over the store (read-only, discarded), then the same
    /// block through the chain, committed.
    fn split(&mut self) -> Split {
        let txs = self.next_block();
        let check = |bytes: &Vec<u8>| {
            tx::decode(bytes)
                .map(|signed| signed.signature_is_valid())
                .unwrap_or(false)
        };
        let start = Instant::now();
        let valid = txs.iter().map(check).filter(|v| *v).count();
        let sig_1 = start.elapsed();
        assert_eq!(valid, txs.len());
        let start = Instant::now();
        let valid = parallel_map(&txs, check).into_iter().filter(|v| *v).count();
        let sig_n = start.elapsed();
        assert_eq!(valid, txs.len());

        let head = self.chain.head();
        let context = BlockContext {
            chain_id: CHAIN_ID,
            height: head.height + 1,
            timestamp: self.timestamp(),
            gas_price: GAS_PRICE,
            block_gas_limit: BLOCK_GAS_LIMIT,
        };
        let options = ExecOptions {
            verify_threads: VERIFY_THREADS,
            ..ExecOptions::default()
        };
        let start = Instant::now();
        let checked = check_transactions(&txs, VERIFY_THREADS);
        let check = start.elapsed();
        let base: Arc<dyn StateRead> = self.rocks.clone();
        let start = Instant::now();
        let executed =
            execute_checked_transactions(base, &self.runtime, &context, &txs, checked, &options)
                .expect("the block executes");
        let exec = start.elapsed();
        check_all_succeeded(&executed.records);
        let reads_before = self.rocks.tree_reads();
        let (cpu, start) = (thread_cpu(), Instant::now());
        let (root, prepared) = self
            .rocks
            .prepare(context.height, &executed.changes)
            .expect("the root");
        let (prepare, prepare_cpu) = (start.elapsed(), thread_cpu().saturating_sub(cpu));
        let reads_after = self.rocks.tree_reads();
        let (cpu, start) = (thread_cpu(), Instant::now());
        let (key_by_key_root, key_by_key) = self
            .rocks
            .prepare_with(context.height, &executed.changes, false)
            .expect("the root, key by key");
        let (prepare_key_by_key, prepare_key_by_key_cpu) =
            (start.elapsed(), thread_cpu().saturating_sub(cpu));
        assert_eq!(key_by_key_root, root, "batched and key by key, same root");
        drop(black_box(key_by_key));
        let tree_reads = TreeReads {
            cached: reads_after.cached - reads_before.cached,
            database: reads_after.database - reads_before.database,
        };
        drop(black_box(prepared));
        let changes = executed.changes.len();

        let (execute_block, commit) = self.apply(txs);
        assert_eq!(self.chain.head().state_root, root, "same block, same root");
        Split {
            sig_1,
            sig_n,
            check,
            exec,
            prepare,
            prepare_cpu,
            prepare_key_by_key,
            prepare_key_by_key_cpu,
            execute_block,
            commit,
            changes,
            tree_reads,
        }
    }
}

/// Waits for the block write in flight, if any.
fn finish_write(writing: &mut Option<std::thread::JoinHandle<Result<Head, ChainError>>>) {
    if let Some(handle) = writing.take() {
        handle
            .join()
            .expect("the writer")
            .expect("the block is written");
    }
}

/// CPU time of the calling thread so far, from `/proc/thread-self/schedstat`
/// (nanoseconds on a CPU): unlike wall time, hardly moved by other jobs on
/// a shared machine. Zero where `/proc` is missing.
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// CPU time of the whole process so far (user + system, every thread,
/// exited ones included), from `/proc/self/stat` in clock ticks of 10 ms
/// (Linux's `CLK_TCK` of 100 on x86-64): coarse per block, exact enough
/// summed over a group's blocks. Zero where `/proc` is missing.
fn process_cpu() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name, which is in parentheses and may hold
    // spaces: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn check_all_succeeded(records: &[TxRecord]) {
    for (i, record) in records.iter().enumerate() {
        assert!(
            record.receipt.status.is_success(),
            "tx {i}: {} {}",
            record.receipt.status.name(),
            record.debug.message
        );
    }
}

/// What the summary prints for one state size.
struct SizeResult {
    accounts: usize,
    genesis_time: Duration,
    deploy_time: Duration,
    block_times: Vec<Duration>,
    pipelined_times: Vec<Duration>,
    block_cpu: Duration,
    pipelined_cpu: Duration,
    splits: Vec<Split>,
    state_keys: u64,
    gas_per_transfer: u64,
    /// Data directory bytes after the setup and at the end, and the
    /// blocks committed in between.
    dir_bytes: (u64, u64),
    blocks_after_setup: u64,
    /// Bytes the process wrote to storage per block, from the setup's end
    /// to the stage split (WAL, flushes, compactions): the write
    /// amplification, which unlike time hardly depends on other jobs.
    written_per_block: u64,
}

/// Bytes this process has caused to be written to storage so far
/// (`write_bytes` of `/proc/self/io`); zero where `/proc` is missing.
fn storage_written() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|io| {
            io.lines()
                .find_map(|line| line.strip_prefix("write_bytes:"))
                .and_then(|n| n.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Bytes of the files under `path` (RocksDB's directory is flat).
fn dir_bytes(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn median(mut times: Vec<Duration>) -> Duration {
    if times.is_empty() {
        return Duration::ZERO;
    }
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// With `GASWORKS_NODE_BENCH_STEADY=W,N`: `N` windows of `W` pipelined
/// blocks each, one line per window (median ms per block, CPU ms per
/// block, MB written to storage per block), before the groups: how the
/// node's speed moves as RocksDB's memtables fill, flush and compact over
/// hundreds of blocks, which criterion's ~50 blocks do not reach.
fn steady_state(node: &mut Node, accounts: usize) {
    let Some((window, windows)) = std::env::var("GASWORKS_NODE_BENCH_STEADY")
        .ok()
        .and_then(|v| {
            let (w, n) = v.split_once(',')?;
            Some((w.parse::<u64>().ok()?, n.parse::<usize>().ok()?))
        })
    else {
        return;
    };
    eprintln!("steady state at {accounts} accounts, windows of {window} pipelined blocks");
    eprintln!(
        "| blocks | ms per block (median) | transfers/s | CPU ms per block | MB written per block |"
    );
    eprintln!("|---:|---:|---:|---:|---:|");
    let mut done = 0;
    for _ in 0..windows {
        node.pipelined_times.clear();
        node.pipelined_cpu = Duration::ZERO;
        let written = storage_written();
        node.pipelined(window);
        done += window;
        let per_block = median(node.pipelined_times.clone());
        eprintln!(
            "| {done} | {:.1} | {:.0} | {:.1} | {:.1} |",
            ms(per_block),
            BLOCK_TXS as f64 / per_block.as_secs_f64(),
            ms(node.pipelined_cpu) / window as f64,
            storage_written().saturating_sub(written) as f64 / window as f64 / 1e6,
        );
    }
    node.pipelined_times.clear();
    node.pipelined_cpu = Duration::ZERO;
}

fn bench_transfers(criterion: &mut Criterion, sizes: &[usize], smoke: bool) -> Vec<SizeResult> {
    let mut results = Vec::new();
    let mut group = criterion.benchmark_group("node-transfers");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.throughput(Throughput::Elements(BLOCK_TXS as u64));
    for &accounts in sizes {
        let start = Instant::now();
        let mut node = Node::build(accounts);
        eprintln!(
            "node-transfers/{accounts}: state built in {:.1} s (genesis {:.1} s, deploy + {} mints {:.2} s)",
            start.elapsed().as_secs_f64(),
            node.genesis_time.as_secs_f64(),
            SENDERS,
            node.deploy_time.as_secs_f64()
        );
        steady_state(&mut node, accounts);
        let setup_bytes = dir_bytes(&node.scratch.0);
        let setup_height = node.chain.head().height;
        let setup_written = storage_written();
        let (warm_up, mut measure) = if accounts >= 1_000_000 {
            (Duration::from_secs(2), Duration::from_secs(6))
        } else {
            (Duration::from_secs(1), Duration::from_secs(4))
        };
        if let Some(secs) = std::env::var("GASWORKS_NODE_BENCH_MEASURE_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
        {
            measure = Duration::from_secs(secs);
        }
        group.warm_up_time(warm_up);
        group.measurement_time(measure);
        group.bench_function(BenchmarkId::from_parameter(accounts), |b| {
            b.iter_custom(|iters| {
                let blocks: Vec<_> = (0..iters).map(|_| node.next_block()).collect();
                let mut total = Duration::ZERO;
                for txs in blocks {
                    let cpu = process_cpu();
                    let (execute, commit) = node.apply(txs);
                    node.block_cpu += process_cpu().saturating_sub(cpu);
                    node.block_times.push(execute + commit);
                    total += execute + commit;
                }
                total
            });
        });
        group.bench_function(BenchmarkId::new("pipelined", accounts), |b| {
            b.iter_custom(|iters| node.pipelined(iters));
        });
        node.drain_ahead();
        let written_after_setup = storage_written().saturating_sub(setup_written);
        let grouped_height = node.chain.head().height;
        let splits = if smoke {
            Vec::new()
        } else {
            (0..SPLIT_BLOCKS).map(|_| node.split()).collect()
        };
        let gas_per_transfer = node
            .rocks
            .records(node.chain.head().height)
            .ok()
            .and_then(|r| r.first().map(|r| r.receipt.gas_used))
            .unwrap_or(0);
        let state_keys = count_state_keys(&node.rocks);
        results.push(SizeResult {
            accounts,
            genesis_time: node.genesis_time,
            deploy_time: node.deploy_time,
            block_times: std::mem::take(&mut node.block_times),
            pipelined_times: std::mem::take(&mut node.pipelined_times),
            block_cpu: node.block_cpu,
            pipelined_cpu: node.pipelined_cpu,
            splits,
            state_keys,
            gas_per_transfer,
            dir_bytes: (setup_bytes, dir_bytes(&node.scratch.0)),
            blocks_after_setup: node.chain.head().height - setup_height,
            written_per_block: written_after_setup / (grouped_height - setup_height).max(1),
        });
        drop(node);
    }
    group.finish();
    results
}

/// Entries of the flat state (every one is a leaf of the tree).
fn count_state_keys(store: &RocksStore) -> u64 {
    store
        .scan(Bound::Unbounded, Bound::Unbounded)
        .filter(Result::is_ok)
        .count() as u64
}

/// Distinct keys, messages and signatures, as transactions would bring.
fn verify_inputs() -> Vec<([u8; 32], [u8; 64], [u8; 33])> {
    let indices: Vec<u64> = (0..VERIFY_BATCH as u64).collect();
    parallel_map(&indices, |&i| {
        let wallet = Wallet::derive(SEED + 1, i);
        let hash = crypto::sha256(&i.to_le_bytes());
        let (signature, _) = crypto::secp256k1_sign(&hash, &wallet.secret).expect("signs");
        (hash, signature, wallet.public)
    })
}

fn verify_all(inputs: &[([u8; 32], [u8; 64], [u8; 33])]) -> usize {
    inputs
        .iter()
        .filter(|(hash, signature, key)| crypto::secp256k1_verify(hash, signature, key) == Ok(true))
        .count()
}

fn verify_on(threads: usize, inputs: &[([u8; 32], [u8; 64], [u8; 33])]) -> usize {
    if threads <= 1 {
        return verify_all(inputs);
    }
    let chunk = inputs.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = inputs
            .chunks(chunk)
            .map(|part| scope.spawn(move || verify_all(part)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a verifier panicked"))
            .sum()
    })
}

fn bench_verify(criterion: &mut Criterion, inputs: &[([u8; 32], [u8; 64], [u8; 33])]) {
    assert_eq!(verify_all(inputs), inputs.len());
    let mut group = criterion.benchmark_group("secp256k1-verify");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(inputs.len() as u64));
    for threads in [1, 2] {
        group.bench_function(format!("{threads}-threads"), |b| {
            b.iter(|| black_box(verify_on(threads, inputs)))
        });
    }
    group.finish();
}

fn deploy(code: &[u8]) -> Runtime {
    let mut runtime = Runtime::new();
    runtime
        .deploy(gasworks_host_api::Address([0xd0; 32]), code)
        .expect("the example deploys");
    runtime
}

fn bench_deploy(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("deploy_throughput");
    group.sample_size(20);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for (name, code) in EXAMPLES {
        group.throughput(Throughput::Bytes(code.len() as u64));
        // A fresh runtime each time: its module cache is empty, so every
        // deployment instruments and compiles (building the runtime's
        // linker is not timed).
        group.bench_function(name, |b| {
            b.iter_batched(
                Runtime::new,
                |mut runtime| {
                    runtime
                        .deploy(gasworks_host_api::Address([0xd0; 32]), code)
                        .expect("the example deploys");
                    runtime
                },
                criterion::BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn summary(results: &[SizeResult], inputs: &[([u8; 32], [u8; 64], [u8; 33])]) {
    println!();
    println!(
        "node-transfers summary ({BLOCK_TXS} token transfers per block, {VERIFY_THREADS} signature threads; medians)"
    );
    println!(
        "(the first blocks after the genesis, before RocksDB's memtables fill; GASWORKS_NODE_BENCH_STEADY=50,8 measures hundreds of blocks)"
    );
    println!(
        "| accounts | state keys | genesis s | blocks timed | ms per block | transfers/s | best block ms | best transfers/s | pipelined ms per block | pipelined transfers/s | pipelined best transfers/s | CPU ms per block: plain / pipelined | 2-core bound transfers/s (pipelined CPU) | gas per transfer | data dir MB after setup -> end (blocks) | MB written per block |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in results {
        let block = median(r.block_times.clone());
        let best = r.block_times.iter().min().copied().unwrap_or_default();
        let piped = median(r.pipelined_times.clone());
        let piped_best = r.pipelined_times.iter().min().copied().unwrap_or_default();
        let rate = |d: Duration| BLOCK_TXS as f64 / d.as_secs_f64();
        let per_block =
            |cpu: Duration, blocks: usize| cpu / u32::try_from(blocks.max(1)).unwrap_or(u32::MAX);
        let block_cpu = per_block(r.block_cpu, r.block_times.len());
        let piped_cpu = per_block(r.pipelined_cpu, r.pipelined_times.len());
        println!(
            "| {} | {} | {:.1} | {} | {:.1} | {:.0} | {:.1} | {:.0} | {:.1} | {:.0} | {:.0} | {:.0} / {:.0} | {:.0} | {} | {:.0} -> {:.0} ({}) | {:.1} |",
            r.accounts,
            r.state_keys,
            r.genesis_time.as_secs_f64(),
            r.block_times.len(),
            ms(block),
            rate(block),
            ms(best),
            rate(best),
            ms(piped),
            rate(piped),
            rate(piped_best),
            ms(block_cpu),
            ms(piped_cpu),
            2.0 * rate(piped_cpu),
            r.gas_per_transfer,
            r.dir_bytes.0 as f64 / 1e6,
            r.dir_bytes.1 as f64 / 1e6,
            r.blocks_after_setup,
            r.written_per_block as f64 / 1e6
        );
    }
    println!();
    println!(
        "stage split (ms per block; median of {SPLIT_BLOCKS} blocks, then the fastest of them per stage)"
    );
    println!(
        "| accounts | signature_is_valid 1 thread | signature_is_valid {VERIFY_THREADS} threads | check_transactions {VERIFY_THREADS} threads | execution | state root (prepare) | commit | sum (check .. commit) | execute_block + commit | changed keys | tree reads: cached / RocksDB | prepare CPU: batched / key by key (wall: key by key) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in results {
        if r.splits.is_empty() {
            continue;
        }
        let changes = r.splits.iter().map(|s| s.changes).max().unwrap_or(0);
        let reads = |f: fn(&TreeReads) -> u64| {
            let mut all: Vec<u64> = r.splits.iter().map(|s| f(&s.tree_reads)).collect();
            all.sort_unstable();
            all[all.len() / 2]
        };
        let (cached, database) = (reads(|t| t.cached), reads(|t| t.database));
        let median_of = |f: &dyn Fn(&Split) -> Duration| median(r.splits.iter().map(f).collect());
        // The fastest of the blocks per stage: the least disturbed by
        // other jobs on a shared machine.
        let best_of =
            |f: &dyn Fn(&Split) -> Duration| r.splits.iter().map(f).min().unwrap_or_default();
        for (label, pick) in [
            (
                "",
                &median_of as &dyn Fn(&dyn Fn(&Split) -> Duration) -> Duration,
            ),
            (" best", &best_of),
        ] {
            let (check, exec) = (pick(&|s| s.check), pick(&|s| s.exec));
            let (prepare, commit) = (pick(&|s| s.prepare), pick(&|s| s.commit));
            println!(
                "| {}{label} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {cached} / {database} | {:.1} / {:.1} ({:.1}) |",
                r.accounts,
                ms(pick(&|s| s.sig_1)),
                ms(pick(&|s| s.sig_n)),
                ms(check),
                ms(exec),
                ms(prepare),
                ms(commit),
                ms(check + exec + prepare + commit),
                ms(pick(&|s| s.execute_block + s.commit)),
                changes,
                ms(pick(&|s| s.prepare_cpu)),
                ms(pick(&|s| s.prepare_key_by_key_cpu)),
                ms(pick(&|s| s.prepare_key_by_key)),
            );
        }
    }
    if let (Some(first), Some(last)) = (results.first(), results.last())
        && results.len() > 1
    {
        let a = median(first.block_times.clone()).as_secs_f64();
        let b = median(last.block_times.clone()).as_secs_f64();
        let log = |n: u64| (n as f64).log(16.0);
        println!(
            "growth {} -> {} accounts: per block x{:.2}; log16(state keys) {:.2} -> {:.2} (x{:.2})",
            first.accounts,
            last.accounts,
            b / a,
            log(first.state_keys),
            log(last.state_keys),
            log(last.state_keys) / log(first.state_keys)
        );
        for r in results {
            let prepare = median(r.splits.iter().map(|s| s.prepare).collect());
            let commit = median(r.splits.iter().map(|s| s.commit).collect());
            println!(
                "  {} accounts: prepare {:.1} ms, commit {:.1} ms, (prepare+commit)/log16(keys) {:.2} ms",
                r.accounts,
                ms(prepare),
                ms(commit),
                ms(prepare + commit) / log(r.state_keys)
            );
        }
    }
    for r in results {
        eprintln!(
            "setup {}: genesis {:.1} s, deploy block {:.2} s",
            r.accounts,
            r.genesis_time.as_secs_f64(),
            r.deploy_time.as_secs_f64()
        );
    }

    println!();
    println!(
        "secp256k1-verify summary ({} signatures; median)",
        inputs.len()
    );
    println!(
        "| threads | us per verification | verifications/s | best us | best verifications/s |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for threads in [1, 2] {
        let mut times = Vec::new();
        let start = Instant::now();
        while times.len() < 11 || start.elapsed() < Duration::from_millis(1500) {
            let run = Instant::now();
            black_box(verify_on(threads, inputs));
            times.push(run.elapsed());
        }
        let best = times.iter().min().copied().unwrap_or_default();
        let each = median(times).as_secs_f64() / inputs.len() as f64;
        let best = best.as_secs_f64() / inputs.len() as f64;
        println!(
            "| {threads} | {:.1} | {:.0} | {:.1} | {:.0} |",
            each * 1e6,
            1.0 / each,
            best * 1e6,
            1.0 / best
        );
    }

    println!();
    println!(
        "deploy_throughput summary (Runtime::deploy into an empty runtime; median; gas = exec::deploy_gas without code storage: {DEPLOY_BASE_GAS} + {DEPLOY_GAS_PER_BYTE} per byte + {DEPLOY_GAS_PER_FUNCTION} per declared function + {DEPLOY_GAS_PER_TYPE} per declared type)"
    );
    println!(
        "| contract | bytes | instrument us | compile us | instantiate us | deploy us | ns per byte | deploy_gas | gas / ns |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let config = gasworks_host_api::instrument_config();
    let linker = gasworks_host_api::linker();
    for (name, code) in EXAMPLES {
        let budget = Duration::from_millis(400);
        let total = gasworks_benches::median_time(11, budget, || deploy(code));
        let instrument = gasworks_benches::median_time(11, budget, || {
            gasworks_vm::instrument(code, &config).expect("instruments")
        });
        let instrumented = gasworks_vm::instrument(code, &config).expect("instruments");
        let compile = gasworks_benches::median_time(11, budget, || {
            gasworks_vm::engine::Module::new(&instrumented).expect("compiles")
        });
        let module = gasworks_vm::engine::Module::new(&instrumented).expect("compiles");
        let instantiate = gasworks_benches::median_time(11, budget, || {
            gasworks_vm::engine::Instance::new(&module, &linker).expect("instantiates")
        });
        let gas = deploy_gas(code, false);
        let ns = total.as_nanos() as f64;
        println!(
            "| {name} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {gas} | {:.2} |",
            code.len(),
            instrument.as_secs_f64() * 1e6,
            compile.as_secs_f64() * 1e6,
            instantiate.as_secs_f64() * 1e6,
            ns / 1e3,
            ns / code.len() as f64,
            gas as f64 / ns
        );
    }
    println!("(base {DEPLOY_BASE_GAS} gas covers hashing, the record and the instantiation)");

    // The adversarial shapes of the instrumentation and compile benchmarks
    // (no `execute` export: the deployment fails at the entry-point check,
    // after instrumenting and compiling, which the node has charged for up
    // front), and realistic generated code.
    println!();
    println!(
        "deploy cost of adversarial shapes (Runtime::deploy: instrument + compile, then the entry-point check fails; median)"
    );
    println!("| module | bytes | deploy us | ns per byte | deploy_gas | gas / ns | outcome |");
    println!("|---|---:|---:|---:|---:|---:|---|");
    let empty = Runtime::new();
    let shapes: [(&str, Vec<u8>); 8] = [
        (
            "generated-480k",
            gasworks_benches::realistic_module(480_000, 1),
        ),
        (
            "shape-tiny-functions",
            gasworks_benches::many_tiny_functions(),
        ),
        ("shape-deep-nesting", gasworks_benches::deep_nesting()),
        ("shape-br-table", gasworks_benches::huge_br_table()),
        ("shape-many-locals", gasworks_benches::many_locals()),
        ("shape-straight-line", gasworks_benches::straight_line()),
        ("shape-branch-dense", gasworks_benches::branch_dense()),
        ("shape-call-dense", gasworks_benches::call_dense()),
    ];
    for (name, wasm) in &shapes {
        let address = gasworks_host_api::Address([0xd1; 32]);
        let outcome = match empty.clone().deploy(address, wasm) {
            Ok(_) => "deployed".to_string(),
            Err(gasworks_host_api::DeployError::MissingEntryPoint) => {
                "no entry point (compiled)".to_string()
            }
            Err(error) => format!("refused: {error}"),
        };
        let time = gasworks_benches::median_time(5, Duration::from_millis(300), || {
            empty.clone().deploy(address, wasm).is_ok()
        });
        let gas = deploy_gas(wasm, false);
        let ns = time.as_nanos() as f64;
        println!(
            "| {name} | {} | {:.1} | {:.1} | {gas} | {:.2} | {outcome} |",
            wasm.len(),
            ns / 1e3,
            ns / wasm.len() as f64,
            gas as f64 / ns
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|arg| arg == flag);
    let full = has("--bench") && !has("--test") && !has("--list") && !has("--profile-time");
    let sizes: Vec<usize> = match std::env::var("GASWORKS_NODE_BENCH_SIZES") {
        Ok(list) => list
            .split(',')
            .map(|s| {
                s.trim()
                    .parse()
                    .expect("GASWORKS_NODE_BENCH_SIZES: numbers")
            })
            .collect(),
        Err(_) if full => vec![10_000, 100_000, 1_000_000],
        Err(_) => vec![10_000],
    };
    let mut criterion = Criterion::default().configure_from_args();
    let inputs = verify_inputs();
    let results = if has("--list") {
        Vec::new()
    } else {
        bench_transfers(&mut criterion, &sizes, !full)
    };
    bench_verify(&mut criterion, &inputs);
    bench_deploy(&mut criterion);
    criterion.final_summary();
    if full {
        summary(&results, &inputs);
    }
}
