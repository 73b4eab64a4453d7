;; finding: a loop of `local.get $a; local.set $c`, six an iteration
;; (the adversarial search, seeds 2027 and 2028, 2026-12-07: 3.3-3.75x in
;; benches/benches/search.rs; open/s2027-10 and s2028-04).
;; why: each pair (2 gas) was one dispatched `Copy` (about 2.9 ns here,
;; frontend-bound), and the loop's jump mispredicted once an iteration.
;; fix: none in the prices: two `local.set`s of locals in a row run as one
;; dispatch (`Instr::Copy2`, vm/src/engine/compile/translate/fuse.rs
;; `emit_local_set`): 3.5x -> 1.0x in the bench. This case is the finding
;; as fixed work, each copy reading the one before: 1,000 iterations.
;; pinned-min-gas: 72006
;; (the entry, 50,000, and 22,006 for the copies: a lower bound of the
;; charge, which the test checks)
(module
  (func (export "execute") (local $a i32) (local $c i32) (local $d i32) (local $n i32)
    (local.set $a (i32.const 7))
    (loop $l
      (local.set $c (local.get $a)) (local.set $d (local.get $c))
      (local.set $c (local.get $a)) (local.set $d (local.get $c))
      (local.set $c (local.get $a)) (local.set $d (local.get $c))
      (br_if $l (i32.ne (local.tee $n (i32.add (local.get $n) (i32.const 1))) (i32.const 1000))))))
