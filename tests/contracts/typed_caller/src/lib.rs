//! A test contract calling the registry (`tests/contracts/typed`) through
//! its typed reference, `RegistryRef` (tests/sdk_client.rs).

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::string::String;

use gasworks_sdk::call::{Call, encode_input};
use gasworks_sdk::{Address, contract};
use typed::RegistryRef;

/// The caller.
pub struct Caller;

#[contract]
impl Caller {
    /// Registers this contract in `registry` under `name`: the count, or 0
    /// when the registry refused (its writes are then rolled back, and this
    /// call goes on).
    pub fn register_in(registry: Address, name: String) -> u32 {
        RegistryRef::new(registry)
            .register(name)
            .with_gas_limit(2_000_000)
            .invoke()
            .unwrap_or(0)
    }

    /// The name this contract has in `registry`, and the count, read
    /// through the reference.
    pub fn lookup(registry: Address) -> (Option<String>, u32) {
        let registry = RegistryRef::new(registry);
        let me = gasworks_sdk::env::contract_address();
        let name = registry.name_of(me).invoke().unwrap_or(None);
        let count = registry.count().invoke().unwrap_or(u32::MAX);
        (name, count)
    }

    /// Calls `touch` then `label` as if `label` returned a `u64` (which
    /// no reference would do: the call is made by hand). The result does not
    /// decode, so this call fails, and `touch`'s and `label`'s writes are
    /// rolled back with it.
    pub fn mismatched(registry: Address) -> u64 {
        RegistryRef::new(registry).touch(1).invoke().unwrap_or(());
        let call: Call<u64> = Call::new(registry, "label", encode_input("label", &(2u64,)));
        call.invoke().unwrap_or(0)
    }
}
