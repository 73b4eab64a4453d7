;; finding: a loop of calls of an empty function with 14 constant
;; arguments (the adversarial search, seed 2028, 2026-12-07: 4.30x in
;; benches/benches/search.rs; open/s2028-03, and s2027-12 at 3.17x).
;; why: every constant argument was a `Const` of its own, one dispatched
;; instruction for the 1 gas of its `i32.const` (about 2.2 ns each here,
;; half the run's time).
;; fix: none in the prices: the compiler writes a run of constants to
;; consecutive slots just before a call as one copy from the module's
;; constants (`Instr::ConstSpan`, vm/src/engine/compile/translate/fuse.rs
;; `fuse_constant_run`): 4.30x -> 1.6x in the bench. This case is the
;; finding as fixed work, with 64-bit constants too: 1,000 calls.
;; pinned-min-gas: 89001
;; (the entry, 50,000, and 39,001 for the calls: a lower bound of the
;; charge, which the test checks)
(module
  (func $f0 (param i32 i32 i32 i32 i32 i32 i32 i64 i64 i64 i64 i64 i64 i64))
  (func (export "execute") (local $n i32)
    (loop $l
      (call $f0 (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i64.const -9223372036854775808) (i64.const -9223372036854775808) (i64.const -9223372036854775808) (i64.const -9223372036854775808) (i64.const -9223372036854775808) (i64.const -9223372036854775808) (i64.const -9223372036854775808))
      (br_if $l (i32.ne (local.tee $n (i32.add (local.get $n) (i32.const 1))) (i32.const 1000))))))
