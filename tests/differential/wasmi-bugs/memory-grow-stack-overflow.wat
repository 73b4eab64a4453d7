;; wasmi 2.0.0 (default features, x86-64, optimised build): the `memory_grow`
;; handler calls the next handler instead of jumping to it (its tail call is
;; lost), so every executed `memory.grow` leaves a native frame (about 168
;; bytes) until the wasm call returns. `f(1000000)` overflows a 2 MiB thread
;; stack after about 13,000 iterations and aborts the process. A constant
;; delta of 0 does not show it (translated otherwise); a failing grow (as
;; here: the maximum is 1 page) and a successful one both do.
;; Valid WebAssembly: `f(n)` returns after n iterations.
;; Found by the differential harness at seed 7006055.
(module
  (memory 1 1)
  (func (export "f") (param i32)
    (loop
      (drop (memory.grow (i32.const 1)))
      (br_if 0 (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))))
