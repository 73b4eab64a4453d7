;; finding: a loop calling an empty function with one local.
;; measured: 3.23x the median (2.57 ns per gas; seed 1, 300 rounds,
;; re-measured); recursion (2.62x) and call chains (2.44x) are close.
;; why: a call is 5 gas, a local 1; the frame push and pop, the stack
;; accounting injected in the callee's prologue and the caller's restore
;; take about 18 ns.
;; fix: the calibration's CALL 5 -> 12 (vm/src/instrument/cost.rs): 1.74x
;; in benches/benches/search.rs (2026-12-07).
;; pinned-min-gas: 654123
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
      call $one_local
      call $one_local
      call $one_local
      call $one_local
      
      (br_if $l (i32.ne (local.tee $n (i32.add (local.get $n) (i32.const 1))) (i32.const 10000))))))
