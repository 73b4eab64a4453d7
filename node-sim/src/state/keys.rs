//! The state's key layout: one ordered key space, a tag byte per kind.
//!
//! | tag | key | value |
//! |---|---|---|
//! | `0x01` | account address | [`Account`] (borsh) |
//! | `0x02` | code hash (SHA-256 of the wasm) | the wasm |
//! | `0x03` | contract address | [`ContractInfo`] (borsh) |
//! | `0x04` | contract address, then the contract's own key | the value |
//!
//! Contract storage keys are the host API's full keys (address first), so
//! one contract's entries are one contiguous range and ordered iteration
//! within a contract is a range scan. Every key is in the state tree (its
//! SHA-256 is the tree's key hash), so the state root authenticates
//! accounts, code, contracts and storage alike.

use borsh::{BorshDeserialize, BorshSerialize};

use crate::Address;
use crate::hash::{Hash, hex};

/// Tag of account keys.
pub const ACCOUNT: u8 = 0x01;
/// Tag of code keys.
pub const CODE: u8 = 0x02;
/// Tag of contract keys.
pub const CONTRACT: u8 = 0x03;
/// Tag of contract storage keys.
pub const STORAGE: u8 = 0x04;

/// An account: the next nonce and the native balance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Account {
    /// The nonce the account's next transaction must carry.
    pub nonce: u64,
    /// Native balance.
    pub balance: u128,
}

/// A deployed contract: its code (by hash) and who deployed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ContractInfo {
    /// SHA-256 of the wasm, the key of its code entry.
    pub code_hash: Hash,
    /// The deploying account.
    pub deployer: Address,
}

/// An account's key.
pub fn account(address: &Address) -> Vec<u8> {
    tagged(ACCOUNT, address.as_bytes())
}

/// A code entry's key.
pub fn code(hash: &Hash) -> Vec<u8> {
    tagged(CODE, &hash.0)
}

/// A contract's key.
pub fn contract(address: &Address) -> Vec<u8> {
    tagged(CONTRACT, address.as_bytes())
}

/// The key of a host-API full storage key (contract address, then key).
pub fn storage(full_key: &[u8]) -> Vec<u8> {
    tagged(STORAGE, full_key)
}

fn tagged(tag: u8, rest: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + rest.len());
    key.push(tag);
    key.extend_from_slice(rest);
    key
}

/// What a state key means, in words: `account 0x…`, `storage of 0x… at
/// 0x… ("b…")`. Used by the divergence report to name a key's preimage.
pub fn describe(key: &[u8]) -> String {
    match key.split_first() {
        Some((&ACCOUNT, address)) if address.len() == 32 => format!("account 0x{}", hex(address)),
        Some((&CODE, hash)) if hash.len() == 32 => format!("code 0x{}", hex(hash)),
        Some((&CONTRACT, address)) if address.len() == 32 => {
            format!("contract 0x{}", hex(address))
        }
        Some((&STORAGE, full)) if full.len() >= 32 => {
            let (address, own) = full.split_at(32);
            let printable: String = own
                .iter()
                .map(|&b| if b.is_ascii_graphic() { b as char } else { '.' })
                .collect();
            format!(
                "storage of contract 0x{} at key 0x{} (\"{printable}\")",
                hex(address),
                hex(own)
            )
        }
        _ => format!("unknown key 0x{}", hex(key)),
    }
}

/// Parses a key as the `query` command takes it: `account:0xADDR`,
/// `contract:0xADDR`, `code:0xHASH`, `storage:0xADDR:0xKEY`, or the raw
/// state key `0x…`.
pub fn parse(text: &str) -> Option<Vec<u8>> {
    let fixed =
        |hex_text: &str| -> Option<[u8; 32]> { crate::hash::from_hex(hex_text)?.try_into().ok() };
    if let Some(rest) = text.strip_prefix("account:") {
        return Some(account(&Address(fixed(rest)?)));
    }
    if let Some(rest) = text.strip_prefix("contract:") {
        return Some(contract(&Address(fixed(rest)?)));
    }
    if let Some(rest) = text.strip_prefix("code:") {
        return Some(code(&Hash(fixed(rest)?)));
    }
    if let Some(rest) = text.strip_prefix("storage:") {
        let (address, key) = rest.split_once(':')?;
        let mut full = fixed(address)?.to_vec();
        full.extend(crate::hash::from_hex(key)?);
        return Some(storage(&full));
    }
    crate::hash::from_hex(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_describe() {
        let address = Address([0xab; 32]);
        let text = format!("account:0x{}", hex(&address.0));
        assert_eq!(parse(&text), Some(account(&address)));
        let key = parse(&format!("storage:{}:0x6261", hex(&address.0))).expect("parses");
        assert_eq!(key[0], STORAGE);
        assert!(describe(&key).contains("(\"ba\")"), "{}", describe(&key));
        assert!(describe(&account(&address)).starts_with("account 0xabab"));
        assert_eq!(parse("storage:zz:00"), None);
    }
}
