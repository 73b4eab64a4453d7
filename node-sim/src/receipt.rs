//! Receipts: the consensus outcome of each transaction, and the debug part
//! kept beside it.
//!
//! A [`Receipt`] holds kinds and codes only: its borsh encoding goes into
//! the block's receipts root. Variant order of every enum here is part of
//! that encoding (borsh numbers variants by position): append, never
//! reorder. Messages for people (a rejection's text, a panic's message and
//! location, logs) are in [`TxDebug`], stored next to the receipt and
//! outside every hash.

use borsh::{BorshDeserialize, BorshSerialize};
use gasworks_host_api::Event;

use crate::Address;
use crate::hash::{Hash, tagged_hash};

/// Why a transaction was refused before it ran: no fee, no nonce, no state
/// change at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum RejectCode {
    /// The bytes are not a signed transaction.
    Malformed,
    /// Larger than [`crate::tx::MAX_TX_BYTES`].
    Oversized,
    /// The signature is not the sender's over this transaction.
    BadSignature,
    /// Signed for another chain.
    WrongChainId,
    /// The nonce is below the account's (already used).
    NonceTooLow,
    /// The nonce is above the account's (a gap).
    NonceTooHigh,
    /// The gas price is below the chain's.
    GasPriceTooLow,
    /// The gas limit is above the block's.
    GasLimitAboveBlock,
    /// The gas limit is above what is left of the block's.
    BlockGasExhausted,
    /// The gas limit does not cover the transaction's intrinsic gas.
    GasLimitTooLow,
    /// The sender cannot pay `gas_limit * gas_price`.
    CannotPayFee,
    /// The block already holds [`crate::schedule::MAX_BLOCK_TXS`]
    /// transactions or [`crate::schedule::MAX_BLOCK_BYTES`] bytes of them.
    BlockFull,
}

impl RejectCode {
    /// A short stable name.
    pub fn name(self) -> &'static str {
        match self {
            RejectCode::Malformed => "malformed",
            RejectCode::Oversized => "oversized",
            RejectCode::BadSignature => "bad_signature",
            RejectCode::WrongChainId => "wrong_chain_id",
            RejectCode::NonceTooLow => "nonce_too_low",
            RejectCode::NonceTooHigh => "nonce_too_high",
            RejectCode::GasPriceTooLow => "gas_price_too_low",
            RejectCode::GasLimitAboveBlock => "gas_limit_above_block",
            RejectCode::BlockGasExhausted => "block_gas_exhausted",
            RejectCode::GasLimitTooLow => "gas_limit_too_low",
            RejectCode::CannotPayFee => "cannot_pay_fee",
            RejectCode::BlockFull => "block_full",
        }
    }
}

/// Why a deployment failed (the fee is paid, nothing is deployed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum DeployFailure {
    /// The instrumenter refused the module (the rule is in the debug part).
    Rejected,
    /// The module does not compile.
    Compile,
    /// The module does not instantiate.
    Instantiation,
    /// No `execute` of type `() -> ()`.
    MissingEntryPoint,
    /// A contract already lives at the address.
    AddressTaken,
}

/// How a transaction ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum Status {
    /// It ran and its writes are committed.
    Success,
    /// It trapped (the stable code of [`gasworks_vm::trap::TrapKind::code`]):
    /// only the fee and the nonce are committed.
    Trapped {
        /// The trap kind's code.
        code: u64,
    },
    /// The deployment failed.
    DeployFailed(DeployFailure),
    /// A transfer of more than the sender has after the fee.
    InsufficientFunds,
    /// Refused before it ran.
    Rejected(RejectCode),
}

impl Status {
    /// Whether the transaction's writes were committed.
    pub fn is_success(&self) -> bool {
        matches!(self, Status::Success)
    }

    /// A short stable name (`success`, `trapped:out_of_gas`, `rejected:bad_signature`).
    pub fn name(&self) -> String {
        match self {
            Status::Success => "success".into(),
            Status::Trapped { code } => format!("trapped:{}", trap_name(*code)),
            Status::DeployFailed(failure) => format!("deploy_failed:{failure:?}"),
            Status::InsufficientFunds => "insufficient_funds".into(),
            Status::Rejected(code) => format!("rejected:{}", code.name()),
        }
    }
}

/// The name of a trap code (host traps by their host-API name).
pub fn trap_name(code: u64) -> String {
    use gasworks_vm::trap::TrapKind;
    match TrapKind::from_code(code) {
        Some(TrapKind::Host(host)) => match gasworks_host_api::HostTrap::from_code(host) {
            Some(trap) => format!("host:{}", trap.name()),
            None => format!("host_{host}"),
        },
        Some(kind) => kind.name().to_string(),
        None => format!("code_{code}"),
    }
}

/// One state change: a state key ([`crate::state::keys`]) and its new value
/// (`None`: removed).
pub type Change = (Vec<u8>, Option<Vec<u8>>);

/// The hash of a transaction's write set (its changes in key order).
pub fn write_set_hash(changes: &[Change]) -> Hash {
    tagged_hash(
        b"gasworks/write-set/v1",
        &[&borsh::to_vec(changes).unwrap_or_default()],
    )
}

/// The consensus outcome of one transaction.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Receipt {
    /// How it ended.
    pub status: Status,
    /// Gas used (0 when rejected).
    pub gas_used: u64,
    /// Fee taken from the sender: `gas_used * gas_price`.
    pub fee: u128,
    /// The contract's return data (empty unless a successful call or
    /// constructor set some).
    pub return_data: Vec<u8>,
    /// Events of a successful transaction, in emission order.
    pub events: Vec<Event>,
    /// [`write_set_hash`] of every state change the transaction made (the
    /// fee and nonce included).
    pub write_set_hash: Hash,
    /// The contract a successful deployment created.
    pub contract: Option<Address>,
}

/// A receipt's debug part: for people, never hashed.
#[derive(Debug, Clone, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct TxDebug {
    /// What went wrong, in words (rejection rule, panic message and
    /// location), or empty.
    pub message: String,
    /// The contracts' `log` messages.
    pub logs: Vec<String>,
    /// The method called (the first borsh string of the input), when the
    /// transaction is a call or a deployment with a constructor.
    pub method: Option<String>,
}

/// Everything a node keeps about one executed transaction.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct TxRecord {
    /// The consensus receipt.
    pub receipt: Receipt,
    /// The changes it made, in key order ([`Receipt::write_set_hash`] is
    /// their hash).
    pub writes: Vec<Change>,
    /// Its debug part.
    pub debug: TxDebug,
}
