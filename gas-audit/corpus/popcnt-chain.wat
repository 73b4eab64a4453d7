;; finding: loop of dependent i64.popcnt (and i32.popcnt), 12 per iteration.
;; measured: 7.65x the median of plain code (6.10 against 0.80 ns per gas;
;; `gasworks search --seed 1 --rounds 300`, re-measured, this machine,
;; shared), up to 39x in a long run on a loaded machine.
;; why: the baseline x86-64 target has no popcnt instruction; count_ones
;; is a dozen dependent instructions, charged as one simple operation (1).
;; fix: i32.popcnt and i64.popcnt cost 6 (vm/src/instrument/cost.rs,
;; POPCOUNT).
;; pinned-min-gas: 1614123
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
      local.get $a64 i64.popcnt i64.popcnt i64.popcnt i64.popcnt i64.popcnt i64.popcnt i64.popcnt i64.popcnt i64.popcnt i64.popcnt i64.popcnt i64.popcnt local.set $a64
      local.get $a32 i32.popcnt i32.popcnt i32.popcnt i32.popcnt i32.popcnt i32.popcnt i32.popcnt i32.popcnt i32.popcnt i32.popcnt i32.popcnt i32.popcnt local.set $a32
      (br_if $l (i32.ne (local.tee $n (i32.add (local.get $n) (i32.const 1))) (i32.const 10000))))))
