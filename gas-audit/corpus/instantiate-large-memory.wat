;; finding: a contract of 458 initial memory pages that grows by one
;; (the adversarial search, seed 2026, 2026-12-07: 15.4x in
;; benches/benches/search.rs; 3.3-3.5x after linear memories were pooled
;; per thread, vm/src/engine/memory_pool.rs).
;; why: a pooled memory is zeroed in full when an instance takes it (a
;; fresh one was zeroed lazily by the kernel, and only the pages touched):
;; 29 MiB past the caches, about 8 us a page, against 4,096 gas a page
;; (about 2.4 us of plain code).
;; fix: the entry's and `call`'s per-page price 4,096 -> 8,192 (CALL_COST
;; in host-api/src/manifest.rs). At that price 458 pages no longer fit the
;; search's 2,000,000 gas: this case has 228.
;; pinned-min-gas: 1985861
;; (the entry, 50,000 + 228 pages x 8,192 + 2,499 table elements x 1, and
;; one growth of one page, 50 + 65,536: a lower bound of the charge, which
;; the test checks)
(module
  (memory 228)
  (table 2499 funcref)
  (func (export "execute")
    (drop (memory.grow (i32.const 1)))))
