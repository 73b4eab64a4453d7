;; wasmi 2.0.0: a `local.get` left on the operand stack below an `if` that
;; takes a parameter, whose `then` branch holds a loop that reads the same
;; local, is read after the `if` from a stack slot that nothing wrote in
;; this execution: here the slot that held the argument of the call before
;; (3); in a fresh process it usually holds 0, so the bug hides.
;; Valid WebAssembly: `f()` returns local 0, that is 0; wasmi returns 3.
;; Found by the differential harness at seed 20000322 (reduced from the
;; instrumented module, where the earlier call is `gasworks.gas`).
(module
  (func $h (param i64))
  (func (export "f") (result i64) (local i64 i32)
    i64.const 3
    call $h
    local.get 0
    i64.const 1
    local.get 1
    if (param i64)
      loop
        local.get 0
        drop
      end
      drop
    else
      drop
    end))
