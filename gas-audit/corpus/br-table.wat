;; finding: a loop of `br_table` with an index past its targets (the
;; default), in nested blocks.
;; measured: 3.96x the median (3.15 ns per gas; seed 1, 300 rounds,
;; re-measured).
;; why: br_table (2 gas) ends a metered block, and its landing block is a
;; new one; the same per-block charge cost as tiny-blocks-br.wat.
;; fix: none: 1.19x in benches/benches/search.rs after the calibration's
;; prices (2026-12-07); br_table stayed at 2 then (8 since: br-table-loop.wat).
;; pinned-min-gas: 164123
(module
  (type $v (func))
  (memory 1)
  (table $t 16 funcref)
  (func $leaf)
  (func $one_local (local i32))
  (elem (table $t) (i32.const 0) func $leaf)
  
  (func (export "execute")
    (local $n i32) (local $a32 i32) (local $a64 i64) (local $c i32) (local $i i32)
    (local.set $a32 (i32.const 0x5555))
    (local.set $a64 (i64.const 0x5555555555555555))
    (local.set $i (i32.const 75))
    (loop $l
      (block $b0 (block $b1 (block $b2 (block $b3 (block $b4 (block $b5 (block $b6 (block $b7 (br_table $b0 $b1 $b2 $b3 $b4 $b5 $b6 $b7 (local.get $i))))))))))
      (br_if $l (i32.ne (local.tee $n (i32.add (local.get $n) (i32.const 1))) (i32.const 10000))))))
