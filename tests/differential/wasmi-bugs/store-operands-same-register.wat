;; wasmi 2.0.0: the translator panics ("internal error: entered unreachable
;; code", src/engine/translator/func/mod.rs:2583:25, in
;; `choose_store_op_vt`) on a store whose address and value are the same
;; register operand (`local.tee` then `local.get` of one local) and whose
;; offset does not fit in 16 bits. With offset=65535 it translates.
;; Valid WebAssembly: `f(0)` stores 32 at 65568.
;; Found by the differential harness at seed 7000526.
(module
  (memory 2)
  (func (export "f") (param i32)
    (i32.store offset=65536
      (local.tee 0 (i32.clz (local.get 0)))
      (local.get 0))))
