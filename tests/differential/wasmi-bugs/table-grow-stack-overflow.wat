;; wasmi 2.0.0: as memory-grow-stack-overflow.wat, for `table.grow`: its
;; handler, too, calls the next handler instead of jumping to it.
;; Valid WebAssembly: `f(n)` returns after n iterations.
(module
  (table 1 1 funcref)
  (func (export "f") (param i32)
    (loop
      (drop (table.grow (ref.null func) (i32.const 1)))
      (br_if 0 (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))))
