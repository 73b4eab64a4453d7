;; finding: chains of dependent `i64.div_s`/`i64.div_u` of `i64::MIN` by 1,
;; and of `i32.div_u` (the adversarial search, seed 2027, 2026-12-07:
;; 6.0x, 5.8x and 4.1x in benches/benches/search.rs; open/s2027-01, -02, -05).
;; why: a division's latency grows with its quotient's width: a 64-bit
;; quotient took about 13 ns, a 32-bit one about 9, and each division of a
;; chain waits for the last. The calibration's `op.div` (independent
;; divisions) was 1.9x at the same price.
;; fix: DIVISION 4 -> 12 (vm/src/instrument/cost.rs).
;; pinned-min-gas: 424009
;; (the entry, 50,000, and 374,009 for the divisions: a lower bound of the
;; charge, which the test checks)
(module
  (func (export "execute") (local $a i64) (local $b i64) (local $x i32) (local $y i32) (local $n i32)
    (local.set $b (i64.const 1))
    (local.set $y (i32.const 1))
    (loop $l
      (local.set $a (i64.const -9223372036854775808))
      (local.set $x (i32.const -1)) (local.set $a (i64.div_s (local.get $a) (local.get $b))) (local.set $a (i64.div_s (local.get $a) (local.get $b))) (local.set $a (i64.div_s (local.get $a) (local.get $b))) (local.set $a (i64.div_s (local.get $a) (local.get $b))) (local.set $a (i64.div_s (local.get $a) (local.get $b))) (local.set $a (i64.div_s (local.get $a) (local.get $b))) (local.set $a (i64.div_s (local.get $a) (local.get $b))) (local.set $a (i64.div_s (local.get $a) (local.get $b))) (local.set $a (i64.div_s (local.get $a) (local.get $b))) (local.set $a (i64.div_s (local.get $a) (local.get $b))) (local.set $a (i64.div_s (local.get $a) (local.get $b))) (local.set $a (i64.div_s (local.get $a) (local.get $b))) (local.set $a (i64.div_s (local.get $a) (local.get $b))) (local.set $a (i64.div_s (local.get $a) (local.get $b))) (local.set $a (i64.div_s (local.get $a) (local.get $b))) (local.set $a (i64.div_s (local.get $a) (local.get $b))) (local.set $x (i32.div_u (local.get $x) (local.get $y))) (local.set $x (i32.div_u (local.get $x) (local.get $y))) (local.set $x (i32.div_u (local.get $x) (local.get $y))) (local.set $x (i32.div_u (local.get $x) (local.get $y))) (local.set $x (i32.div_u (local.get $x) (local.get $y))) (local.set $x (i32.div_u (local.get $x) (local.get $y))) (local.set $x (i32.div_u (local.get $x) (local.get $y))) (local.set $x (i32.div_u (local.get $x) (local.get $y)))
      (br_if $l (i32.ne (local.tee $n (i32.add (local.get $n) (i32.const 1))) (i32.const 1000))))))
