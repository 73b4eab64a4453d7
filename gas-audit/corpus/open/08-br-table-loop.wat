;; reduced from 01-smith.wat (2026-12-07): its hot loop is `table.size` then a
;; `br_table` whose taken target is the enclosing loop. `gasworks call` of this
;; module with --gas 300000000 took 1.17 s (3.9 ns per gas, about 6.7x the
;; plain median); the same loop with `br_if 0; br 0` instead took 0.24 s.
;; perf: 74% of the time in the br_table handler, 21% in table.size, 5% in the
;; loop head's charge. Cause not found (the handler is a clamp, a side-table
;; load and a jump); open.
(module
  (table 0 externref)
  (func (export "execute")
    (block
      (loop
        table.size 0
        br_table 0 1 0))))
