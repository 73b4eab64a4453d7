//! `abort` and `log`: messages for people, in the outcome's debug part,
//! never in consensus data. Their gas does not depend on whether a node
//! records them.

use gasworks_vm::trap::TrapKind;

use super::HostCall;
use crate::HostTrap;
use crate::env::{AbortRecord, LogRecord};
use crate::limits::{MAX_LOGS, MAX_MESSAGE_LEN};

/// Checks the whole message range, charges for and reads the part kept.
fn read_message(h: &mut HostCall<'_, '_>, ptr: u32, len: u32) -> Result<String, TrapKind> {
    h.charge_base()?;
    h.range(ptr, len)?;
    let kept = len.min(MAX_MESSAGE_LEN);
    let range = h.range(ptr, kept)?;
    h.charge_bytes(u64::from(kept))?;
    Ok(String::from_utf8_lossy(h.slice(range)?).into_owned())
}

/// See the manifest entry `abort`.
pub(super) fn abort(h: &mut HostCall<'_, '_>, msg_ptr: u32, msg_len: u32) -> Result<(), TrapKind> {
    let message = read_message(h, msg_ptr, msg_len)?;
    h.with_env(|env, _| {
        let contract = env
            .frame()
            .map(|frame| frame.address)
            .ok_or(HostTrap::NoContext.kind())?;
        let depth = env.depth();
        env.debug.aborts.push(AbortRecord {
            contract,
            depth,
            message,
        });
        Ok(())
    })?;
    Err(HostTrap::Abort.kind())
}

/// See the manifest entry `log`.
pub(super) fn log(h: &mut HostCall<'_, '_>, msg_ptr: u32, msg_len: u32) -> Result<(), TrapKind> {
    let message = read_message(h, msg_ptr, msg_len)?;
    h.with_env(|env, _| {
        let contract = env
            .frame()
            .map(|frame| frame.address)
            .ok_or(HostTrap::NoContext.kind())?;
        if env.debug.logs.len() as u64 >= u64::from(MAX_LOGS) {
            env.debug.logs_dropped += 1;
            return Ok(());
        }
        let depth = env.depth();
        env.debug.logs.push(LogRecord {
            contract,
            depth,
            message,
        });
        Ok(())
    })
}
