//! `gasworks`: the command-line tool over every stage of the pipeline.
//!
//! Exit codes: 0 accepted (or done), 1 rejected, trapped or disagreeing
//! (the reason on stderr), 2 usage or I/O error.

#![forbid(unsafe_code)]

mod cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gasworks_node_sim::generate::GenConfig;

use cmd::USAGE_OR_IO;

/// mimalloc rather than glibc's malloc: the node frees and allocates tree
/// nodes, receipts and write sets by the hundred thousand per block
/// (docs/performance.md, "mimalloc"). It changes no result.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Deterministic, gas-metered WebAssembly VM for smart contracts.
#[derive(Parser)]
#[command(name = "gasworks", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The main job: example contracts, a generated chain replayed on three
    /// nodes under different conditions, roots, speed and a gas report.
    Demo {
        /// Seed of the generated chain.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Blocks after genesis.
        #[arg(long, default_value_t = 30)]
        blocks: u64,
        /// Funded accounts.
        #[arg(long, default_value_t = 1_000)]
        accounts: u64,
        /// Transactions per block.
        #[arg(long, default_value_t = 150)]
        txs_per_block: u32,
        /// Keep the chain and the nodes' data directories here.
        #[arg(long)]
        work_dir: Option<PathBuf>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Check a module against the accepted profile and limits; print a report.
    Check {
        /// A WebAssembly module (binary, or text format).
        file: PathBuf,
    },
    /// The static upload report: per export, the host functions it can
    /// reach, its stack bound (or the recursion naming its cycle), metered
    /// blocks and code; the memory, deploy gas and schedule hash; or the
    /// rejection with its function and offset.
    Audit {
        /// A WebAssembly module (binary, or text format).
        file: PathBuf,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Calibrate the gas schedule: time (and instructions, under valgrind
    /// when installed) per gas unit of every operator class, host function,
    /// storage operation, deployment shape and entry, against the median of
    /// plain wasm code; flags everything above 3x it. Takes minutes.
    Calibrate {
        /// Write the report here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The report as one JSON object instead of Markdown.
        #[arg(long)]
        json: bool,
        /// Smaller runs, fewer sizes, fewer repetitions, no instruction
        /// counts.
        #[arg(long)]
        quick: bool,
        /// Only the cases whose id contains one of these (the plain cases
        /// always run).
        #[arg(long)]
        only: Vec<String>,
    },
    /// Instrument a module (gas and stack metering) and write the result.
    Instrument {
        /// A WebAssembly module (binary, or text format).
        file: PathBuf,
        /// Where to write the instrumented binary module.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Run a module: an SDK contract's method (host API linked, in-memory
    /// storage, borsh arguments such as `u64:5 string:abc address:0x..`),
    /// or a plain module's export (wasm arguments `i32:5 i64:-1`).
    Call {
        /// A WebAssembly module (binary, or text format).
        file: PathBuf,
        /// The method (SDK contract) or export (plain module) to call.
        name: String,
        /// Arguments, `TYPE:VALUE`.
        #[arg(allow_negative_numbers = true)]
        args: Vec<String>,
        /// Gas limit.
        #[arg(long)]
        gas: u64,
        /// SDK contracts: call this constructor first, e.g.
        /// `--init "init string:Token string:TOK u8:18"`.
        #[arg(long)]
        init: Option<String>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        profile: cmd::profile::ProfileArgs,
    },
    /// Write a chain file (genesis and blocks) made from the example
    /// contracts; same arguments, byte-identical file.
    Gen {
        /// Seed.
        #[arg(long)]
        seed: u64,
        /// Blocks after genesis.
        #[arg(long)]
        blocks: u64,
        /// Funded accounts.
        #[arg(long)]
        accounts: u64,
        /// Transactions per block (after the first).
        #[arg(long, default_value_t = 100)]
        txs_per_block: u32,
        /// The chain file to write.
        #[arg(long)]
        out: PathBuf,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Apply a chain file to one node's data directory, resuming from its
    /// head and checking every block against its header.
    Node {
        /// The data directory (created when missing).
        #[arg(long)]
        data: PathBuf,
        /// The chain file.
        #[arg(long)]
        chain: PathBuf,
        /// Stop after this height.
        #[arg(long)]
        to: Option<u64>,
        /// Print `{"height": H, "state_root": "<hex>"}` at the end.
        #[arg(long)]
        json: bool,
        /// Print `committed H ROOT` after each block.
        #[arg(long)]
        progress: bool,
        /// Tests only: pause before or after a block's commit
        /// (`HEIGHT:before`, `HEIGHT:after`) and wait to be killed.
        #[arg(long, hide = true)]
        stop_at: Option<cmd::node::StopAt>,
    },
    /// Replay a chain on N nodes under different conditions; every block's
    /// roots must agree. On disagreement, name the first differing block,
    /// transaction, field and key, and write a repro bundle.
    Replay {
        /// The chain file.
        chain: Option<PathBuf>,
        /// Nodes (conditions in docs/node-sim.md).
        #[arg(long, default_value_t = 3)]
        nodes: usize,
        /// Where the nodes' data directories go (default: next to the chain).
        #[arg(long)]
        work_dir: Option<PathBuf>,
        /// Re-run a repro bundle instead.
        #[arg(long)]
        bundle: Option<PathBuf>,
        /// Tests only: make one node compute one wrong thing
        /// (`NODE:HEIGHT:TX:wrong-value`, `NODE:HEIGHT:TX:gas=N`).
        #[arg(long, hide = true)]
        inject_fault: Option<cmd::replay::InjectedFault>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// Gas profiles of every transaction and block (made by the first
        /// node in this process; the others check it changes nothing).
        #[command(flatten)]
        profile: cmd::profile::ProfileArgs,
    },
    /// Print the gas schedule (operator prices, host-function prices, node
    /// prices, limits and the hashes that identify them): the text of
    /// docs/gas-schedule.md, or JSON.
    Schedule {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Search for underpriced programs: generate and mutate contracts to
    /// maximise wall time per gas unit against plain code, and print the
    /// worst found (exit code 1 when one is above 3x the median).
    Search {
        /// Seed of the generator.
        #[arg(long)]
        seed: u64,
        /// Stop after this many candidates (default 200 without --time).
        #[arg(long)]
        rounds: Option<u64>,
        /// Stop after this many seconds.
        #[arg(long)]
        time: Option<u64>,
        /// Write the report and the worst programs into this directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Print a value, or its absence, from a node's data directory, with a
    /// proof against the head's state root.
    Query {
        /// The data directory.
        #[arg(long)]
        data: PathBuf,
        /// `account:0xADDR`, `contract:0xADDR`, `code:0xHASH`,
        /// `storage:0xADDR:0xKEY` or a raw state key `0x…`.
        key: String,
        /// Print the proof (and check it).
        #[arg(long)]
        proof: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // Help and version requests are not errors.
            let code = if err.use_stderr() { USAGE_OR_IO } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Demo {
            seed,
            blocks,
            accounts,
            txs_per_block,
            work_dir,
            json,
        } => {
            let config = GenConfig {
                seed,
                blocks,
                accounts,
                txs_per_block,
            };
            cmd::demo::run(&config, work_dir.as_deref(), json)
        }
        Command::Check { file } => cmd::check::run(&file),
        Command::Audit { file, json } => cmd::audit::run(&file, json),
        Command::Calibrate {
            out,
            json,
            quick,
            only,
        } => cmd::calibrate::run(out.as_deref(), json, quick, only),
        Command::Instrument { file, output } => cmd::instrument::run(&file, &output),
        Command::Call {
            file,
            name,
            args,
            gas,
            init,
            json,
            profile,
        } => cmd::call::run(&cmd::call::CallArgs {
            path: &file,
            name: &name,
            args: &args,
            gas,
            init: init.as_deref(),
            json,
            profile: &profile,
        }),
        Command::Gen {
            seed,
            blocks,
            accounts,
            txs_per_block,
            out,
            json,
        } => {
            let config = GenConfig {
                seed,
                blocks,
                accounts,
                txs_per_block,
            };
            cmd::generate::run(&config, &out, json)
        }
        Command::Node {
            data,
            chain,
            to,
            json,
            progress,
            stop_at,
        } => cmd::node::run(&data, &chain, to, json, progress, stop_at),
        Command::Replay {
            chain,
            nodes,
            work_dir,
            bundle,
            inject_fault,
            json,
            profile,
        } => cmd::replay::run(
            chain.as_deref(),
            nodes,
            work_dir.as_deref(),
            bundle.as_deref(),
            inject_fault,
            json,
            &profile,
        ),
        Command::Schedule { json } => cmd::schedule::run(json),
        Command::Search {
            seed,
            rounds,
            time,
            out,
            json,
        } => cmd::search::run(seed, rounds, time, out.as_deref(), json),
        Command::Query {
            data,
            key,
            proof,
            json,
        } => cmd::query::run(&data, &key, proof, json),
    }
}
