//! A fungible token: mint, transfer, approve, transfer_from, balance_of,
//! total_supply, allowance, and an ordered listing of holders; with
//! `Transfer` and `Approval` events.
//!
//! The account that calls `init` is the token's owner, the only one that
//! may mint. Amounts are `u128`. A failing method returns `Err(TokenError)`,
//! which fails the call (rolled back) with the error in the outcome's debug
//! part. Zero balances and allowances are removed from storage, so the
//! holder listing holds only accounts with a balance.

#![no_std]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

use gasworks_sdk::storage::{Item, Map};
use gasworks_sdk::{Address, Event, contract, env, events};

/// Name, symbol and decimals.
const METADATA: Item<(String, String, u8)> = Item::new(b"m");
/// Who may mint.
const OWNER: Item<Address> = Item::new(b"o");
/// Total supply.
const SUPPLY: Item<u128> = Item::new(b"s");
/// Balance per holder.
const BALANCES: Map<Address, u128> = Map::new(b"b");
/// Allowance per (owner, spender).
const ALLOWANCES: Map<(Address, Address), u128> = Map::new(b"a");

/// Tokens moved (`from` is zero for a mint).
#[derive(Event)]
pub struct Transfer {
    #[topic]
    pub from: Address,
    #[topic]
    pub to: Address,
    pub amount: u128,
}

/// An allowance set.
#[derive(Event)]
pub struct Approval {
    #[topic]
    pub owner: Address,
    #[topic]
    pub spender: Address,
    pub amount: u128,
}

/// Why a method failed. The variants carry no amounts on purpose:
/// formatting a `u128` for the message would add about 4 KiB of code.
#[derive(Debug)]
pub enum TokenError {
    /// `init` was called before.
    AlreadyInitialized,
    /// Only the owner may mint.
    NotOwner,
    /// The sender's balance is too small.
    InsufficientBalance,
    /// The spender's allowance is too small.
    InsufficientAllowance,
    /// The total supply would overflow.
    SupplyOverflow,
}

fn balance(owner: &Address) -> u128 {
    BALANCES.get(owner).unwrap_or(0)
}

fn set_balance(owner: &Address, amount: u128) {
    if amount == 0 {
        BALANCES.remove(owner);
    } else {
        BALANCES.set(owner, &amount);
    }
}

/// Moves `amount` from `from` to `to` and emits `Transfer`.
fn move_tokens(from: Address, to: Address, amount: u128) -> Result<(), TokenError> {
    let from_balance = balance(&from);
    if from_balance < amount {
        return Err(TokenError::InsufficientBalance);
    }
    if from != to && amount > 0 {
        set_balance(&from, from_balance - amount);
        // Cannot overflow: the sum of balances is the supply, a u128.
        set_balance(&to, balance(&to) + amount);
    }
    events::emit(&Transfer { from, to, amount });
    Ok(())
}

pub struct Token;

#[contract]
impl Token {
    /// Sets the name, symbol and decimals; the caller becomes the owner.
    pub fn init(name: String, symbol: String, decimals: u8) -> Result<(), TokenError> {
        if OWNER.exists() {
            return Err(TokenError::AlreadyInitialized);
        }
        OWNER.set(&env::caller());
        METADATA.set(&(name, symbol, decimals));
        Ok(())
    }

    /// Name, symbol and decimals.
    pub fn metadata() -> (String, String, u8) {
        METADATA.get().expect("not initialised")
    }

    /// Creates `amount` tokens for `to`; only the owner may.
    pub fn mint(to: Address, amount: u128) -> Result<(), TokenError> {
        if OWNER.get() != Some(env::caller()) {
            return Err(TokenError::NotOwner);
        }
        let supply = SUPPLY.get_or_default();
        let supply = supply
            .checked_add(amount)
            .ok_or(TokenError::SupplyOverflow)?;
        SUPPLY.set(&supply);
        set_balance(&to, balance(&to) + amount);
        events::emit(&Transfer {
            from: Address::ZERO,
            to,
            amount,
        });
        Ok(())
    }

    /// Sends `amount` of the caller's tokens to `to`.
    pub fn transfer(to: Address, amount: u128) -> Result<(), TokenError> {
        move_tokens(env::caller(), to, amount)
    }

    /// Lets `spender` move up to `amount` of the caller's tokens (replacing
    /// any earlier allowance).
    pub fn approve(spender: Address, amount: u128) {
        let owner = env::caller();
        if amount == 0 {
            ALLOWANCES.remove(&(owner, spender));
        } else {
            ALLOWANCES.set(&(owner, spender), &amount);
        }
        events::emit(&Approval {
            owner,
            spender,
            amount,
        });
    }

    /// Moves `amount` from `from` to `to` out of the caller's allowance.
    pub fn transfer_from(from: Address, to: Address, amount: u128) -> Result<(), TokenError> {
        let key = (from, env::caller());
        let allowance = ALLOWANCES.get(&key).unwrap_or(0);
        if allowance < amount {
            return Err(TokenError::InsufficientAllowance);
        }
        move_tokens(from, to, amount)?;
        if allowance == amount {
            ALLOWANCES.remove(&key);
        } else {
            ALLOWANCES.set(&key, &(allowance - amount));
        }
        Ok(())
    }

    /// The balance of `owner`.
    pub fn balance_of(owner: Address) -> u128 {
        balance(&owner)
    }

    /// All tokens in existence.
    pub fn total_supply() -> u128 {
        SUPPLY.get_or_default()
    }

    /// What `spender` may still move of `owner`'s tokens.
    pub fn allowance(owner: Address, spender: Address) -> u128 {
        ALLOWANCES.get(&(owner, spender)).unwrap_or(0)
    }

    /// Up to `limit` holders and their balances in address order, after
    /// `after` (exclusive) when given: page through all holders by passing
    /// the last address of a page.
    pub fn holders(after: Option<Address>, limit: u32) -> Vec<(Address, u128)> {
        let entries = match after {
            Some(after) => BALANCES.iter_after(&after),
            None => BALANCES.iter(),
        };
        entries.take(limit as usize).collect()
    }
}
