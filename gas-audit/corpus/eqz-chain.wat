;; finding: `loop i32.eqz`: chains of dependent `i32.eqz` (the adversarial
;; search, seed 2026, 2026-12-07 evening: 5.75x the median in its quick
;; in-search scores after 558 rounds, which run up to 3x high;
;; unary-chain.wat had noted that eqz behaves as clz, and UNARY had left
;; it at 1, "not measured").
;; why: as unary-chain.wat: one dispatched executor instruction per gas.
;; measured: 2.40x the median (the bench's printed ratio) and 2.26x
;; (criterion: 542 us for its 414,123 gas against the baseline's median
;; 1,158 us for 2,000,000), benches/benches/search.rs, 2026-12-07, load ~1.
;; fix: at first none (below 3x here), but the search's longer chains
;; (gas-audit/corpus/open/03-loop-i32-eqz.wat: 5.2-5.6x, 2.7-3.3 ns per
;; `eqz` whatever the chain's length) put `i32.eqz`, `i64.eqz` and
;; `i32.wrap_i64` with the other one-operand operators: 1 -> 2 (UNARY in
;; vm/src/instrument/cost.rs).
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
      local.get $a32 i32.eqz i32.eqz i32.eqz i32.eqz i32.eqz i32.eqz i32.eqz i32.eqz i32.eqz i32.eqz i32.eqz i32.eqz local.set $a32
      local.get $c i32.eqz i32.eqz i32.eqz i32.eqz i32.eqz i32.eqz i32.eqz i32.eqz i32.eqz i32.eqz i32.eqz i32.eqz local.set $c
      (br_if $l (i32.ne (local.tee $n (i32.add (local.get $n) (i32.const 1))) (i32.const 10000))))))
