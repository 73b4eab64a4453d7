;;    3.68x     2.030 ns/gas  gas   2000000  OutOfGas  [loop if] loop if reps=10 a=1 b=7 addr=42 index=4 cond=0 (search: 5.79x; ops: if×80 local.get×80 br×8 local.set×7)
(module
  (type $v (func))
  (memory 1)
  (table $t 16 funcref)
  (global $g (mut i64) (i64.const 1))
  (func $leaf)
  (elem (table $t) (i32.const 0) func $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf )
  (elem $e func $leaf)
  (data $d "gasworks")
  (func (export "execute")
    (local $a32 i32) (local $b32 i32) (local $a64 i64) (local $b64 i64)
    (local $c i32) (local $p i32) (local $i i32)
    (local.set $a32 (i32.const 1))
    (local.set $b32 (i32.const -1))
    (local.set $a64 (i64.const 1))
    (local.set $b64 (i64.const 9223372036854775807))
    (local.set $c (i32.const 0))
    (local.set $p (i32.const 42))
    (local.set $i (i32.const 4))
    (loop $l
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      
      br $l)))
