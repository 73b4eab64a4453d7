//! Cross-contract calls, and the entry into a contract that the
//! transaction's call shares with them.
//!
//! Entering a contract: refuse if the call stack is full or the callee is
//! already on it; look the callee up; charge its instantiation per initial
//! memory page and per initial table element; push a frame; instantiate it; run its `execute` export with
//! the same [`Env`] reborrowed as the engine's call context; pop the frame,
//! merging it into the caller on success and dropping it on failure.
//!
//! The executor does not recurse natively per WebAssembly call, so the
//! native stack grows only here, by one host-function frame and one engine
//! entry per contract level, and [`MAX_CALL_DEPTH`] bounds the levels.

use gasworks_vm::engine::{CallError, Instance, Outcome};
use gasworks_vm::profile::{Category, Profiler};
use gasworks_vm::trap::TrapKind;

use super::{HostCall, Meter};
use crate::HostTrap;
use crate::codes::CallStatus;
use crate::env::{Address, CallRecord, Env, Frame};
use crate::limits::{MAX_CALL_DEPTH, MAX_INPUT_LEN};
use crate::manifest::{CALL_TABLE_ELEMENT_GAS, Cost};
use crate::runtime::ENTRY_POINT;

/// How an entry into a contract ended.
pub(crate) enum Entered {
    /// Refused before anything ran (depth, reentrancy, no such contract).
    Refused(CallStatus),
    /// The callee ran: its result, and for the outermost entry that
    /// succeeded, its frame (the transaction's writes and return data).
    Finished {
        result: Result<(), TrapKind>,
        outermost: Option<Frame>,
    },
}

/// Enters `callee` with `input` and at most `gas_limit` gas (capped at what
/// `meter` holds after the instantiation charge); see the module docs.
///
/// # Errors
///
/// A trap of the *caller*: out of gas for the instantiation charge, or the
/// backend-failure trap, which unwinds the whole execution.
pub(crate) fn enter_contract(
    env: &mut Env,
    meter: &mut Meter<'_>,
    cost: &Cost,
    callee: Address,
    input: Vec<u8>,
    gas_limit: u64,
) -> Result<Entered, TrapKind> {
    let caller = env.frame().map_or(env.origin, |frame| frame.address);
    if let Some(frame) = env.frame_mut() {
        frame.last_call_return.clear();
    }
    let depth = env.depth().saturating_add(1);
    let refuse = |env: &mut Env, status: CallStatus| {
        env.debug.calls.push(CallRecord {
            depth,
            caller,
            callee,
            gas_limit: 0,
            gas_used: 0,
            outcome: status.name().to_string(),
        });
        Ok(Entered::Refused(status))
    };
    if depth > MAX_CALL_DEPTH {
        return refuse(env, CallStatus::DepthLimit);
    }
    if env.frames.iter().any(|frame| frame.address == callee) {
        return refuse(env, CallStatus::Reentrancy);
    }
    let Some(contract) = env.contracts.get(&callee).cloned() else {
        return refuse(env, CallStatus::NoSuchContract);
    };
    // Memory and tables are allocated by instantiation: charged first.
    meter.charge(
        cost.items_cost(contract.initial_pages)
            .saturating_add(CALL_TABLE_ELEMENT_GAS.saturating_mul(contract.initial_table_elements)),
        Category::Entry,
    )?;
    let limit = gas_limit.min(meter.left());
    env.push(callee, caller, input);
    let linker = env.linker.clone();
    let (result, gas_used) = match Instance::new(&contract.module, &linker) {
        Err(_) => (Err(HostTrap::InstantiationFailed.kind()), 0),
        Ok(mut instance) => {
            let called = call_entry(&mut instance, limit, env, meter.profiler(), callee);
            // The memory goes to this thread's pool for the next call.
            instance.recycle();
            match called {
                Err(_) => (Err(HostTrap::MissingEntryPoint.kind()), 0),
                Ok(outcome) => (outcome.result.map(|_| ()), outcome.gas_used),
            }
        }
    };
    // At most `limit`, which is at most what the meter holds.
    meter.charge_nested(gas_used)?;
    let outcome_name = match result {
        Ok(()) => CallStatus::Success.name().to_string(),
        Err(kind) => format!("trapped: {kind}"),
    };
    env.debug.calls.push(CallRecord {
        depth,
        caller,
        callee,
        gas_limit: limit,
        gas_used,
        outcome: outcome_name,
    });
    if env.fatal.is_some() {
        env.rollback();
        return Err(HostTrap::BackendFailure.kind());
    }
    match result {
        Ok(()) => Ok(Entered::Finished {
            result,
            outermost: env.commit(),
        }),
        Err(_) => {
            env.rollback();
            Ok(Entered::Finished {
                result,
                outermost: None,
            })
        }
    }
}

/// Runs `instance`'s entry point with `limit` gas; profiled under a scope
/// named for the contract when there is a profiler.
fn call_entry(
    instance: &mut Instance,
    limit: u64,
    env: &mut Env,
    profiler: Option<&mut Profiler>,
    contract: Address,
) -> Result<Outcome, CallError> {
    match profiler {
        None => instance.call_with(ENTRY_POINT, &[], limit, env),
        Some(profiler) => {
            profiler.enter(&profile_scope(&contract));
            let outcome = instance.call_profiled(ENTRY_POINT, &[], limit, env, profiler);
            profiler.leave();
            outcome
        }
    }
}

/// The profile scope of a contract: `contract` and its address's first
/// four bytes in hex.
pub(crate) fn profile_scope(contract: &Address) -> String {
    let mut name = String::from("contract ");
    for byte in &contract.0[..4] {
        name.push_str(&format!("{byte:02x}"));
    }
    name
}

/// See the manifest entry `call`.
pub(super) fn call(
    h: &mut HostCall<'_, '_>,
    address_ptr: u32,
    input_ptr: u32,
    input_len: u32,
    gas_limit: u64,
) -> Result<i32, TrapKind> {
    h.charge_base()?;
    if input_len > MAX_INPUT_LEN {
        return Err(HostTrap::InputTooLarge.kind());
    }
    let address_range = h.range(address_ptr, 32)?;
    let input_range = h.range(input_ptr, input_len)?;
    h.charge_bytes(u64::from(input_len))?;
    let address =
        <[u8; 32]>::try_from(h.slice(address_range)?).map_err(|_| TrapKind::MemoryOutOfBounds)?;
    let input = h.read(input_range)?;
    let cost = h.cost();
    h.with_env(|env, meter| {
        let status = match enter_contract(env, meter, cost, Address(address), input, gas_limit)? {
            Entered::Refused(status) => status,
            Entered::Finished { result: Ok(()), .. } => CallStatus::Success,
            Entered::Finished {
                result: Err(TrapKind::OutOfGas),
                ..
            } => CallStatus::OutOfGas,
            Entered::Finished { result: Err(_), .. } => CallStatus::Trapped,
        };
        Ok(status.code())
    })
}
