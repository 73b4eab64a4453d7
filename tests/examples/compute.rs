//! `examples/compute`: compute-heavy methods, checked against native
//! results; gas pinned per call.

use gasworks_sdk_testing::host::crypto::sha256;
use gasworks_sdk_testing::{Address, TestChain, account};

use super::{golden, wasm};

fn chain() -> (TestChain, Address) {
    let mut chain = TestChain::new();
    chain.check_profile = true;
    let compute = chain.deploy(&wasm("compute"));
    (chain, compute)
}

fn primes_below(limit: u32) -> u32 {
    (2..limit)
        .filter(|n| (2..*n).take_while(|d| d * d <= *n).all(|d| n % d != 0))
        .count() as u32
}

fn sorted_checksum(n: u32, seed: u64) -> u64 {
    let mut state = seed | 1;
    let mut values: Vec<u64> = (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        })
        .collect();
    values.sort_unstable();
    values.iter().enumerate().fold(0u64, |sum, (i, v)| {
        sum.wrapping_add(v.wrapping_mul(i as u64))
    })
}

#[test]
fn results_match_native_computations() {
    let (chain, compute) = chain();
    let alice = account("alice");
    for limit in [0u32, 2, 3, 100, 10_000, 100_000] {
        assert_eq!(
            chain
                .simulate(alice, compute, "primes", &(limit,))
                .unwrap::<u32>(),
            primes_below(limit),
            "{limit}"
        );
    }
    for (data, rounds) in [(vec![], 1u32), (b"abc".to_vec(), 1), (vec![7u8; 200], 5)] {
        let mut expected = sha256(&data);
        for _ in 1..rounds {
            expected = sha256(&expected);
        }
        let args = (data.clone(), rounds);
        assert_eq!(
            chain
                .simulate(alice, compute, "sha256_wasm", &args)
                .unwrap::<[u8; 32]>(),
            expected
        );
        assert_eq!(
            chain
                .simulate(alice, compute, "sha256_host", &args)
                .unwrap::<[u8; 32]>(),
            expected
        );
    }
    assert_eq!(
        chain
            .simulate(alice, compute, "sort", &(1_000u32, 42u64))
            .unwrap::<u64>(),
        sorted_checksum(1_000, 42)
    );
}

#[test]
fn gas_per_call_is_pinned() {
    let (mut chain, compute) = chain();
    let alice = account("alice");
    let mut report = golden("compute", "examples/compute: examples/wasm/compute.wasm");
    let primes = chain.call(alice, compute, "primes", &(100_000u32,));
    assert_eq!(primes.unwrap::<u32>(), 9_592);
    report.record("primes(100,000)", &primes);
    let data = vec![0x5au8; 64];
    report.record(
        "sha256_wasm(64 bytes, 100 rounds)",
        &chain.call(alice, compute, "sha256_wasm", &(data.clone(), 100u32)),
    );
    report.record(
        "sha256_host(64 bytes, 100 rounds)",
        &chain.call(alice, compute, "sha256_host", &(data, 100u32)),
    );
    report.record(
        "sort(10,000)",
        &chain.call(alice, compute, "sort", &(10_000u32, 7u64)),
    );
    report.check();
}
