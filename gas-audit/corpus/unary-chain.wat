;; finding: chains of dependent one-operand operators (i32.extend16_s,
;; i64.extend16_s; i32.clz and i32.eqz behave alike).
;; measured: 3.81x and 3.12x the median (seed 1, 300 rounds, re-measured).
;; why: every operator is one dispatched instruction of the executor for 1
;; gas, where plain code's instructions carry two or more gas (operands
;; fused in); dispatch, not the operation, is the cost.
;; fix: `clz`, `ctz`, `extend*` 1 -> 2 (UNARY in vm/src/instrument/cost.rs):
;; about 3.1x before, 2.0x after (benches/benches/search.rs, measured as
;; tiny-blocks-br.wat).
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
      local.get $a32 i32.extend16_s i32.extend16_s i32.extend16_s i32.extend16_s i32.extend16_s i32.extend16_s i32.extend16_s i32.extend16_s i32.extend16_s i32.extend16_s i32.extend16_s i32.extend16_s local.set $a32
      local.get $a64 i64.extend16_s i64.extend16_s i64.extend16_s i64.extend16_s i64.extend16_s i64.extend16_s i64.extend16_s i64.extend16_s i64.extend16_s i64.extend16_s i64.extend16_s i64.extend16_s local.set $a64
      (br_if $l (i32.ne (local.tee $n (i32.add (local.get $n) (i32.const 1))) (i32.const 10000))))))
