//! Linear memories, pooled per thread.
//!
//! Every call of a contract instantiates it, so every call allocates its
//! linear memory, zeroed, and frees it at the end. Left to the system
//! allocator, a large memory is a fresh mapping whose pages fault in as
//! they are touched, or, once glibc's allocator has adapted its mapping
//! threshold to the sizes it saw freed, a block of its heap that `calloc`
//! zeroes in full and that the first `memory.grow` copies whole into a
//! larger one. The adversarial search found that a contract with 458
//! initial pages growing by one page ran at about 15x the plain median per
//! gas that way (docs/gas-calibration.md, "Seed 2026"): the entry's 4,096
//! gas a page paid for neither the copy nor the faults.
//!
//! A memory given back here keeps its allocation, and the next instance on
//! this thread takes it and zeroes only the length it starts with: no
//! mapping, no faults, and no copy when it grows within the capacity it
//! already has. The pool holds at most [`POOLED_MEMORIES`] memories, each
//! at most [`MAX_MEMORY_PAGES`] pages: what the engine could allocate for
//! one instance anyway.

#![forbid(unsafe_code)]

use std::cell::RefCell;

use super::{MAX_MEMORY_PAGES, PAGE_SIZE};

/// How many linear memories a thread keeps for reuse (nested calls hold
/// one each).
const POOLED_MEMORIES: usize = 4;

thread_local! {
    /// Memories given back by instances dropped on this thread.
    static POOL: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// A linear memory of `len` zero bytes: the pooled memory of this thread
/// with the largest capacity, zeroed up to `len`, or a new allocation when
/// none is large enough.
pub(super) fn take(len: usize) -> Vec<u8> {
    let pooled = POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        let largest = (0..pool.len()).max_by_key(|&i| pool[i].capacity())?;
        (pool[largest].capacity() >= len).then(|| pool.swap_remove(largest))
    });
    match pooled {
        Some(mut memory) => {
            memory.clear();
            // Not `resize`: one more caller of `Vec<u8>::resize` changed how
            // the executor's `memory.grow` handler was compiled, and it no
            // longer passed control on by a jump (tests/engine_executor.rs).
            memory.extend(std::iter::repeat_n(0, len));
            memory
        }
        None => vec![0; len],
    }
}

/// Keeps `memory` for the next instance on this thread, if the pool has
/// room and the memory is no larger than an instance may have.
pub(super) fn give_back(memory: Vec<u8>) {
    let max = MAX_MEMORY_PAGES as usize * PAGE_SIZE;
    if memory.capacity() == 0 || memory.capacity() > max {
        return;
    }
    POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.len() < POOLED_MEMORIES {
            pool.push(memory);
        } else if let Some(smallest) = (0..pool.len()).min_by_key(|&i| pool[i].capacity())
            && pool[smallest].capacity() < memory.capacity()
        {
            // Keep the larger ones: a small memory is cheap to allocate.
            pool[smallest] = memory;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pooled_memory_comes_back_zeroed_to_the_length_asked() {
        let mut memory = take(3 * PAGE_SIZE);
        memory.iter_mut().for_each(|byte| *byte = 0xAA);
        memory.resize(5 * PAGE_SIZE, 0xBB);
        let capacity = memory.capacity();
        give_back(memory);
        let again = take(4 * PAGE_SIZE);
        assert_eq!(again.len(), 4 * PAGE_SIZE);
        assert!(again.iter().all(|&byte| byte == 0), "not zeroed");
        assert_eq!(again.capacity(), capacity, "not the pooled allocation");
        give_back(again);
        // Larger than any pooled memory: a new one.
        let larger = take(capacity + PAGE_SIZE);
        assert_eq!(larger.len(), capacity + PAGE_SIZE);
        assert!(larger.iter().all(|&byte| byte == 0));
    }
}
