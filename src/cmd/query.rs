//! `gasworks query --data DIR KEY [--proof]`: a value, or its absence,
//! from a node's data directory, with a proof against the head's state
//! root.
//!
//! KEY is `account:0xADDR`, `contract:0xADDR`, `code:0xHASH`,
//! `storage:0xADDR:0xKEY` or a raw state key `0x…`.

use std::path::Path;
use std::process::ExitCode;

use gasworks_node_sim::hash::hex;
use gasworks_node_sim::state::keys::{self, Account, ContractInfo};
use gasworks_node_sim::state::{RocksOptions, RocksStore, StateRead, StateStore};

use super::{FAILED, USAGE_OR_IO};

/// Runs the command.
pub fn run(data: &Path, key: &str, proof: bool, json: bool) -> ExitCode {
    let Some(key) = keys::parse(key) else {
        eprintln!(
            "error: bad key {key:?}: write account:0xADDR, contract:0xADDR, code:0xHASH, \
             storage:0xADDR:0xKEY or 0xRAW"
        );
        return ExitCode::from(USAGE_OR_IO);
    };
    if !data.join("CURRENT").is_file() {
        eprintln!("error: {} is not a Gasworks data directory", data.display());
        return ExitCode::from(USAGE_OR_IO);
    }
    let store = match RocksStore::open(data, RocksOptions::default()) {
        Ok(store) => store,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(USAGE_OR_IO);
        }
    };
    let proven = match store.prove(&key) {
        Ok(proven) => proven,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(FAILED);
        }
    };
    // The flat state and the tree must agree: a difference is corruption.
    match store.get(&key) {
        Ok(flat) if flat == proven.value => {}
        Ok(_) => {
            eprintln!("error: the flat state and the state tree disagree on this key");
            return ExitCode::from(FAILED);
        }
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(FAILED);
        }
    }
    let verified = proven.verify().is_ok();
    let decoded = proven.value.as_deref().and_then(|value| match key.first() {
        Some(&keys::ACCOUNT) => borsh::from_slice::<Account>(value)
            .ok()
            .map(|a| format!("nonce {}, balance {}", a.nonce, a.balance)),
        Some(&keys::CONTRACT) => borsh::from_slice::<ContractInfo>(value)
            .ok()
            .map(|c| format!("code {}, deployer {}", c.code_hash, c.deployer)),
        _ => None,
    });
    if json {
        let mut value = serde_json::json!({
            "key": hex(&key),
            "describes": keys::describe(&key),
            "value": proven.value.as_deref().map(hex),
            "height": proven.height,
            "state_root": proven.root.to_hex(),
            "verified": verified,
        });
        if proof {
            value["proof"] = serde_json::Value::String(hex(&proven.proof));
        }
        say!("{value}");
    } else {
        say!("key:        {} ({})", hex(&key), keys::describe(&key));
        match &proven.value {
            Some(value) => say!(
                "value:      0x{}{}",
                hex(value),
                decoded.map_or(String::new(), |d| format!(" ({d})"))
            ),
            None => say!("value:      absent"),
        }
        say!("height:     {}", proven.height);
        say!("state root: {}", proven.root);
        if proof {
            say!("proof:      0x{}", hex(&proven.proof));
            say!("verified:   {verified}");
        }
    }
    if verified {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FAILED)
    }
}
