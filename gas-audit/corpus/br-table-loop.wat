;; finding: wasm-smith code whose hot loop is `table.size` then a
;; `br_table` back to the loop (the adversarial search, seed 2026,
;; 2026-12-07: open/01-smith, 5.4-6.9x in benches/benches/search.rs;
;; reduced to a two-instruction loop, 3.9 ns per gas, about 6.7x).
;; why: the next instruction of a `br_table` is known only after three
;; dependent loads (the index's slot, just written; the side table's
;; entry; the target op), about 11 ns; a branch whose target is in its
;; instruction needs one. Not a misprediction: with the index known
;; without a load the same loop ran 3x faster.
;; fix: `br_table` 2 -> 8 (BR_TABLE in vm/src/instrument/cost.rs). This
;; case is the finding's shape as fixed work: 16 `br_table`s an iteration,
;; each on a `table.size` just computed, to the end of its block.
;; pinned-min-gas: 390001
;; (the entry, 50,000, and 2,000 iterations of 16 x (table.size 2 +
;; br_table 8) and a counter: a lower bound of the charge, which the test
;; checks)
(module
  (table 0 externref)
  (func (export "execute") (local $n i32)
    (loop $l
      (block (br_table 0 0 (table.size 0)))
      (block (br_table 0 0 (table.size 0)))
      (block (br_table 0 0 (table.size 0)))
      (block (br_table 0 0 (table.size 0)))
      (block (br_table 0 0 (table.size 0)))
      (block (br_table 0 0 (table.size 0)))
      (block (br_table 0 0 (table.size 0)))
      (block (br_table 0 0 (table.size 0)))
      (block (br_table 0 0 (table.size 0)))
      (block (br_table 0 0 (table.size 0)))
      (block (br_table 0 0 (table.size 0)))
      (block (br_table 0 0 (table.size 0)))
      (block (br_table 0 0 (table.size 0)))
      (block (br_table 0 0 (table.size 0)))
      (block (br_table 0 0 (table.size 0)))
      (block (br_table 0 0 (table.size 0)))
      (br_if $l (i32.ne (local.tee $n (i32.add (local.get $n) (i32.const 1))) (i32.const 2000))))))
