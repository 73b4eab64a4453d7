;; wasmi 2.0.0: a `select` whose condition is an `i32.eqz` and whose
;; operands are a `global.get` and a constant (in either order, or two
;; `global.get`s) picks the wrong operand: the condition is inverted. With
;; a plain condition, with `i64.eqz`, with two constants or with a
;; `local.get` operand it picks right (see README.md).
;; Valid WebAssembly: `f(0)` returns 1 (the global), `f(1)` returns 2.
;; wasmi returns 2 for `f(0)`.
;; Found by the differential harness at seeds 20004168 and 20006071 (there
;; with `ref.is_null` of an `externref` local, which wasmi translates to
;; an `eqz` too).
(module
  (global $g (mut i32) (i32.const 1))
  (func (export "f") (param i32) (result i32)
    (select (global.get $g) (i32.const 2) (i32.eqz (local.get 0)))))
