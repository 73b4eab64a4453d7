;; finding: loops of taken branches: `br_if` with a true condition, `if`
;; with a false one, `if/else` with a true one (the jump over the
;; else-arm) (the adversarial search, seed 2027, 2026-12-07: 4.1x, 3.7x
;; and 5.4x in benches/benches/search.rs; open/s2027-04, -06, -03).
;; why: a taken jump costs this processor's front end 6-9 ns against about
;; 1 ns for straight-line dispatch, for 3 gas (the condition's
;; `local.get` and the branch), and `else` was free.
;; fix: BRANCH 2 -> 4, ELSE 0 -> 2, and BR 3 -> 4 (vm/src/instrument/cost.rs).
;; pinned-min-gas: 502005
;; (the entry, 50,000, and 452,005 for the branches: a lower bound of the
;; charge, which the test checks)
(module
  (func (export "execute") (local $one i32) (local $zero i32) (local $n i32)
    (local.set $one (i32.const 1))
    (loop $l (block (br_if 0 (local.get $one)) (nop)) (block (br_if 0 (local.get $one)) (nop)) (block (br_if 0 (local.get $one)) (nop)) (block (br_if 0 (local.get $one)) (nop)) (block (br_if 0 (local.get $one)) (nop)) (block (br_if 0 (local.get $one)) (nop)) (block (br_if 0 (local.get $one)) (nop)) (block (br_if 0 (local.get $one)) (nop)) (block (br_if 0 (local.get $one)) (nop)) (block (br_if 0 (local.get $one)) (nop)) (block (br_if 0 (local.get $one)) (nop)) (block (br_if 0 (local.get $one)) (nop)) (block (br_if 0 (local.get $one)) (nop)) (block (br_if 0 (local.get $one)) (nop)) (block (br_if 0 (local.get $one)) (nop)) (block (br_if 0 (local.get $one)) (nop)) (if (local.get $zero) (then (nop))) (if (local.get $zero) (then (nop))) (if (local.get $zero) (then (nop))) (if (local.get $zero) (then (nop))) (if (local.get $zero) (then (nop))) (if (local.get $zero) (then (nop))) (if (local.get $zero) (then (nop))) (if (local.get $zero) (then (nop))) (if (local.get $zero) (then (nop))) (if (local.get $zero) (then (nop))) (if (local.get $zero) (then (nop))) (if (local.get $zero) (then (nop))) (if (local.get $zero) (then (nop))) (if (local.get $zero) (then (nop))) (if (local.get $zero) (then (nop))) (if (local.get $zero) (then (nop))) (if (local.get $one) (then (nop)) (else (nop))) (if (local.get $one) (then (nop)) (else (nop))) (if (local.get $one) (then (nop)) (else (nop))) (if (local.get $one) (then (nop)) (else (nop))) (if (local.get $one) (then (nop)) (else (nop))) (if (local.get $one) (then (nop)) (else (nop))) (if (local.get $one) (then (nop)) (else (nop))) (if (local.get $one) (then (nop)) (else (nop)))
      (br_if $l (i32.ne (local.tee $n (i32.add (local.get $n) (i32.const 1))) (i32.const 2000))))))
