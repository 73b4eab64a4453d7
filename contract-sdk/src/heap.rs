//! The allocator: a bump allocator over the contract's linear memory.
//!
//! A contract's call is short and its instance is thrown away afterwards,
//! so memory need not be reused: an allocation moves a pointer up, and the
//! memory grows (`memory.grow`, charged per page) when the pointer passes
//! its end. Freeing or shrinking the most recent allocation, and growing it
//! in place, move the pointer back or forward, which covers the common
//! patterns of `Vec` (push, reserve, `shrink_to_fit`) and of temporaries;
//! other frees are no-ops. Soroban's SDK makes the same choice; it is
//! small (a few hundred bytes of wasm), its gas is a few instructions per
//! allocation, and it is deterministic by construction.
//!
//! The price: a contract that allocates and frees in a long loop keeps the
//! memory of every iteration. Such a loop should reuse a buffer (`clear()`
//! keeps the capacity), or the contract can bring another allocator by
//! turning off the SDK's `allocator` feature.
//!
//! The arithmetic is [`Bump`], tested natively; on wasm32 with the
//! `allocator` feature it is the global allocator, starting at the
//! linker's `__heap_base`.

/// WebAssembly page size.
pub const PAGE: usize = 65536;

/// The bump arithmetic: the next free address and the end of memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bump {
    /// First free byte.
    pub next: usize,
    /// End of the memory (a multiple of [`PAGE`]).
    pub end: usize,
}

impl Bump {
    /// Allocates `size` bytes aligned to `align` (a power of two), growing
    /// the memory with `grow(pages)` (which returns whether it grew) when
    /// needed. `None` when the address space or the memory cannot hold it.
    pub fn alloc(
        &mut self,
        size: usize,
        align: usize,
        grow: &mut impl FnMut(usize) -> bool,
    ) -> Option<usize> {
        let start = self.next.checked_add(align - 1)? & !(align - 1);
        let new_next = start.checked_add(size)?;
        self.reserve(new_next, grow)?;
        self.next = new_next;
        Some(start)
    }

    /// Frees `[ptr, ptr + size)`: reclaimed only when it is the most recent
    /// allocation.
    pub fn dealloc(&mut self, ptr: usize, size: usize) {
        if ptr.checked_add(size) == Some(self.next) {
            self.next = ptr;
        }
    }

    /// Resizes the allocation at `ptr` from `old_size` to `new_size` in
    /// place when it is the most recent one (returning `Some(ptr)`);
    /// `None` when it must move (the caller allocates, copies and frees)
    /// or the memory cannot grow.
    pub fn resize_in_place(
        &mut self,
        ptr: usize,
        old_size: usize,
        new_size: usize,
        grow: &mut impl FnMut(usize) -> bool,
    ) -> Option<usize> {
        if ptr.checked_add(old_size)? != self.next {
            return None;
        }
        let new_next = ptr.checked_add(new_size)?;
        self.reserve(new_next, grow)?;
        self.next = new_next;
        Some(ptr)
    }

    /// Makes `[.., until)` part of the memory.
    fn reserve(&mut self, until: usize, grow: &mut impl FnMut(usize) -> bool) -> Option<()> {
        if until > self.end {
            let missing = until - self.end;
            let pages = missing.div_ceil(PAGE);
            if !grow(pages) {
                return None;
            }
            self.end = self.end.checked_add(pages.checked_mul(PAGE)?)?;
        }
        Some(())
    }
}

#[cfg(all(target_arch = "wasm32", feature = "allocator"))]
#[allow(unsafe_code)]
mod global {
    use core::alloc::{GlobalAlloc, Layout};
    use core::sync::atomic::{AtomicUsize, Ordering};

    use super::{Bump, PAGE};

    unsafe extern "C" {
        /// Set by the linker: the first byte after the stack and the data.
        static __heap_base: u8;
    }

    /// Wasm32 contracts are single-threaded: the atomics are plain loads
    /// and stores, used only to keep the state in a safe `static`.
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    static END: AtomicUsize = AtomicUsize::new(0);

    fn load() -> Bump {
        let next = NEXT.load(Ordering::Relaxed);
        if next == 0 {
            Bump {
                next: &raw const __heap_base as usize,
                end: core::arch::wasm32::memory_size(0) * PAGE,
            }
        } else {
            Bump {
                next,
                end: END.load(Ordering::Relaxed),
            }
        }
    }

    fn store(bump: Bump) {
        NEXT.store(bump.next, Ordering::Relaxed);
        END.store(bump.end, Ordering::Relaxed);
    }

    fn grow(pages: usize) -> bool {
        core::arch::wasm32::memory_grow(0, pages) != usize::MAX
    }

    struct BumpAllocator;

    #[global_allocator]
    static ALLOCATOR: BumpAllocator = BumpAllocator;

    // SAFETY: `alloc` returns a fresh range of `layout.size()` bytes at the
    // requested alignment inside the memory (grown first when needed) and
    // never hands out a byte twice while it is allocated: `next` only moves
    // back over the most recent allocation when that one is freed or
    // shrunk. Null means failure. The contract is single-threaded.
    unsafe impl GlobalAlloc for BumpAllocator {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let mut bump = load();
            let result = bump.alloc(layout.size(), layout.align(), &mut grow);
            store(bump);
            result.map_or(core::ptr::null_mut(), |address| address as *mut u8)
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            let mut bump = load();
            bump.dealloc(ptr as usize, layout.size());
            store(bump);
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let mut bump = load();
            if let Some(address) =
                bump.resize_in_place(ptr as usize, layout.size(), new_size, &mut grow)
            {
                store(bump);
                return address as *mut u8;
            }
            let Some(address) = bump.alloc(new_size, layout.align(), &mut grow) else {
                store(bump);
                return core::ptr::null_mut();
            };
            store(bump);
            let new = address as *mut u8;
            // SAFETY: `ptr` holds `layout.size()` initialised bytes (the
            // caller's contract); `new` is a fresh allocation after it,
            // so the ranges do not overlap; the smaller size is copied.
            unsafe { core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size)) };
            new
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory(pages: usize, max_pages: usize) -> (Bump, impl FnMut(usize) -> bool) {
        let mut size = pages;
        (
            Bump {
                next: 1000,
                end: pages * PAGE,
            },
            move |grow: usize| {
                if size + grow > max_pages {
                    false
                } else {
                    size += grow;
                    true
                }
            },
        )
    }

    #[test]
    fn allocations_are_aligned_disjoint_and_grow_the_memory() {
        let (mut bump, mut grow) = memory(1, 4);
        let a = bump.alloc(3, 1, &mut grow).expect("fits");
        let b = bump.alloc(8, 8, &mut grow).expect("fits");
        assert_eq!(a, 1000);
        assert_eq!(b, 1008);
        let c = bump.alloc(PAGE, 16, &mut grow).expect("grows");
        assert_eq!(c % 16, 0);
        assert!(c >= b + 8);
        assert_eq!(bump.end, 2 * PAGE);
        assert_eq!(bump.next, c + PAGE);
        // Beyond the maximum: refused, state unchanged.
        let before = bump;
        assert_eq!(bump.alloc(3 * PAGE, 1, &mut grow), None);
        assert_eq!(bump, before);
    }

    #[test]
    fn the_latest_allocation_is_freed_and_resized_in_place() {
        let (mut bump, mut grow) = memory(1, 2);
        let a = bump.alloc(16, 4, &mut grow).expect("fits");
        let b = bump.alloc(16, 4, &mut grow).expect("fits");
        // Not the latest: cannot move, a free is a no-op.
        assert_eq!(bump.resize_in_place(a, 16, 32, &mut grow), None);
        bump.dealloc(a, 16);
        assert_eq!(bump.next, b + 16);
        // The latest: grows and shrinks in place, and is reclaimed.
        assert_eq!(bump.resize_in_place(b, 16, 4000, &mut grow), Some(b));
        assert_eq!(bump.next, b + 4000);
        assert_eq!(bump.resize_in_place(b, 4000, 8, &mut grow), Some(b));
        bump.dealloc(b, 8);
        assert_eq!(bump.next, b);
    }

    #[test]
    fn address_space_overflow_is_refused() {
        let (mut bump, mut grow) = memory(1, 2);
        assert_eq!(bump.alloc(usize::MAX - 10, 1, &mut grow), None);
        assert_eq!(bump.alloc(1, usize::MAX / 2 + 1, &mut grow), None);
    }
}
