//! The instance's operations behind `memory.grow` and the bulk memory and
//! table instructions (`memory.fill`, `memory.copy`, `memory.init`,
//! `table.copy`, `table.init`).
//!
//! Safe code, with the spec's bounds checks, called by the handlers (and,
//! for active element segments, by instantiation); the handlers reload the
//! memory's base and length after each (MEMORY INVARIANT).

#![forbid(unsafe_code)]

use super::super::instance::evaluate_init;
use super::super::{Instance, PAGE_SIZE};
use crate::trap::TrapKind;

/// Resizes `vec` to `len` items (`len <= max`), filling with `fill`, and
/// never reserves more than `max` items: `Vec`'s own growth doubles the
/// capacity, which held up to twice the memory (or table) limit in the
/// host for a memory grown one page at a time (a 385-page memory grown by
/// one page reserved 768 pages). The capacity still at least doubles
/// below `max`, so a memory grown page by page is copied O(log n) times,
/// not once per page.
pub(crate) fn grow_within<T: Clone>(vec: &mut Vec<T>, len: usize, max: usize, fill: T) {
    if len > vec.capacity() {
        let target = vec.capacity().saturating_mul(2).clamp(len, max.max(len));
        vec.reserve_exact(target - vec.len());
    }
    vec.resize(len, fill);
}

impl Instance {
    /// `memory.grow`: the old size in pages, or -1 (as `u32`) beyond the
    /// maximum.
    pub(crate) fn memory_grow(&mut self, delta: u32) -> u32 {
        let old = self.memory_pages;
        let Some(new) = old.checked_add(delta) else {
            return u32::MAX;
        };
        if new > self.memory_max_pages {
            return u32::MAX;
        }
        let (len, max) = (
            new as usize * PAGE_SIZE,
            self.memory_max_pages as usize * PAGE_SIZE,
        );
        grow_within(&mut self.memory, len, max, 0);
        self.memory_pages = new;
        old
    }

    pub(super) fn memory_range(
        &self,
        start: u32,
        len: u32,
    ) -> Result<core::ops::Range<usize>, TrapKind> {
        let end = u64::from(start) + u64::from(len);
        if end > self.memory.len() as u64 {
            return Err(TrapKind::MemoryOutOfBounds);
        }
        Ok(start as usize..end as usize)
    }

    pub(super) fn memory_fill(&mut self, dst: u32, value: u8, len: u32) -> Result<(), TrapKind> {
        let range = self.memory_range(dst, len)?;
        self.memory[range].fill(value);
        Ok(())
    }

    pub(super) fn memory_copy(&mut self, dst: u32, src: u32, len: u32) -> Result<(), TrapKind> {
        let to = self.memory_range(dst, len)?;
        let from = self.memory_range(src, len)?;
        self.memory.copy_within(from, to.start);
        Ok(())
    }

    pub(super) fn memory_init(
        &mut self,
        data: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> Result<(), TrapKind> {
        let module = self.module.clone();
        let bytes: &[u8] = if self.dropped_data[data as usize] {
            &[]
        } else {
            &module.data[data as usize].bytes
        };
        let end = u64::from(src) + u64::from(len);
        if end > bytes.len() as u64 {
            return Err(TrapKind::MemoryOutOfBounds);
        }
        let to = self.memory_range(dst, len)?;
        self.memory[to].copy_from_slice(&bytes[src as usize..end as usize]);
        Ok(())
    }

    pub(super) fn table_copy(
        &mut self,
        dst_table: u32,
        src_table: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> Result<(), TrapKind> {
        let src_len = self.tables[src_table as usize].elements.len() as u64;
        let dst_len = self.tables[dst_table as usize].elements.len() as u64;
        if u64::from(src) + u64::from(len) > src_len || u64::from(dst) + u64::from(len) > dst_len {
            return Err(TrapKind::TableOutOfBounds);
        }
        let (src, dst, len) = (src as usize, dst as usize, len as usize);
        if dst_table == src_table {
            self.tables[dst_table as usize]
                .elements
                .copy_within(src..src + len, dst);
        } else {
            let items: Vec<u64> = self.tables[src_table as usize].elements[src..src + len].to_vec();
            self.tables[dst_table as usize].elements[dst..dst + len].copy_from_slice(&items);
        }
        Ok(())
    }

    pub(crate) fn table_init(
        &mut self,
        table: u32,
        elem: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> Result<(), TrapKind> {
        // Bounds first, from the segment's length: evaluating the whole
        // segment for every call made `table.init` with n = 0 cost work in
        // proportion to the segment (about 23,000 ns per gas unit on a
        // 200,000-item segment, against 0.5-1 for plain code).
        let table_len = self.tables[table as usize].elements.len() as u64;
        if u64::from(src) + u64::from(len) > self.element_count(elem)
            || u64::from(dst) + u64::from(len) > table_len
        {
            return Err(TrapKind::TableOutOfBounds);
        }
        // Each item evaluated straight into its slot: work in proportion
        // to `len`, what `table.init` is charged for, and no temporary (an
        // allocation per call made `table.init` of one item run at about
        // 6x the plain median per gas: the adversarial search,
        // docs/gas-calibration.md).
        let (src, dst, len) = (src as usize, dst as usize, len as usize);
        let Instance {
            module,
            globals,
            tables,
            ..
        } = self;
        let items = &module.elements[elem as usize].items[src..src + len];
        let slots = &mut tables[table as usize].elements[dst..dst + len];
        for (slot, item) in slots.iter_mut().zip(items) {
            *slot = evaluate_init(globals, *item);
        }
        Ok(())
    }
}
