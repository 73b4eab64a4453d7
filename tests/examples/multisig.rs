//! `examples/multisig`: owners' secp256k1 signatures checked by the host
//! (verify and recover), replay protection, an action run in the wallet's
//! name on the token; gas pinned per call.

use gasworks_sdk_testing::borsh;
use gasworks_sdk_testing::host::crypto::{secp256k1_public_key, secp256k1_sign, sha256};
use gasworks_sdk_testing::sdk::call::encode_input;
use gasworks_sdk_testing::sdk::storage::Map;
use gasworks_sdk_testing::{Address, Outcome, TestChain, account};

use super::{golden, wasm};

/// `(contract, input, gas)`: the borsh layout of the wallet's `Action`.
type Action = (Address, Vec<u8>, u64);

const BALANCES: Map<Address, u128> = Map::new(b"b");

const SECRETS: [[u8; 32]; 3] = [[1; 32], [2; 32], [3; 32]];

struct Setup {
    chain: TestChain,
    wallet: Address,
    token: Address,
    bob: Address,
}

/// A 2-of-3 wallet holding 1,000 tokens.
fn setup() -> Setup {
    let mut chain = TestChain::new();
    chain.check_profile = true;
    let wallet = chain.deploy(&wasm("multisig"));
    let token = chain.deploy(&wasm("token"));
    let (deployer, bob) = (account("deployer"), account("bob"));
    let owners: Vec<[u8; 33]> = SECRETS
        .iter()
        .map(|s| secp256k1_public_key(s).expect("a valid secret"))
        .collect();
    chain
        .call(deployer, wallet, "init", &(owners, 2u32))
        .unwrap::<()>();
    chain
        .call(deployer, token, "init", &("T", "T", 0u8))
        .unwrap::<()>();
    chain
        .call(deployer, token, "mint", &(wallet, 1_000u128))
        .unwrap::<()>();
    Setup {
        chain,
        wallet,
        token,
        bob,
    }
}

fn pay(token: Address, to: Address, amount: u128) -> Action {
    (token, encode_input("transfer", &(to, amount)), 1_000_000)
}

/// What the owners sign, computed here independently of the contract.
fn message_hash(chain_id: u64, wallet: Address, nonce: u64, action: &Action) -> [u8; 32] {
    let message = ("gasworks-multisig", chain_id, wallet, nonce, action);
    sha256(&borsh::to_vec(&message).expect("encodes"))
}

fn sign(owner: usize, hash: &[u8; 32]) -> ([u8; 64], u8) {
    secp256k1_sign(hash, &SECRETS[owner]).expect("signs")
}

fn submit(setup: &mut Setup, action: &Action, owners: &[usize], nonce: u64) -> Outcome {
    let hash = message_hash(setup.chain.block.chain_id, setup.wallet, nonce, action);
    let signatures: Vec<(u32, [u8; 64])> = owners
        .iter()
        .map(|&o| (o as u32, sign(o, &hash).0))
        .collect();
    let anyone = account("relayer");
    setup.chain.call(
        anyone,
        setup.wallet,
        "submit",
        &(action.clone(), signatures),
    )
}

fn message(outcome: &Outcome) -> String {
    outcome
        .unwrap_failure()
        .message()
        .expect("a message")
        .to_string()
}

#[test]
fn enough_owners_signatures_run_the_action_once() {
    let mut setup = setup();
    let action = pay(setup.token, setup.bob, 100);
    submit(&mut setup, &action, &[0, 2], 0).unwrap::<Vec<u8>>();
    let (chain, token, wallet, bob) = (&setup.chain, setup.token, setup.wallet, setup.bob);
    assert_eq!(chain.map_get(token, &BALANCES, &bob), Some(100));
    assert_eq!(chain.map_get(token, &BALANCES, &wallet), Some(900));
    assert_eq!(chain.simulate(bob, wallet, "nonce", &()).unwrap::<u64>(), 1);
    // The same signatures again: they were for nonce 0, none verifies now.
    let replay = submit(&mut setup, &action, &[0, 2], 0);
    assert_eq!(message(&replay), "0 valid signatures, 2 needed");
    // Fresh signatures for nonce 1 work.
    submit(&mut setup, &action, &[1, 2], 1).unwrap::<Vec<u8>>();
    assert_eq!(setup.chain.map_get(token, &BALANCES, &bob), Some(200));
}

#[test]
fn too_few_repeated_malformed_or_foreign_signatures_are_refused() {
    let mut setup = setup();
    let action = pay(setup.token, setup.bob, 100);
    assert_eq!(
        message(&submit(&mut setup, &action, &[1], 0)),
        "1 valid signatures, 2 needed"
    );
    assert_eq!(
        message(&submit(&mut setup, &action, &[1, 1], 0)),
        "owner #1 signed twice"
    );
    let malformed = setup.chain.call(
        account("relayer"),
        setup.wallet,
        "submit",
        &(action.clone(), vec![(0u32, [0u8; 64])]),
    );
    assert_eq!(
        message(&malformed),
        "signature of owner #0: MalformedSignature"
    );
    // Signed for another chain.
    setup.chain.block.chain_id = 2;
    let hash = message_hash(1, setup.wallet, 0, &action);
    let signatures: Vec<(u32, [u8; 64])> = (0..3).map(|o| (o as u32, sign(o, &hash).0)).collect();
    let foreign = setup.chain.call(
        account("relayer"),
        setup.wallet,
        "submit",
        &(action.clone(), signatures),
    );
    assert_eq!(message(&foreign), "0 valid signatures, 2 needed");
    assert_eq!(
        setup.chain.map_get(setup.token, &BALANCES, &setup.bob),
        None
    );
}

#[test]
fn recovered_keys_count_as_signers() {
    let mut setup = setup();
    let action = pay(setup.token, setup.bob, 40);
    let hash = message_hash(1, setup.wallet, 0, &action);
    let signatures = vec![sign(0, &hash), sign(1, &hash)];
    let outcome = setup.chain.call(
        account("relayer"),
        setup.wallet,
        "submit_recovered",
        &(action.clone(), signatures.clone()),
    );
    outcome.unwrap::<Vec<u8>>();
    assert_eq!(
        setup.chain.map_get(setup.token, &BALANCES, &setup.bob),
        Some(40)
    );
    // A stranger's signature recovers a key that is no owner's.
    let hash = message_hash(1, setup.wallet, 1, &action);
    let stranger = secp256k1_sign(&hash, &[9; 32]).expect("signs");
    let refused = setup.chain.call(
        account("relayer"),
        setup.wallet,
        "submit_recovered",
        &(action, vec![sign(0, &hash), stranger]),
    );
    assert_eq!(message(&refused), "1 valid signatures, 2 needed");
}

#[test]
fn a_failing_action_fails_the_submission_and_keeps_the_nonce() {
    let mut setup = setup();
    let action = pay(setup.token, setup.bob, 5_000);
    let outcome = submit(&mut setup, &action, &[0, 1], 0);
    assert_eq!(message(&outcome), "the action failed: Trapped");
    assert_eq!(
        setup
            .chain
            .simulate(setup.bob, setup.wallet, "nonce", &())
            .unwrap::<u64>(),
        0
    );
}

#[test]
fn gas_per_call_is_pinned() {
    let mut setup = setup();
    let mut report = golden("multisig", "examples/multisig: examples/wasm/multisig.wasm");
    let action = pay(setup.token, setup.bob, 100);
    let outcome = submit(&mut setup, &action, &[0, 2], 0);
    report.record("submit: 2 signatures verified, token transfer", &outcome);
    let hash = message_hash(1, setup.wallet, 1, &action);
    let recovered = setup.chain.call(
        account("relayer"),
        setup.wallet,
        "submit_recovered",
        &(action.clone(), vec![sign(0, &hash), sign(1, &hash)]),
    );
    report.record(
        "submit_recovered: 2 keys recovered, token transfer",
        &recovered,
    );
    let replay = submit(&mut setup, &action, &[0, 2], 0);
    report.record("submit replayed (fails)", &replay);
    let nonce = setup.chain.call(setup.bob, setup.wallet, "nonce", &());
    report.record("nonce", &nonce);
    report.check();
}
