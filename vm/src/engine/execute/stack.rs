//! The value stacks: one lent to each call, pooled per thread.
//!
//! A call's frames live in a value stack sized for the module
//! ([`stack_capacity`]); stacks are taken from this thread's pool and given
//! back after the call, so that instantiating allocates none and calls
//! reuse one already in the cache.

#![forbid(unsafe_code)]

use std::cell::RefCell;

use crate::limits::{STACK_LIMIT, VALUE_STACK_SLACK};

/// Value-stack capacity for a module whose largest frame is `max_frame`.
pub(crate) fn stack_capacity(max_frame: u32) -> usize {
    STACK_LIMIT as usize + 2 * max_frame as usize + VALUE_STACK_SLACK
}

/// How many value stacks a thread keeps for reuse.
const POOLED_STACKS: usize = 4;

thread_local! {
    /// Value stacks given back after calls, for the next calls on this
    /// thread (nested calls through host functions take one each).
    static POOL: RefCell<Vec<Vec<u64>>> = const { RefCell::new(Vec::new()) };
}

/// A value stack lent to one call: taken from this thread's pool (or
/// allocated) and given back afterwards, so that instantiating a module
/// allocates none and calls reuse one that is already in the cache. Its
/// slots are not cleared between calls, which no code can observe: a
/// function's parameters are written by its caller, its locals zeroed by
/// `enter`, every operand slot written before it is read (the compiler
/// allocates operand slots for values produced in validated order), and
/// host functions' result slots are cleared before the host runs.
pub(crate) struct ValueStack(Vec<u64>, usize);

impl ValueStack {
    /// A stack of at least `slots` slots.
    pub fn take(slots: usize) -> ValueStack {
        let pooled = POOL.with(|pool| {
            let mut pool = pool.borrow_mut();
            let index = pool.iter().position(|stack| stack.len() >= slots)?;
            Some(pool.swap_remove(index))
        });
        ValueStack(pooled.unwrap_or_else(|| vec![0; slots]), slots)
    }

    /// Returns the stack to this thread's pool.
    pub fn give_back(self) {
        POOL.with(|pool| {
            let mut pool = pool.borrow_mut();
            if pool.len() < POOLED_STACKS {
                pool.push(self.0);
            }
        });
    }
}

impl std::ops::Deref for ValueStack {
    type Target = [u64];
    fn deref(&self) -> &[u64] {
        &self.0[..self.1]
    }
}

impl std::ops::DerefMut for ValueStack {
    fn deref_mut(&mut self) -> &mut [u64] {
        &mut self.0[..self.1]
    }
}
