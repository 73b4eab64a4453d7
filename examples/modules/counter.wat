;; A small contract-shaped module: a counter in linear memory, a loop, a
;; conditional, a call through the table and a memory.grow. Shipped so that
;; `gasworks check` has something real to accept until the SDK examples exist.
(module $counter
  (type $unary (func (param i32) (result i32)))
  (memory (export "memory") 1 16)
  (table 2 funcref)
  (elem (i32.const 0) $double $inc)
  (global $calls (mut i32) (i32.const 0))

  (func $inc (type $unary) (i32.add (local.get 0) (i32.const 1)))
  (func $double (type $unary) (i32.shl (local.get 0) (i32.const 1)))

  ;; Adds `n` to the counter stored at address 0 and returns the new value.
  (func (export "add") (param $n i32) (result i32)
    (local $i i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store (i32.const 0) (call $inc (i32.load (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.load (i32.const 0)))

  ;; Applies table entry `which` (0: double, 1: increment) to the counter.
  (func (export "apply") (param $which i32) (result i32)
    (i32.store (i32.const 0)
      (call_indirect (type $unary) (i32.load (i32.const 0)) (local.get $which)))
    (i32.load (i32.const 0)))

  ;; Grows memory by `pages`; returns the old size or -1.
  (func (export "grow") (param $pages i32) (result i32)
    (if (result i32) (i32.eqz (local.get $pages))
      (then (memory.size))
      (else (memory.grow (local.get $pages)))))
)
