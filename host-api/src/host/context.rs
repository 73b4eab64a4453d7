//! Context host functions: who called, where and when, the input, gas, and
//! return data.

use gasworks_vm::profile::Category;
use gasworks_vm::trap::TrapKind;

use super::HostCall;
use crate::HostTrap;
use crate::env::{Address, Env, Frame};
use crate::limits::MAX_RETURN_DATA_LEN;

fn frame(env: &Env) -> Result<&Frame, TrapKind> {
    env.frame().ok_or(HostTrap::NoContext.kind())
}

/// Writes a 32-byte address chosen from the context.
fn write_address(
    h: &mut HostCall<'_, '_>,
    out_ptr: u32,
    pick: impl FnOnce(&Env) -> Result<Address, TrapKind>,
) -> Result<(), TrapKind> {
    h.charge_base()?;
    h.range(out_ptr, 32)?;
    let address = h.with_env(|env, _| pick(env))?;
    h.write(out_ptr, address.as_bytes())
}

/// See the manifest entry `caller`.
pub(super) fn caller(h: &mut HostCall<'_, '_>, out_ptr: u32) -> Result<(), TrapKind> {
    write_address(h, out_ptr, |env| Ok(frame(env)?.caller))
}

/// See the manifest entry `origin`.
pub(super) fn origin(h: &mut HostCall<'_, '_>, out_ptr: u32) -> Result<(), TrapKind> {
    write_address(h, out_ptr, |env| Ok(env.origin))
}

/// See the manifest entry `address`.
pub(super) fn address(h: &mut HostCall<'_, '_>, out_ptr: u32) -> Result<(), TrapKind> {
    write_address(h, out_ptr, |env| Ok(frame(env)?.address))
}

/// See the manifest entry `block_height`.
pub(super) fn block_height(h: &mut HostCall<'_, '_>) -> Result<u64, TrapKind> {
    h.charge_base()?;
    h.with_env(|env, _| Ok(env.block.height))
}

/// See the manifest entry `block_time`.
pub(super) fn block_time(h: &mut HostCall<'_, '_>) -> Result<u64, TrapKind> {
    h.charge_base()?;
    h.with_env(|env, _| Ok(env.block.time))
}

/// See the manifest entry `chain_id`.
pub(super) fn chain_id(h: &mut HostCall<'_, '_>) -> Result<u64, TrapKind> {
    h.charge_base()?;
    h.with_env(|env, _| Ok(env.block.chain_id))
}

/// See the manifest entry `gas_left`.
pub(super) fn gas_left(h: &mut HostCall<'_, '_>) -> Result<u64, TrapKind> {
    h.charge_base()?;
    Ok(h.gas_left())
}

/// Copies the first `min(len, out_cap)` bytes of some context bytes and
/// returns their full length.
fn copy_out(
    h: &mut HostCall<'_, '_>,
    out_ptr: u32,
    out_cap: u32,
    pick: impl FnOnce(&Frame) -> &[u8],
) -> Result<i32, TrapKind> {
    h.charge_base()?;
    h.range(out_ptr, out_cap)?;
    let cost = h.cost();
    let (bytes, full_len) = h.with_env(|env, meter| {
        let bytes = pick(frame(env)?);
        let copied = bytes.len().min(out_cap as usize);
        meter.charge(cost.bytes_cost(copied as u64), Category::HostPerByte)?;
        Ok((
            bytes.get(..copied).unwrap_or_default().to_vec(),
            bytes.len(),
        ))
    })?;
    h.write(out_ptr, &bytes)?;
    // Inputs and return data are bounded far below 2^31.
    Ok(i32::try_from(full_len).unwrap_or(i32::MAX))
}

/// See the manifest entry `input`.
pub(super) fn input(h: &mut HostCall<'_, '_>, out_ptr: u32, out_cap: u32) -> Result<i32, TrapKind> {
    copy_out(h, out_ptr, out_cap, |frame| &frame.input)
}

/// See the manifest entry `return_data`.
pub(super) fn return_data(
    h: &mut HostCall<'_, '_>,
    out_ptr: u32,
    out_cap: u32,
) -> Result<i32, TrapKind> {
    copy_out(h, out_ptr, out_cap, |frame| &frame.last_call_return)
}

/// See the manifest entry `set_return_data`.
pub(super) fn set_return_data(
    h: &mut HostCall<'_, '_>,
    data_ptr: u32,
    data_len: u32,
) -> Result<(), TrapKind> {
    h.charge_base()?;
    if data_len > MAX_RETURN_DATA_LEN {
        return Err(HostTrap::ReturnDataTooLarge.kind());
    }
    let range = h.range(data_ptr, data_len)?;
    h.charge_bytes(u64::from(data_len))?;
    let data = h.read(range)?;
    h.with_env(|env, _| {
        let frame = env.frame_mut().ok_or(HostTrap::NoContext.kind())?;
        frame.return_data = data;
        Ok(())
    })
}
