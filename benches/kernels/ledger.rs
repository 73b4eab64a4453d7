//! An ERC20-style token ledger in linear memory: an execution kernel shaped
//! like a contract's (hashing keys, probing a map, checked arithmetic,
//! building event records).
//!
//! Balances live in an open-addressing hash map keyed by 20-byte addresses
//! (FNV-1a, linear probing), allowances in a second map keyed by
//! (owner, spender). `run(size)` mints a fixed supply, performs `size`
//! pseudo-random operations (transfers, approvals, `transfer_from`s; some
//! fail for want of balance or allowance, as in real traffic), checks that
//! the supply is conserved and returns a checksum of the final balances, the
//! event log and the failures.
//!
//! Integer-only, `no_std`, no allocator. See README.md for the build command.

#![no_std]
#![no_main]

use core::ptr::addr_of_mut;

type Address = [u8; 20];

/// Accounts that start with a balance.
const HOLDERS: usize = 1_000;
/// Accounts that transfers may go to (the extra ones are created on the way).
const ACCOUNTS: usize = 1_200;
/// Owners that approve spenders, and the spenders they approve.
const OWNERS: usize = 256;
const SPENDERS: usize = 4;
/// Initial balance of each holder.
const MINT: u64 = 10_000;
/// Map capacities (powers of two, at most half full).
const BALANCE_SLOTS: usize = 4_096;
const ALLOWANCE_SLOTS: usize = 4_096;

#[derive(Clone, Copy)]
struct Balance {
    key: Address,
    used: bool,
    amount: u64,
}

#[derive(Clone, Copy)]
struct Allowance {
    owner: Address,
    spender: Address,
    used: bool,
    amount: u64,
}

const EMPTY_BALANCE: Balance = Balance {
    key: [0; 20],
    used: false,
    amount: 0,
};
const EMPTY_ALLOWANCE: Allowance = Allowance {
    owner: [0; 20],
    spender: [0; 20],
    used: false,
    amount: 0,
};

static mut BALANCES: [Balance; BALANCE_SLOTS] = [EMPTY_BALANCE; BALANCE_SLOTS];
static mut ALLOWANCES: [Allowance; ALLOWANCE_SLOTS] = [EMPTY_ALLOWANCE; ALLOWANCE_SLOTS];
static mut ADDRESSES: [Address; ACCOUNTS + SPENDERS] = [[0; 20]; ACCOUNTS + SPENDERS];

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv(mut hash: u64, bytes: &[u8]) -> u64 {
    for &byte in bytes {
        hash ^= byte as u64;
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

struct Ledger {
    balances: &'static mut [Balance; BALANCE_SLOTS],
    allowances: &'static mut [Allowance; ALLOWANCE_SLOTS],
    supply: u64,
    /// Running hash of the emitted events (topic and payload).
    log: u64,
}

impl Ledger {
    fn balance_slot(&mut self, key: &Address) -> &mut Balance {
        let mut index = fnv(FNV_OFFSET, key) as usize & (BALANCE_SLOTS - 1);
        // At most half full: the probe always ends.
        while self.balances[index].used && self.balances[index].key != *key {
            index = (index + 1) & (BALANCE_SLOTS - 1);
        }
        &mut self.balances[index]
    }

    fn allowance_slot(&mut self, owner: &Address, spender: &Address) -> &mut Allowance {
        let hash = fnv(fnv(FNV_OFFSET, owner), spender);
        let mut index = hash as usize & (ALLOWANCE_SLOTS - 1);
        while self.allowances[index].used
            && (self.allowances[index].owner != *owner
                || self.allowances[index].spender != *spender)
        {
            index = (index + 1) & (ALLOWANCE_SLOTS - 1);
        }
        &mut self.allowances[index]
    }

    fn balance_of(&mut self, key: &Address) -> u64 {
        let slot = self.balance_slot(key);
        if slot.used { slot.amount } else { 0 }
    }

    fn emit(&mut self, topic: &[u8], a: &Address, b: &Address, amount: u64) {
        let mut record = [0u8; 48];
        record[..20].copy_from_slice(a);
        record[20..40].copy_from_slice(b);
        record[40..].copy_from_slice(&amount.to_be_bytes());
        self.log = fnv(fnv(self.log, topic), &record);
    }

    fn mint(&mut self, to: &Address, amount: u64) {
        let slot = self.balance_slot(to);
        slot.key = *to;
        slot.used = true;
        slot.amount = slot.amount.checked_add(amount).unwrap_or_else(|| panic!());
        self.supply = self.supply.checked_add(amount).unwrap_or_else(|| panic!());
        self.emit(b"Transfer", &[0; 20], to, amount);
    }

    fn transfer(&mut self, from: &Address, to: &Address, amount: u64) -> bool {
        let from_slot = self.balance_slot(from);
        if !from_slot.used || from_slot.amount < amount {
            return false;
        }
        from_slot.amount -= amount;
        let to_slot = self.balance_slot(to);
        let Some(sum) = to_slot.amount.checked_add(amount) else {
            // Cannot happen with a conserved supply; undo and fail.
            self.balance_slot(from).amount += amount;
            return false;
        };
        to_slot.key = *to;
        to_slot.used = true;
        to_slot.amount = sum;
        self.emit(b"Transfer", from, to, amount);
        true
    }

    fn approve(&mut self, owner: &Address, spender: &Address, amount: u64) {
        let slot = self.allowance_slot(owner, spender);
        slot.owner = *owner;
        slot.spender = *spender;
        slot.used = true;
        slot.amount = amount;
        self.emit(b"Approval", owner, spender, amount);
    }

    fn transfer_from(
        &mut self,
        spender: &Address,
        owner: &Address,
        to: &Address,
        amount: u64,
    ) -> bool {
        let slot = self.allowance_slot(owner, spender);
        if !slot.used || slot.amount < amount {
            return false;
        }
        if !self.transfer(owner, to, amount) {
            return false;
        }
        self.allowance_slot(owner, spender).amount -= amount;
        true
    }
}

/// Mints `MINT` to each of 1,000 holders, performs `size` operations and
/// returns the checksum (traps if the supply is not conserved).
#[unsafe(no_mangle)]
pub extern "C" fn run(size: u32) -> u64 {
    // SAFETY: single-threaded guest; the tables are only used here.
    let (balances, allowances, addresses) = unsafe {
        (
            &mut *addr_of_mut!(BALANCES),
            &mut *addr_of_mut!(ALLOWANCES),
            &mut *addr_of_mut!(ADDRESSES),
        )
    };
    balances.fill(EMPTY_BALANCE);
    allowances.fill(EMPTY_ALLOWANCE);
    let mut seed = 0x5eed_u64;
    for address in addresses.iter_mut() {
        let words = [
            splitmix(&mut seed),
            splitmix(&mut seed),
            splitmix(&mut seed),
        ];
        address[..8].copy_from_slice(&words[0].to_le_bytes());
        address[8..16].copy_from_slice(&words[1].to_le_bytes());
        address[16..].copy_from_slice(&words[2].to_le_bytes()[..4]);
    }
    let (accounts, spenders) = addresses.split_at(ACCOUNTS);
    let mut ledger = Ledger {
        balances,
        allowances,
        supply: 0,
        log: FNV_OFFSET,
    };
    for holder in &accounts[..HOLDERS] {
        ledger.mint(holder, MINT);
    }

    // `pick(r, bits, n)`: an index below `n` from the bits of `r` above `bits`
    // (in `u64`, so the choice does not depend on the width of `usize`).
    let pick = |r: u64, bits: u32, n: usize| ((r >> bits) % n as u64) as usize;
    let mut failures = 0u64;
    let mut rng = 0x1ed6e5_u64;
    for _ in 0..size {
        let r = splitmix(&mut rng);
        let amount = (r >> 32) % (2 * MINT);
        let ok = match r % 16 {
            0..=11 => {
                let from = &accounts[pick(r, 4, HOLDERS)];
                let to = &accounts[pick(r, 14, ACCOUNTS)];
                ledger.transfer(from, to, amount / 4)
            }
            12..=13 => {
                let owner = &accounts[pick(r, 4, OWNERS)];
                let spender = &spenders[pick(r, 14, SPENDERS)];
                ledger.approve(owner, spender, amount);
                true
            }
            _ => {
                let owner = &accounts[pick(r, 4, OWNERS)];
                let spender = &spenders[pick(r, 14, SPENDERS)];
                let to = &accounts[pick(r, 18, ACCOUNTS)];
                ledger.transfer_from(spender, owner, to, amount / 2)
            }
        };
        failures += u64::from(!ok);
    }

    let mut total = 0u64;
    let mut checksum = 0u64;
    for account in accounts {
        let balance = ledger.balance_of(account);
        total += balance;
        checksum = checksum.wrapping_mul(1_000_003).wrapping_add(balance);
    }
    if total != ledger.supply {
        core::arch::wasm32::unreachable();
    }
    checksum ^ ledger.log.rotate_left(17) ^ failures.wrapping_mul(FNV_PRIME)
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
