//! Transactions through the block-execution core: fees, nonces, every
//! rejection code (with no state change), deploy and initialise as one
//! atomic transaction, and execute-without-commit.

use gasworks_node_sim::Address;
use gasworks_node_sim::block::Genesis;
use gasworks_node_sim::chain::{Chain, ChainOptions};
use gasworks_node_sim::generate::{EXAMPLES, Wallet, call_input, genesis_for};
use gasworks_node_sim::receipt::{RejectCode, Status};
use gasworks_node_sim::schedule::{TRANSFER_GAS, TX_BASE_GAS, TX_BYTE_GAS};
use gasworks_node_sim::state::keys::{self, Account};
use gasworks_node_sim::state::{RocksOptions, RocksStore, StateRead, StateStore};
use gasworks_node_sim::tx::{MAX_TX_BYTES, Transaction, TxKind, contract_address};

fn wasm(name: &str) -> Vec<u8> {
    EXAMPLES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, code)| code.to_vec())
        .expect("an example")
}

struct Fixture {
    _dir: tempfile::TempDir,
    chain: Chain<RocksStore>,
    wallets: Vec<Wallet>,
    genesis: Genesis,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let wallets: Vec<Wallet> = (0..5).map(|i| Wallet::derive(42, i)).collect();
    let genesis = genesis_for(&wallets);
    let store = RocksStore::open(dir.path(), RocksOptions::default()).expect("opens");
    let chain = Chain::open(store, &genesis, ChainOptions::default()).expect("genesis");
    Fixture {
        _dir: dir,
        chain,
        wallets,
        genesis,
    }
}

impl Fixture {
    fn tx(&self, from: usize, nonce: u64, gas_limit: u64, kind: TxKind) -> Transaction {
        Transaction {
            chain_id: self.genesis.chain_id,
            sender: self.wallets[from].public,
            nonce,
            gas_limit,
            gas_price: self.genesis.gas_price,
            kind,
        }
    }

    fn signed(&self, from: usize, tx: Transaction) -> Vec<u8> {
        tx.sign(&self.wallets[from].secret).expect("signs").encode()
    }

    fn account(&self, address: &Address) -> Account {
        self.chain
            .store()
            .get(&keys::account(address))
            .expect("reads")
            .map(|b| borsh::from_slice(&b).expect("an account"))
            .unwrap_or_default()
    }

    fn run(&mut self, txs: Vec<Vec<u8>>) -> Vec<gasworks_node_sim::receipt::TxRecord> {
        let timestamp = self.chain.head().timestamp + 1;
        let executed = self.chain.execute_block(timestamp, txs).expect("executes");
        let records = executed.records.clone();
        self.chain.commit(executed).expect("commits");
        records
    }
}

#[test]
fn a_transfer_moves_the_amount_charges_the_fee_and_bumps_the_nonce() {
    let mut f = fixture();
    let (a, b) = (f.wallets[0].address, f.wallets[1].address);
    let before_a = f.account(&a);
    let before_b = f.account(&b);
    let tx = f.signed(
        0,
        f.tx(0, 0, 1_000_000, TxKind::Transfer { to: b, amount: 777 }),
    );
    let len = tx.len() as u64;
    let records = f.run(vec![tx]);
    let receipt = &records[0].receipt;
    assert_eq!(receipt.status, Status::Success);
    let gas = TX_BASE_GAS + TX_BYTE_GAS * len + TRANSFER_GAS;
    assert_eq!(receipt.gas_used, gas);
    assert_eq!(receipt.fee, u128::from(gas));
    let after_a = f.account(&a);
    assert_eq!(after_a.nonce, 1);
    assert_eq!(after_a.balance, before_a.balance - 777 - u128::from(gas));
    assert_eq!(f.account(&b).balance, before_b.balance + 777);
    // The write set is exactly the two accounts, and its hash is the
    // receipt's.
    assert_eq!(records[0].writes.len(), 2);
    assert_eq!(
        receipt.write_set_hash,
        gasworks_node_sim::receipt::write_set_hash(&records[0].writes)
    );
}

#[test]
fn every_rejection_has_its_code_and_changes_nothing() {
    let mut f = fixture();
    let to = f.wallets[1].address;
    let transfer = || TxKind::Transfer { to, amount: 1 };
    let poor = f.wallets.len() - 1;
    let mut bad_signature = f.signed(0, f.tx(0, 0, 1_000_000, transfer()));
    let last = bad_signature.len() - 1;
    bad_signature[last] ^= 1;
    let mut wrong_chain = f.tx(0, 0, 1_000_000, transfer());
    wrong_chain.chain_id += 1;
    let mut cheap = f.tx(0, 0, 1_000_000, transfer());
    cheap.gas_price = 0;
    let cases: Vec<(Vec<u8>, RejectCode)> = vec![
        (vec![1, 2, 3], RejectCode::Malformed),
        (vec![0; MAX_TX_BYTES + 1], RejectCode::Oversized),
        (bad_signature, RejectCode::BadSignature),
        (f.signed(0, wrong_chain), RejectCode::WrongChainId),
        (
            f.signed(0, f.tx(0, 1, 1_000_000, transfer())),
            RejectCode::NonceTooHigh,
        ),
        (f.signed(0, cheap), RejectCode::GasPriceTooLow),
        (
            f.signed(0, f.tx(0, 0, f.genesis.block_gas_limit + 1, transfer())),
            RejectCode::GasLimitAboveBlock,
        ),
        (
            f.signed(0, f.tx(0, 0, 1_000, transfer())),
            RejectCode::GasLimitTooLow,
        ),
        (
            f.signed(poor, f.tx(poor, 0, 1_000_000, transfer())),
            RejectCode::CannotPayFee,
        ),
    ];
    let root_before = f.chain.head().state_root;
    let before: Vec<Account> = f.wallets.iter().map(|w| f.account(&w.address)).collect();
    let records = f.run(cases.iter().map(|(tx, _)| tx.clone()).collect());
    for ((_, expected), record) in cases.iter().zip(&records) {
        assert_eq!(record.receipt.status, Status::Rejected(*expected));
        assert_eq!(record.receipt.gas_used, 0);
        assert_eq!(record.receipt.fee, 0);
        assert!(
            record.writes.is_empty(),
            "{expected:?} wrote {:?}",
            record.writes
        );
    }
    let after: Vec<Account> = f.wallets.iter().map(|w| f.account(&w.address)).collect();
    assert_eq!(before, after);
    assert_eq!(f.chain.head().state_root, root_before, "nothing changed");
    // A used nonce is too low.
    let ok = f.signed(0, f.tx(0, 0, 1_000_000, transfer()));
    assert_eq!(f.run(vec![ok.clone()])[0].receipt.status, Status::Success);
    assert_eq!(
        f.run(vec![ok])[0].receipt.status,
        Status::Rejected(RejectCode::NonceTooLow)
    );
}

#[test]
fn block_gas_is_a_budget_of_gas_limits() {
    let mut f = fixture();
    let to = f.wallets[1].address;
    let half = f.genesis.block_gas_limit / 2 + 1;
    let txs = vec![
        f.signed(0, f.tx(0, 0, half, TxKind::Transfer { to, amount: 1 })),
        f.signed(2, f.tx(2, 0, half, TxKind::Transfer { to, amount: 1 })),
    ];
    let records = f.run(txs);
    assert_eq!(records[0].receipt.status, Status::Success);
    // The first used far less than its limit: what is left is the limit
    // less the gas used, so the second fits.
    assert_eq!(records[1].receipt.status, Status::Success);
    let used = records[0].receipt.gas_used;
    let too_big = f.genesis.block_gas_limit - used + 1;
    let txs = vec![
        f.signed(0, f.tx(0, 1, 1_000_000, TxKind::Transfer { to, amount: 1 })),
        f.signed(3, f.tx(3, 0, too_big, TxKind::Transfer { to, amount: 1 })),
    ];
    let records = f.run(txs);
    assert_eq!(
        records[1].receipt.status,
        Status::Rejected(RejectCode::BlockGasExhausted)
    );
}

#[test]
fn deploy_and_initialise_are_one_transaction() {
    let mut f = fixture();
    let deployer = f.wallets[0].address;
    let token = contract_address(&deployer, 0);
    // A constructor that fails (init's arguments do not decode): nothing
    // is deployed, the fee is paid.
    let bad = f.signed(
        0,
        f.tx(
            0,
            0,
            300_000_000,
            TxKind::Deploy {
                code: wasm("token"),
                init: call_input("init", &(7u8,)),
            },
        ),
    );
    let records = f.run(vec![bad]);
    assert!(matches!(records[0].receipt.status, Status::Trapped { .. }));
    assert!(records[0].receipt.fee > 0);
    assert_eq!(records[0].receipt.contract, None);
    assert_eq!(
        f.chain.store().get(&keys::contract(&token)).expect("reads"),
        None
    );
    // The right constructor: deployed and initialised in one step; the
    // deployer is the owner, so it may mint, and nobody could call init
    // before it.
    let init = call_input("init", &("T".to_string(), "T".to_string(), 0u8));
    let good = f.signed(
        0,
        f.tx(
            0,
            1,
            300_000_000,
            TxKind::Deploy {
                code: wasm("token"),
                init,
            },
        ),
    );
    let records = f.run(vec![good]);
    assert_eq!(
        records[0].receipt.status,
        Status::Success,
        "{:?}",
        records[0].debug
    );
    let token = contract_address(&deployer, 1);
    assert_eq!(records[0].receipt.contract, Some(token));
    let again = call_input("init", &("X".to_string(), "X".to_string(), 0u8));
    let call = |f: &Fixture, from: usize, nonce: u64, input: Vec<u8>| {
        f.signed(
            from,
            f.tx(
                from,
                nonce,
                20_000_000,
                TxKind::Call {
                    contract: token,
                    input,
                },
            ),
        )
    };
    let mint = call_input("mint", &(f.wallets[1].address, 5u128));
    let txs = vec![call(&f, 1, 0, again), call(&f, 0, 2, mint)];
    let records = f.run(txs);
    assert!(
        matches!(records[0].receipt.status, Status::Trapped { .. }),
        "re-init fails"
    );
    assert_eq!(
        records[1].receipt.status,
        Status::Success,
        "{:?}",
        records[1].debug
    );
    assert_eq!(records[1].debug.method.as_deref(), Some("mint"));
    assert_eq!(records[1].receipt.events.len(), 1);
}

#[test]
fn an_executed_block_that_is_not_committed_leaves_no_trace() {
    let mut f = fixture();
    let head = f.chain.head();
    let to = f.wallets[1].address;
    let tx = f.signed(0, f.tx(0, 0, 1_000_000, TxKind::Transfer { to, amount: 5 }));
    let executed = f
        .chain
        .execute_block(head.timestamp + 1, vec![tx.clone()])
        .expect("runs");
    assert_ne!(executed.header.state_root, head.state_root);
    drop(executed);
    assert_eq!(f.chain.head(), head);
    assert_eq!(f.chain.store().head().expect("reads"), Some(head));
    assert_eq!(f.account(&f.wallets[0].address).nonce, 0);
    // Executing it again gives the same header; committing it moves on.
    let first = f
        .chain
        .execute_block(head.timestamp + 1, vec![tx.clone()])
        .expect("runs");
    let header = first.header.clone();
    drop(first);
    let second = f
        .chain
        .execute_block(head.timestamp + 1, vec![tx])
        .expect("runs");
    assert_eq!(second.header, header);
    let committed = f.chain.commit(second).expect("commits");
    assert_eq!(committed.height, head.height + 1);
    assert_eq!(committed.state_root, header.state_root);
}

#[test]
fn genesis_contracts_are_deployed_and_initialised_in_block_0() {
    use gasworks_node_sim::block::GenesisContract;
    use gasworks_node_sim::tx::genesis_contract_address;
    let dir = tempfile::tempdir().expect("temp dir");
    let wallets: Vec<Wallet> = (0..3).map(|i| Wallet::derive(8, i)).collect();
    let mut genesis = genesis_for(&wallets);
    let owner = wallets[0].address;
    genesis.contracts.push(GenesisContract {
        deployer: owner,
        code: wasm("token"),
        init: call_input("init", &("G".to_string(), "G".to_string(), 2u8)),
    });
    genesis.contracts.push(GenesisContract {
        deployer: owner,
        code: wasm("counter"),
        init: Vec::new(),
    });
    let store = RocksStore::open(dir.path(), RocksOptions::default()).expect("opens");
    let chain = Chain::open(store, &genesis, ChainOptions::default()).expect("genesis");
    let token = genesis_contract_address(0);
    let mut f = Fixture {
        _dir: dir,
        chain,
        wallets,
        genesis: genesis.clone(),
    };
    assert!(
        f.chain
            .store()
            .get(&keys::contract(&token))
            .expect("reads")
            .is_some()
    );
    assert!(
        f.chain
            .store()
            .get(&keys::contract(&genesis_contract_address(1)))
            .expect("reads")
            .is_some()
    );
    // The genesis deployer owns the token: its mint succeeds; a deploy by
    // the same account with nonce 0 does not collide with contract #0.
    let mint = call_input("mint", &(owner, 9u128));
    let txs = vec![
        f.signed(
            0,
            f.tx(
                0,
                0,
                20_000_000,
                TxKind::Call {
                    contract: token,
                    input: mint,
                },
            ),
        ),
        f.signed(
            0,
            f.tx(
                0,
                1,
                300_000_000,
                TxKind::Deploy {
                    code: wasm("counter"),
                    init: Vec::new(),
                },
            ),
        ),
    ];
    let records = f.run(txs);
    assert_eq!(
        records[0].receipt.status,
        Status::Success,
        "{:?}",
        records[0].debug
    );
    assert_eq!(
        records[1].receipt.status,
        Status::Success,
        "{:?}",
        records[1].debug
    );

    // A genesis whose constructor fails is refused.
    let mut bad = genesis;
    bad.contracts[0].init = call_input("init", &(1u8,));
    let dir = tempfile::tempdir().expect("temp dir");
    let store = RocksStore::open(dir.path(), RocksOptions::default()).expect("opens");
    assert!(matches!(
        Chain::open(store, &bad, ChainOptions::default()),
        Err(gasworks_node_sim::chain::ChainError::Genesis(_))
    ));
}

#[test]
fn deployment_is_charged_per_byte_and_per_function_before_anything_compiles() {
    use gasworks_node_sim::exec::{declared_functions, declared_types, deploy_gas};
    use gasworks_node_sim::schedule::{
        CODE_STORAGE_GAS_PER_BYTE, DEPLOY_BASE_GAS, DEPLOY_GAS_PER_BYTE, DEPLOY_GAS_PER_FUNCTION,
        DEPLOY_GAS_PER_TYPE,
    };
    let code = wasm("token");
    let functions = declared_functions(&code);
    assert!(functions > 50, "the token declares {functions} functions");
    let types = declared_types(&code);
    assert!(types > 5, "the token declares {types} types");
    let bytes = code.len() as u64;
    assert_eq!(
        deploy_gas(&code, true),
        DEPLOY_BASE_GAS
            + DEPLOY_GAS_PER_BYTE * bytes
            + DEPLOY_GAS_PER_FUNCTION * functions
            + DEPLOY_GAS_PER_TYPE * types
            + CODE_STORAGE_GAS_PER_BYTE * bytes
    );
    assert_eq!(
        deploy_gas(&code, false),
        deploy_gas(&code, true) - CODE_STORAGE_GAS_PER_BYTE * bytes
    );
    // Garbage declares nothing (and the instrumenter refuses it, paid for).
    assert_eq!(declared_functions(b"not wasm"), 0);
    assert_eq!(declared_types(b"not wasm"), 0);

    // A gas limit that covers the transaction but not the deployment: out of
    // gas before compiling, the whole limit paid, nothing deployed.
    let mut f = fixture();
    let tx = f.tx(
        0,
        0,
        0,
        TxKind::Deploy {
            code: code.clone(),
            init: Vec::new(),
        },
    );
    let len = f.signed(0, tx.clone()).len() as u64;
    let intrinsic = TX_BASE_GAS + TX_BYTE_GAS * len;
    let limit = intrinsic + deploy_gas(&code, true) - 1;
    let mut tx = tx;
    tx.gas_limit = limit;
    let records = f.run(vec![f.signed(0, tx)]);
    assert!(matches!(records[0].receipt.status, Status::Trapped { .. }));
    assert_eq!(records[0].receipt.gas_used, limit);
    assert_eq!(records[0].receipt.contract, None);
    // With exactly enough, it deploys.
    let tx = f.tx(
        0,
        1,
        intrinsic + deploy_gas(&code, true),
        TxKind::Deploy {
            code,
            init: Vec::new(),
        },
    );
    let records = f.run(vec![f.signed(0, tx)]);
    assert_eq!(
        records[0].receipt.status,
        Status::Success,
        "{:?}",
        records[0].debug
    );
}
