//! Storage host functions: read, write, remove, has, and prefix scans, in
//! the running contract's namespace (its address in front of every key).

use std::ops::Bound;

use gasworks_vm::profile::Category;
use gasworks_vm::trap::TrapKind;

use super::{HostCall, Meter};
use crate::HostTrap;
use crate::codes::NOT_FOUND;
use crate::env::{Address, Env};
use crate::limits::{MAX_KEY_LEN, MAX_VALUE_LEN};
use crate::manifest::Cost;
use crate::storage::{MergedScan, Step, StorageError, prefix_end};

/// Checks a key's length: 1 to [`MAX_KEY_LEN`] bytes.
fn check_key_len(len: u32) -> Result<(), TrapKind> {
    if len == 0 || len > MAX_KEY_LEN {
        return Err(HostTrap::KeyLength.kind());
    }
    Ok(())
}

/// The full key: the contract's address, then its key.
pub(crate) fn full_key(address: &Address, key: &[u8]) -> Vec<u8> {
    let mut full = Vec::with_capacity(32 + key.len());
    full.extend_from_slice(address.as_bytes());
    full.extend_from_slice(key);
    full
}

/// The running contract's address.
fn own_address(env: &Env) -> Result<Address, TrapKind> {
    env.frame()
        .map(|frame| frame.address)
        .ok_or(HostTrap::NoContext.kind())
}

/// Reads the key's value; see the manifest entry `storage_read`.
pub(super) fn read(
    h: &mut HostCall<'_, '_>,
    key_ptr: u32,
    key_len: u32,
    value_ptr: u32,
    value_cap: u32,
) -> Result<i32, TrapKind> {
    h.charge_base()?;
    check_key_len(key_len)?;
    let key_range = h.range(key_ptr, key_len)?;
    h.range(value_ptr, value_cap)?;
    h.charge_bytes(u64::from(key_len))?;
    let key = h.read(key_range)?;
    let cost = h.cost();
    let value = h.with_env(|env, meter| {
        let full = full_key(&own_address(env)?, &key);
        let value = env.get(&full).map_err(|e| env.fail(e))?;
        if let Some(value) = &value {
            meter.charge(cost.bytes_cost(value.len() as u64), Category::Storage)?;
        }
        Ok(value)
    })?;
    let Some(value) = value else {
        return Ok(NOT_FOUND);
    };
    let copied = value.len().min(value_cap as usize);
    h.write(value_ptr, value.get(..copied).unwrap_or_default())?;
    // At most MAX_VALUE_LEN: fits.
    Ok(i32::try_from(value.len()).unwrap_or(i32::MAX))
}

/// Stores the value under the key; see the manifest entry `storage_write`.
pub(super) fn write(
    h: &mut HostCall<'_, '_>,
    key_ptr: u32,
    key_len: u32,
    value_ptr: u32,
    value_len: u32,
) -> Result<(), TrapKind> {
    h.charge_base()?;
    check_key_len(key_len)?;
    if value_len > MAX_VALUE_LEN {
        return Err(HostTrap::ValueTooLarge.kind());
    }
    let key_range = h.range(key_ptr, key_len)?;
    let value_range = h.range(value_ptr, value_len)?;
    h.charge_bytes(u64::from(key_len) + u64::from(value_len))?;
    let key = h.read(key_range)?;
    let value = h.read(value_range)?;
    h.with_env(|env, _| {
        let full = full_key(&own_address(env)?, &key);
        if let Some(frame) = env.frame_mut() {
            frame.writes.insert(full, Some(value));
        }
        Ok(())
    })
}

/// Removes the key's value; see the manifest entry `storage_remove`.
pub(super) fn remove(h: &mut HostCall<'_, '_>, key_ptr: u32, key_len: u32) -> Result<(), TrapKind> {
    h.charge_base()?;
    check_key_len(key_len)?;
    let key_range = h.range(key_ptr, key_len)?;
    h.charge_bytes(u64::from(key_len))?;
    let key = h.read(key_range)?;
    h.with_env(|env, _| {
        let full = full_key(&own_address(env)?, &key);
        if let Some(frame) = env.frame_mut() {
            frame.writes.insert(full, None);
        }
        Ok(())
    })
}

/// Whether the key has a value; see the manifest entry `storage_has`.
pub(super) fn has(h: &mut HostCall<'_, '_>, key_ptr: u32, key_len: u32) -> Result<i32, TrapKind> {
    h.charge_base()?;
    check_key_len(key_len)?;
    let key_range = h.range(key_ptr, key_len)?;
    h.charge_bytes(u64::from(key_len))?;
    let key = h.read(key_range)?;
    h.with_env(|env, _| {
        let full = full_key(&own_address(env)?, &key);
        let value = env.get(&full).map_err(|e| env.fail(e))?;
        Ok(i32::from(value.is_some()))
    })
}

/// Size of an entry in a scan's output: two u32 lengths, key, value.
fn encoded_size(key_len: usize, value_len: usize) -> u64 {
    8 + key_len as u64 + value_len as u64
}

/// What one scan call hands back.
struct Batch {
    /// The encoded entries.
    out: Vec<u8>,
    /// How many.
    count: u32,
    /// Encoded size of the next entry (0: none left).
    next_size: u64,
}

/// Why a scan stopped early.
enum ScanStop {
    Trap(TrapKind),
    Backend(StorageError),
}

/// Steps through `merged`, charging per step and per byte written, until
/// `limit` entries are written, the next does not fit in `out_cap`, or the
/// range ends.
fn collect_batch(
    mut merged: MergedScan<'_>,
    limit: u32,
    out_cap: u32,
    meter: &mut Meter<'_>,
    cost: &Cost,
) -> Result<Batch, ScanStop> {
    let mut out = Vec::new();
    let mut count: u32 = 0;
    loop {
        meter
            .charge(cost.items_cost(1), Category::Storage)
            .map_err(ScanStop::Trap)?;
        let (key, value) = match merged.next_step().map_err(ScanStop::Backend)? {
            Step::End => {
                return Ok(Batch {
                    out,
                    count,
                    next_size: 0,
                });
            }
            Step::Hidden => continue,
            Step::Entry(key, value) => (key, value),
        };
        // Full keys start with the 32-byte address.
        let user_key = key.get(32..).unwrap_or_default();
        let size = encoded_size(user_key.len(), value.len());
        if count >= limit || out.len() as u64 + size > u64::from(out_cap) {
            return Ok(Batch {
                out,
                count,
                next_size: size,
            });
        }
        meter
            .charge(cost.bytes_cost(size), Category::Storage)
            .map_err(ScanStop::Trap)?;
        // Lengths are bounded by the key and value limits: they fit in u32.
        out.extend_from_slice(&(user_key.len() as u32).to_le_bytes());
        out.extend_from_slice(user_key);
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        out.extend_from_slice(&value);
        count += 1;
    }
}

/// Lists entries under a prefix; see the manifest entry `storage_scan`.
#[allow(clippy::too_many_arguments)]
pub(super) fn scan(
    h: &mut HostCall<'_, '_>,
    prefix_ptr: u32,
    prefix_len: u32,
    after_ptr: u32,
    after_len: u32,
    limit: u32,
    out_ptr: u32,
    out_cap: u32,
) -> Result<i64, TrapKind> {
    h.charge_base()?;
    if prefix_len > MAX_KEY_LEN || after_len > MAX_KEY_LEN {
        return Err(HostTrap::KeyLength.kind());
    }
    let prefix_range = h.range(prefix_ptr, prefix_len)?;
    let after_range = h.range(after_ptr, after_len)?;
    h.range(out_ptr, out_cap)?;
    h.charge_bytes(u64::from(prefix_len) + u64::from(after_len))?;
    let prefix = h.read(prefix_range)?;
    let after = h.read(after_range)?;
    let cost = h.cost();
    let Batch {
        out,
        count,
        next_size,
    } = h.with_env(|env, meter| {
        let address = own_address(env)?;
        let full_prefix = full_key(&address, &prefix);
        let full_after = full_key(&address, &after);
        // Keys are never empty, so `after` = "" means "from the prefix on".
        let start = if after.is_empty() || full_after < full_prefix {
            Bound::Included(full_prefix.as_slice())
        } else {
            Bound::Excluded(full_after.as_slice())
        };
        let end_key = prefix_end(&full_prefix);
        let end = match &end_key {
            Some(end) => Bound::Excluded(end.as_slice()),
            None => Bound::Unbounded,
        };
        let backend = env.storage.clone();
        let overlays = env.frames.iter().map(|f| &f.writes);
        let batch = MergedScan::new(backend.as_ref(), overlays, start, end)
            .map_err(ScanStop::Backend)
            .and_then(|merged| collect_batch(merged, limit, out_cap, meter, cost));
        match batch {
            Ok(batch) => Ok(batch),
            Err(ScanStop::Trap(trap)) => Err(trap),
            Err(ScanStop::Backend(error)) => Err(env.fail(error)),
        }
    })?;
    h.write(out_ptr, &out)?;
    Ok(i64::from(count) | ((next_size as i64) << 32))
}
