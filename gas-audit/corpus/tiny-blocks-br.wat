;; finding: `block $b br $b end` repeated: every `br` ends a metered
;; block, so each one is a gas charge plus a jump, for 1 gas.
;; measured: 5.56x the median (4.43 ns per gas; seed 1, 300 rounds,
;; re-measured); the endless `loop nop br` (one charge and one br per
;; iteration) 4.74x.
;; why: the charge at the head of each metered block has a cost of its own
;; (a fused subtract-and-branch) that no price includes; blocks of 1 gas
;; pay nothing for it.
;; fix: branches priced to include the charge: `br`, `br_if` and `if` 1 -> 2
;; (BRANCH in vm/src/instrument/cost.rs): about 4.1x before, 3.1-3.2x after
;; (criterion's time over the bench's baseline median, two runs,
;; 2026-12-07). Still above 3x, so `br` alone went to 3 (BR: a jump and
;; the charge of the block it lands in, nothing else): 2.7x (criterion
;; 742 us for the run's gas over the baseline median 0.55 ns per gas,
;; and the bench's printed ratio 2.67x, 2026-12-07 evening, load ~1).
;; pinned-min-gas: 494123
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
      block $b br $b end
      block $b br $b end
      block $b br $b end
      block $b br $b end
      block $b br $b end
      block $b br $b end
      block $b br $b end
      block $b br $b end
      block $b br $b end
      block $b br $b end
      block $b br $b end
      block $b br $b end
      
      (br_if $l (i32.ne (local.tee $n (i32.add (local.get $n) (i32.const 1))) (i32.const 10000))))))
