//! The chain generator: a deterministic chain made from the example
//! contracts, executed by a producer node so that every header carries its
//! true roots.
//!
//! Block 1 deploys the examples (token, counter, callee, caller, multisig)
//! with their constructors in the deploying transaction, and mints tokens
//! to the first accounts. Every later block mixes token transfers among
//! all accounts, approvals and `transfer_from`, native transfers, counter
//! increments, multisig proposals signed by the owners with secp256k1,
//! cross-contract calls whose inner call fails or runs out of gas, calls
//! that fail, and transactions that are rejected (bad signature, wrong
//! chain id, nonce too high or too low, unaffordable fee, gas price too
//! low, gas limit above the block's, malformed and oversized encodings).
//!
//! Same [`GenConfig`], byte-identical chain file: the only randomness is a
//! SplitMix64 stream from the seed, keys are derived from the seed, and
//! the producer is an ordinary node.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use borsh::BorshSerialize;
use gasworks_host_api::crypto;

use crate::Address;
use crate::block::{Block, Genesis};
use crate::chain::{Chain, ChainError, ChainOptions};
use crate::chainfile::{ChainFileError, ChainWriter};
use crate::hash::Hash;
use crate::state::keys::{self, Account};
use crate::state::{RocksOptions, RocksStore, StateRead, StoreError};
use crate::tx::{
    MAX_TX_BYTES, PublicKey, Transaction, TxKind, address_of, contract_address, derived_secret_key,
};

/// The example contracts, as committed in `examples/wasm/`.
pub const EXAMPLES: [(&str, &[u8]); 6] = [
    ("token", include_bytes!("../../examples/wasm/token.wasm")),
    (
        "counter",
        include_bytes!("../../examples/wasm/counter.wasm"),
    ),
    ("callee", include_bytes!("../../examples/wasm/callee.wasm")),
    ("caller", include_bytes!("../../examples/wasm/caller.wasm")),
    (
        "multisig",
        include_bytes!("../../examples/wasm/multisig.wasm"),
    ),
    (
        "compute",
        include_bytes!("../../examples/wasm/compute.wasm"),
    ),
];

/// The example contract whose code hashes to `code_hash`, by name.
pub fn example_name(code_hash: &Hash) -> Option<&'static str> {
    EXAMPLES
        .iter()
        .find(|(_, code)| crypto::sha256(code) == code_hash.0)
        .map(|(name, _)| *name)
}

/// The generated chain's id.
pub const CHAIN_ID: u64 = 7;
/// Genesis time.
pub const GENESIS_TIME: u64 = 1_700_000_000;
/// The chain's gas price.
pub const GAS_PRICE: u64 = 1;
/// The block gas limit.
pub const BLOCK_GAS_LIMIT: u64 = 4_000_000_000;
/// Native balance of each generated account.
pub const INITIAL_BALANCE: u128 = 1_000_000_000_000_000_000_000;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenConfig {
    /// The seed of every random choice and key.
    pub seed: u64,
    /// Blocks after genesis (at least 1: the deployments).
    pub blocks: u64,
    /// Accounts with a balance at genesis (at least 4).
    pub accounts: u64,
    /// Transactions per block after the first.
    pub txs_per_block: u32,
}

/// What was generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenSummary {
    /// Blocks after genesis.
    pub blocks: u64,
    /// Transactions in all blocks.
    pub transactions: u64,
    /// Transactions by status name.
    pub statuses: BTreeMap<String, u64>,
    /// The final state root.
    pub state_root: Hash,
    /// The deployed example contracts, by name.
    pub contracts: BTreeMap<String, Address>,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// The producer failed.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The file failed.
    #[error(transparent)]
    File(#[from] ChainFileError),
    /// The producer's scratch directory failed.
    #[error("scratch directory {0}: {1}")]
    Scratch(String, std::io::Error),
    /// The configuration cannot make a chain.
    #[error("{0}")]
    Config(String),
}

impl From<StoreError> for GenError {
    fn from(error: StoreError) -> Self {
        GenError::Chain(ChainError::Store(error))
    }
}

/// SplitMix64: a small, fully specified random stream.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A stream from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value below `bound` (> 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }
}

/// A call's input: borsh of the method name, then of the arguments.
pub fn call_input<A: BorshSerialize>(method: &str, args: &A) -> Vec<u8> {
    let mut input = borsh::to_vec(&method.to_string()).unwrap_or_default();
    input.extend(borsh::to_vec(args).unwrap_or_default());
    input
}

/// The multisig example's action (same borsh layout).
#[derive(BorshSerialize)]
struct Action {
    contract: Address,
    input: Vec<u8>,
    gas: u64,
}

/// A generated account.
#[derive(Debug, Clone)]
pub struct Wallet {
    /// Secret key.
    pub secret: [u8; 32],
    /// Public key.
    pub public: PublicKey,
    /// Address.
    pub address: Address,
}

impl Wallet {
    /// The `index`th account of `seed`.
    pub fn derive(seed: u64, index: u64) -> Wallet {
        let secret = derived_secret_key(&seed.to_le_bytes(), index);
        let public = crypto::secp256k1_public_key(&secret).unwrap_or([2; 33]);
        Wallet {
            secret,
            public,
            address: address_of(&public),
        }
    }
}

/// The genesis of a generated chain with `accounts` funded wallets (and a
/// last, nearly empty one for unaffordable-fee rejections).
pub fn genesis_for(wallets: &[Wallet]) -> Genesis {
    let mut accounts: Vec<(Address, u128)> = wallets
        .iter()
        .map(|w| (w.address, INITIAL_BALANCE))
        .collect();
    if let Some(last) = accounts.last_mut() {
        last.1 = 1;
    }
    Genesis {
        chain_id: CHAIN_ID,
        timestamp: GENESIS_TIME,
        gas_price: GAS_PRICE,
        block_gas_limit: BLOCK_GAS_LIMIT,
        accounts,
        contracts: Vec::new(),
    }
}

struct Producer {
    chain: Chain<RocksStore>,
    wallets: Vec<Wallet>,
    nonces: Vec<u64>,
    rng: SplitMix64,
    contracts: BTreeMap<String, Address>,
    approvals: Vec<(usize, usize)>,
    /// Accounts that were sent tokens (they may send some on).
    holders: Vec<usize>,
    multisig_nonce: u64,
    summary: GenSummary,
}

const CALL_GAS: u64 = 20_000_000;
const DEPLOY_GAS: u64 = 200_000_000;

impl Producer {
    fn sign(&self, from: usize, nonce: u64, gas_limit: u64, kind: TxKind) -> Vec<u8> {
        let wallet = &self.wallets[from];
        let tx = Transaction {
            chain_id: CHAIN_ID,
            sender: wallet.public,
            nonce,
            gas_limit,
            gas_price: GAS_PRICE,
            kind,
        };
        tx.sign(&wallet.secret)
            .map(|signed| signed.encode())
            .unwrap_or_default()
    }

    fn next(&mut self, from: usize, gas_limit: u64, kind: TxKind) -> Vec<u8> {
        let nonce = self.nonces[from];
        self.nonces[from] += 1;
        self.sign(from, nonce, gas_limit, kind)
    }

    fn call(&mut self, from: usize, contract: &str, input: Vec<u8>) -> Vec<u8> {
        let contract = self.contracts[contract];
        self.next(from, CALL_GAS, TxKind::Call { contract, input })
    }

    fn random_address(&mut self) -> Address {
        let index = self.account();
        self.wallets[index].address
    }

    fn account(&mut self) -> usize {
        // The last wallet is the poor one: only for rejections.
        self.rng.below(self.wallets.len() as u64 - 1) as usize
    }

    fn produce(
        &mut self,
        height: u64,
        txs: Vec<Vec<u8>>,
        out: &mut ChainWriter,
    ) -> Result<(), GenError> {
        let executed = self.chain.execute_block(GENESIS_TIME + 2 * height, txs)?;
        for record in &executed.records {
            *self
                .summary
                .statuses
                .entry(record.receipt.status.name())
                .or_default() += 1;
        }
        self.summary.transactions += executed.records.len() as u64;
        let block = Block {
            header: executed.header.clone(),
            txs: executed.txs.clone(),
        };
        self.chain.commit(executed)?;
        out.append(&block)?;
        // Nonces as the chain sees them (a transaction meant to be valid
        // may still have been refused, e.g. a sender without funds).
        for (index, wallet) in self.wallets.iter().enumerate() {
            if self.nonces[index] == 0 {
                continue;
            }
            let account: Account = match self.chain.store().get(&keys::account(&wallet.address))? {
                Some(bytes) => borsh::from_slice(&bytes).unwrap_or_default(),
                None => Account::default(),
            };
            self.nonces[index] = account.nonce;
        }
        if let Some(wallet) = self.contracts.get("multisig") {
            let mut key = wallet.as_bytes().to_vec();
            key.push(b'n');
            self.multisig_nonce = match self.chain.store().get(&keys::storage(&key))? {
                Some(bytes) => borsh::from_slice(&bytes).unwrap_or_default(),
                None => 0,
            };
        }
        self.summary.blocks = height;
        self.summary.state_root = block.header.state_root;
        Ok(())
    }

    fn deployments(&mut self) -> Vec<Vec<u8>> {
        let owners: Vec<PublicKey> = (1..4).map(|i| self.wallets[i].public).collect();
        let plan: [(&str, Vec<u8>); 5] = [
            (
                "token",
                call_input(
                    "init",
                    &("Gasworks Token".to_string(), "GWT".to_string(), 18u8),
                ),
            ),
            ("counter", Vec::new()),
            ("callee", Vec::new()),
            ("caller", Vec::new()),
            ("multisig", call_input("init", &(owners, 2u32))),
        ];
        let mut txs = Vec::new();
        for (name, init) in plan {
            let code = EXAMPLES
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, code)| code.to_vec())
                .unwrap_or_default();
            let address = contract_address(&self.wallets[0].address, self.nonces[0]);
            self.contracts.insert(name.to_string(), address);
            txs.push(self.next(0, DEPLOY_GAS, TxKind::Deploy { code, init }));
        }
        let holders = self.wallets.len().min(65) - 1;
        self.holders = (0..holders).collect();
        for to in 0..holders {
            let to = self.wallets[to].address;
            let input = call_input("mint", &(to, 1_000_000_000u128));
            txs.push(self.call(0, "token", input));
        }
        txs
    }

    /// A token holder: three times in four one of the accounts minted to
    /// in block 1 (large balances), else one that was sent some (small).
    fn holder(&mut self) -> usize {
        let minted = self.holders.len().min(64) as u64;
        let pool = if self.rng.below(4) == 0 {
            self.holders.len() as u64
        } else {
            minted
        };
        let index = self.rng.below(pool) as usize;
        self.holders[index]
    }

    fn random_tx(&mut self, height: u64) -> Vec<u8> {
        let from = self.account();
        let roll = self.rng.below(100);
        match roll {
            0..45 => {
                // From an account that was sent tokens, to anyone: most
                // succeed, some find the balance too small.
                let from = self.holder();
                let to = self.account();
                if self.holders.len() < 100_000 {
                    self.holders.push(to);
                }
                let to = self.wallets[to].address;
                let amount = u128::from(1 + self.rng.below(100));
                self.call(from, "token", call_input("transfer", &(to, amount)))
            }
            45..52 => {
                let from = self.holder();
                let spender = self.account();
                let amount = u128::from(1 + self.rng.below(10_000));
                self.approvals.push((from, spender));
                let spender = self.wallets[spender].address;
                self.call(from, "token", call_input("approve", &(spender, amount)))
            }
            52..58 => match self.approvals.pop() {
                Some((owner, spender)) => {
                    let owner = self.wallets[owner].address;
                    let to = self.random_address();
                    let amount = u128::from(1 + self.rng.below(5_000));
                    let input = call_input("transfer_from", &(owner, to, amount));
                    self.call(spender, "token", input)
                }
                None => {
                    // No allowance: fails with InsufficientAllowance.
                    let owner = self.random_address();
                    let to = self.wallets[from].address;
                    self.call(
                        from,
                        "token",
                        call_input("transfer_from", &(owner, to, 1u128)),
                    )
                }
            },
            58..66 => {
                let to = self.random_address();
                let amount = u128::from(1 + self.rng.below(1_000_000));
                self.next(from, 1_000_000, TxKind::Transfer { to, amount })
            }
            66..72 => {
                let by = 1 + self.rng.below(10);
                self.call(from, "counter", call_input("increment", &(by,)))
            }
            72..76 => {
                let callee = self.contracts["callee"];
                let value = self.rng.below(1_000);
                self.call(
                    from,
                    "caller",
                    call_input("set_and_survive", &(callee, value)),
                )
            }
            76..78 => {
                let callee = self.contracts["callee"];
                self.call(from, "caller", call_input("spin", &(callee, 100_000u64)))
            }
            78..83 => self.multisig(from, roll != 82),
            83..88 => {
                // More than anyone holds: fails, the fee is paid.
                let to = self.random_address();
                self.call(from, "token", call_input("transfer", &(to, u128::MAX / 2)))
            }
            _ => self.rejected(from, height),
        }
    }

    fn multisig(&mut self, from: usize, enough: bool) -> Vec<u8> {
        let wallet = self.contracts["multisig"];
        let action = Action {
            contract: self.contracts["counter"],
            input: call_input("increment", &(1u64,)),
            gas: 2_000_000,
        };
        let message = (
            "gasworks-multisig".to_string(),
            CHAIN_ID,
            wallet,
            self.multisig_nonce,
            &action,
        );
        let hash = crypto::sha256(&borsh::to_vec(&message).unwrap_or_default());
        let signers: &[u32] = if enough { &[0, 2] } else { &[1] };
        let signatures: Vec<(u32, [u8; 64])> = signers
            .iter()
            .filter_map(|&owner| {
                let secret = &self.wallets[1 + owner as usize].secret;
                crypto::secp256k1_sign(&hash, secret)
                    .ok()
                    .map(|(signature, _)| (owner, signature))
            })
            .collect();
        if enough {
            self.multisig_nonce += 1;
        }
        self.call(
            from,
            "multisig",
            call_input("submit", &(action, signatures)),
        )
    }

    fn rejected(&mut self, from: usize, height: u64) -> Vec<u8> {
        let to = self.random_address();
        let transfer = TxKind::Transfer { to, amount: 1 };
        let nonce = self.nonces[from];
        match self.rng.below(9) {
            0 => {
                let mut bytes = self.sign(from, nonce, 1_000_000, transfer);
                if let Some(byte) = bytes.last_mut() {
                    *byte ^= 1;
                }
                bytes
            }
            1 => {
                let wallet = &self.wallets[from];
                let tx = Transaction {
                    chain_id: CHAIN_ID + 1,
                    sender: wallet.public,
                    nonce,
                    gas_limit: 1_000_000,
                    gas_price: GAS_PRICE,
                    kind: transfer,
                };
                tx.sign(&wallet.secret)
                    .map(|s| s.encode())
                    .unwrap_or_default()
            }
            2 => self.sign(from, nonce + 5, 1_000_000, transfer),
            3 if nonce > 0 => self.sign(from, nonce - 1, 1_000_000, transfer),
            4 => {
                let poor = self.wallets.len() - 1;
                let nonce = self.nonces[poor];
                self.sign(poor, nonce, 1_000_000, transfer)
            }
            5 => {
                let length = 1 + self.rng.below(200) as usize;
                (0..length).map(|_| self.rng.next_u64() as u8).collect()
            }
            6 => self.sign(from, nonce, BLOCK_GAS_LIMIT + 1, transfer),
            7 if height.is_multiple_of(16) => vec![0; MAX_TX_BYTES + 1],
            _ => {
                let wallet = &self.wallets[from];
                let tx = Transaction {
                    chain_id: CHAIN_ID,
                    sender: wallet.public,
                    nonce,
                    gas_limit: 1_000_000,
                    gas_price: 0,
                    kind: transfer,
                };
                tx.sign(&wallet.secret)
                    .map(|s| s.encode())
                    .unwrap_or_default()
            }
        }
    }
}

/// A scratch directory for the producer's own node, removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Generates a chain into `out`; the producer's node lives in a scratch
/// directory next to it.
///
/// # Errors
///
/// [`GenError`].
pub fn generate(config: &GenConfig, out: &Path) -> Result<GenSummary, GenError> {
    if config.blocks == 0 || config.accounts < 4 {
        return Err(GenError::Config(
            "a chain needs at least 1 block and 4 accounts".into(),
        ));
    }
    let scratch = Scratch(out.with_extension(format!("producer-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&scratch.0);
    // One more wallet than asked for: the poor one.
    let wallets: Vec<Wallet> = (0..=config.accounts)
        .map(|i| Wallet::derive(config.seed, i))
        .collect();
    let genesis = genesis_for(&wallets);
    let store = RocksStore::open(&scratch.0, RocksOptions::default())?;
    let chain = Chain::open(store, &genesis, ChainOptions::default())?;
    let mut writer = ChainWriter::create(out, &genesis)?;
    let nonces = vec![0; wallets.len()];
    let mut producer = Producer {
        chain,
        wallets,
        nonces,
        rng: SplitMix64::new(config.seed),
        contracts: BTreeMap::new(),
        approvals: Vec::new(),
        holders: Vec::new(),
        multisig_nonce: 0,
        summary: GenSummary {
            blocks: 0,
            transactions: 0,
            statuses: BTreeMap::new(),
            state_root: Hash::default(),
            contracts: BTreeMap::new(),
        },
    };
    let first = producer.deployments();
    producer.produce(1, first, &mut writer)?;
    for height in 2..=config.blocks {
        let txs = (0..config.txs_per_block)
            .map(|_| producer.random_tx(height))
            .collect();
        producer.produce(height, txs, &mut writer)?;
    }
    writer.finish()?;
    producer.summary.contracts = producer.contracts.clone();
    Ok(producer.summary)
}
