//! Contract calls through the whole stack: the example contracts
//! `examples/wasm/compute.wasm` and `token.wasm` (built with the SDK,
//! committed) deployed in the host API's `Runtime` and called with
//! borsh-encoded input, as a transaction would be: instantiation, the entry
//! charge, method dispatch, the computation, host calls, return data.
//!
//! Cases: `primes` (a sieve in wasm), `sha256_wasm` and `sha256_host` (the
//! same hash chain computed in wasm and through the host's `sha256`),
//! `sort`, and the token's `transfer(to, 1)` to a new holder (the node
//! benchmark's transaction without the node). For each, the time of one call and the gas it uses, and their
//! ratio (nanoseconds per gas unit): if prices matched costs, every case
//! would take about the same time per gas unit. The pair `sha256_wasm` /
//! `sha256_host` shows how the host function's price compares with the
//! price of doing the same work in metered wasm.
//!
//! No peer runs these calls (they need the host API); the peers are
//! compared on the kernels in `execute.rs`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, SamplingMode};
use gasworks_host_api::{
    Address, BlockEnv, CallRequest, MemoryStorage, Receipt, Runtime, StorageBackend,
};
use gasworks_node_sim::generate::call_input;

/// Gas limit of every call: far above what any case needs.
const GAS_LIMIT: u64 = 1 << 40;

/// One benchmarked call.
struct Case {
    name: &'static str,
    input: Vec<u8>,
}

fn cases() -> Vec<Case> {
    let data: Vec<u8> = (0..1024u32).map(|i| (i * 7 + 3) as u8).collect();
    vec![
        Case {
            name: "primes-200k",
            input: call_input("primes", &(200_000u32,)),
        },
        Case {
            name: "sha256_wasm-1KiB-x200",
            input: call_input("sha256_wasm", &(data.clone(), 200u32)),
        },
        Case {
            name: "sha256_host-1KiB-x200",
            input: call_input("sha256_host", &(data, 200u32)),
        },
        Case {
            name: "sort-20k",
            input: call_input("sort", &(20_000u32, 7u64)),
        },
    ]
}

/// The deployed contract and what a call needs.
struct Chain {
    runtime: Runtime,
    storage: Arc<dyn StorageBackend>,
    block: BlockEnv,
    contract: Address,
}

impl Chain {
    /// `examples/wasm/<name>.wasm` deployed into an empty runtime and
    /// storage.
    fn new(name: &str) -> Chain {
        let path = format!(
            "{}/../examples/wasm/{name}.wasm",
            env!("CARGO_MANIFEST_DIR")
        );
        let wasm = std::fs::read(&path).expect("examples/wasm (examples/build.sh)");
        let mut runtime = Runtime::new();
        let contract = Address([0xc0; 32]);
        runtime
            .deploy(contract, &wasm)
            .expect("the example deploys");
        Chain {
            runtime,
            storage: Arc::new(MemoryStorage::new()),
            block: BlockEnv {
                height: 1,
                time: 1_700_000_000,
                chain_id: 1,
            },
            contract,
        }
    }

    /// The token example, initialised by [`ORIGIN`], with tokens minted to
    /// it: the state a `transfer` needs (the writes of both calls applied).
    fn token() -> Chain {
        let mut chain = Chain::new("token");
        let mut storage = MemoryStorage::new();
        for input in [
            call_input("init", &("Token".to_string(), "TOK".to_string(), 18u8)),
            call_input("mint", &(ORIGIN, 1u128 << 100)),
        ] {
            chain.storage = Arc::new(storage.clone());
            let receipt = chain.receipt(&input);
            storage.apply(&receipt.changes);
        }
        chain.storage = Arc::new(storage);
        chain
    }

    fn receipt(&self, input: &[u8]) -> Receipt {
        let request = CallRequest {
            origin: ORIGIN,
            contract: self.contract,
            input: input.to_vec(),
            gas_limit: GAS_LIMIT,
        };
        let (receipt, debug) = self
            .runtime
            .execute(&self.block, self.storage.clone(), &request)
            .expect("the in-memory storage does not fail");
        assert_eq!(receipt.trap, None, "the call succeeds: {debug:?}");
        receipt
    }

    /// Runs one call; its gas used and return data.
    fn call(&self, input: &[u8]) -> (u64, Vec<u8>) {
        let receipt = self.receipt(input);
        (receipt.gas_used, receipt.return_data)
    }
}

/// The caller of every call.
const ORIGIN: Address = Address([0xa1; 32]);

fn bench_contracts(criterion: &mut Criterion, cases: &[(&Chain, Case)]) {
    let mut group = criterion.benchmark_group("contract-call");
    group.sampling_mode(SamplingMode::Flat);
    for (chain, case) in cases {
        group.bench_function(case.name, |b| b.iter(|| black_box(chain.call(&case.input))));
    }
    group.finish();
}

fn summary(cases: &[(&Chain, Case)]) {
    println!();
    println!(
        "contract-call summary (compute.wasm and token.wasm through Runtime::execute; median)"
    );
    println!("| call | gas used | time us | ns per gas |");
    println!("|---|---:|---:|---:|");
    let mut rates = Vec::new();
    for (chain, case) in cases {
        let (gas, _) = chain.call(&case.input);
        let time = gasworks_benches::median_time(11, Duration::from_millis(800), || {
            chain.call(&case.input)
        });
        let rate = time.as_nanos() as f64 / gas as f64;
        rates.push((case.name, gas, time, rate));
        println!(
            "| {} | {} | {:.1} | {:.3} |",
            case.name,
            gas,
            time.as_nanos() as f64 / 1000.0,
            rate
        );
    }
    let find = |name: &str| rates.iter().find(|r| r.0.starts_with(name));
    if let (Some(wasm), Some(host)) = (find("sha256_wasm"), find("sha256_host")) {
        println!(
            "sha256 host / wasm: gas {:.3}, time {:.3}",
            host.1 as f64 / wasm.1 as f64,
            host.2.as_nanos() as f64 / wasm.2.as_nanos() as f64
        );
    }
}

fn main() {
    let compute = Chain::new("compute");
    let token = Chain::token();
    let mut cases: Vec<(&Chain, Case)> = cases().into_iter().map(|case| (&compute, case)).collect();
    cases.push((
        &token,
        Case {
            name: "token-transfer",
            input: call_input("transfer", &(Address([0xb2; 32]), 1u128)),
        },
    ));
    // The results are the contract's own checks; here only that every
    // case runs and gives the same gas and result twice.
    for (chain, case) in &cases {
        assert_eq!(
            chain.call(&case.input),
            chain.call(&case.input),
            "{}",
            case.name
        );
    }
    let mut criterion = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    bench_contracts(&mut criterion, &cases);
    criterion.final_summary();
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|arg| arg == flag);
    if has("--bench") && !has("--test") && !has("--list") && !has("--profile-time") {
        summary(&cases);
    }
}
