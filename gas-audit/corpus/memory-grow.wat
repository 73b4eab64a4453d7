;; finding: a loop of memory.grow by 116 pages from a 68-page memory
;; (until the 512-page limit makes it return -1).
;; measured: 17.96x the median of plain code (11.09 against 0.62 ns per gas;
;; `gasworks search --seed 2025 --time 480`, re-measured against the
;; interleaved reference, shared machine).
;; why: a page is charged 4,096 gas (about 2.5 us of plain code), but a
;; grow resizes the linear memory in place: it writes every new page (page
;; faults and zeroing of fresh memory) and may copy the memory it moves;
;; about 45 us per page measured here. Instantiation's pages (CALL_COST,
;; the same 4,096 per page) are allocated zeroed without being touched and
;; measured at 0.65 us per page.
;; fix: the calibration's PER_PAGE 4,096 -> 65,536 (one gas per byte, as
;; memory.fill pays; vm/src/instrument/cost.rs): under 0.01x in
;; benches/benches/search.rs (2026-12-07; the run mostly fails its grows).
;; pinned-min-gas: 33609009
;; (the entry, 50,000 + 1 page x 4,096, and 8 grows of 64 pages at 50 +
;; 64 x 4,096 each: a lower bound of the charge, which the test checks)
(module
  (memory 1)
  (func (export "execute") (local $n i32)
    (loop $l
      (drop (memory.grow (i32.const 64)))
      (br_if $l (i32.ne (local.tee $n (i32.add (local.get $n) (i32.const 1))) (i32.const 8))))))
